#pragma once
// Drift scenarios for the synthetic ECG: changes with known change points, gradual (a linear
// ramp from start_s to end_s, then held) or sudden (from start_s on), so that drift detectors
// can be scored against exactly when and what changed.
//
// Physiological changes act inside the model (a heart-rate trend moves the tachogram and
// rescales every beat's QRS and QT as ECGSYN does); acquisition changes act on the recorded
// signal (gain, polarity, wander, noise); a sampling-rate mismatch changes the clock the model
// is sampled with, so the record from that point is a signal recorded at one rate but labelled
// as another.

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/synth_anomalies.hpp"
#include "ecgad/signal/synth_model.hpp"

namespace ecgad::signal {

/// What a drift change changes. The first four are gradual, the rest sudden.
enum class DriftKind {
  heart_rate_trend,        ///< mean heart rate moves by magnitude bpm (signed)
  gain_drift,              ///< gain moves from 1 to 1 + magnitude (> -1)
  baseline_wander_growth,  ///< added baseline wander grows from 0 to magnitude mV rms
  noise_rise,              ///< added muscle noise grows from 0 to magnitude mV rms
  gain_step,               ///< gain jumps by the factor 1 + magnitude (> -1)
  polarity_inversion,      ///< the signal is inverted (lead reversal); magnitude = -1
  electrode_noise_onset,   ///< electrode-motion noise of magnitude mV rms starts
  /// from start_s the record holds a signal sampled at magnitude × fs_hz but labelled fs_hz
  /// (magnitude in [0.25, 4], != 1): > 1 looks slowed down, < 1 sped up
  sampling_rate_mismatch,
};

inline constexpr DriftKind kDriftKinds[] = {
    DriftKind::heart_rate_trend,   DriftKind::gain_drift,
    DriftKind::baseline_wander_growth, DriftKind::noise_rise,
    DriftKind::gain_step,          DriftKind::polarity_inversion,
    DriftKind::electrode_noise_onset, DriftKind::sampling_rate_mismatch};

/// The enumerator's name, e.g. "heart_rate_trend".
inline const char* to_string(DriftKind kind) {
  switch (kind) {
    case DriftKind::heart_rate_trend: return "heart_rate_trend";
    case DriftKind::gain_drift: return "gain_drift";
    case DriftKind::baseline_wander_growth: return "baseline_wander_growth";
    case DriftKind::noise_rise: return "noise_rise";
    case DriftKind::gain_step: return "gain_step";
    case DriftKind::polarity_inversion: return "polarity_inversion";
    case DriftKind::electrode_noise_onset: return "electrode_noise_onset";
    case DriftKind::sampling_rate_mismatch: return "sampling_rate_mismatch";
  }
  return "?";
}

/// Parses a DriftKind name (see to_string).
inline DriftKind parse_drift_kind(std::string_view name) {
  for (DriftKind k : kDriftKinds) {
    if (name == to_string(k)) return k;
  }
  throw InvalidArgument("unknown drift kind '" + std::string(name) +
                        "'; expected one of heart_rate_trend, gain_drift, "
                        "baseline_wander_growth, noise_rise, gain_step, polarity_inversion, "
                        "electrode_noise_onset, sampling_rate_mismatch");
}

/// True for the kinds that ramp from start_s to end_s; false for those that jump at start_s.
inline bool is_gradual(DriftKind kind) {
  return kind == DriftKind::heart_rate_trend || kind == DriftKind::gain_drift ||
         kind == DriftKind::baseline_wander_growth || kind == DriftKind::noise_rise;
}

/// The unit of a change's magnitude.
inline const char* magnitude_unit(DriftKind kind) {
  switch (kind) {
    case DriftKind::heart_rate_trend: return "bpm";
    case DriftKind::gain_drift:
    case DriftKind::gain_step: return "relative gain change";
    case DriftKind::baseline_wander_growth:
    case DriftKind::noise_rise:
    case DriftKind::electrode_noise_onset: return "mV rms";
    case DriftKind::polarity_inversion: return "gain factor";
    case DriftKind::sampling_rate_mismatch: return "actual / labelled sampling rate";
  }
  return "?";
}

/// One change of a drift scenario, in record time (seconds from the first sample).
struct DriftChange {
  DriftKind kind = DriftKind::gain_step;
  double start_s = 0.0;    ///< in [0, duration_s)
  double end_s = 0.0;      ///< gradual: in (start_s, duration_s]; sudden: = start_s
  double magnitude = 0.0;  ///< see DriftKind and magnitude_unit()

  /// Mean heart rate moves linearly by delta_bpm between start_s and end_s.
  static DriftChange heart_rate_trend(double start_s, double end_s, double delta_bpm) {
    return {DriftKind::heart_rate_trend, start_s, end_s, delta_bpm};
  }
  /// Gain moves linearly from 1 to 1 + relative_change between start_s and end_s.
  static DriftChange gain_drift(double start_s, double end_s, double relative_change) {
    return {DriftKind::gain_drift, start_s, end_s, relative_change};
  }
  /// Added baseline wander grows linearly from 0 to rms_mv.
  static DriftChange baseline_wander_growth(double start_s, double end_s, double rms_mv) {
    return {DriftKind::baseline_wander_growth, start_s, end_s, rms_mv};
  }
  /// Added muscle noise grows linearly from 0 to rms_mv.
  static DriftChange noise_rise(double start_s, double end_s, double rms_mv) {
    return {DriftKind::noise_rise, start_s, end_s, rms_mv};
  }
  /// Gain multiplied by 1 + relative_change from start_s on.
  static DriftChange gain_step(double start_s, double relative_change) {
    return {DriftKind::gain_step, start_s, start_s, relative_change};
  }
  /// Signal inverted from start_s on.
  static DriftChange polarity_inversion(double start_s) {
    return {DriftKind::polarity_inversion, start_s, start_s, -1.0};
  }
  /// Electrode-motion noise of rms_mv from start_s on.
  static DriftChange electrode_noise_onset(double start_s, double rms_mv) {
    return {DriftKind::electrode_noise_onset, start_s, start_s, rms_mv};
  }
  /// From start_s the signal is sampled at actual_over_labelled × fs_hz, labelled fs_hz.
  static DriftChange sampling_rate_mismatch(double start_s, double actual_over_labelled) {
    return {DriftKind::sampling_rate_mismatch, start_s, start_s, actual_over_labelled};
  }
};

/// A drift scenario: any number of changes, composed (heart-rate trends add, gains multiply,
/// wander and noise add; a later sampling-rate mismatch replaces an earlier one).
struct DriftScenario {
  std::vector<DriftChange> changes;
};

/// A change as it happened in the record: the ground truth for scoring drift detectors.
struct ChangePoint {
  DriftKind kind = DriftKind::gain_step;
  bool gradual = false;
  Eigen::Index start_sample = 0;  ///< llround(start_s * fs_hz)
  Eigen::Index end_sample = 0;    ///< llround(end_s * fs_hz); = start_sample when sudden
  double start_s = 0.0;
  double end_s = 0.0;
  double magnitude = 0.0;  ///< in magnitude_unit(kind)
};

}  // namespace ecgad::signal

namespace ecgad::detail::synth {

using signal::DriftChange;
using signal::DriftKind;
using signal::DriftScenario;

inline void validate(const DriftScenario& d, const EcgSynthConfig& c) {
  double hr_up_bpm = 0.0, hr_down_bpm = 0.0;
  for (std::size_t i = 0; i < d.changes.size(); ++i) {
    const DriftChange& ch = d.changes[i];
    const std::string name = "drift.changes[" + std::to_string(i) + "] (" +
                             signal::to_string(ch.kind) + ")";
    if (!(ch.start_s >= 0.0 && ch.start_s < c.duration_s)) {
      throw InvalidArgument(name + ".start_s must be in [0, duration_s = " +
                            format_number(c.duration_s) + ") s, got " + format_number(ch.start_s));
    }
    if (signal::is_gradual(ch.kind)) {
      if (!(ch.end_s > ch.start_s && ch.end_s <= c.duration_s)) {
        throw InvalidArgument(name + ".end_s must be in (start_s = " + format_number(ch.start_s) +
                              ", duration_s = " + format_number(c.duration_s) +
                              "] s for a gradual change, got " + format_number(ch.end_s));
      }
    } else if (ch.end_s != ch.start_s) {
      throw InvalidArgument(name + ".end_s must equal start_s = " + format_number(ch.start_s) +
                            " s for a sudden change, got " + format_number(ch.end_s));
    }
    const double m = ch.magnitude;
    switch (ch.kind) {
      case DriftKind::heart_rate_trend:
        if (!std::isfinite(m) || m == 0.0) {
          throw InvalidArgument(name + ".magnitude must be a finite non-zero change in bpm, got " +
                                format_number(m));
        }
        (m > 0.0 ? hr_up_bpm : hr_down_bpm) += m;
        break;
      case DriftKind::gain_drift:
      case DriftKind::gain_step:
        if (!(m > -1.0) || !std::isfinite(m) || m == 0.0) {
          throw InvalidArgument(name + ".magnitude must be a finite relative gain change > -1 "
                                "and != 0 (the gain stays positive), got " + format_number(m));
        }
        break;
      case DriftKind::baseline_wander_growth:
      case DriftKind::noise_rise:
      case DriftKind::electrode_noise_onset:
        require_positive_value(m, name + ".magnitude (mV rms)");
        require_in_range(m, 0.0, 10.0, name + ".magnitude", "mV rms");
        break;
      case DriftKind::polarity_inversion:
        if (m != -1.0) {
          throw InvalidArgument(name + ".magnitude must be -1 (the gain factor of an inversion), "
                                "got " + format_number(m));
        }
        break;
      case DriftKind::sampling_rate_mismatch:
        if (!(m >= 0.25 && m <= 4.0) || m == 1.0) {
          throw InvalidArgument(name + ".magnitude (actual / labelled sampling rate) must be in "
                                "[0.25, 4] and != 1, got " + format_number(m));
        }
        for (std::size_t j = 0; j < i; ++j) {
          const DriftChange& o = d.changes[j];
          if (o.kind == DriftKind::sampling_rate_mismatch && o.start_s == ch.start_s) {
            throw InvalidArgument(name + " starts at the same time as drift.changes[" +
                                  std::to_string(j) + "] (sampling_rate_mismatch), " +
                                  format_number(ch.start_s) + " s");
          }
        }
        break;
    }
  }
  const double hr_max = c.heart_rate_bpm + hr_up_bpm, hr_min = c.heart_rate_bpm + hr_down_bpm;
  if (hr_max > 250.0 || hr_min < 20.0) {
    throw InvalidArgument("drift heart_rate_trend changes take heart_rate_bpm = " +
                          format_number(c.heart_rate_bpm) + " to between " +
                          format_number(hr_min) + " and " + format_number(hr_max) +
                          " bpm; it must stay in [20, 250] bpm");
  }
  // The tachogram keeps its fluctuations in bpm, so they must stay small at the lowest rate.
  if (c.heart_rate_std_bpm > hr_min / 10.0) {
    throw InvalidArgument("heart_rate_std_bpm = " + format_number(c.heart_rate_std_bpm) +
                          " exceeds a tenth of the lowest rate the drift heart_rate_trend "
                          "changes reach (" + format_number(hr_min) + " bpm)");
  }
}

/// 0 before start_s, 1 after end_s, linear between (a step at start_s when sudden).
inline double ramp(const DriftChange& ch, double t_s) {
  if (t_s < ch.start_s) return 0.0;
  if (!signal::is_gradual(ch.kind) || t_s >= ch.end_s) return 1.0;
  return (t_s - ch.start_s) / (ch.end_s - ch.start_s);
}

/// First sample a change touches: llround(start_s fs_hz), the sample its report names.
inline Eigen::Index start_sample(const DriftChange& ch, double fs_hz) {
  return static_cast<Eigen::Index>(std::llround(ch.start_s * fs_hz));
}

/// ramp() at sample i; a sudden change is fully on from start_sample() on.
inline double ramp_at_sample(const DriftChange& ch, Eigen::Index i, double fs_hz) {
  if (!signal::is_gradual(ch.kind)) return i >= start_sample(ch, fs_hz) ? 1.0 : 0.0;
  return ramp(ch, static_cast<double>(i) / fs_hz);
}

/// Heart-rate offset of the trends at record time t_s, bpm.
inline double heart_rate_offset_bpm(const DriftScenario& d, double t_s) {
  double offset = 0.0;
  for (const auto& ch : d.changes) {
    if (ch.kind == DriftKind::heart_rate_trend) offset += ch.magnitude * ramp(ch, t_s);
  }
  return offset;
}

/// Record-to-model time map of the sampling-rate mismatches: after a mismatch of ratio r at
/// sample n0, sample n was taken (n - n0) / (r fs) seconds of model time after sample n0.
inline TimeMap time_map(const DriftScenario& d, double fs_hz) {
  std::vector<const DriftChange*> mismatches;
  for (const auto& ch : d.changes) {
    if (ch.kind == DriftKind::sampling_rate_mismatch) mismatches.push_back(&ch);
  }
  std::sort(mismatches.begin(), mismatches.end(),
            [](const DriftChange* a, const DriftChange* b) { return a->start_s < b->start_s; });
  TimeMap map;
  for (const DriftChange* ch : mismatches) {
    const double t0_s = static_cast<double>(std::llround(ch->start_s * fs_hz)) / fs_hz;
    map.add_piece(t0_s, 1.0 / ch->magnitude);
  }
  return map;
}

/// Smallest actual/labelled rate ratio of the scenario (1 without mismatch): the integration
/// rate must keep >= 1 kHz in model time.
inline double min_rate_ratio(const DriftScenario& d) {
  double r = 1.0;
  for (const auto& ch : d.changes) {
    if (ch.kind == DriftKind::sampling_rate_mismatch) r = std::min(r, ch.magnitude);
  }
  return r;
}

/// Applies the acquisition changes to `ecg_mv`: gains multiply the signal (sample n at
/// n / fs_hz; a sudden change acts from sample llround(start_s fs_hz) on), then wander and
/// noise are added.
inline void apply_acquisition_drift(Eigen::VectorXd& ecg_mv, const DriftScenario& d,
                                    double fs_hz, std::uint64_t seed) {
  const Eigen::Index n = ecg_mv.size();
  auto first_sample = [&](const DriftChange& ch) {
    return std::min(n, static_cast<Eigen::Index>(std::floor(ch.start_s * fs_hz)));
  };
  for (const auto& ch : d.changes) {
    if (ch.kind == DriftKind::gain_step || ch.kind == DriftKind::polarity_inversion) {
      const double factor = ch.kind == DriftKind::polarity_inversion ? -1.0 : 1.0 + ch.magnitude;
      const Eigen::Index s0 = std::min(n, start_sample(ch, fs_hz));
      ecg_mv.segment(s0, n - s0) *= factor;
    } else if (ch.kind == DriftKind::gain_drift) {
      for (Eigen::Index i = first_sample(ch); i < n; ++i) {
        ecg_mv[i] *= 1.0 + ch.magnitude * ramp_at_sample(ch, i, fs_hz);
      }
    }
  }
  for (std::size_t c = 0; c < d.changes.size(); ++c) {
    const DriftChange& ch = d.changes[c];
    Band band{};
    switch (ch.kind) {
      case DriftKind::baseline_wander_growth: band = wander_band(); break;
      case DriftKind::noise_rise: band = emg_band(fs_hz); break;
      case DriftKind::electrode_noise_onset: band = motion_band(fs_hz); break;
      default: continue;
    }
    const Eigen::Index s0 = first_sample(ch);
    if (s0 >= n) continue;
    Xoshiro256ss rng(seed, kStreamDriftNoise + c);
    const Eigen::VectorXd noise = band_noise(n - s0, fs_hz, band, rng);
    for (Eigen::Index i = s0; i < n; ++i) {
      ecg_mv[i] += ch.magnitude * ramp_at_sample(ch, i, fs_hz) * noise[i - s0];
    }
  }
}

}  // namespace ecgad::detail::synth
