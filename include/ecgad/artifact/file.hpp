#pragma once
// File access for the artifact layer: bounded staged reads that name the file in every error,
// and atomic replacement (temporary file in the same directory, fsync, rename, fsync of the
// directory), so a crash or a full disk never leaves a partial file under the final name.
// POSIX only (open/pread/fsync/rename); ecgad targets Linux.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "ecgad/error.hpp"

namespace ecgad::artifact::detail {

/// "'<path>'" for messages.
inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

inline std::string errno_text(int error) { return std::strerror(error); }

/// A regular file opened read-only. IoError (naming the file) when it is missing, unreadable
/// or not a regular file (a directory, a FIFO: reading those would block or fail later).
class ReadOnlyFile {
 public:
  ReadOnlyFile(const std::filesystem::path& path, std::string what)
      : path_(path), what_(std::move(what)) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) fail("open", errno);
    // The destructor does not run when the constructor throws: close before throwing.
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
      const int error = errno;
      ::close(fd_);
      fail("stat", error);
    }
    if (!S_ISREG(info.st_mode)) {
      ::close(fd_);
      throw IoError("cannot read " + what_ + " " + quoted(path_) + ": not a regular file");
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
  }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ~ReadOnlyFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  std::uint64_t size() const { return size_; }

  /// Reads exactly `bytes` bytes at `offset` (the caller checked them against size()); a short
  /// read means the file shrank since it was opened: IoError.
  void read_at(std::uint64_t offset, void* buffer, std::size_t bytes) const {
    auto* out = static_cast<char*>(buffer);
    std::size_t done = 0;
    while (done < bytes) {
      const ::ssize_t n = ::pread(fd_, out + done, bytes - done,
                                  static_cast<::off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("read", errno);
      }
      if (n == 0) {
        throw IoError("cannot read " + what_ + " " + quoted(path_) + ": the file shrank to " +
                      std::to_string(offset + done) + " bytes while being read (expected " +
                      std::to_string(size_) + ")");
      }
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  [[noreturn]] void fail(const char* verb, int error) const {
    throw IoError(std::string("cannot ") + verb + " " + what_ + " " + quoted(path_) + ": " +
                  errno_text(error));
  }

  std::filesystem::path path_;
  std::string what_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// Replaces `path` with `bytes` atomically: writes a uniquely named temporary file in the same
/// directory (".<name>.tmp-<pid>-<n>", created with O_EXCL and mode 0666 & ~umask like any new
/// file), fsyncs it, renames it over `path` (atomic on POSIX within one file system) and fsyncs
/// the directory so the rename itself is durable. On any failure the temporary file is removed
/// and an IoError names the final path; an existing file at `path` is left untouched.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                  const std::string& what) {
  namespace fs = std::filesystem;
  if (path.empty() || !path.has_filename()) {
    throw InvalidArgument(what + " path " + quoted(path) + " does not name a file");
  }
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  static std::atomic<unsigned long> counter{0};

  fs::path temp;
  int fd = -1;
  for (int attempt = 0; attempt < 64 && fd < 0; ++attempt) {
    temp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter.fetch_add(1)));
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) {
      throw IoError("cannot write " + what + " " + quoted(path) +
                    ": cannot create a temporary file in " + quoted(dir) + ": " +
                    errno_text(errno));
    }
  }
  if (fd < 0) {
    throw IoError("cannot write " + what + " " + quoted(path) +
                  ": no free temporary file name in " + quoted(dir));
  }

  // Every failure below closes and unlinks the temporary file before throwing.
  auto fail = [&](const std::string& step, int error) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw IoError("cannot write " + what + " " + quoted(path) + ": " + step + ": " +
                  errno_text(error));
  };

  std::size_t done = 0;
  while (done < bytes.size()) {
    const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("fsync", errno);
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) fail("close", errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename", errno);

  // Make the rename durable. The new file is complete and in place whatever happens here, so
  // a directory that cannot be opened or synced (some file systems refuse) is reported.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    throw IoError(what + " " + quoted(path) + " was written, but its directory " + quoted(dir) +
                  " cannot be opened to sync it: " + errno_text(errno));
  }
  const int synced = ::fsync(dir_fd);
  const int error = errno;
  ::close(dir_fd);
  if (synced != 0 && error != EINVAL) {  // EINVAL: the file system cannot sync directories
    throw IoError(what + " " + quoted(path) + " was written, but syncing its directory " +
                  quoted(dir) + " failed: " + errno_text(error));
  }
}

}  // namespace ecgad::artifact::detail
