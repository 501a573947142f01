// ADWIN (drift/adwin.hpp): river's documented example detects the change at the same index,
// the window statistics equal a direct computation, the exponential histogram keeps its
// invariants (rows of <= M buckets of 2^i values, O(M log n) buckets), checks happen only on
// clock ticks, the old part is dropped on a change, state round-trips, and bad input is refused.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/adwin.hpp"
#include "golden.hpp"
#include "random.hpp"

namespace dr = ecgad::drift;
using ecgad::test::expect_invalid;

namespace {

using ecgad::test::Normal;

std::vector<std::int64_t> drifts(dr::Adwin& d, const std::vector<double>& x) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (d.update(x[i]) == dr::DriftLevel::drift) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

}  // namespace

TEST(Adwin, RiverDocumentedExampleDetectsAtTheSameIndex) {
  // river.drift.ADWIN docstring: Random(12345), 1000 values in {0,1} then 1000 in {4..7};
  // river prints "Change detected at index 1023".
  const auto& g = ecgad::test::golden("drift_stream.json");
  const auto x = g.at("two_regimes").get<std::vector<double>>();
  dr::Adwin d;
  EXPECT_EQ(drifts(d, x),
            g.at("expected").at("adwin").at("drifts").get<std::vector<std::int64_t>>());
  // After the cut the window holds (almost) only the new regime, whose mean is 5.5.
  EXPECT_LT(d.width(), 1000 + 1000);
  EXPECT_NEAR(d.mean(), 5.5, 0.1);
}

TEST(Adwin, WindowStatisticsEqualADirectComputation) {
  Normal noise(7);
  dr::Adwin d;
  std::vector<double> x;
  for (int i = 0; i < 5000; ++i) {
    x.push_back(3.0 + 0.5 * noise());
    ASSERT_EQ(d.update(x.back()), dr::DriftLevel::none) << "at " << i;
  }
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double var = 0.0;
  for (double v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
  EXPECT_EQ(d.width(), 5000);
  EXPECT_NEAR(d.mean(), mean, 1e-12);
  EXPECT_NEAR(d.variance(), var, 1e-10);
}

TEST(Adwin, HistogramRowsHoldAtMostMBucketsOfPowersOfTwo) {
  dr::AdwinConfig c;
  c.delta = 1e-12;  // no cut: the histogram only grows
  for (std::int64_t m : {2, 5, 9}) {
    c.max_buckets = m;
    dr::Adwin d(c);
    Normal noise(1);
    for (int i = 0; i < 100000; ++i) d.update(noise());
    const auto s = d.state();
    std::int64_t values = 0;
    std::size_t row_index = 0;
    for (const auto& row : s.at("rows")) {
      EXPECT_LE(static_cast<std::int64_t>(row.size()), m);
      values += static_cast<std::int64_t>(row.size()) << row_index;
      ++row_index;
    }
    EXPECT_EQ(values, d.width());
    // O(M log(n / M)) buckets: the memory bound of the paper.
    const double rows = std::log2(100000.0 / static_cast<double>(m));
    EXPECT_LE(d.n_buckets(), m * static_cast<std::int64_t>(rows + 2)) << m;
    EXPECT_GE(d.n_buckets(), static_cast<std::int64_t>(rows) - 1) << m;
  }
}

TEST(Adwin, ChecksOnlyOnClockTicksAndDropsTheOldPart) {
  for (std::int64_t clock : {1, 7, 32}) {
    dr::AdwinConfig c;
    c.clock = clock;
    dr::Adwin d(c);
    Normal noise(3);
    std::vector<double> x;
    for (int i = 0; i < 3000; ++i) x.push_back((i < 1500 ? 0.0 : 2.0) + noise());
    const auto found = drifts(d, x);
    ASSERT_FALSE(found.empty()) << clock;
    for (auto i : found) EXPECT_EQ((i + 1) % clock, 0) << "drift at " << i << ", clock " << clock;
    EXPECT_GE(found.front(), 1500);
    EXPECT_LE(found.front(), 1500 + 100 + clock) << clock;
    // The window forgot the old regime: it holds about what came after the change.
    EXPECT_LE(d.width(), 1500 + 64);
    EXPECT_NEAR(d.mean(), 2.0, 0.2);
  }
}

TEST(Adwin, SmallerDeltaNeedsStrongerEvidence) {
  Normal noise(11);
  std::vector<double> x;
  for (int i = 0; i < 4000; ++i) x.push_back((i < 2000 ? 0.0 : 0.4) + noise());
  dr::AdwinConfig loose, strict;
  loose.delta = 0.1;
  strict.delta = 1e-6;
  dr::Adwin a(loose), b(strict);
  const auto fa = drifts(a, x), fb = drifts(b, x);
  ASSERT_FALSE(fa.empty());
  ASSERT_FALSE(fb.empty());
  const auto first_after = [](const std::vector<std::int64_t>& v) {
    for (auto i : v) if (i >= 2000) return i;
    return std::int64_t{-1};
  };
  const auto before = [](const std::vector<std::int64_t>& v) {
    std::size_t n = 0;
    for (auto i : v) n += i < 2000;
    return n;
  };
  EXPECT_LE(first_after(fa), first_after(fb));
  EXPECT_GE(before(fa), before(fb));
  EXPECT_EQ(before(fb), 0u);
}

TEST(Adwin, StateRoundTripsThroughJsonText) {
  Normal noise(5);
  dr::AdwinConfig c;
  c.clock = 5;
  dr::Adwin a(c);
  for (int i = 0; i < 2345; ++i) a.update((i > 1200 ? 1.0 : 0.0) + noise());
  dr::Adwin b;  // default parameters: restore takes them from the state
  b.restore(nlohmann::json::parse(a.state().dump()));
  EXPECT_EQ(b.config().clock, 5);
  EXPECT_EQ(a.state(), b.state());
  for (int i = 0; i < 3000; ++i) {
    const double v = (i > 1000 ? -1.0 : 0.5) + noise();
    ASSERT_EQ(a.update(v), b.update(v)) << i;
  }
  EXPECT_EQ(a.state(), b.state());
  EXPECT_EQ(a.mean(), b.mean());
}

TEST(Adwin, RefusesBadInputParametersAndStates) {
  dr::Adwin d;
  d.update(1.0);
  const auto before = d.state();
  expect_invalid([&] { d.update(std::nan("")); }, "finite");
  expect_invalid([&] { d.update(INFINITY); }, "finite");
  EXPECT_EQ(d.state(), before);
  auto bad = [](auto edit) {
    dr::AdwinConfig c;
    edit(c);
    dr::Adwin x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.delta = 0.0; }); }, "delta");
  expect_invalid([&] { bad([](auto& c) { c.delta = 1.0; }); }, "(0, 1)");
  expect_invalid([&] { bad([](auto& c) { c.clock = 0; }); }, "clock");
  expect_invalid([&] { bad([](auto& c) { c.max_buckets = 1; }); }, "max_buckets");
  expect_invalid([&] { bad([](auto& c) { c.min_window_length = 0; }); }, "min_window_length");
  expect_invalid([&] { bad([](auto& c) { c.grace_period = -1; }); }, "grace_period");
  auto s = before;
  s["width"] = 7;
  expect_invalid([&] { d.restore(s); }, "width");
  s = before;
  s["detector"] = "ddm";
  expect_invalid([&] { d.restore(s); }, "cannot be restored");
  s = before;
  s.erase("rows");
  expect_invalid([&] { d.restore(s); }, "rows");
  EXPECT_EQ(d.state(), before);
}
