// Fuzz target: the NumPy .npy reader, io/npy.hpp read_npy_header and read_npy<float|double>.
// Path-only reader: the input goes through the scratch directory (fuzz_common.hpp).
// Contract: any bytes load or throw ecgad::Error.
#include <cstddef>
#include <cstdlib>
#include <cstdint>

#include "ecgad/error.hpp"
#include "ecgad/io/npy.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = ecgad::fuzz::write_scratch(
      "data.npy", {reinterpret_cast<const char*>(data), size});
  try {
    const ecgad::io::NpyHeader h = ecgad::io::read_npy_header(path);
    const auto as_double = ecgad::io::read_npy<double>(path);
    if (as_double.size() != h.size()) std::abort();
    (void)ecgad::io::read_npy<float>(path);
  } catch (const ecgad::Error&) {
  }
  return 0;
}
