#pragma once
// Synthetic ECG from the ECGSYN dynamical model: McSharry, Clifford, Tarassenko & Smith, "A
// dynamical model for generating synthetic electrocardiogram signals", IEEE TBME 50(3):289-294,
// 2003 (reference code: ecgsyn.m / ecgsyn.c on PhysioNet). An RR tachogram with a bimodal
// spectrum (Mayer waves + respiratory sinus arrhythmia) drives the angular velocity of a point
// circling a unit limit cycle; five Gaussian events (P, Q, R, S, T) push it up or down in z,
// and z, scaled to millivolts, is the ECG. The R events are returned as ground truth for R-peak
// detectors and the realized RR intervals as ground truth for HRV.

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <unsupported/Eigen/FFT>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

/// One Gaussian event of the model, as a row of Table 1 of McSharry et al. 2003. Angles and
/// widths are the values at 60 bpm; ecgsyn() rescales them to the configured mean heart rate.
struct EcgsynWave {
  double angle_deg;  ///< θ_i: position on the limit cycle, degrees from the R event
  double amplitude;  ///< a_i: push in z (model units; the output in mV is linear in a_i)
  double width_rad;  ///< b_i: Gaussian width in phase, radians
};

/// Parameters of ecgsyn(). Defaults: McSharry et al. 2003 (Table 1 and Section II).
struct EcgSynthConfig {
  double fs_hz = 360.0;             ///< output sampling rate, in [50, 2000] Hz
  double duration_s = 10.0;         ///< length of the record, (0, 48 h]
  double heart_rate_bpm = 60.0;     ///< mean heart rate, in [20, 250] bpm
  double heart_rate_std_bpm = 1.0;  ///< its standard deviation, in [0, heart_rate_bpm / 10]
  double lf_hf_ratio = 0.5;         ///< σ1²/σ2²: LF (Mayer) power over HF (RSA) power, >= 0
  double lf_hz = 0.1;               ///< f1: centre of the Mayer-wave peak, in (0, 0.5) Hz
  double lf_std_hz = 0.01;          ///< c1: its standard deviation, > 0
  double hf_hz = 0.25;              ///< f2: centre of the RSA peak = respiration rate, (0, 0.5) Hz
  double hf_std_hz = 0.01;          ///< c2: its standard deviation, > 0
  /// A of the baseline z0(t) = A sin(2π f2 t) that z relaxes towards (0 disables it). The ECG's
  /// own wander is about 0.54 A because z follows z0 through the model's 1-s relaxation.
  double baseline_wander_mv = 0.15;
  double noise_mv = 0.0;   ///< standard deviation of additive white Gaussian noise, >= 0 mV
  std::uint64_t seed = 0;  ///< seeds the tachogram phases and the noise
  /// P, Q, R, S, T. The paper's Table 1; ecgsyn.m ships P at -70° and T at 100° instead.
  std::array<EcgsynWave, 5> waves = {{{-60.0, 1.2, 0.25},
                                      {-15.0, -5.0, 0.1},
                                      {0.0, 30.0, 0.1},
                                      {15.0, -7.5, 0.1},
                                      {90.0, 0.75, 0.4}}};
};

/// A synthetic record and its ground truth.
struct SyntheticEcg {
  /// The ECG in mV. z0 = 0 maps to 0 mV; the TP segment sits ~0.1 mV below it because z
  /// undershoots after the R wave and relaxes back with the model's 1-s time constant.
  Eigen::VectorXd ecg_mv;
  /// Sample index of each R wave: the sample nearest the R event (phase crossing θ_R), moved to
  /// the extremum of the clean signal within max(2, ceil(fs/64)) samples as ecgsyn does.
  std::vector<Eigen::Index> r_peaks;
  Eigen::VectorXd r_peak_times_s;  ///< exact time of each R event, s from the first sample
  Eigen::VectorXd rr_s;            ///< r_peak_times_s[k+1] - r_peak_times_s[k], s
  double fs_hz = 0.0;              ///< sampling rate of ecg_mv
};

}  // namespace ecgad::signal

// Internals live in their own namespace so that `detail::` lookups in other signal headers keep
// resolving to ecgad::detail whatever the include order.
namespace ecgad::detail::synth {

using signal::EcgSynthConfig;

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kTwoPi = 2.0 * kPi;
inline constexpr double kMaxDurationS = 48.0 * 3600.0;
// ODE integration rate floor: the R event is ~16 ms wide at 60 bpm and ~8 ms at 250 bpm, so
// RK4 at >= 1 kHz keeps R amplitudes within 0.1% of the converged value.
inline constexpr double kMinInternalFsHz = 1000.0;
// The tachogram is synthesized on a 1 Hz grid (as ecgsyn.m) and evaluated between those samples
// by exact band-limited (zero-padded FFT) interpolation to this rate, then linearly.
inline constexpr Eigen::Index kTachogramUpsample = 8;
// z needs a few of its 1-s relaxation times to forget the initial condition: start this early.
inline constexpr double kWarmupS = 15.0;
// Output gain. ecgsyn.m rescales each record so that min..max becomes -0.4..1.2 mV; a fixed
// factor instead keeps amplitudes comparable across records and linear in a_i. The default beat
// at 60 bpm spans 0.05823 model units (z from -0.0163 to 0.0420), so 27.5 mV per unit gives it
// the reference's 1.6 mV span: R at 1.15 mV and S at -0.45 mV over the z0 = 0 baseline.
inline constexpr double kMillivoltsPerUnit = 27.5;

/// splitmix64 (Steele, Lea & Flood 2014): expands a 64-bit seed into generator state.
inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman & Vigna 2018) with Box-Muller normals: a fixed algorithm, so the same
/// seed gives the same numbers whatever the standard library.
class Xoshiro256ss {
 public:
  /// `stream` separates independent uses of one user seed (tachogram phases, noise).
  Xoshiro256ss(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (auto& word : s_) word = splitmix64(x);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = static_cast<double>((next() >> 11) + 1) * 0x1.0p-53;  // (0, 1]: log finite
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(kTwoPi * u2);
    has_spare_ = true;
    return radius * std::cos(kTwoPi * u2);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

inline void require_in_range(double value, double lo, double hi, const char* name,
                             const char* unit) {
  if (!(value >= lo && value <= hi)) {  // NaN fails both comparisons
    throw InvalidArgument(std::string(name) + " must be in [" + format_number(lo) + ", " +
                          format_number(hi) + "] " + unit + ", got " + format_number(value));
  }
}

inline void require_open_range(double value, double lo, double hi, const char* name,
                               const char* unit) {
  if (!(value > lo && value < hi)) {
    throw InvalidArgument(std::string(name) + " must be in (" + format_number(lo) + ", " +
                          format_number(hi) + ") " + unit + ", got " + format_number(value));
  }
}

inline void require_non_negative(double value, const char* name) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw InvalidArgument(std::string(name) + " must be a finite number >= 0, got " +
                          format_number(value));
  }
}

inline void validate(const EcgSynthConfig& c) {
  require_in_range(c.fs_hz, 50.0, 2000.0, "fs_hz", "Hz");
  if (!(c.duration_s > 0.0 && c.duration_s <= kMaxDurationS)) {
    throw InvalidArgument("duration_s must be in (0, " + format_number(kMaxDurationS) +
                          "] s (48 h), got " + format_number(c.duration_s));
  }
  if (c.duration_s * c.fs_hz < 0.5) {
    throw InvalidArgument("duration_s * fs_hz must give at least one sample, got duration_s = " +
                          format_number(c.duration_s) + " s at fs_hz = " + format_number(c.fs_hz) +
                          " Hz");
  }
  require_in_range(c.heart_rate_bpm, 20.0, 250.0, "heart_rate_bpm", "bpm");
  // Beyond a tenth of the mean rate the Gaussian tachogram starts to reach RR intervals near 0.
  require_in_range(c.heart_rate_std_bpm, 0.0, c.heart_rate_bpm / 10.0,
                   "heart_rate_std_bpm (at most heart_rate_bpm / 10)", "bpm");
  require_non_negative(c.lf_hf_ratio, "lf_hf_ratio");
  require_open_range(c.lf_hz, 0.0, 0.5, "lf_hz", "Hz (below the 1 Hz tachogram's Nyquist)");
  require_open_range(c.hf_hz, 0.0, 0.5, "hf_hz", "Hz (below the 1 Hz tachogram's Nyquist)");
  require_positive(c.lf_std_hz, "lf_std_hz");
  require_positive(c.hf_std_hz, "hf_std_hz");
  require_non_negative(c.baseline_wander_mv, "baseline_wander_mv");
  require_non_negative(c.noise_mv, "noise_mv");
  static constexpr const char* kNames[5] = {"P", "Q", "R", "S", "T"};
  for (std::size_t i = 0; i < c.waves.size(); ++i) {
    const std::string wave = "waves[" + std::to_string(i) + "] (" + kNames[i] + ")";
    require_in_range(c.waves[i].angle_deg, -180.0, 180.0, (wave + ".angle_deg").c_str(), "deg");
    if (!std::isfinite(c.waves[i].amplitude)) {
      throw InvalidArgument(wave + ".amplitude must be finite, got " +
                            format_number(c.waves[i].amplitude));
    }
    require_positive(c.waves[i].width_rad, (wave + ".width_rad").c_str());
  }
}

/// Wraps an angle difference into [-π, π]: the paper's Δθ_i = (θ - θ_i) mod 2π. (ecgsyn.m and
/// ecgsyn.c use rem/fmod, which keep the sign and leave a jump at θ = ±π that cuts the tail of
/// the T wave at high heart rates.) Valid for |d| <= 3π.
inline double wrap_angle(double d) {
  if (d > kPi) return d - kTwoPi;
  if (d < -kPi) return d + kTwoPi;
  return d;
}

/// The RR process of Section II-A, sampled at kTachogramUpsample Hz over `period_s` seconds and
/// periodic with that period: amplitudes sqrt(S(f)) of eq. (1), phases uniform on [0, 2π) from
/// `rng`, inverse FFT, then scaled to the mean 60/hr and standard deviation 60 hr_std / hr² of
/// the reference code (the RR equivalents of the heart-rate mean and standard deviation).
inline Eigen::VectorXd rr_process(const EcgSynthConfig& c, Eigen::Index period_s,
                                  Xoshiro256ss& rng) {
  const Eigen::Index n = period_s;  // 1 Hz grid, a power of two
  const Eigen::Index n_fine = n * kTachogramUpsample;
  const double df_hz = 1.0 / static_cast<double>(n);
  auto gaussian = [](double f, double mean, double sd) {
    const double u = (f - mean) / sd;
    return std::exp(-0.5 * u * u) / std::sqrt(kTwoPi * sd * sd);
  };
  // Half spectrum of the fine grid; bins above the 1 Hz grid's band stay zero, which makes the
  // fine series the exact band-limited interpolation of the 1 Hz one. DC stays zero (the mean is
  // added below) and so does the 0.5 Hz bin, where S is ~exp(-1000) anyway.
  std::vector<std::complex<double>> spectrum(static_cast<std::size_t>(n_fine / 2 + 1));
  for (Eigen::Index k = 1; k < n / 2; ++k) {
    const double f_hz = static_cast<double>(k) * df_hz;
    const double s = c.lf_hf_ratio * gaussian(f_hz, c.lf_hz, c.lf_std_hz) +
                     gaussian(f_hz, c.hf_hz, c.hf_std_hz);  // eq. (1) with σ2² = 1
    spectrum[static_cast<std::size_t>(k)] = std::polar(std::sqrt(s), kTwoPi * rng.uniform());
  }
  std::vector<double> x(static_cast<std::size_t>(n_fine));
  Eigen::FFT<double> fft;
  fft.inv(x.data(), spectrum.data(), n_fine);  // real output from the half spectrum, 1/N scaled
  const Eigen::Map<Eigen::VectorXd> xv(x.data(), n_fine);
  const double x_std = std::sqrt(xv.squaredNorm() / static_cast<double>(n_fine));  // mean is 0
  const double rr_mean_s = 60.0 / c.heart_rate_bpm;
  const double rr_std_s = 60.0 * c.heart_rate_std_bpm / (c.heart_rate_bpm * c.heart_rate_bpm);
  const double gain = x_std > 0.0 ? rr_std_s / x_std : 0.0;
  return (xv * gain).array() + rr_mean_s;
}

/// rr(t) of the periodic tachogram sampled at kTachogramUpsample Hz, linear between samples.
inline double rr_at(const Eigen::VectorXd& rr_fine, double t_s) {
  const double period_s = static_cast<double>(rr_fine.size() / kTachogramUpsample);
  double u = std::fmod(t_s, period_s);
  if (u < 0.0) u += period_s;
  u *= static_cast<double>(kTachogramUpsample);
  const double floor_u = std::floor(u);
  const auto i0 = static_cast<Eigen::Index>(floor_u) % rr_fine.size();
  const Eigen::Index i1 = (i0 + 1) % rr_fine.size();
  const double w = u - floor_u;
  return (1.0 - w) * rr_fine[i0] + w * rr_fine[i1];
}

/// The Gaussian events after the reference code's heart-rate adjustment: widths times
/// sqrt(hr/60), Q and S angles times sqrt(hr/60), P and T angles times (hr/60)^(1/4), R fixed,
/// so the QRS and QT intervals shorten less than the RR interval as the rate rises.
struct ScaledWaves {
  std::array<double, 5> theta_rad{};
  std::array<double, 5> a{};
  std::array<double, 5> inv_two_b2{};  // 1 / (2 b_i²)
};

inline ScaledWaves scale_waves(const EcgSynthConfig& c) {
  const double hr_fact = std::sqrt(c.heart_rate_bpm / 60.0);
  const double hr_fact2 = std::sqrt(hr_fact);
  const std::array<double, 5> angle_fact = {hr_fact2, hr_fact, 1.0, hr_fact, hr_fact2};
  ScaledWaves w;
  for (std::size_t i = 0; i < 5; ++i) {
    const double theta = c.waves[i].angle_deg * kPi / 180.0 * angle_fact[i];
    w.theta_rad[i] = std::remainder(theta, kTwoPi);  // back into [-π, π] after the stretch
    w.a[i] = c.waves[i].amplitude;
    const double b = c.waves[i].width_rad * hr_fact;
    w.inv_two_b2[i] = 1.0 / (2.0 * b * b);
  }
  return w;
}

/// State (x, y, z) of the three coupled ODEs, eq. (3).
struct EcgsynState {
  double x, y, z;
};

/// Right-hand side of eq. (3): the limit cycle of unit radius in (x, y) traversed at angular
/// velocity ω, and z pushed by the Gaussian events and relaxed towards the baseline z0.
inline EcgsynState ecgsyn_derivative(const EcgsynState& s, double omega, double z0,
                                     const ScaledWaves& w) {
  const double alpha = 1.0 - std::sqrt(s.x * s.x + s.y * s.y);
  const double theta = std::atan2(s.y, s.x);
  double dz = -(s.z - z0);
  for (std::size_t i = 0; i < 5; ++i) {
    const double d = wrap_angle(theta - w.theta_rad[i]);
    const double e = d * d * w.inv_two_b2[i];
    if (e < 50.0) dz -= w.a[i] * d * std::exp(-e);  // exp(-50) ~ 2e-22: below any z's ulp
  }
  return {alpha * s.x - omega * s.y, alpha * s.y + omega * s.x, dz};
}

}  // namespace ecgad::detail::synth

namespace ecgad::signal {

/// Generates a synthetic ECG with the ECGSYN model (McSharry et al., IEEE TBME 50(3), 2003).
///
/// The RR tachogram has the bimodal spectrum of eq. (1) with random phases from `seed`; each
/// beat's angular velocity is ω = 2π / RR, held for the beat, with the RR interval rounded to
/// the integration grid so the R event of every beat falls on a grid point. Eq. (3) is
/// integrated with fourth-order Runge-Kutta at fs_hz * q (q = ceil(1000 Hz / fs_hz)) and every
/// q-th sample kept, as in ecgsyn.c. z is scaled to mV by a fixed gain that gives the default
/// beat the 1.6 mV span ecgsyn.m rescales to (-0.45..1.15 mV). Same config -> same bytes.
/// Throws InvalidArgument naming the offending field when the config is out of range.
inline SyntheticEcg ecgsyn(const EcgSynthConfig& config) {
  namespace synth = ::ecgad::detail::synth;
  using synth::kTwoPi;
  synth::validate(config);
  const double fs_hz = config.fs_hz;
  const auto q = static_cast<Eigen::Index>(std::ceil(synth::kMinInternalFsHz / fs_hz));
  const double fs_int_hz = fs_hz * static_cast<double>(q);
  const double dt_s = 1.0 / fs_int_hz;
  const auto n_out = static_cast<Eigen::Index>(std::llround(config.duration_s * fs_hz));
  const Eigen::Index last_step = (n_out - 1) * q;  // internal step of the last output sample
  const auto warmup_steps = static_cast<Eigen::Index>(std::ceil(synth::kWarmupS * fs_int_hz));

  // Tachogram long enough for warm-up, record and one more beat, without wrapping around.
  const double span_s = synth::kWarmupS + config.duration_s + 10.0;
  Eigen::Index period_s = 1024;  // >= 1024 s resolves the 0.01 Hz-wide spectral peaks
  while (static_cast<double>(period_s) < span_s) period_s *= 2;
  synth::Xoshiro256ss phase_rng(config.seed, 1);
  const Eigen::VectorXd rr_fine = synth::rr_process(config, period_s, phase_rng);

  const synth::ScaledWaves waves = synth::scale_waves(config);
  const double theta_r = waves.theta_rad[2];
  const double z0_amplitude = config.baseline_wander_mv / synth::kMillivoltsPerUnit;
  const double resp_rad_per_s = kTwoPi * config.hf_hz;
  auto baseline = [&](double t_s) {
    return z0_amplitude == 0.0 ? 0.0 : z0_amplitude * std::sin(resp_rad_per_s * t_s);
  };

  SyntheticEcg out;
  out.fs_hz = fs_hz;
  Eigen::VectorXd& z_out = out.ecg_mv;  // z first, scaled to mV in place (records reach GBs)
  z_out.resize(n_out);
  std::vector<Eigen::Index> r_steps;  // internal step of each R event inside the record
  r_steps.reserve(static_cast<std::size_t>(config.duration_s * config.heart_rate_bpm / 30.0) + 4);

  // Start warm-up seconds early at an R event (like ecgsyn, which starts at θ = 0).
  synth::EcgsynState s{std::cos(theta_r), std::sin(theta_r), 0.0};
  double beat_t_s = -static_cast<double>(warmup_steps) * dt_s;  // unrounded event time
  Eigen::Index step = -warmup_steps;
  const double half_dt_s = 0.5 * dt_s;
  while (step <= last_step) {
    if (step >= 0) r_steps.push_back(step);
    beat_t_s += synth::rr_at(rr_fine, beat_t_s);
    // Rounding the running time (not each interval) keeps the mean RR exact, as ecgsyn does.
    const auto next_step = static_cast<Eigen::Index>(std::llround(beat_t_s * fs_int_hz));
    const Eigen::Index beat_steps = next_step - step;
    if (beat_steps < 8) {  // unreachable with the validated ranges; guards ω against blowing up
      throw InvalidArgument(
          "heart_rate_std_bpm = " + ecgad::detail::format_number(config.heart_rate_std_bpm) +
          " produced an RR interval of " +
          ecgad::detail::format_number(static_cast<double>(beat_steps) * dt_s) +
          " s; lower heart_rate_std_bpm");
    }
    // ω = 2π / RR over exactly the beat's grid steps, so θ completes one turn per beat.
    const double omega = kTwoPi / (static_cast<double>(beat_steps) * dt_s);
    const Eigen::Index end = std::min(next_step, last_step + 1);
    double z0_start = baseline(static_cast<double>(step) * dt_s);
    for (; step < end; ++step) {
      if (step >= 0 && step % q == 0) z_out[step / q] = s.z;
      const double t_s = static_cast<double>(step) * dt_s;
      const double z0_mid = baseline(t_s + half_dt_s);
      const double z0_end = baseline(static_cast<double>(step + 1) * dt_s);
      const auto k1 = synth::ecgsyn_derivative(s, omega, z0_start, waves);
      const auto k2 = synth::ecgsyn_derivative(
          {s.x + half_dt_s * k1.x, s.y + half_dt_s * k1.y, s.z + half_dt_s * k1.z}, omega, z0_mid,
          waves);
      const auto k3 = synth::ecgsyn_derivative(
          {s.x + half_dt_s * k2.x, s.y + half_dt_s * k2.y, s.z + half_dt_s * k2.z}, omega, z0_mid,
          waves);
      const auto k4 = synth::ecgsyn_derivative(
          {s.x + dt_s * k3.x, s.y + dt_s * k3.y, s.z + dt_s * k3.z}, omega, z0_end, waves);
      const double h6 = dt_s / 6.0;
      s.x += h6 * (k1.x + 2.0 * (k2.x + k3.x) + k4.x);
      s.y += h6 * (k1.y + 2.0 * (k2.y + k3.y) + k4.y);
      s.z += h6 * (k1.z + 2.0 * (k2.z + k3.z) + k4.z);
      z0_start = z0_end;
    }
    step = next_step;
  }

  out.ecg_mv *= synth::kMillivoltsPerUnit;

  // R peaks: nearest output sample to the event, then the extremum of the clean signal nearby,
  // with ecgsyn's search half-width.
  const Eigen::Index search =
      std::max<Eigen::Index>(2, static_cast<Eigen::Index>(std::ceil(fs_hz / 64.0)));
  const double r_sign = config.waves[2].amplitude >= 0.0 ? 1.0 : -1.0;
  const auto n_r = static_cast<Eigen::Index>(r_steps.size());
  out.r_peaks.reserve(r_steps.size());
  out.r_peak_times_s.resize(n_r);
  for (Eigen::Index k = 0; k < n_r; ++k) {
    const Eigen::Index r_step = r_steps[static_cast<std::size_t>(k)];
    out.r_peak_times_s[k] = static_cast<double>(r_step) * dt_s;
    const Eigen::Index nearest = std::min((r_step + q / 2) / q, n_out - 1);
    const Eigen::Index lo = std::max<Eigen::Index>(0, nearest - search);
    const Eigen::Index hi = std::min(n_out - 1, nearest + search);
    Eigen::Index best = lo;
    for (Eigen::Index i = lo + 1; i <= hi; ++i) {
      if (r_sign * out.ecg_mv[i] > r_sign * out.ecg_mv[best]) best = i;
    }
    out.r_peaks.push_back(best);
  }
  out.rr_s =
      n_r > 1 ? Eigen::VectorXd(out.r_peak_times_s.tail(n_r - 1) - out.r_peak_times_s.head(n_r - 1))
              : Eigen::VectorXd();

  if (config.noise_mv > 0.0) {
    synth::Xoshiro256ss noise_rng(config.seed, 2);
    for (Eigen::Index i = 0; i < n_out; ++i) out.ecg_mv[i] += config.noise_mv * noise_rng.normal();
  }
  return out;
}

}  // namespace ecgad::signal
