#pragma once
// The ECGSYN dynamical model: McSharry, Clifford, Tarassenko & Smith, "A dynamical model for
// generating synthetic electrocardiogram signals", IEEE TBME 50(3):289-294, 2003 (reference
// code: ecgsyn.m / ecgsyn.c on PhysioNet). An RR tachogram with a bimodal spectrum (Mayer waves
// + respiratory sinus arrhythmia) sets when each beat's R event happens; a point circles the unit
// limit cycle once per beat, and Gaussian events (P, Q, R, S, T) at fixed phases push z up or
// down. z, scaled to millivolts, is the ECG.
//
// This header holds the public base configuration and the model's machinery. Each beat carries
// its own Gaussian events (so a premature ventricular beat is a beat with its own θ, a, b) and
// every event is evaluated on one unwrapped phase, so morphology stays continuous from beat to
// beat whatever the events of its neighbours. synth.hpp composes it with the anomaly and drift
// models; ecgsyn() lives there.

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
/// widths are the values at 60 bpm; the generator rescales them to each beat's heart rate.
struct EcgsynWave {
  double angle_deg;  ///< θ_i: position on the limit cycle, degrees from the R event
  double amplitude;  ///< a_i: push in z (model units; the output in mV is linear in a_i)
  double width_rad;  ///< b_i: Gaussian width in phase, radians
};

/// Parameters of ecgsyn(). Defaults: the reference code ecgsyn.m (McSharry et al. 2003).
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
  std::uint64_t seed = 0;  ///< seeds the tachogram phases, the noise and every anomaly draw
  /// P, Q, R, S, T as ecgsyn.m ships them (θ = -70, -15, 0, 15, 100 degrees). The paper's
  /// Table 1 has P at -60° and T at 90°.
  std::array<EcgsynWave, 5> waves = {{{-70.0, 1.2, 0.25},
                                      {-15.0, -5.0, 0.1},
                                      {0.0, 30.0, 0.1},
                                      {15.0, -7.5, 0.1},
                                      {100.0, 0.75, 0.4}}};
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
using signal::EcgsynWave;

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kTwoPi = 2.0 * kPi;
inline constexpr double kDegToRad = kPi / 180.0;
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
// at 60 bpm spans 0.0583 model units (z from -0.0164 to 0.0419), so 27.5 mV per unit gives it
// the reference's 1.6 mV span: R at 1.15 mV and S at -0.45 mV over the z0 = 0 baseline.
inline constexpr double kMillivoltsPerUnit = 27.5;
// exp(-50) ~ 2e-22 is below any z's ulp: events farther than 10 widths are skipped.
inline constexpr double kGaussianCutoff = 50.0;
// Events of one beat: P, Q, R, S, T and the ST-segment event of synth_anomalies.hpp.
inline constexpr std::size_t kMaxEvents = 6;
inline constexpr std::size_t kWaveR = 2;

/// splitmix64 (Steele, Lea & Flood 2014): expands a 64-bit seed into generator state.
inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Random streams of one user seed; each use has its own so that switching one feature on does
/// not reshuffle the others (adding noise keeps the beats, adding PVCs keeps the tachogram).
enum Stream : std::uint64_t {
  kStreamTachogram = 1,
  kStreamWhiteNoise = 2,
  kStreamBeatDraws = 3,
  kStreamAfIntervals = 4,
  kStreamAfWaves = 5,
  kStreamEpisodeNoise = 100,   // + episode index
  kStreamRandomEpisodes = 300,  // + spec index
  kStreamDriftNoise = 500,     // + change index
};

/// xoshiro256** (Blackman & Vigna 2018) with Box-Muller normals: a fixed algorithm, so the same
/// seed gives the same numbers whatever the standard library.
class Xoshiro256ss {
 public:
  /// `stream` separates independent uses of one user seed (see Stream).
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

  /// Uniform on (0, 1]: safe under a logarithm.
  double uniform_open0() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }

  /// Exponential with mean 1.
  double exponential() { return -std::log(uniform_open0()); }

  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = uniform_open0();
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

inline void require_in_range(double value, double lo, double hi, const std::string& name,
                             const char* unit) {
  if (!(value >= lo && value <= hi)) {  // NaN fails both comparisons
    throw InvalidArgument(name + " must be in [" + format_number(lo) + ", " + format_number(hi) +
                          "] " + unit + ", got " + format_number(value));
  }
}

inline void require_open_range(double value, double lo, double hi, const std::string& name,
                               const char* unit) {
  if (!(value > lo && value < hi)) {
    throw InvalidArgument(name + " must be in (" + format_number(lo) + ", " + format_number(hi) +
                          ") " + unit + ", got " + format_number(value));
  }
}

inline void require_non_negative(double value, const std::string& name) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw InvalidArgument(name + " must be a finite number >= 0, got " + format_number(value));
  }
}

inline void require_positive_value(double value, const std::string& name) {
  require_positive(value, name.c_str());
}

inline void validate_waves(const EcgsynWave* waves, std::size_t n, const std::string& prefix) {
  static constexpr const char* kNames[5] = {"P", "Q", "R", "S", "T"};
  for (std::size_t i = 0; i < n; ++i) {
    const std::string wave = prefix + "[" + std::to_string(i) + "] (" + kNames[i] + ")";
    require_in_range(waves[i].angle_deg, -180.0, 180.0, wave + ".angle_deg", "deg");
    if (!std::isfinite(waves[i].amplitude)) {
      throw InvalidArgument(wave + ".amplitude must be finite, got " +
                            format_number(waves[i].amplitude));
    }
    require_positive_value(waves[i].width_rad, wave + ".width_rad");
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
  validate_waves(c.waves.data(), c.waves.size(), "waves");
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

/// One Gaussian event at 60 bpm plus how its angle follows the heart rate: θ(hr) = θ (hr/60)^e.
/// The reference code uses e = 1/4 for P and T, 1/2 for Q and S and 0 for R, so the QRS and QT
/// intervals shorten less than the RR interval as the rate rises; widths scale as sqrt(hr/60).
struct ShapeEvent {
  EcgsynWave wave;
  double angle_exponent;
};

/// The events of one beat at 60 bpm (P, Q, R, S, T and optionally more).
struct BeatShape {
  std::array<ShapeEvent, kMaxEvents> events{};
  std::size_t n = 0;
};

/// The shape of the configured waves, with the reference code's exponents.
inline BeatShape base_shape(const std::array<EcgsynWave, 5>& waves) {
  static constexpr double kExponent[5] = {0.25, 0.5, 0.0, 0.5, 0.25};
  BeatShape shape;
  for (std::size_t i = 0; i < 5; ++i) shape.events[i] = {waves[i], kExponent[i]};
  shape.n = 5;
  return shape;
}

/// One event after heart-rate scaling, ready for the right-hand side of eq. (3).
struct ScaledEvent {
  double theta_rad = 0.0;
  double a = 0.0;
  double inv_two_b2 = 0.0;  // 1 / (2 b²)
};

/// One beat of the model: its events (those with a != 0) at its heart rate, the angular
/// velocity they are drawn at, and the phase extent of its visible waves (θ ∓ 2b).
struct BeatModel {
  std::array<ScaledEvent, kMaxEvents> events{};
  std::size_t n = 0;
  double omega_rad_per_s = kTwoPi;
  double first_rad = 0.0;  // earliest visible phase before R (<= 0)
  double last_rad = 0.0;   // latest visible phase after R (>= 0)
};

/// The reference code's heart-rate adjustment of a beat shape at `hr_bpm`.
inline BeatModel scale_shape(const BeatShape& shape, double hr_bpm) {
  const double rate = hr_bpm / 60.0;
  const double width_factor = std::sqrt(rate);
  BeatModel m;
  m.omega_rad_per_s = kTwoPi * rate;
  for (std::size_t i = 0; i < shape.n; ++i) {
    const ShapeEvent& e = shape.events[i];
    if (e.wave.amplitude == 0.0) continue;  // an absent wave (no P in AF or in a PVC)
    const double theta = e.wave.angle_deg * kDegToRad * std::pow(rate, e.angle_exponent);
    const double b = e.wave.width_rad * width_factor;
    m.events[m.n++] = {theta, e.wave.amplitude, 1.0 / (2.0 * b * b)};
    m.first_rad = std::min(m.first_rad, theta - 2.0 * b);
    m.last_rad = std::max(m.last_rad, theta + 2.0 * b);
  }
  return m;
}

/// How the phase advances between two R events. The visible waves after R (S, T: "A") and
/// before the next R (P, Q: "C") run at their beats' reference angular velocities, and the
/// quiet TP segment between them ("B") takes up what the RR interval leaves: a premature beat
/// shortens TP, a compensatory pause lengthens it, and QRS/QT stay those of the heart rate, as
/// in a real ECG. When the RR interval is too short for that (TP squeezed below a tenth of its
/// nominal length), all three parts are compressed together; when the beats' waves overlap
/// (very high rates) the phase advances uniformly as in ecgsyn.
struct Segment {
  double tau0_s = 0.0;  // R event starting the segment, model time
  double t_a_s = 0.0, t_b_s = 0.0;
  double phi_a = kPi, phi_b = kPi;
  double rate_a = 0.0, rate_b = 0.0, rate_c = 0.0;  // rad/s
};

inline constexpr double kMinTpFraction = 0.1;

inline Segment make_segment(double tau0_s, double rr_s, const BeatModel& here,
                            const BeatModel& next) {
  Segment seg;
  seg.tau0_s = tau0_s;
  double phi_a = here.last_rad;
  double phi_b = kTwoPi + next.first_rad;
  double t_a, t_c;
  if (phi_a < phi_b) {
    const double t_a0 = phi_a / here.omega_rad_per_s;
    const double t_c0 = (kTwoPi - phi_b) / next.omega_rad_per_s;
    const double floor_b = kMinTpFraction * (phi_b - phi_a) / here.omega_rad_per_s;
    if (rr_s - t_a0 - t_c0 >= floor_b) {
      t_a = t_a0;
      t_c = t_c0;
    } else {
      const double squeeze = rr_s / (t_a0 + t_c0 + floor_b);
      t_a = squeeze * t_a0;
      t_c = squeeze * t_c0;
    }
  } else {
    phi_a = phi_b = kPi;
    t_a = t_c = 0.5 * rr_s;
  }
  const double t_b = std::max(0.0, rr_s - t_a - t_c);
  seg.t_a_s = t_a;
  seg.t_b_s = t_b;
  seg.phi_a = phi_a;
  seg.phi_b = phi_b;
  seg.rate_a = phi_a / t_a;
  seg.rate_b = t_b > 0.0 ? (phi_b - phi_a) / t_b : 0.0;
  seg.rate_c = (kTwoPi - phi_b) / (rr_s - t_a - t_b);
  return seg;
}

/// Phase since the segment's R event, in [0, 2π), at model time tau_s inside the segment.
inline double segment_phase(const Segment& seg, double tau_s) {
  const double u = tau_s - seg.tau0_s;
  if (u < seg.t_a_s) return u * seg.rate_a;
  if (u < seg.t_a_s + seg.t_b_s) return seg.phi_a + (u - seg.t_a_s) * seg.rate_b;
  return seg.phi_b + (u - seg.t_a_s - seg.t_b_s) * seg.rate_c;
}

/// Piecewise-linear map from record time t (the sample clock: sample n is at n / fs_hz) to
/// model time τ (when the heart did it). The identity unless a segment was recorded at another
/// rate than the one it is labelled with (synth_drift.hpp).
struct TimeMap {
  std::vector<double> t_start_s{0.0};  // breakpoints, ascending; piece i runs from t_start_s[i]
  std::vector<double> tau_start_s{0.0};
  std::vector<double> slope{1.0};  // dτ/dt in piece i

  double tau(double t_s) const {
    std::size_t i = t_start_s.size() - 1;
    while (i > 0 && t_s < t_start_s[i]) --i;
    if (i == 0 && t_s < t_start_s[0]) return t_s;  // warm-up: before the record, identity
    return tau_start_s[i] + (t_s - t_start_s[i]) * slope[i];
  }

  double t(double tau_s) const {
    std::size_t i = tau_start_s.size() - 1;
    while (i > 0 && tau_s < tau_start_s[i]) --i;
    if (i == 0 && tau_s < tau_start_s[0]) return tau_s;
    return t_start_s[i] + (tau_s - tau_start_s[i]) / slope[i];
  }

  /// Appends a piece of slope `slope_new` from record time t_s (ascending calls).
  void add_piece(double t_s, double slope_new) {
    const double tau_s = tau(t_s);
    t_start_s.push_back(t_s);
    tau_start_s.push_back(tau_s);
    slope.push_back(slope_new);
  }
};

/// Integrates z of eq. (3) over the record and returns it at every output sample (model units).
///
/// The (x, y) limit cycle of eq. (3) is integrated in closed form: started on the unit circle
/// it stays there (α = 0) and θ = atan2(y, x) is the integral of ω, which Segment gives exactly.
/// z is integrated with fourth-order Runge-Kutta at fs_hz * q as in ecgsyn.c. Because θ does
/// not depend on z, the Gaussian forcing is a function of time alone and each RK4 step needs it
/// at t, t + h/2 and t + h only (the last one is the next step's first).
///
/// `beat_tau_s` holds the R events (model time, ascending, the first at or before the first
/// grid point, the last two after the last one) and `models` their events.
inline Eigen::VectorXd integrate_z(const std::vector<double>& beat_tau_s,
                                   const std::vector<BeatModel>& models, const TimeMap& map,
                                   Eigen::Index n_out, double fs_hz, Eigen::Index q,
                                   double z0_amplitude, double resp_rad_per_s) {
  const std::size_t n_beats = beat_tau_s.size();
  std::vector<Segment> segments(n_beats - 1);
  for (std::size_t k = 0; k + 1 < n_beats; ++k) {
    segments[k] = make_segment(beat_tau_s[k], beat_tau_s[k + 1] - beat_tau_s[k], models[k],
                               models[k + 1]);
  }
  const double fs_int_hz = fs_hz * static_cast<double>(q);
  const Eigen::Index last_step = (n_out - 1) * q;
  const auto first_step = static_cast<Eigen::Index>(std::floor(-kWarmupS * fs_int_hz));

  std::size_t k = 0;  // segment cursor: beat_tau_s[k] <= tau < beat_tau_s[k + 1]
  auto forcing = [&](double tau_s) {
    while (k + 2 < n_beats && tau_s >= beat_tau_s[k + 1]) ++k;
    const double phi = segment_phase(segments[k], tau_s);
    double dz = z0_amplitude == 0.0 ? 0.0 : z0_amplitude * std::sin(resp_rad_per_s * tau_s);
    // Events of the previous, this, the next and the one after: every event whose 10-width
    // span reaches this phase (the segment is at most one turn; widths are below 1 rad).
    const std::size_t j_lo = k > 0 ? k - 1 : 0;
    const std::size_t j_hi = std::min(n_beats - 1, k + 2);
    for (std::size_t j = j_lo; j <= j_hi; ++j) {
      const double base = phi + kTwoPi * (static_cast<double>(k) - static_cast<double>(j));
      const BeatModel& m = models[j];
      for (std::size_t i = 0; i < m.n; ++i) {
        const ScaledEvent& e = m.events[i];
        const double d = base - e.theta_rad;
        const double ex = d * d * e.inv_two_b2;
        if (ex < kGaussianCutoff) dz -= e.a * d * std::exp(-ex);
      }
    }
    return dz;  // everything of dz/dt but -z
  };

  Eigen::VectorXd z_out(n_out);
  double z = 0.0;
  const double dt_s = 1.0 / fs_int_hz;
  double tau = map.tau(static_cast<double>(first_step) * dt_s);
  double g0 = forcing(tau);
  for (Eigen::Index step = first_step;; ++step) {
    if (step >= 0 && step % q == 0) z_out[step / q] = z;
    if (step == last_step) break;
    const double tau1 = map.tau(static_cast<double>(step + 1) * dt_s);
    const double h = tau1 - tau;
    const double g_mid = forcing(tau + 0.5 * h);
    const double g1 = forcing(tau1);
    const double k1 = g0 - z;
    const double k2 = g_mid - (z + 0.5 * h * k1);
    const double k3 = g_mid - (z + 0.5 * h * k2);
    const double k4 = g1 - (z + h * k3);
    z += h / 6.0 * (k1 + 2.0 * (k2 + k3) + k4);
    tau = tau1;
    g0 = g1;
  }
  return z_out;
}

}  // namespace ecgad::detail::synth
