// A streaming host that links only ecgad::serve (no LibTorch): it loads the pipeline bundle
// consumer trained, streams a synthetic ECG through the inference pipeline in 1 s chunks, stores
// every event in an ecgad store and reads them back (issue 6: the pipelines from C++).
#include <cstdio>
#include <string>

#include <ecgad/pipeline/inference.hpp>
#include <ecgad/pipeline/recorder.hpp>
#include <ecgad/signal/synth.hpp>
#include <ecgad/store/store.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer_serve_only <directory with pipeline.ecgad>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto package = ecgad::pipeline::ModelPackage::load(dir + "/pipeline.ecgad");
  ecgad::signal::RecordingConfig rc;
  rc.ecg.duration_s = 120.0;
  rc.ecg.seed = 11;
  rc.anomalies.pvc_rate = 0.05;
  const auto rec = ecgad::signal::synthesize(rc);
  ecgad::store::Store store(dir + "/serve.db");
  const auto run = store.begin_run("stream", {{"name", "consumer"}});
  ecgad::pipeline::StreamOptions options;
  options.stream_id = "bed-1";
  options.monitor_warmup_s = 30.0;
  ecgad::pipeline::StreamPipeline stream(package, options);
  std::int64_t events = 0;
  {
    ecgad::pipeline::EventRecorder recorder(store, run, options.stream_id);
    stream.set_event_callback([&](const ecgad::pipeline::BeatEvent& e) {
      recorder.add(e);
      ++events;
    });
    const Eigen::Index chunk = 360;
    for (Eigen::Index at = 0; at < rec.ecg_mv.size(); at += chunk) {
      stream.process(rec.ecg_mv.segment(at, std::min(chunk, rec.ecg_mv.size() - at)));
    }
    stream.finish();
    recorder.flush();
  }
  store.finish_run(run, "completed", stream.stats().to_json(), nlohmann::json::object());
  ecgad::store::EventQuery q;
  q.run_id = run;
  const auto stored = store.count_events(q);
  std::printf("streamed %lld beats (%lld anomalous), %lld stored\n",
              static_cast<long long>(stream.stats().beats),
              static_cast<long long>(stream.stats().anomalous), static_cast<long long>(stored));
  return events > 100 && stored == events ? 0 : 1;
}
