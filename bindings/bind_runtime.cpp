// Python face of the LibTorch-free Eigen runtime (runtime/model.hpp, artifact/runtime_loader.hpp).
// Batches cross as float32 N x input_size C-contiguous arrays (read in place; python/ecgad/
// runtime.py converts anything else once) and results are moved into numpy without a copy.
// The GIL is released during batch calls, so Python threads score in parallel on one model.
// The single-beat call keeps the GIL: it takes well under a microsecond, less than releasing and
// re-acquiring the GIL would cost, and the GIL then serialises the use of the model's one
// Workspace.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/artifact/runtime_loader.hpp"
#include "ecgad/error.hpp"
#include "ecgad/runtime/model.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using runtime::BatchRef;
using runtime::RowMatrixXf;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

struct PyRuntimeModel {
  explicit PyRuntimeModel(runtime::Model m) : model(std::move(m)), ws(model.make_workspace()) {}
  runtime::Model model;
  runtime::Workspace ws;  // for score_one, used under the GIL only
};

runtime::TensorMap tensor_map(const py::dict& tensors) {
  runtime::TensorMap out;
  for (const auto& item : tensors) {
    const auto name = item.first.cast<std::string>();
    const FloatArray arr = FloatArray::ensure(item.second);
    if (!arr) throw InvalidArgument("tensor '" + name + "' is not convertible to float32");
    std::vector<std::int64_t> shape(arr.shape(), arr.shape() + arr.ndim());
    std::vector<float> values(arr.data(), arr.data() + arr.size());
    out.emplace(name, runtime::Tensor(std::move(shape), std::move(values)));
  }
  return out;
}

py::dict scores_dict(runtime::Scores&& s) {
  py::dict d;
  d["mae"] = py::cast(std::move(s.mae));
  d["mse"] = py::cast(std::move(s.mse));
  d["max"] = py::cast(std::move(s.max_abs));
  return d;
}

template <typename F>
RowMatrixXf without_gil(F&& f) {
  py::gil_scoped_release release;
  return f();
}

}  // namespace

void bind_runtime(py::module_& m) {
  m.def(
      "expected_tensors",
      [](const std::string& config_json) {
        py::dict d;
        for (const auto& spec :
             runtime::expected_tensors(runtime::ArchitectureConfig::parse(config_json))) {
          d[py::str(spec.name)] = py::tuple(py::cast(spec.shape));
        }
        return d;
      },
      py::arg("config_json"),
      "Tensor names and shapes (PyTorch state_dict layout) of a dense/conv1d config.");

  py::class_<PyRuntimeModel>(m, "Model")
      .def_static(
          "from_tensors",
          [](const std::string& config_json, const py::dict& tensors) {
            return std::make_unique<PyRuntimeModel>(runtime::Model(
                runtime::ArchitectureConfig::parse(config_json), tensor_map(tensors)));
          },
          py::arg("config_json"), py::arg("tensors"))
      .def_static(
          "from_bundle",
          [](const std::string& path) {
            return std::make_unique<PyRuntimeModel>(artifact::load_runtime_model(path));
          },
          py::arg("path"))
      .def_property_readonly(
          "config_json", [](const PyRuntimeModel& p) { return p.model.config().to_json().dump(); })
      .def_property_readonly("input_size",
                             [](const PyRuntimeModel& p) { return p.model.input_size(); })
      .def_property_readonly("latent_size",
                             [](const PyRuntimeModel& p) { return p.model.latent_size(); })
      .def_property_readonly("block_rows",
                             [](const PyRuntimeModel& p) { return p.model.block_rows(); })
      .def(
          "reconstruct",
          [](const PyRuntimeModel& p, const BatchRef& x) {
            return without_gil([&] { return p.model.reconstruct(x); });
          },
          py::arg("beats"))
      .def(
          "error_profile",
          [](const PyRuntimeModel& p, const BatchRef& x) {
            return without_gil([&] { return p.model.error_profile(x); });
          },
          py::arg("beats"))
      .def(
          "encode",
          [](const PyRuntimeModel& p, const BatchRef& x) {
            return without_gil([&] { return p.model.encode(x); });
          },
          py::arg("beats"))
      .def(
          "score",
          [](const PyRuntimeModel& p, const BatchRef& x) {
            runtime::Scores s;
            {
              py::gil_scoped_release release;
              s = p.model.score(x);
            }
            return scores_dict(std::move(s));
          },
          py::arg("beats"))
      .def(
          "score_one",
          [](PyRuntimeModel& p, const FloatArray& beat) {
            if (beat.ndim() != 1 || beat.shape(0) != p.model.input_size()) {
              throw InvalidArgument("beat must be a 1-D array of input_size = " +
                                    std::to_string(p.model.input_size()) + " values, got " +
                                    std::to_string(beat.size()) + " values in " +
                                    std::to_string(beat.ndim()) + " dimension(s)");
            }
            const runtime::BeatScore s = p.model.score_one(beat.data(), p.ws);
            return py::make_tuple(s.mae, s.mse, s.max_abs);
          },
          py::arg("beat"));
}

}  // namespace ecgad::bindings
