// The fused dense training engine and the element-wise kernels it shares with the trainer
// (Adam). Profiling LibTorch on the TensorFlow-tutorial model (140→32→16→8→16→32→140, batch
// 512) shows most of a step going to per-operator dispatch, autograd bookkeeping and
// allocation rather than arithmetic (~31 MFLOP per step). Here a step is 17 sgemm calls into
// the BLAS that LibTorch itself uses, plus one fused pass per layer over buffers allocated once.
//
// The element-wise kernels are plain loops compiled for x86-64-v4 (AVX-512), v3 (AVX2+FMA) and
// the portable baseline (target_clones; the loader picks one per machine, so a given machine
// always runs the same code and results stay bit-identical run to run). This file is built with
// -fno-trapping-math and -fno-math-errno, which let GCC vectorise their selects and square roots.
#include "fused_dense.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "ecgad/error.hpp"

// Not under ThreadSanitizer: the loader runs target_clones' resolvers while relocating the
// library, before the TSan runtime is initialised, and GCC instruments them (a segfault at load;
// scripts/sanitize.sh tsan). The TSan build runs the portable clone, the same source.
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && !defined(__SANITIZE_THREAD__)
#define ECGAD_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ECGAD_MULTIVERSION
#endif

#if defined(__GNUC__)
#define ECGAD_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define ECGAD_ALWAYS_INLINE inline
#endif

namespace ecgad::model::detail {

namespace {

// exp(x) for float, Cephes' expf (range reduction by ln 2, degree-5 polynomial, scaling by the
// exponent bits), branch-free so that loops over it vectorise; within 2 ulp of expf.
ECGAD_ALWAYS_INLINE float exp_approx(float x) {
  x = x > 88.3762626647949f ? 88.3762626647949f : x;
  x = x < -87.3365447504f ? -87.3365447504f : x;
  const float t = x * 1.44269504088896341f;
  const auto n = static_cast<std::int32_t>(t + (t >= 0.0f ? 0.5f : -0.5f));
  const auto nf = static_cast<float>(n);
  float r = x - nf * 0.693359375f;
  r = r - nf * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const std::int32_t bits = (n + 127) * (std::int32_t{1} << 23);
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// tanh(x) for float: the odd/even rational approximation Eigen uses (generic_fast_tanh_float),
// accurate to a few ulp, with tanh(x) = x below 4e-4 where that is exact in float.
ECGAD_ALWAYS_INLINE float tanh_approx(float a) {
  const float x = std::min(std::max(a, -9.0f), 9.0f);
  const float x2 = x * x;
  float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = x * p;
  float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  const float r = p / q;
  return (a < 4e-4f && a > -4e-4f) ? a : r;
}

template <Activation A>
ECGAD_ALWAYS_INLINE float activate(float v) {
  if constexpr (A == Activation::relu) return v > 0.0f ? v : 0.0f;
  if constexpr (A == Activation::sigmoid) return 1.0f / (1.0f + exp_approx(-v));
  if constexpr (A == Activation::tanh) return tanh_approx(v);
  return v;
}

// d act / d input, from the activation's output `a` (what the forward pass kept).
template <Activation A>
ECGAD_ALWAYS_INLINE float derivative(float a) {
  if constexpr (A == Activation::relu) return a > 0.0f ? 1.0f : 0.0f;
  if constexpr (A == Activation::sigmoid) return a * (1.0f - a);
  if constexpr (A == Activation::tanh) return 1.0f - a * a;
  return 1.0f;
}

template <Activation A>
ECGAD_ALWAYS_INLINE void bias_activation_impl(float* y, const float* bias, std::int64_t rows,
                                              std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    for (std::int64_t c = 0; c < cols; ++c) row[c] = activate<A>(row[c] + bias[c]);
  }
}

// y = act(y + bias) row by row: the epilogue of each layer's product.
ECGAD_MULTIVERSION void bias_activation(float* y, const float* bias, std::int64_t rows,
                                        std::int64_t cols, Activation act) {
  switch (act) {
    case Activation::relu:
      return bias_activation_impl<Activation::relu>(y, bias, rows, cols);
    case Activation::sigmoid:
      return bias_activation_impl<Activation::sigmoid>(y, bias, rows, cols);
    case Activation::tanh:
      return bias_activation_impl<Activation::tanh>(y, bias, rows, cols);
    case Activation::linear:
      return bias_activation_impl<Activation::linear>(y, bias, rows, cols);
  }
}

// Sums of the per-value loss in 16 independent float lanes (a vectorisable order that is fixed,
// hence reproducible), flushed to double every 64 blocks so long inputs keep their precision.
constexpr std::int64_t kLanes = 16;
constexpr std::int64_t kFlushBlocks = 64;

template <Loss L>
ECGAD_ALWAYS_INLINE float value_loss(float d) {
  if constexpr (L == Loss::mae) return std::fabs(d);
  return d * d;
}

template <Loss L>
ECGAD_ALWAYS_INLINE float value_loss_gradient(float d) {
  if constexpr (L == Loss::mae) return d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f);  // sign
  return 2.0f * d;
}

// Loss sum of y against x over n values; with `dz`, also d(mean loss)/d(pre-activation) of the
// output layer: loss'(y - x) * scale * act'(y), scale = 1 / (values in the batch).
template <Loss L, Activation A, bool kGradient>
ECGAD_ALWAYS_INLINE double output_loss_impl(const float* y, const float* x, float* dz,
                                            std::int64_t n, float scale) {
  double total = 0.0;
  float lanes[kLanes] = {};
  std::int64_t i = 0;
  std::int64_t blocks = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::int64_t k = 0; k < kLanes; ++k) {
      const float d = y[i + k] - x[i + k];
      lanes[k] += value_loss<L>(d);
      if constexpr (kGradient) {
        dz[i + k] = value_loss_gradient<L>(d) * scale * derivative<A>(y[i + k]);
      }
    }
    if (++blocks == kFlushBlocks) {
      for (const float v : lanes) total += static_cast<double>(v);
      std::fill(std::begin(lanes), std::end(lanes), 0.0f);
      blocks = 0;
    }
  }
  for (; i < n; ++i) {
    const float d = y[i] - x[i];
    lanes[0] += value_loss<L>(d);
    if constexpr (kGradient) dz[i] = value_loss_gradient<L>(d) * scale * derivative<A>(y[i]);
  }
  for (const float v : lanes) total += static_cast<double>(v);
  return total;
}

template <bool kGradient>
ECGAD_ALWAYS_INLINE double output_loss_dispatch(const float* y, const float* x, float* dz,
                                                std::int64_t n, float scale, Loss loss,
                                                Activation act) {
#define ECGAD_CASE(L, A)                       \
  if (loss == Loss::L && act == Activation::A) \
    return output_loss_impl<Loss::L, Activation::A, kGradient>(y, x, dz, n, scale);
  ECGAD_CASE(mae, sigmoid)
  ECGAD_CASE(mae, linear)
  ECGAD_CASE(mae, relu)
  ECGAD_CASE(mae, tanh)
  ECGAD_CASE(mse, sigmoid)
  ECGAD_CASE(mse, linear)
  ECGAD_CASE(mse, relu)
  ECGAD_CASE(mse, tanh)
#undef ECGAD_CASE
  return 0.0;
}

ECGAD_MULTIVERSION double output_loss_gradient(const float* y, const float* x, float* dz,
                                               std::int64_t n, float scale, Loss loss,
                                               Activation act) {
  return output_loss_dispatch<true>(y, x, dz, n, scale, loss, act);
}

ECGAD_MULTIVERSION double output_loss_sum(const float* y, const float* x, std::int64_t n,
                                          Loss loss) {
  return output_loss_dispatch<false>(y, x, nullptr, n, 1.0f, loss, Activation::linear);
}

// dz *= act'(a) in place (skipped for the output layer, whose dz already holds it) and
// bias_grad = column sums of dz.
template <Activation A, bool kApplyDerivative>
ECGAD_ALWAYS_INLINE void backward_bias_impl(float* dz, const float* a, std::int64_t rows,
                                            std::int64_t cols, float* bias_grad) {
  std::fill(bias_grad, bias_grad + cols, 0.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    float* g = dz + r * cols;
    const float* out = a + r * cols;
    for (std::int64_t c = 0; c < cols; ++c) {
      if constexpr (kApplyDerivative) g[c] *= derivative<A>(out[c]);
      bias_grad[c] += g[c];
    }
  }
}

ECGAD_MULTIVERSION void backward_bias(float* dz, const float* a, std::int64_t rows,
                                      std::int64_t cols, Activation act, bool apply_derivative,
                                      float* bias_grad) {
  if (!apply_derivative) {
    return backward_bias_impl<Activation::linear, false>(dz, a, rows, cols, bias_grad);
  }
  switch (act) {
    case Activation::relu:
      return backward_bias_impl<Activation::relu, true>(dz, a, rows, cols, bias_grad);
    case Activation::sigmoid:
      return backward_bias_impl<Activation::sigmoid, true>(dz, a, rows, cols, bias_grad);
    case Activation::tanh:
      return backward_bias_impl<Activation::tanh, true>(dz, a, rows, cols, bias_grad);
    case Activation::linear:
      return backward_bias_impl<Activation::linear, false>(dz, a, rows, cols, bias_grad);
  }
}

int blas_int(std::int64_t v) { return static_cast<int>(v); }

}  // namespace

ECGAD_MULTIVERSION void adam_update(float* value, const float* grad, float* exp_avg,
                                    float* exp_avg_sq, std::size_t n, float step_size,
                                    float bias_correction2_sqrt, float beta1, float beta2,
                                    float epsilon, float weight_decay) {
  const float one_minus_beta1 = 1.0f - beta1;
  const float one_minus_beta2 = 1.0f - beta2;
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + weight_decay * value[i];
    const float m = exp_avg[i] * beta1 + g * one_minus_beta1;
    const float v = exp_avg_sq[i] * beta2 + g * g * one_minus_beta2;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    value[i] -= step_size * m / (std::sqrt(v) / bias_correction2_sqrt + epsilon);
  }
}

FusedDenseEngine::FusedDenseEngine(const ArchitectureConfig& config, Loss loss,
                                   std::vector<ParameterSpan> parameters, std::int64_t max_rows)
    : loss_(loss),
      width_(config.input_size()),
      max_rows_(max_rows),
      parameters_(std::move(parameters)) {
  if (config.kind != ArchitectureKind::dense) {
    throw InvalidArgument(std::string("the fused_dense engine trains the dense architecture "
                                      "only, not '") +
                          to_string(config.kind) + "' (use engine 'libtorch' or 'auto')");
  }
  if (max_rows_ < 1) throw InvalidArgument("fused_dense: max_rows must be >= 1");
  // Widths 140 → 32 → 16 → 8 → 16 → 32 → 140 for the preset.
  std::vector<std::int64_t> widths = {width_};
  for (const std::int64_t h : config.hidden) widths.push_back(h);
  for (auto it = config.hidden.rbegin() + 1; it != config.hidden.rend(); ++it) {
    widths.push_back(*it);
  }
  widths.push_back(width_);
  const std::size_t n_layers = widths.size() - 1;
  if (parameters_.size() != 2 * n_layers) {
    throw InvalidArgument("fused_dense: expected " + std::to_string(2 * n_layers) +
                          " parameter tensors, got " + std::to_string(parameters_.size()));
  }
  std::size_t total = 0;
  for (const auto& p : parameters_) total += p.size;
  gradients_.assign(total, 0.0f);
  std::size_t offset = 0;
  for (auto& p : parameters_) {
    p.grad = gradients_.data() + offset;
    offset += p.size;
  }
  const std::size_t n_encoder = config.hidden.size();
  for (std::size_t l = 0; l < n_layers; ++l) {
    Layer layer;
    layer.in = widths[l];
    layer.out = widths[l + 1];
    layer.activation = l + 1 == n_layers ? config.output_activation : config.activation;
    const ParameterSpan& w = parameters_[2 * l];
    const ParameterSpan& b = parameters_[2 * l + 1];
    const std::string expected = (l < n_encoder ? "encoder." + std::to_string(l)
                                                : "decoder." + std::to_string(l - n_encoder));
    if (w.name != expected + ".weight" || b.name != expected + ".bias" ||
        w.size != static_cast<std::size_t>(layer.in * layer.out) ||
        b.size != static_cast<std::size_t>(layer.out)) {
      throw InvalidArgument("fused_dense: parameters " + w.name + "/" + b.name +
                            " do not match layer " + expected);
    }
    layer.weight = w.value;
    layer.bias = b.value;
    layer.grad_weight = w.grad;
    layer.grad_bias = b.grad;
    layers_.push_back(layer);
    outputs_.emplace_back(static_cast<std::size_t>(max_rows_ * layer.out));
    deltas_.emplace_back(static_cast<std::size_t>(max_rows_ * layer.out));
  }
}

void FusedDenseEngine::forward(const float* rows, std::int64_t n) {
  const float* input = rows;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    float* y = outputs_[l].data();
    // Y (n x out) = X (n x in) · Wᵀ, W row-major [out, in] as PyTorch stores it.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blas_int(n), blas_int(layer.out),
                blas_int(layer.in), 1.0f, input, blas_int(layer.in), layer.weight,
                blas_int(layer.in), 0.0f, y, blas_int(layer.out));
    bias_activation(y, layer.bias, n, layer.out, layer.activation);
    input = y;
  }
}

double FusedDenseEngine::loss_and_gradients(const float* rows, std::int64_t n) {
  if (n < 1 || n > max_rows_) {
    throw InvalidArgument("fused_dense: a batch must have 1.." + std::to_string(max_rows_) +
                          " rows, got " + std::to_string(n));
  }
  forward(rows, n);
  const std::size_t last = layers_.size() - 1;
  const std::int64_t values = n * width_;
  const double sum =
      output_loss_gradient(outputs_[last].data(), rows, deltas_[last].data(), values,
                           1.0f / static_cast<float>(values), loss_, layers_[last].activation);
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Layer& layer = layers_[l];
    float* dz = deltas_[l].data();
    // The output layer's delta already includes its activation's derivative.
    backward_bias(dz, outputs_[l].data(), n, layer.out, layer.activation, l != last,
                  layer.grad_bias);
    const float* input = l == 0 ? rows : outputs_[l - 1].data();
    // dW (out x in) = dZᵀ (out x n) · X (n x in)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blas_int(layer.out), blas_int(layer.in),
                blas_int(n), 1.0f, dz, blas_int(layer.out), input, blas_int(layer.in), 0.0f,
                layer.grad_weight, blas_int(layer.in));
    if (l > 0) {
      // dX (n x in) = dZ (n x out) · W (out x in): the next layer down's delta, before its
      // activation's derivative is applied.
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blas_int(n), blas_int(layer.in),
                  blas_int(layer.out), 1.0f, dz, blas_int(layer.out), layer.weight,
                  blas_int(layer.in), 0.0f, deltas_[l - 1].data(), blas_int(layer.in));
    }
  }
  return sum / static_cast<double>(values);
}

double FusedDenseEngine::loss_sum(const float* rows, std::int64_t n) {
  double sum = 0.0;
  for (std::int64_t start = 0; start < n; start += max_rows_) {
    const std::int64_t count = std::min(max_rows_, n - start);
    const float* chunk = rows + start * width_;
    forward(chunk, count);
    sum += output_loss_sum(outputs_.back().data(), chunk, count * width_, loss_);
  }
  return sum;
}

}  // namespace ecgad::model::detail
