// EC57 / bxb beat-by-beat scoring (metrics/ec57.hpp): exact counts on hand-made cases for each
// matching rule — the 150 ms window and its rounding, one-to-one pairing and bxb's tie rules,
// the 5-minute learning period, VF episodes — the derived statistics, gross totals and bad input.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/metrics/ec57.hpp"
#include "golden.hpp"

namespace m = ecgad::metrics;
using ecgad::test::expect_invalid;
using Peaks = std::vector<Eigen::Index>;

namespace {

// No learning period: every event counts.
m::Ec57Options from_zero() {
  m::Ec57Options o;
  o.start_s = 0.0;
  return o;
}

void expect_counts(const m::Ec57Record& r, Eigen::Index tp, Eigen::Index fn, Eigen::Index fp) {
  EXPECT_EQ(r.tp, tp);
  EXPECT_EQ(r.fn, fn);
  EXPECT_EQ(r.fp, fp);
  EXPECT_EQ(static_cast<Eigen::Index>(r.false_negatives.size()), fn);
  EXPECT_EQ(static_cast<Eigen::Index>(r.false_positives.size()), fp);
}

}  // namespace

TEST(Ec57, PerfectDetection) {
  const Peaks beats = {1000, 1300, 1650, 2000};
  const auto r = m::score_detections(beats, beats, 360.0, {}, from_zero());
  expect_counts(r, 4, 0, 0);
  EXPECT_EQ(r.sensitivity(), 1.0);
  EXPECT_EQ(r.positive_predictivity(), 1.0);
}

// 150 ms at 360 Hz is 54 samples: 54 away still matches, 55 does not (one FN and one FP).
TEST(Ec57, MatchWindowIs150msRounded) {
  const Peaks beats = {1000, 2000};
  expect_counts(m::score_detections(beats, {1054, 1946}, 360.0, {}, from_zero()), 2, 0, 0);
  const auto r = m::score_detections(beats, {1055, 1945}, 360.0, {}, from_zero());
  expect_counts(r, 0, 2, 2);
  EXPECT_EQ(r.false_negatives, (Peaks{1000, 2000}));
  EXPECT_EQ(r.false_positives, (Peaks{1055, 1945}));
  // 250 Hz: 37.5 samples, rounded to 38 as bxb's strtim() does.
  expect_counts(m::score_detections({1000}, {1038}, 250.0, {}, from_zero()), 1, 0, 0);
  expect_counts(m::score_detections({1000}, {1039}, 250.0, {}, from_zero()), 0, 1, 1);
  // Another window.
  m::Ec57Options o = from_zero();
  o.match_window_s = 0.05;
  expect_counts(m::score_detections({1000}, {1018}, 360.0, {}, o), 1, 0, 0);
  expect_counts(m::score_detections({1000}, {1019}, 360.0, {}, o), 0, 1, 1);
}

// One-to-one: two detections near one beat give one TP and one FP; two beats near one
// detection give one TP and one FN. On a tie bxb keeps the later partner.
TEST(Ec57, OneToOnePairing) {
  auto r = m::score_detections({1000}, {990, 1010}, 360.0, {}, from_zero());
  expect_counts(r, 1, 0, 1);
  EXPECT_EQ(r.false_positives, Peaks{990});
  r = m::score_detections({1000}, {990, 1005}, 360.0, {}, from_zero());
  expect_counts(r, 1, 0, 1);
  EXPECT_EQ(r.false_positives, Peaks{990});
  r = m::score_detections({1000}, {995, 1010}, 360.0, {}, from_zero());
  expect_counts(r, 1, 0, 1);
  EXPECT_EQ(r.false_positives, Peaks{1010});
  r = m::score_detections({1000, 1040}, {1020}, 360.0, {}, from_zero());
  expect_counts(r, 1, 1, 0);
  EXPECT_EQ(r.false_negatives, Peaks{1000});
  r = m::score_detections({1000, 1040}, {1015}, 360.0, {}, from_zero());
  expect_counts(r, 1, 1, 0);
  EXPECT_EQ(r.false_negatives, Peaks{1040});
}

// bxb.c's own example of its 2002 rule (match window 37 samples): ref 96/160, test 128/185.
// test1 is equally far from ref1 and ref2, but ref2 matches test2 better, so ref1-test1 and
// ref2-test2 pair up (the original rule counted one FN and one FP).
TEST(Ec57, BxbTieRuleExample) {
  m::Ec57Options o = from_zero();
  o.match_window_s = 37.0 / 360.0;
  expect_counts(m::score_detections({96, 160}, {128, 185}, 360.0, {}, o), 2, 0, 0);
  // The mirror case (rule 1): detections first.
  expect_counts(m::score_detections({128, 185}, {96, 160}, 360.0, {}, o), 2, 0, 0);
}

// Scoring starts at 5 min: earlier beats are not counted; earlier detections are never false
// positives but may still match the first beat after the start.
TEST(Ec57, LearningPeriodIsLeftOut) {
  const double fs = 360.0;
  const Eigen::Index start = 300 * 360;  // 108000
  const Peaks beats = {1000, 50000, start - 100, start + 20, start + 400, start + 800};
  const Peaks dets = {3000, start - 100, start + 5, start + 800, start + 1200};
  const auto r = m::score_detections(beats, dets, fs);
  // start+20 matched by start+5; start+400 missed; start+800 matched; start+1200 extra.
  expect_counts(r, 2, 1, 1);
  EXPECT_EQ(r.false_negatives, Peaks{start + 400});
  EXPECT_EQ(r.false_positives, Peaks{start + 1200});
  // A detection just before the start matches the first scored beat.
  expect_counts(m::score_detections({start + 10}, {start - 20}, fs), 1, 0, 0);
  // Unmatched detections before the start are ignored.
  expect_counts(m::score_detections({start + 1000}, {start - 500, start + 1000}, fs), 1, 0, 0);
}

// VF episodes ('[' to ']', closed intervals): beats inside are not scored, detections inside are
// not false positives, and a detection inside may still match a beat just outside.
TEST(Ec57, VentricularFibrillationEpisodesAreLeftOut) {
  const m::SampleIntervals vf = {{5000, 8000}};
  const Peaks beats = {4000, 5000, 6000, 8000, 8010 + 30, 9000};
  const Peaks dets = {4000, 5500, 6000, 7000, 8020, 9100};
  // 4000 TP; 5000/6000/8000 not scored; 8040 matched by 8020 (inside VF); 9000 matched by
  // nothing within 54 -> FN; 9100 -> FP; 5500, 6000, 7000 inside VF -> ignored.
  const auto r = m::score_detections(beats, dets, 360.0, vf, from_zero());
  expect_counts(r, 2, 1, 1);
  EXPECT_EQ(r.false_negatives, Peaks{9000});
  EXPECT_EQ(r.false_positives, Peaks{9100});
  // An episode that never ends (io::vf_episodes returns int64 max as its end).
  const m::SampleIntervals open = {{5000, std::numeric_limits<std::int64_t>::max()}};
  expect_counts(m::score_detections(beats, dets, 360.0, open, from_zero()), 1, 0, 0);
}

TEST(Ec57, StatisticsAndGross) {
  m::Ec57Record a;
  a.tp = 990;
  a.fn = 10;
  a.fp = 5;
  m::Ec57Record b;
  b.tp = 1990;
  b.fn = 10;
  b.fp = 15;
  EXPECT_DOUBLE_EQ(a.sensitivity(), 0.99);
  EXPECT_DOUBLE_EQ(a.positive_predictivity(), 990.0 / 995.0);
  const m::Ec57Counts g = m::gross(std::vector<m::Ec57Record>{a, b});
  EXPECT_EQ(g.tp, 2980);
  EXPECT_EQ(g.fn, 20);
  EXPECT_EQ(g.fp, 20);
  // Gross is computed from the sums, not as a mean of per-record figures.
  EXPECT_DOUBLE_EQ(g.sensitivity(), 2980.0 / 3000.0);
  EXPECT_NE(g.sensitivity(), 0.5 * (a.sensitivity() + b.sensitivity()));
  // Undefined ratios are NaN (bxb prints "-").
  const auto none = m::score_detections({}, {}, 360.0);
  EXPECT_TRUE(std::isnan(none.sensitivity()));
  EXPECT_TRUE(std::isnan(none.positive_predictivity()));
  const auto missed = m::score_detections({1000}, {}, 360.0, {}, from_zero());
  expect_counts(missed, 0, 1, 0);
  EXPECT_EQ(missed.sensitivity(), 0.0);
  EXPECT_TRUE(std::isnan(missed.positive_predictivity()));
}

TEST(Ec57, BadInputIsRejected) {
  expect_invalid([] { m::score_detections({1000, 900}, {}, 360.0); },
                 "reference_beats must be sorted in increasing order, but reference_beats[1] = "
                 "900 < reference_beats[0] = 1000");
  expect_invalid([] { m::score_detections({}, {5, -1}, 360.0); },
                 "detections[1] is a negative sample index (-1)");
  expect_invalid([] { m::score_detections({}, {}, 0.0); }, "fs_hz");
  expect_invalid([] { m::score_detections({}, {}, std::nan("")); }, "fs_hz");
  m::Ec57Options o;
  o.match_window_s = -0.1;
  expect_invalid([&] { m::score_detections({}, {}, 360.0, {}, o); }, "match_window_s");
  o = {};
  o.start_s = INFINITY;
  expect_invalid([&] { m::score_detections({}, {}, 360.0, {}, o); }, "start_s");
  expect_invalid([] { m::score_detections({}, {}, 360.0, {{10, 5}}); },
                 "vf_episodes[0] ends (sample 5) before it starts (10)");
}
