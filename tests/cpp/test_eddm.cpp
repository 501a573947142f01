// EDDM (drift/eddm.hpp): river's documented example, the mean distance between errors equals
// a direct computation, no alarm before the minimum errors, late labels in bursts give the same
// alarms as immediate ones, state round trip, and bad input.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/eddm.hpp"
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

TEST(Eddm, RiverDocumentedExampleWarnsAndDetectsAtTheSameIndices) {
  const auto& g = ecgad::test::golden("drift_stream.json");
  dr::EddmConfig c;
  c.alpha = 0.8;  // the docstring's parameters
  c.beta = 0.75;
  dr::Eddm d(c);
  const auto a = run(d, g.at("rising_error_rate").get<std::vector<double>>());
  const auto& want = g.at("expected").at("eddm_alpha_0.8_beta_0.75");
  EXPECT_EQ(a.first_warnings, want.at("first_warnings").get<std::vector<std::int64_t>>());
  EXPECT_EQ(a.drifts, want.at("drifts").get<std::vector<std::int64_t>>());
}

TEST(Eddm, MeanDistanceEqualsDirectComputation) {
  dr::EddmConfig c;
  c.beta = 0.01;  // never drift: follow the statistics
  c.alpha = 0.02;
  dr::Eddm d(c);
  const auto e = error_stream(0.2, 0.2, 3000, 0, 4);
  std::vector<double> distances;
  std::int64_t last = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    d.update(e[i]);
    if (e[i] == 1.0) {
      distances.push_back(static_cast<double>(static_cast<std::int64_t>(i) + 1 - last));
      last = static_cast<std::int64_t>(i) + 1;
    }
  }
  double mean = 0.0;
  for (double v : distances) mean += v;
  mean /= static_cast<double>(distances.size());
  EXPECT_NEAR(d.mean_distance(), mean, 1e-12);
  EXPECT_NEAR(mean, 5.0, 0.3);  // 1 / error rate
  EXPECT_EQ(d.errors_since_restart(), static_cast<std::int64_t>(distances.size()));
}

TEST(Eddm, NoAlarmBeforeMinErrorsAndErrorsComingCloserIsADrift) {
  dr::Eddm d;
  // 30 errors far apart, then errors at every label: the distance collapses.
  for (int k = 0; k < 30; ++k) {
    for (int i = 0; i < 19; ++i) ASSERT_EQ(d.update(0.0), dr::DriftLevel::none);
    ASSERT_EQ(d.update(1.0), dr::DriftLevel::none) << "error " << k;
  }
  int drift_at = -1;
  for (int i = 0; i < 100 && drift_at < 0; ++i) {
    if (d.update(1.0) == dr::DriftLevel::drift) drift_at = i;
  }
  // Mixing distances of 20 and 1 first widens s', so p' + 2 s' falls below 90% of its
  // maximum only after a few dozen close errors.
  EXPECT_GE(drift_at, 0);
  EXPECT_LE(drift_at, 60);
}

TEST(Eddm, LateLabelsInBurstsGiveTheSameAlarmsAsImmediateLabels) {
  expect_late_labels_match_immediate(dr::Eddm{}, dr::Eddm{},
                                     error_stream(0.1, 0.4, 6000, 3000, 2));
}

TEST(Eddm, StateRoundTripsThroughJsonText) {
  const auto e = error_stream(0.1, 0.4, 5000, 2500, 9);
  dr::Eddm a;
  for (int i = 0; i < 2100; ++i) a.update(e[static_cast<std::size_t>(i)], i);
  dr::Eddm b;
  b.restore(nlohmann::json::parse(a.state().dump()));
  for (std::size_t i = 2100; i < e.size(); ++i) ASSERT_EQ(a.update(e[i]), b.update(e[i])) << i;
  EXPECT_EQ(a.state(), b.state());
}

TEST(Eddm, RefusesBadInputAndParameters) {
  dr::Eddm d;
  expect_invalid([&] { d.update(-1.0); }, "error indicator");
  auto bad = [](auto edit) {
    dr::EddmConfig c;
    edit(c);
    dr::Eddm x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.alpha = 1.0; }); }, "alpha");
  expect_invalid([&] { bad([](auto& c) { c.beta = 0.97; }); }, "beta (drift ratio) must be <=");
  expect_invalid([&] { bad([](auto& c) { c.min_errors = 0; }); }, "min_errors");
  auto s = d.state();
  s["warning"] = 3;
  expect_invalid([&] { d.restore(s); }, "warning");
}
