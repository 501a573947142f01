// Autoencoder <-> model bundle (artifact/bundle.hpp). Only the public model API is needed, so
// this TU compiles without LibTorch.
#include <string>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/drift/monitor.hpp"
#include "ecgad/error.hpp"
#include "ecgad/model/autoencoder.hpp"

namespace ecgad::model {

artifact::Bundle Autoencoder::to_bundle() const {
  artifact::Bundle bundle;
  bundle.architecture = config().to_json();
  bundle.tensors = state_dict();
  // An untrained model still records its initialisation seed.
  bundle.training =
      training_summary() ? training_summary()->to_json() : nlohmann::json{{"epochs_run", 0}};
  bundle.training["model_seed"] = seed();
  return bundle;
}

Autoencoder Autoencoder::from_bundle(const artifact::Bundle& bundle) {
  const ArchitectureConfig config = ArchitectureConfig::from_json(bundle.architecture);
  std::uint64_t seed = 0;
  std::optional<TrainingSummary> summary;
  const nlohmann::json& training = bundle.training;
  if (!training.is_null()) {
    if (!training.is_object()) {
      throw InvalidArgument("bundle training document must be an object or null, got " +
                            training.dump());
    }
    if (training.contains("model_seed")) {
      const nlohmann::json& s = training.at("model_seed");
      if (!s.is_number_unsigned()) {
        throw InvalidArgument("bundle training.model_seed must be an integer >= 0, got " +
                              s.dump());
      }
      seed = s.get<std::uint64_t>();
    }
    // Bundles written by other tools may carry a partial training document; a full summary
    // has its "config".
    if (training.contains("config")) summary = TrainingSummary::from_json(training);
  }
  Autoencoder model(config, seed);
  model.load_state_dict(bundle.tensors);
  model.set_training_summary(std::move(summary));
  return model;
}

void Autoencoder::save(const std::string& path, const nlohmann::json& preprocessing,
                       const nlohmann::json& calibration,
                       const nlohmann::json& drift_reference) const {
  if (!calibration.is_null() && !calibration.is_object()) {
    throw InvalidArgument("bundle calibration must be a JSON object or null, got " +
                          calibration.dump());
  }
  // A drift reference a monitor could not load must not reach a production bundle.
  if (!drift_reference.is_null()) {
    try {
      (void)drift::MonitorReference::from_json(drift_reference);
    } catch (const std::exception& e) {
      throw InvalidArgument(std::string("bundle drift_reference is not a monitor reference: ") +
                            e.what());
    }
  }
  artifact::Bundle bundle = to_bundle();
  bundle.preprocessing = preprocessing;
  bundle.calibration = calibration;
  bundle.drift_reference = drift_reference;
  artifact::save_bundle(path, bundle);
}

Autoencoder Autoencoder::load(const std::string& path) {
  const artifact::Bundle bundle = artifact::load_bundle(path);
  try {
    return from_bundle(bundle);
  } catch (const InvalidArgument& e) {
    throw FormatError("bundle '" + path + "' does not hold a valid autoencoder: " + e.what());
  }
}

}  // namespace ecgad::model
