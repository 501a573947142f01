// Multivariate MMD test (drift/mmd.hpp): statistic and median-heuristic bandwidth against a
// direct numpy formula (tests/golden/drift.json), seeded permutation p-values (reproducible,
// uniform-ish under H0, small under a shift), and rejected inputs.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "ecgad/drift/mmd.hpp"
#include "golden.hpp"

namespace d = ecgad::drift;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using Eigen::MatrixXd;

namespace {
MatrixXd gaussian(Eigen::Index rows, Eigen::Index cols, double shift, std::mt19937_64& gen) {
  std::normal_distribution<double> normal;
  MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(gen) + shift;
  return m;
}
}  // namespace

TEST(Mmd, GoldenNumpy) {
  for (const auto& c : golden("drift.json").at("mmd")) {
    const auto x = ecgad::test::to_matrix<MatrixXd>(c.at("reference"));
    const auto y = ecgad::test::to_matrix<MatrixXd>(c.at("current"));
    const auto r = d::mmd_test(x, y, {0.0, 0, 0});
    EXPECT_NEAR(r.bandwidth, c.at("bandwidth").get<double>(), 1e-14);
    EXPECT_NEAR(r.statistic, c.at("statistic").get<double>(), 1e-13);
    EXPECT_TRUE(std::isnan(r.p_value));  // no permutations asked for
  }
}

TEST(Mmd, PermutationPValueIsReproducibleWithTheSeed) {
  std::mt19937_64 gen(1);
  const MatrixXd x = gaussian(40, 3, 0.0, gen);
  const MatrixXd y = gaussian(30, 3, 0.0, gen);
  const auto a = d::mmd_test(x, y, {0.0, 199, 42});
  const auto b = d::mmd_test(x, y, {0.0, 199, 42});
  EXPECT_EQ(a.p_value, b.p_value);
  EXPECT_EQ(a.exceedances, b.exceedances);
  EXPECT_EQ(a.p_value, static_cast<double>(a.exceedances + 1) / 200.0);
  // Other seeds draw other permutations: some exceedance count differs, all p-values agree
  // within Monte Carlo error (sd of p at 199 permutations <= 0.036).
  bool any_differs = false;
  for (std::uint64_t seed = 43; seed < 48; ++seed) {
    const auto c = d::mmd_test(x, y, {0.0, 199, seed});
    any_differs = any_differs || c.exceedances != a.exceedances;
    EXPECT_NEAR(a.p_value, c.p_value, 0.15);
  }
  EXPECT_TRUE(any_differs);
}

TEST(Mmd, DetectsAShiftAndACorrelationChange) {
  std::mt19937_64 gen(2);
  const MatrixXd x = gaussian(60, 2, 0.0, gen);
  const MatrixXd y = gaussian(60, 2, 0.8, gen);
  const auto r = d::mmd_test(x, y, {0.0, 199, 7});
  EXPECT_EQ(r.p_value, 1.0 / 200.0);  // no permutation reaches the observed statistic
  // Same marginals, new correlation: y2 = y1 in the current sample.
  MatrixXd z = gaussian(150, 2, 0.0, gen);
  z.col(1) = z.col(0);
  const MatrixXd ref = gaussian(150, 2, 0.0, gen);
  EXPECT_LT(d::mmd_test(ref, z, {0.0, 199, 7}).p_value, 0.01);
}

TEST(Mmd, PValuesUnderTheNullAreNotSmall) {
  // 100 seeded null replicates: the share with p <= 0.1 stays near 0.1 (binomial 4 sd).
  std::mt19937_64 gen(3);
  int below = 0;
  const int reps = 100;
  for (int k = 0; k < reps; ++k) {
    const MatrixXd x = gaussian(20, 2, 0.0, gen);
    const MatrixXd y = gaussian(20, 2, 0.0, gen);
    if (d::mmd_test(x, y, {0.0, 99, static_cast<std::uint64_t>(k)}).p_value <= 0.1) ++below;
  }
  EXPECT_LE(below, 10 + 4 * 3);
}

TEST(Mmd, IdenticalPointsHaveZeroStatistic) {
  const MatrixXd x = MatrixXd::Ones(5, 2);
  const auto r = d::mmd_test(x, x, {0.0, 19, 0});
  EXPECT_EQ(r.bandwidth, 1.0);
  EXPECT_NEAR(r.statistic, 0.0, 1e-15);
  EXPECT_EQ(r.p_value, 1.0);
}

TEST(Mmd, RejectsBadInput) {
  const MatrixXd ok = MatrixXd::Random(4, 2);
  expect_invalid([&] { d::mmd_test(MatrixXd::Random(1, 2), ok); }, "at least 2 rows, got 1");
  expect_invalid([&] { d::mmd_test(ok, MatrixXd::Random(4, 3)); }, "same number");
  MatrixXd bad = ok;
  bad(1, 1) = NAN;
  expect_invalid([&] { d::mmd_test(bad, ok); }, "must be finite");
  expect_invalid([&] { d::mmd_test(ok, ok, {0.0, -1, 0}); }, "n_permutations must be >= 0");
  expect_invalid([&] { d::mmd_test(ok, ok, {INFINITY, 10, 0}); }, "bandwidth must be finite");
}
