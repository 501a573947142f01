// Writes stream results to the store (include/ecgad/pipeline/recorder.hpp).
#include "ecgad/pipeline/recorder.hpp"

#include <cmath>

namespace ecgad::pipeline {

store::AlertRow to_alert_row(const drift::Alert& a, std::int64_t run_id,
                             const std::string& stream_id) {
  store::AlertRow row;
  row.run_id = run_id;
  row.stream_id = stream_id;
  row.kind = drift::to_string(a.kind);
  row.since_s = a.since_s;
  row.detected_s = a.detected_s;
  row.strength = a.strength;
  row.shape = drift::to_string(a.shape);
  row.cause = drift::to_string(a.cause);
  row.action = drift::to_string(a.action);
  row.detail = a.to_json();
  return row;
}

EventRecorder::EventRecorder(store::Store& store, std::int64_t run_id, std::string stream_id,
                             std::int64_t model_id, std::size_t batch_events)
    : store_(store),
      run_id_(run_id),
      stream_id_(std::move(stream_id)),
      model_id_(model_id),
      batch_(batch_events == 0 ? 1 : batch_events) {
  pending_.reserve(batch_);
}

EventRecorder::~EventRecorder() {
  try {
    flush();
  } catch (...) {
    // A destructor must not throw; flush() explicitly to see write errors.
  }
}

void EventRecorder::add(const BeatEvent& e) {
  store::EventRow row;
  row.run_id = run_id_;
  row.stream_id = stream_id_;
  row.model_id = model_id_;
  row.time_s = e.time_s;
  row.sample_index = e.sample_index;
  row.score = e.score;
  row.p_value = e.p_value;
  row.decision = static_cast<int>(e.decision);
  // Before the first quality window the grade is unknown: stored as unusable with a NULL score
  // (the store's grades are 0..2; a NULL quality_score tells the two apart).
  row.quality_grade = e.quality_known ? static_cast<int>(e.quality_grade) : 2;
  row.quality_score = e.quality_score;
  row.heart_rate_bpm = e.heart_rate_bpm;
  pending_.push_back(row);
  if (pending_.size() >= batch_) flush();
}

void EventRecorder::add(const drift::Alert& a) {
  store_.add_alert(to_alert_row(a, run_id_, stream_id_));
  ++alerts_;
}

void EventRecorder::add(const Disagreement& d, std::int64_t production_model_id,
                        std::int64_t candidate_model_id) {
  store::DisagreementRow row;
  row.run_id = run_id_;
  row.stream_id = stream_id_;
  row.time_s = d.time_s;
  row.production_model_id = production_model_id;
  row.candidate_model_id = candidate_model_id;
  row.production_decision = static_cast<int>(d.production_decision);
  row.candidate_decision = static_cast<int>(d.candidate_decision);
  row.production_score = d.production_score;
  row.candidate_score = d.candidate_score;
  pending_disagreements_.push_back(row);
  if (pending_disagreements_.size() >= batch_) flush();
}

void EventRecorder::flush() {
  if (!pending_.empty()) {
    store_.add_events(pending_);
    written_ += static_cast<std::int64_t>(pending_.size());
    pending_.clear();
  }
  if (!pending_disagreements_.empty()) {
    store_.add_disagreements(pending_disagreements_);
    pending_disagreements_.clear();
  }
}

void EventRecorder::attach(StreamPipeline& pipeline) {
  pipeline.set_event_callback([this](const BeatEvent& e) { add(e); });
  pipeline.set_alert_callback([this](const drift::Alert& a) { add(a); });
}

}  // namespace ecgad::pipeline
