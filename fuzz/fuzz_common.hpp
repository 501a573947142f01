#pragma once
// Shared helpers of the libFuzzer harnesses (fuzz/fuzz_<target>.cpp) and their replay tests.
//
// The readers under test that only take paths get the fuzz input through a file in a
// per-process scratch directory under /dev/shm (tmpfs: no disk traffic at ~10^4 execs/s); the
// directory is removed at exit. Each harness's contract is the library's: any input either
// loads or throws ecgad::Error. Any other exception escapes the harness and aborts the process,
// which libFuzzer (and the replay test) reports as a failure.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace ecgad::fuzz {

/// The process's scratch directory: /dev/shm/ecgad-fuzz-<pid> (the system temp dir where
/// /dev/shm does not exist), created on first use and removed when the process exits.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    std::filesystem::path base = "/dev/shm";
    if (!std::filesystem::is_directory(base, ec)) base = std::filesystem::temp_directory_path();
    std::filesystem::path d = base / ("ecgad-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_dir(), ignored);
    });
    return d;
  }();
  return dir;
}

/// Writes `bytes` to scratch_dir()/name (replacing it) and returns the path. Aborts when the
/// scratch file cannot be written: that is the harness's failure, not the library's.
inline std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  const std::filesystem::path path = scratch_dir() / name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr ||
      (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) ||
      std::fclose(f) != 0) {
    std::perror(("fuzz harness: cannot write " + path.string()).c_str());
    std::abort();
  }
  return path;
}

/// Removes every file of the scratch directory (between inputs, so one input's files never
/// leak into the next one's run).
inline void clear_scratch() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(scratch_dir(), ec)) {
    std::filesystem::remove_all(entry.path(), ec);
  }
}

/// Consumes the input front to back: control bytes first, the rest as payload.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  /// The next byte, 0 when the input is exhausted.
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  /// Everything not consumed yet.
  std::string_view rest() const {
    return {reinterpret_cast<const char*>(data_) + pos_, size_ - pos_};
  }
  std::size_t remaining() const { return size_ - pos_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace ecgad::fuzz
