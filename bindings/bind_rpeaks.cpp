// Python face of R-peak detection (signal/rpeaks.hpp) and EC57 scoring (metrics/ec57.hpp).
// Signals cross as float64 arrays (C-contiguous float64 is read in place), peaks as int64
// arrays. Detector parameters cross as a dict of the parameter struct's fields (seconds and
// ratios); an unknown name is a ValueError listing the valid ones. python/ecgad/_rpeaks.py
// wraps all of this with documented functions.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/metrics/ec57.hpp"
#include "ecgad/signal/rpeaks.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using VectorRef = Eigen::Ref<const Eigen::VectorXd>;
using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

py::array_t<std::int64_t> to_numpy(const std::vector<Eigen::Index>& v) {
  py::array_t<std::int64_t> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

std::vector<Eigen::Index> to_samples(const Int64Array& a, const char* name) {
  if (a.ndim() != 1) {
    throw InvalidArgument(std::string(name) + " must be a 1-D array of sample indices, got " +
                          std::to_string(a.ndim()) + " dimensions");
  }
  return {a.data(), a.data() + a.size()};
}

// Field name -> pointer to member, for the dict <-> struct conversion.
template <typename Params>
using Fields = std::map<std::string, double Params::*>;

const Fields<signal::EcgadDetectorParams>& ecgad_fields() {
  using P = signal::EcgadDetectorParams;
  static const Fields<P> fields = {
      {"lowpass_window_s", &P::lowpass_window_s},
      {"highpass_window_s", &P::highpass_window_s},
      {"envelope_window_s", &P::envelope_window_s},
      {"peak_hold_s", &P::peak_hold_s},
      {"refractory_s", &P::refractory_s},
      {"compete_s", &P::compete_s},
      {"t_wave_window_s", &P::t_wave_window_s},
      {"t_wave_slope_ratio", &P::t_wave_slope_ratio},
      {"threshold_fraction", &P::threshold_fraction},
      {"search_back_factor", &P::search_back_factor},
      {"search_back_fraction", &P::search_back_fraction},
      {"min_floor_ratio", &P::min_floor_ratio},
      {"min_band_ratio", &P::min_band_ratio},
      {"noise_block_s", &P::noise_block_s},
      {"learning_s", &P::learning_s},
      {"max_rr_s", &P::max_rr_s},
  };
  return fields;
}

const Fields<signal::PanTompkinsParams>& pan_tompkins_fields() {
  using P = signal::PanTompkinsParams;
  static const Fields<P> fields = {
      {"refractory_s", &P::refractory_s},   {"t_wave_window_s", &P::t_wave_window_s},
      {"learning_s", &P::learning_s},       {"max_rr_s", &P::max_rr_s},
      {"min_floor_ratio", &P::min_floor_ratio}, {"min_band_ratio", &P::min_band_ratio},
      {"noise_block_s", &P::noise_block_s},
  };
  return fields;
}

template <typename Params>
Params params_from(const std::map<std::string, double>& given, const Fields<Params>& fields,
                   signal::RpeakMethod method) {
  Params p;
  for (const auto& [name, value] : given) {
    const auto it = fields.find(name);
    if (it == fields.end()) {
      std::string valid;
      for (const auto& f : fields) valid += (valid.empty() ? "" : ", ") + f.first;
      throw InvalidArgument("unknown parameter '" + name + "' for method '" +
                            signal::to_string(method) + "'; valid: " + valid);
    }
    p.*(it->second) = value;
  }
  return p;
}

template <typename Params>
std::map<std::string, double> params_to(const Params& p, const Fields<Params>& fields) {
  std::map<std::string, double> out;
  for (const auto& [name, member] : fields) out[name] = p.*member;
  return out;
}

void setup(signal::RpeakDetector& d, double fs_hz, const std::string& method,
           const std::map<std::string, double>& params) {
  const signal::RpeakMethod m = signal::parse_rpeak_method(method);
  if (m == signal::RpeakMethod::pan_tompkins) {
    d.setup(fs_hz, params_from(params, pan_tompkins_fields(), m));
  } else {
    d.setup(fs_hz, params_from(params, ecgad_fields(), m));
  }
}

}  // namespace

void bind_rpeaks(py::module_& m) {
  m.def(
      "find_rpeaks",
      [](const VectorRef& x, double fs_hz, const std::string& method,
         const std::map<std::string, double>& params) {
        signal::RpeakDetector d;
        setup(d, fs_hz, method, params);
        std::vector<Eigen::Index> peaks;
        {
          py::gil_scoped_release release;
          peaks = signal::detail::run_offline(d, x);
        }
        return to_numpy(peaks);
      },
      py::arg("x"), py::arg("fs_hz"), py::arg("method") = "ecgad",
      py::arg("params") = std::map<std::string, double>{});

  m.def(
      "rpeak_default_params",
      [](const std::string& method) {
        return signal::parse_rpeak_method(method) == signal::RpeakMethod::pan_tompkins
                   ? params_to(signal::PanTompkinsParams{}, pan_tompkins_fields())
                   : params_to(signal::EcgadDetectorParams{}, ecgad_fields());
      },
      py::arg("method"));

  py::class_<signal::RpeakDetector>(m, "RpeakDetector")
      .def(py::init([](double fs_hz, const std::string& method,
                       const std::map<std::string, double>& params) {
             signal::RpeakDetector d;
             setup(d, fs_hz, method, params);
             return d;
           }),
           py::arg("fs_hz"), py::arg("method") = "ecgad",
           py::arg("params") = std::map<std::string, double>{})
      .def(
          "process",
          // The GIL stays held: a streaming object belongs to one thread at a time.
          [](signal::RpeakDetector& d, const VectorRef& chunk) {
            return to_numpy(d.process(chunk));
          },
          py::arg("chunk"))
      .def("finish", [](signal::RpeakDetector& d) { return to_numpy(d.finish()); })
      .def("reset", &signal::RpeakDetector::reset)
      .def_property_readonly("latency_samples", &signal::RpeakDetector::latency_samples)
      .def_property_readonly("samples_processed", &signal::RpeakDetector::samples_processed)
      .def_property_readonly("fs_hz", &signal::RpeakDetector::fs_hz)
      .def_property_readonly(
          "method", [](const signal::RpeakDetector& d) { return signal::to_string(d.method()); });

  py::class_<metrics::Ec57Record>(m, "Ec57Record")
      // Lambdas, not member pointers: those would name the unbound base class Ec57Counts.
      .def_property_readonly("tp", [](const metrics::Ec57Record& r) { return r.tp; })
      .def_property_readonly("fn", [](const metrics::Ec57Record& r) { return r.fn; })
      .def_property_readonly("fp", [](const metrics::Ec57Record& r) { return r.fp; })
      .def_property_readonly("sensitivity",
                             [](const metrics::Ec57Record& r) { return r.sensitivity(); })
      .def_property_readonly(
          "positive_predictivity",
          [](const metrics::Ec57Record& r) { return r.positive_predictivity(); })
      .def_property_readonly(
          "false_negatives",
          [](const metrics::Ec57Record& r) { return to_numpy(r.false_negatives); })
      .def_property_readonly(
          "false_positives",
          [](const metrics::Ec57Record& r) { return to_numpy(r.false_positives); })
      .def("__repr__", [](const metrics::Ec57Record& r) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "Ec57Record(tp=%lld, fn=%lld, fp=%lld, sensitivity=%.5f, "
                      "positive_predictivity=%.5f)",
                      static_cast<long long>(r.tp), static_cast<long long>(r.fn),
                      static_cast<long long>(r.fp), r.sensitivity(), r.positive_predictivity());
        return std::string(buf);
      });

  m.def(
      "score_detections",
      [](const Int64Array& reference, const Int64Array& detections, double fs_hz,
         const Int64Array& vf_episodes, double match_window_s, double start_s) {
        if (vf_episodes.size() > 0 && (vf_episodes.ndim() != 2 || vf_episodes.shape(1) != 2)) {
          throw InvalidArgument("vf_episodes must have shape (n_episodes, 2), got " +
                                std::to_string(vf_episodes.ndim()) + " dimensions of sizes " +
                                std::to_string(vf_episodes.shape(0)) +
                                (vf_episodes.ndim() > 1
                                     ? " x " + std::to_string(vf_episodes.shape(1))
                                     : std::string()));
        }
        metrics::SampleIntervals vf;
        for (py::ssize_t i = 0; i + 1 < vf_episodes.size(); i += 2) {
          vf.emplace_back(vf_episodes.data()[i], vf_episodes.data()[i + 1]);
        }
        metrics::Ec57Options options;
        options.match_window_s = match_window_s;
        options.start_s = start_s;
        return metrics::score_detections(to_samples(reference, "reference"),
                                         to_samples(detections, "detections"), fs_hz, vf,
                                         options);
      },
      py::arg("reference"), py::arg("detections"), py::arg("fs_hz"), py::arg("vf_episodes"),
      py::arg("match_window_s") = 0.15, py::arg("start_s") = 300.0);

  m.def(
      "gross_score",
      [](const std::vector<metrics::Ec57Record>& records) {
        metrics::Ec57Record total;
        static_cast<metrics::Ec57Counts&>(total) = metrics::gross(records);
        return total;
      },
      py::arg("records"));
}

}  // namespace ecgad::bindings
