// Jensen-Shannon distance on shared bins (drift/jensen_shannon.hpp) against numpy.histogram
// and scipy.spatial.distance.jensenshannon (tests/golden/drift.json), bounds, properties and
// rejected inputs.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/jensen_shannon.hpp"
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

TEST(JensenShannon, ScipyDocstringExamples) {
  // scipy's docstring: jensenshannon([1,0,0], [0,1,0], 2.0) = 1.0, ([1,0], [0.5,0.5]) = 0.46450140402245893 (base e)
  EXPECT_NEAR(d::jensen_shannon_distance(vec({1, 0, 0}), vec({0, 1, 0}), 2.0), 1.0, 1e-15);
  EXPECT_NEAR(d::jensen_shannon_distance(vec({1, 0}), vec({0.5, 0.5}), std::exp(1.0)),
              0.46450140402245893, 1e-15);
  EXPECT_EQ(d::jensen_shannon_distance(vec({1, 0, 0}), vec({1, 0, 0})), 0.0);
}

TEST(JensenShannon, GoldenScipy) {
  int checked = 0;
  for (const auto& c : golden("drift.json").at("binned")) {
    const VectorXd a = to_vector(c.at("reference"));
    const VectorXd b = to_vector(c.at("current"));
    for (const auto& e : c.at("per_bins")) {
      const std::string what = c.at("name").get<std::string>() + "_b" + e.at("bins").dump();
      const auto bins = e.at("bins").get<Eigen::Index>();
      const auto r = d::jensen_shannon(a, b, bins);
      EXPECT_EQ(r.edges, e.at("js_edges").get<std::vector<double>>()) << what;
      EXPECT_EQ(r.reference_counts, to_vector(e.at("js_reference_counts"))) << what;
      EXPECT_EQ(r.current_counts, to_vector(e.at("js_current_counts"))) << what;
      EXPECT_NEAR(r.statistic, e.at("js_base2").get<double>(), 1e-14) << what;
      EXPECT_NEAR(d::jensen_shannon(a, b, bins, std::exp(1.0)).statistic,
                  e.at("js_base_e").get<double>(), 1e-14) << what;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

TEST(JensenShannon, DisjointSupportIsOneInBaseTwo) {
  const auto r = d::jensen_shannon(vec({0.0, 0.1, 0.2}), vec({10.0, 10.5}), 10);
  EXPECT_NEAR(r.statistic, 1.0, 1e-15);
  const auto same = d::jensen_shannon(vec({3.0, 3.0}), vec({3.0}), 4);  // zero range widens
  EXPECT_EQ(same.statistic, 0.0);
  EXPECT_EQ(same.edges.front(), 2.5);
  EXPECT_EQ(same.edges.back(), 3.5);
}

TEST(JensenShannon, RejectsBadInput) {
  const VectorXd ok = vec({1.0, 2.0});
  expect_invalid([&] { d::jensen_shannon(ok, ok, 1); }, "bins must be >= 2, got 1");
  expect_invalid([&] { d::jensen_shannon(ok, ok, 10, 1.0); }, "base must be > 0 and != 1, got 1");
  expect_invalid([&] { d::jensen_shannon(ok, VectorXd()); }, "current sample is empty");
  expect_invalid([&] { d::jensen_shannon(vec({NAN}), ok); }, "must be finite");
  expect_invalid([] { d::jensen_shannon_distance(vec({1, 2}), vec({1})); }, "equal length");
  expect_invalid([] { d::jensen_shannon_distance(vec({-1, 2}), vec({1, 1})); }, "non-negative");
  expect_invalid([] { d::jensen_shannon_distance(vec({0, 0}), vec({1, 1})); }, "sums to 0");
}
