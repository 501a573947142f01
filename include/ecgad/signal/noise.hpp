#pragma once
// Adding a noise record to a clean ECG at a chosen signal-to-noise ratio, with the SNR defined
// exactly as PhysioNet's `nst` (noise stress test) program defines it for the MIT-BIH Noise
// Stress Test Database (Moody, Muldrow & Mark, "A noise stress test for arrhythmia detectors",
// Computers in Cardiology 11:381-384, 1984; WFDB Applications Guide, nst(1) and sigamp(1)):
//
//   S   = signal size: the peak-to-peak amplitude of the ECG in a window of +-50 ms around each
//         of the first 300 "normal" QRS annotations (sigamp -a), reduced to a 5 %-trimmed mean
//         (sorted, the lowest and highest floor(n / 20) dropped);
//   N   = noise size: the RMS (about the window mean) of each of the first 300 consecutive 1-s
//         windows of the noise (sigamp -r), reduced to the same trimmed mean;
//   SNR = 10 log10((S^2 / 8) / (g N)^2) dB: S^2 / 8 is the power of a sinusoid with S peak to
//         peak, so nst scales the noise by g = 10^(-SNR / 20) * sqrt(2) / 4 * S / N.
//
// "Normal" is WFDB's map1(): every QRS annotation except ventricular ones (V, E, r, !) and
// fusions (F) - nst_reference_beat(). Differences from nst, all deliberate: nst adds noise only
// in alternating 2-minute segments from minute 5 (its default protocol); add_noise_at_snr()
// adds it everywhere (pass a masked noise to reproduce the protocol). sigamp works on integer
// ADC units and truncates each sample's deviation from the window mean to an integer; here the
// physical values are used as they are. Beats whose +-50 ms window runs past an end of the
// signal are skipped. Deterministic: no random choice is involved.

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

/// The measurement windows of nst / sigamp; the defaults are theirs.
struct NstConfig {
  double qrs_half_window_s = 0.05;   ///< sigamp -a: peak-to-peak in [t - 0.05 s, t + 0.05 s]
  Eigen::Index max_measurements = 300;  ///< sigamp NMAX: beats (windows) measured at most
  double rms_window_s = 1.0;         ///< sigamp -r: RMS window
};

/// Options of add_noise_at_snr().
struct NoiseMixConfig {
  /// First noise sample to use. When the noise runs out it wraps to its sample 0, shifted so
  /// that the noise contribution continues without a step (as nst does at the end of the noise
  /// record).
  Eigen::Index noise_offset_samples = 0;
  NstConfig nst;
};

/// The result of add_noise_at_snr().
struct NoiseMix {
  Eigen::VectorXd noisy;          ///< clean + gain * noise
  double gain = 0.0;              ///< the noise scale g
  double signal_amplitude = 0.0;  ///< S, in the clean signal's units (peak to peak)
  double noise_amplitude = 0.0;   ///< N, RMS of the unscaled noise
  double snr_db = 0.0;            ///< the SNR asked for
};

/// True for the MIT-BIH beat symbols WFDB's map1() calls NORMAL, the ones nst measures S on:
/// N L R a J A S j / Q B e n f (not V E r ! F, and not non-beat annotations).
inline bool nst_reference_beat(std::string_view mit_symbol) {
  if (mit_symbol.size() != 1) return false;
  switch (mit_symbol[0]) {
    case 'N': case 'L': case 'R': case 'a': case 'J': case 'A': case 'S': case 'j':
    case '/': case 'Q': case 'B': case 'e': case 'n': case 'f':
      return true;
    default:
      return false;
  }
}

namespace detail {

// sigamp's trimmed mean: sort, drop floor(n / 20) values at each end, average the rest.
inline double nst_trimmed_mean(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t drop = values.size() / 20;
  double sum = 0.0;
  for (std::size_t i = drop; i < values.size() - drop; ++i) sum += values[i];
  return sum / static_cast<double>(values.size() - 2 * drop);
}

// WFDB strtim() for a time in seconds: (long)(seconds * fs + 0.5).
inline Eigen::Index nst_samples(double seconds, double fs_hz) {
  return static_cast<Eigen::Index>(seconds * fs_hz + 0.5);
}

inline void validate_nst(double fs_hz, const NstConfig& c) {
  require_positive(fs_hz, "fs_hz");
  require_positive(c.qrs_half_window_s, "qrs_half_window_s");
  require_positive(c.rms_window_s, "rms_window_s");
  if (c.max_measurements < 1) {
    throw InvalidArgument("max_measurements must be >= 1, got " +
                          std::to_string(c.max_measurements));
  }
  if (nst_samples(c.rms_window_s, fs_hz) < 2) {
    throw InvalidArgument("rms_window_s = " + format_number(c.rms_window_s) + " s at " +
                          format_number(fs_hz) + " Hz spans fewer than 2 samples");
  }
}

}  // namespace detail

/// nst's signal size S (sigamp -a): 5 %-trimmed mean of the peak-to-peak amplitudes within
/// +-qrs_half_window_s of the first max_measurements `reference_beats` (sample indices, strictly
/// increasing; pass the beats nst_reference_beat() accepts) whose window fits in the signal.
inline double nst_signal_amplitude(const Eigen::Ref<const Eigen::VectorXd>& signal, double fs_hz,
                                   const Eigen::Ref<const IndexVector>& reference_beats,
                                   const NstConfig& config = {}) {
  detail::validate_nst(fs_hz, config);
  detail::require_finite(signal, "signal");
  detail::require_increasing_peaks(reference_beats, -1, "reference_beats");
  const Eigen::Index half = detail::nst_samples(config.qrs_half_window_s, fs_hz);
  std::vector<double> amplitudes;
  for (Eigen::Index k = 0; k < reference_beats.size(); ++k) {
    if (static_cast<Eigen::Index>(amplitudes.size()) >= config.max_measurements) break;
    const Eigen::Index t = reference_beats[k];
    if (t - half < 0 || t + half > signal.size() - 1) continue;
    const auto window = signal.segment(t - half, 2 * half + 1);
    amplitudes.push_back(window.maxCoeff() - window.minCoeff());
  }
  if (amplitudes.empty()) {
    throw InvalidArgument("no reference beat has a whole +-" +
                          detail::format_number(config.qrs_half_window_s) +
                          " s window inside the signal of " + std::to_string(signal.size()) +
                          " samples (" + std::to_string(reference_beats.size()) +
                          " beats given); nst needs at least one to measure the QRS amplitude");
  }
  return detail::nst_trimmed_mean(std::move(amplitudes));
}

/// nst's noise size N (sigamp -r): 5 %-trimmed mean of the RMS (about each window's mean) of the
/// first max_measurements consecutive rms_window_s windows of `noise`; a partial last window is
/// not used.
inline double nst_noise_amplitude(const Eigen::Ref<const Eigen::VectorXd>& noise, double fs_hz,
                                  const NstConfig& config = {}) {
  detail::validate_nst(fs_hz, config);
  detail::require_finite(noise, "noise");
  const Eigen::Index w = detail::nst_samples(config.rms_window_s, fs_hz);
  const Eigen::Index windows = std::min(config.max_measurements, noise.size() / w);
  if (windows < 1) {
    throw InvalidArgument("noise of " + std::to_string(noise.size()) +
                          " samples is shorter than one RMS window of " +
                          detail::format_number(config.rms_window_s) + " s (" +
                          std::to_string(w) + " samples)");
  }
  std::vector<double> rms(static_cast<std::size_t>(windows));
  for (Eigen::Index k = 0; k < windows; ++k) {
    const auto seg = noise.segment(k * w, w);
    const double mean = seg.mean();
    rms[static_cast<std::size_t>(k)] =
        std::sqrt((seg.array() - mean).square().sum() / static_cast<double>(w));
  }
  return detail::nst_trimmed_mean(std::move(rms));
}

/// nst's noise gain for a target SNR: g = 10^(-snr_db / 20) * sqrt(2) / 4 * S / N.
inline double nst_noise_gain(double snr_db, double signal_amplitude, double noise_amplitude) {
  if (!std::isfinite(snr_db)) {
    throw InvalidArgument("snr_db must be finite, got " + detail::format_number(snr_db));
  }
  require_positive(signal_amplitude, "signal amplitude S");
  if (!(noise_amplitude > 0.0) || !std::isfinite(noise_amplitude)) {
    throw InvalidArgument("noise amplitude N must be > 0 (nst: \"noise amplitude is zero -- "
                          "can't normalize\"), got " + detail::format_number(noise_amplitude));
  }
  return std::pow(10.0, -snr_db / 20.0) * std::sqrt(2.0) / 4.0 * signal_amplitude /
         noise_amplitude;
}

/// The SNR nst assigns to a signal of size S with added noise of size N (both measured as above):
/// 10 log10((S^2 / 8) / N^2) dB.
inline double nst_snr_db(double signal_amplitude, double noise_amplitude) {
  require_positive(signal_amplitude, "signal amplitude S");
  require_positive(noise_amplitude, "noise amplitude N");
  return 10.0 * std::log10(signal_amplitude * signal_amplitude / 8.0 /
                           (noise_amplitude * noise_amplitude));
}

/// Adds `noise` (same sampling rate, same units) to `clean` at `snr_db` as nst defines it: S is
/// measured on `clean` around `reference_beats` (normal QRS sample indices, strictly
/// increasing), N on the noise from noise_offset_samples. The noise is used from that offset
/// and wraps around when shorter than the clean signal (see NoiseMixConfig).
inline NoiseMix add_noise_at_snr(const Eigen::Ref<const Eigen::VectorXd>& clean,
                                 const Eigen::Ref<const Eigen::VectorXd>& noise, double fs_hz,
                                 const Eigen::Ref<const IndexVector>& reference_beats,
                                 double snr_db, const NoiseMixConfig& config = {}) {
  if (clean.size() == 0) throw InvalidArgument("clean signal is empty");
  const Eigen::Index offset = config.noise_offset_samples;
  if (offset < 0 || offset >= noise.size()) {
    throw InvalidArgument("noise_offset_samples must be in [0, " + std::to_string(noise.size()) +
                          ") (the noise length), got " + std::to_string(offset));
  }
  detail::require_finite(noise, "noise");
  NoiseMix out;
  out.snr_db = snr_db;
  out.signal_amplitude = nst_signal_amplitude(clean, fs_hz, reference_beats, config.nst);
  out.noise_amplitude = nst_noise_amplitude(noise.tail(noise.size() - offset), fs_hz, config.nst);
  out.gain = nst_noise_gain(snr_db, out.signal_amplitude, out.noise_amplitude);
  out.noisy.resize(clean.size());
  double shift = 0.0;  // keeps the noise continuous across a wrap
  Eigen::Index j = offset;
  for (Eigen::Index i = 0; i < clean.size(); ++i, ++j) {
    if (j == noise.size()) {
      j = 0;
      // The sample after the wrap repeats the last noise value, then follows the noise's steps.
      shift += noise[0] - noise[noise.size() - 1];
    }
    out.noisy[i] = clean[i] + out.gain * (noise[j] - shift);
  }
  return out;
}

/// add_noise_at_snr() for reference beats held in a std::vector.
inline NoiseMix add_noise_at_snr(const Eigen::Ref<const Eigen::VectorXd>& clean,
                                 const Eigen::Ref<const Eigen::VectorXd>& noise, double fs_hz,
                                 const std::vector<Eigen::Index>& reference_beats, double snr_db,
                                 const NoiseMixConfig& config = {}) {
  const Eigen::Map<const IndexVector> beats(reference_beats.data(),
                                            static_cast<Eigen::Index>(reference_beats.size()));
  return add_noise_at_snr(clean, noise, fs_hz, beats, snr_db, config);
}

}  // namespace ecgad::signal
