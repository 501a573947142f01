#pragma once
// The report document (docs/report.md) of stored runs: a training run's sections, a stream
// run's timeline (events and alerts from the results store) and a shadow run's comparison.
// report::render_html() turns it into the HTML file.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/store/store.hpp"

namespace ecgad::pipeline {

struct ReportSources {
  std::int64_t train_run = 0;   ///< 0 = the newest completed "train" run, if any
  std::int64_t stream_run = 0;  ///< 0 = the newest completed "stream" run, if any
  std::int64_t shadow_run = 0;  ///< 0 = the newest completed "shadow" run, if any
  std::string title = "ecgad report";
};

/// Builds the document; InvalidArgument when a given run id does not exist or has the wrong
/// kind, or when the store holds no run at all.
nlohmann::json report_document(const store::Store& store, const ReportSources& sources);

}  // namespace ecgad::pipeline
