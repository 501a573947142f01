// Python face of the training and inference pipelines (include/ecgad/pipeline/*.hpp), in
// _core.pipeline. python/ecgad/pipeline.py wraps it with documented, input-checking classes.
//
// Long work (training, streaming, evaluation, synthesis) runs without the GIL so notebooks stay
// responsive and many streams score in parallel threads. Per-beat results cross as one dict of
// numpy columns per call (no Python object per beat); Python callbacks of the streams are fed
// after the C++ call returns (events/alerts collected meanwhile), so the per-beat path never
// takes the GIL. Training callbacks re-acquire the GIL inside the run, as training is minutes.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/artifact/checksum.hpp"
#include "ecgad/error.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/shadow.hpp"
#include "ecgad/pipeline/sources.hpp"
#include "ecgad/pipeline/training.hpp"
#include "ecgad/store/store.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using nlohmann::json;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using PackagePtr = std::shared_ptr<const pipeline::ModelPackage>;

json parse(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  }
}

// JSON -> Python objects through the json module: one well-tested conversion (NaN was already
// written as null by nlohmann).
py::object to_python(const json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

Eigen::Map<const Eigen::VectorXd> as_vector(const DoubleArray& a, const char* what) {
  if (a.ndim() != 1) {
    throw InvalidArgument(std::string(what) + " must be 1-D of shape (n_samples,), got " +
                          std::to_string(a.ndim()) + " dimensions");
  }
  return {a.data(), static_cast<Eigen::Index>(a.shape(0))};
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

// The chain's beats of a whole signal as columns: model inputs (n, input_size) float32, filtered
// beats (n, length) float32 and the per-beat flags the training pipeline selects on.
py::dict chain_beats(const pipeline::Preprocessing& p, const Eigen::Ref<const Eigen::VectorXd>& x) {
  const auto width = static_cast<std::size_t>(p.input_size());
  const auto length = static_cast<std::size_t>(p.beats.length);
  std::vector<float> inputs, beats;
  std::vector<std::int64_t> sample_index;
  std::vector<double> time_s, rr_before, hr, amplitude, quality_score;
  std::vector<std::int8_t> grade;
  std::vector<bool> warm, quality_known, premature;
  {
    py::gil_scoped_release release;
    pipeline::BeatChain chain(p);
    auto on_beat = [&](const pipeline::ChainBeat& b) {
      inputs.insert(inputs.end(), b.input, b.input + width);
      beats.insert(beats.end(), b.beat, b.beat + length);
      sample_index.push_back(b.sample_index);
      time_s.push_back(b.time_s);
      rr_before.push_back(b.rr_before_s);
      hr.push_back(b.heart_rate_bpm);
      amplitude.push_back(b.r_amplitude_mv);
      quality_score.push_back(b.quality_score);
      grade.push_back(b.quality_known ? static_cast<std::int8_t>(b.quality_grade) : -1);
      warm.push_back(b.warm);
      quality_known.push_back(b.quality_known);
      premature.push_back(b.premature);
    };
    chain.process(x, on_beat);
    chain.finish(on_beat);
  }
  const auto n = static_cast<py::ssize_t>(sample_index.size());
  auto matrix = [n](const std::vector<float>& v, std::size_t cols) {
    py::array_t<float> a({n, static_cast<py::ssize_t>(cols)});
    if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(float));
    return a;
  };
  auto flags = [n](const std::vector<bool>& v) {
    py::array_t<bool> a(n);
    for (py::ssize_t i = 0; i < n; ++i) a.mutable_at(i) = v[static_cast<std::size_t>(i)];
    return a;
  };
  py::dict d;
  d["inputs"] = matrix(inputs, width);
  d["beats"] = matrix(beats, length);
  d["sample_index"] = array_of(sample_index);
  d["time_s"] = array_of(time_s);
  d["rr_before_s"] = array_of(rr_before);
  d["heart_rate_bpm"] = array_of(hr);
  d["r_amplitude_mv"] = array_of(amplitude);
  d["quality_score"] = array_of(quality_score);
  d["quality_grade"] = array_of(grade);
  d["warm"] = flags(warm);
  d["quality_known"] = flags(quality_known);
  d["premature"] = flags(premature);
  return d;
}

// Beat events as columns (the Python face's event table).
py::dict columns(const std::vector<pipeline::BeatEvent>& ev) {
  const auto n = static_cast<py::ssize_t>(ev.size());
  py::array_t<std::int64_t> beat_index(n), sample_index(n);
  py::array_t<double> time_s(n), score(n), p_value(n), quality_score(n), hr(n), rr(n), amp(n);
  py::array_t<std::int8_t> decision(n), grade(n);
  py::array_t<bool> premature(n);
  auto bi = beat_index.mutable_unchecked<1>();
  auto si = sample_index.mutable_unchecked<1>();
  auto t = time_s.mutable_unchecked<1>();
  auto s = score.mutable_unchecked<1>();
  auto p = p_value.mutable_unchecked<1>();
  auto q = quality_score.mutable_unchecked<1>();
  auto h = hr.mutable_unchecked<1>();
  auto r = rr.mutable_unchecked<1>();
  auto a = amp.mutable_unchecked<1>();
  auto d = decision.mutable_unchecked<1>();
  auto g = grade.mutable_unchecked<1>();
  auto pm = premature.mutable_unchecked<1>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const pipeline::BeatEvent& e = ev[static_cast<std::size_t>(i)];
    bi(i) = e.beat_index;
    si(i) = e.sample_index;
    t(i) = e.time_s;
    s(i) = e.score;
    p(i) = e.p_value;
    d(i) = static_cast<std::int8_t>(e.decision);
    g(i) = e.quality_known ? static_cast<std::int8_t>(e.quality_grade) : std::int8_t{-1};
    q(i) = e.quality_score;
    h(i) = e.heart_rate_bpm;
    r(i) = e.rr_before_s;
    a(i) = e.r_amplitude_mv;
    pm(i) = e.premature;
  }
  py::dict out;
  out["beat_index"] = beat_index;
  out["sample_index"] = sample_index;
  out["time_s"] = time_s;
  out["score"] = score;
  out["p_value"] = p_value;
  out["decision"] = decision;
  out["quality_grade"] = grade;
  out["quality_score"] = quality_score;
  out["heart_rate_bpm"] = hr;
  out["rr_before_s"] = rr;
  out["r_amplitude_mv"] = amp;
  out["premature"] = premature;
  return out;
}

// A recording dict as python/ecgad/pipeline.py normalises it: name, source (str), fs_hz
// (float), signal (float64 1-D), label_samples (int64 1-D), labels (list of str), tags (JSON).
pipeline::Recording recording_from(const py::handle& h) {
  const py::dict d = py::reinterpret_borrow<py::dict>(h);
  pipeline::Recording r;
  r.name = d["name"].cast<std::string>();
  r.source = d["source"].cast<std::string>();
  r.fs_hz = d["fs_hz"].cast<double>();
  const auto signal = d["signal"].cast<DoubleArray>();
  const auto x = as_vector(signal, "recording signal");
  r.signal_mv = x;
  const auto samples = d["label_samples"].cast<Int64Array>();
  if (samples.ndim() != 1) throw InvalidArgument("label_samples must be 1-D");
  r.label_samples.assign(samples.data(), samples.data() + samples.shape(0));
  r.labels = d["labels"].cast<std::vector<std::string>>();
  if (r.labels.size() != r.label_samples.size()) {
    throw InvalidArgument("recording '" + r.name + "': " + std::to_string(r.label_samples.size()) +
                          " label_samples but " + std::to_string(r.labels.size()) + " labels");
  }
  r.tags = parse(d["tags"].cast<std::string>(), "recording tags");
  // The data-warehouse key, exactly as sources.cpp computes it for loaded recordings.
  const auto bytes = static_cast<std::size_t>(r.signal_mv.size()) * sizeof(double);
  r.content_hash = artifact::xxh128_hex(r.signal_mv.data(), bytes);
  return r;
}

std::vector<pipeline::Recording> recordings_from(const py::list& list) {
  std::vector<pipeline::Recording> out;
  out.reserve(list.size());
  for (const auto& item : list) out.push_back(recording_from(item));
  return out;
}

py::dict recording_to_python(const pipeline::Recording& r) {
  py::dict d;
  d["name"] = r.name;
  d["source"] = r.source;
  d["fs_hz"] = r.fs_hz;
  py::array_t<double> signal(r.signal_mv.size());
  if (r.signal_mv.size() > 0) {
    std::memcpy(signal.mutable_data(), r.signal_mv.data(),
                static_cast<std::size_t>(r.signal_mv.size()) * sizeof(double));
  }
  d["signal"] = signal;
  d["label_samples"] = array_of(r.label_samples);
  d["labels"] = r.labels;
  d["tags"] = to_python(r.tags);
  d["content_hash"] = r.content_hash;
  return d;
}

py::dict evaluation_to_python(const pipeline::Evaluation& e) {
  py::dict d;
  d["scores"] = array_of(e.scores);
  std::vector<std::int8_t> abnormal(e.abnormal.begin(), e.abnormal.end());
  std::vector<std::int8_t> decisions(e.decisions.begin(), e.decisions.end());
  d["abnormal"] = array_of(abnormal);
  d["labels"] = e.labels;
  d["records"] = e.records;
  d["decisions"] = array_of(decisions);
  d["threshold"] = e.threshold;
  d["metrics"] = to_python(e.metrics);
  d["report"] = to_python(e.report);
  return d;
}

// MonitorConfig defaults overlaid with the user's keys (two levels); unknown keys are named.
drift::MonitorConfig monitor_config_from(const std::string& overrides_json) {
  json config = drift::MonitorConfig{}.to_json();
  const json overrides = parse(overrides_json, "monitor_params");
  if (!overrides.is_object()) throw InvalidArgument("monitor_params must be a JSON object");
  for (const auto& [key, value] : overrides.items()) {
    if (!config.contains(key)) {
      std::string valid;
      for (const auto& [name, unused] : config.items()) valid += (valid.empty() ? "" : ", ") + name;
      throw InvalidArgument("unknown monitor parameter '" + key + "'; valid: " + valid);
    }
    if (value.is_object() && config[key].is_object()) {
      for (const auto& [k2, v2] : value.items()) {
        if (!config[key].contains(k2)) {
          throw InvalidArgument("unknown monitor parameter '" + key + "." + k2 + "'");
        }
        config[key][k2] = v2;
      }
    } else {
      config[key] = value;
    }
  }
  return drift::MonitorConfig::from_json(config);
}

pipeline::StreamOptions options_from(const std::string& stream_id, double fs_hz, bool monitor,
                                     double monitor_warmup_s, bool use_bundle_reference,
                                     const std::string& monitor_params_json) {
  pipeline::StreamOptions o;
  o.stream_id = stream_id;
  o.fs_hz = fs_hz;
  o.monitor = monitor;
  o.monitor_warmup_s = monitor_warmup_s;
  o.use_bundle_reference = use_bundle_reference;
  o.monitor_config = monitor_config_from(monitor_params_json);
  return o;
}

// A streaming object belongs to one thread at a time (DESIGN.md); with the GIL released two
// Python threads could enter it together, so the second is refused instead of racing.
std::unique_lock<std::mutex> exclusive(std::mutex& m, const char* what) {
  std::unique_lock<std::mutex> lock(m, std::try_to_lock);
  if (!lock.owns_lock()) {
    throw StateError(std::string(what) +
                     " is in use by another thread; use one pipeline per thread");
  }
  return lock;
}

struct PyPackage {
  PackagePtr package;
};

// StreamPipeline plus the events and alerts of the current call.
struct PyStream {
  std::unique_ptr<pipeline::StreamPipeline> stream;
  std::vector<pipeline::BeatEvent> events;
  std::vector<json> alerts;
  std::mutex busy;

  PyStream(const PyPackage& package, const pipeline::StreamOptions& options)
      : stream(std::make_unique<pipeline::StreamPipeline>(package.package, options)) {
    stream->set_event_callback([this](const pipeline::BeatEvent& e) { events.push_back(e); });
    stream->set_alert_callback([this](const drift::Alert& a) { alerts.push_back(a.to_json()); });
  }

  template <class Work>
  py::dict run(Work&& work) {
    auto lock = exclusive(busy, "this StreamPipeline");
    events.clear();
    alerts.clear();
    {
      py::gil_scoped_release release;
      work();
    }
    return columns(events);
  }
};

struct PyShadow {
  std::unique_ptr<pipeline::ShadowPipeline> shadow;
  std::vector<pipeline::BeatEvent> events;
  std::vector<json> alerts;
  std::mutex busy;

  PyShadow(const PyPackage& production, const PyPackage& candidate,
           const pipeline::StreamOptions& options, const pipeline::PromotionRule& rule)
      : shadow(std::make_unique<pipeline::ShadowPipeline>(production.package, candidate.package,
                                                          options, rule)) {
    shadow->set_event_callback([this](const pipeline::BeatEvent& e) { events.push_back(e); });
    shadow->set_alert_callback([this](const drift::Alert& a) { alerts.push_back(a.to_json()); });
  }

  template <class Work>
  py::dict run(Work&& work) {
    auto lock = exclusive(busy, "this ShadowPipeline");
    events.clear();
    alerts.clear();
    {
      py::gil_scoped_release release;
      work();
    }
    return columns(events);
  }
};

py::list alerts_to_python(std::vector<json>& alerts) {
  py::list out;
  for (const auto& a : alerts) out.append(to_python(a));
  alerts.clear();
  return out;
}

py::dict disagreement_to_python(const pipeline::Disagreement& d) {
  py::dict out;
  out["time_s"] = d.time_s;
  out["sample_index"] = d.sample_index;
  out["production_decision"] = calibrate::decision_name(d.production_decision);
  out["candidate_decision"] = calibrate::decision_name(d.candidate_decision);
  out["production_score"] = d.production_score;
  out["candidate_score"] = d.candidate_score;
  out["label"] = d.label;
  return out;
}


py::dict train(const std::string& config_text, bool config_is_path,
               const std::optional<std::string>& store_path,
               const std::optional<py::list>& recordings, const py::object& on_epoch,
               const py::object& on_stage) {
  const pipeline::TrainingConfig config =
      config_is_path ? pipeline::TrainingConfig::load(config_text)
                     : pipeline::TrainingConfig::from_json(parse(config_text, "config"));
  std::optional<std::vector<pipeline::Recording>> given;
  if (recordings) given = recordings_from(*recordings);

  // A Python error in a callback (or Ctrl-C seen between epochs) cancels the run; the store
  // records it as cancelled and the Python error is re-raised here.
  std::atomic<bool> cancel{false};
  std::optional<py::error_already_set> error;
  auto guarded = [&](auto&& call) {
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      call();
    } catch (py::error_already_set& e) {
      error.emplace(std::move(e));
      cancel = true;
    }
    if (cancel) throw StateError("training cancelled");
  };
  pipeline::TrainingObserver observer;
  observer.cancel = &cancel;
  observer.on_epoch = [&](const model::EpochReport& r) {
    guarded([&] {
      if (on_epoch.is_none()) return;
      const py::object verdict = on_epoch(epoch_report_dict(r));
      if (py::isinstance<py::bool_>(verdict) && !verdict.cast<bool>()) cancel = true;
    });
  };
  observer.on_stage = [&](const std::string& stage, const std::string& message) {
    guarded([&] {
      if (!on_stage.is_none()) on_stage(stage, message);
    });
  };

  pipeline::TrainingResult result;
  try {
    py::gil_scoped_release release;
    std::optional<store::Store> store;
    if (store_path) store.emplace(*store_path);
    result = pipeline::run_training(config, store ? &*store : nullptr, observer,
                                    given ? &*given : nullptr);
  } catch (...) {
    if (error) throw std::move(*error);
    throw;
  }

  json checks = json::array();
  for (const auto& c : result.checks) {
    checks.push_back({{"name", c.name}, {"value", c.value}, {"limit", c.limit},
                      {"passed", c.passed}, {"text", c.text}});
  }
  py::dict d;
  d["run_id"] = result.run_id;
  d["run_uid"] = result.run_uid;
  d["model_id"] = result.model_id;
  d["model_version"] = result.model_version;
  d["bundle_path"] = result.bundle_path.string();
  d["blessed"] = result.blessed;
  d["promoted"] = result.promoted;
  d["checks"] = to_python(checks);
  d["metrics"] = to_python(result.metrics);
  d["data"] = to_python(result.data);
  d["timings"] = to_python(result.timings);
  d["report"] = to_python(result.report);
  d["evaluation"] = evaluation_to_python(result.evaluation);
  d["production_evaluation"] = result.production_evaluation
                                   ? py::object(evaluation_to_python(*result.production_evaluation))
                                   : py::object(py::none());
  return d;
}

}  // namespace

void bind_pipeline(py::module_& parent) {
  auto m = parent.def_submodule(
      "pipeline", "Training and inference pipelines (wrapped by ecgad.pipeline)");
  // ------------------------------------------------------------------------------ configs
  m.def("default_config_json",
        [] { return pipeline::TrainingConfig::defaults().to_json().dump(); },
        "TrainingConfig::defaults().to_json() as JSON text");
  m.def(
      "effective_config_json",
      [](const std::string& text) {
        return pipeline::TrainingConfig::from_json(parse(text, "config")).to_json().dump();
      },
      py::arg("config_json"), "TrainingConfig::from_json(config).to_json(): every default filled");
  m.def(
      "load_config_json",
      [](const std::string& path) { return pipeline::TrainingConfig::load(path).to_json().dump(); },
      py::arg("path"), "TrainingConfig::load(path).to_json() (.json or .toml)");
  m.def("train", &train, py::arg("config"), py::arg("config_is_path"), py::arg("store_path"),
        py::arg("recordings"), py::arg("on_epoch"), py::arg("on_stage"),
        "run_training without the GIL; callbacks re-acquire it");

  // ------------------------------------------------------------------------------ sources
  m.def(
      "synthetic_cohort",
      [](const std::string& params_json, const std::optional<std::vector<int>>& indices) {
        // Parsed as a source section, so the cohort's keys and ranges are checked as in a config.
        const pipeline::SourceConfig source = pipeline::SourceConfig::from_json(
            {{"kind", "synthetic"}, {"synthetic", parse(params_json, "cohort parameters")}});
        std::vector<int> which;
        if (indices) {
          which = *indices;
        } else {
          for (int i = 0; i < source.synthetic.subjects; ++i) which.push_back(i);
        }
        std::vector<pipeline::Recording> out;
        {
          py::gil_scoped_release release;
          for (int i : which) out.push_back(pipeline::synthetic_subject(source.synthetic, i));
        }
        py::list list;
        for (const auto& r : out) list.append(recording_to_python(r));
        return list;
      },
      py::arg("params_json"), py::arg("indices") = py::none(),
      "synthetic_subject(cohort, i) for each index (all subjects by default)");
  m.def(
      "check_recording",
      [](const py::dict& recording, const std::string& schema_json) {
        const pipeline::Recording r = recording_from(recording);
        const pipeline::DataSchema schema =
            pipeline::DataSchema::from_json(parse(schema_json, "schema"));
        pipeline::RecordCheck c;
        {
          py::gil_scoped_release release;
          c = pipeline::check_recording(r, schema);
        }
        py::dict d;
        d["ok"] = c.ok;
        d["reason"] = c.reason;
        d["usable_fraction"] = c.usable_fraction;
        d["content_hash"] = r.content_hash;
        return d;
      },
      py::arg("recording"), py::arg("schema_json") = "{}",
      "check_recording against a DataSchema (defaults overlaid with the given keys)");

  // ------------------------------------------------------------------------- ModelPackage
  py::class_<PyPackage>(m, "ModelPackage", "A loaded, verified model bundle (immutable)")
      .def_static(
          "load",
          [](const std::string& path) {
            PackagePtr p;
            {
              py::gil_scoped_release release;
              p = pipeline::ModelPackage::load(path);
            }
            return PyPackage{std::move(p)};
          },
          py::arg("path"))
      .def_static(
          "from_bytes",
          [](const py::bytes& data, const std::string& source) {
            const std::string bytes = data;
            PackagePtr p;
            {
              py::gil_scoped_release release;
              // `source` names the bytes in every message, the layout checks' included.
              p = pipeline::ModelPackage::from_bundle(artifact::bundle_from_bytes(bytes, source),
                                                      source);
            }
            return PyPackage{std::move(p)};
          },
          py::arg("data"), py::arg("source") = "bytes",
          "From the bytes of a bundle file (every check of load())")
      .def_property_readonly("source", [](const PyPackage& s) { return s.package->source; })
      .def_property_readonly("bundle_hash",
                             [](const PyPackage& s) { return s.package->bundle_hash; })
      .def_property_readonly("fs_hz",
                             [](const PyPackage& s) { return s.package->preprocessing.fs_hz; })
      .def_property_readonly(
          "input_size",
          [](const PyPackage& s) {
            return static_cast<std::int64_t>(s.package->model.input_size());
          })
      .def_property_readonly(
          "threshold", [](const PyPackage& s) { return s.package->calibration.threshold(); })
      .def_property_readonly("preprocessing_json",
                             [](const PyPackage& s) {
                               return s.package->preprocessing.to_json().dump();
                             })
      .def_property_readonly("calibration_json",
                             [](const PyPackage& s) {
                               return s.package->calibration.to_json().dump();
                             })
      .def_property_readonly("training_json",
                             [](const PyPackage& s) { return s.package->training.dump(); })
      .def_property_readonly("has_drift_reference", [](const PyPackage& s) {
        return s.package->drift_reference.has_value();
      });

  // ------------------------------------------------------------------------ StreamPipeline
  py::class_<PyStream>(m, "StreamPipeline", "One stream's inference pipeline")
      .def(py::init([](const PyPackage& package, const std::string& stream_id, double fs_hz,
                       bool monitor, double monitor_warmup_s, bool use_bundle_reference,
                       const std::string& monitor_params_json) {
             return std::make_unique<PyStream>(
                 package, options_from(stream_id, fs_hz, monitor, monitor_warmup_s,
                                       use_bundle_reference, monitor_params_json));
           }),
           py::arg("package"), py::arg("stream_id") = "stream", py::arg("fs_hz") = 0.0,
           py::arg("monitor") = true, py::arg("monitor_warmup_s") = 300.0,
           py::arg("use_bundle_reference") = false, py::arg("monitor_params_json") = "{}")
      .def(
          "process",
          [](PyStream& self, const DoubleArray& chunk) {
            const auto x = as_vector(chunk, "samples");
            return self.run([&] { self.stream->process(x); });
          },
          py::arg("samples"), "Pushes samples (mV); returns this call's events as columns")
      .def("finish", [](PyStream& self) { return self.run([&] { self.stream->finish(); }); })
      .def("reset",
           [](PyStream& self) {
             auto lock = exclusive(self.busy, "this StreamPipeline");
             self.stream->reset();
           })
      .def("take_alerts", [](PyStream& self) { return alerts_to_python(self.alerts); },
           "The alerts raised by the last process()/finish() call (then cleared)")
      .def_property_readonly(
          "stats", [](const PyStream& self) { return to_python(self.stream->stats().to_json()); })
      .def("alerts",
           [](const PyStream& self) {
             json a = json::array();
             for (const auto& x : self.stream->alerts()) a.push_back(x.to_json());
             return to_python(a);
           })
      .def("monitor_summary",
           [](const PyStream& self) { return to_python(self.stream->monitor_summary()); })
      .def("recommend",
           [](const PyStream& self) { return to_python(self.stream->recommend().to_json()); })
      .def(
          "add_label",
          [](PyStream& self, double time_s, bool is_anomaly) {
            auto lock = exclusive(self.busy, "this StreamPipeline");
            return self.stream->add_label(time_s, is_anomaly);
          },
          py::arg("time_s"), py::arg("is_anomaly"),
          "A reviewer's label for an emitted beat (feeds the error-rate drift channel)")
      .def("latency_bound_s",
           [](const PyStream& self, double max_rr_s) {
             return self.stream->latency_bound_s(max_rr_s);
           },
           py::arg("max_rr_s") = 2.0)
      .def_property_readonly("stream_id",
                             [](const PyStream& self) { return self.stream->options().stream_id; })
      .def_property_readonly("fs_hz",
                             [](const PyStream& self) { return self.stream->options().fs_hz; });

  // ------------------------------------------------------------------------ ShadowPipeline
  py::class_<PyShadow>(m, "ShadowPipeline", "Production and candidate models on one stream")
      .def(py::init([](const PyPackage& production, const PyPackage& candidate,
                       const std::string& stream_id, double fs_hz, bool monitor,
                       double monitor_warmup_s, bool use_bundle_reference,
                       const std::string& monitor_params_json, std::int64_t min_labelled_beats,
                       double min_roc_auc_gain, double max_fpr_increase,
                       double max_sensitivity_drop) {
             pipeline::PromotionRule rule;
             rule.min_labelled_beats = min_labelled_beats;
             rule.min_roc_auc_gain = min_roc_auc_gain;
             rule.max_fpr_increase = max_fpr_increase;
             rule.max_sensitivity_drop = max_sensitivity_drop;
             return std::make_unique<PyShadow>(
                 production, candidate,
                 options_from(stream_id, fs_hz, monitor, monitor_warmup_s, use_bundle_reference,
                              monitor_params_json),
                 rule);
           }),
           py::arg("production"), py::arg("candidate"), py::arg("stream_id") = "stream",
           py::arg("fs_hz") = 0.0, py::arg("monitor") = true, py::arg("monitor_warmup_s") = 300.0,
           py::arg("use_bundle_reference") = false, py::arg("monitor_params_json") = "{}",
           py::arg("min_labelled_beats") = 200, py::arg("min_roc_auc_gain") = 0.0,
           py::arg("max_fpr_increase") = 0.005, py::arg("max_sensitivity_drop") = 0.02)
      .def(
          "set_reference",
          [](PyShadow& self, const Int64Array& samples, const std::vector<std::string>& labels) {
            if (samples.ndim() != 1) throw InvalidArgument("label_samples must be 1-D");
            auto lock = exclusive(self.busy, "this ShadowPipeline");
            self.shadow->set_reference(
                std::vector<std::int64_t>(samples.data(), samples.data() + samples.shape(0)),
                labels);
          },
          py::arg("label_samples"), py::arg("labels"))
      .def(
          "process",
          [](PyShadow& self, const DoubleArray& chunk) {
            const auto x = as_vector(chunk, "samples");
            return self.run([&] { self.shadow->process(x); });
          },
          py::arg("samples"))
      .def("finish", [](PyShadow& self) { return self.run([&] { self.shadow->finish(); }); })
      .def("take_alerts", [](PyShadow& self) { return alerts_to_python(self.alerts); })
      .def("summary",
           [](const PyShadow& self) { return to_python(self.shadow->summary().to_json()); })
      .def("disagreements",
           [](const PyShadow& self) {
             py::list out;
             for (const auto& d : self.shadow->disagreements()) {
               out.append(disagreement_to_python(d));
             }
             return out;
           })
      .def_property_readonly("production_stats",
                             [](const PyShadow& self) {
                               return to_python(self.shadow->production().stats().to_json());
                             })
      .def_property_readonly("candidate_stats", [](const PyShadow& self) {
        return to_python(self.shadow->candidate().stats().to_json());
      });

  // ---------------------------------------------------------------------------- batch faces
  m.def(
      "score_recording",
      [](const PyPackage& package, const DoubleArray& signal, double fs_hz) {
        const auto x = as_vector(signal, "signal");
        std::vector<pipeline::BeatEvent> events;
        {
          py::gil_scoped_release release;
          events = pipeline::score_recording(package.package, x, fs_hz);
        }
        return columns(events);
      },
      py::arg("package"), py::arg("signal"), py::arg("fs_hz"));
  m.def(
      "evaluate",
      [](const PyPackage& package, const py::list& recordings, int report_examples) {
        const std::vector<pipeline::Recording> recs = recordings_from(recordings);
        std::vector<const pipeline::Recording*> ptrs;
        for (const auto& r : recs) ptrs.push_back(&r);
        pipeline::Evaluation e;
        {
          py::gil_scoped_release release;
          e = pipeline::evaluate(*package.package, ptrs, report_examples);
        }
        return evaluation_to_python(e);
      },
      py::arg("package"), py::arg("recordings"), py::arg("report_examples") = 0);
  m.def(
      "chain_beats",
      [](const std::string& preprocessing_json, const DoubleArray& signal) {
        const auto p =
            pipeline::Preprocessing::from_json(parse(preprocessing_json, "preprocessing"));
        const auto x = as_vector(signal, "signal");
        return chain_beats(p, x);
      },
      py::arg("preprocessing_json"), py::arg("signal"),
      "Runs the preprocessing chain over a whole signal: every beat's model input, filtered "
      "beat and flags as numpy columns");
}

}  // namespace ecgad::bindings
