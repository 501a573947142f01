#pragma once
// R-peak detection: one API over the detectors. find_rpeaks() runs a detector over a whole
// signal; RpeakDetector is the streaming form (push chunks, get peaks with their absolute sample
// index). The offline function is the streaming detector fed one chunk and finished, so both
// give the same peaks, whatever the chunking.
//
// Detectors (docs/rpeaks.md has the algorithms, deviations and the MIT-BIH evaluation):
//  - "ecgad" (default, EcgadDetector): band-passed energy envelope, median-based thresholds,
//    look-ahead competition, T-wave slope test, search-back, noise-floor gate.
//  - "pan_tompkins" (PanTompkinsDetector): Pan & Tompkins, IEEE TBME 32(3):230-236, 1985.
// Both accept 100 Hz to 1 kHz with the same defaults (every parameter is in seconds), return no
// peak on flat, saturated or white-noise input, and reject NaN/Inf with InvalidArgument.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/rpeaks_ecgad.hpp"
#include "ecgad/signal/rpeaks_pan_tompkins.hpp"

namespace ecgad::signal {

/// The R-peak detectors.
enum class RpeakMethod {
  ecgad,         ///< EcgadDetector (the default: the most accurate on MIT-BIH)
  pan_tompkins,  ///< PanTompkinsDetector (Pan & Tompkins 1985)
};

/// "ecgad" or "pan_tompkins".
inline const char* to_string(RpeakMethod method) {
  switch (method) {
    case RpeakMethod::ecgad: return "ecgad";
    case RpeakMethod::pan_tompkins: return "pan_tompkins";
  }
  return "?";
}

/// Parses "ecgad" or "pan_tompkins".
inline RpeakMethod parse_rpeak_method(std::string_view name) {
  for (RpeakMethod m : {RpeakMethod::ecgad, RpeakMethod::pan_tompkins}) {
    if (name == to_string(m)) return m;
  }
  throw InvalidArgument("unknown R-peak method '" + std::string(name) +
                        "'; expected 'ecgad' or 'pan_tompkins'");
}

/// Streaming R-peak detector over any of the methods (a thin wrapper: see EcgadDetector and
/// PanTompkinsDetector). process() returns the peaks decided during the call, as absolute sample
/// indices in increasing order; finish() decides what is still pending at the end of a stream.
/// The output does not depend on the chunk sizes, and a peak is reported at most
/// latency_samples() after its sample. setup() allocates; process() does not per sample.
class RpeakDetector {
 public:
  RpeakDetector() = default;
  explicit RpeakDetector(double fs_hz, RpeakMethod method = RpeakMethod::ecgad) {
    setup(fs_hz, method);
  }
  RpeakDetector(double fs_hz, const EcgadDetectorParams& params) { setup(fs_hz, params); }
  RpeakDetector(double fs_hz, const PanTompkinsParams& params) { setup(fs_hz, params); }

  /// (Re)configures for `method` with its default parameters; clears the state.
  void setup(double fs_hz, RpeakMethod method = RpeakMethod::ecgad) {
    if (method == RpeakMethod::pan_tompkins) {
      setup(fs_hz, PanTompkinsParams{});
    } else {
      setup(fs_hz, EcgadDetectorParams{});
    }
  }
  void setup(double fs_hz, const EcgadDetectorParams& params) {
    EcgadDetector d(fs_hz, params);  // validates before anything changes
    impl_ = std::move(d);
  }
  void setup(double fs_hz, const PanTompkinsParams& params) {
    PanTompkinsDetector d(fs_hz, params);
    impl_ = std::move(d);
  }

  /// Clears the state (as a new stream), keeping the method and parameters.
  void reset() {
    if (auto* p = pan_tompkins()) return p->reset();
    ecgad_detector().reset();
  }

  /// Feeds the next samples (mV); returns the R peaks decided during this call.
  const std::vector<Eigen::Index>& process(const Eigen::Ref<const Eigen::VectorXd>& chunk) {
    if (auto* p = pan_tompkins()) return p->process(chunk);
    return ecgad_detector().process(chunk);
  }

  /// Ends the stream and returns the peaks still pending; reset() before reusing.
  const std::vector<Eigen::Index>& finish() {
    if (auto* p = pan_tompkins()) return p->finish();
    return ecgad_detector().finish();
  }

  /// Upper bound on (samples processed when a peak is reported) - (the peak's sample index).
  Eigen::Index latency_samples() const {
    if (const auto* p = pan_tompkins()) return p->latency_samples();
    return ecgad_detector().latency_samples();
  }
  Eigen::Index samples_processed() const {
    if (const auto* p = pan_tompkins()) return p->samples_processed();
    return ecgad_detector().samples_processed();
  }
  double fs_hz() const {
    if (const auto* p = pan_tompkins()) return p->fs_hz();
    return ecgad_detector().fs_hz();
  }
  RpeakMethod method() const {
    return pan_tompkins() != nullptr ? RpeakMethod::pan_tompkins : RpeakMethod::ecgad;
  }
  bool is_setup() const { return !std::holds_alternative<std::monostate>(impl_); }

 private:
  void require_setup() const {
    if (!is_setup()) throw StateError("RpeakDetector used before setup(fs_hz, method)");
  }
  PanTompkinsDetector* pan_tompkins() {
    require_setup();
    return std::get_if<PanTompkinsDetector>(&impl_);
  }
  const PanTompkinsDetector* pan_tompkins() const {
    require_setup();
    return std::get_if<PanTompkinsDetector>(&impl_);
  }
  EcgadDetector& ecgad_detector() { return std::get<EcgadDetector>(impl_); }
  const EcgadDetector& ecgad_detector() const { return std::get<EcgadDetector>(impl_); }

  std::variant<std::monostate, EcgadDetector, PanTompkinsDetector> impl_;
};

namespace detail {

template <typename Detector>
std::vector<Eigen::Index> run_offline(Detector& detector,
                                      const Eigen::Ref<const Eigen::VectorXd>& x) {
  if (x.size() == 0) {
    throw InvalidArgument("signal is empty; R-peak detection needs at least one sample");
  }
  ecgad::detail::require_finite(x, "signal");
  std::vector<Eigen::Index> peaks = detector.process(x);
  const std::vector<Eigen::Index>& tail = detector.finish();
  peaks.insert(peaks.end(), tail.begin(), tail.end());
  return peaks;
}

}  // namespace detail

/// R-peak sample indices of a whole signal `x` (mV) sampled at `fs_hz` (100 Hz to 1 kHz), in
/// increasing order. Equal to RpeakDetector(fs_hz, method) fed `x` in any chunks, then finished.
/// Throws InvalidArgument for an empty signal, NaN/Inf samples or fs_hz outside [100, 1000].
inline std::vector<Eigen::Index> find_rpeaks(const Eigen::Ref<const Eigen::VectorXd>& x,
                                             double fs_hz,
                                             RpeakMethod method = RpeakMethod::ecgad) {
  RpeakDetector detector(fs_hz, method);
  return detail::run_offline(detector, x);
}

/// find_rpeaks() with the ecgad detector and explicit parameters.
inline std::vector<Eigen::Index> find_rpeaks(const Eigen::Ref<const Eigen::VectorXd>& x,
                                             double fs_hz, const EcgadDetectorParams& params) {
  EcgadDetector detector(fs_hz, params);
  return detail::run_offline(detector, x);
}

/// find_rpeaks() with the Pan-Tompkins detector and explicit parameters.
inline std::vector<Eigen::Index> find_rpeaks(const Eigen::Ref<const Eigen::VectorXd>& x,
                                             double fs_hz, const PanTompkinsParams& params) {
  PanTompkinsDetector detector(fs_hz, params);
  return detail::run_offline(detector, x);
}

}  // namespace ecgad::signal
