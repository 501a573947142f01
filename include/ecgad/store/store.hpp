#pragma once
// The embedded store: one SQLite file holding the project's MLOps state — the data-warehouse
// index of source records, experiment tracking (runs), the model registry, the results database
// (one row per scored beat), drift alerts, human reviews and shadow-mode disagreements.
//
// Durability: WAL journal, synchronous=FULL, every write in a BEGIN IMMEDIATE transaction, so a
// killed process loses nothing that was committed and never leaves a partial write (tested by
// SIGKILLing a writer mid-run, tests/cpp/test_store.cpp). Concurrency: a Store object belongs
// to one thread at a time; other threads and processes open their own Store on the same path
// (readers never block the writer; writers wait up to 5 s for each other). docs/store.md has
// the tables and the migration policy. No SQLite type appears here (pimpl): a host includes
// this header without sqlite3.h.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecgad/error.hpp"

namespace ecgad::store {

/// Life-cycle stage of a registered model. At most one model of a name is in production.
enum class Stage { candidate, production, archived };

/// "candidate", "production" or "archived".
const char* to_string(Stage stage) noexcept;
/// The inverse of to_string(Stage); InvalidArgument naming the three choices otherwise.
Stage parse_stage(std::string_view text);

/// One source recording (data-warehouse index).
struct RecordInfo {
  std::int64_t id = 0;
  std::string source;  ///< e.g. "wfdb", "synthetic", "csv", "npy", "ucr"
  std::string name;    ///< record name or file path as given
  double fs_hz = 0.0;
  double duration_s = 0.0;
  int n_channels = 1;
  std::string content_hash;  ///< hex digest of the samples (the caller computes it)
  nlohmann::json tags = nlohmann::json::object();
  std::string created_at;  ///< ISO-8601 UTC, set by the store
};

/// One experiment (training, evaluation, calibration, streaming, shadow, demo...).
struct RunInfo {
  std::int64_t id = 0;
  std::string uid;     ///< 16 random hex characters, set by begin_run
  std::string kind;    ///< "train", "evaluate", "calibrate", "stream", "shadow", "demo", ...
  std::string status;  ///< "running", "completed", "failed", "cancelled"
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json timings = nlohmann::json::object();
  nlohmann::json tags = nlohmann::json::object();
  std::string data_fingerprint;
  std::string started_at;   ///< ISO-8601 UTC
  std::string finished_at;  ///< ISO-8601 UTC; "" while running
};

/// One registered model bundle.
struct ModelInfo {
  std::int64_t id = 0;
  std::string name;
  int version = 0;  ///< assigned by register_model (ignored on input)
  std::string bundle_path;
  std::string bundle_hash;
  Stage stage = Stage::candidate;
  std::optional<std::int64_t> parent_id;  ///< the model this one was retrained from
  std::optional<std::int64_t> run_id;     ///< the run that trained it
  nlohmann::json metrics = nlohmann::json::object();
  std::string created_at;  ///< ISO-8601 UTC, set by the store
};

/// One scored beat (results database). NaN in an optional number is stored as SQL NULL.
struct EventRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;    ///< must name an existing run
  std::string stream_id;      ///< non-empty
  std::int64_t model_id = 0;  ///< 0 = no registered model (stored as NULL)
  double time_s = 0.0;        ///< beat time in the stream's clock, s (finite)
  std::int64_t sample_index = 0;
  double score = 0.0;                                         ///< anomaly score (finite)
  double p_value = std::numeric_limits<double>::quiet_NaN();  ///< in [0, 1], or NaN
  int decision = 0;       ///< 0 normal, 1 uncertain, 2 anomalous (calibrate::Decision)
  int quality_grade = 0;  ///< 0 good, 1 acceptable, 2 unusable (signal::QualityGrade)
  double quality_score = std::numeric_limits<double>::quiet_NaN();   ///< or NaN
  double heart_rate_bpm = std::numeric_limits<double>::quiet_NaN();  ///< or NaN
};

/// A drift alert: drift::Alert's fields as strings and numbers; detail = Alert::to_json().
struct AlertRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;  ///< must name an existing run
  std::string stream_id;
  std::string kind;         ///< "score", "heart_rate", ... (non-empty)
  double since_s = 0.0;     ///< estimated start of the change, s (NaN = unknown, stored as NULL)
  double detected_s = 0.0;  ///< when it was raised, s (finite)
  double strength = 0.0;    ///< signed effect size (NaN stored as NULL)
  std::string shape, cause, action;
  nlohmann::json detail = nlohmann::json::object();
};

/// A human label for a beat; feeds the concept-drift detectors and the next training run.
struct ReviewRow {
  std::int64_t id = 0;
  std::string stream_id;  ///< non-empty
  double time_s = 0.0;    ///< finite
  int label = 0;          ///< 0 normal, 1 anomalous
  std::string reviewer, note;
  std::string created_at;  ///< ISO-8601 UTC, set by the store
};

/// A beat on which the production and the candidate model disagreed (shadow mode).
struct DisagreementRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string stream_id;
  double time_s = 0.0;
  std::int64_t production_model_id = 0, candidate_model_id = 0;  ///< registered models
  int production_decision = 0, candidate_decision = 0;           ///< 0, 1 or 2
  double production_score = 0.0, candidate_score = 0.0;          ///< finite
};

/// Filter for events()/count_events(). Unset fields do not filter.
struct EventQuery {
  std::optional<std::int64_t> run_id, model_id;
  std::optional<std::string> stream_id;
  std::optional<int> decision;
  double from_s = -std::numeric_limits<double>::infinity();  ///< time_s in [from_s, to_s)
  double to_s = std::numeric_limits<double>::infinity();
  std::int64_t limit = -1;  ///< -1 = all; rows ordered by run, stream, time
};

/// JSON of each row type (for the CLI's --json and the Python dicts). NaN numbers -> null.
nlohmann::json to_json(const RecordInfo& r);
nlohmann::json to_json(const RunInfo& r);
nlohmann::json to_json(const ModelInfo& m);
nlohmann::json to_json(const EventRow& e);
nlohmann::json to_json(const AlertRow& a);
nlohmann::json to_json(const ReviewRow& r);
nlohmann::json to_json(const DisagreementRow& d);

/// One open connection to a store file. Move-only; one thread at a time. Every write method is
/// one transaction (or joins the caller's Transaction) and leaves nothing behind when it
/// throws. Errors: IoError (cannot open, read or write; read-only store), FormatError (not a
/// store, corrupt, schema newer than this code), InvalidArgument (unknown id, bad value).
class Store {
 public:
  /// Version of the schema this code writes (PRAGMA user_version). Older files are migrated
  /// step by step when opened read-write; newer ones are refused.
  static constexpr int kSchemaVersion = 1;
  enum class Mode { read_write, read_only };

  /// Opens (read_write: creates if missing, migrates if older) the store at `path`. The parent
  /// directory must exist (IoError otherwise; it is not created). read_only on a missing file
  /// is an IoError.
  explicit Store(const std::filesystem::path& path, Mode mode = Mode::read_write);
  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  int schema_version() const;
  const std::filesystem::path& path() const;

  // ---- data warehouse
  /// Adds a record; a record with the same content_hash already stored returns its id and gets
  /// the new tags merged in (RFC 7386 merge-patch). fs_hz > 0, duration_s >= 0, n_channels >= 1.
  std::int64_t add_record(const RecordInfo& record);
  std::vector<RecordInfo> records() const;  ///< by id
  std::optional<RecordInfo> record_by_hash(const std::string& content_hash) const;

  // ---- experiment tracking
  /// Starts a run (status "running") and returns its id. config and tags are JSON objects.
  std::int64_t begin_run(const std::string& kind, const nlohmann::json& config,
                         const nlohmann::json& tags = nlohmann::json::object());
  /// Ends a running run: status "completed", "failed" or "cancelled"; metrics and timings are
  /// merge-patched onto what the run holds; data_fingerprint is set when non-empty.
  void finish_run(std::int64_t run_id, const std::string& status, const nlohmann::json& metrics,
                  const nlohmann::json& timings, const std::string& data_fingerprint = "");
  /// RFC 7386 JSON merge-patch of the run's metrics (null deletes a key). Any status.
  void merge_run_metrics(std::int64_t run_id, const nlohmann::json& patch);
  RunInfo run(std::int64_t id) const;  ///< InvalidArgument "no run with id N"
  std::optional<RunInfo> run_by_uid(const std::string& uid) const;
  std::vector<RunInfo> runs(const std::string& kind = "") const;  ///< newest first; "" = all
  /// Links a record to a run in a role: train|calibration|evaluation|rejected|stream. Linking
  /// the same (run, record, role) again replaces the reason.
  void link_run_record(std::int64_t run_id, std::int64_t record_id, const std::string& role,
                       const std::string& reason = "");
  struct RunRecord {
    RecordInfo record;
    std::string role, reason;
  };
  std::vector<RunRecord> run_records(std::int64_t run_id) const;  ///< in link order

  // ---- model registry
  /// Registers a bundle as version 1 + max(version) of its name (input version ignored).
  /// Registering with stage production promotes it (the previous production is archived).
  std::int64_t register_model(const ModelInfo& model);
  ModelInfo model(std::int64_t id) const;  ///< InvalidArgument "no model with id N"
  std::vector<ModelInfo> models(const std::string& name = "") const;  ///< by name, version
  std::optional<ModelInfo> production_model(const std::string& name) const;
  /// Moves a model to a stage; production is the same as promote().
  void set_stage(std::int64_t model_id, Stage stage);
  /// One transaction: the model -> production, the previous production of its name -> archived.
  void promote(std::int64_t model_id);

  // ---- results database
  /// Adds scored beats in one transaction with one prepared statement (10^5 rows: see
  /// docs/store.md for the measured time). All rows are checked before anything is written.
  void add_events(const std::vector<EventRow>& events);
  std::vector<EventRow> events(const EventQuery& query = {}) const;
  std::int64_t count_events(const EventQuery& query = {}) const;
  std::int64_t add_alert(const AlertRow& alert);
  std::vector<AlertRow> alerts(std::optional<std::int64_t> run_id = std::nullopt) const;  ///< by id
  std::int64_t add_review(const ReviewRow& review);
  /// By stream, time; "" = all streams.
  std::vector<ReviewRow> reviews(const std::string& stream_id = "") const;
  void add_disagreements(const std::vector<DisagreementRow>& rows);
  std::vector<DisagreementRow> disagreements(std::int64_t run_id) const;  ///< by stream, time

  /// Groups writes into one commit: every write method called on the store while it lives
  /// joins it. Rolled back by the destructor unless commit() ran. Transactions nest (the inner
  /// one is a savepoint). A write that throws inside a Transaction undoes only itself.
  class Transaction {
   public:
    explicit Transaction(Store& store);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();
    ~Transaction();

   private:
    Store* store_;
    bool done_ = false;
  };

  struct Impl;  // public so the implementation's helpers can name it; defined in store.cpp

 private:
  std::unique_ptr<Impl> impl_;
  Impl& impl() const;
};

namespace detail {

/// One step of the schema migration list: SQL that takes a file from version - 1 to version.
struct MigrationStep {
  int version;
  const char* description;
  const char* sql;
};

/// The ordered migration steps, versions 1..Store::kSchemaVersion.
const std::vector<MigrationStep>& migrations();

/// Creates a store file migrated only up to `version` (0 = empty ecgad file), as an older
/// ecgad would have left it; for testing migrations. IoError if the file already exists.
void create_store_at_version(const std::filesystem::path& path, int version);

}  // namespace detail

}  // namespace ecgad::store
