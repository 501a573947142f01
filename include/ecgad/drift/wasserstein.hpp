#pragma once
// Wasserstein-1 (earth mover's) distance between two empirical 1-D distributions, equal to
// scipy.stats.wasserstein_distance(reference, current) (unweighted): the area between the two
// ECDFs, sum over consecutive pooled values of |F_ref - F_cur| * gap. In the data's units.
//
// wasserstein_normalized() divides it by the reference's standard deviation (population form,
// ddof = 0, as numpy.std), so one threshold can serve features of different scales: 0.1 means
// "the distributions moved apart by a tenth of a reference standard deviation on average".
// It has no p-value.
//
// Inputs: finite, non-empty (the normalised form also needs a reference that is not constant).
// O((m + n) log(m + n)). Thread-safe, pure.

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Core>

#include "ecgad/drift/ks.hpp"
#include "ecgad/drift/psi.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// scipy.stats.wasserstein_distance(reference, current): W1 in the data's units.
template <typename A, typename B>
double wasserstein(const Eigen::DenseBase<A>& reference, const Eigen::DenseBase<B>& current) {
  detail::require_sample(reference, "wasserstein", "reference");
  detail::require_sample(current, "wasserstein", "current");
  const std::vector<double> a = detail::sorted_copy(reference);
  const std::vector<double> b = detail::sorted_copy(current);
  const auto na = static_cast<double>(a.size());
  const auto nb = static_cast<double>(b.size());
  // Merge-walk the pooled sorted values; between value k and k+1 the ECDFs are constant.
  std::size_t i = 0;
  std::size_t j = 0;
  double total = 0.0;
  double previous = std::min(a.front(), b.front());
  while (i < a.size() || j < b.size()) {
    const double value = (j >= b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    total += std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb) *
             (value - previous);
    while (i < a.size() && a[i] == value) ++i;
    while (j < b.size() && b[j] == value) ++j;
    previous = value;
  }
  return total;
}

/// W1 divided by the reference's standard deviation (ddof = 0). Throws InvalidArgument when the
/// reference is constant (no scale to normalise by).
template <typename A, typename B>
double wasserstein_normalized(const Eigen::DenseBase<A>& reference,
                              const Eigen::DenseBase<B>& current) {
  const double w = wasserstein(reference, current);
  const double n = static_cast<double>(reference.size());
  double mean = 0.0;
  for (Eigen::Index i = 0; i < reference.size(); ++i) {
    mean += static_cast<double>(reference.derived().coeff(i));
  }
  mean /= n;
  double ss = 0.0;
  for (Eigen::Index i = 0; i < reference.size(); ++i) {
    const double d = static_cast<double>(reference.derived().coeff(i)) - mean;
    ss += d * d;
  }
  const double sd = std::sqrt(ss / n);
  if (!(sd > 0.0)) {
    throw InvalidArgument(
        "wasserstein_normalized: the reference sample is constant (standard deviation 0); "
        "expected a reference with spread to normalise by");
  }
  return w / sd;
}

}  // namespace ecgad::drift
