#pragma once
// LibTorch-free inference of the exported `dense` and `conv1d` autoencoders (issue 4 §2): the
// forward pass of docs/model.md's architectures with PyTorch's Linear, Conv1d and
// ConvTranspose1d semantics, in float32 on Eigen.
//
// How it is fast: weights are repacked once at load into the layout of the one kernel
// (kernels.hpp: packed panels, bias + activation fused, bit-identical results whatever the
// batch); convolution weights become (tap, in-channel) x out products;
// activations stay channels-last ([position][channel]) inside the network so that a
// convolution is one gather of taps ("im2col") plus one matrix product for a whole block of
// beats, and a stride-2 transposed convolution is two such products, one per output parity
// (polyphase), writing interleaved rows — no scatter-add, no zero fill. The channel-major
// flatten of the contract is folded into a permutation of the fully connected weights at load.
// Batches run in blocks of beats small enough to stay in cache, with bias and activation
// applied while each block's product is still in L1/L2.
//
// Threading: a Model is immutable after construction; every const method may be called from
// many threads at once. Scratch memory lives in a Workspace (one per thread); the single-beat
// calls (score_one, reconstruct_one, encode_one) use the caller's Workspace and allocate
// nothing.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/runtime/activation.hpp"
#include "ecgad/runtime/config.hpp"
#include "ecgad/runtime/kernels.hpp"
#include "ecgad/runtime/tensor.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::runtime {

/// Row-major float matrix: one beat (model input row) per row; the same type as
/// signal::BeatMatrix.
using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A batch argument: any row-major float matrix with contiguous rows (numpy C order).
using BatchRef = Eigen::Ref<const RowMatrixXf>;

/// Reconstruction error of one model input row over all its input_size values.
struct BeatScore {
  float mae = 0.0f;      ///< mean |x - x̂|
  float mse = 0.0f;      ///< mean (x - x̂)²
  float max_abs = 0.0f;  ///< max |x - x̂|
};

/// Per-beat reconstruction errors of a batch (one entry per row).
struct Scores {
  Eigen::VectorXf mae;
  Eigen::VectorXf mse;
  Eigen::VectorXf max_abs;
};

class Model;

/// Scratch memory for one thread's forward passes. Made by Model::make_workspace(); reusable
/// across calls and across models whose buffers fit (checked on every call).
class Workspace {
 public:
  Workspace() = default;

  /// Beats per forward block this workspace holds.
  Eigen::Index rows() const { return rows_; }

 private:
  friend class Model;
  Eigen::Index rows_ = 0;
  Eigen::VectorXf gather_;   // conv taps, rows x (positions * taps * in_channels)
  Eigen::VectorXf act_a_;    // ping-pong activations
  Eigen::VectorXf act_b_;
  Eigen::VectorXf latent_;   // rows x latent
  Eigen::VectorXf decoded_;  // conv1d: decoder.fc output, rows x (flat + n_extra)
  Eigen::VectorXf recon_;    // rows x input_size
};

namespace detail {

using ConstRowMap = Eigen::Map<const RowMatrixXf, Eigen::Unaligned, Eigen::OuterStride<>>;
using RowMap = Eigen::Map<RowMatrixXf, Eigen::Unaligned, Eigen::OuterStride<>>;

inline ConstRowMap const_rows(const float* data, Eigen::Index rows, Eigen::Index cols,
                              Eigen::Index stride) {
  return ConstRowMap(data, rows, cols, Eigen::OuterStride<>(stride));
}
inline RowMap rows_of(float* data, Eigen::Index rows, Eigen::Index cols, Eigen::Index stride) {
  return RowMap(data, rows, cols, Eigen::OuterStride<>(stride));
}

/// One product of a convolution layer: output position out_step*m + out_phase (m = 0 ..
/// positions-1) reads input positions in_step*m + offsets[q] (zero outside the input); the
/// product's inputs are ordered (tap, in channel).
struct ConvPhase {
  Eigen::Index positions = 0;
  Eigen::Index in_step = 1;
  std::vector<Eigen::Index> offsets;
  Eigen::Index out_step = 1;
  Eigen::Index out_phase = 0;
  PackedLinear product;  // (taps * in_channels) -> out_channels, with the layer's bias and act
  Eigen::Index taps() const { return static_cast<Eigen::Index>(offsets.size()); }
};

/// A Conv1d (one phase) or a stride-2 ConvTranspose1d (two phases), channels-last output.
struct ConvLayer {
  Eigen::Index in_channels = 0;
  Eigen::Index in_length = 0;
  Eigen::Index out_channels = 0;
  Eigen::Index out_length = 0;
  std::vector<ConvPhase> phases;
};

/// Where a layer's input lives: beat b, position t, channel c is at
/// data[b * beat_stride + t * pos_stride + c * ch_stride].
struct Source {
  const float* data;
  Eigen::Index beat_stride;
  Eigen::Index pos_stride;
  Eigen::Index ch_stride;
};

/// Copies every tap of `phase` for `rows` beats into `out`, rows ordered (beat, m), columns
/// (tap, channel); positions outside [0, in_length) read as the zero padding.
inline void gather_taps(const Source& src, Eigen::Index rows, const ConvLayer& layer,
                        const ConvPhase& phase, float* out) {
  const Eigen::Index c_in = layer.in_channels;
  for (Eigen::Index b = 0; b < rows; ++b) {
    const float* beat = src.data + b * src.beat_stride;
    for (Eigen::Index m = 0; m < phase.positions; ++m) {
      for (const Eigen::Index offset : phase.offsets) {
        const Eigen::Index pos = phase.in_step * m + offset;
        if (pos < 0 || pos >= layer.in_length) {
          std::fill(out, out + c_in, 0.0f);
        } else if (src.ch_stride == 1) {
          std::copy(beat + pos * src.pos_stride, beat + pos * src.pos_stride + c_in, out);
        } else {
          for (Eigen::Index c = 0; c < c_in; ++c) out[c] = beat[pos * src.pos_stride + c * src.ch_stride];
        }
        out += c_in;
      }
    }
  }
}

/// Runs `layer` on `rows` beats from `src` into `out` (rows x out_length x out_channels,
/// contiguous, channels-last), using `gather` as scratch.
inline void conv_forward(const Source& src, Eigen::Index rows, const ConvLayer& layer,
                         float* gather, float* out) {
  const Eigen::Index c_out = layer.out_channels;
  for (const ConvPhase& phase : layer.phases) {
    gather_taps(src, rows, layer, phase, gather);
    // Rows (b, m) land at output row b * out_length + out_step * m + out_phase: a uniform
    // stride of out_step rows because out_length == out_step * positions.
    linear_forward(phase.product, gather, phase.product.in, rows * phase.positions,
                   out + phase.out_phase * c_out, phase.out_step * c_out);
  }
}

inline std::size_t to_size(Eigen::Index n) { return static_cast<std::size_t>(n); }

}  // namespace detail

/// An exported autoencoder ready to score: docs/model.md's `dense` or `conv1d` forward pass.
class Model {
 public:
  /// Builds the model from its config and its PyTorch state_dict tensors (names and layouts of
  /// docs/model.md). Throws InvalidArgument for an invalid config and FormatError naming the
  /// tensor when one is missing, unexpected, of the wrong shape, inconsistent (value count !=
  /// shape) or holds NaN/Inf.
  Model(ArchitectureConfig config, const TensorMap& tensors);

  const ArchitectureConfig& config() const { return config_; }
  /// Values per input row (channels * length + n_extra).
  Eigen::Index input_size() const { return config_.input_size(); }
  /// Values per latent code.
  Eigen::Index latent_size() const { return config_.latent_size(); }
  /// Beats per block in the batch calls (sized so a block's activations stay in cache).
  Eigen::Index block_rows() const { return block_rows_; }

  /// The reconstruction x̂ of every row of `batch` (N x input_size), as the LibTorch model's
  /// forward(). Throws InvalidArgument for a wrong column count or non-finite values.
  RowMatrixXf reconstruct(const BatchRef& batch) const;
  /// Per-row MAE, MSE and max |x - x̂| over all input_size values.
  Scores score(const BatchRef& batch) const;
  /// |x - x̂| per value (N x input_size): where in the beat the error lies.
  RowMatrixXf error_profile(const BatchRef& batch) const;
  /// The latent code of every row (N x latent_size).
  RowMatrixXf encode(const BatchRef& batch) const;

  /// Scratch for the single-beat calls (rows = 1) or for forward blocks of `rows` beats.
  Workspace make_workspace(Eigen::Index rows = 1) const;

  /// Scores one input row of input_size floats at `beat`; if `error_profile` is not null, also
  /// writes |x - x̂| there (input_size floats). Allocates nothing; const and thread-safe with
  /// one Workspace per thread. Throws InvalidArgument for non-finite input or a workspace made
  /// for a smaller model.
  BeatScore score_one(const float* beat, Workspace& ws, float* error_profile = nullptr) const;
  /// Writes the reconstruction of one row to `out` (input_size floats). Allocates nothing.
  void reconstruct_one(const float* beat, float* out, Workspace& ws) const;
  /// Writes the latent code of one row to `out` (latent_size floats). Allocates nothing.
  void encode_one(const float* beat, float* out, Workspace& ws) const;

 private:
  // Floats per beat each workspace buffer needs.
  struct BufferSizes {
    Eigen::Index gather = 0, act = 0, latent = 0, decoded = 0, recon = 0;
  };

  void build_dense(const TensorMap& tensors);
  void build_conv1d(const TensorMap& tensors);
  void check_batch(const BatchRef& batch) const;
  void check_workspace(const Workspace& ws, Eigen::Index rows) const;
  // Encodes `rows` rows at x (row stride x_stride) into ws.latent_.
  void encode_block(const float* x, Eigen::Index x_stride, Eigen::Index rows,
                    Workspace& ws) const;
  // Decodes ws.latent_ into `out` (row stride out_stride); conv1d needs the input for nothing
  // but the encoder, so decoding reads only the latent code.
  void decode_block(Eigen::Index rows, Workspace& ws, float* out, Eigen::Index out_stride) const;
  template <typename Visit>
  void for_each_block(const BatchRef& batch, bool decode, Visit&& visit) const;

  ArchitectureConfig config_;
  BufferSizes sizes_;
  Eigen::Index block_rows_ = 1;
  // dense
  std::vector<detail::PackedLinear> encoder_;
  std::vector<detail::PackedLinear> decoder_;
  // conv1d
  std::vector<detail::ConvLayer> conv_encoder_;
  std::vector<detail::ConvLayer> conv_decoder_;
  detail::PackedLinear encoder_fc_;        // inputs: flattened conv output (channels-last), extras
  detail::PackedLinear decoder_fc_main_;   // outputs: channels-last (t, c) order, `activation`
  detail::PackedLinear decoder_fc_extra_;  // outputs: the E extras, `output_activation`
};

// ---------------------------------------------------------------- implementation

namespace detail {

inline const Tensor& require_tensor(const TensorMap& tensors, const std::string& name,
                                    const std::vector<std::int64_t>& shape,
                                    const std::string& arch) {
  const auto it = tensors.find(name);
  if (it == tensors.end()) {
    throw FormatError("model tensor '" + name + "' is missing (a '" + arch +
                      "' model needs it with shape " + Tensor::shape_string(shape) + ")");
  }
  const Tensor& t = it->second;
  if (t.shape != shape) {
    throw FormatError("model tensor '" + name + "' has shape " + t.shape_string() +
                      ", expected " + Tensor::shape_string(shape) + " for this '" + arch +
                      "' architecture");
  }
  if (t.values.size() != Tensor::element_count(shape)) {
    throw FormatError("model tensor '" + name + "' of shape " + t.shape_string() + " holds " +
                      std::to_string(t.values.size()) + " values, expected " +
                      std::to_string(Tensor::element_count(shape)));
  }
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    if (!std::isfinite(t.values[i])) {
      throw FormatError("model tensor '" + name + "' holds a non-finite value (" +
                        ecgad::detail::format_number(static_cast<double>(t.values[i])) +
                        ") at flat index " + std::to_string(i));
    }
  }
  return t;
}

// torch.nn.Linear weight [out, in] (row-major) and bias [out].
inline PackedLinear make_linear(const Tensor& weight, const Tensor& bias, Activation act) {
  const Eigen::Index out = weight.shape[0];
  const Eigen::Index in = weight.shape[1];
  const float* w = weight.data();
  return PackedLinear::pack(
      in, out, [&](Eigen::Index o, Eigen::Index k) { return w[to_size(o * in + k)]; },
      bias.data(), act);
}

// PyTorch Conv1d(c_in, c_out, k, stride 2, padding p): out[t] = Σ_j in[2t - p + j] W[:, :, j].
inline ConvLayer make_conv(const Tensor& weight, const Tensor& bias, Eigen::Index in_length,
                           Activation act) {
  ConvLayer layer;
  layer.out_channels = weight.shape[0];
  layer.in_channels = weight.shape[1];
  const Eigen::Index k = weight.shape[2];
  const Eigen::Index pad = (k - 1) / 2;
  const Eigen::Index c_in = layer.in_channels;
  layer.in_length = in_length;
  layer.out_length = in_length / 2;
  ConvPhase phase;
  phase.positions = layer.out_length;
  phase.in_step = 2;
  phase.out_step = 1;
  phase.out_phase = 0;
  for (Eigen::Index j = 0; j < k; ++j) phase.offsets.push_back(j - pad);
  const float* w = weight.data();
  // Product input (j, c) = tap j of channel c; weight [out, in, k].
  phase.product = PackedLinear::pack(
      k * c_in, layer.out_channels,
      [&](Eigen::Index o, Eigen::Index q) {
        return w[to_size((o * c_in + q % c_in) * k + q / c_in)];
      },
      bias.data(), act);
  layer.phases.push_back(std::move(phase));
  return layer;
}

// PyTorch ConvTranspose1d(c_in, c_out, k, stride 2, padding p, output_padding 1), weight
// [c_in, c_out, k]: out[u] = Σ_{t, j: u = 2t - p + j} in[t] W[:, :, j], length 2 * in_length.
// Output u = 2m + r takes the taps j with r + p - j even, from input t = m + (r + p - j) / 2.
inline ConvLayer make_deconv(const Tensor& weight, const Tensor& bias, Eigen::Index in_length,
                             Activation act) {
  ConvLayer layer;
  layer.in_channels = weight.shape[0];
  layer.out_channels = weight.shape[1];
  const Eigen::Index k = weight.shape[2];
  const Eigen::Index pad = (k - 1) / 2;
  const Eigen::Index c_in = layer.in_channels;
  const Eigen::Index c_out = layer.out_channels;
  layer.in_length = in_length;
  layer.out_length = 2 * in_length;
  const float* w = weight.data();
  for (Eigen::Index r = 0; r < 2; ++r) {
    ConvPhase phase;
    phase.positions = in_length;
    phase.in_step = 1;
    phase.out_step = 2;
    phase.out_phase = r;
    std::vector<Eigen::Index> taps;
    for (Eigen::Index j = 0; j < k; ++j) {
      if ((r + pad - j) % 2 == 0) {
        taps.push_back(j);
        phase.offsets.push_back((r + pad - j) / 2);
      }
    }
    // Product input (q, c) = tap taps[q] of input channel c.
    phase.product = PackedLinear::pack(
        phase.taps() * c_in, c_out,
        [&](Eigen::Index o, Eigen::Index q) {
          const Eigen::Index j = taps[to_size(q / c_in)];
          return w[to_size(((q % c_in) * c_out + o) * k + j)];
        },
        bias.data(), act);
    layer.phases.push_back(std::move(phase));
  }
  return layer;
}

inline BeatScore score_row(const float* x, const float* x_hat, Eigen::Index n,
                           float* profile) {
  const RowErrors e = row_errors(x, x_hat, n, profile);
  const float inv_n = 1.0f / static_cast<float>(n);
  return {e.abs_sum * inv_n, e.sq_sum * inv_n, e.max_abs};
}

/// Throws InvalidArgument naming the first non-finite value of a block of rows (row numbers
/// counted from first_row). Checked per block, while the block is in cache for the forward
/// pass, instead of one more pass over the whole batch from memory.
inline void require_finite_rows(const float* x, Eigen::Index stride, Eigen::Index rows,
                                Eigen::Index cols, Eigen::Index first_row, const char* what) {
  const auto block = const_rows(x, rows, cols, stride);
  // A finite sum means every value is finite (NaN and ±Inf poison it); an overflowing sum
  // falls through to the scan, which then finds nothing.
  if (std::isfinite(block.sum())) return;
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      const float v = block(r, c);
      if (std::isfinite(v)) continue;
      throw InvalidArgument(std::string(what) + " must be finite, but element (" +
                            std::to_string(first_row + r) + ", " + std::to_string(c) + ") is " +
                            ecgad::detail::format_number(static_cast<double>(v)));
    }
  }
}

}  // namespace detail

inline Model::Model(ArchitectureConfig config, const TensorMap& tensors)
    : config_(std::move(config)) {
  config_.validate();
  const std::vector<TensorSpec> specs = expected_tensors(config_);
  for (const auto& spec : specs) {
    detail::require_tensor(tensors, spec.name, spec.shape, config_.name);
  }
  if (tensors.size() != specs.size()) {
    for (const auto& item : tensors) {
      const bool known = std::any_of(specs.begin(), specs.end(),
                                     [&](const TensorSpec& s) { return s.name == item.first; });
      if (!known) {
        throw FormatError("unexpected model tensor '" + item.first + "' (shape " +
                          item.second.shape_string() + "): not part of the '" + config_.name +
                          "' architecture " + config_.to_json().dump());
      }
    }
  }
  if (config_.is_dense()) {
    build_dense(tensors);
  } else {
    build_conv1d(tensors);
  }
  // ~256 KiB of the largest scratch buffer per block keeps a block's data in L2 between
  // layers. Measured on the dense preset: flat from 32 to 128 beats per block, 10% slower at
  // 512; the conv1d preset (4480 gathered floats per beat) is best at ~16 beats per block.
  const Eigen::Index per_row =
      std::max({sizes_.gather, sizes_.act * 2, sizes_.recon * 2, Eigen::Index{1}});
  block_rows_ = std::clamp<Eigen::Index>(Eigen::Index{65536} / per_row, 1, 128);
}

inline void Model::build_dense(const TensorMap& tensors) {
  const auto& hidden = config_.hidden;
  for (std::size_t i = 0; i < hidden.size(); ++i) {
    const std::string p = "encoder." + std::to_string(i);
    encoder_.push_back(detail::make_linear(tensors.at(p + ".weight"), tensors.at(p + ".bias"),
                                           config_.activation));
    sizes_.act = std::max(sizes_.act, hidden[i]);
  }
  const std::size_t n_dec = hidden.size();
  for (std::size_t j = 0; j < n_dec; ++j) {
    const std::string p = "decoder." + std::to_string(j);
    const Activation act = j + 1 == n_dec ? config_.output_activation : config_.activation;
    decoder_.push_back(
        detail::make_linear(tensors.at(p + ".weight"), tensors.at(p + ".bias"), act));
  }
  sizes_.latent = config_.latent_size();
  sizes_.recon = config_.input_size();
}

inline void Model::build_conv1d(const TensorMap& tensors) {
  using detail::to_size;
  const auto& cc = config_.conv_channels;
  const std::size_t n = cc.size();
  Eigen::Index len = config_.length;
  auto track = [&](const detail::ConvLayer& layer) {
    sizes_.act = std::max(sizes_.act, layer.out_length * layer.out_channels);
    for (const auto& phase : layer.phases) {
      sizes_.gather = std::max(sizes_.gather, phase.positions * phase.product.in);
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::string p = "encoder.conv" + std::to_string(i);
    conv_encoder_.push_back(detail::make_conv(tensors.at(p + ".weight"),
                                              tensors.at(p + ".bias"), len, config_.activation));
    track(conv_encoder_.back());
    len /= 2;
  }
  const Eigen::Index t_n = len;
  const Eigen::Index c_n = cc.back();
  const Eigen::Index flat = t_n * c_n;
  const Eigen::Index extra = config_.n_extra;
  const Eigen::Index latent = config_.latent;
  // Input/output (t, c) of the channels-last flatten is the contract's channel-major c*t_n+t.
  auto channel_major = [&](Eigen::Index i) { return i < flat ? (i % c_n) * t_n + i / c_n : i; };

  // encoder.fc weight [latent, flat + E].
  const float* w_enc = tensors.at("encoder.fc.weight").data();
  encoder_fc_ = detail::PackedLinear::pack(
      flat + extra, latent,
      [&](Eigen::Index o, Eigen::Index i) {
        return w_enc[to_size(o * (flat + extra) + channel_major(i))];
      },
      tensors.at("encoder.fc.bias").data(), config_.activation);

  // decoder.fc weight [flat + E, latent]: the flat outputs get `activation`, the extras
  // `output_activation`, so they are two products.
  const float* w_dec = tensors.at("decoder.fc.weight").data();
  const float* b_dec = tensors.at("decoder.fc.bias").data();
  std::vector<float> bias_main(to_size(flat));
  for (Eigen::Index i = 0; i < flat; ++i) bias_main[to_size(i)] = b_dec[channel_major(i)];
  decoder_fc_main_ = detail::PackedLinear::pack(
      latent, flat,
      [&](Eigen::Index o, Eigen::Index k) { return w_dec[to_size(channel_major(o) * latent + k)]; },
      bias_main.data(), config_.activation);
  decoder_fc_extra_ = detail::PackedLinear::pack(
      latent, extra,
      [&](Eigen::Index o, Eigen::Index k) { return w_dec[to_size((flat + o) * latent + k)]; },
      b_dec + flat, config_.output_activation);

  for (std::size_t j = 0; j < n; ++j) {
    const std::string p = "decoder.deconv" + std::to_string(j);
    const Activation act = j + 1 == n ? config_.output_activation : config_.activation;
    conv_decoder_.push_back(detail::make_deconv(tensors.at(p + ".weight"),
                                                tensors.at(p + ".bias"), len, act));
    track(conv_decoder_.back());
    len *= 2;
  }
  sizes_.act = std::max(sizes_.act, flat);
  sizes_.latent = latent;
  sizes_.decoded = flat;
  sizes_.recon = config_.input_size();
}

inline Workspace Model::make_workspace(Eigen::Index rows) const {
  if (rows < 1) {
    throw InvalidArgument("workspace rows must be >= 1, got " + std::to_string(rows));
  }
  Workspace ws;
  ws.rows_ = rows;
  ws.gather_.resize(sizes_.gather * rows);
  ws.act_a_.resize(sizes_.act * rows);
  ws.act_b_.resize(sizes_.act * rows);
  ws.latent_.resize(sizes_.latent * rows);
  ws.decoded_.resize(sizes_.decoded * rows);
  ws.recon_.resize(sizes_.recon * rows);
  return ws;
}

inline void Model::check_workspace(const Workspace& ws, Eigen::Index rows) const {
  if (ws.rows_ < rows || ws.gather_.size() < sizes_.gather * rows ||
      ws.act_a_.size() < sizes_.act * rows || ws.act_b_.size() < sizes_.act * rows ||
      ws.latent_.size() < sizes_.latent * rows || ws.decoded_.size() < sizes_.decoded * rows ||
      ws.recon_.size() < sizes_.recon * rows) {
    throw InvalidArgument(
        "workspace is too small for this model (make it with this model's make_workspace())");
  }
}

inline void Model::check_batch(const BatchRef& batch) const {
  if (batch.cols() != input_size()) {
    throw InvalidArgument("batch must have input_size = " + std::to_string(input_size()) +
                          " columns (channels * length + n_extra), got " +
                          std::to_string(batch.cols()));
  }
}

inline void Model::encode_block(const float* x, Eigen::Index x_stride, Eigen::Index rows,
                                Workspace& ws) const {
  float* latent = ws.latent_.data();
  const Eigen::Index n_latent = sizes_.latent;
  float* bufs[2] = {ws.act_a_.data(), ws.act_b_.data()};
  if (config_.is_dense()) {
    const float* src = x;
    Eigen::Index src_stride = x_stride;
    for (std::size_t i = 0; i < encoder_.size(); ++i) {
      const auto& layer = encoder_[i];
      const bool last = i + 1 == encoder_.size();
      float* dst = last ? latent : bufs[i % 2];
      detail::linear_forward(layer, src, src_stride, rows, dst, layer.out);
      src = dst;
      src_stride = layer.out;
    }
    return;
  }
  // conv1d: the first layer reads the channel-major input row in place.
  detail::Source src{x, x_stride, 1, config_.length};
  const float* flat = x;
  for (std::size_t i = 0; i < conv_encoder_.size(); ++i) {
    const auto& layer = conv_encoder_[i];
    float* dst = bufs[i % 2];
    detail::conv_forward(src, rows, layer, ws.gather_.data(), dst);
    src = detail::Source{dst, layer.out_length * layer.out_channels, layer.out_channels, 1};
    flat = dst;
  }
  // encoder.fc over [flattened conv output | the row's extra features], without a copy.
  detail::KernelInput in;
  in.a = flat;
  in.k1 = encoder_fc_.in - config_.n_extra;
  in.a_stride = in.k1;
  if (config_.n_extra > 0) {
    in.b = x + config_.channels * config_.length;
    in.b_stride = x_stride;
    in.k2 = config_.n_extra;
  }
  detail::linear_forward(encoder_fc_, in, rows, latent, n_latent);
}

inline void Model::decode_block(Eigen::Index rows, Workspace& ws, float* out,
                                Eigen::Index out_stride) const {
  const float* latent = ws.latent_.data();
  const Eigen::Index n_latent = sizes_.latent;
  float* bufs[2] = {ws.act_a_.data(), ws.act_b_.data()};
  if (config_.is_dense()) {
    const float* src = latent;
    Eigen::Index src_stride = n_latent;
    for (std::size_t j = 0; j < decoder_.size(); ++j) {
      const auto& layer = decoder_[j];
      const bool last = j + 1 == decoder_.size();
      float* dst = last ? out : bufs[j % 2];
      detail::linear_forward(layer, src, src_stride, rows, dst, last ? out_stride : layer.out);
      src = dst;
      src_stride = layer.out;
    }
    return;
  }
  const Eigen::Index channels = config_.channels;
  const Eigen::Index length = config_.length;
  const Eigen::Index flat = decoder_fc_main_.out;
  float* decoded = ws.decoded_.data();
  detail::linear_forward(decoder_fc_main_, latent, n_latent, rows, decoded, flat);
  if (config_.n_extra > 0) {
    detail::linear_forward(decoder_fc_extra_, latent, n_latent, rows,
                           out + channels * length, out_stride);
  }
  detail::Source src{decoded, flat, config_.conv_channels.back(), 1};
  const float* last = decoded;
  for (std::size_t j = 0; j < conv_decoder_.size(); ++j) {
    const auto& layer = conv_decoder_[j];
    float* dst = bufs[j % 2];
    detail::conv_forward(src, rows, layer, ws.gather_.data(), dst);
    src = detail::Source{dst, layer.out_length * layer.out_channels, layer.out_channels, 1};
    last = dst;
  }
  // Channels-last [L][C] back to the contract's channel-major row.
  for (Eigen::Index b = 0; b < rows; ++b) {
    const float* beat = last + b * length * channels;
    float* row = out + b * out_stride;
    if (channels == 1) {
      std::copy(beat, beat + length, row);
    } else {
      for (Eigen::Index c = 0; c < channels; ++c) {
        for (Eigen::Index u = 0; u < length; ++u) row[c * length + u] = beat[u * channels + c];
      }
    }
  }
}

template <typename Visit>
void Model::for_each_block(const BatchRef& batch, bool decode, Visit&& visit) const {
  check_batch(batch);
  const Eigen::Index n = batch.rows();
  if (n == 0) return;
  const Eigen::Index block = std::min(block_rows_, n);
  Workspace ws = make_workspace(block);
  const Eigen::Index stride = batch.outerStride();
  for (Eigen::Index r0 = 0; r0 < n; r0 += block) {
    const Eigen::Index rows = std::min(block, n - r0);
    const float* x = batch.data() + r0 * stride;
    detail::require_finite_rows(x, stride, rows, input_size(), r0, "batch");
    encode_block(x, stride, rows, ws);
    if (decode) decode_block(rows, ws, ws.recon_.data(), input_size());
    visit(r0, rows, x, stride, ws);
  }
}

inline RowMatrixXf Model::reconstruct(const BatchRef& batch) const {
  RowMatrixXf out(batch.rows(), input_size());
  const Eigen::Index m = input_size();
  for_each_block(batch, false,
                 [&](Eigen::Index r0, Eigen::Index rows, const float*, Eigen::Index,
                     Workspace& ws) { decode_block(rows, ws, out.data() + r0 * m, m); });
  return out;
}

inline Scores Model::score(const BatchRef& batch) const {
  Scores s;
  s.mae.resize(batch.rows());
  s.mse.resize(batch.rows());
  s.max_abs.resize(batch.rows());
  const Eigen::Index m = input_size();
  for_each_block(batch, true,
                 [&](Eigen::Index r0, Eigen::Index rows, const float* x, Eigen::Index stride,
                     Workspace& ws) {
                   for (Eigen::Index r = 0; r < rows; ++r) {
                     const BeatScore b = detail::score_row(x + r * stride,
                                                           ws.recon_.data() + r * m, m, nullptr);
                     s.mae(r0 + r) = b.mae;
                     s.mse(r0 + r) = b.mse;
                     s.max_abs(r0 + r) = b.max_abs;
                   }
                 });
  return s;
}

inline RowMatrixXf Model::error_profile(const BatchRef& batch) const {
  RowMatrixXf out(batch.rows(), input_size());
  const Eigen::Index m = input_size();
  for_each_block(batch, false,
                 [&](Eigen::Index r0, Eigen::Index rows, const float* x, Eigen::Index stride,
                     Workspace& ws) {
                   float* dst = out.data() + r0 * m;
                   decode_block(rows, ws, dst, m);
                   detail::rows_of(dst, rows, m, m) =
                       (detail::rows_of(dst, rows, m, m) - detail::const_rows(x, rows, m, stride))
                           .cwiseAbs();
                 });
  return out;
}

inline RowMatrixXf Model::encode(const BatchRef& batch) const {
  RowMatrixXf out(batch.rows(), latent_size());
  const Eigen::Index k = latent_size();
  for_each_block(batch, false,
                 [&](Eigen::Index r0, Eigen::Index rows, const float*, Eigen::Index,
                     Workspace& ws) {
                   std::copy(ws.latent_.data(), ws.latent_.data() + rows * k,
                             out.data() + r0 * k);
                 });
  return out;
}

inline BeatScore Model::score_one(const float* beat, Workspace& ws, float* error_profile) const {
  check_workspace(ws, 1);
  const Eigen::Index m = input_size();
  ecgad::detail::require_finite(Eigen::Map<const Eigen::VectorXf>(beat, m), "beat");
  encode_block(beat, m, 1, ws);
  decode_block(1, ws, ws.recon_.data(), m);
  return detail::score_row(beat, ws.recon_.data(), m, error_profile);
}

inline void Model::reconstruct_one(const float* beat, float* out, Workspace& ws) const {
  check_workspace(ws, 1);
  const Eigen::Index m = input_size();
  ecgad::detail::require_finite(Eigen::Map<const Eigen::VectorXf>(beat, m), "beat");
  encode_block(beat, m, 1, ws);
  decode_block(1, ws, out, m);
}

inline void Model::encode_one(const float* beat, float* out, Workspace& ws) const {
  check_workspace(ws, 1);
  const Eigen::Index m = input_size();
  ecgad::detail::require_finite(Eigen::Map<const Eigen::VectorXf>(beat, m), "beat");
  encode_block(beat, m, 1, ws);
  std::copy(ws.latent_.data(), ws.latent_.data() + latent_size(), out);
}

}  // namespace ecgad::runtime
