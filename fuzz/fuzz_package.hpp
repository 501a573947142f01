#pragma once
// A scoring package built without LibTorch, for the stream and bundle harnesses and the seed
// generator: a dense autoencoder with seeded random weights whose input width is the default
// Preprocessing's, and a conformal calibration over a few hundred seeded scores. The numbers
// mean nothing clinically; what matters is that the package is valid, so the harnesses drive
// the real inference path (beats -> runtime model -> p-value -> decision -> monitor).

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/preprocessing.hpp"

namespace ecgad::fuzz {

/// A complete, loadable bundle (architecture, tensors, preprocessing, calibration), the same
/// bytes for the same seed on the same machine.
inline artifact::Bundle make_dense_bundle(std::uint32_t seed = 7) {
  const pipeline::Preprocessing preprocessing;  // the defaults a trained model carries
  artifact::Bundle bundle;
  bundle.architecture = {{"name", "dense"},
                         {"channels", preprocessing.features.n_channels()},
                         {"length", preprocessing.beats.length},
                         {"n_extra", preprocessing.features.n_extra()},
                         {"hidden", {32, 8}},
                         {"activation", "relu"},
                         {"output_activation", "linear"}};
  std::mt19937 rng(seed);
  std::normal_distribution<float> weight(0.0F, 0.1F);
  for (const auto& [name, shape] : artifact::expected_tensor_shapes(bundle.architecture)) {
    runtime::Tensor t;
    t.shape = shape;
    std::int64_t n = 1;
    for (const std::int64_t d : shape) n *= d;
    t.values.resize(static_cast<std::size_t>(n));
    for (float& v : t.values) v = weight(rng);
    bundle.tensors.emplace(name, std::move(t));
  }
  bundle.preprocessing = preprocessing.to_json();
  // A few hundred calibration scores of the order of a real model's MAE on normal beats.
  Eigen::VectorXd scores(300);
  std::gamma_distribution<double> score(4.0, 0.05);
  for (Eigen::Index i = 0; i < scores.size(); ++i) scores[i] = score(rng);
  pipeline::Calibration calibration;
  calibration.conformal.fit(scores);
  bundle.calibration = calibration.to_json();
  bundle.training = {{"note", "fuzz harness package: seeded random weights, not trained"},
                     {"seed", seed}};
  return bundle;
}

/// make_dense_bundle() as a ModelPackage (through from_bundle, the path a host takes).
inline std::shared_ptr<const pipeline::ModelPackage> make_dense_package(std::uint32_t seed = 7) {
  return pipeline::ModelPackage::from_bundle(make_dense_bundle(seed), "fuzz package");
}

}  // namespace ecgad::fuzz
