// Welch PSD (physical properties; the comparison with scipy.signal.welch is in
// tests/python/test_quality.py) and signal quality: each index on signals built to have a known
// value, the score/grade rules, the streaming assessor's equality with the offline one, and bad
// input. The validation on real MIT-BIH + NSTDB noise is in test_noise.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/synth.hpp"
#include "ecgad/signal/welch.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;

namespace {

constexpr double kFs = 360.0;

Eigen::VectorXd white(Eigen::Index n, double sigma, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> dist(0.0, sigma);
  Eigen::VectorXd x(n);
  for (auto& v : x) v = dist(gen);
  return x;
}

Eigen::VectorXd sine(Eigen::Index n, double f_hz, double amplitude, double fs = kFs) {
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x[i] = amplitude * std::sin(2.0 * M_PI * f_hz * static_cast<double>(i) / fs);
  }
  return x;
}

sig::SyntheticEcg ecg(double seconds, double hr_bpm = 72.0, double fs = kFs,
                      double noise_mv = 0.0) {
  sig::EcgSynthConfig c;
  c.fs_hz = fs;
  c.duration_s = seconds;
  c.heart_rate_bpm = hr_bpm;
  c.noise_mv = noise_mv;
  c.seed = 21;
  return sig::ecgsyn(c);
}

void expect_same(const std::vector<sig::WindowQuality>& a,
                 const std::vector<sig::WindowQuality>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].start_sample, b[i].start_sample);
    EXPECT_EQ(a[i].n_samples, b[i].n_samples);
    EXPECT_EQ(a[i].ksqi, b[i].ksqi);
    EXPECT_EQ(a[i].psqi, b[i].psqi);
    EXPECT_EQ(a[i].bassqi, b[i].bassqi);
    EXPECT_EQ(a[i].hf_noise_share, b[i].hf_noise_share);
    EXPECT_EQ(a[i].baseline_share, b[i].baseline_share);
    EXPECT_EQ(a[i].flatline_fraction, b[i].flatline_fraction);
    EXPECT_EQ(a[i].saturation_fraction, b[i].saturation_fraction);
    EXPECT_EQ(a[i].std_mv, b[i].std_mv);
    EXPECT_EQ(a[i].lead_off, b[i].lead_off);
    EXPECT_EQ(a[i].score, b[i].score);
    EXPECT_EQ(a[i].grade, b[i].grade);
  }
}

}  // namespace

TEST(Welch, SinusoidPowerSitsInItsBinAndSumsToHalfTheSquaredAmplitude) {
  // 10 Hz on the 0.25 Hz grid of 4 s segments: Parseval gives exactly A^2 / 2.
  const Eigen::VectorXd x = sine(3600, 10.0, 1.5);
  const sig::Psd p = sig::welch(x, kFs, 1440);
  EXPECT_EQ(p.n_segments, 4);  // (3600 - 1440) / 720 + 1
  ASSERT_EQ(p.psd.size(), 721);
  EXPECT_DOUBLE_EQ(p.resolution_hz(), 0.25);
  EXPECT_DOUBLE_EQ(p.freqs_hz[40], 10.0);
  const double total = sig::band_power(p, 0.0, 180.0);
  EXPECT_NEAR(total, 1.5 * 1.5 / 2.0, 1e-12);
  // Hann's main lobe is +-2 bins (+-0.5 Hz): all the power is within it.
  EXPECT_NEAR(sig::band_power(p, 9.5, 10.5), total, 1e-12);
  Eigen::Index peak = 0;
  p.psd.maxCoeff(&peak);
  EXPECT_EQ(peak, 40);
}

TEST(Welch, WhiteNoiseIsFlatAndRemovesEachSegmentsMean) {
  const Eigen::VectorXd x = white(360 * 600, 0.5, 1).array() + 7.0;  // DC offset 7 mV
  const sig::Psd p = sig::welch(x, kFs, 720);
  // Density of white noise of variance s^2: s^2 / (fs / 2) one-sided.
  const double expected = 0.25 / 180.0;
  const double mean_density = p.psd.segment(1, p.psd.size() - 2).mean();
  EXPECT_NEAR(mean_density / expected, 1.0, 0.01);
  EXPECT_NEAR(sig::band_power(p, 0.0, 180.0), 0.25, 0.01);  // the offset is gone
  EXPECT_LT(p.psd[0], 2.0 * expected);
  // Odd nperseg and explicit overlap: same total power.
  const sig::Psd q = sig::welch(x, kFs, 721, 100);
  EXPECT_EQ(q.psd.size(), 361);
  EXPECT_NEAR(sig::band_power(q, 0.0, 180.0), 0.25, 0.01);
}

TEST(Welch, RejectsBadInput) {
  const Eigen::VectorXd x = white(100, 1.0, 2);
  expect_invalid([&] { sig::welch(x, kFs, 101); }, "at least nperseg = 101");
  expect_invalid([&] { sig::welch(x, kFs, 1); }, "nperseg must be >= 2");
  expect_invalid([&] { sig::welch(x, kFs, 50, 50); }, "noverlap must be in [0, nperseg = 50)");
  expect_invalid([&] { sig::welch(x, -1.0, 50); }, "fs_hz");
  Eigen::VectorXd bad = x;
  bad[3] = std::nan("");
  expect_invalid([&] { sig::welch(bad, kFs, 50); }, "element 3");
  const sig::Psd p = sig::welch(x, kFs, 50);
  expect_invalid([&] { sig::band_power(p, 10.0, 5.0); }, "low_hz <= high_hz");
  sig::WelchEstimator unset;
  EXPECT_THROW(unset.freqs_hz(), ecgad::StateError);
}

TEST(Quality, CleanSyntheticEcgIsGoodAtAnyRateAndHeartRate) {
  for (const double fs : {250.0, 360.0, 1000.0}) {
    for (const double hr : {45.0, 72.0, 150.0}) {
      const auto e = ecg(30.0, hr, fs);
      const auto q = sig::signal_quality(e.ecg_mv, fs);
      ASSERT_EQ(q.size(), 3u);
      for (const auto& w : q) {
        SCOPED_TRACE("fs " + std::to_string(fs) + " hr " + std::to_string(hr));
        EXPECT_GT(w.ksqi, 5.0);
        EXPECT_GT(w.psqi, 0.5);
        EXPECT_GT(w.bassqi, 0.75);
        EXPECT_LT(w.hf_noise_share, 0.01);
        EXPECT_EQ(w.flatline_fraction, 0.0);
        EXPECT_EQ(w.saturation_fraction, 0.0);
        EXPECT_FALSE(w.lead_off);
        EXPECT_EQ(w.grade, sig::QualityGrade::good);
        EXPECT_EQ(w.n_samples, static_cast<Eigen::Index>(10.0 * fs));
      }
    }
  }
}

TEST(Quality, IndicesOfKnownSignals) {
  // Gaussian noise: Pearson kurtosis 3, pSQI ~ 10/35, HF share ~ 140/180 at 360 Hz.
  const auto noise = sig::window_quality(white(36000, 0.3, 3), kFs);
  EXPECT_NEAR(noise.ksqi, 3.0, 0.1);
  EXPECT_NEAR(noise.psqi, 10.0 / 35.0, 0.03);
  EXPECT_NEAR(noise.hf_noise_share, 140.0 / 180.0, 0.02);
  EXPECT_NEAR(noise.std_mv, 0.3, 0.005);
  EXPECT_EQ(noise.grade, sig::QualityGrade::unusable);
  // A sinusoid has kurtosis 3/2 exactly (over whole periods).
  EXPECT_NEAR(sig::window_quality(sine(3600, 2.0, 1.0), kFs).ksqi, 1.5, 1e-9);
  // 0.5 Hz wander over an ECG: basSQI falls to the ECG's share of the 0-40 Hz power.
  const auto e = ecg(10.0);
  const auto clean = sig::window_quality(e.ecg_mv, kFs);
  const Eigen::VectorXd wander = sine(e.ecg_mv.size(), 0.5, 1.0);
  const auto wandering = sig::window_quality(e.ecg_mv + wander, kFs);
  EXPECT_LT(wandering.bassqi, clean.bassqi - 0.5);
  EXPECT_GT(wandering.baseline_share, 0.5);
  EXPECT_NEAR(wandering.psqi, clean.psqi, 0.01);  // nothing added between 5 and 40 Hz
  // 60 Hz mains adds only to the > 40 Hz share.
  const auto hum = sig::window_quality(e.ecg_mv + sine(e.ecg_mv.size(), 60.0, 0.3), kFs);
  EXPECT_NEAR(hum.hf_noise_share, 0.045 / (0.045 + clean.std_mv * clean.std_mv), 0.01);
}

TEST(Quality, FlatlineSaturationAndLeadOff) {
  const auto e = ecg(10.0);
  // 3 s of a constant value inside the window: flatline fraction 0.3 (the run may extend by
  // the few neighbouring samples within 10 uV of the constant).
  Eigen::VectorXd flat = e.ecg_mv;
  flat.segment(3 * 360, 3 * 360).setConstant(0.2);
  const auto qf = sig::window_quality(flat, kFs);
  EXPECT_GE(qf.flatline_fraction, 0.3);
  EXPECT_LT(qf.flatline_fraction, 0.302);
  EXPECT_EQ(qf.grade, sig::QualityGrade::unusable);
  EXPECT_FALSE(qf.lead_off);
  // Clipping at +-0.6 mV: with the rails known, every clipped sample counts.
  Eigen::VectorXd clipped = (e.ecg_mv * 2.0).cwiseMin(0.6).cwiseMax(-0.6);
  Eigen::Index at_rail = 0;
  for (double v : clipped) at_rail += (std::abs(v) >= 0.6 - 0.001) ? 1 : 0;
  ASSERT_GT(at_rail, 100);
  sig::QualityConfig rails;
  rails.adc_min_mv = -0.6;
  rails.adc_max_mv = 0.6;
  const auto qr = sig::window_quality(clipped, kFs, rails);
  EXPECT_DOUBLE_EQ(qr.saturation_fraction, static_cast<double>(at_rail) / 3600.0);
  EXPECT_LT(qr.score, 0.7);
  // Without rails, plateaus at the extremes of >= 0.04 s (round(14.4) = 14 samples) count.
  Eigen::Index in_plateaus = 0, run = 0;
  int run_side = 0;
  for (Eigen::Index i = 0; i <= clipped.size(); ++i) {
    const int side = i == clipped.size()             ? 0
                     : clipped[i] >= 0.6 - 0.001   ? 1
                     : clipped[i] <= -0.6 + 0.001  ? -1
                                                   : 0;
    if (side != 0 && side == run_side) {
      ++run;
      continue;
    }
    if (run >= 14) in_plateaus += run;
    run_side = side;
    run = side != 0 ? 1 : 0;
  }
  ASSERT_GT(in_plateaus, 0);
  const auto qp = sig::window_quality(clipped, kFs);
  EXPECT_DOUBLE_EQ(qp.saturation_fraction, static_cast<double>(in_plateaus) / 3600.0);
  EXPECT_EQ(sig::window_quality(e.ecg_mv, kFs).saturation_fraction, 0.0);
  // Lead off: amplifier noise of 3 uV, or a channel stuck on a rail.
  const auto open = sig::window_quality(white(3600, 0.003, 4), kFs);
  EXPECT_TRUE(open.lead_off);
  EXPECT_EQ(open.score, 0.0);
  EXPECT_EQ(open.grade, sig::QualityGrade::unusable);
  Eigen::VectorXd stuck = e.ecg_mv;
  stuck.tail(2000).setConstant(5.0);
  const auto qs = sig::window_quality(stuck, kFs);
  EXPECT_TRUE(qs.lead_off);
  EXPECT_NEAR(qs.saturation_fraction, 2000.0 / 3600.0, 1e-12);
  // A constant window: every index defined (no NaN), unusable.
  const auto constant = sig::window_quality(Eigen::VectorXd::Constant(3600, 1.0), kFs);
  EXPECT_EQ(constant.ksqi, 0.0);
  EXPECT_EQ(constant.psqi, 0.0);
  EXPECT_EQ(constant.bassqi, 0.0);
  EXPECT_EQ(constant.flatline_fraction, 1.0);
  EXPECT_EQ(constant.saturation_fraction, 1.0);
  EXPECT_TRUE(constant.lead_off);
  EXPECT_EQ(constant.grade, sig::QualityGrade::unusable);
}

TEST(Quality, ScoreIsTheWeakestMembershipAndGradesFollowIt) {
  sig::WindowQuality q;
  q.ksqi = 4.0;      // membership 0.5
  q.psqi = 0.45;     // 0.8
  q.bassqi = 0.9;    // 1
  q.hf_noise_share = 0.0;
  sig::grade_window(q, {});
  EXPECT_DOUBLE_EQ(q.score, 0.5);
  EXPECT_EQ(q.grade, sig::QualityGrade::acceptable);
  q.ksqi = 4.6;  // 0.8
  sig::grade_window(q, {});
  EXPECT_NEAR(q.score, 0.8, 1e-12);
  EXPECT_EQ(q.grade, sig::QualityGrade::good);
  q.hf_noise_share = 0.43;  // (0.43 - 0.5) / (0.15 - 0.5) = 0.2
  sig::grade_window(q, {});
  EXPECT_NEAR(q.score, 0.2, 1e-12);
  EXPECT_EQ(q.grade, sig::QualityGrade::unusable);
  q.hf_noise_share = 0.0;
  q.lead_off = true;
  sig::grade_window(q, {});
  EXPECT_EQ(q.score, 0.0);
  EXPECT_DOUBLE_EQ(sig::quality_membership(0.5, 0.4, 0.8), 0.25);
  EXPECT_DOUBLE_EQ(sig::quality_membership(9.0, 3.0, 5.0), 1.0);
}

TEST(Quality, ScoreFallsAsWhiteNoiseGrows) {
  const auto e = ecg(60.0);
  double previous = 2.0;
  int grade_previous = -1;
  for (const double sigma : {0.0, 0.02, 0.05, 0.1, 0.2, 0.4}) {
    const Eigen::VectorXd x = e.ecg_mv + white(e.ecg_mv.size(), sigma, 5);
    double mean_score = 0.0;
    int worst = 0;
    for (const auto& w : sig::signal_quality(x, kFs)) {
      mean_score += w.score / 6.0;
      worst = std::max(worst, static_cast<int>(w.grade));
    }
    EXPECT_LE(mean_score, previous) << "sigma " << sigma;
    EXPECT_GE(worst, grade_previous);
    previous = mean_score;
    grade_previous = worst;
  }
  EXPECT_LT(previous, 0.05);
  EXPECT_EQ(grade_previous, static_cast<int>(sig::QualityGrade::unusable));
}

TEST(QualityAssessor, EqualsOfflineWhateverTheChunking) {
  const auto e = ecg(95.0, 80.0, kFs, 0.02);
  Eigen::VectorXd x = e.ecg_mv;
  x.segment(30 * 360, 4 * 360).setConstant(0.1);  // something for every index to see
  for (const double hop_s : {10.0, 4.0, 13.0}) {
    sig::QualityConfig c;
    c.hop_s = hop_s;
    const auto offline = sig::signal_quality(x, kFs, c);
    ASSERT_GE(offline.size(), 7u);
    std::mt19937_64 gen(8);
    std::uniform_int_distribution<Eigen::Index> size(1, 5000);
    for (const Eigen::Index fixed : {Eigen::Index{1}, Eigen::Index{997}, Eigen::Index{0}}) {
      sig::QualityAssessor a(kFs, c);
      std::vector<sig::WindowQuality> streamed;
      for (Eigen::Index pos = 0; pos < x.size();) {
        const Eigen::Index m = std::min(fixed > 0 ? fixed : size(gen), x.size() - pos);
        for (const auto& w : a.process(x.segment(pos, m))) streamed.push_back(w);
        pos += m;
      }
      SCOPED_TRACE("hop " + std::to_string(hop_s) + " chunk " + std::to_string(fixed));
      expect_same(streamed, offline);
    }
  }
}

TEST(QualityAssessor, ResetAndMisuse) {
  const auto e = ecg(25.0);
  sig::QualityAssessor a(kFs);
  const auto first = a.process(e.ecg_mv);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(a.samples_seen(), 9000);
  a.reset();
  expect_same(a.process(e.ecg_mv), first);
  Eigen::VectorXd bad = e.ecg_mv.head(10);
  bad[4] = std::numeric_limits<double>::infinity();
  const Eigen::Index seen = a.samples_seen();
  expect_invalid([&] { a.process(bad); }, "element 4");
  EXPECT_EQ(a.samples_seen(), seen);
  sig::QualityAssessor unset;
  EXPECT_THROW(unset.process(e.ecg_mv), ecgad::StateError);
}

TEST(Quality, RejectsBadInput) {
  const Eigen::VectorXd x = ecg(20.0).ecg_mv;
  expect_invalid([&] { sig::signal_quality(x, 80.0); }, "fs_hz > 80 Hz");
  expect_invalid([&] { sig::signal_quality(x, 0.0); }, "fs_hz");
  sig::QualityConfig c;
  c.psd_segment_s = 12.0;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "must not exceed window_s");
  c = {};
  c.window_s = -1.0;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "window_s");
  c = {};
  c.adc_max_mv = 5.0;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "given together");
  c.adc_min_mv = 6.0;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "adc_min_mv < adc_max_mv");
  c = {};
  c.thresholds.ksqi_good = c.thresholds.ksqi_bad;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "thresholds.ksqi");
  c = {};
  c.thresholds.acceptable_score = 0.9;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "acceptable_score");
  c = {};
  c.lead_off_saturation = 1.5;
  expect_invalid([&] { sig::signal_quality(x, kFs, c); }, "lead_off_saturation");
  Eigen::VectorXd bad = x;
  bad[100] = std::nan("");
  expect_invalid([&] { sig::signal_quality(bad, kFs); }, "element 100");
  expect_invalid([&] { sig::window_quality(x.head(1000), kFs); }, "shorter than one Welch");
  EXPECT_TRUE(sig::signal_quality(x.head(3000), kFs).empty());  // shorter than one window
}
