#pragma once
// Glue between the model bundle and the Eigen runtime: a scoring host that links only
// ecgad::core reads a bundle and scores with it, without LibTorch (issue 4 §2). The runtime
// itself never includes artifact/; this header includes both.

#include <filesystem>
#include <string>
#include <utility>

#include "ecgad/artifact/bundle.hpp"
#include "ecgad/error.hpp"
#include "ecgad/runtime/config.hpp"
#include "ecgad/runtime/model.hpp"

namespace ecgad::artifact {

/// The runtime model of an already loaded (hence verified) bundle; `source` names it in
/// errors. FormatError when its architecture is one the runtime does not run (lstm) or its
/// config or tensors do not make a runtime model.
inline runtime::Model make_runtime_model(const Bundle& bundle,
                                         const std::string& source = "bundle") {
  try {
    return runtime::Model(runtime::ArchitectureConfig::from_json(bundle.architecture),
                          bundle.tensors);
  } catch (const FormatError& e) {
    throw FormatError(source + ": " + e.what());
  } catch (const InvalidArgument& e) {
    throw FormatError(source + ": " + e.what());
  }
}

/// Loads the bundle at `path` (every check of load_bundle: layout, checksum, version,
/// architecture, finite weights) and builds its runtime model. IoError when the file cannot be
/// read, FormatError naming the file otherwise (including an lstm bundle, which only the
/// LibTorch model scores).
inline runtime::Model load_runtime_model(const std::filesystem::path& path) {
  return make_runtime_model(load_bundle(path), "bundle " + detail::quoted(path));
}

}  // namespace ecgad::artifact
