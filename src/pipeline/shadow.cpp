// Shadow mode (include/ecgad/pipeline/shadow.hpp).
#include "ecgad/pipeline/shadow.hpp"

#include <cmath>
#include <limits>

#include "ecgad/error.hpp"
#include "ecgad/metrics/ranking.hpp"
#include "ecgad/pipeline/sources.hpp"

namespace ecgad::pipeline {

namespace {

constexpr std::size_t kMaxKept = 10000;

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

nlohmann::json ShadowSide::to_json() const {
  return {{"beats", beats},
          {"anomalous", anomalous},
          {"uncertain", uncertain},
          {"labelled", labelled},
          {"abnormal", abnormal},
          {"roc_auc", num(roc_auc)},
          {"sensitivity", num(sensitivity)},
          {"false_positive_rate", num(false_positive_rate)}};
}

nlohmann::json ShadowSummary::to_json() const {
  return {{"paired", paired},
          {"unpaired", unpaired},
          {"disagreements", disagreements},
          {"agreement_rate", agreement_rate},
          {"production", production.to_json()},
          {"candidate", candidate.to_json()},
          {"candidate_better", candidate_better},
          {"verdict", verdict}};
}

struct ShadowPipeline::Impl {
  StreamPipeline production, candidate;
  PromotionRule rule;
  std::deque<BeatEvent> p_queue, c_queue;
  std::vector<std::int64_t> label_samples;
  std::vector<std::string> labels;
  std::int64_t tolerance = 0;  // samples: 150 ms, the EC57 beat-matching window
  StreamPipeline::EventCallback on_event;
  DisagreementCallback on_disagreement;
  std::vector<Disagreement> kept;
  std::int64_t paired = 0, unpaired = 0, n_disagree = 0;
  ShadowSide p_side, c_side;
  std::vector<double> p_scores, c_scores, y;  // labelled paired beats
  std::vector<int> p_flag, c_flag;            // anomalous decisions on them

  Impl(std::shared_ptr<const ModelPackage> prod, std::shared_ptr<const ModelPackage> cand,
       const StreamOptions& options, const PromotionRule& r)
      : production(std::move(prod), options), candidate(std::move(cand), silent(options)),
        rule(r) {
    tolerance = static_cast<std::int64_t>(std::lround(0.15 * production.options().fs_hz));
    production.set_event_callback([this](const BeatEvent& e) {
      p_queue.push_back(e);
      if (on_event) on_event(e);
    });
    candidate.set_event_callback([this](const BeatEvent& e) { c_queue.push_back(e); });
  }

  static StreamOptions silent(StreamOptions o) {
    o.monitor = false;  // the candidate's drift is production's drift: one monitor per stream
    o.stream_id += "/candidate";
    return o;
  }

  int label_at(std::int64_t sample) const {
    if (labels.empty()) return -1;
    const std::ptrdiff_t best = nearest_label(label_samples, sample, tolerance);
    if (best < 0) return -1;
    const LabelRole role = label_role(labels[static_cast<std::size_t>(best)]);
    return role == LabelRole::excluded ? -1 : role == LabelRole::abnormal ? 1 : 0;
  }

  static void count(ShadowSide& s, const BeatEvent& e) {
    ++s.beats;
    if (e.decision == calibrate::Decision::anomalous) ++s.anomalous;
    if (e.decision == calibrate::Decision::uncertain) ++s.uncertain;
  }

  void pair(const BeatEvent& a, const BeatEvent& b) {
    ++paired;
    const int label = label_at(a.sample_index);
    if (label >= 0) {
      y.push_back(label);
      p_scores.push_back(a.score);
      c_scores.push_back(b.score);
      p_flag.push_back(a.decision == calibrate::Decision::anomalous);
      c_flag.push_back(b.decision == calibrate::Decision::anomalous);
    }
    if (a.decision == b.decision) return;
    ++n_disagree;
    Disagreement d{a.time_s, a.sample_index, a.decision, b.decision, a.score, b.score, label};
    if (kept.size() < kMaxKept) kept.push_back(d);
    if (on_disagreement) on_disagreement(d);
  }

  // Both queues are in time order: the earlier front can still pair only with the other
  // queue's front; once the other front is beyond the tolerance, it never will.
  void match(bool final) {
    while (!p_queue.empty() && !c_queue.empty()) {
      const BeatEvent& a = p_queue.front();
      const BeatEvent& b = c_queue.front();
      if (std::abs(a.sample_index - b.sample_index) <= tolerance) {
        count(p_side, a);
        count(c_side, b);
        pair(a, b);
        p_queue.pop_front();
        c_queue.pop_front();
      } else if (a.sample_index < b.sample_index) {
        count(p_side, a);
        ++unpaired;
        p_queue.pop_front();
      } else {
        count(c_side, b);
        ++unpaired;
        c_queue.pop_front();
      }
    }
    if (final) {
      for (const auto& e : p_queue) count(p_side, e);
      for (const auto& e : c_queue) count(c_side, e);
      unpaired += static_cast<std::int64_t>(p_queue.size() + c_queue.size());
      p_queue.clear();
      c_queue.clear();
    }
  }

  void side_metrics(ShadowSide& s, const std::vector<double>& scores,
                    const std::vector<int>& flags) const {
    const auto n = static_cast<Eigen::Index>(y.size());
    s.labelled = n;
    s.abnormal = 0;
    std::int64_t tp = 0, fp = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      s.abnormal += y[i] > 0;
      tp += y[i] > 0 && flags[i];
      fp += y[i] == 0 && flags[i];
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::int64_t normal = n - s.abnormal;
    s.sensitivity = s.abnormal > 0 ? static_cast<double>(tp) / static_cast<double>(s.abnormal) : nan;
    s.false_positive_rate = normal > 0 ? static_cast<double>(fp) / static_cast<double>(normal) : nan;
    s.roc_auc = nan;
    if (s.abnormal > 0 && normal > 0) {
      s.roc_auc = metrics::roc_auc(Eigen::Map<const Eigen::VectorXd>(y.data(), n),
                                   Eigen::Map<const Eigen::VectorXd>(scores.data(), n));
    }
  }
};

ShadowPipeline::ShadowPipeline(std::shared_ptr<const ModelPackage> production,
                               std::shared_ptr<const ModelPackage> candidate,
                               const StreamOptions& options, const PromotionRule& rule) {
  if (!production || !candidate) throw InvalidArgument("ShadowPipeline: a model package is null");
  if (production->preprocessing.fs_hz != candidate->preprocessing.fs_hz) {
    throw InvalidArgument("shadow mode needs both models at one sampling rate; production "
                          "expects " + ecgad::detail::format_number(production->preprocessing.fs_hz) +
                          " Hz, the candidate " +
                          ecgad::detail::format_number(candidate->preprocessing.fs_hz) + " Hz");
  }
  impl_ = std::make_unique<Impl>(std::move(production), std::move(candidate), options, rule);
}
ShadowPipeline::~ShadowPipeline() = default;
ShadowPipeline::ShadowPipeline(ShadowPipeline&&) noexcept = default;
ShadowPipeline& ShadowPipeline::operator=(ShadowPipeline&&) noexcept = default;

void ShadowPipeline::set_reference(std::vector<std::int64_t> label_samples,
                                   std::vector<std::string> labels) {
  if (label_samples.size() != labels.size()) {
    throw InvalidArgument("set_reference: " + std::to_string(label_samples.size()) +
                          " samples but " + std::to_string(labels.size()) + " labels");
  }
  if (!std::is_sorted(label_samples.begin(), label_samples.end())) {
    throw InvalidArgument("set_reference: label samples must be ascending");
  }
  impl_->label_samples = std::move(label_samples);
  impl_->labels = std::move(labels);
}

void ShadowPipeline::set_event_callback(StreamPipeline::EventCallback callback) {
  impl_->on_event = std::move(callback);
}
void ShadowPipeline::set_alert_callback(StreamPipeline::AlertCallback callback) {
  impl_->production.set_alert_callback(std::move(callback));
}
void ShadowPipeline::set_disagreement_callback(DisagreementCallback callback) {
  impl_->on_disagreement = std::move(callback);
}

std::size_t ShadowPipeline::process(const Eigen::Ref<const Eigen::VectorXd>& chunk_mv) {
  // Validated by the production chain first; the candidate then sees the same good samples.
  const std::size_t n = impl_->production.process(chunk_mv);
  impl_->candidate.process(chunk_mv);
  impl_->match(false);
  return n;
}

std::size_t ShadowPipeline::finish() {
  const std::size_t n = impl_->production.finish();
  impl_->candidate.finish();
  impl_->match(true);
  return n;
}

ShadowSummary ShadowPipeline::summary() const {
  ShadowSummary s;
  const Impl& m = *impl_;
  s.paired = m.paired;
  s.unpaired = m.unpaired;
  s.disagreements = m.n_disagree;
  s.agreement_rate =
      m.paired > 0 ? 1.0 - static_cast<double>(m.n_disagree) / static_cast<double>(m.paired) : 1.0;
  s.production = m.p_side;
  s.candidate = m.c_side;
  m.side_metrics(s.production, m.p_scores, m.p_flag);
  m.side_metrics(s.candidate, m.c_scores, m.c_flag);
  const PromotionRule& r = m.rule;
  const ShadowSide &p = s.production, &c = s.candidate;
  if (p.labelled < r.min_labelled_beats || !std::isfinite(p.roc_auc)) {
    s.verdict = "keep production: " + std::to_string(p.labelled) +
                " labelled beats with both classes are needed to judge (at least " +
                std::to_string(r.min_labelled_beats) + ")";
  } else if (c.roc_auc < p.roc_auc + r.min_roc_auc_gain) {
    s.verdict = "keep production: candidate ROC-AUC " + fixed(c.roc_auc) + " vs " +
                fixed(p.roc_auc);
  } else if (c.false_positive_rate > p.false_positive_rate + r.max_fpr_increase) {
    s.verdict = "keep production: candidate false-positive rate " + fixed(c.false_positive_rate) +
                " vs " + fixed(p.false_positive_rate);
  } else if (c.sensitivity < p.sensitivity - r.max_sensitivity_drop) {
    s.verdict = "keep production: candidate sensitivity " + fixed(c.sensitivity) + " vs " +
                fixed(p.sensitivity);
  } else {
    s.candidate_better = true;
    s.verdict = "promote: candidate ROC-AUC " + fixed(c.roc_auc) + " vs " + fixed(p.roc_auc) +
                ", false-positive rate " + fixed(c.false_positive_rate) + " vs " +
                fixed(p.false_positive_rate) + ", sensitivity " + fixed(c.sensitivity) + " vs " +
                fixed(p.sensitivity);
  }
  return s;
}

const std::vector<Disagreement>& ShadowPipeline::disagreements() const { return impl_->kept; }
const StreamPipeline& ShadowPipeline::production() const { return impl_->production; }
const StreamPipeline& ShadowPipeline::candidate() const { return impl_->candidate; }

}  // namespace ecgad::pipeline
