#pragma once
// Loads the reference values that tests/golden/*.py computed with scipy (committed JSON), so
// the C++ tests compare against scipy without needing Python.

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ecgad::test {

inline nlohmann::json load_golden(const std::string& name) {
  const std::string path = std::string(ECGAD_GOLDEN_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open golden file " + path);
  return nlohmann::json::parse(in);
}

inline Eigen::VectorXd to_vector(const nlohmann::json& j) {
  const auto values = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
}

template <typename Matrix>
Matrix to_matrix(const nlohmann::json& j) {
  Matrix m(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(j.at(0).size()));
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      m(r, c) = j.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(c)).get<double>();
    }
  }
  return m;
}

/// Largest |a - b| / max(|b|_inf, tiny): relative error against the reference's scale.
template <typename A, typename B>
double max_relative_error(const A& actual, const B& expected) {
  const double scale = std::max(expected.cwiseAbs().maxCoeff(), 1e-300);
  return (actual - expected).cwiseAbs().maxCoeff() / scale;
}

#define ECGAD_EXPECT_CLOSE(actual, expected, rel_tol)                                  \
  do {                                                                                 \
    ASSERT_EQ((actual).rows(), (expected).rows());                                     \
    ASSERT_EQ((actual).cols(), (expected).cols());                                     \
    EXPECT_LE(::ecgad::test::max_relative_error((actual), (expected)), (rel_tol));     \
  } while (0)

}  // namespace ecgad::test
