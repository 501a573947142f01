#pragma once
// Labelled anomalies for the synthetic ECG: ectopic beats, ST-segment and T-wave changes, atrial
// fibrillation episodes and noise bursts, with the reference labels a scorer needs.
//
// Beat anomalies live inside the dynamical model (synth_model.hpp) as beats with their own
// Gaussian events: a premature ventricular beat is early and has its own wide QRS and discordant
// T; a supraventricular one is early with an abnormal P; ST shifts add an event between S and T;
// an inverted T is a negative a_T. The rhythm model places them on the sinus tachogram with the
// textbook timing (fully compensatory pause after a PVC, sinus reset after an SPB). AF replaces
// the sinus RR by irregularly irregular intervals, removes P waves and adds fibrillatory waves.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/aami.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/iir_design.hpp"
#include "ecgad/signal/sos_filter.hpp"
#include "ecgad/signal/synth_model.hpp"

namespace ecgad::signal {

/// Per-beat anomaly labels, one bit each. ST and T changes are not ANSI/AAMI EC57 classes, so
/// they are kept apart from the beat symbol; a beat may carry several (an ST-elevated beat
/// inside a noise burst has st_elevation | noisy). A normal beat has no bit set.
enum class BeatTag : std::uint32_t {
  pvc = 1u << 0,            ///< premature ventricular beat (MIT symbol 'V', AAMI V)
  spb = 1u << 1,            ///< supraventricular premature beat ('A', AAMI S)
  st_elevation = 1u << 2,   ///< ST segment raised
  st_depression = 1u << 3,  ///< ST segment lowered
  t_inversion = 1u << 4,    ///< T wave inverted
  af = 1u << 5,             ///< beat inside an atrial fibrillation episode
  noisy = 1u << 6,          ///< R wave inside a noise burst
};

/// A set of BeatTag bits.
using BeatTags = std::uint32_t;

inline constexpr BeatTag kBeatTags[] = {BeatTag::pvc,         BeatTag::spb,
                                        BeatTag::st_elevation, BeatTag::st_depression,
                                        BeatTag::t_inversion, BeatTag::af,
                                        BeatTag::noisy};

/// True when `tags` holds `tag`.
inline bool has_tag(BeatTags tags, BeatTag tag) {
  return (tags & static_cast<BeatTags>(tag)) != 0;
}

/// "pvc", "spb", "st_elevation", "st_depression", "t_inversion", "af" or "noisy".
inline const char* to_string(BeatTag tag) {
  switch (tag) {
    case BeatTag::pvc: return "pvc";
    case BeatTag::spb: return "spb";
    case BeatTag::st_elevation: return "st_elevation";
    case BeatTag::st_depression: return "st_depression";
    case BeatTag::t_inversion: return "t_inversion";
    case BeatTag::af: return "af";
    case BeatTag::noisy: return "noisy";
  }
  return "?";
}

/// Parses a BeatTag name (see to_string).
inline BeatTag parse_beat_tag(std::string_view name) {
  for (BeatTag t : kBeatTags) {
    if (name == to_string(t)) return t;
  }
  throw InvalidArgument("unknown beat tag '" + std::string(name) +
                        "'; expected one of pvc, spb, st_elevation, st_depression, t_inversion, "
                        "af, noisy");
}

/// What an episode (an interval of the record) changes.
enum class EpisodeKind {
  af,             ///< atrial fibrillation: irregular RR, no P, f-waves; magnitude = f-wave mV rms
  st_elevation,   ///< every beat's ST raised by magnitude mV
  st_depression,  ///< every beat's ST lowered by magnitude mV
  t_inversion,    ///< every beat's T inverted; magnitude = inverted/normal amplitude ratio
  noise_emg,      ///< muscle (EMG-like) noise burst; magnitude = mV rms
  noise_motion,   ///< electrode-motion noise burst; magnitude = mV rms
};

inline constexpr EpisodeKind kEpisodeKinds[] = {
    EpisodeKind::af,          EpisodeKind::st_elevation, EpisodeKind::st_depression,
    EpisodeKind::t_inversion, EpisodeKind::noise_emg,    EpisodeKind::noise_motion};

/// "af", "st_elevation", "st_depression", "t_inversion", "noise_emg" or "noise_motion".
inline const char* to_string(EpisodeKind kind) {
  switch (kind) {
    case EpisodeKind::af: return "af";
    case EpisodeKind::st_elevation: return "st_elevation";
    case EpisodeKind::st_depression: return "st_depression";
    case EpisodeKind::t_inversion: return "t_inversion";
    case EpisodeKind::noise_emg: return "noise_emg";
    case EpisodeKind::noise_motion: return "noise_motion";
  }
  return "?";
}

/// Parses an EpisodeKind name (see to_string).
inline EpisodeKind parse_episode_kind(std::string_view name) {
  for (EpisodeKind k : kEpisodeKinds) {
    if (name == to_string(k)) return k;
  }
  throw InvalidArgument("unknown episode kind '" + std::string(name) +
                        "'; expected one of af, st_elevation, st_depression, t_inversion, "
                        "noise_emg, noise_motion");
}

/// An episode placed by hand: [start_s, start_s + duration_s) of the record.
struct EpisodeSpec {
  EpisodeKind kind = EpisodeKind::af;
  double start_s = 0.0;     ///< in [0, duration_s) of the record
  double duration_s = 0.0;  ///< > 0; the episode must end inside the record
  /// Strength in the kind's unit (see EpisodeKind); unset = the AnomalyConfig default.
  std::optional<double> magnitude;
};

/// Episodes placed at random: starts form a Poisson process of `rate_per_hour`, durations are
/// uniform on [0.5, 1.5] × mean_duration_s (cut at the record's end). Candidates that would
/// overlap an episode of the same kind (or ST elevation vs depression) are dropped.
struct RandomEpisodes {
  EpisodeKind kind = EpisodeKind::noise_emg;
  double rate_per_hour = 0.0;     ///< expected episode starts per hour, in [0, 3600]
  double mean_duration_s = 10.0;  ///< > 0
  std::optional<double> magnitude;  ///< unset = the AnomalyConfig default
};

/// Anomalies injected into a synthetic recording. Defaults inject nothing.
struct AnomalyConfig {
  /// Per-beat probabilities, each beat drawn independently from the seed. The first beat of the
  /// record is never ectopic. pvc_rate + spb_rate <= 1 and st_elevation_rate +
  /// st_depression_rate <= 1; ST and T changes are not applied to PVCs (their ST-T is already
  /// secondary to the abnormal depolarisation).
  double pvc_rate = 0.0;
  double spb_rate = 0.0;
  double st_elevation_rate = 0.0;
  double st_depression_rate = 0.0;
  double t_inversion_rate = 0.0;

  /// PVC: R event at coupling × the sinus RR after the previous beat, coupling uniform in
  /// [min, max] ⊂ [0.3, 0.95]; the next sinus impulse is blocked (fully compensatory pause).
  double pvc_coupling_min = 0.55;
  double pvc_coupling_max = 0.70;
  /// PVC events at 60 bpm: no P (a = 0), one wide monophasic R (b = 0.25 rad: QRS ~150 ms, vs
  /// ~80 ms for the default beat), no separate Q/S, and a wide T of opposite sign (discordant).
  /// R ≈ 1.5 mV, T ≈ -1.2 mV. Negate every amplitude for a PVC with a negative main deflection.
  std::array<EcgsynWave, 5> pvc_waves = {{{-70.0, 0.0, 0.25},
                                          {-15.0, 0.0, 0.1},
                                          {0.0, 7.0, 0.25},
                                          {15.0, 0.0, 0.1},
                                          {105.0, -0.9, 0.5}}};
  /// SPB: coupling uniform in [min, max] ⊂ [0.3, 0.95]; the sinus node is reset (the next beat
  /// follows one sinus RR later, a non-compensatory pause).
  double spb_coupling_min = 0.60;
  double spb_coupling_max = 0.80;
  /// SPB P wave = spb_p_scale × the normal P: negative = inverted (low-atrial or junctional
  /// focus), 0 = absent; in [-2, 2].
  double spb_p_scale = -0.5;

  double st_elevation_mv = 0.2;   ///< ST shift of an st_elevation beat, in (0, 2] mV
  double st_depression_mv = 0.15;  ///< depth of an st_depression beat, in (0, 2] mV
  /// Inverted T amplitude over the normal T amplitude, in (0, 3]: a_T -> -scale × a_T.
  double t_inversion_scale = 1.0;

  double af_heart_rate_bpm = 100.0;  ///< mean ventricular rate in AF, in [40, 220] bpm
  /// Coefficient of variation of the AF RR intervals, in (0, 0.6]. RR = (1 - cv) m + Exp(cv m)
  /// with m = 60 / af_heart_rate_bpm: uncorrelated, right-skewed, never below (1 - cv) m.
  double af_rr_cv = 0.25;
  double af_fwave_mv = 0.05;  ///< default rms of the fibrillatory waves, in [0, 1] mV
  double af_fwave_hz = 6.0;   ///< their dominant frequency, in [3, 12] Hz

  double emg_noise_mv = 0.1;     ///< default rms of a noise_emg burst, in [0, 10] mV
  double motion_noise_mv = 0.3;  ///< default rms of a noise_motion burst, in [0, 10] mV

  std::vector<EpisodeSpec> episodes;            ///< placed by hand
  std::vector<RandomEpisodes> random_episodes;  ///< placed at random from the seed
};

/// One reference beat annotation, as in a WFDB .atr file.
struct BeatAnnotation {
  Eigen::Index sample = 0;  ///< R-peak sample index
  char symbol = 'N';        ///< MIT-BIH symbol: 'N' normal (also in AF), 'V' PVC, 'A' SPB
  AamiClass aami = AamiClass::N;  ///< its EC57 class (aami_class_of(symbol))
};

/// An episode as it happened in the record.
struct Episode {
  EpisodeKind kind = EpisodeKind::af;
  Eigen::Index start_sample = 0;  ///< first sample inside
  Eigen::Index end_sample = 0;    ///< one past the last sample inside
  double start_s = 0.0;
  double end_s = 0.0;
  double magnitude = 0.0;  ///< in the kind's unit, the default resolved
};

}  // namespace ecgad::signal

namespace ecgad::detail::synth {

using signal::AnomalyConfig;
using signal::BeatTag;
using signal::BeatTags;
using signal::Episode;
using signal::EpisodeKind;

inline constexpr double kEpisodeRampMaxS = 0.1;  // noise bursts fade in and out over this
inline constexpr double kAfWaveRampS = 0.2;      // f-waves likewise

inline double default_magnitude(EpisodeKind kind, const AnomalyConfig& a) {
  switch (kind) {
    case EpisodeKind::af: return a.af_fwave_mv;
    case EpisodeKind::st_elevation: return a.st_elevation_mv;
    case EpisodeKind::st_depression: return a.st_depression_mv;
    case EpisodeKind::t_inversion: return a.t_inversion_scale;
    case EpisodeKind::noise_emg: return a.emg_noise_mv;
    case EpisodeKind::noise_motion: return a.motion_noise_mv;
  }
  return 0.0;
}

/// Valid range of an episode magnitude: ST shifts and T scales must be > 0 (0 would be no
/// change); noise and f-wave amplitudes may be 0.
inline void validate_episode_magnitude(EpisodeKind kind, double value, const std::string& name) {
  switch (kind) {
    case EpisodeKind::st_elevation:
    case EpisodeKind::st_depression:
      require_positive_value(value, name);
      require_in_range(value, 0.0, 2.0, name, "mV");
      return;
    case EpisodeKind::t_inversion:
      require_positive_value(value, name);
      require_in_range(value, 0.0, 3.0, name, "(inverted T / normal T)");
      return;
    case EpisodeKind::af: require_in_range(value, 0.0, 1.0, name, "mV rms"); return;
    case EpisodeKind::noise_emg:
    case EpisodeKind::noise_motion: require_in_range(value, 0.0, 10.0, name, "mV rms"); return;
  }
}

inline void require_rate(double value, const char* name) {
  require_in_range(value, 0.0, 1.0, std::string("anomalies.") + name, "(a per-beat probability)");
}

inline void require_coupling(double lo, double hi, const char* what) {
  const std::string prefix = std::string("anomalies.") + what;
  require_in_range(lo, 0.3, 0.95, prefix + "_coupling_min", "(fraction of the sinus RR)");
  require_in_range(hi, 0.3, 0.95, prefix + "_coupling_max", "(fraction of the sinus RR)");
  if (lo > hi) {
    throw InvalidArgument(prefix + "_coupling_min (" + format_number(lo) +
                          ") must not exceed " + prefix + "_coupling_max (" + format_number(hi) +
                          ")");
  }
}

/// Two kinds whose episodes may not overlap: the same kind, or ST elevation vs depression.
inline bool conflicting(EpisodeKind a, EpisodeKind b) {
  auto is_st = [](EpisodeKind k) {
    return k == EpisodeKind::st_elevation || k == EpisodeKind::st_depression;
  };
  return a == b || (is_st(a) && is_st(b));
}

inline void validate(const AnomalyConfig& a, double duration_s) {
  require_rate(a.pvc_rate, "pvc_rate");
  require_rate(a.spb_rate, "spb_rate");
  require_rate(a.st_elevation_rate, "st_elevation_rate");
  require_rate(a.st_depression_rate, "st_depression_rate");
  require_rate(a.t_inversion_rate, "t_inversion_rate");
  if (a.pvc_rate + a.spb_rate > 1.0) {
    throw InvalidArgument("anomalies.pvc_rate + anomalies.spb_rate must be <= 1 (one beat is one "
                          "kind), got " + format_number(a.pvc_rate + a.spb_rate));
  }
  if (a.st_elevation_rate + a.st_depression_rate > 1.0) {
    throw InvalidArgument("anomalies.st_elevation_rate + anomalies.st_depression_rate must be "
                          "<= 1, got " + format_number(a.st_elevation_rate + a.st_depression_rate));
  }
  require_coupling(a.pvc_coupling_min, a.pvc_coupling_max, "pvc");
  require_coupling(a.spb_coupling_min, a.spb_coupling_max, "spb");
  validate_waves(a.pvc_waves.data(), a.pvc_waves.size(), "anomalies.pvc_waves");
  if (a.pvc_waves[kWaveR].amplitude == 0.0) {
    throw InvalidArgument("anomalies.pvc_waves[2] (R).amplitude must not be 0: the R event "
                          "marks the beat's annotation");
  }
  require_in_range(a.spb_p_scale, -2.0, 2.0, "anomalies.spb_p_scale", "(times the normal P)");
  validate_episode_magnitude(EpisodeKind::st_elevation, a.st_elevation_mv,
                             "anomalies.st_elevation_mv");
  validate_episode_magnitude(EpisodeKind::st_depression, a.st_depression_mv,
                             "anomalies.st_depression_mv");
  validate_episode_magnitude(EpisodeKind::t_inversion, a.t_inversion_scale,
                             "anomalies.t_inversion_scale");
  require_in_range(a.af_heart_rate_bpm, 40.0, 220.0, "anomalies.af_heart_rate_bpm", "bpm");
  if (!(a.af_rr_cv > 0.0 && a.af_rr_cv <= 0.6)) {
    throw InvalidArgument("anomalies.af_rr_cv must be in (0, 0.6], got " +
                          format_number(a.af_rr_cv));
  }
  validate_episode_magnitude(EpisodeKind::af, a.af_fwave_mv, "anomalies.af_fwave_mv");
  require_in_range(a.af_fwave_hz, 3.0, 12.0, "anomalies.af_fwave_hz", "Hz");
  validate_episode_magnitude(EpisodeKind::noise_emg, a.emg_noise_mv, "anomalies.emg_noise_mv");
  validate_episode_magnitude(EpisodeKind::noise_motion, a.motion_noise_mv,
                             "anomalies.motion_noise_mv");

  for (std::size_t i = 0; i < a.episodes.size(); ++i) {
    const auto& e = a.episodes[i];
    const std::string name = "anomalies.episodes[" + std::to_string(i) + "] (" +
                             signal::to_string(e.kind) + ")";
    if (!(e.start_s >= 0.0 && e.start_s < duration_s)) {
      throw InvalidArgument(name + ".start_s must be in [0, duration_s = " +
                            format_number(duration_s) + ") s, got " + format_number(e.start_s));
    }
    require_positive_value(e.duration_s, name + ".duration_s");
    if (e.start_s + e.duration_s > duration_s * (1.0 + 1e-12)) {
      throw InvalidArgument(name + " must end inside the record: start_s + duration_s = " +
                            format_number(e.start_s + e.duration_s) + " s > duration_s = " +
                            format_number(duration_s) + " s");
    }
    if (e.magnitude) validate_episode_magnitude(e.kind, *e.magnitude, name + ".magnitude");
    for (std::size_t j = 0; j < i; ++j) {
      const auto& o = a.episodes[j];
      if (conflicting(e.kind, o.kind) && e.start_s < o.start_s + o.duration_s &&
          o.start_s < e.start_s + e.duration_s) {
        throw InvalidArgument(name + " overlaps anomalies.episodes[" + std::to_string(j) + "] (" +
                              signal::to_string(o.kind) +
                              "); episodes of one kind (and ST elevation vs depression) must "
                              "not overlap");
      }
    }
  }
  for (std::size_t i = 0; i < a.random_episodes.size(); ++i) {
    const auto& r = a.random_episodes[i];
    const std::string name = "anomalies.random_episodes[" + std::to_string(i) + "] (" +
                             signal::to_string(r.kind) + ")";
    require_in_range(r.rate_per_hour, 0.0, 3600.0, name + ".rate_per_hour", "per hour");
    require_positive_value(r.mean_duration_s, name + ".mean_duration_s");
    if (r.magnitude) validate_episode_magnitude(r.kind, *r.magnitude, name + ".magnitude");
  }
}

/// The record's episodes, explicit then random, sorted by start. Times are record times.
inline std::vector<Episode> resolve_episodes(const AnomalyConfig& a, double duration_s,
                                             double fs_hz, std::uint64_t seed) {
  std::vector<Episode> out;
  auto add = [&](EpisodeKind kind, double start_s, double end_s, double magnitude) {
    Episode e;
    e.kind = kind;
    e.start_s = start_s;
    e.end_s = end_s;
    e.start_sample = static_cast<Eigen::Index>(std::ceil(start_s * fs_hz));
    e.end_sample = static_cast<Eigen::Index>(std::ceil(end_s * fs_hz));
    e.magnitude = magnitude;
    out.push_back(e);
  };
  for (const auto& e : a.episodes) {
    add(e.kind, e.start_s, std::min(e.start_s + e.duration_s, duration_s),
        e.magnitude.value_or(default_magnitude(e.kind, a)));
  }
  for (std::size_t i = 0; i < a.random_episodes.size(); ++i) {
    const auto& r = a.random_episodes[i];
    if (r.rate_per_hour == 0.0) continue;
    Xoshiro256ss rng(seed, kStreamRandomEpisodes + i);
    const double magnitude = r.magnitude.value_or(default_magnitude(r.kind, a));
    const double mean_gap_s = 3600.0 / r.rate_per_hour;
    double t_s = 0.0;
    for (;;) {
      t_s += mean_gap_s * rng.exponential();
      if (t_s >= duration_s) break;
      const double end_s = std::min(duration_s, t_s + r.mean_duration_s * (0.5 + rng.uniform()));
      const bool clash = std::any_of(out.begin(), out.end(), [&](const Episode& o) {
        return conflicting(r.kind, o.kind) && t_s < o.end_s && o.start_s < end_s;
      });
      if (!clash) add(r.kind, t_s, end_s, magnitude);
      t_s = end_s;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Episode& x, const Episode& y) {
    return x.start_s < y.start_s;
  });
  return out;
}

/// Episodes by kind, for "which episode of this kind contains time t" in O(log n). Episodes of
/// one kind are disjoint (validated, or dropped when random), so at most one matches.
class EpisodeIndex {
 public:
  explicit EpisodeIndex(const std::vector<Episode>& episodes) {
    for (const Episode& e : episodes) by_kind_[static_cast<std::size_t>(e.kind)].push_back(&e);
    for (auto& list : by_kind_) {
      std::sort(list.begin(), list.end(),
                [](const Episode* x, const Episode* y) { return x->start_s < y->start_s; });
    }
  }

  /// The episode of `kind` containing record time t_s, or nullptr.
  const Episode* at(EpisodeKind kind, double t_s) const {
    const auto& list = by_kind_[static_cast<std::size_t>(kind)];
    auto it = std::upper_bound(list.begin(), list.end(), t_s,
                               [](double t, const Episode* e) { return t < e->start_s; });
    if (it == list.begin()) return nullptr;
    const Episode* e = *(it - 1);
    return t_s < e->end_s ? e : nullptr;
  }

 private:
  std::array<std::vector<const Episode*>, std::size(signal::kEpisodeKinds)> by_kind_;
};

// Shortest RR interval the rhythm may produce: the shortest PVC coupling (0.3) of the shortest
// sinus RR (0.24 s at 250 bpm) is 72 ms.
inline constexpr double kMinRrS = 0.05;

/// One beat of the rhythm, before its events are scaled.
struct ScheduledBeat {
  double tau_s = 0.0;          // R event, model time
  double hr_ref_bpm = 60.0;    // rate its waves are drawn at (QRS and QT follow it)
  char symbol = 'N';
  BeatTags tags = 0;
  double st_shift_mv = 0.0;  // > 0 elevation, < 0 depression
  double t_scale = 1.0;      // multiplies a_T; negative = inverted
};

/// The rhythm: where each R event falls and what kind of beat it is.
///
/// Sinus beats follow the tachogram: each R event comes one sinus RR (`rr_sinus(τ)`) after the
/// previous sinus impulse, as in ecgsyn. A PVC falls coupling × RR after the previous beat and
/// the sinus impulse it pre-empts is blocked, so the pause is fully compensatory (RR before +
/// RR after = 2 sinus RR). An SPB falls likewise but resets the sinus node: the next beat comes
/// one sinus RR after it. In AF the RR intervals are drawn from the shifted exponential of
/// Cohen, Berger & Dushane 1983 (a refractory AV node bombarded by random atrial impulses) and
/// the sinus clock restarts after the last AF beat. Every beat draws four uniforms from `draws`
/// (type, coupling, ST, T) whatever it becomes, so raising one rate keeps the other draws.
/// `t_of` maps model time to record time (where episodes and the record's start live); beats
/// before the record are never anomalous.
template <typename SinusRr, typename SinusHr, typename RecordTime>
std::vector<ScheduledBeat> schedule_beats(const AnomalyConfig& a,
                                          const EpisodeIndex& episodes, double tau_first_s,
                                          double tau_last_s, std::size_t beats_after_last,
                                          SinusRr rr_sinus, SinusHr hr_sinus, RecordTime t_of,
                                          std::uint64_t seed) {
  Xoshiro256ss draws(seed, kStreamBeatDraws);
  Xoshiro256ss af_rng(seed, kStreamAfIntervals);
  const double af_rr_mean_s = 60.0 / a.af_heart_rate_bpm;
  auto in_af = [&](double tau_s) {
    return episodes.at(EpisodeKind::af, t_of(tau_s)) != nullptr;
  };

  std::vector<ScheduledBeat> beats;
  ScheduledBeat first;
  first.tau_s = tau_first_s;
  first.hr_ref_bpm = hr_sinus(tau_first_s);
  beats.push_back(first);
  double tau_prev = tau_first_s;
  double t_sinus = tau_first_s + rr_sinus(tau_first_s);
  std::size_t after_last = 0;
  while (after_last < beats_after_last) {
    const double u_type = draws.uniform(), u_coupling = draws.uniform();
    const double u_st = draws.uniform(), u_t = draws.uniform();
    const bool anomalies = t_of(tau_prev) >= 0.0;
    const double p_pvc = anomalies ? a.pvc_rate : 0.0;
    const double p_spb = anomalies ? a.spb_rate : 0.0;
    ScheduledBeat b;
    if (in_af(tau_prev) || in_af(t_sinus)) {
      const double rr_s = af_rr_mean_s * ((1.0 - a.af_rr_cv) + a.af_rr_cv * af_rng.exponential());
      if (u_type < p_pvc) {
        const double c =
            a.pvc_coupling_min + u_coupling * (a.pvc_coupling_max - a.pvc_coupling_min);
        b.tau_s = tau_prev + c * rr_s;
        b.symbol = 'V';
        b.tags = static_cast<BeatTags>(BeatTag::pvc);
      } else {
        b.tau_s = tau_prev + rr_s;
      }
      t_sinus = b.tau_s + rr_sinus(b.tau_s);
    } else if (u_type < p_pvc + p_spb) {
      const bool pvc = u_type < p_pvc;
      const double lo = pvc ? a.pvc_coupling_min : a.spb_coupling_min;
      const double hi = pvc ? a.pvc_coupling_max : a.spb_coupling_max;
      b.tau_s = tau_prev + (lo + u_coupling * (hi - lo)) * rr_sinus(tau_prev);
      if (pvc) {
        b.symbol = 'V';
        b.tags = static_cast<BeatTags>(BeatTag::pvc);
        // The sinus impulse due within one cycle of the PVC meets refractory tissue.
        while (t_sinus < b.tau_s + rr_sinus(b.tau_s)) t_sinus += rr_sinus(t_sinus);
      } else {
        b.symbol = 'A';
        b.tags = static_cast<BeatTags>(BeatTag::spb);
        t_sinus = b.tau_s + rr_sinus(b.tau_s);
      }
    } else {
      b.tau_s = t_sinus;
      t_sinus += rr_sinus(t_sinus);
    }
    if (!(b.tau_s - tau_prev >= kMinRrS)) {  // unreachable with validated configs
      throw InvalidArgument("the rhythm produced an RR interval of " +
                            format_number(b.tau_s - tau_prev) + " s (< " +
                            format_number(kMinRrS) + " s); lower heart_rate_std_bpm");
    }
    const double t_rec = t_of(b.tau_s);
    const bool af = in_af(b.tau_s);
    if (af) b.tags |= static_cast<BeatTags>(BeatTag::af);
    b.hr_ref_bpm = af ? a.af_heart_rate_bpm : hr_sinus(b.tau_s);
    if (b.symbol != 'V' && t_rec >= 0.0) {
      if (const Episode* e = episodes.at(EpisodeKind::st_elevation, t_rec)) {
        b.st_shift_mv = e->magnitude;
      } else if (const Episode* d = episodes.at(EpisodeKind::st_depression, t_rec)) {
        b.st_shift_mv = -d->magnitude;
      } else if (anomalies && u_st < a.st_elevation_rate) {
        b.st_shift_mv = a.st_elevation_mv;
      } else if (anomalies && u_st < a.st_elevation_rate + a.st_depression_rate) {
        b.st_shift_mv = -a.st_depression_mv;
      }
      if (b.st_shift_mv > 0.0) b.tags |= static_cast<BeatTags>(BeatTag::st_elevation);
      if (b.st_shift_mv < 0.0) b.tags |= static_cast<BeatTags>(BeatTag::st_depression);
      if (const Episode* e = episodes.at(EpisodeKind::t_inversion, t_rec)) {
        b.t_scale = -e->magnitude;
      } else if (anomalies && u_t < a.t_inversion_rate) {
        b.t_scale = -a.t_inversion_scale;
      }
      if (b.t_scale < 0.0) b.tags |= static_cast<BeatTags>(BeatTag::t_inversion);
    }
    if (episodes.at(EpisodeKind::noise_emg, t_rec) != nullptr ||
        episodes.at(EpisodeKind::noise_motion, t_rec) != nullptr) {
      b.tags |= static_cast<BeatTags>(BeatTag::noisy);
    }
    beats.push_back(b);
    tau_prev = b.tau_s;
    if (b.tau_s > tau_last_s) ++after_last;
  }
  return beats;
}

// The ST-segment event: centred between S and T, wide enough to span the ST segment
// (J point to T onset is ~80-120 ms at 60 bpm), its angle following the rate like T's.
inline constexpr double kStAngleDeg = 45.0;
inline constexpr double kStWidthRad = 0.3;

/// a_i at 60 bpm of an event of width b (rad) whose z bump peaks at `height_mv` in a beat drawn
/// at hr_bpm. Without relaxation eq. (3) turns a Gaussian-derivative push into the bump
/// a b² / ω exp(-Δθ² / 2b²), invariant under the heart-rate scaling; the -z relaxation lowers
/// its apex by the factor 1 - σ sqrt(π/2) exp(σ²/2) erfc(σ/√2), σ = b / ω its width in
/// seconds.
inline double event_amplitude_for_height(double height_mv, double width_rad, double hr_bpm) {
  const double omega60 = kTwoPi;
  const double sigma_s = width_rad / omega60 / std::sqrt(hr_bpm / 60.0);
  const double relax = 1.0 - sigma_s * std::sqrt(kPi / 2.0) * std::exp(0.5 * sigma_s * sigma_s) *
                                 std::erfc(sigma_s / std::sqrt(2.0));
  return height_mv / kMillivoltsPerUnit * omega60 / (width_rad * width_rad) / relax;
}

/// The events of a scheduled beat at 60 bpm.
inline BeatShape shape_of(const ScheduledBeat& b, const BeatShape& normal, const BeatShape& pvc,
                          const AnomalyConfig& a) {
  if (b.symbol == 'V') return pvc;
  BeatShape s = normal;
  if (b.symbol == 'A') s.events[0].wave.amplitude *= a.spb_p_scale;
  if (signal::has_tag(b.tags, BeatTag::af)) s.events[0].wave.amplitude = 0.0;
  s.events[4].wave.amplitude *= b.t_scale;
  if (b.st_shift_mv != 0.0) {
    const double amp = event_amplitude_for_height(b.st_shift_mv, kStWidthRad, b.hr_ref_bpm);
    s.events[s.n++] = {{kStAngleDeg, amp, kStWidthRad}, 0.25};
  }
  return s;
}

/// A noise model's Butterworth band-pass.
struct Band {
  double lo_hz, hi_hz;
  int order;
};

/// Unit-rms Gaussian noise through the band-pass `band`, started from rest 10 / lo_hz seconds
/// before the first returned sample so that it is stationary. The rms is normalised by the
/// filter's impulse-response energy (the expected rms), not by the sample's.
inline Eigen::VectorXd band_noise(Eigen::Index n, double fs_hz, const Band& band,
                                  Xoshiro256ss& rng) {
  const double lo_hz = band.lo_hz;
  const signal::Sos sos =
      signal::butter(band.order, {lo_hz, band.hi_hz}, signal::BandType::bandpass, fs_hz);
  const auto settle = static_cast<Eigen::Index>(std::ceil(10.0 / lo_hz * fs_hz));
  signal::SosFilter impulse(sos);
  double energy = 0.0;
  for (Eigen::Index i = 0; i < settle; ++i) {
    const double h = impulse.process_sample(i == 0 ? 1.0 : 0.0);
    energy += h * h;
  }
  const double gain = 1.0 / std::sqrt(energy);
  signal::SosFilter filter(sos);
  for (Eigen::Index i = 0; i < settle; ++i) filter.process_sample(rng.normal());
  Eigen::VectorXd out(n);
  for (Eigen::Index i = 0; i < n; ++i) out[i] = gain * filter.process_sample(rng.normal());
  return out;
}

/// Bands of the noise models, clipped below Nyquist. Muscle: 12-70 Hz, 2nd order, where the
/// MIT-BIH Noise Stress Test 'ma' record has its broadband (non-wander) power; electrode motion:
/// 0.5-12 Hz, 2nd order, overlapping P, QRS and T like the 'em' record (Moody, Muldrow & Mark
/// 1984); wander: 0.05-0.3 Hz, 3rd order, 99% of its power below 0.5 Hz (the 'bw' record: 98.5%).
inline Band emg_band(double fs_hz) {
  const double hi = std::min(70.0, 0.45 * fs_hz);
  return {std::min(12.0, hi / 3.0), hi, 2};
}
inline Band motion_band(double fs_hz) { return {0.5, std::min(12.0, 0.45 * fs_hz), 2}; }
inline Band wander_band() { return {0.05, 0.3, 3}; }

/// Raised-cosine fade of `ramp_s` at both ends of [start_s, end_s), 1 inside, 0 outside.
inline double burst_envelope(double t_s, double start_s, double end_s, double ramp_s) {
  if (t_s < start_s || t_s >= end_s) return 0.0;
  const double edge = std::min(t_s - start_s, end_s - t_s);
  if (edge >= ramp_s) return 1.0;
  return 0.5 - 0.5 * std::cos(kPi * edge / ramp_s);
}

/// Adds the noise bursts of `episodes` to `ecg_mv` (sample clock).
inline void add_noise_bursts(Eigen::VectorXd& ecg_mv, const std::vector<Episode>& episodes,
                             double fs_hz, std::uint64_t seed) {
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    const Episode& e = episodes[i];
    if (e.kind != EpisodeKind::noise_emg && e.kind != EpisodeKind::noise_motion) continue;
    if (e.magnitude == 0.0) continue;
    const Eigen::Index n = e.end_sample - e.start_sample;
    if (n <= 0) continue;
    Xoshiro256ss rng(seed, kStreamEpisodeNoise + i);
    const Band band = e.kind == EpisodeKind::noise_emg ? emg_band(fs_hz) : motion_band(fs_hz);
    const Eigen::VectorXd noise = band_noise(n, fs_hz, band, rng);
    const double ramp_s = std::min(kEpisodeRampMaxS, 0.25 * (e.end_s - e.start_s));
    for (Eigen::Index k = 0; k < n; ++k) {
      const double t_s = static_cast<double>(e.start_sample + k) / fs_hz;
      ecg_mv[e.start_sample + k] +=
          e.magnitude * burst_envelope(t_s, e.start_s, e.end_s, ramp_s) * noise[k];
    }
  }
}

/// Adds the fibrillatory waves of the AF episodes: the sawtooth model of Stridh & Sörnmo 2001
/// (IEEE TBME 48(1):105-111), f(t) = -Σ_i (2 A(t) / (iπ)) sin(i θ(t)), with the frequency
/// modulated around af_fwave_hz (θ = 2π f0 t + (Δf / f_f) sin(2π f_f t), Δf = 0.2 Hz, f_f =
/// 0.08 Hz) and the amplitude by a third at 0.2 Hz (Petrėnas et al. 2017's settings), three
/// harmonics below 0.45 fs. A is normalised so that the episode's magnitude is the rms without
/// amplitude modulation. The waves run in model time; `tau_of` maps record to model time.
template <typename ModelTime>
void add_fibrillatory_waves(Eigen::VectorXd& ecg_mv, const std::vector<Episode>& episodes,
                            double fs_hz, double f0_hz, std::uint64_t seed, ModelTime tau_of) {
  constexpr double kDeltaF = 0.2, kFf = 0.08, kFa = 0.2, kAmDepth = 1.0 / 3.0;
  constexpr int kHarmonics = 3;
  Xoshiro256ss rng(seed, kStreamAfWaves);
  int harmonics = 0;
  double norm2 = 0.0;
  for (int i = 1; i <= kHarmonics && i * (f0_hz + kDeltaF) < 0.45 * fs_hz; ++i) {
    const double c = 2.0 / (static_cast<double>(i) * kPi);
    norm2 += 0.5 * c * c;
    harmonics = i;
  }
  const double norm = 1.0 / std::sqrt(norm2);
  for (const Episode& e : episodes) {
    if (e.kind != EpisodeKind::af) continue;
    const double phase0 = kTwoPi * rng.uniform(), phase_f = kTwoPi * rng.uniform();
    const double phase_a = kTwoPi * rng.uniform();
    if (e.magnitude == 0.0) continue;
    const double ramp_s = std::min(kAfWaveRampS, 0.25 * (e.end_s - e.start_s));
    for (Eigen::Index k = e.start_sample; k < e.end_sample; ++k) {
      const double t_s = static_cast<double>(k) / fs_hz;
      const double tau = tau_of(t_s);
      const double theta =
          kTwoPi * f0_hz * tau + kDeltaF / kFf * std::sin(kTwoPi * kFf * tau + phase_f) + phase0;
      const double amp =
          e.magnitude * norm * (1.0 + kAmDepth * std::sin(kTwoPi * kFa * tau + phase_a));
      double f = 0.0;
      for (int i = 1; i <= harmonics; ++i) {
        f -= 2.0 / (static_cast<double>(i) * kPi) * std::sin(static_cast<double>(i) * theta);
      }
      ecg_mv[k] += amp * f * burst_envelope(t_s, e.start_s, e.end_s, ramp_s);
    }
  }
}

}  // namespace ecgad::detail::synth
