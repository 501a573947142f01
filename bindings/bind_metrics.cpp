// Python face of the ranking metrics (metrics/ranking.hpp): ROC and precision-recall curves,
// ROC AUC and average precision, equal to scikit-learn's. Labels and scores cross as float64
// vectors (a C-contiguous float64 array is read in place; bool and integer labels are converted,
// never truncated, so a label like 0.5 still reaches the C++ check and is rejected). Curves come
// back as tuples of float64 arrays in sklearn's order. Threshold metrics (confusion.hpp),
// bootstrap intervals (bootstrap.hpp) and slice tables (slices.hpp) come back as dicts / lists
// of dicts. python/ecgad/metrics.py wraps this with documented, shape-checking functions.
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/metrics/bootstrap.hpp"
#include "ecgad/metrics/confusion.hpp"
#include "ecgad/metrics/ranking.hpp"
#include "ecgad/metrics/slices.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using VectorRef = Eigen::Ref<const Eigen::VectorXd>;

py::tuple counts_tuple(const metrics::ConfusionMatrix& c) {
  return py::make_tuple(c.tp, c.fp, c.tn, c.fn);
}

/// Metric values by name plus "undefined": the names returned as 0 by zero division.
void add_threshold_metrics(py::dict& d, const metrics::ThresholdMetrics& t) {
  d["tp"] = t.counts.tp;
  d["fp"] = t.counts.fp;
  d["tn"] = t.counts.tn;
  d["fn"] = t.counts.fn;
  d["precision"] = t.precision.value;
  d["recall"] = t.recall.value;
  d["specificity"] = t.specificity.value;
  d["f1"] = t.f1.value;
  d["f_beta"] = t.f_beta.value;
  d["accuracy"] = t.accuracy.value;
  d["balanced_accuracy"] = t.balanced_accuracy.value;
  d["mcc"] = t.mcc.value;
  d["undefined"] = t.undefined();
}

}  // namespace

void bind_metrics(py::module_& m) {
  m.def(
      "roc_auc",
      [](const VectorRef& y_true, const VectorRef& scores) {
        py::gil_scoped_release release;
        return metrics::roc_auc(y_true, scores);
      },
      py::arg("y_true"), py::arg("scores"));

  m.def(
      "average_precision",
      [](const VectorRef& y_true, const VectorRef& scores) {
        py::gil_scoped_release release;
        return metrics::average_precision(y_true, scores);
      },
      py::arg("y_true"), py::arg("scores"));

  m.def(
      "roc_curve",
      [](const VectorRef& y_true, const VectorRef& scores) {
        metrics::RocCurve r;
        {
          py::gil_scoped_release release;
          r = metrics::roc_curve(y_true, scores);
        }
        return std::make_tuple(std::move(r.fpr), std::move(r.tpr), std::move(r.thresholds));
      },
      py::arg("y_true"), py::arg("scores"));

  m.def(
      "precision_recall_curve",
      [](const VectorRef& y_true, const VectorRef& scores) {
        metrics::PrecisionRecallCurve r;
        {
          py::gil_scoped_release release;
          r = metrics::precision_recall_curve(y_true, scores);
        }
        return std::make_tuple(std::move(r.precision), std::move(r.recall),
                               std::move(r.thresholds));
      },
      py::arg("y_true"), py::arg("scores"));

  m.def(
      "confusion_at_threshold",
      [](const VectorRef& y_true, const VectorRef& scores, double threshold) {
        return counts_tuple(metrics::confusion_at_threshold(y_true, scores, threshold));
      },
      py::arg("y_true"), py::arg("scores"), py::arg("threshold"));

  m.def(
      "confusion_from_predictions",
      [](const VectorRef& y_true, const VectorRef& y_pred) {
        return counts_tuple(metrics::confusion_from_predictions(y_true, y_pred));
      },
      py::arg("y_true"), py::arg("y_pred"));

  m.def(
      "threshold_metrics",
      [](std::int64_t tp, std::int64_t fp, std::int64_t tn, std::int64_t fn, double beta) {
        if (tp < 0 || fp < 0 || tn < 0 || fn < 0) {
          throw InvalidArgument("threshold_metrics: counts are tp=" + std::to_string(tp) +
                                " fp=" + std::to_string(fp) + " tn=" + std::to_string(tn) +
                                " fn=" + std::to_string(fn) + "; expected counts >= 0");
        }
        py::dict d;
        add_threshold_metrics(d, metrics::threshold_metrics({tp, fp, tn, fn}, beta));
        d["beta"] = beta;
        return d;
      },
      py::arg("tp"), py::arg("fp"), py::arg("tn"), py::arg("fn"), py::arg("beta") = 1.0);

  // metric: a name (named_metric) or a Python callable (y, scores) -> float, called with the
  // GIL held; a NaN return marks a resample as undefined.
  m.def(
      "bootstrap_ci",
      [](const VectorRef& y_true, const VectorRef& scores, const py::object& metric,
         double threshold, double beta, std::int64_t n_resamples, double confidence_level,
         std::uint64_t seed, bool stratified) {
        metrics::BootstrapOptions o;
        o.n_resamples = n_resamples;
        o.confidence_level = confidence_level;
        o.seed = seed;
        o.stratified = stratified;
        metrics::BootstrapResult r;
        if (py::isinstance<py::str>(metric)) {
          const auto fn = metrics::named_metric(metric.cast<std::string>(), threshold, beta);
          py::gil_scoped_release release;
          r = metrics::bootstrap_ci(y_true, scores, fn, o);
        } else {
          const py::function callable = metric.cast<py::function>();
          r = metrics::bootstrap_ci(
              y_true, scores,
              [&callable](const Eigen::VectorXd& y, const Eigen::VectorXd& s) {
                return callable(y, s).cast<double>();
              },
              o);
        }
        py::dict d;
        d["estimate"] = r.estimate;
        d["low"] = r.low;
        d["high"] = r.high;
        d["confidence_level"] = r.confidence_level;
        d["n_resamples"] = r.n_resamples;
        d["n_skipped"] = r.n_skipped;
        d["distribution"] = std::move(r.distribution);
        return d;
      },
      py::arg("y_true"), py::arg("scores"), py::arg("metric"), py::arg("threshold"),
      py::arg("beta"), py::arg("n_resamples"), py::arg("confidence_level"), py::arg("seed"),
      py::arg("stratified"));

  // tags: (name, values as str) per tag; rows as flat dicts, NaN AUC/AP where undefined.
  m.def(
      "slice_metrics",
      [](const VectorRef& y_true, const VectorRef& scores,
         std::vector<std::pair<std::string, std::vector<std::string>>> tags, double threshold,
         double beta, bool include_overall) {
        std::vector<metrics::TagColumn> columns;
        columns.reserve(tags.size());
        for (auto& [name, values] : tags) columns.push_back({std::move(name), std::move(values)});
        metrics::SliceOptions o;
        o.threshold_score = threshold;
        o.beta = beta;
        o.include_overall = include_overall;
        std::vector<metrics::SliceRow> rows;
        {
          py::gil_scoped_release release;
          rows = metrics::slice_metrics(y_true, scores, columns, o);
        }
        py::list out;
        for (const auto& r : rows) {
          py::dict d;
          d["tag"] = r.tag;
          d["value"] = r.value;
          d["count"] = r.count;
          d["positives"] = r.positives;
          d["negatives"] = r.negatives;
          d["roc_auc"] = r.roc_auc;
          d["average_precision"] = r.average_precision;
          d["ranking_undefined_reason"] = r.ranking_undefined_reason;
          add_threshold_metrics(d, r.at_threshold);
          out.append(std::move(d));
        }
        return out;
      },
      py::arg("y_true"), py::arg("scores"), py::arg("tags"), py::arg("threshold"),
      py::arg("beta"), py::arg("include_overall"));
}

}  // namespace ecgad::bindings
