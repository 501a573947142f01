#pragma once
// Numeric CSV tables with an optional header row and an optional label column, as written by
// pandas.DataFrame.to_csv or a spreadsheet (RFC 4180 quoting: fields may be enclosed in double
// quotes, "" inside quotes is a literal quote; a quoted field cannot span lines).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace ecgad::io {

/// Row-major double matrix (one CSV row a matrix row).
using DoubleMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Whether the first line of a CSV file names the columns.
enum class CsvHeader {
  automatic,  ///< a header when a non-label field of the first line is not a number
  present,
  absent,
};

/// Options of read_csv(). At most one of label_name and label_index may be set; with neither,
/// every column is a value column.
struct CsvOptions {
  char delimiter = ',';
  CsvHeader header = CsvHeader::automatic;
  std::optional<std::string> label_name;   ///< label column by header name (needs a header)
  std::optional<std::size_t> label_index;  ///< label column by 0-based index
};

/// A CSV table: numeric values and, optionally, a text label per row.
struct CsvTable {
  std::vector<std::string> column_names;  ///< names of the value columns (empty without header)
  std::string label_name;                 ///< name of the label column ("" without one)
  std::vector<std::string> labels;        ///< one per row when there is a label column
  DoubleMatrix values;                    ///< rows × value columns
};

/// Reads a numeric CSV file. Non-numeric values, NaN or infinity, empty fields, rows with a
/// different number of fields and files without data rows raise FormatError naming the file,
/// the line and the column (1-based); a label column that the file does not have raises
/// InvalidArgument listing the columns; a missing file raises IoError.
CsvTable read_csv(const std::filesystem::path& file, const CsvOptions& options = {});

}  // namespace ecgad::io
