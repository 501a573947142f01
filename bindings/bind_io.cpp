// Python face of the io layer (ecgad._core.io). Arrays read from files are returned without a
// copy: the C++ buffer is moved into a capsule that numpy owns. The documented, input-checking
// API is python/ecgad/io.py; this module holds no parsing of its own.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "ecgad/io/annotations.hpp"
#include "ecgad/io/csv.hpp"
#include "ecgad/io/npy.hpp"
#include "ecgad/io/ucr.hpp"
#include "ecgad/io/wfdb.hpp"

namespace py = pybind11;

namespace ecgad::bindings {

namespace {

using Release = py::call_guard<py::gil_scoped_release>;
using Path = std::filesystem::path;

/// Hands an xtensor/xarray container to numpy without copying its buffer.
template <typename Container>
py::array to_numpy(Container&& c) {
  using T = typename std::decay_t<Container>::value_type;
  auto* owner = new std::decay_t<Container>(std::forward<Container>(c));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::decay_t<Container>*>(p); });
  std::vector<py::ssize_t> shape(owner->shape().begin(), owner->shape().end());
  return py::array_t<T>(shape, owner->data(), free_owner);
}

template <typename T>
py::array_t<T> vector_to_numpy(std::vector<T>&& v) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(owner->size())}, owner->data(), free_owner);
}

using IntArray = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;
using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

xt::xtensor<std::int32_t, 2> to_xtensor(const IntArray& a) {
  if (a.ndim() != 2) throw InvalidArgument("adc must be 2-D (leads × samples)");
  auto x = xt::xtensor<std::int32_t, 2>::from_shape(
      {static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))});
  std::copy(a.data(), a.data() + a.size(), x.data());
  return x;
}

py::dict annotations_to_dict(std::vector<io::Annotation>&& list) {
  const std::size_t n = list.size();
  std::vector<std::int64_t> sample(n);
  std::vector<std::int32_t> code(n), sub_type(n), channel(n), num(n);
  py::list symbol(n), aux(n), aami(n);
  for (std::size_t i = 0; i < n; ++i) {
    const io::Annotation& a = list[i];
    sample[i] = a.sample;
    code[i] = a.code;
    sub_type[i] = a.sub_type;
    channel[i] = a.channel;
    num[i] = a.num;
    symbol[i] = py::str(a.symbol);
    aux[i] = py::bytes(a.aux);  // raw bytes: the Python side decodes them losslessly
    const auto c = a.aami_class();  // signal/aami.hpp's EC57 mapping; "" for non-beats
    aami[i] = py::str(c ? signal::to_string(*c) : "");
  }
  py::dict d;
  d["sample"] = vector_to_numpy(std::move(sample));
  d["code"] = vector_to_numpy(std::move(code));
  d["sub_type"] = vector_to_numpy(std::move(sub_type));
  d["channel"] = vector_to_numpy(std::move(channel));
  d["num"] = vector_to_numpy(std::move(num));
  d["symbol"] = symbol;
  d["aux"] = aux;
  d["aami"] = aami;
  return d;
}

std::vector<io::Annotation> annotations_from(
    const Int64Array& sample,
    const std::vector<std::string>& symbol, const std::vector<int>& code,
    const std::vector<int>& sub_type, const std::vector<int>& channel, const std::vector<int>& num,
    const std::vector<std::string>& aux) {
  const auto n = static_cast<std::size_t>(sample.size());
  for (const auto& [name, size] : {std::pair<const char*, std::size_t>{"symbol", symbol.size()},
                                   {"code", code.size()},
                                   {"sub_type", sub_type.size()},
                                   {"channel", channel.size()},
                                   {"num", num.size()},
                                   {"aux", aux.size()}}) {
    if (size != n) {
      throw InvalidArgument(std::string(name) + " has " + std::to_string(size) +
                            " entries but sample has " + std::to_string(n) +
                            "; expected one per annotation");
    }
  }
  std::vector<io::Annotation> list(n);
  for (std::size_t i = 0; i < n; ++i) {
    list[i].sample = sample.data()[i];
    list[i].symbol = symbol[i];
    list[i].code = code[i];
    list[i].sub_type = sub_type[i];
    list[i].channel = channel[i];
    list[i].num = num[i];
    list[i].aux = aux[i];
  }
  return list;
}

}  // namespace

void bind_io(py::module_& m) {
  py::class_<io::WfdbSignalSpec>(m, "WfdbSignalSpec")
      .def(py::init<>())
      .def_readwrite("file_name", &io::WfdbSignalSpec::file_name)
      .def_readwrite("format", &io::WfdbSignalSpec::format)
      .def_readwrite("byte_offset", &io::WfdbSignalSpec::byte_offset)
      .def_readwrite("adc_gain", &io::WfdbSignalSpec::adc_gain)
      .def_readwrite("uncalibrated", &io::WfdbSignalSpec::uncalibrated)
      .def_readwrite("baseline", &io::WfdbSignalSpec::baseline)
      .def_readwrite("units", &io::WfdbSignalSpec::units)
      .def_readwrite("adc_resolution_bits", &io::WfdbSignalSpec::adc_resolution_bits)
      .def_readwrite("adc_zero", &io::WfdbSignalSpec::adc_zero)
      .def_readwrite("initial_value", &io::WfdbSignalSpec::initial_value)
      .def_readwrite("has_initial_value", &io::WfdbSignalSpec::has_initial_value)
      .def_readwrite("checksum", &io::WfdbSignalSpec::checksum)
      .def_readwrite("block_size", &io::WfdbSignalSpec::block_size)
      .def_readwrite("description", &io::WfdbSignalSpec::description)
      .def("__repr__", [](const io::WfdbSignalSpec& s) {
        return "WfdbSignalSpec(description='" + s.description +
               "', format=" + std::to_string(s.format) +
               ", adc_gain=" + py::repr(py::float_(s.adc_gain)).cast<std::string>() +
               ", baseline=" + std::to_string(s.baseline) + ", units='" + s.units + "')";
      });

  py::class_<io::WfdbHeader>(m, "WfdbHeader")
      .def(py::init<>())
      .def_readwrite("record_name", &io::WfdbHeader::record_name)
      .def_readwrite("fs_hz", &io::WfdbHeader::fs_hz)
      .def_readwrite("counter_freq_hz", &io::WfdbHeader::counter_freq_hz)
      .def_readwrite("base_counter", &io::WfdbHeader::base_counter)
      .def_readwrite("n_samples", &io::WfdbHeader::n_samples)
      .def_readwrite("base_time", &io::WfdbHeader::base_time)
      .def_readwrite("base_date", &io::WfdbHeader::base_date)
      .def_readwrite("signals", &io::WfdbHeader::signals)
      .def_readwrite("comments", &io::WfdbHeader::comments)
      .def_property_readonly("n_signals", &io::WfdbHeader::n_signals)
      .def("__repr__", [](const io::WfdbHeader& h) {
        return "WfdbHeader(record_name='" + h.record_name + "', n_signals=" +
               std::to_string(h.n_signals()) + ", fs_hz=" +
               py::repr(py::float_(h.fs_hz)).cast<std::string>() +
               ", n_samples=" + std::to_string(h.n_samples) + ")";
      });

  m.def("read_wfdb_header", &io::read_wfdb_header, py::arg("record"), Release());
  m.def(
      "read_wfdb",
      [](const Path& record, bool verify_checksums, bool verify_initial_values, bool physical) {
        io::WfdbReadOptions options;
        options.verify_checksums = verify_checksums;
        options.verify_initial_values = verify_initial_values;
        options.physical = physical;
        io::WfdbRecord rec;
        {
          py::gil_scoped_release release;
          rec = io::read_wfdb(record, options);
        }
        py::object signal = physical ? py::object(to_numpy(std::move(rec.physical))) : py::none();
        return py::make_tuple(rec.header, to_numpy(std::move(rec.adc)), signal);
      },
      py::arg("record"), py::arg("verify_checksums") = true,
      py::arg("verify_initial_values") = true, py::arg("physical") = true);
  m.def(
      "write_wfdb",
      [](const Path& record, const io::WfdbHeader& header, const IntArray& adc, int format) {
        const auto x = to_xtensor(adc);
        py::gil_scoped_release release;
        io::write_wfdb(record, header, x, format);
      },
      py::arg("record"), py::arg("header"), py::arg("adc"), py::arg("format"));
  m.def(
      "physical_to_adc",
      [](const DoubleArray& physical, const std::vector<io::WfdbSignalSpec>& signals) {
        if (physical.ndim() != 2) throw InvalidArgument("signal must be 2-D (leads × samples)");
        auto x = xt::xtensor<double, 2>::from_shape({static_cast<std::size_t>(physical.shape(0)),
                                                     static_cast<std::size_t>(physical.shape(1))});
        std::copy(physical.data(), physical.data() + physical.size(), x.data());
        return to_numpy(io::physical_to_adc(x, signals));
      },
      py::arg("signal"), py::arg("signals"));
  m.def("is_writable_wfdb_format", &io::is_writable_wfdb_format, py::arg("format"));

  m.def(
      "read_annotations",
      [](const Path& file) {
        std::vector<io::Annotation> list;
        {
          py::gil_scoped_release release;
          list = io::read_annotations(file);
        }
        return annotations_to_dict(std::move(list));
      },
      py::arg("file"));
  m.def(
      "write_annotations",
      [](const Path& file, const Int64Array& sample, const std::vector<std::string>& symbol,
         const std::vector<int>& code,
         const std::vector<int>& sub_type, const std::vector<int>& channel,
         const std::vector<int>& num, const std::vector<std::string>& aux) {
        const auto list = annotations_from(sample, symbol, code, sub_type, channel, num, aux);
        py::gil_scoped_release release;
        io::write_annotations(file, list);
      },
      py::arg("file"), py::arg("sample"), py::arg("symbol"), py::arg("code"),
      py::arg("sub_type"), py::arg("channel"), py::arg("num"), py::arg("aux"));
  m.def(
      "vf_episodes",
      [](const Int64Array& sample, const std::vector<std::string>& symbol,
         std::int64_t end_sample) {
        const auto n = static_cast<std::size_t>(sample.size());
        if (symbol.size() != n) {
          throw InvalidArgument("symbol has " + std::to_string(symbol.size()) +
                                " entries but sample has " + std::to_string(n));
        }
        std::vector<io::Annotation> list(n);
        for (std::size_t i = 0; i < n; ++i) {
          list[i].sample = sample.data()[i];
          list[i].symbol = symbol[i];
        }
        const auto episodes = io::vf_episodes(list, end_sample);
        auto out = xt::xtensor<std::int64_t, 2>::from_shape({episodes.size(), 2});
        for (std::size_t i = 0; i < episodes.size(); ++i) {
          out(i, 0) = episodes[i].first;
          out(i, 1) = episodes[i].second;
        }
        return to_numpy(std::move(out));
      },
      py::arg("sample"), py::arg("symbol"), py::arg("end_sample"));
  m.def("annotation_symbol", &io::annotation_symbol, py::arg("code"));
  m.def("annotation_code", &io::annotation_code, py::arg("symbol"));
  m.def("annotation_description", &io::annotation_description, py::arg("code"));

  m.def(
      "read_ucr",
      [](const Path& file) {
        io::UcrDataset d;
        {
          py::gil_scoped_release release;
          d = io::read_ucr(file);
        }
        return py::make_tuple(std::move(d.values), vector_to_numpy(std::move(d.labels)));
      },
      py::arg("file"));
  m.def(
      "write_ucr",
      [](const Path& file, const std::vector<std::int64_t>& labels,
         const Eigen::Ref<const io::FloatMatrix>& values, char delimiter) {
        io::write_ucr(file, labels, values, delimiter);
      },
      py::arg("file"), py::arg("labels"), py::arg("values"), py::arg("delimiter"), Release());

  m.def(
      "read_csv",
      [](const Path& file, char delimiter, const std::string& header,
         std::optional<std::string> label_name, std::optional<std::size_t> label_index) {
        io::CsvOptions options;
        options.delimiter = delimiter;
        if (header == "auto") {
          options.header = io::CsvHeader::automatic;
        } else if (header == "present") {
          options.header = io::CsvHeader::present;
        } else if (header == "absent") {
          options.header = io::CsvHeader::absent;
        } else {
          throw InvalidArgument("header must be 'auto', 'present' or 'absent', got '" + header +
                                "'");
        }
        options.label_name = std::move(label_name);
        options.label_index = label_index;
        io::CsvTable t;
        {
          py::gil_scoped_release release;
          t = io::read_csv(file, options);
        }
        return py::make_tuple(std::move(t.values), t.labels, t.column_names, t.label_name);
      },
      py::arg("file"), py::arg("delimiter"), py::arg("header"), py::arg("label_name"),
      py::arg("label_index"));

  m.def(
      "read_npy",
      [](const Path& file) -> py::array {
        const io::NpyHeader h = io::read_npy_header(file);
        if (h.dtype == io::NpyDtype::float32) {
          xt::xarray<float> x;
          {
            py::gil_scoped_release release;
            x = io::read_npy<float>(file);
          }
          return to_numpy(std::move(x));
        }
        xt::xarray<double> x;
        {
          py::gil_scoped_release release;
          x = io::read_npy<double>(file);
        }
        return to_numpy(std::move(x));
      },
      py::arg("file"));
  m.def(
      "write_npy",
      [](const Path& file, const py::array& array) {
        // The Python wrapper passes C-contiguous float32 or float64 arrays only.
        std::vector<std::size_t> shape(array.shape(), array.shape() + array.ndim());
        if (py::isinstance<py::array_t<float>>(array) && array.dtype().itemsize() == 4) {
          const auto a = py::array_t<float, py::array::c_style>::ensure(array);
          py::gil_scoped_release release;
          io::write_npy(file, a.data(), shape);
        } else if (py::isinstance<py::array_t<double>>(array) && array.dtype().itemsize() == 8) {
          const auto a = py::array_t<double, py::array::c_style>::ensure(array);
          py::gil_scoped_release release;
          io::write_npy(file, a.data(), shape);
        } else {
          throw InvalidArgument("write_npy writes float32 or float64 arrays, got dtype " +
                                py::str(array.dtype()).cast<std::string>());
        }
      },
      py::arg("file"), py::arg("array"));
}

}  // namespace ecgad::bindings
