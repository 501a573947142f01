// Data sources and the data schema of the training pipeline (include/ecgad/pipeline/sources.hpp).
#include "ecgad/pipeline/sources.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "ecgad/artifact/checksum.hpp"
#include "ecgad/error.hpp"
#include "ecgad/io/annotations.hpp"
#include "ecgad/io/csv.hpp"
#include "ecgad/io/npy.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/pipeline/json_reader.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/synth.hpp"

namespace ecgad::pipeline {

namespace fs = std::filesystem;

// ------------------------------------------------------------------------------ synthetic

nlohmann::json SyntheticCohort::to_json() const {
  return {{"subjects", subjects},
          {"duration_s", duration_s},
          {"fs_hz", fs_hz},
          {"heart_rate_min_bpm", heart_rate_min_bpm},
          {"heart_rate_max_bpm", heart_rate_max_bpm},
          {"noise_mv", noise_mv},
          {"pvc_rate", pvc_rate},
          {"spb_rate", spb_rate},
          {"st_elevation_rate", st_elevation_rate},
          {"t_inversion_rate", t_inversion_rate},
          {"seed", seed}};
}

namespace {

std::string hash_of(const Eigen::VectorXd& x) {
  return artifact::xxh128_hex(x.data(), static_cast<std::size_t>(x.size()) * sizeof(double));
}

// The generator's tags as one label: noise first (no ground truth under a burst), then the
// beat-level class, then the ST-T changes.
std::string label_of_tags(signal::BeatTags tags) {
  using signal::BeatTag;
  if (signal::has_tag(tags, BeatTag::noisy)) return "noisy";
  for (BeatTag t : {BeatTag::pvc, BeatTag::spb, BeatTag::st_elevation, BeatTag::st_depression,
                    BeatTag::t_inversion, BeatTag::af}) {
    if (signal::has_tag(tags, t)) return signal::to_string(t);
  }
  return "N";
}

}  // namespace

Recording synthetic_subject(const SyntheticCohort& c, int index) {
  if (index < 0 || index >= c.subjects) {
    throw InvalidArgument("synthetic subject " + std::to_string(index) + " outside 0.." +
                          std::to_string(c.subjects - 1));
  }
  signal::RecordingConfig rc;
  rc.ecg.fs_hz = c.fs_hz;
  rc.ecg.duration_s = c.duration_s;
  const double share = c.subjects > 1 ? static_cast<double>(index) / (c.subjects - 1) : 0.5;
  rc.ecg.heart_rate_bpm =
      c.heart_rate_min_bpm + share * (c.heart_rate_max_bpm - c.heart_rate_min_bpm);
  rc.ecg.noise_mv = c.noise_mv;
  rc.ecg.seed = c.seed * std::uint64_t{1000003} + static_cast<std::uint64_t>(index);
  rc.anomalies.pvc_rate = c.pvc_rate;
  rc.anomalies.spb_rate = c.spb_rate;
  rc.anomalies.st_elevation_rate = c.st_elevation_rate;
  rc.anomalies.t_inversion_rate = c.t_inversion_rate;
  signal::SyntheticRecording s = signal::synthesize(rc);
  Recording r;
  char name[32];
  std::snprintf(name, sizeof name, "synth-%03d", index);
  r.name = name;
  r.source = "synthetic";
  r.fs_hz = s.fs_hz;
  r.signal_mv = std::move(s.ecg_mv);
  for (std::size_t k = 0; k < s.annotations.size(); ++k) {
    r.label_samples.push_back(s.annotations[k].sample);
    r.labels.push_back(label_of_tags(s.beat_tags[k]));
  }
  r.tags = {{"subject", index}, {"heart_rate_bpm", rc.ecg.heart_rate_bpm},
            {"seed", rc.ecg.seed}};
  r.content_hash = hash_of(r.signal_mv);
  return r;
}

// ------------------------------------------------------------------------------ scenarios

nlohmann::json StreamScenario::to_json() const {
  nlohmann::json ch = nlohmann::json::array();
  for (const auto& c : changes) {
    ch.push_back({{"kind", c.kind}, {"start_s", c.start_s}, {"end_s", c.end_s},
                  {"magnitude", c.magnitude}});
  }
  return {{"name", name},           {"duration_s", duration_s},
          {"fs_hz", fs_hz},         {"heart_rate_bpm", heart_rate_bpm},
          {"heart_rate_std_bpm", heart_rate_std_bpm}, {"noise_mv", noise_mv},
          {"pvc_rate", pvc_rate},   {"spb_rate", spb_rate},
          {"seed", seed},           {"changes", ch}};
}

StreamScenario named_scenario(const std::string& name, double duration_s, std::uint64_t seed) {
  if (!(duration_s >= 600.0 && duration_s <= 48 * 3600.0)) {
    throw InvalidArgument("scenario duration " + ecgad::detail::format_number(duration_s) +
                          " s; expected 600 s (10 min) to 48 h");
  }
  StreamScenario s;
  s.name = name;
  s.duration_s = duration_s;
  s.seed = seed;
  const double d = duration_s;
  if (name == "stable") return s;
  if (name == "day") {
    s.changes = {{"heart_rate_trend", 0.25 * d, 0.25 * d + 1200.0, 30.0},
                 {"gain_step", 0.55 * d, 0.55 * d, 1.0},
                 {"electrode_noise_onset", 0.80 * d, 0.80 * d, 0.5}};
    return s;
  }
  const signal::DriftKind kind = signal::parse_drift_kind(name);  // InvalidArgument lists them
  StreamScenario::Change c{name, 0.5 * d, 0.5 * d, 0.0};
  if (signal::is_gradual(kind)) c.end_s = c.start_s + 600.0;
  switch (kind) {
    case signal::DriftKind::heart_rate_trend: c.magnitude = 30.0; break;
    case signal::DriftKind::gain_drift: c.magnitude = 1.0; break;
    case signal::DriftKind::baseline_wander_growth: c.magnitude = 0.5; break;
    case signal::DriftKind::noise_rise: c.magnitude = 0.3; break;
    case signal::DriftKind::gain_step: c.magnitude = 1.0; break;
    case signal::DriftKind::polarity_inversion: c.magnitude = -1.0; break;
    case signal::DriftKind::electrode_noise_onset: c.magnitude = 0.3; break;
    case signal::DriftKind::sampling_rate_mismatch: c.magnitude = 500.0 / 360.0; break;
  }
  s.changes = {c};
  return s;
}

Recording scenario_recording(const StreamScenario& s) {
  signal::RecordingConfig rc;
  rc.ecg.fs_hz = s.fs_hz;
  rc.ecg.duration_s = s.duration_s;
  rc.ecg.heart_rate_bpm = s.heart_rate_bpm;
  rc.ecg.heart_rate_std_bpm = s.heart_rate_std_bpm;
  rc.ecg.noise_mv = s.noise_mv;
  rc.ecg.seed = s.seed;
  rc.anomalies.pvc_rate = s.pvc_rate;
  rc.anomalies.spb_rate = s.spb_rate;
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : s.changes) {
    signal::DriftChange d;
    d.kind = signal::parse_drift_kind(c.kind);
    d.start_s = c.start_s;
    d.end_s = c.end_s;
    d.magnitude = c.magnitude;
    rc.drift.changes.push_back(d);
    std::string label = c.kind;
    if (c.end_s > c.start_s) label += " (gradual, " + ecgad::detail::format_number(std::round((c.end_s - c.start_s) / 60.0)) + " min)";
    changes.push_back({{"time_s", c.start_s}, {"label", label + ", injected"}});
  }
  signal::SyntheticRecording rec = signal::synthesize(rc);
  Recording r;
  r.name = "scenario-" + s.name;
  r.source = "synthetic";
  r.fs_hz = s.fs_hz;
  r.signal_mv = std::move(rec.ecg_mv);
  for (std::size_t k = 0; k < rec.annotations.size(); ++k) {
    r.label_samples.push_back(rec.annotations[k].sample);
    r.labels.push_back(label_of_tags(rec.beat_tags[k]));
  }
  r.tags = {{"scenario", s.to_json()}, {"changes", changes}};
  r.content_hash = hash_of(r.signal_mv);
  return r;
}

// ---------------------------------------------------------------------------- SourceConfig

nlohmann::json SourceConfig::to_json() const {
  nlohmann::json j = {{"kind", kind}};
  if (kind == "synthetic") {
    j["synthetic"] = synthetic.to_json();
  } else {
    j["path"] = path;
    j["records"] = records;
    j["lead"] = lead;
    j["annotator"] = annotator;
    j["fs_hz"] = fs_hz;
  }
  return j;
}

SourceConfig SourceConfig::from_json(const nlohmann::json& j) {
  SourceConfig s;
  JsonReader r(j, "source");
  s.kind = r.get("kind", s.kind);
  if (s.kind != "synthetic" && s.kind != "wfdb" && s.kind != "npy" && s.kind != "csv") {
    throw InvalidArgument("source.kind is '" + s.kind +
                          "'; expected one of synthetic, wfdb, npy, csv");
  }
  s.path = r.get("path", s.path);
  s.records = r.get("records", s.records);
  s.lead = r.get("lead", s.lead);
  s.annotator = r.get("annotator", s.annotator);
  s.fs_hz = r.get("fs_hz", s.fs_hz);
  if (auto sub = r.object("synthetic")) {
    JsonReader c(*sub, "source.synthetic");
    SyntheticCohort& y = s.synthetic;
    y.subjects = c.get("subjects", y.subjects);
    y.duration_s = c.get("duration_s", y.duration_s);
    y.fs_hz = c.get("fs_hz", y.fs_hz);
    y.heart_rate_min_bpm = c.get("heart_rate_min_bpm", y.heart_rate_min_bpm);
    y.heart_rate_max_bpm = c.get("heart_rate_max_bpm", y.heart_rate_max_bpm);
    y.noise_mv = c.get("noise_mv", y.noise_mv);
    y.pvc_rate = c.get("pvc_rate", y.pvc_rate);
    y.spb_rate = c.get("spb_rate", y.spb_rate);
    y.st_elevation_rate = c.get("st_elevation_rate", y.st_elevation_rate);
    y.t_inversion_rate = c.get("t_inversion_rate", y.t_inversion_rate);
    y.seed = c.get("seed", y.seed);
    c.finish();
    if (y.subjects < 3 || y.subjects > 10000) {
      throw InvalidArgument("source.synthetic.subjects is " + std::to_string(y.subjects) +
                            "; expected 3..10000 (training, calibration and evaluation each "
                            "need their own subjects)");
    }
  }
  r.finish();
  if (s.kind != "synthetic" && s.path.empty()) {
    throw InvalidArgument("source.path is required for a '" + s.kind + "' source");
  }
  if ((s.kind == "npy" || s.kind == "csv") && !(s.fs_hz > 0.0)) {
    throw InvalidArgument("source.fs_hz is required (> 0 Hz) for a '" + s.kind +
                          "' source: signal files do not carry their sampling rate");
  }
  if (s.lead < 0) throw InvalidArgument("source.lead is negative; expected a signal index >= 0");
  return s;
}

// ----------------------------------------------------------------------------- loading

namespace {

Recording load_wfdb(const fs::path& record, int lead, const std::string& annotator) {
  const io::WfdbRecord w = io::read_wfdb(record);
  if (static_cast<std::size_t>(lead) >= w.n_leads()) {
    throw InvalidArgument("record " + record.string() + " has " + std::to_string(w.n_leads()) +
                          " signal(s); lead " + std::to_string(lead) + " does not exist");
  }
  Recording r;
  r.name = record.filename().string();
  r.source = "wfdb";
  r.fs_hz = w.fs_hz;
  r.signal_mv = w.lead(static_cast<std::size_t>(lead));
  r.tags = {{"lead", w.header.signals[static_cast<std::size_t>(lead)].description}};
  if (!annotator.empty()) {
    for (const io::Annotation& a : io::read_annotations(record, annotator)) {
      if (const auto c = a.aami_class()) {
        r.label_samples.push_back(a.sample);
        r.labels.emplace_back(signal::to_string(*c));
      }
    }
  }
  r.content_hash = hash_of(r.signal_mv);
  return r;
}

std::vector<fs::path> files_of(const fs::path& path, const std::string& extension) {
  if (fs::is_regular_file(path)) return {path};
  if (!fs::is_directory(path)) {
    throw IoError("source.path '" + path.string() + "' is neither a file nor a folder");
  }
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.is_regular_file() && e.path().extension() == extension) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) {
    throw IoError("no " + extension + " files in '" + path.string() + "'");
  }
  return out;
}

}  // namespace

std::vector<Recording> load_recordings(
    const SourceConfig& s,
    const std::function<void(std::size_t, std::size_t, const std::string&)>& progress) {
  std::vector<Recording> out;
  auto report = [&](std::size_t total) {
    if (progress) progress(out.size(), total, out.back().name);
  };
  if (s.kind == "synthetic") {
    const auto n = static_cast<std::size_t>(s.synthetic.subjects);
    for (int i = 0; i < s.synthetic.subjects; ++i) {
      out.push_back(synthetic_subject(s.synthetic, i));
      report(n);
    }
  } else if (s.kind == "wfdb") {
    std::vector<fs::path> records;
    for (const auto& name : s.records) records.push_back(fs::path(s.path) / name);
    if (records.empty()) {
      for (const auto& h : files_of(s.path, ".hea")) records.push_back(h.parent_path() / h.stem());
    }
    for (const auto& rec : records) {
      out.push_back(load_wfdb(rec, s.lead, s.annotator));
      report(records.size());
    }
  } else if (s.kind == "npy") {
    const auto files = files_of(s.path, ".npy");
    for (const auto& f : files) {
      const xt::xarray<double> a = io::read_npy<double>(f);
      if (a.dimension() != 1) {
        throw FormatError("'" + f.string() + "' has " + std::to_string(a.dimension()) +
                          " dimensions; expected a 1-D signal in mV");
      }
      Recording r;
      r.name = f.filename().string();
      r.source = "npy";
      r.fs_hz = s.fs_hz;
      r.signal_mv = Eigen::Map<const Eigen::VectorXd>(a.data(), static_cast<Eigen::Index>(a.size()));
      r.content_hash = hash_of(r.signal_mv);
      out.push_back(std::move(r));
      report(files.size());
    }
  } else {  // csv: one column per signal, one row per sample
    const auto files = files_of(s.path, ".csv");
    for (const auto& f : files) {
      const io::CsvTable t = io::read_csv(f);
      if (static_cast<Eigen::Index>(s.lead) >= t.values.cols()) {
        throw FormatError("'" + f.string() + "' has " + std::to_string(t.values.cols()) +
                          " column(s); source.lead " + std::to_string(s.lead) + " does not exist");
      }
      Recording r;
      r.name = f.filename().string();
      r.source = "csv";
      r.fs_hz = s.fs_hz;
      r.signal_mv = t.values.col(s.lead);
      r.content_hash = hash_of(r.signal_mv);
      out.push_back(std::move(r));
      report(files.size());
    }
  }
  std::set<std::string> names;
  for (const auto& r : out) {
    if (!names.insert(r.name).second) {
      throw InvalidArgument("two recordings are named '" + r.name +
                            "'; names identify patients in the record-disjoint split");
    }
  }
  return out;
}

// ------------------------------------------------------------------------------- schema

nlohmann::json DataSchema::to_json() const {
  return {{"min_fs_hz", min_fs_hz},           {"max_fs_hz", max_fs_hz},
          {"min_duration_s", min_duration_s}, {"max_abs_mv", max_abs_mv},
          {"min_usable_fraction", min_usable_fraction}};
}

DataSchema DataSchema::from_json(const nlohmann::json& j) {
  DataSchema d;
  JsonReader r(j, "validation");
  d.min_fs_hz = r.get("min_fs_hz", d.min_fs_hz);
  d.max_fs_hz = r.get("max_fs_hz", d.max_fs_hz);
  d.min_duration_s = r.get("min_duration_s", d.min_duration_s);
  d.max_abs_mv = r.get("max_abs_mv", d.max_abs_mv);
  d.min_usable_fraction = r.get("min_usable_fraction", d.min_usable_fraction);
  r.finish();
  if (!(d.min_fs_hz > 0 && d.min_fs_hz <= d.max_fs_hz) || !(d.max_abs_mv > 0) ||
      !(d.min_duration_s >= 0) || !(d.min_usable_fraction >= 0 && d.min_usable_fraction <= 1)) {
    throw InvalidArgument("validation: expected 0 < min_fs_hz <= max_fs_hz, max_abs_mv > 0, "
                          "min_duration_s >= 0, min_usable_fraction in [0, 1]; got " +
                          d.to_json().dump());
  }
  return d;
}

RecordCheck check_recording(const Recording& r, const DataSchema& d) {
  RecordCheck c;
  auto fail = [&](std::string why) {
    c.ok = false;
    c.reason = std::move(why);
    return c;
  };
  auto num = [](double v) { return ecgad::detail::format_number(v); };
  if (!(r.fs_hz >= d.min_fs_hz && r.fs_hz <= d.max_fs_hz)) {
    return fail("sampling rate " + num(r.fs_hz) + " Hz outside " + num(d.min_fs_hz) + ".." +
                num(d.max_fs_hz) + " Hz");
  }
  if (r.duration_s() < d.min_duration_s) {
    return fail("duration " + num(r.duration_s()) + " s shorter than " + num(d.min_duration_s) +
                " s");
  }
  Eigen::Index bad = 0, first_bad = -1, big = 0, first_big = -1;
  for (Eigen::Index i = 0; i < r.signal_mv.size(); ++i) {
    const double v = r.signal_mv[i];
    if (!std::isfinite(v)) {
      if (bad++ == 0) first_bad = i;
    } else if (std::abs(v) > d.max_abs_mv) {
      if (big++ == 0) first_big = i;
    }
  }
  if (bad > 0) {
    return fail(std::to_string(bad) + " NaN/Inf sample(s), the first at sample " +
                std::to_string(first_bad) + " (" + num(static_cast<double>(first_bad) / r.fs_hz) +
                " s)");
  }
  if (big > 0) {
    return fail(std::to_string(big) + " sample(s) beyond ±" + num(d.max_abs_mv) +
                " mV, the first at " + num(static_cast<double>(first_big) / r.fs_hz) +
                " s (wrong units? ECG is a few mV)");
  }
  const auto windows = signal::signal_quality(r.signal_mv, r.fs_hz);
  if (!windows.empty()) {
    const auto usable = std::count_if(windows.begin(), windows.end(), [](const auto& w) {
      return w.grade != signal::QualityGrade::unusable;
    });
    c.usable_fraction = static_cast<double>(usable) / static_cast<double>(windows.size());
    if (c.usable_fraction < d.min_usable_fraction) {
      return fail("only " + num(std::round(100.0 * c.usable_fraction)) +
                  " % of 10 s windows have usable quality; expected at least " +
                  num(100.0 * d.min_usable_fraction) + " %");
    }
  }
  return c;
}

}  // namespace ecgad::pipeline
