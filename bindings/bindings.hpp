#pragma once
// One bind_<area>() per area, called from module.cpp's single PYBIND11_MODULE.

#include <pybind11/pybind11.h>

namespace ecgad::model {
struct EpochReport;
}

namespace ecgad::bindings {

/// An epoch report as the dict the Python training callbacks receive (bind_model.cpp).
pybind11::dict epoch_report_dict(const model::EpochReport& r);

void bind_signal(pybind11::module_& m);
void bind_model(pybind11::module_& m);
void bind_beats(pybind11::module_& m);
void bind_quality(pybind11::module_& m);
void bind_io(pybind11::module_& m);
void bind_synth(pybind11::module_& m);
void bind_rpeaks(pybind11::module_& m);
void bind_features(pybind11::module_& m);
void bind_artifact(pybind11::module_& m);
void bind_runtime(pybind11::module_& m);
void bind_calibrate(pybind11::module_& m);  // creates the "calibrate" submodule
void bind_metrics(pybind11::module_& m);
void bind_drift(pybind11::module_& m);
void bind_drift_batch(pybind11::module_& m);
void bind_monitor(pybind11::module_& m);
void bind_report(pybind11::module_& m);  // creates the "report" submodule
void bind_pipeline(pybind11::module_& m);  // creates the "pipeline" submodule
void bind_store(pybind11::module_& m);  // creates the "store" submodule

}  // namespace ecgad::bindings
