#pragma once
// One face for the batch two-sample drift tests: a common result type, a function that runs a
// test chosen by name on two samples, and a per-feature runner that tests every column of a
// reference and a current feature matrix and corrects the p-values across features
// (calibrate/multiple_testing.hpp: Bonferroni or Benjamini-Hochberg).
//
// Tests and what they return (each header documents its reference implementation):
//   ks                      Kolmogorov-Smirnov      statistic D, p-value (scipy.stats.ks_2samp)
//   cramer_von_mises        Cramér-von Mises        T, p-value (cramervonmises_2samp)
//   chi_square              chi-square on quantile bins   chi2, p-value (chi2_contingency)
//   psi                     population stability index    PSI, no p-value
//   wasserstein             Wasserstein-1, data units     W1, no p-value
//   wasserstein_normalized  W1 / reference std            no p-value
//   jensen_shannon          JS distance, shared bins      no p-value
//   mmd (multivariate)      unbiased MMD^2, RBF kernel    permutation p-value (two_sample_mmd)
// "No p-value" is p_value = NaN. For those tests the per-feature runner decides drift by a
// statistic threshold the caller gives (there is no universal one: PSI > 0.2, W1/std > 0.1 and
// JS > 0.1 are common starting points), and leaves the adjusted p-values NaN.
//
// Results serialise to JSON (to_json/from_json, nlohmann ADL) for reports and saved states;
// NaN p-values are written as null.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/calibrate/multiple_testing.hpp"
#include "ecgad/drift/chi_square.hpp"
#include "ecgad/drift/cramer_von_mises.hpp"
#include "ecgad/drift/jensen_shannon.hpp"
#include "ecgad/drift/ks.hpp"
#include "ecgad/drift/mmd.hpp"
#include "ecgad/drift/psi.hpp"
#include "ecgad/drift/wasserstein.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// The univariate batch tests two_sample_test() runs.
enum class TwoSampleTest {
  ks,
  cramer_von_mises,
  chi_square,
  psi,
  wasserstein,
  wasserstein_normalized,
  jensen_shannon,
};

/// The test's name as used in results and by parse_two_sample_test().
inline const char* to_string(TwoSampleTest t) {
  switch (t) {
    case TwoSampleTest::ks: return "ks";
    case TwoSampleTest::cramer_von_mises: return "cramer_von_mises";
    case TwoSampleTest::chi_square: return "chi_square";
    case TwoSampleTest::psi: return "psi";
    case TwoSampleTest::wasserstein: return "wasserstein";
    case TwoSampleTest::wasserstein_normalized: return "wasserstein_normalized";
    case TwoSampleTest::jensen_shannon: return "jensen_shannon";
  }
  return "?";
}

/// Parses a test name (the to_string() spellings; "cvm" is accepted for cramer_von_mises).
inline TwoSampleTest parse_two_sample_test(const std::string& name) {
  for (auto t : {TwoSampleTest::ks, TwoSampleTest::cramer_von_mises, TwoSampleTest::chi_square,
                 TwoSampleTest::psi, TwoSampleTest::wasserstein,
                 TwoSampleTest::wasserstein_normalized, TwoSampleTest::jensen_shannon}) {
    if (name == to_string(t)) return t;
  }
  if (name == "cvm") return TwoSampleTest::cramer_von_mises;
  throw InvalidArgument("unknown two-sample test '" + name +
                        "'; expected one of ks, cramer_von_mises, chi_square, psi, wasserstein, "
                        "wasserstein_normalized, jensen_shannon");
}

/// true for the tests that give a p-value (ks, cramer_von_mises, chi_square).
inline bool has_p_value(TwoSampleTest t) {
  return t == TwoSampleTest::ks || t == TwoSampleTest::cramer_von_mises ||
         t == TwoSampleTest::chi_square;
}

/// Parameters of the individual tests (each used only by the tests it names).
struct TwoSampleOptions {
  Eigen::Index bins = 10;                     ///< psi, chi_square (quantile), jensen_shannon
  double psi_epsilon = psi_default_epsilon;   ///< psi: share floor for empty bins
  double js_base = 2.0;                       ///< jensen_shannon: log base
  KsAlternative ks_alternative = KsAlternative::two_sided;
  KsMethod ks_method = KsMethod::automatic;
  CvmMethod cvm_method = CvmMethod::automatic;
};

/// The common result of a batch two-sample test.
struct TwoSampleResult {
  double statistic = 0.0;
  /// p-value in [0, 1]; NaN for tests without one (psi, wasserstein*, jensen_shannon).
  double p_value = std::numeric_limits<double>::quiet_NaN();
  std::string name;  ///< the test's name (to_string(TwoSampleTest), or "mmd")
  Eigen::Index n_reference = 0;
  Eigen::Index n_current = 0;
};

/// Runs the named univariate test of `current` against `reference`.
template <typename A, typename B>
TwoSampleResult two_sample_test(TwoSampleTest test, const Eigen::DenseBase<A>& reference,
                                const Eigen::DenseBase<B>& current,
                                const TwoSampleOptions& options = {}) {
  TwoSampleResult r;
  r.name = to_string(test);
  r.n_reference = reference.size();
  r.n_current = current.size();
  switch (test) {
    case TwoSampleTest::ks: {
      const auto k = ks_2samp(reference, current, options.ks_alternative, options.ks_method);
      r.statistic = k.statistic;
      r.p_value = k.p_value;
      break;
    }
    case TwoSampleTest::cramer_von_mises: {
      const auto c = cramer_von_mises_2samp(reference, current, options.cvm_method);
      r.statistic = c.statistic;
      r.p_value = c.p_value;
      break;
    }
    case TwoSampleTest::chi_square: {
      const auto c = chi_square(reference, current, options.bins);
      r.statistic = c.statistic;
      r.p_value = c.p_value;
      break;
    }
    case TwoSampleTest::psi:
      r.statistic = psi(reference, current, options.bins, options.psi_epsilon).statistic;
      break;
    case TwoSampleTest::wasserstein:
      r.statistic = wasserstein(reference, current);
      break;
    case TwoSampleTest::wasserstein_normalized:
      r.statistic = wasserstein_normalized(reference, current);
      break;
    case TwoSampleTest::jensen_shannon:
      r.statistic = jensen_shannon(reference, current, options.bins, options.js_base).statistic;
      break;
  }
  return r;
}

/// The named test by its string name.
template <typename A, typename B>
TwoSampleResult two_sample_test(const std::string& test, const Eigen::DenseBase<A>& reference,
                                const Eigen::DenseBase<B>& current,
                                const TwoSampleOptions& options = {}) {
  return two_sample_test(parse_two_sample_test(test), reference, current, options);
}

/// The multivariate MMD test (mmd.hpp) as a TwoSampleResult named "mmd".
inline TwoSampleResult two_sample_mmd(const Eigen::Ref<const Eigen::MatrixXd>& reference,
                                      const Eigen::Ref<const Eigen::MatrixXd>& current,
                                      const MmdConfig& config = {}) {
  const MmdResult m = mmd_test(reference, current, config);
  TwoSampleResult r;
  r.statistic = m.statistic;
  r.p_value = m.p_value;
  r.name = "mmd";
  r.n_reference = reference.rows();
  r.n_current = current.rows();
  return r;
}

/// One test per feature column, corrected across features.
struct FeatureDriftResult {
  std::vector<TwoSampleResult> features;  ///< one per column, in column order
  Eigen::VectorXd adjusted_p_values;      ///< corrected p-values; NaN for tests without one
  calibrate::BoolVector drifted;          ///< per feature: drift detected
  std::string correction;                 ///< "bonferroni", "fdr_bh", or "threshold"
  double alpha = 0.05;                    ///< the family-wise / FDR level used
  double statistic_threshold = std::numeric_limits<double>::quiet_NaN();
};

/// Runs `test` on every column of `reference` (m x F) against the same column of `current`
/// (n x F). For tests with a p-value, drift per feature is the rejection of the multiple-testing
/// `correction` at level `alpha` across the F features. For tests without one, drift is
/// statistic > statistic_threshold, which must then be given (finite, >= 0).
inline FeatureDriftResult two_sample_per_feature(
    TwoSampleTest test, const Eigen::Ref<const Eigen::MatrixXd>& reference,
    const Eigen::Ref<const Eigen::MatrixXd>& current,
    calibrate::Correction correction = calibrate::Correction::benjamini_hochberg,
    double alpha = 0.05, const TwoSampleOptions& options = {},
    double statistic_threshold = std::numeric_limits<double>::quiet_NaN()) {
  if (reference.cols() != current.cols() || reference.cols() < 1) {
    throw InvalidArgument("two_sample_per_feature: reference has " +
                          std::to_string(reference.cols()) + " feature columns and current " +
                          std::to_string(current.cols()) +
                          "; expected the same number (>= 1) of columns");
  }
  const bool with_p = has_p_value(test);
  if (!with_p && !(statistic_threshold >= 0.0 && std::isfinite(statistic_threshold))) {
    throw InvalidArgument(std::string("two_sample_per_feature: test '") + to_string(test) +
                          "' has no p-value; expected a finite statistic_threshold >= 0, got " +
                          ecgad::detail::format_number(statistic_threshold));
  }
  if (with_p && !(alpha > 0.0 && alpha < 1.0)) {
    throw InvalidArgument("two_sample_per_feature: alpha must be in (0, 1), got " +
                          ecgad::detail::format_number(alpha));
  }
  const Eigen::Index features = reference.cols();
  FeatureDriftResult out;
  out.alpha = alpha;
  out.statistic_threshold = statistic_threshold;
  out.features.reserve(static_cast<std::size_t>(features));
  for (Eigen::Index f = 0; f < features; ++f) {
    try {
      out.features.push_back(two_sample_test(test, reference.col(f), current.col(f), options));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("feature column " + std::to_string(f) + ": " + e.what());
    }
  }
  out.adjusted_p_values.setConstant(features, std::numeric_limits<double>::quiet_NaN());
  out.drifted.setConstant(features, false);
  if (with_p) {
    Eigen::VectorXd p(features);
    for (Eigen::Index f = 0; f < features; ++f) {
      p(f) = out.features[static_cast<std::size_t>(f)].p_value;
      if (std::isnan(p(f))) {
        throw InvalidArgument("feature column " + std::to_string(f) + ": test '" +
                              to_string(test) +
                              "' gave no p-value (asymptotic KS on 1 x 1 samples); expected "
                              "larger samples or method 'exact'");
      }
    }
    const auto corrected = calibrate::multiple_testing(p, alpha, correction);
    out.adjusted_p_values = corrected.adjusted;
    out.drifted = corrected.rejected;
    out.correction = calibrate::correction_name(correction);
  } else {
    for (Eigen::Index f = 0; f < features; ++f) {
      out.drifted(f) = out.features[static_cast<std::size_t>(f)].statistic > statistic_threshold;
    }
    out.correction = "threshold";
  }
  return out;
}

// --- JSON -----------------------------------------------------------------------------------

namespace detail {
inline nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}
inline double number_from(const nlohmann::json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}
}  // namespace detail

inline void to_json(nlohmann::json& j, const TwoSampleResult& r) {
  j = nlohmann::json{{"statistic", r.statistic},
                     {"p_value", detail::number_or_null(r.p_value)},
                     {"name", r.name},
                     {"n_reference", r.n_reference},
                     {"n_current", r.n_current}};
}

inline void from_json(const nlohmann::json& j, TwoSampleResult& r) {
  r.statistic = j.at("statistic").get<double>();
  r.p_value = detail::number_from(j.at("p_value"));
  r.name = j.at("name").get<std::string>();
  r.n_reference = j.at("n_reference").get<Eigen::Index>();
  r.n_current = j.at("n_current").get<Eigen::Index>();
}

inline void to_json(nlohmann::json& j, const FeatureDriftResult& r) {
  nlohmann::json adjusted = nlohmann::json::array();
  nlohmann::json drifted = nlohmann::json::array();
  for (Eigen::Index f = 0; f < r.adjusted_p_values.size(); ++f) {
    adjusted.push_back(detail::number_or_null(r.adjusted_p_values(f)));
    drifted.push_back(static_cast<bool>(r.drifted(f)));
  }
  j = nlohmann::json{{"features", r.features},
                     {"adjusted_p_values", adjusted},
                     {"drifted", drifted},
                     {"correction", r.correction},
                     {"alpha", r.alpha},
                     {"statistic_threshold", detail::number_or_null(r.statistic_threshold)}};
}

inline void from_json(const nlohmann::json& j, FeatureDriftResult& r) {
  r.features = j.at("features").get<std::vector<TwoSampleResult>>();
  const auto& adjusted = j.at("adjusted_p_values");
  const auto& drifted = j.at("drifted");
  if (adjusted.size() != r.features.size() || drifted.size() != r.features.size()) {
    throw FormatError("FeatureDriftResult JSON: " + std::to_string(r.features.size()) +
                      " features but " + std::to_string(adjusted.size()) +
                      " adjusted p-values and " + std::to_string(drifted.size()) +
                      " drift flags; expected one of each per feature");
  }
  r.adjusted_p_values.resize(static_cast<Eigen::Index>(adjusted.size()));
  r.drifted.resize(static_cast<Eigen::Index>(drifted.size()));
  for (std::size_t f = 0; f < adjusted.size(); ++f) {
    r.adjusted_p_values(static_cast<Eigen::Index>(f)) = detail::number_from(adjusted[f]);
    r.drifted(static_cast<Eigen::Index>(f)) = drifted[f].get<bool>();
  }
  r.correction = j.at("correction").get<std::string>();
  r.alpha = j.at("alpha").get<double>();
  r.statistic_threshold = detail::number_from(j.at("statistic_threshold"));
}

inline void to_json(nlohmann::json& j, const TwoSampleOptions& o) {
  j = nlohmann::json{{"bins", o.bins},
                     {"psi_epsilon", o.psi_epsilon},
                     {"js_base", o.js_base},
                     {"ks_alternative", to_string(o.ks_alternative)},
                     {"ks_method", o.ks_method == KsMethod::automatic ? "auto"
                                   : o.ks_method == KsMethod::exact   ? "exact"
                                                                      : "asymp"},
                     {"cvm_method", o.cvm_method == CvmMethod::automatic ? "auto"
                                    : o.cvm_method == CvmMethod::exact   ? "exact"
                                                                         : "asymptotic"}};
}

inline void from_json(const nlohmann::json& j, TwoSampleOptions& o) {
  o.bins = j.at("bins").get<Eigen::Index>();
  o.psi_epsilon = j.at("psi_epsilon").get<double>();
  o.js_base = j.at("js_base").get<double>();
  o.ks_alternative = parse_ks_alternative(j.at("ks_alternative").get<std::string>());
  o.ks_method = parse_ks_method(j.at("ks_method").get<std::string>());
  o.cvm_method = parse_cvm_method(j.at("cvm_method").get<std::string>());
}

}  // namespace ecgad::drift
