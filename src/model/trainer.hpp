#pragma once
// Internal to src/model: the engine-agnostic training loop (epochs, seeded split and shuffles,
// Adam, early stopping, plateau schedule, cancel, checkpoints) and the interface the two
// engines implement (LibTorch autograd in autoencoder.cpp, the fused dense kernels in
// fused_dense.cpp). No LibTorch type here, so the loop compiles without torch.h.

#include <atomic>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "ecgad/model/autoencoder.hpp"

namespace ecgad::model::detail {

/// One parameter tensor: its contract name and shape, its values (owned by the model) and
/// the gradient buffer the engine fills (owned by the engine). Both contiguous float32.
struct ParameterSpan {
  std::string name;
  std::vector<std::int64_t> shape;
  float* value = nullptr;
  float* grad = nullptr;
  std::size_t size = 0;
};

/// A way to compute losses and gradients for one model.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  /// Mean loss over the `n` contiguous rows at `rows` (n x input_size) and its gradient with
  /// respect to every parameter, written to the ParameterSpan::grad buffers.
  virtual double loss_and_gradients(const float* rows, std::int64_t n) = 0;
  /// Sum over rows and values of the per-value loss of `n` rows, without gradients.
  virtual double loss_sum(const float* rows, std::int64_t n) = 0;
  /// The parameters in contract (state_dict) order.
  virtual const std::vector<ParameterSpan>& parameters() const = 0;
};

/// Adam's moments (torch.optim.Adam, Kingma & Ba 2015), one pair of buffers per parameter.
struct AdamState {
  std::int64_t step = 0;
  std::vector<std::vector<float>> exp_avg;
  std::vector<std::vector<float>> exp_avg_sq;
};

/// Everything besides the weights that a checkpoint must hold to continue a fit() exactly.
struct TrainingState {
  int epoch = 0;  ///< completed epochs
  AdamState adam;
  double learning_rate = 0.0;
  double plateau_best = std::numeric_limits<double>::infinity();
  int plateau_bad_epochs = 0;
  double best_loss = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  int wait = 0;  ///< epochs since the last improvement (early stopping)
  std::vector<std::vector<float>> best_weights;
  std::mt19937_64 rng;
  bool finished = false;  ///< all epochs ran or early stopping triggered
  TrainingSummary summary;
};

/// The data of one fit(): training rows and an explicit validation set (or none).
struct TrainingData {
  const float* train = nullptr;
  std::int64_t n_train = 0;
  const float* validation = nullptr;  ///< nullptr: split validation_fraction off `train`
  std::int64_t n_validation = 0;
  std::int64_t width = 0;
};

/// What a checkpoint records about the model itself.
struct ModelIdentity {
  nlohmann::json architecture;
  std::uint64_t seed = 0;
};

/// Runs (or, with `resume` non-null, continues) a fit() with `engine` over the model whose
/// parameters the engine exposes. Validates the data (finite, enough rows) and the config.
TrainingSummary run_training(Engine& engine, const TrainConfig& config, const TrainingData& data,
                             const ModelIdentity& identity, const EpochCallback& callback,
                             const std::atomic<bool>* cancel, TrainingState* resume);

/// A checkpoint read back: the model, its tensors by name and the training state (whose
/// per-parameter buffers attach_buffers() fills in the model's parameter order).
struct Checkpoint {
  ModelIdentity identity;
  runtime::TensorMap parameters;
  runtime::TensorMap exp_avg;
  runtime::TensorMap exp_avg_sq;
  runtime::TensorMap best;  ///< empty when the fit() kept no best weights
  TrainConfig config;
  TrainingState state;
  bool explicit_validation = false;
};

/// Reads and verifies a checkpoint written by run_training (FormatError/IoError naming it).
Checkpoint read_checkpoint(const std::string& path);

/// Moves the checkpoint's optimiser moments and best weights into its state, in the order of
/// `params`; FormatError naming `path` and the tensor when one is missing or mis-shaped.
void attach_buffers(Checkpoint& checkpoint, const std::vector<ParameterSpan>& params,
                    const std::string& path);

/// Adam update of one parameter in place (torch.optim.Adam's arithmetic in float32):
/// g += wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= lr/bc1 · m / (√v/√bc2 + ε).
void adam_update(float* value, const float* grad, float* exp_avg, float* exp_avg_sq, std::size_t n,
                 float step_size, float bias_correction2_sqrt, float beta1, float beta2,
                 float epsilon, float weight_decay);

}  // namespace ecgad::model::detail
