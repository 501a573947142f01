#pragma once
// Portable seeded draws for the tests (std::normal_distribution differs between standard
// libraries, so fixed-seed expectations would not hold across them).

#include <cmath>
#include <cstdint>
#include <random>

namespace ecgad::test {

/// mt19937_64 with 53-bit uniforms on (0, 1) and Box-Muller N(0, 1) draws (one pair per call).
struct Normal {
  std::mt19937_64 rng;
  explicit Normal(std::uint64_t seed) : rng(seed) {}
  double uniform() { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1p-53; }
  double normal() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }
  double operator()() { return normal(); }
};

}  // namespace ecgad::test
