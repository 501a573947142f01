// WFDB records: every parser path on fixtures written here byte by byte (formats 8, 16, 24, 32,
// 61, 80, 160, 212, 310, 311; gain forms; comments; several files; byte offsets), exact write/read
// round trips, every corruption named in the issue, and the real MIT-BIH / NSTDB records.
// Expected bytes follow the WFDB library's r212/w212, r310/w310, r311/w311 ... (lib/signal.c).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "ecgad/io/wfdb.hpp"
#include "io_test_util.hpp"

namespace io = ecgad::io;
using ecgad::test::ScratchDir;
using ecgad::test::expect_error;
using ecgad::test::write_bytes;
using ecgad::test::write_text;

namespace {

std::vector<std::int32_t> row(const io::WfdbRecord& rec, std::size_t lead) {
  const auto m = rec.lead_adc(lead);
  return {m.data(), m.data() + m.size()};
}

xt::xtensor<std::int32_t, 2> make_adc(const std::vector<std::vector<std::int32_t>>& leads) {
  auto adc = xt::xtensor<std::int32_t, 2>::from_shape({leads.size(), leads.at(0).size()});
  for (std::size_t s = 0; s < leads.size(); ++s) {
    for (std::size_t t = 0; t < leads[s].size(); ++t) adc(s, t) = leads[s][t];
  }
  return adc;
}

io::WfdbHeader make_header(std::size_t n_leads, double fs_hz = 360.0) {
  io::WfdbHeader h;
  h.fs_hz = fs_hz;
  for (std::size_t s = 0; s < n_leads; ++s) {
    io::WfdbSignalSpec spec;
    spec.adc_gain = 200.0;
    spec.baseline = 0;
    spec.description = "lead" + std::to_string(s);
    h.signals.push_back(spec);
  }
  return h;
}

// One single-signal record in `format` with the given bytes; returns its path.
std::filesystem::path one_signal(const ScratchDir& dir, int format,
                                 const std::vector<std::uint8_t>& bytes, std::size_t n,
                                 const std::string& extra_fields = "") {
  write_bytes(dir / "r.dat", bytes);
  write_text(dir / "r.hea", "r 1 360 " + std::to_string(n) + "\nr.dat " + std::to_string(format) +
                                " 200 " + extra_fields + "\n");
  return dir / "r";
}

}  // namespace

// ------------------------------------------------------------------ formats, byte by byte

TEST(WfdbRead, Format212SingleSignalOddCount) {
  ScratchDir dir;
  // (1, -1) (2047, -2048) and a lone 100 in the last two bytes.
  write_bytes(dir / "r.dat", {0x01, 0xF0, 0xFF, 0xFF, 0x87, 0x00, 0x64, 0x00});
  write_text(dir / "r.hea", "r 1 360 5\nr.dat 212 200(0)/mV 12 0 1 99 0 lead\n");
  const auto rec = io::read_wfdb(dir / "r");
  EXPECT_EQ(row(rec, 0), (std::vector<std::int32_t>{1, -1, 2047, -2048, 100}));
  EXPECT_EQ(rec.fs_hz, 360.0);
  EXPECT_DOUBLE_EQ(rec.physical(0, 2), 2047.0 / 200.0);
  EXPECT_EQ(*rec.header.signals[0].checksum, 99);
}

TEST(WfdbRead, Format212ThreeSignalsInterleaved) {
  ScratchDir dir;
  // Frames (1,2,3) (4,5,6) (7,8,-9): nine samples, so the last pair is a lone -9 (0xFF7).
  write_bytes(dir / "r.dat", {1, 0, 2, 3, 0, 4, 5, 0, 6, 7, 0, 8, 0xF7, 0x0F});
  write_text(dir / "r.hea",
             "r 3 360 3\n"
             "r.dat 212 200 12 0 1 12 0 a\n"
             "r.dat 212 200 12 0 2 15 0 b\n"
             "r.dat 212 200 12 0 3 0 0 c\n");
  const auto rec = io::read_wfdb(dir / "r");
  ASSERT_EQ(rec.n_leads(), 3u);
  EXPECT_EQ(row(rec, 0), (std::vector<std::int32_t>{1, 4, 7}));
  EXPECT_EQ(row(rec, 1), (std::vector<std::int32_t>{2, 5, 8}));
  EXPECT_EQ(row(rec, 2), (std::vector<std::int32_t>{3, 6, -9}));
}

TEST(WfdbRead, Format16TwoSignals) {
  ScratchDir dir;
  write_bytes(dir / "r.dat", {0x00, 0x80, 0xFF, 0x7F, 0xFE, 0xFF, 0x01, 0x02});
  // Checksums: -32768 - 2 = -32770 = 32766 (mod 2^16); 32767 + 513 = 33280 = -32256.
  write_text(dir / "r.hea",
             "r 2 250 2\n"
             "r.dat 16 1000 16 0 -32768 32766 0 x\n"
             "r.dat 16 1000 16 0 32767 -32256 0 y\n");
  const auto rec = io::read_wfdb(dir / "r");
  EXPECT_EQ(row(rec, 0), (std::vector<std::int32_t>{-32768, -2}));
  EXPECT_EQ(row(rec, 1), (std::vector<std::int32_t>{32767, 513}));
  EXPECT_DOUBLE_EQ(rec.physical(1, 1), 0.513);
}

TEST(WfdbRead, EveryOtherFormat) {
  struct Case {
    int format;
    std::vector<std::uint8_t> bytes;
    std::vector<std::int32_t> samples;
  };
  const std::vector<Case> cases = {
      {80, {0x80, 0x00, 0xFF, 0x85}, {0, -128, 127, 5}},  // offset binary
      {61, {0xFF, 0xFE, 0x01, 0x02}, {-2, 258}},           // big-endian 16-bit
      {160, {0x00, 0x00, 0x00, 0x80, 0x01, 0x80}, {-32768, 0, 1}},
      {24, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x01}, {-1, 8388607, 65536}},
      {32, {0xFE, 0xFF, 0xFF, 0xFF, 0x04, 0x03, 0x02, 0x01}, {-2, 0x01020304}},
      // 310: (1, -1, 5) as words 0x2802 0x07FE, then a lone 7 in one word.
      {310, {0x02, 0x28, 0xFE, 0x07, 0x0E, 0x00}, {1, -1, 5, 7}},
      // 311: (1, -1, 5) in the 32-bit word 0x005FFC01, then (7, -3) in 0xF407 0x000F.
      {311, {0x01, 0xFC, 0x5F, 0x00, 0x07, 0xF4, 0x0F, 0x00}, {1, -1, 5, 7, -3}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("format " + std::to_string(c.format));
    ScratchDir dir;
    std::int64_t sum = 0;
    for (auto v : c.samples) sum += v;
    const auto checksum = static_cast<std::int16_t>(static_cast<std::uint16_t>(sum & 0xFFFF));
    const auto path =
        one_signal(dir, c.format, c.bytes, c.samples.size(),
                   "12 0 " + std::to_string(c.samples[0]) + " " + std::to_string(checksum));
    const auto rec = io::read_wfdb(path);
    EXPECT_EQ(row(rec, 0), c.samples);
  }
}

TEST(WfdbRead, Format8FirstDifferencesFromTheInitialValue) {
  ScratchDir dir;
  // Deltas 0, +5, -3, -128 from the initial value 100: 100, 105, 102, -26 (sum 281).
  const auto path = one_signal(dir, 8, {0x00, 0x05, 0xFD, 0x80}, 4, "8 0 100 281");
  const auto rec = io::read_wfdb(path);
  EXPECT_EQ(row(rec, 0), (std::vector<std::int32_t>{100, 105, 102, -26}));
}

// ------------------------------------------------------------------ header fields

TEST(WfdbHeader, GainFormsBaselinesUnitsAndDefaults) {
  ScratchDir dir;
  const std::vector<std::int32_t> f0 = {1024, 0, 1024, 200, -5, 250, 7};
  const std::vector<std::int32_t> f1 = {1224, 200, 824, -200, 95, 0, -7};
  std::vector<std::uint8_t> bytes;
  for (const auto* frame : {&f0, &f1}) {
    for (std::int32_t v : *frame) {
      const auto u = static_cast<std::uint16_t>(v);
      bytes.push_back(static_cast<std::uint8_t>(u & 0xFF));
      bytes.push_back(static_cast<std::uint8_t>(u >> 8));
    }
  }
  write_bytes(dir / "g.dat", bytes);
  write_text(dir / "g.hea",
             "# leading comment\n"
             "g 7 500/1000(5) 2 12:30:00 01/02/2003\n"
             "g.dat 16 200 12 1024\n"
             "g.dat 16 200(0)\n"
             "  # between signal lines\n"
             "g.dat 16 200(1024)/mV\n"
             "g.dat 16 0\n"
             "g.dat 16 100(-5)/uV\n"
             "\n"
             "g.dat 16 2.5e2/mmHg 12 0\n"
             "g.dat 16\r\n"
             "#trailing, no space\n");
  const auto h = io::read_wfdb_header(dir / "g");
  EXPECT_EQ(h.record_name, "g");
  EXPECT_EQ(h.fs_hz, 500.0);
  EXPECT_EQ(h.counter_freq_hz, 1000.0);
  EXPECT_EQ(h.base_counter, 5.0);
  EXPECT_EQ(h.n_samples, 2);
  EXPECT_EQ(h.base_time, "12:30:00");
  EXPECT_EQ(h.base_date, "01/02/2003");
  EXPECT_EQ(h.comments,
            (std::vector<std::string>{"leading comment", "between signal lines",
                                      "trailing, no space"}));
  ASSERT_EQ(h.n_signals(), 7u);
  const auto& s = h.signals;
  EXPECT_EQ(s[0].adc_gain, 200.0);
  EXPECT_EQ(s[0].baseline, 1024);  // baseline defaults to adc_zero
  EXPECT_EQ(s[0].adc_zero, 1024);
  EXPECT_EQ(s[0].units, "mV");
  EXPECT_FALSE(s[0].uncalibrated);
  EXPECT_EQ(s[1].baseline, 0);
  EXPECT_EQ(s[2].baseline, 1024);
  EXPECT_EQ(s[2].units, "mV");
  EXPECT_TRUE(s[3].uncalibrated);
  EXPECT_EQ(s[3].adc_gain, 200.0);  // WFDB_DEFGAIN
  EXPECT_EQ(s[4].adc_gain, 100.0);
  EXPECT_EQ(s[4].baseline, -5);
  EXPECT_EQ(s[4].units, "uV");
  EXPECT_EQ(s[5].adc_gain, 250.0);
  EXPECT_EQ(s[5].units, "mmHg");
  EXPECT_TRUE(s[6].uncalibrated);
  EXPECT_EQ(s[6].adc_resolution_bits, 12);  // WFDB_DEFRES for format 16
  EXPECT_EQ(s[6].initial_value, 0);
  EXPECT_FALSE(s[6].has_initial_value);
  EXPECT_FALSE(s[6].checksum.has_value());
  EXPECT_EQ(s[6].description, "record g, signal 6");

  const auto rec = io::read_wfdb(dir / "g.hea");  // a trailing .hea is accepted
  const std::vector<std::vector<double>> expected = {
      {0, 1}, {0, 1}, {0, -1}, {1, -1}, {0, 1}, {1, 0}, {0.035, -0.035}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_DOUBLE_EQ(rec.physical(i, 0), expected[i][0]) << "signal " << i;
    EXPECT_DOUBLE_EQ(rec.physical(i, 1), expected[i][1]) << "signal " << i;
  }
}

TEST(WfdbHeader, DescriptionsKeepInnerBlanksAndFormatDefaults) {
  const auto h = io::parse_wfdb_header(
      "x 3 360 0\n"
      "x.dat 212 200 0 0 0 0 0  chest  lead  V5 \n"
      "x.dat 212\n"
      "x.dat 212 200 11 1024 1 2 0\n",
      "test");
  EXPECT_EQ(h.signals[0].description, "chest  lead  V5");
  EXPECT_EQ(h.signals[0].adc_resolution_bits, 12);  // 0 = the format's default
  EXPECT_EQ(h.signals[1].adc_resolution_bits, 12);
  EXPECT_EQ(h.signals[2].adc_resolution_bits, 11);
  EXPECT_EQ(h.signals[2].description, "record x, signal 2");
  EXPECT_EQ(*h.signals[2].checksum, 2);
  EXPECT_EQ(h.fs_hz, 360.0);
  EXPECT_EQ(io::parse_wfdb_header("y 0\n", "test").fs_hz, 250.0);  // WFDB_DEFFREQ
}

TEST(WfdbRead, SeveralFilesFormatsAndAByteOffset) {
  ScratchDir dir;
  // Signals 0-1 in a.dat (212, frames (5,-5) (6,-6)); signal 2 in b.dat (16) after 4 bytes.
  write_bytes(dir / "a.dat", {0x05, 0xF0, 0xFB, 0x06, 0xF0, 0xFA});
  write_bytes(dir / "b.dat", {0xDE, 0xAD, 0xBE, 0xEF, 0x10, 0x00, 0x20, 0x00});
  write_text(dir / "m.hea",
             "m 3 128 2\n"
             "a.dat 212 200 12 0 5 11 0 I\n"
             "a.dat 212 200 12 0 -5 -11 0 II\n"
             "b.dat 16+4 50(16)/mV 16 0 16 48 0 III\n");
  const auto rec = io::read_wfdb(dir / "m");
  EXPECT_EQ(row(rec, 0), (std::vector<std::int32_t>{5, 6}));
  EXPECT_EQ(row(rec, 1), (std::vector<std::int32_t>{-5, -6}));
  EXPECT_EQ(row(rec, 2), (std::vector<std::int32_t>{16, 32}));
  EXPECT_EQ(rec.header.signals[2].byte_offset, 4);
  EXPECT_DOUBLE_EQ(rec.lead("III")[1], (32.0 - 16.0) / 50.0);
  EXPECT_EQ(rec.lead_index("II"), 1u);
}

TEST(WfdbRead, MissingSampleCountReadsToTheEndOfTheFile) {
  ScratchDir dir;
  write_bytes(dir / "r.dat", {1, 0, 2, 0, 3, 0, 4});  // 3 whole samples and a stray byte
  write_text(dir / "r.hea", "r 1 360\nr.dat 16 200 16 0 1 12345 0 a\n");
  const auto rec = io::read_wfdb(dir / "r");  // no n_samples: the checksum is not checked
  EXPECT_EQ(row(rec, 0), (std::vector<std::int32_t>{1, 2, 3}));
}

TEST(WfdbRecord, LeadAccessAndErrors) {
  ScratchDir dir;
  io::write_wfdb(dir / "r", make_header(2), make_adc({{1, 2, 3}, {4, 5, 6}}), 16);
  const auto rec = io::read_wfdb(dir / "r");
  EXPECT_EQ(rec.lead("lead1")[2], 6.0 / 200.0);
  EXPECT_EQ(rec.lead(0).size(), 3);
  EXPECT_EQ(rec.lead(0).data(), rec.physical.data());  // a view, not a copy
  expect_error<ecgad::InvalidArgument>([&] { (void)rec.lead("MLII"); },
                                       {"MLII", "'lead0', 'lead1'"});
  expect_error<ecgad::InvalidArgument>([&] { (void)rec.lead(2); }, {"2", "has 2 leads"});
  expect_error<ecgad::InvalidArgument>([&] { (void)rec.lead_adc(7); }, {"7"});
  io::WfdbReadOptions adc_only;
  adc_only.physical = false;
  const auto raw = io::read_wfdb(dir / "r", adc_only);
  EXPECT_EQ(raw.physical.size(), 0u);
  EXPECT_EQ(raw.lead_adc(1)[0], 4);
  expect_error<ecgad::StateError>([&] { (void)raw.lead(0); }, {"physical"});
}

// ------------------------------------------------------------------ round trips

TEST(WfdbWrite, RoundTripIsExactInEveryWritableFormat) {
  std::mt19937 rng(7);
  for (int format : {16, 212, 80, 61, 160, 24, 32, 310, 311}) {
    // Odd and even lengths, one to three leads: every partial-group path of the packers.
    for (std::size_t n_leads : {1u, 2u, 3u}) {
      for (std::size_t n : {0u, 1u, 2u, 5u, 70001u}) {
        SCOPED_TRACE("format " + std::to_string(format) + ", " + std::to_string(n_leads) +
                     " leads, " + std::to_string(n) + " samples");
        const int bits = format == 212 ? 12 : format == 80 ? 8 : format >= 310 ? 10
                         : format == 24 ? 24 : format == 32 ? 32 : 16;
        const std::int64_t lo = -(std::int64_t{1} << (bits - 1));
        const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
        std::uniform_int_distribution<std::int64_t> value(lo, hi);
        auto adc = xt::xtensor<std::int32_t, 2>::from_shape({n_leads, n});
        for (auto& v : adc) v = static_cast<std::int32_t>(value(rng));
        if (n >= 2) {  // the extremes of the range
          adc(0, 0) = static_cast<std::int32_t>(lo);
          adc(0, 1) = static_cast<std::int32_t>(hi);
        }
        ScratchDir dir;
        auto header = make_header(n_leads, 257.5);
        header.signals[0].units = "uV";
        header.signals[0].adc_gain = 1234.5;
        header.signals[0].baseline = -17;
        header.comments = {"a comment", "age: 42"};
        io::write_wfdb(dir / "rt", header, adc, format);
        const auto rec = io::read_wfdb(dir / "rt");
        ASSERT_EQ(rec.adc.shape(), adc.shape());
        EXPECT_TRUE(rec.adc == adc);
        EXPECT_EQ(rec.fs_hz, 257.5);
        EXPECT_EQ(rec.header.comments, header.comments);
        for (std::size_t s = 0; s < n_leads; ++s) {
          const auto& spec = rec.header.signals[s];
          EXPECT_EQ(spec.format, format);
          EXPECT_EQ(spec.description, "lead" + std::to_string(s));
          if (n > 0) {
            EXPECT_EQ(spec.initial_value, adc(s, 0));
            EXPECT_EQ(*spec.checksum, io::wfdb_checksum(&adc(s, 0), n));
          }
        }
        EXPECT_EQ(rec.header.signals[0].units, "uV");
        EXPECT_EQ(rec.header.signals[0].adc_gain, 1234.5);
        EXPECT_EQ(rec.header.signals[0].baseline, -17);
        if (n > 0) {
          EXPECT_EQ(rec.physical(0, n - 1), (adc(0, n - 1) + 17.0) / 1234.5);
        }
      }
    }
  }
}

TEST(WfdbWrite, Format212BytesMatchTheWfdbLayout) {
  ScratchDir dir;
  io::write_wfdb(dir / "r", make_header(1), make_adc({{1, -1, 2047, -2048, 100}}), 212);
  EXPECT_EQ(ecgad::test::read_bytes(dir / "r.dat"),
            (std::vector<std::uint8_t>{0x01, 0xF0, 0xFF, 0xFF, 0x87, 0x00, 0x64, 0x00}));
  const auto h = io::read_wfdb_header(dir / "r");
  EXPECT_EQ(h.n_samples, 5);
  EXPECT_EQ(h.signals[0].file_name, "r.dat");
  EXPECT_EQ(*h.signals[0].checksum, 99);
  EXPECT_EQ(h.signals[0].initial_value, 1);
}

TEST(WfdbWrite, RewritingARecordKeepsCalibrationAndUncalibratedFlag) {
  ScratchDir dir;
  auto header = make_header(2);
  header.signals[1].uncalibrated = true;  // written as gain 0, read back as 200
  header.signals[0].adc_gain = 0.1;       // shortest round-trip text "0.1"
  io::write_wfdb(dir / "a", header, make_adc({{10, 20}, {30, 40}}), 16);
  const auto first = io::read_wfdb(dir / "a");
  io::write_wfdb(dir / "b", first, 212);
  const auto second = io::read_wfdb(dir / "b");
  EXPECT_TRUE(second.header.signals[1].uncalibrated);
  EXPECT_EQ(second.header.signals[1].adc_gain, 200.0);
  EXPECT_EQ(second.header.signals[0].adc_gain, 0.1);
  EXPECT_TRUE(second.physical == first.physical);
}

TEST(WfdbWrite, PhysicalToAdcInvertsTheCalibration) {
  auto header = make_header(1);
  header.signals[0].adc_gain = 256.0;
  header.signals[0].baseline = 1024;
  // Exact binary fractions: 1/512 mV is half an ADC unit, rounded away from zero.
  xt::xtensor<double, 2> x = {{0.0, 1.0, -0.5, 1.0 / 512, -1.0 / 512}};
  const auto adc = io::physical_to_adc(x, header.signals);
  EXPECT_TRUE(adc == (xt::xtensor<std::int32_t, 2>{{1024, 1280, 896, 1025, 1023}}));
  x(0, 1) = std::nan("");
  expect_error<ecgad::InvalidArgument>([&] { (void)io::physical_to_adc(x, header.signals); },
                                       {"lead 0 sample 1", "nan"});
}

TEST(WfdbWrite, RejectsBadInput) {
  ScratchDir dir;
  const auto adc = make_adc({{0, 2048}});
  expect_error<ecgad::InvalidArgument>([&] { io::write_wfdb(dir / "r", make_header(1), adc, 212); },
                                       {"lead 0 sample 1", "2048", "[-2048, 2047]", "212"});
  EXPECT_FALSE(std::filesystem::exists(dir / "r.dat"));  // nothing half-written is left
  EXPECT_NO_THROW(io::write_wfdb(dir / "r", make_header(1), adc, 16));
  expect_error<ecgad::InvalidArgument>([&] { io::write_wfdb(dir / "r", make_header(1), adc, 8); },
                                       {"format 8"});
  expect_error<ecgad::InvalidArgument>(
      [&] { io::write_wfdb(dir / "r", make_header(2), adc, 16); }, {"1 leads", "describes 2"});
  expect_error<ecgad::InvalidArgument>(
      [&] { io::write_wfdb(dir / "bad name", make_header(1), adc, 16); }, {"bad name"});
  auto header = make_header(1);
  header.fs_hz = 0.0;
  expect_error<ecgad::InvalidArgument>([&] { io::write_wfdb(dir / "r", header, adc, 16); },
                                       {"fs_hz"});
  header = make_header(1);
  header.signals[0].units = "m V";
  expect_error<ecgad::InvalidArgument>([&] { io::write_wfdb(dir / "r", header, adc, 16); },
                                       {"units", "m V"});
  header = make_header(1);
  header.comments = {"two\nlines"};
  expect_error<ecgad::InvalidArgument>([&] { io::write_wfdb(dir / "r", header, adc, 16); },
                                       {"comment"});
  expect_error<ecgad::IoError>(
      [&] { io::write_wfdb(dir / "no_such_dir" / "r", make_header(1), adc, 16); },
      {"no_such_dir"});
}

// ------------------------------------------------------------------ corrupt input

TEST(WfdbErrors, MissingFilesAreIoErrors) {
  ScratchDir dir;
  expect_error<ecgad::IoError>([&] { (void)io::read_wfdb(dir / "nothing"); },
                               {"nothing.hea", "No such file"});
  write_text(dir / "r.hea", "r 1 360 2\nr.dat 16\n");
  expect_error<ecgad::IoError>([&] { (void)io::read_wfdb(dir / "r"); }, {"r.dat"});
}

TEST(WfdbErrors, TruncatedSignalFileNamesFileFieldAndBothCounts) {
  ScratchDir dir;
  write_bytes(dir / "r.dat", {1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6});  // 5 frames of 16-bit
  write_text(dir / "r.hea", "r 1 360 6\nr.dat 16 200 16 0 1\n");
  expect_error<ecgad::FormatError>([&] { (void)io::read_wfdb(dir / "r"); },
                                   {"r.dat", "truncated", "n_samples", "says 6", "holds 5"});
}

TEST(WfdbErrors, HugeSampleCountIsRejectedBeforeAllocating) {
  ScratchDir dir;
  write_bytes(dir / "r.dat", {1, 0, 2, 0});
  write_text(dir / "r.hea", "r 2 360 1000000000000\nr.dat 16\nr.dat 16\n");
  const auto start = std::chrono::steady_clock::now();
  expect_error<ecgad::FormatError>([&] { (void)io::read_wfdb(dir / "r"); },
                                   {"says 1000000000000", "holds 1"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(WfdbErrors, ChecksumMismatchUnlessDisabled) {
  ScratchDir dir;
  write_bytes(dir / "r.dat", {1, 0, 2, 0, 3, 0});
  write_text(dir / "r.hea", "r 1 360 3\nr.dat 16 200 16 0 1 7 0 MLII\n");
  expect_error<ecgad::FormatError>(
      [&] { (void)io::read_wfdb(dir / "r"); },
      {"r.dat", "checksum", "signal 0 (MLII)", "says 7", "sum to 6"});
  io::WfdbReadOptions lenient;
  lenient.verify_checksums = false;
  EXPECT_EQ(row(io::read_wfdb(dir / "r", lenient), 0), (std::vector<std::int32_t>{1, 2, 3}));
}

TEST(WfdbErrors, InitialValueMismatchUnlessDisabled) {
  ScratchDir dir;
  write_bytes(dir / "r.dat", {1, 0, 2, 0, 3, 0});
  write_text(dir / "r.hea", "r 1 360 3\nr.dat 16 200 16 0 9 6 0 V1\n");
  expect_error<ecgad::FormatError>([&] { (void)io::read_wfdb(dir / "r"); },
                                   {"r.dat", "first sample", "V1", "is 1", "initial_value", "9"});
  io::WfdbReadOptions lenient;
  lenient.verify_initial_values = false;
  EXPECT_NO_THROW((void)io::read_wfdb(dir / "r", lenient));
}

TEST(WfdbErrors, MalformedHeaders) {
  struct Case {
    std::string text;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"r/2 0 360 100\nr_1 50\nr_2 50\n", {"multi-segment", "not supported"}},
      {"r 1 360 10\nr.dat 999\n", {"line 2", "format 999", "212"}},
      {"r 1 360 10\nr.dat 0\n", {"format 0", "null signal"}},
      {"r 1 360 10\nr.dat 16x2\n", {"samples per frame"}},
      {"r 1 360 10\nr.dat 212:3\n", {"skew"}},
      {"r 1 360 10\nr.dat 16q\n", {"format"}},
      {"r 1 360 10\nr.dat 16 abc\n", {"line 2", "adc_gain", "'abc'"}},
      {"r 1 360 10\nr.dat 16 200(12\n", {"baseline"}},
      {"r 1 360 10\nr.dat 16 200(1.5)\n", {"baseline", "'1.5'"}},
      {"r 1 360 10\nr.dat 16 200/\n", {"units"}},
      {"r 1 360 10\nr.dat 16 200 40\n", {"adc_resolution", "[0, 32]"}},
      {"r 1 360 10\nr.dat 16 200 12 x\n", {"adc_zero", "'x'"}},
      {"r 1 360 10\nr.dat 16 200 12 0 99999999999\n", {"initial_value"}},
      {"r 1 360 10\nr.dat 16 200 12 0 0 70000\n", {"checksum", "70000"}},
      {"r 1 360 10\nr.dat 16 200 12 0 0 0 -1\n", {"block_size"}},
      {"r -1 360 10\n", {"n_signals", "'-1'"}},
      {"r 1 0 10\n", {"fs_hz", "> 0"}},
      {"r 1 nan 10\n", {"fs_hz"}},
      {"r 1 360 -10\n", {"n_samples"}},
      {"r 1 360 ten\n", {"n_samples", "'ten'"}},
      {"r\n", {"n_signals", "obsolete"}},
      {"r 2 360 10\nr.dat 16\n", {"declares 2 signals", "1 signal lines"}},
      {"r 1 360 10\nr.dat 16\nr.dat 16\n", {"line 3", "unexpected line"}},
      {"# only a comment\n", {"no record line"}},
      {"", {"no record line"}},
      {"other 1 360 10\nr.dat 16\n", {"record_name", "'other'", "'r'"}},
      {"r 1 360 10 12:00:00 01/01/2000 extra\n", {"extra"}},
      {std::string("r 1 360 10\nr.dat 16 200") + '\0' + " 12\n", {"NUL"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    ScratchDir dir;
    write_text(dir / "r.hea", c.text);
    auto needles = c.needles;
    needles.push_back("r.hea");
    expect_error<ecgad::FormatError>([&] { (void)io::read_wfdb_header(dir / "r"); }, needles);
  }
}

TEST(WfdbErrors, SignalFilesMustStayInTheRecordDirectoryAndGroupTogether) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"r 1 360 1\n../r.dat 16\n", "'../r.dat'"},
      {"r 1 360 1\n/etc/passwd 16\n", "'/etc/passwd'"},
      {"r 1 360 1\n~ 16\n", "'~'"},
      {"r 3 360 1\na.dat 16\nb.dat 16\na.dat 16\n", "listed together"},
      {"r 2 360 1\na.dat 16\na.dat 212\n", "differ in format"},
  };
  for (const auto& [text, needle] : cases) {
    SCOPED_TRACE(text);
    ScratchDir dir;
    write_text(dir / "r.hea", text);
    expect_error<ecgad::FormatError>([&] { (void)io::read_wfdb(dir / "r"); }, {needle});
  }
}

// ------------------------------------------------------------------ real records

namespace {
// The 22 DS1 records of ../shared/data/mitdb (de Chazal et al., IEEE TBME 2004).
const std::vector<std::string> kMitdbRecords = {
    "101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
    "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230"};
}  // namespace

TEST(WfdbMitdb, EveryRecordReadsWithVerifiedChecksumsAndInitialValues) {
  ECGAD_REQUIRE_SHARED_DATA("mitdb");
  for (const std::string& name : kMitdbRecords) {
    SCOPED_TRACE(name);
    const auto path = ecgad::test::shared_data_dir() / "mitdb" / name;
    const auto rec = io::read_wfdb(path);  // verifies checksums and initial values
    ASSERT_EQ(rec.n_leads(), 2u);
    EXPECT_EQ(rec.n_samples(), 650000u);  // 30:05.556 at 360 Hz (mitdbdir)
    EXPECT_EQ(rec.fs_hz, 360.0);
    for (std::size_t s = 0; s < 2; ++s) {
      const auto& spec = rec.header.signals[s];
      EXPECT_EQ(spec.format, 212);
      EXPECT_EQ(spec.adc_gain, 200.0);
      EXPECT_EQ(spec.adc_resolution_bits, 11);
      EXPECT_EQ(spec.adc_zero, 1024);
      EXPECT_EQ(spec.baseline, 1024);
      EXPECT_EQ(rec.adc(s, 0), spec.initial_value);
      EXPECT_EQ(io::wfdb_checksum(&rec.adc(s, 0), rec.n_samples()), *spec.checksum);
      // 11-bit ADC: every sample within [0, 2047].
      EXPECT_GE(xt::amin(xt::view(rec.adc, s))(), 0);
      EXPECT_LE(xt::amax(xt::view(rec.adc, s))(), 2047);
      EXPECT_DOUBLE_EQ(rec.physical(s, 12345), (rec.adc(s, 12345) - 1024.0) / 200.0);
    }
    EXPECT_FALSE(rec.header.comments.empty());  // age, sex and medications
  }
  // 101.hea: "101.dat 212 200 11 1024 955 29832 0 MLII" / "... 992 19589 0 V1".
  const auto rec = io::read_wfdb(ecgad::test::shared_data_dir() / "mitdb" / "101");
  EXPECT_EQ(rec.adc(0, 0), 955);
  EXPECT_EQ(rec.adc(1, 0), 992);
  EXPECT_EQ(*rec.header.signals[0].checksum, 29832);
  EXPECT_EQ(*rec.header.signals[1].checksum, 19589);
  EXPECT_EQ(rec.lead_index("MLII"), 0u);
  EXPECT_EQ(rec.lead_index("V1"), 1u);
  EXPECT_DOUBLE_EQ(rec.lead("MLII")[0], (955 - 1024) / 200.0);
}

TEST(WfdbMitdb, RoundTripOfARealRecordIsExact) {
  ECGAD_REQUIRE_SHARED_DATA("mitdb");
  const auto rec = io::read_wfdb(ecgad::test::shared_data_dir() / "mitdb" / "208");
  ScratchDir dir;
  for (int format : {212, 16}) {
    io::write_wfdb(dir / "copy", rec, format);
    const auto copy = io::read_wfdb(dir / "copy");
    EXPECT_TRUE(copy.adc == rec.adc);
    EXPECT_TRUE(copy.physical == rec.physical);
    EXPECT_EQ(copy.header.comments, rec.header.comments);
  }
  // Written in 212, the signal file is byte-identical to PhysioNet's.
  io::write_wfdb(dir / "copy", rec, 212);
  EXPECT_EQ(ecgad::test::read_bytes(dir / "copy.dat"),
            ecgad::test::read_bytes(ecgad::test::shared_data_dir() / "mitdb" / "208.dat"));
}

TEST(WfdbNstdb, NoiseRecordsAreUncalibratedGainZero) {
  ECGAD_REQUIRE_SHARED_DATA("nstdb");
  for (const std::string name : {"bw", "ma"}) {
    SCOPED_TRACE(name);
    const auto rec = io::read_wfdb(ecgad::test::shared_data_dir() / "nstdb" / name);
    EXPECT_EQ(rec.n_samples(), 650000u);
    EXPECT_EQ(rec.fs_hz, 360.0);
    ASSERT_EQ(rec.n_leads(), 2u);
    for (std::size_t s = 0; s < 2; ++s) {
      const auto& spec = rec.header.signals[s];
      EXPECT_TRUE(spec.uncalibrated);  // "bw.dat 212 0 12 0 ..." : gain 0
      EXPECT_EQ(spec.adc_gain, 200.0);
      EXPECT_EQ(spec.baseline, 0);
      EXPECT_EQ(spec.adc_resolution_bits, 12);
      EXPECT_EQ(spec.description, "noise" + std::to_string(s + 1));
      EXPECT_EQ(rec.physical(s, 0), rec.adc(s, 0) / 200.0);
    }
  }
  // bw.hea: initial values -29 and 25.
  const auto bw = io::read_wfdb(ecgad::test::shared_data_dir() / "nstdb" / "bw");
  EXPECT_EQ(bw.adc(0, 0), -29);
  EXPECT_EQ(bw.adc(1, 0), 25);
}

// ------------------------------------------------------------------ mutated input

TEST(WfdbErrors, SeededMutationsRaiseOnlyEcgadErrors) {
  // Random byte edits and truncations of a valid record's header and signal file: every
  // outcome is either a successful read or an ecgad::Error, never a crash or another exception.
  ScratchDir dir;
  auto header = make_header(3);
  header.comments = {"fuzz"};
  auto adc = xt::xtensor<std::int32_t, 2>::from_shape({3, 101});
  for (std::size_t i = 0; i < adc.size(); ++i) {
    adc.data()[i] = static_cast<std::int32_t>(i * 37 % 4000) - 2000;
  }
  io::write_wfdb(dir / "r", header, adc, 212);
  const auto hea = ecgad::test::read_bytes(dir / "r.hea");
  const auto dat = ecgad::test::read_bytes(dir / "r.dat");
  std::mt19937 rng(99);
  const std::string alphabet = "0123456789 \t\n#()/+-x:.~eE,r";
  int ok = 0;
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    auto h = hea;
    auto d = dat;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const auto kind = rng() % 4;
      if (kind == 0) {
        h[rng() % h.size()] = static_cast<std::uint8_t>(alphabet[rng() % alphabet.size()]);
      } else if (kind == 1) {
        h[rng() % h.size()] = static_cast<std::uint8_t>(rng());
      } else if (kind == 2) {
        h.resize(rng() % h.size());
      } else {
        d.resize(rng() % (d.size() + 1));
      }
      if (h.empty()) h.push_back('r');
    }
    write_bytes(dir / "r.hea", h);
    write_bytes(dir / "r.dat", d);
    try {
      (void)io::read_wfdb(dir / "r");
      ++ok;
    } catch (const ecgad::Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);  // most mutations are caught...
  EXPECT_GT(ok, 10);          // ...and some (e.g. in comments or descriptions) are harmless
}
