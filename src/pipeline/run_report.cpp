// The report document of stored runs (include/ecgad/pipeline/run_report.hpp).
#include "ecgad/pipeline/run_report.hpp"

#include <ctime>
#include <vector>

#include "ecgad/error.hpp"

namespace ecgad::pipeline {

namespace {

std::int64_t pick(const store::Store& s, std::int64_t id, const std::string& kind) {
  if (id != 0) {
    const store::RunInfo r = s.run(id);
    if (r.kind != kind) {
      throw InvalidArgument("run " + std::to_string(id) + " is a '" + r.kind + "' run; expected '" +
                            kind + "'");
    }
    return id;
  }
  for (const auto& r : s.runs(kind)) {
    if (r.status == "completed") return r.id;
  }
  return 0;
}

// The report's summary tables take scalars: a nested object becomes "key value, ...".
nlohmann::json flat(const nlohmann::json& summary) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : summary.items()) {
    if (!value.is_structured()) {
      out[key] = value;
      continue;
    }
    std::string text;
    for (const auto& [k, v] : value.items()) {
      if (v.is_number() && v.get<double>() == 0.0) continue;
      text += (text.empty() ? "" : ", ") + k + " " + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    out[key] = text.empty() ? "none" : text;
  }
  return out;
}

// {"retrain", "reason"} for the report from a stored Recommendation::to_json().
nlohmann::json recommendation(const nlohmann::json& r) {
  std::string reason;
  for (const auto& line : r.value("reasons", nlohmann::json::array())) {
    reason += (reason.empty() ? "" : "; ") + line.get<std::string>();
  }
  return {{"retrain", r.value("retrain", false)},
          {"reason", reason.empty() ? std::string("no drift alert") : reason}};
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

nlohmann::json report_document(const store::Store& s, const ReportSources& src) {
  const std::int64_t train = pick(s, src.train_run, "train");
  const std::int64_t stream = pick(s, src.stream_run, "stream");
  const std::int64_t shadow = pick(s, src.shadow_run, "shadow");
  if (train == 0 && stream == 0 && shadow == 0) {
    throw InvalidArgument("the store '" + s.path().string() +
                          "' holds no completed train, stream or shadow run to report on");
  }
  nlohmann::json doc = {{"title", src.title}, {"generated_at", utc_now()}};
  nlohmann::json facts = nlohmann::json::array();
  if (train) {
    const store::RunInfo r = s.run(train);
    const nlohmann::json& rep = r.metrics.value("report", nlohmann::json::object());
    for (const char* key : {"training", "evaluation", "config"}) {
      if (rep.contains(key)) doc[key] = rep[key];
    }
    if (rep.contains("facts")) {
      for (const auto& f : rep["facts"]) facts.push_back(f);
    }
    doc["subtitle"] = "training run " + r.uid + " (" + r.started_at + ")";
  }
  if (stream) {
    const store::RunInfo r = s.run(stream);
    store::EventQuery q;
    q.run_id = stream;
    const auto events = s.events(q);
    std::vector<double> t, score;
    std::vector<int> decision;
    t.reserve(events.size());
    for (const auto& e : events) {
      t.push_back(e.time_s);
      score.push_back(e.score);
      decision.push_back(e.decision);
    }
    nlohmann::json alerts = nlohmann::json::array();
    for (const auto& a : s.alerts(stream)) {
      alerts.push_back({{"kind", a.kind}, {"since_s", a.since_s}, {"detected_s", a.detected_s},
                        {"strength", a.strength}, {"shape", a.shape}, {"cause", a.cause},
                        {"action", a.action}});
    }
    const nlohmann::json& m = r.metrics;
    doc["stream"] = {{"name", r.config.value("name", std::string("stream"))},
                     {"duration_s", m.value("duration_s", 0.0)},
                     {"threshold", m.value("threshold", 0.0)},
                     {"time_s", t},
                     {"score", score},
                     {"decision", decision},
                     {"alerts", alerts},
                     {"changes", m.value("changes", nlohmann::json::array())},
                     {"summary", flat(m.value("summary", nlohmann::json::object()))},
                     {"recommendation", recommendation(m.value("recommendation", nlohmann::json::object()))}};
    facts.push_back(nlohmann::json::array({"stream", std::to_string(events.size()) + " beats, " +
                                   std::to_string(alerts.size()) + " drift alert(s)"}));
  }
  if (shadow) {
    const store::RunInfo r = s.run(shadow);
    nlohmann::json sh = r.metrics.value("shadow_report", nlohmann::json::object());
    nlohmann::json rows = nlohmann::json::array();
    auto name = [](int d) { return d == 0 ? "normal" : d == 1 ? "uncertain" : "anomalous"; };
    for (const auto& d : s.disagreements(shadow)) {
      if (rows.size() >= 20) break;
      rows.push_back({{"time_s", d.time_s},
                      {"production_decision", name(d.production_decision)},
                      {"candidate_decision", name(d.candidate_decision)},
                      {"production_score", d.production_score},
                      {"candidate_score", d.candidate_score}});
    }
    sh["disagreements"] = rows;
    doc["shadow"] = sh;
    if (sh.contains("agreement_rate")) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f %% agreement, %s", 100.0 * sh["agreement_rate"].get<double>(),
                    sh.value("promoted", false) ? "candidate promoted" : "production kept");
      facts.push_back(nlohmann::json::array({"shadow", buf}));
    }
  }
  doc["facts"] = facts;
  return doc;
}

}  // namespace ecgad::pipeline
