// Python face of the filtering core. Signals cross as float64 numpy arrays: C-contiguous
// float64 input is read in place (no copy); anything else is converted once by pybind11.
// Results are returned by moving the Eigen buffer into numpy (no copy).
#include <optional>
#include <string>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/signal/filter.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using signal::Sos;
using signal::SosState;
using Vector = Eigen::VectorXd;
using VectorRef = Eigen::Ref<const Vector>;
using SosRef = Eigen::Ref<const Sos>;
using Release = py::call_guard<py::gil_scoped_release>;

py::tuple tf_tuple(const signal::TransferFunction& tf) { return py::make_tuple(tf.b, tf.a); }

}  // namespace

void bind_signal(py::module_& m) {
  m.def(
      "butter",
      [](int order, const std::vector<double>& cutoff_hz, const std::string& btype, double fs_hz) {
        return signal::butter(order, cutoff_hz, signal::parse_band_type(btype), fs_hz);
      },
      py::arg("order"), py::arg("cutoff_hz"), py::arg("btype"), py::arg("fs_hz"));
  m.def(
      "butter_ba",
      [](int order, const std::vector<double>& cutoff_hz, const std::string& btype, double fs_hz) {
        return tf_tuple(signal::zpk2tf(
            signal::butter_zpk(order, cutoff_hz, signal::parse_band_type(btype), fs_hz)));
      },
      py::arg("order"), py::arg("cutoff_hz"), py::arg("btype"), py::arg("fs_hz"));
  m.def(
      "iirnotch",
      [](double w0_hz, double q, double fs_hz) { return tf_tuple(signal::iirnotch(w0_hz, q, fs_hz)); },
      py::arg("w0_hz"), py::arg("q"), py::arg("fs_hz"));

  m.def("sosfilt", py::overload_cast<const SosRef&, const VectorRef&>(&signal::sosfilt),
        py::arg("sos"), py::arg("x"), Release());
  m.def(
      "sosfilt_with_state",
      [](const SosRef& sos, const VectorRef& x, const SosState& zi) {
        SosState state = zi;
        Vector y = signal::sosfilt(sos, x, state);
        return py::make_tuple(std::move(y), std::move(state));
      },
      py::arg("sos"), py::arg("x"), py::arg("zi"));
  m.def("sosfilt_zi", &signal::sosfilt_zi, py::arg("sos"));
  m.def(
      "sosfiltfilt",
      [](const SosRef& sos, const VectorRef& x, std::optional<Eigen::Index> padlen) {
        return signal::sosfiltfilt(sos, x, padlen);
      },
      py::arg("sos"), py::arg("x"), py::arg("padlen") = py::none(), Release());
  m.def("lfilter", &signal::lfilter, py::arg("b"), py::arg("a"), py::arg("x"), Release());
  m.def("lfilter_zi", &signal::lfilter_zi, py::arg("b"), py::arg("a"));
  m.def(
      "filtfilt",
      [](const VectorRef& b, const VectorRef& a, const VectorRef& x,
         std::optional<Eigen::Index> padlen) { return signal::filtfilt(b, a, x, padlen); },
      py::arg("b"), py::arg("a"), py::arg("x"), py::arg("padlen") = py::none(), Release());

  py::class_<signal::SosFilter>(m, "SosFilter")
      .def(py::init<const SosRef&>(), py::arg("sos"))
      .def(
          "process",
          [](signal::SosFilter& f, const VectorRef& chunk) {
            Vector out(chunk.size());
            f.process(chunk, out);
            return out;
          },
          py::arg("chunk"))
      .def("reset", &signal::SosFilter::reset)
      .def("settle", &signal::SosFilter::settle, py::arg("x0"))
      .def_property(
          "state", [](const signal::SosFilter& f) { return SosState(f.state()); },
          [](signal::SosFilter& f, const SosState& zi) { f.set_state(zi); })
      .def_property_readonly("sos", [](const signal::SosFilter& f) { return Sos(f.sos()); })
      .def_property_readonly("n_sections", &signal::SosFilter::n_sections);

  m.def(
      "resample_poly",
      [](const VectorRef& x, int up, int down) { return signal::resample_poly(x, up, down); },
      py::arg("x"), py::arg("up"), py::arg("down"), Release());
  m.def("medfilt", &signal::medfilt, py::arg("x"), py::arg("kernel_size"), Release());
  m.def("median_baseline", &signal::median_baseline, py::arg("x"), py::arg("fs_hz"),
        py::arg("first_window_s") = 0.2, py::arg("second_window_s") = 0.6, Release());
  m.def("remove_median_baseline", &signal::remove_median_baseline, py::arg("x"), py::arg("fs_hz"),
        py::arg("first_window_s") = 0.2, py::arg("second_window_s") = 0.6, Release());
}

}  // namespace ecgad::bindings
