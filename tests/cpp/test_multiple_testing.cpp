// Multiple-testing corrections: equal to statsmodels multipletests ('bonferroni', 'fdr_bh') on
// the golden families (same mask, same adjusted bits), the step-up property, FDR control under
// simulation, and every rejected input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/multiple_testing.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;

TEST(MultipleTesting, EqualsStatsmodelsOnGoldenFamilies) {
  const auto& cases = golden("calibrate.json").at("multiple_testing");
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Eigen::VectorXd p = to_vector(c.at("pvalues"));
    const double alpha = c.at("alpha").get<double>();
    for (const auto method : {cal::Correction::bonferroni, cal::Correction::benjamini_hochberg}) {
      const auto& ref = c.at(cal::correction_name(method));
      const auto r = cal::multiple_testing(p, alpha, method);
      const auto rejected = ref.at("rejected").get<std::vector<bool>>();
      const Eigen::VectorXd adjusted = to_vector(ref.at("adjusted"));
      ASSERT_EQ(r.rejected.size(), p.size());
      ASSERT_EQ(r.adjusted.size(), p.size());
      for (Eigen::Index i = 0; i < p.size(); ++i) {
        EXPECT_EQ(r.rejected(i), rejected[static_cast<std::size_t>(i)]) << "index " << i;
        // Same operations as statsmodels, so the same bits.
        EXPECT_EQ(r.adjusted(i), adjusted(i)) << "index " << i;
      }
    }
  }
}

TEST(MultipleTesting, BonferroniByHand) {
  Eigen::VectorXd p(4);
  p << 0.01, 0.0125, 0.3, 0.9;  // 0.0125 * 4 and 0.05 / 4 are exact
  const auto r = cal::bonferroni(p, 0.05);
  EXPECT_TRUE(r.rejected(0));   // 0.01 <= 0.05 / 4
  EXPECT_TRUE(r.rejected(1));   // 0.0125 == 0.05 / 4: the level itself is rejected (<=)
  EXPECT_DOUBLE_EQ(r.adjusted(0), 0.04);
  EXPECT_DOUBLE_EQ(r.adjusted(2), 1.0);  // 1.2 clipped
  EXPECT_DOUBLE_EQ(r.adjusted(3), 1.0);
}

TEST(MultipleTesting, BenjaminiHochbergStepUpRejectsValuesAboveTheirOwnLine) {
  // Sorted lines alpha*i/m with m = 4, alpha = 0.1: 0.025, 0.05, 0.075, 0.1.
  // p_(2) = 0.06 is above its line 0.05, but p_(3) = 0.07 <= 0.075: step-up rejects 1..3.
  Eigen::VectorXd p(4);
  p << 0.07, 0.5, 0.06, 0.001;
  const auto r = cal::benjamini_hochberg(p, 0.1);
  EXPECT_TRUE(r.rejected(0));
  EXPECT_FALSE(r.rejected(1));
  EXPECT_TRUE(r.rejected(2));
  EXPECT_TRUE(r.rejected(3));
  // adjusted: 0.001*4 = 0.004; min(0.06*2, 0.07*4/3, 0.5) = 0.0933.., 0.0933.., 0.5.
  EXPECT_DOUBLE_EQ(r.adjusted(3), 0.004);
  EXPECT_DOUBLE_EQ(r.adjusted(2), 0.07 / 0.75);
  EXPECT_DOUBLE_EQ(r.adjusted(0), 0.07 / 0.75);
  EXPECT_DOUBLE_EQ(r.adjusted(1), 0.5);
}

TEST(MultipleTesting, AdjustedPValuesAreMonotoneInThePValues) {
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Eigen::VectorXd p(300);
  for (Eigen::Index i = 0; i < p.size(); ++i) p(i) = std::pow(u(gen), 3.0);
  for (const auto method : {cal::Correction::bonferroni, cal::Correction::benjamini_hochberg}) {
    const auto r = cal::multiple_testing(p, 0.05, method);
    for (Eigen::Index i = 0; i < p.size(); ++i) {
      EXPECT_GE(r.adjusted(i), p(i));
      EXPECT_LE(r.adjusted(i), 1.0);
      for (Eigen::Index j = 0; j < p.size(); j += 7) {
        if (p(i) < p(j)) {
          EXPECT_LE(r.adjusted(i), r.adjusted(j));
        }
        // A rejected hypothesis rejects every smaller p-value (step-up / single step).
        if (r.rejected(j) && p(i) <= p(j)) {
          EXPECT_TRUE(r.rejected(i));
        }
      }
    }
  }
  // BH is never more conservative than Bonferroni.
  const auto bh = cal::benjamini_hochberg(p, 0.05);
  const auto bonf = cal::bonferroni(p, 0.05);
  EXPECT_GE(bh.rejected.count(), bonf.rejected.count());
  EXPECT_TRUE((bh.adjusted.array() <= bonf.adjusted.array()).all());
}

TEST(MultipleTesting, BenjaminiHochbergControlsTheFalseDiscoveryRate) {
  // 2000 families of 100 tests, 80 true nulls (uniform p) and 20 alternatives (p = Phi(z - 3)
  // approximated by a small Beta-like draw). Mean FDP <= alpha * m0 / m = 0.04 (+ Monte Carlo).
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double alpha = 0.05;
  double fdp_sum = 0.0;
  double fwer_count = 0.0;
  const int families = 2000;
  for (int f = 0; f < families; ++f) {
    Eigen::VectorXd p(100);
    for (Eigen::Index i = 0; i < 80; ++i) p(i) = u(gen);
    for (Eigen::Index i = 80; i < 100; ++i) p(i) = std::pow(u(gen), 8.0);
    const auto r = cal::benjamini_hochberg(p, alpha);
    const double rejections = static_cast<double>(r.rejected.count());
    const double false_rejections = static_cast<double>(r.rejected.head(80).count());
    if (rejections > 0) fdp_sum += false_rejections / rejections;
    const auto b = cal::bonferroni(p, alpha);
    if (b.rejected.head(80).any()) fwer_count += 1.0;
  }
  const double fdr = fdp_sum / families;
  EXPECT_LE(fdr, 0.04 + 0.01);
  EXPECT_GE(fdr, 0.02);  // BH is not trivially conservative here
  // Bonferroni: family-wise error <= alpha * m0 / m = 0.04 (binomial sd ~ 0.0044).
  EXPECT_LE(fwer_count / families, 0.04 + 0.015);
}

TEST(MultipleTesting, RejectsBadInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd ok(3);
  ok << 0.1, 0.2, 0.3;
  for (const auto method : {cal::Correction::bonferroni, cal::Correction::benjamini_hochberg}) {
    expect_invalid([&] { cal::multiple_testing(Eigen::VectorXd(), 0.05, method); },
                   "pvalues is empty");
    Eigen::VectorXd bad = ok;
    bad(1) = nan;
    expect_invalid([&] { cal::multiple_testing(bad, 0.05, method); }, "pvalues[1] is nan");
    bad(1) = 1.5;
    expect_invalid([&] { cal::multiple_testing(bad, 0.05, method); }, "expected p-values in [0, 1]");
    bad(1) = -0.1;
    expect_invalid([&] { cal::multiple_testing(bad, 0.05, method); }, "pvalues[1] is -0.1");
    expect_invalid([&] { cal::multiple_testing(ok, 0.0, method); }, "alpha is 0");
    expect_invalid([&] { cal::multiple_testing(ok, 1.0, method); }, "expected a level in (0, 1)");
    expect_invalid([&] { cal::multiple_testing(ok, nan, method); }, "alpha is nan");
  }
  expect_invalid([] { cal::parse_correction("holm"); }, "'holm' is unknown");
  EXPECT_EQ(cal::parse_correction("fdr_bh"), cal::Correction::benjamini_hochberg);
  EXPECT_EQ(cal::parse_correction("bonferroni"), cal::Correction::bonferroni);
}
