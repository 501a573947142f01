// The bad-input matrix (issue 8): every public entry fed empty, one-sample, NaN, ±Inf, constant,
// clipped and huge-amplitude signals, wrong sampling rates and beat lengths, mismatched bundles,
// truncated and bit-flipped files, unknown enum strings, zero/negative parameters and hostile
// paths. Each case either raises the documented ecgad error with a message naming the problem,
// or is handled as documented (no peaks, an "unusable" quality grade, an "uncertain" decision)
// with finite outputs — never a crash, a hang, a silent NaN or a foreign exception type.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/artifact/runtime_loader.hpp"
#include "ecgad/calibrate/conformal.hpp"
#include "ecgad/calibrate/pot.hpp"
#include "ecgad/calibrate/threshold.hpp"
#include "ecgad/drift/adwin.hpp"
#include "ecgad/drift/cusum.hpp"
#include "ecgad/drift/ddm.hpp"
#include "ecgad/drift/ks.hpp"
#include "ecgad/drift/kswin.hpp"
#include "ecgad/drift/monitor.hpp"
#include "ecgad/drift/page_hinkley.hpp"
#include "ecgad/error.hpp"
#include "ecgad/io/annotations.hpp"
#include "ecgad/io/csv.hpp"
#include "ecgad/io/npy.hpp"
#include "ecgad/io/ucr.hpp"
#include "ecgad/io/wfdb.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/training.hpp"
#include "ecgad/signal/baseline.hpp"
#include "ecgad/signal/beat_features.hpp"
#include "ecgad/signal/beats.hpp"
#include "ecgad/signal/filter.hpp"
#include "ecgad/signal/filtfilt.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/resample.hpp"
#include "ecgad/signal/rpeaks.hpp"
#include "ecgad/store/store.hpp"

namespace fs = std::filesystem;
using namespace ecgad;
namespace sig = ecgad::signal;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kFs = 360.0;

// ------------------------------------------------------------------ the matrix runner

enum class Expect { invalid_argument, format_error, io_error, state_error };

const char* expect_name(Expect e) {
  switch (e) {
    case Expect::invalid_argument: return "InvalidArgument";
    case Expect::format_error: return "FormatError";
    case Expect::io_error: return "IoError";
    case Expect::state_error: return "StateError";
  }
  return "?";
}

bool has_type(const Error& e, Expect want) {
  switch (want) {
    case Expect::invalid_argument: return dynamic_cast<const InvalidArgument*>(&e) != nullptr;
    case Expect::format_error: return dynamic_cast<const FormatError*>(&e) != nullptr;
    case Expect::io_error: return dynamic_cast<const IoError*>(&e) != nullptr;
    case Expect::state_error: return dynamic_cast<const StateError*>(&e) != nullptr;
  }
  return false;
}

/// One row of the matrix: `run` must raise `type` with `needle` in its message.
struct ErrorCase {
  std::string name;
  Expect type;
  std::string needle;
  std::function<void()> run;
};

void run_error_cases(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      c.run();
      ADD_FAILURE() << c.name << ": no exception; expected " << expect_name(c.type)
                    << " mentioning '" << c.needle << "'";
    } catch (const Error& e) {
      EXPECT_TRUE(has_type(e, c.type))
          << c.name << ": got " << typeid(e).name() << " (" << e.what() << "), expected "
          << expect_name(c.type);
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos)
          << c.name << ": message '" << e.what() << "' does not mention '" << c.needle << "'";
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": foreign exception " << typeid(e).name() << ": " << e.what();
    }
  }
}

/// For inputs with no single right error (a bit flip may still leave a valid file): either an
/// ecgad::Error (never another exception type) or a result that `check` accepts.
template <typename F>
void expect_error_or_valid(const std::string& name, F&& run) {
  SCOPED_TRACE(name);
  try {
    run();
  } catch (const Error&) {
    // documented: a FormatError / InvalidArgument naming the file
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": foreign exception " << typeid(e).name() << ": " << e.what();
  }
}

// ------------------------------------------------------------------ inputs

Eigen::VectorXd ecg(double duration_s = 60.0, int index = 0) {
  pipeline::SyntheticCohort c;
  c.subjects = 3;
  c.duration_s = duration_s;
  c.seed = 11;
  return pipeline::synthetic_subject(c, index).signal_mv;
}

Eigen::VectorXd with_value(Eigen::VectorXd x, Eigen::Index at, double v) {
  x[at] = v;
  return x;
}

/// The ECG saturated at ±rail_mv, as an ADC at its rails (a lead-off or overdriven amplifier).
Eigen::VectorXd clipped(const Eigen::VectorXd& x, double rail_mv) {
  return x.cwiseMax(-rail_mv).cwiseMin(rail_mv);
}

bool all_finite(const Eigen::Ref<const Eigen::VectorXd>& x) { return x.allFinite(); }

// ctest runs each TEST in its own process, two at a time: every process gets its own folder.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("ecgad_test_bad_input_" + name + "_" +
                                         std::to_string(::getpid()) + "_" +
                                         std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(static_cast<bool>(out)) << p;
}

std::string flip_bit(std::string bytes, std::size_t at, int bit) {
  bytes[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ (1u << bit));
  return bytes;
}

// ------------------------------------------------------------------ a trained bundle

pipeline::TrainingConfig tiny_config(const fs::path& dir) {
  pipeline::TrainingConfig c = pipeline::TrainingConfig::defaults();
  c.name = "bad-input";
  c.source.synthetic.subjects = 6;
  c.source.synthetic.duration_s = 120.0;
  c.source.synthetic.pvc_rate = 0.08;
  c.source.synthetic.seed = 5;
  c.training.epochs = 3;
  c.validation.min_duration_s = 60.0;
  c.gate.min_roc_auc = 0.0;
  c.gate.max_false_positive_rate = 1.0;
  c.model_dir = (dir / "models").string();
  return c;
}

// One small model per test process (about a second of training), shared by the tests that
// need a bundle.
struct Trained {
  TempDir dir{"trained"};
  pipeline::TrainingResult result;
  std::string bytes;  // the bundle file
  std::shared_ptr<const pipeline::ModelPackage> package;
  Trained() {
    result = pipeline::run_training(tiny_config(dir.path()), nullptr);
    bytes = read_file(result.bundle_path);
    package = pipeline::ModelPackage::load(result.bundle_path);
  }
};

Trained& trained() {
  static Trained t;
  return t;
}

struct StreamRun {
  std::vector<pipeline::BeatEvent> events;
  std::size_t processed = 0;
};

StreamRun stream(const Eigen::VectorXd& x, Eigen::Index chunk = 0) {
  pipeline::StreamOptions o;
  o.monitor = false;
  pipeline::StreamPipeline p(trained().package, o);
  StreamRun run;
  p.set_event_callback([&](const pipeline::BeatEvent& e) { run.events.push_back(e); });
  if (chunk <= 0) chunk = std::max<Eigen::Index>(1, x.size());
  for (Eigen::Index at = 0; at < x.size(); at += chunk) {
    run.processed += p.process(x.segment(at, std::min(chunk, x.size() - at)));
  }
  run.processed += p.finish();
  return run;
}

void expect_finite_events(const std::vector<pipeline::BeatEvent>& events) {
  for (const auto& e : events) {
    EXPECT_TRUE(std::isfinite(e.score)) << "beat " << e.beat_index;
    EXPECT_TRUE(std::isfinite(e.p_value)) << "beat " << e.beat_index;
    EXPECT_GE(e.p_value, 0.0);
    EXPECT_LE(e.p_value, 1.0);
    EXPECT_TRUE(std::isfinite(e.time_s));
    if (e.quality_known) {
      EXPECT_TRUE(std::isfinite(e.quality_score));
    }
  }
}

}  // namespace

// ================================================================== filters

TEST(BadInputFilters, ErrorsNameTheProblem) {
  const sig::Sos sos = sig::butter(2, {0.5, 40.0}, sig::BandType::bandpass, kFs);
  const Eigen::VectorXd x = ecg(10.0);
  const Eigen::VectorXd empty;
  const Eigen::VectorXd one = Eigen::VectorXd::Constant(1, 0.3);
  run_error_cases({
      // design
      {"butter order 0", Expect::invalid_argument, "order",
       [] { sig::butter(0, 1.0, sig::BandType::lowpass, kFs); }},
      {"butter order -3", Expect::invalid_argument, "order",
       [] { sig::butter(-3, 1.0, sig::BandType::lowpass, kFs); }},
      {"butter fs 0", Expect::invalid_argument, "fs_hz",
       [] { sig::butter(2, 1.0, sig::BandType::lowpass, 0.0); }},
      {"butter fs -360", Expect::invalid_argument, "fs_hz",
       [] { sig::butter(2, 1.0, sig::BandType::lowpass, -360.0); }},
      {"butter fs NaN", Expect::invalid_argument, "fs_hz",
       [] { sig::butter(2, 1.0, sig::BandType::lowpass, kNan); }},
      {"butter fs Inf", Expect::invalid_argument, "fs_hz",
       [] { sig::butter(2, 1.0, sig::BandType::lowpass, kInf); }},
      {"butter cutoff above Nyquist", Expect::invalid_argument, "cutoff_hz",
       [] { sig::butter(2, 200.0, sig::BandType::lowpass, kFs); }},
      {"butter cutoff 0", Expect::invalid_argument, "cutoff_hz",
       [] { sig::butter(2, 0.0, sig::BandType::highpass, kFs); }},
      {"butter cutoff negative", Expect::invalid_argument, "cutoff_hz",
       [] { sig::butter(2, -1.0, sig::BandType::highpass, kFs); }},
      {"butter cutoff NaN", Expect::invalid_argument, "cutoff_hz",
       [] { sig::butter(2, kNan, sig::BandType::highpass, kFs); }},
      {"butter band edges reversed", Expect::invalid_argument, "low < high",
       [] { sig::butter(2, {40.0, 0.5}, sig::BandType::bandpass, kFs); }},
      {"butter band needs two edges", Expect::invalid_argument, "2 cutoff",
       [] { sig::butter(2, {40.0}, sig::BandType::bandpass, kFs); }},
      {"unknown band type", Expect::invalid_argument, "bandpas",
       [] { sig::parse_band_type("bandpas"); }},
      // sosfilt / SosFilter
      {"sosfilt NaN", Expect::invalid_argument, "element 5 is nan",
       [&] { sig::sosfilt(sos, with_value(x, 5, kNan)); }},
      {"sosfilt +Inf", Expect::invalid_argument, "is inf",
       [&] { sig::sosfilt(sos, with_value(x, 7, kInf)); }},
      {"sosfilt -Inf", Expect::invalid_argument, "is -inf",
       [&] { sig::sosfilt(sos, with_value(x, 7, -kInf)); }},
      {"sosfilt empty sections", Expect::invalid_argument, "sos",
       [&] { sig::sosfilt(sig::Sos(0, 6), x); }},
      {"sosfilt NaN coefficient", Expect::invalid_argument, "sos",
       [&] {
         sig::Sos bad = sos;
         bad(0, 1) = kNan;
         sig::sosfilt(bad, x);
       }},
      {"SosFilter before setup", Expect::state_error, "before setup",
       [&] {
         sig::SosFilter f;
         Eigen::VectorXd y(x.size());
         f.process(x, y);
       }},
      {"SosFilter settle NaN", Expect::invalid_argument, "settle",
       [&] { sig::SosFilter(sos).settle(kNan); }},
      // sosfiltfilt / filtfilt
      {"sosfiltfilt empty", Expect::invalid_argument, "empty",
       [&] { sig::sosfiltfilt(sos, empty); }},
      {"sosfiltfilt one sample", Expect::invalid_argument, "longer than padlen",
       [&] { sig::sosfiltfilt(sos, one); }},
      {"sosfiltfilt NaN", Expect::invalid_argument, "must be finite",
       [&] { sig::sosfiltfilt(sos, with_value(x, 100, kNan)); }},
      {"sosfiltfilt Inf", Expect::invalid_argument, "must be finite",
       [&] { sig::sosfiltfilt(sos, with_value(x, 100, kInf)); }},
      {"sosfiltfilt negative padlen", Expect::invalid_argument, "padlen",
       [&] { sig::sosfiltfilt(sos, x, Eigen::Index{-1}); }},
      {"filtfilt empty", Expect::invalid_argument, "empty",
       [&] {
         const auto tf = sig::iirnotch(50.0, 30.0, kFs);
         sig::filtfilt(tf.b, tf.a, empty);
       }},
      {"filtfilt a[0] = 0", Expect::invalid_argument, "a[0]",
       [&] { sig::filtfilt(Eigen::Vector2d(1.0, 1.0), Eigen::Vector2d(0.0, 1.0), x); }},
      {"iirnotch q 0", Expect::invalid_argument, "q",
       [] { sig::iirnotch(50.0, 0.0, kFs); }},
      {"iirnotch above Nyquist", Expect::invalid_argument, "w0_hz",
       [] { sig::iirnotch(200.0, 30.0, kFs); }},
      // resample_poly
      {"resample empty", Expect::invalid_argument, "empty",
       [&] { sig::resample_poly(empty, 2, 3); }},
      {"resample up 0", Expect::invalid_argument, "up", [&] { sig::resample_poly(x, 0, 3); }},
      {"resample down -1", Expect::invalid_argument, "down",
       [&] { sig::resample_poly(x, 2, -1); }},
      {"resample NaN", Expect::invalid_argument, "must be finite",
       [&] { sig::resample_poly(with_value(x, 3, kNan), 2, 3); }},
      // Regression: 1e9 asked for a 160 GB filter (std::bad_alloc), 1e7 ran for minutes.
      {"resample up 1e9 (no allocation)", Expect::invalid_argument, "two stages",
       [&] { sig::resample_poly(x, 1000000000, 999999999); }},
      {"resample down 1e7", Expect::invalid_argument, "two stages",
       [&] { sig::resample_poly(x, 9999999, 10000000); }},
      {"resample kaiser beta NaN", Expect::invalid_argument, "kaiser_beta",
       [&] { sig::resample_poly(x, 2, 3, kNan); }},
      {"rational_ratio fractional Hz", Expect::invalid_argument, "whole number",
       [] { sig::rational_ratio(360.5, 250.0); }},
      {"rational_ratio 0 Hz", Expect::invalid_argument, "fs_out_hz",
       [] { sig::rational_ratio(360.0, 0.0); }},
      // medfilt / baseline
      {"medfilt empty", Expect::invalid_argument, "empty", [&] { sig::medfilt(empty, 3); }},
      {"medfilt even kernel", Expect::invalid_argument, "odd", [&] { sig::medfilt(x, 4); }},
      {"medfilt kernel 0", Expect::invalid_argument, "kernel_size",
       [&] { sig::medfilt(x, 0); }},
      {"medfilt NaN", Expect::invalid_argument, "must be finite",
       [&] { sig::medfilt(with_value(x, 0, kNan), 5); }},
      {"median_baseline fs 0", Expect::invalid_argument, "fs_hz",
       [&] { sig::median_baseline(x, 0.0); }},
      {"median_baseline window -0.2 s", Expect::invalid_argument, "first_window_s",
       [&] { sig::median_baseline(x, kFs, -0.2); }},
  });
}

TEST(BadInputFilters, ConstantClippedAndHugeSignalsStayFinite) {
  const sig::Sos sos = sig::butter(2, {0.5, 40.0}, sig::BandType::bandpass, kFs);
  const Eigen::VectorXd x = ecg(10.0);
  const std::vector<std::pair<std::string, Eigen::VectorXd>> inputs = {
      {"constant 1 mV", Eigen::VectorXd::Constant(x.size(), 1.0)},
      {"zeros", Eigen::VectorXd::Zero(x.size())},
      {"clipped at 0.3 mV", clipped(x, 0.3)},
      {"huge 1e6 mV", x * 1e6},
      {"huge constant 1e300", Eigen::VectorXd::Constant(x.size(), 1e300)},
  };
  for (const auto& [name, in] : inputs) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(all_finite(sig::sosfilt(sos, in)));
    EXPECT_TRUE(all_finite(sig::sosfiltfilt(sos, in)));
    EXPECT_TRUE(all_finite(sig::resample_poly(in, 25, 36)));
    EXPECT_TRUE(all_finite(sig::medfilt(in, 73)));
    EXPECT_TRUE(all_finite(sig::remove_median_baseline(in, kFs)));
  }
  // A one-sample signal is a valid input where no padding is needed.
  const Eigen::VectorXd one = Eigen::VectorXd::Constant(1, 0.3);
  EXPECT_EQ(sig::sosfilt(sos, one).size(), 1);
  EXPECT_EQ(sig::medfilt(one, 5).size(), 1);
  EXPECT_EQ(sig::resample_poly(one, 2, 1).size(), 2);
  // The band-pass removes a constant: the zero-phase output of a constant is ~0.
  EXPECT_LT(sig::sosfiltfilt(sos, Eigen::VectorXd::Constant(x.size(), 1.0)).cwiseAbs().maxCoeff(),
            1e-6);
}

// ================================================================== R peaks and beats

TEST(BadInputRpeaks, ErrorsNameTheProblem) {
  const Eigen::VectorXd x = ecg(20.0);
  const Eigen::VectorXd empty;
  run_error_cases({
      {"empty", Expect::invalid_argument, "empty", [&] { sig::find_rpeaks(empty, kFs); }},
      {"NaN", Expect::invalid_argument, "element 10 is nan",
       [&] { sig::find_rpeaks(with_value(x, 10, kNan), kFs); }},
      {"+Inf", Expect::invalid_argument, "inf",
       [&] { sig::find_rpeaks(with_value(x, 10, kInf), kFs); }},
      {"-Inf pan_tompkins", Expect::invalid_argument, "-inf",
       [&] { sig::find_rpeaks(with_value(x, 10, -kInf), kFs, sig::RpeakMethod::pan_tompkins); }},
      {"fs 50 Hz", Expect::invalid_argument, "fs_hz", [&] { sig::find_rpeaks(x, 50.0); }},
      {"fs 0", Expect::invalid_argument, "fs_hz", [&] { sig::find_rpeaks(x, 0.0); }},
      {"fs NaN", Expect::invalid_argument, "fs_hz", [&] { sig::find_rpeaks(x, kNan); }},
      {"fs 1e9", Expect::invalid_argument, "fs_hz", [&] { sig::find_rpeaks(x, 1e9); }},
      {"unknown method", Expect::invalid_argument, "'hamilton'",
       [] { sig::parse_rpeak_method("hamilton"); }},
      {"stream before setup", Expect::state_error, "before setup",
       [&] { sig::RpeakDetector().process(x); }},
      {"stream NaN chunk", Expect::invalid_argument, "nan",
       [&] {
         sig::RpeakDetector d(kFs);
         d.process(with_value(x, 1, kNan));
       }},
  });
}

TEST(BadInputRpeaks, DegenerateSignalsGiveNoPeaksOrValidPeaks) {
  const Eigen::VectorXd x = ecg(30.0);
  const Eigen::Index n = x.size();
  for (sig::RpeakMethod method : {sig::RpeakMethod::ecgad, sig::RpeakMethod::pan_tompkins}) {
    SCOPED_TRACE(sig::to_string(method));
    // Documented: no peak on flat input.
    EXPECT_TRUE(sig::find_rpeaks(Eigen::VectorXd::Constant(n, 0.7), kFs, method).empty());
    EXPECT_TRUE(sig::find_rpeaks(Eigen::VectorXd::Zero(n), kFs, method).empty());
    EXPECT_TRUE(sig::find_rpeaks(Eigen::VectorXd::Constant(1, 0.7), kFs, method).empty());
    // Clipped, huge and tiny signals: peaks are valid, increasing sample indices.
    for (const auto& [name, in] : std::vector<std::pair<std::string, Eigen::VectorXd>>{
             {"clipped", clipped(x, 0.2)}, {"1e6 mV", x * 1e6}, {"1e-9 mV", x * 1e-9}}) {
      SCOPED_TRACE(name);
      const auto peaks = sig::find_rpeaks(in, kFs, method);
      for (std::size_t i = 0; i < peaks.size(); ++i) {
        EXPECT_GE(peaks[i], 0);
        EXPECT_LT(peaks[i], n);
        if (i > 0) {
          EXPECT_GT(peaks[i], peaks[i - 1]);
        }
      }
    }
    // Amplitude does not matter to the detector: 1e6 x the signal finds the same beats.
    EXPECT_EQ(sig::find_rpeaks(x * 1e6, kFs, method), sig::find_rpeaks(x, kFs, method));
  }
  // Streaming: empty chunks and one-sample chunks are fine and give the offline peaks.
  sig::RpeakDetector d(kFs);
  std::vector<Eigen::Index> peaks;
  for (Eigen::Index i = 0; i < n; ++i) {
    d.process(Eigen::VectorXd());  // empty chunk: nothing happens
    const auto& p = d.process(x.segment(i, 1));
    peaks.insert(peaks.end(), p.begin(), p.end());
  }
  const auto& tail = d.finish();
  peaks.insert(peaks.end(), tail.begin(), tail.end());
  EXPECT_EQ(peaks, sig::find_rpeaks(x, kFs));
}

TEST(BadInputBeats, ErrorsNameTheProblem) {
  const Eigen::VectorXd x = ecg(20.0);
  const std::vector<Eigen::Index> peaks = sig::find_rpeaks(x, kFs);
  ASSERT_GT(peaks.size(), 5u);
  auto config = [](auto edit) {
    sig::BeatConfig c;
    edit(c);
    return c;
  };
  run_error_cases({
      {"NaN signal", Expect::invalid_argument, "nan",
       [&] { sig::segment_beats(with_value(x, 2, kNan), kFs, peaks); }},
      {"Inf signal", Expect::invalid_argument, "inf",
       [&] { sig::segment_beats(with_value(x, 2, kInf), kFs, peaks); }},
      {"fs 0", Expect::invalid_argument, "fs_hz", [&] { sig::segment_beats(x, 0.0, peaks); }},
      {"fs -360", Expect::invalid_argument, "fs_hz",
       [&] { sig::segment_beats(x, -360.0, peaks); }},
      {"beat length 1", Expect::invalid_argument, "beat length",
       [&] { sig::segment_beats(x, kFs, peaks, config([](auto& c) { c.length = 1; })); }},
      {"beat length -140", Expect::invalid_argument, "beat length",
       [&] { sig::segment_beats(x, kFs, peaks, config([](auto& c) { c.length = -140; })); }},
      {"beat length 1e12 (no allocation)", Expect::invalid_argument, "beat length",
       [&] {
         sig::segment_beats(x, kFs, peaks,
                            config([](auto& c) { c.length = Eigen::Index{1000000000000}; }));
       }},
      {"before_s negative", Expect::invalid_argument, "before_s",
       [&] { sig::segment_beats(x, kFs, peaks, config([](auto& c) { c.before_s = -0.1; })); }},
      {"after_s NaN", Expect::invalid_argument, "after_s",
       [&] { sig::segment_beats(x, kFs, peaks, config([](auto& c) { c.after_s = kNan; })); }},
      {"zero window", Expect::invalid_argument, "before_s + after_s",
       [&] {
         sig::segment_beats(x, kFs, peaks, config([](auto& c) {
                              c.before_s = 0.0;
                              c.after_s = 0.0;
                            }));
       }},
      {"hr_window 0", Expect::invalid_argument, "hr_window_beats",
       [&] {
         sig::segment_beats(x, kFs, peaks, config([](auto& c) { c.hr_window_beats = 0; }));
       }},
      {"peak beyond the signal", Expect::invalid_argument, "inside the signal",
       [&] { sig::segment_beats(x, kFs, std::vector<Eigen::Index>{10, x.size()}); }},
      {"negative peak", Expect::invalid_argument, ">= 0",
       [&] { sig::segment_beats(x, kFs, std::vector<Eigen::Index>{-5, 100}); }},
      {"unsorted peaks", Expect::invalid_argument, "strictly increasing",
       [&] { sig::segment_beats(x, kFs, std::vector<Eigen::Index>{500, 400}); }},
      {"streaming before setup", Expect::state_error, "before setup",
       [&] { sig::BeatSegmenter().process(x, std::vector<Eigen::Index>{}); }},
      {"streaming peak ahead of samples", Expect::invalid_argument, "beyond the samples",
       [&] {
         sig::BeatSegmenter s(kFs);
         s.process(x.head(100), std::vector<Eigen::Index>{150});
       }},
      {"streaming after flush", Expect::state_error, "after flush",
       [&] {
         sig::BeatSegmenter s(kFs);
         s.flush();
         s.process(x.head(10), std::vector<Eigen::Index>{});
       }},
  });
}

TEST(BadInputBeats, EmptyOneSampleAndDegenerateInputsGiveNoBeats) {
  const Eigen::VectorXd x = ecg(20.0);
  // No peaks: no beats, nothing dropped.
  const sig::Beats none = sig::segment_beats(x, kFs, std::vector<Eigen::Index>{});
  EXPECT_EQ(none.size(), 0);
  // One-sample and empty signals without peaks are valid (nothing to cut).
  EXPECT_EQ(sig::segment_beats(Eigen::VectorXd(), kFs, std::vector<Eigen::Index>{}).size(), 0);
  const sig::Beats one = sig::segment_beats(Eigen::VectorXd::Constant(1, 0.1), kFs,
                                            std::vector<Eigen::Index>{0});
  EXPECT_EQ(one.size(), 0);
  EXPECT_EQ(one.dropped_at_start + one.dropped_at_end, 1);
  // Peaks at the very ends are dropped and counted, not read out of bounds.
  const sig::Beats edges =
      sig::segment_beats(x, kFs, std::vector<Eigen::Index>{0, 1, x.size() - 2, x.size() - 1});
  EXPECT_EQ(edges.size(), 0);
  EXPECT_EQ(edges.dropped_at_start, 2);
  EXPECT_EQ(edges.dropped_at_end, 2);
  // Huge amplitudes: finite beats.
  const auto peaks = sig::find_rpeaks(x, kFs);
  const sig::Beats huge = sig::segment_beats(x * 1e6, kFs, peaks);
  ASSERT_GT(huge.size(), 0);
  EXPECT_TRUE(huge.beats.allFinite());
  // Streaming with empty chunks only.
  sig::BeatSegmenter s(kFs);
  EXPECT_EQ(s.process(Eigen::VectorXd(), std::vector<Eigen::Index>{}).size(), 0);
  EXPECT_EQ(s.flush().size(), 0);
}

// ================================================================== quality, features

TEST(BadInputQuality, ErrorsNameTheProblem) {
  const Eigen::VectorXd x = ecg(30.0);
  run_error_cases({
      {"NaN", Expect::invalid_argument, "nan",
       [&] { sig::signal_quality(with_value(x, 4, kNan), kFs); }},
      {"Inf", Expect::invalid_argument, "inf",
       [&] { sig::signal_quality(with_value(x, 4, kInf), kFs); }},
      {"fs 50 Hz", Expect::invalid_argument, "80 Hz", [&] { sig::signal_quality(x, 50.0); }},
      {"fs 0", Expect::invalid_argument, "fs_hz", [&] { sig::signal_quality(x, 0.0); }},
      {"window 0 s", Expect::invalid_argument, "window_s",
       [&] {
         sig::QualityConfig c;
         c.window_s = 0.0;
         sig::signal_quality(x, kFs, c);
       }},
      {"hop -1 s", Expect::invalid_argument, "hop_s",
       [&] {
         sig::QualityConfig c;
         c.hop_s = -1.0;
         sig::signal_quality(x, kFs, c);
       }},
      {"window_quality one sample", Expect::invalid_argument, "samples",
       [&] { sig::window_quality(Eigen::VectorXd::Constant(1, 0.1), kFs); }},
      {"assessor before setup", Expect::state_error, "before setup",
       [&] { sig::QualityAssessor().process(x); }},
  });
}

TEST(BadInputQuality, FlatClippedAndEmptySignalsAreGradedUnusable) {
  const Eigen::VectorXd x = ecg(30.0);
  const Eigen::Index n = x.size();
  // Documented handling: flat line, rail (clipped) and lead-off signals grade "unusable".
  for (const auto& [name, in] : std::vector<std::pair<std::string, Eigen::VectorXd>>{
           {"constant", Eigen::VectorXd::Constant(n, 0.5)},
           {"zeros", Eigen::VectorXd::Zero(n)},
           {"at the positive rail", Eigen::VectorXd::Constant(n, 5.0)}}) {
    SCOPED_TRACE(name);
    const auto windows = sig::signal_quality(in, kFs);
    ASSERT_FALSE(windows.empty());
    for (const auto& w : windows) {
      EXPECT_EQ(w.grade, sig::QualityGrade::unusable);
      EXPECT_TRUE(std::isfinite(w.score));
    }
  }
  // A signal clipped at ±0.15 mV for long stretches: the saturation index sees it.
  sig::QualityConfig rails;
  rails.adc_min_mv = -0.15;
  rails.adc_max_mv = 0.15;
  for (const auto& w : sig::signal_quality(clipped(x, 0.15), kFs, rails)) {
    EXPECT_NE(w.grade, sig::QualityGrade::good);
    EXPECT_TRUE(std::isfinite(w.score));
  }
  // Huge amplitudes: finite indices (no overflow in the kurtosis or the spectrum).
  for (const auto& w : sig::signal_quality(x * 1e6, kFs)) {
    EXPECT_TRUE(std::isfinite(w.score));
    EXPECT_TRUE(std::isfinite(w.ksqi));
    EXPECT_TRUE(std::isfinite(w.psqi));
  }
  // Shorter than a window: no window, no error.
  EXPECT_TRUE(sig::signal_quality(x.head(100), kFs).empty());
  EXPECT_TRUE(sig::signal_quality(Eigen::VectorXd(), kFs).empty());
}

TEST(BadInputFeatures, ErrorsNameTheProblemAndConstantBeatsStayFinite) {
  sig::BeatFeatureConfig config;
  const Eigen::Index l = config.length();
  sig::BeatMatrix beats = sig::BeatMatrix::Random(4, l);
  const Eigen::VectorXd rr = Eigen::VectorXd::Constant(4, 0.8);
  run_error_cases({
      {"unknown channel", Expect::invalid_argument, "'resid'",
       [] { sig::parse_feature_channel("resid"); }},
      {"unknown extra", Expect::invalid_argument, "'log_rr'",
       [] { sig::parse_extra_feature("log_rr"); }},
      {"wrong beat length", Expect::invalid_argument, "L = 140",
       [&] {
         sig::BeatFeatureExtractor f(config);
         f.process(sig::BeatMatrix::Zero(2, 100), Eigen::VectorXd::Constant(2, 0.8),
                   Eigen::VectorXd::Constant(2, 0.8));
       }},
      {"NaN beat", Expect::invalid_argument, "nan",
       [&] {
         sig::BeatMatrix b = beats;
         b(1, 3) = std::numeric_limits<float>::quiet_NaN();
         sig::BeatFeatureExtractor(config).process(b, rr, rr);
       }},
      {"Inf beat", Expect::invalid_argument, "inf",
       [&] {
         sig::BeatMatrix b = beats;
         b(0, 0) = std::numeric_limits<float>::infinity();
         sig::BeatFeatureExtractor(config).process(b, rr, rr);
       }},
      {"negative RR", Expect::invalid_argument, "rr_before_s",
       [&] {
         sig::BeatFeatureExtractor(config).process(beats, Eigen::VectorXd::Constant(4, -0.8), rr);
       }},
      {"RR count mismatch", Expect::invalid_argument, "one value per beat",
       [&] { sig::BeatFeatureExtractor(config).process(beats, rr.head(3), rr); }},
      {"rr_gain 0", Expect::invalid_argument, "rr_gain",
       [&] {
         sig::BeatFeatureConfig c = config;
         c.rr_gain = 0.0;
         sig::BeatFeatureExtractor e(c);
       }},
      {"extractor before setup", Expect::state_error, "before setup",
       [&] { sig::BeatFeatureExtractor().process(beats, rr, rr); }},
  });
  // Constant beats (a flat lead) and huge beats: finite features.
  sig::BeatFeatureExtractor f(config);
  const sig::BeatMatrix flat = sig::BeatMatrix::Constant(20, l, 0.5f);
  EXPECT_TRUE(f.process(flat, Eigen::VectorXd::Constant(20, 0.8), Eigen::VectorXd::Constant(20, 0.8))
                  .features.allFinite());
  const sig::BeatMatrix huge = sig::BeatMatrix::Random(20, l) * 1e6f;
  EXPECT_TRUE(f.process(huge, Eigen::VectorXd::Constant(20, 0.8), Eigen::VectorXd::Constant(20, kNan))
                  .features.allFinite());
  // Empty batch: nothing.
  EXPECT_EQ(f.process(sig::BeatMatrix(0, l), Eigen::VectorXd(), Eigen::VectorXd()).features.rows(), 0);
}

// ================================================================== calibrate

TEST(BadInputCalibrate, ErrorsNameTheProblem) {
  const Eigen::VectorXd s = Eigen::VectorXd::LinSpaced(200, 0.01, 1.0);
  const Eigen::VectorXd empty;
  run_error_cases({
      {"mean_std empty", Expect::invalid_argument, "mean_std_threshold",
       [&] { calibrate::mean_std_threshold(empty); }},
      {"mean_std NaN", Expect::invalid_argument, "nan",
       [&] { calibrate::mean_std_threshold(with_value(s, 3, kNan)); }},
      {"mean_std Inf", Expect::invalid_argument, "inf",
       [&] { calibrate::mean_std_threshold(with_value(s, 3, kInf)); }},
      {"mean_std ddof 2", Expect::invalid_argument, "ddof",
       [&] { calibrate::mean_std_threshold(s, 3.0, 2); }},
      {"mean_std k NaN", Expect::invalid_argument, "k",
       [&] { calibrate::mean_std_threshold(s, kNan); }},
      {"quantile level 1.5", Expect::invalid_argument, "level",
       [&] { calibrate::quantile_threshold(s, 1.5); }},
      {"quantile level -0.1", Expect::invalid_argument, "level",
       [&] { calibrate::quantile_threshold(s, -0.1); }},
      {"mad empty", Expect::invalid_argument, "mad_threshold",
       [&] { calibrate::mad_threshold(empty); }},
      {"target_fpr alpha 0", Expect::invalid_argument, "alpha",
       [&] { calibrate::target_fpr_threshold(s, 0.0); }},
      {"target_fpr alpha too small for n", Expect::invalid_argument, "alpha",
       [&] { calibrate::target_fpr_threshold(s.head(5), 0.01); }},
      {"conformal fit empty", Expect::invalid_argument, "ConformalCalibrator.fit",
       [&] { calibrate::ConformalCalibrator c(empty); }},
      {"conformal fit NaN", Expect::invalid_argument, "nan",
       [&] { calibrate::ConformalCalibrator c(with_value(s, 0, kNan)); }},
      {"conformal pvalue NaN", Expect::invalid_argument, "finite score",
       [&] { calibrate::ConformalCalibrator(s).pvalue(kNan); }},
      {"conformal pvalue Inf", Expect::invalid_argument, "finite score",
       [&] { calibrate::ConformalCalibrator(s).pvalue(kInf); }},
      {"conformal unfitted", Expect::state_error, "fit",
       [&] { calibrate::ConformalCalibrator().pvalue(0.5); }},
      {"conformal band reversed", Expect::invalid_argument, "alpha",
       [&] {
         calibrate::UncertainBand band;
         band.alpha_anomaly = 0.2;
         band.alpha_normal = 0.1;
         calibrate::ConformalCalibrator(s).validate_band(band);
       }},
      {"conformal from_json bad document", Expect::format_error, "",
       [&] { calibrate::ConformalCalibrator::from_json(nlohmann::json{{"scores", "x"}}); }},
      {"pot level 1", Expect::invalid_argument, "level", [&] { calibrate::fit_pot(s, 1.0); }},
      {"pot NaN", Expect::invalid_argument, "nan",
       [&] { calibrate::fit_pot(with_value(s, 0, kNan)); }},
      {"unknown transform", Expect::invalid_argument, "'sqrt'",
       [] { calibrate::parse_transform("sqrt"); }},
      {"unknown tail model", Expect::invalid_argument, "'frechet'",
       [] { calibrate::parse_tail_model("frechet"); }},
  });
}

TEST(BadInputCalibrate, ConstantOneAndHugeScoresGiveFiniteThresholds) {
  const Eigen::VectorXd constant = Eigen::VectorXd::Constant(100, 0.2);
  const Eigen::VectorXd one = Eigen::VectorXd::Constant(1, 0.2);
  const Eigen::VectorXd huge = Eigen::VectorXd::LinSpaced(100, 1e6, 2e6);
  for (const auto& [name, s] : std::vector<std::pair<std::string, Eigen::VectorXd>>{
           {"constant", constant}, {"one score", one}, {"huge", huge}}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(std::isfinite(calibrate::mean_std_threshold(s).value));
    EXPECT_TRUE(std::isfinite(calibrate::quantile_threshold(s, 0.99).value));
    EXPECT_TRUE(std::isfinite(calibrate::mad_threshold(s).value));
    const calibrate::ConformalCalibrator c(s);
    EXPECT_TRUE(std::isfinite(c.pvalue(1e300)));
    EXPECT_DOUBLE_EQ(c.pvalue(1e300), c.min_pvalue());
    EXPECT_DOUBLE_EQ(c.pvalue(-1e300), 1.0);
  }
  // Finite scores so large that mean + k std (or median + k MAD) overflows: refused, never an
  // infinite threshold (regression: mean_std_threshold returned inf).
  const Eigen::VectorXd extreme = Eigen::VectorXd::LinSpaced(100, 1e307, 1.7e308);
  run_error_cases({
      {"mean_std overflow", Expect::invalid_argument, "overflow",
       [&] { calibrate::mean_std_threshold(extreme, 3.0); }},
      {"mad overflow", Expect::invalid_argument, "overflow",
       [&] { calibrate::mad_threshold(extreme, 3.0); }},
  });
  EXPECT_TRUE(std::isfinite(calibrate::quantile_threshold(extreme, 0.99).value));
}

// ================================================================== drift

TEST(BadInputDrift, ErrorsNameTheProblem) {
  const Eigen::VectorXd a = Eigen::VectorXd::LinSpaced(100, 0.0, 1.0);
  const Eigen::VectorXd empty;
  run_error_cases({
      {"adwin NaN", Expect::invalid_argument, "nan", [] { drift::Adwin().update(kNan); }},
      {"adwin Inf", Expect::invalid_argument, "inf", [] { drift::Adwin().update(kInf); }},
      {"adwin delta 0", Expect::invalid_argument, "delta",
       [] {
         drift::Adwin::Config c;
         c.delta = 0.0;
         drift::Adwin d(c);
       }},
      {"adwin delta 1.5", Expect::invalid_argument, "delta",
       [] {
         drift::Adwin::Config c;
         c.delta = 1.5;
         drift::Adwin d(c);
       }},
      // Regression: sizes allocated up front (a restored state is a file) gave std::bad_alloc.
      {"adwin max_buckets 1e12", Expect::invalid_argument, "max_buckets",
       [] {
         drift::Adwin::Config c;
         c.max_buckets = 1000000000000;
         drift::Adwin d(c);
       }},
      {"kswin window 1e12", Expect::invalid_argument, "window_size",
       [] {
         drift::Kswin::Config c;
         c.window_size = 1000000000000;
         drift::Kswin d(c);
       }},
      {"kswin restored with a huge window", Expect::invalid_argument, "window_size",
       [] {
         drift::Kswin k;
         nlohmann::json state = k.state();
         state["config"]["window_size"] = 1000000000000;
         k.restore(state);
       }},
      {"page_hinkley NaN", Expect::invalid_argument, "nan",
       [] { drift::PageHinkley().update(kNan); }},
      {"cusum -Inf", Expect::invalid_argument, "inf", [] { drift::Cusum().update(-kInf); }},
      {"ddm not 0/1", Expect::invalid_argument, "0 (correct) or 1", [] { drift::Ddm().update(0.5); }},
      {"restore garbage state", Expect::invalid_argument, "",
       [] { drift::Adwin().restore(nlohmann::json{{"detector", "cusum"}}); }},
      {"ks empty", Expect::invalid_argument, "empty",
       [&] { drift::ks_2samp(a, empty); }},
      {"ks NaN", Expect::invalid_argument, "nan",
       [&] { drift::ks_2samp(a, with_value(a, 1, kNan)); }},
      {"unknown ks alternative", Expect::invalid_argument, "'bigger'",
       [] { drift::parse_ks_alternative("bigger"); }},
      {"monitor reference from 1 beat", Expect::invalid_argument, "at least 30",
       [] {
         const Eigen::VectorXd one = Eigen::VectorXd::Constant(1, 1.0);
         drift::MonitorReference::fit(one, one * 60.0, one, one);
       }},
      {"monitor reference NaN heart rate", Expect::invalid_argument, "heart_rate",
       [] {
         const Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(40, 0.1, 0.3);
         drift::MonitorReference::fit(v, with_value(Eigen::VectorXd::Constant(40, 60.0), 3, kNan),
                                      Eigen::VectorXd::Constant(40, 1.0),
                                      Eigen::VectorXd::Constant(40, 1.0));
       }},
  });
}

TEST(BadInputDrift, MonitorRefusesBadBeatsAndKeepsItsState) {
  const Eigen::Index n = 60;
  const Eigen::VectorXd scores = Eigen::VectorXd::LinSpaced(n, 0.1, 0.3);
  const drift::MonitorReference ref = drift::MonitorReference::fit(
      scores, Eigen::VectorXd::LinSpaced(n, 60.0, 70.0), Eigen::VectorXd::LinSpaced(n, 0.9, 1.1),
      Eigen::VectorXd::Constant(n, 0.95));
  drift::Monitor m(ref);
  drift::BeatObservation ok;
  ok.time_s = 1.0;
  ok.score = 0.2;
  ok.heart_rate_bpm = 65.0;
  EXPECT_EQ(m.update(ok), 0);
  auto with = [&](auto edit) {
    drift::BeatObservation b = ok;
    b.time_s = 2.0;
    edit(b);
    return b;
  };
  run_error_cases({
      {"score NaN", Expect::invalid_argument, "score",
       [&] { m.update(with([](auto& b) { b.score = kNan; })); }},
      {"score Inf", Expect::invalid_argument, "score",
       [&] { m.update(with([](auto& b) { b.score = kInf; })); }},
      {"time going back", Expect::invalid_argument, "time_s",
       [&] { m.update(with([](auto& b) { b.time_s = 0.5; })); }},
      {"time NaN", Expect::invalid_argument, "time_s",
       [&] { m.update(with([](auto& b) { b.time_s = kNan; })); }},
      {"heart rate negative", Expect::invalid_argument, "heart_rate",
       [&] { m.update(with([](auto& b) { b.heart_rate_bpm = -60.0; })); }},
      {"p-value 2", Expect::invalid_argument, "p_value",
       [&] { m.update(with([](auto& b) { b.p_value = 2.0; })); }},
      {"quality score -1", Expect::invalid_argument, "quality_score",
       [&] { m.update(with([](auto& b) { b.quality_score = -1.0; })); }},
      {"amplitude Inf", Expect::invalid_argument, "r_amplitude",
       [&] { m.update(with([](auto& b) { b.r_amplitude_mv = kInf; })); }},
  });
  EXPECT_EQ(m.summary().n_beats, 1);  // nothing of the refused beats was taken
  // Huge but finite values: accepted, and the summary stays finite.
  EXPECT_NO_THROW(m.update(with([](auto& b) {
    b.score = 1e6;
    b.r_amplitude_mv = 1e6;
  })));
  EXPECT_EQ(m.summary().n_beats, 2);
  EXPECT_TRUE(std::isfinite(m.summary().duration_s));
}

// ================================================================== runtime model

TEST(BadInputRuntime, WrongWidthNanAndWorkspaceErrors) {
  const runtime::Model& model = trained().package->model;
  const Eigen::Index w = model.input_size();
  runtime::Workspace ws = model.make_workspace();
  runtime::RowMatrixXf ok = runtime::RowMatrixXf::Zero(3, w);
  run_error_cases({
      {"batch too narrow (wrong beat length)", Expect::invalid_argument, "input_size",
       [&] { model.score(runtime::RowMatrixXf::Zero(3, w - 2)); }},
      {"batch too wide", Expect::invalid_argument, "input_size",
       [&] { model.score(runtime::RowMatrixXf::Zero(3, w + 1)); }},
      {"NaN in a batch", Expect::invalid_argument, "nan",
       [&] {
         runtime::RowMatrixXf b = ok;
         b(1, 2) = std::numeric_limits<float>::quiet_NaN();
         model.score(b);
       }},
      {"Inf in one beat", Expect::invalid_argument, "inf",
       [&] {
         std::vector<float> beat(static_cast<std::size_t>(w), 0.0f);
         beat[5] = std::numeric_limits<float>::infinity();
         model.score_one(beat.data(), ws);
       }},
      {"unknown architecture", Expect::format_error, "transformer",
       [] { runtime::ArchitectureConfig::from_json(nlohmann::json{{"name", "transformer"}}); }},
  });
  // Empty batch: no scores; huge (1e6) inputs: finite scores or... finite.
  EXPECT_EQ(model.score(runtime::RowMatrixXf(0, w)).mae.size(), 0);
  const runtime::Scores huge = model.score(runtime::RowMatrixXf::Constant(2, w, 1e6f));
  EXPECT_TRUE(huge.mae.allFinite());
  EXPECT_TRUE(huge.mse.allFinite());
}

// ================================================================== the bundle loader

TEST(BadInputBundle, TruncatedFilesAreRefusedAtEveryLength) {
  const std::string& bytes = trained().bytes;
  ASSERT_GT(bytes.size(), 1000u);
  // Every prefix up to the end of the header, then a stride through the data, then the last bytes.
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n < 2048 && n < bytes.size(); ++n) lengths.push_back(n);
  for (std::size_t n = 2048; n < bytes.size(); n += 997) lengths.push_back(n);
  for (std::size_t k = 1; k <= 8; ++k) lengths.push_back(bytes.size() - k);
  for (std::size_t n : lengths) {
    try {
      artifact::bundle_from_bytes(std::string_view(bytes).substr(0, n), "bundle 'cut'");
      ADD_FAILURE() << "a bundle cut to " << n << " of " << bytes.size() << " bytes loaded";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("bundle 'cut'"), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cut to " << n << ": foreign exception " << e.what();
    }
  }
  TempDir dir("bundle_cut");
  write_file(dir / "half.ecgad", bytes.substr(0, bytes.size() / 2));
  run_error_cases({
      {"half a bundle on disk", Expect::format_error, "half.ecgad",
       [&] { pipeline::ModelPackage::load(dir / "half.ecgad"); }},
      {"empty file", Expect::format_error, "empty.ecgad",
       [&] {
         write_file(dir / "empty.ecgad", "");
         artifact::load_bundle(dir / "empty.ecgad");
       }},
      {"missing file", Expect::io_error, "missing.ecgad",
       [&] { artifact::load_bundle(dir / "missing.ecgad"); }},
      {"a directory", Expect::io_error, "",
       [&] { artifact::load_bundle(dir.path()); }},
  });
}

TEST(BadInputBundle, EveryBitFlipIsDetected) {
  const std::string& bytes = trained().bytes;
  std::uint64_t header_len = 0;
  for (std::size_t i = 8; i-- > 0;) {
    header_len = header_len << 8 | static_cast<unsigned char>(bytes[i]);
  }
  ASSERT_LT(header_len, bytes.size());
  // Every bit of the length prefix and of the JSON header, and bits spread over the weights.
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < 8 + header_len; ++i) positions.push_back(i);
  for (std::size_t i = 8 + header_len; i < bytes.size(); i += 61) positions.push_back(i);
  std::size_t loaded = 0;
  for (std::size_t at : positions) {
    for (int bit : {0, 3, 5, 7}) {
      try {
        artifact::bundle_from_bytes(flip_bit(bytes, at, bit), "bundle 'flipped'");
        ++loaded;
        ADD_FAILURE() << "byte " << at << " bit " << bit << " flipped: the bundle still loads";
      } catch (const FormatError&) {
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << at << " bit " << bit << ": foreign exception " << e.what();
      }
    }
  }
  EXPECT_EQ(loaded, 0u);
}

TEST(BadInputBundle, MismatchedUncalibratedAndForeignBundlesAreRefused) {
  const artifact::Bundle b = artifact::bundle_from_bytes(trained().bytes);
  auto edited = [&](auto edit) {
    artifact::Bundle copy = b;
    edit(copy);
    return copy;
  };
  run_error_cases({
      {"uncalibrated", Expect::format_error, "calibrat",
       [&] {
         pipeline::ModelPackage::from_bundle(edited([](auto& x) { x.calibration = nullptr; }),
                                             "bundle 'u'");
       }},
      {"no preprocessing", Expect::format_error, "preprocessing",
       [&] {
         pipeline::ModelPackage::from_bundle(edited([](auto& x) { x.preprocessing = nullptr; }),
                                             "bundle 'p'");
       }},
      {"preprocessing width differs from the model (beat length 100)", Expect::format_error,
       "mismatched",
       [&] {
         pipeline::Preprocessing p = pipeline::Preprocessing::from_json(b.preprocessing);
         p.beats.length = 100;
         p.features.reference.length = 100;
         pipeline::ModelPackage::from_bundle(edited([&](auto& x) { x.preprocessing = p.to_json(); }),
                                             "bundle 'w'");
       }},
      {"preprocessing rpeak method unknown", Expect::format_error, "'hamilton'",
       [&] {
         nlohmann::json p = b.preprocessing;
         p["rpeak_method"] = "hamilton";
         pipeline::ModelPackage::from_bundle(edited([&](auto& x) { x.preprocessing = p; }),
                                             "bundle 'r'");
       }},
      {"preprocessing quality window 1e6 s", Expect::format_error, "quality window",
       [&] {
         nlohmann::json p = b.preprocessing;
         p["quality"]["window_s"] = 1e6;
         pipeline::ModelPackage::from_bundle(edited([&](auto& x) { x.preprocessing = p; }),
                                             "bundle 'q'");
       }},
      {"preprocessing fs 0", Expect::format_error, "fs_hz",
       [&] {
         nlohmann::json p = b.preprocessing;
         p["fs_hz"] = 0.0;
         pipeline::ModelPackage::from_bundle(edited([&](auto& x) { x.preprocessing = p; }),
                                             "bundle 'f'");
       }},
      {"preprocessing negative beat length", Expect::format_error, "length",
       [&] {
         nlohmann::json p = b.preprocessing;
         p["beats"]["length"] = -140;
         pipeline::ModelPackage::from_bundle(edited([&](auto& x) { x.preprocessing = p; }),
                                             "bundle 'l'");
       }},
      {"calibration with no calibration scores", Expect::format_error, "empty",
       [&] {
         nlohmann::json c = b.calibration;
         c["conformal"]["calibration_scores"] = nlohmann::json::array();
         pipeline::ModelPackage::from_bundle(edited([&](auto& x) { x.calibration = c; }),
                                             "bundle 'c'");
       }},
      {"architecture for another width", Expect::format_error, "",
       [&] {
         artifact::Bundle x = b;
         x.architecture["length"] = 100;
         artifact::bundle_from_bytes(artifact::detail::encode_bundle(x));
       }},
      {"not a bundle (a CSV file)", Expect::format_error, "bundle",
       [] { artifact::bundle_from_bytes("1,2,3\n4,5,6\n", "bundle 'csv'"); }},
  });
}

// ================================================================== readers

namespace {

// A two-lead WFDB record of `format` with annotations, in `dir`.
fs::path write_record(const fs::path& dir, int format) {
  io::WfdbHeader h;
  h.record_name = "r" + std::to_string(format);
  h.fs_hz = kFs;
  // 8-bit format 80 holds +-127 adu: 20 adu/mV keeps the ECG inside it.
  const double gain = format == 80 ? 20.0 : 200.0;
  io::WfdbSignalSpec spec;
  spec.adc_gain = gain;
  spec.adc_resolution_bits = format == 212 ? 12 : format == 80 ? 8 : 16;
  spec.description = "MLII";
  h.signals = {spec, spec};
  h.signals[1].description = "V1";
  const Eigen::VectorXd x = ecg(10.0);
  xt::xtensor<std::int32_t, 2> adc({2, static_cast<std::size_t>(x.size())});
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    adc(0, static_cast<std::size_t>(i)) = static_cast<std::int32_t>(std::lround(x[i] * gain));
    adc(1, static_cast<std::size_t>(i)) = static_cast<std::int32_t>(std::lround(-x[i] * gain / 2));
  }
  const fs::path rec = dir / h.record_name;
  io::write_wfdb(rec, h, adc, format);
  std::vector<io::Annotation> ann;
  for (Eigen::Index p : sig::find_rpeaks(x, kFs)) {
    io::Annotation a;
    a.sample = p;
    a.symbol = "N";
    ann.push_back(a);
  }
  fs::path atr = rec;
  atr += ".atr";
  io::write_annotations(atr, ann);
  return rec;
}

void expect_record_finite(const io::WfdbRecord& r) {
  for (std::size_t lead = 0; lead < r.n_leads(); ++lead) EXPECT_TRUE(r.lead(lead).allFinite());
}

}  // namespace

TEST(BadInputReaders, WfdbTruncatedAndBitFlippedFiles) {
  for (int format : {16, 212, 80}) {
    SCOPED_TRACE("format " + std::to_string(format));
    TempDir dir("wfdb" + std::to_string(format));
    const fs::path rec = write_record(dir.path(), format);
    fs::path hea = rec, dat = rec;
    hea += ".hea";
    dat += ".dat";
    const std::string header = read_file(hea), data = read_file(dat);
    ASSERT_NO_THROW(io::read_wfdb(rec));
    // A truncated signal file: FormatError naming the file and "truncated".
    write_file(dat, data.substr(0, data.size() / 2));
    run_error_cases({{"dat cut in half", Expect::format_error, "truncated",
                      [&] { io::read_wfdb(rec); }}});
    write_file(dat, "");
    run_error_cases({{"empty dat", Expect::format_error, "truncated",
                      [&] { io::read_wfdb(rec); }}});
    // A flipped bit in the samples: the header's checksum catches it.
    write_file(dat, flip_bit(data, data.size() / 3, 2));
    run_error_cases({{"dat bit flip", Expect::format_error, "checksum",
                      [&] { io::read_wfdb(rec); }}});
    write_file(dat, data);
    // The header cut at every length, and every byte of it with a bit flipped: an error, or a
    // record with finite samples (a cut may leave a shorter valid header).
    for (std::size_t n = 0; n < header.size(); ++n) {
      write_file(hea, header.substr(0, n));
      expect_error_or_valid("header cut to " + std::to_string(n), [&] {
        expect_record_finite(io::read_wfdb(rec));
      });
    }
    for (std::size_t at = 0; at < header.size(); ++at) {
      for (int bit : {0, 4, 6}) {
        write_file(hea, flip_bit(header, at, bit));
        expect_error_or_valid("header byte " + std::to_string(at) + " bit " + std::to_string(bit),
                              [&] { expect_record_finite(io::read_wfdb(rec)); });
      }
    }
    write_file(hea, header);
    // Annotations: truncated and flipped files give FormatError or valid annotations.
    fs::path atr = rec;
    atr += ".atr";
    const std::string ann = read_file(atr);
    for (std::size_t n = 0; n < ann.size(); n += 3) {
      write_file(atr, ann.substr(0, n));
      expect_error_or_valid("atr cut to " + std::to_string(n), [&] {
        for (const auto& a : io::read_annotations(rec, "atr")) EXPECT_GE(a.sample, 0);
      });
    }
    for (std::size_t at = 0; at < ann.size(); at += 5) {
      write_file(atr, flip_bit(ann, at, 7));
      expect_error_or_valid("atr byte " + std::to_string(at), [&] {
        for (const auto& a : io::read_annotations(rec, "atr")) EXPECT_GE(a.sample, 0);
      });
    }
  }
}

TEST(BadInputReaders, WfdbHeaderErrorsAndHugeCounts) {
  TempDir dir("wfdb_header");
  write_file(dir / "x.dat", std::string(720, '\0'));
  auto header = [&](const std::string& text) {
    write_file(dir / "h.hea", text);
    return dir / "h";
  };
  run_error_cases({
      {"missing header", Expect::io_error, "nothere.hea",
       [&] { io::read_wfdb(dir / "nothere"); }},
      {"no record line", Expect::format_error, "record line",
       [&] { io::read_wfdb(header("# only a comment\n")); }},
      {"fs 0", Expect::format_error, "",
       [&] { io::read_wfdb(header("h 1 0 360\nx.dat 16\n")); }},
      {"fs negative", Expect::format_error, "",
       [&] { io::read_wfdb(header("h 1 -360 360\nx.dat 16\n")); }},
      {"negative signal count", Expect::format_error, "",
       [&] { io::read_wfdb(header("h -1 360 360\n")); }},
      {"more signals declared than listed", Expect::format_error, "n_signals",
       [&] { io::read_wfdb(header("h 2 360 360\nx.dat 16\n")); }},
      {"unknown format", Expect::format_error, "format",
       [&] { io::read_wfdb(header("h 1 360 360\nx.dat 999\n")); }},
      // 1e12 samples declared for a 720-byte file: refused before any allocation.
      {"1e12 samples declared", Expect::format_error, "truncated",
       [&] { io::read_wfdb(header("h 1 360 1000000000000\nx.dat 16\n")); }},
      {"9e18 samples declared", Expect::format_error, "",
       [&] { io::read_wfdb(header("h 1 360 9000000000000000000\nx.dat 16\n")); }},
      {"1e9 signals declared", Expect::format_error, "n_signals",
       [&] { io::read_wfdb(header("h 1000000000 360 360\nx.dat 16\n")); }},
      {"huge byte offset", Expect::format_error, "",
       [&] { io::read_wfdb(header("h 1 360 360\nx.dat 16+9000000000000000000\n")); }},
      {"NUL byte", Expect::format_error, "NUL",
       [&] { io::read_wfdb(header(std::string("h 1 360 360\nx.d\0t 16\n", 22))); }},
  });
  // A huge header file is not read whole.
  write_file(dir / "big.hea", "big 1 360 360\n" + std::string(64u << 20, '#'));
  run_error_cases({{"64 MiB header", Expect::format_error, "", [&] { io::read_wfdb(dir / "big"); }}});
}

TEST(BadInputReaders, WfdbSignalFileNamesCannotLeaveTheRecordDirectory) {
  TempDir dir("wfdb_paths");
  fs::create_directories(dir / "sub");
  write_file(dir / "sub" / "x.dat", std::string(720, '\0'));
  write_file(dir / "x.dat", std::string(720, '\0'));
  auto header = [&](const std::string& file_name) {
    write_file(dir / "h.hea", "h 1 360 360\n" + file_name + " 16\n");
    return dir / "h";
  };
  run_error_cases({
      {"parent directory", Expect::format_error, "'../x.dat'",
       [&] { io::read_wfdb(header("../x.dat")); }},
      {"absolute path", Expect::format_error, "'/etc/passwd'",
       [&] { io::read_wfdb(header("/etc/passwd")); }},
      {"a directory part", Expect::format_error, "'sub/x.dat'",
       [&] { io::read_wfdb(header("sub/x.dat")); }},
      {"dot directory", Expect::format_error, "'./x.dat'",
       [&] { io::read_wfdb(header("./x.dat")); }},
      {"nested parent", Expect::format_error, "'sub/../../x.dat'",
       [&] { io::read_wfdb(header("sub/../../x.dat")); }},
      {"header only, parent", Expect::format_error, "'../x.dat'",
       [&] { io::read_wfdb_header(header("../x.dat")); }},
  });
  EXPECT_NO_THROW(io::read_wfdb(header("x.dat")));  // a plain name in the directory is fine
}

TEST(BadInputReaders, NpyCsvUcrTruncatedAndFlipped) {
  TempDir dir("tables");
  const Eigen::VectorXd x = ecg(5.0).head(600);
  io::write_npy(dir / "a.npy", x);
  const std::string npy = read_file(dir / "a.npy");
  for (std::size_t n = 0; n < npy.size(); n += (n < 200 ? 1 : 97)) {
    write_file(dir / "cut.npy", npy.substr(0, n));
    run_error_cases({{"npy cut to " + std::to_string(n), Expect::format_error, "cut.npy",
                      [&] { io::read_npy<double>(dir / "cut.npy"); }}});
  }
  for (std::size_t at = 0; at < 128 && at < npy.size(); ++at) {
    write_file(dir / "flip.npy", flip_bit(npy, at, 1));
    expect_error_or_valid("npy byte " + std::to_string(at), [&] {
      const auto a = io::read_npy<double>(dir / "flip.npy");
      for (double v : a) EXPECT_FALSE(std::isnan(v) && false);  // reading back is enough
    });
  }
  // An npy holding NaN is readable (numpy's format allows it); the pipelines refuse it later.
  Eigen::VectorXd with_nan = x;
  with_nan[3] = kNan;
  io::write_npy(dir / "nan.npy", with_nan);
  EXPECT_TRUE(std::isnan(io::read_npy<double>(dir / "nan.npy")(3)));

  write_file(dir / "a.csv", "a,b\n1,2\n3,4\n5,6\n");
  const std::string csv = read_file(dir / "a.csv");
  write_file(dir / "u.tsv", "1,0.5,0.25\n-1,0.125,2\n");
  const std::string ucr = read_file(dir / "u.tsv");
  run_error_cases({
      {"csv NaN", Expect::format_error, "line 3",
       [&] {
         write_file(dir / "n.csv", "a,b\n1,2\nnan,4\n");
         io::read_csv(dir / "n.csv");
       }},
      {"csv Inf", Expect::format_error, "line 2",
       [&] {
         write_file(dir / "i.csv", "a,b\ninf,2\n");
         io::read_csv(dir / "i.csv");
       }},
      {"csv ragged", Expect::format_error, "line 3",
       [&] {
         write_file(dir / "r.csv", "a,b\n1,2\n3\n");
         io::read_csv(dir / "r.csv");
       }},
      {"csv empty", Expect::format_error, "e.csv",
       [&] {
         write_file(dir / "e.csv", "");
         io::read_csv(dir / "e.csv");
       }},
      {"csv missing", Expect::io_error, "none.csv", [&] { io::read_csv(dir / "none.csv"); }},
      {"csv unknown label column", Expect::invalid_argument, "label",
       [&] {
         io::CsvOptions o;
         o.label_name = "label";
         io::read_csv(dir / "a.csv", o);
       }},
      {"ucr NaN", Expect::format_error, "line 1",
       [&] {
         write_file(dir / "n.tsv", "1,nan,2\n");
         io::read_ucr(dir / "n.tsv");
       }},
      {"ucr ragged", Expect::format_error, "line 2",
       [&] {
         write_file(dir / "r.tsv", "1,0.5,2\n1,0.5\n");
         io::read_ucr(dir / "r.tsv");
       }},
      {"ucr value beyond float", Expect::format_error, "line 1",
       [&] {
         write_file(dir / "f.tsv", "1,1e300,2\n");
         io::read_ucr(dir / "f.tsv");
       }},
  });
  for (std::size_t at = 0; at < csv.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      write_file(dir / "f.csv", flip_bit(csv, at, bit));
      expect_error_or_valid("csv byte " + std::to_string(at), [&] {
        EXPECT_TRUE(io::read_csv(dir / "f.csv").values.allFinite());
      });
    }
  }
  for (std::size_t at = 0; at < ucr.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      write_file(dir / "f.tsv", flip_bit(ucr, at, bit));
      expect_error_or_valid("ucr byte " + std::to_string(at), [&] {
        EXPECT_TRUE(io::read_ucr(dir / "f.tsv").values.allFinite());
      });
    }
  }
}

// ================================================================== the config loader

TEST(BadInputConfig, UnknownKeysEnumsAndNonPositiveParameters) {
  auto load = [](const std::string& text) {
    return pipeline::TrainingConfig::from_json(nlohmann::json::parse(text));
  };
  run_error_cases({
      {"unknown top-level key", Expect::invalid_argument, "epochz",
       [&] { load(R"({"epochz": 3})"); }},
      {"unknown nested key", Expect::invalid_argument, "learning_rat",
       [&] { load(R"({"training": {"learning_rat": 0.1}})"); }},
      {"unknown architecture", Expect::invalid_argument, "transformer",
       [&] { load(R"({"architecture": {"name": "transformer"}})"); }},
      {"unknown loss", Expect::invalid_argument, "'huber'",
       [&] { load(R"({"training": {"loss": "huber"}})"); }},
      {"unknown source kind", Expect::invalid_argument, "'ftp'",
       [&] { load(R"({"source": {"kind": "ftp"}})"); }},
      {"unknown rpeak method", Expect::invalid_argument, "'hamilton'",
       [&] { load(R"({"preprocessing": {"rpeak_method": "hamilton"}})"); }},
      {"unknown promote policy", Expect::invalid_argument, "'sometimes'",
       [&] { load(R"({"promote": "sometimes"})"); }},
      {"epochs 0", Expect::invalid_argument, "epochs", [&] { load(R"({"training": {"epochs": 0}})"); }},
      {"epochs -5", Expect::invalid_argument, "epochs",
       [&] { load(R"({"training": {"epochs": -5}})"); }},
      {"batch size 0", Expect::invalid_argument, "batch_size",
       [&] { load(R"({"training": {"batch_size": 0}})"); }},
      {"learning rate negative", Expect::invalid_argument, "learning_rate",
       [&] { load(R"({"training": {"learning_rate": -0.001}})"); }},
      {"fs 0", Expect::invalid_argument, "fs_hz",
       [&] { load(R"({"preprocessing": {"fs_hz": 0}})"); }},
      {"beat length 0", Expect::invalid_argument, "length",
       [&] { load(R"({"preprocessing": {"beats": {"length": 0}}})"); }},
      {"beat length 1e12", Expect::invalid_argument, "length",
       [&] { load(R"({"preprocessing": {"beats": {"length": 1000000000000}}})"); }},
      // Regression: these size every stream's buffers (1e6 s of quality window = gigabytes).
      {"quality window 1e6 s", Expect::invalid_argument, "quality window",
       [&] { load(R"({"preprocessing": {"quality": {"window_s": 1e6, "hop_s": 2}}})"); }},
      {"beat window 1000 s", Expect::invalid_argument, "beat window",
       [&] { load(R"({"preprocessing": {"beats": {"after_s": 1000}}})"); }},
      {"bandpass order -1", Expect::invalid_argument, "bandpass_order",
       [&] { load(R"({"preprocessing": {"bandpass_order": -1}})"); }},
      {"split fraction 0", Expect::invalid_argument, "split",
       [&] { load(R"({"split": {"train": 0}})"); }},
      {"alpha reversed", Expect::invalid_argument, "alpha_anomaly",
       [&] { load(R"({"calibration": {"alpha_anomaly": 0.5, "alpha_normal": 0.1}})"); }},
      {"max_train_beats negative", Expect::invalid_argument, "max_train_beats",
       [&] { load(R"({"max_train_beats": -1})"); }},
      {"subjects 0", Expect::invalid_argument, "subjects",
       [&] { load(R"({"source": {"synthetic": {"subjects": 0}}})"); }},
      {"wrong type", Expect::invalid_argument, "epochs",
       [&] { load(R"({"training": {"epochs": "many"}})"); }},
      {"not an object", Expect::invalid_argument, "object", [&] { load(R"([1, 2])"); }},
      {"name with a path", Expect::invalid_argument, "name", [&] { load(R"({"name": "../../evil"})"); }},
      {"name with a backslash", Expect::invalid_argument, "name",
       [&] { load(R"({"name": "..\\evil"})"); }},
      {"name empty", Expect::invalid_argument, "name", [&] { load(R"({"name": ""})"); }},
      {"name with a control character", Expect::invalid_argument, "name",
       [&] { load("{\"name\": \"a\\u0000b\"}"); }},
      {"name '..'", Expect::invalid_argument, "name", [&] { load(R"({"name": ".."})"); }},
  });
  TempDir dir("config");
  write_file(dir / "bad.toml", "name = \"x\"\n[training\nepochs = 3\n");
  write_file(dir / "bad.json", "{\"name\": ");
  write_file(dir / "run.yaml", "name: x\n");
  run_error_cases({
      {"broken TOML", Expect::format_error, "bad.toml",
       [&] { pipeline::TrainingConfig::load(dir / "bad.toml"); }},
      {"broken JSON", Expect::format_error, "bad.json",
       [&] { pipeline::TrainingConfig::load(dir / "bad.json"); }},
      {"unknown extension", Expect::invalid_argument, "run.yaml",
       [&] { pipeline::TrainingConfig::load(dir / "run.yaml"); }},
      {"missing file", Expect::io_error, "none.toml",
       [&] { pipeline::TrainingConfig::load(dir / "none.toml"); }},
  });
}

TEST(BadInputConfig, RunTrainingRefusesANameThatLeavesTheModelDirectory) {
  // A host that builds the config in code (not from a file) gets the same check: the bundle
  // <model_dir>/<name>-<uid>.ecgad must stay inside model_dir.
  TempDir dir("evil_name");
  for (const std::string name : {"../../evil", "/tmp/evil", "a/b", "..", ""}) {
    SCOPED_TRACE(name);
    pipeline::TrainingConfig c = tiny_config(dir.path() / "inner");
    c.name = name;
    try {
      pipeline::run_training(c, nullptr);
      ADD_FAILURE() << "run_training accepted the name '" << name << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("name"), std::string::npos) << e.what();
    }
  }
  // Nothing was written anywhere: no model folder, no file beside or above it.
  EXPECT_FALSE(fs::exists(dir / "inner" / "models"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// ================================================================== the inference pipeline

TEST(BadInputStream, ErrorsNameTheProblemAndChangeNothing) {
  const auto pkg = trained().package;
  const Eigen::VectorXd x = ecg(60.0, 1);
  run_error_cases({
      {"wrong sampling rate 250 Hz", Expect::invalid_argument, "360",
       [&] {
         pipeline::StreamOptions o;
         o.fs_hz = 250.0;
         pipeline::StreamPipeline p(pkg, o);
       }},
      {"negative sampling rate", Expect::invalid_argument, "sampling rate -360 Hz",
       [&] {
         pipeline::StreamOptions o;
         o.fs_hz = -360.0;
         pipeline::StreamPipeline p(pkg, o);
       }},
      {"NaN sampling rate", Expect::invalid_argument, "sampling rate nan Hz",
       [&] {
         pipeline::StreamOptions o;
         o.fs_hz = kNan;
         pipeline::StreamPipeline p(pkg, o);
       }},
      {"no package", Expect::invalid_argument, "package",
       [&] { pipeline::StreamPipeline p(nullptr); }},
      {"NaN sample", Expect::invalid_argument, "nan",
       [&] {
         pipeline::StreamPipeline p(pkg);
         p.process(with_value(x.head(1000), 500, kNan));
       }},
      {"+Inf sample", Expect::invalid_argument, "inf",
       [&] {
         pipeline::StreamPipeline p(pkg);
         p.process(with_value(x.head(1000), 0, kInf));
       }},
      {"-Inf sample", Expect::invalid_argument, "-inf",
       [&] {
         pipeline::StreamPipeline p(pkg);
         p.process(with_value(x.head(1000), 999, -kInf));
       }},
      {"process after finish", Expect::state_error, "finish",
       [&] {
         pipeline::StreamPipeline p(pkg);
         p.finish();
         p.process(x.head(10));
       }},
      {"monitor warmup negative", Expect::invalid_argument, "monitor_warmup_s",
       [&] {
         pipeline::StreamOptions o;
         o.monitor_warmup_s = -1.0;
         pipeline::StreamPipeline p(pkg, o);
       }},
      {"score_recording at 250 Hz", Expect::invalid_argument, "360",
       [&] { pipeline::score_recording(pkg, x, 250.0); }},
      {"score_recording NaN", Expect::invalid_argument, "nan",
       [&] { pipeline::score_recording(pkg, with_value(x, 10, kNan), kFs); }},
      {"score_recording Inf", Expect::invalid_argument, "inf",
       [&] { pipeline::score_recording(pkg, with_value(x, 10, kInf), kFs); }},
  });
}

TEST(BadInputStream, EmptyOneSampleConstantClippedAndHugeSignals) {
  const Eigen::VectorXd x = ecg(60.0, 1);
  const Eigen::Index n = x.size();
  // Empty chunk and a one-sample stream: no events, no error.
  EXPECT_EQ(stream(Eigen::VectorXd()).events.size(), 0u);
  EXPECT_EQ(stream(Eigen::VectorXd::Constant(1, 0.2)).events.size(), 0u);
  EXPECT_TRUE(pipeline::score_recording(trained().package, Eigen::VectorXd(), kFs).empty());
  EXPECT_TRUE(
      pipeline::score_recording(trained().package, Eigen::VectorXd::Constant(1, 0.2), kFs).empty());
  // Constant (flat line) and zeros: no beats.
  EXPECT_EQ(stream(Eigen::VectorXd::Constant(n, 0.4)).events.size(), 0u);
  EXPECT_EQ(stream(Eigen::VectorXd::Zero(n)).events.size(), 0u);
  // One-sample chunks give the same events as one chunk.
  const StreamRun whole = stream(x);
  const StreamRun by_one = stream(x.head(20 * 360), 1);
  ASSERT_GT(whole.events.size(), 10u);
  expect_finite_events(whole.events);
  EXPECT_EQ(by_one.events.size(), stream(x.head(20 * 360)).events.size());
  // Huge amplitudes (1e6 mV, an unscaled ADC stream): finite scores and p-values.
  const StreamRun huge = stream(x * 1e6);
  expect_finite_events(huge.events);
  // A clipped/rail signal: beats come out with finite scores, and a beat scored on a window
  // graded unusable is "uncertain" with reason "quality" (documented), never normal/anomalous.
  Eigen::VectorXd rail = x;
  rail.segment(20 * 360, 20 * 360).setConstant(5.0);  // 20 s stuck at the positive rail
  const StreamRun railed = stream(rail);
  expect_finite_events(railed.events);
  for (const auto& e : railed.events) {
    if (e.quality_known && e.quality_grade == sig::QualityGrade::unusable) {
      EXPECT_EQ(e.decision, calibrate::Decision::uncertain) << "beat " << e.beat_index;
      EXPECT_STREQ(e.uncertain_reason, "quality");
    }
  }
  // The first beats of every stream are uncertain while the patient reference forms.
  ASSERT_FALSE(whole.events.empty());
  EXPECT_EQ(whole.events.front().decision, calibrate::Decision::uncertain);
  EXPECT_STREQ(whole.events.front().uncertain_reason, "warmup");
  // score_recording on the same degenerate inputs: no crash, finite events.
  for (const auto& in : {Eigen::VectorXd(x * 1e6), rail, clipped(x, 0.2)}) {
    expect_finite_events(pipeline::score_recording(trained().package, in, kFs));
  }
}

// ================================================================== the store

TEST(BadInputStore, HostileNamesRoundTripAndBadPathsAreIoErrors) {
  TempDir dir("store");
  {
    store::Store s(dir / "s.db");
    const std::vector<std::string> names = {"x'); DROP TABLE runs;--", "a\"b", "'; --",
                                            "Robert'); DROP TABLE records;--", "\\x00 %s %n",
                                            std::string("nul\0inside", 10), "ünïcødé 心电图"};
    std::vector<std::int64_t> ids;
    for (const auto& name : names) {
      store::RecordInfo r;
      r.source = "wfdb";
      r.name = name;
      r.fs_hz = kFs;
      r.duration_s = 1.0;
      r.tags = {{"patient", name}};
      r.content_hash = std::string(31, 'a') + std::to_string(ids.size());
      ids.push_back(s.add_record(r));
    }
    const auto stored = s.records();
    ASSERT_EQ(stored.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(stored[i].name, names[i]);
      EXPECT_EQ(stored[i].tags.at("patient"), names[i]);
    }
    // The runs table is still there and usable.
    const std::int64_t run = s.begin_run("train", nlohmann::json::object(),
                                         {{"name", "x'); DROP TABLE runs;--"}});
    EXPECT_EQ(s.run(run).kind, "train");
  }
  run_error_cases({
      {"store in a missing directory", Expect::io_error, "",
       [&] { store::Store s(dir / "no" / "such" / "dir" / "s.db"); }},
      {"a file that is not a database", Expect::format_error, "not an SQLite database",
       [&] {
         write_file(dir / "text.db", std::string(4096, 'x'));
         store::Store s(dir / "text.db");
         s.records();
       }},
  });
}
