// The model bundle (artifact/bundle.hpp, architecture.hpp, checksum.hpp): XXH3-128 reference
// vectors, bit-exact round trips for the three architectures, the tensor shapes each config
// implies, and every kind of damage — each truncation, each single-bit flip, future versions,
// wrong architectures, NaN weights, oversized headers — as a FormatError naming the file and
// the culprit; atomic saves checked by making the OS fail mid-write.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecgad/artifact/bundle.hpp"

namespace {

namespace art = ecgad::artifact;
namespace fs = std::filesystem;
using json = nlohmann::json;
using Shape = std::vector<std::int64_t>;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("ecgad_artifact_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(path_)) {
      out.push_back(entry.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

json dense_config(std::int64_t length = 140, std::vector<std::int64_t> hidden = {32, 16, 8}) {
  return {{"name", "dense"},          {"channels", 1},   {"length", length},
          {"n_extra", 0},             {"hidden", hidden}, {"activation", "relu"},
          {"output_activation", "sigmoid"}};
}

json conv_config() {
  return {{"name", "conv1d"},   {"channels", 2},       {"length", 140},
          {"n_extra", 3},       {"conv_channels", {16, 32}}, {"kernel_size", 7},
          {"latent", 16},       {"activation", "relu"}, {"output_activation", "linear"}};
}

json lstm_config() {
  return {{"name", "lstm"}, {"channels", 1}, {"length", 140}, {"n_extra", 0},
          {"hidden", 64},   {"layers", 2},   {"latent", 16}};
}

/// Tensors of the shapes `architecture` requires, filled with seeded uniform values.
ecgad::runtime::TensorMap random_tensors(const json& architecture, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  ecgad::runtime::TensorMap tensors;
  for (const auto& [name, shape] : art::expected_tensor_shapes(architecture)) {
    std::vector<float> values(ecgad::runtime::Tensor::element_count(shape));
    for (float& v : values) v = uniform(rng);
    tensors.emplace(name, ecgad::runtime::Tensor(shape, std::move(values)));
  }
  return tensors;
}

art::Bundle make_bundle(const json& architecture, unsigned seed = 1) {
  art::Bundle bundle;
  bundle.architecture = architecture;
  bundle.preprocessing = {{"fs_hz", 360.0},
                          {"beat", {{"before_s", 0.25}, {"after_s", 0.45}, {"length", 140}}},
                          {"normalizer", {{"kind", "beat_zscore"}, {"params", json::object()}}}};
  bundle.training = {{"seed", 7},
                     {"epochs_run", 3},
                     {"losses", {0.5, 0.25, 0.125}},
                     {"fingerprint", "00112233445566778899aabbccddeeff"}};
  bundle.tensors = random_tensors(architecture, seed);
  return bundle;
}

/// A small dense bundle (4 inputs, one hidden unit pair) for byte-level damage loops.
art::Bundle tiny_bundle() {
  art::Bundle bundle = make_bundle(dense_config(4, {2}), 3);
  bundle.training = {{"seed", 1}};
  return bundle;
}

void expect_same_tensors(const ecgad::runtime::TensorMap& a, const ecgad::runtime::TensorMap& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) {
    const auto it = b.find(name);
    ASSERT_NE(it, b.end()) << name;
    EXPECT_EQ(it->second.shape, tensor.shape) << name;
    ASSERT_EQ(it->second.values.size(), tensor.values.size()) << name;
    EXPECT_EQ(std::memcmp(it->second.values.data(), tensor.values.data(),
                          tensor.values.size() * sizeof(float)),
              0)
        << name << " differs";
  }
}

/// Recomputes the checksum of a bundle byte string whose header was edited, so the test
/// reaches the checks that follow the checksum.
std::string rechecksum(art::SafetensorsFile file) {
  file.metadata[art::keys::checksum] = std::string(32, '0');
  std::string bytes = art::to_safetensors_bytes(file);
  const std::uint64_t n =
      art::detail::read_length_field(reinterpret_cast<const unsigned char*>(bytes.data()));
  const std::string_view all(bytes);
  const std::string_view header = all.substr(8, n);
  const art::detail::ValueSpan span = art::detail::find_checksum_value(header);
  const std::string digest = art::detail::bundle_digest(header, span, all.substr(8 + n));
  bytes.replace(8 + span.begin, 32, digest);
  return bytes;
}

/// Runs f, expecting a FormatError whose message contains every needle.
template <typename F>
void expect_format_error(F&& f, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "expected ecgad::FormatError";
  } catch (const ecgad::FormatError& e) {
    const std::string message = e.what();
    for (const std::string& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message '" << message << "' does not mention '" << needle << "'";
    }
  }
}

template <typename F>
void expect_invalid_argument(F&& f, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "expected ecgad::InvalidArgument";
  } catch (const ecgad::InvalidArgument& e) {
    const std::string message = e.what();
    for (const std::string& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message '" << message << "' does not mention '" << needle << "'";
    }
  }
}

// ------------------------------------------------------------------------------ checksums

TEST(Checksum, Xxh3_128ReferenceVectors) {
  // xxHash's own sanity values (xxh128sum of "" and of "abc").
  EXPECT_EQ(art::xxh128_hex(""), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(art::xxh128_hex("abc"), "06b05ab6733a618578af5f94892f3950");
  art::detail::Xxh128Stream stream;
  stream.update("a");
  stream.update("");
  stream.update("bc");
  EXPECT_EQ(stream.hex(), "06b05ab6733a618578af5f94892f3950");
}

TEST(Checksum, DataFingerprintHashesRowMajorFloat32Bytes) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor m(300, 7);  // more columns per row than one chunk would hold is tested below
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  const std::string expected =
      art::xxh128_hex(m.data(), static_cast<std::size_t>(m.size()) * sizeof(float));
  EXPECT_EQ(art::data_fingerprint(m), expected);
  const Eigen::MatrixXf column_major = m;  // same values, other storage order
  EXPECT_EQ(art::data_fingerprint(column_major), expected);
  RowMajor wide(3, 1000);  // rows longer than the 256-value streaming chunk
  for (Eigen::Index i = 0; i < wide.size(); ++i) wide.data()[i] = static_cast<float>(i) * 0.5f;
  const Eigen::MatrixXf wide_cm = wide;
  EXPECT_EQ(art::data_fingerprint(wide_cm),
            art::xxh128_hex(wide.data(), static_cast<std::size_t>(wide.size()) * 4));
  // A block view (strided rows) hashes its own values only.
  const RowMajor block = m.block(10, 2, 50, 4);
  EXPECT_EQ(art::data_fingerprint(m.block(10, 2, 50, 4)), art::data_fingerprint(block));
  RowMajor changed = m;
  changed(299, 6) = std::nextafter(changed(299, 6), 1e9f);
  EXPECT_NE(art::data_fingerprint(changed), expected);
  EXPECT_EQ(art::data_fingerprint(RowMajor(0, 140)), "99aa06d3014798d86001c324468d497f");
}

// ------------------------------------------------------------------------ architectures

TEST(Architecture, DenseDefaultIsTheTensorFlowTutorialModel) {
  const art::ShapeMap shapes = art::expected_tensor_shapes(dense_config());
  const art::ShapeMap expected = {
      {"encoder.0.weight", {32, 140}}, {"encoder.0.bias", {32}},
      {"encoder.1.weight", {16, 32}},  {"encoder.1.bias", {16}},
      {"encoder.2.weight", {8, 16}},   {"encoder.2.bias", {8}},
      {"decoder.0.weight", {16, 8}},   {"decoder.0.bias", {16}},
      {"decoder.1.weight", {32, 16}},  {"decoder.1.bias", {32}},
      {"decoder.2.weight", {140, 32}}, {"decoder.2.bias", {140}}};
  EXPECT_EQ(shapes, expected);
  // input_size = channels * length + n_extra.
  json two_channels = dense_config(70, {8});
  two_channels["channels"] = 2;
  two_channels["n_extra"] = 4;
  EXPECT_EQ(art::expected_tensor_shapes(two_channels).at("encoder.0.weight"), (Shape{8, 144}));
  EXPECT_EQ(art::expected_tensor_shapes(two_channels).at("decoder.0.weight"), (Shape{144, 8}));
}

TEST(Architecture, Conv1dShapesFollowPyTorchLayouts) {
  const art::ShapeMap shapes = art::expected_tensor_shapes(conv_config());
  // C = 2, L = 140, E = 3, conv_channels [16, 32], k = 7: L / 4 = 35, flat = 32 * 35 = 1120.
  const art::ShapeMap expected = {
      {"encoder.conv0.weight", {16, 2, 7}},  {"encoder.conv0.bias", {16}},
      {"encoder.conv1.weight", {32, 16, 7}}, {"encoder.conv1.bias", {32}},
      {"encoder.fc.weight", {16, 1123}},     {"encoder.fc.bias", {16}},
      {"decoder.fc.weight", {1123, 16}},     {"decoder.fc.bias", {1123}},
      {"decoder.deconv0.weight", {32, 16, 7}}, {"decoder.deconv0.bias", {16}},
      {"decoder.deconv1.weight", {16, 2, 7}},  {"decoder.deconv1.bias", {2}}};
  EXPECT_EQ(shapes, expected);
}

TEST(Architecture, LstmShapesFollowTorchNnLstm) {
  const art::ShapeMap shapes = art::expected_tensor_shapes(lstm_config());
  EXPECT_EQ(shapes.size(), 2u * 8u + 4u);
  EXPECT_EQ(shapes.at("encoder.lstm.weight_ih_l0"), (Shape{256, 1}));
  EXPECT_EQ(shapes.at("encoder.lstm.weight_ih_l1"), (Shape{256, 64}));
  EXPECT_EQ(shapes.at("encoder.lstm.weight_hh_l1"), (Shape{256, 64}));
  EXPECT_EQ(shapes.at("encoder.lstm.bias_hh_l0"), (Shape{256}));
  EXPECT_EQ(shapes.at("encoder.fc.weight"), (Shape{16, 64}));
  EXPECT_EQ(shapes.at("decoder.lstm.weight_ih_l0"), (Shape{256, 16}));
  EXPECT_EQ(shapes.at("decoder.fc.weight"), (Shape{1, 64}));
  EXPECT_EQ(shapes.at("decoder.fc.bias"), (Shape{1}));
}

TEST(Architecture, MalformedConfigsNameTheField) {
  expect_format_error([] { art::expected_tensor_shapes(json::array()); }, {"JSON object"});
  expect_format_error([] { art::expected_tensor_shapes({{"channels", 1}}); }, {"'name'"});
  json c = dense_config();
  c["name"] = "transformer";
  expect_format_error([&] { art::expected_tensor_shapes(c); },
                      {"'transformer'", "unknown architecture", "dense, conv1d and lstm"});
  c = dense_config();
  c.erase("n_extra");
  expect_format_error([&] { art::expected_tensor_shapes(c); },
                      {"architecture 'dense'", "missing field 'n_extra'"});
  c = dense_config();
  c["hidden"] = {32, 0};
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'hidden'", "[32,0]"});
  c["hidden"] = json::array();
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'hidden'", "non-empty"});
  c = dense_config();
  c["length"] = 1.5;
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'length'", "1.5"});
  c["length"] = -140;
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'length'", "-140"});
  c["length"] = std::uint64_t{1} << 63;
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'length'"});
  c = dense_config();
  c["activation"] = "gelu";
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'activation'", "\"gelu\""});
  c = conv_config();
  c["length"] = 142;
  expect_format_error([&] { art::expected_tensor_shapes(c); },
                      {"length 142 must be divisible by 2^2"});
  c = conv_config();
  c["kernel_size"] = 4;
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'kernel_size' must be odd"});
  c = lstm_config();
  c["n_extra"] = 2;
  expect_format_error([&] { art::expected_tensor_shapes(c); }, {"'n_extra' must be 0"});
}

TEST(Architecture, ValidateNamesTheTensor) {
  const json config = dense_config();
  ecgad::runtime::TensorMap tensors = random_tensors(config, 2);
  EXPECT_NO_THROW(art::validate_architecture(config, tensors));

  ecgad::runtime::TensorMap wrong = tensors;
  wrong["encoder.1.weight"] = ecgad::runtime::Tensor::zeros({16, 33});
  expect_format_error([&] { art::validate_architecture(config, wrong); },
                      {"tensor 'encoder.1.weight' has shape [16, 33]",
                       "architecture 'dense' expects [16, 32]"});
  ecgad::runtime::TensorMap missing = tensors;
  missing.erase("decoder.2.bias");
  expect_format_error([&] { art::validate_architecture(config, missing); },
                      {"missing tensor 'decoder.2.bias'", "[140]"});
  ecgad::runtime::TensorMap extra = tensors;
  extra["encoder.3.weight"] = ecgad::runtime::Tensor::zeros({4, 8});
  expect_format_error([&] { art::validate_architecture(config, extra); },
                      {"unexpected tensor 'encoder.3.weight'", "no such parameter"});
  expect_format_error([&] { art::validate_architecture(config, {}); },
                      {"missing tensor 'decoder.0.bias'"});
  // A conv1d weight in a dense bundle: right names are what matters, then shapes.
  expect_format_error([&] { art::validate_architecture(conv_config(), tensors); },
                      {"missing tensor", "architecture 'conv1d'"});
}

// ---------------------------------------------------------------------------- round trips

TEST(Bundle, FileRoundTripIsBitExactForEveryArchitecture) {
  const TempDir dir;
  for (const json& config : {dense_config(), conv_config(), lstm_config()}) {
    art::Bundle bundle = make_bundle(config, 11);
    bundle.calibration = {{"threshold", 0.0421}, {"quantile", 0.995}};
    bundle.drift_reference = {{"latent_mean", {0.1, -0.2}}};
    bundle.extra_metadata["vendor.note"] = "kept verbatim";
    const fs::path path = dir.path() / (config["name"].get<std::string>() + ".safetensors");
    art::save_bundle(path, bundle);
    const art::Bundle back = art::load_bundle(path);
    expect_same_tensors(back.tensors, bundle.tensors);
    EXPECT_EQ(back.architecture, bundle.architecture);
    EXPECT_EQ(back.preprocessing, bundle.preprocessing);
    EXPECT_EQ(back.calibration, bundle.calibration);
    EXPECT_EQ(back.training, bundle.training);
    EXPECT_EQ(back.drift_reference, bundle.drift_reference);
    EXPECT_EQ(back.extra_metadata, bundle.extra_metadata);
    EXPECT_EQ(back.format_version, art::kBundleFormatVersion);
    EXPECT_EQ(back.library_version, std::string(ecgad::version_string));
    // The file is exactly bundle_to_bytes(), and saving what was loaded reproduces it.
    EXPECT_EQ(slurp(path), art::bundle_to_bytes(bundle));
    EXPECT_EQ(art::bundle_to_bytes(back), art::bundle_to_bytes(bundle));
  }
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"conv1d.safetensors", "dense.safetensors",
                                                   "lstm.safetensors"}));
}

TEST(Bundle, BytesRoundTripAndDoublePrecisionMetadata) {
  art::Bundle bundle = make_bundle(dense_config(), 4);
  bundle.training["best_loss"] = 0.1 + 0.2;  // 0.30000000000000004 must survive exactly
  bundle.training["max"] = std::numeric_limits<double>::max();
  bundle.training["tiny"] = std::numeric_limits<double>::denorm_min();
  bundle.training["big_int"] = std::numeric_limits<std::int64_t>::min();
  bundle.training["text"] = "µV, \"quoted\", \\ backslash, \n newline";
  const std::string bytes = art::bundle_to_bytes(bundle);
  const art::Bundle back = art::bundle_from_bytes(bytes);
  EXPECT_EQ(back.training, bundle.training);
  EXPECT_EQ(back.training["best_loss"].get<double>(), 0.1 + 0.2);
  expect_same_tensors(back.tensors, bundle.tensors);
}

TEST(Bundle, LayoutIsPlainSafetensorsWithTheContractKeys) {
  const art::Bundle bundle = tiny_bundle();
  const std::string bytes = art::bundle_to_bytes(bundle);
  const art::SafetensorsFile file = art::parse_safetensors(bytes);
  EXPECT_EQ(file.metadata.at("ecgad.format"), "\"ecgad-bundle\"");
  EXPECT_EQ(file.metadata.at("ecgad.format_version"), "1");
  EXPECT_EQ(file.metadata.at("ecgad.library_version"),
            "\"" + std::string(ecgad::version_string) + "\"");
  EXPECT_EQ(json::parse(file.metadata.at("ecgad.architecture")), bundle.architecture);
  EXPECT_EQ(file.metadata.at("ecgad.calibration"), "null");
  EXPECT_EQ(file.metadata.at("ecgad.drift_reference"), "null");
  EXPECT_TRUE(art::detail::is_digest_hex(file.metadata.at("ecgad.checksum")));
  // The checksum is XXH3-128 of the stored header with its 32 digits removed, then the data.
  const std::uint64_t n =
      art::detail::read_length_field(reinterpret_cast<const unsigned char*>(bytes.data()));
  EXPECT_EQ((8 + n) % 8, 0u);
  std::string hashed = bytes.substr(8, n);
  const std::string digits = file.metadata.at("ecgad.checksum");
  const std::size_t at = hashed.find("\"ecgad.checksum\":\"" + digits + "\"");
  ASSERT_NE(at, std::string::npos);
  hashed.erase(at + 18, 32);
  EXPECT_NE(hashed.find("\"ecgad.checksum\":\"\""), std::string::npos);
  EXPECT_EQ(art::xxh128_hex(hashed + bytes.substr(8 + n)), digits);
  // Every tensor is F32 and the file reads as an ordinary safetensors file.
  for (const auto& [name, tensor] : file.tensors) {
    EXPECT_EQ(tensor.dtype(), art::DType::f32) << name;
    EXPECT_EQ(std::get<std::vector<float>>(tensor.values), bundle.tensors.at(name).values);
  }
}

TEST(Bundle, SavingIsDeterministic) {
  EXPECT_EQ(art::bundle_to_bytes(make_bundle(conv_config(), 9)),
            art::bundle_to_bytes(make_bundle(conv_config(), 9)));
  EXPECT_NE(art::bundle_to_bytes(make_bundle(conv_config(), 9)),
            art::bundle_to_bytes(make_bundle(conv_config(), 10)));
}

// ------------------------------------------------------------------------------ corruption

TEST(BundleDamage, EveryTruncationIsAFormatErrorNamingTheFile) {
  const TempDir dir;
  const std::string bytes = art::bundle_to_bytes(tiny_bundle());
  ASSERT_LT(bytes.size(), 2000u);
  const fs::path path = dir.path() / "cut.safetensors";
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(art::bundle_from_bytes(std::string_view(bytes).substr(0, n)), ecgad::FormatError)
        << "truncated to " << n << " bytes";
  }
  // Through the file path too (a sample of lengths: every file open costs a syscall or three).
  for (std::size_t n = 0; n < bytes.size(); n += 37) {
    spit(path, bytes.substr(0, n));
    try {
      art::load_bundle(path);
      ADD_FAILURE() << "truncated file of " << n << " bytes loaded";
    } catch (const ecgad::FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos) << e.what();
    }
  }
}

TEST(BundleDamage, EverySingleBitFlipIsAFormatError) {
  const std::string bytes = art::bundle_to_bytes(tiny_bundle());
  const std::uint64_t n =
      art::detail::read_length_field(reinterpret_cast<const unsigned char*>(bytes.data()));
  const std::size_t data_begin = 8 + static_cast<std::size_t>(n);
  ASSERT_GT(bytes.size(), data_begin);
  std::size_t checksum_messages = 0;
  for (std::size_t byte = 0; byte < bytes.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      try {
        art::bundle_from_bytes(damaged);
        ADD_FAILURE() << "bit " << bit << " of byte " << byte << " flipped, yet it loaded";
      } catch (const ecgad::FormatError& e) {
        const bool checksum = std::string(e.what()).find("checksum mismatch") != std::string::npos;
        checksum_messages += checksum ? 1 : 0;
        // A flip in the data can only be caught by the checksum (any value is a valid float).
        if (byte >= data_begin) {
          EXPECT_TRUE(checksum) << byte << ": " << e.what();
        }
      }
    }
  }
  EXPECT_GT(checksum_messages, 8 * (bytes.size() - data_begin));
}

TEST(BundleDamage, ChecksumMismatchNamesExpectedAndActual) {
  const TempDir dir;
  std::string bytes = art::bundle_to_bytes(tiny_bundle());
  const std::string recorded = art::parse_safetensors(bytes).metadata.at("ecgad.checksum");
  bytes.back() = static_cast<char>(bytes.back() ^ 0x01);
  const fs::path path = dir.path() / "flipped.safetensors";
  spit(path, bytes);
  const std::uint64_t n =
      art::detail::read_length_field(reinterpret_cast<const unsigned char*>(bytes.data()));
  const std::string_view all(bytes);
  const std::string actual = art::detail::bundle_digest(
      all.substr(8, n), art::detail::find_checksum_value(all.substr(8, n)), all.substr(8 + n));
  expect_format_error([&] { art::load_bundle(path); },
                      {"flipped.safetensors", "checksum mismatch", recorded, actual});
}

TEST(BundleDamage, FutureVersionSaysWhichVersionsAreInvolved) {
  art::SafetensorsFile file = art::parse_safetensors(art::bundle_to_bytes(tiny_bundle()));
  file.metadata["ecgad.format_version"] = "2";
  // Not even re-checksummed: the version is checked first, a newer format may hash otherwise.
  expect_format_error([&] { art::bundle_from_bytes(art::to_safetensors_bytes(file)); },
                      {"bundle format version 2", "reads format version 1",
                       "load it with a newer ecgad"});
  file.metadata["ecgad.format_version"] = "0";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"\"ecgad.format_version\" is 0", "positive integer"});
  file.metadata["ecgad.format_version"] = "\"1\"";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"\"ecgad.format_version\" is \"1\""});
}

TEST(BundleDamage, NotAnEcgadBundle) {
  art::SafetensorsFile plain;
  plain.tensors.emplace("w", art::TypedTensor({1}, std::vector<float>{1.0f}));
  expect_format_error([&] { art::bundle_from_bytes(art::to_safetensors_bytes(plain)); },
                      {"bundle bytes", "not an ecgad bundle", "\"ecgad.format\""});
  art::SafetensorsFile file = art::parse_safetensors(art::bundle_to_bytes(tiny_bundle()));
  file.metadata["ecgad.format"] = "\"other-format\"";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"\"other-format\"", "expected \"ecgad-bundle\""});
}

TEST(BundleDamage, MetadataProblems) {
  const art::SafetensorsFile good = art::parse_safetensors(art::bundle_to_bytes(tiny_bundle()));
  art::SafetensorsFile file = good;
  file.metadata.erase("ecgad.training");
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"missing metadata key \"ecgad.training\""});
  file = good;
  file.metadata["ecgad.preprocessing"] = "{\"fs_hz\": 360,";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"metadata \"ecgad.preprocessing\"", "not valid JSON"});
  file = good;
  file.metadata["ecgad.training"] = R"({"seed": 1, "seed": 2})";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"metadata \"ecgad.training\"", "duplicate key \"seed\""});
  file = good;
  file.metadata["ecgad.calibration"] = std::string(65, '[') + std::string(65, ']');
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"metadata \"ecgad.calibration\"", "nested deeper than 64"});
  file.metadata["ecgad.calibration"] = std::string(64, '[') + std::string(64, ']');
  EXPECT_NO_THROW(art::bundle_from_bytes(rechecksum(file)));
  file.metadata["ecgad.calibration"] = "{\"threshold\": 1e400}";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"metadata \"ecgad.calibration\"", "not valid JSON"});
  file = good;
  file.metadata["ecgad.library_version"] = "12";
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"\"ecgad.library_version\" is 12"});
  file = good;
  file.metadata["ecgad.checksum"] = "XYZ";
  expect_format_error([&] { art::bundle_from_bytes(art::to_safetensors_bytes(file)); },
                      {"\"ecgad.checksum\" is \"XYZ\"", "32 lowercase hex digits"});
  file.metadata.erase("ecgad.checksum");
  expect_format_error([&] { art::bundle_from_bytes(art::to_safetensors_bytes(file)); },
                      {"missing metadata key \"ecgad.checksum\""});
  // A checksum key spelled with a \u escape is the same JSON key, but the digits cannot be
  // located byte-exactly: refused rather than guessed.
  std::string bytes = rechecksum(good);
  const std::size_t at = bytes.find("\"ecgad.checksum\"");
  bytes.replace(at, 16, "\"ecgad\\u002echecksum\"");
  std::string header_and_data = bytes.substr(8);
  std::string fixed = art::detail::length_field(
                          art::detail::read_length_field(
                              reinterpret_cast<const unsigned char*>(bytes.data())) + 5) +
                      header_and_data;
  expect_format_error([&] { art::bundle_from_bytes(fixed); }, {"not written literally"});
  // Unknown keys are kept, not refused (a newer minor revision may add some).
  file = good;
  file.metadata["ecgad.future_field"] = "{\"x\": 1}";
  const art::Bundle back = art::bundle_from_bytes(rechecksum(file));
  EXPECT_EQ(back.extra_metadata.at("ecgad.future_field"), "{\"x\": 1}");
}

TEST(BundleDamage, WrongArchitectureNamesTheTensor) {
  const TempDir dir;
  const fs::path path = dir.path() / "wrong.safetensors";
  art::Bundle bundle = make_bundle(dense_config());
  bundle.tensors["encoder.1.weight"] = ecgad::runtime::Tensor::zeros({16, 31});
  spit(path, art::detail::encode_bundle(bundle));  // well checksummed, wrong contents
  expect_format_error([&] { art::load_bundle(path); },
                      {"wrong.safetensors", "tensor 'encoder.1.weight' has shape [16, 31]",
                       "expects [16, 32]"});

  bundle = make_bundle(dense_config());
  bundle.tensors.erase("encoder.2.bias");
  expect_format_error([&] { art::bundle_from_bytes(art::detail::encode_bundle(bundle)); },
                      {"missing tensor 'encoder.2.bias'"});

  bundle = make_bundle(dense_config());
  bundle.tensors["encoder.conv0.weight"] = ecgad::runtime::Tensor::zeros({16, 1, 7});
  expect_format_error([&] { art::bundle_from_bytes(art::detail::encode_bundle(bundle)); },
                      {"unexpected tensor 'encoder.conv0.weight'"});

  bundle = make_bundle(dense_config());
  bundle.tensors.clear();
  expect_format_error([&] { art::bundle_from_bytes(art::detail::encode_bundle(bundle)); },
                      {"missing tensor"});

  bundle = make_bundle(conv_config());
  bundle.architecture["kernel_size"] = 5;  // tensors were made for k = 7
  expect_format_error([&] { art::bundle_from_bytes(art::detail::encode_bundle(bundle)); },
                      {"tensor 'decoder.deconv0.weight' has shape [32, 16, 7]",
                       "expects [32, 16, 5]"});

  bundle = make_bundle(dense_config());
  bundle.architecture = nullptr;
  expect_format_error([&] { art::bundle_from_bytes(art::detail::encode_bundle(bundle)); },
                      {"architecture config must be a JSON object", "null"});
}

TEST(BundleDamage, NonFiniteWeightsAreRefused) {
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()}) {
    art::Bundle bundle = make_bundle(dense_config());
    bundle.tensors.at("decoder.1.weight").values[37] = bad;
    expect_format_error([&] { art::bundle_from_bytes(art::detail::encode_bundle(bundle)); },
                        {"tensor 'decoder.1.weight'", "at flat index 37", "not loadable"});
    expect_invalid_argument([&] { art::bundle_to_bytes(bundle); },
                            {"tensor 'decoder.1.weight'", "flat index 37"});
  }
}

TEST(BundleDamage, NonFloat32TensorsAreRefused) {
  art::SafetensorsFile file = art::parse_safetensors(art::bundle_to_bytes(tiny_bundle()));
  const auto f = std::get<std::vector<float>>(file.tensors.at("encoder.0.bias").values);
  file.tensors.at("encoder.0.bias").values = std::vector<double>(f.begin(), f.end());
  expect_format_error([&] { art::bundle_from_bytes(rechecksum(file)); },
                      {"tensor 'encoder.0.bias' has dtype F64", "F32 tensors only"});
}

TEST(BundleDamage, OversizedHeaderLengthIsRefusedBeforeReading) {
  const TempDir dir;
  std::string bytes = art::bundle_to_bytes(tiny_bundle());
  bytes.replace(0, 8, art::detail::length_field(std::uint64_t{1} << 62));
  expect_format_error([&] { art::bundle_from_bytes(bytes); },
                      {"header length 4611686018427387904", "exceeds the limit"});
  const fs::path path = dir.path() / "huge.safetensors";
  spit(path, bytes);
  expect_format_error([&] { art::load_bundle(path); }, {"huge.safetensors", "exceeds the limit"});
  bytes.replace(0, 8, art::detail::length_field(bytes.size()));
  expect_format_error([&] { art::bundle_from_bytes(bytes); }, {"truncated file?"});
}

// A file over kMaxFileBytes (here a sparse 2 GiB + 1 file that starts like a real bundle) is
// refused from its size alone: nothing is read into memory.
TEST(BundleDamage, FilesOverTheSizeLimitAreRefusedBeforeReading) {
  const TempDir dir;
  const fs::path path = dir.path() / "disk-image.safetensors";
  spit(path, art::bundle_to_bytes(tiny_bundle()));
  fs::resize_file(path, art::kMaxFileBytes + 1);
  expect_format_error([&] { art::load_bundle(path); },
                      {"disk-image.safetensors", "2147483649 bytes", "expected at most 2147483648"});
  expect_format_error([&] { art::read_safetensors(path); }, {"expected at most 2147483648"});
  fs::resize_file(path, 0);
}

TEST(BundleDamage, MissingFileAndDirectoryAreIoErrors) {
  const TempDir dir;
  try {
    art::load_bundle(dir.path() / "absent.safetensors");
    ADD_FAILURE() << "expected IoError";
  } catch (const ecgad::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.safetensors"), std::string::npos);
  }
  EXPECT_THROW(art::load_bundle(dir.path()), ecgad::IoError);
  EXPECT_THROW(art::bundle_from_bytes(""), ecgad::FormatError);
}

// ----------------------------------------------------------------------------- saving

TEST(BundleSave, RefusesWhatWouldNotLoad) {
  art::Bundle bundle = make_bundle(dense_config());
  bundle.tensors["encoder.0.weight"] = ecgad::runtime::Tensor::zeros({32, 139});
  expect_invalid_argument([&] { art::bundle_to_bytes(bundle); },
                          {"cannot save the bundle", "tensor 'encoder.0.weight'"});
  bundle = make_bundle(dense_config());
  bundle.tensors.at("encoder.0.bias").values.pop_back();  // 31 values for shape [32]
  expect_invalid_argument([&] { art::bundle_to_bytes(bundle); },
                          {"tensor 'encoder.0.bias' of shape [32] needs 32 values, but holds 31"});
  bundle = make_bundle(dense_config());
  bundle.training["losses"][1] = std::numeric_limits<double>::quiet_NaN();
  expect_invalid_argument([&] { art::bundle_to_bytes(bundle); },
                          {"training.losses[1] is nan", "store null"});
  bundle = make_bundle(dense_config());
  bundle.extra_metadata["ecgad.architecture"] = "{}";
  expect_invalid_argument([&] { art::bundle_to_bytes(bundle); },
                          {"\"ecgad.architecture\" is reserved"});
  bundle = make_bundle(dense_config());
  json deep = 1;
  for (int i = 0; i < 64; ++i) deep = json::array({deep});
  bundle.preprocessing = deep;  // 64 levels: the most a reader accepts
  EXPECT_EQ(art::bundle_from_bytes(art::bundle_to_bytes(bundle)).preprocessing, deep);
  bundle.preprocessing = json::array({deep});
  expect_invalid_argument([&] { art::bundle_to_bytes(bundle); }, {"nests deeper than 64"});
  bundle = make_bundle(dense_config());
  bundle.preprocessing = {{"name", "bad \xff utf-8"}};
  expect_invalid_argument([&] { art::bundle_to_bytes(bundle); }, {"cannot be serialised"});
}

TEST(BundleSave, ReplacesAnExistingFileWhole) {
  const TempDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  art::save_bundle(path, make_bundle(dense_config(), 1));
  art::save_bundle(path, make_bundle(conv_config(), 2));
  EXPECT_EQ(art::load_bundle(path).architecture["name"], "conv1d");
  EXPECT_EQ(dir.names(), std::vector<std::string>{"model.safetensors"});
  // A relative path in the working directory has no parent path: still atomic, still works.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  art::save_bundle("relative.safetensors", make_bundle(dense_config(), 3));
  fs::current_path(cwd);
  EXPECT_NO_THROW(art::load_bundle(dir.path() / "relative.safetensors"));
}

TEST(BundleSave, FailedWriteLeavesTheOldFileAndNoTemporary) {
  const TempDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  const art::Bundle old_bundle = tiny_bundle();
  art::save_bundle(path, old_bundle);
  const std::string old_bytes = slurp(path);
  const art::Bundle big = make_bundle(conv_config());  // ~150 kB

  // Make the OS refuse writes beyond 4 kB (RLIMIT_FSIZE; SIGXFSZ ignored so write() fails
  // with EFBIG instead of killing the process): the disk-full case, mid-file.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &previous), 0);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::string message;
  try {
    art::save_bundle(path, big);
  } catch (const ecgad::IoError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &previous, nullptr);

  EXPECT_NE(message.find("cannot write bundle"), std::string::npos) << message;
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
  EXPECT_EQ(slurp(path), old_bytes) << "the old bundle must be untouched";
  EXPECT_EQ(dir.names(), std::vector<std::string>{"model.safetensors"}) << "temporary left";
  expect_same_tensors(art::load_bundle(path).tensors, old_bundle.tensors);
}

TEST(BundleSave, ProcessKilledMidWriteNeverExposesAPartialFile) {
  const TempDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  art::save_bundle(path, tiny_bundle());
  const std::string old_bytes = slurp(path);
  const art::Bundle big = make_bundle(conv_config());
  // The child dies of SIGXFSZ (default action) in the middle of writing: a crash.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    rlimit limited{};
    ::getrlimit(RLIMIT_FSIZE, &limited);
    limited.rlim_cur = 4096;
    ::setrlimit(RLIMIT_FSIZE, &limited);
    try {
      art::save_bundle(path, big);
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child was expected to die mid-write";
  EXPECT_EQ(WTERMSIG(status), SIGXFSZ);
  EXPECT_EQ(slurp(path), old_bytes) << "the final name must still hold the old, whole file";
  EXPECT_NO_THROW(art::load_bundle(path));
  // The crash leaves the hidden temporary behind (nothing can remove it); it is never loaded.
  std::size_t temporaries = 0;
  for (const std::string& name : dir.names()) {
    if (name.rfind(".model.safetensors.tmp-", 0) == 0) ++temporaries;
  }
  EXPECT_EQ(temporaries, 1u);
}

TEST(BundleSave, UnwritableTargetsAreIoErrors) {
  const TempDir dir;
  const art::Bundle bundle = tiny_bundle();
  expect_invalid_argument([&] { art::save_bundle(dir.path() / "", bundle); },
                          {"does not name a file"});
  EXPECT_THROW(art::save_bundle(dir.path() / "missing" / "m.safetensors", bundle),
               ecgad::IoError);
  // Renaming over a non-empty directory fails: the temporary must be cleaned up.
  fs::create_directories(dir.path() / "occupied" / "child");
  try {
    art::save_bundle(dir.path() / "occupied", bundle);
    ADD_FAILURE() << "expected IoError";
  } catch (const ecgad::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("rename"), std::string::npos) << e.what();
  }
  EXPECT_EQ(dir.names(), std::vector<std::string>{"occupied"});
}

}  // namespace
