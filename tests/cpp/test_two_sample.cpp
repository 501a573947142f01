// The common two-sample face (drift/two_sample.hpp): each named test equals its own header's
// function, per-feature runs with Bonferroni / BH find exactly the shifted features, tests
// without p-values use the threshold, JSON round trips, and rejected inputs.
#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecgad/drift/two_sample.hpp"
#include "golden.hpp"

namespace d = ecgad::drift;
namespace c = ecgad::calibrate;
using ecgad::test::expect_invalid;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
MatrixXd features(Eigen::Index rows, std::mt19937_64& gen, const std::vector<double>& shift) {
  std::normal_distribution<double> normal;
  MatrixXd m(rows, static_cast<Eigen::Index>(shift.size()));
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = normal(gen) + shift[static_cast<std::size_t>(j)];
  }
  return m;
}
}  // namespace

TEST(TwoSample, NamedTestsEqualTheirHeaders) {
  std::mt19937_64 gen(4);
  const MatrixXd ref = features(300, gen, {0.0});
  const MatrixXd cur = features(200, gen, {0.3});
  const VectorXd a = ref.col(0);
  const VectorXd b = cur.col(0);
  const auto ks = d::two_sample_test("ks", a, b);
  EXPECT_EQ(ks.statistic, d::ks_2samp(a, b).statistic);
  EXPECT_EQ(ks.p_value, d::ks_2samp(a, b).p_value);
  EXPECT_EQ(ks.name, "ks");
  EXPECT_EQ(ks.n_reference, 300);
  EXPECT_EQ(ks.n_current, 200);
  EXPECT_EQ(d::two_sample_test("cvm", a, b).p_value, d::cramer_von_mises_2samp(a, b).p_value);
  EXPECT_EQ(d::two_sample_test("chi_square", a, b).p_value, d::chi_square(a, b).p_value);
  EXPECT_EQ(d::two_sample_test("psi", a, b).statistic, d::psi(a, b).statistic);
  EXPECT_TRUE(std::isnan(d::two_sample_test("psi", a, b).p_value));
  EXPECT_EQ(d::two_sample_test("wasserstein", a, b).statistic, d::wasserstein(a, b));
  EXPECT_EQ(d::two_sample_test("wasserstein_normalized", a, b).statistic,
            d::wasserstein_normalized(a, b));
  EXPECT_EQ(d::two_sample_test("jensen_shannon", a, b).statistic,
            d::jensen_shannon(a, b).statistic);
  const auto mmd = d::two_sample_mmd(ref, cur, {0.0, 99, 1});
  EXPECT_EQ(mmd.name, "mmd");
  EXPECT_EQ(mmd.p_value, d::mmd_test(ref, cur, {0.0, 99, 1}).p_value);
}

TEST(TwoSample, PerFeatureFindsTheShiftedFeatures) {
  std::mt19937_64 gen(8);
  const std::vector<double> none(6, 0.0);
  const std::vector<double> shift = {0.0, 0.8, 0.0, 0.0, -0.8, 0.0};
  const MatrixXd ref = features(400, gen, none);
  const MatrixXd cur = features(300, gen, shift);
  for (auto corr : {c::Correction::bonferroni, c::Correction::benjamini_hochberg}) {
    for (auto test : {d::TwoSampleTest::ks, d::TwoSampleTest::cramer_von_mises,
                      d::TwoSampleTest::chi_square}) {
      const auto r = d::two_sample_per_feature(test, ref, cur, corr, 0.01);
      ASSERT_EQ(r.features.size(), 6u);
      for (Eigen::Index f = 0; f < 6; ++f) {
        EXPECT_EQ(r.drifted(f), shift[static_cast<std::size_t>(f)] != 0.0)
            << d::to_string(test) << " " << r.correction << " feature " << f;
        EXPECT_GE(r.adjusted_p_values(f), r.features[static_cast<std::size_t>(f)].p_value);
      }
    }
  }
  // Bonferroni's adjusted p-value is exactly min(1, 6 p).
  const auto bonf = d::two_sample_per_feature(d::TwoSampleTest::ks, ref, cur,
                                              c::Correction::bonferroni);
  for (Eigen::Index f = 0; f < 6; ++f) {
    EXPECT_EQ(bonf.adjusted_p_values(f),
              std::min(1.0, bonf.features[static_cast<std::size_t>(f)].p_value * 6.0));
  }
  EXPECT_EQ(bonf.correction, "bonferroni");
  // Tests without a p-value: drift = statistic above the threshold.
  const auto psi = d::two_sample_per_feature(d::TwoSampleTest::psi, ref, cur,
                                             c::Correction::bonferroni, 0.05, {}, 0.2);
  EXPECT_EQ(psi.correction, "threshold");
  for (Eigen::Index f = 0; f < 6; ++f) {
    EXPECT_TRUE(std::isnan(psi.adjusted_p_values(f)));
    EXPECT_EQ(psi.drifted(f), shift[static_cast<std::size_t>(f)] != 0.0) << "psi feature " << f;
  }
}

TEST(TwoSample, JsonRoundTrip) {
  std::mt19937_64 gen(12);
  const MatrixXd ref = features(100, gen, {0.0, 0.0});
  const MatrixXd cur = features(80, gen, {0.0, 1.0});
  for (auto test : {d::TwoSampleTest::ks, d::TwoSampleTest::wasserstein_normalized}) {
    const auto r = d::two_sample_per_feature(test, ref, cur, c::Correction::benjamini_hochberg,
                                             0.05, {}, 0.3);
    const nlohmann::json j = r;
    const auto back = nlohmann::json::parse(j.dump()).get<d::FeatureDriftResult>();
    ASSERT_EQ(back.features.size(), r.features.size());
    for (std::size_t f = 0; f < r.features.size(); ++f) {
      EXPECT_EQ(back.features[f].statistic, r.features[f].statistic);
      EXPECT_EQ(std::isnan(back.features[f].p_value), std::isnan(r.features[f].p_value));
      if (!std::isnan(r.features[f].p_value)) {
        EXPECT_EQ(back.features[f].p_value, r.features[f].p_value);
      }
      EXPECT_EQ(back.features[f].name, r.features[f].name);
      EXPECT_EQ(back.features[f].n_reference, 100);
      EXPECT_EQ(back.features[f].n_current, 80);
    }
    EXPECT_EQ(back.drifted, r.drifted);
    EXPECT_EQ(back.correction, r.correction);
    EXPECT_EQ(back.alpha, r.alpha);
  }
  d::TwoSampleOptions o;
  o.bins = 7;
  o.ks_alternative = d::KsAlternative::less;
  o.ks_method = d::KsMethod::asymptotic;
  o.cvm_method = d::CvmMethod::exact;
  o.js_base = 10.0;
  const auto o2 = nlohmann::json(o).get<d::TwoSampleOptions>();
  EXPECT_EQ(o2.bins, 7);
  EXPECT_EQ(o2.ks_alternative, d::KsAlternative::less);
  EXPECT_EQ(o2.ks_method, d::KsMethod::asymptotic);
  EXPECT_EQ(o2.cvm_method, d::CvmMethod::exact);
  EXPECT_EQ(o2.js_base, 10.0);
  nlohmann::json broken = nlohmann::json(d::two_sample_per_feature(
      d::TwoSampleTest::ks, ref, cur));
  broken["drifted"].erase(0);
  EXPECT_THROW(broken.get<d::FeatureDriftResult>(), ecgad::FormatError);
}

TEST(TwoSample, RejectsBadInput) {
  std::mt19937_64 gen(13);
  const MatrixXd ref = features(50, gen, {0.0, 0.0});
  const MatrixXd cur = features(50, gen, {0.0});
  expect_invalid([] { d::parse_two_sample_test("kolmogorov"); }, "unknown two-sample test");
  expect_invalid([&] { d::two_sample_per_feature(d::TwoSampleTest::ks, ref, cur); },
                 "2 feature columns and current 1");
  expect_invalid([&] { d::two_sample_per_feature(d::TwoSampleTest::psi, ref, ref); },
                 "has no p-value; expected a finite statistic_threshold");
  expect_invalid([&] {
    d::two_sample_per_feature(d::TwoSampleTest::ks, ref, ref, c::Correction::bonferroni, 1.5);
  }, "alpha must be in (0, 1), got 1.5");
  MatrixXd bad = ref;
  bad(3, 1) = NAN;
  expect_invalid([&] { d::two_sample_per_feature(d::TwoSampleTest::ks, ref, bad); },
                 "feature column 1");
}
