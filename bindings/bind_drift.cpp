// Python face of the streaming drift detectors (include/ecgad/drift/*.hpp), in _core.drift.
// Parameters and states cross as JSON text: the constructor takes the parameters to change
// from their defaults (an unknown name is a ValueError listing the valid ones), state_json()
// / restore_json() move the detector's whole state. python/ecgad/drift.py wraps all of this
// with documented classes that speak dicts.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "ecgad/drift/adwin.hpp"
#include "ecgad/drift/cusum.hpp"
#include "ecgad/drift/ddm.hpp"
#include "ecgad/drift/detector.hpp"
#include "ecgad/drift/eddm.hpp"
#include "ecgad/drift/hddm_a.hpp"
#include "ecgad/drift/kswin.hpp"
#include "ecgad/drift/page_hinkley.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using nlohmann::json;

json parse_json(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  }
}

// The defaults of D's parameters with the given ones replaced; unknown names are refused.
template <typename D>
typename D::Config config_from(const std::string& overrides_json) {
  json config = typename D::Config{}.to_json();
  const json overrides = parse_json(overrides_json, "parameters");
  if (!overrides.is_object()) {
    throw InvalidArgument(std::string(D::name()) + ": parameters must be a JSON object");
  }
  for (const auto& [key, value] : overrides.items()) {
    if (!config.contains(key)) {
      std::string valid;
      for (const auto& [name, unused] : config.items()) {
        valid += (valid.empty() ? "" : ", ") + name;
      }
      throw InvalidArgument("unknown parameter '" + key + "' for " + D::name() +
                            "; valid: " + valid);
    }
    config[key] = value;
  }
  try {
    return D::Config::from_json(config);
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string(D::name()) + ": a parameter has the wrong type: " +
                          e.what());
  }
}

py::array_t<std::int8_t> levels_array(py::ssize_t n) { return py::array_t<std::int8_t>(n); }

void require_1d(const DoubleArray& x, const char* what) {
  if (x.ndim() != 1) {
    throw InvalidArgument(std::string(what) + " must be a 1-D array, got " +
                          std::to_string(x.ndim()) + " dimensions");
  }
}

template <typename D>
py::class_<D> bind_detector(py::module_& m, const char* class_name, const char* doc) {
  py::class_<D> c(m, class_name, doc);
  c.def(py::init([](const std::string& params) { return D(config_from<D>(params)); }),
        py::arg("params_json") = "{}")
      .def("update", [](D& d, double x) { return d.update(x); }, py::arg("x"))
      .def(
          "update_many",
          [](D& d, const DoubleArray& x) {
            require_1d(x, "x");
            auto out = levels_array(x.size());
            auto* levels = out.mutable_data();
            const double* v = x.data();
            for (py::ssize_t i = 0; i < x.size(); ++i) {
              levels[i] = static_cast<std::int8_t>(d.update(v[i]));
            }
            return out;
          },
          py::arg("x"))
      .def("reset", &D::reset)
      .def("state_json", [](const D& d) { return d.state().dump(); })
      .def(
          "restore_json",
          [](D& d, const std::string& text) {
            const json j = parse_json(text, "state");
            try {
              d.restore(j);
            } catch (const json::exception& e) {
              throw InvalidArgument(std::string(D::name()) + " state has a field of the wrong "
                                    "type: " + e.what());
            }
          },
          py::arg("state_json"))
      .def_property_readonly("config_json", [](const D& d) { return d.config().to_json().dump(); })
      .def_property_readonly("n_updates", [](const D& d) { return d.counters().n_updates; })
      .def_property_readonly("n_warnings", [](const D& d) { return d.counters().n_warnings; })
      .def_property_readonly("n_drifts", [](const D& d) { return d.counters().n_drifts; })
      .def_property_readonly("last_drift", [](const D& d) { return d.counters().last_drift; })
      .def_property_readonly_static("name", [](const py::object&) { return D::name(); });
  return c;
}

// Error-rate detectors also take the prediction time of each label.
template <typename D>
void bind_error_rate_extras(py::class_<D>& c) {
  c.def("update", [](D& d, double x, double t_s) { return d.update(x, t_s); }, py::arg("x"),
        py::arg("prediction_time_s"))
      .def(
          "update_many",
          [](D& d, const DoubleArray& x, const DoubleArray& t_s) {
            require_1d(x, "x");
            require_1d(t_s, "prediction_time_s");
            if (t_s.size() != x.size()) {
              throw InvalidArgument("prediction_time_s must have one time per label: " +
                                    std::to_string(x.size()) + " labels, " +
                                    std::to_string(t_s.size()) + " times");
            }
            auto out = levels_array(x.size());
            auto* levels = out.mutable_data();
            for (py::ssize_t i = 0; i < x.size(); ++i) {
              levels[i] = static_cast<std::int8_t>(d.update(x.data()[i], t_s.data()[i]));
            }
            return out;
          },
          py::arg("x"), py::arg("prediction_time_s"))
      .def_property_readonly("warning_since", &D::warning_since)
      .def_property_readonly("warning_since_s", &D::warning_since_s)
      .def_property_readonly("last_drift_s", &D::last_drift_s)
      .def_property_readonly("n_since_restart", &D::n_since_restart);
}

}  // namespace

void bind_drift(py::module_& m) {
  // Shared with the batch tests' binding (def_submodule returns the existing module).
  auto d = m.def_submodule("drift", "Drift detection: streaming detectors and batch tests");

  py::enum_<drift::DriftLevel>(d, "DriftLevel", "What one update of a detector concluded")
      .value("none", drift::DriftLevel::none)
      .value("warning", drift::DriftLevel::warning)
      .value("drift", drift::DriftLevel::drift);

  bind_detector<drift::Adwin>(d, "Adwin", "ADWIN (Bifet & Gavalda 2007)")
      .def_property_readonly("width", &drift::Adwin::width)
      .def_property_readonly("mean", &drift::Adwin::mean)
      .def_property_readonly("variance", &drift::Adwin::variance)
      .def_property_readonly("total", &drift::Adwin::total)
      .def_property_readonly("n_buckets", &drift::Adwin::n_buckets);

  bind_detector<drift::PageHinkley>(d, "PageHinkley", "Page-Hinkley test")
      .def_property_readonly("mean", &drift::PageHinkley::mean)
      .def_property_readonly("n_since_restart", &drift::PageHinkley::n_since_restart)
      .def_property_readonly("increase_statistic", &drift::PageHinkley::increase_statistic)
      .def_property_readonly("decrease_statistic", &drift::PageHinkley::decrease_statistic);

  bind_detector<drift::Cusum>(d, "Cusum", "Two-sided tabular CUSUM")
      .def_property_readonly("mean", &drift::Cusum::mean)
      .def_property_readonly("std", &drift::Cusum::std)
      .def_property_readonly("upper_sum", &drift::Cusum::upper_sum)
      .def_property_readonly("lower_sum", &drift::Cusum::lower_sum)
      .def_property_readonly("in_warmup", &drift::Cusum::in_warmup);

  bind_detector<drift::Kswin>(d, "Kswin", "KSWIN (Raab et al. 2020)")
      .def_property_readonly("p_value", &drift::Kswin::p_value)
      .def_property_readonly("statistic", &drift::Kswin::statistic)
      .def_property_readonly("window_count", &drift::Kswin::window_count);

  auto ddm = bind_detector<drift::Ddm>(d, "Ddm", "DDM (Gama et al. 2004)");
  bind_error_rate_extras(ddm);
  ddm.def_property_readonly("error_rate", &drift::Ddm::error_rate)
      .def_property_readonly("p_min", &drift::Ddm::p_min)
      .def_property_readonly("s_min", &drift::Ddm::s_min);

  auto eddm = bind_detector<drift::Eddm>(d, "Eddm", "EDDM (Baena-Garcia et al. 2006)");
  bind_error_rate_extras(eddm);
  eddm.def_property_readonly("mean_distance", &drift::Eddm::mean_distance)
      .def_property_readonly("errors_since_restart", &drift::Eddm::errors_since_restart);

  auto hddm = bind_detector<drift::HddmA>(d, "HddmA", "HDDM_A (Frias-Blanco et al. 2015)");
  bind_error_rate_extras(hddm);
  hddm.def_property_readonly("error_rate", &drift::HddmA::error_rate);
}

}  // namespace ecgad::bindings
