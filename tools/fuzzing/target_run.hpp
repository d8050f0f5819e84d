// SPDX-License-Identifier: MIT
// Bounded runs of fuzz targets (and of anything else the tool starts), on core's platform
// Process (closesem/process.hpp): output to a log file, extra environment, a process group
// of its own so that a stop (SIGTERM to the group, SIGKILL 5 s later) reaches whatever the
// child started. POSIX only: on Windows start() fails with a clear error.
#pragma once

#include "fuzzing/finding.hpp"
#include "fuzzing/manifest.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace closesem::tool {

struct RunSpec {
  std::vector<std::string> argv;                              // argv[0] a path
  std::string log_path;                                       // stdout+stderr go here (truncated first)
  std::chrono::seconds limit{60};                             // then SIGTERM to its process group, SIGKILL 5 s later
  std::vector<std::pair<std::string, std::string>> env;       // added to (or replacing in) the environment
  std::string cwd;                                            // "" = inherit
  bool inherit_output = false;  // output to our stdout/stderr instead of log_path (and no group of its own,
                                // so that Ctrl-C reaches it too): `closesem fuzz`, interactive
};

struct RunResult {
  int status = -1;          // exit status; 128+signal when killed by a signal
  bool timed_out = false;   // stopped at the limit
  std::string log;          // the log's text (at most the last 1 MiB)
  bool started = true;      // false: could not start
  std::string error;        // why it could not start
};

// Installs (once) the handler of SIGINT, SIGTERM and SIGHUP that kills the process group
// of every run going on and then dies of the signal; the first run installs it too. A
// command that counts its own stop signals installs this first, to chain to it.
void install_stop_handler();

// Starts a process in a process group of its own (so a stop reaches what it started),
// waits for it at most `limit`, then stops it. Never throws.
RunResult run_bounded(const RunSpec&);

// A started, not yet waited-for run (several at once, progress while they run).
class BoundedRun {
 public:
  BoundedRun();
  ~BoundedRun();  // stops a run still going
  BoundedRun(BoundedRun&&) noexcept;
  BoundedRun& operator=(BoundedRun&&) noexcept;
  BoundedRun(const BoundedRun&) = delete;
  BoundedRun& operator=(const BoundedRun&) = delete;

  // False with `error` when it cannot start (no such program, no log file).
  bool start(const RunSpec&, std::string& error);
  // The result once it has ended (or was stopped at its limit, which poll enforces);
  // nothing while it still runs.
  std::optional<RunResult> poll();
  // Waits (at most the rest of its limit, then stops it) and returns the result.
  RunResult wait();
  // Like poll, but waits up to `timeout` for the end first (progress sampling).
  std::optional<RunResult> wait_for(std::chrono::milliseconds timeout);
  // Stops it now: SIGTERM to its group, SIGKILL 5 s later; reaped.
  void stop();
  // Process id (also its process group id), 0 when not started.
  long pid() const;
  // When it started (for progress).
  std::chrono::steady_clock::time_point started_at() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs the target binary once on one input file. The finding is the target's own record
// (it writes it to $CLOSESEM_FINDING_JSON, set here to a temporary file), else what the
// log shows (finding_from_log), else a timeout finding when it was stopped at its limit,
// else none (clean). The limit is the target's `timeout` option (default 25) + 30 s.
struct TargetOutcome {
  RunResult run;
  std::optional<Finding> finding;
};
TargetOutcome run_target_once(const FuzzTarget&, const std::string& binary, const std::string& input,
                              const std::string& log_path,
                              const std::vector<std::pair<std::string, std::string>>& env = {});

// Minimises `input` while run_target_once keeps the same signature, until `deadline`:
// whole 16-byte records for op-records targets, whole lines (the first stays) for
// asio-text targets, bytes for the others. Writes the smallest to `out`. Returns false
// (with `error`) when the input does not fail with `signature` to begin with, or a write
// fails. `runs` (optional) receives the number of runs, `stopped` whether the deadline cut it short.
bool minimise(const FuzzTarget&, const std::string& binary, const std::string& input, const std::string& signature,
              const std::string& out, std::chrono::steady_clock::time_point deadline, std::string& error);
struct MinimiseStats {
  int runs = 0;
  bool stopped = false;  // the deadline came first
  long original_size = 0, final_size = 0;  // bytes (asio-text: lines)
};
bool minimise(const FuzzTarget&, const std::string& binary, const std::string& input, const std::string& signature,
              const std::string& out, std::chrono::steady_clock::time_point deadline, std::string& error,
              MinimiseStats& stats,
              const std::vector<std::pair<std::string, std::string>>& env = {});

}  // namespace closesem::tool
