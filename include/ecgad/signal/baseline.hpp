#pragma once
// Moving-median filtering and the two-stage median baseline-wander estimate of de Chazal,
// O'Dwyer and Reilly (IEEE TBME 51(7), 2004): a 200 ms median removes the QRS complex and the
// P wave, a 600 ms median of that removes the T wave, and what is left is the baseline.
//
// Edges: like scipy.signal.medfilt, the signal is padded with zeros beyond both ends, so within
// half a window of either end the padding takes part in the median and biases it towards zero:
// at the first sample, h zeros join the h + 1 samples x[0..h] of a 2h + 1 window, so the
// median is the one of those nearest zero (the smallest, for a positive signal), not x[0]. A
// signal far from zero (a DC offset of several mV, say) therefore shows edge artefacts over
// half a window (100 ms + 300 ms with the default windows); discard them or remove the offset
// first. The median is the padding 0 itself only for a kernel longer than 2 n - 1 samples, when
// padding is the majority of every window.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

namespace detail {

// Finite doubles as int64 keys whose integer order is the numeric order: IEEE-754 bit patterns
// order like sign-magnitude integers, and flipping the magnitude bits of negative ones makes
// them two's complement. The binary searches below then compare integers, which on x86-64
// avoids the FP-compare-to-flags latency on their critical path (medfilt runs ~25% faster).
// -0.0 maps just below +0.0; the two are equal as values, so medians are unaffected.
inline std::int64_t order_key(double value) {
  std::int64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits < 0 ? bits ^ std::numeric_limits<std::int64_t>::max() : bits;
}

inline double from_order_key(std::int64_t key) {
  const std::int64_t bits = key < 0 ? key ^ std::numeric_limits<std::int64_t>::max() : key;
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Sorted multiset of the in-range samples of a sliding window, held as order keys. The zero
// padding beyond the ends is not stored but counted, so a kernel much longer than the signal
// costs nothing extra. Per sample the hot path is two branch-free binary searches and one
// short memmove: for windows of a few hundred values this beats heaps and balanced trees.
class SlidingMedian {
 public:
  explicit SlidingMedian(Eigen::Index capacity) {
    sorted_.reserve(static_cast<std::size_t>(capacity));
  }

  void insert(double value) {
    const std::int64_t key = order_key(value);
    sorted_.insert(sorted_.begin() + lower_bound(key), key);
    negatives_ += value < 0.0;
  }

  void erase(double value) {
    sorted_.erase(sorted_.begin() + lower_bound(order_key(value)));
    negatives_ -= value < 0.0;
  }

  // erase(old_value) then insert(new_value), moving only the elements between the two
  // positions (one short memmove instead of two long ones). old_value must be present.
  void replace(double old_value, double new_value) {
    const std::int64_t old_key = order_key(old_value);
    const std::int64_t new_key = order_key(new_value);
    std::int64_t* keys = sorted_.data();
    const std::ptrdiff_t hole = lower_bound(old_key);
    const std::ptrdiff_t slot = lower_bound(new_key);
    if (slot > hole) {  // new_value > old_value: close the hole leftwards
      std::move(keys + hole + 1, keys + slot, keys + hole);
      keys[slot - 1] = new_key;
    } else {
      std::move_backward(keys + slot, keys + hole, keys + hole + 1);
      keys[slot] = new_key;
    }
    negatives_ += (new_value < 0.0) - (old_value < 0.0);
  }

  // Element of 0-based rank `rank` among the stored samples plus `zeros` padding zeros: the
  // padding sorts after the negative samples and before the others.
  double select(Eigen::Index rank, Eigen::Index zeros) const {
    if (rank < negatives_) return from_order_key(sorted_[static_cast<std::size_t>(rank)]);
    if (rank < negatives_ + zeros) return 0.0;
    return from_order_key(sorted_[static_cast<std::size_t>(rank - zeros)]);
  }

 private:
  // Index of the first key >= key. Branch-free (the comparison selects the half with a
  // conditional move), since in a median window the branch would be a coin flip.
  std::ptrdiff_t lower_bound(std::int64_t key) const {
    std::size_t count = sorted_.size();
    if (count == 0) return 0;
    const std::int64_t* base = sorted_.data();
    while (count > 1) {
      const std::size_t half = count / 2;
      base = base[half] < key ? base + half : base;
      count -= half;
    }
    return (base - sorted_.data()) + (*base < key);
  }

  std::vector<std::int64_t> sorted_;
  Eigen::Index negatives_ = 0;  // stored samples < 0 (so not -0.0)
};

}  // namespace detail

/// Moving median of odd length kernel_size (samples), equal to scipy.signal.medfilt(x,
/// kernel_size) for 1-D x: y[i] = median(x[i - h .. i + h]), h = kernel_size / 2, with zeros
/// beyond both ends (so the first and last h outputs are biased towards zero). A kernel longer
/// than the signal is allowed (zero-padded, as scipy). kernel_size must be odd and >= 1; x must
/// be non-empty and finite. A sorted window updated per sample by two binary searches and one
/// short memmove: O(n (log k + k)) with a small constant, ~30 ms for k = 217 over 650,000
/// samples (30 min at 360 Hz) on one x86-64 core.
inline Eigen::VectorXd medfilt(const Eigen::Ref<const Eigen::VectorXd>& x,
                               Eigen::Index kernel_size) {
  if (kernel_size < 1 || kernel_size % 2 == 0) {
    throw InvalidArgument("kernel_size must be an odd number of samples >= 1, got " +
                          std::to_string(kernel_size));
  }
  if (x.size() == 0) throw InvalidArgument("x is empty; it must hold at least one sample");
  ecgad::detail::require_finite(x, "x");

  const Eigen::Index n = x.size();
  const Eigen::Index half = kernel_size / 2;
  detail::SlidingMedian window(std::min(kernel_size, n));
  // Window of output 0 covers x[0 .. min(half, n - 1)]; the rest of it is padding.
  Eigen::Index last_in = std::min(half, n - 1);
  for (Eigen::Index j = 0; j <= last_in; ++j) window.insert(x[j]);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0;; ++i) {
    const Eigen::Index first_in = std::max<Eigen::Index>(0, i - half);
    y[i] = window.select(half, kernel_size - (last_in - first_in + 1));
    if (i == n - 1) break;
    // Slide to i + 1: x[i - half] leaves (if it was in the signal), x[i + 1 + half] enters.
    const bool leaves = i - half >= 0;
    const bool enters = half < n - 1 - i;  // i + 1 + half <= n - 1, written without overflow
    if (leaves && enters) {
      window.replace(x[i - half], x[i + 1 + half]);
    } else if (leaves) {
      window.erase(x[i - half]);
    } else if (enters) {
      window.insert(x[i + 1 + half]);
    }
    if (enters) ++last_in;
  }
  return y;
}

namespace detail {

inline Eigen::Index odd_window_samples(double window_s, double fs_hz, const char* what) {
  ecgad::detail::require_positive(window_s, what);
  ecgad::detail::require_positive(fs_hz, "fs_hz");
  const double samples = window_s * fs_hz;
  constexpr double kMaxSamples = 1e15;  // far beyond any signal; keeps the cast exact
  if (!(samples <= kMaxSamples)) {
    throw InvalidArgument(std::string(what) + " * fs_hz must be at most " +
                          ecgad::detail::format_number(kMaxSamples) + " samples, got " +
                          ecgad::detail::format_number(samples));
  }
  // 2 floor(s / 2) + 1 is the odd number nearest to s (ties at even s go up). The relative
  // slack keeps products that should be even but round just below it on the intended side,
  // e.g. 0.7 s * 360 Hz = 251.99999999999997 -> 253, like 0.6 s * 360 Hz = 216 -> 217.
  const double half = 0.5 * samples;
  return 2 * static_cast<Eigen::Index>(std::floor(half + 1e-12 * std::max(1.0, half))) + 1;
}

}  // namespace detail

/// Nearest odd number of samples to window_s * fs_hz (so at least 1); an even product rounds
/// up: 0.2 s at 360 Hz -> 73 samples, 0.6 s at 360 Hz -> 217. window_s in s, fs_hz in Hz, > 0.
inline Eigen::Index odd_window_samples(double window_s, double fs_hz) {
  return detail::odd_window_samples(window_s, fs_hz, "window_s");
}

/// Baseline-wander estimate by two moving medians (de Chazal et al. 2004): medfilt with
/// first_window_s (default 200 ms, removes QRS and P), then medfilt of that with
/// second_window_s (default 600 ms, removes T). Windows are converted to samples with
/// odd_window_samples(window_s, fs_hz). Edges as medfilt: zeros beyond the ends, so the first
/// and last (first_window_s + second_window_s) / 2 are biased towards zero. Units of x (e.g.
/// mV) are kept; fs_hz in Hz, windows in seconds, all > 0.
inline Eigen::VectorXd median_baseline(const Eigen::Ref<const Eigen::VectorXd>& x, double fs_hz,
                                       double first_window_s = 0.2, double second_window_s = 0.6) {
  ecgad::detail::require_positive(fs_hz, "fs_hz");
  ecgad::detail::require_positive(first_window_s, "first_window_s");
  ecgad::detail::require_positive(second_window_s, "second_window_s");
  if (x.size() == 0) throw InvalidArgument("x is empty; it must hold at least one sample");
  ecgad::detail::require_finite(x, "x");
  const Eigen::Index first_samples =
      detail::odd_window_samples(first_window_s, fs_hz, "first_window_s");
  const Eigen::Index second_samples =
      detail::odd_window_samples(second_window_s, fs_hz, "second_window_s");
  return medfilt(medfilt(x, first_samples), second_samples);
}

/// x minus median_baseline(x, fs_hz, first_window_s, second_window_s): the signal with its
/// baseline wander removed, in the units of x. Same parameters, errors and edge behaviour.
inline Eigen::VectorXd remove_median_baseline(const Eigen::Ref<const Eigen::VectorXd>& x,
                                              double fs_hz, double first_window_s = 0.2,
                                              double second_window_s = 0.6) {
  return x - median_baseline(x, fs_hz, first_window_s, second_window_s);
}

}  // namespace ecgad::signal
