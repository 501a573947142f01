// Uses both installed targets: the header-only filters and the compiled LibTorch backend.
#include <cmath>
#include <cstdio>

#include <ecgad/ecgad.hpp>
#include <ecgad/model/backend.hpp>

int main() {
  const auto sos = ecgad::signal::butter(2, 10.0, ecgad::signal::BandType::lowpass, 100.0);
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(200);
  const Eigen::VectorXd y = ecgad::signal::sosfiltfilt(sos, x);
  const double check = ecgad::model::torch_self_check();
  std::printf("ecgad %s, torch %s, dc gain %.12f, self-check %.1f\n", ecgad::version_string,
              ecgad::model::backend_info().torch_version.c_str(), y[100], check);
  const bool ok = std::fabs(y[100] - 1.0) < 1e-9 && check == 54.0;
  return ok ? 0 : 1;
}
