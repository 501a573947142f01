#pragma once
// ecgad's own R-peak detector: a band-passed energy envelope with median-based adaptive
// thresholds, a short look-ahead in which competing candidates are compared, T-wave rejection by
// slope, RR-based search-back and a noise gate. It combines ideas of Pan & Tompkins (IEEE TBME
// 32(3), 1985: search-back, T-wave slope test), Hamilton & Tompkins (IEEE TBME 33(12), 1986:
// thresholds from the medians of the last eight QRS and noise peaks, the 95 ms peak rule) and
// Elgendi (PLoS ONE 8(9), 2013: the power of a ~5-20 Hz band over a ~100 ms window).
//
// Stages, all causal and sample by sample (so the output cannot depend on the chunking):
//  1. Band-pass ~5-20 Hz built from boxcars, exactly linear phase: a low-pass made of two 16 ms
//     boxcars (-3 dB near 20 Hz, zeros at multiples of 62.5 Hz) and a high-pass that subtracts the
//     100 ms centred mean (-3 dB near 5 Hz). Running sums change by (new - old), so a flat or
//     saturated input gives exactly 0, and the delay is a whole number of samples.
//  2. Envelope: the 100 ms moving mean of the squared band-pass; candidates are its peaks
//     (Hamilton & Tompkins' rule: a maximum is a peak once the envelope falls below half of it,
//     or after 100 ms).
//  3. Decisions: a candidate above noise + 0.15 (qrs - noise) — qrs and noise the medians of the
//     last eight QRS and noise peak heights — that passes the noise gate (see min_floor_ratio)
//     becomes pending; a candidate within 250 ms of the pending group's start competes with it
//     and the higher one wins; the pending beat is final 250 + 100 ms after its group started.
//     Within 360 ms of the previous beat, a candidate whose largest slope is under half of that
//     beat's is a T wave. With no beat for 1.5x the median RR, the highest stored candidate
//     above half the threshold is taken (search-back); after a longer silence the QRS level is
//     re-learnt from the candidates of the last seconds, so a drop in amplitude or an early
//     artefact cannot lock the detector.
//  4. The R peak is the largest |band-pass| sample of the winning candidate's window, moved back
//     by the filter delay (the band-pass is linear phase, so this is the R wave's extremum).
//
// Every duration is a parameter in seconds, so one set of defaults serves 100 Hz to 1 kHz.
// Measured on MIT-BIH (22 DS1 records, lead 0, EC57 scoring): Se 99.826%, +P 99.845%; see
// docs/rpeaks.md.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/rpeaks_detail.hpp"

namespace ecgad::signal {

/// Parameters of EcgadDetector. Durations in seconds, ratios of envelope (energy) heights.
struct EcgadDetectorParams {
  double lowpass_window_s = 0.016;    ///< each of the two low-pass boxcars (-3 dB near 20 Hz)
  double highpass_window_s = 0.100;   ///< mean subtracted by the high-pass (-3 dB near 5 Hz)
  double envelope_window_s = 0.100;   ///< moving mean of the squared band-pass
  double peak_hold_s = 0.100;         ///< an envelope maximum is a candidate after this at most
  double refractory_s = 0.200;        ///< no second beat within this
  double compete_s = 0.250;           ///< candidates this close to a pending beat compete with it
  double t_wave_window_s = 0.360;     ///< within this of a beat, the T-wave slope test applies
  double t_wave_slope_ratio = 0.5;    ///< T wave: largest slope under this x the last beat's
  double threshold_fraction = 0.15;   ///< threshold = noise + this x (qrs - noise)
  double search_back_factor = 1.5;    ///< search back after this x the median RR without a beat
  double search_back_fraction = 0.5;  ///< ... for candidates above this x the threshold
  /// Noise gate: a beat's envelope peak must exceed min_floor_ratio x the envelope's floor (the
  /// median of its 1 s minima) OR min_band_ratio x the signal's broadband power (the median of
  /// the 1 s means of the squared second difference). White noise fails both (its envelope
  /// peaks stay within ~40x its floor, and its QRS-band power under ~0.3x its broadband power);
  /// an ECG passes the first at ordinary rates and the second up to 200 bpm (docs/rpeaks.md).
  double min_floor_ratio = 100.0;
  double min_band_ratio = 0.5;
  double noise_block_s = 1.0;  ///< block length of both noise estimates
  double learning_s = 2.0;     ///< the first thresholds come from this much signal
  double max_rr_s = 2.0;       ///< cap on the RR used for search-back (bounds the latency)
};

/// Streaming R-peak detector (ecgad's design; see the file comment and docs/rpeaks.md).
/// Push chunks of any size: each process() returns the R peaks decided during that call as
/// absolute sample indices, increasing, identical whatever the chunking. A peak is reported at
/// most latency_samples() after it occurred (3.27 s; an ordinary beat after
/// typical_latency_samples(), 0.62 s). setup() allocates; process() never allocates per sample.
class EcgadDetector {
 public:
  EcgadDetector() = default;
  explicit EcgadDetector(double fs_hz, const EcgadDetectorParams& params = {}) {
    setup(fs_hz, params);
  }

  /// Validates the parameters, sizes every buffer and clears the state.
  void setup(double fs_hz, const EcgadDetectorParams& params = {}) {
    using namespace ecgad::detail::rpeaks;
    require_fs(fs_hz);
    const EcgadDetectorParams& p = params;
    require_duration(p.lowpass_window_s, 0.005, 0.05, "lowpass_window_s");
    require_duration(p.highpass_window_s, 0.05, 0.3, "highpass_window_s");
    require_duration(p.envelope_window_s, 0.03, 0.3, "envelope_window_s");
    require_duration(p.peak_hold_s, 0.02, 0.3, "peak_hold_s");
    require_duration(p.refractory_s, 0.1, 0.4, "refractory_s");
    require_duration(p.compete_s, 0.0, 0.5, "compete_s");
    require_duration(p.t_wave_window_s, 0.0, 0.6, "t_wave_window_s");
    require_fraction(p.t_wave_slope_ratio, 0.0, 1.0, "t_wave_slope_ratio");
    require_fraction(p.threshold_fraction, 0.0, 1.0, "threshold_fraction");
    require_fraction(p.search_back_factor, 1.0, 3.0, "search_back_factor");
    require_fraction(p.search_back_fraction, 0.0, 1.0, "search_back_fraction");
    require_fraction(p.min_floor_ratio, 0.0, 1e6, "min_floor_ratio");
    require_fraction(p.min_band_ratio, 0.0, 1e6, "min_band_ratio");
    require_duration(p.noise_block_s, 0.2, 5.0, "noise_block_s");
    require_duration(p.learning_s, 0.5, 10.0, "learning_s");
    require_duration(p.max_rr_s, 1.0, 3.0, "max_rr_s");
    fs_hz_ = fs_hz;
    params_ = p;
    lp_len_ = samples_of(p.lowpass_window_s, fs_hz);
    hp_len_ = samples_of(p.highpass_window_s, fs_hz, 3) | 1;  // odd: a centred mean
    env_len_ = samples_of(p.envelope_window_s, fs_hz, 2);
    hold_ = samples_of(p.peak_hold_s, fs_hz);
    refractory_ = samples_of(p.refractory_s, fs_hz);
    compete_ = samples_of(p.compete_s, fs_hz, 0);
    t_wave_ = samples_of(p.t_wave_window_s, fs_hz, 0);
    block_ = samples_of(p.noise_block_s, fs_hz);
    learning_ = samples_of(p.learning_s, fs_hz);
    max_rr_ = samples_of(p.max_rr_s, fs_hz);
    horizon_ = static_cast<Eigen::Index>(
        std::ceil(p.search_back_factor * static_cast<double>(max_rr_)));
    delay_ = (lp_len_ - 1) + (hp_len_ - 1) / 2;
    lp_norm_ = 1.0 / static_cast<double>(lp_len_ * lp_len_);
    // History: the longest lag of a filter, and the band-pass samples a candidate's window
    // covers (described up to hold_ + 1 samples after its maximum, plus one for the slope).
    lines_.setup(std::max({lp_len_, hp_len_, env_len_, hold_ + env_len_ + 3, Eigen::Index{2}}) + 1,
                 kBlock);
    envelope_.assign(static_cast<std::size_t>(kBlock), 0.0);
    learning_candidates_.clear();
    learning_candidates_.reserve(static_cast<std::size_t>(learning_ / 2 + 2));
    flush_.resize(delay_ + env_len_ + hold_ + 2);
    sink_.setup(64);
    reset();
  }

  /// Clears the state (as a new stream), keeping the parameters.
  void reset() {
    require_setup();
    n_ = 0;
    end_ = std::numeric_limits<Eigen::Index>::max();
    finished_ = false;
    x0_ = last_x_ = 0.0;
    lines_.clear();
    sum1_ = sum2_ = sum_hp_ = sum_env_ = 0.0;
    last_env_ = run_max_ = 0.0;
    run_max_t_ = -1;
    block_sum_ = block_min_ = 0.0;
    // The noise blocks start once the envelope window holds filtered samples only (before, it
    // still averages the start-up zeros and its minimum would be no floor at all).
    block_pos_ = -(delay_ + env_len_);
    block_power_.clear();
    block_mins_.clear();
    broadband_ = floor_ = 0.0;
    learned_ = false;
    learning_candidates_.clear();
    qrs_.clear();
    noise_.clear();
    rr_.clear();
    threshold_ = 0.0;
    search_back_after_ = static_cast<double>(max_rr_);
    have_last_ = has_pending_ = false;
    last_ = pending_ = Candidate{};
    group_t_ = 0;
    last_relearn_t_ = 0;
    n_stored_ = 0;
    next_event_ = event_time();
    sink_.clear();
  }

  /// Feeds the next samples (mV); returns the R peaks decided during this call.
  /// Throws InvalidArgument on NaN/Inf (before any state changes), StateError after finish().
  const std::vector<Eigen::Index>& process(const Eigen::Ref<const Eigen::VectorXd>& chunk) {
    require_setup();
    if (finished_) throw StateError("EcgadDetector::process() after finish(); call reset()");
    ecgad::detail::require_finite(chunk, "signal chunk");
    sink_.clear();
    run(chunk.data(), chunk.size());
    return sink_.peaks();
  }

  /// Ends the stream: flushes the filters by holding the last sample for their delay (so a beat
  /// at the very end is seen), then decides the pending beat (and a stream shorter than the
  /// learning phase) without waiting for the look-ahead. Returns those peaks; reset() to reuse.
  const std::vector<Eigen::Index>& finish() {
    require_setup();
    sink_.clear();
    if (!finished_ && n_ > 0) {
      const Eigen::Index n = n_;
      flush_.setConstant(last_x_);
      end_ = n;
      run(flush_.data(), flush_.size());
      n_ = n;
      if (!learned_) end_learning();
      if (has_pending_) {
        has_pending_ = false;
        accept(pending_);
      }
    }
    finished_ = true;
    return sink_.peaks();
  }

  /// Upper bound on (sample count when a peak is reported) - (its sample index): the
  /// search-back horizon (or the learning phase) plus the filter, envelope and peak delays.
  Eigen::Index latency_samples() const {
    return std::max(horizon_, learning_) + delay_ + env_len_ + hold_ + 2;
  }

  /// Delay of the look-ahead path for an ordinary beat: filter + envelope + peak hold +
  /// competition window (the usual time from an R wave to its report), in samples.
  Eigen::Index typical_latency_samples() const {
    return delay_ + env_len_ + hold_ + compete_ + hold_ + 2;
  }

  /// Delay of the band-passed signal behind the input, in samples.
  Eigen::Index filter_delay_samples() const { return delay_; }
  Eigen::Index samples_processed() const { return n_; }
  double fs_hz() const { return fs_hz_; }
  const EcgadDetectorParams& params() const { return params_; }
  bool is_setup() const { return fs_hz_ > 0.0; }

 private:
  struct Candidate {
    Eigen::Index t = 0;   // sample index of the envelope maximum
    Eigen::Index r = 0;   // R peak: largest |band-pass| in the window, minus the filter delay
    double height = 0.0;  // envelope maximum
    double slope = 0.0;   // largest |band-pass difference| in the window
  };

  static constexpr std::size_t kStored = 64;      // candidates kept for search-back
  static constexpr Eigen::Index kResum = 1 << 14;  // exact re-summation period, samples
  static constexpr Eigen::Index kBlock = 2048;     // samples filtered per pass

  void require_setup() const {
    if (!is_setup()) throw StateError("EcgadDetector used before setup(fs_hz)");
  }

  // The per-sample path. Filter and peak-tracking state live in locals for the loop (members
  // would be reloaded after every delay-line write, which may alias them) and are stored back
  // at the end. Everything is keyed to the absolute sample index, never to the chunk, so the output
  // does not depend on how the stream is cut.
  void run(const double* x, Eigen::Index n) {
    if (n == 0) return;
    if (n_ == 0) x0_ = x[0];  // relative to the first sample: a constant input is exactly 0
    const Eigen::Index l1 = lp_len_, l2 = hp_len_, half = (hp_len_ - 1) / 2, le = env_len_;
    const double norm = lp_norm_, inv_hp = 1.0 / static_cast<double>(hp_len_),
                 inv_env = 1.0 / static_cast<double>(env_len_);
    const double x0 = x0_;
    const Eigen::Index hold = hold_;
    double s1 = sum1_, s2 = sum2_, s3 = sum_hp_, se = sum_env_;
    double last_env = last_env_, run_max = run_max_, block_sum = block_sum_,
           block_min = block_min_;
    Eigen::Index run_t = run_max_t_, block_pos = block_pos_, next_event = next_event_;

    for (Eigen::Index i = 0; i < n;) {
      if (lines_.room() == 0) lines_.wrap();
      const Eigen::Index m = std::min(n - i, lines_.room());
      // Index k of these pointers is the sample being processed; k - lag reaches back.
      double* const xr = lines_.at_position(kX);
      double* const ar = lines_.at_position(kLp1);
      double* const lr = lines_.at_position(kLp);
      double* const br = lines_.at_position(kBp);
      double* const env = envelope_.data();
      const Eigen::Index t0 = n_ + i;
      // Pass 1, the filters: a tight loop whose state fits in registers.
      for (Eigen::Index k = 0; k < m; ++k) {
        // Band-pass: two boxcars of l1 (low-pass), minus the centred mean over l2 (high-pass).
        // Running sums change by (new - old), so a window of equal values keeps its sum exactly.
        const double v = x[i + k] - x0;
        xr[k] = v;
        s1 += v - xr[k - l1];
        ar[k] = s1;
        s2 += s1 - ar[k - l1];
        const double lp = s2 * norm;
        lr[k] = lp;
        s3 += lp - lr[k - l2];
        const double bp = lr[k - half] - s3 * inv_hp;
        br[k] = bp;
        const double old = br[k - le];
        se += bp * bp - old * old;
        if (((t0 + k + 1) & (kResum - 1)) == 0) {
          const std::array<double, 4> exact = resum(t0 + k);
          s1 = exact[0];
          s2 = exact[1];
          s3 = exact[2];
          se = exact[3];
        }
        env[k] = se * inv_env;
      }
      // Pass 2, noise estimates, candidates and decisions over the block's envelope.
      for (Eigen::Index k = 0; k < m; ++k) {
        const Eigen::Index t = t0 + k;
        const double e = env[k];
        // Noise estimates over blocks: the envelope's minimum (its floor between beats) and
        // the mean squared second difference (broadband power), medians of eight blocks.
        if (block_pos >= 0) {
          const double d2 = xr[k] - 2.0 * xr[k - 1] + xr[k - 2];
          block_sum += d2 * d2;
          block_min = block_pos == 0 ? e : std::min(block_min, e);
        }
        if (++block_pos == block_) {
          block_pos = 0;
          end_block(block_sum, block_min);
          block_sum = 0.0;
        }
        // Hamilton & Tompkins' peak rule, written with selects: the envelope's ups and downs
        // are data-dependent and would mispredict as branches. (run_max >= 0 always, so a
        // sample that does not rise offers 0 and leaves the maximum as it is.)
        const double offer = e > last_env ? e : 0.0;
        const double new_max = std::max(run_max, offer);
        const bool rising = new_max > run_max;
        run_max = new_max;
        run_t = rising ? t : run_t;
        last_env = e;
        if (!rising & (run_t >= 0) & ((e < 0.5 * run_max) | (t - run_t > hold))) {
          on_candidate(describe(run_t, run_max));
          next_event = next_event_ = event_time();
          run_max = 0.0;
          run_t = -1;
        }
        // Decisions only happen at known times (end of learning, end of the look-ahead,
        // silence), so the loop compares one index per sample instead of testing the state.
        if (t >= next_event) {
          decide(t);
          next_event = next_event_;
        }
      }
      lines_.advance(m);
      i += m;
    }
    n_ += n;
    last_x_ = x[n - 1];
    sum1_ = s1;
    sum2_ = s2;
    sum_hp_ = s3;
    sum_env_ = se;
    last_env_ = last_env;
    run_max_ = run_max;
    run_max_t_ = run_t;
    block_sum_ = block_sum;
    block_min_ = block_min;
    block_pos_ = block_pos;
  }

  // The median of eight blocks is robust to a burst; the last block alone follows a change of
  // noise within 1 s. The larger of the two is used, so the gate errs on the side of noise.
  void end_block(double sum, double minimum) {
    const double power = sum / static_cast<double>(block_);
    block_power_.push(power);
    broadband_ = std::max(block_power_.median(), power);
    block_mins_.push(minimum);
    floor_ = std::max(block_mins_.median(), minimum);
  }

  // The first sample index at which decide() has something to do in the current state.
  Eigen::Index event_time() const {
    if (!learned_) return learning_ - 1;
    if (has_pending_) return group_t_ + compete_ + hold_ + 1;
    // Silence: (t - last) > search_back_after_, with t - last an integer.
    const Eigen::Index last = have_last_ ? last_.t : 0;
    return last + static_cast<Eigen::Index>(std::floor(search_back_after_)) + 1;
  }

  void decide(Eigen::Index t) {
    if (!learned_) {
      if (t + 1 >= learning_) end_learning();
    } else if (has_pending_) {
      if (t - group_t_ > compete_ + hold_) {
        has_pending_ = false;
        accept(pending_);
      }
    } else if (static_cast<double>(have_last_ ? t - last_.t : t) > search_back_after_) {
      silence(t);
    }
    next_event_ = std::max(event_time(), t + 1);
  }

  // Recomputes the running sums from their windows (bounds the rounding drift of long streams).
  // Returned by value: passing the loop's sums by reference would pin them to memory.
  std::array<double, 4> resum(Eigen::Index t) const {
    double s1 = 0.0, s2 = 0.0, s3 = 0.0, se = 0.0;
    for (Eigen::Index k = 0; k < lp_len_; ++k) {
      s1 += lines_.at(kX, t - k);
      s2 += lines_.at(kLp1, t - k);
    }
    for (Eigen::Index k = 0; k < hp_len_; ++k) s3 += lines_.at(kLp, t - k);
    for (Eigen::Index k = 0; k < env_len_; ++k) {
      se += lines_.at(kBp, t - k) * lines_.at(kBp, t - k);
    }
    return {s1, s2, s3, se};
  }

  Candidate describe(Eigen::Index peak_t, double height) const {
    Candidate c;
    c.t = peak_t;
    c.height = height;
    double best = -1.0;
    Eigen::Index best_j = peak_t;
    for (Eigen::Index j = peak_t; j > peak_t - env_len_; --j) {
      const double v = lines_.at(kBp, j);
      if (std::abs(v) > best) {
        best = std::abs(v);
        best_j = j;
      }
      c.slope = std::max(c.slope, std::abs(v - lines_.at(kBp, j - 1)));
    }
    // Within [0, end_): the flush at finish() must not report a sample past the stream.
    c.r = std::min(std::max<Eigen::Index>(0, best_j - delay_), end_ - 1);
    return c;
  }

  void end_learning() {
    learned_ = true;
    double highest = 0.0;
    for (const Candidate& c : learning_candidates_) highest = std::max(highest, c.height);
    qrs_.push(highest);
    noise_.push(0.0);
    update_threshold();
    for (const Candidate& c : learning_candidates_) on_candidate(c);
    learning_candidates_.clear();
  }

  void update_threshold() {
    threshold_ = noise_.median() + params_.threshold_fraction * (qrs_.median() - noise_.median());
  }

  bool stands_out(const Candidate& c, double threshold) const {
    return c.height > threshold && (c.height > params_.min_floor_ratio * floor_ ||
                                    c.height > params_.min_band_ratio * broadband_);
  }

  bool is_t_wave(const Candidate& c) const {
    return have_last_ && c.t - last_.t < t_wave_ &&
           c.slope < params_.t_wave_slope_ratio * last_.slope;
  }

  void on_candidate(const Candidate& c) {
    if (!learned_) {
      if (learning_candidates_.size() < learning_candidates_.capacity()) {
        learning_candidates_.push_back(c);
      }
      return;
    }
    if (have_last_ && c.t - last_.t < refractory_) return;
    if (has_pending_) {
      if (c.t - group_t_ < compete_) {
        if (c.height > pending_.height) pending_ = c;
        return;
      }
      has_pending_ = false;
      accept(pending_);
      if (c.t - last_.t < refractory_) return;
    }
    if (stands_out(c, threshold_) && !is_t_wave(c)) {
      pending_ = c;
      has_pending_ = true;
      group_t_ = c.t;
    } else {
      noise_.push(c.height);
      update_threshold();
      store(c);
    }
  }

  void store(const Candidate& c) {
    if (n_stored_ < kStored) {
      stored_[n_stored_++] = c;
      return;
    }
    std::size_t lowest = 0;  // full: search-back takes the highest, so drop the lowest
    for (std::size_t k = 1; k < kStored; ++k) {
      if (stored_[k].height < stored_[lowest].height) lowest = k;
    }
    if (c.height > stored_[lowest].height) stored_[lowest] = c;
  }

  void accept(const Candidate c) {  // by value: it may live in stored_, which this compacts
    qrs_.push(c.height);
    if (have_last_) {
      rr_.push(static_cast<double>(c.t - last_.t));
      search_back_after_ =
          params_.search_back_factor * std::min(rr_.median(), static_cast<double>(max_rr_));
    }
    update_threshold();
    last_ = c;
    have_last_ = true;
    std::size_t kept = 0;
    for (std::size_t k = 0; k < n_stored_; ++k) {
      if (stored_[k].t > c.t + refractory_) stored_[kept++] = stored_[k];
    }
    n_stored_ = kept;
    sink_.push(c.r);
  }

  // No beat for search_back_after_: search back. After a longer silence (the search-back
  // horizon) re-learn, once per learning period: the QRS level becomes the highest candidate
  // seen within the horizon (or half the old level), and search back again. So an early
  // artefact or a drop in amplitude cannot lock the detector (the noise gate, which does not
  // depend on the QRS level, still keeps noise out). Hamilton's OSEA re-initialises likewise.
  void silence(Eigen::Index now) {
    if (n_stored_ > 0) search_back(now);
    const Eigen::Index since = have_last_ ? now - last_.t : now;
    if (since <= horizon_ || now - last_relearn_t_ < learning_) return;
    last_relearn_t_ = now;
    double highest = 0.0;
    for (std::size_t k = 0; k < n_stored_; ++k) {
      if (now - stored_[k].t <= horizon_) highest = std::max(highest, stored_[k].height);
    }
    if (highest > 0.0 && highest < qrs_.median()) {
      qrs_.clear();
      qrs_.push(highest);
    } else {
      qrs_.scale(0.5);
    }
    update_threshold();
    if (n_stored_ > 0) search_back(now);
  }

  void search_back(Eigen::Index now) {
    const double threshold = params_.search_back_fraction * threshold_;
    std::size_t best = kStored, kept = 0;
    for (std::size_t k = 0; k < n_stored_; ++k) {
      if (now - stored_[k].t > horizon_) continue;  // too old to report within the latency bound
      stored_[kept] = stored_[k];
      const Candidate& c = stored_[kept];
      if (stands_out(c, threshold) && !is_t_wave(c) &&
          (!have_last_ || c.t - last_.t >= refractory_) &&
          (best == kStored || c.height > stored_[best].height)) {
        best = kept;
      }
      ++kept;
    }
    n_stored_ = kept;
    if (best < kStored) accept(stored_[best]);
  }

  // Parameters and derived sizes (samples).
  double fs_hz_ = 0.0;
  EcgadDetectorParams params_;
  Eigen::Index lp_len_ = 1, hp_len_ = 3, env_len_ = 2, hold_ = 1, refractory_ = 1, compete_ = 0;
  Eigen::Index t_wave_ = 0, block_ = 1, learning_ = 1, max_rr_ = 1, horizon_ = 1, delay_ = 0;
  double lp_norm_ = 1.0;

  // Filter state: delay lines (input, first low-pass boxcar, low-pass, band-pass), running sums.
  enum Line : std::size_t { kX, kLp1, kLp, kBp };
  ecgad::detail::rpeaks::DelayLines<4> lines_;
  std::vector<double> envelope_;  // one block of the envelope, between the two passes
  double sum1_ = 0.0, sum2_ = 0.0, sum_hp_ = 0.0, sum_env_ = 0.0;

  // Stream state.
  Eigen::Index n_ = 0, end_ = 0;  // samples processed; stream length once finish() flushes
  bool finished_ = false;
  double x0_ = 0.0, last_x_ = 0.0, last_env_ = 0.0, run_max_ = 0.0;
  Eigen::VectorXd flush_;
  Eigen::Index run_max_t_ = -1;
  double block_sum_ = 0.0, block_min_ = 0.0, broadband_ = 0.0, floor_ = 0.0;
  Eigen::Index block_pos_ = 0;
  ecgad::detail::rpeaks::LastEightMedian block_power_, block_mins_, qrs_, noise_, rr_;
  bool learned_ = false;
  std::vector<Candidate> learning_candidates_;
  double threshold_ = 0.0, search_back_after_ = 0.0;
  bool have_last_ = false, has_pending_ = false;
  Candidate last_, pending_;
  Eigen::Index group_t_ = 0, last_relearn_t_ = 0, next_event_ = 0;
  std::array<Candidate, kStored> stored_{};
  std::size_t n_stored_ = 0;
  ecgad::detail::rpeaks::PeakSink sink_;
};

}  // namespace ecgad::signal
