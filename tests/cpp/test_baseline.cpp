// Tests for ecgad/signal/baseline.hpp against scipy.signal.medfilt
// (tests/golden/make_resample_golden.py) and against what a baseline estimate must do.

#include "ecgad/signal/baseline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>

#include "golden.hpp"

namespace {

using ecgad::test::expect_invalid;

using ecgad::signal::medfilt;
using ecgad::signal::median_baseline;
using ecgad::signal::odd_window_samples;
using ecgad::signal::remove_median_baseline;
using ecgad::test::to_vector;

constexpr double kRelTol = 1e-9;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

const nlohmann::json& golden() { return ecgad::test::golden("resample.json"); }

// Per-output sort with explicit zero padding: the definition, for cross-checking.
Eigen::VectorXd medfilt_by_sorting(const Eigen::VectorXd& x, Eigen::Index kernel_size) {
  const Eigen::Index half = kernel_size / 2;
  Eigen::VectorXd y(x.size());
  std::vector<double> window(static_cast<std::size_t>(kernel_size));
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    for (Eigen::Index k = 0; k < kernel_size; ++k) {
      const Eigen::Index j = i - half + k;
      window[static_cast<std::size_t>(k)] = j >= 0 && j < x.size() ? x[j] : 0.0;
    }
    std::nth_element(window.begin(), window.begin() + half, window.end());
    y[i] = window[static_cast<std::size_t>(half)];
  }
  return y;
}

TEST(Medfilt, MatchesScipy) {
  const auto& signals = golden().at("medfilt_signals");
  for (const auto& c : golden().at("medfilt")) {
    const std::string name = c.at("signal").get<std::string>();
    const auto kernel = c.at("kernel_size").get<Eigen::Index>();
    SCOPED_TRACE(name + ", kernel_size = " + std::to_string(kernel));
    const Eigen::VectorXd x = to_vector(signals.at(name));
    ECGAD_EXPECT_CLOSE(medfilt(x, kernel), to_vector(c.at("y")), kRelTol);
  }
}

TEST(Medfilt, MatchesSortingDefinitionWithTiesZerosAndLongKernels) {
  // Values in {-1, -0.5, 0, 0.5, 1}: many ties and exact zeros mixed with the padding zeros.
  Eigen::VectorXd x(40);
  for (Eigen::Index i = 0; i < x.size(); ++i) x[i] = 0.5 * static_cast<double>((i * 7) % 5 - 2);
  for (const Eigen::Index kernel : {1, 3, 5, 9, 39, 41, 79, 81, 201}) {
    EXPECT_EQ(medfilt(x, kernel), medfilt_by_sorting(x, kernel)) << "kernel " << kernel;
  }
  // -0.0 sorts with the zeros (it equals them), whatever its bit pattern.
  Eigen::VectorXd signed_zeros = x;
  for (Eigen::Index i = 0; i < x.size(); i += 3) signed_zeros[i] = i % 2 == 0 ? -0.0 : 0.0;
  for (const Eigen::Index kernel : {3, 5, 9, 41, 81}) {
    EXPECT_EQ(medfilt(signed_zeros, kernel), medfilt_by_sorting(signed_zeros, kernel));
  }
  const Eigen::VectorXd negative = -Eigen::VectorXd::LinSpaced(15, 1.0, 15.0);
  for (const Eigen::Index kernel : {3, 7, 15, 29, 31, 101}) {
    EXPECT_EQ(medfilt(negative, kernel), medfilt_by_sorting(negative, kernel));
  }
}

TEST(Medfilt, MonotonicSequenceUnchangedAwayFromEdges) {
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(500, -3.0, 7.0);
  for (const Eigen::Index kernel : {3, 21, 217}) {
    const Eigen::Index half = kernel / 2;
    const Eigen::VectorXd y = medfilt(x, kernel);
    EXPECT_EQ(y.segment(half, x.size() - 2 * half), x.segment(half, x.size() - 2 * half));
  }
}

TEST(Medfilt, KernelOfOneIsIdentityAndHugeKernelGivesZeros) {
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(9, 1.0, 9.0);
  EXPECT_EQ(medfilt(x, 1), x);
  // More than half of every window is padding: every median is 0 (scipy agrees).
  EXPECT_EQ(medfilt(x, 1'000'001), Eigen::VectorXd::Zero(9));
}

TEST(Medfilt, AcceptsNonContiguousBlocks) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Random(300, 2);
  const Eigen::VectorXd column = m.col(1);
  EXPECT_EQ(medfilt(m.col(1), 21), medfilt(column, 21));
}

TEST(Medfilt, RejectsBadArguments) {
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(10);
  expect_invalid([&] { medfilt(x, 4); }, "kernel_size");
  expect_invalid([&] { medfilt(x, 0); }, "odd");
  expect_invalid([&] { medfilt(x, -3); }, "kernel_size");
  expect_invalid([&] { medfilt(Eigen::VectorXd(), 3); }, "x is empty");
  Eigen::VectorXd bad = x;
  bad[4] = kNaN;
  expect_invalid([&] { medfilt(bad, 3); }, "element 4");
}

TEST(OddWindowSamples, NearestOddRoundingEvenUp) {
  EXPECT_EQ(odd_window_samples(0.2, 360.0), 73);
  EXPECT_EQ(odd_window_samples(0.6, 360.0), 217);
  EXPECT_EQ(odd_window_samples(0.7, 360.0), 253);  // 0.7 * 360 = 251.99999999999997
  EXPECT_EQ(odd_window_samples(0.2, 250.0), 51);
  EXPECT_EQ(odd_window_samples(0.2, 128.0), 25);   // 25.6
  EXPECT_EQ(odd_window_samples(0.6, 128.0), 77);   // 76.8
  EXPECT_EQ(odd_window_samples(0.001, 100.0), 1);  // 0.1 samples: at least one
  expect_invalid([] { odd_window_samples(0.0, 360.0); }, "window_s");
  expect_invalid([] { odd_window_samples(0.2, -1.0); }, "fs_hz");
  expect_invalid([] { odd_window_samples(1e300, 360.0); }, "window_s");
}

TEST(MedianBaseline, MatchesScipyMedfiltTwice) {
  const auto& g = golden().at("median_baseline");
  const Eigen::VectorXd x = to_vector(golden().at("resample_signals").at("ecg"));
  const double fs_hz = g.at("fs_hz").get<double>();
  EXPECT_EQ(odd_window_samples(g.at("first_window_s").get<double>(), fs_hz),
            g.at("first_kernel").get<Eigen::Index>());
  EXPECT_EQ(odd_window_samples(g.at("second_window_s").get<double>(), fs_hz),
            g.at("second_kernel").get<Eigen::Index>());
  const Eigen::VectorXd expected = to_vector(g.at("baseline"));
  ECGAD_EXPECT_CLOSE(median_baseline(x, fs_hz), expected, kRelTol);
  ECGAD_EXPECT_CLOSE(remove_median_baseline(x, fs_hz), (x - expected).eval(), kRelTol);
}

TEST(MedianBaseline, RemovesSlowWanderUnderSpikeTrain) {
  const double fs_hz = 360.0;
  const Eigen::Index n = 20 * 360;
  Eigen::VectorXd wander(n);
  Eigen::VectorXd spikes = Eigen::VectorXd::Zero(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double t_s = static_cast<double>(i) / fs_hz;
    wander[i] = 1.0 + 0.2 * std::sin(2.0 * kPi * 0.3 * t_s);
    // A 1 Hz train of 60 ms triangular "QRS" spikes of 1.5 mV, narrower than half of 200 ms.
    const double since_beat_s = std::fmod(t_s, 1.0);
    if (since_beat_s < 0.06) spikes[i] = 1.5 * (1.0 - std::abs(since_beat_s - 0.03) / 0.03);
  }
  const Eigen::VectorXd x = wander + spikes;
  const Eigen::VectorXd baseline = median_baseline(x, fs_hz);
  const Eigen::VectorXd cleaned = remove_median_baseline(x, fs_hz);
  const Eigen::Index edge = 360;  // 1 s: zero padding pulls the first and last 0.4 s down
  const Eigen::Index len = n - 2 * edge;
  // The spikes fill ~30% of each 200 ms window, which lifts the first median a little up the
  // sloping wander (~0.016 mV at the steepest point); the 600 ms median clips sine peaks (~0.008).
  EXPECT_LE((baseline - wander).segment(edge, len).cwiseAbs().maxCoeff(), 0.03);
  EXPECT_LE((cleaned - spikes).segment(edge, len).cwiseAbs().maxCoeff(), 0.03);
}

TEST(MedianBaseline, EdgesSeeZeroPadding) {
  // A descending signal: at the first sample half of each window is zero padding, so the
  // median is the in-signal value nearest zero (here the smallest) instead of the centre one.
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(2000, 10.0, 5.0);
  const Eigen::VectorXd y = medfilt(x, 217);
  EXPECT_EQ(y[0], x[108]);
  EXPECT_EQ(y[1000], x[1000]);
  EXPECT_EQ(y[1999], x[1999]);  // at the end the centre value already is the smallest
  // Two stages (73 then 217 samples): the baseline starts at x[108], 0.27 below x[0].
  EXPECT_EQ(median_baseline(x, 360.0)[0], x[108]);
}

TEST(MedianBaseline, RejectsBadArguments) {
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(100);
  expect_invalid([&] { median_baseline(x, 0.0); }, "fs_hz");
  expect_invalid([&] { median_baseline(x, kNaN); }, "fs_hz");
  expect_invalid([&] { median_baseline(x, 360.0, -0.2); }, "first_window_s");
  expect_invalid([&] { median_baseline(x, 360.0, 0.2, 0.0); }, "second_window_s");
  expect_invalid([&] { median_baseline(x, 360.0, 0.2, kInf); }, "second_window_s");
  expect_invalid([&] { median_baseline(Eigen::VectorXd(), 360.0); }, "x is empty");
  Eigen::VectorXd bad = x;
  bad[42] = -kInf;
  expect_invalid([&] { median_baseline(bad, 360.0); }, "element 42");
  expect_invalid([&] { remove_median_baseline(bad, 360.0); }, "element 42");
  expect_invalid([&] { remove_median_baseline(x, -360.0); }, "fs_hz");
}

}  // namespace
