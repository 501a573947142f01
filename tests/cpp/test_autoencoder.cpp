// Autoencoders (model/autoencoder.hpp): architectures and their tensors, training (both engines,
// all three architectures), scoring, determinism, early stopping, the plateau schedule,
// cancellation, checkpoint/resume and bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/drift/monitor.hpp"
#include "ecgad/error.hpp"
#include "ecgad/model/autoencoder.hpp"
#include "ecgad/runtime/model.hpp"
#include "golden.hpp"

namespace {

using ecgad::model::ArchitectureConfig;
using ecgad::model::ArchitectureKind;
using ecgad::model::Autoencoder;
using ecgad::model::BeatMatrix;
using ecgad::model::Loss;
using ecgad::model::TrainConfig;
using ecgad::model::TrainingEngine;
using ecgad::model::TrainingSummary;
using ecgad::test::expect_invalid;
namespace fs = std::filesystem;

// Synthetic normal beats in [0, 1]: P, QRS and T bumps with jittered position and amplitude
// and a little noise; `inverted_t` flips the T wave (an anomaly the model never saw).
BeatMatrix beats(int n, int length, std::uint64_t seed, bool inverted_t = false) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  BeatMatrix b(n, length);
  for (int i = 0; i < n; ++i) {
    const float shift = 0.01f * normal(rng);
    const float r_amp = 1.0f + 0.05f * normal(rng);
    const float t_amp = (inverted_t ? -0.3f : 0.3f) * (1.0f + 0.1f * normal(rng));
    for (int j = 0; j < length; ++j) {
      const float t = static_cast<float>(j) / static_cast<float>(length - 1);
      auto bump = [&](float centre, float width) {
        const float z = (t - centre - shift) / width;
        return std::exp(-z * z);
      };
      const float v = 0.1f * bump(0.2f, 0.04f) + r_amp * bump(0.36f, 0.02f) -
                      0.15f * bump(0.4f, 0.02f) + t_amp * bump(0.7f, 0.06f) + 0.01f * normal(rng);
      b(i, j) = 0.25f + 0.6f * v;  // a fixed affine map keeps every set on one scale
    }
  }
  return b;
}

// Largest |a - b| over two state dicts (they must have the same tensors).
double max_difference(const ecgad::runtime::TensorMap& a, const ecgad::runtime::TensorMap& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (const auto& [name, t] : a) {
    const auto& u = b.at(name);
    EXPECT_EQ(t.shape, u.shape) << name;
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(t.values[i] - u.values[i])));
    }
  }
  return worst;
}

bool bit_identical(const ecgad::runtime::TensorMap& a, const ecgad::runtime::TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const auto it = b.find(name);
    if (it == b.end() || it->second.shape != t.shape) return false;
    if (std::memcmp(t.values.data(), it->second.values.data(), t.values.size() * sizeof(float)) !=
        0) {
      return false;
    }
  }
  return true;
}

double mean(const Eigen::VectorXd& v) { return v.mean(); }

ArchitectureConfig small_conv1d() {
  ArchitectureConfig c = ArchitectureConfig::conv1d(32);
  c.conv_channels = {4, 8};
  c.kernel_size = 5;
  c.latent = 6;
  return c;
}

ArchitectureConfig small_lstm() {
  ArchitectureConfig c = ArchitectureConfig::lstm(24);
  c.lstm_hidden = 12;
  c.latent = 4;
  return c;
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("ecgad_test_autoencoder_" + std::to_string(::getpid()) + "_" + name);
}

// ------------------------------------------------------------------ configs and tensors

TEST(ArchitectureConfig, DensePresetIsTheContractJson) {
  const auto j = ArchitectureConfig::dense().to_json();
  EXPECT_EQ(j, nlohmann::json::parse(R"({"name": "dense", "channels": 1, "length": 140,
      "n_extra": 0, "hidden": [32, 16, 8], "activation": "relu",
      "output_activation": "sigmoid"})"));
  EXPECT_EQ(ArchitectureConfig::conv1d().to_json(), nlohmann::json::parse(R"({"name": "conv1d",
      "channels": 1, "length": 140, "n_extra": 0, "conv_channels": [16, 32], "kernel_size": 7,
      "latent": 16, "activation": "relu", "output_activation": "linear"})"));
  EXPECT_EQ(ArchitectureConfig::lstm().to_json(), nlohmann::json::parse(R"({"name": "lstm",
      "channels": 1, "length": 140, "n_extra": 0, "hidden": 64, "layers": 1, "latent": 16,
      "activation": "tanh", "output_activation": "linear"})"));
}

TEST(ArchitectureConfig, JsonRoundTripAndOverrides) {
  for (const auto& c : {ArchitectureConfig::dense(), small_conv1d(), small_lstm()}) {
    EXPECT_EQ(ArchitectureConfig::from_json(c.to_json()), c);
  }
  const auto c = ArchitectureConfig::from_json(
      nlohmann::json::parse(R"({"name": "dense", "length": 64, "n_extra": 3, "hidden": [20, 5],
                               "output_activation": "linear"})"));
  EXPECT_EQ(c.input_size(), 67);
  EXPECT_EQ(c.latent_size(), 5);
  EXPECT_EQ(c.output_activation, ecgad::runtime::Activation::linear);
  EXPECT_EQ(c.activation, ecgad::runtime::Activation::relu);  // preset value kept
}

TEST(ArchitectureConfig, InvalidConfigsNameTheField) {
  expect_invalid([] { ArchitectureConfig::preset("transformer"); }, "'transformer'");
  expect_invalid(
      [] {
        ArchitectureConfig::from_json(nlohmann::json::parse(R"({"name": "dense", "hiden": [4]})"));
      },
      "'hiden'");
  expect_invalid(
      [] {
        ArchitectureConfig::from_json(nlohmann::json::parse(R"({"name": "dense", "hidden": 4})"));
      },
      "hidden must be a list");
  expect_invalid(
      [] {
        ArchitectureConfig::from_json(
            nlohmann::json::parse(R"({"name": "dense", "activation": "gelu"})"));
      },
      "gelu");
  expect_invalid([] { ArchitectureConfig::from_json(nlohmann::json::parse(R"({"length": 4})")); },
                 "'name'");
  expect_invalid([] { Autoencoder(ArchitectureConfig::conv1d(142)); },
                 "divisible by 2^len(conv_channels) = 4");
  expect_invalid(
      [] {
        auto c = ArchitectureConfig::conv1d();
        c.kernel_size = 6;
        Autoencoder m(c);
      },
      "kernel_size must be odd");
  expect_invalid(
      [] {
        auto c = ArchitectureConfig::lstm();
        c.n_extra = 2;
        Autoencoder m(c);
      },
      "n_extra must be 0");
  expect_invalid(
      [] {
        auto c = ArchitectureConfig::dense();
        c.hidden = {32, 0};
        Autoencoder m(c);
      },
      "hidden[1]");
}

TEST(Autoencoder, DenseTensorsHaveTheContractNamesAndShapes) {
  const Autoencoder m;
  const auto sd = m.state_dict();
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected = {
      {"encoder.0.weight", {32, 140}}, {"encoder.0.bias", {32}},
      {"encoder.1.weight", {16, 32}},  {"encoder.1.bias", {16}},
      {"encoder.2.weight", {8, 16}},   {"encoder.2.bias", {8}},
      {"decoder.0.weight", {16, 8}},   {"decoder.0.bias", {16}},
      {"decoder.1.weight", {32, 16}},  {"decoder.1.bias", {32}},
      {"decoder.2.weight", {140, 32}}, {"decoder.2.bias", {140}}};
  ASSERT_EQ(sd.size(), expected.size());
  std::int64_t count = 0;
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(sd.count(name)) << name;
    EXPECT_EQ(sd.at(name).shape, shape) << name;
    count += static_cast<std::int64_t>(sd.at(name).values.size());
  }
  EXPECT_EQ(m.parameter_count(), count);
  EXPECT_EQ(count, 10484);
  EXPECT_EQ(m.input_size(), 140);
  EXPECT_EQ(m.latent_size(), 8);
}

TEST(Autoencoder, Conv1dAndLstmTensorsFollowTheContract) {
  auto c = ArchitectureConfig::conv1d(140, 2, 3);  // 2 channels of 140 + 3 extras
  const auto sd = Autoencoder(c).state_dict();
  const std::int64_t flat = 32 * 35;
  EXPECT_EQ(sd.at("encoder.conv0.weight").shape, (std::vector<std::int64_t>{16, 2, 7}));
  EXPECT_EQ(sd.at("encoder.conv1.weight").shape, (std::vector<std::int64_t>{32, 16, 7}));
  EXPECT_EQ(sd.at("encoder.fc.weight").shape, (std::vector<std::int64_t>{16, flat + 3}));
  EXPECT_EQ(sd.at("decoder.fc.weight").shape, (std::vector<std::int64_t>{flat + 3, 16}));
  // ConvTranspose1d weights are [in, out, k].
  EXPECT_EQ(sd.at("decoder.deconv0.weight").shape, (std::vector<std::int64_t>{32, 16, 7}));
  EXPECT_EQ(sd.at("decoder.deconv1.weight").shape, (std::vector<std::int64_t>{16, 2, 7}));
  EXPECT_EQ(sd.at("decoder.deconv1.bias").shape, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(sd.size(), 12u);

  auto l = ArchitectureConfig::lstm(140, 1);
  l.lstm_layers = 2;
  const auto ls = Autoencoder(l).state_dict();
  EXPECT_EQ(ls.at("encoder.lstm.weight_ih_l0").shape, (std::vector<std::int64_t>{256, 1}));
  EXPECT_EQ(ls.at("encoder.lstm.weight_ih_l1").shape, (std::vector<std::int64_t>{256, 64}));
  EXPECT_EQ(ls.at("encoder.lstm.bias_hh_l1").shape, (std::vector<std::int64_t>{256}));
  EXPECT_EQ(ls.at("encoder.fc.weight").shape, (std::vector<std::int64_t>{16, 64}));
  EXPECT_EQ(ls.at("decoder.lstm.weight_ih_l0").shape, (std::vector<std::int64_t>{256, 16}));
  EXPECT_EQ(ls.at("decoder.fc.weight").shape, (std::vector<std::int64_t>{1, 64}));
  EXPECT_EQ(ls.size(), 2u * 8u + 4u);
}

TEST(Autoencoder, InitialisationIsPyTorchsDefaultAndSeeded) {
  const auto a = Autoencoder(ArchitectureConfig::dense(), 7).state_dict();
  const auto b = Autoencoder(ArchitectureConfig::dense(), 7).state_dict();
  const auto c = Autoencoder(ArchitectureConfig::dense(), 8).state_dict();
  EXPECT_TRUE(bit_identical(a, b));
  EXPECT_FALSE(bit_identical(a, c));
  // kaiming_uniform_(a=√5) and the bias rule both give U(±1/√fan_in) for Linear.
  const auto& w = a.at("encoder.0.weight").values;
  const double bound = 1.0 / std::sqrt(140.0);
  double sum_sq = 0.0;
  for (const float v : w) {
    EXPECT_LE(std::fabs(v), bound);
    sum_sq += static_cast<double>(v) * static_cast<double>(v);
  }
  const double rms = std::sqrt(sum_sq / static_cast<double>(w.size()));
  EXPECT_NEAR(rms, bound / std::sqrt(3.0), 0.03 * bound);  // 4480 draws
  for (const float v : a.at("decoder.2.bias").values)
    EXPECT_LE(std::fabs(v), 1.0 / std::sqrt(32.0));
}

// ------------------------------------------------------------------ engines agree

void expect_same_gradients(const ArchitectureConfig& config, Loss loss) {
  const Autoencoder m(config, 3);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  BeatMatrix x(37, config.input_size());
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng);
  const auto torch_grads = m.loss_gradients(x, loss, TrainingEngine::libtorch);
  const auto fused_grads = m.loss_gradients(x, loss, TrainingEngine::fused_dense);
  double scale = 0.0;
  for (const auto& [name, t] : torch_grads) {
    for (const float v : t.values) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  }
  ASSERT_GT(scale, 0.0);
  EXPECT_LE(max_difference(fused_grads, torch_grads) / scale, 1e-5)
      << "activation " << ecgad::runtime::to_string(config.activation) << " / "
      << ecgad::runtime::to_string(config.output_activation) << ", loss "
      << ecgad::model::to_string(loss);
}

TEST(Engines, FusedGradientsEqualAutograd) {
  expect_same_gradients(ArchitectureConfig::dense(), Loss::mae);
  expect_same_gradients(ArchitectureConfig::dense(), Loss::mse);
  auto c = ArchitectureConfig::dense(50, 1, 4);
  c.hidden = {20, 7, 3};
  c.activation = ecgad::runtime::Activation::tanh;
  c.output_activation = ecgad::runtime::Activation::linear;
  expect_same_gradients(c, Loss::mse);
  c.activation = ecgad::runtime::Activation::sigmoid;
  c.output_activation = ecgad::runtime::Activation::tanh;
  expect_same_gradients(c, Loss::mae);
  c.activation = ecgad::runtime::Activation::linear;
  c.output_activation = ecgad::runtime::Activation::relu;
  c.hidden = {9};
  expect_same_gradients(c, Loss::mse);
}

TEST(Engines, FusedEngineRejectsOtherArchitectures) {
  const Autoencoder m(small_conv1d());
  const BeatMatrix x = beats(4, 32, 1);
  expect_invalid([&] { m.loss_gradients(x, Loss::mae, TrainingEngine::fused_dense); },
                 "dense architecture only");
}

TEST(Engines, BothEnginesTrainTheSameModel) {
  const BeatMatrix x = beats(600, 140, 11);
  TrainConfig config;
  config.epochs = 8;
  config.batch_size = 128;
  config.learning_rate = 3e-3;
  config.validation_fraction = 0.2;
  Autoencoder fused(ArchitectureConfig::dense(), 1), torch(ArchitectureConfig::dense(), 1);
  config.engine = TrainingEngine::fused_dense;
  const auto a = fused.fit(x, config);
  config.engine = TrainingEngine::libtorch;
  const auto b = torch.fit(x, config);
  EXPECT_EQ(a.engine, "fused_dense");
  EXPECT_EQ(b.engine, "libtorch");
  ASSERT_EQ(a.train_loss.size(), 8u);
  EXPECT_LT(a.train_loss.back(), 0.5 * a.train_loss.front());
  for (std::size_t e = 0; e < 8; ++e) {
    EXPECT_NEAR(a.train_loss[e], b.train_loss[e], 1e-4 * b.train_loss[e]) << e;
    EXPECT_NEAR(a.val_loss[e], b.val_loss[e], 1e-4 * b.val_loss[e]) << e;
  }
  EXPECT_LT(max_difference(fused.state_dict(), torch.state_dict()), 1e-3);
}

// ------------------------------------------------------------------ training each architecture

void expect_loss_falls(const ArchitectureConfig& config, int n, int epochs, double factor) {
  const BeatMatrix x = beats(n, static_cast<int>(config.length), 21);
  Autoencoder m(config, 2);
  TrainConfig t;
  t.epochs = epochs;
  t.batch_size = 32;
  t.learning_rate = 3e-3;
  t.validation_fraction = 0.25;
  const TrainingSummary s = m.fit(x, t);
  ASSERT_EQ(s.epochs_run, epochs);
  ASSERT_EQ(static_cast<int>(s.val_loss.size()), epochs);
  EXPECT_LT(s.train_loss.back(), factor * s.train_loss.front()) << to_string(config.kind);
  EXPECT_LT(s.val_loss.back(), factor * s.val_loss.front()) << to_string(config.kind);
  EXPECT_EQ(s.n_validation, n / 4);
  EXPECT_EQ(s.n_train, n - n / 4);
  EXPECT_EQ(s.data_fingerprint.size(), 32u);
  EXPECT_EQ(s.engine, config.kind == ArchitectureKind::dense ? "fused_dense" : "libtorch");
}

TEST(Training, EachArchitectureLearnsNormalBeats) {
  expect_loss_falls(ArchitectureConfig::dense(), 400, 10, 0.5);
  expect_loss_falls(small_conv1d(), 160, 8, 0.6);
  expect_loss_falls(small_lstm(), 96, 8, 0.8);
}

TEST(Training, AnomaliesScoreHigherThanNormalBeats) {
  Autoencoder m;
  TrainConfig t;
  t.epochs = 30;
  t.batch_size = 64;
  t.learning_rate = 3e-3;
  m.fit(beats(500, 140, 31), t);
  const auto normal = m.score(beats(100, 140, 32));
  const auto odd = m.score(beats(100, 140, 33, /*inverted_t=*/true));
  // ROC-AUC of MAE for inverted-T vs normal beats (pairs ranked correctly).
  int correct = 0;
  for (Eigen::Index i = 0; i < odd.mae.size(); ++i) {
    for (Eigen::Index j = 0; j < normal.mae.size(); ++j) correct += odd.mae[i] > normal.mae[j];
  }
  EXPECT_GT(correct, 0.95 * 100 * 100);
  EXPECT_GT(mean(odd.mae), 2.0 * mean(normal.mae));
}

TEST(Training, SameSeedSameBitsOnBothEngines) {
  const BeatMatrix x = beats(300, 140, 41);
  for (const auto engine : {TrainingEngine::fused_dense, TrainingEngine::libtorch}) {
    TrainConfig t;
    t.epochs = 4;
    t.batch_size = 64;
    t.validation_fraction = 0.1;
    t.seed = 9;
    t.engine = engine;
    Autoencoder a(ArchitectureConfig::dense(), 4), b(ArchitectureConfig::dense(), 4);
    const auto sa = a.fit(x, t);
    const auto sb = b.fit(x, t);
    EXPECT_TRUE(bit_identical(a.state_dict(), b.state_dict())) << to_string(engine);
    EXPECT_EQ(sa.train_loss, sb.train_loss);
    EXPECT_EQ(sa.val_loss, sb.val_loss);
    t.seed = 10;  // another shuffle order
    Autoencoder c(ArchitectureConfig::dense(), 4);
    c.fit(x, t);
    EXPECT_FALSE(bit_identical(a.state_dict(), c.state_dict()));
  }
}

// Training on beats at 0.9 while validating on beats at 0.1: the better the model fits, the
// worse the validation loss, so it rises after the first epoch.
struct RisingValidation {
  BeatMatrix train = BeatMatrix::Constant(256, 20, 0.9f);
  BeatMatrix validation = BeatMatrix::Constant(64, 20, 0.1f);
  ArchitectureConfig config = [] {
    auto c = ArchitectureConfig::dense(20);
    c.hidden = {8, 4};
    return c;
  }();
  TrainConfig train_config = [] {
    TrainConfig t;
    t.epochs = 12;
    t.batch_size = 32;
    t.learning_rate = 1e-2;
    return t;
  }();
};

TEST(Training, EarlyStoppingRestoresTheBestWeights) {
  RisingValidation r;
  r.train_config.early_stopping = true;
  r.train_config.patience = 2;
  Autoencoder m(r.config, 1);
  const auto s = m.fit(r.train, r.validation, r.train_config);
  ASSERT_GE(s.val_loss.size(), 2u);
  EXPECT_GT(s.val_loss[1], s.val_loss[0]);
  EXPECT_TRUE(s.monitored_validation);
  EXPECT_TRUE(s.stopped_early);
  EXPECT_EQ(s.best_epoch, 1);
  EXPECT_EQ(s.epochs_run, 3);  // epoch 1 best, then 2 epochs without improvement
  EXPECT_TRUE(s.restored_best_weights);
  EXPECT_NEAR(mean(m.score(r.validation).mae), s.val_loss[0], 1e-6);
  EXPECT_EQ(s.best_loss, s.val_loss[0]);

  // Without the restore the weights are the last epoch's.
  r.train_config.restore_best_weights = false;
  Autoencoder last(r.config, 1);
  const auto s2 = last.fit(r.train, r.validation, r.train_config);
  EXPECT_FALSE(s2.restored_best_weights);
  EXPECT_NEAR(mean(last.score(r.validation).mae), s2.val_loss.back(), 1e-6);
}

TEST(Training, ReduceOnPlateauLowersTheRate) {
  RisingValidation r;
  r.train_config.reduce_lr_on_plateau = true;
  r.train_config.lr_patience = 1;
  r.train_config.lr_factor = 0.5;
  r.train_config.min_lr = 2e-3;
  r.train_config.epochs = 9;
  Autoencoder m(r.config, 1);
  const auto s = m.fit(r.train, r.validation, r.train_config);
  // Epoch 1 sets the best; epochs 2 and 3 are bad (2 > patience 1) → halve after epoch 3,
  // again after epoch 5, then min_lr holds it at 2e-3 (0.0025 * 0.5 < 0.002).
  const std::vector<double> expected = {1e-2, 1e-2, 1e-2, 5e-3, 5e-3, 2.5e-3, 2.5e-3, 2e-3, 2e-3};
  ASSERT_EQ(s.learning_rate.size(), expected.size());
  for (std::size_t e = 0; e < expected.size(); ++e) {
    EXPECT_DOUBLE_EQ(s.learning_rate[e], expected[e]) << "epoch " << e + 1;
  }
}

TEST(Training, CancelStopsCleanlyWithTheBestWeights) {
  const BeatMatrix x = beats(300, 140, 51);
  TrainConfig t;
  t.epochs = 10;
  t.batch_size = 32;
  t.validation_fraction = 0.2;
  std::atomic<bool> cancel{false};
  std::vector<int> seen;
  Autoencoder m;
  ecgad::model::TrainingHooks hooks;
  hooks.cancel = &cancel;
  hooks.on_epoch = [&](const ecgad::model::EpochReport& r) {
    seen.push_back(r.epoch);
    EXPECT_EQ(r.epochs, 10);
    EXPECT_GT(r.seconds, 0.0);
    EXPECT_DOUBLE_EQ(r.learning_rate, 1e-3);
    if (r.epoch == 3) cancel = true;
  };
  const auto s = m.fit(x, t, hooks);
  EXPECT_TRUE(s.cancelled);
  EXPECT_EQ(s.epochs_run, 3);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(s.train_loss.size(), 3u);
  // The weights are those of the best epoch.
  Autoencoder copy = m;
  EXPECT_TRUE(bit_identical(copy.state_dict(), m.state_dict()));

  // Cancelled before the first batch: nothing changes.
  Autoencoder fresh;
  const auto before = fresh.state_dict();
  const auto s0 = fresh.fit(x, t, {nullptr, &cancel});
  EXPECT_TRUE(s0.cancelled);
  EXPECT_EQ(s0.epochs_run, 0);
  EXPECT_TRUE(bit_identical(before, fresh.state_dict()));
}

void expect_resume_matches(const ArchitectureConfig& arch, const BeatMatrix& x,
                           const BeatMatrix* validation) {
  TrainConfig t;
  t.epochs = 6;
  t.batch_size = 64;
  t.validation_fraction = 0.2;
  t.reduce_lr_on_plateau = true;
  t.lr_patience = 0;
  t.lr_factor = 0.7;
  t.seed = 3;
  const fs::path full_path = temp_path("full.ckpt"), cut_path = temp_path("cut.ckpt");

  t.checkpoint_path = full_path.string();
  Autoencoder full(arch, 5);
  const auto sf = validation ? full.fit(x, *validation, t) : full.fit(x, t);
  ASSERT_EQ(sf.epochs_run, 6);

  t.checkpoint_path = cut_path.string();
  std::atomic<bool> cancel{false};
  Autoencoder cut(arch, 5);
  const ecgad::model::TrainingHooks stop_at_3{[&](const ecgad::model::EpochReport& r) {
                                                if (r.epoch == 3) cancel = true;
                                              },
                                              &cancel};
  const auto sc = validation ? cut.fit(x, *validation, t, stop_at_3) : cut.fit(x, t, stop_at_3);
  ASSERT_TRUE(sc.cancelled);
  ASSERT_EQ(sc.epochs_run, 3);

  Autoencoder resumed(ArchitectureConfig::dense(), 99);  // replaced by the checkpoint's model
  const auto sr = validation ? resumed.resume(cut_path.string(), x, *validation)
                             : resumed.resume(cut_path.string(), x);
  EXPECT_EQ(resumed.config(), arch);
  EXPECT_EQ(sr.resumed_from_epoch, 3);
  EXPECT_EQ(sr.epochs_run, 6);
  EXPECT_EQ(sr.train_loss, sf.train_loss);
  EXPECT_EQ(sr.val_loss, sf.val_loss);
  EXPECT_EQ(sr.learning_rate, sf.learning_rate);
  EXPECT_EQ(sr.best_epoch, sf.best_epoch);
  EXPECT_TRUE(bit_identical(resumed.state_dict(), full.state_dict()));

  // Resuming a finished run changes nothing.
  Autoencoder again;
  const auto sa = validation ? again.resume(full_path.string(), x, *validation)
                             : again.resume(full_path.string(), x);
  EXPECT_EQ(sa.epochs_run, 6);
  EXPECT_TRUE(bit_identical(again.state_dict(), full.state_dict()));
  fs::remove(full_path);
  fs::remove(cut_path);
}

TEST(Checkpoint, ResumeReachesTheUninterruptedWeightsFused) {
  expect_resume_matches(ArchitectureConfig::dense(), beats(300, 140, 61), nullptr);
}

TEST(Checkpoint, ResumeReachesTheUninterruptedWeightsLibTorch) {
  const BeatMatrix validation = beats(40, 32, 63);
  expect_resume_matches(small_conv1d(), beats(160, 32, 62), &validation);
}

TEST(Checkpoint, ResumeChecksDataAndFile) {
  const BeatMatrix x = beats(200, 140, 71);
  TrainConfig t;
  t.epochs = 2;
  t.checkpoint_path = temp_path("check.ckpt").string();
  Autoencoder m;
  m.fit(x, t);
  Autoencoder other;
  expect_invalid([&] { other.resume(t.checkpoint_path, beats(200, 140, 72)); },
                 "training beats differ");
  expect_invalid([&] { other.resume(t.checkpoint_path, x, x); }, "without an explicit validation");
  // Corrupt one byte of the data section: the checksum catches it.
  {
    std::fstream f(t.checkpoint_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-5, std::ios::end);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5A);
    f.seekp(-5, std::ios::end);
    f.write(&c, 1);
  }
  EXPECT_THROW(other.resume(t.checkpoint_path, x), ecgad::FormatError);
  // Truncated.
  fs::resize_file(t.checkpoint_path, 100);
  EXPECT_THROW(other.resume(t.checkpoint_path, x), ecgad::FormatError);
  fs::remove(t.checkpoint_path);
  EXPECT_THROW(other.resume(t.checkpoint_path, x), ecgad::IoError);
  // The failed resumes left the model alone.
  EXPECT_EQ(other.config(), ArchitectureConfig::dense());
}

// ------------------------------------------------------------------ scoring

TEST(Scoring, ErrorsProfileReconstructionAndLatentAgree) {
  Autoencoder m(ArchitectureConfig::dense(), 12);
  TrainConfig t;
  t.epochs = 3;
  m.fit(beats(200, 140, 81), t);
  const BeatMatrix x = beats(50, 140, 82);
  const BeatMatrix y = m.reconstruct(x);
  const BeatMatrix profile = m.error_profile(x);
  const auto e = m.score(x);
  const BeatMatrix z = m.encode(x);
  ASSERT_EQ(y.rows(), 50);
  ASSERT_EQ(y.cols(), 140);
  ASSERT_EQ(profile.rows(), 50);
  ASSERT_EQ(z.rows(), 50);
  ASSERT_EQ(z.cols(), 8);
  EXPECT_GE(z.minCoeff(), 0.0f);  // the latent code is taken after ReLU
  EXPECT_GT(y.minCoeff(), 0.0f);  // sigmoid output
  EXPECT_LT(y.maxCoeff(), 1.0f);
  EXPECT_EQ(profile, (x - y).cwiseAbs());
  for (Eigen::Index i = 0; i < 50; ++i) {
    const Eigen::VectorXd row = profile.row(i).cast<double>().transpose();
    EXPECT_NEAR(e.mae[i], row.mean(), 1e-12);
    EXPECT_NEAR(e.mse[i], row.squaredNorm() / 140.0, 1e-12);
    EXPECT_EQ(e.max[i], row.maxCoeff());
  }
  // A row scored alone gives its batched result up to float rounding (BLAS picks other
  // kernels for one row).
  const BeatMatrix one = x.row(17);
  EXPECT_LE((m.reconstruct(one) - y.row(17)).cwiseAbs().maxCoeff(), 1e-6f);
  // A strided block (not contiguous rows) gives the same answer.
  BeatMatrix wide(50, 150);
  wide.leftCols(140) = x;
  EXPECT_EQ(m.reconstruct(wide.leftCols(140)), y);
}

TEST(Scoring, ConstMethodsAreThreadSafe) {
  const Autoencoder m(small_conv1d(), 3);
  const BeatMatrix x = beats(300, 32, 91);
  const BeatMatrix expected = m.reconstruct(x);
  std::vector<BeatMatrix> results(4);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 3; ++rep) results[static_cast<std::size_t>(k)] = m.reconstruct(x);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

TEST(Scoring, Conv1dWithExtrasAndLstmShapes) {
  auto c = ArchitectureConfig::conv1d(32, 2, 3);
  c.conv_channels = {4};
  c.kernel_size = 3;
  c.latent = 5;
  const Autoencoder m(c, 1);
  const BeatMatrix x = BeatMatrix::Random(7, 67);
  EXPECT_EQ(m.reconstruct(x).cols(), 67);
  EXPECT_EQ(m.encode(x).cols(), 5);
  const Autoencoder l(small_lstm(), 1);
  const BeatMatrix xl = BeatMatrix::Random(5, 24);
  EXPECT_EQ(l.reconstruct(xl).rows(), 5);
  EXPECT_EQ(l.encode(xl).cols(), 4);
  EXPECT_LE(l.encode(xl).cwiseAbs().maxCoeff(), 1.0f);  // tanh latent
}

TEST(Autoencoder, CopiesAreIndependentAndStateDictLoads) {
  Autoencoder a(ArchitectureConfig::dense(), 1);
  Autoencoder b = a;
  TrainConfig t;
  t.epochs = 1;
  b.fit(beats(100, 140, 3), t);
  EXPECT_FALSE(bit_identical(a.state_dict(), b.state_dict()));
  a.load_state_dict(b.state_dict());
  EXPECT_TRUE(bit_identical(a.state_dict(), b.state_dict()));

  auto sd = b.state_dict();
  sd.erase("decoder.2.bias");
  expect_invalid([&] { a.load_state_dict(sd); }, "lacks tensor 'decoder.2.bias'");
  sd = b.state_dict();
  sd["encoder.0.weight"] = ecgad::runtime::Tensor::zeros({140, 32});
  expect_invalid([&] { a.load_state_dict(sd); }, "shape [140, 32], expected [32, 140]");
  sd = b.state_dict();
  sd["encoder.9.weight"] = ecgad::runtime::Tensor::zeros({1});
  expect_invalid([&] { a.load_state_dict(sd); }, "'encoder.9.weight'");
  sd = b.state_dict();
  sd["encoder.1.bias"].values[3] = std::nanf("");
  expect_invalid([&] { a.load_state_dict(sd); }, "finite");
  EXPECT_TRUE(bit_identical(a.state_dict(), b.state_dict()));  // all or nothing
}

// ------------------------------------------------------------------ bundle and runtime

TEST(Bundle, EveryArchitectureRoundTripsThroughAFile) {
  for (const auto& arch : {ArchitectureConfig::dense(32), small_conv1d(), small_lstm()}) {
    const int length = static_cast<int>(arch.length);
    const BeatMatrix x = beats(80, length, 101);
    Autoencoder m(arch, 17);
    TrainConfig t;
    t.epochs = 2;
    t.batch_size = 32;
    t.validation_fraction = 0.25;
    m.fit(x, t);
    const fs::path path = temp_path(std::string(to_string(arch.kind)) + ".ecgad");
    m.save(path.string(), {{"fs_hz", 360.0}});
    const Autoencoder back = Autoencoder::load(path.string());
    EXPECT_EQ(back.config(), arch);
    EXPECT_EQ(back.seed(), 17u);
    EXPECT_TRUE(bit_identical(back.state_dict(), m.state_dict())) << to_string(arch.kind);
    ASSERT_TRUE(back.training_summary().has_value());
    EXPECT_EQ(back.training_summary()->to_json(), m.training_summary()->to_json());
    EXPECT_EQ(back.reconstruct(x), m.reconstruct(x));
    const auto bundle = ecgad::artifact::load_bundle(path);
    EXPECT_EQ(bundle.preprocessing.at("fs_hz"), 360.0);
    EXPECT_EQ(bundle.training.at("data_fingerprint"), m.training_summary()->data_fingerprint);
    EXPECT_EQ(bundle.training.at("epochs_run"), 2);
    fs::remove(path);
  }
}

TEST(Bundle, CalibrationAndDriftReferenceTravelWithTheModel) {
  const BeatMatrix x = beats(200, 32, 121);
  Autoencoder m(ArchitectureConfig::dense(32), 3);
  TrainConfig t;
  t.epochs = 2;
  m.fit(x, t);
  // What the training pipeline fits on calibration beats: a threshold and the monitor's
  // reference (scores, heart rate, amplitude, quality, latent codes, template beat).
  const Eigen::VectorXd scores = m.score(x).mae;
  const auto threshold = ecgad::calibrate::mean_std_threshold(scores, 1.0);
  const Eigen::Index n = scores.size();
  const Eigen::VectorXd hr = Eigen::VectorXd::LinSpaced(n, 60.0, 80.0);
  const Eigen::VectorXd amp = Eigen::VectorXd::LinSpaced(n, 1.0, 1.4);
  const Eigen::VectorXd quality = Eigen::VectorXd::Constant(n, 0.9);
  const ecgad::drift::LatentMatrix codes = m.encode(x);
  const ecgad::drift::LatentMatrix waves = x;
  const auto reference = ecgad::drift::MonitorReference::fit(scores, hr, amp, quality, codes, waves);
  const fs::path path = temp_path("calibrated.ecgad");
  m.save(path.string(), {{"fs_hz", 360.0}}, {{"threshold", threshold.to_json()}},
         reference.to_json());
  // A core-only host reads both back from the bundle, without LibTorch.
  const auto bundle = ecgad::artifact::load_bundle(path);
  const auto t_back = ecgad::calibrate::Threshold::from_json(bundle.calibration.at("threshold"));
  EXPECT_EQ(t_back.to_json(), threshold.to_json());
  const auto r_back = ecgad::drift::MonitorReference::from_json(bundle.drift_reference);
  EXPECT_TRUE(r_back == reference);
  ecgad::drift::Monitor monitor(r_back);
  EXPECT_EQ(monitor.reference().template_beat.size(), 32u);
  // A document a monitor could not load is refused before anything is written.
  auto bad = reference.to_json();
  bad.erase("score_quantiles");
  const fs::path other = temp_path("refused.ecgad");
  expect_invalid([&] { m.save(other.string(), nullptr, nullptr, bad); },
                 "drift_reference is not a monitor reference");
  expect_invalid([&] { m.save(other.string(), nullptr, nlohmann::json::array()); },
                 "calibration must be a JSON object or null");
  EXPECT_FALSE(fs::exists(other));
  fs::remove(path);
}

TEST(Bundle, ALoadedModelContinuesTraining) {
  const BeatMatrix x = beats(300, 140, 111);
  Autoencoder m;
  TrainConfig t;
  t.epochs = 6;
  t.batch_size = 64;
  const auto first = m.fit(x, t);
  const Autoencoder loaded = Autoencoder::from_bundle(m.to_bundle());
  for (const auto engine : {TrainingEngine::fused_dense, TrainingEngine::libtorch}) {
    Autoencoder again = loaded;
    t.epochs = 2;
    t.engine = engine;
    const auto more = again.fit(x, t);
    // Picks up where it stopped (a fresh model starts near 0.2).
    EXPECT_LT(more.train_loss.front(), 1.1 * first.train_loss.back());
    EXPECT_LT(more.train_loss.back(), first.train_loss.back());
  }
}

TEST(Bundle, CheckpointsAndBundlesAreNotInterchangeable) {
  const BeatMatrix x = beats(50, 140, 121);
  Autoencoder m;
  TrainConfig t;
  t.epochs = 1;
  t.checkpoint_path = temp_path("swap.ckpt").string();
  m.fit(x, t);
  EXPECT_THROW(Autoencoder::load(t.checkpoint_path), ecgad::FormatError);
  const fs::path bundle = temp_path("swap.ecgad");
  m.save(bundle.string());
  EXPECT_THROW(m.resume(bundle.string(), x), ecgad::FormatError);
  fs::remove(bundle);
  fs::remove(t.checkpoint_path);
  // A fresh (never trained) model records only its seed and loads back.
  const Autoencoder fresh(ArchitectureConfig::dense(), 5);
  const auto b = fresh.to_bundle();
  EXPECT_EQ(b.training, nlohmann::json::parse(R"({"epochs_run": 0, "model_seed": 5})"));
  const Autoencoder back = Autoencoder::from_bundle(b);
  EXPECT_FALSE(back.training_summary().has_value());
  EXPECT_EQ(back.seed(), 5u);
}

TEST(Runtime, ScoresTrainedModelsLikeLibTorch) {
  auto conv = ArchitectureConfig::conv1d(32, 2, 3);
  conv.conv_channels = {4, 8};
  conv.kernel_size = 5;
  conv.latent = 6;
  for (const auto& arch : {ArchitectureConfig::dense(), conv}) {
    Autoencoder m(arch, 23);
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    BeatMatrix x(64, arch.input_size());
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng);
    TrainConfig t;
    t.epochs = 3;
    t.batch_size = 16;
    m.fit(x, t);
    const ecgad::runtime::Model runtime(
        ecgad::runtime::ArchitectureConfig::from_json(m.config().to_json()), m.state_dict());
    const BeatMatrix expected = m.reconstruct(x);
    EXPECT_LE((runtime.reconstruct(x) - expected).cwiseAbs().maxCoeff(), 1e-5f)
        << to_string(arch.kind);
    EXPECT_LE((runtime.encode(x) - m.encode(x)).cwiseAbs().maxCoeff(), 1e-5f);
  }
}

// ------------------------------------------------------------------ bad input

TEST(BadInput, TrainingAndScoringValidateTheirArguments) {
  Autoencoder m;
  TrainConfig t;
  t.epochs = 1;
  BeatMatrix x = beats(20, 140, 1);
  x(3, 5) = std::nanf("");
  expect_invalid([&] { m.fit(x, t); }, "element (3, 5) is nan");
  expect_invalid([&] { m.score(x); }, "finite");
  expect_invalid([&] { m.fit(beats(20, 139, 1), t); }, "N x 140");
  expect_invalid([&] { m.reconstruct(beats(20, 139, 1)); }, "got 20 x 139");
  expect_invalid([&] { m.fit(BeatMatrix(0, 140), t); }, "at least 1 row");
  expect_invalid([&] { m.encode(BeatMatrix(0, 140)); }, "at least 1 row");
  const BeatMatrix ok = beats(20, 140, 1);
  TrainConfig bad = t;
  bad.batch_size = 0;
  expect_invalid([&] { m.fit(ok, bad); }, "batch_size must be >= 1, got 0");
  bad = t;
  bad.epochs = 0;
  expect_invalid([&] { m.fit(ok, bad); }, "epochs");
  bad = t;
  bad.learning_rate = -1.0;
  expect_invalid([&] { m.fit(ok, bad); }, "learning_rate");
  bad = t;
  bad.validation_fraction = 1.0;
  expect_invalid([&] { m.fit(ok, bad); }, "validation_fraction");
  bad = t;
  bad.validation_fraction = 0.01;  // 0 of 20 rows
  expect_invalid([&] { m.fit(ok, bad); }, "leaves 0 validation");
  expect_invalid([&] { m.fit(ok, beats(5, 100, 1), t); }, "validation beats must be an N x 140");
  expect_invalid([] { ecgad::model::parse_loss("huber"); }, "'huber'");
  expect_invalid([] { ecgad::model::parse_engine("cuda"); }, "'cuda'");
  expect_invalid([] { TrainConfig::from_json(nlohmann::json::parse(R"({"epoch": 3})")); },
                 "'epoch'");
}

TEST(BadInput, DivergenceStopsWithAStateErrorAndRestoresTheWeights) {
  auto arch = ArchitectureConfig::dense(20);
  arch.hidden = {8, 4};
  arch.output_activation = ecgad::runtime::Activation::linear;
  for (const auto engine : {TrainingEngine::fused_dense, TrainingEngine::libtorch}) {
    Autoencoder m(arch, 1);
    const auto before = m.state_dict();
    TrainConfig t;
    t.epochs = 5;
    t.batch_size = 8;
    t.loss = Loss::mse;
    t.learning_rate = 1e30;  // every Adam step moves each weight by ~1e30: overflow at once
    t.engine = engine;
    try {
      m.fit(beats(64, 20, 5), t);
      ADD_FAILURE() << "expected a StateError";
    } catch (const ecgad::StateError& e) {
      EXPECT_NE(std::string(e.what()).find("training diverged"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(bit_identical(m.state_dict(), before)) << to_string(engine);
  }
}

TEST(TrainConfig, JsonRoundTrip) {
  TrainConfig t;
  t.epochs = 7;
  t.loss = Loss::mse;
  t.seed = 123456789012345ULL;
  t.reduce_lr_on_plateau = true;
  t.engine = TrainingEngine::libtorch;
  const TrainConfig back = TrainConfig::from_json(t.to_json());
  EXPECT_EQ(back.to_json(), t.to_json());
  EXPECT_EQ(back.seed, t.seed);
}

TEST(TrainingSummary, JsonRoundTrip) {
  Autoencoder m;
  TrainConfig t;
  t.epochs = 2;
  t.validation_fraction = 0.2;
  const auto s = m.fit(beats(50, 140, 2), t);
  const auto j = s.to_json();
  EXPECT_EQ(TrainingSummary::from_json(j).to_json(), j);
  EXPECT_EQ(j.at("seed"), 0);
  EXPECT_EQ(j.at("loss").size(), 2u);
  EXPECT_EQ(m.training_summary()->data_fingerprint, s.data_fingerprint);
}

}  // namespace
