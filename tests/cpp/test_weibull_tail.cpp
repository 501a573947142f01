// Weibull-type tail: maximum-likelihood fits equal to scipy.optimize's (golden), the special
// exponents (1: exponential, 0: Pareto on u), survival / inverse survival consistency,
// recovery of known parameters on exact draws, JSON round trip and bad input.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/weibull_tail.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;

TEST(WeibullTail, FitEqualsScipyMaximumLikelihood) {
  for (const auto& c : golden("weibull_tail.json").at("fits")) {
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const Eigen::VectorXd y = to_vector(c.at("excesses"));
    const double u_t = c.at("threshold_offset").get<double>();
    const auto fit = cal::fit_weibull_tail(y, u_t);
    const double ref_ll = c.at("loglik").get<double>();
    // Same optimum: the exponent to 1e-6, the likelihood reached (never below scipy's).
    EXPECT_NEAR(fit.exponent, c.at("exponent").get<double>(), 1e-6);
    EXPECT_NEAR(fit.scale, c.at("scale").get<double>(), 1e-6 * fit.scale);
    EXPECT_GE(fit.loglik, ref_ll - 1e-9 * std::abs(ref_ll));
    // The closed-form loglik at the MLE equals the direct sum.
    EXPECT_NEAR(fit.loglik, cal::weibull_tail_loglik(y, fit.exponent, fit.scale, u_t),
                1e-9 * std::abs(fit.loglik) + 1e-9);
    // Any nearby parameter is worse.
    for (const double da : {-1e-3, 1e-3}) {
      for (const double ds : {0.999, 1.001}) {
        EXPECT_LT(cal::weibull_tail_loglik(y, std::max(0.0, fit.exponent + da), fit.scale * ds,
                                           u_t),
                  fit.loglik);
      }
    }
    EXPECT_EQ(fit.n_excesses, y.size());
    EXPECT_EQ(fit.threshold_offset, u_t);
  }
}

TEST(WeibullTail, SpecialExponentsAreExponentialAndPareto) {
  cal::WeibullTailFit f;
  f.threshold_offset = 2.0;
  f.scale = 1.5;
  f.exponent = 1.0;  // B(u) - B(u_t) = y: exponential excesses
  for (const double y : {0.1, 1.0, 7.0}) {
    EXPECT_NEAR(f.survival(y), std::exp(-y / 1.5), 1e-15);
  }
  f.exponent = 0.0;  // log(u / u_t) ~ Exp(scale): Pareto, P(Y > y) = (1 + y/u_t)^(-1/scale)
  for (const double y : {0.1, 1.0, 7.0}) {
    EXPECT_NEAR(f.survival(y), std::pow(1.0 + y / 2.0, -1.0 / 1.5), 1e-15);
  }
  f.exponent = 2.0;  // Gaussian-like: exp(-((u_t + y)^2 - u_t^2) / (2 scale))
  EXPECT_NEAR(f.survival(1.0), std::exp(-(9.0 - 4.0) / 3.0), 1e-15);
  EXPECT_EQ(f.survival(0.0), 1.0);
  EXPECT_EQ(f.survival(-1.0), 1.0);
  // inverse_survival inverts survival for every exponent, including tiny ones (expm1/log1p).
  for (const double a : {0.0, 1e-12, 1e-6, 0.5, 1.0, 1.9, 4.0, 8.0}) {
    f.exponent = a;
    for (const double p : {1.0, 0.5, 1e-3, 1e-7}) {
      const double y = f.inverse_survival(p);
      EXPECT_NEAR(f.survival(y), p, 1e-12 * p) << "a " << a << " p " << p;
    }
  }
  f.exponent = 1e-12;
  const double near_pareto = f.inverse_survival(1e-4);
  f.exponent = 0.0;
  EXPECT_NEAR(near_pareto, f.inverse_survival(1e-4), 1e-9 * near_pareto);
}

TEST(WeibullTail, RecoversKnownParametersOnExactDraws) {
  // 20 000 exact draws for each (exponent, scale, u_t): the fit lands within 4 standard errors
  // (measured spread of the exponent over seeds: 0.02-0.05 at this size).
  std::mt19937_64 gen(11);
  for (const auto& [a, scale, u_t] : std::vector<std::tuple<double, double, double>>{
           {2.0, 0.5, 2.0}, {1.0, 1.0, 0.5}, {0.3, 0.2, 1.0}, {4.0, 10.0, 1.2}}) {
    cal::WeibullTailFit truth;
    truth.exponent = a;
    truth.scale = scale;
    truth.threshold_offset = u_t;
    std::uniform_real_distribution<double> unif(0.0, 1.0);
    Eigen::VectorXd y(20000);
    for (Eigen::Index i = 0; i < y.size(); ++i) y(i) = truth.inverse_survival(1.0 - unif(gen));
    const auto fit = cal::fit_weibull_tail(y, u_t);
    SCOPED_TRACE("exponent " + std::to_string(a));
    EXPECT_NEAR(fit.exponent, a, 0.2);
    // Quantiles far out agree within a few percent.
    EXPECT_NEAR(fit.inverse_survival(1e-4) / truth.inverse_survival(1e-4), 1.0, 0.05);
  }
}

TEST(WeibullTail, JsonRoundTrip) {
  const auto& c = golden("weibull_tail.json").at("fits").at(0);
  const auto fit = cal::fit_weibull_tail(to_vector(c.at("excesses")),
                                         c.at("threshold_offset").get<double>());
  const auto back = cal::WeibullTailFit::from_json(nlohmann::json::parse(fit.to_json().dump()));
  EXPECT_EQ(back.exponent, fit.exponent);
  EXPECT_EQ(back.scale, fit.scale);
  EXPECT_EQ(back.threshold_offset, fit.threshold_offset);
  EXPECT_EQ(back.loglik, fit.loglik);
  EXPECT_EQ(back.n_excesses, fit.n_excesses);
  EXPECT_EQ(back.inverse_survival(1e-6), fit.inverse_survival(1e-6));
  auto j = fit.to_json();
  j["exponent"] = -1.0;
  EXPECT_THROW(cal::WeibullTailFit::from_json(j), ecgad::FormatError);
  EXPECT_THROW(cal::WeibullTailFit::from_json({{"exponent", 1.0}}), ecgad::FormatError);
}

TEST(WeibullTail, RejectsBadInput) {
  Eigen::VectorXd y(3);
  y << 0.5, 1.0, 2.0;
  expect_invalid([&] { cal::fit_weibull_tail(y.head(1), 1.0); }, "expected at least 2");
  expect_invalid([&] { cal::fit_weibull_tail(y, 0.0); }, "threshold_offset is 0");
  expect_invalid([&] { cal::fit_weibull_tail(y, std::nan("")); }, "threshold_offset is nan");
  Eigen::VectorXd bad = y;
  bad(1) = -1.0;
  expect_invalid([&] { cal::fit_weibull_tail(bad, 1.0); }, "excesses[1] is -1");
  expect_invalid([&] { cal::fit_weibull_tail(Eigen::VectorXd::Constant(5, 0.25), 1.0); },
                 "all 5 excesses equal 0.25");
  cal::WeibullTailFit f;
  expect_invalid([&] { f.inverse_survival(0.0); }, "p is 0");
  expect_invalid([&] { f.inverse_survival(1.5); }, "expected a tail probability in (0, 1]");
}
