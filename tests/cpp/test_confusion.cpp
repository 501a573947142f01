// Threshold metrics (metrics/confusion.hpp) against scikit-learn 1.2.1: hand-computed
// matrices, sklearn's own values on seeded cases including every zero-division corner
// (tests/golden/metrics.json), consistency of the threshold and prediction paths, JSON round
// trip and every rejected input.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/metrics/confusion.hpp"
#include "golden.hpp"

namespace m = ecgad::metrics;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;
using Eigen::VectorXd;
using Eigen::VectorXi;

namespace {

VectorXd vec(std::initializer_list<double> v) {
  return Eigen::Map<const VectorXd>(v.begin(), static_cast<Eigen::Index>(v.size()));
}

VectorXi labels(std::initializer_list<int> v) {
  return Eigen::Map<const VectorXi>(v.begin(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

TEST(Confusion, HandComputedMatrixAndMetrics) {
  // Threshold 0.5: calls 0.9(+) 0.7(-) 0.5(+) positive; 0.4(+) 0.2(-) 0.1(-) 0.3(-) negative.
  const VectorXi y = labels({1, 0, 1, 1, 0, 0, 0});
  const VectorXd s = vec({0.9, 0.7, 0.5, 0.4, 0.2, 0.1, 0.3});
  const m::ConfusionMatrix c = m::confusion_at_threshold(y, s, 0.5);
  EXPECT_EQ(c, (m::ConfusionMatrix{2, 1, 3, 1}));  // tp fp tn fn
  EXPECT_EQ(c.positives(), 3);
  EXPECT_EQ(c.negatives(), 4);
  EXPECT_EQ(c.total(), 7);
  const auto t = m::threshold_metrics(c, 2.0);
  EXPECT_DOUBLE_EQ(t.precision.value, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(t.recall.value, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(t.specificity.value, 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(t.f1.value, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(t.f_beta.value, 2.0 / 3.0);  // P = R gives F_beta = P for every beta
  EXPECT_DOUBLE_EQ(t.accuracy.value, 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(t.balanced_accuracy.value, (2.0 / 3.0 + 0.75) / 2.0);
  EXPECT_DOUBLE_EQ(t.mcc.value, (2.0 * 3.0 - 1.0 * 1.0) / std::sqrt(3.0 * 3.0 * 4.0 * 4.0));
  EXPECT_TRUE(t.undefined().empty());
}

TEST(Confusion, FBetaWeightsRecall) {
  // P = 1/2, R = 1: F2 = 5 PR / (4P + R) = 2.5 / 3, F0.5 = 1.25 PR / (0.25 P + R) = 0.625 / 1.125.
  const m::ConfusionMatrix c{2, 2, 5, 0};
  EXPECT_DOUBLE_EQ(m::f_beta(c, 2.0).value, 2.5 / 3.0);
  EXPECT_DOUBLE_EQ(m::f_beta(c, 0.5).value, 0.625 / 1.125);
  EXPECT_DOUBLE_EQ(m::f_beta(c, 1.0).value, m::f1(c).value);
  expect_invalid([&] { m::f_beta(c, 0.0); }, "beta is 0");
  expect_invalid([&] { m::f_beta(c, -1.0); }, "expected a finite beta > 0");
  expect_invalid([&] { m::f_beta(c, std::numeric_limits<double>::infinity()); }, "beta is inf");
  expect_invalid([&] { m::f_beta(c, std::nan("")); }, "beta is nan");
}

TEST(Confusion, ZeroDivisionIsZeroAndFlagged) {
  // Nothing called positive, no positive present: only accuracy and specificity are defined.
  const auto none = m::threshold_metrics(m::ConfusionMatrix{0, 0, 5, 0});
  EXPECT_EQ(none.precision.value, 0.0);
  EXPECT_FALSE(none.precision.defined);
  EXPECT_FALSE(none.recall.defined);
  EXPECT_FALSE(none.f1.defined);
  EXPECT_FALSE(none.mcc.defined);
  EXPECT_TRUE(none.accuracy.defined);
  EXPECT_EQ(none.accuracy.value, 1.0);
  EXPECT_TRUE(none.specificity.defined);
  // sklearn's balanced accuracy averages only the classes present in y_true.
  EXPECT_EQ(none.balanced_accuracy.value, 1.0);
  EXPECT_FALSE(none.balanced_accuracy.defined);
  EXPECT_EQ(none.undefined(), (std::vector<std::string>{"precision", "recall", "f1", "f_beta",
                                                        "balanced_accuracy", "mcc"}));
  // Misses only: precision undefined (0), recall 0 but defined, F1 0 and defined.
  const auto misses = m::threshold_metrics(m::ConfusionMatrix{0, 0, 5, 3});
  EXPECT_FALSE(misses.precision.defined);
  EXPECT_TRUE(misses.recall.defined);
  EXPECT_EQ(misses.recall.value, 0.0);
  EXPECT_TRUE(misses.f1.defined);
  EXPECT_EQ(misses.f1.value, 0.0);
  EXPECT_FALSE(misses.mcc.defined);  // no predicted positive: an empty column
  EXPECT_EQ(misses.mcc.value, 0.0);
  // Empty matrix: everything undefined.
  EXPECT_EQ(m::threshold_metrics(m::ConfusionMatrix{}).undefined().size(), 8u);
}

TEST(Confusion, PerfectAndInvertedDecisions) {
  const auto perfect = m::threshold_metrics(m::ConfusionMatrix{4, 0, 6, 0});
  EXPECT_EQ(perfect.mcc.value, 1.0);
  EXPECT_EQ(perfect.f1.value, 1.0);
  EXPECT_EQ(perfect.balanced_accuracy.value, 1.0);
  const auto inverted = m::threshold_metrics(m::ConfusionMatrix{0, 6, 0, 4});
  EXPECT_EQ(inverted.mcc.value, -1.0);
  EXPECT_EQ(inverted.accuracy.value, 0.0);
  EXPECT_TRUE(inverted.f1.defined);
  EXPECT_EQ(inverted.f1.value, 0.0);
}

TEST(Confusion, EqualsSklearnOnSeededCases) {
  const auto& g = golden("metrics.json");
  const auto& datasets = g.at("datasets");
  int checked = 0;
  for (const auto& c : g.at("threshold_cases")) {
    const std::string name = c.at("name").get<std::string>();
    const auto& data = datasets.at(c.at("dataset").get<std::size_t>());
    const VectorXd y = to_vector(data.at("y_true"));
    const VectorXd s = to_vector(data.at("scores"));
    const double threshold = c.at("threshold").get<double>();
    const m::ConfusionMatrix cm = m::confusion_at_threshold(y, s, threshold);
    EXPECT_EQ(cm.tp, c.at("tp").get<std::int64_t>()) << name;
    EXPECT_EQ(cm.fp, c.at("fp").get<std::int64_t>()) << name;
    EXPECT_EQ(cm.tn, c.at("tn").get<std::int64_t>()) << name;
    EXPECT_EQ(cm.fn, c.at("fn").get<std::int64_t>()) << name;
    const auto t = m::threshold_metrics(cm, c.at("beta").get<double>());
    // sklearn divides the same counts in another order (MCC through covariances): 1e-12.
    EXPECT_NEAR(t.precision.value, c.at("precision").get<double>(), 1e-12) << name;
    EXPECT_NEAR(t.recall.value, c.at("recall").get<double>(), 1e-12) << name;
    EXPECT_NEAR(t.specificity.value, c.at("specificity").get<double>(), 1e-12) << name;
    EXPECT_NEAR(t.f1.value, c.at("f1").get<double>(), 1e-12) << name;
    EXPECT_NEAR(t.f_beta.value, c.at("f_beta").get<double>(), 1e-12) << name;
    EXPECT_NEAR(t.accuracy.value, c.at("accuracy").get<double>(), 1e-12) << name;
    EXPECT_NEAR(t.balanced_accuracy.value, c.at("balanced_accuracy").get<double>(), 1e-12)
        << name;
    EXPECT_NEAR(t.mcc.value, c.at("mcc").get<double>(), 1e-12) << name;
    // The prediction path agrees with the threshold path.
    Eigen::VectorXi pred(y.size());
    for (Eigen::Index i = 0; i < y.size(); ++i) pred(i) = s(i) >= threshold ? 1 : 0;
    EXPECT_EQ(m::confusion_from_predictions(y, pred), cm) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 192);
}

TEST(Confusion, LabelAndScoreTypes) {
  Eigen::Matrix<bool, Eigen::Dynamic, 1> yb(4);
  yb << true, false, true, false;
  Eigen::VectorXf sf(4);
  sf << 0.9f, 0.8f, 0.1f, 0.0f;
  const auto c = m::confusion_at_threshold(yb, sf, 0.5);
  EXPECT_EQ(c, (m::ConfusionMatrix{1, 1, 1, 1}));
  Eigen::Matrix<std::uint8_t, Eigen::Dynamic, 1> pred(4);
  pred << 1, 1, 0, 0;
  EXPECT_EQ(m::confusion_from_predictions(yb, pred), c);
  // The boundary is inclusive: a score equal to the threshold is called anomalous.
  EXPECT_EQ(m::confusion_at_threshold(labels({1}), vec({0.5}), 0.5), (m::ConfusionMatrix{1, 0, 0, 0}));
}

TEST(Confusion, JsonRoundTrip) {
  const m::ConfusionMatrix c{7, 3, 80, 2};
  const nlohmann::json j = c;
  EXPECT_EQ(j.dump(), R"({"fn":2,"fp":3,"tn":80,"tp":7})");
  EXPECT_EQ(j.get<m::ConfusionMatrix>(), c);
  const auto t = m::threshold_metrics(c, 0.5);
  const nlohmann::json jt = nlohmann::json::parse(nlohmann::json(t).dump());
  const auto back = jt.get<m::ThresholdMetrics>();
  EXPECT_EQ(back.counts, c);
  EXPECT_EQ(back.beta, 0.5);
  EXPECT_EQ(back.f_beta.value, t.f_beta.value);
  EXPECT_EQ(back.mcc.value, t.mcc.value);
  EXPECT_EQ(jt.at("undefined").size(), 0u);
  EXPECT_EQ(nlohmann::json(m::threshold_metrics(m::ConfusionMatrix{0, 0, 4, 0})).at("undefined").size(), 6u);
  expect_invalid([] { nlohmann::json{{"tp", 1}, {"fp", 2}, {"tn", 3}}.get<m::ConfusionMatrix>(); },
                 "'fn' is missing");
  expect_invalid([] { nlohmann::json{{"tp", -1}, {"fp", 2}, {"tn", 3}, {"fn", 0}}.get<m::ConfusionMatrix>(); },
                 "tp is -1");
  expect_invalid([] { nlohmann::json{{"counts", {{"tp", 1}}}}.get<m::ThresholdMetrics>(); },
                 "'beta'");
}

TEST(Confusion, RejectsBadInput) {
  const VectorXi y = labels({0, 1, 1});
  const VectorXd s = vec({0.1, 0.2, 0.3});
  expect_invalid([] { m::confusion_at_threshold(VectorXi(0), VectorXd(0), 0.5); }, "y_true is empty");
  expect_invalid([&] { m::confusion_at_threshold(y, vec({0.1, 0.2}), 0.5); },
                 "y_true has 3 labels but scores has 2 values");
  expect_invalid([&] { m::confusion_at_threshold(labels({0, 2, 1}), s, 0.5); },
                 "y_true[1] is 2; expected labels 0 (negative) or 1 (positive)");
  expect_invalid([&] { m::confusion_at_threshold(vec({0, 0.5, 1}), s, 0.5); }, "y_true[1] is 0.5");
  expect_invalid([&] { m::confusion_at_threshold(y, vec({0.1, std::nan(""), 0.3}), 0.5); },
                 "scores[1] is nan; expected finite scores");
  expect_invalid([&] { m::confusion_at_threshold(y, vec({0.1, 0.2, -INFINITY}), 0.5); },
                 "scores[2] is -inf");
  expect_invalid([&] { m::confusion_at_threshold(y, s, std::nan("")); },
                 "threshold is nan; expected a finite score threshold");
  expect_invalid([&] { m::confusion_from_predictions(y, labels({0, 1})); },
                 "y_pred has 2 values");
  expect_invalid([&] { m::confusion_from_predictions(y, labels({0, -1, 1})); },
                 "y_pred[1] is -1");
}
