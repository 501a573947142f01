// Reading and writing the data formats of ecgad::io on a real 30-minute MIT-BIH record
// (mitdb/101: 2 leads × 650,000 samples, format 212) and on a beat matrix. The data folder is
// $ECGAD_DATA_DIR, else the repository's ../shared/data; the WFDB cases are skipped with a
// message when it is absent.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "ecgad/io/annotations.hpp"
#include "ecgad/io/npy.hpp"
#include "ecgad/io/ucr.hpp"
#include "ecgad/io/wfdb.hpp"

namespace io = ecgad::io;

namespace {

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("ECGAD_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return ECGAD_SHARED_DATA_DIR;
}

std::filesystem::path scratch() {
  auto dir = std::filesystem::temp_directory_path() / "ecgad_bench_io";
  std::filesystem::create_directories(dir);
  return dir;
}

bool have_record(benchmark::State& state) {
  if (std::filesystem::exists(data_dir() / "mitdb" / "101.hea")) return true;
  state.SkipWithError(("no MIT-BIH data in " + data_dir().string()).c_str());
  return false;
}

void BM_ReadWfdb(benchmark::State& state) {
  if (!have_record(state)) return;
  io::WfdbReadOptions options;
  options.physical = state.range(0) != 0;
  for (auto _ : state) {
    auto rec = io::read_wfdb(data_dir() / "mitdb" / "101", options);
    benchmark::DoNotOptimize(rec.adc.data());
  }
  state.SetItemsProcessed(state.iterations() * 2 * 650000);
}
BENCHMARK(BM_ReadWfdb)->Arg(0)->Arg(1)->ArgName("physical")->Unit(benchmark::kMillisecond);

void BM_WriteWfdb212(benchmark::State& state) {
  if (!have_record(state)) return;
  const auto rec = io::read_wfdb(data_dir() / "mitdb" / "101");
  const auto out = scratch() / "copy";
  for (auto _ : state) io::write_wfdb(out, rec, 212);
  state.SetItemsProcessed(state.iterations() * 2 * 650000);
}
BENCHMARK(BM_WriteWfdb212)->Unit(benchmark::kMillisecond);

void BM_ReadAnnotations(benchmark::State& state) {
  if (!have_record(state)) return;
  for (auto _ : state) {
    auto list = io::read_annotations(data_dir() / "mitdb" / "101", "atr");
    benchmark::DoNotOptimize(list.data());
  }
}
BENCHMARK(BM_ReadAnnotations)->Unit(benchmark::kMicrosecond);

// 10,000 beats of 140 samples (ECG5000-sized rows), float32.
io::FloatMatrix beats() {
  io::FloatMatrix m(10000, 140);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(i % 977) / 97.0f;
  return m;
}

void BM_NpyRoundTrip(benchmark::State& state) {
  const auto m = beats();
  const auto file = scratch() / "beats.npy";
  for (auto _ : state) {
    io::write_npy(file, m);
    auto back = io::read_npy<float>(file);
    benchmark::DoNotOptimize(back.data());
  }
  state.SetBytesProcessed(state.iterations() * 2 * m.size() * 4);
}
BENCHMARK(BM_NpyRoundTrip)->Unit(benchmark::kMillisecond);

void BM_UcrRoundTrip(benchmark::State& state) {
  const io::FloatMatrix m = beats().topRows(1000);
  const std::vector<std::int64_t> labels(1000, 1);
  const auto file = scratch() / "beats.tsv";
  for (auto _ : state) {
    io::write_ucr(file, labels, m, '\t');
    auto back = io::read_ucr(file);
    benchmark::DoNotOptimize(back.values.data());
  }
  state.SetItemsProcessed(state.iterations() * m.size());
}
BENCHMARK(BM_UcrRoundTrip)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
