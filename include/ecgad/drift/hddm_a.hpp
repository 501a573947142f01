#pragma once
// HDDM_A, the drift detection method based on Hoeffding's bounds with the A-test (moving
// averages) of Frías-Blanco, del Campo-Ávila, Ramos-Jiménez, Morales-Bueno, Ortiz-Díaz &
// Caballero-Mota (IEEE TKDE 27(3), 2015), as MOA and river implement it, on a stream of labelled
// predictions (1 = error). Non-parametric: it only assumes values bounded in [0, 1].
//
// The global mean Z of the n labels since the restart is compared with the mean X of the first
// n_cut labels, where the cut point n_cut is moved forward whenever X + eps(n_cut) >= Z +
// eps(n), eps(k) = sqrt(ln(1/drift_confidence) / (2k)) (the prefix with the lowest upper
// bound). The A-test then flags an increase of the mean when
//   Z - X >= sqrt(m/2 · ln(2/confidence)),  m = (n - n_cut) / (n_cut · n)
// with confidence = drift_confidence (drift) or warning_confidence (warning). two_sided also
// watches decreases (a mirrored cut point with the highest lower bound). After a drift the
// statistics start again.
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

/// Parameters of HDDM_A. Defaults: the paper's and MOA's.
struct HddmAConfig {
  double drift_confidence = 0.001;    ///< significance of a drift, in (0, 1)
  double warning_confidence = 0.005;  ///< significance of a warning, in [drift_confidence, 1)
  bool two_sided = false;             ///< also detect a decrease of the error rate

  void validate() const {
    detail::require_open_unit(drift_confidence, "hddm_a", "drift_confidence");
    detail::require_open_unit(warning_confidence, "hddm_a", "warning_confidence");
    if (warning_confidence < drift_confidence) {
      throw InvalidArgument("hddm_a: warning_confidence must be >= drift_confidence = " +
                            detail::format_number(drift_confidence) + ", got " +
                            detail::format_number(warning_confidence));
    }
  }
  nlohmann::json to_json() const {
    return {{"drift_confidence", drift_confidence},
            {"warning_confidence", warning_confidence},
            {"two_sided", two_sided}};
  }
  static HddmAConfig from_json(const nlohmann::json& j) {
    HddmAConfig c;
    c.drift_confidence = detail::get_double(j, "drift_confidence", "hddm_a");
    c.warning_confidence = detail::get_double(j, "warning_confidence", "hddm_a");
    c.two_sided = detail::get_bool(j, "two_sided", "hddm_a");
    c.validate();
    return c;
  }
};

/// HDDM_A on an error stream: update(1) for a wrong prediction, update(0) for a right one.
class HddmA {
 public:
  using Config = HddmAConfig;

  HddmA() : HddmA(Config{}) {}
  explicit HddmA(const Config& config) {
    config.validate();
    config_ = config;
    log_inv_drift_ = std::log(1.0 / config_.drift_confidence);
    reset();
  }

  static const char* name() noexcept { return "hddm_a"; }
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
    detail::require_error_indicator(x, name());
    if (!std::isnan(prediction_time_s)) detail::require_finite_time(prediction_time_s, name());
    ++n_;
    total_ += x;
    if (n_min_ == 0) {
      n_min_ = n_;
      total_min_ = total_;
    }
    if (n_max_ == 0) {
      n_max_ = n_;
      total_max_ = total_;
    }
    const double z = total_ / static_cast<double>(n_);
    const double eps_z = bound(n_);
    if (total_min_ / static_cast<double>(n_min_) + bound(n_min_) >= z + eps_z) {
      n_min_ = n_;
      total_min_ = total_;
    }
    if (total_max_ / static_cast<double>(n_max_) - bound(n_max_) <= z - eps_z) {
      n_max_ = n_;
      total_max_ = total_;
    }
    DriftLevel level = DriftLevel::none;
    if (mean_changed(n_min_, total_min_, +1.0, config_.drift_confidence) ||
        (config_.two_sided && mean_changed(n_max_, total_max_, -1.0, config_.drift_confidence))) {
      level = DriftLevel::drift;
    } else if (mean_changed(n_min_, total_min_, +1.0, config_.warning_confidence) ||
               (config_.two_sided &&
                mean_changed(n_max_, total_max_, -1.0, config_.warning_confidence))) {
      level = DriftLevel::warning;
    }
    if (level == DriftLevel::drift) restart();
    times_.record(level, counters_.n_updates, prediction_time_s);
    counters_.record(level);
    return level;
  }

  std::int64_t n_since_restart() const noexcept { return n_; }
  /// Error rate since the last drift.
  double error_rate() const noexcept {
    return n_ > 0 ? total_ / static_cast<double>(n_) : 0.0;
  }
  std::int64_t warning_since() const noexcept { return times_.warning_since; }
  double warning_since_s() const noexcept { return times_.warning_since_s; }
  double last_drift_s() const noexcept { return times_.last_drift_s; }

  nlohmann::json state() const {
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    j["times"] = detail::alarm_times_to_json(times_);
    j["n"] = n_;
    j["total"] = total_;
    j["n_min"] = n_min_;
    j["total_min"] = total_min_;
    j["n_max"] = n_max_;
    j["total_max"] = total_max_;
    return j;
  }

  void restore(const nlohmann::json& j) {
    HddmA fresh(Config::from_json(detail::state_config(j, name())));
    fresh.counters_ = detail::counters_from_json(j, name());
    fresh.times_ = detail::alarm_times_from_json(j, name());
    fresh.n_ = detail::get_int(j, "n", name());
    fresh.total_ = detail::get_double(j, "total", name());
    fresh.n_min_ = detail::get_int(j, "n_min", name());
    fresh.total_min_ = detail::get_double(j, "total_min", name());
    fresh.n_max_ = detail::get_int(j, "n_max", name());
    fresh.total_max_ = detail::get_double(j, "total_max", name());
    const auto bad_prefix = [&](std::int64_t k, double t) {
      return k < 0 || k > fresh.n_ || (k == 0) != (fresh.n_ == 0) || !(t >= 0.0) ||
             t > static_cast<double>(k);
    };
    if (fresh.n_ < 0 || !(fresh.total_ >= 0.0) || fresh.total_ > static_cast<double>(fresh.n_) ||
        bad_prefix(fresh.n_min_, fresh.total_min_) || bad_prefix(fresh.n_max_, fresh.total_max_)) {
      throw InvalidArgument("hddm_a state: counts and error totals are inconsistent: " +
                            j.dump());
    }
    *this = fresh;
  }

 private:
  // Hoeffding bound for a mean of k values in [0, 1] at the drift confidence.
  double bound(std::int64_t k) const {
    return std::sqrt(log_inv_drift_ / (2.0 * static_cast<double>(k)));
  }

  // A-test: has the global mean moved (sign +1: up, -1: down) from the prefix mean?
  bool mean_changed(std::int64_t n_cut, double total_cut, double sign, double confidence) const {
    if (n_cut == n_) return false;
    const double n = static_cast<double>(n_);
    const double c = static_cast<double>(n_cut);
    const double m = (n - c) / c * (1.0 / n);
    const double eps = std::sqrt(m / 2.0 * std::log(2.0 / confidence));
    return sign * (total_ / n - total_cut / c) >= eps;
  }

  void restart() noexcept {
    n_ = 0;
    total_ = 0.0;
    n_min_ = 0;
    total_min_ = 0.0;
    n_max_ = 0;
    total_max_ = 0.0;
  }

  Config config_;
  double log_inv_drift_ = 0.0;
  std::int64_t n_ = 0;
  double total_ = 0.0;      // errors since the restart (a double: river's means are doubles)
  std::int64_t n_min_ = 0;  // cut point for increases: prefix length and its error total
  double total_min_ = 0.0;
  std::int64_t n_max_ = 0;  // cut point for decreases
  double total_max_ = 0.0;
  DriftCounters counters_;
  AlarmTimes times_;
};

}  // namespace ecgad::drift
