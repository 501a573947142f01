#pragma once
// Beat-by-beat scoring of a QRS detector against reference annotations, as ANSI/AAMI EC57
// specifies it and as WFDB's bxb (G. Moody, physionet.org/physiotools/wag/bxb-1.htm)
// implements it: one-to-one matching within a 150 ms window, the first 5 minutes left out as
// the detector's learning period, ventricular flutter/fibrillation episodes left out, and the
// gross statistics computed from the summed counts (not averaged per record).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::metrics {

/// Closed intervals of sample indices [first, last], e.g. the VF episodes io::vf_episodes()
/// returns.
using SampleIntervals = std::vector<std::pair<std::int64_t, std::int64_t>>;

/// Scoring parameters. Defaults: EC57 / bxb's standard comparison.
struct Ec57Options {
  double match_window_s = 0.15;  ///< a detection matches a beat within ± this, s (bxb -w)
  double start_s = 300.0;        ///< scoring starts here (the learning period ends), s (bxb -f)
};

/// Detection counts and the statistics EC57 derives from them.
struct Ec57Counts {
  Eigen::Index tp = 0;  ///< reference beats matched by a detection
  Eigen::Index fn = 0;  ///< reference beats without a detection
  Eigen::Index fp = 0;  ///< detections without a reference beat (outside VF episodes)

  /// Se = TP / (TP + FN); NaN when there is no reference beat (bxb prints "-").
  double sensitivity() const noexcept { return ratio(tp, tp + fn); }
  /// +P = TP / (TP + FP); NaN when there is no detection (bxb prints "-").
  double positive_predictivity() const noexcept { return ratio(tp, tp + fp); }

  Ec57Counts& operator+=(const Ec57Counts& other) noexcept {
    tp += other.tp;
    fn += other.fn;
    fp += other.fp;
    return *this;
  }

 private:
  static double ratio(Eigen::Index num, Eigen::Index den) noexcept {
    return den > 0 ? static_cast<double>(num) / static_cast<double>(den)
                   : std::numeric_limits<double>::quiet_NaN();
  }
};

/// The counts of one record plus where the errors are (sample indices), for inspection.
struct Ec57Record : Ec57Counts {
  std::vector<Eigen::Index> false_negatives;  ///< reference beats that were missed
  std::vector<Eigen::Index> false_positives;  ///< detections that matched no beat
};

namespace detail {

inline void require_sorted_samples(const std::vector<Eigen::Index>& samples, const char* what) {
  for (std::size_t k = 0; k < samples.size(); ++k) {
    if (samples[k] < 0) {
      throw InvalidArgument(std::string(what) + "[" + std::to_string(k) +
                            "] is a negative sample index (" + std::to_string(samples[k]) + ")");
    }
    if (k > 0 && samples[k] < samples[k - 1]) {
      throw InvalidArgument(std::string(what) + " must be sorted in increasing order, but " +
                            what + "[" + std::to_string(k) + "] = " + std::to_string(samples[k]) +
                            " < " + what + "[" + std::to_string(k - 1) +
                            "] = " + std::to_string(samples[k - 1]));
    }
  }
}

inline bool in_any(const SampleIntervals& intervals, Eigen::Index s) {
  for (const auto& [first, last] : intervals) {
    if (s >= first && s <= last) return true;
  }
  return false;
}

}  // namespace detail

/// Scores `detections` against the reference beats of one record (ANSI/AAMI EC57:2012, WFDB
/// bxb). Both are sample indices in increasing order at `fs_hz`; `reference_beats` holds beat
/// annotations only (EC57 classes N, S, V, F, Q; see signal::is_beat_symbol).
///
/// Rules (bxb's):
///  - reference beats before `start_s` (5 min) or inside a VF episode are not scored;
///  - a detection matches at most one beat and a beat at most one detection, when
///    |detection - beat| <= round(match_window_s * fs_hz) samples; in time order, a candidate
///    pair is taken unless the next event of the other list is a strictly better partner (bxb's
///    comparison loop with its 2002 tie rule for windows that overlap at > 200 bpm);
///  - an unmatched detection is a false positive unless it lies before `start_s` or inside a
///    VF episode (`vf_episodes`: closed intervals from '[' to ']', see io::vf_episodes).
/// Throws InvalidArgument for unsorted or negative indices, fs_hz <= 0, a negative window or
/// start, or an interval whose end precedes its start.
inline Ec57Record score_detections(const std::vector<Eigen::Index>& reference_beats,
                                   const std::vector<Eigen::Index>& detections, double fs_hz,
                                   const SampleIntervals& vf_episodes = {},
                                   const Ec57Options& options = {}) {
  ecgad::detail::require_positive(fs_hz, "fs_hz");
  if (!(options.match_window_s >= 0.0) || !std::isfinite(options.match_window_s)) {
    throw InvalidArgument("match_window_s must be a finite number >= 0 s, got " +
                          ecgad::detail::format_number(options.match_window_s));
  }
  if (!(options.start_s >= 0.0) || !std::isfinite(options.start_s)) {
    throw InvalidArgument("start_s must be a finite number >= 0 s, got " +
                          ecgad::detail::format_number(options.start_s));
  }
  detail::require_sorted_samples(reference_beats, "reference_beats");
  detail::require_sorted_samples(detections, "detections");
  for (std::size_t k = 0; k < vf_episodes.size(); ++k) {
    if (vf_episodes[k].second < vf_episodes[k].first) {
      throw InvalidArgument("vf_episodes[" + std::to_string(k) + "] ends (sample " +
                            std::to_string(vf_episodes[k].second) + ") before it starts (" +
                            std::to_string(vf_episodes[k].first) + ")");
    }
  }
  // bxb converts times with strtim(), which rounds to the nearest sample.
  const auto tol = static_cast<Eigen::Index>(std::llround(options.match_window_s * fs_hz));
  const auto start = static_cast<Eigen::Index>(std::llround(options.start_s * fs_hz));

  std::vector<Eigen::Index> ref;
  ref.reserve(reference_beats.size());
  for (Eigen::Index r : reference_beats) {
    if (r >= start && !detail::in_any(vf_episodes, r)) ref.push_back(r);
  }
  const std::vector<Eigen::Index>& det = detections;

  // A time beyond every event; differences with it never fall inside the window.
  constexpr Eigen::Index kHuge = std::numeric_limits<Eigen::Index>::max() / 4;
  auto at = [&](const std::vector<Eigen::Index>& v, std::size_t k) {
    return k < v.size() ? v[k] : kHuge;
  };
  auto dist = [](Eigen::Index a, Eigen::Index b) { return a > b ? a - b : b - a; };

  Ec57Record out;
  std::size_t i = 0;  // next reference beat
  std::size_t j = 0;  // next detection
  while (i < ref.size() || j < det.size()) {
    const Eigen::Index T = at(ref, i), T_next = at(ref, i + 1);
    const Eigen::Index t = at(det, j), t_next = at(det, j + 1);
    if (t < T) {
      // The detection comes first: pair it unless the next detection fits T better (and the
      // next beat does not claim that next detection more closely).
      if (T - t <= tol && (T - t < dist(T, t_next) || dist(T_next, t_next) < dist(T, t_next))) {
        ++out.tp;
        ++i;
        ++j;
      } else {
        if (t >= start && !detail::in_any(vf_episodes, t)) {
          ++out.fp;
          out.false_positives.push_back(t);
        }
        ++j;
      }
    } else {
      if (t - T <= tol && (t - T < dist(t, T_next) || dist(t_next, T_next) < dist(t, T_next))) {
        ++out.tp;
        ++i;
        ++j;
      } else {
        ++out.fn;
        out.false_negatives.push_back(T);
        ++i;
      }
    }
  }
  return out;
}

/// Gross statistics over records: counts summed, then Se and +P of the sums (EC57's "gross").
template <typename Range>
Ec57Counts gross(const Range& records) {
  Ec57Counts total;
  for (const auto& r : records) total += r;
  return total;
}

}  // namespace ecgad::metrics
