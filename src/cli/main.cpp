// The `ecgad` command-line tool. A face only: it parses options, calls the library and prints.
//
//   ecgad info                 version and training backend
//   ecgad demo [options]       the main job on built-in data (see run_demo)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ecgad/error.hpp"
#include "ecgad/model/backend.hpp"
#include "ecgad/metrics/ec57.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/filter.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/rpeaks.hpp"
#include "ecgad/signal/synth.hpp"
#include "ecgad/version.hpp"

namespace sig = ecgad::signal;

namespace {

struct DemoOptions {
  double duration_s = 300.0;
  double fs_hz = 360.0;
  double heart_rate_bpm = 72.0;
  double mains_hz = 60.0;
  std::uint64_t seed = 1;
};

// The noise an ambulatory ECG picks up, each part kept apart so its removal can be measured.
struct NoiseParts {
  Eigen::VectorXd wander;  // respiration and electrode drift, < 0.5 Hz
  Eigen::VectorXd mains;   // power-line interference at mains_hz
  Eigen::VectorXd muscle;  // broadband EMG-like noise
};

NoiseParts make_noise(Eigen::Index n, double fs_hz, double mains_hz, std::uint64_t seed) {
  NoiseParts parts{Eigen::VectorXd(n), Eigen::VectorXd(n), Eigen::VectorXd(n)};
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> gauss(0.0, 0.05);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs_hz;
    parts.wander[i] = 0.4 * std::sin(2 * M_PI * 0.15 * t) + 0.3 * std::sin(2 * M_PI * 0.037 * t + 1.0);
    parts.mains[i] = 0.1 * std::sin(2 * M_PI * mains_hz * t);
    parts.muscle[i] = gauss(gen);
  }
  return parts;
}

double rms(const Eigen::VectorXd& x) { return std::sqrt(x.squaredNorm() / static_cast<double>(x.size())); }
double db(double ratio) { return 20.0 * std::log10(ratio); }

// The standard diagnostic-bandwidth cleaning chain, zero-phase so QRS timing is kept:
// 0.5 Hz highpass (wander), notch at mains, 40 Hz lowpass (EMG).
struct CleaningChain {
  sig::Sos highpass, lowpass;
  sig::TransferFunction notch;
  CleaningChain(double fs_hz, double mains_hz)
      : highpass(sig::butter(5, 0.5, sig::BandType::highpass, fs_hz)),
        lowpass(sig::butter(4, 40.0, sig::BandType::lowpass, fs_hz)),
        notch(sig::iirnotch(mains_hz, 30.0, fs_hz)) {}
  Eigen::VectorXd apply(const Eigen::VectorXd& x) const {
    Eigen::VectorXd y = sig::sosfiltfilt(highpass, x);
    y = sig::filtfilt(notch.b, notch.a, y);
    return sig::sosfiltfilt(lowpass, y);
  }
};

int run_demo(const DemoOptions& opt) {
  using clock = std::chrono::steady_clock;
  fmt::print("ecgad {} demo: synthesize a noisy ECG, clean it, report what was removed\n",
             ecgad::version_string);

  const auto t0 = clock::now();
  sig::EcgSynthConfig config;
  config.fs_hz = opt.fs_hz;
  config.duration_s = opt.duration_s;
  config.heart_rate_bpm = opt.heart_rate_bpm;
  config.seed = opt.seed;
  config.baseline_wander_mv = 0.0;  // the demo adds its own, measurable wander
  const sig::SyntheticEcg ecg = sig::ecgsyn(config);
  const Eigen::Index n = ecg.ecg_mv.size();
  const NoiseParts noise = make_noise(n, opt.fs_hz, opt.mains_hz, opt.seed);
  const Eigen::VectorXd noisy = ecg.ecg_mv + noise.wander + noise.mains + noise.muscle;
  const auto t1 = clock::now();

  const CleaningChain chain(opt.fs_hz, opt.mains_hz);
  const Eigen::VectorXd cleaned = chain.apply(noisy);
  const auto t2 = clock::now();

  fmt::print("signal    {:.0f} s at {:g} Hz ({} samples), {:.0f} bpm, {} R peaks, seed {}\n",
             opt.duration_s, opt.fs_hz, n, opt.heart_rate_bpm, ecg.r_peaks.size(), opt.seed);
  fmt::print("chain     highpass 5th 0.5 Hz | notch {:g} Hz Q=30 | lowpass 4th 40 Hz, zero-phase\n",
             opt.mains_hz);

  // The chain is linear, so each noise part's residual is the chain applied to that part alone.
  fmt::print("\n{:<26}{:>14}{:>14}{:>12}\n", "component", "in (mV rms)", "out (mV rms)", "removed");
  auto row = [&](const char* name, const Eigen::VectorXd& part) {
    const double in = rms(part), out = rms(chain.apply(part));
    fmt::print("{:<26}{:>14.4f}{:>14.4f}{:>9.1f} dB\n", name, in, out, db(in / out));
  };
  row("baseline wander (<0.5 Hz)", noise.wander);
  row("mains interference", noise.mains);
  row("muscle noise (broadband)", noise.muscle);

  const Eigen::VectorXd clean_reference = chain.apply(ecg.ecg_mv);
  const double snr_before = db(rms(ecg.ecg_mv) / rms(noisy - ecg.ecg_mv));
  const double snr_after = db(rms(clean_reference) / rms(cleaned - clean_reference));
  double r_in = 0.0, r_out = 0.0;
  for (const Eigen::Index r : ecg.r_peaks) {
    r_in += ecg.ecg_mv[r];
    r_out += cleaned[r];
  }
  fmt::print("\nSNR against the clean ECG: {:.1f} dB before, {:.1f} dB after ({:+.1f} dB)\n",
             snr_before, snr_after, snr_after - snr_before);
  fmt::print("mean R amplitude: {:.3f} mV clean, {:.3f} mV after cleaning ({:.1f}% kept)\n",
             r_in / static_cast<double>(ecg.r_peaks.size()),
             r_out / static_cast<double>(ecg.r_peaks.size()), 100.0 * r_out / r_in);

  // Beats: R peaks found on the noisy signal, scored against the generator's ground truth
  // (EC57 matching within 150 ms, from the first second on), then cut from the cleaned signal.
  const auto t3 = clock::now();
  const std::vector<Eigen::Index> peaks = sig::find_rpeaks(noisy, opt.fs_hz);
  const sig::Beats beats = sig::segment_beats(cleaned, opt.fs_hz, peaks);
  const auto quality_before = sig::signal_quality(noisy, opt.fs_hz);
  const auto quality_after = sig::signal_quality(cleaned, opt.fs_hz);
  const auto t4 = clock::now();
  ecgad::metrics::Ec57Options scoring;
  scoring.start_s = 1.0;
  const auto score = ecgad::metrics::score_detections(ecg.r_peaks, peaks, opt.fs_hz, {}, scoring);
  auto grades = [](const std::vector<sig::WindowQuality>& windows) {
    int count[3] = {0, 0, 0};
    for (const auto& w : windows) ++count[static_cast<int>(w.grade)];
    return fmt::format("{} good, {} acceptable, {} unusable", count[0], count[1], count[2]);
  };
  fmt::print("R peaks on the noisy signal: {} found, sensitivity {:.2f}%, positive predictivity "
             "{:.2f}% (EC57 matching)\n",
             peaks.size(), 100.0 * score.sensitivity(), 100.0 * score.positive_predictivity());
  fmt::print("beats: {} x {} samples ({} dropped at the edges)\n", beats.size(), beats.beats.cols(),
             beats.dropped_at_start + beats.dropped_at_end);
  fmt::print("signal quality of {} windows: before cleaning {}; after {}\n", quality_after.size(),
             grades(quality_before), grades(quality_after));
  const double synth_s = std::chrono::duration<double>(t1 - t0).count();
  const double clean_s = std::chrono::duration<double>(t2 - t1).count();
  const double beats_s = std::chrono::duration<double>(t4 - t3).count();
  fmt::print("time: synthesis {:.1f} ms, cleaning {:.1f} ms, R peaks + beats + quality {:.1f} ms "
             "({:.0f}x real time)\n",
             synth_s * 1e3, clean_s * 1e3, beats_s * 1e3, opt.duration_s / (clean_s + beats_s));
  return 0;
}

int run_info() {
  const auto info = ecgad::model::backend_info();
  fmt::print("ecgad {}\nLibTorch {} (intra-op threads {}, inter-op threads {}, CUDA {})\n",
             ecgad::version_string, info.torch_version, info.intra_op_threads,
             info.inter_op_threads, info.cuda_available ? "yes" : "no");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ecgad: ECG anomaly detection for production"};
  app.set_version_flag("--version", std::string(ecgad::version_string));
  app.require_subcommand(1);

  auto* info = app.add_subcommand("info", "Print the version and the training backend");

  DemoOptions demo_options;
  auto* demo = app.add_subcommand("demo", "Main job on built-in data: synthesize, clean, detect beats, report");
  demo->add_option("--duration-s", demo_options.duration_s, "Signal length in seconds")
      ->check(CLI::Range(10.0, 86400.0));
  demo->add_option("--fs-hz", demo_options.fs_hz, "Sampling rate in Hz")->check(CLI::Range(100.0, 1000.0));
  demo->add_option("--heart-rate-bpm", demo_options.heart_rate_bpm, "Mean heart rate")
      ->check(CLI::Range(30.0, 200.0));
  demo->add_option("--mains-hz", demo_options.mains_hz, "Power-line frequency (50 or 60)")
      ->check(CLI::IsMember({50.0, 60.0}));
  demo->add_option("--seed", demo_options.seed, "Random seed");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*info) return run_info();
    if (*demo) return run_demo(demo_options);
  } catch (const ecgad::Error& e) {
    std::fprintf(stderr, "ecgad: error: %s\n", e.what());
    return 2;
  }
  return 1;
}
