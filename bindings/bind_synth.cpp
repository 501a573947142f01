// Python face of the synthetic ECG (ecgad._core.synth): the config structs with the C++ field
// names (so error messages name the same fields in both languages), kinds as strings, and
// results as dicts of numpy arrays whose buffers are moved out of C++ (no copy). The documented
// API is python/ecgad/synth.py; this module holds no algorithm of its own.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/signal/synth.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using WaveTuple = std::tuple<double, double, double>;  // (angle_deg, amplitude, width_rad)
using Waves = std::array<signal::EcgsynWave, 5>;

std::vector<WaveTuple> waves_to_list(const Waves& waves) {
  std::vector<WaveTuple> out;
  for (const auto& w : waves) out.emplace_back(w.angle_deg, w.amplitude, w.width_rad);
  return out;
}

Waves waves_from_list(const std::vector<WaveTuple>& list, const char* name) {
  if (list.size() != 5) {
    throw InvalidArgument(std::string(name) + " must hold 5 waves (P, Q, R, S, T), got " +
                          std::to_string(list.size()));
  }
  Waves w;
  for (std::size_t i = 0; i < 5; ++i) {
    w[i] = {std::get<0>(list[i]), std::get<1>(list[i]), std::get<2>(list[i])};
  }
  return w;
}

template <typename T>
py::array_t<T> vector_to_numpy(std::vector<T>&& v) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(owner->size())}, owner->data(), free_owner);
}

py::dict episode_to_dict(const signal::Episode& e) {
  py::dict d;
  d["kind"] = signal::to_string(e.kind);
  d["start_sample"] = e.start_sample;
  d["end_sample"] = e.end_sample;
  d["start_s"] = e.start_s;
  d["end_s"] = e.end_s;
  d["magnitude"] = e.magnitude;
  return d;
}

py::dict change_to_dict(const signal::ChangePoint& c) {
  py::dict d;
  d["kind"] = signal::to_string(c.kind);
  d["gradual"] = c.gradual;
  d["start_sample"] = c.start_sample;
  d["end_sample"] = c.end_sample;
  d["start_s"] = c.start_s;
  d["end_s"] = c.end_s;
  d["magnitude"] = c.magnitude;
  d["unit"] = signal::magnitude_unit(c.kind);
  return d;
}

py::dict recording_to_dict(signal::SyntheticRecording&& r) {
  const std::size_t n = r.annotations.size();
  std::vector<std::int64_t> samples(n);
  std::string symbols(n, ' '), aami(n, ' ');
  for (std::size_t k = 0; k < n; ++k) {
    samples[k] = r.annotations[k].sample;
    symbols[k] = r.annotations[k].symbol;
    aami[k] = signal::to_string(r.annotations[k].aami)[0];
  }
  py::list episodes, changes;
  for (const auto& e : r.episodes) episodes.append(episode_to_dict(e));
  for (const auto& c : r.changes) changes.append(change_to_dict(c));
  py::dict d;
  d["ecg_mv"] = py::cast(std::move(r.ecg_mv));
  d["fs_hz"] = r.fs_hz;
  d["samples"] = vector_to_numpy(std::move(samples));
  d["symbols"] = symbols;
  d["aami"] = aami;
  d["tags"] = vector_to_numpy(std::move(r.beat_tags));
  d["r_peak_times_s"] = py::cast(std::move(r.r_peak_times_s));
  d["episodes"] = episodes;
  d["changes"] = changes;
  return d;
}

}  // namespace

void bind_synth(py::module_& m) {
  using signal::AnomalyConfig;
  using signal::DriftChange;
  using signal::EcgSynthConfig;
  using signal::EpisodeSpec;
  using signal::RandomEpisodes;

  py::class_<EcgSynthConfig>(m, "EcgSynthConfig")
      .def(py::init<>())
      .def_readwrite("fs_hz", &EcgSynthConfig::fs_hz)
      .def_readwrite("duration_s", &EcgSynthConfig::duration_s)
      .def_readwrite("heart_rate_bpm", &EcgSynthConfig::heart_rate_bpm)
      .def_readwrite("heart_rate_std_bpm", &EcgSynthConfig::heart_rate_std_bpm)
      .def_readwrite("lf_hf_ratio", &EcgSynthConfig::lf_hf_ratio)
      .def_readwrite("lf_hz", &EcgSynthConfig::lf_hz)
      .def_readwrite("lf_std_hz", &EcgSynthConfig::lf_std_hz)
      .def_readwrite("hf_hz", &EcgSynthConfig::hf_hz)
      .def_readwrite("hf_std_hz", &EcgSynthConfig::hf_std_hz)
      .def_readwrite("baseline_wander_mv", &EcgSynthConfig::baseline_wander_mv)
      .def_readwrite("noise_mv", &EcgSynthConfig::noise_mv)
      .def_readwrite("seed", &EcgSynthConfig::seed)
      .def_property(
          "waves", [](const EcgSynthConfig& c) { return waves_to_list(c.waves); },
          [](EcgSynthConfig& c, const std::vector<WaveTuple>& w) {
            c.waves = waves_from_list(w, "waves");
          });

  py::class_<EpisodeSpec>(m, "EpisodeSpec")
      .def(py::init([](const std::string& kind, double start_s, double duration_s,
                       std::optional<double> magnitude) {
             return EpisodeSpec{signal::parse_episode_kind(kind), start_s, duration_s, magnitude};
           }),
           py::arg("kind"), py::arg("start_s"), py::arg("duration_s"),
           py::arg("magnitude") = py::none())
      .def_property_readonly("kind",
                             [](const EpisodeSpec& e) { return signal::to_string(e.kind); })
      .def_readonly("start_s", &EpisodeSpec::start_s)
      .def_readonly("duration_s", &EpisodeSpec::duration_s)
      .def_readonly("magnitude", &EpisodeSpec::magnitude);

  py::class_<RandomEpisodes>(m, "RandomEpisodes")
      .def(py::init([](const std::string& kind, double rate_per_hour, double mean_duration_s,
                       std::optional<double> magnitude) {
             return RandomEpisodes{signal::parse_episode_kind(kind), rate_per_hour,
                                   mean_duration_s, magnitude};
           }),
           py::arg("kind"), py::arg("rate_per_hour"), py::arg("mean_duration_s"),
           py::arg("magnitude") = py::none())
      .def_property_readonly("kind",
                             [](const RandomEpisodes& e) { return signal::to_string(e.kind); })
      .def_readonly("rate_per_hour", &RandomEpisodes::rate_per_hour)
      .def_readonly("mean_duration_s", &RandomEpisodes::mean_duration_s)
      .def_readonly("magnitude", &RandomEpisodes::magnitude);

  py::class_<AnomalyConfig>(m, "AnomalyConfig")
      .def(py::init<>())
      .def_readwrite("pvc_rate", &AnomalyConfig::pvc_rate)
      .def_readwrite("spb_rate", &AnomalyConfig::spb_rate)
      .def_readwrite("st_elevation_rate", &AnomalyConfig::st_elevation_rate)
      .def_readwrite("st_depression_rate", &AnomalyConfig::st_depression_rate)
      .def_readwrite("t_inversion_rate", &AnomalyConfig::t_inversion_rate)
      .def_readwrite("pvc_coupling_min", &AnomalyConfig::pvc_coupling_min)
      .def_readwrite("pvc_coupling_max", &AnomalyConfig::pvc_coupling_max)
      .def_property(
          "pvc_waves", [](const AnomalyConfig& a) { return waves_to_list(a.pvc_waves); },
          [](AnomalyConfig& a, const std::vector<WaveTuple>& w) {
            a.pvc_waves = waves_from_list(w, "pvc_waves");
          })
      .def_readwrite("spb_coupling_min", &AnomalyConfig::spb_coupling_min)
      .def_readwrite("spb_coupling_max", &AnomalyConfig::spb_coupling_max)
      .def_readwrite("spb_p_scale", &AnomalyConfig::spb_p_scale)
      .def_readwrite("st_elevation_mv", &AnomalyConfig::st_elevation_mv)
      .def_readwrite("st_depression_mv", &AnomalyConfig::st_depression_mv)
      .def_readwrite("t_inversion_scale", &AnomalyConfig::t_inversion_scale)
      .def_readwrite("af_heart_rate_bpm", &AnomalyConfig::af_heart_rate_bpm)
      .def_readwrite("af_rr_cv", &AnomalyConfig::af_rr_cv)
      .def_readwrite("af_fwave_mv", &AnomalyConfig::af_fwave_mv)
      .def_readwrite("af_fwave_hz", &AnomalyConfig::af_fwave_hz)
      .def_readwrite("emg_noise_mv", &AnomalyConfig::emg_noise_mv)
      .def_readwrite("motion_noise_mv", &AnomalyConfig::motion_noise_mv)
      .def_readwrite("episodes", &AnomalyConfig::episodes)
      .def_readwrite("random_episodes", &AnomalyConfig::random_episodes);

  py::class_<DriftChange>(m, "DriftChange")
      .def(py::init([](const std::string& kind, double start_s, double end_s, double magnitude) {
             return DriftChange{signal::parse_drift_kind(kind), start_s, end_s, magnitude};
           }),
           py::arg("kind"), py::arg("start_s"), py::arg("end_s"), py::arg("magnitude"))
      .def_property_readonly("kind",
                             [](const DriftChange& c) { return signal::to_string(c.kind); })
      .def_readonly("start_s", &DriftChange::start_s)
      .def_readonly("end_s", &DriftChange::end_s)
      .def_readonly("magnitude", &DriftChange::magnitude);

  m.def(
      "synthesize",
      [](const EcgSynthConfig& ecg, const AnomalyConfig& anomalies,
         const std::vector<DriftChange>& drift) {
        signal::RecordingConfig rc{ecg, anomalies, {drift}};
        signal::SyntheticRecording rec;
        {
          py::gil_scoped_release release;
          rec = signal::synthesize(rc);
        }
        return recording_to_dict(std::move(rec));
      },
      py::arg("ecg"), py::arg("anomalies"), py::arg("drift"));

  m.def(
      "ecgsyn",
      [](const EcgSynthConfig& ecg) {
        signal::SyntheticEcg e;
        {
          py::gil_scoped_release release;
          e = signal::ecgsyn(ecg);
        }
        std::vector<std::int64_t> peaks(e.r_peaks.begin(), e.r_peaks.end());
        py::dict d;
        d["ecg_mv"] = py::cast(std::move(e.ecg_mv));
        d["r_peaks"] = vector_to_numpy(std::move(peaks));
        d["r_peak_times_s"] = py::cast(std::move(e.r_peak_times_s));
        d["rr_s"] = py::cast(std::move(e.rr_s));
        d["fs_hz"] = e.fs_hz;
        return d;
      },
      py::arg("ecg"));

  py::dict tags;
  for (const signal::BeatTag t : signal::kBeatTags) {
    tags[signal::to_string(t)] = static_cast<signal::BeatTags>(t);
  }
  m.attr("BEAT_TAGS") = tags;
  py::list episode_kinds, drift_kinds;
  for (const auto k : signal::kEpisodeKinds) episode_kinds.append(signal::to_string(k));
  for (const auto k : signal::kDriftKinds) drift_kinds.append(signal::to_string(k));
  m.attr("EPISODE_KINDS") = py::tuple(episode_kinds);
  m.attr("DRIFT_KINDS") = py::tuple(drift_kinds);
  m.def(
      "is_gradual",
      [](const std::string& kind) { return signal::is_gradual(signal::parse_drift_kind(kind)); },
      py::arg("kind"));
  m.def(
      "magnitude_unit",
      [](const std::string& kind) {
        return std::string(signal::magnitude_unit(signal::parse_drift_kind(kind)));
      },
      py::arg("kind"));
}

}  // namespace ecgad::bindings
