// Python face of the model bundle (ecgad._core.artifact). Bundles cross as (tensors, metadata):
// tensors a dict of float32 numpy arrays (handed over without a copy), metadata a dict whose
// JSON documents travel as JSON text, decoded and encoded by python/ecgad/artifact.py with the
// standard json module. All checking is artifact/bundle.hpp's; this file only converts.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "ecgad/artifact/bundle.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

namespace art = ecgad::artifact;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

/// A read-only, C-contiguous view of any object with the buffer protocol (bytes, bytearray,
/// memoryview, numpy array), released on destruction.
class ContiguousBuffer {
 public:
  explicit ContiguousBuffer(const py::handle& object) {
    if (PyObject_GetBuffer(object.ptr(), &view_, PyBUF_C_CONTIGUOUS) != 0) {
      PyErr_Clear();
      throw InvalidArgument(std::string("expected a C-contiguous bytes-like object, got ") +
                            py::str(py::type::of(object).attr("__name__")).cast<std::string>());
    }
  }
  ContiguousBuffer(const ContiguousBuffer&) = delete;
  ContiguousBuffer& operator=(const ContiguousBuffer&) = delete;
  ~ContiguousBuffer() { PyBuffer_Release(&view_); }

  const void* data() const { return view_.buf; }
  std::size_t size() const { return static_cast<std::size_t>(view_.len); }

 private:
  Py_buffer view_{};
};

/// A runtime tensor as a numpy array that owns the tensor's buffer (no copy).
py::array to_numpy(runtime::Tensor&& tensor) {
  auto* owner = new std::vector<float>(std::move(tensor.values));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  std::vector<py::ssize_t> shape(tensor.shape.begin(), tensor.shape.end());
  return py::array_t<float>(shape, owner->data(), free_owner);
}

/// dict[str, array] -> TensorMap (one copy into the tensor's own storage).
runtime::TensorMap to_tensor_map(const py::dict& tensors) {
  runtime::TensorMap map;
  for (const auto& [key, value] : tensors) {
    if (!py::isinstance<py::str>(key)) {
      throw InvalidArgument("tensor names must be str, got " +
                            py::repr(key).cast<std::string>());
    }
    const std::string name = key.cast<std::string>();
    const FloatArray array = FloatArray::ensure(value);
    if (!array) {
      PyErr_Clear();
      throw InvalidArgument("tensor '" + name + "' cannot be converted to a float32 array");
    }
    std::vector<std::int64_t> shape(array.shape(), array.shape() + array.ndim());
    std::vector<float> values(array.data(), array.data() + array.size());
    map.emplace(name, runtime::Tensor(std::move(shape), std::move(values)));
  }
  return map;
}

/// Parses one metadata document given as JSON text (None stands for null).
nlohmann::json document(const py::dict& metadata, const char* key) {
  if (!metadata.contains(key) || metadata[key].is_none()) return nullptr;
  const std::string text = py::str(metadata[key]).cast<std::string>();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("metadata '") + key + "' is not valid JSON text: " +
                          e.what());
  }
}

/// (tensors, metadata) from Python -> Bundle. metadata: the five documents as JSON text,
/// "extra": dict[str, str].
art::Bundle to_bundle(const py::dict& tensors, const py::dict& metadata) {
  art::Bundle bundle;
  bundle.tensors = to_tensor_map(tensors);
  bundle.architecture = document(metadata, "architecture");
  bundle.preprocessing = document(metadata, "preprocessing");
  bundle.calibration = document(metadata, "calibration");
  bundle.training = document(metadata, "training");
  bundle.drift_reference = document(metadata, "drift_reference");
  if (metadata.contains("extra") && !metadata["extra"].is_none()) {
    bundle.extra_metadata = metadata["extra"].cast<std::map<std::string, std::string>>();
  }
  return bundle;
}

/// Bundle -> (tensors, metadata) for Python; documents as JSON text.
py::tuple from_bundle(art::Bundle&& bundle) {
  py::dict tensors;
  for (auto& [name, tensor] : bundle.tensors) tensors[py::str(name)] = to_numpy(std::move(tensor));
  py::dict metadata;
  metadata["architecture"] = bundle.architecture.dump();
  metadata["preprocessing"] = bundle.preprocessing.dump();
  metadata["calibration"] = bundle.calibration.dump();
  metadata["training"] = bundle.training.dump();
  metadata["drift_reference"] = bundle.drift_reference.dump();
  metadata["format_version"] = bundle.format_version;
  metadata["library_version"] = bundle.library_version;
  metadata["extra"] = bundle.extra_metadata;
  return py::make_tuple(tensors, metadata);
}

}  // namespace

void bind_artifact(py::module_& m) {
  m.attr("FORMAT") = art::kBundleFormat;
  m.attr("FORMAT_VERSION") = art::kBundleFormatVersion;
  m.attr("MAX_HEADER_BYTES") = art::kMaxHeaderBytes;

  m.def(
      "checksum",
      [](const py::args& buffers) {
        std::vector<std::unique_ptr<ContiguousBuffer>> views;
        for (const py::handle& b : buffers) views.push_back(std::make_unique<ContiguousBuffer>(b));
        py::gil_scoped_release release;
        art::detail::Xxh128Stream stream;
        for (const auto& v : views) stream.update(v->data(), v->size());
        return stream.hex();
      },
      "XXH3-128 hex digest of the concatenation of the given bytes-like objects.");
  m.def(
      "fingerprint",
      [](const FloatArray& matrix) {
        if (matrix.ndim() != 2) {
          throw InvalidArgument("fingerprint needs a 2-D matrix (rows × cols), got " +
                                std::to_string(matrix.ndim()) + " dimensions");
        }
        // C-contiguous float32 rows × cols: the row-major bytes data_fingerprint() hashes.
        py::gil_scoped_release release;
        return art::xxh128_hex(matrix.data(), static_cast<std::size_t>(matrix.size()) *
                                                  sizeof(float));
      },
      py::arg("matrix"));
  m.def(
      "expected_tensor_shapes",
      [](const std::string& architecture_json) {
        nlohmann::json config;
        try {
          config = nlohmann::json::parse(architecture_json);
        } catch (const nlohmann::json::exception& e) {
          throw InvalidArgument(std::string("architecture is not valid JSON text: ") + e.what());
        }
        return art::expected_tensor_shapes(config);
      },
      py::arg("architecture_json"));
  m.def(
      "load_bundle",
      [](const std::filesystem::path& path) {
        art::Bundle bundle;
        {
          py::gil_scoped_release release;
          bundle = art::load_bundle(path);
        }
        return from_bundle(std::move(bundle));
      },
      py::arg("path"));
  m.def(
      "bundle_from_bytes",
      [](const py::bytes& data) {
        const std::string_view bytes = data;  // a view of the immutable bytes object
        art::Bundle bundle;
        {
          py::gil_scoped_release release;
          bundle = art::bundle_from_bytes(bytes);
        }
        return from_bundle(std::move(bundle));
      },
      py::arg("data"));
  m.def(
      "save_bundle",
      [](const std::filesystem::path& path, const py::dict& tensors, const py::dict& metadata) {
        const art::Bundle bundle = to_bundle(tensors, metadata);
        py::gil_scoped_release release;
        art::save_bundle(path, bundle);
      },
      py::arg("path"), py::arg("tensors"), py::arg("metadata"));
  m.def(
      "bundle_to_bytes",
      [](const py::dict& tensors, const py::dict& metadata) {
        const art::Bundle bundle = to_bundle(tensors, metadata);
        std::string bytes;
        {
          py::gil_scoped_release release;
          bytes = art::bundle_to_bytes(bundle);
        }
        return py::bytes(bytes);
      },
      py::arg("tensors"), py::arg("metadata"));
}

}  // namespace ecgad::bindings
