#pragma once
// Autoencoders for beats (docs/model.md): the dense, conv1d and lstm architectures, trained on
// normal beats with Adam, scored by reconstruction error. LibTorch lives behind the pimpl in
// src/model/; this header has no LibTorch type, so hosts include it without LibTorch.
//
// A model input is one float32 row of input_size() values per beat (N x input_size row-major,
// the layout of signal::BeatMatrix). Parameters are PyTorch state_dict tensors (names, shapes
// and layouts of the contract), exchanged as runtime::TensorMap.

#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ecgad/model/config.hpp"
#include "ecgad/runtime/tensor.hpp"
#include "ecgad/signal/beats.hpp"

namespace ecgad::artifact {
struct Bundle;  // artifact/bundle.hpp: include it to call to_bundle()/from_bundle()
}  // namespace ecgad::artifact

namespace ecgad::model {

using signal::BeatMatrix;
/// Rows of model inputs, read in place when they are a row-major float32 block.
using BeatsRef = Eigen::Ref<const BeatMatrix>;

/// What fit() reports after each epoch (epochs count from 1).
struct EpochReport {
  int epoch = 0;
  int epochs = 0;              ///< epochs planned
  double train_loss = 0.0;     ///< mean over the epoch's batches, weighted by batch rows
  double val_loss = 0.0;       ///< NaN when there is no validation set
  double learning_rate = 0.0;  ///< the rate the epoch ran with
  double seconds = 0.0;        ///< wall time of the epoch (validation included)
  bool improved = false;       ///< the monitored loss reached a new best
};

/// Called once per completed epoch, on the training thread. An exception thrown by it stops
/// training and propagates out of fit() (the weights are those of the last completed batch).
using EpochCallback = std::function<void(const EpochReport&)>;

/// How a caller follows and stops a fit(): `on_epoch` after every epoch; `cancel`, when given,
/// is read before every batch and once true stops training cleanly (summary.cancelled, best
/// weights restored when configured) without throwing — set it from any thread.
struct TrainingHooks {
  EpochCallback on_epoch;
  const std::atomic<bool>* cancel = nullptr;
};

/// What a fit() did.
struct TrainingSummary {
  int epochs_run = 0;  ///< completed epochs, including those before a resume
  int best_epoch = 0;  ///< epoch of the lowest monitored loss (0: none completed)
  double best_loss = 0.0;
  bool monitored_validation = false;  ///< monitored loss = validation loss (else training)
  std::vector<double> train_loss;     ///< per completed epoch
  std::vector<double> val_loss;       ///< per completed epoch (empty without validation)
  std::vector<double> learning_rate;  ///< per completed epoch
  std::vector<double> epoch_seconds;  ///< per completed epoch
  double seconds = 0.0;               ///< wall time of fit() (of all sessions when resumed)
  bool stopped_early = false;
  bool cancelled = false;
  bool restored_best_weights = false;
  int resumed_from_epoch = 0;  ///< 0 = a fresh run
  std::int64_t n_train = 0;
  std::int64_t n_validation = 0;
  std::string data_fingerprint;        ///< XXH3-128 hex of the training matrix given to fit()
  std::string validation_fingerprint;  ///< of the explicit validation matrix ("" = none/split)
  std::string engine;                  ///< "fused_dense" or "libtorch"
  TrainConfig config;

  /// The bundle's `ecgad.training` document (config under "optimizer"/"schedule" keys).
  nlohmann::json to_json() const;
  static TrainingSummary from_json(const nlohmann::json& j);
};

/// Per-beat reconstruction errors over the whole input row (docs/model.md).
struct BeatErrors {
  Eigen::VectorXd mae;  ///< mean |x - x̂|
  Eigen::VectorXd mse;  ///< mean (x - x̂)²
  Eigen::VectorXd max;  ///< max |x - x̂|
};

/// An autoencoder of one of the contract's architectures. Copying clones the weights.
/// const methods are thread-safe (no shared mutable state); fit/resume/load_state_dict are not
/// and must not run concurrently with anything else on the same object.
class Autoencoder {
 public:
  /// The dense preset, initialised with seed 0.
  Autoencoder();
  /// A freshly initialised model: PyTorch's default initialisation (kaiming-uniform weights,
  /// uniform biases; LSTM uniform ±1/sqrt(hidden)) drawn from a generator seeded with `seed`,
  /// in module construction order, so the weights equal those of the same modules built in
  /// PyTorch after torch.manual_seed(seed). Throws InvalidArgument on an invalid config.
  explicit Autoencoder(const ArchitectureConfig& config, std::uint64_t seed = 0);
  ~Autoencoder();
  Autoencoder(const Autoencoder& other);
  Autoencoder& operator=(const Autoencoder& other);
  Autoencoder(Autoencoder&& other) noexcept;
  Autoencoder& operator=(Autoencoder&& other) noexcept;

  const ArchitectureConfig& config() const;
  std::int64_t input_size() const;
  std::int64_t latent_size() const;
  std::int64_t parameter_count() const;
  /// The initialisation seed given to the constructor (or read from a bundle/checkpoint).
  std::uint64_t seed() const;

  /// Trains on `train` (N x input_size normal beats), starting from the current weights with a
  /// fresh optimiser. Validation: `config.validation_fraction` of the rows (seeded split).
  /// Throws InvalidArgument on bad data (NaN/Inf, wrong width, too few rows) or config,
  /// StateError when the loss diverges to NaN/Inf (the weights are restored first).
  TrainingSummary fit(const BeatsRef& train, const TrainConfig& config,
                      const TrainingHooks& hooks = {});
  /// As above with an explicit validation set (validation_fraction is ignored).
  TrainingSummary fit(const BeatsRef& train, const BeatsRef& validation, const TrainConfig& config,
                      const TrainingHooks& hooks = {});

  /// Continues the fit() that wrote `checkpoint_path` after its last completed epoch, with its
  /// config, on the same data (checked by fingerprint): the model becomes the checkpoint's
  /// architecture and state, and the final weights equal those of an uninterrupted run.
  /// `validation` must be given iff the interrupted fit() had an explicit validation set.
  /// A resume that throws leaves the model unchanged.
  TrainingSummary resume(const std::string& checkpoint_path, const BeatsRef& train,
                         const TrainingHooks& hooks = {});
  TrainingSummary resume(const std::string& checkpoint_path, const BeatsRef& train,
                         const BeatsRef& validation, const TrainingHooks& hooks = {});

  /// The summary of the last fit()/resume(), or of the training stored in a loaded bundle.
  const std::optional<TrainingSummary>& training_summary() const;
  void set_training_summary(std::optional<TrainingSummary> summary);

  /// x̂ for every row (N x input_size), computed in batches through LibTorch without autograd.
  BeatMatrix reconstruct(const BeatsRef& beats) const;
  /// Per-beat MAE, MSE and max error of the reconstruction.
  BeatErrors score(const BeatsRef& beats) const;
  /// |x - x̂| per value (N x input_size): where in the beat the error lies.
  BeatMatrix error_profile(const BeatsRef& beats) const;
  /// The latent codes (N x latent_size).
  BeatMatrix encode(const BeatsRef& beats) const;

  /// The parameters under their contract names (PyTorch state_dict layout), copied.
  runtime::TensorMap state_dict() const;
  /// Replaces every parameter; InvalidArgument naming the tensor when one is missing, extra,
  /// of the wrong shape or not finite. Nothing changes when it throws.
  void load_state_dict(const runtime::TensorMap& tensors);

  /// Gradients of the mean `loss` over all `beats` with respect to every parameter, computed
  /// by `engine` (LibTorch autograd or the fused dense kernels) without changing the model:
  /// the check that both engines train the same function, and a basis for attributions.
  runtime::TensorMap loss_gradients(const BeatsRef& beats, Loss loss,
                                    TrainingEngine engine = TrainingEngine::libtorch) const;

  /// The model as a bundle (artifact/bundle.hpp, docs/model.md): its tensors, the architecture
  /// config and, under "ecgad.training", the training summary plus "model_seed" (just
  /// {"epochs_run": 0, "model_seed": s} when the model was never trained). Preprocessing,
  /// calibration and drift reference are left null for the caller (the pipeline) to fill in.
  artifact::Bundle to_bundle() const;
  /// The model a bundle holds: architecture, weights and training summary, ready to score or to
  /// continue training with fit(). InvalidArgument when the bundle's architecture config or
  /// tensors are not a valid model, or its training document is malformed.
  static Autoencoder from_bundle(const artifact::Bundle& bundle);
  /// Writes to_bundle() to `path` atomically, with the bundle's `preprocessing`, `calibration`
  /// (e.g. {"threshold": calibrate::Threshold::to_json(), ...}) and `drift_reference` (a
  /// drift::MonitorReference::to_json(), validated here) documents; null = unset.
  void save(const std::string& path, const nlohmann::json& preprocessing = nullptr,
            const nlohmann::json& calibration = nullptr,
            const nlohmann::json& drift_reference = nullptr) const;
  /// Loads a model bundle (every check of artifact::load_bundle): FormatError naming the file
  /// when its contents are not a valid model, IoError when it cannot be read.
  static Autoencoder load(const std::string& path);

  struct Impl;  // defined in src/model/autoencoder.cpp (LibTorch inside)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ecgad::model
