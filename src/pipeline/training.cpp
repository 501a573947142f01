// The training pipeline (include/ecgad/pipeline/training.hpp).
#include "ecgad/pipeline/training.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/artifact/checksum.hpp"
#include "ecgad/artifact/runtime_loader.hpp"
#include "ecgad/error.hpp"
#include "ecgad/metrics/confusion.hpp"
#include "ecgad/metrics/ranking.hpp"
#include "ecgad/metrics/slices.hpp"
#include "ecgad/pipeline/json_reader.hpp"
#include "ecgad/store/store.hpp"

namespace ecgad::pipeline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string random_uid() {
  std::random_device rd;
  std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fixed(double v, int digits = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A metric for people: 3 decimals, or "-" when undefined (null).
std::string number_text(const nlohmann::json& v) {
  return v.is_number() ? fixed(v.get<double>()) : "-";
}

// Keeps at most `n` points of a curve, always the first and last (for the report's plots).
std::vector<double> thin(const Eigen::VectorXd& v, std::size_t n) {
  const auto size = static_cast<std::size_t>(v.size());
  std::vector<double> out;
  if (size <= n) return std::vector<double>(v.data(), v.data() + size);
  for (std::size_t k = 0; k < n; ++k) {
    out.push_back(v[static_cast<Eigen::Index>(k * (size - 1) / (n - 1))]);
  }
  return out;
}

// Every 1 in ceil(size / n) values, in order (a seedless, stable subsample for histograms).
std::vector<double> every_kth(const std::vector<double>& v, std::size_t n) {
  if (v.size() <= n) return v;
  const std::size_t k = (v.size() + n - 1) / n;
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); i += k) out.push_back(v[i]);
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------ configs

nlohmann::json SplitConfig::to_json() const {
  return {{"train", train},
          {"calibration", calibration},
          {"evaluation", evaluation},
          {"seed", seed},
          {"train_records", train_records},
          {"calibration_records", calibration_records},
          {"evaluation_records", evaluation_records}};
}

nlohmann::json GateConfig::to_json() const {
  return {{"min_roc_auc", min_roc_auc},
          {"min_average_precision", min_average_precision},
          {"min_sensitivity", min_sensitivity},
          {"max_false_positive_rate", max_false_positive_rate},
          {"max_regression", max_regression}};
}

TrainingConfig TrainingConfig::defaults() {
  TrainingConfig c;
  c.architecture.hidden = {64, 32, 16};
  c.architecture.output_activation = model::Activation::linear;
  c.training.epochs = 40;
  c.training.batch_size = 256;
  c.training.validation_fraction = 0.1;
  c.training.early_stopping = true;
  c.training.patience = 6;
  c.training.seed = 1;
  return c;
}

nlohmann::json TrainingConfig::to_json() const {
  return {{"name", name},
          {"source", source.to_json()},
          {"validation", validation.to_json()},
          {"preprocessing", preprocessing.to_json()},
          {"split", split.to_json()},
          {"architecture", architecture.to_json()},
          {"training", training.to_json()},
          {"calibration", band.to_json()},
          {"gate", gate.to_json()},
          {"max_train_beats", max_train_beats},
          {"report_examples", report_examples},
          {"model_dir", model_dir},
          {"promote", promote}};
}

namespace {

// A partial section over the defaults' full document: the user's keys must exist there.
nlohmann::json overlay(const nlohmann::json& base, const nlohmann::json& user,
                       const std::string& where) {
  if (!user.is_object()) {
    throw InvalidArgument(where + ": expected an object, got " + std::string(user.type_name()));
  }
  for (const auto& [key, value] : user.items()) {
    if (!base.contains(key)) {
      std::string known;
      for (const auto& [k, v] : base.items()) known += (known.empty() ? "" : ", ") + k;
      throw InvalidArgument(where + ": unknown key '" + key + "'; expected some of: " + known);
    }
  }
  nlohmann::json merged = base;
  for (const auto& [key, value] : user.items()) {
    // Nested sections merge too ({"beats": {"length": 180}} keeps before_s/after_s), so a
    // partial section means what the docs say (missing keys keep their defaults) and a bad
    // value is reported by name instead of as a missing sibling key.
    const nlohmann::json& known = base.at(key);
    if (value.is_object() && known.is_object() && !known.empty()) {
      merged[key] = overlay(known, value, where + "." + key);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

// The model name becomes part of a file name (<model_dir>/<name>-<uid>.ecgad): it must not
// name a directory, climb out of model_dir or hide control characters.
void require_model_name(const std::string& name) {
  const bool control = std::any_of(name.begin(), name.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
  if (name.empty() || name == "." || name == ".." || control ||
      name.find_first_of("/\\ ") != std::string::npos) {
    throw InvalidArgument("config.name '" + name +
                          "' must be non-empty, without spaces, control characters or path "
                          "separators, and not '.' or '..' (it names the bundle file in "
                          "model_dir)");
  }
}

}  // namespace

TrainingConfig TrainingConfig::from_json(const nlohmann::json& j) {
  TrainingConfig c = defaults();
  JsonReader r(j, "config");
  c.name = r.get("name", c.name);
  require_model_name(c.name);
  if (auto s = r.object("source")) c.source = SourceConfig::from_json(*s);
  if (auto s = r.object("validation")) c.validation = DataSchema::from_json(*s);
  if (auto s = r.object("preprocessing")) {
    try {
      c.preprocessing =
          Preprocessing::from_json(overlay(c.preprocessing.to_json(), *s, "preprocessing"));
    } catch (const FormatError& e) {
      throw InvalidArgument(e.what());
    }
  }
  if (auto s = r.object("split")) {
    JsonReader q(*s, "split");
    SplitConfig& p = c.split;
    p.train = q.get("train", p.train);
    p.calibration = q.get("calibration", p.calibration);
    p.evaluation = q.get("evaluation", p.evaluation);
    p.seed = q.get("seed", p.seed);
    p.train_records = q.get("train_records", p.train_records);
    p.calibration_records = q.get("calibration_records", p.calibration_records);
    p.evaluation_records = q.get("evaluation_records", p.evaluation_records);
    q.finish();
    if (!(p.train > 0 && p.calibration > 0 && p.evaluation > 0)) {
      throw InvalidArgument("split: train, calibration and evaluation fractions must be > 0");
    }
  }
  if (auto s = r.object("architecture")) {
    c.architecture = model::ArchitectureConfig::from_json(
        overlay(c.architecture.to_json(), *s, "architecture"));
  }
  if (auto s = r.object("training")) {
    c.training = model::TrainConfig::from_json(overlay(c.training.to_json(), *s, "training"));
  }
  if (auto s = r.object("calibration")) {
    JsonReader q(*s, "calibration");
    c.band.alpha_anomaly = q.get("alpha_anomaly", c.band.alpha_anomaly);
    c.band.alpha_normal = q.get("alpha_normal", c.band.alpha_normal);
    q.finish();
    if (!(c.band.alpha_anomaly > 0 && c.band.alpha_anomaly < c.band.alpha_normal &&
          c.band.alpha_normal <= 1)) {
      throw InvalidArgument("calibration: expected 0 < alpha_anomaly < alpha_normal <= 1");
    }
  }
  if (auto s = r.object("gate")) {
    JsonReader q(*s, "gate");
    GateConfig& g = c.gate;
    g.min_roc_auc = q.get("min_roc_auc", g.min_roc_auc);
    g.min_average_precision = q.get("min_average_precision", g.min_average_precision);
    g.min_sensitivity = q.get("min_sensitivity", g.min_sensitivity);
    g.max_false_positive_rate = q.get("max_false_positive_rate", g.max_false_positive_rate);
    g.max_regression = q.get("max_regression", g.max_regression);
    q.finish();
  }
  c.max_train_beats = r.get("max_train_beats", c.max_train_beats);
  c.report_examples = r.get("report_examples", c.report_examples);
  c.model_dir = r.get("model_dir", c.model_dir);
  c.promote = r.get("promote", c.promote);
  r.finish();
  if (c.promote != "first" && c.promote != "never" && c.promote != "blessed") {
    throw InvalidArgument("config.promote is '" + c.promote +
                          "'; expected first, never or blessed");
  }
  if (c.max_train_beats < 0 || c.report_examples < 0 || c.report_examples > 50) {
    throw InvalidArgument("config: max_train_beats must be >= 0 and report_examples 0..50");
  }
  // The model's input shape follows from the preprocessing.
  c.architecture.length = c.preprocessing.beats.length;
  c.architecture.channels = c.preprocessing.features.n_channels();
  c.architecture.n_extra = c.preprocessing.features.n_extra();
  c.architecture.validate();
  c.training.validate();
  return c;
}

TrainingConfig TrainingConfig::load(const fs::path& path) {
  return from_json(read_config_file(path));
}

// ------------------------------------------------------------------------------ evaluation

namespace {


// Without abnormal labels (unlabelled recordings, or only normal beats) there is no ROC: every
// beat is taken as normal, and the share flagged anomalous is the false-positive rate.
Evaluation evaluate_unlabelled(const ModelPackage& package, Evaluation ev) {
  ev.threshold = package.calibration.threshold();
  const auto n = static_cast<double>(ev.scores.size());
  const auto flagged = static_cast<double>(std::count(
      ev.decisions.begin(), ev.decisions.end(), static_cast<int>(calibrate::Decision::anomalous)));
  const auto uncertain = static_cast<double>(std::count(
      ev.decisions.begin(), ev.decisions.end(), static_cast<int>(calibrate::Decision::uncertain)));
  const nlohmann::json none;
  ev.metrics = {{"n_beats", ev.scores.size()},
                {"n_abnormal", 0},
                {"labelled", false},
                {"roc_auc", none},
                {"average_precision", none},
                {"sensitivity", none},
                {"specificity", 1.0 - flagged / n},
                {"false_positive_rate", flagged / n},
                {"precision", none},
                {"f1", none},
                {"uncertain_fraction", uncertain / n},
                {"threshold", ev.threshold},
                {"slices", nlohmann::json::array()},
                {"note", "no abnormal labels: every beat is taken as normal, the share flagged "
                         "anomalous is the false-positive rate"}};
  ev.report = {{"threshold", ev.threshold},
               {"threshold_method", "conformal, alpha = " +
                                        ecgad::detail::format_number(
                                            package.calibration.band.alpha_anomaly)},
               {"scores", {{"normal", every_kth(ev.scores, 20000)},
                           {"abnormal", nlohmann::json::array()}}},
               {"metrics", {{"false_positive_rate", flagged / n},
                            {"uncertain_fraction", uncertain / n}}}};
  return ev;
}

}  // namespace

Evaluation evaluate(const ModelPackage& package, const std::vector<const Recording*>& recordings,
                    int report_examples) {
  Evaluation ev;
  const Preprocessing& p = package.preprocessing;
  const auto width = static_cast<std::size_t>(p.input_size());
  std::vector<float> inputs;  // kept for the example plots
  runtime::Workspace ws = package.model.make_workspace(1);
  for (const Recording* rec : recordings) {
    if (rec->fs_hz != p.fs_hz) {
      throw InvalidArgument("recording '" + rec->name + "' is sampled at " +
                            ecgad::detail::format_number(rec->fs_hz) + " Hz; the model expects " +
                            ecgad::detail::format_number(p.fs_hz) + " Hz");
    }
    const auto tolerance = static_cast<std::int64_t>(std::lround(0.15 * p.fs_hz));
    BeatChain chain(p);
    auto on_beat = [&](const ChainBeat& b) {
      if (!b.warm) return;
      std::string label = "unlabelled";  // an unlabelled recording's beats are assumed normal
      LabelRole role = LabelRole::normal;
      if (rec->labelled()) {
        const std::ptrdiff_t k = nearest_label(rec->label_samples, b.sample_index, tolerance);
        if (k < 0) return;
        label = rec->labels[static_cast<std::size_t>(k)];
        role = label_role(label);
        if (role == LabelRole::excluded) return;
      }
      const BeatEvent e = score_beat(package, b, ws);
      ev.scores.push_back(e.score);
      ev.abnormal.push_back(role == LabelRole::abnormal ? 1 : 0);
      ev.labels.push_back(label);
      ev.records.push_back(rec->name);
      ev.decisions.push_back(static_cast<int>(e.decision));
      if (report_examples > 0) inputs.insert(inputs.end(), b.input, b.input + width);
    };
    chain.process(rec->signal_mv, on_beat);
    chain.finish(on_beat);
  }
  const auto n = static_cast<Eigen::Index>(ev.scores.size());
  const auto positives = std::count(ev.abnormal.begin(), ev.abnormal.end(), 1);
  if (n == 0) {
    throw InvalidArgument("evaluation: no scorable beats in " + std::to_string(recordings.size()) +
                          " evaluation recording(s)");
  }
  if (positives == 0) return evaluate_unlabelled(package, std::move(ev));
  if (positives == n) {
    throw InvalidArgument("evaluation: all " + std::to_string(n) +
                          " labelled beats are abnormal; normal beats are needed to measure "
                          "false positives");
  }
  ev.threshold = package.calibration.threshold();
  const Eigen::Map<const Eigen::VectorXd> scores(ev.scores.data(), n);
  Eigen::VectorXd y(n), predicted(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    y[i] = ev.abnormal[static_cast<std::size_t>(i)];
    predicted[i] = ev.decisions[static_cast<std::size_t>(i)] ==
                           static_cast<int>(calibrate::Decision::anomalous)
                       ? 1.0
                       : 0.0;
  }
  const double auc = metrics::roc_auc(y, scores);
  const double ap = metrics::average_precision(y, scores);
  const metrics::ConfusionMatrix cm = metrics::confusion_from_predictions(y, predicted);
  const metrics::ThresholdMetrics tm = metrics::threshold_metrics(cm);
  const auto uncertain = std::count(ev.decisions.begin(), ev.decisions.end(),
                                    static_cast<int>(calibrate::Decision::uncertain));
  const double fpr = cm.negatives() > 0 ? static_cast<double>(cm.fp) / static_cast<double>(cm.negatives()) : 0.0;
  ev.metrics = {{"n_beats", n},
                {"n_abnormal", positives},
                {"labelled", true},
                {"roc_auc", auc},
                {"average_precision", ap},
                {"sensitivity", tm.recall.value},
                {"specificity", tm.specificity.value},
                {"false_positive_rate", fpr},
                {"precision", tm.precision.value},
                {"f1", tm.f1.value},
                {"uncertain_fraction", static_cast<double>(uncertain) / static_cast<double>(n)},
                {"threshold", ev.threshold},
                {"confusion", cm}};

  // Slices: by label and by record, at the decision threshold (score > threshold).
  metrics::SliceOptions so;
  so.threshold_score = std::nextafter(ev.threshold, std::numeric_limits<double>::infinity());
  const auto rows = metrics::slice_metrics(
      y, scores, {metrics::TagColumn{"label", ev.labels}, metrics::TagColumn{"record", ev.records}},
      so);
  nlohmann::json slices = nlohmann::json::array();
  for (const auto& row : rows) {
    const auto& m = row.at_threshold;
    const double roc = row.roc_auc, avg = row.average_precision;
    slices.push_back({{"slice", row.tag.empty() ? "overall" : row.tag + "=" + row.value},
                      {"n", row.count},
                      {"n_positive", row.positives},
                      {"roc_auc", std::isfinite(roc) ? nlohmann::json(roc) : nlohmann::json()},
                      {"average_precision",
                       std::isfinite(avg) ? nlohmann::json(avg) : nlohmann::json()},
                      {"recall", row.positives > 0 ? nlohmann::json(m.recall.value)
                                                   : nlohmann::json()},
                      {"fpr", row.negatives > 0 ? nlohmann::json(1.0 - m.specificity.value)
                                                : nlohmann::json()}});
  }
  ev.metrics["slices"] = slices;

  std::vector<double> normal, abnormal;
  for (Eigen::Index i = 0; i < n; ++i) (y[i] > 0 ? abnormal : normal).push_back(scores[i]);
  const metrics::RocCurve roc = metrics::roc_curve(y, scores);
  const metrics::PrecisionRecallCurve pr = metrics::precision_recall_curve(y, scores);
  ev.report = {{"threshold", ev.threshold},
               {"threshold_method", "conformal, alpha = " +
                                        ecgad::detail::format_number(
                                            package.calibration.band.alpha_anomaly)},
               {"scores", {{"normal", every_kth(normal, 20000)},
                           {"abnormal", every_kth(abnormal, 20000)}}},
               {"roc", {{"fpr", thin(roc.fpr, 400)}, {"tpr", thin(roc.tpr, 400)}, {"auc", auc}}},
               {"pr", {{"recall", thin(pr.recall, 400)},
                       {"precision", thin(pr.precision, 400)},
                       {"ap", ap},
                       {"prevalence", static_cast<double>(positives) / static_cast<double>(n)}}},
               {"confusion", {{"tp", cm.tp}, {"fp", cm.fp}, {"tn", cm.tn}, {"fn", cm.fn},
                              {"labels", {"normal", "anomalous"}}}},
               {"metrics", {{"roc_auc", auc}, {"average_precision", ap},
                            {"sensitivity", tm.recall.value},
                            {"specificity", tm.specificity.value},
                            {"precision", tm.precision.value}, {"f1", tm.f1.value},
                            {"uncertain_fraction",
                             static_cast<double>(uncertain) / static_cast<double>(n)}}},
               {"slices", slices},
               {"examples", nlohmann::json::array()}};

  if (report_examples > 0) {
    // The highest-scoring beat of each abnormal label, then the median-score normal beat.
    std::map<std::string, std::size_t> best;
    for (std::size_t i = 0; i < ev.scores.size(); ++i) {
      if (!ev.abnormal[i]) continue;
      auto it = best.find(ev.labels[i]);
      if (it == best.end() || ev.scores[i] > ev.scores[it->second]) best[ev.labels[i]] = i;
    }
    std::vector<std::size_t> chosen;
    for (const auto& [label, i] : best) chosen.push_back(i);
    std::vector<std::size_t> normals;
    for (std::size_t i = 0; i < ev.scores.size(); ++i) {
      if (!ev.abnormal[i]) normals.push_back(i);
    }
    if (!normals.empty()) {
      std::nth_element(normals.begin(), normals.begin() + static_cast<std::ptrdiff_t>(normals.size() / 2), normals.end(),
                       [&](std::size_t a, std::size_t b) { return ev.scores[a] < ev.scores[b]; });
      chosen.insert(chosen.begin(), normals[normals.size() / 2]);
    }
    if (chosen.size() > static_cast<std::size_t>(report_examples)) {
      chosen.resize(static_cast<std::size_t>(report_examples));
    }
    const auto l = static_cast<std::size_t>(p.beats.length);
    std::vector<float> recon(width);
    for (std::size_t i : chosen) {
      const float* x = inputs.data() + i * width;
      package.model.reconstruct_one(x, recon.data(), ws);
      std::vector<double> beat(x, x + l), rec(recon.begin(), recon.begin() + static_cast<std::ptrdiff_t>(l)), err(l);
      for (std::size_t j = 0; j < l; ++j) err[j] = std::abs(beat[j] - rec[j]);
      const int d = ev.decisions[i];
      ev.report["examples"].push_back(
          {{"title", ev.labels[i] + " beat of " + ev.records[i]},
           {"label", ev.labels[i]},
           {"score", ev.scores[i]},
           {"threshold", ev.threshold},
           {"decision", calibrate::decision_name(static_cast<calibrate::Decision>(d))},
           {"fs_hz", static_cast<double>(p.beats.length - 1) / (p.beats.before_s + p.beats.after_s)},
           {"beat", beat},
           {"reconstruction", rec},
           {"error", err}});
    }
  }
  return ev;
}

// ---------------------------------------------------------------------------- the pipeline

namespace {

struct BeatTable {
  std::vector<float> inputs;  // rows of input_size
  std::vector<float> beats;   // rows of beat length (filtered beats, for the drift template)
  std::vector<double> hr, amplitude, quality;
  std::size_t rows = 0;
};

// Normal (or, unlabelled, all) warm beats of a recording with known, usable quality.
void collect_normal_beats(const Recording& rec, const Preprocessing& p, BeatTable& t,
                          std::int64_t& n_beats) {
  const auto tolerance = static_cast<std::int64_t>(std::lround(0.15 * p.fs_hz));
  const auto width = static_cast<std::size_t>(p.input_size());
  const auto l = static_cast<std::size_t>(p.beats.length);
  BeatChain chain(p);
  auto on_beat = [&](const ChainBeat& b) {
    ++n_beats;
    if (!b.warm || !b.quality_known || b.quality_grade == signal::QualityGrade::unusable ||
        !std::isfinite(b.heart_rate_bpm)) {
      return;
    }
    if (rec.labelled()) {
      const std::ptrdiff_t k = nearest_label(rec.label_samples, b.sample_index, tolerance);
      if (k < 0 || label_role(rec.labels[static_cast<std::size_t>(k)]) != LabelRole::normal) {
        return;
      }
    }
    t.inputs.insert(t.inputs.end(), b.input, b.input + width);
    t.beats.insert(t.beats.end(), b.beat, b.beat + l);
    t.hr.push_back(b.heart_rate_bpm);
    t.amplitude.push_back(b.r_amplitude_mv);
    t.quality.push_back(b.quality_score);
    ++t.rows;
  };
  chain.process(rec.signal_mv, on_beat);
  chain.finish(on_beat);
}

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

RowMatrix as_matrix(const std::vector<float>& v, std::size_t rows, std::size_t cols) {
  return Eigen::Map<const RowMatrix>(v.data(), static_cast<Eigen::Index>(rows),
                                     static_cast<Eigen::Index>(cols));
}

// Seeded subsample of row indices, kept in order.
std::vector<std::size_t> sample_rows(std::size_t rows, std::int64_t cap, std::uint64_t seed) {
  std::vector<std::size_t> idx(rows);
  std::iota(idx.begin(), idx.end(), 0);
  if (cap > 0 && rows > static_cast<std::size_t>(cap)) {
    std::mt19937_64 gen(seed);
    std::shuffle(idx.begin(), idx.end(), gen);
    idx.resize(static_cast<std::size_t>(cap));
    std::sort(idx.begin(), idx.end());
  }
  return idx;
}

std::map<std::string, std::string> assign_roles(const std::vector<const Recording*>& recs,
                                                const SplitConfig& s) {
  std::map<std::string, std::string> role;
  std::set<std::string> names;
  for (const Recording* r : recs) names.insert(r->name);
  auto place = [&](const std::vector<std::string>& list, const char* what) {
    for (const auto& name : list) {
      if (!names.count(name)) {
        throw InvalidArgument("split." + std::string(what) + "_records names '" + name +
                              "', which is not among the valid recordings");
      }
      if (role.count(name)) {
        throw InvalidArgument("record '" + name + "' is listed for both " + role[name] + " and " +
                              what + "; a patient may be in one role only");
      }
      role[name] = what;
    }
  };
  place(s.train_records, "train");
  place(s.calibration_records, "calibration");
  place(s.evaluation_records, "evaluation");
  std::vector<std::string> rest;
  for (const Recording* r : recs) {
    if (!role.count(r->name)) rest.push_back(r->name);
  }
  std::mt19937_64 gen(s.seed);
  std::shuffle(rest.begin(), rest.end(), gen);
  const double total = s.train + s.calibration + s.evaluation;
  auto count_of = [&](const char* what) {
    return static_cast<std::size_t>(std::count_if(
        role.begin(), role.end(), [&](const auto& kv) { return kv.second == what; }));
  };
  // Fill calibration and evaluation first (at least one record each), train takes the rest.
  std::size_t next = 0;
  for (const auto& [what, frac] : {std::pair<const char*, double>{"evaluation", s.evaluation},
                                   std::pair<const char*, double>{"calibration", s.calibration}}) {
    const auto want = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(frac / total * static_cast<double>(recs.size()))));
    while (count_of(what) < want && next < rest.size()) role[rest[next++]] = what;
  }
  while (next < rest.size()) role[rest[next++]] = "train";
  for (const char* what : {"train", "calibration", "evaluation"}) {
    if (count_of(what) == 0) {
      throw InvalidArgument("the split leaves no " + std::string(what) + " record; " +
                            std::to_string(recs.size()) +
                            " valid recording(s) need to cover train, calibration and evaluation");
    }
  }
  return role;
}

}  // namespace

TrainingResult run_training(const TrainingConfig& config, store::Store* store,
                            const TrainingObserver& observer,
                            const std::vector<Recording>* given) {
  const auto t_start = Clock::now();
  // Before anything is loaded or written: a config built in code skips from_json's check.
  require_model_name(config.name);
  TrainingResult result;
  auto stage = [&](const std::string& name, const std::string& message) {
    if (observer.on_stage) observer.on_stage(name, message);
  };
  auto cancelled = [&] { return observer.cancel && observer.cancel->load(); };
  const nlohmann::json effective = config.to_json();
  std::int64_t run_id = 0;
  if (store) {
    run_id = store->begin_run("train", effective, {{"name", config.name}});
    result.run_uid = store->run(run_id).uid;
  } else {
    result.run_uid = random_uid();
  }
  result.run_id = run_id;
  nlohmann::json timings = nlohmann::json::object();
  try {
    // 1. Source.
    auto t0 = Clock::now();
    std::vector<Recording> loaded;
    if (!given) {
      stage("load", "loading " + config.source.kind + " recordings");
      loaded = load_recordings(config.source, observer.on_record);
    }
    const std::vector<Recording>& recs = given ? *given : loaded;
    if (recs.empty()) throw InvalidArgument("the source gave no recordings");
    timings["load_s"] = seconds_since(t0);

    // 2. Data validation: failing recordings are listed with the reason and kept out.
    t0 = Clock::now();
    stage("validate", "checking " + std::to_string(recs.size()) + " recordings against the schema");
    std::vector<const Recording*> valid;
    nlohmann::json data = nlohmann::json::array();
    std::map<std::string, std::size_t> data_row;
    std::map<std::string, std::int64_t> record_ids;
    for (const Recording& r : recs) {
      RecordCheck check = check_recording(r, config.validation);
      if (check.ok && r.fs_hz != config.preprocessing.fs_hz) {
        check.ok = false;
        check.reason = "sampling rate " + ecgad::detail::format_number(r.fs_hz) +
                       " Hz; the preprocessing expects " +
                       ecgad::detail::format_number(config.preprocessing.fs_hz) +
                       " Hz (resample first)";
      }
      data_row[r.name] = data.size();
      data.push_back({{"record", r.name},
                      {"role", check.ok ? "" : "rejected"},
                      {"n_beats", 0},
                      {"usable_fraction", check.usable_fraction},
                      {"reason", check.reason}});
      if (store) {
        store::RecordInfo info;
        info.source = r.source;
        info.name = r.name;
        info.fs_hz = r.fs_hz;
        info.duration_s = r.duration_s();
        info.n_channels = 1;
        info.content_hash = r.content_hash;
        info.tags = r.tags;
        record_ids[r.name] = store->add_record(info);
      }
      if (check.ok) valid.push_back(&r);
    }
    timings["validate_s"] = seconds_since(t0);

    // 3. Record-disjoint split.
    const auto roles = assign_roles(valid, config.split);
    for (const auto& [name, role] : roles) data[data_row[name]]["role"] = role;
    if (store) {
      for (const auto& row : data) {
        store->link_run_record(run_id, record_ids[row["record"].get<std::string>()],
                               row["role"].get<std::string>(), row["reason"].get<std::string>());
      }
    }

    // 4. Preprocessing and beats of the training and calibration patients.
    t0 = Clock::now();
    stage("features", "preprocessing and beats of " + std::to_string(valid.size()) + " recordings");
    const Preprocessing& p = config.preprocessing;
    BeatTable train, calib;
    std::vector<const Recording*> evaluation_records;
    for (const Recording* r : valid) {
      const std::string& role = roles.at(r->name);
      std::int64_t n_beats = 0;
      if (role == "train") {
        collect_normal_beats(*r, p, train, n_beats);
      } else if (role == "calibration") {
        collect_normal_beats(*r, p, calib, n_beats);
      } else {
        evaluation_records.push_back(r);
        n_beats = -1;  // counted by the evaluation
      }
      if (n_beats >= 0) data[data_row[r->name]]["n_beats"] = n_beats;
      if (cancelled()) throw StateError("training cancelled");
    }
    const auto width = static_cast<std::size_t>(p.input_size());
    if (train.rows < 64 || calib.rows < drift::MonitorReference::kMinBeats) {
      throw InvalidArgument("too few normal beats: " + std::to_string(train.rows) +
                            " for training (need 64) and " + std::to_string(calib.rows) +
                            " for calibration (need 30)");
    }
    const auto rows = sample_rows(train.rows, config.max_train_beats, config.training.seed);
    RowMatrix x(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(width));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::copy_n(train.inputs.data() + rows[i] * width, width, x.row(static_cast<Eigen::Index>(i)).data());
    }
    timings["features_s"] = seconds_since(t0);

    // 5. Training on normal beats.
    t0 = Clock::now();
    stage("train", std::to_string(x.rows()) + " normal beats, " +
                       model::to_string(config.architecture.kind) + " autoencoder");
    model::Autoencoder ae(config.architecture, config.training.seed);
    model::TrainingHooks hooks;
    hooks.on_epoch = observer.on_epoch;
    hooks.cancel = observer.cancel;
    const model::TrainingSummary summary = ae.fit(x, config.training, hooks);
    if (summary.cancelled) throw StateError("training cancelled");
    timings["train_s"] = seconds_since(t0);

    // 6. Calibration on held-out patients' normal beats, scored by the runtime that will serve.
    t0 = Clock::now();
    stage("calibrate", std::to_string(calib.rows) + " normal beats of calibration patients");
    artifact::Bundle bundle = ae.to_bundle();
    bundle.preprocessing = p.to_json();
    const runtime::Model rt = artifact::make_runtime_model(bundle, "candidate");
    const RowMatrix xc = as_matrix(calib.inputs, calib.rows, width);
    const runtime::Scores sc = rt.score(xc);
    const Eigen::VectorXf& chosen = sc.mae;
    const Eigen::VectorXd calib_scores = chosen.cast<double>();
    Calibration cal;
    cal.conformal.fit(calib_scores);
    cal.band = config.band;
    cal.conformal.validate_band(cal.band);
    bundle.calibration = cal.to_json();
    using Map = Eigen::Map<const Eigen::VectorXd>;
    const auto n_cal = static_cast<Eigen::Index>(calib.rows);
    const drift::MonitorReference reference = drift::MonitorReference::fit(
        calib_scores, Map(calib.hr.data(), n_cal), Map(calib.amplitude.data(), n_cal),
        Map(calib.quality.data(), n_cal), drift::LatentMatrix(),
        Eigen::Map<const drift::LatentMatrix>(calib.beats.data(), n_cal, p.beats.length));
    bundle.drift_reference = reference.to_json();
    timings["calibrate_s"] = seconds_since(t0);

    // 7. Evaluation, exactly as production scores: the candidate package streams each record.
    t0 = Clock::now();
    stage("evaluate", std::to_string(evaluation_records.size()) + " evaluation recordings");
    const auto candidate = ModelPackage::from_bundle(bundle, "candidate");
    result.evaluation = evaluate(*candidate, evaluation_records, config.report_examples);
    {
      std::map<std::string, std::int64_t> per_record;
      for (const auto& name : result.evaluation.records) ++per_record[name];
      for (const auto& [name, count] : per_record) data[data_row[name]]["n_beats"] = count;
    }
    timings["evaluate_s"] = seconds_since(t0);

    // 8. The gate: floors, and no regression against production on the same data.
    t0 = Clock::now();
    stage("gate", "checking the candidate against the floors and the production model");
    const nlohmann::json& m = result.evaluation.metrics;
    auto check = [&](const std::string& name, double value, double limit, bool at_least) {
      GateCheck c{name, value, limit, at_least, at_least ? value >= limit : value <= limit, ""};
      c.text = name + " " + fixed(value) + (at_least ? " >= " : " <= ") + fixed(limit);
      result.checks.push_back(c);
    };
    const GateConfig& g = config.gate;
    const bool labelled = m.at("labelled").get<bool>();
    if (labelled) {
      check("roc_auc", m.at("roc_auc").get<double>(), g.min_roc_auc, true);
      check("average_precision", m.at("average_precision").get<double>(),
            g.min_average_precision, true);
      check("sensitivity", m.at("sensitivity").get<double>(), g.min_sensitivity, true);
    }
    check(labelled ? "false_positive_rate" : "false_positive_rate (unlabelled, taken as normal)",
          m.at("false_positive_rate").get<double>(), g.max_false_positive_rate, false);
    std::optional<store::ModelInfo> production;
    if (store) production = store->production_model(config.name);
    if (production) {
      const auto baseline = ModelPackage::load(production->bundle_path);
      if (baseline->preprocessing.fs_hz != p.fs_hz) {
        throw InvalidArgument("the production model expects " +
                              ecgad::detail::format_number(baseline->preprocessing.fs_hz) +
                              " Hz; the candidate's data is at " +
                              ecgad::detail::format_number(p.fs_hz) + " Hz");
      }
      result.production_evaluation = evaluate(*baseline, evaluation_records, 0);
      const nlohmann::json& base = result.production_evaluation->metrics;
      const std::string vs = " vs production v" + std::to_string(production->version);
      if (labelled) {
        check("roc_auc" + vs, m.at("roc_auc").get<double>(),
              base.at("roc_auc").get<double>() - g.max_regression, true);
      } else {
        check("false_positive_rate" + vs, m.at("false_positive_rate").get<double>(),
              base.at("false_positive_rate").get<double>() + g.max_regression, false);
      }
    }
    result.blessed = std::all_of(result.checks.begin(), result.checks.end(),
                                 [](const GateCheck& c) { return c.passed; });
    timings["gate_s"] = seconds_since(t0);

    // 9. The bundle and the registry.
    t0 = Clock::now();
    stage("store", "writing the bundle and the run record");
    nlohmann::json training_doc = summary.to_json();
    training_doc["run_uid"] = result.run_uid;
    training_doc["blessed"] = result.blessed;
    bundle.training = training_doc;
    fs::create_directories(config.model_dir);
    result.bundle_path = fs::path(config.model_dir) / (config.name + "-" + result.run_uid + ".ecgad");
    artifact::save_bundle(result.bundle_path, bundle);
    const auto saved = ModelPackage::load(result.bundle_path);  // verify what was written

    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : result.checks) {
      checks.push_back({{"name", c.name}, {"value", c.value},
                        {c.at_least ? "floor" : "ceiling", c.limit}, {"passed", c.passed},
                        {"text", c.text}});
    }
    result.metrics = {{"evaluation", m},
                      {"gate", {{"blessed", result.blessed}, {"checks", checks}}},
                      {"training", {{"epochs_run", summary.epochs_run},
                                    {"best_epoch", summary.best_epoch},
                                    {"train_loss", summary.train_loss},
                                    {"val_loss", summary.val_loss},
                                    {"n_train_beats", x.rows()},
                                    {"n_calibration_beats", calib.rows}}},
                      {"data", data}};
    if (result.production_evaluation) {
      result.metrics["production_evaluation"] = result.production_evaluation->metrics;
    }
    if (store) {
      store::ModelInfo info;
      info.name = config.name;
      info.bundle_path = fs::absolute(result.bundle_path).string();
      info.bundle_hash = saved->bundle_hash;
      info.stage = store::Stage::candidate;
      if (production) info.parent_id = production->id;
      info.run_id = run_id;
      info.metrics = {{"roc_auc", m.at("roc_auc")},
                      {"average_precision", m.at("average_precision")},
                      {"sensitivity", m.at("sensitivity")},
                      {"false_positive_rate", m.at("false_positive_rate")},
                      {"blessed", result.blessed}};
      result.model_id = store->register_model(info);
      result.model_version = store->model(result.model_id).version;
      const bool promote = result.blessed && (config.promote == "blessed" ||
                                              (config.promote == "first" && !production));
      if (promote) {
        store->promote(result.model_id);
        result.promoted = true;
      }
    }
    result.data = data;
    timings["store_s"] = seconds_since(t0);
    timings["total_s"] = seconds_since(t_start);
    result.timings = timings;

    // The report's sections for this run.
    std::vector<int> epochs;
    for (int e = 1; e <= summary.epochs_run; ++e) epochs.push_back(e);
    nlohmann::json report_data = nlohmann::json::array();
    for (const auto& row : data) {
      report_data.push_back({{"record", row["record"]}, {"role", row["role"]},
                             {"n_beats", row["n_beats"]}, {"reason", row["reason"]}});
    }
    result.report = {
        {"facts", nlohmann::json::array(
                      {nlohmann::json::array(
                           {"model", config.name + (result.model_version
                                                        ? " v" + std::to_string(result.model_version)
                                                        : std::string())}),
                       nlohmann::json::array(
                           {"architecture", model::to_string(config.architecture.kind)}),
                       nlohmann::json::array({"ROC-AUC", number_text(m.at("roc_auc"))}),
                       nlohmann::json::array(
                           {"average precision", number_text(m.at("average_precision"))}),
                       nlohmann::json::array(
                           {"false-positive rate", number_text(m.at("false_positive_rate"))}),
                       nlohmann::json::array({"blessed", result.blessed ? "yes" : "no"}),
                       nlohmann::json::array({"run", result.run_uid})})},
        {"training", {{"run_uid", result.run_uid},
                      {"architecture", model::to_string(config.architecture.kind)},
                      {"n_train_beats", x.rows()},
                      {"n_validation_beats", summary.n_validation},
                      {"history", {{"epoch", epochs},
                                   {"train_loss", summary.train_loss},
                                   {"val_loss", summary.val_loss},
                                   {"lr", summary.learning_rate}}},
                      {"best_epoch", summary.best_epoch},
                      {"data", report_data},
                      {"gate", {{"blessed", result.blessed},
                                {"reason", result.blessed ? "every check passed"
                                                          : "a check failed"},
                                {"checks", checks}}}}},
        {"evaluation", result.evaluation.report},
        {"config", effective}};
    result.metrics["timings"] = timings;
    result.metrics["report"] = result.report;
    if (store) {
      store->finish_run(run_id, "completed", result.metrics, timings,
                        artifact::data_fingerprint(x));
    }
  } catch (const std::exception& e) {
    if (store && run_id) {
      try {
        const bool was_cancelled = cancelled();
        store->finish_run(run_id, was_cancelled ? "cancelled" : "failed",
                          {{"error", e.what()}}, timings);
      } catch (...) {
        // The original error is the one to report.
      }
    }
    throw;
  }
  return result;
}

}  // namespace ecgad::pipeline
