// Python face of the LibTorch backend (model/backend.hpp) and the autoencoders
// (model/autoencoder.hpp). Beats cross as float32 N x input_size C-contiguous arrays (read in
// place); configs, summaries and epoch reports cross as JSON text / dicts, which
// python/ecgad/model.py turns into keyword arguments and attributes.
//
// The GIL is released while training and scoring. The epoch callback re-acquires it; a Python
// exception raised there (or a pending KeyboardInterrupt) cancels the training cleanly and is
// re-raised once fit() has returned. A per-object reader/writer lock turns a call that would
// race a running fit() (scoring or a second fit from another thread) into a clear StateError.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "ecgad/artifact/bundle.hpp"
#include "ecgad/error.hpp"
#include "ecgad/model/autoencoder.hpp"
#include "ecgad/model/backend.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using model::Autoencoder;
using model::BeatsRef;
using nlohmann::json;

struct PyAutoencoder {
  explicit PyAutoencoder(Autoencoder m) : model(std::move(m)) {}
  Autoencoder model;
  std::atomic<bool> cancel{false};
  std::shared_mutex busy;
};

// Exclusive (training, loading weights) or shared (scoring) use of a model, refused instead of
// waited for: waiting on a fit() that runs for minutes would look like a hang.
std::unique_lock<std::shared_mutex> exclusive(PyAutoencoder& m, const char* what) {
  std::unique_lock<std::shared_mutex> lock(m.busy, std::try_to_lock);
  if (!lock.owns_lock()) {
    throw StateError(std::string("cannot ") + what +
                     ": this Autoencoder is being trained or used in another thread");
  }
  return lock;
}

std::shared_lock<std::shared_mutex> shared(PyAutoencoder& m, const char* what) {
  std::shared_lock<std::shared_mutex> lock(m.busy, std::try_to_lock);
  if (!lock.owns_lock()) {
    throw StateError(std::string("cannot ") + what +
                     ": this Autoencoder is being trained in another thread");
  }
  return lock;
}

json parse_json(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  }
}


// Runs `train` (a fit or resume call) without the GIL, forwarding epoch reports to `callback`.
// The callback may return False to stop training; an exception in it stops training too and is
// re-raised here after the model is back in a consistent state.
template <typename Train>
std::string run_training(PyAutoencoder& self, const py::object& callback, Train&& train) {
  auto lock = exclusive(self, "train");
  self.cancel = false;
  std::optional<py::error_already_set> error;
  model::TrainingHooks hooks;
  hooks.cancel = &self.cancel;
  hooks.on_epoch = [&](const model::EpochReport& report) {
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!callback.is_none()) {
        const py::object verdict = callback(epoch_report_dict(report));
        if (py::isinstance<py::bool_>(verdict) && !verdict.cast<bool>()) self.cancel = true;
      }
    } catch (py::error_already_set& e) {
      error.emplace(std::move(e));
      self.cancel = true;
    }
  };
  model::TrainingSummary summary;
  {
    py::gil_scoped_release release;
    summary = train(hooks);
  }
  if (error) throw std::move(*error);
  return summary.to_json().dump();
}

py::dict state_dict_to_python(const runtime::TensorMap& tensors) {
  py::dict d;
  for (const auto& [name, t] : tensors) {
    std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
    py::array_t<float> a(shape);
    std::memcpy(a.mutable_data(), t.values.data(), t.values.size() * sizeof(float));
    d[py::str(name)] = std::move(a);
  }
  return d;
}

runtime::TensorMap state_dict_from_python(const py::dict& d) {
  runtime::TensorMap tensors;
  for (const auto& item : d) {
    const auto name = item.first.cast<std::string>();
    const auto a =
        py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(item.second);
    if (!a) throw InvalidArgument("state dict entry '" + name + "' is not a numeric array");
    std::vector<std::int64_t> shape(a.shape(), a.shape() + a.ndim());
    tensors.emplace(
        name, runtime::Tensor(std::move(shape), std::vector<float>(a.data(), a.data() + a.size())));
  }
  return tensors;
}

}  // namespace

void bind_model(py::module_& m) {
  m.def(
      "backend_info",
      [] {
        const auto info = model::backend_info();
        py::dict d;
        d["torch_version"] = info.torch_version;
        d["intra_op_threads"] = info.intra_op_threads;
        d["inter_op_threads"] = info.inter_op_threads;
        d["cuda_available"] = info.cuda_available;
        d["parallel_info"] = info.parallel_info;
        return d;
      },
      "LibTorch version, thread counts and parallel backend compiled into ecgad.");
  m.def("set_num_threads", &model::set_num_threads, py::arg("n"),
        "Set LibTorch's intra-op thread count (n >= 1).");
  m.def("torch_self_check", &model::torch_self_check,
        "Compute sum([[1,2],[3,4]] @ [[1,2],[3,4]]) = 54 through LibTorch.");

  m.def(
      "architecture_preset",
      [](const std::string& name) {
        return model::ArchitectureConfig::preset(name).to_json().dump();
      },
      py::arg("name"), "The contract's config of an architecture, as JSON text.");
  m.def(
      "normalize_architecture",
      [](const std::string& config_json) {
        return model::ArchitectureConfig::from_json(parse_json(config_json, "architecture"))
            .to_json()
            .dump();
      },
      py::arg("config_json"), "Validate an architecture config and fill in its preset values.");
  m.def(
      "normalize_train_config",
      [](const std::string& config_json) {
        return model::TrainConfig::from_json(parse_json(config_json, "train config"))
            .to_json()
            .dump();
      },
      py::arg("config_json"), "Validate a training config and fill in its defaults.");

  py::class_<PyAutoencoder>(m, "Autoencoder")
      .def(py::init([](const std::string& config_json, std::uint64_t seed) {
             return std::make_unique<PyAutoencoder>(Autoencoder(
                 model::ArchitectureConfig::from_json(parse_json(config_json, "architecture")),
                 seed));
           }),
           py::arg("config_json"), py::arg("seed") = 0)
      .def_property_readonly("config_json",
                             [](PyAutoencoder& s) { return s.model.config().to_json().dump(); })
      .def_property_readonly("input_size", [](PyAutoencoder& s) { return s.model.input_size(); })
      .def_property_readonly("latent_size", [](PyAutoencoder& s) { return s.model.latent_size(); })
      .def_property_readonly("parameter_count",
                             [](PyAutoencoder& s) { return s.model.parameter_count(); })
      .def_property_readonly("seed", [](PyAutoencoder& s) { return s.model.seed(); })
      .def_property_readonly("summary_json",
                             [](PyAutoencoder& s) -> py::object {
                               const auto& summary = s.model.training_summary();
                               if (!summary) return py::none();
                               return py::str(summary->to_json().dump());
                             })
      .def(
          "fit",
          [](PyAutoencoder& self, const BeatsRef& train, std::optional<BeatsRef> validation,
             const std::string& config_json, const py::object& callback) {
            const auto config =
                model::TrainConfig::from_json(parse_json(config_json, "train config"));
            return run_training(self, callback, [&](const model::TrainingHooks& hooks) {
              return validation ? self.model.fit(train, *validation, config, hooks)
                                : self.model.fit(train, config, hooks);
            });
          },
          py::arg("train"), py::arg("validation"), py::arg("config_json"),
          py::arg("callback") = py::none(), "Train; returns the training summary as JSON text.")
      .def(
          "resume",
          [](PyAutoencoder& self, const std::string& path, const BeatsRef& train,
             std::optional<BeatsRef> validation, const py::object& callback) {
            return run_training(self, callback, [&](const model::TrainingHooks& hooks) {
              return validation ? self.model.resume(path, train, *validation, hooks)
                                : self.model.resume(path, train, hooks);
            });
          },
          py::arg("checkpoint"), py::arg("train"), py::arg("validation") = py::none(),
          py::arg("callback") = py::none())
      .def(
          "cancel", [](PyAutoencoder& self) { self.cancel = true; },
          "Ask a running fit() to stop before its next batch (any thread).")
      .def(
          "reconstruct",
          [](PyAutoencoder& self, const BeatsRef& beats) {
            auto lock = shared(self, "reconstruct");
            py::gil_scoped_release release;
            return self.model.reconstruct(beats);
          },
          py::arg("beats"))
      .def(
          "score",
          [](PyAutoencoder& self, const BeatsRef& beats) {
            model::BeatErrors e;
            {
              auto lock = shared(self, "score");
              py::gil_scoped_release release;
              e = self.model.score(beats);
            }
            py::dict d;
            d["mae"] = py::cast(std::move(e.mae));
            d["mse"] = py::cast(std::move(e.mse));
            d["max"] = py::cast(std::move(e.max));
            return d;
          },
          py::arg("beats"))
      .def(
          "error_profile",
          [](PyAutoencoder& self, const BeatsRef& beats) {
            auto lock = shared(self, "compute error profiles");
            py::gil_scoped_release release;
            return self.model.error_profile(beats);
          },
          py::arg("beats"))
      .def(
          "encode",
          [](PyAutoencoder& self, const BeatsRef& beats) {
            auto lock = shared(self, "encode");
            py::gil_scoped_release release;
            return self.model.encode(beats);
          },
          py::arg("beats"))
      .def("state_dict",
           [](PyAutoencoder& self) {
             auto lock = shared(self, "read the weights");
             return state_dict_to_python(self.model.state_dict());
           })
      .def(
          "load_state_dict",
          [](PyAutoencoder& self, const py::dict& d) {
            const runtime::TensorMap tensors = state_dict_from_python(d);
            auto lock = exclusive(self, "load weights");
            self.model.load_state_dict(tensors);
          },
          py::arg("state_dict"))
      .def(
          "loss_gradients",
          [](PyAutoencoder& self, const BeatsRef& beats, const std::string& loss,
             const std::string& engine) {
            runtime::TensorMap grads;
            {
              auto lock = shared(self, "compute gradients");
              py::gil_scoped_release release;
              grads = self.model.loss_gradients(beats, model::parse_loss(loss),
                                                model::parse_engine(engine));
            }
            return state_dict_to_python(grads);
          },
          py::arg("beats"), py::arg("loss") = "mae", py::arg("engine") = "libtorch")
      .def(
          "save",
          [](PyAutoencoder& self, const std::string& path, const std::string& preprocessing,
             const std::string& calibration, const std::string& drift_reference) {
            auto lock = shared(self, "save");
            self.model.save(path, parse_json(preprocessing, "preprocessing"),
                            parse_json(calibration, "calibration"),
                            parse_json(drift_reference, "drift_reference"));
          },
          py::arg("path"), py::arg("preprocessing_json") = "null",
          py::arg("calibration_json") = "null", py::arg("drift_reference_json") = "null")
      .def_static(
          "load",
          [](const std::string& path) {
            return std::make_unique<PyAutoencoder>(Autoencoder::load(path));
          },
          py::arg("path"))
      .def("to_bytes",
           [](PyAutoencoder& self) {
             auto lock = shared(self, "serialise");
             return py::bytes(artifact::bundle_to_bytes(self.model.to_bundle()));
           })
      .def_static(
          "from_bytes",
          [](const py::bytes& data) {
            const std::string bytes = data;
            return std::make_unique<PyAutoencoder>(
                Autoencoder::from_bundle(artifact::bundle_from_bytes(bytes)));
          },
          py::arg("data"));
}

py::dict epoch_report_dict(const model::EpochReport& r) {
  py::dict d;
  d["epoch"] = r.epoch;
  d["epochs"] = r.epochs;
  d["loss"] = r.train_loss;
  d["val_loss"] =
      std::isnan(r.val_loss) ? py::object(py::none()) : py::object(py::float_(r.val_loss));
  d["lr"] = r.learning_rate;
  d["seconds"] = r.seconds;
  d["improved"] = r.improved;
  return d;
}

}  // namespace ecgad::bindings
