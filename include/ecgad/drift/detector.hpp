#pragma once
// The common shape of ecgad's streaming drift detectors (namespace ecgad::drift).
//
// Every detector D in this folder (adwin.hpp, page_hinkley.hpp, cusum.hpp, kswin.hpp, ddm.hpp,
// eddm.hpp, hddm_a.hpp) models the same concept, checked by tests/cpp/test_drift_conformance.cpp:
//
//   struct D::Config { ...parameters with defaults...; void validate() const;
//                      nlohmann::json to_json() const; static Config from_json(const json&); };
//   D();  explicit D(const D::Config&);      // validates, allocates everything it will need
//   DriftLevel update(double x);             // one observation -> none / warning / drift
//   void reset();                            // back to the state right after construction
//   nlohmann::json state() const;            // the whole state, parameters included
//   void restore(const nlohmann::json&);     // continue exactly where state() was taken
//   static const char* name();               // "adwin", "page_hinkley", ... (the JSON tag)
//   const Config& config() const;  const DriftCounters& counters() const;
//
// Semantics shared by all:
// - update(x) throws ecgad::InvalidArgument for NaN/Inf (and, for the error-rate detectors DDM,
//   EDDM, HDDM_A, for anything but 0 or 1) and leaves the detector unchanged.
// - `drift` is an event: it is returned by the one update that detects the change. Detectors
//   that restart after a change (Page-Hinkley, CUSUM, KSWIN, DDM, EDDM, HDDM_A) restart right
//   away, so the next update already belongs to the new concept (river resets lazily at the
//   next update; the alarm indices are the same). ADWIN instead drops the old part of its
//   window, as the paper does. `warning` is a state: returned while the detector is in its
//   warning zone (DDM, EDDM, HDDM_A; the others never warn).
// - reset() keeps the parameters and forgets everything else, counters included.
// - state() is plain JSON: {"detector": name(), "config": {...}, "counters": {...}, ...}.
//   Doubles round-trip exactly (nlohmann writes the shortest representation that parses back
//   to the same bits); infinities are written as the strings "inf" / "-inf" because JSON has no
//   number for them. restore() validates everything first and leaves the detector unchanged
//   when the state does not fit; it takes the parameters from the state, so a default-built
//   detector can be restored from any saved one.
// - The result is a function of the sequence of observations only; the per-update path does
//   not allocate (except ADWIN's bucket rows, at most one per doubling of the window).
// - Labels that arrive late (a reviewer confirms predictions hours later): the error-rate
//   detectors are sequential tests over the labelled predictions, in the order they are fed.
//   Feed each label when it arrives, in prediction order; update(error, prediction_time_s)
//   also records when the prediction was made, so an alarm says since when the error rate
//   moved in the prediction's clock, not the reviewer's (ddm.hpp).

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// What one update of a streaming detector concluded.
enum class DriftLevel : std::int8_t {
  none = 0,     ///< no evidence of change
  warning = 1,  ///< in the warning zone: change is possible (DDM, EDDM, HDDM_A)
  drift = 2,    ///< change detected at this update
};

inline const char* to_string(DriftLevel level) noexcept {
  switch (level) {
    case DriftLevel::warning: return "warning";
    case DriftLevel::drift: return "drift";
    case DriftLevel::none: break;
  }
  return "none";
}

/// Counters every detector keeps (reset() clears them; a drift does not).
struct DriftCounters {
  std::int64_t n_updates = 0;    ///< update() calls since construction or reset()
  std::int64_t n_warnings = 0;   ///< updates that returned warning
  std::int64_t n_drifts = 0;     ///< updates that returned drift
  std::int64_t last_drift = -1;  ///< 0-based update index of the last drift, -1 = none yet

  void record(DriftLevel level) noexcept {
    if (level == DriftLevel::warning) ++n_warnings;
    if (level == DriftLevel::drift) {
      ++n_drifts;
      last_drift = n_updates;
    }
    ++n_updates;
  }
  bool operator==(const DriftCounters& o) const noexcept {
    return n_updates == o.n_updates && n_warnings == o.n_warnings && n_drifts == o.n_drifts &&
           last_drift == o.last_drift;
  }
};

/// When (in the predictions' clock) the alarms of an error-rate detector happened. Fed by
/// update(error, prediction_time_s); NaN where no time was given.
struct AlarmTimes {
  std::int64_t warning_since = -1;  ///< update index where the current warning zone began
  double warning_since_s = std::numeric_limits<double>::quiet_NaN();  ///< its prediction time
  double last_drift_s = std::numeric_limits<double>::quiet_NaN();  ///< time of the last drift

  void record(DriftLevel level, std::int64_t index, double time_s) noexcept {
    if (level == DriftLevel::warning) {
      if (warning_since < 0) {
        warning_since = index;
        warning_since_s = time_s;
      }
      return;
    }
    if (level == DriftLevel::drift) last_drift_s = time_s;
    warning_since = -1;
    warning_since_s = std::numeric_limits<double>::quiet_NaN();
  }
};

namespace detail {

using ecgad::detail::format_number;
using json = nlohmann::json;

inline void require_finite_input(double x, const char* detector) {
  if (!std::isfinite(x)) {
    throw InvalidArgument(std::string(detector) + ".update: x must be finite, got " +
                          format_number(x));
  }
}

// Error-rate detectors take one labelled prediction: 1 = wrong, 0 = right.
inline bool require_error_indicator(double x, const char* detector) {
  if (x != 0.0 && x != 1.0) {
    throw InvalidArgument(std::string(detector) +
                          ".update: x must be an error indicator, 0 (correct) or 1 (error), "
                          "got " + format_number(x));
  }
  return x == 1.0;
}

inline void require_finite_time(double t_s, const char* detector) {
  if (!std::isfinite(t_s)) {
    throw InvalidArgument(std::string(detector) +
                          ".update: prediction_time_s must be finite (seconds), got " +
                          format_number(t_s));
  }
}

/// JSON has no infinities or NaN: write them as strings so a state round-trips.
inline json encode_double(double v) {
  if (std::isfinite(v)) return v;
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

inline const json& field(const json& j, const char* key, const char* detector) {
  if (!j.is_object() || !j.contains(key)) {
    throw InvalidArgument(std::string(detector) + ": missing field '" + key + "'");
  }
  return j.at(key);
}

inline double get_double(const json& j, const char* key, const char* detector) {
  const json& v = field(j, key, detector);
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  throw InvalidArgument(std::string(detector) + ": '" + key +
                        "' must be a number (or \"inf\", \"-inf\", \"nan\"), got " + v.dump());
}

inline std::int64_t get_int(const json& j, const char* key, const char* detector) {
  const json& v = field(j, key, detector);
  if (!v.is_number_integer()) {
    throw InvalidArgument(std::string(detector) + ": '" + key + "' must be an integer, got " +
                          v.dump());
  }
  return v.get<std::int64_t>();
}

inline bool get_bool(const json& j, const char* key, const char* detector) {
  const json& v = field(j, key, detector);
  if (!v.is_boolean()) {
    throw InvalidArgument(std::string(detector) + ": '" + key +
                          "' must be true or false, got " + v.dump());
  }
  return v.get<bool>();
}

inline void require_count(std::int64_t v, const char* what, const char* detector) {
  if (v < 0) {
    throw InvalidArgument(std::string(detector) + " state: " + what + " must be >= 0, got " +
                          std::to_string(v));
  }
}

inline json counters_to_json(const DriftCounters& c) {
  return json{{"n_updates", c.n_updates},
              {"n_warnings", c.n_warnings},
              {"n_drifts", c.n_drifts},
              {"last_drift", c.last_drift}};
}

inline DriftCounters counters_from_json(const json& j, const char* detector) {
  const json& c = field(j, "counters", detector);
  DriftCounters out;
  out.n_updates = get_int(c, "n_updates", detector);
  out.n_warnings = get_int(c, "n_warnings", detector);
  out.n_drifts = get_int(c, "n_drifts", detector);
  out.last_drift = get_int(c, "last_drift", detector);
  require_count(out.n_updates, "n_updates", detector);
  require_count(out.n_warnings, "n_warnings", detector);
  require_count(out.n_drifts, "n_drifts", detector);
  if (out.n_warnings + out.n_drifts > out.n_updates || out.last_drift < -1 ||
      out.last_drift >= out.n_updates || (out.n_drifts == 0) != (out.last_drift == -1)) {
    throw InvalidArgument(std::string(detector) + " state: inconsistent counters " + c.dump());
  }
  return out;
}

/// Checks the "detector" tag and returns the "config" object of a state.
inline const json& state_config(const json& j, const char* detector) {
  if (!j.is_object()) {
    throw InvalidArgument(std::string(detector) + " state must be a JSON object, got " +
                          j.dump());
  }
  const json& tag = field(j, "detector", detector);
  if (!tag.is_string() || tag.get<std::string>() != detector) {
    throw InvalidArgument(std::string("state of detector ") + tag.dump() +
                          " cannot be restored into a " + detector + " detector");
  }
  return field(j, "config", detector);
}

inline json alarm_times_to_json(const AlarmTimes& t) {
  return json{{"warning_since", t.warning_since},
              {"warning_since_s", encode_double(t.warning_since_s)},
              {"last_drift_s", encode_double(t.last_drift_s)}};
}

inline AlarmTimes alarm_times_from_json(const json& j, const char* detector) {
  const json& t = field(j, "times", detector);
  AlarmTimes out;
  out.warning_since = get_int(t, "warning_since", detector);
  out.warning_since_s = get_double(t, "warning_since_s", detector);
  out.last_drift_s = get_double(t, "last_drift_s", detector);
  if (out.warning_since < -1 || std::isinf(out.warning_since_s) || std::isinf(out.last_drift_s)) {
    throw InvalidArgument(std::string(detector) + " state: invalid alarm times " + t.dump());
  }
  return out;
}

inline json state_header(const char* detector, json config, const DriftCounters& c) {
  return json{{"detector", detector},
              {"config", std::move(config)},
              {"counters", counters_to_json(c)}};
}

// Config checks with messages naming the parameter, its value and the accepted range.
inline void require_open_unit(double v, const char* detector, const char* what) {
  if (!(v > 0.0 && v < 1.0)) {
    throw InvalidArgument(std::string(detector) + ": " + what + " must be in (0, 1), got " +
                          format_number(v));
  }
}
inline void require_positive(double v, const char* detector, const char* what) {
  if (!(v > 0.0) || !std::isfinite(v)) {
    throw InvalidArgument(std::string(detector) + ": " + what +
                          " must be a finite number > 0, got " + format_number(v));
  }
}
inline void require_non_negative(double v, const char* detector, const char* what) {
  if (!(v >= 0.0) || !std::isfinite(v)) {
    throw InvalidArgument(std::string(detector) + ": " + what +
                          " must be a finite number >= 0, got " + format_number(v));
  }
}
inline void require_min_int(std::int64_t v, std::int64_t lo, const char* detector,
                            const char* what) {
  if (v < lo) {
    throw InvalidArgument(std::string(detector) + ": " + what + " must be >= " +
                          std::to_string(lo) + ", got " + std::to_string(v));
  }
}

/// For sizes the detector allocates: a config or a restored state from a file must not make
/// the constructor try to allocate terabytes (std::bad_alloc is not a clear error).
inline void require_int_in(std::int64_t v, std::int64_t lo, std::int64_t hi, const char* detector,
                           const char* what) {
  if (v < lo || v > hi) {
    throw InvalidArgument(std::string(detector) + ": " + what + " must be in [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                          std::to_string(v));
  }
}

}  // namespace detail
}  // namespace ecgad::drift
