// Drift scenarios of the synthetic ECG (signal/synth_drift.hpp): each change happens exactly
// where it is declared, has the declared size, composes with the others, and is reported as the
// ground truth a drift detector is scored against.
#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unsupported/Eigen/FFT>

#include "ecgad/signal/synth.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;
using Change = sig::DriftChange;

namespace {

sig::RecordingConfig quiet(double duration_s, double fs_hz = 360.0, std::uint64_t seed = 1) {
  sig::RecordingConfig rc;
  rc.ecg.duration_s = duration_s;
  rc.ecg.fs_hz = fs_hz;
  rc.ecg.seed = seed;
  rc.ecg.baseline_wander_mv = 0.0;
  return rc;
}

double rms(const Eigen::VectorXd& x) {
  return std::sqrt(x.squaredNorm() / static_cast<double>(x.size()));
}

// Mean heart rate (bpm) of the beats whose R event falls in [t0_s, t1_s).
double heart_rate_bpm(const sig::SyntheticRecording& r, double t0_s, double t1_s) {
  double first = -1.0, last = -1.0;
  int n = 0;
  for (Eigen::Index k = 0; k < r.r_peak_times_s.size(); ++k) {
    const double t = r.r_peak_times_s[k];
    if (t < t0_s || t >= t1_s) continue;
    if (first < 0.0) first = t;
    last = t;
    ++n;
  }
  return 60.0 * (n - 1) / (last - first);
}

// Mean delay (s) from each R peak in [t0_s, t1_s) to the maximum of its T wave (searched from
// 120 ms after R to 60% of the way to the next R).
double t_peak_delay_s(const sig::SyntheticRecording& r, double t0_s, double t1_s) {
  double sum = 0.0;
  int n = 0;
  for (std::size_t k = 0; k + 1 < r.annotations.size(); ++k) {
    const double t = r.r_peak_times_s[static_cast<Eigen::Index>(k)];
    if (t < t0_s || t >= t1_s) continue;
    const Eigen::Index p = r.annotations[k].sample, next = r.annotations[k + 1].sample;
    const Eigen::Index a = p + static_cast<Eigen::Index>(0.12 * r.fs_hz);
    const Eigen::Index b = p + (next - p) * 6 / 10;
    Eigen::Index at = 0;
    r.ecg_mv.segment(a, b - a).maxCoeff(&at);
    sum += static_cast<double>(a + at - p) / r.fs_hz;
    ++n;
  }
  return sum / n;
}

}  // namespace

TEST(SynthDrift, ChangePointsReportWhenAndWhat) {
  auto rc = quiet(300.0, 250.0);
  rc.drift.changes = {Change::heart_rate_trend(60.0, 120.0, 20.0),
                      Change::gain_drift(10.0, 200.0, -0.4),
                      Change::baseline_wander_growth(100.0, 300.0, 0.2),
                      Change::noise_rise(150.0, 250.0, 0.05),
                      Change::gain_step(30.004, 0.5),
                      Change::polarity_inversion(200.0),
                      Change::electrode_noise_onset(280.0, 0.1),
                      Change::sampling_rate_mismatch(290.0, 1.25)};
  const auto r = sig::synthesize(rc);
  ASSERT_EQ(r.changes.size(), rc.drift.changes.size());
  for (std::size_t i = 0; i < r.changes.size(); ++i) {
    const Change& c = rc.drift.changes[i];
    const sig::ChangePoint& p = r.changes[i];
    EXPECT_EQ(p.kind, c.kind);
    EXPECT_EQ(p.gradual, i < 4) << sig::to_string(c.kind);
    EXPECT_EQ(p.start_s, c.start_s);
    EXPECT_EQ(p.end_s, c.end_s);
    EXPECT_EQ(p.magnitude, c.magnitude);
    EXPECT_EQ(p.start_sample, std::llround(c.start_s * 250.0));
    EXPECT_EQ(p.end_sample, std::llround(c.end_s * 250.0));
  }
  EXPECT_EQ(r.changes[4].start_sample, 7501);  // 30.004 s rounds to the nearest sample
  EXPECT_EQ(r.changes[5].magnitude, -1.0);
  EXPECT_STREQ(sig::magnitude_unit(sig::DriftKind::noise_rise), "mV rms");
  EXPECT_EQ(sig::parse_drift_kind("electrode_noise_onset"), sig::DriftKind::electrode_noise_onset);
  expect_invalid([] { sig::parse_drift_kind("lead_off"); }, "unknown drift kind 'lead_off'");
}

TEST(SynthDrift, GainChangesScaleTheSignalExactlyWhereDeclared) {
  auto rc = quiet(120.0);
  const auto base = sig::synthesize(rc);
  rc.drift.changes = {Change::gain_step(30.0, 0.5), Change::polarity_inversion(60.0),
                      Change::gain_drift(80.0, 100.0, -0.5)};
  const auto r = sig::synthesize(rc);
  ASSERT_EQ(r.ecg_mv.size(), base.ecg_mv.size());
  for (Eigen::Index i = 0; i < r.ecg_mv.size(); i += 7) {
    const double t = static_cast<double>(i) / 360.0;
    double g = i >= 10800 ? 1.5 : 1.0;
    if (i >= 21600) g = -g;
    g *= 1.0 - 0.5 * std::clamp((t - 80.0) / 20.0, 0.0, 1.0);
    ASSERT_NEAR(r.ecg_mv[i], g * base.ecg_mv[i], 1e-12) << "sample " << i;
  }
  EXPECT_EQ(r.ecg_mv[10799], base.ecg_mv[10799]);
  EXPECT_EQ(r.ecg_mv[10800], 1.5 * base.ecg_mv[10800]);
  // Gain changes are acquisition changes: the beats and their labels do not move.
  ASSERT_EQ(r.annotations.size(), base.annotations.size());
  for (std::size_t k = 0; k < r.annotations.size(); ++k) {
    EXPECT_EQ(r.annotations[k].sample, base.annotations[k].sample);
  }
}

TEST(SynthDrift, HeartRateTrendMovesTheRateAndShortensQt) {
  for (const double delta_bpm : {40.0, -20.0}) {
    auto rc = quiet(600.0, 360.0, 3);
    rc.drift.changes = {Change::heart_rate_trend(200.0, 400.0, delta_bpm)};
    const auto r = sig::synthesize(rc);
    EXPECT_NEAR(heart_rate_bpm(r, 10.0, 195.0), 60.0, 1.0) << delta_bpm;
    EXPECT_NEAR(heart_rate_bpm(r, 405.0, 600.0), 60.0 + delta_bpm, 1.5) << delta_bpm;
    // Half-way up the ramp (280-320 s averages the ramp's middle).
    EXPECT_NEAR(heart_rate_bpm(r, 280.0, 320.0), 60.0 + 0.5 * delta_bpm, 2.0) << delta_bpm;
    // The T wave follows the rate as in ecgsyn: θ_T ∝ (hr/60)^(1/4), ω ∝ hr, so the R-to-T
    // delay is 100° / 360° × (60/hr)^(3/4) s (0.278 s at 60 bpm), a little earlier because the
    // -z relaxation pulls the apex forward.
    for (const auto& [t0, t1, hr] : {std::tuple{10.0, 195.0, 60.0},
                                     std::tuple{405.0, 600.0, 60.0 + delta_bpm}}) {
      const double expected = 100.0 / 360.0 * std::pow(60.0 / hr, 0.75);
      EXPECT_NEAR(t_peak_delay_s(r, t0, t1), expected, 0.015) << "hr " << hr;
    }
  }
}

TEST(SynthDrift, WanderAndNoiseGrowFromZeroToTheirRms) {
  auto rc = quiet(900.0, 250.0, 5);
  const auto base = sig::synthesize(rc);
  for (const auto kind : {sig::DriftKind::baseline_wander_growth, sig::DriftKind::noise_rise}) {
    rc.drift.changes = {{kind, 100.0, 300.0, 0.2}};
    const auto r = sig::synthesize(rc);
    const Eigen::VectorXd d = r.ecg_mv - base.ecg_mv;
    EXPECT_EQ(d.head(25001).cwiseAbs().maxCoeff(), 0.0) << sig::to_string(kind);
    const bool wander = kind == sig::DriftKind::baseline_wander_growth;
    // After the ramp: the declared rms. 600 s of 0.05-0.5 Hz wander has ~400 degrees of freedom.
    EXPECT_NEAR(rms(d.tail(150000)), 0.2, 0.2 * (wander ? 0.12 : 0.02)) << sig::to_string(kind);
    if (!wander) {
      // Linear in amplitude: half-way (190-210 s) it is half.
      EXPECT_NEAR(rms(d.segment(47500, 5000)), 0.1, 0.1 * 0.05);
      EXPECT_NEAR(rms(d.segment(31250, 2500)), 0.2 * 0.15, 0.2 * 0.15 * 0.08);  // 125-135 s
    }
    // Wander lives below 0.5 Hz, the noise above 10 Hz.
    const Eigen::Index n = 131072;
    std::vector<double> seg(d.data() + d.size() - n, d.data() + d.size());
    std::vector<std::complex<double>> spectrum;
    Eigen::FFT<double> fft;
    fft.fwd(spectrum, seg);
    double low = 0.0, total = 0.0;
    const double cut_hz = wander ? 0.5 : 10.0;
    for (std::size_t i = 1; i < spectrum.size() / 2; ++i) {
      const double p = std::norm(spectrum[i]);
      total += p;
      if (static_cast<double>(i) * 250.0 / static_cast<double>(n) < cut_hz) low += p;
    }
    if (wander) {
      EXPECT_GT(low / total, 0.98);
    } else {
      EXPECT_LT(low / total, 0.05);
    }
  }
}

TEST(SynthDrift, ElectrodeNoiseStartsAtItsSample) {
  auto rc = quiet(200.0, 500.0, 6);
  const auto base = sig::synthesize(rc);
  rc.drift.changes = {Change::electrode_noise_onset(80.0, 0.25)};
  const auto r = sig::synthesize(rc);
  const Eigen::VectorXd d = r.ecg_mv - base.ecg_mv;
  EXPECT_EQ(d.head(40000).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_NE(d[40000], 0.0);
  const Eigen::VectorXd after = d.tail(60000);
  EXPECT_NEAR(rms(after), 0.25, 0.25 * 0.1);
  const Eigen::Index n = after.size();
  EXPECT_GT(after.head(n - 1).dot(after.tail(n - 1)) / after.squaredNorm(), 0.99);  // < 12 Hz
}

TEST(SynthDrift, SamplingRateMismatchStretchesTheRecordFromItsSample) {
  for (const double ratio : {2.0, 0.5, 250.0 / 360.0}) {
    auto rc = quiet(240.0, 360.0, 7);
    rc.ecg.heart_rate_std_bpm = 0.0;
    rc.drift.changes = {Change::sampling_rate_mismatch(120.0, ratio)};
    const auto r = sig::synthesize(rc);
    // Before: 60 bpm. After: a signal sampled at ratio × 360 Hz read at 360 Hz, so every
    // interval looks ratio times longer.
    EXPECT_NEAR(heart_rate_bpm(r, 5.0, 119.0), 60.0, 0.01);
    EXPECT_NEAR(heart_rate_bpm(r, 122.0 + 2.0 * ratio, 240.0), 60.0 / ratio, 0.01 * 60.0 / ratio)
        << "ratio " << ratio;
    // The annotations still sit on the R apex, whose width in samples scaled by the ratio.
    for (std::size_t k = 1; k + 1 < r.annotations.size(); ++k) {
      const Eigen::Index p = r.annotations[k].sample;
      const double t = r.r_peak_times_s[static_cast<Eigen::Index>(k)];
      EXPECT_LE(std::fabs(static_cast<double>(p) - t * 360.0), 1.5) << "ratio " << ratio;
      EXPECT_GE(r.ecg_mv[p], r.ecg_mv[p - 1]);
      EXPECT_GE(r.ecg_mv[p], r.ecg_mv[p + 1]);
    }
    // Before the change the record is the model's output without it: the same bytes when the
    // integration step is the same, within the RK4 error when a slower actual rate refined it.
    rc.drift.changes.clear();
    const auto base = sig::synthesize(rc);
    const double diff = (r.ecg_mv.head(43200) - base.ecg_mv.head(43200)).cwiseAbs().maxCoeff();
    EXPECT_LE(diff, ratio >= 1.0 ? 0.0 : 1e-4) << "ratio " << ratio;
  }
}

TEST(SynthDrift, InvalidChangesThrowNamingTheField) {
  const double nan = std::nan("");
  const std::vector<std::pair<std::string, Change>> cases = {
      {"drift.changes[0] (gain_step).start_s", Change::gain_step(-1.0, 0.5)},
      {"drift.changes[0] (gain_step).start_s", Change::gain_step(60.0, 0.5)},
      {"drift.changes[0] (gain_step).start_s", Change::gain_step(nan, 0.5)},
      {"drift.changes[0] (gain_step).magnitude", Change::gain_step(10.0, -1.0)},
      {"drift.changes[0] (gain_step).magnitude", Change::gain_step(10.0, 0.0)},
      {"drift.changes[0] (gain_step).end_s must equal start_s",
       {sig::DriftKind::gain_step, 10.0, 20.0, 0.5}},
      {"drift.changes[0] (gain_drift).end_s", Change::gain_drift(10.0, 5.0, 0.5)},
      {"drift.changes[0] (gain_drift).end_s", Change::gain_drift(10.0, 61.0, 0.5)},
      {"drift.changes[0] (gain_drift).magnitude", Change::gain_drift(10.0, 20.0, -2.0)},
      {"drift.changes[0] (heart_rate_trend).magnitude",
       Change::heart_rate_trend(10.0, 20.0, nan)},
      {"heart_rate_trend changes take heart_rate_bpm = 60 to between 60 and 260",
       Change::heart_rate_trend(10.0, 20.0, 200.0)},
      {"drift.changes[0] (noise_rise).magnitude", Change::noise_rise(10.0, 20.0, -0.1)},
      {"drift.changes[0] (baseline_wander_growth).magnitude",
       Change::baseline_wander_growth(10.0, 20.0, 0.0)},
      {"drift.changes[0] (electrode_noise_onset).magnitude",
       Change::electrode_noise_onset(10.0, 20.0)},
      {"drift.changes[0] (polarity_inversion).magnitude must be -1",
       {sig::DriftKind::polarity_inversion, 10.0, 10.0, 1.0}},
      {"drift.changes[0] (sampling_rate_mismatch).magnitude",
       Change::sampling_rate_mismatch(10.0, 1.0)},
      {"drift.changes[0] (sampling_rate_mismatch).magnitude",
       Change::sampling_rate_mismatch(10.0, 5.0)},
  };
  for (const auto& [field, change] : cases) {
    sig::RecordingConfig c;
    c.ecg.duration_s = 60.0;
    c.drift.changes.push_back(change);
    expect_invalid([&] { sig::synthesize(c); }, field);
  }
  sig::RecordingConfig two;
  two.ecg.duration_s = 60.0;
  two.drift.changes = {Change::sampling_rate_mismatch(10.0, 2.0),
                       Change::sampling_rate_mismatch(10.0, 0.5)};
  expect_invalid([&] { sig::synthesize(two); },
                 "drift.changes[1] (sampling_rate_mismatch) starts at the same time");
  // Several trends add up; the range check sees the sum.
  two.drift.changes = {Change::heart_rate_trend(0.0, 10.0, -30.0),
                       Change::heart_rate_trend(20.0, 30.0, -20.0)};
  expect_invalid([&] { sig::synthesize(two); }, "to between 10 and 60 bpm");
  two.drift.changes.pop_back();
  EXPECT_NO_THROW(sig::synthesize(two));
  two.ecg.heart_rate_std_bpm = 4.0;  // fine at 60 bpm, too much at the trend's 30 bpm
  expect_invalid([&] { sig::synthesize(two); },
                 "heart_rate_std_bpm = 4 exceeds a tenth of the lowest rate");
}
