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
// A Pot keeps only (t, n, N_t, the GPD): a few numbers, not the scores.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/calibrate/gpd.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::calibrate {

/// Fewer peaks than this and the GPD fit is noise: POT and SPOT refuse to calibrate.
inline constexpr Eigen::Index kMinPeaks = 10;

/// A peaks-over-threshold tail model (see the file comment).
struct Pot {
  double level = 0.98;               ///< quantile level of the initial threshold
  double initial_threshold = 0.0;    ///< t, score units
  Eigen::Index n = 0;                ///< scores seen
  Eigen::Index n_peaks = 0;          ///< N_t: scores > t
  GpdFit gpd;                        ///< fitted to the N_t excesses

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
    return initial_threshold + gpd.inverse_survival(q / tail);
  }

  /// z_q as a Threshold (method "pot"), with q, level, t, shape, scale, n, n_peaks.
  Threshold threshold(double q) const {
    return {"pot",
            quantile(q),
            {{"q", q},
             {"level", level},
             {"initial_threshold", initial_threshold},
             {"shape", gpd.shape},
             {"scale", gpd.scale},
             {"n", static_cast<double>(n)},
             {"n_peaks", static_cast<double>(n_peaks)}}};
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
    return tail_probability() * gpd.survival(score - initial_threshold);
  }

  Eigen::VectorXd pvalues(const Eigen::Ref<const Eigen::VectorXd>& scores) const {
    Eigen::VectorXd p(scores.size());
    for (Eigen::Index i = 0; i < scores.size(); ++i) p(i) = pvalue(scores(i));
    return p;
  }

  nlohmann::json to_json() const {
    return {{"type", "pot"},       {"level", level}, {"initial_threshold", initial_threshold},
            {"n", n},              {"n_peaks", n_peaks}, {"gpd", gpd.to_json()}};
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
      p.gpd = GpdFit::from_json(j.at("gpd"));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(std::string("POT JSON: expected {type, level, initial_threshold, n, "
                                    "n_peaks, gpd}: ") + e.what());
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
/// t = numpy.quantile(scores, level), GPD on the excesses over t.
inline Pot fit_pot(const Eigen::Ref<const Eigen::VectorXd>& scores, double level = 0.98) {
  detail::require_level(level, "fit_pot");
  detail::require_scores(scores, "fit_pot");
  Pot p;
  p.level = level;
  const auto excesses =
      detail::excesses_over_quantile(scores, level, p.initial_threshold, "fit_pot");
  p.n = scores.size();
  p.n_peaks = static_cast<Eigen::Index>(excesses.size());
  p.gpd = fit_gpd(Eigen::Map<const Eigen::VectorXd>(excesses.data(), p.n_peaks));
  return p;
}

/// The POT threshold z_q of `scores` at risk q (fit_pot(scores, level).threshold(q)).
inline Threshold pot_threshold(const Eigen::Ref<const Eigen::VectorXd>& scores, double q,
                               double level = 0.98) {
  return fit_pot(scores, level).threshold(q);
}

}  // namespace ecgad::calibrate
