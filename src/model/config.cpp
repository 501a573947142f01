// Architecture and training configs: presets, validation and their JSON forms (docs/model.md).
// No LibTorch here: this TU compiles in a second.
#include "ecgad/model/config.hpp"

#include <cmath>
#include <set>
#include <string>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::model {

namespace {

using detail::format_number;
using nlohmann::json;

void require_at_least(std::int64_t value, std::int64_t minimum, const std::string& what) {
  if (value < minimum) {
    throw InvalidArgument(what + " must be >= " + std::to_string(minimum) + ", got " +
                          std::to_string(value));
  }
}

// Typed readers that name the key in every error.
std::int64_t read_int(const json& j, const std::string& key, const std::string& where) {
  const json& v = j.at(key);
  if (!v.is_number_integer()) {
    throw InvalidArgument(where + "." + key + " must be an integer, got " + v.dump());
  }
  return v.get<std::int64_t>();
}

double read_number(const json& j, const std::string& key, const std::string& where) {
  const json& v = j.at(key);
  if (!v.is_number()) {
    throw InvalidArgument(where + "." + key + " must be a number, got " + v.dump());
  }
  return v.get<double>();
}

bool read_bool(const json& j, const std::string& key, const std::string& where) {
  const json& v = j.at(key);
  if (!v.is_boolean()) {
    throw InvalidArgument(where + "." + key + " must be true or false, got " + v.dump());
  }
  return v.get<bool>();
}

std::string read_string(const json& j, const std::string& key, const std::string& where) {
  const json& v = j.at(key);
  if (!v.is_string()) {
    throw InvalidArgument(where + "." + key + " must be a string, got " + v.dump());
  }
  return v.get<std::string>();
}

std::vector<std::int64_t> read_int_list(const json& j, const std::string& key,
                                        const std::string& where) {
  const json& v = j.at(key);
  if (!v.is_array()) {
    throw InvalidArgument(where + "." + key + " must be a list of integers, got " + v.dump());
  }
  std::vector<std::int64_t> out;
  for (const json& e : v) {
    if (!e.is_number_integer()) {
      throw InvalidArgument(where + "." + key + " must be a list of integers, got " + v.dump());
    }
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

void reject_unknown_keys(const json& j, const std::set<std::string>& allowed,
                         const std::string& where) {
  for (const auto& item : j.items()) {
    if (allowed.count(item.key()) == 0) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      throw InvalidArgument(where + " has no key '" + item.key() + "' (expected: " + names + ")");
    }
  }
}

Activation read_activation(const json& j, const std::string& key, const std::string& where) {
  const std::string name = read_string(j, key, where);
  try {
    return runtime::parse_activation(name);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + "." + key + ": " + e.what());
  }
}

}  // namespace

const char* to_string(ArchitectureKind kind) {
  switch (kind) {
    case ArchitectureKind::dense:
      return "dense";
    case ArchitectureKind::conv1d:
      return "conv1d";
    case ArchitectureKind::lstm:
      return "lstm";
  }
  return "dense";
}

ArchitectureKind parse_architecture(const std::string& name) {
  if (name == "dense") return ArchitectureKind::dense;
  if (name == "conv1d") return ArchitectureKind::conv1d;
  if (name == "lstm") return ArchitectureKind::lstm;
  throw InvalidArgument("architecture name must be 'dense', 'conv1d' or 'lstm', got '" + name +
                        "'");
}

ArchitectureConfig ArchitectureConfig::dense(std::int64_t length, std::int64_t channels,
                                             std::int64_t n_extra) {
  ArchitectureConfig c;
  c.kind = ArchitectureKind::dense;
  c.length = length;
  c.channels = channels;
  c.n_extra = n_extra;
  c.hidden = {32, 16, 8};
  c.activation = Activation::relu;
  c.output_activation = Activation::sigmoid;
  return c;
}

ArchitectureConfig ArchitectureConfig::conv1d(std::int64_t length, std::int64_t channels,
                                              std::int64_t n_extra) {
  ArchitectureConfig c;
  c.kind = ArchitectureKind::conv1d;
  c.length = length;
  c.channels = channels;
  c.n_extra = n_extra;
  c.conv_channels = {16, 32};
  c.kernel_size = 7;
  c.latent = 16;
  c.activation = Activation::relu;
  c.output_activation = Activation::linear;
  return c;
}

ArchitectureConfig ArchitectureConfig::lstm(std::int64_t length, std::int64_t channels) {
  ArchitectureConfig c;
  c.kind = ArchitectureKind::lstm;
  c.length = length;
  c.channels = channels;
  c.n_extra = 0;
  c.lstm_hidden = 64;
  c.lstm_layers = 1;
  c.latent = 16;
  c.activation = Activation::tanh;
  c.output_activation = Activation::linear;
  return c;
}

ArchitectureConfig ArchitectureConfig::preset(const std::string& name) {
  switch (parse_architecture(name)) {
    case ArchitectureKind::dense:
      return dense();
    case ArchitectureKind::conv1d:
      return conv1d();
    case ArchitectureKind::lstm:
      return lstm();
  }
  return dense();
}

std::int64_t ArchitectureConfig::input_size() const { return channels * length + n_extra; }

std::int64_t ArchitectureConfig::latent_size() const {
  if (kind == ArchitectureKind::dense) return hidden.empty() ? 0 : hidden.back();
  return latent;
}

void ArchitectureConfig::validate() const {
  const std::string where = std::string(to_string(kind)) + " architecture: ";
  require_at_least(channels, 1, where + "channels");
  require_at_least(length, 1, where + "length");
  require_at_least(n_extra, 0, where + "n_extra");
  switch (kind) {
    case ArchitectureKind::dense:
      if (hidden.empty()) {
        throw InvalidArgument(where + "hidden must list at least one layer width, got []");
      }
      for (std::size_t i = 0; i < hidden.size(); ++i) {
        require_at_least(hidden[i], 1, where + "hidden[" + std::to_string(i) + "]");
      }
      break;
    case ArchitectureKind::conv1d: {
      if (conv_channels.empty()) {
        throw InvalidArgument(where + "conv_channels must list at least one layer, got []");
      }
      for (std::size_t i = 0; i < conv_channels.size(); ++i) {
        require_at_least(conv_channels[i], 1, where + "conv_channels[" + std::to_string(i) + "]");
      }
      require_at_least(kernel_size, 1, where + "kernel_size");
      if (kernel_size % 2 == 0) {
        throw InvalidArgument(where +
                              "kernel_size must be odd (padding (k-1)/2 keeps the "
                              "length), got " +
                              std::to_string(kernel_size));
      }
      if (conv_channels.size() >= 62) {
        throw InvalidArgument(where +
                              "too many conv layers: " + std::to_string(conv_channels.size()));
      }
      const std::int64_t factor = std::int64_t{1} << conv_channels.size();
      if (length % factor != 0) {
        throw InvalidArgument(
            where + "length must be divisible by 2^len(conv_channels) = " + std::to_string(factor) +
            " (each layer halves it), got " + std::to_string(length));
      }
      require_at_least(latent, 1, where + "latent");
      break;
    }
    case ArchitectureKind::lstm:
      if (n_extra != 0) {
        throw InvalidArgument(where + "n_extra must be 0 (the LSTM reads time steps only), got " +
                              std::to_string(n_extra));
      }
      require_at_least(lstm_hidden, 1, where + "hidden");
      require_at_least(lstm_layers, 1, where + "layers");
      require_at_least(latent, 1, where + "latent");
      break;
  }
}

nlohmann::json ArchitectureConfig::to_json() const {
  json j;
  j["name"] = to_string(kind);
  j["channels"] = channels;
  j["length"] = length;
  j["n_extra"] = n_extra;
  switch (kind) {
    case ArchitectureKind::dense:
      j["hidden"] = hidden;
      break;
    case ArchitectureKind::conv1d:
      j["conv_channels"] = conv_channels;
      j["kernel_size"] = kernel_size;
      j["latent"] = latent;
      break;
    case ArchitectureKind::lstm:
      j["hidden"] = lstm_hidden;
      j["layers"] = lstm_layers;
      j["latent"] = latent;
      break;
  }
  j["activation"] = runtime::to_string(activation);
  j["output_activation"] = runtime::to_string(output_activation);
  return j;
}

ArchitectureConfig ArchitectureConfig::from_json(const nlohmann::json& j) {
  const std::string where = "architecture";
  if (!j.is_object()) throw InvalidArgument(where + " must be a JSON object, got " + j.dump());
  if (!j.contains("name")) {
    throw InvalidArgument(where + " needs a 'name' ('dense', 'conv1d' or 'lstm')");
  }
  ArchitectureConfig c = preset(read_string(j, "name", where));
  std::set<std::string> allowed = {"name",    "channels",   "length",
                                   "n_extra", "activation", "output_activation"};
  switch (c.kind) {
    case ArchitectureKind::dense:
      allowed.insert("hidden");
      break;
    case ArchitectureKind::conv1d:
      allowed.insert({"conv_channels", "kernel_size", "latent"});
      break;
    case ArchitectureKind::lstm:
      allowed.insert({"hidden", "layers", "latent"});
      break;
  }
  reject_unknown_keys(j, allowed, where + " '" + to_string(c.kind) + "'");
  if (j.contains("channels")) c.channels = read_int(j, "channels", where);
  if (j.contains("length")) c.length = read_int(j, "length", where);
  if (j.contains("n_extra")) c.n_extra = read_int(j, "n_extra", where);
  if (j.contains("activation")) c.activation = read_activation(j, "activation", where);
  if (j.contains("output_activation")) {
    c.output_activation = read_activation(j, "output_activation", where);
  }
  if (c.kind == ArchitectureKind::dense && j.contains("hidden")) {
    c.hidden = read_int_list(j, "hidden", where);
  }
  if (c.kind == ArchitectureKind::lstm) {
    if (j.contains("hidden")) c.lstm_hidden = read_int(j, "hidden", where);
    if (j.contains("layers")) c.lstm_layers = read_int(j, "layers", where);
  }
  if (j.contains("conv_channels")) c.conv_channels = read_int_list(j, "conv_channels", where);
  if (j.contains("kernel_size")) c.kernel_size = read_int(j, "kernel_size", where);
  if (j.contains("latent")) c.latent = read_int(j, "latent", where);
  c.validate();
  return c;
}

bool ArchitectureConfig::operator==(const ArchitectureConfig& o) const {
  return to_json() == o.to_json();
}

const char* to_string(Loss loss) { return loss == Loss::mae ? "mae" : "mse"; }

Loss parse_loss(const std::string& name) {
  if (name == "mae" || name == "l1") return Loss::mae;
  if (name == "mse" || name == "l2") return Loss::mse;
  throw InvalidArgument("loss must be 'mae' or 'mse', got '" + name + "'");
}

const char* to_string(TrainingEngine engine) {
  switch (engine) {
    case TrainingEngine::automatic:
      return "auto";
    case TrainingEngine::libtorch:
      return "libtorch";
    case TrainingEngine::fused_dense:
      return "fused_dense";
  }
  return "auto";
}

TrainingEngine parse_engine(const std::string& name) {
  if (name == "auto" || name == "automatic") return TrainingEngine::automatic;
  if (name == "libtorch") return TrainingEngine::libtorch;
  if (name == "fused_dense") return TrainingEngine::fused_dense;
  throw InvalidArgument("engine must be 'auto', 'libtorch' or 'fused_dense', got '" + name + "'");
}

void TrainConfig::validate() const {
  auto positive = [](double v, const char* what) {
    if (!(v > 0.0) || !std::isfinite(v)) {
      throw InvalidArgument(std::string("train config: ") + what +
                            " must be a finite number > 0, got " + format_number(v));
    }
  };
  auto in_unit = [](double v, const char* what, bool closed_low) {
    const bool ok = std::isfinite(v) && (closed_low ? v >= 0.0 : v > 0.0) && v < 1.0;
    if (!ok) {
      throw InvalidArgument(std::string("train config: ") + what + " must lie in " +
                            (closed_low ? "[0, 1)" : "(0, 1)") + ", got " + format_number(v));
    }
  };
  if (epochs < 1) {
    throw InvalidArgument("train config: epochs must be >= 1, got " + std::to_string(epochs));
  }
  if (batch_size < 1) {
    throw InvalidArgument("train config: batch_size must be >= 1, got " +
                          std::to_string(batch_size));
  }
  positive(learning_rate, "learning_rate");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) {
    throw InvalidArgument("train config: weight_decay must be a finite number >= 0, got " +
                          format_number(weight_decay));
  }
  in_unit(beta1, "beta1", true);
  in_unit(beta2, "beta2", true);
  positive(adam_epsilon, "adam_epsilon");
  in_unit(validation_fraction, "validation_fraction", true);
  if (patience < 0) {
    throw InvalidArgument("train config: patience must be >= 0, got " + std::to_string(patience));
  }
  if (!(min_delta >= 0.0) || !std::isfinite(min_delta)) {
    throw InvalidArgument("train config: min_delta must be a finite number >= 0, got " +
                          format_number(min_delta));
  }
  if (lr_patience < 0) {
    throw InvalidArgument("train config: lr_patience must be >= 0, got " +
                          std::to_string(lr_patience));
  }
  in_unit(lr_factor, "lr_factor", false);
  if (!(lr_threshold >= 0.0) || !std::isfinite(lr_threshold)) {
    throw InvalidArgument("train config: lr_threshold must be a finite number >= 0, got " +
                          format_number(lr_threshold));
  }
  if (!(min_lr >= 0.0) || !std::isfinite(min_lr)) {
    throw InvalidArgument("train config: min_lr must be a finite number >= 0, got " +
                          format_number(min_lr));
  }
  if (checkpoint_every < 1) {
    throw InvalidArgument("train config: checkpoint_every must be >= 1, got " +
                          std::to_string(checkpoint_every));
  }
  if (threads < 0) {
    throw InvalidArgument("train config: threads must be >= 0 (0 = keep), got " +
                          std::to_string(threads));
  }
}

nlohmann::json TrainConfig::to_json() const {
  json j;
  j["epochs"] = epochs;
  j["batch_size"] = batch_size;
  j["optimizer"] = "adam";
  j["learning_rate"] = learning_rate;
  j["weight_decay"] = weight_decay;
  j["beta1"] = beta1;
  j["beta2"] = beta2;
  j["adam_epsilon"] = adam_epsilon;
  j["loss"] = to_string(loss);
  j["validation_fraction"] = validation_fraction;
  j["shuffle"] = shuffle;
  j["seed"] = seed;
  j["early_stopping"] = early_stopping;
  j["patience"] = patience;
  j["min_delta"] = min_delta;
  j["restore_best_weights"] = restore_best_weights;
  j["reduce_lr_on_plateau"] = reduce_lr_on_plateau;
  j["lr_patience"] = lr_patience;
  j["lr_factor"] = lr_factor;
  j["lr_threshold"] = lr_threshold;
  j["min_lr"] = min_lr;
  j["checkpoint_path"] = checkpoint_path;
  j["checkpoint_every"] = checkpoint_every;
  j["engine"] = to_string(engine);
  j["threads"] = threads;
  return j;
}

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
  const std::string where = "train config";
  if (!j.is_object()) throw InvalidArgument(where + " must be a JSON object, got " + j.dump());
  reject_unknown_keys(j,
                      {"epochs",
                       "batch_size",
                       "optimizer",
                       "learning_rate",
                       "weight_decay",
                       "beta1",
                       "beta2",
                       "adam_epsilon",
                       "loss",
                       "validation_fraction",
                       "shuffle",
                       "seed",
                       "early_stopping",
                       "patience",
                       "min_delta",
                       "restore_best_weights",
                       "reduce_lr_on_plateau",
                       "lr_patience",
                       "lr_factor",
                       "lr_threshold",
                       "min_lr",
                       "checkpoint_path",
                       "checkpoint_every",
                       "engine",
                       "threads"},
                      where);
  TrainConfig c;
  auto int_field = [&](const char* key, int& out) {
    if (!j.contains(key)) return;
    const std::int64_t v = read_int(j, key, where);
    if (v < -2147483647 || v > 2147483647) {
      throw InvalidArgument(where + "." + key + " is out of range: " + std::to_string(v));
    }
    out = static_cast<int>(v);
  };
  auto number_field = [&](const char* key, double& out) {
    if (j.contains(key)) out = read_number(j, key, where);
  };
  auto bool_field = [&](const char* key, bool& out) {
    if (j.contains(key)) out = read_bool(j, key, where);
  };
  int_field("epochs", c.epochs);
  if (j.contains("batch_size")) c.batch_size = read_int(j, "batch_size", where);
  if (j.contains("optimizer") && read_string(j, "optimizer", where) != "adam") {
    throw InvalidArgument(where + ".optimizer must be 'adam', got " + j.at("optimizer").dump());
  }
  number_field("learning_rate", c.learning_rate);
  number_field("weight_decay", c.weight_decay);
  number_field("beta1", c.beta1);
  number_field("beta2", c.beta2);
  number_field("adam_epsilon", c.adam_epsilon);
  if (j.contains("loss")) c.loss = parse_loss(read_string(j, "loss", where));
  number_field("validation_fraction", c.validation_fraction);
  bool_field("shuffle", c.shuffle);
  if (j.contains("seed")) {
    const json& v = j.at("seed");
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      throw InvalidArgument(where + ".seed must be an integer >= 0, got " + v.dump());
    }
    c.seed = v.get<std::uint64_t>();
  }
  bool_field("early_stopping", c.early_stopping);
  int_field("patience", c.patience);
  number_field("min_delta", c.min_delta);
  bool_field("restore_best_weights", c.restore_best_weights);
  bool_field("reduce_lr_on_plateau", c.reduce_lr_on_plateau);
  int_field("lr_patience", c.lr_patience);
  number_field("lr_factor", c.lr_factor);
  number_field("lr_threshold", c.lr_threshold);
  number_field("min_lr", c.min_lr);
  if (j.contains("checkpoint_path")) {
    c.checkpoint_path = read_string(j, "checkpoint_path", where);
  }
  int_field("checkpoint_every", c.checkpoint_every);
  if (j.contains("engine")) c.engine = parse_engine(read_string(j, "engine", where));
  int_field("threads", c.threads);
  c.validate();
  return c;
}

}  // namespace ecgad::model
