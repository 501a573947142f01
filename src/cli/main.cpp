// The `ecgad` command-line tool. A face only: it parses options (CLI11), calls the library,
// prints text or JSON, writes JSON-lines logs, and maps errors to exit codes (common.hpp).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "ecgad/error.hpp"
#include "ecgad/model/backend.hpp"
#include "ecgad/version.hpp"

using namespace ecgad::cli;

namespace {

int run_info() {
  const auto info = ecgad::model::backend_info();
  say(fmt::format("ecgad {}\nLibTorch {} (intra-op threads {}, inter-op threads {}, CUDA {})",
                  ecgad::version_string, info.torch_version, info.intra_op_threads,
                  info.inter_op_threads, info.cuda_available ? "yes" : "no"));
  emit_json({{"version", ecgad::version_string}, {"torch", info.torch_version}});
  return Exit::ok;
}

void add_stream_settings(CLI::App* app, StreamSettings& s) {
  app->add_option("--chunk-s", s.chunk_s, "Samples pushed per call, in seconds")
      ->check(CLI::Range(0.001, 3600.0));
  app->add_option("--warmup-s", s.monitor_warmup_s,
                  "Seconds of the stream that become the drift monitor's reference")
      ->check(CLI::Range(0.0, 86400.0));
  app->add_flag("--bundle-reference", s.use_bundle_reference,
                "Monitor against the bundle's drift reference instead of the stream's warm-up");
  app->add_option("--name", s.name, "Stream id (default: the recording's name)");
  app->add_option("--from-s", s.from_s, "Replay from this time of the recording, s")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--to-s", s.to_s, "Replay up to this time, s (0 = the end)")
      ->check(CLI::NonNegativeNumber);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ecgad: ECG anomaly detection for production (training, inference, drift, "
               "store, report)"};
  app.set_version_flag("--version", std::string(ecgad::version_string));
  app.require_subcommand(1);
  Globals& g = globals();
  app.add_flag("--json", g.json, "Machine-readable JSON on stdout instead of text");
  app.add_option("--log-file", g.log_file,
                 "Append JSON-lines logs here ('-' = stderr; demo default: <workdir>/ecgad.jsonl)");
  app.add_flag("--quiet", g.quiet, "No progress bars");

  auto* info = app.add_subcommand("info", "Version and training backend");

  SimulateOptions sim;
  auto* simulate = app.add_subcommand("simulate", "Write synthetic WFDB records (cohort or scenario)");
  simulate->add_option("--out", sim.out_dir, "Output folder")->required();
  simulate->add_option("--subjects", sim.subjects, "Cohort size")->check(CLI::Range(1, 10000));
  simulate->add_option("--duration-s", sim.duration_s, "Seconds per record")
      ->check(CLI::Range(10.0, 172800.0));
  simulate->add_option("--seed", sim.seed, "Random seed");
  simulate->add_option("--scenario", sim.scenario,
                       "Write one drift scenario stream instead (stable, day, or a drift kind)");

  IngestOptions ing;
  auto* ingest = app.add_subcommand("ingest", "Validate recordings and index them in the store");
  ingest->add_option("--store", ing.store, "SQLite store")->required();
  ingest->add_option("--source", ing.kind, "wfdb, npy or csv")
      ->check(CLI::IsMember({"wfdb", "npy", "csv"}));
  ingest->add_option("--path", ing.path, "Folder or file")->required();
  ingest->add_option("--fs-hz", ing.fs_hz, "Sampling rate of npy/csv signals");
  ingest->add_option("--lead", ing.lead, "Signal index")->check(CLI::NonNegativeNumber);

  TrainOptions tr;
  auto* train_cmd = app.add_subcommand("train", "Run the training pipeline from a JSON/TOML config");
  train_cmd->add_option("--config", tr.config, "Run config (.json or .toml)")
      ->required()
      ->check(CLI::ExistingFile);
  train_cmd->add_option("--store", tr.store, "SQLite store for the run and the registry");
  train_cmd->add_flag("--require-blessed", tr.require_blessed,
                      "Exit 1 when the model does not pass the gate");

  EvaluateOptions ev;
  auto* evaluate = app.add_subcommand("evaluate", "Evaluate a model on labelled recordings");
  evaluate->add_option("--model", ev.model, "Bundle path, registry id or model name")->required();
  evaluate->add_option("--store", ev.store, "SQLite store (for ids/names, and to record the run)");
  evaluate->add_option("--source", ev.source, "wfdb, npy or csv")
      ->check(CLI::IsMember({"wfdb", "npy", "csv"}));
  evaluate->add_option("--path", ev.path, "Folder or file")->required();
  evaluate->add_option("--records", ev.records, "WFDB record names (default: all)");
  evaluate->add_option("--fs-hz", ev.fs_hz, "Sampling rate of npy/csv signals");
  evaluate->add_option("--lead", ev.lead, "Signal index");

  CalibrateOptions cal;
  auto* calibrate = app.add_subcommand(
      "calibrate", "Re-fit a model's conformal threshold on normal beats of new recordings");
  calibrate->add_option("--model", cal.model, "Bundle path, registry id or model name")->required();
  calibrate->add_option("--out", cal.out, "Recalibrated bundle to write")->required();
  calibrate->add_option("--store", cal.store, "SQLite store (for ids/names)");
  calibrate->add_option("--source", cal.source, "wfdb, npy or csv")
      ->check(CLI::IsMember({"wfdb", "npy", "csv"}));
  calibrate->add_option("--path", cal.path, "Folder or file")->required();
  calibrate->add_option("--records", cal.records, "WFDB record names (default: all)");
  calibrate->add_option("--fs-hz", cal.fs_hz, "Sampling rate of npy/csv signals");
  calibrate->add_option("--alpha-anomaly", cal.alpha_anomaly, "p <= this: anomalous")
      ->check(CLI::Range(1e-9, 1.0));
  calibrate->add_option("--alpha-normal", cal.alpha_normal, "p >= this: normal")
      ->check(CLI::Range(1e-9, 1.0));

  ScoreOptions sc;
  auto* score = app.add_subcommand("score", "Score every beat of a recording (batch inference)");
  score->add_option("--model", sc.model, "Bundle path, registry id or model name")->required();
  score->add_option("--input", sc.inputs,
                    "WFDB records (paths without extension), .npy or .csv files; several allowed")
      ->required();
  score->add_option("--store", sc.store, "SQLite store: results go to the events table");
  score->add_option("--out", sc.out, "Write the events as CSV");
  score->add_option("--fs-hz", sc.fs_hz, "Sampling rate of npy/csv signals");
  score->add_option("--lead", sc.lead, "Signal index");

  StreamOptions so;
  auto* stream = app.add_subcommand("stream", "Replay a recording or scenario as if live");
  stream->add_option("--model", so.model, "Bundle path, registry id or model name")->required();
  stream->add_option("--input", so.input,
                     "WFDB record, .npy/.csv, or scenario:<stable|day|drift kind>");
  stream->add_option("--store", so.store, "SQLite store: events, alerts and the run");
  stream->add_option("--fs-hz", so.fs_hz, "Sampling rate of npy/csv signals");
  stream->add_option("--duration-s", so.duration_s, "Scenario length, s")
      ->check(CLI::Range(600.0, 172800.0));
  stream->add_option("--seed", so.seed, "Scenario seed");
  stream->add_option("--lead", so.lead, "Signal index");
  add_stream_settings(stream, so.settings);

  MonitorOptions mo;
  auto* monitor = app.add_subcommand("monitor", "Alerts and recommendation of a stored stream run");
  monitor->add_option("--store", mo.store, "SQLite store")->required();
  monitor->add_option("--run", mo.run, "Stream run id (default: the newest)");

  ShadowOptions sh;
  auto* shadow_cmd = app.add_subcommand("shadow", "Run a candidate beside production on a stream");
  shadow_cmd->add_option("--candidate", sh.candidate, "Candidate: bundle, registry id or name")
      ->required();
  shadow_cmd->add_option("--production", sh.production,
                         "Production model (default: the candidate's name in the registry)");
  shadow_cmd->add_option("--input", sh.input, "WFDB record, .npy/.csv, or scenario:<name>");
  shadow_cmd->add_option("--store", sh.store, "SQLite store: disagreements and the run");
  shadow_cmd->add_option("--fs-hz", sh.fs_hz, "Sampling rate of npy/csv signals");
  shadow_cmd->add_option("--duration-s", sh.duration_s, "Scenario length, s")
      ->check(CLI::Range(600.0, 172800.0));
  shadow_cmd->add_option("--seed", sh.seed, "Scenario seed");
  shadow_cmd->add_flag("--promote", sh.promote, "Promote the candidate when it is better");
  add_stream_settings(shadow_cmd, sh.settings);

  PromoteOptions pr;
  auto* promote = app.add_subcommand("promote", "Move a registered model to a stage");
  promote->add_option("--store", pr.store, "SQLite store")->required();
  promote->add_option("--model", pr.model, "Registry id")->required();
  promote->add_option("--stage", pr.stage, "production (default), candidate or archived")
      ->check(CLI::IsMember({"production", "candidate", "archived"}));

  RunsOptions ru;
  auto* runs = app.add_subcommand("runs", "List and compare experiments and models");
  runs->add_option("--store", ru.store, "SQLite store")->required();
  runs->add_option("--kind", ru.kind, "Only runs of this kind (train, stream, shadow, ...)");
  runs->add_option("--compare", ru.compare, "Run ids to compare side by side");

  ReportOptions re;
  auto* report = app.add_subcommand("report", "Write the self-contained HTML report");
  report->add_option("--store", re.store, "SQLite store")->required();
  report->add_option("--out", re.out, "HTML file to write");
  report->add_option("--title", re.title, "Report title");
  report->add_option("--train-run", re.train_run, "Training run id (default: newest)");
  report->add_option("--stream-run", re.stream_run, "Stream run id (default: newest)");
  report->add_option("--shadow-run", re.shadow_run, "Shadow run id (default: newest)");

  DemoOptions de;
  auto* demo = app.add_subcommand("demo", "The main job on built-in data: train, stream with "
                                          "drift, retrain, shadow, promote, report");
  demo->add_option("--workdir", de.workdir, "Folder for the store, models, log and report");
  demo->add_flag("--quick", de.quick, "A smaller cohort and a 1 h stream (for tests)");
  demo->add_option("--seed", de.seed, "Random seed of the whole run");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? Exit::ok : Exit::bad_input;
  }

  CLI::App* chosen = app.get_subcommands().front();
  if (chosen == demo && g.log_file.empty()) g.log_file = de.workdir + "/ecgad.jsonl";
  int code = Exit::ok;
  try {
    if (chosen == demo) std::filesystem::create_directories(de.workdir);
    setup_logging(chosen->get_name());
    if (chosen == info) code = run_info();
    else if (chosen == simulate) code = run_simulate(sim);
    else if (chosen == ingest) code = run_ingest(ing);
    else if (chosen == train_cmd) code = run_train(tr);
    else if (chosen == evaluate) code = run_evaluate(ev);
    else if (chosen == calibrate) code = run_calibrate(cal);
    else if (chosen == score) code = run_score(sc);
    else if (chosen == stream) code = run_stream(so);
    else if (chosen == monitor) code = run_monitor(mo);
    else if (chosen == shadow_cmd) code = run_shadow(sh);
    else if (chosen == promote) code = run_promote(pr);
    else if (chosen == runs) code = run_runs(ru);
    else if (chosen == report) code = run_report(re);
    else if (chosen == demo) code = run_demo(de);
  } catch (const ecgad::InvalidArgument& e) {
    std::fprintf(stderr, "ecgad: error: %s\n", e.what());
    code = Exit::bad_input;
  } catch (const ecgad::FormatError& e) {
    std::fprintf(stderr, "ecgad: error: %s\n", e.what());
    code = Exit::bad_input;
  } catch (const ecgad::IoError& e) {
    std::fprintf(stderr, "ecgad: I/O error: %s\n", e.what());
    code = Exit::io_error;
  } catch (const ecgad::Error& e) {
    std::fprintf(stderr, "ecgad: error: %s\n", e.what());
    code = Exit::state_error;
  } catch (const std::filesystem::filesystem_error& e) {
    std::fprintf(stderr, "ecgad: I/O error: %s\n", e.what());
    code = Exit::io_error;
  }
  if (code != Exit::ok) log_event("exit", {{"code", code}}, true);
  flush_logs();
  return code;
}
