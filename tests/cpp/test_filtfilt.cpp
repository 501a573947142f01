// Zero-phase filtering against scipy.signal.sosfiltfilt / filtfilt and its properties.
#include <cmath>

#include <gtest/gtest.h>

#include "ecgad/signal/filtfilt.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::to_vector;

namespace {

const nlohmann::json& golden() { return ecgad::test::golden("filter.json"); }


sig::Sos golden_sos(const std::string& name) {
  for (const auto& c : golden().at("sos")) {
    if (c.at("name") == name) return ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
  }
  throw std::runtime_error("no golden filter " + name);
}

}  // namespace

TEST(Sosfiltfilt, EqualsScipy) {
  for (const auto& c : golden().at("sos")) {
    const auto sos = ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
    for (const auto& [name, out] : c.at("outputs").items()) {
      SCOPED_TRACE(c.at("name").get<std::string>() + " on " + name);
      ECGAD_EXPECT_CLOSE(sig::sosfiltfilt(sos, ecgad::test::filter_signal(name)), to_vector(out.at("sosfiltfilt")), 1e-9);
    }
  }
}

TEST(Sosfiltfilt, ExplicitPadlenEqualsScipy) {
  for (const auto& c : golden().at("sosfiltfilt_padlen")) {
    const auto padlen = c.at("padlen").get<Eigen::Index>();
    SCOPED_TRACE("padlen " + std::to_string(padlen));
    ECGAD_EXPECT_CLOSE(sig::sosfiltfilt(golden_sos(c.at("filter")), ecgad::test::filter_signal("ecg"), padlen),
                       to_vector(c.at("y")), 1e-9);
  }
}

TEST(Sosfiltfilt, DefaultPadlenFollowsScipysFormula) {
  // Odd orders leave one first-order section (b2 = a2 = 0): 3 * (2*3 + 1 - 1) = 18.
  EXPECT_EQ(sig::sosfiltfilt_default_padlen(sig::butter(5, 0.5, sig::BandType::highpass, 360.0)), 18);
  EXPECT_EQ(sig::sosfiltfilt_default_padlen(sig::butter(4, 40.0, sig::BandType::lowpass, 360.0)), 15);
}

TEST(Filtfilt, EqualsScipy) {
  for (const auto& c : golden().at("ba")) {
    const Eigen::VectorXd b = to_vector(c.at("b"));
    const Eigen::VectorXd a = to_vector(c.at("a"));
    for (const auto& [name, out] : c.at("outputs").items()) {
      SCOPED_TRACE(c.at("name").get<std::string>() + " on " + name);
      ECGAD_EXPECT_CLOSE(sig::filtfilt(b, a, ecgad::test::filter_signal(name)), to_vector(out.at("filtfilt")), 1e-9);
    }
  }
}

TEST(Sosfiltfilt, IsZeroPhaseAndPreservesAnInBandSine) {
  const double fs = 360.0;
  const auto sos = sig::butter(4, {0.5, 40.0}, sig::BandType::bandpass, fs);
  const Eigen::Index n = 36000;
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = std::sin(2 * M_PI * 8.0 * static_cast<double>(i) / fs);
  const Eigen::VectorXd y = sig::sosfiltfilt(sos, x);
  // |H(8 Hz)|^2 = 1 - 1e-7 and forward-backward filtering cancels the phase, so once the
  // 0.5 Hz edge transient (seconds long) has died out the sine comes back unchanged.
  EXPECT_LT((y - x).segment(7200, n - 14400).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(Sosfiltfilt, RemovesBaselineWanderAndDc) {
  const double fs = 360.0;
  const auto sos = sig::butter(5, 0.5, sig::BandType::highpass, fs);
  const Eigen::Index n = 36000;
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x[i] = 2.0 + 0.5 * std::sin(2 * M_PI * 0.05 * static_cast<double>(i) / fs);
  }
  const Eigen::VectorXd y = sig::sosfiltfilt(sos, x);
  EXPECT_LT(y.segment(3600, n - 7200).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Sosfiltfilt, RejectsShortEmptyAndNonFiniteSignals) {
  const auto sos = sig::butter(5, 0.5, sig::BandType::highpass, 360.0);
  using ecgad::test::expect_invalid;
  expect_invalid([&] { sig::sosfiltfilt(sos, Eigen::VectorXd::Zero(18)); }, "padlen, which is 18");
  EXPECT_NO_THROW(sig::sosfiltfilt(sos, Eigen::VectorXd::Zero(19)));
  expect_invalid([&] { sig::sosfiltfilt(sos, Eigen::VectorXd()); }, "empty");
  Eigen::VectorXd x = Eigen::VectorXd::Zero(100);
  x[42] = INFINITY;
  expect_invalid([&] { sig::sosfiltfilt(sos, x); }, "element 42 is inf");
  expect_invalid([&] { sig::sosfiltfilt(sos, Eigen::VectorXd::Zero(100), -1); }, "padlen");
  const auto notch = sig::iirnotch(60.0, 30.0, 360.0);
  EXPECT_THROW(sig::filtfilt(notch.b, notch.a, Eigen::VectorXd::Zero(9)), ecgad::InvalidArgument);
  EXPECT_NO_THROW(sig::filtfilt(notch.b, notch.a, Eigen::VectorXd::Zero(10)));
}

TEST(OddExt, MatchesScipysDefinition) {
  Eigen::VectorXd x(5);
  x << 1, 2, 4, 7, 11;
  Eigen::VectorXd expected(9);
  // 2*x0 - x[2..1] | x | 2*x4 - x[3..2]
  expected << -2, 0, 1, 2, 4, 7, 11, 15, 18;
  EXPECT_TRUE((sig::odd_ext(x, 2).array() == expected.array()).all());
  EXPECT_THROW(sig::odd_ext(x, 5), ecgad::InvalidArgument);
}
