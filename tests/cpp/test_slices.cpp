// Slice analysis (metrics/slices.hpp): per-(tag, value) rows equal to scikit-learn on the
// subsets (tests/golden/metrics.json), NaN ranking metrics with a reason for one-class slices,
// counts that add up, the per-sample-map form, JSON round trip and every rejected input.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/metrics/slices.hpp"
#include "golden.hpp"

namespace m = ecgad::metrics;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using ecgad::test::to_vector;
using Eigen::VectorXd;

namespace {

struct GoldenSlices {
  VectorXd y;
  VectorXd s;
  std::vector<m::TagColumn> tags;
  m::SliceOptions options;
};

GoldenSlices golden_slices() {
  const auto& g = golden("metrics.json").at("slices");
  GoldenSlices out{to_vector(g.at("y_true")), to_vector(g.at("scores")), {}, {}};
  // The golden script groups by record, then noise.
  for (const char* name : {"record", "noise"}) {
    out.tags.push_back({name, g.at("tags").at(name).get<std::vector<std::string>>()});
  }
  out.options.threshold_score = g.at("threshold").get<double>();
  out.options.beta = g.at("beta").get<double>();
  return out;
}

}  // namespace

TEST(Slices, EqualsSklearnPerSlice) {
  const GoldenSlices d = golden_slices();
  const auto rows = m::slice_metrics(d.y, d.s, d.tags, d.options);
  const auto& expected = golden("metrics.json").at("slices").at("rows");
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& e = expected.at(k);
    const auto& r = rows[k];
    const std::string where = e.at("tag").get<std::string>() + "=" + e.at("value").get<std::string>();
    EXPECT_EQ(r.tag, e.at("tag").get<std::string>()) << where;
    EXPECT_EQ(r.value, e.at("value").get<std::string>()) << where;
    EXPECT_EQ(r.count, e.at("count").get<std::int64_t>()) << where;
    EXPECT_EQ(r.positives, e.at("positives").get<std::int64_t>()) << where;
    EXPECT_EQ(r.negatives, e.at("negatives").get<std::int64_t>()) << where;
    if (e.at("roc_auc").is_null()) {
      EXPECT_TRUE(std::isnan(r.roc_auc)) << where;
      EXPECT_TRUE(std::isnan(r.average_precision)) << where;
      EXPECT_NE(r.ranking_undefined_reason.find("only negatives (0) in this slice"),
                std::string::npos)
          << where << ": " << r.ranking_undefined_reason;
    } else {
      EXPECT_NEAR(r.roc_auc, e.at("roc_auc").get<double>(), 1e-12) << where;
      EXPECT_NEAR(r.average_precision, e.at("average_precision").get<double>(), 1e-12) << where;
      EXPECT_TRUE(r.ranking_undefined_reason.empty()) << where;
    }
    const auto& t = r.at_threshold;
    EXPECT_EQ(t.counts.tp, e.at("tp").get<std::int64_t>()) << where;
    EXPECT_EQ(t.counts.fp, e.at("fp").get<std::int64_t>()) << where;
    EXPECT_EQ(t.counts.tn, e.at("tn").get<std::int64_t>()) << where;
    EXPECT_EQ(t.counts.fn, e.at("fn").get<std::int64_t>()) << where;
    EXPECT_NEAR(t.precision.value, e.at("precision").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.recall.value, e.at("recall").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.specificity.value, e.at("specificity").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.f1.value, e.at("f1").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.f_beta.value, e.at("f_beta").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.accuracy.value, e.at("accuracy").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.balanced_accuracy.value, e.at("balanced_accuracy").get<double>(), 1e-12) << where;
    EXPECT_NEAR(t.mcc.value, e.at("mcc").get<double>(), 1e-12) << where;
  }
}

TEST(Slices, RowsOfOneTagPartitionTheOverallRow) {
  const GoldenSlices d = golden_slices();
  const auto rows = m::slice_metrics(d.y, d.s, d.tags, d.options);
  ASSERT_EQ(rows.front().tag, "");
  for (const char* tag : {"record", "noise"}) {
    m::ConfusionMatrix sum;
    std::int64_t count = 0;
    for (const auto& r : rows) {
      if (r.tag != tag) continue;
      count += r.count;
      sum.tp += r.at_threshold.counts.tp;
      sum.fp += r.at_threshold.counts.fp;
      sum.tn += r.at_threshold.counts.tn;
      sum.fn += r.at_threshold.counts.fn;
    }
    EXPECT_EQ(count, rows.front().count) << tag;
    EXPECT_EQ(sum, rows.front().at_threshold.counts) << tag;
  }
  m::SliceOptions no_overall = d.options;
  no_overall.include_overall = false;
  const auto without = m::slice_metrics(d.y, d.s, d.tags, no_overall);
  ASSERT_EQ(without.size(), rows.size() - 1);
  EXPECT_EQ(without.front().tag, "record");
  EXPECT_EQ(without.front().value, "100");
}

TEST(Slices, PerSampleMapsMatchColumnsAndSkipMissingTags) {
  const VectorXd y = (VectorXd(6) << 1, 0, 1, 0, 0, 1).finished();
  const VectorXd s = (VectorXd(6) << 0.9, 0.2, 0.4, 0.6, 0.1, 0.8).finished();
  const std::vector<std::map<std::string, std::string>> maps = {
      {{"aami", "V"}, {"record", "100"}}, {{"aami", "N"}, {"record", "100"}},
      {{"aami", "V"}},                    {{"aami", "N"}, {"record", "101"}},
      {{"aami", "N"}, {"record", "101"}}, {{"aami", "S"}, {"record", "101"}}};
  m::SliceOptions o;
  o.threshold_score = 0.5;
  const auto rows = m::slice_metrics(y, s, maps, o);
  // overall, aami N/S/V, record 100/101 (sample 2 has no record tag).
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].count, 6);
  EXPECT_EQ(rows[1].tag, "aami");
  EXPECT_EQ(rows[1].value, "N");
  EXPECT_EQ(rows[1].count, 3);
  EXPECT_EQ(rows[1].positives, 0);
  EXPECT_TRUE(std::isnan(rows[1].roc_auc));
  EXPECT_EQ(rows[1].at_threshold.counts, (m::ConfusionMatrix{0, 1, 2, 0}));
  EXPECT_EQ(rows[3].value, "V");
  EXPECT_NE(rows[3].ranking_undefined_reason.find("only positives (1)"), std::string::npos);
  EXPECT_EQ(rows[4].tag, "record");
  EXPECT_EQ(rows[4].value, "100");
  EXPECT_EQ(rows[4].count, 2);
  EXPECT_EQ(rows[4].roc_auc, 1.0);
  EXPECT_EQ(rows[5].count, 3);
  EXPECT_EQ(rows[4].count + rows[5].count, 5);
  // Columnar input with the same record values for the 5 tagged samples agrees.
  const VectorXd y5 = (VectorXd(5) << 1, 0, 0, 0, 1).finished();
  const VectorXd s5 = (VectorXd(5) << 0.9, 0.2, 0.6, 0.1, 0.8).finished();
  o.include_overall = false;
  const auto col = m::slice_metrics(y5, s5, {{"record", {"100", "100", "101", "101", "101"}}}, o);
  ASSERT_EQ(col.size(), 2u);
  EXPECT_EQ(col[1].at_threshold.counts, rows[5].at_threshold.counts);
  EXPECT_EQ(col[1].roc_auc, rows[5].roc_auc);
}

TEST(Slices, JsonRoundTripWritesNullForUndefined) {
  const GoldenSlices d = golden_slices();
  const auto rows = m::slice_metrics(d.y, d.s, d.tags, d.options);
  const nlohmann::json j = nlohmann::json::parse(nlohmann::json(rows).dump());
  const auto back = j.get<std::vector<m::SliceRow>>();
  ASSERT_EQ(back.size(), rows.size());
  int undefined_rows = 0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    EXPECT_EQ(back[k].tag, rows[k].tag);
    EXPECT_EQ(back[k].value, rows[k].value);
    EXPECT_EQ(back[k].count, rows[k].count);
    EXPECT_EQ(back[k].at_threshold.counts, rows[k].at_threshold.counts);
    EXPECT_EQ(back[k].at_threshold.mcc.value, rows[k].at_threshold.mcc.value);
    EXPECT_EQ(back[k].ranking_undefined_reason, rows[k].ranking_undefined_reason);
    if (std::isnan(rows[k].roc_auc)) {
      ++undefined_rows;
      EXPECT_TRUE(j.at(k).at("roc_auc").is_null());
      EXPECT_TRUE(std::isnan(back[k].roc_auc));
    } else {
      EXPECT_EQ(back[k].roc_auc, rows[k].roc_auc);
      EXPECT_EQ(back[k].average_precision, rows[k].average_precision);
    }
  }
  EXPECT_EQ(undefined_rows, 1);  // record 105 has no anomaly
  nlohmann::json bad = j.at(0);
  bad["count"] = 1;
  expect_invalid([&] { bad.get<m::SliceRow>(); }, "disagree");
  expect_invalid([] { nlohmann::json::object().get<m::SliceRow>(); }, "SliceRow JSON");
}

TEST(Slices, RejectsBadInput) {
  const VectorXd y = (VectorXd(3) << 0, 1, 1).finished();
  const VectorXd s = (VectorXd(3) << 0.1, 0.2, 0.3).finished();
  const std::vector<m::TagColumn> ok = {{"record", {"a", "b", "a"}}};
  m::SliceOptions o;
  expect_invalid([&] { m::slice_metrics(VectorXd(0), VectorXd(0), ok, o); }, "y_true is empty");
  expect_invalid([&] { m::slice_metrics(y, s, {{"record", {"a", "b"}}}, o); },
                 "tag 'record' has 2 values but y_true has 3");
  expect_invalid([&] { m::slice_metrics(y, s, {{"", {"a", "b", "c"}}}, o); }, "a tag name is empty");
  expect_invalid([&] { m::slice_metrics(y, s, {ok[0], ok[0]}, o); }, "tag 'record' is given twice");
  expect_invalid([&] { m::slice_metrics((VectorXd(3) << 0, 3, 1).finished(), s, ok, o); },
                 "y_true[1] is 3");
  expect_invalid([&] { m::slice_metrics(y, (VectorXd(3) << 0, INFINITY, 1).finished(), ok, o); },
                 "scores[1] is inf");
  o.threshold_score = std::nan("");
  expect_invalid([&] { m::slice_metrics(y, s, ok, o); }, "threshold is nan");
  o.threshold_score = 0.0;
  o.beta = 0.0;
  expect_invalid([&] { m::slice_metrics(y, s, ok, o); }, "beta is 0");
  o.beta = 1.0;
  const std::vector<std::map<std::string, std::string>> two_maps(2);
  expect_invalid([&] { m::slice_metrics(y, s, two_maps, o); }, "2 tag maps for 3 samples");
}
