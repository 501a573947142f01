// Fuzz target: the UCR time-series archive reader, io/ucr.hpp read_ucr (comma/tab/blank
// separated, label first). Path-only reader: the input goes through the scratch directory
// (fuzz_common.hpp). Contract: any bytes load or throw ecgad::Error.
#include <cstddef>
#include <cstdlib>
#include <cstdint>

#include "ecgad/error.hpp"
#include "ecgad/io/ucr.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ecgad::fuzz::write_scratch(
      "data.tsv", {reinterpret_cast<const char*>(data), size});
  try {
    const ecgad::io::UcrDataset ds = ecgad::io::read_ucr(path);
    if (static_cast<std::size_t>(ds.values.rows()) != ds.labels.size()) std::abort();
  } catch (const ecgad::Error&) {
  }
  return 0;
}
