// Throughput of the filtering core on 360 Hz signals from 10 s to 24 h (samples/s counters).
// Run: build/benchmarks/bench_filter [--benchmark_filter=Sosfiltfilt]
// The side-by-side comparison with scipy is benchmarks/compare_filter.py.
#include <cstdint>
#include <random>

#include <benchmark/benchmark.h>

#include "ecgad/signal/filter.hpp"

namespace sig = ecgad::signal;

namespace {

constexpr double kFs = 360.0;

Eigen::VectorXd noise(Eigen::Index n) {
  std::mt19937_64 gen(42);
  std::normal_distribution<double> dist;
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = dist(gen);
  return x;
}

// Durations in seconds: 10 s, 1 min, 30 min (one MIT-BIH record), 24 h (a Holter day).
void durations(benchmark::internal::Benchmark* b) {
  for (int64_t seconds : {10, 60, 1800, 86400}) b->Arg(seconds);
  b->Unit(benchmark::kMillisecond);
}

void set_rate(benchmark::State& state, Eigen::Index n) {
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Sosfiltfilt_Highpass5(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(static_cast<double>(state.range(0)) * kFs);
  const Eigen::VectorXd x = noise(n);
  const auto sos = sig::butter(5, 0.5, sig::BandType::highpass, kFs);
  for (auto _ : state) benchmark::DoNotOptimize(sig::sosfiltfilt(sos, x));
  set_rate(state, n);
}
BENCHMARK(BM_Sosfiltfilt_Highpass5)->Apply(durations);

void BM_Sosfiltfilt_Bandpass4(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(static_cast<double>(state.range(0)) * kFs);
  const Eigen::VectorXd x = noise(n);
  const auto sos = sig::butter(4, {0.5, 40.0}, sig::BandType::bandpass, kFs);
  for (auto _ : state) benchmark::DoNotOptimize(sig::sosfiltfilt(sos, x));
  set_rate(state, n);
}
BENCHMARK(BM_Sosfiltfilt_Bandpass4)->Apply(durations);

// Streaming: a 30 min signal pushed in chunks of the given size through one SosFilter.
void BM_SosFilter_Streaming(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(1800 * kFs);
  const Eigen::Index chunk = state.range(0);
  const Eigen::VectorXd x = noise(n);
  Eigen::VectorXd y(n);
  sig::SosFilter filter(sig::butter(4, {0.5, 40.0}, sig::BandType::bandpass, kFs));
  for (auto _ : state) {
    filter.reset();
    for (Eigen::Index pos = 0; pos < n; pos += chunk) {
      const Eigen::Index len = std::min(chunk, n - pos);
      filter.process(x.segment(pos, len), y.segment(pos, len));
    }
    benchmark::DoNotOptimize(y.data());
  }
  set_rate(state, n);
}
BENCHMARK(BM_SosFilter_Streaming)->Arg(1)->Arg(36)->Arg(360)->Arg(648000)->Unit(benchmark::kMillisecond);

void BM_Filtfilt_Notch(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(static_cast<double>(state.range(0)) * kFs);
  const Eigen::VectorXd x = noise(n);
  const auto notch = sig::iirnotch(60.0, 30.0, kFs);
  for (auto _ : state) benchmark::DoNotOptimize(sig::filtfilt(notch.b, notch.a, x));
  set_rate(state, n);
}
BENCHMARK(BM_Filtfilt_Notch)->Apply(durations);

void BM_ResamplePoly_360to250(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(static_cast<double>(state.range(0)) * kFs);
  const Eigen::VectorXd x = noise(n);
  for (auto _ : state) benchmark::DoNotOptimize(sig::resample_poly(x, 25, 36));
  set_rate(state, n);
}
BENCHMARK(BM_ResamplePoly_360to250)->Arg(10)->Arg(60)->Arg(1800)->Unit(benchmark::kMillisecond);

void BM_MedianBaseline(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(static_cast<double>(state.range(0)) * kFs);
  const Eigen::VectorXd x = noise(n);
  for (auto _ : state) benchmark::DoNotOptimize(sig::median_baseline(x, kFs));
  set_rate(state, n);
}
BENCHMARK(BM_MedianBaseline)->Arg(10)->Arg(60)->Arg(1800)->Unit(benchmark::kMillisecond);

void BM_ButterDesign(benchmark::State& state) {
  const int order = static_cast<int>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(sig::butter(order, {0.5, 40.0}, sig::BandType::bandpass, kFs));
  }
}
BENCHMARK(BM_ButterDesign)->Arg(2)->Arg(5)->Arg(10);

}  // namespace

BENCHMARK_MAIN();
