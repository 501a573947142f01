// Run configs from JSON or TOML files (TOML through toml11, converted to the same JSON the
// pipelines read, so both spellings mean exactly the same run).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <toml.hpp>

#include "ecgad/error.hpp"
#include "ecgad/pipeline/training.hpp"

namespace ecgad::pipeline {

namespace {

nlohmann::json from_toml(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return v.as_boolean();
    case toml::value_t::integer: return v.as_integer();
    case toml::value_t::floating: return v.as_floating();
    case toml::value_t::string: return v.as_string().str;
    case toml::value_t::array: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : v.as_array()) a.push_back(from_toml(e));
      return a;
    }
    case toml::value_t::table: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, e] : v.as_table()) o[k] = from_toml(e);
      return o;
    }
    default:  // dates and times have no meaning in a run config
      throw InvalidArgument("TOML dates/times are not valid config values");
  }
}

}  // namespace

nlohmann::json read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open config file '" + path.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  // A run config is a few KiB; the caps keep a hostile file from stalling the parser.
  if (text.str().size() > kMaxConfigFileBytes) {
    throw FormatError("config file '" + path.string() + "' is " +
                      std::to_string(text.str().size()) + " bytes; expected at most " +
                      std::to_string(kMaxConfigFileBytes) +
                      " (a run config is a few KiB: name records by folder, not one by one)");
  }
  const std::string ext = path.extension().string();
  if (ext == ".toml") {
    // toml11 3.7 scans back to the start of the line for every value it parses, so a line of n
    // bytes costs O(n^2): a 62 KB one-line array took 2.4 s, a 169 KB one 2 minutes (found by
    // fuzz/fuzz_config.cpp). Bounded lines keep any config's parse linear.
    const std::string& all = text.str();
    std::size_t line_no = 1;
    for (std::size_t begin = 0; begin < all.size(); ++line_no) {
      const std::size_t end = std::min(all.find('\n', begin), all.size());
      if (end - begin > kMaxTomlLineBytes) {
        throw FormatError("config file '" + path.string() + "': line " +
                          std::to_string(line_no) + " is " + std::to_string(end - begin) +
                          " bytes; expected at most " + std::to_string(kMaxTomlLineBytes) +
                          " per TOML line (break long arrays over several lines)");
      }
      begin = end + 1;
    }
  }
  try {
    if (ext == ".toml") {
      std::istringstream is(text.str());
      return from_toml(toml::parse(is, path.string()));
    }
    if (ext == ".json") return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError("config file '" + path.string() + "' is not valid JSON: " + e.what());
  } catch (const toml::exception& e) {
    throw FormatError("config file '" + path.string() + "' is not valid TOML: " + e.what());
  } catch (const std::out_of_range& e) {
    throw FormatError("config file '" + path.string() + "' is not valid TOML: " + e.what());
  }
  throw InvalidArgument("config file '" + path.string() + "' has extension '" + ext +
                        "'; expected .json or .toml");
}

}  // namespace ecgad::pipeline
