// Percentile bootstrap intervals (metrics/bootstrap.hpp): reproducibility per seed, stratified
// resamples keeping class counts, numpy.percentile's interpolation, the interval of a
// proportion against its binomial width, coverage of the AUC interval on a population with a
// known AUC, skipping of one-class resamples, named metrics, JSON round trip, bad input.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/metrics/bootstrap.hpp"
#include "golden.hpp"

namespace m = ecgad::metrics;
using ecgad::test::expect_invalid;
using Eigen::VectorXd;

namespace {

struct Data {
  VectorXd y;
  VectorXd s;
};

/// Binormal scores: negatives N(0, 1), positives N(shift, 1); AUC = Phi(shift / sqrt(2)).
Data binormal(std::uint64_t seed, Eigen::Index n_pos, Eigen::Index n_neg, double shift) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Data d{VectorXd(n_pos + n_neg), VectorXd(n_pos + n_neg)};
  for (Eigen::Index i = 0; i < d.y.size(); ++i) {
    d.y(i) = i < n_pos ? 1.0 : 0.0;
    d.s(i) = normal(rng) + (i < n_pos ? shift : 0.0);
  }
  return d;
}

double positives_in(const VectorXd& y, const VectorXd&) { return y.sum(); }

}  // namespace

TEST(Bootstrap, SameSeedSameIntervalOtherSeedOther) {
  const Data d = binormal(1, 40, 160, 1.0);
  m::BootstrapOptions o;
  o.n_resamples = 300;
  o.seed = 42;
  const auto a = m::bootstrap_ci(d.y, d.s, m::named_metric("roc_auc"), o);
  const auto b = m::bootstrap_ci(d.y, d.s, m::named_metric("roc_auc"), o);
  EXPECT_EQ(a.distribution, b.distribution);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  o.seed = 43;
  const auto c = m::bootstrap_ci(d.y, d.s, m::named_metric("roc_auc"), o);
  EXPECT_NE(a.distribution, c.distribution);
  EXPECT_EQ(a.estimate, m::roc_auc(d.y, d.s));
  EXPECT_LT(a.low, a.estimate);
  EXPECT_GT(a.high, a.estimate);
  EXPECT_EQ(a.n_resamples, 300);
  EXPECT_EQ(a.n_skipped, 0);
  EXPECT_EQ(a.distribution.size(), 300);
}

TEST(Bootstrap, StratifiedKeepsClassCountsUnstratifiedDoesNot) {
  const Data d = binormal(2, 30, 70, 1.0);
  m::BootstrapOptions o;
  o.n_resamples = 200;
  const auto strat = m::bootstrap_ci(d.y, d.s, positives_in, o);
  EXPECT_EQ(strat.distribution.minCoeff(), 30.0);
  EXPECT_EQ(strat.distribution.maxCoeff(), 30.0);
  o.stratified = false;
  const auto free = m::bootstrap_ci(d.y, d.s, positives_in, o);
  EXPECT_LT(free.distribution.minCoeff(), 30.0);
  EXPECT_GT(free.distribution.maxCoeff(), 30.0);
  // Binomial(100, 0.3): mean 30, sd sqrt(21) = 4.58; 200 draws put the mean within +-1.5.
  EXPECT_NEAR(free.distribution.mean(), 30.0, 1.5);
}

TEST(Bootstrap, PercentileInterpolatesLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4], [2.5, 25, 97.5]) = [1.075, 1.75, 3.925]
  const std::vector<double> v{1.0, 2.0, 3.0, 4.0};
  EXPECT_DOUBLE_EQ(m::detail::sorted_percentile(v, 2.5), 1.075);
  EXPECT_DOUBLE_EQ(m::detail::sorted_percentile(v, 25.0), 1.75);
  EXPECT_DOUBLE_EQ(m::detail::sorted_percentile(v, 97.5), 3.925);
  EXPECT_DOUBLE_EQ(m::detail::sorted_percentile({5.0}, 2.5), 5.0);
  // The reported bounds are those percentiles of the kept resample values.
  const Data d = binormal(3, 20, 20, 0.5);
  m::BootstrapOptions o;
  o.n_resamples = 101;
  o.confidence_level = 0.9;
  const auto r = m::bootstrap_ci(d.y, d.s, m::named_metric("average_precision"), o);
  std::vector<double> sorted(r.distribution.data(), r.distribution.data() + r.distribution.size());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(r.low, sorted[5]);  // position 0.05 * 100 = 5 exactly
  EXPECT_EQ(r.high, sorted[95]);
}

TEST(Bootstrap, ProportionIntervalHasBinomialWidth) {
  // Accuracy is a mean of n independent 0/1 outcomes: its unstratified bootstrap interval is
  // p +- 1.96 sqrt(p (1 - p) / n) to within Monte Carlo error (normal approximation, n = 2000).
  const Data d = binormal(4, 1000, 1000, 1.0);
  m::BootstrapOptions o;
  o.n_resamples = 2000;
  o.stratified = false;
  o.seed = 7;
  const auto r = m::bootstrap_ci(d.y, d.s, m::named_metric("accuracy", 0.5), o);
  const double p = r.estimate;
  const double half_width = 1.959963984540054 * std::sqrt(p * (1.0 - p) / 2000.0);
  EXPECT_NEAR(r.high - r.low, 2.0 * half_width, 0.1 * 2.0 * half_width);
  EXPECT_NEAR((r.high + r.low) / 2.0, p, 0.15 * half_width);
}

TEST(Bootstrap, AucIntervalCoversThePopulationAuc) {
  // 90% intervals over 100 independent samples of 60 + 60 binormal scores, shift 1:
  // AUC = Phi(1 / sqrt 2) = 0.76025. Binomial(100, 0.9) lies in [82, 96] with prob > 0.99;
  // the percentile bootstrap under-covers slightly at this size, hence the lower bound 80.
  const double true_auc = 0.5 * std::erfc(-1.0 / std::sqrt(2.0) / std::sqrt(2.0));
  m::BootstrapOptions o;
  o.n_resamples = 400;
  o.confidence_level = 0.9;
  int covered = 0;
  for (std::uint64_t trial = 0; trial < 100; ++trial) {
    const Data d = binormal(1000 + trial, 60, 60, 1.0);
    o.seed = trial;
    const auto r = m::bootstrap_ci(d.y, d.s, m::named_metric("roc_auc"), o);
    covered += (r.low <= true_auc && true_auc <= r.high) ? 1 : 0;
  }
  EXPECT_GE(covered, 80);
  EXPECT_LE(covered, 97);
}

TEST(Bootstrap, UnstratifiedSkipsOneClassResamples) {
  // One positive in 4: a resample misses it with probability (3/4)^4 = 0.32.
  const VectorXd y = (VectorXd(4) << 1, 0, 0, 0).finished();
  const VectorXd s = (VectorXd(4) << 0.9, 0.1, 0.5, 0.3).finished();
  m::BootstrapOptions o;
  o.n_resamples = 1000;
  o.stratified = false;
  const auto r = m::bootstrap_ci(y, s, m::named_metric("roc_auc"), o);
  EXPECT_EQ(r.n_skipped + r.distribution.size(), 1000);
  EXPECT_NEAR(static_cast<double>(r.n_skipped) / 1000.0, 0.316, 0.05);
  EXPECT_EQ(r.estimate, 1.0);
  EXPECT_EQ(r.low, 1.0);  // every defined resample ranks the positive first
  // Undefined threshold metrics are skipped too, not averaged in as sklearn's 0.
  // At 0.4 the scores 0.9 and 0.5 are called positive: precision is undefined on resamples
  // holding neither, probability (2/4)^4 = 0.0625.
  const auto p = m::bootstrap_ci(y, s, m::named_metric("precision", 0.4), o);
  EXPECT_EQ(p.estimate, 0.5);
  EXPECT_NEAR(static_cast<double>(p.n_skipped) / 1000.0, 0.0625, 0.025);
  EXPECT_EQ(p.n_skipped + p.distribution.size(), 1000);
}

TEST(Bootstrap, NamedMetricsEqualDirectCalls) {
  const Data d = binormal(5, 25, 75, 1.0);
  const auto c = m::confusion_at_threshold(d.y, d.s, 0.7);
  const auto t = m::threshold_metrics(c, 2.0);
  EXPECT_EQ(m::named_metric("roc_auc")(d.y, d.s), m::roc_auc(d.y, d.s));
  EXPECT_EQ(m::named_metric("average_precision")(d.y, d.s), m::average_precision(d.y, d.s));
  EXPECT_EQ(m::named_metric("precision", 0.7)(d.y, d.s), t.precision.value);
  EXPECT_EQ(m::named_metric("recall", 0.7)(d.y, d.s), t.recall.value);
  EXPECT_EQ(m::named_metric("specificity", 0.7)(d.y, d.s), t.specificity.value);
  EXPECT_EQ(m::named_metric("f1", 0.7)(d.y, d.s), t.f1.value);
  EXPECT_EQ(m::named_metric("f_beta", 0.7, 2.0)(d.y, d.s), t.f_beta.value);
  EXPECT_EQ(m::named_metric("accuracy", 0.7)(d.y, d.s), t.accuracy.value);
  EXPECT_EQ(m::named_metric("balanced_accuracy", 0.7)(d.y, d.s), t.balanced_accuracy.value);
  EXPECT_EQ(m::named_metric("mcc", 0.7)(d.y, d.s), t.mcc.value);
  // Undefined is NaN here (precision with nothing called positive).
  EXPECT_TRUE(std::isnan(m::named_metric("precision", 100.0)(d.y, d.s)));
  expect_invalid([] { m::named_metric("auc"); }, "metric 'auc' is unknown");
  expect_invalid([] { m::named_metric("f1", std::nan("")); }, "threshold is nan");
  expect_invalid([] { m::named_metric("f_beta", 0.5, -2.0); }, "beta is -2");
}

TEST(Bootstrap, JsonRoundTrip) {
  m::BootstrapOptions o;
  o.n_resamples = 123;
  o.confidence_level = 0.8;
  o.seed = 18446744073709551615ull;
  o.stratified = false;
  const auto back = nlohmann::json::parse(nlohmann::json(o).dump()).get<m::BootstrapOptions>();
  EXPECT_EQ(back.n_resamples, 123);
  EXPECT_EQ(back.confidence_level, 0.8);
  EXPECT_EQ(back.seed, o.seed);
  EXPECT_FALSE(back.stratified);
  const Data d = binormal(6, 10, 30, 1.0);
  m::BootstrapOptions small;
  small.n_resamples = 50;
  const auto r = m::bootstrap_ci(d.y, d.s, m::named_metric("roc_auc"), small);
  const auto rb = nlohmann::json::parse(nlohmann::json(r).dump()).get<m::BootstrapResult>();
  EXPECT_EQ(rb.estimate, r.estimate);
  EXPECT_EQ(rb.low, r.low);
  EXPECT_EQ(rb.high, r.high);
  EXPECT_EQ(rb.n_resamples, 50);
  EXPECT_EQ(rb.n_skipped, 0);
  expect_invalid([] { nlohmann::json{{"n_resamples", 3}}.get<m::BootstrapOptions>(); },
                 "BootstrapOptions JSON");
  expect_invalid([] { nlohmann::json::object().get<m::BootstrapResult>(); }, "BootstrapResult JSON");
}

TEST(Bootstrap, RejectsBadInput) {
  const Data d = binormal(7, 5, 5, 1.0);
  const auto auc = m::named_metric("roc_auc");
  m::BootstrapOptions o;
  expect_invalid([&] { m::bootstrap_ci(VectorXd(0), VectorXd(0), auc, o); }, "y_true is empty");
  expect_invalid([&] { m::bootstrap_ci(d.y, d.s.head(9), auc, o); },
                 "y_true has 10 labels but scores has 9 values");
  VectorXd bad_y = d.y;
  bad_y(3) = 2.0;
  expect_invalid([&] { m::bootstrap_ci(bad_y, d.s, auc, o); }, "y_true[3] is 2");
  VectorXd bad_s = d.s;
  bad_s(4) = std::nan("");
  expect_invalid([&] { m::bootstrap_ci(d.y, bad_s, auc, o); }, "scores[4] is nan");
  o.n_resamples = 0;
  expect_invalid([&] { m::bootstrap_ci(d.y, d.s, auc, o); }, "n_resamples is 0; expected at least 1");
  o.n_resamples = 10;
  for (double level : {0.0, 1.0, 1.5, std::nan("")}) {
    o.confidence_level = level;
    expect_invalid([&] { m::bootstrap_ci(d.y, d.s, auc, o); }, "expected a value in (0, 1)");
  }
  o.confidence_level = 0.95;
  expect_invalid([&] { m::bootstrap_ci(d.y, d.s, m::MetricFunction{}, o); }, "metric is empty");
  const VectorXd only_neg = VectorXd::Zero(10);
  expect_invalid([&] { m::bootstrap_ci(only_neg, d.s, auc, o); },
                 "stratified resampling needs both classes but y_true holds only negatives");
  o.stratified = false;
  // The metric's own error on the full input comes through unchanged.
  expect_invalid([&] { m::bootstrap_ci(only_neg, d.s, auc, o); }, "roc_auc: y_true holds only");
  expect_invalid([&] { m::bootstrap_ci(only_neg, d.s, m::named_metric("precision", 100.0), o); },
                 "the metric is NaN on the full input");
}
