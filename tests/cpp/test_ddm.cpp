// DDM (drift/ddm.hpp): river's documented example (warnings and drift at the same indices),
// p_min / s_min follow the definition, strict comparisons keep an error-free start quiet until
// the first error, late labels in bursts give the same alarms as immediate ones, state round
// trip, and bad input.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/ddm.hpp"
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

TEST(Ddm, RiverDocumentedExampleWarnsAndDetectsAtTheSameIndices) {
  const auto& g = ecgad::test::golden("drift_stream.json");
  dr::Ddm d;
  const auto a = run(d, g.at("rising_error_rate").get<std::vector<double>>());
  const auto& want = g.at("expected").at("ddm");
  EXPECT_EQ(a.first_warnings, want.at("first_warnings").get<std::vector<std::int64_t>>());
  EXPECT_EQ(a.drifts, want.at("drifts").get<std::vector<std::int64_t>>());
}

TEST(Ddm, MinimumIsTakenWherePPlusSIsSmallest) {
  dr::Ddm d;
  const auto e = error_stream(0.2, 0.2, 400, 400, 5);
  double best = INFINITY, p_best = 0.0, s_best = 0.0;
  double errors = 0.0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const auto level = d.update(e[i]);
    if (level == dr::DriftLevel::drift) break;
    errors += e[i];
    const double n = static_cast<double>(i + 1);
    const double p = errors / n, s = std::sqrt(p * (1 - p) / n);
    if (i + 1 > 30 && p + s <= best) {
      best = p + s;
      p_best = p;
      s_best = s;
    }
    if (i + 1 > 30) {
      ASSERT_EQ(d.p_min(), p_best) << i;
      ASSERT_EQ(d.s_min(), s_best) << i;
      const dr::DriftLevel want = p + s > p_best + 2 * s_best ? dr::DriftLevel::warning
                                                              : dr::DriftLevel::none;
      ASSERT_EQ(level, want) << i;
    } else {
      ASSERT_EQ(level, dr::DriftLevel::none) << i;
    }
  }
}

TEST(Ddm, ErrorFreeStartAlarmsOnlyAtTheFirstError) {
  // p_min = s_min = 0 after an error-free start: strict ">" keeps correct predictions quiet
  // (the paper's ">=" would alarm on every one), and the first error is a drift.
  dr::Ddm d;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(d.update(0.0), dr::DriftLevel::none);
  EXPECT_EQ(d.update(1.0), dr::DriftLevel::drift);
  EXPECT_EQ(d.n_since_restart(), 0);
}

TEST(Ddm, LateLabelsInBurstsGiveTheSameAlarmsAsImmediateLabels) {
  expect_late_labels_match_immediate(dr::Ddm{}, dr::Ddm{},
                                     error_stream(0.1, 0.35, 6000, 3000, 1));
  dr::Ddm d;
  for (int i = 0; i < 3000; ++i) d.update(0.0 + (i % 10 == 0), 1000.0 + i);
  const auto e = error_stream(0.1, 0.6, 2000, 0, 3);
  double warning_start = NAN;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const auto level = d.update(e[i], 4000.0 + static_cast<double>(i));
    if (level == dr::DriftLevel::warning && std::isnan(warning_start)) {
      warning_start = 4000.0 + static_cast<double>(i);
    }
    if (level == dr::DriftLevel::drift) {
      // The alarm is dated by the prediction that revealed it, after the warning began.
      EXPECT_EQ(d.last_drift_s(), 4000.0 + static_cast<double>(i));
      EXPECT_GE(d.last_drift_s(), warning_start);
      break;
    }
  }
  EXPECT_GE(d.counters().n_drifts, 1);
}

TEST(Ddm, StateRoundTripsThroughJsonText) {
  const auto e = error_stream(0.1, 0.4, 5000, 2500, 8);
  dr::Ddm a;
  for (int i = 0; i < 31; ++i) a.update(0.0);  // p_min = s_min = 0 ... then errors
  for (int i = 0; i < 2000; ++i) a.update(e[static_cast<std::size_t>(i)], i);
  dr::Ddm b;
  b.restore(nlohmann::json::parse(a.state().dump()));
  for (std::size_t i = 2000; i < e.size(); ++i) {
    ASSERT_EQ(a.update(e[i], static_cast<double>(i)), b.update(e[i], static_cast<double>(i)));
  }
  EXPECT_EQ(a.state(), b.state());
}

TEST(Ddm, RefusesBadInputAndParameters) {
  dr::Ddm d;
  expect_invalid([&] { d.update(0.5); }, "0 (correct) or 1 (error), got 0.5");
  expect_invalid([&] { d.update(2.0); }, "error indicator");
  expect_invalid([&] { d.update(1.0, INFINITY); }, "prediction_time_s");
  EXPECT_EQ(d.counters().n_updates, 0);
  auto bad = [](auto edit) {
    dr::DdmConfig c;
    edit(c);
    dr::Ddm x(c);
  };
  expect_invalid([&] { bad([](auto& c) { c.min_instances = 0; }); }, "min_instances");
  expect_invalid([&] { bad([](auto& c) { c.warning_level = 0.0; }); }, "warning_level");
  expect_invalid([&] { bad([](auto& c) { c.drift_level = 1.0; }); }, "drift_level must be >=");
  auto s = d.state();
  s["errors"] = 5;
  expect_invalid([&] { d.restore(s); }, "errors <= n");
}
