// Python face of the SQLite store (store/store.hpp), as _core.store.Store. Rows cross as JSON
// text (parsed by python/ecgad/store.py into dicts, NaN -> None), events as columns of numpy
// arrays in both directions. close() rolls back any open transaction and closes the file, so
// `with Store(p) as s:` releases it deterministically (not at garbage collection).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "ecgad/error.hpp"
#include "ecgad/store/store.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using nlohmann::json;
using store::Store;
using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using I64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

json parse(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  }
}

template <typename T>
std::string dump_all(const std::vector<T>& rows) {
  json a = json::array();
  for (const auto& r : rows) a.push_back(store::to_json(r));
  return a.dump();
}

template <typename T>
std::string dump_optional(const std::optional<T>& row) {
  return row ? store::to_json(*row).dump() : std::string("null");
}

// A store and the stack of its open transactions (innermost last): close() can roll them back
// before the connection goes, so no Transaction outlives its Store.
class PyStore {
 public:
  PyStore(const std::string& path, bool read_only)
      : store_(std::make_unique<Store>(
            path, read_only ? Store::Mode::read_only : Store::Mode::read_write)) {}

  Store& get() {
    if (!store_) throw StateError("the store is closed");
    return *store_;
  }
  void close() {
    while (!transactions_.empty()) transactions_.pop_back();  // rollback, innermost first
    store_.reset();
  }
  bool closed() const { return !store_; }

  std::size_t begin() {
    transactions_.push_back(std::make_unique<Store::Transaction>(get()));
    return transactions_.size();
  }
  void finish(std::size_t level, bool commit) {
    if (level != transactions_.size()) {
      throw StateError("transaction " + std::to_string(level) + " is not the innermost open one (" +
                       std::to_string(transactions_.size()) + " open)");
    }
    auto t = std::move(transactions_.back());
    transactions_.pop_back();
    if (commit) t->commit();
    // else: the destructor rolls back
  }

 private:
  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<Store::Transaction>> transactions_;
};

class PyTransaction {
 public:
  PyTransaction(PyStore& s, std::size_t level) : store_(&s), level_(level) {}
  void commit() { finish(true); }
  void rollback() { finish(false); }
  bool open() const { return !done_; }

 private:
  void finish(bool commit) {
    if (done_) throw StateError("the transaction is already finished");
    done_ = true;
    if (!store_->closed()) store_->finish(level_, commit);
  }
  PyStore* store_;
  std::size_t level_;
  bool done_ = false;
};

template <typename A>
void check_1d(const A& a, const char* name, py::ssize_t n) {
  if (a.ndim() != 1 || a.shape(0) != n) {
    throw InvalidArgument(std::string(name) + " must be a 1-D array of length " +
                          std::to_string(n) + ", got shape with " + std::to_string(a.ndim()) +
                          " dimensions and " + std::to_string(a.size()) + " elements");
  }
}

store::EventQuery make_query(std::optional<std::int64_t> run_id,
                             std::optional<std::string> stream_id, std::optional<int> decision,
                             std::optional<double> from_s, std::optional<double> to_s,
                             std::optional<std::int64_t> limit,
                             std::optional<std::int64_t> model_id) {
  store::EventQuery q;
  q.run_id = run_id;
  q.stream_id = std::move(stream_id);
  q.decision = decision;
  q.model_id = model_id;
  if (from_s) q.from_s = *from_s;
  if (to_s) q.to_s = *to_s;
  if (limit) q.limit = *limit;
  return q;
}

template <typename T>
py::array_t<T> column(const std::vector<store::EventRow>& rows, T (*get)(const store::EventRow&)) {
  py::array_t<T> out(static_cast<py::ssize_t>(rows.size()));
  T* p = out.mutable_data();
  for (std::size_t i = 0; i < rows.size(); ++i) p[i] = get(rows[i]);
  return out;
}

}  // namespace

void bind_store(py::module_& parent) {
  auto m = parent.def_submodule(
      "store", "The embedded SQLite store (records, runs, registry, events, alerts, reviews)");
  py::class_<PyTransaction>(m, "Transaction")
      .def("commit", &PyTransaction::commit)
      .def("rollback", &PyTransaction::rollback)
      .def_property_readonly("open", &PyTransaction::open);

  py::class_<PyStore>(m, "Store")
      .def(py::init<const std::string&, bool>(), py::arg("path"), py::arg("read_only") = false)
      .def("close", &PyStore::close)
      .def_property_readonly("closed", &PyStore::closed)
      .def_property_readonly("schema_version", [](PyStore& s) { return s.get().schema_version(); })
      .def_property_readonly("path", [](PyStore& s) { return s.get().path().string(); })
      .def_property_readonly_static("SCHEMA_VERSION",
                                    [](const py::object&) { return Store::kSchemaVersion; })
      .def(
          "begin_transaction", [](PyStore& s) { return PyTransaction(s, s.begin()); },
          py::keep_alive<0, 1>())
      // records
      .def(
          "add_record",
          [](PyStore& s, const std::string& source, const std::string& name, double fs_hz,
             double duration_s, int n_channels, const std::string& content_hash,
             const std::string& tags_json) {
            store::RecordInfo r;
            r.source = source;
            r.name = name;
            r.fs_hz = fs_hz;
            r.duration_s = duration_s;
            r.n_channels = n_channels;
            r.content_hash = content_hash;
            r.tags = parse(tags_json, "tags");
            return s.get().add_record(r);
          },
          py::arg("source"), py::arg("name"), py::arg("fs_hz"), py::arg("duration_s"),
          py::arg("n_channels"), py::arg("content_hash"), py::arg("tags_json"))
      .def("records_json", [](PyStore& s) { return dump_all(s.get().records()); })
      .def(
          "record_by_hash_json",
          [](PyStore& s, const std::string& h) { return dump_optional(s.get().record_by_hash(h)); })
      // runs
      .def(
          "begin_run",
          [](PyStore& s, const std::string& kind, const std::string& config_json,
             const std::string& tags_json) {
            return s.get().begin_run(kind, parse(config_json, "config"), parse(tags_json, "tags"));
          },
          py::arg("kind"), py::arg("config_json"), py::arg("tags_json"))
      .def(
          "finish_run",
          [](PyStore& s, std::int64_t run_id, const std::string& status,
             const std::string& metrics_json, const std::string& timings_json,
             const std::string& fingerprint) {
            s.get().finish_run(run_id, status, parse(metrics_json, "metrics"),
                               parse(timings_json, "timings"), fingerprint);
          },
          py::arg("run_id"), py::arg("status"), py::arg("metrics_json"), py::arg("timings_json"),
          py::arg("data_fingerprint"))
      .def("merge_run_metrics",
           [](PyStore& s, std::int64_t run_id, const std::string& patch_json) {
             s.get().merge_run_metrics(run_id, parse(patch_json, "patch"));
           })
      .def("run_json",
           [](PyStore& s, std::int64_t id) { return store::to_json(s.get().run(id)).dump(); })
      .def(
          "run_by_uid_json",
          [](PyStore& s, const std::string& uid) { return dump_optional(s.get().run_by_uid(uid)); })
      .def("runs_json",
           [](PyStore& s, const std::string& kind) { return dump_all(s.get().runs(kind)); })
      .def("link_run_record",
           [](PyStore& s, std::int64_t run_id, std::int64_t record_id, const std::string& role,
              const std::string& reason) {
             s.get().link_run_record(run_id, record_id, role, reason);
           })
      .def("run_records_json",
           [](PyStore& s, std::int64_t run_id) {
             json a = json::array();
             for (const auto& rr : s.get().run_records(run_id)) {
               a.push_back({{"record", store::to_json(rr.record)},
                            {"role", rr.role},
                            {"reason", rr.reason}});
             }
             return a.dump();
           })
      // models
      .def(
          "register_model",
          [](PyStore& s, const std::string& name, const std::string& bundle_path,
             const std::string& bundle_hash, const std::string& stage,
             std::optional<std::int64_t> parent_id, std::optional<std::int64_t> run_id,
             const std::string& metrics_json) {
            store::ModelInfo mi;
            mi.name = name;
            mi.bundle_path = bundle_path;
            mi.bundle_hash = bundle_hash;
            mi.stage = store::parse_stage(stage);
            mi.parent_id = parent_id;
            mi.run_id = run_id;
            mi.metrics = parse(metrics_json, "metrics");
            return s.get().register_model(mi);
          },
          py::arg("name"), py::arg("bundle_path"), py::arg("bundle_hash"), py::arg("stage"),
          py::arg("parent_id"), py::arg("run_id"), py::arg("metrics_json"))
      .def("model_json",
           [](PyStore& s, std::int64_t id) { return store::to_json(s.get().model(id)).dump(); })
      .def("models_json",
           [](PyStore& s, const std::string& name) { return dump_all(s.get().models(name)); })
      .def("production_model_json",
           [](PyStore& s, const std::string& name) {
             return dump_optional(s.get().production_model(name));
           })
      .def("set_stage",
           [](PyStore& s, std::int64_t id, const std::string& stage) {
             s.get().set_stage(id, store::parse_stage(stage));
           })
      .def("promote", [](PyStore& s, std::int64_t id) { s.get().promote(id); })
      // events, columnar
      .def(
          "add_events",
          [](PyStore& s, const I64& run_id, const std::vector<std::string>& stream_id,
             const I64& model_id, const F64& time_s, const I64& sample_index, const F64& score,
             const F64& p_value, const I64& decision, const I64& quality_grade,
             const F64& quality_score, const F64& heart_rate_bpm) {
            const py::ssize_t n = time_s.ndim() == 1 ? time_s.shape(0) : -1;
            check_1d(time_s, "time_s", n);
            check_1d(run_id, "run_id", n);
            if (static_cast<py::ssize_t>(stream_id.size()) != n) {
              throw InvalidArgument("stream_id must hold " + std::to_string(n) + " strings, got " +
                                    std::to_string(stream_id.size()));
            }
            check_1d(model_id, "model_id", n);
            check_1d(sample_index, "sample_index", n);
            check_1d(score, "score", n);
            check_1d(p_value, "p_value", n);
            check_1d(decision, "decision", n);
            check_1d(quality_grade, "quality_grade", n);
            check_1d(quality_score, "quality_score", n);
            check_1d(heart_rate_bpm, "heart_rate_bpm", n);
            std::vector<store::EventRow> rows(static_cast<std::size_t>(n));
            for (py::ssize_t i = 0; i < n; ++i) {
              auto& e = rows[static_cast<std::size_t>(i)];
              e.run_id = run_id.at(i);
              e.stream_id = stream_id[static_cast<std::size_t>(i)];
              e.model_id = model_id.at(i);
              e.time_s = time_s.at(i);
              e.sample_index = sample_index.at(i);
              e.score = score.at(i);
              e.p_value = p_value.at(i);
              e.decision = static_cast<int>(decision.at(i));
              e.quality_grade = static_cast<int>(quality_grade.at(i));
              e.quality_score = quality_score.at(i);
              e.heart_rate_bpm = heart_rate_bpm.at(i);
            }
            py::gil_scoped_release release;
            s.get().add_events(rows);
          },
          py::arg("run_id"), py::arg("stream_id"), py::arg("model_id"), py::arg("time_s"),
          py::arg("sample_index"), py::arg("score"), py::arg("p_value"), py::arg("decision"),
          py::arg("quality_grade"), py::arg("quality_score"), py::arg("heart_rate_bpm"))
      .def(
          "events",
          [](PyStore& s, std::optional<std::int64_t> run_id, std::optional<std::string> stream_id,
             std::optional<int> decision, std::optional<double> from_s, std::optional<double> to_s,
             std::optional<std::int64_t> limit, std::optional<std::int64_t> model_id) {
            const auto q =
                make_query(run_id, std::move(stream_id), decision, from_s, to_s, limit, model_id);
            std::vector<store::EventRow> rows;
            {
              py::gil_scoped_release release;
              rows = s.get().events(q);
            }
            using E = store::EventRow;
            py::dict out;
            out["id"] = column<std::int64_t>(rows, [](const E& e) { return e.id; });
            out["run_id"] = column<std::int64_t>(rows, [](const E& e) { return e.run_id; });
            py::list streams(rows.size());
            for (std::size_t i = 0; i < rows.size(); ++i) streams[i] = py::str(rows[i].stream_id);
            out["stream_id"] = streams;
            out["model_id"] = column<std::int64_t>(rows, [](const E& e) { return e.model_id; });
            out["time_s"] = column<double>(rows, [](const E& e) { return e.time_s; });
            out["sample_index"] =
                column<std::int64_t>(rows, [](const E& e) { return e.sample_index; });
            out["score"] = column<double>(rows, [](const E& e) { return e.score; });
            out["p_value"] = column<double>(rows, [](const E& e) { return e.p_value; });
            out["decision"] = column<std::int8_t>(
                rows, [](const E& e) { return static_cast<std::int8_t>(e.decision); });
            out["quality_grade"] = column<std::int8_t>(
                rows, [](const E& e) { return static_cast<std::int8_t>(e.quality_grade); });
            out["quality_score"] = column<double>(rows, [](const E& e) { return e.quality_score; });
            out["heart_rate_bpm"] =
                column<double>(rows, [](const E& e) { return e.heart_rate_bpm; });
            return out;
          },
          py::arg("run_id"), py::arg("stream_id"), py::arg("decision"), py::arg("from_s"),
          py::arg("to_s"), py::arg("limit"), py::arg("model_id"))
      .def(
          "count_events",
          [](PyStore& s, std::optional<std::int64_t> run_id, std::optional<std::string> stream_id,
             std::optional<int> decision, std::optional<double> from_s, std::optional<double> to_s,
             std::optional<std::int64_t> limit, std::optional<std::int64_t> model_id) {
            return s.get().count_events(
                make_query(run_id, std::move(stream_id), decision, from_s, to_s, limit, model_id));
          },
          py::arg("run_id"), py::arg("stream_id"), py::arg("decision"), py::arg("from_s"),
          py::arg("to_s"), py::arg("limit"), py::arg("model_id"))
      // alerts, reviews, disagreements
      .def(
          "add_alert",
          [](PyStore& s, std::int64_t run_id, const std::string& stream_id, const std::string& kind,
             double since_s, double detected_s, double strength, const std::string& shape,
             const std::string& cause, const std::string& action, const std::string& detail_json) {
            store::AlertRow a;
            a.run_id = run_id;
            a.stream_id = stream_id;
            a.kind = kind;
            a.since_s = since_s;
            a.detected_s = detected_s;
            a.strength = strength;
            a.shape = shape;
            a.cause = cause;
            a.action = action;
            a.detail = parse(detail_json, "detail");
            return s.get().add_alert(a);
          },
          py::arg("run_id"), py::arg("stream_id"), py::arg("kind"), py::arg("since_s"),
          py::arg("detected_s"), py::arg("strength"), py::arg("shape"), py::arg("cause"),
          py::arg("action"), py::arg("detail_json"))
      .def("alerts_json",
           [](PyStore& s, std::optional<std::int64_t> run_id) {
             return dump_all(s.get().alerts(run_id));
           })
      .def(
          "add_review",
          [](PyStore& s, const std::string& stream_id, double time_s, int label,
             const std::string& reviewer, const std::string& note) {
            store::ReviewRow r;
            r.stream_id = stream_id;
            r.time_s = time_s;
            r.label = label;
            r.reviewer = reviewer;
            r.note = note;
            return s.get().add_review(r);
          },
          py::arg("stream_id"), py::arg("time_s"), py::arg("label"), py::arg("reviewer"),
          py::arg("note"))
      .def("reviews_json",
           [](PyStore& s, const std::string& stream_id) {
             return dump_all(s.get().reviews(stream_id));
           })
      .def(
          "add_disagreements",
          [](PyStore& s, std::int64_t run_id, const std::vector<std::string>& stream_id,
             const F64& time_s, std::int64_t production_model_id, std::int64_t candidate_model_id,
             const I64& production_decision, const I64& candidate_decision,
             const F64& production_score, const F64& candidate_score) {
            const py::ssize_t n = static_cast<py::ssize_t>(stream_id.size());
            check_1d(time_s, "time_s", n);
            check_1d(production_decision, "production_decision", n);
            check_1d(candidate_decision, "candidate_decision", n);
            check_1d(production_score, "production_score", n);
            check_1d(candidate_score, "candidate_score", n);
            std::vector<store::DisagreementRow> rows(static_cast<std::size_t>(n));
            for (py::ssize_t i = 0; i < n; ++i) {
              auto& d = rows[static_cast<std::size_t>(i)];
              d.run_id = run_id;
              d.stream_id = stream_id[static_cast<std::size_t>(i)];
              d.time_s = time_s.at(i);
              d.production_model_id = production_model_id;
              d.candidate_model_id = candidate_model_id;
              d.production_decision = static_cast<int>(production_decision.at(i));
              d.candidate_decision = static_cast<int>(candidate_decision.at(i));
              d.production_score = production_score.at(i);
              d.candidate_score = candidate_score.at(i);
            }
            s.get().add_disagreements(rows);
          },
          py::arg("run_id"), py::arg("stream_id"), py::arg("time_s"),
          py::arg("production_model_id"), py::arg("candidate_model_id"),
          py::arg("production_decision"), py::arg("candidate_decision"),
          py::arg("production_score"), py::arg("candidate_score"))
      .def("disagreements_json",
           [](PyStore& s, std::int64_t run_id) { return dump_all(s.get().disagreements(run_id)); });
}

}  // namespace ecgad::bindings
