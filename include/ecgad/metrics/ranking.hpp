#pragma once
// Threshold-free ranking metrics of anomaly scores against 0/1 labels: the ROC curve and its
// area, the precision-recall curve and average precision, equal to scikit-learn's
// sklearn.metrics.{roc_curve, roc_auc_score, precision_recall_curve, average_precision_score}
// (binary case, no sample weights) as in Debian's python3-sklearn 1.2.1, which
// tests/golden/make_ranking_golden.py ran.
//
// A higher score means "more likely positive" (anomalous). Samples with equal scores share one
// threshold, so ties are never broken by input order. Every function makes one O(n log n) sort
// of (score, label) pairs and accumulates counts in double.
//
// Labels must be exactly 0 or 1 (bool, integer or floating type); anything else is rejected
// rather than read as "nonzero = positive", so a -1/+1 or 1/2 labelling is not silently
// misread. Both classes must be present: sklearn raises for roc_auc_score and warns for the
// others (returning NaN rates, or a recall "set to one"); ecgad throws for all four, since
// none of them is defined then.

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::metrics {

/// sklearn.metrics.roc_curve(y_true, scores) with drop_intermediate=True.
struct RocCurve {
  Eigen::VectorXd fpr;         ///< false-positive rate at each threshold, increasing from 0
  Eigen::VectorXd tpr;         ///< true-positive rate at each threshold, increasing from 0
  Eigen::VectorXd thresholds;  ///< decreasing; score >= threshold is called positive
};

/// sklearn.metrics.precision_recall_curve(y_true, scores).
struct PrecisionRecallCurve {
  Eigen::VectorXd precision;   ///< n_thresholds + 1 values; the last is 1
  Eigen::VectorXd recall;      ///< n_thresholds + 1 values, decreasing; the last is 0
  Eigen::VectorXd thresholds;  ///< every distinct score, increasing
};

namespace detail {

/// Counts at each distinct score, highest score first: tps[k] and fps[k] are the positives and
/// negatives scoring >= thresholds[k] (sklearn's _binary_clf_curve, ties grouped).
struct ThresholdCounts {
  std::vector<double> tps;
  std::vector<double> fps;
  std::vector<double> thresholds;
  double positives = 0.0;
  double negatives = 0.0;
};

template <typename Labels, typename Scores>
ThresholdCounts count_by_threshold(const Eigen::DenseBase<Labels>& y_true,
                                   const Eigen::DenseBase<Scores>& scores, const char* function) {
  using Label = typename Labels::Scalar;
  using Score = typename Scores::Scalar;
  static_assert(std::is_arithmetic_v<Label>, "y_true must hold bool, integer or floating labels");
  static_assert(std::is_floating_point_v<Score>, "scores must be float or double");
  const std::string fn(function);
  const Eigen::Index n = y_true.size();
  if (n == 0) {
    throw InvalidArgument(fn + ": y_true and scores are empty; expected at least one positive "
                               "and one negative sample");
  }
  if (scores.size() != n) {
    throw InvalidArgument(fn + ": y_true has " + std::to_string(n) + " labels but scores has " +
                          std::to_string(scores.size()) + " values; expected equal sizes");
  }

  struct Sample {
    double score;
    double positive;
  };
  std::vector<Sample> samples(static_cast<std::size_t>(n));
  ThresholdCounts out;
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto label = y_true.derived().coeff(i);
    if (!(label == Label(0) || label == Label(1))) {
      throw InvalidArgument(fn + ": y_true[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(static_cast<double>(label)) +
                            "; expected labels 0 (negative) or 1 (positive)");
    }
    const double score = static_cast<double>(scores.derived().coeff(i));
    if (!std::isfinite(score)) {
      throw InvalidArgument(fn + ": scores[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(score) + "; expected finite scores");
    }
    const double positive = label == Label(1) ? 1.0 : 0.0;
    samples[static_cast<std::size_t>(i)] = {score, positive};
    out.positives += positive;
  }
  out.negatives = static_cast<double>(n) - out.positives;
  if (out.positives == 0.0 || out.negatives == 0.0) {
    throw InvalidArgument(fn + ": y_true holds only " +
                          std::string(out.positives == 0.0 ? "negatives (0)" : "positives (1)") +
                          " in " + std::to_string(n) +
                          " samples; expected both classes (the metric is undefined otherwise)");
  }

  // The one sort; order within a tie does not matter since a tie is one threshold.
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.score > b.score; });
  double tp = 0.0;
  double fp = 0.0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    tp += samples[i].positive;
    fp += 1.0 - samples[i].positive;
    if (i + 1 == samples.size() || samples[i + 1].score != samples[i].score) {
      out.tps.push_back(tp);
      out.fps.push_back(fp);
      out.thresholds.push_back(samples[i].score);
    }
  }
  return out;
}

}  // namespace detail

/// ROC curve, as sklearn.metrics.roc_curve(y_true, scores) (drop_intermediate=True) in
/// sklearn 1.2.1: one point per distinct score, minus the middle points of equal-step runs
/// (where both count sequences have a zero second difference), after a first point (0, 0)
/// whose threshold is max(scores) + 1 (sklearn >= 1.3 uses +inf there instead).
/// Throws InvalidArgument on empty or mismatched input, labels other than 0/1, non-finite
/// scores, or a single class.
template <typename Labels, typename Scores>
RocCurve roc_curve(const Eigen::DenseBase<Labels>& y_true, const Eigen::DenseBase<Scores>& scores) {
  const auto c = detail::count_by_threshold(y_true, scores, "roc_curve");
  const std::size_t m = c.tps.size();
  std::vector<std::size_t> kept;
  kept.reserve(m);
  for (std::size_t k = 0; k < m; ++k) {
    // sklearn keeps the ends and every point where np.diff(fps, 2) or np.diff(tps, 2) != 0;
    // counts are integers in double, so the step comparison is exact.
    const bool end = k == 0 || k + 1 == m;
    if (end || c.fps[k + 1] - c.fps[k] != c.fps[k] - c.fps[k - 1] ||
        c.tps[k + 1] - c.tps[k] != c.tps[k] - c.tps[k - 1]) {
      kept.push_back(k);
    }
  }
  RocCurve r;
  const auto size = static_cast<Eigen::Index>(kept.size() + 1);
  r.fpr.resize(size);
  r.tpr.resize(size);
  r.thresholds.resize(size);
  r.fpr(0) = 0.0;
  r.tpr(0) = 0.0;
  r.thresholds(0) = c.thresholds.front() + 1.0;  // sklearn 1.2: thresholds[0] + 1
  for (std::size_t j = 0; j < kept.size(); ++j) {
    const auto i = static_cast<Eigen::Index>(j + 1);
    r.fpr(i) = c.fps[kept[j]] / c.negatives;
    r.tpr(i) = c.tps[kept[j]] / c.positives;
    r.thresholds(i) = c.thresholds[kept[j]];
  }
  return r;
}

/// Area under the ROC curve, as sklearn.metrics.roc_auc_score(y_true, scores): the trapezoid
/// rule over the curve, which equals the Mann-Whitney U / (n_pos n_neg) with midranks for ties
/// (a tied positive-negative pair counts 1/2). Computed from integer counts, so exact up to
/// the final division. Throws as roc_curve does.
template <typename Labels, typename Scores>
double roc_auc(const Eigen::DenseBase<Labels>& y_true, const Eigen::DenseBase<Scores>& scores) {
  const auto c = detail::count_by_threshold(y_true, scores, "roc_auc");
  // Twice the area in count units: each step of dn negatives spans a trapezoid of heights
  // tp_before and tp_before + dp.
  double twice_area = 0.0;
  double tp_before = 0.0;
  double fp_before = 0.0;
  for (std::size_t k = 0; k < c.tps.size(); ++k) {
    twice_area += (c.fps[k] - fp_before) * (tp_before + c.tps[k]);
    tp_before = c.tps[k];
    fp_before = c.fps[k];
  }
  return twice_area / (2.0 * c.positives * c.negatives);
}

/// Precision-recall curve, as sklearn.metrics.precision_recall_curve(y_true, scores) in
/// sklearn 1.2.1: one point per distinct score in increasing threshold order (points past full
/// recall included), then the point (recall 0, precision 1) with no threshold. Throws as
/// roc_curve does.
template <typename Labels, typename Scores>
PrecisionRecallCurve precision_recall_curve(const Eigen::DenseBase<Labels>& y_true,
                                            const Eigen::DenseBase<Scores>& scores) {
  const auto c = detail::count_by_threshold(y_true, scores, "precision_recall_curve");
  const auto m = static_cast<Eigen::Index>(c.tps.size());
  PrecisionRecallCurve r;
  r.precision.resize(m + 1);
  r.recall.resize(m + 1);
  r.thresholds.resize(m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const auto k = static_cast<std::size_t>(m - 1 - j);  // sklearn reverses: recall decreasing
    r.precision(j) = c.tps[k] / (c.tps[k] + c.fps[k]);
    r.recall(j) = c.tps[k] / c.positives;
    r.thresholds(j) = c.thresholds[k];
  }
  r.precision(m) = 1.0;
  r.recall(m) = 0.0;
  return r;
}

/// Average precision, as sklearn.metrics.average_precision_score(y_true, scores): the step-wise
/// sum over distinct scores of (recall increase) x (precision at that threshold), without
/// interpolation; tied scores form one step. Throws as roc_curve does.
template <typename Labels, typename Scores>
double average_precision(const Eigen::DenseBase<Labels>& y_true,
                         const Eigen::DenseBase<Scores>& scores) {
  const auto c = detail::count_by_threshold(y_true, scores, "average_precision");
  double sum = 0.0;
  double tp_before = 0.0;
  for (std::size_t k = 0; k < c.tps.size(); ++k) {
    sum += (c.tps[k] - tp_before) * (c.tps[k] / (c.tps[k] + c.fps[k]));
    tp_before = c.tps[k];
  }
  return sum / c.positives;
}

}  // namespace ecgad::metrics
