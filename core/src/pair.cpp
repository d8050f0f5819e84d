// SPDX-License-Identifier: MIT
// The loopback pair factory. One listener per process and transport, bound to port 0
// (or a fresh temporary path), accepts every pair's server end; each step is bounded.
#include "closesem/pair.hpp"

#include <map>
#include <mutex>
#include <set>

namespace closesem {
namespace {

using platform::Endpoint;
using platform::CallResult;
using platform::Socket;
using platform::Transport;

constexpr std::chrono::milliseconds kStepTimeout{5000};

struct Listener {
  Socket socket;
  Endpoint endpoint;
  // Its receive timeout (accept_within's bound where that bounds an accept, Linux),
  // which an accepted socket takes over (Linux: sk_clone_lock in net/core/sock.c copies
  // sk_rcvtimeo) or not (measured at the first accept: `inherits`).
  std::chrono::milliseconds receive_timeout{0};
  enum class Inherits { unknown, yes, no } inherits = Inherits::unknown;
};

class Factory {
 public:
  PairResult make(const PairKind& kind, std::chrono::milliseconds patience) {
    std::lock_guard<std::mutex> lock(mutex_);
    forget_dead_listeners();
    std::string why_not;
    platform::CallResult why;
    if (!available(kind.transport, why_not, why)) return {PairStatus::unavailable, {}, std::move(why_not), why};
    // A WSACleanup that ended the session was handled above (forget_dead_listeners);
    // any other failure is reported as it is, not retried.
    return attempt(kind, patience);
  }

 private:
  // After the last WSACleanup the listeners are gone and their handle values may be
  // reused by new sockets: let go of them without closing anything.
  void forget_dead_listeners() {
    const auto epoch = platform::session_epoch();
    if (epoch == epoch_) return;
    for (auto& entry : listeners_) entry.second.socket.release();
    listeners_.clear();
    epoch_ = epoch;
  }

  // Only a transport found available is remembered: a probe can also fail for a
  // passing reason (no WSAStartup session at the time).
  bool available(Transport transport, std::string& why_not, platform::CallResult& why) {
    if (available_.count(transport) != 0) return true;
    if (!platform::transport_available(transport, &why_not, &why)) return false;
    available_.insert(transport);
    return true;
  }

  static PairResult failure(const std::string& step, const CallResult& outcome) {
    return {PairStatus::failed, {}, step + ": " + outcome.describe(), outcome};
  }

  // The process's listener for a transport, created on first use, with `receive_timeout`.
  CallResult listener_for(Transport transport, std::chrono::milliseconds receive_timeout, Listener*& out) {
    auto found = listeners_.find(transport);
    if (found == listeners_.end()) {
      Listener listener;
      auto outcome = platform::open_stream(transport, listener.socket);
      if (outcome.ok()) outcome = platform::bind_loopback(listener.socket.get(), transport);
      if (outcome.ok()) outcome = platform::listen(listener.socket.get(), 128);
      if (outcome.ok()) outcome = platform::local_endpoint(listener.socket.get(), listener.endpoint);
      if (!outcome.ok()) return outcome;
      found = listeners_.emplace(transport, std::move(listener)).first;
    }
    out = &found->second;
    if (out->receive_timeout == receive_timeout) return CallResult{};
    auto outcome = platform::set_io_timeout(out->socket.get(), receive_timeout, platform::TimeoutOf::receive);
    if (outcome.ok()) out->receive_timeout = receive_timeout;
    return outcome;
  }

  // The accepted end's receive timeout becomes `patience` (0: none): taken over from the
  // listener where accepted sockets inherit it, else set. Whether they do is measured
  // once per listener (one getsockopt).
  CallResult settle_receive_timeout(Listener& listener, Socket& server, std::chrono::milliseconds patience) {
    if (listener.inherits == Listener::Inherits::unknown) {
      std::chrono::milliseconds seen{-1};
      auto asked = platform::io_timeout(server.get(), platform::TimeoutOf::receive, seen);
      if (!asked.ok()) return asked;
      listener.inherits = seen == listener.receive_timeout ? Listener::Inherits::yes : Listener::Inherits::no;
    }
    const auto has = listener.inherits == Listener::Inherits::yes ? listener.receive_timeout : std::chrono::milliseconds(0);
    if (has == patience) return CallResult{};
    return platform::set_io_timeout(server.get(), patience, platform::TimeoutOf::receive);
  }

  PairResult attempt(const PairKind& kind, std::chrono::milliseconds patience) {
    // Every step is bounded by the patience when there is one, scaled as the runner's
    // waits are (a loopback connect or accept of the connection just made waits only for
    // a listener whose queue is full, and no one else connects to this one), else by
    // kStepTimeout. (Unscaled, the bound is the timeout kept: no call to set it again.)
    const auto timeout = platform::scaled(patience.count() > 0 ? patience : kStepTimeout);
    Listener* listener = nullptr;
    if (auto made = listener_for(kind.transport, timeout, listener); !made.ok())
      return failure("listener on " + std::string(to_string(kind.transport)), made);

    // Connect, bounded, so that a listener that never answers is a bounded failure; the
    // client keeps the patience as its send timeout (one setsockopt, not two).
    Socket client;
    if (auto opened = platform::open_stream(kind.transport, client); !opened.ok())
      return failure("socket", opened);
    std::string step;
    if (auto connected = platform::connect_within(client.get(), listener->endpoint, timeout, step, patience);
        !connected.ok())
      return failure(step + " (to " + listener->endpoint.describe() + ")", connected);

    // Accept the connection just made; anything else in the queue is not ours. (An
    // AF_UNIX client has no name to match: the first connection on this process's own
    // temporary path is taken, as it always was.)
    const bool by_name = kind.transport != Transport::unix_stream;
    Endpoint client_address;
    if (by_name) platform::local_endpoint(client.get(), client_address);
    Socket server;
    for (int tries = 0; tries < 16; ++tries) {
      Socket candidate;
      Endpoint candidate_peer;
      if (auto accepted =
              platform::accept_within(listener->socket.get(), timeout, candidate, by_name ? &candidate_peer : nullptr);
          !accepted.ok())
        return failure(accepted.errc == Errc::would_block
                           ? "accept: no connection within " + std::to_string(timeout.count()) + " ms"
                           : std::string("accept"),
                       accepted);
      if (!by_name || (candidate_peer.port == client_address.port && candidate_peer.address == client_address.address)) {
        server = std::move(candidate);
        break;
      }
    }
    if (!server.valid()) return {PairStatus::failed, {}, "accept: our connection never came out of the queue", {}};
    if (auto settled = settle_receive_timeout(*listener, server, patience); !settled.ok())
      return failure("set the accepted end's receive timeout", settled);

    PairResult result{PairStatus::ok, {}, {}, {}};
    result.pair.kind = kind;
    result.pair.first = kind.reversed ? std::move(server) : std::move(client);
    result.pair.second = kind.reversed ? std::move(client) : std::move(server);
    return result;
  }

  std::mutex mutex_;
  std::set<Transport> available_;
  std::map<Transport, Listener> listeners_;
  std::uint64_t epoch_ = platform::session_epoch();
};

Factory& factory() {
  static Factory instance;
  return instance;
}

}  // namespace

std::string PairKind::description() const {
  return std::string(to_string(transport)) + (reversed ? " reversed" : "");
}

std::vector<PairKind> pair_kinds(bool with_reversals) {
  std::vector<PairKind> kinds;
  for (auto transport : {Transport::tcp4, Transport::tcp6, Transport::unix_stream}) {
    kinds.push_back({transport, false});
    if (with_reversals) kinds.push_back({transport, true});
  }
  return kinds;
}

PairResult make_pair(const PairKind& kind, std::chrono::milliseconds patience) {
  return factory().make(kind, patience);
}

}  // namespace closesem
