#pragma once
// Threshold metrics of binary anomaly decisions: the confusion matrix (at a score threshold or
// from predicted labels) and precision, recall (sensitivity), specificity, F1 / F-beta,
// accuracy, balanced accuracy and Matthews' correlation coefficient, equal to scikit-learn
// 1.2.1's precision_score, recall_score, f1_score, fbeta_score, accuracy_score,
// balanced_accuracy_score and matthews_corrcoef (binary, pos_label=1, no sample weights);
// tests/golden/make_metrics_golden.py ran them.
//
// Zero division: a ratio whose denominator is zero (precision with no predicted positive,
// recall with no actual positive, ...) is returned as 0, as sklearn's default
// zero_division="warn" does, and flagged as undefined (MetricValue::defined == false) so a
// report can say "n/a" instead of a misleading 0. MCC is 0 when any marginal is empty, as
// sklearn returns. A sample is called positive when score >= threshold, matching the
// thresholds of roc_curve / precision_recall_curve in ranking.hpp.

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::metrics {

/// Counts of a binary decision; positive = anomaly (label 1).
struct ConfusionMatrix {
  std::int64_t tp = 0;  ///< anomalies called anomalous
  std::int64_t fp = 0;  ///< normals called anomalous (false alarms)
  std::int64_t tn = 0;  ///< normals called normal
  std::int64_t fn = 0;  ///< anomalies called normal (misses)

  std::int64_t positives() const { return tp + fn; }
  std::int64_t negatives() const { return tn + fp; }
  std::int64_t total() const { return tp + fp + tn + fn; }
  bool operator==(const ConfusionMatrix& o) const {
    return tp == o.tp && fp == o.fp && tn == o.tn && fn == o.fn;
  }
  bool operator!=(const ConfusionMatrix& o) const { return !(*this == o); }
};

/// A metric value and whether it was defined; an undefined value is 0 (sklearn's default).
struct MetricValue {
  double value = 0.0;
  bool defined = true;
};

/// Every threshold metric of one confusion matrix (see threshold_metrics()).
struct ThresholdMetrics {
  ConfusionMatrix counts;
  double beta = 1.0;  ///< the beta of f_beta
  MetricValue precision;
  MetricValue recall;  ///< = sensitivity, true-positive rate
  MetricValue specificity;  ///< = true-negative rate, 1 - false-positive rate
  MetricValue f1;
  MetricValue f_beta;
  MetricValue accuracy;
  MetricValue balanced_accuracy;
  MetricValue mcc;
  /// Names of the metrics that were undefined (returned as 0), in the order above.
  std::vector<std::string> undefined() const;
};

namespace detail {

inline MetricValue ratio(double numerator, double denominator) {
  if (denominator == 0.0) return {0.0, false};
  return {numerator / denominator, true};
}

template <typename Labels>
void check_label(const Eigen::DenseBase<Labels>& y, Eigen::Index i, const std::string& fn,
                 const char* what) {
  using Label = typename Labels::Scalar;
  const auto v = y.derived().coeff(i);
  if (!(v == Label(0) || v == Label(1))) {
    throw InvalidArgument(fn + ": " + what + "[" + std::to_string(i) + "] is " +
                          ecgad::detail::format_number(static_cast<double>(v)) +
                          "; expected labels 0 (negative) or 1 (positive)");
  }
}

inline void check_sizes(Eigen::Index n, Eigen::Index m, const std::string& fn, const char* other) {
  if (n == 0) throw InvalidArgument(fn + ": y_true is empty; expected at least one sample");
  if (m != n) {
    throw InvalidArgument(fn + ": y_true has " + std::to_string(n) + " labels but " + other +
                          " has " + std::to_string(m) + " values; expected equal sizes");
  }
}

}  // namespace detail

/// Confusion matrix of 0/1 predictions against 0/1 labels (sklearn.metrics.confusion_matrix
/// ravelled as tn, fp, fn, tp). Throws InvalidArgument on empty or mismatched input or a
/// label / prediction other than 0 or 1.
template <typename Labels, typename Predictions>
ConfusionMatrix confusion_from_predictions(const Eigen::DenseBase<Labels>& y_true,
                                           const Eigen::DenseBase<Predictions>& y_pred) {
  static_assert(std::is_arithmetic_v<typename Labels::Scalar>, "labels must be arithmetic");
  static_assert(std::is_arithmetic_v<typename Predictions::Scalar>,
                "predictions must be arithmetic");
  const std::string fn = "confusion_from_predictions";
  detail::check_sizes(y_true.size(), y_pred.size(), fn, "y_pred");
  ConfusionMatrix c;
  for (Eigen::Index i = 0; i < y_true.size(); ++i) {
    detail::check_label(y_true, i, fn, "y_true");
    detail::check_label(y_pred, i, fn, "y_pred");
    const bool truth = y_true.derived().coeff(i) == typename Labels::Scalar(1);
    const bool called = y_pred.derived().coeff(i) == typename Predictions::Scalar(1);
    if (truth) {
      called ? ++c.tp : ++c.fn;
    } else {
      called ? ++c.fp : ++c.tn;
    }
  }
  return c;
}

/// Confusion matrix of the decision "score >= threshold_score means anomaly" against 0/1
/// labels. Throws InvalidArgument on empty or mismatched input, a label other than 0/1, a
/// non-finite score or a non-finite threshold.
template <typename Labels, typename Scores>
ConfusionMatrix confusion_at_threshold(const Eigen::DenseBase<Labels>& y_true,
                                       const Eigen::DenseBase<Scores>& scores,
                                       double threshold_score) {
  static_assert(std::is_arithmetic_v<typename Labels::Scalar>, "labels must be arithmetic");
  static_assert(std::is_floating_point_v<typename Scores::Scalar>,
                "scores must be float or double");
  const std::string fn = "confusion_at_threshold";
  if (!std::isfinite(threshold_score)) {
    throw InvalidArgument(fn + ": threshold is " +
                          ecgad::detail::format_number(threshold_score) +
                          "; expected a finite score threshold");
  }
  detail::check_sizes(y_true.size(), scores.size(), fn, "scores");
  ConfusionMatrix c;
  for (Eigen::Index i = 0; i < y_true.size(); ++i) {
    detail::check_label(y_true, i, fn, "y_true");
    const double s = static_cast<double>(scores.derived().coeff(i));
    if (!std::isfinite(s)) {
      throw InvalidArgument(fn + ": scores[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(s) + "; expected finite scores");
    }
    const bool truth = y_true.derived().coeff(i) == typename Labels::Scalar(1);
    const bool called = s >= threshold_score;
    if (truth) {
      called ? ++c.tp : ++c.fn;
    } else {
      called ? ++c.fp : ++c.tn;
    }
  }
  return c;
}

/// tp / (tp + fp), sklearn.metrics.precision_score; undefined (0) with no predicted positive.
inline MetricValue precision(const ConfusionMatrix& c) {
  return detail::ratio(double(c.tp), double(c.tp + c.fp));
}

/// tp / (tp + fn) = sensitivity, sklearn.metrics.recall_score; undefined (0) with no positive.
inline MetricValue recall(const ConfusionMatrix& c) {
  return detail::ratio(double(c.tp), double(c.tp + c.fn));
}

/// tn / (tn + fp) = sklearn.metrics.recall_score(pos_label=0); undefined (0) with no negative.
inline MetricValue specificity(const ConfusionMatrix& c) {
  return detail::ratio(double(c.tn), double(c.tn + c.fp));
}

/// F-beta, sklearn.metrics.fbeta_score: (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp), the
/// weighted harmonic mean of precision and recall (recall weighted beta times as much). Equal
/// to sklearn 1.2.1 (which sets F = 0 where precision or recall is undefined) in every case;
/// undefined (0) only when tp = fp = fn = 0. Throws InvalidArgument unless beta > 0 and finite.
inline MetricValue f_beta(const ConfusionMatrix& c, double beta) {
  if (!(beta > 0.0) || !std::isfinite(beta)) {
    throw InvalidArgument("f_beta: beta is " + ecgad::detail::format_number(beta) +
                          "; expected a finite beta > 0");
  }
  const double b2 = beta * beta;
  const double denominator = (1.0 + b2) * double(c.tp) + b2 * double(c.fn) + double(c.fp);
  return detail::ratio((1.0 + b2) * double(c.tp), denominator);
}

/// F1 = 2 tp / (2 tp + fp + fn), sklearn.metrics.f1_score.
inline MetricValue f1(const ConfusionMatrix& c) {
  return detail::ratio(2.0 * double(c.tp), 2.0 * double(c.tp) + double(c.fp) + double(c.fn));
}

/// (tp + tn) / n, sklearn.metrics.accuracy_score; undefined (0) only for an empty matrix.
inline MetricValue accuracy(const ConfusionMatrix& c) {
  return detail::ratio(double(c.tp + c.tn), double(c.total()));
}

/// (recall + specificity) / 2, sklearn.metrics.balanced_accuracy_score. As sklearn does, a
/// class absent from y_true is left out of the mean (so with no positive it is the
/// specificity) and the value is flagged undefined, since it no longer balances two classes.
inline MetricValue balanced_accuracy(const ConfusionMatrix& c) {
  const MetricValue r = recall(c);
  const MetricValue s = specificity(c);
  if (r.defined && s.defined) return {(r.value + s.value) / 2.0, true};
  if (r.defined) return {r.value, false};
  if (s.defined) return {s.value, false};
  return {0.0, false};
}

/// Matthews correlation coefficient, sklearn.metrics.matthews_corrcoef:
/// (tp tn - fp fn) / sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn)), in [-1, 1]; 0 (undefined)
/// when a row or column of the matrix is empty, as sklearn returns.
inline MetricValue mcc(const ConfusionMatrix& c) {
  const double tp = double(c.tp), fp = double(c.fp), tn = double(c.tn), fn = double(c.fn);
  // Product of sums before the sqrt would overflow double only past ~1e77 samples; fine.
  const double denominator = std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return detail::ratio(tp * tn - fp * fn, denominator);
}

/// All of the above for one confusion matrix; f_beta with the given beta (> 0).
inline ThresholdMetrics threshold_metrics(const ConfusionMatrix& c, double beta = 1.0) {
  ThresholdMetrics m;
  m.counts = c;
  m.beta = beta;
  m.precision = precision(c);
  m.recall = recall(c);
  m.specificity = specificity(c);
  m.f1 = f1(c);
  m.f_beta = f_beta(c, beta);
  m.accuracy = accuracy(c);
  m.balanced_accuracy = balanced_accuracy(c);
  m.mcc = mcc(c);
  return m;
}

inline std::vector<std::string> ThresholdMetrics::undefined() const {
  std::vector<std::string> names;
  const std::pair<const char*, const MetricValue*> all[] = {
      {"precision", &precision}, {"recall", &recall},     {"specificity", &specificity},
      {"f1", &f1},               {"f_beta", &f_beta},     {"accuracy", &accuracy},
      {"balanced_accuracy", &balanced_accuracy},          {"mcc", &mcc}};
  for (const auto& [name, value] : all) {
    if (!value->defined) names.emplace_back(name);
  }
  return names;
}

// JSON: a confusion matrix as {"tp","fp","tn","fn"}; threshold metrics as their counts, beta
// and one number per metric plus the list of undefined ones (values are recomputed on read, so
// a stored file cannot disagree with its counts).
inline void to_json(nlohmann::json& j, const ConfusionMatrix& c) {
  j = nlohmann::json{{"tp", c.tp}, {"fp", c.fp}, {"tn", c.tn}, {"fn", c.fn}};
}

inline void from_json(const nlohmann::json& j, ConfusionMatrix& c) {
  ConfusionMatrix out;
  const std::pair<const char*, std::int64_t*> fields[] = {
      {"tp", &out.tp}, {"fp", &out.fp}, {"tn", &out.tn}, {"fn", &out.fn}};
  for (const auto& [key, field] : fields) {
    if (!j.is_object() || !j.contains(key) || !j.at(key).is_number_integer()) {
      throw InvalidArgument(std::string("ConfusionMatrix JSON: field '") + key +
                            "' is missing or not an integer; expected {tp, fp, tn, fn} counts");
    }
    *field = j.at(key).get<std::int64_t>();
    if (*field < 0) {
      throw InvalidArgument(std::string("ConfusionMatrix JSON: ") + key + " is " +
                            std::to_string(*field) + "; expected a count >= 0");
    }
  }
  c = out;
}

inline void to_json(nlohmann::json& j, const ThresholdMetrics& m) {
  j = nlohmann::json{{"counts", m.counts},
                     {"beta", m.beta},
                     {"precision", m.precision.value},
                     {"recall", m.recall.value},
                     {"specificity", m.specificity.value},
                     {"f1", m.f1.value},
                     {"f_beta", m.f_beta.value},
                     {"accuracy", m.accuracy.value},
                     {"balanced_accuracy", m.balanced_accuracy.value},
                     {"mcc", m.mcc.value},
                     {"undefined", m.undefined()}};
}

inline void from_json(const nlohmann::json& j, ThresholdMetrics& m) {
  if (!j.is_object() || !j.contains("counts") || !j.contains("beta") ||
      !j.at("beta").is_number()) {
    throw InvalidArgument("ThresholdMetrics JSON: expected an object with 'counts' and 'beta'");
  }
  m = threshold_metrics(j.at("counts").get<ConfusionMatrix>(), j.at("beta").get<double>());
}

}  // namespace ecgad::metrics
