// Population stability index and the quantile binning (drift/psi.hpp) against a numpy
// reference (tests/golden/drift.json: numpy.quantile edges, searchsorted counts, the PSI sum),
// hand-computed values, properties and rejected inputs.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/psi.hpp"
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

TEST(Psi, HandComputed) {
  // Reference 1..4, 2 bins: edge at the median 2.5 -> shares 1/2, 1/2. Current {1, 1, 1, 4}:
  // shares 3/4, 1/4. PSI = (3/4 - 1/2) ln(3/2) + (1/4 - 1/2) ln(1/2) = 0.25 ln 3.
  const auto r = d::psi(vec({1.0, 2.0, 3.0, 4.0}), vec({1.0, 1.0, 1.0, 4.0}), 2);
  ASSERT_EQ(r.edges.size(), 1u);
  EXPECT_EQ(r.edges[0], 2.5);
  EXPECT_NEAR(r.statistic, 0.25 * std::log(3.0), 1e-15);
}

TEST(Psi, EmptyBinsAreFlooredAtEpsilon) {
  // Current all above the reference: the lower bin is empty -> share floored at epsilon.
  const auto r = d::psi(vec({1.0, 2.0, 3.0, 4.0}), vec({10.0, 11.0}), 2, 1e-3);
  const double expected = (1e-3 - 0.5) * std::log(1e-3 / 0.5) + (1.0 - 0.5) * std::log(1.0 / 0.5);
  EXPECT_NEAR(r.statistic, expected, 1e-14);
  EXPECT_TRUE(std::isfinite(r.statistic));
}

TEST(Psi, GoldenNumpy) {
  int checked = 0;
  for (const auto& c : golden("drift.json").at("binned")) {
    const VectorXd a = to_vector(c.at("reference"));
    const VectorXd b = to_vector(c.at("current"));
    for (const auto& e : c.at("per_bins")) {
      const std::string what = c.at("name").get<std::string>() + "_b" + e.at("bins").dump();
      const auto r = d::psi(a, b, e.at("bins").get<Eigen::Index>());
      EXPECT_EQ(r.edges, e.at("edges").get<std::vector<double>>()) << what;
      EXPECT_EQ(r.reference_counts, to_vector(e.at("reference_counts"))) << what;
      EXPECT_EQ(r.current_counts, to_vector(e.at("current_counts"))) << what;
      const double expected = e.at("psi").get<double>();
      EXPECT_NEAR(r.statistic, expected, 1e-12 * std::max(1.0, expected)) << what;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

TEST(Psi, IdenticalIsZeroAndShiftGrows) {
  std::mt19937_64 gen(3);
  std::normal_distribution<double> normal;
  VectorXd a(5000);
  for (auto& v : a) v = normal(gen);
  EXPECT_EQ(d::psi(a, a).statistic, 0.0);
  const VectorXd small = a.array() + 0.1;
  const VectorXd large = a.array() + 1.0;
  const double psi_small = d::psi(a, small).statistic;
  const double psi_large = d::psi(a, large).statistic;
  EXPECT_LT(psi_small, 0.1);   // "stable"
  EXPECT_GT(psi_large, 0.25);  // "major shift"
}

TEST(Psi, TiedReferenceMergesEdges) {
  // Half the reference is 0: the quantile edges 0.1..0.5 coincide and merge.
  VectorXd a(100);
  for (Eigen::Index i = 0; i < 100; ++i) a(i) = i < 50 ? 0.0 : static_cast<double>(i);
  const auto r = d::psi(a, a, 10);
  EXPECT_LT(r.bins, 10);
  for (std::size_t k = 1; k < r.edges.size(); ++k) EXPECT_GT(r.edges[k], r.edges[k - 1]);
}

TEST(Psi, RejectsBadInput) {
  const VectorXd ok = vec({1.0, 2.0, 3.0});
  expect_invalid([&] { d::psi(ok, ok, 1); }, "bins must be >= 2, got 1");
  expect_invalid([&] { d::psi(ok, ok, 10, 0.0); }, "epsilon must be in (0, 1), got 0");
  expect_invalid([&] { d::psi(VectorXd(), ok); }, "reference sample is empty");
  expect_invalid([&] { d::psi(ok, vec({NAN})); }, "must be finite");
}
