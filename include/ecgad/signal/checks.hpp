#pragma once
// Input checks shared by the signal functions: every public entry validates what it is given
// and names the offending value, so nothing NaN-propagates silently.

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>

#include <Eigen/Core>

#include "ecgad/error.hpp"

namespace ecgad::detail {

/// Formats a double with enough digits to round-trip (for error messages).
inline std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

/// Throws InvalidArgument when `x` holds NaN or ±Inf, naming the first bad element.
template <typename Derived>
void require_finite(const Eigen::DenseBase<Derived>& x, const char* what) {
  // Fast path: a finite sum means every element is finite (NaN and ±Inf poison it). A sum that
  // overflows falls through to the exact scan, which then finds nothing.
  if (static_cast<double>(x.derived().sum()) * 0.0 == 0.0) return;
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      const double v = static_cast<double>(x.derived().coeff(r, c));
      if (std::isfinite(v)) continue;
      const std::string where = x.cols() == 1   ? std::to_string(r)
                                : x.rows() == 1 ? std::to_string(c)
                                                : "(" + std::to_string(r) + ", " +
                                                      std::to_string(c) + ")";
      throw InvalidArgument(std::string(what) + " must be finite, but element " + where +
                            " is " + format_number(v));
    }
  }
}

/// Throws InvalidArgument unless `value` is finite and > 0.
inline void require_positive(double value, const char* what) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw InvalidArgument(std::string(what) + " must be a finite number > 0, got " +
                          format_number(value));
  }
}

}  // namespace ecgad::detail

namespace ecgad::signal::detail {
// The signal layer's own detail namespace hides ecgad::detail; re-export the checks there.
using ecgad::detail::format_number;
using ecgad::detail::require_finite;
using ecgad::detail::require_positive;
}  // namespace ecgad::signal::detail

namespace ecgad::signal {
using ecgad::detail::require_positive;
}  // namespace ecgad::signal
