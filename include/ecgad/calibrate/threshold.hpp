#pragma once
// Thresholds from the anomaly scores of normal calibration data (no labels): mean + k std,
// empirical quantile, median + k MAD, and the target false-positive rate with a finite-sample
// guarantee (the split-conformal quantile).
//
// Convention for the whole calibrate/ area: a score is anomalous when score > threshold.
// (With ties in the calibration scores, ">" is what keeps the conformal guarantee.)
//
// Every rule returns a Threshold value {method, value, parameters} that serialises to JSON, so
// the chosen rule and its inputs travel with the model bundle.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// A calibrated threshold: the rule that made it, its value (score units) and the rule's
/// parameters (inputs such as k or alpha, and descriptive figures such as n or the achieved
/// F-beta). A score is anomalous when score > value.
struct Threshold {
  std::string method;                       ///< e.g. "mean_std", "quantile", "target_fpr"
  double value = 0.0;                       ///< in score units
  std::map<std::string, double> parameters;  ///< sorted by name (stable JSON)

  /// true when `score` is beyond the threshold (score > value).
  bool is_anomalous(double score) const { return score > value; }

  nlohmann::json to_json() const {
    return {{"method", method}, {"value", value}, {"parameters", parameters}};
  }

  /// Inverse of to_json(). Throws FormatError on a missing or mistyped field.
  static Threshold from_json(const nlohmann::json& j) {
    try {
      Threshold t;
      t.method = j.at("method").get<std::string>();
      t.value = j.at("value").get<double>();
      t.parameters = j.at("parameters").get<std::map<std::string, double>>();
      if (t.method.empty()) throw FormatError("threshold JSON: method is empty");
      if (!std::isfinite(t.value)) throw FormatError("threshold JSON: value is not finite");
      return t;
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("threshold JSON: expected {method, value, parameters}: ") +
                        e.what());
    }
  }

  bool operator==(const Threshold& o) const {
    return method == o.method && value == o.value && parameters == o.parameters;
  }
};

namespace detail {

using ScoresRef = Eigen::Ref<const Eigen::VectorXd>;

/// Throws unless `scores` is non-empty, finite and holds at least `min_size` values.
inline void require_scores(const ScoresRef& scores, const char* function,
                           Eigen::Index min_size = 1) {
  const std::string fn(function);
  if (scores.size() < min_size) {
    throw InvalidArgument(fn + ": scores has " + std::to_string(scores.size()) +
                          " values; expected at least " + std::to_string(min_size));
  }
  for (Eigen::Index i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores(i))) {
      throw InvalidArgument(fn + ": scores[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(scores(i)) + "; expected finite scores");
    }
  }
}

inline void require_finite_param(double value, const char* function, const char* name) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(std::string(function) + ": " + name + " is " +
                          ecgad::detail::format_number(value) + "; expected a finite number");
  }
}

// Finite scores near the double's limit can still overflow a sum or a product: refuse to return
// an infinite (or NaN) threshold that would silently flag nothing or everything.
inline void require_no_overflow(double value, const char* function, const char* what) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(std::string(function) + ": " + what + " is " +
                          ecgad::detail::format_number(value) +
                          " (the scores overflow a double); rescale the scores");
  }
}

inline std::vector<double> sorted_copy(const ScoresRef& scores) {
  std::vector<double> v(scores.data(), scores.data() + scores.size());  // Ref: contiguous
  std::sort(v.begin(), v.end());
  return v;
}

/// numpy's _lerp (numpy >= 1.22): a + (b - a) t, computed from b's side when t >= 0.5 so the
/// result is exact at t = 1 and monotone.
inline double numpy_lerp(double a, double b, double t) {
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

/// numpy.quantile(sorted, level) with the default method='linear' (virtual index (n-1) level),
/// on values already sorted ascending.
inline double sorted_quantile(const std::vector<double>& sorted, double level) {
  const std::size_t n = sorted.size();
  const double index = static_cast<double>(n - 1) * level;
  if (index >= static_cast<double>(n - 1)) return sorted[n - 1];
  if (index <= 0.0) return sorted[0];
  const double below = std::floor(index);
  const auto i = static_cast<std::size_t>(below);
  return numpy_lerp(sorted[i], sorted[i + 1], index - below);
}

/// numpy.median of sorted values.
inline double sorted_median(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

/// The rank k = ceil((n + 1)(1 - alpha)) of the conformal quantile. The product is rounded
/// down by a relative 1e-12 first, so a decimal alpha such as 0.1 with n = 99 gives k = 90 and
/// not 91 through representation error (0.9 * 100 = 90.00000000000001).
inline double conformal_rank(Eigen::Index n, double alpha) {
  const double r = static_cast<double>(n + 1) * (1.0 - alpha);
  return std::ceil(r * (1.0 - 1e-12));
}

/// Throws unless 1/(n+1) <= alpha < 1: below 1/(n+1) no calibration score is high enough to
/// guarantee the rate (the conformal quantile would be +infinity).
inline void require_conformal_alpha(double alpha, Eigen::Index n, const char* function,
                                    const char* name = "alpha") {
  const std::string fn(function);
  if (!(alpha > 0.0 && alpha < 1.0)) {
    throw InvalidArgument(fn + ": " + name + " is " + ecgad::detail::format_number(alpha) +
                          "; expected a false-positive rate in (0, 1)");
  }
  if (conformal_rank(n, alpha) > static_cast<double>(n)) {
    throw InvalidArgument(
        fn + ": " + name + " = " + ecgad::detail::format_number(alpha) + " is below 1/(n+1) = " +
        ecgad::detail::format_number(1.0 / static_cast<double>(n + 1)) + " for n = " +
        std::to_string(n) +
        " calibration scores; a rate that small cannot be guaranteed: expected alpha >= 1/(n+1) "
        "or at least " + std::to_string(static_cast<long long>(std::ceil(1.0 / alpha - 1.0))) +
        " calibration scores (or use the extreme-value tail, calibrate/pot.hpp)");
  }
}

}  // namespace detail

/// The TensorFlow autoencoder tutorial's rule: mean(scores) + k * std(scores).
/// ddof = 0 (default) is the population std, numpy.std's default and the tutorial's; ddof = 1
/// the sample std. Needs n > ddof scores. parameters: k, ddof, mean, std, n.
inline Threshold mean_std_threshold(const Eigen::Ref<const Eigen::VectorXd>& scores,
                                    double k = 1.0, int ddof = 0) {
  detail::require_finite_param(k, "mean_std_threshold", "k");
  if (ddof != 0 && ddof != 1) {
    throw InvalidArgument("mean_std_threshold: ddof is " + std::to_string(ddof) +
                          "; expected 0 (population std) or 1 (sample std)");
  }
  detail::require_scores(scores, "mean_std_threshold", ddof + 1);
  const auto n = static_cast<double>(scores.size());
  const double mean = scores.sum() / n;
  // Two-pass variance (numpy's route): sum of squared deviations from the mean.
  const double ss = (scores.array() - mean).square().sum();
  const double std = std::sqrt(ss / (n - ddof));
  detail::require_no_overflow(mean + k * std, "mean_std_threshold", "mean + k * std");
  return {"mean_std", mean + k * std,
          {{"k", k}, {"ddof", static_cast<double>(ddof)}, {"mean", mean}, {"std", std}, {"n", n}}};
}

/// The empirical quantile at `level` in [0, 1], equal to numpy.quantile(scores, level) (default
/// method 'linear'). A percentile p is level = p / 100. parameters: level, n.
inline Threshold quantile_threshold(const Eigen::Ref<const Eigen::VectorXd>& scores,
                                    double level) {
  if (!(level >= 0.0 && level <= 1.0)) {
    throw InvalidArgument("quantile_threshold: level is " + ecgad::detail::format_number(level) +
                          "; expected a quantile level in [0, 1] (a percentile divided by 100)");
  }
  detail::require_scores(scores, "quantile_threshold");
  const auto sorted = detail::sorted_copy(scores);
  return {"quantile", detail::sorted_quantile(sorted, level),
          {{"level", level}, {"n", static_cast<double>(sorted.size())}}};
}

/// 1 / Phi^-1(3/4): scales the MAD to the standard deviation for normal data, as
/// scipy.stats.median_abs_deviation(scale='normal') (Leys et al., JESP 49(4), 2013).
inline constexpr double kMadNormalScale = 1.482602218505602;

/// Robust rule: median + k * 1.4826 * MAD, MAD = median(|scores - median|) (the scaled MAD is
/// scipy.stats.median_abs_deviation(scores, scale='normal')). k = 3 by default, Leys et al.'s
/// "moderately conservative" cut. Unaffected by a few anomalies in the calibration set.
/// parameters: k, median, mad (scaled), n.
inline Threshold mad_threshold(const Eigen::Ref<const Eigen::VectorXd>& scores, double k = 3.0) {
  detail::require_finite_param(k, "mad_threshold", "k");
  detail::require_scores(scores, "mad_threshold");
  const auto sorted = detail::sorted_copy(scores);
  const double median = detail::sorted_median(sorted);
  std::vector<double> deviations(sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) deviations[i] = std::abs(sorted[i] - median);
  std::sort(deviations.begin(), deviations.end());
  const double mad = kMadNormalScale * detail::sorted_median(deviations);
  detail::require_no_overflow(median + k * mad, "mad_threshold", "median + k * mad");
  return {"median_mad", median + k * mad,
          {{"k", k}, {"median", median}, {"mad", mad}, {"n", static_cast<double>(sorted.size())}}};
}

/// Target false-positive rate alpha with a finite-sample guarantee: the
/// ceil((n + 1)(1 - alpha))-th smallest calibration score (split-conformal quantile; Vovk et
/// al. 2005, Angelopoulos & Bates 2021 §1). For a new score exchangeable with the calibration
/// scores, P(score > threshold) <= alpha, and >= alpha - 1/(n+1) when scores have no ties.
/// Throws InvalidArgument when alpha < 1/(n+1) (no calibration score is high enough).
/// parameters: alpha, rank (k, 1-based), n.
inline Threshold target_fpr_threshold(const Eigen::Ref<const Eigen::VectorXd>& scores,
                                      double alpha) {
  detail::require_scores(scores, "target_fpr_threshold");
  detail::require_conformal_alpha(alpha, scores.size(), "target_fpr_threshold");
  const double rank = detail::conformal_rank(scores.size(), alpha);
  std::vector<double> v(scores.data(), scores.data() + scores.size());
  const auto k = static_cast<std::size_t>(std::max(rank, 1.0));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k - 1), v.end());
  return {"target_fpr", v[k - 1],
          {{"alpha", alpha}, {"rank", static_cast<double>(k)},
           {"n", static_cast<double>(scores.size())}}};
}

}  // namespace ecgad::calibrate
