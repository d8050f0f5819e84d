// SPDX-License-Identifier: MIT
// Notifications with their event sets on POSIX: poll, select and (Linux) epoll, level- and
// edge-triggered. Each call is captured like every other call of the layer (errno
// poisoned before, read right after); a wait interrupted by a signal (the thread
// mechanism's cancel signal may reach any thread blocked in a wait) is resumed with the
// time left, so the bound is the caller's.
#include "closesem/platform.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/epoll.h>
#endif  // defined(__linux__)

#include <algorithm>
#include <cerrno>

namespace closesem::platform {
namespace {

CallResult capture(std::int64_t ret, bool failed) {
  const int native = errno;
  CallResult out;
  out.ret = ret;
  out.native = native;
  out.errc = failed ? errc_from_native(native) : Errc::ok;
  return out;
}

void poison() { errno = kErrorSentinel; }

// A failure made without any call: errno set to `native` so that capture() names it.
CallResult refuse(int native) {
  errno = native;
  return capture(-1, true);
}

// Where a kind does not exist here: not_supported, made without any call (the error slot
// keeps the sentinel: no call set it).
CallResult unsupported() {
  CallResult out;
  out.ret = -1;
  out.errc = Errc::not_supported;
  return out;
}

using Clock = std::chrono::steady_clock;

// The deadline of a wait of `timeout`: a negative bound is 0, and a huge one is cut to a
// day so that now() + timeout cannot overflow.
Clock::time_point deadline_after(std::chrono::milliseconds timeout) {
  return Clock::now() + std::clamp(timeout, std::chrono::milliseconds(0), std::chrono::milliseconds(86400000));
}

int left_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 0x7fffffff));
}

}  // namespace

CallResult poll_events(NativeHandle handle, std::chrono::milliseconds timeout, events::EventSet& seen) {
  seen = events::EventSet{};
  pollfd entry{};
  entry.fd = handle;
  entry.events = POLLIN | POLLOUT;
#ifdef POLLRDHUP
  entry.events |= POLLRDHUP;
#endif  // POLLRDHUP
  const auto deadline = deadline_after(timeout);
  for (;;) {
    entry.revents = 0;
    poison();
    const int ret = ::poll(&entry, 1, left_ms(deadline));
    if (ret == -1 && errno == EINTR && Clock::now() < deadline) continue;
    auto outcome = capture(ret, ret == -1);
    const auto got = entry.revents;
    if ((got & POLLIN) != 0) seen.bits |= events::in;
    if ((got & POLLOUT) != 0) seen.bits |= events::out;
    if ((got & POLLHUP) != 0) seen.bits |= events::hup;
#ifdef POLLRDHUP
    if ((got & POLLRDHUP) != 0) seen.bits |= events::rdhup;
#endif  // POLLRDHUP
    if ((got & POLLERR) != 0) seen.bits |= events::err;
    if ((got & POLLNVAL) != 0) seen.bits |= events::nval;
    return outcome;
  }
}

CallResult select_events(NativeHandle handle, std::chrono::milliseconds timeout, events::EventSet& seen) {
  seen = events::EventSet{};
  // FD_SET outside [0, FD_SETSIZE) writes outside the set: refused without a call, as
  // the C library's fortified FD_SET would abort. -1 is the invalid handle: EBADF, what
  // select answers for a descriptor that is not open.
  if (handle < 0) return refuse(EBADF);
  if (handle >= FD_SETSIZE) return refuse(EINVAL);
  const auto deadline = deadline_after(timeout);
  for (;;) {
    fd_set read_set;
    fd_set write_set;
    fd_set except_set;
    FD_ZERO(&read_set);
    FD_ZERO(&write_set);
    FD_ZERO(&except_set);
    FD_SET(handle, &read_set);
    FD_SET(handle, &write_set);
    FD_SET(handle, &except_set);
    const int left = left_ms(deadline);
    timeval bound{};
    bound.tv_sec = left / 1000;
    bound.tv_usec = (left % 1000) * 1000;
    poison();
    const int ret = ::select(handle + 1, &read_set, &write_set, &except_set, &bound);
    if (ret == -1 && errno == EINTR && Clock::now() < deadline) continue;
    auto outcome = capture(ret, ret == -1);
    if (ret > 0) {
      if (FD_ISSET(handle, &read_set)) seen.bits |= events::in;
      if (FD_ISSET(handle, &write_set)) seen.bits |= events::out;
      if (FD_ISSET(handle, &except_set)) seen.bits |= events::err;
      // select counts each set a descriptor is in; the contract is poll's: 1 when any came.
      outcome.ret = 1;
    }
    return outcome;
  }
}

#if defined(__linux__)
namespace {

// One epoll instance with one socket in it, for in|out|rdhup (and EPOLLET for edge).
// The instance refers to the socket's open file, not to its descriptor number: once the
// last descriptor of that file is closed the kernel drops the registration
// (fs/eventpoll.c, eventpoll_release), so a wait afterwards times out with {}.
class EpollNotifier final : public Notifier {
 public:
  explicit EpollNotifier(int epoll_fd) : epoll_fd_(epoll_fd) {}
  ~EpollNotifier() override { ::close(epoll_fd_); }
  EpollNotifier(const EpollNotifier&) = delete;
  EpollNotifier& operator=(const EpollNotifier&) = delete;

  CallResult wait(std::chrono::milliseconds timeout, events::EventSet& seen) override {
    seen = events::EventSet{};
    const auto deadline = deadline_after(timeout);
    for (;;) {
      epoll_event got[2] = {};
      poison();
      const int ret = ::epoll_wait(epoll_fd_, got, 2, left_ms(deadline));
      if (ret == -1 && errno == EINTR && Clock::now() < deadline) continue;
      auto outcome = capture(ret, ret == -1);
      for (int i = 0; i < ret; ++i) {
        const auto bits = got[i].events;
        if ((bits & EPOLLIN) != 0) seen.bits |= events::in;
        if ((bits & EPOLLOUT) != 0) seen.bits |= events::out;
        if ((bits & EPOLLHUP) != 0) seen.bits |= events::hup;
        if ((bits & EPOLLRDHUP) != 0) seen.bits |= events::rdhup;
        if ((bits & EPOLLERR) != 0) seen.bits |= events::err;
      }
      if (ret > 0) outcome.ret = 1;
      return outcome;
    }
  }

 private:
  int epoll_fd_;
};

}  // namespace
#endif  // defined(__linux__)

CallResult Notifier::open(Kind kind, NativeHandle handle, std::unique_ptr<Notifier>& out) {
  out.reset();
  switch (kind) {
    case Kind::epoll_level:
    case Kind::epoll_edge: {
#if defined(__linux__)
      poison();
      int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
      if (epoll_fd == -1) return capture(-1, true);
      if (epoll_fd == handle && handle >= 0) {
        // `handle` was closed and the new instance took its number (the lowest free one):
        // epoll_ctl would see the instance itself (EINVAL). Move the instance above it,
        // so that the call is asked about `handle` as it was: closed, EBADF.
        const int moved = ::fcntl(epoll_fd, F_DUPFD_CLOEXEC, handle + 1);
        ::close(epoll_fd);
        if (moved == -1) return capture(-1, true);
        epoll_fd = moved;
      }
      epoll_event wanted{};
      wanted.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
      if (kind == Kind::epoll_edge) wanted.events |= EPOLLET;
      wanted.data.fd = handle;
      poison();
      const int ret = ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, handle, &wanted);
      auto outcome = capture(ret, ret == -1);
      if (ret == -1) {
        ::close(epoll_fd);
        return outcome;
      }
      out = std::make_unique<EpollNotifier>(epoll_fd);
      return outcome;
#else   // defined(__linux__)
      (void)handle;
      return unsupported();  // epoll is Linux's
#endif  // defined(__linux__)
    }
    case Kind::event_select:
      (void)handle;
      return unsupported();  // WSAEventSelect is Winsock's
  }
  return refuse(EINVAL);
}

}  // namespace closesem::platform
