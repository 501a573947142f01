#pragma once
// NumPy .npy files (the format of numpy.save/numpy.load; NEP 1, "A simple file format for NumPy
// arrays", versions 1.0, 2.0 and 3.0): float32 and float64 arrays, little-endian, C order, of any
// number of dimensions (1-D signals and 2-D N × L beat matrices in practice).
//
// The header is parsed as data, never evaluated: only the literal keys 'descr', 'fortran_order'
// and 'shape' are accepted, and the element count the shape implies is checked against the file
// size before the array is allocated. Big-endian, Fortran-ordered, object and other dtypes,
// truncated or oversized files raise FormatError naming what was found and what was expected.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xarray.hpp>

namespace ecgad::io {

/// Element type of an .npy file that ecgad reads and writes.
enum class NpyDtype { float32, float64 };

/// The parsed header of an .npy file.
struct NpyHeader {
  NpyDtype dtype = NpyDtype::float64;
  std::vector<std::size_t> shape;  ///< C order; empty for a 0-d array
  int version_major = 1;           ///< format version 1, 2 or 3
  std::size_t data_offset = 0;     ///< bytes before the data (magic + version + header)

  std::size_t size() const;  ///< number of elements (product of the shape)
};

/// Reads and validates the header of an .npy file (including that the file holds exactly the
/// data the header describes). Reference: numpy.lib.format.read_array_header_{1,2}_0.
NpyHeader read_npy_header(const std::filesystem::path& file);

/// Reads an .npy array as T = double (float32 data widened exactly) or T = float (float32 data
/// only; float64 raises FormatError rather than rounding silently).
template <typename T = double>
xt::xarray<T> read_npy(const std::filesystem::path& file);

/// Writes `data` (C order, `shape`) as an .npy file, version 1.0 unless the header needs 2.0,
/// readable by numpy.load. Reference: numpy.lib.format.write_array.
void write_npy(const std::filesystem::path& file, const float* data,
               const std::vector<std::size_t>& shape);
void write_npy(const std::filesystem::path& file, const double* data,
               const std::vector<std::size_t>& shape);

/// Writes an xtensor array of float or double.
template <typename T>
void write_npy(const std::filesystem::path& file, const xt::xarray<T>& array) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "write_npy writes float32 or float64 arrays");
  const xt::xarray<T> c_order = array;  // a copy only if `array` is not row-major
  write_npy(file, c_order.data(),
            std::vector<std::size_t>(c_order.shape().begin(), c_order.shape().end()));
}

/// Writes an Eigen vector (1-D array) or matrix (2-D, rows × cols) of float or double, in C
/// order whatever the storage order of `x`.
template <typename Derived>
void write_npy(const std::filesystem::path& file, const Eigen::DenseBase<Derived>& x) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "write_npy writes float32 or float64 arrays");
  const auto rows = static_cast<std::size_t>(x.rows());
  const auto cols = static_cast<std::size_t>(x.cols());
  using RowMajor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const RowMajor c_order = x;
  if constexpr (Derived::IsVectorAtCompileTime) {
    write_npy(file, c_order.data(), {rows * cols});
  } else {
    write_npy(file, c_order.data(), {rows, cols});
  }
}

extern template xt::xarray<float> read_npy<float>(const std::filesystem::path&);
extern template xt::xarray<double> read_npy<double>(const std::filesystem::path&);

}  // namespace ecgad::io
