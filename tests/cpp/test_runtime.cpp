// Eigen runtime: PyTorch golden forward passes (tests/golden/make_runtime_golden.py) to 1e-5,
// activations against their formulas, conv/deconv arithmetic on hand-computed weights, the
// single-beat path equal to the batch rows and allocation-free (malloc is counted), N threads
// sharing one Model, and every bad config, tensor map, batch and workspace.
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecgad/artifact/runtime_loader.hpp"
#include "ecgad/runtime/model.hpp"
#include "golden.hpp"

// ---------------------------------------------------------------- allocation counter
// Every heap allocation of the process goes through these (operator new calls malloc; Eigen's
// aligned_malloc calls malloc), so counting here sees LibStdC++ and Eigen alike.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ECGAD_TEST_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ECGAD_TEST_SANITIZER_ALLOCATOR 1
#endif
#endif

#ifdef ECGAD_TEST_SANITIZER_ALLOCATOR
// Under ASan/TSan (scripts/sanitize.sh) the sanitizer owns malloc: replacing it would hand out
// memory the sanitizer never saw (TSan crashes at start-up, ASan reports bad frees). The
// sanitizer runtime calls this hook on every allocation instead, so the same count is kept.
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, std::size_t), void (*free_hook)(const volatile void*));
namespace {
void count_allocation(const volatile void*, std::size_t) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}
void ignore_free(const volatile void*) {}
[[maybe_unused]] const int g_allocation_hook =
    __sanitizer_install_malloc_and_free_hooks(count_allocation, ignore_free);
}  // namespace
#else
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);

void* malloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  *out = __libc_memalign(alignment, size);
  return *out == nullptr ? 12 /* ENOMEM */ : 0;
}
}
#endif  // ECGAD_TEST_SANITIZER_ALLOCATOR

namespace rt = ecgad::runtime;
using ecgad::test::expect_invalid;
using ecgad::test::golden;
using rt::ArchitectureConfig;
using rt::Model;
using rt::RowMatrixXf;
using rt::Tensor;
using rt::TensorMap;

namespace {

template <typename F>
void expect_format(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected ecgad::FormatError mentioning '" << needle << "'";
  } catch (const ecgad::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' does not mention '" << needle << "'";
  }
}

// make_runtime_golden.py's weights: scale * sin(0.731 i + 1.37 ti + 0.1) as float32.
TensorMap formula_tensors(const ArchitectureConfig& config) {
  TensorMap tensors;
  int ti = 0;
  for (const auto& spec : rt::expected_tensors(config)) {
    const std::size_t n = Tensor::element_count(spec.shape);
    const bool is_bias = spec.name.size() > 5 && spec.name.substr(spec.name.size() - 5) == ".bias";
    const double scale =
        is_bias ? 0.1
                : 1.0 / std::sqrt(static_cast<double>(n) / static_cast<double>(spec.shape[0]));
    std::vector<float> values(n);
    for (std::size_t i = 0; i < n; ++i) {
      values[i] = static_cast<float>(
          scale * std::sin(0.731 * static_cast<double>(i) + 1.37 * ti + 0.1));
    }
    tensors.emplace(spec.name, Tensor(spec.shape, std::move(values)));
    ++ti;
  }
  return tensors;
}

// Largest |actual - expected| (the golden values are O(1), so absolute = relative here).
template <typename A, typename B>
double max_abs_diff(const A& actual, const B& expected) {
  return (actual.template cast<double>() - expected.template cast<double>())
      .cwiseAbs()
      .maxCoeff();
}

#define EXPECT_CLOSE_F(actual, expected, tol)                 \
  do {                                                         \
    ASSERT_EQ((actual).rows(), (expected).rows());             \
    ASSERT_EQ((actual).cols(), (expected).cols());             \
    EXPECT_LE(max_abs_diff((actual), (expected)), (tol));      \
  } while (0)

RowMatrixXf golden_rows(const nlohmann::json& j) {
  return ecgad::test::to_matrix<Eigen::MatrixXd>(j).cast<float>();
}

Eigen::VectorXf golden_vector(const nlohmann::json& j) {
  return ecgad::test::to_vector(j).cast<float>();
}

const nlohmann::json& golden_case(const std::string& name) {
  return golden("runtime.json").at("cases").at(name);
}

Model golden_model(const std::string& name) {
  const auto config = ArchitectureConfig::from_json(golden_case(name).at("config"));
  return Model(config, formula_tensors(config));
}

RowMatrixXf random_batch(Eigen::Index n, Eigen::Index cols, unsigned seed) {
  std::srand(seed);
  return (RowMatrixXf::Random(n, cols).array() * 0.5f + 0.5f).matrix();
}

const char* kCases[] = {"dense_preset", "dense_small", "conv1d_preset", "conv1d_small",
                        "conv1d_wide_kernel"};

}  // namespace

// ---------------------------------------------------------------- golden (PyTorch)

TEST(RuntimeGolden, BatchCallsMatchPyTorch) {
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const auto& c = golden_case(name);
    const Model model = golden_model(name);
    const RowMatrixXf x = golden_rows(c.at("input"));
    EXPECT_CLOSE_F(model.reconstruct(x), golden_rows(c.at("reconstruction")), 1e-5);
    EXPECT_CLOSE_F(model.encode(x), golden_rows(c.at("latent")), 1e-5);
    const rt::Scores s = model.score(x);
    EXPECT_CLOSE_F(s.mae, golden_vector(c.at("mae")), 1e-5);
    EXPECT_CLOSE_F(s.mse, golden_vector(c.at("mse")), 1e-5);
    EXPECT_CLOSE_F(s.max_abs, golden_vector(c.at("max_abs")), 1e-5);
    const RowMatrixXf profile = (x - golden_rows(c.at("reconstruction"))).cwiseAbs();
    EXPECT_CLOSE_F(model.error_profile(x), profile, 1e-5);
  }
}

TEST(RuntimeGolden, SingleBeatCallsMatchPyTorch) {
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const auto& c = golden_case(name);
    const Model model = golden_model(name);
    const RowMatrixXf x = golden_rows(c.at("input"));
    const RowMatrixXf rec = golden_rows(c.at("reconstruction"));
    const RowMatrixXf lat = golden_rows(c.at("latent"));
    rt::Workspace ws = model.make_workspace();
    Eigen::RowVectorXf out(model.input_size());
    Eigen::RowVectorXf code(model.latent_size());
    Eigen::RowVectorXf profile(model.input_size());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const Eigen::RowVectorXf beat = x.row(r);
      model.reconstruct_one(beat.data(), out.data(), ws);
      EXPECT_CLOSE_F(out, rec.row(r), 1e-5);
      model.encode_one(beat.data(), code.data(), ws);
      EXPECT_CLOSE_F(code, lat.row(r), 1e-5);
      const rt::BeatScore s = model.score_one(beat.data(), ws, profile.data());
      EXPECT_NEAR(s.mae, c.at("mae").at(static_cast<std::size_t>(r)).get<float>(), 1e-5);
      EXPECT_NEAR(s.mse, c.at("mse").at(static_cast<std::size_t>(r)).get<float>(), 1e-5);
      EXPECT_NEAR(s.max_abs, c.at("max_abs").at(static_cast<std::size_t>(r)).get<float>(), 1e-5);
      EXPECT_CLOSE_F(profile, (beat - rec.row(r)).cwiseAbs(), 1e-5);
    }
  }
}

TEST(RuntimeGolden, WeightsFormulaMatchesTheGenerator) {
  // Guards the recomputed weights: the generator documents the same formula.
  const std::string doc = golden("runtime.json").at("weights").get<std::string>();
  EXPECT_NE(doc.find("sin(0.731 * i + 1.37 * ti + 0.1)"), std::string::npos);
  const TensorMap t = formula_tensors(ArchitectureConfig::dense_preset());
  EXPECT_FLOAT_EQ(t.at("encoder.0.weight").values[0],
                  static_cast<float>(std::sin(0.1) / std::sqrt(140.0)));
  EXPECT_FLOAT_EQ(t.at("encoder.0.bias").values[1], static_cast<float>(0.1 * std::sin(0.731 + 1.37 + 0.1)));
}

// ---------------------------------------------------------------- activations

TEST(RuntimeActivation, NamesRoundTripAndBadNamesFail) {
  for (auto a : {rt::Activation::linear, rt::Activation::relu, rt::Activation::sigmoid,
                 rt::Activation::tanh}) {
    EXPECT_EQ(rt::parse_activation(rt::to_string(a)), a);
  }
  expect_invalid([] { rt::parse_activation("gelu"); }, "'gelu'");
  expect_invalid([] { rt::parse_activation("ReLU"); }, "'ReLU'");
}

TEST(RuntimeActivation, MatchTheirFormulas) {
  // Through the kernel itself: one input equal to 1, weight x_o, bias 0.25 -> act(x_o + 0.25),
  // for 801 outputs (50 full packets and a partial one at any packet size up to 16).
  const Eigen::Index n = 801;
  std::vector<float> x(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = -20.0f + 0.05f * static_cast<float>(i);
  const std::vector<float> bias(static_cast<std::size_t>(n), 0.25f);
  for (auto a : {rt::Activation::linear, rt::Activation::relu, rt::Activation::sigmoid,
                 rt::Activation::tanh}) {
    SCOPED_TRACE(rt::to_string(a));
    const auto layer = rt::detail::PackedLinear::pack(
        1, n, [&](Eigen::Index o, Eigen::Index) { return x[static_cast<std::size_t>(o)]; },
        bias.data(), a);
    const float one[2] = {1.0f, 1.0f};
    std::vector<float> y(static_cast<std::size_t>(2 * n), -1.0f);
    rt::detail::linear_forward(layer, one, 1, 2, y.data(), n);  // two rows, same input
    for (Eigen::Index i = 0; i < n; ++i) {
      const double v = static_cast<double>(x[static_cast<std::size_t>(i)]) + 0.25;
      double expected = v;
      if (a == rt::Activation::relu) expected = std::max(v, 0.0);
      if (a == rt::Activation::sigmoid) expected = 1.0 / (1.0 + std::exp(-v));
      if (a == rt::Activation::tanh) expected = std::tanh(v);
      // Absolute and relative: sigmoid's tail (~1e-9 at -20) keeps its relative accuracy.
      const auto got = static_cast<double>(y[static_cast<std::size_t>(i)]);
      EXPECT_NEAR(got, expected, 1e-6 + 1e-5 * std::abs(expected)) << "x = " << v;
      EXPECT_EQ(y[static_cast<std::size_t>(n + i)], y[static_cast<std::size_t>(i)]);
    }
  }
}

// ---------------------------------------------------------------- shapes and exact arithmetic

TEST(RuntimeConfig, PresetsAreTheContractsJson) {
  EXPECT_EQ(ArchitectureConfig::dense_preset().to_json(),
            nlohmann::json::parse(R"({"name": "dense", "channels": 1, "length": 140,
              "n_extra": 0, "hidden": [32, 16, 8], "activation": "relu",
              "output_activation": "sigmoid"})"));
  EXPECT_EQ(ArchitectureConfig::conv1d_preset().to_json(),
            nlohmann::json::parse(R"({"name": "conv1d", "channels": 1, "length": 140,
              "n_extra": 0, "conv_channels": [16, 32], "kernel_size": 7, "latent": 16,
              "activation": "relu", "output_activation": "linear"})"));
  for (const char* name : kCases) {
    const auto& j = golden_case(name).at("config");
    EXPECT_EQ(ArchitectureConfig::from_json(j).to_json(), j) << name;
    EXPECT_EQ(ArchitectureConfig::parse(j.dump()).to_json(), j) << name;
  }
  // Missing keys take the named preset's values.
  const auto c = ArchitectureConfig::parse(R"({"name": "conv1d", "latent": 4})");
  EXPECT_EQ(c.conv_channels, (std::vector<Eigen::Index>{16, 32}));
  EXPECT_EQ(c.latent, 4);
  EXPECT_EQ(c.output_activation, rt::Activation::linear);
}

TEST(RuntimeConfig, TensorShapesFollowPyTorch) {
  auto shapes = [](const ArchitectureConfig& c) {
    std::vector<std::string> out;
    for (const auto& s : rt::expected_tensors(c)) out.push_back(s.name + Tensor::shape_string(s.shape));
    return out;
  };
  EXPECT_EQ(shapes(ArchitectureConfig::dense_preset()),
            (std::vector<std::string>{
                "encoder.0.weight[32, 140]", "encoder.0.bias[32]", "encoder.1.weight[16, 32]",
                "encoder.1.bias[16]", "encoder.2.weight[8, 16]", "encoder.2.bias[8]",
                "decoder.0.weight[16, 8]", "decoder.0.bias[16]", "decoder.1.weight[32, 16]",
                "decoder.1.bias[32]", "decoder.2.weight[140, 32]", "decoder.2.bias[140]"}));
  // conv1d, C=2, L=144, E=3: 144 -> 72 -> 36 samples, flatten 32 * 36 = 1152, + 3 extras.
  auto c = ArchitectureConfig::conv1d_preset();
  c.channels = 2;
  c.length = 144;
  c.n_extra = 3;
  EXPECT_EQ(c.reduced_length(), 36);
  EXPECT_EQ(c.input_size(), 291);
  EXPECT_EQ(shapes(c), (std::vector<std::string>{
                           "encoder.conv0.weight[16, 2, 7]", "encoder.conv0.bias[16]",
                           "encoder.conv1.weight[32, 16, 7]", "encoder.conv1.bias[32]",
                           "encoder.fc.weight[16, 1155]", "encoder.fc.bias[16]",
                           "decoder.fc.weight[1155, 16]", "decoder.fc.bias[1155]",
                           "decoder.deconv0.weight[32, 16, 7]", "decoder.deconv0.bias[16]",
                           "decoder.deconv1.weight[16, 2, 7]", "decoder.deconv1.bias[2]"}));
}

TEST(RuntimeConv, HandComputedStrideTwoConvAndTransposedConv) {
  // L=4, one conv channel, k=3 (padding 1): conv kernel [0, 1, 0] picks x[2t], so h = [x0, x2];
  // identity fc layers; ConvTranspose1d kernel [1, 2, 3] (stride 2, padding 1, output_padding
  // 1) maps h to [2 h0, 3 h0 + h1, 2 h1, 3 h1].
  ArchitectureConfig c;
  c.name = "conv1d";
  c.channels = 1;
  c.length = 4;
  c.conv_channels = {1};
  c.kernel_size = 3;
  c.latent = 2;
  c.activation = rt::Activation::linear;
  c.output_activation = rt::Activation::linear;
  TensorMap t;
  t["encoder.conv0.weight"] = Tensor({1, 1, 3}, {0.f, 1.f, 0.f});
  t["encoder.conv0.bias"] = Tensor({1}, {0.f});
  t["encoder.fc.weight"] = Tensor({2, 2}, {1.f, 0.f, 0.f, 1.f});
  t["encoder.fc.bias"] = Tensor({2}, {0.f, 0.f});
  t["decoder.fc.weight"] = Tensor({2, 2}, {1.f, 0.f, 0.f, 1.f});
  t["decoder.fc.bias"] = Tensor({2}, {0.f, 0.f});
  t["decoder.deconv0.weight"] = Tensor({1, 1, 3}, {1.f, 2.f, 3.f});
  t["decoder.deconv0.bias"] = Tensor({1}, {0.5f});
  const Model model(c, t);
  RowMatrixXf x(2, 4);
  x << 1.f, 10.f, 100.f, 1000.f, -2.f, 7.f, 3.f, 5.f;
  RowMatrixXf expected(2, 4);
  expected << 2.f, 3.f + 100.f, 200.f, 300.f, -4.f, -6.f + 3.f, 6.f, 9.f;
  expected.array() += 0.5f;
  EXPECT_EQ(model.reconstruct(x), expected);
  RowMatrixXf code(2, 2);
  code << 1.f, 100.f, -2.f, 3.f;
  EXPECT_EQ(model.encode(x), code);

  // Conv kernel [1, 0, 0] reads x[2t - 1]: the left zero padding, then x1.
  t["encoder.conv0.weight"] = Tensor({1, 1, 3}, {1.f, 0.f, 0.f});
  RowMatrixXf shifted(2, 2);
  shifted << 0.f, 10.f, 0.f, 7.f;
  EXPECT_EQ(Model(c, t).encode(x), shifted);
}

TEST(RuntimeConv, ExtrasBypassTheConvolutionsWithTheirOwnActivation) {
  // decoder.fc's extras get output_activation only: with relu inside and linear output, a
  // negative extra survives while the flattened part is clipped.
  ArchitectureConfig c;
  c.name = "conv1d";
  c.channels = 1;
  c.length = 2;
  c.n_extra = 1;
  c.conv_channels = {1};
  c.kernel_size = 1;
  c.latent = 2;
  c.activation = rt::Activation::relu;
  c.output_activation = rt::Activation::linear;
  TensorMap t;
  t["encoder.conv0.weight"] = Tensor({1, 1, 1}, {1.f});
  t["encoder.conv0.bias"] = Tensor({1}, {0.f});
  // Latent = relu([h0, 0]) + [0, 4]; the extra (x2 = -3) enters latent 1 with weight 1.
  t["encoder.fc.weight"] = Tensor({2, 2}, {1.f, 0.f, 0.f, 1.f});
  t["encoder.fc.bias"] = Tensor({2}, {0.f, 4.f});
  // decoder.fc: flat = -z0 (clipped by relu to 0), extra = -z1 (kept, linear).
  t["decoder.fc.weight"] = Tensor({2, 2}, {-1.f, 0.f, 0.f, -1.f});
  t["decoder.fc.bias"] = Tensor({2}, {0.f, 0.f});
  t["decoder.deconv0.weight"] = Tensor({1, 1, 1}, {1.f});
  t["decoder.deconv0.bias"] = Tensor({1}, {0.25f});
  const Model model(c, t);
  RowMatrixXf x(1, 3);
  x << 2.f, 9.f, -3.f;
  RowMatrixXf expected(1, 3);
  // h = [x0] = [2]; z = relu([2, -3 + 4]) = [2, 1]; d = [relu(-2), -1] = [0, -1];
  // deconv (k=1, stride 2, output_padding 1): [0 + 0.25, 0.25]; extra -1.
  expected << 0.25f, 0.25f, -1.f;
  EXPECT_EQ(model.reconstruct(x), expected);
}

// ---------------------------------------------------------------- single beat == batch

TEST(RuntimeSingleBeat, EqualsTheBatchRows) {
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const Model model = golden_model(name);
    const RowMatrixXf x = random_batch(300, model.input_size(), 3);  // > one block
    const RowMatrixXf rec = model.reconstruct(x);
    const rt::Scores s = model.score(x);
    rt::Workspace ws = model.make_workspace();
    Eigen::RowVectorXf out(model.input_size());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const rt::BeatScore b = model.score_one(x.row(r).data(), ws);
      // Bit-identical: every output is the same sequence of operations whatever the batch.
      EXPECT_EQ(b.mae, s.mae(r));
      EXPECT_EQ(b.mse, s.mse(r));
      EXPECT_EQ(b.max_abs, s.max_abs(r));
      model.reconstruct_one(x.row(r).data(), out.data(), ws);
      EXPECT_EQ(out, rec.row(r));
    }
    // Batch results do not depend on how the batch is cut into blocks.
    const RowMatrixXf part = model.reconstruct(x.middleRows(7, 5));
    EXPECT_EQ(part, rec.middleRows(7, 5));
  }
}

TEST(RuntimeSingleBeat, AllocatesNothing) {
  for (const char* name : {"dense_preset", "conv1d_preset", "conv1d_small"}) {
    SCOPED_TRACE(name);
    const Model model = golden_model(name);
    const RowMatrixXf x = random_batch(4, model.input_size(), 5);
    rt::Workspace ws = model.make_workspace();
    Eigen::RowVectorXf out(model.input_size());
    Eigen::RowVectorXf code(model.latent_size());
    Eigen::RowVectorXf profile(model.input_size());
    model.score_one(x.row(0).data(), ws);  // any lazy one-time setup happens here
    // The counter is not a no-op: a vector allocation is seen.
    long before = g_allocations.load();
    { std::vector<float> probe(100); probe[1] = 1.0f; EXPECT_EQ(probe[1], 1.0f); }
    EXPECT_GT(g_allocations.load(), before);

    before = g_allocations.load();
    float sink = 0.0f;
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      sink += model.score_one(x.row(r).data(), ws).mae;
      sink += model.score_one(x.row(r).data(), ws, profile.data()).max_abs;
      model.reconstruct_one(x.row(r).data(), out.data(), ws);
      model.encode_one(x.row(r).data(), code.data(), ws);
    }
    const long allocations = g_allocations.load() - before;
    EXPECT_EQ(allocations, 0);
    EXPECT_TRUE(std::isfinite(sink));
  }
}

// ---------------------------------------------------------------- threads

TEST(RuntimeThreads, SharedModelGivesSerialResults) {
  for (const char* name : {"dense_preset", "conv1d_preset"}) {
    SCOPED_TRACE(name);
    const Model model = golden_model(name);
    const RowMatrixXf x = random_batch(400, model.input_size(), 11);
    const rt::Scores serial = model.score(x);
    const RowMatrixXf serial_codes = model.encode(x);
    Eigen::VectorXf serial_one(x.rows());
    {
      rt::Workspace ws = model.make_workspace();
      for (Eigen::Index r = 0; r < x.rows(); ++r) serial_one(r) = model.score_one(x.row(r).data(), ws).mse;
    }
    const int n_threads = 4;
    std::vector<Eigen::VectorXf> one(n_threads, Eigen::VectorXf(x.rows()));
    std::vector<rt::Scores> batch(n_threads);
    std::vector<RowMatrixXf> codes(n_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < n_threads; ++t) {
      threads.emplace_back([&, t] {
        rt::Workspace ws = model.make_workspace();
        for (int rep = 0; rep < 3; ++rep) {
          // Threads walk the rows in different orders so their calls interleave.
          for (Eigen::Index i = 0; i < x.rows(); ++i) {
            const Eigen::Index step[] = {1, 3, 7, 13};  // coprime with 400: a permutation
            const Eigen::Index r = (i * step[t] + t) % x.rows();
            one[static_cast<std::size_t>(t)](r) = model.score_one(x.row(r).data(), ws).mse;
          }
        }
        batch[static_cast<std::size_t>(t)] = model.score(x);
        codes[static_cast<std::size_t>(t)] = model.encode(x);
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < n_threads; ++t) {
      const auto i = static_cast<std::size_t>(t);
      EXPECT_EQ(one[i], serial_one);
      EXPECT_EQ(batch[i].mae, serial.mae);
      EXPECT_EQ(batch[i].mse, serial.mse);
      EXPECT_EQ(batch[i].max_abs, serial.max_abs);
      EXPECT_EQ(codes[i], serial_codes);
    }
  }
}

// ---------------------------------------------------------------- bad input

TEST(RuntimeErrors, BadTensorMaps) {
  const auto config = ArchitectureConfig::dense_preset();
  const TensorMap good = formula_tensors(config);
  EXPECT_NO_THROW(Model(config, good));
  {
    TensorMap t = good;
    t.erase("decoder.1.bias");
    expect_format([&] { Model(config, t); }, "'decoder.1.bias' is missing");
  }
  {
    TensorMap t = good;
    t["decoder.3.weight"] = Tensor({140, 140}, std::vector<float>(140 * 140, 0.f));
    expect_format([&] { Model(config, t); }, "unexpected model tensor 'decoder.3.weight'");
  }
  {
    TensorMap t = good;
    t["encoder.0.weight"] = Tensor({140, 32}, t["encoder.0.weight"].values);  // transposed
    expect_format([&] { Model(config, t); }, "'encoder.0.weight' has shape [140, 32], expected [32, 140]");
  }
  {
    TensorMap t = good;
    t["encoder.2.bias"] = Tensor({1, 8}, std::vector<float>(8, 0.f));  // wrong rank
    expect_format([&] { Model(config, t); }, "'encoder.2.bias' has shape [1, 8]");
  }
  {
    TensorMap t = good;
    t["encoder.1.bias"].values.pop_back();  // public fields edited out of step
    expect_format([&] { Model(config, t); }, "'encoder.1.bias' of shape [16] holds 15 values");
  }
  {
    TensorMap t = good;
    t["decoder.0.weight"].values[37] = std::numeric_limits<float>::quiet_NaN();
    expect_format([&] { Model(config, t); }, "'decoder.0.weight' holds a non-finite value (nan) at flat index 37");
  }
  {
    TensorMap t = good;
    t["encoder.0.bias"].values[3] = -std::numeric_limits<float>::infinity();
    expect_format([&] { Model(config, t); }, "'encoder.0.bias' holds a non-finite value (-inf)");
  }
  // A conv1d map handed to a dense config: the first missing tensor is named.
  expect_format([&] { Model(config, formula_tensors(ArchitectureConfig::conv1d_preset())); },
                "'encoder.0.weight' is missing");
  expect_invalid([] { Tensor({2, 3}, std::vector<float>(5)); }, "shape [2, 3] needs 6 values, got 5");
  expect_invalid([] { Tensor::zeros({2, -1}); }, "[2, -1]");
}

TEST(RuntimeErrors, BadConfigs) {
  auto dense = ArchitectureConfig::dense_preset();
  dense.hidden = {};
  expect_invalid([&] { Model(dense, {}); }, "hidden must list at least one");
  dense.hidden = {32, 0};
  expect_invalid([&] { dense.validate(); }, "hidden[1] must be in [1, 1048576], got 0");
  auto conv = ArchitectureConfig::conv1d_preset();
  conv.length = 141;
  expect_invalid([&] { conv.validate(); }, "length must be divisible by 2^len(conv_channels) = 4, got 141");
  conv.length = 140;
  conv.kernel_size = 6;
  expect_invalid([&] { conv.validate(); }, "kernel_size must be odd");
  conv.kernel_size = 7;
  conv.channels = 0;
  expect_invalid([&] { conv.validate(); }, "channels must be in [1, 1048576], got 0");
  conv.channels = 1;
  conv.n_extra = -1;
  expect_invalid([&] { conv.validate(); }, "n_extra must be in [0, 1048576], got -1");
  conv.n_extra = 0;
  conv.name = "lstm";
  expect_invalid([&] { conv.validate(); }, "LSTM models score through LibTorch");
  conv.name = "gru";
  expect_invalid([&] { conv.validate(); }, "name must be 'dense' or 'conv1d', got 'gru'");
}

TEST(RuntimeErrors, BadConfigJson) {
  using C = ArchitectureConfig;
  expect_format([] { C::parse("{\"name\": \"dense\", "); }, "not valid JSON");
  expect_format([] { C::parse("[1, 2]"); }, "must be a JSON object");
  expect_format([] { C::parse(R"({"hidden": [4]})"); }, "needs a string field 'name'");
  expect_format([] { C::parse(R"({"name": "lstm", "hidden": 64})"); }, "LSTM models score");
  expect_format([] { C::parse(R"({"name": "dense", "hiden": [4]})"); }, "unknown field 'hiden'");
  expect_format([] { C::parse(R"({"name": "dense", "kernel_size": 3})"); },
                "unknown field 'kernel_size'");
  expect_format([] { C::parse(R"({"name": "dense", "length": 140.5})"); },
                "'length' must be an integer, got 140.5");
  expect_format([] { C::parse(R"({"name": "dense", "length": "140"})"); },
                "'length' must be an integer");
  expect_format([] { C::parse(R"({"name": "dense", "hidden": 8})"); },
                "'hidden' must be a list of integers, got 8");
  expect_format([] { C::parse(R"({"name": "dense", "activation": "gelu"})"); },
                "'activation': activation must be one of");
  expect_format([] { C::parse(R"({"name": "dense", "activation": 1})"); },
                "'activation' must be a string");
  expect_format([] { C::parse(R"({"name": "conv1d", "length": 30})"); },
                "length must be divisible by 2^len(conv_channels) = 4, got 30");
  expect_format([] { C::parse(R"({"name": "dense", "length": 18446744073709551615})"); },
                "'length' must be an integer");
}

TEST(RuntimeErrors, BadBatchesAndWorkspaces) {
  const Model dense = golden_model("dense_preset");
  const Model conv = golden_model("conv1d_preset");
  expect_invalid([&] { dense.score(RowMatrixXf::Zero(3, 139)); },
                 "input_size = 140 columns (channels * length + n_extra), got 139");
  RowMatrixXf x = RowMatrixXf::Constant(3, 140, 0.5f);
  x(2, 17) = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { dense.reconstruct(x); }, "element (2, 17) is nan");
  rt::Workspace ws = dense.make_workspace();
  expect_invalid([&] { dense.score_one(x.row(2).data(), ws); }, "beat must be finite, but element 17");
  // A dense workspace is far too small for the conv1d model.
  expect_invalid([&] { conv.score_one(x.row(0).data(), ws); }, "workspace is too small");
  rt::Workspace empty;
  expect_invalid([&] { dense.score_one(x.row(0).data(), empty); }, "workspace is too small");
  expect_invalid([&] { dense.make_workspace(0); }, "workspace rows must be >= 1, got 0");
  // Zero beats is a valid, empty batch.
  const RowMatrixXf none(0, 140);
  EXPECT_EQ(dense.score(none).mae.size(), 0);
  EXPECT_EQ(dense.reconstruct(none).rows(), 0);
  EXPECT_EQ(dense.encode(none).cols(), 8);
}

// ---------------------------------------------------------------- bundles (artifact glue)

TEST(RuntimeBundle, LoadsAndScoresLikePyTorch) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ecgad_runtime_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"dense_preset", "conv1d_small"}) {
    SCOPED_TRACE(name);
    const auto& c = golden_case(name);
    ecgad::artifact::Bundle bundle;
    bundle.architecture = c.at("config");
    bundle.tensors = formula_tensors(ArchitectureConfig::from_json(c.at("config")));
    const auto path = dir / (std::string(name) + ".safetensors");
    ecgad::artifact::save_bundle(path, bundle);
    const Model model = ecgad::artifact::load_runtime_model(path);
    EXPECT_EQ(model.config().to_json(), c.at("config"));
    const RowMatrixXf x = golden_rows(c.at("input"));
    EXPECT_CLOSE_F(model.reconstruct(x), golden_rows(c.at("reconstruction")), 1e-5);
    EXPECT_CLOSE_F(model.encode(x), golden_rows(c.at("latent")), 1e-5);
  }
  // An LSTM bundle is valid but only LibTorch scores it: the error names the file.
  ecgad::artifact::Bundle lstm;
  lstm.architecture = nlohmann::json::parse(
      R"({"name": "lstm", "channels": 1, "length": 4, "n_extra": 0, "hidden": 2,
          "layers": 1, "latent": 1, "activation": "tanh", "output_activation": "linear"})");
  for (const auto& [tensor_name, shape] : ecgad::artifact::expected_tensor_shapes(lstm.architecture)) {
    lstm.tensors[tensor_name] = Tensor::zeros(shape);
  }
  const auto lstm_path = dir / "lstm.safetensors";
  ecgad::artifact::save_bundle(lstm_path, lstm);
  expect_format([&] { ecgad::artifact::load_runtime_model(lstm_path); },
                "lstm.safetensors': architecture config: name 'lstm'");
  EXPECT_THROW(ecgad::artifact::load_runtime_model(dir / "missing.safetensors"), ecgad::IoError);
  std::filesystem::remove_all(dir);
}
