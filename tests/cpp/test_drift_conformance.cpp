// One conformance suite over every streaming drift detector (drift/detector.hpp's concept):
// reset() restores the initial state, a saved and restored detector continues identically,
// fixed-seed streams give exactly the recorded alarm indices, a stationary stream raises few
// alarms, an injected change is detected (a mean shift for the real-valued detectors, a rising
// error rate for DDM / EDDM / HDDM_A), bad input leaves the detector unchanged, and a state
// cannot be restored into another kind of detector.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/drift/adwin.hpp"
#include "ecgad/drift/cusum.hpp"
#include "ecgad/drift/ddm.hpp"
#include "ecgad/drift/eddm.hpp"
#include "ecgad/drift/hddm_a.hpp"
#include "ecgad/drift/kswin.hpp"
#include "ecgad/drift/page_hinkley.hpp"
#include "random.hpp"

namespace dr = ecgad::drift;

namespace {

using Rng = ecgad::test::Normal;

template <typename D>
constexpr bool is_error_rate_detector =
    std::is_same_v<D, dr::Ddm> || std::is_same_v<D, dr::Eddm> || std::is_same_v<D, dr::HddmA>;

// A stream that changes at `change` (n if never): N(0, 1) -> N(1, 1) (a one-sigma mean
// shift), or for the error-rate detectors Bernoulli(0.1) -> Bernoulli(0.3).
template <typename D>
std::vector<double> stream(int n, int change, std::uint64_t seed) {
  Rng r(seed);
  std::vector<double> x;
  x.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    if constexpr (is_error_rate_detector<D>) {
      x.push_back(r.uniform() < (i < change ? 0.1 : 0.3) ? 1.0 : 0.0);
    } else {
      x.push_back(r.normal() + (i < change ? 0.0 : 1.0));
    }
  }
  return x;
}

template <typename D>
std::vector<std::int64_t> drift_indices(D& d, const std::vector<double>& x) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (d.update(x[i]) == dr::DriftLevel::drift) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

// Per detector: the alarms recorded on the fixed-seed stream (stream<D>(6000, 3000, 2024)),
// the most alarms allowed on 20000 stationary values, and the longest detection delay allowed
// for the change, in updates.
template <typename D>
struct Expect;
template <>
struct Expect<dr::Adwin> {
  // delta = 0.002 bounds false cuts per check; a 1-sigma shift needs ~2 clocks of evidence.
  static std::vector<std::int64_t> recorded() { return {3039, 3071, 3135}; }
  static constexpr int max_stationary = 2;
  static constexpr int max_delay = 200;
};
template <>
struct Expect<dr::PageHinkley> {
  // delta is in x's unit: river's 0.005 on unit-variance noise leaves the sums a random walk
  // (~10 false alarms per 20000 values); a tolerance of 0.1 sigma makes them rare.
  static dr::PageHinkleyConfig config() {
    dr::PageHinkleyConfig c;
    c.delta = 0.1;
    return c;
  }
  static std::vector<std::int64_t> recorded() { return {3052}; }
  static constexpr int max_stationary = 2;
  static constexpr int max_delay = 150;
};
template <>
struct Expect<dr::Cusum> {
  // k = 0.5, h = 5: ARL0 = 465 (Montgomery table 9.3), ~43 expected in 20000; ARL1 = 10.4.
  static std::vector<std::int64_t> recorded() {
    return {183, 297, 457, 599, 1318, 1488, 2524, 2583, 3005, 3272, 3598, 3689, 4367, 4477};
  }
  static constexpr int max_stationary = 70;
  static constexpr int max_delay = 40;
};
template <>
struct Expect<dr::Kswin> {
  // One KS test per update at alpha = 0.005 (correlated tests; river's default).
  static std::vector<std::int64_t> recorded() {
    return {184, 443, 2438, 2534, 2688, 3020, 3321, 4496, 4575};
  }
  static constexpr int max_stationary = 80;
  static constexpr int max_delay = 100;
};
template <>
struct Expect<dr::Ddm> {
  // DDM compares with the whole history since the last drift: after 4000 labels at 10% a
  // rise to 30% needs a few hundred labels to move the cumulative rate by 3 s_min.
  static std::vector<std::int64_t> recorded() { return {3836}; }
  static constexpr int max_stationary = 3;
  static constexpr int max_delay = 1000;
};
template <>
struct Expect<dr::Eddm> {
  // The paper's alpha = 0.95 / beta = 0.9 alarm often on a stationary 10% error rate.
  static std::vector<std::int64_t> recorded() {
    return {269, 624, 923, 1263, 1485, 1979, 2225, 2485, 2783, 3049, 3194, 3326, 3623, 3720,
            3839};
  }
  static constexpr int max_stationary = 40;
  static constexpr int max_delay = 600;
};
template <>
struct Expect<dr::HddmA> {
  static std::vector<std::int64_t> recorded() { return {3067}; }
  static constexpr int max_stationary = 3;
  static constexpr int max_delay = 600;
};

template <typename D, typename = void>
struct HasConfig : std::false_type {};
template <typename D>
struct HasConfig<D, std::void_t<decltype(Expect<D>::config())>> : std::true_type {};

// The detector under test: default parameters unless Expect<D> says otherwise.
template <typename D>
D make() {
  if constexpr (HasConfig<D>::value) {
    return D(Expect<D>::config());
  } else {
    return D();
  }
}

template <typename D>
class DriftConformance : public ::testing::Test {};

using Detectors = ::testing::Types<dr::Adwin, dr::PageHinkley, dr::Cusum, dr::Kswin, dr::Ddm,
                                   dr::Eddm, dr::HddmA>;

struct DetectorName {
  template <typename D>
  static std::string GetName(int) {
    return D::name();
  }
};

}  // namespace

TYPED_TEST_SUITE(DriftConformance, Detectors, DetectorName);

TYPED_TEST(DriftConformance, ResetRestoresTheInitialState) {
  auto d = make<TypeParam>();
  const auto initial = d.state();
  EXPECT_EQ(initial.at("detector"), TypeParam::name());
  for (double v : stream<TypeParam>(5000, 2500, 1)) d.update(v);
  EXPECT_NE(d.state(), initial);
  EXPECT_GT(d.counters().n_drifts, 0);
  d.reset();
  EXPECT_EQ(d.state(), initial);
  EXPECT_EQ(d.counters(), dr::DriftCounters{});
  // And it behaves as new.
  auto fresh = make<TypeParam>();
  const auto x = stream<TypeParam>(3000, 1500, 5);
  EXPECT_EQ(drift_indices(d, x), drift_indices(fresh, x));
}

TYPED_TEST(DriftConformance, SavedAndRestoredDetectorContinuesIdentically) {
  const auto x = stream<TypeParam>(8000, 4000, 3);
  for (std::size_t cut : {std::size_t{0}, std::size_t{17}, std::size_t{3999}, std::size_t{4100}}) {
    auto a = make<TypeParam>();
    for (std::size_t i = 0; i < cut; ++i) a.update(x[i]);
    const std::string text = a.state().dump();  // what goes into a file or the model bundle
    TypeParam b;
    b.restore(nlohmann::json::parse(text));
    EXPECT_EQ(b.state(), a.state());
    for (std::size_t i = cut; i < x.size(); ++i) {
      ASSERT_EQ(a.update(x[i]), b.update(x[i])) << "cut " << cut << ", update " << i;
    }
    EXPECT_EQ(a.state(), b.state());
    EXPECT_EQ(a.counters(), b.counters());
  }
}

TYPED_TEST(DriftConformance, FixedSeedStreamsGiveTheRecordedAlarmIndices) {
  const auto x = stream<TypeParam>(6000, 3000, 2024);
  auto a = make<TypeParam>(), b = make<TypeParam>();
  const auto first = drift_indices(a, x);
  EXPECT_EQ(first, drift_indices(b, x));
  EXPECT_EQ(first, Expect<TypeParam>::recorded());
}

TYPED_TEST(DriftConformance, StationaryStreamRaisesFewAlarms) {
  auto d = make<TypeParam>();
  const auto found = drift_indices(d, stream<TypeParam>(20000, 20000, 4));
  EXPECT_LE(static_cast<int>(found.size()), Expect<TypeParam>::max_stationary)
      << TypeParam::name() << ": " << found.size() << " alarms on 20000 stationary values";
}

TYPED_TEST(DriftConformance, InjectedChangeIsDetected) {
  int detected = 0;
  double delay_sum = 0.0;
  std::vector<std::int64_t> delays;
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    auto d = make<TypeParam>();
    const auto x = stream<TypeParam>(6000, 4000, seed);
    std::int64_t first_after = -1;
    for (auto i : drift_indices(d, x)) {
      if (i >= 4000) {
        first_after = i;
        break;
      }
    }
    delays.push_back(first_after < 0 ? -1 : first_after - 4000);
    if (first_after >= 0 && first_after - 4000 <= Expect<TypeParam>::max_delay) {
      ++detected;
      delay_sum += static_cast<double>(first_after - 4000);
    }
  }
  EXPECT_GE(detected, 9) << TypeParam::name() << " found the change in time on " << detected
                         << " of 10 streams; delays " << ::testing::PrintToString(delays);
  this->RecordProperty("mean_delay_updates", std::to_string(delay_sum / std::max(detected, 1)));
}

TYPED_TEST(DriftConformance, BadInputLeavesTheDetectorUnchangedAndTagsAreChecked) {
  auto d = make<TypeParam>();
  for (double v : stream<TypeParam>(100, 100, 6)) d.update(v);
  const auto before = d.state();
  EXPECT_THROW(d.update(std::nan("")), ecgad::InvalidArgument);
  EXPECT_THROW(d.update(INFINITY), ecgad::InvalidArgument);
  EXPECT_EQ(d.state(), before);
  auto other = before;
  other["detector"] = std::string(TypeParam::name()) == "adwin" ? "cusum" : "adwin";
  EXPECT_THROW(d.restore(other), ecgad::InvalidArgument);
  EXPECT_THROW(d.restore(nlohmann::json::array()), ecgad::InvalidArgument);
  auto broken = before;
  broken["counters"]["n_updates"] = -5;
  EXPECT_THROW(d.restore(broken), ecgad::InvalidArgument);
  EXPECT_EQ(d.state(), before);
}
