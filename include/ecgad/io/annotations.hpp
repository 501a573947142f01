#pragma once
// MIT-format annotation files (.atr, .qrs, ...), as specified by WFDB annot(5) and implemented
// by the WFDB library's getann()/putann() (lib/annot.c): 16-bit little-endian words, each a
// 6-bit code and a 10-bit field; codes 59-63 are the pseudo-annotations SKIP (a 32-bit time
// step), NUM, SUB, CHN and AUX that modify the time or the annotation they follow. The beat
// classes come from include/ecgad/signal/aami.hpp (ANSI/AAMI EC57), so beats and non-beat
// annotations (rhythm changes, noise, flutter waves, ...) are kept apart.

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ecgad/signal/aami.hpp"

namespace ecgad::io {

/// One annotation, with the fields of WFDB's WFDB_Annotation.
struct Annotation {
  std::int64_t sample = 0;  ///< time, in samples from the start of the record
  std::string symbol;       ///< mnemonic, e.g. "N", "V", "+", "~" (WFDB annstr())
  int code = 0;             ///< MIT annotation code, 0..49 (WFDB ecgcodes.h)
  int sub_type = 0;         ///< subtyp, -128..127
  int channel = 0;          ///< chan, 0..255 (persists from one annotation to the next)
  int num = 0;              ///< num, -128..127 (persists from one annotation to the next)
  /// Auxiliary text, e.g. "(AFIB" on rhythm changes; at most 255 bytes. Trailing NUL bytes
  /// stored in the file (MIT-BIH writes them) are dropped on reading.
  std::string aux;

  /// The EC57 class of a beat annotation, nullopt for a non-beat annotation.
  std::optional<signal::AamiClass> aami_class() const { return signal::aami_class_of(symbol); }
  bool is_beat() const { return signal::is_beat_symbol(symbol); }
};

/// Highest MIT annotation code (WFDB ACMAX).
inline constexpr int kMaxAnnotationCode = 49;

/// The mnemonic of an MIT annotation code (WFDB annstr()): 1 "N", 5 "V", 14 "~", 22 "\"",
/// 28 "+", 31 "!", 32 "[", 33 "]" ...; "[n]" for codes without one. InvalidArgument outside
/// 0..kMaxAnnotationCode.
std::string annotation_symbol(int code);

/// The MIT code of a mnemonic (WFDB strann()); InvalidArgument when the symbol has none.
int annotation_code(std::string_view symbol);

/// WFDB's description of a code (anndesc()), e.g. "Premature ventricular contraction"; empty
/// for unassigned codes.
std::string annotation_description(int code);

/// Reads an MIT-format annotation file (the file itself, e.g. ".../mitdb/101.atr"). Corrupt or
/// truncated files raise FormatError naming the file, the byte offset and what was expected;
/// a missing file raises IoError. Reference: WFDB getann().
std::vector<Annotation> read_annotations(const std::filesystem::path& file);

/// Reads `<record>.<annotator>`, e.g. read_annotations(".../mitdb/101", "atr").
std::vector<Annotation> read_annotations(const std::filesystem::path& record,
                                         std::string_view annotator);

/// Writes annotations in MIT format so that read_annotations() returns them unchanged (symbols
/// taken from the codes). The code of each annotation is `code`, or, when `code` is 0 and the
/// symbol is not " ", the code of `symbol`; a symbol that disagrees with a non-zero code is an
/// InvalidArgument. Samples must be >= 0; steps of more than 1023 samples (or backwards) are
/// written as SKIP. Reference: WFDB putann().
void write_annotations(const std::filesystem::path& file,
                       const std::vector<Annotation>& annotations);

/// The beat annotations (EC57 classes N, S, V, F, Q) in their original order.
std::vector<Annotation> beat_annotations(const std::vector<Annotation>& annotations);

/// Number of beats of each EC57 class, and of non-beat annotations.
struct AamiCounts {
  std::array<std::int64_t, 5> beats{};  ///< indexed by AamiClass (N, S, V, F, Q)
  std::int64_t non_beats = 0;

  std::int64_t operator[](signal::AamiClass c) const { return beats[static_cast<std::size_t>(c)]; }
  std::int64_t total_beats() const;
};

/// Counts the annotations per EC57 class.
AamiCounts aami_class_counts(const std::vector<Annotation>& annotations);

/// Number of annotations per symbol (beats and non-beats).
std::map<std::string, std::int64_t> symbol_counts(const std::vector<Annotation>& annotations);

/// Ventricular flutter/fibrillation episodes: the closed sample intervals [start, end] from each
/// '[' annotation to the next ']' (EC57 leaves them out of beat-by-beat scoring). A '[' that is
/// never closed runs to `end_sample` (by default the largest int64, i.e. to the end of the
/// record); a '[' inside an open episode and a ']' outside one are ignored. Annotations are
/// taken in time order.
std::vector<std::pair<std::int64_t, std::int64_t>> vf_episodes(
    const std::vector<Annotation>& annotations,
    std::int64_t end_sample = std::numeric_limits<std::int64_t>::max());

}  // namespace ecgad::io
