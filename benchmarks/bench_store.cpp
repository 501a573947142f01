// The SQLite store's event path (ours only; no reference store to run beside it): one
// add_events() call of 100,000 scored beats (one transaction, WAL, synchronous=FULL, so one
// fsync per call) into a fresh file, and the query a reviewer runs for one stream of those
// events. The scratch files go to $TMPDIR (the disk decides the fsync part).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ecgad/store/store.hpp"

namespace st = ecgad::store;

namespace {

constexpr int kEvents = 100000;
constexpr int kStreams = 4;

std::filesystem::path scratch() {
  auto dir = std::filesystem::temp_directory_path() / "ecgad_bench_store";
  std::filesystem::create_directories(dir);
  return dir;
}

void remove_store(const std::filesystem::path& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db.string() + suffix);
  }
}

// A 75-bpm stream's events, round-robin over kStreams streams, as a host would batch them.
std::vector<st::EventRow> events(std::int64_t run_id) {
  std::vector<st::EventRow> rows(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    st::EventRow& e = rows[static_cast<std::size_t>(i)];
    e.run_id = run_id;
    e.stream_id = "stream-" + std::to_string(i % kStreams);
    e.time_s = i * 0.8;
    e.sample_index = static_cast<std::int64_t>(i) * 288;
    e.score = 1e-3 * (i % 997);
    e.p_value = (i % 1000) / 1000.0;
    e.decision = i % 3;
    e.heart_rate_bpm = 75.0;
  }
  return rows;
}

void BM_AddEvents100k(benchmark::State& state) {
  const auto db = scratch() / "add.db";
  std::optional<st::Store> store;  // opened and closed (WAL checkpoint) outside the timing
  for (auto _ : state) {
    state.PauseTiming();
    store.reset();
    remove_store(db);
    store.emplace(db);
    const auto rows = events(store->begin_run("stream", nlohmann::json::object()));
    state.ResumeTiming();
    store->add_events(rows);
  }
  store.reset();
  remove_store(db);
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_AddEvents100k)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_QueryOneStreamOf100k(benchmark::State& state) {
  const auto db = scratch() / "query.db";
  remove_store(db);
  st::Store store(db);
  const auto run = store.begin_run("stream", nlohmann::json::object());
  store.add_events(events(run));
  st::EventQuery q;
  q.run_id = run;
  q.stream_id = "stream-2";
  std::size_t rows = 0;
  for (auto _ : state) {
    rows = store.events(q).size();
    benchmark::DoNotOptimize(rows);
  }
  if (rows != kEvents / kStreams) state.SkipWithError("query returned the wrong number of rows");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows));
  remove_store(db);
}
BENCHMARK(BM_QueryOneStreamOf100k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
