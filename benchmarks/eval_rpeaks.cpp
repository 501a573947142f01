// R-peak detectors on real records, scored as ANSI/AAMI EC57 / WFDB bxb does (150 ms match
// window, from minute 5, VF episodes left out): every detector, offline (find_rpeaks) and
// streaming (RpeakDetector fed in chunks), per record and gross, with the time per record.
// docs/rpeaks.md quotes its output.
//
// Run: build/benchmarks/eval_rpeaks [--data DIR] [--method ecgad|pan_tompkins|all] [--lead N]
//        [--chunk-s S] [--resample-hz F] [--repeat N] [--records 101,203] [--errors]
//      DIR defaults to $ECGAD_DATA_DIR/mitdb, else ../shared/data/mitdb (the MIT-BIH records);
//      F resamples each record with resample_poly (and its annotations) to check the detectors
//      at another sampling rate; --errors lists the FN and FP sample indices of each record.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ecgad/error.hpp"
#include "ecgad/io/annotations.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/metrics/ec57.hpp"
#include "ecgad/signal/resample.hpp"
#include "ecgad/signal/rpeaks.hpp"

namespace fs = std::filesystem;
namespace io = ecgad::io;
namespace metrics = ecgad::metrics;
namespace sig = ecgad::signal;
using Index = Eigen::Index;

namespace {

#ifdef ECGAD_SHARED_DATA_DIR
constexpr const char* kDefaultData = ECGAD_SHARED_DATA_DIR "/mitdb";
#else
constexpr const char* kDefaultData = "../shared/data/mitdb";
#endif

struct Options {
  fs::path data = kDefaultData;
  std::vector<sig::RpeakMethod> methods = {sig::RpeakMethod::ecgad, sig::RpeakMethod::pan_tompkins};
  std::size_t lead = 0;
  double chunk_s = 1.0;
  double resample_hz = 0.0;
  int repeat = 3;
  std::vector<std::string> records;
  bool errors = false;
};

Options parse(int argc, char** argv) {
  Options o;
  // The tests' convention: $ECGAD_DATA_DIR names the folder holding mitdb/.
  if (const char* env = std::getenv("ECGAD_DATA_DIR"); env != nullptr && *env != '\0') {
    o.data = fs::path(env) / "mitdb";
  }
  CLI::App app{"EC57 beat-by-beat evaluation of the R-peak detectors over a WFDB folder"};
  std::string method = "all";
  std::string records;
  app.add_option("--data", o.data, "Folder of WFDB records (.hea/.dat/.atr)");
  app.add_option("--method", method, "ecgad, pan_tompkins or all")
      ->check(CLI::IsMember({"ecgad", "pan_tompkins", "all"}));
  app.add_option("--lead", o.lead, "Lead index");
  app.add_option("--chunk-s", o.chunk_s, "Chunk length of the streaming run, s")
      ->check(CLI::PositiveNumber);
  app.add_option("--resample-hz", o.resample_hz, "Resample the records first (0: no)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--repeat", o.repeat, "Timing repeats (best of)")->check(CLI::PositiveNumber);
  app.add_option("--records", records, "Comma-separated record names (default: all)");
  app.add_flag("--errors", o.errors, "List every false negative and false positive");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  if (method != "all") o.methods = {sig::parse_rpeak_method(method)};
  std::stringstream list(records);
  for (std::string r; std::getline(list, r, ',');) {
    if (!r.empty()) o.records.push_back(r);
  }
  return o;
}

struct Record {
  std::string name;
  Eigen::VectorXd x;
  double fs_hz = 0.0;
  std::vector<Index> beats;
  metrics::SampleIntervals vf;
};

Record load(const fs::path& dir, const std::string& name, const Options& o) {
  Record r;
  r.name = name;
  const io::WfdbRecord rec = io::read_wfdb(dir / name);
  if (o.lead >= rec.n_leads()) {
    throw ecgad::InvalidArgument("record " + name + " has " + std::to_string(rec.n_leads()) +
                                 " leads; --lead " + std::to_string(o.lead) + " does not exist");
  }
  r.x = rec.lead(o.lead);
  r.fs_hz = rec.fs_hz;
  const std::vector<io::Annotation> ann = io::read_annotations(dir / name, "atr");
  for (const auto& a : ann) {
    if (a.is_beat()) r.beats.push_back(a.sample);
  }
  r.vf = io::vf_episodes(ann);
  if (o.resample_hz > 0.0 && o.resample_hz != r.fs_hz) {
    const auto [up, down] = sig::rational_ratio(r.fs_hz, o.resample_hz);
    r.x = sig::resample_poly(r.x, up, down);
    const double k = static_cast<double>(up) / static_cast<double>(down);
    auto scale = [k](std::int64_t s) {
      return static_cast<std::int64_t>(std::llround(static_cast<double>(s) * k));
    };
    for (auto& b : r.beats) b = scale(b);
    for (auto& [first, last] : r.vf) {
      first = scale(first);
      if (last != std::numeric_limits<std::int64_t>::max()) last = scale(last);
    }
    r.fs_hz = r.fs_hz * k;
  }
  return r;
}

std::vector<Index> streaming(const Record& r, sig::RpeakMethod method, double chunk_s) {
  sig::RpeakDetector detector(r.fs_hz, method);
  const Index chunk = std::max<Index>(1, static_cast<Index>(std::lround(chunk_s * r.fs_hz)));
  std::vector<Index> peaks;
  for (Index i = 0; i < r.x.size(); i += chunk) {
    const auto& found = detector.process(r.x.segment(i, std::min(chunk, r.x.size() - i)));
    peaks.insert(peaks.end(), found.begin(), found.end());
  }
  const auto& tail = detector.finish();
  peaks.insert(peaks.end(), tail.begin(), tail.end());
  return peaks;
}

void print_errors(const metrics::Ec57Record& s) {
  auto list = [](const char* what, const std::vector<Index>& v) {
    std::printf("    %s:", what);
    for (Index x : v) std::printf(" %ld", static_cast<long>(x));
    std::printf("\n");
  };
  list("FN", s.false_negatives);
  list("FP", s.false_positives);
}

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", 100.0 * v);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (!fs::is_directory(o.data)) {
    std::fprintf(stderr,
                 "eval_rpeaks: data folder %s does not exist; pass --data DIR (a folder of WFDB "
                 "records with .hea/.dat/.atr, e.g. MIT-BIH from physionet.org)\n",
                 o.data.c_str());
    return 2;
  }
  std::vector<std::string> names = o.records;
  if (names.empty()) {
    for (const auto& entry : fs::directory_iterator(o.data)) {
      const fs::path p = entry.path();
      if (p.extension() == ".hea" && fs::exists(fs::path(p).replace_extension(".atr"))) {
        names.push_back(p.stem().string());
      }
    }
    std::sort(names.begin(), names.end());
  }
  if (names.empty()) {
    std::fprintf(stderr, "eval_rpeaks: no record with .hea and .atr in %s\n", o.data.c_str());
    return 2;
  }

  try {
    std::vector<Record> records;
    for (const auto& n : names) records.push_back(load(o.data, n, o));
    std::printf("# eval_rpeaks: %zu records from %s, lead %zu, %.0f Hz%s\n", records.size(),
                o.data.c_str(), o.lead, records.front().fs_hz,
                o.resample_hz > 0.0 ? " (resampled)" : "");
    std::printf("# EC57/bxb scoring: 150 ms window, from 5 min, VF episodes excluded; streaming "
                "in %.3g s chunks; time = best of %d offline runs\n\n",
                o.chunk_s, o.repeat);

    for (sig::RpeakMethod method : o.methods) {
      std::vector<metrics::Ec57Record> offline, online;
      std::vector<double> times_ms;
      bool identical = true;
      std::printf("## %s\n\n", sig::to_string(method));
      std::printf("| record | beats | TP | FN | FP | Se %% | +P %% | stream FN | stream FP | "
                  "ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
      for (const Record& r : records) {
        std::vector<Index> peaks;
        double best_ms = 1e300;
        for (int k = 0; k < o.repeat; ++k) {
          const auto t0 = std::chrono::steady_clock::now();
          peaks = sig::find_rpeaks(r.x, r.fs_hz, method);
          const auto t1 = std::chrono::steady_clock::now();
          best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        const std::vector<Index> streamed = streaming(r, method, o.chunk_s);
        identical = identical && streamed == peaks;
        offline.push_back(metrics::score_detections(r.beats, peaks, r.fs_hz, r.vf));
        online.push_back(metrics::score_detections(r.beats, streamed, r.fs_hz, r.vf));
        times_ms.push_back(best_ms);
        const auto& s = offline.back();
        std::printf("| %s | %ld | %ld | %ld | %ld | %s | %s | %ld | %ld | %.2f |\n",
                    r.name.c_str(), static_cast<long>(s.tp + s.fn), static_cast<long>(s.tp),
                    static_cast<long>(s.fn), static_cast<long>(s.fp),
                    pct(s.sensitivity()).c_str(), pct(s.positive_predictivity()).c_str(),
                    static_cast<long>(online.back().fn), static_cast<long>(online.back().fp),
                    best_ms);
        if (o.errors) print_errors(s);
      }
      const metrics::Ec57Counts g = metrics::gross(offline), gs = metrics::gross(online);
      double total_ms = 0.0;
      for (double t : times_ms) total_ms += t;
      std::printf("| **gross** | %ld | %ld | %ld | %ld | **%s** | **%s** | %ld | %ld | %.2f |\n\n",
                  static_cast<long>(g.tp + g.fn), static_cast<long>(g.tp), static_cast<long>(g.fn),
                  static_cast<long>(g.fp), pct(g.sensitivity()).c_str(),
                  pct(g.positive_predictivity()).c_str(), static_cast<long>(gs.fn),
                  static_cast<long>(gs.fp), total_ms / static_cast<double>(records.size()));
      std::printf("%s gross: offline Se %s%% +P %s%%, streaming Se %s%% +P %s%% (%s), "
                  "%.2f ms per record on average\n\n",
                  sig::to_string(method), pct(g.sensitivity()).c_str(),
                  pct(g.positive_predictivity()).c_str(), pct(gs.sensitivity()).c_str(),
                  pct(gs.positive_predictivity()).c_str(),
                  identical ? "peaks identical to offline" : "peaks differ from offline",
                  total_ms / static_cast<double>(records.size()));
    }
  } catch (const ecgad::Error& e) {
    std::fprintf(stderr, "eval_rpeaks: %s\n", e.what());
    return 1;
  }
  return 0;
}
