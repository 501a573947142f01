#pragma once
// XXH3-128 digests as lowercase hex: the bundle checksum and the training-data fingerprint.
// The hex is xxHash's canonical (big-endian) form of the 128-bit value, high 64 bits first —
// what `xxh128sum` prints and Python's `xxhash.xxh3_128_hexdigest()` returns, so a digest can be
// checked with standard tools.
//
// xxHash is used header-only (XXH_INLINE_ALL): a scoring host needs no libxxhash at link time.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <Eigen/Core>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ecgad artifact: bundles store little-endian values; big-endian hosts are not supported"
#endif

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace ecgad::artifact {

namespace detail {

/// 32 lowercase hex digits of XXH128_canonicalFromHash(hash).
inline std::string canonical_hex(XXH128_hash_t hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * sizeof canonical.digest, '0');
  for (std::size_t i = 0; i < sizeof canonical.digest; ++i) {
    hex[2 * i] = kDigits[canonical.digest[i] >> 4];
    hex[2 * i + 1] = kDigits[canonical.digest[i] & 0x0F];
  }
  return hex;
}

/// True when `text` is exactly 32 lowercase hex digits (the form canonical_hex writes).
inline bool is_digest_hex(std::string_view text) {
  if (text.size() != 32) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// Incremental XXH3-128 over several byte ranges, equal to hashing their concatenation.
/// The state lives on the stack: no allocation (XXH3_createState would malloc).
class Xxh128Stream {
 public:
  Xxh128Stream() { XXH3_128bits_reset(&state_); }
  Xxh128Stream(const Xxh128Stream&) = delete;
  Xxh128Stream& operator=(const Xxh128Stream&) = delete;

  void update(const void* data, std::size_t bytes) {
    if (bytes != 0) XXH3_128bits_update(&state_, data, bytes);
  }
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

  /// Digest of everything passed to update() so far (the stream may continue afterwards).
  std::string hex() const { return canonical_hex(XXH3_128bits_digest(&state_)); }

 private:
  XXH3_state_t state_;
};

}  // namespace detail

/// XXH3-128 (seed 0) of `bytes` as 32 lowercase hex digits, canonical (big-endian) order:
/// xxh128_hex("") == "99aa06d3014798d86001c324468d497f" (xxHash 0.8, `xxh128sum`).
inline std::string xxh128_hex(const void* data, std::size_t bytes) {
  return detail::canonical_hex(XXH3_128bits(data, bytes));
}

/// XXH3-128 hex of a byte string (see the pointer overload).
inline std::string xxh128_hex(std::string_view bytes) {
  return xxh128_hex(bytes.data(), bytes.size());
}

/// Fingerprint of a training matrix for the bundle's training summary: XXH3-128 hex of its
/// float32 values in row-major order (rows × cols × 4 bytes, little-endian on the supported
/// hosts), whatever the matrix's own storage order, so equal data gives an equal fingerprint.
/// The shape is not hashed (record it beside the fingerprint).
template <typename Derived>
std::string data_fingerprint(const Eigen::DenseBase<Derived>& matrix) {
  static_assert(std::is_same_v<typename Derived::Scalar, float>,
                "data_fingerprint hashes float32 matrices (the model input type)");
  const Derived& m = matrix.derived();
  // A row-major matrix with unit inner stride is one contiguous block: hash it in one call.
  if constexpr (static_cast<int>(Derived::IsRowMajor) != 0 &&
                static_cast<int>(Eigen::internal::traits<Derived>::Flags &
                                 Eigen::DirectAccessBit) != 0) {
    if (m.innerStride() == 1 && (m.rows() <= 1 || m.outerStride() == m.cols())) {
      return xxh128_hex(m.data(), static_cast<std::size_t>(m.size()) * sizeof(float));
    }
  }
  // Anything else streams row by row through a small stack buffer (no full copy).
  detail::Xxh128Stream stream;
  constexpr Eigen::Index kChunk = 256;
  float buffer[kChunk];
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c0 = 0; c0 < m.cols(); c0 += kChunk) {
      const Eigen::Index n = std::min(kChunk, m.cols() - c0);
      for (Eigen::Index c = 0; c < n; ++c) buffer[c] = m.coeff(r, c0 + c);
      stream.update(buffer, static_cast<std::size_t>(n) * sizeof(float));
    }
  }
  return stream.hex();
}

}  // namespace ecgad::artifact
