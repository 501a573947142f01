// Python face of the drift monitor (include/ecgad/drift/monitor.hpp), in _core.drift.
// Reference, parameters, alerts, summary and state cross as JSON text; python/ecgad/drift.py
// (class Monitor) wraps them in dicts and checks the arrays.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/drift/monitor.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using nlohmann::json;

json parse_monitor_json(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  }
}

Eigen::Map<const Eigen::VectorXd> as_vector(const DoubleArray& a, const char* what) {
  if (a.ndim() != 1) {
    throw InvalidArgument(std::string(what) + " must be 1-D, got " + std::to_string(a.ndim()) +
                          " dimensions");
  }
  return {a.data(), static_cast<Eigen::Index>(a.shape(0))};
}

drift::MonitorConfig monitor_config_from(const std::string& overrides_json) {
  json config = drift::MonitorConfig{}.to_json();
  const json overrides = parse_monitor_json(overrides_json, "parameters");
  if (!overrides.is_object()) throw InvalidArgument("monitor: parameters must be a JSON object");
  for (const auto& [key, value] : overrides.items()) {
    if (!config.contains(key)) {
      std::string valid;
      for (const auto& [name, unused] : config.items()) valid += (valid.empty() ? "" : ", ") + name;
      throw InvalidArgument("unknown parameter '" + key + "' for monitor; valid: " + valid);
    }
    if (value.is_object() && config[key].is_object()) {
      for (const auto& [k2, v2] : value.items()) {
        if (!config[key].contains(k2)) {
          throw InvalidArgument("unknown parameter '" + key + "." + k2 + "' for monitor");
        }
        config[key][k2] = v2;
      }
    } else {
      config[key] = value;
    }
  }
  return drift::MonitorConfig::from_json(config);
}

// An optional per-beat float32 array (latent codes, beat samples): checked to have `dims`
// dimensions and, when `rows` >= 0, that many rows; nullptr when absent.
const FloatArray* checked(const std::optional<FloatArray>& a, py::ssize_t dims, const char* what,
                          Eigen::Index rows = -1) {
  if (!a) return nullptr;
  if (a->ndim() != dims) {
    throw InvalidArgument(std::string(what) + " must be " + std::to_string(dims) + "-D, got " +
                          std::to_string(a->ndim()) + " dimensions");
  }
  if (rows >= 0 && a->shape(0) != rows) {
    throw InvalidArgument(std::string(what) + " (rows) has " + std::to_string(a->shape(0)) +
                          " values, expected " + std::to_string(rows));
  }
  return &*a;
}

// Row i of a checked 2-D array (nullptr when absent), with its length.
const float* row(const FloatArray* a, Eigen::Index i, std::size_t& length) {
  if (a == nullptr) return nullptr;
  length = static_cast<std::size_t>(a->shape(1));
  return a->data() + static_cast<std::size_t>(i) * length;
}

drift::LatentMatrix matrix_of(const std::optional<FloatArray>& a, const char* what) {
  const FloatArray* m = checked(a, 2, what);
  if (m == nullptr) return {};
  return Eigen::Map<const drift::LatentMatrix>(m->data(), m->shape(0), m->shape(1));
}

signal::QualityGrade grade_from(int g) {
  if (g < 0 || g > 2) {
    throw InvalidArgument("quality_grade must be 0 (good), 1 (acceptable) or 2 (unusable), got " +
                          std::to_string(g));
  }
  return static_cast<signal::QualityGrade>(g);
}

}  // namespace

void bind_monitor(py::module_& m) {
  auto d = m.def_submodule("drift", "Drift detection: streaming detectors and batch tests");

  d.def(
      "fit_monitor_reference",
      [](const DoubleArray& scores, const DoubleArray& hr, const DoubleArray& amp,
         const DoubleArray& quality, const std::optional<FloatArray>& latent,
         const std::optional<FloatArray>& beats) {
        return drift::MonitorReference::fit(as_vector(scores, "scores"),
                                            as_vector(hr, "heart_rate_bpm"),
                                            as_vector(amp, "r_amplitude_mv"),
                                            as_vector(quality, "quality_score"),
                                            matrix_of(latent, "latent"), matrix_of(beats, "beats"))
            .to_json()
            .dump();
      },
      py::arg("scores"), py::arg("heart_rate_bpm"), py::arg("r_amplitude_mv"),
      py::arg("quality_score"), py::arg("latent") = py::none(), py::arg("beats") = py::none(),
      "MonitorReference.fit; returns the reference as JSON text");

  py::class_<drift::Monitor>(d, "Monitor", "The drift monitor (drift/monitor.hpp)")
      .def(py::init([](const std::string& reference_json, const std::string& params_json) {
             return drift::Monitor(
                 drift::MonitorReference::from_json(
                     parse_monitor_json(reference_json, "reference")),
                 monitor_config_from(params_json));
           }),
           py::arg("reference_json"), py::arg("params_json") = "{}")
      .def(
          "update",
          [](drift::Monitor& self, double time_s, double score, double heart_rate_bpm,
             double r_amplitude_mv, double quality_score, int quality_grade, double p_value,
             double rr_s, bool predicted_anomaly, const std::optional<FloatArray>& latent,
             bool premature, const std::optional<FloatArray>& beat) {
            drift::BeatObservation b;
            b.time_s = time_s;
            b.score = score;
            b.heart_rate_bpm = heart_rate_bpm;
            b.rr_s = rr_s;
            b.r_amplitude_mv = r_amplitude_mv;
            b.quality_score = quality_score;
            b.quality_grade = grade_from(quality_grade);
            b.p_value = p_value;
            b.predicted_anomaly = predicted_anomaly;
            b.premature = premature;
            if (const FloatArray* w = checked(beat, 1, "beat")) {
              b.beat = w->data();
              b.beat_length = static_cast<std::size_t>(w->shape(0));
            }
            if (const FloatArray* c = checked(latent, 1, "latent")) {
              b.latent = c->data();
              b.latent_dim = static_cast<std::size_t>(c->shape(0));
            }
            return self.update(b);
          },
          py::arg("time_s"), py::arg("score"), py::arg("heart_rate_bpm"),
          py::arg("r_amplitude_mv"), py::arg("quality_score"), py::arg("quality_grade"),
          py::arg("p_value") = std::numeric_limits<double>::quiet_NaN(),
          py::arg("rr_s") = std::numeric_limits<double>::quiet_NaN(),
          py::arg("predicted_anomaly") = false, py::arg("latent") = py::none(),
          py::arg("premature") = false, py::arg("beat") = py::none())
      .def(
          "update_many",
          [](drift::Monitor& self, const DoubleArray& time_s, const DoubleArray& score,
             const DoubleArray& hr, const DoubleArray& amp, const DoubleArray& quality,
             const py::array_t<int, py::array::c_style | py::array::forcecast>& grade,
             const DoubleArray& p_value, const py::array_t<bool, py::array::c_style>& predicted,
             const std::optional<FloatArray>& latent,
             const std::optional<py::array_t<bool, py::array::c_style>>& premature,
             const std::optional<FloatArray>& beats) {
            const auto t = as_vector(time_s, "time_s");
            const auto n = t.size();
            auto same = [&](Eigen::Index k, const char* what) {
              if (k != n) {
                throw InvalidArgument(std::string(what) + " has " + std::to_string(k) +
                                      " values, expected " + std::to_string(n));
              }
            };
            same(as_vector(score, "score").size(), "score");
            same(as_vector(hr, "heart_rate_bpm").size(), "heart_rate_bpm");
            same(as_vector(amp, "r_amplitude_mv").size(), "r_amplitude_mv");
            same(as_vector(quality, "quality_score").size(), "quality_score");
            same(static_cast<Eigen::Index>(grade.size()), "quality_grade");
            same(as_vector(p_value, "p_value").size(), "p_value");
            same(static_cast<Eigen::Index>(predicted.size()), "predicted_anomaly");
            if (premature) same(static_cast<Eigen::Index>(premature->size()), "premature");
            const FloatArray* waves = checked(beats, 2, "beats", n);
            const FloatArray* codes = checked(latent, 2, "latent", n);
            int alerts = 0;
            for (Eigen::Index i = 0; i < n; ++i) {
              drift::BeatObservation b;
              b.time_s = t[i];
              b.score = score.data()[i];
              b.heart_rate_bpm = hr.data()[i];
              b.r_amplitude_mv = amp.data()[i];
              b.quality_score = quality.data()[i];
              b.quality_grade = grade_from(grade.data()[i]);
              b.p_value = p_value.data()[i];
              b.predicted_anomaly = predicted.data()[i];
              b.premature = premature ? premature->data()[i] : false;
              b.beat = row(waves, i, b.beat_length);
              b.latent = row(codes, i, b.latent_dim);
              alerts += self.update(b);
            }
            return alerts;
          },
          py::arg("time_s"), py::arg("score"), py::arg("heart_rate_bpm"),
          py::arg("r_amplitude_mv"), py::arg("quality_score"), py::arg("quality_grade"),
          py::arg("p_value"), py::arg("predicted_anomaly"), py::arg("latent") = py::none(),
          py::arg("premature") = py::none(), py::arg("beats") = py::none())
      .def("update_label", &drift::Monitor::update_label, py::arg("beat_time_s"),
           py::arg("is_anomaly"), py::arg("predicted_anomaly"))
      .def("reset", &drift::Monitor::reset)
      .def("alerts_json",
           [](const drift::Monitor& self) {
             json a = json::array();
             for (const auto& x : self.alerts()) a.push_back(x.to_json());
             return a.dump();
           })
      .def("summary_json", [](const drift::Monitor& self) { return self.summary().to_json().dump(); })
      .def("save_json", [](const drift::Monitor& self) { return self.save().dump(); })
      .def("restore_json",
           [](drift::Monitor& self, const std::string& text) {
             self.restore(parse_monitor_json(text, "state"));
           })
      .def("set_alert_callback",
           [](drift::Monitor& self, std::function<void(const std::string&)> f) {
             if (!f) {
               self.set_alert_callback(nullptr);
               return;
             }
             self.set_alert_callback(
                 [f = std::move(f)](const drift::Alert& a) { f(a.to_json().dump()); });
           })
      .def_property_readonly("reference_json",
                             [](const drift::Monitor& self) { return self.reference().to_json().dump(); })
      .def_property_readonly("config_json",
                             [](const drift::Monitor& self) { return self.config().to_json().dump(); });
}

}  // namespace ecgad::bindings
