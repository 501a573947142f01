// Eigen runtime scoring speed (issue 4 §6): single-beat latency and batch throughput of the
// dense preset (140→32→16→8→16→32→140) and the conv1d preset, one thread. Beats are real-shaped:
// ECGSYN at 77 bpm, 140-sample windows, min-max scaled to [0, 1] per beat (the TensorFlow
// tutorial's input); weights are PyTorch's default init, U(±1/sqrt(fan_in)), seeded.
// Built with -O3 -march=native when ECGAD_NATIVE_BENCHMARKS=ON (the default), portable otherwise.
// Run: build/benchmarks/bench_runtime [--benchmark_filter=Dense]
#include <cmath>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "ecgad/runtime/model.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/normalize.hpp"
#include "ecgad/signal/synth.hpp"

namespace rt = ecgad::runtime;
namespace sig = ecgad::signal;

namespace {

rt::TensorMap torch_default_init(const rt::ArchitectureConfig& config, unsigned seed) {
  std::mt19937 gen(seed);
  rt::TensorMap tensors;
  std::int64_t fan_in = 1;
  for (const auto& spec : rt::expected_tensors(config)) {
    rt::Tensor t = rt::Tensor::zeros(spec.shape);
    // A weight's fan-in is its size over its first extent; its bias shares that bound.
    if (spec.shape.size() > 1) fan_in = static_cast<std::int64_t>(t.size()) / spec.shape[0];
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    std::uniform_real_distribution<float> dist(-bound, bound);
    for (float& v : t.values) v = dist(gen);
    tensors.emplace(spec.name, std::move(t));
  }
  return tensors;
}

// ~2300 beats of a 30-minute synthetic record, min-max scaled per beat.
const rt::RowMatrixXf& record_beats() {
  static const rt::RowMatrixXf beats = [] {
    sig::EcgSynthConfig c;
    c.fs_hz = 360.0;
    c.duration_s = 1800.0;
    c.heart_rate_bpm = 77.0;
    c.noise_mv = 0.01;
    c.seed = 1;
    const auto e = sig::ecgsyn(c);
    const auto b = sig::segment_beats(e.ecg_mv, c.fs_hz, e.r_peaks);
    return rt::RowMatrixXf(sig::BeatMinMax().transform(b.beats));
  }();
  return beats;
}

// n beats: the record's beats repeated.
rt::RowMatrixXf batch_of(Eigen::Index n) {
  const auto& src = record_beats();
  rt::RowMatrixXf out(n, src.cols());
  for (Eigen::Index r = 0; r < n; ++r) out.row(r) = src.row(r % src.rows());
  return out;
}

const rt::Model& model(const std::string& name) {
  static const rt::Model dense(rt::ArchitectureConfig::dense_preset(),
                               torch_default_init(rt::ArchitectureConfig::dense_preset(), 7));
  static const rt::Model conv(rt::ArchitectureConfig::conv1d_preset(),
                              torch_default_init(rt::ArchitectureConfig::conv1d_preset(), 7));
  return name == "dense" ? dense : conv;
}

void score_one(benchmark::State& state, const std::string& name) {
  const rt::Model& m = model(name);
  const auto& beats = record_beats();
  rt::Workspace ws = m.make_workspace();
  Eigen::Index r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.score_one(beats.row(r).data(), ws));
    if (++r == beats.rows()) r = 0;
  }
  state.counters["beats/s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}

void score_batch(benchmark::State& state, const std::string& name) {
  const rt::Model& m = model(name);
  const rt::RowMatrixXf x = batch_of(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(m.score(x));
  state.counters["beats/s"] = benchmark::Counter(static_cast<double>(x.rows()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void reconstruct_batch(benchmark::State& state, const std::string& name) {
  const rt::Model& m = model(name);
  const rt::RowMatrixXf x = batch_of(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(m.reconstruct(x));
  state.counters["beats/s"] = benchmark::Counter(static_cast<double>(x.rows()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Dense_ScoreOne(benchmark::State& state) { score_one(state, "dense"); }
void BM_Conv1d_ScoreOne(benchmark::State& state) { score_one(state, "conv1d"); }
void BM_Dense_ScoreBatch(benchmark::State& state) { score_batch(state, "dense"); }
void BM_Conv1d_ScoreBatch(benchmark::State& state) { score_batch(state, "conv1d"); }
void BM_Dense_ReconstructBatch(benchmark::State& state) { reconstruct_batch(state, "dense"); }

}  // namespace

BENCHMARK(BM_Dense_ScoreOne)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Conv1d_ScoreOne)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Dense_ScoreBatch)->Arg(1)->Arg(64)->Arg(2919)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Conv1d_ScoreBatch)->Arg(1)->Arg(64)->Arg(2919)->Arg(100000)->Unit(benchmark::kMillisecond);
// Includes allocating the N x 140 result (first-touch page faults dominate at 100k on this VM).
BENCHMARK(BM_Dense_ReconstructBatch)->Arg(2919)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
