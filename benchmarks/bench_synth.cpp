// Cost of the synthetic ECG (signal/synth.hpp): ecgsyn() and synthesize() with every anomaly
// and drift kind, 30 min records at 100-1000 Hz (issue 3's goal: 30 min at 360 Hz well under
// a second). Run: build/benchmarks/bench_synth
#include <cstdint>

#include <benchmark/benchmark.h>

#include "ecgad/signal/synth.hpp"

namespace sig = ecgad::signal;

namespace {

constexpr double kDurationS = 1800.0;

void rates(benchmark::internal::Benchmark* b) {
  for (int64_t fs_hz : {100, 250, 360, 500, 1000}) b->Arg(fs_hz);
  b->Unit(benchmark::kMillisecond);
}

void set_rate(benchmark::State& state, double fs_hz) {
  state.counters["x real time"] =
      benchmark::Counter(kDurationS, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["samples/s"] = benchmark::Counter(
      kDurationS * fs_hz, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Ecgsyn(benchmark::State& state) {
  sig::EcgSynthConfig c;
  c.duration_s = kDurationS;
  c.fs_hz = static_cast<double>(state.range(0));
  c.heart_rate_bpm = 70.0;
  for (auto _ : state) benchmark::DoNotOptimize(sig::ecgsyn(c));
  set_rate(state, c.fs_hz);
}
BENCHMARK(BM_Ecgsyn)->Apply(rates);

// Every anomaly at once and five drift changes: the worst case of the data source.
void BM_SynthesizeEverything(benchmark::State& state) {
  sig::RecordingConfig rc;
  rc.ecg.duration_s = kDurationS;
  rc.ecg.fs_hz = static_cast<double>(state.range(0));
  rc.ecg.heart_rate_bpm = 70.0;
  rc.ecg.noise_mv = 0.01;
  auto& a = rc.anomalies;
  a.pvc_rate = 0.05;
  a.spb_rate = 0.03;
  a.st_elevation_rate = 0.02;
  a.t_inversion_rate = 0.02;
  a.episodes.push_back({sig::EpisodeKind::af, 300.0, 300.0, {}});
  a.episodes.push_back({sig::EpisodeKind::noise_emg, 900.0, 60.0, {}});
  a.random_episodes.push_back({sig::EpisodeKind::noise_motion, 20.0, 10.0, {}});
  rc.drift.changes = {sig::DriftChange::heart_rate_trend(1000.0, 1400.0, 30.0),
                      sig::DriftChange::baseline_wander_growth(600.0, 1200.0, 0.2),
                      sig::DriftChange::noise_rise(1200.0, 1500.0, 0.05),
                      sig::DriftChange::gain_step(1500.0, -0.3),
                      sig::DriftChange::electrode_noise_onset(1700.0, 0.1)};
  for (auto _ : state) benchmark::DoNotOptimize(sig::synthesize(rc));
  set_rate(state, rc.ecg.fs_hz);
}
BENCHMARK(BM_SynthesizeEverything)->Apply(rates);

}  // namespace

BENCHMARK_MAIN();
