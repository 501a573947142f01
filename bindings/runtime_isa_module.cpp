// ecgad._runtime_avx2 / ecgad._runtime_avx512: the runtime binding (bind_runtime.cpp) compiled
// once more for one x86-64 SIMD level, because the header-only runtime takes its SIMD width from
// the compiler flags and _core is built portable (SSE2). python/ecgad/runtime.py imports the
// best module the CPU supports (numpy's CPU feature table) and falls back to _core.runtime.
//
// Separate modules, not extra translation units of _core: the same Eigen templates compiled
// with two instruction sets in one shared object would be merged by the linker (one definition
// rule) and could hand AVX-512 code to a CPU without it. Each module is loaded RTLD_LOCAL with
// hidden visibility, so its instantiations stay its own. It links ecgad::core only (no LibTorch).
#include <exception>

#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "ecgad/error.hpp"

#ifndef ECGAD_RUNTIME_MODULE
#error "ECGAD_RUNTIME_MODULE must name the module (_runtime_avx2 or _runtime_avx512)"
#endif

namespace py = pybind11;

PYBIND11_MODULE(ECGAD_RUNTIME_MODULE, m) {
  m.doc() = "ecgad runtime compiled for one SIMD level (use ecgad.runtime, not this module)";
  // Errors raise _core's exception classes, so callers catch ecgad.FormatError etc. whichever
  // module ran. The handles are leaked on purpose: they must outlive any call at shutdown.
  const py::module_ core = py::module_::import("ecgad._core");
  m.attr("__version__") = core.attr("__version__");
  static PyObject* const error = py::object(core.attr("Error")).release().ptr();
  static PyObject* const invalid = py::object(core.attr("InvalidArgument")).release().ptr();
  static PyObject* const format = py::object(core.attr("FormatError")).release().ptr();
  static PyObject* const io = py::object(core.attr("IoError")).release().ptr();
  static PyObject* const state = py::object(core.attr("StateError")).release().ptr();
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ecgad::InvalidArgument& e) {
      PyErr_SetString(invalid, e.what());
    } catch (const ecgad::FormatError& e) {
      PyErr_SetString(format, e.what());
    } catch (const ecgad::IoError& e) {
      PyErr_SetString(io, e.what());
    } catch (const ecgad::StateError& e) {
      PyErr_SetString(state, e.what());
    } catch (const ecgad::Error& e) {
      PyErr_SetString(error, e.what());
    }
  });
  ecgad::bindings::bind_runtime(m);
}
