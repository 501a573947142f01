// The one LibTorch translation unit of the foundation: version, threads and a self-check.
#include "ecgad/model/backend.hpp"

#include <torch/torch.h>

#include "ecgad/error.hpp"

namespace ecgad::model {

BackendInfo backend_info() {
  BackendInfo info;
  info.torch_version = TORCH_VERSION;
  info.intra_op_threads = at::get_num_threads();
  info.inter_op_threads = at::get_num_interop_threads();
  info.cuda_available = torch::cuda::is_available();
  info.parallel_info = at::get_parallel_info();
  return info;
}

void set_num_threads(int n) {
  if (n < 1) throw InvalidArgument("thread count must be >= 1, got " + std::to_string(n));
  at::set_num_threads(n);
}

double torch_self_check() {
  const torch::Tensor m = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kFloat64).reshape({2, 2});
  return torch::matmul(m, m).sum().item<double>();
}

}  // namespace ecgad::model
