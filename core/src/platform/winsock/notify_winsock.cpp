// SPDX-License-Identifier: MIT
// Notifications with their event sets on Winsock: WSAPoll, select, and WSAEventSelect +
// WSAEnumNetworkEvents (FD_* with FD_CLOSE's error code). Measured under Wine 8.0:
// the Wine 8.0 measurements (docs/contract.md §4) (poll, select and FD_* tables).
#include "closesem/platform.hpp"

#include <winsock2.h>
#include <windows.h>

#include <algorithm>
#include <memory>

namespace closesem::platform {
namespace {

// The capture discipline of socket_winsock.cpp: the slot poisoned before, read right after.
void poison() { ::WSASetLastError(kErrorSentinel); }

CallResult capture(std::int64_t ret, bool failed) {
  const int native = ::WSAGetLastError();
  CallResult out;
  out.ret = ret;
  out.native = native;
  out.errc = failed ? errc_from_native(native) : Errc::ok;
  return out;
}

// Refused without any call: the native slot stays the sentinel ("the call never ran").
CallResult not_supported() {
  CallResult out;
  out.ret = -1;
  out.errc = Errc::not_supported;
  return out;
}

SOCKET as_socket(NativeHandle handle) { return static_cast<SOCKET>(handle); }

// Winsock timeouts are int/DWORD milliseconds; clamp what the caller asked for.
int timeout_ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, 0x7fffffff));
}

class EventSelectNotifier final : public Notifier {
 public:
  EventSelectNotifier(SOCKET socket, WSAEVENT event) : socket_(socket), event_(event) {}
  // Only the event object is ours. The socket stays associated with it (a closed event
  // just never signals): undoing the association would call WSAEventSelect on a handle
  // value that may since name another socket (closesocket's remark on reuse).
  ~EventSelectNotifier() override { ::WSACloseEvent(event_); }

  CallResult wait(std::chrono::milliseconds timeout, events::EventSet& seen) override {
    seen = events::EventSet{};
    poison();
    const DWORD waited = ::WSAWaitForMultipleEvents(1, &event_, FALSE, static_cast<DWORD>(timeout_ms(timeout)), FALSE);
    if (waited == WSA_WAIT_FAILED) return capture(-1, true);
    if (waited == WSA_WAIT_TIMEOUT) {
      CallResult out;
      out.ret = 0;
      return out;
    }
    WSANETWORKEVENTS recorded{};
    poison();
    // Copies the record, clears it and resets the event, atomically (WSAEnumNetworkEvents).
    const int ret = ::WSAEnumNetworkEvents(socket_, event_, &recorded);
    auto outcome = capture(ret, ret == SOCKET_ERROR);
    if (ret == SOCKET_ERROR) return outcome;
    const long bits = recorded.lNetworkEvents;
    if ((bits & FD_READ) != 0) seen.bits |= events::read;
    if ((bits & FD_WRITE) != 0) seen.bits |= events::write;
    if ((bits & FD_ACCEPT) != 0) seen.bits |= events::accept;
    if ((bits & FD_CONNECT) != 0) seen.bits |= events::connect;
    if ((bits & FD_CLOSE) != 0) {
      seen.bits |= events::close;
      const int code = recorded.iErrorCode[FD_CLOSE_BIT];
      // 0: a graceful close; otherwise the documented WSAECONNRESET / WSAECONNABORTED.
      seen.close_error = code == 0 ? Errc::ok : errc_from_native(code);
    }
    // The event was set but nothing was recorded (the record was read in between): no events.
    outcome.ret = seen.bits != 0 ? 1 : 0;
    return outcome;
  }

 private:
  SOCKET socket_;
  WSAEVENT event_;
};

}  // namespace

CallResult poll_events(NativeHandle handle, std::chrono::milliseconds timeout, events::EventSet& seen) {
  seen = events::EventSet{};
  WSAPOLLFD entry{};
  entry.fd = as_socket(handle);
  // POLLPRI is not asked: WSAPoll documents it as unsupported (WSAEINVAL) for TCP.
  entry.events = POLLRDNORM | POLLWRNORM;
  poison();
  const int ret = ::WSAPoll(&entry, 1, timeout_ms(timeout));
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  // Read revents even when the call failed: on a closed socket WSAPoll fails with
  // WSAENOTSOCK and still marks the entry POLLNVAL (measured under Wine 8.0).
  if ((entry.revents & POLLRDNORM) != 0) seen.bits |= events::in;
  if ((entry.revents & POLLWRNORM) != 0) seen.bits |= events::out;
  if ((entry.revents & POLLHUP) != 0) seen.bits |= events::hup;
  if ((entry.revents & POLLERR) != 0) seen.bits |= events::err;
  if ((entry.revents & POLLNVAL) != 0) seen.bits |= events::nval;
  return outcome;
}

CallResult select_events(NativeHandle handle, std::chrono::milliseconds timeout, events::EventSet& seen) {
  seen = events::EventSet{};
  fd_set readable;
  fd_set writable;
  fd_set exceptional;
  FD_ZERO(&readable);
  FD_ZERO(&writable);
  FD_ZERO(&exceptional);
  FD_SET(as_socket(handle), &readable);
  FD_SET(as_socket(handle), &writable);
  FD_SET(as_socket(handle), &exceptional);
  const int ms = timeout_ms(timeout);
  timeval bound{};
  bound.tv_sec = ms / 1000;
  bound.tv_usec = (ms % 1000) * 1000;
  poison();
  // The first argument is ignored by Winsock (kept for Berkeley compatibility).
  const int ret = ::select(0, &readable, &writable, &exceptional, &bound);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret > 0) {
    if (FD_ISSET(as_socket(handle), &readable)) seen.bits |= events::in;
    if (FD_ISSET(as_socket(handle), &writable)) seen.bits |= events::out;
    if (FD_ISSET(as_socket(handle), &exceptional)) seen.bits |= events::err;
    // select counts each set the socket is in; the contract is poll's: 1 when any came.
    outcome.ret = 1;
  }
  return outcome;
}

CallResult Notifier::open(Kind kind, NativeHandle handle, std::unique_ptr<Notifier>& out) {
  if (kind != Kind::event_select) return not_supported();  // epoll is Linux's
  poison();
  const WSAEVENT event = ::WSACreateEvent();
  if (event == WSA_INVALID_EVENT) return capture(-1, true);
  poison();
  const int ret = ::WSAEventSelect(as_socket(handle), event,
                                   FD_READ | FD_WRITE | FD_ACCEPT | FD_CONNECT | FD_CLOSE);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == SOCKET_ERROR) {
    ::WSACloseEvent(event);
    return outcome;
  }
  out = std::make_unique<EventSelectNotifier>(as_socket(handle), event);
  return outcome;
}

}  // namespace closesem::platform
