// .npy files: NEP 1 / numpy.lib.format. The header is a Python dict literal; it is parsed here
// by a small recursive-descent reader that accepts only string, bool and int-tuple literals.
#include "ecgad/io/npy.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <limits>
#include <string>
#include <string_view>

#include "ecgad/error.hpp"
#include "file_util.hpp"

namespace ecgad::io {

namespace {

using detail::quoted;

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicBytes = 6;
constexpr std::size_t kMaxHeaderBytes = 1 << 20;

bool host_is_little_endian() {
  const std::uint16_t one = 1;
  std::uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

template <typename T>
void swap_bytes(T* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    auto* b = reinterpret_cast<std::uint8_t*>(data + i);
    for (std::size_t k = 0; k < sizeof(T) / 2; ++k) std::swap(b[k], b[sizeof(T) - 1 - k]);
  }
}

/// Parser of the header dict, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
class DictParser {
 public:
  DictParser(std::string_view text, const std::string& where) : text_(text), where_(where) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(where_ + ": header " + what + " (header: " +
                      std::string(text_.substr(0, 200)) + ")");
  }

  void skip_blanks() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool accept(char c) {
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c, const char* what) {
    if (!accept(c)) fail(std::string("is malformed; expected ") + what);
  }

  std::string string_literal() {
    skip_blanks();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      fail("is malformed; expected a quoted string");
    }
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail("has an unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  bool bool_literal() {
    skip_blanks();
    for (const bool value : {true, false}) {
      const std::string_view word = value ? "True" : "False";
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    fail("field 'fortran_order' must be True or False");
  }

  std::vector<std::size_t> shape_tuple() {
    expect('(', "'(' starting the shape tuple");
    std::vector<std::size_t> shape;
    for (;;) {
      if (accept(')')) break;
      skip_blanks();
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      // numpy writes Python ints; a trailing 'L' is Python 2's long suffix.
      std::int64_t dim = 0;
      if (!detail::parse_int64(text_.substr(start, pos_ - start), dim) || dim < 0) {
        fail("field 'shape' must be a tuple of non-negative integers");
      }
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
      shape.push_back(static_cast<std::size_t>(dim));
      if (shape.size() > 64) fail("field 'shape' has more than 64 dimensions");
      if (accept(')')) break;
      expect(',', "',' or ')' in the shape tuple");
    }
    return shape;
  }

  bool at_end() {
    skip_blanks();
    return pos_ == text_.size();
  }

 private:
  std::string_view text_;
  const std::string& where_;
  std::size_t pos_ = 0;
};

std::uint32_t le_u32(const unsigned char* p, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

NpyHeader parse_header(detail::InputFile& in, const std::string& where) {
  unsigned char prefix[12];
  if (in.size() < 10) {
    throw FormatError(where + " is " + std::to_string(in.size()) +
                      " bytes, too short for an .npy header; expected the magic \\x93NUMPY");
  }
  in.read(prefix, 10);
  if (std::memcmp(prefix, kMagic, kMagicBytes) != 0) {
    throw FormatError(where + " does not start with the .npy magic string \\x93NUMPY");
  }
  NpyHeader h;
  h.version_major = prefix[6];
  std::size_t length_bytes = 2;
  if (h.version_major == 2 || h.version_major == 3) {
    length_bytes = 4;
    if (in.size() < 12) throw FormatError(where + " is truncated inside its header");
    in.read(prefix + 10, 2);
  } else if (h.version_major != 1) {
    throw FormatError(where + " has .npy format version " + std::to_string(prefix[6]) + "." +
                      std::to_string(prefix[7]) + "; expected 1.0, 2.0 or 3.0");
  }
  const std::uint32_t header_len = le_u32(prefix + 8, length_bytes);
  const std::size_t start = 8 + length_bytes;
  if (header_len > kMaxHeaderBytes || start + header_len > in.size()) {
    throw FormatError(where + " declares a header of " + std::to_string(header_len) +
                      " bytes; the file has " + std::to_string(in.size() - start) +
                      " bytes after the header length (at most " +
                      std::to_string(kMaxHeaderBytes) + " accepted)");
  }
  std::string text(header_len, '\0');
  in.read(text.data(), text.size());
  h.data_offset = start + header_len;

  DictParser p(text, where);
  bool has_descr = false, has_order = false, has_shape = false;
  std::string descr;
  bool fortran = false;
  p.expect('{', "'{' starting the header dict");
  while (!p.accept('}')) {
    const std::string key = p.string_literal();
    p.expect(':', "':' after a key");
    if (key == "descr") {
      p.skip_blanks();
      if (p.accept('[')) {
        p.fail("field 'descr' is a structured dtype; expected '<f4' or '<f8'");
      }
      descr = p.string_literal();
      has_descr = true;
    } else if (key == "fortran_order") {
      fortran = p.bool_literal();
      has_order = true;
    } else if (key == "shape") {
      h.shape = p.shape_tuple();
      has_shape = true;
    } else {
      p.fail("has the unexpected key '" + key + "'; expected descr, fortran_order and shape");
    }
    if (p.accept('}')) break;
    p.expect(',', "',' or '}' after a value");
  }
  if (!p.at_end()) p.fail("has text after the closing '}'");
  if (!has_descr || !has_order || !has_shape) {
    p.fail("lacks one of the keys descr, fortran_order and shape");
  }
  if (descr == "<f4" || (descr == "=f4" && host_is_little_endian())) {
    h.dtype = NpyDtype::float32;
  } else if (descr == "<f8" || (descr == "=f8" && host_is_little_endian())) {
    h.dtype = NpyDtype::float64;
  } else if (descr == ">f4" || descr == ">f8") {
    throw FormatError(where + " holds big-endian data (descr '" + descr +
                      "'); expected little-endian '<f4' or '<f8'");
  } else {
    throw FormatError(where + " has dtype '" + descr + "'" +
                      (descr.find('O') != std::string::npos ? " (Python objects)" : "") +
                      "; expected '<f4' (float32) or '<f8' (float64)");
  }
  if (fortran) {
    throw FormatError(where + " is in Fortran order (fortran_order: True); expected C order "
                      "(save numpy.ascontiguousarray(x))");
  }

  const std::size_t item = h.dtype == NpyDtype::float32 ? 4 : 8;
  const std::uint64_t available = in.size() - h.data_offset;
  // The byte count the shape implies, computed without overflow (a zero dimension wins).
  bool overflow = false;
  std::uint64_t bytes = item;
  const bool empty = std::find(h.shape.begin(), h.shape.end(), 0u) != h.shape.end();
  for (std::size_t d : h.shape) {
    if (empty) break;
    if (bytes > std::numeric_limits<std::uint64_t>::max() / d) {
      overflow = true;
      break;
    }
    bytes *= d;
  }
  if (empty) bytes = 0;
  if (overflow || bytes != available) {
    const bool truncated = overflow || bytes > available;
    throw FormatError(where + (truncated ? " is truncated" : " has the wrong size") +
                      ": shape " + shape_text(h.shape) + " of " +
                      (item == 4 ? "float32" : "float64") + " needs " +
                      (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                      " data bytes, the file holds " + std::to_string(available));
  }
  return h;
}

template <typename T>
void write_impl(const std::filesystem::path& file, const T* data,
                const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / sizeof(T) / d) {
      throw InvalidArgument("write_npy: shape " + shape_text(shape) + " is too large");
    }
    n *= d;
  }
  if (data == nullptr && n > 0) throw InvalidArgument("write_npy: data is null");
  std::string dict = std::string("{'descr': '") + (sizeof(T) == 4 ? "<f4" : "<f8") +
                     "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Pad with blanks so that the data starts on a 64-byte boundary; the header ends with '\n'.
  std::size_t prefix = 10;
  std::size_t total = prefix + dict.size() + 1;
  int version = 1;
  if ((total + 63) / 64 * 64 - prefix > 65535) {
    version = 2;
    prefix = 12;
    total = prefix + dict.size() + 1;
  }
  const std::size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  const auto header_len = static_cast<std::uint32_t>(dict.size());
  std::string head(kMagic, kMagicBytes);
  head += static_cast<char>(version);
  head += '\0';
  for (std::size_t i = 0; i < (version == 1 ? 2u : 4u); ++i) {
    head += static_cast<char>((header_len >> (8 * i)) & 0xFFu);
  }
  detail::OutputFile out(file, ".npy file");
  out.write(head);
  out.write(dict);
  if (host_is_little_endian()) {
    out.write(data, n * sizeof(T));
  } else {
    std::vector<T> swapped(data, data + n);
    swap_bytes(swapped.data(), n);
    out.write(swapped.data(), n * sizeof(T));
  }
  out.commit();
}

}  // namespace

std::size_t NpyHeader::size() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

NpyHeader read_npy_header(const std::filesystem::path& file) {
  detail::InputFile in(file, ".npy file");
  return parse_header(in, ".npy file " + quoted(file));
}

template <typename T>
xt::xarray<T> read_npy(const std::filesystem::path& file) {
  detail::InputFile in(file, ".npy file");
  const std::string where = ".npy file " + quoted(file);
  const NpyHeader h = parse_header(in, where);
  if (std::is_same_v<T, float> && h.dtype == NpyDtype::float64) {
    throw FormatError(where + " holds float64 ('<f8') data; expected float32 ('<f4') — read it "
                      "as double");
  }
  using Shape = typename xt::xarray<T>::shape_type;
  xt::xarray<T> out = xt::xarray<T>::from_shape(Shape(h.shape.begin(), h.shape.end()));
  const std::size_t n = out.size();
  in.seek(h.data_offset);
  if ((h.dtype == NpyDtype::float32) == std::is_same_v<T, float>) {
    in.read(out.data(), n * sizeof(T));
    if (!host_is_little_endian()) swap_bytes(out.data(), n);
  } else {
    // float32 file read as double: widen chunk by chunk (exact).
    std::vector<float> chunk(std::min<std::size_t>(n, 1 << 16));
    for (std::size_t done = 0; done < n;) {
      const std::size_t m = std::min(chunk.size(), n - done);
      in.read(chunk.data(), m * sizeof(float));
      if (!host_is_little_endian()) swap_bytes(chunk.data(), m);
      for (std::size_t i = 0; i < m; ++i) out.data()[done + i] = static_cast<T>(chunk[i]);
      done += m;
    }
  }
  return out;
}

template xt::xarray<float> read_npy<float>(const std::filesystem::path&);
template xt::xarray<double> read_npy<double>(const std::filesystem::path&);

void write_npy(const std::filesystem::path& file, const float* data,
               const std::vector<std::size_t>& shape) {
  write_impl(file, data, shape);
}

void write_npy(const std::filesystem::path& file, const double* data,
               const std::vector<std::size_t>& shape) {
  write_impl(file, data, shape);
}

}  // namespace ecgad::io
