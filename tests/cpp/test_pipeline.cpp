// The training and inference pipelines as a C++ host uses them (issue 6): a small synthetic
// cohort is trained, calibrated, evaluated, gated and registered in a store; the bundle is then
// streamed in chunks of any size (same events), by many streams on threads (same as serial),
// and shadowed. Bad input gets clear errors and changes nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <unistd.h>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/error.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/recorder.hpp"
#include "ecgad/pipeline/run_report.hpp"
#include "ecgad/pipeline/shadow.hpp"
#include "ecgad/pipeline/training.hpp"
#include "ecgad/store/store.hpp"

namespace fs = std::filesystem;
using namespace ecgad;
using namespace ecgad::pipeline;

namespace {

// ctest runs every TEST in its own process, two at a time: each process gets its own folders.
fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() /
                     ("ecgad_test_pipeline_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TrainingConfig small_config(const fs::path& dir) {
  TrainingConfig c = TrainingConfig::defaults();
  c.name = "test-model";
  c.source.synthetic.subjects = 6;
  c.source.synthetic.duration_s = 150.0;
  c.source.synthetic.pvc_rate = 0.08;
  c.source.synthetic.seed = 3;
  c.training.epochs = 8;
  c.validation.min_duration_s = 60.0;
  c.gate.min_roc_auc = 0.5;
  c.gate.max_false_positive_rate = 0.5;
  c.model_dir = (dir / "models").string();
  return c;
}

// The models of the file, trained once per test process (a second of work): production, and a
// different candidate (other seed and size, never promoted) for the shadow tests.
struct Trained {
  fs::path dir = temp_dir("shared");
  std::unique_ptr<store::Store> store;
  TrainingResult result, other;
  std::vector<Recording> recordings;
  Trained() {
    store = std::make_unique<store::Store>(dir / "store.db");
    const TrainingConfig c = small_config(dir);
    recordings = load_recordings(c.source);
    result = run_training(c, store.get(), {}, &recordings);
    TrainingConfig o = c;
    o.training.seed = 9;
    o.training.epochs = 3;
    o.architecture.hidden = {32, 8};
    o.promote = "never";
    other = run_training(o, store.get(), {}, &recordings);
  }
  ~Trained() {
    store.reset();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

Trained& trained() {
  static Trained t;
  return t;
}

std::vector<BeatEvent> stream_in_chunks(std::shared_ptr<const ModelPackage> pkg,
                                        const Eigen::VectorXd& x, std::uint64_t seed,
                                        bool monitor = false) {
  StreamOptions o;
  o.monitor = monitor;
  o.monitor_warmup_s = 30.0;
  StreamPipeline p(std::move(pkg), o);
  std::vector<BeatEvent> events;
  p.set_event_callback([&](const BeatEvent& e) { events.push_back(e); });
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<Eigen::Index> size(0, 900);
  Eigen::Index at = 0;
  while (at < x.size()) {
    const Eigen::Index n = seed == 0 ? x.size() : std::min(size(gen), x.size() - at);
    p.process(x.segment(at, n));
    at += n;
  }
  p.finish();
  return events;
}

void expect_same(const std::vector<BeatEvent>& a, const std::vector<BeatEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].sample_index, b[i].sample_index);
    EXPECT_EQ(a[i].score, b[i].score);  // bit for bit
    EXPECT_EQ(a[i].p_value, b[i].p_value);
    EXPECT_EQ(a[i].decision, b[i].decision);
    EXPECT_EQ(a[i].quality_known, b[i].quality_known);
  }
}

}  // namespace

TEST(Preprocessing, JsonRoundTripAndStrictReading) {
  Preprocessing p;
  p.bandpass_high_hz = 35.0;
  p.beats.length = 120;
  p.features.reference.length = 120;
  const Preprocessing q = Preprocessing::from_json(p.to_json());
  EXPECT_EQ(q.to_json(), p.to_json());
  nlohmann::json missing = p.to_json();
  missing.erase("qrs_half_width_s");
  EXPECT_THROW(Preprocessing::from_json(missing), FormatError);
  nlohmann::json bad = p.to_json();
  bad["bandpass_hz"] = {40.0, 0.5};
  EXPECT_THROW(Preprocessing::from_json(bad), FormatError);
}

TEST(TrainingConfig, UnknownKeysAndBadValuesAreErrors) {
  EXPECT_THROW(TrainingConfig::from_json({{"epoch", 3}}), InvalidArgument);
  EXPECT_THROW(TrainingConfig::from_json({{"training", {{"epoch", 3}}}}), InvalidArgument);
  EXPECT_THROW(TrainingConfig::from_json({{"source", {{"kind", "ftp"}}}}), InvalidArgument);
  EXPECT_THROW(TrainingConfig::from_json({{"preprocessing", {{"fs", 250}}}}), InvalidArgument);
  EXPECT_THROW(TrainingConfig::from_json({{"promote", "always"}}), InvalidArgument);
  try {
    TrainingConfig::from_json({{"gate", {{"min_auc", 0.9}}}});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("min_auc"), std::string::npos) << e.what();
  }
}

TEST(TrainingConfig, TomlAndJsonFilesMeanTheSameRun) {
  const fs::path d = temp_dir("config");
  const nlohmann::json j = {{"name", "m1"},
                            {"source", {{"kind", "synthetic"}, {"synthetic", {{"subjects", 5}}}}},
                            {"training", {{"epochs", 3}}},
                            {"gate", {{"min_roc_auc", 0.8}}}};
  std::ofstream(d / "run.json") << j.dump();
  std::ofstream(d / "run.toml") << "name = \"m1\"\n[source]\nkind = \"synthetic\"\n"
                                   "[source.synthetic]\nsubjects = 5\n[training]\nepochs = 3\n"
                                   "[gate]\nmin_roc_auc = 0.8\n";
  const auto a = TrainingConfig::load(d / "run.json").to_json();
  const auto b = TrainingConfig::load(d / "run.toml").to_json();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a["training"]["epochs"], 3);
  std::ofstream(d / "bad.toml") << "name = [\n";
  EXPECT_THROW(TrainingConfig::load(d / "bad.toml"), FormatError);
  EXPECT_THROW(TrainingConfig::load(d / "missing.json"), IoError);
  std::ofstream(d / "run.yaml") << "name: x\n";
  EXPECT_THROW(TrainingConfig::load(d / "run.yaml"), InvalidArgument);
}

// Fuzzing regression (tests/fuzz_regressions/config): toml11 3.7 parses a long TOML array in
// quadratic time (a 169 KB `train_records = [...]` took 2 minutes), so config files are capped.
TEST(TrainingConfig, OversizedConfigFilesAreRefusedBeforeParsing) {
  const fs::path d = temp_dir("config_size");
  std::string records;
  for (int i = 0; i < 20000; ++i) records += (i == 0 ? "\"r" : ", \"r") + std::to_string(i) + "\"";
  std::ofstream(d / "huge.toml") << "[split]\ntrain_records = [" << records << "]\n";
  const auto start = std::chrono::steady_clock::now();
  try {
    TrainingConfig::load(d / "huge.toml");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("huge.toml"), std::string::npos) << what;
    EXPECT_NE(what.find("expected at most " + std::to_string(kMaxConfigFileBytes)),
              std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
  // Just under the cap still loads (as far as its content is valid).
  std::string comments;
  while (comments.size() + 100 < kMaxConfigFileBytes) comments += "# " + std::string(77, '-') + "\n";
  std::ofstream(d / "ok.toml") << "name = \"m\"\n" << comments;
  EXPECT_EQ(TrainingConfig::load(d / "ok.toml").name, "m");
}

// Fuzzing regression (tests/fuzz_regressions/config/toml-quadratic-line-32k): under the file
// cap, a 32 KB one-line TOML array still took > 12 s (ASan), as toml11's cost is quadratic in
// the line length. Long lines are refused; the same array over several lines loads.
TEST(TrainingConfig, OverlongTomlLinesAreRefused) {
  const fs::path d = temp_dir("config_line");
  std::string one_line, many_lines;
  for (int i = 0; i < 1000; ++i) {
    const std::string item = "\"r" + std::to_string(i) + "\"";
    one_line += (i == 0 ? "" : ", ") + item;
    many_lines += (i == 0 ? "" : ",\n") + item;
  }
  std::ofstream(d / "line.toml") << "[split]\ntrain_records = [" << one_line << "]\n";
  try {
    TrainingConfig::load(d / "line.toml");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("line 2 is"), std::string::npos) << what;
    EXPECT_NE(what.find("at most " + std::to_string(kMaxTomlLineBytes)), std::string::npos)
        << what;
  }
  std::ofstream(d / "lines.toml") << "[split]\ntrain_records = [\n" << many_lines << "]\n";
  EXPECT_EQ(TrainingConfig::load(d / "lines.toml").split.train_records.size(), 1000U);
}

TEST(DataValidation, FailingRecordingsAreListedWithTheirReason) {
  Recording r = synthetic_subject(SyntheticCohort{}, 0);
  DataSchema schema;
  EXPECT_TRUE(check_recording(r, schema).ok);
  Recording nan = r;
  nan.signal_mv[1000] = std::numeric_limits<double>::quiet_NaN();
  const auto c1 = check_recording(nan, schema);
  EXPECT_FALSE(c1.ok);
  EXPECT_NE(c1.reason.find("NaN"), std::string::npos) << c1.reason;
  Recording volts = r;
  volts.signal_mv *= 1000.0;  // µV mistaken for mV
  EXPECT_NE(check_recording(volts, schema).reason.find("units"), std::string::npos);
  Recording short_one = r;
  short_one.signal_mv.conservativeResize(360 * 10);
  EXPECT_NE(check_recording(short_one, schema).reason.find("duration"), std::string::npos);
  Recording flat = r;
  flat.signal_mv.setZero();
  EXPECT_NE(check_recording(flat, schema).reason.find("usable"), std::string::npos);
}

TEST(TrainingPipeline, TrainsCalibratesEvaluatesGatesAndRegisters) {
  Trained& t = trained();
  const TrainingResult& r = t.result;
  // Evaluated on held-out subjects only, with PVC and SPB beats the model never saw.
  EXPECT_GT(r.evaluation.metrics["roc_auc"].get<double>(), 0.85);
  EXPECT_GT(r.evaluation.metrics["n_abnormal"].get<int>(), 10);
  EXPECT_TRUE(r.blessed);
  EXPECT_TRUE(r.promoted);  // the first blessed model becomes production
  // Record-disjoint: every recording has exactly one role.
  std::set<std::string> train, other;
  for (const auto& row : r.data) {
    (row["role"] == "train" ? train : other).insert(row["record"].get<std::string>());
  }
  for (const auto& name : train) EXPECT_EQ(other.count(name), 0u) << name;
  EXPECT_EQ(train.size() + other.size(), 6u);
  // Store: run, records with roles, model in production with the bundle's hash.
  const store::RunInfo run = t.store->run(r.run_id);
  EXPECT_EQ(run.status, "completed");
  EXPECT_EQ(run.config, small_config(t.dir).to_json());
  EXPECT_EQ(t.store->run_records(r.run_id).size(), 6u);
  const auto prod = t.store->production_model("test-model");
  ASSERT_TRUE(prod.has_value());
  EXPECT_EQ(prod->id, r.model_id);
  const auto pkg = ModelPackage::load(r.bundle_path);
  EXPECT_EQ(pkg->bundle_hash, prod->bundle_hash);
  ASSERT_TRUE(pkg->drift_reference.has_value());
  // The evaluation re-runs identically from the bundle.
  std::vector<const Recording*> eval;
  for (const auto& rec : t.recordings) {
    for (const auto& row : r.data) {
      if (row["record"] == rec.name && row["role"] == "evaluation") eval.push_back(&rec);
    }
  }
  const Evaluation again = evaluate(*pkg, eval);
  EXPECT_EQ(again.scores, r.evaluation.scores);
  EXPECT_EQ(again.metrics["roc_auc"], r.evaluation.metrics["roc_auc"]);
}

TEST(TrainingPipeline, SecondRunIsGatedAgainstProductionAndRejectsBadRecordings) {
  Trained& t = trained();
  TrainingConfig c = small_config(t.dir);
  std::vector<Recording> recs = t.recordings;
  Recording broken = recs[0];
  broken.name = "broken";
  broken.signal_mv[10] = std::numeric_limits<double>::infinity();
  recs.push_back(broken);
  const TrainingResult r = run_training(c, t.store.get(), {}, &recs);
  ASSERT_TRUE(r.production_evaluation.has_value());
  bool compared = false;
  for (const auto& check : r.checks) compared |= check.name.rfind("roc_auc vs production", 0) == 0;
  EXPECT_TRUE(compared);
  EXPECT_FALSE(r.promoted);  // "first": production exists already
  bool listed = false;
  for (const auto& row : r.data) {
    if (row["record"] == "broken") {
      listed = true;
      EXPECT_EQ(row["role"], "rejected");
      EXPECT_NE(row["reason"].get<std::string>().find("NaN/Inf"), std::string::npos);
    }
  }
  EXPECT_TRUE(listed);
  const auto m = t.store->model(r.model_id);
  EXPECT_EQ(m.stage, store::Stage::candidate);
  ASSERT_TRUE(m.parent_id.has_value());
  EXPECT_EQ(*m.parent_id, t.result.model_id);
  EXPECT_EQ(t.store->model(t.other.model_id).stage, store::Stage::candidate);  // "never"
}

TEST(TrainingPipeline, UnlabelledRecordingsAreGatedOnTheFlaggedShare) {
  // NPY/CSV sources carry no labels: every beat is taken as normal and the share flagged
  // anomalous is the false-positive rate the gate checks.
  Trained& t = trained();
  std::vector<Recording> recs = t.recordings;
  for (auto& r : recs) {
    r.label_samples.clear();
    r.labels.clear();
  }
  TrainingConfig c = small_config(temp_dir("unlabelled"));
  c.gate.max_false_positive_rate = 0.2;
  const TrainingResult r = run_training(c, nullptr, {}, &recs);
  const auto& m = r.evaluation.metrics;
  EXPECT_FALSE(m["labelled"].get<bool>());
  EXPECT_TRUE(m["roc_auc"].is_null());
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_EQ(r.checks[0].name, "false_positive_rate (unlabelled, taken as normal)");
  const double fpr = m["false_positive_rate"].get<double>();
  const auto flagged = std::count(r.evaluation.decisions.begin(), r.evaluation.decisions.end(),
                                  static_cast<int>(calibrate::Decision::anomalous));
  EXPECT_DOUBLE_EQ(fpr, static_cast<double>(flagged) / static_cast<double>(r.evaluation.scores.size()));
  EXPECT_GT(fpr, 0.0);  // the PVCs among the "normal" beats are flagged
  EXPECT_EQ(r.blessed, fpr <= 0.2);
  EXPECT_NO_THROW(ModelPackage::load(r.bundle_path));
}

TEST(TrainingPipeline, CancelledRunIsRecordedAsCancelled) {
  Trained& t = trained();
  std::atomic<bool> cancel{true};
  TrainingObserver obs;
  obs.cancel = &cancel;
  EXPECT_THROW(run_training(small_config(t.dir), t.store.get(), obs, &t.recordings), StateError);
  EXPECT_EQ(t.store->runs("train").front().status, "cancelled");
}

TEST(StreamPipeline, EventsDoNotDependOnChunking) {
  Trained& t = trained();
  const auto pkg = ModelPackage::load(t.result.bundle_path);
  const Eigen::VectorXd& x = t.recordings[0].signal_mv;
  const auto whole = stream_in_chunks(pkg, x, 0);
  EXPECT_GT(whole.size(), 100u);
  expect_same(whole, stream_in_chunks(pkg, x, 1));
  expect_same(whole, stream_in_chunks(pkg, x, 2));
  expect_same(whole, score_recording(pkg, x, 360.0));
  // With the monitor on, the events are the same and the monitor adds alerts only.
  expect_same(whole, stream_in_chunks(pkg, x, 3, true));
  // Decisions: p <= alpha_anomaly anomalous, beats before the patient reference is warm and
  // those on unusable signal are sent to review.
  for (const auto& e : whole) {
    if (std::string(e.uncertain_reason).empty()) {
      const auto& band = pkg->calibration.band;
      const auto expected = e.p_value <= band.alpha_anomaly  ? calibrate::Decision::anomalous
                            : e.p_value >= band.alpha_normal ? calibrate::Decision::normal
                                                              : calibrate::Decision::uncertain;
      EXPECT_EQ(e.decision, expected);
    } else {
      EXPECT_EQ(e.decision, calibrate::Decision::uncertain);
    }
  }
  EXPECT_STREQ(whole.front().uncertain_reason, "warmup");
}

TEST(StreamPipeline, LatencyIsBoundedAsDocumented) {
  Trained& t = trained();
  const auto pkg = ModelPackage::load(t.result.bundle_path);
  StreamOptions o;
  o.monitor = false;
  StreamPipeline p(pkg, o);
  std::int64_t pushed = 0;
  double worst_s = 0.0;
  p.set_event_callback([&](const BeatEvent& e) {
    worst_s = std::max(worst_s, static_cast<double>(pushed - e.sample_index) / 360.0);
  });
  const Eigen::VectorXd& x = t.recordings[1].signal_mv;
  for (Eigen::Index at = 0; at < x.size(); ++at) {  // one sample at a time
    pushed = at + 1;
    p.process(x.segment(at, 1));
  }
  EXPECT_GT(worst_s, 0.0);
  EXPECT_LE(worst_s, p.latency_bound_s(2.0));
}

TEST(StreamPipeline, BadInputIsRefusedAndLosesNothing) {
  Trained& t = trained();
  const auto pkg = ModelPackage::load(t.result.bundle_path);
  StreamOptions wrong;
  wrong.fs_hz = 250.0;
  try {
    StreamPipeline p(pkg, wrong);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("360"), std::string::npos) << e.what();
  }
  const Eigen::VectorXd& x = t.recordings[2].signal_mv;
  const auto reference = stream_in_chunks(pkg, x, 0);
  StreamOptions o;
  o.monitor = false;
  StreamPipeline p(pkg, o);
  std::vector<BeatEvent> events;
  p.set_event_callback([&](const BeatEvent& e) { events.push_back(e); });
  const Eigen::Index half = x.size() / 2;
  p.process(x.head(half));
  Eigen::VectorXd bad = x.segment(half, 500);
  bad[250] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(p.process(bad), InvalidArgument);
  p.process(x.tail(x.size() - half));  // as if the bad chunk never came
  p.finish();
  expect_same(reference, events);
  EXPECT_THROW(p.process(x.head(10)), StateError);
}

TEST(StreamPipeline, ManyStreamsOnThreadsEqualTheSerialRun) {
  Trained& t = trained();
  const auto pkg = ModelPackage::load(t.result.bundle_path);
  const std::size_t n = 4;
  std::vector<std::vector<BeatEvent>> serial(n), parallel(n);
  for (std::size_t i = 0; i < n; ++i) serial[i] = stream_in_chunks(pkg, t.recordings[i].signal_mv, 5 + i, true);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { parallel[i] = stream_in_chunks(pkg, t.recordings[i].signal_mv, 5 + i, true); });
  }
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < n; ++i) expect_same(serial[i], parallel[i]);
}

TEST(ModelPackage, RefusesUncalibratedAndMismatchedBundles) {
  Trained& t = trained();
  artifact::Bundle b = artifact::load_bundle(t.result.bundle_path);
  artifact::Bundle uncalibrated = b;
  uncalibrated.calibration = nullptr;
  try {
    ModelPackage::from_bundle(uncalibrated, "x");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("calibrat"), std::string::npos) << e.what();
  }
  artifact::Bundle mismatched = b;
  Preprocessing p = Preprocessing::from_json(b.preprocessing);
  p.features.extras.clear();  // 140 inputs, the model takes 142
  mismatched.preprocessing = p.to_json();
  try {
    ModelPackage::from_bundle(mismatched, "x");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("mismatched"), std::string::npos) << e.what();
  }
}

TEST(ShadowPipeline, SameModelAgreesEverywhereAndResultsReachTheStore) {
  Trained& t = trained();
  const auto pkg = ModelPackage::load(t.result.bundle_path);
  const Recording& rec = t.recordings[3];
  StreamOptions o;
  o.monitor = false;
  ShadowPipeline s(pkg, pkg, o);
  s.set_reference(rec.label_samples, rec.labels);
  s.process(rec.signal_mv);
  s.finish();
  const ShadowSummary sum = s.summary();
  EXPECT_GT(sum.paired, 100);
  EXPECT_EQ(sum.unpaired, 0);
  EXPECT_EQ(sum.disagreements, 0);
  EXPECT_DOUBLE_EQ(sum.agreement_rate, 1.0);
  EXPECT_EQ(sum.production.roc_auc, sum.candidate.roc_auc);
  EXPECT_FALSE(sum.candidate_better && sum.production.labelled < 200);

  // A different model disagrees somewhere; counts stay consistent.
  const auto other = ModelPackage::load(t.other.bundle_path);
  ShadowPipeline s2(pkg, other, o);
  store::Store& st = *t.store;
  const auto run = st.begin_run("shadow", {{"name", "t"}});
  {
    EventRecorder recorder(st, run, "s2", t.result.model_id);
    s2.set_event_callback([&](const BeatEvent& e) { recorder.add(e); });
    s2.set_disagreement_callback([&](const Disagreement& d) { recorder.add(d, 1, 2); });
    s2.process(rec.signal_mv);
    s2.finish();
  }
  const ShadowSummary sum2 = s2.summary();
  EXPECT_EQ(static_cast<std::size_t>(sum2.disagreements), s2.disagreements().size());
  EXPECT_EQ(st.disagreements(run).size(), s2.disagreements().size());
  store::EventQuery q;
  q.run_id = run;
  EXPECT_EQ(st.count_events(q), sum2.production.beats);
}

TEST(RunReport, DocumentOfStoredRuns) {
  Trained& t = trained();
  const auto pkg = ModelPackage::load(t.result.bundle_path);
  store::Store& st = *t.store;
  const auto run = st.begin_run("stream", {{"name", "report-test"}});
  StreamOptions o;
  o.monitor_warmup_s = 30.0;
  StreamPipeline p(pkg, o);
  {
    EventRecorder recorder(st, run, "r", t.result.model_id, 64);
    recorder.attach(p);
    p.process(t.recordings[4].signal_mv);
    p.finish();
  }
  st.finish_run(run, "completed", {{"threshold", pkg->calibration.threshold()}}, nlohmann::json::object());
  ReportSources src;
  src.train_run = t.result.run_id;
  src.stream_run = run;
  const nlohmann::json doc = report_document(st, src);
  EXPECT_TRUE(doc.contains("training"));
  EXPECT_TRUE(doc.contains("evaluation"));
  ASSERT_TRUE(doc.contains("stream"));
  EXPECT_EQ(doc["stream"]["time_s"].size(), static_cast<std::size_t>(p.stats().beats));
  src.stream_run = t.result.run_id;  // wrong kind
  EXPECT_THROW(report_document(st, src), InvalidArgument);
}
