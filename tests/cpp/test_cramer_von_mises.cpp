// Two-sample Cramér-von Mises (drift/cramer_von_mises.hpp) against scipy 1.10.1's
// cramervonmises_2samp (tests/golden/drift.json: exact and asymptotic, with and without ties),
// a hand-computed exact case, properties and rejected inputs.
#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ecgad/drift/cramer_von_mises.hpp"
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
}  // namespace

TEST(CramerVonMises, HandComputedExactCase) {
  // x = {1, 2}, y = {3, 4}: ranks 1 2 | 3 4, U = 2*0 + 2*(2^2 + 2^2) = 16,
  // T = 16 / (4 * 4) - 15 / 24 = 0.375. Of the 6 splits only {1,2} and {3,4} reach U = 16.
  const auto r = d::cramer_von_mises_2samp(vec({1.0, 2.0}), vec({3.0, 4.0}));
  EXPECT_NEAR(r.statistic, 0.375, 1e-15);
  EXPECT_NEAR(r.p_value, 2.0 / 6.0, 1e-15);
  EXPECT_TRUE(r.exact);
}

TEST(CramerVonMises, GoldenScipy) {
  double worst_exact = 0.0;
  double worst_asymp = 0.0;
  int checked = 0;
  for (const auto& c : golden("drift.json").at("cvm")) {
    const VectorXd a = to_vector(c.at("reference"));
    const VectorXd b = to_vector(c.at("current"));
    for (const auto& e : c.at("results")) {
      const std::string what =
          c.at("name").get<std::string>() + "_" + e.at("method").get<std::string>();
      const auto r = d::cramer_von_mises_2samp(a, b, d::parse_cvm_method(e.at("method")));
      const double stat = e.at("statistic").get<double>();
      EXPECT_NEAR(r.statistic, stat, 1e-13 * std::max(1.0, std::abs(stat))) << what;
      const double p = e.at("p_value").get<double>();
      const double err = std::abs(r.p_value - p) / std::max(p, 1e-300);
      if (r.exact) {  // integer counts over math.comb: the same double
        EXPECT_LE(err, 1e-10) << what << ": " << r.p_value << " vs scipy " << p;
      } else {
        // scipy's asymptotic p is 1 - CDF in double: it carries an absolute error of a few
        // ulps of 1 (~1e-15), so only an absolute agreement is meaningful for tiny p.
        EXPECT_LE(std::abs(r.p_value - p), std::max(1e-10 * p, 1e-14))
            << what << ": " << r.p_value << " vs scipy " << p;
      }
      if (r.exact) {
        worst_exact = std::max(worst_exact, err);
      } else {
        worst_asymp = std::max(worst_asymp, std::abs(r.p_value - p));
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
  std::printf("cvm golden: %d cases, worst relative p error exact %.3g, worst absolute asymptotic %.3g\n",
              checked, worst_exact, worst_asymp);
}

TEST(CramerVonMises, IdenticalSamplesAndShift) {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal;
  VectorXd a(300);
  VectorXd b(200);
  for (auto& v : a) v = normal(gen);
  for (auto& v : b) v = normal(gen) * 1.8;  // same mean, larger spread
  const auto same = d::cramer_von_mises_2samp(a, a);
  EXPECT_GT(same.p_value, 0.99);
  EXPECT_LT(same.statistic, 1e-3);
  EXPECT_LT(d::cramer_von_mises_2samp(a, b).p_value, 1e-4);
}

TEST(CramerVonMises, RejectsBadInput) {
  const VectorXd ok = vec({1.0, 2.0, 3.0});
  expect_invalid([&] { d::cramer_von_mises_2samp(VectorXd(), ok); }, "reference sample is empty");
  expect_invalid([&] { d::cramer_von_mises_2samp(vec({1.0}), ok); }, "at least 2 values, got 1");
  expect_invalid([&] { d::cramer_von_mises_2samp(ok, vec({1.0, NAN})); }, "must be finite");
  expect_invalid([] { d::parse_cvm_method("asymp"); }, "'auto', 'exact' or 'asymptotic'");
}
