#pragma once
// The ring buffer write shared by the streaming objects that keep the last samples of a stream
// (BeatSegmenter, QualityAssessor): stream sample t lives in slot t % size.

#include <algorithm>
#include <vector>

#include <Eigen/Core>

namespace ecgad::signal::detail {

/// Writes x[0..count) as stream samples first, first + 1, ... into `ring` (slot = sample % size),
/// in at most two contiguous copies (a modulo per sample would cost more than the work the
/// streaming objects do per sample); when count exceeds the ring only the last size() are kept.
inline void ring_write(std::vector<double>& ring, Eigen::Index first, const double* x,
                       Eigen::Index count) {
  const auto cap = static_cast<Eigen::Index>(ring.size());
  if (count > cap) {
    x += count - cap;
    first += count - cap;
    count = cap;
  }
  const Eigen::Index slot = first % cap;
  const Eigen::Index head = std::min(count, cap - slot);
  std::copy(x, x + head, ring.begin() + slot);
  std::copy(x + head, x + count, ring.begin());
}

}  // namespace ecgad::signal::detail
