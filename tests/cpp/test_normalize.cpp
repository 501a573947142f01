// Beat normalisers: exact outputs on small hand-computed beats and seeded random beats,
// constant beats and constant training data (no NaN), inverses, the params round trip through
// Normalizer::from_params, and every bad input.
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ecgad/signal/normalize.hpp"
#include "golden.hpp"

namespace sig = ecgad::signal;
using ecgad::test::expect_invalid;
using sig::BeatMatrix;

namespace {

BeatMatrix random_beats(Eigen::Index n, Eigen::Index length, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> dist(0.3f, 0.8f);
  BeatMatrix b(n, length);
  for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = dist(gen);
  return b;
}

BeatMatrix row(std::initializer_list<float> values) {
  BeatMatrix b(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index c = 0;
  for (float v : values) b(0, c++) = v;
  return b;
}

bool all_finite(const BeatMatrix& b) { return b.allFinite(); }

}  // namespace

TEST(BeatZScore, StandardisesEachBeat) {
  const BeatMatrix y = sig::BeatZScore().transform(row({1.f, 2.f, 3.f, 4.f}));
  const double s = std::sqrt(1.25);  // population std of 1..4
  EXPECT_FLOAT_EQ(y(0, 0), static_cast<float>(-1.5 / s));
  EXPECT_FLOAT_EQ(y(0, 1), static_cast<float>(-0.5 / s));
  EXPECT_FLOAT_EQ(y(0, 2), static_cast<float>(0.5 / s));
  EXPECT_FLOAT_EQ(y(0, 3), static_cast<float>(1.5 / s));
  const BeatMatrix x = random_beats(50, 140, 1);
  const BeatMatrix z = sig::BeatZScore().transform(x);
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    const Eigen::VectorXd v = z.row(r).cast<double>().transpose();
    EXPECT_NEAR(v.mean(), 0.0, 1e-6);
    EXPECT_NEAR(std::sqrt((v.array() - v.mean()).square().mean()), 1.0, 1e-6);
    // A per-beat affine map keeps the shape: same ordering of values.
    Eigen::Index a = 0, b = 0;
    x.row(r).maxCoeff(&a);
    z.row(r).maxCoeff(&b);
    EXPECT_EQ(a, b);
  }
}

TEST(BeatZScore, MapsConstantBeatsToZeros) {
  BeatMatrix x = random_beats(3, 140, 2);
  x.row(1).setConstant(0.7f);                       // exactly flat
  x.row(2) = BeatMatrix::Constant(1, 140, -2.0f);   // flat, negative
  x(2, 5) = -2.0f + 5e-7f;                          // within the default tolerance 1e-6
  const BeatMatrix z = sig::BeatZScore().transform(x);
  EXPECT_TRUE(all_finite(z));
  EXPECT_TRUE((z.row(1).array() == 0.0f).all());
  EXPECT_TRUE((z.row(2).array() == 0.0f).all());
  EXPECT_NEAR(z.row(0).cast<double>().mean(), 0.0, 1e-6);
  // With tolerance 0 the 5e-7 step is a real (if tiny) beat and is standardised.
  const BeatMatrix z0 = sig::BeatZScore(0.0).transform(x);
  EXPECT_TRUE((z0.row(1).array() == 0.0f).all());
  EXPECT_GT(z0(2, 5), 10.0f);
}

TEST(BeatMinMax, MapsEachBeatOntoTheRange) {
  BeatMatrix y = sig::BeatMinMax().transform(row({1.f, 2.f, 3.f, 5.f}));
  EXPECT_EQ(y, row({0.f, 0.25f, 0.5f, 1.f}));
  y = sig::BeatMinMax(-1.0, 1.0).transform(row({1.f, 2.f, 3.f, 5.f}));
  EXPECT_EQ(y, row({-1.f, -0.5f, 0.f, 1.f}));
  const BeatMatrix z = sig::BeatMinMax().transform(random_beats(20, 140, 3));
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    EXPECT_FLOAT_EQ(z.row(r).minCoeff(), 0.0f);
    EXPECT_FLOAT_EQ(z.row(r).maxCoeff(), 1.0f);
  }
  // Constant beat -> range_min, as sklearn's minmax_scale.
  EXPECT_EQ(sig::BeatMinMax(2.0, 3.0).transform(row({4.f, 4.f, 4.f})), row({2.f, 2.f, 2.f}));
}

TEST(GlobalZScore, FitsOneMeanAndScaleAndInvertsExactly) {
  const BeatMatrix train = random_beats(200, 140, 4);
  sig::GlobalZScore z;
  EXPECT_FALSE(z.is_fitted());
  z.fit(train);
  const Eigen::ArrayXd all = Eigen::Map<const Eigen::ArrayXf>(train.data(), train.size())
                                 .cast<double>();
  const double mean = all.mean();
  const double std = std::sqrt((all - mean).square().mean());
  EXPECT_NEAR(z.mean(), mean, 1e-12);
  EXPECT_NEAR(z.scale(), std, 1e-12);
  EXPECT_NEAR(z.mean(), 0.3, 0.01);  // the generator's parameters
  EXPECT_NEAR(z.scale(), 0.8, 0.01);
  const BeatMatrix y = z.transform(train);
  const Eigen::ArrayXd ya = Eigen::Map<const Eigen::ArrayXf>(y.data(), y.size()).cast<double>();
  EXPECT_NEAR(ya.mean(), 0.0, 1e-6);
  EXPECT_NEAR(std::sqrt((ya - ya.mean()).square().mean()), 1.0, 1e-6);
  EXPECT_FLOAT_EQ(y(7, 9), static_cast<float>((static_cast<double>(train(7, 9)) - mean) / std));
  const BeatMatrix back = z.inverse_transform(y);
  EXPECT_LE((back - train).cwiseAbs().maxCoeff(), 1e-6f);
}

TEST(GlobalZScore, ConstantTrainingDataOnlyCentres) {
  sig::GlobalZScore z;
  z.fit(BeatMatrix::Constant(4, 10, 2.5f));
  EXPECT_DOUBLE_EQ(z.mean(), 2.5);
  EXPECT_DOUBLE_EQ(z.scale(), 1.0);
  const BeatMatrix y = z.transform(row({2.5f, 3.5f, 0.5f}));
  EXPECT_EQ(y, row({0.f, 1.f, -2.f}));
}

TEST(GlobalMinMax, FitsTheTrainingRangeWithoutClippingNewData) {
  const BeatMatrix train = random_beats(100, 140, 5);
  sig::GlobalMinMax m(-1.0, 1.0);
  m.fit(train);
  EXPECT_EQ(m.data_min(), static_cast<double>(train.minCoeff()));
  EXPECT_EQ(m.data_max(), static_cast<double>(train.maxCoeff()));
  const BeatMatrix y = m.transform(train);
  EXPECT_FLOAT_EQ(y.minCoeff(), -1.0f);
  EXPECT_FLOAT_EQ(y.maxCoeff(), 1.0f);
  BeatMatrix outside = row({static_cast<float>(m.data_max()) + 1.0f});
  EXPECT_GT(m.transform(outside)(0, 0), 1.0f);  // no clipping
  const BeatMatrix back = m.inverse_transform(y);
  EXPECT_LE((back - train).cwiseAbs().maxCoeff(), 2e-6f);
  // Constant training data: range 1, so values are shifted by the minimum only.
  sig::GlobalMinMax c;
  c.fit(BeatMatrix::Constant(2, 3, -4.0f));
  EXPECT_EQ(c.transform(row({-4.f, -3.f})), row({0.f, 1.f}));
  EXPECT_EQ(c.inverse_transform(row({0.f, 1.f})), row({-4.f, -3.f}));
}

TEST(Normalizer, RoundTripsEveryKindThroughItsParams) {
  const BeatMatrix train = random_beats(60, 140, 6);
  const BeatMatrix test = random_beats(10, 140, 7);
  for (sig::NormalizerKind kind :
       {sig::NormalizerKind::beat_zscore, sig::NormalizerKind::beat_minmax,
        sig::NormalizerKind::global_zscore, sig::NormalizerKind::global_minmax}) {
    sig::Normalizer n = sig::Normalizer::make(kind);
    EXPECT_EQ(n.kind(), kind);
    n.fit(train);
    EXPECT_TRUE(n.is_fitted());
    const sig::NormalizerParams params = n.params();
    const sig::Normalizer loaded = sig::Normalizer::from_params(n.kind_name(), params);
    EXPECT_EQ(loaded.kind(), kind);
    EXPECT_EQ(loaded.params(), params);
    EXPECT_EQ(loaded.transform(test), n.transform(test)) << n.kind_name();  // bit-identical
    if (n.has_inverse()) {
      EXPECT_LE((loaded.inverse_transform(loaded.transform(test)) - test).cwiseAbs().maxCoeff(),
                2e-6f);
    } else {
      EXPECT_THROW(loaded.inverse_transform(test), ecgad::StateError);
    }
    BeatMatrix inplace = test;
    loaded.transform_inplace(inplace);
    EXPECT_EQ(inplace, n.transform(test));
  }
  const auto p = sig::Normalizer::from_params("global_zscore", {{"mean", 1.0}, {"scale", 2.0},
                                                               {"constant_tolerance", 0.0}});
  EXPECT_EQ(p.transform(row({1.f, 5.f})), row({0.f, 2.f}));
}

TEST(Normalizer, RejectsBadInputAndMisuse) {
  BeatMatrix bad = random_beats(3, 10, 8);
  bad(1, 4) = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { sig::BeatZScore().transform(bad); }, "(1, 4)");
  expect_invalid([&] { sig::BeatMinMax().transform(bad); }, "(1, 4)");
  expect_invalid([&] { sig::GlobalZScore().fit(bad); }, "training beats must be finite");
  expect_invalid([&] { sig::GlobalMinMax().fit(bad); }, "(1, 4)");
  expect_invalid([&] { sig::GlobalZScore().fit(BeatMatrix(0, 140)); }, "no data");
  expect_invalid([&] { sig::GlobalMinMax().fit(BeatMatrix(0, 140)); }, "no data");
  EXPECT_THROW(sig::GlobalZScore().transform(random_beats(2, 3, 9)), ecgad::StateError);
  EXPECT_THROW(sig::GlobalMinMax().params(), ecgad::StateError);
  EXPECT_THROW(sig::Normalizer::make(sig::NormalizerKind::global_zscore).params(),
               ecgad::StateError);
  expect_invalid([] { sig::BeatMinMax(1.0, 1.0); }, "range_min < range_max");
  expect_invalid([] { sig::GlobalMinMax(0.0, NAN); }, "range_min < range_max");
  expect_invalid([] { sig::BeatZScore(-1.0); }, "constant_tolerance");
  expect_invalid([] { sig::Normalizer::from_params("robust", {}); }, "unknown normalizer kind");
  expect_invalid([] { sig::Normalizer::from_params("global_zscore", {{"mean", 0.0}}); },
                 "missing parameter 'scale'");
  expect_invalid(
      [] {
        sig::Normalizer::from_params("beat_zscore", {{"constant_tolerance", 0.0}, {"std", 1.0}});
      },
      "unknown parameter 'std'");
  expect_invalid(
      [] {
        sig::Normalizer::from_params("global_zscore",
                                     {{"mean", NAN}, {"scale", 1.0}, {"constant_tolerance", 0.0}});
      },
      "'mean' of global_zscore must be finite");
  expect_invalid(
      [] {
        sig::Normalizer::from_params("global_zscore",
                                     {{"mean", 0.0}, {"scale", 0.0}, {"constant_tolerance", 0.0}});
      },
      "'scale' of global_zscore must be > 0");
  expect_invalid(
      [] {
        sig::Normalizer::from_params("global_minmax", {{"data_min", 2.0},
                                                       {"data_max", 1.0},
                                                       {"range_min", 0.0},
                                                       {"range_max", 1.0},
                                                       {"constant_tolerance", 0.0}});
      },
      "data_min <= data_max");
}
