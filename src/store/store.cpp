// The embedded SQLite store (include/ecgad/store/store.hpp): SQLite's C API directly, every
// value bound with sqlite3_bind_* (the only numbers formatted into SQL are compile-time
// constants in PRAGMAs and savepoint names, which SQLite cannot bind).
#include "ecgad/store/store.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

namespace ecgad::store {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// PRAGMA application_id of an ecgad store: "ECGD" in ASCII. Tells an ecgad store from any other
// SQLite file before anything is read or migrated.
constexpr std::int32_t kApplicationId = 0x45434744;
// Readers and writers in other processes wait this long for a lock instead of failing.
constexpr int kBusyTimeoutMs = 5000;

// The schema, one entry per version. A new version is one more entry at the end: never edit a
// shipped step (files in the field were made by it); docs/store.md has the policy.
const std::vector<detail::MigrationStep>& migration_list() {
  static const std::vector<detail::MigrationStep> steps = {
      {1, "records, runs, run_records, models, events, alerts, reviews, disagreements",
       R"sql(
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  name TEXT NOT NULL,
  fs_hz REAL NOT NULL,
  duration_s REAL NOT NULL,
  n_channels INTEGER NOT NULL,
  content_hash TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  config TEXT NOT NULL DEFAULT '{}',
  metrics TEXT NOT NULL DEFAULT '{}',
  timings TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '{}',
  data_fingerprint TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_kind ON runs (kind, id);
CREATE TABLE run_records (
  run_id INTEGER NOT NULL REFERENCES runs (id),
  record_id INTEGER NOT NULL REFERENCES records (id),
  role TEXT NOT NULL
    CHECK (role IN ('train', 'calibration', 'evaluation', 'rejected', 'stream')),
  reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, record_id, role)
);
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  bundle_path TEXT NOT NULL,
  bundle_hash TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('candidate', 'production', 'archived')),
  parent_id INTEGER REFERENCES models (id),
  run_id INTEGER REFERENCES runs (id),
  metrics TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  UNIQUE (name, version)
);
CREATE UNIQUE INDEX models_one_production ON models (name) WHERE stage = 'production';
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  stream_id TEXT NOT NULL,
  model_id INTEGER REFERENCES models (id),
  time_s REAL NOT NULL,
  sample_index INTEGER NOT NULL,
  score REAL NOT NULL,
  p_value REAL,
  decision INTEGER NOT NULL CHECK (decision BETWEEN 0 AND 2),
  quality_grade INTEGER NOT NULL CHECK (quality_grade BETWEEN 0 AND 2),
  quality_score REAL,
  heart_rate_bpm REAL
);
CREATE INDEX events_run_stream_time ON events (run_id, stream_id, time_s);
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  stream_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  since_s REAL,
  detected_s REAL NOT NULL,
  strength REAL,
  shape TEXT NOT NULL,
  cause TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX alerts_run ON alerts (run_id, id);
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY,
  stream_id TEXT NOT NULL,
  time_s REAL NOT NULL,
  label INTEGER NOT NULL CHECK (label IN (0, 1)),
  reviewer TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX reviews_stream_time ON reviews (stream_id, time_s);
CREATE TABLE disagreements (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  stream_id TEXT NOT NULL,
  time_s REAL NOT NULL,
  production_model_id INTEGER NOT NULL REFERENCES models (id),
  candidate_model_id INTEGER NOT NULL REFERENCES models (id),
  production_decision INTEGER NOT NULL CHECK (production_decision BETWEEN 0 AND 2),
  candidate_decision INTEGER NOT NULL CHECK (candidate_decision BETWEEN 0 AND 2),
  production_score REAL NOT NULL,
  candidate_score REAL NOT NULL
);
CREATE INDEX disagreements_run_stream_time ON disagreements (run_id, stream_id, time_s);
)sql"},
      // {2, "what v2 adds", R"sql(ALTER TABLE ... ;)sql"},   <- the next version goes here
  };
  return steps;
}

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  std::array<char, 80> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms));
  return buf.data();
}

// A run identifier, not a computation: a seed would make two processes collide.
std::string random_uid() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32U) ^ rd();
  std::array<char, 17> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(v));
  return buf.data();
}

std::string num(double x) {
  std::ostringstream o;
  o << x;
  return o.str();
}

void require_finite(double x, const std::string& what) {
  if (!std::isfinite(x)) throw InvalidArgument(what + " must be a finite number, got " + num(x));
}

void require_finite_or_nan(double x, const std::string& what) {
  if (std::isinf(x))
    throw InvalidArgument(what + " must be finite or NaN (unknown), got " + num(x));
}

void require_nonempty(const std::string& s, const std::string& what) {
  if (s.empty()) throw InvalidArgument(what + " must be a non-empty string");
}

void require_object(const json& j, const std::string& what) {
  if (!j.is_object()) {
    throw InvalidArgument(what + " must be a JSON object, got " + std::string(j.type_name()) + " " +
                          j.dump());
  }
}

void require_decision(int d, const std::string& what) {
  if (d < 0 || d > 2) {
    throw InvalidArgument(what + " must be 0 (normal), 1 (uncertain) or 2 (anomalous), got " +
                          std::to_string(d));
  }
}

json nan_to_null(double x) { return std::isnan(x) ? json(nullptr) : json(x); }

const char* const kRoles[] = {"train", "calibration", "evaluation", "rejected", "stream"};
const char* const kFinalStatuses[] = {"completed", "failed", "cancelled"};

}  // namespace

// ------------------------------------------------------------------------------------ Impl

struct Store::Impl {
  sqlite3* db = nullptr;
  fs::path path;
  Mode mode = Mode::read_write;
  int schema_version = 0;
  int depth = 0;  // open transactions (1) and savepoints (> 1) on this connection

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  // close_v2: finalizes lazily if a statement is somehow still alive; never fails on a
  // valid handle. An open transaction is rolled back by SQLite.
  ~Impl() { sqlite3_close_v2(db); }

  [[noreturn]] void fail(int rc, const std::string& what) const {
    const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const std::string where =
        " (store " + path.string() + ": " + detail + ", SQLite code " + std::to_string(rc) + ")";
    switch (rc & 0xff) {
      case SQLITE_NOTADB:
        throw FormatError("not an ecgad store: " + path.string() + " is not an SQLite database (" +
                          detail + ")");
      case SQLITE_CORRUPT:
        throw FormatError("corrupt store: " + what + where);
      case SQLITE_CONSTRAINT:
        throw InvalidArgument(what + " violates a constraint" + where);
      default:
        throw IoError(what + " failed" + where);
    }
  }

  void exec(const char* sql, const std::string& what) const {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, what);
  }

  void require_writable(const char* what) const {
    if (mode == Mode::read_only) {
      throw IoError(std::string(what) + ": store " + path.string() +
                    " was opened read-only; reopen it read-write to write");
    }
  }
};

namespace {

using Impl = Store::Impl;

// One prepared statement; reset() lets a loop reuse it (add_events).
class Stmt {
 public:
  Stmt(const Impl& s, const char* sql, std::string what) : s_(s), what_(std::move(what)) {
    const int rc = sqlite3_prepare_v2(s.db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) s_.fail(rc, what_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Stmt& int64(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Stmt& real(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
  // NaN <-> SQL NULL for optional numbers.
  Stmt& real_or_null(int i, double v) { return std::isnan(v) ? null(i) : real(i, v); }
  Stmt& text(int i, const std::string& v) {
    return check(
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  // For strings that outlive the step (add_events' rows): no copy per row.
  Stmt& text_static(int i, const std::string& v) {
    return check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
  }
  Stmt& null(int i) { return check(sqlite3_bind_null(stmt_, i)); }
  Stmt& id_or_null(int i, std::optional<std::int64_t> v) { return v ? int64(i, *v) : null(i); }

  /// True when a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    s_.fail(rc, what_);
  }
  void run() {
    while (step()) {
    }
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t col_int64(int i) const { return sqlite3_column_int64(stmt_, i); }
  int col_int(int i) const { return sqlite3_column_int(stmt_, i); }
  bool col_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  double col_real(int i) const {
    return col_null(i) ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(stmt_, i);
  }
  std::string col_text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    if (p == nullptr) return {};
    return {reinterpret_cast<const char*>(p),
            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
  }
  json col_json(int i, const char* column) const {
    const std::string s = col_text(i);
    try {
      return json::parse(s);
    } catch (const json::parse_error& e) {
      throw FormatError("corrupt store " + s_.path.string() + ": column " + column +
                        " holds invalid JSON (" + e.what() + ")");
    }
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) s_.fail(rc, what_);
    return *this;
  }
  const Impl& s_;
  std::string what_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Transaction levels on one connection: BEGIN IMMEDIATE ... COMMIT at the outermost level (so
// the write lock is taken up front and a busy writer is waited for, not discovered at COMMIT),
// a savepoint when nested in a Transaction or another write.
std::string savepoint(const char* verb, int level) {
  return verb + std::string("ecgad_sp") + std::to_string(level);
}

int begin_level(Impl& s, const std::string& what) {
  s.require_writable(what.c_str());
  if (s.depth > 0 && sqlite3_get_autocommit(s.db) != 0) {
    throw IoError(what + ": the enclosing transaction on store " + s.path.string() +
                  " was rolled back by an earlier error; start a new Transaction");
  }
  const int level = s.depth + 1;
  s.exec(level == 1 ? "BEGIN IMMEDIATE" : savepoint("SAVEPOINT ", level).c_str(),
         what + " (begin)");
  s.depth = level;
  return level;
}

void rollback_level(Impl& s, int level) noexcept {
  s.depth = level - 1;
  // SQLite may already have rolled the whole transaction back (disk full, I/O error).
  if (sqlite3_get_autocommit(s.db) != 0) return;
  if (level == 1) {
    sqlite3_exec(s.db, "ROLLBACK", nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(s.db, savepoint("ROLLBACK TO ", level).c_str(), nullptr, nullptr, nullptr);
    sqlite3_exec(s.db, savepoint("RELEASE ", level).c_str(), nullptr, nullptr, nullptr);
  }
}

void commit_level(Impl& s, int level, const std::string& what) {
  const std::string sql = level == 1 ? "COMMIT" : savepoint("RELEASE ", level);
  const int rc = sqlite3_exec(s.db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(s.db);
    rollback_level(s, level);
    throw IoError(what + ": " + sql + " failed on store " + s.path.string() + " (" + msg +
                  ", SQLite code " + std::to_string(rc) + "); nothing was written");
  }
  s.depth = level - 1;
}

// One write method's transaction; rolled back by the destructor unless commit() ran.
class WriteScope {
 public:
  WriteScope(Impl& s, std::string what)
      : s_(s), what_(std::move(what)), level_(begin_level(s, what_)) {}
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  void commit() {
    done_ = true;
    commit_level(s_, level_, what_);
  }
  ~WriteScope() {
    if (!done_) rollback_level(s_, level_);
  }

 private:
  Impl& s_;
  std::string what_;
  int level_;
  bool done_ = false;
};

std::int64_t pragma_int(const Impl& s, const char* sql) {
  Stmt st(s, sql, sql);
  return st.step() ? st.col_int64(0) : 0;
}

// Checks the file is (or can become) an ecgad store; returns its user_version.
int identify(const Impl& s) {
  // One statement = one read snapshot: read separately, another process's migration could
  // commit between the reads (seen as "no application id but tables"). The first read of the
  // file: a non-SQLite file fails here with SQLITE_NOTADB.
  Stmt st(s,
          "SELECT (SELECT application_id FROM pragma_application_id()), "
          "(SELECT user_version FROM pragma_user_version()), "
          "(SELECT count(*) FROM sqlite_master)",
          "reading the store header");
  st.step();
  const auto app_id = st.col_int64(0);
  const auto version = st.col_int64(1);
  const bool has_objects = st.col_int64(2) > 0;
  const std::string p = s.path.string();
  if (app_id != kApplicationId) {
    if (app_id != 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(app_id));
      throw FormatError("not an ecgad store: " + p +
                        " is an SQLite file of another application "
                        "(application_id " +
                        buf + ", expected 0x45434744)");
    }
    if (has_objects) {
      throw FormatError("not an ecgad store: " + p +
                        " is an SQLite database with other tables and no ecgad application_id");
    }
    if (s.mode == Store::Mode::read_only) {
      throw FormatError("not an ecgad store: " + p +
                        " is an empty SQLite file (open it "
                        "read-write once to create the store)");
    }
    return 0;  // empty: becomes a store
  }
  if (version > Store::kSchemaVersion) {
    throw FormatError("store " + p + " has schema version " + std::to_string(version) +
                      ", newer than version " + std::to_string(Store::kSchemaVersion) +
                      " that this ecgad supports; upgrade ecgad to open it");
  }
  if (version < 0) {
    throw FormatError("corrupt store: " + p + " has schema version " + std::to_string(version) +
                      ", expected 0.." + std::to_string(Store::kSchemaVersion));
  }
  return static_cast<int>(version);
}

// Applies the migration steps after the file's version up to `target`, all in one transaction.
void migrate(Impl& s, int target) {
  WriteScope scope(s, "migrating the store schema");
  // Another process may have migrated between identify() and BEGIN IMMEDIATE: read again.
  const int from = identify(s);
  if (pragma_int(s, "PRAGMA application_id") == 0) {
    s.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(),
           "setting the application id");
  }
  for (const auto& step : migration_list()) {
    if (step.version <= from || step.version > target) continue;
    s.exec(step.sql, "migrating to schema version " + std::to_string(step.version) + " (" +
                         step.description + ")");
    s.exec(("PRAGMA user_version = " + std::to_string(step.version)).c_str(),
           "setting the schema version");
  }
  scope.commit();
  s.schema_version = static_cast<int>(pragma_int(s, "PRAGMA user_version"));
}

void open_store(Impl& s, const fs::path& path, Store::Mode mode, int target_version) {
  s.path = path;
  s.mode = mode;
  std::error_code ec;
  const std::string p = path.string();
  if (fs::is_directory(path, ec)) throw IoError("cannot open store " + p + ": it is a directory");
  if (mode == Store::Mode::read_only) {
    if (!fs::exists(path, ec)) {
      throw IoError("cannot open store " + p + " read-only: the file does not exist");
    }
  } else {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec)) {
      throw IoError("cannot open store " + p + ": directory " + dir.string() +
                    " does not exist (it is not created)");
    }
  }
  const int flags = (mode == Store::Mode::read_only ? SQLITE_OPEN_READONLY
                                                    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;  // one thread at a time per Store (the header says so)
  const int rc = sqlite3_open_v2(p.c_str(), &s.db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = s.db != nullptr ? sqlite3_errmsg(s.db) : sqlite3_errstr(rc);
    throw IoError("cannot open store " + p + ": " + msg);
  }
  sqlite3_extended_result_codes(s.db, 1);
  sqlite3_busy_timeout(s.db, kBusyTimeoutMs);

  int version = identify(s);
  if (mode == Store::Mode::read_write) {
    // WAL: readers never block the writer nor see a partial transaction. The journal mode is
    // stored in the file, so read-only connections use it too.
    // Switching a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at
    // once (without the busy handler) when another connection opening the same new file holds
    // a lock in between: retry for the busy timeout instead of failing the open.
    for (int waited_ms = 0;; waited_ms += 20) {
      try {
        Stmt st(s, "PRAGMA journal_mode = WAL", "setting WAL mode");
        const std::string got = st.step() ? st.col_text(0) : "";
        if (got != "wal") {
          throw IoError("cannot put store " + p + " in WAL mode (journal_mode is '" + got +
                        "'); is it on a network file system?");
        }
        break;
      } catch (const IoError& e) {
        // fail() names the result code: "..., SQLite code N)".
        const std::string text = e.what();
        const auto at = text.rfind("SQLite code ");
        const int code = at == std::string::npos ? 0 : std::atoi(text.c_str() + at + 12);
        if ((code & 0xff) != SQLITE_BUSY || waited_ms >= kBusyTimeoutMs) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    // With WAL, synchronous=NORMAL already survives a killed process (a commit is in the OS's
    // page cache once write() returns) but may lose the last commits on power loss or an OS
    // crash; FULL fsyncs the WAL at every commit, so an acknowledged commit survives those too.
    // The cost is one fsync per transaction, which is why writes are batched (add_events).
    s.exec("PRAGMA synchronous = FULL", "setting synchronous=FULL");
  }
  s.exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
  // 16 MiB page cache (default 2 MiB): a 10^5-event transaction (~10 MB with its index) then
  // stays in memory until COMMIT instead of spilling pages to the WAL half-way.
  s.exec("PRAGMA cache_size = -16384", "setting the cache size");
  if (version < target_version) {
    if (mode == Store::Mode::read_only) {
      throw FormatError("store " + p + " has schema version " + std::to_string(version) +
                        ", older than version " + std::to_string(target_version) +
                        "; open it read-write once to migrate it");
    }
    migrate(s, target_version);
    version = s.schema_version;
  }
  s.schema_version = version;
}

// ---------------------------------------------------------------------- row readers

constexpr const char* kRecordColumns =
    "records.id, records.source, records.name, records.fs_hz, records.duration_s, "
    "records.n_channels, records.content_hash, records.tags, records.created_at";

RecordInfo read_record(const Stmt& st, int c = 0) {
  RecordInfo r;
  r.id = st.col_int64(c + 0);
  r.source = st.col_text(c + 1);
  r.name = st.col_text(c + 2);
  r.fs_hz = st.col_real(c + 3);
  r.duration_s = st.col_real(c + 4);
  r.n_channels = st.col_int(c + 5);
  r.content_hash = st.col_text(c + 6);
  r.tags = st.col_json(c + 7, "records.tags");
  r.created_at = st.col_text(c + 8);
  return r;
}

constexpr const char* kRunColumns =
    "id, uid, kind, status, config, metrics, timings, tags, data_fingerprint, started_at, "
    "finished_at";

RunInfo read_run(const Stmt& st) {
  RunInfo r;
  r.id = st.col_int64(0);
  r.uid = st.col_text(1);
  r.kind = st.col_text(2);
  r.status = st.col_text(3);
  r.config = st.col_json(4, "runs.config");
  r.metrics = st.col_json(5, "runs.metrics");
  r.timings = st.col_json(6, "runs.timings");
  r.tags = st.col_json(7, "runs.tags");
  r.data_fingerprint = st.col_text(8);
  r.started_at = st.col_text(9);
  r.finished_at = st.col_text(10);
  return r;
}

constexpr const char* kModelColumns =
    "id, name, version, bundle_path, bundle_hash, stage, parent_id, run_id, metrics, created_at";

ModelInfo read_model(const Stmt& st) {
  ModelInfo m;
  m.id = st.col_int64(0);
  m.name = st.col_text(1);
  m.version = st.col_int(2);
  m.bundle_path = st.col_text(3);
  m.bundle_hash = st.col_text(4);
  m.stage = parse_stage(st.col_text(5));
  if (!st.col_null(6)) m.parent_id = st.col_int64(6);
  if (!st.col_null(7)) m.run_id = st.col_int64(7);
  m.metrics = st.col_json(8, "models.metrics");
  m.created_at = st.col_text(9);
  return m;
}

constexpr const char* kEventColumns =
    "id, run_id, stream_id, model_id, time_s, sample_index, score, p_value, decision, "
    "quality_grade, quality_score, heart_rate_bpm";

EventRow read_event(const Stmt& st) {
  EventRow e;
  e.id = st.col_int64(0);
  e.run_id = st.col_int64(1);
  e.stream_id = st.col_text(2);
  e.model_id = st.col_null(3) ? 0 : st.col_int64(3);
  e.time_s = st.col_real(4);
  e.sample_index = st.col_int64(5);
  e.score = st.col_real(6);
  e.p_value = st.col_real(7);
  e.decision = st.col_int(8);
  e.quality_grade = st.col_int(9);
  e.quality_score = st.col_real(10);
  e.heart_rate_bpm = st.col_real(11);
  return e;
}

bool exists(const Impl& s, const char* sql, std::int64_t id) {
  Stmt st(s, sql, "looking up an id");
  st.int64(1, id);
  return st.step();
}

void require_run(const Impl& s, std::int64_t id, const std::string& what) {
  if (!exists(s, "SELECT 1 FROM runs WHERE id = ?", id)) {
    throw InvalidArgument(what + ": no run with id " + std::to_string(id));
  }
}

void require_model(const Impl& s, std::int64_t id, const std::string& what) {
  if (!exists(s, "SELECT 1 FROM models WHERE id = ?", id)) {
    throw InvalidArgument(what + ": no model with id " + std::to_string(id));
  }
}

// WHERE clause of an EventQuery: fixed SQL fragments, values bound afterwards in order.
struct EventFilter {
  std::string sql;
  std::vector<std::function<void(Stmt&, int)>> binds;
};

EventFilter event_filter(const EventQuery& q) {
  if (std::isnan(q.from_s) || std::isnan(q.to_s)) {
    throw InvalidArgument(
        "event query: from_s and to_s must be numbers (use -inf/+inf for no "
        "bound), got from_s=" +
        num(q.from_s) + ", to_s=" + num(q.to_s));
  }
  if (q.from_s > q.to_s) {
    throw InvalidArgument("event query: from_s must be <= to_s, got from_s=" + num(q.from_s) +
                          ", to_s=" + num(q.to_s));
  }
  if (q.decision) require_decision(*q.decision, "event query: decision");
  if (q.limit < -1) {
    throw InvalidArgument("event query: limit must be -1 (all) or >= 0, got " +
                          std::to_string(q.limit));
  }
  EventFilter f;
  f.sql = " WHERE 1";
  if (q.run_id) {
    f.sql += " AND run_id = ?";
    f.binds.emplace_back([v = *q.run_id](Stmt& st, int i) { st.int64(i, v); });
  }
  if (q.model_id) {
    if (*q.model_id == 0) {
      f.sql += " AND model_id IS NULL";  // 0 = events scored without a registered model
    } else {
      f.sql += " AND model_id = ?";
      f.binds.emplace_back([v = *q.model_id](Stmt& st, int i) { st.int64(i, v); });
    }
  }
  if (q.stream_id) {
    f.sql += " AND stream_id = ?";
    f.binds.emplace_back([v = *q.stream_id](Stmt& st, int i) { st.text(i, v); });
  }
  if (q.decision) {
    f.sql += " AND decision = ?";
    f.binds.emplace_back([v = *q.decision](Stmt& st, int i) { st.int64(i, v); });
  }
  if (std::isfinite(q.from_s) || q.from_s == std::numeric_limits<double>::infinity()) {
    f.sql += " AND time_s >= ?";
    f.binds.emplace_back([v = q.from_s](Stmt& st, int i) { st.real(i, v); });
  }
  if (std::isfinite(q.to_s) || q.to_s == -std::numeric_limits<double>::infinity()) {
    f.sql += " AND time_s < ?";
    f.binds.emplace_back([v = q.to_s](Stmt& st, int i) { st.real(i, v); });
  }
  return f;
}

void bind_all(const EventFilter& f, Stmt& st) {
  int i = 1;
  for (const auto& b : f.binds) b(st, i++);
}

void validate_event(const EventRow& e, std::size_t row) {
  const std::string w = "add_events: row " + std::to_string(row) + ": ";
  require_nonempty(e.stream_id, w + "stream_id");
  require_finite(e.time_s, w + "time_s");
  if (e.sample_index < 0) {
    throw InvalidArgument(w + "sample_index must be >= 0, got " + std::to_string(e.sample_index));
  }
  require_finite(e.score, w + "score");
  if (!std::isnan(e.p_value) && !(e.p_value >= 0.0 && e.p_value <= 1.0)) {
    throw InvalidArgument(w + "p_value must be in [0, 1] or NaN, got " + num(e.p_value));
  }
  require_decision(e.decision, w + "decision");
  if (e.quality_grade < 0 || e.quality_grade > 2) {
    throw InvalidArgument(w +
                          "quality_grade must be 0 (good), 1 (acceptable) or 2 (unusable), "
                          "got " +
                          std::to_string(e.quality_grade));
  }
  require_finite_or_nan(e.quality_score, w + "quality_score");
  require_finite_or_nan(e.heart_rate_bpm, w + "heart_rate_bpm");
  if (e.heart_rate_bpm < 0.0) {
    throw InvalidArgument(w + "heart_rate_bpm must be >= 0 or NaN, got " + num(e.heart_rate_bpm));
  }
  if (e.model_id < 0) {
    throw InvalidArgument(w + "model_id must be a model id or 0 (none), got " +
                          std::to_string(e.model_id));
  }
}

void validate_disagreement(const DisagreementRow& d, std::size_t row) {
  const std::string w = "add_disagreements: row " + std::to_string(row) + ": ";
  require_nonempty(d.stream_id, w + "stream_id");
  require_finite(d.time_s, w + "time_s");
  require_decision(d.production_decision, w + "production_decision");
  require_decision(d.candidate_decision, w + "candidate_decision");
  require_finite(d.production_score, w + "production_score");
  require_finite(d.candidate_score, w + "candidate_score");
}

}  // namespace

// ---------------------------------------------------------------------------- Stage

const char* to_string(Stage stage) noexcept {
  switch (stage) {
    case Stage::production:
      return "production";
    case Stage::archived:
      return "archived";
    case Stage::candidate:
      break;
  }
  return "candidate";
}

Stage parse_stage(std::string_view text) {
  if (text == "candidate") return Stage::candidate;
  if (text == "production") return Stage::production;
  if (text == "archived") return Stage::archived;
  throw InvalidArgument("model stage must be one of candidate, production, archived; got '" +
                        std::string(text) + "'");
}

// ---------------------------------------------------------------------------- to_json

json to_json(const RecordInfo& r) {
  return {{"id", r.id},
          {"source", r.source},
          {"name", r.name},
          {"fs_hz", r.fs_hz},
          {"duration_s", r.duration_s},
          {"n_channels", r.n_channels},
          {"content_hash", r.content_hash},
          {"tags", r.tags},
          {"created_at", r.created_at}};
}

json to_json(const RunInfo& r) {
  return {{"id", r.id},
          {"uid", r.uid},
          {"kind", r.kind},
          {"status", r.status},
          {"config", r.config},
          {"metrics", r.metrics},
          {"timings", r.timings},
          {"tags", r.tags},
          {"data_fingerprint", r.data_fingerprint},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at}};
}

json to_json(const ModelInfo& m) {
  return {{"id", m.id},
          {"name", m.name},
          {"version", m.version},
          {"bundle_path", m.bundle_path},
          {"bundle_hash", m.bundle_hash},
          {"stage", to_string(m.stage)},
          {"parent_id", m.parent_id ? json(*m.parent_id) : json(nullptr)},
          {"run_id", m.run_id ? json(*m.run_id) : json(nullptr)},
          {"metrics", m.metrics},
          {"created_at", m.created_at}};
}

json to_json(const EventRow& e) {
  return {{"id", e.id},
          {"run_id", e.run_id},
          {"stream_id", e.stream_id},
          {"model_id", e.model_id},
          {"time_s", e.time_s},
          {"sample_index", e.sample_index},
          {"score", e.score},
          {"p_value", nan_to_null(e.p_value)},
          {"decision", e.decision},
          {"quality_grade", e.quality_grade},
          {"quality_score", nan_to_null(e.quality_score)},
          {"heart_rate_bpm", nan_to_null(e.heart_rate_bpm)}};
}

json to_json(const AlertRow& a) {
  return {{"id", a.id},
          {"run_id", a.run_id},
          {"stream_id", a.stream_id},
          {"kind", a.kind},
          {"since_s", nan_to_null(a.since_s)},
          {"detected_s", a.detected_s},
          {"strength", nan_to_null(a.strength)},
          {"shape", a.shape},
          {"cause", a.cause},
          {"action", a.action},
          {"detail", a.detail}};
}

json to_json(const ReviewRow& r) {
  return {{"id", r.id},
          {"stream_id", r.stream_id},
          {"time_s", r.time_s},
          {"label", r.label},
          {"reviewer", r.reviewer},
          {"note", r.note},
          {"created_at", r.created_at}};
}

json to_json(const DisagreementRow& d) {
  return {{"id", d.id},
          {"run_id", d.run_id},
          {"stream_id", d.stream_id},
          {"time_s", d.time_s},
          {"production_model_id", d.production_model_id},
          {"candidate_model_id", d.candidate_model_id},
          {"production_decision", d.production_decision},
          {"candidate_decision", d.candidate_decision},
          {"production_score", d.production_score},
          {"candidate_score", d.candidate_score}};
}

// ---------------------------------------------------------------------------- Store

Store::Store(const fs::path& path, Mode mode) : impl_(std::make_unique<Impl>()) {
  open_store(*impl_, path, mode, kSchemaVersion);
}

Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;
Store::~Store() = default;

Store::Impl& Store::impl() const {
  if (!impl_) throw StateError("this ecgad::store::Store was moved from; open the store again");
  return *impl_;
}

int Store::schema_version() const { return impl().schema_version; }
const fs::path& Store::path() const { return impl().path; }

// ---- records

std::int64_t Store::add_record(const RecordInfo& r) {
  auto& s = impl();
  require_nonempty(r.source, "add_record: source");
  require_nonempty(r.name, "add_record: name");
  if (!(std::isfinite(r.fs_hz) && r.fs_hz > 0.0)) {
    throw InvalidArgument("add_record: fs_hz must be a finite number > 0, got " + num(r.fs_hz));
  }
  if (!(std::isfinite(r.duration_s) && r.duration_s >= 0.0)) {
    throw InvalidArgument("add_record: duration_s must be a finite number >= 0, got " +
                          num(r.duration_s));
  }
  if (r.n_channels < 1) {
    throw InvalidArgument("add_record: n_channels must be >= 1, got " +
                          std::to_string(r.n_channels));
  }
  require_nonempty(r.content_hash, "add_record: content_hash");
  if (r.content_hash.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw InvalidArgument("add_record: content_hash must be a hex digest, got '" + r.content_hash +
                          "'");
  }
  require_object(r.tags, "add_record: tags");

  WriteScope scope(s, "add_record");
  std::int64_t id = 0;
  {
    Stmt find(s, "SELECT id, tags FROM records WHERE content_hash = ?", "add_record (lookup)");
    find.text(1, r.content_hash);
    if (find.step()) {
      id = find.col_int64(0);
      json tags = find.col_json(1, "records.tags");
      tags.merge_patch(r.tags);
      Stmt up(s, "UPDATE records SET tags = ? WHERE id = ?", "add_record (merge tags)");
      up.text(1, tags.dump()).int64(2, id).run();
    }
  }
  if (id == 0) {
    Stmt ins(s,
             "INSERT INTO records (source, name, fs_hz, duration_s, n_channels, content_hash, "
             "tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             "add_record");
    ins.text(1, r.source).text(2, r.name).real(3, r.fs_hz).real(4, r.duration_s);
    ins.int64(5, r.n_channels).text(6, r.content_hash).text(7, r.tags.dump());
    ins.text(8, now_iso8601()).run();
    id = sqlite3_last_insert_rowid(s.db);
  }
  scope.commit();
  return id;
}

std::vector<RecordInfo> Store::records() const {
  const auto& s = impl();
  Stmt st(s, (std::string("SELECT ") + kRecordColumns + " FROM records ORDER BY id").c_str(),
          "records");
  std::vector<RecordInfo> out;
  while (st.step()) out.push_back(read_record(st));
  return out;
}

std::optional<RecordInfo> Store::record_by_hash(const std::string& content_hash) const {
  const auto& s = impl();
  Stmt st(
      s, (std::string("SELECT ") + kRecordColumns + " FROM records WHERE content_hash = ?").c_str(),
      "record_by_hash");
  st.text(1, content_hash);
  if (!st.step()) return std::nullopt;
  return read_record(st);
}

// ---- runs

std::int64_t Store::begin_run(const std::string& kind, const json& config, const json& tags) {
  auto& s = impl();
  require_nonempty(kind, "begin_run: kind");
  require_object(config, "begin_run: config");
  require_object(tags, "begin_run: tags");
  WriteScope scope(s, "begin_run");
  std::int64_t id = 0;
  for (int attempt = 0; id == 0; ++attempt) {
    const std::string uid = random_uid();
    // 2^-64 per pair of runs: a collision means a broken random_device, so retry a few times.
    Stmt dup(s, "SELECT 1 FROM runs WHERE uid = ?", "begin_run (uid)");
    dup.text(1, uid);
    if (dup.step()) {
      if (attempt > 8) throw IoError("begin_run: the random device keeps repeating run uids");
      continue;
    }
    Stmt ins(s,
             "INSERT INTO runs (uid, kind, status, config, metrics, timings, tags, started_at) "
             "VALUES (?, ?, 'running', ?, '{}', '{}', ?, ?)",
             "begin_run");
    ins.text(1, uid).text(2, kind).text(3, config.dump()).text(4, tags.dump());
    ins.text(5, now_iso8601()).run();
    id = sqlite3_last_insert_rowid(s.db);
  }
  scope.commit();
  return id;
}

void Store::finish_run(std::int64_t run_id, const std::string& status, const json& metrics,
                       const json& timings, const std::string& data_fingerprint) {
  auto& s = impl();
  bool known = false;
  for (const char* f : kFinalStatuses) known = known || status == f;
  if (!known) {
    throw InvalidArgument("finish_run: status must be one of completed, failed, cancelled; got '" +
                          status + "'");
  }
  require_object(metrics, "finish_run: metrics");
  require_object(timings, "finish_run: timings");
  WriteScope scope(s, "finish_run");
  RunInfo r = run(run_id);
  if (r.status != "running") {
    throw InvalidArgument("finish_run: run " + std::to_string(run_id) + " is already " + r.status +
                          " (finished at " + r.finished_at + "); expected a running run");
  }
  r.metrics.merge_patch(metrics);
  r.timings.merge_patch(timings);
  Stmt up(s,
          "UPDATE runs SET status = ?, metrics = ?, timings = ?, finished_at = ?, "
          "data_fingerprint = CASE WHEN ? = '' THEN data_fingerprint ELSE ? END WHERE id = ?",
          "finish_run");
  up.text(1, status).text(2, r.metrics.dump()).text(3, r.timings.dump()).text(4, now_iso8601());
  up.text(5, data_fingerprint).text(6, data_fingerprint).int64(7, run_id).run();
  scope.commit();
}

void Store::merge_run_metrics(std::int64_t run_id, const json& patch) {
  auto& s = impl();
  require_object(patch, "merge_run_metrics: patch");
  WriteScope scope(s, "merge_run_metrics");
  RunInfo r = run(run_id);
  r.metrics.merge_patch(patch);
  Stmt up(s, "UPDATE runs SET metrics = ? WHERE id = ?", "merge_run_metrics");
  up.text(1, r.metrics.dump()).int64(2, run_id).run();
  scope.commit();
}

RunInfo Store::run(std::int64_t id) const {
  const auto& s = impl();
  Stmt st(s, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str(), "run");
  st.int64(1, id);
  if (!st.step()) throw InvalidArgument("no run with id " + std::to_string(id));
  return read_run(st);
}

std::optional<RunInfo> Store::run_by_uid(const std::string& uid) const {
  const auto& s = impl();
  Stmt st(s, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE uid = ?").c_str(),
          "run_by_uid");
  st.text(1, uid);
  if (!st.step()) return std::nullopt;
  return read_run(st);
}

std::vector<RunInfo> Store::runs(const std::string& kind) const {
  const auto& s = impl();
  // Newest first by id: ids follow BEGIN IMMEDIATE order, wall clocks can step back.
  Stmt st(s,
          (std::string("SELECT ") + kRunColumns +
           " FROM runs WHERE ? = '' OR kind = ? ORDER BY id DESC")
              .c_str(),
          "runs");
  st.text(1, kind).text(2, kind);
  std::vector<RunInfo> out;
  while (st.step()) out.push_back(read_run(st));
  return out;
}

void Store::link_run_record(std::int64_t run_id, std::int64_t record_id, const std::string& role,
                            const std::string& reason) {
  auto& s = impl();
  bool known = false;
  for (const char* r : kRoles) known = known || role == r;
  if (!known) {
    throw InvalidArgument(
        "link_run_record: role must be one of train, calibration, evaluation, "
        "rejected, stream; got '" +
        role + "'");
  }
  WriteScope scope(s, "link_run_record");
  require_run(s, run_id, "link_run_record");
  if (!exists(s, "SELECT 1 FROM records WHERE id = ?", record_id)) {
    throw InvalidArgument("link_run_record: no record with id " + std::to_string(record_id));
  }
  Stmt ins(s,
           "INSERT INTO run_records (run_id, record_id, role, reason) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (run_id, record_id, role) DO UPDATE SET reason = excluded.reason",
           "link_run_record");
  ins.int64(1, run_id).int64(2, record_id).text(3, role).text(4, reason).run();
  scope.commit();
}

std::vector<Store::RunRecord> Store::run_records(std::int64_t run_id) const {
  const auto& s = impl();
  require_run(s, run_id, "run_records");
  Stmt st(s,
          (std::string("SELECT ") + kRecordColumns +
           ", run_records.role, run_records.reason FROM run_records JOIN records ON "
           "records.id = run_records.record_id WHERE run_records.run_id = ? "
           "ORDER BY run_records.rowid")
              .c_str(),
          "run_records");
  st.int64(1, run_id);
  std::vector<RunRecord> out;
  while (st.step()) out.push_back({read_record(st), st.col_text(9), st.col_text(10)});
  return out;
}

// ---- models

std::int64_t Store::register_model(const ModelInfo& m) {
  auto& s = impl();
  require_nonempty(m.name, "register_model: name");
  require_nonempty(m.bundle_path, "register_model: bundle_path");
  require_nonempty(m.bundle_hash, "register_model: bundle_hash");
  require_object(m.metrics, "register_model: metrics");
  WriteScope scope(s, "register_model");
  if (m.parent_id) require_model(s, *m.parent_id, "register_model: parent_id");
  if (m.run_id) require_run(s, *m.run_id, "register_model: run_id");
  // Inside BEGIN IMMEDIATE: two processes registering the same name get distinct versions.
  Stmt ver(s, "SELECT coalesce(max(version), 0) + 1 FROM models WHERE name = ?",
           "register_model (version)");
  ver.text(1, m.name);
  ver.step();
  const std::int64_t version = ver.col_int64(0);
  Stmt ins(s,
           "INSERT INTO models (name, version, bundle_path, bundle_hash, stage, parent_id, run_id, "
           "metrics, created_at) VALUES (?, ?, ?, ?, 'candidate', ?, ?, ?, ?)",
           "register_model");
  ins.text(1, m.name).int64(2, version).text(3, m.bundle_path).text(4, m.bundle_hash);
  ins.id_or_null(5, m.parent_id).id_or_null(6, m.run_id).text(7, m.metrics.dump());
  ins.text(8, now_iso8601()).run();
  const std::int64_t id = sqlite3_last_insert_rowid(s.db);
  if (m.stage != Stage::candidate) set_stage(id, m.stage);
  scope.commit();
  return id;
}

ModelInfo Store::model(std::int64_t id) const {
  const auto& s = impl();
  Stmt st(s, (std::string("SELECT ") + kModelColumns + " FROM models WHERE id = ?").c_str(),
          "model");
  st.int64(1, id);
  if (!st.step()) throw InvalidArgument("no model with id " + std::to_string(id));
  return read_model(st);
}

std::vector<ModelInfo> Store::models(const std::string& name) const {
  const auto& s = impl();
  Stmt st(s,
          (std::string("SELECT ") + kModelColumns +
           " FROM models WHERE ? = '' OR name = ? ORDER BY name, version")
              .c_str(),
          "models");
  st.text(1, name).text(2, name);
  std::vector<ModelInfo> out;
  while (st.step()) out.push_back(read_model(st));
  return out;
}

std::optional<ModelInfo> Store::production_model(const std::string& name) const {
  const auto& s = impl();
  Stmt st(s,
          (std::string("SELECT ") + kModelColumns +
           " FROM models WHERE name = ? AND stage = 'production'")
              .c_str(),
          "production_model");
  st.text(1, name);
  if (!st.step()) return std::nullopt;
  return read_model(st);
}

void Store::set_stage(std::int64_t model_id, Stage stage) {
  if (stage == Stage::production) {
    promote(model_id);
    return;
  }
  auto& s = impl();
  WriteScope scope(s, "set_stage");
  require_model(s, model_id, "set_stage");
  Stmt up(s, "UPDATE models SET stage = ? WHERE id = ?", "set_stage");
  up.text(1, to_string(stage)).int64(2, model_id).run();
  scope.commit();
}

void Store::promote(std::int64_t model_id) {
  auto& s = impl();
  WriteScope scope(s, "promote");
  const ModelInfo m = model(model_id);
  // Archive first: the partial unique index allows one production model per name.
  Stmt archive(s,
               "UPDATE models SET stage = 'archived' WHERE name = ? AND stage = 'production' "
               "AND id <> ?",
               "promote (archive the previous production model)");
  archive.text(1, m.name).int64(2, model_id).run();
  Stmt up(s, "UPDATE models SET stage = 'production' WHERE id = ?", "promote");
  up.int64(1, model_id).run();
  scope.commit();
}

// ---- events

void Store::add_events(const std::vector<EventRow>& events) {
  auto& s = impl();
  s.require_writable("add_events");
  std::set<std::int64_t> run_ids, model_ids;
  for (std::size_t i = 0; i < events.size(); ++i) {
    validate_event(events[i], i);
    run_ids.insert(events[i].run_id);
    if (events[i].model_id != 0) model_ids.insert(events[i].model_id);
  }
  if (events.empty()) return;
  WriteScope scope(s, "add_events");
  for (auto id : run_ids) require_run(s, id, "add_events");
  for (auto id : model_ids) require_model(s, id, "add_events");
  Stmt ins(s,
           "INSERT INTO events (run_id, stream_id, model_id, time_s, sample_index, score, "
           "p_value, decision, quality_grade, quality_score, heart_rate_bpm) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           "add_events");
  for (const auto& e : events) {
    ins.int64(1, e.run_id).text_static(2, e.stream_id);
    if (e.model_id == 0) {
      ins.null(3);
    } else {
      ins.int64(3, e.model_id);
    }
    ins.real(4, e.time_s).int64(5, e.sample_index).real(6, e.score).real_or_null(7, e.p_value);
    ins.int64(8, e.decision).int64(9, e.quality_grade).real_or_null(10, e.quality_score);
    ins.real_or_null(11, e.heart_rate_bpm).run();
    ins.reset();
  }
  scope.commit();
}

std::vector<EventRow> Store::events(const EventQuery& q) const {
  const auto& s = impl();
  const EventFilter f = event_filter(q);
  const std::string sql = std::string("SELECT ") + kEventColumns + " FROM events" + f.sql +
                          " ORDER BY run_id, stream_id, time_s, id LIMIT ?";
  Stmt st(s, sql.c_str(), "events");
  bind_all(f, st);
  st.int64(static_cast<int>(f.binds.size()) + 1, q.limit);  // LIMIT -1 = no limit in SQLite
  std::vector<EventRow> out;
  while (st.step()) out.push_back(read_event(st));
  return out;
}

std::int64_t Store::count_events(const EventQuery& q) const {
  const auto& s = impl();
  const EventFilter f = event_filter(q);
  // The limit caps the count as it caps events(): count_events(q) == events(q).size().
  const std::string sql = "SELECT count(*) FROM (SELECT 1 FROM events" + f.sql + " LIMIT ?)";
  Stmt st(s, sql.c_str(), "count_events");
  bind_all(f, st);
  st.int64(static_cast<int>(f.binds.size()) + 1, q.limit);
  st.step();
  return st.col_int64(0);
}

// ---- alerts

std::int64_t Store::add_alert(const AlertRow& a) {
  auto& s = impl();
  require_nonempty(a.stream_id, "add_alert: stream_id");
  require_nonempty(a.kind, "add_alert: kind");
  require_finite_or_nan(a.since_s, "add_alert: since_s");
  require_finite(a.detected_s, "add_alert: detected_s");
  require_finite_or_nan(a.strength, "add_alert: strength");
  require_object(a.detail, "add_alert: detail");
  WriteScope scope(s, "add_alert");
  require_run(s, a.run_id, "add_alert");
  Stmt ins(s,
           "INSERT INTO alerts (run_id, stream_id, kind, since_s, detected_s, strength, shape, "
           "cause, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           "add_alert");
  ins.int64(1, a.run_id).text(2, a.stream_id).text(3, a.kind).real_or_null(4, a.since_s);
  ins.real(5, a.detected_s).real_or_null(6, a.strength).text(7, a.shape).text(8, a.cause);
  ins.text(9, a.action).text(10, a.detail.dump()).run();
  const std::int64_t id = sqlite3_last_insert_rowid(s.db);
  scope.commit();
  return id;
}

std::vector<AlertRow> Store::alerts(std::optional<std::int64_t> run_id) const {
  const auto& s = impl();
  Stmt st(s,
          "SELECT id, run_id, stream_id, kind, since_s, detected_s, strength, shape, cause, "
          "action, detail FROM alerts WHERE ? IS NULL OR run_id = ? ORDER BY id",
          "alerts");
  st.id_or_null(1, run_id).id_or_null(2, run_id);
  std::vector<AlertRow> out;
  while (st.step()) {
    AlertRow a;
    a.id = st.col_int64(0);
    a.run_id = st.col_int64(1);
    a.stream_id = st.col_text(2);
    a.kind = st.col_text(3);
    a.since_s = st.col_real(4);
    a.detected_s = st.col_real(5);
    a.strength = st.col_real(6);
    a.shape = st.col_text(7);
    a.cause = st.col_text(8);
    a.action = st.col_text(9);
    a.detail = st.col_json(10, "alerts.detail");
    out.push_back(std::move(a));
  }
  return out;
}

// ---- reviews

std::int64_t Store::add_review(const ReviewRow& r) {
  auto& s = impl();
  require_nonempty(r.stream_id, "add_review: stream_id");
  require_finite(r.time_s, "add_review: time_s");
  if (r.label != 0 && r.label != 1) {
    throw InvalidArgument("add_review: label must be 0 (normal) or 1 (anomalous), got " +
                          std::to_string(r.label));
  }
  WriteScope scope(s, "add_review");
  Stmt ins(s,
           "INSERT INTO reviews (stream_id, time_s, label, reviewer, note, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?)",
           "add_review");
  ins.text(1, r.stream_id).real(2, r.time_s).int64(3, r.label).text(4, r.reviewer);
  ins.text(5, r.note).text(6, now_iso8601()).run();
  const std::int64_t id = sqlite3_last_insert_rowid(s.db);
  scope.commit();
  return id;
}

std::vector<ReviewRow> Store::reviews(const std::string& stream_id) const {
  const auto& s = impl();
  Stmt st(s,
          "SELECT id, stream_id, time_s, label, reviewer, note, created_at FROM reviews "
          "WHERE ? = '' OR stream_id = ? ORDER BY stream_id, time_s, id",
          "reviews");
  st.text(1, stream_id).text(2, stream_id);
  std::vector<ReviewRow> out;
  while (st.step()) {
    ReviewRow r;
    r.id = st.col_int64(0);
    r.stream_id = st.col_text(1);
    r.time_s = st.col_real(2);
    r.label = st.col_int(3);
    r.reviewer = st.col_text(4);
    r.note = st.col_text(5);
    r.created_at = st.col_text(6);
    out.push_back(std::move(r));
  }
  return out;
}

// ---- disagreements

void Store::add_disagreements(const std::vector<DisagreementRow>& rows) {
  auto& s = impl();
  s.require_writable("add_disagreements");
  std::set<std::int64_t> run_ids, model_ids;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    validate_disagreement(rows[i], i);
    run_ids.insert(rows[i].run_id);
    model_ids.insert(rows[i].production_model_id);
    model_ids.insert(rows[i].candidate_model_id);
  }
  if (rows.empty()) return;
  WriteScope scope(s, "add_disagreements");
  for (auto id : run_ids) require_run(s, id, "add_disagreements");
  for (auto id : model_ids) require_model(s, id, "add_disagreements");
  Stmt ins(s,
           "INSERT INTO disagreements (run_id, stream_id, time_s, production_model_id, "
           "candidate_model_id, production_decision, candidate_decision, production_score, "
           "candidate_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
           "add_disagreements");
  for (const auto& d : rows) {
    ins.int64(1, d.run_id).text(2, d.stream_id).real(3, d.time_s);
    ins.int64(4, d.production_model_id).int64(5, d.candidate_model_id);
    ins.int64(6, d.production_decision).int64(7, d.candidate_decision);
    ins.real(8, d.production_score).real(9, d.candidate_score).run();
    ins.reset();
  }
  scope.commit();
}

std::vector<DisagreementRow> Store::disagreements(std::int64_t run_id) const {
  const auto& s = impl();
  Stmt st(s,
          "SELECT id, run_id, stream_id, time_s, production_model_id, candidate_model_id, "
          "production_decision, candidate_decision, production_score, candidate_score "
          "FROM disagreements WHERE run_id = ? ORDER BY stream_id, time_s, id",
          "disagreements");
  st.int64(1, run_id);
  std::vector<DisagreementRow> out;
  while (st.step()) {
    DisagreementRow d;
    d.id = st.col_int64(0);
    d.run_id = st.col_int64(1);
    d.stream_id = st.col_text(2);
    d.time_s = st.col_real(3);
    d.production_model_id = st.col_int64(4);
    d.candidate_model_id = st.col_int64(5);
    d.production_decision = st.col_int(6);
    d.candidate_decision = st.col_int(7);
    d.production_score = st.col_real(8);
    d.candidate_score = st.col_real(9);
    out.push_back(std::move(d));
  }
  return out;
}

// ---------------------------------------------------------------------- Transaction

Store::Transaction::Transaction(Store& store) : store_(&store) {
  begin_level(store.impl(), "Transaction");
}

void Store::Transaction::commit() {
  if (done_) throw StateError("Transaction::commit: the transaction is already finished");
  done_ = true;
  auto& s = store_->impl();
  commit_level(s, s.depth, "Transaction::commit");
}

Store::Transaction::~Transaction() {
  if (done_ || !store_->impl_) return;
  rollback_level(*store_->impl_, store_->impl_->depth);
}

// ---------------------------------------------------------------------------- detail

namespace detail {

const std::vector<MigrationStep>& migrations() { return migration_list(); }

void create_store_at_version(const fs::path& path, int version) {
  if (version < 0 || version > Store::kSchemaVersion) {
    throw InvalidArgument("create_store_at_version: version must be in [0, " +
                          std::to_string(Store::kSchemaVersion) + "], got " +
                          std::to_string(version));
  }
  std::error_code ec;
  if (fs::exists(path, ec)) {
    throw IoError("create_store_at_version: " + path.string() + " already exists");
  }
  Impl s;
  open_store(s, path, Store::Mode::read_write, 0);
  migrate(s, version);  // version 0: an empty file that already carries the application id
}

}  // namespace detail

}  // namespace ecgad::store
