// Ranking metrics (metrics/ranking.hpp) against scikit-learn 1.2.1: hand-computed curves and
// areas with ties, the perfect / inverted / all-tied extremes, sklearn's own values on seeded
// random cases with and without heavy ties (tests/golden/ranking.json), invariances (input
// order, monotone transforms, label flip, label and score types) and every rejected input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/metrics/ranking.hpp"
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

// Exact comparison: ecgad divides the same integer counts sklearn divides.
void expect_equal(const VectorXd& actual, const VectorXd& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (Eigen::Index i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual(i), expected(i)) << what << "[" << i << "]";
  }
}

void expect_near(const VectorXd& actual, const VectorXd& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (Eigen::Index i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual(i), expected(i), 1e-15) << what << "[" << i << "]";
  }
}

}  // namespace

TEST(Ranking, SklearnDocstringExample) {
  // Sorted: 0.8(+) 0.4(-) 0.35(+) 0.1(-): tps 1 1 2 2, fps 0 1 1 2, no point dropped.
  const VectorXi y = labels({0, 0, 1, 1});
  const VectorXd s = vec({0.1, 0.4, 0.35, 0.8});
  const auto roc = m::roc_curve(y, s);
  expect_equal(roc.fpr, vec({0.0, 0.0, 0.5, 0.5, 1.0}), "fpr");
  expect_equal(roc.tpr, vec({0.0, 0.5, 0.5, 1.0, 1.0}), "tpr");
  expect_equal(roc.thresholds, vec({1.8, 0.8, 0.4, 0.35, 0.1}), "thresholds");
  EXPECT_DOUBLE_EQ(m::roc_auc(y, s), 0.75);  // 3 of 4 positive-negative pairs ordered
  const auto pr = m::precision_recall_curve(y, s);
  expect_near(pr.precision, vec({0.5, 2.0 / 3.0, 0.5, 1.0, 1.0}), "precision");
  expect_equal(pr.recall, vec({1.0, 1.0, 0.5, 0.5, 0.0}), "recall");
  expect_equal(pr.thresholds, vec({0.1, 0.35, 0.4, 0.8}), "pr thresholds");
  EXPECT_NEAR(m::average_precision(y, s), 0.5 * 1.0 + 0.5 * 2.0 / 3.0, 1e-15);
}

TEST(Ranking, TiesAcrossClassesCountHalf) {
  // Groups (high to low): 0.9 {+,-}, 0.5 {+,+,-}, 0.1 {-}. P = N = 3.
  const VectorXi y = labels({1, 0, 1, 0, 1, 0});
  const VectorXd s = vec({0.9, 0.9, 0.5, 0.5, 0.5, 0.1});
  // Mann-Whitney: + at 0.9 beats 2 negatives and ties 1 (2.5); each + at 0.5 beats 1, ties 1.
  EXPECT_NEAR(m::roc_auc(y, s), (2.5 + 1.5 + 1.5) / 9.0, 1e-15);
  // Steps: recall 1/3 at precision 1/2, then 2/3 more at precision 3/5.
  EXPECT_NEAR(m::average_precision(y, s), (1.0 * 0.5 + 2.0 * 0.6) / 3.0, 1e-15);
  const auto roc = m::roc_curve(y, s);
  expect_near(roc.fpr, vec({0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0}), "fpr");
  expect_near(roc.tpr, vec({0.0, 1.0 / 3.0, 1.0, 1.0}), "tpr");
  expect_equal(roc.thresholds, vec({1.9, 0.9, 0.5, 0.1}), "thresholds");
  const auto pr = m::precision_recall_curve(y, s);
  expect_near(pr.precision, vec({0.5, 0.6, 0.5, 1.0}), "precision");
  expect_near(pr.recall, vec({1.0, 1.0, 1.0 / 3.0, 0.0}), "recall");
  expect_equal(pr.thresholds, vec({0.1, 0.5, 0.9}), "pr thresholds");
}

TEST(Ranking, PerfectScoresDropEqualStepPoints) {
  // tps 1 2 3 3 3 3, fps 0 0 0 1 2 3: the 2nd, 4th and 5th points sit between equal steps
  // (second differences of both counts zero), so only the ends and the corner (0, 1) remain.
  const VectorXi y = labels({1, 1, 1, 0, 0, 0});
  const VectorXd s = vec({6.0, 5.0, 4.0, 3.0, 2.0, 1.0});
  const auto roc = m::roc_curve(y, s);
  expect_near(roc.fpr, vec({0.0, 0.0, 0.0, 1.0}), "fpr");
  expect_near(roc.tpr, vec({0.0, 1.0 / 3.0, 1.0, 1.0}), "tpr");
  expect_equal(roc.thresholds, vec({7.0, 6.0, 4.0, 1.0}), "thresholds");
  EXPECT_EQ(m::roc_auc(y, s), 1.0);
  EXPECT_EQ(m::average_precision(y, s), 1.0);
}

TEST(Ranking, InvertedScores) {
  const VectorXi y = labels({0, 0, 0, 1, 1, 1});
  const VectorXd s = vec({6.0, 5.0, 4.0, 3.0, 2.0, 1.0});
  EXPECT_EQ(m::roc_auc(y, s), 0.0);
  // Positives ranked 4th, 5th, 6th: precision 1/4, 2/5, 3/6 at each recall step of 1/3.
  EXPECT_NEAR(m::average_precision(y, s), (0.25 + 0.4 + 0.5) / 3.0, 1e-15);
}

TEST(Ranking, AllTiedScores) {
  const VectorXi y = labels({1, 0, 0, 1, 0});
  const VectorXd s = VectorXd::Constant(5, 0.3);
  EXPECT_EQ(m::roc_auc(y, s), 0.5);
  EXPECT_DOUBLE_EQ(m::average_precision(y, s), 0.4);  // one step: the positive rate
  const auto roc = m::roc_curve(y, s);
  expect_equal(roc.fpr, vec({0.0, 1.0}), "fpr");
  expect_equal(roc.tpr, vec({0.0, 1.0}), "tpr");
  expect_equal(roc.thresholds, vec({1.3, 0.3}), "thresholds");
  const auto pr = m::precision_recall_curve(y, s);
  expect_equal(pr.precision, vec({0.4, 1.0}), "precision");
  expect_equal(pr.recall, vec({1.0, 0.0}), "recall");
  expect_equal(pr.thresholds, vec({0.3}), "pr thresholds");
}

TEST(Ranking, FirstThresholdIsMaxPlusOneForNegativeScores) {
  const auto roc = m::roc_curve(labels({0, 1}), vec({-5.0, -2.5}));
  expect_equal(roc.thresholds, vec({-1.5, -2.5, -5.0}), "thresholds");
}

TEST(Ranking, MatchesSklearnGolden) {
  const auto& g = golden("ranking.json");
  ASSERT_EQ(g.at("sklearn_version").get<std::string>(), "1.2.1");
  ASSERT_GE(g.at("cases").size(), 40u);
  for (const auto& c : g.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const auto yv = c.at("y_true").get<std::vector<int>>();
    const VectorXi y = Eigen::Map<const VectorXi>(yv.data(), static_cast<Eigen::Index>(yv.size()));
    const VectorXd s = to_vector(c.at("scores"));
    EXPECT_NEAR(m::roc_auc(y, s), c.at("roc_auc").get<double>(), 1e-12);
    EXPECT_NEAR(m::average_precision(y, s), c.at("average_precision").get<double>(), 1e-12);
    const auto roc = m::roc_curve(y, s);
    expect_equal(roc.fpr, to_vector(c.at("roc").at("fpr")), "fpr");
    expect_equal(roc.tpr, to_vector(c.at("roc").at("tpr")), "tpr");
    expect_equal(roc.thresholds, to_vector(c.at("roc").at("thresholds")), "roc thresholds");
    const auto pr = m::precision_recall_curve(y, s);
    expect_equal(pr.precision, to_vector(c.at("pr").at("precision")), "precision");
    expect_equal(pr.recall, to_vector(c.at("pr").at("recall")), "recall");
    expect_equal(pr.thresholds, to_vector(c.at("pr").at("thresholds")), "pr thresholds");
  }
}

TEST(Ranking, InvariantToInputOrderMonotoneTransformAndTypes) {
  std::mt19937_64 gen(7);
  std::uniform_int_distribution<int> level(0, 9);
  std::bernoulli_distribution coin(0.3);
  const Eigen::Index n = 3000;
  VectorXi y(n);
  VectorXd s(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    y(i) = coin(gen) ? 1 : 0;
    s(i) = 0.1 * level(gen) + 0.05 * y(i);  // 20 levels, heavily tied
  }
  const double auc = m::roc_auc(y, s);
  const double ap = m::average_precision(y, s);
  ASSERT_GT(auc, 0.5);
  ASSERT_LT(auc, 1.0);

  // Shuffled input: ties are grouped, so the order inside a tie cannot matter.
  std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), Eigen::Index{0});
  std::shuffle(perm.begin(), perm.end(), gen);
  VectorXi y_perm(n);
  VectorXd s_perm(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    y_perm(i) = y(perm[static_cast<std::size_t>(i)]);
    s_perm(i) = s(perm[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(m::roc_auc(y_perm, s_perm), auc);
  EXPECT_EQ(m::average_precision(y_perm, s_perm), ap);
  const auto roc = m::roc_curve(y, s);
  const auto roc_perm = m::roc_curve(y_perm, s_perm);
  expect_equal(roc_perm.fpr, roc.fpr, "shuffled fpr");
  expect_equal(roc_perm.tpr, roc.tpr, "shuffled tpr");

  // A strictly increasing transform keeps the ranking, hence both metrics.
  const VectorXd s_exp = (3.0 * s).array().exp();
  EXPECT_EQ(m::roc_auc(y, s_exp), auc);
  EXPECT_EQ(m::average_precision(y, s_exp), ap);

  // Swapping the classes mirrors the ROC curve: AUC -> 1 - AUC (exact in counts).
  const VectorXi flipped = (1 - y.array()).matrix();
  EXPECT_NEAR(m::roc_auc(flipped, s), 1.0 - auc, 1e-15);
  EXPECT_NEAR(m::roc_auc(y, (-s).eval()), 1.0 - auc, 1e-15);

  // Labels as bool / uint8 / double, scores as float (exactly representable here: k / 20),
  // Maps and row vectors: same values.
  const Eigen::Matrix<bool, Eigen::Dynamic, 1> y_bool = y.cast<bool>();
  const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, 1> y_u8 = y.cast<std::uint8_t>();
  const VectorXd y_double = y.cast<double>();
  const VectorXd s_grid = (s * 20.0).array().round() / 20.0;
  const Eigen::VectorXf s_float = s_grid.cast<float>();
  const double auc_grid = m::roc_auc(y, s_grid);
  EXPECT_EQ(m::roc_auc(y_bool, s_grid), auc_grid);
  EXPECT_EQ(m::roc_auc(y_u8, s_grid), auc_grid);
  EXPECT_EQ(m::roc_auc(y_double, s_grid), auc_grid);
  EXPECT_EQ(m::roc_auc(y, s_float), auc_grid);
  EXPECT_EQ(m::average_precision(y_bool, s_float), m::average_precision(y, s_grid));
  const Eigen::Map<const Eigen::RowVectorXd> s_row(s.data(), n);
  EXPECT_EQ(m::roc_auc(y.transpose(), s_row), auc);
}

TEST(Ranking, RejectsBadInput) {
  const VectorXi y = labels({0, 1, 1});
  const VectorXd s = vec({0.1, 0.2, 0.3});
  expect_invalid([] { m::roc_auc(VectorXi(0), VectorXd(0)); }, "empty");
  expect_invalid([&] { m::roc_curve(y, vec({0.1, 0.2})); }, "scores has 2 values");
  expect_invalid([&] { m::average_precision(labels({0, 2, 1}), s); }, "y_true[1] is 2");
  expect_invalid([&] { m::roc_auc(labels({0, -1, 1}), s); }, "expected labels 0");
  expect_invalid([&] { m::roc_auc(vec({0.0, 0.5, 1.0}), s); }, "y_true[1] is 0.5");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_invalid([&] { m::roc_auc(y, vec({0.1, nan, 0.3})); }, "scores[1] is nan");
  expect_invalid([&] { m::precision_recall_curve(y, vec({0.1, 0.2, inf})); }, "scores[2] is inf");
  expect_invalid([&] { m::roc_curve(y, vec({-inf, 0.2, 0.3})); }, "expected finite scores");
  expect_invalid([] { m::roc_auc(labels({0, 0, 0}), vec({0.1, 0.2, 0.3})); },
                 "only negatives");
  expect_invalid([] { m::average_precision(labels({1, 1}), vec({0.1, 0.2})); },
                 "only positives");
  expect_invalid([] { m::roc_curve(labels({1}), vec({0.1})); }, "expected both classes");
  // The failing function is named.
  expect_invalid([] { m::precision_recall_curve(VectorXi(0), VectorXd(0)); },
                 "precision_recall_curve:");
}
