#pragma once
// Two-sided tabular CUSUM (E. S. Page 1954; the form of D. C. Montgomery, "Introduction to
// Statistical Quality Control", 6th ed., section 9.1) on standardised values z = (x - mu0)/sigma0:
//   C+ = max(0, C+ + z - k),   C- = max(0, C- - z - k),   alarm when C+ > h or C- > h.
// k (the slack, in standard deviations) is half the shift to detect quickly; h (the decision
// interval) sets the false-alarm rate: with k = 0.5, h = 5 the in-control average run length is
// about 465 samples and a 1-sigma shift is found after about 10 (Montgomery, table 9.3).
//
// mu0 and sigma0 are given, or estimated on the first `warmup` values (sample mean and standard
// deviation, ddof = 1). After an alarm the sums restart; estimated parameters are estimated
// again on the next `warmup` values, because the alarm says the old ones no longer hold.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"

namespace ecgad::drift {

/// Parameters of the tabular CUSUM. Defaults: Montgomery's k = 0.5, h = 5.
struct CusumConfig {
  /// In-control mean mu0, in x's unit; NaN = estimate it on the warm-up.
  double mean = std::numeric_limits<double>::quiet_NaN();
  /// In-control standard deviation sigma0 > 0, in x's unit; NaN = estimate it on the warm-up.
  double std = std::numeric_limits<double>::quiet_NaN();
  std::int64_t warmup = 50;  ///< values used to estimate what is NaN above, >= 2
  double k = 0.5;            ///< slack per sample, in standard deviations, >= 0
  double h = 5.0;            ///< decision interval, in standard deviations, > 0
  /// Floor of an estimated sigma0, in x's unit, > 0: a constant warm-up would otherwise make
  /// every later deviation infinitely many standard deviations.
  double min_std = 1e-9;

  bool estimates() const noexcept { return std::isnan(mean) || std::isnan(std); }

  void validate() const {
    if (!std::isnan(mean) && !std::isfinite(mean)) {
      throw InvalidArgument("cusum: mean must be finite or NaN (estimate), got " +
                            detail::format_number(mean));
    }
    if (!std::isnan(std)) detail::require_positive(std, "cusum", "std (or NaN to estimate)");
    if (estimates()) detail::require_min_int(warmup, 2, "cusum", "warmup");
    detail::require_non_negative(k, "cusum", "k");
    detail::require_positive(h, "cusum", "h");
    detail::require_positive(min_std, "cusum", "min_std");
  }
  nlohmann::json to_json() const {
    return {{"mean", detail::encode_double(mean)},
            {"std", detail::encode_double(std)},
            {"warmup", warmup},
            {"k", k},
            {"h", h},
            {"min_std", min_std}};
  }
  static CusumConfig from_json(const nlohmann::json& j) {
    CusumConfig c;
    c.mean = detail::get_double(j, "mean", "cusum");
    c.std = detail::get_double(j, "std", "cusum");
    c.warmup = detail::get_int(j, "warmup", "cusum");
    c.k = detail::get_double(j, "k", "cusum");
    c.h = detail::get_double(j, "h", "cusum");
    c.min_std = detail::get_double(j, "min_std", "cusum");
    c.validate();
    return c;
  }
};

/// Two-sided tabular CUSUM change detector; `drift` or `none`.
class Cusum {
 public:
  using Config = CusumConfig;

  Cusum() : Cusum(Config{}) {}
  explicit Cusum(const Config& config) {
    config.validate();
    config_ = config;
    reset();
  }

  static const char* name() noexcept { return "cusum"; }
  const Config& config() const noexcept { return config_; }
  const DriftCounters& counters() const noexcept { return counters_; }

  void reset() {
    restart();
    counters_ = DriftCounters{};
  }

  DriftLevel update(double x) {
    detail::require_finite_input(x, name());
    DriftLevel level = DriftLevel::none;
    if (warmup_n_ < warmup_target()) {
      ++warmup_n_;
      const double d = x - warmup_mean_;
      warmup_mean_ += d / static_cast<double>(warmup_n_);
      warmup_m2_ += d * (x - warmup_mean_);
      if (warmup_n_ == warmup_target()) {
        const double s = std::sqrt(warmup_m2_ / static_cast<double>(warmup_n_ - 1));
        if (std::isnan(config_.mean)) mu0_ = warmup_mean_;
        if (std::isnan(config_.std)) sigma0_ = std::max(s, config_.min_std);
      }
    } else {
      const double z = (x - mu0_) / sigma0_;
      upper_ = std::max(0.0, upper_ + z - config_.k);
      lower_ = std::max(0.0, lower_ - z - config_.k);
      if (upper_ > config_.h || lower_ > config_.h) {
        level = DriftLevel::drift;
        restart();
      }
    }
    counters_.record(level);
    return level;
  }

  /// True while the in-control parameters are being estimated.
  bool in_warmup() const noexcept { return warmup_n_ < warmup_target(); }
  /// The in-control mean and standard deviation in use (NaN during warm-up when estimated).
  double mean() const noexcept { return mu0_; }
  double std() const noexcept { return sigma0_; }
  /// C+ and C-, in standard deviations.
  double upper_sum() const noexcept { return upper_; }
  double lower_sum() const noexcept { return lower_; }

  nlohmann::json state() const {
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    j["warmup_n"] = warmup_n_;
    j["warmup_mean"] = detail::encode_double(warmup_mean_);
    j["warmup_m2"] = detail::encode_double(warmup_m2_);
    j["mu0"] = detail::encode_double(mu0_);
    j["sigma0"] = detail::encode_double(sigma0_);
    j["upper"] = detail::encode_double(upper_);
    j["lower"] = detail::encode_double(lower_);
    return j;
  }

  void restore(const nlohmann::json& j) {
    Cusum fresh(Config::from_json(detail::state_config(j, name())));
    fresh.counters_ = detail::counters_from_json(j, name());
    fresh.warmup_n_ = detail::get_int(j, "warmup_n", name());
    fresh.warmup_mean_ = detail::get_double(j, "warmup_mean", name());
    fresh.warmup_m2_ = detail::get_double(j, "warmup_m2", name());
    fresh.mu0_ = detail::get_double(j, "mu0", name());
    fresh.sigma0_ = detail::get_double(j, "sigma0", name());
    fresh.upper_ = detail::get_double(j, "upper", name());
    fresh.lower_ = detail::get_double(j, "lower", name());
    const bool warm = fresh.warmup_n_ >= fresh.warmup_target();
    if (fresh.warmup_n_ < 0 || fresh.warmup_n_ > fresh.warmup_target() ||
        !std::isfinite(fresh.warmup_mean_) || !(fresh.warmup_m2_ >= 0.0) ||
        !std::isfinite(fresh.warmup_m2_) || !(fresh.upper_ >= 0.0) || !(fresh.lower_ >= 0.0) ||
        !std::isfinite(fresh.upper_) || !std::isfinite(fresh.lower_) ||
        (warm && !(std::isfinite(fresh.mu0_) && std::isfinite(fresh.sigma0_) &&
                   fresh.sigma0_ > 0.0))) {
      throw InvalidArgument("cusum state: warm-up counts, sums or mu0/sigma0 are invalid: " +
                            j.dump());
    }
    *this = fresh;
  }

 private:
  std::int64_t warmup_target() const noexcept { return config_.estimates() ? config_.warmup : 0; }

  void restart() noexcept {
    warmup_n_ = 0;
    warmup_mean_ = 0.0;
    warmup_m2_ = 0.0;
    mu0_ = config_.mean;
    sigma0_ = config_.std;
    upper_ = 0.0;
    lower_ = 0.0;
  }

  Config config_;
  std::int64_t warmup_n_ = 0;
  double warmup_mean_ = 0.0;
  double warmup_m2_ = 0.0;
  double mu0_ = 0.0;
  double sigma0_ = 1.0;
  double upper_ = 0.0;
  double lower_ = 0.0;
  DriftCounters counters_;
};

}  // namespace ecgad::drift
