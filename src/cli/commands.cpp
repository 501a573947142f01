// The `ecgad` subcommands except demo (commands.hpp).
#include "commands.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "common.hpp"
#include "ecgad/artifact/bundle.hpp"
#include "ecgad/error.hpp"
#include "ecgad/io/annotations.hpp"
#include "ecgad/io/csv.hpp"
#include "ecgad/io/npy.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/pipeline/recorder.hpp"
#include "ecgad/pipeline/run_report.hpp"
#include "ecgad/report/report.hpp"

namespace ecgad::cli {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::unique_ptr<store::Store> open_store(const std::string& path, bool must_exist = false) {
  if (path.empty()) return nullptr;
  if (must_exist && !fs::exists(path)) {
    throw IoError("no store at '" + path + "' (create one with `ecgad train --store " + path +
                  "` or `ecgad ingest`)");
  }
  return std::make_unique<store::Store>(path);
}


pipeline::SourceConfig source_of(const std::string& kind, const std::string& path,
                                 const std::vector<std::string>& records, double fs_hz, int lead) {
  nlohmann::json j = {{"kind", kind}, {"path", path}, {"records", records}, {"lead", lead}};
  if (fs_hz > 0) j["fs_hz"] = fs_hz;
  return pipeline::SourceConfig::from_json(j);
}

}  // namespace

nlohmann::json alert_json(const drift::Alert& a) { return a.to_json(); }

std::string metric(const nlohmann::json& metrics, const char* key) {
  const auto it = metrics.find(key);
  return it != metrics.end() && it->is_number() ? fixed(it->get<double>()) : "-";
}

// ---------------------------------------------------------------------- building blocks

ModelRef resolve_model(const std::string& spec, store::Store* store) {
  ModelRef ref;
  if (spec.empty()) throw InvalidArgument("no model given (--model PATH | ID | NAME)");
  const bool numeric = spec.find_first_not_of("0123456789") == std::string::npos;
  if (fs::exists(spec) && !numeric) {
    ref.package = pipeline::ModelPackage::load(spec);
    ref.label = spec;
    ref.path = spec;
    return ref;
  }
  if (!store) {
    throw InvalidArgument("model '" + spec + "' is not a bundle file; a registry id or name "
                          "needs --store");
  }
  store::ModelInfo info;
  if (numeric) {
    info = store->model(std::stoll(spec));
  } else {
    auto prod = store->production_model(spec);
    if (!prod) {
      throw InvalidArgument("model '" + spec + "' has no production version in the registry "
                            "(see `ecgad runs --store ...` and `ecgad promote`)");
    }
    info = *prod;
  }
  ref.package = pipeline::ModelPackage::load(info.bundle_path);
  if (ref.package->bundle_hash != info.bundle_hash) {
    throw FormatError("bundle '" + info.bundle_path + "' changed since it was registered (hash " +
                      ref.package->bundle_hash + ", registry " + info.bundle_hash + ")");
  }
  ref.id = info.id;
  ref.path = info.bundle_path;
  ref.label = info.name + " v" + std::to_string(info.version);
  return ref;
}

pipeline::Recording resolve_recording(const std::string& spec, double fs_hz, int lead,
                                      double duration_s, std::uint64_t seed) {
  const std::string prefix = "scenario:";
  if (spec.rfind(prefix, 0) == 0) {
    return pipeline::scenario_recording(
        pipeline::named_scenario(spec.substr(prefix.size()), duration_s, seed));
  }
  const fs::path p(spec);
  std::string kind = "wfdb";
  if (p.extension() == ".npy") kind = "npy";
  if (p.extension() == ".csv") kind = "csv";
  pipeline::SourceConfig s;
  if (kind == "wfdb") {
    s = source_of("wfdb", p.parent_path().empty() ? "." : p.parent_path().string(),
                  {p.filename().string()}, 0.0, lead);
  } else {
    s = source_of(kind, spec, {}, fs_hz, lead);
  }
  auto recs = pipeline::load_recordings(s);
  return std::move(recs.front());
}

StreamOutcome replay(const ModelRef& model, const pipeline::Recording& rec, store::Store* store,
                     const StreamSettings& st) {
  StreamOutcome out;
  const auto t0 = Clock::now();
  pipeline::StreamOptions so;
  so.stream_id = st.name.empty() ? rec.name : st.name;
  so.fs_hz = rec.fs_hz;
  so.monitor_warmup_s = st.monitor_warmup_s;
  so.use_bundle_reference = st.use_bundle_reference;
  pipeline::StreamPipeline p(model.package, so);
  const auto n = rec.signal_mv.size();
  const auto first = static_cast<Eigen::Index>(std::llround(st.from_s * rec.fs_hz));
  const Eigen::Index last =
      st.to_s > 0 ? std::min<Eigen::Index>(n, std::llround(st.to_s * rec.fs_hz)) : n;
  if (first < 0 || first >= last) {
    throw InvalidArgument("replay window " + fixed(st.from_s, 1) + ".." + fixed(st.to_s, 1) +
                          " s is empty for a " + fixed(rec.duration_s(), 1) + " s recording");
  }
  std::unique_ptr<pipeline::EventRecorder> recorder;
  if (store) {
    nlohmann::json config = {{"name", so.stream_id},
                             {"model", model.label},
                             {"model_id", model.id},
                             {"recording", rec.name},
                             {"record_hash", hashed_id(rec.name)},
                             {"fs_hz", rec.fs_hz},
                             {"chunk_s", st.chunk_s},
                             {"monitor_warmup_s", st.monitor_warmup_s},
                             {"from_s", st.from_s},
                             {"to_s", st.to_s}};
    out.run_id = store->begin_run("stream", config, {{"stream", so.stream_id}});
    recorder = std::make_unique<pipeline::EventRecorder>(*store, out.run_id, so.stream_id,
                                                         model.id);
  }
  std::vector<store::ReviewRow> reviews;
  std::size_t k = 0;  // the reference label at or before the current beat
  const auto tol = static_cast<std::int64_t>(std::lround(0.15 * rec.fs_hz));
  p.set_event_callback([&](const pipeline::BeatEvent& e) {
    if (recorder) recorder->add(e);
    if (!st.review_flagged || !rec.labelled() || e.decision == calibrate::Decision::normal) return;
    const std::int64_t at = e.sample_index + first;  // the recording's clock
    while (k + 1 < rec.label_samples.size() && rec.label_samples[k + 1] <= at) ++k;
    for (std::size_t j = k; j < std::min(k + 2, rec.label_samples.size()); ++j) {
      if (std::abs(rec.label_samples[j] - at) > tol) continue;
      const auto role = pipeline::label_role(rec.labels[j]);
      if (role == pipeline::LabelRole::excluded) return;
      p.add_label(e.time_s, role == pipeline::LabelRole::abnormal);
      store::ReviewRow r;
      r.stream_id = so.stream_id;
      r.time_s = e.time_s;
      r.label = role == pipeline::LabelRole::abnormal ? 1 : 0;
      r.reviewer = "reference-labels";
      r.note = rec.labels[j];
      reviews.push_back(std::move(r));
      return;
    }
  });
  // Alerts: to the store (recorder), to the log, and kept for the summary.
  p.set_alert_callback([&](const drift::Alert& a) {
    if (recorder) recorder->add(a);
    log_event("alert", {{"run_id", out.run_id},
                        {"stream", hashed_id(so.stream_id)},
                        {"kind", drift::to_string(a.kind)},
                        {"since_s", a.since_s},
                        {"detected_s", a.detected_s},
                        {"shape", drift::to_string(a.shape)},
                        {"cause", drift::to_string(a.cause)},
                        {"action", drift::to_string(a.action)}},
              true);
  });
  const auto chunk = std::max<Eigen::Index>(1, std::llround(st.chunk_s * rec.fs_hz));
  Progress bar("stream", static_cast<std::size_t>(last - first));
  try {
    for (Eigen::Index at = first; at < last; at += chunk) {
      const Eigen::Index len = std::min(chunk, last - at);
      p.process(rec.signal_mv.segment(at, len));
      if (((at - first) / chunk) % 60 == 0) {
        bar.update(static_cast<std::size_t>(at + len - first),
                   fmt::format("{:.0f} min, {} beats, {} alerts",
                               static_cast<double>(at + len) / rec.fs_hz / 60.0,
                               p.stats().beats, p.stats().alerts));
      }
    }
    p.finish();
    if (recorder) recorder->flush();
  } catch (...) {
    if (store && out.run_id) {
      try {
        if (recorder) recorder->flush();
        store->finish_run(out.run_id, "failed", {{"beats", p.stats().beats}}, nlohmann::json::object());
      } catch (...) {
      }
    }
    throw;
  }
  bar.finish(fmt::format("{} beats, {} alerts", p.stats().beats, p.stats().alerts));
  if (store && !reviews.empty()) {
    store::Store::Transaction tx(*store);
    for (const auto& r : reviews) store->add_review(r);
    tx.commit();
  }
  out.reviews = static_cast<std::int64_t>(reviews.size());
  out.stats = p.stats();
  out.alerts = p.alerts();
  out.recommendation = p.recommend();
  out.summary = p.monitor_summary();
  out.seconds = since(t0);
  if (store) {
    nlohmann::json changes = nlohmann::json::array();
    if (rec.tags.contains("changes")) changes = rec.tags["changes"];
    const double span = static_cast<double>(last - first) / rec.fs_hz;
    store->finish_run(out.run_id, "completed",
                      {{"stats", out.stats.to_json()},
                       {"summary", out.summary},
                       {"recommendation", out.recommendation.to_json()},
                       {"threshold", model.package->calibration.threshold()},
                       {"duration_s", span},
                       {"changes", changes},
                       {"real_time_factor", span / std::max(out.seconds, 1e-9)}},
                      {{"stream_s", out.seconds}});
  }
  log_event("stream.done", {{"run_id", out.run_id},
                            {"beats", out.stats.beats},
                            {"anomalous", out.stats.anomalous},
                            {"uncertain", out.stats.uncertain},
                            {"alerts", out.stats.alerts},
                            {"seconds", out.seconds}});
  return out;
}

ShadowOutcome shadow(const ModelRef& production, const ModelRef& candidate,
                     const pipeline::Recording& rec, store::Store* store,
                     const StreamSettings& st, bool promote) {
  ShadowOutcome out;
  const auto t0 = Clock::now();
  pipeline::StreamOptions so;
  so.stream_id = st.name.empty() ? rec.name : st.name;
  so.fs_hz = rec.fs_hz;
  so.monitor = false;
  pipeline::ShadowPipeline sp(production.package, candidate.package, so);
  if (rec.labelled()) sp.set_reference(rec.label_samples, rec.labels);
  std::unique_ptr<pipeline::EventRecorder> recorder;
  if (store) {
    out.run_id = store->begin_run("shadow",
                                  {{"name", so.stream_id},
                                   {"production", production.label},
                                   {"production_id", production.id},
                                   {"candidate", candidate.label},
                                   {"candidate_id", candidate.id},
                                   {"recording", rec.name},
                                   {"from_s", st.from_s},
                                   {"to_s", st.to_s}},
                                  {{"stream", so.stream_id}});
    recorder = std::make_unique<pipeline::EventRecorder>(*store, out.run_id, so.stream_id,
                                                         production.id);
    sp.set_event_callback([&](const pipeline::BeatEvent& e) { recorder->add(e); });
    sp.set_disagreement_callback([&](const pipeline::Disagreement& d) {
      recorder->add(d, production.id, candidate.id);
    });
  }
  const auto first = static_cast<Eigen::Index>(std::llround(st.from_s * rec.fs_hz));
  const Eigen::Index n = rec.signal_mv.size();
  const Eigen::Index last =
      st.to_s > 0 ? std::min<Eigen::Index>(n, std::llround(st.to_s * rec.fs_hz)) : n;
  if (first < 0 || first >= last) throw InvalidArgument("shadow replay window is empty");
  const auto chunk = std::max<Eigen::Index>(1, std::llround(st.chunk_s * rec.fs_hz));
  // The labels are in the recording's sample clock; the shadow stream starts at `first`.
  if (first > 0 && rec.labelled()) {
    std::vector<std::int64_t> samples;
    std::vector<std::string> labels;
    for (std::size_t k = 0; k < rec.label_samples.size(); ++k) {
      if (rec.label_samples[k] >= first) {
        samples.push_back(rec.label_samples[k] - first);
        labels.push_back(rec.labels[k]);
      }
    }
    sp.set_reference(std::move(samples), std::move(labels));
  }
  Progress bar("shadow", static_cast<std::size_t>(last - first));
  for (Eigen::Index at = first; at < last; at += chunk) {
    const Eigen::Index len = std::min(chunk, last - at);
    sp.process(rec.signal_mv.segment(at, len));
    if (((at - first) / chunk) % 60 == 0) bar.update(static_cast<std::size_t>(at + len - first));
  }
  sp.finish();
  bar.finish();
  if (recorder) recorder->flush();
  out.summary = sp.summary();
  if (promote && out.summary.candidate_better && store && candidate.id) {
    store->promote(candidate.id);
    out.promoted = true;
  }
  const auto& s = out.summary;
  auto side = [](const pipeline::ShadowSide& x) {
    const double beats = static_cast<double>(x.beats);
    nlohmann::json m = {{"anomaly_rate", x.beats ? static_cast<double>(x.anomalous) / beats : 0.0},
                        {"uncertain_rate", x.beats ? static_cast<double>(x.uncertain) / beats : 0.0}};
    if (std::isfinite(x.roc_auc)) m["roc_auc"] = x.roc_auc;
    if (std::isfinite(x.sensitivity)) m["sensitivity"] = x.sensitivity;
    if (std::isfinite(x.false_positive_rate)) m["false_positive_rate"] = x.false_positive_rate;
    return m;
  };
  const nlohmann::json report = {
      {"production", {{"model", production.label}, {"metrics", side(s.production)}}},
      {"candidate", {{"model", candidate.label}, {"metrics", side(s.candidate)}}},
      {"n_beats", s.paired},
      {"n_disagreements", s.disagreements},
      {"agreement_rate", s.agreement_rate},
      {"promoted", out.promoted},
      {"reason", s.verdict}};
  if (store) {
    store->finish_run(out.run_id, "completed",
                      {{"summary", s.to_json()}, {"shadow_report", report}},
                      {{"shadow_s", since(t0)}});
  }
  log_event("shadow.done", {{"run_id", out.run_id},
                            {"paired", s.paired},
                            {"disagreements", s.disagreements},
                            {"agreement_rate", s.agreement_rate},
                            {"candidate_better", s.candidate_better},
                            {"promoted", out.promoted}});
  return out;
}

pipeline::TrainingResult train(const pipeline::TrainingConfig& config, store::Store* store,
                               const std::vector<pipeline::Recording>* recordings) {
  pipeline::TrainingObserver obs;
  std::unique_ptr<Progress> records, epochs;
  obs.on_stage = [&](const std::string& stage, const std::string& message) {
    records.reset();
    epochs.reset();
    say(fmt::format("  {:<10} {}", stage, message));
    log_event("train.stage", {{"stage", stage}, {"message", message}});
    if (stage == "train") epochs = std::make_unique<Progress>("epochs", config.training.epochs);
  };
  obs.on_record = [&](std::size_t done, std::size_t total, const std::string& name) {
    if (!records) records = std::make_unique<Progress>("records", total);
    records->update(done, hashed_id(name));
    log_event("train.record", {{"done", done}, {"total", total}, {"record", hashed_id(name)}});
  };
  obs.on_epoch = [&](const model::EpochReport& r) {
    if (epochs) {
      epochs->update(static_cast<std::size_t>(r.epoch),
                     fmt::format("loss {:.4f} val {:.4f}", r.train_loss, r.val_loss));
    }
    log_event("train.epoch", {{"epoch", r.epoch},
                              {"train_loss", r.train_loss},
                              {"val_loss", std::isfinite(r.val_loss) ? nlohmann::json(r.val_loss)
                                                                     : nlohmann::json()},
                              {"lr", r.learning_rate},
                              {"seconds", r.seconds}});
  };
  auto result = pipeline::run_training(config, store, obs, recordings);
  epochs.reset();
  const auto& m = result.evaluation.metrics;
  log_event("train.done", {{"run_id", result.run_id},
                           {"run_uid", result.run_uid},
                           {"model_id", result.model_id},
                           {"blessed", result.blessed},
                           {"promoted", result.promoted},
                           {"roc_auc", m["roc_auc"]},
                           {"n_beats", m["n_beats"]},
                           {"timings", result.timings}});
  return result;
}

nlohmann::json write_report(const store::Store& s, const std::string& out_path,
                            std::int64_t train_run, std::int64_t stream_run,
                            std::int64_t shadow_run, const std::string& title) {
  pipeline::ReportSources src;
  src.train_run = train_run;
  src.stream_run = stream_run;
  src.shadow_run = shadow_run;
  src.title = title;
  const nlohmann::json doc = pipeline::report_document(s, src);
  report::write_html(out_path, doc);
  log_event("report.written", {{"bytes", fs::file_size(out_path)}});
  return doc;
}

// ---------------------------------------------------------------------------- simulate

int run_simulate(const SimulateOptions& o) {
  fs::create_directories(o.out_dir);
  std::vector<pipeline::Recording> recs;
  if (!o.scenario.empty()) {
    recs.push_back(pipeline::scenario_recording(
        pipeline::named_scenario(o.scenario, o.duration_s, o.seed)));
  } else {
    pipeline::SyntheticCohort c;
    c.subjects = o.subjects;
    c.duration_s = o.duration_s;
    c.seed = o.seed;
    Progress bar("simulate", static_cast<std::size_t>(c.subjects));
    for (int i = 0; i < c.subjects; ++i) {
      recs.push_back(pipeline::synthetic_subject(c, i));
      bar.update(static_cast<std::size_t>(i + 1));
    }
  }
  nlohmann::json written = nlohmann::json::array();
  for (const auto& r : recs) {
    // WFDB format 16 at 1000 adu/mV (1 uV steps); the .atr keeps EC57 symbols: N, V (PVC),
    // A (SPB); ST/T-changed beats are written as N with the tag in the aux string.
    io::WfdbHeader h;
    h.record_name = r.name;
    h.fs_hz = r.fs_hz;
    io::WfdbSignalSpec spec;
    spec.adc_gain = 1000.0;
    spec.adc_resolution_bits = 16;
    spec.description = "synthetic ECG";
    h.signals = {spec};
    xt::xtensor<std::int32_t, 2> adc({1, static_cast<std::size_t>(r.signal_mv.size())});
    for (Eigen::Index i = 0; i < r.signal_mv.size(); ++i) {
      adc(0, static_cast<std::size_t>(i)) =
          static_cast<std::int32_t>(std::lround(r.signal_mv[i] * 1000.0));
    }
    const fs::path base = fs::path(o.out_dir) / r.name;
    io::write_wfdb(base, h, adc, 16);
    std::vector<io::Annotation> ann;
    for (std::size_t k = 0; k < r.labels.size(); ++k) {
      io::Annotation a;
      a.sample = r.label_samples[k];
      const std::string& l = r.labels[k];
      a.symbol = l == "pvc" ? "V" : l == "spb" ? "A" : "N";
      if (l != "N" && l != "pvc" && l != "spb") a.aux = "(" + l;
      a.code = io::annotation_code(a.symbol);
      ann.push_back(a);
    }
    io::write_annotations(base.string() + ".atr", ann);
    written.push_back({{"record", base.string()}, {"seconds", r.duration_s()},
                       {"beats", r.labels.size()}});
    say("wrote " + base.string() + " (.hea/.dat/.atr), " + fixed(r.duration_s() / 60.0, 1) +
        " min, " + std::to_string(r.labels.size()) + " beats");
  }
  emit_json({{"records", written}});
  log_event("simulate.done", {{"records", written.size()}});
  return Exit::ok;
}

// ------------------------------------------------------------------------------ ingest

int run_ingest(const IngestOptions& o) {
  auto store = open_store(o.store);
  const auto recs = pipeline::load_recordings(source_of(o.kind, o.path, {}, o.fs_hz, o.lead),
                                              [](std::size_t d, std::size_t t, const std::string&) {
                                                log_event("ingest.record", {{"done", d}, {"total", t}});
                                              });
  pipeline::DataSchema schema;
  std::vector<std::vector<std::string>> rows;
  nlohmann::json out = nlohmann::json::array();
  int rejected = 0;
  for (const auto& r : recs) {
    const auto check = pipeline::check_recording(r, schema);
    store::RecordInfo info;
    info.source = r.source;
    info.name = r.name;
    info.fs_hz = r.fs_hz;
    info.duration_s = r.duration_s();
    info.content_hash = r.content_hash;
    info.tags = r.tags;
    info.tags["valid"] = check.ok;
    if (!check.ok) info.tags["reason"] = check.reason;
    info.tags["labelled_beats"] = r.labels.size();
    const std::int64_t id = store->add_record(info);
    rejected += !check.ok;
    rows.push_back({std::to_string(id), r.name, fixed(r.fs_hz, 0), fixed(r.duration_s() / 60, 1),
                    std::to_string(r.labels.size()), check.ok ? "ok" : "REJECTED: " + check.reason});
    out.push_back({{"id", id}, {"name", r.name}, {"valid", check.ok}, {"reason", check.reason},
                   {"content_hash", r.content_hash}});
  }
  print_table({"id", "record", "fs_hz", "minutes", "labels", "schema"}, rows);
  say(fmt::format("{} recording(s) indexed in {}, {} rejected by the schema", recs.size(),
                  o.store, rejected));
  emit_json({{"records", out}});
  log_event("ingest.done", {{"records", recs.size()}, {"rejected", rejected}});
  return Exit::ok;
}

// ------------------------------------------------------------------------------- train

namespace {

void print_training(const pipeline::TrainingResult& r) {
  const auto& m = r.evaluation.metrics;
  say(fmt::format("model     {}  ({})", r.bundle_path.string(),
                  r.model_version ? "registry v" + std::to_string(r.model_version) : "no store"));
  say(fmt::format("evaluate  ROC-AUC {}  AP {}  sensitivity {}  FPR {}  ({} beats, {} abnormal)",
                  metric(m, "roc_auc"), metric(m, "average_precision"), metric(m, "sensitivity"),
                  metric(m, "false_positive_rate"), m.at("n_beats").get<std::int64_t>(),
                  m.at("n_abnormal").get<std::int64_t>()));
  if (m.contains("note")) say("          " + m.at("note").get<std::string>());
  for (const auto& c : r.checks) say(fmt::format("  gate {}  {}", c.passed ? "PASS" : "FAIL", c.text));
  say(fmt::format("verdict   {}{}", r.blessed ? "blessed" : "NOT blessed",
                  r.promoted ? ", promoted to production" : ""));
}

}  // namespace

int run_train(const TrainOptions& o) {
  const auto config = pipeline::TrainingConfig::load(o.config);
  auto store = open_store(o.store);
  say("training '" + config.name + "' (" + o.config + ")");
  const auto r = train(config, store.get());
  print_training(r);
  emit_json({{"run_id", r.run_id}, {"run_uid", r.run_uid}, {"model_id", r.model_id},
             {"model_version", r.model_version}, {"bundle", r.bundle_path.string()},
             {"blessed", r.blessed}, {"promoted", r.promoted},
             {"metrics", r.evaluation.metrics}, {"data", r.data}, {"timings", r.timings}});
  return o.require_blessed && !r.blessed ? Exit::check_failed : Exit::ok;
}

// ---------------------------------------------------------------------------- evaluate

int run_evaluate(const EvaluateOptions& o) {
  auto store = open_store(o.store);
  const ModelRef model = resolve_model(o.model, store.get());
  const auto recs = pipeline::load_recordings(source_of(o.source, o.path, o.records, o.fs_hz, o.lead));
  std::vector<const pipeline::Recording*> ptrs;
  for (const auto& r : recs) ptrs.push_back(&r);
  const auto ev = pipeline::evaluate(*model.package, ptrs);
  const auto& m = ev.metrics;
  say(fmt::format("{} on {} recording(s): ROC-AUC {}  AP {}  sensitivity {}  FPR {}  "
                  "uncertain {}",
                  model.label, recs.size(), metric(m, "roc_auc"), metric(m, "average_precision"),
                  metric(m, "sensitivity"), metric(m, "false_positive_rate"),
                  metric(m, "uncertain_fraction")));
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : m["slices"]) {
    auto num = [](const nlohmann::json& v) { return v.is_null() ? "-" : fixed(v.get<double>()); };
    rows.push_back({s["slice"].get<std::string>(), std::to_string(s["n"].get<std::int64_t>()),
                    std::to_string(s["n_positive"].get<std::int64_t>()), num(s["roc_auc"]),
                    num(s["recall"]), num(s["fpr"])});
  }
  print_table({"slice", "beats", "abnormal", "roc_auc", "recall", "fpr"}, rows);
  if (store) {
    const auto run = store->begin_run("evaluate", {{"model", model.label}, {"model_id", model.id},
                                                   {"source", o.source}, {"path", o.path}});
    store->finish_run(run, "completed", m, nlohmann::json::object());
  }
  emit_json({{"model", model.label}, {"metrics", m}});
  return Exit::ok;
}

// --------------------------------------------------------------------------- calibrate

int run_calibrate(const CalibrateOptions& o) {
  auto store = open_store(o.store);
  const ModelRef model = resolve_model(o.model, store.get());
  const auto recs = pipeline::load_recordings(source_of(o.source, o.path, o.records, o.fs_hz, o.lead));
  // Normal beats (by label, or all when unlabelled) of the given recordings, scored as served.
  std::vector<double> scores;
  runtime::Workspace ws = model.package->model.make_workspace(1);
  for (const auto& r : recs) {
    pipeline::StreamOptions so;
    so.fs_hz = r.fs_hz;
    so.monitor = false;
    pipeline::StreamPipeline p(model.package, so);
    std::size_t k = 0;
    const auto tol = static_cast<std::int64_t>(std::lround(0.15 * r.fs_hz));
    p.set_event_callback([&](const pipeline::BeatEvent& e) {
      if (e.uncertain_reason[0] != '\0') return;
      if (r.labelled()) {
        while (k + 1 < r.label_samples.size() && r.label_samples[k + 1] <= e.sample_index) ++k;
        bool normal = false;
        for (std::size_t j = k; j < std::min(k + 2, r.label_samples.size()); ++j) {
          if (std::abs(r.label_samples[j] - e.sample_index) <= tol &&
              pipeline::label_role(r.labels[j]) == pipeline::LabelRole::normal) {
            normal = true;
          }
        }
        if (!normal) return;
      }
      scores.push_back(e.score);
    });
    p.process(r.signal_mv);
    p.finish();
  }
  if (scores.size() < 100) {
    throw InvalidArgument("only " + std::to_string(scores.size()) +
                          " normal beats to calibrate on; expected at least 100");
  }
  auto bundle = artifact::load_bundle(model.path);
  pipeline::Calibration cal;
  cal.conformal.fit(Eigen::Map<const Eigen::VectorXd>(scores.data(), static_cast<Eigen::Index>(scores.size())));
  cal.band = {o.alpha_anomaly, o.alpha_normal};
  cal.conformal.validate_band(cal.band);
  cal.score = model.package->calibration.score;
  bundle.calibration = cal.to_json();
  artifact::save_bundle(o.out, bundle);
  const auto check = pipeline::ModelPackage::load(o.out);
  say(fmt::format("recalibrated on {} normal beats: threshold {:.5f} (was {:.5f}) -> {}",
                  scores.size(), check->calibration.threshold(),
                  model.package->calibration.threshold(), o.out));
  emit_json({{"bundle", o.out}, {"n_beats", scores.size()},
             {"threshold", check->calibration.threshold()},
             {"previous_threshold", model.package->calibration.threshold()}});
  log_event("calibrate.done", {{"n_beats", scores.size()}, {"threshold", check->calibration.threshold()}});
  return Exit::ok;
}

// ------------------------------------------------------------------------------- score

int run_score(const ScoreOptions& o) {
  auto store = open_store(o.store);
  const ModelRef model = resolve_model(o.model, store.get());
  std::ofstream csv;
  if (!o.out.empty()) {
    csv.open(o.out);
    if (!csv) throw IoError("cannot write '" + o.out + "'");
    csv << "recording,beat_index,sample_index,time_s,score,p_value,decision,uncertain_reason,"
           "heart_rate_bpm\n";
  }
  // Batch inference over every input (files or records), one score run for all of them.
  const std::int64_t run =
      store ? store->begin_run("score", {{"model", model.label}, {"model_id", model.id},
                                         {"inputs", o.inputs.size()}})
            : 0;
  std::int64_t counts[3] = {0, 0, 0}, beats = 0;
  double secs = 0.0;
  nlohmann::json per_input = nlohmann::json::array();
  Progress bar("score", o.inputs.size());
  for (std::size_t i = 0; i < o.inputs.size(); ++i) {
    const auto rec = resolve_recording(o.inputs[i], o.fs_hz, o.lead, 3600.0, 1);
    const auto t0 = Clock::now();
    const auto events = pipeline::score_recording(model.package, rec.signal_mv, rec.fs_hz);
    secs += since(t0);
    std::int64_t c[3] = {0, 0, 0};
    for (const auto& e : events) ++c[static_cast<int>(e.decision)];
    for (int k = 0; k < 3; ++k) counts[k] += c[k];
    beats += static_cast<std::int64_t>(events.size());
    if (csv.is_open()) {
      for (const auto& e : events) {
        csv << fmt::format("{},{},{},{:.4f},{:.6g},{:.6g},{},{},{:.2f}\n", rec.name, e.beat_index,
                           e.sample_index, e.time_s, e.score, e.p_value,
                           calibrate::decision_name(e.decision), e.uncertain_reason,
                           e.heart_rate_bpm);
      }
      if (!csv) throw IoError("writing '" + o.out + "' failed");
    }
    if (store) {
      pipeline::EventRecorder recorder(*store, run, rec.name, model.id);
      for (const auto& e : events) recorder.add(e);
      recorder.flush();
    }
    per_input.push_back({{"input", o.inputs[i]}, {"record_hash", hashed_id(rec.name)},
                         {"beats", events.size()}, {"anomalous", c[2]}});
    say(fmt::format("{} beats of {} ({:.1f} min): {} normal, {} uncertain, {} anomalous",
                    events.size(), rec.name, rec.duration_s() / 60.0, c[0], c[1], c[2]));
    bar.update(i + 1);
  }
  bar.finish();
  if (store) {
    store->finish_run(run, "completed", {{"beats", beats}, {"anomalous", counts[2]}},
                      {{"score_s", secs}});
  }
  log_event("score.done", {{"run_id", run}, {"inputs", o.inputs.size()}, {"beats", beats},
                           {"seconds", secs}});
  emit_json({{"beats", beats}, {"normal", counts[0]}, {"uncertain", counts[1]},
             {"anomalous", counts[2]}, {"seconds", secs}, {"out", o.out},
             {"inputs", per_input}});
  return Exit::ok;
}

// ------------------------------------------------------------------------------ stream

int run_stream(const StreamOptions& o) {
  auto store = open_store(o.store);
  const ModelRef model = resolve_model(o.model, store.get());
  const auto rec = resolve_recording(o.input, o.fs_hz, o.lead, o.duration_s, o.seed);
  say(fmt::format("replaying {} ({:.1f} min at {:g} Hz) through {} in {:g} s chunks", rec.name,
                  rec.duration_s() / 60.0, rec.fs_hz, model.label, o.settings.chunk_s));
  const auto out = replay(model, rec, store.get(), o.settings);
  say(fmt::format("{} beats: {} normal, {} uncertain, {} anomalous; {:.0f}x real time",
                  out.stats.beats, out.stats.normal, out.stats.uncertain, out.stats.anomalous,
                  rec.duration_s() / out.seconds));
  std::vector<std::vector<std::string>> rows;
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& a : out.alerts) {
    rows.push_back({fixed(a.detected_s / 60.0, 1), fixed(a.since_s / 60.0, 1),
                    drift::to_string(a.kind), drift::to_string(a.shape),
                    drift::to_string(a.cause), drift::to_string(a.action)});
    alerts.push_back(a.to_json());
  }
  if (!rows.empty()) {
    print_table({"detected_min", "since_min", "kind", "shape", "cause", "action"}, rows);
  }
  for (const auto& reason : out.recommendation.reasons) say("recommend: " + reason);
  if (out.recommendation.reasons.empty()) say("recommend: nothing (no drift alert)");
  emit_json({{"run_id", out.run_id}, {"stats", out.stats.to_json()}, {"alerts", alerts},
             {"recommendation", out.recommendation.to_json()}, {"summary", out.summary}});
  return Exit::ok;
}

// ----------------------------------------------------------------------------- monitor

int run_monitor(const MonitorOptions& o) {
  auto store = open_store(o.store, true);
  std::int64_t run = o.run;
  if (run == 0) {
    for (const auto& r : store->runs("stream")) {
      run = r.id;
      break;
    }
    if (run == 0) throw InvalidArgument("the store has no stream run; run `ecgad stream` first");
  }
  const auto info = store->run(run);
  const auto alerts = store->alerts(run);
  store::EventQuery q;
  q.run_id = run;
  const auto n = store->count_events(q);
  q.decision = 2;
  const auto anomalous = store->count_events(q);
  say(fmt::format("stream run {} ({}, {}): {} beats stored, {} anomalous, {} alert(s)", run,
                  info.config.value("name", std::string("?")), info.status, n, anomalous,
                  alerts.size()));
  std::vector<std::vector<std::string>> rows;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : alerts) {
    rows.push_back({fixed(a.detected_s / 60.0, 1), fixed(a.since_s / 60.0, 1), a.kind, a.shape,
                    a.cause, a.action});
    out.push_back(store::to_json(a));
  }
  print_table({"detected_min", "since_min", "kind", "shape", "cause", "action"}, rows);
  if (info.metrics.contains("recommendation")) {
    for (const auto& r : info.metrics["recommendation"].value("reasons", nlohmann::json::array())) {
      say("recommend: " + r.get<std::string>());
    }
  }
  emit_json({{"run_id", run}, {"events", n}, {"anomalous", anomalous}, {"alerts", out},
             {"metrics", info.metrics}});
  return Exit::ok;
}

// ------------------------------------------------------------------------------ shadow

int run_shadow(const ShadowOptions& o) {
  auto store = open_store(o.store);
  const ModelRef cand = resolve_model(o.candidate, store.get());
  std::string prod_spec = o.production;
  if (prod_spec.empty()) {
    if (!store || !cand.id) {
      throw InvalidArgument("--production is required unless the candidate is a registry model");
    }
    prod_spec = store->model(cand.id).name;
  }
  const ModelRef prod = resolve_model(prod_spec, store.get());
  const auto rec = resolve_recording(o.input, o.fs_hz, o.lead, o.duration_s, o.seed);
  const auto out = shadow(prod, cand, rec, store.get(), o.settings, o.promote);
  const auto& s = out.summary;
  say(fmt::format("shadow {} vs {} on {} beats: agreement {:.2f} %, {} disagreement(s)",
                  cand.label, prod.label, s.paired, 100.0 * s.agreement_rate, s.disagreements));
  say("verdict: " + s.verdict + (out.promoted ? " (promoted)" : ""));
  emit_json({{"run_id", out.run_id}, {"summary", s.to_json()}, {"promoted", out.promoted}});
  return Exit::ok;
}

// ----------------------------------------------------------------------------- promote

int run_promote(const PromoteOptions& o) {
  auto store = open_store(o.store, true);
  const auto stage = store::parse_stage(o.stage);
  const auto before = store->model(o.model);
  ModelRef check = resolve_model(std::to_string(o.model), store.get());  // bundle still intact
  if (stage == store::Stage::production) {
    store->promote(o.model);
  } else {
    store->set_stage(o.model, stage);
  }
  const auto after = store->model(o.model);
  say(fmt::format("{} v{}: {} -> {}", after.name, after.version, store::to_string(before.stage),
                  store::to_string(after.stage)));
  log_event("promote", {{"model_id", o.model}, {"stage", o.stage}});
  emit_json(store::to_json(after));
  return Exit::ok;
}

// -------------------------------------------------------------------------------- runs

int run_runs(const RunsOptions& o) {
  auto store = open_store(o.store, true);
  if (!o.compare.empty()) {
    std::vector<store::RunInfo> runs;
    for (auto id : o.compare) runs.push_back(store->run(id));
    std::vector<std::string> header = {"metric"};
    for (const auto& r : runs) header.push_back("run " + std::to_string(r.id) + " (" + r.kind + ")");
    std::vector<std::vector<std::string>> rows;
    for (const char* key : {"roc_auc", "average_precision", "sensitivity", "specificity",
                            "false_positive_rate", "n_beats"}) {
      std::vector<std::string> row = {key};
      for (const auto& r : runs) {
        const auto& m = r.metrics.contains("evaluation") ? r.metrics["evaluation"] : r.metrics;
        row.push_back(metric(m, key));
      }
      rows.push_back(row);
    }
    print_table(header, rows);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs) out.push_back(store::to_json(r));
    emit_json({{"runs", out}});
    return Exit::ok;
  }
  std::vector<std::vector<std::string>> rows;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : store->runs(o.kind)) {
    std::string key;
    if (r.metrics.contains("evaluation")) {
      key = "roc_auc " + metric(r.metrics["evaluation"], "roc_auc") +
            (r.metrics["gate"].value("blessed", false) ? ", blessed" : ", not blessed");
    } else if (r.metrics.contains("stats")) {
      key = std::to_string(r.metrics["stats"].value("beats", 0)) + " beats, " +
            std::to_string(r.metrics["stats"].value("alerts", 0)) + " alerts";
    } else if (r.metrics.contains("summary") && r.kind == "shadow") {
      key = "agreement " + fixed(r.metrics["summary"].value("agreement_rate", 0.0));
    }
    rows.push_back({std::to_string(r.id), r.uid, r.kind, r.status, r.started_at, key});
    out.push_back(store::to_json(r));
  }
  print_table({"id", "uid", "kind", "status", "started", "result"}, rows);
  std::vector<std::vector<std::string>> models;
  for (const auto& m : store->models()) {
    models.push_back({std::to_string(m.id), m.name, "v" + std::to_string(m.version),
                      store::to_string(m.stage),
                      metric(m.metrics, "roc_auc"),
                      m.run_id ? std::to_string(*m.run_id) : "-"});
  }
  if (!models.empty()) {
    say("");
    print_table({"model", "name", "version", "stage", "roc_auc", "run"}, models);
  }
  nlohmann::json mj = nlohmann::json::array();
  for (const auto& m : store->models()) mj.push_back(store::to_json(m));
  emit_json({{"runs", out}, {"models", mj}});
  return Exit::ok;
}

// ------------------------------------------------------------------------------ report

int run_report(const ReportOptions& o) {
  auto store = open_store(o.store, true);
  write_report(*store, o.out, o.train_run, o.stream_run, o.shadow_run, o.title);
  say("report: " + fs::absolute(o.out).string());
  emit_json({{"report", fs::absolute(o.out).string()}});
  return Exit::ok;
}

}  // namespace ecgad::cli
