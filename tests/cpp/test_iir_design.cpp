// Butterworth and notch design against scipy.signal (golden values from
// tests/golden/make_filter_golden.py) and against the physics of the filters.
#include <cmath>
#include <complex>

#include <gtest/gtest.h>

#include "ecgad/signal/iir_design.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;

namespace {

const nlohmann::json& golden() { return ecgad::test::golden("filter.json"); }

// |H(e^{jw})| of a section cascade at frequency f_hz.
double magnitude(const sig::Sos& sos, double f_hz, double fs_hz) {
  const std::complex<double> z1 = std::polar(1.0, -2.0 * M_PI * f_hz / fs_hz);  // z^-1
  std::complex<double> h = 1.0;
  for (Eigen::Index s = 0; s < sos.rows(); ++s) {
    h *= (sos(s, 0) + sos(s, 1) * z1 + sos(s, 2) * z1 * z1) /
         (sos(s, 3) + sos(s, 4) * z1 + sos(s, 5) * z1 * z1);
  }
  return std::abs(h);
}

// A band symmetric about fs/4 has its poles in pairs exactly equidistant from the unit circle;
// which of a pair scipy's zpk2sos takes first then depends on last-bit rounding (numpy's SIMD
// complex loops), so for those designs only the set of sections and the response must agree.
bool symmetric_about_quarter_fs(const nlohmann::json& c) {
  const auto cutoff = c.at("cutoff_hz").get<std::vector<double>>();
  const double fs = c.at("fs_hz").get<double>();
  return cutoff.size() == 2 && std::fabs(cutoff[0] + cutoff[1] - fs / 2.0) < 1e-9 * fs;
}

sig::Sos design_of(const nlohmann::json& c) {
  return sig::butter(c.at("order").get<int>(), c.at("cutoff_hz").get<std::vector<double>>(),
                     sig::parse_band_type(c.at("btype").get<std::string>()),
                     c.at("fs_hz").get<double>());
}

std::string describe(const nlohmann::json& c) {
  return c.at("btype").get<std::string>() + c.at("cutoff_hz").dump() + " order " +
         std::to_string(c.at("order").get<int>()) + " fs " + c.at("fs_hz").dump();
}

}  // namespace

TEST(Butter, EqualsScipySectionBySection) {
  int checked = 0;
  for (const auto& c : golden().at("butter")) {
    if (symmetric_about_quarter_fs(c)) continue;
    const auto expected = ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
    const auto actual = design_of(c);
    SCOPED_TRACE(describe(c));
    ASSERT_EQ(actual.rows(), expected.rows());
    // Row by row, relative to the row's scale: section order and pairing match scipy's.
    for (Eigen::Index r = 0; r < expected.rows(); ++r) {
      EXPECT_LE(ecgad::test::max_relative_error(actual.row(r), expected.row(r)), 1e-10)
          << "section " << r << "\nactual   " << actual.row(r) << "\nexpected " << expected.row(r);
    }
    ++checked;
  }
  EXPECT_GT(checked, 280);
}

TEST(Butter, SymmetricBandsHaveScipysSectionsAndResponse) {
  int checked = 0;
  for (const auto& c : golden().at("butter")) {
    if (!symmetric_about_quarter_fs(c)) continue;
    const auto expected = ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
    const auto actual = design_of(c);
    const double fs = c.at("fs_hz").get<double>();
    SCOPED_TRACE(describe(c));
    ASSERT_EQ(actual.rows(), expected.rows());
    // Every denominator of ours is one of scipy's, used once.
    std::vector<bool> used(static_cast<std::size_t>(expected.rows()), false);
    for (Eigen::Index r = 0; r < actual.rows(); ++r) {
      bool found = false;
      for (Eigen::Index e = 0; e < expected.rows() && !found; ++e) {
        if (used[static_cast<std::size_t>(e)]) continue;
        const Eigen::Vector3d da = actual.row(r).tail<3>() - expected.row(e).tail<3>();
        if (da.cwiseAbs().maxCoeff() <= 1e-10 * expected.row(e).tail<3>().cwiseAbs().maxCoeff()) {
          used[static_cast<std::size_t>(e)] = true;
          found = true;
        }
      }
      EXPECT_TRUE(found) << "section " << r << " " << actual.row(r);
    }
    for (double f = 0.0; f <= fs / 2.0; f += fs / 200.0) {
      const double m_expected = magnitude(expected, f, fs);
      EXPECT_NEAR(magnitude(actual, f, fs), m_expected, 1e-9 * std::max(m_expected, 1e-3)) << f << " Hz";
    }
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

TEST(Butter, PassbandGainIsOneAndCutoffIsMinus3dB) {
  const double fs = 360.0;
  for (int order : {1, 2, 4, 7}) {
    const auto lp = sig::butter(order, 40.0, sig::BandType::lowpass, fs);
    EXPECT_NEAR(magnitude(lp, 0.0, fs), 1.0, 1e-12);
    EXPECT_NEAR(magnitude(lp, 40.0, fs), 1.0 / std::sqrt(2.0), 1e-9);
    const auto hp = sig::butter(order, 0.5, sig::BandType::highpass, fs);
    EXPECT_NEAR(magnitude(hp, fs / 2.0, fs), 1.0, 1e-12);
    EXPECT_NEAR(magnitude(hp, 0.5, fs), 1.0 / std::sqrt(2.0), 1e-9);
    EXPECT_LT(magnitude(hp, 0.0, fs), 1e-9);
    const auto bp = sig::butter(order, {5.0, 15.0}, sig::BandType::bandpass, fs);
    EXPECT_NEAR(magnitude(bp, std::sqrt(5.0 * 15.0) * 1.0, fs), 1.0, 2e-2);
    EXPECT_NEAR(magnitude(bp, 5.0, fs), 1.0 / std::sqrt(2.0), 1e-9);
    EXPECT_NEAR(magnitude(bp, 15.0, fs), 1.0 / std::sqrt(2.0), 1e-9);
    const auto bs = sig::butter(order, {58.0, 62.0}, sig::BandType::bandstop, fs);
    EXPECT_NEAR(magnitude(bs, 0.0, fs), 1.0, 1e-12);
    EXPECT_NEAR(magnitude(bs, fs / 2.0, fs), 1.0, 1e-12);
  }
}

TEST(Butter, ResponseIsTheWarpedAnalogButterworth) {
  // Bilinear transform with prewarping: |H(f)| = 1 / sqrt(1 + (tan(pi f/fs) / tan(pi fc/fs))^(2N)),
  // which falls 6 dB per octave per order in the stopband.
  const double fs = 1000.0;
  const double fc = 10.0;
  for (int order : {1, 2, 4, 6, 9}) {
    const auto lp = sig::butter(order, fc, sig::BandType::lowpass, fs);
    for (double f : {1.0, 5.0, 10.0, 20.0, 80.0, 300.0}) {
      const double ratio = std::tan(M_PI * f / fs) / std::tan(M_PI * fc / fs);
      const double expected = 1.0 / std::sqrt(1.0 + std::pow(ratio, 2 * order));
      EXPECT_NEAR(magnitude(lp, f, fs) / expected, 1.0, 1e-9) << "order " << order << " at " << f;
    }
  }
}

TEST(Butter, PolesInsideUnitCircle) {
  for (int order = 1; order <= 12; ++order) {
    const auto zpk = sig::butter_zpk(order, {0.5, 40.0}, sig::BandType::bandpass, 360.0);
    ASSERT_EQ(zpk.poles.size(), static_cast<std::size_t>(2 * order));
    for (const auto& p : zpk.poles) EXPECT_LT(std::abs(p), 1.0);
  }
}

TEST(Butter, RejectsBadParameters) {
  ecgad::test::expect_invalid([] { sig::butter(0, 10.0, sig::BandType::lowpass, 360.0); }, "order");
  ecgad::test::expect_invalid([] { sig::butter(2, 0.0, sig::BandType::lowpass, 360.0); }, "(0, 180)");
  ecgad::test::expect_invalid([] { sig::butter(2, 180.0, sig::BandType::lowpass, 360.0); }, "cutoff_hz");
  ecgad::test::expect_invalid([] { sig::butter(2, -1.0, sig::BandType::highpass, 360.0); }, "cutoff_hz");
  ecgad::test::expect_invalid([] { sig::butter(2, std::nan(""), sig::BandType::highpass, 360.0); }, "nan");
  ecgad::test::expect_invalid([] { sig::butter(2, 10.0, sig::BandType::lowpass, 0.0); }, "fs_hz");
  ecgad::test::expect_invalid([] { sig::butter(2, {40.0, 5.0}, sig::BandType::bandpass, 360.0); }, "low < high");
  ecgad::test::expect_invalid([] { sig::butter(2, 10.0, sig::BandType::bandpass, 360.0); }, "2 cutoff");
  ecgad::test::expect_invalid([] { sig::parse_band_type("lowish"); }, "lowish");
}

TEST(BandType, AcceptsScipySpellings) {
  EXPECT_EQ(sig::parse_band_type("low"), sig::BandType::lowpass);
  EXPECT_EQ(sig::parse_band_type("hp"), sig::BandType::highpass);
  EXPECT_EQ(sig::parse_band_type("band"), sig::BandType::bandpass);
  EXPECT_EQ(sig::parse_band_type("stop"), sig::BandType::bandstop);
  EXPECT_STREQ(sig::to_string(sig::BandType::bandstop), "bandstop");
}

TEST(IirNotch, EqualsScipy) {
  for (const auto& c : golden().at("iirnotch")) {
    const auto tf = sig::iirnotch(c.at("w0_hz").get<double>(), c.at("q").get<double>(),
                                  c.at("fs_hz").get<double>());
    ECGAD_EXPECT_CLOSE(tf.b, ecgad::test::to_vector(c.at("b")), 1e-12);
    ECGAD_EXPECT_CLOSE(tf.a, ecgad::test::to_vector(c.at("a")), 1e-12);
  }
}

TEST(IirNotch, NullsTheNotchFrequencyAndPassesDc) {
  const auto sos = sig::tf_to_sos_single(sig::iirnotch(60.0, 30.0, 360.0));
  EXPECT_LT(magnitude(sos, 60.0, 360.0), 1e-12);
  EXPECT_NEAR(magnitude(sos, 0.0, 360.0), 1.0, 1e-12);
  // -3 dB bandwidth is w0/Q = 2 Hz: the edges sit near 59 and 61 Hz.
  EXPECT_NEAR(magnitude(sos, 61.0, 360.0), 1.0 / std::sqrt(2.0), 0.01);
  EXPECT_THROW(sig::iirnotch(60.0, 0.0, 360.0), ecgad::InvalidArgument);
  EXPECT_THROW(sig::iirnotch(200.0, 30.0, 360.0), ecgad::InvalidArgument);
  EXPECT_THROW(sig::iirnotch(0.0, 30.0, 360.0), ecgad::InvalidArgument);
}

TEST(Zpk2Sos, EmptySystemIsAPureGain) {
  sig::Zpk zpk;
  zpk.gain = 2.5;
  const auto sos = sig::zpk2sos(zpk);
  ASSERT_EQ(sos.rows(), 1);
  EXPECT_EQ(sos(0, 0), 2.5);
  EXPECT_EQ(sos(0, 3), 1.0);
}
