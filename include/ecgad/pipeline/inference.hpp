#pragma once
// The inference pipeline (issue 6 §2): stream -> beats -> scores -> decisions -> monitoring.
//
// ModelPackage is everything a bundle says about scoring, loaded once and shared (immutable,
// thread-safe) by any number of StreamPipeline objects, one per stream (patient, channel). A host
// pushes chunks of samples of any size; each beat comes back through a callback with its time,
// score, conformal p-value, decision (normal / uncertain -> human review / anomalous), quality
// and heart rate, and the drift monitor's alerts through another. LibTorch-free: the model runs
// on the Eigen runtime, so an edge host links ecgad::serve only.
//
// Output does not depend on how the stream is cut into chunks (tests/cpp/test_inference.cpp).
// Latency of a beat event after its R peak: max(after_s, one RR interval) + the R-peak
// detector's delay (latency_bound_s() for RR up to 2 s).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/calibrate/conformal.hpp"
#include "ecgad/drift/alert.hpp"
#include "ecgad/drift/monitor.hpp"
#include "ecgad/pipeline/preprocessing.hpp"
#include "ecgad/runtime/model.hpp"

namespace ecgad::pipeline {

/// The bundle's "ecgad.calibration" document as the pipelines write it: conformal calibration
/// scores of held-out normal beats and the uncertain band.
struct Calibration {
  calibrate::ConformalCalibrator conformal;
  calibrate::UncertainBand band;  ///< p <= alpha_anomaly anomalous, >= alpha_normal normal
  std::string score = "mae";      ///< which reconstruction error is the score

  /// The score above which a beat is anomalous (target-FPR threshold at alpha_anomaly).
  double threshold() const { return conformal.threshold(band.alpha_anomaly).value; }
  nlohmann::json to_json() const;
  static Calibration from_json(const nlohmann::json& j);  ///< FormatError naming the problem
};

/// A loaded model bundle, ready to score: runtime model, preprocessing, calibration and the
/// optional drift reference. Immutable; share one across streams and threads.
struct ModelPackage {
  std::string source;       ///< where it came from (path), for messages
  std::string bundle_hash;  ///< the bundle's XXH3-128 checksum
  Preprocessing preprocessing;
  Calibration calibration;
  std::optional<drift::MonitorReference> drift_reference;
  runtime::Model model;
  nlohmann::json training;  ///< the bundle's training summary (may be null)

  /// From a loaded bundle. FormatError when the preprocessing or calibration document is
  /// missing or invalid, or the model's input width differs from the preprocessing's.
  static std::shared_ptr<const ModelPackage> from_bundle(const artifact::Bundle& bundle,
                                                         const std::string& source);
  /// Loads and verifies the bundle file (artifact::load_bundle), then from_bundle().
  static std::shared_ptr<const ModelPackage> load(const std::filesystem::path& path);
};

/// One scored beat.
struct BeatEvent {
  std::int64_t beat_index = 0;
  std::int64_t sample_index = 0;
  double time_s = 0.0;
  double score = 0.0;
  double p_value = 1.0;
  calibrate::Decision decision = calibrate::Decision::normal;
  /// Why a beat is uncertain although its p-value says otherwise: "" (it is not), "warmup"
  /// (the patient reference beat is still forming) or "quality" (unusable signal).
  const char* uncertain_reason = "";
  bool quality_known = false;
  signal::QualityGrade quality_grade = signal::QualityGrade::unusable;
  double quality_score = 0.0;  ///< NaN when !quality_known
  double heart_rate_bpm = 0.0;
  double rr_before_s = 0.0;
  double r_amplitude_mv = 0.0;
  bool premature = false;
};

/// Options of one stream. The event callback of a beat runs after the monitor has seen it, so
/// an alert it causes arrives before its event and a host may label it from the callback.
struct StreamOptions {
  std::string stream_id = "stream";
  /// Sampling rate of the pushed samples; must equal the model's (0 = take the model's).
  double fs_hz = 0.0;
  bool monitor = true;  ///< run the drift monitor
  /// The monitor's reference: the stream's own first monitor_warmup_s seconds (a bedside
  /// monitor learns the patient after connection; docs/drift.md), or, with
  /// use_bundle_reference, the bundle's drift reference from the start.
  double monitor_warmup_s = 300.0;
  bool use_bundle_reference = false;
  drift::MonitorConfig monitor_config;
};

/// What the stream's alerts so far recommend (recommend()).
struct Recommendation {
  bool retrain = false;        ///< an alert recommends retraining (score/latent/morphology drift)
  bool recalibrate = false;    ///< the score scale moved: re-fit the threshold
  bool check_sensor = false;   ///< acquisition fault (gain, polarity, noise, lead)
  std::vector<std::string> reasons;
  nlohmann::json to_json() const;
};

/// Counters of one stream.
struct StreamStats {
  std::int64_t samples = 0, beats = 0, normal = 0, uncertain = 0, anomalous = 0, alerts = 0;
  nlohmann::json to_json() const;
};

/// The per-stream inference pipeline. process()/finish()/reset(); one thread at a time.
class StreamPipeline {
 public:
  using EventCallback = std::function<void(const BeatEvent&)>;
  using AlertCallback = std::function<void(const drift::Alert&)>;

  StreamPipeline(std::shared_ptr<const ModelPackage> package, const StreamOptions& options = {});
  StreamPipeline(StreamPipeline&&) noexcept;
  StreamPipeline& operator=(StreamPipeline&&) noexcept;
  ~StreamPipeline();

  void set_event_callback(EventCallback callback);
  void set_alert_callback(AlertCallback callback);

  /// Pushes the next samples (mV). Returns the number of beat events emitted. InvalidArgument
  /// (nothing consumed) on NaN/Inf; StateError after finish().
  std::size_t process(const Eigen::Ref<const Eigen::VectorXd>& chunk_mv);
  /// Ends the stream (the last beats come out). reset() before reuse.
  std::size_t finish();
  /// A new stream with the same model, options and callbacks. Beats still inside the chain (up
  /// to latency_bound_s() of signal) are dropped: call finish() first to get them. Event and
  /// alert times restart at 0 s, so a host that resets at a gap in the signal adds the gap's
  /// start to the times itself (the soak's gap protocol: benchmarks/soak.cpp, docs/reliability.md).
  void reset();

  /// A reviewer's label for the beat at time_s (an event already emitted): feeds the drift
  /// monitor's error-rate (concept drift) detectors with label vs the pipeline's decision.
  /// Labels come in beat order, for any of the last 4096 beats the monitor saw. Returns false
  /// (and ignores the label) while the monitor warms up or is off; InvalidArgument when no
  /// monitored beat has that time.
  bool add_label(double time_s, bool is_anomaly);

  const StreamOptions& options() const;
  const ModelPackage& package() const;
  const StreamStats& stats() const;
  /// Alerts so far (empty while the monitor warms up or when it is off).
  std::vector<drift::Alert> alerts() const;
  /// The monitor's summary (null JSON while it warms up or when off).
  nlohmann::json monitor_summary() const;
  Recommendation recommend() const;
  /// Upper bound of an event's delay after its R peak, for RR intervals up to max_rr_s.
  double latency_bound_s(double max_rr_s = 2.0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Scores one beat of the chain with the package: score, p-value, decision (uncertain while the
/// patient reference is not warm or on unusable signal). `ws` from package.model.make_workspace().
BeatEvent score_beat(const ModelPackage& package, const ChainBeat& beat, runtime::Workspace& ws);

/// Scores every beat of a whole recording with one package (a StreamPipeline without the
/// monitor, fed in one chunk): the batch face of the inference pipeline.
std::vector<BeatEvent> score_recording(std::shared_ptr<const ModelPackage> package,
                                       const Eigen::Ref<const Eigen::VectorXd>& signal_mv,
                                       double fs_hz);

/// to_json of an event ("decision" as its name).
nlohmann::json to_json(const BeatEvent& e);

}  // namespace ecgad::pipeline
