#pragma once
// Beat labels shared by the readers, the synthetic generator, the detectors' scoring and the
// metrics: MIT-BIH annotation symbols and their ANSI/AAMI EC57 heartbeat classes.
//
// EC57 classes: N = {N, L, R, e, j}, S = {A, a, J, S}, V = {V, E}, F = {F}, Q = {/, f, Q}.
// Every other symbol (+, ~, |, ", x, [, ], !, ...) is a non-beat annotation.

#include <optional>
#include <string>
#include <string_view>

#include "ecgad/error.hpp"

namespace ecgad::signal {

/// ANSI/AAMI EC57 heartbeat class.
enum class AamiClass { N, S, V, F, Q };

inline constexpr AamiClass kAamiClasses[] = {AamiClass::N, AamiClass::S, AamiClass::V,
                                             AamiClass::F, AamiClass::Q};

/// "N", "S", "V", "F" or "Q".
inline const char* to_string(AamiClass c) {
  switch (c) {
    case AamiClass::N: return "N";
    case AamiClass::S: return "S";
    case AamiClass::V: return "V";
    case AamiClass::F: return "F";
    case AamiClass::Q: return "Q";
  }
  return "?";
}

/// Parses "N", "S", "V", "F" or "Q".
inline AamiClass parse_aami_class(std::string_view name) {
  for (AamiClass c : kAamiClasses) {
    if (name == to_string(c)) return c;
  }
  throw InvalidArgument("unknown AAMI class '" + std::string(name) +
                        "'; expected one of N, S, V, F, Q");
}

/// The EC57 class of a MIT-BIH beat symbol, or nullopt for a non-beat annotation.
inline std::optional<AamiClass> aami_class_of(std::string_view mit_symbol) {
  if (mit_symbol.size() != 1) return std::nullopt;
  switch (mit_symbol[0]) {
    case 'N': case 'L': case 'R': case 'e': case 'j': return AamiClass::N;
    case 'A': case 'a': case 'J': case 'S': return AamiClass::S;
    case 'V': case 'E': return AamiClass::V;
    case 'F': return AamiClass::F;
    case '/': case 'f': case 'Q': return AamiClass::Q;
    default: return std::nullopt;
  }
}

/// True when the MIT-BIH symbol marks a heartbeat (any EC57 class).
inline bool is_beat_symbol(std::string_view mit_symbol) {
  return aami_class_of(mit_symbol).has_value();
}

}  // namespace ecgad::signal
