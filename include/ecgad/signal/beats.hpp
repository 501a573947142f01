#pragma once
// Beat segmentation: one fixed-length window per R peak, resampled to L points, with the RR
// features that go with it, offline (segment_beats) and streaming (BeatSegmenter).
//
// The window is [peak - before_s, peak + after_s) on a grid of L points spaced
// (before_s + after_s) / L apart, so the R peak falls on column L * before_s / (before_s +
// after_s) when that is an integer (column 50 with the defaults). Each grid point is linearly
// interpolated between the two signal samples around it (numpy.interp on the window's time
// grid). Linear interpolation does not low-pass: the signal should already be band-limited below
// the grid's Nyquist rate L / (2 (before_s + after_s)) (100 Hz with the defaults), which the
// usual 0.5-40 Hz cleaning guarantees. Beats whose window reaches past either end of the signal
// are dropped and counted, never padded.
//
// Defaults: 0.25 s before and 0.45 s after the R peak, L = 140. The P wave starts at most
// ~0.2 s before R (PR interval <= 0.2 s, R ~0.04 s after QRS onset) and the T wave ends ~0.4 s
// after R at 60-80 bpm (QT 0.36-0.44 s), so 0.7 s holds one whole P-QRS-T; 140 points is the
// beat length of the UCR ECG5000 set (Chen et al. 2015, from BIDMC chf07 at 250 Hz), so models
// and tools built for it apply unchanged; 140 points over 0.7 s is a 200 Hz grid.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/signal/ring.hpp"

namespace ecgad::signal {

/// Beats, one per row (N x L, row-major float), as everywhere in ecgad.
using BeatMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// Sample indices (R peaks): int64 on every 64-bit platform, so numpy int64 arrays map to it.
using IndexVector = Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1>;

/// How beats are cut. Defaults: see the file comment.
struct BeatConfig {
  double before_s = 0.25;  ///< window start before the R peak, >= 0 s
  double after_s = 0.45;   ///< window end after the R peak, >= 0 s (before_s + after_s > 0)
  Eigen::Index length = 140;  ///< L: points per beat, >= 2
  /// Local heart rate = 60 / median of the last `hr_window_beats` RR intervals ending at the
  /// beat (its own RR-before and the ones before it), >= 1. A median of 8 ignores one or two
  /// ectopic intervals, and only past intervals are used so a stream needs no look-ahead.
  Eigen::Index hr_window_beats = 8;
};

/// Segmented beats and what traces each back to its record and time.
struct Beats {
  BeatMatrix beats;           ///< N x L, float
  IndexVector sample_index;   ///< R-peak sample of each beat (index into the signal)
  IndexVector peak_number;    ///< position of that peak in the peak list (e.g. to fetch labels)
  /// Seconds from the previous peak (in the peak list, even if its beat was dropped); NaN for
  /// the first peak, which has none.
  Eigen::VectorXd rr_before_s;
  Eigen::VectorXd rr_after_s;    ///< seconds to the next peak; NaN for the last peak
  Eigen::VectorXd local_hr_bpm;  ///< see BeatConfig::hr_window_beats; NaN for the first peak
  Eigen::Index dropped_at_start = 0;  ///< peaks whose window starts before sample 0
  Eigen::Index dropped_at_end = 0;    ///< peaks whose window ends after the last sample

  Eigen::Index size() const noexcept { return beats.rows(); }
};

namespace detail {

// The resampling grid relative to the peak: column j reads samples peak + base[j] and
// peak + base[j] + 1 with weight frac[j] on the second. Integer and fractional parts are split
// here, once, so every beat at every peak index uses the same arithmetic (offline and streaming
// results are bit-identical, and large sample indices lose no precision).
struct BeatGrid {
  std::vector<Eigen::Index> base;
  std::vector<double> frac;
  Eigen::Index first_offset = 0;  // earliest sample the window reads, relative to the peak
  Eigen::Index last_offset = 0;   // latest sample the window reads, relative to the peak
  Eigen::Index length() const { return static_cast<Eigen::Index>(base.size()); }
};

/// Largest beat length L accepted (points); the runtime's kMaxLength.
inline constexpr Eigen::Index kMaxBeatLength = Eigen::Index{1} << 24;

inline void validate_beat_config(double fs_hz, const BeatConfig& c) {
  require_positive(fs_hz, "fs_hz");
  if (!(c.before_s >= 0.0) || !std::isfinite(c.before_s)) {
    throw InvalidArgument("before_s must be a finite number >= 0 s, got " +
                          format_number(c.before_s));
  }
  if (!(c.after_s >= 0.0) || !std::isfinite(c.after_s)) {
    throw InvalidArgument("after_s must be a finite number >= 0 s, got " +
                          format_number(c.after_s));
  }
  if (!(c.before_s + c.after_s > 0.0)) {
    throw InvalidArgument("before_s + after_s must be > 0 s, got before_s = " +
                          format_number(c.before_s) + ", after_s = " + format_number(c.after_s));
  }
  if (c.length < 2) {
    throw InvalidArgument("beat length L must be >= 2 points, got " + std::to_string(c.length));
  }
  // A beat of 2^24 points is far beyond any model (runtime::kMaxLength); a larger L from a
  // config or bundle would only try to allocate L-sized grids and end in std::bad_alloc.
  if (c.length > kMaxBeatLength) {
    throw InvalidArgument("beat length L must be <= " + std::to_string(kMaxBeatLength) +
                          " points, got " + std::to_string(c.length));
  }
  if (c.hr_window_beats < 1) {
    throw InvalidArgument("hr_window_beats must be >= 1, got " +
                          std::to_string(c.hr_window_beats));
  }
  // A window of days would overflow the index arithmetic long before it made sense.
  if ((c.before_s + c.after_s) * fs_hz > 1e9) {
    throw InvalidArgument("beat window of " + format_number(c.before_s + c.after_s) + " s at " +
                          format_number(fs_hz) + " Hz exceeds 1e9 samples");
  }
}

inline BeatGrid make_beat_grid(double fs_hz, const BeatConfig& c) {
  validate_beat_config(fs_hz, c);
  const auto n = static_cast<std::size_t>(c.length);
  const double length = static_cast<double>(c.length);
  const double span_samples = fs_hz * (c.before_s + c.after_s);
  const double before_samples = fs_hz * c.before_s;
  BeatGrid g;
  g.base.resize(n);
  g.frac.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    double offset = (static_cast<double>(j) * span_samples - length * before_samples) / length;
    // Snap positions that rounding left a hair off an integer, so the R peak (and any grid point
    // that should) reads exactly one sample.
    const double nearest = std::round(offset);
    if (std::abs(offset - nearest) <= 1e-9 * std::max(1.0, std::abs(offset))) offset = nearest;
    const double whole = std::floor(offset);
    g.base[j] = static_cast<Eigen::Index>(whole);
    g.frac[j] = offset - whole;
  }
  g.first_offset = g.base.front();
  g.last_offset = g.base.back() + (g.frac.back() > 0.0 ? 1 : 0);
  return g;
}

// Resamples the window of the peak at `peak` into `row`; `at(i)` returns signal sample i.
template <typename SampleAt>
void resample_beat(const BeatGrid& g, Eigen::Index peak, const SampleAt& at, float* row) {
  const Eigen::Index n = g.length();
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto ju = static_cast<std::size_t>(j);
    const Eigen::Index i0 = peak + g.base[ju];
    const double f = g.frac[ju];
    const double x0 = at(i0);
    const double value = f > 0.0 ? x0 + f * (at(i0 + 1) - x0) : x0;
    row[j] = static_cast<float>(value);
  }
}

// Median of the RR intervals in `values` (reordered). Mean of the middle two for even counts.
inline double median_in_place(double* values, std::size_t count) {
  std::sort(values, values + count);
  const std::size_t mid = count / 2;
  return count % 2 == 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

// The last `capacity` RR intervals, for the local heart rate; allocation only in the constructor.
class RrHistory {
 public:
  explicit RrHistory(Eigen::Index capacity = 1)
      : ring_(static_cast<std::size_t>(capacity)), scratch_(ring_.size()) {}

  void clear() {
    count_ = 0;
    next_ = 0;
  }

  void push(double rr_s) {
    ring_[next_] = rr_s;
    next_ = (next_ + 1) % ring_.size();
    count_ = std::min(count_ + 1, ring_.size());
  }

  // 60 / median of the stored intervals; NaN when none is stored yet.
  double heart_rate_bpm() {
    if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
    // Copy in chronological order so the sort sees the same sequence whatever the ring phase.
    for (std::size_t k = 0; k < count_; ++k) {
      scratch_[k] = ring_[(next_ + ring_.size() - count_ + k) % ring_.size()];
    }
    return 60.0 / median_in_place(scratch_.data(), count_);
  }

 private:
  std::vector<double> ring_;
  std::vector<double> scratch_;
  std::size_t count_ = 0;
  std::size_t next_ = 0;
};

// Peaks must be sample indices >= 0, strictly increasing, and after `previous` (-1: none).
inline void require_increasing_peaks(const Eigen::Ref<const IndexVector>& peaks,
                                     Eigen::Index previous, const char* what) {
  for (Eigen::Index k = 0; k < peaks.size(); ++k) {
    const Eigen::Index p = peaks[k];
    if (p < 0) {
      throw InvalidArgument(std::string(what) + " must be sample indices >= 0, but peak " +
                            std::to_string(k) + " is " + std::to_string(p));
    }
    if (k > 0 && p <= peaks[k - 1]) {
      throw InvalidArgument(std::string(what) + " must be strictly increasing, but peak " +
                            std::to_string(k) + " (" + std::to_string(p) +
                            ") does not follow peak " + std::to_string(k - 1) + " (" +
                            std::to_string(peaks[k - 1]) + ")");
    }
    if (k == 0 && p <= previous) {
      throw InvalidArgument(std::string(what) + " must be strictly increasing over the stream, "
                            "but the new peak " + std::to_string(p) +
                            " does not follow the previous peak " + std::to_string(previous));
    }
  }
}

}  // namespace detail

/// Cuts one beat per R peak out of `signal` (sampled at fs_hz) and resamples it to
/// config.length points by linear interpolation on the window's time grid (numpy.interp);
/// see the file comment for the grid. `r_peaks` are sample indices, strictly increasing, inside
/// the signal. Beats whose window runs past an end are dropped and counted in the result.
/// RR intervals come from consecutive peaks of `r_peaks`, dropped or not.
inline Beats segment_beats(const Eigen::Ref<const Eigen::VectorXd>& signal, double fs_hz,
                           const Eigen::Ref<const IndexVector>& r_peaks,
                           const BeatConfig& config = {}) {
  const detail::BeatGrid grid = detail::make_beat_grid(fs_hz, config);
  detail::require_finite(signal, "signal");
  const Eigen::Index n = signal.size();
  detail::require_increasing_peaks(r_peaks, -1, "r_peaks");
  if (r_peaks.size() > 0 && r_peaks[r_peaks.size() - 1] >= n) {
    throw InvalidArgument("r_peaks must lie inside the signal of " + std::to_string(n) +
                          " samples, but the last peak is at sample " +
                          std::to_string(r_peaks[r_peaks.size() - 1]));
  }
  const Eigen::Index n_peaks = r_peaks.size();
  Eigen::Index first = 0;  // first peak whose window starts at or after sample 0
  while (first < n_peaks && r_peaks[first] + grid.first_offset < 0) ++first;
  Eigen::Index last = n_peaks;  // one past the last peak whose window ends inside the signal
  while (last > first && r_peaks[last - 1] + grid.last_offset > n - 1) --last;

  Beats out;
  const Eigen::Index count = last - first;
  out.dropped_at_start = first;
  out.dropped_at_end = n_peaks - last;
  out.beats.resize(count, config.length);
  out.sample_index.resize(count);
  out.peak_number.resize(count);
  out.rr_before_s.resize(count);
  out.rr_after_s.resize(count);
  out.local_hr_bpm.resize(count);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double* x = signal.data();
  const auto at = [x](Eigen::Index i) { return x[i]; };
  detail::RrHistory history(config.hr_window_beats);
  for (Eigen::Index k = 0; k < last; ++k) {
    const double rr_before =
        k == 0 ? nan : static_cast<double>(r_peaks[k] - r_peaks[k - 1]) / fs_hz;
    if (k > 0) history.push(rr_before);
    if (k < first) continue;
    const Eigen::Index row = k - first;
    detail::resample_beat(grid, r_peaks[k], at, out.beats.row(row).data());
    out.sample_index[row] = r_peaks[k];
    out.peak_number[row] = k;
    out.rr_before_s[row] = rr_before;
    out.rr_after_s[row] =
        k + 1 < n_peaks ? static_cast<double>(r_peaks[k + 1] - r_peaks[k]) / fs_hz : nan;
    out.local_hr_bpm[row] = history.heart_rate_bpm();
  }
  return out;
}

/// segment_beats() for peaks held in a std::vector (e.g. SyntheticEcg::r_peaks).
inline Beats segment_beats(const Eigen::Ref<const Eigen::VectorXd>& signal, double fs_hz,
                           const std::vector<Eigen::Index>& r_peaks,
                           const BeatConfig& config = {}) {
  const Eigen::Map<const IndexVector> peaks(r_peaks.data(),
                                            static_cast<Eigen::Index>(r_peaks.size()));
  return segment_beats(signal, fs_hz, peaks, config);
}

/// Streaming beat segmentation with the output of segment_beats(), whatever the chunking.
///
/// Push the signal in chunks together with the R peaks found so far (absolute sample indices,
/// strictly increasing over the whole stream). A peak may arrive in the same call as its sample
/// or later, by at most `max_peak_delay_s` (the detector's decision latency): a peak passed to
/// process() must not precede the samples pushed before that call by more than that delay, and
/// must not lie beyond the end of the chunk it comes with. The segmenter keeps only a ring of
/// max_peak_delay + window samples, so memory stays bounded for endless streams.
///
/// A beat is emitted once its window is complete and the next peak is known (for its RR-after),
/// so its latency is after_s or one RR interval plus the detector's delay, whichever is later.
/// flush() ends the stream: the last beat comes out with RR-after = NaN and beats whose window
/// never completed are counted in dropped_at_end, exactly as segment_beats() does at the end of
/// a signal. process() never allocates per sample; it allocates its result once per call.
class BeatSegmenter {
 public:
  BeatSegmenter() = default;
  explicit BeatSegmenter(double fs_hz, const BeatConfig& config = {},
                         double max_peak_delay_s = 1.0) {
    setup(fs_hz, config, max_peak_delay_s);
  }

  /// Sets the parameters, allocates the buffers and starts a new stream.
  void setup(double fs_hz, const BeatConfig& config = {}, double max_peak_delay_s = 1.0) {
    if (!(max_peak_delay_s >= 0.0) || !std::isfinite(max_peak_delay_s) ||
        max_peak_delay_s * fs_hz > 1e9) {
      throw InvalidArgument("max_peak_delay_s must be a finite number >= 0 s (and < 1e9 "
                            "samples), got " + detail::format_number(max_peak_delay_s));
    }
    grid_ = detail::make_beat_grid(fs_hz, config);
    config_ = config;
    fs_hz_ = fs_hz;
    max_delay_samples_ = static_cast<Eigen::Index>(std::ceil(max_peak_delay_s * fs_hz));
    // The ring must still hold a late peak's window start (delay - first_offset samples back)
    // and a whole window at the moment its last sample arrives.
    const Eigen::Index span = grid_.last_offset - grid_.first_offset + 1;
    capacity_ = std::max(max_delay_samples_ - grid_.first_offset, span) + 1;
    ring_.assign(static_cast<std::size_t>(capacity_), 0.0);
    window_.assign(static_cast<std::size_t>(span), 0.0);
    row_.resize(static_cast<std::size_t>(config.length));
    history_ = detail::RrHistory(config.hr_window_beats);
    is_setup_ = true;
    reset();
  }

  /// Starts a new stream (sample 0, no peaks), keeping the parameters.
  void reset() {
    require_setup();
    samples_seen_ = 0;
    peaks_seen_ = 0;
    last_peak_ = -1;
    pending_.clear();
    has_held_ = false;
    flushed_ = false;
    dropped_at_start_ = 0;
    dropped_at_end_ = 0;
    history_.clear();
  }

  /// Pushes the next chunk of samples and the peaks detected since the last call; returns the
  /// beats completed by this call (dropped_at_start counts this call's drops).
  Beats process(const Eigen::Ref<const Eigen::VectorXd>& chunk,
                const Eigen::Ref<const IndexVector>& new_peaks) {
    require_setup();
    if (flushed_) throw StateError("BeatSegmenter::process() after flush(); call reset() first");
    detail::require_finite(chunk, "signal chunk");
    detail::require_increasing_peaks(new_peaks, last_peak_, "peaks");
    const Eigen::Index end = samples_seen_ + chunk.size();
    if (new_peaks.size() > 0) {
      const Eigen::Index oldest = new_peaks[0];
      const Eigen::Index newest = new_peaks[new_peaks.size() - 1];
      if (newest >= end) {
        throw InvalidArgument("peak at sample " + std::to_string(newest) +
                              " lies beyond the samples received so far (" +
                              std::to_string(end) + "); pass peaks with or after their chunk");
      }
      if (oldest < samples_seen_ - max_delay_samples_) {
        throw InvalidArgument("peak at sample " + std::to_string(oldest) + " arrived " +
                              std::to_string(samples_seen_ - oldest) +
                              " samples late, more than max_peak_delay (" +
                              std::to_string(max_delay_samples_) + " samples)");
      }
    }
    Output out(config_.length);
    for (Eigen::Index k = 0; k < new_peaks.size(); ++k) add_peak(new_peaks[k], out);
    // Walk the chunk: push samples up to the end of each pending window, cut the beat, go on.
    Eigen::Index pushed = 0;
    while (!pending_.empty()) {
      const Eigen::Index needed = pending_.front().peak + grid_.last_offset + 1;  // samples
      if (needed > end) break;
      const Eigen::Index take = std::max<Eigen::Index>(0, needed - samples_seen_);
      push_samples(chunk.data() + pushed, take);
      pushed += take;
      cut_front(out);
    }
    push_samples(chunk.data() + pushed, chunk.size() - pushed);
    return out.finish(0);
  }

  /// process() for peaks held in a std::vector.
  Beats process(const Eigen::Ref<const Eigen::VectorXd>& chunk,
                const std::vector<Eigen::Index>& new_peaks) {
    const Eigen::Map<const IndexVector> peaks(new_peaks.data(),
                                              static_cast<Eigen::Index>(new_peaks.size()));
    return process(chunk, peaks);
  }

  /// Ends the stream: emits the held last beat (RR-after = NaN) and counts the beats whose
  /// window never completed as dropped_at_end. process() then needs reset().
  Beats flush() {
    require_setup();
    if (flushed_) throw StateError("BeatSegmenter::flush() called twice; call reset() first");
    Output out(config_.length);
    if (has_held_) {
      out.add(row_.data(), held_, std::numeric_limits<double>::quiet_NaN());
      has_held_ = false;
    }
    const auto dropped = static_cast<Eigen::Index>(pending_.size());
    dropped_at_end_ += dropped;
    pending_.clear();
    flushed_ = true;
    return out.finish(dropped);
  }

  double fs_hz() const noexcept { return fs_hz_; }
  const BeatConfig& config() const noexcept { return config_; }
  Eigen::Index samples_seen() const noexcept { return samples_seen_; }
  Eigen::Index peaks_seen() const noexcept { return peaks_seen_; }
  Eigen::Index max_peak_delay_samples() const noexcept { return max_delay_samples_; }
  /// Samples kept in the ring buffer (the segmenter's memory of the signal).
  Eigen::Index buffer_capacity_samples() const noexcept { return capacity_; }
  /// Beats dropped so far because their window started before sample 0.
  Eigen::Index dropped_at_start() const noexcept { return dropped_at_start_; }
  /// Beats dropped at flush() because their window never completed.
  Eigen::Index dropped_at_end() const noexcept { return dropped_at_end_; }
  bool is_setup() const noexcept { return is_setup_; }

 private:
  // A kept beat whose window has not completed yet (or, as held_, whose successor is unknown).
  struct PendingBeat {
    Eigen::Index peak = 0;
    Eigen::Index number = 0;
    double rr_before_s = 0.0;
    double local_hr_bpm = 0.0;
  };

  // Rows and fields of the beats completed during one call.
  class Output {
   public:
    explicit Output(Eigen::Index length) : length_(length) {}
    void add(const float* row, const PendingBeat& beat, double rr_after_s) {
      rows_.insert(rows_.end(), row, row + length_);
      peaks_.push_back(beat.peak);
      numbers_.push_back(beat.number);
      rr_before_.push_back(beat.rr_before_s);
      rr_after_.push_back(rr_after_s);
      hr_.push_back(beat.local_hr_bpm);
    }
    void count_dropped_at_start() { ++dropped_at_start_; }
    Beats finish(Eigen::Index dropped_at_end) const {
      Beats b;
      const auto n = static_cast<Eigen::Index>(peaks_.size());
      b.beats = Eigen::Map<const BeatMatrix>(rows_.data(), n, length_);
      b.sample_index = Eigen::Map<const IndexVector>(peaks_.data(), n);
      b.peak_number = Eigen::Map<const IndexVector>(numbers_.data(), n);
      b.rr_before_s = Eigen::Map<const Eigen::VectorXd>(rr_before_.data(), n);
      b.rr_after_s = Eigen::Map<const Eigen::VectorXd>(rr_after_.data(), n);
      b.local_hr_bpm = Eigen::Map<const Eigen::VectorXd>(hr_.data(), n);
      b.dropped_at_start = dropped_at_start_;
      b.dropped_at_end = dropped_at_end;
      return b;
    }

   private:
    Eigen::Index length_;
    Eigen::Index dropped_at_start_ = 0;
    std::vector<float> rows_;
    std::vector<Eigen::Index> peaks_, numbers_;
    std::vector<double> rr_before_, rr_after_, hr_;
  };

  void require_setup() const {
    if (!is_setup_) throw StateError("BeatSegmenter used before setup(fs_hz, ...)");
  }

  void add_peak(Eigen::Index peak, Output& out) {
    const double rr_before = last_peak_ < 0 ? std::numeric_limits<double>::quiet_NaN()
                                            : static_cast<double>(peak - last_peak_) / fs_hz_;
    if (last_peak_ >= 0) history_.push(rr_before);
    // The held beat is the latest peak so far and was waiting for exactly this interval; no
    // other beat is pending while one is held, so emitting it now keeps peak order.
    if (has_held_) {
      out.add(row_.data(), held_, rr_before);
      has_held_ = false;
    }
    const Eigen::Index number = peaks_seen_++;
    last_peak_ = peak;
    if (peak + grid_.first_offset < 0) {
      ++dropped_at_start_;
      out.count_dropped_at_start();
      return;
    }
    pending_.push_back({peak, number, rr_before, history_.heart_rate_bpm()});
  }

  // Cuts the oldest pending beat, whose window is complete in the ring. Its successor peak, when
  // known, is the next pending beat (windows complete in peak order and a later peak is never
  // dropped at the start); otherwise the beat is held until the next peak arrives.
  void cut_front(Output& out) {
    const PendingBeat beat = pending_.front();
    pending_.pop_front();
    // Read the window from one contiguous run: in place when it does not wrap around the ring,
    // else from a copy. Either way the values, and so the beat, are the offline ones.
    const Eigen::Index first = beat.peak + grid_.first_offset;
    const Eigen::Index span = grid_.last_offset - grid_.first_offset + 1;
    const Eigen::Index slot = first % capacity_;
    const double* run = ring_.data() + slot;
    if (slot + span > capacity_) {
      const auto head = static_cast<std::ptrdiff_t>(capacity_ - slot);
      std::copy(ring_.begin() + slot, ring_.end(), window_.begin());
      std::copy(ring_.begin(), ring_.begin() + (span - head), window_.begin() + head);
      run = window_.data();
    }
    const auto at = [run, first](Eigen::Index i) { return run[i - first]; };
    detail::resample_beat(grid_, beat.peak, at, row_.data());
    if (!pending_.empty()) {
      out.add(row_.data(), beat, static_cast<double>(pending_.front().peak - beat.peak) / fs_hz_);
    } else {
      held_ = beat;
      has_held_ = true;
    }
  }

  // Appends to the ring in at most two contiguous blocks (a modulo per sample costs more than
  // the whole segmentation).
  void push_samples(const double* x, Eigen::Index count) {
    detail::ring_write(ring_, samples_seen_, x, count);
    samples_seen_ += count;
  }

  detail::BeatGrid grid_;
  BeatConfig config_;
  double fs_hz_ = 0.0;
  Eigen::Index max_delay_samples_ = 0;
  Eigen::Index capacity_ = 0;
  std::vector<double> ring_;
  std::vector<double> window_;  // a window that wraps around the ring, unrolled
  std::vector<float> row_;  // the held beat, or scratch for the beat being cut
  detail::RrHistory history_;
  std::deque<PendingBeat> pending_;
  PendingBeat held_;
  bool has_held_ = false;
  bool flushed_ = false;
  bool is_setup_ = false;
  Eigen::Index samples_seen_ = 0;
  Eigen::Index peaks_seen_ = 0;
  Eigen::Index last_peak_ = -1;
  Eigen::Index dropped_at_start_ = 0;
  Eigen::Index dropped_at_end_ = 0;
};

}  // namespace ecgad::signal
