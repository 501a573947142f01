// Beat segmentation, normalisers, signal quality and nst noise mixing on a 30-minute, 360 Hz
// synthetic record (ECGSYN at 77 bpm: ~2300 beats, the size of an MIT-BIH record).
// Run: build/benchmarks/bench_beats [--benchmark_filter=Segment]
#include <algorithm>
#include <cstdint>
#include <random>

#include <benchmark/benchmark.h>

#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/noise.hpp"
#include "ecgad/signal/normalize.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/synth.hpp"

namespace sig = ecgad::signal;

namespace {

constexpr double kFs = 360.0;

const sig::SyntheticEcg& record() {
  static const sig::SyntheticEcg e = [] {
    sig::EcgSynthConfig c;
    c.fs_hz = kFs;
    c.duration_s = 1800.0;
    c.heart_rate_bpm = 77.0;
    c.heart_rate_std_bpm = 3.0;
    c.noise_mv = 0.01;
    c.seed = 1;
    return sig::ecgsyn(c);
  }();
  return e;
}

const Eigen::VectorXd& noise() {
  static const Eigen::VectorXd n = [] {
    std::mt19937_64 gen(2);
    std::normal_distribution<double> dist(0.0, 0.1);
    Eigen::VectorXd x(record().ecg_mv.size());
    for (auto& v : x) v = dist(gen);
    return x;
  }();
  return n;
}

void BM_SegmentBeats(benchmark::State& state) {
  const auto& e = record();
  for (auto _ : state) benchmark::DoNotOptimize(sig::segment_beats(e.ecg_mv, kFs, e.r_peaks));
  state.counters["beats"] = static_cast<double>(e.r_peaks.size());
  state.counters["beats/s"] = benchmark::Counter(static_cast<double>(e.r_peaks.size()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SegmentBeats)->Unit(benchmark::kMicrosecond);

// The whole record streamed in chunks of the given size, each peak passed 0.3 s late.
void BM_BeatSegmenter_Streaming(benchmark::State& state) {
  const auto& e = record();
  const Eigen::Index chunk = state.range(0);
  const Eigen::Index n = e.ecg_mv.size(), delay = 108;
  sig::BeatSegmenter seg(kFs, {}, 0.5);
  std::vector<Eigen::Index> found;
  for (auto _ : state) {
    seg.reset();
    std::size_t next = 0;
    Eigen::Index beats = 0;
    for (Eigen::Index pos = 0; pos < n; pos += chunk) {
      const Eigen::Index len = std::min(chunk, n - pos);
      found.clear();
      while (next < e.r_peaks.size() && e.r_peaks[next] + delay < pos + len) {
        found.push_back(e.r_peaks[next++]);
      }
      beats += seg.process(e.ecg_mv.segment(pos, len), found).size();
    }
    beats += seg.flush().size();
    benchmark::DoNotOptimize(beats);
  }
  state.counters["x_realtime"] = benchmark::Counter(
      1800.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_BeatSegmenter_Streaming)->Arg(36)->Arg(360)->Arg(3600)->Unit(benchmark::kMillisecond);

void BM_Normalize(benchmark::State& state) {
  const auto& e = record();
  const sig::BeatMatrix beats = sig::segment_beats(e.ecg_mv, kFs, e.r_peaks).beats;
  sig::Normalizer n = sig::Normalizer::make(static_cast<sig::NormalizerKind>(state.range(0)));
  n.fit(beats);
  sig::BeatMatrix work = beats;
  for (auto _ : state) {
    work = beats;
    n.transform_inplace(work);
    benchmark::DoNotOptimize(work.data());
  }
  state.SetLabel(n.kind_name());
}
BENCHMARK(BM_Normalize)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

void BM_SignalQuality(benchmark::State& state) {
  const auto& e = record();
  for (auto _ : state) benchmark::DoNotOptimize(sig::signal_quality(e.ecg_mv, kFs));
}
BENCHMARK(BM_SignalQuality)->Unit(benchmark::kMillisecond);

void BM_QualityAssessor_Streaming(benchmark::State& state) {
  const auto& e = record();
  const Eigen::Index chunk = state.range(0), n = e.ecg_mv.size();
  sig::QualityAssessor a(kFs);
  for (auto _ : state) {
    a.reset();
    std::size_t windows = 0;
    for (Eigen::Index pos = 0; pos < n; pos += chunk) {
      windows += a.process(e.ecg_mv.segment(pos, std::min(chunk, n - pos))).size();
    }
    benchmark::DoNotOptimize(windows);
  }
  state.counters["x_realtime"] = benchmark::Counter(
      1800.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_QualityAssessor_Streaming)->Arg(36)->Arg(360)->Unit(benchmark::kMillisecond);

void BM_AddNoiseAtSnr(benchmark::State& state) {
  const auto& e = record();
  for (auto _ : state) {
    benchmark::DoNotOptimize(sig::add_noise_at_snr(e.ecg_mv, noise(), kFs, e.r_peaks, 6.0));
  }
}
BENCHMARK(BM_AddNoiseAtSnr)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
