// MIT-format annotation files: the code table against WFDB's ecgcodes.h, every word type on a
// fixture written here byte by byte (SKIP, NUM, SUB, CHN, AUX, code 0), the writer's exact bytes,
// seeded round trips, corrupt files, the EC57 helpers, and the real MIT-BIH reference annotations
// against PhysioNet's published beat table.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/io/annotations.hpp"
#include "io_test_util.hpp"

namespace io = ecgad::io;
namespace sig = ecgad::signal;
using ecgad::test::ScratchDir;
using ecgad::test::expect_error;
using ecgad::test::write_bytes;

namespace {

io::Annotation ann(std::int64_t sample, const std::string& symbol, int sub_type = 0,
                   int channel = 0, int num = 0, const std::string& aux = "") {
  io::Annotation a;
  a.sample = sample;
  a.symbol = symbol;
  a.code = io::annotation_code(symbol);
  a.sub_type = sub_type;
  a.channel = channel;
  a.num = num;
  a.aux = aux;
  return a;
}

void expect_same(const io::Annotation& a, const io::Annotation& b) {
  EXPECT_EQ(a.sample, b.sample);
  EXPECT_EQ(a.symbol, b.symbol);
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.sub_type, b.sub_type);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.num, b.num);
  EXPECT_EQ(a.aux, b.aux);
}

// Five annotations using every modifier; bytes per WFDB annot(5): 16-bit little-endian words,
// code in the top 6 bits; SKIP's 32-bit interval high word first.
const std::vector<std::uint8_t> kFixture = {
    0x0A, 0x04,                          // N, +10
    0x00, 0xEC, 0x00, 0x00, 0x7E, 0x13,  // SKIP +4990
    0x00, 0x14,                          // V, +0 -> 5000
    0x03, 0xF4,                          // SUB 3
    0x01, 0xF8,                          // CHN 1
    0x02, 0xF0,                          // NUM 2
    0x03, 0xFC, '(', 'V', 'T', 0x00,     // AUX "(VT" (odd length, padded)
    0x01, 0x70,                          // +, +1
    0x02, 0xFC, '(', 'N',                // AUX "(N"
    0x01, 0x38,                          // ~, +1
    0xFF, 0xF7,                          // SUB 1023 -> -1 (signed char)
    0x00, 0x58,                          // ", +0
    0x00, 0xF0,                          // NUM 0
    0x02, 0xFC, 'h', 'i',                // AUX "hi"
    0x00, 0x00};                         // end of file

std::vector<io::Annotation> fixture_annotations() {
  return {ann(10, "N"), ann(5000, "V", 3, 1, 2, "(VT"), ann(5001, "+", 0, 1, 2, "(N"),
          ann(5002, "~", -1, 1, 2), ann(5002, "\"", 0, 1, 0, "hi")};
}

}  // namespace

TEST(AnnotationCodes, MatchWfdbEcgcodes) {
  // WFDB lib/ecgcodes.h: NORMAL 1 ... RONT 41 and their mnemonics (lib/annot.c).
  const std::vector<std::pair<int, std::string>> table = {
      {1, "N"},  {2, "L"},  {3, "R"},  {4, "a"},  {5, "V"},  {6, "F"},  {7, "J"},  {8, "A"},
      {9, "S"},  {10, "E"}, {11, "j"}, {12, "/"}, {13, "Q"}, {14, "~"}, {16, "|"}, {18, "s"},
      {19, "T"}, {20, "*"}, {21, "D"}, {22, "\""}, {23, "="}, {24, "p"}, {25, "B"}, {26, "^"},
      {27, "t"}, {28, "+"}, {29, "u"}, {30, "?"}, {31, "!"}, {32, "["}, {33, "]"}, {34, "e"},
      {35, "n"}, {36, "@"}, {37, "x"}, {38, "f"}, {39, "("}, {40, ")"}, {41, "r"}};
  for (const auto& [code, symbol] : table) {
    EXPECT_EQ(io::annotation_symbol(code), symbol) << code;
    EXPECT_EQ(io::annotation_code(symbol), code) << symbol;
  }
  EXPECT_EQ(io::annotation_symbol(0), " ");
  EXPECT_EQ(io::annotation_symbol(15), "[15]");
  EXPECT_EQ(io::annotation_symbol(49), "[49]");
  EXPECT_EQ(io::annotation_symbol(58), "[58]");
  EXPECT_EQ(io::annotation_code("[15]"), 15);
  EXPECT_EQ(io::annotation_code("[55]"), 55);
  EXPECT_EQ(io::annotation_description(5), "Premature ventricular contraction");
  EXPECT_EQ(io::annotation_description(32), "Start of ventricular flutter/fibrillation");
  EXPECT_EQ(io::annotation_description(45), "");
  expect_error<ecgad::InvalidArgument>([] { (void)io::annotation_code("Z"); }, {"'Z'"});
  expect_error<ecgad::InvalidArgument>([] { (void)io::annotation_code("[59]"); }, {"[59]"});
  expect_error<ecgad::InvalidArgument>([] { (void)io::annotation_symbol(59); }, {"59", "0..58"});
  expect_error<ecgad::InvalidArgument>([] { (void)io::annotation_symbol(-1); }, {"-1"});
}

TEST(AnnotationRead, EveryWordTypeOfTheFixture) {
  ScratchDir dir;
  auto bytes = kFixture;
  bytes.push_back(0x55);  // bytes after the end-of-file word are ignored (as by WFDB)
  write_bytes(dir / "r.atr", bytes);
  const auto got = io::read_annotations(dir / "r", "atr");
  const auto want = fixture_annotations();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(got[i], want[i]);
  }
  EXPECT_EQ(got[1].aami_class(), sig::AamiClass::V);
  EXPECT_FALSE(got[2].is_beat());
}

TEST(AnnotationWrite, BytesMatchTheFixture) {
  ScratchDir dir;
  io::write_annotations(dir / "w.atr", fixture_annotations());
  EXPECT_EQ(ecgad::test::read_bytes(dir / "w.atr"), kFixture);
}

TEST(AnnotationRead, TrailingNulOfAuxIsDropped) {
  ScratchDir dir;
  // MIT-BIH's rhythm labels are stored with their C terminator: AUX length 3, "(N\0".
  write_bytes(dir / "r.atr", {0x07, 0x70, 0x03, 0xFC, '(', 'N', 0x00, 0x00, 0x00, 0x00});
  const auto got = io::read_annotations(dir / "r.atr");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].aux, "(N");
  EXPECT_EQ(got[0].sample, 7);
}

TEST(AnnotationWrite, CodeZeroAndBackwardStepsRoundTrip) {
  ScratchDir dir;
  io::Annotation null_ann;
  null_ann.sample = 7;
  null_ann.symbol = " ";  // NOTQRS: written as SKIP + a time field of 1, as putann() does
  std::vector<io::Annotation> in = {null_ann, ann(3, "N"), ann(3, "N"), ann(2000000, "V")};
  io::write_annotations(dir / "w.atr", in);
  const auto out = io::read_annotations(dir / "w.atr");
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) expect_same(out[i], in[i]);
  EXPECT_EQ(out[0].code, 0);
}

TEST(AnnotationWrite, SeededRandomRoundTrip) {
  std::mt19937_64 rng(2024);
  const std::vector<std::string> symbols = {"N", "L", "V", "A", "+", "~", "\"", "[", "]", "!",
                                            "x", "Q", "/", "f", "|", "E"};
  std::vector<io::Annotation> in;
  std::int64_t t = 0;
  for (int i = 0; i < 3000; ++i) {
    // Mostly short steps, some beyond the 10-bit time field (SKIP), some zero.
    const auto r = static_cast<std::int64_t>(rng() % 100);
    t += r < 5 ? static_cast<std::int64_t>(rng() % 5000000) : r < 10 ? 0 : 100 + r * 5;
    auto a = ann(t, symbols[rng() % symbols.size()]);
    if (rng() % 7 == 0) a.sub_type = static_cast<int>(rng() % 256) - 128;
    if (rng() % 11 == 0) a.channel = static_cast<int>(rng() % 256);
    if (rng() % 13 == 0) a.num = static_cast<int>(rng() % 256) - 128;
    if (rng() % 5 == 0) {
      const std::size_t len = 1 + rng() % 255;
      for (std::size_t k = 0; k < len; ++k) a.aux.push_back(static_cast<char>(1 + rng() % 255));
    }
    in.push_back(a);
  }
  // num and chan persist: an annotation without its own values inherits the previous ones,
  // which is what the writer sees as "unchanged" too.
  ScratchDir dir;
  io::write_annotations(dir / "w.atr", in);
  const auto out = io::read_annotations(dir / "w.atr");
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(out[i], in[i]);
  }
}

TEST(AnnotationErrors, CorruptFilesNameFileOffsetAndExpectation) {
  const std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::string>>> cases = {
      {{0x0A, 0x04}, {"byte 2", "end-of-file", "truncated"}},
      {{0x0A, 0x04, 0x00}, {"byte 2", "end-of-file"}},
      {{}, {"byte 0", "end-of-file"}},
      {{0x00, 0xEC, 0x00, 0x00}, {"byte 0", "SKIP"}},
      {{0x0A, 0x04, 0x05, 0xFC, 'a', 'b'}, {"byte 2", "AUX of 5 bytes", "only 2"}},
      {{0x03, 0xF4, 0x00, 0x00}, {"byte 0", "before any annotation"}},
      {{0x00, 0xEC, 0xFF, 0xFF, 0xFB, 0xFF, 0x00, 0x04, 0x00, 0x00}, {"byte 6", "-5", "negative"}},
  };
  for (const auto& [bytes, needles] : cases) {
    ScratchDir dir;
    write_bytes(dir / "bad.atr", bytes);
    auto all = needles;
    all.push_back("bad.atr");
    expect_error<ecgad::FormatError>([&] { (void)io::read_annotations(dir / "bad.atr"); }, all);
  }
  ScratchDir dir;
  expect_error<ecgad::IoError>([&] { (void)io::read_annotations(dir / "none", "atr"); },
                               {"none.atr"});
  expect_error<ecgad::InvalidArgument>([&] { (void)io::read_annotations(dir / "none", ""); },
                                       {"annotator"});
}

TEST(AnnotationErrors, WriterRejectsInvalidAnnotations) {
  ScratchDir dir;
  auto expect_rejected = [&](io::Annotation a, const std::vector<std::string>& needles) {
    expect_error<ecgad::InvalidArgument>(
        [&] { io::write_annotations(dir / "w.atr", {ann(0, "N"), a}); }, needles);
    EXPECT_FALSE(std::filesystem::exists(dir / "w.atr"));
  };
  auto a = ann(5, "N");
  a.code = 5;
  expect_rejected(a, {"annotation 1", "code 5", "'V'", "'N'"});
  a = io::Annotation{};
  expect_rejected(a, {"annotation 1", "neither"});
  a.symbol = "Z";
  expect_rejected(a, {"annotation 1", "'Z'"});
  a = ann(-1, "N");
  expect_rejected(a, {"sample -1"});
  a = ann(5, "N", 200);
  expect_rejected(a, {"sub_type", "200"});
  a = ann(5, "N", 0, 256);
  expect_rejected(a, {"channel", "256"});
  a = ann(5, "N", 0, 0, -129);
  expect_rejected(a, {"num", "-129"});
  a = ann(5, "N", 0, 0, 0, std::string(256, 'x'));
  expect_rejected(a, {"aux", "256 bytes"});
  a = ann(5, "N");
  a.code = 59;
  a.symbol.clear();
  expect_rejected(a, {"code", "59"});
  a = ann(std::int64_t{1} << 40, "N");
  expect_rejected(a, {"32 bits"});
}

TEST(AnnotationHelpers, BeatsClassesSymbolsAndVfEpisodes) {
  const std::vector<io::Annotation> list = {
      ann(1, "N"),   ann(2, "L"),   ann(3, "V"),   ann(4, "E"),   ann(5, "A"),  ann(6, "F"),
      ann(7, "/"),   ann(8, "Q"),   ann(9, "+"),   ann(10, "~"),  ann(100, "["), ann(150, "!"),
      ann(200, "]"), ann(250, "]"), ann(300, "["), ann(320, "["), ann(400, "]"), ann(500, "[")};
  const auto beats = io::beat_annotations(list);
  ASSERT_EQ(beats.size(), 8u);
  EXPECT_EQ(beats.front().symbol, "N");
  EXPECT_EQ(beats.back().symbol, "Q");
  const auto counts = io::aami_class_counts(list);
  EXPECT_EQ(counts[sig::AamiClass::N], 2);
  EXPECT_EQ(counts[sig::AamiClass::S], 1);
  EXPECT_EQ(counts[sig::AamiClass::V], 2);
  EXPECT_EQ(counts[sig::AamiClass::F], 1);
  EXPECT_EQ(counts[sig::AamiClass::Q], 2);
  EXPECT_EQ(counts.total_beats(), 8);
  EXPECT_EQ(counts.non_beats, 10);
  const auto symbols = io::symbol_counts(list);
  EXPECT_EQ(symbols.at("["), 4);
  EXPECT_EQ(symbols.at("]"), 3);

  using Episodes = std::vector<std::pair<std::int64_t, std::int64_t>>;
  // The stray ']' at 250 and the nested '[' at 320 are ignored; the last '[' is never closed.
  EXPECT_EQ(io::vf_episodes(list, 1000), (Episodes{{100, 200}, {300, 400}, {500, 1000}}));
  EXPECT_EQ(io::vf_episodes(list).back().second, std::numeric_limits<std::int64_t>::max());
  auto shuffled = list;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(3));
  EXPECT_EQ(io::vf_episodes(shuffled, 1000), io::vf_episodes(list, 1000));
  EXPECT_TRUE(io::vf_episodes({ann(5, "N")}).empty());
}

// ------------------------------------------------------------------ real records

namespace {

// Beat annotations per record (entire records) from PhysioNet's MIT-BIH Arrhythmia Database
// Directory, "Table of beat types (entire records)" (mitdbdir/tables.htm#allbeats; Moody & Mark,
// 3rd ed. 1992), for the 22 DS1 records; '!' (ventricular flutter wave) is a non-beat column of
// that table. Symbols absent here have count 0.
const std::map<std::string, std::map<std::string, std::int64_t>> kPublishedBeats = {
    {"101", {{"N", 1860}, {"A", 3}, {"Q", 2}}},
    {"106", {{"N", 1507}, {"V", 520}}},
    {"108", {{"N", 1739}, {"A", 4}, {"V", 17}, {"F", 2}, {"j", 1}}},
    {"109", {{"L", 2492}, {"V", 38}, {"F", 2}}},
    {"112", {{"N", 2537}, {"A", 2}}},
    {"114", {{"N", 1820}, {"A", 10}, {"J", 2}, {"V", 43}, {"F", 4}}},
    {"115", {{"N", 1953}}},
    {"116", {{"N", 2302}, {"A", 1}, {"V", 109}}},
    {"118", {{"R", 2166}, {"A", 96}, {"V", 16}}},
    {"119", {{"N", 1543}, {"V", 444}}},
    {"122", {{"N", 2476}}},
    {"124", {{"R", 1531}, {"A", 2}, {"J", 29}, {"V", 47}, {"F", 5}, {"j", 5}}},
    {"201", {{"N", 1625}, {"A", 30}, {"a", 97}, {"J", 1}, {"V", 198}, {"F", 2}, {"j", 10}}},
    {"203", {{"N", 2529}, {"a", 2}, {"V", 444}, {"F", 1}, {"Q", 4}}},
    {"205", {{"N", 2571}, {"A", 3}, {"V", 71}, {"F", 11}}},
    {"207", {{"L", 1457}, {"R", 86}, {"A", 107}, {"V", 105}, {"E", 105}, {"!", 472}}},
    {"208", {{"N", 1586}, {"S", 2}, {"V", 992}, {"F", 373}, {"Q", 2}}},
    {"209", {{"N", 2621}, {"A", 383}, {"V", 1}}},
    {"215", {{"N", 3195}, {"A", 3}, {"V", 164}, {"F", 1}}},
    {"220", {{"N", 1954}, {"A", 94}}},
    {"223", {{"N", 2029}, {"A", 72}, {"a", 1}, {"V", 473}, {"F", 14}, {"e", 16}}},
    {"230", {{"N", 2255}, {"V", 1}}},
};

}  // namespace

TEST(AnnotationMitdb, BeatCountsMatchThePublishedTable) {
  ECGAD_REQUIRE_SHARED_DATA("mitdb");
  std::array<std::int64_t, 5> ds1{};
  for (const auto& [record, published] : kPublishedBeats) {
    SCOPED_TRACE(record);
    const auto annotations =
        io::read_annotations(ecgad::test::shared_data_dir() / "mitdb" / record, "atr");
    const auto symbols = io::symbol_counts(annotations);
    // Every beat symbol in the file, and '!', has the published count.
    for (const auto& [symbol, count] : symbols) {
      if (!sig::is_beat_symbol(symbol) && symbol != "!") continue;
      const auto it = published.find(symbol);
      EXPECT_EQ(count, it == published.end() ? 0 : it->second) << "symbol " << symbol;
    }
    for (const auto& [symbol, count] : published) {
      EXPECT_EQ(symbols.count(symbol) ? symbols.at(symbol) : 0, count) << "symbol " << symbol;
    }
    // EC57 classes from the published symbols (aami.hpp's mapping, not the reader's counts).
    std::array<std::int64_t, 5> expected{};
    for (const auto& [symbol, count] : published) {
      if (const auto c = sig::aami_class_of(symbol)) {
        expected[static_cast<std::size_t>(*c)] += count;
      }
    }
    const auto counts = io::aami_class_counts(annotations);
    EXPECT_EQ(counts.beats, expected);
    for (std::size_t c = 0; c < 5; ++c) ds1[c] += counts.beats[c];
    // Annotations are in time order within the record.
    EXPECT_TRUE(std::is_sorted(annotations.begin(), annotations.end(),
                               [](const auto& a, const auto& b) { return a.sample < b.sample; }));
    EXPECT_LT(annotations.back().sample, 650000);
  }
  // DS1 totals: de Chazal, O'Dwyer & Reilly, IEEE TBME 51(7):1196-1206, 2004, Table I.
  EXPECT_EQ(ds1, (std::array<std::int64_t, 5>{45866, 944, 3788, 415, 8}));
}

TEST(AnnotationMitdb, FlutterWavesLieInsideVfEpisodes) {
  ECGAD_REQUIRE_SHARED_DATA("mitdb");
  // Record 207 holds the DS1 half's ventricular flutter: every '!' (flutter wave) annotation
  // falls inside a '[' ... ']' episode, and the episodes hold no beats.
  const auto annotations =
      io::read_annotations(ecgad::test::shared_data_dir() / "mitdb" / "207", "atr");
  const auto episodes = io::vf_episodes(annotations, 650000);
  ASSERT_FALSE(episodes.empty());
  for (const auto& a : annotations) {
    bool inside = false;
    for (const auto& [start, end] : episodes) {
      inside = inside || (a.sample >= start && a.sample <= end);
    }
    if (a.symbol == "!") {
      EXPECT_TRUE(inside) << a.sample;
    }
    if (a.is_beat()) {
      EXPECT_FALSE(inside) << a.sample << " " << a.symbol;
    }
  }
  for (const auto& [start, end] : episodes) EXPECT_LT(start, end);
}

TEST(AnnotationErrors, SeededMutationsRaiseOnlyEcgadErrors) {
  ScratchDir dir;
  std::mt19937 rng(17);
  int ok = 0;
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    auto bytes = kFixture;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      if (rng() % 3 == 0) {
        bytes.resize(rng() % (bytes.size() + 1));
      } else if (!bytes.empty()) {
        bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
      }
    }
    write_bytes(dir / "m.atr", bytes);
    try {
      const auto list = io::read_annotations(dir / "m.atr");
      for (const auto& a : list) {
        EXPECT_GE(a.sample, 0);
        EXPECT_LE(a.aux.size(), 255u);
      }
      ++ok;
    } catch (const ecgad::Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 500);
  EXPECT_GT(ok, 100);
}
