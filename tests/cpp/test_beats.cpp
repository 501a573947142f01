// Beat segmentation: the resampling grid (exact positions, linear interpolation), edge drops,
// RR features and local heart rate, the streaming segmenter's equality with the offline one
// whatever the chunking and peak delay, and every bad input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/synth.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;

namespace {

constexpr double kFs = 360.0;

sig::IndexVector peaks_of(std::initializer_list<Eigen::Index> values) {
  sig::IndexVector p(static_cast<Eigen::Index>(values.size()));
  Eigen::Index k = 0;
  for (Eigen::Index v : values) p[k++] = v;
  return p;
}

// Five minutes of ECGSYN at 360 Hz with HRV, and its exact R peaks.
const sig::SyntheticEcg& synthetic() {
  static const sig::SyntheticEcg ecg = [] {
    sig::EcgSynthConfig c;
    c.fs_hz = kFs;
    c.duration_s = 300.0;
    c.heart_rate_bpm = 72.0;
    c.heart_rate_std_bpm = 4.0;
    c.noise_mv = 0.01;
    c.seed = 7;
    return sig::ecgsyn(c);
  }();
  return ecg;
}

// Equality of two segmentations, NaN == NaN (bit-exact beats and features).
void expect_same_beats(const sig::Beats& a, const sig::Beats& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.beats.cols(), b.beats.cols());
  EXPECT_TRUE((a.beats.array() == b.beats.array()).all());
  EXPECT_TRUE((a.sample_index.array() == b.sample_index.array()).all());
  EXPECT_TRUE((a.peak_number.array() == b.peak_number.array()).all());
  const auto same = [](const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    }
    return x.size() == y.size();
  };
  EXPECT_TRUE(same(a.rr_before_s, b.rr_before_s));
  EXPECT_TRUE(same(a.rr_after_s, b.rr_after_s));
  EXPECT_TRUE(same(a.local_hr_bpm, b.local_hr_bpm));
  EXPECT_EQ(a.dropped_at_start, b.dropped_at_start);
  EXPECT_EQ(a.dropped_at_end, b.dropped_at_end);
}

// Appends `part` to `all` (the concatenation of a stream's outputs).
void append(sig::Beats& all, const sig::Beats& part) {
  all.dropped_at_start += part.dropped_at_start;
  all.dropped_at_end += part.dropped_at_end;
  if (part.size() == 0) return;
  const Eigen::Index n = all.size(), m = part.size();
  const Eigen::Index cols = part.beats.cols();
  sig::BeatMatrix beats(n + m, cols);
  if (n > 0) beats.topRows(n) = all.beats;
  if (m > 0) beats.bottomRows(m) = part.beats;
  all.beats = beats;
  const auto cat = [](auto& x, const auto& y) {
    auto z = x;
    z.resize(x.size() + y.size());
    z.head(x.size()) = x;
    z.tail(y.size()) = y;
    x = z;
  };
  cat(all.sample_index, part.sample_index);
  cat(all.peak_number, part.peak_number);
  cat(all.rr_before_s, part.rr_before_s);
  cat(all.rr_after_s, part.rr_after_s);
  cat(all.local_hr_bpm, part.local_hr_bpm);
}

// Streams `x` in chunks drawn from `sizes` (cycled), passing each peak `delay` samples after
// its sample has been pushed (as a detector with that latency would).
sig::Beats stream(const Eigen::VectorXd& x, const std::vector<Eigen::Index>& peaks,
                  const std::vector<Eigen::Index>& sizes, Eigen::Index delay,
                  const sig::BeatConfig& config = {}) {
  sig::BeatSegmenter seg(kFs, config, static_cast<double>(delay) / kFs + 0.01);
  sig::Beats all;
  all.beats.resize(0, config.length);
  std::size_t next_peak = 0, next_size = 0;
  Eigen::Index pos = 0;
  while (pos < x.size()) {
    const Eigen::Index m = std::min(sizes[next_size++ % sizes.size()], x.size() - pos);
    const Eigen::Index end = pos + m;
    std::vector<Eigen::Index> found;
    while (next_peak < peaks.size() && peaks[next_peak] + delay < end) {
      found.push_back(peaks[next_peak++]);
    }
    append(all, seg.process(x.segment(pos, m), found));
    pos = end;
  }
  // Peaks the detector confirms only at the end of the stream.
  std::vector<Eigen::Index> rest(peaks.begin() + static_cast<std::ptrdiff_t>(next_peak),
                                 peaks.end());
  append(all, seg.process(Eigen::VectorXd(0), rest));
  append(all, seg.flush());
  return all;
}

}  // namespace

TEST(Beats, GridPutsTheRPeakOnColumn50AndSpansTheWindow) {
  const auto g = sig::detail::make_beat_grid(kFs, {});
  ASSERT_EQ(g.length(), 140);
  // 0.7 s at 360 Hz = 252 samples over 140 points: 1.8 samples apart, R at 90 / 1.8 = 50.
  EXPECT_EQ(g.base[50], 0);
  EXPECT_EQ(g.frac[50], 0.0);
  EXPECT_EQ(g.first_offset, -90);
  EXPECT_EQ(g.base[0], -90);
  EXPECT_EQ(g.frac[0], 0.0);
  EXPECT_EQ(g.base[139], 160);  // -90 + 139 * 1.8 = 160.2
  EXPECT_NEAR(g.frac[139], 0.2, 1e-12);
  EXPECT_EQ(g.last_offset, 161);
  for (std::size_t j = 0; j < 140; ++j) {
    EXPECT_NEAR(static_cast<double>(g.base[j]) + g.frac[j], -90.0 + 1.8 * static_cast<double>(j),
                1e-9);
    EXPECT_GE(g.frac[j], 0.0);
    EXPECT_LT(g.frac[j], 1.0);
  }
}

TEST(Beats, LinearInterpolationIsExactOnARampAndMatchesTheGridPositions) {
  // x = 2 + 0.01 i: linear interpolation reproduces a ramp exactly at every grid position.
  const Eigen::Index n = 2000;
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = 2.0 + 0.01 * static_cast<double>(i);
  const auto peaks = peaks_of({500, 1000, 1500});
  const sig::Beats b = sig::segment_beats(x, kFs, peaks);
  ASSERT_EQ(b.size(), 3);
  for (Eigen::Index k = 0; k < 3; ++k) {
    for (Eigen::Index j = 0; j < 140; ++j) {
      const double pos = static_cast<double>(peaks[k]) - 90.0 + 1.8 * static_cast<double>(j);
      EXPECT_NEAR(b.beats(k, j), 2.0 + 0.01 * pos, 2e-6 * (2.0 + 0.01 * pos));
    }
    EXPECT_EQ(b.beats(k, 50), static_cast<float>(x[peaks[k]]));
  }
}

TEST(Beats, InterpolatesBetweenTheTwoNeighbouringSamples) {
  // Against an independent numpy.interp-style evaluation on a random signal, other grids too.
  std::mt19937_64 gen(3);
  std::normal_distribution<double> dist;
  Eigen::VectorXd x(3000);
  for (auto& v : x) v = dist(gen);
  for (const sig::BeatConfig c : {sig::BeatConfig{}, sig::BeatConfig{0.3, 0.5, 187, 8},
                                  sig::BeatConfig{0.0, 1.0, 2, 1}}) {
    for (const double fs : {360.0, 250.0, 1000.0}) {
      const auto peaks = peaks_of({1200, 1500});
      const sig::Beats b = sig::segment_beats(x, fs, peaks, c);
      ASSERT_EQ(b.size(), 2);
      ASSERT_EQ(b.beats.cols(), c.length);
      for (Eigen::Index k = 0; k < 2; ++k) {
        for (Eigen::Index j = 0; j < c.length; ++j) {
          const double t = -c.before_s + static_cast<double>(j) * (c.before_s + c.after_s) /
                                             static_cast<double>(c.length);
          const double pos = static_cast<double>(peaks[k]) + t * fs;
          const auto i0 = static_cast<Eigen::Index>(std::floor(pos));
          const double f = pos - std::floor(pos);
          const double expected = x[i0] + f * (x[i0 + 1] - x[i0]);
          EXPECT_NEAR(b.beats(k, j), expected, 1e-6 * (1.0 + std::abs(expected)))
              << "fs " << fs << " L " << c.length << " j " << j;
        }
      }
    }
  }
}

TEST(Beats, ResamplesASinusoidWithinTheLinearInterpolationBound) {
  // |error| <= h^2 / 8 max|x''| with h = 1 sample: (2 pi 5 / 360)^2 / 8 = 9.5e-4 for 5 Hz.
  Eigen::VectorXd x(3600);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    x[i] = std::sin(2.0 * M_PI * 5.0 * static_cast<double>(i) / kFs);
  }
  const sig::Beats b = sig::segment_beats(x, kFs, peaks_of({1000, 2000}));
  double worst = 0.0;
  for (Eigen::Index k = 0; k < 2; ++k) {
    for (Eigen::Index j = 0; j < 140; ++j) {
      const double t = static_cast<double>(b.sample_index[k]) / kFs - 0.25 +
                       static_cast<double>(j) * 0.005;
      const double expected = std::sin(2.0 * M_PI * 5.0 * t);
      worst = std::max(worst, std::abs(static_cast<double>(b.beats(k, j)) - expected));
    }
  }
  EXPECT_LT(worst, 9.6e-4);
  EXPECT_GT(worst, 1e-4);  // really interpolated, not sampled
}

TEST(Beats, DropsAndCountsBeatsRunningPastEitherEnd) {
  // Window reads samples peak - 90 .. peak + 161 at 360 Hz with the defaults.
  const Eigen::Index n = 1000;
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(n, 0.0, 1.0);
  const auto peaks = peaks_of({10, 89, 90, 500, 838, 839, 999});
  const sig::Beats b = sig::segment_beats(x, kFs, peaks);
  EXPECT_EQ(b.dropped_at_start, 2);
  EXPECT_EQ(b.dropped_at_end, 2);
  ASSERT_EQ(b.size(), 3);
  EXPECT_EQ(b.sample_index, peaks_of({90, 500, 838}));
  EXPECT_EQ(b.peak_number, peaks_of({2, 3, 4}));
  EXPECT_EQ(b.beats(0, 0), static_cast<float>(x[0]));  // window starts exactly at sample 0
  // RR intervals still see the dropped neighbours.
  EXPECT_DOUBLE_EQ(b.rr_before_s[0], 1.0 / kFs);
  EXPECT_DOUBLE_EQ(b.rr_after_s[2], 1.0 / kFs);
  // No peaks, or all dropped: an empty N x L matrix.
  const sig::Beats none = sig::segment_beats(x, kFs, sig::IndexVector());
  EXPECT_EQ(none.size(), 0);
  EXPECT_EQ(none.beats.cols(), 140);
  const sig::Beats all_dropped = sig::segment_beats(x, kFs, peaks_of({5, 995}));
  EXPECT_EQ(all_dropped.size(), 0);
  EXPECT_EQ(all_dropped.dropped_at_start, 1);
  EXPECT_EQ(all_dropped.dropped_at_end, 1);
}

TEST(Beats, RrIntervalsAndLocalHeartRateFollowTheirDefinitions) {
  // RR (samples): 360, 360, 180 (premature), 540 (compensatory pause), 360, 360.
  const auto peaks = peaks_of({400, 760, 1120, 1300, 1840, 2200, 2560});
  Eigen::VectorXd x = Eigen::VectorXd::Zero(3000);
  sig::BeatConfig c;
  c.hr_window_beats = 3;
  const sig::Beats b = sig::segment_beats(x, kFs, peaks, c);
  ASSERT_EQ(b.size(), 7);
  EXPECT_TRUE(std::isnan(b.rr_before_s[0]));
  EXPECT_TRUE(std::isnan(b.local_hr_bpm[0]));
  EXPECT_TRUE(std::isnan(b.rr_after_s[6]));
  const double rr[] = {1.0, 1.0, 0.5, 1.5, 1.0, 1.0};
  for (Eigen::Index k = 1; k < 7; ++k) {
    EXPECT_DOUBLE_EQ(b.rr_before_s[k], rr[k - 1]);
    EXPECT_DOUBLE_EQ(b.rr_after_s[k - 1], rr[k - 1]);
  }
  // 60 / median of the last <= 3 intervals ending at the beat.
  EXPECT_DOUBLE_EQ(b.local_hr_bpm[1], 60.0);   // {1}
  EXPECT_DOUBLE_EQ(b.local_hr_bpm[2], 60.0);   // {1, 1}
  EXPECT_DOUBLE_EQ(b.local_hr_bpm[3], 60.0);   // {1, 1, 0.5}: the premature beat is ignored
  EXPECT_DOUBLE_EQ(b.local_hr_bpm[4], 60.0);   // {1, 0.5, 1.5}
  EXPECT_DOUBLE_EQ(b.local_hr_bpm[5], 60.0);   // {0.5, 1.5, 1}
  EXPECT_DOUBLE_EQ(b.local_hr_bpm[6], 60.0);   // {1.5, 1, 1}
  c.hr_window_beats = 2;                       // even count: mean of the middle two
  const sig::Beats b2 = sig::segment_beats(x, kFs, peaks, c);
  EXPECT_DOUBLE_EQ(b2.local_hr_bpm[3], 60.0 / 0.75);  // {1, 0.5}
  EXPECT_DOUBLE_EQ(b2.local_hr_bpm[4], 60.0 / 1.0);   // {0.5, 1.5}
}

TEST(Beats, SyntheticBeatsAreAlignedOnTheRPeak) {
  const auto& e = synthetic();
  const sig::Beats b = sig::segment_beats(e.ecg_mv, e.fs_hz, e.r_peaks);
  EXPECT_EQ(b.size() + b.dropped_at_start + b.dropped_at_end,
            static_cast<Eigen::Index>(e.r_peaks.size()));
  EXPECT_GT(b.size(), 340);  // ~360 beats in 5 min at 72 bpm
  for (Eigen::Index k = 0; k < b.size(); ++k) {
    Eigen::Index arg = 0;
    b.beats.row(k).maxCoeff(&arg);
    EXPECT_EQ(arg, 50) << "beat " << k;
    EXPECT_EQ(b.beats(k, 50), static_cast<float>(e.ecg_mv[b.sample_index[k]]));
    EXPECT_NEAR(b.local_hr_bpm[k], 72.0, 12.0);
  }
  // RR intervals are the peak spacing in seconds, around the configured 72 bpm.
  for (Eigen::Index k = 1; k < b.size(); ++k) {
    const auto n = static_cast<std::size_t>(b.peak_number[k]);
    EXPECT_DOUBLE_EQ(b.rr_before_s[k],
                     static_cast<double>(e.r_peaks[n] - e.r_peaks[n - 1]) / kFs);
  }
  EXPECT_NEAR(b.rr_before_s.tail(b.size() - 1).mean(), 60.0 / 72.0, 0.02);
}

TEST(Beats, RejectsBadInput) {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(1000);
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300, 200})); }, "strictly increasing");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300, 300})); }, "strictly increasing");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({-1, 300})); },
                 ">= 0, but peak 0 is -1");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300, 1000})); }, "sample 1000");
  expect_invalid([&] { sig::segment_beats(x, 0.0, peaks_of({300})); }, "fs_hz");
  expect_invalid([&] { sig::segment_beats(x, std::nan(""), peaks_of({300})); }, "fs_hz");
  Eigen::VectorXd bad = x;
  bad[17] = std::numeric_limits<double>::infinity();
  expect_invalid([&] { sig::segment_beats(bad, kFs, peaks_of({300})); }, "element 17");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300}), {0.25, 0.45, 1, 8}); },
                 "L must be >= 2");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300}), {-0.1, 0.45, 140, 8}); },
                 "before_s");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300}), {0.25, NAN, 140, 8}); },
                 "after_s");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300}), {0.0, 0.0, 140, 8}); },
                 "before_s + after_s");
  expect_invalid([&] { sig::segment_beats(x, kFs, peaks_of({300}), {0.25, 0.45, 140, 0}); },
                 "hr_window_beats");
}

TEST(BeatSegmenter, EqualsOfflineWhateverTheChunkingAndPeakDelay) {
  const auto& e = synthetic();
  const sig::Beats offline = sig::segment_beats(e.ecg_mv, e.fs_hz, e.r_peaks);
  std::mt19937_64 gen(11);
  std::uniform_int_distribution<Eigen::Index> size(1, 2000);
  std::vector<Eigen::Index> random_sizes(200);
  for (auto& s : random_sizes) s = size(gen);
  const std::vector<std::vector<Eigen::Index>> chunkings = {
      {1}, {7}, {360}, {1000, 1, 13}, random_sizes, {e.ecg_mv.size()}};
  for (const auto& sizes : chunkings) {
    for (const Eigen::Index delay : {0, 1, 90, 400}) {
      SCOPED_TRACE("first chunk " + std::to_string(sizes[0]) + ", delay " +
                   std::to_string(delay));
      expect_same_beats(stream(e.ecg_mv, e.r_peaks, sizes, delay), offline);
    }
  }
}

TEST(BeatSegmenter, EqualsOfflineAtTheEdgesAndWithOtherGrids) {
  // Peaks hugging both ends (drops), a premature beat, and non-default grids and rates.
  Eigen::VectorXd x(2500);
  std::mt19937_64 gen(5);
  std::normal_distribution<double> dist;
  for (auto& v : x) v = dist(gen);
  const std::vector<Eigen::Index> peaks = {0, 3, 89, 90, 400, 580, 640, 1100, 2300, 2338, 2339,
                                           2499};
  for (const sig::BeatConfig c : {sig::BeatConfig{}, sig::BeatConfig{0.0, 0.3, 17, 1},
                                  sig::BeatConfig{0.6, 0.0, 33, 4}}) {
    const sig::Beats offline =
        sig::segment_beats(x, kFs, Eigen::Map<const sig::IndexVector>(peaks.data(), 12), c);
    for (const Eigen::Index chunk : {1, 5, 64, 2500}) {
      for (const Eigen::Index delay : {0, 200}) {
        expect_same_beats(stream(x, peaks, {chunk}, delay, c), offline);
      }
    }
  }
}

TEST(BeatSegmenter, HoldsABeatUntilTheNextPeakAndKeepsABoundedBuffer) {
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(3000, 0.0, 1.0);
  sig::BeatSegmenter seg(kFs, {}, 1.0);
  EXPECT_EQ(seg.max_peak_delay_samples(), 360);
  EXPECT_EQ(seg.buffer_capacity_samples(), 360 + 90 + 1);  // delay + samples before R + 1
  // Peak 500: its window ends at 661, but RR-after needs the next peak.
  sig::Beats out = seg.process(x.head(700), peaks_of({500}));
  EXPECT_EQ(out.size(), 0);
  out = seg.process(x.segment(700, 300), peaks_of({900}));
  ASSERT_EQ(out.size(), 1);  // the held beat comes out as soon as its successor is known
  EXPECT_EQ(out.sample_index[0], 500);
  EXPECT_DOUBLE_EQ(out.rr_after_s[0], 400.0 / kFs);
  out = seg.process(x.segment(1000, 100), sig::IndexVector());
  EXPECT_EQ(out.size(), 0);  // 900's window ends at 1061 but no successor yet
  out = seg.flush();
  ASSERT_EQ(out.size(), 1);
  EXPECT_TRUE(std::isnan(out.rr_after_s[0]));
  EXPECT_EQ(out.dropped_at_end, 0);
  EXPECT_EQ(seg.samples_seen(), 1100);
  EXPECT_EQ(seg.peaks_seen(), 2);
  // A long gap between peaks does not grow anything: only the held row and the ring remain.
  seg.reset();
  out = seg.process(x.head(400), peaks_of({200}));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(seg.process(Eigen::VectorXd::Zero(1000), sig::IndexVector()).size(), 0);
  }
  out = seg.process(Eigen::VectorXd::Zero(10), peaks_of({seg.samples_seen() - 5}));
  ASSERT_EQ(out.size(), 1);
  EXPECT_EQ(out.sample_index[0], 200);
  EXPECT_EQ(seg.dropped_at_start(), 0);
  out = seg.flush();
  EXPECT_EQ(out.size(), 0);
  EXPECT_EQ(out.dropped_at_end, 1);  // the last peak's window never completed
}

TEST(BeatSegmenter, ResetRestartsTheStream) {
  const auto& e = synthetic();
  sig::BeatSegmenter seg(kFs);
  const Eigen::Index n = 20 * 360;
  std::vector<Eigen::Index> peaks;
  for (Eigen::Index p : e.r_peaks) {
    if (p < n) peaks.push_back(p);
  }
  sig::Beats first;
  first.beats.resize(0, 140);
  append(first, seg.process(e.ecg_mv.head(n), peaks));
  append(first, seg.flush());
  seg.reset();
  sig::Beats second;
  second.beats.resize(0, 140);
  append(second, seg.process(e.ecg_mv.head(n), peaks));
  append(second, seg.flush());
  expect_same_beats(first, second);
  EXPECT_GT(first.size(), 15);
}

TEST(BeatSegmenter, RejectsLatePeaksFuturePeaksAndMisuse) {
  sig::BeatSegmenter unset;
  EXPECT_THROW(unset.process(Eigen::VectorXd::Zero(3), sig::IndexVector()), ecgad::StateError);
  EXPECT_THROW(unset.reset(), ecgad::StateError);
  sig::BeatSegmenter seg(kFs, {}, 0.5);  // 180 samples of delay
  seg.process(Eigen::VectorXd::Zero(1000), sig::IndexVector());
  expect_invalid([&] { seg.process(Eigen::VectorXd::Zero(10), peaks_of({819})); },
                 "more than max_peak_delay (180 samples)");
  expect_invalid([&] { seg.process(Eigen::VectorXd::Zero(10), peaks_of({1010})); },
                 "beyond the samples received");
  seg.process(Eigen::VectorXd::Zero(10), peaks_of({820}));  // exactly at the delay limit
  expect_invalid([&] { seg.process(Eigen::VectorXd::Zero(10), peaks_of({820})); },
                 "does not follow the previous peak 820");
  Eigen::VectorXd bad = Eigen::VectorXd::Zero(4);
  bad[2] = std::nan("");
  const Eigen::Index before = seg.samples_seen();
  expect_invalid([&] { seg.process(bad, sig::IndexVector()); }, "element 2");
  EXPECT_EQ(seg.samples_seen(), before);  // rejected before any state changed
  seg.flush();
  EXPECT_THROW(seg.process(Eigen::VectorXd::Zero(3), sig::IndexVector()), ecgad::StateError);
  EXPECT_THROW(seg.flush(), ecgad::StateError);
  expect_invalid([&] { sig::BeatSegmenter(kFs, {}, -1.0); }, "max_peak_delay_s");
  expect_invalid([&] { sig::BeatSegmenter(kFs, {0.25, 0.45, 1, 8}); }, "L must be >= 2");
}
