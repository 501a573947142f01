#pragma once
// The training pipeline (issue 6 §1): source -> data validation -> preprocessing -> beats ->
// record-disjoint split -> training -> calibration -> evaluation with slices -> model
// validation gate ("blessing") -> bundle -> run record and model registry entry in the store.
//
// One TrainingConfig (JSON or TOML file) describes a run; the effective config (every default
// filled in) is stored with the run. The candidate is evaluated exactly as production scores:
// its bundle is loaded into a ModelPackage and each evaluation record is streamed through the
// inference chain, so the evaluation numbers are the numbers a host will see.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/calibrate/conformal.hpp"
#include "ecgad/model/autoencoder.hpp"
#include "ecgad/model/config.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/preprocessing.hpp"
#include "ecgad/pipeline/sources.hpp"

namespace ecgad::store {
class Store;
}

namespace ecgad::pipeline {

/// Record-disjoint split: whole recordings (patients) go to one role. Explicit lists win;
/// the rest is shuffled with `seed` and cut by the fractions (at least one record each).
struct SplitConfig {
  double train = 0.6, calibration = 0.2, evaluation = 0.2;
  std::uint64_t seed = 1;
  std::vector<std::string> train_records, calibration_records, evaluation_records;
  nlohmann::json to_json() const;
};

/// The model validation gate: metric floors, and no regression against the production model
/// on the same evaluation data.
struct GateConfig {
  double min_roc_auc = 0.90;
  double min_average_precision = 0.0;
  double min_sensitivity = 0.0;         ///< recall of the anomalous decisions
  double max_false_positive_rate = 0.05;  ///< of the anomalous decisions on normal beats
  /// The candidate's ROC-AUC may be at most this much below production's.
  double max_regression = 0.005;
  nlohmann::json to_json() const;
};

/// A whole training run.
struct TrainingConfig {
  std::string name = "ecg-dense";  ///< model name in the registry
  SourceConfig source;
  DataSchema validation;
  Preprocessing preprocessing;
  SplitConfig split;
  model::ArchitectureConfig architecture = model::ArchitectureConfig::dense(140, 1, 2);
  model::TrainConfig training;
  calibrate::UncertainBand band;
  GateConfig gate;
  /// Normal training beats are capped at this many (seeded sample; 0 = all).
  std::int64_t max_train_beats = 20000;
  /// Beats kept per evaluation for the report's example plots.
  int report_examples = 6;
  std::string model_dir = "models";  ///< bundles go to <model_dir>/<name>-<run_uid>.ecgad
  /// "first" (promote a blessed model when no production model exists), "never", "blessed".
  std::string promote = "first";

  static TrainingConfig defaults();
  nlohmann::json to_json() const;
  /// Reads a config; missing keys keep their defaults, unknown keys are InvalidArgument.
  static TrainingConfig from_json(const nlohmann::json& j);
  /// Reads a .json or .toml file (by extension).
  static TrainingConfig load(const std::filesystem::path& path);
};

/// Largest config file read_config_file accepts, bytes.
inline constexpr std::size_t kMaxConfigFileBytes = 64 * 1024;
/// Longest line of a TOML config read_config_file accepts, bytes (toml11 is quadratic in it).
inline constexpr std::size_t kMaxTomlLineBytes = 4 * 1024;

/// Reads a JSON or TOML file into JSON (TOML tables -> objects, arrays -> arrays).
/// FormatError when it is not valid JSON/TOML, larger than kMaxConfigFileBytes or (TOML) has a
/// line longer than kMaxTomlLineBytes.
nlohmann::json read_config_file(const std::filesystem::path& path);

/// Scores and labels of one package over labelled recordings, and everything derived.
struct Evaluation {
  std::vector<double> scores;
  std::vector<int> abnormal;           ///< 1 abnormal, 0 normal (excluded labels left out)
  std::vector<std::string> labels;     ///< the label of each beat
  std::vector<std::string> records;    ///< the recording of each beat
  std::vector<int> decisions;          ///< calibrate::Decision values
  double threshold = 0.0;
  nlohmann::json metrics;  ///< roc_auc, average_precision, sensitivity, specificity, fpr, ...
  nlohmann::json report;   ///< the report's "evaluation" section (docs/report.md)
};

/// Streams each recording through `package` and compares the events with the labels (a beat
/// takes the label of the reference beat within 150 ms). Beats before the patient reference is
/// warm and beats with excluded labels are left out. InvalidArgument when there are no
/// labelled beats or only one class.
Evaluation evaluate(const ModelPackage& package, const std::vector<const Recording*>& recordings,
                    int report_examples = 0);

/// One gate check.
struct GateCheck {
  std::string name;
  double value = 0.0, limit = 0.0;
  bool at_least = true;  ///< value >= limit (a floor) or value <= limit (a ceiling)
  bool passed = false;
  std::string text;  ///< "roc_auc 0.973 >= 0.900"
};

/// Progress of a run, for progress bars and logs. Stages: "load", "validate", "features",
/// "train", "calibrate", "evaluate", "gate", "store".
struct TrainingObserver {
  std::function<void(const std::string& stage, const std::string& message)> on_stage;
  std::function<void(std::size_t done, std::size_t total, const std::string& name)> on_record;
  model::EpochCallback on_epoch;
  const std::atomic<bool>* cancel = nullptr;
};

struct TrainingResult {
  std::int64_t run_id = 0;    ///< 0 without a store
  std::string run_uid;
  std::int64_t model_id = 0;  ///< registry id (0 without a store)
  int model_version = 0;
  std::filesystem::path bundle_path;
  bool blessed = false;
  bool promoted = false;
  std::vector<GateCheck> checks;
  Evaluation evaluation;
  std::optional<Evaluation> production_evaluation;  ///< the production model on the same data
  nlohmann::json data;     ///< per recording: role, beats, reason
  nlohmann::json metrics;  ///< what the run record stores
  nlohmann::json timings;  ///< seconds per stage
  nlohmann::json report;   ///< report sections: facts, training, evaluation, config
};

/// Runs the whole pipeline. With a store, the run, its records and the model are recorded and
/// a production model of the same name is the gate's baseline; without one, the bundle is
/// still written and the result returned. Recordings can be given (already loaded) instead of
/// the config's source.
TrainingResult run_training(const TrainingConfig& config, store::Store* store = nullptr,
                            const TrainingObserver& observer = {},
                            const std::vector<Recording>* recordings = nullptr);

}  // namespace ecgad::pipeline
