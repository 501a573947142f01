// Causal filtering (SosFilter, sosfilt, lfilter, *_zi) against scipy.signal and its contract:
// chunking never changes the output.
#include <gtest/gtest.h>

#include "ecgad/signal/sos_filter.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::to_vector;

namespace {

const nlohmann::json& golden() { return ecgad::test::golden("filter.json"); }


// Feeds x through a fresh filter in chunks cycling through `sizes`.
Eigen::VectorXd filter_in_chunks(const sig::Sos& sos, const Eigen::VectorXd& x,
                                 const std::vector<Eigen::Index>& sizes) {
  sig::SosFilter filter(sos);
  Eigen::VectorXd y(x.size());
  Eigen::Index pos = 0;
  for (std::size_t k = 0; pos < x.size(); ++k) {
    const Eigen::Index n = std::min(sizes[k % sizes.size()], x.size() - pos);
    filter.process(x.segment(pos, n), y.segment(pos, n));
    pos += n;
  }
  return y;
}

}  // namespace

TEST(Sosfilt, EqualsScipy) {
  for (const auto& c : golden().at("sos")) {
    const auto sos = ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
    for (const auto& [name, out] : c.at("outputs").items()) {
      SCOPED_TRACE(c.at("name").get<std::string>() + " on " + name);
      ECGAD_EXPECT_CLOSE(sig::sosfilt(sos, ecgad::test::filter_signal(name)), to_vector(out.at("sosfilt")), 1e-9);
    }
  }
}

TEST(SosFilter, OutputDoesNotDependOnChunkSize) {
  const auto& c = golden().at("sos").at(1);
  const auto sos = ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
  const Eigen::VectorXd x = ecgad::test::filter_signal("ecg");
  const Eigen::VectorXd whole = sig::sosfilt(sos, x);
  for (const auto& sizes : std::vector<std::vector<Eigen::Index>>{{1}, {7}, {1000}, {x.size()}, {3, 1, 250, 2}}) {
    const Eigen::VectorXd chunked = filter_in_chunks(sos, x, sizes);
    // Same operations in the same order: bit-identical, not merely close.
    EXPECT_TRUE((chunked.array() == whole.array()).all()) << "chunk sizes starting " << sizes[0];
  }
}

TEST(SosFilter, InPlaceResetAndState) {
  const auto sos = sig::butter(4, 40.0, sig::BandType::lowpass, 360.0);
  const Eigen::VectorXd x = ecgad::test::filter_signal("random");
  sig::SosFilter filter(sos);
  Eigen::VectorXd data = x;
  filter.process_inplace(data);
  EXPECT_TRUE((data.array() == sig::sosfilt(sos, x).array()).all());
  EXPECT_NE(filter.state().norm(), 0.0);
  filter.reset();
  EXPECT_EQ(filter.state().norm(), 0.0);
  EXPECT_EQ(filter.n_sections(), 2);
}

TEST(SosFilter, SettleRemovesTheStartupTransientOfAConstant) {
  const auto sos = sig::butter(3, 5.0, sig::BandType::lowpass, 250.0);
  sig::SosFilter filter(sos);
  filter.settle(3.0);
  Eigen::VectorXd y(50);
  filter.process(Eigen::VectorXd::Constant(50, 3.0), y);
  EXPECT_LT((y.array() - 3.0).abs().maxCoeff(), 1e-12);
}

TEST(SosFilter, RejectsBadInputWithoutTouchingState) {
  sig::SosFilter unset;
  Eigen::VectorXd y(3);
  EXPECT_THROW(unset.process(Eigen::VectorXd::Zero(3), y), ecgad::StateError);

  const auto sos = sig::butter(2, 10.0, sig::BandType::lowpass, 100.0);
  sig::SosFilter filter(sos);
  Eigen::VectorXd first = Eigen::VectorXd::LinSpaced(20, 0.0, 1.0);
  filter.process_inplace(first);
  const sig::SosState before = filter.state();
  Eigen::VectorXd bad = Eigen::VectorXd::Ones(5);
  bad[3] = std::nan("");
  try {
    filter.process_inplace(bad);
    FAIL() << "NaN accepted";
  } catch (const ecgad::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("element 3"), std::string::npos) << e.what();
  }
  EXPECT_TRUE((filter.state().array() == before.array()).all());
  Eigen::VectorXd wrong(4);
  EXPECT_THROW(filter.process(Eigen::VectorXd::Zero(3), wrong), ecgad::InvalidArgument);

  sig::Sos not_normalized = sos;
  not_normalized(0, 3) = 2.0;
  EXPECT_THROW(sig::SosFilter{not_normalized}, ecgad::InvalidArgument);
  EXPECT_THROW(sig::SosFilter{sig::Sos(0, 6)}, ecgad::InvalidArgument);
}

TEST(SosfiltZi, EqualsScipyAndIsTheStepSteadyState) {
  for (const auto& c : golden().at("sos")) {
    const auto sos = ecgad::test::to_matrix<sig::Sos>(c.at("sos"));
    const auto expected = ecgad::test::to_matrix<sig::SosState>(c.at("zi"));
    ECGAD_EXPECT_CLOSE(sig::sosfilt_zi(sos), expected, 1e-10);
  }
}

TEST(Lfilter, EqualsScipyIncludingZi) {
  for (const auto& c : golden().at("ba")) {
    const Eigen::VectorXd b = to_vector(c.at("b"));
    const Eigen::VectorXd a = to_vector(c.at("a"));
    SCOPED_TRACE(c.at("name").get<std::string>());
    ECGAD_EXPECT_CLOSE(sig::lfilter_zi(b, a), to_vector(c.at("zi")), 1e-10);
    for (const auto& [name, out] : c.at("outputs").items()) {
      ECGAD_EXPECT_CLOSE(sig::lfilter(b, a, ecgad::test::filter_signal(name)), to_vector(out.at("lfilter")), 1e-9);
    }
  }
  Eigen::VectorXd b(1), a(1);
  b << 1.0;
  a << 0.0;
  EXPECT_THROW(sig::lfilter(b, a, Eigen::VectorXd::Ones(3)), ecgad::InvalidArgument);
}

TEST(Sosfilt, ImpulseResponseDecaysAndStaysFinite) {
  const auto sos = sig::butter(10, 1.0, sig::BandType::highpass, 1000.0);
  Eigen::VectorXd impulse = Eigen::VectorXd::Zero(20000);
  impulse[0] = 1.0;
  const Eigen::VectorXd h = sig::sosfilt(sos, impulse);
  EXPECT_TRUE(h.allFinite());
  EXPECT_LT(h.tail(1000).cwiseAbs().maxCoeff(), 1e-6 * h.cwiseAbs().maxCoeff());
}
