#pragma once
// The drift monitor (issue 5 §4): one object that watches a scored beat stream the way the
// production system will, and turns the streaming detectors of this folder into typed alerts
// (alert.hpp): what drifted, since when, how strongly, gradual or sudden, sensor fault or
// physiology, and what to do. Rates in clinical units (alerts and anomalies per hour).
//
// Per beat the host calls update(BeatObservation); reviewer labels arrive later through
// update_label(). Every channel is compared with a MonitorReference fitted on training,
// calibration or the stream's own baseline (the model bundle's drift_reference), in units of
// a tolerance: the smallest change worth an alert. Real ECG wanders by many reference standard
// deviations within half an hour (respiration, posture, rhythm, arrhythmia burden; see
// benchmarks/eval_drift.py), so statistical significance alone would alarm every few minutes.
//
//   channel      value (per beat), in tolerances               detector
//   score        (u - 1/2) / score_tolerance, u = reference     CUSUM on the running median
//                CDF of the score (1 - p-value when given)      (score_smoothing_beats), rises
//   heart_rate   (hr - mean) / heart_rate_tolerance_bpm         CUSUM on the running median
//   amplitude    log(|R| / mean |R|) / log(1 + tolerance)       CUSUM on the running median
//   polarity     sign of the beat's template correlation (or    k of the last n beats flipped
//                of the R amplitude) vs the reference's
//   morphology   (|template correlation| - reference mean)      CUSUM on the running median,
//                / morphology_tolerance (needs beats)           falls
//   quality      (quality - mean) / quality_tolerance           CUSUM on the running median,
//                                                               falls while quality is not ok
//   latent       RMS z of the code vs the reference code,       ADWIN
//                standardised by its reference mean/std
//   error_rate   reviewer label != prediction (late labels)     DDM and HDDM_A
//
// The CUSUMs (k = 1; h = 10 for the sensor-side channels amplitude, quality and morphology,
// h = 100 for the physiological heart rate and score) see the running median (smoothing_beats)
// minus the channel's baseline: the reference at first, the level at the channel's last alarm
// after that, so a change is reported once and the next alert needs another tolerance of
// change; a move back towards the reference is a silent recovery.
//
// Rules (docs/drift.md "## Monitor" explains the why):
// - shape and since_s: over the beats since the previous alert of the same channel (at least
//   recent_beats, at most history_beats) three least-squares fits, each with its best
//   breakpoint k: a pure step (two constants), a broken stick (constant, then a line
//   continuous at k: a trend) and a free "constant, then a line". The change is `sudden` when
//   the step explains at least as much as the broken stick, the free fit's jump at its k is
//   significant (>= sudden_min_z standard errors; the pure step's jump when <= 4 beats follow
//   k, too few for a line) and either carries >= sudden_fraction of the change up to the last
//   beat or the line after it has no significant slope (|t| <
//   trend_min_z); otherwise `gradual`, and so is a re-alert in the same direction within
//   2 · cooldown_s of a gradual alert of the channel (a trend that keeps going). since_s is the
//   free fit's breakpoint for a sudden change, the broken stick's hinge for a gradual one.
// - confirmation: when fewer than recent_beats beats follow the breakpoint at the alarm, the
//   alert waits for them (the channel's cooldown starts at the alarm) and is raised then,
//   fitted on them — a few beats after a step look like the start of a trend.
// - strength: mean of the channel values after the breakpoint (the last recent_beats of
//   them; the reference is 0), so the signed change in tolerances. Score: of its z-values
//   (reference std), while its shape is fitted on the bounded CDF values.
// - A quality fault alerts once and stays active (status sensor_fault) until the quality of
//   the last recent_beats is ok again; DDM alarms count only after ddm_min_labels labels since
//   its restart (DDM alarms on the first error after an error-free start).
// - cause and action: polarity flip, quality fall -> sensor_fault, check_sensor. With the
//   quality of the last recent_beats not ok (more than quality_unusable_fraction unusable
//   grades, or mean quality (tolerances) below -quality_bad_z), or with the quality falling by
//   more than quality_fall_z tolerances across the alert's since_s (the recent_beats before vs
//   the beats since: noise arriving with the change), every other alert is sensor_fault,
//   check_sensor. With good quality: a sudden amplitude change with heart rate unchanged across
//   since_s (|Δ mean hr| in tolerances < heart_rate_unchanged_z) is a gain jump -> sensor_fault,
//   check_sensor; a gradual amplitude change or a heart-rate change is physiological, none_yet
//   (the model may cope; the score channel says when it does not); a score shift is
//   physiological, recalibrate_threshold, or retrain when |strength| >= retrain_strength or
//   the latent channel alerted within cooldown_s; a latent drift is physiological, retrain; an
//   error-rate rise is unknown, retrain.
// - One alert per channel per cooldown_s: a detector that fires again within it (a trend keeps
//   firing its CUSUM) is counted in n_suppressed, not emitted.
//
// Deterministic: the output is a function of the observations and labels only. save()/restore()
// carry the whole state (detectors, histories, alerts, counters) as JSON; the callback is not
// state and is kept by restore() and reset().

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "ecgad/drift/adwin.hpp"
#include "ecgad/drift/alert.hpp"
#include "ecgad/drift/cusum.hpp"
#include "ecgad/drift/ddm.hpp"
#include "ecgad/drift/detector.hpp"
#include "ecgad/drift/hddm_a.hpp"
#include "ecgad/signal/quality.hpp"

namespace ecgad::drift {

/// Latent codes, one row per beat (row-major float, as the model's encoder writes them).
using LatentMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace detail {

inline const char* kMonitor = "monitor";

inline void monitor_same_length(Eigen::Index n, Eigen::Index m, const char* what) {
  if (n != m) {
    throw InvalidArgument(std::string("MonitorReference.fit: ") + what + " has " +
                          std::to_string(m) + " values, expected " + std::to_string(n) +
                          " (one per beat, as scores)");
  }
}

inline void monitor_all_finite(const Eigen::Ref<const Eigen::VectorXd>& x, const char* what) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw InvalidArgument(std::string("MonitorReference.fit: ") + what + "[" +
                            std::to_string(i) + "] must be finite, got " + format_number(x[i]));
    }
  }
}

// Sample mean and standard deviation (ddof = 1), the std floored so that a constant reference
// (a clean synthetic training set) does not make every later deviation infinite.
inline std::pair<double, double> monitor_mean_std(const Eigen::Ref<const Eigen::VectorXd>& x) {
  const double n = static_cast<double>(x.size());
  const double mean = x.mean();
  const double ss = (x.array() - mean).square().sum();
  const double sd = std::sqrt(ss / (n - 1.0));
  return {mean, std::max(sd, 1e-6 * std::max(1.0, std::fabs(mean)))};
}

inline std::vector<double> monitor_get_doubles(const json& j, const char* key, const char* who) {
  const json& v = field(j, key, who);
  if (!v.is_array()) {
    throw InvalidArgument(std::string(who) + ": '" + key + "' must be an array, got " + v.dump());
  }
  std::vector<double> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const json wrap = {{"x", v[i]}};
    out.push_back(get_double(wrap, "x", who));
  }
  return out;
}

inline json monitor_encode_doubles(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(encode_double(x));
  return a;
}

}  // namespace detail

/// Reference statistics of the training/calibration stream: what "no drift" looks like.
struct MonitorReference {
  static constexpr int kQuantileCount = 101;  ///< score quantiles at levels 0, 0.01, ..., 1
  static constexpr Eigen::Index kMinBeats = 30;

  std::vector<double> score_quantiles;  ///< numpy.quantile(scores, linspace(0, 1, 101))
  double score_mean = 0.0, score_std = 1.0;
  double heart_rate_mean_bpm = 60.0, heart_rate_std_bpm = 1.0;
  double amplitude_mean_mv = 1.0, amplitude_std_mv = 0.1;  ///< of |R amplitude|
  int polarity = 1;  ///< sign of the mean signed R amplitude: +1 upright, -1 inverted lead
  double quality_mean = 1.0, quality_std = 0.0;  ///< quality score in [0, 1]
  std::vector<double> latent_mean, latent_std;   ///< per latent dimension; empty = no latent
  /// Mean and std of the RMS z-distance of the reference codes to latent_mean.
  double latent_distance_mean = 0.0, latent_distance_std = 1.0;
  /// Mean reference beat (the beats given to fit(), e.g. band-passed, not normalised); empty =
  /// none. With it, polarity is read from each beat's correlation with this template rather
  /// than from the sign of its R peak, which flips with the R/S balance of a biphasic QRS.
  std::vector<double> template_beat;
  /// Mean |correlation| of the reference beats with template_beat (the morphology channel's
  /// reference level); 1 when there is no template.
  double template_correlation_mean = 1.0;
  std::int64_t n_beats = 0;

  bool has_latent() const noexcept { return !latent_mean.empty(); }
  bool has_template() const noexcept { return !template_beat.empty(); }

  /// Pearson correlation of a beat with template_beat (0 when either is constant).
  double template_correlation(const float* beat) const noexcept {
    const std::size_t n = template_beat.size();
    double mb = 0.0, mt = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      mb += static_cast<double>(beat[i]);
      mt += template_beat[i];
    }
    mb /= static_cast<double>(n);
    mt /= static_cast<double>(n);
    double sbt = 0.0, sbb = 0.0, stt = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double b = static_cast<double>(beat[i]) - mb, t = template_beat[i] - mt;
      sbt += b * t;
      sbb += b * b;
      stt += t * t;
    }
    return sbb > 0.0 && stt > 0.0 ? sbt / std::sqrt(sbb * stt) : 0.0;
  }

  /// Fits the reference on n >= 30 beats. heart_rate_bpm > 0, quality_score in [0, 1]; latent
  /// is n × D or has no rows (no latent watcher). Quantiles: numpy's default (linear) method.
  static MonitorReference fit(const Eigen::Ref<const Eigen::VectorXd>& scores,
                              const Eigen::Ref<const Eigen::VectorXd>& heart_rate_bpm,
                              const Eigen::Ref<const Eigen::VectorXd>& r_amplitude_mv,
                              const Eigen::Ref<const Eigen::VectorXd>& quality_score,
                              const Eigen::Ref<const LatentMatrix>& latent = LatentMatrix(),
                              const Eigen::Ref<const LatentMatrix>& beats = LatentMatrix()) {
    const Eigen::Index n = scores.size();
    if (n < kMinBeats) {
      throw InvalidArgument("MonitorReference.fit: needs at least " + std::to_string(kMinBeats) +
                            " reference beats, got " + std::to_string(n));
    }
    detail::monitor_same_length(n, heart_rate_bpm.size(), "heart_rate_bpm");
    detail::monitor_same_length(n, r_amplitude_mv.size(), "r_amplitude_mv");
    detail::monitor_same_length(n, quality_score.size(), "quality_score");
    if (latent.rows() != 0) detail::monitor_same_length(n, latent.rows(), "latent (rows)");
    if (beats.rows() != 0) {
      detail::monitor_same_length(n, beats.rows(), "beats (rows)");
      if (beats.cols() < 8) {
        throw InvalidArgument("MonitorReference.fit: beats must have >= 8 samples each, got " +
                              std::to_string(beats.cols()));
      }
      if (!beats.allFinite()) {
        throw InvalidArgument("MonitorReference.fit: beats must be finite (found NaN/Inf)");
      }
    }
    detail::monitor_all_finite(scores, "scores");
    detail::monitor_all_finite(heart_rate_bpm, "heart_rate_bpm");
    detail::monitor_all_finite(r_amplitude_mv, "r_amplitude_mv");
    detail::monitor_all_finite(quality_score, "quality_score");
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!(heart_rate_bpm[i] > 0.0)) {
        throw InvalidArgument("MonitorReference.fit: heart_rate_bpm[" + std::to_string(i) +
                              "] must be > 0 bpm, got " + detail::format_number(heart_rate_bpm[i]));
      }
      if (!(quality_score[i] >= 0.0 && quality_score[i] <= 1.0)) {
        throw InvalidArgument("MonitorReference.fit: quality_score[" + std::to_string(i) +
                              "] must be in [0, 1], got " + detail::format_number(quality_score[i]));
      }
    }
    if (!latent.allFinite()) {
      throw InvalidArgument("MonitorReference.fit: latent codes must be finite (found NaN/Inf)");
    }
    MonitorReference r;
    r.n_beats = n;
    std::vector<double> sorted(scores.data(), scores.data() + n);
    std::sort(sorted.begin(), sorted.end());
    r.score_quantiles.resize(kQuantileCount);
    for (int q = 0; q < kQuantileCount; ++q) {
      // numpy 'linear': h = (n - 1) q, x[floor h] + frac(h) (x[floor h + 1] - x[floor h])
      const double h = static_cast<double>(n - 1) * (static_cast<double>(q) / 100.0);
      const auto lo = static_cast<std::size_t>(std::floor(h));
      const std::size_t hi = std::min(lo + 1, static_cast<std::size_t>(n - 1));
      r.score_quantiles[static_cast<std::size_t>(q)] =
          sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
    }
    std::tie(r.score_mean, r.score_std) = detail::monitor_mean_std(scores);
    std::tie(r.heart_rate_mean_bpm, r.heart_rate_std_bpm) = detail::monitor_mean_std(heart_rate_bpm);
    const Eigen::VectorXd abs_amp = r_amplitude_mv.cwiseAbs();
    std::tie(r.amplitude_mean_mv, r.amplitude_std_mv) = detail::monitor_mean_std(abs_amp);
    r.polarity = r_amplitude_mv.sum() >= 0.0 ? 1 : -1;
    std::tie(r.quality_mean, r.quality_std) = detail::monitor_mean_std(quality_score);
    if (latent.rows() != 0 && latent.cols() > 0) {
      const Eigen::Index d = latent.cols();
      r.latent_mean.resize(static_cast<std::size_t>(d));
      r.latent_std.resize(static_cast<std::size_t>(d));
      for (Eigen::Index c = 0; c < d; ++c) {
        const Eigen::VectorXd col = latent.col(c).cast<double>();
        std::tie(r.latent_mean[static_cast<std::size_t>(c)],
                 r.latent_std[static_cast<std::size_t>(c)]) = detail::monitor_mean_std(col);
      }
      Eigen::VectorXd dist(n);
      for (Eigen::Index i = 0; i < n; ++i) dist[i] = r.latent_distance(latent.row(i).data(), d);
      std::tie(r.latent_distance_mean, r.latent_distance_std) = detail::monitor_mean_std(dist);
    }
    if (beats.rows() != 0) {
      const Eigen::RowVectorXd mean = beats.cast<double>().colwise().mean();
      r.template_beat.assign(mean.data(), mean.data() + mean.size());
      double sum = 0.0;
      for (Eigen::Index i = 0; i < n; ++i) {
        sum += std::fabs(r.template_correlation(beats.row(i).data()));
      }
      r.template_correlation_mean = sum / static_cast<double>(n);
    }
    return r;
  }

  /// Reference CDF of a score, in [0, 1], interpolated linearly between the quantiles.
  double score_cdf(double score) const noexcept {
    const auto& q = score_quantiles;
    if (score < q.front()) return 0.0;
    if (score >= q.back()) return 1.0;
    const auto it = std::upper_bound(q.begin(), q.end(), score);  // q[i] <= score < q[i+1]
    const auto i = static_cast<std::size_t>(it - q.begin()) - 1;
    const double frac = (score - q[i]) / (q[i + 1] - q[i]);
    return (static_cast<double>(i) + frac) / static_cast<double>(kQuantileCount - 1);
  }

  /// RMS over dimensions of the code's z-scores against the reference code distribution.
  double latent_distance(const float* code, Eigen::Index dim) const noexcept {
    double ss = 0.0;
    for (Eigen::Index c = 0; c < dim; ++c) {
      const auto k = static_cast<std::size_t>(c);
      const double z = (static_cast<double>(code[c]) - latent_mean[k]) / latent_std[k];
      ss += z * z;
    }
    return std::sqrt(ss / static_cast<double>(dim));
  }

  void validate() const {
    const char* who = "MonitorReference";
    if (score_quantiles.size() != static_cast<std::size_t>(kQuantileCount)) {
      throw InvalidArgument(std::string(who) + ": score_quantiles must hold 101 values, got " +
                            std::to_string(score_quantiles.size()));
    }
    for (std::size_t i = 0; i < score_quantiles.size(); ++i) {
      if (!std::isfinite(score_quantiles[i]) || (i > 0 && score_quantiles[i] < score_quantiles[i - 1])) {
        throw InvalidArgument(std::string(who) +
                              ": score_quantiles must be finite and non-decreasing, bad at " +
                              std::to_string(i));
      }
    }
    auto finite = [&](double v, const char* what) {
      if (!std::isfinite(v)) {
        throw InvalidArgument(std::string(who) + ": " + what + " must be finite, got " +
                              detail::format_number(v));
      }
    };
    finite(score_mean, "score_mean");
    finite(heart_rate_mean_bpm, "heart_rate_mean_bpm");
    finite(amplitude_mean_mv, "amplitude_mean_mv");
    finite(quality_mean, "quality_mean");
    finite(latent_distance_mean, "latent_distance_mean");
    detail::require_positive(score_std, who, "score_std");
    detail::require_positive(heart_rate_std_bpm, who, "heart_rate_std_bpm");
    detail::require_positive(amplitude_std_mv, who, "amplitude_std_mv");
    detail::require_positive(quality_std, who, "quality_std");
    detail::require_positive(latent_distance_std, who, "latent_distance_std");
    if (polarity != 1 && polarity != -1) {
      throw InvalidArgument(std::string(who) + ": polarity must be +1 or -1, got " +
                            std::to_string(polarity));
    }
    if (latent_mean.size() != latent_std.size()) {
      throw InvalidArgument(std::string(who) + ": latent_mean has " +
                            std::to_string(latent_mean.size()) + " values but latent_std has " +
                            std::to_string(latent_std.size()));
    }
    for (std::size_t i = 0; i < latent_mean.size(); ++i) {
      finite(latent_mean[i], "latent_mean");
      detail::require_positive(latent_std[i], who, "latent_std");
    }
    detail::require_min_int(n_beats, 0, who, "n_beats");
    if (!template_beat.empty() && template_beat.size() < 8) {
      throw InvalidArgument(std::string(who) + ": template_beat must hold >= 8 samples, got " +
                            std::to_string(template_beat.size()));
    }
    for (double v : template_beat) finite(v, "template_beat");
    if (!(template_correlation_mean >= 0.0 && template_correlation_mean <= 1.0)) {
      throw InvalidArgument(std::string(who) + ": template_correlation_mean must be in [0, 1], "
                            "got " + detail::format_number(template_correlation_mean));
    }
  }

  nlohmann::json to_json() const {
    return {{"score_quantiles", detail::monitor_encode_doubles(score_quantiles)},
            {"score_mean", score_mean},
            {"score_std", score_std},
            {"heart_rate_mean_bpm", heart_rate_mean_bpm},
            {"heart_rate_std_bpm", heart_rate_std_bpm},
            {"amplitude_mean_mv", amplitude_mean_mv},
            {"amplitude_std_mv", amplitude_std_mv},
            {"polarity", polarity},
            {"quality_mean", quality_mean},
            {"quality_std", quality_std},
            {"latent_mean", detail::monitor_encode_doubles(latent_mean)},
            {"latent_std", detail::monitor_encode_doubles(latent_std)},
            {"latent_distance_mean", latent_distance_mean},
            {"latent_distance_std", latent_distance_std},
            {"template_beat", detail::monitor_encode_doubles(template_beat)},
            {"template_correlation_mean", template_correlation_mean},
            {"n_beats", n_beats}};
  }

  static MonitorReference from_json(const nlohmann::json& j) {
    const char* who = "MonitorReference";
    if (!j.is_object()) {
      throw InvalidArgument("MonitorReference must be a JSON object, got " + j.dump());
    }
    MonitorReference r;
    r.score_quantiles = detail::monitor_get_doubles(j, "score_quantiles", who);
    r.score_mean = detail::get_double(j, "score_mean", who);
    r.score_std = detail::get_double(j, "score_std", who);
    r.heart_rate_mean_bpm = detail::get_double(j, "heart_rate_mean_bpm", who);
    r.heart_rate_std_bpm = detail::get_double(j, "heart_rate_std_bpm", who);
    r.amplitude_mean_mv = detail::get_double(j, "amplitude_mean_mv", who);
    r.amplitude_std_mv = detail::get_double(j, "amplitude_std_mv", who);
    r.polarity = static_cast<int>(detail::get_int(j, "polarity", who));
    r.quality_mean = detail::get_double(j, "quality_mean", who);
    r.quality_std = detail::get_double(j, "quality_std", who);
    r.latent_mean = detail::monitor_get_doubles(j, "latent_mean", who);
    r.latent_std = detail::monitor_get_doubles(j, "latent_std", who);
    r.latent_distance_mean = detail::get_double(j, "latent_distance_mean", who);
    r.latent_distance_std = detail::get_double(j, "latent_distance_std", who);
    // Optional (absent in references written before it existed).
    if (j.contains("template_beat")) {
      r.template_beat = detail::monitor_get_doubles(j, "template_beat", who);
    }
    if (j.contains("template_correlation_mean")) {
      r.template_correlation_mean = detail::get_double(j, "template_correlation_mean", who);
    }
    r.n_beats = detail::get_int(j, "n_beats", who);
    r.validate();
    return r;
  }

  bool operator==(const MonitorReference& o) const {
    return score_quantiles == o.score_quantiles && score_mean == o.score_mean &&
           score_std == o.score_std && heart_rate_mean_bpm == o.heart_rate_mean_bpm &&
           heart_rate_std_bpm == o.heart_rate_std_bpm && amplitude_mean_mv == o.amplitude_mean_mv &&
           amplitude_std_mv == o.amplitude_std_mv && polarity == o.polarity &&
           quality_mean == o.quality_mean && quality_std == o.quality_std &&
           latent_mean == o.latent_mean && latent_std == o.latent_std &&
           latent_distance_mean == o.latent_distance_mean &&
           latent_distance_std == o.latent_distance_std && template_beat == o.template_beat &&
           template_correlation_mean == o.template_correlation_mean &&
           n_beats == o.n_beats;
  }
};

/// Parameters of the monitor. Channel values are in tolerances (see the header comment).
struct MonitorConfig {
  std::int64_t history_beats = 1024;  ///< beats kept per channel for since_s/shape, >= 16
  std::int64_t recent_beats = 16;    ///< beats averaged for strength and "quality now", >= 4
  double cooldown_s = 60.0;          ///< one alert per channel per this many seconds, >= 0
  double sudden_fraction = 0.5;      ///< sudden when the jump is >= this share of the change
  double sudden_min_z = 3.0;         ///< ... and >= this many standard errors (not noise)
  double trend_min_z = 2.0;          ///< a slope after the jump is a trend from this t value
  std::int64_t ddm_min_labels = 200;  ///< DDM alarms count after this many labels, >= 0
  std::int64_t polarity_beats = 24;  ///< polarity window, >= 1
  std::int64_t polarity_min_flipped = 22;  ///< flipped beats in the window for an alert
  // (and their median |R| within the amplitude tolerance of the reference: an inverted lead
  // keeps |R|; a detector switching to a different lobe of a biphasic QRS does not)
  /// With a template beat: |correlation| from which a beat counts as upright or inverted
  double polarity_min_correlation = 0.5;
  double quality_unusable_fraction = 0.5;  ///< quality not ok above this share of unusable
  double quality_bad_z = 1.0;        ///< quality not ok below -this mean (in tolerances)
  /// A change that coincides with a quality fall of more than this (tolerances: the
  /// recent_beats before since_s vs the beats since) is blamed on the sensor.
  double quality_fall_z = 0.25;
  /// |Δ hr| below this (in heart-rate tolerances) across since_s = heart rate unchanged
  double heart_rate_unchanged_z = 0.5;
  double retrain_strength = 3.0;     ///< score shift (z) from which retrain, not recalibrate
  /// The smallest change each channel reports (docs/drift.md, "Monitor"): real records wander
  /// (respiration, posture, rhythm) by many reference std, so significance alone alarms hourly.
  double amplitude_tolerance = 0.5;         ///< relative gain change of |R|, > 0
  double heart_rate_tolerance_bpm = 20.0;   ///< heart-rate change, bpm, > 0
  double quality_tolerance = 0.4;           ///< quality-score fall, score units, > 0
  double score_tolerance = 0.45;  ///< shift of the running score quantile's reference CDF, > 0
  /// Fall of the running median |correlation| of beats with the template beat, > 0: a 500 Hz
  /// signal labelled 360 Hz (time-scaled beats) falls by ~0.4, noise by more, a gain by none.
  double morphology_tolerance = 0.2;
  /// Running-median length (beats) before the detectors: ectopic beats and single artefacts
  /// do not move a median; the score is noisier per beat (uniform CDF) and gets a longer one.
  std::int64_t smoothing_beats = 15;
  std::int64_t score_smoothing_beats = 61;
  std::int64_t quality_smoothing_beats = 31;  ///< a fault must outlast a short noise burst
  /// The score channel follows this quantile of the last score_smoothing_beats CDF values
  /// (reference value = the quantile itself): a low quantile tracks the normal beats, so a
  /// run of ectopic beats (up to 1 - quantile of them) does not move it, while a change that
  /// the model copes worse with on every beat does.
  double score_quantile = 0.25;
  AdwinConfig latent_adwin{};
  CusumConfig score_cusum = slow_cusum();
  CusumConfig heart_rate_cusum = slow_cusum();
  CusumConfig amplitude_cusum = default_cusum();
  CusumConfig quality_cusum = default_cusum();
  CusumConfig morphology_cusum = default_cusum();
  DdmConfig ddm{};
  HddmAConfig hddm_a{};

  /// CUSUM on the smoothed deviation in tolerances (mean 0, std 1): only the part beyond one
  /// tolerance accumulates (k = 1), and 10 tolerance·beats of it alarm — a change of twice the
  /// tolerance after ~10 beats, of three times after ~5.
  static CusumConfig default_cusum() {
    CusumConfig c;
    c.mean = 0.0;
    c.std = 1.0;
    c.k = 1.0;
    c.h = 10.0;
    return c;
  }
  /// The physiological channels (heart rate, score) need 100 tolerance·beats: a change of
  /// twice the tolerance after ~100 beats (~1.5 min). Physiology and population drift matter
  /// over minutes; shorter rhythm episodes (AF bursts, VT runs) are the detector's anomalies,
  /// not drift (on MIT-BIH they were 2/3 of these channels' alerts at h = 10).
  static CusumConfig slow_cusum() {
    CusumConfig c = default_cusum();
    c.h = 100.0;
    return c;
  }

  void validate() const {
    const char* who = detail::kMonitor;
    detail::require_min_int(history_beats, 16, who, "history_beats");
    detail::require_min_int(recent_beats, 4, who, "recent_beats");
    if (recent_beats > history_beats) {
      throw InvalidArgument("monitor: recent_beats must be <= history_beats = " +
                            std::to_string(history_beats) + ", got " + std::to_string(recent_beats));
    }
    detail::require_non_negative(cooldown_s, who, "cooldown_s");
    if (!(sudden_fraction > 0.0 && sudden_fraction <= 1.0)) {
      throw InvalidArgument("monitor: sudden_fraction must be in (0, 1], got " +
                            detail::format_number(sudden_fraction));
    }
    detail::require_non_negative(sudden_min_z, who, "sudden_min_z");
    detail::require_non_negative(trend_min_z, who, "trend_min_z");
    detail::require_min_int(ddm_min_labels, 0, who, "ddm_min_labels");
    detail::require_min_int(polarity_beats, 1, who, "polarity_beats");
    detail::require_min_int(polarity_min_flipped, 1, who, "polarity_min_flipped");
    if (polarity_min_flipped > polarity_beats) {
      throw InvalidArgument("monitor: polarity_min_flipped must be <= polarity_beats = " +
                            std::to_string(polarity_beats) + ", got " +
                            std::to_string(polarity_min_flipped));
    }
    detail::require_positive(amplitude_tolerance, who, "amplitude_tolerance");
    detail::require_positive(heart_rate_tolerance_bpm, who, "heart_rate_tolerance_bpm");
    detail::require_positive(quality_tolerance, who, "quality_tolerance");
    detail::require_positive(score_tolerance, who, "score_tolerance");
    detail::require_positive(morphology_tolerance, who, "morphology_tolerance");
    detail::require_min_int(smoothing_beats, 1, who, "smoothing_beats");
    detail::require_min_int(score_smoothing_beats, 1, who, "score_smoothing_beats");
    detail::require_min_int(quality_smoothing_beats, 1, who, "quality_smoothing_beats");
    if (smoothing_beats > history_beats || score_smoothing_beats > history_beats ||
        quality_smoothing_beats > history_beats) {
      throw InvalidArgument("monitor: smoothing_beats, score_smoothing_beats and "
                            "quality_smoothing_beats must be <= history_beats = " +
                            std::to_string(history_beats) + ", got " +
                            std::to_string(smoothing_beats) + ", " +
                            std::to_string(score_smoothing_beats) + " and " +
                            std::to_string(quality_smoothing_beats));
    }
    if (!(score_quantile > 0.0 && score_quantile < 1.0)) {
      throw InvalidArgument("monitor: score_quantile must be in (0, 1), got " +
                            detail::format_number(score_quantile));
    }
    detail::require_open_unit(quality_unusable_fraction, who, "quality_unusable_fraction");
    detail::require_open_unit(polarity_min_correlation, who, "polarity_min_correlation");
    detail::require_positive(quality_bad_z, who, "quality_bad_z");
    detail::require_positive(quality_fall_z, who, "quality_fall_z");
    detail::require_positive(heart_rate_unchanged_z, who, "heart_rate_unchanged_z");
    detail::require_positive(retrain_strength, who, "retrain_strength");
    latent_adwin.validate();
    score_cusum.validate();
    heart_rate_cusum.validate();
    amplitude_cusum.validate();
    quality_cusum.validate();
    morphology_cusum.validate();
    ddm.validate();
    hddm_a.validate();
  }

  nlohmann::json to_json() const {
    return {{"history_beats", history_beats},
            {"recent_beats", recent_beats},
            {"cooldown_s", cooldown_s},
            {"sudden_fraction", sudden_fraction},
            {"sudden_min_z", sudden_min_z},
            {"trend_min_z", trend_min_z},
            {"ddm_min_labels", ddm_min_labels},
            {"polarity_beats", polarity_beats},
            {"polarity_min_flipped", polarity_min_flipped},
            {"quality_unusable_fraction", quality_unusable_fraction},
            {"polarity_min_correlation", polarity_min_correlation},
            {"quality_bad_z", quality_bad_z},
            {"quality_fall_z", quality_fall_z},
            {"heart_rate_unchanged_z", heart_rate_unchanged_z},
            {"retrain_strength", retrain_strength},
            {"amplitude_tolerance", amplitude_tolerance},
            {"heart_rate_tolerance_bpm", heart_rate_tolerance_bpm},
            {"quality_tolerance", quality_tolerance},
            {"score_tolerance", score_tolerance},
            {"morphology_tolerance", morphology_tolerance},
            {"smoothing_beats", smoothing_beats},
            {"score_smoothing_beats", score_smoothing_beats},
            {"quality_smoothing_beats", quality_smoothing_beats},
            {"score_quantile", score_quantile},
            {"latent_adwin", latent_adwin.to_json()},
            {"score_cusum", score_cusum.to_json()},
            {"heart_rate_cusum", heart_rate_cusum.to_json()},
            {"amplitude_cusum", amplitude_cusum.to_json()},
            {"quality_cusum", quality_cusum.to_json()},
            {"morphology_cusum", morphology_cusum.to_json()},
            {"ddm", ddm.to_json()},
            {"hddm_a", hddm_a.to_json()}};
  }

  static MonitorConfig from_json(const nlohmann::json& j) {
    const char* who = detail::kMonitor;
    MonitorConfig c;
    c.history_beats = detail::get_int(j, "history_beats", who);
    c.recent_beats = detail::get_int(j, "recent_beats", who);
    c.cooldown_s = detail::get_double(j, "cooldown_s", who);
    c.sudden_fraction = detail::get_double(j, "sudden_fraction", who);
    c.sudden_min_z = detail::get_double(j, "sudden_min_z", who);
    c.trend_min_z = detail::get_double(j, "trend_min_z", who);
    c.ddm_min_labels = detail::get_int(j, "ddm_min_labels", who);
    c.polarity_beats = detail::get_int(j, "polarity_beats", who);
    c.polarity_min_flipped = detail::get_int(j, "polarity_min_flipped", who);
    c.quality_unusable_fraction = detail::get_double(j, "quality_unusable_fraction", who);
    c.polarity_min_correlation = detail::get_double(j, "polarity_min_correlation", who);
    c.quality_bad_z = detail::get_double(j, "quality_bad_z", who);
    c.quality_fall_z = detail::get_double(j, "quality_fall_z", who);
    c.heart_rate_unchanged_z = detail::get_double(j, "heart_rate_unchanged_z", who);
    c.retrain_strength = detail::get_double(j, "retrain_strength", who);
    c.amplitude_tolerance = detail::get_double(j, "amplitude_tolerance", who);
    c.heart_rate_tolerance_bpm = detail::get_double(j, "heart_rate_tolerance_bpm", who);
    c.quality_tolerance = detail::get_double(j, "quality_tolerance", who);
    c.score_tolerance = detail::get_double(j, "score_tolerance", who);
    c.morphology_tolerance = detail::get_double(j, "morphology_tolerance", who);
    c.smoothing_beats = detail::get_int(j, "smoothing_beats", who);
    c.score_smoothing_beats = detail::get_int(j, "score_smoothing_beats", who);
    c.quality_smoothing_beats = detail::get_int(j, "quality_smoothing_beats", who);
    c.score_quantile = detail::get_double(j, "score_quantile", who);
    c.latent_adwin = AdwinConfig::from_json(detail::field(j, "latent_adwin", who));
    c.score_cusum = CusumConfig::from_json(detail::field(j, "score_cusum", who));
    c.heart_rate_cusum = CusumConfig::from_json(detail::field(j, "heart_rate_cusum", who));
    c.amplitude_cusum = CusumConfig::from_json(detail::field(j, "amplitude_cusum", who));
    c.quality_cusum = CusumConfig::from_json(detail::field(j, "quality_cusum", who));
    c.morphology_cusum = CusumConfig::from_json(detail::field(j, "morphology_cusum", who));
    c.ddm = DdmConfig::from_json(detail::field(j, "ddm", who));
    c.hddm_a = HddmAConfig::from_json(detail::field(j, "hddm_a", who));
    c.validate();
    return c;
  }
};

/// What the host knows about one scored beat.
struct BeatObservation {
  double time_s = 0.0;  ///< beat time (R peak), seconds, strictly increasing along the stream
  double score = 0.0;   ///< anomaly score (reconstruction error), finite
  double p_value = std::numeric_limits<double>::quiet_NaN();  ///< conformal p in [0, 1]; NaN = none
  signal::QualityGrade quality_grade = signal::QualityGrade::good;
  double quality_score = 1.0;  ///< quality score of the beat's window, in [0, 1]
  double heart_rate_bpm = std::numeric_limits<double>::quiet_NaN();  ///< > 0; NaN = use rr_s
  double rr_s = std::numeric_limits<double>::quiet_NaN();  ///< RR interval, s > 0 (if no hr)
  double r_amplitude_mv = 1.0;  ///< signed R amplitude, mV (negative = inverted QRS)
  bool predicted_anomaly = false;  ///< the pipeline's decision for this beat
  /// The host's ectopy flag (e.g. RR < 0.85 x the running median RR): a premature beat's
  /// R amplitude is kept out of the amplitude and polarity channels (PVCs differ in both).
  bool premature = false;
  const float* latent = nullptr;   ///< latent code (latent_dim floats), or nullptr
  std::size_t latent_dim = 0;
  /// The beat (beat_length samples, as the reference's beats), or nullptr; read for polarity
  /// when the reference has a template_beat.
  const float* beat = nullptr;
  std::size_t beat_length = 0;
};

/// Counts, rates in clinical units and the current state of a monitor.
struct MonitorSummary {
  std::int64_t n_beats = 0;
  std::int64_t n_anomalies = 0;   ///< beats with predicted_anomaly
  std::int64_t n_labels = 0;      ///< reviewer labels received
  std::int64_t n_label_errors = 0;  ///< labels that disagreed with the prediction
  std::int64_t n_alerts = 0;
  std::array<std::int64_t, kAlertKindCount> alerts_by_kind{};
  std::int64_t n_suppressed = 0;  ///< detector alarms inside a channel's cooldown
  double duration_s = 0.0;        ///< last beat time - first beat time
  /// Counts divided by duration_s / 3600; NaN until the stream spans a positive time.
  double alerts_per_hour = std::numeric_limits<double>::quiet_NaN();
  double anomalies_per_hour = std::numeric_limits<double>::quiet_NaN();
  /// "ok" (no alert in the last cooldown_s), "sensor_fault" (one of those alerts blames the
  /// sensor) or "drift".
  std::string status = "ok";

  nlohmann::json to_json() const {
    nlohmann::json by_kind = nlohmann::json::object();
    for (int k = 0; k < kAlertKindCount; ++k) {
      by_kind[to_string(static_cast<AlertKind>(k))] = alerts_by_kind[static_cast<std::size_t>(k)];
    }
    return {{"n_beats", n_beats},
            {"n_anomalies", n_anomalies},
            {"n_labels", n_labels},
            {"n_label_errors", n_label_errors},
            {"n_alerts", n_alerts},
            {"alerts_by_kind", by_kind},
            {"n_suppressed", n_suppressed},
            {"duration_s", duration_s},
            {"alerts_per_hour", detail::encode_double(alerts_per_hour)},
            {"anomalies_per_hour", detail::encode_double(anomalies_per_hour)},
            {"status", status}};
  }
};

/// The drift monitor. One thread at a time; nothing allocates per beat except on an alert.
class Monitor {
 public:
  using Config = MonitorConfig;
  using AlertCallback = std::function<void(const Alert&)>;

  explicit Monitor(const MonitorReference& reference, const Config& config = Config{}) {
    reference.validate();
    config.validate();
    reference_ = reference;
    config_ = config;
    const auto h = static_cast<std::size_t>(config_.history_beats);
    for (auto* t : tracks()) t->allocate(h);
    prefix_.assign(6 * (h + 1), 0.0);
    signs_.assign(static_cast<std::size_t>(config_.polarity_beats), 0);
    sign_times_.assign(static_cast<std::size_t>(config_.polarity_beats), 0.0);
    grades_.assign(static_cast<std::size_t>(config_.recent_beats), 0);
    latent_adwin_ = Adwin(config_.latent_adwin);
    score_cusum_ = Cusum(config_.score_cusum);
    hr_cusum_ = Cusum(config_.heart_rate_cusum);
    amp_cusum_ = Cusum(config_.amplitude_cusum);
    scratch_.assign(static_cast<std::size_t>(std::max(
                        {config_.smoothing_beats, config_.score_smoothing_beats,
                         config_.quality_smoothing_beats})), 0.0);
    quality_cusum_ = Cusum(config_.quality_cusum);
    morphology_cusum_ = Cusum(config_.morphology_cusum);
    ddm_ = Ddm(config_.ddm);
    hddm_ = HddmA(config_.hddm_a);
    reset();
  }

  static const char* name() noexcept { return "monitor"; }
  const Config& config() const noexcept { return config_; }
  const MonitorReference& reference() const noexcept { return reference_; }

  /// Called with every emitted alert, synchronously inside update()/update_label().
  void set_alert_callback(AlertCallback callback) { callback_ = std::move(callback); }

  /// Forgets the stream (detectors, histories, alerts, counters); keeps reference, config and
  /// callback.
  void reset() {
    for (auto* t : tracks()) t->clear();
    std::fill(signs_.begin(), signs_.end(), 0);
    std::fill(sign_times_.begin(), sign_times_.end(), 0.0);
    std::fill(grades_.begin(), grades_.end(), 0);
    sign_head_ = sign_count_ = grade_head_ = grade_count_ = 0;
    expected_sign_ = reference_.polarity;
    quality_fault_active_ = false;
    latent_adwin_.reset();
    score_cusum_.reset();
    hr_cusum_.reset();
    amp_cusum_.reset();
    baseline_.fill(0.0);
    quality_cusum_.reset();
    morphology_cusum_.reset();
    ddm_.reset();
    hddm_.reset();
    alerts_.clear();
    pending_.fill(-1);
    pending_detector_.fill(std::string());
    last_alert_s_.fill(-std::numeric_limits<double>::infinity());
    alerts_by_kind_.fill(0);
    n_beats_ = n_anomalies_ = n_labels_ = n_label_errors_ = n_suppressed_ = 0;
    first_time_s_ = last_time_s_ = std::numeric_limits<double>::quiet_NaN();
    last_label_time_s_ = -std::numeric_limits<double>::infinity();
  }

  /// One scored beat. Throws InvalidArgument (and changes nothing) on a bad observation.
  /// Returns the number of alerts this beat emitted.
  int update(const BeatObservation& b) {
    const double hr = validate(b);
    const std::size_t before = alerts_.size();
    const double t = b.time_s;
    if (n_beats_ == 0) first_time_s_ = t;
    last_time_s_ = t;
    const std::int64_t index = n_beats_++;
    if (b.predicted_anomaly) ++n_anomalies_;

    const double z_score = (b.score - reference_.score_mean) / reference_.score_std;
    const double u = std::isnan(b.p_value) ? reference_.score_cdf(b.score) : 1.0 - b.p_value;
    // Deviations from the reference in tolerances (1 = the smallest change worth an alert).
    const double z_hr = (hr - reference_.heart_rate_mean_bpm) / config_.heart_rate_tolerance_bpm;
    // Gain acts multiplicatively: log ratio, so x1.5 and x(1/1.5) are equally far.
    const double abs_amp = std::max(std::fabs(b.r_amplitude_mv), 1e-3 * reference_.amplitude_mean_mv);
    const double z_amp = std::log(abs_amp / reference_.amplitude_mean_mv) /
                         std::log1p(config_.amplitude_tolerance);
    const double z_quality = (b.quality_score - reference_.quality_mean) / config_.quality_tolerance;
    score_.push(t, (u - 0.5) / config_.score_tolerance);
    score_z_.push(t, z_score);
    heart_rate_.push(t, z_hr);
    if (!b.premature) amplitude_.push(t, z_amp);
    quality_.push(t, z_quality);
    grades_[grade_head_] = b.quality_grade == signal::QualityGrade::unusable ? 1 : 0;
    grade_head_ = (grade_head_ + 1) % grades_.size();
    grade_count_ = std::min(grade_count_ + 1, grades_.size());
    const bool with_template = b.beat != nullptr && reference_.has_template();
    double correlation = 0.0;
    if (with_template && !b.premature) {
      correlation = reference_.template_correlation(b.beat);
      // Shape only, whatever the sign (the polarity channel reads the sign).
      morphology_.push(t, (std::fabs(correlation) - reference_.template_correlation_mean) /
                              config_.morphology_tolerance);
    }
    if (!b.premature) {
      int sign = b.r_amplitude_mv > 0.0 ? 1 : b.r_amplitude_mv < 0.0 ? -1 : 0;
      if (with_template) {
        // Inverted lead: correlation ~ -1 with the template; ambiguous shapes count as neither.
        sign = correlation >= config_.polarity_min_correlation    ? reference_.polarity
               : correlation <= -config_.polarity_min_correlation ? -reference_.polarity
                                                                  : 0;
      }
      signs_[sign_head_] = static_cast<std::int8_t>(sign);
      sign_times_[sign_head_] = t;
      sign_head_ = (sign_head_ + 1) % signs_.size();
      sign_count_ = std::min(sign_count_ + 1, signs_.size());
    }

    // Pending alerts that are due with this beat, then the detectors.
    tick(AlertKind::quality, t, index);
    tick(AlertKind::amplitude, t, index);
    tick(AlertKind::heart_rate, t, index);
    tick(AlertKind::score, t, index);
    // Quality first: the other channels' causes read the quality of the same beats.
    if (quality_fault_active_ && quality_ok()) quality_fault_active_ = false;
    const auto smooth = static_cast<std::size_t>(config_.smoothing_beats);
    if (alarmed(kQualityChannel, quality_cusum_,
                running_median(quality_, static_cast<std::size_t>(config_.quality_smoothing_beats)),
                -1)) {
      // A fault alerts while the quality is bad in absolute terms too (quality_ok() false: a
      // clean record's quality wanders within "good"), once per fault: it stays active until
      // the quality is ok again.
      if (recent_mean(quality_) < 0.0 && !quality_ok()) {
        if (quality_fault_active_) {
          ++n_suppressed_;
        } else {
          emit(AlertKind::quality, "cusum", t, index, quality_);
          quality_fault_active_ = true;
        }
      }
    }
    if (!b.premature) {
      check_polarity(t, index);
      if (alarmed(kAmplitudeChannel, amp_cusum_, running_median(amplitude_, smooth), 0)) {
        emit(AlertKind::amplitude, "cusum", t, index, amplitude_);
      }
    }
    if (with_template && !b.premature) {
      tick(AlertKind::morphology, t, index);
      // Only a fall of the correlation (beats less like the reference) is a change.
      if (alarmed(kMorphologyChannel, morphology_cusum_, running_median(morphology_, smooth), -1)) {
        emit(AlertKind::morphology, "cusum", t, index, morphology_);
      }
    }
    if (alarmed(kHeartRateChannel, hr_cusum_, running_median(heart_rate_, smooth), 0)) {
      emit(AlertKind::heart_rate, "cusum", t, index, heart_rate_);
    }
    // The score's low running quantile, relative to its value under the reference; only
    // rising scores are a problem (the model copes worse).
    const double score_level =
        running_quantile(score_, static_cast<std::size_t>(config_.score_smoothing_beats),
                         config_.score_quantile) -
        (config_.score_quantile - 0.5) / config_.score_tolerance;
    if (alarmed(kScoreChannel, score_cusum_, score_level, 1)) {
      emit(AlertKind::score, "cusum", t, index, score_, &score_z_);
    }
    if (b.latent != nullptr) {
      const double d = reference_.latent_distance(b.latent, static_cast<Eigen::Index>(b.latent_dim));
      const double z_latent =
          (d - reference_.latent_distance_mean) / reference_.latent_distance_std;
      latent_.push(t, z_latent);
      tick(AlertKind::latent, t, index);
      if (latent_adwin_.update(z_latent) == DriftLevel::drift) {
        emit(AlertKind::latent, "adwin", t, index, latent_);
      }
    }
    return static_cast<int>(alerts_.size() - before);
  }

  /// A reviewer's label for the beat at beat_time_s (already seen by update()): the truth
  /// is_anomaly against the pipeline's predicted_anomaly. Labels must come in beat order.
  /// Returns the number of alerts emitted (0 or 1).
  int update_label(double beat_time_s, bool is_anomaly, bool predicted_anomaly) {
    if (!std::isfinite(beat_time_s)) {
      throw InvalidArgument("monitor.update_label: beat_time_s must be finite (seconds), got " +
                            detail::format_number(beat_time_s));
    }
    if (n_beats_ == 0 || beat_time_s > last_time_s_) {
      throw InvalidArgument("monitor.update_label: beat_time_s = " +
                            detail::format_number(beat_time_s) +
                            " s is after the last beat seen (" +
                            (n_beats_ == 0 ? std::string("none yet")
                                           : detail::format_number(last_time_s_) + " s") +
                            "); label beats that update() has received");
    }
    if (beat_time_s < last_label_time_s_) {
      throw InvalidArgument("monitor.update_label: labels must come in beat order; beat_time_s = " +
                            detail::format_number(beat_time_s) + " s is before the previous label's " +
                            detail::format_number(last_label_time_s_) + " s");
    }
    last_label_time_s_ = beat_time_s;
    const std::int64_t index = n_labels_++;
    const double err = is_anomaly != predicted_anomaly ? 1.0 : 0.0;
    if (err == 1.0) ++n_label_errors_;
    errors_.push(beat_time_s, err);
    // DDM alarms on the first error after an error-free start (p_min = s_min = 0): its alarms
    // count only once it has seen ddm_min_labels labels since its last restart.
    const bool ddm_warm = ddm_.n_since_restart() >= config_.ddm_min_labels;
    const DriftLevel a = ddm_.update(err, beat_time_s) == DriftLevel::drift && ddm_warm
                             ? DriftLevel::drift
                             : DriftLevel::none;
    const DriftLevel b = hddm_.update(err, beat_time_s);
    const std::size_t before = alerts_.size();
    tick(AlertKind::error_rate, last_time_s_, index);
    if (a == DriftLevel::drift || b == DriftLevel::drift) {
      emit(AlertKind::error_rate, a == DriftLevel::drift ? "ddm" : "hddm_a", last_time_s_, index,
           errors_);
    }
    return static_cast<int>(alerts_.size() - before);
  }

  /// Every alert since construction or reset(), oldest first.
  const std::vector<Alert>& alerts() const noexcept { return alerts_; }

  MonitorSummary summary() const {
    MonitorSummary s;
    s.n_beats = n_beats_;
    s.n_anomalies = n_anomalies_;
    s.n_labels = n_labels_;
    s.n_label_errors = n_label_errors_;
    s.n_alerts = static_cast<std::int64_t>(alerts_.size());
    s.alerts_by_kind = alerts_by_kind_;
    s.n_suppressed = n_suppressed_;
    s.duration_s = n_beats_ > 0 ? last_time_s_ - first_time_s_ : 0.0;
    if (s.duration_s > 0.0) {
      const double hours = s.duration_s / 3600.0;
      s.alerts_per_hour = static_cast<double>(s.n_alerts) / hours;
      s.anomalies_per_hour = static_cast<double>(s.n_anomalies) / hours;
    }
    if (quality_fault_active_) s.status = "sensor_fault";
    for (const Alert& a : alerts_) {
      if (s.status == "sensor_fault") break;
      if (a.detected_s < last_time_s_ - config_.cooldown_s) continue;
      if (a.cause == ChangeCause::sensor_fault) {
        s.status = "sensor_fault";
        break;
      }
      s.status = "drift";
    }
    return s;
  }

  /// The whole state as JSON (config and reference included).
  nlohmann::json save() const {
    nlohmann::json last = nlohmann::json::array();
    for (double v : last_alert_s_) last.push_back(detail::encode_double(v));
    nlohmann::json alerts = nlohmann::json::array();
    for (const Alert& a : alerts_) alerts.push_back(a.to_json());
    std::vector<double> signs, grades;
    for (std::size_t i = 0; i < sign_count_; ++i) {
      signs.push_back(signs_[ring_index(sign_head_, sign_count_, signs_.size(), i)]);
    }
    std::vector<double> sign_times;
    for (std::size_t i = 0; i < sign_count_; ++i) {
      sign_times.push_back(sign_times_[ring_index(sign_head_, sign_count_, signs_.size(), i)]);
    }
    for (std::size_t i = 0; i < grade_count_; ++i) {
      grades.push_back(grades_[ring_index(grade_head_, grade_count_, grades_.size(), i)]);
    }
    return {{"monitor", name()},
            {"version", 1},
            {"config", config_.to_json()},
            {"reference", reference_.to_json()},
            {"detectors",
             {{"latent_adwin", latent_adwin_.state()},
              {"score_cusum", score_cusum_.state()},
              {"heart_rate_cusum", hr_cusum_.state()},
              {"amplitude_cusum", amp_cusum_.state()},
              {"morphology_cusum", morphology_cusum_.state()},
              {"quality_cusum", quality_cusum_.state()},
              {"ddm", ddm_.state()},
              {"hddm_a", hddm_.state()}}},
            {"tracks",
             {{"score", score_.to_json()},
              {"score_z", score_z_.to_json()},
              {"heart_rate", heart_rate_.to_json()},
              {"amplitude", amplitude_.to_json()},
              {"quality", quality_.to_json()},
              {"latent", latent_.to_json()},
              {"error_rate", errors_.to_json()},
              {"morphology", morphology_.to_json()}}},
            {"polarity_signs", signs},
            {"polarity_times", detail::monitor_encode_doubles(sign_times)},
            {"unusable_grades", grades},
            {"expected_sign", expected_sign_},
            {"baselines", detail::monitor_encode_doubles(
                              std::vector<double>(baseline_.begin(), baseline_.end()))},
            {"quality_fault_active", quality_fault_active_},
            {"alerts", alerts},
            {"last_alert_s", last},
            {"pending_beats", pending_},
            {"pending_detector", pending_detector_},
            {"counters",
             {{"n_beats", n_beats_},
              {"n_anomalies", n_anomalies_},
              {"n_labels", n_labels_},
              {"n_label_errors", n_label_errors_},
              {"n_suppressed", n_suppressed_}}},
            {"first_time_s", detail::encode_double(first_time_s_)},
            {"last_time_s", detail::encode_double(last_time_s_)},
            {"last_label_time_s", detail::encode_double(last_label_time_s_)}};
  }

  /// Continues exactly where save() was taken (config and reference from the state). Validates
  /// everything first; on a bad state throws InvalidArgument and leaves *this unchanged.
  void restore(const nlohmann::json& j) {
    const char* who = name();
    if (!j.is_object() || !j.contains("monitor") || j.at("monitor") != who) {
      throw InvalidArgument("monitor.restore: not a monitor state (expected {\"monitor\": "
                            "\"monitor\", ...})");
    }
    if (detail::get_int(j, "version", who) != 1) {
      throw InvalidArgument("monitor.restore: unsupported state version " +
                            detail::field(j, "version", who).dump() + ", expected 1");
    }
    Monitor m(MonitorReference::from_json(detail::field(j, "reference", who)),
              Config::from_json(detail::field(j, "config", who)));
    const auto& d = detail::field(j, "detectors", who);
    m.latent_adwin_.restore(detail::field(d, "latent_adwin", who));
    m.score_cusum_.restore(detail::field(d, "score_cusum", who));
    m.hr_cusum_.restore(detail::field(d, "heart_rate_cusum", who));
    m.amp_cusum_.restore(detail::field(d, "amplitude_cusum", who));
    m.morphology_cusum_.restore(detail::field(d, "morphology_cusum", who));
    const auto baselines = detail::monitor_get_doubles(j, "baselines", who);
    if (baselines.size() != m.baseline_.size()) {
      throw InvalidArgument("monitor.restore: baselines must hold " +
                            std::to_string(m.baseline_.size()) + " values");
    }
    std::copy(baselines.begin(), baselines.end(), m.baseline_.begin());
    m.quality_cusum_.restore(detail::field(d, "quality_cusum", who));
    m.ddm_.restore(detail::field(d, "ddm", who));
    m.hddm_.restore(detail::field(d, "hddm_a", who));
    const auto& tr = detail::field(j, "tracks", who);
    m.score_.from_json(detail::field(tr, "score", who));
    m.score_z_.from_json(detail::field(tr, "score_z", who));
    m.heart_rate_.from_json(detail::field(tr, "heart_rate", who));
    m.amplitude_.from_json(detail::field(tr, "amplitude", who));
    m.quality_.from_json(detail::field(tr, "quality", who));
    m.latent_.from_json(detail::field(tr, "latent", who));
    m.errors_.from_json(detail::field(tr, "error_rate", who));
    m.morphology_.from_json(detail::field(tr, "morphology", who));
    const auto signs = detail::monitor_get_doubles(j, "polarity_signs", who);
    const auto sign_times = detail::monitor_get_doubles(j, "polarity_times", who);
    const auto grades = detail::monitor_get_doubles(j, "unusable_grades", who);
    if (signs.size() > m.signs_.size() || sign_times.size() != signs.size() ||
        grades.size() > m.grades_.size()) {
      throw InvalidArgument("monitor.restore: polarity/grade rings do not fit the config");
    }
    for (std::size_t i = 0; i < signs.size(); ++i) {
      if (signs[i] != -1.0 && signs[i] != 0.0 && signs[i] != 1.0) {
        throw InvalidArgument("monitor.restore: polarity_signs must be -1, 0 or 1");
      }
      m.signs_[i] = static_cast<std::int8_t>(signs[i]);
      m.sign_times_[i] = sign_times[i];
    }
    m.sign_count_ = signs.size();
    m.sign_head_ = signs.size() % m.signs_.size();
    for (std::size_t i = 0; i < grades.size(); ++i) {
      if (grades[i] != 0.0 && grades[i] != 1.0) {
        throw InvalidArgument("monitor.restore: unusable_grades must be 0 or 1");
      }
      m.grades_[i] = static_cast<std::int8_t>(grades[i]);
    }
    m.grade_count_ = grades.size();
    m.grade_head_ = grades.size() % m.grades_.size();
    m.expected_sign_ = static_cast<int>(detail::get_int(j, "expected_sign", who));
    if (m.expected_sign_ != 1 && m.expected_sign_ != -1) {
      throw InvalidArgument("monitor.restore: expected_sign must be +1 or -1");
    }
    m.quality_fault_active_ = detail::get_bool(j, "quality_fault_active", who);
    const auto& alerts = detail::field(j, "alerts", who);
    if (!alerts.is_array()) throw InvalidArgument("monitor.restore: 'alerts' must be an array");
    for (const auto& a : alerts) {
      m.alerts_.push_back(Alert::from_json(a));
      ++m.alerts_by_kind_[static_cast<std::size_t>(m.alerts_.back().kind)];
    }
    const auto last = detail::monitor_get_doubles(j, "last_alert_s", who);
    if (last.size() != m.last_alert_s_.size()) {
      throw InvalidArgument("monitor.restore: last_alert_s must hold " +
                            std::to_string(kAlertKindCount) + " values");
    }
    std::copy(last.begin(), last.end(), m.last_alert_s_.begin());
    const auto& pb = detail::field(j, "pending_beats", who);
    const auto& pd = detail::field(j, "pending_detector", who);
    if (!pb.is_array() || !pd.is_array() || pb.size() != m.pending_.size() ||
        pd.size() != m.pending_.size()) {
      throw InvalidArgument("monitor.restore: pending_beats / pending_detector must hold " +
                            std::to_string(kAlertKindCount) + " values");
    }
    for (std::size_t i = 0; i < m.pending_.size(); ++i) {
      if (!pb[i].is_number_integer() || pb[i].get<std::int64_t>() < -1 ||
          pb[i].get<std::int64_t>() > m.config_.recent_beats || !pd[i].is_string()) {
        throw InvalidArgument("monitor.restore: invalid pending alert " + pb[i].dump() + " " +
                              pd[i].dump());
      }
      m.pending_[i] = pb[i].get<std::int64_t>();
      m.pending_detector_[i] = pd[i].get<std::string>();
    }
    const auto& c = detail::field(j, "counters", who);
    m.n_beats_ = detail::get_int(c, "n_beats", who);
    m.n_anomalies_ = detail::get_int(c, "n_anomalies", who);
    m.n_labels_ = detail::get_int(c, "n_labels", who);
    m.n_label_errors_ = detail::get_int(c, "n_label_errors", who);
    m.n_suppressed_ = detail::get_int(c, "n_suppressed", who);
    if (m.n_beats_ < 0 || m.n_anomalies_ < 0 || m.n_anomalies_ > m.n_beats_ || m.n_labels_ < 0 ||
        m.n_label_errors_ < 0 || m.n_label_errors_ > m.n_labels_ || m.n_suppressed_ < 0) {
      throw InvalidArgument("monitor.restore: inconsistent counters " + c.dump());
    }
    m.first_time_s_ = detail::get_double(j, "first_time_s", who);
    m.last_time_s_ = detail::get_double(j, "last_time_s", who);
    m.last_label_time_s_ = detail::get_double(j, "last_label_time_s", who);
    m.callback_ = std::move(callback_);
    *this = std::move(m);
  }

 private:
  // Ring buffer of (time, standardised value) of one channel, with the number of values since
  // the channel's last alert (the segment the change-profile fit looks at).
  struct Track {
    std::vector<double> t, v;
    std::size_t head = 0, size = 0;
    std::int64_t since_alert = 0;

    void allocate(std::size_t cap) {
      t.assign(cap, 0.0);
      v.assign(cap, 0.0);
    }
    void clear() {
      std::fill(t.begin(), t.end(), 0.0);
      std::fill(v.begin(), v.end(), 0.0);
      head = size = 0;
      since_alert = 0;
    }
    void push(double time_s, double value) {
      t[head] = time_s;
      v[head] = value;
      head = (head + 1) % t.size();
      size = std::min(size + 1, t.size());
      ++since_alert;
    }
    // i-th oldest of the held values.
    std::size_t at(std::size_t i) const { return ring_index(head, size, t.size(), i); }
    nlohmann::json to_json() const {
      std::vector<double> tt, vv;
      for (std::size_t i = 0; i < size; ++i) {
        tt.push_back(t[at(i)]);
        vv.push_back(v[at(i)]);
      }
      return {{"t", detail::monitor_encode_doubles(tt)}, {"v", detail::monitor_encode_doubles(vv)},
              {"since_alert", since_alert}};
    }
    void from_json(const nlohmann::json& j) {
      const auto tt = detail::monitor_get_doubles(j, "t", "monitor track");
      const auto vv = detail::monitor_get_doubles(j, "v", "monitor track");
      const auto s = detail::get_int(j, "since_alert", "monitor track");
      if (tt.size() != vv.size() || tt.size() > t.size() || s < 0) {
        throw InvalidArgument("monitor.restore: a channel history does not fit history_beats = " +
                              std::to_string(t.size()));
      }
      clear();
      for (std::size_t i = 0; i < tt.size(); ++i) push(tt[i], vv[i]);
      since_alert = s;
    }
  };

  // The constant-then-line fit of a channel's segment (see the header comment).
  struct ChangeFit {
    double since_s = 0.0;
    double pre_mean = 0.0;
    double jump = 0.0;
    double total_change = 0.0;
    double recent_mean = 0.0;
    double jump_se = 0.0;          // standard error of the jump
    double slope_z = 0.0;          // t statistic of the slope after the breakpoint
    double hinge_s = 0.0;          // start of the trend by the broken-stick fit
    double hinge_explained = 0.0, step_explained = 0.0;  // sum of squares each model explains
    std::size_t step_offset = 0;
    double step_z = 0.0;           // |jump| of the pure step in standard errors
    std::size_t hinge_offset = 0;
    std::size_t since_offset = 0;  // index (in the fitted segment) of the breakpoint
    std::size_t n = 0;             // beats in the fitted segment
  };

  static std::size_t ring_index(std::size_t head, std::size_t size, std::size_t cap,
                                std::size_t i) noexcept {
    return (head + cap - size + i) % cap;
  }

  std::array<Track*, 8> tracks() {
    return {&score_, &score_z_, &heart_rate_, &amplitude_, &quality_, &latent_, &errors_,
            &morphology_};
  }

  // One CUSUM channel: its CUSUM sees the smoothed level relative to the channel's baseline
  // (the reference at first, the level at the channel's last alarm after that: a change is
  // reported once, the next alarm needs another tolerance of change). True when it alarmed
  // with news (moved_away).
  bool alarmed(std::size_t channel, Cusum& cusum, double level, int harmful) {
    const double dev = level - baseline_[channel];
    return cusum.update(dev) == DriftLevel::drift && moved_away(channel, dev, harmful);
  }

  // A channel's CUSUM alarmed with its level at baseline + dev: move the baseline there and
  // say whether that is news — a move away from the reference (by more than the baseline
  // already was, or past it by half a tolerance or more), in the harmful direction when
  // harmful != 0.
  // A move back towards the reference is a recovery: the baseline follows, no alert. A
  // one-sided channel's baseline never passes the reference on the harmless side.
  bool moved_away(std::size_t channel, double dev, int harmful) {
    const double before = baseline_[channel];
    const double after = before + dev;
    if (harmful != 0 && dev * harmful < 0.0) {
      baseline_[channel] = harmful > 0 ? std::max(0.0, after) : std::min(0.0, after);
      return false;
    }
    baseline_[channel] = after;
    return std::fabs(after) > std::fabs(before) || (after * before < 0.0 && std::fabs(after) >= 0.5);
  }

  // Median of the last m values of a channel (fewer at the start); no allocation.
  double running_median(const Track& tr, std::size_t m) const {
    return running_quantile(tr, m, 0.5);
  }
  // Quantile q of the last m values (numpy's linear method); no allocation.
  double running_quantile(const Track& tr, std::size_t m, double q) const {
    m = std::min(m, tr.size);
    if (m == 0) return 0.0;
    for (std::size_t i = 0; i < m; ++i) scratch_[i] = tr.v[tr.at(tr.size - m + i)];
    const double h = q * static_cast<double>(m - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto it = scratch_.begin() + static_cast<std::ptrdiff_t>(lo);
    const auto end = scratch_.begin() + static_cast<std::ptrdiff_t>(m);
    std::nth_element(scratch_.begin(), it, end);
    const double below = *it;
    if (lo + 1 >= m) return below;
    const double above = *std::min_element(it + 1, end);
    return below + (h - static_cast<double>(lo)) * (above - below);
  }

  double validate(const BeatObservation& b) const {
    auto bad = [](const std::string& what, double v, const std::string& expected) {
      return InvalidArgument("monitor.update: " + what + " must be " + expected + ", got " +
                             detail::format_number(v));
    };
    if (!std::isfinite(b.time_s)) throw bad("time_s", b.time_s, "finite (seconds)");
    if (n_beats_ > 0 && !(b.time_s > last_time_s_)) {
      throw InvalidArgument("monitor.update: time_s must increase from beat to beat; got " +
                            detail::format_number(b.time_s) + " s after " +
                            detail::format_number(last_time_s_) + " s");
    }
    if (!std::isfinite(b.score)) throw bad("score", b.score, "finite");
    if (!std::isnan(b.p_value) && !(b.p_value >= 0.0 && b.p_value <= 1.0)) {
      throw bad("p_value", b.p_value, "in [0, 1] (or NaN for none)");
    }
    if (!(b.quality_score >= 0.0 && b.quality_score <= 1.0)) {
      throw bad("quality_score", b.quality_score, "in [0, 1]");
    }
    double hr = b.heart_rate_bpm;
    if (std::isnan(hr)) {
      if (!(b.rr_s > 0.0) || !std::isfinite(b.rr_s)) {
        throw bad("rr_s", b.rr_s, "a finite RR interval > 0 s when heart_rate_bpm is NaN");
      }
      hr = 60.0 / b.rr_s;
    }
    if (!(hr > 0.0) || !std::isfinite(hr)) throw bad("heart_rate_bpm", hr, "finite and > 0 bpm");
    if (!std::isfinite(b.r_amplitude_mv)) throw bad("r_amplitude_mv", b.r_amplitude_mv, "finite (mV)");
    if (b.latent != nullptr) {
      if (!reference_.has_latent()) {
        throw InvalidArgument("monitor.update: a latent code was given but the reference has no "
                              "latent statistics (fit it with latent codes)");
      }
      if (b.latent_dim != reference_.latent_mean.size()) {
        throw InvalidArgument("monitor.update: latent code has " + std::to_string(b.latent_dim) +
                              " values, expected " + std::to_string(reference_.latent_mean.size()) +
                              " (the reference's latent dimension)");
      }
      for (std::size_t i = 0; i < b.latent_dim; ++i) {
        if (!std::isfinite(b.latent[i])) {
          throw bad("latent[" + std::to_string(i) + "]", b.latent[i], "finite");
        }
      }
    }
    if (b.beat != nullptr && reference_.has_template()) {
      if (b.beat_length != reference_.template_beat.size()) {
        throw InvalidArgument("monitor.update: beat has " + std::to_string(b.beat_length) +
                              " samples, expected " +
                              std::to_string(reference_.template_beat.size()) +
                              " (the reference's template beat)");
      }
      for (std::size_t i = 0; i < b.beat_length; ++i) {
        if (!std::isfinite(b.beat[i])) throw bad("beat[" + std::to_string(i) + "]", b.beat[i], "finite");
      }
    }
    return hr;
  }

  double recent_mean(const Track& tr) const {
    const std::size_t m = std::min<std::size_t>(tr.size, static_cast<std::size_t>(config_.recent_beats));
    if (m == 0) return 0.0;
    double s = 0.0;
    for (std::size_t i = tr.size - m; i < tr.size; ++i) s += tr.v[tr.at(i)];
    return s / static_cast<double>(m);
  }

  bool quality_ok() const {
    double unusable = 0.0;
    for (std::size_t i = 0; i < grade_count_; ++i) unusable += grades_[i];
    const double share = grade_count_ > 0 ? unusable / static_cast<double>(grade_count_) : 0.0;
    return share <= config_.quality_unusable_fraction && recent_mean(quality_) > -config_.quality_bad_z;
  }

  ChangeFit fit_change(const Track& tr) {
    ChangeFit f;
    const auto min_n = static_cast<std::size_t>(config_.recent_beats);
    const std::size_t n =
        std::min(tr.size, std::max(static_cast<std::size_t>(tr.since_alert), min_n));
    f.n = n;
    f.recent_mean = recent_mean(tr);
    const std::size_t first = tr.size - n;
    if (n < 5) {  // too few beats to fit a breakpoint: call it a step at the segment start
      f.since_s = f.hinge_s = n > 0 ? tr.t[tr.at(first)] : 0.0;
      f.jump = f.total_change = f.recent_mean;
      return f;
    }
    // Prefix sums of 1, i, i², x, x², i·x over the segment (i local, 0-based).
    const std::size_t stride = n + 1;
    double* c_x = prefix_.data();
    double* c_xx = c_x + stride;
    double* c_i = c_xx + stride;
    double* c_ii = c_i + stride;
    double* c_ix = c_ii + stride;
    c_x[0] = c_xx[0] = c_i[0] = c_ii[0] = c_ix[0] = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = tr.v[tr.at(first + i)];
      const double di = static_cast<double>(i);
      c_x[i + 1] = c_x[i] + x;
      c_xx[i + 1] = c_xx[i] + x * x;
      c_i[i + 1] = c_i[i] + di;
      c_ii[i + 1] = c_ii[i] + di * di;
      c_ix[i + 1] = c_ix[i] + di * x;
    }
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_k = 2;
    double best_slope = 0.0, best_icpt = 0.0;
    double best_lever = 0.0;  // variance factor of the line's value at the breakpoint
    double best_sii = 0.0;    // centred sum of squared indices after it (0 = constant)
    // >= 2 beats before the breakpoint; after it a line when >= 3 beats, else a constant (a
    // step caught within a beat or two of its start).
    for (std::size_t k = 2; k + 1 <= n; ++k) {
      const double nk = static_cast<double>(k);
      const double rss_pre = c_xx[k] - c_x[k] * c_x[k] / nk;
      const double np = static_cast<double>(n - k);
      const double sx = c_x[n] - c_x[k], sxx = c_xx[n] - c_xx[k];
      const double si = c_i[n] - c_i[k], sii = c_ii[n] - c_ii[k], six = c_ix[n] - c_ix[k];
      const double sxx_c = sxx - sx * sx / np;
      double slope = 0.0, rss_post = sxx_c, lever = 1.0 / np, sii_k = 0.0;
      if (n - k >= 3) {
        const double sii_c = sii - si * si / np;
        const double sxy = six - si * sx / np;
        slope = sxy / sii_c;
        rss_post = sxx_c - slope * sxy;
        const double d = nk - si / np;  // breakpoint minus the segment's mean index
        lever += d * d / sii_c;
        sii_k = sii_c;
      }
      const double rss = rss_pre + rss_post;
      if (rss < best) {
        best = rss;
        best_k = k;
        best_slope = slope;
        best_icpt = sx / np - slope * si / np;  // line value at local index 0
        best_lever = lever + 1.0 / nk;
        best_sii = sii_k;
      }
    }
    f.since_offset = best_k;
    f.since_s = tr.t[tr.at(first + best_k)];
    f.pre_mean = c_x[best_k] / static_cast<double>(best_k);
    f.jump = best_icpt + best_slope * static_cast<double>(best_k) - f.pre_mean;
    f.total_change = best_icpt + best_slope * static_cast<double>(n - 1) - f.pre_mean;
    // Residual variance with 4 fitted parameters (2 means/intercepts, slope, breakpoint).
    const double sigma2 = n > 4 ? std::max(best, 0.0) / static_cast<double>(n - 4) : 0.0;
    f.jump_se = std::sqrt(sigma2 * best_lever);
    f.slope_z = best_sii > 0.0 && sigma2 > 0.0 ? best_slope / std::sqrt(sigma2 / best_sii) : 0.0;
    // Strength over the beats after the breakpoint (at most recent_beats of the last ones).
    const std::size_t m = std::min<std::size_t>(n - best_k, min_n);
    double s = 0.0;
    for (std::size_t i = n - m; i < n; ++i) s += tr.v[tr.at(first + i)];
    f.recent_mean = s / static_cast<double>(m);
    // The start of a trend: the hinge of the continuous "constant, then a line" fit
    // x_i = a + b · max(0, i - k) (a broken stick; the free fit above places a trend's
    // breakpoint poorly because a small early jump costs nothing).
    const double nn = static_cast<double>(n);
    const double sx_all = c_x[n];
    double best_hinge = std::numeric_limits<double>::infinity();
    for (std::size_t k = 2; k + 1 <= n; ++k) {
      const double kk = static_cast<double>(k), np = static_cast<double>(n - k);
      // The pure step at k: two constants.
      const double sx_post = c_x[n] - c_x[k];
      const double step_explained =
          sx_post * sx_post / np + c_x[k] * c_x[k] / kk - sx_all * sx_all / nn;
      if (step_explained > f.step_explained) {
        f.step_explained = step_explained;
        f.step_offset = k;
      }
      if (k + 3 > n) continue;  // a line needs 3 beats
      const double si = c_i[n] - c_i[k], sii = c_ii[n] - c_ii[k];
      const double sh = si - kk * np;
      const double shh = sii - 2.0 * kk * si + kk * kk * np;
      const double shx = (c_ix[n] - c_ix[k]) - kk * (c_x[n] - c_x[k]);
      const double shh_c = shh - sh * sh / nn;
      const double shx_c = shx - sh * sx_all / nn;
      if (!(shh_c > 0.0)) continue;
      const double explained = shx_c * shx_c / shh_c;  // RSS = Sxx_c - explained
      if (-explained < best_hinge) {
        best_hinge = -explained;
        f.hinge_offset = k;
      }
    }
    f.hinge_explained = -best_hinge;
    // The step's jump in standard errors: sigma from the step's residuals (3 parameters).
    if (f.step_offset > 0 && n > 3) {
      const double kk = static_cast<double>(f.step_offset);
      const double np = static_cast<double>(n - f.step_offset);
      const double sxx_c_all = c_xx[n] - sx_all * sx_all / nn;
      const double rss_step = std::max(sxx_c_all - f.step_explained, 0.0);
      const double sigma_step = std::sqrt(rss_step / (nn - 3.0));
      const double step_jump = (c_x[n] - c_x[f.step_offset]) / np - c_x[f.step_offset] / kk;
      const double se = sigma_step * std::sqrt(1.0 / kk + 1.0 / np);
      f.step_z = se > 0.0 ? std::fabs(step_jump) / se : std::numeric_limits<double>::infinity();
    }
    f.hinge_s = tr.t[tr.at(first + f.hinge_offset)];
    return f;
  }

  ChangeShape shape_of(const ChangeFit& f) const noexcept {
    // A real (significant) jump makes a step when it carries most of the change, or when the
    // line after it shows no significant trend (a noisy slope must not turn a step into a trend).
    // A broken stick (continuous trend) that explains more than the best pure step: a trend.
    if (f.step_explained < f.hinge_explained) return ChangeShape::gradual;
    // The free fit's jump; when its line has <= 4 beats (a step caught at once) that jump is
    // too uncertain and the pure step's decides.
    const bool few_after = f.n - f.since_offset <= 4;
    const bool step_is_real = few_after ? f.step_z >= config_.sudden_min_z
                                        : std::fabs(f.jump) >= config_.sudden_min_z * f.jump_se;
    const bool step_dominates =
        std::fabs(f.jump) >= config_.sudden_fraction * std::fabs(f.total_change);
    const bool trend_is_real = std::fabs(f.slope_z) >= config_.trend_min_z;
    return step_is_real && (step_dominates || !trend_is_real) ? ChangeShape::sudden
                                                               : ChangeShape::gradual;
  }

  // Mean heart-rate z after minus before a beat of the shared beat clock (offset from the end).
  // Mean of the values of `tr` from since_s to now minus the mean of the recent_beats before
  // since_s; 0 when either side is empty. Split by time, so channels that skip beats (premature
  // ones stay out of amplitude) line up with those that do not. The whole stretch since the
  // change counts on the after side because the quality of a beat is that of a window that
  // ends at it: a fall shows fully only a window length after the change.
  double change_across(const Track& tr, double since_s) const {
    const auto m = static_cast<std::size_t>(config_.recent_beats);
    std::size_t split = 0;
    while (split < tr.size && tr.t[tr.at(split)] < since_s) ++split;
    if (split == 0 || split >= tr.size) return 0.0;
    const std::size_t lo = split >= m ? split - m : 0;
    double before = 0.0, after = 0.0;
    for (std::size_t i = lo; i < split; ++i) before += tr.v[tr.at(i)];
    for (std::size_t i = split; i < tr.size; ++i) after += tr.v[tr.at(i)];
    return after / static_cast<double>(tr.size - split) - before / static_cast<double>(split - lo);
  }

  void check_polarity(double t, std::int64_t index) {
    if (sign_count_ < signs_.size()) return;
    std::int64_t flipped = 0;
    for (std::int8_t s : signs_) flipped += s == -expected_sign_ ? 1 : 0;
    if (flipped < config_.polarity_min_flipped) return;
    const double level =  // |R| of these beats against the amplitude baseline
        running_median(amplitude_, signs_.size()) - baseline_[kAmplitudeChannel];
    if (std::fabs(level) > 1.0) return;  // not an inversion: a different wave, or a gain change
    // since_s: the first beat of the window with the new sign.
    double since = t;
    for (std::size_t i = 0; i < sign_count_; ++i) {
      const std::size_t k = ring_index(sign_head_, sign_count_, signs_.size(), i);
      if (signs_[k] == -expected_sign_) {
        since = sign_times_[k];
        break;
      }
    }
    expected_sign_ = -expected_sign_;  // a flip back alerts again
    Alert a;
    a.kind = AlertKind::polarity;
    a.detector = "polarity";
    a.since_s = since;
    a.detected_s = t;
    a.beat_index = index;
    // Signed amplitude now against the reference's signed mean, in reference std.
    a.strength = (static_cast<double>(expected_sign_) - static_cast<double>(reference_.polarity)) *
                 reference_.amplitude_mean_mv / reference_.amplitude_std_mv;
    a.shape = ChangeShape::sudden;
    a.cause = ChangeCause::sensor_fault;
    a.action = RecommendedAction::check_sensor;
    publish(std::move(a));
  }

  // strength_track: where the strength is read when it is not `tr` (the score's shape is fitted
  // on its bounded reference-CDF values, its strength read on its z-values).
  // confirm: the pending alert of this kind is due now (see update()).
  void emit(AlertKind kind, const char* detector, double detected_s, std::int64_t index,
            Track& tr, Track* strength_track = nullptr, bool confirm = false) {
    const auto k = static_cast<std::size_t>(kind);
    if (!confirm) {
      if (pending_[k] >= 0) {  // already waiting: keep the segment it will be fitted on
        ++n_suppressed_;
        return;
      }
      if (detected_s - last_alert_s_[k] < config_.cooldown_s) {
        ++n_suppressed_;
        tr.since_alert = 0;
        if (strength_track != nullptr) strength_track->since_alert = 0;
        return;
      }
    }
    ChangeFit f = fit_change(tr);
    if (!confirm) {
      // Fewer than recent_beats beats after the breakpoint: too few to tell a step from the
      // start of a trend. Wait for them; the cooldown starts now.
      const auto after = static_cast<std::int64_t>(f.n - f.since_offset);
      if (after < config_.recent_beats) {
        pending_[k] = config_.recent_beats - after;
        pending_detector_[k] = detector;
        last_alert_s_[k] = detected_s;
        return;
      }
    }
    pending_[k] = -1;
    if (strength_track != nullptr) {
      const std::size_t m = std::min<std::size_t>(f.n - f.since_offset,
                                                  static_cast<std::size_t>(config_.recent_beats));
      const Track& st = *strength_track;
      double sum = 0.0;
      for (std::size_t i = st.size - m; i < st.size; ++i) sum += st.v[st.at(i)];
      f.recent_mean = m > 0 ? sum / static_cast<double>(m) : 0.0;
      strength_track->since_alert = 0;
    }
    Alert a;
    a.kind = kind;
    a.detector = detector;
    a.detected_s = detected_s;
    a.beat_index = index;
    a.shape = shape_of(f);
    a.strength = f.recent_mean;
    // A trend keeps firing once its detector restarts: a change in the same direction within
    // 2 cooldown_s of a gradual alert of this kind continues that trend.
    for (auto it = alerts_.rbegin(); it != alerts_.rend(); ++it) {
      if (it->kind != kind) continue;
      if (it->shape == ChangeShape::gradual &&
          detected_s - it->detected_s <= 2.0 * config_.cooldown_s &&
          (it->strength > 0.0) == (a.strength > 0.0)) {
        a.shape = ChangeShape::gradual;
      }
      break;
    }
    a.since_s = a.shape == ChangeShape::sudden ? f.since_s : f.hinge_s;
    if (kind == AlertKind::error_rate) {
      const double p = std::clamp(f.pre_mean, 0.0, 1.0);
      a.strength = (f.recent_mean - p) / std::sqrt(std::max(p * (1.0 - p), 1e-3));
    }
    const bool good =
        quality_ok() && change_across(quality_, a.since_s) >= -config_.quality_fall_z;
    const double now = detected_s;
    auto recently = [&](AlertKind other) {
      return now - last_alert_s_[static_cast<std::size_t>(other)] <= config_.cooldown_s;
    };
    switch (kind) {
      case AlertKind::quality:
      case AlertKind::polarity:
        a.cause = ChangeCause::sensor_fault;
        a.action = RecommendedAction::check_sensor;
        break;
      case AlertKind::amplitude:
        if (!good) {
          a.cause = ChangeCause::sensor_fault;
          a.action = RecommendedAction::check_sensor;
        } else if (a.shape == ChangeShape::sudden) {
          const double dhr = change_across(heart_rate_, a.since_s);
          const bool hr_same = std::fabs(dhr) < config_.heart_rate_unchanged_z;
          a.cause = hr_same ? ChangeCause::sensor_fault : ChangeCause::unknown;
          a.action = RecommendedAction::check_sensor;
        } else {
          a.cause = ChangeCause::physiological;
          a.action = RecommendedAction::none_yet;
        }
        break;
      case AlertKind::heart_rate:
        a.cause = good ? ChangeCause::physiological : ChangeCause::sensor_fault;
        a.action = good ? RecommendedAction::none_yet : RecommendedAction::check_sensor;
        break;
      case AlertKind::score:
        if (!good) {
          a.cause = ChangeCause::sensor_fault;
          a.action = RecommendedAction::check_sensor;
        } else {
          a.cause = ChangeCause::physiological;
          a.action = std::fabs(a.strength) >= config_.retrain_strength || recently(AlertKind::latent)
                         ? RecommendedAction::retrain
                         : RecommendedAction::recalibrate_threshold;
        }
        break;
      case AlertKind::latent:
        a.cause = good ? ChangeCause::physiological : ChangeCause::sensor_fault;
        a.action = good ? RecommendedAction::retrain : RecommendedAction::check_sensor;
        break;
      case AlertKind::error_rate:
        a.cause = good ? ChangeCause::unknown : ChangeCause::sensor_fault;
        a.action = good ? RecommendedAction::retrain : RecommendedAction::check_sensor;
        break;
      case AlertKind::morphology:
        // Every beat changing shape at once is an acquisition change (a mislabelled sampling
        // rate, a moved electrode) as often as a physiological one: look at the sensor. A slow
        // drift of shape is physiology the model has not seen: retrain.
        if (!good) {
          a.cause = ChangeCause::sensor_fault;
          a.action = RecommendedAction::check_sensor;
        } else if (a.shape == ChangeShape::sudden) {
          a.cause = ChangeCause::unknown;
          a.action = RecommendedAction::check_sensor;
        } else {
          a.cause = ChangeCause::physiological;
          a.action = RecommendedAction::retrain;
        }
        break;
    }
    tr.since_alert = 0;
    publish(std::move(a));
  }

  Track& track_of(AlertKind kind) {
    switch (kind) {
      case AlertKind::heart_rate: return heart_rate_;
      case AlertKind::amplitude: return amplitude_;
      case AlertKind::quality: return quality_;
      case AlertKind::latent: return latent_;
      case AlertKind::error_rate: return errors_;
      case AlertKind::morphology: return morphology_;
      case AlertKind::score:
      case AlertKind::polarity: break;
    }
    return score_;
  }

  // One more beat (label) of `kind`'s channel: emits its pending alert when it is due.
  void tick(AlertKind kind, double t, std::int64_t index) {
    const auto k = static_cast<std::size_t>(kind);
    if (pending_[k] <= 0 || --pending_[k] > 0) return;
    const std::string detector = pending_detector_[k];
    emit(kind, detector.c_str(), t, index, track_of(kind),
         kind == AlertKind::score ? &score_z_ : nullptr, true);
  }

  void publish(Alert a) {
    const auto k = static_cast<std::size_t>(a.kind);
    last_alert_s_[k] = a.detected_s;
    ++alerts_by_kind_[k];
    alerts_.push_back(std::move(a));
    if (callback_) callback_(alerts_.back());
  }

  MonitorReference reference_;
  Config config_;
  AlertCallback callback_;

  Adwin latent_adwin_;
  Cusum score_cusum_, hr_cusum_, amp_cusum_, morphology_cusum_;
  static constexpr std::size_t kScoreChannel = 0, kHeartRateChannel = 1, kAmplitudeChannel = 2,
                               kQualityChannel = 3, kMorphologyChannel = 4;
  std::array<double, 5> baseline_{};      // each CUSUM channel's level at its last alarm
  mutable std::vector<double> scratch_;   // running-median workspace
  Cusum quality_cusum_;
  Ddm ddm_;
  HddmA hddm_;

  Track score_, score_z_, heart_rate_, amplitude_, quality_, latent_, errors_, morphology_;
  std::vector<double> prefix_;  // scratch of fit_change, allocated once
  std::vector<std::int8_t> signs_;
  std::vector<double> sign_times_;
  std::size_t sign_head_ = 0, sign_count_ = 0;
  std::vector<std::int8_t> grades_;  // 1 = unusable, over the last recent_beats
  std::size_t grade_head_ = 0, grade_count_ = 0;
  int expected_sign_ = 1;
  bool quality_fault_active_ = false;

  std::vector<Alert> alerts_;
  std::array<std::int64_t, kAlertKindCount> pending_{};  // beats until due, -1 = none
  std::array<std::string, kAlertKindCount> pending_detector_{};
  std::array<double, kAlertKindCount> last_alert_s_{};
  std::array<std::int64_t, kAlertKindCount> alerts_by_kind_{};
  std::int64_t n_beats_ = 0, n_anomalies_ = 0, n_labels_ = 0, n_label_errors_ = 0,
               n_suppressed_ = 0;
  double first_time_s_ = 0.0, last_time_s_ = 0.0, last_label_time_s_ = 0.0;
};

}  // namespace ecgad::drift
