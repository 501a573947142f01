#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "ecgad/model/backend.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

void bind_model(py::module_& m) {
  m.def(
      "backend_info",
      [] {
        const auto info = model::backend_info();
        py::dict d;
        d["torch_version"] = info.torch_version;
        d["intra_op_threads"] = info.intra_op_threads;
        d["inter_op_threads"] = info.inter_op_threads;
        d["cuda_available"] = info.cuda_available;
        d["parallel_info"] = info.parallel_info;
        return d;
      },
      "LibTorch version, thread counts and parallel backend compiled into ecgad.");
  m.def("set_num_threads", &model::set_num_threads, py::arg("n"),
        "Set LibTorch's intra-op thread count (n >= 1).");
  m.def("torch_self_check", &model::torch_self_check,
        "Compute sum([[1,2],[3,4]] @ [[1,2],[3,4]]) = 54 through LibTorch.");
}

}  // namespace ecgad::bindings
