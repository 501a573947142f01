// Uses both installed targets: the header-only filters and the compiled LibTorch backend. It
// also trains a small dense autoencoder and writes its bundle and LibTorch scores to <dir>, for
// consumer_core_only to score without LibTorch (argv[1] = that directory).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <ecgad/ecgad.hpp>
#include <ecgad/model/autoencoder.hpp>
#include <ecgad/pipeline/training.hpp>
#include <ecgad/model/backend.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer <output directory>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto sos = ecgad::signal::butter(2, 10.0, ecgad::signal::BandType::lowpass, 100.0);
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(200);
  const Eigen::VectorXd y = ecgad::signal::sosfiltfilt(sos, x);
  const double check = ecgad::model::torch_self_check();
  std::printf("ecgad %s, torch %s, dc gain %.12f, self-check %.1f\n", ecgad::version_string,
              ecgad::model::backend_info().torch_version.c_str(), y[100], check);
  if (std::fabs(y[100] - 1.0) >= 1e-9 || check != 54.0) return 1;

  // 64 smooth "beats" (phase-shifted bumps) in [0, 1], 2 epochs: enough for non-trivial weights.
  ecgad::signal::BeatMatrix beats(64, 140);
  for (Eigen::Index i = 0; i < beats.rows(); ++i) {
    for (Eigen::Index j = 0; j < beats.cols(); ++j) {
      const double t = static_cast<double>(j - 50 - i % 7) / 12.0;
      beats(i, j) = static_cast<float>(std::exp(-t * t));
    }
  }
  ecgad::model::Autoencoder ae(ecgad::model::ArchitectureConfig::dense(), /*seed=*/3);
  ecgad::model::TrainConfig train;
  train.epochs = 2;
  train.batch_size = 16;
  ae.fit(beats, train);
  ae.save(dir + "/consumer.ecgad");
  const ecgad::model::BeatErrors errors = ae.score(beats);
  std::ofstream out(dir + "/consumer_scores.txt");
  out.precision(9);
  for (Eigen::Index i = 0; i < errors.mae.size(); ++i) out << errors.mae[i] << '\n';
  std::printf("trained %lld parameters, wrote %s/consumer.ecgad\n",
              static_cast<long long>(ae.parameter_count()), dir.c_str());
  // The training pipeline, as a host runs it: a small synthetic cohort -> a calibrated bundle
  // for consumer_serve_only (which streams it without LibTorch).
  auto config = ecgad::pipeline::TrainingConfig::defaults();
  config.source.synthetic.subjects = 5;
  config.source.synthetic.duration_s = 120.0;
  config.training.epochs = 3;
  config.gate.min_roc_auc = 0.0;
  config.gate.max_false_positive_rate = 1.0;
  config.model_dir = dir + "/models";
  const auto result = ecgad::pipeline::run_training(config);
  std::filesystem::copy_file(result.bundle_path, dir + "/pipeline.ecgad",
                             std::filesystem::copy_options::overwrite_existing);
  std::printf("pipeline: ROC-AUC %.3f, bundle %s\n",
              result.evaluation.metrics["roc_auc"].get<double>(), result.bundle_path.c_str());
  return out ? 0 : 1;
}
