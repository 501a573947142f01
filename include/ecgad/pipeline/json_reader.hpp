#pragma once
// A strict reader for the pipelines' JSON config sections: each get() takes the key's default,
// a wrong type names the key and the expected type, and finish() rejects keys nobody read, so a
// misspelt option ("epoch" for "epochs") is an error instead of a silently ignored setting.

#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "ecgad/error.hpp"

namespace ecgad::pipeline {

class JsonReader {
 public:
  /// `where` names the section in messages ("training", "source.synthetic").
  JsonReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) {
      throw InvalidArgument(where_ + ": expected an object, got " + std::string(j_.type_name()));
    }
  }

  /// The key's value converted to T, or `fallback` when absent.
  template <class T>
  T get(const std::string& key, const T& fallback) {
    used_.insert(key);
    const auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    try {
      return it->template get<T>();
    } catch (const nlohmann::json::exception&) {
      throw InvalidArgument(where_ + "." + key + " is " + it->dump() + "; expected a " +
                            std::string(nlohmann::json(fallback).type_name()));
    }
  }

  /// The key's raw JSON (an object or array section), or nullopt when absent.
  std::optional<nlohmann::json> object(const std::string& key) {
    used_.insert(key);
    const auto it = j_.find(key);
    if (it == j_.end()) return std::nullopt;
    return *it;
  }

  /// InvalidArgument listing the keys that were never read.
  void finish() const {
    std::string unknown;
    for (const auto& [key, value] : j_.items()) {
      if (used_.count(key) == 0) unknown += (unknown.empty() ? "'" : ", '") + key + "'";
    }
    if (!unknown.empty()) {
      std::string known;
      for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
      throw InvalidArgument(where_ + ": unknown key(s) " + unknown + "; expected some of: " +
                            known);
    }
  }

 private:
  const nlohmann::json& j_;
  std::string where_;
  std::set<std::string> used_;
};

}  // namespace ecgad::pipeline
