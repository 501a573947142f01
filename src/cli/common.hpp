#pragma once
// Shared pieces of the `ecgad` CLI: global options, JSON-lines logging (spdlog), progress bars,
// and output as text or JSON. The CLI is a face: it holds no algorithm of its own.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ecgad::cli {

/// Exit codes (README "CLI"): 0 success, 1 a check failed (e.g. a model not blessed with
/// --require-blessed), 2 bad input or usage, 3 I/O error, 4 cancelled or internal state error.
enum Exit : int { ok = 0, check_failed = 1, bad_input = 2, io_error = 3, state_error = 4 };

struct Globals {
  bool json = false;        ///< machine-readable output on stdout
  std::string log_file;     ///< JSON-lines log file ("" = none; "-" = stderr)
  bool quiet = false;       ///< no human progress output
};

Globals& globals();

/// Opens the JSON-lines log (spdlog, UTC timestamps). Called once after parsing.
void setup_logging(const std::string& command);
/// One structured log line: {"time":..., "level":..., "event": name, ...fields}. Fields must
/// never carry raw samples or patient identifiers (hash record names with hashed_id()).
void log_event(const std::string& name, const nlohmann::json& fields = nlohmann::json::object(),
               bool warning = false);
void flush_logs();

/// A short stable pseudonym of an identifier (XXH3-128, 12 hex chars) for logs.
std::string hashed_id(const std::string& id);

/// A progress bar on stderr (only when stderr is a terminal and not --quiet/--json); otherwise
/// silent — the log carries progress for machines.
class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  void update(std::size_t done, const std::string& text = "");
  void finish(const std::string& text = "");

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  bool finished_ = false;
};

/// A human line on stdout (suppressed with --json).
void say(const std::string& text);
/// JSON document on stdout (with --json), pretty for humans otherwise ignored.
void emit_json(const nlohmann::json& doc);
/// A text table on stdout (suppressed with --json).
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

std::string fixed(double v, int digits = 3);

}  // namespace ecgad::cli
