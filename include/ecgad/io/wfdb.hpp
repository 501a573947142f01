#pragma once
// WFDB (PhysioNet) records: the header (.hea) and its signal files (.dat), as specified by the
// WFDB Applications Guide, header(5) and signal(5), and implemented by the WFDB library
// (Moody, lib/signal.c). Single-segment records only; any number of signals, in one or several
// signal files, each in one of the formats 8, 16, 24, 32, 61, 80, 160, 212, 310 and 311.
//
// Every file is data, never trusted: sizes claimed by a header are checked against the size of
// the signal file before anything is allocated, the checksum and the initial value of every
// signal are verified (unless the caller opts out), and every problem is a FormatError naming
// the file, the field and what was expected. A missing or unreadable file is an IoError.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

namespace ecgad::io {

/// One signal line of a WFDB header (header(5)), with the defaults the WFDB library fills in
/// for absent fields.
struct WfdbSignalSpec {
  std::string file_name;        ///< signal file: a plain name in the header's directory (no path)
  int format = 16;              ///< storage format: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311
  std::int64_t byte_offset = 0; ///< bytes to skip at the start of the signal file ("212+512")
  /// ADC units per physical unit. A header gain of 0 (or none) means "uncalibrated": the WFDB
  /// library then uses 200 adu/mV, and so does this reader, with `uncalibrated` set.
  double adc_gain = 200.0;
  bool uncalibrated = false;    ///< header gain was 0 or absent; adc_gain holds 200
  std::int32_t baseline = 0;    ///< ADC value of physical zero; defaults to adc_zero
  std::string units = "mV";     ///< physical units ("mV" when absent)
  int adc_resolution_bits = 12; ///< ADC resolution; format's default when absent or 0
  std::int32_t adc_zero = 0;    ///< ADC value of the middle of the ADC's input range
  std::int32_t initial_value = 0;  ///< value of the first sample (defaults to adc_zero)
  bool has_initial_value = false;  ///< the header gave the initial value explicitly
  /// 16-bit sum of all samples of the signal (signed, as the header writes it); nullopt when
  /// the header has no checksum field.
  std::optional<std::int16_t> checksum;
  int block_size = 0;           ///< block size in bytes (0 for ordinary files)
  std::string description;      ///< lead name, e.g. "MLII" ("record R, signal i" when absent)
};

/// A parsed WFDB header: the record line, one WfdbSignalSpec per signal and the `#` comments.
struct WfdbHeader {
  std::string record_name;
  double fs_hz = 250.0;            ///< samples per second per signal (WFDB default 250)
  double counter_freq_hz = 0.0;    ///< counter frequency; 0 when absent
  double base_counter = 0.0;       ///< counter value of sample 0
  std::int64_t n_samples = 0;      ///< samples per signal; 0 when the header does not say
  std::string base_time;           ///< "HH:MM:SS" as written (empty when absent)
  std::string base_date;           ///< "DD/MM/YYYY" as written (empty when absent)
  std::vector<WfdbSignalSpec> signals;
  std::vector<std::string> comments;  ///< `#` lines, without the `#` and surrounding blanks

  std::size_t n_signals() const { return signals.size(); }
};

/// Options of read_wfdb().
struct WfdbReadOptions {
  /// Compare the 16-bit sum of each signal's samples with the header's checksum field
  /// (FormatError on a mismatch). Skipped for signals without a checksum field.
  bool verify_checksums = true;
  /// Compare each signal's first sample with the header's initial-value field, when the header
  /// gives one (FormatError on a mismatch). Difference formats (8) use it as their start value
  /// and are not checked.
  bool verify_initial_values = true;
  /// Compute the physical values (WfdbRecord::physical). Off leaves `physical` empty and saves
  /// its allocation (8 bytes per sample) when only the ADC samples are needed.
  bool physical = true;
};

/// A WFDB record in memory. Multi-lead data is leads × samples (DESIGN.md), row-major, so each
/// lead is contiguous and lead(i) maps it without a copy.
struct WfdbRecord {
  WfdbHeader header;
  double fs_hz = 0.0;                  ///< = header.fs_hz
  xt::xtensor<std::int32_t, 2> adc;    ///< raw ADC samples, leads × samples
  /// Physical values, leads × samples: (adc - baseline) / adc_gain, in each lead's units
  /// (WFDB aduphys()). Empty when read with WfdbReadOptions::physical = false.
  xt::xtensor<double, 2> physical;

  std::size_t n_leads() const { return adc.shape()[0]; }
  std::size_t n_samples() const { return adc.shape()[1]; }
  /// Lead `i` in physical units, a view over `physical` (valid while the record lives).
  Eigen::Map<const Eigen::VectorXd> lead(std::size_t i) const;
  /// The lead whose description is `name` (e.g. "MLII"); InvalidArgument listing the leads
  /// when there is none.
  Eigen::Map<const Eigen::VectorXd> lead(std::string_view name) const;
  /// Raw ADC samples of lead `i`, a view over `adc`.
  Eigen::Map<const Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1>> lead_adc(std::size_t i) const;
  /// Index of the lead whose description is `name`; InvalidArgument when there is none.
  std::size_t lead_index(std::string_view name) const;
};

/// Reads and validates the header of a record. `record` is the record path without extension
/// (e.g. ".../mitdb/101"); a trailing ".hea" is accepted. Multi-segment headers raise
/// FormatError (unsupported). Reference: WFDB header(5), WFDB library readheader().
WfdbHeader read_wfdb_header(const std::filesystem::path& record);

/// Parses header text as read_wfdb_header() does; `source` names it in error messages and
/// `record_name` (when not empty) must match the record name on the record line.
WfdbHeader parse_wfdb_header(std::string_view text, const std::string& source,
                             std::string_view record_name = {});

/// Reads a whole single-segment record: header, every signal, checksums and initial values
/// verified (see WfdbReadOptions). Samples equal WFDB rdsamp's raw output; physical values
/// equal (adc - baseline) / gain, as WFDB aduphys() and wfdb-python's rdrecord compute them.
/// WFDB's "invalid sample" code (the format's most negative value) is returned as is.
WfdbRecord read_wfdb(const std::filesystem::path& record, const WfdbReadOptions& options = {});

/// Formats that write_wfdb() can write (every fixed-width format the reader knows; not 8).
bool is_writable_wfdb_format(int format);

/// Writes `adc` (leads × samples) as the record `record` (path without extension): one signal
/// file `<name>.dat` in `format` and the header `<name>.hea`. The calibration of lead i (gain,
/// uncalibrated flag, baseline, units, ADC resolution and zero, description) comes from
/// header.signals[i], fs and comments from `header`; file names, formats, byte offsets, initial
/// values, checksums, the sample count and the record name are filled in here, so that
/// read_wfdb(record) returns exactly `adc` and the same physical values. Values outside the
/// format's range raise InvalidArgument naming the lead and the sample.
void write_wfdb(const std::filesystem::path& record, const WfdbHeader& header,
                const xt::xtensor<std::int32_t, 2>& adc, int format = 212);

/// Writes `rec.adc` with `rec.header`'s calibration (see the overload above).
void write_wfdb(const std::filesystem::path& record, const WfdbRecord& rec, int format = 212);

/// ADC values for physical values (leads × samples) with each lead's gain and baseline:
/// round(x * gain) + baseline, halves away from zero, the inverse of the physical conversion
/// (WFDB physadu()).
/// InvalidArgument on non-finite values or results outside the int32 range.
xt::xtensor<std::int32_t, 2> physical_to_adc(const xt::xtensor<double, 2>& physical,
                                             const std::vector<WfdbSignalSpec>& signals);

/// The 16-bit WFDB checksum of samples: their sum modulo 2^16, as a signed 16-bit value.
std::int16_t wfdb_checksum(const std::int32_t* samples, std::size_t n);

}  // namespace ecgad::io
