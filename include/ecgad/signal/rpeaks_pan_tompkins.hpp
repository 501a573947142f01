#pragma once
// The Pan-Tompkins QRS detector: J. Pan and W. J. Tompkins, "A real-time QRS detection
// algorithm", IEEE TBME 32(3):230-236, 1985 — as a streaming, chunk-size independent object.
//
// Pipeline (paper, Section II): band-pass 5-15 Hz made of the integer low-pass
// (1 - z^-6)^2 / (1 - z^-1)^2 and high-pass z^-16 - (1 - z^-32) / (32 (1 - z^-1)), the five-point
// derivative (2 + z^-1 - z^-3 - 2 z^-4) / 8T, squaring, and a 150 ms moving-window integrator.
// Decision rules (Section III): peaks of the integrated signal are classified with two adaptive
// threshold sets, one on the integrated signal (SPKI, NPKI, THRESHOLD I1/I2) and one on the
// band-passed signal (SPKF, NPKF, THRESHOLD F1/F2); a 200 ms refractory period; a peak within
// 360 ms of the previous QRS whose maximal slope is under half of that QRS's is a T wave; when no
// QRS arrives within 166% of RR AVERAGE2 the largest peak between the two thresholds is taken
// (search-back) with the faster signal-level update; the first thresholds are halved while the
// rhythm is irregular (the eight latest RR not all within 92-116% of RR AVERAGE2).
//
// Any sampling rate: every filter of the paper is a moving sum (boxcar) of a fixed duration at
// 200 Hz — low-pass: two 30 ms boxcars; high-pass: an 80 ms delay minus a 160 ms boxcar mean;
// derivative: taps 5 ms apart; integrator: 150 ms. A boxcar of duration D has its response zeros
// at k / D Hz whatever the sampling rate, so keeping the durations in seconds (rounded to whole
// samples) keeps the paper's magnitude responses: the 5-15 Hz pass band, the 11 Hz low-pass and
// 5 Hz high-pass corners. The derivative taps are max(1, round(fs / 200)) samples apart (at
// 100 Hz they are 10 ms apart instead of 5 ms, which only lowers its upper usable frequency to
// 25 Hz, above the pass band). Each stage's gain is normalised (unit DC gain for the low-pass,
// mV/s for the derivative), which leaves the threshold ratios unchanged.
//
// Deviations (documented in docs/rpeaks.md): (1) peaks of the integrated signal are found with
// Hamilton & Tompkins' rule (a local maximum is a peak once the signal falls below half of it
// or 95 ms pass), the paper only says "a change of direction within a predefined interval";
// (2) the learning phase initialises SPKI / SPKF to a third of the 2 s maximum and NPKI / NPKF
// to half the 2 s mean (the paper gives no formula); (3) RR AVERAGE2 is capped at max_rr_s
// (2 s) so that the search-back, and therefore the decision latency, is bounded; (4) the
// filters start in the steady state of the first sample, so a DC offset is no start-up step;
// (5) a noise gate: on white noise SPKI and NPKI converge and the paper's rules accept every
// other noise peak. A QRS must stand out of the integrated signal's floor (PEAKI > 100x the
// median of its 1 s minima) or carry band-pass power above the signal's broadband power
// (PEAKF^2 > 0.5x the median 1 s mean of the squared second difference); white noise fails
// both, an ECG passes the first at ordinary heart rates and the second up to 200 bpm; (6) the R
// peak reported is the largest |band-pass| sample of the integrator's window moved back by the
// band-pass delay (the paper marks detections on the integrated signal); (7) finish() holds the
// last sample for the filters' delay so that a beat at the very end of a signal is seen.

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

/// Parameters of PanTompkinsDetector, in seconds. Defaults: Pan & Tompkins 1985.
struct PanTompkinsParams {
  double refractory_s = 0.200;     ///< no QRS within this of the previous one
  double t_wave_window_s = 0.360;  ///< a candidate this close to the last QRS may be a T wave
  double learning_s = 2.0;         ///< learning phase 1: thresholds from this much signal
  double max_rr_s = 2.0;           ///< cap on RR AVERAGE2: search-back within 1.66 x max_rr_s
  /// Noise gate (deviation 5): PEAKI above min_floor_ratio x the integrated signal's floor, or
  /// PEAKF^2 above min_band_ratio x the signal's broadband power.
  double min_floor_ratio = 100.0;
  double min_band_ratio = 0.5;
  double noise_block_s = 1.0;  ///< block length of both noise estimates
};

/// Streaming Pan-Tompkins detector (IEEE TBME 32(3):230-236, 1985). Push chunks of any size;
/// each process() returns the R peaks decided during that call as absolute sample indices, in
/// increasing order, identical whatever the chunking. A peak is reported at most
/// latency_samples() after it occurred. setup() allocates; process() does not per sample.
class PanTompkinsDetector {
 public:
  PanTompkinsDetector() = default;
  explicit PanTompkinsDetector(double fs_hz, const PanTompkinsParams& params = {}) {
    setup(fs_hz, params);
  }

  /// Validates the parameters, sizes every buffer and clears the state.
  void setup(double fs_hz, const PanTompkinsParams& params = {}) {
    using namespace ecgad::detail::rpeaks;
    require_fs(fs_hz);
    require_duration(params.refractory_s, 0.1, 0.3, "refractory_s");
    require_duration(params.t_wave_window_s, params.refractory_s, 0.5,
                     "t_wave_window_s (at least refractory_s)");
    require_duration(params.learning_s, 0.5, 10.0, "learning_s");
    require_duration(params.max_rr_s, 1.0, 3.0, "max_rr_s");
    require_fraction(params.min_floor_ratio, 0.0, 1e6, "min_floor_ratio");
    require_fraction(params.min_band_ratio, 0.0, 1e6, "min_band_ratio");
    require_duration(params.noise_block_s, 0.2, 5.0, "noise_block_s");
    fs_hz_ = fs_hz;
    params_ = params;
    step_ = samples_of(0.005, fs_hz);
    lp_len_ = samples_of(0.030, fs_hz, 2);
    hp_len_ = samples_of(0.160, fs_hz, 2);
    hp_delay_ = hp_len_ / 2;
    mwi_len_ = samples_of(0.150, fs_hz, 2);
    hold_ = samples_of(0.095, fs_hz);
    refractory_ = samples_of(params.refractory_s, fs_hz);
    t_wave_ = samples_of(params.t_wave_window_s, fs_hz);
    learning_ = samples_of(params.learning_s, fs_hz);
    max_rr_ = samples_of(params.max_rr_s, fs_hz);
    block_ = samples_of(params.noise_block_s, fs_hz);
    bp_delay_ = (lp_len_ - 1) + hp_delay_;
    // Gains as reciprocals: three divisions per sample would cost more than the filters.
    inv_lp_ = 1.0 / static_cast<double>(lp_len_ * lp_len_);
    inv_hp_ = 1.0 / static_cast<double>(hp_len_);
    inv_mwi_ = 1.0 / static_cast<double>(mwi_len_);
    derivative_gain_ = fs_hz / (8.0 * static_cast<double>(step_));
    lp1_.setup(lp_len_);
    lp2_.setup(lp_len_);
    hp_sum_.setup(hp_len_);
    lp_hist_.setup(hp_delay_ + 1);
    // A peak is declared up to hold_ after its maximum; its QRS window reaches mwi_len_ + 2 step_
    // further back in the band-passed signal.
    bp_hist_.setup(hold_ + mwi_len_ + 4 * step_ + 2);
    d_hist_.setup(hold_ + mwi_len_ + 2);
    mwi_.setup(mwi_len_);
    learning_peaks_.clear();
    learning_peaks_.reserve(static_cast<std::size_t>(learning_ / 2 + 2));
    flush_samples_ = bp_delay_ + 2 * step_ + mwi_len_ + hold_ + 2;
    sink_.setup(64);
    reset();
  }

  /// Clears the state (as a new stream), keeping the parameters.
  void reset() {
    require_setup();
    n_ = 0;
    end_ = std::numeric_limits<Eigen::Index>::max();
    last_x_ = 0.0;
    finished_ = false;
    last_mwi_ = 0.0;
    run_max_ = 0.0;
    run_max_t_ = -1;
    learn_max_i_ = learn_sum_i_ = learn_max_f_ = learn_sum_f_ = 0.0;
    learning_peaks_.clear();
    learned_ = false;
    spki_ = npki_ = spkf_ = npkf_ = 0.0;
    have_qrs_ = false;
    last_qrs_t_ = 0;
    last_slope_ = 0.0;
    rr_count_ = rr_ok_count_ = 0;
    rr_pos_ = rr_ok_pos_ = 0;
    rr_all_.fill(0);
    rr_ok_.fill(0);
    n_candidates_ = 0;
    missed_limit_ = 0.0;
    block_sum_ = broadband_ = block_min_ = floor_ = 0.0;
    block_pos_ = -(bp_delay_ + 2 * step_ + mwi_len_);  // blocks start after the filters' warm-up
    block_power_.clear();
    block_mins_.clear();
    x1_ = x2_ = 0.0;
    sink_.clear();
  }

  /// Feeds the next samples (mV); returns the R peaks decided during this call.
  /// Throws InvalidArgument on NaN/Inf (before any state changes), StateError after finish().
  const std::vector<Eigen::Index>& process(const Eigen::Ref<const Eigen::VectorXd>& chunk) {
    require_setup();
    if (finished_) throw StateError("PanTompkinsDetector::process() after finish(); call reset()");
    ecgad::detail::require_finite(chunk, "signal chunk");
    sink_.clear();
    for (Eigen::Index i = 0; i < chunk.size(); ++i) push(chunk[i]);
    return sink_.peaks();
  }

  /// Ends the stream: flushes the filters by holding the last sample for their delay (so a beat
  /// at the very end is seen) and decides what a shorter-than-learning stream holds. Returns
  /// those peaks; reset() to reuse.
  const std::vector<Eigen::Index>& finish() {
    require_setup();
    sink_.clear();
    if (!finished_ && n_ > 0) {
      const Eigen::Index n = n_;
      end_ = n;
      for (Eigen::Index k = 0; k < flush_samples_; ++k) push(last_x_);
      n_ = n;
      if (!learned_) end_learning();
    }
    finished_ = true;
    return sink_.peaks();
  }

  /// Upper bound on (sample index at which a peak is reported) - (its sample index): the
  /// search-back window 1.66 * max_rr_s, or the learning phase, plus the filter and peak delays.
  Eigen::Index latency_samples() const {
    const Eigen::Index pipeline = bp_delay_ + 2 * step_ + mwi_len_ + hold_ + 2;
    const auto search_back =
        static_cast<Eigen::Index>(std::ceil(1.66 * static_cast<double>(max_rr_)));
    return std::max(search_back, learning_) + pipeline;
  }

  /// Delay of the band-passed signal behind the input, in samples (the paper's 25 + 80 ms).
  Eigen::Index filter_delay_samples() const { return bp_delay_; }
  Eigen::Index samples_processed() const { return n_; }
  double fs_hz() const { return fs_hz_; }
  const PanTompkinsParams& params() const { return params_; }
  bool is_setup() const { return fs_hz_ > 0.0; }

 private:
  struct Peak {
    Eigen::Index t = 0;   // sample index of the integrated-signal maximum
    Eigen::Index r = 0;   // R location: band-pass extremum moved back by the filter delay
    double peak_i = 0.0;  // PEAKI
    double peak_f = 0.0;  // PEAKF: largest |band-pass| in the peak's QRS window
    double slope = 0.0;   // largest |derivative| in that window
  };
  static constexpr std::size_t kRr = 8;           // the paper's eight RR intervals
  static constexpr std::size_t kCandidates = 32;  // noise peaks kept for search-back

  void require_setup() const {
    if (!is_setup()) throw StateError("PanTompkinsDetector used before setup(fs_hz)");
  }

  void prime(double x0) {
    // Steady state of a stream that has always been x0: no start-up step for a DC offset.
    lp1_.fill(x0);
    lp2_.fill(lp1_.sum());
    const double lp = lp2_.sum() * inv_lp_;
    lp_hist_.fill(lp);
    hp_sum_.fill(lp);
    bp_hist_.fill(lp - hp_sum_.sum() * inv_hp_);
    d_hist_.fill(0.0);
    mwi_.fill(0.0);
  }

  void push(double x) {
    if (n_ == 0) prime(x);
    last_x_ = x;
    const Eigen::Index t = n_++;
    const double lp = lp2_.push(lp1_.push(x)) * inv_lp_;
    lp_hist_.push(lp);
    const double hp = lp_hist_.at(hp_delay_) - hp_sum_.push(lp) * inv_hp_;
    bp_hist_.push(hp);
    // Differences first: exactly 0 for a constant input.
    const double d = (2.0 * (bp_hist_.at(0) - bp_hist_.at(4 * step_)) +
                      (bp_hist_.at(step_) - bp_hist_.at(3 * step_))) *
                     derivative_gain_;
    d_hist_.push(d);
    const double m = mwi_.push(d * d) * inv_mwi_;

    if (!learned_) {
      learn_max_i_ = std::max(learn_max_i_, m);
      learn_sum_i_ += m;
      learn_max_f_ = std::max(learn_max_f_, std::abs(hp));
      learn_sum_f_ += std::abs(hp);
    }
    track_noise(x, m);
    find_peak(m, t);
    last_mwi_ = m;
    if (!learned_) {
      if (n_ >= learning_) end_learning();
      return;
    }
    search_back(t);
  }

  // Noise estimates over blocks: the integrated signal's minimum (its floor between beats) and
  // the input's mean squared second difference (broadband power), medians of the last eight
  // blocks. (Samples before the first are taken equal to it, as in prime().)
  void track_noise(double x, double m) {
    if (n_ == 1) x1_ = x2_ = x;
    const double d2 = (x - x1_) - (x1_ - x2_);
    x2_ = x1_;
    x1_ = x;
    if (block_pos_ >= 0) {
      block_sum_ += d2 * d2;
      block_min_ = block_pos_ == 0 ? m : std::min(block_min_, m);
    }
    if (++block_pos_ == block_) {
      block_pos_ = 0;
      block_power_.push(block_sum_ / static_cast<double>(block_));
      broadband_ = block_power_.median();
      block_mins_.push(block_min_);
      floor_ = block_mins_.median();
      block_sum_ = 0.0;
    }
  }

  bool not_noise(const Peak& p) const {
    return p.peak_i > params_.min_floor_ratio * floor_ ||
           p.peak_f * p.peak_f > params_.min_band_ratio * broadband_;
  }

  // Hamilton & Tompkins' peak rule on the integrated signal, written with selects: the ups and
  // downs of the signal are data-dependent and would mispredict as branches. (run_max_ >= 0,
  // so a sample that does not rise offers 0 and leaves the maximum as it is.)
  void find_peak(double m, Eigen::Index t) {
    const double offer = m > last_mwi_ ? m : 0.0;
    const double new_max = std::max(run_max_, offer);
    const bool rising = new_max > run_max_;
    run_max_ = new_max;
    run_max_t_ = rising ? t : run_max_t_;
    if (!rising & (run_max_t_ >= 0) & ((m < 0.5 * run_max_) | (t - run_max_t_ > hold_))) {
      on_peak(describe(run_max_t_, run_max_, t));
      run_max_ = 0.0;
      run_max_t_ = -1;
    }
  }

  Peak describe(Eigen::Index peak_t, double peak_i, Eigen::Index now) const {
    Peak p;
    p.t = peak_t;
    p.peak_i = peak_i;
    // Integrator window [peak_t - mwi_len_ + 1, peak_t] of derivative samples, centred 2 step_
    // after the band-pass samples they difference.
    const Eigen::Index ago0 = now - peak_t;
    Eigen::Index best_j = peak_t - 2 * step_;
    for (Eigen::Index a = 0; a < mwi_len_; ++a) {
      p.slope = std::max(p.slope, std::abs(d_hist_.at(ago0 + a)));
      const Eigen::Index j = peak_t - 2 * step_ - a;  // band-pass sample index
      if (j < bp_delay_) break;                        // would map before the first sample
      const double v = std::abs(bp_hist_.at(ago0 + 2 * step_ + a));
      if (v > p.peak_f) {
        p.peak_f = v;
        best_j = j;
      }
    }
    // Within [0, end_): the flush at finish() must not report a sample past the stream.
    p.r = std::min(std::max<Eigen::Index>(0, best_j - bp_delay_), end_ - 1);
    return p;
  }

  void end_learning() {
    const auto count = static_cast<double>(std::min(n_, learning_));
    spki_ = learn_max_i_ / 3.0;
    npki_ = 0.5 * learn_sum_i_ / count;
    spkf_ = learn_max_f_ / 3.0;
    npkf_ = 0.5 * learn_sum_f_ / count;
    learned_ = true;
    for (const Peak& p : learning_peaks_) classify(p);
    learning_peaks_.clear();
  }

  void on_peak(const Peak& p) {
    if (!learned_) {
      if (learning_peaks_.size() < learning_peaks_.capacity()) learning_peaks_.push_back(p);
      return;
    }
    classify(p);
  }

  double rr_average(const std::array<Eigen::Index, kRr>& rr, std::size_t count) const {
    if (count == 0) return 0.0;
    double sum = 0.0;
    for (std::size_t k = 0; k < count; ++k) sum += static_cast<double>(rr[k]);
    return sum / static_cast<double>(count);
  }
  double rr_average2() const {
    return std::min(rr_average(rr_ok_, rr_ok_count_), static_cast<double>(max_rr_));
  }

  // Regular: each of the most recent (up to eight) RR lies within 92-116% of RR AVERAGE2.
  bool regular() const {
    const double avg2 = rr_average2();
    if (avg2 <= 0.0) return true;
    for (std::size_t k = 0; k < rr_count_; ++k) {
      const auto rr = static_cast<double>(rr_all_[k]);
      if (rr < 0.92 * avg2 || rr > 1.16 * avg2) return false;
    }
    return true;
  }

  void thresholds(double& i1, double& f1) const {
    i1 = npki_ + 0.25 * (spki_ - npki_);
    f1 = npkf_ + 0.25 * (spkf_ - npkf_);
    if (!regular()) {
      i1 *= 0.5;
      f1 *= 0.5;
    }
  }

  void classify(const Peak& p) {
    if (have_qrs_ && p.t - last_qrs_t_ < refractory_) return;
    double i1 = 0.0, f1 = 0.0;
    thresholds(i1, f1);
    const bool stands_out = not_noise(p);
    if (p.peak_i > i1 && p.peak_f > f1 && stands_out) {
      const bool t_wave =
          have_qrs_ && p.t - last_qrs_t_ < t_wave_ && p.slope < 0.5 * last_slope_;
      if (!t_wave) {
        spki_ = 0.125 * p.peak_i + 0.875 * spki_;
        spkf_ = 0.125 * p.peak_f + 0.875 * spkf_;
        accept(p);
        return;
      }
    }
    npki_ = 0.125 * p.peak_i + 0.875 * npki_;
    npkf_ = 0.125 * p.peak_f + 0.875 * npkf_;
    keep_candidate(p);
  }

  void keep_candidate(const Peak& p) {
    if (!have_qrs_) return;  // search-back needs a previous QRS and an RR average
    if (n_candidates_ < kCandidates) {
      candidates_[n_candidates_++] = p;
      return;
    }
    // Full: replace the smallest, since search-back takes the largest.
    std::size_t smallest = 0;
    for (std::size_t k = 1; k < kCandidates; ++k) {
      if (candidates_[k].peak_i < candidates_[smallest].peak_i) smallest = k;
    }
    if (p.peak_i > candidates_[smallest].peak_i) candidates_[smallest] = p;
  }

  void accept(const Peak& p) {
    if (have_qrs_) {
      const Eigen::Index rr = p.t - last_qrs_t_;
      const double avg2 = rr_average2();
      rr_all_[rr_pos_] = rr;
      rr_pos_ = (rr_pos_ + 1) % kRr;
      rr_count_ = std::min(rr_count_ + 1, kRr);
      const auto rr_d = static_cast<double>(rr);
      if (avg2 <= 0.0 || (rr_d >= 0.92 * avg2 && rr_d <= 1.16 * avg2)) {
        rr_ok_[rr_ok_pos_] = rr;
        rr_ok_pos_ = (rr_ok_pos_ + 1) % kRr;
        rr_ok_count_ = std::min(rr_ok_count_ + 1, kRr);
      }
      // Regular rhythm: RR AVERAGE2 = RR AVERAGE1 (the paper's rule).
      if (rr_count_ == kRr && regular()) {
        rr_ok_ = rr_all_;
        rr_ok_count_ = rr_count_;
        rr_ok_pos_ = rr_pos_;
      }
    }
    missed_limit_ = 1.66 * rr_average2();  // RR MISSED LIMIT, cached for the per-sample test
    have_qrs_ = true;
    last_qrs_t_ = p.t;
    last_slope_ = p.slope;
    // Candidates before the new QRS (plus refractory) are no longer search-back material.
    std::size_t kept = 0;
    for (std::size_t k = 0; k < n_candidates_; ++k) {
      if (candidates_[k].t > p.t + refractory_) candidates_[kept++] = candidates_[k];
    }
    n_candidates_ = kept;
    sink_.push(p.r);
  }

  void search_back(Eigen::Index now) {
    while (have_qrs_ && rr_ok_count_ > 0 && n_candidates_ > 0 &&
           static_cast<double>(now - last_qrs_t_) > missed_limit_) {
      double i1 = 0.0, f1 = 0.0;
      thresholds(i1, f1);
      const double i2 = 0.5 * i1, f2 = 0.5 * f1;
      std::size_t best = kCandidates;
      for (std::size_t k = 0; k < n_candidates_; ++k) {
        const Peak& c = candidates_[k];
        if (c.peak_i > i2 && c.peak_f > f2 && not_noise(c) &&
            (best == kCandidates || c.peak_i > candidates_[best].peak_i)) {
          best = k;
        }
      }
      if (best == kCandidates) {
        n_candidates_ = 0;
        return;
      }
      const Peak c = candidates_[best];
      spki_ = 0.25 * c.peak_i + 0.75 * spki_;
      spkf_ = 0.25 * c.peak_f + 0.75 * spkf_;
      accept(c);
    }
  }

  // Parameters and derived sizes (samples).
  double fs_hz_ = 0.0;
  PanTompkinsParams params_;
  Eigen::Index step_ = 1, lp_len_ = 2, hp_len_ = 2, hp_delay_ = 1, mwi_len_ = 2, hold_ = 1;
  Eigen::Index refractory_ = 1, t_wave_ = 1, learning_ = 1, max_rr_ = 1, bp_delay_ = 0, block_ = 1;
  double inv_lp_ = 1.0, inv_hp_ = 1.0, inv_mwi_ = 1.0, derivative_gain_ = 1.0;
  double missed_limit_ = 0.0;

  // Filters.
  ecgad::detail::rpeaks::MovingSum lp1_, lp2_, hp_sum_, mwi_;
  ecgad::detail::rpeaks::History lp_hist_, bp_hist_, d_hist_;

  // Stream state.
  Eigen::Index n_ = 0, end_ = 0;  // samples processed; stream length once finish() flushes
  Eigen::Index flush_samples_ = 0;
  double last_x_ = 0.0;
  bool finished_ = false;
  double last_mwi_ = 0.0, run_max_ = 0.0;
  Eigen::Index run_max_t_ = -1;
  double learn_max_i_ = 0.0, learn_sum_i_ = 0.0, learn_max_f_ = 0.0, learn_sum_f_ = 0.0;
  std::vector<Peak> learning_peaks_;
  bool learned_ = false;
  double spki_ = 0.0, npki_ = 0.0, spkf_ = 0.0, npkf_ = 0.0;
  bool have_qrs_ = false;
  Eigen::Index last_qrs_t_ = 0;
  double last_slope_ = 0.0;
  std::array<Eigen::Index, kRr> rr_all_{}, rr_ok_{};
  std::size_t rr_count_ = 0, rr_ok_count_ = 0, rr_pos_ = 0, rr_ok_pos_ = 0;
  std::array<Peak, kCandidates> candidates_{};
  std::size_t n_candidates_ = 0;
  double block_sum_ = 0.0, broadband_ = 0.0, block_min_ = 0.0, floor_ = 0.0, x1_ = 0.0, x2_ = 0.0;
  Eigen::Index block_pos_ = 0;
  ecgad::detail::rpeaks::LastEightMedian block_power_, block_mins_;
  ecgad::detail::rpeaks::PeakSink sink_;
};

}  // namespace ecgad::signal
