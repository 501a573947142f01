// Writes the seed corpora of the fuzz harnesses: valid inputs of every reader, made with the
// library's own writers, so each harness starts from inputs that load and mutates from there.
//
//   fuzz_make_seeds <out_dir> [<mitdb_dir>]
//
// writes <out_dir>/<target>/<name> for every target of fuzz/CMakeLists.txt. With a MIT-BIH
// folder (../shared/data/mitdb) the WFDB, annotation and stream seeds start from real records;
// without one they use synthetic signals. Each seed starts with the control byte(s) its
// harness reads (see the harness's comment).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/calibrate/conformal.hpp"
#include "ecgad/io/annotations.hpp"
#include "ecgad/io/npy.hpp"
#include "ecgad/io/ucr.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/model/config.hpp"
#include "ecgad/pipeline/preprocessing.hpp"
#include "ecgad/pipeline/sources.hpp"
#include "ecgad/signal/synth.hpp"
#include "fuzz_package.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write seed " + (dir / name).string());
}

std::string byte(int b) { return std::string(1, static_cast<char>(b)); }

// A small JSON -> TOML writer for config seeds (scalars and arrays inline, objects as tables;
// null has no TOML form and is left out, which keeps the default).
void write_toml(std::ostream& out, const nlohmann::json& table, const std::string& prefix) {
  for (const auto& [key, value] : table.items()) {
    if (!value.is_object() && !value.is_null()) out << key << " = " << value.dump() << "\n";
  }
  for (const auto& [key, value] : table.items()) {
    if (value.is_object()) {
      const std::string name = prefix.empty() ? key : prefix + "." + key;
      out << "\n[" << name << "]\n";
      write_toml(out, value, name);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s <out_dir> [<mitdb_dir>]\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path mitdb = argc == 3 ? fs::path(argv[2]) : fs::path();
  const fs::path work = out / ".work";
  fs::create_directories(work);
  using namespace ecgad;

  // ------------------------------------------------------------------ a short two-lead record
  xt::xtensor<std::int32_t, 2> adc;
  io::WfdbHeader header;
  const bool have_mitdb = !mitdb.empty() && fs::exists(mitdb / "101.hea");
  if (have_mitdb) {
    for (const char* record : {"101", "208"}) {
      put(out / "wfdb_header", std::string(record) + ".hea", byte(1) + slurp(mitdb / (std::string(record) + ".hea")));
      put(out / "annotations", std::string(record) + ".atr", slurp(mitdb / (std::string(record) + ".atr")));
    }
    const io::WfdbRecord rec = io::read_wfdb(mitdb / "101");
    header = rec.header;
    const std::size_t n = 720;  // 2 s: small inputs mutate fast
    adc = xt::xtensor<std::int32_t, 2>::from_shape({rec.n_leads(), n});
    for (std::size_t l = 0; l < rec.n_leads(); ++l) {
      for (std::size_t t = 0; t < n; ++t) adc(l, t) = rec.adc(l, t);
    }
    // The first 200 annotations, as a small annotation seed.
    auto ann = io::read_annotations(mitdb / "101.atr");
    ann.resize(std::min<std::size_t>(ann.size(), 200));
    io::write_annotations(work / "short.atr", ann);
    put(out / "annotations", "101-short.atr", slurp(work / "short.atr"));
  } else {
    signal::RecordingConfig rc;
    rc.ecg.duration_s = 2.0;
    const auto rec = signal::synthesize(rc);
    adc = xt::xtensor<std::int32_t, 2>::from_shape({1, static_cast<std::size_t>(rec.ecg_mv.size())});
    for (Eigen::Index t = 0; t < rec.ecg_mv.size(); ++t) {
      adc(0, static_cast<std::size_t>(t)) = static_cast<std::int32_t>(std::lround(rec.ecg_mv[t] * 200));
    }
    header.fs_hz = 360.0;
    header.signals.resize(1);
    header.signals[0].description = "synthetic";
  }
  header.n_samples = static_cast<std::int64_t>(adc.shape()[1]);
  for (const int format : {212, 16, 24, 32, 61, 80, 160, 310, 311}) {
    io::WfdbHeader h = header;
    h.record_name = "r";
    for (auto& s : h.signals) s.initial_value = 0;  // recomputed by the writer
    // Narrow formats (8-bit 80, 10-bit 310/311) get the samples around 0, scaled to fit.
    const int bits = format == 80 ? 8 : (format == 310 || format == 311) ? 10 : 0;
    xt::xtensor<std::int32_t, 2> samples = adc;
    if (bits != 0) {
      const std::int32_t top = (1 << (bits - 1)) - 1;
      const std::int32_t zero = have_mitdb ? 1024 : 0;
      for (auto& v : samples) v = std::clamp((v - zero) / (1 << (12 - bits)), -top - 1, top);
      for (auto& s : h.signals) s.adc_zero = s.baseline = 0;
    }
    io::write_wfdb(work / "r", h, samples, format);
    const std::string hea = slurp(work / "r.hea");
    std::string dat;
    for (const auto& s : io::read_wfdb_header(work / "r").signals) {
      dat = slurp(work / s.file_name);
      break;
    }
    const std::string name = "format" + std::to_string(format);
    put(out / "wfdb_header", name + ".hea", byte(1) + hea);
    put(out / "wfdb_signal", name, byte(3) + hea + std::string(1, '\0') + dat);
  }
  {
    std::vector<io::Annotation> ann(3);
    ann[0] = {10, "N", 0, 0, 0, 0, ""};
    ann[1] = {400, "+", 0, 0, 0, 0, "(VT"};
    ann[2] = {800, "V", 0, 0, 1, 2, ""};
    for (auto& a : ann) a.code = io::annotation_code(a.symbol);
    io::write_annotations(work / "tiny.atr", ann);
    put(out / "annotations", "tiny.atr", slurp(work / "tiny.atr"));
  }

  // ------------------------------------------------------------------ UCR, CSV, NPY
  {
    io::FloatMatrix values(3, 5);
    values << 0.5F, -1.25F, 3.0F, 1e-3F, 2.0F, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5;
    io::write_ucr(work / "u.csv", {1, 2, 1}, values, ',');
    put(out / "ucr", "comma.csv", slurp(work / "u.csv"));
    io::write_ucr(work / "u.tsv", {0, -1, 7}, values, '\t');
    put(out / "ucr", "tab.tsv", slurp(work / "u.tsv"));
  }
  {
    // mode byte: delimiter (bits 0-1), header (bits 2-3: automatic/present/absent), label
    // (bits 4-5: none/index/"label"/one char); then the label byte.
    put(out / "csv", "header-label", byte(0x24) + byte(0) +
                                         "time,label,ecg\n0.0,N,0.1\n0.1,V,-0.2\n0.2,N,1e-3\n");
    put(out / "csv", "plain", byte(0x08) + byte(0) + "1,2,3\n4,5,6\n-7.5,8e2,NaN\n");
    put(out / "csv", "semicolon-index", byte(0x11) + byte(2) + "a;b;c\n1;2;x\n3;4;y\n");
  }
  {
    const Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(16, -1.0, 1.0);
    io::write_npy(work / "v.npy", v);
    put(out / "npy", "f64-1d.npy", slurp(work / "v.npy"));
    const Eigen::MatrixXf m = Eigen::MatrixXf::Random(3, 4);
    io::write_npy(work / "m.npy", m);
    put(out / "npy", "f32-2d.npy", slurp(work / "m.npy"));
    const double scalar = 2.5;
    io::write_npy(work / "s.npy", &scalar, std::vector<std::size_t>{});
    put(out / "npy", "f64-0d.npy", slurp(work / "s.npy"));
  }

  // ------------------------------------------------------------------ bundles
  {
    const std::string bytes = artifact::bundle_to_bytes(fuzz::make_dense_bundle());
    put(out / "bundle", "dense", byte(0) + bytes);
    put(out / "bundle", "dense-fixsum", byte(1) + bytes);
    // A tiny model (4 inputs): loads as a bundle, refused by from_bundle (width mismatch);
    // small, so mutations of its metadata are cheap.
    artifact::Bundle tiny = fuzz::make_dense_bundle();
    tiny.architecture["channels"] = 1;
    tiny.architecture["length"] = 4;
    tiny.architecture["n_extra"] = 0;
    tiny.architecture["hidden"] = {2};
    tiny.tensors.clear();
    for (const auto& [name, shape] : artifact::expected_tensor_shapes(tiny.architecture)) {
      runtime::Tensor t;
      t.shape = shape;
      std::int64_t n = 1;
      for (const std::int64_t d : shape) n *= d;
      t.values.assign(static_cast<std::size_t>(n), 0.25F);
      tiny.tensors.emplace(name, std::move(t));
    }
    put(out / "bundle", "tiny-fixsum", byte(1) + artifact::bundle_to_bytes(tiny));
  }

  // ------------------------------------------------------------------ configs
  {
    // The defaults' document (TrainingConfig::to_json's keys) from the LibTorch-free parts.
    const pipeline::Preprocessing preprocessing;
    model::ArchitectureConfig architecture = model::ArchitectureConfig::dense(140, 1, 2);
    architecture.hidden = {64, 32, 16};
    const calibrate::UncertainBand band;
    const nlohmann::json config = {
        {"name", "ecg-dense"},
        {"source", pipeline::SourceConfig{}.to_json()},
        {"validation", pipeline::DataSchema{}.to_json()},
        {"preprocessing", preprocessing.to_json()},
        {"split", {{"train", 0.6}, {"calibration", 0.2}, {"evaluation", 0.2}, {"seed", 1},
                   {"train_records", nlohmann::json::array()},
                   {"calibration_records", nlohmann::json::array()},
                   {"evaluation_records", {"101", "106"}}}},
        {"architecture", architecture.to_json()},
        {"training", model::TrainConfig{}.to_json()},
        {"calibration", band.to_json()},
        {"gate", {{"min_roc_auc", 0.9}, {"min_average_precision", 0.0}, {"min_sensitivity", 0.0},
                  {"max_false_positive_rate", 0.05}, {"max_regression", 0.005}}},
        {"max_train_beats", 20000},
        {"report_examples", 6},
        {"model_dir", "models"},
        {"promote", "first"}};
    put(out / "config", "defaults.json", byte(0) + config.dump(2));
    std::ostringstream toml;
    write_toml(toml, config, "");
    put(out / "config", "defaults.toml", byte(1) + toml.str());
    put(out / "config", "small.toml",
        byte(1) + "name = \"m\"\n[source]\nkind = \"wfdb\"\npath = \"data\"\nrecords = [\"101\"]\n"
                  "[training]\nepochs = 3\n[architecture]\nhidden = [16, 4]\n");
    put(out / "config", "small.json",
        byte(0) + R"({"name": "m", "split": {"seed": 3}, "preprocessing": {"fs_hz": 250}})");
  }

  // ------------------------------------------------------------------ stream
  {
    // byte 0 = mode, bytes 1..4 = chunk-size seed, then the payload (see fuzz_stream.cpp).
    const std::string seed4 = std::string("\x00\x00\x01\x2a", 4);
    put(out / "stream", "synthetic", byte(2) + seed4);
    std::string pokes;  // a NaN, an infinity and a huge value poked into the synthetic ECG
    for (const double v : {std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(), 1e300}) {
      const std::uint16_t at = static_cast<std::uint16_t>(pokes.size() * 97 + 1000);
      pokes.append(reinterpret_cast<const char*>(&at), 2);
      pokes.append(reinterpret_cast<const char*>(&v), 8);
    }
    put(out / "stream", "synthetic-poked", byte(2) + seed4 + pokes);
    std::string counts;  // int16 ADC counts of the two-lead record's first lead
    for (std::size_t t = 0; t < adc.shape()[1]; ++t) {
      const auto v = static_cast<std::int16_t>(adc(0, t) - 1024 * have_mitdb);
      counts.append(reinterpret_cast<const char*>(&v), 2);
    }
    put(out / "stream", "adc", byte(1) + seed4 + counts);
    std::string doubles;
    for (int i = 0; i < 64; ++i) {
      const double v = std::sin(i * 0.3) * (i == 40 ? 1e308 : 1.0);
      doubles.append(reinterpret_cast<const char*>(&v), 8);
    }
    put(out / "stream", "doubles", byte(0) + seed4 + doubles);
  }
  fs::remove_all(work);
  std::printf("seed corpora written to %s\n", out.c_str());
  return 0;
}
