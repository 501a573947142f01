// Labelled anomalies of the synthetic ECG (signal/synth_anomalies.hpp): each anomaly has the
// morphology and timing it is defined by, appears at its configured rate within binomial
// bounds, and is labelled where it is (annotation symbols, AAMI classes, tags, episodes).
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unsupported/Eigen/FFT>

#include "ecgad/signal/synth.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;

namespace {

sig::RecordingConfig quiet(double duration_s, double fs_hz = 360.0, std::uint64_t seed = 1) {
  sig::RecordingConfig rc;
  rc.ecg.duration_s = duration_s;
  rc.ecg.fs_hz = fs_hz;
  rc.ecg.seed = seed;
  rc.ecg.baseline_wander_mv = 0.0;
  return rc;
}

Eigen::Index samples(double t_s, double fs_hz) {
  return static_cast<Eigen::Index>(std::llround(t_s * fs_hz));
}

double rms(const Eigen::VectorXd& x) {
  return std::sqrt(x.squaredNorm() / static_cast<double>(x.size()));
}

// Interval k of the annotations: r_peak_times_s[k + 1] - r_peak_times_s[k].
double rr_after(const sig::SyntheticRecording& r, std::size_t k) {
  const auto i = static_cast<Eigen::Index>(k);
  return r.r_peak_times_s[i + 1] - r.r_peak_times_s[i];
}

bool tagged(const sig::SyntheticRecording& r, std::size_t k, sig::BeatTag tag) {
  return sig::has_tag(r.beat_tags[k], tag);
}

// Full width at half maximum (s) of the R deflection of the beat at sample `peak`, measured from
// the mean level 100-60 ms before it (the PR segment, or the TP segment for a PVC without P).
double r_width_s(const Eigen::VectorXd& x, Eigen::Index peak, double fs_hz, double sign) {
  const Eigen::Index b0 = peak - samples(0.10, fs_hz), b1 = peak - samples(0.06, fs_hz);
  const double base = x.segment(b0, b1 - b0).mean();
  const double half = base + 0.5 * (x[peak] - base);
  Eigen::Index lo = peak, hi = peak;
  while (sign * (x[lo - 1] - half) > 0.0) --lo;
  while (sign * (x[hi + 1] - half) > 0.0) ++hi;
  return static_cast<double>(hi - lo + 1) / fs_hz;
}

// Whether `count` successes in `n` Bernoulli(p) trials lie within 4.5 standard deviations.
void expect_binomial(std::size_t count, std::size_t n, double p, const char* what) {
  const double mean = p * static_cast<double>(n);
  const double sd = std::sqrt(static_cast<double>(n) * p * (1.0 - p));
  EXPECT_NEAR(static_cast<double>(count), mean, 4.5 * sd + 1.0)
      << what << ": " << count << " of " << n << " beats, p = " << p;
}

}  // namespace

TEST(SynthAnomalies, DefaultsInjectNothing) {
  auto rc = quiet(60.0);
  const auto r = sig::synthesize(rc);
  ASSERT_EQ(r.annotations.size(), r.beat_tags.size());
  ASSERT_EQ(static_cast<Eigen::Index>(r.annotations.size()), r.r_peak_times_s.size());
  EXPECT_NEAR(static_cast<double>(r.annotations.size()), 60.0, 2.0);
  for (std::size_t k = 0; k < r.annotations.size(); ++k) {
    EXPECT_EQ(r.annotations[k].symbol, 'N');
    EXPECT_EQ(r.annotations[k].aami, sig::AamiClass::N);
    EXPECT_EQ(r.beat_tags[k], 0u);
  }
  EXPECT_TRUE(r.episodes.empty());
  EXPECT_TRUE(r.changes.empty());
  // synthesize() without anomalies or drift is ecgsyn().
  const auto e = sig::ecgsyn(rc.ecg);
  ASSERT_EQ(e.ecg_mv.size(), r.ecg_mv.size());
  EXPECT_EQ(std::memcmp(e.ecg_mv.data(), r.ecg_mv.data(),
                        sizeof(double) * static_cast<std::size_t>(r.ecg_mv.size())),
            0);
}

TEST(SynthAnomalies, BeatLabelsAppearAtTheConfiguredRates) {
  auto rc = quiet(1800.0, 250.0, 21);
  rc.ecg.heart_rate_bpm = 75.0;
  auto& a = rc.anomalies;
  a.pvc_rate = 0.08;
  a.spb_rate = 0.04;
  a.st_elevation_rate = 0.05;
  a.st_depression_rate = 0.03;
  a.t_inversion_rate = 0.06;
  const auto r = sig::synthesize(rc);
  const std::size_t n = r.annotations.size() - 1;  // the first beat is never ectopic
  std::size_t pvc = 0, spb = 0, el = 0, dep = 0, inv = 0, non_pvc = 0;
  for (std::size_t k = 1; k < r.annotations.size(); ++k) {
    const char s = r.annotations[k].symbol;
    pvc += s == 'V';
    spb += s == 'A';
    // Labels and tags agree, with the EC57 class of the symbol.
    EXPECT_EQ(s == 'V', tagged(r, k, sig::BeatTag::pvc)) << "beat " << k;
    EXPECT_EQ(s == 'A', tagged(r, k, sig::BeatTag::spb)) << "beat " << k;
    EXPECT_EQ(r.annotations[k].aami,
              s == 'V' ? sig::AamiClass::V : s == 'A' ? sig::AamiClass::S : sig::AamiClass::N);
    if (s == 'V') {
      // ST and T changes are not applied to ventricular beats.
      EXPECT_EQ(r.beat_tags[k], static_cast<sig::BeatTags>(sig::BeatTag::pvc));
      continue;
    }
    ++non_pvc;
    el += tagged(r, k, sig::BeatTag::st_elevation);
    dep += tagged(r, k, sig::BeatTag::st_depression);
    inv += tagged(r, k, sig::BeatTag::t_inversion);
    EXPECT_FALSE(tagged(r, k, sig::BeatTag::st_elevation) &&
                 tagged(r, k, sig::BeatTag::st_depression));
  }
  ASSERT_GT(n, 2000u);
  expect_binomial(pvc, n, a.pvc_rate, "pvc");
  expect_binomial(spb, n, a.spb_rate, "spb");
  expect_binomial(el, non_pvc, a.st_elevation_rate, "st_elevation");
  expect_binomial(dep, non_pvc, a.st_depression_rate, "st_depression");
  expect_binomial(inv, non_pvc, a.t_inversion_rate, "t_inversion");
}

TEST(SynthAnomalies, PvcIsEarlyWithAFullyCompensatoryPause) {
  auto rc = quiet(600.0);
  rc.ecg.heart_rate_bpm = 70.0;
  rc.ecg.heart_rate_std_bpm = 0.0;  // every sinus RR is exactly 60/70 s
  rc.anomalies.pvc_rate = 0.1;
  const auto r = sig::synthesize(rc);
  const double rr_s = 60.0 / 70.0;
  int checked = 0;
  for (std::size_t k = 1; k + 1 < r.annotations.size(); ++k) {
    if (r.annotations[k].symbol != 'V' || r.annotations[k - 1].symbol != 'N' ||
        r.annotations[k + 1].symbol != 'N') {
      continue;
    }
    const double before = rr_after(r, k - 1), after = rr_after(r, k);
    EXPECT_GE(before, rc.anomalies.pvc_coupling_min * rr_s - 1e-9) << "beat " << k;
    EXPECT_LE(before, rc.anomalies.pvc_coupling_max * rr_s + 1e-9) << "beat " << k;
    EXPECT_NEAR(before + after, 2.0 * rr_s, 1e-9) << "beat " << k;
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

TEST(SynthAnomalies, SpbIsEarlyAndResetsTheSinusNode) {
  auto rc = quiet(600.0);
  rc.ecg.heart_rate_bpm = 70.0;
  rc.ecg.heart_rate_std_bpm = 0.0;
  rc.anomalies.spb_rate = 0.1;
  const auto r = sig::synthesize(rc);
  const double rr_s = 60.0 / 70.0;
  int checked = 0;
  for (std::size_t k = 1; k + 1 < r.annotations.size(); ++k) {
    if (r.annotations[k].symbol != 'A' || r.annotations[k + 1].symbol != 'N') continue;
    const double before = rr_after(r, k - 1);
    EXPECT_GE(before, rc.anomalies.spb_coupling_min * rr_s - 1e-9) << "beat " << k;
    EXPECT_LE(before, rc.anomalies.spb_coupling_max * rr_s + 1e-9) << "beat " << k;
    EXPECT_NEAR(rr_after(r, k), rr_s, 1e-9) << "beat " << k;  // non-compensatory
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

// Morphology at 50 bpm with late coupling, so that each ectopic beat's own P/PR region lies in
// the previous beat's TP segment and can be inspected.
sig::SyntheticRecording late_ectopics(double pvc_rate, double spb_rate, double fs_hz = 500.0) {
  auto rc = quiet(600.0, fs_hz, 4);
  rc.ecg.heart_rate_bpm = 50.0;
  rc.ecg.heart_rate_std_bpm = 0.0;
  rc.anomalies.pvc_rate = pvc_rate;
  rc.anomalies.spb_rate = spb_rate;
  rc.anomalies.pvc_coupling_min = rc.anomalies.spb_coupling_min = 0.9;
  rc.anomalies.pvc_coupling_max = rc.anomalies.spb_coupling_max = 0.95;
  return sig::synthesize(rc);
}

// Peak-to-peak of x in [r + from_s, r + to_s) and its extreme values.
struct Window {
  double min, max;
};
Window window(const Eigen::VectorXd& x, Eigen::Index r, double from_s, double to_s, double fs) {
  const Eigen::Index a = r + samples(from_s, fs), b = r + samples(to_s, fs);
  return {x.segment(a, b - a).minCoeff(), x.segment(a, b - a).maxCoeff()};
}

TEST(SynthAnomalies, PvcHasAWideQrsNoPWaveAndADiscordantT) {
  const double fs = 500.0;
  const auto r = late_ectopics(0.1, 0.0, fs);
  const Eigen::VectorXd& x = r.ecg_mv;
  std::vector<double> normal_width, pvc_width, normal_r, pvc_r;
  for (std::size_t k = 2; k + 2 < r.annotations.size(); ++k) {
    const Eigen::Index p = r.annotations[k].sample;
    const bool isolated = r.annotations[k - 1].symbol == 'N' && r.annotations[k + 1].symbol == 'N';
    if (r.annotations[k].symbol == 'V' && isolated) {
      pvc_width.push_back(r_width_s(x, p, fs, 1.0));
      pvc_r.push_back(x[p]);
      // No P wave: where a sinus P would peak (223 ms before R at 50 bpm) the signal is flat;
      // the previous T has ended and the wide R (σ ≈ 44 ms) has not started.
      const Window pr = window(x, p, -0.35, -0.15, fs);
      EXPECT_LT(pr.max - pr.min, 0.03) << "beat " << k;
      // T opposite to the upright QRS, deep.
      EXPECT_LT(window(x, p, 0.15, 0.5, fs).min, -0.8) << "beat " << k;
    } else if (r.annotations[k].symbol == 'N' && r.annotations[k - 1].symbol == 'N') {
      normal_width.push_back(r_width_s(x, p, fs, 1.0));
      normal_r.push_back(x[p]);
      const Window pr = window(x, p, -0.35, -0.15, fs);
      EXPECT_GT(pr.max - pr.min, 0.1) << "beat " << k;  // the P wave
      EXPECT_GT(window(x, p, 0.15, 0.5, fs).max, 0.2) << "beat " << k;  // upright T
    }
  }
  ASSERT_GT(pvc_width.size(), 20u);
  const double w_pvc = *std::min_element(pvc_width.begin(), pvc_width.end());
  const double w_normal = *std::max_element(normal_width.begin(), normal_width.end());
  // The default beat's R is ~37 ms wide at half height (b = 0.1 rad), the PVC's ~94 ms.
  EXPECT_NEAR(w_normal, 0.037, 0.006);
  EXPECT_GT(w_pvc, 2.2 * w_normal);
  EXPECT_GT(w_pvc, 0.08);
  EXPECT_GT(*std::min_element(pvc_r.begin(), pvc_r.end()),
            *std::max_element(normal_r.begin(), normal_r.end()));
}

TEST(SynthAnomalies, NegatedPvcWavesGiveANegativeQrsAndUprightT) {
  auto rc = quiet(300.0, 360.0, 8);
  rc.anomalies.pvc_rate = 0.15;
  for (auto& w : rc.anomalies.pvc_waves) w.amplitude = -w.amplitude;
  const auto r = sig::synthesize(rc);
  int checked = 0;
  for (std::size_t k = 1; k + 1 < r.annotations.size(); ++k) {
    if (r.annotations[k].symbol != 'V') continue;
    const Eigen::Index p = r.annotations[k].sample;
    EXPECT_LT(r.ecg_mv[p], -1.0) << "beat " << k;  // annotated at the negative extremum
    EXPECT_GT(window(r.ecg_mv, p, 0.15, 0.45, 360.0).max, 0.5) << "beat " << k;
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST(SynthAnomalies, SpbHasANormalQrsAndAnInvertedP) {
  const double fs = 500.0;
  const auto r = late_ectopics(0.0, 0.1, fs);
  const Eigen::VectorXd& x = r.ecg_mv;
  std::vector<double> normal_width, normal_r;
  for (std::size_t k = 2; k + 1 < r.annotations.size(); ++k) {
    if (r.annotations[k].symbol == 'N' && r.annotations[k - 1].symbol == 'N') {
      normal_width.push_back(r_width_s(x, r.annotations[k].sample, fs, 1.0));
      normal_r.push_back(x[r.annotations[k].sample]);
    }
  }
  std::sort(normal_r.begin(), normal_r.end());
  const double median_r = normal_r[normal_r.size() / 2];
  int checked = 0;
  for (std::size_t k = 2; k + 1 < r.annotations.size(); ++k) {
    if (r.annotations[k].symbol != 'A' || r.annotations[k - 1].symbol != 'N') continue;
    const Eigen::Index p = r.annotations[k].sample;
    EXPECT_NEAR(r_width_s(x, p, fs, 1.0), normal_width.front(), 2.0 / fs) << "beat " << k;
    EXPECT_NEAR(x[p], median_r, 0.05 * median_r) << "beat " << k;
    // spb_p_scale = -0.5: at the P apex (θ_P = -70° (50/60)^(1/4) = -66.9°, 223 ms before R
    // at 50 bpm) the signal lies below the TP segment 130 ms earlier; for a sinus beat above.
    const double p_wave = x[p - samples(0.223, fs)] - x[p - samples(0.353, fs)];
    EXPECT_LT(p_wave, -0.05) << "beat " << k;
    const Eigen::Index q = r.annotations[k - 1].sample;
    EXPECT_GT(x[q - samples(0.223, fs)] - x[q - samples(0.353, fs)], 0.1) << "beat " << k;
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST(SynthAnomalies, StShiftHasTheConfiguredMillivolts) {
  // The model is linear in the forcing, so the shift is the difference from the same record
  // without it (the ST draws do not move any beat). It is measured as an ECG reader does, from
  // the beat's own PR segment (the -z relaxation of the added event lowers the whole record by
  // its mean, ~0.02 mV, which the PR reference removes).
  for (const double hr_bpm : {60.0, 110.0}) {
    auto rc = quiet(60.0, 360.0, 3);
    rc.ecg.heart_rate_bpm = hr_bpm;
    const auto base = sig::synthesize(rc);
    rc.anomalies.st_elevation_rate = 1.0;
    const auto up = sig::synthesize(rc);
    rc.anomalies.st_elevation_rate = 0.0;
    rc.anomalies.st_depression_rate = 1.0;
    const auto down = sig::synthesize(rc);
    ASSERT_EQ(base.annotations.size(), up.annotations.size());
    const Eigen::VectorXd d_up = up.ecg_mv - base.ecg_mv, d_down = down.ecg_mv - base.ecg_mv;
    const Eigen::Index pr = samples(0.08 * std::sqrt(60.0 / hr_bpm), 360.0);
    for (std::size_t k = 2; k + 2 < base.annotations.size(); ++k) {
      // Same R events; the apex may move by a sample (the ST event's tail tilts it).
      ASSERT_EQ(base.r_peak_times_s[static_cast<Eigen::Index>(k)],
                up.r_peak_times_s[static_cast<Eigen::Index>(k)]);
      EXPECT_LE(std::abs(base.annotations[k].sample - up.annotations[k].sample), 1);
      EXPECT_TRUE(tagged(up, k, sig::BeatTag::st_elevation));
      EXPECT_TRUE(tagged(down, k, sig::BeatTag::st_depression));
      const Eigen::Index p = base.annotations[k].sample;
      const Eigen::Index end = p + samples(0.4 * 60.0 / hr_bpm, 360.0);
      Eigen::Index at = 0;
      const double peak = d_up.segment(p, end - p).maxCoeff(&at) - d_up[p - pr];
      EXPECT_NEAR(peak, 0.2, 0.2 * 0.02) << "hr " << hr_bpm << " beat " << k;
      EXPECT_NEAR(d_down.segment(p, end - p).minCoeff() - d_down[p - pr], -0.15, 0.15 * 0.02);
      // The shift peaks between the S wave and the T peak: 40-130 ms after R at 60 bpm.
      const double delay_s = static_cast<double>(at) / 360.0;
      EXPECT_GT(delay_s, 0.04 * std::sqrt(60.0 / hr_bpm)) << "hr " << hr_bpm;
      EXPECT_LT(delay_s, 0.13) << "hr " << hr_bpm;
    }
  }
}

TEST(SynthAnomalies, TInversionFlipsTheTWave) {
  auto rc = quiet(60.0, 360.0, 3);
  const auto base = sig::synthesize(rc);
  rc.anomalies.t_inversion_rate = 1.0;
  const auto inv = sig::synthesize(rc);
  const Eigen::Index tp = samples(0.6, 360.0);  // TP segment at 60 bpm
  for (std::size_t k = 2; k + 2 < base.annotations.size(); ++k) {
    EXPECT_TRUE(tagged(inv, k, sig::BeatTag::t_inversion));
    const Eigen::Index p = base.annotations[k].sample;
    Eigen::Index at = 0;
    const Eigen::Index from = p + samples(0.18, 360.0);
    const double t_base = base.ecg_mv.segment(from, samples(0.2, 360.0)).maxCoeff(&at);
    // The upright T of ~0.35 mV over the TP level becomes a trough of similar depth there.
    EXPECT_GT(t_base - base.ecg_mv[p + tp], 0.3) << "beat " << k;
    EXPECT_LT(inv.ecg_mv[from + at] - inv.ecg_mv[p + tp], -0.3) << "beat " << k;
  }
}

TEST(SynthAnomalies, AtrialFibrillationEpisode) {
  auto rc = quiet(600.0, 250.0, 5);
  rc.ecg.heart_rate_bpm = 65.0;
  rc.anomalies.af_heart_rate_bpm = 110.0;
  rc.anomalies.af_rr_cv = 0.25;
  rc.anomalies.episodes.push_back({sig::EpisodeKind::af, 120.0, 360.0, {}});
  const auto r = sig::synthesize(rc);
  ASSERT_EQ(r.episodes.size(), 1u);
  EXPECT_EQ(r.episodes[0].kind, sig::EpisodeKind::af);
  EXPECT_EQ(r.episodes[0].start_sample, 30000);
  EXPECT_EQ(r.episodes[0].end_sample, 120000);
  EXPECT_EQ(r.episodes[0].magnitude, rc.anomalies.af_fwave_mv);

  std::vector<double> rr_in, rr_out;
  for (std::size_t k = 0; k + 1 < r.annotations.size(); ++k) {
    const double t = r.r_peak_times_s[static_cast<Eigen::Index>(k)];
    const bool inside = t >= 120.0 && t < 480.0;
    EXPECT_EQ(tagged(r, k, sig::BeatTag::af), inside) << "t " << t;
    EXPECT_EQ(r.annotations[k].symbol, 'N');  // AF beats are normal QRS complexes
    const double t_next = r.r_peak_times_s[static_cast<Eigen::Index>(k + 1)];
    if (t >= 122.0 && t_next < 478.0) rr_in.push_back(rr_after(r, k));
    if (t_next < 118.0 || t > 482.0) rr_out.push_back(rr_after(r, k));
  }
  auto mean_sd = [](const std::vector<double>& v) {
    const Eigen::Map<const Eigen::VectorXd> m(v.data(), static_cast<Eigen::Index>(v.size()));
    const double mean = m.mean();
    return std::make_pair(mean, std::sqrt((m.array() - mean).square().mean()));
  };
  const auto [mean_in, sd_in] = mean_sd(rr_in);
  const auto [mean_out, sd_out] = mean_sd(rr_out);
  EXPECT_NEAR(mean_in, 60.0 / 110.0, 0.04 * 60.0 / 110.0);
  EXPECT_NEAR(sd_in / mean_in, 0.25, 0.05);  // irregularly irregular ...
  EXPECT_LT(sd_out / mean_out, 0.03);        // ... sinus rhythm is not
  EXPECT_NEAR(mean_out, 60.0 / 65.0, 0.02 * 60.0 / 65.0);
  // ... and uncorrelated from beat to beat.
  double num = 0.0, den = 0.0;
  for (std::size_t k = 0; k + 1 < rr_in.size(); ++k) {
    num += (rr_in[k] - mean_in) * (rr_in[k + 1] - mean_in);
    den += (rr_in[k] - mean_in) * (rr_in[k] - mean_in);
  }
  EXPECT_LT(std::fabs(num / den), 0.15);
  // Never shorter than the refractory floor (1 - cv) m.
  EXPECT_GE(*std::min_element(rr_in.begin(), rr_in.end()), 0.75 * 60.0 / 110.0 - 1e-9);
}

TEST(SynthAnomalies, FibrillatoryWavesHaveTheConfiguredRmsAndRate) {
  // Same record with f-waves of 0 and 0.05 mV: the difference is the f-wave signal alone.
  auto rc = quiet(200.0, 250.0, 6);
  rc.anomalies.episodes.push_back({sig::EpisodeKind::af, 20.0, 160.0, 0.0});
  const auto silent = sig::synthesize(rc);
  rc.anomalies.episodes[0].magnitude = 0.05;
  const auto af = sig::synthesize(rc);
  const Eigen::VectorXd f = af.ecg_mv - silent.ecg_mv;
  EXPECT_EQ(f.head(5000).cwiseAbs().maxCoeff(), 0.0);  // nothing before 20 s ...
  EXPECT_EQ(f.tail(5000).cwiseAbs().maxCoeff(), 0.0);  // ... or after 180 s
  const Eigen::VectorXd inside = f.segment(5000 + 250, 40000 - 500);
  // rms: magnitude x sqrt(1 + depth²/2) with the 1/3 amplitude modulation.
  EXPECT_NEAR(rms(inside), 0.05 * std::sqrt(1.0 + 1.0 / 18.0), 0.05 * 0.05);
  // The spectral peak is the atrial rate (6 Hz, frequency-modulated by ±0.2 Hz).
  const Eigen::Index n = 32768;
  std::vector<double> seg(inside.data(), inside.data() + n);
  std::vector<std::complex<double>> spectrum;
  Eigen::FFT<double> fft;
  fft.fwd(spectrum, seg);
  std::size_t best = 1;
  for (std::size_t i = 1; i < spectrum.size() / 2; ++i) {
    if (std::abs(spectrum[i]) > std::abs(spectrum[best])) best = i;
  }
  EXPECT_NEAR(static_cast<double>(best) * 250.0 / static_cast<double>(n), 6.0, 0.25);
}

TEST(SynthAnomalies, NoiseBurstsAreWhereAndWhatTheySay) {
  auto rc = quiet(120.0, 360.0, 7);
  const auto clean = sig::synthesize(rc);
  rc.anomalies.episodes.push_back({sig::EpisodeKind::noise_emg, 10.0, 30.0, 0.1});
  rc.anomalies.episodes.push_back({sig::EpisodeKind::noise_motion, 60.0, 30.0, {}});
  const auto noisy = sig::synthesize(rc);
  ASSERT_EQ(noisy.episodes.size(), 2u);
  EXPECT_EQ(noisy.episodes[1].magnitude, rc.anomalies.motion_noise_mv);  // the default
  const Eigen::VectorXd d = noisy.ecg_mv - clean.ecg_mv;
  // Exactly zero outside the bursts; the beats themselves are untouched.
  EXPECT_EQ(d.head(3600).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_EQ(d.segment(14400, 7200).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_EQ(d.tail(43200 - 32400).cwiseAbs().maxCoeff(), 0.0);
  ASSERT_EQ(clean.annotations.size(), noisy.annotations.size());
  const Eigen::VectorXd emg = d.segment(3600 + 72, 10800 - 144);
  const Eigen::VectorXd motion = d.segment(21600 + 72, 10800 - 144);
  EXPECT_NEAR(rms(emg), 0.1, 0.1 * 0.05);
  EXPECT_NEAR(rms(motion), 0.3, 0.3 * 0.15);  // 0.5-12 Hz over 30 s: fewer degrees of freedom
  // EMG is broadband (12-70 Hz): adjacent samples much less alike than the motion's 0.5-12 Hz.
  auto lag1 = [](const Eigen::VectorXd& x) {
    const Eigen::Index n = x.size();
    return x.head(n - 1).dot(x.tail(n - 1)) / x.squaredNorm();
  };
  EXPECT_LT(lag1(emg), 0.8);
  EXPECT_GT(lag1(motion), 0.98);
  for (std::size_t k = 0; k < noisy.annotations.size(); ++k) {
    const double t = noisy.r_peak_times_s[static_cast<Eigen::Index>(k)];
    const bool inside = (t >= 10.0 && t < 40.0) || (t >= 60.0 && t < 90.0);
    EXPECT_EQ(tagged(noisy, k, sig::BeatTag::noisy), inside) << "t " << t;
  }
}

TEST(SynthAnomalies, StAndTEpisodesTagEveryBeatInside) {
  auto rc = quiet(120.0, 360.0, 2);
  rc.anomalies.pvc_rate = 0.1;
  rc.anomalies.episodes.push_back({sig::EpisodeKind::st_depression, 20.0, 30.0, 0.25});
  rc.anomalies.episodes.push_back({sig::EpisodeKind::st_elevation, 60.0, 30.0, {}});
  rc.anomalies.episodes.push_back({sig::EpisodeKind::t_inversion, 40.0, 40.0, 0.5});
  const auto r = sig::synthesize(rc);
  ASSERT_EQ(r.episodes.size(), 3u);
  EXPECT_EQ(r.episodes[0].kind, sig::EpisodeKind::st_depression);  // sorted by start
  EXPECT_EQ(r.episodes[1].kind, sig::EpisodeKind::t_inversion);
  EXPECT_EQ(r.episodes[2].magnitude, 0.2);  // the st_elevation_mv default
  for (std::size_t k = 0; k < r.annotations.size(); ++k) {
    const double t = r.r_peak_times_s[static_cast<Eigen::Index>(k)];
    const bool v = r.annotations[k].symbol == 'V';
    EXPECT_EQ(tagged(r, k, sig::BeatTag::st_depression), !v && t >= 20.0 && t < 50.0) << t;
    EXPECT_EQ(tagged(r, k, sig::BeatTag::st_elevation), !v && t >= 60.0 && t < 90.0) << t;
    EXPECT_EQ(tagged(r, k, sig::BeatTag::t_inversion), !v && t >= 40.0 && t < 80.0) << t;
  }
}

TEST(SynthAnomalies, RandomEpisodesFollowTheirRate) {
  auto rc = quiet(4.0 * 3600.0, 100.0, 11);
  rc.ecg.heart_rate_std_bpm = 0.0;
  // Off-times are exponential with mean 3600 / 12 = 300 s, on-times uniform in [10, 30] s.
  rc.anomalies.random_episodes.push_back({sig::EpisodeKind::noise_emg, 12.0, 20.0, 0.05});
  rc.anomalies.random_episodes.push_back({sig::EpisodeKind::noise_emg, 12.0, 20.0, 0.05});
  const auto r = sig::synthesize(rc);
  int count = 0;
  double previous_end = -1.0;
  for (const auto& e : r.episodes) {
    ASSERT_EQ(e.kind, sig::EpisodeKind::noise_emg);
    EXPECT_GE(e.end_s - e.start_s, 10.0 - 1e-9);
    EXPECT_LE(e.end_s - e.start_s, 30.0 + 1e-9);
    EXPECT_GE(e.start_s, previous_end);  // one kind never overlaps: clashing draws are dropped
    previous_end = e.end_s;
    ++count;
  }
  // One process alone gives 4 h / (300 + 20) s = 45 episodes (sd ~6.7); two give at most 90,
  // fewer because the second's clashing draws are dropped.
  EXPECT_GT(count, 60);
  EXPECT_LT(count, 90 + 25);
}

TEST(SynthAnomalies, EveryRPeakAnnotationSitsOnItsBeatsExtremum) {
  for (const double fs_hz : {100.0, 250.0, 360.0, 1000.0}) {
    for (const double sign : {1.0, -1.0}) {
      auto rc = quiet(180.0, fs_hz, 13);
      rc.ecg.heart_rate_bpm = 80.0;
      rc.ecg.heart_rate_std_bpm = 3.0;
      auto& a = rc.anomalies;
      a.pvc_rate = 0.12;
      a.spb_rate = 0.08;
      a.st_elevation_rate = 0.1;
      a.st_depression_rate = 0.1;
      a.t_inversion_rate = 0.1;
      a.af_fwave_mv = 0.0;  // the extremum is checked on the clean signal
      a.episodes.push_back({sig::EpisodeKind::af, 60.0, 60.0, {}});
      if (sign < 0.0) {
        for (auto& w : a.pvc_waves) w.amplitude = -w.amplitude;
      }
      const auto r = sig::synthesize(rc);
      const Eigen::VectorXd& x = r.ecg_mv;
      const Eigen::Index half = samples(0.06, fs_hz);
      int pvcs = 0;
      for (std::size_t k = 0; k < r.annotations.size(); ++k) {
        const Eigen::Index p = r.annotations[k].sample;
        const double t = r.r_peak_times_s[static_cast<Eigen::Index>(k)];
        // The R event and the annotated sample agree within 2 samples (a PVC's wide apex sits
        // ~1.5 ms before its event: the -z relaxation pulls it forward) ...
        EXPECT_LE(std::fabs(static_cast<double>(p) - t * fs_hz), 2.0)
            << "fs " << fs_hz << " beat " << k << " " << r.annotations[k].symbol;
        if (p < half || p + half >= x.size()) continue;
        // ... and no sample within ±60 ms is further out in the beat's R direction.
        const double s = r.annotations[k].symbol == 'V' ? sign : 1.0;
        pvcs += r.annotations[k].symbol == 'V';
        const Eigen::VectorXd w = s * x.segment(p - half, 2 * half + 1);
        Eigen::Index at = 0;
        w.maxCoeff(&at);
        EXPECT_LE(std::abs(at - half), 1) << "fs " << fs_hz << " beat " << k << " "
                                          << r.annotations[k].symbol;
      }
      EXPECT_GT(pvcs, 15) << "fs " << fs_hz;
    }
  }
}

TEST(SynthAnomalies, SameConfigGivesIdenticalBytesAndFeaturesKeepTheirDraws) {
  auto rc = quiet(120.0, 360.0, 99);
  rc.ecg.noise_mv = 0.01;
  rc.anomalies.pvc_rate = 0.1;
  rc.anomalies.spb_rate = 0.05;
  rc.anomalies.st_elevation_rate = 0.05;
  rc.anomalies.t_inversion_rate = 0.05;
  rc.anomalies.episodes.push_back({sig::EpisodeKind::af, 30.0, 30.0, {}});
  rc.anomalies.random_episodes.push_back({sig::EpisodeKind::noise_motion, 60.0, 5.0, {}});
  rc.drift.changes.push_back(sig::DriftChange::gain_drift(70.0, 100.0, -0.3));
  const auto a = sig::synthesize(rc);
  const auto b = sig::synthesize(rc);
  ASSERT_EQ(a.ecg_mv.size(), b.ecg_mv.size());
  EXPECT_EQ(std::memcmp(a.ecg_mv.data(), b.ecg_mv.data(),
                        sizeof(double) * static_cast<std::size_t>(a.ecg_mv.size())),
            0);
  ASSERT_EQ(a.annotations.size(), b.annotations.size());
  for (std::size_t k = 0; k < a.annotations.size(); ++k) {
    EXPECT_EQ(a.annotations[k].sample, b.annotations[k].sample);
    EXPECT_EQ(a.annotations[k].symbol, b.annotations[k].symbol);
    EXPECT_EQ(a.beat_tags[k], b.beat_tags[k]);
  }
  ASSERT_EQ(a.episodes.size(), b.episodes.size());
  for (std::size_t i = 0; i < a.episodes.size(); ++i) {
    EXPECT_EQ(a.episodes[i].start_s, b.episodes[i].start_s);
  }
  // Noise bursts have their own streams: removing them leaves every beat where it was.
  rc.anomalies.random_episodes.clear();
  const auto c = sig::synthesize(rc);
  ASSERT_EQ(a.annotations.size(), c.annotations.size());
  for (std::size_t k = 0; k < a.annotations.size(); ++k) {
    EXPECT_EQ(a.annotations[k].sample, c.annotations[k].sample);
  }
  // A higher PVC rate keeps every earlier PVC (each beat draws its uniforms whatever it becomes)
  // until the first beat whose timing changed.
  rc.anomalies.pvc_rate = 0.2;
  const auto d = sig::synthesize(rc);
  for (std::size_t k = 0; k < a.annotations.size() && k < d.annotations.size(); ++k) {
    if (a.annotations[k].sample != d.annotations[k].sample) break;
    if (a.annotations[k].symbol == 'V') {
      EXPECT_EQ(d.annotations[k].symbol, 'V') << k;
    }
  }
}

TEST(SynthAnomalies, InvalidConfigsThrowNamingTheField) {
  using Mutation = std::function<void(sig::RecordingConfig&)>;
  const double nan = std::nan("");
  const std::vector<std::pair<std::string, Mutation>> cases = {
      {"anomalies.pvc_rate", [](auto& c) { c.anomalies.pvc_rate = -0.1; }},
      {"anomalies.pvc_rate", [](auto& c) { c.anomalies.pvc_rate = 1.5; }},
      {"anomalies.spb_rate", [&](auto& c) { c.anomalies.spb_rate = nan; }},
      {"anomalies.pvc_rate + anomalies.spb_rate",
       [](auto& c) { c.anomalies.pvc_rate = c.anomalies.spb_rate = 0.6; }},
      {"anomalies.st_elevation_rate + anomalies.st_depression_rate",
       [](auto& c) { c.anomalies.st_elevation_rate = c.anomalies.st_depression_rate = 0.6; }},
      {"anomalies.t_inversion_rate", [](auto& c) { c.anomalies.t_inversion_rate = 2.0; }},
      {"anomalies.pvc_coupling_min", [](auto& c) { c.anomalies.pvc_coupling_min = 0.1; }},
      {"anomalies.spb_coupling_max", [](auto& c) { c.anomalies.spb_coupling_max = 1.2; }},
      {"anomalies.pvc_coupling_min (0.69999999999999996) must not exceed",
       [](auto& c) { c.anomalies.pvc_coupling_min = 0.7, c.anomalies.pvc_coupling_max = 0.6; }},
      {"anomalies.pvc_waves[2] (R).amplitude must not be 0",
       [](auto& c) { c.anomalies.pvc_waves[2].amplitude = 0.0; }},
      {"anomalies.pvc_waves[4] (T).width_rad",
       [](auto& c) { c.anomalies.pvc_waves[4].width_rad = -0.1; }},
      {"anomalies.spb_p_scale", [](auto& c) { c.anomalies.spb_p_scale = 3.0; }},
      {"anomalies.st_elevation_mv", [](auto& c) { c.anomalies.st_elevation_mv = -0.1; }},
      {"anomalies.st_depression_mv", [](auto& c) { c.anomalies.st_depression_mv = 0.0; }},
      {"anomalies.t_inversion_scale", [](auto& c) { c.anomalies.t_inversion_scale = -1.0; }},
      {"anomalies.af_heart_rate_bpm", [](auto& c) { c.anomalies.af_heart_rate_bpm = 300.0; }},
      {"anomalies.af_rr_cv", [](auto& c) { c.anomalies.af_rr_cv = 0.0; }},
      {"anomalies.af_fwave_mv", [](auto& c) { c.anomalies.af_fwave_mv = -0.01; }},
      {"anomalies.af_fwave_hz", [](auto& c) { c.anomalies.af_fwave_hz = 20.0; }},
      {"anomalies.emg_noise_mv", [&](auto& c) { c.anomalies.emg_noise_mv = nan; }},
      {"anomalies.episodes[0] (af).start_s",
       [](auto& c) { c.anomalies.episodes.push_back({sig::EpisodeKind::af, -1.0, 5.0, {}}); }},
      {"anomalies.episodes[0] (noise_emg).start_s",
       [](auto& c) {
         c.anomalies.episodes.push_back({sig::EpisodeKind::noise_emg, 60.0, 5.0, {}});
       }},
      {"anomalies.episodes[0] (af).duration_s",
       [](auto& c) { c.anomalies.episodes.push_back({sig::EpisodeKind::af, 10.0, 0.0, {}}); }},
      {"anomalies.episodes[0] (af) must end inside the record",
       [](auto& c) { c.anomalies.episodes.push_back({sig::EpisodeKind::af, 50.0, 20.0, {}}); }},
      {"anomalies.episodes[0] (st_elevation).magnitude",
       [](auto& c) {
         c.anomalies.episodes.push_back({sig::EpisodeKind::st_elevation, 5.0, 5.0, -0.2});
       }},
      {"anomalies.episodes[1] (st_depression) overlaps anomalies.episodes[0] (st_elevation)",
       [](auto& c) {
         c.anomalies.episodes.push_back({sig::EpisodeKind::st_elevation, 5.0, 10.0, {}});
         c.anomalies.episodes.push_back({sig::EpisodeKind::st_depression, 14.0, 10.0, {}});
       }},
      {"anomalies.random_episodes[0] (noise_motion).rate_per_hour",
       [](auto& c) {
         c.anomalies.random_episodes.push_back({sig::EpisodeKind::noise_motion, -1.0, 5.0, {}});
       }},
      {"anomalies.random_episodes[0] (af).mean_duration_s",
       [](auto& c) {
         c.anomalies.random_episodes.push_back({sig::EpisodeKind::af, 5.0, 0.0, {}});
       }},
  };
  for (const auto& [field, mutate] : cases) {
    sig::RecordingConfig c;
    c.ecg.duration_s = 60.0;
    mutate(c);
    expect_invalid([&] { sig::synthesize(c); }, field);
  }
  EXPECT_EQ(sig::parse_beat_tag("t_inversion"), sig::BeatTag::t_inversion);
  EXPECT_EQ(sig::parse_episode_kind("noise_motion"), sig::EpisodeKind::noise_motion);
  expect_invalid([] { sig::parse_beat_tag("vt"); }, "unknown beat tag 'vt'");
  expect_invalid([] { sig::parse_episode_kind("flutter"); }, "unknown episode kind 'flutter'");
  // Adjacent episodes of one kind and the limits themselves are accepted.
  sig::RecordingConfig ok;
  ok.ecg.duration_s = 60.0;
  ok.anomalies.pvc_rate = 0.5;
  ok.anomalies.spb_rate = 0.5;
  ok.anomalies.episodes.push_back({sig::EpisodeKind::af, 0.0, 30.0, {}});
  ok.anomalies.episodes.push_back({sig::EpisodeKind::af, 30.0, 30.0, 0.0});
  EXPECT_NO_THROW(sig::synthesize(ok));
}
