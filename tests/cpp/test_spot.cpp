// SPOT / DSPOT: equal to a direct transcription of Siffer et al.'s Algorithm 1 built from
// fit_pot/fit_gpd, exact alarm indices on a seeded stream with an injected shift, alarms kept
// out of the model, DSPOT following a drift that SPOT alarms on, state round trip continuing
// identically, chunking invariance, reset, and bad input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/calibrate/spot.hpp"
#include "golden.hpp"

namespace cal = ecgad::calibrate;
using ecgad::test::expect_invalid;

namespace {

// 3000 N(0, 1) values (seed 2017), then a shift of +5 for values 2500..2519.
Eigen::VectorXd shifted_stream() {
  std::mt19937_64 gen(2017);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd x(3000);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = normal(gen);
  x.segment(2500, 20).array() += 5.0;
  return x;
}

std::vector<Eigen::Index> alarms_of(const Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1>& events) {
  std::vector<Eigen::Index> out;
  for (Eigen::Index i = 0; i < events.size(); ++i) {
    if (events(i) == static_cast<std::int8_t>(cal::SpotEvent::alarm)) out.push_back(i);
  }
  return out;
}

cal::SpotConfig config(Eigen::Index depth = 0) {
  cal::SpotConfig c;
  c.risk_q = 1e-3;
  c.level = 0.98;
  c.n_init = 1000;
  c.depth = depth;
  return c;
}

}  // namespace

TEST(Spot, EqualsADirectTranscriptionOfAlgorithm1) {
  const Eigen::VectorXd x = shifted_stream();
  cal::Spot spot(config());
  const auto events = spot.process(x);
  // Algorithm 1, written out with the batch pieces.
  const auto pot = cal::fit_pot(x.head(1000), 0.98);
  const double t = pot.initial_threshold;
  std::vector<double> peaks;
  for (Eigen::Index i = 0; i < 1000; ++i) {
    if (x(i) > t) peaks.push_back(x(i) - t);
  }
  double n = 1000.0;
  cal::GpdFit g = pot.gpd;
  auto z = [&] { return t + g.inverse_survival(std::min(1.0, 1e-3 * n / static_cast<double>(peaks.size()))); };
  EXPECT_EQ(z(), pot.quantile(1e-3));
  for (Eigen::Index i = 0; i < 1000; ++i) EXPECT_EQ(events(i), 0);
  for (Eigen::Index i = 1000; i < x.size(); ++i) {
    cal::SpotEvent expected;
    if (x(i) > z()) {
      expected = cal::SpotEvent::alarm;
    } else if (x(i) > t) {
      peaks.push_back(x(i) - t);
      n += 1.0;
      g = cal::fit_gpd(Eigen::Map<const Eigen::VectorXd>(peaks.data(),
                                                         static_cast<Eigen::Index>(peaks.size())));
      expected = cal::SpotEvent::peak;
    } else {
      n += 1.0;
      expected = cal::SpotEvent::normal;
    }
    ASSERT_EQ(events(i), static_cast<std::int8_t>(expected)) << "index " << i;
  }
  EXPECT_EQ(spot.threshold(), z());
  EXPECT_EQ(spot.n_peaks(), static_cast<Eigen::Index>(peaks.size()));
  EXPECT_EQ(spot.n(), static_cast<Eigen::Index>(n));
}

TEST(Spot, ExactAlarmIndicesOnAnInjectedShift) {
  cal::Spot spot(config());
  const auto alarms = alarms_of(spot.process(shifted_stream()));
  // Fixed seed: the exact indices. Every injected value 2500..2519 alarms; N(0,1) values above
  // z_q(1e-3) ~ 3.1 are rare (expected ~2 in 2000).
  std::vector<Eigen::Index> expected = {1459, 2229};
  for (Eigen::Index i = 2500; i < 2520; ++i) expected.push_back(i);
  EXPECT_EQ(alarms, expected);
}

TEST(Spot, AlarmsDoNotJoinTheModel) {
  cal::Spot spot(config());
  spot.process(shifted_stream().head(2000));
  const auto n = spot.n();
  const auto peaks = spot.n_peaks();
  const double z = spot.threshold();
  EXPECT_EQ(spot.update(z + 100.0), cal::SpotEvent::alarm);
  EXPECT_EQ(spot.n(), n);
  EXPECT_EQ(spot.n_peaks(), peaks);
  EXPECT_EQ(spot.threshold(), z);
  EXPECT_EQ(spot.update(spot.initial_threshold() + 1e-3), cal::SpotEvent::peak);
  EXPECT_EQ(spot.n_peaks(), peaks + 1);
  EXPECT_EQ(spot.n(), n + 1);
  EXPECT_EQ(spot.update(spot.initial_threshold() - 1.0), cal::SpotEvent::normal);
  EXPECT_EQ(spot.n(), n + 2);
}

TEST(Spot, DspotFollowsADriftThatSpotAlarmsOn) {
  // A slow upward trend (+4 over 2500 values) plus noise, with a spike at 3000. (SPOT turns
  // most of the drifted values into peaks and refits on all of them: kept short.)
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd x(3500);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    x(i) = normal(gen) + (i < 1000 ? 0.0 : 4.0 * static_cast<double>(i - 1000) / 2500.0);
  }
  x(3000) += 8.0;
  cal::Spot spot(config());
  cal::Spot dspot(config(20));
  const auto spot_alarms = alarms_of(spot.process(x));
  const auto dspot_alarms = alarms_of(dspot.process(x));
  EXPECT_GT(spot_alarms.size(), 200u);  // the drift itself looks anomalous to SPOT
  EXPECT_LT(dspot_alarms.size(), 10u);
  EXPECT_NE(std::find(dspot_alarms.begin(), dspot_alarms.end(), 3000), dspot_alarms.end());
  // M follows the level (about 4 at the end).
  EXPECT_NEAR(dspot.local_mean(), 4.0, 0.5);
  EXPECT_NEAR(dspot.alarm_level(), dspot.threshold() + dspot.local_mean(), 1e-12);
}

TEST(Spot, StateRoundTripContinuesIdentically) {
  const Eigen::VectorXd x = shifted_stream();
  for (const Eigen::Index depth : {0, 10}) {
    for (const Eigen::Index cut : {500, 1000, 2505}) {
      cal::Spot a(config(depth));
      a.process(x.head(cut));
      auto b = cal::Spot::from_state(nlohmann::json::parse(a.state().dump()));
      EXPECT_EQ(b.state(), a.state());
      const auto ea = a.process(x.tail(x.size() - cut));
      const auto eb = b.process(x.tail(x.size() - cut));
      EXPECT_EQ(ea, eb) << "depth " << depth << " cut " << cut;
      EXPECT_EQ(a.threshold(), b.threshold());
      EXPECT_EQ(a.state(), b.state());
    }
  }
  cal::Spot s(config());
  auto j = s.state();
  j["window"] = std::vector<double>{1.0};
  EXPECT_THROW(s.restore(j), ecgad::FormatError);
  EXPECT_THROW(s.restore({{"type", "adwin"}}), ecgad::FormatError);
}

TEST(Spot, ChunkingAndResetDoNotChangeTheOutput) {
  const Eigen::VectorXd x = shifted_stream();
  cal::Spot whole(config(10));
  const auto expected = whole.process(x);
  cal::Spot pieces(config(10));
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1> got(x.size());
  Eigen::Index at = 0;
  for (const Eigen::Index len : {1, 999, 3, 700, 1297}) {
    got.segment(at, len) = pieces.process(x.segment(at, len));
    at += len;
  }
  ASSERT_EQ(at, x.size());
  EXPECT_EQ(got, expected);
  whole.reset();
  EXPECT_FALSE(whole.calibrated());
  EXPECT_EQ(whole.samples_seen(), 0);
  EXPECT_EQ(whole.process(x), expected);
}

TEST(Spot, MaxPeaksBoundsTheTailAndEqualsTheUnboundedRunUnderTheCap) {
  const Eigen::VectorXd x = shifted_stream();
  cal::Spot unbounded(config());
  auto capped_config = config();
  capped_config.max_peaks = 30;  // 20 calibration peaks, the cap is reached mid-stream
  cal::Spot capped(capped_config);
  Eigen::Index first_over = -1;
  Eigen::Index capped_peak_events = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const auto e_unbounded = unbounded.update(x(i));
    const auto e_capped = capped.update(x(i));
    ASSERT_LE(capped.n_peaks(), 30) << "index " << i;
    if (unbounded.n_peaks() <= 30) {
      // Under the cap: the same detector, bit for bit.
      ASSERT_EQ(e_capped, e_unbounded) << "index " << i;
      ASSERT_EQ(capped.threshold(), unbounded.threshold()) << "index " << i;
      ASSERT_EQ(capped.state().at("peaks"), unbounded.state().at("peaks"));
    } else if (first_over < 0) {
      first_over = i;
    }
    if (e_capped == cal::SpotEvent::peak) ++capped_peak_events;
  }
  // N_t (the tail probability's numerator) counts every peak, capped or not: 20 calibration
  // peaks plus every peak event.
  EXPECT_EQ(capped.n_peaks_total(), 20 + capped_peak_events);
  ASSERT_GT(first_over, 1000);  // the cap was reached, after calibration
  EXPECT_EQ(capped.n_peaks(), 30);
  EXPECT_GT(capped.n_peaks_total(), 30);
  EXPECT_EQ(unbounded.n_peaks_total(), unbounded.n_peaks());
  // The capped tail is the GPD of the 30 most recent peaks, and z_q uses q n / N_t.
  const auto peaks = capped.state().at("peaks").get<std::vector<double>>();
  const auto fit = cal::fit_gpd(Eigen::Map<const Eigen::VectorXd>(peaks.data(), 30));
  EXPECT_EQ(capped.gpd().shape, fit.shape);
  const double ratio = std::min(1.0, 1e-3 * static_cast<double>(capped.n()) /
                                         static_cast<double>(capped.n_peaks_total()));
  EXPECT_EQ(capped.threshold(), capped.initial_threshold() + fit.inverse_survival(ratio));
  // The shift's 20 values still alarm.
  cal::Spot again(capped_config);
  const auto alarms = alarms_of(again.process(x));
  for (Eigen::Index i = 2500; i < 2520; ++i) {
    EXPECT_NE(std::find(alarms.begin(), alarms.end(), i), alarms.end()) << i;
  }
}

TEST(Spot, MaxPeaksBelowTheCalibrationPeaksKeepsTheMostRecent) {
  const Eigen::VectorXd x = shifted_stream();
  auto c = config();
  c.max_peaks = 12;
  cal::Spot spot(c);
  spot.process(x.head(1000));
  EXPECT_EQ(spot.n_peaks(), 12);
  EXPECT_EQ(spot.n_peaks_total(), 20);
  std::vector<double> excesses;
  for (Eigen::Index i = 0; i < 1000; ++i) {
    if (x(i) > spot.initial_threshold()) excesses.push_back(x(i) - spot.initial_threshold());
  }
  ASSERT_EQ(excesses.size(), 20u);
  const auto fit = cal::fit_gpd(Eigen::Map<const Eigen::VectorXd>(excesses.data() + 8, 12));
  EXPECT_EQ(spot.gpd().shape, fit.shape);
  EXPECT_EQ(spot.gpd().scale, fit.scale);
}

TEST(Spot, CappedAndTailOptionStatesRoundTripAndOldStatesLoad) {
  const Eigen::VectorXd x = shifted_stream();
  auto capped = config(10);
  capped.max_peaks = 25;
  for (const Eigen::Index cut : {500, 1500, 2505}) {
    cal::Spot a(capped);
    a.process(x.head(cut));
    auto b = cal::Spot::from_state(nlohmann::json::parse(a.state().dump()));
    EXPECT_EQ(b.state(), a.state());
    EXPECT_EQ(b.config().max_peaks, 25);
    EXPECT_EQ(a.process(x.tail(x.size() - cut)), b.process(x.tail(x.size() - cut)));
    EXPECT_EQ(a.state(), b.state());
    EXPECT_LE(a.n_peaks(), 25);
  }
  // A state written before max_peaks / tail options / peaks_total: the unbounded classic SPOT.
  cal::Spot a(config());
  a.process(x.head(2000));
  auto old = a.state();
  old.erase("peaks_total");
  old.erase("center");
  old["config"].erase("max_peaks");
  old["config"].erase("transform");
  old["config"].erase("tail");
  auto b = cal::Spot::from_state(old);
  EXPECT_EQ(b.config().max_peaks, 0);
  EXPECT_EQ(b.config().tail, cal::TailOptions{});
  EXPECT_EQ(b.n_peaks_total(), a.n_peaks());
  EXPECT_EQ(a.process(x.tail(1000)), b.process(x.tail(1000)));
  // Inconsistent counts are refused.
  auto bad = a.state();
  bad["peaks_total"] = 1;
  EXPECT_THROW(a.restore(bad), ecgad::FormatError);
  bad = cal::Spot(capped).state();
  bad["config"]["max_peaks"] = 10;
  bad["peaks"] = std::vector<double>(11, 0.5);
  bad["peaks_total"] = 11;
  EXPECT_THROW(a.restore(bad), ecgad::FormatError);
}

TEST(Spot, LogWeibullTailOnLogNormalScores) {
  // Positive, log-normal-like scores (reconstruction errors): the first z_q equals the batch
  // POT with the same options; the stream then follows Algorithm 1 on log-space excesses.
  std::mt19937_64 gen(31);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd x(30000);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = std::exp(normal(gen));
  x.segment(25000, 10).array() += 100.0;  // z_q(1e-4) ~ 41
  auto c = config();
  c.risk_q = 1e-4;
  c.n_init = 10000;
  c.tail = {cal::ScoreTransform::log, cal::TailModel::weibull};
  cal::Spot spot(c);
  spot.process(x.head(10000));
  const auto pot = cal::fit_pot(x.head(10000), 0.98, c.tail);
  EXPECT_EQ(spot.threshold(), pot.quantile(1e-4));
  EXPECT_EQ(spot.center(), pot.center);
  EXPECT_EQ(spot.weibull().exponent, pot.weibull.exponent);
  const auto events = spot.process(x.tail(20000));
  const auto alarms = alarms_of(events);
  for (Eigen::Index i = 15000; i < 15010; ++i) {
    EXPECT_NE(std::find(alarms.begin(), alarms.end(), i), alarms.end()) << i;
  }
  EXPECT_LT(alarms.size(), 10u + 10u);  // ~2 false alarms expected in 20 000 at q = 1e-4
  // Exact log-normal z_q(1e-4) = exp(3.719) = 41.2: the streaming estimate is close.
  EXPECT_NEAR(spot.threshold() / 41.2, 1.0, 0.15);
  // Chunking and state round trip hold with the options.
  cal::Spot whole(c);
  const auto expected = whole.process(x);
  cal::Spot pieces(c);
  pieces.process(x.head(12345));
  auto restored = cal::Spot::from_state(nlohmann::json::parse(pieces.state().dump()));
  EXPECT_EQ(restored.config().tail, c.tail);
  EXPECT_EQ(restored.process(x.tail(x.size() - 12345)), expected.tail(x.size() - 12345));
}

TEST(Spot, RejectsBadInput) {
  auto c = config();
  c.level = 1.0;
  expect_invalid([&] { cal::Spot s(c); }, "level is 1");
  c = config();
  c.risk_q = 0.05;
  expect_invalid([&] { cal::Spot s(c); }, "expected q in (0, 1 - level = 0.02");
  c = config();
  c.n_init = 400;
  expect_invalid([&] { cal::Spot s(c); }, "leaves 8");
  c = config();
  c.depth = -1;
  expect_invalid([&] { cal::Spot s(c); }, "depth is -1");
  c = config();
  c.max_peaks = 5;
  expect_invalid([&] { cal::Spot s(c); },
                 "max_peaks is 5; expected 0 (keep every peak) or at least 10");
  c = config();
  c.max_peaks = -1;
  expect_invalid([&] { cal::Spot s(c); }, "max_peaks is -1");
  // Log-transformed Weibull tail on signed N(0,1) values: refused at calibration (median <= 0),
  // and calibration starts over.
  c = config();
  c.tail = {cal::ScoreTransform::log, cal::TailModel::weibull};
  cal::Spot signed_scores(c);
  expect_invalid([&] { signed_scores.process(shifted_stream().head(1000)); }, "median > 0");
  EXPECT_EQ(signed_scores.samples_seen(), 0);
  cal::Spot s(config());
  expect_invalid([&] { s.update(std::numeric_limits<double>::quiet_NaN()); }, "value 0 is nan");
  cal::Spot unset;
  EXPECT_THROW(unset.update(1.0), ecgad::StateError);
  // Constant calibration data: every excess would be 0; refused, and calibration restarts.
  cal::Spot flat(config());
  EXPECT_THROW(flat.process(Eigen::VectorXd::Zero(1000)), ecgad::InvalidArgument);
  EXPECT_EQ(flat.samples_seen(), 0);
}
