// SPDX-License-Identifier: MIT
// The model's state machine: what each op may return in the current state, for one
// profile, and how the state moves on. Platform differences come from the profile's
// facts and named traits (profiles.cpp), never from the API family; what is the same
// everywhere is written here, with its source
// (contract IDs and sections: docs/contract.md; "catalogue #N": docs/scenarios.md).
#include "closesem/model.hpp"

#include "closesem/text.hpp"

#include <algorithm>

namespace closesem::model {
namespace {

using ops::Outcome;
using ops::OpKind;
using Phase = Model::Socket::Phase;

// Loopback buffers take at least this much without the peer reading (Linux TCP and
// AF_UNIX defaults, Windows 64 KiB): up to here a send is predicted to complete whole.
constexpr std::uint64_t kSurelyBuffered = 64 * 1024;

Outcome value(std::int64_t v) {
  Outcome o;
  o.type = Outcome::Type::value;
  o.value = v;
  return o;
}

Outcome fail(Errc errc) {
  Outcome o;
  o.type = Outcome::Type::failure;
  o.errc = errc;
  return o;
}

Outcome any_ok() { return Outcome{}; }

// The call had not returned when the runner's bound expired.
Outcome blocked() {
  Outcome o;
  o.type = Outcome::Type::blocked;
  return o;
}

Prediction said(std::vector<Outcome> admissible, std::string source) {
  Prediction p;
  p.admissible = std::move(admissible);
  p.source = std::move(source);
  return p;
}

// A fact whose answer is "data": the queued bytes are delivered.
Prediction with_data(const FactEntry& entry, std::int64_t available) {
  Prediction p = said({value(available)}, entry.source);
  if (entry.deviation) p.deviation = entry.reason;
  return p;
}

// The bytes a recv (or FIONREAD) sees. Bytes of one send arrive together; of several,
// the kernel may still be moving the later ones into the receive queue (Linux loopback:
// a recv of 64 KiB with three 16 KiB sends queued returned 32768; measured by
// fuzz_close_sequences), so then any count of at least one byte is right.
Prediction queued_bytes(const Model::Socket& s, std::int64_t exact, const std::string& source) {
  // A recv returns as much as is queued, up to its buffer (Microsoft's recv page: "as
  // much data as is currently available, up to the size of the buffer"; recv.2), across
  // sends: every byte sent was waited for at this end (Settle::bytes), so all are queued.
  if (s.chunks <= 1 || !s.inbound_unsettled) return said({value(exact)}, source);
  Outcome some;  // `ok`: a success with any count
  return said({some}, source + " (several sends queued: part of them, at least one byte)");
}

Prediction from_fact(const Profile& profile, Fact fact) {
  const auto& entry = profile[fact];
  Prediction p = said(entry.outcomes, entry.source);
  if (entry.deviation) p.deviation = entry.reason;
  return p;
}

bool uses_endpoint(OpKind kind) {
  return kind != OpKind::pair && kind != OpKind::startup && kind != OpKind::cleanup;
}

// A semantic error of the script: reported in `error`, with an empty prediction.
Prediction script_error(std::string* error, const std::string& message) {
  if (error) *error = message;
  return Prediction{};
}

}  // namespace

bool admits(const std::vector<ops::Outcome>& alternatives, const ops::Outcome& observed) {
  return std::any_of(alternatives.begin(), alternatives.end(), [&](const Outcome& allowed) {
    switch (allowed.type) {
      case Outcome::Type::ok: return observed.succeeded();
      case Outcome::Type::value: return observed.type == Outcome::Type::value && observed.value == allowed.value;
      case Outcome::Type::failure: return observed.type == Outcome::Type::failure && observed.errc == allowed.errc;
      case Outcome::Type::blocked: return observed.type == Outcome::Type::blocked;
      case Outcome::Type::fails: return observed.failed();
      case Outcome::Type::events: return observed.type == Outcome::Type::events && observed.set == allowed.set;
    }
    return false;
  });
}

Model::Model(const Profile& profile) : profile_(&profile) {}

bool Model::refuses(const Socket& s) const {
  return s.phase == Phase::listening && s.kind == ops::Transport::unix_stream && s.shut_rd &&
         profile_->traits.unix_shutdown_unconnected_sticks.value;
}

int Model::socket_of(int endpoint) const {
  if (endpoint < 0 || endpoint >= ops::kEndpoints || !handles_[endpoint].open) return -1;
  return handles_[endpoint].socket;
}

const Model::Socket* Model::sock(int endpoint) const {
  const int index = socket_of(endpoint);
  return index < 0 ? nullptr : &sockets_[static_cast<std::size_t>(index)];
}

Model::Socket* Model::sock(int endpoint) {
  const int index = socket_of(endpoint);
  return index < 0 ? nullptr : &sockets_[static_cast<std::size_t>(index)];
}

int Model::add_socket(ops::Transport kind) {
  Socket s;
  s.kind = kind;
  s.handles = 1;
  sockets_.push_back(s);
  return static_cast<int>(sockets_.size()) - 1;
}

bool Model::lifecycle_over() const { return profile_->traits.lifecycle.value && sessions_ == 0; }

const Model::Socket* Model::peer_of(const Socket& s) const {
  return s.peer >= 0 ? &sockets_[static_cast<std::size_t>(s.peer)] : nullptr;
}

// What shows that a FIN or RST arrived: on Linux poll's POLLRDHUP/POLLHUP, which data
// queued before it cannot stand in for; where hang-up reporting is not pinned down
// (WSAPoll, contract), readability.
ops::WaitKind Model::end_of_stream() const {
  return profile_->traits.poll_reports_hangup.value ? ops::WaitKind::hangup : ops::WaitKind::readable;
}

Prediction Model::predict(const ops::Op& op, std::string* error) const {
  Prediction p = predict_base(op, error);
  add_pending_settles(op, p);
  return p;
}

bool Model::names_unmade(const ops::Op& op) const {
  if (op.endpoint < 0 || op.endpoint >= ops::kEndpoints || op.invalid_handle) return false;
  // (socket, collect and cancel: predict_base does not hand them to predict_on_handle;
  // uses_endpoint() leaves out pair, startup and cleanup)
  if (op.kind == OpKind::socket || op.kind == OpKind::collect || op.kind == OpKind::cancel) return false;
  return uses_endpoint(op.kind) && !handles_[op.endpoint].made;
}

Prediction Model::predict_base(const ops::Op& op, std::string* error) const {
  const auto in_range = [](int e) { return e >= 0 && e < ops::kEndpoints; };
  if (!in_range(op.endpoint) || !in_range(op.other)) return script_error(error, "an endpoint outside a..h");
  if (op.slot < 0 || op.slot >= ops::kPendingSlots) return script_error(error, "a pending slot outside @1..@4");
  switch (op.kind) {
    case OpKind::startup:
    case OpKind::cleanup: return predict_lifecycle(op);
    case OpKind::pair:
    case OpKind::socket: return predict_make(op, error);
    case OpKind::collect: return predict_collect(op, error);
    case OpKind::cancel: return predict_cancel(op, error);
    default: break;
  }
  if (op.invalid_handle) return predict_invalid(op);
  if (!uses_endpoint(op.kind)) return Prediction{};
  return predict_on_handle(op, error);
}

Prediction Model::predict_lifecycle(const ops::Op& op) const {
  if (op.kind == OpKind::startup) return said({any_ok()}, "WSAStartup (POSIX: nothing to do)");
  if (lifecycle_over()) return from_fact(*profile_, Fact::cleanup_unmatched);
  return said({any_ok()}, "WSACleanup C1");
}

Prediction Model::predict_make(const ops::Op& op, std::string* error) const {
  const std::string x = ops::endpoint_name(op.endpoint);
  if (op.kind == OpKind::pair) {
    if (handles_[op.endpoint].open || handles_[op.other].open)
      return script_error(error, "pair over " + x + " or " + ops::endpoint_name(op.other) +
                                     ", which is still open; close it first");
    if (lifecycle_over()) return from_fact(*profile_, Fact::not_initialised);
    if (op.socket_kind == ops::Transport::unix_stream) return from_fact(*profile_, Fact::socket_unix);
    return said({any_ok()}, "a loopback pair (core/src/pair.cpp)");
  }
  if (handles_[op.endpoint].open) return script_error(error, "socket over " + x + ", which is still open");
  if (lifecycle_over()) return from_fact(*profile_, Fact::not_initialised);
  if (op.socket_kind == ops::Transport::unix_stream) return from_fact(*profile_, Fact::socket_unix);
  return said({any_ok()}, "socket()");
}

Prediction Model::predict_on_handle(const ops::Op& op, std::string* error) const {
  const auto& facts = *profile_;
  if (names_unmade(op))
    return script_error(error, "endpoint " + ops::endpoint_name(op.endpoint) + " was never made");
  if ((op.kind == OpKind::dup || op.kind == OpKind::accept) && handles_[op.other].open)
    return script_error(error, std::string(ops::to_string(op.kind)) + " into " + ops::endpoint_name(op.other) +
                                   ", which is still open");
  if (op.kind == OpKind::start) {
    const auto problem = start_script_error(op);
    if (!problem.empty()) return script_error(error, problem);
    // A start's submission has its own order (a worker thread always starts; iocp
    // associates the handle first; AcceptEx makes its socket first): predict_start asks
    // the session and the handle's state itself.
    return predict_start(op, sock(op.endpoint), error);
  }
  // A notifier this platform lacks answers not_supported whatever the handle and session
  // (the runner does not call anything: epoll under Winsock, WSAEventSelect on POSIX).
  if (op.kind == OpKind::epoll && !facts.traits.notifier_epoll.value)
    return said({fail(Errc::not_supported)}, facts.traits.notifier_epoll.source);
  if (op.kind == OpKind::events && !facts.traits.notifier_event_select.value)
    return said({fail(Errc::not_supported)}, facts.traits.notifier_event_select.source);
  if (op.kind == OpKind::events) {
    // WSAEventSelect issued before the last WSACleanup closed the socket: the runner
    // waits on its event first (platform/winsock/notify_winsock.cpp) and enumerates only
    // when it is signalled. Nothing recorded: whether the closing signals it (then
    // WSAEnumNetworkEvents fails) or nothing ever does (the wait times out: {}) is a race
    // not pinned down (both seen under wine-8.0 by fuzz_close_sequences, the first with
    // a dup of the socket open). Events recorded before: the event is signalled.
    const int index = handles_[op.endpoint].socket;
    const Socket* was = index >= 0 ? &sockets_[static_cast<std::size_t>(index)] : nullptr;
    if (was != nullptr && was->fd_registered && (lifecycle_over() || was->stale)) {
      if (sock(op.endpoint) == nullptr) return said({}, "a notifier kept across the close of its handle: not modelled");
      if (!was->unknown && was->fd_recorded == 0) {
        Prediction p = from_fact(facts, Fact::socket_call_after_last_cleanup);
        p.admissible.insert(p.admissible.begin(), ops::Outcome{ops::Outcome::Type::events});
        p.source = "race: WSACleanup C1 closed the socket, whose event the closing may signal or not ({}: the wait "
                   "times out); " + p.source;
        return p;
      }
    }
  }
  if (lifecycle_over())
    return from_fact(facts, op.kind == OpKind::close ? Fact::not_initialised : Fact::socket_call_after_last_cleanup);

  const Socket* s = sock(op.endpoint);
  if (s == nullptr) {
    switch (op.kind) {
      case OpKind::start: return predict_start(op, s, error);
      case OpKind::poll:
      case OpKind::epoll:
      case OpKind::select:
      case OpKind::events: return predict_notify(op, s, error);
      default: break;
    }
    // A closed handle (D3: the runner does not call it when the value was reused).
    return from_fact(facts, op.kind == OpKind::wait ? Fact::wait_closed_handle : Fact::closed_handle);
  }
  if (s->stale) return said({fail(Errc::not_socket)}, "WSACleanup C1: sockets open at the last cleanup are gone");
  if (s->unknown) {
    if (op.kind == OpKind::close) return said({value(0)}, "closesocket D1");
    if (op.kind == OpKind::dup) return said({any_ok()}, "WSADuplicateSocket C2 / dup.2");
    return said({}, "not predicted: " + s->unknown_since);
  }

  switch (op.kind) {
    case OpKind::send: return predict_send(op, *s);
    case OpKind::recv: return predict_recv(op, *s);
    case OpKind::shutdown: return predict_shutdown(op, *s);
    case OpKind::close: return predict_close(op, *s);
    case OpKind::nonblocking:
      // WSAEventSelect made it non-blocking, and it stays so while selected.
      if (!op.on && s->fd_registered && facts.traits.event_select_sets_nonblocking.value)
        return from_fact(facts, Fact::blocking_after_event_select);
      return predict_option(op);
    case OpKind::linger:
    case OpKind::dup: return predict_option(op);
    case OpKind::wait: return predict_wait(op, *s);
    case OpKind::pending:
    case OpKind::error: return predict_query(op, *s);
    case OpKind::listen:
    case OpKind::connect:
    case OpKind::accept: return predict_connection(op, *s, error);
    case OpKind::start: return predict_start(op, s, error);
    case OpKind::poll:
    case OpKind::epoll:
    case OpKind::select:
    case OpKind::events: return predict_notify(op, s, error);
    case OpKind::peername:
    case OpKind::sockname: return predict_names(op, s);
    default: break;
  }
  return Prediction{};
}

Prediction Model::predict_send(const ops::Op& op, const Socket& s) const {
  const auto& facts = *profile_;
  const auto& traits = profile_->traits;
  const Socket* peer = peer_of(s);
  const bool unix_kind = s.kind == ops::Transport::unix_stream;
  // (A connection still in a listener's queue has no handle yet, but is not closed.)
  const bool peer_closed = peer != nullptr && peer->phase == Phase::closed;
  if (s.phase == Phase::listening && !unix_kind)  // (the facts are for a blocking listener)
    return from_fact(facts, s.nonblocking ? Fact::send_unconnected_tcp : Fact::send_listening_tcp);
  if (s.connect_failed) return from_fact(facts, Fact::send_after_failed_connect);
  if (s.phase != Phase::connected)
    return from_fact(facts, unix_kind ? Fact::send_unconnected_unix : Fact::send_unconnected_tcp);
  const bool error_first =
      traits.pending_error_before_shutdown.value && s.reset_in && !s.reset_reported && !s.reset_after_fin;
  if (s.shut_wr && !error_first) return from_fact(facts, Fact::send_after_shutdown_send);
  if (unix_kind && (peer_closed || (peer != nullptr && peer->shut_rd)))
    return from_fact(facts, Fact::send_unix_after_peer_gone);
  if (s.reset_in) {
    if (s.reset_after_fin) return from_fact(facts, Fact::send_after_fin_then_reset);
    return from_fact(facts, s.reset_reported ? Fact::send_after_reset_again : Fact::send_after_reset_first);
  }
  if (peer_closed && !s.sent_to_closed_peer) {
    // A send larger than the buffers races the RST its first segment draws: how much is
    // handed over before it arrives (524288 of 1048576 on Linux 6.18, fuzz_close_sequences)
    // is not modelled.
    if (op.count > kSurelyBuffered) {
      if (facts[Fact::send_large_to_closed_peer].outcomes.empty())
        return said({}, "a send larger than the buffers to a closed peer (how much goes out before the RST): "
                        "not modelled: " + facts[Fact::send_large_to_closed_peer].source);
      return from_fact(facts, Fact::send_large_to_closed_peer);
    }
    return said({value(op.count)}, "catalogue #3: the first send to a closed peer succeeds and draws an RST");
  }
  const std::uint64_t queued = peer ? peer->inbound : 0;
  if (queued + op.count <= kSurelyBuffered) {
    Prediction p = said({value(op.count)}, "send: buffered whole");
    const int peer_endpoint = send_settle_endpoint(s, op.count);
    if (peer_endpoint >= 0) {
      model::Settle settle{peer_endpoint, ops::WaitKind::readable, -1};
      settle.bytes = queued + op.count;
      p.settle.push_back(settle);
    }
    return p;
  }
  // A blocking send returns what it handed over when its send timeout runs out (the
  // runner's patience), or, with nothing handed over, the platform's timeout error.
  if (s.nonblocking) return said({any_ok(), fail(Errc::would_block)}, "send: the peer's window may fill");
  Prediction p = from_fact(facts, Fact::send_timeout_expired);
  p.admissible.insert(p.admissible.begin(), any_ok());
  p.source = "send: the peer's window may fill; " + p.source;
  return p;
}

Prediction Model::predict_recv(const ops::Op& op, const Socket& s) const {
  const auto& facts = *profile_;
  const auto& traits = profile_->traits;
  const bool unix_kind = s.kind == ops::Transport::unix_stream;
  if (s.phase == Phase::listening) {
    if (unix_kind) return from_fact(facts, Fact::recv_listening_unix);
    // Wine 8.0 waits for a listener to be readable before it asks the host: with a
    // connection queued it is, and the answer comes at once.
    if (!s.backlog.empty()) return from_fact(facts, Fact::recv_listening_tcp_queued);
    if (s.nonblocking) return from_fact(facts, Fact::recv_listening_tcp_nonblocking);
    return from_fact(facts, Fact::recv_listening_tcp);
  }
  if (s.connect_failed) return from_fact(facts, Fact::recv_after_failed_connect);
  if (s.phase == Phase::unconnected && s.shut_rd && !unix_kind)
    return said({value(0)}, "RCV_SHUTDOWN from a shutdown that failed (trait failed_shutdown_sticks): "
                            "tcp_recvmsg_locked returns 0 before it looks at TCP_CLOSE");
  if (s.phase != Phase::connected)
    return from_fact(facts, unix_kind ? Fact::recv_unconnected_unix : Fact::recv_unconnected_tcp);
  const auto available = static_cast<std::int64_t>(std::min<std::uint64_t>(s.inbound, op.count));
  // Winsock fails every recv after SD_RECEIVE (R3), also once the connection was
  // reset; Linux's tcp_recvmsg reports a pending error before RCV_SHUTDOWN.
  const bool shut_first = !traits.pending_error_before_shutdown.value;
  if (s.shut_rd && (shut_first || !s.reset_in)) {
    if (s.inbound > 0) {
      const auto& entry = facts[Fact::recv_queued_after_shutdown_receive];
      if (entry.keyword == "data")
        return s.chunks > 1 ? queued_bytes(s, available, entry.source) : with_data(entry, available);
      return from_fact(facts, Fact::recv_queued_after_shutdown_receive);
    }
    return from_fact(facts, Fact::recv_after_shutdown_receive);
  }
  if (s.reset_in && !s.reset_after_fin) {
    const auto& entry = facts[Fact::buffered_data_after_reset];
    const Fact reset_fact = s.reset_reported ? Fact::recv_after_reset_again : Fact::recv_after_reset_first;
    if (s.inbound > 0 && entry.keyword == "data") {
      if (s.chunks <= 1) return with_data(entry, available);
      // Several sends queued when the reset came: the later ones may not have reached
      // the receive queue yet and are lost with the connection (Linux loopback: a recv
      // after one buffered byte was read failed ECONNRESET with one more sent; found
      // by the nightly job, regression fuzz_handles/reset-drops-later-sends). So:
      // part of the data, or the reset.
      Prediction p = queued_bytes(s, available, entry.source);
      const auto& reset = facts[reset_fact].outcomes;
      p.admissible.insert(p.admissible.end(), reset.begin(), reset.end());
      p.source += "; or the reset, the later sends lost with it";
      return p;
    }
    return from_fact(facts, reset_fact);
  }
  // A zero-byte recv returns at once over TCP. On AF_UNIX, Linux waits for its
  // receive timeout whether data is queued or not, then returns 0 or EAGAIN (found by
  // fuzz_close_sequences, regression unix-recv-zero-blocks): not modelled.
  if (op.count == 0 && unix_kind)
    return said({}, "a zero-byte recv on AF_UNIX waits for the receive timeout (Linux): not modelled");
  // (A zero-byte recv with nothing queued waits like any other: tcp_recvmsg's loop
  // runs once; measured by fuzz_close_sequences.)
  if (s.inbound > 0) return queued_bytes(s, available, "recv: the queued bytes");
  if (s.reset_after_fin) return from_fact(facts, Fact::recv_after_fin_then_reset);
  if (s.fin_in) return said({value(0)}, "recv R1: end of stream after a graceful close");
  if (s.nonblocking) return said({fail(Errc::would_block)}, "recv with nothing queued on a non-blocking socket");
  return said({blocked()}, "recv with nothing queued blocks (the runner gives up after its bound)");
}

Prediction Model::predict_shutdown(const ops::Op& op, const Socket& s) const {
  const auto& facts = *profile_;
  const bool unix_kind = s.kind == ops::Transport::unix_stream;
  const bool connected = s.phase == Phase::connected;
  if (op.how < 0 || op.how > 2) {
    if (!connected) return from_fact(facts, Fact::shutdown_bad_how_unconnected);
    return said({fail(Errc::invalid_argument)}, "shutdown S2 (WSAEINVAL), shutdown.2 EINVAL");
  }
  if (s.phase == Phase::listening) return from_fact(facts, Fact::shutdown_listening);
  if (!connected) return from_fact(facts, unix_kind ? Fact::shutdown_unconnected_unix : Fact::shutdown_unconnected);
  if (unix_kind && (s.reset_in || (s.shut_wr && !s.fin_unsent && s.fin_in)))
    return from_fact(facts, Fact::shutdown_unconnected_unix);  // AF_UNIX does not look at the state
  if (s.reset_in) return from_fact(facts, Fact::shutdown_after_reset);
  if (s.shut_wr && !s.fin_unsent && s.fin_in) return from_fact(facts, Fact::shutdown_after_both_fins);
  Prediction p = said({value(0)}, "shutdown S1");
  const int peer_endpoint = [&] {
    for (int e = 0; e < ops::kEndpoints; ++e)
      if (socket_of(e) == s.peer) return e;
    return -1;
  }();
  if (op.how != 0 && (!s.shut_wr || s.fin_unsent) && peer_endpoint >= 0)
    p.settle.push_back({peer_endpoint, end_of_stream()});
  return p;
}

Prediction Model::predict_close(const ops::Op& op, const Socket& s) const {
  const Socket* peer = peer_of(s);
  const bool connected = s.phase == Phase::connected;
  if (s.handles == 1 && connected && s.nonblocking && s.linger_on && s.linger_s > 0 && peer && peer->inbound > 0)
    return from_fact(*profile_, Fact::close_nonblocking_linger_queued);
  Prediction p = said({value(0)}, "closesocket D1");
  if (s.handles == 1 && close_held(socket_of(op.endpoint))) {
    p.source += "; a call pending on it holds it open until it returns (close.2): nothing is sent yet";
    return p;
  }
  if (s.handles == 1) {
    for (int e = 0; e < ops::kEndpoints; ++e) {
      const int index = socket_of(e);
      if (index < 0 || e == op.endpoint) continue;
      const bool is_peer = connected && index == s.peer && !(peer && (peer->reset_in));
      const bool is_queued = std::find(s.backlog.begin(), s.backlog.end(), index) != s.backlog.end();
      const Socket& other = sockets_[static_cast<std::size_t>(index)];
      const bool queued_client = other.peer >= 0 && is_queued;
      if (is_peer || queued_client) p.settle.push_back({e, end_of_stream()});
    }
  }
  return p;
}

Prediction Model::predict_option(const ops::Op& op) const {
  switch (op.kind) {
    case OpKind::linger: return said({value(0)}, "setsockopt(SO_LINGER) L4");
    case OpKind::nonblocking: return said({value(0)}, "ioctlsocket(FIONBIO) / fcntl(O_NONBLOCK)");
    case OpKind::dup: return said({any_ok()}, "WSADuplicateSocket C2 / dup.2");
    default: break;
  }
  return Prediction{};
}

Prediction Model::predict_wait(const ops::Op& op, const Socket& s) const {
  const Socket* peer = peer_of(s);
  if (refuses(s)) {
    // unix_poll on it: in and rdhup, hup when both directions are shut, never out.
    const bool hup = s.shut_wr;
    const bool ready = op.wait_kind != ops::WaitKind::writable || hup;
    return said({value(ready ? 1 : 0)}, profile_->traits.unix_shutdown_unconnected_sticks.source);
  }
  if (s.phase == Phase::listening) {
    if (op.wait_kind == ops::WaitKind::readable)
      return said({value(s.backlog.empty() ? 0 : 1)}, "a listener is readable with a connection queued");
    return said({value(0)}, "a listener is never writable");
  }
  if (s.connect_failed) {
    // Readable, writable and hung up alike (Linux: POLLIN|POLLOUT|POLLHUP; Wine: POLLERR,
    // which the runner's wait counts for each): measured on both (scenario failed_connect).
    if (op.wait_kind == ops::WaitKind::hangup && !profile_->traits.poll_reports_hangup.value)
      return said({value(0), value(1)}, "WSAPoll hang-up reporting: not pinned down");
    return said({value(1)}, "after a refused connect: ready (measured on Linux 6.18 and Wine 8.0, scenario failed_connect)");
  }
  if (s.phase == Phase::unconnected && s.shut_rd && op.wait_kind == ops::WaitKind::readable)
    return said({value(1)}, "RCV_SHUTDOWN from a shutdown that failed (trait failed_shutdown_sticks): readable (tcp_poll)");
  if (s.phase != Phase::connected) return from_fact(*profile_, Fact::wait_unconnected);
  if (s.kind == ops::Transport::unix_stream && profile_->traits.unix_poll_mirrors_shutdown.value) {
    // AF_UNIX: the wait is one poll for one event (platform wait), which also returns for
    // POLLHUP and POLLERR: what poll predicts, bit by bit (unix_poll; found by the issue 18
    // AF_UNIX measurements: 60000 bytes unread at the peer leave it not writable).
    const std::uint32_t asked = op.wait_kind == ops::WaitKind::readable   ? events::in
                                : op.wait_kind == ops::WaitKind::writable ? events::out
                                                                          : events::rdhup;
    Prediction p = poll_prediction(s);
    std::vector<Outcome> answers;
    for (const auto& o : p.admissible) {
      if (o.type != Outcome::Type::events) continue;
      const Outcome answer = value((o.set.bits & (asked | events::hup | events::err)) != 0 ? 1 : 0);
      if (std::find(answers.begin(), answers.end(), answer) == answers.end()) answers.push_back(answer);
    }
    if (answers.empty()) return p;  // (poll not predicted: nor is the wait)
    return said(answers, "a wait is poll for one event, which POLLHUP and POLLERR also end; poll: " + p.source);
  }
  const bool ended = s.fin_in || s.reset_in;
  switch (op.wait_kind) {
    case ops::WaitKind::readable:
      if (s.inbound > 0 || ended) return said({value(1)}, "readable: data, FIN or RST");
      if (s.shut_rd) return from_fact(*profile_, Fact::wait_after_shutdown_receive);
      return said({value(0)}, "nothing to read");
    case ops::WaitKind::writable:
      if (s.reset_in || (peer && peer->inbound > kSurelyBuffered))
        return said({value(0), value(1)}, "writable after a reset or with a full window: not pinned down");
      return said({value(1)}, "a connected socket with room in its buffer is writable");
    case ops::WaitKind::hangup:
      if (!profile_->traits.poll_reports_hangup.value)
        return said({value(0), value(1)}, "WSAPoll hang-up reporting: not pinned down");
      if (ended || s.shut_rd || (s.shut_wr && peer && peer->shut_wr)) return said({value(1)}, "POLLRDHUP / POLLHUP");
      return said({value(0)}, "no hang-up");
  }
  return Prediction{};
}

Prediction Model::predict_query(const ops::Op& op, const Socket& s) const {
  const auto& facts = *profile_;
  if (op.kind == OpKind::pending) {
    if (s.phase == Phase::listening) return said({value(0), fail(Errc::invalid_argument)}, "FIONREAD on a listener");
    if (s.reset_in && facts.traits.pending_after_reset_may_read_0.value)
      return said({value(static_cast<std::int64_t>(s.inbound)), value(0)}, "FIONREAD after a reset");
    return queued_bytes(s, static_cast<std::int64_t>(s.inbound), "FIONREAD: bytes queued");
  }
  if (s.connect_failed) return from_fact(facts, Fact::error_after_failed_connect);
  if (s.reset_in) {
    if (s.reset_after_fin)
      return from_fact(facts, s.error_read ? Fact::error_after_reset_again : Fact::error_after_fin_then_reset);
    return from_fact(facts, s.reset_reported || s.error_read ? Fact::error_after_reset_again
                                                             : Fact::error_after_reset_first);
  }
  return said({value(0)}, "SO_ERROR: nothing pending");
}

bool Model::connect_may_fail_stopped(const Socket& s) const {
  return s.stopped_listening && s.phase == Phase::unconnected && profile_->traits.disconnected_reuse_may_fail.value;
}

// connect (predict_connection adds what a stopped listener may answer).
Prediction Model::predict_connect(const ops::Op& op, const Socket& s, std::string* error) const {
  if (s.phase == Phase::listening && s.kind != ops::Transport::unix_stream)
    return from_fact(*profile_, Fact::connect_listening);
  if (s.phase == Phase::listening) {
    // AF_UNIX looks the destination up first (unix_stream_connect): nobody listening
    // there (or a listener of another family: the runner's refusing address) is
    // refused before the socket's own state is looked at.
    if (!handles_[static_cast<std::size_t>(op.other) % ops::kEndpoints].made)
      return script_error(error, "connect to " + ops::endpoint_name(op.other) + ", which was never made");
    const Socket& target = sockets_[static_cast<std::size_t>(handles_[op.other].socket)];
    if (target.unknown) return said({}, "not predicted: " + target.unknown_since);
    if (target.phase != Phase::listening || target.kind != s.kind || refuses(target))
      return said({fail(Errc::connection_refused)}, "AF_UNIX: the destination is looked up first; nobody "
                                                    "listens there (unix_stream_connect)");
    return from_fact(*profile_, Fact::connect_listening_unix);
  }
  if (s.phase != Phase::unconnected && s.phase != Phase::connected)
    return said({}, "connect on a socket in this state: not modelled");
  if (s.connect_disabled)
    return said({fail(Errc::invalid_argument)}, profile_->traits.failed_connect_shutdown_disables_connect.source);
  if (s.connect_failed && (*profile_)[Fact::connect_after_failed_connect].keyword != "none")
    return from_fact(*profile_, Fact::connect_after_failed_connect);
  if (!handles_[static_cast<std::size_t>(op.other) % ops::kEndpoints].made)
    return script_error(error, "connect to " + ops::endpoint_name(op.other) + ", which was never made");
  // Y's address: the socket Y named, which still listens while any handle (a dup) holds it.
  const Socket* target = &sockets_[static_cast<std::size_t>(handles_[op.other].socket)];
  if (s.phase == Phase::connected) {
    // AF_UNIX looks the destination up first: nobody listening there is refused before
    // the socket's own connection is looked at (a listener of another family: the
    // runner connects to a refusing address of this family instead).
    const bool listens = target->phase == Phase::listening && target->kind == s.kind && !target->unknown &&
                         !refuses(*target);
    if (s.kind == ops::Transport::unix_stream && !listens) {
      if (target->unknown) return said({}, "not predicted: " + target->unknown_since);
      return from_fact(*profile_, Fact::connect_connected_unix_refused);
    }
    return from_fact(*profile_, Fact::connect_connected);
  }
  if (target != nullptr && target->unknown) return said({}, "not predicted: " + target->unknown_since);
  // A listener of another family: the runner connects to an address of this socket's
  // own family that nobody listens on instead (runner destination()), so the connect is
  // refused: a convention of the suite, not a platform fact.
  if (target != nullptr && target->kind != s.kind)
    return said({fail(Errc::connection_refused)}, "connect to a socket of another address family: the runner "
                                                  "connects to an address of its own family nobody listens on");
  if (s.kind == ops::Transport::unix_stream && (s.shut_rd || s.shut_wr))
    return said({}, "connect of an AF_UNIX socket shut down before: not modelled (its bits were never mirrored "
                    "to a peer)");
  if (target == nullptr || target->phase != Phase::listening)
    return said({fail(Errc::connection_refused)}, "connect to an address nobody listens on");
  if (target->stale)  // (found by fuzz_handles under Wine 8.0)
    return said({fail(Errc::connection_refused)}, "WSACleanup C1: the listener was closed by the last cleanup: "
                                                  "nobody listens there");
  if (refuses(*target))
    return said({fail(Errc::connection_refused)}, profile_->traits.unix_shutdown_unconnected_sticks.source);
  Prediction p = said({value(0)}, "connect to a listener");
  // (An accept pending there takes the connection instead: it settles on its slot.)
  if (!has_pending(handles_[op.other].socket, ops::PendingCall::accept))
    p.settle.push_back({op.other, ops::WaitKind::readable, -1});
  return p;
}

Prediction Model::predict_connection(const ops::Op& op, const Socket& s, std::string* error) const {
  switch (op.kind) {
    case OpKind::listen:
      if (s.phase == Phase::listening || s.phase == Phase::connected)
        return from_fact(*profile_, Fact::listen_not_unconnected);
      if (s.connect_failed) return from_fact(*profile_, Fact::listen_after_failed_connect);
      if (s.phase != Phase::unconnected) return said({}, "listen on a closed socket: not modelled");
      if (s.refused_before && profile_->traits.disconnected_reuse_may_fail.value)
        return said({value(0), fail(Errc::invalid_argument)}, profile_->traits.disconnected_reuse_may_fail.source);
      return said({value(0)}, "bind to loopback and listen");
    case OpKind::connect: {
      Prediction p = predict_connect(op, s, error);
      if (connect_may_fail_stopped(s) && !p.admissible.empty()) {
        p.admissible.push_back(fail(Errc::invalid_argument));
        p.source += std::string("; or EINVAL: ") + profile_->traits.disconnected_reuse_may_fail.source;
      }
      return p;
    }
    case OpKind::accept:
      if (s.phase != Phase::listening) return said({fail(Errc::invalid_argument)}, "accept on a socket not listening");
      if (refuses(s) && s.backlog.empty())
        return said({fail(s.nonblocking ? Errc::would_block : Errc::invalid_argument)},
                    profile_->traits.unix_shutdown_unconnected_sticks.source);
      if (!s.backlog.empty()) return said({any_ok()}, "accept: a connection is queued");
      if (s.nonblocking) return said({fail(Errc::would_block)}, "accept with nothing queued on a non-blocking listener");
      return said({blocked()}, "accept with nothing queued blocks (the runner gives up after its bound)");
    default: break;
  }
  return Prediction{};
}

void Model::close_socket(int index) {
  Socket& s = sockets_[static_cast<std::size_t>(index)];
  if (s.unknown) {
    forget(s.peer, s.unknown_since);
    for (const int queued : s.backlog) {
      forget(queued, s.unknown_since);
      forget(sockets_[static_cast<std::size_t>(queued)].peer, s.unknown_since);
    }
    s.phase = Phase::closed;
    return;
  }
  const Phase was = s.phase;
  s.phase = Phase::closed;  // (before the peer hears of it: a deferred close there may come back here)
  if (was == Phase::listening) {
    reset_backlog(index);
  } else if (was == Phase::connected && s.peer >= 0 && !s.reset_in) {
    Socket& peer = sockets_[static_cast<std::size_t>(s.peer)];
    if (close_is_abortive(s)) {
      peer.reset_in = true;  // closesocket linger table; catalogue #5
      peer.reset_after_fin = peer.fin_in && s.kind != ops::Transport::unix_stream;  // AF_UNIX: ECONNRESET all the same
      if (profile_->facts[static_cast<std::size_t>(Fact::buffered_data_after_reset)].keyword != "data")
        peer.inbound = 0, peer.chunks = 0, peer.inbound_unsettled = false;
      arrived(s.peer);
    } else if (!s.shut_wr || s.fin_unsent) {
      peer.fin_in = true;  // D9: a graceful close sends FIN
      arrived(s.peer);
    }
  }
}

int Model::send_settle_endpoint(const Socket& s, std::uint64_t count) const {
  // The bytes are to be there before the next op: where the peer is open and nothing else
  // takes them (no recv pending there, not shut down for receiving, no reset on the way),
  // and they surely fit. Found by fuzz_handles (regression nagle-held-byte: a small send
  // waited in the sender for the ACK of the one before, Nagle).
  const Socket* peer = peer_of(s);
  if (count == 0 || peer == nullptr || peer->phase != Phase::connected || peer->shut_rd || peer->reset_in ||
      peer->unknown || has_pending(s.peer, ops::PendingCall::recv) || peer->inbound + count > kSurelyBuffered)
    return -1;
  for (int e = 0; e < ops::kEndpoints; ++e)
    if (socket_of(e) == s.peer) return e;
  return -1;
}

void Model::reset_backlog(int index) {
  // Queued connections are reset (catalogue #41).
  const auto backlog = std::move(sockets_[static_cast<std::size_t>(index)].backlog);
  sockets_[static_cast<std::size_t>(index)].backlog.clear();
  for (const int queued : backlog) {
    Socket& server = sockets_[static_cast<std::size_t>(queued)];
    server.phase = Phase::closed;
    if (server.peer >= 0) {
      sockets_[static_cast<std::size_t>(server.peer)].reset_in = true;
      arrived(server.peer);
    }
  }
}

void Model::forget_around(int index, const std::string& why) {
  if (index < 0) return;
  forget(index, why);
  const auto& s = sockets_[static_cast<std::size_t>(index)];
  forget(s.peer, why);
  for (const int queued : s.backlog) {
    forget(queued, why);
    forget(sockets_[static_cast<std::size_t>(queued)].peer, why);
  }
}

void Model::forget(int index, const std::string& why) {
  if (index < 0) return;
  auto& s = sockets_[static_cast<std::size_t>(index)];
  if (s.unknown) return;
  s.unknown = true;
  s.unknown_since = why;
}

// An op the model could not predict: the sockets it touched are no longer predicted
// (and their peers, which it may have affected); handles are still tracked.
void Model::apply_unmodelled(const ops::Op& op, const ops::Outcome& observed) {
  const bool ok = observed.succeeded();  // (a blocked call had no effect the model follows)
  const int index = socket_of(op.endpoint);
  const std::string why = "`" + ops::print(op) + "` is not modelled, so " + ops::endpoint_name(op.endpoint) + " is not either";
  forget_around(index, why);
  // (the listener through its handle even when that is closed: the runner connects to the
  // address, which a duplicate may still hold listening; as apply_connect does)
  if (op.kind == OpKind::connect && op.other >= 0 && op.other < ops::kEndpoints)
    forget_around(handles_[op.other].socket, why);
  if (!ok || index < 0) return;
  Socket& s = sockets_[static_cast<std::size_t>(index)];
  if (op.kind == OpKind::accept) {
    const int accepted = add_socket(s.kind);
    forget(accepted, why);
    handles_[op.other] = Handle{accepted, true, true};
  }
}

bool Model::applies_alike(const ops::Op& op, const ops::Outcome& a, const ops::Outcome& b) {
  switch (op.kind) {
    case OpKind::peername:
    case OpKind::sockname: return true;  // apply changes nothing
    case OpKind::poll:
    case OpKind::epoll:
    case OpKind::select:
    case OpKind::events: return a.succeeded() == b.succeeded();  // apply_notify reads only that
    default: return a == b;
  }
}

void Model::apply(const ops::Op& op, const ops::Outcome& observed, const Prediction* predicted) {
  const bool ok = observed.succeeded();
  if (op.invalid_handle && uses_endpoint(op.kind)) return;  // the invalid handle: no socket changes
  switch (op.kind) {
    case OpKind::collect: apply_collect(op, observed); return;
    case OpKind::cancel: apply_cancel(op, observed); return;
    case OpKind::start: apply_start(op, observed); return;
    case OpKind::poll:
    case OpKind::epoll:
    case OpKind::select:
    case OpKind::events: apply_notify(op, observed); return;
    case OpKind::peername:
    case OpKind::sockname: return;  // no change
    default: break;
  }
  // After the last WSACleanup a call that failed never reached its socket (WSACleanup C1):
  // it changes nothing (found under Wine 8.0 by fuzz_close_sequences: a failed connect
  // there made the model forget its socket, which lost the race of an event registered
  // before, and `events` was predicted not_socket only). A close has rules of its own.
  if (lifecycle_over() && !ok && op.kind != OpKind::close) return;
  // (predict() adds only settles to predict_base(): its admissible outcomes are the same;
  // empty() asked on each side: a conditional over the vectors copied them, perf)
  if (uses_endpoint(op.kind) && op.kind != OpKind::close && op.kind != OpKind::dup && sock(op.endpoint) != nullptr &&
      (predicted != nullptr ? predicted->admissible.empty() : predict_base(op, nullptr).admissible.empty())) {
    apply_unmodelled(op, observed);
    return;
  }
  switch (op.kind) {
    case OpKind::startup:
    case OpKind::cleanup: apply_lifecycle(op, ok); return;
    case OpKind::pair:
    case OpKind::socket: apply_make(op, ok); return;
    default: break;
  }
  if (op.kind == OpKind::connect) {
    // A connect on a socket with an AcceptEx waiting on it (not listening): Wine 8.0
    // completed the AcceptEx with the connect's refusal (found by fuzz_close_sequences;
    // a ConnectEx started there too: Model::apply_start): not modelled.
    unfollow_accept_ex_on(socket_of(op.endpoint), "a connect on a socket with an AcceptEx waiting on it: not modelled");
  }
  apply_on_handle(op, observed);
  // Any other op on a socket (and what it sends to its peer) may wake an edge-triggered
  // epoll there (an ACK freeing send space, a state change): not pinned down.
  const int index = socket_of(op.endpoint);
  const bool moves = op.kind == OpKind::send || op.kind == OpKind::recv || op.kind == OpKind::shutdown ||
                     op.kind == OpKind::connect;
  if (index >= 0 && moves) {
    const int peer = sockets_[static_cast<std::size_t>(index)].peer;
    wake(index, false);
    wake(peer, false);
    // The ACK of what went either way is handled by the loopback's softirq, which may run
    // after the next edge wait (found by fuzz_close_sequences: shutdown both, epoll edge,
    // epoll edge -> the whole set where {} was predicted).
    for (const int i : {index, peer})
      if (i >= 0 && sockets_[static_cast<std::size_t>(i)].kind != ops::Transport::unix_stream)
        sockets_[static_cast<std::size_t>(i)].ack_due = true;
  }
}

void Model::apply_lifecycle(const ops::Op& op, bool ok) {
  if (!ok) return;
  if (op.kind == OpKind::startup) {
    if (sessions_ == 0 && stale_after_cleanup_)
      for (auto& s : sockets_) s.stale = true;
    ++sessions_;
    return;
  }
  if (sessions_ > 0 && profile_->traits.lifecycle.value) {
    --sessions_;
    if (sessions_ == 0) {
      stale_after_cleanup_ = true;
      // What the last WSACleanup does to calls still pending is not measured.
      for (int i = 0; i < ops::kPendingSlots; ++i)
        if (slots_[i].used && !slots_[i].completed) slot_unknown(i, "the last WSACleanup with a call pending: not modelled");
    }
  }
}

void Model::apply_make(const ops::Op& op, bool ok) {
  if (!ok) return;
  if (op.kind == OpKind::socket) {
    handles_[op.endpoint] = Handle{add_socket(op.socket_kind), true, true};
    return;
  }
  const int first = add_socket(op.socket_kind);
  const int second = add_socket(op.socket_kind);
  sockets_[static_cast<std::size_t>(first)].phase = Phase::connected;
  sockets_[static_cast<std::size_t>(first)].peer = second;
  sockets_[static_cast<std::size_t>(first)].bound = true;
  sockets_[static_cast<std::size_t>(second)].phase = Phase::connected;
  sockets_[static_cast<std::size_t>(second)].peer = first;
  sockets_[static_cast<std::size_t>(second)].bound = true;
  handles_[op.endpoint] = Handle{first, true, true};
  handles_[op.other] = Handle{second, true, true};
}

void Model::apply_on_handle(const ops::Op& op, const ops::Outcome& observed) {
  const bool ok = observed.succeeded();
  Socket* s = sock(op.endpoint);
  if (s != nullptr && op.kind == OpKind::shutdown && op.how >= 0 && op.how <= 2 && s->phase == Phase::unconnected &&
      s->kind != ops::Transport::unix_stream && !ok) {
    // TCP, never connected: the shutdown failed (not connected). Linux records it all
    // the same; Winsock leaves no trace (trait failed_shutdown_sticks).
    if (s->connect_failed && profile_->traits.failed_connect_shutdown_disables_connect.value)
      s->connect_disabled = true;
    if (profile_->traits.failed_shutdown_sticks.value) {
      if (op.how == 0 || op.how == 2) s->shut_rd = true;
      if ((op.how == 1 || op.how == 2) && !s->shut_wr) s->shut_wr = s->fin_unsent = true;
    }
    return;
  }
  if (s != nullptr && op.kind == OpKind::shutdown && op.how >= 0 && op.how <= 2 && s->phase == Phase::listening &&
      s->kind != ops::Transport::unix_stream && !has_pending(socket_of(op.endpoint), ops::PendingCall::accept)) {
    // A TCP listener (trait listener_shutdown_receive_stops): a failed shutdown leaves it
    // alone; shutdown(send) changes nothing; shutdown(receive or both) stops it.
    if (ok && op.how != 1 && profile_->traits.listener_shutdown_receive_stops.value) {
      const int index = socket_of(op.endpoint);
      reset_backlog(index);
      auto& stopped = sockets_[static_cast<std::size_t>(index)];
      stopped.phase = Phase::unconnected;
      stopped.bound = false;
      stopped.stopped_listening = true;
      // (tcp_disconnect also clears the bits of a shutdown that failed before it listened;
      // found by fuzz_handles: recv ENOTCONN, not 0.)
      stopped.shut_rd = stopped.shut_wr = stopped.fin_unsent = false;
    } else if (ok && op.how != 1) {
      forget_around(socket_of(op.endpoint), "a listener shutdown that succeeded where the profile says it fails");
    }
    return;
  }
  if (s != nullptr && op.kind == OpKind::shutdown && op.how >= 0 && op.how <= 2 && ok &&
      (s->phase == Phase::listening || s->phase == Phase::unconnected) && s->kind == ops::Transport::unix_stream &&
      profile_->traits.unix_shutdown_unconnected_sticks.value &&
      !has_pending(socket_of(op.endpoint), ops::PendingCall::accept)) {
    // AF_UNIX keeps it (trait unix_shutdown_unconnected_sticks); a connect from here on is
    // not predicted (the bits were never mirrored to a peer).
    if (op.how == 0 || op.how == 2) s->shut_rd = true;
    if (op.how == 1 || op.how == 2) s->shut_wr = true;
    return;
  }
  if (s != nullptr && op.kind == OpKind::shutdown && op.how >= 0 && op.how <= 2 &&
      (s->phase == Phase::listening || s->phase == Phase::unconnected)) {
    // Linux records the shutdown even where it fails ENOTCONN (inet_shutdown on
    // TCP_CLOSE), and a shut-down listener stops listening: not modelled further.
    forget_around(socket_of(op.endpoint), "shutdown of a socket that is not connected is not modelled beyond its own outcome");
    return;
  }
  if (s != nullptr && !ok && op.kind == OpKind::connect &&
      (s->phase == Phase::connected || s->phase == Phase::listening))
    return;  // is_connected; a listener that refused to connect stays listening
  if (s != nullptr && !ok && op.kind == OpKind::connect && s->phase == Phase::unconnected) {
    if (s->connect_disabled) return;  // EINVAL, and so it stays
    if (s->connect_failed && (*profile_)[Fact::connect_after_failed_connect].keyword != "none") {
      if (observed.type == Outcome::Type::failure && observed.errc == Errc::connection_aborted &&
          profile_->traits.refused_connect_abort_resets.value && !s->listen_failed_then) {
        // As never connected (trait refused_connect_abort_resets): tcp_disconnect also clears
        // the bits of a shutdown that failed before (failed_shutdown_sticks; found by fuzz_handles).
        s->connect_failed = false;
        s->refused_before = true;
        s->shut_rd = s->shut_wr = s->fin_unsent = false;
        return;
      }
      forget(socket_of(op.endpoint), "a second connect after a refused one (aborted) is not followed further "
                                     "(Wine: poll and SO_ERROR still report the refusal; Linux: after a listen "
                                     "that failed meanwhile)");
      return;
    }
    if (observed.type == Outcome::Type::failure && observed.errc == Errc::connection_refused) {
      // AF_UNIX: unix_stream_connect finds nobody listening before it changes the socket
      // (it autobinds it, which the runner's listen takes as it is): no trace, measured on
      // Linux 6.18 (scenario failed_connect).
      if (s->kind == ops::Transport::unix_stream) return;
      s->connect_failed = true;
      s->bound = true;  // connect page: an unbound socket is marked as bound (Linux: getsockname reads 0 either way)
      return;
    }
  }
  // A stopped listener's connect that failed EINVAL (trait disconnected_reuse_may_fail) left it as it was.
  if (s != nullptr && !ok && op.kind == OpKind::connect && connect_may_fail_stopped(*s) &&
      observed.type == Outcome::Type::failure && observed.errc == Errc::invalid_argument)
    return;
  if (s != nullptr && !ok && op.kind == OpKind::connect) {
    forget(socket_of(op.endpoint), "a failed connect (other than a refusal) is not modelled beyond its own outcome");
    return;
  }
  if (s != nullptr && !ok && op.kind == OpKind::send && op.count > kSurelyBuffered && s->phase == Phase::connected &&
      !s->sent_to_closed_peer && peer_of(*s) != nullptr && peer_of(*s)->phase == Phase::closed) {
    // A large send to a closed peer that failed (Wine: the RST or its own timeout,
    // send_large_to_closed_peer): how much went out and what the RST left is not modelled.
    forget_around(socket_of(op.endpoint), "a send larger than the buffers to a closed peer failed: how much went out "
                                          "before the RST is not modelled");
    return;
  }
  if (s != nullptr && !ok && op.kind == OpKind::listen && (s->connect_failed || s->refused_before))
    s->listen_failed_then = true;
  if (s == nullptr || !ok) {
    if (s != nullptr && observed.type == Outcome::Type::failure && observed.errc == Errc::connection_reset)
      s->reset_reported = true;
    // A reset that came after the peer's FIN is recorded as EPIPE (Linux tcp_reset in
    // CLOSE_WAIT); the send or recv that reports it consumes it (sock_error), so poll's
    // err goes (found by a random run of the runner: poll after such a send). Reading it
    // as SO_ERROR consumes it too (sock_error; measured on Linux 6.18 by
    // fuzz_close_sequences: `error -> broken_pipe`, then poll and epoll without err).
    if (s != nullptr && observed.type == Outcome::Type::failure && observed.errc == Errc::broken_pipe &&
        s->reset_in && s->reset_after_fin &&
        (op.kind == OpKind::send || op.kind == OpKind::recv || op.kind == OpKind::error)) {
      s->reset_reported = true;
      if (op.kind == OpKind::error) s->error_read = true;
    }
    return;
  }
  Socket* peer = s->peer >= 0 ? &sockets_[static_cast<std::size_t>(s->peer)] : nullptr;
  const auto ret = observed.type == Outcome::Type::value ? observed.value : 0;
  switch (op.kind) {
    case OpKind::send: apply_send(op, observed, *s, peer); break;
    case OpKind::recv:
      s->inbound -= std::min<std::uint64_t>(s->inbound, static_cast<std::uint64_t>(ret));
      if (s->inbound == 0) s->chunks = 0, s->inbound_unsettled = false;
      // recv re-enables FD_READ (WSAEventSelect), recorded again while data is queued.
      s->fd_read_enabled = true;
      if (profile_->traits.recv_clears_recorded_read.value) s->fd_recorded &= ~events::read;
      record_fd(handles_[op.endpoint].socket);
      break;
    case OpKind::shutdown: apply_shutdown(op, *s, peer); break;
    case OpKind::close: {
      handles_[op.endpoint].open = false;
      for (auto& slot : slots_)
        if (slot.used && slot.endpoint == op.endpoint) slot.handle_closed = true;
      const int index = handles_[op.endpoint].socket;
      if (--s->handles == 0 && !close_pending_calls(index)) close_socket(index);
      break;
    }
    case OpKind::linger:
      s->linger_on = op.on;
      s->linger_s = op.count;
      break;
    case OpKind::nonblocking: s->nonblocking = op.on; break;
    case OpKind::dup:
      ++s->handles;
      handles_[op.other] = Handle{handles_[op.endpoint].socket, true, true};
      break;
    case OpKind::error:
      s->error_read = s->reset_in;
      if (s->reset_in && profile_->traits.so_error_reports_reset.value) s->reset_reported = true;
      break;
    case OpKind::listen:
      s->phase = Phase::listening;
      s->bound = true;
      s->stopped_listening = false;
      // A TCP listener that kept the bits of a shutdown that failed before (trait
      // failed_shutdown_sticks): its connections are cloned with them (sk_clone_lock), and
      // what they then do (found by fuzz_handles: a recv 0 where blocked was predicted, a
      // send EPIPE where the reset was) is not modelled.
      if (s->kind != ops::Transport::unix_stream && (s->shut_rd || s->shut_wr))
        forget(socket_of(op.endpoint), "a TCP listener that kept a failed shutdown's bits: its connections inherit "
                                       "them (sk_clone_lock): not modelled");
      break;
    case OpKind::connect: apply_connect(op); break;
    case OpKind::accept:
      if (!s->backlog.empty()) {
        const int server = s->backlog.front();
        s->backlog.erase(s->backlog.begin());
        sockets_[static_cast<std::size_t>(server)].handles = 1;
        handles_[op.other] = Handle{server, true, true};
        s->fd_recorded &= ~events::accept;  // accept re-enables FD_ACCEPT
        if (s->fd_registered && !s->backlog.empty()) s->fd_recorded |= events::accept;
      }
      break;
    default: break;
  }
}

// A send that succeeded: the bytes are queued at the peer, or draw a reset.
void Model::apply_send(const ops::Op& op, const ops::Outcome& observed, Socket& s, Socket* peer) {
  if (peer == nullptr) return;
  const auto ret = observed.type == Outcome::Type::value ? observed.value : 0;
  const auto& facts = *profile_;
  if (peer->phase == Phase::closed) {
    if (ret == 0) return;  // nothing went out: no RST comes back
    s.sent_to_closed_peer = true;
    s.reset_in = true;
    s.reset_after_fin = s.fin_in;
    arrived(peer->peer);
  } else if (ret > 0 && peer->shut_rd &&
             (facts[Fact::data_after_shutdown_receive_resets].keyword == "reset" ||
              (peer->shut_wr && !peer->fin_unsent && s.kind != ops::Transport::unix_stream &&
               facts[Fact::data_after_shutdown_both_resets].keyword == "reset"))) {
    if (s.sent_data && s.kind != ops::Transport::unix_stream &&
        profile_->traits.reset_for_data_may_wait_for_ack.value) {
      // The reset comes when the bytes arrive, which may be after the ACK of an earlier
      // send (Nagle behind a delayed ACK): when is not followed.
      forget_around(peer->peer, "a send that draws the peer's reset after an earlier send is not followed: it may "
                                "wait for that send's ACK (Nagle; trait reset_for_data_may_wait_for_ack)");
      return;
    }
    s.sent_data = true;
    s.reset_in = peer->reset_in = true;
    s.reset_after_fin = s.fin_in;
    arrived(peer->peer);
    arrived(s.peer);
  } else {
    const auto added = static_cast<std::uint64_t>(observed.type == Outcome::Type::value ? ret : op.count);
    if (added > 0) s.sent_data = true;
    if (added > 0 && send_settle_endpoint(s, added) < 0) peer->inbound_unsettled = true;
    peer->inbound += added;
    if (ret > 0) ++peer->chunks;
    // A zero-byte send queues nothing (tcp_sendmsg, unix_stream_sendmsg: no segment for
    // len 0), so nothing arrives and nothing wakes (found by fuzz_close_sequences: an
    // edge-triggered epoll reported nothing; regression zero-send-wakes-nothing).
    if (added == 0) return;
    // Data reaching a socket shut down for receiving arrives where a profile deviation
    // says it is not reset: a pending recv that takes it was decided by that deviation.
    const auto& kept = facts[Fact::data_after_shutdown_receive_resets];
    if (peer->shut_rd && kept.deviation) arrival_deviation_ = kept.reason;
    arrived(s.peer);
    arrival_deviation_.clear();
  }
}

// A shutdown of a connected socket that succeeded.
void Model::apply_shutdown(const ops::Op& op, Socket& s, Socket* peer) {
  if (op.how == 0 || op.how == 2) {
    if (!s.shut_rd && s.inbound > 0 && (*profile_)[Fact::shutdown_receive_with_queued_resets].keyword == "reset" &&
        peer != nullptr) {
      peer->reset_in = true;
      s.reset_in = true;
      arrived(s.peer);
    }
    s.shut_rd = true;
    shutdown_pending_calls(handles_[op.endpoint].socket, op.how);
  }
  if ((op.how == 1 || op.how == 2) && s.phase == Phase::connected) {
    if ((!s.shut_wr || s.fin_unsent) && peer != nullptr) {
      peer->fin_in = true;
      arrived(s.peer);
    }
    s.fin_unsent = false;
    if (op.how == 1) shutdown_pending_calls(handles_[op.endpoint].socket, op.how);
    // Linux, both directions shut with bytes unread: the connection was seen to end
    // (a later shutdown failed ENOTCONN; fuzz_close_sequences), when is not pinned
    // down: not modelled further.
    const bool torn = profile_->traits.shutdown_both_with_unread_ends.value && !s.shut_wr && s.shut_rd &&
                      s.inbound > 0 && s.kind != ops::Transport::unix_stream;
    s.shut_wr = true;
    if (torn)
      forget_around(handles_[op.endpoint].socket,
                    "shutdown of both directions with unread data is not modelled beyond its own outcome (Linux)");
  }
}

// A connect to a listener: the server end waits in its queue until accept.
void Model::apply_connect(const ops::Op& op) {
  const int listener = handles_[op.other].socket;
  if (sockets_[static_cast<std::size_t>(listener)].phase != Phase::listening) return;
  const int client = handles_[op.endpoint].socket;
  const ops::Transport kind = sockets_[static_cast<std::size_t>(client)].kind;
  const int server = add_socket(kind);  // (may move the sockets: indices from here on)
  auto& server_socket = sockets_[static_cast<std::size_t>(server)];
  server_socket.handles = 0;  // nobody holds it until accept
  server_socket.bound = true;  // (the listener's address)
  server_socket.phase = Phase::connected;
  server_socket.peer = client;
  auto& client_socket = sockets_[static_cast<std::size_t>(client)];
  client_socket.phase = Phase::connected;
  client_socket.connect_failed = false;  // (Winsock: a connect after a refused one works)
  client_socket.stopped_listening = false;
  client_socket.peer = server;
  client_socket.bound = true;
  auto& listening = sockets_[static_cast<std::size_t>(listener)];
  if (profile_->traits.accept_inherits_linger.value) {
    server_socket.linger_on = listening.linger_on;
    server_socket.linger_s = listening.linger_s;
  }
  listening.backlog.push_back(server);
  arrived(listener);  // a pending accept takes it; FD_ACCEPT; an edge-triggered epoll wakes
}

}  // namespace closesem::model
