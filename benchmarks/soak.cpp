// Soak (issue 8): a long streaming run, faster than real time, through the inference pipeline
// (StreamPipeline) into the results store (EventRecorder + Store), with injected faults on a
// schedule — lead-off flat lines, rail-clipped stretches, noise bursts and gaps — and checks
// that memory stays flat, no event is lost, every alert is stored, and a SIGKILLed host loses
// nothing it had committed. docs/reliability.md ("Soak") quotes its output.
//
// Run:  ecgad_soak [--hours 24] [--seed 1] [--store soak.sqlite] [--bundle model.ecgad]
//                  [--report-every-hours 1] [--batch-events 512] [--ack] [--fresh] [--retrain]
//                  [--max-rss-growth-mb 40] [--max-heap-growth-mb 1] [--unsafe-gap-reset]
//       ecgad_soak --verify STORE --acked N [--bundle model.ecgad]
// Each simulated hour prints beats, events committed, alerts, RSS, heap in use outside SQLite,
// SQLite's memory and wall seconds; the end prints totals, the checks and the speed.
//
// The stream is an endless, deterministic sequence of synthetic segments (signal::synthesize,
// 4-12 min each, own seed, heart rate, ectopy and noise) cut into chunks of random size; every
// fifth segment ends in a gap. Everything follows from --seed, so --verify can replay a killed
// run exactly and compare the store with what the run must have written.
//
// Gaps (stretches where no samples arrive) follow the documented restart: the host calls
// finish() (the beats still inside the pipeline come out), then reset() (new R-peak detector,
// filters, patient reference and monitor warm-up), and keeps its own clock: events and alerts of
// the new stretch are shifted by the stretch's start on the host clock, which counts the gap.
// Each stretch is audited: its events must equal score_recording() of the same samples (one
// chunk), so no beat is lost at the gap and chunking changes nothing.
//
// Exit codes: 0 all checks pass, 1 a check failed, 2 bad usage or input, 3 I/O error.
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "ecgad/drift/alert.hpp"
#include "ecgad/error.hpp"
#include "ecgad/pipeline/inference.hpp"
#include "ecgad/pipeline/recorder.hpp"
#include "ecgad/pipeline/training.hpp"
#include "ecgad/signal/synth.hpp"
#include "ecgad/store/store.hpp"

namespace fs = std::filesystem;
namespace pipeline = ecgad::pipeline;
namespace signal = ecgad::signal;
namespace store = ecgad::store;
namespace drift = ecgad::drift;
using Clock = std::chrono::steady_clock;
using Index = Eigen::Index;

namespace {

store::EventQuery run_events(std::int64_t run_id) {
  store::EventQuery q;
  q.run_id = run_id;
  return q;
}

constexpr double kFsHz = 360.0;  // the synthetic generator's rate and the trained model's
constexpr const char* kStreamId = "soak-patient";
constexpr const char* kRunKind = "soak";
// The store's page cache per connection (PRAGMA cache_size = -16384 in src/store/store.cpp).
constexpr double kStoreCacheMib = 16.0;

// ------------------------------------------------------------------------------ small helpers

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Resident set size of this process (VmRSS of /proc/self/status), MiB; NaN when unreadable.
double rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// Memory the process has allocated with malloc and not freed (glibc mallinfo2: arena chunks in
// use + mmapped chunks), MiB. Unlike RSS it does not depend on what the allocator keeps cached.
double heap_in_use_mib() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd) / (1024.0 * 1024.0);
}

// What SQLite holds (page caches of every connection, statements), MiB; part of heap_in_use.
double sqlite_mib() { return static_cast<double>(sqlite3_memory_used()) / (1024.0 * 1024.0); }

// One memory sample: RSS, heap in use outside SQLite, SQLite's own.
struct Memory {
  double rss = 0.0, heap = 0.0, sqlite = 0.0;
  static Memory now() {
    const double sq = sqlite_mib();
    return {rss_mib(), heap_in_use_mib() - sq, sq};
  }
};

nlohmann::json rss_series(const std::vector<Memory>& by_hour) {
  nlohmann::json a = nlohmann::json::array();
  for (const Memory& m : by_hour) a.push_back(std::round(m.rss * 10.0) / 10.0);
  return a;
}

// Growth of the heap in use outside SQLite from hour 2 to the end: the least-squares trend of the
// hourly samples times the span (the heap swings by about a MiB with the size of the segment
// being generated, so a plain end - hour 2 difference would be noise), or the plain difference
// when there are fewer than four samples.
double heap_trend_mib(const std::vector<Memory>& by_hour, const Memory& end) {
  std::vector<double> x, y;
  for (std::size_t h = 2; h < by_hour.size(); ++h) {
    x.push_back(static_cast<double>(h));
    y.push_back(by_hour[h].heap);
  }
  if (x.size() < 4) return end.heap - (by_hour.size() > 2 ? by_hour[2].heap : end.heap);
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxy / sxx * (x.back() - x.front());
}

bool same_number(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// SplitMix64: a seed per segment from (run seed, segment index), independent of <random>'s
// distributions so the schedule is the same wherever the run is replayed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix(state_);
  }
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
  }
  Index integer(Index lo, Index hi) {  // in [lo, hi]
    return lo + static_cast<Index>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double log_uniform(double lo, double hi) {
    return std::exp(uniform(std::log(lo), std::log(hi)));
  }

 private:
  std::uint64_t state_;
};

// ------------------------------------------------------------------------------ the source

// The injected faults, one per segment on a fixed cycle so that even a 2-hour run sees each.
enum class Fault { noise_burst, lead_off, none, rail_clip, gap };
constexpr int kFaultCycle = 5;
constexpr std::array<const char*, kFaultCycle> kFaultNames = {"noise_burst", "lead_off", "none",
                                                              "rail_clip", "gap"};
constexpr double kSegmentMinS = 240.0, kSegmentMaxS = 720.0;
constexpr double kRailMv = 5.0;  // a +-5 mV front end: what a saturated amplifier reports
// The longest stretch between two gaps: a whole fault cycle of the longest segments.
constexpr double kMaxStretchS = kFaultCycle * kSegmentMaxS;

struct Segment {
  std::int64_t index = 0;
  Eigen::VectorXd ecg_mv;
  Fault fault = Fault::none;
  double fault_s = 0.0;  // how long the fault lasts (gap: the gap after the segment)
};

// Endless deterministic ECG: segment k from seed (seed, k), with its fault.
class Source {
 public:
  explicit Source(std::uint64_t seed) : seed_(seed) {}

  Segment next() {
    Segment s;
    s.index = next_index_++;
    Rng rng(mix(seed_ ^ mix(static_cast<std::uint64_t>(s.index))));
    signal::RecordingConfig rc;
    rc.ecg.fs_hz = kFsHz;
    rc.ecg.duration_s = std::round(rng.uniform(kSegmentMinS, kSegmentMaxS));
    rc.ecg.heart_rate_bpm = rng.uniform(52.0, 105.0);
    rc.ecg.heart_rate_std_bpm = rng.uniform(0.5, 3.0);
    rc.ecg.noise_mv = rng.uniform(0.005, 0.04);
    rc.ecg.seed = rng.next();
    rc.anomalies.pvc_rate = rng.uniform(0.0, 0.05);
    rc.anomalies.spb_rate = rng.uniform(0.0, 0.03);
    rc.anomalies.st_elevation_rate = rng.uniform(0.0, 0.02);
    rc.anomalies.t_inversion_rate = rng.uniform(0.0, 0.02);
    // Background muscle noise everywhere (about two short bursts an hour).
    signal::RandomEpisodes emg;
    emg.kind = signal::EpisodeKind::noise_emg;
    emg.rate_per_hour = 2.0;
    emg.mean_duration_s = 8.0;
    emg.magnitude = 0.15;
    rc.anomalies.random_episodes.push_back(emg);
    s.fault = static_cast<Fault>(s.index % kFaultCycle);
    const double duration_s = rc.ecg.duration_s;
    const double fault_start_s = rng.uniform(30.0, duration_s - 120.0);
    if (s.fault == Fault::noise_burst) {
      // An electrode-motion burst strong enough to make the signal unusable.
      signal::EpisodeSpec burst;
      burst.kind = signal::EpisodeKind::noise_motion;
      burst.start_s = fault_start_s;
      burst.duration_s = s.fault_s = rng.uniform(10.0, 60.0);
      burst.magnitude = rng.uniform(0.5, 2.0);
      rc.anomalies.episodes.push_back(burst);
    }
    s.ecg_mv = signal::synthesize(rc).ecg_mv;
    const auto first = static_cast<Index>(std::llround(fault_start_s * kFsHz));
    if (s.fault == Fault::lead_off) {
      // Electrode off: the front end holds its last value, a flat line, for 5-90 s.
      s.fault_s = rng.uniform(5.0, 90.0);
      const auto n = static_cast<Index>(std::llround(s.fault_s * kFsHz));
      s.ecg_mv.segment(first, n).setConstant(s.ecg_mv[first]);
    } else if (s.fault == Fault::rail_clip) {
      // Lead-off with a runaway baseline: within a second the signal runs into the rail and
      // stays pinned there (clipped samples) for 5-90 s.
      s.fault_s = rng.uniform(5.0, 90.0);
      const double sign = (rng.next() & 1) != 0 ? 1.0 : -1.0;
      const auto n = static_cast<Index>(std::llround(s.fault_s * kFsHz));
      for (Index i = 0; i < n; ++i) {
        const double ramp = sign * 2.0 * kRailMv * std::min(1.0, static_cast<double>(i) / kFsHz);
        s.ecg_mv[first + i] = std::clamp(s.ecg_mv[first + i] + ramp, -kRailMv, kRailMv);
      }
    } else if (s.fault == Fault::gap) {
      s.fault_s = rng.log_uniform(2.0, 1200.0);  // 2 s to 20 min without samples
    }
    return s;
  }

 private:
  std::uint64_t seed_;
  std::int64_t next_index_ = 0;
};

// ------------------------------------------------------------------------------ the host

// What the soak's host does with results, on the host clock (gaps included).
struct Host {
  std::function<void(const pipeline::BeatEvent&)> on_event;
  std::function<void(const drift::Alert&)> on_alert;
  std::function<void(int hour)> on_hour;  // after each simulated hour of signal
  std::function<bool()> stop;             // checked after every chunk
};

struct StreamTotals {
  std::int64_t samples = 0, beats = 0, normal = 0, uncertain = 0, anomalous = 0;
  std::int64_t segments = 0, gaps = 0, stretches = 0, audited = 0, audit_failures = 0;
  double gap_s = 0.0;
  std::array<std::int64_t, kFaultCycle> faults{};
  std::array<double, kFaultCycle> fault_s{};
  std::vector<std::string> audit_errors;  // the first few
};

// The streaming host: one StreamPipeline fed the endless source in random chunks; a gap is
// finish() + reset() with the host clock moved on by the gap.
class SoakStream {
 public:
  SoakStream(std::shared_ptr<const pipeline::ModelPackage> package, std::uint64_t seed,
             bool audit, bool skip_finish_at_gaps = false)
      : package_(std::move(package)), source_(seed), chunks_(mix(seed ^ 0xC0FFEEULL)),
        audit_(audit), skip_finish_(skip_finish_at_gaps) {
    pipeline::StreamOptions o;
    o.stream_id = kStreamId;
    o.fs_hz = kFsHz;
    pipeline_ = std::make_unique<pipeline::StreamPipeline>(package_, o);
    if (audit_) {
      audit_samples_.resize(static_cast<Index>(std::ceil(kMaxStretchS * kFsHz)));
      audit_events_.reserve(static_cast<std::size_t>(kMaxStretchS * 250.0 / 60.0));
    }
  }

  const StreamTotals& totals() const { return totals_; }
  double clock_s() const { return static_cast<double>(clock_samples_) / kFsHz; }

  // Streams until `hours` of signal have been pushed (or host.stop()).
  void run(double hours, const Host& host) {
    host_ = &host;
    pipeline_->set_event_callback([this](const pipeline::BeatEvent& e) { on_event(e); });
    pipeline_->set_alert_callback([this](const drift::Alert& a) { on_alert(a); });
    const auto target = static_cast<std::int64_t>(std::llround(hours * 3600.0 * kFsHz));
    const auto per_hour = static_cast<std::int64_t>(std::llround(3600.0 * kFsHz));
    int next_hour = 1;
    bool stopped = false;
    while (!stopped && totals_.samples < target) {
      const Segment seg = source_.next();
      ++totals_.segments;
      const int f = static_cast<int>(seg.fault);
      if (seg.fault != Fault::none && seg.fault != Fault::gap) {
        ++totals_.faults[static_cast<std::size_t>(f)];
        totals_.fault_s[static_cast<std::size_t>(f)] += seg.fault_s;
      }
      Index at = 0;
      while (at < seg.ecg_mv.size() && totals_.samples < target) {
        const Index n = std::min({next_chunk(), seg.ecg_mv.size() - at,
                                  static_cast<Index>(target - totals_.samples)});
        const auto chunk = seg.ecg_mv.segment(at, n);
        if (audit_) audit_samples_.segment(audit_n_, n) = chunk;
        audit_n_ += n;
        pipeline_->process(chunk);
        at += n;
        totals_.samples += n;
        clock_samples_ += n;
        while (totals_.samples >= static_cast<std::int64_t>(next_hour) * per_hour &&
               totals_.samples < target) {
          if (host.on_hour) host.on_hour(next_hour);
          ++next_hour;
        }
        if (host.stop && host.stop()) {
          stopped = true;
          break;
        }
      }
      if (!stopped && seg.fault == Fault::gap && totals_.samples < target) {
        end_stretch(/*at_gap=*/true);
        ++totals_.gaps;
        totals_.gap_s += seg.fault_s;
        ++totals_.faults[static_cast<std::size_t>(f)];
        totals_.fault_s[static_cast<std::size_t>(f)] += seg.fault_s;
        clock_samples_ += static_cast<std::int64_t>(std::llround(seg.fault_s * kFsHz));
        start_stretch();
      }
    }
    if (!stopped) end_stretch();
    if (!stopped && host.on_hour) host.on_hour(next_hour);
  }

 private:
  // Chunk sizes of a real transport: mostly packets of 10-500 ms, sometimes single samples,
  // sometimes a backlog of seconds.
  Index next_chunk() {
    const double u = chunks_.uniform(0.0, 1.0);
    if (u < 0.05) return 1;
    if (u < 0.85) return chunks_.integer(4, static_cast<Index>(0.5 * kFsHz));
    return chunks_.integer(static_cast<Index>(0.5 * kFsHz), static_cast<Index>(8.0 * kFsHz));
  }

  void on_event(const pipeline::BeatEvent& e) {
    ++totals_.beats;
    switch (e.decision) {
      case ecgad::calibrate::Decision::normal: ++totals_.normal; break;
      case ecgad::calibrate::Decision::uncertain: ++totals_.uncertain; break;
      case ecgad::calibrate::Decision::anomalous: ++totals_.anomalous; break;
    }
    if (audit_) audit_events_.push_back({e.sample_index, e.score, e.decision});
    pipeline::BeatEvent h = e;
    h.beat_index += stretch_beats0_;
    h.sample_index += stretch_sample0_;
    h.time_s = static_cast<double>(h.sample_index) / kFsHz;
    if (host_->on_event) host_->on_event(h);
  }

  void on_alert(const drift::Alert& a) {
    drift::Alert h = a;
    const double shift_s = static_cast<double>(stretch_sample0_) / kFsHz;
    h.since_s += shift_s;  // NaN stays NaN
    h.detected_s += shift_s;
    if (h.beat_index >= 0 && h.kind != drift::AlertKind::error_rate) h.beat_index += stretch_beats0_;
    if (host_->on_alert) host_->on_alert(h);
  }

  // The end of a stretch (a gap, or the end of the run): the pipeline's last beats come out,
  // then the stretch is audited against the batch scoring of the same samples.
  void end_stretch(bool at_gap = false) {
    // skip_finish_ is the negative control of the gap protocol: reset() alone drops the beats
    // still inside the pipeline, and the audit must say so.
    if (!(at_gap && skip_finish_)) pipeline_->finish();
    ++totals_.stretches;
    if (audit_) audit();
  }

  void start_stretch() {
    pipeline_->reset();
    stretch_sample0_ = clock_samples_;
    stretch_beats0_ = totals_.beats;
    audit_n_ = 0;
    audit_events_.clear();
  }

  void audit() {
    const auto batch = pipeline::score_recording(package_, audit_samples_.head(audit_n_), kFsHz);
    ++totals_.audited;
    std::string error;
    if (batch.size() != audit_events_.size()) {
      error = "stretch " + std::to_string(totals_.stretches) + ": " +
              std::to_string(audit_events_.size()) + " events streamed, " +
              std::to_string(batch.size()) + " from score_recording of the same samples";
    } else {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const AuditEvent& s = audit_events_[i];
        if (s.sample_index != batch[i].sample_index || s.score != batch[i].score ||
            s.decision != batch[i].decision) {
          error = "stretch " + std::to_string(totals_.stretches) + ": event " +
                  std::to_string(i) + " differs (sample " + std::to_string(s.sample_index) +
                  " vs " + std::to_string(batch[i].sample_index) + ")";
          break;
        }
      }
    }
    if (!error.empty()) {
      ++totals_.audit_failures;
      if (totals_.audit_errors.size() < 5) totals_.audit_errors.push_back(error);
    }
  }

  struct AuditEvent {
    std::int64_t sample_index;
    double score;
    ecgad::calibrate::Decision decision;
  };

  std::shared_ptr<const pipeline::ModelPackage> package_;
  std::unique_ptr<pipeline::StreamPipeline> pipeline_;
  Source source_;
  Rng chunks_;
  bool audit_;
  bool skip_finish_;
  const Host* host_ = nullptr;
  StreamTotals totals_;
  std::int64_t clock_samples_ = 0;    // host clock: samples pushed + gaps
  std::int64_t stretch_sample0_ = 0;  // host clock at the current stretch's first sample
  std::int64_t stretch_beats0_ = 0;   // beats before the current stretch
  Eigen::VectorXd audit_samples_;     // the current stretch's samples (allocated once)
  Index audit_n_ = 0;
  std::vector<AuditEvent> audit_events_;
};

// ------------------------------------------------------------------------------ model

// A small model trained on a synthetic cohort (a few seconds), written to `out`.
void train_bundle(const fs::path& out, std::uint64_t seed) {
  pipeline::TrainingConfig c = pipeline::TrainingConfig::defaults();
  c.name = "soak-model";
  c.source.synthetic.subjects = 8;
  c.source.synthetic.duration_s = 180.0;
  c.source.synthetic.fs_hz = kFsHz;
  c.source.synthetic.pvc_rate = 0.06;
  // The cohort covers the stream's heart rates (Source::next), so beats are judged in range.
  c.source.synthetic.heart_rate_min_bpm = 52.0;
  c.source.synthetic.heart_rate_max_bpm = 105.0;
  c.source.synthetic.seed = seed;
  c.split.seed = seed;
  c.training.seed = seed;
  c.training.epochs = 10;
  c.validation.min_duration_s = 60.0;
  c.gate.min_roc_auc = 0.5;  // the soak tests plumbing, not accuracy
  c.gate.max_false_positive_rate = 0.5;
  c.promote = "never";
  const fs::path tmp = fs::absolute(out).parent_path() /
                       ("soak-train-" + std::to_string(::getpid()));
  c.model_dir = tmp.string();
  std::printf("training a small model (%d synthetic subjects x %.0f s) -> %s\n",
              c.source.synthetic.subjects, c.source.synthetic.duration_s, out.string().c_str());
  std::fflush(stdout);
  const auto result = pipeline::run_training(c, nullptr);
  fs::copy_file(result.bundle_path, out, fs::copy_options::overwrite_existing);
  std::error_code ignored;
  fs::remove_all(tmp, ignored);
}

// ------------------------------------------------------------------------------ checks

struct Checks {
  bool all = true;
  void check(bool ok, const std::string& what) {
    std::printf("check %-58s %s\n", what.c_str(), ok ? "PASS" : "FAIL");
    all = all && ok;
  }
};

// The store row the recorder writes for a host event (EventRecorder::add's mapping).
bool row_matches(const store::EventRow& r, const pipeline::BeatEvent& e, std::string* why) {
  const int grade = e.quality_known ? static_cast<int>(e.quality_grade) : 2;
  const bool ok = r.stream_id == kStreamId && r.time_s == e.time_s &&
                  r.sample_index == e.sample_index && r.score == e.score &&
                  same_number(r.p_value, e.p_value) &&
                  r.decision == static_cast<int>(e.decision) && r.quality_grade == grade &&
                  same_number(r.quality_score, e.quality_score) &&
                  same_number(r.heart_rate_bpm, e.heart_rate_bpm);
  if (!ok && why != nullptr) {
    *why = "stored " + store::to_json(r).dump() + " vs emitted " + pipeline::to_json(e).dump();
  }
  return ok;
}

bool alert_matches(const store::AlertRow& r, const drift::Alert& a) {
  return r.kind == drift::to_string(a.kind) && r.detected_s == a.detected_s &&
         same_number(r.since_s, a.since_s) && same_number(r.strength, a.strength);
}

// ------------------------------------------------------------------------------ soak mode

struct Options {
  double hours = 24.0;
  std::uint64_t seed = 1;
  std::string store_path = "soak.sqlite";
  std::string bundle;
  double report_every_hours = 1.0;
  std::size_t batch_events = 512;
  bool ack = false;
  // Two store connections' page caches may fill as the store grows (2 x kStoreCacheMib), plus
  // slack for the allocator's cached pages.
  double max_rss_growth_mib = 2.0 * kStoreCacheMib + 8.0;
  double max_heap_growth_mib = 1.0;
  bool unsafe_gap_reset = false;
  bool fresh = false;
  bool retrain = false;
  std::string verify;
  std::int64_t acked = -1;
};

fs::path bundle_path_of(const Options& o) {
  return fs::absolute(o.bundle.empty() ? fs::path(o.store_path + ".model.ecgad")
                                       : fs::path(o.bundle));
}

std::shared_ptr<const pipeline::ModelPackage> load_or_train(const Options& o) {
  const fs::path bundle = bundle_path_of(o);
  if (o.retrain || !fs::exists(bundle)) train_bundle(bundle, o.seed);
  return pipeline::ModelPackage::load(bundle);
}

int run_soak(const Options& o) {
  if (!(o.hours > 0.0) || !std::isfinite(o.hours)) {
    throw ecgad::InvalidArgument("--hours " + ecgad::detail::format_number(o.hours) +
                                 "; expected a positive, finite number of simulated hours");
  }
  if (!(o.report_every_hours > 0.0)) {
    throw ecgad::InvalidArgument("--report-every-hours " +
                                 ecgad::detail::format_number(o.report_every_hours) +
                                 "; expected a number of hours > 0");
  }
  const auto t_start = Clock::now();
  const fs::path store_dir = fs::absolute(o.store_path).parent_path();
  fs::create_directories(store_dir);
  if (o.fresh) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(o.store_path + suffix);
  }
  const auto package = load_or_train(o);
  const fs::path bundle_path = bundle_path_of(o);

  store::Store db(o.store_path);
  // A second connection reads every batch back as soon as it is committed: what another process
  // would see, not the writer's cache.
  const nlohmann::json config = {{"tool", "ecgad_soak"},
                                 {"seed", o.seed},
                                 {"hours", o.hours},
                                 {"batch_events", o.batch_events},
                                 {"fs_hz", kFsHz},
                                 {"stream_id", kStreamId},
                                 {"bundle", bundle_path.string()},
                                 {"bundle_hash", package->bundle_hash},
                                 {"unsafe_gap_reset", o.unsafe_gap_reset}};
  const std::int64_t run_id = db.begin_run(kRunKind, config);
  store::Store reader(o.store_path, store::Store::Mode::read_only);
  pipeline::EventRecorder recorder(db, run_id, kStreamId, 0, o.batch_events);

  std::int64_t emitted = 0, verified = 0, batches = 0, committed = 0, mismatches = 0;
  std::string first_mismatch;
  std::vector<pipeline::BeatEvent> uncommitted;  // host events since the last commit
  uncommitted.reserve(o.batch_events);
  std::vector<drift::Alert> alerts;
  std::array<std::int64_t, drift::kAlertKindCount> alerts_by_kind{};

  // After a commit: read the batch back through the other connection and compare every field.
  auto on_commit = [&] {
    const std::int64_t n = recorder.events_written() - committed;
    committed = recorder.events_written();
    ++batches;
    store::EventQuery q;
    q.run_id = run_id;
    q.stream_id = kStreamId;
    q.from_s = uncommitted.front().time_s;
    q.to_s = std::nextafter(uncommitted.back().time_s, std::numeric_limits<double>::infinity());
    const auto rows = reader.events(q);
    if (n != static_cast<std::int64_t>(uncommitted.size()) || rows.size() != uncommitted.size()) {
      ++mismatches;
      if (first_mismatch.empty()) {
        first_mismatch = "batch " + std::to_string(batches) + ": " + std::to_string(n) +
                         " committed, " + std::to_string(uncommitted.size()) + " emitted, " +
                         std::to_string(rows.size()) + " read back";
      }
    } else {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        std::string why;
        if (row_matches(rows[i], uncommitted[i], &why)) {
          ++verified;
        } else {
          ++mismatches;
          if (first_mismatch.empty()) first_mismatch = why;
        }
      }
    }
    uncommitted.clear();
    if (o.ack) {
      std::printf("ack %" PRId64 " %" PRId64 "\n", batches, committed);
      std::fflush(stdout);
    }
  };

  SoakStream stream(package, o.seed, /*audit=*/true, o.unsafe_gap_reset);
  std::vector<Memory> memory_by_hour;  // [h] = after simulated hour h ([0] = at the start)
  memory_by_hour.push_back(Memory::now());
  double next_report_h = o.report_every_hours;
  Host host;
  host.on_event = [&](const pipeline::BeatEvent& e) {
    ++emitted;
    uncommitted.push_back(e);
    recorder.add(e);
    if (recorder.events_written() != committed) on_commit();
  };
  host.on_alert = [&](const drift::Alert& a) {
    alerts.push_back(a);
    ++alerts_by_kind[static_cast<std::size_t>(a.kind)];
    recorder.add(a);
  };
  const auto t_stream = Clock::now();
  std::printf("soak: %.1f simulated hours, seed %" PRIu64 ", store %s, run %" PRId64
              ", batch %zu events, bundle %s\n",
              o.hours, o.seed, o.store_path.c_str(), run_id, o.batch_events,
              bundle_path.string().c_str());
  std::printf("%6s %10s %14s %8s %9s %9s %9s %9s\n", "hour", "beats", "events_stored", "alerts",
              "rss_mb", "heap_mb", "sqlite_mb", "wall_s");
  std::fflush(stdout);
  host.on_hour = [&](int hour) {
    const Memory m = Memory::now();
    if (hour == static_cast<int>(memory_by_hour.size())) memory_by_hour.push_back(m);
    const double h = static_cast<double>(stream.totals().samples) / (3600.0 * kFsHz);
    if (h + 1e-9 < next_report_h && h + 1e-9 < o.hours) return;
    while (next_report_h <= h + 1e-9) next_report_h += o.report_every_hours;
    std::printf("%6.1f %10" PRId64 " %14" PRId64 " %8zu %9.1f %9.1f %9.1f %9.1f\n", h,
                stream.totals().beats, recorder.events_written(), alerts.size(), m.rss, m.heap,
                m.sqlite, seconds_since(t_stream));
    std::fflush(stdout);
  };
  stream.run(o.hours, host);
  recorder.flush();
  if (recorder.events_written() != committed) on_commit();
  const double wall_s = seconds_since(t_stream);
  const Memory end = Memory::now();

  const StreamTotals& t = stream.totals();
  const double signal_h = static_cast<double>(t.samples) / (3600.0 * kFsHz);
  const std::int64_t stored = db.count_events(run_events(run_id));
  const auto stored_alerts = db.alerts(run_id);
  std::int64_t alerts_content_ok = 0;
  for (std::size_t i = 0; i < std::min(stored_alerts.size(), alerts.size()); ++i) {
    alerts_content_ok += alert_matches(stored_alerts[i], alerts[i]) ? 1 : 0;
  }

  nlohmann::json alert_kinds = nlohmann::json::object();
  for (int k = 0; k < drift::kAlertKindCount; ++k) {
    if (alerts_by_kind[static_cast<std::size_t>(k)] > 0) {
      alert_kinds[drift::to_string(static_cast<drift::AlertKind>(k))] =
          alerts_by_kind[static_cast<std::size_t>(k)];
    }
  }
  nlohmann::json faults = nlohmann::json::object();
  for (int f = 0; f < kFaultCycle; ++f) {
    if (f == static_cast<int>(Fault::none)) continue;
    faults[kFaultNames[static_cast<std::size_t>(f)]] = {
        {"count", t.faults[static_cast<std::size_t>(f)]},
        {"seconds", std::round(t.fault_s[static_cast<std::size_t>(f)])}};
  }
  std::printf("\ntotals\n");
  std::printf("  signal %.2f h (host clock %.2f h with %" PRId64 " gaps of %.2f h), %" PRId64
              " segments, %" PRId64 " stretches\n",
              signal_h, stream.clock_s() / 3600.0, t.gaps, t.gap_s / 3600.0, t.segments,
              t.stretches);
  std::printf("  faults %s\n", faults.dump().c_str());
  std::printf("  beats %" PRId64 " (normal %" PRId64 ", uncertain %" PRId64 ", anomalous %" PRId64
              ")\n",
              t.beats, t.normal, t.uncertain, t.anomalous);
  std::printf("  events emitted %" PRId64 ", stored %" PRId64 ", read back and equal %" PRId64
              " in %" PRId64 " batches\n",
              emitted, stored, verified, batches);
  std::printf("  alerts raised %zu, stored %zu, by kind %s\n", alerts.size(),
              stored_alerts.size(), alert_kinds.dump().c_str());
  // Growth is measured from simulated hour 2: the first hours fill buffers allocated once (the
  // audit's stretch, the monitor's reference) and the allocator's arenas.
  const Memory h1 = memory_by_hour.size() > 1 ? memory_by_hour[1] : end;
  const Memory h2 = memory_by_hour.size() > 2 ? memory_by_hour[2] : end;
  const std::size_t mid = memory_by_hour.size() / 2, last = memory_by_hour.size() - 1;
  std::printf("  rss MiB: start %.1f, hour 1 %.1f, hour 2 %.1f, hour %zu %.1f, hour %zu %.1f, "
              "end %.1f\n",
              memory_by_hour[0].rss, h1.rss, h2.rss, mid, memory_by_hour[mid].rss, last,
              memory_by_hour[last].rss, end.rss);
  std::printf("  heap in use outside SQLite MiB: hour 2 %.2f, end %.2f; SQLite MiB: hour 2 %.1f, "
              "end %.1f\n",
              h2.heap, end.heap, h2.sqlite, end.sqlite);
  std::printf("  wall %.1f s streaming (%.1f s with start-up), %.0fx real time\n", wall_s,
              seconds_since(t_start), signal_h * 3600.0 / wall_s);
  for (const auto& e : t.audit_errors) std::printf("  audit: %s\n", e.c_str());
  if (!first_mismatch.empty()) std::printf("  first mismatch: %s\n", first_mismatch.c_str());

  Checks c;
  c.check(signal_h + 1e-9 >= o.hours, "simulated hours >= --hours");
  c.check(stored == emitted, "events stored == events emitted (" + std::to_string(stored) +
                                 " == " + std::to_string(emitted) + ")");
  c.check(verified == emitted && mismatches == 0,
          "every event read back equal (" + std::to_string(verified) + ")");
  c.check(emitted == t.beats, "events emitted == pipeline beats");
  c.check(stored_alerts.size() == alerts.size() &&
              alerts_content_ok == static_cast<std::int64_t>(alerts.size()),
          "alerts stored == raised (" + std::to_string(stored_alerts.size()) + " == " +
              std::to_string(alerts.size()) + ")");
  c.check(t.audit_failures == 0 && t.audited == t.stretches,
          "every stretch == score_recording (" + std::to_string(t.audited) + " audited)");
  char what[128];
  std::snprintf(what, sizeof what, "rss growth hour 2 -> end %.1f MiB < %.1f MiB",
                end.rss - h2.rss, o.max_rss_growth_mib);
  c.check(end.rss - h2.rss < o.max_rss_growth_mib, what);
  // The leak detector: what the pipeline, recorder and host hold must not grow at all.
  const double heap_growth = heap_trend_mib(memory_by_hour, end);
  std::snprintf(what, sizeof what, "heap growth outside SQLite hour 2 -> end %.2f MiB < %.2f MiB",
                heap_growth, o.max_heap_growth_mib);
  c.check(heap_growth < o.max_heap_growth_mib, what);
  // SQLite's page caches are bounded by the store's cache_size, per connection (two here).
  std::snprintf(what, sizeof what, "SQLite memory %.1f MiB <= 2 x %.0f + 2 MiB", end.sqlite,
                kStoreCacheMib);
  c.check(end.sqlite <= 2.0 * kStoreCacheMib + 2.0, what);

  db.finish_run(run_id, c.all ? "completed" : "failed",
                {{"signal_hours", signal_h},
                 {"clock_hours", stream.clock_s() / 3600.0},
                 {"gaps", t.gaps},
                 {"beats", t.beats},
                 {"events", emitted},
                 {"alerts", alerts.size()},
                 {"alerts_by_kind", alert_kinds},
                 {"faults", faults},
                 {"rss_mib", rss_series(memory_by_hour)},
                 {"real_time_factor", signal_h * 3600.0 / wall_s},
                 {"checks_passed", c.all}},
                {{"stream_s", wall_s}});
  std::printf("%s\n", c.all ? "soak PASSED" : "soak FAILED");
  return c.all ? 0 : 1;
}

// ------------------------------------------------------------------------------ verify mode

// PRAGMA integrity_check through SQLite itself ("ok" or the first problems).
std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw ecgad::IoError("cannot open store '" + path + "' for the integrity check: " + msg);
  }
  std::string out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (!out.empty()) out += "; ";
      out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
  } else {
    out = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Checks a store left by a killed soak: it opens, passes PRAGMA integrity_check, holds every
// acknowledged batch and no partial one, and its rows are exactly what a replay of the same
// seed emits.
int run_verify(const Options& o) {
  if (o.acked < 0) throw ecgad::InvalidArgument("--verify needs --acked N (events acknowledged)");
  if (!fs::exists(o.verify)) throw ecgad::IoError("no store at '" + o.verify + "'");
  Checks c;
  // Opening read-write is what a restarted host does: SQLite recovers the WAL of the killed one.
  store::Store db(o.verify);
  const std::string integrity = integrity_check(o.verify);
  c.check(integrity == "ok", "PRAGMA integrity_check: " + integrity);
  const auto runs = db.runs(kRunKind);
  if (runs.empty()) throw ecgad::FormatError("store '" + o.verify + "' has no soak run");
  const store::RunInfo& run = runs.front();
  const auto seed = run.config.at("seed").get<std::uint64_t>();
  const auto batch = run.config.at("batch_events").get<std::int64_t>();
  const fs::path bundle =
      o.bundle.empty() ? fs::path(run.config.at("bundle").get<std::string>()) : fs::path(o.bundle);
  const auto package = pipeline::ModelPackage::load(bundle);
  if (package->bundle_hash != run.config.at("bundle_hash").get<std::string>()) {
    throw ecgad::InvalidArgument("bundle " + bundle.string() + " is not the one the run used");
  }
  const auto rows = db.events(run_events(run.id));
  const auto stored_alerts = db.alerts(run.id);
  const auto stored = static_cast<std::int64_t>(rows.size());
  std::printf("run %" PRId64 " (%s, seed %" PRIu64 ", batch %" PRId64 "): %" PRId64
              " events and %zu alerts stored, %" PRId64 " acknowledged\n",
              run.id, run.status.c_str(), seed, batch, stored, stored_alerts.size(), o.acked);
  c.check(stored >= o.acked, "every acknowledged event is stored (" + std::to_string(stored) +
                                 " >= " + std::to_string(o.acked) + ")");
  if (run.status == "running") {
    // Killed: whole batches only; at most the one batch committed before its ack was printed.
    c.check(stored % batch == 0, "no partial batch (" + std::to_string(stored) + " % " +
                                     std::to_string(batch) + " == 0)");
    c.check(stored - o.acked <= batch, "at most one unacknowledged batch");
  }

  // Replay the same seed without a store and compare row by row.
  std::int64_t i_event = 0, equal = 0;
  std::size_t i_alert = 0, alerts_equal = 0;
  std::string first_mismatch;
  bool runaway = false;
  Host host;
  host.on_event = [&](const pipeline::BeatEvent& e) {
    if (i_event < stored) {
      std::string why;
      if (row_matches(rows[static_cast<std::size_t>(i_event)], e, &why)) {
        ++equal;
      } else if (first_mismatch.empty()) {
        first_mismatch = "event " + std::to_string(i_event) + ": " + why;
      }
    }
    ++i_event;
  };
  host.on_alert = [&](const drift::Alert& a) {
    if (i_alert < stored_alerts.size() && alert_matches(stored_alerts[i_alert], a)) ++alerts_equal;
    ++i_alert;
  };
  host.stop = [&] {
    // Alerts are written at once, so the store may hold alerts of beats past the last batch.
    runaway = i_event > stored + batch + 100000;
    return (i_event >= stored && i_alert >= stored_alerts.size()) || runaway;
  };
  const auto t0 = Clock::now();
  SoakStream replay(package, seed, /*audit=*/false,
                    run.config.value("unsafe_gap_reset", false));
  replay.run(1e6, host);  // endless in practice: host.stop() ends it
  std::printf("replayed %.2f simulated hours in %.1f s\n",
              static_cast<double>(replay.totals().samples) / (3600.0 * kFsHz), seconds_since(t0));
  if (!first_mismatch.empty()) std::printf("  first mismatch: %s\n", first_mismatch.c_str());
  c.check(!runaway && equal == stored,
          "stored events == replay (" + std::to_string(equal) + " of " + std::to_string(stored) +
              ")");
  c.check(alerts_equal == stored_alerts.size(),
          "stored alerts == replay (" + std::to_string(alerts_equal) + " of " +
              std::to_string(stored_alerts.size()) + ")");
  std::printf("%s\n", c.all ? "verify PASSED" : "verify FAILED");
  return c.all ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Soak: days of simulated ECG through the inference pipeline into the store, with "
               "injected faults; checks memory, event and alert loss, and kill safety"};
  Options o;
  app.add_option("--hours", o.hours, "simulated hours of signal (gaps not counted)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the whole stream (same seed, same bytes)")
      ->capture_default_str();
  app.add_option("--store", o.store_path, "results store (SQLite file; created if missing)")
      ->capture_default_str();
  app.add_option("--bundle", o.bundle,
                 "pipeline bundle; trained on a synthetic cohort and written here if missing "
                 "(default: <store>.model.ecgad)");
  app.add_option("--report-every-hours", o.report_every_hours, "progress line period")
      ->capture_default_str();
  app.add_option("--batch-events", o.batch_events, "events per store commit")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_flag("--fresh", o.fresh, "delete the store (and its -wal/-shm) first");
  app.add_flag("--retrain", o.retrain, "train the bundle even if the file exists");
  app.add_flag("--ack", o.ack, "print 'ack <batch> <events_total>' after each committed batch");
  app.add_option("--max-rss-growth-mb", o.max_rss_growth_mib,
                 "bound on RSS growth from simulated hour 2 to the end, MiB")
      ->capture_default_str();
  app.add_option("--max-heap-growth-mb", o.max_heap_growth_mib,
                 "bound on the growth of heap in use outside SQLite, hour 2 to the end, MiB")
      ->capture_default_str();
  app.add_flag("--unsafe-gap-reset", o.unsafe_gap_reset,
               "negative control: at a gap call reset() without finish(); the stretch audit "
               "must then fail");
  app.add_option("--verify", o.verify,
                 "check a store left by a killed soak instead of running one");
  app.add_option("--acked", o.acked, "with --verify: events_total of the last ack line seen");
  CLI11_PARSE(app, argc, argv);
  try {
    return o.verify.empty() ? run_soak(o) : run_verify(o);
  } catch (const ecgad::IoError& e) {
    std::fprintf(stderr, "ecgad_soak: %s\n", e.what());
    return 3;
  } catch (const ecgad::Error& e) {
    std::fprintf(stderr, "ecgad_soak: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ecgad_soak: %s\n", e.what());
    return 3;
  }
}
