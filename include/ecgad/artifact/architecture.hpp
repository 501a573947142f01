#pragma once
// The tensor set each architecture of docs/model.md implies: names (PyTorch state_dict names)
// and shapes derived from the architecture config alone, so a bundle can be checked against its
// own config before any model is built from it. Configs stored in a file carry every field that
// determines a shape or a computation: a missing field is an error, never a default (a default
// that changed between versions would silently change what an old file means).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/runtime/tensor.hpp"

namespace ecgad::artifact {

/// Tensor name -> shape.
using ShapeMap = std::map<std::string, std::vector<std::int64_t>>;

namespace detail {

/// Largest value accepted for a size field of an architecture config (channels, length,
/// hidden sizes, ...): far above any ECG model, low enough that no shape product overflows.
inline constexpr std::int64_t kMaxConfigSize = std::int64_t{1} << 24;

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& config, std::string name)
      : config_(config), where_("architecture '" + std::move(name) + "'") {}

  /// config[key] as an integer in [min, max]; FormatError naming the field otherwise.
  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max = kMaxConfigSize) const {
    const nlohmann::json& value = field(key);
    if (!is_integer_in(value, min, max)) {
      throw FormatError(where_ + ": field '" + key + "' must be an integer in [" +
                        std::to_string(min) + ", " + std::to_string(max) + "], got " +
                        value.dump());
    }
    return value.get<std::int64_t>();
  }

  /// config[key] as a non-empty array of integers in [min, max].
  std::vector<std::int64_t> integers(const char* key, std::int64_t min,
                                     std::int64_t max = kMaxConfigSize) const {
    const nlohmann::json& value = field(key);
    bool ok = value.is_array() && !value.empty() && value.size() <= 64;
    for (std::size_t i = 0; ok && i < value.size(); ++i) ok = is_integer_in(value[i], min, max);
    if (!ok) {
      throw FormatError(where_ + ": field '" + key +
                        "' must be a non-empty array (at most 64 entries) of integers in [" +
                        std::to_string(min) + ", " + std::to_string(max) + "], got " +
                        value.dump());
    }
    return value.get<std::vector<std::int64_t>>();
  }

  /// config[key] as one of the activation names of docs/model.md.
  std::string activation(const char* key) const {
    const nlohmann::json& value = field(key);
    if (value.is_string()) {
      const std::string name = value.get<std::string>();
      if (name == "relu" || name == "sigmoid" || name == "tanh" || name == "linear") return name;
    }
    throw FormatError(where_ + ": field '" + key +
                      "' must be one of \"relu\", \"sigmoid\", \"tanh\", \"linear\", got " +
                      value.dump());
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError(where_ + ": " + message);
  }

 private:
  const nlohmann::json& field(const char* key) const {
    const auto it = config_.find(key);
    if (it == config_.end()) throw FormatError(where_ + ": missing field '" + key + "'");
    return *it;
  }

  static bool is_integer_in(const nlohmann::json& value, std::int64_t min, std::int64_t max) {
    if (value.is_number_unsigned()) {
      // Compare as unsigned first: a value above max (possibly above INT64_MAX) never converts.
      const auto v = value.get<std::uint64_t>();
      return v <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(v) >= min;
    }
    if (value.is_number_integer()) {
      const auto v = value.get<std::int64_t>();
      return v >= min && v <= max;
    }
    return false;
  }

  const nlohmann::json& config_;
  std::string where_;
};

/// Linear(in, out) as PyTorch stores it: weight [out, in], bias [out].
inline void add_linear(ShapeMap& shapes, const std::string& prefix, std::int64_t in,
                       std::int64_t out) {
  shapes[prefix + ".weight"] = {out, in};
  shapes[prefix + ".bias"] = {out};
}

/// torch.nn.LSTM(input, hidden, layers) as submodule `prefix`: per layer k, weight_ih_l{k}
/// [4H, k == 0 ? input : H], weight_hh_l{k} [4H, H], bias_ih_l{k} and bias_hh_l{k} [4H].
inline void add_lstm(ShapeMap& shapes, const std::string& prefix, std::int64_t input,
                     std::int64_t hidden, std::int64_t layers) {
  for (std::int64_t k = 0; k < layers; ++k) {
    const std::string l = std::to_string(k);
    shapes[prefix + ".weight_ih_l" + l] = {4 * hidden, k == 0 ? input : hidden};
    shapes[prefix + ".weight_hh_l" + l] = {4 * hidden, hidden};
    shapes[prefix + ".bias_ih_l" + l] = {4 * hidden};
    shapes[prefix + ".bias_hh_l" + l] = {4 * hidden};
  }
}

}  // namespace detail

/// The tensors (PyTorch state_dict names → shapes) that the architecture config `architecture`
/// requires, per docs/model.md: `dense` (encoder.{i}/decoder.{j} Linear layers), `conv1d`
/// (encoder.conv{i} Conv1d [out, in, k], encoder.fc, decoder.fc, decoder.deconv{j}
/// ConvTranspose1d [in, out, k]) and `lstm` (encoder.lstm / decoder.lstm torch.nn.LSTM weights,
/// encoder.fc, decoder.fc). FormatError naming the field when the config is malformed (missing
/// field, wrong type, out of range, conv1d length not divisible by 2^len(conv_channels), even
/// kernel, lstm with n_extra != 0) or the architecture name is unknown.
inline ShapeMap expected_tensor_shapes(const nlohmann::json& architecture) {
  if (!architecture.is_object()) {
    throw FormatError("the architecture config must be a JSON object, got " +
                      architecture.dump());
  }
  const auto name_it = architecture.find("name");
  if (name_it == architecture.end() || !name_it->is_string()) {
    throw FormatError("the architecture config needs a string field 'name' (dense, conv1d or "
                      "lstm), got " + architecture.dump());
  }
  const std::string name = name_it->get<std::string>();
  const detail::ConfigReader read(architecture, name);
  if (name != "dense" && name != "conv1d" && name != "lstm") {
    read.fail("unknown architecture; this library knows dense, conv1d and lstm");
  }

  const std::int64_t channels = read.integer("channels", 1);
  const std::int64_t length = read.integer("length", 1);
  const std::int64_t n_extra = read.integer("n_extra", 0);
  const std::int64_t input_size = channels * length + n_extra;
  ShapeMap shapes;

  if (name == "dense") {
    const std::vector<std::int64_t> hidden = read.integers("hidden", 1);
    read.activation("activation");
    read.activation("output_activation");
    std::int64_t prev = input_size;
    for (std::size_t i = 0; i < hidden.size(); ++i) {
      detail::add_linear(shapes, "encoder." + std::to_string(i), prev, hidden[i]);
      prev = hidden[i];
    }
    // Decoder: the hidden sizes reversed without the last (the code size), then input_size.
    std::vector<std::int64_t> sizes(hidden.rbegin() + 1, hidden.rend());
    sizes.push_back(input_size);
    for (std::size_t j = 0; j < sizes.size(); ++j) {
      detail::add_linear(shapes, "decoder." + std::to_string(j), prev, sizes[j]);
      prev = sizes[j];
    }
  } else if (name == "conv1d") {
    const std::vector<std::int64_t> conv = read.integers("conv_channels", 1);
    const std::int64_t k = read.integer("kernel_size", 1, 1023);
    const std::int64_t latent = read.integer("latent", 1);
    read.activation("activation");
    read.activation("output_activation");
    if (k % 2 == 0) read.fail("field 'kernel_size' must be odd, got " + std::to_string(k));
    const std::size_t n = conv.size();
    if (n > 24 || length % (std::int64_t{1} << n) != 0) {
      read.fail("length " + std::to_string(length) + " must be divisible by 2^" +
                std::to_string(n) + " (one halving per entry of conv_channels)");
    }
    const std::int64_t reduced = length >> n;
    const std::int64_t flat = conv.back() * reduced;
    std::int64_t prev = channels;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string prefix = "encoder.conv" + std::to_string(i);
      shapes[prefix + ".weight"] = {conv[i], prev, k};  // Conv1d: [out, in, k]
      shapes[prefix + ".bias"] = {conv[i]};
      prev = conv[i];
    }
    detail::add_linear(shapes, "encoder.fc", flat + n_extra, latent);
    detail::add_linear(shapes, "decoder.fc", latent, flat + n_extra);
    for (std::size_t i = n; i-- > 0;) {
      const std::string prefix = "decoder.deconv" + std::to_string(n - 1 - i);
      const std::int64_t out = i > 0 ? conv[i - 1] : channels;
      shapes[prefix + ".weight"] = {conv[i], out, k};  // ConvTranspose1d: [in, out, k]
      shapes[prefix + ".bias"] = {out};
    }
  } else {  // lstm
    if (n_extra != 0) {
      read.fail("field 'n_extra' must be 0 (the lstm autoencoder reads sequences only), got " +
                std::to_string(n_extra));
    }
    const std::int64_t hidden = read.integer("hidden", 1);
    const std::int64_t layers = read.integer("layers", 1, 64);
    const std::int64_t latent = read.integer("latent", 1);
    detail::add_lstm(shapes, "encoder.lstm", channels, hidden, layers);
    detail::add_linear(shapes, "encoder.fc", hidden, latent);
    detail::add_lstm(shapes, "decoder.lstm", latent, hidden, layers);
    detail::add_linear(shapes, "decoder.fc", hidden, channels);
  }
  return shapes;
}

/// Checks `tensors` against the architecture config: every expected tensor present with its
/// exact shape, and nothing else. FormatError naming the first missing, mismatched or
/// unexpected tensor (or the malformed config field, see expected_tensor_shapes).
inline void validate_architecture(const nlohmann::json& architecture,
                                  const runtime::TensorMap& tensors) {
  const ShapeMap expected = expected_tensor_shapes(architecture);
  const std::string arch = "architecture '" + architecture["name"].get<std::string>() + "'";
  for (const auto& [name, shape] : expected) {
    const auto it = tensors.find(name);
    if (it == tensors.end()) {
      throw FormatError("missing tensor '" + name + "' (shape " +
                        runtime::Tensor::shape_string(shape) + ") required by " + arch);
    }
    if (it->second.shape != shape) {
      throw FormatError("tensor '" + name + "' has shape " + it->second.shape_string() + "; " +
                        arch + " expects " + runtime::Tensor::shape_string(shape));
    }
  }
  for (const auto& [name, tensor] : tensors) {
    if (expected.count(name) == 0) {
      throw FormatError("unexpected tensor '" + name + "' (shape " + tensor.shape_string() +
                        "): " + arch + " has no such parameter");
    }
  }
}

}  // namespace ecgad::artifact
