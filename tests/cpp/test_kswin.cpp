// KSWIN (drift/kswin.hpp): the test statistic and p-value are ks_2samp's on the window's
// samples, a distribution change with the same mean is detected (what mean-based detectors
// miss), the window keeps only R after a drift, the seed fixes the alarms, state round trip
// (generator included), and bad input.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/kswin.hpp"
#include "golden.hpp"
#include "random.hpp"

namespace dr = ecgad::drift;
using ecgad::test::expect_invalid;

namespace {

using ecgad::test::Normal;

std::vector<std::int64_t> drifts(dr::Kswin& d, const std::vector<double>& x) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (d.update(x[i]) == dr::DriftLevel::drift) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

}  // namespace

TEST(Kswin, RiverDocumentedStreamFixedSeedAlarm) {
  // river.drift.KSWIN(alpha=0.0001, seed=42) prints index 1016 on this stream; our draw uses a
  // different generator, yet the change is decisive enough to be found at the same index.
  const auto& g = ecgad::test::golden("drift_stream.json");
  dr::KswinConfig c;
  c.alpha = 1e-4;
  c.seed = 42;
  dr::Kswin d(c);
  EXPECT_EQ(drifts(d, g.at("two_regimes").get<std::vector<double>>()),
            g.at("expected").at("kswin_alpha_1e-4_seed_42_python_rng").at("drifts")
                .get<std::vector<std::int64_t>>());
  EXPECT_EQ(d.window_count(), c.window_size);
}

TEST(Kswin, PValueIsKs2sampOfTheRecentAgainstAllOlderValuesWhenTheSampleIsEverything) {
  // With window_size = 2 stat_size the draw takes every older value, so the test is exactly
  // ks_2samp(older half, newer half) of the window.
  dr::KswinConfig c;
  c.window_size = 20;
  c.stat_size = 10;
  c.alpha = 1e-9;
  dr::Kswin d(c);
  Normal noise(8);
  std::vector<double> x;
  for (int i = 0; i < 60; ++i) {
    x.push_back(noise() + (i >= 45 ? 0.7 : 0.0));
    d.update(x.back());
    if (i >= 19) {
      const Eigen::Map<const Eigen::VectorXd> older(x.data() + i - 19, 10);
      const Eigen::Map<const Eigen::VectorXd> recent(x.data() + i - 9, 10);
      const auto ks = dr::ks_2samp(older, recent);
      ASSERT_EQ(d.p_value(), ks.p_value) << i;
      ASSERT_EQ(d.statistic(), ks.statistic) << i;
    }
  }
}

TEST(Kswin, DetectsAChangeOfSpreadWithTheSameMeanAndKeepsROnly) {
  Normal noise(12);
  std::vector<double> x;
  for (int i = 0; i < 3000; ++i) x.push_back((i < 1500 ? 1.0 : 4.0) * noise());
  // KS is weakest for a change of scale around the same centre: samples of 100 are needed.
  dr::KswinConfig c;
  c.alpha = 1e-3;
  c.window_size = 300;
  c.stat_size = 100;
  c.seed = 3;
  dr::Kswin d(c);
  std::int64_t first = -1;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (d.update(x[i]) == dr::DriftLevel::drift) {
      if (first < 0 && static_cast<std::int64_t>(i) >= 1500) first = static_cast<std::int64_t>(i);
      EXPECT_EQ(d.window_count(), c.stat_size);  // Ψ restarts from R
    }
  }
  EXPECT_GE(first, 1500);
  EXPECT_LE(first, 1500 + c.stat_size);
}

TEST(Kswin, SeedFixesTheAlarmsAndStateRoundTrips) {
  Normal noise(21);
  std::vector<double> x;
  for (int i = 0; i < 5000; ++i) x.push_back(noise() + (i > 2500 ? 0.5 : 0.0));
  dr::KswinConfig c;
  c.seed = 99;
  dr::Kswin a(c), b(c);
  EXPECT_EQ(drifts(a, x), drifts(b, x));
  dr::Kswin p(c);
  for (int i = 0; i < 2600; ++i) p.update(x[static_cast<std::size_t>(i)]);
  dr::Kswin q;
  q.restore(nlohmann::json::parse(p.state().dump()));
  EXPECT_EQ(q.config().seed, 99u);
  for (std::size_t i = 2600; i < x.size(); ++i) {
    ASSERT_EQ(p.update(x[i]), q.update(x[i])) << i;
    ASSERT_EQ(p.p_value(), q.p_value()) << i;
  }
  EXPECT_EQ(p.state(), q.state());
}

TEST(Kswin, RefusesBadInputAndParameters) {
  dr::Kswin d;
  expect_invalid([&] { d.update(std::nan("")); }, "finite");
  auto bad = [](auto edit) {
    dr::KswinConfig c;
    edit(c);
    dr::Kswin x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.alpha = 0.0; }); }, "alpha");
  expect_invalid([&] { bad([](auto& c) { c.stat_size = 0; }); }, "stat_size");
  expect_invalid([&] { bad([](auto& c) { c.window_size = 50; c.stat_size = 30; }); },
                 "window_size must be >= 2 * stat_size = 60");
  expect_invalid([&] { bad([](auto& c) { c.min_statistic = 1.0; }); }, "min_statistic");
  auto s = d.state();
  s["rng"] = "not a generator";
  expect_invalid([&] { d.restore(s); }, "rng");
  s = d.state();
  s["window"] = std::vector<double>(101, 0.0);
  expect_invalid([&] { d.restore(s); }, "window");
}
