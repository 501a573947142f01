// The HTML report: a full seeded fixture renders every section with its anchor and title,
// missing sections say so, document strings are escaped, non-finite data never reaches SVG
// coordinates, bad shapes name the key, the file is written atomically, the page references
// nothing on the network, and the plot primitives (nice ticks, min/max downsampling, histogram
// counts, beat shading) give known outputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/report/report.hpp"
#include "ecgad/report/svg.hpp"
#include "golden.hpp"
#include "random.hpp"

namespace rep = ecgad::report;
using ecgad::test::expect_invalid;
using nlohmann::json;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const char* const kIds[] = {"summary", "training", "scores",  "roc-pr", "confusion",
                            "slices",  "examples", "drift",   "shadow", "config"};
const char* const kTitles[] = {"Summary",
                               "Training",
                               "Score distribution",
                               "ROC and precision-recall curves",
                               "Confusion matrix and metrics",
                               "Results by slice",
                               "Example beats",
                               "Drift timeline",
                               "Shadow comparison",
                               "Run configuration"};

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::vector<std::string> svg_blocks(const std::string& html) {
  std::vector<std::string> blocks;
  std::size_t at = 0;
  while ((at = html.find("<svg class=\"plot\"", at)) != std::string::npos) {
    // Nested <svg> (clip boxes) close before the outer one: count depth.
    std::size_t depth = 0, pos = at;
    while (true) {
      const auto open = html.find("<svg", pos);
      const auto close = html.find("</svg>", pos);
      if (open != std::string::npos && open < close) {
        ++depth;
        pos = open + 4;
      } else {
        --depth;
        pos = close + 6;
        if (depth == 0) break;
      }
    }
    blocks.push_back(html.substr(at, pos - at));
    at = pos;
  }
  return blocks;
}

// A synthetic beat: P, QRS, T as Gaussians over 0.7 s at fs.
std::vector<double> template_beat(double fs, double qrs_gain) {
  const auto n = static_cast<std::size_t>(0.7 * fs);
  std::vector<double> beat(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs - 0.25;
    beat[i] = 0.15 * std::exp(-0.5 * std::pow((t + 0.18) / 0.025, 2)) +
              qrs_gain * std::exp(-0.5 * std::pow(t / 0.012, 2)) -
              0.2 * std::exp(-0.5 * std::pow((t - 0.03) / 0.01, 2)) +
              0.3 * std::exp(-0.5 * std::pow((t - 0.25) / 0.04, 2));
  }
  return beat;
}

json fixture() {
  ecgad::test::Normal rng(20261127);
  json doc;
  doc["title"] = "ecgad demo report";
  doc["subtitle"] = "dense autoencoder on synthetic ECG";
  doc["generated_at"] = "2026-11-27T08:00:00Z";
  doc["facts"] = json::array({json::array({"model", "dense v2 (production)"}),
                              json::array({"ROC-AUC", 0.97}), json::array({"beats", 4800})});
  json history;
  std::vector<double> epoch, train, val, lr;
  for (int e = 1; e <= 25; ++e) {
    epoch.push_back(e);
    train.push_back(0.2 * std::exp(-0.15 * e) + 0.01);
    val.push_back(0.22 * std::exp(-0.13 * e) + 0.012 + 0.0004 * std::max(0, e - 17));
    lr.push_back(1e-3 * std::pow(0.9, e));
  }
  history["epoch"] = epoch;
  history["train_loss"] = train;
  history["val_loss"] = val;
  history["lr"] = lr;
  doc["training"] = {
      {"run_uid", "ab12cd34"}, {"architecture", "dense"}, {"n_train_beats", 4000},
      {"n_validation_beats", 800}, {"history", history}, {"best_epoch", 17},
      {"data", json::array({{{"record", "synth-001"}, {"role", "train"}, {"n_beats", 410}, {"reason", ""}},
                            {{"record", "synth-002"}, {"role", "calibration"}, {"n_beats", 390}, {"reason", ""}},
                            {{"record", "synth-003"}, {"role", "evaluation"}, {"n_beats", 405}, {"reason", ""}},
                            {{"record", "synth-004"}, {"role", "rejected"}, {"n_beats", 0}, {"reason", "flat line 40%"}}})},
      {"gate", {{"blessed", true}, {"reason", "all checks passed"},
                {"checks", json::array({{{"name", "roc_auc"}, {"value", 0.97}, {"floor", 0.9}, {"passed", true}},
                                        {{"name", "roc_auc vs production"}, {"value", 0.97}, {"baseline", 0.95}, {"passed", true}},
                                        {{"name", "false alarms per hour"}, {"value", 1.2}, {"ceiling", 1.0}, {"passed", false}}})}}}};
  std::vector<double> normal, abnormal;
  for (int i = 0; i < 3000; ++i) normal.push_back(std::exp(-3.0 + 0.4 * rng()));
  for (int i = 0; i < 300; ++i) abnormal.push_back(std::exp(-1.5 + 0.6 * rng()));
  std::vector<double> fpr, tpr, recall, precision;
  for (int k = 0; k <= 100; ++k) {
    const double f = k / 100.0;
    fpr.push_back(f);
    tpr.push_back(1.0 - std::pow(1.0 - f, 12.0));
    recall.push_back(f);
    precision.push_back(0.1 + 0.9 * (1.0 - std::pow(f, 6.0)));
  }
  json examples = json::array();
  for (int i = 0; i < 3; ++i) {
    const auto beat = template_beat(360.0, i == 1 ? 1.6 : 1.0);
    const auto recon = template_beat(360.0, 1.0);
    std::vector<double> noisy(beat.size()), error(beat.size());
    double mean = 0.0;
    for (std::size_t k = 0; k < beat.size(); ++k) {
      noisy[k] = beat[k] + 0.01 * rng();
      error[k] = (noisy[k] - recon[k]) * (noisy[k] - recon[k]);
      mean += error[k] / static_cast<double>(beat.size());
    }
    examples.push_back({{"title", i == 1 ? "PVC at 123.4 s (synth-003)" : "normal beat"},
                        {"label", i == 1 ? "PVC" : "N"}, {"score", mean}, {"threshold", 0.004},
                        {"decision", mean > 0.004 ? "anomalous" : "normal"}, {"fs_hz", 360},
                        {"beat", noisy}, {"reconstruction", recon}, {"error", error}});
  }
  doc["evaluation"] = {
      {"threshold", 0.123}, {"threshold_method", "conformal alpha=0.01"},
      {"scores", {{"normal", normal}, {"abnormal", abnormal}}},
      {"roc", {{"fpr", fpr}, {"tpr", tpr}, {"auc", 0.97}}},
      {"pr", {{"recall", recall}, {"precision", precision}, {"ap", 0.8}, {"prevalence", 0.1}}},
      {"confusion", {{"tp", 270}, {"fp", 30}, {"tn", 2970}, {"fn", 30}}},
      {"metrics", {{"sensitivity", 0.9}, {"specificity", 0.99}, {"precision", 0.9}, {"f1", 0.9}}},
      {"slices", json::array({{{"slice", "PVC"}, {"n", 100}, {"n_positive", 100}, {"roc_auc", nullptr}, {"recall", 0.95}},
                              {{"slice", "N"}, {"n", 3000}, {"n_positive", 0}, {"roc_auc", nullptr}, {"fpr", 0.01}}})},
      {"examples", examples}};
  // A day at ~1 beat/s, more points than the plots keep.
  std::vector<double> time_s, score;
  std::vector<int> decision;
  for (int i = 0; i < 20000; ++i) {
    const double t = i * 86400.0 / 20000;
    const double s = std::exp(-3.0 + 0.4 * rng()) * (t > 43200 ? 2.0 : 1.0);
    time_s.push_back(t);
    score.push_back(s);
    decision.push_back(s > 0.123 ? 2 : s > 0.09 ? 1 : 0);
  }
  doc["stream"] = {
      {"name", "day scenario"}, {"duration_s", 86400}, {"threshold", 0.123},
      {"time_s", time_s}, {"score", score}, {"decision", decision},
      {"alerts", json::array({{{"kind", "amplitude"}, {"since_s", 43200.0}, {"detected_s", 43290.0},
                               {"strength", 3.1}, {"shape", "sudden"}, {"cause", "sensor_fault"},
                               {"action", "check_sensor"}}})},
      {"changes", json::array({{{"time_s", 43200}, {"label", "gain x2 (injected)"}}})},
      {"summary", {{"n_beats", 20000}, {"n_anomalies", 812}, {"alerts_per_hour", 0.04}, {"status", "drift"}}},
      {"recommendation", {{"retrain", true}, {"reason", "score distribution shifted after 12 h"}}}};
  doc["shadow"] = {
      {"production", {{"model", "dense v1"}, {"metrics", {{"roc_auc", 0.95}, {"fpr", 0.02}}}}},
      {"candidate", {{"model", "dense v2"}, {"metrics", {{"roc_auc", 0.97}, {"fpr", 0.015}}}}},
      {"n_beats", 1000}, {"n_disagreements", 12}, {"agreement_rate", 0.988},
      {"disagreements", json::array()}, {"promoted", true}, {"reason", "better on every metric"}};
  for (int i = 0; i < 25; ++i) {
    doc["shadow"]["disagreements"].push_back({{"time_s", 10.0 * i}, {"production_decision", "normal"},
                                              {"candidate_decision", "anomalous"},
                                              {"production_score", 0.1}, {"candidate_score", 0.2}});
  }
  doc["config"] = {{"data", {{"source", "https://physionet.org/content/mitdb/"}}},
                   {"model", {{"architecture", "dense"}, {"latent", 16}}}};
  return doc;
}

}  // namespace

// ----------------------------------------------------------------------------------- primitives

TEST(NiceTicks, KnownRanges) {
  EXPECT_EQ(rep::nice_ticks(0.0, 1.0), (std::vector<double>{0.0, 0.2, 0.4, 0.6, 0.8, 1.0}));
  EXPECT_EQ(rep::nice_ticks(0.0, 97.0), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(rep::nice_ticks(-3.7, 12.1), (std::vector<double>{-5, 0, 5, 10, 15}));
  EXPECT_EQ(rep::nice_ticks(0.001, 0.0123), (std::vector<double>{0.0, 0.005, 0.01, 0.015}));
  EXPECT_EQ(rep::nice_ticks(1.0, 0.0), rep::nice_ticks(0.0, 1.0));  // bounds in either order
  // Degenerate and non-finite ranges still give an increasing axis around the value.
  const auto flat = rep::nice_ticks(5.0, 5.0);
  ASSERT_GE(flat.size(), 2u);
  EXPECT_LE(flat.front(), 5.0);
  EXPECT_GE(flat.back(), 5.0);
  EXPECT_EQ(rep::nice_ticks(kNan, 1.0), (std::vector<double>{0.0, 1.0}));
  EXPECT_EQ(rep::log_ticks(0.01, 100.0), (std::vector<double>{0.01, 0.1, 1, 10, 100}));
  EXPECT_EQ(rep::log_ticks(1.0, 10.0), (std::vector<double>{1, 2, 5, 10}));
}

TEST(FormatNumber, ShortLocaleIndependent) {
  EXPECT_EQ(rep::format_number(0.5), "0.5");
  EXPECT_EQ(rep::format_number(1234.5678), "1235");
  EXPECT_EQ(rep::format_number(0.123456), "0.1235");
  EXPECT_EQ(rep::format_number(2.0), "2");
  EXPECT_EQ(rep::format_number(1e-6), "1e-6");
  EXPECT_EQ(rep::format_number(-2.5e9, 3), "-2.5e9");
  EXPECT_EQ(rep::format_number(kNan), "\u2013");
  EXPECT_EQ(rep::format_number(kInf), "\u2013");
  EXPECT_EQ(rep::format_coordinate(12.34), "12.3");
  EXPECT_EQ(rep::format_coordinate(kNan), "0");
  EXPECT_EQ(rep::format_coordinate(1e300), "1000000");
}

TEST(Escape, AllFiveCharacters) {
  EXPECT_EQ(rep::escape_html("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

TEST(Downsample, KeepsSpikesAndBoundsSize) {
  std::vector<double> y(100000, 1.0);
  y[54321] = 50.0;   // a one-sample spike
  y[77777] = -40.0;  // and a dip
  y[90000] = kNan;   // a gap
  const auto keep = rep::downsample_min_max(y, 2000);
  EXPECT_LE(keep.size(), 2000u + 1000u);  // min, max and at most one gap marker per bucket
  EXPECT_TRUE(std::is_sorted(keep.begin(), keep.end()));
  EXPECT_NE(std::find(keep.begin(), keep.end(), 54321u), keep.end());
  EXPECT_NE(std::find(keep.begin(), keep.end(), 77777u), keep.end());
  EXPECT_NE(std::find(keep.begin(), keep.end(), 90000u), keep.end());
  // Short series are kept whole.
  EXPECT_EQ(rep::downsample_min_max(std::vector<double>(10, 0.0), 2000).size(), 10u);
}

TEST(Histogram, BinCountsInTooltips) {
  rep::HistogramSpec spec;
  spec.first = {0.0, 0.1, 0.2, 1.0};
  spec.second = {0.9, 1.0, kNan};
  spec.bins = 2;
  spec.clip_quantile = 1.0;
  const std::string svg = rep::histogram(spec);
  EXPECT_NE(svg.find("0\u20130.5: normal 3, abnormal 0"), std::string::npos) << svg;
  EXPECT_NE(svg.find("0.5\u20131: normal 1, abnormal 2"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(BeatPlot, ShadesOnlyRunsAboveTheLevel) {
  rep::BeatPlotSpec spec;
  spec.fs_hz = 100.0;
  spec.beat.assign(50, 0.0);
  spec.reconstruction.assign(50, 0.0);
  for (int i = 10; i < 15; ++i) spec.beat[static_cast<std::size_t>(i)] = 1.0;  // error 1 there
  for (int i = 30; i < 32; ++i) spec.beat[static_cast<std::size_t>(i)] = 2.0;  // error 4 there
  spec.error_level = 0.5;
  std::string svg = rep::beat_plot(spec);
  EXPECT_EQ(count(svg, "<title>error above 0.5"), 2u);
  EXPECT_NE(svg.find("from 100 to 140 ms"), std::string::npos);
  EXPECT_NE(svg.find("from 300 to 310 ms"), std::string::npos);
  spec.error_level = 2.0;  // only the second run is above
  EXPECT_EQ(count(rep::beat_plot(spec), "<title>error above 2"), 1u);
  spec.error_level = kNan;  // no level: nothing shaded
  EXPECT_EQ(count(rep::beat_plot(spec), "<title>error above"), 0u);
}

TEST(Heatmap, CellsColouredByIntensity) {
  rep::HeatmapTable t;
  t.row_labels = {"a", "b"};
  t.column_labels = {"x", "y"};
  t.text = {{"1", "2"}, {"3", "4"}};
  t.intensity = {{1.0, 0.0}, {kNan, 0.5}};
  const std::string html = rep::heatmap_table(t);
  EXPECT_NE(html.find("rgba(0,114,178,0.9);color:#ffffff\">1<"), std::string::npos) << html;
  EXPECT_NE(html.find("rgba(0,114,178,0.08);color:#111111\">2<"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>3</td>"), std::string::npos) << html;  // NaN: uncoloured
}

TEST(Timeline, MarkersAndThinning) {
  rep::TimelineSpec spec;
  for (int i = 0; i < 50000; ++i) {
    spec.time_s.push_back(i);
    spec.score.push_back(i % 10 == 0 ? 2.0 : 0.5);
    spec.decision.push_back(i % 10 == 0 ? 2 : 0);
  }
  spec.has_threshold = true;
  spec.threshold = 1.0;
  spec.alerts.push_back({100.0, 200.0, "amplitude", "amplitude drift; likely cause: sensor_fault"});
  spec.changes.push_back({90.0, "gain x2 (injected)"});
  const std::string svg = rep::timeline(spec);
  EXPECT_NE(svg.find("likely cause: sensor_fault"), std::string::npos);
  EXPECT_NE(svg.find("gain x2 (injected)"), std::string::npos);
  EXPECT_NE(svg.find(">amplitude<"), std::string::npos);
  // 5000 anomalous beats are thinned to at most one dot per pixel column.
  EXPECT_LE(count(svg, "<circle"), 1100u);
  EXPECT_GE(count(svg, "<circle"), 500u);
  EXPECT_LT(svg.size(), 200000u);
}

// ----------------------------------------------------------------------------------- report

TEST(Report, FullFixtureRendersEverySection) {
  const std::string html = rep::render_html(fixture());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (std::size_t k = 0; k < std::size(kIds); ++k) {
    SCOPED_TRACE(kIds[k]);
    EXPECT_EQ(count(html, std::string("<section id=\"") + kIds[k] + "\""), 1u);
    EXPECT_NE(html.find(std::string("href=\"#") + kIds[k] + "\""), std::string::npos);
    EXPECT_NE(html.find(std::string("<h2>") + kTitles[k]), std::string::npos);
  }
  EXPECT_EQ(html.find("not part of this run</"), std::string::npos);
  EXPECT_EQ(html.find("class=\"missing\""), std::string::npos);
  // Key content of each section.
  EXPECT_NE(html.find("best epoch 17"), std::string::npos);
  EXPECT_NE(html.find("flat line 40%"), std::string::npos);
  EXPECT_NE(html.find(">fail</span>"), std::string::npos);  // the failed gate check
  EXPECT_NE(html.find("model (AUC 0.97)"), std::string::npos);
  EXPECT_NE(html.find("model (AP 0.8)"), std::string::npos);
  EXPECT_NE(html.find("<strong>270</strong><span class=\"rate\">90% of anomalous"), std::string::npos);
  EXPECT_NE(html.find("PVC at 123.4 s (synth-003)"), std::string::npos);
  EXPECT_NE(html.find("Retraining recommended."), std::string::npos);
  EXPECT_NE(html.find("the first 20 of 25"), std::string::npos);
  EXPECT_EQ(count(html, "<td class=\"num\" title=\"240 s\">"), 0u);  // 25th disagreement not shown
  EXPECT_NE(html.find("+0.02"), std::string::npos);  // roc_auc delta 0.97 - 0.95
  // Every SVG is balanced, and the file stays small although the stream holds 20000 beats.
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
  EXPECT_GE(svg_blocks(html).size(), 9u);
  EXPECT_LT(html.size(), 1500000u);
}

TEST(Report, MissingSectionsSaySo) {
  const std::string html = rep::render_html(json::object());
  for (const char* id : kIds) {
    SCOPED_TRACE(id);
    const auto at = html.find(std::string("<section id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos);
    const auto end = html.find("</section>", at);
    EXPECT_NE(html.substr(at, end - at).find("not part of this run"), std::string::npos);
  }
  EXPECT_NE(html.find("<title>ecgad report</title>"), std::string::npos);  // default title
  // One part of a section missing: only that part says so.
  json doc = fixture();
  doc["evaluation"].erase("pr");
  const std::string partial = rep::render_html(doc);
  EXPECT_NE(partial.find("Precision-recall curve: not part of this run"), std::string::npos);
  EXPECT_NE(partial.find("model (AUC 0.97)"), std::string::npos);
}

TEST(Report, DocumentStringsAreEscaped) {
  json doc = fixture();
  doc["title"] = "<script>alert(1)</script> & co";
  doc["facts"].push_back(json::array({"<b>key</b>", "a & b"}));
  doc["training"]["data"][0]["record"] = "rec<1>";
  doc["stream"]["alerts"][0]["cause"] = "\"quoted\" <cause>";
  const std::string html = rep::render_html(doc);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;key&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("a &amp; b"), std::string::npos);
  EXPECT_NE(html.find("rec&lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;quoted&quot; &lt;cause&gt;"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1u);  // only the report's own
}

TEST(Report, NonFiniteDataNeverReachesSvg) {
  json doc = fixture();
  doc["training"]["history"]["train_loss"][3] = kNan;
  doc["training"]["history"]["val_loss"][4] = nullptr;
  doc["training"]["history"]["lr"][5] = kInf;
  doc["evaluation"]["scores"]["normal"][0] = kNan;
  doc["evaluation"]["scores"]["abnormal"][0] = -kInf;
  doc["evaluation"]["roc"]["tpr"][10] = kNan;
  doc["evaluation"]["examples"][0]["beat"][20] = kNan;
  doc["stream"]["score"][100] = kNan;
  doc["stream"]["time_s"][200] = kInf;
  doc["stream"]["alerts"][0]["strength"] = kNan;
  doc["shadow"]["production"]["metrics"]["roc_auc"] = kNan;
  const std::string html = rep::render_html(doc);
  std::string lower = html;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  EXPECT_EQ(lower.find("nan"), std::string::npos);
  EXPECT_EQ(lower.find("inf\""), std::string::npos);
  // No attribute of any SVG holds a non-numeric coordinate.
  const std::regex bad_number(R"( (x|y|x1|y1|x2|y2|cx|cy|r|width|height)="[^"0-9.-])");
  for (const auto& block : svg_blocks(html)) {
    EXPECT_FALSE(std::regex_search(block, bad_number));
  }
}

TEST(Report, BadShapesNameTheKey) {
  expect_invalid([] { rep::render_html(json::array()); }, "must be a JSON object");
  expect_invalid([] { rep::render_html(json("x")); }, "must be a JSON object");
  expect_invalid([] { rep::render_html({{"evaluation", {{"roc", {{"fpr", "x"}}}}}}); },
                 "evaluation.roc.fpr");
  expect_invalid([] { rep::render_html({{"training", 3}}); }, "'training' must be an object");
  expect_invalid(
      [] { rep::render_html({{"evaluation", {{"roc", {{"fpr", {0, 1}}, {"tpr", {0, 0.5, 1}}}}}}}); },
      "evaluation.roc.tpr");
  expect_invalid([] { rep::render_html({{"evaluation", {{"roc", {{"fpr", {0, "a"}}, {"tpr", {0, 1}}}}}}}); },
                 "evaluation.roc.fpr[1]");
  expect_invalid([] { rep::render_html({{"facts", {{"only one"}}}}); }, "facts[0]");
  expect_invalid([] { rep::render_html({{"stream", {{"time_s", {0, 1}}, {"score", {0.1, 0.2}}, {"decision", {0, 7}}}}}); },
                 "stream.decision[1]");
  expect_invalid([] { rep::render_html({{"training", {{"history", {{"epoch", {1, 2}}, {"train_loss", {1.0}}}}}}}); },
                 "training.history.train_loss");
  expect_invalid([] { rep::render_html({{"evaluation", {{"confusion", {{"tp", -1}, {"fp", 0}, {"tn", 0}, {"fn", 0}}}}}}); },
                 "evaluation.confusion.tp");
  expect_invalid([] { rep::render_html({{"shadow", {{"promoted", "yes"}}}}); }, "shadow.promoted");
  json doc = fixture();
  doc["evaluation"]["examples"][1]["reconstruction"].erase(0);
  expect_invalid([&] { rep::render_html(doc); }, "evaluation.examples[1].reconstruction");
}

TEST(Report, SelfContained) {
  const std::string html = rep::render_html(fixture());
  const auto pre = html.find("<pre class=\"config\">");
  const auto pre_end = html.find("</pre>", pre);
  ASSERT_NE(pre, std::string::npos);
  for (const char* scheme : {"http://", "https://"}) {
    for (auto at = html.find(scheme); at != std::string::npos; at = html.find(scheme, at + 1)) {
      EXPECT_TRUE(at > pre && at < pre_end) << scheme << " outside the config at " << at;
    }
  }
  EXPECT_NE(html.find("https://physionet.org", pre), std::string::npos);  // the config is shown
  for (const char* external : {"<link", " src=", "url(", "@import", "<img", "<iframe"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
}

TEST(Report, WriteIsAtomic) {
  const auto dir = std::filesystem::temp_directory_path() / "ecgad_test_report";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "report.html";
  const json doc = fixture();
  rep::write_html(path, doc);
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), rep::render_html(doc));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.html.partial"));
  // A bad document leaves the previous report untouched and no partial file.
  EXPECT_THROW(rep::write_html(path, json::array()), ecgad::InvalidArgument);
  EXPECT_EQ(std::filesystem::file_size(path), text.str().size());
  EXPECT_FALSE(std::filesystem::exists(dir / "report.html.partial"));
  // Overwriting replaces the whole file.
  rep::write_html(path, json::object());
  EXPECT_EQ(std::filesystem::file_size(path), rep::render_html(json::object()).size());
  EXPECT_THROW(rep::write_html(dir / "no_such_dir" / "r.html", doc), ecgad::IoError);
  std::filesystem::remove_all(dir);
}
