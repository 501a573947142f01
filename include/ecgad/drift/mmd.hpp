#pragma once
// Multivariate two-sample test by the maximum mean discrepancy (Gretton, Borgwardt, Rasch,
// Schölkopf & Smola, "A kernel two-sample test", JMLR 13, 2012) with a Gaussian RBF kernel
// k(x, y) = exp(-|x - y|^2 / (2 sigma^2)):
// - statistic: the unbiased estimate MMD^2_u (their eq. 3), which can be slightly negative
//   when the samples come from one distribution;
// - bandwidth: sigma = the median of the Euclidean distances between all distinct pairs of the
//   pooled sample (the "median heuristic", their §8), unless given; a pooled sample with a
//   zero median distance (more than half the pairs identical) falls back to sigma = 1 after
//   trying the mean distance, and a sample of identical points has MMD 0;
// - p-value: a permutation test, p = (k + 1) / (n_permutations + 1) with k the number of label
//   permutations whose MMD^2_u is >= the observed one (Phipson & Smyth 2010: never 0, valid at
//   every level). Permutations come from a splitmix64-seeded xoshiro256** generator and a
//   Fisher-Yates shuffle written here, so the same seed gives the same p-value on every
//   platform and standard library.
//
// For drift on latent codes or several beat features at once, where per-feature tests miss a
// change of correlation. Cost: the (m + n)^2 kernel matrix once (memory 8 (m + n)^2 bytes),
// then O((m + n)^2) per permutation; subsample to a few thousand rows for large batches.
//
// Inputs: row-major samples (one observation a row, same column count), >= 2 rows each,
// finite. Thread-safe, pure (the generator is local).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// Parameters of mmd_test().
struct MmdConfig {
  /// RBF width sigma in the data's units; <= 0 selects the median heuristic.
  double bandwidth = 0.0;
  /// Label permutations for the p-value; 0 computes the statistic only (p-value NaN).
  Eigen::Index n_permutations = 500;
  std::uint64_t seed = 0;  ///< permutation seed: same seed, same p-value
};

/// The MMD test's outcome.
struct MmdResult {
  double statistic = 0.0;  ///< unbiased MMD^2 (may be slightly < 0 under H0)
  double p_value = 1.0;    ///< (k + 1) / (n_permutations + 1); NaN when n_permutations == 0
  double bandwidth = 0.0;  ///< sigma used
  Eigen::Index n_permutations = 0;
  Eigen::Index exceedances = 0;  ///< k: permutations with a statistic >= the observed one
};

namespace detail {

// xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64: a small, fully specified
// generator so permutation p-values do not depend on the standard library.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) {
    for (auto& s : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  /// Uniform integer in [0, bound) by rejection (Lemire's unbiased bounded method, simplified).
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4] = {0, 0, 0, 0};
};

// MMD^2_u from the pooled kernel matrix (diagonal excluded) and a membership mask.
inline double mmd2_unbiased(const Eigen::MatrixXd& kernel, const std::vector<char>& in_x,
                            double m, double n) {
  double sxx = 0.0;
  double syy = 0.0;
  double sxy = 0.0;
  const Eigen::Index total = kernel.rows();
  for (Eigen::Index j = 0; j < total; ++j) {
    const bool xj = in_x[static_cast<std::size_t>(j)] != 0;
    for (Eigen::Index i = 0; i < j; ++i) {  // upper triangle, column-major friendly
      const double k = kernel(i, j);
      const bool xi = in_x[static_cast<std::size_t>(i)] != 0;
      if (xi && xj) {
        sxx += k;
      } else if (!xi && !xj) {
        syy += k;
      } else {
        sxy += k;
      }
    }
  }
  return 2.0 * sxx / (m * (m - 1.0)) + 2.0 * syy / (n * (n - 1.0)) - 2.0 * sxy / (m * n);
}

}  // namespace detail

/// The median-heuristic RBF width of the pooled rows of x and y: the median Euclidean distance
/// over all distinct pairs (numpy.median convention: mean of the middle two for an even count).
inline double mmd_median_bandwidth(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                   const Eigen::Ref<const Eigen::MatrixXd>& y) {
  Eigen::MatrixXd pooled(x.rows() + y.rows(), x.cols());
  pooled << x, y;
  const Eigen::Index total = pooled.rows();
  std::vector<double> distances;
  distances.reserve(static_cast<std::size_t>(total * (total - 1) / 2));
  for (Eigen::Index i = 0; i < total; ++i) {
    for (Eigen::Index j = i + 1; j < total; ++j) {
      distances.push_back((pooled.row(i) - pooled.row(j)).norm());
    }
  }
  if (distances.empty()) return 1.0;
  const std::size_t mid = distances.size() / 2;
  std::nth_element(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(mid),
                   distances.end());
  double median = distances[mid];
  if (distances.size() % 2 == 0) {
    median = 0.5 * (median + *std::max_element(distances.begin(),
                                               distances.begin() + static_cast<std::ptrdiff_t>(mid)));
  }
  if (median > 0.0) return median;
  double mean = 0.0;
  for (double d : distances) mean += d;
  mean /= static_cast<double>(distances.size());
  return mean > 0.0 ? mean : 1.0;
}

/// Kernel two-sample test of the rows of `reference` (m x d) against the rows of `current`
/// (n x d) by the unbiased MMD^2 with an RBF kernel and a permutation p-value (file comment).
inline MmdResult mmd_test(const Eigen::Ref<const Eigen::MatrixXd>& reference,
                          const Eigen::Ref<const Eigen::MatrixXd>& current,
                          const MmdConfig& config = {}) {
  if (reference.rows() < 2 || current.rows() < 2) {
    throw InvalidArgument("mmd_test: each sample needs at least 2 rows, got " +
                          std::to_string(reference.rows()) + " reference and " +
                          std::to_string(current.rows()) + " current rows");
  }
  if (reference.cols() != current.cols() || reference.cols() < 1) {
    throw InvalidArgument("mmd_test: reference has " + std::to_string(reference.cols()) +
                          " columns and current " + std::to_string(current.cols()) +
                          "; expected the same number (>= 1) of features");
  }
  ecgad::detail::require_finite(reference, "mmd_test: reference");
  ecgad::detail::require_finite(current, "mmd_test: current");
  if (!std::isfinite(config.bandwidth)) {
    throw InvalidArgument("mmd_test: bandwidth must be finite (<= 0 for the median heuristic), "
                          "got " + ecgad::detail::format_number(config.bandwidth));
  }
  if (config.n_permutations < 0) {
    throw InvalidArgument("mmd_test: n_permutations must be >= 0, got " +
                          std::to_string(config.n_permutations));
  }
  MmdResult r;
  r.bandwidth =
      config.bandwidth > 0.0 ? config.bandwidth : mmd_median_bandwidth(reference, current);
  const Eigen::Index m = reference.rows();
  const Eigen::Index n = current.rows();
  const Eigen::Index total = m + n;
  Eigen::MatrixXd pooled(total, reference.cols());
  pooled << reference, current;
  // Squared distances from differences, not from the Gram matrix: |x|^2 + |y|^2 - 2 x.y
  // cancels badly for nearby points far from the origin (features with a large offset).
  Eigen::MatrixXd kernel(total, total);
  const double scale = -1.0 / (2.0 * r.bandwidth * r.bandwidth);
  for (Eigen::Index j = 0; j < total; ++j) {
    kernel(j, j) = 1.0;
    for (Eigen::Index i = 0; i < j; ++i) {
      const double k = std::exp(scale * (pooled.row(i) - pooled.row(j)).squaredNorm());
      kernel(i, j) = k;
      kernel(j, i) = k;
    }
  }
  std::vector<char> in_x(static_cast<std::size_t>(total), 0);
  std::fill(in_x.begin(), in_x.begin() + m, 1);
  const auto md = static_cast<double>(m);
  const auto nd = static_cast<double>(n);
  r.statistic = detail::mmd2_unbiased(kernel, in_x, md, nd);
  r.n_permutations = config.n_permutations;
  if (config.n_permutations == 0) {
    r.p_value = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  detail::Xoshiro256 rng(config.seed);
  // Permuting the labels is the same as permuting the rows; the observed statistic counts
  // as an exceedance of itself through the + 1.
  const double tolerance = 1e-12 * std::max(1.0, std::abs(r.statistic));
  for (Eigen::Index p = 0; p < config.n_permutations; ++p) {
    for (std::size_t i = in_x.size() - 1; i > 0; --i) {
      std::swap(in_x[i], in_x[static_cast<std::size_t>(rng.below(i + 1))]);
    }
    // The tolerance keeps permutations that reproduce the observed split (up to summation
    // order) counted as exceedances.
    if (detail::mmd2_unbiased(kernel, in_x, md, nd) >= r.statistic - tolerance) ++r.exceedances;
  }
  r.p_value = static_cast<double>(r.exceedances + 1) /
              static_cast<double>(config.n_permutations + 1);
  return r;
}

}  // namespace ecgad::drift
