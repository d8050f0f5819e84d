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
};

class Factory {
 public:
  PairResult make(const PairKind& kind) {
    std::lock_guard<std::mutex> lock(mutex_);
    forget_dead_listeners();
    std::string why_not;
    platform::CallResult why;
    if (!available(kind.transport, why_not, why)) return {PairStatus::unavailable, {}, std::move(why_not), why};
    // A WSACleanup that ended the session was handled above (forget_dead_listeners);
    // any other failure is reported as it is, not retried.
    return attempt(kind);
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

  // The process's listener for a transport, created on first use.
  CallResult listener_for(Transport transport, Listener*& out) {
    auto found = listeners_.find(transport);
    if (found != listeners_.end()) {
      out = &found->second;
      return CallResult{};
    }
    Listener listener;
    auto outcome = platform::open_stream(transport, listener.socket);
    if (outcome.ok()) outcome = platform::bind_loopback(listener.socket.get(), transport);
    if (outcome.ok()) outcome = platform::listen(listener.socket.get(), 128);
    if (outcome.ok()) outcome = platform::local_endpoint(listener.socket.get(), listener.endpoint);
    // accept_within's bound where the receive timeout bounds an accept (Linux).
    if (outcome.ok()) outcome = platform::set_io_timeout(listener.socket.get(), platform::scaled(kStepTimeout),
                                                             platform::TimeoutOf::receive);
    if (!outcome.ok()) return outcome;
    out = &listeners_.emplace(transport, std::move(listener)).first->second;
    return outcome;
  }

  PairResult attempt(const PairKind& kind) {
    const auto timeout = platform::scaled(kStepTimeout);
    Listener* listener = nullptr;
    if (auto made = listener_for(kind.transport, listener); !made.ok())
      return failure("listener on " + std::string(to_string(kind.transport)), made);

    // Connect, bounded, so that a listener that never answers is a bounded failure.
    Socket client;
    if (auto opened = platform::open_stream(kind.transport, client); !opened.ok())
      return failure("socket", opened);
    std::string step;
    if (auto connected = platform::connect_within(client.get(), listener->endpoint, timeout, step); !connected.ok())
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

PairResult make_pair(const PairKind& kind) { return factory().make(kind); }

}  // namespace closesem
