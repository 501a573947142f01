#pragma once
// Generalised Pareto distribution (GPD) fitted to threshold excesses, for extreme-value tails
// (calibrate/pot.hpp, calibrate/spot.hpp).
//
// Parametrisation as scipy.stats.genpareto(c = shape, loc = 0, scale): for excesses y >= 0,
//     S(y) = (1 + shape * y / scale)^(-1 / shape)     (shape = gamma = xi; exp(-y / scale) at 0)
// shape > 0: heavy tail (log-normal-like scores, Pareto); 0: exponential tail (Gaussian and
// exponential scores converge there); < 0: bounded tail, endpoint scale / -shape.
//
// Fit: Grimshaw's (Technometrics 35(2), 1993) maximum likelihood, as in Siffer et al. (KDD
// 2017) and their reference implementation: the profile-likelihood equation in t = shape/scale
//     w(t) = u(t) v(t) - 1 = 0,  u(t) = 1 + mean(log(1 + t y)),  v(t) = mean(1 / (1 + t y))
// has its non-trivial roots in (-1/y_max, 0) and (0, 2(m - y_min)/y_min^2] (m = mean excess);
// each root gives shape = u(t) - 1, scale = shape / t. The reference code
// minimises sum w^2 from a few starting points with L-BFGS-B; here each interval is scanned on a
// fixed grid (clustered towards the ends, where roots of real data sit) and every sign change
// is refined in its bracket (Illinois regula falsi, bisection-safeguarded) to a relative 1e-14:
// deterministic, no optimiser. The candidates are
// every root, the exponential limit (shape 0, scale = mean: t = 0 always solves w = 0) and the
// method of moments (Hosking & Wallis, Technometrics 29(3), 1987: shape = (1 - m^2/s^2)/2,
// scale = m (1 + m^2/s^2)/2); the fit keeps the best log-likelihood.
// (The reference code's log-likelihood of the exponential candidate, n (1 + log m), has the
// wrong sign; here it is the exponential log-likelihood -n (1 + log m).)

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// A fitted GPD over excesses y >= 0 (scipy.stats.genpareto(c = shape, scale = scale)).
struct GpdFit {
  double shape = 0.0;    ///< gamma (xi); scipy's c
  double scale = 1.0;    ///< sigma > 0, in score units
  double loglik = 0.0;   ///< log-likelihood of the excesses it was fitted to
  std::string method = "grimshaw";  ///< "grimshaw" (roots or exponential limit) or "moments"
  Eigen::Index n_excesses = 0;

  /// P(Y > excess), scipy genpareto.sf. 1 for excess <= 0; 0 beyond a bounded tail's end.
  double survival(double excess) const {
    if (!(excess > 0.0)) return 1.0;
    if (shape == 0.0) return std::exp(-excess / scale);
    const double z = shape * excess / scale;
    if (z <= -1.0) return 0.0;
    return std::exp(-std::log1p(z) / shape);
  }

  /// The excess y with P(Y > y) = p, p in (0, 1]: scipy genpareto.isf. expm1 keeps it accurate
  /// when shape is near 0: scale / shape * ((p)^(-shape) - 1) -> -scale log p.
  double inverse_survival(double p) const {
    if (!(p > 0.0 && p <= 1.0)) {
      throw InvalidArgument("GpdFit.inverse_survival: p is " + ecgad::detail::format_number(p) +
                            "; expected a tail probability in (0, 1]");
    }
    if (shape == 0.0) return -scale * std::log(p);
    return scale / shape * std::expm1(-shape * std::log(p));
  }

  nlohmann::json to_json() const {
    return {{"shape", shape}, {"scale", scale}, {"loglik", loglik}, {"method", method},
            {"n_excesses", n_excesses}};
  }

  static GpdFit from_json(const nlohmann::json& j) {
    GpdFit f;
    try {
      f.shape = j.at("shape").get<double>();
      f.scale = j.at("scale").get<double>();
      f.loglik = j.at("loglik").get<double>();
      f.method = j.at("method").get<std::string>();
      f.n_excesses = j.at("n_excesses").get<Eigen::Index>();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("GPD JSON: expected {shape, scale, loglik, method, "
                                    "n_excesses}: ") + e.what());
    }
    if (!std::isfinite(f.shape) || !(f.scale > 0.0) || !std::isfinite(f.scale)) {
      throw FormatError("GPD JSON: shape must be finite and scale finite > 0, got shape " +
                        ecgad::detail::format_number(f.shape) + ", scale " +
                        ecgad::detail::format_number(f.scale));
    }
    return f;
  }
};

namespace detail {

inline void require_excesses(const double* y, std::size_t n, const char* function) {
  const std::string fn(function);
  if (n < 2) {
    throw InvalidArgument(fn + ": " + std::to_string(n) +
                          " excesses; expected at least 2 to fit a GPD");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!(y[i] > 0.0) || !std::isfinite(y[i])) {
      throw InvalidArgument(fn + ": excesses[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(y[i]) +
                            "; expected finite excesses > 0 over the threshold");
    }
  }
}

/// Sum over y of log(1 + t y) and of 1 / (1 + t y), for u(t) and v(t). Eigen's vectorised
/// log (several times faster than a log1p loop, and this is the fit's whole cost); log instead
/// of log1p is harmless since |t| y is never below ~1e-9 relative here.
struct ProfileSums {
  double log_sum = 0.0;
  double inverse_sum = 0.0;
};

inline ProfileSums profile_sums(const double* y, std::size_t n, double t) {
  const Eigen::Map<const Eigen::ArrayXd> ys(y, static_cast<Eigen::Index>(n));
  return {(t * ys + 1.0).log().sum(), (t * ys + 1.0).inverse().sum()};  // no temporaries
}

/// Grimshaw's w(t) = u(t) v(t) - 1.
inline double grimshaw_w(const double* y, std::size_t n, double t) {
  const auto s = profile_sums(y, n, t);
  const auto count = static_cast<double>(n);
  return (1.0 + s.log_sum / count) * (s.inverse_sum / count) - 1.0;
}

/// A root of w in [lo, hi] where w changes sign: Illinois (modified regula falsi, ~10
/// evaluations) with a bisection step whenever it stalls; to a relative 1e-14.
inline double bracketed_root(const double* y, std::size_t n, double lo, double hi, double w_lo,
                             double w_hi) {
  int side = 0;
  for (int it = 0; it < 200; ++it) {
    double mid = (lo * w_hi - hi * w_lo) / (w_hi - w_lo);
    if (!(mid > lo && mid < hi) || it % 8 == 7) mid = 0.5 * (lo + hi);  // safeguard
    if (hi - lo <= 1e-14 * std::max(std::abs(lo), std::abs(hi))) break;
    const double w_mid = grimshaw_w(y, n, mid);
    if (w_mid == 0.0) return mid;
    if ((w_mid < 0.0) == (w_lo < 0.0)) {
      lo = mid;
      w_lo = w_mid;
      if (side == -1) w_hi *= 0.5;  // Illinois: halve the stale end
      side = -1;
    } else {
      hi = mid;
      w_hi = w_mid;
      if (side == 1) w_lo *= 0.5;
      side = 1;
    }
  }
  return 0.5 * (lo + hi);
}

/// Roots of w on a grid of `points` abscissae t(s), s in (0, 1), each refined in its bracket.
template <typename Map>
void grimshaw_roots(const double* y, std::size_t n, int points, Map&& abscissa,
                    std::vector<double>& roots) {
  double t_prev = abscissa(0.0);
  double w_prev = grimshaw_w(y, n, t_prev);
  for (int i = 1; i <= points; ++i) {
    const double t = abscissa(static_cast<double>(i) / points);
    const double w = grimshaw_w(y, n, t);
    if (std::isfinite(w) && std::isfinite(w_prev) && (w < 0.0) != (w_prev < 0.0)) {
      roots.push_back(t_prev < t ? bracketed_root(y, n, t_prev, t, w_prev, w)
                                 : bracketed_root(y, n, t, t_prev, w, w_prev));
    }
    t_prev = t;
    w_prev = w;
  }
}

}  // namespace detail

/// Log-likelihood of excesses under GPD(shape, scale): sum of scipy genpareto.logpdf.
/// -infinity when an excess lies beyond a bounded tail's end or scale <= 0.
inline double gpd_loglik(const Eigen::Ref<const Eigen::VectorXd>& excesses, double shape,
                         double scale) {
  constexpr double minus_inf = -std::numeric_limits<double>::infinity();
  if (!(scale > 0.0) || !std::isfinite(shape)) return minus_inf;
  const auto n = static_cast<double>(excesses.size());
  if (shape == 0.0) return -n * std::log(scale) - excesses.sum() / scale;
  double log_sum = 0.0;
  for (Eigen::Index i = 0; i < excesses.size(); ++i) {
    const double z = shape * excesses(i) / scale;
    if (!(z > -1.0)) return minus_inf;
    log_sum += std::log1p(z);
  }
  return -n * std::log(scale) - (1.0 + 1.0 / shape) * log_sum;
}

/// Fits a GPD to excesses (all finite and > 0, at least 2, not all equal) by Grimshaw's
/// maximum likelihood with the method of moments as a fallback, keeping the better
/// log-likelihood (see the file comment). O(n * ~300) vectorised logs.
inline GpdFit fit_gpd(const Eigen::Ref<const Eigen::VectorXd>& excesses) {
  const double* y = excesses.data();
  const auto n = static_cast<std::size_t>(excesses.size());
  detail::require_excesses(y, n, "fit_gpd");
  const auto count = static_cast<double>(n);
  const double y_min = excesses.minCoeff();
  const double y_max = excesses.maxCoeff();
  const double mean = excesses.sum() / count;
  if (y_min == y_max) {
    throw InvalidArgument("fit_gpd: all " + std::to_string(n) + " excesses equal " +
                          ecgad::detail::format_number(y_min) +
                          "; expected spread-out excesses (a GPD needs a variance)");
  }

  GpdFit best;
  best.n_excesses = excesses.size();
  best.shape = 0.0;
  best.scale = mean;
  best.loglik = gpd_loglik(excesses, 0.0, mean);
  best.method = "grimshaw";

  auto consider = [&](double shape, double scale, const char* method) {
    const double ll = gpd_loglik(excesses, shape, scale);
    if (std::isfinite(ll) && ll > best.loglik) {
      best.shape = shape;
      best.scale = scale;
      best.loglik = ll;
      best.method = method;
    }
  };

  // Grid points per interval: clustered at both ends (cosine spacing) where the roots of real
  // excess samples lie (near -1/y_max for bounded tails, near 0 for light ones).
  constexpr int kPoints = 64;
  constexpr int kRightPoints = 128;  // ~6-10 per decade over the 12-20 decades it spans
  constexpr double kPi = 3.14159265358979323846;
  auto cosine = [](double s) { return 0.5 * (1.0 - std::cos(kPi * s)); };
  std::vector<double> roots;
  // Left interval (-1/y_max, 0): stay a relative 1e-9 inside both ends (log(0) = -inf at the
  // left end; w = O(t^2) rounding noise at the right end).
  const double left = -1.0 / y_max;
  detail::grimshaw_roots(y, n, kPoints,
                         [&](double s) { return left * (1.0 - 1e-9) * (1.0 - cosine(s)) +
                                                left * 1e-9 * cosine(s); },
                         roots);
  // Right interval (0, c], c = 2 (m - y_min) / y_min^2 (Grimshaw's upper bound). The reference
  // code starts it at b = 2 (m - y_min) / (m y_min), but on GPD samples with shape > 0 the root
  // t = shape / scale ~ 1/m lies below b whenever y_min << m (always, for large samples): start
  // at 1e-6 / m instead, where w = O(t^2) has no sign change left to find, and scan the decades
  // up to c on a geometric grid.
  const double c = 2.0 * (mean - y_min) / (y_min * y_min);
  const double right_start = 1e-6 / mean;
  if (c > right_start && std::isfinite(c)) {
    const double log_ratio = std::log(c / right_start);
    detail::grimshaw_roots(y, n, kRightPoints,
                           [&](double s) { return right_start * std::exp(log_ratio * s); },
                           roots);
  }
  for (const double t : roots) {
    if (t == 0.0) continue;
    const auto sums = detail::profile_sums(y, n, t);
    const double shape = sums.log_sum / count;
    const double scale = shape / t;
    consider(shape, scale, "grimshaw");
  }

  // Method of moments with the sample variance (Hosking & Wallis 1987).
  const double variance = (excesses.array() - mean).square().sum() / (count - 1.0);
  const double ratio = mean * mean / variance;
  consider(0.5 * (1.0 - ratio), 0.5 * mean * (ratio + 1.0), "moments");
  return best;
}

}  // namespace ecgad::calibrate
