#pragma once
// Zero-phase forward-backward filtering, equal to scipy.signal.sosfiltfilt and
// scipy.signal.filtfilt with their defaults (padtype='odd', method='pad'): the signal is
// extended by an odd reflection, filtered forward from the steady state of its first sample,
// then backward from the steady state of the last forward output, and the extension removed.

#include <optional>
#include <string>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/iir_design.hpp"
#include "ecgad/signal/sos_filter.hpp"

namespace ecgad::signal {

/// Odd extension by n samples at each end (scipy.signal._arraytools.odd_ext):
/// [2 x[0] - x[n..1], x, 2 x[-1] - x[-2..-n-1]]. Requires n <= x.size() - 1.
inline Eigen::VectorXd odd_ext(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Index n) {
  if (n < 1) return x;
  if (n > x.size() - 1) {
    throw InvalidArgument("the extension length n (" + std::to_string(n) +
                          ") is too big; it must not exceed x.size()-1, which is " +
                          std::to_string(x.size() - 1));
  }
  const Eigen::Index len = x.size();
  Eigen::VectorXd ext(len + 2 * n);
  for (Eigen::Index i = 0; i < n; ++i) ext[i] = 2.0 * x[0] - x[n - i];
  ext.segment(n, len) = x;
  for (Eigen::Index i = 0; i < n; ++i) ext[n + len + i] = 2.0 * x[len - 1] - x[len - 2 - i];
  return ext;
}

/// Default padding of sosfiltfilt: 3 * (2 n_sections + 1 - min(#{b2 == 0}, #{a2 == 0})),
/// the correction for poles and zeros at the origin that scipy applies.
inline Eigen::Index sosfiltfilt_default_padlen(const Eigen::Ref<const Sos>& sos) {
  Eigen::Index zero_b2 = 0, zero_a2 = 0;
  for (Eigen::Index s = 0; s < sos.rows(); ++s) {
    zero_b2 += sos(s, 2) == 0.0;
    zero_a2 += sos(s, 5) == 0.0;
  }
  return 3 * (2 * sos.rows() + 1 - std::min(zero_b2, zero_a2));
}

namespace detail {

inline void check_padlen(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Index padlen) {
  if (x.size() == 0) throw InvalidArgument("signal is empty; zero-phase filtering needs samples");
  if (padlen < 0) throw InvalidArgument("padlen must be >= 0, got " + std::to_string(padlen));
  if (x.size() <= padlen) {
    throw InvalidArgument("the signal must be longer than padlen, which is " +
                          std::to_string(padlen) + " samples; got " + std::to_string(x.size()) +
                          " samples");
  }
  require_finite(x, "signal");
}

}  // namespace detail

/// Zero-phase filtering with second-order sections (scipy.signal.sosfiltfilt, padtype='odd').
/// `padlen` defaults to sosfiltfilt_default_padlen(sos); the signal must be longer than it.
inline Eigen::VectorXd sosfiltfilt(const Eigen::Ref<const Sos>& sos_in,
                                   const Eigen::Ref<const Eigen::VectorXd>& x,
                                   std::optional<Eigen::Index> padlen = std::nullopt) {
  validate_sos(sos_in);
  const Sos sos = sos_in;
  const Eigen::Index edge = padlen.value_or(sosfiltfilt_default_padlen(sos));
  detail::check_padlen(x, edge);
  Eigen::VectorXd ext = odd_ext(x, edge);  // one buffer, filtered in place both ways
  const SosState zi = sosfilt_zi(sos);
  SosState state = zi * ext[0];
  detail::sos_run(sos, state, ext.data(), ext.size(), /*backward=*/false);
  state = zi * ext[ext.size() - 1];
  detail::sos_run(sos, state, ext.data(), ext.size(), /*backward=*/true);
  return ext.segment(edge, x.size());
}

/// Zero-phase filtering with a (b, a) transfer function (scipy.signal.filtfilt, padtype='odd',
/// method='pad'). `padlen` defaults to 3 * max(len(a), len(b)).
inline Eigen::VectorXd filtfilt(const Eigen::Ref<const Eigen::VectorXd>& b,
                                const Eigen::Ref<const Eigen::VectorXd>& a,
                                const Eigen::Ref<const Eigen::VectorXd>& x,
                                std::optional<Eigen::Index> padlen = std::nullopt) {
  Eigen::VectorXd bn, an;
  detail::normalize_ba(b, a, bn, an);
  const Eigen::Index edge = padlen.value_or(3 * std::max(a.size(), b.size()));
  detail::check_padlen(x, edge);
  Eigen::VectorXd ext = odd_ext(x, edge);
  const Eigen::VectorXd zi = lfilter_zi(b, a);
  Eigen::VectorXd state = zi * ext[0];
  detail::lfilter_run(bn, an, state, ext.data(), ext.size(), /*backward=*/false);
  state = zi * ext[ext.size() - 1];
  detail::lfilter_run(bn, an, state, ext.data(), ext.size(), /*backward=*/true);
  return ext.segment(edge, x.size());
}

}  // namespace ecgad::signal
