#pragma once
// The self-contained HTML report of a training or streaming run: one file that opens offline
// (no network request of any kind: no CDN, fonts, scripts or images), every plot an inline SVG
// from report/svg.hpp, readable without JavaScript. The input is a JSON document whose top-level
// sections are all optional (docs/report.md describes every key):
//
//   title, subtitle, generated_at, facts   header and summary key facts
//   training    loss curves, data table, promotion gate checks
//   evaluation  score histogram, ROC/PR, confusion matrix, metrics, slices, example beats
//   stream      drift timeline, alerts, summary, retrain recommendation
//   shadow      production vs candidate: metric deltas, agreement, disagreements
//   config      any JSON, shown pretty-printed
//
// A missing section is shown as "not part of this run". Document strings are HTML-escaped;
// numbers that are null, NaN or infinite are skipped in plots and shown as "–" in tables.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace ecgad::report {

/// The report as one HTML document (UTF-8). InvalidArgument when `doc` is not an object or a
/// present key has the wrong shape; the message names the key's path (e.g. "evaluation.roc.fpr")
/// and what was expected.
std::string render_html(const nlohmann::json& doc);

/// render_html() written to `path` atomically: to "<path>.partial", then renamed over `path`, so
/// a reader never sees a half-written report. IoError when the file cannot be written.
void write_html(const std::filesystem::path& path, const nlohmann::json& doc);

}  // namespace ecgad::report
