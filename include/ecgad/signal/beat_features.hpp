#pragma once
// Model inputs of beats (docs/model.md, "Model input"): one float row of
// input_size = channels * L + n_extra values per beat, channel-major, then the extra features,
// computed causally against the stream's running BeatReference (signal/beat_reference.hpp).
//
// Channels (each L values):
// - beat_zscore: the beat as segmented, z-scored on its own (BeatZScore) — the per-beat input
//   of the TensorFlow ECG autoencoder tutorial, kept as the patient-independent baseline.
// - beat_scaled: the aligned beat minus the reference's mean, over the reference's standard
//   deviation: the patient's scale, so amplitude changes relative to the patient remain.
// - residual: (aligned beat - median beat) / std(median beat), smoothed by a centred moving
//   average of residual_smooth_points (edge values repeated). Normal beats give a residual near
//   zero whoever the patient is; the moving average (5 points = 25 ms on the default 200 Hz
//   grid, first zero at 40 Hz) takes out the in-band muscle noise the residual would otherwise
//   carry, while ectopic morphology is broad.
// Extras: rr_gain * log(rr / median RR) for rr = RR-before (prematurity) and RR-after (the
// compensatory pause). The log makes early and late symmetric; the gain sets their weight in the
// reconstruction error, which averages over all input_size values (with 142 values, a beat 25 %
// premature adds 30 * 0.29 / 142 = 0.06 to the MAE, about the MAE of a normal beat). An unknown
// interval (NaN, at the ends of a stream) or a reference without RR gives 0 (= normal).
//
// A reference whose standard deviation is <= constant_tolerance (a flat line) scales by 1, as the
// normalisers do (signal/normalize.hpp). The first beat of a stream has no reference: it is its
// own reference (residual 0); `warm` tells which beats were computed against a reference that
// held warmup_beats beats.
//
// The extractor processes beats in stream order, one at a time, so its output never depends on
// how the stream was cut into calls; its per-beat path allocates nothing.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/beat_reference.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/normalize.hpp"

namespace ecgad::signal {

/// The channels a model input can hold (see the file comment).
enum class FeatureChannel { beat_zscore, beat_scaled, residual };

/// The scalar features after the channels.
enum class ExtraFeature { log_rr_before, log_rr_after };

/// "beat_zscore", "beat_scaled" or "residual".
inline const char* to_string(FeatureChannel c) {
  switch (c) {
    case FeatureChannel::beat_zscore: return "beat_zscore";
    case FeatureChannel::beat_scaled: return "beat_scaled";
    case FeatureChannel::residual: return "residual";
  }
  return "?";
}

/// "log_rr_before" or "log_rr_after".
inline const char* to_string(ExtraFeature e) {
  switch (e) {
    case ExtraFeature::log_rr_before: return "log_rr_before";
    case ExtraFeature::log_rr_after: return "log_rr_after";
  }
  return "?";
}

/// Parses a name written by to_string(FeatureChannel).
inline FeatureChannel parse_feature_channel(std::string_view name) {
  for (FeatureChannel c :
       {FeatureChannel::beat_zscore, FeatureChannel::beat_scaled, FeatureChannel::residual}) {
    if (name == to_string(c)) return c;
  }
  throw InvalidArgument("unknown feature channel '" + std::string(name) +
                        "'; expected one of beat_zscore, beat_scaled, residual");
}

/// Parses a name written by to_string(ExtraFeature).
inline ExtraFeature parse_extra_feature(std::string_view name) {
  for (ExtraFeature e : {ExtraFeature::log_rr_before, ExtraFeature::log_rr_after}) {
    if (name == to_string(e)) return e;
  }
  throw InvalidArgument("unknown extra feature '" + std::string(name) +
                        "'; expected one of log_rr_before, log_rr_after");
}

/// What goes into a model input. Defaults: the input evaluated best in docs/model.md
/// (residual channel + both RR features, reference of 32 beats).
struct BeatFeatureConfig {
  std::vector<FeatureChannel> channels{FeatureChannel::residual};
  std::vector<ExtraFeature> extras{ExtraFeature::log_rr_before, ExtraFeature::log_rr_after};
  double rr_gain = 30.0;                     ///< weight of the log-RR extras, > 0
  Eigen::Index residual_smooth_points = 5;   ///< odd, 1..L; 1 = no smoothing
  double constant_tolerance = 1e-6;          ///< reference std at or below this scales by 1
  BeatReferenceConfig reference;             ///< includes the beat length L

  Eigen::Index length() const noexcept { return reference.length; }
  Eigen::Index n_channels() const noexcept { return static_cast<Eigen::Index>(channels.size()); }
  Eigen::Index n_extra() const noexcept { return static_cast<Eigen::Index>(extras.size()); }
  /// channels * L + n_extra: the model's input width.
  Eigen::Index input_size() const noexcept { return n_channels() * length() + n_extra(); }
};

/// A BeatFeatureConfig as names and numbers (what the model bundle's preprocessing section
/// stores as JSON); integers and the flag rr_from_accepted are stored as doubles.
struct BeatFeatureParams {
  std::vector<std::string> channels;
  std::vector<std::string> extras;
  std::map<std::string, double> numbers;
};

/// Throws InvalidArgument naming the first parameter out of range.
inline void validate_feature_config(const BeatFeatureConfig& c) {
  detail::validate_reference_config(c.reference);
  if (c.channels.empty() && c.extras.empty()) {
    throw InvalidArgument("a feature set needs at least one channel or extra feature");
  }
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (c.channels[i] == c.channels[j]) {
        throw InvalidArgument(std::string("feature channel '") + to_string(c.channels[i]) +
                              "' is listed twice");
      }
    }
  }
  for (std::size_t i = 0; i < c.extras.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (c.extras[i] == c.extras[j]) {
        throw InvalidArgument(std::string("extra feature '") + to_string(c.extras[i]) +
                              "' is listed twice");
      }
    }
  }
  if (!(c.rr_gain > 0.0) || !std::isfinite(c.rr_gain)) {
    throw InvalidArgument("rr_gain must be a finite number > 0, got " +
                          detail::format_number(c.rr_gain));
  }
  if (c.residual_smooth_points < 1 || c.residual_smooth_points % 2 == 0 ||
      c.residual_smooth_points > c.reference.length) {
    throw InvalidArgument("residual_smooth_points must be odd and in [1, L = " +
                          std::to_string(c.reference.length) + "], got " +
                          std::to_string(c.residual_smooth_points));
  }
  if (!(c.constant_tolerance >= 0.0) || !std::isfinite(c.constant_tolerance)) {
    throw InvalidArgument("constant_tolerance must be a finite number >= 0, got " +
                          detail::format_number(c.constant_tolerance));
  }
}

/// The config as names and numbers; feature_config_from_params() reads it back exactly.
inline BeatFeatureParams to_params(const BeatFeatureConfig& c) {
  BeatFeatureParams p;
  for (FeatureChannel ch : c.channels) p.channels.emplace_back(to_string(ch));
  for (ExtraFeature e : c.extras) p.extras.emplace_back(to_string(e));
  const BeatReferenceConfig& r = c.reference;
  p.numbers = {
      {"length", static_cast<double>(r.length)},
      {"rr_gain", c.rr_gain},
      {"residual_smooth_points", static_cast<double>(c.residual_smooth_points)},
      {"constant_tolerance", c.constant_tolerance},
      {"reference_beats", static_cast<double>(r.reference_beats)},
      {"reference_rr", static_cast<double>(r.reference_rr)},
      {"gate_rr_ratio", r.gate_rr_ratio},
      {"warmup_beats", static_cast<double>(r.warmup_beats)},
      {"max_rejected_beats", static_cast<double>(r.max_rejected_beats)},
      {"max_shift_points", static_cast<double>(r.max_shift_points)},
      {"rr_from_accepted", r.rr_from_accepted ? 1.0 : 0.0},
  };
  return p;
}

namespace detail {

inline Eigen::Index integer_param(const std::map<std::string, double>& numbers,
                                  const char* name) {
  const double v = numbers.at(name);
  if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 1e15) {
    throw InvalidArgument(std::string("feature parameter '") + name +
                          "' must be an integer, got " + format_number(v));
  }
  return static_cast<Eigen::Index>(v);
}

}  // namespace detail

/// Reads params written by to_params(). Every number must be present (a default that changed
/// between versions would silently change what a stored model means); unknown names, missing
/// keys, non-integers where integers belong and out-of-range values are InvalidArgument.
inline BeatFeatureConfig feature_config_from_params(const BeatFeatureParams& p) {
  static const char* const kKeys[] = {
      "length",          "rr_gain",      "residual_smooth_points", "constant_tolerance",
      "reference_beats", "reference_rr", "gate_rr_ratio",          "warmup_beats",
      "max_rejected_beats", "max_shift_points", "rr_from_accepted"};
  for (const auto& [name, value] : p.numbers) {
    // Init-capture: a C++17 lambda cannot capture a structured binding (clang refuses it).
    const bool known = std::any_of(std::begin(kKeys), std::end(kKeys),
                                   [&key = name](const char* k) { return key == k; });
    if (!known) {
      throw InvalidArgument("unknown feature parameter '" + name +
                            "'; expected length, rr_gain, residual_smooth_points, "
                            "constant_tolerance, reference_beats, reference_rr, gate_rr_ratio, "
                            "warmup_beats, max_rejected_beats, max_shift_points, "
                            "rr_from_accepted");
    }
    if (!std::isfinite(value)) {
      throw InvalidArgument("feature parameter '" + name + "' must be finite, got " +
                            detail::format_number(value));
    }
  }
  for (const char* k : kKeys) {
    if (p.numbers.find(k) == p.numbers.end()) {
      throw InvalidArgument(std::string("missing feature parameter '") + k + "'");
    }
  }
  BeatFeatureConfig c;
  c.channels.clear();
  c.extras.clear();
  for (const std::string& name : p.channels) c.channels.push_back(parse_feature_channel(name));
  for (const std::string& name : p.extras) c.extras.push_back(parse_extra_feature(name));
  c.rr_gain = p.numbers.at("rr_gain");
  c.residual_smooth_points = detail::integer_param(p.numbers, "residual_smooth_points");
  c.constant_tolerance = p.numbers.at("constant_tolerance");
  BeatReferenceConfig& r = c.reference;
  r.length = detail::integer_param(p.numbers, "length");
  r.reference_beats = detail::integer_param(p.numbers, "reference_beats");
  r.reference_rr = detail::integer_param(p.numbers, "reference_rr");
  r.gate_rr_ratio = p.numbers.at("gate_rr_ratio");
  r.warmup_beats = detail::integer_param(p.numbers, "warmup_beats");
  r.max_rejected_beats = detail::integer_param(p.numbers, "max_rejected_beats");
  r.max_shift_points = detail::integer_param(p.numbers, "max_shift_points");
  const double flag = p.numbers.at("rr_from_accepted");
  if (flag != 0.0 && flag != 1.0) {
    throw InvalidArgument("feature parameter 'rr_from_accepted' must be 0 or 1, got " +
                          detail::format_number(flag));
  }
  r.rr_from_accepted = flag == 1.0;
  validate_feature_config(c);
  return c;
}

/// Model inputs of a run of beats and what the reference did with each.
struct BeatFeatures {
  BeatMatrix features;          ///< N x input_size, float
  IndexVector shift_points;     ///< alignment shift of each beat (grid points)
  Eigen::Matrix<bool, Eigen::Dynamic, 1> accepted;  ///< the beat entered the reference
  /// The reference held warmup_beats beats when this beat was compared with it.
  Eigen::Matrix<bool, Eigen::Dynamic, 1> warm;

  Eigen::Index size() const noexcept { return features.rows(); }
};

/// What happened to one beat (BeatFeatureExtractor::process_beat).
struct BeatOutcome {
  Eigen::Index shift_points = 0;
  bool accepted = false;
  bool warm = false;
};

/// Streaming model-input extraction: owns the stream's BeatReference and turns each beat, in
/// stream order, into its model input (see the file comment). setup()/reset()/process().
class BeatFeatureExtractor {
 public:
  BeatFeatureExtractor() = default;
  explicit BeatFeatureExtractor(const BeatFeatureConfig& config) { setup(config); }

  /// Sets the feature set, allocates every buffer and starts a new stream.
  void setup(const BeatFeatureConfig& config) {
    validate_feature_config(config);
    config_ = config;
    reference_.setup(config.reference);
    const auto l = static_cast<std::size_t>(config.length());
    const auto h = static_cast<std::size_t>(config.residual_smooth_points / 2);
    aligned_.assign(l, 0.0f);
    prefix_.assign(l + 2 * h + 1, 0.0);
    is_setup_ = true;
  }

  /// Forgets the stream (empty reference), keeping the feature set.
  void reset() {
    require_setup();
    reference_.reset();
  }

  /// The input row of one beat (L floats) with its RR-before and RR-after in seconds (NaN when
  /// unknown), written to `out` (input_size floats), then the beat is offered to the reference.
  /// The caller validates: finite beat, RR NaN or finite > 0 (process() does). No allocation.
  BeatOutcome process_beat(const float* beat, double rr_before_s, double rr_after_s,
                           float* out) {
    require_setup();
    const Eigen::Index l = config_.length();
    BeatOutcome outcome;
    outcome.warm = reference_.is_warm();
    outcome.shift_points = reference_.align(beat, aligned_.data());
    const bool has_reference = reference_.beats_held() > 0;
    const float* ref = has_reference ? reference_.median_beat().data() : aligned_.data();
    const detail::Moments m = detail::moments(Eigen::Map<const Eigen::RowVectorXf>(ref, l));
    const double scale = m.std > config_.constant_tolerance ? m.std : 1.0;
    float* dst = out;
    for (FeatureChannel ch : config_.channels) {
      switch (ch) {
        case FeatureChannel::beat_zscore: {
          std::copy(beat, beat + l, dst);
          BeatZScore(config_.constant_tolerance)
              .transform_inplace(Eigen::Map<BeatMatrix>(dst, 1, l));
          break;
        }
        case FeatureChannel::beat_scaled:
          for (Eigen::Index j = 0; j < l; ++j) {
            dst[j] = static_cast<float>((static_cast<double>(aligned_[idx(j)]) - m.mean) / scale);
          }
          break;
        case FeatureChannel::residual:
          write_residual(ref, scale, dst);
          break;
      }
      dst += l;
    }
    const double rr_ref = reference_.median_rr_s();
    for (ExtraFeature e : config_.extras) {
      const double rr = e == ExtraFeature::log_rr_before ? rr_before_s : rr_after_s;
      *dst++ = std::isnan(rr) || std::isnan(rr_ref)
                   ? 0.0f
                   : static_cast<float>(config_.rr_gain * std::log(rr / rr_ref));
    }
    outcome.accepted = reference_.update(aligned_.data(), rr_before_s);
    return outcome;
  }

  /// Features of the next beats of the stream (rows of `beats`, in order) with their RR-before
  /// and RR-after in seconds (NaN = unknown). Validates everything before touching the state.
  BeatFeatures process(const Eigen::Ref<const BeatMatrix>& beats,
                       const Eigen::Ref<const Eigen::VectorXd>& rr_before_s,
                       const Eigen::Ref<const Eigen::VectorXd>& rr_after_s) {
    require_setup();
    const Eigen::Index n = beats.rows();
    if (n > 0 && beats.cols() != config_.length()) {
      throw InvalidArgument("beats have " + std::to_string(beats.cols()) +
                            " points, but the feature set expects L = " +
                            std::to_string(config_.length()));
    }
    if (rr_before_s.size() != n || rr_after_s.size() != n) {
      throw InvalidArgument("rr_before_s and rr_after_s must hold one value per beat (" +
                            std::to_string(n) + "), got " + std::to_string(rr_before_s.size()) +
                            " and " + std::to_string(rr_after_s.size()));
    }
    detail::require_beats(beats, "beats");
    require_rr(rr_before_s, "rr_before_s");
    require_rr(rr_after_s, "rr_after_s");
    BeatFeatures f;
    f.features.resize(n, config_.input_size());
    f.shift_points.resize(n);
    f.accepted.resize(n);
    f.warm.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const BeatOutcome o = process_beat(beats.row(i).data(), rr_before_s[i], rr_after_s[i],
                                         f.features.row(i).data());
      f.shift_points[i] = o.shift_points;
      f.accepted[i] = o.accepted;
      f.warm[i] = o.warm;
    }
    return f;
  }

  /// process() for segmented beats (segment_beats() or a BeatSegmenter's output).
  BeatFeatures process(const Beats& beats) {
    return process(beats.beats, beats.rr_before_s, beats.rr_after_s);
  }

  const BeatFeatureConfig& config() const noexcept { return config_; }
  Eigen::Index input_size() const noexcept { return config_.input_size(); }
  /// The stream's reference (median beat, median RR, counters).
  const BeatReference& reference() const noexcept { return reference_; }
  /// The stream state (the reference's); restore() it into an extractor with the same feature
  /// set to resume the stream there.
  BeatReferenceState state() const {
    require_setup();
    return reference_.state();
  }
  void restore(const BeatReferenceState& state) {
    require_setup();
    reference_.restore(state);
  }
  bool is_setup() const noexcept { return is_setup_; }

 private:
  static std::size_t idx(Eigen::Index j) { return static_cast<std::size_t>(j); }

  void require_setup() const {
    if (!is_setup_) throw StateError("BeatFeatureExtractor used before setup(config)");
  }

  static void require_rr(const Eigen::Ref<const Eigen::VectorXd>& rr, const char* what) {
    for (Eigen::Index i = 0; i < rr.size(); ++i) {
      const double v = rr[i];
      if (!(std::isnan(v) || (std::isfinite(v) && v > 0.0))) {
        throw InvalidArgument(std::string(what) + " must be finite and > 0 s or NaN (unknown), "
                              "but element " + std::to_string(i) + " is " +
                              detail::format_number(v));
      }
    }
  }

  // (aligned - ref) / scale, then the centred moving average with edge values repeated, via a
  // prefix sum over the padded residual (in double, so the average is exact to rounding).
  void write_residual(const float* ref, double scale, float* dst) {
    const Eigen::Index l = config_.length();
    const Eigen::Index h = config_.residual_smooth_points / 2;
    const auto residual = [&](Eigen::Index j) {
      const Eigen::Index c = std::clamp<Eigen::Index>(j, 0, l - 1);
      return (static_cast<double>(aligned_[idx(c)]) - static_cast<double>(ref[c])) / scale;
    };
    if (h == 0) {
      for (Eigen::Index j = 0; j < l; ++j) dst[j] = static_cast<float>(residual(j));
      return;
    }
    prefix_[0] = 0.0;
    for (Eigen::Index k = 0; k < l + 2 * h; ++k) {
      prefix_[idx(k + 1)] = prefix_[idx(k)] + residual(k - h);
    }
    const double w = static_cast<double>(config_.residual_smooth_points);
    for (Eigen::Index j = 0; j < l; ++j) {
      dst[j] = static_cast<float>((prefix_[idx(j + 2 * h + 1)] - prefix_[idx(j)]) / w);
    }
  }

  BeatFeatureConfig config_;
  BeatReference reference_;
  std::vector<float> aligned_;   // the current beat, aligned to the reference
  std::vector<double> prefix_;   // prefix sums of the padded residual
  bool is_setup_ = false;
};

/// Model inputs of a whole recording's beats, from a fresh reference (= a BeatFeatureExtractor
/// fed every beat in order).
inline BeatFeatures beat_features(const Beats& beats, const BeatFeatureConfig& config = {}) {
  BeatFeatureExtractor extractor(config);
  return extractor.process(beats);
}

}  // namespace ecgad::signal
