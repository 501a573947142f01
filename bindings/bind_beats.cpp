// Python face of beat segmentation (signal/beats.hpp) and the beat normalisers
// (signal/normalize.hpp). Signals cross as float64 arrays, peaks as int64, beats as float32
// N x L C-contiguous arrays: matching arrays are read in place, results are moved into numpy.
// Segmentation results cross as dicts of arrays; python/ecgad/_beats.py wraps them.
#include <string>
#include <utility>

#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/normalize.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using signal::BeatMatrix;
using signal::IndexVector;
using VectorRef = Eigen::Ref<const Eigen::VectorXd>;
using IndexRef = Eigen::Ref<const IndexVector>;
using BeatsRef = Eigen::Ref<const BeatMatrix>;

py::dict beats_dict(signal::Beats&& b) {
  py::dict d;
  d["beats"] = py::cast(std::move(b.beats));
  d["sample_index"] = py::cast(std::move(b.sample_index));
  d["peak_number"] = py::cast(std::move(b.peak_number));
  d["rr_before_s"] = py::cast(std::move(b.rr_before_s));
  d["rr_after_s"] = py::cast(std::move(b.rr_after_s));
  d["local_hr_bpm"] = py::cast(std::move(b.local_hr_bpm));
  d["dropped_at_start"] = b.dropped_at_start;
  d["dropped_at_end"] = b.dropped_at_end;
  return d;
}

signal::BeatConfig beat_config(double before_s, double after_s, Eigen::Index length,
                               Eigen::Index hr_window_beats) {
  return {before_s, after_s, length, hr_window_beats};
}

// The methods every normaliser class shares.
template <typename N, typename Class>
void normalizer_methods(Class& cls) {
  cls.def(
         "fit", [](N& n, const BeatsRef& beats) { n.fit(beats); }, py::arg("beats"))
      .def(
          "transform", [](const N& n, const BeatsRef& beats) { return n.transform(beats); },
          py::arg("beats"))
      .def("params", &N::params)
      .def_static("from_params", &N::from_params, py::arg("params"))
      .def_property_readonly("is_fitted", &N::is_fitted)
      .def_property_readonly("kind",
                             [](const N&) { return std::string(signal::to_string(N::kKind)); });
}

template <typename N, typename Class>
void inverse_method(Class& cls) {
  cls.def(
      "inverse_transform",
      [](const N& n, const BeatsRef& beats) { return n.inverse_transform(beats); },
      py::arg("beats"));
}

}  // namespace

void bind_beats(py::module_& m) {
  m.def(
      "segment_beats",
      [](const VectorRef& x, double fs_hz, const IndexRef& r_peaks, double before_s,
         double after_s, Eigen::Index length, Eigen::Index hr_window_beats) {
        signal::Beats b;
        {
          py::gil_scoped_release release;
          b = signal::segment_beats(x, fs_hz, r_peaks,
                                    beat_config(before_s, after_s, length, hr_window_beats));
        }
        return beats_dict(std::move(b));
      },
      py::arg("x"), py::arg("fs_hz"), py::arg("r_peaks"), py::arg("before_s") = 0.25,
      py::arg("after_s") = 0.45, py::arg("length") = 140, py::arg("hr_window_beats") = 8);

  py::class_<signal::BeatSegmenter>(m, "BeatSegmenter")
      .def(py::init([](double fs_hz, double before_s, double after_s, Eigen::Index length,
                       Eigen::Index hr_window_beats, double max_peak_delay_s) {
             return signal::BeatSegmenter(
                 fs_hz, beat_config(before_s, after_s, length, hr_window_beats),
                 max_peak_delay_s);
           }),
           py::arg("fs_hz"), py::arg("before_s") = 0.25, py::arg("after_s") = 0.45,
           py::arg("length") = 140, py::arg("hr_window_beats") = 8,
           py::arg("max_peak_delay_s") = 1.0)
      .def(
          "process",
          [](signal::BeatSegmenter& s, const VectorRef& chunk, const IndexRef& new_peaks) {
            return beats_dict(s.process(chunk, new_peaks));
          },
          py::arg("chunk"), py::arg("new_peaks"))
      .def("flush", [](signal::BeatSegmenter& s) { return beats_dict(s.flush()); })
      .def("reset", &signal::BeatSegmenter::reset)
      .def_property_readonly("fs_hz", &signal::BeatSegmenter::fs_hz)
      .def_property_readonly("samples_seen", &signal::BeatSegmenter::samples_seen)
      .def_property_readonly("peaks_seen", &signal::BeatSegmenter::peaks_seen)
      .def_property_readonly("max_peak_delay_samples",
                             &signal::BeatSegmenter::max_peak_delay_samples)
      .def_property_readonly("buffer_capacity_samples",
                             &signal::BeatSegmenter::buffer_capacity_samples)
      .def_property_readonly("dropped_at_start", &signal::BeatSegmenter::dropped_at_start)
      .def_property_readonly("dropped_at_end", &signal::BeatSegmenter::dropped_at_end);

  py::class_<signal::BeatZScore> beat_zscore(m, "BeatZScore");
  beat_zscore.def(py::init<double>(), py::arg("constant_tolerance") = 1e-6);
  normalizer_methods<signal::BeatZScore>(beat_zscore);

  py::class_<signal::BeatMinMax> beat_minmax(m, "BeatMinMax");
  beat_minmax.def(py::init<double, double, double>(), py::arg("range_min") = 0.0,
                  py::arg("range_max") = 1.0, py::arg("constant_tolerance") = 1e-6);
  normalizer_methods<signal::BeatMinMax>(beat_minmax);

  py::class_<signal::GlobalZScore> global_zscore(m, "GlobalZScore");
  global_zscore.def(py::init<double>(), py::arg("constant_tolerance") = 1e-6);
  normalizer_methods<signal::GlobalZScore>(global_zscore);
  inverse_method<signal::GlobalZScore>(global_zscore);

  py::class_<signal::GlobalMinMax> global_minmax(m, "GlobalMinMax");
  global_minmax.def(py::init<double, double, double>(), py::arg("range_min") = 0.0,
                    py::arg("range_max") = 1.0, py::arg("constant_tolerance") = 1e-6);
  normalizer_methods<signal::GlobalMinMax>(global_minmax);
  inverse_method<signal::GlobalMinMax>(global_minmax);
}

}  // namespace ecgad::bindings
