// Conformal p-values: the definition by hand (ties count as >=), equal to an O(n) count,
// p <= alpha exactly when s > the target-FPR threshold, uniform under the null (KS over many
// draws), BH selection controlling the FDR, the uncertain band, JSON round trip, bad input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/conformal.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;

namespace {

Eigen::VectorXd normal_scores(std::mt19937_64& gen, Eigen::Index n, double shift = 0.0) {
  std::normal_distribution<double> normal(shift, 1.0);
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) x(i) = normal(gen);
  return x;
}

}  // namespace

TEST(Conformal, PValueByHand) {
  Eigen::VectorXd c(4);
  c << 3.0, 1.0, 4.0, 2.0;
  const cal::ConformalCalibrator cc(c);
  EXPECT_EQ(cc.size(), 4);
  EXPECT_DOUBLE_EQ(cc.pvalue(2.5), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(cc.pvalue(3.0), 3.0 / 5.0);  // a tie counts as >=
  EXPECT_DOUBLE_EQ(cc.pvalue(0.0), 1.0);
  EXPECT_DOUBLE_EQ(cc.pvalue(4.0), 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(cc.pvalue(4.5), 1.0 / 5.0);
  EXPECT_DOUBLE_EQ(cc.min_pvalue(), 0.2);
}

TEST(Conformal, PValuesEqualALinearCountAndMatchTheThreshold) {
  std::mt19937_64 gen(17);
  for (const Eigen::Index n : {1, 2, 19, 99, 500}) {
    Eigen::VectorXd c = normal_scores(gen, n);
    for (Eigen::Index i = 0; i < n; i += 3) c(i) = std::round(c(i) * 4.0) / 4.0;  // ties
    const cal::ConformalCalibrator cc(c);
    Eigen::VectorXd s = normal_scores(gen, 300, 0.5);
    s.head(n < 300 ? n : 300) = c.head(n < 300 ? n : 300);  // scores equal to calibration ones
    const Eigen::VectorXd p = cc.pvalues(s);
    for (Eigen::Index i = 0; i < s.size(); ++i) {
      const double at_least = static_cast<double>((c.array() >= s(i)).count());
      EXPECT_EQ(p(i), (1.0 + at_least) / static_cast<double>(n + 1));
      EXPECT_EQ(cc.pvalue(s(i)), p(i));
    }
    for (const double alpha : {0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.9}) {
      if (alpha < 1.0 / static_cast<double>(n + 1)) {
        expect_invalid([&] { cc.threshold(alpha); }, "below 1/(n+1)");
        continue;
      }
      const auto t = cc.threshold(alpha);
      EXPECT_EQ(t.value, cal::target_fpr_threshold(c, alpha).value);
      for (Eigen::Index i = 0; i < s.size(); ++i) {
        EXPECT_EQ(p(i) <= alpha, t.is_anomalous(s(i)))
            << "n " << n << " alpha " << alpha << " score " << s(i) << " p " << p(i);
      }
    }
  }
}

TEST(Conformal, PValuesAreUniformUnderTheNull) {
  // One fresh normal score per calibration set: p is uniform on {1, ..., n+1}/(n+1) exactly.
  // KS distance of 4000 p-values from that law; the 99.9% critical value is ~1.95/sqrt(4000).
  const Eigen::Index n = 49;
  const int draws = 4000;
  std::vector<double> p;
  std::mt19937_64 gen(23);
  for (int d = 0; d < draws; ++d) {
    const cal::ConformalCalibrator cc(normal_scores(gen, n));
    p.push_back(cc.pvalue(normal_scores(gen, 1)(0)));
  }
  std::sort(p.begin(), p.end());
  double ks = 0.0;
  for (Eigen::Index k = 1; k <= n + 1; ++k) {
    const double u = static_cast<double>(k) / static_cast<double>(n + 1);
    const auto below = static_cast<double>(std::upper_bound(p.begin(), p.end(), u + 1e-12) -
                                           p.begin());
    ks = std::max(ks, std::abs(below / draws - u));
  }
  EXPECT_LT(ks, 1.95 / std::sqrt(draws));
  // Validity at the level used in practice: P(p <= 0.1) = 5/50.
  const auto small = std::upper_bound(p.begin(), p.end(), 0.1 + 1e-12) - p.begin();
  EXPECT_NEAR(static_cast<double>(small) / draws, 0.1, 4.0 * std::sqrt(0.09 / draws));
}

TEST(Conformal, BenjaminiHochbergSelectionControlsTheFdr) {
  std::mt19937_64 gen(29);
  const double q = 0.1;
  double fdp_sum = 0.0;
  double power_sum = 0.0;
  const int batches = 300;
  for (int b = 0; b < batches; ++b) {
    const cal::ConformalCalibrator cc(normal_scores(gen, 1000));
    Eigen::VectorXd s(220);
    s.head(200) = normal_scores(gen, 200);
    s.tail(20) = normal_scores(gen, 20, 4.0);  // anomalies
    const auto r = cc.select(s, q);
    const auto selected = static_cast<double>(r.rejected.count());
    const auto false_selected = static_cast<double>(r.rejected.head(200).count());
    if (selected > 0) fdp_sum += false_selected / selected;
    power_sum += static_cast<double>(r.rejected.tail(20).count()) / 20.0;
    EXPECT_EQ(r.adjusted, cal::benjamini_hochberg(cc.pvalues(s), q).adjusted);
  }
  EXPECT_LE(fdp_sum / batches, q * 200.0 / 220.0 + 0.02);
  EXPECT_GT(power_sum / batches, 0.5);
}

TEST(Conformal, UncertainBand) {
  const Eigen::VectorXd c = Eigen::VectorXd::LinSpaced(99, 1.0, 99.0);
  const cal::ConformalCalibrator cc(c);
  const cal::UncertainBand band{0.02, 0.1};
  // p(s) = (1 + #{c >= s}) / 100.
  EXPECT_EQ(cc.decide(99.5, band), cal::Decision::anomalous);  // p = 0.01
  EXPECT_EQ(cc.decide(98.5, band), cal::Decision::anomalous);  // p = 0.02
  EXPECT_EQ(cc.decide(97.5, band), cal::Decision::uncertain);  // p = 0.03
  EXPECT_EQ(cc.decide(91.5, band), cal::Decision::uncertain);  // p = 0.09
  EXPECT_EQ(cc.decide(90.5, band), cal::Decision::normal);     // p = 0.10
  EXPECT_EQ(cc.decide(10.0, band), cal::Decision::normal);
  Eigen::VectorXd s(4);
  s << 99.5, 95.0, 10.0, 98.5;
  const auto codes = cc.decide(s, band);
  ASSERT_EQ(codes.size(), 4);
  EXPECT_EQ(codes(0), 2);
  EXPECT_EQ(codes(1), 1);
  EXPECT_EQ(codes(2), 0);
  EXPECT_EQ(codes(3), 2);
  EXPECT_STREQ(cal::decision_name(cal::Decision::uncertain), "uncertain");
  expect_invalid([&] { cc.decide(1.0, cal::UncertainBand{0.1, 0.1}); },
                 "alpha_anomaly = 0.10000000000000001 must be < alpha_normal");
  expect_invalid([&] { cc.decide(1.0, cal::UncertainBand{0.005, 0.1}); },
                 "alpha_anomaly = 0.0050000000000000001 is below 1/(n+1) = 0.01");
  expect_invalid([&] { cc.decide(1.0, cal::UncertainBand{0.01, 1.5}); }, "alpha_normal is 1.5");
  const auto band_back = cal::UncertainBand::from_json(band.to_json());
  EXPECT_EQ(band_back.alpha_anomaly, 0.02);
  EXPECT_EQ(band_back.alpha_normal, 0.1);
}

TEST(Conformal, JsonRoundTripGivesIdenticalPValues) {
  std::mt19937_64 gen(31);
  const cal::ConformalCalibrator cc(normal_scores(gen, 257));
  const auto back = cal::ConformalCalibrator::from_json(nlohmann::json::parse(cc.to_json().dump()));
  const Eigen::VectorXd s = normal_scores(gen, 100, 1.0);
  EXPECT_EQ(back.pvalues(s), cc.pvalues(s));
  EXPECT_EQ(back.calibration_scores(), cc.calibration_scores());
  EXPECT_THROW(cal::ConformalCalibrator::from_json({{"type", "pot"}}), ecgad::FormatError);
  EXPECT_THROW(cal::ConformalCalibrator::from_json(
                   {{"type", "conformal"}, {"calibration_scores", std::vector<double>{}}}),
               ecgad::FormatError);
}

TEST(Conformal, RejectsBadInputAndUseBeforeFit) {
  const cal::ConformalCalibrator unfitted;
  EXPECT_FALSE(unfitted.fitted());
  EXPECT_THROW(unfitted.pvalue(1.0), ecgad::StateError);
  EXPECT_THROW(unfitted.to_json(), ecgad::StateError);
  cal::ConformalCalibrator cc;
  expect_invalid([&] { cc.fit(Eigen::VectorXd()); }, "scores has 0 values");
  Eigen::VectorXd bad(3);
  bad << 1.0, std::numeric_limits<double>::infinity(), 2.0;
  expect_invalid([&] { cc.fit(bad); }, "scores[1] is inf");
  cc.fit(Eigen::VectorXd::LinSpaced(9, 1.0, 9.0));
  expect_invalid([&] { cc.pvalue(std::numeric_limits<double>::quiet_NaN()); }, "score is nan");
  expect_invalid([&] { cc.pvalues(bad); }, "scores[1] is inf");
  expect_invalid([&] { cc.select(Eigen::VectorXd::Ones(3), 0.0); }, "alpha is 0");
  expect_invalid([&] { cc.select(Eigen::VectorXd(), 0.1); }, "scores has 0 values");
  expect_invalid([&] { cc.threshold(0.05); }, "below 1/(n+1) = 0.1");
}
