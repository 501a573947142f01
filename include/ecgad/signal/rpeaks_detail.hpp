#pragma once
// Building blocks shared by the streaming R-peak detectors: fixed-size ring buffers, exact
// moving sums and the parameter checks. Everything here allocates in setup() only.

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::detail::rpeaks {

/// Sampling rates every detector accepts with its default parameters.
inline constexpr double kMinFsHz = 100.0;
inline constexpr double kMaxFsHz = 1000.0;

inline void require_fs(double fs_hz) {
  if (!(fs_hz >= kMinFsHz && fs_hz <= kMaxFsHz)) {
    throw InvalidArgument("fs_hz must be in [" + format_number(kMinFsHz) + ", " +
                          format_number(kMaxFsHz) + "] Hz for R-peak detection, got " +
                          format_number(fs_hz) + " (resample the signal first)");
  }
}

inline void require_duration(double value_s, double lo_s, double hi_s, const char* name) {
  if (!(value_s >= lo_s && value_s <= hi_s)) {
    throw InvalidArgument(std::string(name) + " must be in [" + format_number(lo_s) + ", " +
                          format_number(hi_s) + "] s, got " + format_number(value_s));
  }
}

inline void require_fraction(double value, double lo, double hi, const char* name) {
  if (!(value >= lo && value <= hi)) {
    throw InvalidArgument(std::string(name) + " must be in [" + format_number(lo) + ", " +
                          format_number(hi) + "], got " + format_number(value));
  }
}

/// A duration in seconds as a whole number of samples (at least `at_least`).
inline Eigen::Index samples_of(double seconds, double fs_hz, Eigen::Index at_least = 1) {
  return std::max<Eigen::Index>(at_least, static_cast<Eigen::Index>(std::lround(seconds * fs_hz)));
}

/// The last `capacity` values of a stream; at(k) is the value pushed k samples ago.
class History {
 public:
  void setup(Eigen::Index capacity) {
    buf_.assign(static_cast<std::size_t>(std::max<Eigen::Index>(capacity, 1)), 0.0);
    pos_ = 0;
  }
  void fill(double value) { std::fill(buf_.begin(), buf_.end(), value); }
  void push(double value) {
    buf_[pos_] = value;
    if (++pos_ == buf_.size()) pos_ = 0;
  }
  /// The value pushed `ago` samples before the latest one (0 = latest); ago < capacity.
  double at(Eigen::Index ago) const {
    const auto a = static_cast<std::size_t>(ago);
    return buf_[pos_ > a ? pos_ - 1 - a : pos_ + buf_.size() - 1 - a];
  }
  Eigen::Index capacity() const { return static_cast<Eigen::Index>(buf_.size()); }

 private:
  std::vector<double> buf_;
  std::size_t pos_ = 0;
};

/// Sum of the last `length` inputs. The running sum is updated by differences (so a constant
/// input leaves it bit-for-bit unchanged) and recomputed exactly once per `length` samples, so
/// rounding never accumulates and a window of zeros sums to exactly 0.
class MovingSum {
 public:
  void setup(Eigen::Index length) {
    buf_.assign(static_cast<std::size_t>(std::max<Eigen::Index>(length, 1)), 0.0);
    pos_ = 0;
    sum_ = 0.0;
  }
  void fill(double value) {
    std::fill(buf_.begin(), buf_.end(), value);
    resum();
  }
  double push(double x) {
    const double old = buf_[pos_];
    buf_[pos_] = x;
    sum_ += x - old;
    if (++pos_ == buf_.size()) {
      pos_ = 0;
      resum();
    }
    return sum_;
  }
  double sum() const { return sum_; }
  Eigen::Index length() const { return static_cast<Eigen::Index>(buf_.size()); }

 private:
  // Always the same summation order, so a constant window always gives the same bits.
  void resum() {
    double exact = 0.0;
    for (double v : buf_) exact += v;
    sum_ = exact;
  }

  std::vector<double> buf_;
  std::size_t pos_ = 0;
  double sum_ = 0.0;
};

/// N delay lines that advance together, one position per sample. Each line is a linear buffer
/// holding the last `history` values behind the write position; when the buffer is full the
/// tail moves to the front (once per `block` samples). Compared with masked ring indexing this
/// keeps the per-sample path to plain base + offset loads. Positions never written read 0,
/// which is what a filter fed from rest expects.
template <std::size_t N>
class DelayLines {
 public:
  void setup(Eigen::Index history, Eigen::Index block = 2048) {
    history_ = std::max<Eigen::Index>(history, 1);
    size_ = history_ + std::max<Eigen::Index>(block, 1);
    for (auto& line : lines_) line.assign(static_cast<std::size_t>(size_), 0.0);
    clear();
  }
  void clear() {
    for (auto& line : lines_) std::fill(line.begin(), line.end(), 0.0);
    pos_ = history_;
    base_ = -history_;
  }
  /// Pointer to line k at the current write position (negative offsets reach the history).
  double* at_position(std::size_t k) { return lines_[k].data() + pos_; }
  /// Samples that fit before the next wrap().
  Eigen::Index room() const { return size_ - pos_; }
  void advance(Eigen::Index m) { pos_ += m; }
  void wrap() {
    for (auto& line : lines_) {
      std::copy(line.end() - history_, line.end(), line.begin());
    }
    base_ += pos_ - history_;
    pos_ = history_;
  }
  /// Line k at absolute sample t (within the history behind the samples written so far).
  double at(std::size_t k, Eigen::Index t) const {
    return lines_[k][static_cast<std::size_t>(t - base_)];
  }

 private:
  std::array<std::vector<double>, N> lines_;
  Eigen::Index history_ = 1, size_ = 2, pos_ = 1, base_ = -1;  // base_: sample at position 0
};

/// The last (up to) eight values pushed and their median (Hamilton & Tompkins' detection
/// levels). The median is recomputed on each push, which happens a few times per second.
class LastEightMedian {
 public:
  void clear() {
    n_ = pos_ = 0;
    median_ = 0.0;
  }
  void push(double v) {
    values_[pos_] = v;
    pos_ = (pos_ + 1) % values_.size();
    n_ = std::min(n_ + 1, values_.size());
    update();
  }
  void scale(double factor) {
    for (std::size_t k = 0; k < n_; ++k) values_[k] *= factor;
    update();
  }
  std::size_t size() const { return n_; }
  double median() const { return median_; }

 private:
  void update() {
    // Insertion sort of at most eight values (std::sort on a partial std::array trips GCC 12's
    // -Warray-bounds).
    std::array<double, 8> sorted{};
    for (std::size_t i = 0; i < n_; ++i) {
      std::size_t j = i;
      for (; j > 0 && sorted[j - 1] > values_[i]; --j) sorted[j] = sorted[j - 1];
      sorted[j] = values_[i];
    }
    median_ = n_ % 2 ? sorted[n_ / 2] : 0.5 * (sorted[n_ / 2 - 1] + sorted[n_ / 2]);
  }
  std::array<double, 8> values_{};
  std::size_t n_ = 0, pos_ = 0;
  double median_ = 0.0;
};

/// Peaks found during one process() call: capacity is reserved once, so the per-sample path
/// only writes into it (a chunk holding more beats than the reserve grows it geometrically).
class PeakSink {
 public:
  void setup(std::size_t reserve) {
    peaks_.clear();
    peaks_.reserve(reserve);
  }
  void clear() { peaks_.clear(); }
  void push(Eigen::Index sample) { peaks_.push_back(sample); }
  const std::vector<Eigen::Index>& peaks() const { return peaks_; }

 private:
  std::vector<Eigen::Index> peaks_;
};

}  // namespace ecgad::detail::rpeaks
