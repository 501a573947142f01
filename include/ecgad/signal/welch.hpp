#pragma once
// Welch power spectral density (Welch, IEEE Trans. Audio Electroacoust. 15(2), 1967) with the
// settings the signal-quality indices use, equal to
//   scipy.signal.welch(x, fs, window='hann', nperseg, noverlap, nfft=nperseg,
//                      detrend='constant', return_onesided=True, scaling='density',
//                      average='mean')
// (periodic Hann window, each segment's mean removed, one-sided density in units^2/Hz), and band
// powers integrated from it. The FFT is Eigen's (kissfft, mixed radix), so any nperseg works;
// results agree with scipy's pocketfft to rounding.

#include <cmath>
#include <complex>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <unsupported/Eigen/FFT>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

/// A one-sided power spectral density: psd[k] at freqs_hz[k] = k fs / nperseg.
struct Psd {
  Eigen::VectorXd freqs_hz;
  Eigen::VectorXd psd;  ///< units^2 / Hz (mV^2/Hz for a signal in mV)
  Eigen::Index n_segments = 0;

  /// Bin spacing fs / nperseg, Hz.
  double resolution_hz() const { return freqs_hz.size() > 1 ? freqs_hz[1] - freqs_hz[0] : 0.0; }
};

/// Reusable Welch estimator: setup() allocates (window, FFT plan, buffers); compute() does not.
/// Not thread-safe (the FFT keeps scratch buffers); use one per thread.
class WelchEstimator {
 public:
  WelchEstimator() = default;
  WelchEstimator(double fs_hz, Eigen::Index nperseg, std::optional<Eigen::Index> noverlap = {}) {
    setup(fs_hz, nperseg, noverlap);
  }

  /// nperseg >= 2 samples; noverlap in [0, nperseg), default nperseg / 2 (scipy's default).
  void setup(double fs_hz, Eigen::Index nperseg, std::optional<Eigen::Index> noverlap = {}) {
    require_positive(fs_hz, "fs_hz");
    if (nperseg < 2) {
      throw InvalidArgument("nperseg must be >= 2 samples, got " + std::to_string(nperseg));
    }
    if (nperseg > (Eigen::Index{1} << 30)) {
      throw InvalidArgument("nperseg must be < 2^30 samples, got " + std::to_string(nperseg));
    }
    const Eigen::Index overlap = noverlap.value_or(nperseg / 2);
    if (overlap < 0 || overlap >= nperseg) {
      throw InvalidArgument("noverlap must be in [0, nperseg = " + std::to_string(nperseg) +
                            "), got " + std::to_string(overlap));
    }
    fs_hz_ = fs_hz;
    nperseg_ = nperseg;
    noverlap_ = overlap;
    n_bins_ = nperseg / 2 + 1;
    // Periodic Hann (scipy.signal.get_window('hann', n), fftbins=True).
    window_.resize(nperseg);
    const double two_pi = 2.0 * 3.14159265358979323846;
    for (Eigen::Index i = 0; i < nperseg; ++i) {
      window_[i] = 0.5 - 0.5 * std::cos(two_pi * static_cast<double>(i) /
                                        static_cast<double>(nperseg));
    }
    scale_ = 1.0 / (fs_hz * window_.squaredNorm());
    segment_.assign(static_cast<std::size_t>(nperseg), 0.0);
    spectrum_.assign(static_cast<std::size_t>(n_bins_), {});
    fft_ = Eigen::FFT<double>();
    fft_.SetFlag(Eigen::FFT<double>::HalfSpectrum);
    fft_.fwd(spectrum_.data(), segment_.data(), nperseg_);  // builds the plan once
  }

  /// Segments a signal of n samples yields: (n - nperseg) / (nperseg - noverlap) + 1.
  Eigen::Index n_segments(Eigen::Index n) const {
    return n < nperseg_ ? 0 : (n - nperseg_) / (nperseg_ - noverlap_) + 1;
  }

  /// PSD of x[0..n) into psd (size nperseg / 2 + 1). n >= nperseg; x must be finite (unchecked
  /// here: callers validate once per signal).
  void compute(const double* x, Eigen::Index n, Eigen::Ref<Eigen::VectorXd> psd) {
    require_setup();
    if (n < nperseg_) {
      throw InvalidArgument("Welch needs at least nperseg = " + std::to_string(nperseg_) +
                            " samples, got " + std::to_string(n));
    }
    if (psd.size() != n_bins_) {
      throw InvalidArgument("psd output must have nperseg / 2 + 1 = " + std::to_string(n_bins_) +
                            " bins, got " + std::to_string(psd.size()));
    }
    psd.setZero();
    const Eigen::Index segments = n_segments(n);
    const Eigen::Index step = nperseg_ - noverlap_;
    for (Eigen::Index s = 0; s < segments; ++s) {
      const double* seg = x + s * step;
      double mean = 0.0;
      for (Eigen::Index i = 0; i < nperseg_; ++i) mean += seg[i];
      mean /= static_cast<double>(nperseg_);
      for (Eigen::Index i = 0; i < nperseg_; ++i) {
        segment_[static_cast<std::size_t>(i)] = (seg[i] - mean) * window_[i];
      }
      fft_.fwd(spectrum_.data(), segment_.data(), nperseg_);
      for (Eigen::Index k = 0; k < n_bins_; ++k) {
        psd[k] += std::norm(spectrum_[static_cast<std::size_t>(k)]);
      }
    }
    // One-sided density: double every bin but DC and (for even nperseg) Nyquist.
    const Eigen::Index last_doubled = nperseg_ % 2 == 0 ? n_bins_ - 2 : n_bins_ - 1;
    psd *= scale_ / static_cast<double>(segments);
    psd.segment(1, last_doubled).array() *= 2.0;
  }

  /// Frequencies of the bins, k fs / nperseg (scipy.fft.rfftfreq(nperseg, 1 / fs)).
  Eigen::VectorXd freqs_hz() const {
    require_setup();
    Eigen::VectorXd f(n_bins_);
    for (Eigen::Index k = 0; k < n_bins_; ++k) {
      f[k] = static_cast<double>(k) * fs_hz_ / static_cast<double>(nperseg_);
    }
    return f;
  }

  double fs_hz() const noexcept { return fs_hz_; }
  Eigen::Index nperseg() const noexcept { return nperseg_; }
  Eigen::Index noverlap() const noexcept { return noverlap_; }
  Eigen::Index n_bins() const noexcept { return n_bins_; }
  bool is_setup() const noexcept { return nperseg_ > 0; }

 private:
  void require_setup() const {
    if (!is_setup()) throw StateError("WelchEstimator used before setup(fs_hz, nperseg)");
  }

  double fs_hz_ = 0.0;
  Eigen::Index nperseg_ = 0;
  Eigen::Index noverlap_ = 0;
  Eigen::Index n_bins_ = 0;
  double scale_ = 0.0;
  Eigen::VectorXd window_;
  std::vector<double> segment_;
  std::vector<std::complex<double>> spectrum_;
  Eigen::FFT<double> fft_;
};

/// Welch PSD of a whole signal (scipy.signal.welch with the settings in the file comment).
/// nperseg in [2, x.size()]; noverlap defaults to nperseg / 2.
inline Psd welch(const Eigen::Ref<const Eigen::VectorXd>& x, double fs_hz, Eigen::Index nperseg,
                 std::optional<Eigen::Index> noverlap = {}) {
  WelchEstimator estimator(fs_hz, nperseg, noverlap);
  detail::require_finite(x, "signal");
  Psd out;
  out.freqs_hz = estimator.freqs_hz();
  out.psd.resize(estimator.n_bins());
  estimator.compute(x.data(), x.size(), out.psd);
  out.n_segments = estimator.n_segments(x.size());
  return out;
}

/// Power in [low_hz, high_hz]: the sum of psd[k] * resolution over the bins with
/// low_hz <= f_k <= high_hz (rectangle rule, both edges inclusive), units^2.
inline double band_power(const Psd& psd, double low_hz, double high_hz) {
  if (!(low_hz <= high_hz) || !std::isfinite(low_hz) || !std::isfinite(high_hz)) {
    throw InvalidArgument("band must satisfy low_hz <= high_hz (finite), got [" +
                          detail::format_number(low_hz) + ", " + detail::format_number(high_hz) +
                          "]");
  }
  double sum = 0.0;
  for (Eigen::Index k = 0; k < psd.psd.size(); ++k) {
    if (psd.freqs_hz[k] >= low_hz && psd.freqs_hz[k] <= high_hz) sum += psd.psd[k];
  }
  return sum * psd.resolution_hz();
}

}  // namespace ecgad::signal
