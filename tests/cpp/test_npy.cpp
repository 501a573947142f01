// .npy files (NEP 1 / numpy.lib.format): the exact bytes numpy.save writes, round trips of
// float32/float64 arrays of several ranks, the header variants numpy.load accepts (versions 2.0
// and 3.0, quoting, Python 2 longs) and every rejected file (big-endian, Fortran order, object
// and other dtypes, truncation, trailing bytes, absurd shapes) with what was found vs expected.
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/io/npy.hpp"
#include "io_test_util.hpp"

namespace io = ecgad::io;
using ecgad::test::ScratchDir;
using ecgad::test::expect_error;
using ecgad::test::read_bytes;
using ecgad::test::write_bytes;

namespace {

// An .npy file as numpy.lib.format writes it: magic, version, header length, the dict padded
// with blanks to a 64-byte boundary and ended by '\n', then the data.
std::vector<std::uint8_t> npy_bytes(const std::string& dict, const std::vector<std::uint8_t>& data,
                                    int version = 1) {
  const std::size_t prefix = version == 1 ? 10 : 12;
  std::string header = dict;
  const std::size_t total = prefix + header.size() + 1;
  header.append((total + 63) / 64 * 64 - total, ' ');
  header += '\n';
  std::vector<std::uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y',
                                   static_cast<std::uint8_t>(version), 0};
  const auto len = static_cast<std::uint32_t>(header.size());
  for (std::size_t i = 0; i < (version == 1 ? 2u : 4u); ++i) {
    out.push_back(static_cast<std::uint8_t>((len >> (8 * i)) & 0xFF));
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <typename T>
std::vector<std::uint8_t> le_bytes(const std::vector<T>& values) {
  std::vector<std::uint8_t> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());  // the test host is little-endian
  return out;
}

}  // namespace

TEST(Npy, WriterBytesEqualNumpySave) {
  ScratchDir dir;
  const std::vector<double> v = {1, 2, 3, 4, 5, 6.5};
  io::write_npy(dir / "a.npy", v.data(), {2, 3});
  EXPECT_EQ(read_bytes(dir / "a.npy"),
            npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", le_bytes(v)));
  const std::vector<float> f = {0.5f, -1.0f};
  io::write_npy(dir / "b.npy", f.data(), {2});
  EXPECT_EQ(read_bytes(dir / "b.npy"),
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", le_bytes(f)));
  EXPECT_EQ(read_bytes(dir / "b.npy").size() % 64, 8u);  // data starts on a 64-byte boundary
}

TEST(Npy, RoundTripsOfEveryRankAndBothDtypes) {
  std::mt19937 rng(11);
  std::normal_distribution<double> normal;
  const std::vector<std::vector<std::size_t>> shapes = {{}, {0}, {7}, {3, 5}, {0, 4}, {2, 3, 4}};
  for (const auto& shape : shapes) {
    SCOPED_TRACE(shape.size());
    ScratchDir dir;
    xt::xarray<double> x = xt::xarray<double>::from_shape(shape);
    for (auto& e : x) e = normal(rng);
    io::write_npy(dir / "d.npy", x);
    const auto back = io::read_npy(dir / "d.npy");
    EXPECT_EQ(back.shape(), x.shape());
    EXPECT_TRUE(back == x);
    const auto h = io::read_npy_header(dir / "d.npy");
    EXPECT_EQ(h.dtype, io::NpyDtype::float64);
    EXPECT_EQ(h.shape, shape);
    EXPECT_EQ(h.data_offset % 64, 0u);

    xt::xarray<float> xf = xt::cast<float>(x);
    io::write_npy(dir / "f.npy", xf);
    EXPECT_TRUE(io::read_npy<float>(dir / "f.npy") == xf);
    // float32 read as double: widened exactly.
    EXPECT_TRUE(io::read_npy<double>(dir / "f.npy") == xt::xarray<double>(xt::cast<double>(xf)));
  }
}

TEST(Npy, EigenOverloadsWriteCOrder) {
  ScratchDir dir;
  Eigen::MatrixXd col_major(2, 3);  // column-major storage, written in C order anyway
  col_major << 1, 2, 3, 4, 5, 6;
  io::write_npy(dir / "m.npy", col_major);
  const auto m = io::read_npy(dir / "m.npy");
  ASSERT_EQ(m.shape(), (xt::xarray<double>::shape_type{2, 3}));
  EXPECT_EQ(m(0, 2), 3.0);
  EXPECT_EQ(m(1, 0), 4.0);
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> beats(2, 2);
  beats << 1, 2, 3, 4;
  io::write_npy(dir / "b.npy", beats);
  EXPECT_EQ(io::read_npy<float>(dir / "b.npy")(1, 0), 3.0f);
  const Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(4, 0, 3);
  io::write_npy(dir / "v.npy", v);
  EXPECT_EQ(io::read_npy_header(dir / "v.npy").shape, (std::vector<std::size_t>{4}));
}

TEST(Npy, HeaderVariantsNumpyAccepts) {
  const std::vector<double> v = {1.5, -2};
  const std::vector<std::pair<std::string, int>> cases = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 2},  // version 2.0
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 3},  // version 3.0 (utf-8)
      {"{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}", 1},
      {"{'shape': (2L,), 'fortran_order': False, 'descr': '=f8'}", 1},  // Python 2, native order
      {"{'descr':'<f8','fortran_order':False,'shape':(2,)}", 1},
  };
  for (const auto& [dict, version] : cases) {
    SCOPED_TRACE(dict);
    ScratchDir dir;
    write_bytes(dir / "h.npy", npy_bytes(dict, le_bytes(v), version));
    const auto x = io::read_npy(dir / "h.npy");
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(x(1), -2.0);
    EXPECT_EQ(io::read_npy_header(dir / "h.npy").version_major, version);
  }
}

TEST(Npy, RejectedFilesSayWhatWasFoundAndExpected) {
  const std::vector<std::uint8_t> eight(8, 0);
  auto dict = [](const std::string& descr, const std::string& order, const std::string& shape) {
    return "{'descr': " + descr + ", 'fortran_order': " + order + ", 'shape': " + shape + ", }";
  };
  const std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::string>>> cases = {
      {npy_bytes(dict("'>f8'", "False", "(1,)"), eight), {"big-endian", "'>f8'", "'<f8'"}},
      {npy_bytes(dict("'<f8'", "True", "(1,)"), eight), {"Fortran order", "C order"}},
      {npy_bytes(dict("'|O'", "False", "(1,)"), eight), {"'|O'", "Python objects", "'<f4'"}},
      {npy_bytes(dict("'<i4'", "False", "(2,)"), eight), {"'<i4'", "'<f8' (float64)"}},
      {npy_bytes(dict("[('a', '<f4')]", "False", "(2,)"), eight), {"structured"}},
      {npy_bytes(dict("'<f8'", "False", "(2,)"), eight), {"truncated", "(2,)", "16", "holds 8"}},
      {npy_bytes(dict("'<f8'", "False", "()"), std::vector<std::uint8_t>(9, 0)),
       {"wrong size", "needs 8", "holds 9"}},
      {npy_bytes(dict("'<f8'", "False", "(1000000000000, 1000000000000)"), eight),
       {"(1000000000000, 1000000000000)", "holds 8"}},
      {npy_bytes(dict("'<f8'", "False", "(-1,)"), eight), {"shape", "non-negative"}},
      {npy_bytes(dict("'<f8'", "Maybe", "(1,)"), eight), {"fortran_order", "True or False"}},
      {npy_bytes("{'descr': '<f8', 'shape': (1,), }", eight), {"lacks", "fortran_order"}},
      {npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", eight),
       {"unexpected key 'x'"}},
      {npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,) } junk", eight),
       {"after the closing"}},
      {npy_bytes("__import__('os')", eight), {"'{'"}},
      {{'N', 'U', 'M', 'P', 'Y', 'x', 1, 0, 0, 0, 0, 0}, {"magic"}},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 4, 0, 0, 0, 0, 0}, {"version 4.0", "1.0, 2.0 or 3.0"}},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xFF, 0xFF, '{'}, {"header of 65535 bytes"}},
      {{0x93, 'N', 'U', 'M'}, {"too short"}},
  };
  for (const auto& [bytes, needles] : cases) {
    SCOPED_TRACE(needles.front());
    ScratchDir dir;
    write_bytes(dir / "bad.npy", bytes);
    auto all = needles;
    all.push_back("bad.npy");
    expect_error<ecgad::FormatError>([&] { (void)io::read_npy(dir / "bad.npy"); }, all);
  }
  ScratchDir dir;
  const std::vector<double> d = {1.0};
  io::write_npy(dir / "d.npy", d.data(), {1});
  expect_error<ecgad::FormatError>([&] { (void)io::read_npy<float>(dir / "d.npy"); },
                                   {"float64", "'<f4'", "as double"});
  expect_error<ecgad::IoError>([&] { (void)io::read_npy(dir / "missing.npy"); }, {"missing.npy"});
}

TEST(Npy, SeededMutationsRaiseOnlyEcgadErrors) {
  ScratchDir dir;
  const std::vector<double> v = {1, 2, 3, 4, 5, 6};
  io::write_npy(dir / "a.npy", v.data(), {2, 3});
  const auto valid = read_bytes(dir / "a.npy");
  std::mt19937 rng(23);
  const std::string alphabet = "0123456789(),: '\"{}<>=|fiOLTrueFalse";
  int ok = 0;
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    auto bytes = valid;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const auto at = rng() % 80;  // mostly the header
      if (rng() % 5 == 0) {
        bytes.resize(rng() % (bytes.size() + 1));
      } else if (at < bytes.size()) {
        const auto pick = static_cast<std::size_t>(rng()) % alphabet.size();
        bytes[at] = rng() % 2 ? static_cast<std::uint8_t>(alphabet[pick])
                              : static_cast<std::uint8_t>(rng());
      }
    }
    write_bytes(dir / "m.npy", bytes);
    try {
      (void)io::read_npy(dir / "m.npy");
      ++ok;
    } catch (const ecgad::Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(ok, 10);
}
