// MIT-format annotation files: WFDB annot(5), getann()/putann() in lib/annot.c.
#include "ecgad/io/annotations.hpp"

#include <algorithm>
#include <cstring>

#include "ecgad/error.hpp"
#include "file_util.hpp"

namespace ecgad::io {

namespace {

using detail::quoted;

// Codes 59..63 are pseudo-annotations; 58 is the highest code an annotation can carry.
constexpr int kSkip = 59;
constexpr int kNum = 60;
constexpr int kSub = 61;
constexpr int kChn = 62;
constexpr int kAux = 63;
constexpr int kHighestCode = 58;
constexpr std::uint32_t kMaxTimeField = 1023;
constexpr std::uint64_t kMaxFileBytes = 1u << 30;

// WFDB lib/annot.c, astring[] and tstring[] (ecgcodes.h).
constexpr const char* kSymbols[kMaxAnnotationCode + 1] = {
    " ",    "N",    "L",    "R",    "a",    "V",    "F",    "J",    "A",    "S",
    "E",    "j",    "/",    "Q",    "~",    "[15]", "|",    "[17]", "s",    "T",
    "*",    "D",    "\"",   "=",    "p",    "B",    "^",    "t",    "+",    "u",
    "?",    "!",    "[",    "]",    "e",    "n",    "@",    "x",    "f",    "(",
    ")",    "r",    "[42]", "[43]", "[44]", "[45]", "[46]", "[47]", "[48]", "[49]"};

constexpr const char* kDescriptions[kMaxAnnotationCode + 1] = {
    "",
    "Normal beat",
    "Left bundle branch block beat",
    "Right bundle branch block beat",
    "Aberrated atrial premature beat",
    "Premature ventricular contraction",
    "Fusion of ventricular and normal beat",
    "Nodal (junctional) premature beat",
    "Atrial premature beat",
    "Supraventricular premature or ectopic beat",
    "Ventricular escape beat",
    "Nodal (junctional) escape beat",
    "Paced beat",
    "Unclassifiable beat",
    "Change in signal quality",
    "",
    "Isolated QRS-like artifact",
    "",
    "ST segment change",
    "T-wave change",
    "Systole",
    "Diastole",
    "Comment annotation",
    "Measurement annotation",
    "P-wave peak",
    "Bundle branch block beat (unspecified)",
    "(Non-captured) pacemaker artifact",
    "T-wave peak",
    "Rhythm change",
    "U-wave peak",
    "Beat not classified during learning",
    "Ventricular flutter wave",
    "Start of ventricular flutter/fibrillation",
    "End of ventricular flutter/fibrillation",
    "Atrial escape beat",
    "Supraventricular escape beat",
    "Link to external data (aux contains URL)",
    "Non-conducted P-wave (blocked APC)",
    "Fusion of paced and normal beat",
    "Waveform onset",
    "Waveform end",
    "R-on-T premature ventricular contraction",
    "", "", "", "", "", "", "", ""};

std::uint32_t le16(const std::string& bytes, std::size_t pos) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[pos])) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[pos + 1])) << 8);
}

void put16(std::string& out, std::uint32_t word) {
  out.push_back(static_cast<char>(word & 0xFFu));
  out.push_back(static_cast<char>((word >> 8) & 0xFFu));
}

// WFDB stores subtyp and num in a signed char and chan in an unsigned char.
int as_signed_char(std::uint32_t field) {
  const auto low = static_cast<int>(field & 0xFFu);
  return low >= 128 ? low - 256 : low;
}

void require_field(const std::string& what, std::size_t index, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    throw InvalidArgument("write_annotations: annotation " + std::to_string(index) + " " + what +
                          " is " + std::to_string(value) + "; expected [" + std::to_string(lo) +
                          ", " + std::to_string(hi) + "]");
  }
}

int resolve_code(const Annotation& a, std::size_t index) {
  if (a.code != 0) {
    require_field("code", index, a.code, 0, kHighestCode);
    if (!a.symbol.empty() && a.symbol != annotation_symbol(a.code)) {
      throw InvalidArgument("write_annotations: annotation " + std::to_string(index) +
                            " has code " + std::to_string(a.code) + " ('" +
                            annotation_symbol(a.code) + "') but symbol '" + a.symbol +
                            "'; expected them to agree");
    }
    return a.code;
  }
  if (a.symbol.empty()) {
    throw InvalidArgument("write_annotations: annotation " + std::to_string(index) +
                          " has neither a code nor a symbol");
  }
  if (a.symbol == " ") return 0;
  try {
    return annotation_code(a.symbol);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("write_annotations: annotation " + std::to_string(index) + ": " +
                          e.what());
  }
}

void put_skip(std::string& out, std::int64_t delta) {
  const auto d = static_cast<std::uint32_t>(static_cast<std::int32_t>(delta));
  put16(out, static_cast<std::uint32_t>(kSkip) << 10);
  put16(out, d >> 16);  // PDP-11 order: high word first (WFDB wfdb_p32)
  put16(out, d & 0xFFFFu);
}

}  // namespace

std::string annotation_symbol(int code) {
  if (code < 0 || code > kHighestCode) {
    throw InvalidArgument("annotation code " + std::to_string(code) + " is out of range; "
                          "expected 0.." + std::to_string(kHighestCode));
  }
  if (code <= kMaxAnnotationCode) return kSymbols[code];
  return "[" + std::to_string(code) + "]";
}

int annotation_code(std::string_view symbol) {
  for (int code = 1; code <= kMaxAnnotationCode; ++code) {
    if (symbol == kSymbols[code]) return code;
  }
  if (symbol.size() >= 3 && symbol.front() == '[' && symbol.back() == ']') {
    std::int64_t code = 0;
    if (detail::parse_int64(symbol.substr(1, symbol.size() - 2), code) && code >= 1 &&
        code <= kHighestCode) {
      return static_cast<int>(code);
    }
  }
  throw InvalidArgument("unknown MIT annotation symbol '" + std::string(symbol) +
                        "'; expected one of WFDB's mnemonics (N, L, R, a, V, F, J, A, S, E, j, "
                        "/, Q, ~, |, s, T, *, D, \", =, p, B, ^, t, +, u, ?, !, [, ], e, n, @, "
                        "x, f, (, ), r) or [code]");
}

std::string annotation_description(int code) {
  if (code < 0 || code > kHighestCode) {
    throw InvalidArgument("annotation code " + std::to_string(code) + " is out of range; "
                          "expected 0.." + std::to_string(kHighestCode));
  }
  return code <= kMaxAnnotationCode ? kDescriptions[code] : "";
}

std::vector<Annotation> read_annotations(const std::filesystem::path& file) {
  detail::InputFile in(file, "annotation file");
  const std::string bytes = in.read_all(kMaxFileBytes);
  const std::string name = "annotation file " + quoted(file);
  auto fail = [&](std::size_t offset, const std::string& what) -> void {
    throw FormatError(name + ", byte " + std::to_string(offset) + ": " + what);
  };

  std::vector<Annotation> out;
  out.reserve(bytes.size() / 2);  // bounded by the file: every annotation takes >= 2 bytes
  std::int64_t time = 0;
  int channel = 0;
  int num = 0;
  std::size_t pos = 0;
  for (;;) {
    if (pos + 2 > bytes.size()) {
      fail(pos, "the file ends without the end-of-file word 0x0000 (truncated?)");
    }
    const std::size_t at = pos;
    const std::uint32_t word = le16(bytes, pos);
    pos += 2;
    if (word == 0) break;
    const int code = static_cast<int>(word >> 10);
    const std::uint32_t field = word & 0x3FFu;
    if (code == kSkip) {
      if (pos + 4 > bytes.size()) fail(at, "SKIP word without its 4-byte interval (truncated)");
      const std::uint32_t raw = (le16(bytes, pos) << 16) | le16(bytes, pos + 2);
      pos += 4;
      time += static_cast<std::int32_t>(raw);
      continue;
    }
    if (code < kSkip) {
      time += field;
      if (time < 0) {
        fail(at, "annotation time " + std::to_string(time) + " is negative; expected >= 0");
      }
      Annotation a;
      a.sample = time;
      a.code = code;
      a.symbol = annotation_symbol(code);
      a.channel = channel;
      a.num = num;
      out.push_back(std::move(a));
      continue;
    }
    if (out.empty()) {
      fail(at, "modifier word (code " + std::to_string(code) +
                   ") before any annotation; expected an annotation first");
    }
    Annotation& a = out.back();
    switch (code) {
      case kNum:
        num = a.num = as_signed_char(field);
        break;
      case kSub:
        a.sub_type = as_signed_char(field);
        break;
      case kChn:
        channel = a.channel = static_cast<int>(field & 0xFFu);
        break;
      case kAux: {
        const std::size_t length = field & 0xFFu;
        const std::size_t stored = (length + 1) & ~std::size_t{1};  // padded to a whole word
        if (pos + stored > bytes.size()) {
          fail(at, "AUX of " + std::to_string(length) + " bytes but only " +
                       std::to_string(bytes.size() - pos) + " bytes remain (truncated)");
        }
        std::string aux = bytes.substr(pos, length);
        while (!aux.empty() && aux.back() == '\0') aux.pop_back();
        a.aux = std::move(aux);
        pos += stored;
        break;
      }
      default:
        break;
    }
  }
  out.shrink_to_fit();
  return out;
}

std::vector<Annotation> read_annotations(const std::filesystem::path& record,
                                         std::string_view annotator) {
  if (annotator.empty()) {
    throw InvalidArgument("read_annotations: annotator name is empty; expected e.g. \"atr\"");
  }
  std::filesystem::path file = record;
  file += ".";
  file += std::string(annotator);
  return read_annotations(file);
}

void write_annotations(const std::filesystem::path& file,
                       const std::vector<Annotation>& annotations) {
  std::string out;
  out.reserve(annotations.size() * 2 + 2);
  std::int64_t previous = 0;
  int channel = 0;
  int num = 0;
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    const Annotation& a = annotations[i];
    const int code = resolve_code(a, i);
    if (a.sample < 0) {
      throw InvalidArgument("write_annotations: annotation " + std::to_string(i) +
                            " has sample " + std::to_string(a.sample) + "; expected >= 0");
    }
    require_field("sub_type", i, a.sub_type, -128, 127);
    require_field("channel", i, a.channel, 0, 255);
    require_field("num", i, a.num, -128, 127);
    if (a.aux.size() > 255) {
      throw InvalidArgument("write_annotations: annotation " + std::to_string(i) + " aux is " +
                            std::to_string(a.aux.size()) + " bytes; expected at most 255");
    }
    std::int64_t delta = a.sample - previous;
    // A step must fit SKIP's signed 32-bit interval.
    if (delta > std::numeric_limits<std::int32_t>::max() ||
        delta - 1 < std::numeric_limits<std::int32_t>::min()) {
      throw InvalidArgument("write_annotations: annotation " + std::to_string(i) +
                            " is " + std::to_string(delta) +
                            " samples from the previous one; expected a step that fits 32 bits");
    }
    if (code == 0) {
      // A code-0 word with a zero time field would read as end-of-file: step to one sample
      // before and write a time field of 1, as putann() does.
      put_skip(out, delta - 1);
      delta = 1;
    } else if (delta < 0 || delta > static_cast<std::int64_t>(kMaxTimeField)) {
      put_skip(out, delta);
      delta = 0;
    }
    put16(out, static_cast<std::uint32_t>(delta) | (static_cast<std::uint32_t>(code) << 10));
    if (a.sub_type != 0) {
      put16(out, (static_cast<std::uint32_t>(kSub) << 10) |
                     (static_cast<std::uint32_t>(a.sub_type) & 0x3FFu));
    }
    if (a.channel != channel) {
      put16(out, (static_cast<std::uint32_t>(kChn) << 10) | static_cast<std::uint32_t>(a.channel));
    }
    if (a.num != num) {
      put16(out, (static_cast<std::uint32_t>(kNum) << 10) |
                     (static_cast<std::uint32_t>(a.num) & 0x3FFu));
    }
    if (!a.aux.empty()) {
      put16(out, (static_cast<std::uint32_t>(kAux) << 10) |
                     static_cast<std::uint32_t>(a.aux.size()));
      out += a.aux;
      if (a.aux.size() % 2 != 0) out.push_back('\0');
    }
    previous = a.sample;
    channel = a.channel;
    num = a.num;
  }
  put16(out, 0);
  detail::OutputFile f(file, "annotation file");
  f.write(out);
  f.commit();
}

std::vector<Annotation> beat_annotations(const std::vector<Annotation>& annotations) {
  std::vector<Annotation> beats;
  for (const Annotation& a : annotations) {
    if (a.is_beat()) beats.push_back(a);
  }
  return beats;
}

std::int64_t AamiCounts::total_beats() const {
  std::int64_t total = 0;
  for (std::int64_t b : beats) total += b;
  return total;
}

AamiCounts aami_class_counts(const std::vector<Annotation>& annotations) {
  AamiCounts counts;
  for (const Annotation& a : annotations) {
    if (const auto c = a.aami_class()) {
      ++counts.beats[static_cast<std::size_t>(*c)];
    } else {
      ++counts.non_beats;
    }
  }
  return counts;
}

std::map<std::string, std::int64_t> symbol_counts(const std::vector<Annotation>& annotations) {
  std::map<std::string, std::int64_t> counts;
  for (const Annotation& a : annotations) ++counts[a.symbol];
  return counts;
}

std::vector<std::pair<std::int64_t, std::int64_t>> vf_episodes(
    const std::vector<Annotation>& annotations, std::int64_t end_sample) {
  std::vector<const Annotation*> marks;
  for (const Annotation& a : annotations) {
    if (a.symbol == "[" || a.symbol == "]") marks.push_back(&a);
  }
  std::stable_sort(marks.begin(), marks.end(),
                   [](const Annotation* x, const Annotation* y) { return x->sample < y->sample; });
  std::vector<std::pair<std::int64_t, std::int64_t>> episodes;
  bool open = false;
  std::int64_t start = 0;
  for (const Annotation* m : marks) {
    if (m->symbol == "[" && !open) {
      open = true;
      start = m->sample;
    } else if (m->symbol == "]" && open) {
      open = false;
      episodes.emplace_back(start, m->sample);
    }
  }
  if (open) episodes.emplace_back(start, std::max(start, end_sample));
  return episodes;
}

}  // namespace ecgad::io
