#pragma once
// The ecgad model bundle (docs/model.md, "Bundle"): one safetensors file holding the model's
// float32 tensors and, in "__metadata__", the architecture, preprocessing, calibration,
// training summary and drift reference as JSON documents serialised to strings, plus the
// format name and version, the writer's library version and a checksum.
//
// The checksum ("ecgad.checksum", 32 lowercase hex digits, the only metadata value that is not a
// JSON document) is XXH3-128 of the header bytes exactly as stored — padding included — with the
// checksum's own 32 digits removed (the value reads ""), followed by the whole data section. It
// is defined on bytes, not on a re-serialisation of the JSON, so any writer (C++, Python) that
// follows the layout produces a verifiable file without matching nlohmann's formatting.
//
// A loaded bundle has been checked completely: the safetensors layout (safetensors.hpp), the
// format name, a format version this library reads, the checksum, every metadata document, F32
// tensors only, finite values only, and the tensor set against the architecture config
// (architecture.hpp). Nothing from the file is ever executed or used as a path. Every failure
// is a FormatError naming the file (or "bundle bytes"), the tensor or key, and what was
// expected; a missing or unreadable file is an IoError.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecgad/artifact/architecture.hpp"
#include "ecgad/artifact/checksum.hpp"
#include "ecgad/artifact/file.hpp"
#include "ecgad/artifact/safetensors.hpp"
#include "ecgad/error.hpp"
#include "ecgad/runtime/tensor.hpp"
#include "ecgad/signal/checks.hpp"
#include "ecgad/version.hpp"

namespace ecgad::artifact {

/// Value of the "ecgad.format" metadata key.
inline constexpr const char* kBundleFormat = "ecgad-bundle";

/// The bundle format version this library writes and the newest it reads (an integer that is
/// the major version: additions that old readers can ignore keep it, anything else bumps it).
inline constexpr std::int64_t kBundleFormatVersion = 1;

/// The "__metadata__" keys of docs/model.md.
namespace keys {
inline constexpr const char* format = "ecgad.format";
inline constexpr const char* format_version = "ecgad.format_version";
inline constexpr const char* library_version = "ecgad.library_version";
inline constexpr const char* architecture = "ecgad.architecture";
inline constexpr const char* preprocessing = "ecgad.preprocessing";
inline constexpr const char* calibration = "ecgad.calibration";
inline constexpr const char* training = "ecgad.training";
inline constexpr const char* drift_reference = "ecgad.drift_reference";
inline constexpr const char* checksum = "ecgad.checksum";
}  // namespace keys

/// A model bundle in memory. The five documents are JSON values (null when not set); the
/// tensors are float32 runtime tensors (runtime::TensorMap, the type the Eigen runtime and the
/// LibTorch models exchange) keyed by PyTorch state_dict names.
struct Bundle {
  /// Architecture config (docs/model.md): an object with "name" and the fields of that
  /// architecture. Required.
  nlohmann::json architecture;
  /// Sampling rate, filters, beat window, input features, normaliser and its parameters.
  nlohmann::json preprocessing;
  /// Thresholds etc. (issue 5); null until calibrated.
  nlohmann::json calibration;
  /// Training summary: seed, epochs, losses, seconds, data fingerprint (data_fingerprint()).
  nlohmann::json training;
  /// Reference statistics for drift detectors (issue 5); null until set.
  nlohmann::json drift_reference;
  /// The model's parameters.
  runtime::TensorMap tensors;
  /// As read from a file; save_bundle always writes kBundleFormatVersion.
  std::int64_t format_version = kBundleFormatVersion;
  /// The ecgad version that wrote the file; save_bundle always writes this library's version.
  std::string library_version = version_string;
  /// Other "__metadata__" entries (foreign keys, keys of a newer minor revision), kept verbatim
  /// so a load/save round trip loses nothing. Must not use the keys of `keys`.
  std::map<std::string, std::string> extra_metadata;
};

namespace detail {

/// Nesting accepted in a metadata document (configs and summaries are a few levels deep).
inline constexpr int kMaxMetadataDepth = 64;

/// The contract's metadata keys, in the order they are documented.
inline const std::vector<std::string>& contract_keys() {
  static const std::vector<std::string> all = {
      keys::format,   keys::format_version, keys::library_version,
      keys::architecture, keys::preprocessing, keys::calibration,
      keys::training, keys::drift_reference, keys::checksum};
  return all;
}

/// Where the checksum's value starts inside `header` (just after its opening quote) and its
/// length: the value of the "ecgad.checksum" key, found by walking the JSON string tokens of
/// the raw bytes, so a look-alike inside another string never matches. npos when the key does
/// not appear literally followed by a string value (e.g. written with \u escapes).
struct ValueSpan {
  std::size_t begin = std::string_view::npos;
  std::size_t length = 0;
};

inline ValueSpan find_checksum_value(std::string_view header) {
  constexpr std::string_view kKey = "\"ecgad.checksum\"";
  auto skip_blanks = [&](std::size_t i) {
    while (i < header.size() &&
           (header[i] == ' ' || header[i] == '\t' || header[i] == '\n' || header[i] == '\r')) {
      ++i;
    }
    return i;
  };
  // End (one past the closing quote) of the string token starting at `i` (a quote); npos when
  // unterminated.
  auto string_end = [&](std::size_t i) {
    for (++i; i < header.size(); ++i) {
      if (header[i] == '\\') {
        ++i;
      } else if (header[i] == '"') {
        return i + 1;
      }
    }
    return std::string_view::npos;
  };
  ValueSpan found;
  std::size_t i = 0;
  while ((i = header.find('"', i)) != std::string_view::npos) {
    const std::size_t end = string_end(i);
    if (end == std::string_view::npos) break;
    if (header.substr(i, end - i) == kKey) {
      std::size_t j = skip_blanks(end);
      if (j < header.size() && header[j] == ':') {
        j = skip_blanks(j + 1);
        if (j < header.size() && header[j] == '"') {
          const std::size_t value_end = string_end(j);
          if (value_end == std::string_view::npos) break;
          found = {j + 1, value_end - j - 2};
          break;
        }
      }
    }
    i = end;
  }
  return found;
}

/// XXH3-128 hex of `header` without [span.begin, span.begin + span.length), then `data`.
inline std::string bundle_digest(std::string_view header, ValueSpan span, std::string_view data) {
  Xxh128Stream stream;
  stream.update(header.substr(0, span.begin));
  stream.update(header.substr(span.begin + span.length));
  stream.update(data);
  return stream.hex();
}

/// Throws InvalidArgument when `value` holds a non-finite number (JSON has none: nlohmann
/// would write null) or nests more containers than a reader accepts; `path` names the field.
inline void check_document(const nlohmann::json& value, const std::string& path, int depth = 0) {
  // `depth` counts the containers around `value`; a container adds one level (as the readers).
  if (value.is_structured() && depth + 1 > kMaxMetadataDepth) {
    throw InvalidArgument(path + " nests deeper than " + std::to_string(kMaxMetadataDepth) +
                          " levels, which a bundle reader refuses");
  }
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    throw InvalidArgument(path + " is " + ecgad::detail::format_number(value.get<double>()) +
                          "; JSON has no NaN or infinity (store null instead)");
  }
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_document(value[i], path + "[" + std::to_string(i) + "]", depth + 1);
    }
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      check_document(item, path + "." + key, depth + 1);
    }
  }
}

/// Index of the first non-finite value, or npos.
inline std::size_t first_non_finite(const std::vector<float>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) return i;
  }
  return std::string::npos;
}

/// The metadata documents as the file stores them (each dumped JSON), without the checksum.
inline std::map<std::string, std::string> metadata_strings(const Bundle& bundle) {
  using json = nlohmann::json;
  std::map<std::string, std::string> metadata = bundle.extra_metadata;
  try {
    metadata[keys::format] = json(kBundleFormat).dump();
    metadata[keys::format_version] = json(kBundleFormatVersion).dump();
    metadata[keys::library_version] = json(version_string).dump();
    metadata[keys::architecture] = bundle.architecture.dump();
    metadata[keys::preprocessing] = bundle.preprocessing.dump();
    metadata[keys::calibration] = bundle.calibration.dump();
    metadata[keys::training] = bundle.training.dump();
    metadata[keys::drift_reference] = bundle.drift_reference.dump();
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string("bundle metadata cannot be serialised: ") + e.what());
  }
  return metadata;
}

/// Serialises `bundle` with its checksum, checking only what the byte layout needs (tensor
/// shapes against value counts, UTF-8). bundle_to_bytes() validates the contents first; tests
/// use this directly to produce well-checksummed files with bad contents.
inline std::string encode_bundle(const Bundle& bundle) {
  std::map<std::string, std::string> metadata = metadata_strings(bundle);
  metadata[keys::checksum] = "";
  const TensorRefs refs = refs_of(bundle.tensors);
  constexpr std::size_t kDigits = 32;
  const std::string header = encode_header(metadata, refs, kDigits);
  const ValueSpan span = find_checksum_value(header);
  if (span.begin == std::string_view::npos || span.length != 0) {
    throw InvalidArgument("bundle metadata cannot be serialised: the \"" +
                          std::string(keys::checksum) + "\" entry cannot be located");
  }

  // One buffer: length field, header with 32 placeholder digits, data; then hash and fill in.
  const std::size_t header_bytes = header.size() + kDigits;
  std::string bytes;
  bytes.reserve(8 + header_bytes + data_size(refs));
  bytes += length_field(header_bytes);
  bytes.append(header, 0, span.begin);
  bytes.append(kDigits, '0');
  bytes.append(header, span.begin, std::string::npos);
  append_data(bytes, refs);
  const std::string_view all(bytes);
  const std::string digest = bundle_digest(all.substr(8, header_bytes), {span.begin, kDigits},
                                           all.substr(8 + header_bytes));
  bytes.replace(8 + span.begin, kDigits, digest);
  return bytes;
}

/// Parses metadata document `key` (strictly: no duplicate keys, bounded depth).
inline nlohmann::json metadata_document(const std::map<std::string, std::string>& metadata,
                                        const std::string& key, const std::string& source) {
  const auto it = metadata.find(key);
  if (it == metadata.end()) {
    throw FormatError(source + ": missing metadata key \"" + key + "\" (format version " +
                      std::to_string(kBundleFormatVersion) + " bundles have every key of "
                      "docs/model.md)");
  }
  return parse_json_strict(it->second, kMaxMetadataDepth,
                           source + ": metadata \"" + key + "\"");
}

/// The whole load path on a byte string; `source` names it in messages.
inline Bundle decode_bundle(std::string_view bytes, const std::string& source) {
  using json = nlohmann::json;
  const RawParts parts = split_parts(bytes, source);
  const Layout layout = parse_layout(parts.header, parts.data.size(), source);
  const std::map<std::string, std::string>& metadata = layout.metadata;

  // Format and version come before the checksum: a newer format may checksum differently, and
  // "written by a newer ecgad" is the useful message then.
  if (metadata.count(keys::format) == 0) {
    throw FormatError(source + ": not an ecgad bundle (its safetensors metadata has no \"" +
                      std::string(keys::format) + "\" key)");
  }
  const json format = metadata_document(metadata, keys::format, source);
  if (format != kBundleFormat) {
    throw FormatError(source + ": metadata \"" + keys::format + "\" is " + format.dump() +
                      "; expected \"" + kBundleFormat + "\"");
  }
  const json version = metadata_document(metadata, keys::format_version, source);
  if (!version.is_number_unsigned() || version.get<std::uint64_t>() == 0) {
    throw FormatError(source + ": metadata \"" + keys::format_version + "\" is " +
                      version.dump() + "; expected a positive integer");
  }
  if (version.get<std::uint64_t>() > static_cast<std::uint64_t>(kBundleFormatVersion)) {
    throw FormatError(source + " has bundle format version " + version.dump() +
                      "; this library (ecgad " + version_string + ") reads format version " +
                      std::to_string(kBundleFormatVersion) +
                      " and older: load it with a newer ecgad");
  }

  const auto recorded = metadata.find(keys::checksum);
  if (recorded == metadata.end()) {
    throw FormatError(source + ": missing metadata key \"" + std::string(keys::checksum) + "\"");
  }
  if (!is_digest_hex(recorded->second)) {
    throw FormatError(source + ": metadata \"" + keys::checksum + "\" is \"" + recorded->second +
                      "\"; expected 32 lowercase hex digits (XXH3-128)");
  }
  const ValueSpan span = find_checksum_value(parts.header);
  if (span.begin == std::string_view::npos || span.length != 32) {
    throw FormatError(source + ": the \"" + std::string(keys::checksum) +
                      "\" entry is not written literally in the header; cannot verify it");
  }
  const std::string actual = bundle_digest(parts.header, span, parts.data);
  if (actual != recorded->second) {
    throw FormatError(source + ": checksum mismatch: the header records " + recorded->second +
                      " but the contents hash to " + actual +
                      " (the file is damaged or was modified)");
  }

  Bundle bundle;
  bundle.format_version = static_cast<std::int64_t>(version.get<std::uint64_t>());
  const json library = metadata_document(metadata, keys::library_version, source);
  if (!library.is_string()) {
    throw FormatError(source + ": metadata \"" + keys::library_version + "\" is " +
                      library.dump() + "; expected a version string");
  }
  bundle.library_version = library.get<std::string>();
  bundle.architecture = metadata_document(metadata, keys::architecture, source);
  bundle.preprocessing = metadata_document(metadata, keys::preprocessing, source);
  bundle.calibration = metadata_document(metadata, keys::calibration, source);
  bundle.training = metadata_document(metadata, keys::training, source);
  bundle.drift_reference = metadata_document(metadata, keys::drift_reference, source);
  for (const auto& [key, value] : metadata) {
    bool known = false;
    for (const std::string& k : contract_keys()) known = known || key == k;
    if (!known) bundle.extra_metadata.emplace(key, value);
  }

  for (const TensorEntry& entry : layout.entries) {
    if (entry.dtype != DType::f32) {
      throw FormatError(source + ": tensor '" + entry.name + "' has dtype " +
                        dtype_name(entry.dtype) + "; an ecgad bundle holds F32 tensors only");
    }
  }
  SafetensorsFile decoded = decode(layout, parts.data);
  for (auto& [name, typed] : decoded.tensors) {
    auto& values = std::get<std::vector<float>>(typed.values);
    const std::size_t bad = first_non_finite(values);
    if (bad != std::string::npos) {
      throw FormatError(source + ": tensor '" + name + "' holds " +
                        ecgad::detail::format_number(static_cast<double>(values[bad])) +
                        " at flat index " + std::to_string(bad) +
                        "; a model with NaN or infinite weights is not loadable");
    }
    runtime::Tensor tensor;
    tensor.shape = std::move(typed.shape);
    tensor.values = std::move(values);
    bundle.tensors.emplace(name, std::move(tensor));
  }

  try {
    validate_architecture(bundle.architecture, bundle.tensors);
  } catch (const FormatError& e) {
    throw FormatError(source + ": " + e.what());
  }
  return bundle;
}

/// Everything save_bundle refuses to write, as InvalidArgument: a config the architecture rules
/// reject or tensors that do not match it, non-finite weights, non-finite or too deeply nested
/// metadata, extra metadata that reuses a contract key.
inline void check_savable(const Bundle& bundle) {
  try {
    validate_architecture(bundle.architecture, bundle.tensors);
  } catch (const FormatError& e) {
    throw InvalidArgument(std::string("cannot save the bundle: ") + e.what());
  }
  for (const auto& [name, tensor] : bundle.tensors) {
    const std::size_t bad = first_non_finite(tensor.values);
    if (bad != std::string::npos) {
      throw InvalidArgument("cannot save the bundle: tensor '" + name + "' holds " +
                            ecgad::detail::format_number(static_cast<double>(tensor.values[bad])) +
                            " at flat index " + std::to_string(bad) +
                            " (a model with NaN or infinite weights would not load)");
    }
  }
  check_document(bundle.architecture, "architecture");
  check_document(bundle.preprocessing, "preprocessing");
  check_document(bundle.calibration, "calibration");
  check_document(bundle.training, "training");
  check_document(bundle.drift_reference, "drift_reference");
  for (const auto& entry : bundle.extra_metadata) {
    for (const std::string& k : contract_keys()) {
      if (entry.first == k) {
        throw InvalidArgument("cannot save the bundle: extra_metadata key \"" + k +
                              "\" is reserved (set the Bundle field instead)");
      }
    }
  }
}

}  // namespace detail

/// Checks the bundle's tensors against its architecture config (see validate_architecture in
/// architecture.hpp): FormatError naming the missing, mismatched or unexpected tensor.
inline void validate_architecture(const Bundle& bundle) {
  validate_architecture(bundle.architecture, bundle.tensors);
}

/// The bundle as the bytes of a bundle file (for pickling, databases, the network).
/// InvalidArgument when the bundle could not be loaded back (see save_bundle).
inline std::string bundle_to_bytes(const Bundle& bundle) {
  detail::check_savable(bundle);
  return detail::encode_bundle(bundle);
}

/// Loads a bundle from the bytes of a bundle file, with every check of load_bundle; `source`
/// names the bytes in error messages.
inline Bundle bundle_from_bytes(std::string_view bytes,
                                const std::string& source = "bundle bytes") {
  return detail::decode_bundle(bytes, source);
}

/// Writes `bundle` to `path` atomically (a temporary file in the same directory, fsync,
/// rename): the final name never holds a partial file, and an existing file is replaced only by
/// a complete new one. Writes format version kBundleFormatVersion and this library's version.
/// InvalidArgument when the bundle would not load back (tensors that do not match the
/// architecture config, NaN/Inf weights, NaN/Inf in a metadata document); IoError from the OS.
inline void save_bundle(const std::filesystem::path& path, const Bundle& bundle) {
  detail::write_file_atomically(path, bundle_to_bytes(bundle), "bundle");
}

/// Reads and verifies a bundle file (layout, format, version, checksum, metadata, dtypes,
/// finiteness, architecture; see the file comment). IoError when the file is missing or
/// unreadable; FormatError, naming the file, for anything wrong inside it. Never returns a
/// partially loaded bundle.
inline Bundle load_bundle(const std::filesystem::path& path) {
  const std::string source = "bundle " + detail::quoted(path);
  const std::string bytes = detail::read_bounded(path, "bundle", source);
  return detail::decode_bundle(bytes, source);
}

}  // namespace ecgad::artifact
