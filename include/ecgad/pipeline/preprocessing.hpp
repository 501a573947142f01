#pragma once
// The preprocessing chain shared by the training and inference pipelines: raw ECG samples ->
// causal band-pass -> R peaks -> beats -> patient-relative model inputs, with each beat's signal
// quality, heart rate, R amplitude and ectopy flag. One streaming implementation (BeatChain)
// serves both: training runs it over a whole record in one call, a host pushes chunks of any
// size, and the beats, inputs and flags are identical (every stage is chunk-independent), so a
// model is scored in production on exactly the inputs it was trained on.
//
// The whole chain is described by Preprocessing, which goes into the model bundle's
// "ecgad.preprocessing" document (to_json / from_json): a bundle carries what its inputs mean.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/signal/beat_features.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/iir_design.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/rpeaks.hpp"
#include "ecgad/signal/sos_filter.hpp"

namespace ecgad::pipeline {

/// Everything that turns samples into model inputs. Defaults: the chain measured in
/// benchmarks/eval_beats.py and eval_drift.py (MIT-BIH ROC-AUC 0.96).
struct Preprocessing {
  double fs_hz = 360.0;         ///< sampling rate the model expects, Hz
  double bandpass_low_hz = 0.5;  ///< causal Butterworth band-pass: wander and EMG out
  double bandpass_high_hz = 40.0;
  int bandpass_order = 2;
  signal::RpeakMethod rpeak_method = signal::RpeakMethod::ecgad;  ///< runs on the raw samples
  signal::BeatConfig beats;              ///< window 0.25 s before .. 0.45 s after, 140 points
  signal::BeatFeatureConfig features;    ///< residual vs running median beat + log RR extras
  double quality_window_s = 10.0;        ///< quality windows (signal/quality.hpp)
  double quality_hop_s = 2.0;
  /// A beat is premature (ectopic-looking) when RR-before < this × the local median RR.
  double premature_rr_ratio = 0.85;
  /// R amplitude = peak-to-peak of the filtered beat within ± this of the R peak, signed by the
  /// sample at the peak (peak-to-peak ignores the offset a causal high-pass leaves).
  double qrs_half_width_s = 0.05;

  /// Throws InvalidArgument naming the first field out of range.
  void validate() const {
    auto bad = [](const std::string& what) { throw InvalidArgument("preprocessing: " + what); };
    if (!(fs_hz >= 50.0 && fs_hz <= 10000.0)) {
      bad("fs_hz is " + ecgad::detail::format_number(fs_hz) + "; expected 50..10000 Hz");
    }
    if (!(bandpass_low_hz > 0.0 && bandpass_low_hz < bandpass_high_hz &&
          bandpass_high_hz < fs_hz / 2.0)) {
      bad("band-pass " + ecgad::detail::format_number(bandpass_low_hz) + ".." +
          ecgad::detail::format_number(bandpass_high_hz) + " Hz; expected 0 < low < high < fs/2 (" +
          ecgad::detail::format_number(fs_hz / 2.0) + " Hz)");
    }
    if (bandpass_order < 1 || bandpass_order > 8) {
      bad("bandpass_order is " + std::to_string(bandpass_order) + "; expected 1..8");
    }
    signal::detail::validate_beat_config(fs_hz, beats);
    signal::validate_feature_config(features);
    if (features.length() != beats.length) {
      bad("features.reference.length (" + std::to_string(features.length()) +
          ") differs from beats.length (" + std::to_string(beats.length) + ")");
    }
    if (!(premature_rr_ratio > 0.0 && premature_rr_ratio <= 1.0)) {
      bad("premature_rr_ratio is " + ecgad::detail::format_number(premature_rr_ratio) +
          "; expected (0, 1]");
    }
    if (!(qrs_half_width_s > 0.0 && qrs_half_width_s <= std::min(beats.before_s, beats.after_s))) {
      bad("qrs_half_width_s is " + ecgad::detail::format_number(qrs_half_width_s) +
          "; expected (0, min(before_s, after_s)]");
    }
    // Upper bounds: these size every stream's buffers, and a bundle is data from outside (a
    // quality window of 1e6 s would allocate gigabytes per stream).
    if (!(quality_window_s > 0.0 && quality_hop_s > 0.0 && quality_hop_s <= quality_window_s &&
          quality_window_s <= 600.0)) {
      bad("quality window/hop " + ecgad::detail::format_number(quality_window_s) + "/" +
          ecgad::detail::format_number(quality_hop_s) + " s; expected 0 < hop <= window <= 600 s");
    }
    if (!(beats.before_s + beats.after_s <= 10.0)) {
      bad("beat window before_s + after_s is " +
          ecgad::detail::format_number(beats.before_s + beats.after_s) + " s; expected <= 10 s");
    }
  }

  /// Model input width: features.input_size().
  Eigen::Index input_size() const noexcept { return features.input_size(); }
  /// Column of the R peak in a beat row.
  Eigen::Index r_column() const {
    const double span = beats.before_s + beats.after_s;
    return static_cast<Eigen::Index>(
        std::lround(beats.before_s / span * static_cast<double>(beats.length - 1)));
  }

  nlohmann::json to_json() const {
    const signal::BeatFeatureParams p = signal::to_params(features);
    return {{"fs_hz", fs_hz},
            {"bandpass_hz", {bandpass_low_hz, bandpass_high_hz}},
            {"bandpass_order", bandpass_order},
            {"rpeak_method", signal::to_string(rpeak_method)},
            {"beats", {{"before_s", beats.before_s}, {"after_s", beats.after_s},
                       {"length", beats.length}, {"hr_window_beats", beats.hr_window_beats}}},
            {"features", {{"channels", p.channels}, {"extras", p.extras}, {"numbers", p.numbers}}},
            {"quality", {{"window_s", quality_window_s}, {"hop_s", quality_hop_s}}},
            {"premature_rr_ratio", premature_rr_ratio},
            {"qrs_half_width_s", qrs_half_width_s}};
  }

  /// Reads to_json()'s document; every key is required (a default that changed between
  /// versions would silently change what a stored model means). FormatError otherwise.
  static Preprocessing from_json(const nlohmann::json& j) {
    Preprocessing p;
    try {
      p.fs_hz = j.at("fs_hz").get<double>();
      p.bandpass_low_hz = j.at("bandpass_hz").at(0).get<double>();
      p.bandpass_high_hz = j.at("bandpass_hz").at(1).get<double>();
      p.bandpass_order = j.at("bandpass_order").get<int>();
      p.rpeak_method = signal::parse_rpeak_method(j.at("rpeak_method").get<std::string>());
      const auto& b = j.at("beats");
      p.beats.before_s = b.at("before_s").get<double>();
      p.beats.after_s = b.at("after_s").get<double>();
      p.beats.length = b.at("length").get<Eigen::Index>();
      p.beats.hr_window_beats = b.at("hr_window_beats").get<Eigen::Index>();
      const auto& f = j.at("features");
      signal::BeatFeatureParams fp;
      fp.channels = f.at("channels").get<std::vector<std::string>>();
      fp.extras = f.at("extras").get<std::vector<std::string>>();
      fp.numbers = f.at("numbers").get<std::map<std::string, double>>();
      p.features = signal::feature_config_from_params(fp);
      p.quality_window_s = j.at("quality").at("window_s").get<double>();
      p.quality_hop_s = j.at("quality").at("hop_s").get<double>();
      p.premature_rr_ratio = j.at("premature_rr_ratio").get<double>();
      p.qrs_half_width_s = j.at("qrs_half_width_s").get<double>();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("preprocessing document: ") + e.what() +
                        " (expected the keys written by Preprocessing::to_json)");
    } catch (const InvalidArgument& e) {
      throw FormatError(std::string("preprocessing document: ") + e.what());
    }
    try {
      p.validate();
    } catch (const InvalidArgument& e) {
      throw FormatError(std::string("preprocessing document: ") + e.what());
    }
    return p;
  }
};

/// One beat out of the chain.
struct ChainBeat {
  std::int64_t beat_index = 0;    ///< 0, 1, ... along the stream
  std::int64_t sample_index = 0;  ///< R-peak sample
  double time_s = 0.0;            ///< sample_index / fs_hz
  double rr_before_s = std::numeric_limits<double>::quiet_NaN();
  double rr_after_s = std::numeric_limits<double>::quiet_NaN();
  double heart_rate_bpm = std::numeric_limits<double>::quiet_NaN();  ///< local median HR
  double r_amplitude_mv = 0.0;    ///< signed QRS peak-to-peak of the filtered beat
  bool premature = false;         ///< RR-before < premature_rr_ratio × local median RR
  bool warm = false;              ///< the beat reference was warm when the input was made
  /// Quality of the latest window that ended at or before the R peak; unknown before the first.
  bool quality_known = false;
  signal::QualityGrade quality_grade = signal::QualityGrade::unusable;
  double quality_score = std::numeric_limits<double>::quiet_NaN();
  const float* beat = nullptr;    ///< the filtered beat (beats.length floats), valid in the callback
  const float* input = nullptr;   ///< the model input (input_size floats), valid in the callback
};

/// The streaming chain. setup()/reset()/process(chunk)/finish(); beats come out through the
/// callback given to process()/finish(), in stream order. One thread at a time.
///
/// Latency: a beat leaves once its window is complete and the next R peak is known (RR-after),
/// i.e. max(after_s, one RR interval) plus the R-peak detector's delay after the beat's peak.
class BeatChain {
 public:
  BeatChain() = default;
  explicit BeatChain(const Preprocessing& p) { setup(p); }

  void setup(const Preprocessing& p) {
    p.validate();
    config_ = p;
    filter_.setup(signal::butter(p.bandpass_order, {p.bandpass_low_hz, p.bandpass_high_hz},
                                 signal::BandType::bandpass, p.fs_hz));
    detector_.setup(p.fs_hz, p.rpeak_method);
    // The segmenter must accept peaks as late as the detector reports them.
    const double delay_s = static_cast<double>(detector_.latency_samples()) / p.fs_hz + 0.5;
    segmenter_.setup(p.fs_hz, p.beats, delay_s);
    signal::QualityConfig q;
    q.window_s = p.quality_window_s;
    q.hop_s = p.quality_hop_s;
    quality_.setup(p.fs_hz, q);
    extractor_.setup(p.features);
    input_.assign(static_cast<std::size_t>(p.input_size()), 0.0f);
    half_width_ = std::max<Eigen::Index>(
        1, static_cast<Eigen::Index>(std::lround(
               p.qrs_half_width_s / (p.beats.before_s + p.beats.after_s) *
               static_cast<double>(p.beats.length - 1))));
    is_setup_ = true;
    reset();
  }

  /// Starts a new stream, keeping the configuration.
  void reset() {
    require_setup();
    filter_.reset();
    detector_.reset();
    segmenter_.reset();
    quality_.reset();
    extractor_.reset();
    windows_.clear();
    samples_seen_ = 0;
    beats_out_ = 0;
    finished_ = false;
  }

  const Preprocessing& config() const noexcept { return config_; }
  std::int64_t samples_seen() const noexcept { return samples_seen_; }
  std::int64_t beats_emitted() const noexcept { return beats_out_; }
  /// Upper bound on the R-peak detector's reporting delay, seconds.
  double detector_latency_s() const {
    return static_cast<double>(detector_.latency_samples()) / config_.fs_hz;
  }

  /// Pushes the next chunk (mV, finite; any size, also 0) and calls on_beat(const ChainBeat&)
  /// for each beat completed by it. A chunk with a NaN or Inf is refused with InvalidArgument
  /// before any state changes.
  template <class OnBeat>
  void process(const Eigen::Ref<const Eigen::VectorXd>& chunk_mv, OnBeat&& on_beat) {
    require_setup();
    if (finished_) throw StateError("BeatChain::process() after finish(); call reset() first");
    require_finite_chunk(chunk_mv);
    filtered_.resize(chunk_mv.size());
    filter_.process(chunk_mv, filtered_);
    for (const auto& w : quality_.process(chunk_mv)) windows_.push_back(w);
    const std::vector<Eigen::Index>& peaks = detector_.process(chunk_mv);
    emit(segmenter_.process(filtered_, peaks), on_beat);
    samples_seen_ += chunk_mv.size();
    trim_windows();
  }

  /// Ends the stream: the detector's pending peaks and the last beat come out.
  template <class OnBeat>
  void finish(OnBeat&& on_beat) {
    require_setup();
    if (finished_) throw StateError("BeatChain::finish() called twice; call reset() first");
    const std::vector<Eigen::Index>& peaks = detector_.finish();
    emit(segmenter_.process(Eigen::VectorXd(0), peaks), on_beat);
    emit(segmenter_.flush(), on_beat);
    finished_ = true;
  }

 private:
  void require_setup() const {
    if (!is_setup_) throw StateError("BeatChain used before setup(preprocessing)");
  }

  static void require_finite_chunk(const Eigen::Ref<const Eigen::VectorXd>& x) {
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i])) {
        throw InvalidArgument("signal chunk: sample " + std::to_string(i) + " is " +
                              ecgad::detail::format_number(x[i]) +
                              "; expected finite mV values (mark gaps upstream, e.g. with a "
                              "lead-off flatline, instead of NaN)");
      }
    }
  }

  // Quality windows are kept while a later beat may still need them: a beat is emitted at most
  // (detector delay + one RR + window) after its peak, so windows older than a minute go.
  void trim_windows() {
    const auto horizon = static_cast<Eigen::Index>(60.0 * config_.fs_hz);
    while (windows_.size() > 2 &&
           windows_[1].start_sample + windows_[1].n_samples + horizon < samples_seen_) {
      windows_.pop_front();
    }
  }

  template <class OnBeat>
  void emit(const signal::Beats& b, OnBeat& on_beat) {
    const Eigen::Index l = config_.beats.length;
    const Eigen::Index r = config_.r_column();
    for (Eigen::Index i = 0; i < b.size(); ++i) {
      ChainBeat out;
      out.beat_index = beats_out_++;
      out.sample_index = b.sample_index[i];
      out.time_s = static_cast<double>(b.sample_index[i]) / config_.fs_hz;
      out.rr_before_s = b.rr_before_s[i];
      out.rr_after_s = b.rr_after_s[i];
      out.heart_rate_bpm = b.local_hr_bpm[i];
      const float* row = b.beats.row(i).data();
      float lo = row[r], hi = row[r];
      for (Eigen::Index j = std::max<Eigen::Index>(0, r - half_width_);
           j <= std::min(l - 1, r + half_width_); ++j) {
        lo = std::min(lo, row[j]);
        hi = std::max(hi, row[j]);
      }
      out.r_amplitude_mv = std::copysign(static_cast<double>(hi - lo), static_cast<double>(row[r]));
      out.premature = std::isfinite(out.heart_rate_bpm) &&
                      out.rr_before_s < config_.premature_rr_ratio * 60.0 / out.heart_rate_bpm;
      // The latest quality window that ended at or before the R peak (by sample index, so the
      // choice does not depend on when the beat left the segmenter).
      for (auto it = windows_.rbegin(); it != windows_.rend(); ++it) {
        if (it->start_sample + it->n_samples <= out.sample_index) {
          out.quality_known = true;
          out.quality_grade = it->grade;
          out.quality_score = it->score;
          break;
        }
      }
      const signal::BeatOutcome o =
          extractor_.process_beat(row, out.rr_before_s, out.rr_after_s, input_.data());
      out.warm = o.warm;
      out.beat = row;
      out.input = input_.data();
      on_beat(static_cast<const ChainBeat&>(out));
    }
  }

  Preprocessing config_;
  signal::SosFilter filter_;
  signal::RpeakDetector detector_;
  signal::BeatSegmenter segmenter_;
  signal::QualityAssessor quality_;
  signal::BeatFeatureExtractor extractor_;
  std::deque<signal::WindowQuality> windows_;
  Eigen::VectorXd filtered_;
  std::vector<float> input_;
  Eigen::Index half_width_ = 1;
  std::int64_t samples_seen_ = 0;
  std::int64_t beats_out_ = 0;
  bool finished_ = false;
  bool is_setup_ = false;
};

}  // namespace ecgad::pipeline
