// A scoring host that links only ecgad::core: no LibTorch on its include path or link line. It
// loads the bundle consumer (LibTorch) trained and saved in argv[1] and scores the same beats
// with the Eigen runtime; the scores must equal LibTorch's within 1e-5 (issue 4 §2).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <ecgad/artifact/runtime_loader.hpp>
#include <ecgad/signal/filter.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer_core_only <directory with consumer.ecgad>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto b_a = ecgad::signal::iirnotch(60.0, 30.0, 360.0);
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(500, 2.0);
  const Eigen::VectorXd y = ecgad::signal::filtfilt(b_a.b, b_a.a, x);
  std::printf("notch dc gain %.12f\n", y[250] / 2.0);
  if (std::fabs(y[250] - 2.0) >= 1e-9) return 1;

  const ecgad::runtime::Model model = ecgad::artifact::load_runtime_model(dir + "/consumer.ecgad");
  ecgad::runtime::RowMatrixXf beats(64, 140);  // the beats consumer trained on and scored
  for (Eigen::Index i = 0; i < beats.rows(); ++i) {
    for (Eigen::Index j = 0; j < beats.cols(); ++j) {
      const double t = static_cast<double>(j - 50 - i % 7) / 12.0;
      beats(i, j) = static_cast<float>(std::exp(-t * t));
    }
  }
  const ecgad::runtime::Scores scores = model.score(beats);
  std::ifstream in(dir + "/consumer_scores.txt");
  std::vector<double> expected;
  for (double v; in >> v;) expected.push_back(v);
  if (expected.size() != static_cast<std::size_t>(scores.mae.size())) {
    std::fprintf(stderr, "expected %zu LibTorch scores, read %zu\n",
                 static_cast<std::size_t>(scores.mae.size()), expected.size());
    return 1;
  }
  double worst = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    worst = std::max(worst, std::fabs(expected[i] - scores.mae[static_cast<Eigen::Index>(i)]));
  }
  std::printf("runtime vs LibTorch: max |MAE difference| = %.3g over %zu beats\n", worst,
              expected.size());
  return worst <= 1e-5 ? 0 : 1;
}
