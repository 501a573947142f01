// Unlabelled thresholds: equal to numpy/scipy on the golden scores (mean + k std, quantile,
// median + k MAD), the conformal rank by hand, the finite-sample false-positive guarantee over
// many seeds (binomial bound on fresh draws), JSON round trip, and every rejected input.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/threshold.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;

namespace {
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(Threshold, EqualsNumpyAndScipyOnGoldenScores) {
  for (const auto& c : golden("calibrate.json").at("thresholds")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Eigen::VectorXd x = to_vector(c.at("scores"));
    const double mean = c.at("mean").get<double>();
    const double std_pop = c.at("std_pop").get<double>();
    for (const double k : {1.0, 2.5}) {
      const auto t = cal::mean_std_threshold(x, k);
      EXPECT_NEAR(t.value, mean + k * std_pop, 1e-12 * (1.0 + std::abs(mean + k * std_pop)));
      EXPECT_EQ(t.method, "mean_std");
      EXPECT_EQ(t.parameters.at("k"), k);
      EXPECT_EQ(t.parameters.at("ddof"), 0.0);
      if (c.contains("std_sample")) {
        const double std_s = c.at("std_sample").get<double>();
        EXPECT_NEAR(cal::mean_std_threshold(x, k, 1).value, mean + k * std_s,
                    1e-12 * (1.0 + std::abs(mean + k * std_s)));
      }
      const double median = c.at("median").get<double>();
      const double mad = c.at("mad_normal").get<double>();
      const auto m = cal::mad_threshold(x, k);
      EXPECT_EQ(m.parameters.at("median"), median);
      EXPECT_NEAR(m.parameters.at("mad"), mad, 1e-14 * (1.0 + mad));
      EXPECT_NEAR(m.value, median + k * mad, 1e-12 * (1.0 + std::abs(median + k * mad)));
    }
    const auto levels = c.at("quantiles").at("levels").get<std::vector<double>>();
    const auto values = c.at("quantiles").at("values").get<std::vector<double>>();
    for (std::size_t i = 0; i < levels.size(); ++i) {
      // Same interpolation operations as numpy's _lerp: the same bits.
      EXPECT_EQ(cal::quantile_threshold(x, levels[i]).value, values[i]) << "level " << levels[i];
    }
  }
}

TEST(Threshold, MadIgnoresAFewOutliersWhereMeanStdDoesNot) {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd x(1000);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = normal(gen);
  const double mad_clean = cal::mad_threshold(x).value;
  const double std_clean = cal::mean_std_threshold(x, 3.0).value;
  for (Eigen::Index i = 0; i < 10; ++i) x(i) = 1000.0;  // 1% contamination
  EXPECT_NEAR(cal::mad_threshold(x).value, mad_clean, 0.1);
  EXPECT_GT(cal::mean_std_threshold(x, 3.0).value, std_clean + 50.0);
  // For clean normal data the scaled MAD estimates sigma = 1, so median + 3 MAD ~ 3.
  EXPECT_NEAR(mad_clean, 3.0, 0.25);
}

TEST(Threshold, TargetFprIsTheConformalRankByHand) {
  Eigen::VectorXd x(9);
  x << 5, 3, 9, 1, 7, 2, 8, 6, 4;
  // n = 9: k = ceil(10 (1 - alpha)).
  EXPECT_EQ(cal::target_fpr_threshold(x, 0.1).value, 9.0);   // k = 9
  EXPECT_EQ(cal::target_fpr_threshold(x, 0.2).value, 8.0);   // k = 8
  EXPECT_EQ(cal::target_fpr_threshold(x, 0.25).value, 8.0);  // k = ceil(7.5) = 8
  EXPECT_EQ(cal::target_fpr_threshold(x, 0.5).value, 5.0);   // k = 5
  EXPECT_EQ(cal::target_fpr_threshold(x, 0.95).value, 1.0);  // k = ceil(0.5) = 1
  const auto t = cal::target_fpr_threshold(x, 0.2);
  EXPECT_EQ(t.method, "target_fpr");
  EXPECT_EQ(t.parameters.at("rank"), 8.0);
  EXPECT_EQ(t.parameters.at("n"), 9.0);
  // 0.9 * 100 = 90.00000000000001 in double: the rank must still be 90, not 91.
  Eigen::VectorXd y = Eigen::VectorXd::LinSpaced(99, 1.0, 99.0);
  EXPECT_EQ(cal::target_fpr_threshold(y, 0.1).value, 90.0);
  EXPECT_EQ(cal::target_fpr_threshold(y, 0.01).value, 99.0);  // alpha = 1/(n+1) exactly
  expect_invalid([&] { cal::target_fpr_threshold(x, 0.05); }, "is below 1/(n+1) = 0.1");
  expect_invalid([&] { cal::target_fpr_threshold(x, 0.05); }, "at least 19 calibration scores");
  expect_invalid([&] { cal::target_fpr_threshold(y, 0.0099); }, "for n = 99");
}

TEST(Threshold, TargetFprCoverageStaysWithinItsBinomialBoundOverManySeeds) {
  // Exp(1) scores: the conditional false-positive rate of threshold t is exactly exp(-t), and
  // over calibration sets it is Beta(n + 1 - k, k) with mean (n + 1 - k)/(n + 1) <= alpha.
  const Eigen::Index n = 199;
  const double alpha = 0.05;
  const int seeds = 1000;
  const int fresh = 2000;
  const double expected = 10.0 / 200.0;  // k = 190
  double rate_sum = 0.0;
  double fresh_sum = 0.0;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 gen(static_cast<std::uint64_t>(1000 + seed));
    std::exponential_distribution<double> expo(1.0);
    Eigen::VectorXd cal_scores(n);
    for (Eigen::Index i = 0; i < n; ++i) cal_scores(i) = expo(gen);
    const double t = cal::target_fpr_threshold(cal_scores, alpha).value;
    const double rate = std::exp(-t);
    rate_sum += rate;
    int above = 0;
    for (int i = 0; i < fresh; ++i) above += expo(gen) > t ? 1 : 0;
    // Fresh draws given the threshold: Binomial(fresh, rate); 5 sigma.
    const double sd = std::sqrt(fresh * rate * (1.0 - rate));
    EXPECT_LE(std::abs(above - fresh * rate), 5.0 * sd + 1.0) << "seed " << seed;
    fresh_sum += static_cast<double>(above) / fresh;
  }
  const double beta_sd = std::sqrt(10.0 * 190.0 / (200.0 * 200.0 * 201.0));
  EXPECT_NEAR(rate_sum / seeds, expected, 4.0 * beta_sd / std::sqrt(seeds));
  EXPECT_NEAR(fresh_sum / seeds, expected, 4.0 * beta_sd / std::sqrt(seeds) + 0.001);
  EXPECT_LE(fresh_sum / seeds, alpha + 0.002);
  EXPECT_GE(fresh_sum / seeds, alpha - 1.0 / (n + 1) - 0.002);
}

TEST(Threshold, JsonRoundTrip) {
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(50, 0.0, 4.9);
  for (const auto& t : {cal::mean_std_threshold(x), cal::quantile_threshold(x, 0.97),
                        cal::mad_threshold(x, 2.5), cal::target_fpr_threshold(x, 0.1)}) {
    const auto back = cal::Threshold::from_json(nlohmann::json::parse(t.to_json().dump()));
    EXPECT_EQ(back, t);
    EXPECT_EQ(back.is_anomalous(t.value), false);
    EXPECT_EQ(back.is_anomalous(std::nextafter(t.value, 1e300)), true);
  }
  EXPECT_THROW(cal::Threshold::from_json(nlohmann::json{{"method", "x"}, {"value", 1.0}}),
               ecgad::FormatError);
  EXPECT_THROW(cal::Threshold::from_json(
                   nlohmann::json{{"method", "x"}, {"value", "a"}, {"parameters", {}}}),
               ecgad::FormatError);
}

TEST(Threshold, RejectsBadInput) {
  Eigen::VectorXd ok(3);
  ok << 1.0, 2.0, 3.0;
  Eigen::VectorXd bad = ok;
  bad(2) = kNan;
  const Eigen::VectorXd empty;
  expect_invalid([&] { cal::mean_std_threshold(empty); }, "scores has 0 values");
  expect_invalid([&] { cal::mean_std_threshold(bad); }, "scores[2] is nan");
  expect_invalid([&] { cal::mean_std_threshold(ok, kNan); }, "k is nan");
  expect_invalid([&] { cal::mean_std_threshold(ok, 1.0, 2); }, "ddof is 2");
  expect_invalid([&] { cal::mean_std_threshold(ok.head(1), 1.0, 1); }, "at least 2");
  expect_invalid([&] { cal::quantile_threshold(ok, 1.5); }, "level is 1.5");
  expect_invalid([&] { cal::quantile_threshold(ok, kNan); }, "expected a quantile level in [0, 1]");
  expect_invalid([&] { cal::quantile_threshold(empty, 0.5); }, "scores has 0 values");
  expect_invalid([&] { cal::mad_threshold(bad); }, "scores[2] is nan");
  expect_invalid([&] { cal::mad_threshold(ok, std::numeric_limits<double>::infinity()); },
                 "k is inf");
  expect_invalid([&] { cal::target_fpr_threshold(ok, 0.0); }, "alpha is 0");
  expect_invalid([&] { cal::target_fpr_threshold(ok, 1.0); }, "in (0, 1)");
  expect_invalid([&] { cal::target_fpr_threshold(ok, kNan); }, "alpha is nan");
  expect_invalid([&] { cal::target_fpr_threshold(bad, 0.5); }, "scores[2] is nan");
  expect_invalid([&] { cal::target_fpr_threshold(empty, 0.5); }, "scores has 0 values");
}
