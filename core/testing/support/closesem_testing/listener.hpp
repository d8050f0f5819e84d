// SPDX-License-Identifier: MIT
// A listener of its own on loopback port 0 (or a fresh AF_UNIX path), and a connect that
// never blocks for long: non-blocking connect, a bounded wait, then SO_ERROR (as the pair
// factory in core/src/pair.cpp does it).
#pragma once

#include "closesem_testing/fixtures.hpp"

#include "closesem/platform.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace closesem::testing {

struct LoopbackListener {
  platform::Socket socket;
  platform::Endpoint endpoint;
};

// socket, bind, listen and getsockname; each step must succeed.
inline LoopbackListener open_listener(platform::Transport transport, int backlog) {
  LoopbackListener listener;
  REQUIRE_THAT(observe("socket(listener)", platform::open_stream(transport, listener.socket)), succeeds());
  REQUIRE_THAT(observe("bind(listener) to loopback", platform::bind_loopback(listener.socket.get(), transport)),
               succeeds());
  REQUIRE_THAT(observe("listen(listener)", platform::listen(listener.socket.get(), backlog)), succeeds());
  REQUIRE_THAT(observe("getsockname(listener)", platform::local_endpoint(listener.socket.get(), listener.endpoint)),
               succeeds());
  return listener;
}

// The same on a given address of this host (port 0 for any), for peers on other hosts.
inline LoopbackListener open_listener_at(const platform::Endpoint& at, int backlog) {
  LoopbackListener listener;
  REQUIRE_THAT(observe("socket(listener)", platform::open_stream(at.transport, listener.socket)), succeeds());
  REQUIRE_THAT(observe("bind(listener) to " + at.describe(), platform::bind(listener.socket.get(), at)), succeeds());
  REQUIRE_THAT(observe("listen(listener)", platform::listen(listener.socket.get(), backlog)), succeeds());
  REQUIRE_THAT(observe("getsockname(listener)", platform::local_endpoint(listener.socket.get(), listener.endpoint)),
               succeeds());
  return listener;
}

// Connects `handle` to `to` within `timeout` and leaves it blocking again. The result is
// the connect's own outcome when it failed at once; otherwise the SO_ERROR it ended
// with, as an outcome (ret -1 and that error, or success). A connect still pending at the
// timeout gives timed_out with the native error unset.
inline platform::CallResult connect_bounded(platform::NativeHandle handle, const platform::Endpoint& to,
                                         std::chrono::milliseconds timeout = positive_timeout()) {
  const auto nonblocking = platform::set_nonblocking(handle, true);
  if (!nonblocking.ok()) return nonblocking;
  auto outcome = platform::connect(handle, to);
  if (!outcome.ok() && (outcome.errc == Errc::in_progress || outcome.errc == Errc::would_block)) {
    const auto ready = platform::wait(handle, platform::WaitFor::writable, timeout);
    if (!ready.ok()) return ready;
    if (ready.ret == 0) {
      outcome = platform::CallResult{};
      outcome.ret = -1;
      outcome.errc = Errc::timed_out;
    } else {
      int so_error = 0;
      const auto status = platform::socket_error(handle, so_error);
      if (!status.ok()) return status;
      outcome = platform::CallResult{};
      if (so_error != 0) {
        outcome.ret = -1;
        outcome.native = so_error;
        outcome.errc = platform::errc_from_native(so_error);
      }
    }
  }
  platform::set_nonblocking(handle, false);
  return outcome;
}

// A TCP client whose connect stays pending: the listener has a backlog of 0 and one
// connection already queued, so the stack drops further SYNs (Linux: the accept queue is
// full, LISTENOVERFLOWS) and the client stays in SYN_SENT. `queued` keeps the client
// that filled the queue. Returns false with a reason when every connect completed
// within a bounded number of tries (a stack that does not drop SYNs at a full queue).
struct PendingConnect {
  LoopbackListener listener;
  std::vector<platform::Socket> queued;
  platform::Socket connecting;
};

inline bool open_pending_connect(platform::Transport transport, PendingConnect& out, std::string& why_not) {
  constexpr int kTries = 8;
  out.listener = open_listener(transport, 0);
  for (int i = 0; i < kTries; ++i) {
    platform::Socket client;
    REQUIRE_THAT(observe("socket(client)", platform::open_stream(transport, client)), succeeds());
    REQUIRE_THAT(observe("set_nonblocking(client)", platform::set_nonblocking(client.get(), true)), succeeds());
    const auto started = platform::connect(client.get(), out.listener.endpoint);
    REQUIRE_THAT(observe("connect(client) to a listener with backlog 0", started),
                 fails_with_any({Errc::in_progress, Errc::would_block}));
    const auto ready = platform::wait(client.get(), platform::WaitFor::writable, quiet_timeout());
    REQUIRE_THAT(observe("wait(client, writable) for the connect", ready), succeeds());
    if (ready.ret == 0) {
      out.connecting = std::move(client);
      return true;
    }
    out.queued.push_back(std::move(client));
  }
  why_not = "all " + std::to_string(kTries) + " connects to a listener with backlog 0 completed within " +
            std::to_string(quiet_timeout().count()) + " ms: no connect stays pending on this stack";
  return false;
}

}  // namespace closesem::testing
