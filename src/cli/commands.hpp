#pragma once
// The `ecgad` subcommands (commands.cpp, demo.cpp). Each run_* returns an exit code.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/shadow.hpp"
#include "ecgad/pipeline/sources.hpp"
#include "ecgad/pipeline/training.hpp"
#include "ecgad/store/store.hpp"

namespace ecgad::cli {

// ------------------------------------------------------------------ building blocks (shared)

/// A model given on the command line: a bundle path, a registry id ("7") or a model name
/// ("ecg-dense" = its production version). With a registry entry, id/version are set.
struct ModelRef {
  std::shared_ptr<const pipeline::ModelPackage> package;
  std::int64_t id = 0;
  std::string label;  ///< "ecg-dense v2" or the path
  std::string path;   ///< the bundle file
};
ModelRef resolve_model(const std::string& spec, store::Store* store);

/// A recording given on the command line: a WFDB record path (without extension), an .npy or
/// .csv file (with fs_hz), or "scenario:<name>" (synthetic, duration_s/seed).
pipeline::Recording resolve_recording(const std::string& spec, double fs_hz, int lead,
                                      double duration_s, std::uint64_t seed);

struct StreamSettings {
  double chunk_s = 1.0;
  double monitor_warmup_s = 300.0;
  bool use_bundle_reference = false;
  std::string name;  ///< run name (default: the recording's)
  double from_s = 0.0, to_s = 0.0;  ///< replay only [from_s, to_s) of the recording (0 = all)
  /// A reviewer labels every beat the pipeline flags (anomalous or uncertain) from the
  /// recording's reference labels as it streams: the labels feed the monitor's error-rate
  /// (concept drift) channel and go to the store's reviews table.
  bool review_flagged = false;
};

struct StreamOutcome {
  std::int64_t run_id = 0;
  pipeline::StreamStats stats;
  std::vector<drift::Alert> alerts;
  pipeline::Recommendation recommendation;
  nlohmann::json summary;
  double seconds = 0.0;
  std::int64_t reviews = 0;
};

/// Replays a recording through the inference pipeline as if live, chunk by chunk; with a store,
/// events and alerts go to the results store under a new "stream" run.
StreamOutcome replay(const ModelRef& model, const pipeline::Recording& rec, store::Store* store,
                     const StreamSettings& settings);

struct ShadowOutcome {
  std::int64_t run_id = 0;
  pipeline::ShadowSummary summary;
  bool promoted = false;
};

/// Production and candidate on the same replay; disagreements to the store; promotes the
/// candidate through the registry when `promote` and the summary says it is better.
ShadowOutcome shadow(const ModelRef& production, const ModelRef& candidate,
                     const pipeline::Recording& rec, store::Store* store,
                     const StreamSettings& settings, bool promote);

/// Trains with progress bars and logs.
pipeline::TrainingResult train(const pipeline::TrainingConfig& config, store::Store* store,
                               const std::vector<pipeline::Recording>* recordings = nullptr);

/// Writes the HTML report of the store's runs; returns the document.
nlohmann::json write_report(const store::Store& store, const std::string& out_path,
                            std::int64_t train_run, std::int64_t stream_run,
                            std::int64_t shadow_run, const std::string& title);

nlohmann::json alert_json(const drift::Alert& a);

/// A metric of a JSON metrics object with 3 decimals, "-" when missing or undefined (null).
std::string metric(const nlohmann::json& metrics, const char* key);

// ------------------------------------------------------------------------------ subcommands

struct SimulateOptions {
  std::string out_dir;
  int subjects = 12;
  double duration_s = 300.0;
  std::uint64_t seed = 1;
  std::string scenario;  ///< write one scenario stream instead of a cohort
};
int run_simulate(const SimulateOptions& o);

struct IngestOptions {
  std::string store, kind = "wfdb", path;
  double fs_hz = 0.0;
  int lead = 0;
};
int run_ingest(const IngestOptions& o);

struct TrainOptions {
  std::string config, store;
  bool require_blessed = false;
};
int run_train(const TrainOptions& o);

struct EvaluateOptions {
  std::string model, store, source = "wfdb", path;
  std::vector<std::string> records;
  double fs_hz = 0.0;
  int lead = 0;
};
int run_evaluate(const EvaluateOptions& o);

struct CalibrateOptions {
  std::string model, out, store, source = "wfdb", path;
  std::vector<std::string> records;
  double fs_hz = 0.0, alpha_anomaly = 0.01, alpha_normal = 0.05;
  int lead = 0;
};
int run_calibrate(const CalibrateOptions& o);

struct ScoreOptions {
  std::string model, store, out;
  std::vector<std::string> inputs;  ///< recordings scored in one batch run
  double fs_hz = 0.0;
  int lead = 0;
};
int run_score(const ScoreOptions& o);

struct StreamOptions {
  std::string model, input = "scenario:day", store;
  double fs_hz = 0.0, duration_s = 7200.0;
  int lead = 0;
  std::uint64_t seed = 7;
  StreamSettings settings;
};
int run_stream(const StreamOptions& o);

struct MonitorOptions {
  std::string store;
  std::int64_t run = 0;
};
int run_monitor(const MonitorOptions& o);

struct ShadowOptions {
  std::string production = "", candidate, input = "scenario:stable", store;
  double fs_hz = 0.0, duration_s = 3600.0;
  int lead = 0;
  std::uint64_t seed = 7;
  bool promote = false;
  StreamSettings settings;
};
int run_shadow(const ShadowOptions& o);

struct PromoteOptions {
  std::string store;
  std::int64_t model = 0;
  std::string stage = "production";
};
int run_promote(const PromoteOptions& o);

struct RunsOptions {
  std::string store, kind;
  std::vector<std::int64_t> compare;
};
int run_runs(const RunsOptions& o);

struct ReportOptions {
  std::string store, out = "ecgad-report.html", title = "ecgad report";
  std::int64_t train_run = 0, stream_run = 0, shadow_run = 0;
};
int run_report(const ReportOptions& o);

struct DemoOptions {
  std::string workdir = "ecgad-demo";
  bool quick = false;
  std::uint64_t seed = 1;
};
int run_demo(const DemoOptions& o);

}  // namespace ecgad::cli
