// Python face of the HTML report (report/report.hpp). The document crosses as JSON text:
// python/ecgad/report.py turns dicts, lists, numpy arrays and NaN (-> null) into it, and the C++
// side parses it once, so no Python object is walked from C++.
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "ecgad/error.hpp"
#include "ecgad/report/report.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

nlohmann::json parse_document(const std::string& json_text) {
  try {
    return nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InvalidArgument(std::string("report document is not valid JSON: ") + e.what());
  }
}

}  // namespace

void bind_report(py::module_& m) {
  auto report = m.def_submodule("report", "Self-contained HTML report of a run (inline SVG plots)");
  report.def(
      "render_html",
      [](const std::string& json_text) {
        const nlohmann::json doc = parse_document(json_text);
        py::gil_scoped_release release;
        return report::render_html(doc);
      },
      py::arg("json_text"),
      "The report as HTML text from the document as JSON text (see ecgad.report.render_html).");
  report.def(
      "write_html",
      [](const std::string& path, const std::string& json_text) {
        const nlohmann::json doc = parse_document(json_text);
        py::gil_scoped_release release;
        report::write_html(path, doc);
      },
      py::arg("path"), py::arg("json_text"),
      "Writes the report atomically (temp file + rename; see ecgad.report.write_html).");
}

}  // namespace ecgad::bindings
