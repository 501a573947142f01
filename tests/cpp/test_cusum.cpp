// Tabular CUSUM (drift/cusum.hpp): hand-computed sums, the average run lengths of Montgomery's
// table 9.3 (k = 0.5, h = 5: ARL0 = 465, ARL(1 sigma) = 10.4) by Monte Carlo, the warm-up
// estimates equal the sample mean and standard deviation and are estimated again after an
// alarm, state round trip, and bad input.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/cusum.hpp"
#include "golden.hpp"
#include "random.hpp"

namespace dr = ecgad::drift;
using ecgad::test::expect_invalid;

namespace {

using ecgad::test::Normal;

dr::CusumConfig known(double mean, double std) {
  dr::CusumConfig c;
  c.mean = mean;
  c.std = std;
  return c;
}

// Average number of samples until the first alarm, over `runs` runs of N(shift, 1).
double average_run_length(double shift, int runs, std::uint64_t seed) {
  Normal noise(seed);
  double total = 0.0;
  for (int r = 0; r < runs; ++r) {
    dr::Cusum d(known(0.0, 1.0));
    std::int64_t n = 0;
    while (true) {
      ++n;
      if (d.update(shift + noise()) == dr::DriftLevel::drift) break;
    }
    total += static_cast<double>(n);
  }
  return total / runs;
}

}  // namespace

TEST(Cusum, SumsEqualHandComputation) {
  dr::Cusum d(known(10.0, 2.0));
  // z = 0, 0.5, 1, 1.5, 2: C+ = 0, 0, 0.5, 1.5, 3.0, then z = 3 -> 5.5 > 5: alarm.
  const std::vector<double> x = {10, 11, 12, 13, 14};
  const std::vector<double> upper = {0, 0, 0.5, 1.5, 3.0};
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(d.update(x[i]), dr::DriftLevel::none);
    EXPECT_DOUBLE_EQ(d.upper_sum(), upper[i]) << i;
    EXPECT_DOUBLE_EQ(d.lower_sum(), 0.0);
  }
  EXPECT_EQ(d.update(16.0), dr::DriftLevel::drift);
  EXPECT_EQ(d.upper_sum(), 0.0);  // restarted
  // The lower side: z = -2 per sample gives C- = 1.5, 3.0, 4.5, 6.0 -> alarm on the 4th.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(d.update(6.0), dr::DriftLevel::none);
  EXPECT_DOUBLE_EQ(d.lower_sum(), 4.5);
  EXPECT_EQ(d.update(6.0), dr::DriftLevel::drift);
}

TEST(Cusum, AverageRunLengthsMatchMontgomeryTable) {
  // Montgomery (2009) table 9.3, k = 1/2, h = 5: ARL 465 in control, 10.4 for a 1-sigma shift,
  // 4.01 for 2 sigma. 400 in-control runs: standard error ~ 465 / 20 = 23.
  EXPECT_NEAR(average_run_length(0.0, 400, 1), 465.0, 70.0);
  EXPECT_NEAR(average_run_length(1.0, 2000, 2), 10.4, 0.6);
  EXPECT_NEAR(average_run_length(2.0, 2000, 3), 4.01, 0.25);
}

TEST(Cusum, WarmupEstimatesAreSampleMeanAndStdAndRestartAfterAlarm) {
  dr::CusumConfig c;
  c.warmup = 20;
  dr::Cusum d(c);
  Normal noise(4);
  std::vector<double> x;
  for (int i = 0; i < 20; ++i) {
    x.push_back(5.0 + 2.0 * noise());
    EXPECT_TRUE(d.in_warmup());
    EXPECT_EQ(d.update(x.back()), dr::DriftLevel::none);
  }
  EXPECT_FALSE(d.in_warmup());
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= 20.0;
  double ss = 0.0;
  for (double v : x) ss += (v - mean) * (v - mean);
  EXPECT_NEAR(d.mean(), mean, 1e-12);
  EXPECT_NEAR(d.std(), std::sqrt(ss / 19.0), 1e-12);  // ddof = 1
  // A 5-sigma jump alarms at once; then the next 20 values form a new warm-up.
  EXPECT_EQ(d.update(mean + 40.0 * d.std()), dr::DriftLevel::drift);
  EXPECT_TRUE(d.in_warmup());
  EXPECT_TRUE(std::isnan(d.mean()));
  for (int i = 0; i < 20; ++i) d.update(100.0 + noise());
  EXPECT_NEAR(d.mean(), 100.0, 1.0);
  // Known mean, estimated std: only the std is estimated.
  dr::CusumConfig half;
  half.mean = 0.0;
  half.warmup = 3;
  dr::Cusum h(half);
  for (double v : {1.0, 2.0, 3.0}) h.update(v);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_DOUBLE_EQ(h.std(), 1.0);
  // A constant warm-up uses min_std instead of dividing by zero.
  dr::Cusum flat(c);
  for (int i = 0; i < 20; ++i) flat.update(1.0);
  EXPECT_EQ(flat.std(), c.min_std);
}

TEST(Cusum, StateRoundTripsThroughJsonText) {
  Normal noise(6);
  dr::Cusum a;
  for (int i = 0; i < 777; ++i) a.update(noise());
  dr::Cusum b(known(1.0, 1.0));
  b.restore(nlohmann::json::parse(a.state().dump()));
  EXPECT_TRUE(std::isnan(b.config().mean));
  for (int i = 0; i < 3000; ++i) {
    const double v = (i > 1500 ? 0.8 : 0.0) + noise();
    ASSERT_EQ(a.update(v), b.update(v)) << i;
  }
  EXPECT_EQ(a.state(), b.state());
}

TEST(Cusum, RefusesBadInputAndParameters) {
  dr::Cusum d;
  expect_invalid([&] { d.update(-INFINITY); }, "finite");
  auto bad = [](auto edit) {
    dr::CusumConfig c;
    edit(c);
    dr::Cusum x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.std = 0.0; }); }, "std");
  expect_invalid([&] { bad([](auto& c) { c.mean = INFINITY; }); }, "mean");
  expect_invalid([&] { bad([](auto& c) { c.warmup = 1; }); }, "warmup");
  expect_invalid([&] { bad([](auto& c) { c.k = -0.1; }); }, "k");
  expect_invalid([&] { bad([](auto& c) { c.h = 0.0; }); }, "h");
  // warmup is not used (so not checked) when both are given.
  dr::CusumConfig c = known(0.0, 1.0);
  c.warmup = 0;
  EXPECT_NO_THROW(dr::Cusum{c});
  auto s = d.state();
  s["upper"] = -1.0;
  expect_invalid([&] { d.restore(s); }, "cusum state");
}
