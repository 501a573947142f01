#pragma once
// Causal IIR filtering: the streaming SosFilter, one-shot sosfilt/lfilter, and the steady-state
// initial conditions sosfilt_zi/lfilter_zi. Both filters use the direct form II transposed
// structure of scipy.signal.sosfilt / scipy.signal.lfilter, so outputs agree to rounding.

#include <string>

#include <Eigen/Core>
#include <Eigen/LU>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/iir_design.hpp"

namespace ecgad::signal {

/// Filter state of a cascade of sections: row s holds the two delays of section s.
using SosState = Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor>;

/// Throws InvalidArgument unless `sos` has at least one row, finite values and a0 = 1 in every
/// row (scipy's _validate_sos requires the same).
inline void validate_sos(const Eigen::Ref<const Sos>& sos) {
  if (sos.rows() < 1) throw InvalidArgument("sos must have at least one section (n_sections x 6)");
  detail::require_finite(sos, "sos");
  for (Eigen::Index s = 0; s < sos.rows(); ++s) {
    if (sos(s, 3) != 1.0) {
      throw InvalidArgument("sos[" + std::to_string(s) + ", 3] (a0) must be 1, got " +
                            detail::format_number(sos(s, 3)));
    }
  }
}

namespace detail {

// One step of the cascade in direct form II transposed, as scipy's _sosfilt kernel.
inline double sos_step(const double* sos, double* state, Eigen::Index n_sections, double x) {
  for (Eigen::Index s = 0; s < n_sections; ++s, sos += 6, state += 2) {
    const double y = sos[0] * x + state[0];
    state[0] = sos[1] * x - sos[4] * y + state[1];
    state[1] = sos[2] * x - sos[5] * y;
    x = y;
  }
  return x;
}

// The cascade with a compile-time section count: coefficients and delays live in local
// variables (registers), not behind pointers that may alias `data`, which halves the time per
// sample (the dependency chain no longer goes through store-to-load forwarding). Same
// operations in the same order as sos_step, so results are bit-identical to it.
template <int kSections>
void sos_run_fixed(const Sos& sos, SosState& state, double* data, Eigen::Index n, bool backward) {
  constexpr auto kCount = static_cast<std::size_t>(kSections);
  double c[kCount][6];
  double z0[kCount];
  double z1[kCount];
  for (int s = 0; s < kSections; ++s) {
    for (int j = 0; j < 6; ++j) c[s][j] = sos(s, j);
    z0[s] = state(s, 0);
    z1[s] = state(s, 1);
  }
  const auto step = [&](double x) {
    for (int s = 0; s < kSections; ++s) {
      const double y = c[s][0] * x + z0[s];
      z0[s] = c[s][1] * x - c[s][4] * y + z1[s];
      z1[s] = c[s][2] * x - c[s][5] * y;
      x = y;
    }
    return x;
  };
  if (!backward) {
    for (Eigen::Index i = 0; i < n; ++i) data[i] = step(data[i]);
  } else {
    for (Eigen::Index i = n - 1; i >= 0; --i) data[i] = step(data[i]);
  }
  for (int s = 0; s < kSections; ++s) {
    state(s, 0) = z0[s];
    state(s, 1) = z1[s];
  }
}

// Filters data[0..n) in place with stride +1 (forward) or -1 (backward from data[n-1]).
inline void sos_run(const Sos& sos, SosState& state, double* data, Eigen::Index n, bool backward) {
  switch (sos.rows()) {
    case 1: return sos_run_fixed<1>(sos, state, data, n, backward);
    case 2: return sos_run_fixed<2>(sos, state, data, n, backward);
    case 3: return sos_run_fixed<3>(sos, state, data, n, backward);
    case 4: return sos_run_fixed<4>(sos, state, data, n, backward);
    case 5: return sos_run_fixed<5>(sos, state, data, n, backward);
    case 6: return sos_run_fixed<6>(sos, state, data, n, backward);
    default: break;
  }
  const double* coef = sos.data();
  double* z = state.data();
  const Eigen::Index ns = sos.rows();
  if (!backward) {
    for (Eigen::Index i = 0; i < n; ++i) data[i] = sos_step(coef, z, ns, data[i]);
  } else {
    for (Eigen::Index i = n - 1; i >= 0; --i) data[i] = sos_step(coef, z, ns, data[i]);
  }
}

}  // namespace detail

/// Streaming causal filter over second-order sections (DF-II transposed, scipy.signal.sosfilt).
///
/// Feed the signal in chunks of any size: the output is identical to one sosfilt call over the
/// whole signal. setup() allocates; process() and process_sample() never do.
/// A chunk containing NaN/Inf is rejected before any state changes.
class SosFilter {
 public:
  SosFilter() = default;
  explicit SosFilter(const Eigen::Ref<const Sos>& sos) { setup(sos); }

  /// Sets the sections (validated, a0 = 1) and clears the state.
  void setup(const Eigen::Ref<const Sos>& sos) {
    validate_sos(sos);
    sos_ = sos;
    state_ = SosState::Zero(sos.rows(), 2);
  }

  /// Clears the state (initial rest), keeping the sections.
  void reset() { state_.setZero(); }

  /// Sets the state to the steady state for a constant input `x0` (sosfilt_zi * x0), so a
  /// stream that starts at an offset shows no start-up transient.
  void settle(double x0);

  /// Replaces the state; `zi` has one row per section, like scipy's zi argument.
  void set_state(const Eigen::Ref<const SosState>& zi) {
    require_setup();
    if (zi.rows() != state_.rows()) {
      throw InvalidArgument("zi must have one row per section (" + std::to_string(state_.rows()) +
                            "), got " + std::to_string(zi.rows()));
    }
    detail::require_finite(zi, "zi");
    state_ = zi;
  }

  /// Filters one sample. Does not check for NaN (use process() for checked input).
  double process_sample(double x) noexcept {
    return detail::sos_step(sos_.data(), state_.data(), sos_.rows(), x);
  }

  /// Filters a chunk; `out` must have the same size as `in` and may alias it.
  void process(const Eigen::Ref<const Eigen::VectorXd>& in, Eigen::Ref<Eigen::VectorXd> out) {
    require_setup();
    if (in.size() != out.size()) {
      throw InvalidArgument("output size " + std::to_string(out.size()) +
                            " differs from input size " + std::to_string(in.size()));
    }
    detail::require_finite(in, "signal chunk");
    if (in.data() != out.data()) out = in;
    detail::sos_run(sos_, state_, out.data(), out.size(), /*backward=*/false);
  }

  /// Filters a chunk in place.
  void process_inplace(Eigen::Ref<Eigen::VectorXd> data) { process(data, data); }

  const Sos& sos() const noexcept { return sos_; }
  const SosState& state() const noexcept { return state_; }
  Eigen::Index n_sections() const noexcept { return sos_.rows(); }
  bool is_setup() const noexcept { return sos_.rows() > 0; }

 private:
  void require_setup() const {
    if (!is_setup()) throw StateError("SosFilter used before setup(sos)");
  }

  Sos sos_;
  SosState state_;
};

/// Steady-state initial conditions of a general (b, a) filter for a unit step
/// (scipy.signal.lfilter_zi): the solution of (I - companion(a)^T) zi = b[1:] - a[1:] b[0].
inline Eigen::VectorXd lfilter_zi(const Eigen::Ref<const Eigen::VectorXd>& b_in,
                                  const Eigen::Ref<const Eigen::VectorXd>& a_in) {
  if (b_in.size() < 1) throw InvalidArgument("b must have at least one coefficient");
  detail::require_finite(b_in, "b");
  detail::require_finite(a_in, "a");
  Eigen::Index lead = 0;
  while (lead < a_in.size() - 1 && a_in[lead] == 0.0) ++lead;
  if (a_in.size() - lead < 1 || a_in[lead] == 0.0) {
    throw InvalidArgument("a must have at least one nonzero coefficient");
  }
  Eigen::VectorXd a = a_in.tail(a_in.size() - lead);
  Eigen::VectorXd b = b_in;
  if (a[0] != 1.0) {
    b /= a[0];
    a /= a[0];
  }
  const Eigen::Index n = std::max(a.size(), b.size());
  a.conservativeResizeLike(Eigen::VectorXd::Zero(n));
  b.conservativeResizeLike(Eigen::VectorXd::Zero(n));
  if (n == 1) return Eigen::VectorXd();
  // companion(a): first row -a[1:]/a[0], ones on the subdiagonal; we need I - companion^T.
  Eigen::MatrixXd i_minus_a = Eigen::MatrixXd::Identity(n - 1, n - 1);
  for (Eigen::Index j = 0; j < n - 1; ++j) i_minus_a(j, 0) += a[j + 1];  // -(-a[j+1])
  for (Eigen::Index j = 0; j + 1 < n - 1; ++j) i_minus_a(j, j + 1) -= 1.0;
  const Eigen::VectorXd rhs = b.tail(n - 1) - a.tail(n - 1) * b[0];
  return i_minus_a.partialPivLu().solve(rhs);
}

/// Steady-state state of a section cascade for a unit step (scipy.signal.sosfilt_zi).
inline SosState sosfilt_zi(const Eigen::Ref<const Sos>& sos) {
  validate_sos(sos);
  SosState zi(sos.rows(), 2);
  double scale = 1.0;
  for (Eigen::Index s = 0; s < sos.rows(); ++s) {
    const Eigen::Vector3d b = sos.row(s).head<3>().transpose();
    const Eigen::Vector3d a = sos.row(s).tail<3>().transpose();
    zi.row(s) = scale * lfilter_zi(b, a).transpose();
    scale *= b.sum() / a.sum();
  }
  return zi;
}

inline void SosFilter::settle(double x0) {
  require_setup();
  if (!std::isfinite(x0)) {
    throw InvalidArgument("settle value must be finite, got " + detail::format_number(x0));
  }
  state_ = sosfilt_zi(sos_) * x0;
}

/// Causal filtering of a whole signal from rest (scipy.signal.sosfilt(sos, x)).
inline Eigen::VectorXd sosfilt(const Eigen::Ref<const Sos>& sos,
                               const Eigen::Ref<const Eigen::VectorXd>& x) {
  SosFilter filter(sos);
  Eigen::VectorXd y(x.size());
  filter.process(x, y);
  return y;
}

/// Causal filtering from state `zi`, which is updated to the final state
/// (scipy.signal.sosfilt(sos, x, zi=zi) returning (y, zf)).
inline Eigen::VectorXd sosfilt(const Eigen::Ref<const Sos>& sos,
                               const Eigen::Ref<const Eigen::VectorXd>& x, SosState& zi) {
  SosFilter filter(sos);
  filter.set_state(zi);
  Eigen::VectorXd y(x.size());
  filter.process(x, y);
  zi = filter.state();
  return y;
}

namespace detail {

// Direct form II transposed over (b, a) normalised so a[0] = 1 and padded to equal length n;
// z has n-1 delays (scipy's lfilter kernel). Filters data in place, forward or backward.
inline void lfilter_run(const Eigen::VectorXd& b, const Eigen::VectorXd& a, Eigen::VectorXd& z,
                        double* data, Eigen::Index count, bool backward) {
  const Eigen::Index n = b.size();
  auto step = [&](double x) {
    if (n == 1) return b[0] * x;
    const double y = z[0] + b[0] * x;
    for (Eigen::Index k = 0; k + 2 < n; ++k) z[k] = z[k + 1] + x * b[k + 1] - y * a[k + 1];
    z[n - 2] = x * b[n - 1] - y * a[n - 1];
    return y;
  };
  if (!backward) {
    for (Eigen::Index i = 0; i < count; ++i) data[i] = step(data[i]);
  } else {
    for (Eigen::Index i = count - 1; i >= 0; --i) data[i] = step(data[i]);
  }
}

// Normalises (b, a) by a[0] and pads both to the same length, as lfilter does.
inline void normalize_ba(const Eigen::Ref<const Eigen::VectorXd>& b_in,
                         const Eigen::Ref<const Eigen::VectorXd>& a_in, Eigen::VectorXd& b,
                         Eigen::VectorXd& a) {
  if (b_in.size() < 1 || a_in.size() < 1) {
    throw InvalidArgument("b and a must each have at least one coefficient");
  }
  require_finite(b_in, "b");
  require_finite(a_in, "a");
  if (a_in[0] == 0.0) throw InvalidArgument("a[0] must be nonzero");
  const Eigen::Index n = std::max(a_in.size(), b_in.size());
  b = Eigen::VectorXd::Zero(n);
  a = Eigen::VectorXd::Zero(n);
  b.head(b_in.size()) = b_in / a_in[0];
  a.head(a_in.size()) = a_in / a_in[0];
}

}  // namespace detail

/// Causal filtering by a general (b, a) transfer function from rest (scipy.signal.lfilter).
inline Eigen::VectorXd lfilter(const Eigen::Ref<const Eigen::VectorXd>& b,
                               const Eigen::Ref<const Eigen::VectorXd>& a,
                               const Eigen::Ref<const Eigen::VectorXd>& x) {
  Eigen::VectorXd bn, an;
  detail::normalize_ba(b, a, bn, an);
  detail::require_finite(x, "signal");
  Eigen::VectorXd z = Eigen::VectorXd::Zero(bn.size() - 1);
  Eigen::VectorXd y = x;
  detail::lfilter_run(bn, an, z, y.data(), y.size(), false);
  return y;
}

}  // namespace ecgad::signal
