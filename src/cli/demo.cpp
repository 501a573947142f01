// `ecgad demo`: the main job on built-in synthetic data, end to end (issue 6 §4):
// simulate a cohort -> train -> calibrate -> evaluate (slices) -> bless -> stream a day-like
// scenario with injected gradual and sudden drift -> alerts and a recommendation -> retrain a
// candidate with the reviewed stream data -> shadow it -> promote if better -> report.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecgad/artifact/checksum.hpp"
#include "ecgad/error.hpp"
#include "ecgad/version.hpp"

namespace ecgad::cli {

namespace fs = std::filesystem;

namespace {

// The first `seconds` of a recording, labels included (the reviewed part of the stream).
pipeline::Recording head(const pipeline::Recording& rec, double seconds, const std::string& name) {
  pipeline::Recording r = rec;
  const auto n = std::min<Eigen::Index>(rec.signal_mv.size(),
                                        static_cast<Eigen::Index>(seconds * rec.fs_hz));
  r.signal_mv = rec.signal_mv.head(n);
  r.label_samples.clear();
  r.labels.clear();
  for (std::size_t k = 0; k < rec.labels.size(); ++k) {
    if (rec.label_samples[k] < n) {
      r.label_samples.push_back(rec.label_samples[k]);
      r.labels.push_back(rec.labels[k]);
    }
  }
  r.name = name;
  r.content_hash = artifact::xxh128_hex(r.signal_mv.data(),
                                        static_cast<std::size_t>(n) * sizeof(double));
  return r;
}

}  // namespace

int run_demo(const DemoOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path dir = fs::absolute(o.workdir);
  fs::create_directories(dir);
  const fs::path db = dir / "ecgad.db";
  const fs::path report = dir / "report.html";
  // A demo starts from nothing: an old store would make v1 a candidate against an old production.
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  fs::remove_all(dir / "models");
  store::Store store(db);
  log_event("demo.start", {{"workdir_hash", hashed_id(dir.string())}, {"quick", o.quick}});
  say(fmt::format("ecgad {} demo: the whole life of an ECG anomaly detector on synthetic data",
                  ecgad::version_string));
  say(fmt::format("work folder {}\n", dir.string()));

  // 1-2. A cohort and the first model: train, calibrate, evaluate, gate, register, promote.
  pipeline::TrainingConfig config = pipeline::TrainingConfig::defaults();
  config.name = "ecg-dense";
  config.model_dir = (dir / "models").string();
  config.source.kind = "synthetic";
  config.source.synthetic.subjects = o.quick ? 9 : 15;
  config.source.synthetic.duration_s = o.quick ? 240.0 : 360.0;
  config.source.synthetic.seed = o.seed;
  config.training.epochs = o.quick ? 15 : 40;
  config.training.seed = o.seed;
  config.split.seed = o.seed;
  const auto& c = config.source.synthetic;
  say(fmt::format("[1/6] simulate a cohort of {} subjects x {:.0f} min ({}-{} bpm; PVC, SPB, ST "
                  "elevation and T inversion beats) and train model v1",
                  c.subjects, c.duration_s / 60.0, c.heart_rate_min_bpm, c.heart_rate_max_bpm));
  const auto v1 = train(config, &store);
  const auto& m1 = v1.evaluation.metrics;
  say(fmt::format("      v1: ROC-AUC {:.3f}, sensitivity {:.3f}, false-positive rate {:.4f} on "
                  "{} beats of held-out subjects; {}{}",
                  m1["roc_auc"].get<double>(), m1["sensitivity"].get<double>(),
                  m1["false_positive_rate"].get<double>(), m1["n_beats"].get<std::int64_t>(),
                  v1.blessed ? "blessed" : "NOT blessed",
                  v1.promoted ? ", promoted to production" : ""));
  if (!v1.promoted) {
    say("      the first model was not blessed; the demo stops here (see the report)");
    write_report(store, report.string(), v1.run_id, 0, 0, "ecgad demo report");
    say("report: " + report.string());
    return Exit::check_failed;
  }

  // 3. A day-like stream with drift, through the production model, into the results store.
  const double day_s = o.quick ? 3600.0 : 3 * 3600.0;
  const auto scenario = pipeline::named_scenario("day", day_s, o.seed + 6);
  const auto stream_rec = pipeline::scenario_recording(scenario);
  say(fmt::format("\n[2/6] stream a {:.0f} h day-like scenario as if live: heart rate +30 bpm "
                  "over 20 min at {:.0f} min (gradual), gain x2 at {:.0f} min (sudden), "
                  "electrode noise from {:.0f} min",
                  day_s / 3600.0, scenario.changes[0].start_s / 60.0,
                  scenario.changes[1].start_s / 60.0, scenario.changes[2].start_s / 60.0));
  const ModelRef production = resolve_model("ecg-dense", &store);
  StreamSettings st;
  st.name = "patient-day";
  st.review_flagged = true;  // a reviewer labels what the pipeline flags, as it streams
  const auto streamed = replay(production, stream_rec, &store, st);
  say(fmt::format("      {} beats ({:.0f}x real time): {} normal, {} uncertain, {} anomalous; "
                  "{} alert(s):",
                  streamed.stats.beats, stream_rec.duration_s() / streamed.seconds,
                  streamed.stats.normal, streamed.stats.uncertain, streamed.stats.anomalous,
                  streamed.alerts.size()));
  for (const auto& a : streamed.alerts) {
    say(fmt::format("        {:>6.1f} min  {:<10} {:<7} since {:>6.1f} min  {:<13} -> {}",
                    a.detected_s / 60.0, drift::to_string(a.kind), drift::to_string(a.shape),
                    a.since_s / 60.0, drift::to_string(a.cause), drift::to_string(a.action)));
  }

  // 4. The recommendation, and a reviewer's labels for what was flagged.
  const auto& rec = streamed.recommendation;
  say("\n[3/6] recommendation:");
  for (const auto& r : rec.reasons) say("        " + r);
  if (rec.reasons.empty()) say("        none: no drift alert");
  say(fmt::format("      a reviewer labelled the {} flagged or uncertain beats as they came "
                  "(reviews table; the labels feed the error-rate channel)",
                  streamed.reviews));

  // 5. Retrain a candidate with the reviewed first part of the stream added to the cohort.
  const double reviewed_s = 0.5 * day_s;
  say(fmt::format("\n[4/6] retrain a candidate on the cohort plus the reviewed first {:.0f} min "
                  "of the stream{}",
                  reviewed_s / 60.0, rec.retrain ? " (retraining recommended)" : ""));
  std::vector<pipeline::Recording> cohort = pipeline::load_recordings(config.source);
  cohort.push_back(head(stream_rec, reviewed_s, "patient-day-reviewed"));
  pipeline::TrainingConfig config2 = config;
  config2.promote = "never";  // the candidate earns production in shadow mode
  config2.split.train_records = {"patient-day-reviewed"};
  const auto v2 = train(config2, &store, &cohort);
  const auto& m2 = v2.evaluation.metrics;
  say(fmt::format("      v2: ROC-AUC {:.3f} (production v1 on the same data {:.3f}); {}",
                  m2["roc_auc"].get<double>(),
                  v2.production_evaluation
                      ? v2.production_evaluation->metrics["roc_auc"].get<double>()
                      : 0.0,
                  v2.blessed ? "blessed" : "NOT blessed"));

  // 6. Shadow the candidate on the rest of the stream; promote if it is better there.
  say(fmt::format("\n[5/6] shadow v{} beside production v1 on the remaining {:.0f} min of the "
                  "stream",
                  v2.model_version, (day_s - reviewed_s) / 60.0));
  const ModelRef candidate = resolve_model(std::to_string(v2.model_id), &store);
  StreamSettings sh;
  sh.name = "patient-day-shadow";
  sh.from_s = reviewed_s;
  const auto shadowed = shadow(production, candidate, stream_rec, &store, sh, v2.blessed);
  const auto& s = shadowed.summary;
  say(fmt::format("      {} beats, agreement {:.2f} %, {} disagreement(s)", s.paired,
                  100.0 * s.agreement_rate, s.disagreements));
  say("      " + s.verdict + (shadowed.promoted ? "  -> v" + std::to_string(v2.model_version) +
                                                    " promoted to production"
                                              : "  -> production v1 kept"));

  say("\n[6/6] report");
  write_report(store, report.string(), v2.run_id, streamed.run_id, shadowed.run_id,
               "ecgad demo report");
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  say(fmt::format("\ndone in {:.0f} s", secs));
  say("report : " + report.string());
  say("store  : " + db.string() + "  (ecgad runs --store " + db.string() + ")");
  say("log    : " + (globals().log_file.empty() ? std::string("(none)") : globals().log_file));
  emit_json({{"report", report.string()}, {"store", db.string()},
             {"v1", {{"model_id", v1.model_id}, {"metrics", m1}}},
             {"stream", {{"run_id", streamed.run_id}, {"stats", streamed.stats.to_json()},
                         {"recommendation", rec.to_json()}}},
             {"v2", {{"model_id", v2.model_id}, {"blessed", v2.blessed}}},
             {"shadow", {{"run_id", shadowed.run_id}, {"summary", s.to_json()},
                         {"promoted", shadowed.promoted}}},
             {"seconds", secs}});
  log_event("demo.done", {{"seconds", secs}, {"promoted_candidate", shadowed.promoted}});
  return Exit::ok;
}

}  // namespace ecgad::cli
