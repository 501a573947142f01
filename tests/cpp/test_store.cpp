// The SQLite store: opening (fresh, migrated, refused: not SQLite, another application's file,
// newer schema, missing file/dir), a frozen version-1 file opening under the current code, every
// table's round trip (NaN <-> NULL), seeded event queries against a brute-force filter, the
// registry's promote/archive rules, transactions (grouping, rollback, savepoints, lock waits),
// read-only mode, a writer and two readers in threads, a writer process SIGKILLed mid-run
// (nothing acknowledged lost, no partial batch, integrity_check ok) and a 10^5-event insert
// (its speed: benchmarks/bench_store.cpp).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ecgad/store/store.hpp"
#include "golden.hpp"
#include "io_test_util.hpp"

namespace st = ecgad::store;
using ecgad::test::expect_invalid;
using ecgad::test::ScratchDir;
using nlohmann::json;
using st::Store;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Raw SQLite access for what the Store API deliberately does not offer (integrity checks,
// tampering with the header, other applications' files).
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& p) {
    if (sqlite3_open(p.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open " + p.string());
    sqlite3_busy_timeout(db_, 5000);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err != nullptr ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("sql failed: " + msg + " in " + sql);
    }
  }
  // First column of every row, as text.
  std::vector<std::string> column(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db_));
    }
    std::vector<std::string> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(s, 0);
      out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(s);
    return out;
  }
  std::string one(const std::string& sql) {
    auto v = column(sql);
    return v.empty() ? "" : v.front();
  }

 private:
  sqlite3* db_ = nullptr;
};

template <typename E, typename F>
void expect_error(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning '" << needles.front() << "'";
  } catch (const E& e) {
    for (const auto& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "message '" << e.what() << "' does not mention '" << n << "'";
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void expect_same_event(const st::EventRow& a, const st::EventRow& b) {
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.stream_id, b.stream_id);
  EXPECT_EQ(a.model_id, b.model_id);
  EXPECT_EQ(a.time_s, b.time_s);
  EXPECT_EQ(a.sample_index, b.sample_index);
  EXPECT_EQ(a.score, b.score);
  EXPECT_TRUE(same(a.p_value, b.p_value)) << a.p_value << " vs " << b.p_value;
  EXPECT_EQ(a.decision, b.decision);
  EXPECT_EQ(a.quality_grade, b.quality_grade);
  EXPECT_TRUE(same(a.quality_score, b.quality_score));
  EXPECT_TRUE(same(a.heart_rate_bpm, b.heart_rate_bpm));
}

st::EventRow event(std::int64_t run, const std::string& stream, double t, int decision = 0,
                   double score = 1.0) {
  st::EventRow e;
  e.run_id = run;
  e.stream_id = stream;
  e.time_s = t;
  e.sample_index = static_cast<std::int64_t>(std::llround(t * 360.0));
  e.score = score;
  e.decision = decision;
  return e;
}

std::vector<st::EventRow> batch(std::int64_t run, const std::string& stream, std::int64_t index,
                                int size) {
  std::vector<st::EventRow> rows;
  for (int i = 0; i < size; ++i) {
    rows.push_back(event(run, stream, static_cast<double>(index * size + i), i % 3,
                         static_cast<double>(index)));
  }
  return rows;
}

st::ModelInfo model_info(const std::string& name, const std::string& hash = "abcd") {
  st::ModelInfo m;
  m.name = name;
  m.bundle_path = "/models/" + name + ".ecgad";
  m.bundle_hash = hash;
  return m;
}

st::RecordInfo record_info(const std::string& name, const std::string& hash) {
  st::RecordInfo r;
  r.source = "wfdb";
  r.name = name;
  r.fs_hz = 360.0;
  r.duration_s = 1805.56;
  r.n_channels = 2;
  r.content_hash = hash;
  return r;
}

const std::regex kIsoUtc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");

}  // namespace

// ------------------------------------------------------------------------------ stages

TEST(Store, StageNamesRoundTrip) {
  for (auto s : {st::Stage::candidate, st::Stage::production, st::Stage::archived}) {
    EXPECT_EQ(st::parse_stage(st::to_string(s)), s);
  }
  EXPECT_STREQ(st::to_string(st::Stage::archived), "archived");
  expect_invalid([] { st::parse_stage("Production"); }, "candidate, production, archived");
  expect_invalid([] { st::parse_stage(""); }, "got ''");
}

// ------------------------------------------------------------------------------ opening

TEST(Store, FreshStoreHasSchemaWalAndApplicationId) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  {
    Store s(p);
    EXPECT_EQ(s.schema_version(), Store::kSchemaVersion);
    EXPECT_EQ(s.path(), p);
    EXPECT_TRUE(s.records().empty());
    EXPECT_TRUE(s.runs().empty());
  }
  RawDb raw(p);
  EXPECT_EQ(raw.one("PRAGMA journal_mode"), "wal");  // persistent in the file
  EXPECT_EQ(raw.one("PRAGMA user_version"), std::to_string(Store::kSchemaVersion));
  EXPECT_EQ(raw.one("PRAGMA application_id"), std::to_string(0x45434744));
  const auto tables =
      raw.column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  EXPECT_EQ(tables, (std::vector<std::string>{"alerts", "disagreements", "events", "models",
                                              "records", "reviews", "run_records", "runs"}));
  // The results table is indexed for the pipelines' (run, stream, time) scans.
  EXPECT_EQ(raw.one("SELECT sql FROM sqlite_master WHERE name = 'events_run_stream_time'"),
            "CREATE INDEX events_run_stream_time ON events (run_id, stream_id, time_s)");
  // Reopening does not migrate again or change anything.
  Store again(p);
  EXPECT_EQ(again.schema_version(), Store::kSchemaVersion);
}

TEST(Store, OpenErrorsNameThePathAndTheProblem) {
  ScratchDir dir;
  expect_error<ecgad::IoError>([&] { Store s(dir / "no_such_dir" / "s.db"); },
                               {"no_such_dir", "does not exist"});
  expect_error<ecgad::IoError>([&] { Store s(dir / "missing.db", Store::Mode::read_only); },
                               {"missing.db", "read-only", "does not exist"});
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));  // read-only never creates
  expect_error<ecgad::IoError>([&] { Store s(dir.path()); }, {"is a directory"});

  // Not SQLite at all.
  ecgad::test::write_text(dir / "notes.txt", std::string(4096, 'x') + "hello, not a database");
  expect_error<ecgad::FormatError>([&] { Store s(dir / "notes.txt"); },
                                   {"not an ecgad store", "notes.txt"});
  expect_error<ecgad::FormatError>([&] { Store s(dir / "notes.txt", Store::Mode::read_only); },
                                   {"not an ecgad store"});
  // Another application's SQLite file: left untouched.
  {
    RawDb other(dir / "other.db");
    other.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  }
  expect_error<ecgad::FormatError>([&] { Store s(dir / "other.db"); },
                                   {"not an ecgad store", "other tables"});
  {
    RawDb other(dir / "app.db");
    other.exec("PRAGMA application_id = 1234;");
  }
  expect_error<ecgad::FormatError>([&] { Store s(dir / "app.db"); },
                                   {"not an ecgad store", "application_id 0x000004d2"});
  {
    RawDb other(dir / "other.db");
    EXPECT_EQ(other.one("SELECT x FROM t"), "1");
    EXPECT_EQ(other.one("PRAGMA user_version"), "0");
  }
  // An empty file (e.g. from mkstemp) becomes a store read-write, but is refused read-only.
  ecgad::test::write_text(dir / "empty.db", "");
  expect_error<ecgad::FormatError>([&] { Store s(dir / "empty.db", Store::Mode::read_only); },
                                   {"empty SQLite file"});
  Store s(dir / "empty.db");
  EXPECT_EQ(s.schema_version(), Store::kSchemaVersion);
}

TEST(Store, NewerSchemaIsRefusedNamingBothVersions) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  { Store s(p); }
  {
    RawDb raw(p);
    raw.exec("PRAGMA user_version = " + std::to_string(Store::kSchemaVersion + 6));
  }
  const std::string newer = "schema version " + std::to_string(Store::kSchemaVersion + 6);
  const std::string ours = "version " + std::to_string(Store::kSchemaVersion);
  expect_error<ecgad::FormatError>([&] { Store s(p); }, {newer, ours, "upgrade ecgad"});
  expect_error<ecgad::FormatError>([&] { Store s(p, Store::Mode::read_only); }, {newer, ours});
  RawDb raw(p);  // refused, not rewritten
  EXPECT_EQ(raw.one("PRAGMA user_version"), std::to_string(Store::kSchemaVersion + 6));
}

TEST(Store, MigrationStepsAreConsecutiveAndEveryOlderFileOpens) {
  const auto& steps = st::detail::migrations();
  ASSERT_EQ(steps.size(), static_cast<std::size_t>(Store::kSchemaVersion));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].version, static_cast<int>(i) + 1);
    EXPECT_GT(std::string(steps[i].description).size(), 0U);
  }
  ScratchDir dir;
  for (int v = 0; v <= Store::kSchemaVersion; ++v) {
    const auto p = dir / ("v" + std::to_string(v) + ".db");
    st::detail::create_store_at_version(p, v);
    {
      RawDb raw(p);
      EXPECT_EQ(raw.one("PRAGMA user_version"), std::to_string(v));
    }
    if (v < Store::kSchemaVersion) {
      // Read-only cannot migrate: refused with both versions named.
      expect_error<ecgad::FormatError>([&] { Store s(p, Store::Mode::read_only); },
                                       {"schema version " + std::to_string(v), "read-write"});
    }
    Store s(p);
    EXPECT_EQ(s.schema_version(), Store::kSchemaVersion);
    const auto run = s.begin_run("demo", json::object());
    s.add_events({event(run, "a", 1.0)});
    EXPECT_EQ(s.count_events(), 1);
  }
  EXPECT_THROW(st::detail::create_store_at_version(dir / "v0.db", 0), ecgad::IoError);
  expect_invalid([&] { st::detail::create_store_at_version(dir / "x.db", -1); }, "got -1");
}

namespace {

// A version-1 store as ecgad 1 shipped it: its schema verbatim plus one row per table. It must
// open, unchanged in meaning, under every later version of the code (the migrations bring it
// up to date). Never edit this text when adding version 2.
const char* const kFrozenV1 = R"sql(
PRAGMA application_id = 1162037060;
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
INSERT INTO records VALUES (1, 'wfdb', '100', 360.0, 1805.5555555555557, 2, '0badc0de',
  '{"split":"DS1"}', '2026-01-02T03:04:05.006Z');
INSERT INTO runs VALUES (1, '0123456789abcdef', 'train', 'completed', '{"epochs":20}',
  '{"auc":0.97}', '{"fit_s":12.5}', '{}', 'ff00', '2026-01-02T03:04:05.006Z',
  '2026-01-02T03:05:00.000Z');
INSERT INTO run_records VALUES (1, 1, 'train', '');
INSERT INTO models VALUES (1, 'ae', 1, '/m/ae-1.ecgad', 'beef', 'production', NULL, 1,
  '{"auc":0.97}', '2026-01-02T03:05:00.000Z');
INSERT INTO events VALUES (1, 1, 'bed-7', 1, 12.25, 4410, 0.75, NULL, 2, 1, 0.5, NULL);
INSERT INTO alerts VALUES (1, 1, 'bed-7', 'score', NULL, 60.0, 3.5, 'sudden', 'unknown',
  'retrain', '{"detector":"adwin"}');
INSERT INTO reviews VALUES (1, 'bed-7', 12.25, 1, 'dr. a', 'PVC', '2026-01-02T03:06:00.000Z');
INSERT INTO disagreements VALUES (1, 1, 'bed-7', 12.25, 1, 1, 2, 0, 0.75, 0.25);
PRAGMA user_version = 1;
)sql";

std::string schema_of(const std::filesystem::path& p) {
  RawDb raw(p);
  std::string all;
  for (const auto& s : raw.column("SELECT type || ' ' || name || ': ' || sql FROM sqlite_master "
                                  "ORDER BY name")) {
    all += s + "\n";
  }
  return all;
}

}  // namespace

TEST(Store, FrozenVersionOneFileOpensUnderTheCurrentCode) {
  ScratchDir dir;
  const auto old_file = dir / "v1.db";
  {
    RawDb raw(old_file);
    raw.exec(kFrozenV1);
  }
  // What create_store_at_version(1) writes today is exactly what version 1 shipped: a changed
  // step 1 would silently diverge from the files in the field.
  st::detail::create_store_at_version(dir / "made.db", 1);
  EXPECT_EQ(schema_of(dir / "made.db"), schema_of(old_file));

  Store s(old_file);
  EXPECT_EQ(s.schema_version(), Store::kSchemaVersion);
  const auto rec = s.record_by_hash("0badc0de");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->name, "100");
  EXPECT_EQ(rec->fs_hz, 360.0);
  EXPECT_EQ(rec->tags, json({{"split", "DS1"}}));
  const auto run = s.run(1);
  EXPECT_EQ(run.uid, "0123456789abcdef");
  EXPECT_EQ(run.metrics, json({{"auc", 0.97}}));
  EXPECT_EQ(s.run_records(1).at(0).role, "train");
  const auto prod = s.production_model("ae");
  ASSERT_TRUE(prod.has_value());
  EXPECT_EQ(prod->run_id, std::optional<std::int64_t>(1));
  const auto ev = s.events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].model_id, 1);
  EXPECT_TRUE(std::isnan(ev[0].p_value));
  EXPECT_TRUE(std::isnan(ev[0].heart_rate_bpm));
  EXPECT_EQ(ev[0].quality_score, 0.5);
  EXPECT_TRUE(std::isnan(s.alerts().at(0).since_s));
  EXPECT_EQ(s.reviews("bed-7").at(0).note, "PVC");
  EXPECT_EQ(s.disagreements(1).at(0).candidate_score, 0.25);
  // And it takes new writes: version 2 of the model registers on top of the old version 1.
  EXPECT_EQ(s.model(s.register_model(model_info("ae"))).version, 2);
}

// ------------------------------------------------------------------------------ records

TEST(Store, RecordsDeduplicateByContentHashAndMergeTags) {
  ScratchDir dir;
  Store s(dir / "s.db");
  auto r = record_info("100", "aa01");
  r.tags = {{"split", "DS1"}, {"lead", "MLII"}};
  const auto id = s.add_record(r);
  EXPECT_GT(id, 0);
  auto again = record_info("other/path/100.dat", "aa01");
  again.tags = {{"split", "DS2"}, {"checked", true}};
  EXPECT_EQ(s.add_record(again), id);
  const auto id2 = s.add_record(record_info("101", "aa02"));
  EXPECT_NE(id2, id);

  const auto all = s.records();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].id, id);
  EXPECT_EQ(all[0].name, "100");  // the first name stays
  EXPECT_EQ(all[0].tags, json({{"split", "DS2"}, {"lead", "MLII"}, {"checked", true}}));
  EXPECT_EQ(all[0].n_channels, 2);
  EXPECT_EQ(all[0].duration_s, 1805.56);
  EXPECT_TRUE(std::regex_match(all[0].created_at, kIsoUtc)) << all[0].created_at;
  EXPECT_EQ(s.record_by_hash("aa02")->id, id2);
  EXPECT_FALSE(s.record_by_hash("ffff").has_value());
  const json j = st::to_json(all[0]);
  EXPECT_EQ(j.at("content_hash"), "aa01");
  EXPECT_EQ(j.at("fs_hz"), 360.0);

  auto bad = record_info("x", "ab");
  bad.fs_hz = 0.0;
  expect_invalid([&] { s.add_record(bad); }, "fs_hz must be a finite number > 0, got 0");
  bad.fs_hz = kNan;
  expect_invalid([&] { s.add_record(bad); }, "got nan");
  bad = record_info("x", "ab");
  bad.n_channels = 0;
  expect_invalid([&] { s.add_record(bad); }, "n_channels must be >= 1, got 0");
  bad = record_info("x", "not-hex!");
  expect_invalid([&] { s.add_record(bad); }, "hex digest, got 'not-hex!'");
  bad = record_info("x", "ab");
  bad.duration_s = -1.0;
  expect_invalid([&] { s.add_record(bad); }, "duration_s");
  bad = record_info("", "ab");
  expect_invalid([&] { s.add_record(bad); }, "name must be a non-empty string");
  bad = record_info("x", "ab");
  bad.tags = json::array({1, 2});
  expect_invalid([&] { s.add_record(bad); }, "tags must be a JSON object, got array");
  EXPECT_EQ(s.records().size(), 2U);  // nothing half-written
}

// ------------------------------------------------------------------------------ runs

TEST(Store, RunsTrackConfigMetricsAndLifecycle) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const json config = {{"epochs", 20}, {"lr", 1e-3}, {"layers", {64, 16, 64}}};
  const auto a = s.begin_run("train", config, {{"user", "ci"}});
  const auto b = s.begin_run("evaluate", json::object());
  const auto c = s.begin_run("train", json::object());

  auto ra = s.run(a);
  EXPECT_EQ(ra.status, "running");
  EXPECT_EQ(ra.kind, "train");
  EXPECT_EQ(ra.config, config);
  EXPECT_EQ(ra.tags, json({{"user", "ci"}}));
  EXPECT_EQ(ra.finished_at, "");
  EXPECT_TRUE(std::regex_match(ra.started_at, kIsoUtc));
  EXPECT_TRUE(std::regex_match(ra.uid, std::regex("[0-9a-f]{16}"))) << ra.uid;
  EXPECT_NE(ra.uid, s.run(b).uid);
  EXPECT_EQ(s.run_by_uid(ra.uid)->id, a);
  EXPECT_FALSE(s.run_by_uid("0000000000000000").has_value());

  // Metrics merge (RFC 7386): intermediate values stay unless overwritten; null deletes.
  s.merge_run_metrics(a, {{"epoch_loss", {0.5, 0.4}}, {"tmp", 1}});
  s.merge_run_metrics(a, {{"tmp", nullptr}, {"val", {{"auc", 0.9}}}});
  EXPECT_EQ(s.run(a).metrics, json({{"epoch_loss", {0.5, 0.4}}, {"val", {{"auc", 0.9}}}}));
  s.finish_run(a, "completed", {{"val", {{"ap", 0.8}}}}, {{"fit_s", 12.5}}, "fp01");
  ra = s.run(a);
  EXPECT_EQ(ra.status, "completed");
  EXPECT_EQ(ra.metrics, json({{"epoch_loss", {0.5, 0.4}}, {"val", {{"auc", 0.9}, {"ap", 0.8}}}}));
  EXPECT_EQ(ra.timings, json({{"fit_s", 12.5}}));
  EXPECT_EQ(ra.data_fingerprint, "fp01");
  EXPECT_TRUE(std::regex_match(ra.finished_at, kIsoUtc));
  // Metrics can still be added after the end (a later evaluation).
  s.merge_run_metrics(a, {{"test_auc", 0.95}});
  EXPECT_EQ(s.run(a).metrics.at("test_auc"), 0.95);

  expect_invalid([&] { s.finish_run(a, "failed", json::object(), json::object()); },
                 "run " + std::to_string(a) + " is already completed");
  expect_invalid([&] { s.finish_run(b, "done", json::object(), json::object()); },
                 "completed, failed, cancelled; got 'done'");
  expect_invalid([&] { s.finish_run(b, "running", json::object(), json::object()); },
                 "got 'running'");
  expect_invalid([&] { s.finish_run(999, "failed", json::object(), json::object()); },
                 "no run with id 999");
  expect_invalid([&] { s.run(999); }, "no run with id 999");
  expect_invalid([&] { s.merge_run_metrics(999, json::object()); }, "no run with id 999");
  expect_invalid([&] { s.merge_run_metrics(b, json::array()); }, "must be a JSON object");
  expect_invalid([&] { s.begin_run("", json::object()); }, "kind must be a non-empty string");
  expect_invalid([&] { s.begin_run("train", json(3)); },
                 "config must be a JSON object, got number");
  s.finish_run(b, "cancelled", json::object(), json::object());
  EXPECT_EQ(s.run(b).data_fingerprint, "");  // "" leaves it unset

  // Newest first, optionally by kind.
  std::vector<std::int64_t> ids;
  for (const auto& r : s.runs()) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{c, b, a}));
  ids.clear();
  for (const auto& r : s.runs("train")) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{c, a}));
  EXPECT_TRUE(s.runs("stream").empty());
  const json j = st::to_json(ra);
  EXPECT_EQ(j.at("config"), config);
  EXPECT_EQ(j.at("status"), "completed");
}

TEST(Store, RunRecordsLinkRolesInOrder) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const auto run = s.begin_run("train", json::object());
  const auto r1 = s.add_record(record_info("100", "01"));
  const auto r2 = s.add_record(record_info("101", "02"));
  s.link_run_record(run, r2, "train");
  s.link_run_record(run, r1, "calibration");
  s.link_run_record(run, r1, "rejected", "quality grade unusable");
  s.link_run_record(run, r1, "rejected", "flat line");  // same link: reason replaced
  const auto links = s.run_records(run);
  ASSERT_EQ(links.size(), 3U);
  EXPECT_EQ(links[0].record.id, r2);
  EXPECT_EQ(links[0].role, "train");
  EXPECT_EQ(links[1].role, "calibration");
  EXPECT_EQ(links[2].role, "rejected");
  EXPECT_EQ(links[2].reason, "flat line");
  EXPECT_EQ(links[2].record.name, "100");
  expect_invalid([&] { s.link_run_record(run, r1, "testing"); },
                 "train, calibration, evaluation, rejected, stream; got 'testing'");
  expect_invalid([&] { s.link_run_record(run, 77, "train"); }, "no record with id 77");
  expect_invalid([&] { s.link_run_record(78, r1, "train"); }, "no run with id 78");
  expect_invalid([&] { s.run_records(78); }, "no run with id 78");
}

// ------------------------------------------------------------------------------ models

TEST(Store, RegistryVersionsPromotionAndArchive) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const auto run = s.begin_run("train", json::object());
  auto info = model_info("ae");
  info.version = 42;  // ignored: the store assigns versions
  info.run_id = run;
  info.metrics = {{"auc", 0.91}};
  const auto m1 = s.register_model(info);
  info.parent_id = m1;
  const auto m2 = s.register_model(info);
  const auto other = s.register_model(model_info("cnn"));
  EXPECT_EQ(s.model(m1).version, 1);
  EXPECT_EQ(s.model(m2).version, 2);
  EXPECT_EQ(s.model(other).version, 1);
  EXPECT_EQ(s.model(m2).parent_id, std::optional<std::int64_t>(m1));
  EXPECT_EQ(s.model(m1).parent_id, std::nullopt);
  EXPECT_EQ(s.model(m1).stage, st::Stage::candidate);
  EXPECT_EQ(s.model(m1).metrics, json({{"auc", 0.91}}));
  EXPECT_FALSE(s.production_model("ae").has_value());

  s.promote(m1);
  EXPECT_EQ(s.production_model("ae")->id, m1);
  s.promote(m2);  // one transaction: m2 production, m1 archived
  EXPECT_EQ(s.production_model("ae")->id, m2);
  EXPECT_EQ(s.model(m1).stage, st::Stage::archived);
  s.promote(m2);  // idempotent
  EXPECT_EQ(s.model(m2).stage, st::Stage::production);
  s.promote(other);  // another name is independent
  EXPECT_EQ(s.production_model("ae")->id, m2);
  EXPECT_EQ(s.production_model("cnn")->id, other);
  // Rollback to an older version = promote it; set_stage(production) is the same.
  s.set_stage(m1, st::Stage::production);
  EXPECT_EQ(s.production_model("ae")->id, m1);
  EXPECT_EQ(s.model(m2).stage, st::Stage::archived);
  s.set_stage(m1, st::Stage::archived);
  EXPECT_FALSE(s.production_model("ae").has_value());
  // Registering straight into production archives the previous one.
  s.promote(m2);
  auto direct = model_info("ae");
  direct.stage = st::Stage::production;
  const auto m3 = s.register_model(direct);
  EXPECT_EQ(s.production_model("ae")->id, m3);
  EXPECT_EQ(s.model(m2).stage, st::Stage::archived);

  std::vector<std::pair<std::string, int>> order;
  for (const auto& m : s.models()) order.emplace_back(m.name, m.version);
  EXPECT_EQ(order, (std::vector<std::pair<std::string, int>>{
                       {"ae", 1}, {"ae", 2}, {"ae", 3}, {"cnn", 1}}));
  EXPECT_EQ(s.models("cnn").size(), 1U);
  EXPECT_TRUE(s.models("none").empty());

  expect_invalid([&] { s.promote(99); }, "no model with id 99");
  expect_invalid([&] { s.set_stage(99, st::Stage::archived); }, "no model with id 99");
  expect_invalid([&] { s.model(99); }, "no model with id 99");
  auto bad = model_info("ae");
  bad.parent_id = 99;
  expect_invalid([&] { s.register_model(bad); }, "parent_id: no model with id 99");
  bad = model_info("ae");
  bad.run_id = 98;
  expect_invalid([&] { s.register_model(bad); }, "run_id: no run with id 98");
  expect_invalid([&] { s.register_model(model_info("")); }, "name must be a non-empty");
  expect_invalid([&] { s.register_model(model_info("ae", "")); }, "bundle_hash");
  EXPECT_EQ(s.models("ae").size(), 3U);  // the failures registered nothing
  const json j = st::to_json(s.model(m3));
  EXPECT_EQ(j.at("stage"), "production");
  EXPECT_TRUE(j.at("parent_id").is_null());
}

// ------------------------------------------------------------------------------ events

TEST(Store, EventsRoundTripWithNanAsNull) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const auto run = s.begin_run("stream", json::object());
  const auto model = s.register_model(model_info("ae"));
  st::EventRow full = event(run, "bed-1", 10.5, 2, 3.25);
  full.model_id = model;
  full.p_value = 0.001;
  full.quality_grade = 1;
  full.quality_score = 0.8;
  full.heart_rate_bpm = 72.5;
  st::EventRow sparse = event(run, "bed-1", 11.0);  // p, quality score, HR unknown
  s.add_events({full, sparse});
  const auto got = s.events();
  ASSERT_EQ(got.size(), 2U);
  expect_same_event(got[0], full);
  expect_same_event(got[1], sparse);
  EXPECT_GT(got[0].id, 0);
  {
    RawDb raw(dir / "s.db");  // NaN is stored as SQL NULL, not as a number
    EXPECT_EQ(raw.one("SELECT count(*) FROM events WHERE p_value IS NULL AND model_id IS NULL "
                      "AND heart_rate_bpm IS NULL AND quality_score IS NULL"),
              "1");
  }
  const json j = st::to_json(got[1]);
  EXPECT_TRUE(j.at("p_value").is_null());
  EXPECT_TRUE(j.at("heart_rate_bpm").is_null());
  EXPECT_EQ(j.at("time_s"), 11.0);
  EXPECT_EQ(st::to_json(got[0]).at("p_value"), 0.001);
  s.add_events({});  // nothing to do
  EXPECT_EQ(s.count_events(), 2);
}

TEST(Store, EventQueriesEqualABruteForceFilterOnSeededData) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const std::vector<std::int64_t> runs = {s.begin_run("stream", json::object()),
                                          s.begin_run("stream", json::object())};
  const std::vector<std::int64_t> models = {0, s.register_model(model_info("ae")),
                                            s.register_model(model_info("ae"))};
  const std::vector<std::string> streams = {"a", "b", "c10", "c2"};
  std::mt19937_64 rng(20261127);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::vector<st::EventRow> all;
  for (int i = 0; i < 3000; ++i) {
    st::EventRow e =
        event(runs[pick(2)], streams[pick(4)], static_cast<double>(rng() % 100000) / 100.0,
              static_cast<int>(pick(3)), static_cast<double>(rng() % 1000) / 7.0);
    e.model_id = models[pick(3)];
    e.p_value = pick(4) == 0 ? kNan : static_cast<double>(rng() % 1001) / 1000.0;
    all.push_back(e);
  }
  // Three transactions of different sizes; the order of insertion must not matter.
  s.add_events({all.begin(), all.begin() + 1000});
  s.add_events({all.begin() + 1000, all.begin() + 1001});
  s.add_events({all.begin() + 1001, all.end()});
  // Reference order: run, stream, time, then insertion order.
  std::vector<std::size_t> order(all.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = all[x];
    const auto& b = all[y];
    if (a.run_id != b.run_id) return a.run_id < b.run_id;
    if (a.stream_id != b.stream_id) return a.stream_id < b.stream_id;
    return a.time_s < b.time_s;
  });
  for (int trial = 0; trial < 60; ++trial) {
    st::EventQuery q;
    if (pick(2) == 0) q.run_id = runs[pick(2)];
    if (pick(3) == 0) q.model_id = models[pick(3)];
    if (pick(2) == 0) q.stream_id = streams[pick(4)];
    if (pick(3) == 0) q.decision = static_cast<int>(pick(3));
    if (pick(2) == 0) q.from_s = static_cast<double>(rng() % 1000);
    if (pick(2) == 0) q.to_s = q.from_s + static_cast<double>(rng() % 400);
    if (trial % 5 == 0) q.limit = static_cast<std::int64_t>(pick(50));
    std::vector<const st::EventRow*> expected;
    for (auto i : order) {
      const auto& e = all[i];
      if (q.run_id && e.run_id != *q.run_id) continue;
      if (q.model_id && e.model_id != *q.model_id) continue;
      if (q.stream_id && e.stream_id != *q.stream_id) continue;
      if (q.decision && e.decision != *q.decision) continue;
      if (!(e.time_s >= q.from_s && e.time_s < q.to_s)) continue;  // half-open [from, to)
      expected.push_back(&e);
    }
    if (q.limit >= 0 && expected.size() > static_cast<std::size_t>(q.limit)) {
      expected.resize(static_cast<std::size_t>(q.limit));
    }
    const auto got = s.events(q);
    ASSERT_EQ(got.size(), expected.size()) << "trial " << trial;
    for (std::size_t i = 0; i < got.size(); ++i) expect_same_event(got[i], *expected[i]);
    EXPECT_EQ(s.count_events(q), static_cast<std::int64_t>(expected.size()));
  }
  EXPECT_EQ(s.count_events(), 3000);
  st::EventQuery edge;
  edge.from_s = all[7].time_s;
  edge.to_s = all[7].time_s;  // empty interval
  EXPECT_EQ(s.count_events(edge), 0);
}

TEST(Store, BadEventsAreRejectedBeforeAnythingIsWritten) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const auto run = s.begin_run("stream", json::object());
  auto rows = batch(run, "a", 0, 10);
  auto with = [&](auto mutate) {
    auto copy = rows;
    mutate(copy[6]);
    return copy;
  };
  expect_invalid([&] { s.add_events(with([](auto& e) { e.time_s = kNan; })); },
                 "row 6: time_s must be a finite number, got nan");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.score = kInf; })); },
                 "row 6: score must be a finite number, got inf");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.p_value = 1.5; })); },
                 "p_value must be in [0, 1] or NaN, got 1.5");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.decision = 3; })); },
                 "decision must be 0 (normal), 1 (uncertain) or 2 (anomalous), got 3");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.quality_grade = -1; })); },
                 "quality_grade must be 0 (good), 1 (acceptable) or 2 (unusable), got -1");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.stream_id.clear(); })); },
                 "row 6: stream_id must be a non-empty string");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.heart_rate_bpm = -kInf; })); },
                 "heart_rate_bpm must be finite or NaN");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.sample_index = -4; })); },
                 "sample_index must be >= 0, got -4");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.run_id = 55; })); }, "no run with id 55");
  expect_invalid([&] { s.add_events(with([](auto& e) { e.model_id = 56; })); },
                 "no model with id 56");
  EXPECT_EQ(s.count_events(), 0);  // every failed batch left nothing behind
  s.add_events(rows);
  EXPECT_EQ(s.count_events(), 10);

  st::EventQuery q;
  q.from_s = kNan;
  expect_invalid([&] { s.events(q); }, "from_s and to_s must be numbers");
  q = {};
  q.from_s = 5.0;
  q.to_s = 1.0;
  expect_invalid([&] { s.count_events(q); }, "from_s must be <= to_s, got from_s=5, to_s=1");
  q = {};
  q.decision = 7;
  expect_invalid([&] { s.events(q); }, "got 7");
  q = {};
  q.limit = -2;
  expect_invalid([&] { s.events(q); }, "limit must be -1 (all) or >= 0, got -2");
}

// One add_events call of 100,000 rows is one transaction: all stored, queries see them. How fast
// is measured by benchmarks/bench_store.cpp, not asserted here (timed tests fail on a loaded
// machine and under sanitizers).
TEST(Store, OneHundredThousandEventsInOneCallAreAllStoredAndQueried) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const auto run = s.begin_run("stream", json::object());
  std::vector<st::EventRow> rows;
  rows.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    auto e = event(run, "stream-" + std::to_string(i % 4), i * 0.8, i % 3, i * 1e-3);
    e.p_value = (i % 1000) / 1000.0;
    e.heart_rate_bpm = 75.0;
    rows.push_back(std::move(e));
  }
  s.add_events(rows);
  st::EventQuery q;
  q.run_id = run;
  q.stream_id = "stream-2";
  const auto got = s.events(q);
  ASSERT_EQ(got.size(), 25000U);
  EXPECT_EQ(s.count_events(), 100000);
  for (std::size_t k = 0; k < got.size(); ++k) {  // stream-2 holds rows 2, 6, 10, ... in order
    const int i = 2 + 4 * static_cast<int>(k);
    ASSERT_EQ(got[k].time_s, i * 0.8) << k;
    ASSERT_EQ(got[k].p_value, (i % 1000) / 1000.0) << k;
  }
}

// ------------------------------------------------------------------------------ alerts, reviews

TEST(Store, AlertsReviewsAndDisagreementsRoundTrip) {
  ScratchDir dir;
  Store s(dir / "s.db");
  const auto r1 = s.begin_run("stream", json::object());
  const auto r2 = s.begin_run("shadow", json::object());
  st::AlertRow a;
  a.run_id = r1;
  a.stream_id = "bed-1";
  a.kind = "heart_rate";
  a.since_s = kNan;
  a.detected_s = 612.5;
  a.strength = -3.25;
  a.shape = "gradual";
  a.cause = "physiological";
  a.action = "none_yet";
  a.detail = {{"detector", "page_hinkley"}, {"beat_index", 730}};
  const auto a1 = s.add_alert(a);
  a.run_id = r2;
  a.since_s = 600.0;
  a.strength = kNan;
  const auto a2 = s.add_alert(a);
  const auto all = s.alerts();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].id, a1);
  EXPECT_TRUE(std::isnan(all[0].since_s));
  EXPECT_EQ(all[0].strength, -3.25);
  EXPECT_EQ(all[0].detail, a.detail);
  EXPECT_EQ(all[1].since_s, 600.0);
  EXPECT_TRUE(std::isnan(all[1].strength));
  EXPECT_EQ(s.alerts(r2).size(), 1U);
  EXPECT_EQ(s.alerts(r2)[0].id, a2);
  EXPECT_TRUE(s.alerts(999).empty());
  EXPECT_TRUE(st::to_json(all[0]).at("since_s").is_null());
  EXPECT_EQ(st::to_json(all[0]).at("kind"), "heart_rate");
  a.run_id = 999;
  expect_invalid([&] { s.add_alert(a); }, "add_alert: no run with id 999");
  a.run_id = r1;
  a.detected_s = kNan;
  expect_invalid([&] { s.add_alert(a); }, "detected_s must be a finite number, got nan");

  st::ReviewRow rv;
  rv.stream_id = "bed-2";
  rv.time_s = 30.0;
  rv.label = 1;
  rv.reviewer = "dr. b";
  rv.note = "PVC";
  s.add_review(rv);
  rv.time_s = 10.0;
  rv.label = 0;
  s.add_review(rv);
  rv.stream_id = "bed-1";
  s.add_review(rv);
  const auto reviews = s.reviews();
  ASSERT_EQ(reviews.size(), 3U);
  EXPECT_EQ(reviews[0].stream_id, "bed-1");  // by stream, then time
  EXPECT_EQ(reviews[1].time_s, 10.0);
  EXPECT_EQ(reviews[2].label, 1);
  EXPECT_EQ(reviews[2].note, "PVC");
  EXPECT_TRUE(std::regex_match(reviews[2].created_at, kIsoUtc));
  EXPECT_EQ(s.reviews("bed-2").size(), 2U);
  EXPECT_EQ(st::to_json(reviews[2]).at("reviewer"), "dr. b");
  rv.label = 2;
  expect_invalid([&] { s.add_review(rv); }, "label must be 0 (normal) or 1 (anomalous), got 2");
  rv.label = 1;
  rv.time_s = kInf;
  expect_invalid([&] { s.add_review(rv); }, "time_s must be a finite number, got inf");

  const auto prod = s.register_model(model_info("ae"));
  const auto cand = s.register_model(model_info("ae"));
  st::DisagreementRow d;
  d.run_id = r2;
  d.stream_id = "bed-1";
  d.time_s = 5.0;
  d.production_model_id = prod;
  d.candidate_model_id = cand;
  d.production_decision = 0;
  d.candidate_decision = 2;
  d.production_score = 0.25;
  d.candidate_score = 4.5;
  auto d0 = d;
  d0.time_s = 1.0;
  s.add_disagreements({d, d0});
  const auto ds = s.disagreements(r2);
  ASSERT_EQ(ds.size(), 2U);
  EXPECT_EQ(ds[0].time_s, 1.0);
  EXPECT_EQ(ds[1].candidate_decision, 2);
  EXPECT_EQ(ds[1].candidate_score, 4.5);
  EXPECT_EQ(ds[1].candidate_model_id, cand);
  EXPECT_TRUE(s.disagreements(r1).empty());
  EXPECT_EQ(st::to_json(ds[1]).at("production_score"), 0.25);
  d.candidate_model_id = 77;
  expect_invalid([&] { s.add_disagreements({d0, d}); }, "no model with id 77");
  d.candidate_model_id = cand;
  d.production_decision = 5;
  expect_invalid([&] { s.add_disagreements({d0, d}); }, "row 1: production_decision");
  EXPECT_EQ(s.disagreements(r2).size(), 2U);
}

// ------------------------------------------------------------------------------ transactions

TEST(Store, TransactionGroupsWritesIntoOneCommit) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  Store s(p);
  Store other(p);
  const auto run = s.begin_run("stream", json::object());
  {
    Store::Transaction t(s);
    s.add_events(batch(run, "a", 0, 5));
    s.add_review({0, "a", 1.0, 1, "", "", ""});
    s.merge_run_metrics(run, {{"beats", 5}});
    // Not visible to another connection before the commit (WAL snapshot isolation).
    EXPECT_EQ(other.count_events(), 0);
    EXPECT_TRUE(other.reviews().empty());
    EXPECT_EQ(s.count_events(), 5);  // but visible to the writer itself
    t.commit();
    EXPECT_THROW(t.commit(), ecgad::StateError);
  }
  EXPECT_EQ(other.count_events(), 5);
  EXPECT_EQ(other.reviews().size(), 1U);
  EXPECT_EQ(other.run(run).metrics.at("beats"), 5);

  {  // destroyed without commit: everything rolled back
    Store::Transaction t(s);
    s.add_events(batch(run, "a", 1, 5));
    s.add_record(record_info("r", "01"));
  }
  EXPECT_EQ(other.count_events(), 5);
  EXPECT_TRUE(other.records().empty());

  {  // a failing write inside a transaction undoes only itself (savepoint)
    Store::Transaction t(s);
    s.add_events(batch(run, "a", 1, 5));
    EXPECT_THROW(s.add_events({event(run, "a", 99.0), event(999, "a", 100.0)}),
                 ecgad::InvalidArgument);
    EXPECT_THROW(s.finish_run(run, "bogus", json::object(), json::object()),
                 ecgad::InvalidArgument);
    s.add_events(batch(run, "a", 2, 5));
    {  // nested transaction rolled back: only its writes go
      Store::Transaction inner(s);
      s.add_events(batch(run, "b", 0, 3));
    }
    {
      Store::Transaction inner(s);
      s.add_events(batch(run, "c", 0, 2));
      inner.commit();
    }
    t.commit();
  }
  EXPECT_EQ(other.count_events(), 17);
  st::EventQuery qb;
  qb.stream_id = "b";
  EXPECT_EQ(other.count_events(qb), 0);

  // An exception escaping the caller's block rolls the group back.
  try {
    Store::Transaction t(s);
    s.add_events(batch(run, "a", 3, 5));
    throw std::runtime_error("caller failed half-way");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(other.count_events(), 17);
  s.add_events(batch(run, "a", 4, 5));  // the store is usable afterwards
  EXPECT_EQ(other.count_events(), 22);
}

TEST(Store, WritersInOtherConnectionsWaitForTheLockInsteadOfFailing) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  Store s(p);
  const auto run = s.begin_run("stream", json::object());
  Store::Transaction t(s);
  s.add_events(batch(run, "a", 0, 5));
  std::atomic<bool> done{false};
  double waited_s = 0.0;
  std::thread writer([&] {
    Store mine(p);
    const auto t0 = std::chrono::steady_clock::now();
    mine.add_review({0, "a", 1.0, 0, "", "", ""});  // blocks on BEGIN IMMEDIATE
    waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(done.load());
  t.commit();
  writer.join();
  EXPECT_TRUE(done.load());
  EXPECT_GE(waited_s, 0.25);
  EXPECT_EQ(s.reviews().size(), 1U);
}

TEST(Store, ReadOnlyStoreReadsButRefusesWrites) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  std::int64_t run = 0;
  {
    Store s(p);
    run = s.begin_run("train", json::object());
    s.add_events(batch(run, "a", 0, 4));
  }
  Store ro(p, Store::Mode::read_only);
  EXPECT_EQ(ro.count_events(), 4);
  EXPECT_EQ(ro.run(run).kind, "train");
  expect_error<ecgad::IoError>([&] { ro.add_events(batch(run, "a", 1, 4)); },
                               {"add_events", "read-only"});
  expect_error<ecgad::IoError>([&] { ro.begin_run("x", json::object()); }, {"read-only"});
  expect_error<ecgad::IoError>([&] { Store::Transaction t(ro); }, {"read-only"});
  // A read-only reader sees what a writer commits later.
  Store rw(p);
  rw.add_events(batch(run, "a", 1, 4));
  EXPECT_EQ(ro.count_events(), 8);
}

TEST(Store, MovedStoreKeepsTheConnectionAndTheOldOneRefuses) {
  ScratchDir dir;
  Store a(dir / "s.db");
  a.begin_run("demo", json::object());
  Store b(std::move(a));
  EXPECT_EQ(b.runs().size(), 1U);
  EXPECT_THROW(a.runs(), ecgad::StateError);  // NOLINT(bugprone-use-after-move): the point
  Store c(dir / "t.db");
  c = std::move(b);
  EXPECT_EQ(c.runs().size(), 1U);
  EXPECT_EQ(c.path(), dir / "s.db");
}

TEST(Store, CorruptPagesAreReportedAsFormatErrors) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  {
    Store s(p);
    const auto run = s.begin_run("stream", json::object());
    for (int i = 0; i < 20; ++i) s.add_events(batch(run, "a", i, 200));
  }  // last connection closed: the WAL is checkpointed into the main file
  auto bytes = ecgad::test::read_bytes(p);
  ASSERT_GT(bytes.size(), 16384U);
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 131U);
  ecgad::test::write_bytes(p, bytes);
  // The header page is intact, so the file opens; reading the garbled pages fails cleanly.
  try {
    Store s(p);
    s.events();
    ADD_FAILURE() << "reading garbled pages did not fail";
  } catch (const ecgad::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------------------------ concurrency

TEST(Store, ReadersInOtherThreadsAlwaysSeeWholeTransactions) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  constexpr int kBatch = 37;
  constexpr int kBatches = 150;
  std::int64_t run = 0;
  {
    Store s(p);
    run = s.begin_run("stream", json::object());
  }
  std::atomic<bool> writer_done{false};
  std::atomic<int> bad_reads{0};
  std::vector<std::int64_t> reads(2, 0), distinct(2, 0);
  std::thread writer([&] {
    Store w(p);
    for (int b = 0; b < kBatches; ++b) {
      if (b % 2 == 0) {
        w.add_events(batch(run, "s", b, kBatch));
      } else {  // half the batches as a grouped transaction of two writes
        Store::Transaction t(w);
        auto rows = batch(run, "s", b, kBatch);
        w.add_events({rows.begin(), rows.begin() + 10});
        w.add_events({rows.begin() + 10, rows.end()});
        t.commit();
      }
    }
    writer_done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      Store mine(p, r == 0 ? Store::Mode::read_only : Store::Mode::read_write);
      std::int64_t last = -1;
      while (!writer_done.load()) {
        const auto n = mine.count_events();
        if (n % kBatch != 0 || n < last) ++bad_reads;
        if (n != last) ++distinct[static_cast<std::size_t>(r)];
        last = n;
        ++reads[static_cast<std::size_t>(r)];
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad_reads.load(), 0);
  for (int r = 0; r < 2; ++r) {
    EXPECT_GT(reads[static_cast<std::size_t>(r)], 10) << "reader " << r << " barely ran";
    EXPECT_GT(distinct[static_cast<std::size_t>(r)], 2) << "reader " << r << " saw no progress";
  }
  Store s(p, Store::Mode::read_only);
  EXPECT_EQ(s.count_events(), kBatch * kBatches);
  // Every batch whole: kBatch rows per distinct score (the batch index).
  std::map<double, int> per_batch;
  for (const auto& e : s.events()) ++per_batch[e.score];
  EXPECT_EQ(per_batch.size(), static_cast<std::size_t>(kBatches));
  for (const auto& [b, n] : per_batch) EXPECT_EQ(n, kBatch) << "batch " << b;
}

TEST(Store, ConcurrentFirstOpensCreateAndMigrateTheFileOnce) {
  for (int trial = 0; trial < 5; ++trial) {
    ScratchDir dir;
    const auto p = dir / "fresh.db";
    std::atomic<int> failures{0};
    std::vector<std::thread> openers;
    for (int i = 0; i < 4; ++i) {
      openers.emplace_back([&] {
        try {
          Store s(p);
          s.begin_run("demo", json::object());
        } catch (const std::exception& e) {
          std::printf("open failed: %s\n", e.what());
          ++failures;
        }
      });
    }
    for (auto& t : openers) t.join();
    EXPECT_EQ(failures.load(), 0);
    Store s(p, Store::Mode::read_only);
    EXPECT_EQ(s.runs().size(), 4U);
    EXPECT_EQ(s.schema_version(), Store::kSchemaVersion);
  }
}

// ------------------------------------------------------------------------------ killed writer

namespace {

// The child: appends batches (events + an alert, one transaction each) until killed, writing
// the number of committed batches to `fd` after each COMMIT returns, and -(n + 1) when the
// transaction of batch n has begun (so the parent knows where the kill landed).
[[noreturn]] void writer_child(const std::filesystem::path& p, std::int64_t run, int batch_rows,
                               int fd) {
  try {
    Store s(p);
    std::int64_t next = s.count_events() / batch_rows;
    for (;;) {
      Store::Transaction t(s);
      const std::int64_t began = -(next + 1);
      if (write(fd, &began, sizeof began) != static_cast<ssize_t>(sizeof began)) _exit(4);
      s.add_events(batch(run, "kill", next, batch_rows));
      st::AlertRow a;
      a.run_id = run;
      a.stream_id = "kill";
      a.kind = "score";
      a.detected_s = static_cast<double>(next);
      s.add_alert(a);
      t.commit();
      ++next;
      if (write(fd, &next, sizeof next) != static_cast<ssize_t>(sizeof next)) _exit(4);
    }
  } catch (...) {
    _exit(3);
  }
}

}  // namespace

TEST(Store, KilledWriterLosesNothingCommittedAndLeavesNoPartialBatch) {
  ScratchDir dir;
  const auto p = dir / "s.db";
  constexpr int kRows = 400;
  std::int64_t run = 0;
  {
    Store s(p);
    run = s.begin_run("stream", json::object());
  }
  std::mt19937 rng(7);
  std::int64_t acknowledged = 0;
  int killed_inside_transaction = 0;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      writer_child(p, run, kRows, fds[1]);
    }
    close(fds[1]);
    const std::int64_t start = acknowledged;
    std::int64_t got = 0;
    while (acknowledged < start + 20) {
      const auto n = read(fds[0], &got, sizeof got);
      ASSERT_EQ(n, static_cast<ssize_t>(sizeof got)) << "writer died early";
      if (got > 0) acknowledged = got;
    }
    // Kill at a random moment of the following transactions (most of a batch's time is spent
    // inside the transaction: 400 inserts + an fsync).
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited by itself, status " << status;
    // Acknowledgements written before the kill are still in the pipe.
    while (read(fds[0], &got, sizeof got) == static_cast<ssize_t>(sizeof got)) {
      if (got > 0) acknowledged = got;
    }
    close(fds[0]);
    if (got < 0) ++killed_inside_transaction;  // the last message was "batch began"

    {
      RawDb raw(p);
      EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
      EXPECT_EQ(raw.one("PRAGMA foreign_key_check"), "");
    }
    Store s(p);
    const auto n = s.count_events();
    EXPECT_EQ(n % kRows, 0) << "a partial batch is in the store";
    const auto batches = n / kRows;
    // Everything acknowledged is there; at most one batch committed but not yet acknowledged.
    EXPECT_GE(batches, acknowledged) << "round " << round;
    EXPECT_LE(batches, acknowledged + 1) << "round " << round;
    EXPECT_EQ(static_cast<std::int64_t>(s.alerts(run).size()), batches);
    std::map<double, int> per_batch;
    for (const auto& e : s.events()) ++per_batch[e.score];
    ASSERT_EQ(static_cast<std::int64_t>(per_batch.size()), batches);
    std::int64_t expected_batch = 0;
    for (const auto& [b, rows] : per_batch) {
      EXPECT_EQ(b, static_cast<double>(expected_batch++));  // contiguous 0..batches-1
      EXPECT_EQ(rows, kRows);
    }
    acknowledged = batches;  // the next child continues from what is there
  }
  // Nearly all of the writer's time is inside a transaction, so most kills land there; the
  // test would prove little if none did.
  std::printf("[ measured ] %d of %d kills landed inside a transaction\n",
              killed_inside_transaction, kRounds);
  EXPECT_GE(killed_inside_transaction, 1);
}
