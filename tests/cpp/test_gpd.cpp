// GPD fit: Grimshaw's maximum likelihood reaches scipy.stats.genpareto.fit's likelihood (and
// its parameters) on the golden samples, the log-likelihood and sf/isf equal scipy's, the
// estimates recover the true shape on large samples, JSON round trip, bad input.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/gpd.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;

TEST(Gpd, ReachesScipyMaximumLikelihoodOnGoldenSamples) {
  for (const auto& c : golden("calibrate.json").at("gpd")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Eigen::VectorXd y = to_vector(c.at("excesses"));
    const auto fit = cal::fit_gpd(y);
    const double scipy_ll = c.at("scipy_loglik").get<double>();
    // scipy's optimiser (Nelder-Mead) stops near the optimum; the exact root is at least as good.
    EXPECT_GE(fit.loglik, scipy_ll - 1e-7 * std::abs(scipy_ll));
    EXPECT_NEAR(fit.loglik, scipy_ll, 1e-5 * std::abs(scipy_ll));
    EXPECT_NEAR(fit.shape, c.at("scipy_shape").get<double>(), 2e-3);
    EXPECT_NEAR(fit.scale, c.at("scipy_scale").get<double>(),
                2e-3 * c.at("scipy_scale").get<double>());
    EXPECT_EQ(fit.n_excesses, y.size());
    EXPECT_DOUBLE_EQ(fit.loglik, cal::gpd_loglik(y, fit.shape, fit.scale));
    // The log-likelihood function equals scipy's sum of genpareto.logpdf.
    EXPECT_NEAR(cal::gpd_loglik(y, c.at("scipy_shape").get<double>(),
                                c.at("scipy_scale").get<double>()),
                scipy_ll, 1e-10 * std::abs(scipy_ll));
  }
}

TEST(Gpd, SurvivalAndInverseEqualScipy) {
  for (const auto& c : golden("calibrate.json").at("gpd_functions")) {
    cal::GpdFit g;
    g.shape = c.at("shape").get<double>();
    g.scale = c.at("scale").get<double>();
    SCOPED_TRACE("shape " + std::to_string(g.shape));
    const auto y = c.at("y").get<std::vector<double>>();
    const auto sf = c.at("sf").get<std::vector<double>>();
    for (std::size_t i = 0; i < y.size(); ++i) {
      EXPECT_NEAR(g.survival(y[i]), sf[i], 1e-13 * sf[i] + 1e-300) << "y " << y[i];
    }
    const auto p = c.at("p").get<std::vector<double>>();
    const auto isf = c.at("isf").get<std::vector<double>>();
    for (std::size_t i = 0; i < p.size(); ++i) {
      EXPECT_NEAR(g.inverse_survival(p[i]), isf[i], 1e-12 * isf[i]) << "p " << p[i];
      EXPECT_NEAR(g.survival(g.inverse_survival(p[i])), p[i], 1e-12 * p[i]);
    }
    EXPECT_EQ(g.survival(-1.0), 1.0);
  }
  cal::GpdFit bounded;
  bounded.shape = -0.5;
  bounded.scale = 1.0;  // endpoint 2
  EXPECT_EQ(bounded.survival(2.5), 0.0);
}

TEST(Gpd, RecoversTheShapeOfLargeSamples) {
  // Inverse-transform GPD draws; 20000 excesses give a shape standard error ~ 0.01.
  for (const double shape : {-0.25, 0.0, 0.3}) {
    std::mt19937_64 gen(41);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    cal::GpdFit truth;
    truth.shape = shape;
    truth.scale = 2.0;
    Eigen::VectorXd y(20000);
    for (Eigen::Index i = 0; i < y.size(); ++i) y(i) = truth.inverse_survival(1.0 - u(gen));
    const auto fit = cal::fit_gpd(y);
    EXPECT_NEAR(fit.shape, shape, 0.04) << fit.method;
    EXPECT_NEAR(fit.scale, 2.0, 0.1);
    // Maximum likelihood beats the truth and the method of moments on its own sample.
    EXPECT_GE(fit.loglik, cal::gpd_loglik(y, shape, 2.0));
    const double m = y.mean();
    const double v = (y.array() - m).square().sum() / (static_cast<double>(y.size()) - 1.0);
    EXPECT_GE(fit.loglik, cal::gpd_loglik(y, 0.5 * (1 - m * m / v), 0.5 * m * (m * m / v + 1)));
  }
}

TEST(Gpd, JsonRoundTrip) {
  Eigen::VectorXd y(5);
  y << 0.1, 0.5, 0.2, 1.7, 0.9;
  const auto fit = cal::fit_gpd(y);
  const auto back = cal::GpdFit::from_json(nlohmann::json::parse(fit.to_json().dump()));
  EXPECT_EQ(back.shape, fit.shape);
  EXPECT_EQ(back.scale, fit.scale);
  EXPECT_EQ(back.loglik, fit.loglik);
  EXPECT_EQ(back.method, fit.method);
  EXPECT_EQ(back.n_excesses, 5);
  EXPECT_THROW(cal::GpdFit::from_json({{"shape", 0.1}}), ecgad::FormatError);
  auto j = fit.to_json();
  j["scale"] = -1.0;
  EXPECT_THROW(cal::GpdFit::from_json(j), ecgad::FormatError);
}

TEST(Gpd, RejectsBadInput) {
  expect_invalid([] { cal::fit_gpd(Eigen::VectorXd::Ones(1)); }, "1 excesses; expected at least 2");
  Eigen::VectorXd y(3);
  y << 0.5, 0.0, 1.0;
  expect_invalid([&] { cal::fit_gpd(y); }, "excesses[1] is 0");
  y(1) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { cal::fit_gpd(y); }, "excesses[1] is nan");
  expect_invalid([] { cal::fit_gpd(Eigen::VectorXd::Constant(4, 2.0)); }, "all 4 excesses equal 2");
  cal::GpdFit g;
  expect_invalid([&] { g.inverse_survival(0.0); }, "p is 0");
  expect_invalid([&] { g.inverse_survival(1.5); }, "expected a tail probability in (0, 1]");
}
