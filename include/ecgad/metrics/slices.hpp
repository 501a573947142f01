#pragma once
// Slice analysis: every metric grouped by metadata tags (record, AAMI class, noise level,
// heart-rate band, quality grade...), the error analysis that shows where a model fails even
// when the overall figure looks good. Each row is one (tag, value) slice with its size, class
// counts, ROC AUC and average precision (ranking.hpp) and the threshold metrics at one score
// threshold (confusion.hpp); the first row is the overall one (tag "" and value "").
//
// Ranking metrics need both classes; in a slice with one class (a record without anomalies,
// the "N" AAMI class) they are NaN and `ranking_undefined_reason` says why, instead of
// throwing: a slice table is expected to contain such slices. Rows of one tag are ordered by
// value (byte-wise string order, as pandas' groupby sorts), tags in the order given.

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"
#include "ecgad/metrics/confusion.hpp"
#include "ecgad/metrics/ranking.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::metrics {

/// One tag for every sample: values[i] is the tag value of sample i.
struct TagColumn {
  std::string name;
  std::vector<std::string> values;
};

struct SliceRow {
  std::string tag;    ///< "" for the overall row
  std::string value;  ///< "" for the overall row
  std::int64_t count = 0;
  std::int64_t positives = 0;
  std::int64_t negatives = 0;
  double roc_auc = std::numeric_limits<double>::quiet_NaN();
  double average_precision = std::numeric_limits<double>::quiet_NaN();
  std::string ranking_undefined_reason;  ///< empty when roc_auc / average_precision are defined
  ThresholdMetrics at_threshold;         ///< at score >= threshold_score
};

struct SliceOptions {
  double threshold_score = 0.0;  ///< score >= threshold means anomaly
  double beta = 1.0;             ///< the beta of f_beta
  bool include_overall = true;   ///< put the overall row first
};

namespace detail {

inline SliceRow slice_row(const Eigen::Ref<const Eigen::VectorXd>& y_true,
                          const Eigen::Ref<const Eigen::VectorXd>& scores,
                          const std::vector<Eigen::Index>& members, std::string tag,
                          std::string value, const SliceOptions& options) {
  const auto size = static_cast<Eigen::Index>(members.size());
  Eigen::VectorXd y(size), s(size);
  for (Eigen::Index k = 0; k < size; ++k) {
    y(k) = y_true(members[static_cast<std::size_t>(k)]);
    s(k) = scores(members[static_cast<std::size_t>(k)]);
  }
  SliceRow row;
  row.tag = std::move(tag);
  row.value = std::move(value);
  row.count = size;
  row.positives = static_cast<std::int64_t>(y.sum());
  row.negatives = row.count - row.positives;
  if (row.positives == 0 || row.negatives == 0) {
    row.ranking_undefined_reason =
        std::string("only ") + (row.positives == 0 ? "negatives (0)" : "positives (1)") +
        " in this slice; ROC AUC and average precision need both classes";
  } else {
    row.roc_auc = roc_auc(y, s);
    row.average_precision = average_precision(y, s);
  }
  row.at_threshold =
      threshold_metrics(confusion_at_threshold(y, s, options.threshold_score), options.beta);
  return row;
}

}  // namespace detail

/// The slice table of (y_true, scores) grouped by each tag column: the overall row (unless
/// options.include_overall is false), then for each tag one row per distinct value. Throws
/// InvalidArgument on empty or mismatched input, labels other than 0/1, non-finite scores or
/// threshold, beta <= 0, a tag column whose length differs from y_true, or an empty or
/// repeated tag name.
inline std::vector<SliceRow> slice_metrics(const Eigen::Ref<const Eigen::VectorXd>& y_true,
                                           const Eigen::Ref<const Eigen::VectorXd>& scores,
                                           const std::vector<TagColumn>& tags,
                                           const SliceOptions& options = {}) {
  const std::string fn = "slice_metrics";
  // Validates labels, scores and threshold once, up front, with sample indices in the message.
  confusion_at_threshold(y_true, scores, options.threshold_score);
  f_beta(ConfusionMatrix{}, options.beta);
  const Eigen::Index n = y_true.size();
  std::map<std::string, int> seen;
  for (const auto& column : tags) {
    if (column.name.empty()) throw InvalidArgument(fn + ": a tag name is empty; expected a name");
    if (seen[column.name]++ > 0) {
      throw InvalidArgument(fn + ": tag '" + column.name + "' is given twice; expected unique names");
    }
    if (static_cast<Eigen::Index>(column.values.size()) != n) {
      throw InvalidArgument(fn + ": tag '" + column.name + "' has " +
                            std::to_string(column.values.size()) + " values but y_true has " +
                            std::to_string(n) + "; expected one value per sample");
    }
  }
  std::vector<SliceRow> rows;
  if (options.include_overall) {
    std::vector<Eigen::Index> all(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) all[static_cast<std::size_t>(i)] = i;
    rows.push_back(detail::slice_row(y_true, scores, all, "", "", options));
  }
  for (const auto& column : tags) {
    std::map<std::string, std::vector<Eigen::Index>> groups;  // sorted by value
    for (Eigen::Index i = 0; i < n; ++i) groups[column.values[static_cast<std::size_t>(i)]].push_back(i);
    for (const auto& [value, members] : groups) {
      rows.push_back(detail::slice_row(y_true, scores, members, column.name, value, options));
    }
  }
  return rows;
}

/// The same from per-sample tag maps (tags[i] maps tag name -> value for sample i). A sample
/// without some tag is left out of that tag's slices (it still counts in the overall row);
/// tags are ordered by name.
inline std::vector<SliceRow> slice_metrics(
    const Eigen::Ref<const Eigen::VectorXd>& y_true,
    const Eigen::Ref<const Eigen::VectorXd>& scores,
    const std::vector<std::map<std::string, std::string>>& tags, const SliceOptions& options = {}) {
  const std::string fn = "slice_metrics";
  if (static_cast<Eigen::Index>(tags.size()) != y_true.size()) {
    throw InvalidArgument(fn + ": " + std::to_string(tags.size()) + " tag maps for " +
                          std::to_string(y_true.size()) + " samples; expected one per sample");
  }
  // Overall row and validation from the full input; then one columnar call per tag on the
  // samples that carry it.
  std::vector<SliceRow> rows = slice_metrics(y_true, scores, std::vector<TagColumn>{}, options);
  std::map<std::string, std::vector<Eigen::Index>> carriers;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    for (const auto& [name, value] : tags[i]) {
      if (name.empty()) {
        throw InvalidArgument(fn + ": sample " + std::to_string(i) +
                              " has an empty tag name; expected a name");
      }
      carriers[name].push_back(static_cast<Eigen::Index>(i));
    }
  }
  SliceOptions per_tag = options;
  per_tag.include_overall = false;
  for (const auto& [name, members] : carriers) {
    const auto size = static_cast<Eigen::Index>(members.size());
    Eigen::VectorXd y(size), s(size);
    TagColumn column{name, {}};
    column.values.reserve(members.size());
    for (Eigen::Index k = 0; k < size; ++k) {
      const Eigen::Index i = members[static_cast<std::size_t>(k)];
      y(k) = y_true(i);
      s(k) = scores(i);
      column.values.push_back(tags[static_cast<std::size_t>(i)].at(name));
    }
    auto tag_rows = slice_metrics(y, s, std::vector<TagColumn>{std::move(column)}, per_tag);
    for (auto& r : tag_rows) rows.push_back(std::move(r));
  }
  return rows;
}

// JSON: NaN ranking metrics are written as null (JSON has no NaN) and read back as NaN.
inline void to_json(nlohmann::json& j, const SliceRow& r) {
  auto number_or_null = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  j = nlohmann::json{{"tag", r.tag},
                     {"value", r.value},
                     {"count", r.count},
                     {"positives", r.positives},
                     {"negatives", r.negatives},
                     {"roc_auc", number_or_null(r.roc_auc)},
                     {"average_precision", number_or_null(r.average_precision)},
                     {"ranking_undefined_reason", r.ranking_undefined_reason},
                     {"at_threshold", r.at_threshold}};
}

inline void from_json(const nlohmann::json& j, SliceRow& r) {
  auto nan_if_null = [](const nlohmann::json& v) {
    return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
  };
  try {
    SliceRow out;
    out.tag = j.at("tag").get<std::string>();
    out.value = j.at("value").get<std::string>();
    out.count = j.at("count").get<std::int64_t>();
    out.positives = j.at("positives").get<std::int64_t>();
    out.negatives = j.at("negatives").get<std::int64_t>();
    out.roc_auc = nan_if_null(j.at("roc_auc"));
    out.average_precision = nan_if_null(j.at("average_precision"));
    out.ranking_undefined_reason = j.at("ranking_undefined_reason").get<std::string>();
    out.at_threshold = j.at("at_threshold").get<ThresholdMetrics>();
    if (out.at_threshold.counts.total() != out.count ||
        out.at_threshold.counts.positives() != out.positives) {
      throw InvalidArgument("SliceRow JSON: count/positives disagree with at_threshold.counts; "
                            "expected a consistent row");
    }
    r = std::move(out);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("SliceRow JSON: ") + e.what() +
                          "; expected tag, value, count, positives, negatives, roc_auc, "
                          "average_precision, ranking_undefined_reason, at_threshold");
  }
}

}  // namespace ecgad::metrics
