// Fuzz target: the model bundle loader, artifact/bundle.hpp bundle_from_bytes (from memory),
// then pipeline::ModelPackage::from_bundle, then a few seconds of streaming through a package
// that loaded. Control byte bit 0: re-compute the bundle checksum of the mutated bytes before
// loading, so mutations reach the metadata documents, tensors and architecture checks instead
// of all stopping at "checksum mismatch". Contract: any bytes load or throw ecgad::Error.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/error.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "fuzz_common.hpp"

namespace {

/// `bytes` with its "ecgad.checksum" value replaced by the digest of the (mutated) contents;
/// unchanged when the layout is too broken to locate the value.
std::string with_fixed_checksum(std::string bytes) {
  try {
    const auto parts = ecgad::artifact::detail::split_parts(bytes, "fuzz");
    const auto span = ecgad::artifact::detail::find_checksum_value(parts.header);
    if (span.begin == std::string_view::npos || span.length != 32) return bytes;
    const std::string digest = ecgad::artifact::detail::bundle_digest(parts.header, span, parts.data);
    bytes.replace(8 + span.begin, 32, digest);
  } catch (const ecgad::Error&) {
  }
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ecgad::fuzz::Input in(data, size);
  const bool fix_checksum = (in.byte() & 1) != 0;
  std::string bytes(in.rest());
  if (fix_checksum) bytes = with_fixed_checksum(std::move(bytes));
  try {
    const ecgad::artifact::Bundle bundle = ecgad::artifact::bundle_from_bytes(bytes, "fuzz");
    const auto package = ecgad::pipeline::ModelPackage::from_bundle(bundle, "fuzz");
    // A package that loads must also stream: 3 s of a 1.2 Hz pulse train at its own rate.
    ecgad::pipeline::StreamOptions options;
    options.monitor_warmup_s = 1.0;
    ecgad::pipeline::StreamPipeline stream(package, options);
    const double fs = package->preprocessing.fs_hz;
    Eigen::VectorXd x(static_cast<Eigen::Index>(3.0 * fs));
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const double t = static_cast<double>(i) / fs;
      x[i] = std::exp(-std::pow((std::fmod(t, 0.8) - 0.4) / 0.01, 2.0));
    }
    stream.process(x);
    stream.finish();
  } catch (const ecgad::Error&) {
  }
  return 0;
}
