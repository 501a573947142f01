#pragma once
// IIR filter design: Butterworth (any order, four band types) and the second-order notch, with
// results equal to scipy.signal.butter(..., output='sos') and scipy.signal.iirnotch.
//
// The design follows scipy's route step by step — analog prototype (buttap), frequency
// transform (lp2lp/lp2hp/lp2bp/lp2bs_zpk), bilinear transform with prewarping (bilinear_zpk),
// and zpk2sos with "nearest" pairing — so the sections come out in scipy's order, not merely
// with the same overall response. Complex arithmetic mimics numpy's loops (reals promoted to
// complex, Smith division) so that signed zeros, and hence sqrt branch cuts, agree too.
// One case cannot be matched section by section: a band symmetric about fs/4 has pole pairs
// exactly equidistant from the unit circle, and which one scipy's zpk2sos takes first depends on
// the last bit of numpy's (SIMD, FMA) arithmetic. There the sections are scipy's in another order
// and the response is the same (tested).

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

/// Second-order sections, one row per section: [b0 b1 b2 a0 a1 a2] with a0 = 1 (scipy's layout).
using Sos = Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor>;
using Complex = std::complex<double>;

/// The frequency band a filter passes (or, for bandstop, rejects).
enum class BandType { lowpass, highpass, bandpass, bandstop };

/// Parses a band type, accepting scipy's spellings too ("low", "lp", "high", "band", "stop", ...).
inline BandType parse_band_type(std::string_view name) {
  // scipy.signal._filter_design.band_dict
  static constexpr std::pair<std::string_view, BandType> table[] = {
      {"lowpass", BandType::lowpass},   {"low", BandType::lowpass},
      {"lp", BandType::lowpass},        {"l", BandType::lowpass},
      {"highpass", BandType::highpass}, {"high", BandType::highpass},
      {"hp", BandType::highpass},       {"h", BandType::highpass},
      {"bandpass", BandType::bandpass}, {"band", BandType::bandpass},
      {"pass", BandType::bandpass},     {"bp", BandType::bandpass},
      {"bandstop", BandType::bandstop}, {"stop", BandType::bandstop},
      {"bs", BandType::bandstop},       {"bands", BandType::bandstop},
  };
  for (const auto& [key, value] : table) {
    if (key == name) return value;
  }
  throw InvalidArgument("unknown band type '" + std::string(name) +
                        "'; expected one of lowpass, highpass, bandpass, bandstop");
}

inline const char* to_string(BandType type) {
  switch (type) {
    case BandType::lowpass: return "lowpass";
    case BandType::highpass: return "highpass";
    case BandType::bandpass: return "bandpass";
    case BandType::bandstop: return "bandstop";
  }
  return "unknown";
}

/// Zeros, poles and gain of a transfer function.
struct Zpk {
  std::vector<Complex> zeros;
  std::vector<Complex> poles;
  double gain = 1.0;
};

/// Numerator b and denominator a of a transfer function, highest power of z^-1 last.
struct TransferFunction {
  Eigen::VectorXd b;
  Eigen::VectorXd a;
};

namespace detail {

// numpy promotes every real operand of a complex ufunc to (x, +0) and uses the textbook
// formulas below; std::complex keeps mixed real/complex operations real, which flips the sign
// of some zero imaginary parts. These helpers reproduce numpy's loops.
inline Complex np_add(Complex a, Complex b) { return {a.real() + b.real(), a.imag() + b.imag()}; }
inline Complex np_sub(Complex a, Complex b) { return {a.real() - b.real(), a.imag() - b.imag()}; }
inline Complex np_neg(Complex a) { return {-a.real(), -a.imag()}; }
inline Complex np_conj(Complex a) { return {a.real(), -a.imag()}; }
inline Complex np_mul(Complex a, Complex b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
// Smith's algorithm, as numpy's complex divide loop.
inline Complex np_div(Complex a, Complex b) {
  const double br_abs = std::fabs(b.real());
  const double bi_abs = std::fabs(b.imag());
  if (br_abs >= bi_abs) {
    if (br_abs == 0.0 && bi_abs == 0.0) return {a.real() / br_abs, a.imag() / br_abs};
    const double rat = b.imag() / b.real();
    const double scl = 1.0 / (b.real() + b.imag() * rat);
    return {(a.real() + a.imag() * rat) * scl, (a.imag() - a.real() * rat) * scl};
  }
  const double rat = b.real() / b.imag();
  const double scl = 1.0 / (b.imag() + b.real() * rat);
  return {(a.real() * rat + a.imag()) * scl, (a.imag() * rat - a.real()) * scl};
}
inline Complex real_c(double x) { return {x, 0.0}; }

inline Complex np_prod(const std::vector<Complex>& values) {
  if (values.empty()) return {1.0, 0.0};
  Complex product = values.front();
  for (std::size_t i = 1; i < values.size(); ++i) product = np_mul(product, values[i]);
  return product;
}

inline bool is_real(Complex c) { return c.imag() == 0.0; }

// real(prod(-z) / prod(-p)): the gain factor of the lp2hp and lp2bs transforms.
inline double negated_gain_ratio(const std::vector<Complex>& z, const std::vector<Complex>& p) {
  std::vector<Complex> minus_z, minus_p;
  for (const Complex& v : z) minus_z.push_back(np_neg(v));
  for (const Complex& v : p) minus_p.push_back(np_neg(v));
  return np_div(np_prod(minus_z), np_prod(minus_p)).real();
}

// The band transforms map each root r to r' +- sqrt(r'^2 - wo^2), with r' from `shift`;
// returns all the "+" roots, then all the "-" roots, as scipy concatenates them.
template <typename Shift>
std::vector<Complex> band_split(const std::vector<Complex>& roots, double wo, Shift shift) {
  std::vector<Complex> plus, minus;
  for (const Complex& r : roots) {
    const Complex shifted = shift(r);
    const Complex root = std::sqrt(np_sub(np_mul(shifted, shifted), real_c(wo * wo)));
    plus.push_back(np_add(shifted, root));
    minus.push_back(np_sub(shifted, root));
  }
  plus.insert(plus.end(), minus.begin(), minus.end());
  return plus;
}

// numpy.poly: coefficients of prod (z - r), highest power first; the real part, as zpk2tf keeps
// it when the roots come in conjugate pairs (always the case for the designs here).
inline std::vector<double> poly_real(const std::vector<Complex>& roots) {
  std::vector<Complex> c{Complex(1.0, 0.0)};
  for (const Complex& r : roots) {
    std::vector<Complex> next(c.size() + 1, Complex(0.0, 0.0));
    const Complex minus_r = np_neg(r);
    for (std::size_t i = 0; i < c.size(); ++i) {
      next[i] = np_add(next[i], c[i]);
      next[i + 1] = np_add(next[i + 1], np_mul(c[i], minus_r));
    }
    c = std::move(next);
  }
  std::vector<double> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = c[i].real();
  return out;
}

// scipy.signal._filter_design._cplxreal: one element of each conjugate pair (positive
// imaginary part, pairs averaged), then the real values, each group sorted by real part.
inline std::vector<Complex> cplxreal_concat(std::vector<Complex> z) {
  if (z.empty()) return z;
  const double tol = 100.0 * std::numeric_limits<double>::epsilon();
  std::stable_sort(z.begin(), z.end(), [](const Complex& x, const Complex& y) {
    if (x.real() != y.real()) return x.real() < y.real();
    return std::fabs(x.imag()) < std::fabs(y.imag());
  });
  std::vector<double> reals;
  std::vector<Complex> positive;
  std::vector<Complex> negative;
  for (const Complex& c : z) {
    if (std::fabs(c.imag()) <= tol * std::abs(c)) {
      reals.push_back(c.real());
    } else if (c.imag() > 0) {
      positive.push_back(c);
    } else {
      negative.push_back(c);
    }
  }
  if (positive.size() != negative.size()) {
    throw InvalidArgument("complex zeros/poles without a matching conjugate");
  }
  // Within runs of (nearly) equal real part, order by |imag| so conjugates line up.
  std::size_t start = 0;
  while (start < positive.size()) {
    std::size_t stop = start + 1;
    while (stop < positive.size() && positive[stop].real() - positive[stop - 1].real() <=
                                         tol * std::abs(positive[stop - 1])) {
      ++stop;
    }
    auto by_abs_imag = [](const Complex& x, const Complex& y) {
      return std::fabs(x.imag()) < std::fabs(y.imag());
    };
    std::stable_sort(positive.begin() + static_cast<std::ptrdiff_t>(start),
                     positive.begin() + static_cast<std::ptrdiff_t>(stop), by_abs_imag);
    std::stable_sort(negative.begin() + static_cast<std::ptrdiff_t>(start),
                     negative.begin() + static_cast<std::ptrdiff_t>(stop), by_abs_imag);
    start = stop;
  }
  std::vector<Complex> out;
  out.reserve(positive.size() + reals.size());
  for (std::size_t i = 0; i < positive.size(); ++i) {
    if (std::abs(np_sub(positive[i], np_conj(negative[i]))) > tol * std::abs(negative[i])) {
      throw InvalidArgument("complex zeros/poles without a matching conjugate");
    }
    out.push_back(np_div(np_add(positive[i], np_conj(negative[i])), real_c(2.0)));
  }
  for (double r : reals) out.emplace_back(r, 0.0);
  return out;
}

enum class Which { real, complex, any };

// scipy's _nearest_real_complex_idx: index of the element of `from` closest to `to` that is
// real / complex / either.
inline std::size_t nearest_index(const std::vector<Complex>& from, Complex to, Which which) {
  std::vector<std::size_t> order(from.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<double> distance(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) distance[i] = std::abs(np_sub(from[i], to));
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });
  for (std::size_t i : order) {
    const bool real = is_real(from[i]);
    if (which == Which::any || (which == Which::real && real) ||
        (which == Which::complex && !real)) {
      return i;
    }
  }
  throw InvalidArgument("zpk2sos: no matching zero left to pair with a pole");
}

// Digital "worst" pole/zero: the one closest to the unit circle.
inline std::size_t index_worst(const std::vector<Complex>& values) {
  std::size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double d = std::fabs(1.0 - std::abs(values[i]));
    if (d < best_distance) {
      best_distance = d;
      best = i;
    }
  }
  return best;
}

template <typename T>
T take(std::vector<T>& values, std::size_t index) {
  T v = values[index];
  values.erase(values.begin() + static_cast<std::ptrdiff_t>(index));
  return v;
}

// scipy's _single_zpksos: one section from up to two zeros and two poles, right-aligned.
inline std::array<double, 6> single_section(const std::vector<Complex>& z,
                                            const std::vector<Complex>& p) {
  std::array<double, 6> row{};
  const std::vector<double> b = poly_real(z);
  const std::vector<double> a = poly_real(p);
  for (std::size_t i = 0; i < b.size(); ++i) row[3 - b.size() + i] = b[i];
  for (std::size_t i = 0; i < a.size(); ++i) row[6 - a.size() + i] = a[i];
  return row;
}

inline std::size_t count_real(const std::vector<Complex>& values) {
  return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), is_real));
}

// Validates a critical frequency and returns it normalised to Nyquist (scipy's Wn).
inline double normalized_frequency(double f_hz, double fs_hz, const char* what) {
  require_positive(fs_hz, "fs_hz");
  const double wn = 2.0 * f_hz / fs_hz;
  if (!(wn > 0.0 && wn < 1.0)) {
    throw InvalidArgument(std::string(what) + " must lie in (0, fs_hz/2) = (0, " +
                          format_number(fs_hz / 2.0) + ") Hz, got " + format_number(f_hz));
  }
  return wn;
}

}  // namespace detail

/// Analog Butterworth prototype of order n (scipy.signal.buttap): poles on the unit circle.
inline Zpk buttap(int order) {
  using namespace detail;
  if (order < 1) {
    throw InvalidArgument("filter order must be >= 1, got " + std::to_string(order));
  }
  Zpk zpk;
  for (int m = -order + 1; m < order; m += 2) {
    // p = -exp(1j*pi*m/(2*N)), evaluated as numpy does: ((1j*pi)*m)/(2N).
    const Complex arg = np_div(np_mul(Complex(0.0, M_PI), real_c(m)), real_c(2.0 * order));
    zpk.poles.push_back(np_neg(std::exp(arg)));
  }
  return zpk;
}

/// Lowpass-to-lowpass analog transform (scipy.signal.lp2lp_zpk).
inline Zpk lp2lp_zpk(const Zpk& in, double wo) {
  using namespace detail;
  Zpk out;
  for (const Complex& z : in.zeros) out.zeros.push_back(np_mul(real_c(wo), z));
  for (const Complex& p : in.poles) out.poles.push_back(np_mul(real_c(wo), p));
  const auto degree = static_cast<int>(in.poles.size() - in.zeros.size());
  out.gain = in.gain * std::pow(wo, degree);
  return out;
}

/// Lowpass-to-highpass analog transform (scipy.signal.lp2hp_zpk).
inline Zpk lp2hp_zpk(const Zpk& in, double wo) {
  using namespace detail;
  Zpk out;
  for (const Complex& z : in.zeros) out.zeros.push_back(np_div(real_c(wo), z));
  for (const Complex& p : in.poles) out.poles.push_back(np_div(real_c(wo), p));
  out.zeros.resize(in.poles.size(), Complex(0.0, 0.0));
  out.gain = in.gain * negated_gain_ratio(in.zeros, in.poles);
  return out;
}

/// Lowpass-to-bandpass analog transform (scipy.signal.lp2bp_zpk).
inline Zpk lp2bp_zpk(const Zpk& in, double wo, double bw) {
  using namespace detail;
  const auto shift = [bw](Complex r) { return np_div(np_mul(r, real_c(bw)), real_c(2.0)); };  // r*bw/2
  Zpk out;
  out.zeros = band_split(in.zeros, wo, shift);
  out.poles = band_split(in.poles, wo, shift);
  const std::size_t degree = in.poles.size() - in.zeros.size();
  out.zeros.insert(out.zeros.end(), degree, Complex(0.0, 0.0));
  out.gain = in.gain * std::pow(bw, static_cast<double>(degree));
  return out;
}

/// Lowpass-to-bandstop analog transform (scipy.signal.lp2bs_zpk).
inline Zpk lp2bs_zpk(const Zpk& in, double wo, double bw) {
  using namespace detail;
  const auto shift = [bw](Complex r) { return np_div(real_c(bw / 2.0), r); };  // (bw/2)/r
  Zpk out;
  out.zeros = band_split(in.zeros, wo, shift);
  out.poles = band_split(in.poles, wo, shift);
  const std::size_t degree = in.poles.size() - in.zeros.size();
  out.zeros.insert(out.zeros.end(), degree, Complex(0.0, wo));
  out.zeros.insert(out.zeros.end(), degree, Complex(0.0, -wo));
  out.gain = in.gain * negated_gain_ratio(in.zeros, in.poles);
  return out;
}

/// Bilinear transform of an analog zpk to digital (scipy.signal.bilinear_zpk).
inline Zpk bilinear_zpk(const Zpk& in, double fs) {
  using namespace detail;
  const Complex fs2 = real_c(2.0 * fs);
  Zpk out;
  std::vector<Complex> num, den;
  for (const Complex& z : in.zeros) {
    out.zeros.push_back(np_div(np_add(fs2, z), np_sub(fs2, z)));
    num.push_back(np_sub(fs2, z));
  }
  for (const Complex& p : in.poles) {
    out.poles.push_back(np_div(np_add(fs2, p), np_sub(fs2, p)));
    den.push_back(np_sub(fs2, p));
  }
  out.zeros.resize(in.poles.size(), Complex(-1.0, 0.0));
  out.gain = in.gain * np_div(np_prod(num), np_prod(den)).real();
  return out;
}

/// Converts a digital zpk to second-order sections with scipy's default "nearest" pairing
/// (scipy.signal.zpk2sos): poles closest to the unit circle go to the last sections.
inline Sos zpk2sos(const Zpk& zpk) {
  using namespace detail;
  std::vector<Complex> z = zpk.zeros;
  std::vector<Complex> p = zpk.poles;
  if (z.empty() && p.empty()) {
    Sos sos(1, 6);
    sos << zpk.gain, 0.0, 0.0, 1.0, 0.0, 0.0;
    return sos;
  }
  if (p.size() < z.size()) p.resize(z.size(), Complex(0.0, 0.0));
  if (z.size() < p.size()) z.resize(p.size(), Complex(0.0, 0.0));
  const std::size_t n_sections = (p.size() + 1) / 2;
  if (p.size() % 2 == 1) {
    p.emplace_back(0.0, 0.0);
    z.emplace_back(0.0, 0.0);
  }
  z = cplxreal_concat(std::move(z));
  p = cplxreal_concat(std::move(p));

  Sos sos = Sos::Zero(static_cast<Eigen::Index>(n_sections), 6);
  auto set_row = [&](std::size_t si, const std::array<double, 6>& row) {
    for (int j = 0; j < 6; ++j) sos(static_cast<Eigen::Index>(si), j) = row[static_cast<std::size_t>(j)];
  };
  for (std::size_t step = 0; step < n_sections; ++step) {
    const std::size_t si = n_sections - 1 - step;
    const Complex p1 = take(p, index_worst(p));
    if (is_real(p1) && count_real(p) == 0) {
      // Last remaining real pole: pair it with the nearest real zero.
      const Complex z1 = take(z, nearest_index(z, p1, Which::real));
      set_row(si, single_section({z1, Complex(0.0, 0.0)}, {p1, Complex(0.0, 0.0)}));
    } else if (p.size() + 1 == z.size() && !is_real(p1) && count_real(p) == 1 &&
               count_real(z) == 1) {
      // One real pole and one real zero remain: this complex pole must take a complex zero.
      const Complex z1 = take(z, nearest_index(z, p1, Which::complex));
      set_row(si, single_section({z1, np_conj(z1)}, {p1, np_conj(p1)}));
    } else {
      Complex p2;
      if (is_real(p1)) {
        std::vector<std::size_t> real_idx;
        std::vector<Complex> real_poles;
        for (std::size_t i = 0; i < p.size(); ++i) {
          if (is_real(p[i])) {
            real_idx.push_back(i);
            real_poles.push_back(p[i]);
          }
        }
        p2 = take(p, real_idx[index_worst(real_poles)]);
      } else {
        p2 = np_conj(p1);
      }
      if (!z.empty()) {
        const Complex z1 = take(z, nearest_index(z, p1, Which::any));
        if (!is_real(z1)) {
          set_row(si, single_section({z1, np_conj(z1)}, {p1, p2}));
        } else if (!z.empty()) {
          const Complex z2 = take(z, nearest_index(z, p1, Which::real));
          set_row(si, single_section({z1, z2}, {p1, p2}));
        } else {
          set_row(si, single_section({z1}, {p1, p2}));
        }
      } else {
        set_row(si, single_section({}, {p1, p2}));
      }
    }
  }
  sos.row(0).head<3>() *= zpk.gain;
  return sos;
}

/// Transfer-function coefficients of a zpk (scipy.signal.zpk2tf), real parts.
inline TransferFunction zpk2tf(const Zpk& zpk) {
  const std::vector<double> b = detail::poly_real(zpk.zeros);
  const std::vector<double> a = detail::poly_real(zpk.poles);
  TransferFunction tf;
  tf.b = Eigen::Map<const Eigen::VectorXd>(b.data(), static_cast<Eigen::Index>(b.size())) * zpk.gain;
  tf.a = Eigen::Map<const Eigen::VectorXd>(a.data(), static_cast<Eigen::Index>(a.size()));
  return tf;
}

/// Digital Butterworth filter as zeros/poles/gain (scipy.signal.butter(..., output='zpk')).
/// `cutoff_hz` is {f} for lowpass/highpass and {f_low, f_high} for bandpass/bandstop.
inline Zpk butter_zpk(int order, const std::vector<double>& cutoff_hz, BandType btype,
                      double fs_hz) {
  using namespace detail;
  require_positive(fs_hz, "fs_hz");
  const bool band = btype == BandType::bandpass || btype == BandType::bandstop;
  const std::size_t expected = band ? 2 : 1;
  if (cutoff_hz.size() != expected) {
    throw InvalidArgument(std::string("a ") + to_string(btype) + " filter needs " +
                          std::to_string(expected) + " cutoff frequenc" +
                          (expected == 1 ? "y" : "ies") + ", got " +
                          std::to_string(cutoff_hz.size()));
  }
  std::vector<double> warped;
  for (double f : cutoff_hz) {
    const double wn = normalized_frequency(f, fs_hz, "cutoff_hz");
    warped.push_back(4.0 * std::tan(M_PI * wn / 2.0));  // prewarp, scipy: 2*fs*tan(pi*Wn/fs), fs=2
  }
  if (band && !(cutoff_hz[0] < cutoff_hz[1])) {
    throw InvalidArgument("band edges must satisfy low < high, got [" +
                          format_number(cutoff_hz[0]) + ", " + format_number(cutoff_hz[1]) + "] Hz");
  }
  const Zpk prototype = buttap(order);
  Zpk analog;
  switch (btype) {
    case BandType::lowpass: analog = lp2lp_zpk(prototype, warped[0]); break;
    case BandType::highpass: analog = lp2hp_zpk(prototype, warped[0]); break;
    case BandType::bandpass:
      analog = lp2bp_zpk(prototype, std::sqrt(warped[0] * warped[1]), warped[1] - warped[0]);
      break;
    case BandType::bandstop:
      analog = lp2bs_zpk(prototype, std::sqrt(warped[0] * warped[1]), warped[1] - warped[0]);
      break;
  }
  return bilinear_zpk(analog, 2.0);
}

/// Digital Butterworth filter as second-order sections, equal to
/// scipy.signal.butter(order, cutoff_hz, btype, fs=fs_hz, output='sos').
inline Sos butter(int order, const std::vector<double>& cutoff_hz, BandType btype, double fs_hz) {
  return zpk2sos(butter_zpk(order, cutoff_hz, btype, fs_hz));
}

/// Lowpass or highpass Butterworth sections with one cutoff frequency in Hz.
inline Sos butter(int order, double cutoff_hz, BandType btype, double fs_hz) {
  return butter(order, std::vector<double>{cutoff_hz}, btype, fs_hz);
}

/// Second-order IIR notch at `w0_hz` with quality factor `q` = w0 / bandwidth(-3 dB),
/// equal to scipy.signal.iirnotch(w0_hz, q, fs=fs_hz). Returns (b, a) of length 3.
inline TransferFunction iirnotch(double w0_hz, double q, double fs_hz) {
  using detail::format_number;
  require_positive(q, "q");
  double w0 = detail::normalized_frequency(w0_hz, fs_hz, "w0_hz");
  // scipy.signal._filter_design._design_notch_peak_filter
  const double bw = w0 / q * M_PI;
  w0 = w0 * M_PI;
  const double gb = 1.0 / std::sqrt(2.0);
  const double beta = (std::sqrt(1.0 - std::pow(gb, 2.0)) / gb) * std::tan(bw / 2.0);
  const double gain = 1.0 / (1.0 + beta);
  TransferFunction tf;
  tf.b.resize(3);
  tf.a.resize(3);
  tf.b << gain * 1.0, gain * (-2.0 * std::cos(w0)), gain * 1.0;
  tf.a << 1.0, -2.0 * gain * std::cos(w0), 2.0 * gain - 1.0;
  return tf;
}

/// Wraps a biquad (b, a) of length <= 3 as a one-row Sos, normalising by a[0].
inline Sos tf_to_sos_single(const TransferFunction& tf) {
  if (tf.b.size() < 1 || tf.b.size() > 3 || tf.a.size() < 1 || tf.a.size() > 3) {
    throw InvalidArgument("a single section needs 1 to 3 coefficients in b and in a, got " +
                          std::to_string(tf.b.size()) + " and " + std::to_string(tf.a.size()));
  }
  if (tf.a[0] == 0.0) throw InvalidArgument("a[0] must be nonzero");
  Sos sos = Sos::Zero(1, 6);
  for (Eigen::Index i = 0; i < tf.b.size(); ++i) sos(0, i) = tf.b[i] / tf.a[0];
  for (Eigen::Index i = 0; i < tf.a.size(); ++i) sos(0, 3 + i) = tf.a[i] / tf.a[0];
  return sos;
}

}  // namespace ecgad::signal
