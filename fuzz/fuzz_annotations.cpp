// Fuzz target: the WFDB (MIT format) annotation reader, io/annotations.hpp read_annotations,
// plus the summaries a caller computes from what it read. The reader takes a path only: the
// input is written to the scratch directory (fuzz_common.hpp). Contract: any bytes load or
// throw ecgad::Error.
#include <cstddef>
#include <cstdint>

#include "ecgad/error.hpp"
#include "ecgad/io/annotations.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ecgad::fuzz::write_scratch(
      "r.atr", {reinterpret_cast<const char*>(data), size});
  try {
    const auto annotations = ecgad::io::read_annotations(path);
    (void)ecgad::io::aami_class_counts(annotations);
    (void)ecgad::io::symbol_counts(annotations);
    (void)ecgad::io::vf_episodes(annotations);
    (void)ecgad::io::beat_annotations(annotations);
    for (const auto& a : annotations) (void)ecgad::io::annotation_description(a.code);
  } catch (const ecgad::Error&) {
  }
  return 0;
}
