#pragma once
// Shadow mode (issue 6 §2): a candidate model scores the same stream beside the production
// model. Production's events are the stream's output; the candidate's only feed the comparison.
// Every disagreement (the two decisions differ on the same beat) is reported; the summary gives
// the agreement rate, each model's anomaly and uncertain rates and, when reference labels are
// known (annotations, reviews), each model's metrics and the deltas that decide a promotion.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/pipeline/inference.hpp"

namespace ecgad::pipeline {

/// One beat on which the two models decided differently.
struct Disagreement {
  double time_s = 0.0;
  std::int64_t sample_index = 0;
  calibrate::Decision production_decision = calibrate::Decision::normal;
  calibrate::Decision candidate_decision = calibrate::Decision::normal;
  double production_score = 0.0, candidate_score = 0.0;
  int label = -1;  ///< 1 abnormal, 0 normal, -1 unknown
};

/// When a candidate may replace production, judged on the labelled beats both scored.
struct PromotionRule {
  std::int64_t min_labelled_beats = 200;  ///< fewer: no verdict (keep production)
  double min_roc_auc_gain = 0.0;          ///< candidate AUC >= production AUC + this
  double max_fpr_increase = 0.005;        ///< candidate FPR <= production FPR + this
  double max_sensitivity_drop = 0.02;     ///< candidate sensitivity >= production's - this
};

/// Per-model figures of a shadow run.
struct ShadowSide {
  std::int64_t beats = 0, anomalous = 0, uncertain = 0;
  std::int64_t labelled = 0, abnormal = 0;
  double roc_auc = 0.0, sensitivity = 0.0, false_positive_rate = 0.0;  ///< NaN without labels
  nlohmann::json to_json() const;
};

struct ShadowSummary {
  std::int64_t paired = 0;          ///< beats both models scored
  std::int64_t unpaired = 0;        ///< beats only one model found (different preprocessing)
  std::int64_t disagreements = 0;
  double agreement_rate = 1.0;      ///< 1 - disagreements / paired
  ShadowSide production, candidate;
  bool candidate_better = false;    ///< by the PromotionRule
  std::string verdict;              ///< why (or why not), in words
  nlohmann::json to_json() const;
};

/// Production and candidate side by side on one stream. Same shape as StreamPipeline.
class ShadowPipeline {
 public:
  using DisagreementCallback = std::function<void(const Disagreement&)>;

  ShadowPipeline(std::shared_ptr<const ModelPackage> production,
                 std::shared_ptr<const ModelPackage> candidate, const StreamOptions& options = {},
                 const PromotionRule& rule = {});
  ~ShadowPipeline();
  ShadowPipeline(ShadowPipeline&&) noexcept;
  ShadowPipeline& operator=(ShadowPipeline&&) noexcept;

  /// Reference beats (R-peak samples ascending, labels as in Recording: "N", "V", "pvc"...):
  /// a paired beat within 150 ms of one gets its label for the metrics.
  void set_reference(std::vector<std::int64_t> label_samples, std::vector<std::string> labels);
  /// Production's events (the stream's output).
  void set_event_callback(StreamPipeline::EventCallback callback);
  void set_alert_callback(StreamPipeline::AlertCallback callback);
  void set_disagreement_callback(DisagreementCallback callback);

  std::size_t process(const Eigen::Ref<const Eigen::VectorXd>& chunk_mv);
  std::size_t finish();
  ShadowSummary summary() const;
  /// The first max_kept (10,000) disagreements.
  const std::vector<Disagreement>& disagreements() const;
  const StreamPipeline& production() const;
  const StreamPipeline& candidate() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ecgad::pipeline
