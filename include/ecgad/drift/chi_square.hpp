#pragma once
// Chi-square test of homogeneity on binned counts, equal to scipy.stats.chi2_contingency on the
// 2 x bins table [reference counts; current counts] (Pearson's statistic, dof = bins - 1, p from
// the chi-square survival function). Yates' continuity correction is applied only when dof == 1
// (two bins), exactly as scipy's default correction=True does; with more bins there is none.
//
// Bins: the reference-quantile bins of psi.hpp (default 10), so every bin holds about n/bins
// reference values and no column of the table is empty (scipy refuses a zero expected count;
// so does this, naming the bin). Unlike PSI this gives a p-value — but with large samples any
// tiny shift becomes "significant": pair it with an effect size (PSI, Wasserstein) for alerts.
//
// Inputs: finite, non-empty; bins >= 2. Thread-safe, pure.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/drift/ks.hpp"
#include "ecgad/drift/psi.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// scipy.stats.chi2_contingency's result on a 2 x bins table, with the bins used.
struct ChiSquareResult {
  double statistic = 0.0;            ///< Pearson's chi-square (Yates-corrected if dof == 1)
  double p_value = 1.0;              ///< chi2.sf(statistic, dof)
  Eigen::Index dof = 0;              ///< non-empty bins - 1
  std::vector<double> edges;         ///< interior edges (see psi.hpp)
  Eigen::VectorXd reference_counts;  ///< per bin (chi_square: every bin, empty ones included)
  Eigen::VectorXd current_counts;
};

namespace detail {

// Regularised upper incomplete gamma Q(a, x) (scipy.special.gammaincc): the power series of
// P for x < a + 1, Lentz's continued fraction for Q otherwise (Numerical Recipes §6.2), both
// to ~1e-15 relative; the prefactor x^a e^-x / Gamma(a) in log form.
inline double gamma_q(double a, double x) {
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < 100000; ++n) {
      term *= x / (a + static_cast<double>(n));
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-17) break;
    }
    return std::max(0.0, 1.0 - sum * std::exp(log_prefactor));
  }
  const double tiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / tiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -static_cast<double>(i) * (static_cast<double>(i) - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(log_prefactor) * h;
}

}  // namespace detail

/// scipy.stats.chi2.sf(x, dof) for x >= 0 and dof >= 1.
inline double chi2_sf(double x, double dof) {
  if (!(dof > 0.0)) {
    throw InvalidArgument("chi2_sf: dof must be > 0, got " + ecgad::detail::format_number(dof));
  }
  if (std::isnan(x)) return x;
  return detail::gamma_q(dof / 2.0, x / 2.0);
}

/// scipy.stats.chi2_contingency([reference_counts, current_counts]) (correction=True: Yates only
/// for one degree of freedom). Counts >= 0, equal lengths >= 2, every column and both rows with
/// a positive total.
inline ChiSquareResult chi_square_counts(const Eigen::Ref<const Eigen::VectorXd>& reference_counts,
                                         const Eigen::Ref<const Eigen::VectorXd>& current_counts) {
  const Eigen::Index bins = reference_counts.size();
  if (bins != current_counts.size() || bins < 2) {
    throw InvalidArgument("chi_square_counts: the rows have " + std::to_string(bins) + " and " +
                          std::to_string(current_counts.size()) +
                          " bins; expected two rows of equal length >= 2");
  }
  for (Eigen::Index b = 0; b < bins; ++b) {
    if (!(reference_counts(b) >= 0.0) || !(current_counts(b) >= 0.0) ||
        !std::isfinite(reference_counts(b)) || !std::isfinite(current_counts(b))) {
      throw InvalidArgument("chi_square_counts: bin " + std::to_string(b) + " holds " +
                            ecgad::detail::format_number(reference_counts(b)) + " / " +
                            ecgad::detail::format_number(current_counts(b)) +
                            "; expected finite non-negative counts");
    }
  }
  const double row0 = reference_counts.sum();
  const double row1 = current_counts.sum();
  const double total = row0 + row1;
  ChiSquareResult r;
  r.reference_counts = reference_counts;
  r.current_counts = current_counts;
  r.dof = bins - 1;
  double stat = 0.0;
  for (Eigen::Index b = 0; b < bins; ++b) {
    const double col = reference_counts(b) + current_counts(b);
    const double observed[2] = {reference_counts(b), current_counts(b)};
    const double rows[2] = {row0, row1};
    for (int k = 0; k < 2; ++k) {
      const double expected = rows[k] * col / total;
      if (!(expected > 0.0)) {
        throw InvalidArgument("chi_square_counts: the expected count of " +
                              std::string(k == 0 ? "reference" : "current") + " bin " +
                              std::to_string(b) +
                              " is 0 (an empty bin or an empty row); expected every bin and "
                              "both samples to hold values");
      }
      double o = observed[k];
      if (r.dof == 1) {  // Yates: move each count up to 0.5 towards its expectation
        const double diff = expected - o;
        o += std::min(0.5, std::abs(diff)) * (diff > 0.0 ? 1.0 : (diff < 0.0 ? -1.0 : 0.0));
      }
      stat += (o - expected) * (o - expected) / expected;
    }
  }
  r.statistic = stat;
  r.p_value = chi2_sf(stat, static_cast<double>(r.dof));
  return r;
}

/// Chi-square homogeneity test of `current` against `reference` on `bins` reference-quantile
/// bins (default 10; see psi.hpp for the binning and how equal edges merge).
template <typename A, typename B>
ChiSquareResult chi_square(const Eigen::DenseBase<A>& reference,
                           const Eigen::DenseBase<B>& current, Eigen::Index bins = 10) {
  detail::require_bins(bins, "chi_square");
  detail::require_sample(reference, "chi_square", "reference");
  detail::require_sample(current, "chi_square", "current");
  const std::vector<double> edges = quantile_bin_edges(reference, bins);
  const Eigen::VectorXd ref_all = bin_counts(reference, edges);
  const Eigen::VectorXd cur_all = bin_counts(current, edges);
  // A bin empty in both samples (possible when ties pile up at a quantile edge) carries no
  // information and would make scipy refuse the table: it is left out of the table (and of dof).
  std::vector<Eigen::Index> kept;
  for (Eigen::Index b = 0; b < ref_all.size(); ++b) {
    if (ref_all(b) + cur_all(b) > 0.0) kept.push_back(b);
  }
  if (kept.size() < 2) {
    throw InvalidArgument("chi_square: only " + std::to_string(kept.size()) +
                          " bin holds values; expected at least 2 non-empty bins");
  }
  Eigen::VectorXd ref(static_cast<Eigen::Index>(kept.size()));
  Eigen::VectorXd cur(ref.size());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    ref(static_cast<Eigen::Index>(k)) = ref_all(kept[k]);
    cur(static_cast<Eigen::Index>(k)) = cur_all(kept[k]);
  }
  ChiSquareResult r = chi_square_counts(ref, cur);
  r.edges = edges;
  r.reference_counts = ref_all;
  r.current_counts = cur_all;
  return r;
}

}  // namespace ecgad::drift
