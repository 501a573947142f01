#pragma once
// Where the training pipeline's data comes from, and the schema it must meet (issue 6 §1):
// recordings from a WFDB folder (with .atr beat labels), NPY or CSV signal files, or the
// built-in synthetic generator (a cohort of subjects with labelled anomalies); then a data
// validation step that keeps failing recordings out and says why, never silently.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

namespace ecgad::pipeline {

/// One recording (one lead) with its beat labels, if any.
struct Recording {
  std::string name;    ///< record name ("100", "synth-003") or file name
  std::string source;  ///< "wfdb", "synthetic", "npy", "csv"
  double fs_hz = 0.0;
  Eigen::VectorXd signal_mv;
  /// Reference beats: R-peak sample and label. Labels: the AAMI class ("N", "S", "V", "F",
  /// "Q") for WFDB, the generator's tag for synthetic beats ("N", "pvc", "spb", "st_elevation",
  /// "st_depression", "t_inversion", "af", "noisy"). Empty when unlabelled.
  std::vector<std::int64_t> label_samples;
  std::vector<std::string> labels;
  nlohmann::json tags = nlohmann::json::object();  ///< e.g. subject heart rate, lead name
  std::string content_hash;  ///< XXH3-128 hex of the samples (the data warehouse key)

  bool labelled() const noexcept { return !labels.empty(); }
  double duration_s() const noexcept {
    return fs_hz > 0.0 ? static_cast<double>(signal_mv.size()) / fs_hz : 0.0;
  }
};

/// How a label counts: normal, abnormal (an anomaly the detector should flag) or excluded
/// (no ground truth worth scoring: AAMI Q, beats inside synthetic noise bursts).
enum class LabelRole { normal, abnormal, excluded };
inline LabelRole label_role(const std::string& label) {
  if (label == "N") return LabelRole::normal;
  if (label == "Q" || label == "noisy" || label.empty()) return LabelRole::excluded;
  return LabelRole::abnormal;
}

/// Index of the reference beat nearest to `sample` within `tolerance` samples (the EC57
/// matching window: 150 ms), or -1. `samples` ascending.
inline std::ptrdiff_t nearest_label(const std::vector<std::int64_t>& samples, std::int64_t sample,
                                    std::int64_t tolerance) {
  const auto it = std::lower_bound(samples.begin(), samples.end(), sample);
  std::ptrdiff_t best = -1;
  std::int64_t best_d = tolerance + 1;
  for (auto c : {it, it == samples.begin() ? it : std::prev(it)}) {
    if (c == samples.end()) continue;
    const std::int64_t d = *c > sample ? *c - sample : sample - *c;
    if (d < best_d) {
      best_d = d;
      best = c - samples.begin();
    }
  }
  return best;
}

/// The built-in synthetic cohort: `subjects` recordings of duration_s each, heart rates spread
/// evenly over [heart_rate_min_bpm, heart_rate_max_bpm], anomalies drawn per beat.
struct SyntheticCohort {
  int subjects = 12;
  double duration_s = 300.0;
  double fs_hz = 360.0;
  double heart_rate_min_bpm = 60.0;
  double heart_rate_max_bpm = 85.0;
  double noise_mv = 0.02;
  double pvc_rate = 0.04;
  double spb_rate = 0.03;
  double st_elevation_rate = 0.02;
  double t_inversion_rate = 0.02;
  std::uint64_t seed = 1;
  nlohmann::json to_json() const;
};

/// Where recordings come from. kind: "synthetic" (cohort), "wfdb" (folder + record names, or
/// every .hea of the folder), "npy" / "csv" (signal files: path = file or folder, fs_hz given).
struct SourceConfig {
  std::string kind = "synthetic";
  std::string path;
  std::vector<std::string> records;  ///< wfdb: record names (empty = every .hea in path)
  int lead = 0;                      ///< wfdb/csv: which signal
  std::string annotator = "atr";     ///< wfdb: annotation file extension ("" = unlabelled)
  double fs_hz = 0.0;                ///< npy/csv: the sampling rate (required)
  SyntheticCohort synthetic;
  nlohmann::json to_json() const;
  static SourceConfig from_json(const nlohmann::json& j);  ///< InvalidArgument naming the key
};

/// Loads every recording of the source (IoError / FormatError naming the file that failed).
/// progress(done, total, name) after each recording.
std::vector<Recording> load_recordings(
    const SourceConfig& source,
    const std::function<void(std::size_t, std::size_t, const std::string&)>& progress = {});

/// One synthetic subject of the cohort (index 0..subjects-1).
Recording synthetic_subject(const SyntheticCohort& cohort, int index);

/// A synthetic stream for replay "as if live": one subject with labelled anomalies and known
/// drift changes (the ground truth of the monitor's alerts).
struct StreamScenario {
  std::string name = "day";
  double duration_s = 7200.0;
  double fs_hz = 360.0;
  double heart_rate_bpm = 72.0;
  double heart_rate_std_bpm = 1.0;
  double noise_mv = 0.02;
  double pvc_rate = 0.03;
  double spb_rate = 0.02;
  std::uint64_t seed = 7;
  /// Changes as (kind, start_s, end_s, magnitude) of signal::DriftChange; see named_scenario().
  struct Change {
    std::string kind;
    double start_s = 0.0, end_s = 0.0, magnitude = 0.0;
  };
  std::vector<Change> changes;
  nlohmann::json to_json() const;
};

/// "stable" (no change), "day" (a gradual heart-rate rise of 30 bpm over 20 min at 25 % of the
/// stream, then a gain step x2 at 55 % and 0.5 mV electrode-motion noise from 80 %), or the name of one
/// drift kind of signal::DriftKind placed at 50 % (gradual ones over 10 min).
StreamScenario named_scenario(const std::string& name, double duration_s, std::uint64_t seed);

/// The recording of a scenario; its tags hold the changes ({"changes": [{time_s, label}]}).
Recording scenario_recording(const StreamScenario& scenario);

/// The schema a recording must meet before it is used.
struct DataSchema {
  double min_fs_hz = 100.0, max_fs_hz = 1000.0;
  double min_duration_s = 60.0;
  double max_abs_mv = 20.0;  ///< |sample| beyond this is not ECG in mV (wrong units, rail)
  /// At least this share of 10 s quality windows must not be "unusable".
  double min_usable_fraction = 0.5;
  nlohmann::json to_json() const;
  static DataSchema from_json(const nlohmann::json& j);
};

/// The verdict on one recording: ok, or the first rule it broke, in words.
struct RecordCheck {
  bool ok = true;
  std::string reason;
  double usable_fraction = 1.0;
};

/// Checks sampling rate, length, NaN/Inf, amplitude range and signal quality.
RecordCheck check_recording(const Recording& r, const DataSchema& schema);

}  // namespace ecgad::pipeline
