#pragma once
// Split-conformal p-values for anomaly scores (Vovk, Gammerman & Shafer 2005; Bates, Candès,
// Lei, Romano & Sesia, "Testing for outliers with conformal p-values", Ann. Statist. 2023):
//
//     p(s) = (1 + #{calibration scores >= s}) / (n + 1)
//
// For a new normal score exchangeable with the n calibration scores, P(p(s) <= u) <= u for
// every u: the p-value is valid (super-uniform) whatever the score distribution, and exactly
// uniform on {1/(n+1), ..., 1} without ties. p(s) <= alpha exactly when s > the target-FPR
// threshold target_fpr_threshold(calibration, alpha), so both views give the same decisions.
//
// Conformal p-values of one batch are positively dependent (PRDS, Bates et al. 2023), so
// Benjamini-Hochberg over a batch controls the false discovery rate at q.
//
// The "uncertain" band routes scores to human review: p <= alpha_anomaly -> anomalous,
// p >= alpha_normal -> normal, in between -> uncertain.
//
// The calibrator keeps the sorted calibration scores (8 bytes each): one O(n log n) sort in
// fit(), then O(log n) per score (binary search), no allocation per score.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/calibrate/multiple_testing.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// The three outcomes of a banded decision (values are stable: they cross the Python binding
/// and go into stores as integers).
enum class Decision : std::int8_t { normal = 0, uncertain = 1, anomalous = 2 };

inline const char* decision_name(Decision d) {
  switch (d) {
    case Decision::normal: return "normal";
    case Decision::uncertain: return "uncertain";
    default: return "anomalous";
  }
}

/// Two p-value levels: p <= alpha_anomaly -> anomalous, p >= alpha_normal -> normal, between
/// -> uncertain. Requires 0 < alpha_anomaly < alpha_normal <= 1.
struct UncertainBand {
  double alpha_anomaly = 0.01;
  double alpha_normal = 0.05;

  nlohmann::json to_json() const {
    return {{"alpha_anomaly", alpha_anomaly}, {"alpha_normal", alpha_normal}};
  }
  static UncertainBand from_json(const nlohmann::json& j) {
    try {
      return {j.at("alpha_anomaly").get<double>(), j.at("alpha_normal").get<double>()};
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("uncertain band JSON: expected {alpha_anomaly, "
                                    "alpha_normal}: ") + e.what());
    }
  }
};

/// Split-conformal calibrator: fit() on scores of normal data held out from training, then
/// p-values, thresholds, BH selection and banded decisions for new scores.
class ConformalCalibrator {
 public:
  ConformalCalibrator() = default;
  explicit ConformalCalibrator(const Eigen::Ref<const Eigen::VectorXd>& calibration_scores) {
    fit(calibration_scores);
  }

  /// Stores the sorted calibration scores (finite, at least one).
  void fit(const Eigen::Ref<const Eigen::VectorXd>& calibration_scores) {
    detail::require_scores(calibration_scores, "ConformalCalibrator.fit");
    sorted_ = detail::sorted_copy(calibration_scores);
  }

  bool fitted() const { return !sorted_.empty(); }
  /// n, the number of calibration scores.
  Eigen::Index size() const { return static_cast<Eigen::Index>(sorted_.size()); }
  /// The calibration scores, ascending.
  const std::vector<double>& calibration_scores() const { return sorted_; }
  /// The smallest p-value any score can get, 1 / (n + 1).
  double min_pvalue() const {
    require_fitted();
    return 1.0 / static_cast<double>(sorted_.size() + 1);
  }

  /// p(s) = (1 + #{calibration >= s}) / (n + 1), in [1/(n+1), 1]. O(log n).
  double pvalue(double score) const {
    require_fitted();
    if (!std::isfinite(score)) {
      throw InvalidArgument("ConformalCalibrator.pvalue: score is " +
                            ecgad::detail::format_number(score) + "; expected a finite score");
    }
    return pvalue_unchecked(score);
  }

  /// pvalue() of each score.
  Eigen::VectorXd pvalues(const Eigen::Ref<const Eigen::VectorXd>& scores) const {
    require_fitted();
    detail::require_scores(scores, "ConformalCalibrator.pvalues", 0);
    Eigen::VectorXd p(scores.size());
    for (Eigen::Index i = 0; i < scores.size(); ++i) p(i) = pvalue_unchecked(scores(i));
    return p;
  }

  /// The target-FPR threshold at alpha (target_fpr_threshold on the calibration scores; O(1)
  /// since they are sorted). s > threshold exactly when pvalue(s) <= alpha.
  Threshold threshold(double alpha) const {
    require_fitted();
    detail::require_conformal_alpha(alpha, size(), "ConformalCalibrator.threshold");
    const auto k = static_cast<std::size_t>(detail::conformal_rank(size(), alpha));
    return {"target_fpr", sorted_[k - 1],
            {{"alpha", alpha}, {"rank", static_cast<double>(k)},
             {"n", static_cast<double>(sorted_.size())}}};
  }

  /// Benjamini-Hochberg selection at false discovery rate fdr_q over one batch of new scores:
  /// rejected(i) = score i is selected as anomalous; adjusted = BH-adjusted p-values.
  MultipleTestingResult select(const Eigen::Ref<const Eigen::VectorXd>& scores,
                               double fdr_q) const {
    require_fitted();
    detail::require_scores(scores, "ConformalCalibrator.select");
    return benjamini_hochberg(pvalues(scores), fdr_q);
  }

  /// Throws unless 0 < alpha_anomaly < alpha_normal <= 1 and alpha_anomaly >= 1/(n+1) (below
  /// that no score could ever be called anomalous).
  void validate_band(const UncertainBand& band) const {
    require_fitted();
    if (!(band.alpha_normal > 0.0 && band.alpha_normal <= 1.0)) {
      throw InvalidArgument("uncertain band: alpha_normal is " +
                            ecgad::detail::format_number(band.alpha_normal) +
                            "; expected a p-value level in (0, 1]");
    }
    if (!(band.alpha_anomaly < band.alpha_normal)) {
      throw InvalidArgument("uncertain band: alpha_anomaly = " +
                            ecgad::detail::format_number(band.alpha_anomaly) +
                            " must be < alpha_normal = " +
                            ecgad::detail::format_number(band.alpha_normal));
    }
    detail::require_conformal_alpha(band.alpha_anomaly, size(), "uncertain band",
                                    "alpha_anomaly");
  }

  /// Banded decision for one score (see UncertainBand).
  Decision decide(double score, const UncertainBand& band) const {
    validate_band(band);
    return decide_p(pvalue(score), band);
  }

  /// Banded decisions for a batch, as Decision codes (0 normal, 1 uncertain, 2 anomalous).
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1> decide(
      const Eigen::Ref<const Eigen::VectorXd>& scores, const UncertainBand& band) const {
    validate_band(band);
    detail::require_scores(scores, "ConformalCalibrator.decide", 0);
    Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1> out(scores.size());
    for (Eigen::Index i = 0; i < scores.size(); ++i) {
      out(i) = static_cast<std::int8_t>(decide_p(pvalue_unchecked(scores(i)), band));
    }
    return out;
  }

  nlohmann::json to_json() const {
    require_fitted();
    return {{"type", "conformal"}, {"calibration_scores", sorted_}};
  }

  /// Inverse of to_json(). Throws FormatError on a malformed document.
  static ConformalCalibrator from_json(const nlohmann::json& j) {
    std::vector<double> scores;
    try {
      if (j.at("type").get<std::string>() != "conformal") {
        throw FormatError("conformal JSON: type is '" + j.at("type").get<std::string>() +
                          "'; expected 'conformal'");
      }
      scores = j.at("calibration_scores").get<std::vector<double>>();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("conformal JSON: expected {type, calibration_scores}: ") +
                        e.what());
    }
    if (scores.empty()) throw FormatError("conformal JSON: calibration_scores is empty");
    ConformalCalibrator c;
    c.fit(Eigen::Map<const Eigen::VectorXd>(scores.data(),
                                            static_cast<Eigen::Index>(scores.size())));
    return c;
  }

 private:
  void require_fitted() const {
    if (sorted_.empty()) {
      throw StateError("ConformalCalibrator: not fitted; call fit(calibration_scores) first");
    }
  }

  double pvalue_unchecked(double score) const {
    // Callers validate the scores (NaN would make the search meaningless).
    const auto first_ge = std::lower_bound(sorted_.begin(), sorted_.end(), score);
    const auto at_least = static_cast<double>(sorted_.end() - first_ge);
    return (1.0 + at_least) / static_cast<double>(sorted_.size() + 1);
  }

  static Decision decide_p(double p, const UncertainBand& band) {
    if (p <= band.alpha_anomaly) return Decision::anomalous;
    if (p >= band.alpha_normal) return Decision::normal;
    return Decision::uncertain;
  }

  std::vector<double> sorted_;
};

}  // namespace ecgad::calibrate
