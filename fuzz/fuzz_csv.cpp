// Fuzz target: the CSV reader, io/csv.hpp read_csv, with the delimiter, header mode and label
// column chosen by the first two input bytes. Path-only reader: the rest of the input goes
// through the scratch directory (fuzz_common.hpp). Contract: any bytes load or throw
// ecgad::Error.
#include <cstddef>
#include <cstdlib>
#include <cstdint>

#include "ecgad/error.hpp"
#include "ecgad/io/csv.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ecgad::fuzz::Input in(data, size);
  const std::uint8_t mode = in.byte();
  const std::uint8_t label = in.byte();
  ecgad::io::CsvOptions options;
  static constexpr char kDelimiters[] = {',', ';', '\t', ' '};
  options.delimiter = kDelimiters[mode & 3];
  options.header = static_cast<ecgad::io::CsvHeader>((mode >> 2) % 3);
  switch ((mode >> 4) & 3) {
    case 1: options.label_index = label % 8; break;
    case 2: options.label_name = "label"; break;
    case 3: options.label_name = std::string(1, static_cast<char>(label)); break;
    default: break;
  }
  const auto path = ecgad::fuzz::write_scratch("data.csv", in.rest());
  try {
    const ecgad::io::CsvTable t = ecgad::io::read_csv(path, options);
    if (!t.labels.empty() && t.labels.size() != static_cast<std::size_t>(t.values.rows())) {
      std::abort();
    }
  } catch (const ecgad::Error&) {
  }
  return 0;
}
