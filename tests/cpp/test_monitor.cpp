// Drift monitor (drift/monitor.hpp): per-beat observation streams simulated with known change
// points (seeded), one scenario per alert kind: the alert, its shape (sudden vs gradual), its
// cause and action, the detection delay and the since_s estimate; a stationary stream stays
// quiet; reference fit (numpy-linear quantiles) and JSON round trips; save/restore continues
// identically; reset; bad input; rates per hour.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/monitor.hpp"
#include "golden.hpp"
#include "random.hpp"

namespace dr = ecgad::drift;
using ecgad::test::expect_invalid;

namespace {

using ecgad::test::Normal;

constexpr int kLatentDim = 8;

// One simulated beat stream: HR 70 ± 2 bpm (beat times follow the RR intervals), R amplitude
// 1.2 ± 0.05 mV, quality 0.9 ± 0.03 (good), log-normal reconstruction error, 8-d N(0, 1) codes.
// `change(i, beat)` edits beat i (a drift scenario) before it is stored.
struct Stream {
  std::vector<dr::BeatObservation> beats;
  std::vector<std::vector<float>> codes;
  std::vector<double> times;  // times[i] of beat i (also beats[i].time_s)

  Stream(int n, std::uint64_t seed,
         const std::function<void(int, dr::BeatObservation&, std::vector<float>&)>& change = {}) {
    Normal g(seed);
    beats.resize(static_cast<std::size_t>(n));
    codes.resize(static_cast<std::size_t>(n));
    double t = 0.0;
    for (int i = 0; i < n; ++i) {
      auto& b = beats[static_cast<std::size_t>(i)];
      auto& c = codes[static_cast<std::size_t>(i)];
      b.heart_rate_bpm = 70.0 + 2.0 * g();
      b.r_amplitude_mv = 1.2 + 0.05 * g();
      b.quality_score = std::min(1.0, std::max(0.0, 0.9 + 0.03 * g()));
      b.quality_grade = ecgad::signal::QualityGrade::good;
      b.score = 0.1 * std::exp(0.3 * g());
      c.resize(kLatentDim);
      for (auto& v : c) v = static_cast<float>(g());
      if (change) change(i, b, c);
      t += 60.0 / b.heart_rate_bpm;
      b.time_s = t;
      b.predicted_anomaly = b.score > 0.2;
    }
    for (std::size_t i = 0; i < beats.size(); ++i) {
      beats[i].latent = codes[i].data();
      beats[i].latent_dim = codes[i].size();
      times.push_back(beats[i].time_s);
    }
  }
};

dr::MonitorReference make_reference(std::uint64_t seed = 1, int n = 2000) {
  Stream s(n, seed);
  Eigen::VectorXd score(n), hr(n), amp(n), q(n);
  dr::LatentMatrix latent(n, kLatentDim);
  for (int i = 0; i < n; ++i) {
    const auto& b = s.beats[static_cast<std::size_t>(i)];
    score[i] = b.score;
    hr[i] = b.heart_rate_bpm;
    amp[i] = b.r_amplitude_mv;
    q[i] = b.quality_score;
    for (int c = 0; c < kLatentDim; ++c) latent(i, c) = s.codes[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)];
  }
  return dr::MonitorReference::fit(score, hr, amp, q, latent);
}

void run(dr::Monitor& m, const Stream& s, std::size_t from = 0,
         std::size_t to = std::numeric_limits<std::size_t>::max()) {
  for (std::size_t i = from; i < std::min(to, s.beats.size()); ++i) m.update(s.beats[i]);
}

std::vector<dr::Alert> of_kind(const dr::Monitor& m, dr::AlertKind k) {
  std::vector<dr::Alert> out;
  for (const auto& a : m.alerts()) {
    if (a.kind == k) out.push_back(a);
  }
  return out;
}

std::string describe(const dr::Monitor& m) {
  std::string s;
  for (const auto& a : m.alerts()) s += a.to_json().dump() + "\n";
  return s;
}

constexpr int kChange = 1500;  // beat index of every scenario's change
constexpr int kBeats = 3000;

}  // namespace

TEST(MonitorReference, FitQuantilesMomentsAndRoundTrip) {
  const int n = 100;
  Eigen::VectorXd score(n), hr(n), amp(n), q(n);
  for (int i = 0; i < n; ++i) {
    score[i] = static_cast<double>((i * 37) % n);  // a permutation of 0..99
    hr[i] = 60.0 + (i % 2);
    amp[i] = -1.0 - 0.01 * i;  // inverted lead
    q[i] = 0.5;
  }
  const auto r = dr::MonitorReference::fit(score, hr, amp, q);
  ASSERT_EQ(r.score_quantiles.size(), 101u);
  // numpy.quantile(arange(100), l) = 99 l (linear method).
  for (int l = 0; l <= 100; ++l) EXPECT_NEAR(r.score_quantiles[static_cast<std::size_t>(l)], 0.99 * l, 1e-12);
  EXPECT_DOUBLE_EQ(r.score_mean, 49.5);
  EXPECT_NEAR(r.score_std, std::sqrt(841.6666666666666), 1e-12);  // numpy std(ddof=1)
  EXPECT_DOUBLE_EQ(r.heart_rate_mean_bpm, 60.5);
  EXPECT_EQ(r.polarity, -1);
  EXPECT_NEAR(r.amplitude_mean_mv, 1.495, 1e-12);  // of |amplitude|
  EXPECT_GT(r.quality_std, 0.0);                    // a constant reference gets a floored std
  EXPECT_FALSE(r.has_latent());
  EXPECT_DOUBLE_EQ(r.score_cdf(-1.0), 0.0);
  EXPECT_DOUBLE_EQ(r.score_cdf(99.0), 1.0);
  EXPECT_NEAR(r.score_cdf(49.5), 0.5, 1e-12);
  const auto back = dr::MonitorReference::from_json(nlohmann::json::parse(r.to_json().dump()));
  EXPECT_TRUE(back == r);

  const auto full = make_reference();
  EXPECT_TRUE(full.has_latent());
  EXPECT_EQ(full.latent_mean.size(), static_cast<std::size_t>(kLatentDim));
  EXPECT_NEAR(full.heart_rate_mean_bpm, 70.0, 0.2);
  EXPECT_NEAR(full.heart_rate_std_bpm, 2.0, 0.1);
  EXPECT_NEAR(full.latent_distance_mean, 1.0, 0.1);  // RMS of 8 N(0,1) z-scores ~ 1
  EXPECT_TRUE(dr::MonitorReference::from_json(nlohmann::json::parse(full.to_json().dump())) == full);
}

TEST(MonitorReference, RejectsBadInput) {
  Eigen::VectorXd ok = Eigen::VectorXd::Constant(40, 1.0);
  Eigen::VectorXd short_v = Eigen::VectorXd::Constant(10, 1.0);
  expect_invalid([&] { dr::MonitorReference::fit(short_v, short_v, short_v, short_v); },
                 "at least 30");
  Eigen::VectorXd hr39 = Eigen::VectorXd::Constant(39, 70.0);
  expect_invalid([&] { dr::MonitorReference::fit(ok, hr39, ok, ok); }, "heart_rate_bpm has 39");
  Eigen::VectorXd nan_scores = ok;
  nan_scores[3] = std::nan("");
  expect_invalid([&] { dr::MonitorReference::fit(nan_scores, ok, ok, ok); }, "scores[3]");
  Eigen::VectorXd zero_hr = ok;
  zero_hr[0] = 0.0;
  expect_invalid([&] { dr::MonitorReference::fit(ok, zero_hr, ok, ok); }, "> 0 bpm");
  Eigen::VectorXd q2 = Eigen::VectorXd::Constant(40, 2.0);
  expect_invalid([&] { dr::MonitorReference::fit(ok, ok, ok, q2); }, "in [0, 1]");
  auto j = make_reference().to_json();
  j["polarity"] = 3;
  expect_invalid([&] { dr::MonitorReference::from_json(j); }, "polarity");
  j = make_reference().to_json();
  j.erase("score_std");
  expect_invalid([&] { dr::MonitorReference::from_json(j); }, "score_std");
}

TEST(MonitorConfig, ValidatesAndRoundTrips) {
  dr::MonitorConfig c;
  c.cooldown_s = 120.0;
  c.heart_rate_cusum.h = 40.0;
  c.amplitude_tolerance = 0.3;
  const auto back = dr::MonitorConfig::from_json(nlohmann::json::parse(c.to_json().dump()));
  EXPECT_EQ(back.to_json(), c.to_json());
  dr::MonitorConfig bad;
  bad.sudden_fraction = 1.5;
  expect_invalid([&] { bad.validate(); }, "sudden_fraction must be in (0, 1], got 1.5");
  bad = dr::MonitorConfig{};
  bad.polarity_min_flipped = 25;
  expect_invalid([&] { bad.validate(); }, "polarity_min_flipped must be <= polarity_beats = 24");
  bad = dr::MonitorConfig{};
  bad.heart_rate_tolerance_bpm = 0.0;
  expect_invalid([&] { bad.validate(); }, "heart_rate_tolerance_bpm");
  bad = dr::MonitorConfig{};
  bad.score_smoothing_beats = 2000;
  expect_invalid([&] { bad.validate(); }, "must be <= history_beats = 1024, got 15, 2000 and 31");
  bad = dr::MonitorConfig{};
  bad.score_quantile = 1.0;
  expect_invalid([&] { bad.validate(); }, "score_quantile must be in (0, 1), got 1");
  bad = dr::MonitorConfig{};
  bad.history_beats = 4;
  expect_invalid([&] { dr::Monitor(make_reference(), bad); }, "history_beats must be >= 16");
}

TEST(Monitor, StationaryStreamsRaiseFewAlerts) {
  const auto ref = make_reference();
  int total = 0;
  double hours = 0.0;
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    dr::Monitor m(ref);
    Stream s(4200, seed);  // one hour at 70 bpm
    run(m, s);
    total += static_cast<int>(m.alerts().size());
    hours += m.summary().duration_s / 3600.0;
    EXPECT_LE(m.alerts().size(), 1u) << "seed " << seed << "\n" << describe(m);
  }
  EXPECT_NEAR(hours, 10.0, 0.1);
  EXPECT_LE(total, 2) << "false alerts over ten stationary hours";
}

TEST(Monitor, SuddenGainStepIsAmplitudeSensorFault) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 7, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.r_amplitude_mv *= 2.0;  // amplifier gain doubled
  });
  run(m, s);
  const auto amp = of_kind(m, dr::AlertKind::amplitude);
  ASSERT_EQ(amp.size(), 1u) << describe(m);
  const auto& a = amp[0];
  EXPECT_GE(a.beat_index, kChange);
  // log 2 / log 1.5 = 1.7 tolerances: the 15-beat median crosses after 8 beats, CUSUM
  // (k = 1, h = 10) accumulates 0.7 per beat.
  EXPECT_LE(a.beat_index, kChange + 26);
  EXPECT_GE(a.beat_index, kChange + 15);
  EXPECT_NEAR(a.since_s, s.times[kChange], 2.0);
  EXPECT_EQ(a.shape, dr::ChangeShape::sudden);
  EXPECT_EQ(a.cause, dr::ChangeCause::sensor_fault);
  EXPECT_EQ(a.action, dr::RecommendedAction::check_sensor);
  EXPECT_NEAR(a.strength, std::log(2.0) / std::log(1.5), 0.3);
  EXPECT_TRUE(of_kind(m, dr::AlertKind::polarity).empty());
  EXPECT_TRUE(of_kind(m, dr::AlertKind::heart_rate).empty());
  EXPECT_EQ(m.summary().status, "ok");  // the last alert is older than cooldown_s
}

TEST(Monitor, GradualAmplitudeTrendIsPhysiological) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 8, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.r_amplitude_mv += 0.8 * std::min(1.0, (i - kChange) / 1000.0);
  });
  run(m, s);
  const auto amp = of_kind(m, dr::AlertKind::amplitude);
  ASSERT_GE(amp.size(), 1u) << describe(m);
  EXPECT_GE(amp[0].beat_index, kChange);
  EXPECT_EQ(amp[0].shape, dr::ChangeShape::gradual) << describe(m);
  EXPECT_EQ(amp[0].cause, dr::ChangeCause::physiological);
  EXPECT_EQ(amp[0].action, dr::RecommendedAction::none_yet);
  EXPECT_NEAR(amp[0].since_s, s.times[kChange], 60.0);
}

TEST(Monitor, PolarityFlipIsSensorFault) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 9, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.r_amplitude_mv = -b.r_amplitude_mv;  // leads swapped
  });
  run(m, s);
  const auto pol = of_kind(m, dr::AlertKind::polarity);
  ASSERT_EQ(pol.size(), 1u) << describe(m);
  EXPECT_EQ(pol[0].beat_index, kChange + 21);  // 22 of the last 24 beats flipped
  EXPECT_DOUBLE_EQ(pol[0].since_s, s.times[kChange]);
  EXPECT_EQ(pol[0].shape, dr::ChangeShape::sudden);
  EXPECT_EQ(pol[0].cause, dr::ChangeCause::sensor_fault);
  EXPECT_EQ(pol[0].action, dr::RecommendedAction::check_sensor);
  EXPECT_NEAR(pol[0].strength, -2.0 * 1.2 / 0.05, 3.0);
  EXPECT_TRUE(of_kind(m, dr::AlertKind::amplitude).empty()) << "|amplitude| did not change";
}

TEST(Monitor, GradualHeartRateTrendIsPhysiological) {
  dr::Monitor m(make_reference());
  // +30 bpm over 600 beats (about 7 minutes), then a plateau: exercise.
  Stream s(kBeats, 10, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.heart_rate_bpm += 30.0 * std::min(1.0, (i - kChange) / 600.0);
  });
  run(m, s);
  const auto hr = of_kind(m, dr::AlertKind::heart_rate);
  ASSERT_GE(hr.size(), 1u) << describe(m);
  const auto& a = hr[0];
  EXPECT_GE(a.beat_index, kChange);
  EXPECT_LE(a.detected_s - s.times[kChange], 600.0);  // within 10 minutes (issue 5 §5)
  EXPECT_EQ(a.shape, dr::ChangeShape::gradual);
  EXPECT_EQ(a.cause, dr::ChangeCause::physiological);
  EXPECT_EQ(a.action, dr::RecommendedAction::none_yet);
  EXPECT_GT(a.strength, 1.0);
  EXPECT_NEAR(a.since_s, s.times[kChange], 60.0);
  for (const auto& x : m.alerts()) EXPECT_NE(x.cause, dr::ChangeCause::sensor_fault) << describe(m);
}

TEST(Monitor, SuddenHeartRateStepIsSudden) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 11, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.heart_rate_bpm += 60.0;
  });
  run(m, s);
  const auto hr = of_kind(m, dr::AlertKind::heart_rate);
  ASSERT_EQ(hr.size(), 1u) << describe(m);
  // 60 bpm = 3 tolerances: the 15-beat median crosses after 8 beats, the slow CUSUM (k = 1,
  // h = 100) accumulates 2 per beat.
  EXPECT_LE(hr[0].beat_index, kChange + 62);
  EXPECT_EQ(hr[0].shape, dr::ChangeShape::sudden);
  EXPECT_NEAR(hr[0].since_s, s.times[kChange], 2.0);
}

TEST(Monitor, ScoreShiftWithGoodQualityIsPhysiological) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 12, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.score *= 3.0;  // new morphology the model reconstructs worse
  });
  run(m, s);
  const auto sc = of_kind(m, dr::AlertKind::score);
  ASSERT_EQ(sc.size(), 1u) << describe(m);
  const auto& a = sc[0];
  EXPECT_GE(a.beat_index, kChange);
  // The score is a slow (physiological) channel: 100 tolerance·beats, ~2.5 minutes here.
  EXPECT_LE(a.detected_s - s.times[kChange], 180.0);
  EXPECT_EQ(a.cause, dr::ChangeCause::physiological);
  EXPECT_TRUE(a.action == dr::RecommendedAction::recalibrate_threshold ||
              a.action == dr::RecommendedAction::retrain);
  EXPECT_GT(a.strength, 0.5);
  EXPECT_EQ(a.detector, "cusum");
  EXPECT_EQ(a.shape, dr::ChangeShape::sudden);
  EXPECT_NEAR(a.since_s, s.times[kChange], 10.0);
  EXPECT_TRUE(of_kind(m, dr::AlertKind::quality).empty());
}

TEST(Monitor, GradualScoreDriftIsGradual) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 22, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.score *= 1.0 + 1.5 * std::min(1.0, (i - kChange) / 1000.0);
  });
  run(m, s);
  const auto sc = of_kind(m, dr::AlertKind::score);
  ASSERT_GE(sc.size(), 1u) << describe(m);
  EXPECT_GE(sc[0].beat_index, kChange);
  EXPECT_LE(sc[0].detected_s - s.times[kChange], 600.0);
  EXPECT_EQ(sc[0].shape, dr::ChangeShape::gradual) << describe(m);
  EXPECT_EQ(sc[0].cause, dr::ChangeCause::physiological);
  EXPECT_EQ(sc[0].action, dr::RecommendedAction::recalibrate_threshold);
  // The per-beat score CDF is uniform noise: a trend's start is placed within ~4 minutes.
  EXPECT_NEAR(sc[0].since_s, s.times[kChange], 240.0) << describe(m);
}

TEST(Monitor, LargeScoreShiftOrLatentDriftAsksForRetraining) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 13, [](int i, dr::BeatObservation& b, std::vector<float>& c) {
    if (i >= kChange) {
      b.score *= 3.0;
      for (auto& v : c) v = 1.5f * v + 1.0f;  // codes leave the training region
    }
  });
  run(m, s);
  const auto lat = of_kind(m, dr::AlertKind::latent);
  ASSERT_GE(lat.size(), 1u) << describe(m);
  EXPECT_EQ(lat[0].action, dr::RecommendedAction::retrain);
  EXPECT_EQ(lat[0].cause, dr::ChangeCause::physiological);
  EXPECT_LE(lat[0].beat_index, kChange + 80);
  const auto sc = of_kind(m, dr::AlertKind::score);
  ASSERT_GE(sc.size(), 1u);
  EXPECT_EQ(sc[0].action, dr::RecommendedAction::retrain);
}

TEST(Monitor, QualityCollapseIsSensorFault) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 14, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) {  // electrode lifting: noisy signal, higher reconstruction error
      b.quality_score = 0.3;
      b.quality_grade = ecgad::signal::QualityGrade::unusable;
      b.score *= 3.0;
    }
  });
  run(m, s);
  const auto q = of_kind(m, dr::AlertKind::quality);
  ASSERT_EQ(q.size(), 1u) << describe(m);
  // -1.5 tolerances: the 31-beat median crosses after 16 bad beats, CUSUM (0.5 a beat)
  // fires ~20 later.
  EXPECT_GE(q[0].beat_index, kChange + 25);
  EXPECT_LE(q[0].beat_index, kChange + 40);
  EXPECT_EQ(q[0].cause, dr::ChangeCause::sensor_fault);
  EXPECT_EQ(q[0].action, dr::RecommendedAction::check_sensor);
  EXPECT_EQ(q[0].shape, dr::ChangeShape::sudden);
  EXPECT_NEAR(q[0].strength, -1.5, 0.3);  // (0.3 - 0.9) / quality_tolerance
  for (const auto& a : m.alerts()) {
    EXPECT_EQ(a.cause, dr::ChangeCause::sensor_fault) << describe(m);
  }
  EXPECT_EQ(m.summary().status, "sensor_fault");
}

TEST(Monitor, RisingReviewerErrorRateAsksForRetraining) {
  dr::Monitor m(make_reference());
  Stream s(kBeats, 15);
  run(m, s);
  Normal g(16);
  // Labels arrive after the fact, in beat order: 5 % errors, then 30 % from beat 1500 on.
  for (int i = 0; i < kBeats; ++i) {
    const double p_err = i < kChange ? 0.05 : 0.30;
    const bool pred = s.beats[static_cast<std::size_t>(i)].predicted_anomaly;
    const bool wrong = g.uniform() < p_err;
    m.update_label(s.times[static_cast<std::size_t>(i)], wrong ? !pred : pred, pred);
  }
  const auto er = of_kind(m, dr::AlertKind::error_rate);
  ASSERT_GE(er.size(), 1u) << describe(m);
  EXPECT_GE(er[0].beat_index, kChange);
  EXPECT_LE(er[0].beat_index, kChange + 150);
  EXPECT_EQ(er[0].action, dr::RecommendedAction::retrain);
  EXPECT_NEAR(er[0].since_s, s.times[kChange], 60.0);
  EXPECT_GT(er[0].strength, 0.5);  // (0.30 - 0.05) / sqrt(0.05 · 0.95) = 1.15 in expectation
  EXPECT_EQ(er[0].detected_s, s.times.back());  // the monitor's clock when the label came
  EXPECT_EQ(m.summary().n_labels, kBeats);
}

TEST(Monitor, SaveRestoreContinuesIdentically) {
  const auto ref = make_reference();
  Stream s(kBeats, 17, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= 1000) b.r_amplitude_mv *= 4.0;  // 3.4 tolerances: alarms ~13 beats after
    if (i >= 2000) b.score *= 3.0;
  });
  dr::Monitor a(ref);
  std::size_t split = 0;  // the step detected, its alert waiting for 16 beats to confirm
  const auto amp = static_cast<int>(dr::AlertKind::amplitude);
  while (split < 1100 && a.save().at("pending_beats").at(amp).get<int>() <= 0) {
    a.update(s.beats[split++]);
  }
  ASSERT_TRUE(a.alerts().empty());
  ASSERT_GT(a.save().at("pending_beats").at(amp), 0);
  const std::string saved = a.save().dump();
  dr::MonitorConfig other;
  other.cooldown_s = 1.0;
  dr::Monitor b(make_reference(99), other);  // restore takes config and reference from the state
  int called = 0;
  b.set_alert_callback([&](const dr::Alert&) { ++called; });
  b.restore(nlohmann::json::parse(saved));
  EXPECT_EQ(b.save().dump(), saved);
  run(a, s, split);
  run(b, s, split);
  EXPECT_EQ(a.save().dump(), b.save().dump());
  ASSERT_EQ(a.alerts().size(), b.alerts().size());
  for (std::size_t i = 0; i < a.alerts().size(); ++i) EXPECT_TRUE(a.alerts()[i] == b.alerts()[i]);
  ASSERT_GE(b.alerts().size(), 2u);  // the gain, then the score
  EXPECT_EQ(called, static_cast<int>(b.alerts().size()));  // the callback survived restore

  // A corrupt state leaves the monitor unchanged.
  auto bad = nlohmann::json::parse(saved);
  bad["expected_sign"] = 0;
  const std::string before = b.save().dump();
  expect_invalid([&] { b.restore(bad); }, "expected_sign");
  EXPECT_EQ(b.save().dump(), before);
  expect_invalid([&] { b.restore(nlohmann::json{{"detector", "adwin"}}); }, "not a monitor state");
}

TEST(Monitor, ResetForgetsTheStreamAndIsDeterministic) {
  const auto ref = make_reference();
  Stream s(kBeats, 18, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.r_amplitude_mv = -b.r_amplitude_mv;
  });
  dr::Monitor m(ref);
  run(m, s);
  const std::string first = m.save().dump();
  const std::string fresh = dr::Monitor(ref).save().dump();
  m.reset();
  EXPECT_EQ(m.save().dump(), fresh);
  EXPECT_EQ(m.summary().n_beats, 0);
  EXPECT_TRUE(m.alerts().empty());
  run(m, s);
  EXPECT_EQ(m.save().dump(), first);
}

TEST(Monitor, CallbackSeesEveryAlert) {
  dr::Monitor m(make_reference());
  std::vector<dr::Alert> seen;
  m.set_alert_callback([&](const dr::Alert& a) { seen.push_back(a); });
  Stream s(kBeats, 19, [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange) b.r_amplitude_mv *= -2.0;
  });
  int returned = 0;
  for (const auto& b : s.beats) returned += m.update(b);
  ASSERT_GE(seen.size(), 2u);  // the flip and the gain
  EXPECT_EQ(returned, static_cast<int>(seen.size()));
  ASSERT_EQ(seen.size(), m.alerts().size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(seen[i] == m.alerts()[i]);
    EXPECT_TRUE(dr::Alert::from_json(nlohmann::json::parse(seen[i].to_json().dump())) == seen[i]);
  }
}

TEST(Monitor, BadInputThrowsAndChangesNothing) {
  dr::Monitor m(make_reference());
  Stream s(50, 20);
  run(m, s, 0, 40);
  const std::string before = m.save().dump();
  auto b = s.beats[40];
  b.score = std::nan("");
  expect_invalid([&] { m.update(b); }, "score must be finite, got nan");
  b = s.beats[40];
  b.time_s = s.times[10];
  expect_invalid([&] { m.update(b); }, "time_s must increase from beat to beat");
  b = s.beats[40];
  b.time_s = s.times[39];
  expect_invalid([&] { m.update(b); }, "time_s must increase");
  b = s.beats[40];
  b.quality_score = 1.5;
  expect_invalid([&] { m.update(b); }, "quality_score must be in [0, 1], got 1.5");
  b = s.beats[40];
  b.p_value = -0.1;
  expect_invalid([&] { m.update(b); }, "p_value must be in [0, 1]");
  b = s.beats[40];
  b.heart_rate_bpm = std::nan("");
  expect_invalid([&] { m.update(b); }, "rr_s must be a finite RR interval > 0 s");
  b = s.beats[40];
  b.heart_rate_bpm = -3.0;
  expect_invalid([&] { m.update(b); }, "heart_rate_bpm must be finite and > 0 bpm, got -3");
  b = s.beats[40];
  b.r_amplitude_mv = std::numeric_limits<double>::infinity();
  expect_invalid([&] { m.update(b); }, "r_amplitude_mv must be finite");
  b = s.beats[40];
  b.latent_dim = 3;
  expect_invalid([&] { m.update(b); }, "latent code has 3 values, expected 8");
  std::vector<float> nan_code(kLatentDim, std::nanf(""));
  b = s.beats[40];
  b.latent = nan_code.data();
  expect_invalid([&] { m.update(b); }, "latent[0] must be finite");
  expect_invalid([&] { m.update_label(s.times[45], true, false); }, "after the last beat seen");
  expect_invalid([&] { m.update_label(std::nan(""), true, false); }, "beat_time_s must be finite");
  EXPECT_EQ(m.save().dump(), before);
  m.update_label(s.times[20], true, true);
  expect_invalid([&] { m.update_label(s.times[10], true, true); }, "labels must come in beat order");

  // rr_s stands in for a missing heart rate.
  b = s.beats[40];
  b.heart_rate_bpm = std::nan("");
  b.rr_s = 0.8;
  EXPECT_NO_THROW(m.update(b));

  // A latent code without latent reference statistics.
  Eigen::VectorXd ones = Eigen::VectorXd::Constant(40, 1.0);
  Eigen::VectorXd hr = Eigen::VectorXd::Constant(40, 70.0);
  dr::Monitor no_latent(dr::MonitorReference::fit(ones, hr, ones, ones));
  expect_invalid([&] { no_latent.update(s.beats[0]); }, "reference has no latent statistics");
}

TEST(Monitor, RatesPerHour) {
  dr::Monitor m(make_reference());
  Stream s(3601, 21);
  dr::MonitorSummary empty = m.summary();
  EXPECT_TRUE(std::isnan(empty.alerts_per_hour));
  EXPECT_EQ(empty.status, "ok");
  for (int i = 0; i <= 3600; ++i) {  // one beat a second for exactly one hour
    auto b = s.beats[static_cast<std::size_t>(i)];
    b.time_s = 100.0 + i;
    b.heart_rate_bpm = 60.0 + 2.0 * std::sin(i * 1.7);
    b.predicted_anomaly = i % 100 == 0;  // 37 anomalies
    m.update(b);
    if (i == 1800) {
      const auto half = m.summary();
      EXPECT_DOUBLE_EQ(half.duration_s, 1800.0);
      EXPECT_DOUBLE_EQ(half.anomalies_per_hour, 19.0 / 0.5);
    }
  }
  const auto sum = m.summary();
  EXPECT_EQ(sum.n_beats, 3601);
  EXPECT_EQ(sum.n_anomalies, 37);
  EXPECT_DOUBLE_EQ(sum.duration_s, 3600.0);
  EXPECT_DOUBLE_EQ(sum.anomalies_per_hour, 37.0);
  EXPECT_DOUBLE_EQ(sum.alerts_per_hour, static_cast<double>(sum.n_alerts));
  const auto j = sum.to_json();
  EXPECT_EQ(j.at("n_anomalies"), 37);
  EXPECT_EQ(j.at("alerts_by_kind").size(), 8u);
}

namespace {

// A biphasic beat (R and S of similar size) whose R/S balance wanders: the sign of its largest
// deflection flips without any change of lead. 32 samples; `balance` in [-1, 1].
std::vector<float> biphasic_beat(double balance, Normal& g) {
  std::vector<float> w(32);
  for (int i = 0; i < 32; ++i) {
    const double r = std::exp(-0.5 * std::pow((i - 12) / 2.0, 2.0));
    const double s = std::exp(-0.5 * std::pow((i - 17) / 2.0, 2.0));
    const double t = 0.3 * std::exp(-0.5 * std::pow((i - 27) / 3.0, 2.0));
    w[static_cast<std::size_t>(i)] =
        static_cast<float>((1.0 + 0.3 * balance) * r - (1.0 - 0.3 * balance) * s + t +
                           0.02 * g());
  }
  return w;
}

// A beat of a stationary stream at time t (70 ± 2 bpm, log-normal score, quality 0.9); the
// caller sets amplitude and waveform.
dr::BeatObservation steady_beat(double t, Normal& g) {
  dr::BeatObservation b;
  b.time_s = t;
  b.score = 0.1 * std::exp(0.3 * g());
  b.heart_rate_bpm = 70.0 + 2.0 * g();
  b.quality_score = 0.9;
  return b;
}

}  // namespace

TEST(Monitor, TemplatePolarityIgnoresRSBalanceAndCatchesInversion) {
  Normal g(31);
  const int n_ref = 300, n = 3000;
  std::vector<std::vector<float>> waves;
  std::vector<double> signed_amp;
  for (int i = 0; i < n_ref + n; ++i) {
    // The R/S balance drifts slowly from R-dominant to S-dominant and back.
    const double balance = std::sin(6.283185307179586 * i / 1200.0);
    auto w = biphasic_beat(balance, g);
    if (i >= n_ref + 2000) {
      for (auto& v : w) v = -v;  // the lead is inverted at beat 2000 of the stream
    }
    const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
    signed_amp.push_back(std::fabs(*hi) >= std::fabs(*lo) ? *hi - *lo : -(*hi - *lo));
    waves.push_back(std::move(w));
  }
  dr::LatentMatrix beats(n_ref, 32);
  Eigen::VectorXd score(n_ref), hr(n_ref), amp(n_ref), q(n_ref);
  for (int i = 0; i < n_ref; ++i) {
    for (int k = 0; k < 32; ++k) beats(i, k) = waves[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
    score[i] = 0.1 * std::exp(0.3 * g());
    hr[i] = 70.0 + 2.0 * g();
    amp[i] = signed_amp[static_cast<std::size_t>(i)];
    q[i] = 0.9;
  }
  const auto ref = dr::MonitorReference::fit(score, hr, amp, q, dr::LatentMatrix(), beats);
  ASSERT_TRUE(ref.has_template());
  EXPECT_NEAR(ref.template_beat[12], beats.col(12).cast<double>().mean(), 1e-9);
  EXPECT_TRUE(dr::MonitorReference::from_json(ref.to_json()) == ref);

  auto run_stream = [&](bool with_beats) {
    dr::Monitor m(ref);
    double t = 0.0;
    for (int i = n_ref; i < n_ref + n; ++i) {
      t += 60.0 / 70.0;
      dr::BeatObservation b = steady_beat(t, g);
      b.r_amplitude_mv = signed_amp[static_cast<std::size_t>(i)];
      if (with_beats) {
        b.beat = waves[static_cast<std::size_t>(i)].data();
        b.beat_length = 32;
      }
      m.update(b);
    }
    return of_kind(m, dr::AlertKind::polarity);
  };
  // The sign of the largest deflection flips with the balance: false inversions.
  EXPECT_GE(run_stream(false).size(), 2u);
  // The correlation with the template does not; only the real inversion alerts.
  const auto pol = run_stream(true);
  ASSERT_EQ(pol.size(), 1u);
  EXPECT_GE(pol[0].beat_index, 2000);
  EXPECT_LE(pol[0].beat_index, 2000 + 24);
  EXPECT_EQ(pol[0].cause, dr::ChangeCause::sensor_fault);

  // A reference without the template (written before it existed) still loads.
  auto j = ref.to_json();
  j.erase("template_beat");
  EXPECT_FALSE(dr::MonitorReference::from_json(j).has_template());
  // A beat of the wrong length is refused.
  dr::Monitor m(ref);
  dr::BeatObservation b;
  b.time_s = 1.0;
  b.score = 0.1;
  b.heart_rate_bpm = 70.0;
  b.quality_score = 0.9;
  b.beat = waves[0].data();
  b.beat_length = 31;
  expect_invalid([&] { m.update(b); }, "beat has 31 samples, expected 32");
  expect_invalid([&] { dr::MonitorReference::fit(score, hr, amp, q, dr::LatentMatrix(),
                                                 beats.topRows(10)); },
                 "beats (rows) has 10 values, expected 300");
}

TEST(Monitor, PrematureBeatsStayOutOfTheAmplitudeChannel) {
  // Bigeminy from beat 1500: every other beat a PVC with 3x the |R| and opposite sign.
  auto bigeminy = [](int i, dr::BeatObservation& b, std::vector<float>&) {
    if (i >= kChange && i % 2 == 1) {
      b.r_amplitude_mv *= -3.0;
      b.premature = true;
    }
  };
  dr::Monitor flagged(make_reference());
  Stream s(kBeats, 32, bigeminy);
  run(flagged, s);
  EXPECT_TRUE(of_kind(flagged, dr::AlertKind::amplitude).empty()) << describe(flagged);
  EXPECT_TRUE(of_kind(flagged, dr::AlertKind::polarity).empty()) << describe(flagged);
  // Unflagged, the same PVCs move the 15-beat median of |R| to the PVCs' every other beat:
  // an alert.
  Stream unflagged(kBeats, 32, [&](int i, dr::BeatObservation& b, std::vector<float>& c) {
    bigeminy(i, b, c);
    b.premature = false;
  });
  dr::Monitor plain(make_reference());
  run(plain, unflagged);
  EXPECT_FALSE(of_kind(plain, dr::AlertKind::amplitude).empty());
}

TEST(Monitor, MorphologyCatchesTimeScaledBeatsNotGain) {
  // P-QRS-T on 64 samples; `scale` > 1 compresses it in time around the R peak (a 720 Hz
  // signal read as 360 Hz: scale 2), `gain` scales it.
  Normal g(41);
  auto beat = [&](double scale, double gain) {
    std::vector<float> w(64);
    for (int i = 0; i < 64; ++i) {
      const double u = 24.0 + (i - 24.0) * scale;  // sample i of the scaled beat
      const double v = 0.15 * std::exp(-0.5 * std::pow((u - 10.0) / 3.0, 2.0)) +
                       std::exp(-0.5 * std::pow((u - 24.0) / 1.5, 2.0)) -
                       0.2 * std::exp(-0.5 * std::pow((u - 28.0) / 1.5, 2.0)) +
                       0.3 * std::exp(-0.5 * std::pow((u - 45.0) / 5.0, 2.0));
      w[static_cast<std::size_t>(i)] = static_cast<float>(gain * v + 0.02 * g());
    }
    return w;
  };
  const int n_ref = 300;
  dr::LatentMatrix waves(n_ref, 64);
  Eigen::VectorXd score(n_ref), hr(n_ref), amp(n_ref), q(n_ref);
  for (int i = 0; i < n_ref; ++i) {
    const auto w = beat(1.0, 1.0);
    for (int k = 0; k < 64; ++k) waves(i, k) = w[static_cast<std::size_t>(k)];
    score[i] = 0.1 * std::exp(0.3 * g());
    hr[i] = 70.0 + 2.0 * g();
    amp[i] = 1.2;
    q[i] = 0.9;
  }
  const auto ref = dr::MonitorReference::fit(score, hr, amp, q, dr::LatentMatrix(), waves);
  EXPECT_GT(ref.template_correlation_mean, 0.95);
  auto run_stream = [&](double scale, double gain) {
    dr::Monitor m(ref);
    double t = 0.0;
    for (int i = 0; i < 2000; ++i) {
      const bool changed = i >= 1000;
      const auto w = beat(changed ? scale : 1.0, changed ? gain : 1.0);
      t += 60.0 / 70.0;
      dr::BeatObservation b = steady_beat(t, g);
      b.r_amplitude_mv = 1.2 * (changed ? gain : 1.0);
      b.beat = w.data();
      b.beat_length = 64;
      m.update(b);
    }
    return m;
  };
  const auto scaled = run_stream(2.0, 1.0);
  const auto morph = of_kind(scaled, dr::AlertKind::morphology);
  ASSERT_EQ(morph.size(), 1u) << describe(scaled);
  EXPECT_GE(morph[0].beat_index, 1000);
  EXPECT_LE(morph[0].beat_index, 1000 + 30) << describe(scaled);  // within ~25 s at 70 bpm
  EXPECT_EQ(morph[0].shape, dr::ChangeShape::sudden);
  EXPECT_EQ(morph[0].cause, dr::ChangeCause::unknown);
  EXPECT_EQ(morph[0].action, dr::RecommendedAction::check_sensor);
  EXPECT_LT(morph[0].strength, -1.0);
  // A doubled gain keeps the shape: an amplitude alert, no morphology alert.
  const auto gained = run_stream(1.0, 2.0);
  EXPECT_TRUE(of_kind(gained, dr::AlertKind::morphology).empty()) << describe(gained);
  EXPECT_EQ(of_kind(gained, dr::AlertKind::amplitude).size(), 1u) << describe(gained);
  // And its state round-trips with the morphology track.
  const auto saved = scaled.save();
  dr::Monitor back(ref);
  back.restore(saved);
  EXPECT_EQ(back.save(), saved);
}
