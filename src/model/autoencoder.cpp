// The autoencoders in LibTorch: parameters under their state_dict names, PyTorch's default
// initialisation from a seeded generator, the forward passes of docs/model.md written with
// torch's functional ops (so the parameter list is ours and in contract order), the autograd
// training engine, batched scoring without autograd, and the glue to the training loop
// (trainer.cpp) and the fused dense engine (fused_dense.cpp). The only model TU with torch.h.
#include "ecgad/model/autoencoder.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"
#include "fused_dense.hpp"
#include "trainer.hpp"

namespace ecgad::model {

struct Autoencoder::Impl {
  ArchitectureConfig config;
  std::uint64_t seed = 0;
  std::vector<std::string> names;     // contract (state_dict) order
  std::vector<torch::Tensor> params;  // contiguous float32 leaves, requires_grad
  std::optional<TrainingSummary> summary;

  std::int64_t width() const { return config.input_size(); }
};

namespace {

using Impl = Autoencoder::Impl;
using torch::Tensor;

// Rows scored per LibTorch call: bounds the temporaries (a few MB) whatever N is.
constexpr std::int64_t kScoreChunkRows = 4096;

// ------------------------------------------------------------------ initialisation
// PyTorch 1.13's defaults, drawn in module construction order from one generator:
// Linear/Conv1d/ConvTranspose1d weight = kaiming_uniform_(a=√5), bias = U(±1/√fan_in);
// LSTM: every tensor U(±1/√hidden).
class Initializer {
 public:
  Initializer(Impl& impl, std::uint64_t seed)
      : impl_(impl), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

  void linear(const std::string& name, std::int64_t in, std::int64_t out) {
    kaiming(name + ".weight", {out, in}, in);
    bias(name + ".bias", {out}, in);
  }
  void conv(const std::string& name, std::int64_t in, std::int64_t out, std::int64_t k) {
    kaiming(name + ".weight", {out, in, k}, in * k);
    bias(name + ".bias", {out}, in * k);
  }
  // ConvTranspose1d stores [in, out, k]; PyTorch's fan_in is size(1) * k = out * k.
  void deconv(const std::string& name, std::int64_t in, std::int64_t out, std::int64_t k) {
    kaiming(name + ".weight", {in, out, k}, out * k);
    bias(name + ".bias", {out}, out * k);
  }
  void lstm(const std::string& name, std::int64_t input, std::int64_t hidden, std::int64_t layers) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
    for (std::int64_t l = 0; l < layers; ++l) {
      const std::string suffix = "_l" + std::to_string(l);
      const std::int64_t in = l == 0 ? input : hidden;
      uniform(name + ".weight_ih" + suffix, {4 * hidden, in}, bound);
      uniform(name + ".weight_hh" + suffix, {4 * hidden, hidden}, bound);
      uniform(name + ".bias_ih" + suffix, {4 * hidden}, bound);
      uniform(name + ".bias_hh" + suffix, {4 * hidden}, bound);
    }
  }

 private:
  void kaiming(const std::string& name, std::vector<std::int64_t> shape, std::int64_t fan_in) {
    // torch.nn.init.kaiming_uniform_(a=sqrt(5)), with Python's arithmetic.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double std_dev = gain / std::sqrt(static_cast<double>(fan_in));
    uniform(name, std::move(shape), std::sqrt(3.0) * std_dev);
  }
  void bias(const std::string& name, std::vector<std::int64_t> shape, std::int64_t fan_in) {
    uniform(name, std::move(shape), 1.0 / std::sqrt(static_cast<double>(fan_in)));
  }
  void uniform(const std::string& name, std::vector<std::int64_t> shape, double bound) {
    Tensor t = torch::empty(shape, torch::kFloat32);
    {
      torch::NoGradGuard no_grad;
      t.uniform_(-bound, bound, generator_);
    }
    impl_.names.push_back(name);
    impl_.params.push_back(t.set_requires_grad(true));
  }

  Impl& impl_;
  at::Generator generator_;
};

std::int64_t conv_bottom_length(const ArchitectureConfig& c) {
  return c.length >> c.conv_channels.size();
}

void build_parameters(Impl& impl) {
  const ArchitectureConfig& c = impl.config;
  impl.names.clear();
  impl.params.clear();
  Initializer init(impl, impl.seed);
  const std::int64_t width = c.input_size();
  switch (c.kind) {
    case ArchitectureKind::dense: {
      std::int64_t prev = width;
      for (std::size_t i = 0; i < c.hidden.size(); ++i) {
        init.linear("encoder." + std::to_string(i), prev, c.hidden[i]);
        prev = c.hidden[i];
      }
      std::vector<std::int64_t> decoder(c.hidden.rbegin() + 1, c.hidden.rend());
      decoder.push_back(width);
      for (std::size_t j = 0; j < decoder.size(); ++j) {
        init.linear("decoder." + std::to_string(j), prev, decoder[j]);
        prev = decoder[j];
      }
      break;
    }
    case ArchitectureKind::conv1d: {
      const std::size_t n = c.conv_channels.size();
      std::int64_t prev = c.channels;
      for (std::size_t i = 0; i < n; ++i) {
        init.conv("encoder.conv" + std::to_string(i), prev, c.conv_channels[i], c.kernel_size);
        prev = c.conv_channels[i];
      }
      const std::int64_t flat = c.conv_channels.back() * conv_bottom_length(c);
      init.linear("encoder.fc", flat + c.n_extra, c.latent);
      init.linear("decoder.fc", c.latent, flat + c.n_extra);
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t i = n - 1 - j;
        const std::int64_t out = i > 0 ? c.conv_channels[i - 1] : c.channels;
        init.deconv("decoder.deconv" + std::to_string(j), c.conv_channels[i], out, c.kernel_size);
      }
      break;
    }
    case ArchitectureKind::lstm:
      init.lstm("encoder.lstm", c.channels, c.lstm_hidden, c.lstm_layers);
      init.linear("encoder.fc", c.lstm_hidden, c.latent);
      init.lstm("decoder.lstm", c.latent, c.lstm_hidden, c.lstm_layers);
      init.linear("decoder.fc", c.lstm_hidden, c.channels);
      break;
  }
}

// ------------------------------------------------------------------ forward passes
Tensor activate(const Tensor& x, Activation a) {
  switch (a) {
    case Activation::relu:
      return torch::relu(x);
    case Activation::sigmoid:
      return torch::sigmoid(x);
    case Activation::tanh:
      return torch::tanh(x);
    case Activation::linear:
      return x;
  }
  return x;
}

// Parameters are looked up by position: build_parameters() fixes the order per architecture.
struct ParamCursor {
  const std::vector<Tensor>& params;
  std::size_t next = 0;
  const Tensor& take() { return params.at(next++); }
};

std::vector<Tensor> lstm_weights(ParamCursor& cur, std::int64_t layers) {
  std::vector<Tensor> w;
  for (std::int64_t i = 0; i < 4 * layers; ++i) w.push_back(cur.take());
  return w;
}

// x: N x input_size → the latent code (N x latent_size).
Tensor encode_tensor(const Impl& impl, const Tensor& x) {
  const ArchitectureConfig& c = impl.config;
  ParamCursor cur{impl.params};
  const std::int64_t n = x.size(0);
  switch (c.kind) {
    case ArchitectureKind::dense: {
      Tensor h = x;
      for (std::size_t i = 0; i < c.hidden.size(); ++i) {
        const Tensor& w = cur.take();
        const Tensor& b = cur.take();
        h = activate(torch::linear(h, w, b), c.activation);
      }
      return h;
    }
    case ArchitectureKind::conv1d: {
      const std::int64_t beat_values = c.channels * c.length;
      Tensor h = x.narrow(1, 0, beat_values).reshape({n, c.channels, c.length});
      const std::int64_t pad = (c.kernel_size - 1) / 2;
      for (std::size_t i = 0; i < c.conv_channels.size(); ++i) {
        const Tensor& w = cur.take();
        const Tensor& b = cur.take();
        h = activate(torch::conv1d(h, w, b, /*stride=*/2, /*padding=*/pad), c.activation);
      }
      h = h.reshape({n, -1});  // channel-major flatten
      if (c.n_extra > 0) h = torch::cat({h, x.narrow(1, beat_values, c.n_extra)}, 1);
      const Tensor& w = cur.take();
      const Tensor& b = cur.take();
      return activate(torch::linear(h, w, b), c.activation);
    }
    case ArchitectureKind::lstm: {
      // Row = channel blocks → (N, L, C) time-major steps.
      const Tensor steps = x.reshape({n, c.channels, c.length}).transpose(1, 2).contiguous();
      const std::vector<Tensor> weights = lstm_weights(cur, c.lstm_layers);
      const Tensor h0 = torch::zeros({c.lstm_layers, n, c.lstm_hidden}, x.options());
      auto out = torch::lstm(steps, {h0, h0}, weights, /*has_biases=*/true, c.lstm_layers,
                             /*dropout=*/0.0, /*train=*/false, /*bidirectional=*/false,
                             /*batch_first=*/true);
      const Tensor last_hidden = std::get<1>(out)[c.lstm_layers - 1];  // top layer, (N, hidden)
      const Tensor& w = cur.take();
      const Tensor& b = cur.take();
      return activate(torch::linear(last_hidden, w, b), c.activation);
    }
  }
  return x;
}

// Index of the first decoder parameter.
std::size_t decoder_offset(const Impl& impl) {
  const ArchitectureConfig& c = impl.config;
  switch (c.kind) {
    case ArchitectureKind::dense:
      return 2 * c.hidden.size();
    case ArchitectureKind::conv1d:
      return 2 * c.conv_channels.size() + 2;
    case ArchitectureKind::lstm:
      return static_cast<std::size_t>(4 * c.lstm_layers + 2);
  }
  return 0;
}

// z: N x latent → x̂: N x input_size.
Tensor decode_tensor(const Impl& impl, const Tensor& z) {
  const ArchitectureConfig& c = impl.config;
  ParamCursor cur{impl.params, decoder_offset(impl)};
  const std::int64_t n = z.size(0);
  switch (c.kind) {
    case ArchitectureKind::dense: {
      Tensor h = z;
      const std::size_t layers = c.hidden.size();
      for (std::size_t j = 0; j < layers; ++j) {
        const Tensor& w = cur.take();
        const Tensor& b = cur.take();
        h = activate(torch::linear(h, w, b), j + 1 == layers ? c.output_activation : c.activation);
      }
      return h;
    }
    case ArchitectureKind::conv1d: {
      const std::int64_t bottom = conv_bottom_length(c);
      const std::int64_t flat = c.conv_channels.back() * bottom;
      const Tensor& w = cur.take();
      const Tensor& b = cur.take();
      const Tensor d = torch::linear(z, w, b);
      Tensor h =
          activate(d.narrow(1, 0, flat), c.activation).reshape({n, c.conv_channels.back(), bottom});
      const std::int64_t pad = (c.kernel_size - 1) / 2;
      const std::size_t layers = c.conv_channels.size();
      for (std::size_t j = 0; j < layers; ++j) {
        const Tensor& dw = cur.take();
        const Tensor& db = cur.take();
        h = torch::conv_transpose1d(h, dw, db, /*stride=*/2, /*padding=*/pad,
                                    /*output_padding=*/1);
        h = activate(h, j + 1 == layers ? c.output_activation : c.activation);
      }
      h = h.reshape({n, c.channels * c.length});
      if (c.n_extra > 0) {
        h = torch::cat({h, activate(d.narrow(1, flat, c.n_extra), c.output_activation)}, 1);
      }
      return h;
    }
    case ArchitectureKind::lstm: {
      const Tensor repeated = z.unsqueeze(1).expand({n, c.length, c.latent}).contiguous();
      const std::vector<Tensor> weights = lstm_weights(cur, c.lstm_layers);
      const Tensor h0 = torch::zeros({c.lstm_layers, n, c.lstm_hidden}, z.options());
      auto out =
          torch::lstm(repeated, {h0, h0}, weights, true, c.lstm_layers, 0.0, false, false, true);
      const Tensor& w = cur.take();
      const Tensor& b = cur.take();
      const Tensor y = activate(torch::linear(std::get<0>(out), w, b), c.output_activation);
      return y.transpose(1, 2).reshape({n, c.channels * c.length});  // back to channel blocks
    }
  }
  return z;
}

Tensor forward(const Impl& impl, const Tensor& x) {
  return decode_tensor(impl, encode_tensor(impl, x));
}

Tensor loss_tensor(const Tensor& y, const Tensor& x, Loss loss) {
  return loss == Loss::mae ? torch::l1_loss(y, x) : torch::mse_loss(y, x);
}

// ------------------------------------------------------------------ inputs
// Rows as a contiguous row-major block: in place when they already are, else copied once.
const float* contiguous_rows(const BeatsRef& beats, BeatMatrix& storage) {
  if (beats.rows() <= 1 || beats.outerStride() == beats.cols()) return beats.data();
  storage = beats;
  return storage.data();
}

void check_beats(const BeatsRef& beats, std::int64_t width, const char* what) {
  if (beats.cols() != width) {
    throw InvalidArgument(std::string(what) + " must be an N x " + std::to_string(width) +
                          " matrix (input_size = " + std::to_string(width) +
                          " values per row), got " + std::to_string(beats.rows()) + " x " +
                          std::to_string(beats.cols()));
  }
  if (beats.rows() < 1) {
    throw InvalidArgument(std::string(what) + " must have at least 1 row, got 0");
  }
  ecgad::detail::require_finite(beats, what);
}

Tensor rows_tensor(const float* rows, std::int64_t n, std::int64_t width) {
  // from_blob needs a mutable pointer; the tensor is only ever read.
  return torch::from_blob(const_cast<float*>(rows), {n, width}, torch::kFloat32);
}

// Calls fn(first_row, x_chunk_tensor) for chunks of rows, without autograd.
template <typename F>
void for_each_chunk(const BeatsRef& beats, std::int64_t width, F&& fn) {
  BeatMatrix storage;
  const float* rows = contiguous_rows(beats, storage);
  torch::NoGradGuard no_grad;
  for (std::int64_t start = 0; start < beats.rows(); start += kScoreChunkRows) {
    const std::int64_t n = std::min(kScoreChunkRows, beats.rows() - start);
    fn(start, rows + start * width, rows_tensor(rows + start * width, n, width));
  }
}

void copy_rows(const Tensor& t, BeatMatrix& out, std::int64_t start) {
  const Tensor c = t.contiguous();
  std::memcpy(out.data() + start * out.cols(), c.data_ptr<float>(),
              static_cast<std::size_t>(c.numel()) * sizeof(float));
}

// ------------------------------------------------------------------ engines
std::vector<detail::ParameterSpan> parameter_spans(const Impl& impl) {
  std::vector<detail::ParameterSpan> spans;
  for (std::size_t i = 0; i < impl.params.size(); ++i) {
    const Tensor& p = impl.params[i];
    detail::ParameterSpan s;
    s.name = impl.names[i];
    s.shape = p.sizes().vec();
    s.value = p.data_ptr<float>();
    s.size = static_cast<std::size_t>(p.numel());
    spans.push_back(std::move(s));
  }
  return spans;
}

class TorchEngine final : public detail::Engine {
 public:
  TorchEngine(const Impl& impl, Loss loss, std::int64_t max_rows)
      : impl_(impl), loss_(loss), max_rows_(max_rows), spans_(parameter_spans(impl)) {
    std::size_t total = 0;
    for (const auto& s : spans_) total += s.size;
    gradients_.assign(total, 0.0f);
    std::size_t offset = 0;
    for (auto& s : spans_) {
      s.grad = gradients_.data() + offset;
      offset += s.size;
    }
  }

  const char* name() const override { return "libtorch"; }

  double loss_and_gradients(const float* rows, std::int64_t n) override {
    const Tensor x = rows_tensor(rows, n, impl_.width());
    const Tensor loss = loss_tensor(forward(impl_, x), x, loss_);
    // autograd::grad returns the gradients instead of accumulating into .grad: nothing to zero.
    const std::vector<Tensor> grads = torch::autograd::grad({loss}, impl_.params);
    for (std::size_t i = 0; i < grads.size(); ++i) {
      const Tensor g = grads[i].contiguous();
      std::memcpy(spans_[i].grad, g.data_ptr<float>(), spans_[i].size * sizeof(float));
    }
    return loss.item<double>();
  }

  double loss_sum(const float* rows, std::int64_t n) override {
    torch::NoGradGuard no_grad;
    double sum = 0.0;
    for (std::int64_t start = 0; start < n; start += max_rows_) {
      const std::int64_t count = std::min(max_rows_, n - start);
      const Tensor x = rows_tensor(rows + start * impl_.width(), count, impl_.width());
      const Tensor d = forward(impl_, x) - x;
      const Tensor per_value = loss_ == Loss::mae ? d.abs() : d * d;
      sum += per_value.sum(torch::kFloat64).item<double>();
    }
    return sum;
  }

  const std::vector<detail::ParameterSpan>& parameters() const override { return spans_; }

 private:
  const Impl& impl_;
  Loss loss_;
  std::int64_t max_rows_;
  std::vector<detail::ParameterSpan> spans_;
  std::vector<float> gradients_;
};

std::unique_ptr<detail::Engine> make_engine(const Impl& impl, TrainingEngine choice, Loss loss,
                                            std::int64_t max_rows) {
  if (choice == TrainingEngine::automatic) {
    choice = impl.config.kind == ArchitectureKind::dense ? TrainingEngine::fused_dense
                                                         : TrainingEngine::libtorch;
  }
  if (choice == TrainingEngine::fused_dense) {
    return std::make_unique<detail::FusedDenseEngine>(impl.config, loss, parameter_spans(impl),
                                                      max_rows);
  }
  return std::make_unique<TorchEngine>(impl, loss, max_rows);
}

// LibTorch's process-wide settings for the duration of a fit: deterministic algorithms on and,
// when asked, a fixed intra-op thread count. Nested/concurrent fits share one saved state.
class TorchSettingsGuard {
 public:
  explicit TorchSettingsGuard(int threads) {
    const std::lock_guard<std::mutex> lock(mutex());
    if (active()++ == 0) {
      saved_deterministic() = at::globalContext().deterministicAlgorithms();
      saved_warn_only() = at::globalContext().deterministicAlgorithmsWarnOnly();
      at::globalContext().setDeterministicAlgorithms(true, false);
    }
    if (threads > 0) {
      saved_threads_ = at::get_num_threads();
      at::set_num_threads(threads);
    }
  }
  ~TorchSettingsGuard() {
    const std::lock_guard<std::mutex> lock(mutex());
    if (saved_threads_ > 0) at::set_num_threads(saved_threads_);
    if (--active() == 0) {
      at::globalContext().setDeterministicAlgorithms(saved_deterministic(), saved_warn_only());
    }
  }
  TorchSettingsGuard(const TorchSettingsGuard&) = delete;
  TorchSettingsGuard& operator=(const TorchSettingsGuard&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& active() {
    static int n = 0;
    return n;
  }
  static bool& saved_deterministic() {
    static bool v = false;
    return v;
  }
  static bool& saved_warn_only() {
    static bool v = false;
    return v;
  }
  int saved_threads_ = 0;
};

std::unique_ptr<Impl> make_impl(const ArchitectureConfig& config, std::uint64_t seed) {
  config.validate();
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->seed = seed;
  build_parameters(*impl);
  return impl;
}

std::unique_ptr<Impl> clone_impl(const Impl& other) {
  auto impl = std::make_unique<Impl>();
  impl->config = other.config;
  impl->seed = other.seed;
  impl->names = other.names;
  impl->summary = other.summary;
  torch::NoGradGuard no_grad;
  for (const Tensor& p : other.params) {
    impl->params.push_back(p.detach().clone().set_requires_grad(true));
  }
  return impl;
}

// Validates every tensor first, then copies: all or nothing.
void load_tensors(Impl& impl, const runtime::TensorMap& tensors) {
  for (std::size_t i = 0; i < impl.names.size(); ++i) {
    const std::string& name = impl.names[i];
    const auto it = tensors.find(name);
    if (it == tensors.end()) {
      throw InvalidArgument("state dict for the " + std::string(to_string(impl.config.kind)) +
                            " architecture lacks tensor '" + name + "'");
    }
    const std::vector<std::int64_t> expected = impl.params[i].sizes().vec();
    if (it->second.shape != expected) {
      throw InvalidArgument("tensor '" + name + "' has shape " + it->second.shape_string() +
                            ", expected " + runtime::Tensor::shape_string(expected));
    }
    if (it->second.values.size() != runtime::Tensor::element_count(expected)) {
      throw InvalidArgument("tensor '" + name + "' holds " +
                            std::to_string(it->second.values.size()) + " values, expected " +
                            std::to_string(runtime::Tensor::element_count(expected)));
    }
    for (std::size_t k = 0; k < it->second.values.size(); ++k) {
      if (!std::isfinite(it->second.values[k])) {
        throw InvalidArgument("tensor '" + name + "' must be finite, but value " +
                              std::to_string(k) + " is " +
                              ecgad::detail::format_number(it->second.values[k]));
      }
    }
  }
  if (tensors.size() != impl.names.size()) {
    for (const auto& [name, tensor] : tensors) {
      if (std::find(impl.names.begin(), impl.names.end(), name) == impl.names.end()) {
        throw InvalidArgument("state dict has tensor '" + name + "', which the " +
                              std::string(to_string(impl.config.kind)) +
                              " architecture does not have");
      }
    }
  }
  for (std::size_t i = 0; i < impl.names.size(); ++i) {
    const runtime::Tensor& t = tensors.at(impl.names[i]);
    std::memcpy(impl.params[i].data_ptr<float>(), t.values.data(), t.values.size() * sizeof(float));
  }
}

TrainingSummary train(Impl& impl, const BeatsRef& train, const BeatsRef* validation,
                      const TrainConfig& config, const TrainingHooks& hooks,
                      detail::TrainingState* resume) {
  config.validate();
  const std::int64_t width = impl.width();
  check_beats(train, width, "training beats");
  if (validation != nullptr) check_beats(*validation, width, "validation beats");
  BeatMatrix train_storage, validation_storage;
  detail::TrainingData data;
  data.train = contiguous_rows(train, train_storage);
  data.n_train = train.rows();
  data.width = width;
  if (validation != nullptr) {
    data.validation = contiguous_rows(*validation, validation_storage);
    data.n_validation = validation->rows();
  }
  const std::int64_t max_rows = std::min<std::int64_t>(config.batch_size, data.n_train);
  const TorchSettingsGuard settings(config.threads);
  std::unique_ptr<detail::Engine> engine = make_engine(impl, config.engine, config.loss, max_rows);
  detail::ModelIdentity identity{impl.config.to_json(), impl.seed};
  if (resume != nullptr) {
    const std::vector<detail::ParameterSpan>& spans = engine->parameters();
    if (resume->adam.exp_avg.size() != spans.size()) {
      throw FormatError("checkpoint: optimiser state for " +
                        std::to_string(resume->adam.exp_avg.size()) + " tensors, the model has " +
                        std::to_string(spans.size()));
    }
  }
  TrainingSummary summary =
      detail::run_training(*engine, config, data, identity, hooks.on_epoch, hooks.cancel, resume);
  impl.summary = summary;
  return summary;
}

}  // namespace

Autoencoder::Autoencoder() : Autoencoder(ArchitectureConfig::dense(), 0) {}

Autoencoder::Autoencoder(const ArchitectureConfig& config, std::uint64_t seed)
    : impl_(make_impl(config, seed)) {}

Autoencoder::~Autoencoder() = default;
Autoencoder::Autoencoder(const Autoencoder& other) : impl_(clone_impl(*other.impl_)) {}
Autoencoder& Autoencoder::operator=(const Autoencoder& other) {
  if (this != &other) impl_ = clone_impl(*other.impl_);
  return *this;
}
Autoencoder::Autoencoder(Autoencoder&& other) noexcept = default;
Autoencoder& Autoencoder::operator=(Autoencoder&& other) noexcept = default;

const ArchitectureConfig& Autoencoder::config() const { return impl_->config; }
std::int64_t Autoencoder::input_size() const { return impl_->config.input_size(); }
std::int64_t Autoencoder::latent_size() const { return impl_->config.latent_size(); }
std::uint64_t Autoencoder::seed() const { return impl_->seed; }

std::int64_t Autoencoder::parameter_count() const {
  std::int64_t n = 0;
  for (const Tensor& p : impl_->params) n += p.numel();
  return n;
}

TrainingSummary Autoencoder::fit(const BeatsRef& train_beats, const TrainConfig& config,
                                 const TrainingHooks& hooks) {
  return train(*impl_, train_beats, nullptr, config, hooks, nullptr);
}

TrainingSummary Autoencoder::fit(const BeatsRef& train_beats, const BeatsRef& validation,
                                 const TrainConfig& config, const TrainingHooks& hooks) {
  return train(*impl_, train_beats, &validation, config, hooks, nullptr);
}

namespace {

TrainingSummary resume_from(std::unique_ptr<Impl>& target, const std::string& path,
                            const BeatsRef& train_beats, const BeatsRef* validation,
                            const TrainingHooks& hooks) {
  detail::Checkpoint cp = detail::read_checkpoint(path);
  if (cp.explicit_validation != (validation != nullptr)) {
    throw InvalidArgument(cp.explicit_validation
                              ? "resume: checkpoint '" + path +
                                    "' was written by a fit() with an explicit validation set; "
                                    "pass the same validation beats"
                              : "resume: checkpoint '" + path +
                                    "' was written by a fit() without an explicit validation "
                                    "set; pass none");
  }
  std::unique_ptr<Impl> impl;
  try {
    impl = make_impl(ArchitectureConfig::from_json(cp.identity.architecture), cp.identity.seed);
    load_tensors(*impl, cp.parameters);
  } catch (const InvalidArgument& e) {
    throw FormatError("checkpoint '" + path + "' holds an invalid model: " + e.what());
  }
  detail::attach_buffers(cp, parameter_spans(*impl), path);
  TrainingSummary summary = train(*impl, train_beats, validation, cp.config, hooks, &cp.state);
  target = std::move(impl);  // only a successful resume replaces the model
  return summary;
}

}  // namespace

TrainingSummary Autoencoder::resume(const std::string& checkpoint_path, const BeatsRef& train_beats,
                                    const TrainingHooks& hooks) {
  return resume_from(impl_, checkpoint_path, train_beats, nullptr, hooks);
}

TrainingSummary Autoencoder::resume(const std::string& checkpoint_path, const BeatsRef& train_beats,
                                    const BeatsRef& validation, const TrainingHooks& hooks) {
  return resume_from(impl_, checkpoint_path, train_beats, &validation, hooks);
}

const std::optional<TrainingSummary>& Autoencoder::training_summary() const {
  return impl_->summary;
}

void Autoencoder::set_training_summary(std::optional<TrainingSummary> summary) {
  impl_->summary = std::move(summary);
}

BeatMatrix Autoencoder::reconstruct(const BeatsRef& beats) const {
  const std::int64_t width = impl_->width();
  check_beats(beats, width, "beats");
  BeatMatrix out(beats.rows(), width);
  for_each_chunk(beats, width, [&](std::int64_t start, const float*, const Tensor& x) {
    copy_rows(forward(*impl_, x), out, start);
  });
  return out;
}

BeatErrors Autoencoder::score(const BeatsRef& beats) const {
  const std::int64_t width = impl_->width();
  check_beats(beats, width, "beats");
  BeatErrors e;
  e.mae.resize(beats.rows());
  e.mse.resize(beats.rows());
  e.max.resize(beats.rows());
  for_each_chunk(beats, width, [&](std::int64_t start, const float* rows, const Tensor& x) {
    const Tensor y = forward(*impl_, x).contiguous();
    const float* yv = y.data_ptr<float>();
    for (std::int64_t r = 0; r < x.size(0); ++r) {
      double abs_sum = 0.0, sq_sum = 0.0;
      float worst = 0.0f;
      for (std::int64_t c = 0; c < width; ++c) {
        const float d = std::fabs(rows[r * width + c] - yv[r * width + c]);
        abs_sum += static_cast<double>(d);
        sq_sum += static_cast<double>(d) * static_cast<double>(d);
        worst = std::max(worst, d);
      }
      e.mae[start + r] = abs_sum / static_cast<double>(width);
      e.mse[start + r] = sq_sum / static_cast<double>(width);
      e.max[start + r] = static_cast<double>(worst);
    }
  });
  return e;
}

BeatMatrix Autoencoder::error_profile(const BeatsRef& beats) const {
  const std::int64_t width = impl_->width();
  check_beats(beats, width, "beats");
  BeatMatrix out(beats.rows(), width);
  for_each_chunk(beats, width, [&](std::int64_t start, const float* rows, const Tensor& x) {
    const Tensor y = forward(*impl_, x).contiguous();
    const float* yv = y.data_ptr<float>();
    float* o = out.data() + start * width;
    for (std::int64_t i = 0; i < x.numel(); ++i) o[i] = std::fabs(rows[i] - yv[i]);
  });
  return out;
}

BeatMatrix Autoencoder::encode(const BeatsRef& beats) const {
  const std::int64_t width = impl_->width();
  check_beats(beats, width, "beats");
  BeatMatrix out(beats.rows(), latent_size());
  for_each_chunk(beats, width, [&](std::int64_t start, const float*, const Tensor& x) {
    copy_rows(encode_tensor(*impl_, x), out, start);
  });
  return out;
}

runtime::TensorMap Autoencoder::state_dict() const {
  runtime::TensorMap map;
  for (std::size_t i = 0; i < impl_->params.size(); ++i) {
    const Tensor& p = impl_->params[i];
    const float* v = p.data_ptr<float>();
    map.emplace(impl_->names[i],
                runtime::Tensor(p.sizes().vec(), std::vector<float>(v, v + p.numel())));
  }
  return map;
}

void Autoencoder::load_state_dict(const runtime::TensorMap& tensors) {
  load_tensors(*impl_, tensors);
}

runtime::TensorMap Autoencoder::loss_gradients(const BeatsRef& beats, Loss loss,
                                               TrainingEngine engine) const {
  const std::int64_t width = impl_->width();
  check_beats(beats, width, "beats");
  BeatMatrix storage;
  const float* rows = contiguous_rows(beats, storage);
  const std::int64_t n = beats.rows();
  runtime::TensorMap out;
  if (engine == TrainingEngine::fused_dense ||
      (engine == TrainingEngine::automatic && impl_->config.kind == ArchitectureKind::dense)) {
    // A private engine per call: it reads the shared weights and writes only its own buffers.
    detail::FusedDenseEngine fused(impl_->config, loss, parameter_spans(*impl_), n);
    fused.loss_and_gradients(rows, n);
    for (const auto& s : fused.parameters()) {
      out.emplace(s.name, runtime::Tensor(s.shape, std::vector<float>(s.grad, s.grad + s.size)));
    }
    return out;
  }
  const Tensor x = rows_tensor(rows, n, width);
  const Tensor l = loss_tensor(forward(*impl_, x), x, loss);
  const std::vector<Tensor> grads = torch::autograd::grad({l}, impl_->params);
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const Tensor g = grads[i].contiguous();
    const float* v = g.data_ptr<float>();
    out.emplace(impl_->names[i],
                runtime::Tensor(g.sizes().vec(), std::vector<float>(v, v + g.numel())));
  }
  return out;
}

}  // namespace ecgad::model
