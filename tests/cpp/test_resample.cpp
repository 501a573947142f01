// Tests for ecgad/signal/resample.hpp against scipy (tests/golden/make_resample_golden.py) and
// against properties any resampler must have (length, DC gain, pass band, round trip).

#include "ecgad/signal/resample.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>

#include "golden.hpp"

namespace {

using ecgad::test::expect_invalid;

using ecgad::signal::bessel_i0;
using ecgad::signal::firwin_lowpass;
using ecgad::signal::kaiser_window;
using ecgad::signal::rational_ratio;
using ecgad::signal::resample_poly;
using ecgad::signal::upfirdn;
using ecgad::test::to_vector;

constexpr double kRelTol = 1e-9;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

const nlohmann::json& golden() { return ecgad::test::golden("resample.json"); }

// Samples of sum_i amp_i sin(2 pi f_i t + phase_i) at t = k / fs_hz.
Eigen::VectorXd sines(Eigen::Index n, double fs_hz, const std::vector<double>& freqs_hz,
                      double offset = 0.0) {
  Eigen::VectorXd x = Eigen::VectorXd::Constant(n, offset);
  for (std::size_t i = 0; i < freqs_hz.size(); ++i) {
    const double phase = 0.7 * static_cast<double>(i + 1);
    for (Eigen::Index k = 0; k < n; ++k) {
      x[k] += std::sin(2.0 * kPi * freqs_hz[i] * static_cast<double>(k) / fs_hz + phase);
    }
  }
  return x;
}

TEST(BesselI0, MatchesScipy) {
  const auto& g = golden().at("bessel_i0");
  const Eigen::VectorXd x = to_vector(g.at("x"));
  const Eigen::VectorXd expected = to_vector(g.at("y"));
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double actual = bessel_i0(x[i]);
    EXPECT_LE(std::abs(actual - expected[i]) / expected[i], 1e-14) << "x = " << x[i];
  }
}

TEST(BesselI0, EvenAndOverflow) {
  EXPECT_EQ(bessel_i0(-2.5), bessel_i0(2.5));
  EXPECT_EQ(bessel_i0(0.0), 1.0);
  EXPECT_TRUE(std::isinf(bessel_i0(800.0)));
  EXPECT_TRUE(std::isinf(bessel_i0(-kInf)));
  expect_invalid([] { bessel_i0(kNaN); }, "x");
}

TEST(KaiserWindow, MatchesScipy) {
  for (const auto& c : golden().at("kaiser")) {
    const auto m = c.at("m").get<Eigen::Index>();
    const double beta = c.at("beta").get<double>();
    SCOPED_TRACE("m = " + std::to_string(m) + ", beta = " + std::to_string(beta));
    const Eigen::VectorXd w = kaiser_window(m, beta);
    const Eigen::VectorXd expected = to_vector(c.at("w"));
    ASSERT_EQ(w.size(), expected.size());
    if (m > 0) ECGAD_EXPECT_CLOSE(w, expected, kRelTol);
  }
}

TEST(KaiserWindow, RejectsBadArguments) {
  expect_invalid([] { kaiser_window(-1, 5.0); }, "m");
  expect_invalid([] { kaiser_window(10, -0.5); }, "kaiser_beta");
  expect_invalid([] { kaiser_window(10, kNaN); }, "kaiser_beta");
  expect_invalid([] { kaiser_window(10, 1000.0); }, "[0, 700]");
}

TEST(FirwinLowpass, MatchesScipy) {
  for (const auto& c : golden().at("firwin")) {
    const auto numtaps = c.at("numtaps").get<Eigen::Index>();
    const double cutoff = c.at("cutoff").get<double>();
    const double beta = c.at("beta").get<double>();
    SCOPED_TRACE("numtaps = " + std::to_string(numtaps) + ", cutoff = " + std::to_string(cutoff));
    ECGAD_EXPECT_CLOSE(firwin_lowpass(numtaps, cutoff, beta), to_vector(c.at("h")), kRelTol);
  }
}

TEST(FirwinLowpass, UnitDcGainAndSymmetry) {
  const Eigen::VectorXd h = firwin_lowpass(101, 0.2, 5.0);
  EXPECT_NEAR(h.sum(), 1.0, 1e-14);
  EXPECT_LE((h - h.reverse()).cwiseAbs().maxCoeff(), 1e-16);
}

TEST(FirwinLowpass, RejectsBadArguments) {
  expect_invalid([] { firwin_lowpass(0, 0.5, 5.0); }, "numtaps");
  expect_invalid([] { firwin_lowpass(11, 0.0, 5.0); }, "cutoff");
  expect_invalid([] { firwin_lowpass(11, 1.0, 5.0); }, "(0, 1)");
  expect_invalid([] { firwin_lowpass(11, kNaN, 5.0); }, "cutoff");
  expect_invalid([] { firwin_lowpass(11, 0.5, -1.0); }, "kaiser_beta");
}

TEST(Upfirdn, MatchesScipy) {
  for (const auto& c : golden().at("upfirdn")) {
    const int up = c.at("up").get<int>();
    const int down = c.at("down").get<int>();
    const Eigen::VectorXd h = to_vector(c.at("h"));
    const Eigen::VectorXd x = to_vector(c.at("x"));
    SCOPED_TRACE("up = " + std::to_string(up) + ", down = " + std::to_string(down) + ", len(h) = " +
                 std::to_string(h.size()) + ", len(x) = " + std::to_string(x.size()));
    ECGAD_EXPECT_CLOSE(upfirdn(h, x, up, down), to_vector(c.at("y")), kRelTol);
  }
}

TEST(Upfirdn, ScipyDocstringExamples) {
  const auto vec = [](std::initializer_list<double> values) {
    return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(
        values.begin(), static_cast<Eigen::Index>(values.size())));
  };
  EXPECT_EQ(upfirdn(vec({1, 1, 1}), vec({1, 1, 1}), 1, 1), vec({1, 2, 3, 2, 1}));
  EXPECT_EQ(upfirdn(vec({1}), vec({1, 2, 3}), 3, 1), vec({1, 0, 0, 2, 0, 0, 3}));
  EXPECT_EQ(upfirdn(vec({1, 1, 1}), vec({1, 2, 3}), 3, 1), vec({1, 1, 1, 2, 2, 2, 3, 3, 3}));
  EXPECT_EQ(upfirdn(vec({.5, 1, .5}), vec({1, 1, 1}), 2, 1), vec({.5, 1, 1, 1, 1, 1, .5}));
  EXPECT_EQ(upfirdn(vec({1}), vec({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), 1, 3), vec({0, 3, 6, 9}));
  EXPECT_EQ(upfirdn(vec({.5, 1, .5}), vec({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), 2, 3),
            vec({0, 1, 2.5, 4, 5.5, 7, 8.5}));
}

TEST(Upfirdn, RejectsBadArguments) {
  const Eigen::VectorXd h = Eigen::VectorXd::Ones(3);
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(5);
  expect_invalid([&] { upfirdn(h, x, 0, 1); }, "up");
  expect_invalid([&] { upfirdn(h, x, 1, -2); }, "down");
  expect_invalid([&] { upfirdn(Eigen::VectorXd(), x, 1, 1); }, "h");
  expect_invalid([&] { upfirdn(h, Eigen::VectorXd(), 1, 1); }, "x");
  Eigen::VectorXd bad = x;
  bad[2] = kNaN;
  expect_invalid([&] { upfirdn(h, bad, 2, 1); }, "x");
  expect_invalid([&] { upfirdn(bad, x, 2, 1); }, "h");
}

TEST(ResamplePoly, MatchesScipy) {
  const auto& signals = golden().at("resample_signals");
  for (const auto& c : golden().at("resample_poly")) {
    // Either a named signal or, for the very short cases, the samples themselves.
    const Eigen::VectorXd x = c.contains("x")
                                  ? to_vector(c.at("x"))
                                  : to_vector(signals.at(c.at("signal").get<std::string>()));
    const int up = c.at("up").get<int>();
    const int down = c.at("down").get<int>();
    const double beta = c.value("beta", 5.0);
    SCOPED_TRACE(c.value("signal", "short") + " (" + std::to_string(x.size()) + " samples) " +
                 std::to_string(up) + "/" + std::to_string(down));
    const Eigen::VectorXd y = resample_poly(x, up, down, beta);
    if (c.value("y_equals_x", false)) {
      EXPECT_EQ(y, x);  // scipy returns x.copy() when up == down
    } else {
      ECGAD_EXPECT_CLOSE(y, to_vector(c.at("y")), kRelTol);
    }
  }
}

TEST(ResamplePoly, OutputLengthIsCeilOfNTimesUpOverDown) {
  for (const Eigen::Index n : {1, 2, 7, 100, 1001}) {
    const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(n, -1.0, 1.0);
    for (const auto& [up, down] : std::vector<std::pair<int, int>>{
             {1, 2}, {2, 1}, {3, 2}, {2, 3}, {25, 36}, {36, 25}, {4, 4}, {6, 4}, {1, 7}}) {
      const Eigen::Index expected = (n * up + down - 1) / down;
      EXPECT_EQ(resample_poly(x, up, down).size(), expected)
          << "n = " << n << ", " << up << "/" << down;
    }
  }
}

// Output samples whose filter support lies inside the input: half_len / up input samples of
// margin, i.e. 10 max_rate / down output samples, plus one.
Eigen::Index edge_outputs(int up, int down) { return 10 * std::max(up, down) / down + 2; }

TEST(ResamplePoly, DcStaysDcAwayFromEdges) {
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(3000, 3.0);
  for (const auto& [up, down] : std::vector<std::pair<int, int>>{
           {1, 2}, {2, 1}, {3, 2}, {2, 3}, {25, 36}, {36, 25}, {50, 36}, {32, 90}}) {
    const Eigen::VectorXd y = resample_poly(x, up, down);
    const Eigen::Index edge = edge_outputs(up, down);
    const Eigen::VectorXd middle = y.segment(edge, y.size() - 2 * edge);
    // Kaiser beta = 5 leaves a ripple of up to ~7e-4 in the DC gains of the filter phases.
    EXPECT_LE((middle.array() - 3.0).abs().maxCoeff(), 3.0 * 1e-3) << up << "/" << down;
  }
}

TEST(ResamplePoly, LowFrequencySineKeepsAmplitude) {
  // A 2 Hz sine at 360 Hz, resampled to rates whose Nyquist is 25 to 180 times higher. scipy's
  // Kaiser (beta = 5) filter has a pass-band ripple of ~1e-3 that reaches well below the
  // cutoff (5 Hz to 128 Hz is already off by 1.25e-3 in scipy too), hence 2 Hz.
  const double fs_in_hz = 360.0;
  const Eigen::VectorXd x = sines(3600, fs_in_hz, {2.0});
  for (const double fs_out_hz : {100.0, 128.0, 250.0, 500.0, 720.0}) {
    const auto [up, down] = rational_ratio(fs_in_hz, fs_out_hz);
    const Eigen::VectorXd y = resample_poly(x, up, down);
    const Eigen::VectorXd expected = sines(y.size(), fs_out_hz, {2.0});
    const Eigen::Index edge = edge_outputs(up, down);
    const Eigen::Index len = y.size() - 2 * edge;
    EXPECT_LE((y.segment(edge, len) - expected.segment(edge, len)).cwiseAbs().maxCoeff(), 1e-3)
        << "to " << fs_out_hz << " Hz";
  }
}

TEST(ResamplePoly, UpThenDownRoundTrips) {
  // Band-limited input (1, 7 and 23 Hz at 360 Hz): the two filters' pass-band ripple leaves
  // up to ~3e-3 (unit-amplitude sines), hence 5e-3.
  const Eigen::VectorXd x = sines(2000, 360.0, {1.0, 7.0, 23.0}, 0.25);
  for (const int factor : {2, 3, 5}) {
    const Eigen::VectorXd back = resample_poly(resample_poly(x, factor, 1), 1, factor);
    ASSERT_EQ(back.size(), x.size());
    const Eigen::Index edge = 4 * edge_outputs(factor, 1);
    const Eigen::Index len = x.size() - 2 * edge;
    EXPECT_LE((back.segment(edge, len) - x.segment(edge, len)).cwiseAbs().maxCoeff(), 5e-3)
        << "factor " << factor;
  }
}

TEST(ResamplePoly, ReducesByGcdAndCopiesWhenEqual) {
  const Eigen::VectorXd x = sines(500, 360.0, {3.0});
  EXPECT_EQ(resample_poly(x, 7, 7), x);
  EXPECT_EQ(resample_poly(x, 500, 360), resample_poly(x, 25, 18));
}

TEST(ResamplePoly, AcceptsNonContiguousBlocks) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Random(400, 3);
  const Eigen::VectorXd column = m.col(1);
  EXPECT_EQ(resample_poly(m.col(1), 25, 36), resample_poly(column, 25, 36));
}

TEST(ResamplePoly, RejectsBadArguments) {
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(10);
  expect_invalid([&] { resample_poly(x, 0, 1); }, "up");
  expect_invalid([&] { resample_poly(x, 1, 0); }, "down");
  expect_invalid([&] { resample_poly(x, -3, 2); }, ">= 1");
  expect_invalid([&] { resample_poly(Eigen::VectorXd(), 2, 3); }, "x is empty");
  expect_invalid([&] { resample_poly(x, 2, 3, -1.0); }, "kaiser_beta");
  Eigen::VectorXd bad = x;
  bad[7] = kInf;
  expect_invalid([&] { resample_poly(bad, 2, 3); }, "element 7");
  bad[7] = kNaN;
  expect_invalid([&] { resample_poly(bad, 2, 3); }, "x must be finite");
}

TEST(RationalRatio, ReducesIntegerRates) {
  EXPECT_EQ(rational_ratio(360.0, 250.0), std::make_pair(25, 36));
  EXPECT_EQ(rational_ratio(250.0, 360.0), std::make_pair(36, 25));
  EXPECT_EQ(rational_ratio(360.0, 128.0), std::make_pair(16, 45));
  EXPECT_EQ(rational_ratio(500.0, 500.0), std::make_pair(1, 1));
  EXPECT_EQ(rational_ratio(1000.0, 250.0), std::make_pair(1, 4));
}

TEST(RationalRatio, RejectsNonIntegerOrNonPositiveRates) {
  expect_invalid([] { rational_ratio(360.5, 250.0); }, "fs_in_hz");
  expect_invalid([] { rational_ratio(360.0, 250.25); }, "fs_out_hz");
  expect_invalid([] { rational_ratio(0.0, 250.0); }, "fs_in_hz");
  expect_invalid([] { rational_ratio(360.0, -250.0); }, "fs_out_hz");
  expect_invalid([] { rational_ratio(kNaN, 250.0); }, "fs_in_hz");
  expect_invalid([] { rational_ratio(360.0, 1e12); }, "fs_out_hz");
}

}  // namespace
