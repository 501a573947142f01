#pragma once
// Typed configurations of the autoencoders (docs/model.md's contract) and of their training.
// Both convert to and from the JSON documents stored in the model bundle, so a config can be
// written by hand, selected by name, or read back from a bundle. No LibTorch type appears here.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ecgad/runtime/activation.hpp"

namespace ecgad::model {

using runtime::Activation;

/// The three architectures of docs/model.md.
enum class ArchitectureKind { dense, conv1d, lstm };

/// "dense", "conv1d" or "lstm".
const char* to_string(ArchitectureKind kind);

/// Parses an architecture name; InvalidArgument naming the value otherwise.
ArchitectureKind parse_architecture(const std::string& name);

/// An autoencoder's shape, as docs/model.md defines it. Only the fields of `kind` matter; the
/// factories give the contract's presets (dense = the TensorFlow "Intro to Autoencoders" ECG
/// model, 140→32→16→8→16→32→140, ReLU, sigmoid output).
struct ArchitectureConfig {
  ArchitectureKind kind = ArchitectureKind::dense;
  std::int64_t channels = 1;  ///< beat channels (blocks of `length` samples in each input row)
  std::int64_t length = 140;  ///< samples per channel
  std::int64_t n_extra = 0;   ///< scalar features after the channel blocks
  /// dense: encoder widths (the last is the latent size); the decoder mirrors them.
  std::vector<std::int64_t> hidden = {32, 16, 8};
  std::vector<std::int64_t> conv_channels = {16, 32};  ///< conv1d: channels per stride-2 layer
  std::int64_t kernel_size = 7;                        ///< conv1d: odd kernel width
  std::int64_t latent = 16;                            ///< conv1d, lstm: latent code size
  std::int64_t lstm_hidden = 64;                       ///< lstm: hidden state size ("hidden")
  std::int64_t lstm_layers = 1;                        ///< lstm: stacked layers ("layers")
  Activation activation = Activation::relu;
  Activation output_activation = Activation::sigmoid;

  /// The contract's dense preset for `input` = channels·length + n_extra values.
  static ArchitectureConfig dense(std::int64_t length = 140, std::int64_t channels = 1,
                                  std::int64_t n_extra = 0);
  /// The contract's conv1d preset (channels [16, 32], kernel 7, latent 16, linear output).
  static ArchitectureConfig conv1d(std::int64_t length = 140, std::int64_t channels = 1,
                                   std::int64_t n_extra = 0);
  /// The lstm preset (hidden 64, 1 layer, latent 16, tanh latent, linear output).
  static ArchitectureConfig lstm(std::int64_t length = 140, std::int64_t channels = 1);
  /// The preset of an architecture named "dense", "conv1d" or "lstm".
  static ArchitectureConfig preset(const std::string& name);

  /// Values per model input row: channels * length + n_extra.
  std::int64_t input_size() const;
  /// Values in the latent code.
  std::int64_t latent_size() const;

  /// Throws InvalidArgument naming the first field that is out of range (sizes >= 1, odd
  /// kernel, length divisible by 2^len(conv_channels) for conv1d, n_extra == 0 for lstm ...).
  void validate() const;

  /// The contract's JSON form, e.g. {"name": "dense", "channels": 1, "length": 140,
  /// "n_extra": 0, "hidden": [32, 16, 8], "activation": "relu", "output_activation": "sigmoid"}.
  nlohmann::json to_json() const;
  /// Reads the JSON form: "name" selects the preset, other keys override it. Unknown keys,
  /// wrong types and invalid values throw InvalidArgument naming the key.
  static ArchitectureConfig from_json(const nlohmann::json& j);

  bool operator==(const ArchitectureConfig& other) const;
  bool operator!=(const ArchitectureConfig& other) const { return !(*this == other); }
};

/// Reconstruction loss averaged over every value of every row.
enum class Loss { mae, mse };
const char* to_string(Loss loss);
Loss parse_loss(const std::string& name);

/// Which implementation trains the model. `automatic` picks `fused_dense` for the dense
/// architecture and `libtorch` (autograd) otherwise; both give the same kind of model.
enum class TrainingEngine { automatic, libtorch, fused_dense };
const char* to_string(TrainingEngine engine);
TrainingEngine parse_engine(const std::string& name);

/// How fit() trains. Adam as torch.optim.Adam (L2 `weight_decay` added to the gradient),
/// early stopping as keras.callbacks.EarlyStopping, the plateau schedule as
/// torch.optim.lr_scheduler.ReduceLROnPlateau (mode "min", relative threshold).
struct TrainConfig {
  int epochs = 20;
  std::int64_t batch_size = 512;
  double learning_rate = 1e-3;
  double weight_decay = 0.0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double adam_epsilon = 1e-8;
  Loss loss = Loss::mae;
  /// Share of the training rows held out for validation (seeded shuffle) when fit() gets no
  /// explicit validation set; 0 = none. With no validation set the monitored loss (early
  /// stopping, plateau schedule, best weights) is the training loss.
  double validation_fraction = 0.0;
  bool shuffle = true;     ///< reshuffle the training rows every epoch (seeded)
  std::uint64_t seed = 0;  ///< validation split and shuffles
  bool early_stopping = false;
  int patience = 5;                  ///< epochs without improvement before stopping
  double min_delta = 0.0;            ///< improvement = monitored < best - min_delta
  bool restore_best_weights = true;  ///< end of fit (any reason): weights of the best epoch
  bool reduce_lr_on_plateau = false;
  int lr_patience = 3;         ///< epochs without improvement before lowering the rate
  double lr_factor = 0.1;      ///< new rate = max(rate * factor, min_lr)
  double lr_threshold = 1e-4;  ///< improvement = monitored < best * (1 - threshold)
  double min_lr = 0.0;
  /// Written atomically after every `checkpoint_every` epochs when not empty; resume() continues
  /// from it to the same final weights as an uninterrupted run.
  std::string checkpoint_path;
  int checkpoint_every = 1;
  TrainingEngine engine = TrainingEngine::automatic;
  /// LibTorch intra-op threads during fit (restored afterwards); 0 keeps the current setting.
  /// Runs are bit-identical for the same seed, data, engine and thread count on one machine.
  int threads = 0;

  /// Throws InvalidArgument naming the first field out of range.
  void validate() const;
  nlohmann::json to_json() const;
  /// Reads the JSON form; missing keys keep their defaults, unknown keys throw InvalidArgument.
  static TrainConfig from_json(const nlohmann::json& j);
};

}  // namespace ecgad::model
