#pragma once
// Private helpers of the io readers and writers: opening files with errors that name them,
// reading whole small files with a size cap, and writing through a temporary file that is
// renamed into place only when complete (a crash never leaves a half-written record behind).

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "ecgad/error.hpp"

namespace ecgad::io::detail {

/// "'<path>'" for messages.
inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

/// An input file opened for binary reading; IoError naming the file when it cannot be opened.
class InputFile {
 public:
  InputFile(const std::filesystem::path& path, const char* what) : path_(path), what_(what) {
    errno = 0;
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      throw IoError(std::string("cannot open ") + what + " " + quoted(path) + ": " +
                    std::strerror(errno));
    }
    if (std::fseek(file_, 0, SEEK_END) != 0) fail("seek in");
    const long end = std::ftell(file_);
    if (end < 0) fail("measure");
    size_ = static_cast<std::uint64_t>(end);
    if (std::fseek(file_, 0, SEEK_SET) != 0) fail("seek in");
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() {
    if (file_ != nullptr) std::fclose(file_);
  }

  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

  void seek(std::uint64_t offset) {
    if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0) fail("seek in");
  }

  /// Reads exactly n bytes (the caller checked the size); IoError when the OS delivers fewer.
  void read(void* buffer, std::size_t n) {
    if (n == 0) return;
    if (std::fread(buffer, 1, n, file_) != n) fail("read");
  }

  /// The whole file as a string, FormatError when it is larger than max_bytes.
  std::string read_all(std::uint64_t max_bytes) {
    if (size_ > max_bytes) {
      throw FormatError(std::string(what_) + " " + quoted(path_) + " is " +
                        std::to_string(size_) + " bytes; expected at most " +
                        std::to_string(max_bytes));
    }
    std::string text(static_cast<std::size_t>(size_), '\0');
    read(text.data(), text.size());
    return text;
  }

 private:
  [[noreturn]] void fail(const char* verb) const {
    throw IoError(std::string("cannot ") + verb + " " + what_ + " " + quoted(path_) + ": " +
                  std::strerror(errno));
  }

  std::filesystem::path path_;
  const char* what_;
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
};

/// An output file written to "<path>.partial" and renamed to `path` by commit(); destroyed
/// without commit() (an exception on the way), it removes the partial file.
class OutputFile {
 public:
  OutputFile(const std::filesystem::path& path, const char* what)
      : path_(path), partial_(path), what_(what) {
    partial_ += ".partial";
    errno = 0;
    file_ = std::fopen(partial_.c_str(), "wb");
    if (file_ == nullptr) {
      throw IoError(std::string("cannot create ") + what + " " + quoted(path) + ": " +
                    std::strerror(errno));
    }
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
      std::error_code ignored;
      std::filesystem::remove(partial_, ignored);
    }
  }

  void write(const void* data, std::size_t n) {
    if (n != 0 && std::fwrite(data, 1, n, file_) != n) fail();
  }
  void write(std::string_view text) { write(text.data(), text.size()); }

  /// Flushes, closes and renames the file into place.
  void commit() {
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) {
      std::error_code ignored;
      std::filesystem::remove(partial_, ignored);
      fail();
    }
    std::error_code ec;
    std::filesystem::rename(partial_, path_, ec);
    if (ec) {
      std::filesystem::remove(partial_, ec);
      throw IoError(std::string("cannot write ") + what_ + " " + quoted(path_) + ": " +
                    ec.message());
    }
  }

 private:
  [[noreturn]] void fail() const {
    throw IoError(std::string("cannot write ") + what_ + " " + quoted(path_) + ": " +
                  std::strerror(errno));
  }

  std::filesystem::path path_;
  std::filesystem::path partial_;
  const char* what_;
  std::FILE* file_ = nullptr;
};

/// Asks the kernel to back the 2 MiB-aligned interior of a large, freshly allocated buffer with
/// transparent huge pages (Linux madvise(MADV_HUGEPAGE); a no-op elsewhere or for small
/// buffers). First-touch page faults dominate reading a record: on the VMs measured, 16 MB of
/// 4 KiB pages took ~50 ms to fault in and 2 MiB pages ~2 ms.
void advise_huge_pages(void* data, std::size_t bytes);

/// Shortest decimal text that parses back to exactly `value` (for headers and text files).
std::string shortest_double(double value);

/// Parses all of `token` as a finite double (locale-independent); false on any leftover
/// character, overflow, NaN or infinity.
bool parse_double(std::string_view token, double& value);

/// Parses all of `token` as a base-10 int64; false on any leftover character or overflow.
bool parse_int64(std::string_view token, std::int64_t& value);

/// `text` without leading and trailing blanks (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view text);

/// Calls fn(line, line_no) for each non-blank line of `text`: lines split at '\n', trimmed,
/// numbered from 1 (blank lines count), a leading UTF-8 byte-order mark skipped.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t line_no = 0;
  std::size_t pos = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++line_no;
    if (!line.empty()) fn(line, line_no);
  }
}

}  // namespace ecgad::io::detail
