// Python face of calibrate/ (thresholds, multiple testing, conformal p-values, GPD/POT tails,
// SPOT/DSPOT). Scores cross as float64 vectors (a C-contiguous float64 array is read in place);
// a Threshold crosses as a (method, value, parameters) tuple; JSON documents cross as text so
// C++ and Python read and write the same bytes. python/ecgad/calibrate.py wraps this with
// documented, shape-checking functions and classes.
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/calibrate/conformal.hpp"
#include "ecgad/calibrate/gpd.hpp"
#include "ecgad/calibrate/labelled.hpp"
#include "ecgad/calibrate/multiple_testing.hpp"
#include "ecgad/calibrate/pot.hpp"
#include "ecgad/calibrate/spot.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/calibrate/weibull_tail.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using VectorRef = Eigen::Ref<const Eigen::VectorXd>;
using ThresholdTuple = std::tuple<std::string, double, std::map<std::string, double>>;

ThresholdTuple as_tuple(calibrate::Threshold t) {
  return {std::move(t.method), t.value, std::move(t.parameters)};
}

std::tuple<calibrate::BoolVector, Eigen::VectorXd> as_tuple(calibrate::MultipleTestingResult r) {
  return {std::move(r.rejected), std::move(r.adjusted)};
}

calibrate::TailOptions tail_options(const std::string& transform, const std::string& tail) {
  return {calibrate::parse_transform(transform), calibrate::parse_tail_model(tail)};
}

nlohmann::json parse(const std::string& text, const char* what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(std::string(what) + ": not JSON: " + e.what());
  }
}

}  // namespace

void bind_calibrate(py::module_& parent) {
  auto m = parent.def_submodule(
      "calibrate", "Thresholds, conformal p-values, extreme-value tails (POT, SPOT/DSPOT)");
  // Multiple testing.
  m.def(
      "multiple_testing",
      [](const VectorRef& pvalues, double alpha, const std::string& method) {
        return as_tuple(
            calibrate::multiple_testing(pvalues, alpha, calibrate::parse_correction(method)));
      },
      py::arg("pvalues"), py::arg("alpha"), py::arg("method"));

  // Unlabelled and labelled thresholds.
  m.def(
      "mean_std_threshold",
      [](const VectorRef& s, double k, int ddof) {
        return as_tuple(calibrate::mean_std_threshold(s, k, ddof));
      },
      py::arg("scores"), py::arg("k"), py::arg("ddof"));
  m.def(
      "quantile_threshold",
      [](const VectorRef& s, double level) {
        return as_tuple(calibrate::quantile_threshold(s, level));
      },
      py::arg("scores"), py::arg("level"));
  m.def(
      "mad_threshold",
      [](const VectorRef& s, double k) { return as_tuple(calibrate::mad_threshold(s, k)); },
      py::arg("scores"), py::arg("k"));
  m.def(
      "target_fpr_threshold",
      [](const VectorRef& s, double alpha) {
        return as_tuple(calibrate::target_fpr_threshold(s, alpha));
      },
      py::arg("scores"), py::arg("alpha"));
  m.def(
      "f_beta_threshold",
      [](const VectorRef& y, const VectorRef& s, double beta) {
        return as_tuple(calibrate::f_beta_threshold(y, s, beta));
      },
      py::arg("y_true"), py::arg("scores"), py::arg("beta"));
  m.def(
      "youden_threshold",
      [](const VectorRef& y, const VectorRef& s) {
        return as_tuple(calibrate::youden_threshold(y, s));
      },
      py::arg("y_true"), py::arg("scores"));
  m.def(
      "threshold_from_json",
      [](const std::string& text) {
        return as_tuple(calibrate::Threshold::from_json(parse(text, "threshold JSON")));
      },
      py::arg("text"));
  m.def(
      "threshold_to_json",
      [](const std::string& method, double value, const std::map<std::string, double>& params) {
        return calibrate::Threshold{method, value, params}.to_json().dump();
      },
      py::arg("method"), py::arg("value"), py::arg("parameters"));

  // GPD.
  m.def(
      "fit_gpd",
      [](const VectorRef& excesses) {
        const auto f = calibrate::fit_gpd(excesses);
        return std::make_tuple(f.shape, f.scale, f.loglik, f.method, f.n_excesses);
      },
      py::arg("excesses"));
  m.def("gpd_loglik", &calibrate::gpd_loglik, py::arg("excesses"), py::arg("shape"),
        py::arg("scale"));

  // Weibull-type tail.
  m.def(
      "fit_weibull_tail",
      [](const VectorRef& excesses, double threshold_offset) {
        const auto f = calibrate::fit_weibull_tail(excesses, threshold_offset);
        return std::make_tuple(f.exponent, f.scale, f.threshold_offset, f.loglik, f.n_excesses);
      },
      py::arg("excesses"), py::arg("threshold_offset"));
  m.def("weibull_tail_loglik", &calibrate::weibull_tail_loglik, py::arg("excesses"),
        py::arg("exponent"), py::arg("scale"), py::arg("threshold_offset"));

  // POT.
  py::class_<calibrate::Pot>(m, "Pot")
      .def_static(
          "fit",
          [](const VectorRef& scores, double level, const std::string& transform,
             const std::string& tail) {
            return calibrate::fit_pot(scores, level, tail_options(transform, tail));
          },
          py::arg("scores"), py::arg("level"), py::arg("transform") = "identity",
          py::arg("tail") = "gpd")
      .def_static(
          "from_json",
          [](const std::string& text) { return calibrate::Pot::from_json(parse(text, "POT")); },
          py::arg("text"))
      .def("to_json", [](const calibrate::Pot& p) { return p.to_json().dump(); })
      .def_readonly("level", &calibrate::Pot::level)
      .def_readonly("initial_threshold", &calibrate::Pot::initial_threshold)
      .def_readonly("n", &calibrate::Pot::n)
      .def_readonly("n_peaks", &calibrate::Pot::n_peaks)
      .def_property_readonly("shape", [](const calibrate::Pot& p) { return p.gpd.shape; })
      .def_property_readonly("scale", [](const calibrate::Pot& p) { return p.gpd.scale; })
      .def_property_readonly("loglik", [](const calibrate::Pot& p) { return p.gpd.loglik; })
      .def_property_readonly("method", [](const calibrate::Pot& p) { return p.gpd.method; })
      .def_property_readonly(
          "transform",
          [](const calibrate::Pot& p) { return calibrate::transform_name(p.options.transform); })
      .def_property_readonly(
          "tail",
          [](const calibrate::Pot& p) { return calibrate::tail_model_name(p.options.model); })
      .def_readonly("center", &calibrate::Pot::center)
      // (exponent, scale, threshold_offset, loglik, n_excesses) of the Weibull tail
      .def_property_readonly("weibull",
                             [](const calibrate::Pot& p) {
                               const auto& w = p.weibull;
                               return std::make_tuple(w.exponent, w.scale, w.threshold_offset,
                                                      w.loglik, w.n_excesses);
                             })
      .def("quantile", &calibrate::Pot::quantile, py::arg("q"))
      .def(
          "threshold", [](const calibrate::Pot& p, double q) { return as_tuple(p.threshold(q)); },
          py::arg("q"))
      .def("pvalues", &calibrate::Pot::pvalues, py::arg("scores"));

  // Conformal.
  py::class_<calibrate::ConformalCalibrator>(m, "ConformalCalibrator")
      .def(py::init<const VectorRef&>(), py::arg("calibration_scores"))
      .def_static(
          "from_json",
          [](const std::string& text) {
            return calibrate::ConformalCalibrator::from_json(parse(text, "conformal JSON"));
          },
          py::arg("text"))
      .def("to_json",
           [](const calibrate::ConformalCalibrator& c) { return c.to_json().dump(); })
      .def_property_readonly("size", &calibrate::ConformalCalibrator::size)
      .def_property_readonly("calibration_scores",
                             &calibrate::ConformalCalibrator::calibration_scores)
      .def(
          "pvalues",
          [](const calibrate::ConformalCalibrator& c, const VectorRef& s) {
            py::gil_scoped_release release;
            return c.pvalues(s);
          },
          py::arg("scores"))
      .def(
          "threshold",
          [](const calibrate::ConformalCalibrator& c, double alpha) {
            return as_tuple(c.threshold(alpha));
          },
          py::arg("alpha"))
      .def(
          "select",
          [](const calibrate::ConformalCalibrator& c, const VectorRef& s, double q) {
            return as_tuple(c.select(s, q));
          },
          py::arg("scores"), py::arg("fdr"))
      .def(
          "decide",
          [](const calibrate::ConformalCalibrator& c, const VectorRef& s, double alpha_anomaly,
             double alpha_normal) {
            return c.decide(s, calibrate::UncertainBand{alpha_anomaly, alpha_normal});
          },
          py::arg("scores"), py::arg("alpha_anomaly"), py::arg("alpha_normal"));

  // SPOT / DSPOT.
  py::class_<calibrate::Spot>(m, "Spot")
      .def(py::init([](double risk_q, double level, Eigen::Index n_init, Eigen::Index depth,
                       const std::string& transform, const std::string& tail,
                       Eigen::Index max_peaks) {
             calibrate::SpotConfig c;
             c.risk_q = risk_q;
             c.level = level;
             c.n_init = n_init;
             c.depth = depth;
             c.tail = tail_options(transform, tail);
             c.max_peaks = max_peaks;
             return calibrate::Spot(c);
           }),
           py::arg("risk_q"), py::arg("level"), py::arg("n_init"), py::arg("depth"),
           py::arg("transform") = "identity", py::arg("tail") = "gpd", py::arg("max_peaks") = 0)
      .def_static(
          "from_state",
          [](const std::string& text) {
            return calibrate::Spot::from_state(parse(text, "SPOT state JSON"));
          },
          py::arg("text"))
      .def("state", [](const calibrate::Spot& s) { return s.state().dump(); })
      .def("reset", &calibrate::Spot::reset)
      .def(
          "update", [](calibrate::Spot& s, double x) { return static_cast<int>(s.update(x)); },
          py::arg("x"))
      .def("process", &calibrate::Spot::process, py::arg("chunk"))
      .def_property_readonly("calibrated", &calibrate::Spot::calibrated)
      .def_property_readonly("threshold", &calibrate::Spot::threshold)
      .def_property_readonly("alarm_level", &calibrate::Spot::alarm_level)
      .def_property_readonly("initial_threshold", &calibrate::Spot::initial_threshold)
      .def_property_readonly("local_mean", &calibrate::Spot::local_mean)
      .def_property_readonly("n", &calibrate::Spot::n)
      .def_property_readonly("n_peaks", &calibrate::Spot::n_peaks)
      .def_property_readonly("n_peaks_total", &calibrate::Spot::n_peaks_total)
      .def_property_readonly("samples_seen", &calibrate::Spot::samples_seen)
      .def_property_readonly("shape", [](const calibrate::Spot& s) { return s.gpd().shape; })
      .def_property_readonly("scale", [](const calibrate::Spot& s) { return s.gpd().scale; })
      .def_property_readonly("center", &calibrate::Spot::center)
      .def_property_readonly("weibull",
                             [](const calibrate::Spot& s) {
                               const auto& w = s.weibull();
                               return std::make_tuple(w.exponent, w.scale, w.threshold_offset,
                                                      w.loglik, w.n_excesses);
                             })
      // (risk_q, level, n_init, depth, transform, tail, max_peaks)
      .def_property_readonly("config", [](const calibrate::Spot& s) {
        const auto& c = s.config();
        return std::make_tuple(c.risk_q, c.level, c.n_init, c.depth,
                               std::string(calibrate::transform_name(c.tail.transform)),
                               std::string(calibrate::tail_model_name(c.tail.model)),
                               c.max_peaks);
      });
}

}  // namespace ecgad::bindings
