#pragma once
// Beat normalisers as fitted objects: z-score and min-max, per beat or global (one scale for
// every value, fitted on training beats). Each serialises its parameters as a kind name plus a
// flat map of doubles (params() / from_params()), which the model bundle stores in its JSON
// metadata; the header-only layer itself knows nothing of JSON.
//
// Global normalisers use one scalar offset and scale over all values, not one per column: a
// per-column scale would reshape the beat (the R-peak column has a far larger spread than the
// baseline columns) and the model would learn a distorted morphology.
//
// Constant data (a flat beat, or constant training data) is handled explicitly, as
// scikit-learn's scalers do (sklearn.preprocessing.scale / minmax_scale / StandardScaler /
// MinMaxScaler): a beat whose range max - min is <= constant_tolerance is mapped to 0 by the
// per-beat z-score and to range_min by the per-beat min-max; global normalisers fitted on data
// with std (range) <= constant_tolerance use a scale of 1, i.e. only subtract the mean (the
// minimum). No NaN or Inf is ever produced from finite input; NaN/Inf input is rejected.
// All arithmetic is in double; beats are float in and out.

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::signal {

/// A normaliser's parameters: names to values (see each class for its keys).
using NormalizerParams = std::map<std::string, double>;

/// The four normalisers.
enum class NormalizerKind { beat_zscore, beat_minmax, global_zscore, global_minmax };

/// "beat_zscore", "beat_minmax", "global_zscore" or "global_minmax".
inline const char* to_string(NormalizerKind kind) {
  switch (kind) {
    case NormalizerKind::beat_zscore: return "beat_zscore";
    case NormalizerKind::beat_minmax: return "beat_minmax";
    case NormalizerKind::global_zscore: return "global_zscore";
    case NormalizerKind::global_minmax: return "global_minmax";
  }
  return "?";
}

/// Parses a name written by to_string(NormalizerKind).
inline NormalizerKind parse_normalizer_kind(std::string_view name) {
  for (NormalizerKind k : {NormalizerKind::beat_zscore, NormalizerKind::beat_minmax,
                           NormalizerKind::global_zscore, NormalizerKind::global_minmax}) {
    if (name == to_string(k)) return k;
  }
  throw InvalidArgument("unknown normalizer kind '" + std::string(name) +
                        "'; expected one of beat_zscore, beat_minmax, global_zscore, "
                        "global_minmax");
}

namespace detail {

inline constexpr double kDefaultConstantTolerance = 1e-6;

inline void require_tolerance(double tolerance) {
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw InvalidArgument("constant_tolerance must be a finite number >= 0, got " +
                          format_number(tolerance));
  }
}

inline void require_range(double range_min, double range_max) {
  if (!std::isfinite(range_min) || !std::isfinite(range_max) || !(range_max > range_min)) {
    throw InvalidArgument("the target range must be finite with range_min < range_max, got [" +
                          format_number(range_min) + ", " + format_number(range_max) + "]");
  }
}

// Reads `keys` from `params`, rejecting a missing, unknown or non-finite entry by name.
inline std::vector<double> read_params(const NormalizerParams& params, const char* kind,
                                       std::initializer_list<const char*> keys) {
  for (const auto& [name, value] : params) {
    // Init-capture: a C++17 lambda cannot capture a structured binding (clang refuses it).
    const bool known = std::any_of(keys.begin(), keys.end(),
                                   [&key = name](const char* k) { return key == k; });
    if (!known) {
      std::string expected;
      for (const char* k : keys) expected += (expected.empty() ? "" : ", ") + std::string(k);
      throw InvalidArgument(std::string("unknown parameter '") + name + "' for " + kind +
                            "; expected " + expected);
    }
    if (!std::isfinite(value)) {
      throw InvalidArgument(std::string("parameter '") + name + "' of " + kind +
                            " must be finite, got " + format_number(value));
    }
  }
  std::vector<double> values;
  for (const char* k : keys) {
    const auto it = params.find(k);
    if (it == params.end()) {
      throw InvalidArgument(std::string("missing parameter '") + k + "' for " + kind);
    }
    values.push_back(it->second);
  }
  return values;
}

// The check runs on a lazy double view (no copy): the float sum would lose the NaN/Inf test's
// headroom and trip -Wdouble-promotion in the shared helper.
inline void require_beats(const Eigen::Ref<const BeatMatrix>& beats, const char* what) {
  require_finite(beats.cast<double>(), what);
}

// Applies y = (x - offset) * gain + shift to `count` contiguous values, in double.
inline void affine_row(float* row, Eigen::Index count, double offset, double gain, double shift) {
  for (Eigen::Index c = 0; c < count; ++c) {
    row[c] = static_cast<float>((static_cast<double>(row[c]) - offset) * gain + shift);
  }
}

// The same for every row of `beats` (rows are contiguous; the matrix may be a block).
inline void affine_inplace(Eigen::Ref<BeatMatrix> beats, double offset, double gain,
                           double shift) {
  for (Eigen::Index r = 0; r < beats.rows(); ++r) {
    affine_row(beats.row(r).data(), beats.cols(), offset, gain, shift);
  }
}

// Mean and population standard deviation (two passes, in double) of a row or of all values.
struct Moments {
  double mean = 0.0;
  double std = 0.0;
};

template <typename Derived>
Moments moments(const Eigen::DenseBase<Derived>& x) {
  const double n = static_cast<double>(x.size());
  const double mean = x.derived().template cast<double>().sum() / n;
  const double ss = (x.derived().template cast<double>().array() - mean).square().sum();
  return {mean, std::sqrt(ss / n)};
}

}  // namespace detail

/// Per-beat z-score: each beat minus its mean, divided by its population standard deviation
/// (scipy.stats.zscore along rows, ddof = 0). A beat with max - min <= constant_tolerance
/// becomes all zeros. Needs no fitting; has no inverse (the per-beat statistics are not kept).
/// Params: {"constant_tolerance"}.
class BeatZScore {
 public:
  static constexpr NormalizerKind kKind = NormalizerKind::beat_zscore;

  explicit BeatZScore(double constant_tolerance = detail::kDefaultConstantTolerance)
      : tolerance_(constant_tolerance) {
    detail::require_tolerance(constant_tolerance);
  }

  /// Nothing to learn; validates the beats so that fit() fails where the others would.
  BeatZScore& fit(const Eigen::Ref<const BeatMatrix>& beats) {
    detail::require_beats(beats, "beats");
    return *this;
  }

  void transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    detail::require_beats(beats, "beats");
    for (Eigen::Index r = 0; r < beats.rows(); ++r) {
      auto row = beats.row(r);
      const double range =
          static_cast<double>(row.maxCoeff()) - static_cast<double>(row.minCoeff());
      if (range <= tolerance_) {
        row.setZero();
        continue;
      }
      const detail::Moments m = detail::moments(row);
      detail::affine_row(row.data(), row.size(), m.mean, 1.0 / m.std, 0.0);
    }
  }

  BeatMatrix transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    transform_inplace(out);
    return out;
  }

  bool is_fitted() const noexcept { return true; }
  double constant_tolerance() const noexcept { return tolerance_; }
  NormalizerParams params() const { return {{"constant_tolerance", tolerance_}}; }
  static BeatZScore from_params(const NormalizerParams& p) {
    return BeatZScore(detail::read_params(p, "beat_zscore", {"constant_tolerance"})[0]);
  }

 private:
  double tolerance_;
};

/// Per-beat min-max: each beat mapped linearly so its minimum is range_min and its maximum
/// range_max (sklearn.preprocessing.minmax_scale along rows). A beat with max - min <=
/// constant_tolerance becomes all range_min. Needs no fitting; has no inverse.
/// Params: {"range_min", "range_max", "constant_tolerance"}.
class BeatMinMax {
 public:
  static constexpr NormalizerKind kKind = NormalizerKind::beat_minmax;

  explicit BeatMinMax(double range_min = 0.0, double range_max = 1.0,
                      double constant_tolerance = detail::kDefaultConstantTolerance)
      : lo_(range_min), hi_(range_max), tolerance_(constant_tolerance) {
    detail::require_range(range_min, range_max);
    detail::require_tolerance(constant_tolerance);
  }

  BeatMinMax& fit(const Eigen::Ref<const BeatMatrix>& beats) {
    detail::require_beats(beats, "beats");
    return *this;
  }

  void transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    detail::require_beats(beats, "beats");
    for (Eigen::Index r = 0; r < beats.rows(); ++r) {
      auto row = beats.row(r);
      const auto lo = static_cast<double>(row.minCoeff());
      const double range = static_cast<double>(row.maxCoeff()) - lo;
      if (range <= tolerance_) {
        row.setConstant(static_cast<float>(lo_));
        continue;
      }
      detail::affine_row(row.data(), row.size(), lo, (hi_ - lo_) / range, lo_);
    }
  }

  BeatMatrix transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    transform_inplace(out);
    return out;
  }

  bool is_fitted() const noexcept { return true; }
  double range_min() const noexcept { return lo_; }
  double range_max() const noexcept { return hi_; }
  double constant_tolerance() const noexcept { return tolerance_; }
  NormalizerParams params() const {
    return {{"range_min", lo_}, {"range_max", hi_}, {"constant_tolerance", tolerance_}};
  }
  static BeatMinMax from_params(const NormalizerParams& p) {
    const auto v =
        detail::read_params(p, "beat_minmax", {"range_min", "range_max", "constant_tolerance"});
    return BeatMinMax(v[0], v[1], v[2]);
  }

 private:
  double lo_, hi_, tolerance_;
};

/// Global z-score: (x - mean) / scale with the mean and population standard deviation of every
/// value of the training beats (sklearn.preprocessing.StandardScaler on the flattened beats).
/// Training data with std <= constant_tolerance gives scale = 1. Inverse: y * scale + mean.
/// Params: {"mean", "scale", "constant_tolerance"}.
class GlobalZScore {
 public:
  static constexpr NormalizerKind kKind = NormalizerKind::global_zscore;

  explicit GlobalZScore(double constant_tolerance = detail::kDefaultConstantTolerance)
      : tolerance_(constant_tolerance) {
    detail::require_tolerance(constant_tolerance);
  }

  /// Learns mean and scale from `beats` (at least one value).
  GlobalZScore& fit(const Eigen::Ref<const BeatMatrix>& beats) {
    detail::require_beats(beats, "training beats");
    if (beats.size() == 0) {
      throw InvalidArgument("cannot fit global_zscore on no data: training beats are " +
                            std::to_string(beats.rows()) + " x " + std::to_string(beats.cols()));
    }
    const detail::Moments m = detail::moments(beats);
    mean_ = m.mean;
    scale_ = m.std > tolerance_ ? m.std : 1.0;
    fitted_ = true;
    return *this;
  }

  void transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    require_fitted();
    detail::require_beats(beats, "beats");
    detail::affine_inplace(beats, mean_, 1.0 / scale_, 0.0);
  }

  BeatMatrix transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    transform_inplace(out);
    return out;
  }

  void inverse_transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    require_fitted();
    detail::require_beats(beats, "normalized beats");
    detail::affine_inplace(beats, 0.0, scale_, mean_);
  }

  BeatMatrix inverse_transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    inverse_transform_inplace(out);
    return out;
  }

  bool is_fitted() const noexcept { return fitted_; }
  double mean() const {
    require_fitted();
    return mean_;
  }
  double scale() const {
    require_fitted();
    return scale_;
  }
  double constant_tolerance() const noexcept { return tolerance_; }
  NormalizerParams params() const {
    require_fitted();
    return {{"mean", mean_}, {"scale", scale_}, {"constant_tolerance", tolerance_}};
  }
  static GlobalZScore from_params(const NormalizerParams& p) {
    const auto v =
        detail::read_params(p, "global_zscore", {"mean", "scale", "constant_tolerance"});
    if (!(v[1] > 0.0)) {
      throw InvalidArgument("parameter 'scale' of global_zscore must be > 0, got " +
                            detail::format_number(v[1]));
    }
    GlobalZScore z(v[2]);
    z.mean_ = v[0];
    z.scale_ = v[1];
    z.fitted_ = true;
    return z;
  }

 private:
  void require_fitted() const {
    if (!fitted_) throw StateError("global_zscore used before fit() or from_params()");
  }

  double tolerance_;
  double mean_ = 0.0;
  double scale_ = 1.0;
  bool fitted_ = false;
};

/// Global min-max: maps the training minimum to range_min and maximum to range_max, one scale
/// for every value (sklearn.preprocessing.MinMaxScaler on the flattened beats, clip=False: new
/// data outside the training range lands outside [range_min, range_max]). Training data with
/// max - min <= constant_tolerance uses a data range of 1. Inverse maps back exactly.
/// Params: {"data_min", "data_max", "range_min", "range_max", "constant_tolerance"}.
class GlobalMinMax {
 public:
  static constexpr NormalizerKind kKind = NormalizerKind::global_minmax;

  explicit GlobalMinMax(double range_min = 0.0, double range_max = 1.0,
                        double constant_tolerance = detail::kDefaultConstantTolerance)
      : lo_(range_min), hi_(range_max), tolerance_(constant_tolerance) {
    detail::require_range(range_min, range_max);
    detail::require_tolerance(constant_tolerance);
  }

  GlobalMinMax& fit(const Eigen::Ref<const BeatMatrix>& beats) {
    detail::require_beats(beats, "training beats");
    if (beats.size() == 0) {
      throw InvalidArgument("cannot fit global_minmax on no data: training beats are " +
                            std::to_string(beats.rows()) + " x " + std::to_string(beats.cols()));
    }
    data_min_ = static_cast<double>(beats.minCoeff());
    data_max_ = static_cast<double>(beats.maxCoeff());
    fitted_ = true;
    return *this;
  }

  void transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    require_fitted();
    detail::require_beats(beats, "beats");
    detail::affine_inplace(beats, data_min_, (hi_ - lo_) / data_range(), lo_);
  }

  BeatMatrix transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    transform_inplace(out);
    return out;
  }

  void inverse_transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    require_fitted();
    detail::require_beats(beats, "normalized beats");
    detail::affine_inplace(beats, lo_, data_range() / (hi_ - lo_), data_min_);
  }

  BeatMatrix inverse_transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    inverse_transform_inplace(out);
    return out;
  }

  bool is_fitted() const noexcept { return fitted_; }
  double data_min() const {
    require_fitted();
    return data_min_;
  }
  double data_max() const {
    require_fitted();
    return data_max_;
  }
  double range_min() const noexcept { return lo_; }
  double range_max() const noexcept { return hi_; }
  double constant_tolerance() const noexcept { return tolerance_; }
  NormalizerParams params() const {
    require_fitted();
    return {{"data_min", data_min_},
            {"data_max", data_max_},
            {"range_min", lo_},
            {"range_max", hi_},
            {"constant_tolerance", tolerance_}};
  }
  static GlobalMinMax from_params(const NormalizerParams& p) {
    const auto v = detail::read_params(
        p, "global_minmax", {"data_min", "data_max", "range_min", "range_max",
                             "constant_tolerance"});
    if (!(v[1] >= v[0])) {
      throw InvalidArgument("global_minmax needs data_min <= data_max, got data_min = " +
                            detail::format_number(v[0]) + ", data_max = " +
                            detail::format_number(v[1]));
    }
    GlobalMinMax m(v[2], v[3], v[4]);
    m.data_min_ = v[0];
    m.data_max_ = v[1];
    m.fitted_ = true;
    return m;
  }

 private:
  void require_fitted() const {
    if (!fitted_) throw StateError("global_minmax used before fit() or from_params()");
  }
  double data_range() const {
    const double range = data_max_ - data_min_;
    return range > tolerance_ ? range : 1.0;
  }

  double lo_, hi_, tolerance_;
  double data_min_ = 0.0;
  double data_max_ = 0.0;
  bool fitted_ = false;
};

/// Any of the four normalisers behind one interface, for pipelines and the model bundle:
/// make(kind) / from_params(kind, params) build one, kind_name() + params() save it.
class Normalizer {
 public:
  /// A normaliser of the given kind with default parameters (global ones still need fit()).
  static Normalizer make(NormalizerKind kind) {
    switch (kind) {
      case NormalizerKind::beat_zscore: return Normalizer(BeatZScore());
      case NormalizerKind::beat_minmax: return Normalizer(BeatMinMax());
      case NormalizerKind::global_zscore: return Normalizer(GlobalZScore());
      case NormalizerKind::global_minmax: return Normalizer(GlobalMinMax());
    }
    throw InvalidArgument("unknown normalizer kind");
  }

  /// Rebuilds a normaliser saved as kind_name() + params().
  static Normalizer from_params(std::string_view kind, const NormalizerParams& params) {
    switch (parse_normalizer_kind(kind)) {
      case NormalizerKind::beat_zscore: return Normalizer(BeatZScore::from_params(params));
      case NormalizerKind::beat_minmax: return Normalizer(BeatMinMax::from_params(params));
      case NormalizerKind::global_zscore: return Normalizer(GlobalZScore::from_params(params));
      case NormalizerKind::global_minmax: return Normalizer(GlobalMinMax::from_params(params));
    }
    throw InvalidArgument("unknown normalizer kind '" + std::string(kind) + "'");
  }

  explicit Normalizer(BeatZScore n) : impl_(n) {}
  explicit Normalizer(BeatMinMax n) : impl_(n) {}
  explicit Normalizer(GlobalZScore n) : impl_(n) {}
  explicit Normalizer(GlobalMinMax n) : impl_(n) {}

  NormalizerKind kind() const {
    return std::visit([](const auto& n) { return std::decay_t<decltype(n)>::kKind; }, impl_);
  }
  std::string kind_name() const { return to_string(kind()); }
  /// True for the global kinds, whose parameters allow mapping back to the input units.
  bool has_inverse() const {
    return kind() == NormalizerKind::global_zscore || kind() == NormalizerKind::global_minmax;
  }
  bool is_fitted() const {
    return std::visit([](const auto& n) { return n.is_fitted(); }, impl_);
  }

  Normalizer& fit(const Eigen::Ref<const BeatMatrix>& beats) {
    std::visit([&](auto& n) { n.fit(beats); }, impl_);
    return *this;
  }
  void transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    std::visit([&](const auto& n) { n.transform_inplace(beats); }, impl_);
  }
  BeatMatrix transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    transform_inplace(out);
    return out;
  }
  /// Maps normalised beats back to input units; StateError for the per-beat kinds.
  void inverse_transform_inplace(Eigen::Ref<BeatMatrix> beats) const {
    if (const auto* z = std::get_if<GlobalZScore>(&impl_)) {
      return z->inverse_transform_inplace(beats);
    }
    if (const auto* m = std::get_if<GlobalMinMax>(&impl_)) {
      return m->inverse_transform_inplace(beats);
    }
    throw StateError(kind_name() + " has no inverse: the per-beat statistics are not kept");
  }
  BeatMatrix inverse_transform(const Eigen::Ref<const BeatMatrix>& beats) const {
    BeatMatrix out = beats;
    inverse_transform_inplace(out);
    return out;
  }
  NormalizerParams params() const {
    return std::visit([](const auto& n) { return n.params(); }, impl_);
  }

 private:
  std::variant<BeatZScore, BeatMinMax, GlobalZScore, GlobalMinMax> impl_;
};

}  // namespace ecgad::signal
