// Beat features: the contract's layout (channel-major, then extras) with hand-computed values,
// output independent of chunking and of a state()/restore() hand-over, the physical behaviour
// on a synthetic recording with labelled PVCs and SPBs (normal beats near zero, ectopics far),
// the params round trip and every bad input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/signal/beat_features.hpp"
#include "ecgad/signal/filter.hpp"
#include "ecgad/signal/synth.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;
using sig::BeatMatrix;
using sig::ExtraFeature;
using sig::FeatureChannel;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

Eigen::RowVectorXf bump(Eigen::Index length, double centre) {
  Eigen::RowVectorXf b(length);
  for (Eigen::Index j = 0; j < length; ++j) {
    const double x = static_cast<double>(j);
    b[j] = static_cast<float>(std::exp(-0.5 * std::pow((x - centre) / 1.5, 2)) + 0.1 * x / 20.0);
  }
  return b;
}

// Population mean and std in double.
std::pair<double, double> moments(const Eigen::RowVectorXf& x) {
  const Eigen::RowVectorXd d = x.cast<double>();
  const double mean = d.mean();
  return {mean, std::sqrt((d.array() - mean).square().mean())};
}

// A 10-minute synthetic recording with PVCs and SPBs, segmented at its true R peaks.
struct SyntheticBeats {
  sig::Beats beats;
  std::vector<sig::AamiClass> labels;
};

SyntheticBeats synthetic_beats() {
  sig::RecordingConfig config;
  config.ecg.duration_s = 600.0;
  config.ecg.fs_hz = 360.0;
  config.ecg.heart_rate_bpm = 70.0;
  config.ecg.noise_mv = 0.01;
  config.ecg.seed = 11;
  config.anomalies.pvc_rate = 0.04;
  config.anomalies.spb_rate = 0.04;
  const sig::SyntheticRecording rec = sig::synthesize(config);
  std::vector<Eigen::Index> peaks;
  for (const auto& a : rec.annotations) peaks.push_back(a.sample);
  // The baseline wander of the model is removed as the evaluation does (0.5 Hz highpass).
  const Eigen::VectorXd clean = sig::sosfiltfilt(
      sig::butter(5, 0.5, sig::BandType::highpass, rec.fs_hz), rec.ecg_mv);
  SyntheticBeats out;
  out.beats = sig::segment_beats(clean, rec.fs_hz, peaks);
  for (Eigen::Index i = 0; i < out.beats.size(); ++i) {
    out.labels.push_back(rec.annotations[static_cast<std::size_t>(out.beats.peak_number[i])].aami);
  }
  return out;
}

}  // namespace

TEST(BeatFeatures, LayoutAndHandComputedValues) {
  sig::BeatFeatureConfig c;
  c.channels = {FeatureChannel::beat_zscore, FeatureChannel::beat_scaled,
                FeatureChannel::residual};
  c.extras = {ExtraFeature::log_rr_before, ExtraFeature::log_rr_after};
  c.rr_gain = 10.0;
  c.residual_smooth_points = 3;
  c.reference.length = 20;
  c.reference.reference_beats = 4;
  c.reference.warmup_beats = 1;
  c.reference.max_shift_points = 0;
  c.reference.gate_rr_ratio = 0.0;
  ASSERT_EQ(c.input_size(), 62);
  const Eigen::RowVectorXf b0 = bump(20, 8.0);
  Eigen::RowVectorXf b1 = b0;
  b1[10] += 0.6f;
  BeatMatrix beats(3, 20);
  beats.row(0) = b0;
  beats.row(1) = b1;
  beats.row(2) = b0;
  const Eigen::VectorXd rr_before = (Eigen::VectorXd(3) << kNan, 0.8, 0.5).finished();
  const Eigen::VectorXd rr_after = (Eigen::VectorXd(3) << 0.8, 0.5, kNan).finished();
  sig::BeatFeatureExtractor ex(c);
  const sig::BeatFeatures f = ex.process(beats, rr_before, rr_after);
  ASSERT_EQ(f.features.rows(), 3);
  ASSERT_EQ(f.features.cols(), 62);
  const auto [mean0, std0] = moments(b0);
  // Beat 0: no reference yet, so it is its own: z-score twice, residual 0, extras 0.
  for (Eigen::Index j = 0; j < 20; ++j) {
    const auto z = static_cast<float>((static_cast<double>(b0[j]) - mean0) / std0);
    EXPECT_NEAR(f.features(0, j), z, 1e-6);
    EXPECT_NEAR(f.features(0, 20 + j), z, 1e-6);
    EXPECT_EQ(f.features(0, 40 + j), 0.0f);
  }
  EXPECT_EQ(f.features(0, 60), 0.0f);
  EXPECT_EQ(f.features(0, 61), 0.0f);
  EXPECT_FALSE(f.warm[0]);
  EXPECT_TRUE(f.warm[1]);
  // Beat 1 against the reference b0: residual 0.6 / std0 at column 10, moving average of 3.
  // The RR median is still empty (beat 0 had no RR-before): extras 0.
  const auto [mean1, std1] = moments(b1);
  for (Eigen::Index j = 0; j < 20; ++j) {
    EXPECT_NEAR(f.features(1, j), (static_cast<double>(b1[j]) - mean1) / std1, 1e-6);
    EXPECT_NEAR(f.features(1, 20 + j), (static_cast<double>(b1[j]) - mean0) / std0, 1e-6);
    const double expected = (j >= 9 && j <= 11) ? 0.6 / std0 / 3.0 : 0.0;
    EXPECT_NEAR(f.features(1, 40 + j), expected, 1e-6) << j;
  }
  EXPECT_EQ(f.features(1, 60), 0.0f);
  EXPECT_EQ(f.features(1, 61), 0.0f);
  // Beat 2: the reference is the median of {b0, b1} = b0 + 0.3 at column 10; RR median 0.8.
  Eigen::RowVectorXf ref = b0;
  ref[10] += 0.3f;
  const auto [mean_r, std_r] = moments(ref);
  for (Eigen::Index j = 0; j < 20; ++j) {
    const double expected = (j >= 9 && j <= 11) ? -0.3 / std_r / 3.0 : 0.0;
    EXPECT_NEAR(f.features(2, 40 + j), expected, 1e-6) << j;
    EXPECT_NEAR(f.features(2, 20 + j), (static_cast<double>(b0[j]) - mean_r) / std_r, 1e-6);
  }
  EXPECT_NEAR(f.features(2, 60), 10.0 * std::log(0.5 / 0.8), 1e-5);
  EXPECT_EQ(f.features(2, 61), 0.0f);  // RR-after unknown
  EXPECT_TRUE(f.accepted.all());
  EXPECT_EQ(f.shift_points, sig::IndexVector::Zero(3));
}

TEST(BeatFeatures, EdgeValuesRepeatInTheMovingAverage) {
  sig::BeatFeatureConfig c;
  c.channels = {FeatureChannel::residual};
  c.extras = {};
  c.residual_smooth_points = 5;
  c.reference.length = 10;
  c.reference.warmup_beats = 1;
  c.reference.max_shift_points = 0;
  c.reference.gate_rr_ratio = 0.0;
  BeatMatrix beats = BeatMatrix::Zero(2, 10);
  beats.row(0) << 0, 1, 2, 3, 4, 5, 6, 7, 8, 9;
  beats.row(1) = beats.row(0);
  beats(1, 0) += 1.0f;  // residual 1 at column 0 only
  const Eigen::VectorXd rr = Eigen::VectorXd::Constant(2, kNan);
  const sig::BeatFeatures f = sig::BeatFeatureExtractor(c).process(beats, rr, rr);
  const double std0 = std::sqrt(8.25);  // population std of 0..9
  // Padded residual: [1, 1, | 1, 0, 0, ...]: column 0 averages 3 ones, column 1 two, column 2 one.
  EXPECT_NEAR(f.features(1, 0), 3.0 / 5.0 / std0, 1e-7);
  EXPECT_NEAR(f.features(1, 1), 2.0 / 5.0 / std0, 1e-7);
  EXPECT_NEAR(f.features(1, 2), 1.0 / 5.0 / std0, 1e-7);
  EXPECT_EQ(f.features(1, 3), 0.0f);
}

TEST(BeatFeatures, OutputDoesNotDependOnChunkingOrHandOver) {
  const SyntheticBeats data = synthetic_beats();
  const sig::Beats& b = data.beats;
  const sig::BeatFeatureConfig config;  // the defaults: alignment, gate, smoothing all active
  const sig::BeatFeatures whole = sig::beat_features(b, config);
  ASSERT_EQ(whole.features.cols(), 142);
  std::mt19937_64 gen(5);
  std::uniform_int_distribution<Eigen::Index> size(0, 40);
  sig::BeatFeatureExtractor ex(config);
  sig::BeatFeatureExtractor other(config);
  Eigen::Index start = 0;
  int calls = 0;
  while (start < b.size()) {
    const Eigen::Index n = std::min(size(gen), b.size() - start);
    // Every third call hands the stream over to the other extractor through state()/restore().
    if (++calls % 3 == 0) {
      other.restore(ex.state());
      std::swap(ex, other);
    }
    const sig::BeatFeatures part =
        ex.process(b.beats.middleRows(start, n), b.rr_before_s.segment(start, n),
                   b.rr_after_s.segment(start, n));
    ASSERT_EQ(part.features, whole.features.middleRows(start, n)) << "chunk at " << start;
    ASSERT_EQ(part.accepted, whole.accepted.segment(start, n));
    ASSERT_EQ(part.shift_points, whole.shift_points.segment(start, n));
    start += n;
  }
  EXPECT_GT(calls, 20);
}

TEST(BeatFeatures, NormalBeatsNearZeroEctopicsFarOnSyntheticEcg) {
  const SyntheticBeats data = synthetic_beats();
  const sig::BeatFeatureConfig config;
  const sig::BeatFeatures f = sig::beat_features(data.beats, config);
  const Eigen::Index l = config.length();
  std::vector<double> normal_residual, pvc_residual, normal_rr, spb_rr, pvc_rr;
  for (Eigen::Index i = 0; i < f.size(); ++i) {
    if (!f.warm[i]) continue;
    const double residual = f.features.row(i).head(l).cwiseAbs().cast<double>().mean();
    const double rr_before = static_cast<double>(f.features(i, l)) / config.rr_gain;
    switch (data.labels[static_cast<std::size_t>(i)]) {
      case sig::AamiClass::N:
        normal_residual.push_back(residual);
        normal_rr.push_back(rr_before);
        break;
      case sig::AamiClass::V:
        pvc_residual.push_back(residual);
        pvc_rr.push_back(rr_before);
        break;
      case sig::AamiClass::S: spb_rr.push_back(rr_before); break;
      default: break;
    }
  }
  ASSERT_GT(pvc_residual.size(), 10u);
  ASSERT_GT(spb_rr.size(), 10u);
  const auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  // Normal beats match their reference; PVCs (no P, wide QRS, discordant T) do not.
  EXPECT_LT(median(normal_residual), 0.1);
  EXPECT_GT(median(pvc_residual), 5.0 * median(normal_residual));
  EXPECT_LT(*std::max_element(normal_residual.begin(), normal_residual.end()),
            *std::min_element(pvc_residual.begin(), pvc_residual.end()));
  // Coupling 0.55-0.70 (PVC) and 0.60-0.80 (SPB) of the sinus RR: log ratio <= log(0.85).
  EXPECT_LT(std::abs(median(normal_rr)), 0.05);
  for (double v : pvc_rr) EXPECT_LT(v, std::log(0.85));
  for (double v : spb_rr) EXPECT_LT(v, std::log(0.85));
  // The gate kept the ectopics out of the reference.
  for (Eigen::Index i = 0; i < f.size(); ++i) {
    if (f.warm[i] && data.labels[static_cast<std::size_t>(i)] != sig::AamiClass::N) {
      EXPECT_FALSE(f.accepted[i]) << "ectopic beat " << i << " entered the reference";
    }
  }
}

TEST(BeatFeatures, ParamsRoundTripAndValidation) {
  sig::BeatFeatureConfig c;
  c.channels = {FeatureChannel::beat_scaled, FeatureChannel::residual};
  c.extras = {ExtraFeature::log_rr_after};
  c.rr_gain = 12.5;
  c.reference.reference_beats = 16;
  c.reference.rr_from_accepted = false;
  const sig::BeatFeatureParams p = sig::to_params(c);
  EXPECT_EQ(p.channels, (std::vector<std::string>{"beat_scaled", "residual"}));
  EXPECT_EQ(p.extras, (std::vector<std::string>{"log_rr_after"}));
  EXPECT_EQ(p.numbers.size(), 11u);
  EXPECT_EQ(p.numbers.at("rr_from_accepted"), 0.0);
  const sig::BeatFeatureConfig back = sig::feature_config_from_params(p);
  EXPECT_EQ(sig::to_params(back).numbers, p.numbers);
  EXPECT_EQ(back.channels, c.channels);
  EXPECT_EQ(back.extras, c.extras);
  EXPECT_EQ(back.input_size(), 281);

  sig::BeatFeatureParams bad = p;
  bad.numbers["gain"] = 1.0;
  expect_invalid([&] { sig::feature_config_from_params(bad); }, "unknown feature parameter 'gain'");
  bad = p;
  bad.numbers.erase("warmup_beats");
  expect_invalid([&] { sig::feature_config_from_params(bad); },
                 "missing feature parameter 'warmup_beats'");
  bad = p;
  bad.numbers["reference_beats"] = 16.5;
  expect_invalid([&] { sig::feature_config_from_params(bad); },
                 "'reference_beats' must be an integer, got 16.5");
  bad = p;
  bad.numbers["rr_from_accepted"] = 2.0;
  expect_invalid([&] { sig::feature_config_from_params(bad); }, "must be 0 or 1, got 2");
  bad = p;
  bad.numbers["rr_gain"] = std::numeric_limits<double>::infinity();
  expect_invalid([&] { sig::feature_config_from_params(bad); }, "'rr_gain' must be finite");
  bad = p;
  bad.channels = {"residual", "beat"};
  expect_invalid([&] { sig::feature_config_from_params(bad); },
                 "unknown feature channel 'beat'; expected one of beat_zscore");
  bad = p;
  bad.extras = {"rr_ratio"};
  expect_invalid([&] { sig::feature_config_from_params(bad); }, "unknown extra feature 'rr_ratio'");
  bad = p;
  bad.numbers["gate_rr_ratio"] = 2.0;
  expect_invalid([&] { sig::feature_config_from_params(bad); }, "gate_rr_ratio must be in [0, 1]");
}

TEST(BeatFeatures, RejectsBadConfigsAndInputs) {
  const auto with = [](auto change) {
    sig::BeatFeatureConfig c;
    change(c);
    return c;
  };
  expect_invalid([&] { sig::BeatFeatureExtractor(with([](auto& c) {
                   c.channels.clear();
                   c.extras.clear();
                 })); },
                 "at least one channel or extra feature");
  expect_invalid([&] { sig::BeatFeatureExtractor(with([](auto& c) {
                   c.channels = {FeatureChannel::residual, FeatureChannel::residual};
                 })); },
                 "feature channel 'residual' is listed twice");
  expect_invalid([&] { sig::BeatFeatureExtractor(with([](auto& c) {
                   c.extras = {ExtraFeature::log_rr_after, ExtraFeature::log_rr_after};
                 })); },
                 "extra feature 'log_rr_after' is listed twice");
  expect_invalid([&] { sig::BeatFeatureExtractor(with([](auto& c) { c.rr_gain = 0.0; })); },
                 "rr_gain must be a finite number > 0, got 0");
  expect_invalid(
      [&] { sig::BeatFeatureExtractor(with([](auto& c) { c.residual_smooth_points = 4; })); },
      "residual_smooth_points must be odd and in [1, L = 140], got 4");
  expect_invalid(
      [&] { sig::BeatFeatureExtractor(with([](auto& c) { c.constant_tolerance = -1.0; })); },
      "constant_tolerance must be a finite number >= 0");
  expect_invalid([&] { sig::BeatFeatureExtractor(with([](auto& c) { c.reference.length = 1; })); },
                 "beat length L must be >= 2");

  sig::BeatFeatureExtractor ex{sig::BeatFeatureConfig{}};
  const BeatMatrix beats = BeatMatrix::Ones(3, 140);
  const Eigen::VectorXd rr = Eigen::VectorXd::Constant(3, 0.8);
  expect_invalid([&] { ex.process(BeatMatrix::Ones(3, 100), rr, rr); },
                 "beats have 100 points, but the feature set expects L = 140");
  expect_invalid([&] { ex.process(beats, rr.head(2), rr); },
                 "one value per beat (3), got 2 and 3");
  BeatMatrix nan_beats = beats;
  nan_beats(1, 7) = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { ex.process(nan_beats, rr, rr); }, "beats must be finite");
  Eigen::VectorXd bad_rr = rr;
  bad_rr[2] = -0.1;
  expect_invalid([&] { ex.process(beats, rr, bad_rr); },
                 "rr_after_s must be finite and > 0 s or NaN (unknown), but element 2 is -0.1");
  bad_rr[2] = std::numeric_limits<double>::infinity();
  expect_invalid([&] { ex.process(beats, bad_rr, rr); }, "rr_before_s must be finite");
  EXPECT_EQ(ex.reference().beats_seen(), 0);  // nothing was consumed by the failed calls
  // Constant beats and a flat reference give finite features (scale 1, z-score 0).
  const sig::BeatFeatures f = ex.process(beats, rr, rr);
  EXPECT_TRUE(f.features.allFinite());
  EXPECT_EQ(f.features.leftCols(140), BeatMatrix::Zero(3, 140));
  sig::BeatFeatureExtractor unset;
  EXPECT_THROW(unset.process(beats, rr, rr), ecgad::StateError);
  EXPECT_THROW(unset.reset(), ecgad::StateError);
}
