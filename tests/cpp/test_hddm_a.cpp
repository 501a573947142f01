// HDDM_A (drift/hddm_a.hpp): river's documented example, the one-sided test ignores a falling
// error rate that the two-sided test reports, a stationary stream stays quiet, late labels in
// bursts give the same alarms as immediate ones, state round trip, and bad input.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/hddm_a.hpp"
#include "golden.hpp"

namespace dr = ecgad::drift;
using ecgad::test::expect_invalid;

namespace {

// Error indicators with rate p_before, then p_after from `change` (portable Bernoulli draws).
std::vector<double> error_stream(double p_before, double p_after, int n, int change,
                                 std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> e;
  for (int i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1p-53;
    e.push_back(u < (i < change ? p_before : p_after) ? 1.0 : 0.0);
  }
  return e;
}

struct Alarms {
  std::vector<std::int64_t> first_warnings;  // as river's docstrings print them
  std::vector<std::int64_t> drifts;
  std::vector<dr::DriftLevel> levels;
};

template <typename D>
Alarms run(D& d, const std::vector<double>& e) {
  Alarms a;
  bool print_warning = true;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const auto level = d.update(e[i]);
    a.levels.push_back(level);
    if (level == dr::DriftLevel::warning && print_warning) {
      a.first_warnings.push_back(static_cast<std::int64_t>(i));
      print_warning = false;
    }
    if (level == dr::DriftLevel::drift) {
      a.drifts.push_back(static_cast<std::int64_t>(i));
      print_warning = true;
    }
  }
  return a;
}

// Late labels: prediction i is made at t = i seconds; its label reaches the detector in a
// burst, after a random delay of up to an hour, together with every earlier label still
// pending (a reviewer works through the queue in order). The detector must give the same
// levels, at the same label indices, with the same prediction times, as immediate feeding.
template <typename D>
void expect_late_labels_match_immediate(D immediate, D late, const std::vector<double>& e) {
  std::vector<dr::DriftLevel> now_levels;
  std::vector<double> now_warning_since_s, now_last_drift_s;
  for (std::size_t i = 0; i < e.size(); ++i) {
    now_levels.push_back(immediate.update(e[i], static_cast<double>(i)));
    now_warning_since_s.push_back(immediate.warning_since_s());
    now_last_drift_s.push_back(immediate.last_drift_s());
  }
  std::mt19937_64 rng(77);
  std::vector<dr::DriftLevel> late_levels;
  std::size_t next = 0;
  double clock_s = 0.0;
  while (next < e.size()) {
    clock_s += 1.0 + static_cast<double>(rng() % 3600);  // the reviewer's next session
    std::size_t burst_end = next;
    while (burst_end < e.size() && static_cast<double>(burst_end) <= clock_s) ++burst_end;
    if (burst_end == next) continue;
    for (std::size_t i = next; i < burst_end; ++i) {
      late_levels.push_back(late.update(e[i], static_cast<double>(i)));
      const auto same_s = [](double a, double b) {
        return a == b || (std::isnan(a) && std::isnan(b));
      };
      ASSERT_TRUE(same_s(late.warning_since_s(), now_warning_since_s[i])) << i;
      ASSERT_TRUE(same_s(late.last_drift_s(), now_last_drift_s[i])) << i;
    }
    next = burst_end;
  }
  EXPECT_EQ(late_levels, now_levels);
  EXPECT_EQ(late.state(), immediate.state());
  EXPECT_GT(immediate.counters().n_drifts, 0);
}

}  // namespace

TEST(HddmA, RiverDocumentedExampleWarnsAndDetectsAtTheSameIndices) {
  const auto& g = ecgad::test::golden("drift_stream.json");
  dr::HddmA d;
  const auto a = run(d, g.at("rising_error_rate").get<std::vector<double>>());
  const auto& want = g.at("expected").at("hddm_a");
  EXPECT_EQ(a.first_warnings, want.at("first_warnings").get<std::vector<std::int64_t>>());
  EXPECT_EQ(a.drifts, want.at("drifts").get<std::vector<std::int64_t>>());
}

TEST(HddmA, OneSidedIgnoresAFallingErrorRateTwoSidedReportsIt) {
  const auto e = error_stream(0.4, 0.05, 4000, 2000, 6);
  dr::HddmA one;
  dr::HddmAConfig c;
  c.two_sided = true;
  dr::HddmA two(c);
  const auto a = run(one, e), b = run(two, e);
  for (auto i : a.drifts) EXPECT_LT(i, 2000) << "one-sided drift on a decrease at " << i;
  ASSERT_FALSE(b.drifts.empty());
  std::int64_t first_after = -1;
  for (auto i : b.drifts) if (i >= 2000 && first_after < 0) first_after = i;
  EXPECT_GE(first_after, 2000);
  EXPECT_LE(first_after, 2300);
}

TEST(HddmA, StationaryStreamIsQuietAndErrorRateIsTheMean) {
  const auto e = error_stream(0.2, 0.2, 20000, 0, 10);
  dr::HddmA d;
  const auto a = run(d, e);
  // drift_confidence = 0.001 per test, sequentially: a handful at most.
  EXPECT_LE(a.drifts.size(), 3u);
  if (a.drifts.empty()) {
    double errors = 0.0;
    for (double v : e) errors += v;
    EXPECT_DOUBLE_EQ(d.error_rate(), errors / 20000.0);
  }
}

TEST(HddmA, LateLabelsInBurstsGiveTheSameAlarmsAsImmediateLabels) {
  expect_late_labels_match_immediate(dr::HddmA{}, dr::HddmA{},
                                     error_stream(0.1, 0.3, 6000, 3000, 3));
}

TEST(HddmA, StateRoundTripsThroughJsonText) {
  const auto e = error_stream(0.1, 0.3, 5000, 2500, 11);
  dr::HddmAConfig c;
  c.two_sided = true;
  dr::HddmA a(c);
  for (int i = 0; i < 2400; ++i) a.update(e[static_cast<std::size_t>(i)], i);
  dr::HddmA b;
  b.restore(nlohmann::json::parse(a.state().dump()));
  EXPECT_TRUE(b.config().two_sided);
  for (std::size_t i = 2400; i < e.size(); ++i) ASSERT_EQ(a.update(e[i]), b.update(e[i])) << i;
  EXPECT_EQ(a.state(), b.state());
}

TEST(HddmA, RefusesBadInputAndParameters) {
  dr::HddmA d;
  expect_invalid([&] { d.update(NAN); }, "error indicator");
  auto bad = [](auto edit) {
    dr::HddmAConfig c;
    edit(c);
    dr::HddmA x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.drift_confidence = 0.0; }); }, "drift_confidence");
  expect_invalid([&] { bad([](auto& c) { c.warning_confidence = 1e-4; }); },
                 "warning_confidence must be >=");
  auto s = d.state();
  s["n_min"] = 3;
  expect_invalid([&] { d.restore(s); }, "inconsistent");
}
