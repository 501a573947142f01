#pragma once
// Umbrella header: the header-only layer of ecgad (ecgad::core). Compiled components
// (model, io, pipeline, ...) have their own headers and need ecgad::ecgad.

#include "ecgad/error.hpp"
#include "ecgad/artifact/bundle.hpp"
#include "ecgad/artifact/runtime_loader.hpp"
#include "ecgad/metrics/ec57.hpp"
#include "ecgad/metrics/ranking.hpp"
#include "ecgad/runtime/model.hpp"
#include "ecgad/signal/aami.hpp"
#include "ecgad/signal/beat_features.hpp"
#include "ecgad/signal/beat_reference.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/filter.hpp"
#include "ecgad/signal/noise.hpp"
#include "ecgad/signal/normalize.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/rpeaks.hpp"
#include "ecgad/signal/synth.hpp"
#include "ecgad/signal/welch.hpp"
#include "ecgad/version.hpp"
