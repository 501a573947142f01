// Validation of signal quality on real data: the MIT-BIH Noise Stress Test Database's noise
// records (bw: baseline wander, ma: muscle artefact, em: electrode motion when present) added
// with nst's SNR definition to every clean MIT-BIH record of a folder, lead 0, at 24 ... -6 dB.
// Prints, per noise and SNR, the mean score, the share of 10-s windows per grade and the median
// of each index, as a Markdown table (docs/quality.md quotes it).
//
// Run: build/benchmarks/eval_quality [data_dir]   (default ../shared/data; needs mitdb/, nstdb/)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ecgad/io/annotations.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/signal/noise.hpp"
#include "ecgad/signal/quality.hpp"

namespace fs = std::filesystem;
namespace io = ecgad::io;
namespace sig = ecgad::signal;

namespace {

struct Row {
  std::vector<double> score, ksqi, psqi, bassqi, hf;
  std::size_t good = 0, acceptable = 0, unusable = 0;

  void add(const std::vector<sig::WindowQuality>& q) {
    for (const auto& w : q) {
      score.push_back(w.score);
      ksqi.push_back(w.ksqi);
      psqi.push_back(w.psqi);
      bassqi.push_back(w.bassqi);
      hf.push_back(w.hf_noise_share);
      good += w.grade == sig::QualityGrade::good;
      acceptable += w.grade == sig::QualityGrade::acceptable;
      unusable += w.grade == sig::QualityGrade::unusable;
    }
  }
};

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

double mean(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

void print_row(const char* label, const Row& r) {
  const double n = static_cast<double>(r.score.size());
  std::printf("| %s | %.3f | %.1f | %.1f | %.1f | %.2f | %.3f | %.3f | %.4f |\n", label,
              mean(r.score), 100.0 * static_cast<double>(r.good) / n,
              100.0 * static_cast<double>(r.acceptable) / n,
              100.0 * static_cast<double>(r.unusable) / n, median(r.ksqi), median(r.psqi),
              median(r.bassqi), median(r.hf));
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path data = argc > 1 ? fs::path(argv[1]) : fs::path("../shared/data");
  if (!fs::is_directory(data / "mitdb") || !fs::is_directory(data / "nstdb")) {
    std::fprintf(stderr, "eval_quality: %s must hold mitdb/ and nstdb/\n", data.c_str());
    return 2;
  }
  std::vector<std::string> records;
  for (const auto& entry : fs::directory_iterator(data / "mitdb")) {
    if (entry.path().extension() == ".hea") records.push_back(entry.path().stem().string());
  }
  std::sort(records.begin(), records.end());
  const double snrs[] = {24.0, 18.0, 12.0, 6.0, 0.0, -6.0};
  const auto t0 = std::chrono::steady_clock::now();

  struct Clean {
    Eigen::VectorXd x;
    std::vector<Eigen::Index> beats;
    double fs_hz;
  };
  std::vector<Clean> clean;
  Row clean_row;
  double quality_ms = 0.0;
  for (const auto& name : records) {
    const io::WfdbRecord rec = io::read_wfdb(data / "mitdb" / name);
    Clean c{rec.lead(0), {}, rec.fs_hz};
    for (const auto& a : io::read_annotations(data / "mitdb" / name, "atr")) {
      if (sig::nst_reference_beat(a.symbol)) c.beats.push_back(a.sample);
    }
    const auto tq = std::chrono::steady_clock::now();
    clean_row.add(sig::signal_quality(c.x, c.fs_hz));
    quality_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tq).count();
    clean.push_back(std::move(c));
  }
  std::printf("%zu records from %s, lead 0, 10-s windows; quality of one 30-min record: "
              "%.2f ms\n\n", records.size(), (data / "mitdb").c_str(),
              quality_ms / static_cast<double>(records.size()));
  std::printf("| noise, SNR | mean score | good %% | acceptable %% | unusable %% | kSQI | pSQI | "
              "basSQI | HF share |\n|---|---|---|---|---|---|---|---|---|\n");
  print_row("clean", clean_row);
  for (const char* noise_name : {"bw", "ma", "em"}) {
    if (!fs::exists(data / "nstdb" / (std::string(noise_name) + ".hea"))) continue;
    const io::WfdbRecord noise_rec = io::read_wfdb(data / "nstdb" / noise_name);
    const Eigen::VectorXd noise = noise_rec.lead(0);
    for (const double snr : snrs) {
      Row row;
      for (const auto& c : clean) {
        const sig::NoiseMix m = sig::add_noise_at_snr(c.x, noise, c.fs_hz, c.beats, snr);
        row.add(sig::signal_quality(m.noisy, c.fs_hz));
      }
      const std::string label = std::string(noise_name) + ", " + std::to_string(int(snr)) + " dB";
      print_row(label.c_str(), row);
    }
  }
  std::printf("\n(total %.1f s)\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}
