#pragma once
// The architecture config of an exported autoencoder (docs/model.md, "Architectures"): which
// network (`dense` or `conv1d`), its sizes and activations. It parses and writes the JSON that
// the bundle stores under `ecgad.architecture`, and lists the tensors (PyTorch state_dict
// names and shapes) a model of this architecture must have.

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/runtime/activation.hpp"

namespace ecgad::runtime {

/// Sizes and activations of a `dense` or `conv1d` autoencoder. Fields that do not belong to
/// `name`'s architecture are ignored (and not written to JSON).
struct ArchitectureConfig {
  std::string name = "dense";  ///< "dense" or "conv1d" ("lstm" runs only in LibTorch)
  Eigen::Index channels = 1;   ///< input channels C
  Eigen::Index length = 140;   ///< samples per channel L
  Eigen::Index n_extra = 0;    ///< scalar features E after the C*L samples
  std::vector<Eigen::Index> hidden = {32, 16, 8};       ///< dense: encoder widths
  std::vector<Eigen::Index> conv_channels = {16, 32};  ///< conv1d: encoder channels
  Eigen::Index kernel_size = 7;                         ///< conv1d: odd kernel length
  Eigen::Index latent = 16;                             ///< conv1d: latent code size
  Activation activation = Activation::relu;
  Activation output_activation = Activation::sigmoid;

  /// The TensorFlow "Intro to Autoencoders" ECG model: 140→32→16→8→16→32→140, relu, sigmoid.
  static ArchitectureConfig dense_preset() { return {}; }

  /// docs/model.md's conv1d defaults: C=1, L=140, conv channels [16, 32], k=7, latent 16,
  /// relu, linear output.
  static ArchitectureConfig conv1d_preset() {
    ArchitectureConfig c;
    c.name = "conv1d";
    c.output_activation = Activation::linear;
    return c;
  }

  bool is_dense() const { return name == "dense"; }
  bool is_conv1d() const { return name == "conv1d"; }

  /// Values per model input row: channels * length + n_extra.
  Eigen::Index input_size() const { return channels * length + n_extra; }

  /// Size of the latent code: hidden.back() (dense) or latent (conv1d).
  Eigen::Index latent_size() const {
    return is_dense() ? (hidden.empty() ? 0 : hidden.back()) : latent;
  }

  /// conv1d: samples per channel after the encoder's stride-2 layers, length / 2^n.
  Eigen::Index reduced_length() const {
    return length >> static_cast<int>(conv_channels.size());
  }

  /// Throws InvalidArgument naming the first field outside its valid range.
  void validate() const;

  /// The config as docs/model.md's JSON object (only the keys of `name`'s architecture).
  nlohmann::json to_json() const;

  /// Parses the JSON object; keys missing from it take the preset of its `name`
  /// (dense_preset() or conv1d_preset()), unknown keys are refused. Throws FormatError naming
  /// the key and what was expected.
  static ArchitectureConfig from_json(const nlohmann::json& j);

  /// from_json() of a JSON text (the bundle stores the config as a string).
  static ArchitectureConfig parse(const std::string& json_text);
};

/// A tensor a model must have: state_dict name and shape.
struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};

/// Every tensor of `config`'s network, in module (state_dict) order, with its PyTorch shape:
/// Linear weight [out, in], Conv1d weight [out, in, k], ConvTranspose1d weight [in, out, k],
/// biases [out]. Validates the config first (InvalidArgument).
std::vector<TensorSpec> expected_tensors(const ArchitectureConfig& config);

// ---------------------------------------------------------------- implementation

namespace detail {

// Bounds keep every tensor size product well inside 64 bits and catch unit mistakes early.
inline constexpr Eigen::Index kMaxWidth = Eigen::Index{1} << 20;
inline constexpr Eigen::Index kMaxLength = Eigen::Index{1} << 24;
inline constexpr Eigen::Index kMaxKernel = 4095;

inline std::string config_problem(const ArchitectureConfig& c) {
  auto in_range = [](Eigen::Index v, Eigen::Index lo, Eigen::Index hi) {
    return v >= lo && v <= hi;
  };
  auto range = [](Eigen::Index lo, Eigen::Index hi) {
    return " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  };
  if (c.name == "lstm") {
    return "name 'lstm': the Eigen runtime runs 'dense' and 'conv1d' models; LSTM models score "
           "through LibTorch (ecgad::ecgad)";
  }
  if (!c.is_dense() && !c.is_conv1d()) {
    return "name must be 'dense' or 'conv1d', got '" + c.name + "'";
  }
  if (!in_range(c.channels, 1, kMaxWidth)) {
    return "channels must be" + range(1, kMaxWidth) + ", got " + std::to_string(c.channels);
  }
  if (!in_range(c.length, 1, kMaxLength)) {
    return "length must be" + range(1, kMaxLength) + ", got " + std::to_string(c.length);
  }
  if (!in_range(c.n_extra, 0, kMaxWidth)) {
    return "n_extra must be" + range(0, kMaxWidth) + ", got " + std::to_string(c.n_extra);
  }
  if (c.channels * c.length > kMaxLength) {
    return "channels * length must be <= " + std::to_string(kMaxLength) + ", got " +
           std::to_string(c.channels * c.length);
  }
  if (c.is_dense()) {
    if (c.hidden.empty()) return "hidden must list at least one layer width, got []";
    for (std::size_t i = 0; i < c.hidden.size(); ++i) {
      if (!in_range(c.hidden[i], 1, kMaxWidth)) {
        return "hidden[" + std::to_string(i) + "] must be" + range(1, kMaxWidth) + ", got " +
               std::to_string(c.hidden[i]);
      }
    }
    return "";
  }
  if (c.conv_channels.empty() || c.conv_channels.size() > 16) {
    return "conv_channels must list 1 to 16 layer widths, got " +
           std::to_string(c.conv_channels.size());
  }
  for (std::size_t i = 0; i < c.conv_channels.size(); ++i) {
    if (!in_range(c.conv_channels[i], 1, kMaxWidth)) {
      return "conv_channels[" + std::to_string(i) + "] must be" + range(1, kMaxWidth) +
             ", got " + std::to_string(c.conv_channels[i]);
    }
  }
  if (!in_range(c.kernel_size, 1, kMaxKernel) || c.kernel_size % 2 == 0) {
    return "kernel_size must be odd and" + range(1, kMaxKernel) + ", got " +
           std::to_string(c.kernel_size);
  }
  const Eigen::Index factor = Eigen::Index{1} << c.conv_channels.size();
  if (c.length % factor != 0) {
    return "length must be divisible by 2^len(conv_channels) = " + std::to_string(factor) +
           ", got " + std::to_string(c.length);
  }
  if (!in_range(c.latent, 1, kMaxWidth)) {
    return "latent must be" + range(1, kMaxWidth) + ", got " + std::to_string(c.latent);
  }
  return "";
}

inline Eigen::Index json_index(const nlohmann::json& v, const std::string& key) {
  const bool too_large = v.is_number_unsigned() &&
                         v.get<std::uint64_t>() >
                             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!v.is_number_integer() || too_large) {
    throw FormatError("architecture config field '" + key + "' must be an integer, got " +
                      v.dump());
  }
  return static_cast<Eigen::Index>(v.get<std::int64_t>());
}

inline std::vector<Eigen::Index> json_index_list(const nlohmann::json& v,
                                                  const std::string& key) {
  if (!v.is_array()) {
    throw FormatError("architecture config field '" + key + "' must be a list of integers, got " +
                      v.dump());
  }
  std::vector<Eigen::Index> out;
  for (const auto& e : v) out.push_back(json_index(e, key));
  return out;
}

inline Activation json_activation(const nlohmann::json& v, const std::string& key) {
  if (!v.is_string()) {
    throw FormatError("architecture config field '" + key + "' must be a string, got " +
                      v.dump());
  }
  try {
    return parse_activation(v.get<std::string>());
  } catch (const InvalidArgument& e) {
    throw FormatError("architecture config field '" + key + "': " + e.what());
  }
}

}  // namespace detail

inline void ArchitectureConfig::validate() const {
  const std::string problem = detail::config_problem(*this);
  if (!problem.empty()) throw InvalidArgument("architecture config: " + problem);
}

inline nlohmann::json ArchitectureConfig::to_json() const {
  nlohmann::json j;
  j["name"] = name;
  j["channels"] = channels;
  j["length"] = length;
  j["n_extra"] = n_extra;
  if (is_dense()) {
    j["hidden"] = hidden;
  } else {
    j["conv_channels"] = conv_channels;
    j["kernel_size"] = kernel_size;
    j["latent"] = latent;
  }
  j["activation"] = to_string(activation);
  j["output_activation"] = to_string(output_activation);
  return j;
}

inline ArchitectureConfig ArchitectureConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw FormatError("architecture config must be a JSON object, got " + j.dump());
  }
  const auto name_it = j.find("name");
  if (name_it == j.end() || !name_it->is_string()) {
    throw FormatError("architecture config needs a string field 'name' ('dense' or 'conv1d')");
  }
  const std::string arch = name_it->get<std::string>();
  ArchitectureConfig c;
  std::set<std::string> known = {"name", "channels", "length", "n_extra", "activation",
                                 "output_activation"};
  if (arch == "dense") {
    known.insert("hidden");
  } else if (arch == "conv1d") {
    c = conv1d_preset();
    known.insert({"conv_channels", "kernel_size", "latent"});
  } else {
    c.name = arch;
    throw FormatError("architecture config: " + detail::config_problem(c));
  }
  for (const auto& item : j.items()) {
    if (known.count(item.key()) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw FormatError("architecture config for '" + arch + "' has unknown field '" +
                        item.key() + "' (known: " + list + ")");
    }
  }
  auto get_index = [&](const char* key, Eigen::Index& out) {
    const auto it = j.find(key);
    if (it != j.end()) out = detail::json_index(*it, key);
  };
  get_index("channels", c.channels);
  get_index("length", c.length);
  get_index("n_extra", c.n_extra);
  if (arch == "dense") {
    if (const auto it = j.find("hidden"); it != j.end()) {
      c.hidden = detail::json_index_list(*it, "hidden");
    }
  } else {
    if (const auto it = j.find("conv_channels"); it != j.end()) {
      c.conv_channels = detail::json_index_list(*it, "conv_channels");
    }
    get_index("kernel_size", c.kernel_size);
    get_index("latent", c.latent);
  }
  if (const auto it = j.find("activation"); it != j.end()) {
    c.activation = detail::json_activation(*it, "activation");
  }
  if (const auto it = j.find("output_activation"); it != j.end()) {
    c.output_activation = detail::json_activation(*it, "output_activation");
  }
  const std::string problem = detail::config_problem(c);
  if (!problem.empty()) throw FormatError("architecture config: " + problem);
  return c;
}

inline ArchitectureConfig ArchitectureConfig::parse(const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(std::string("architecture config is not valid JSON: ") + e.what());
  }
  return from_json(j);
}

inline std::vector<TensorSpec> expected_tensors(const ArchitectureConfig& config) {
  config.validate();
  std::vector<TensorSpec> specs;
  auto linear = [&](const std::string& prefix, Eigen::Index in, Eigen::Index out) {
    specs.push_back({prefix + ".weight", {out, in}});
    specs.push_back({prefix + ".bias", {out}});
  };
  const Eigen::Index input = config.input_size();
  if (config.is_dense()) {
    Eigen::Index prev = input;
    for (std::size_t i = 0; i < config.hidden.size(); ++i) {
      linear("encoder." + std::to_string(i), prev, config.hidden[i]);
      prev = config.hidden[i];
    }
    std::vector<Eigen::Index> widths(config.hidden.rbegin() + 1, config.hidden.rend());
    widths.push_back(input);
    for (std::size_t j = 0; j < widths.size(); ++j) {
      linear("decoder." + std::to_string(j), prev, widths[j]);
      prev = widths[j];
    }
    return specs;
  }
  const auto& cc = config.conv_channels;
  const Eigen::Index k = config.kernel_size;
  const std::size_t n = cc.size();
  Eigen::Index prev = config.channels;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string prefix = "encoder.conv" + std::to_string(i);
    specs.push_back({prefix + ".weight", {cc[i], prev, k}});
    specs.push_back({prefix + ".bias", {cc[i]}});
    prev = cc[i];
  }
  const Eigen::Index flat = cc.back() * config.reduced_length() + config.n_extra;
  linear("encoder.fc", flat, config.latent);
  linear("decoder.fc", config.latent, flat);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t i = n - 1 - j;
    const Eigen::Index out = i > 0 ? cc[i - 1] : config.channels;
    const std::string prefix = "decoder.deconv" + std::to_string(j);
    specs.push_back({prefix + ".weight", {cc[i], out, k}});
    specs.push_back({prefix + ".bias", {out}});
  }
  return specs;
}

}  // namespace ecgad::runtime
