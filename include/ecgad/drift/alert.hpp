#pragma once
// The typed alerts of the drift monitor (monitor.hpp, namespace ecgad::drift): what drifted,
// since when, how strongly, the shape of the change, its probable cause and the recommended
// action, each with a stable lower-case JSON spelling.

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"

namespace ecgad::drift {

/// What drifted.
enum class AlertKind : std::int8_t {
  score = 0,       ///< anomaly scores rose (a low running quantile of their reference CDF)
  heart_rate = 1,  ///< heart rate moved (running median, both ways)
  amplitude = 2,   ///< |R amplitude| moved (running median of the log ratio): gain
  quality = 3,     ///< signal-quality score fell
  latent = 4,      ///< distance of the latent code to the reference mean code (ADWIN)
  error_rate = 5,  ///< reviewer-labelled error rate rose (DDM / HDDM_A)
  polarity = 6,    ///< the beats are inverted (template correlation, or the R sign)
  morphology = 7,  ///< the beats' correlation with the reference template beat fell
};
inline constexpr int kAlertKindCount = 8;

/// A step (most of the change within a few beats of since_s) or a trend (spread over time).
enum class ChangeShape : std::int8_t { sudden = 0, gradual = 1 };

/// The probable origin of the change.
enum class ChangeCause : std::int8_t { unknown = 0, sensor_fault = 1, physiological = 2 };

/// What the operator should do.
enum class RecommendedAction : std::int8_t {
  none_yet = 0,               ///< keep watching; the model may still be valid
  check_sensor = 1,           ///< electrode, lead or gain problem: fix the acquisition
  recalibrate_threshold = 2,  ///< the score scale moved: re-fit the threshold on recent data
  retrain = 3,                ///< the data the model sees changed: retrain the autoencoder
};

inline const char* to_string(AlertKind k) noexcept {
  static constexpr std::array<const char*, kAlertKindCount> names = {
      "score",   "heart_rate", "amplitude", "quality",
      "latent",  "error_rate", "polarity",  "morphology"};
  const int i = static_cast<int>(k);
  return i >= 0 && i < kAlertKindCount ? names[static_cast<std::size_t>(i)] : "score";
}
inline const char* to_string(ChangeShape s) noexcept {
  return s == ChangeShape::gradual ? "gradual" : "sudden";
}
inline const char* to_string(ChangeCause c) noexcept {
  return c == ChangeCause::sensor_fault    ? "sensor_fault"
         : c == ChangeCause::physiological ? "physiological"
                                           : "unknown";
}
inline const char* to_string(RecommendedAction a) noexcept {
  switch (a) {
    case RecommendedAction::check_sensor: return "check_sensor";
    case RecommendedAction::recalibrate_threshold: return "recalibrate_threshold";
    case RecommendedAction::retrain: return "retrain";
    case RecommendedAction::none_yet: break;
  }
  return "none_yet";
}

inline AlertKind parse_alert_kind(const std::string& s) {
  for (int i = 0; i < kAlertKindCount; ++i) {
    if (s == to_string(static_cast<AlertKind>(i))) return static_cast<AlertKind>(i);
  }
  throw InvalidArgument("alert kind must be one of score, heart_rate, amplitude, quality, "
                        "latent, error_rate, polarity, morphology; got '" + s + "'");
}
inline ChangeShape parse_change_shape(const std::string& s) {
  if (s == "sudden") return ChangeShape::sudden;
  if (s == "gradual") return ChangeShape::gradual;
  throw InvalidArgument("alert shape must be 'sudden' or 'gradual', got '" + s + "'");
}
inline ChangeCause parse_change_cause(const std::string& s) {
  if (s == "unknown") return ChangeCause::unknown;
  if (s == "sensor_fault") return ChangeCause::sensor_fault;
  if (s == "physiological") return ChangeCause::physiological;
  throw InvalidArgument("alert cause must be 'unknown', 'sensor_fault' or 'physiological', got '" +
                        s + "'");
}
inline RecommendedAction parse_recommended_action(const std::string& s) {
  if (s == "none_yet") return RecommendedAction::none_yet;
  if (s == "check_sensor") return RecommendedAction::check_sensor;
  if (s == "recalibrate_threshold") return RecommendedAction::recalibrate_threshold;
  if (s == "retrain") return RecommendedAction::retrain;
  throw InvalidArgument("alert action must be 'none_yet', 'check_sensor', "
                        "'recalibrate_threshold' or 'retrain', got '" + s + "'");
}

/// One drift alert of the monitor.
struct Alert {
  AlertKind kind = AlertKind::score;
  /// Estimated start of the change, in the stream's clock (seconds): the best breakpoint of a
  /// constant-then-line fit over the beats since the previous alert of this kind (monitor.hpp).
  double since_s = std::numeric_limits<double>::quiet_NaN();
  /// When the alert was raised (stream clock, s): at the detector's alarm, or up to
  /// recent_beats beats later when too few beats followed the breakpoint to tell its shape.
  double detected_s = std::numeric_limits<double>::quiet_NaN();
  std::int64_t beat_index = -1;  ///< 0-based index of that beat (label index for error_rate)
  /// Signed effect size: mean of the last beats minus the reference mean, in reference standard
  /// deviations (error_rate: binomial standard deviations of the error rate before since_s).
  double strength = 0.0;
  ChangeShape shape = ChangeShape::sudden;
  ChangeCause cause = ChangeCause::unknown;
  RecommendedAction action = RecommendedAction::none_yet;
  std::string detector;  ///< which detector fired: "adwin", "page_hinkley", "cusum", "ddm", ...

  nlohmann::json to_json() const {
    return {{"kind", to_string(kind)},
            {"since_s", detail::encode_double(since_s)},
            {"detected_s", detail::encode_double(detected_s)},
            {"beat_index", beat_index},
            {"strength", detail::encode_double(strength)},
            {"shape", to_string(shape)},
            {"cause", to_string(cause)},
            {"action", to_string(action)},
            {"detector", detector}};
  }
  static Alert from_json(const nlohmann::json& j) {
    const char* who = "alert";
    Alert a;
    auto str = [&](const char* key) {
      const auto& v = detail::field(j, key, who);
      if (!v.is_string()) {
        throw InvalidArgument(std::string("alert: '") + key + "' must be a string, got " +
                              v.dump());
      }
      return v.get<std::string>();
    };
    a.kind = parse_alert_kind(str("kind"));
    a.since_s = detail::get_double(j, "since_s", who);
    a.detected_s = detail::get_double(j, "detected_s", who);
    a.beat_index = detail::get_int(j, "beat_index", who);
    a.strength = detail::get_double(j, "strength", who);
    a.shape = parse_change_shape(str("shape"));
    a.cause = parse_change_cause(str("cause"));
    a.action = parse_recommended_action(str("action"));
    a.detector = str("detector");
    return a;
  }
  bool operator==(const Alert& o) const {
    auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    return kind == o.kind && same(since_s, o.since_s) && same(detected_s, o.detected_s) &&
           beat_index == o.beat_index && same(strength, o.strength) && shape == o.shape &&
           cause == o.cause && action == o.action && detector == o.detector;
  }
};

}  // namespace ecgad::drift
