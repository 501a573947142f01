// Fuzz target: the training-run config loader, JSON and TOML (pipeline/training.hpp).
//
// TrainingConfig::from_json and ::load live in src/pipeline/training.cpp, which is part of the
// LibTorch library (ecgad::ecgad) together with the training run itself, so a LibTorch-free
// harness cannot call them. It fuzzes everything they are made of instead: read_config_file
// (src/pipeline/config.cpp: nlohmann JSON, toml11 TOML and the TOML -> JSON conversion), the
// strict section reader JsonReader, and every section parser from_json calls
// (SourceConfig, DataSchema, Preprocessing, model::ArchitectureConfig, model::TrainConfig,
// UncertainBand), composed the way TrainingConfig::from_json composes them (overlay of the
// user's section on the defaults' document, then validate). Those sources are compiled into
// the harness (fuzz/CMakeLists.txt). read_config_file takes a path: the input goes through the
// scratch directory (fuzz_common.hpp) as run.json or run.toml (bit 0 of the first byte).
// Contract: any file loads or throws ecgad::Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/calibrate/conformal.hpp"
#include "ecgad/error.hpp"
#include "ecgad/model/config.hpp"
#include "ecgad/pipeline/json_reader.hpp"
#include "ecgad/pipeline/preprocessing.hpp"
#include "ecgad/pipeline/sources.hpp"
#include "ecgad/pipeline/training.hpp"
#include "fuzz_common.hpp"

namespace {

using ecgad::pipeline::JsonReader;

// The same merge as TrainingConfig::from_json's (src/pipeline/training.cpp, anonymous).
nlohmann::json overlay(const nlohmann::json& base, const nlohmann::json& user,
                       const std::string& where) {
  if (!user.is_object()) throw ecgad::InvalidArgument(where + ": expected an object");
  for (const auto& [key, value] : user.items()) {
    if (!base.contains(key)) throw ecgad::InvalidArgument(where + ": unknown key '" + key + "'");
  }
  nlohmann::json merged = base;
  for (const auto& [key, value] : user.items()) merged[key] = value;
  return merged;
}

// The section-by-section reading of TrainingConfig::from_json.
void read_training_config(const nlohmann::json& j) {
  JsonReader r(j, "config");
  (void)r.get("name", std::string("ecg-dense"));
  if (auto s = r.object("source")) (void)ecgad::pipeline::SourceConfig::from_json(*s);
  if (auto s = r.object("validation")) (void)ecgad::pipeline::DataSchema::from_json(*s);
  ecgad::pipeline::Preprocessing preprocessing;
  if (auto s = r.object("preprocessing")) {
    preprocessing = ecgad::pipeline::Preprocessing::from_json(
        overlay(preprocessing.to_json(), *s, "preprocessing"));
  }
  if (auto s = r.object("split")) {
    JsonReader q(*s, "split");
    (void)q.get("train", 0.6);
    (void)q.get("calibration", 0.2);
    (void)q.get("evaluation", 0.2);
    (void)q.get("seed", std::uint64_t{1});
    (void)q.get("train_records", std::vector<std::string>{});
    (void)q.get("calibration_records", std::vector<std::string>{});
    (void)q.get("evaluation_records", std::vector<std::string>{});
    q.finish();
  }
  auto architecture = ecgad::model::ArchitectureConfig::dense(140, 1, 2);
  if (auto s = r.object("architecture")) {
    architecture = ecgad::model::ArchitectureConfig::from_json(
        overlay(architecture.to_json(), *s, "architecture"));
  }
  ecgad::model::TrainConfig training;
  if (auto s = r.object("training")) {
    training = ecgad::model::TrainConfig::from_json(overlay(training.to_json(), *s, "training"));
  }
  if (auto s = r.object("calibration")) {
    JsonReader q(*s, "calibration");
    (void)q.get("alpha_anomaly", 0.01);
    (void)q.get("alpha_normal", 0.05);
    q.finish();
  }
  if (auto s = r.object("gate")) {
    JsonReader q(*s, "gate");
    for (const char* key : {"min_roc_auc", "min_average_precision", "min_sensitivity",
                            "max_false_positive_rate", "max_regression"}) {
      (void)q.get(key, 0.0);
    }
    q.finish();
  }
  (void)r.get("max_train_beats", std::int64_t{20000});
  (void)r.get("report_examples", 6);
  (void)r.get("model_dir", std::string("models"));
  (void)r.get("promote", std::string("first"));
  r.finish();
  architecture.length = preprocessing.beats.length;
  architecture.channels = preprocessing.features.n_channels();
  architecture.n_extra = preprocessing.features.n_extra();
  architecture.validate();
  training.validate();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ecgad::fuzz::Input in(data, size);
  const bool toml = (in.byte() & 1) != 0;
  const auto path = ecgad::fuzz::write_scratch(toml ? "run.toml" : "run.json", in.rest());
  try {
    const nlohmann::json j = ecgad::pipeline::read_config_file(path);
    read_training_config(j);
  } catch (const ecgad::Error&) {
  }
  return 0;
}
