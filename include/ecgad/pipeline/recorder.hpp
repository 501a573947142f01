#pragma once
// The results store end of the inference pipeline: EventRecorder writes a stream's beat events,
// drift alerts and shadow disagreements to the store, in batched transactions (one commit per
// `batch_events` events, and at flush()), so a killed host loses at most the uncommitted tail.
// A host without a store just does not attach one (callbacks only).

#include <cstdint>
#include <string>
#include <vector>

#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/shadow.hpp"
#include "ecgad/store/store.hpp"

namespace ecgad::pipeline {

class EventRecorder {
 public:
  /// Records into `store` (which must outlive the recorder) under `run_id`, for `stream_id` and
  /// the registered `model_id` (0 = none).
  EventRecorder(store::Store& store, std::int64_t run_id, std::string stream_id,
                std::int64_t model_id = 0, std::size_t batch_events = 512);
  ~EventRecorder();  ///< flushes; errors there are swallowed (call flush() to see them)
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void add(const BeatEvent& e);
  void add(const drift::Alert& a);  ///< written at once (alerts are rare and must not wait)
  void add(const Disagreement& d, std::int64_t production_model_id,
           std::int64_t candidate_model_id);
  /// Commits everything pending.
  void flush();
  /// Wires a pipeline's callbacks to this recorder (replacing the pipeline's callbacks).
  void attach(StreamPipeline& pipeline);

  std::int64_t events_written() const noexcept { return written_; }
  std::int64_t alerts_written() const noexcept { return alerts_; }

 private:
  store::Store& store_;
  std::int64_t run_id_;
  std::string stream_id_;
  std::int64_t model_id_;
  std::size_t batch_;
  std::vector<store::EventRow> pending_;
  std::vector<store::DisagreementRow> pending_disagreements_;
  std::int64_t written_ = 0, alerts_ = 0;
};

/// The store's alert row of a monitor alert.
store::AlertRow to_alert_row(const drift::Alert& a, std::int64_t run_id,
                             const std::string& stream_id);

}  // namespace ecgad::pipeline
