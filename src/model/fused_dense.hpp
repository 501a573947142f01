#pragma once
// Internal to src/model: the fused training engine of the dense architecture. Forward,
// backward and the loss are written out by hand (no autograd, no per-op dispatch): each layer
// is one BLAS sgemm plus one fused element-wise pass, the buffers are allocated once, and the
// element-wise kernels are compiled for several x86-64 levels and picked at load time. It
// computes the same function and gradients as LibTorch's autograd on the same weights.

#include <cstdint>
#include <vector>

#include "ecgad/model/config.hpp"
#include "trainer.hpp"

namespace ecgad::model::detail {

class FusedDenseEngine final : public Engine {
 public:
  /// `parameters`: the dense model's tensors in contract order (encoder.0.weight,
  /// encoder.0.bias, ..., last decoder bias), `value` set and `grad` null; the engine owns the
  /// gradient buffers. `max_rows`: the largest row count one call will see (buffers).
  FusedDenseEngine(const ArchitectureConfig& config, Loss loss,
                   std::vector<ParameterSpan> parameters, std::int64_t max_rows);

  const char* name() const override { return "fused_dense"; }
  double loss_and_gradients(const float* rows, std::int64_t n) override;
  double loss_sum(const float* rows, std::int64_t n) override;
  const std::vector<ParameterSpan>& parameters() const override { return parameters_; }

 private:
  struct Layer {
    std::int64_t in = 0;
    std::int64_t out = 0;
    Activation activation = Activation::linear;
    const float* weight = nullptr;  // [out, in]
    const float* bias = nullptr;    // [out]
    float* grad_weight = nullptr;
    float* grad_bias = nullptr;
  };

  void forward(const float* rows, std::int64_t n);

  Loss loss_;
  std::int64_t width_ = 0;
  std::int64_t max_rows_ = 0;
  std::vector<ParameterSpan> parameters_;
  std::vector<float> gradients_;  // every gradient, one block
  std::vector<Layer> layers_;
  std::vector<std::vector<float>> outputs_;  // per layer: max_rows x out, after activation
  std::vector<std::vector<float>> deltas_;   // per layer: d loss / d pre-activation
};

}  // namespace ecgad::model::detail
