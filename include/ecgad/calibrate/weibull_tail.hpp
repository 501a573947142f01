#pragma once
// Weibull-type tail over a threshold: the alternative to the GPD for tails in the Gumbel domain
// that converge to it slowly (Gaussian scores; log-normal scores after a log transform).
//
// Model. With u = distance of a score from a centre (the calibration median, so the model is
// location- and scale-invariant) and u_t > 0 that of the initial threshold, the excesses over
// u_t satisfy
//     P(U > u | U > u_t) = exp(-(B(u) - B(u_t)) / scale),   B(u) = (u^exponent - 1) / exponent
// (B = log at exponent 0): the excesses are exponential on a Box-Cox scale. This is the
// Weibull-tail family -log P(U > u) ~ c u^exponent (Gardes & Girard, Extremes 8, 2005;
// Diebolt, Gardes, Girard & Guillou, Test 17, 2008): exponent 2 is a Gaussian tail, 1 an
// exponential one, 0 a Pareto one. Fitting the exponent instead of a GPD shape matters because
// a Gaussian tail is GPD only in the limit: above its 98% quantile the maximum-likelihood GPD
// has shape ~ -0.1 and under-extrapolates (by ~3% at risk 1e-6 on N(0,1); ~16% after
// exponentiation for log-normal scores fitted in log space), while the Weibull-tail family holds
// a Gaussian tail exactly up to a slowly varying factor (measured in docs/calibrate.md).
// The same idea — pick the scale in which the tail model holds best — is Wadsworth, Tawn &
// Jonathan (Ann. Appl. Stat. 4(3), 2010), there with a Box-Cox transform under a GPD.
//
// Fit: maximum likelihood. For a fixed exponent the scale's MLE is the mean of
// d_i = B(u_i) - B(u_t); with L_i = log(u_i / u_t) the profile log-likelihood is, up to a
// constant, g(exponent) = -N log(mean((exp(exponent L_i) - 1) / exponent)) + exponent sum(L_i).
// g is maximised over exponent in [0, kMaxExponent] by a fixed grid and a golden-section
// refinement of the best grid bracket: deterministic, no optimiser state. (Exponents < 0 are
// heavier than Pareto on the chosen scale and leave mass at infinity: excluded.)

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/calibrate/gpd.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// Largest exponent searched: a tail lighter than exp(-u^8) is, for calibration purposes,
/// bounded (use the GPD, whose negative shape models an end point).
inline constexpr double kMaxWeibullExponent = 8.0;

/// A fitted Weibull-type tail over excesses y = u - u_t > 0 (see the file comment).
struct WeibullTailFit {
  double exponent = 1.0;          ///< Box-Cox exponent of u; 2 Gaussian-like, 1 exponential
  double scale = 1.0;             ///< of the exponential law of B(u) - B(u_t), > 0
  double threshold_offset = 1.0;  ///< u_t > 0: the threshold's distance from the centre
  double loglik = 0.0;            ///< log-likelihood of the excesses (density of y)
  Eigen::Index n_excesses = 0;

  /// B(u_t + y) - B(u_t) for an excess y > 0, accurate for exponents near 0 (expm1/log1p).
  double transformed_excess(double excess) const {
    const double log_ratio = std::log1p(excess / threshold_offset);
    if (exponent == 0.0) return log_ratio;
    return std::pow(threshold_offset, exponent) * std::expm1(exponent * log_ratio) / exponent;
  }

  /// P(Y > excess | Y > 0). 1 for excess <= 0.
  double survival(double excess) const {
    if (!(excess > 0.0)) return 1.0;
    return std::exp(-transformed_excess(excess) / scale);
  }

  /// The excess y with P(Y > y) = p, p in (0, 1]: B(u_t + y) - B(u_t) = -scale log p.
  double inverse_survival(double p) const {
    if (!(p > 0.0 && p <= 1.0)) {
      throw InvalidArgument("WeibullTailFit.inverse_survival: p is " +
                            ecgad::detail::format_number(p) +
                            "; expected a tail probability in (0, 1]");
    }
    const double d = -scale * std::log(p);
    const double log_ratio =
        exponent == 0.0
            ? d
            : std::log1p(exponent * d * std::pow(threshold_offset, -exponent)) / exponent;
    return threshold_offset * std::expm1(log_ratio);
  }

  nlohmann::json to_json() const {
    return {{"exponent", exponent}, {"scale", scale}, {"threshold_offset", threshold_offset},
            {"loglik", loglik}, {"n_excesses", n_excesses}};
  }

  static WeibullTailFit from_json(const nlohmann::json& j) {
    WeibullTailFit f;
    try {
      f.exponent = j.at("exponent").get<double>();
      f.scale = j.at("scale").get<double>();
      f.threshold_offset = j.at("threshold_offset").get<double>();
      f.loglik = j.at("loglik").get<double>();
      f.n_excesses = j.at("n_excesses").get<Eigen::Index>();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("Weibull tail JSON: expected {exponent, scale, "
                                    "threshold_offset, loglik, n_excesses}: ") + e.what());
    }
    if (!(f.exponent >= 0.0 && f.exponent <= kMaxWeibullExponent) || !(f.scale > 0.0) ||
        !std::isfinite(f.scale) || !(f.threshold_offset > 0.0) ||
        !std::isfinite(f.threshold_offset)) {
      throw FormatError("Weibull tail JSON: expected exponent in [0, " +
                        ecgad::detail::format_number(kMaxWeibullExponent) +
                        "], finite scale > 0 and threshold_offset > 0, got exponent " +
                        ecgad::detail::format_number(f.exponent) + ", scale " +
                        ecgad::detail::format_number(f.scale) + ", threshold_offset " +
                        ecgad::detail::format_number(f.threshold_offset));
    }
    return f;
  }
};

namespace detail {

/// mean((exp(a L_i) - 1) / a) (mean L_i at a = 0): the scale's MLE divided by u_t^a.
inline double weibull_mean_excess(const Eigen::ArrayXd& log_ratio, double a) {
  if (a == 0.0) return log_ratio.mean();
  // Vectorised exp - 1 loses digits only when a L is tiny; use expm1 there.
  if (a * log_ratio.maxCoeff() < 1e-3) {
    return log_ratio.unaryExpr([a](double l) { return std::expm1(a * l); }).mean() / a;
  }
  return ((a * log_ratio).exp() - 1.0).mean() / a;
}

/// The profile log-likelihood g(a) without its constant (see the file comment).
inline double weibull_profile(const Eigen::ArrayXd& log_ratio, double sum_log_ratio, double a) {
  const double m = weibull_mean_excess(log_ratio, a);
  if (!(m > 0.0) || !std::isfinite(m)) return -std::numeric_limits<double>::infinity();
  return -static_cast<double>(log_ratio.size()) * std::log(m) + a * sum_log_ratio;
}

}  // namespace detail

/// Fits the Weibull-type tail to excesses y_i > 0 over a threshold at distance
/// `threshold_offset` > 0 from the centre (at least 2 excesses, not all equal) by maximum
/// likelihood (see the file comment). ~70 vectorised passes over the excesses.
inline WeibullTailFit fit_weibull_tail(const Eigen::Ref<const Eigen::VectorXd>& excesses,
                                       double threshold_offset) {
  const auto n = static_cast<std::size_t>(excesses.size());
  detail::require_excesses(excesses.data(), n, "fit_weibull_tail");
  if (!(threshold_offset > 0.0) || !std::isfinite(threshold_offset)) {
    throw InvalidArgument("fit_weibull_tail: threshold_offset is " +
                          ecgad::detail::format_number(threshold_offset) +
                          "; expected the threshold's distance from the centre, finite > 0 "
                          "(an initial threshold above the median)");
  }
  if (excesses.minCoeff() == excesses.maxCoeff()) {
    throw InvalidArgument("fit_weibull_tail: all " + std::to_string(n) + " excesses equal " +
                          ecgad::detail::format_number(excesses(0)) +
                          "; expected spread-out excesses");
  }
  const Eigen::ArrayXd log_ratio = (excesses.array() / threshold_offset).log1p();
  const double sum_log_ratio = log_ratio.sum();
  auto g = [&](double a) { return detail::weibull_profile(log_ratio, sum_log_ratio, a); };

  // Grid every 0.125 over [0, 8] (g is smooth and, on every sample tried, unimodal; the grid
  // guards against a second mode anyway), then golden section in the best point's bracket.
  constexpr int kGrid = 64;
  const double step = kMaxWeibullExponent / kGrid;
  int best = 0;
  double best_value = g(0.0);
  for (int i = 1; i <= kGrid; ++i) {
    const double v = g(step * i);
    if (v > best_value) {
      best_value = v;
      best = i;
    }
  }
  double lo = std::max(0.0, step * (best - 1));
  double hi = std::min(kMaxWeibullExponent, step * (best + 1));
  const double inv_phi = 0.5 * (std::sqrt(5.0) - 1.0);
  double x1 = hi - inv_phi * (hi - lo);
  double x2 = lo + inv_phi * (hi - lo);
  double g1 = g(x1);
  double g2 = g(x2);
  while (hi - lo > 1e-10) {  // ~45 iterations from a 0.25-wide bracket
    if (g1 >= g2) {
      hi = x2;
      x2 = x1;
      g2 = g1;
      x1 = hi - inv_phi * (hi - lo);
      g1 = g(x1);
    } else {
      lo = x1;
      x1 = x2;
      g1 = g2;
      x2 = lo + inv_phi * (hi - lo);
      g2 = g(x2);
    }
  }
  double a = g1 >= g2 ? x1 : x2;
  if (best_value > std::max(g1, g2)) a = step * best;  // a grid end point (0 or 8) won

  WeibullTailFit f;
  f.exponent = a;
  f.threshold_offset = threshold_offset;
  f.n_excesses = excesses.size();
  f.scale = std::pow(threshold_offset, a) * detail::weibull_mean_excess(log_ratio, a);
  // log f(y) = -log scale - d(y)/scale + (a - 1) log(u_t + y); sum d / scale = N at the MLE.
  const auto count = static_cast<double>(n);
  f.loglik = -count * std::log(f.scale) - count +
             (a - 1.0) * (count * std::log(threshold_offset) + sum_log_ratio);
  return f;
}

/// Log-likelihood of excesses under a Weibull-type tail (exponent, scale) at threshold_offset:
/// the density of y = u - u_t, comparable with gpd_loglik on the same excesses.
inline double weibull_tail_loglik(const Eigen::Ref<const Eigen::VectorXd>& excesses,
                                  double exponent, double scale, double threshold_offset) {
  if (!(scale > 0.0) || !(threshold_offset > 0.0) || !(exponent >= 0.0)) {
    return -std::numeric_limits<double>::infinity();
  }
  WeibullTailFit f;
  f.exponent = exponent;
  f.scale = scale;
  f.threshold_offset = threshold_offset;
  double ll = 0.0;
  for (Eigen::Index i = 0; i < excesses.size(); ++i) {
    const double y = excesses(i);
    if (!(y > 0.0)) return -std::numeric_limits<double>::infinity();
    ll += -std::log(scale) - f.transformed_excess(y) / scale +
          (exponent - 1.0) * std::log(threshold_offset + y);
  }
  return ll;
}

}  // namespace ecgad::calibrate
