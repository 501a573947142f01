// Noise mixing at an nst-defined SNR: the sigamp measurements (trimmed means, windows), the gain
// formula, the mix itself (exact, deterministic, continuous across a wrap), bad input, and the
// validation of signal quality on the real MIT-BIH Noise Stress Test noise added to clean
// MIT-BIH records: quality must fall monotonically with the SNR.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/io/annotations.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/signal/noise.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/synth.hpp"
#include "golden.hpp"
#include "io_test_util.hpp"

namespace sig = ecgad::signal;
namespace io = ecgad::io;
using ecgad::test::expect_invalid;

namespace {

constexpr double kFs = 360.0;

sig::IndexVector to_index(const std::vector<Eigen::Index>& v) {
  return Eigen::Map<const sig::IndexVector>(v.data(), static_cast<Eigen::Index>(v.size()));
}

Eigen::VectorXd sine(Eigen::Index n, double f_hz, double amplitude) {
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x[i] = amplitude * std::sin(2.0 * M_PI * f_hz * static_cast<double>(i) / kFs);
  }
  return x;
}

}  // namespace

TEST(Nst, SignalAmplitudeIsTheTrimmedMeanOfQrsPeakToPeak) {
  // 40 "beats": triangles of known height on a flat line, heights 1..40 (in shuffled order).
  // floor(40 / 20) = 2 are dropped at each end: mean of 3..38 = 20.5.
  const Eigen::Index n = 40 * 360;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<Eigen::Index> beats;
  for (Eigen::Index k = 0; k < 40; ++k) {
    const Eigen::Index t = 180 + 360 * k;
    const double height = static_cast<double>((k * 17) % 40 + 1);
    x[t] = height;
    beats.push_back(t);
  }
  EXPECT_DOUBLE_EQ(sig::nst_signal_amplitude(x, kFs, to_index(beats)), 20.5);
  // Only the first max_measurements beats count; 10 beats: nothing trimmed.
  sig::NstConfig c;
  c.max_measurements = 10;
  double first_ten = 0.0;
  for (Eigen::Index k = 0; k < 10; ++k) first_ten += static_cast<double>((k * 17) % 40 + 1);
  EXPECT_DOUBLE_EQ(sig::nst_signal_amplitude(x, kFs, to_index(beats), c), first_ten / 10.0);
  // The window is +-18 samples inclusive: a value 18 samples away is inside, 19 is not.
  Eigen::VectorXd y = Eigen::VectorXd::Zero(1000);
  y[500 + 18] = 3.0;
  y[500 - 19] = 7.0;
  EXPECT_DOUBLE_EQ(sig::nst_signal_amplitude(y, kFs, to_index({500})), 3.0);
  // Beats too close to an end are skipped, not truncated.
  EXPECT_DOUBLE_EQ(sig::nst_signal_amplitude(y, kFs, to_index({10, 500, 990})), 3.0);
}

TEST(Nst, NoiseAmplitudeIsTheTrimmedMeanOfOneSecondRms) {
  // A 5 Hz sine has RMS A / sqrt(2) in every whole-second window, whatever its offset.
  const Eigen::VectorXd s = sine(360 * 20, 5.0, 0.8).array() + 3.0;
  EXPECT_NEAR(sig::nst_noise_amplitude(s, kFs), 0.8 / std::sqrt(2.0), 1e-12);
  // Windows with RMS 1..25 (square waves +-r): 25 windows, drop 1 at each end: mean of 2..24.
  Eigen::VectorXd q(360 * 25 + 100);  // the partial last window is ignored
  for (Eigen::Index i = 0; i < q.size(); ++i) {
    const auto r = static_cast<double>(std::min<Eigen::Index>(i / 360, 24) + 1);
    q[i] = (i % 2 == 0 ? r : -r) + 10.0;
  }
  q.tail(100).setConstant(1e3);
  EXPECT_NEAR(sig::nst_noise_amplitude(q, kFs), 13.0, 1e-12);
  // Only the first 300 windows count.
  Eigen::VectorXd long_noise(360 * 400);
  for (Eigen::Index i = 0; i < long_noise.size(); ++i) {
    long_noise[i] = (i % 2 == 0 ? 1.0 : -1.0) * (i < 360 * 300 ? 1.0 : 50.0);
  }
  EXPECT_NEAR(sig::nst_noise_amplitude(long_noise, kFs), 1.0, 1e-12);
}

TEST(Nst, GainAndSnrFollowTheDefinition) {
  // g = 10^(-snr/20) sqrt(2)/4 S/N: at 0 dB, S = 2, N = 0.5: g = sqrt(2).
  EXPECT_NEAR(sig::nst_noise_gain(0.0, 2.0, 0.5), std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(sig::nst_noise_gain(20.0, 2.0, 0.5), std::sqrt(2.0) / 10.0, 1e-15);
  EXPECT_NEAR(sig::nst_noise_gain(-6.0, 1.0, 1.0), std::pow(10.0, 0.3) * std::sqrt(2.0) / 4.0,
              1e-15);
  for (const double snr : {24.0, 6.0, -6.0}) {
    const double g = sig::nst_noise_gain(snr, 1.7, 0.09);
    EXPECT_NEAR(sig::nst_snr_db(1.7, g * 0.09), snr, 1e-12);
  }
  // A sinusoid of peak-to-peak S has power S^2 / 8: equal-power noise is 0 dB.
  EXPECT_NEAR(sig::nst_snr_db(2.0, 1.0 / std::sqrt(2.0)), 0.0, 1e-12);
}

TEST(Nst, AddsScaledNoiseExactlyAndReproducesTheAskedSnr) {
  sig::EcgSynthConfig c;
  c.duration_s = 120.0;
  c.seed = 4;
  const auto e = sig::ecgsyn(c);
  // As long as the record, so that N is measured on exactly the noise that is added.
  const Eigen::VectorXd noise = sine(e.ecg_mv.size(), 7.0, 0.2) + sine(e.ecg_mv.size(), 0.3, 0.5);
  for (const double snr : {24.0, 12.0, 0.0, -6.0}) {
    const sig::NoiseMix m = sig::add_noise_at_snr(e.ecg_mv, noise, kFs, e.r_peaks, snr);
    const double s = sig::nst_signal_amplitude(e.ecg_mv, kFs, to_index(e.r_peaks));
    EXPECT_DOUBLE_EQ(m.signal_amplitude, s);
    EXPECT_GT(s, 1.2);  // ECGSYN's R-to-S span
    EXPECT_DOUBLE_EQ(m.noise_amplitude, sig::nst_noise_amplitude(noise, kFs));
    EXPECT_DOUBLE_EQ(m.gain, sig::nst_noise_gain(snr, s, m.noise_amplitude));
    const Eigen::VectorXd added = m.noisy - e.ecg_mv;
    EXPECT_LE((added - m.gain * noise).cwiseAbs().maxCoeff(), 1e-12);
    // Measuring the added noise the way nst does gives back the SNR.
    EXPECT_NEAR(sig::nst_snr_db(s, sig::nst_noise_amplitude(added, kFs)), snr, 1e-9);
    // Deterministic: same inputs, same bytes.
    const sig::NoiseMix again = sig::add_noise_at_snr(e.ecg_mv, noise, kFs, e.r_peaks, snr);
    EXPECT_TRUE((again.noisy.array() == m.noisy.array()).all());
  }
}

TEST(Nst, WrapsAShortNoiseWithoutAStep) {
  // Clean zero signal with one "beat"; noise = a ramp of 1000 samples, used from offset 900.
  Eigen::VectorXd clean = Eigen::VectorXd::Zero(2500);
  clean[400] = 1.0;
  const Eigen::VectorXd noise = Eigen::VectorXd::LinSpaced(1000, 0.0, 999.0);
  sig::NoiseMixConfig c;
  c.noise_offset_samples = 900;
  c.nst.rms_window_s = 50.0 / kFs;  // windows of 50 samples: the 100 samples left give two
  const sig::NoiseMix m = sig::add_noise_at_snr(clean, noise, kFs, to_index({400}), 0.0, c);
  const Eigen::VectorXd n = m.noisy - clean;
  // Samples 0..99 use noise 900..999, then it wraps: the first wrapped sample repeats 999, then
  // the ramp's unit steps resume.
  EXPECT_NEAR(n[99] / m.gain, 999.0, 1e-9);
  EXPECT_NEAR(n[100] / m.gain, 999.0, 1e-9);
  EXPECT_NEAR(n[101] / m.gain, 1000.0, 1e-9);
  EXPECT_NEAR(n[1099] / m.gain, 999.0 + 999.0, 1e-9);  // second wrap
  EXPECT_NEAR(n[1100] / m.gain, 999.0 + 999.0, 1e-9);
  EXPECT_NEAR(n[1101] / m.gain, 999.0 + 1000.0, 1e-9);
  // N is measured from the offset: RMS of 50-sample ramps = 50 / sqrt(12) * sqrt(1 - 1/2500).
  EXPECT_NEAR(m.noise_amplitude, std::sqrt((50.0 * 50.0 - 1.0) / 12.0), 1e-9);
}

TEST(Nst, ReferenceBeatsAreWfdbMap1Normal) {
  for (const char* s : {"N", "L", "R", "a", "J", "A", "S", "j", "/", "Q", "B", "e", "n", "f"}) {
    EXPECT_TRUE(sig::nst_reference_beat(s)) << s;
  }
  for (const char* s : {"V", "E", "r", "!", "F", "+", "~", "|", "x", "[", "]", "\"", "NN", ""}) {
    EXPECT_FALSE(sig::nst_reference_beat(s)) << s;
  }
}

TEST(Nst, RejectsBadInput) {
  const Eigen::VectorXd clean = sine(3600, 1.0, 1.0);
  const Eigen::VectorXd noise = sine(3600, 3.0, 1.0);
  expect_invalid([&] { sig::add_noise_at_snr(clean, noise, kFs, to_index({5}), 0.0); },
                 "no reference beat has a whole");
  expect_invalid([&] { sig::add_noise_at_snr(clean, noise, kFs, to_index({900, 800}), 0.0); },
                 "strictly increasing");
  expect_invalid([&] { sig::add_noise_at_snr(clean, noise, kFs, to_index({900}), NAN); },
                 "snr_db must be finite");
  expect_invalid(
      [&] { sig::add_noise_at_snr(clean, Eigen::VectorXd::Zero(3600), kFs, to_index({900}), 0.0); },
      "noise amplitude is zero");
  expect_invalid([&] { sig::add_noise_at_snr(clean, noise.head(300), kFs, to_index({900}), 0.0); },
                 "shorter than one RMS window");
  expect_invalid([&] { sig::add_noise_at_snr(clean, noise, 0.0, to_index({900}), 0.0); },
                 "fs_hz");
  expect_invalid([&] { sig::add_noise_at_snr(Eigen::VectorXd(), noise, kFs, to_index({}), 0.0); },
                 "clean signal is empty");
  sig::NoiseMixConfig c;
  c.noise_offset_samples = 3600;
  expect_invalid([&] { sig::add_noise_at_snr(clean, noise, kFs, to_index({900}), 0.0, c); },
                 "noise_offset_samples must be in [0, 3600)");
  Eigen::VectorXd bad = noise;
  bad[7] = NAN;
  expect_invalid([&] { sig::add_noise_at_snr(clean, bad, kFs, to_index({900}), 0.0); },
                 "noise must be finite, but element 7");
  expect_invalid([&] { sig::nst_signal_amplitude(clean, kFs, to_index({900}), {0.05, 0, 1.0}); },
                 "max_measurements");
}

// Validation on real data: MIT-BIH records 118 and 119 (the clean records the NSTDB's own noisy
// records were made from), lead 0 (MLII), with the NSTDB's baseline-wander (bw) and muscle
// (ma) noise, channel 0, added at 24 ... -6 dB. Quality per 10-s window over the 30 minutes:
// the mean score must fall strictly at every SNR step, the number of unusable windows must never
// fall and the number of good ones never rise. docs/quality.md has the full table
// (benchmarks/eval_quality over all 22 records).
TEST(NoiseStressTest, QualityFallsMonotonicallyWithSnrOnRealRecords) {
  ECGAD_REQUIRE_SHARED_DATA("mitdb");
  ECGAD_REQUIRE_SHARED_DATA("nstdb");
  const auto dir = ecgad::test::shared_data_dir();
  const double snrs[] = {24.0, 18.0, 12.0, 6.0, 0.0, -6.0};
  for (const char* noise_name : {"bw", "ma"}) {
    const io::WfdbRecord noise_record = io::read_wfdb(dir / "nstdb" / noise_name);
    ASSERT_EQ(noise_record.fs_hz, 360.0);
    ASSERT_TRUE(noise_record.header.signals[0].uncalibrated);  // gain 0 -> 200 adu/mV
    const Eigen::VectorXd noise = noise_record.lead(0);
    for (const char* name : {"118", "119"}) {
      SCOPED_TRACE(std::string(name) + " + " + noise_name);
      const io::WfdbRecord rec = io::read_wfdb(dir / "mitdb" / name);
      const Eigen::VectorXd clean = rec.lead(0);
      std::vector<Eigen::Index> beats;
      for (const auto& a : io::read_annotations(dir / "mitdb" / name, "atr")) {
        if (sig::nst_reference_beat(a.symbol)) beats.push_back(a.sample);
      }
      ASSERT_GT(beats.size(), 1500u);
      const auto summarize = [&](const Eigen::VectorXd& x, double& mean_score, int& good,
                                 int& unusable) {
        const auto q = sig::signal_quality(x, rec.fs_hz);
        ASSERT_EQ(q.size(), 180u);
        mean_score = 0.0;
        good = unusable = 0;
        for (const auto& w : q) {
          mean_score += w.score / 180.0;
          good += w.grade == sig::QualityGrade::good;
          unusable += w.grade == sig::QualityGrade::unusable;
        }
      };
      double score = 0.0;
      int good = 0, unusable = 0;
      summarize(clean, score, good, unusable);
      EXPECT_GT(score, 0.95);
      EXPECT_GE(good, 170);
      for (const double snr : snrs) {
        const sig::NoiseMix m = sig::add_noise_at_snr(clean, noise, rec.fs_hz, beats, snr);
        double s = 0.0;
        int g = 0, u = 0;
        summarize(m.noisy, s, g, u);
        EXPECT_LT(s, score) << snr << " dB";
        EXPECT_LE(g, good) << snr << " dB";
        EXPECT_GE(u, unusable) << snr << " dB";
        score = s;
        good = g;
        unusable = u;
      }
      EXPECT_LT(score, 0.05);      // at -6 dB
      EXPECT_GE(unusable, 170);    // nearly every window of the 180
    }
  }
}
