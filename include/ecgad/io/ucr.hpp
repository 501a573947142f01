#pragma once
// UCR/UEA time-series archive text files: one series a line, the class label first, then the
// values (Dau et al., "The UCR Time Series Archive", IEEE/CAA J. Autom. Sinica 6(6), 2019).
// The archive's ECG5000, for example, has 140 samples per beat and classes 1..5 (1 = normal).
// Separators may be commas (the 2015 archive), tabs (2018) or runs of blanks; a comma-separated
// line has exactly one comma between fields (blanks around it are ignored), so an empty field is
// an error rather than a silently skipped value.

#include <cstdint>
#include <filesystem>
#include <vector>

#include <Eigen/Core>

namespace ecgad::io {

/// Row-major float matrix, one series a row (DESIGN.md's N × L beat layout; the same type as
/// signal::BeatMatrix).
using FloatMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A UCR/UEA dataset: N labelled series of equal length L.
struct UcrDataset {
  std::vector<std::int64_t> labels;  ///< one integer class label per series
  FloatMatrix values;                ///< N × L
};

/// Reads a UCR/UEA text file. Labels must be integers (written as "1", "-1" or "1.0000000e+00").
/// Ragged lengths, non-numeric tokens, NaN or infinite values, values beyond the float range,
/// empty fields and files without data raise FormatError naming the file, the line and the
/// column (1 = the label). A missing file raises IoError.
UcrDataset read_ucr(const std::filesystem::path& file);

/// Writes labels and values (one row a series) so that read_ucr() returns them exactly: floats
/// in their shortest round-trip decimal form, fields separated by `delimiter` (',', '\t' or
/// ' '). InvalidArgument on a label count that differs from the row count, non-finite values or
/// another delimiter.
void write_ucr(const std::filesystem::path& file, const std::vector<std::int64_t>& labels,
               const Eigen::Ref<const FloatMatrix>& values, char delimiter = ',');

/// Writes a dataset (see the overload above).
void write_ucr(const std::filesystem::path& file, const UcrDataset& dataset, char delimiter = ',');

}  // namespace ecgad::io
