// Python face of the Welch PSD (signal/welch.hpp), signal quality (signal/quality.hpp) and nst
// noise mixing (signal/noise.hpp). Per-window results cross as dicts of numpy columns (grade as
// int8 codes 0 good, 1 acceptable, 2 unusable); python/ecgad/_quality.py wraps them.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/signal/noise.hpp"
#include "ecgad/signal/quality.hpp"
#include "ecgad/signal/welch.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using signal::IndexVector;
using signal::WindowQuality;
using VectorRef = Eigen::Ref<const Eigen::VectorXd>;
using IndexRef = Eigen::Ref<const IndexVector>;

template <typename T, typename Get>
py::array_t<T> column(const std::vector<WindowQuality>& q, Get get) {
  py::array_t<T> a(static_cast<py::ssize_t>(q.size()));
  auto view = a.template mutable_unchecked<1>();
  for (std::size_t i = 0; i < q.size(); ++i) view(static_cast<py::ssize_t>(i)) = get(q[i]);
  return a;
}

py::dict quality_columns(const std::vector<WindowQuality>& q) {
  py::dict d;
  d["start_sample"] = column<std::int64_t>(q, [](const WindowQuality& w) {
    return w.start_sample;
  });
  d["n_samples"] = column<std::int64_t>(q, [](const WindowQuality& w) { return w.n_samples; });
  d["flatline_fraction"] = column<double>(q, [](const WindowQuality& w) {
    return w.flatline_fraction;
  });
  d["saturation_fraction"] = column<double>(q, [](const WindowQuality& w) {
    return w.saturation_fraction;
  });
  d["lead_off"] = column<bool>(q, [](const WindowQuality& w) { return w.lead_off; });
  d["std_mv"] = column<double>(q, [](const WindowQuality& w) { return w.std_mv; });
  d["hf_noise_share"] = column<double>(q, [](const WindowQuality& w) {
    return w.hf_noise_share;
  });
  d["baseline_share"] = column<double>(q, [](const WindowQuality& w) {
    return w.baseline_share;
  });
  d["ksqi"] = column<double>(q, [](const WindowQuality& w) { return w.ksqi; });
  d["psqi"] = column<double>(q, [](const WindowQuality& w) { return w.psqi; });
  d["bassqi"] = column<double>(q, [](const WindowQuality& w) { return w.bassqi; });
  d["score"] = column<double>(q, [](const WindowQuality& w) { return w.score; });
  d["grade"] = column<std::int8_t>(q, [](const WindowQuality& w) {
    return static_cast<std::int8_t>(w.grade);
  });
  return d;
}

}  // namespace

void bind_quality(py::module_& m) {
  m.def(
      "welch",
      [](const VectorRef& x, double fs_hz, Eigen::Index nperseg,
         std::optional<Eigen::Index> noverlap) {
        signal::Psd p;
        {
          py::gil_scoped_release release;
          p = signal::welch(x, fs_hz, nperseg, noverlap);
        }
        return py::make_tuple(std::move(p.freqs_hz), std::move(p.psd));
      },
      py::arg("x"), py::arg("fs_hz"), py::arg("nperseg"), py::arg("noverlap") = py::none());
  m.def(
      "band_power",
      [](const VectorRef& freqs_hz, const VectorRef& psd, double low_hz, double high_hz) {
        signal::Psd p;
        p.freqs_hz = freqs_hz;
        p.psd = psd;
        return signal::band_power(p, low_hz, high_hz);
      },
      py::arg("freqs_hz"), py::arg("psd"), py::arg("low_hz"), py::arg("high_hz"));

  py::class_<signal::QualityThresholds>(m, "QualityThresholds")
      .def(py::init<>())
      .def_readwrite("ksqi_bad", &signal::QualityThresholds::ksqi_bad)
      .def_readwrite("ksqi_good", &signal::QualityThresholds::ksqi_good)
      .def_readwrite("psqi_bad", &signal::QualityThresholds::psqi_bad)
      .def_readwrite("psqi_good", &signal::QualityThresholds::psqi_good)
      .def_readwrite("bassqi_bad", &signal::QualityThresholds::bassqi_bad)
      .def_readwrite("bassqi_good", &signal::QualityThresholds::bassqi_good)
      .def_readwrite("hf_share_good", &signal::QualityThresholds::hf_share_good)
      .def_readwrite("hf_share_bad", &signal::QualityThresholds::hf_share_bad)
      .def_readwrite("flatline_good", &signal::QualityThresholds::flatline_good)
      .def_readwrite("flatline_bad", &signal::QualityThresholds::flatline_bad)
      .def_readwrite("saturation_good", &signal::QualityThresholds::saturation_good)
      .def_readwrite("saturation_bad", &signal::QualityThresholds::saturation_bad)
      .def_readwrite("good_score", &signal::QualityThresholds::good_score)
      .def_readwrite("acceptable_score", &signal::QualityThresholds::acceptable_score);

  py::class_<signal::QualityConfig>(m, "QualityConfig")
      .def(py::init<>())
      .def_readwrite("window_s", &signal::QualityConfig::window_s)
      .def_readwrite("hop_s", &signal::QualityConfig::hop_s)
      .def_readwrite("psd_segment_s", &signal::QualityConfig::psd_segment_s)
      .def_readwrite("flat_range_mv", &signal::QualityConfig::flat_range_mv)
      .def_readwrite("flat_min_s", &signal::QualityConfig::flat_min_s)
      .def_readwrite("adc_min_mv", &signal::QualityConfig::adc_min_mv)
      .def_readwrite("adc_max_mv", &signal::QualityConfig::adc_max_mv)
      .def_readwrite("clip_tolerance_mv", &signal::QualityConfig::clip_tolerance_mv)
      .def_readwrite("clip_min_s", &signal::QualityConfig::clip_min_s)
      .def_readwrite("lead_off_std_mv", &signal::QualityConfig::lead_off_std_mv)
      .def_readwrite("lead_off_saturation", &signal::QualityConfig::lead_off_saturation)
      .def_readwrite("thresholds", &signal::QualityConfig::thresholds);

  m.def(
      "signal_quality",
      [](const VectorRef& x, double fs_hz, const signal::QualityConfig& config) {
        std::vector<WindowQuality> q;
        {
          py::gil_scoped_release release;
          q = signal::signal_quality(x, fs_hz, config);
        }
        return quality_columns(q);
      },
      py::arg("x"), py::arg("fs_hz"), py::arg("config"));
  m.def(
      "window_quality",
      [](const VectorRef& x, double fs_hz, const signal::QualityConfig& config) {
        return quality_columns({signal::window_quality(x, fs_hz, config)});
      },
      py::arg("x"), py::arg("fs_hz"), py::arg("config"));

  py::class_<signal::QualityAssessor>(m, "QualityAssessor")
      .def(py::init<double, const signal::QualityConfig&>(), py::arg("fs_hz"), py::arg("config"))
      .def(
          "process",
          [](signal::QualityAssessor& a, const VectorRef& chunk) {
            return quality_columns(a.process(chunk));
          },
          py::arg("chunk"))
      .def("reset", &signal::QualityAssessor::reset)
      .def_property_readonly("fs_hz", &signal::QualityAssessor::fs_hz)
      .def_property_readonly("samples_seen", &signal::QualityAssessor::samples_seen)
      .def_property_readonly("window_samples", &signal::QualityAssessor::window_samples)
      .def_property_readonly("hop_samples", &signal::QualityAssessor::hop_samples);

  m.def(
      "add_noise_at_snr",
      [](const VectorRef& clean, const VectorRef& noise, double fs_hz, const IndexRef& beats,
         double snr_db, Eigen::Index noise_offset_samples) {
        signal::NoiseMixConfig c;
        c.noise_offset_samples = noise_offset_samples;
        signal::NoiseMix mix;
        {
          py::gil_scoped_release release;
          mix = signal::add_noise_at_snr(clean, noise, fs_hz, beats, snr_db, c);
        }
        py::dict d;
        d["noisy"] = py::cast(std::move(mix.noisy));
        d["gain"] = mix.gain;
        d["signal_amplitude"] = mix.signal_amplitude;
        d["noise_amplitude"] = mix.noise_amplitude;
        d["snr_db"] = mix.snr_db;
        return d;
      },
      py::arg("clean"), py::arg("noise"), py::arg("fs_hz"), py::arg("reference_beats"),
      py::arg("snr_db"), py::arg("noise_offset_samples") = 0);
  m.def(
      "nst_signal_amplitude",
      [](const VectorRef& x, double fs_hz, const IndexRef& beats) {
        return signal::nst_signal_amplitude(x, fs_hz, beats);
      },
      py::arg("x"), py::arg("fs_hz"), py::arg("reference_beats"));
  m.def(
      "nst_noise_amplitude",
      [](const VectorRef& noise, double fs_hz) {
        return signal::nst_noise_amplitude(noise, fs_hz);
      },
      py::arg("noise"), py::arg("fs_hz"));
  m.def("nst_noise_gain", &signal::nst_noise_gain, py::arg("snr_db"),
        py::arg("signal_amplitude"), py::arg("noise_amplitude"));
  m.def("nst_snr_db", &signal::nst_snr_db, py::arg("signal_amplitude"),
        py::arg("noise_amplitude"));
  m.def(
      "nst_reference_beat",
      [](const std::string& symbol) { return signal::nst_reference_beat(symbol); },
      py::arg("symbol"));
}

}  // namespace ecgad::bindings
