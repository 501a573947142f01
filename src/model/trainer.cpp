// The training loop shared by both engines, the training summary's JSON form and the
// checkpoint file. Semantics follow the libraries users know: Adam = torch.optim.Adam,
// early stopping = keras.callbacks.EarlyStopping (min_delta, patience, restore_best_weights),
// the schedule = torch.optim.lr_scheduler.ReduceLROnPlateau (mode "min", threshold_mode "rel",
// cooldown 0, eps 1e-8).
//
// Determinism: one std::mt19937_64 (fully specified by the C++ standard) seeded with
// config.seed draws the validation split and then one permutation per epoch (Fisher-Yates with
// our own bounded draw, so no library-specific distribution is involved). A checkpoint stores
// that generator's state, so a resumed run draws the same permutations as an uninterrupted one.
#include "trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <utility>

#include "ecgad/artifact/checksum.hpp"
#include "ecgad/artifact/safetensors.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::model {

namespace {

using nlohmann::json;

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double number_or(const json& j, double fallback) {
  return j.is_number() ? j.get<double>() : fallback;
}

}  // namespace

nlohmann::json TrainingSummary::to_json() const {
  json j;
  j["seed"] = config.seed;
  j["epochs_run"] = epochs_run;
  j["best_epoch"] = best_epoch;
  j["best_loss"] = number_or_null(best_loss);
  j["monitored"] = monitored_validation ? "val_loss" : "loss";
  j["loss"] = train_loss;
  j["val_loss"] = val_loss;
  j["learning_rate"] = learning_rate;
  j["epoch_seconds"] = epoch_seconds;
  j["seconds"] = seconds;
  j["stopped_early"] = stopped_early;
  j["cancelled"] = cancelled;
  j["restored_best_weights"] = restored_best_weights;
  j["resumed_from_epoch"] = resumed_from_epoch;
  j["n_train"] = n_train;
  j["n_validation"] = n_validation;
  j["data_fingerprint"] = data_fingerprint;
  j["validation_fingerprint"] = validation_fingerprint;
  j["engine"] = engine;
  j["config"] = config.to_json();
  return j;
}

TrainingSummary TrainingSummary::from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw InvalidArgument("training summary must be a JSON object, got " + j.dump());
  }
  TrainingSummary s;
  try {
    s.config = TrainConfig::from_json(j.at("config"));
    s.epochs_run = j.at("epochs_run").get<int>();
    s.best_epoch = j.at("best_epoch").get<int>();
    s.best_loss = number_or(j.at("best_loss"), std::nan(""));
    s.monitored_validation = j.at("monitored").get<std::string>() == "val_loss";
    s.train_loss = j.at("loss").get<std::vector<double>>();
    s.val_loss = j.at("val_loss").get<std::vector<double>>();
    s.learning_rate = j.at("learning_rate").get<std::vector<double>>();
    s.epoch_seconds = j.at("epoch_seconds").get<std::vector<double>>();
    s.seconds = j.at("seconds").get<double>();
    s.stopped_early = j.at("stopped_early").get<bool>();
    s.cancelled = j.at("cancelled").get<bool>();
    s.restored_best_weights = j.at("restored_best_weights").get<bool>();
    s.resumed_from_epoch = j.at("resumed_from_epoch").get<int>();
    s.n_train = j.at("n_train").get<std::int64_t>();
    s.n_validation = j.at("n_validation").get<std::int64_t>();
    s.data_fingerprint = j.at("data_fingerprint").get<std::string>();
    s.validation_fingerprint = j.at("validation_fingerprint").get<std::string>();
    s.engine = j.at("engine").get<std::string>();
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string("training summary: ") + e.what());
  }
  return s;
}

namespace detail {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Uniform integer in [0, bound) by rejection (no modulo bias, no implementation-defined
// distribution): the same draws on every standard library.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t draw;
  do {
    draw = rng();
  } while (draw >= limit);
  return draw % bound;
}

// Fisher-Yates over [0, n).
std::vector<std::int64_t> permutation(std::mt19937_64& rng, std::int64_t n) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(uniform_below(rng, static_cast<std::uint64_t>(i + 1)));
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

std::string rng_state(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

std::mt19937_64 rng_from_state(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 rng;
  in >> rng;
  if (in.fail()) throw FormatError("checkpoint: the random generator state is corrupt");
  return rng;
}

void check_rows(const float* rows, std::int64_t n, std::int64_t width, const char* what) {
  if (n < 1) throw InvalidArgument(std::string(what) + " must have at least 1 row, got 0");
  const Eigen::Map<const BeatMatrix> m(rows, n, width);
  ecgad::detail::require_finite(m, what);
}

using Weights = std::vector<std::vector<float>>;

Weights copy_weights(const std::vector<ParameterSpan>& params) {
  Weights w;
  w.reserve(params.size());
  for (const auto& p : params) w.emplace_back(p.value, p.value + p.size);
  return w;
}

void set_weights(const std::vector<ParameterSpan>& params, const Weights& w) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::copy(w[i].begin(), w[i].end(), params[i].value);
  }
}

// ------------------------------------------------------------------ checkpoint file
// A safetensors file (artifact/safetensors.hpp) with tensors "param/<name>",
// "adam.exp_avg/<name>", "adam.exp_avg_sq/<name>" and "best/<name>" (when best weights are
// kept), and metadata "ecgad.format" = "ecgad-checkpoint", "ecgad.checkpoint" = the training
// state as JSON, and "ecgad.checksum" = XXH3-128 over that JSON and every tensor's name and
// bytes in name order, so any damage is caught before a byte of it is used.
constexpr int kCheckpointVersion = 1;
constexpr const char* kCheckpointFormat = "ecgad-checkpoint";

std::string checkpoint_digest(const std::string& state_json,
                              const std::map<std::string, artifact::TypedTensor>& tensors) {
  artifact::detail::Xxh128Stream digest;
  digest.update(state_json);
  for (const auto& [name, tensor] : tensors) {
    digest.update(name.data(), name.size() + 1);  // with its terminating NUL as separator
    digest.update(tensor.bytes(), tensor.size() * artifact::dtype_size(tensor.dtype()));
  }
  return digest.hex();
}

void write_checkpoint(const std::string& path, const ModelIdentity& identity,
                      const TrainConfig& config, const std::vector<ParameterSpan>& params,
                      const TrainingState& state, bool explicit_validation) {
  artifact::SafetensorsFile file;
  auto add = [&](const std::string& name, const ParameterSpan& p, const float* values) {
    file.tensors.emplace(
        name, artifact::TypedTensor(p.shape, std::vector<float>(values, values + p.size)));
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    const ParameterSpan& p = params[i];
    add("param/" + p.name, p, p.value);
    add("adam.exp_avg/" + p.name, p, state.adam.exp_avg[i].data());
    add("adam.exp_avg_sq/" + p.name, p, state.adam.exp_avg_sq[i].data());
    if (!state.best_weights.empty()) add("best/" + p.name, p, state.best_weights[i].data());
  }
  json meta;
  meta["version"] = kCheckpointVersion;
  meta["architecture"] = identity.architecture;
  meta["model_seed"] = identity.seed;
  meta["config"] = config.to_json();
  meta["epoch"] = state.epoch;
  meta["adam_step"] = state.adam.step;
  meta["learning_rate"] = state.learning_rate;
  meta["plateau_best"] = number_or_null(state.plateau_best);
  meta["plateau_bad_epochs"] = state.plateau_bad_epochs;
  meta["best_loss"] = number_or_null(state.best_loss);
  meta["best_epoch"] = state.best_epoch;
  meta["wait"] = state.wait;
  meta["finished"] = state.finished;
  meta["rng"] = rng_state(state.rng);
  meta["summary"] = state.summary.to_json();
  meta["explicit_validation"] = explicit_validation;
  const std::string state_json = meta.dump();
  file.metadata["ecgad.format"] = json(kCheckpointFormat).dump();
  file.metadata["ecgad.checkpoint"] = state_json;
  file.metadata["ecgad.checksum"] = checkpoint_digest(state_json, file.tensors);
  artifact::write_safetensors(path, file);
}

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
  throw FormatError("checkpoint '" + path + "' is not a valid ecgad checkpoint: " + why);
}

}  // namespace

Checkpoint read_checkpoint(const std::string& path) {
  artifact::SafetensorsFile file = artifact::read_safetensors(path);
  const auto metadata = [&](const char* key) -> const std::string& {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end()) corrupt(path, std::string("no metadata \"") + key + "\"");
    return it->second;
  };
  if (metadata("ecgad.format") != json(kCheckpointFormat).dump()) {
    corrupt(path, "ecgad.format is " + metadata("ecgad.format") +
                      ", expected \"ecgad-checkpoint\" (load a bundle with load(), not resume())");
  }
  const std::string& state_json = metadata("ecgad.checkpoint");
  if (checkpoint_digest(state_json, file.tensors) != metadata("ecgad.checksum")) {
    corrupt(path, "its checksum does not match its content (the file is corrupt or was edited)");
  }

  Checkpoint cp;
  try {
    const json meta = json::parse(state_json);
    const int version = meta.at("version").get<int>();
    if (version > kCheckpointVersion) {
      corrupt(path, "its version " + std::to_string(version) + " is newer than this reader's " +
                        std::to_string(kCheckpointVersion));
    }
    cp.identity.architecture = meta.at("architecture");
    cp.identity.seed = meta.at("model_seed").get<std::uint64_t>();
    cp.config = TrainConfig::from_json(meta.at("config"));
    TrainingState& s = cp.state;
    s.epoch = meta.at("epoch").get<int>();
    s.adam.step = meta.at("adam_step").get<std::int64_t>();
    s.learning_rate = meta.at("learning_rate").get<double>();
    s.plateau_best = number_or(meta.at("plateau_best"), std::numeric_limits<double>::infinity());
    s.plateau_bad_epochs = meta.at("plateau_bad_epochs").get<int>();
    s.best_loss = number_or(meta.at("best_loss"), std::numeric_limits<double>::infinity());
    s.best_epoch = meta.at("best_epoch").get<int>();
    s.wait = meta.at("wait").get<int>();
    s.finished = meta.at("finished").get<bool>();
    s.rng = rng_from_state(meta.at("rng").get<std::string>());
    s.summary = TrainingSummary::from_json(meta.at("summary"));
    cp.explicit_validation = meta.at("explicit_validation").get<bool>();
  } catch (const json::exception& e) {
    corrupt(path, std::string("its training state is incomplete (") + e.what() + ")");
  } catch (const InvalidArgument& e) {
    corrupt(path, e.what());
  }

  for (auto& [key, typed] : file.tensors) {
    if (typed.dtype() != artifact::DType::f32) corrupt(path, "tensor '" + key + "' is not F32");
    runtime::Tensor tensor(std::move(typed.shape),
                           std::get<std::vector<float>>(std::move(typed.values)));
    const auto slash = key.find('/');
    const std::string prefix = key.substr(0, slash);
    const std::string name = slash == std::string::npos ? "" : key.substr(slash + 1);
    runtime::TensorMap* target = prefix == "param"             ? &cp.parameters
                                 : prefix == "adam.exp_avg"    ? &cp.exp_avg
                                 : prefix == "adam.exp_avg_sq" ? &cp.exp_avg_sq
                                 : prefix == "best"            ? &cp.best
                                                               : nullptr;
    if (target == nullptr || name.empty()) corrupt(path, "unexpected tensor '" + key + "'");
    target->emplace(name, std::move(tensor));
  }
  return cp;
}

void attach_buffers(Checkpoint& checkpoint, const std::vector<ParameterSpan>& params,
                    const std::string& path) {
  AdamState& adam = checkpoint.state.adam;
  adam.exp_avg.clear();
  adam.exp_avg_sq.clear();
  checkpoint.state.best_weights.clear();
  auto take = [&](runtime::TensorMap& from, const ParameterSpan& p, const char* what) {
    auto it = from.find(p.name);
    if (it == from.end() || it->second.shape != p.shape) {
      corrupt(path, std::string("the ") + what + " of '" + p.name + "' is missing or mis-shaped");
    }
    return std::move(it->second.values);
  };
  for (const auto& p : params) {
    adam.exp_avg.push_back(take(checkpoint.exp_avg, p, "optimiser state (exp_avg)"));
    adam.exp_avg_sq.push_back(take(checkpoint.exp_avg_sq, p, "optimiser state (exp_avg_sq)"));
    if (!checkpoint.best.empty()) {
      checkpoint.state.best_weights.push_back(take(checkpoint.best, p, "best weights"));
    }
  }
}

TrainingSummary run_training(Engine& engine, const TrainConfig& config, const TrainingData& data,
                             const ModelIdentity& identity, const EpochCallback& callback,
                             const std::atomic<bool>* cancel, TrainingState* resume) {
  const Clock::time_point session_start = Clock::now();
  config.validate();
  const std::int64_t width = data.width;
  check_rows(data.train, data.n_train, width, "training beats");
  const bool explicit_validation = data.validation != nullptr;
  if (explicit_validation)
    check_rows(data.validation, data.n_validation, width, "validation beats");
  const std::vector<ParameterSpan>& params = engine.parameters();

  const std::string fingerprint =
      artifact::data_fingerprint(Eigen::Map<const BeatMatrix>(data.train, data.n_train, width));
  const std::string validation_fingerprint =
      explicit_validation ? artifact::data_fingerprint(Eigen::Map<const BeatMatrix>(
                                data.validation, data.n_validation, width))
                          : std::string();

  // The split is redrawn from the seed on resume (same draws), then the generator continues
  // from the checkpoint's state.
  std::mt19937_64 rng(config.seed);
  std::vector<std::int64_t> train_rows;
  std::vector<float> split_validation;
  const float* validation = data.validation;
  std::int64_t n_validation = explicit_validation ? data.n_validation : 0;
  if (!explicit_validation && config.validation_fraction > 0.0) {
    n_validation = static_cast<std::int64_t>(
        std::llround(config.validation_fraction * static_cast<double>(data.n_train)));
    if (n_validation < 1 || n_validation >= data.n_train) {
      throw InvalidArgument(
          "validation_fraction " + ecgad::detail::format_number(config.validation_fraction) +
          " of " + std::to_string(data.n_train) + " training rows leaves " +
          std::to_string(n_validation) + " validation and " +
          std::to_string(data.n_train - n_validation) + " training rows; both need at least 1");
    }
    const std::vector<std::int64_t> order = permutation(rng, data.n_train);
    std::vector<std::int64_t> held(order.begin(), order.begin() + n_validation);
    train_rows.assign(order.begin() + n_validation, order.end());
    std::sort(held.begin(), held.end());
    std::sort(train_rows.begin(), train_rows.end());
    split_validation.resize(static_cast<std::size_t>(n_validation * width));
    for (std::size_t i = 0; i < held.size(); ++i) {
      std::copy_n(data.train + held[i] * width, width,
                  split_validation.data() + static_cast<std::int64_t>(i) * width);
    }
    validation = split_validation.data();
  } else {
    train_rows.resize(static_cast<std::size_t>(data.n_train));
    for (std::int64_t i = 0; i < data.n_train; ++i) train_rows[static_cast<std::size_t>(i)] = i;
  }
  const auto n_train = static_cast<std::int64_t>(train_rows.size());
  const bool has_validation = n_validation > 0;

  TrainingState fresh;
  TrainingState& state = resume != nullptr ? *resume : fresh;
  if (resume != nullptr) {
    const TrainingSummary& s = state.summary;
    if (s.data_fingerprint != fingerprint ||
        s.n_train + (explicit_validation ? 0 : s.n_validation) != data.n_train) {
      throw InvalidArgument(
          "resume: the training beats differ from those of the checkpointed "
          "fit() (fingerprint " +
          fingerprint + ", " + std::to_string(data.n_train) + " rows; the checkpoint has " +
          s.data_fingerprint + ")");
    }
    if (s.validation_fingerprint != validation_fingerprint) {
      throw InvalidArgument(explicit_validation
                                ? "resume: the validation beats differ from those of the "
                                  "checkpointed fit()"
                                : "resume: the checkpointed fit() had an explicit validation "
                                  "set; pass the same one");
    }
    state.summary.resumed_from_epoch = state.epoch;
    state.summary.cancelled = false;
  } else {
    state.learning_rate = config.learning_rate;
    state.rng = rng;
    for (const auto& p : params) {
      state.adam.exp_avg.emplace_back(p.size, 0.0f);
      state.adam.exp_avg_sq.emplace_back(p.size, 0.0f);
    }
    TrainingSummary& s = state.summary;
    s.config = config;
    s.n_train = n_train;
    s.n_validation = n_validation;
    s.data_fingerprint = fingerprint;
    s.validation_fingerprint = validation_fingerprint;
    s.monitored_validation = has_validation;
  }
  TrainingSummary& summary = state.summary;
  summary.engine = engine.name();
  const double seconds_before = summary.seconds;
  const Weights start_weights = copy_weights(params);

  const std::int64_t batch_rows = std::min<std::int64_t>(config.batch_size, n_train);
  std::vector<float> batch(static_cast<std::size_t>(batch_rows * width));
  const auto values_per_row = static_cast<double>(width);
  const auto beta1 = static_cast<float>(config.beta1);
  const auto beta2 = static_cast<float>(config.beta2);
  const auto epsilon = static_cast<float>(config.adam_epsilon);
  const auto weight_decay = static_cast<float>(config.weight_decay);

  auto restore_after_failure = [&]() {
    set_weights(params, state.best_weights.empty() ? start_weights : state.best_weights);
  };

  bool cancelled = false;
  while (!state.finished && state.epoch < config.epochs) {
    const Clock::time_point epoch_start = Clock::now();
    const int epoch = state.epoch + 1;
    std::vector<std::int64_t> order = train_rows;
    if (config.shuffle) {
      const std::vector<std::int64_t> p = permutation(state.rng, n_train);
      for (std::int64_t i = 0; i < n_train; ++i) {
        order[static_cast<std::size_t>(i)] =
            train_rows[static_cast<std::size_t>(p[static_cast<std::size_t>(i)])];
      }
    }
    double loss_sum = 0.0;
    for (std::int64_t start = 0; start < n_train; start += batch_rows) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
        cancelled = true;
        break;
      }
      const std::int64_t rows = std::min(batch_rows, n_train - start);
      for (std::int64_t r = 0; r < rows; ++r) {
        std::copy_n(data.train + order[static_cast<std::size_t>(start + r)] * width, width,
                    batch.data() + r * width);
      }
      const double loss = engine.loss_and_gradients(batch.data(), rows);
      if (!std::isfinite(loss)) {
        restore_after_failure();
        throw StateError("training diverged: the loss of epoch " + std::to_string(epoch) +
                         ", batch " + std::to_string(start / batch_rows + 1) + " is " +
                         ecgad::detail::format_number(loss) + "; weights restored to " +
                         (state.best_weights.empty()
                              ? std::string("those before this fit()")
                              : "epoch " + std::to_string(state.best_epoch)) +
                         " (try a lower learning_rate)");
      }
      loss_sum += loss * static_cast<double>(rows);
      // torch.optim.Adam: step_size = lr / (1 - β1^t), denominator √v / √(1 - β2^t) + ε.
      state.adam.step += 1;
      const auto t = static_cast<double>(state.adam.step);
      const double bias_correction1 = 1.0 - std::pow(config.beta1, t);
      const double bias_correction2 = 1.0 - std::pow(config.beta2, t);
      const auto step_size = static_cast<float>(state.learning_rate / bias_correction1);
      const auto bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
      for (std::size_t i = 0; i < params.size(); ++i) {
        adam_update(params[i].value, params[i].grad, state.adam.exp_avg[i].data(),
                    state.adam.exp_avg_sq[i].data(), params[i].size, step_size, bc2_sqrt, beta1,
                    beta2, epsilon, weight_decay);
      }
    }
    if (cancelled) break;

    EpochReport report;
    report.epoch = epoch;
    report.epochs = config.epochs;
    report.train_loss = loss_sum / static_cast<double>(n_train);
    report.val_loss = has_validation ? engine.loss_sum(validation, n_validation) /
                                           (static_cast<double>(n_validation) * values_per_row)
                                     : std::nan("");
    report.learning_rate = state.learning_rate;
    if (has_validation && !std::isfinite(report.val_loss)) {
      restore_after_failure();
      throw StateError("training diverged: the validation loss of epoch " + std::to_string(epoch) +
                       " is " + ecgad::detail::format_number(report.val_loss) +
                       " (try a lower learning_rate)");
    }
    const double monitored = has_validation ? report.val_loss : report.train_loss;

    // Early stopping and best weights (Keras: improvement = monitored < best - min_delta).
    if (monitored < state.best_loss - config.min_delta) {
      state.best_loss = monitored;
      state.best_epoch = epoch;
      state.wait = 0;
      report.improved = true;
      if (config.restore_best_weights) state.best_weights = copy_weights(params);
    } else {
      state.wait += 1;
    }
    // ReduceLROnPlateau (mode "min", threshold_mode "rel", cooldown 0, eps 1e-8).
    if (config.reduce_lr_on_plateau) {
      if (monitored < state.plateau_best * (1.0 - config.lr_threshold)) {
        state.plateau_best = monitored;
        state.plateau_bad_epochs = 0;
      } else {
        state.plateau_bad_epochs += 1;
      }
      if (state.plateau_bad_epochs > config.lr_patience) {
        const double lowered = std::max(state.learning_rate * config.lr_factor, config.min_lr);
        if (state.learning_rate - lowered > 1e-8) state.learning_rate = lowered;
        state.plateau_bad_epochs = 0;
      }
    }
    state.epoch = epoch;
    summary.stopped_early = config.early_stopping && !report.improved &&
                            state.wait >= config.patience && epoch < config.epochs;
    state.finished = epoch >= config.epochs || summary.stopped_early;
    report.seconds = seconds_since(epoch_start);
    summary.train_loss.push_back(report.train_loss);
    if (has_validation) summary.val_loss.push_back(report.val_loss);
    summary.learning_rate.push_back(report.learning_rate);
    summary.epoch_seconds.push_back(report.seconds);
    summary.epochs_run = state.epoch;
    summary.best_epoch = state.best_epoch;
    summary.best_loss = state.best_loss;
    summary.seconds = seconds_before + seconds_since(session_start);
    if (!config.checkpoint_path.empty() &&
        (epoch % config.checkpoint_every == 0 || state.finished)) {
      write_checkpoint(config.checkpoint_path, identity, config, params, state,
                       explicit_validation);
    }
    if (callback) callback(report);
  }

  summary.cancelled = cancelled;
  summary.restored_best_weights = false;
  if (config.restore_best_weights && !state.best_weights.empty() &&
      (cancelled || state.best_epoch != state.epoch)) {
    set_weights(params, state.best_weights);
    summary.restored_best_weights = true;
  }
  summary.epochs_run = state.epoch;
  summary.best_epoch = state.best_epoch;
  summary.best_loss = state.best_loss;
  summary.seconds = seconds_before + seconds_since(session_start);
  return summary;
}

}  // namespace detail
}  // namespace ecgad::model
