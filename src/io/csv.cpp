// Numeric CSV with an optional header row and label column (RFC 4180 quoting, one line a row).
#include "ecgad/io/csv.hpp"

#include <string_view>

#include "ecgad/error.hpp"
#include "file_util.hpp"

namespace ecgad::io {

namespace {

using detail::quoted;

constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 31;

/// Splits one line into fields; unquoted fields are trimmed. Returns false on an unbalanced
/// quote (a field that would continue on the next line, which is not supported).
bool split_csv(std::string_view line, char delimiter, std::vector<std::string>& fields) {
  fields.clear();
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != delimiter) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && line[i] != delimiter) {
        if (line[i] != ' ' && line[i] != '\t') return false;  // text after a closing quote
        ++i;
      }
    } else {
      const std::size_t end = std::min(line.find(delimiter, i), line.size());
      field = std::string(detail::trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the delimiter
  }
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "'" : ", '") + n + "'";
  return text.empty() ? "none" : text;
}

}  // namespace

CsvTable read_csv(const std::filesystem::path& file, const CsvOptions& options) {
  if (options.label_name && options.label_index) {
    throw InvalidArgument("read_csv: give label_name or label_index, not both");
  }
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r') {
    throw InvalidArgument(std::string("read_csv: invalid delimiter '") + options.delimiter + "'");
  }
  detail::InputFile in(file, "CSV file");
  const std::string text = in.read_all(kMaxFileBytes);
  const std::string name = "CSV file " + quoted(file);
  auto fail = [&](std::size_t line, const std::string& what) {
    throw FormatError(name + ", line " + std::to_string(line) + ": " + what);
  };

  CsvTable out;
  std::vector<std::string> fields;
  std::vector<double> values;
  std::size_t n_columns = 0;
  std::size_t first_line = 0;
  std::optional<std::size_t> label = options.label_index;
  detail::for_each_line(text, [&](std::string_view line, std::size_t line_no) {
    if (!split_csv(line, options.delimiter, fields)) {
      fail(line_no, "unbalanced or misplaced double quote; expected \"quoted\" fields on one line");
    }
    if (n_columns == 0) {  // the first line: header or data?
      n_columns = fields.size();
      first_line = line_no;
      bool header = options.header == CsvHeader::present || options.label_name.has_value();
      if (options.header == CsvHeader::automatic && !header) {
        for (std::size_t c = 0; c < fields.size(); ++c) {
          double v = 0.0;
          if ((!label || c != *label) && !detail::parse_double(fields[c], v)) header = true;
        }
      }
      if (options.label_name && options.header == CsvHeader::absent) {
        throw InvalidArgument("read_csv: label_name '" + *options.label_name +
                              "' needs a header row, but header is 'absent'");
      }
      if (header) {
        if (options.label_name) {
          for (std::size_t c = 0; c < fields.size() && !label; ++c) {
            if (fields[c] == *options.label_name) label = c;
          }
          if (!label) {
            throw InvalidArgument("read_csv: " + name + " has no column named '" +
                                  *options.label_name + "'; its columns are " +
                                  join_names(fields));
          }
        }
      }
      if (label && *label >= n_columns) {
        throw InvalidArgument("read_csv: label_index " + std::to_string(*label) +
                              " is out of range; " + name + " has " + std::to_string(n_columns) +
                              " columns");
      }
      if (label && n_columns == 1) fail(line_no, "the only column is the label; expected values");
      if (header) {
        for (std::size_t c = 0; c < fields.size(); ++c) {
          if (label && c == *label) {
            out.label_name = fields[c];
          } else {
            out.column_names.push_back(fields[c]);
          }
        }
        return;
      }
    }
    if (fields.size() != n_columns) {
      fail(line_no, "has " + std::to_string(fields.size()) + " fields; expected " +
                        std::to_string(n_columns) + " (as on line " + std::to_string(first_line) +
                        ")");
    }
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const std::string where = "column " + std::to_string(c + 1);
      if (fields[c].empty()) fail(line_no, where + ": empty field; expected a value");
      if (label && c == *label) {
        out.labels.push_back(fields[c]);
        continue;
      }
      double v = 0.0;
      if (!detail::parse_double(fields[c], v)) {
        fail(line_no, where + ": '" + fields[c] + "' is not a finite number");
      }
      values.push_back(v);
    }
  });
  if (n_columns == 0 || values.empty()) {
    throw FormatError(name + " has no data rows; expected numeric rows");
  }
  const std::size_t width = n_columns - (label ? 1 : 0);
  out.values = Eigen::Map<const DoubleMatrix>(values.data(),
                                              static_cast<Eigen::Index>(values.size() / width),
                                              static_cast<Eigen::Index>(width));
  return out;
}

}  // namespace ecgad::io
