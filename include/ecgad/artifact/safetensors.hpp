#pragma once
// The safetensors file layout (Hugging Face, https://github.com/huggingface/safetensors), read
// and written with nothing but nlohmann_json: an 8-byte little-endian header length N, N bytes
// of JSON header, then the raw little-endian tensor data. The header maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data section) and
// the optional key "__metadata__" to a string -> string map.
//
// Supported dtypes: F32, F64, I64. Reading treats the file as untrusted data and checks it
// completely before building anything, each failure a FormatError naming the source, the tensor
// or field, and what was expected:
//   - the header length is bounded (kMaxHeaderBytes, as the reference implementation) and fits
//     in the file, so no allocation is ever sized by an unchecked number;
//   - the header is well-formed UTF-8 JSON, an object, without duplicate keys (two parsers that
//     disagree about which duplicate wins are a classic smuggling route), nesting <= 8 levels;
//   - every tensor entry has exactly dtype/shape/data_offsets, a known dtype, non-negative
//     integer extents whose product × itemsize equals the offsets' span (overflow-checked);
//   - sorted by offset, the tensors tile the data section exactly: the first starts at 0, each
//     starts where the previous ends (no gap, no overlap) and the last ends at the end of the
//     file (no trailing bytes) — the rule of the reference implementation, which therefore
//     also accepts files whose header lists tensors in another order than their data;
//   - "__metadata__" is an object of strings.
// Only then are the tensors allocated (at most the data section's real size) and copied; the
// result is returned whole or not at all.
//
// Writing puts the tensors in name order (std::map order, which is also the order nlohmann
// serialises the header keys in), contiguous from offset 0, and pads the header with spaces so
// the data section starts at a multiple of 8 bytes (as the reference writer does).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/artifact/file.hpp"
#include "ecgad/error.hpp"
#include "ecgad/runtime/tensor.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ecgad artifact: safetensors stores little-endian values; big-endian hosts are not supported"
#endif

namespace ecgad::artifact {

/// Largest JSON header accepted, in bytes (the reference implementation's limit: 100 MB).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

/// Largest safetensors or bundle file read, in bytes (2 GiB). ecgad's models are megabytes;
/// the cap keeps a wrong or hostile path (a recording, a disk image, a sparse file) from being
/// read whole into memory before any check could refuse it.
inline constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 31;

/// Element types this reader and writer handle (safetensors names "F32", "F64", "I64").
enum class DType { f32 = 0, f64 = 1, i64 = 2 };

/// "F32", "F64" or "I64".
inline const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i64: return "I64";
  }
  return "?";
}

/// Bytes per element: 4 for F32, 8 for F64 and I64.
inline std::size_t dtype_size(DType dtype) { return dtype == DType::f32 ? 4 : 8; }

/// One tensor of a safetensors file: its shape and values (row-major, last index fastest) in
/// one of the supported element types; the dtype is the variant's alternative.
struct TypedTensor {
  using Values = std::variant<std::vector<float>, std::vector<double>, std::vector<std::int64_t>>;

  std::vector<std::int64_t> shape;
  Values values;

  TypedTensor() = default;
  TypedTensor(std::vector<std::int64_t> shape_in, Values values_in)
      : shape(std::move(shape_in)), values(std::move(values_in)) {}
  /// Moves a runtime float32 tensor in (no copy of its values).
  explicit TypedTensor(runtime::Tensor tensor)
      : shape(std::move(tensor.shape)), values(std::move(tensor.values)) {}

  DType dtype() const { return static_cast<DType>(values.index()); }
  /// Number of values held.
  std::size_t size() const {
    return std::visit([](const auto& v) { return v.size(); }, values);
  }
  /// The values' bytes (size() * dtype_size(dtype()) of them).
  const void* bytes() const {
    return std::visit([](const auto& v) { return static_cast<const void*>(v.data()); }, values);
  }
};

/// A whole safetensors file: named tensors (written in name order) and the string metadata.
struct SafetensorsFile {
  std::map<std::string, TypedTensor> tensors;
  std::map<std::string, std::string> metadata;
};

namespace detail {

/// Thrown from inside nlohmann's parse callback and turned into a FormatError by the caller.
struct JsonLimitError {
  std::string message;
};

/// Parses `text` as JSON, refusing duplicate object keys and more than `max_depth` nested
/// containers (nlohmann keeps the last duplicate silently; other readers keep the first). Any
/// problem is a FormatError "<what>: <reason>".
inline nlohmann::json parse_json_strict(std::string_view text, int max_depth,
                                        const std::string& what) {
  using json = nlohmann::json;
  std::vector<std::set<std::string>> keys_per_object;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    // nlohmann reports a container's start at the depth of its parent: the outermost one at 0.
    // Nesting counts containers ("[[1]]" is 2), as the Python reader does.
    const bool opens = event == json::parse_event_t::object_start ||
                       event == json::parse_event_t::array_start;
    if (opens && depth + 1 > max_depth) {
      throw JsonLimitError{"JSON nested deeper than " + std::to_string(max_depth) + " levels"};
    }
    switch (event) {
      case json::parse_event_t::object_start: keys_per_object.emplace_back(); break;
      case json::parse_event_t::object_end: keys_per_object.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys_per_object.back().insert(parsed.get<std::string>()).second) {
          throw JsonLimitError{"duplicate key \"" + parsed.get<std::string>() + "\""};
        }
        break;
      default: break;
    }
    return true;
  };
  // nlohmann stops at a NUL byte as if the input ended there, silently ignoring what follows;
  // JSON text never contains one (strings escape it as \u0000), so refuse it outright.
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    throw FormatError(what + " is not valid JSON: NUL byte at offset " + std::to_string(nul));
  }
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const JsonLimitError& e) {
    throw FormatError(what + ": " + e.message);
  } catch (const json::exception& e) {
    throw FormatError(what + " is not valid JSON: " + e.what());
  }
}

/// The JSON value's type with its article, for messages: "an array", "a string", "null", ...
inline std::string json_type(const nlohmann::json& value) {
  const std::string name = value.type_name();
  if (name == "null") return name;
  return (name == "array" || name == "object" ? "an " : "a ") + name;
}

/// `value` as a non-negative integer no larger than `limit`; false otherwise (negative, float,
/// not a number, too large). nlohmann stores any unsigned literal as number_unsigned.
inline bool get_index(const nlohmann::json& value, std::uint64_t limit, std::uint64_t& out) {
  if (!value.is_number_unsigned()) return false;
  out = value.get<std::uint64_t>();
  return out <= limit;
}

/// One tensor entry of a validated header.
struct TensorEntry {
  std::string name;
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

/// A validated header: entries sorted by data offset, and the string metadata.
struct Layout {
  std::vector<TensorEntry> entries;
  std::map<std::string, std::string> metadata;
};

/// Validates the header text against a data section of `data_bytes` bytes (see the file
/// comment for every rule); `source` names the file or buffer in messages.
inline Layout parse_layout(std::string_view header, std::uint64_t data_bytes,
                           const std::string& source) {
  using json = nlohmann::json;
  // Depth 3 is enough (header -> tensor entry -> shape array); 8 leaves room for foreign files.
  const json root = parse_json_strict(header, 8, source + ": the safetensors header");
  if (!root.is_object()) {
    throw FormatError(source + ": the safetensors header must be a JSON object, got " +
                      json_type(root));
  }

  Layout layout;
  for (const auto& [name, info] : root.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) {
        throw FormatError(source + ": \"__metadata__\" must be an object of strings, got " +
                          json_type(info));
      }
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string()) {
          throw FormatError(source + ": \"__metadata__\" entry \"" + key +
                            "\" must be a string, got " + json_type(value));
        }
        layout.metadata.emplace(key, value.get<std::string>());
      }
      continue;
    }
    const std::string where = source + ": tensor '" + name + "'";
    if (!info.is_object()) {
      throw FormatError(where + ": expected an object with dtype, shape and data_offsets, got " +
                        json_type(info));
    }
    for (const auto& field : info.items()) {
      if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets") {
        throw FormatError(where + ": unknown field \"" + field.key() +
                          "\"; expected only dtype, shape and data_offsets");
      }
    }
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!info.contains(field)) throw FormatError(where + ": missing field \"" + field + "\"");
    }

    TensorEntry entry;
    entry.name = name;
    const json& dtype = info["dtype"];
    if (!dtype.is_string()) {
      throw FormatError(where + ": dtype must be a string, got " + json_type(dtype));
    }
    const std::string dtype_text = dtype.get<std::string>();
    if (dtype_text == "F32") {
      entry.dtype = DType::f32;
    } else if (dtype_text == "F64") {
      entry.dtype = DType::f64;
    } else if (dtype_text == "I64") {
      entry.dtype = DType::i64;
    } else {
      static const std::set<std::string> kOther = {"BOOL", "U8",  "I8",  "U16", "I16",
                                                   "F16",  "BF16", "U32", "I32", "U64",
                                                   "F8_E4M3", "F8_E5M2"};
      throw FormatError(where + ": " +
                        (kOther.count(dtype_text) != 0 ? "dtype \"" + dtype_text +
                                                             "\" is not supported"
                                                       : "unknown dtype \"" + dtype_text + "\"") +
                        "; expected F32, F64 or I64");
    }

    const json& offsets = info["data_offsets"];
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    if (!offsets.is_array() || offsets.size() != 2 ||
        !get_index(offsets[0], data_bytes, begin) || !get_index(offsets[1], data_bytes, end) ||
        begin > end) {
      throw FormatError(where + ": data_offsets " + offsets.dump() +
                        " must be [begin, end] with 0 <= begin <= end <= " +
                        std::to_string(data_bytes) + " (the data section's size)");
    }
    entry.begin = begin;
    entry.end = end;

    const json& shape = info["shape"];
    if (!shape.is_array()) {
      throw FormatError(where + ": shape must be an array of integers >= 0, got " +
                        json_type(shape));
    }
    // Count elements with an overflow guard (a zero extent anywhere makes the count 0,
    // whatever the other extents are).
    const std::uint64_t max_count =
        std::numeric_limits<std::uint64_t>::max() / dtype_size(entry.dtype);
    std::uint64_t count = 1;
    bool overflow = false;
    entry.shape.reserve(shape.size());
    for (const json& extent : shape) {
      std::uint64_t e = 0;
      if (!get_index(extent, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                     e)) {
        throw FormatError(where + ": shape " + shape.dump() +
                          " must hold integers >= 0 (and < 2^63)");
      }
      entry.shape.push_back(static_cast<std::int64_t>(e));
      if (e == 0) {
        count = 0;
      } else if (count > max_count / e) {
        overflow = true;
      } else {
        count *= e;
      }
    }
    if (count == 0) overflow = false;
    if (overflow || count * dtype_size(entry.dtype) != end - begin) {
      throw FormatError(where + ": shape " + shape.dump() + " of " + dtype_text + " needs " +
                        (overflow ? std::string("more than 2^64")
                                  : std::to_string(count * dtype_size(entry.dtype))) +
                        " bytes, but data_offsets " + offsets.dump() + " span " +
                        std::to_string(end - begin));
    }
    layout.entries.push_back(std::move(entry));
  }

  // The tensors must tile the data section exactly when sorted by offset.
  std::sort(layout.entries.begin(), layout.entries.end(),
            [](const TensorEntry& a, const TensorEntry& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  std::uint64_t position = 0;
  for (const TensorEntry& entry : layout.entries) {
    if (entry.begin != position) {
      throw FormatError(
          source + ": tensor '" + entry.name + "' starts at data offset " +
          std::to_string(entry.begin) + ", expected " + std::to_string(position) +
          (entry.begin > position ? " (a gap: tensors must be contiguous)"
                                  : " (it overlaps the previous tensor)"));
    }
    position = entry.end;
  }
  if (position != data_bytes) {
    throw FormatError(source + ": the tensors end at data offset " + std::to_string(position) +
                      ", but the data section holds " + std::to_string(data_bytes) +
                      " bytes (trailing bytes, or a truncated header)");
  }
  return layout;
}

/// Checks the 8-byte length field's value `n` against kMaxHeaderBytes and the `available`
/// bytes after the field.
inline void check_header_length(std::uint64_t n, std::uint64_t available,
                                const std::string& source) {
  if (n > kMaxHeaderBytes) {
    throw FormatError(source + ": header length " + std::to_string(n) +
                      " exceeds the limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (n > available) {
    throw FormatError(source + ": header length " + std::to_string(n) + " exceeds the " +
                      std::to_string(available) +
                      " bytes that follow the length field (truncated file?)");
  }
  if (n < 2) {
    throw FormatError(source + ": header length " + std::to_string(n) +
                      " is too short for a JSON object (at least \"{}\")");
  }
}

/// FormatError for a byte string or file shorter than the length field.
[[noreturn]] inline void throw_too_short(std::uint64_t size, const std::string& source) {
  throw FormatError(source + " is " + std::to_string(size) +
                    " bytes long; a safetensors file starts with an 8-byte header length "
                    "(truncated?)");
}

/// The little-endian 64-bit value of the first 8 bytes.
inline std::uint64_t read_length_field(const unsigned char* bytes) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  return n;
}

/// The two parts of a safetensors byte string after the length field was checked.
struct RawParts {
  std::string_view header;  // the N header bytes, padding included
  std::string_view data;    // everything after the header
};

/// Splits `bytes` into header and data after checking the length field.
inline RawParts split_parts(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 8) throw_too_short(bytes.size(), source);
  const std::uint64_t n = read_length_field(reinterpret_cast<const unsigned char*>(bytes.data()));
  check_header_length(n, bytes.size() - 8, source);
  const auto header_bytes = static_cast<std::size_t>(n);
  return {bytes.substr(8, header_bytes), bytes.substr(8 + header_bytes)};
}

/// Copies the validated entries' values out of the data section.
inline SafetensorsFile decode(const Layout& layout, std::string_view data) {
  SafetensorsFile file;
  file.metadata = layout.metadata;
  for (const TensorEntry& entry : layout.entries) {
    const char* src = data.data() + entry.begin;
    const std::size_t bytes = static_cast<std::size_t>(entry.end - entry.begin);
    TypedTensor tensor;
    tensor.shape = entry.shape;
    auto fill = [&](auto vector) {
      vector.resize(bytes / sizeof(typename decltype(vector)::value_type));
      if (bytes != 0) std::memcpy(vector.data(), src, bytes);
      tensor.values = std::move(vector);
    };
    switch (entry.dtype) {
      case DType::f32: fill(std::vector<float>()); break;
      case DType::f64: fill(std::vector<double>()); break;
      case DType::i64: fill(std::vector<std::int64_t>()); break;
    }
    file.tensors.emplace(entry.name, std::move(tensor));
  }
  return file;
}

/// Reads a safetensors file into memory after checking its length field: the 8 + N header
/// bytes and the data are read only when N is bounded and fits in the file. Returns the whole
/// byte string (the views of split_parts() point into it).
inline std::string read_bounded(const std::filesystem::path& path, const std::string& what,
                                const std::string& source) {
  const ReadOnlyFile file(path, what);
  const std::uint64_t size = file.size();
  if (size < 8) throw_too_short(size, source);
  if (size > kMaxFileBytes) {
    throw FormatError(source + " is " + std::to_string(size) + " bytes; expected at most " +
                      std::to_string(kMaxFileBytes) + " (2 GiB) for a " + what);
  }
  unsigned char length[8];
  file.read_at(0, length, sizeof length);
  check_header_length(read_length_field(length), size - 8, source);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::memcpy(bytes.data(), length, sizeof length);
  file.read_at(8, bytes.data() + 8, bytes.size() - 8);
  return bytes;
}

/// What the writer needs of a tensor, whatever container holds it.
struct TensorRef {
  DType dtype = DType::f32;
  const std::vector<std::int64_t>* shape = nullptr;
  const void* data = nullptr;
  std::size_t count = 0;  // values held
};

/// Name -> tensor, in the order the header and the data section list them.
using TensorRefs = std::map<std::string, TensorRef>;

inline TensorRef ref_of(const TypedTensor& tensor) {
  return {tensor.dtype(), &tensor.shape, tensor.bytes(), tensor.size()};
}

inline TensorRef ref_of(const runtime::Tensor& tensor) {
  return {DType::f32, &tensor.shape, tensor.values.data(), tensor.values.size()};
}

template <typename Map>
TensorRefs refs_of(const Map& tensors) {
  TensorRefs refs;
  for (const auto& [name, tensor] : tensors) refs.emplace(name, ref_of(tensor));
  return refs;
}

/// Checks a tensor the caller wants written; InvalidArgument naming it.
inline void check_writable(const std::string& name, const TensorRef& tensor) {
  if (name == "__metadata__") {
    throw InvalidArgument("a tensor cannot be named \"__metadata__\" (reserved by safetensors)");
  }
  std::uint64_t count = 1;
  bool overflow = false;
  for (const std::int64_t extent : *tensor.shape) {
    if (extent < 0) {
      throw InvalidArgument("tensor '" + name + "' has a negative extent in shape " +
                            runtime::Tensor::shape_string(*tensor.shape));
    }
    const auto e = static_cast<std::uint64_t>(extent);
    if (e == 0) {
      count = 0;
    } else if (count > std::numeric_limits<std::uint64_t>::max() / e) {
      overflow = true;
    } else {
      count *= e;
    }
  }
  if (count == 0) overflow = false;
  if (overflow || count != tensor.count) {
    throw InvalidArgument("tensor '" + name + "' of shape " +
                          runtime::Tensor::shape_string(*tensor.shape) + " needs " +
                          (overflow ? std::string("more than 2^64") : std::to_string(count)) +
                          " values, but holds " + std::to_string(tensor.count));
  }
}

/// Bytes of the data section the tensors fill.
inline std::size_t data_size(const TensorRefs& tensors) {
  std::size_t bytes = 0;
  for (const auto& entry : tensors) bytes += entry.second.count * dtype_size(entry.second.dtype);
  return bytes;
}

/// The JSON header for `tensors` (laid out contiguously in map order) and `metadata` (omitted
/// when empty), padded with spaces so that 8 + size + reserve_bytes is a multiple of 8: the data
/// section then starts 8-byte aligned once the caller has inserted `reserve_bytes` more header
/// bytes (the bundle writer's checksum digits). InvalidArgument from check_writable, or for
/// names and metadata that are not valid UTF-8.
inline std::string encode_header(const std::map<std::string, std::string>& metadata,
                                 const TensorRefs& tensors, std::size_t reserve_bytes = 0) {
  using json = nlohmann::json;
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    check_writable(name, tensor);
    const std::size_t bytes = tensor.count * dtype_size(tensor.dtype);
    header[name] = {{"dtype", dtype_name(tensor.dtype)},
                    {"shape", *tensor.shape},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    // dump() fails only on strings that are not valid UTF-8 (names or metadata).
    throw InvalidArgument(std::string("the safetensors header cannot be written: ") + e.what());
  }
  text.append((8 - (text.size() + reserve_bytes) % 8) % 8, ' ');
  return text;
}

/// Appends the tensors' bytes in map order. std::map and nlohmann's object both order names by
/// std::less, so this is exactly the order of encode_header's data_offsets.
inline void append_data(std::string& out, const TensorRefs& tensors) {
  for (const auto& entry : tensors) {
    const TensorRef& tensor = entry.second;
    out.append(static_cast<const char*>(tensor.data), tensor.count * dtype_size(tensor.dtype));
  }
}

/// The 8-byte little-endian length field for a header of `n` bytes.
inline std::string length_field(std::uint64_t n) {
  std::string field(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) field[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return field;
}

}  // namespace detail

/// Serialises `file` to the safetensors byte layout. InvalidArgument for a tensor whose value
/// count differs from its shape, a negative extent, a tensor named "__metadata__", or names or
/// metadata that are not valid UTF-8.
inline std::string to_safetensors_bytes(const SafetensorsFile& file) {
  const detail::TensorRefs refs = detail::refs_of(file.tensors);
  const std::string header = detail::encode_header(file.metadata, refs);
  std::string bytes;
  bytes.reserve(8 + header.size() + detail::data_size(refs));
  bytes += detail::length_field(header.size());
  bytes += header;
  detail::append_data(bytes, refs);
  return bytes;
}

/// Parses a safetensors byte string, validating all of it first (see the file comment);
/// FormatError naming `source`, the tensor or field and what was expected.
inline SafetensorsFile parse_safetensors(std::string_view bytes,
                                         const std::string& source = "safetensors bytes") {
  const detail::RawParts parts = detail::split_parts(bytes, source);
  const detail::Layout layout = detail::parse_layout(parts.header, parts.data.size(), source);
  return detail::decode(layout, parts.data);
}

/// Reads a safetensors file. IoError when it cannot be opened or read (missing, a directory);
/// FormatError when its contents are invalid (the header length is checked against the file
/// size before the rest is read).
inline SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const std::string source = "safetensors file " + detail::quoted(path);
  const std::string bytes = detail::read_bounded(path, "safetensors file", source);
  return parse_safetensors(bytes, source);
}

/// Writes `file` to `path` atomically (detail::write_file_atomically): the final name only ever
/// holds a complete file. InvalidArgument as to_safetensors_bytes(); IoError from the OS.
inline void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file) {
  detail::write_file_atomically(path, to_safetensors_bytes(file), "safetensors file");
}

}  // namespace ecgad::artifact
