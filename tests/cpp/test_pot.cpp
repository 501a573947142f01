// Peaks over threshold: extreme quantiles of Gaussian, exponential and log-normal scores against
// the exact values (scipy isf, golden) at risks 1e-4..1e-6 from 1e6 scores — the classic GPD
// and the tail options (log transform, Weibull-type tail) — tail p-values consistent with the
// quantiles, exact back-mapping of the log transform, invariances, JSON round trip (old
// documents included), bad input.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/pot.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;
using ecgad::test::golden;

namespace {

Eigen::VectorXd draw(const std::string& law, Eigen::Index n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::exponential_distribution<double> expo(1.0);
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i) = law == "normal" ? normal(gen) : law == "exponential" ? expo(gen)
                                                                 : std::exp(normal(gen));
  }
  return x;
}

}  // namespace

TEST(Pot, ExtremeQuantilesWithinTenPercentOfExact) {
  const auto& g = golden("calibrate.json").at("extreme_quantiles");
  const auto qs = g.at("q").get<std::vector<double>>();
  for (const std::string law : {"normal", "exponential", "lognormal"}) {
    const auto exact = g.at(law).get<std::vector<double>>();
    const auto pot = cal::fit_pot(draw(law, 1000000, 7), 0.98);
    EXPECT_EQ(pot.n, 1000000);
    EXPECT_NEAR(static_cast<double>(pot.n_peaks), 20000.0, 1.0);
    for (std::size_t i = 0; i < qs.size(); ++i) {
      if (qs[i] > 1e-4) continue;
      const double z = pot.quantile(qs[i]);
      SCOPED_TRACE(law + " q " + std::to_string(qs[i]) + " shape " +
                   std::to_string(pot.gpd.shape));
      // Log-normal tails are in the Gumbel domain (shape 0) but converge to it very slowly:
      // above the 98% quantile the maximum-likelihood GPD has shape ~0.25 (scipy's
      // genpareto.fit on the same excesses agrees to 1e-5), which overshoots by ~12% at
      // q = 1e-5 and ~25% at 1e-6; levels 0.95..0.999 do not remove the bias at n = 1e6. This
      // is the GPD's limit, not the fit's: the default (classic POT) meets 10% to q = 1e-4 for
      // log-normal; the log transform + Weibull tail meets it to 1e-6 (next test).
      const double tolerance = law != "lognormal" ? 0.1 : qs[i] >= 1e-4 ? 0.1 : 0.3;
      const double error = z / exact[i] - 1.0;
      std::printf("POT %-11s q %.0e: z %.4f exact %.4f error %+.2f%%\n", law.c_str(), qs[i], z,
                  exact[i], 100.0 * error);
      EXPECT_LE(std::abs(error), tolerance);
      // The tail p-value at z_q is q.
      EXPECT_NEAR(pot.pvalue(z), qs[i], 1e-9 * qs[i]);
    }
  }
}

TEST(Pot, TailOptionsMeetTheTenPercentGoalToOneInAMillion) {
  // Issue 5 §1: extreme quantiles of Gaussian / exponential / log-normal scores within 10% of
  // the exact value (scipy isf, golden) at q = 1e-4..1e-6, on 5 seeds of 10^6 scores each with
  // the documented option per law: Weibull tail (Gaussian, exponential; exponential also with
  // the default GPD), log transform + Weibull tail (log-normal, positive scores).
  // Measured on 30 other seeds (docs/calibrate.md): Gaussian / exponential worst 2.8% / 3.3%
  // at 1e-6. Log-normal: bias +3.7% at 1e-6 but a per-sample spread of 4.7% (sd; the fitted
  // exponent's noise, amplified by exp), so 3 of 30 samples land beyond 10% (worst 14.1%); at
  // 1e-5 all 30 are within 10% (worst 8.8%). Hence for log-normal at 1e-6 the 10% bound is
  // asserted on the mean error over the seeds (the estimator's bias) and 20% (~3.5 sd) per
  // sample — the per-sample 10% is a statistical limit of any 2-parameter tail fitted to
  // 20 000 excesses, not something a seed choice should hide.
  const auto& g = golden("calibrate.json").at("extreme_quantiles");
  const auto qs = g.at("q").get<std::vector<double>>();
  const cal::TailOptions weibull{cal::ScoreTransform::identity, cal::TailModel::weibull};
  const cal::TailOptions log_weibull{cal::ScoreTransform::log, cal::TailModel::weibull};
  const std::vector<std::pair<std::string, cal::TailOptions>> cases = {
      {"normal", weibull}, {"exponential", weibull}, {"exponential", {}},
      {"lognormal", log_weibull}};
  for (const auto& [law, options] : cases) {
    const auto exact = g.at(law).get<std::vector<double>>();
    constexpr int kSeeds = 5;
    std::vector<double> mean_error(qs.size(), 0.0);
    for (std::uint64_t seed = 1000; seed < 1000 + kSeeds; ++seed) {
      const auto pot = cal::fit_pot(draw(law, 1000000, seed), 0.98, options);
      EXPECT_EQ(pot.options, options);
      for (std::size_t i = 0; i < qs.size(); ++i) {
        if (qs[i] > 1e-4) continue;
        const double z = pot.quantile(qs[i]);
        const double error = z / exact[i] - 1.0;
        mean_error[i] += error / kSeeds;
        SCOPED_TRACE(law + " " + cal::transform_name(options.transform) + " " +
                     cal::tail_model_name(options.model) + " seed " + std::to_string(seed) +
                     " q " + std::to_string(qs[i]));
        const bool spread_limited = law == "lognormal" && qs[i] < 1e-5;
        EXPECT_LE(std::abs(error), spread_limited ? 0.2 : 0.1);
        EXPECT_NEAR(pot.pvalue(z), qs[i], 1e-9 * qs[i]);  // p-values consistent with z_q
      }
    }
    for (std::size_t i = 0; i < qs.size(); ++i) {
      if (qs[i] <= 1e-4) {
        EXPECT_LE(std::abs(mean_error[i]), 0.1) << law << " q " << qs[i];
      }
    }
  }
}

TEST(Pot, LogTransformMapsBackExactly) {
  const auto x = draw("lognormal", 50000, 21);
  const cal::TailOptions log_gpd{cal::ScoreTransform::log, cal::TailModel::gpd};
  const auto pot = cal::fit_pot(x, 0.95, log_gpd);
  const auto classic = cal::fit_pot(x, 0.95);
  // Same initial threshold and peaks (t is the score quantile either way).
  EXPECT_EQ(pot.initial_threshold, classic.initial_threshold);
  EXPECT_EQ(pot.n_peaks, classic.n_peaks);
  // The GPD is fitted to log(s / t): equal to fit_gpd on those excesses.
  std::vector<double> y;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (x(i) > pot.initial_threshold) y.push_back(std::log1p((x(i) - pot.initial_threshold) /
                                                             pot.initial_threshold));
  }
  const auto direct = cal::fit_gpd(
      Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size())));
  EXPECT_EQ(pot.gpd.shape, direct.shape);
  EXPECT_EQ(pot.gpd.scale, direct.scale);
  const double t = pot.initial_threshold;
  for (const double q : {1e-3, 1e-5, 1e-7}) {
    const double ratio = q * static_cast<double>(pot.n) / static_cast<double>(pot.n_peaks);
    EXPECT_NEAR(pot.quantile(q), t * std::exp(direct.inverse_survival(ratio)),
                1e-13 * pot.quantile(q));
    EXPECT_NEAR(pot.pvalue(pot.quantile(q)), q, 1e-10 * q);
  }
  // Decisions agree with p-values: s > z_q exactly when p(s) < q (monotone map).
  const double z = pot.quantile(1e-4);
  EXPECT_LT(pot.pvalue(z * (1.0 + 1e-9)), 1e-4);
  EXPECT_GT(pot.pvalue(z * (1.0 - 1e-9)), 1e-4);
  EXPECT_EQ(pot.pvalue(t), 1.0);
  const auto thr = pot.threshold(1e-5);
  EXPECT_EQ(thr.parameters.at("log_transform"), 1.0);
  EXPECT_EQ(thr.parameters.at("shape"), pot.gpd.shape);
  EXPECT_EQ(cal::pot_threshold(x, 1e-5, 0.95, log_gpd), thr);
}

TEST(Pot, WeibullTailIsLocationAndScaleInvariant) {
  const auto x = draw("normal", 100000, 4);
  const cal::TailOptions weibull{cal::ScoreTransform::identity, cal::TailModel::weibull};
  const auto pot = cal::fit_pot(x, 0.98, weibull);
  EXPECT_EQ(pot.center, cal::quantile_threshold(x, 0.5).value);  // numpy.median
  EXPECT_NEAR(pot.weibull.threshold_offset, pot.initial_threshold - pot.center, 1e-15);
  const Eigen::VectorXd shifted = (3.0 * x.array() + 40.0).matrix();
  const auto moved = cal::fit_pot(shifted, 0.98, weibull);
  for (const double q : {1e-4, 1e-6}) {
    EXPECT_NEAR(moved.quantile(q), 3.0 * pot.quantile(q) + 40.0, 1e-9 * moved.quantile(q));
  }
  EXPECT_NEAR(moved.weibull.exponent, pot.weibull.exponent, 1e-8);
  // The log-transformed tail is scale-invariant (units of the reconstruction error).
  const auto ln = draw("lognormal", 100000, 4);
  const cal::TailOptions log_weibull{cal::ScoreTransform::log, cal::TailModel::weibull};
  const auto a = cal::fit_pot(ln, 0.98, log_weibull);
  const auto b = cal::fit_pot((ln * 1e-3).eval(), 0.98, log_weibull);
  // (to the golden-section tolerance on the exponent, 1e-10, amplified by the extrapolation)
  EXPECT_NEAR(b.quantile(1e-6), 1e-3 * a.quantile(1e-6), 1e-7 * b.quantile(1e-6));
  EXPECT_NEAR(b.pvalue(1e-3 * a.quantile(1e-5)), 1e-5, 1e-11);
  const auto thr = a.threshold(1e-5);
  EXPECT_EQ(thr.parameters.at("weibull_tail"), 1.0);
  EXPECT_EQ(thr.parameters.at("exponent"), a.weibull.exponent);
  EXPECT_EQ(thr.parameters.count("shape"), 0u);
}

TEST(Pot, TailOptionsJsonRoundTripAndOldDocuments) {
  const auto x = draw("lognormal", 20000, 5);
  for (const auto& options : {cal::TailOptions{}, cal::TailOptions{cal::ScoreTransform::log,
                                                                    cal::TailModel::gpd},
                              cal::TailOptions{cal::ScoreTransform::log, cal::TailModel::weibull},
                              cal::TailOptions{cal::ScoreTransform::identity,
                                               cal::TailModel::weibull}}) {
    const auto pot = cal::fit_pot(x, 0.98, options);
    const auto j = pot.to_json();
    EXPECT_EQ(j.at("transform"), cal::transform_name(options.transform));
    EXPECT_EQ(j.at("tail"), cal::tail_model_name(options.model));
    const auto back = cal::Pot::from_json(nlohmann::json::parse(j.dump()));
    EXPECT_EQ(back.options, options);
    EXPECT_EQ(back.to_json(), j);
    for (const double q : {1e-3, 1e-6}) EXPECT_EQ(back.quantile(q), pot.quantile(q));
    EXPECT_EQ(back.pvalue(20.0), pot.pvalue(20.0));
  }
  // A document written before the options (no transform / tail) is the classic POT.
  const auto classic = cal::fit_pot(x, 0.98);
  auto old = classic.to_json();
  old.erase("transform");
  old.erase("tail");
  const auto back = cal::Pot::from_json(old);
  EXPECT_EQ(back.options, cal::TailOptions{});
  EXPECT_EQ(back.quantile(1e-6), classic.quantile(1e-6));
  auto bad = classic.to_json();
  bad["transform"] = "sqrt";
  EXPECT_THROW(cal::Pot::from_json(bad), ecgad::FormatError);
  bad = classic.to_json();
  bad["tail"] = "weibull";  // no centre / Weibull fit in the document
  EXPECT_THROW(cal::Pot::from_json(bad), ecgad::FormatError);
}

TEST(Pot, TailOptionsRejectBadInput) {
  const auto x = draw("normal", 10000, 2);
  const cal::TailOptions log_gpd{cal::ScoreTransform::log, cal::TailModel::gpd};
  const Eigen::VectorXd negative = (x.array() - 10.0).matrix();
  expect_invalid([&] { cal::fit_pot(negative, 0.98, log_gpd); },
                 "the log transform expected it > 0");
  const cal::TailOptions log_weibull{cal::ScoreTransform::log, cal::TailModel::weibull};
  expect_invalid([&] { cal::fit_pot(x, 0.98, log_weibull); },
                 "the log-transformed Weibull tail expected positive scores (median > 0)");
  const cal::TailOptions weibull{cal::ScoreTransform::identity, cal::TailModel::weibull};
  expect_invalid([&] { cal::fit_pot(x, 0.3, weibull); }, "is not above the median");
  expect_invalid([] { cal::parse_transform("sqrt"); }, "expected 'identity' or 'log'");
  expect_invalid([] { cal::parse_tail_model("gev"); }, "expected 'gpd' or 'weibull'");
}

TEST(Pot, QuantileFormulaAndTailPValues) {
  const auto x = draw("exponential", 20000, 3);
  const auto pot = cal::fit_pot(x, 0.95);
  const double t = pot.initial_threshold;
  const double g = pot.gpd.shape;
  const double s = pot.gpd.scale;
  const double ratio = 1e-4 * static_cast<double>(pot.n) / static_cast<double>(pot.n_peaks);
  // Siffer et al. (2017) eq. (1).
  EXPECT_NEAR(pot.quantile(1e-4), t + s / g * (std::pow(ratio, -g) - 1.0), 1e-10 * t);
  EXPECT_EQ(pot.pvalue(t), 1.0);
  EXPECT_EQ(pot.pvalue(t - 1.0), 1.0);
  EXPECT_NEAR(pot.pvalue(std::nextafter(t, 1e300)), pot.tail_probability(), 1e-9);
  double previous = 1.0;
  for (double score = t + 0.1; score < t + 20.0; score += 0.5) {
    const double p = pot.pvalue(score);
    EXPECT_LT(p, previous);
    previous = p;
  }
  const auto thr = pot.threshold(1e-5);
  EXPECT_EQ(thr.method, "pot");
  EXPECT_EQ(thr.value, pot.quantile(1e-5));
  EXPECT_EQ(thr.parameters.at("q"), 1e-5);
  EXPECT_EQ(cal::pot_threshold(x, 1e-5, 0.95), thr);
  Eigen::VectorXd batch(2);
  batch << t - 1.0, thr.value;
  const auto p = pot.pvalues(batch);
  EXPECT_EQ(p(0), 1.0);
  EXPECT_NEAR(p(1), 1e-5, 1e-14);
}

TEST(Pot, JsonRoundTrip) {
  const auto pot = cal::fit_pot(draw("lognormal", 5000, 9));
  const auto back = cal::Pot::from_json(nlohmann::json::parse(pot.to_json().dump()));
  EXPECT_EQ(back.quantile(1e-5), pot.quantile(1e-5));
  EXPECT_EQ(back.pvalue(30.0), pot.pvalue(30.0));
  EXPECT_EQ(back.n_peaks, pot.n_peaks);
  EXPECT_EQ(back.level, pot.level);
  EXPECT_THROW(cal::Pot::from_json({{"type", "conformal"}}), ecgad::FormatError);
  auto j = pot.to_json();
  j["n_peaks"] = 0;
  EXPECT_THROW(cal::Pot::from_json(j), ecgad::FormatError);
}

TEST(Pot, RejectsBadInput) {
  const auto x = draw("normal", 1000, 1);
  expect_invalid([&] { cal::fit_pot(x, 1.0); }, "level is 1");
  expect_invalid([&] { cal::fit_pot(x, 0.0); }, "in (0, 1)");
  expect_invalid([&] { cal::fit_pot(x.head(200), 0.98); },
                 "4 of 200 scores exceed the initial threshold");
  Eigen::VectorXd bad = x;
  bad(5) = std::numeric_limits<double>::quiet_NaN();
  expect_invalid([&] { cal::fit_pot(bad); }, "scores[5] is nan");
  const auto pot = cal::fit_pot(x, 0.95);
  expect_invalid([&] { pot.quantile(0.06); }, "risk q is 0.059999");
  expect_invalid([&] { pot.quantile(0.0); }, "expected q in (0, N_t/n = 0.05");
  expect_invalid([&] { pot.pvalue(std::numeric_limits<double>::infinity()); }, "score is inf");
}
