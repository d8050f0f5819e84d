// SPDX-License-Identifier: MIT
// What the nightly job and the selftest share beyond the fuzzing library
// (tools/fuzzing/): stopping on SIGINT/SIGTERM with nothing left running, runs that a
// stop signal ends early, a lock with a bounded wait, and small file and time helpers.
// POSIX only (the tool's Windows build leaves these commands out).
#pragma once

#include "fuzzing/target_run.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace closesem::tool {

// --- stop signals ------------------------------------------------------------------------

// Counts SIGINT and SIGTERM from now on instead of dying of them. The quit_at-th signal
// (when quit_at > 0) ends the process from the handler: `quit_message` on stderr, then the
// fuzzing library's own handler, which kills the process group of every run going on
// (each is in a group of its own, out of reach of the terminal's Ctrl-C) and dies of the
// signal (install_stop_handler, installed here first).
void install_stop_signals(int quit_at, const std::string& quit_message);
int stop_signals();

// run_bounded that also ends early (stopping the run) when a stop signal comes: sets
// `interrupted` then. Polls every 50 ms.
RunResult run_stoppable(const RunSpec& spec, bool& interrupted);

// --- the corpus lock ----------------------------------------------------------------------

// An exclusive lock on a file (flock), waited for at most `wait`; `holder` (who holds it)
// is written into the file, for the message of whoever waits. Released when destroyed.
class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  // False with `error` ("the lock F was not free within N s (held by: H)", "cannot open
  // the lock file F: ...") when it did not come in time.
  bool acquire(const std::string& path, std::chrono::seconds wait, const std::string& holder, std::string& error);
  void release();

 private:
  int fd_ = -1;
};

// --- files, time --------------------------------------------------------------------------

// Regular files directly in `dir` (0 when there is no such folder); those whose name
// `skip` accepts are left out.
std::vector<std::string> files_in(const std::string& dir,
                                  const std::function<bool(const std::string&)>& skip = nullptr);
long count_files(const std::string& dir, const std::function<bool(const std::string&)>& skip = nullptr);
std::string read_text(const std::string& path);
bool write_text(const std::string& path, const std::string& text);
// A path as a person reads it: relative to `top` when inside it.
std::string shown(const std::string& path, const std::string& top);
// "4:05" (minutes:seconds).
std::string clock_mmss(long long seconds);
std::string utc_now();     // 2026-11-21T02:00:00Z
std::string local_date();  // 2026-11-21
int day_of_year();         // 1..366, local time
std::string host_name();
long own_pid();
// Splits on one character (empty fields kept).
std::vector<std::string> split(const std::string& text, char separator);

}  // namespace closesem::tool
