#pragma once
// Peaks over threshold (Pickands 1975; Balkema & de Haan 1974; Siffer et al., KDD 2017 §3):
// above a high initial threshold t, the excesses s - t of any usual score distribution follow
// a generalised Pareto distribution, so the tail can be extrapolated far beyond the calibration
// set:
//     z_q = t + scale/shape * ((q n / N_t)^(-shape) - 1)     (shape -> 0: t - scale log(q n/N_t))
// is the score exceeded with probability q (risk q down to 1e-6 from 1e4..1e6 scores), and
//     p(s) = (N_t / n) (1 + shape (s - t) / scale)^(-1/shape)  for s > t
// the tail p-value of a score beyond t (n scores, N_t of them above t).
//
// A Pot keeps only (t, n, N_t, the tail fit): a few numbers, not the scores.
//
// Tail options (TailOptions; defaults = the model above, unchanged):
//   - transform "log" (positive scores): the tail model is fitted to log(s) - log(t) and mapped
//     back exactly (z_q = t exp(y_q), p(s) from log(s/t)): log is monotone, so thresholds and
//     p-values stay consistent. Reconstruction errors are positive and roughly log-normal.
//   - model "weibull" (calibrate/weibull_tail.hpp): a Weibull-type tail around the calibration
//     median instead of the GPD, for Gumbel-domain tails that reach the GPD limit slowly.
// Measured (docs/calibrate.md, 10 seeds of 10^6 scores, q = 1e-6): the GPD overshoots
// log-normal tails (mean +13%, worst +23%), log + GPD undershoots them (mean -16%: a Gaussian
// tail in log space gets GPD shape -0.1); log + weibull: mean +1.2%, worst 9.0%. For Gaussian
// scores weibull is the most accurate (worst 1.8% vs 5.5%); the GPD stays the right model for
// exponential, bounded or Pareto tails. The choice is explicit: the exceedance log-likelihoods
// of these models differ by a few units on 20 000 log-normal excesses, and choosing by them
// picked the identity GPD for 5 of 6 log-normal samples (docs/calibrate.md) — an in-sample fit
// criterion cannot see the tail beyond the data, where the models differ by 30%.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/calibrate/gpd.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/calibrate/weibull_tail.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// Fewer peaks than this and the GPD fit is noise: POT and SPOT refuse to calibrate.
inline constexpr Eigen::Index kMinPeaks = 10;

/// The scale on which the tail is modelled: the score itself or its logarithm.
enum class ScoreTransform { identity, log };
/// The excess law: generalised Pareto (Pickands) or Weibull-type (weibull_tail.hpp).
enum class TailModel { gpd, weibull };

inline const char* transform_name(ScoreTransform t) {
  return t == ScoreTransform::log ? "log" : "identity";
}
inline const char* tail_model_name(TailModel m) {
  return m == TailModel::weibull ? "weibull" : "gpd";
}

inline ScoreTransform parse_transform(const std::string& name) {
  if (name == "identity") return ScoreTransform::identity;
  if (name == "log") return ScoreTransform::log;
  throw InvalidArgument("tail transform is '" + name + "'; expected 'identity' or 'log'");
}
inline TailModel parse_tail_model(const std::string& name) {
  if (name == "gpd") return TailModel::gpd;
  if (name == "weibull") return TailModel::weibull;
  throw InvalidArgument("tail model is '" + name + "'; expected 'gpd' or 'weibull'");
}

/// How a POT / SPOT tail is modelled (see the file comment). Defaults: the classic POT.
struct TailOptions {
  ScoreTransform transform = ScoreTransform::identity;
  TailModel model = TailModel::gpd;

  bool operator==(const TailOptions& o) const {
    return transform == o.transform && model == o.model;
  }
  bool operator!=(const TailOptions& o) const { return !(*this == o); }
};

namespace detail {

/// The tail excess of a score s > t on the model's scale: s - t, or log(s / t) (t > 0).
inline double tail_excess(double score, double t, ScoreTransform transform) {
  return transform == ScoreTransform::log ? std::log(score / t) : score - t;
}

/// Inverse of tail_excess: t + y, or t exp(y) (exact at y = 0).
inline double from_tail_excess(double excess, double t, ScoreTransform transform) {
  return transform == ScoreTransform::log ? t * std::exp(excess) : t + excess;
}

/// Excesses s - t (computed as such, bit-identical to the classic POT) turned into tail
/// excesses on the model's scale: log1p((s - t) / t) = log(s / t) for the log transform.
inline void to_tail_excesses(std::vector<double>& excesses, double t, ScoreTransform transform,
                             const char* function) {
  if (transform == ScoreTransform::identity) return;
  if (!(t > 0.0)) {
    throw InvalidArgument(std::string(function) + ": the initial threshold is " +
                          ecgad::detail::format_number(t) +
                          "; the log transform expected it > 0 (positive scores, e.g. "
                          "reconstruction errors; use transform 'identity' for signed scores)");
  }
  for (double& e : excesses) e = std::log1p(e / t);
}

/// u_t, the distance of the threshold t from the centre c on the model's scale (Weibull tail).
inline double weibull_threshold_offset(double t, double center, ScoreTransform transform,
                                       const char* function) {
  if (transform == ScoreTransform::log && !(center > 0.0)) {
    throw InvalidArgument(std::string(function) + ": the calibration median is " +
                          ecgad::detail::format_number(center) +
                          "; the log-transformed Weibull tail expected positive scores "
                          "(median > 0)");
  }
  const double offset = tail_excess(t, center, transform);
  if (!(offset > 0.0)) {
    throw InvalidArgument(std::string(function) + ": the initial threshold " +
                          ecgad::detail::format_number(t) + " is not above the median " +
                          ecgad::detail::format_number(center) +
                          "; the Weibull tail expected a level above 0.5 and spread-out scores");
  }
  return offset;
}

}  // namespace detail

/// A peaks-over-threshold tail model (see the file comment).
struct Pot {
  double level = 0.98;               ///< quantile level of the initial threshold
  double initial_threshold = 0.0;    ///< t, score units
  Eigen::Index n = 0;                ///< scores seen
  Eigen::Index n_peaks = 0;          ///< N_t: scores > t
  TailOptions options;               ///< transform and excess law
  GpdFit gpd;                        ///< fitted to the N_t tail excesses (model gpd)
  double center = 0.0;               ///< calibration median, score units (model weibull)
  WeibullTailFit weibull;            ///< fitted to the N_t tail excesses (model weibull)

  /// P(tail excess > y | score > t) under the fitted excess law.
  double excess_survival(double y) const {
    return options.model == TailModel::weibull ? weibull.survival(y) : gpd.survival(y);
  }
  /// The tail excess exceeded with conditional probability p in (0, 1].
  double excess_inverse_survival(double p) const {
    return options.model == TailModel::weibull ? weibull.inverse_survival(p)
                                               : gpd.inverse_survival(p);
  }

  /// N_t / n: the probability of exceeding t, the largest risk the tail models.
  double tail_probability() const {
    return static_cast<double>(n_peaks) / static_cast<double>(n);
  }

  /// z_q, the score exceeded with probability q; q in (0, N_t/n).
  double quantile(double q) const {
    const double tail = tail_probability();
    if (!(q > 0.0 && q < tail)) {
      throw InvalidArgument(
          "Pot.quantile: risk q is " + ecgad::detail::format_number(q) +
          "; expected q in (0, N_t/n = " + ecgad::detail::format_number(tail) +
          ") (the tail beyond the initial threshold; use quantile_threshold for larger risks)");
    }
    return detail::from_tail_excess(excess_inverse_survival(q / tail), initial_threshold,
                                    options.transform);
  }

  /// z_q as a Threshold (method "pot"), with q, level, t, n, n_peaks and the tail's
  /// parameters: shape, scale (GPD) or weibull_tail = 1, exponent, scale, center; plus
  /// log_transform = 1 when the tail was modelled on log scores.
  Threshold threshold(double q) const {
    Threshold thr{"pot",
                  quantile(q),
                  {{"q", q},
                   {"level", level},
                   {"initial_threshold", initial_threshold},
                   {"n", static_cast<double>(n)},
                   {"n_peaks", static_cast<double>(n_peaks)}}};
    if (options.model == TailModel::weibull) {
      thr.parameters["weibull_tail"] = 1.0;
      thr.parameters["exponent"] = weibull.exponent;
      thr.parameters["scale"] = weibull.scale;
      thr.parameters["center"] = center;
    } else {
      thr.parameters["shape"] = gpd.shape;
      thr.parameters["scale"] = gpd.scale;
    }
    if (options.transform == ScoreTransform::log) thr.parameters["log_transform"] = 1.0;
    return thr;
  }

  /// Tail p-value P(S >= s) of a score s > t from the GPD. At or below t the model only says
  /// P(S >= s) >= N_t/n; 1 is returned there (conservative: a score below t is never evidence
  /// of an anomaly). 0 beyond the end of a bounded tail (shape < 0).
  double pvalue(double score) const {
    if (!std::isfinite(score)) {
      throw InvalidArgument("Pot.pvalue: score is " + ecgad::detail::format_number(score) +
                            "; expected a finite score");
    }
    if (!(score > initial_threshold)) return 1.0;
    return tail_probability() *
           excess_survival(detail::tail_excess(score, initial_threshold, options.transform));
  }

  Eigen::VectorXd pvalues(const Eigen::Ref<const Eigen::VectorXd>& scores) const {
    Eigen::VectorXd p(scores.size());
    for (Eigen::Index i = 0; i < scores.size(); ++i) p(i) = pvalue(scores(i));
    return p;
  }

  /// {type, level, initial_threshold, n, n_peaks, transform, tail, gpd | center + weibull}.
  nlohmann::json to_json() const {
    nlohmann::json j = {{"type", "pot"},
                        {"level", level},
                        {"initial_threshold", initial_threshold},
                        {"n", n},
                        {"n_peaks", n_peaks},
                        {"transform", transform_name(options.transform)},
                        {"tail", tail_model_name(options.model)}};
    if (options.model == TailModel::weibull) {
      j["center"] = center;
      j["weibull"] = weibull.to_json();
    } else {
      j["gpd"] = gpd.to_json();
    }
    return j;
  }

  static Pot from_json(const nlohmann::json& j) {
    Pot p;
    try {
      if (j.at("type").get<std::string>() != "pot") {
        throw FormatError("POT JSON: type is '" + j.at("type").get<std::string>() +
                          "'; expected 'pot'");
      }
      p.level = j.at("level").get<double>();
      p.initial_threshold = j.at("initial_threshold").get<double>();
      p.n = j.at("n").get<Eigen::Index>();
      p.n_peaks = j.at("n_peaks").get<Eigen::Index>();
      // Documents written before the tail options have neither field: the classic POT.
      p.options.transform = parse_transform(j.value("transform", std::string("identity")));
      p.options.model = parse_tail_model(j.value("tail", std::string("gpd")));
      if (p.options.model == TailModel::weibull) {
        p.center = j.at("center").get<double>();
        p.weibull = WeibullTailFit::from_json(j.at("weibull"));
      } else {
        p.gpd = GpdFit::from_json(j.at("gpd"));
      }
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("POT JSON: expected {type, level, initial_threshold, n, "
                                    "n_peaks, [transform, tail,] gpd | center + weibull}: ") +
                        e.what());
    } catch (const InvalidArgument& e) {
      throw FormatError(std::string("POT JSON: ") + e.what());
    }
    if (p.options.transform == ScoreTransform::log && !(p.initial_threshold > 0.0)) {
      throw FormatError("POT JSON: transform 'log' with initial_threshold " +
                        ecgad::detail::format_number(p.initial_threshold) + "; expected > 0");
    }
    if (p.n_peaks < 1 || p.n < p.n_peaks) {
      throw FormatError("POT JSON: expected 1 <= n_peaks <= n, got n_peaks " +
                        std::to_string(p.n_peaks) + ", n " + std::to_string(p.n));
    }
    return p;
  }
};

namespace detail {

inline void require_level(double level, const char* function) {
  if (!(level > 0.0 && level < 1.0)) {
    throw InvalidArgument(std::string(function) + ": level is " +
                          ecgad::detail::format_number(level) +
                          "; expected the initial threshold's quantile level in (0, 1)");
  }
}

/// t = numpy.quantile(values, level) and the excesses values[values > t] - t, in input order.
inline std::vector<double> excesses_over_quantile(const Eigen::Ref<const Eigen::VectorXd>& values,
                                                  double level, double& threshold,
                                                  const char* function) {
  threshold = sorted_quantile(sorted_copy(values), level);
  std::vector<double> excesses;
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    if (values(i) > threshold) excesses.push_back(values(i) - threshold);
  }
  if (static_cast<Eigen::Index>(excesses.size()) < kMinPeaks) {
    throw InvalidArgument(
        std::string(function) + ": " + std::to_string(excesses.size()) + " of " +
        std::to_string(values.size()) + " scores exceed the initial threshold at level " +
        ecgad::detail::format_number(level) + "; expected at least " + std::to_string(kMinPeaks) +
        " peaks to fit the tail: give more scores or a lower level");
  }
  return excesses;
}

}  // namespace detail

/// Fits the POT tail of `scores` (finite; enough that >= 10 exceed the level quantile):
/// t = numpy.quantile(scores, level), then the excess law of `options` (default: GPD on
/// s - t, Siffer et al. 2017) on the tail excesses. The log transform needs t > 0; the
/// Weibull tail needs t above the median (and, with log, a positive median).
inline Pot fit_pot(const Eigen::Ref<const Eigen::VectorXd>& scores, double level = 0.98,
                   const TailOptions& options = {}) {
  detail::require_level(level, "fit_pot");
  detail::require_scores(scores, "fit_pot");
  Pot p;
  p.level = level;
  p.options = options;
  auto excesses = detail::excesses_over_quantile(scores, level, p.initial_threshold, "fit_pot");
  p.n = scores.size();
  p.n_peaks = static_cast<Eigen::Index>(excesses.size());
  detail::to_tail_excesses(excesses, p.initial_threshold, options.transform, "fit_pot");
  const Eigen::Map<const Eigen::VectorXd> y(excesses.data(), p.n_peaks);
  if (options.model == TailModel::weibull) {
    p.center = detail::sorted_quantile(detail::sorted_copy(scores), 0.5);  // numpy.median
    p.weibull = fit_weibull_tail(
        y, detail::weibull_threshold_offset(p.initial_threshold, p.center, options.transform,
                                            "fit_pot"));
  } else {
    p.gpd = fit_gpd(y);
  }
  return p;
}

/// The POT threshold z_q of `scores` at risk q (fit_pot(scores, level, options).threshold(q)).
inline Threshold pot_threshold(const Eigen::Ref<const Eigen::VectorXd>& scores, double q,
                               double level = 0.98, const TailOptions& options = {}) {
  return fit_pot(scores, level, options).threshold(q);
}

}  // namespace ecgad::calibrate
