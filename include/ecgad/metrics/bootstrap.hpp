#pragma once
// Percentile bootstrap confidence intervals for any metric of (labels, scores): resample the
// samples with replacement n_resamples times, evaluate the metric on each resample, and report
// the (1 - level)/2 and (1 + level)/2 percentiles of those values (Efron & Tibshirani 1993,
// "An Introduction to the Bootstrap", ch. 13; scipy.stats.bootstrap(method="percentile")).
// Percentiles interpolate linearly between order statistics, as numpy.percentile's default.
//
// Stratified resampling (the default) draws positives from the positives and negatives from
// the negatives, keeping the class counts fixed, so every resample has both classes and the
// interval describes the metric at this prevalence. Unstratified resampling can draw a
// resample with one class, where AUC is undefined: such resamples (the metric throws
// InvalidArgument or returns NaN) are skipped and counted in n_skipped, not guessed.
//
// Reproducible: indices come from std::mt19937_64(seed) through an unbiased bounded draw
// written here (std::uniform_int_distribution differs between standard libraries), so a seed
// gives the same interval on every platform.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/metrics/confusion.hpp"
#include "ecgad/metrics/ranking.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::metrics {

struct BootstrapOptions {
  std::int64_t n_resamples = 1000;  ///< >= 1; 1000-2000 is usual for 95% intervals
  double confidence_level = 0.95;   ///< in (0, 1)
  std::uint64_t seed = 0;
  bool stratified = true;           ///< keep the positive and negative counts of the input
};

struct BootstrapResult {
  double estimate = 0.0;  ///< the metric on the full input
  double low = 0.0;       ///< lower percentile of the resampled values
  double high = 0.0;      ///< upper percentile
  double confidence_level = 0.95;
  std::int64_t n_resamples = 0;  ///< resamples drawn
  std::int64_t n_skipped = 0;    ///< resamples where the metric was undefined
  Eigen::VectorXd distribution;  ///< the metric on each kept resample, in draw order
};

/// A metric of (labels, scores), both float64 vectors of one length; labels are 0/1.
using MetricFunction = std::function<double(const Eigen::VectorXd&, const Eigen::VectorXd&)>;

namespace detail {

/// Uniform integer in [0, n) from a 64-bit engine, without modulo bias (rejection of the
/// incomplete top block).
inline std::uint64_t draw_index(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

/// numpy.percentile(values, q) with the default linear interpolation; values sorted.
inline double sorted_percentile(const std::vector<double>& sorted, double q_percent) {
  const double position = q_percent / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

}  // namespace detail

/// Percentile bootstrap interval of metric(y_true, scores). Throws InvalidArgument on empty or
/// mismatched input, labels other than 0/1, non-finite scores, n_resamples < 1, a confidence
/// level outside (0, 1), a metric undefined on the full input, or when every resample is
/// undefined. Stratified resampling needs both classes in y_true.
inline BootstrapResult bootstrap_ci(const Eigen::Ref<const Eigen::VectorXd>& y_true,
                                    const Eigen::Ref<const Eigen::VectorXd>& scores,
                                    const MetricFunction& metric,
                                    const BootstrapOptions& options = {}) {
  const std::string fn = "bootstrap_ci";
  const Eigen::Index n = y_true.size();
  if (n == 0) throw InvalidArgument(fn + ": y_true is empty; expected at least one sample");
  if (scores.size() != n) {
    throw InvalidArgument(fn + ": y_true has " + std::to_string(n) + " labels but scores has " +
                          std::to_string(scores.size()) + " values; expected equal sizes");
  }
  if (options.n_resamples < 1) {
    throw InvalidArgument(fn + ": n_resamples is " + std::to_string(options.n_resamples) +
                          "; expected at least 1");
  }
  if (!(options.confidence_level > 0.0 && options.confidence_level < 1.0)) {
    throw InvalidArgument(fn + ": confidence_level is " +
                          ecgad::detail::format_number(options.confidence_level) +
                          "; expected a value in (0, 1)");
  }
  if (!metric) throw InvalidArgument(fn + ": metric is empty; expected a callable");
  std::vector<Eigen::Index> positives, negatives;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double label = y_true(i);
    if (!(label == 0.0 || label == 1.0)) {
      throw InvalidArgument(fn + ": y_true[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(label) +
                            "; expected labels 0 (negative) or 1 (positive)");
    }
    if (!std::isfinite(scores(i))) {
      throw InvalidArgument(fn + ": scores[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(scores(i)) + "; expected finite scores");
    }
    (label == 1.0 ? positives : negatives).push_back(i);
  }
  if (options.stratified && (positives.empty() || negatives.empty())) {
    throw InvalidArgument(fn + ": stratified resampling needs both classes but y_true holds only " +
                          std::string(positives.empty() ? "negatives (0)" : "positives (1)") +
                          "; expected at least one of each, or stratified=false");
  }

  BootstrapResult result;
  result.confidence_level = options.confidence_level;
  result.n_resamples = options.n_resamples;
  const Eigen::VectorXd y_full = y_true;
  const Eigen::VectorXd s_full = scores;
  result.estimate = metric(y_full, s_full);  // lets the metric's own error surface first
  if (std::isnan(result.estimate)) {
    throw InvalidArgument(fn + ": the metric is NaN on the full input; expected a defined metric");
  }

  std::mt19937_64 rng(options.seed);
  Eigen::VectorXd y(n), s(n);
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(options.n_resamples));
  for (std::int64_t r = 0; r < options.n_resamples; ++r) {
    if (options.stratified) {
      // Positives first, then negatives; metrics here do not depend on sample order.
      Eigen::Index k = 0;
      for (const auto* group : {&positives, &negatives}) {
        const auto size = static_cast<std::uint64_t>(group->size());
        for (std::size_t j = 0; j < group->size(); ++j, ++k) {
          const Eigen::Index i = (*group)[detail::draw_index(rng, size)];
          y(k) = y_true(i);
          s(k) = scores(i);
        }
      }
    } else {
      for (Eigen::Index k = 0; k < n; ++k) {
        const auto i = static_cast<Eigen::Index>(detail::draw_index(rng, std::uint64_t(n)));
        y(k) = y_true(i);
        s(k) = scores(i);
      }
    }
    double value;
    try {
      value = metric(y, s);
    } catch (const InvalidArgument&) {
      value = std::numeric_limits<double>::quiet_NaN();  // e.g. AUC of a one-class resample
    }
    if (std::isnan(value)) {
      ++result.n_skipped;
    } else {
      values.push_back(value);
    }
  }
  if (values.empty()) {
    throw InvalidArgument(fn + ": the metric was undefined on all " +
                          std::to_string(options.n_resamples) +
                          " resamples; expected at least one defined value (use stratified=true)");
  }
  result.distribution =
      Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
  std::sort(values.begin(), values.end());
  const double alpha_percent = (1.0 - options.confidence_level) / 2.0 * 100.0;
  result.low = detail::sorted_percentile(values, alpha_percent);
  result.high = detail::sorted_percentile(values, 100.0 - alpha_percent);
  return result;
}

/// The metric called `name`: "roc_auc" or "average_precision" (threshold-free), or one of
/// "precision", "recall", "specificity", "f1", "f_beta", "accuracy", "balanced_accuracy", "mcc"
/// at score >= threshold_score (f_beta with `beta`). Undefined threshold metrics give NaN, so
/// bootstrap_ci skips them rather than averaging sklearn's placeholder 0 into the interval.
/// Throws InvalidArgument on an unknown name, a non-finite threshold a threshold metric needs,
/// or beta <= 0.
inline MetricFunction named_metric(const std::string& name, double threshold_score = 0.0,
                                   double beta = 1.0) {
  if (name == "roc_auc") {
    return [](const Eigen::VectorXd& y, const Eigen::VectorXd& s) { return roc_auc(y, s); };
  }
  if (name == "average_precision") {
    return [](const Eigen::VectorXd& y, const Eigen::VectorXd& s) {
      return average_precision(y, s);
    };
  }
  static const char* const threshold_names[] = {"precision", "recall",   "specificity",
                                                "f1",        "f_beta",   "accuracy",
                                                "balanced_accuracy",     "mcc"};
  if (std::find(std::begin(threshold_names), std::end(threshold_names), name) ==
      std::end(threshold_names)) {
    throw InvalidArgument("named_metric: metric '" + name +
                          "' is unknown; expected roc_auc, average_precision, precision, recall, "
                          "specificity, f1, f_beta, accuracy, balanced_accuracy or mcc");
  }
  if (!std::isfinite(threshold_score)) {
    throw InvalidArgument("named_metric: threshold is " +
                          ecgad::detail::format_number(threshold_score) + "; expected a finite "
                          "score threshold for '" + name + "'");
  }
  f_beta(ConfusionMatrix{}, beta);  // validates beta now rather than on the first resample
  return [name, threshold_score, beta](const Eigen::VectorXd& y, const Eigen::VectorXd& s) {
    const ThresholdMetrics m = threshold_metrics(confusion_at_threshold(y, s, threshold_score), beta);
    const MetricValue v = name == "precision"     ? m.precision
                          : name == "recall"      ? m.recall
                          : name == "specificity" ? m.specificity
                          : name == "f1"          ? m.f1
                          : name == "f_beta"      ? m.f_beta
                          : name == "accuracy"    ? m.accuracy
                          : name == "balanced_accuracy" ? m.balanced_accuracy
                                                        : m.mcc;
    return v.defined ? v.value : std::numeric_limits<double>::quiet_NaN();
  };
}

inline void to_json(nlohmann::json& j, const BootstrapOptions& o) {
  j = nlohmann::json{{"n_resamples", o.n_resamples},
                     {"confidence_level", o.confidence_level},
                     {"seed", o.seed},
                     {"stratified", o.stratified}};
}

inline void from_json(const nlohmann::json& j, BootstrapOptions& o) {
  try {
    BootstrapOptions out;
    out.n_resamples = j.at("n_resamples").get<std::int64_t>();
    out.confidence_level = j.at("confidence_level").get<double>();
    out.seed = j.at("seed").get<std::uint64_t>();
    out.stratified = j.at("stratified").get<bool>();
    o = out;
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("BootstrapOptions JSON: ") + e.what() +
                          "; expected n_resamples, confidence_level, seed, stratified");
  }
}

/// The distribution is not stored (it is reproducible from the options and the data).
inline void to_json(nlohmann::json& j, const BootstrapResult& r) {
  j = nlohmann::json{{"estimate", r.estimate},         {"low", r.low},
                     {"high", r.high},                 {"confidence_level", r.confidence_level},
                     {"n_resamples", r.n_resamples},   {"n_skipped", r.n_skipped}};
}

inline void from_json(const nlohmann::json& j, BootstrapResult& r) {
  try {
    BootstrapResult out;
    out.estimate = j.at("estimate").get<double>();
    out.low = j.at("low").get<double>();
    out.high = j.at("high").get<double>();
    out.confidence_level = j.at("confidence_level").get<double>();
    out.n_resamples = j.at("n_resamples").get<std::int64_t>();
    out.n_skipped = j.at("n_skipped").get<std::int64_t>();
    r = out;
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("BootstrapResult JSON: ") + e.what() +
                          "; expected estimate, low, high, confidence_level, n_resamples, "
                          "n_skipped");
  }
}

}  // namespace ecgad::metrics
