#pragma once
// DDM, the drift detection method of Gama, Medas, Castillo & Rodrigues ("Learning with drift
// detection", SBIA 2004), on a stream of labelled predictions (1 = error, 0 = correct).
//
// The error rate p_i (a binomial proportion) and its standard deviation s_i = sqrt(p(1-p)/i)
// are tracked; (p_min, s_min) are taken where p_i + s_i was smallest. After `min_instances`
// labels:
//   p_i + s_i > p_min + warning_level · s_min  ->  warning (paper: 2, ~95% confidence)
//   p_i + s_i > p_min + drift_level · s_min    ->  drift   (paper: 3, ~99% confidence)
// The comparisons are strict, as in MOA and river: with the paper's ">=" an error-free start
// (p_min = s_min = 0) would alarm on every label. After a drift the statistics start again.
//
// Late labels: a reviewer's labels can be fed whenever they arrive; the test is over the
// sequence of labels, so feeding them in prediction order gives the same alarms (at the same
// label index) as feeding each label the moment its prediction was made.
// update(error, prediction_time_s) records the prediction times, so warning_since_s() and
// last_drift_s() say since when, in the predictions' clock, the error rate moved.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"

namespace ecgad::drift {

/// Parameters of DDM. Defaults: the paper's.
struct DdmConfig {
  std::int64_t min_instances = 30;  ///< labels before any test, >= 1
  double warning_level = 2.0;       ///< warning at p_min + this · s_min, > 0
  double drift_level = 3.0;         ///< drift at p_min + this · s_min, >= warning_level

  void validate() const {
    detail::require_min_int(min_instances, 1, "ddm", "min_instances");
    detail::require_positive(warning_level, "ddm", "warning_level");
    detail::require_positive(drift_level, "ddm", "drift_level");
    if (drift_level < warning_level) {
      throw InvalidArgument("ddm: drift_level must be >= warning_level = " +
                            detail::format_number(warning_level) + ", got " +
                            detail::format_number(drift_level));
    }
  }
  nlohmann::json to_json() const {
    return {{"min_instances", min_instances},
            {"warning_level", warning_level},
            {"drift_level", drift_level}};
  }
  static DdmConfig from_json(const nlohmann::json& j) {
    DdmConfig c;
    c.min_instances = detail::get_int(j, "min_instances", "ddm");
    c.warning_level = detail::get_double(j, "warning_level", "ddm");
    c.drift_level = detail::get_double(j, "drift_level", "ddm");
    c.validate();
    return c;
  }
};

/// DDM on an error stream: update(1) for a wrong prediction, update(0) for a right one.
class Ddm {
 public:
  using Config = DdmConfig;

  Ddm() : Ddm(Config{}) {}
  explicit Ddm(const Config& config) {
    config.validate();
    config_ = config;
    reset();
  }

  static const char* name() noexcept { return "ddm"; }
  const Config& config() const noexcept { return config_; }
  const DriftCounters& counters() const noexcept { return counters_; }
  const AlarmTimes& times() const noexcept { return times_; }

  void reset() {
    restart();
    counters_ = DriftCounters{};
    times_ = AlarmTimes{};
  }

  /// One labelled prediction: x = 1 (error) or 0 (correct).
  DriftLevel update(double x) { return update(x, std::numeric_limits<double>::quiet_NaN()); }

  /// One labelled prediction made at prediction_time_s (seconds, any epoch; used only to
  /// report when alarms began).
  DriftLevel update(double x, double prediction_time_s) {
    const bool error = detail::require_error_indicator(x, name());
    if (!std::isnan(prediction_time_s)) detail::require_finite_time(prediction_time_s, name());
    ++n_;
    if (error) ++errors_;
    const double n = static_cast<double>(n_);
    const double p = static_cast<double>(errors_) / n;
    const double s = std::sqrt(p * (1.0 - p) / n);
    DriftLevel level = DriftLevel::none;
    if (n_ > config_.min_instances) {
      if (p + s <= ps_min_) {
        p_min_ = p;
        s_min_ = s;
        ps_min_ = p + s;
      }
      if (p + s > p_min_ + config_.drift_level * s_min_) {
        level = DriftLevel::drift;
        restart();
      } else if (p + s > p_min_ + config_.warning_level * s_min_) {
        level = DriftLevel::warning;
      }
    }
    times_.record(level, counters_.n_updates, prediction_time_s);
    counters_.record(level);
    return level;
  }

  /// Labels since the last drift, and the error rate over them.
  std::int64_t n_since_restart() const noexcept { return n_; }
  double error_rate() const noexcept {
    return n_ > 0 ? static_cast<double>(errors_) / static_cast<double>(n_) : 0.0;
  }
  double p_min() const noexcept { return p_min_; }
  double s_min() const noexcept { return s_min_; }
  /// Update index / prediction time where the current warning zone began (-1 / NaN if none).
  std::int64_t warning_since() const noexcept { return times_.warning_since; }
  double warning_since_s() const noexcept { return times_.warning_since_s; }
  double last_drift_s() const noexcept { return times_.last_drift_s; }

  nlohmann::json state() const {
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    j["times"] = detail::alarm_times_to_json(times_);
    j["n"] = n_;
    j["errors"] = errors_;
    j["p_min"] = detail::encode_double(p_min_);
    j["s_min"] = detail::encode_double(s_min_);
    j["ps_min"] = detail::encode_double(ps_min_);
    return j;
  }

  void restore(const nlohmann::json& j) {
    Ddm fresh(Config::from_json(detail::state_config(j, name())));
    fresh.counters_ = detail::counters_from_json(j, name());
    fresh.times_ = detail::alarm_times_from_json(j, name());
    fresh.n_ = detail::get_int(j, "n", name());
    fresh.errors_ = detail::get_int(j, "errors", name());
    fresh.p_min_ = detail::get_double(j, "p_min", name());
    fresh.s_min_ = detail::get_double(j, "s_min", name());
    fresh.ps_min_ = detail::get_double(j, "ps_min", name());
    if (fresh.n_ < 0 || fresh.errors_ < 0 || fresh.errors_ > fresh.n_ ||
        std::isnan(fresh.p_min_) || std::isnan(fresh.s_min_) || std::isnan(fresh.ps_min_)) {
      throw InvalidArgument("ddm state: need 0 <= errors <= n and p_min/s_min not NaN: " +
                            j.dump());
    }
    *this = fresh;
  }

 private:
  void restart() noexcept {
    n_ = 0;
    errors_ = 0;
    p_min_ = std::numeric_limits<double>::infinity();
    s_min_ = std::numeric_limits<double>::infinity();
    ps_min_ = std::numeric_limits<double>::infinity();
  }

  Config config_;
  std::int64_t n_ = 0;
  std::int64_t errors_ = 0;
  double p_min_ = 0.0;
  double s_min_ = 0.0;
  double ps_min_ = 0.0;
  DriftCounters counters_;
  AlarmTimes times_;
};

}  // namespace ecgad::drift
