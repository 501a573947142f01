// Labelled thresholds: F-beta and Youden's J equal a brute-force scan over every cut (ties
// included), by-hand cases, the > convention of the returned value, and bad input.
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "ecgad/calibrate/labelled.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;

TEST(Labelled, ByHand) {
  Eigen::VectorXd y(6);
  Eigen::VectorXd s(6);
  y << 0, 0, 1, 0, 1, 1;
  s << 0.1, 0.2, 0.3, 0.4, 0.8, 0.9;
  // Cut at 0.3 (>= 0.3 anomalous): TP 3, FP 1 -> J = 1 - 1/3, F1 = 6/7. Cut at 0.8: TP 2,
  // FP 0 -> J = 2/3, F1 = 0.8. Tie on J between 0.3 and 0.8 -> the higher cut, 0.8.
  const auto j = cal::youden_threshold(y, s);
  EXPECT_DOUBLE_EQ(j.parameters.at("youden_j"), 2.0 / 3.0);
  EXPECT_EQ(j.parameters.at("cut"), 0.8);
  EXPECT_DOUBLE_EQ(j.value, 0.6);  // midpoint of 0.4 and 0.8
  const auto f = cal::f_beta_threshold(y, s);
  EXPECT_DOUBLE_EQ(f.parameters.at("f_beta"), 6.0 / 7.0);
  EXPECT_EQ(f.parameters.at("cut"), 0.3);
  EXPECT_DOUBLE_EQ(f.value, 0.25);
  EXPECT_DOUBLE_EQ(f.parameters.at("precision"), 0.75);
  EXPECT_DOUBLE_EQ(f.parameters.at("recall"), 1.0);
  // beta = 0.5 favours precision: the cut at 0.8 (F0.5 = 1.25*2/(1.25*2+0.25)) wins.
  EXPECT_EQ(cal::f_beta_threshold(y, s, 0.5).parameters.at("cut"), 0.8);
  // Everything anomalous (the only anomaly scores lowest): the value is just below it.
  Eigen::VectorXd y2(2), s2(2);
  y2 << 1, 0;
  s2 << 0.5, 0.7;
  const auto all = cal::f_beta_threshold(y2, s2);
  EXPECT_EQ(all.parameters.at("cut"), 0.5);
  EXPECT_EQ(all.value, std::nextafter(0.5, 0.0));
  EXPECT_TRUE(all.is_anomalous(0.5));
}

TEST(Labelled, EqualsBruteForceOverEveryCut) {
  std::mt19937_64 gen(13);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::bernoulli_distribution anomaly(0.2);
  for (int rep = 0; rep < 20; ++rep) {
    const Eigen::Index n = 50 + 37 * rep;
    Eigen::VectorXd y(n), s(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      y(i) = anomaly(gen) ? 1.0 : 0.0;
      s(i) = std::round((normal(gen) + 1.5 * y(i)) * (rep % 2 ? 4.0 : 1000.0));  // ties
    }
    y(0) = 1.0;
    y(1) = 0.0;
    const double pos = y.sum();
    const double neg = static_cast<double>(n) - pos;
    double best_f = -1.0, best_j = -2.0;
    for (const double cut : std::set<double>(s.data(), s.data() + n)) {
      const double tp = ((s.array() >= cut).cast<double>() * y.array()).sum();
      const double fp = (s.array() >= cut).cast<double>().sum() - tp;
      best_f = std::max(best_f, 2.0 * tp / (2.0 * tp + (pos - tp) + fp));
      best_j = std::max(best_j, tp / pos - fp / neg);
    }
    const auto f = cal::f_beta_threshold(y, s);
    const auto j = cal::youden_threshold(y, s);
    EXPECT_NEAR(f.parameters.at("f_beta"), best_f, 1e-12);
    EXPECT_NEAR(j.parameters.at("youden_j"), best_j, 1e-12);
    // The returned value reproduces the cut's counts with the > convention.
    for (const auto& t : {f, j}) {
      const double cut = t.parameters.at("cut");
      EXPECT_EQ((s.array() > t.value).count(), (s.array() >= cut).count());
    }
  }
}

TEST(Labelled, RejectsBadInput) {
  Eigen::VectorXd y(3), s(3);
  y << 0, 1, 0;
  s << 0.1, 0.2, 0.3;
  expect_invalid([&] { cal::youden_threshold(y.head(2), s); }, "y_true has 2 labels");
  expect_invalid([&] { cal::youden_threshold(Eigen::VectorXd(), Eigen::VectorXd()); },
                 "scores is empty");
  expect_invalid([&] { cal::f_beta_threshold(y, s, 0.0); }, "beta is 0");
  Eigen::VectorXd bad = y;
  bad(1) = 2.0;
  expect_invalid([&] { cal::youden_threshold(bad, s); }, "y_true[1] is 2");
  bad = s;
  bad(2) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { cal::f_beta_threshold(y, bad); }, "scores[2] is nan");
  expect_invalid([&] { cal::youden_threshold(Eigen::VectorXd::Zero(3), s); },
                 "only normals (0)");
}
