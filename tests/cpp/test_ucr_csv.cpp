// UCR/UEA text files and numeric CSV: separators and spacing as they occur in the archives,
// exact round trips through the writer (seeded), and every malformed input named in the issue
// (ragged rows, non-numeric tokens, NaN, empty files) with file, line and column in the message.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/io/csv.hpp"
#include "ecgad/io/ucr.hpp"
#include "io_test_util.hpp"

namespace io = ecgad::io;
using ecgad::test::ScratchDir;
using ecgad::test::expect_error;
using ecgad::test::write_text;

// ------------------------------------------------------------------ UCR

TEST(Ucr, MixedSeparatorsSpacingAndScientificLabels) {
  ScratchDir dir;
  write_text(dir / "x.txt",
             "\xEF\xBB\xBF"                                 // UTF-8 byte-order mark
             "1.0000000e+00  -1.1e-01 2.5\t3\r\n"           // 2015 archive style, mixed blanks
             "\n"                                           // blank lines are skipped
             "2,0.5, -1.25 ,4e2\n"                          // commas with blanks around them
             " -1\t7\t8\t+9  \n");                          // 2018 archive style (tabs)
  const auto d = io::read_ucr(dir / "x.txt");
  EXPECT_EQ(d.labels, (std::vector<std::int64_t>{1, 2, -1}));
  ASSERT_EQ(d.values.rows(), 3);
  ASSERT_EQ(d.values.cols(), 3);
  io::FloatMatrix expected(3, 3);
  expected << static_cast<float>(-0.11), 2.5f, 3.0f, 0.5f, -1.25f, 400.0f, 7.0f, 8.0f, 9.0f;
  EXPECT_TRUE(d.values == expected) << d.values;
}

TEST(Ucr, Ecg5000ShapedRoundTripIsBitExact) {
  // ECG5000's layout: 140 samples per beat, classes 1..5. Values span many magnitudes so the
  // shortest-decimal writer is exercised on hard cases (subnormals, large exponents).
  std::mt19937 rng(5000);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<std::int64_t> cls(1, 5);
  io::UcrDataset d;
  d.values.resize(500, 140);
  for (Eigen::Index r = 0; r < d.values.rows(); ++r) {
    d.labels.push_back(cls(rng));
    for (Eigen::Index c = 0; c < d.values.cols(); ++c) d.values(r, c) = normal(rng);
  }
  d.values(0, 0) = std::numeric_limits<float>::denorm_min();
  d.values(0, 1) = std::numeric_limits<float>::max();
  d.values(0, 2) = -std::numeric_limits<float>::min();
  d.values(0, 3) = 0.1f;
  for (char delimiter : {',', '\t', ' '}) {
    ScratchDir dir;
    io::write_ucr(dir / "ECG5000_TRAIN.txt", d, delimiter);
    const auto back = io::read_ucr(dir / "ECG5000_TRAIN.txt");
    EXPECT_EQ(back.labels, d.labels);
    EXPECT_TRUE(back.values == d.values);
  }
}

TEST(Ucr, MalformedFilesNameFileLineAndColumn) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"1 1 2 3\n2 4 5\n", {"line 2", "2 values", "expected 3", "line 1"}},
      {"1 1 2 3\n2 4 x 6\n", {"line 2", "column 3", "'x'", "not a finite number"}},
      {"1 1 NaN 3\n", {"line 1", "column 3", "'NaN'"}},
      {"1 1 inf 3\n", {"column 3", "'inf'"}},
      {"1 1 1e39 3\n", {"column 3", "'1e39'", "float range"}},
      {"1,1,,3\n", {"line 1", "column 3", "empty field"}},
      {"1.5 1 2\n", {"line 1", "column 1", "'1.5'", "integer"}},
      {"abc 1 2\n", {"column 1", "'abc'"}},
      {"\n\n7\n", {"line 3", "no values"}},
      {"", {"no data lines"}},
      {"\n  \n\t\n", {"no data lines"}},
  };
  for (const auto& [text, needles] : cases) {
    SCOPED_TRACE(text);
    ScratchDir dir;
    write_text(dir / "bad.tsv", text);
    auto all = needles;
    all.push_back("bad.tsv");
    expect_error<ecgad::FormatError>([&] { (void)io::read_ucr(dir / "bad.tsv"); }, all);
  }
  ScratchDir dir;
  expect_error<ecgad::IoError>([&] { (void)io::read_ucr(dir / "missing.tsv"); }, {"missing.tsv"});
}

TEST(Ucr, WriterRejectsBadInput) {
  ScratchDir dir;
  io::FloatMatrix v(2, 3);
  v.setZero();
  expect_error<ecgad::InvalidArgument>([&] { io::write_ucr(dir / "a", {1}, v); },
                                       {"1 labels", "2 series"});
  v(1, 2) = std::numeric_limits<float>::quiet_NaN();
  expect_error<ecgad::InvalidArgument>([&] { io::write_ucr(dir / "a", {1, 2}, v); },
                                       {"row 1", "column 2", "nan"});
  v(1, 2) = 0.0f;
  expect_error<ecgad::InvalidArgument>([&] { io::write_ucr(dir / "a", {1, 2}, v, ';'); },
                                       {"delimiter", "';'"});
  EXPECT_FALSE(std::filesystem::exists(dir / "a"));
}

// ------------------------------------------------------------------ CSV

TEST(Csv, HeaderDetectedAndLabelByName) {
  ScratchDir dir;
  write_text(dir / "t.csv", "time,MLII,V1,class\n0,1.5,2,N\n1, -0.5 ,3e-3,V\n");
  io::CsvOptions options;
  options.label_name = "class";
  const auto t = io::read_csv(dir / "t.csv", options);
  EXPECT_EQ(t.column_names, (std::vector<std::string>{"time", "MLII", "V1"}));
  EXPECT_EQ(t.label_name, "class");
  EXPECT_EQ(t.labels, (std::vector<std::string>{"N", "V"}));
  io::DoubleMatrix expected(2, 3);
  expected << 0, 1.5, 2, 1, -0.5, 3e-3;
  EXPECT_TRUE(t.values == expected) << t.values;
}

TEST(Csv, NoHeaderLabelByIndexAndNoLabel) {
  ScratchDir dir;
  write_text(dir / "t.csv", "N,1,2\nV,3,4\n");
  io::CsvOptions by_index;
  by_index.label_index = 0;
  const auto t = io::read_csv(dir / "t.csv", by_index);
  EXPECT_TRUE(t.column_names.empty());  // a non-numeric label does not make a header
  EXPECT_EQ(t.labels, (std::vector<std::string>{"N", "V"}));
  EXPECT_EQ(t.values, (io::DoubleMatrix(2, 2) << 1, 2, 3, 4).finished());

  write_text(dir / "u.csv", "1;2.5;-3\n4;5;6\n");
  io::CsvOptions semicolon;
  semicolon.delimiter = ';';
  const auto u = io::read_csv(dir / "u.csv", semicolon);
  EXPECT_TRUE(u.labels.empty());
  EXPECT_EQ(u.values, (io::DoubleMatrix(2, 3) << 1, 2.5, -3, 4, 5, 6).finished());
}

TEST(Csv, QuotingForcedHeaderAndTabs) {
  ScratchDir dir;
  write_text(dir / "q.csv", "\"a\",\"b, \"\"c\"\"\"\n1,\"2\"\n");
  const auto q = io::read_csv(dir / "q.csv");
  EXPECT_EQ(q.column_names, (std::vector<std::string>{"a", "b, \"c\""}));
  EXPECT_EQ(q.values, (io::DoubleMatrix(1, 2) << 1, 2).finished());

  write_text(dir / "n.csv", "1,2\n3,4\n");
  io::CsvOptions forced;
  forced.header = io::CsvHeader::present;
  const auto n = io::read_csv(dir / "n.csv", forced);
  EXPECT_EQ(n.column_names, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(n.values.rows(), 1);
  EXPECT_EQ(io::read_csv(dir / "n.csv").values.rows(), 2);  // automatic: all numeric = data

  write_text(dir / "t.tsv", "x\ty\n1\t2\n");
  io::CsvOptions tabs;
  tabs.delimiter = '\t';
  tabs.label_index = 1;
  const auto t = io::read_csv(dir / "t.tsv", tabs);
  EXPECT_EQ(t.label_name, "y");
  EXPECT_EQ(t.labels, (std::vector<std::string>{"2"}));
  EXPECT_EQ(t.column_names, (std::vector<std::string>{"x"}));
}

TEST(Csv, MalformedFilesNameFileLineAndColumn) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"a,b\n1,2\n3\n", {"line 3", "1 fields", "expected 2"}},
      {"a,b\n1,x\n", {"line 2", "column 2", "'x'"}},
      {"a,b\n1,nan\n", {"line 2", "column 2", "'nan'"}},
      {"a,b\n1,\n", {"line 2", "column 2", "empty field"}},
      {"a,b\n1,\"2\n", {"line 2", "quote"}},
      {"a,b\n1,\"2\"x\n", {"line 2", "quote"}},
      {"a,b\n", {"no data rows"}},
      {"", {"no data rows"}},
  };
  for (const auto& [text, needles] : cases) {
    SCOPED_TRACE(text);
    ScratchDir dir;
    write_text(dir / "bad.csv", text);
    auto all = needles;
    all.push_back("bad.csv");
    expect_error<ecgad::FormatError>([&] { (void)io::read_csv(dir / "bad.csv"); }, all);
  }
}

TEST(Csv, LabelColumnErrors) {
  ScratchDir dir;
  write_text(dir / "t.csv", "a,b\n1,2\n");
  io::CsvOptions o;
  o.label_name = "class";
  expect_error<ecgad::InvalidArgument>([&] { (void)io::read_csv(dir / "t.csv", o); },
                                       {"'class'", "'a', 'b'", "t.csv"});
  o.header = io::CsvHeader::absent;
  expect_error<ecgad::InvalidArgument>([&] { (void)io::read_csv(dir / "t.csv", o); },
                                       {"header"});
  o = {};
  o.label_index = 2;
  expect_error<ecgad::InvalidArgument>([&] { (void)io::read_csv(dir / "t.csv", o); },
                                       {"label_index 2", "2 columns"});
  o.label_name = "a";
  expect_error<ecgad::InvalidArgument>([&] { (void)io::read_csv(dir / "t.csv", o); },
                                       {"not both"});
  write_text(dir / "one.csv", "y\n1\n");
  o = {};
  o.label_index = 0;
  expect_error<ecgad::FormatError>([&] { (void)io::read_csv(dir / "one.csv", o); },
                                   {"only column is the label"});
  expect_error<ecgad::IoError>([&] { (void)io::read_csv(dir / "none.csv"); }, {"none.csv"});
}
