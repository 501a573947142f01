// ECGSYN synthetic ECG (McSharry et al., IEEE TBME 50(3), 2003): the physical properties the
// paper claims for its output, the ground truth later tests rely on (R-peak positions, RR
// intervals), determinism by seed and the validation of every config field.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/signal/synth.hpp"

namespace sig = ecgad::signal;

namespace {

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

double std_dev(const Eigen::VectorXd& x) {
  const double mean = x.mean();
  return std::sqrt((x.array() - mean).square().sum() / static_cast<double>(x.size() - 1));
}

// R-wave amplitudes at the reported peaks, skipping the first and last beat.
std::vector<double> r_amplitudes_mv(const sig::SyntheticEcg& e) {
  std::vector<double> a;
  for (std::size_t k = 1; k + 1 < e.r_peaks.size(); ++k) a.push_back(e.ecg_mv[e.r_peaks[k]]);
  return a;
}

// Mean heart rate over the first to the last R peak, from the sample indices alone.
double heart_rate_from_peaks_bpm(const sig::SyntheticEcg& e) {
  const auto beats = static_cast<double>(e.r_peaks.size() - 1);
  const double span_s = static_cast<double>(e.r_peaks.back() - e.r_peaks.front()) / e.fs_hz;
  return 60.0 * beats / span_s;
}

// Periodogram of the tachogram as a series in beat number, read as sampled every mean RR (the
// usual approximation for a tachogram whose RR varies by a few percent). Returns (f_hz, power).
std::vector<std::pair<double, double>> rr_periodogram(const Eigen::VectorXd& rr_s) {
  const Eigen::Index n = rr_s.size();
  const Eigen::VectorXd x = rr_s.array() - rr_s.mean();
  const double df_hz = 1.0 / (static_cast<double>(n) * rr_s.mean());
  std::vector<std::pair<double, double>> p;
  for (Eigen::Index j = 1; j < n / 2; ++j) {
    double re = 0.0, im = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double phase = -2.0 * M_PI * static_cast<double>(j * i) / static_cast<double>(n);
      re += x[i] * std::cos(phase);
      im += x[i] * std::sin(phase);
    }
    p.emplace_back(static_cast<double>(j) * df_hz, re * re + im * im);
  }
  return p;
}

double band_power(const std::vector<std::pair<double, double>>& p, double lo_hz, double hi_hz) {
  double sum = 0.0;
  for (const auto& [f, power] : p) sum += (f >= lo_hz && f < hi_hz) ? power : 0.0;
  return sum;
}

double band_peak_hz(const std::vector<std::pair<double, double>>& p, double lo_hz, double hi_hz) {
  double best_f = 0.0, best = -1.0;
  for (const auto& [f, power] : p) {
    if (f >= lo_hz && f < hi_hz && power > best) best = power, best_f = f;
  }
  return best_f;
}

sig::EcgSynthConfig config_for(double duration_s, double fs_hz = 360.0) {
  sig::EcgSynthConfig c;
  c.duration_s = duration_s;
  c.fs_hz = fs_hz;
  return c;
}

}  // namespace

TEST(Synth, DefaultsAreTheReferenceCodeValues) {
  // ecgsyn.m's ti, ai, bi (issue 3): the paper's Table 1 has P at -60° and T at 90° instead.
  const sig::EcgSynthConfig c;
  const double angle_deg[5] = {-70.0, -15.0, 0.0, 15.0, 100.0};
  const double a[5] = {1.2, -5.0, 30.0, -7.5, 0.75};
  const double b_rad[5] = {0.25, 0.1, 0.1, 0.1, 0.4};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(c.waves[i].angle_deg, angle_deg[i]);
    EXPECT_EQ(c.waves[i].amplitude, a[i]);
    EXPECT_EQ(c.waves[i].width_rad, b_rad[i]);
  }
  EXPECT_EQ(c.lf_hz, 0.1);
  EXPECT_EQ(c.hf_hz, 0.25);
  EXPECT_EQ(c.lf_hf_ratio, 0.5);
}

TEST(Synth, LengthAndGroundTruthAreConsistent) {
  const auto e = sig::ecgsyn(config_for(12.5, 250.0));
  EXPECT_EQ(e.fs_hz, 250.0);
  ASSERT_EQ(e.ecg_mv.size(), 3125);
  ASSERT_GE(e.r_peaks.size(), 11u);
  ASSERT_EQ(e.r_peak_times_s.size(), static_cast<Eigen::Index>(e.r_peaks.size()));
  ASSERT_EQ(e.rr_s.size(), e.r_peak_times_s.size() - 1);
  for (std::size_t k = 0; k < e.r_peaks.size(); ++k) {
    const auto kk = static_cast<Eigen::Index>(k);
    EXPECT_GE(e.r_peaks[k], 0);
    EXPECT_LT(e.r_peaks[k], e.ecg_mv.size());
    EXPECT_GE(e.r_peak_times_s[kk], 0.0);
    EXPECT_LE(e.r_peak_times_s[kk], 12.5);
    if (k > 0) {
      EXPECT_DOUBLE_EQ(e.rr_s[kk - 1], e.r_peak_times_s[kk] - e.r_peak_times_s[kk - 1]);
      // The sample spacing of the peaks is the RR interval within the search of a sample each.
      EXPECT_NEAR(static_cast<double>(e.r_peaks[k] - e.r_peaks[k - 1]), e.rr_s[kk - 1] * 250.0,
                  2.0);
    }
  }
  EXPECT_TRUE(e.ecg_mv.allFinite());
  // Shorter than a beat: at most one R event and no interval, but a valid signal.
  const auto short_record = sig::ecgsyn(config_for(0.5));
  EXPECT_EQ(short_record.ecg_mv.size(), 180);
  EXPECT_LE(short_record.r_peaks.size(), 1u);
  EXPECT_EQ(short_record.rr_s.size(), 0);
}

TEST(Synth, MeanHeartRateFromRPeaksWithinTwoPercent) {
  for (const double hr_bpm : {45.0, 60.0, 75.0, 120.0, 180.0}) {
    auto c = config_for(300.0, 250.0);
    c.heart_rate_bpm = hr_bpm;
    c.heart_rate_std_bpm = hr_bpm / 30.0;
    c.seed = 7;
    const auto e = sig::ecgsyn(c);
    EXPECT_NEAR(heart_rate_from_peaks_bpm(e), hr_bpm, 0.02 * hr_bpm) << "hr " << hr_bpm;
    // About one beat per RR over the record.
    EXPECT_NEAR(static_cast<double>(e.r_peaks.size()), 300.0 * hr_bpm / 60.0,
                0.02 * 300.0 * hr_bpm / 60.0 + 1.0);
  }
}

TEST(Synth, RrStandardDeviationNearConfigured) {
  // The reference converts the heart-rate std to an RR std as 60 hr_std / hr² (delta method).
  struct Case {
    double hr_bpm, hr_std_bpm;
  };
  for (const Case& k : {Case{60.0, 1.0}, Case{70.0, 3.0}, Case{90.0, 5.0}}) {
    for (const std::uint64_t seed : {1u, 2u}) {
      // Over 10 min the sample std of 40 seeds fell within 12% of the configured one.
      auto c = config_for(600.0, 100.0);
      c.heart_rate_bpm = k.hr_bpm;
      c.heart_rate_std_bpm = k.hr_std_bpm;
      c.seed = seed;
      const auto e = sig::ecgsyn(c);
      const double expected_s = 60.0 * k.hr_std_bpm / (k.hr_bpm * k.hr_bpm);
      EXPECT_NEAR(std_dev(e.rr_s), expected_s, 0.2 * expected_s)
          << "hr " << k.hr_bpm << " std " << k.hr_std_bpm << " seed " << seed;
      EXPECT_NEAR(e.rr_s.mean(), 60.0 / k.hr_bpm, 0.01 * 60.0 / k.hr_bpm);
    }
  }
}

TEST(Synth, ZeroHeartRateStdGivesConstantRr) {
  auto c = config_for(60.0);
  c.heart_rate_bpm = 72.0;
  c.heart_rate_std_bpm = 0.0;
  const auto e = sig::ecgsyn(c);
  // RR is 60/72 s rounded on the 1080 Hz integration grid, so it alternates within one step.
  EXPECT_LE((e.rr_s.array() - 60.0 / 72.0).abs().maxCoeff(), 1.0 / 1080.0);
}

TEST(Synth, RrSpectrumHasMayerAndRsaPeaks) {
  // Section II-A: a bimodal spectrum with peaks at f1 = 0.1 Hz (Mayer waves) and f2 = 0.25 Hz
  // (RSA), and LF/HF power ratio σ1²/σ2².
  struct Case {
    double ratio;
    std::uint64_t seed;
  };
  for (const Case& k : {Case{0.5, 11}, Case{2.0, 12}}) {
    auto c = config_for(1800.0, 100.0);
    c.heart_rate_std_bpm = 3.0;
    c.lf_hf_ratio = k.ratio;
    c.seed = k.seed;
    const auto e = sig::ecgsyn(c);
    const auto p = rr_periodogram(e.rr_s);
    EXPECT_NEAR(band_peak_hz(p, 0.04, 0.15), 0.1, 0.02) << "ratio " << k.ratio;
    EXPECT_NEAR(band_peak_hz(p, 0.15, 0.4), 0.25, 0.02) << "ratio " << k.ratio;
    const double lf = band_power(p, 0.04, 0.15), hf = band_power(p, 0.15, 0.4);
    EXPECT_NEAR(lf / hf, k.ratio, 0.3 * k.ratio) << "ratio " << k.ratio;
    // Almost all the variance sits in the two bands.
    EXPECT_GT((lf + hf) / band_power(p, 0.0, 1.0), 0.95);
  }
}

TEST(Synth, RPeaksSitOnTheRWaveMaximum) {
  for (const double fs_hz : {100.0, 128.0, 250.0, 360.0, 500.0, 1000.0}) {
    for (const double hr_bpm : {50.0, 80.0, 150.0, 220.0}) {
      auto c = config_for(60.0, fs_hz);
      c.heart_rate_bpm = hr_bpm;
      c.heart_rate_std_bpm = 2.0;
      c.seed = 5;
      const auto e = sig::ecgsyn(c);
      const auto& x = e.ecg_mv;
      for (std::size_t k = 1; k + 1 < e.r_peaks.size(); ++k) {
        const Eigen::Index r = e.r_peaks[k];
        // The phase crossing θ_R and the sampled maximum agree within a sample.
        EXPECT_LE(std::fabs(static_cast<double>(r) -
                            e.r_peak_times_s[static_cast<Eigen::Index>(k)] * fs_hz),
                  1.0)
            << "fs " << fs_hz << " hr " << hr_bpm << " beat " << k;
        // A local maximum of the clean signal ...
        EXPECT_GE(x[r], x[r - 1]);
        EXPECT_GE(x[r], x[r + 1]);
        // ... and the highest point of its beat (midpoint to midpoint between R peaks).
        const Eigen::Index lo = (e.r_peaks[k - 1] + r) / 2, hi = (r + e.r_peaks[k + 1]) / 2;
        EXPECT_EQ(x.segment(lo, hi - lo).maxCoeff(), x[r]) << "fs " << fs_hz << " beat " << k;
      }
    }
  }
}

TEST(Synth, AmplitudesArePlausibleMillivolts) {
  const auto e = sig::ecgsyn(config_for(60.0));
  const auto r = r_amplitudes_mv(e);
  const double r_mv = median(r);
  EXPECT_GT(r_mv, 1.0);
  EXPECT_LT(r_mv, 1.5);
  EXPECT_NEAR(r_mv, 1.15, 0.05);  // the default beat spans ecgsyn's 1.6 mV
  // The S trough is the deepest point, about a third of R below the baseline.
  EXPECT_LT(e.ecg_mv.minCoeff(), -0.3);
  EXPECT_GT(e.ecg_mv.minCoeff(), -0.6);
  // Most of a beat is baseline (TP and PR segments): the median sample sits near 0 mV.
  const std::vector<double> all(e.ecg_mv.data(), e.ecg_mv.data() + e.ecg_mv.size());
  EXPECT_LT(std::fabs(median(all)), 0.15);
}

TEST(Synth, RAmplitudeStaysPlausibleAcrossHeartRates) {
  // The sqrt(hr/60) width scaling keeps the area swept by each event, hence its height, about
  // constant as the cycle speeds up.
  for (const double hr_bpm : {30.0, 60.0, 100.0, 160.0, 240.0}) {
    auto c = config_for(30.0);
    c.heart_rate_bpm = hr_bpm;
    const double r_mv = median(r_amplitudes_mv(sig::ecgsyn(c)));
    EXPECT_GT(r_mv, 0.95) << "hr " << hr_bpm;
    EXPECT_LT(r_mv, 1.3) << "hr " << hr_bpm;
  }
}

TEST(Synth, MorphologyDoesNotDependOnSamplingRate) {
  // At a constant 60 bpm every R event falls on an output sample whatever the rate, so the
  // sampled beats must agree to the integration error.
  auto steady = config_for(20.0, 1000.0);
  steady.heart_rate_std_bpm = 0.0;
  const auto steady_ref = sig::ecgsyn(steady);
  const double r_steady_mv = median(r_amplitudes_mv(steady_ref));
  // With heart-rate variability the events fall anywhere between samples.
  auto varying = config_for(60.0, 1000.0);
  varying.seed = 3;
  const auto varying_ref = sig::ecgsyn(varying);
  const double r_varying_mv = median(r_amplitudes_mv(varying_ref));
  const double s_varying_mv = varying_ref.ecg_mv.minCoeff();
  for (const double fs_hz : {100.0, 125.0, 250.0, 360.0, 500.0, 720.0}) {
    steady.fs_hz = fs_hz;
    EXPECT_NEAR(median(r_amplitudes_mv(sig::ecgsyn(steady))), r_steady_mv, 1e-3 * r_steady_mv)
        << "fs " << fs_hz;
    varying.fs_hz = fs_hz;
    const auto e = sig::ecgsyn(varying);
    // A 10-ms grid samples the R wave up to 5 ms off its apex, where Q and S have already
    // steepened the 16-ms Gaussian: a few percent low at 100 Hz, under 1.5% from 200 Hz on.
    const double tol = fs_hz < 200.0 ? 0.05 : 0.015;
    EXPECT_NEAR(median(r_amplitudes_mv(e)), r_varying_mv, tol * r_varying_mv) << "fs " << fs_hz;
    EXPECT_NEAR(e.ecg_mv.minCoeff(), s_varying_mv, 0.1 * std::fabs(s_varying_mv)) << "fs " << fs_hz;
    // Same seed, same tachogram: the R events agree to the integration grid (the last one may
    // fall just inside one record and just outside the other).
    const Eigen::Index n = std::min(e.r_peak_times_s.size(), varying_ref.r_peak_times_s.size());
    ASSERT_GE(n, varying_ref.r_peak_times_s.size() - 1) << "fs " << fs_hz;
    EXPECT_LE((e.r_peak_times_s.head(n) - varying_ref.r_peak_times_s.head(n)).cwiseAbs().maxCoeff(),
              1.0e-3)
        << "fs " << fs_hz;
  }
}

TEST(Synth, SameSeedGivesIdenticalBytes) {
  auto c = config_for(20.0);
  c.noise_mv = 0.02;
  c.seed = 12345;
  const auto a = sig::ecgsyn(c);
  const auto b = sig::ecgsyn(c);
  ASSERT_EQ(a.ecg_mv.size(), b.ecg_mv.size());
  EXPECT_EQ(std::memcmp(a.ecg_mv.data(), b.ecg_mv.data(),
                        sizeof(double) * static_cast<std::size_t>(a.ecg_mv.size())),
            0);
  EXPECT_EQ(a.r_peaks, b.r_peaks);
  EXPECT_EQ(std::memcmp(a.rr_s.data(), b.rr_s.data(),
                        sizeof(double) * static_cast<std::size_t>(a.rr_s.size())),
            0);
}

TEST(Synth, DifferentSeedsGiveDifferentSignals) {
  auto c = config_for(60.0);
  c.seed = 1;
  const auto a = sig::ecgsyn(c);
  c.seed = 2;
  const auto b = sig::ecgsyn(c);
  ASSERT_EQ(a.ecg_mv.size(), b.ecg_mv.size());
  EXPECT_GT((a.ecg_mv - b.ecg_mv).cwiseAbs().maxCoeff(), 0.1);
  const Eigen::Index n = std::min(a.rr_s.size(), b.rr_s.size());
  EXPECT_GT((a.rr_s.head(n) - b.rr_s.head(n)).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Synth, NoiseIsWhiteGaussianWithTheConfiguredStd) {
  auto c = config_for(120.0);
  c.seed = 9;
  const auto clean = sig::ecgsyn(c);
  c.noise_mv = 0.05;
  const auto noisy = sig::ecgsyn(c);
  // The noise has its own random stream: the underlying ECG and its ground truth are unchanged.
  EXPECT_EQ(clean.r_peaks, noisy.r_peaks);
  const Eigen::VectorXd noise = noisy.ecg_mv - clean.ecg_mv;
  EXPECT_NEAR(std_dev(noise), 0.05, 0.05 * 0.03);  // 43200 samples: std known to ~0.4%
  EXPECT_NEAR(noise.mean(), 0.0, 0.05 * 0.03);
  // White: neighbouring samples uncorrelated.
  const Eigen::Index n = noise.size();
  const double lag1 = noise.head(n - 1).dot(noise.tail(n - 1)) / noise.squaredNorm();
  EXPECT_LT(std::fabs(lag1), 0.03);
  // Gaussian: about 4.55% of the samples beyond 2 standard deviations.
  const double beyond =
      static_cast<double>((noise.array().abs() > 0.1).count()) / static_cast<double>(n);
  EXPECT_NEAR(beyond, 0.0455, 0.005);
}

TEST(Synth, BaselineWanderFollowsRespiration) {
  // z relaxes towards z0(t) = A sin(2π f2 t) at rate 1/s, and eq. (3) is linear in z, so the
  // wander is z0 through a first-order low-pass: amplitude A / sqrt(1 + (2π f2)²).
  auto c = config_for(40.0);
  c.baseline_wander_mv = 0.0;
  const auto flat = sig::ecgsyn(c);
  c.baseline_wander_mv = 0.15;
  const auto wander = sig::ecgsyn(c);
  const Eigen::VectorXd d = wander.ecg_mv - flat.ecg_mv;
  const double w = 2.0 * M_PI * 0.25;
  const double expected_mv = 0.15 / std::sqrt(1.0 + w * w);
  EXPECT_NEAR(d.cwiseAbs().maxCoeff(), expected_mv, 0.01 * expected_mv);
  // ... lagging z0 by atan(2π f2).
  for (Eigen::Index i = 0; i < d.size(); i += 97) {
    const double t_s = static_cast<double>(i) / 360.0;
    EXPECT_NEAR(d[i], expected_mv * std::sin(w * t_s - std::atan(w)), 1e-4) << "t " << t_s;
  }
}

TEST(Synth, InvalidConfigsThrowNamingTheField) {
  using Mutation = std::function<void(sig::EcgSynthConfig&)>;
  const double nan = std::nan("");
  const double inf = HUGE_VAL;
  const std::vector<std::pair<std::string, Mutation>> cases = {
      {"fs_hz", [](auto& c) { c.fs_hz = 49.0; }},
      {"fs_hz", [](auto& c) { c.fs_hz = 2001.0; }},
      {"fs_hz", [&](auto& c) { c.fs_hz = nan; }},
      {"duration_s", [](auto& c) { c.duration_s = 0.0; }},
      {"duration_s", [](auto& c) { c.duration_s = -1.0; }},
      {"duration_s", [](auto& c) { c.duration_s = 48.0 * 3600.0 + 1.0; }},
      {"duration_s", [&](auto& c) { c.duration_s = inf; }},
      {"duration_s", [](auto& c) { c.duration_s = 1e-3; }},  // less than one sample
      {"heart_rate_bpm", [](auto& c) { c.heart_rate_bpm = 19.0; }},
      {"heart_rate_bpm", [](auto& c) { c.heart_rate_bpm = 251.0; }},
      {"heart_rate_bpm", [&](auto& c) { c.heart_rate_bpm = nan; }},
      {"heart_rate_std_bpm", [](auto& c) { c.heart_rate_std_bpm = -0.1; }},
      {"heart_rate_std_bpm", [](auto& c) { c.heart_rate_std_bpm = 7.0; }},  // > 60 / 10
      {"heart_rate_std_bpm", [&](auto& c) { c.heart_rate_std_bpm = nan; }},
      {"lf_hf_ratio", [](auto& c) { c.lf_hf_ratio = -0.5; }},
      {"lf_hf_ratio", [&](auto& c) { c.lf_hf_ratio = inf; }},
      {"lf_hz", [](auto& c) { c.lf_hz = 0.0; }},
      {"hf_hz", [](auto& c) { c.hf_hz = 0.5; }},
      {"lf_std_hz", [](auto& c) { c.lf_std_hz = 0.0; }},
      {"hf_std_hz", [&](auto& c) { c.hf_std_hz = nan; }},
      {"baseline_wander_mv", [](auto& c) { c.baseline_wander_mv = -0.1; }},
      {"noise_mv", [](auto& c) { c.noise_mv = -1e-3; }},
      {"noise_mv", [&](auto& c) { c.noise_mv = inf; }},
      {"waves[0] (P).angle_deg", [](auto& c) { c.waves[0].angle_deg = -181.0; }},
      {"waves[4] (T).angle_deg", [&](auto& c) { c.waves[4].angle_deg = nan; }},
      {"waves[2] (R).amplitude", [&](auto& c) { c.waves[2].amplitude = inf; }},
      {"waves[3] (S).width_rad", [](auto& c) { c.waves[3].width_rad = 0.0; }},
  };
  for (const auto& [field, mutate] : cases) {
    sig::EcgSynthConfig c;
    mutate(c);
    try {
      sig::ecgsyn(c);
      ADD_FAILURE() << "no exception for a bad " << field;
    } catch (const ecgad::InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos)
          << "message '" << e.what() << "' does not name " << field;
    }
  }
  // The limits themselves are accepted.
  sig::EcgSynthConfig c;
  c.duration_s = 2.0;
  for (const double fs_hz : {50.0, 2000.0}) {
    c.fs_hz = fs_hz;
    EXPECT_NO_THROW(sig::ecgsyn(c));
  }
  c.fs_hz = 360.0;
  for (const double hr_bpm : {20.0, 250.0}) {
    c.heart_rate_bpm = hr_bpm;
    c.heart_rate_std_bpm = hr_bpm / 10.0;
    EXPECT_NO_THROW(sig::ecgsyn(c));
  }
}

TEST(Synth, QrsAndQtDoNotFollowBeatToBeatRrVariation) {
  // The phase runs at the mean rate's angular velocity through S-T and P-Q and the TP segment
  // absorbs each beat's RR deviation, so with ±5 bpm of HRV every beat keeps the same R height
  // and the same R-to-T delay (in ecgsyn the whole beat stretches with its RR).
  auto c = config_for(120.0, 1000.0);
  c.heart_rate_std_bpm = 5.0;
  c.baseline_wander_mv = 0.0;
  c.seed = 10;
  const auto e = sig::ecgsyn(c);
  ASSERT_GT(std_dev(e.rr_s), 0.04);  // RR varies by tens of ms ...
  std::vector<double> r_mv, t_delay_s;
  for (std::size_t k = 2; k + 1 < e.r_peaks.size(); ++k) {
    const Eigen::Index p = e.r_peaks[k];
    r_mv.push_back(e.ecg_mv[p] - e.ecg_mv[p - 60]);  // over the PR segment
    Eigen::Index at = 0;
    e.ecg_mv.segment(p + 150, 300).maxCoeff(&at);
    t_delay_s.push_back(static_cast<double>(150 + at) / 1000.0);
  }
  auto spread = [](const std::vector<double>& v) {
    return *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
  };
  // ... R height within 10 µV (under 1%; ecgsyn's ω = 2π / RR makes it vary ±5%)
  EXPECT_LT(spread(r_mv), 0.01);
  EXPECT_LE(spread(t_delay_s), 0.0011);  // ... T apex 278 ms after R within a sample
  EXPECT_NEAR(t_delay_s.front(), 0.272, 0.01);
}

TEST(Synth, OneSampleAndExtremeRatesWork) {
  auto c = config_for(1.0 / 360.0);
  const auto one = sig::ecgsyn(c);
  ASSERT_EQ(one.ecg_mv.size(), 1);
  EXPECT_TRUE(one.ecg_mv.allFinite());
  EXPECT_LE(one.r_peaks.size(), 1u);
  for (const double hr_bpm : {20.0, 250.0}) {
    c = config_for(30.0, 500.0);
    c.heart_rate_bpm = hr_bpm;
    c.heart_rate_std_bpm = hr_bpm / 10.0;
    const auto e = sig::ecgsyn(c);
    EXPECT_TRUE(e.ecg_mv.allFinite());
    EXPECT_NEAR(60.0 / e.rr_s.mean(), hr_bpm, 0.05 * hr_bpm);
    // Every beat still has its R wave as the highest point between its neighbours' midpoints.
    for (std::size_t k = 1; k + 1 < e.r_peaks.size(); ++k) {
      const Eigen::Index lo = (e.r_peaks[k - 1] + e.r_peaks[k]) / 2;
      const Eigen::Index hi = (e.r_peaks[k] + e.r_peaks[k + 1]) / 2;
      EXPECT_EQ(e.ecg_mv.segment(lo, hi - lo).maxCoeff(), e.ecg_mv[e.r_peaks[k]]) << hr_bpm;
    }
  }
}
