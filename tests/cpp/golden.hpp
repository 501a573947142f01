#pragma once
// Loads the reference values that tests/golden/*.py computed with scipy (committed JSON), so
// the C++ tests compare against scipy without needing Python.

#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"

namespace ecgad::test {

inline nlohmann::json load_golden(const std::string& name) {
  const std::string path = std::string(ECGAD_GOLDEN_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open golden file " + path);
  return nlohmann::json::parse(in);
}

/// The parsed golden file, read once per process.
inline const nlohmann::json& golden(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, nlohmann::json> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_golden(name)).first;
  return it->second;
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

/// The named input signal of filter.json.
inline Eigen::VectorXd filter_signal(const std::string& name) {
  return to_vector(golden("filter.json").at("signals").at(name));
}

/// Runs f and expects ecgad::InvalidArgument whose message mentions `needle`.
template <typename F>
void expect_invalid(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected ecgad::InvalidArgument mentioning '" << needle << "'";
  } catch (const ecgad::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' does not mention '" << needle << "'";
  }
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
