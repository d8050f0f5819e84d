// SPDX-License-Identifier: MIT
// closesem::platform::Process on POSIX: posix_spawn with two pipes, poll for bounded
// reads, and a pidfd (Linux 5.3+) for bounded waits on the child's exit.
#include "closesem/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits.h>

extern char** environ;

namespace closesem::platform {

struct Process::Impl {
  pid_t pid = -1;
  int input = -1;   // our end of the child's stdin
  int output = -1;  // our end of the child's stdout
  int pidfd = -1;   // -1 where pidfd_open is missing: waits then poll waitpid in steps
  bool own_group = false;  // the child leads process group `pid`
  std::string buffer;
  bool output_ended = false;
  std::optional<int> status;

  ~Impl() {
    for (int fd : {input, output, pidfd})
      if (fd != -1) ::close(fd);
  }

  // waitpid without blocking; records the status once the child is reaped.
  bool reap() {
    if (status) return true;
    int raw = 0;
    const pid_t done = ::waitpid(pid, &raw, WNOHANG);
    if (done != pid) return false;
    status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
    return true;
  }
};

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#else
  (void)pid;
#endif
  return -1;
}

}  // namespace

Process::Process() = default;
Process::~Process() {
  if (!impl_) return;
  // Let the child finish by itself on end of input (a peer prints its result and
  // exits), then make sure: kill and reap.
  close_input();
  if (!wait(std::chrono::milliseconds(1000))) kill();
}
Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Process old(std::move(*this));
    impl_ = std::move(other.impl_);
  }
  return *this;
}

bool Process::start(const std::vector<std::string>& argv, Process& out, std::string& error) {
  return start(argv, Options{}, out, error);
}

namespace {

// Our environment with `extra` added (a name given there replaces ours).
std::vector<std::string> environment_with(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [key, value] : extra) replaced = replaced || key == name;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [key, value] : extra) env.push_back(key + "=" + value);
  return env;
}

// A child with its output in a file: no pipes, stdin from /dev/null.
bool start_to_file(const std::vector<std::string>& argv, const Process::Options& options, pid_t& pid,
                   std::string& error) {
  int file = -1;
  if (!options.inherit_output) {
    file = ::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file == -1) {
      error = "cannot open " + options.output_file + " for the output of " + argv[0] + ": " + std::strerror(errno);
      return false;
    }
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  if (file != -1) {
    ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, file, STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, file, STDERR_FILENO);
  }
  if (!options.cwd.empty()) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    ::posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
#else
    error = "cannot start " + argv[0] + " in " + options.cwd + ": this C library has no posix_spawn chdir";
    ::posix_spawn_file_actions_destroy(&actions);
    if (file != -1) ::close(file);
    return false;
#endif
  }
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (options.own_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    ::posix_spawnattr_setpgroup(&attr, 0);
  }
  // The child starts with default handling of the signals a stop sends (and SIGPIPE),
  // whatever this process ignores, and nothing blocked.
  sigset_t defaults;
  ::sigemptyset(&defaults);
  for (const int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP}) ::sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  ::sigemptyset(&none);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setflags(&attr, flags);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const auto env = environment_with(options.env);
  std::vector<char*> envp;
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  const int spawned = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  ::posix_spawnattr_destroy(&attr);
  ::posix_spawn_file_actions_destroy(&actions);
  if (file != -1) ::close(file);
  if (spawned != 0) {
    error = "cannot start " + argv[0] + (options.cwd.empty() ? "" : " in " + options.cwd) + ": " +
            std::strerror(spawned);
    return false;
  }
  return true;
}

}  // namespace

bool Process::start(const std::vector<std::string>& argv, const Options& options, Process& out,
                    std::string& error) {
  if (argv.empty()) {
    error = "no program given";
    return false;
  }
  if (!options.output_file.empty() || options.inherit_output) {
    pid_t pid = -1;
    if (!start_to_file(argv, options, pid, error)) return false;
    auto impl = std::make_unique<Impl>();
    impl->pid = pid;
    impl->own_group = options.own_group;
    impl->output_ended = true;
    impl->pidfd = open_pidfd(pid);
    out = Process();
    out.impl_ = std::move(impl);
    return true;
  }
  if (!options.env.empty() || options.own_group || !options.cwd.empty()) {
    error = "cannot start " + argv[0] + ": environment, process group and folder need an output file "
            "(or inherit_output)";
    return false;
  }
  int in_pipe[2];
  int out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  // The child starts with default signal handling (this process ignores nothing, but
  // counts SIGPIPE; a handler is reset by exec anyway).
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (spawned != 0) {
    error = "cannot start " + argv[0] + ": " + std::strerror(spawned);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    return false;
  }
  auto impl = std::make_unique<Impl>();
  impl->pid = pid;
  impl->input = in_pipe[1];
  impl->output = out_pipe[0];
  impl->pidfd = open_pidfd(pid);
  ::fcntl(impl->output, F_SETFL, ::fcntl(impl->output, F_GETFL) | O_NONBLOCK);
  out = Process();
  out.impl_ = std::move(impl);
  return true;
}

bool Process::started() const { return impl_ != nullptr; }
long Process::id() const { return impl_ ? impl_->pid : 0; }

bool Process::write_line(const std::string& line) {
  if (!impl_ || impl_->input == -1) return false;
  const std::string data = line + "\n";
  std::size_t done = 0;
  while (done < data.size()) {
    // MSG_NOSIGNAL does not apply to pipes; SIGPIPE is counted, never fatal
    // (platform::init_process), so a dead child shows as EPIPE here.
    const ssize_t n = ::write(impl_->input, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void Process::close_input() {
  if (!impl_ || impl_->input == -1) return;
  ::close(impl_->input);
  impl_->input = -1;
}

Process::Read Process::read_line(std::string& line, std::chrono::milliseconds timeout) {
  if (!impl_) return Read::end;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (take_line(impl_->buffer, impl_->output_ended, line)) return Read::line;
    if (impl_->output_ended) return Read::end;
    pollfd pfd{impl_->output, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Read::timeout;
    char chunk[4096];
    const ssize_t n = ::read(impl_->output, chunk, sizeof(chunk));
    if (n > 0) {
      impl_->buffer.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      impl_->output_ended = true;
    }
  }
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (!impl_) return std::nullopt;
  if (impl_->reap()) return impl_->status;
  const auto deadline = Clock::now() + timeout;
  while (!impl_->reap()) {
    const int left = remaining_ms(deadline);
    if (left == 0) return std::nullopt;
    if (impl_->pidfd != -1) {
      pollfd pfd{impl_->pidfd, POLLIN, 0};
      ::poll(&pfd, 1, left);
    } else {
      // No pidfd: wait in short bounded steps (poll with no descriptors).
      ::poll(nullptr, 0, left < 10 ? left : 10);
    }
  }
  return impl_->status;
}

void Process::stop(std::chrono::milliseconds grace) {
  if (!impl_) return;
  const pid_t target = impl_->own_group ? -impl_->pid : impl_->pid;
  if (!impl_->reap()) {
    ::kill(target, SIGTERM);
    if (!wait(grace)) {
      ::kill(target, SIGKILL);
      wait(std::chrono::milliseconds(5000));
    }
  }
  // What the child started and left running in its group goes too. (The group's id
  // cannot be reused while any member lives; with none left this is ESRCH.)
  if (impl_->own_group) ::kill(-impl_->pid, SIGKILL);
}

void Process::kill() {
  if (!impl_) return;
  if (impl_->reap()) {
    if (impl_->own_group) ::kill(-impl_->pid, SIGKILL);  // what it left in its group
    return;
  }
  ::kill(impl_->own_group ? -impl_->pid : impl_->pid, SIGKILL);
  // SIGKILL cannot be caught; the child is gone as soon as the kernel runs it.
  wait(std::chrono::milliseconds(5000));
}

std::string executable_path() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return {};
  return std::string(path, static_cast<std::size_t>(n));
}

std::string_view executable_suffix() { return ""; }

bool process_gone(long id, std::chrono::milliseconds timeout) {
  if (id <= 0) return true;
  const int pidfd = open_pidfd(static_cast<pid_t>(id));
  if (pidfd == -1) {
    // No such process (ESRCH), or no pidfd here: ask kill(0) once, without waiting.
    return errno == ESRCH || (::kill(static_cast<pid_t>(id), 0) != 0 && errno == ESRCH);
  }
  // A pidfd turns readable when the process exits (also before it is reaped).
  pollfd pfd{pidfd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  ::close(pidfd);
  return ready > 0;
}

}  // namespace closesem::platform
