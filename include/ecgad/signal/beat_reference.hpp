#pragma once
// A streaming per-patient reference: the running median beat and the running median RR interval
// of one ECG stream, for inputs that are relative to the patient (signal/beat_features.hpp).
//
// Why: across patients, morphology differences between people swamp the differences between a
// person's normal and abnormal beats, so an autoencoder trained on other people's beats scores
// a new patient's normal beats as anomalous. Comparing each beat with the same patient's recent
// "dominant" beat removes the person and keeps the event; prematurity, the main sign of a
// supraventricular ectopic, only means something relative to the patient's own rhythm. This is
// the template idea of Holter analysers and of the patient-adaptive features of de Chazal &
// Reilly (IEEE TBME 53(12), 2006); the median makes the template robust to sparse ectopics.
//
// Three choices keep ectopic beats out of the reference, measured on MIT-BIH (docs/model.md):
// - RR gate: a beat enters the beat history only when it is not premature, rr_before >=
//   gate_rr_ratio * the median RR. In bigeminy half the beats are ectopic and a plain median
//   of all beats turns into a mixture; the gate keeps only the beats that follow a full cycle.
// - RR history of accepted beats only (rr_from_accepted): the median RR then stays the normal
//   cycle through a run of ectopics (supraventricular tachycardia), so every beat of the run
//   stays premature instead of the run becoming its own reference after half its length.
// - Forced acceptance after max_rejected_beats rejections in a row, so a lasting change of
//   rhythm (the new normal) cannot freeze the reference for ever.
// During warm-up (fewer than warmup_beats held) every beat is accepted.
//
// Alignment: each beat is shifted by up to max_shift_points grid points to best match the
// reference (least squares over the columns every shift sees, the usual template alignment),
// because R-peak jitter of a few milliseconds makes large residuals on the QRS slopes of normal
// beats. The beat history holds the aligned beats, so the template stays sharp.
//
// Memory is bounded (reference_beats x length floats + reference_rr doubles), nothing allocates
// after setup(), and the result depends only on the sequence of beats (never on how a stream was
// cut into calls). state()/restore() move the whole state, so a stream can resume elsewhere.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

/// Parameters of a BeatReference. Defaults: the configuration evaluated in docs/model.md.
struct BeatReferenceConfig {
  Eigen::Index length = 140;           ///< L: points per beat, >= 2 (BeatConfig::length)
  Eigen::Index reference_beats = 32;   ///< K: beats in the running median, >= 1
  Eigen::Index reference_rr = 32;      ///< RR intervals in the running median, >= 1
  /// A beat enters the reference when rr_before >= gate_rr_ratio * median RR; in [0, 1];
  /// 0 accepts every beat.
  double gate_rr_ratio = 0.9;
  Eigen::Index warmup_beats = 8;        ///< no gating until this many beats are held; 1..K
  Eigen::Index max_rejected_beats = 32;  ///< forced acceptance after this many rejections; 0=never
  Eigen::Index max_shift_points = 4;     ///< alignment search +-points; 0 <= s, 2 s < L
  /// true: the RR median uses only the RR-before of accepted beats; false: of every beat.
  bool rr_from_accepted = true;
};

/// The whole state of a BeatReference (what a stream needs to resume elsewhere).
struct BeatReferenceState {
  BeatMatrix beats;          ///< held (aligned) beats, oldest first, rows <= reference_beats
  Eigen::VectorXd rr_s;      ///< held RR intervals in seconds, oldest first
  Eigen::Index rejected_run = 0;  ///< beats rejected in a row since the last accepted one
  Eigen::Index beats_seen = 0;    ///< update() calls since the stream started
  Eigen::Index beats_accepted = 0;
};

namespace detail {

inline void validate_reference_config(const BeatReferenceConfig& c) {
  if (c.length < 2) {
    throw InvalidArgument("beat length L must be >= 2 points, got " + std::to_string(c.length));
  }
  // Same bound as BeatConfig (beats.hpp kMaxBeatLength): refuse before allocating L-sized rings.
  constexpr Eigen::Index kMaxLength = Eigen::Index{1} << 24;
  if (c.length > kMaxLength) {
    throw InvalidArgument("beat length L must be <= " + std::to_string(kMaxLength) +
                          " points, got " + std::to_string(c.length));
  }
  if (c.reference_beats < 1) {
    throw InvalidArgument("reference_beats must be >= 1, got " +
                          std::to_string(c.reference_beats));
  }
  if (c.reference_rr < 1) {
    throw InvalidArgument("reference_rr must be >= 1, got " + std::to_string(c.reference_rr));
  }
  if (!(c.gate_rr_ratio >= 0.0 && c.gate_rr_ratio <= 1.0)) {
    throw InvalidArgument("gate_rr_ratio must be in [0, 1], got " +
                          format_number(c.gate_rr_ratio));
  }
  if (c.warmup_beats < 1 || c.warmup_beats > c.reference_beats) {
    throw InvalidArgument("warmup_beats must be in [1, reference_beats = " +
                          std::to_string(c.reference_beats) + "], got " +
                          std::to_string(c.warmup_beats));
  }
  if (c.max_rejected_beats < 0) {
    throw InvalidArgument("max_rejected_beats must be >= 0 (0 = never force), got " +
                          std::to_string(c.max_rejected_beats));
  }
  if (c.max_shift_points < 0 || 2 * c.max_shift_points >= c.length) {
    throw InvalidArgument("max_shift_points must be >= 0 and < L / 2 = " +
                          format_number(static_cast<double>(c.length) / 2.0) + ", got " +
                          std::to_string(c.max_shift_points));
  }
}

// Median of values[0..count) (reordered), as numpy.median: mean of the middle two for even
// counts, computed in double.
template <typename T>
double median_select(T* values, std::size_t count) {
  const std::size_t mid = count / 2;
  std::nth_element(values, values + mid, values + count);
  const auto upper = static_cast<double>(values[mid]);
  if (count % 2 == 1) return upper;
  const auto lower = static_cast<double>(*std::max_element(values, values + mid));
  return 0.5 * (lower + upper);
}

}  // namespace detail

/// Running median beat and median RR of one stream, with an RR gate, forced acceptance and
/// template alignment (see the file comment). Use: align() a new beat, read median_beat() and
/// median_rr_s() (the reference *before* this beat, so features are causal), then update()
/// with the aligned beat and its RR-before.
class BeatReference {
 public:
  BeatReference() = default;
  explicit BeatReference(const BeatReferenceConfig& config) { setup(config); }

  /// Sets the parameters, allocates every buffer and starts a new stream.
  void setup(const BeatReferenceConfig& config) {
    detail::validate_reference_config(config);
    config_ = config;
    const auto k = static_cast<std::size_t>(config.reference_beats);
    const auto l = static_cast<std::size_t>(config.length);
    beats_.assign(k * l, 0.0f);
    column_.assign(k, 0.0f);
    median_.assign(l, 0.0f);
    rr_.assign(static_cast<std::size_t>(config.reference_rr), 0.0);
    rr_scratch_.assign(rr_.size(), 0.0);
    is_setup_ = true;
    reset();
  }

  /// Forgets the stream (no beat, no RR held), keeping the parameters.
  void reset() {
    require_setup();
    beat_count_ = 0;
    beat_next_ = 0;
    rr_count_ = 0;
    rr_next_ = 0;
    rejected_run_ = 0;
    beats_seen_ = 0;
    beats_accepted_ = 0;
    median_rr_s_ = std::numeric_limits<double>::quiet_NaN();
    std::fill(median_.begin(), median_.end(), 0.0f);
  }

  /// Shifts `beat` (L points) by the whole number of grid points in [-max_shift_points,
  /// max_shift_points] that minimises the squared difference to median_beat() over the columns
  /// [s_max, L - s_max), preferring the smallest |shift| on ties; writes the shifted beat to
  /// `aligned` (L points; the end uncovered by the shift repeats the edge value) and returns the
  /// shift (positive: the beat moved right). With no beat held yet it copies the beat, shift 0.
  /// `beat` and `aligned` must not overlap.
  Eigen::Index align(const float* beat, float* aligned) const {
    require_setup();
    const Eigen::Index n = config_.length;
    const Eigen::Index s_max = beat_count_ == 0 ? 0 : config_.max_shift_points;
    Eigen::Index best_shift = 0;
    double best_cost = std::numeric_limits<double>::infinity();
    for (Eigen::Index k = 0; k <= 2 * s_max; ++k) {
      const Eigen::Index s = (k % 2 == 1) ? (k + 1) / 2 : -(k / 2);  // 0, 1, -1, 2, -2 ...
      double cost = 0.0;
      for (Eigen::Index j = s_max; j < n - s_max; ++j) {
        const double d = static_cast<double>(beat[j - s]) -
                         static_cast<double>(median_[static_cast<std::size_t>(j)]);
        cost += d * d;
      }
      if (cost < best_cost) {
        best_cost = cost;
        best_shift = s;
      }
    }
    for (Eigen::Index j = 0; j < n; ++j) {
      aligned[j] = beat[std::clamp<Eigen::Index>(j - best_shift, 0, n - 1)];
    }
    return best_shift;
  }

  /// Offers the next beat of the stream (already aligned, L points) with its RR-before in
  /// seconds (NaN when unknown: the first beat of a stream). Returns whether the beat entered
  /// the reference (see the file comment for the rule). Allocates nothing.
  bool update(const float* aligned_beat, double rr_before_s) {
    require_setup();
    if (!(std::isnan(rr_before_s) || (std::isfinite(rr_before_s) && rr_before_s > 0.0))) {
      throw InvalidArgument("rr_before_s must be a finite number > 0 s or NaN (unknown), got " +
                            detail::format_number(rr_before_s));
    }
    ++beats_seen_;
    bool accept = true;
    if (beat_count_ >= config_.warmup_beats && config_.gate_rr_ratio > 0.0 &&
        !std::isnan(rr_before_s) && !std::isnan(median_rr_s_) &&
        rr_before_s < config_.gate_rr_ratio * median_rr_s_) {
      accept = false;
      ++rejected_run_;
      if (config_.max_rejected_beats > 0 && rejected_run_ >= config_.max_rejected_beats) {
        accept = true;
      }
    }
    if (accept) {
      rejected_run_ = 0;
      ++beats_accepted_;
      push_beat(aligned_beat);
    }
    if (!std::isnan(rr_before_s) && (accept || !config_.rr_from_accepted)) push_rr(rr_before_s);
    return accept;
  }

  /// The median beat of the held beats (L floats); all zeros while none is held.
  Eigen::Map<const Eigen::RowVectorXf> median_beat() const {
    return Eigen::Map<const Eigen::RowVectorXf>(median_.data(), config_.length);
  }
  /// Median of the held RR intervals in seconds; NaN while none is held.
  double median_rr_s() const noexcept { return median_rr_s_; }
  Eigen::Index beats_held() const noexcept { return beat_count_; }
  Eigen::Index rr_held() const noexcept { return rr_count_; }
  /// True once warmup_beats beats are held (the gate is active from then on).
  bool is_warm() const noexcept { return is_setup_ && beat_count_ >= config_.warmup_beats; }
  Eigen::Index beats_seen() const noexcept { return beats_seen_; }
  Eigen::Index beats_accepted() const noexcept { return beats_accepted_; }
  Eigen::Index rejected_run() const noexcept { return rejected_run_; }
  const BeatReferenceConfig& config() const noexcept { return config_; }
  bool is_setup() const noexcept { return is_setup_; }

  /// A copy of the whole state (held beats and RR intervals oldest first, counters).
  BeatReferenceState state() const {
    require_setup();
    BeatReferenceState s;
    const Eigen::Index k = config_.reference_beats;
    s.beats.resize(beat_count_, config_.length);
    for (Eigen::Index i = 0; i < beat_count_; ++i) {
      const Eigen::Index slot = (beat_next_ - beat_count_ + i + k) % k;
      s.beats.row(i) = Eigen::Map<const Eigen::RowVectorXf>(
          beats_.data() + slot * config_.length, config_.length);
    }
    const Eigen::Index m = config_.reference_rr;
    s.rr_s.resize(rr_count_);
    for (Eigen::Index i = 0; i < rr_count_; ++i) {
      s.rr_s[i] = rr_[static_cast<std::size_t>((rr_next_ - rr_count_ + i + m) % m)];
    }
    s.rejected_run = rejected_run_;
    s.beats_seen = beats_seen_;
    s.beats_accepted = beats_accepted_;
    return s;
  }

  /// Replaces the state by one taken with state() (under the same parameters); afterwards the
  /// reference behaves exactly as the one that produced it. Validates everything first and
  /// leaves the object unchanged when the state does not fit.
  void restore(const BeatReferenceState& s) {
    require_setup();
    if (s.beats.rows() > 0 && s.beats.cols() != config_.length) {
      throw InvalidArgument("reference state holds beats of " + std::to_string(s.beats.cols()) +
                            " points, expected L = " + std::to_string(config_.length));
    }
    if (s.beats.rows() > config_.reference_beats) {
      throw InvalidArgument("reference state holds " + std::to_string(s.beats.rows()) +
                            " beats, more than reference_beats = " +
                            std::to_string(config_.reference_beats));
    }
    if (s.rr_s.size() > config_.reference_rr) {
      throw InvalidArgument("reference state holds " + std::to_string(s.rr_s.size()) +
                            " RR intervals, more than reference_rr = " +
                            std::to_string(config_.reference_rr));
    }
    detail::require_finite(s.beats.cast<double>(), "reference state beats");
    for (Eigen::Index i = 0; i < s.rr_s.size(); ++i) {
      if (!(std::isfinite(s.rr_s[i]) && s.rr_s[i] > 0.0)) {
        throw InvalidArgument("reference state RR interval " + std::to_string(i) +
                              " must be a finite number > 0 s, got " +
                              detail::format_number(s.rr_s[i]));
      }
    }
    if (s.rejected_run < 0 ||
        (config_.max_rejected_beats > 0 && s.rejected_run >= config_.max_rejected_beats)) {
      throw InvalidArgument("reference state rejected_run must be in [0, max_rejected_beats) "
                            "(or >= 0 when max_rejected_beats = 0), got " +
                            std::to_string(s.rejected_run));
    }
    if (s.beats_accepted < s.beats.rows() || s.beats_seen < s.beats_accepted) {
      throw InvalidArgument("reference state counters are inconsistent: beats_seen = " +
                            std::to_string(s.beats_seen) + ", beats_accepted = " +
                            std::to_string(s.beats_accepted) + ", beats held = " +
                            std::to_string(s.beats.rows()));
    }
    reset();
    for (Eigen::Index i = 0; i < s.beats.rows(); ++i) push_beat(s.beats.row(i).data());
    for (Eigen::Index i = 0; i < s.rr_s.size(); ++i) push_rr(s.rr_s[i]);
    rejected_run_ = s.rejected_run;
    beats_seen_ = s.beats_seen;
    beats_accepted_ = s.beats_accepted;
  }

 private:
  void require_setup() const {
    if (!is_setup_) throw StateError("BeatReference used before setup(config)");
  }

  void push_beat(const float* beat) {
    const Eigen::Index l = config_.length;
    std::copy(beat, beat + l, beats_.begin() + beat_next_ * l);
    beat_next_ = (beat_next_ + 1) % config_.reference_beats;
    beat_count_ = std::min(beat_count_ + 1, config_.reference_beats);
    // Recomputed eagerly: every beat of a stream reads the median right after, and one
    // K x L selection (~10 us for 32 x 140) is far below a beat period.
    const auto count = static_cast<std::size_t>(beat_count_);
    for (Eigen::Index c = 0; c < l; ++c) {
      for (std::size_t r = 0; r < count; ++r) {
        column_[r] = beats_[r * static_cast<std::size_t>(l) + static_cast<std::size_t>(c)];
      }
      median_[static_cast<std::size_t>(c)] =
          static_cast<float>(detail::median_select(column_.data(), count));
    }
  }

  void push_rr(double rr_s) {
    rr_[static_cast<std::size_t>(rr_next_)] = rr_s;
    rr_next_ = (rr_next_ + 1) % config_.reference_rr;
    rr_count_ = std::min(rr_count_ + 1, config_.reference_rr);
    const auto count = static_cast<std::size_t>(rr_count_);
    std::copy(rr_.begin(), rr_.begin() + rr_count_, rr_scratch_.begin());
    median_rr_s_ = detail::median_select(rr_scratch_.data(), count);
  }

  BeatReferenceConfig config_;
  std::vector<float> beats_;   // ring of reference_beats x L (row = slot)
  std::vector<float> column_;  // scratch: one column of the held beats
  std::vector<float> median_;  // the median beat
  std::vector<double> rr_;     // ring of reference_rr intervals
  std::vector<double> rr_scratch_;
  double median_rr_s_ = std::numeric_limits<double>::quiet_NaN();
  Eigen::Index beat_count_ = 0;
  Eigen::Index beat_next_ = 0;
  Eigen::Index rr_count_ = 0;
  Eigen::Index rr_next_ = 0;
  Eigen::Index rejected_run_ = 0;
  Eigen::Index beats_seen_ = 0;
  Eigen::Index beats_accepted_ = 0;
  bool is_setup_ = false;
};

}  // namespace ecgad::signal
