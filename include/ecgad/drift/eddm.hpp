#pragma once
// EDDM, the early drift detection method of Baena-García, del Campo-Ávila, Fidalgo, Bifet,
// Gavaldà & Morales-Bueno (IWKDDS 2006), on a stream of labelled predictions (1 = error).
//
// It follows the distance (in labels) between consecutive errors: its running mean p' and
// standard deviation s' (sample, ddof = 1, as river), and the maximum of p' + 2 s'. At each
// error, once `min_instances` labels and more than `min_errors` errors were seen,
//   (p' + 2 s') / max(p' + 2 s') < alpha  ->  warning (paper: 0.95)
//   (p' + 2 s') / max(p' + 2 s') < beta   ->  drift   (paper: 0.90)
// Errors coming closer together is the sign of drift; it reacts earlier than DDM to gradual
// change. The level only changes at errors: between them update() returns the warning state
// set by the last error. A new maximum clears the warning. After a drift everything restarts.
//
// Late labels: as DDM (ddm.hpp) — feed labels in prediction order; update(error,
// prediction_time_s) records when the predictions were made.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"

namespace ecgad::drift {

/// Parameters of EDDM. Defaults: the paper's (30 errors before any test).
struct EddmConfig {
  std::int64_t min_instances = 30;  ///< labels before any test, >= 1
  std::int64_t min_errors = 30;     ///< errors needed (strictly more) before any alarm, >= 1
  double alpha = 0.95;              ///< warning below this ratio, in (0, 1)
  double beta = 0.90;               ///< drift below this ratio, in (0, alpha]

  void validate() const {
    detail::require_min_int(min_instances, 1, "eddm", "min_instances");
    detail::require_min_int(min_errors, 1, "eddm", "min_errors");
    detail::require_open_unit(alpha, "eddm", "alpha");
    detail::require_open_unit(beta, "eddm", "beta");
    if (beta > alpha) {
      throw InvalidArgument("eddm: beta (drift ratio) must be <= alpha (warning ratio) = " +
                            detail::format_number(alpha) + ", got " +
                            detail::format_number(beta));
    }
  }
  nlohmann::json to_json() const {
    return {{"min_instances", min_instances},
            {"min_errors", min_errors},
            {"alpha", alpha},
            {"beta", beta}};
  }
  static EddmConfig from_json(const nlohmann::json& j) {
    EddmConfig c;
    c.min_instances = detail::get_int(j, "min_instances", "eddm");
    c.min_errors = detail::get_int(j, "min_errors", "eddm");
    c.alpha = detail::get_double(j, "alpha", "eddm");
    c.beta = detail::get_double(j, "beta", "eddm");
    c.validate();
    return c;
  }
};

/// EDDM on an error stream: update(1) for a wrong prediction, update(0) for a right one.
class Eddm {
 public:
  using Config = EddmConfig;

  Eddm() : Eddm(Config{}) {}
  explicit Eddm(const Config& config) {
    config.validate();
    config_ = config;
    reset();
  }

  static const char* name() noexcept { return "eddm"; }
  const Config& config() const noexcept { return config_; }
  const DriftCounters& counters() const noexcept { return counters_; }
  const AlarmTimes& times() const noexcept { return times_; }

  void reset() {
    restart();
    counters_ = DriftCounters{};
    times_ = AlarmTimes{};
  }

  DriftLevel update(double x) { return update(x, std::numeric_limits<double>::quiet_NaN()); }

  /// One labelled prediction (1 = error) made at prediction_time_s (seconds; reporting only).
  DriftLevel update(double x, double prediction_time_s) {
    const bool error = detail::require_error_indicator(x, name());
    if (!std::isnan(prediction_time_s)) detail::require_finite_time(prediction_time_s, name());
    ++n_;
    DriftLevel level = warning_ ? DriftLevel::warning : DriftLevel::none;
    if (error) {
      ++errors_;
      const double distance = static_cast<double>(n_ - last_error_);
      const double d = distance - mean_;
      mean_ += d / static_cast<double>(errors_);
      m2_ += d * (distance - mean_);
      last_error_ = n_;
      if (n_ > config_.min_instances) {
        const double s = errors_ > 1 ? std::sqrt(m2_ / static_cast<double>(errors_ - 1)) : 0.0;
        const double p2s = mean_ + 2.0 * s;
        if (p2s > p2s_max_) {
          p2s_max_ = p2s;
          warning_ = false;
        } else if (errors_ > config_.min_errors) {
          const double ratio = p2s / p2s_max_;
          warning_ = ratio < config_.alpha;
          if (ratio < config_.beta) {
            restart();
            level = DriftLevel::drift;
          }
        }
      }
      if (level != DriftLevel::drift) level = warning_ ? DriftLevel::warning : DriftLevel::none;
    }
    times_.record(level, counters_.n_updates, prediction_time_s);
    counters_.record(level);
    return level;
  }

  std::int64_t n_since_restart() const noexcept { return n_; }
  std::int64_t errors_since_restart() const noexcept { return errors_; }
  /// Mean distance between errors (labels) since the last drift, and the max of p' + 2 s'.
  double mean_distance() const noexcept { return mean_; }
  double p2s_max() const noexcept { return p2s_max_; }
  std::int64_t warning_since() const noexcept { return times_.warning_since; }
  double warning_since_s() const noexcept { return times_.warning_since_s; }
  double last_drift_s() const noexcept { return times_.last_drift_s; }

  nlohmann::json state() const {
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    j["times"] = detail::alarm_times_to_json(times_);
    j["n"] = n_;
    j["errors"] = errors_;
    j["last_error"] = last_error_;
    j["mean"] = detail::encode_double(mean_);
    j["m2"] = detail::encode_double(m2_);
    j["p2s_max"] = detail::encode_double(p2s_max_);
    j["warning"] = warning_;
    return j;
  }

  void restore(const nlohmann::json& j) {
    Eddm fresh(Config::from_json(detail::state_config(j, name())));
    fresh.counters_ = detail::counters_from_json(j, name());
    fresh.times_ = detail::alarm_times_from_json(j, name());
    fresh.n_ = detail::get_int(j, "n", name());
    fresh.errors_ = detail::get_int(j, "errors", name());
    fresh.last_error_ = detail::get_int(j, "last_error", name());
    fresh.mean_ = detail::get_double(j, "mean", name());
    fresh.m2_ = detail::get_double(j, "m2", name());
    fresh.p2s_max_ = detail::get_double(j, "p2s_max", name());
    fresh.warning_ = detail::get_bool(j, "warning", name());
    if (fresh.n_ < 0 || fresh.errors_ < 0 || fresh.errors_ > fresh.n_ || fresh.last_error_ < 0 ||
        fresh.last_error_ > fresh.n_ || !std::isfinite(fresh.mean_) || !(fresh.m2_ >= 0.0) ||
        !std::isfinite(fresh.m2_) || std::isnan(fresh.p2s_max_)) {
      throw InvalidArgument("eddm state: counts or distance statistics are invalid: " + j.dump());
    }
    *this = fresh;
  }

 private:
  void restart() noexcept {
    n_ = 0;
    errors_ = 0;
    last_error_ = 0;
    mean_ = 0.0;
    m2_ = 0.0;
    p2s_max_ = -std::numeric_limits<double>::infinity();
    warning_ = false;
  }

  Config config_;
  std::int64_t n_ = 0;
  std::int64_t errors_ = 0;
  std::int64_t last_error_ = 0;  // label count at the last error (0 = stream start)
  double mean_ = 0.0;            // Welford mean / M2 of the distances
  double m2_ = 0.0;
  double p2s_max_ = 0.0;
  bool warning_ = false;
  DriftCounters counters_;
  AlarmTimes times_;
};

}  // namespace ecgad::drift
