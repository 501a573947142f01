#pragma once
// Umbrella header: the header-only layer of ecgad (ecgad::core). Compiled components
// (model, io, pipeline, ...) have their own headers and need ecgad::ecgad.

#include "ecgad/error.hpp"
#include "ecgad/signal/filter.hpp"
#include "ecgad/version.hpp"
