// SPDX-License-Identifier: MIT
// The POSIX backend: every socket call of closesem::platform, through the C library's
// dynamic symbols (no raw syscalls), so an LD_PRELOAD socket shim sees every call.
#include "closesem/platform.hpp"
#include "../backend.hpp"
#include "../sockaddr.hpp"

#include <dirent.h>
#include <cstdio>
#if defined(__linux__)
#include <net/if.h>
#include <sched.h>
#endif
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>
#include <string>

namespace closesem::platform {
namespace {

using backend::Address;
using backend::family_of;
using backend::from_address;
using backend::to_address;

// The one capture point: errno read first thing after the call, which ran with errno
// poisoned by poison().
CallResult capture(std::int64_t ret, bool failed) {
  const int native = errno;
  CallResult out;
  out.ret = ret;
  out.native = native;
  out.errc = failed ? errc_from_native(native) : Errc::ok;
  return out;
}

void poison() { errno = kErrorSentinel; }

// The one shutdown table: portable how -> SHUT_*.
int native_how(ShutdownHow how) {
  switch (how) {
    case ShutdownHow::receive: return SHUT_RD;
    case ShutdownHow::send: return SHUT_WR;
    case ShutdownHow::both: return SHUT_RDWR;
  }
  return -1;
}

CallResult set_int_option(int handle, int level, int name, int value) {
  poison();
  const int ret = ::setsockopt(handle, level, name, &value, sizeof(value));
  return capture(ret, ret == -1);
}

std::atomic<unsigned long> g_sigpipes{0};

void count_sigpipe(int) { g_sigpipes.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

Api api() { return Api::posix; }

void init_process() {
  struct sigaction action {};
  action.sa_handler = count_sigpipe;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGPIPE, &action, nullptr);
}

unsigned long broken_pipe_signals() { return g_sigpipes.load(std::memory_order_relaxed); }

CallResult startup() { return CallResult{}; }
CallResult cleanup() { return CallResult{}; }
std::uint64_t session_epoch() { return 0; }

CallResult open_stream(Transport transport, Socket& out) {
  poison();
  const int fd = ::socket(family_of(transport), SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto outcome = capture(fd == -1 ? -1 : 0, fd == -1);
  if (fd != -1) out = Socket(fd);
  return outcome;
}

CallResult close_handle(NativeHandle handle) {
  poison();
  const int ret = ::close(handle);
  return capture(ret, ret == -1);
}

CallResult shutdown(NativeHandle handle, ShutdownHow how) {
  return shutdown_raw(handle, native_how(how));
}

CallResult shutdown_raw(NativeHandle handle, int how) {
  poison();
  const int ret = ::shutdown(handle, how);
  return capture(ret, ret == -1);
}

CallResult send(NativeHandle handle, const void* data, std::size_t size) {
  poison();
  const ssize_t ret = ::send(handle, data, size, MSG_NOSIGNAL);
  return capture(ret, ret == -1);
}

CallResult recv(NativeHandle handle, void* data, std::size_t size) {
  poison();
  const ssize_t ret = ::recv(handle, data, size, 0);
  return capture(ret, ret == -1);
}

CallResult set_linger(NativeHandle handle, Linger linger) {
  ::linger value{};
  value.l_onoff = linger.on ? 1 : 0;
  value.l_linger = linger.seconds;
  poison();
  const int ret = ::setsockopt(handle, SOL_SOCKET, SO_LINGER, &value, sizeof(value));
  return capture(ret, ret == -1);
}

CallResult get_linger(NativeHandle handle, Linger& out) {
  ::linger value{};
  socklen_t length = sizeof(value);
  poison();
  const int ret = ::getsockopt(handle, SOL_SOCKET, SO_LINGER, &value, &length);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0) out = Linger{value.l_onoff != 0, value.l_linger};
  return outcome;
}

CallResult set_dont_linger(NativeHandle, bool) {
  errno = ENOPROTOOPT;
  return capture(-1, true);
}

CallResult set_tcp_linger2(NativeHandle handle, int seconds) {
#ifdef TCP_LINGER2
  poison();
  const int ret = ::setsockopt(handle, IPPROTO_TCP, TCP_LINGER2, &seconds, sizeof(seconds));
  return capture(ret, ret == -1);
#else
  (void)handle;
  (void)seconds;
  errno = ENOPROTOOPT;
  return capture(-1, true);
#endif
}

CallResult get_tcp_linger2(NativeHandle handle, int& seconds) {
#ifdef TCP_LINGER2
  int value = 0;
  socklen_t length = sizeof(value);
  poison();
  const int ret = ::getsockopt(handle, IPPROTO_TCP, TCP_LINGER2, &value, &length);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0) seconds = value;
  return outcome;
#else
  (void)handle;
  (void)seconds;
  errno = ENOPROTOOPT;
  return capture(-1, true);
#endif
}

CallResult set_nonblocking(NativeHandle handle, bool on) {
  // FIONBIO sets or clears the file's O_NONBLOCK in one call (ioctl_fionbio in Linux's
  // fs/ioctl.c), where fcntl takes two (F_GETFL, then F_SETFL); the same flag either way.
  int value = on ? 1 : 0;
  poison();
  const int ret = ::ioctl(handle, FIONBIO, &value);
  return capture(ret, ret == -1);
}

CallResult set_io_timeout(NativeHandle handle, std::chrono::milliseconds timeout, TimeoutOf which) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  poison();
  const int ret = ::setsockopt(handle, SOL_SOCKET, which == TimeoutOf::receive ? SO_RCVTIMEO : SO_SNDTIMEO, &value,
                               sizeof(value));
  return capture(ret, ret == -1);
}

CallResult io_timeout(NativeHandle handle, TimeoutOf which, std::chrono::milliseconds& timeout) {
  timeval value{};
  socklen_t length = sizeof(value);
  poison();
  const int ret =
      ::getsockopt(handle, SOL_SOCKET, which == TimeoutOf::receive ? SO_RCVTIMEO : SO_SNDTIMEO, &value, &length);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0)
    timeout = std::chrono::milliseconds(static_cast<long long>(value.tv_sec) * 1000 + value.tv_usec / 1000);
  return outcome;
}

CallResult wait(NativeHandle handle, WaitFor what, std::chrono::milliseconds timeout,
             Events* seen) {
  pollfd entry{};
  entry.fd = handle;
  switch (what) {
    case WaitFor::readable: entry.events = POLLIN; break;
    case WaitFor::writable: entry.events = POLLOUT; break;
    // Linux reports a peer's FIN as POLLRDHUP, not POLLHUP (docs/contract.md §4 #27).
    case WaitFor::hangup: entry.events = POLLRDHUP; break;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    entry.revents = 0;
    poison();
    const int ret = ::poll(&entry, 1, static_cast<int>(std::max<long long>(0, left.count())));
    if (ret == -1 && errno == EINTR && left.count() > 0) continue;
    auto outcome = capture(ret, ret == -1);
    if (seen != nullptr) {
      seen->readable = (entry.revents & POLLIN) != 0;
      seen->writable = (entry.revents & POLLOUT) != 0;
      seen->hangup = (entry.revents & (POLLHUP | POLLRDHUP)) != 0;
      seen->error = (entry.revents & POLLERR) != 0;
      seen->invalid = (entry.revents & POLLNVAL) != 0;
    }
    return outcome;
  }
}

CallResult bytes_pending(NativeHandle handle) {
  int count = 0;
  poison();
  const int ret = ::ioctl(handle, FIONREAD, &count);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0) outcome.ret = count;
  return outcome;
}

CallResult socket_error(NativeHandle handle, int& so_error) {
  int value = kErrorSentinel;
  socklen_t length = sizeof(value);
  poison();
  const int ret = ::getsockopt(handle, SOL_SOCKET, SO_ERROR, &value, &length);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0) so_error = value;
  return outcome;
}

CallResult accepts_connections(NativeHandle handle, bool& listening) {
  int value = 0;
  socklen_t length = sizeof(value);
  poison();
  const int ret = ::getsockopt(handle, SOL_SOCKET, SO_ACCEPTCONN, &value, &length);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0) listening = value != 0;
  return outcome;
}

CallResult bind(NativeHandle handle, const Endpoint& at) {
  if (at.transport == Transport::tcp6) {
    const auto v6only = set_int_option(handle, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    if (!v6only.ok()) return v6only;
  }
  Address address;
  if (!to_address(at, address)) {
    errno = EINVAL;
    return capture(-1, true);
  }
  poison();
  const int ret = ::bind(handle, address.get(), address.length);
  return capture(ret, ret == -1);
}

CallResult listen(NativeHandle handle, int backlog) {
  poison();
  const int ret = ::listen(handle, backlog);
  return capture(ret, ret == -1);
}

CallResult connect(NativeHandle handle, const Endpoint& to) {
  Address address;
  if (!to_address(to, address)) {
    errno = EINVAL;
    return capture(-1, true);
  }
  poison();
  const int ret = ::connect(handle, address.get(), address.length);
  return capture(ret, ret == -1);
}

CallResult connect_within(NativeHandle handle, const Endpoint& to, std::chrono::milliseconds timeout,
                          std::string& step, std::chrono::milliseconds keep) {
#if defined(__linux__)
  // A blocking connect waits at most the send timeout (TCP: inet_wait_for_connect, then
  // EINPROGRESS; AF_UNIX: unix_wait_for_peer, then EAGAIN), and a connect that returned 0
  // leaves the socket connected (SS_CONNECTED): the next connect fails EISCONN at once.
  auto last = timeout;  // the send timeout set last
  const auto set_send_timeout = [handle, &last](std::chrono::milliseconds bound) {
    last = bound;
    return set_io_timeout(handle, bound, TimeoutOf::send);
  };
  step = "set the send timeout";
  if (auto bounded = set_send_timeout(timeout); !bounded.ok()) return bounded;
  step = "connect";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto connected = connect(handle, to);
  // Under a send timeout a signal interrupts the wait with EINTR instead of restarting it
  // (net/core/sock.c: sock_intr_errno), and so does io_uring's task work for a request
  // this thread submitted (TIF_NOTIFY_SIGNAL; found by fuzz_close_sequences: a pair's
  // connect failed EINTR after 895,231 inputs). The handshake goes on: connect again
  // waits for it (TCP: SS_CONNECTING) or starts again (AF_UNIX), for what is left.
  while (!connected.ok() && connected.errc == Errc::interrupted) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) {
      // Out of time: one last connect that cannot wait, so nothing can interrupt it
      // (TCP: EALREADY while the handshake goes on, 0 once it is done; AF_UNIX: EAGAIN
      // while the listener's queue is full).
      step = "set non-blocking for the last connect";
      if (auto switched = set_nonblocking(handle, true); !switched.ok()) return switched;
      connected = connect(handle, to);
      step = "set blocking after the last connect";
      if (auto switched = set_nonblocking(handle, false); !switched.ok()) return switched;
      step = "connect";
      break;
    }
    step = "set the send timeout again";
    if (auto bounded = set_send_timeout(left); !bounded.ok()) return bounded;
    step = "connect";
    connected = connect(handle, to);
  }
  // (Run out: EINPROGRESS, or EALREADY for a connect again after EINTR; AF_UNIX: EAGAIN.)
  if (!connected.ok() && (connected.errc == Errc::in_progress || connected.errc == Errc::already ||
                          connected.errc == Errc::would_block))
    step = "connect did not complete within " + std::to_string(timeout.count()) + " ms";
  if (!connected.ok()) return connected;
  if (last != keep) {
    step = "set the send timeout to keep";
    if (auto kept = set_send_timeout(keep); !kept.ok()) return kept;
  }
  step.clear();
  return connected;
#else
  return backend::connect_by_waiting(handle, to, timeout, step, keep);
#endif
}

CallResult accept(NativeHandle handle, Socket& out, Endpoint* peer) {
  Address address;
  poison();
  const int fd = ::accept4(handle, peer ? address.get() : nullptr, peer ? &address.length : nullptr, SOCK_CLOEXEC);
  auto outcome = capture(fd == -1 ? -1 : 0, fd == -1);
  if (fd != -1) out = Socket(fd);
  if (fd != -1 && peer) *peer = from_address(address);
  return outcome;
}

CallResult accept_within(NativeHandle listener, std::chrono::milliseconds timeout, Socket& out, Endpoint* peer) {
#if defined(__linux__)
  // Blocks at most the listener's receive timeout (then EAGAIN). Under a timeout a signal
  // ends the wait with EINTR (net/core/sock.c: sock_intr_errno): the rest is waited for.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto accepted = accept(listener, out, peer);
  if (accepted.ok() || accepted.errc != Errc::interrupted) return accepted;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return backend::accept_by_waiting(listener, std::max(left, std::chrono::milliseconds(0)), out, peer);
#else
  return backend::accept_by_waiting(listener, timeout, out, peer);
#endif
}

CallResult backend::endpoint_of(NativeHandle handle, bool peer, Endpoint& out) {
  Address address;
  poison();
  const int ret = peer ? ::getpeername(handle, address.get(), &address.length)
                       : ::getsockname(handle, address.get(), &address.length);
  auto outcome = capture(ret, ret == -1);
  if (ret == 0) out = from_address(address);
  return outcome;
}

CallResult duplicate(NativeHandle handle, Socket& out) {
  poison();
  const int fd = ::fcntl(handle, F_DUPFD_CLOEXEC, 0);
  auto outcome = capture(fd == -1 ? -1 : 0, fd == -1);
  if (fd != -1) out = Socket(fd);
  return outcome;
}

Identity backend::make_identity() {
  Identity identity;
  identity.api = Api::posix;
  utsname name{};
  if (::uname(&name) != 0) {
    identity.os = "posix";
    identity.os_version = "unknown";
    return identity;
  }
  identity.os = name.sysname;
  for (auto& c : identity.os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  identity.os_version = name.release;
  if (name.nodename[0] != '\0') identity.host = name.nodename;
  return identity;
}

namespace {

// Every descriptor of the process, listed from /proc/self/fd.
bool scan_descriptors(std::vector<int>& out) {
  out.clear();
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return false;
  const int own = ::dirfd(directory);
  while (const dirent* entry = ::readdir(directory)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd != own) out.push_back(fd);
  }
  ::closedir(directory);
  std::sort(out.begin(), out.end());
  return true;
}

}  // namespace

bool handle_in_use(NativeHandle handle) { return handle >= 0 && ::fcntl(handle, F_GETFD) != -1; }

bool private_loopback(std::string& why) {
#if defined(__linux__)
  if (::unshare(CLONE_NEWNET) != 0) {
    why = std::string("unshare(CLONE_NEWNET): ") + describe_native(errno);
    return false;
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq request {};
  std::snprintf(request.ifr_name, sizeof(request.ifr_name), "%s", "lo");
  bool up = fd != -1 && ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  if (up) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
    up = ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  }
  if (!up) why = std::string("bringing up the new namespace's loopback: ") + describe_native(errno);
  if (fd != -1) ::close(fd);
  return up;  // (when lo stayed down, the caller's sockets cannot connect: it says why)
#else
  why = "no network namespaces on this system";
  return false;
#endif
}

long open_handle_count() {
  // Counting by listing /proc/self/fd costs more than a whole fuzz input's socket
  // calls, so descriptors are counted with one poll(): poll marks a closed one POLLNVAL.
  // It covers the dense range [0, limit) and, above it, only the descriptors the last
  // listing found there (one a parent left open, such as 251 of a job runner: with every
  // number up to it polled, fdget and do_sys_poll were 13% of fuzz_close_sequences'
  // time, perf; 6% without).
  // Descriptors are handed out lowest first, so no new one can lie at or above the
  // limit unless the top of the range fills up; then (and the first time)
  // /proc/self/fd is listed again and the range moved. Between fuzz inputs every script
  // socket is closed, so a headroom of 16 is rarely crossed (64 polled four times as many
  // closed numbers: the count was 3 % of a steered fuzz_close_sequences run, perf).
  constexpr int kHeadroom = 16;
  static std::mutex mutex;
  static int limit = 0;
  static std::vector<int> above;  // open descriptors past the range at the last listing
  static std::vector<pollfd> fds;
  std::lock_guard<std::mutex> lock(mutex);
  const auto relist = [] {
    std::vector<int> listed;
    if (!scan_descriptors(listed)) return false;
    // The range ends past the first gap of kHeadroom numbers (or past the last one).
    int dense = -1;
    for (const int fd : listed) {
      if (fd - dense > kHeadroom) break;
      dense = fd;
    }
    limit = dense + 1 + kHeadroom;
    above.clear();
    for (const int fd : listed)
      if (fd >= limit) above.push_back(fd);
    return true;
  };
  if (limit == 0 && !relist()) return -1;
  for (;;) {
    fds.resize(static_cast<std::size_t>(limit) + above.size());
    for (int fd = 0; fd < limit; ++fd) fds[static_cast<std::size_t>(fd)] = pollfd{fd, 0, 0};
    for (std::size_t i = 0; i < above.size(); ++i) fds[static_cast<std::size_t>(limit) + i] = pollfd{above[i], 0, 0};
    if (::poll(fds.data(), static_cast<nfds_t>(fds.size()), 0) < 0) return -1;
    long count = 0;
    int highest = -1;  // in the range
    for (std::size_t i = 0; i < fds.size(); ++i)
      if ((fds[i].revents & POLLNVAL) == 0) {
        ++count;
        if (i < static_cast<std::size_t>(limit)) highest = fds[i].fd;
      }
    if (highest < limit - kHeadroom / 2) return count;
    if (!relist()) return -1;
  }
}

namespace backend {
unsigned long process_id() { return static_cast<unsigned long>(::getpid()); }
}  // namespace backend

}  // namespace closesem::platform
