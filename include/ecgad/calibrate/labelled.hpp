#pragma once
// Thresholds chosen with labels (0 normal, 1 anomaly): the F-beta-optimal threshold and
// Youden's J = TPR - FPR (Youden, Cancer 3(1), 1950). One O(n log n) sort, then one scan over
// the distinct scores (each is a candidate cut "score >= that value is anomalous", as
// sklearn's roc_curve / precision_recall_curve thresholds).
//
// The calibrate/ convention is "anomalous when score > threshold", so the returned value is
// the midpoint between the best cut and the next lower distinct score (a cut between two
// observed scores, as a decision-tree split), or the largest double below the lowest score when
// every sample is called anomalous. Ties between candidates go to the highest cut (fewest
// alarms).

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

namespace detail {

struct LabelledCut {
  double cut_score;   ///< the distinct score at which "score >= cut" flips to anomalous
  double below;       ///< the next lower distinct score (or -inf)
  double tp, fp, positives, negatives;
};

/// Scans the distinct scores from the highest down; better(tp, fp, best_tp, best_fp, P, N)
/// says whether a cut beats the best so far (strictly, so ties keep the higher cut).
template <typename Better>
LabelledCut best_cut(const Eigen::Ref<const Eigen::VectorXd>& y_true,
                     const Eigen::Ref<const Eigen::VectorXd>& scores, const char* function,
                     Better&& better) {
  const std::string fn(function);
  const Eigen::Index n = scores.size();
  if (n == 0) throw InvalidArgument(fn + ": scores is empty; expected labelled scores");
  if (y_true.size() != n) {
    throw InvalidArgument(fn + ": y_true has " + std::to_string(y_true.size()) +
                          " labels but scores has " + std::to_string(n) +
                          " values; expected equal sizes");
  }
  std::vector<std::pair<double, double>> samples(static_cast<std::size_t>(n));
  double positives = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double label = y_true(i);
    if (!(label == 0.0 || label == 1.0)) {
      throw InvalidArgument(fn + ": y_true[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(label) +
                            "; expected labels 0 (normal) or 1 (anomaly)");
    }
    if (!std::isfinite(scores(i))) {
      throw InvalidArgument(fn + ": scores[" + std::to_string(i) + "] is " +
                            ecgad::detail::format_number(scores(i)) + "; expected finite scores");
    }
    samples[static_cast<std::size_t>(i)] = {scores(i), label};
    positives += label;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0.0 || negatives == 0.0) {
    throw InvalidArgument(fn + ": y_true holds only " +
                          std::string(positives == 0.0 ? "normals (0)" : "anomalies (1)") +
                          "; expected both classes");
  }
  std::sort(samples.begin(), samples.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  double tp = 0.0;
  double fp = 0.0;
  LabelledCut best{};
  bool have = false;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    tp += samples[i].second;
    fp += 1.0 - samples[i].second;
    if (i + 1 < samples.size() && samples[i + 1].first == samples[i].first) continue;
    if (!have || better(tp, fp, best.tp, best.fp, positives, negatives)) {
      have = true;
      const double below = i + 1 < samples.size() ? samples[i + 1].first
                                                  : -std::numeric_limits<double>::infinity();
      best = {samples[i].first, below, tp, fp, positives, negatives};
    }
  }
  return best;
}

/// A value v with (s > v) == (s >= cut) for every observed score s.
inline double cut_value(const LabelledCut& c) {
  if (!std::isfinite(c.below)) {
    return std::nextafter(c.cut_score, -std::numeric_limits<double>::infinity());
  }
  const double mid = c.below + 0.5 * (c.cut_score - c.below);
  return mid < c.cut_score ? mid : c.below;  // adjacent doubles: the lower one
}

}  // namespace detail

/// The threshold maximising F-beta = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP) over the
/// distinct scores (beta > 0; beta = 1 is F1, beta = 2 weighs recall more). Labels 0/1 as
/// double. parameters: beta, f_beta, precision, recall, cut (the lowest anomalous score).
inline Threshold f_beta_threshold(const Eigen::Ref<const Eigen::VectorXd>& y_true,
                                  const Eigen::Ref<const Eigen::VectorXd>& scores,
                                  double beta = 1.0) {
  if (!(beta > 0.0) || !std::isfinite(beta)) {
    throw InvalidArgument("f_beta_threshold: beta is " + ecgad::detail::format_number(beta) +
                          "; expected a finite number > 0");
  }
  const double b2 = beta * beta;
  // F = (1 + b^2) tp / (b^2 P + tp + fp). Compared by cross-multiplication, so equal F values
  // (exactly equal for beta = 1, counts being integers) are ties and keep the higher cut.
  const auto c = detail::best_cut(
      y_true, scores, "f_beta_threshold",
      [b2](double tp, double fp, double best_tp, double best_fp, double pos, double) {
        return tp * (b2 * pos + best_tp + best_fp) > best_tp * (b2 * pos + tp + fp);
      });
  const double best = (1.0 + b2) * c.tp / (b2 * c.positives + c.tp + c.fp);
  return {"f_beta", detail::cut_value(c),
          {{"beta", beta}, {"f_beta", best}, {"precision", c.tp / (c.tp + c.fp)},
           {"recall", c.tp / c.positives}, {"cut", c.cut_score}}};
}

/// The threshold maximising Youden's J = TPR - FPR over the distinct scores. parameters:
/// youden_j, tpr, fpr, cut (the lowest anomalous score).
inline Threshold youden_threshold(const Eigen::Ref<const Eigen::VectorXd>& y_true,
                                  const Eigen::Ref<const Eigen::VectorXd>& scores) {
  // J = (tp N - fp P) / (P N): the numerators are exact integers in double, so ties are exact.
  const auto c = detail::best_cut(
      y_true, scores, "youden_threshold",
      [](double tp, double fp, double best_tp, double best_fp, double pos, double neg) {
        return tp * neg - fp * pos > best_tp * neg - best_fp * pos;
      });
  const double best = c.tp / c.positives - c.fp / c.negatives;
  return {"youden",
          detail::cut_value(c),
          {{"youden_j", best},
           {"tpr", c.tp / c.positives},
           {"fpr", c.fp / c.negatives},
           {"cut", c.cut_score}}};
}

}  // namespace ecgad::calibrate
