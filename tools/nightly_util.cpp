// SPDX-License-Identifier: MIT
#include "nightly_util.hpp"

#include "closesem/platform.hpp"
#include "fuzzing/files.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;

// What the signal handler reads: atomics and fixed buffers (nothing it may not touch).
std::atomic<int> g_signals{0};
int g_quit_at = 0;
char g_quit_message[512] = {};
std::size_t g_quit_length = 0;
struct sigaction g_previous_int {}, g_previous_term {};

extern "C" void on_stop_signal(int sig) {
  const int count = g_signals.fetch_add(1) + 1;
  if (g_quit_at <= 0 || count < g_quit_at) return;
  (void)!write(STDERR_FILENO, g_quit_message, g_quit_length);
  const struct sigaction& previous = sig == SIGINT ? g_previous_int : g_previous_term;
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) previous.sa_handler(sig);
  _exit(128 + sig);
}

}  // namespace

void install_stop_signals(int quit_at, const std::string& quit_message) {
  // (the library's handler, which stops the runs, first: this one chains to it)
  install_stop_handler();
  g_quit_at = quit_at;
  g_quit_length = std::min(quit_message.size(), sizeof g_quit_message);
  std::memcpy(g_quit_message, quit_message.data(), g_quit_length);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

int stop_signals() { return g_signals.load(); }

RunResult run_stoppable(const RunSpec& spec, bool& interrupted) {
  interrupted = false;
  const int signals_before = stop_signals();
  BoundedRun run;
  std::string error;
  if (!run.start(spec, error)) {
    RunResult result;
    result.started = false;
    result.error = error;
    return result;
  }
  while (true) {
    if (auto result = run.poll()) return *result;
    if (stop_signals() != signals_before) {
      interrupted = true;
      run.stop();
      RunResult result;
      result.status = 128 + SIGTERM;
      result.log = read_text(spec.log_path);
      return result;
    }
    // (polling the run's end; its limit bounds the whole wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

FileLock::~FileLock() { release(); }

bool FileLock::acquire(const std::string& path, std::chrono::seconds wait, const std::string& holder,
                       std::string& error) {
  release();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open the lock file " + path + ": " + std::strerror(errno);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if ((errno != EWOULDBLOCK && errno != EINTR) || std::chrono::steady_clock::now() >= deadline) {
      std::string held = read_text(path);
      held = held.substr(0, held.find('\n')).substr(0, 200);
      error = "the lock " + path + " was not free within " + std::to_string(wait.count()) + " s (held by: " + held + ")";
      ::close(fd);
      return false;
    }
    // (flock has no timeout of its own: try again shortly, until the deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  fd_ = fd;
  const std::string line = holder + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::write(fd_, line.data(), line.size());
  return true;
}

void FileLock::release() {
  if (fd_ < 0) return;
  ::close(fd_);  // (closing the only descriptor releases the flock)
  fd_ = -1;
}

std::vector<std::string> files_in(const std::string& dir, const std::function<bool(const std::string&)>& skip) {
  std::vector<std::string> files;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return files;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    std::error_code ignored;
    if (!it->is_regular_file(ignored)) continue;
    const std::string name = it->path().filename().string();
    if (skip && skip(name)) continue;
    files.push_back(it->path().string());
  }
  return files;
}

long count_files(const std::string& dir, const std::function<bool(const std::string&)>& skip) {
  return static_cast<long>(files_in(dir, skip).size());
}

std::string read_text(const std::string& path) {
  std::string text, error;
  return files::read(path, text, error) ? text : std::string{};
}

bool write_text(const std::string& path, const std::string& text) {
  std::string error;
  return files::write(path, text, error);
}

std::string shown(const std::string& path, const std::string& top) {
  std::error_code error;
  std::string full = fs::weakly_canonical(fs::absolute(path, error), error).string();
  if (error) full = path;
  const std::string prefix = top + "/";
  return full.rfind(prefix, 0) == 0 ? full.substr(prefix.size()) : full;
}

std::string clock_mmss(long long seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld", seconds / 60, seconds % 60);
  return text;
}

std::string utc_now() { return files::utc_now("%Y-%m-%dT%H:%M:%SZ"); }

std::string local_date() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  localtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

int day_of_year() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  localtime_r(&now, &parts);
  return parts.tm_yday + 1;
}

std::string host_name() { return platform::identity().host; }

long own_pid() { return static_cast<long>(platform::process_id()); }

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

}  // namespace closesem::tool
