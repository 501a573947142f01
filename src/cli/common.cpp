// Logging, progress and output of the `ecgad` CLI (common.hpp).
#include "common.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "ecgad/artifact/checksum.hpp"
#include "ecgad/version.hpp"

namespace ecgad::cli {

Globals& globals() {
  static Globals g;
  return g;
}

namespace {

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l;
  return l;
}

std::string& command_name() {
  static std::string c;
  return c;
}

}  // namespace

void setup_logging(const std::string& command) {
  command_name() = command;
  const std::string& path = globals().log_file;
  if (path.empty()) return;
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (path == "-") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  }
  auto l = std::make_shared<spdlog::logger>("ecgad", sink);
  // The message is the JSON object's inner fields, so every line is one JSON object.
  l->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                 spdlog::pattern_time_type::utc);
  l->set_level(spdlog::level::info);
  l->flush_on(spdlog::level::warn);
  logger() = l;
  log_event("start", {{"command", command}, {"version", ecgad::version_string}});
}

void log_event(const std::string& name, const nlohmann::json& fields, bool warning) {
  const auto& l = logger();
  if (!l) return;
  nlohmann::json j = {{"event", name}, {"command", command_name()}};
  for (const auto& [k, v] : fields.items()) j[k] = v;
  const std::string text = j.dump();
  const std::string inner = text.substr(1, text.size() - 2);  // without the braces
  if (warning) {
    l->warn(inner);
  } else {
    l->info(inner);
  }
}

void flush_logs() {
  if (logger()) logger()->flush();
}

std::string hashed_id(const std::string& id) { return artifact::xxh128_hex(id).substr(0, 12); }

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(isatty(STDERR_FILENO) && !globals().quiet && !globals().json) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::update(std::size_t done, const std::string& text) {
  if (!enabled_) return;
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 0.0;
  const int width = 28;
  const int filled = static_cast<int>(frac * width + 0.5);
  std::fprintf(stderr, "\r%-10s [%s%s] %3.0f%% %s\033[K", label_.c_str(),
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(width - filled), '.').c_str(), 100.0 * frac,
               text.c_str());
  std::fflush(stderr);
}

void Progress::finish(const std::string& text) {
  finished_ = true;
  if (!enabled_) return;
  update(total_, text);
  std::fprintf(stderr, "\n");
}

void say(const std::string& text) {
  if (globals().json) return;
  std::cout << text << '\n';
}

void emit_json(const nlohmann::json& doc) {
  if (globals().json) std::cout << doc.dump(2) << '\n';
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  if (globals().json) return;
  std::vector<std::size_t> w(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) w[c] = header[c].size();
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (std::size_t c = 0; c < w.size(); ++c) {
      const std::string cell = c < r.size() ? r[c] : "";
      s += fmt::format("{:<{}}", cell, w[c] + 2);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::cout << s << '\n';
  };
  line(header);
  std::vector<std::string> rule;
  for (auto n : w) rule.push_back(std::string(n, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
}

std::string fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

}  // namespace ecgad::cli
