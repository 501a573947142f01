// A data host that links only ecgad::io: it writes and reads a WFDB record without LibTorch
// (run_consumer.cmake checks that the executable does not depend on libtorch).
#include <cstdio>
#include <filesystem>

#include <ecgad/io/wfdb.hpp>

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : ".";
  ecgad::io::WfdbHeader header;
  header.record_name = "tiny";
  header.fs_hz = 360.0;
  header.signals.resize(1);
  header.signals[0].description = "MLII";
  xt::xtensor<std::int32_t, 2> adc = xt::zeros<std::int32_t>({std::size_t{1}, std::size_t{5}});
  for (std::size_t i = 0; i < 5; ++i) adc(0, i) = static_cast<std::int32_t>(100 * i) - 200;
  ecgad::io::write_wfdb(dir / "tiny", header, adc, 212);
  const auto rec = ecgad::io::read_wfdb(dir / "tiny");
  std::printf("read %zu samples at %g Hz, last %.3f mV\n", rec.adc.shape()[1], rec.fs_hz,
              rec.lead(0)[4]);
  return rec.adc(0, 4) == 200 && rec.lead(0)[4] == 1.0 ? 0 : 1;
}
