// WFDB records: header parsing (header(5)), the signal formats of signal(5) and the writer.
// The bit layouts follow the WFDB library's r212/w212, r310/w310, r311/w311 ... (lib/signal.c).
#include "ecgad/io/wfdb.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "ecgad/error.hpp"
#include "file_util.hpp"

namespace ecgad::io {

namespace {

using detail::quoted;

constexpr std::uint64_t kMaxHeaderBytes = 16u << 20;
// A multiple of every unit size (1, 2, 3, 4 bytes; 3 bytes per 212 pair, 4 per 310/311
// triple), so every chunk but the last holds whole units.
constexpr std::size_t kChunkBytes = 12 * 8192;
constexpr std::array<int, 10> kReadableFormats = {8, 16, 24, 32, 61, 80, 160, 212, 310, 311};

bool is_readable_format(int format) {
  return std::find(kReadableFormats.begin(), kReadableFormats.end(), format) !=
         kReadableFormats.end();
}

std::string readable_formats_text() {
  std::string text;
  for (int f : kReadableFormats) text += (text.empty() ? "" : ", ") + std::to_string(f);
  return text;
}

/// ADC resolution the WFDB library assumes when the header leaves it out (readheader()).
int default_adc_resolution(int format) {
  switch (format) {
    case 80: return 8;
    case 160: return 16;
    case 212: return 12;
    case 310: case 311: return 10;
    case 24: return 24;
    case 32: return 32;
    default: return 12;
  }
}

/// Bits per stored sample (the writable range is the two's-complement range of these bits).
int sample_bits(int format) {
  switch (format) {
    case 8: case 80: return 8;
    case 212: return 12;
    case 310: case 311: return 10;
    case 24: return 24;
    case 32: return 32;
    default: return 16;
  }
}

/// Bytes holding the first n samples of a signal file.
std::uint64_t bytes_for_samples(int format, std::uint64_t n) {
  switch (format) {
    case 8: case 80: return n;
    case 24: return 3 * n;
    case 32: return 4 * n;
    case 212: return n / 2 * 3 + (n % 2) * 2;
    case 310: case 311: return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 == 1 ? 2 : 4);
    default: return 2 * n;
  }
}

/// Complete samples that `bytes` bytes hold.
std::uint64_t samples_in_bytes(int format, std::uint64_t bytes) {
  switch (format) {
    case 8: case 80: return bytes;
    case 24: return bytes / 3;
    case 32: return bytes / 4;
    case 212: return bytes / 3 * 2 + (bytes % 3 == 2 ? 1 : 0);
    case 310: case 311: return bytes / 4 * 3 + (bytes % 4 >= 2 ? 1 : 0);
    default: return bytes / 2;
  }
}

/// Samples in one full chunk of kChunkBytes.
std::size_t samples_per_chunk(int format) {
  return static_cast<std::size_t>(samples_in_bytes(format, kChunkBytes));
}

// ------------------------------------------------------------------ header parsing

struct Token {
  std::string_view text;
  std::size_t pos;  // offset in the line
};

std::vector<Token> split_blanks(std::string_view line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    tokens.push_back({line.substr(start, i - start), start});
  }
  return tokens;
}

class HeaderParser {
 public:
  HeaderParser(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    throw FormatError("WFDB header " + source_ + ", line " + std::to_string(line) + ": " + what);
  }

  [[noreturn]] void bad_field(std::size_t line, const std::string& field,
                              const std::string& expected, std::string_view got) const {
    fail(line, "field " + field + " must be " + expected + ", got '" + std::string(got) + "'");
  }

  std::int64_t int_field(std::size_t line, const std::string& field, std::string_view token,
                         std::int64_t lo, std::int64_t hi) const {
    std::int64_t value = 0;
    if (!detail::parse_int64(token, value) || value < lo || value > hi) {
      bad_field(line, field,
                "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", token);
    }
    return value;
  }

  double double_field(std::size_t line, const std::string& field, std::string_view token) const {
    double value = 0.0;
    if (!detail::parse_double(token, value)) bad_field(line, field, "a finite number", token);
    return value;
  }

  void record_line(std::size_t line, std::string_view text, std::string_view expected_name,
                   WfdbHeader& h, std::int64_t& n_signals) const {
    const auto tokens = split_blanks(text);
    std::string_view name = tokens[0].text;
    if (name.find('/') != std::string_view::npos) {
      fail(line, "record '" + std::string(name) +
                     "' is a multi-segment record (name/segments); multi-segment records are "
                     "not supported");
    }
    if (!expected_name.empty() && name != expected_name) {
      fail(line, "field record_name is '" + std::string(name) + "'; expected '" +
                     std::string(expected_name) + "' (the header's file name)");
    }
    h.record_name = std::string(name);
    if (tokens.size() < 2) {
      fail(line, "the record line has no n_signals field (obsolete header format)");
    }
    n_signals = int_field(line, "n_signals", tokens[1].text, 0, std::numeric_limits<int>::max());
    if (tokens.size() >= 3) {
      // fs[/counter_freq[(base_counter)]]
      std::string_view fs = tokens[2].text;
      std::string_view counter;
      if (const auto slash = fs.find('/'); slash != std::string_view::npos) {
        counter = fs.substr(slash + 1);
        fs = fs.substr(0, slash);
      }
      h.fs_hz = double_field(line, "fs_hz", fs);
      if (!(h.fs_hz > 0.0)) bad_field(line, "fs_hz", "a number > 0", tokens[2].text);
      if (!counter.empty()) {
        std::string_view base;
        if (const auto open = counter.find('('); open != std::string_view::npos) {
          if (counter.back() != ')') {
            bad_field(line, "counter_freq", "'freq(base)'", tokens[2].text);
          }
          base = counter.substr(open + 1, counter.size() - open - 2);
          counter = counter.substr(0, open);
          h.base_counter = double_field(line, "base_counter", base);
        }
        h.counter_freq_hz = double_field(line, "counter_freq", counter);
        if (!(h.counter_freq_hz > 0.0)) {
          bad_field(line, "counter_freq", "a number > 0", tokens[2].text);
        }
      }
    }
    if (tokens.size() >= 4) {
      h.n_samples = int_field(line, "n_samples", tokens[3].text, 0,
                              std::numeric_limits<std::int64_t>::max());
    }
    if (tokens.size() >= 5) h.base_time = std::string(tokens[4].text);
    if (tokens.size() >= 6) h.base_date = std::string(tokens[5].text);
    if (tokens.size() >= 7) {
      fail(line, "unexpected text '" + std::string(tokens[6].text) +
                     "' after base_date on the record line");
    }
  }

  void signal_line(std::size_t line, std::string_view text, std::size_t index,
                   const WfdbHeader& h, WfdbSignalSpec& s) const {
    const auto tokens = split_blanks(text);
    const std::string sig = "signal " + std::to_string(index) + " ";
    s.file_name = std::string(tokens[0].text);
    if (tokens.size() < 2) fail(line, sig + "has no format field");
    parse_format(line, sig, tokens[1].text, s);

    // gain[(baseline)][/units]; absent or 0 = uncalibrated (WFDB_DEFGAIN = 200 adu/mV).
    bool baseline_given = false;
    double gain = 0.0;
    if (tokens.size() >= 3) {
      std::string_view spec = tokens[2].text;
      const auto end_gain = spec.find_first_of("(/");
      gain = double_field(line, sig + "adc_gain", spec.substr(0, end_gain));
      spec = end_gain == std::string_view::npos ? std::string_view{} : spec.substr(end_gain);
      if (!spec.empty() && spec.front() == '(') {
        const auto close = spec.find(')');
        if (close == std::string_view::npos) {
          bad_field(line, sig + "baseline", "'gain(baseline)'", tokens[2].text);
        }
        s.baseline = static_cast<std::int32_t>(
            int_field(line, sig + "baseline", spec.substr(1, close - 1),
                      std::numeric_limits<std::int32_t>::min(),
                      std::numeric_limits<std::int32_t>::max()));
        baseline_given = true;
        spec = spec.substr(close + 1);
      }
      if (!spec.empty()) {
        if (spec.front() != '/' || spec.size() == 1) {
          bad_field(line, sig + "units", "'gain(baseline)/units'", tokens[2].text);
        }
        s.units = std::string(spec.substr(1));
      }
    }
    s.uncalibrated = gain == 0.0;
    s.adc_gain = s.uncalibrated ? 200.0 : gain;

    s.adc_resolution_bits = default_adc_resolution(s.format);
    if (tokens.size() >= 4) {
      const auto bits = int_field(line, sig + "adc_resolution", tokens[3].text, 0, 32);
      if (bits != 0) s.adc_resolution_bits = static_cast<int>(bits);
    }
    constexpr auto kMin = std::numeric_limits<std::int32_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int32_t>::max();
    if (tokens.size() >= 5) {
      s.adc_zero = static_cast<std::int32_t>(
          int_field(line, sig + "adc_zero", tokens[4].text, kMin, kMax));
    }
    if (!baseline_given) s.baseline = s.adc_zero;
    s.initial_value = s.adc_zero;
    if (tokens.size() >= 6) {
      s.initial_value = static_cast<std::int32_t>(
          int_field(line, sig + "initial_value", tokens[5].text, kMin, kMax));
      s.has_initial_value = true;
    }
    if (tokens.size() >= 7) {
      // Written as a signed 16-bit number; accept the unsigned spelling too.
      const auto sum = int_field(line, sig + "checksum", tokens[6].text, -32768, 65535);
      s.checksum = static_cast<std::int16_t>(static_cast<std::uint16_t>(sum & 0xFFFF));
    }
    if (tokens.size() >= 8) {
      s.block_size = static_cast<int>(
          int_field(line, sig + "block_size", tokens[7].text, 0, std::numeric_limits<int>::max()));
    }
    if (tokens.size() >= 9) {
      s.description = std::string(detail::trim(text.substr(tokens[8].pos)));
    } else {
      s.description = "record " + h.record_name + ", signal " + std::to_string(index);
    }
  }

 private:
  // format[xsamples_per_frame][:skew][+byte_offset]
  void parse_format(std::size_t line, const std::string& sig, std::string_view token,
                    WfdbSignalSpec& s) const {
    std::size_t i = 0;
    while (i < token.size() && token[i] >= '0' && token[i] <= '9') ++i;
    const auto format = int_field(line, sig + "format", token.substr(0, i), 0, 100000);
    s.format = static_cast<int>(format);
    if (format == 0) {
      fail(line, sig + "has format 0 (null signal), which is not supported");
    }
    if (!is_readable_format(s.format)) {
      fail(line, sig + "has unknown or unsupported format " + std::to_string(format) +
                     "; supported formats are " + readable_formats_text());
    }
    while (i < token.size()) {
      const char tag = token[i++];
      std::size_t j = i;
      while (j < token.size() && token[j] >= '0' && token[j] <= '9') ++j;
      const std::string_view digits = token.substr(i, j - i);
      i = j;
      if (tag == 'x') {
        if (int_field(line, sig + "samples_per_frame", digits, 0, 1000000) > 1) {
          fail(line, sig + "has " + std::string(digits) +
                         " samples per frame ('" + std::string(token) +
                         "'); only one sample per frame is supported");
        }
      } else if (tag == ':') {
        if (int_field(line, sig + "skew", digits, 0, std::numeric_limits<int>::max()) != 0) {
          fail(line, sig + "has skew " + std::string(digits) + " ('" + std::string(token) +
                         "'); skewed signals are not supported");
        }
      } else if (tag == '+') {
        s.byte_offset = int_field(line, sig + "byte_offset", digits, 0,
                                  std::numeric_limits<std::int64_t>::max() / 2);
      } else {
        bad_field(line, sig + "format", "'format[xspf][:skew][+offset]'", token);
      }
    }
  }

  const std::string& source_;
};

// ------------------------------------------------------------------ decoding

/// Receives one group's samples in file order (frame by frame, signal by signal).
struct GroupSink {
  std::vector<std::int32_t*> rows;
  std::vector<std::uint32_t> sums;  // checksums, modulo 2^32 (only the low 16 bits matter)
  std::vector<std::int32_t> last;   // format 8: previous value per signal
  std::size_t k = 0;
  std::size_t sig = 0;
  std::size_t frame = 0;

  void put(std::int32_t v) {
    rows[sig][frame] = v;
    sums[sig] += static_cast<std::uint32_t>(v);
    if (++sig == k) {
      sig = 0;
      ++frame;
    }
  }
  void put_delta(std::int32_t d) {
    // Format 8 sums first differences from the initial value (WFDB: is->samp += r8(ig)).
    last[sig] += d;
    put(last[sig]);
  }
};

inline std::int32_t sign_extend(std::uint32_t v, int bits) {
  const std::uint32_t m = 1u << (bits - 1);
  return static_cast<std::int32_t>((v ^ m) - m);
}

inline std::uint32_t le16(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8);
}

/// Decodes n samples from p (which holds bytes_for_samples(format, n) bytes) into the sink.
void decode(int format, const std::uint8_t* p, std::size_t n, GroupSink& sink) {
  switch (format) {
    case 212: {
      // Two 12-bit samples in 3 bytes: low byte, shared nibble byte, low byte.
      const std::size_t pairs = n / 2;
      for (std::size_t i = 0; i < pairs; ++i, p += 3) {
        sink.put(sign_extend(p[0] | ((p[1] & 0x0Fu) << 8), 12));
        sink.put(sign_extend(p[2] | ((p[1] & 0xF0u) << 4), 12));
      }
      if (n % 2 != 0) sink.put(sign_extend(p[0] | ((p[1] & 0x0Fu) << 8), 12));
      break;
    }
    case 16:
      for (std::size_t i = 0; i < n; ++i, p += 2) sink.put(sign_extend(le16(p), 16));
      break;
    case 61:
      for (std::size_t i = 0; i < n; ++i, p += 2) sink.put(sign_extend(p[1] | (p[0] << 8u), 16));
      break;
    case 160:
      for (std::size_t i = 0; i < n; ++i, p += 2) {
        sink.put(static_cast<std::int32_t>(le16(p)) - 32768);
      }
      break;
    case 80:
      for (std::size_t i = 0; i < n; ++i) sink.put(static_cast<std::int32_t>(p[i]) - 128);
      break;
    case 8:
      for (std::size_t i = 0; i < n; ++i) sink.put_delta(sign_extend(p[i], 8));
      break;
    case 24:
      for (std::size_t i = 0; i < n; ++i, p += 3) {
        sink.put(sign_extend(le16(p) | (static_cast<std::uint32_t>(p[2]) << 16), 24));
      }
      break;
    case 32:
      for (std::size_t i = 0; i < n; ++i, p += 4) {
        sink.put(static_cast<std::int32_t>(le16(p) | (le16(p + 2) << 16)));
      }
      break;
    case 310: {
      // Three 10-bit samples in two 16-bit words: bits 1-10 of each word, then the five high
      // bits of the first word (low half) and of the second word (high half) for the third.
      const std::size_t triples = n / 3;
      for (std::size_t i = 0; i < triples; ++i, p += 4) {
        const std::uint32_t w0 = le16(p);
        const std::uint32_t w1 = le16(p + 2);
        sink.put(sign_extend((w0 >> 1) & 0x3FFu, 10));
        sink.put(sign_extend((w1 >> 1) & 0x3FFu, 10));
        sink.put(sign_extend(((w0 & 0xF800u) >> 11) | ((w1 & 0xF800u) >> 6), 10));
      }
      const std::size_t rest = n % 3;
      if (rest >= 1) sink.put(sign_extend((le16(p) >> 1) & 0x3FFu, 10));
      if (rest == 2) sink.put(sign_extend((le16(p + 2) >> 1) & 0x3FFu, 10));
      break;
    }
    case 311: {
      // Three 10-bit samples in the low 30 bits of a little-endian 32-bit word.
      const std::size_t triples = n / 3;
      for (std::size_t i = 0; i < triples; ++i, p += 4) {
        const std::uint32_t w0 = le16(p);
        const std::uint32_t w1 = le16(p + 2);
        sink.put(sign_extend(w0 & 0x3FFu, 10));
        sink.put(sign_extend(((w0 & 0xFC00u) >> 10) | ((w1 & 0xFu) << 6), 10));
        sink.put(sign_extend((w1 >> 4) & 0x3FFu, 10));
      }
      const std::size_t rest = n % 3;
      if (rest >= 1) sink.put(sign_extend(le16(p) & 0x3FFu, 10));
      if (rest == 2) {
        sink.put(sign_extend(((le16(p) & 0xFC00u) >> 10) | ((le16(p + 2) & 0xFu) << 6), 10));
      }
      break;
    }
    default:
      throw FormatError("internal: no decoder for WFDB format " + std::to_string(format));
  }
}

// ------------------------------------------------------------------ encoding

inline void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v & 0xFFu);
  p[1] = static_cast<std::uint8_t>((v >> 8) & 0xFFu);
}

/// Encodes n samples (taken in file order from `next`) into p; returns the bytes written.
template <typename Next>
std::size_t encode(int format, Next&& next, std::size_t n, std::uint8_t* p) {
  std::uint8_t* const start = p;
  auto u = [](std::int32_t v) { return static_cast<std::uint32_t>(v); };
  switch (format) {
    case 212: {
      for (std::size_t i = 0; i + 1 < n; i += 2, p += 3) {
        const std::uint32_t a = u(next()) & 0xFFFu;
        const std::uint32_t b = u(next()) & 0xFFFu;
        p[0] = static_cast<std::uint8_t>(a & 0xFFu);
        p[1] = static_cast<std::uint8_t>((a >> 8) | ((b >> 4) & 0xF0u));
        p[2] = static_cast<std::uint8_t>(b & 0xFFu);
      }
      if (n % 2 != 0) {
        put16(p, u(next()) & 0xFFFu);
        p += 2;
      }
      break;
    }
    case 16:
      for (std::size_t i = 0; i < n; ++i, p += 2) put16(p, u(next()));
      break;
    case 61:
      for (std::size_t i = 0; i < n; ++i, p += 2) {
        const std::uint32_t v = u(next());
        p[0] = static_cast<std::uint8_t>((v >> 8) & 0xFFu);
        p[1] = static_cast<std::uint8_t>(v & 0xFFu);
      }
      break;
    case 160:
      for (std::size_t i = 0; i < n; ++i, p += 2) put16(p, u(next() + 32768));
      break;
    case 80:
      for (std::size_t i = 0; i < n; ++i) *p++ = static_cast<std::uint8_t>(u(next() + 128));
      break;
    case 24:
      for (std::size_t i = 0; i < n; ++i, p += 3) {
        const std::uint32_t v = u(next());
        put16(p, v);
        p[2] = static_cast<std::uint8_t>((v >> 16) & 0xFFu);
      }
      break;
    case 32:
      for (std::size_t i = 0; i < n; ++i, p += 4) {
        const std::uint32_t v = u(next());
        put16(p, v);
        put16(p + 2, v >> 16);
      }
      break;
    case 310:
    case 311: {
      for (std::size_t i = 0; i < n; i += 3, p += 4) {
        const std::size_t m = std::min<std::size_t>(3, n - i);
        const std::uint32_t a = u(next()) & 0x3FFu;
        const std::uint32_t b = m >= 2 ? u(next()) & 0x3FFu : 0u;
        const std::uint32_t c = m == 3 ? u(next()) & 0x3FFu : 0u;
        std::uint32_t w0 = 0;
        std::uint32_t w1 = 0;
        if (format == 310) {
          w0 = (a << 1) | ((c & 0x1Fu) << 11);
          w1 = (b << 1) | ((c >> 5) << 11);
        } else {
          w0 = a | ((b & 0x3Fu) << 10);
          w1 = (b >> 6) | (c << 4);
        }
        put16(p, w0);
        if (m >= 2) {
          put16(p + 2, w1);
        } else {
          p -= 2;  // a lone final sample takes one word (the reader's r16)
        }
      }
      break;
    }
    default:
      throw InvalidArgument("WFDB format " + std::to_string(format) + " cannot be written");
  }
  return static_cast<std::size_t>(p - start);
}

// ------------------------------------------------------------------ record paths

struct RecordPaths {
  std::filesystem::path header;
  std::filesystem::path directory;
  std::string name;
};

RecordPaths record_paths(const std::filesystem::path& record) {
  RecordPaths paths;
  std::filesystem::path base = record;
  if (base.extension() == ".hea") base.replace_extension();
  paths.name = base.filename().string();
  paths.directory = base.parent_path();
  paths.header = base;
  paths.header += ".hea";
  return paths;
}

/// The signal file of a header line, refusing names that leave the record's directory.
std::filesystem::path signal_file_path(const RecordPaths& paths, const std::string& file_name,
                                       std::size_t signal) {
  // A plain file name only: no directory part at all (not even "sub/x.dat", which a symlink
  // could turn into anywhere), no "..", ".", "~" or absolute path. Header files are data from
  // outside, and a record must not make the reader open files beside or above its directory.
  const std::filesystem::path name(file_name);
  const bool escapes = file_name.empty() || file_name == "." || file_name == ".." ||
                       file_name == "~" || file_name.find_first_of("/\\") != std::string::npos ||
                       name.is_absolute() || name.has_root_name();
  if (escapes) {
    throw FormatError("WFDB header " + quoted(paths.header) + ": signal " +
                      std::to_string(signal) + " has file name '" + file_name +
                      "'; expected a file in the header's directory");
  }
  return paths.directory / name;
}

void require_valid_record_name(const std::string& name, const std::filesystem::path& record) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
  if (!ok) {
    throw InvalidArgument("WFDB record path " + quoted(record) + " has the name '" + name +
                          "'; expected letters, digits, '_' or '-' only");
  }
}

/// A group of consecutive signals stored in one file.
struct Group {
  std::size_t first = 0;  // index of its first signal
  std::size_t count = 0;
  std::filesystem::path path;
};

std::vector<Group> signal_groups(const WfdbHeader& h, const RecordPaths& paths) {
  std::vector<Group> groups;
  for (std::size_t s = 0; s < h.signals.size(); ++s) {
    const WfdbSignalSpec& spec = h.signals[s];
    if (!groups.empty() && h.signals[groups.back().first].file_name == spec.file_name) {
      const WfdbSignalSpec& lead = h.signals[groups.back().first];
      if (spec.format != lead.format || spec.byte_offset != lead.byte_offset ||
          spec.block_size != lead.block_size) {
        throw FormatError("WFDB header " + quoted(paths.header) + ": signals " +
                          std::to_string(groups.back().first) + " and " + std::to_string(s) +
                          " share file '" + spec.file_name +
                          "' but differ in format, byte offset or block size; expected equal");
      }
      ++groups.back().count;
      continue;
    }
    for (const Group& g : groups) {
      if (h.signals[g.first].file_name == spec.file_name) {
        throw FormatError("WFDB header " + quoted(paths.header) + ": signal " +
                          std::to_string(s) + " uses file '" + spec.file_name +
                          "' of an earlier group; expected the signals of a file to be listed "
                          "together");
      }
    }
    groups.push_back({s, 1, signal_file_path(paths, spec.file_name, s)});
  }
  return groups;
}

}  // namespace

// ------------------------------------------------------------------ public API

std::int16_t wfdb_checksum(const std::int32_t* samples, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<std::uint32_t>(samples[i]);
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(sum & 0xFFFFu));
}

WfdbHeader parse_wfdb_header(std::string_view text, const std::string& source,
                             std::string_view record_name) {
  const HeaderParser parser(source);
  WfdbHeader h;
  std::int64_t n_signals = -1;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view line = detail::trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '#') {
      h.comments.emplace_back(detail::trim(line.substr(1)));
      continue;
    }
    if (line.find('\0') != std::string_view::npos) {
      parser.fail(line_no, "contains a NUL byte; expected text");
    }
    if (n_signals < 0) {
      parser.record_line(line_no, line, record_name, h, n_signals);
    } else if (h.signals.size() < static_cast<std::size_t>(n_signals)) {
      h.signals.emplace_back();
      parser.signal_line(line_no, line, h.signals.size() - 1, h, h.signals.back());
    } else {
      parser.fail(line_no, "unexpected line after the " + std::to_string(n_signals) +
                               " signal lines: '" + std::string(line.substr(0, 60)) + "'");
    }
  }
  if (n_signals < 0) {
    throw FormatError("WFDB header " + source + " has no record line; expected "
                      "'name n_signals [fs [n_samples]]'");
  }
  if (h.signals.size() != static_cast<std::size_t>(n_signals)) {
    throw FormatError("WFDB header " + source + " declares " + std::to_string(n_signals) +
                      " signals (field n_signals) but has " + std::to_string(h.signals.size()) +
                      " signal lines");
  }
  return h;
}

WfdbHeader read_wfdb_header(const std::filesystem::path& record) {
  const RecordPaths paths = record_paths(record);
  detail::InputFile file(paths.header, "WFDB header");
  const std::string text = file.read_all(kMaxHeaderBytes);
  WfdbHeader h = parse_wfdb_header(text, quoted(paths.header), paths.name);
  (void)signal_groups(h, paths);  // file names and group consistency
  return h;
}

WfdbRecord read_wfdb(const std::filesystem::path& record, const WfdbReadOptions& options) {
  const RecordPaths paths = record_paths(record);
  WfdbRecord rec;
  rec.header = read_wfdb_header(record);
  const WfdbHeader& h = rec.header;
  rec.fs_hz = h.fs_hz;
  const std::vector<Group> groups = signal_groups(h, paths);

  // Open every file and bound the sample count by what the files hold, before allocating.
  std::vector<std::unique_ptr<detail::InputFile>> files;
  std::uint64_t n = static_cast<std::uint64_t>(h.n_samples);
  std::uint64_t shortest = std::numeric_limits<std::uint64_t>::max();
  for (const Group& g : groups) {
    files.push_back(std::make_unique<detail::InputFile>(g.path, "WFDB signal file"));
    const WfdbSignalSpec& spec = h.signals[g.first];
    const auto offset = static_cast<std::uint64_t>(spec.byte_offset);
    const std::uint64_t size = files.back()->size();
    const std::uint64_t bytes = size > offset ? size - offset : 0;
    const std::uint64_t frames = samples_in_bytes(spec.format, bytes) / g.count;
    if (h.n_samples > 0 && frames < n) {
      throw FormatError("WFDB signal file " + quoted(g.path) + " is truncated: header " +
                        quoted(paths.header) + " (field n_samples) says " +
                        std::to_string(h.n_samples) + " samples per signal, the file holds " +
                        std::to_string(frames) + " (" + std::to_string(size) + " bytes, format " +
                        std::to_string(spec.format) + ", " + std::to_string(g.count) +
                        " signals, byte offset " + std::to_string(offset) + ")");
    }
    shortest = std::min(shortest, frames);
  }
  if (h.n_samples == 0) n = groups.empty() ? 0 : shortest;  // WFDB reads to the end

  const std::size_t n_signals = h.signals.size();
  const auto n_frames = static_cast<std::size_t>(n);
  rec.adc = xt::xtensor<std::int32_t, 2>::from_shape({n_signals, n_frames});
  detail::advise_huge_pages(rec.adc.data(), rec.adc.size() * sizeof(std::int32_t));

  std::vector<std::uint8_t> buffer;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const Group& g = groups[gi];
    const WfdbSignalSpec& spec = h.signals[g.first];
    detail::InputFile& file = *files[gi];
    GroupSink sink;
    sink.k = g.count;
    sink.sums.assign(g.count, 0u);
    for (std::size_t s = 0; s < g.count; ++s) {
      sink.rows.push_back(rec.adc.data() + (g.first + s) * n_frames);
      sink.last.push_back(h.signals[g.first + s].initial_value);
    }
    file.seek(static_cast<std::uint64_t>(spec.byte_offset));
    std::size_t remaining = n_frames * g.count;
    const std::size_t chunk = samples_per_chunk(spec.format);
    buffer.resize(kChunkBytes);
    while (remaining > 0) {
      const std::size_t m = std::min(remaining, chunk);
      const auto bytes = static_cast<std::size_t>(bytes_for_samples(spec.format, m));
      file.read(buffer.data(), bytes);
      decode(spec.format, buffer.data(), m, sink);
      remaining -= m;
    }

    for (std::size_t s = 0; s < g.count; ++s) {
      const std::size_t sig = g.first + s;
      const WfdbSignalSpec& ss = h.signals[sig];
      const std::string name = "signal " + std::to_string(sig) + " (" + ss.description + ")";
      if (options.verify_initial_values && ss.has_initial_value && ss.format != 8 &&
          n_frames > 0 && rec.adc(sig, 0) != ss.initial_value) {
        throw FormatError("WFDB signal file " + quoted(g.path) + ": the first sample of " +
                          name + " is " + std::to_string(rec.adc(sig, 0)) + " but header " +
                          quoted(paths.header) + " (field initial_value) says " +
                          std::to_string(ss.initial_value));
      }
      const auto actual =
          static_cast<std::int16_t>(static_cast<std::uint16_t>(sink.sums[s] & 0xFFFFu));
      if (options.verify_checksums && ss.checksum && h.n_samples > 0 && actual != *ss.checksum) {
        throw FormatError("WFDB signal file " + quoted(g.path) + ": checksum mismatch for " +
                          name + ": header " + quoted(paths.header) + " (field checksum) says " +
                          std::to_string(*ss.checksum) + ", the samples sum to " +
                          std::to_string(actual) + " (mod 2^16)");
      }
    }
  }

  if (options.physical) {
    rec.physical = xt::xtensor<double, 2>::from_shape({n_signals, n_frames});
    detail::advise_huge_pages(rec.physical.data(), rec.physical.size() * sizeof(double));
    for (std::size_t s = 0; s < n_signals; ++s) {
      const double baseline = h.signals[s].baseline;
      const double gain = h.signals[s].adc_gain;
      const std::int32_t* in = rec.adc.data() + s * n_frames;
      double* out = rec.physical.data() + s * n_frames;
      // Divide (not multiply by 1/gain) to match WFDB aduphys() and wfdb-python bit for bit.
      for (std::size_t t = 0; t < n_frames; ++t) out[t] = (in[t] - baseline) / gain;
    }
  }
  return rec;
}

bool is_writable_wfdb_format(int format) { return format != 8 && is_readable_format(format); }

void write_wfdb(const std::filesystem::path& record, const WfdbHeader& header,
                const xt::xtensor<std::int32_t, 2>& adc, int format) {
  if (!is_writable_wfdb_format(format)) {
    throw InvalidArgument("WFDB format " + std::to_string(format) +
                          " cannot be written; expected one of 16, 24, 32, 61, 80, 160, 212, "
                          "310, 311");
  }
  const RecordPaths paths = record_paths(record);
  require_valid_record_name(paths.name, record);
  const std::size_t n_signals = adc.shape()[0];
  const std::size_t n = adc.shape()[1];
  if (header.signals.size() != n_signals) {
    throw InvalidArgument("write_wfdb: adc has " + std::to_string(n_signals) +
                          " leads but header.signals describes " +
                          std::to_string(header.signals.size()) + "; expected one spec per lead");
  }
  if (!(header.fs_hz > 0.0) || !std::isfinite(header.fs_hz)) {
    throw InvalidArgument("write_wfdb: header.fs_hz must be a finite number > 0, got " +
                          detail::shortest_double(header.fs_hz));
  }
  auto single_line = [](const std::string& text, const std::string& what) {
    if (text.find_first_of("\r\n") != std::string::npos || text.find('\0') != std::string::npos) {
      throw InvalidArgument("write_wfdb: " + what + " must be one line of text, got '" + text +
                            "'");
    }
  };
  for (const std::string& c : header.comments) single_line(c, "a comment");
  for (const std::string* t : {&header.base_time, &header.base_date}) {
    if (t->find_first_of(" \t\r\n") != std::string::npos) {
      throw InvalidArgument("write_wfdb: base time/date must not contain blanks, got '" + *t +
                            "'");
    }
  }

  // Range, checksum and initial value of every lead.
  const int bits = sample_bits(format);
  const std::int64_t lo = -(std::int64_t{1} << (bits - 1));
  const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
  std::vector<std::int16_t> checksums(n_signals);
  for (std::size_t s = 0; s < n_signals; ++s) {
    const WfdbSignalSpec& spec = header.signals[s];
    const std::string lead = "lead " + std::to_string(s);
    if (!spec.uncalibrated && (!std::isfinite(spec.adc_gain) || spec.adc_gain == 0.0)) {
      throw InvalidArgument("write_wfdb: " + lead + " adc_gain must be finite and non-zero, got " +
                            detail::shortest_double(spec.adc_gain));
    }
    if (spec.uncalibrated && spec.adc_gain != 200.0) {
      throw InvalidArgument("write_wfdb: " + lead + " is uncalibrated (written as gain 0, read "
                            "back as 200 adu/mV) but adc_gain is " +
                            detail::shortest_double(spec.adc_gain) + "; expected 200");
    }
    if (spec.units.empty() || spec.units.find_first_of(" \t\r\n()/") != std::string::npos) {
      throw InvalidArgument("write_wfdb: " + lead + " units must be a non-empty word without "
                            "blanks, '(', ')' or '/', got '" + spec.units + "'");
    }
    if (spec.adc_resolution_bits < 0 || spec.adc_resolution_bits > 32) {
      throw InvalidArgument("write_wfdb: " + lead + " adc_resolution_bits must be in [0, 32], " +
                            "got " + std::to_string(spec.adc_resolution_bits));
    }
    single_line(spec.description, lead + " description");
    const std::int32_t* row = adc.data() + s * n;
    for (std::size_t t = 0; t < n; ++t) {
      if (row[t] < lo || row[t] > hi) {
        throw InvalidArgument("write_wfdb: " + lead + " sample " + std::to_string(t) + " is " +
                              std::to_string(row[t]) + ", outside the range [" +
                              std::to_string(lo) + ", " + std::to_string(hi) + "] of format " +
                              std::to_string(format));
      }
    }
    checksums[s] = wfdb_checksum(row, n);
  }

  // Signal file: frames interleaved, encoded chunk by chunk.
  const std::string dat_name = paths.name + ".dat";
  detail::OutputFile dat(paths.directory / dat_name, "WFDB signal file");
  if (n_signals > 0) {
    std::vector<std::uint8_t> buffer(kChunkBytes + 8);
    const std::size_t total = n * n_signals;
    std::size_t frame = 0;
    std::size_t sig = 0;
    auto next = [&]() {
      const std::int32_t v = adc.data()[sig * n + frame];
      if (++sig == n_signals) {
        sig = 0;
        ++frame;
      }
      return v;
    };
    const std::size_t chunk = samples_per_chunk(format);
    for (std::size_t done = 0; done < total;) {
      const std::size_t m = std::min(chunk, total - done);
      dat.write(buffer.data(), encode(format, next, m, buffer.data()));
      done += m;
    }
  }

  // Header.
  std::string text = paths.name + " " + std::to_string(n_signals) + " " +
                     detail::shortest_double(header.fs_hz);
  if (header.counter_freq_hz > 0.0) {
    text += "/" + detail::shortest_double(header.counter_freq_hz);
    if (header.base_counter != 0.0) {
      text += "(" + detail::shortest_double(header.base_counter) + ")";
    }
  }
  text += " " + std::to_string(n);
  if (!header.base_time.empty()) text += " " + header.base_time;
  if (!header.base_time.empty() && !header.base_date.empty()) text += " " + header.base_date;
  text += "\n";
  for (std::size_t s = 0; s < n_signals; ++s) {
    const WfdbSignalSpec& spec = header.signals[s];
    const std::int32_t first = n > 0 ? adc(s, 0) : spec.adc_zero;
    text += dat_name + " " + std::to_string(format) + " " +
            (spec.uncalibrated ? std::string("0") : detail::shortest_double(spec.adc_gain)) + "(" +
            std::to_string(spec.baseline) + ")/" + spec.units + " " +
            std::to_string(spec.adc_resolution_bits) + " " + std::to_string(spec.adc_zero) + " " +
            std::to_string(first) + " " + std::to_string(checksums[s]) + " 0";
    if (!spec.description.empty()) text += " " + spec.description;
    text += "\n";
  }
  for (const std::string& c : header.comments) text += "# " + c + "\n";
  detail::OutputFile hea(paths.header, "WFDB header");
  hea.write(text);
  dat.commit();
  hea.commit();
}

void write_wfdb(const std::filesystem::path& record, const WfdbRecord& rec, int format) {
  write_wfdb(record, rec.header, rec.adc, format);
}

xt::xtensor<std::int32_t, 2> physical_to_adc(const xt::xtensor<double, 2>& physical,
                                             const std::vector<WfdbSignalSpec>& signals) {
  const std::size_t n_signals = physical.shape()[0];
  const std::size_t n = physical.shape()[1];
  if (signals.size() != n_signals) {
    throw InvalidArgument("physical_to_adc: physical has " + std::to_string(n_signals) +
                          " leads but " + std::to_string(signals.size()) +
                          " signal specs were given; expected one per lead");
  }
  auto adc = xt::xtensor<std::int32_t, 2>::from_shape({n_signals, n});
  for (std::size_t s = 0; s < n_signals; ++s) {
    const double gain = signals[s].adc_gain;
    const double baseline = signals[s].baseline;
    if (!std::isfinite(gain) || gain == 0.0) {
      throw InvalidArgument("physical_to_adc: lead " + std::to_string(s) +
                            " adc_gain must be finite and non-zero, got " +
                            detail::shortest_double(gain));
    }
    for (std::size_t t = 0; t < n; ++t) {
      const double x = physical(s, t);
      // Round the scaled value, then add the baseline (WFDB physadu()): symmetric about it.
      const double v = std::round(x * gain) + baseline;
      if (!std::isfinite(x) || v < std::numeric_limits<std::int32_t>::min() ||
          v > std::numeric_limits<std::int32_t>::max()) {
        throw InvalidArgument("physical_to_adc: lead " + std::to_string(s) + " sample " +
                              std::to_string(t) + " is " + detail::shortest_double(x) +
                              "; expected a finite value whose ADC value fits in 32 bits");
      }
      adc(s, t) = static_cast<std::int32_t>(v);
    }
  }
  return adc;
}

std::size_t WfdbRecord::lead_index(std::string_view name) const {
  for (std::size_t i = 0; i < header.signals.size(); ++i) {
    if (header.signals[i].description == name) return i;
  }
  std::string names;
  for (const auto& s : header.signals) names += (names.empty() ? "'" : ", '") + s.description + "'";
  throw InvalidArgument("record '" + header.record_name + "' has no lead '" + std::string(name) +
                        "'; its leads are " + (names.empty() ? std::string("none") : names));
}

Eigen::Map<const Eigen::VectorXd> WfdbRecord::lead(std::size_t i) const {
  if (i >= n_leads()) {
    throw InvalidArgument("lead index " + std::to_string(i) + " is out of range; record '" +
                          header.record_name + "' has " + std::to_string(n_leads()) + " leads");
  }
  if (physical.size() != adc.size()) {
    throw StateError("record '" + header.record_name +
                     "' was read without physical values (WfdbReadOptions::physical = false)");
  }
  return {physical.data() + i * n_samples(), static_cast<Eigen::Index>(n_samples())};
}

Eigen::Map<const Eigen::VectorXd> WfdbRecord::lead(std::string_view name) const {
  return lead(lead_index(name));
}

Eigen::Map<const Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1>> WfdbRecord::lead_adc(
    std::size_t i) const {
  if (i >= n_leads()) {
    throw InvalidArgument("lead index " + std::to_string(i) + " is out of range; record '" +
                          header.record_name + "' has " + std::to_string(n_leads()) + " leads");
  }
  return {adc.data() + i * n_samples(), static_cast<Eigen::Index>(n_samples())};
}

}  // namespace ecgad::io
