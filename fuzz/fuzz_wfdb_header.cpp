// Fuzz target: the WFDB header parser (io/wfdb.hpp parse_wfdb_header, from memory) and, for
// headers that parse, read_wfdb_header on the same text as a file (adds the signal-file name
// and group checks). Contract: any text parses or throws ecgad::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ecgad/error.hpp"
#include "ecgad/io/wfdb.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ecgad::fuzz::Input in(data, size);
  // Control byte: bit 0 = check the record line's name against "r" (as read_wfdb_header does).
  const bool with_name = (in.byte() & 1) != 0;
  const std::string_view text = in.rest();
  try {
    const ecgad::io::WfdbHeader h =
        ecgad::io::parse_wfdb_header(text, "fuzz", with_name ? "r" : "");
    // Touch what a caller reads, so the sanitizers see every field.
    std::size_t touched = h.record_name.size() + h.comments.size();
    for (const auto& s : h.signals) touched += s.file_name.size() + s.description.size();
    (void)touched;
  } catch (const ecgad::Error&) {
    return 0;
  }
  try {
    ecgad::fuzz::write_scratch("r.hea", text);
    (void)ecgad::io::read_wfdb_header(ecgad::fuzz::scratch_dir() / "r");
  } catch (const ecgad::Error&) {
  }
  return 0;
}
