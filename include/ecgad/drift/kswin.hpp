#pragma once
// KSWIN: Kolmogorov-Smirnov windowing (Raab, Heusinger & Schleif, "Reactive soft prototype
// computing for concept drift streams", Neurocomputing 416, 2020), as river's drift.KSWIN.
//
// A sliding window Ψ of the last `window_size` values; its last `stat_size` values are the
// current concept R, and `stat_size` values drawn uniformly without replacement from the
// older part of Ψ stand for the previous concept W. Once Ψ is full, every update runs the
// two-sample KS test of W against R (ks.hpp, equal to scipy.stats.ks_2samp) and reports drift
// when p <= alpha and the statistic exceeds min_statistic (river's extra guard, 0.1). After a
// drift Ψ keeps only R, so the test waits until the window has filled again.
//
// The draw uses std::mt19937_64 (the C++ standard fixes its output) with a portable bounded
// draw, so a seed gives the same alarms on every platform; the generator's state is part of
// state(). Alarm indices differ from river's, whose draw uses Python's random.Random.
// Everything is allocated at construction; an update sorts two samples of stat_size values.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"
#include "ecgad/drift/ks.hpp"

namespace ecgad::drift {

/// Parameters of KSWIN. Defaults: river's.
struct KswinConfig {
  double alpha = 0.005;            ///< significance of the KS test, in (0, 1)
  std::int64_t window_size = 100;  ///< n: length of the sliding window, >= 2 stat_size
  std::int64_t stat_size = 30;     ///< r: size of each sample compared, >= 1
  double min_statistic = 0.1;      ///< drift also needs KS statistic > this, in [0, 1)
  std::uint64_t seed = 0;          ///< seed of the sampling generator

  void validate() const {
    detail::require_open_unit(alpha, "kswin", "alpha");
    detail::require_min_int(stat_size, 1, "kswin", "stat_size");
    if (window_size < 2 * stat_size) {
      throw InvalidArgument("kswin: window_size must be >= 2 * stat_size = " +
                            std::to_string(2 * stat_size) +
                            " (the older part must hold a sample of stat_size values), got " +
                            std::to_string(window_size));
    }
    // The window is allocated up front; a restored state must not ask for terabytes.
    detail::require_int_in(window_size, 2 * stat_size, 10000000, "kswin", "window_size");
    if (!(min_statistic >= 0.0 && min_statistic < 1.0)) {
      throw InvalidArgument("kswin: min_statistic must be in [0, 1), got " +
                            detail::format_number(min_statistic));
    }
  }
  nlohmann::json to_json() const {
    return {{"alpha", alpha},
            {"window_size", window_size},
            {"stat_size", stat_size},
            {"min_statistic", min_statistic},
            {"seed", seed}};
  }
  static KswinConfig from_json(const nlohmann::json& j) {
    KswinConfig c;
    c.alpha = detail::get_double(j, "alpha", "kswin");
    c.window_size = detail::get_int(j, "window_size", "kswin");
    c.stat_size = detail::get_int(j, "stat_size", "kswin");
    c.min_statistic = detail::get_double(j, "min_statistic", "kswin");
    const auto& seed = detail::field(j, "seed", "kswin");
    if (!seed.is_number_unsigned() &&
        !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0)) {
      throw InvalidArgument("kswin state: seed must be an integer >= 0, got " + seed.dump());
    }
    c.seed = seed.get<std::uint64_t>();
    c.validate();
    return c;
  }
};

/// KSWIN change detector on a real-valued stream; `drift` or `none`.
class Kswin {
 public:
  using Config = KswinConfig;

  Kswin() : Kswin(Config{}) {}
  explicit Kswin(const Config& config) {
    config.validate();
    config_ = config;
    const auto n = static_cast<std::size_t>(config_.window_size);
    const auto r = static_cast<std::size_t>(config_.stat_size);
    window_.assign(n, 0.0);
    indices_.assign(n - r, 0);
    older_.assign(r, 0.0);
    recent_.assign(r, 0.0);
    reset();
  }

  static const char* name() noexcept { return "kswin"; }
  const Config& config() const noexcept { return config_; }
  const DriftCounters& counters() const noexcept { return counters_; }

  void reset() {
    std::fill(window_.begin(), window_.end(), 0.0);
    head_ = 0;
    count_ = 0;
    rng_.seed(config_.seed);
    p_value_ = 1.0;
    statistic_ = 0.0;
    counters_ = DriftCounters{};
  }

  DriftLevel update(double x) {
    detail::require_finite_input(x, name());
    const std::int64_t n = config_.window_size;
    const std::int64_t r = config_.stat_size;
    if (count_ < n) {
      window_[static_cast<std::size_t>((head_ + count_) % n)] = x;
      ++count_;
    } else {  // full: overwrite the oldest
      window_[static_cast<std::size_t>(head_)] = x;
      head_ = (head_ + 1) % n;
    }
    DriftLevel level = DriftLevel::none;
    if (count_ == n) {
      // W: stat_size distinct positions of the older part, by a partial Fisher-Yates shuffle.
      std::iota(indices_.begin(), indices_.end(), std::int64_t{0});
      const std::int64_t older = n - r;
      for (std::int64_t i = 0; i < r; ++i) {
        const std::int64_t j = i + static_cast<std::int64_t>(bounded(
                                       static_cast<std::uint64_t>(older - i)));
        std::swap(indices_[static_cast<std::size_t>(i)], indices_[static_cast<std::size_t>(j)]);
        older_[static_cast<std::size_t>(i)] = at(indices_[static_cast<std::size_t>(i)]);
        recent_[static_cast<std::size_t>(i)] = at(older + i);
      }
      std::sort(older_.begin(), older_.end());
      std::sort(recent_.begin(), recent_.end());
      const KsResult ks = ks_2samp_sorted(older_.data(), r, recent_.data(), r);
      p_value_ = ks.p_value;
      statistic_ = ks.statistic;
      if (p_value_ <= config_.alpha && statistic_ > config_.min_statistic) {
        level = DriftLevel::drift;
        // Keep R (the newest stat_size values) as the start of the new window.
        head_ = (head_ + older) % n;
        count_ = r;
      }
    }
    counters_.record(level);
    return level;
  }

  /// p-value and statistic of the last test (1 and 0 before the window first filled).
  double p_value() const noexcept { return p_value_; }
  double statistic() const noexcept { return statistic_; }
  /// Values currently held (window_size once full).
  std::int64_t window_count() const noexcept { return count_; }

  nlohmann::json state() const {
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    nlohmann::json values = nlohmann::json::array();
    for (std::int64_t i = 0; i < count_; ++i) values.push_back(at(i));
    std::ostringstream rng;
    rng << rng_;
    j["window"] = std::move(values);
    j["rng"] = rng.str();
    j["p_value"] = p_value_;
    j["statistic"] = statistic_;
    return j;
  }

  void restore(const nlohmann::json& j) {
    Kswin fresh(Config::from_json(detail::state_config(j, name())));
    fresh.counters_ = detail::counters_from_json(j, name());
    const auto& values = detail::field(j, "window", name());
    if (!values.is_array() || values.size() > static_cast<std::size_t>(fresh.config_.window_size)) {
      throw InvalidArgument("kswin state: window must be an array of at most window_size = " +
                            std::to_string(fresh.config_.window_size) + " values");
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_number() || !std::isfinite(values[i].get<double>())) {
        throw InvalidArgument("kswin state: window value " + std::to_string(i) +
                              " must be a finite number, got " + values[i].dump());
      }
      fresh.window_[i] = values[i].get<double>();
    }
    fresh.count_ = static_cast<std::int64_t>(values.size());
    const auto& rng = detail::field(j, "rng", name());
    std::istringstream in(rng.is_string() ? rng.get<std::string>() : std::string());
    in >> fresh.rng_;
    if (!rng.is_string() || in.fail()) {
      throw InvalidArgument("kswin state: rng must be the text of a std::mt19937_64 state");
    }
    fresh.p_value_ = detail::get_double(j, "p_value", name());
    fresh.statistic_ = detail::get_double(j, "statistic", name());
    if (!(fresh.p_value_ >= 0.0 && fresh.p_value_ <= 1.0) ||
        !(fresh.statistic_ >= 0.0 && fresh.statistic_ <= 1.0)) {
      throw InvalidArgument("kswin state: p_value and statistic must be in [0, 1]");
    }
    *this = std::move(fresh);
  }

 private:
  double at(std::int64_t i) const {
    return window_[static_cast<std::size_t>((head_ + i) % config_.window_size)];
  }

  // Uniform integer in [0, bound) by rejection (std::uniform_int_distribution is not portable).
  std::uint64_t bounded(std::uint64_t bound) {
    const std::uint64_t limit = std::mt19937_64::max() - std::mt19937_64::max() % bound;
    std::uint64_t v = rng_();
    while (v >= limit) v = rng_();
    return v % bound;
  }

  Config config_;
  std::vector<double> window_;  // ring of window_size values; head_ is the oldest
  std::vector<std::int64_t> indices_;
  std::vector<double> older_;   // W, sorted for the test
  std::vector<double> recent_;  // R, sorted for the test
  std::int64_t head_ = 0;
  std::int64_t count_ = 0;
  std::mt19937_64 rng_;
  double p_value_ = 1.0;
  double statistic_ = 0.0;
  DriftCounters counters_;
};

}  // namespace ecgad::drift
