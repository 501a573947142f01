#pragma once
// Rational-rate polyphase resampling, equal to scipy.signal.resample_poly with its defaults
// (window=('kaiser', 5.0), padtype='constant', cval=0), and the pieces it is built from:
// scipy.special.i0, scipy.signal.windows.kaiser, scipy.signal.firwin (Kaiser low-pass) and
// scipy.signal.upfirdn. Values beyond the ends of the signal are taken as zero, as in scipy, so
// the first and last ~10 * max(up, down) / up input samples lean towards zero.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

namespace detail {

// Largest Kaiser beta accepted: I0(beta) overflows a double a little above 713.
inline constexpr double kMaxKaiserBeta = 700.0;

inline void require_rate_factor(int factor, const char* what) {
  if (factor < 1) {
    throw InvalidArgument(std::string(what) + " must be an integer >= 1, got " +
                          std::to_string(factor));
  }
}

inline void require_kaiser_beta(double beta) {
  if (!(beta >= 0.0 && beta <= kMaxKaiserBeta)) {
    throw InvalidArgument("kaiser_beta must be in [0, " +
                          ecgad::detail::format_number(kMaxKaiserBeta) + "], got " +
                          ecgad::detail::format_number(beta));
  }
}

inline void require_signal(const Eigen::Ref<const Eigen::VectorXd>& x, const char* what) {
  if (x.size() == 0) {
    throw InvalidArgument(std::string(what) + " is empty; it must hold at least one sample");
  }
  ecgad::detail::require_finite(x, what);
}

// The FIR filter h split into `up` phases, each stored reversed and contiguous (the layout of
// scipy's _upfirdn._pad_h), so that one sample of "upsample by `up` with zeros, then filter
// by h" is a single dot product of a phase with a contiguous run of x: the upsampled signal
// is never materialised and the zero-stuffed products are never computed.
class Polyphase {
 public:
  Polyphase(const Eigen::Ref<const Eigen::VectorXd>& h, int up)
      : up_(up), taps_per_phase_((h.size() + up - 1) / up) {
    phases_.setZero(up_ * taps_per_phase_);
    for (Eigen::Index k = 0; k < h.size(); ++k) {
      const Eigen::Index phase = k % up_;
      const Eigen::Index tap = k / up_;
      phases_[phase * taps_per_phase_ + (taps_per_phase_ - 1 - tap)] = h[k];
    }
  }

  // Sample t >= 0 of sum_k h[k] * xup[t - k], where xup[j] = x[j / up] when up divides j and
  // 0 <= j / up < n, and 0 otherwise (upfirdn's mode='constant', cval=0).
  double sample(const double* x, Eigen::Index n, Eigen::Index t) const {
    const Eigen::Index phase = t % up_;
    // Input index met by the first (reversed) coefficient of the phase.
    const Eigen::Index start = t / up_ - taps_per_phase_ + 1;
    const Eigen::Index first = std::max<Eigen::Index>(0, -start);
    const Eigen::Index last = std::min(taps_per_phase_ - 1, n - 1 - start);
    if (first > last) return 0.0;
    const Eigen::Index count = last - first + 1;
    const Eigen::Map<const Eigen::VectorXd> coefficients(
        phases_.data() + phase * taps_per_phase_ + first, count);
    const Eigen::Map<const Eigen::VectorXd> samples(x + start + first, count);
    return coefficients.dot(samples);
  }

 private:
  Eigen::Index up_;
  Eigen::Index taps_per_phase_;
  Eigen::VectorXd phases_;  // phase p occupies [p * taps_per_phase_, (p + 1) * taps_per_phase_)
};

}  // namespace detail

/// Modified Bessel function of the first kind, order 0 (scipy.special.i0), for real x.
/// The power series sum_k ((x/2)^k / k!)^2 (all terms positive, so no cancellation) for
/// |x| <= 30, and the Hankel asymptotic series e^x / sqrt(2 pi x) * sum_k ((2k-1)!!)^2 /
/// (k! (8x)^k) beyond, whose terms fall below 1e-19 long before they start to grow. Both are
/// summed in long double: in double the ~x/2 roundings of the term recurrence add up to
/// 1.7e-15 near x = 25, while with x86's 64-bit mantissa the result is within 2e-16 of the
/// exact value everywhere (where long double is double, expect the 1.7e-15). Returns +inf when
/// I0 overflows (|x| > ~713.98); NaN is rejected.
inline double bessel_i0(double x) {
  if (std::isnan(x)) throw InvalidArgument("bessel_i0: x must not be NaN");
  const long double ax = std::abs(static_cast<long double>(x));
  if (ax <= 30.0L) {
    const long double quarter_x2 = 0.25L * ax * ax;
    long double term = 1.0L;
    long double sum = 1.0L;
    for (int k = 1; k < 500; ++k) {
      const auto k_ld = static_cast<long double>(k);
      term *= quarter_x2 / (k_ld * k_ld);
      sum += term;
      if (term <= sum * 1e-20L) break;
    }
    return static_cast<double>(sum);
  }
  if (std::isinf(ax)) return std::abs(x);
  long double term = 1.0L;
  long double sum = 1.0L;
  for (int k = 1; k < 200; ++k) {
    const auto k_ld = static_cast<long double>(k);
    const long double odd = 2.0L * k_ld - 1.0L;
    const long double next = term * odd * odd / (8.0L * k_ld * ax);
    if (next >= term) break;  // the asymptotic series has reached its smallest term
    term = next;
    sum += term;
    if (term <= sum * 1e-20L) break;
  }
  // e^x split in two halves so that, where long double is double, the result only overflows
  // when I0 itself does.
  const long double half_exp = std::exp(0.5L * ax);
  const long double two_pi = 6.283185307179586476925286766559005768L;
  return static_cast<double>(half_exp * (half_exp * sum / std::sqrt(two_pi * ax)));
}

/// Symmetric Kaiser window of m points (scipy.signal.windows.kaiser(m, beta, sym=True)):
/// w[n] = I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta), a = (m - 1) / 2. m = 0 gives an empty
/// window and m = 1 the single value 1, as in scipy. beta in [0, 700].
inline Eigen::VectorXd kaiser_window(Eigen::Index m, double beta) {
  if (m < 0) throw InvalidArgument("window length m must be >= 0, got " + std::to_string(m));
  detail::require_kaiser_beta(beta);
  if (m <= 1) return Eigen::VectorXd::Ones(m);
  Eigen::VectorXd w(m);
  const double alpha = 0.5 * static_cast<double>(m - 1);
  const double i0_beta = bessel_i0(beta);
  for (Eigen::Index n = 0; n < m; ++n) {
    const double r = (static_cast<double>(n) - alpha) / alpha;
    // max() guards the end points against 1 - r*r rounding to a tiny negative number.
    w[n] = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0_beta;
  }
  return w;
}

/// Windowed-sinc low-pass FIR filter, equal to scipy.signal.firwin(numtaps, cutoff,
/// window=('kaiser', kaiser_beta)) with pass_zero=True and scale=True: h[k] = c sinc(c (k - a))
/// * kaiser[k], a = (numtaps - 1) / 2, then scaled to unit gain at DC. `cutoff` is relative to
/// the Nyquist frequency, in (0, 1); kaiser_beta in [0, 700]. Even numtaps are allowed (type II).
inline Eigen::VectorXd firwin_lowpass(Eigen::Index numtaps, double cutoff, double kaiser_beta) {
  if (numtaps < 1) {
    throw InvalidArgument("numtaps must be >= 1, got " + std::to_string(numtaps));
  }
  if (!(cutoff > 0.0 && cutoff < 1.0)) {
    throw InvalidArgument("cutoff must be in (0, 1), as a fraction of the Nyquist frequency, got " +
                          ecgad::detail::format_number(cutoff));
  }
  detail::require_kaiser_beta(kaiser_beta);
  const Eigen::VectorXd window = kaiser_window(numtaps, kaiser_beta);
  const double alpha = 0.5 * static_cast<double>(numtaps - 1);
  Eigen::VectorXd h(numtaps);
  for (Eigen::Index k = 0; k < numtaps; ++k) {
    // np.sinc(v) = sin(pi v) / (pi v), and 1 at v = 0.
    const double v = cutoff * (static_cast<double>(k) - alpha);
    const double pi_v = M_PI * v;
    const double sinc = v == 0.0 ? 1.0 : std::sin(pi_v) / pi_v;
    h[k] = cutoff * sinc * window[k];
  }
  // scale=True with a pass band starting at 0: normalise the gain at frequency 0 to 1.
  h /= h.sum();
  return h;
}

/// Upsample by `up` (zero insertion), FIR filter with h, downsample by `down`, equal to
/// scipy.signal.upfirdn(h, x, up, down) with mode='constant', cval=0. The output has
/// ((x.size() - 1) * up + h.size() - 1) / down + 1 samples; y[i] = sum_k h[k] xup[i down - k].
/// Polyphase (Vaidyanathan 1993, fig. 4.3-8d): about h.size() / up multiply-adds per output.
inline Eigen::VectorXd upfirdn(const Eigen::Ref<const Eigen::VectorXd>& h,
                               const Eigen::Ref<const Eigen::VectorXd>& x, int up, int down) {
  detail::require_rate_factor(up, "up");
  detail::require_rate_factor(down, "down");
  detail::require_signal(h, "h");
  detail::require_signal(x, "x");
  const Eigen::Index up_i = up;
  const Eigen::Index down_i = down;
  const Eigen::Index n_out = ((x.size() - 1) * up_i + h.size() - 1) / down_i + 1;
  const detail::Polyphase filter(h, up);
  Eigen::VectorXd y(n_out);
  // Ref<const VectorXd> guarantees unit inner stride, so x.data() is a contiguous run.
  for (Eigen::Index i = 0; i < n_out; ++i) y[i] = filter.sample(x.data(), x.size(), i * down_i);
  return y;
}

/// Resamples x by up / down with a zero-phase polyphase Kaiser-windowed low-pass filter, equal
/// to scipy.signal.resample_poly(x, up, down) with its defaults (window=('kaiser', 5.0),
/// padtype='constant', i.e. zeros beyond both ends). up and down are reduced by their gcd;
/// up == down returns a copy. The filter is firwin(2 * half_len + 1, 1 / max_rate) * up with
/// half_len = 10 * max_rate, max_rate = max(up, down). The output has ceil(n * up / down)
/// samples, the first at the time of x[0], spaced down / up input sample periods apart; only
/// those samples are computed.
inline Eigen::VectorXd resample_poly(const Eigen::Ref<const Eigen::VectorXd>& x, int up, int down,
                                     double kaiser_beta = 5.0) {
  detail::require_rate_factor(up, "up");
  detail::require_rate_factor(down, "down");
  detail::require_signal(x, "x");
  detail::require_kaiser_beta(kaiser_beta);
  const int common = std::gcd(up, down);
  const Eigen::Index up_r = up / common;
  const Eigen::Index down_r = down / common;
  if (up_r == 1 && down_r == 1) return x;
  // The filter has 20 max(up, down) + 1 taps: 2^16 keeps it at ~1.3 M taps (~10 MB, well under
  // a second); 1e9 would ask for 160 GB and 1e7 takes minutes. Resample in two stages instead.
  constexpr Eigen::Index kMaxRate = Eigen::Index{1} << 16;
  if (std::max(up_r, down_r) > kMaxRate) {
    throw InvalidArgument("resample_poly: up/down reduce to " + std::to_string(up_r) + "/" +
                          std::to_string(down_r) + "; each must be <= " +
                          std::to_string(kMaxRate) + " (resample in two stages)");
  }

  const Eigen::Index n_in = x.size();
  const Eigen::Index n_out = (n_in * up_r + down_r - 1) / down_r;

  const Eigen::Index max_rate = std::max(up_r, down_r);
  const Eigen::Index half_len = 10 * max_rate;  // scipy: "reasonable cutoff for sinc-like"
  Eigen::VectorXd h =
      firwin_lowpass(2 * half_len + 1, 1.0 / static_cast<double>(max_rate), kaiser_beta);
  h *= static_cast<double>(up_r);  // zero insertion divides the DC gain by up

  // scipy pads h with n_pre_pad zeros in front (and n_post_pad behind, which only lengthens
  // the full upfirdn output), runs upfirdn and keeps outputs [n_pre_remove, n_pre_remove +
  // n_out). Output o is therefore full-upfirdn sample o + n_pre_remove of the padded filter,
  // i.e. upsampled time (o + n_pre_remove) * down - n_pre_pad for the unpadded h; this equals
  // o * down + half_len, which centres the zero-phase filter on input time o * down / up.
  const Eigen::Index n_pre_pad = down_r - half_len % down_r;
  const Eigen::Index n_pre_remove = (half_len + n_pre_pad) / down_r;
  const Eigen::Index offset = n_pre_remove * down_r - n_pre_pad;

  const detail::Polyphase filter(h, static_cast<int>(up_r));
  Eigen::VectorXd y(n_out);
  for (Eigen::Index o = 0; o < n_out; ++o) {
    y[o] = filter.sample(x.data(), n_in, o * down_r + offset);
  }
  return y;
}

/// The reduced (up, down) pair that resamples from fs_in_hz to fs_out_hz with resample_poly,
/// e.g. 360 Hz -> 250 Hz gives (25, 36). Both rates must be whole numbers of hertz in
/// [1, 2^31 - 1]; throws InvalidArgument otherwise.
inline std::pair<int, int> rational_ratio(double fs_in_hz, double fs_out_hz) {
  const auto whole_hz = [](double fs_hz, const char* what) {
    ecgad::detail::require_positive(fs_hz, what);
    if (std::floor(fs_hz) != fs_hz ||
        fs_hz > static_cast<double>(std::numeric_limits<int>::max())) {
      throw InvalidArgument(std::string(what) +
                            " must be a whole number of hertz in [1, 2147483647] to form an "
                            "integer up/down ratio, got " +
                            ecgad::detail::format_number(fs_hz));
    }
    return static_cast<int>(fs_hz);
  };
  const int in_hz = whole_hz(fs_in_hz, "fs_in_hz");
  const int out_hz = whole_hz(fs_out_hz, "fs_out_hz");
  const int common = std::gcd(in_hz, out_hz);
  return {out_hz / common, in_hz / common};
}

}  // namespace ecgad::signal
