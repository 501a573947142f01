// Run configs from JSON or TOML files (TOML through toml11, converted to the same JSON the
// pipelines read, so both spellings mean exactly the same run).
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
  const std::string ext = path.extension().string();
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
