// SPDX-License-Identifier: MIT
// Child processes for tests: a peer program started with pipes on its stdin and stdout
// (posix_spawn on POSIX, CreateProcess on Windows). Every wait is bounded, and a
// Process never outlives its owner: the destructor closes the child's stdin, gives it a
// moment to finish, then kills and reaps it, also while a failed test unwinds. On
// Windows the child is also in a job object that kills it when this process dies.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace closesem::platform {

class Process {
 public:
  enum class Read { line, timeout, end };

  Process();
  ~Process();
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts the program at argv[0] (a path) with `argv`. The child's stderr is this
  // process's. Returns false, with the reason in `error`, when it cannot be started.
  static bool start(const std::vector<std::string>& argv, Process& out, std::string& error);

  // How a bounded run (closesem_tool's fuzz, promote, bench, nightly) is started: its
  // stdout and stderr into a file, extra environment, a process group of its own so that
  // stop() reaches whatever it started, another working folder. POSIX only: on Windows a
  // start that asks for any of these fails with an error saying so.
  struct Options {
    std::string output_file;  // "" = stdout a pipe (read_line), stderr ours; else both here (truncated), stdin /dev/null
    std::vector<std::pair<std::string, std::string>> env;  // added to, or replacing in, our environment
    bool own_group = false;   // the child leads a new process group
    std::string cwd;          // "" = ours
    bool inherit_output = false;  // stdin, stdout and stderr ours (no pipes, no file)
  };
  static bool start(const std::vector<std::string>& argv, const Options& options, Process& out, std::string& error);

  // Stops the child: SIGTERM to it (to its whole group when own_group), SIGKILL to the
  // same after `grace` if it has not exited, and reaps it (bounded). With own_group, what
  // is left of the group after the child exited is killed too. Windows: kill().
  void stop(std::chrono::milliseconds grace);

  bool started() const;
  long id() const;  // process id, 0 when not started

  // One line to the child's stdin ("\n" added). False when the child no longer reads.
  bool write_line(const std::string& line);
  // End of file on the child's stdin.
  void close_input();
  // The next line of the child's stdout without its end of line ("\r\n" or "\n"):
  // line, timeout (nothing complete within `timeout`), or end (stdout closed; a last
  // line without end of line is returned as a line first).
  Read read_line(std::string& line, std::chrono::milliseconds timeout);

  // The exit status once the child has exited within `timeout` (reaped), or nothing.
  // A child killed by a signal gives 128 + the signal number.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Kills the child if it still runs and reaps it (bounded).
  void kill();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Takes the next line out of `buffer`, without its "\n" or "\r\n". At the end of the
// stream (`ended`) a last line without end of line counts too. False when no line is
// complete yet (or nothing is left at the end). Process and other line channels use it.
bool take_line(std::string& buffer, bool ended, std::string& line);

// The running program's own path, and the suffix executables have here ("" or ".exe").
std::string executable_path();
std::string_view executable_suffix();

// Whether the process with this id has ended (or never existed), waiting up to
// `timeout` for it to end: for checks that nothing was left behind. A process that
// exited but was not reaped yet counts as ended.
bool process_gone(long id, std::chrono::milliseconds timeout);

}  // namespace closesem::platform
