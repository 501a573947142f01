// Two-sample Kolmogorov-Smirnov (drift/ks.hpp) against scipy 1.10.1's ks_2samp and kstwo.sf
// (tests/golden/drift.json: seeded samples with and without ties, equal and unequal sizes, all
// three alternatives, exact and asymptotic), hand-checked small cases, properties (identical
// samples, a detected shift, uniform p-values under H0) and every rejected input.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/ks.hpp"
#include "golden.hpp"

namespace d = ecgad::drift;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;
using Eigen::VectorXd;

namespace {

double relative_error(double actual, double expected) {
  if (actual == expected) return 0.0;
  return std::abs(actual - expected) / std::max(std::abs(expected), 1e-300);
}

VectorXd vec(std::initializer_list<double> v) {
  return Eigen::Map<const VectorXd>(v.begin(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

TEST(Ks, HandComputedSmallCase) {
  // ECDF gaps at 1, 2, 3, 4: 1/2, 1, 1/2, 0 -> D = 1; exact two-sided p = 2 / binom(4, 2).
  const auto r = d::ks_2samp(vec({1.0, 2.0}), vec({3.0, 4.0}));
  EXPECT_EQ(r.statistic, 1.0);
  EXPECT_NEAR(r.p_value, 2.0 / 6.0, 1e-15);
  EXPECT_EQ(r.statistic_location, 2.0);
  EXPECT_EQ(r.statistic_sign, 1);
  EXPECT_TRUE(r.exact);
  // 'greater': only the ordering a < b of 6 orderings reaches D+ = 1.
  EXPECT_NEAR(d::ks_2samp(vec({1.0, 2.0}), vec({3.0, 4.0}), d::KsAlternative::greater).p_value,
              1.0 / 6.0, 1e-15);
  // 'less' sees no gap in that direction: D- = 0, p = 1.
  const auto less = d::ks_2samp(vec({1.0, 2.0}), vec({3.0, 4.0}), d::KsAlternative::less);
  EXPECT_EQ(less.statistic, 0.0);
  EXPECT_EQ(less.p_value, 1.0);
}

TEST(Ks, GoldenScipyKs2samp) {
  std::size_t checked = 0;
  double worst_exact = 0.0;
  double worst_asymp = 0.0;
  for (const auto& c : golden("drift.json").at("ks")) {
    const VectorXd a = to_vector(c.at("reference"));
    const VectorXd b = to_vector(c.at("current"));
    for (const auto& e : c.at("results")) {
      const std::string what = c.at("name").get<std::string>() + "_" +
                               e.at("alternative").get<std::string>() + "_" +
                               e.at("method").get<std::string>();
      const auto r = d::ks_2samp(a, b, d::parse_ks_alternative(e.at("alternative")),
                                 d::parse_ks_method(e.at("method")));
      EXPECT_EQ(r.statistic, e.at("statistic").get<double>()) << what;
      EXPECT_EQ(r.statistic_location, e.at("location").get<double>()) << what;
      EXPECT_EQ(r.statistic_sign, e.at("sign").get<int>()) << what;
      if (e.at("p_value").is_null()) {  // scipy's NaN: asymptotic p for a 1 x 1 comparison
        EXPECT_TRUE(std::isnan(r.p_value)) << what;
        continue;
      }
      const double expected = e.at("p_value").get<double>();
      const double err = relative_error(r.p_value, expected);
      // scipy's exact distributions and its asymptotic ones agree with ours to ~1e-13; allow
      // 1e-10 relative (the contract), and an absolute 1e-300 floor for underflowed tails.
      if (std::abs(expected) > 1e-290) {
        EXPECT_LE(err, 1e-10) << what << ": got " << r.p_value << ", scipy " << expected;
      } else {
        EXPECT_LE(std::abs(r.p_value - expected), 1e-290) << what;
      }
      (r.exact ? worst_exact : worst_asymp) = std::max(r.exact ? worst_exact : worst_asymp,
                                                       std::abs(expected) > 1e-290 ? err : 0.0);
      ++checked;
    }
  }
  EXPECT_GT(checked, 500u);
  RecordProperty("worst_relative_error_exact", std::to_string(worst_exact));
  RecordProperty("worst_relative_error_asymptotic", std::to_string(worst_asymp));
  std::printf("ks golden: %zu cases, worst relative p-value error exact %.3g, asymptotic %.3g\n",
              checked, worst_exact, worst_asymp);
}

TEST(Ks, GoldenScipyKstwoSf) {
  double worst = 0.0;
  for (const auto& c : golden("drift.json").at("kstwo")) {
    const auto n = c.at("n").get<std::int64_t>();
    const double x = c.at("x").get<double>();
    const double expected = c.at("sf").get<double>();
    const double got = d::kolmogorov_sf(n, x);
    const std::string what = "n=" + std::to_string(n) + " x=" + std::to_string(x);
    if (expected > 1e-290) {
      EXPECT_LE(relative_error(got, expected), 1e-10) << what << ": " << got << " vs " << expected;
      worst = std::max(worst, relative_error(got, expected));
    } else {
      EXPECT_LE(std::abs(got - expected), 1e-290) << what;
    }
  }
  std::printf("kstwo.sf golden: worst relative error %.3g\n", worst);
}

TEST(Ks, IdenticalSamplesGiveZeroAndOne) {
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal;
  VectorXd a(200);
  for (auto& v : a) v = normal(gen);
  for (auto alt : {d::KsAlternative::two_sided, d::KsAlternative::less,
                   d::KsAlternative::greater}) {
    const auto r = d::ks_2samp(a, a, alt);
    EXPECT_EQ(r.statistic, 0.0);
    EXPECT_EQ(r.p_value, 1.0);
  }
}

TEST(Ks, ShiftIsDetectedWithTheRightSign) {
  std::mt19937_64 gen(11);
  std::normal_distribution<double> normal;
  VectorXd a(300);
  VectorXd b(250);
  for (auto& v : a) v = normal(gen);
  for (auto& v : b) v = normal(gen) + 0.5;
  const auto r = d::ks_2samp(a, b);
  EXPECT_LT(r.p_value, 1e-6);
  EXPECT_EQ(r.statistic_sign, 1);  // the reference ECDF lies above the shifted-up current one
  // Current larger than reference: 'greater' (F_ref > F_cur) rejects, 'less' does not.
  EXPECT_LT(d::ks_2samp(a, b, d::KsAlternative::greater).p_value, 1e-6);
  EXPECT_GT(d::ks_2samp(a, b, d::KsAlternative::less).p_value, 0.1);
}

TEST(Ks, PValuesAreUniformUnderTheNull) {
  // 2000 seeded replicates of two N(0,1) samples (60 vs 80, exact method): the share of
  // p-values below each level stays within 4 binomial standard deviations of the level.
  std::mt19937_64 gen(20261127);
  std::normal_distribution<double> normal;
  const int reps = 2000;
  std::vector<double> p(reps);
  VectorXd a(60);
  VectorXd b(80);
  for (int k = 0; k < reps; ++k) {
    for (auto& v : a) v = normal(gen);
    for (auto& v : b) v = normal(gen);
    p[static_cast<std::size_t>(k)] = d::ks_2samp(a, b).p_value;
  }
  for (double level : {0.01, 0.05, 0.1, 0.25, 0.5}) {
    double below = 0.0;
    for (double v : p) below += v <= level ? 1.0 : 0.0;
    const double share = below / reps;
    const double sd = std::sqrt(level * (1.0 - level) / reps);
    // KS p-values are discrete and slightly conservative: share <= level + 4 sd, and not far
    // below it either.
    EXPECT_LE(share, level + 4.0 * sd) << "level " << level;
    EXPECT_GE(share, level - 4.0 * sd - 0.01) << "level " << level;
  }
}

TEST(Ks, SortedEntryMatchesUnsorted) {
  const VectorXd a = vec({0.3, -1.0, 2.0, 0.3, 5.0});
  const VectorXd b = vec({1.0, 0.3, -0.5});
  const std::vector<double> as = {-1.0, 0.3, 0.3, 2.0, 5.0};
  const std::vector<double> bs = {-0.5, 0.3, 1.0};
  const auto r1 = d::ks_2samp(a, b);
  const auto r2 = d::ks_2samp_sorted(as.data(), 5, bs.data(), 3);
  EXPECT_EQ(r1.statistic, r2.statistic);
  EXPECT_EQ(r1.p_value, r2.p_value);
}

TEST(Ks, RejectsBadInput) {
  const VectorXd ok = vec({1.0, 2.0, 3.0});
  expect_invalid([&] { d::ks_2samp(VectorXd(), ok); }, "reference sample is empty");
  expect_invalid([&] { d::ks_2samp(ok, VectorXd()); }, "current sample is empty");
  expect_invalid([&] { d::ks_2samp(vec({1.0, NAN}), ok); }, "element 1 is nan");
  expect_invalid([&] { d::ks_2samp(ok, vec({INFINITY})); }, "must be finite");
  expect_invalid([] { d::parse_ks_alternative("two"); }, "'two-sided', 'less' or 'greater'");
  expect_invalid([] { d::parse_ks_method("fast"); }, "'auto', 'exact' or 'asymp'");
  expect_invalid([] { d::ks_2samp_pvalue(1.5, 3, 4); }, "statistic must be in [0, 1], got 1.5");
  expect_invalid([] { d::ks_2samp_pvalue(0.5, 0, 4); }, "n_reference = 0");
  expect_invalid([] { d::kolmogorov_sf(0, 0.5); }, "n must be >= 1");
}
