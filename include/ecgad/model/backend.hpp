#pragma once
// Facts about the training backend (LibTorch) compiled into ecgad::ecgad. No LibTorch type
// appears here: hosts include this header without LibTorch on their include path.

#include <string>

namespace ecgad::model {

/// What the LibTorch runtime linked into ecgad reports about itself.
struct BackendInfo {
  std::string torch_version;  ///< e.g. "1.13.0"
  int intra_op_threads = 0;   ///< threads LibTorch uses inside one operator
  int inter_op_threads = 0;   ///< threads LibTorch uses across operators
  bool cuda_available = false;
  std::string parallel_info;  ///< at::get_parallel_info(): OpenMP/MKL/BLAS threading summary
};

/// Queries LibTorch (version, thread counts, CUDA, parallel backend).
BackendInfo backend_info();

/// Sets LibTorch's intra-op thread count (at::set_num_threads); n must be >= 1.
void set_num_threads(int n);

/// A tiny real computation through LibTorch (a 2x2 matrix product) that proves the link works
/// at run time; returns the sum of the product of [[1,2],[3,4]] with itself, which is 54.
double torch_self_check();

}  // namespace ecgad::model
