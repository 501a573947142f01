// Autoencoder training and LibTorch scoring (model/autoencoder.hpp) on 2,919 synthetic beats of
// 140 samples (the ECG5000 normal training split's size): a fit() of the TensorFlow-tutorial
// dense model (20 epochs, batch 512) with each engine, a conv1d epoch, and batch scoring.
// One thread: run with OPENBLAS_NUM_THREADS=1 (OpenBLAS splits large products otherwise).
// Run: OPENBLAS_NUM_THREADS=1 build/benchmarks/bench_model [--benchmark_filter=Dense]
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "ecgad/model/autoencoder.hpp"
#include "ecgad/model/backend.hpp"

namespace model = ecgad::model;

namespace {

// Gaussian P/QRS/T bumps with jittered timing and amplitude plus noise, in [0, 1].
const model::BeatMatrix& beats() {
  static const model::BeatMatrix b = [] {
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    model::BeatMatrix m(2919, 140);
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      const float shift = 0.01f * normal(rng);
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        const float t = static_cast<float>(j) / 139.0f;
        auto bump = [&](float c, float w) {
          const float z = (t - c - shift) / w;
          return std::exp(-z * z);
        };
        m(i, j) = 0.25f + 0.6f * (bump(0.36f, 0.02f) + 0.3f * bump(0.7f, 0.06f) +
                                  0.1f * bump(0.2f, 0.04f) + 0.01f * normal(rng));
      }
    }
    return m;
  }();
  return b;
}

void train_dense(benchmark::State& state, model::TrainingEngine engine) {
  model::set_num_threads(1);
  model::TrainConfig config;  // 20 epochs, batch 512, Adam 1e-3, MAE: the tutorial's settings
  config.engine = engine;
  config.restore_best_weights = false;
  double loss = 0.0;
  for (auto _ : state) {
    state.PauseTiming();
    model::Autoencoder m(model::ArchitectureConfig::dense(), 0);
    state.ResumeTiming();
    loss = m.fit(beats(), config).train_loss.back();
  }
  state.counters["final_loss"] = loss;
  state.counters["beats/s"] = benchmark::Counter(
      static_cast<double>(beats().rows()) * config.epochs * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void BM_TrainDenseFused(benchmark::State& state) {
  train_dense(state, model::TrainingEngine::fused_dense);
}
BENCHMARK(BM_TrainDenseFused)->Unit(benchmark::kMillisecond);

void BM_TrainDenseLibTorch(benchmark::State& state) {
  train_dense(state, model::TrainingEngine::libtorch);
}
BENCHMARK(BM_TrainDenseLibTorch)->Unit(benchmark::kMillisecond);

void BM_TrainConv1dOneEpoch(benchmark::State& state) {
  model::set_num_threads(1);
  model::TrainConfig config;
  config.epochs = 1;
  config.batch_size = 128;
  const model::ArchitectureConfig arch = model::ArchitectureConfig::conv1d();  // 140 = 4 * 35
  for (auto _ : state) {
    state.PauseTiming();
    model::Autoencoder m(arch, 0);
    state.ResumeTiming();
    benchmark::DoNotOptimize(m.fit(beats(), config));
  }
  state.counters["beats/s"] = benchmark::Counter(
      static_cast<double>(beats().rows() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainConv1dOneEpoch)->Unit(benchmark::kMillisecond);

void BM_ScoreDenseLibTorch(benchmark::State& state) {
  model::set_num_threads(1);
  const model::Autoencoder m(model::ArchitectureConfig::dense(), 0);
  for (auto _ : state) benchmark::DoNotOptimize(m.score(beats()));
  state.counters["beats/s"] = benchmark::Counter(
      static_cast<double>(beats().rows() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScoreDenseLibTorch)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
