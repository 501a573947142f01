#pragma once
// Streaming extreme-value thresholds: SPOT and DSPOT (Siffer, Fouque, Termier & Largouët,
// "Anomaly detection in streams with extreme value theory", KDD 2017, Algorithms 1 and 2).
//
// SPOT (depth = 0): the first n_init values calibrate a peaks-over-threshold model
// (calibrate/pot.hpp: t = their level-quantile, GPD on the excesses, z_q at risk q). Then each
// value x is
//   - an alarm when x > z_q: reported and, as in the paper, NOT added to the model;
//   - a peak when t < x <= z_q: its excess x - t joins the tail, the GPD is refitted and z_q
//     recomputed (the threshold follows the data);
//   - normal otherwise (only the count n grows, which moves z_q through q n / N_t).
// DSPOT (depth d > 0): the same on x - M, M = mean of the last d non-alarm values (a local
// level that follows drift); calibration uses x_i - mean(x_{i-d..i-1}) for i = d..n_init-1.
//
// Deviations from the reference code, each for a stated reason: the initial threshold is
// numpy.quantile(level) (as fit_pot) instead of sorted[int(level n)]; the GPD fit is
// fit_gpd() (exact roots, see gpd.hpp). By default peaks are kept for ever (the paper's
// algorithm; memory grows by 8 bytes per peak, ~(1 - level) of the stream, and every peak
// refits on all of them, so the cost per peak grows with the stream). max_peaks = m > 0 bounds
// both: the GPD is fitted to the m most recent peaks (a sliding tail), while the tail
// probability N_t / n still counts every peak and every non-alarm value — as libspot 2 (Siffer's
// reference C library: spot_init(..., max_excess), peaks in a circular buffer, Nt and n
// unbounded) and its ports do. Trade-off: a fit on m peaks has a variance ~ 1/m (m = 1000:
// shape +-0.03), and the tail shape follows the recent past, which is what DSPOT wants for
// drifting streams. Calibration values are buffered in memory reserved by setup(), and so are
// the peaks when capped; uncapped, the per-sample path allocates only when a peak is appended.
//
// The tail options of calibrate/pot.hpp (log transform, Weibull-type excess law) apply to the
// excesses of x - M over t; "weibull" centres on the median of the calibration values.
//
// state()/restore() carry everything, so a restored detector continues bit-identically; the
// output never depends on how the stream was cut into process() chunks.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/calibrate/gpd.hpp"
#include "ecgad/calibrate/pot.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// Parameters of a Spot detector.
struct SpotConfig {
  double risk_q = 1e-4;        ///< q: probability of a normal value exceeding z_q; (0, 1 - level)
  double level = 0.98;         ///< quantile level of the initial threshold t; (0, 1)
  /// Values used for calibration. 10000 (200 peaks at level 0.98): with 1000 (20 peaks) the
  /// first GPD fit of N(0,1) data can come out strongly bounded (shape -0.8) and, since alarms
  /// never join the model, z_q stays too low (measured: 231 alarms in 99000 values at
  /// q = 1e-4, against 15 with 10000; docs/calibrate.md).
  Eigen::Index n_init = 10000;
  Eigen::Index depth = 0;      ///< 0: SPOT; d > 0: DSPOT with a d-value moving average
  TailOptions tail;            ///< transform and excess law (pot.hpp); default: GPD on x - t
  /// Peaks the tail is fitted to: 0 keeps every peak (the paper; the default, so results are
  /// those of Algorithm 1/2 bit for bit); m >= 10 keeps the m most recent (sliding tail).
  Eigen::Index max_peaks = 0;

  /// {risk_q, level, n_init, depth, transform, tail, max_peaks}.
  nlohmann::json to_json() const {
    return {{"risk_q", risk_q},
            {"level", level},
            {"n_init", n_init},
            {"depth", depth},
            {"transform", transform_name(tail.transform)},
            {"tail", tail_model_name(tail.model)},
            {"max_peaks", max_peaks}};
  }
  /// Inverse of to_json(); documents from before the tail options and max_peaks read as
  /// identity / gpd / 0 (unbounded).
  static SpotConfig from_json(const nlohmann::json& j) {
    try {
      SpotConfig c;
      c.risk_q = j.at("risk_q").get<double>();
      c.level = j.at("level").get<double>();
      c.n_init = j.at("n_init").get<Eigen::Index>();
      c.depth = j.at("depth").get<Eigen::Index>();
      c.tail.transform = parse_transform(j.value("transform", std::string("identity")));
      c.tail.model = parse_tail_model(j.value("tail", std::string("gpd")));
      c.max_peaks = j.value("max_peaks", Eigen::Index{0});
      return c;
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("SPOT config JSON: expected {risk_q, level, n_init, "
                                    "depth, [transform, tail, max_peaks]}: ") + e.what());
    }
  }
};

/// What update() made of a value (codes are stable: they cross the binding as int8).
enum class SpotEvent : std::int8_t { calibrating = 0, normal = 1, peak = 2, alarm = 3 };

inline const char* spot_event_name(SpotEvent e) {
  switch (e) {
    case SpotEvent::calibrating: return "calibrating";
    case SpotEvent::normal: return "normal";
    case SpotEvent::peak: return "peak";
    default: return "alarm";
  }
}

/// SPOT / DSPOT streaming detector (see the file comment).
class Spot {
 public:
  Spot() = default;
  explicit Spot(const SpotConfig& config) { setup(config); }

  /// Validates and stores the parameters, reserves the calibration buffer, starts a stream.
  void setup(const SpotConfig& config) {
    if (!(config.level > 0.0 && config.level < 1.0)) {
      throw InvalidArgument("SPOT: level is " + ecgad::detail::format_number(config.level) +
                            "; expected the initial threshold's quantile level in (0, 1)");
    }
    if (!(config.risk_q > 0.0 && config.risk_q < 1.0 - config.level)) {
      throw InvalidArgument("SPOT: risk_q is " + ecgad::detail::format_number(config.risk_q) +
                            "; expected q in (0, 1 - level = " +
                            ecgad::detail::format_number(1.0 - config.level) + ")");
    }
    if (config.depth < 0) {
      throw InvalidArgument("SPOT: depth is " + std::to_string(config.depth) +
                            "; expected 0 (SPOT) or a moving-average length d > 0 (DSPOT)");
    }
    // At least kMinPeaks expected peaks: (n_init - d)(1 - level) >= kMinPeaks.
    const double usable = static_cast<double>(config.n_init - config.depth);
    if (config.n_init < 1 || usable * (1.0 - config.level) < static_cast<double>(kMinPeaks)) {
      throw InvalidArgument(
          "SPOT: n_init = " + std::to_string(config.n_init) + " with depth " +
          std::to_string(config.depth) + " and level " +
          ecgad::detail::format_number(config.level) + " leaves " +
          ecgad::detail::format_number(usable * (1.0 - config.level)) +
          " expected peaks; expected (n_init - depth) (1 - level) >= " +
          std::to_string(kMinPeaks));
    }
    if (config.max_peaks != 0 && config.max_peaks < kMinPeaks) {
      throw InvalidArgument("SPOT: max_peaks is " + std::to_string(config.max_peaks) +
                            "; expected 0 (keep every peak) or at least " +
                            std::to_string(kMinPeaks) + " peaks to fit the tail");
    }
    config_ = config;
    is_setup_ = true;
    init_.reserve(static_cast<std::size_t>(config.n_init));
    if (config.max_peaks > 0) peaks_.reserve(static_cast<std::size_t>(config.max_peaks));
    window_.assign(static_cast<std::size_t>(config.depth), 0.0);
    reset();
  }

  /// Forgets the stream (back to calibration), keeping the parameters.
  void reset() {
    require_setup();
    init_.clear();
    peaks_.clear();
    peaks_total_ = 0;
    center_ = 0.0;
    weibull_ = WeibullTailFit{};
    std::fill(window_.begin(), window_.end(), 0.0);
    window_next_ = 0;
    calibrated_ = false;
    initial_threshold_ = 0.0;
    threshold_ = 0.0;
    n_ = 0;
    seen_ = 0;
    gpd_ = GpdFit{};
  }

  /// Processes one value; returns what it was. Throws InvalidArgument on NaN/Inf.
  SpotEvent update(double x) {
    require_setup();
    if (!std::isfinite(x)) {
      throw InvalidArgument("SPOT.update: value " + std::to_string(seen_) + " is " +
                            ecgad::detail::format_number(x) + "; expected finite values");
    }
    ++seen_;
    if (!calibrated_) {
      init_.push_back(x);  // capacity reserved by setup()
      if (static_cast<Eigen::Index>(init_.size()) == config_.n_init) {
        try {
          calibrate();
        } catch (...) {
          reset();  // e.g. too few peaks (heavy ties): start the calibration over
          throw;
        }
      }
      return SpotEvent::calibrating;
    }
    const double v = x - local_mean();
    if (v > threshold_) return SpotEvent::alarm;  // alarms never join the model
    push_window(x);
    ++n_;
    if (v > initial_threshold_) {
      if (config_.max_peaks > 0 && n_peaks() == config_.max_peaks) {
        peaks_.erase(peaks_.begin());  // oldest out; capacity kept, nothing allocated
      }
      peaks_.push_back(detail::tail_excess(v, initial_threshold_, config_.tail.transform));
      ++peaks_total_;
      refit();
      return SpotEvent::peak;
    }
    update_threshold();
    return SpotEvent::normal;
  }

  /// update() over a chunk; event codes (SpotEvent values) per value.
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1> process(
      const Eigen::Ref<const Eigen::VectorXd>& chunk) {
    Eigen::Matrix<std::int8_t, Eigen::Dynamic, 1> out(chunk.size());
    for (Eigen::Index i = 0; i < chunk.size(); ++i) {
      out(i) = static_cast<std::int8_t>(update(chunk(i)));
    }
    return out;
  }

  const SpotConfig& config() const { return config_; }
  bool calibrated() const { return calibrated_; }
  /// z_q in the units of x - M (M = 0 for SPOT); the alarm level for x is threshold() + M.
  double threshold() const { return threshold_; }
  /// The current alarm level in the units of x: threshold() + local_mean().
  double alarm_level() const { return threshold_ + local_mean(); }
  double initial_threshold() const { return initial_threshold_; }
  /// M: mean of the last d non-alarm values (DSPOT); 0 for SPOT.
  double local_mean() const {
    if (config_.depth == 0) return 0.0;
    // Oldest to newest, so the sum does not depend on where the ring starts.
    double sum = 0.0;
    const std::size_t d = window_.size();
    for (std::size_t i = 0; i < d; ++i) sum += window_[(window_next_ + i) % d];
    return sum / static_cast<double>(d);
  }
  /// The current excess law (model gpd; see weibull() for model weibull).
  const GpdFit& gpd() const { return gpd_; }
  const WeibullTailFit& weibull() const { return weibull_; }
  /// Median of the calibration values (x - M), the Weibull tail's centre; 0 for model gpd.
  double center() const { return center_; }
  Eigen::Index n() const { return n_; }
  /// Peaks the tail is fitted to (at most max_peaks when capped).
  Eigen::Index n_peaks() const { return static_cast<Eigen::Index>(peaks_.size()); }
  /// N_t: every peak since calibration (calibration peaks included), capped or not.
  Eigen::Index n_peaks_total() const { return peaks_total_; }
  Eigen::Index samples_seen() const { return seen_; }

  /// The whole state (config included) as JSON; restore() continues bit-identically.
  nlohmann::json state() const {
    require_setup();
    std::vector<double> window(window_.size());
    for (std::size_t i = 0; i < window_.size(); ++i) {
      window[i] = window_[(window_next_ + i) % window_.size()];
    }
    return {{"type", "spot"},
            {"config", config_.to_json()},
            {"calibrated", calibrated_},
            {"samples_seen", seen_},
            {"calibration_values", init_},
            {"initial_threshold", initial_threshold_},
            {"threshold", threshold_},
            {"n", n_},
            {"peaks", peaks_},
            {"peaks_total", peaks_total_},
            {"window", window},
            {"center", center_},
            {config_.tail.model == TailModel::weibull ? "weibull" : "gpd",
             config_.tail.model == TailModel::weibull ? weibull_.to_json() : gpd_.to_json()}};
  }

  /// Replaces parameters and state by a state() document. Throws FormatError when malformed.
  void restore(const nlohmann::json& j) {
    try {
      if (j.at("type").get<std::string>() != "spot") {
        throw FormatError("SPOT state JSON: type is '" + j.at("type").get<std::string>() +
                          "'; expected 'spot'");
      }
      Spot s(SpotConfig::from_json(j.at("config")));
      s.calibrated_ = j.at("calibrated").get<bool>();
      s.seen_ = j.at("samples_seen").get<Eigen::Index>();
      const auto init = j.at("calibration_values").get<std::vector<double>>();
      s.init_.assign(init.begin(), init.end());
      s.initial_threshold_ = j.at("initial_threshold").get<double>();
      s.threshold_ = j.at("threshold").get<double>();
      s.n_ = j.at("n").get<Eigen::Index>();
      const auto peaks = j.at("peaks").get<std::vector<double>>();
      s.peaks_.assign(peaks.begin(), peaks.end());  // keeps the capacity setup() reserved
      // States from before max_peaks kept every peak: N_t = the stored peaks.
      s.peaks_total_ = j.value("peaks_total", static_cast<Eigen::Index>(s.peaks_.size()));
      s.center_ = j.value("center", 0.0);
      if (s.peaks_total_ < static_cast<Eigen::Index>(s.peaks_.size()) ||
          (s.config_.max_peaks > 0 &&
           static_cast<Eigen::Index>(s.peaks_.size()) > s.config_.max_peaks)) {
        throw FormatError("SPOT state JSON: " + std::to_string(s.peaks_.size()) +
                          " peaks stored with peaks_total " + std::to_string(s.peaks_total_) +
                          " and max_peaks " + std::to_string(s.config_.max_peaks) +
                          "; expected peaks <= peaks_total and peaks <= max_peaks when capped");
      }
      const auto window = j.at("window").get<std::vector<double>>();
      if (window.size() != s.window_.size()) {
        throw FormatError("SPOT state JSON: window has " + std::to_string(window.size()) +
                          " values; expected depth = " + std::to_string(s.window_.size()));
      }
      if (static_cast<Eigen::Index>(s.init_.size()) > s.config_.n_init ||
          (s.calibrated_ && s.peaks_.empty())) {
        throw FormatError("SPOT state JSON: calibration values or peaks inconsistent with the "
                          "config and the calibrated flag");
      }
      s.window_ = window;
      s.window_next_ = 0;
      if (s.config_.tail.model == TailModel::weibull) {
        if (s.calibrated_) s.weibull_ = WeibullTailFit::from_json(j.at("weibull"));
      } else {
        s.gpd_ = GpdFit::from_json(j.at("gpd"));
      }
      *this = std::move(s);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("SPOT state JSON: ") + e.what());
    } catch (const InvalidArgument& e) {
      throw FormatError(std::string("SPOT state JSON: bad config: ") + e.what());
    }
  }

  static Spot from_state(const nlohmann::json& j) {
    Spot s;
    s.restore(j);
    return s;
  }

 private:
  void require_setup() const {
    if (!is_setup_) throw StateError("SPOT: not set up; construct with a SpotConfig first");
  }

  void push_window(double x) {
    if (window_.empty()) return;
    window_[window_next_] = x;
    window_next_ = (window_next_ + 1) % window_.size();
  }

  void calibrate() {
    const auto d = static_cast<std::size_t>(config_.depth);
    std::vector<double> values;
    if (d == 0) {
      values = init_;
    } else {
      // x_i - mean(x_{i-d}..x_{i-1}) for i = d..n_init-1 (Siffer's backMean), one running sum.
      values.resize(init_.size() - d);
      double sum = 0.0;
      for (std::size_t i = 0; i < d; ++i) sum += init_[i];
      for (std::size_t i = d; i < init_.size(); ++i) {
        values[i - d] = init_[i] - sum / static_cast<double>(d);
        sum += init_[i] - init_[i - d];
      }
      for (std::size_t i = 0; i < d; ++i) window_[i] = init_[init_.size() - d + i];
      window_next_ = 0;
    }
    const Eigen::Map<const Eigen::VectorXd> v(values.data(),
                                              static_cast<Eigen::Index>(values.size()));
    auto peaks = detail::excesses_over_quantile(v, config_.level, initial_threshold_, "SPOT");
    detail::to_tail_excesses(peaks, initial_threshold_, config_.tail.transform, "SPOT");
    if (config_.tail.model == TailModel::weibull) {
      center_ = detail::sorted_quantile(detail::sorted_copy(v), 0.5);
      weibull_.threshold_offset = detail::weibull_threshold_offset(
          initial_threshold_, center_, config_.tail.transform, "SPOT");
    }
    peaks_total_ = static_cast<Eigen::Index>(peaks.size());
    // Capped: the most recent calibration peaks (excesses come in stream order).
    std::size_t keep = peaks.size();
    if (config_.max_peaks > 0) keep = std::min(keep, static_cast<std::size_t>(config_.max_peaks));
    peaks_.assign(peaks.end() - static_cast<std::ptrdiff_t>(keep), peaks.end());
    n_ = v.size();
    calibrated_ = true;
    init_.clear();
    refit();
  }

  void refit() {
    const Eigen::Map<const Eigen::VectorXd> y(peaks_.data(),
                                              static_cast<Eigen::Index>(peaks_.size()));
    if (config_.tail.model == TailModel::weibull) {
      weibull_ = fit_weibull_tail(y, weibull_.threshold_offset);
    } else {
      gpd_ = fit_gpd(y);
    }
    update_threshold();
  }

  void update_threshold() {
    // q n / N_t grows while only normal values arrive; at 1 the tail model says z_q = t.
    const double ratio = std::min(
        1.0, config_.risk_q * static_cast<double>(n_) / static_cast<double>(peaks_total_));
    const double excess = config_.tail.model == TailModel::weibull
                              ? weibull_.inverse_survival(ratio)
                              : gpd_.inverse_survival(ratio);
    threshold_ = detail::from_tail_excess(excess, initial_threshold_, config_.tail.transform);
  }

  SpotConfig config_;
  bool is_setup_ = false;
  bool calibrated_ = false;
  std::vector<double> init_;
  std::vector<double> peaks_;  ///< tail excesses, oldest first
  Eigen::Index peaks_total_ = 0;
  double center_ = 0.0;
  WeibullTailFit weibull_;
  std::vector<double> window_;
  std::size_t window_next_ = 0;
  double initial_threshold_ = 0.0;
  double threshold_ = 0.0;
  Eigen::Index n_ = 0;
  Eigen::Index seen_ = 0;
  GpdFit gpd_;
};

}  // namespace ecgad::calibrate
