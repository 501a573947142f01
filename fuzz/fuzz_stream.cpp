// Fuzz target: the streaming inference pipeline, pipeline::StreamPipeline::process, fed
// arbitrary samples in arbitrary chunk sizes, with a LibTorch-free package (fuzz_package.hpp:
// seeded random dense weights, default preprocessing, conformal calibration).
//
// Input: byte 0 = sample mode, bytes 1..4 = seed of the chunk sizes (1..4096 samples), rest =
// payload. Modes: 0 raw little-endian doubles (NaN, Inf, subnormals, 1e308 included);
// 1 int16 ADC counts / 200 (mV, as MIT-BIH); 2 a synthetic 20 s ECG whose samples the payload
// overwrites (pairs of uint16 index, double value), so beats are found and scored and the
// monitor runs. Contract: process/finish succeed or throw ecgad::Error (and a refused chunk
// leaves the stream usable), never crash or hang.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/signal/synth.hpp"
#include "fuzz_common.hpp"
#include "fuzz_package.hpp"

namespace {

const Eigen::VectorXd& synthetic_ecg() {
  static const Eigen::VectorXd ecg = [] {
    ecgad::signal::RecordingConfig rc;
    rc.ecg.duration_s = 20.0;
    rc.ecg.seed = 3;
    rc.anomalies.pvc_rate = 0.1;
    return Eigen::VectorXd(ecgad::signal::synthesize(rc).ecg_mv);
  }();
  return ecg;
}

Eigen::VectorXd samples_of(std::uint8_t mode, std::string_view payload) {
  Eigen::VectorXd x;
  switch (mode % 3) {
    case 0: {
      x.resize(static_cast<Eigen::Index>(payload.size() / 8));
      for (Eigen::Index i = 0; i < x.size(); ++i) {
        std::memcpy(&x[i], payload.data() + 8 * i, 8);
      }
      break;
    }
    case 1: {
      x.resize(static_cast<Eigen::Index>(payload.size() / 2));
      for (Eigen::Index i = 0; i < x.size(); ++i) {
        std::int16_t v = 0;
        std::memcpy(&v, payload.data() + 2 * i, 2);
        x[i] = v / 200.0;
      }
      break;
    }
    default: {
      x = synthetic_ecg();
      for (std::size_t at = 0; at + 10 <= payload.size(); at += 10) {
        std::uint16_t index = 0;
        double value = 0.0;
        std::memcpy(&index, payload.data() + at, 2);
        std::memcpy(&value, payload.data() + at + 2, 8);
        x[static_cast<Eigen::Index>(index) % x.size()] = value;
      }
      break;
    }
  }
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto package = ecgad::fuzz::make_dense_package();
  ecgad::fuzz::Input in(data, size);
  const std::uint8_t mode = in.byte();
  std::uint32_t seed = 0;
  for (int i = 0; i < 4; ++i) seed = (seed << 8) | in.byte();
  const Eigen::VectorXd x = samples_of(mode, in.rest());

  ecgad::pipeline::StreamOptions options;
  options.monitor_warmup_s = 5.0;  // short, so the drift monitor runs within a fuzz input
  ecgad::pipeline::StreamPipeline stream(package, options);
  std::size_t events = 0;
  stream.set_event_callback([&](const ecgad::pipeline::BeatEvent& e) {
    // An emitted event's numbers are what a host stores: they must be well-formed.
    if (!(e.p_value > 0.0 && e.p_value <= 1.0) || !std::isfinite(e.score)) std::abort();
    ++events;
  });
  std::mt19937 chunks(seed);  // raw engine output: the same sizes on every standard library
  for (Eigen::Index at = 0; at < x.size();) {
    const Eigen::Index n = std::min<Eigen::Index>(1 + chunks() % 4096, x.size() - at);
    try {
      stream.process(x.segment(at, n));
    } catch (const ecgad::Error&) {
      // Refused (non-finite samples): nothing was consumed; the stream goes on.
    }
    at += n;
  }
  try {
    stream.finish();
    (void)stream.recommend();
    (void)stream.monitor_summary();
  } catch (const ecgad::Error&) {
  }
  (void)events;
  return 0;
}
