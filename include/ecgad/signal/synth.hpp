#pragma once
// Synthetic ECG, the project's built-in data source: the ECGSYN dynamical model of McSharry,
// Clifford, Tarassenko & Smith (IEEE TBME 50(3):289-294, 2003; synth_model.hpp) with labelled
// anomalies (synth_anomalies.hpp) and drift scenarios with known change points
// (synth_drift.hpp). ecgsyn() is the plain model; synthesize() composes all three and returns the
// reference annotations (like a WFDB .atr), per-beat anomaly tags, episodes and change points.
// Docs: docs/synth.md.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/aami.hpp"
#include "ecgad/signal/synth_anomalies.hpp"
#include "ecgad/signal/synth_drift.hpp"
#include "ecgad/signal/synth_model.hpp"

namespace ecgad::signal {

/// Everything synthesize() needs: the base model, the anomalies and the drift scenario.
struct RecordingConfig {
  EcgSynthConfig ecg;
  AnomalyConfig anomalies;
  DriftScenario drift;
};

/// A synthetic recording and its ground truth.
struct SyntheticRecording {
  /// The recorded ECG in mV: model, f-waves, then gain changes, then wander and noise.
  Eigen::VectorXd ecg_mv;
  double fs_hz = 0.0;  ///< the labelled sampling rate (see DriftKind::sampling_rate_mismatch)
  /// One per beat whose R event falls on the record, in time order: the R-peak sample (nearest
  /// sample to the R event, moved to the extremum of the clean model output in the beat's R
  /// direction within max(2, ceil(fs/64)) samples), the MIT symbol and its EC57 class.
  std::vector<BeatAnnotation> annotations;
  std::vector<BeatTags> beat_tags;  ///< per annotation: its BeatTag bits
  /// Per annotation: the exact R event time on the record's clock (sample n is at n / fs_hz).
  Eigen::VectorXd r_peak_times_s;
  std::vector<Episode> episodes;     ///< AF, ST, T and noise episodes, sorted by start
  std::vector<ChangePoint> changes;  ///< the drift scenario's changes, in config order
};

/// Generates a synthetic recording: ECGSYN (McSharry et al. 2003) with the anomalies and drift
/// of `config`. Same config -> same bytes. Cost is linear in duration_s * fs_hz; 30 min at
/// 360 Hz takes well under a second. Throws InvalidArgument naming the offending field (e.g.
/// "anomalies.pvc_rate", "drift.changes[1] (gain_step).start_s") when the config is invalid.
inline SyntheticRecording synthesize(const RecordingConfig& config) {
  namespace synth = ::ecgad::detail::synth;
  const EcgSynthConfig& c = config.ecg;
  synth::validate(c);
  synth::validate(config.anomalies, c.duration_s);
  synth::validate(config.drift, c);
  const double fs_hz = c.fs_hz;
  // RK4 at >= 1 kHz of model time, also where a mismatch stretches the sample clock.
  const auto q = static_cast<Eigen::Index>(
      std::ceil(synth::kMinInternalFsHz / (fs_hz * synth::min_rate_ratio(config.drift))));
  const auto n_out = static_cast<Eigen::Index>(std::llround(c.duration_s * fs_hz));
  const double t_last_s = static_cast<double>(n_out - 1) / fs_hz;
  const synth::TimeMap map = synth::time_map(config.drift, fs_hz);
  const double tau_last_s = map.tau(t_last_s);

  SyntheticRecording out;
  out.fs_hz = fs_hz;
  out.episodes = synth::resolve_episodes(config.anomalies, c.duration_s, fs_hz, c.seed);
  const synth::EpisodeIndex episode_index(out.episodes);

  // Sinus rhythm: the tachogram, long enough for warm-up, record and a few beats more without
  // wrapping around, with its fluctuations kept in bpm when a trend moves the mean rate.
  const double span_s = synth::kWarmupS + tau_last_s + 10.0;
  Eigen::Index period_s = 1024;  // >= 1024 s resolves the 0.01 Hz-wide spectral peaks
  while (static_cast<double>(period_s) < span_s) period_s *= 2;
  synth::Xoshiro256ss phase_rng(c.seed, synth::kStreamTachogram);
  const Eigen::VectorXd rr_fine = synth::rr_process(c, period_s, phase_rng);
  const double hr0_bpm = c.heart_rate_bpm, rr_mean0_s = 60.0 / c.heart_rate_bpm;
  auto t_of = [&](double tau_s) { return map.t(tau_s); };
  auto hr_sinus = [&](double tau_s) {
    return hr0_bpm + synth::heart_rate_offset_bpm(config.drift, map.t(tau_s));
  };
  auto rr_sinus = [&](double tau_s) {
    const double hr_bpm = hr_sinus(tau_s);
    const double k = hr0_bpm / hr_bpm;
    return 60.0 / hr_bpm + (synth::rr_at(rr_fine, tau_s) - rr_mean0_s) * k * k;
  };
  // Three beats past the record: the last grid point needs the events of the two after it.
  const std::vector<synth::ScheduledBeat> beats =
      synth::schedule_beats(config.anomalies, episode_index, -synth::kWarmupS, tau_last_s, 3,
                            rr_sinus, hr_sinus, t_of, c.seed);

  const synth::BeatShape normal = synth::base_shape(c.waves);
  const synth::BeatShape pvc = synth::base_shape(config.anomalies.pvc_waves);
  std::vector<double> beat_tau_s(beats.size());
  std::vector<synth::BeatModel> models(beats.size());
  std::vector<double> r_sign(beats.size());
  for (std::size_t j = 0; j < beats.size(); ++j) {
    const synth::BeatShape shape = synth::shape_of(beats[j], normal, pvc, config.anomalies);
    beat_tau_s[j] = beats[j].tau_s;
    models[j] = synth::scale_shape(shape, beats[j].hr_ref_bpm);
    r_sign[j] = shape.events[synth::kWaveR].wave.amplitude >= 0.0 ? 1.0 : -1.0;
  }
  out.ecg_mv = synth::integrate_z(beat_tau_s, models, map, n_out, fs_hz, q,
                                  c.baseline_wander_mv / synth::kMillivoltsPerUnit,
                                  synth::kTwoPi * c.hf_hz);
  Eigen::VectorXd& ecg = out.ecg_mv;  // z first, scaled to mV in place (records reach GBs)

  // Reference annotations on the clean model output, with ecgsyn's search half-width.
  const Eigen::Index search =
      std::max<Eigen::Index>(2, static_cast<Eigen::Index>(std::ceil(fs_hz / 64.0)));
  std::vector<double> times_s;
  for (std::size_t j = 0; j < beats.size(); ++j) {
    const double t_s = map.t(beats[j].tau_s);
    if (t_s < 0.0 || t_s > t_last_s) continue;
    const Eigen::Index nearest =
        std::min(n_out - 1, static_cast<Eigen::Index>(std::llround(t_s * fs_hz)));
    const Eigen::Index lo = std::max<Eigen::Index>(0, nearest - search);
    const Eigen::Index hi = std::min(n_out - 1, nearest + search);
    Eigen::Index best = lo;
    for (Eigen::Index i = lo + 1; i <= hi; ++i) {
      if (r_sign[j] * ecg[i] > r_sign[j] * ecg[best]) best = i;
    }
    const char symbol = beats[j].symbol;
    out.annotations.push_back({best, symbol, *aami_class_of(std::string(1, symbol))});
    out.beat_tags.push_back(beats[j].tags);
    times_s.push_back(t_s);
  }
  out.r_peak_times_s =
      Eigen::Map<const Eigen::VectorXd>(times_s.data(), static_cast<Eigen::Index>(times_s.size()));

  ecg *= synth::kMillivoltsPerUnit;
  synth::add_fibrillatory_waves(ecg, out.episodes, fs_hz, config.anomalies.af_fwave_hz, c.seed,
                                [&](double t_s) { return map.tau(t_s); });
  synth::apply_acquisition_drift(ecg, config.drift, fs_hz, c.seed);
  synth::add_noise_bursts(ecg, out.episodes, fs_hz, c.seed);
  if (c.noise_mv > 0.0) {
    synth::Xoshiro256ss noise_rng(c.seed, synth::kStreamWhiteNoise);
    for (Eigen::Index i = 0; i < n_out; ++i) ecg[i] += c.noise_mv * noise_rng.normal();
  }

  for (const DriftChange& ch : config.drift.changes) {
    ChangePoint p;
    p.kind = ch.kind;
    p.gradual = is_gradual(ch.kind);
    p.start_s = ch.start_s;
    p.end_s = ch.end_s;
    p.start_sample = synth::start_sample(ch, fs_hz);
    p.end_sample = static_cast<Eigen::Index>(std::llround(ch.end_s * fs_hz));
    p.magnitude = ch.magnitude;
    out.changes.push_back(p);
  }
  return out;
}

/// Generates a synthetic ECG with the ECGSYN model (McSharry et al., IEEE TBME 50(3), 2003).
///
/// The RR tachogram has the bimodal spectrum of eq. (1) with random phases from `seed`; each
/// beat's P, Q, R, S, T events are scaled to the mean heart rate as in ecgsyn.m, and the phase
/// runs at that rate's angular velocity through the waves while the TP segment absorbs the
/// beat-to-beat RR variation. z of eq. (3) is integrated with fourth-order Runge-Kutta at
/// fs_hz * q (q = ceil(1000 Hz / fs_hz)) and every q-th sample kept, as in ecgsyn.c, and scaled
/// to mV by a fixed gain that gives the default beat ecgsyn.m's 1.6 mV span. Same config ->
/// same bytes. Throws InvalidArgument naming the offending field when the config is invalid.
inline SyntheticEcg ecgsyn(const EcgSynthConfig& config) {
  RecordingConfig rc;
  rc.ecg = config;
  SyntheticRecording rec = synthesize(rc);
  SyntheticEcg out;
  out.fs_hz = rec.fs_hz;
  out.ecg_mv = std::move(rec.ecg_mv);
  out.r_peaks.reserve(rec.annotations.size());
  for (const auto& a : rec.annotations) out.r_peaks.push_back(a.sample);
  out.r_peak_times_s = std::move(rec.r_peak_times_s);
  const Eigen::Index n_r = out.r_peak_times_s.size();
  out.rr_s = n_r > 1 ? Eigen::VectorXd(out.r_peak_times_s.tail(n_r - 1) -
                                       out.r_peak_times_s.head(n_r - 1))
                     : Eigen::VectorXd();
  return out;
}

}  // namespace ecgad::signal
