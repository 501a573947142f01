// The generic safetensors reader/writer (artifact/safetensors.hpp): exact bytes of a small
// file, bit-exact round trips of every dtype, acceptance of files laid out as the reference
// implementation allows, and one FormatError per validation rule, each naming what was wrong.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgad/artifact/safetensors.hpp"

namespace {

namespace art = ecgad::artifact;
namespace fs = std::filesystem;

std::string le64(std::uint64_t n) { return art::detail::length_field(n); }

/// A safetensors byte string from a header text and raw data (no padding added).
std::string craft(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

/// Expects FormatError from parsing `bytes` with a message containing every needle.
void expect_format_error(const std::string& bytes, std::initializer_list<std::string> needles) {
  try {
    art::parse_safetensors(bytes, "test bytes");
    ADD_FAILURE() << "expected FormatError";
  } catch (const ecgad::FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("test bytes"), std::string::npos) << message;
    for (const std::string& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message '" << message << "' does not mention '" << needle << "'";
    }
  }
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("ecgad_safetensors_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Safetensors, ExactBytesOfASmallFile) {
  art::SafetensorsFile file;
  file.tensors.emplace("a", art::TypedTensor({2}, std::vector<float>{1.0f, 2.0f}));
  const std::string bytes = art::to_safetensors_bytes(file);
  // 54 bytes of JSON padded with 2 spaces to 56, so the data starts at 64 (8-byte aligned).
  const std::string header = R"({"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})";
  ASSERT_EQ(header.size(), 54u);
  EXPECT_EQ(bytes, le64(56) + header + "  " + f32_bytes({1.0f, 2.0f}));
}

TEST(Safetensors, MetadataIsWrittenFirstAndOmittedWhenEmpty) {
  art::SafetensorsFile file;
  file.metadata["format"] = "pt";
  const std::string bytes = art::to_safetensors_bytes(file);
  EXPECT_EQ(bytes, le64(32) + R"({"__metadata__":{"format":"pt"}})");
  EXPECT_EQ(art::to_safetensors_bytes({}), le64(8) + "{}      ");
}

TEST(Safetensors, RoundTripIsBitExactForEveryDtypeAndShape) {
  art::SafetensorsFile file;
  const float nan_payload = [] {
    std::uint32_t bits = 0x7fc01234u;  // a NaN with a payload: must survive bit for bit
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }();
  file.tensors.emplace("w.f32", art::TypedTensor({2, 3}, std::vector<float>{
                                    1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                    nan_payload, std::numeric_limits<float>::infinity(), 3e38f}));
  file.tensors.emplace("x.f64", art::TypedTensor({3}, std::vector<double>{0.1, -2.5e-300, 7.0}));
  file.tensors.emplace("i.i64", art::TypedTensor({2, 1}, std::vector<std::int64_t>{
                                    std::numeric_limits<std::int64_t>::min(), 42}));
  file.tensors.emplace("scalar", art::TypedTensor({}, std::vector<float>{4.25f}));
  file.tensors.emplace("empty", art::TypedTensor({0, 5}, std::vector<double>{}));
  file.metadata = {{"k", "v"}, {"unicode", "µV — ok"}, {"json", R"({"a":[1,2]})"}};

  const std::string bytes = art::to_safetensors_bytes(file);
  const std::uint64_t n = art::detail::read_length_field(
      reinterpret_cast<const unsigned char*>(bytes.data()));
  EXPECT_EQ((8 + n) % 8, 0u) << "the data section must start 8-byte aligned";

  const art::SafetensorsFile back = art::parse_safetensors(bytes);
  EXPECT_EQ(back.metadata, file.metadata);
  ASSERT_EQ(back.tensors.size(), file.tensors.size());
  for (const auto& [name, tensor] : file.tensors) {
    const art::TypedTensor& got = back.tensors.at(name);
    EXPECT_EQ(got.dtype(), tensor.dtype()) << name;
    EXPECT_EQ(got.shape, tensor.shape) << name;
    ASSERT_EQ(got.size(), tensor.size()) << name;
    // An empty tensor's bytes() may be null, and memcmp(nullptr, ...) is undefined even for
    // 0 bytes (UBSan: "null pointer passed as argument 1").
    if (tensor.size() == 0) continue;
    EXPECT_EQ(std::memcmp(got.bytes(), tensor.bytes(), tensor.size() * art::dtype_size(
                                                           tensor.dtype())),
              0)
        << name;
  }
  // Writing what was read reproduces the same bytes.
  EXPECT_EQ(art::to_safetensors_bytes(back), bytes);
}

TEST(Safetensors, FileRoundTripAndAtomicWrite) {
  const TempDir dir;
  art::SafetensorsFile file;
  file.tensors.emplace("t", art::TypedTensor({4}, std::vector<std::int64_t>{1, 2, 3, 4}));
  const fs::path path = dir.path() / "t.safetensors";
  art::write_safetensors(path, file);
  EXPECT_EQ(slurp(path), art::to_safetensors_bytes(file));
  const art::SafetensorsFile back = art::read_safetensors(path);
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(back.tensors.at("t").values),
            (std::vector<std::int64_t>{1, 2, 3, 4}));
  // Only the final file is in the directory: the temporary one was renamed.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(Safetensors, AcceptsForeignLayoutsTheReferenceAccepts) {
  // Keys in another order than the data, blanks in the JSON, padding spaces: the reference
  // implementation (huggingface/safetensors) accepts all of this.
  const std::string header =
      "{ \"b\" : {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},\n"
      "  \"a\" : {\"dtype\": \"I64\", \"shape\": [1, 1], \"data_offsets\": [4, 12]},\n"
      "  \"__metadata__\": {\"format\": \"pt\"} }      ";
  std::string data = f32_bytes({9.0f});
  const std::int64_t seven = 7;
  data.append(reinterpret_cast<const char*>(&seven), 8);
  const art::SafetensorsFile file = art::parse_safetensors(craft(header, data));
  EXPECT_EQ(std::get<std::vector<float>>(file.tensors.at("b").values), std::vector<float>{9.0f});
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(file.tensors.at("a").values),
            std::vector<std::int64_t>{7});
  EXPECT_EQ(file.tensors.at("a").shape, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(file.metadata.at("format"), "pt");
}

TEST(Safetensors, ZeroSizedTensorsMayShareAnOffset) {
  const std::string header =
      R"({"e1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
      R"("e2":{"dtype":"F64","shape":[3,0],"data_offsets":[0,0]},)"
      R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  const art::SafetensorsFile file = art::parse_safetensors(craft(header, f32_bytes({1.0f})));
  EXPECT_EQ(file.tensors.at("e2").shape, (std::vector<std::int64_t>{3, 0}));
  EXPECT_EQ(file.tensors.at("e2").size(), 0u);
}

TEST(Safetensors, LengthFieldErrors) {
  expect_format_error("", {"0 bytes long", "8-byte header length"});
  expect_format_error("1234567", {"7 bytes long"});
  expect_format_error(le64(std::uint64_t{1} << 40) + "{}", {"header length 1099511627776",
                                                            "exceeds the limit of 100000000"});
  expect_format_error(le64(art::kMaxHeaderBytes + 1), {"exceeds the limit"});
  expect_format_error(le64(10) + "{}", {"header length 10 exceeds the 2 bytes", "truncated"});
  expect_format_error(le64(1) + "{", {"too short"});
}

TEST(Safetensors, HeaderJsonErrors) {
  expect_format_error(craft("{\"a\":"), {"not valid JSON"});
  expect_format_error(craft("[1,2]   "), {"must be a JSON object", "array"});
  // nlohmann would stop at the NUL and ignore the rest: refused explicitly.
  expect_format_error(craft(std::string("{}\0{\"a\":", 8)), {"NUL byte at offset 2"});
  expect_format_error(craft(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                            R"("a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})"),
                      {"duplicate key \"a\""});
  expect_format_error(craft("{\"x\":\"\xff\"}"), {"not valid JSON"});  // invalid UTF-8
  std::string deep = "{\"__metadata__\":" + std::string(20, '[') + std::string(20, ']') + "}";
  expect_format_error(craft(deep), {"nested deeper than 8"});
  expect_format_error(craft(R"({"__metadata__":{"k":1}})"), {"\"k\" must be a string",
                                                              "number"});
  expect_format_error(craft(R"({"__metadata__":["k"]})"), {"must be an object of strings"});
}

TEST(Safetensors, TensorEntryErrors) {
  const std::string data = f32_bytes({1.0f, 2.0f, 3.0f});
  auto entry = [&](const std::string& fields) { return craft("{\"w\":{" + fields + "}}", data); };
  expect_format_error(craft(R"({"w":[1]})", data), {"tensor 'w'", "expected an object"});
  expect_format_error(entry(R"("dtype":"F32","shape":[3])"),
                      {"tensor 'w'", "missing field \"data_offsets\""});
  expect_format_error(entry(R"("dtype":"F32","shape":[3],"data_offsets":[0,12],"x":1)"),
                      {"unknown field \"x\""});
  expect_format_error(entry(R"("dtype":"F16","shape":[6],"data_offsets":[0,12])"),
                      {"dtype \"F16\" is not supported", "F32, F64 or I64"});
  expect_format_error(entry(R"("dtype":"Q7","shape":[3],"data_offsets":[0,12])"),
                      {"unknown dtype \"Q7\""});
  expect_format_error(entry(R"("dtype":32,"shape":[3],"data_offsets":[0,12])"),
                      {"dtype must be a string"});
  expect_format_error(entry(R"("dtype":"F32","shape":[-3],"data_offsets":[0,12])"),
                      {"shape [-3]", "integers >= 0"});
  expect_format_error(entry(R"("dtype":"F32","shape":[1.5,2],"data_offsets":[0,12])"),
                      {"shape [1.5,2]"});
  expect_format_error(entry(R"("dtype":"F32","shape":3,"data_offsets":[0,12])"),
                      {"shape must be an array"});
  expect_format_error(entry(R"("dtype":"F32","shape":[4],"data_offsets":[0,12])"),
                      {"shape [4] of F32 needs 16 bytes", "span 12"});
  expect_format_error(entry(R"("dtype":"F64","shape":[3],"data_offsets":[0,12])"),
                      {"needs 24 bytes"});
  expect_format_error(
      entry(R"("dtype":"F32","shape":[4611686018427387904,4611686018427387904,0,1],)"
            R"("data_offsets":[0,12])"),
      {"needs 0 bytes"});  // a zero extent makes the product 0 whatever the others are
  expect_format_error(
      entry(R"("dtype":"F32","shape":[4611686018427387904,4611686018427387904],)"
            R"("data_offsets":[0,12])"),
      {"needs more than 2^64 bytes", "span 12"});  // the product would overflow 64 bits
  expect_format_error(entry(R"("dtype":"F32","shape":[3],"data_offsets":[0,16])"),
                      {"data_offsets [0,16]", "<= 12"});
  expect_format_error(entry(R"("dtype":"F32","shape":[3],"data_offsets":[12,0])"),
                      {"begin <= end"});
  expect_format_error(entry(R"("dtype":"F32","shape":[3],"data_offsets":[0])"),
                      {"data_offsets [0]"});
  expect_format_error(entry(R"("dtype":"F32","shape":[3],"data_offsets":[0,-12])"),
                      {"data_offsets"});
}

TEST(Safetensors, TensorsMustTileTheDataSection) {
  const std::string data = f32_bytes({1.0f, 2.0f, 3.0f});
  expect_format_error(craft(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", data),
                      {"tensor 'a' starts at data offset 4, expected 0", "gap"});
  expect_format_error(craft(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            data),
                      {"tensor 'b' starts at data offset 4, expected 8", "overlaps"});
  expect_format_error(craft(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data),
                      {"end at data offset 8", "holds 12 bytes", "trailing"});
  expect_format_error(craft("{}", data), {"end at data offset 0"});
}

TEST(Safetensors, EveryTruncationIsAFormatError) {
  art::SafetensorsFile file;
  file.tensors.emplace("a", art::TypedTensor({3}, std::vector<double>{1, 2, 3}));
  file.metadata["k"] = "v";
  const std::string bytes = art::to_safetensors_bytes(file);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(art::parse_safetensors(bytes.substr(0, n)), ecgad::FormatError) << n;
  }
  EXPECT_NO_THROW(art::parse_safetensors(bytes));
  EXPECT_THROW(art::parse_safetensors(bytes + '\0'), ecgad::FormatError);
}

TEST(Safetensors, FileErrors) {
  const TempDir dir;
  try {
    art::read_safetensors(dir.path() / "missing.safetensors");
    ADD_FAILURE() << "expected IoError";
  } catch (const ecgad::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.safetensors"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
  }
  try {
    art::read_safetensors(dir.path());
    ADD_FAILURE() << "expected IoError";
  } catch (const ecgad::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos);
  }
  // A file whose length field exceeds the limit is refused before anything else is read.
  const fs::path big = dir.path() / "big.safetensors";
  std::ofstream(big, std::ios::binary) << le64(std::uint64_t{1} << 50) << "{}";
  try {
    art::read_safetensors(big);
    ADD_FAILURE() << "expected FormatError";
  } catch (const ecgad::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("big.safetensors"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("exceeds the limit"), std::string::npos);
  }
}

TEST(Safetensors, WriterRefusesInconsistentTensors) {
  art::SafetensorsFile file;
  file.tensors.emplace("w", art::TypedTensor({2, 2}, std::vector<float>{1, 2, 3}));
  try {
    art::to_safetensors_bytes(file);
    ADD_FAILURE() << "expected InvalidArgument";
  } catch (const ecgad::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'w' of shape [2, 2] needs 4 values, but holds 3"),
              std::string::npos)
        << e.what();
  }
  file.tensors.clear();
  file.tensors.emplace("w", art::TypedTensor({-1}, std::vector<float>{}));
  EXPECT_THROW(art::to_safetensors_bytes(file), ecgad::InvalidArgument);
  file.tensors.clear();
  file.tensors.emplace("__metadata__", art::TypedTensor({0}, std::vector<float>{}));
  EXPECT_THROW(art::to_safetensors_bytes(file), ecgad::InvalidArgument);
  file.tensors.clear();
  file.tensors.emplace("bad\xff", art::TypedTensor({0}, std::vector<float>{}));
  EXPECT_THROW(art::to_safetensors_bytes(file), ecgad::InvalidArgument);
  file.tensors.clear();
  const std::int64_t huge = std::int64_t{1} << 62;
  file.tensors.emplace("w", art::TypedTensor({huge, huge, 1}, std::vector<float>{1.0f}));
  EXPECT_THROW(art::to_safetensors_bytes(file), ecgad::InvalidArgument);
}

TEST(Safetensors, WriteIntoMissingDirectoryIsIoError) {
  const TempDir dir;
  EXPECT_THROW(art::write_safetensors(dir.path() / "no" / "such" / "dir.safetensors", {}),
               ecgad::IoError);
}

}  // namespace
