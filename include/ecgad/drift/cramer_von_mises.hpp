#pragma once
// Two-sample Cramér-von Mises test, equal to scipy.stats.cramervonmises_2samp (scipy 1.10.1):
// the statistic T of Anderson (1962, eq. 9) from mid-ranks of the pooled sample, and its p-value
// - exact (method automatic when both sizes are <= 20): the permutation distribution of the
//   integer-valued U by the frequency-table recursion of Xiao, Gordon & Yakovlev (J. Stat.
//   Softw. 17(8), 2006), counted in 64-bit integers;
// - asymptotic otherwise: T normalised by its exact mean and variance (Anderson 1962, eqs. 11,
//   14, 15) and referred to the limiting one-sample distribution (Csörgő & Faraway 1996, eq.
//   1.2), whose series scipy truncates at the first term below 1e-7 — reproduced here, so the
//   p-values agree with scipy to ~1e-13 (both carry the same ~1e-7 truncation error against the
//   true limit).
//
// Why next to KS: CvM integrates the squared ECDF gap over the whole support, so it sees a
// change of spread or of the tails that moves the ECDF a little everywhere, where KS looks
// only at the largest single gap.
//
// Inputs: finite, at least 2 values per sample (scipy's requirement). Thread-safe, pure.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "ecgad/drift/ks.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// How the p-value is computed; automatic = exact when max(m, n) <= 20 (scipy's rule).
enum class CvmMethod { automatic, exact, asymptotic };

/// Parses scipy's spelling: "auto", "exact", "asymptotic".
inline CvmMethod parse_cvm_method(const std::string& name) {
  if (name == "auto") return CvmMethod::automatic;
  if (name == "exact") return CvmMethod::exact;
  if (name == "asymptotic") return CvmMethod::asymptotic;
  throw InvalidArgument("method must be 'auto', 'exact' or 'asymptotic', got '" + name + "'");
}

/// scipy.stats.cramervonmises_2samp's result.
struct CvmResult {
  double statistic = 0.0;  ///< T (Anderson 1962, eq. 9), >= 0 up to rounding
  double p_value = 1.0;    ///< in [0, 1]
  bool exact = false;      ///< true when the exact permutation distribution gave the p-value
};

namespace detail {

// exp(z) K_nu(z), the scaled modified Bessel function of the second kind, from the integral
// K_nu(z) = int_0^inf exp(-z cosh t) cosh(nu t) dt by the trapezoid rule, which converges
// geometrically for this analytic, doubly-exponentially decaying integrand (~1e-16 here).
inline double bessel_k_scaled(double nu, double z) {
  const double h = std::min(0.05, 0.25 / std::sqrt(z));
  double sum = 0.5;  // t = 0: exp(0) cosh(0) / 2
  for (int i = 1;; ++i) {
    const double t = h * static_cast<double>(i);
    const double s = std::sinh(0.5 * t);
    const double term = std::exp(-z * 2.0 * s * s) * std::cosh(nu * t);
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum * h;
}

// The limiting CDF of the one-sample CvM statistic (Csörgő & Faraway 1996, eq. 1.2), summed
// as scipy's _cdf_cvm_inf does: until the first term with |term| < 1e-7.
inline double cvm_limit_cdf(double x) {
  const double pi = 3.14159265358979323846;
  double total = 0.0;
  for (int k = 0;; ++k) {
    const double kd = static_cast<double>(k);
    const double u = std::exp(std::lgamma(kd + 0.5) - std::lgamma(kd + 1.0)) /
                     (std::pow(pi, 1.5) * std::sqrt(x));
    const double y = 4.0 * kd + 1.0;
    const double q = y * y / (16.0 * x);
    // exp(-q) K_1/4(q) = exp(-2q) * [exp(q) K_1/4(q)]
    const double term = u * std::sqrt(y) * std::exp(-2.0 * q) * bessel_k_scaled(0.25, q);
    total += term;
    if (!(std::abs(term) >= 1e-7)) break;
  }
  return total;
}

// Python's float floor division a // b (CPython float_floor_div), used by scipy for zeta.
inline double python_floordiv(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0) {
    if ((b < 0.0) != (mod < 0.0)) div -= 1.0;
  }
  double floordiv = 0.0;
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, a / b);
  }
  return floordiv;
}

// Exact Pr(U >= u) under the permutation null (Xiao et al. 2006, Algorithm 1): for each
// lattice path prefix (u, v) the frequency table of the partial sums of (a v - b u)^2.
inline double cvm_exact_pvalue(double u_stat, std::int64_t m, std::int64_t n) {
  const std::int64_t lcm = std::lcm(m, n);
  const std::int64_t a = lcm / m;
  const std::int64_t b = lcm / n;
  const std::int64_t mn = m * n;
  const double zeta = python_floordiv(
      static_cast<double>(lcm * lcm * (m + n)) *
          (6.0 * u_stat - static_cast<double>(mn * (4 * mn - 1))),
      static_cast<double>(6 * mn * mn));
  using Table = std::vector<std::pair<std::int64_t, std::int64_t>>;  // (value, count), sorted
  std::vector<Table> gs(static_cast<std::size_t>(m + 1));
  gs[0] = {{0, 1}};
  std::vector<Table> next(gs.size());
  Table tmp;
  Table merged;
  for (std::int64_t u = 0; u <= n; ++u) {
    tmp.clear();
    for (std::int64_t v = 0; v <= m; ++v) {
      const Table& g = gs[static_cast<std::size_t>(v)];
      merged.clear();
      std::size_t i = 0;
      std::size_t j = 0;
      while (i < tmp.size() || j < g.size()) {
        if (j == g.size() || (i < tmp.size() && tmp[i].first < g[j].first)) {
          merged.push_back(tmp[i++]);
        } else if (i == tmp.size() || g[j].first < tmp[i].first) {
          merged.push_back(g[j++]);
        } else {
          merged.emplace_back(tmp[i].first, tmp[i].second + g[j].second);
          ++i;
          ++j;
        }
      }
      const std::int64_t step = a * v - b * u;
      for (auto& e : merged) e.first += step * step;
      tmp.swap(merged);
      next[static_cast<std::size_t>(v)] = tmp;
    }
    gs.swap(next);
  }
  std::int64_t count = 0;
  for (const auto& [value, freq] : gs[static_cast<std::size_t>(m)]) {
    if (static_cast<double>(value) >= zeta) count += freq;
  }
  // math.comb(m + n, m), exact in 64 bits for the sizes the exact method is used for.
  std::int64_t total = 1;
  for (std::int64_t i = 1; i <= std::min(m, n); ++i) total = total * (m + n - std::min(m, n) + i) / i;
  return static_cast<double>(count) / static_cast<double>(total);
}

}  // namespace detail

/// Two-sample Cramér-von Mises test of `reference` against `current`:
/// scipy.stats.cramervonmises_2samp(reference, current, method). Samples need not be sorted;
/// each needs >= 2 finite values. The exact method's cost grows like m^2 n^2 (lcm) — meant for
/// the small samples automatic selects it for.
template <typename A, typename B>
CvmResult cramer_von_mises_2samp(const Eigen::DenseBase<A>& reference,
                                 const Eigen::DenseBase<B>& current,
                                 CvmMethod method = CvmMethod::automatic) {
  detail::require_sample(reference, "cramer_von_mises_2samp", "reference");
  detail::require_sample(current, "cramer_von_mises_2samp", "current");
  const auto nx = static_cast<std::int64_t>(reference.size());
  const auto ny = static_cast<std::int64_t>(current.size());
  if (nx < 2 || ny < 2) {
    throw InvalidArgument("cramer_von_mises_2samp: each sample needs at least 2 values, got " +
                          std::to_string(nx) + " reference and " + std::to_string(ny) +
                          " current values");
  }
  if (method == CvmMethod::automatic) {
    method = std::max(nx, ny) > 20 ? CvmMethod::asymptotic : CvmMethod::exact;
  }
  // Pooled values tagged by sample, sorted; mid-ranks for ties (scipy's rankdata 'average').
  const std::int64_t total = nx + ny;
  std::vector<std::pair<double, int>> pooled(static_cast<std::size_t>(total));
  for (std::int64_t i = 0; i < nx; ++i) {
    pooled[static_cast<std::size_t>(i)] = {
        static_cast<double>(reference.derived().coeff(static_cast<Eigen::Index>(i))), 0};
  }
  for (std::int64_t i = 0; i < ny; ++i) {
    pooled[static_cast<std::size_t>(nx + i)] = {
        static_cast<double>(current.derived().coeff(static_cast<Eigen::Index>(i))), 1};
  }
  std::sort(pooled.begin(), pooled.end());
  // Within one sample the i-th smallest value has the i-th smallest pooled rank, so the sum of
  // (rank - i)^2 needs no per-sample sort: walk the pooled order, counting per sample.
  double sum_x = 0.0;
  double sum_y = 0.0;
  std::int64_t seen_x = 0;
  std::int64_t seen_y = 0;
  for (std::size_t start = 0; start < pooled.size();) {
    std::size_t end = start;
    while (end < pooled.size() && pooled[end].first == pooled[start].first) ++end;
    const double midrank = 0.5 * static_cast<double>(start + 1 + end);  // mean of start+1..end
    for (std::size_t k = start; k < end; ++k) {
      if (pooled[k].second == 0) {
        const double dev = midrank - static_cast<double>(++seen_x);
        sum_x += dev * dev;
      } else {
        const double dev = midrank - static_cast<double>(++seen_y);
        sum_y += dev * dev;
      }
    }
    start = end;
  }
  const double u = static_cast<double>(nx) * sum_x + static_cast<double>(ny) * sum_y;
  const std::int64_t k = nx * ny;
  const auto kd = static_cast<double>(k);
  const auto nd = static_cast<double>(total);
  CvmResult r;
  r.statistic = u / static_cast<double>(k * total) - static_cast<double>(4 * k - 1) / (6.0 * nd);
  if (method == CvmMethod::exact) {
    r.p_value = detail::cvm_exact_pvalue(u, nx, ny);
    r.exact = true;
    return r;
  }
  const double et = (1.0 + 1.0 / nd) / 6.0;
  const double vt_num = (nd + 1.0) * (4.0 * kd * nd - 3.0 * static_cast<double>(nx * nx + ny * ny) -
                                      2.0 * kd);
  const double vt = vt_num / (45.0 * nd * nd * 4.0 * kd);
  const double tn = 1.0 / 6.0 + (r.statistic - et) / std::sqrt(45.0 * vt);
  // Below 0.003 the limiting CDF is < 1.3e-18: scipy returns 1 directly.
  r.p_value = tn < 0.003 ? 1.0 : std::max(0.0, 1.0 - detail::cvm_limit_cdf(tn));
  return r;
}

}  // namespace ecgad::drift
