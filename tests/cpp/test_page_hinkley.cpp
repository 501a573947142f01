// Page-Hinkley (drift/page_hinkley.hpp): river's documented example, the statistics equal a
// direct recomputation of the cumulative sums, each mode watches its direction only, no alarm
// before min_instances, restart after an alarm, state round trip, and bad input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/page_hinkley.hpp"
#include "golden.hpp"

namespace dr = ecgad::drift;
using ecgad::test::expect_invalid;

namespace {

std::vector<double> noisy_step(double before, double after, int n, int change, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> x;
  for (int i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1p-53 - 0.5;  // uniform, var 1/12
    x.push_back((i < change ? before : after) + u);
  }
  return x;
}

std::vector<std::int64_t> drifts(dr::PageHinkley& d, const std::vector<double>& x) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (d.update(x[i]) == dr::DriftLevel::drift) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

}  // namespace

TEST(PageHinkley, RiverDocumentedExampleDetectsAtTheSameIndex) {
  // river.drift.PageHinkley docstring: "Change detected at index 1006, input value: 5".
  const auto& g = ecgad::test::golden("drift_stream.json");
  dr::PageHinkley d;
  EXPECT_EQ(drifts(d, g.at("two_regimes").get<std::vector<double>>()),
            g.at("expected").at("page_hinkley").at("drifts").get<std::vector<std::int64_t>>());
}

TEST(PageHinkley, StatisticsEqualADirectRecomputation) {
  dr::PageHinkleyConfig c;
  c.threshold = 1e9;  // never alarm: follow the sums
  c.alpha = 0.99;
  c.delta = 0.1;
  dr::PageHinkley d(c);
  const auto x = noisy_step(1.0, 1.3, 300, 150, 2);
  double mean = 0.0, up = 0.0, down = 0.0;
  double min_up = std::numeric_limits<double>::infinity();
  double max_down = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < x.size(); ++i) {
    d.update(x[i]);
    double sum = 0.0;
    for (std::size_t k = 0; k <= i; ++k) sum += x[k];
    mean = sum / static_cast<double>(i + 1);
    up = c.alpha * up + (x[i] - mean) - c.delta;
    down = c.alpha * down + (x[i] - mean) + c.delta;
    min_up = std::min(min_up, up);
    max_down = std::max(max_down, down);
    ASSERT_NEAR(d.mean(), mean, 1e-12);
    ASSERT_NEAR(d.increase_statistic(), up - min_up, 1e-9);
    ASSERT_NEAR(d.decrease_statistic(), max_down - down, 1e-9);
  }
}

TEST(PageHinkley, EachModeWatchesItsDirection) {
  const auto up = noisy_step(0.0, 2.0, 1000, 500, 3);
  const auto down = noisy_step(0.0, -2.0, 1000, 500, 3);
  for (auto mode : {dr::PageHinkleyMode::increase, dr::PageHinkleyMode::decrease,
                    dr::PageHinkleyMode::both}) {
    dr::PageHinkleyConfig c;
    c.mode = mode;
    dr::PageHinkley a(c), b(c);
    const auto fu = drifts(a, up), fd = drifts(b, down);
    const bool sees_up = mode != dr::PageHinkleyMode::decrease;
    const bool sees_down = mode != dr::PageHinkleyMode::increase;
    EXPECT_EQ(!fu.empty(), sees_up) << dr::to_string(mode);
    EXPECT_EQ(!fd.empty(), sees_down) << dr::to_string(mode);
    // A 2-unit shift accumulates ~2 per sample: lambda = 50 is crossed after ~25-40 samples.
    if (sees_up) {
      EXPECT_TRUE(fu.front() >= 500 && fu.front() <= 560) << fu.front();
    }
    if (sees_down) {
      EXPECT_TRUE(fd.front() >= 500 && fd.front() <= 560) << fd.front();
    }
  }
  EXPECT_EQ(dr::parse_page_hinkley_mode("up"), dr::PageHinkleyMode::increase);
  expect_invalid([] { dr::parse_page_hinkley_mode("sideways"); }, "sideways");
}

TEST(PageHinkley, NoAlarmBeforeMinInstancesAndRestartAfterAnAlarm) {
  dr::PageHinkleyConfig c;
  c.threshold = 1.0;
  c.min_instances = 40;
  dr::PageHinkley d(c);
  // A jump at 5 would alarm at once with lambda = 1; min_instances holds it until index 39.
  std::vector<double> x(100, 0.0);
  for (std::size_t i = 5; i < x.size(); ++i) x[i] = 10.0;
  const auto found = drifts(d, x);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front(), 39);
  EXPECT_EQ(d.counters().last_drift, found.back());
  // Restarted: the running mean only covers values after the last alarm.
  EXPECT_EQ(d.n_since_restart(), 99 - found.back());
}

TEST(PageHinkley, StateRoundTripsThroughJsonText) {
  const auto x = noisy_step(0.0, 1.0, 4000, 2000, 9);
  dr::PageHinkley a;
  for (int i = 0; i < 1999; ++i) a.update(x[static_cast<std::size_t>(i)]);
  dr::PageHinkley b;
  b.restore(nlohmann::json::parse(a.state().dump()));
  for (std::size_t i = 1999; i < x.size(); ++i) ASSERT_EQ(a.update(x[i]), b.update(x[i])) << i;
  EXPECT_EQ(a.state(), b.state());
  EXPECT_GE(a.counters().n_drifts, 1);
}

TEST(PageHinkley, RefusesBadInputAndParameters) {
  dr::PageHinkley d;
  expect_invalid([&] { d.update(std::nan("")); }, "finite");
  EXPECT_EQ(d.counters().n_updates, 0);
  auto bad = [](auto edit) {
    dr::PageHinkleyConfig c;
    edit(c);
    dr::PageHinkley x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.min_instances = 0; }); }, "min_instances");
  expect_invalid([&] { bad([](auto& c) { c.delta = -1.0; }); }, "delta");
  expect_invalid([&] { bad([](auto& c) { c.threshold = 0.0; }); }, "threshold");
  expect_invalid([&] { bad([](auto& c) { c.alpha = 1.5; }); }, "alpha");
  auto s = d.state();
  s["config"]["mode"] = "left";
  expect_invalid([&] { d.restore(s); }, "mode");
}
