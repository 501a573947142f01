#pragma once
// Multiple-testing corrections over a family of p-values: Bonferroni (family-wise error rate)
// and Benjamini-Hochberg (false discovery rate, Benjamini & Hochberg, JRSS-B 57(1), 1995).
// Both equal statsmodels.stats.multitest.multipletests(pvalues, alpha, method) with
// method='bonferroni' / 'fdr_bh' (statsmodels 0.13.5, which tests/golden/make_calibrate_golden.py
// ran): the same rejection mask and the same adjusted p-values, computed with the same
// floating-point operations (p * m for Bonferroni; p / (i / m) then a running minimum from the
// largest p-value down, clipped to 1, for BH).
//
// Used by the drift detectors (one test per feature, corrected across features) and by
// conformal selection (calibrate/conformal.hpp: one p-value per new score, BH over a batch).
//
// p-values must lie in [0, 1]; NaN, values outside [0, 1] and an empty family are rejected
// (statsmodels would propagate NaN or return an empty result).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// One boolean per hypothesis, in input order.
using BoolVector = Eigen::Matrix<bool, Eigen::Dynamic, 1>;

/// The outcome of a multiple-testing correction, in the input order of the p-values.
struct MultipleTestingResult {
  BoolVector rejected;       ///< true: the null hypothesis is rejected (a discovery)
  Eigen::VectorXd adjusted;  ///< adjusted p-values in [0, 1] (rejected ~ adjusted <= alpha)
};

/// Which correction multiple_testing() applies.
enum class Correction {
  bonferroni,          ///< statsmodels 'bonferroni': family-wise error rate <= alpha
  benjamini_hochberg,  ///< statsmodels 'fdr_bh': false discovery rate <= alpha (independent or
                       ///< positively dependent tests)
};

/// The statsmodels name of a correction: "bonferroni" or "fdr_bh".
inline const char* correction_name(Correction c) {
  return c == Correction::bonferroni ? "bonferroni" : "fdr_bh";
}

/// Parses a statsmodels method name ("bonferroni", "fdr_bh"; "bh" is accepted for the latter).
inline Correction parse_correction(const std::string& name) {
  if (name == "bonferroni") return Correction::bonferroni;
  if (name == "fdr_bh" || name == "bh") return Correction::benjamini_hochberg;
  throw InvalidArgument("multiple-testing correction '" + name +
                        "' is unknown; expected 'bonferroni' or 'fdr_bh'");
}

namespace detail {

inline void validate_family(const Eigen::Ref<const Eigen::VectorXd>& pvalues, double alpha,
                            const char* function) {
  const std::string fn(function);
  if (pvalues.size() == 0) {
    throw InvalidArgument(fn + ": pvalues is empty; expected at least one p-value");
  }
  if (!(alpha > 0.0 && alpha < 1.0)) {
    throw InvalidArgument(fn + ": alpha is " + ecgad::detail::format_number(alpha) +
                          "; expected a level in (0, 1)");
  }
  for (Eigen::Index i = 0; i < pvalues.size(); ++i) {
    const double p = pvalues(i);
    if (!(p >= 0.0 && p <= 1.0)) {
      throw InvalidArgument(fn + ": pvalues[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(p) + "; expected p-values in [0, 1]");
    }
  }
}

}  // namespace detail

/// Bonferroni correction, as statsmodels multipletests(pvalues, alpha, 'bonferroni'):
/// rejected = p <= alpha / m, adjusted = min(1, p * m), with m = pvalues.size().
/// Throws InvalidArgument on an empty family, alpha outside (0, 1) or p outside [0, 1].
inline MultipleTestingResult bonferroni(const Eigen::Ref<const Eigen::VectorXd>& pvalues,
                                        double alpha = 0.05) {
  detail::validate_family(pvalues, alpha, "bonferroni");
  const auto m = static_cast<double>(pvalues.size());
  const double level = alpha / m;
  MultipleTestingResult r;
  r.rejected.resize(pvalues.size());
  r.adjusted.resize(pvalues.size());
  for (Eigen::Index i = 0; i < pvalues.size(); ++i) {
    r.rejected(i) = pvalues(i) <= level;
    r.adjusted(i) = std::min(1.0, pvalues(i) * m);
  }
  return r;
}

/// Benjamini-Hochberg step-up procedure, as statsmodels multipletests(pvalues, alpha, 'fdr_bh'):
/// with p_(1) <= ... <= p_(m) sorted, k = max{i : p_(i) <= alpha * i / m}; the k smallest are
/// rejected. adjusted_(i) = min(1, min_{j >= i} p_(j) * m / j) (monotone step-up).
/// O(m log m). Throws InvalidArgument on an empty family, alpha outside (0, 1) or p outside
/// [0, 1].
inline MultipleTestingResult benjamini_hochberg(const Eigen::Ref<const Eigen::VectorXd>& pvalues,
                                                double alpha = 0.05) {
  detail::validate_family(pvalues, alpha, "benjamini_hochberg");
  const auto size = static_cast<std::size_t>(pvalues.size());
  const auto m = static_cast<double>(size);
  std::vector<Eigen::Index> order(size);
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  // Ties get equal adjusted values and equal decisions whatever their order, so any sort works.
  std::sort(order.begin(), order.end(),
            [&](Eigen::Index a, Eigen::Index b) { return pvalues(a) < pvalues(b); });

  MultipleTestingResult r;
  r.rejected.setConstant(pvalues.size(), false);
  r.adjusted.resize(pvalues.size());
  // Step-up: the largest rank whose p-value is under its line alpha * i / m rejects every
  // smaller one too, even those above their own line. statsmodels computes the line as
  // (i / m) * alpha and the raw adjustment as p / (i / m); the same operations here give the
  // same bits.
  std::size_t reject_count = 0;
  for (std::size_t k = 0; k < size; ++k) {
    const double ecdf = static_cast<double>(k + 1) / m;
    if (pvalues(order[k]) <= ecdf * alpha) reject_count = k + 1;
  }
  double running_min = 1.0;  // clipping at 1 commutes with the running minimum
  for (std::size_t k = size; k-- > 0;) {
    const double ecdf = static_cast<double>(k + 1) / m;
    running_min = std::min(running_min, pvalues(order[k]) / ecdf);
    r.adjusted(order[k]) = running_min;
    if (k < reject_count) r.rejected(order[k]) = true;
  }
  return r;
}

/// The named correction (see bonferroni() and benjamini_hochberg()).
inline MultipleTestingResult multiple_testing(const Eigen::Ref<const Eigen::VectorXd>& pvalues,
                                              double alpha, Correction method) {
  return method == Correction::bonferroni ? bonferroni(pvalues, alpha)
                                          : benjamini_hochberg(pvalues, alpha);
}

}  // namespace ecgad::calibrate
