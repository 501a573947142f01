#pragma once
// Jensen-Shannon distance between the histograms of a reference and a current sample on
// shared bins, equal to scipy.spatial.distance.jensenshannon(p, q, base) with p and q the two
// numpy.histogram counts over numpy.histogram_bin_edges(concatenate([reference, current]),
// bins): `bins` equal-width bins spanning the pooled range (a zero range widens to +-0.5, as
// numpy does), each bin [e_i, e_i+1) except the last, which is closed.
//
// JS distance = sqrt((KL(p || m) + KL(q || m)) / 2 / ln(base)), m = (p + q) / 2: symmetric,
// bounded ([0, 1] for base 2, the default), defined even where one histogram is empty (unlike
// KL or PSI, no epsilon needed). No p-value.
//
// Inputs: finite, non-empty; bins >= 2; base > 0 and != 1. Thread-safe, pure.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/drift/ks.hpp"
#include "ecgad/drift/psi.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// The distance and the shared histogram it was computed on.
struct JensenShannonResult {
  double statistic = 0.0;            ///< JS distance, in [0, sqrt(ln 2 / ln base)]
  std::vector<double> edges;         ///< bins + 1 increasing edges (numpy.histogram_bin_edges)
  Eigen::VectorXd reference_counts;  ///< numpy.histogram counts
  Eigen::VectorXd current_counts;
};

/// scipy.spatial.distance.jensenshannon(p, q, base) of two probability (or count) vectors of
/// equal length: each is normalised by its sum first. Entries >= 0, each sum > 0.
inline double jensen_shannon_distance(const Eigen::Ref<const Eigen::VectorXd>& p,
                                      const Eigen::Ref<const Eigen::VectorXd>& q,
                                      double base = 2.0) {
  if (p.size() != q.size() || p.size() == 0) {
    throw InvalidArgument("jensen_shannon_distance: p has " + std::to_string(p.size()) +
                          " entries and q " + std::to_string(q.size()) +
                          "; expected two non-empty vectors of equal length");
  }
  if (!(base > 0.0) || base == 1.0 || !std::isfinite(base)) {
    throw InvalidArgument("jensen_shannon_distance: base must be > 0 and != 1, got " +
                          ecgad::detail::format_number(base));
  }
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (!(p(i) >= 0.0) || !(q(i) >= 0.0) || !std::isfinite(p(i)) || !std::isfinite(q(i))) {
      throw InvalidArgument("jensen_shannon_distance: entry " + std::to_string(i) + " is " +
                            ecgad::detail::format_number(p(i)) + " / " +
                            ecgad::detail::format_number(q(i)) +
                            "; expected finite non-negative weights");
    }
  }
  const double sp = p.sum();
  const double sq = q.sum();
  if (!(sp > 0.0) || !(sq > 0.0)) {
    throw InvalidArgument("jensen_shannon_distance: p or q sums to 0; expected positive mass");
  }
  // scipy.special.rel_entr(x, y) = x log(x / y) for x > 0, 0 for x == 0.
  double left = 0.0;
  double right = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    const double pi = p(i) / sp;
    const double qi = q(i) / sq;
    const double mi = (pi + qi) / 2.0;
    if (pi > 0.0) left += pi * std::log(pi / mi);
    if (qi > 0.0) right += qi * std::log(qi / mi);
  }
  double js = left + right;  // scipy's order of operations
  js /= std::log(base);
  return std::sqrt(std::max(js / 2.0, 0.0));
}

/// numpy.histogram_bin_edges(pooled, bins): bins + 1 equal-width edges over [min, max] of the
/// pooled sample (a zero-width range becomes [v - 0.5, v + 0.5]).
inline std::vector<double> equal_width_edges(double first, double last, Eigen::Index bins) {
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  std::vector<double> edges(static_cast<std::size_t>(bins + 1));
  const double step = (last - first) / static_cast<double>(bins);
  for (Eigen::Index i = 0; i <= bins; ++i) {
    edges[static_cast<std::size_t>(i)] = static_cast<double>(i) * step + first;  // numpy.linspace
  }
  edges.back() = last;
  return edges;
}

/// numpy.histogram(x, edges)[0]: [e_i, e_i+1) bins, the last one closed; values outside are
/// not counted.
template <typename Derived>
Eigen::VectorXd histogram_counts(const Eigen::DenseBase<Derived>& x,
                                 const std::vector<double>& edges) {
  const auto bins = static_cast<Eigen::Index>(edges.size() - 1);
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(bins);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double v = static_cast<double>(x.derived().coeff(i));
    if (v < edges.front() || v > edges.back()) continue;
    auto b = static_cast<Eigen::Index>(std::upper_bound(edges.begin(), edges.end(), v) -
                                       edges.begin()) -
             1;
    counts(std::min(b, bins - 1)) += 1.0;
  }
  return counts;
}

/// Jensen-Shannon distance of `current` against `reference` on `bins` shared equal-width bins
/// (default 10) in log base `base` (default 2). See the file comment.
template <typename A, typename B>
JensenShannonResult jensen_shannon(const Eigen::DenseBase<A>& reference,
                                   const Eigen::DenseBase<B>& current, Eigen::Index bins = 10,
                                   double base = 2.0) {
  detail::require_bins(bins, "jensen_shannon");
  detail::require_sample(reference, "jensen_shannon", "reference");
  detail::require_sample(current, "jensen_shannon", "current");
  const double lo = std::min(static_cast<double>(reference.minCoeff()),
                             static_cast<double>(current.minCoeff()));
  const double hi = std::max(static_cast<double>(reference.maxCoeff()),
                             static_cast<double>(current.maxCoeff()));
  JensenShannonResult r;
  r.edges = equal_width_edges(lo, hi, bins);
  r.reference_counts = histogram_counts(reference, r.edges);
  r.current_counts = histogram_counts(current, r.edges);
  r.statistic = jensen_shannon_distance(r.reference_counts, r.current_counts, base);
  return r;
}

}  // namespace ecgad::drift
