#pragma once
// Population stability index (PSI) of a current sample against a reference sample, on bins cut
// at the reference's quantiles, plus the binning helpers the histogram-based tests share
// (chi_square.hpp uses the same quantile bins; jensen_shannon.hpp equal-width pooled bins).
//
// PSI = sum_b (q_b - p_b) ln(q_b / p_b), p the reference and q the current share per bin
// (the credit-scoring stability index; Yurdakul & Naranjo, "Statistical properties of the
// population stability index", J. Risk Model Validation 14(4), 2020). Rule of thumb: < 0.1
// stable, 0.1-0.25 moderate shift, > 0.25 major shift. PSI has no p-value.
//
// Bins: interior edges at the reference quantiles i/bins, i = 1..bins-1 (numpy.quantile's
// default linear interpolation, reproduced bit for bit), outer bins open to -inf / +inf so
// current values beyond the reference range land in the end bins. A value v falls in the bin
// whose interval [e_{b-1}, e_b) contains it (numpy.searchsorted side='right'). Repeated edges
// (a reference with heavy ties) are merged, so the effective bin count can be smaller than
// asked for; PsiResult::bins reports it. Empty bins would make ln(q/p) infinite: shares are
// floored at epsilon (default 1e-4, i.e. "at most one in ten thousand") before the sum.
//
// Inputs: finite, non-empty. Thread-safe, pure.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/drift/ks.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// Default share floor for empty bins in PSI.
inline constexpr double psi_default_epsilon = 1e-4;

/// PSI with the binning that produced it.
struct PsiResult {
  double statistic = 0.0;            ///< PSI >= 0
  Eigen::Index bins = 0;             ///< effective number of bins (after merging equal edges)
  std::vector<double> edges;         ///< interior edges, increasing (bins - 1 of them)
  Eigen::VectorXd reference_counts;  ///< values per bin
  Eigen::VectorXd current_counts;
};

namespace detail {

template <typename Derived>
std::vector<double> sorted_copy(const Eigen::DenseBase<Derived>& x) {
  std::vector<double> v(static_cast<std::size_t>(x.size()));
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    v[static_cast<std::size_t>(i)] = static_cast<double>(x.derived().coeff(i));
  }
  std::sort(v.begin(), v.end());
  return v;
}

// numpy.quantile(x, q) (method 'linear') on sorted x, with numpy 1.24's _lerp: a + (b-a) t,
// or b - (b-a)(1-t) when t >= 0.5, so the edges are the same doubles numpy computes.
inline double numpy_quantile_sorted(const std::vector<double>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  const double virtual_index = (n - 1.0) * q;
  const double lower = std::floor(virtual_index);
  const double t = virtual_index - lower;
  const auto lo = static_cast<std::size_t>(lower);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double a = sorted[lo];
  const double b = sorted[hi];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

inline void require_bins(Eigen::Index bins, const char* function) {
  if (bins < 2) {
    throw InvalidArgument(std::string(function) + ": bins must be >= 2, got " +
                          std::to_string(bins));
  }
}

}  // namespace detail

/// Interior bin edges at the reference quantiles i/bins (i = 1..bins-1), equal edges merged.
/// bins >= 2; reference non-empty and finite.
template <typename Derived>
std::vector<double> quantile_bin_edges(const Eigen::DenseBase<Derived>& reference,
                                       Eigen::Index bins) {
  detail::require_bins(bins, "quantile_bin_edges");
  detail::require_sample(reference, "quantile_bin_edges", "reference");
  const std::vector<double> sorted = detail::sorted_copy(reference);
  std::vector<double> edges;
  edges.reserve(static_cast<std::size_t>(bins - 1));
  for (Eigen::Index i = 1; i < bins; ++i) {
    const double q = static_cast<double>(i) / static_cast<double>(bins);
    const double e = detail::numpy_quantile_sorted(sorted, q);
    if (edges.empty() || e > edges.back()) edges.push_back(e);
  }
  return edges;
}

/// Counts of `x` in the bins (-inf, e_0), [e_0, e_1), ..., [e_last, +inf) given interior edges.
template <typename Derived>
Eigen::VectorXd bin_counts(const Eigen::DenseBase<Derived>& x, const std::vector<double>& edges) {
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(edges.size() + 1));
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double v = static_cast<double>(x.derived().coeff(i));
    const auto b = std::upper_bound(edges.begin(), edges.end(), v) - edges.begin();
    counts(static_cast<Eigen::Index>(b)) += 1.0;
  }
  return counts;
}

/// PSI of `current` against `reference` on `bins` reference-quantile bins (default 10), shares
/// floored at `epsilon` (in (0, 1), default 1e-4). See the file comment.
template <typename A, typename B>
PsiResult psi(const Eigen::DenseBase<A>& reference, const Eigen::DenseBase<B>& current,
              Eigen::Index bins = 10, double epsilon = psi_default_epsilon) {
  detail::require_bins(bins, "psi");
  detail::require_sample(reference, "psi", "reference");
  detail::require_sample(current, "psi", "current");
  if (!(epsilon > 0.0 && epsilon < 1.0)) {
    throw InvalidArgument("psi: epsilon must be in (0, 1), got " +
                          ecgad::detail::format_number(epsilon));
  }
  PsiResult r;
  r.edges = quantile_bin_edges(reference, bins);
  r.bins = static_cast<Eigen::Index>(r.edges.size() + 1);
  r.reference_counts = bin_counts(reference, r.edges);
  r.current_counts = bin_counts(current, r.edges);
  const double n_ref = static_cast<double>(reference.size());
  const double n_cur = static_cast<double>(current.size());
  double sum = 0.0;
  for (Eigen::Index b = 0; b < r.bins; ++b) {
    const double p = std::max(r.reference_counts(b) / n_ref, epsilon);
    const double q = std::max(r.current_counts(b) / n_cur, epsilon);
    sum += (q - p) * std::log(q / p);
  }
  r.statistic = sum;
  return r;
}

}  // namespace ecgad::drift
