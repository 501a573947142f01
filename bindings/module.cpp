// ecgad._core: the compiled half of the Python package. The package python/ecgad re-exports it
// with documented, input-checking wrappers; this module holds no algorithm of its own.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "ecgad/error.hpp"
#include "ecgad/version.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "ecgad compiled core (use the ecgad package, not this module directly)";
  m.attr("__version__") = ecgad::version_string;

  // Exception classes: registered base first, as pybind11 tries the newest translator first.
  static py::exception<ecgad::Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<ecgad::InvalidArgument> invalid(m, "InvalidArgument", PyExc_ValueError);
  static py::exception<ecgad::FormatError> format(m, "FormatError", PyExc_ValueError);
  static py::exception<ecgad::IoError> io(m, "IoError", PyExc_OSError);
  static py::exception<ecgad::StateError> state(m, "StateError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ecgad::InvalidArgument& e) {
      invalid(e.what());
    } catch (const ecgad::FormatError& e) {
      format(e.what());
    } catch (const ecgad::IoError& e) {
      io(e.what());
    } catch (const ecgad::StateError& e) {
      state(e.what());
    } catch (const ecgad::Error& e) {
      error(e.what());
    }
  });

  auto signal = m.def_submodule("signal", "Filters, resampling and baseline removal");
  ecgad::bindings::bind_signal(signal);
  ecgad::bindings::bind_beats(signal);
  ecgad::bindings::bind_quality(signal);
  ecgad::bindings::bind_rpeaks(signal);
  ecgad::bindings::bind_features(signal);
  auto model = m.def_submodule("model", "Autoencoder backend (LibTorch)");
  ecgad::bindings::bind_model(model);
  auto io_module =
      m.def_submodule("io", "WFDB records and annotations, UCR/UEA, CSV and NPY files");
  ecgad::bindings::bind_io(io_module);
  auto synth = m.def_submodule(
      "synth", "Synthetic ECG (ECGSYN) with labelled anomalies and drift scenarios");
  ecgad::bindings::bind_synth(synth);
  auto artifact = m.def_submodule(
      "artifact", "The model bundle: safetensors layout, checksums, data fingerprints");
  ecgad::bindings::bind_artifact(artifact);
  auto runtime_module = m.def_submodule(
      "runtime", "LibTorch-free Eigen inference of exported dense and conv1d models");
  ecgad::bindings::bind_runtime(runtime_module);
  ecgad::bindings::bind_calibrate(m);  // creates the "calibrate" submodule
  auto metrics = m.def_submodule(
      "metrics",
      "Metrics equal to scikit-learn's: ROC/PR curves, AUC, AP, confusion-matrix metrics, "
      "bootstrap intervals, slices");
  ecgad::bindings::bind_metrics(metrics);
  ecgad::bindings::bind_drift(m);  // creates (or reuses) the "drift" submodule
  ecgad::bindings::bind_drift_batch(m);  // batch two-sample tests, same submodule
  ecgad::bindings::bind_monitor(m);  // drift monitor, same submodule
  ecgad::bindings::bind_report(m);  // creates the "report" submodule
  ecgad::bindings::bind_pipeline(m);  // creates the "pipeline" submodule
  ecgad::bindings::bind_store(m);  // creates the "store" submodule
}
