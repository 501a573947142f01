// BeatReference: running medians equal numpy.median over the held beats / intervals (odd and
// even counts, ring eviction), the RR gate and forced acceptance, alignment recovering known
// shifts, state()/restore() resuming a stream exactly, and every bad input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/signal/beat_reference.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;
using sig::BeatMatrix;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

sig::BeatReferenceConfig small_config() {
  sig::BeatReferenceConfig c;
  c.length = 8;
  c.reference_beats = 4;
  c.reference_rr = 3;
  c.warmup_beats = 2;
  c.max_rejected_beats = 3;
  c.max_shift_points = 0;
  return c;
}

std::vector<float> constant_beat(float value, Eigen::Index length) {
  return std::vector<float>(static_cast<std::size_t>(length), value);
}

// np.median of a column of values.
double numpy_median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// A smooth beat-like bump (Gaussian R wave and a broad T wave) on `length` points.
std::vector<float> bump_beat(Eigen::Index length, double centre, double amplitude = 1.0) {
  std::vector<float> b(static_cast<std::size_t>(length));
  for (Eigen::Index j = 0; j < length; ++j) {
    const double x = static_cast<double>(j);
    b[static_cast<std::size_t>(j)] = static_cast<float>(
        amplitude * std::exp(-0.5 * std::pow((x - centre) / 2.5, 2)) +
        0.3 * std::exp(-0.5 * std::pow((x - centre - 40.0) / 8.0, 2)));
  }
  return b;
}

}  // namespace

TEST(BeatReference, MedianBeatEqualsNumpyMedianOfTheLastKBeats) {
  sig::BeatReferenceConfig c = small_config();
  c.gate_rr_ratio = 0.0;  // accept everything: a plain running median
  sig::BeatReference ref(c);
  std::mt19937_64 gen(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<std::vector<float>> history;
  for (int i = 0; i < 11; ++i) {
    std::vector<float> beat(8);
    for (float& v : beat) v = dist(gen);
    EXPECT_TRUE(ref.update(beat.data(), 0.8));
    history.push_back(beat);
    const std::size_t first = history.size() > 4 ? history.size() - 4 : 0;
    ASSERT_EQ(ref.beats_held(), static_cast<Eigen::Index>(history.size() - first));
    for (Eigen::Index col = 0; col < 8; ++col) {
      std::vector<double> column;
      for (std::size_t r = first; r < history.size(); ++r) {
        column.push_back(static_cast<double>(history[r][static_cast<std::size_t>(col)]));
      }
      // Even counts average the middle two in double, then round once to float.
      EXPECT_EQ(ref.median_beat()[col], static_cast<float>(numpy_median(column)))
          << "beat " << i << " column " << col;
    }
  }
}

TEST(BeatReference, MedianRrOfTheLastIntervalsIgnoresUnknownOnes) {
  sig::BeatReferenceConfig c = small_config();
  c.gate_rr_ratio = 0.0;
  sig::BeatReference ref(c);
  const std::vector<float> beat = constant_beat(1.0f, 8);
  EXPECT_TRUE(std::isnan(ref.median_rr_s()));
  ref.update(beat.data(), kNan);  // first beat of a stream: no RR
  EXPECT_TRUE(std::isnan(ref.median_rr_s()));
  EXPECT_EQ(ref.rr_held(), 0);
  ref.update(beat.data(), 1.0);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 1.0);
  ref.update(beat.data(), 0.5);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 0.75);
  ref.update(beat.data(), 0.9);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 0.9);  // {1.0, 0.5, 0.9}
  ref.update(beat.data(), 0.4);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 0.5);  // 1.0 evicted: {0.5, 0.9, 0.4}
  EXPECT_EQ(ref.rr_held(), 3);
  EXPECT_EQ(ref.beats_seen(), 5);
}

TEST(BeatReference, GateKeepsPrematureBeatsOutOfTheReference) {
  sig::BeatReferenceConfig c = small_config();
  c.max_rejected_beats = 0;  // never force
  sig::BeatReference ref(c);
  const std::vector<float> normal = constant_beat(1.0f, 8);
  const std::vector<float> ectopic = constant_beat(5.0f, 8);
  EXPECT_TRUE(ref.update(normal.data(), 1.0));
  EXPECT_FALSE(ref.is_warm());
  // Still warming up (1 beat held < 2): a premature beat is accepted.
  EXPECT_TRUE(ref.update(ectopic.data(), 0.5));
  EXPECT_TRUE(ref.is_warm());
  EXPECT_FLOAT_EQ(ref.median_beat()[0], 3.0f);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 0.75);
  ref.update(normal.data(), 1.0);
  ref.update(normal.data(), 1.0);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 1.0);  // {0.5, 1.0, 1.0}
  // 0.89 < 0.9 * 1.0: rejected, neither the beat nor its interval enters.
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(ref.update(ectopic.data(), 0.89));
    EXPECT_EQ(ref.rejected_run(), i + 1);
  }
  EXPECT_FLOAT_EQ(ref.median_beat()[3], 1.0f);  // {1, 5, 1, 1} -> 1
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 1.0);
  // Exactly at the gate: accepted.
  EXPECT_TRUE(ref.update(normal.data(), 0.9));
  EXPECT_EQ(ref.rejected_run(), 0);
  EXPECT_EQ(ref.beats_accepted(), 5);
  EXPECT_EQ(ref.beats_seen(), 15);
}

TEST(BeatReference, RrFromEveryBeatWhenConfigured) {
  sig::BeatReferenceConfig c = small_config();
  c.rr_from_accepted = false;
  c.max_rejected_beats = 0;
  sig::BeatReference ref(c);
  const std::vector<float> beat = constant_beat(1.0f, 8);
  ref.update(beat.data(), 1.0);
  ref.update(beat.data(), 1.0);
  ref.update(beat.data(), 1.0);
  EXPECT_FALSE(ref.update(beat.data(), 0.5));   // rejected, but its RR still counts
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 1.0);     // {1, 1, 0.5}
  EXPECT_FALSE(ref.update(beat.data(), 0.5));   // 0.5 < 0.9: still rejected
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 0.5);     // {1, 0.5, 0.5}: the run becomes the norm
  EXPECT_TRUE(ref.update(beat.data(), 0.5));
}

TEST(BeatReference, ForcedAcceptanceAfterMaxRejectedBeats) {
  sig::BeatReferenceConfig c = small_config();  // max_rejected_beats = 3
  sig::BeatReference ref(c);
  const std::vector<float> beat = constant_beat(1.0f, 8);
  const std::vector<float> fast = constant_beat(2.0f, 8);
  for (int i = 0; i < 3; ++i) ref.update(beat.data(), 1.0);
  EXPECT_FALSE(ref.update(fast.data(), 0.6));
  EXPECT_FALSE(ref.update(fast.data(), 0.6));
  EXPECT_TRUE(ref.update(fast.data(), 0.6));  // third rejection in a row: forced in
  EXPECT_EQ(ref.rejected_run(), 0);
  EXPECT_DOUBLE_EQ(ref.median_rr_s(), 1.0);  // ring of 3: {1, 1, 0.6}
  EXPECT_FLOAT_EQ(ref.median_beat()[0], 1.0f);  // {1, 1, 1, 2}: still the sinus beat
}

TEST(BeatReference, AlignRecoversAKnownShift) {
  sig::BeatReferenceConfig c;
  c.length = 140;
  c.max_shift_points = 4;
  c.gate_rr_ratio = 0.0;
  sig::BeatReference ref(c);
  const std::vector<float> base = bump_beat(140, 50.0);
  std::vector<float> aligned(140);
  // No reference yet: copied, shift 0.
  EXPECT_EQ(ref.align(base.data(), aligned.data()), 0);
  EXPECT_EQ(aligned, base);
  ref.update(base.data(), 1.0);
  for (int shift = -4; shift <= 4; ++shift) {
    const std::vector<float> moved = bump_beat(140, 50.0 - shift);  // peak at 50 - shift
    EXPECT_EQ(ref.align(moved.data(), aligned.data()), shift);
    // The shifted beat equals the reference away from the repeated edge.
    for (Eigen::Index j = 4; j < 136; ++j) {
      EXPECT_NEAR(aligned[static_cast<std::size_t>(j)], base[static_cast<std::size_t>(j)], 1e-6)
          << "shift " << shift << " column " << j;
    }
  }
  // A larger displacement is clamped to the search range.
  const std::vector<float> far = bump_beat(140, 40.0);
  EXPECT_EQ(ref.align(far.data(), aligned.data()), 4);
  // Edge repetition: aligned[j] = beat[clamp(j - shift)].
  const std::vector<float> moved = bump_beat(140, 47.0);
  ASSERT_EQ(ref.align(moved.data(), aligned.data()), 3);
  EXPECT_EQ(aligned[0], moved[0]);
  EXPECT_EQ(aligned[2], moved[0]);
  EXPECT_EQ(aligned[3], moved[0]);
  EXPECT_EQ(aligned[139], moved[136]);
  // Ties prefer no shift: a constant beat against a constant reference.
  sig::BeatReference flat(c);
  const std::vector<float> one = constant_beat(1.0f, 140);
  flat.update(one.data(), 1.0);
  EXPECT_EQ(flat.align(one.data(), aligned.data()), 0);
}

TEST(BeatReference, StateRestoreResumesTheStreamExactly) {
  sig::BeatReferenceConfig c;
  c.length = 20;
  c.reference_beats = 6;
  c.reference_rr = 5;
  c.warmup_beats = 3;
  c.max_rejected_beats = 4;
  c.max_shift_points = 2;
  std::mt19937_64 gen(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  std::uniform_real_distribution<double> rr(0.6, 1.1);
  const int n = 60;
  std::vector<std::vector<float>> beats;
  std::vector<double> rrs;
  for (int i = 0; i < n; ++i) {
    std::vector<float> b = bump_beat(20, 8.0);
    for (float& v : b) v += noise(gen);
    beats.push_back(b);
    rrs.push_back(i == 0 ? kNan : rr(gen));
  }
  sig::BeatReference whole(c);
  sig::BeatReference first(c);
  sig::BeatReference second(c);
  std::vector<float> a1(20), a2(20);
  for (int i = 0; i < n; ++i) {
    const auto s1 = whole.align(beats[static_cast<std::size_t>(i)].data(), a1.data());
    const bool acc1 = whole.update(a1.data(), rrs[static_cast<std::size_t>(i)]);
    sig::BeatReference& part = i < 23 ? first : second;
    if (i == 23) second.restore(first.state());
    const auto s2 = part.align(beats[static_cast<std::size_t>(i)].data(), a2.data());
    const bool acc2 = part.update(a2.data(), rrs[static_cast<std::size_t>(i)]);
    ASSERT_EQ(s1, s2) << i;
    ASSERT_EQ(acc1, acc2) << i;
    ASSERT_EQ(a1, a2) << i;
    const double m1 = whole.median_rr_s(), m2 = part.median_rr_s();
    ASSERT_TRUE(m1 == m2 || (std::isnan(m1) && std::isnan(m2))) << i;
    for (Eigen::Index j = 0; j < 20; ++j) ASSERT_EQ(whole.median_beat()[j], part.median_beat()[j]);
  }
  EXPECT_GT(whole.beats_seen() - whole.beats_accepted(), 0);  // the gate did reject some
  const sig::BeatReferenceState s = whole.state();
  EXPECT_EQ(s.beats.rows(), 6);
  EXPECT_EQ(s.rr_s.size(), 5);
  EXPECT_EQ(s.beats_seen, n);
  // The state lists the held beats oldest first: the last row is the last accepted beat.
  sig::BeatReference replay(c);
  replay.restore(s);
  EXPECT_EQ(replay.state().beats, s.beats);
  EXPECT_EQ(replay.state().rr_s, s.rr_s);
}

TEST(BeatReference, RestoreRejectsStatesThatDoNotFit) {
  sig::BeatReference ref(small_config());
  const std::vector<float> beat = constant_beat(1.0f, 8);
  ref.update(beat.data(), 1.0);
  const sig::BeatReferenceState good = ref.state();
  sig::BeatReferenceState s = good;
  s.beats = BeatMatrix::Ones(1, 9);
  expect_invalid([&] { ref.restore(s); }, "expected L = 8");
  s = good;
  s.beats = BeatMatrix::Ones(5, 8);
  s.beats_accepted = s.beats_seen = 5;
  expect_invalid([&] { ref.restore(s); }, "more than reference_beats = 4");
  s = good;
  s.rr_s = Eigen::VectorXd::Ones(4);
  expect_invalid([&] { ref.restore(s); }, "more than reference_rr = 3");
  s = good;
  s.rr_s = Eigen::VectorXd::Constant(1, -1.0);
  expect_invalid([&] { ref.restore(s); }, "RR interval 0");
  s = good;
  s.beats(0, 3) = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { ref.restore(s); }, "reference state beats must be finite");
  s = good;
  s.rejected_run = 3;
  expect_invalid([&] { ref.restore(s); }, "rejected_run");
  s = good;
  s.beats_seen = 0;
  expect_invalid([&] { ref.restore(s); }, "counters are inconsistent");
  // A failed restore leaves the reference as it was.
  EXPECT_EQ(ref.beats_held(), 1);
  EXPECT_EQ(ref.beats_seen(), 1);
}

TEST(BeatReference, RejectsBadParametersAndInputs) {
  const auto with = [](auto change) {
    sig::BeatReferenceConfig c;
    change(c);
    return c;
  };
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.length = 1; })); },
                 "beat length L must be >= 2 points, got 1");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.reference_beats = 0; })); },
                 "reference_beats must be >= 1, got 0");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.reference_rr = 0; })); },
                 "reference_rr must be >= 1");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.gate_rr_ratio = 1.5; })); },
                 "gate_rr_ratio must be in [0, 1], got 1.5");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.gate_rr_ratio = kNan; })); },
                 "gate_rr_ratio");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.warmup_beats = 33; })); },
                 "warmup_beats must be in [1, reference_beats = 32], got 33");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.max_rejected_beats = -1; })); },
                 "max_rejected_beats must be >= 0");
  expect_invalid([&] { sig::BeatReference(with([](auto& c) { c.max_shift_points = 70; })); },
                 "max_shift_points must be >= 0 and < L / 2 = 70, got 70");
  sig::BeatReference ref(small_config());
  const std::vector<float> beat = constant_beat(1.0f, 8);
  expect_invalid([&] { ref.update(beat.data(), 0.0); }, "rr_before_s must be a finite number");
  expect_invalid([&] { ref.update(beat.data(), -0.5); }, "got -0.5");
  expect_invalid([&] { ref.update(beat.data(), std::numeric_limits<double>::infinity()); },
                 "got inf");
  EXPECT_EQ(ref.beats_seen(), 0);  // rejected inputs change nothing
  sig::BeatReference unset;
  EXPECT_THROW(unset.update(beat.data(), 1.0), ecgad::StateError);
  EXPECT_THROW(unset.state(), ecgad::StateError);
  EXPECT_FALSE(unset.is_warm());
}

TEST(BeatReference, ResetForgetsTheStream) {
  sig::BeatReference ref(small_config());
  const std::vector<float> beat = constant_beat(2.0f, 8);
  ref.update(beat.data(), 1.0);
  ref.update(beat.data(), 1.0);
  ref.reset();
  EXPECT_EQ(ref.beats_held(), 0);
  EXPECT_EQ(ref.rr_held(), 0);
  EXPECT_EQ(ref.beats_seen(), 0);
  EXPECT_TRUE(std::isnan(ref.median_rr_s()));
  EXPECT_EQ(ref.median_beat()[0], 0.0f);
  EXPECT_EQ(ref.config().length, 8);
}
