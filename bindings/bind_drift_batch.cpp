// Python face of the batch two-sample drift tests (include/ecgad/drift/{ks, cramer_von_mises,
// psi, wasserstein, jensen_shannon, chi_square, mmd, two_sample}.hpp), in _core.drift next to
// the streaming detectors. Samples cross as float64 vectors, feature matrices as float64
// matrices (one observation a row); results come back as tuples (or, for the per-feature run,
// as the JSON of FeatureDriftResult). python/ecgad/_drift_batch.py wraps this with documented,
// shape-checking functions.
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/drift/two_sample.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using VectorRef = Eigen::Ref<const Eigen::VectorXd>;
using MatrixRef = Eigen::Ref<const Eigen::MatrixXd>;

Eigen::VectorXd to_eigen(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

drift::TwoSampleOptions options_from(const std::string& options_json) {
  nlohmann::json given;
  try {
    given = nlohmann::json::parse(options_json);
  } catch (const nlohmann::json::parse_error& e) {
    throw InvalidArgument(std::string("options is not valid JSON: ") + e.what());
  }
  if (!given.is_object()) throw InvalidArgument("options must be a JSON object");
  nlohmann::json options = drift::TwoSampleOptions{};
  for (const auto& [key, value] : given.items()) {
    if (!options.contains(key)) {
      std::string valid;
      for (const auto& [name, unused] : options.items()) valid += (valid.empty() ? "" : ", ") + name;
      throw InvalidArgument("unknown two-sample option '" + key + "'; valid: " + valid);
    }
    options[key] = value;
  }
  try {
    return options.get<drift::TwoSampleOptions>();
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("two-sample options have a wrong type: ") + e.what());
  }
}

}  // namespace

void bind_drift_batch(py::module_& root) {
  // Shared with the streaming detectors' binding (def_submodule returns the existing module).
  auto m = root.def_submodule("drift", "Drift detection: streaming detectors and batch tests");

  m.def(
      "ks_2samp",
      [](const VectorRef& reference, const VectorRef& current, const std::string& alternative,
         const std::string& method) {
        const auto alt = drift::parse_ks_alternative(alternative);
        const auto meth = drift::parse_ks_method(method);
        drift::KsResult r;
        {
          py::gil_scoped_release release;
          r = drift::ks_2samp(reference, current, alt, meth);
        }
        return std::make_tuple(r.statistic, r.p_value, r.statistic_location, r.statistic_sign,
                               r.exact);
      },
      py::arg("reference"), py::arg("current"), py::arg("alternative") = "two-sided",
      py::arg("method") = "auto");

  m.def("kolmogorov_sf", &drift::kolmogorov_sf, py::arg("n"), py::arg("x"));

  m.def(
      "cramer_von_mises_2samp",
      [](const VectorRef& reference, const VectorRef& current, const std::string& method) {
        const auto meth = drift::parse_cvm_method(method);
        drift::CvmResult r;
        {
          py::gil_scoped_release release;
          r = drift::cramer_von_mises_2samp(reference, current, meth);
        }
        return std::make_tuple(r.statistic, r.p_value, r.exact);
      },
      py::arg("reference"), py::arg("current"), py::arg("method") = "auto");

  m.def(
      "psi",
      [](const VectorRef& reference, const VectorRef& current, Eigen::Index bins,
         double epsilon) {
        drift::PsiResult r;
        {
          py::gil_scoped_release release;
          r = drift::psi(reference, current, bins, epsilon);
        }
        return std::make_tuple(r.statistic, to_eigen(r.edges), r.reference_counts,
                               r.current_counts);
      },
      py::arg("reference"), py::arg("current"), py::arg("bins") = 10,
      py::arg("epsilon") = drift::psi_default_epsilon);

  m.def(
      "wasserstein",
      [](const VectorRef& reference, const VectorRef& current) {
        py::gil_scoped_release release;
        return drift::wasserstein(reference, current);
      },
      py::arg("reference"), py::arg("current"));

  m.def(
      "wasserstein_normalized",
      [](const VectorRef& reference, const VectorRef& current) {
        py::gil_scoped_release release;
        return drift::wasserstein_normalized(reference, current);
      },
      py::arg("reference"), py::arg("current"));

  m.def(
      "jensen_shannon",
      [](const VectorRef& reference, const VectorRef& current, Eigen::Index bins, double base) {
        drift::JensenShannonResult r;
        {
          py::gil_scoped_release release;
          r = drift::jensen_shannon(reference, current, bins, base);
        }
        return std::make_tuple(r.statistic, to_eigen(r.edges), r.reference_counts,
                               r.current_counts);
      },
      py::arg("reference"), py::arg("current"), py::arg("bins") = 10, py::arg("base") = 2.0);

  m.def("jensen_shannon_distance", &drift::jensen_shannon_distance, py::arg("p"), py::arg("q"),
        py::arg("base") = 2.0);

  m.def(
      "chi_square",
      [](const VectorRef& reference, const VectorRef& current, Eigen::Index bins) {
        drift::ChiSquareResult r;
        {
          py::gil_scoped_release release;
          r = drift::chi_square(reference, current, bins);
        }
        return std::make_tuple(r.statistic, r.p_value, r.dof, to_eigen(r.edges),
                               r.reference_counts, r.current_counts);
      },
      py::arg("reference"), py::arg("current"), py::arg("bins") = 10);

  m.def(
      "mmd_test",
      [](const MatrixRef& reference, const MatrixRef& current, double bandwidth,
         Eigen::Index n_permutations, std::uint64_t seed) {
        drift::MmdResult r;
        {
          py::gil_scoped_release release;
          r = drift::mmd_test(reference, current, {bandwidth, n_permutations, seed});
        }
        return std::make_tuple(r.statistic, r.p_value, r.bandwidth, r.exceedances);
      },
      py::arg("reference"), py::arg("current"), py::arg("bandwidth") = 0.0,
      py::arg("n_permutations") = 500, py::arg("seed") = 0);

  m.def(
      "two_sample_per_feature",
      [](const std::string& test, const MatrixRef& reference, const MatrixRef& current,
         const std::string& correction, double alpha, const std::string& options_json,
         double statistic_threshold) {
        const auto t = drift::parse_two_sample_test(test);
        const auto c = calibrate::parse_correction(correction);
        const auto options = options_from(options_json);
        drift::FeatureDriftResult r;
        {
          py::gil_scoped_release release;
          r = drift::two_sample_per_feature(t, reference, current, c, alpha, options,
                                            statistic_threshold);
        }
        return nlohmann::json(r).dump();
      },
      py::arg("test"), py::arg("reference"), py::arg("current"),
      py::arg("correction") = "fdr_bh", py::arg("alpha") = 0.05, py::arg("options_json") = "{}",
      py::arg("statistic_threshold") = std::numeric_limits<double>::quiet_NaN());
}

}  // namespace ecgad::bindings
