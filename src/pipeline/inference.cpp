// The inference pipeline: BeatChain -> runtime model -> conformal p-value -> decision ->
// drift monitor. See include/ecgad/pipeline/inference.hpp.
#include "ecgad/pipeline/inference.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <utility>

#include "ecgad/artifact/checksum.hpp"
#include "ecgad/artifact/file.hpp"
#include "ecgad/artifact/runtime_loader.hpp"
#include "ecgad/error.hpp"

namespace ecgad::pipeline {

namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

// ------------------------------------------------------------------------------ Calibration

nlohmann::json Calibration::to_json() const {
  return {{"method", "conformal"},
          {"score", score},
          {"conformal", conformal.to_json()},
          {"band", band.to_json()},
          {"threshold", threshold()}};
}

Calibration Calibration::from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw FormatError("calibration document: expected an object written by "
                      "Calibration::to_json, got " + std::string(j.type_name()));
  }
  Calibration c;
  try {
    const std::string method = j.at("method").get<std::string>();
    if (method != "conformal") {
      throw FormatError("calibration document: method '" + method + "'; expected 'conformal'");
    }
    c.score = j.at("score").get<std::string>();
    if (c.score != "mae" && c.score != "mse" && c.score != "max") {
      throw FormatError("calibration document: score '" + c.score +
                        "'; expected mae, mse or max");
    }
    c.conformal = calibrate::ConformalCalibrator::from_json(j.at("conformal"));
    c.band = calibrate::UncertainBand::from_json(j.at("band"));
    c.conformal.validate_band(c.band);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(std::string("calibration document: ") + e.what() +
                      " (expected method, score, conformal, band)");
  } catch (const InvalidArgument& e) {
    throw FormatError(std::string("calibration document: ") + e.what());
  }
  return c;
}

// ----------------------------------------------------------------------------- ModelPackage

std::shared_ptr<const ModelPackage> ModelPackage::from_bundle(const artifact::Bundle& bundle,
                                                              const std::string& source) {
  if (bundle.preprocessing.is_null()) {
    throw FormatError(source + ": the bundle has no preprocessing document; it was not saved "
                      "by a pipeline (expected Preprocessing::to_json under ecgad.preprocessing)");
  }
  if (bundle.calibration.is_null()) {
    throw FormatError(source + ": the bundle is not calibrated (no ecgad.calibration "
                      "document); run the training pipeline's calibration step");
  }
  Preprocessing preprocessing;
  Calibration calibration;
  std::optional<drift::MonitorReference> reference;
  try {
    preprocessing = Preprocessing::from_json(bundle.preprocessing);
    calibration = Calibration::from_json(bundle.calibration);
    if (!bundle.drift_reference.is_null()) {
      reference = drift::MonitorReference::from_json(bundle.drift_reference);
    }
  } catch (const Error& e) {
    throw FormatError(source + ": " + e.what());
  }
  runtime::Model model = artifact::make_runtime_model(bundle, source);
  if (model.input_size() != preprocessing.input_size()) {
    throw FormatError(source + ": the model takes " + std::to_string(model.input_size()) +
                      " inputs but its preprocessing makes " +
                      std::to_string(preprocessing.input_size()) +
                      " (a mismatched bundle/preprocessing pair)");
  }
  return std::make_shared<const ModelPackage>(ModelPackage{
      source, "", std::move(preprocessing), std::move(calibration), std::move(reference),
      std::move(model), bundle.training});
}

std::shared_ptr<const ModelPackage> ModelPackage::load(const std::filesystem::path& path) {
  const std::string source = "bundle " + artifact::detail::quoted(path);
  const std::string bytes = artifact::detail::read_bounded(path, "bundle", source);
  const auto package = from_bundle(artifact::bundle_from_bytes(bytes, source), source);
  auto copy = std::make_shared<ModelPackage>(*package);
  copy->bundle_hash = artifact::xxh128_hex(bytes);
  return copy;
}

// --------------------------------------------------------------------------- small pieces

nlohmann::json Recommendation::to_json() const {
  return {{"retrain", retrain},
          {"recalibrate", recalibrate},
          {"check_sensor", check_sensor},
          {"reasons", reasons}};
}

nlohmann::json StreamStats::to_json() const {
  return {{"samples", samples}, {"beats", beats},         {"normal", normal},
          {"uncertain", uncertain}, {"anomalous", anomalous}, {"alerts", alerts}};
}

nlohmann::json to_json(const BeatEvent& e) {
  return {{"beat_index", e.beat_index},
          {"sample_index", e.sample_index},
          {"time_s", e.time_s},
          {"score", e.score},
          {"p_value", e.p_value},
          {"decision", calibrate::decision_name(e.decision)},
          {"uncertain_reason", e.uncertain_reason},
          {"quality_grade", e.quality_known ? signal::to_string(e.quality_grade) : "unknown"},
          {"quality_score", number_or_null(e.quality_score)},
          {"heart_rate_bpm", number_or_null(e.heart_rate_bpm)},
          {"rr_before_s", number_or_null(e.rr_before_s)},
          {"r_amplitude_mv", e.r_amplitude_mv},
          {"premature", e.premature}};
}

// --------------------------------------------------------------------------- scoring

BeatEvent score_beat(const ModelPackage& package, const ChainBeat& b, runtime::Workspace& ws) {
  const runtime::BeatScore s = package.model.score_one(b.input, ws);
  const Calibration& cal = package.calibration;
  BeatEvent e;
  e.beat_index = b.beat_index;
  e.sample_index = b.sample_index;
  e.time_s = b.time_s;
  e.score = cal.score == "mse"   ? static_cast<double>(s.mse)
            : cal.score == "max" ? static_cast<double>(s.max_abs)
                                 : static_cast<double>(s.mae);
  // Finite inputs give finite scores (the runtime rejects non-finite weights at load).
  e.p_value = cal.conformal.pvalue(e.score);
  e.decision = cal.conformal.decide(e.score, cal.band);
  e.quality_known = b.quality_known;
  e.quality_grade = b.quality_grade;
  e.quality_score = b.quality_known ? b.quality_score : nan();
  e.heart_rate_bpm = b.heart_rate_bpm;
  e.rr_before_s = b.rr_before_s;
  e.r_amplitude_mv = b.r_amplitude_mv;
  e.premature = b.premature;
  // A beat judged without a formed patient reference, or on unusable signal, goes to review.
  if (e.decision != calibrate::Decision::uncertain) {
    if (!b.warm) {
      e.decision = calibrate::Decision::uncertain;
      e.uncertain_reason = "warmup";
    } else if (b.quality_known && b.quality_grade == signal::QualityGrade::unusable) {
      e.decision = calibrate::Decision::uncertain;
      e.uncertain_reason = "quality";
    }
  }
  return e;
}

// --------------------------------------------------------------------------- StreamPipeline

struct StreamPipeline::Impl {
  std::shared_ptr<const ModelPackage> package;
  StreamOptions options;
  EventCallback on_event;
  AlertCallback on_alert;
  BeatChain chain;
  runtime::Workspace workspace;
  StreamStats stats;
  std::optional<drift::Monitor> monitor;
  // Monitor warm-up buffers: the stream's first monitor_warmup_s seconds of beats.
  std::vector<double> warm_scores, warm_hr, warm_amp, warm_quality;
  std::vector<float> warm_beats;
  // (time, predicted anomaly) of the last beats the monitor saw, for reviewers' labels.
  static constexpr std::size_t kLabelMemory = 4096;
  std::deque<std::pair<double, bool>> monitored;
  double first_beat_s = nan();
  bool finished = false;

  Impl(std::shared_ptr<const ModelPackage> p, const StreamOptions& o)
      : package(std::move(p)), options(o) {
    if (!package) throw InvalidArgument("StreamPipeline: the model package is null");
    const double model_fs = package->preprocessing.fs_hz;
    if (options.fs_hz == 0.0) options.fs_hz = model_fs;
    if (options.fs_hz != model_fs) {
      throw InvalidArgument("stream '" + options.stream_id + "': sampling rate " +
                            ecgad::detail::format_number(options.fs_hz) +
                            " Hz, but the model expects " +
                            ecgad::detail::format_number(model_fs) +
                            " Hz; resample the stream first (signal::resample_poly)");
    }
    if (!(options.monitor_warmup_s >= 0.0) || !std::isfinite(options.monitor_warmup_s)) {
      throw InvalidArgument("monitor_warmup_s is " +
                            ecgad::detail::format_number(options.monitor_warmup_s) +
                            "; expected a finite number of seconds >= 0");
    }
    if (options.monitor && options.use_bundle_reference && !package->drift_reference) {
      throw InvalidArgument(package->source + " has no drift reference; use the stream's "
                            "warm-up (use_bundle_reference = false) or save one in the bundle");
    }
    options.monitor_config.validate();
    chain.setup(package->preprocessing);
    workspace = package->model.make_workspace(1);
    reset();
  }

  void reset() {
    chain.reset();
    stats = StreamStats{};
    monitor.reset();
    warm_scores.clear();
    warm_hr.clear();
    warm_amp.clear();
    warm_quality.clear();
    warm_beats.clear();
    monitored.clear();
    first_beat_s = nan();
    finished = false;
    if (options.monitor && options.use_bundle_reference) start_monitor(*package->drift_reference);
  }

  void start_monitor(const drift::MonitorReference& reference) {
    monitor.emplace(reference, options.monitor_config);
    monitor->set_alert_callback([this](const drift::Alert& a) {
      ++stats.alerts;
      if (on_alert) on_alert(a);
    });
  }

  void on_beat(const ChainBeat& b) {
    const BeatEvent e = score_beat(*package, b, workspace);
    ++stats.beats;
    switch (e.decision) {
      case calibrate::Decision::normal: ++stats.normal; break;
      case calibrate::Decision::uncertain: ++stats.uncertain; break;
      case calibrate::Decision::anomalous: ++stats.anomalous; break;
    }
    if (options.monitor) observe(b, e);
    if (on_event) on_event(e);
  }

  // The monitor needs a heart rate and a quality score; beats before the first quality window or
  // the second R peak are not observed.
  void observe(const ChainBeat& b, const BeatEvent& e) {
    if (!b.quality_known || !std::isfinite(b.heart_rate_bpm) || !b.warm) return;
    if (std::isnan(first_beat_s)) first_beat_s = b.time_s;
    if (!monitor) {
      warm_scores.push_back(e.score);
      warm_hr.push_back(b.heart_rate_bpm);
      warm_amp.push_back(b.r_amplitude_mv);
      warm_quality.push_back(b.quality_score);
      warm_beats.insert(warm_beats.end(), b.beat, b.beat + package->preprocessing.beats.length);
      const bool enough = b.time_s - first_beat_s >= options.monitor_warmup_s &&
                          warm_scores.size() >= static_cast<std::size_t>(
                                                    drift::MonitorReference::kMinBeats);
      if (enough) fit_reference();
      return;
    }
    drift::BeatObservation o;
    o.time_s = b.time_s;
    o.score = e.score;
    o.p_value = e.p_value;
    o.quality_grade = b.quality_grade;
    o.quality_score = b.quality_score;
    o.heart_rate_bpm = b.heart_rate_bpm;
    o.r_amplitude_mv = b.r_amplitude_mv;
    o.predicted_anomaly = e.decision == calibrate::Decision::anomalous;
    o.premature = b.premature;
    o.beat = b.beat;
    o.beat_length = static_cast<std::size_t>(package->preprocessing.beats.length);
    monitor->update(o);
    if (monitored.size() == kLabelMemory) monitored.pop_front();
    monitored.emplace_back(b.time_s, o.predicted_anomaly);
  }

  bool add_label(double time_s, bool is_anomaly) {
    if (!monitor) return false;
    const auto it = std::lower_bound(
        monitored.begin(), monitored.end(), time_s,
        [](const std::pair<double, bool>& m, double t) { return m.first < t; });
    if (it == monitored.end() || it->first != time_s) {
      throw InvalidArgument("add_label: no monitored beat at " +
                            ecgad::detail::format_number(time_s) +
                            " s among the last " + std::to_string(monitored.size()) +
                            " (label beats by their event's time_s)");
    }
    monitor->update_label(time_s, is_anomaly, it->second);
    return true;
  }

  void fit_reference() {
    const auto n = static_cast<Eigen::Index>(warm_scores.size());
    const Eigen::Index l = package->preprocessing.beats.length;
    using Map = Eigen::Map<const Eigen::VectorXd>;
    const Eigen::Map<const drift::LatentMatrix> beats(warm_beats.data(), n, l);
    const auto reference = drift::MonitorReference::fit(
        Map(warm_scores.data(), n), Map(warm_hr.data(), n), Map(warm_amp.data(), n),
        Map(warm_quality.data(), n), drift::LatentMatrix(), beats);
    start_monitor(reference);
    warm_scores = {};
    warm_hr = {};
    warm_amp = {};
    warm_quality = {};
    warm_beats = {};
  }
};

StreamPipeline::StreamPipeline(std::shared_ptr<const ModelPackage> package,
                               const StreamOptions& options)
    : impl_(std::make_unique<Impl>(std::move(package), options)) {}
StreamPipeline::StreamPipeline(StreamPipeline&&) noexcept = default;
StreamPipeline& StreamPipeline::operator=(StreamPipeline&&) noexcept = default;
StreamPipeline::~StreamPipeline() = default;

void StreamPipeline::set_event_callback(EventCallback callback) {
  impl_->on_event = std::move(callback);
}
void StreamPipeline::set_alert_callback(AlertCallback callback) {
  impl_->on_alert = std::move(callback);
}

std::size_t StreamPipeline::process(const Eigen::Ref<const Eigen::VectorXd>& chunk_mv) {
  const std::int64_t before = impl_->stats.beats;
  impl_->chain.process(chunk_mv, [this](const ChainBeat& b) { impl_->on_beat(b); });
  impl_->stats.samples += chunk_mv.size();
  return static_cast<std::size_t>(impl_->stats.beats - before);
}

std::size_t StreamPipeline::finish() {
  const std::int64_t before = impl_->stats.beats;
  impl_->chain.finish([this](const ChainBeat& b) { impl_->on_beat(b); });
  return static_cast<std::size_t>(impl_->stats.beats - before);
}

void StreamPipeline::reset() { impl_->reset(); }

bool StreamPipeline::add_label(double time_s, bool is_anomaly) {
  return impl_->add_label(time_s, is_anomaly);
}

const StreamOptions& StreamPipeline::options() const { return impl_->options; }
const ModelPackage& StreamPipeline::package() const { return *impl_->package; }
const StreamStats& StreamPipeline::stats() const { return impl_->stats; }

std::vector<drift::Alert> StreamPipeline::alerts() const {
  return impl_->monitor ? impl_->monitor->alerts() : std::vector<drift::Alert>{};
}

nlohmann::json StreamPipeline::monitor_summary() const {
  return impl_->monitor ? impl_->monitor->summary().to_json() : nlohmann::json(nullptr);
}

Recommendation StreamPipeline::recommend() const {
  // One line per (action, channel): how many alerts, and the first change's start.
  struct Group {
    drift::RecommendedAction action;
    drift::AlertKind kind;
    int count;
    double first_since_s;
    std::string causes;
  };
  std::vector<Group> groups;
  for (const drift::Alert& a : alerts()) {
    if (a.action == drift::RecommendedAction::none_yet) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.action == a.action && g.kind == a.kind;
    });
    const std::string cause = drift::to_string(a.cause);
    if (it == groups.end()) {
      groups.push_back({a.action, a.kind, 1, a.since_s, cause});
    } else {
      ++it->count;
      if (it->causes.find(cause) == std::string::npos) it->causes += "/" + cause;
    }
  }
  Recommendation r;
  for (const Group& g : groups) {
    const char* what = g.action == drift::RecommendedAction::retrain ? "retrain"
                       : g.action == drift::RecommendedAction::recalibrate_threshold
                           ? "recalibrate the threshold"
                           : "check the sensor";
    r.retrain |= g.action == drift::RecommendedAction::retrain;
    r.recalibrate |= g.action == drift::RecommendedAction::recalibrate_threshold;
    r.check_sensor |= g.action == drift::RecommendedAction::check_sensor;
    char since[32];
    std::snprintf(since, sizeof since, "%.1f", g.first_since_s / 60.0);
    r.reasons.push_back(std::string(what) + ": " + std::to_string(g.count) + " " +
                        drift::to_string(g.kind) + " alert(s) (" + g.causes + "), the first since " +
                        since + " min");
  }
  return r;
}

double StreamPipeline::latency_bound_s(double max_rr_s) const {
  const Preprocessing& p = impl_->package->preprocessing;
  return std::max(p.beats.after_s, max_rr_s) + impl_->chain.detector_latency_s();
}

std::vector<BeatEvent> score_recording(std::shared_ptr<const ModelPackage> package,
                                       const Eigen::Ref<const Eigen::VectorXd>& signal_mv,
                                       double fs_hz) {
  StreamOptions o;
  o.fs_hz = fs_hz;
  o.monitor = false;
  o.stream_id = "recording";
  StreamPipeline p(std::move(package), o);
  std::vector<BeatEvent> events;
  p.set_event_callback([&](const BeatEvent& e) { events.push_back(e); });
  p.process(signal_mv);
  p.finish();
  return events;
}

}  // namespace ecgad::pipeline
