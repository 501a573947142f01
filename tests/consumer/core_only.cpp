// A scoring host that links only ecgad::core: no LibTorch on its include path or link line.
#include <cmath>
#include <cstdio>

#include <ecgad/signal/filter.hpp>

int main() {
  const auto b_a = ecgad::signal::iirnotch(60.0, 30.0, 360.0);
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(500, 2.0);
  const Eigen::VectorXd y = ecgad::signal::filtfilt(b_a.b, b_a.a, x);
  std::printf("notch dc gain %.12f\n", y[250] / 2.0);
  return std::fabs(y[250] - 2.0) < 1e-9 ? 0 : 1;
}
