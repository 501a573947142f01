#pragma once
// The runtime's tensor: a shape and contiguous row-major float32 values, nothing more. It is the
// exchange type between the model bundle (artifact/), the LibTorch models (model/) and the
// Eigen runtime, so it carries no Eigen or LibTorch type; layouts follow PyTorch's state_dict
// (Linear weight [out, in], Conv1d weight [out, in, k], ConvTranspose1d weight [in, out, k]).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ecgad/error.hpp"

namespace ecgad::runtime {

/// A dense float32 tensor: `shape` (each extent >= 0) and `values` in row-major order
/// (last index fastest), `values.size()` == product of the extents (1 for a scalar, shape {}).
struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;

  Tensor() = default;

  /// Takes ownership of `values`; throws InvalidArgument when an extent is negative or the
  /// value count differs from the product of the extents.
  Tensor(std::vector<std::int64_t> shape_in, std::vector<float> values_in)
      : shape(std::move(shape_in)), values(std::move(values_in)) {
    const std::size_t expected = element_count(shape);
    if (values.size() != expected) {
      throw InvalidArgument("tensor of shape " + shape_string(shape) + " needs " +
                            std::to_string(expected) + " values, got " +
                            std::to_string(values.size()));
    }
  }

  /// A zero-filled tensor of the given shape.
  static Tensor zeros(std::vector<std::int64_t> shape_in) {
    const std::size_t n = element_count(shape_in);
    return Tensor(std::move(shape_in), std::vector<float>(n, 0.0f));
  }

  /// Number of values a tensor of `shape` holds; throws InvalidArgument on a negative extent.
  static std::size_t element_count(const std::vector<std::int64_t>& shape) {
    std::size_t n = 1;
    for (const std::int64_t extent : shape) {
      if (extent < 0) {
        throw InvalidArgument("tensor extents must be >= 0, got shape " + shape_string(shape));
      }
      n *= static_cast<std::size_t>(extent);
    }
    return n;
  }

  /// "[32, 140]": the form error messages use.
  static std::string shape_string(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
      if (i > 0) s += ", ";
      s += std::to_string(shape[i]);
    }
    return s + "]";
  }

  std::size_t size() const { return values.size(); }
  std::size_t rank() const { return shape.size(); }
  std::string shape_string() const { return shape_string(shape); }
  const float* data() const { return values.data(); }
  float* data() { return values.data(); }
};

/// Named tensors, ordered by name (PyTorch state_dict names such as "encoder.0.weight").
using TensorMap = std::map<std::string, Tensor>;

}  // namespace ecgad::runtime
