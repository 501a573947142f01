// Python face of the per-stream beat reference (signal/beat_reference.hpp) and the model-input
// features (signal/beat_features.hpp). Beats cross as float32 (N, L) C-contiguous arrays (read in
// place), RR intervals as float64; a feature set crosses as (channels, extras, numbers), the
// three parts of signal::BeatFeatureParams. python/ecgad/_features.py wraps all of it.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ecgad/error.hpp"
#include "ecgad/signal/beat_features.hpp"
#include "ecgad/signal/beat_reference.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using signal::BeatMatrix;
using BeatsRef = Eigen::Ref<const BeatMatrix>;
using VectorRef = Eigen::Ref<const Eigen::VectorXd>;
using BeatRef = Eigen::Ref<const Eigen::VectorXf>;
using Numbers = std::map<std::string, double>;
using Names = std::vector<std::string>;

signal::BeatFeatureConfig feature_config(const Names& channels, const Names& extras,
                                         const Numbers& numbers) {
  return signal::feature_config_from_params({channels, extras, numbers});
}

py::tuple params_tuple(const signal::BeatFeatureConfig& c) {
  signal::BeatFeatureParams p = signal::to_params(c);
  return py::make_tuple(p.channels, p.extras, p.numbers);
}

py::dict features_dict(signal::BeatFeatures&& f) {
  py::dict d;
  d["features"] = py::cast(std::move(f.features));
  d["shift_points"] = py::cast(std::move(f.shift_points));
  d["accepted"] = py::cast(std::move(f.accepted));
  d["warm"] = py::cast(std::move(f.warm));
  return d;
}

py::dict state_dict(signal::BeatReferenceState&& s) {
  py::dict d;
  d["beats"] = py::cast(std::move(s.beats));
  d["rr_s"] = py::cast(std::move(s.rr_s));
  d["rejected_run"] = s.rejected_run;
  d["beats_seen"] = s.beats_seen;
  d["beats_accepted"] = s.beats_accepted;
  return d;
}

signal::BeatReferenceState state_from(const BeatsRef& beats, const VectorRef& rr_s,
                                      Eigen::Index rejected_run, Eigen::Index beats_seen,
                                      Eigen::Index beats_accepted) {
  signal::BeatReferenceState s;
  s.beats = beats;
  s.rr_s = rr_s;
  s.rejected_run = rejected_run;
  s.beats_seen = beats_seen;
  s.beats_accepted = beats_accepted;
  return s;
}

void require_beat_length(const BeatRef& beat, Eigen::Index length, const char* what) {
  if (beat.size() != length) {
    throw InvalidArgument(std::string(what) + " has " + std::to_string(beat.size()) +
                          " points, expected L = " + std::to_string(length));
  }
}

// The read-only views of a reference shared by BeatReference and BeatFeatureExtractor.
template <typename Class, typename Get>
void reference_properties(Class& cls, Get get) {
  cls.def_property_readonly("median_beat",
                            [get](const typename Class::type& o) {
                              return Eigen::VectorXf(get(o).median_beat().transpose());
                            })
      .def_property_readonly("median_rr_s",
                             [get](const typename Class::type& o) { return get(o).median_rr_s(); })
      .def_property_readonly("beats_held",
                             [get](const typename Class::type& o) { return get(o).beats_held(); })
      .def_property_readonly("rr_held",
                             [get](const typename Class::type& o) { return get(o).rr_held(); })
      .def_property_readonly("is_warm",
                             [get](const typename Class::type& o) { return get(o).is_warm(); })
      .def_property_readonly("beats_seen",
                             [get](const typename Class::type& o) { return get(o).beats_seen(); })
      .def_property_readonly(
          "beats_accepted",
          [get](const typename Class::type& o) { return get(o).beats_accepted(); })
      .def_property_readonly(
          "rejected_run", [get](const typename Class::type& o) { return get(o).rejected_run(); });
}

}  // namespace

void bind_features(py::module_& m) {
  m.def(
      "feature_params",
      [](const Names& channels, const Names& extras, const Numbers& numbers) {
        return params_tuple(feature_config(channels, extras, numbers));
      },
      py::arg("channels"), py::arg("extras"), py::arg("numbers"),
      "Validate a feature set; returns its canonical (channels, extras, numbers).");

  m.def(
      "default_feature_params", [] { return params_tuple(signal::BeatFeatureConfig{}); },
      "The default feature set as (channels, extras, numbers).");

  py::class_<signal::BeatReference> reference(m, "BeatReference");
  reference
      .def(py::init([](Eigen::Index length, Eigen::Index reference_beats,
                       Eigen::Index reference_rr, double gate_rr_ratio,
                       Eigen::Index warmup_beats, Eigen::Index max_rejected_beats,
                       Eigen::Index max_shift_points, bool rr_from_accepted) {
             signal::BeatReferenceConfig c;
             c.length = length;
             c.reference_beats = reference_beats;
             c.reference_rr = reference_rr;
             c.gate_rr_ratio = gate_rr_ratio;
             c.warmup_beats = warmup_beats;
             c.max_rejected_beats = max_rejected_beats;
             c.max_shift_points = max_shift_points;
             c.rr_from_accepted = rr_from_accepted;
             return signal::BeatReference(c);
           }),
           py::arg("length") = 140, py::arg("reference_beats") = 32, py::arg("reference_rr") = 32,
           py::arg("gate_rr_ratio") = 0.9, py::arg("warmup_beats") = 8,
           py::arg("max_rejected_beats") = 32, py::arg("max_shift_points") = 4,
           py::arg("rr_from_accepted") = true)
      .def(
          "align",
          [](const signal::BeatReference& r, const BeatRef& beat) {
            require_beat_length(beat, r.config().length, "beat");
            Eigen::VectorXf aligned(r.config().length);
            const Eigen::Index shift = r.align(beat.data(), aligned.data());
            return py::make_tuple(std::move(aligned), shift);
          },
          py::arg("beat"))
      .def(
          "update",
          [](signal::BeatReference& r, const BeatRef& aligned, double rr_before_s) {
            require_beat_length(aligned, r.config().length, "aligned beat");
            detail::require_finite(aligned.cast<double>(), "aligned beat");
            return r.update(aligned.data(), rr_before_s);
          },
          py::arg("aligned_beat"), py::arg("rr_before_s"))
      .def("reset", &signal::BeatReference::reset)
      .def("state", [](const signal::BeatReference& r) { return state_dict(r.state()); })
      .def(
          "restore",
          [](signal::BeatReference& r, const BeatsRef& beats, const VectorRef& rr_s,
             Eigen::Index rejected_run, Eigen::Index beats_seen, Eigen::Index beats_accepted) {
            r.restore(state_from(beats, rr_s, rejected_run, beats_seen, beats_accepted));
          },
          py::arg("beats"), py::arg("rr_s"), py::arg("rejected_run"), py::arg("beats_seen"),
          py::arg("beats_accepted"))
      .def_property_readonly("length",
                             [](const signal::BeatReference& r) { return r.config().length; });
  reference_properties(reference, [](const signal::BeatReference& r) -> const auto& { return r; });

  py::class_<signal::BeatFeatureExtractor> extractor(m, "BeatFeatureExtractor");
  extractor
      .def(py::init([](const Names& channels, const Names& extras, const Numbers& numbers) {
             return signal::BeatFeatureExtractor(feature_config(channels, extras, numbers));
           }),
           py::arg("channels"), py::arg("extras"), py::arg("numbers"))
      .def(
          "process",
          [](signal::BeatFeatureExtractor& e, const BeatsRef& beats, const VectorRef& rr_before_s,
             const VectorRef& rr_after_s) {
            signal::BeatFeatures f;
            {
              py::gil_scoped_release release;
              f = e.process(beats, rr_before_s, rr_after_s);
            }
            return features_dict(std::move(f));
          },
          py::arg("beats"), py::arg("rr_before_s"), py::arg("rr_after_s"))
      .def("reset", &signal::BeatFeatureExtractor::reset)
      .def("state", [](const signal::BeatFeatureExtractor& e) { return state_dict(e.state()); })
      .def(
          "restore",
          [](signal::BeatFeatureExtractor& e, const BeatsRef& beats, const VectorRef& rr_s,
             Eigen::Index rejected_run, Eigen::Index beats_seen, Eigen::Index beats_accepted) {
            e.restore(state_from(beats, rr_s, rejected_run, beats_seen, beats_accepted));
          },
          py::arg("beats"), py::arg("rr_s"), py::arg("rejected_run"), py::arg("beats_seen"),
          py::arg("beats_accepted"))
      .def("params", [](const signal::BeatFeatureExtractor& e) { return params_tuple(e.config()); })
      .def_property_readonly("input_size", &signal::BeatFeatureExtractor::input_size);
  reference_properties(extractor, [](const signal::BeatFeatureExtractor& e) -> const auto& {
    return e.reference();
  });

  m.def(
      "beat_features",
      [](const BeatsRef& beats, const VectorRef& rr_before_s, const VectorRef& rr_after_s,
         const Names& channels, const Names& extras, const Numbers& numbers) {
        signal::BeatFeatureExtractor e(feature_config(channels, extras, numbers));
        signal::BeatFeatures f;
        {
          py::gil_scoped_release release;
          f = e.process(beats, rr_before_s, rr_after_s);
        }
        return features_dict(std::move(f));
      },
      py::arg("beats"), py::arg("rr_before_s"), py::arg("rr_after_s"), py::arg("channels"),
      py::arg("extras"), py::arg("numbers"));
}

}  // namespace ecgad::bindings
