// Fuzz target: the WFDB record reader (io/wfdb.hpp read_wfdb): header + signal file(s), every
// storage format. The reader takes a path only, so the input is written to the scratch
// directory (fuzz_common.hpp): input = flags byte, header text up to the first NUL byte, then
// the signal file's bytes, written under every plain file name the header names.
// Contract: any input loads or throws ecgad::Error.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "ecgad/error.hpp"
#include "ecgad/io/wfdb.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ecgad::fuzz::Input in(data, size);
  const std::uint8_t flags = in.byte();
  ecgad::io::WfdbReadOptions options;
  options.verify_checksums = (flags & 1) != 0;
  options.verify_initial_values = (flags & 2) != 0;
  options.physical = (flags & 4) == 0;
  const std::string_view rest = in.rest();
  const std::size_t nul = rest.find('\0');
  const std::string_view header = rest.substr(0, nul);
  const std::string_view signal =
      nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);

  std::set<std::string> files;
  try {
    for (const auto& s : ecgad::io::parse_wfdb_header(header, "fuzz", "r").signals) {
      // Only names that are a file of the scratch directory itself; the reader must refuse
      // the others (absolute, "..") or report them missing, which the fuzzer also exercises.
      const bool plain = !s.file_name.empty() && s.file_name.size() < 200 &&
                         s.file_name.find('/') == std::string::npos && s.file_name != "." &&
                         s.file_name != ".." && s.file_name != "r.hea";
      if (plain) files.insert(s.file_name);
    }
  } catch (const ecgad::Error&) {
    return 0;  // the header harness covers headers that do not parse
  }
  ecgad::fuzz::clear_scratch();
  ecgad::fuzz::write_scratch("r.hea", header);
  for (const std::string& name : files) ecgad::fuzz::write_scratch(name, signal);
  try {
    const ecgad::io::WfdbRecord rec = ecgad::io::read_wfdb(ecgad::fuzz::scratch_dir() / "r", options);
    double sum = 0.0;
    for (std::size_t lead = 0; lead < rec.n_leads() && options.physical; ++lead) {
      sum += rec.lead(lead).sum();
    }
    (void)sum;
  } catch (const ecgad::Error&) {
  }
  return 0;
}
