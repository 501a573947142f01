#pragma once
// The filtering core in one include: IIR design (butter, iirnotch), causal and zero-phase
// filtering (SosFilter, sosfilt, lfilter, sosfiltfilt, filtfilt), polyphase resampling and the
// moving-median baseline remover. All equal to their scipy.signal namesakes.

#include "ecgad/signal/baseline.hpp"
#include "ecgad/signal/filtfilt.hpp"
#include "ecgad/signal/iir_design.hpp"
#include "ecgad/signal/resample.hpp"
#include "ecgad/signal/sos_filter.hpp"
