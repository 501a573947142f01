// Chi-square homogeneity test on quantile bins (drift/chi_square.hpp) against
// scipy.stats.chi2_contingency and chi2.sf (tests/golden/drift.json), Yates for one degree of
// freedom, properties and rejected inputs.
#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ecgad/drift/chi_square.hpp"
#include "golden.hpp"

namespace d = ecgad::drift;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;
using Eigen::VectorXd;

namespace {
VectorXd vec(std::initializer_list<double> v) {
  return Eigen::Map<const VectorXd>(v.begin(), static_cast<Eigen::Index>(v.size()));
}
double rel(double a, double b) { return a == b ? 0.0 : std::abs(a - b) / std::max(std::abs(b), 1e-300); }
}  // namespace

TEST(ChiSquare, Chi2SfGolden) {
  double worst = 0.0;
  for (const auto& c : golden("drift.json").at("chi2_sf")) {
    const double got = d::chi2_sf(c.at("x").get<double>(), c.at("dof").get<double>());
    const double expected = c.at("sf").get<double>();
    if (expected < 1e-300) {
      EXPECT_LT(got, 1e-290);
      continue;
    }
    EXPECT_LE(rel(got, expected), 1e-12) << "x=" << c.at("x") << " dof=" << c.at("dof");
    worst = std::max(worst, rel(got, expected));
  }
  std::printf("chi2.sf golden: worst relative error %.3g\n", worst);
}

TEST(ChiSquare, YatesOnlyForOneDegreeOfFreedom) {
  // [[10, 20], [20, 10]]: expected 15 everywhere; Yates moves each |O - E| = 5 to 4.5:
  // chi2 = 4 * 4.5^2 / 15 = 5.4 (scipy.stats.chi2_contingency gives 5.4, p = 0.02013675...).
  const auto r = d::chi_square_counts(vec({10, 20}), vec({20, 10}));
  EXPECT_EQ(r.dof, 1);
  EXPECT_NEAR(r.statistic, 5.4, 1e-13);
  EXPECT_NEAR(r.p_value, std::erfc(std::sqrt(5.4 / 2.0)), 1e-15);
  // Three bins: no correction. [[10, 20, 30], [30, 20, 10]], expected 20: 2*(100+0+100)/20 = 20.
  const auto r3 = d::chi_square_counts(vec({10, 20, 30}), vec({30, 20, 10}));
  EXPECT_EQ(r3.dof, 2);
  EXPECT_NEAR(r3.statistic, 20.0, 1e-13);
  EXPECT_NEAR(r3.p_value, std::exp(-10.0), 1e-18);  // chi2 sf with 2 dof = exp(-x/2)
}

TEST(ChiSquare, GoldenScipy) {
  int checked = 0;
  for (const auto& c : golden("drift.json").at("binned")) {
    const VectorXd a = to_vector(c.at("reference"));
    const VectorXd b = to_vector(c.at("current"));
    for (const auto& e : c.at("per_bins")) {
      const std::string what = c.at("name").get<std::string>() + "_b" + e.at("bins").dump();
      const auto bins = e.at("bins").get<Eigen::Index>();
      if (e.at("chi2").is_null()) {
        expect_invalid([&] { d::chi_square(a, b, bins); }, "chi_square");
        continue;
      }
      const auto r = d::chi_square(a, b, bins);
      const auto& g = e.at("chi2");
      EXPECT_EQ(r.dof, g.at("dof").get<Eigen::Index>()) << what;
      EXPECT_LE(rel(r.statistic, g.at("statistic").get<double>()), 1e-12) << what;
      const double p = g.at("p_value").get<double>();
      if (p > 1e-290) {
        EXPECT_LE(rel(r.p_value, p), 1e-10) << what << ": " << r.p_value << " vs " << p;
      } else {
        EXPECT_LT(r.p_value, 1e-280) << what;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

TEST(ChiSquare, NullAndShift) {
  std::mt19937_64 gen(21);
  std::normal_distribution<double> normal;
  VectorXd a(2000);
  VectorXd b(1000);
  for (auto& v : a) v = normal(gen);
  for (auto& v : b) v = normal(gen);
  EXPECT_GT(d::chi_square(a, b).p_value, 0.001);
  EXPECT_NEAR(d::chi_square(a, a).statistic, 0.0, 1e-12);
  const VectorXd shifted = b.array() + 0.3;
  EXPECT_LT(d::chi_square(a, shifted).p_value, 1e-6);
}

TEST(ChiSquare, RejectsBadInput) {
  const VectorXd ok = vec({1.0, 2.0, 3.0});
  expect_invalid([&] { d::chi_square(ok, ok, 1); }, "bins must be >= 2, got 1");
  // Everything equal: only the bin [2, inf) holds values.
  expect_invalid([] { d::chi_square(vec({2.0, 2.0}), vec({2.0, 2.0, 2.0})); },
                 "only 1 bin holds values");
  expect_invalid([&] { d::chi_square(ok, vec({NAN})); }, "must be finite");
  expect_invalid([] { d::chi_square_counts(vec({1, 2}), vec({1})); }, "equal length >= 2");
  expect_invalid([] { d::chi_square_counts(vec({0, 2}), vec({0, 1})); }, "expected count");
  expect_invalid([] { d::chi_square_counts(vec({-1, 2}), vec({1, 1})); }, "non-negative");
  expect_invalid([] { d::chi2_sf(1.0, 0.0); }, "dof must be > 0");
}
