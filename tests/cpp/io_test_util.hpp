#pragma once
// Helpers for the io tests: a scratch directory removed at the end of each test, byte and text
// fixtures, the location of the shared real-data folder, and expectations on error types whose
// message must name the file/field/value.

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/error.hpp"

namespace ecgad::test {

/// A fresh directory under the system temp dir, deleted with its contents on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ecgad_io_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) throw std::runtime_error("cannot write fixture " + path.string());
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write fixture " + path.string());
}

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The shared real-data folder: $ECGAD_DATA_DIR, else the ECGAD_SHARED_DATA_DIR definition.
inline std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("ECGAD_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return ECGAD_SHARED_DATA_DIR;
}

/// Runs f and expects exception E whose message contains every needle.
template <typename E, typename F>
void expect_error(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning '" << (needles.empty() ? "" : needles[0])
                  << "'";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const std::string& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message '" << message << "' does not mention '" << needle << "'";
    }
  }
}

}  // namespace ecgad::test

/// Skips the test, with the reason shown, when the shared data folder `sub` is missing.
#define ECGAD_REQUIRE_SHARED_DATA(sub)                                                       \
  do {                                                                                       \
    if (!std::filesystem::is_directory(::ecgad::test::shared_data_dir() / (sub))) {          \
      GTEST_SKIP() << "shared data folder " << (::ecgad::test::shared_data_dir() / (sub))    \
                   << " is absent (set ECGAD_DATA_DIR to the folder holding mitdb/, nstdb/)"; \
    }                                                                                        \
  } while (0)
