// Wasserstein-1 (drift/wasserstein.hpp) against scipy.stats.wasserstein_distance
// (tests/golden/drift.json), hand-computed values, properties and rejected inputs.
#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ecgad/drift/wasserstein.hpp"
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

TEST(Wasserstein, ScipyDocstringExamples) {
  EXPECT_NEAR(d::wasserstein(vec({0, 1, 3}), vec({5, 6, 8})), 5.0, 1e-15);
  EXPECT_NEAR(d::wasserstein(vec({0, 1}), vec({0, 1})), 0.0, 1e-15);
  // A shift by c moves W1 by exactly c.
  EXPECT_NEAR(d::wasserstein(vec({1, 2, 3}), vec({3.5, 4.5, 5.5})), 2.5, 1e-15);
}

TEST(Wasserstein, GoldenScipy) {
  int checked = 0;
  for (const auto& c : golden("drift.json").at("binned")) {
    const VectorXd a = to_vector(c.at("reference"));
    const VectorXd b = to_vector(c.at("current"));
    const double w = c.at("wasserstein").get<double>();
    EXPECT_NEAR(d::wasserstein(a, b), w, 1e-12 * std::max(1.0, w)) << c.at("name");
    if (!c.at("wasserstein_normalized").is_null()) {
      const double wn = c.at("wasserstein_normalized").get<double>();
      EXPECT_NEAR(d::wasserstein_normalized(a, b), wn, 1e-12 * std::max(1.0, wn)) << c.at("name");
    }
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST(Wasserstein, NormalisedIsScaleFree) {
  std::mt19937_64 gen(9);
  std::normal_distribution<double> normal;
  VectorXd a(400);
  VectorXd b(300);
  for (auto& v : a) v = normal(gen);
  for (auto& v : b) v = normal(gen) + 0.5;
  const double w = d::wasserstein_normalized(a, b);
  const VectorXd a_mv = a * 1000.0;  // same data in microvolts instead of millivolts
  const VectorXd b_mv = b * 1000.0;
  EXPECT_NEAR(d::wasserstein_normalized(a_mv, b_mv), w, 1e-12);
  EXPECT_NEAR(d::wasserstein(a_mv, b_mv), 1000.0 * d::wasserstein(a, b), 1e-9);
  EXPECT_EQ(d::wasserstein(a, a), 0.0);
}

TEST(Wasserstein, RejectsBadInput) {
  const VectorXd ok = vec({1.0, 2.0});
  expect_invalid([&] { d::wasserstein(VectorXd(), ok); }, "reference sample is empty");
  expect_invalid([&] { d::wasserstein(ok, vec({INFINITY})); }, "must be finite");
  expect_invalid([&] { d::wasserstein_normalized(vec({2.0, 2.0}), ok); }, "constant");
}
