#pragma once
// ADWIN: adaptive windowing (Bifet & Gavaldà, "Learning from time-changing data with adaptive
// windowing", SIAM SDM 2007), the ADWIN2 variant with an exponential histogram.
//
// The window W of recent values is summarised by buckets of 2^i values (row i holds at most M
// buckets of that size, oldest first; a row that reaches M + 1 merges its two oldest buckets
// into one of the next row), each with its sum and its variance sum (merged exactly as
// Babcock et al., PODS 2003). Memory and the cost of a check are O(M log(n / M)).
//
// Every `clock` updates (once the window holds more than `grace_period` values) every bucket
// boundary splits W into an older part W0 and a newer part W1; when both hold at least
// `min_window_length` values and |mean(W0) - mean(W1)| > eps_cut, the oldest bucket is dropped
// and the check restarts, until no cut is significant. eps_cut is the variance-based bound of
// the paper (its section 4), with the finite-sample corrections of MOA and river:
//   1/m = 1/(n0 - min_len + 1) + 1/(n1 - min_len + 1)
//   ln(2/δ') = ln(2 ln(n) / δ)   (δ' = δ / ln n)
//   eps_cut = sqrt(2/m · σ²_W · ln(2/δ')) + 2/(3m) · ln(2/δ')
// with σ²_W the (population) variance of the whole window.
//
// Difference from river 0.21's adwin_c.pyx, on purpose: river's loop over a row stops one
// bucket early (`range(current_idx - 1)`), so it never tests the cut after the newest bucket
// of each row and its W0/W1 sums skip those buckets; here every bucket boundary is a candidate
// cut, as in the paper and MOA. On river's documented example (tests/golden/drift_stream.json)
// both detect the change at the same index.

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/drift/detector.hpp"

namespace ecgad::drift {

/// Parameters of ADWIN. Defaults: the paper's δ and river's / MOA's engineering choices.
struct AdwinConfig {
  double delta = 0.002;                 ///< confidence δ in (0, 1); smaller = fewer false alarms
  std::int64_t clock = 32;              ///< check for a cut every this many updates, >= 1
  std::int64_t max_buckets = 5;         ///< M: buckets of one size kept before merging, >= 2
  std::int64_t min_window_length = 5;   ///< both sub-windows need at least this many values, >= 1
  std::int64_t grace_period = 10;       ///< no check until the window holds more values, >= 0

  void validate() const {
    detail::require_open_unit(delta, "adwin", "delta");
    detail::require_min_int(clock, 1, "adwin", "clock");
    detail::require_int_in(max_buckets, 2, 1000000, "adwin", "max_buckets");
    detail::require_min_int(min_window_length, 1, "adwin", "min_window_length");
    detail::require_min_int(grace_period, 0, "adwin", "grace_period");
  }
  nlohmann::json to_json() const {
    return {{"delta", delta},
            {"clock", clock},
            {"max_buckets", max_buckets},
            {"min_window_length", min_window_length},
            {"grace_period", grace_period}};
  }
  static AdwinConfig from_json(const nlohmann::json& j) {
    AdwinConfig c;
    c.delta = detail::get_double(j, "delta", "adwin");
    c.clock = detail::get_int(j, "clock", "adwin");
    c.max_buckets = detail::get_int(j, "max_buckets", "adwin");
    c.min_window_length = detail::get_int(j, "min_window_length", "adwin");
    c.grace_period = detail::get_int(j, "grace_period", "adwin");
    c.validate();
    return c;
  }
};

/// ADWIN change detector on a real-valued stream (see the file comment). Reports `drift` on the
/// update whose check dropped part of the window; never `warning`.
class Adwin {
 public:
  using Config = AdwinConfig;
  /// Rows of the histogram held: row i has buckets of 2^i values, so 62 rows hold more values
  /// than an int64 counts. Allocated once, so updates never allocate.
  static constexpr int kMaxRows = 62;

  Adwin() : Adwin(Config{}) {}
  explicit Adwin(const Config& config) {
    config.validate();
    config_ = config;
    slots_ = static_cast<std::size_t>(config_.max_buckets + 1);
    totals_.assign(kMaxRows * slots_, 0.0);
    variances_.assign(kMaxRows * slots_, 0.0);
    reset();
  }

  static const char* name() noexcept { return "adwin"; }
  const Config& config() const noexcept { return config_; }
  const DriftCounters& counters() const noexcept { return counters_; }

  void reset() {
    std::fill(totals_.begin(), totals_.end(), 0.0);
    std::fill(variances_.begin(), variances_.end(), 0.0);
    counts_.fill(0);
    rows_ = 1;
    width_ = 0;
    total_ = 0.0;
    variance_sum_ = 0.0;
    tick_ = 0;
    counters_ = DriftCounters{};
  }

  /// Adds x to the window and, on a clock tick, drops the old part if it differs.
  DriftLevel update(double x) {
    detail::require_finite_input(x, name());
    insert(x);
    const DriftLevel level = check() ? DriftLevel::drift : DriftLevel::none;
    counters_.record(level);
    return level;
  }

  /// Values in the window.
  std::int64_t width() const noexcept { return width_; }
  /// Mean of the window (0 when empty, as river's `estimation`).
  double mean() const noexcept { return width_ > 0 ? total_ / static_cast<double>(width_) : 0.0; }
  /// Population variance of the window (0 when empty).
  double variance() const noexcept {
    return width_ > 0 ? variance_sum_ / static_cast<double>(width_) : 0.0;
  }
  /// Sum of the window.
  double total() const noexcept { return total_; }
  /// Buckets held (the histogram's size).
  std::int64_t n_buckets() const noexcept {
    std::int64_t n = 0;
    for (int r = 0; r < rows_; ++r) n += counts_[static_cast<std::size_t>(r)];
    return n;
  }

  nlohmann::json state() const {
    nlohmann::json rows = nlohmann::json::array();
    for (int r = 0; r < rows_; ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (int k = 0; k < counts_[static_cast<std::size_t>(r)]; ++k) {
        row.push_back({detail::encode_double(tot(r, k)), detail::encode_double(var(r, k))});
      }
      rows.push_back(std::move(row));
    }
    auto j = detail::state_header(name(), config_.to_json(), counters_);
    j["width"] = width_;
    j["total"] = detail::encode_double(total_);
    j["variance_sum"] = detail::encode_double(variance_sum_);
    j["tick"] = tick_;
    j["rows"] = std::move(rows);
    return j;
  }

  void restore(const nlohmann::json& j) {
    const Config config = Config::from_json(detail::state_config(j, name()));
    const DriftCounters counters = detail::counters_from_json(j, name());
    const std::int64_t width = detail::get_int(j, "width", name());
    const double total = detail::get_double(j, "total", name());
    const double variance_sum = detail::get_double(j, "variance_sum", name());
    const std::int64_t tick = detail::get_int(j, "tick", name());
    const nlohmann::json& rows = detail::field(j, "rows", name());
    if (!rows.is_array() || rows.empty() || rows.size() > static_cast<std::size_t>(kMaxRows)) {
      throw InvalidArgument("adwin state: rows must be an array of 1 to " +
                            std::to_string(kMaxRows) + " rows");
    }
    std::int64_t counted = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto& row = rows[r];
      if (!row.is_array() || row.size() > static_cast<std::size_t>(config.max_buckets) ||
          (row.empty() && r + 1 < rows.size() && r > 0)) {
        throw InvalidArgument("adwin state: row " + std::to_string(r) +
                              " must hold at most max_buckets = " +
                              std::to_string(config.max_buckets) + " buckets");
      }
      counted += static_cast<std::int64_t>(row.size()) << r;
    }
    if (width < 0 || counted != width || !std::isfinite(total) || !std::isfinite(variance_sum) ||
        tick < 0) {
      throw InvalidArgument("adwin state: width " + std::to_string(width) +
                            " does not match the buckets (" + std::to_string(counted) +
                            " values) or total/variance/tick are invalid");
    }
    Adwin fresh(config);  // build aside, so a bad bucket leaves *this unchanged
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t k = 0; k < rows[r].size(); ++k) {
        const auto& b = rows[r][k];
        if (!b.is_array() || b.size() != 2) {
          throw InvalidArgument("adwin state: bucket (" + std::to_string(r) + ", " +
                                std::to_string(k) + ") must be [total, variance]");
        }
        const nlohmann::json pair = {{"t", b[0]}, {"v", b[1]}};
        const double t = detail::get_double(pair, "t", name());
        const double v = detail::get_double(pair, "v", name());
        if (!std::isfinite(t) || !std::isfinite(v)) {
          throw InvalidArgument("adwin state: bucket (" + std::to_string(r) + ", " +
                                std::to_string(k) + ") must be finite");
        }
        fresh.tot(static_cast<int>(r), static_cast<int>(k)) = t;
        fresh.var(static_cast<int>(r), static_cast<int>(k)) = v;
      }
      fresh.counts_[r] = static_cast<int>(rows[r].size());
    }
    fresh.rows_ = static_cast<int>(rows.size());
    fresh.width_ = width;
    fresh.total_ = total;
    fresh.variance_sum_ = variance_sum;
    fresh.tick_ = tick;
    fresh.counters_ = counters;
    *this = std::move(fresh);
  }

 private:
  // 2^row as a double (std::ldexp is a library call on the per-update merge path).
  static double bucket_size(int row) noexcept {
    return static_cast<double>(std::uint64_t{1} << static_cast<unsigned>(row));
  }

  std::size_t slot(int row, int k) const noexcept {
    return static_cast<std::size_t>(row) * slots_ + static_cast<std::size_t>(k);
  }
  double& tot(int row, int k) { return totals_[slot(row, k)]; }
  double& var(int row, int k) { return variances_[slot(row, k)]; }
  double tot(int row, int k) const { return totals_[slot(row, k)]; }
  double var(int row, int k) const { return variances_[slot(row, k)]; }

  void push(int row, double total, double variance) {
    int& c = counts_[static_cast<std::size_t>(row)];
    tot(row, c) = total;
    var(row, c) = variance;
    ++c;
  }

  // Removes the `n` oldest buckets of a row (slot 0 is the oldest).
  void drop_front(int row, int n) {
    int& c = counts_[static_cast<std::size_t>(row)];
    for (int k = n; k < c; ++k) {
      tot(row, k - n) = tot(row, k);
      var(row, k - n) = var(row, k);
    }
    c -= n;
  }

  void insert(double x) {
    ++width_;
    if (width_ > 1) {
      // Welford-style update of the sum of squared deviations of the window.
      const double w = static_cast<double>(width_);
      const double d = x - total_ / (w - 1.0);
      variance_sum_ += (w - 1.0) * d * d / w;
    }
    total_ += x;
    push(0, x, 0.0);
    // Merge the two oldest buckets of a full row into the next row, cascading upwards.
    for (int r = 0; r < rows_; ++r) {
      if (counts_[static_cast<std::size_t>(r)] <= config_.max_buckets) break;
      const double size = bucket_size(r);
      const double t0 = tot(r, 0), t1 = tot(r, 1);
      const double dmu = t0 / size - t1 / size;
      const double v = var(r, 0) + var(r, 1) + size * size * dmu * dmu / (2.0 * size);
      if (r + 1 == rows_) ++rows_;
      push(r + 1, t0 + t1, v);
      drop_front(r, 2);
    }
  }

  // Drops the oldest bucket (the first of the last row).
  void drop_oldest() {
    const int r = rows_ - 1;
    const double n = bucket_size(r);
    const double u = tot(r, 0);
    const double v = var(r, 0);
    width_ -= std::int64_t{1} << r;
    total_ -= u;
    const double w = static_cast<double>(width_);
    const double dmu = u / n - total_ / w;
    variance_sum_ -= v + n * w * dmu * dmu / (n + w);
    drop_front(r, 1);
    if (counts_[static_cast<std::size_t>(r)] == 0 && rows_ > 1) --rows_;
  }

  bool check() {
    ++tick_;
    if (tick_ % config_.clock != 0 || width_ <= config_.grace_period) return false;
    bool detected = false;
    const double min_len = static_cast<double>(config_.min_window_length);
    for (bool cut = true; cut;) {
      cut = false;
      // eps_cut = sqrt(a / m) + b / m with 1/m = 1/(n0 - min_len + 1) + 1/(n1 - min_len + 1);
      // the terms that depend only on the whole window are computed once per scan, and the
      // test |dmu| > sqrt(a/m) + b/m is evaluated as (|dmu| - b/m)^2 > a/m (no sqrt, no log
      // per boundary: this loop is the cost of ADWIN).
      const double w = static_cast<double>(width_);
      const double log_term = std::log(2.0 * std::log(w) / config_.delta);  // ln(2/δ')
      // Rounding in the incremental variance can leave a tiny negative sum on a constant window.
      const double var_w = std::max(0.0, variance_sum_ / w);
      const double a = 2.0 * var_w * log_term;
      const double b = 2.0 / 3.0 * log_term;
      const double shift = 1.0 - min_len;
      double n0 = 0.0, n1 = w, u0 = 0.0, u1 = total_;
      // Oldest buckets first: W0 grows from the old end, W1 is the rest.
      for (int r = rows_ - 1; r >= 0 && !cut; --r) {
        const double size = bucket_size(r);
        const int count = counts_[static_cast<std::size_t>(r)];
        for (int k = 0; k < count; ++k) {
          n0 += size;
          n1 -= size;
          u0 += tot(r, k);
          u1 -= tot(r, k);
          if (r == 0 && k == count - 1) break;  // W1 would be empty
          if (n0 < min_len || n1 < min_len) continue;
          // With p = n0 - min_len + 1, q = n1 - min_len + 1, 1/m = (p + q) / (p q); the test
          // multiplied through by n0 n1 p q > 0 needs no division.
          const double p = n0 + shift, q = n1 + shift, pq = p * q, n01 = n0 * n1;
          const double excess = std::fabs(u0 * n1 - u1 * n0) * pq - b * (p + q) * n01;
          if (excess > 0.0 && excess * excess > a * (p + q) * pq * n01 * n01) {
            drop_oldest();
            cut = detected = true;
            break;
          }
        }
      }
    }
    return detected;
  }

  Config config_;
  std::size_t slots_ = 0;          // max_buckets + 1 slots per row
  std::vector<double> totals_;     // kMaxRows x slots_: bucket sums
  std::vector<double> variances_;  // kMaxRows x slots_: bucket sums of squared deviations
  std::array<int, kMaxRows> counts_{};
  int rows_ = 1;
  std::int64_t width_ = 0;
  double total_ = 0.0;
  double variance_sum_ = 0.0;  // sum of squared deviations from the window mean
  std::int64_t tick_ = 0;
  DriftCounters counters_;
};

}  // namespace ecgad::drift
