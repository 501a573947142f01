#pragma once
// ECG signal quality per window: flatline, saturation/clipping, lead-off, the share of
// high-frequency (> 40 Hz) and baseline (<= 1 Hz) power, and the spectral and statistical
// signal-quality indices of Li, Mark & Clifford, "Robust heart rate estimation from multiple
// asynchronous noisy sources using signal quality indices and a Kalman filter", Physiol. Meas.
// 29(1):15-32, 2008, as used by Behar et al., "ECG signal quality during arrhythmia and its
// application to false alarm reduction", IEEE TBME 60(6):1660-1666, 2013:
//   kSQI   = Pearson kurtosis E[(x - mean)^4] / var^2 (3 for Gaussian noise, > 5 for clean ECG)
//   pSQI   = P[5, 15 Hz] / P[5, 40 Hz]       (the QRS band's share of the ECG band)
//   basSQI = 1 - P[0, 1 Hz] / P[0, 40 Hz]    (1 = no baseline wander). Note the form: some
//            implementations compute (1 - P[0,1]) / P[0,40], which is not a ratio at all.
// Powers come from a Welch PSD of the window (welch.hpp: Hann, 50 % overlap, segments of
// psd_segment_s, default 4 s = 0.25 Hz bins), summed over the bins inside each band.
//
// The indices are folded into one score in [0, 1] and a grade that the pipelines use to keep bad
// data out of training and drift statistics. Each index maps to a membership in [0, 1] that
// ramps linearly between a "bad" and a "good" threshold (QualityThresholds); the score is the
// smallest membership (the weakest index decides), 0 when the lead is off. Grades: good when
// score >= 0.7, acceptable when >= 0.3, unusable below. Thresholds and their validation on the
// MIT-BIH Noise Stress Test noise: docs/quality.md.
//
// Signals are in millivolts (the amplitude thresholds are in mV) and are assessed as given: pass
// the raw signal to judge the recording, a cleaned one to judge what the model will see.

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/ring.hpp"
#include "ecgad/signal/welch.hpp"

namespace ecgad::signal {

/// Quality grade of a window, best first.
enum class QualityGrade { good, acceptable, unusable };

/// "good", "acceptable" or "unusable".
inline const char* to_string(QualityGrade g) {
  switch (g) {
    case QualityGrade::good: return "good";
    case QualityGrade::acceptable: return "acceptable";
    case QualityGrade::unusable: return "unusable";
  }
  return "?";
}

/// Where each index's membership ramps from 0 (at `*_bad`) to 1 (at `*_good`), and the score
/// cut-offs of the grades. Defaults: docs/quality.md (kSQI: 3 is Gaussian noise, > 5 clean ECG,
/// Li et al. 2008; pSQI: < 0.5 suspicious, Zhao & Zhang, Front. Physiol. 9:727, 2018).
struct QualityThresholds {
  double ksqi_bad = 3.0, ksqi_good = 5.0;
  double psqi_bad = 0.25, psqi_good = 0.5;
  double bassqi_bad = 0.4, bassqi_good = 0.8;
  double hf_share_good = 0.15, hf_share_bad = 0.5;            ///< P(> 40 Hz) / P(all)
  double flatline_good = 0.02, flatline_bad = 0.2;            ///< fraction of the window
  double saturation_good = 0.005, saturation_bad = 0.05;      ///< fraction of the window
  double good_score = 0.7;        ///< score >= this: good
  double acceptable_score = 0.3;  ///< score >= this: acceptable; below: unusable
};

/// Parameters of the quality assessment. Durations in s, amplitudes in mV.
struct QualityConfig {
  double window_s = 10.0;  ///< window length (Li et al. 2008 and Behar et al. 2013 use 10 s)
  double hop_s = 10.0;     ///< start-to-start distance of consecutive windows
  double psd_segment_s = 4.0;  ///< Welch segment (<= window_s): 0.25 Hz bins resolve the 1 Hz edge
  /// Flatline: a run of consecutive samples whose range (max - min) stays <= flat_range_mv for
  /// at least flat_min_s. Clean MIT-BIH records (5 uV steps) never stay within 10 uV for more
  /// than 70 ms, but a noise-free ECG's TP segment can at 50 bpm (~0.3 s); 1 s is longer than
  /// any TP segment above 30 bpm, and far shorter than a disconnected lead.
  double flat_range_mv = 0.01;
  double flat_min_s = 1.0;
  /// ADC rails in mV, when known (e.g. from a WFDB header: (0 - adc_zero) / gain ...): samples
  /// within clip_tolerance_mv of a rail are saturated. When unknown, saturation is detected as
  /// plateaus at the window's extremes: runs of >= clip_min_s within clip_tolerance_mv of the
  /// window's maximum (or minimum). R-wave tops of clean MIT-BIH records stay on one ADC value
  /// for at most ~28 ms.
  std::optional<double> adc_min_mv;
  std::optional<double> adc_max_mv;
  double clip_tolerance_mv = 0.001;
  double clip_min_s = 0.04;
  /// Lead-off: window standard deviation below lead_off_std_mv (an open input shows amplifier
  /// noise of a few uV; ECG is > 0.05 mV), or at least lead_off_saturation of the window at a
  /// rail or an extreme plateau.
  double lead_off_std_mv = 0.01;
  double lead_off_saturation = 0.5;
  QualityThresholds thresholds;
};

/// Quality of one window.
struct WindowQuality {
  Eigen::Index start_sample = 0;  ///< first sample of the window in the signal
  Eigen::Index n_samples = 0;     ///< window length in samples
  double flatline_fraction = 0.0;    ///< share of samples in flat runs
  double saturation_fraction = 0.0;  ///< share of samples at a rail or on an extreme plateau
  bool lead_off = false;
  double std_mv = 0.0;          ///< population standard deviation of the window
  double hf_noise_share = 0.0;  ///< P(f > 40 Hz) / P(all f)
  double baseline_share = 0.0;  ///< P(f <= 1 Hz) / P(all f)
  double ksqi = 0.0;    ///< Pearson kurtosis; 0 for a constant window
  double psqi = 0.0;    ///< P[5, 15] / P[5, 40]; 0 when P[5, 40] = 0
  double bassqi = 0.0;  ///< 1 - P[0, 1] / P[0, 40]; 0 when P[0, 40] = 0
  double score = 0.0;   ///< min of the index memberships, in [0, 1]; 0 when lead_off
  QualityGrade grade = QualityGrade::unusable;
};

/// Membership of an index: 0 at `bad`, 1 at `good`, linear between, clamped (works for either
/// direction: bad > good means "smaller is better").
inline double quality_membership(double value, double bad, double good) {
  const double t = (value - bad) / (good - bad);
  return std::clamp(t, 0.0, 1.0);
}

/// The score (smallest membership; 0 when the lead is off) and grade of a window's indices.
inline void grade_window(WindowQuality& q, const QualityThresholds& t) {
  double score = std::min({quality_membership(q.ksqi, t.ksqi_bad, t.ksqi_good),
                           quality_membership(q.psqi, t.psqi_bad, t.psqi_good),
                           quality_membership(q.bassqi, t.bassqi_bad, t.bassqi_good),
                           quality_membership(q.hf_noise_share, t.hf_share_bad, t.hf_share_good),
                           quality_membership(q.flatline_fraction, t.flatline_bad,
                                              t.flatline_good),
                           quality_membership(q.saturation_fraction, t.saturation_bad,
                                              t.saturation_good)});
  if (q.lead_off) score = 0.0;
  q.score = score;
  q.grade = score >= t.good_score         ? QualityGrade::good
            : score >= t.acceptable_score ? QualityGrade::acceptable
                                          : QualityGrade::unusable;
}

namespace detail {

// Lowest sampling rate at which the 5-40 Hz band (pSQI) and the > 40 Hz band are below Nyquist.
inline constexpr double kMinQualityFsHz = 80.0;

inline Eigen::Index seconds_to_samples(double seconds, double fs_hz) {
  return static_cast<Eigen::Index>(std::llround(seconds * fs_hz));
}

inline void require_in(double value, double lo, double hi, const char* name, const char* unit) {
  if (!(value >= lo && value <= hi)) {
    throw InvalidArgument(std::string(name) + " must be in [" + format_number(lo) + ", " +
                          format_number(hi) + "] " + unit + ", got " + format_number(value));
  }
}

inline void validate_thresholds(const QualityThresholds& t) {
  const auto pair = [](double bad, double good, const char* name) {
    if (!std::isfinite(bad) || !std::isfinite(good) || bad == good) {
      throw InvalidArgument(std::string("thresholds.") + name +
                            " bad and good must be finite and differ, got bad = " +
                            format_number(bad) + ", good = " + format_number(good));
    }
  };
  pair(t.ksqi_bad, t.ksqi_good, "ksqi");
  pair(t.psqi_bad, t.psqi_good, "psqi");
  pair(t.bassqi_bad, t.bassqi_good, "bassqi");
  pair(t.hf_share_bad, t.hf_share_good, "hf_share");
  pair(t.flatline_bad, t.flatline_good, "flatline");
  pair(t.saturation_bad, t.saturation_good, "saturation");
  require_in(t.good_score, 0.0, 1.0, "thresholds.good_score", "");
  require_in(t.acceptable_score, 0.0, t.good_score, "thresholds.acceptable_score",
             "(and <= good_score)");
}

// Everything derived from (fs_hz, config) once, plus the scratch the per-window computation
// needs, so assessing a window allocates nothing. Both the offline functions and the streaming
// assessor run windows through this, hence identical results.
class QualityKernel {
 public:
  QualityKernel() = default;

  void setup(double fs_hz, const QualityConfig& c) {
    require_positive(fs_hz, "fs_hz");
    if (!(fs_hz > kMinQualityFsHz)) {
      throw InvalidArgument("signal quality needs fs_hz > 80 Hz so that the 5-40 Hz band lies "
                            "below the Nyquist frequency, got " + format_number(fs_hz));
    }
    require_positive(c.window_s, "window_s");
    require_positive(c.hop_s, "hop_s");
    require_positive(c.psd_segment_s, "psd_segment_s");
    if (c.psd_segment_s > c.window_s) {
      throw InvalidArgument("psd_segment_s (" + format_number(c.psd_segment_s) +
                            " s) must not exceed window_s (" + format_number(c.window_s) + " s)");
    }
    if (c.psd_segment_s * fs_hz < 2.0 || c.window_s * fs_hz > 1e9 || c.hop_s * fs_hz < 0.5) {
      throw InvalidArgument("window_s, hop_s and psd_segment_s must span at least 1, 1 and 2 "
                            "samples and at most 1e9; got " + format_number(c.window_s) + ", " +
                            format_number(c.hop_s) + ", " + format_number(c.psd_segment_s) +
                            " s at " + format_number(fs_hz) + " Hz");
    }
    require_in(c.flat_range_mv, 0.0, std::numeric_limits<double>::max(), "flat_range_mv", "mV");
    require_positive(c.flat_min_s, "flat_min_s");
    require_in(c.clip_tolerance_mv, 0.0, std::numeric_limits<double>::max(), "clip_tolerance_mv",
               "mV");
    require_positive(c.clip_min_s, "clip_min_s");
    require_in(c.lead_off_std_mv, 0.0, std::numeric_limits<double>::max(), "lead_off_std_mv",
               "mV");
    require_in(c.lead_off_saturation, 0.0, 1.0, "lead_off_saturation", "");
    if (c.adc_min_mv.has_value() != c.adc_max_mv.has_value()) {
      throw InvalidArgument("adc_min_mv and adc_max_mv must be given together (or neither)");
    }
    if (c.adc_min_mv && !(std::isfinite(*c.adc_min_mv) && std::isfinite(*c.adc_max_mv) &&
                          *c.adc_min_mv < *c.adc_max_mv)) {
      throw InvalidArgument("ADC rails must be finite with adc_min_mv < adc_max_mv, got [" +
                            format_number(*c.adc_min_mv) + ", " + format_number(*c.adc_max_mv) +
                            "] mV");
    }
    validate_thresholds(c.thresholds);
    config_ = c;
    fs_hz_ = fs_hz;
    window_ = seconds_to_samples(c.window_s, fs_hz);
    hop_ = std::max<Eigen::Index>(1, seconds_to_samples(c.hop_s, fs_hz));
    flat_min_ = std::max<Eigen::Index>(1, seconds_to_samples(c.flat_min_s, fs_hz));
    clip_min_ = std::max<Eigen::Index>(1, seconds_to_samples(c.clip_min_s, fs_hz));
    welch_.setup(fs_hz, std::min(window_, seconds_to_samples(c.psd_segment_s, fs_hz)));
    psd_.resize(welch_.n_bins());
    // Band edges as bin ranges: f_k = k fs / nperseg, edges inclusive.
    const auto last_bin_at_or_below = [&](double f_hz) {
      return static_cast<Eigen::Index>(
          std::floor(f_hz * static_cast<double>(welch_.nperseg()) / fs_hz + 1e-9));
    };
    const auto first_bin_at_or_above = [&](double f_hz) {
      return static_cast<Eigen::Index>(
          std::ceil(f_hz * static_cast<double>(welch_.nperseg()) / fs_hz - 1e-9));
    };
    k1_ = last_bin_at_or_below(1.0);
    k5_ = first_bin_at_or_above(5.0);
    k15_ = last_bin_at_or_below(15.0);
    k40_ = last_bin_at_or_below(40.0);
  }

  Eigen::Index window_samples() const noexcept { return window_; }
  Eigen::Index hop_samples() const noexcept { return hop_; }
  Eigen::Index min_samples() const noexcept { return welch_.nperseg(); }
  const QualityConfig& config() const noexcept { return config_; }
  double fs_hz() const noexcept { return fs_hz_; }

  // Quality of x[0..n); n >= the Welch segment. x must be finite (checked by the callers).
  WindowQuality assess(const double* x, Eigen::Index n, Eigen::Index start_sample) {
    WindowQuality q;
    q.start_sample = start_sample;
    q.n_samples = n;
    const double dn = static_cast<double>(n);
    // Moments: two passes, so a large DC offset costs no precision.
    const double mean = sum4(x, n, [](double v) { return v; }) / dn;
    const double m2 = sum4(x, n, [mean](double v) { return (v - mean) * (v - mean); }) / dn;
    const double m4 = sum4(x, n, [mean](double v) {
                        const double d2 = (v - mean) * (v - mean);
                        return d2 * d2;
                      }) / dn;
    q.std_mv = std::sqrt(m2);
    q.ksqi = m2 > 0.0 ? m4 / (m2 * m2) : 0.0;
    q.flatline_fraction = static_cast<double>(flat_samples(x, n)) / dn;
    q.saturation_fraction = static_cast<double>(saturated_samples(x, n)) / dn;
    q.lead_off = q.std_mv < config_.lead_off_std_mv ||
                 q.saturation_fraction >= config_.lead_off_saturation;
    welch_.compute(x, n, psd_);
    const double p_total = psd_.sum();
    const double p_0_1 = psd_.head(k1_ + 1).sum();
    const double p_0_40 = psd_.head(k40_ + 1).sum();
    const double p_5_15 = psd_.segment(k5_, k15_ - k5_ + 1).sum();
    const double p_5_40 = psd_.segment(k5_, k40_ - k5_ + 1).sum();
    const double p_above_40 = psd_.tail(psd_.size() - k40_ - 1).sum();
    q.hf_noise_share = p_total > 0.0 ? p_above_40 / p_total : 0.0;
    q.baseline_share = p_total > 0.0 ? p_0_1 / p_total : 0.0;
    q.psqi = p_5_40 > 0.0 ? p_5_15 / p_5_40 : 0.0;
    q.bassqi = p_0_40 > 0.0 ? 1.0 - p_0_1 / p_0_40 : 0.0;
    grade_window(q, config_.thresholds);
    return q;
  }

 private:
  // sum_i f(x[i]) with four interleaved accumulators: a fixed order, so the same samples give the
  // same bits wherever they sit in memory (offline and streaming agree), that still pipelines.
  template <typename F>
  static double sum4(const double* x, Eigen::Index n, F f) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    Eigen::Index i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += f(x[i]);
      s1 += f(x[i + 1]);
      s2 += f(x[i + 2]);
      s3 += f(x[i + 3]);
    }
    for (; i < n; ++i) s0 += f(x[i]);
    return (s0 + s1) + (s2 + s3);
  }

  // Samples in maximal greedy runs whose range stays <= flat_range_mv for >= flat_min_ samples.
  Eigen::Index flat_samples(const double* x, Eigen::Index n) const {
    // Fast exit: such a run contains a whole block [kB, (k + 1) B) of B = (flat_min_ + 1) / 2
    // samples, so if every block spans more than flat_range_mv there is none. The blocks' min
    // and max are branch-free; the exact scan below branches on every sample.
    const Eigen::Index block = (flat_min_ + 1) / 2;
    bool maybe_flat = false;
    for (Eigen::Index b = 0; b + block <= n && !maybe_flat; b += block) {
      double lo = x[b], hi = x[b];
      for (Eigen::Index i = b + 1; i < b + block; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
      }
      maybe_flat = hi - lo <= config_.flat_range_mv;
    }
    if (!maybe_flat) return 0;
    Eigen::Index flat = 0, run_start = 0;
    double lo = x[0], hi = x[0];
    for (Eigen::Index i = 1; i <= n; ++i) {
      if (i < n) {
        const double new_lo = std::min(lo, x[i]), new_hi = std::max(hi, x[i]);
        if (new_hi - new_lo <= config_.flat_range_mv) {
          lo = new_lo;
          hi = new_hi;
          continue;
        }
      }
      if (i - run_start >= flat_min_) flat += i - run_start;
      run_start = i;
      if (i < n) lo = hi = x[i];
    }
    return flat;
  }

  // Samples at a rail (rails known), or in runs of >= clip_min_ samples within the tolerance of
  // the window's maximum or minimum (rails unknown). A sample near both extremes (a flat
  // window) counts once, as "upper".
  Eigen::Index saturated_samples(const double* x, Eigen::Index n) const {
    const double tol = config_.clip_tolerance_mv;
    if (config_.adc_min_mv) {
      const double top = *config_.adc_max_mv - tol, bottom = *config_.adc_min_mv + tol;
      Eigen::Index count = 0;
      for (Eigen::Index i = 0; i < n; ++i) count += (x[i] >= top || x[i] <= bottom) ? 1 : 0;
      return count;
    }
    double max = x[0], min = x[0];
    for (Eigen::Index i = 1; i < n; ++i) {
      max = std::max(max, x[i]);
      min = std::min(min, x[i]);
    }
    // Fast exit: a plateau needs clip_min_ samples near one extreme; a clean window has a few.
    Eigen::Index near_max = 0, near_min = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      near_max += x[i] >= max - tol ? 1 : 0;
      near_min += x[i] <= min + tol ? 1 : 0;
    }
    if (near_max < clip_min_ && near_min < clip_min_) return 0;
    const auto side = [&](double v) { return v >= max - tol ? 1 : v <= min + tol ? -1 : 0; };
    Eigen::Index count = 0, run = 0;
    int run_side = 0;
    for (Eigen::Index i = 0; i <= n; ++i) {
      const int s = i < n ? side(x[i]) : 0;
      if (s != 0 && s == run_side) {
        ++run;
        continue;
      }
      if (run_side != 0 && run >= clip_min_) count += run;
      run_side = s;
      run = s != 0 ? 1 : 0;
    }
    return count;
  }

  QualityConfig config_;
  double fs_hz_ = 0.0;
  Eigen::Index window_ = 0, hop_ = 0, flat_min_ = 0, clip_min_ = 0;
  Eigen::Index k1_ = 0, k5_ = 0, k15_ = 0, k40_ = 0;
  WelchEstimator welch_;
  Eigen::VectorXd psd_;
};

}  // namespace detail

/// Quality of `x` taken as one window (all of it), sampled at fs_hz > 80 Hz, in mV.
/// x needs at least psd_segment_s of samples (Welch); config.window_s and hop_s are not used.
inline WindowQuality window_quality(const Eigen::Ref<const Eigen::VectorXd>& x, double fs_hz,
                                    const QualityConfig& config = {}) {
  QualityConfig c = config;
  c.window_s = std::max(c.window_s, c.psd_segment_s);  // only the segment length matters here
  detail::QualityKernel kernel;
  kernel.setup(fs_hz, c);
  detail::require_finite(x, "signal");
  if (x.size() < kernel.min_samples()) {
    throw InvalidArgument("signal of " + std::to_string(x.size()) +
                          " samples is shorter than one Welch segment (psd_segment_s = " +
                          detail::format_number(c.psd_segment_s) + " s = " +
                          std::to_string(kernel.min_samples()) + " samples)");
  }
  return kernel.assess(x.data(), x.size(), 0);
}

/// Quality of every complete window of `signal` (in mV, fs_hz > 80 Hz): windows of window_s
/// starting at 0, hop_s, 2 hop_s, ...; a trailing partial window is not assessed. A signal
/// shorter than one window gives no windows.
inline std::vector<WindowQuality> signal_quality(const Eigen::Ref<const Eigen::VectorXd>& signal,
                                                 double fs_hz, const QualityConfig& config = {}) {
  detail::QualityKernel kernel;
  kernel.setup(fs_hz, config);
  detail::require_finite(signal, "signal");
  std::vector<WindowQuality> out;
  const Eigen::Index w = kernel.window_samples(), hop = kernel.hop_samples();
  if (signal.size() >= w) out.reserve(static_cast<std::size_t>((signal.size() - w) / hop + 1));
  for (Eigen::Index start = 0; start + w <= signal.size(); start += hop) {
    out.push_back(kernel.assess(signal.data() + start, w, start));
  }
  return out;
}

/// Streaming quality assessment with the output of signal_quality(), whatever the chunking.
/// Keeps a ring of one window; process() returns the windows completed by the chunk (allocating
/// only that result) and never allocates per sample.
class QualityAssessor {
 public:
  QualityAssessor() = default;
  explicit QualityAssessor(double fs_hz, const QualityConfig& config = {}) {
    setup(fs_hz, config);
  }

  /// Sets the parameters, allocates the buffers and starts a new stream.
  void setup(double fs_hz, const QualityConfig& config = {}) {
    kernel_.setup(fs_hz, config);
    const auto w = static_cast<std::size_t>(kernel_.window_samples());
    ring_.assign(w, 0.0);
    window_.assign(w, 0.0);
    is_setup_ = true;
    reset();
  }

  /// Starts a new stream at sample 0, keeping the parameters.
  void reset() {
    require_setup();
    samples_seen_ = 0;
    next_start_ = 0;
  }

  /// Pushes the next chunk (mV); returns the quality of each window completed by it.
  std::vector<WindowQuality> process(const Eigen::Ref<const Eigen::VectorXd>& chunk) {
    require_setup();
    detail::require_finite(chunk, "signal chunk");
    std::vector<WindowQuality> out;
    const Eigen::Index w = kernel_.window_samples();
    const Eigen::Index end = samples_seen_ + chunk.size();
    Eigen::Index pushed = 0;
    while (next_start_ + w <= end) {
      const Eigen::Index take = std::max<Eigen::Index>(0, next_start_ + w - samples_seen_);
      push(chunk.data() + pushed, take);
      pushed += take;
      // The window is the whole ring, oldest sample (next_start_) first.
      const auto split = ring_.begin() + next_start_ % w;
      std::copy(split, ring_.end(), window_.begin());
      std::copy(ring_.begin(), split, window_.end() - (split - ring_.begin()));
      out.push_back(kernel_.assess(window_.data(), w, next_start_));
      next_start_ += kernel_.hop_samples();
    }
    push(chunk.data() + pushed, chunk.size() - pushed);
    return out;
  }

  Eigen::Index samples_seen() const noexcept { return samples_seen_; }
  Eigen::Index window_samples() const noexcept { return kernel_.window_samples(); }
  Eigen::Index hop_samples() const noexcept { return kernel_.hop_samples(); }
  double fs_hz() const noexcept { return kernel_.fs_hz(); }
  const QualityConfig& config() const noexcept { return kernel_.config(); }
  bool is_setup() const noexcept { return is_setup_; }

 private:
  void require_setup() const {
    if (!is_setup_) throw StateError("QualityAssessor used before setup(fs_hz, config)");
  }

  // Stores samples; with hop > window, samples between windows are counted but never needed.
  void push(const double* x, Eigen::Index count) {
    detail::ring_write(ring_, samples_seen_, x, count);
    samples_seen_ += count;
  }

  detail::QualityKernel kernel_;
  std::vector<double> ring_;
  std::vector<double> window_;
  bool is_setup_ = false;
  Eigen::Index samples_seen_ = 0;
  Eigen::Index next_start_ = 0;
};

}  // namespace ecgad::signal
