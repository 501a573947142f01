#pragma once
// Page-Hinkley test (E. S. Page, "Continuous inspection schemes", Biometrika 41, 1954; the
// streaming form of Gama et al., "On evaluating stream learning algorithms", 2013, as river's
// drift.PageHinkley): cumulative deviations of each value from the running mean, with a
// tolerance delta and a forgetting factor alpha,
//   m_up   = alpha m_up   + (x - mean) - delta,   alarm when m_up - min(m_up) > threshold
//   m_down = alpha m_down + (x - mean) + delta,   alarm when max(m_down) - m_down > threshold
// for an increase, a decrease or either. After an alarm the test starts again from scratch
// (running mean included), so the next update belongs to the new concept.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"

namespace ecgad::drift {

/// Which direction of change the Page-Hinkley test watches.
enum class PageHinkleyMode : std::int8_t { increase, decrease, both };

inline const char* to_string(PageHinkleyMode m) noexcept {
  return m == PageHinkleyMode::increase ? "increase"
         : m == PageHinkleyMode::decrease ? "decrease"
                                          : "both";
}

inline PageHinkleyMode parse_page_hinkley_mode(const std::string& s) {
  if (s == "increase" || s == "up") return PageHinkleyMode::increase;
  if (s == "decrease" || s == "down") return PageHinkleyMode::decrease;
  if (s == "both") return PageHinkleyMode::both;
  throw InvalidArgument("page_hinkley: mode must be 'increase', 'decrease' or 'both', got '" +
                        s + "'");
}

/// Parameters of the Page-Hinkley test. Defaults: river's.
struct PageHinkleyConfig {
  std::int64_t min_instances = 30;  ///< no alarm before this many values (since the last), >= 1
  double delta = 0.005;             ///< tolerated change of the mean, in x's unit, >= 0
  double threshold = 50.0;          ///< lambda: alarm level of the cumulative sum, > 0
  double alpha = 1.0 - 0.0001;      ///< forgetting factor of the sums, in (0, 1]
  PageHinkleyMode mode = PageHinkleyMode::both;

  void validate() const {
    detail::require_min_int(min_instances, 1, "page_hinkley", "min_instances");
    detail::require_non_negative(delta, "page_hinkley", "delta");
    detail::require_positive(threshold, "page_hinkley", "threshold");
    if (!(alpha > 0.0 && alpha <= 1.0)) {
      throw InvalidArgument("page_hinkley: alpha must be in (0, 1], got " +
                            detail::format_number(alpha));
    }
  }
  nlohmann::json to_json() const {
    return {{"min_instances", min_instances},
            {"delta", delta},
            {"threshold", threshold},
            {"alpha", alpha},
            {"mode", to_string(mode)}};
  }
  static PageHinkleyConfig from_json(const nlohmann::json& j) {
    PageHinkleyConfig c;
    c.min_instances = detail::get_int(j, "min_instances", "page_hinkley");
    c.delta = detail::get_double(j, "delta", "page_hinkley");
    c.threshold = detail::get_double(j, "threshold", "page_hinkley");
    c.alpha = detail::get_double(j, "alpha", "page_hinkley");
    const auto& mode = detail::field(j, "mode", "page_hinkley");
    if (!mode.is_string()) throw InvalidArgument("page_hinkley state: mode must be a string");
    c.mode = parse_page_hinkley_mode(mode.get<std::string>());
    c.validate();
    return c;
  }
};

/// Page-Hinkley change detector on a real-valued stream; `drift` or `none`.
class PageHinkley {
 public:
  using Config = PageHinkleyConfig;

  PageHinkley() : PageHinkley(Config{}) {}
  explicit PageHinkley(const Config& config) {
    config.validate();
    config_ = config;
    reset();
  }

  static const char* name() noexcept { return "page_hinkley"; }
  const Config& config() const noexcept { return config_; }
  const DriftCounters& counters() const noexcept { return counters_; }

  void reset() {
    restart();
    counters_ = DriftCounters{};
  }

  DriftLevel update(double x) {
    detail::require_finite_input(x, name());
    ++n_;
    mean_ += (x - mean_) / static_cast<double>(n_);
    const double dev = x - mean_;
    sum_up_ = config_.alpha * sum_up_ + dev - config_.delta;
    sum_down_ = config_.alpha * sum_down_ + dev + config_.delta;
    min_up_ = std::min(min_up_, sum_up_);
    max_down_ = std::max(max_down_, sum_down_);
    DriftLevel level = DriftLevel::none;
    if (n_ >= config_.min_instances) {
      const bool up = sum_up_ - min_up_ > config_.threshold;
      const bool down = max_down_ - sum_down_ > config_.threshold;
      const bool alarm = config_.mode == PageHinkleyMode::increase   ? up
                         : config_.mode == PageHinkleyMode::decrease ? down
                                                                     : (up || down);
      if (alarm) {
        level = DriftLevel::drift;
        restart();
      }
    }
    counters_.record(level);
    return level;
  }

  /// Values since the last alarm (or reset).
  std::int64_t n_since_restart() const noexcept { return n_; }
  /// Running mean since the last alarm.
  double mean() const noexcept { return mean_; }
  /// The statistics compared with the threshold: m_up - min(m_up) and max(m_down) - m_down.
  double increase_statistic() const noexcept { return n_ > 0 ? sum_up_ - min_up_ : 0.0; }
  double decrease_statistic() const noexcept { return n_ > 0 ? max_down_ - sum_down_ : 0.0; }

  nlohmann::json state() const {
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    j["n"] = n_;
    j["mean"] = detail::encode_double(mean_);
    j["sum_up"] = detail::encode_double(sum_up_);
    j["sum_down"] = detail::encode_double(sum_down_);
    j["min_up"] = detail::encode_double(min_up_);
    j["max_down"] = detail::encode_double(max_down_);
    return j;
  }

  void restore(const nlohmann::json& j) {
    PageHinkley fresh(Config::from_json(detail::state_config(j, name())));
    fresh.counters_ = detail::counters_from_json(j, name());
    fresh.n_ = detail::get_int(j, "n", name());
    detail::require_count(fresh.n_, "n", name());
    fresh.mean_ = detail::get_double(j, "mean", name());
    fresh.sum_up_ = detail::get_double(j, "sum_up", name());
    fresh.sum_down_ = detail::get_double(j, "sum_down", name());
    fresh.min_up_ = detail::get_double(j, "min_up", name());
    fresh.max_down_ = detail::get_double(j, "max_down", name());
    if (!std::isfinite(fresh.mean_) || !std::isfinite(fresh.sum_up_) ||
        !std::isfinite(fresh.sum_down_) || std::isnan(fresh.min_up_) ||
        std::isnan(fresh.max_down_)) {
      throw InvalidArgument("page_hinkley state: mean and sums must be finite");
    }
    *this = fresh;
  }

 private:
  void restart() noexcept {
    n_ = 0;
    mean_ = 0.0;
    sum_up_ = 0.0;
    sum_down_ = 0.0;
    min_up_ = std::numeric_limits<double>::infinity();
    max_down_ = -std::numeric_limits<double>::infinity();
  }

  Config config_;
  std::int64_t n_ = 0;
  double mean_ = 0.0;
  double sum_up_ = 0.0;
  double sum_down_ = 0.0;
  double min_up_ = 0.0;
  double max_down_ = 0.0;
  DriftCounters counters_;
};

}  // namespace ecgad::drift
