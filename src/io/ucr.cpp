// UCR/UEA archive text files (Dau et al. 2019): "label v1 v2 ... vL", one series a line.
#include "ecgad/io/ucr.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "ecgad/error.hpp"
#include "file_util.hpp"

namespace ecgad::io {

namespace {

using detail::quoted;

constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 31;

/// Splits a line on commas (each field trimmed; empty fields kept) or, without commas, on runs
/// of blanks.
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  if (line.find(',') != std::string_view::npos) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      fields.push_back(detail::trim(line.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return;
  }
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    fields.push_back(line.substr(start, i - start));
  }
}

}  // namespace

UcrDataset read_ucr(const std::filesystem::path& file) {
  detail::InputFile in(file, "UCR file");
  const std::string text = in.read_all(kMaxFileBytes);
  const std::string name = "UCR file " + quoted(file);
  auto fail = [&](std::size_t line, std::size_t column, const std::string& what) {
    throw FormatError(name + ", line " + std::to_string(line) + ", column " +
                      std::to_string(column) + ": " + what);
  };

  UcrDataset out;
  std::vector<float> values;
  std::vector<std::string_view> fields;
  std::size_t length = 0;
  std::size_t first_line = 0;
  detail::for_each_line(text, [&](std::string_view line, std::size_t line_no) {
    split_fields(line, fields);
    if (fields.size() < 2) fail(line_no, 2, "no values after the label; expected label and values");
    double label = 0.0;
    if (!detail::parse_double(fields[0], label) || label != std::floor(label) ||
        std::fabs(label) > 9.0e18) {
      fail(line_no, 1, "label '" + std::string(fields[0]) + "' is not an integer class label");
    }
    if (length == 0) {
      length = fields.size() - 1;
      first_line = line_no;
      values.reserve(length * (text.size() / (line.size() + 1) + 1));
    } else if (fields.size() - 1 != length) {
      fail(line_no, fields.size(),
           "the series has " + std::to_string(fields.size() - 1) + " values; expected " +
               std::to_string(length) + " (as on line " + std::to_string(first_line) + ")");
    }
    for (std::size_t k = 1; k < fields.size(); ++k) {
      double v = 0.0;
      if (fields[k].empty()) fail(line_no, k + 1, "empty field; expected a number");
      if (!detail::parse_double(fields[k], v)) {
        fail(line_no, k + 1, "'" + std::string(fields[k]) + "' is not a finite number");
      }
      const auto f = static_cast<float>(v);
      if (!std::isfinite(f)) {
        fail(line_no, k + 1, "'" + std::string(fields[k]) + "' is outside the float range");
      }
      values.push_back(f);
    }
    out.labels.push_back(static_cast<std::int64_t>(label));
  });
  if (out.labels.empty()) {
    throw FormatError(name + " has no data lines; expected 'label value value ...' lines");
  }
  out.values = Eigen::Map<const FloatMatrix>(values.data(),
                                             static_cast<Eigen::Index>(out.labels.size()),
                                             static_cast<Eigen::Index>(length));
  return out;
}

void write_ucr(const std::filesystem::path& file, const std::vector<std::int64_t>& labels,
               const Eigen::Ref<const FloatMatrix>& values, char delimiter) {
  if (delimiter != ',' && delimiter != '\t' && delimiter != ' ') {
    throw InvalidArgument(std::string("write_ucr: delimiter must be ',', '\\t' or ' ', got '") +
                          delimiter + "'");
  }
  if (labels.size() != static_cast<std::size_t>(values.rows())) {
    throw InvalidArgument("write_ucr: " + std::to_string(labels.size()) + " labels for " +
                          std::to_string(values.rows()) + " series; expected one label per row");
  }
  if (values.cols() == 0 && values.rows() > 0) {
    throw InvalidArgument("write_ucr: the series have no values; expected at least one column");
  }
  std::string out;
  out.reserve(static_cast<std::size_t>(values.size()) * 12 + labels.size() * 4);
  char buffer[32];
  for (Eigen::Index r = 0; r < values.rows(); ++r) {
    out += std::to_string(labels[static_cast<std::size_t>(r)]);
    for (Eigen::Index c = 0; c < values.cols(); ++c) {
      const float v = values(r, c);
      if (!std::isfinite(v)) {
        throw InvalidArgument("write_ucr: value at row " + std::to_string(r) + ", column " +
                              std::to_string(c) + " is " + detail::shortest_double(v) +
                              "; expected a finite number");
      }
      // Shortest decimal form that parses back to the same float.
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
      out += delimiter;
      out.append(buffer, end);
    }
    out += '\n';
  }
  detail::OutputFile f(file, "UCR file");
  f.write(out);
  f.commit();
}

void write_ucr(const std::filesystem::path& file, const UcrDataset& dataset, char delimiter) {
  write_ucr(file, dataset.labels, dataset.values, delimiter);
}

}  // namespace ecgad::io
