// SPDX-License-Identifier: MIT
// The model's pending calls (issue 17): `X start MECH CALL ... @P`, `collect @P`,
// `cancel @P`, and what other ops do to a call pending in a slot. A call completes when
// something that completes it happens (data, the peer's FIN or reset, a local shutdown,
// close or cancel, per the profile's rows), never before: until then its collect is
// `blocked`. The op that completes it settles on it ("slot P completes"). Which
// mechanisms exist and what each cause does to each call are the profile's traits and
// rows (profiles.cpp); nothing here asks the API family.
#include "closesem/model.hpp"

#include "closesem/text.hpp"
#include "model_internal.hpp"

#include <algorithm>

namespace closesem::model {

using namespace internal;
using ops::Mechanism;
using ops::OpKind;
using ops::Outcome;
using ops::PendingCall;
using Phase = Model::Socket::Phase;

namespace {

bool overlapped_family(Mechanism m) { return m == Mechanism::overlapped || m == Mechanism::iocp; }

// The row of what a local close does to a call pending on the closed socket.
Fact close_fact(Mechanism m, PendingCall call) {
  if (m == Mechanism::uring) return Fact::pending_close_uring;
  const bool thread = m == Mechanism::thread;
  switch (call) {
    case PendingCall::recv: return thread ? Fact::pending_close_thread_recv : Fact::pending_close_overlapped_recv;
    // (A send the model follows as pending: an overlapped one waiting for room; a thread
    // send that only its own timeout ends ends by it at once, the leak policy below.)
    case PendingCall::send: return thread ? Fact::pending_close_thread_send : Fact::pending_close_overlapped_send;
    case PendingCall::accept:
    case PendingCall::connect: break;
  }
  return thread ? Fact::pending_close_thread_accept : Fact::pending_close_overlapped_accept;
}

Fact shutdown_fact(Mechanism m) {
  if (m == Mechanism::uring) return Fact::pending_shutdown_receive_uring;
  return m == Mechanism::thread ? Fact::pending_shutdown_receive_thread : Fact::pending_shutdown_receive_overlapped;
}

Fact cancel_fact(Mechanism m, PendingCall call, std::uint32_t count) {
  if (m == Mechanism::uring) return Fact::pending_cancel_uring;
  if (m == Mechanism::thread && call == PendingCall::recv && count == 0) return Fact::pending_cancel_thread_zero_recv;
  return m == Mechanism::thread ? Fact::pending_cancel_thread : Fact::pending_cancel_overlapped;
}

// The op a pending call stands for (a recv, send, accept or connect on the same socket).
ops::Op as_call(const ops::Op& start) {
  ops::Op op = start;
  switch (start.call) {
    case PendingCall::recv: op.kind = OpKind::recv; break;
    case PendingCall::send: op.kind = OpKind::send; break;
    case PendingCall::accept: op.kind = OpKind::accept; break;
    case PendingCall::connect: op.kind = OpKind::connect; break;
  }
  op.expect.clear();
  return op;
}

bool timed_out(const Outcome& o) { return o.type == Outcome::Type::failure && o.errc == Errc::timed_out; }

bool own_timeout(const Prediction& p) {
  return !p.admissible.empty() && std::all_of(p.admissible.begin(), p.admissible.end(), timed_out);
}

bool may_time_out(const Prediction& p) { return std::any_of(p.admissible.begin(), p.admissible.end(), timed_out); }

// A call that would wait for its own receive or send timeout (timed_out: Wine 8.0's
// blocking I/O on a listener). The leak policy: on a worker thread nothing else ends it
// (Wine's closesocket does not wake a blocked send, and CancelSynchronousIo finds
// nothing), so with the long timeout the runner gives pending calls it could not be
// reaped at the end of an input and would be reported as a leak, input after input. The
// runner gives such a call (Model::start_times_out) a short timeout instead, and the model
// predicts what the platform then really does: the call ends by its own timeout, right
// after the start (which settles on it). That is the fact as measured, not a skipped call.
// The same holds for a call that only may wait for its own timeout (Wine 8.0's large
// send to a closed peer, which the RST does not always wake: send_large_to_closed_peer):
// its alternatives stay as the row says. An overlapped call has no receive or send
// timeout: it stays pending (blocked) until a cause of the script, a cancel or the
// reaping ends it.
Prediction with_own_timeout(Prediction p, Mechanism m) {
  if (m != Mechanism::thread && may_time_out(p) && !own_timeout(p))
    return said({}, "an overlapped call where a blocking one may wait for its own timeout: not measured; " + p.source);
  if (!own_timeout(p)) return p;
  if (m == Mechanism::thread) {
    p.source = "the call ends by its own timeout, which the runner makes short (Options::blocked) for a call "
               "nothing else ends: " + p.source;
    return p;
  }
  Prediction out = said({blocked()}, "it would wait for its own timeout, which an overlapped call does not have: " +
                                          p.source);
  out.deviation = p.deviation;
  return out;
}

}  // namespace

bool Model::expects_pending(int index) const {
  if (index < 0 || index >= ops::kPendingSlots) return false;
  const auto& slot = slots_[index];
  if (!slot.used || slot.completed || slot.unknown) return false;
  return slot.socket < 0 || !sockets_[static_cast<std::size_t>(slot.socket)].unknown;
}

// An overlapped send where a blocking one may wait for its own timeout under a profile's
// deviation (Wine 8.0: the peer's RST may not wake a send, wine8-blocking-send-may-miss-reset)
// has no timeout, and neither closesocket nor CancelIoEx ends it (measured under Wine 8.0:
// `a close`, `h start overlapped send 1048576 @4`, `h close`, then the reaping: left pending
// in 8 of 10 runs): it may never end.
std::string Model::never_ends(const ops::Op& op, const Socket* s) const {
  if (s == nullptr || op.call != PendingCall::send || !overlapped_family(op.mechanism)) return {};
  // Where a socket's non-blocking mode does not apply to overlapped calls (the profile's
  // row "pending"), the call waits as a blocking send would (found under Wine 8.0 by
  // fuzz_close_sequences, seed 12: WSAEventSelect had made a listener non-blocking).
  Socket as_blocking = *s;
  if (s->nonblocking && (*profile_)[Fact::pending_nonblocking_overlapped].keyword == "pending")
    as_blocking.nonblocking = false;
  const Prediction blocking = predict_send(as_call(op), as_blocking);
  if (!may_time_out(blocking) || blocking.deviation.empty()) return {};
  return blocking.deviation;
}

bool Model::start_times_out(const ops::Op& start) const {
  if (start.kind != OpKind::start || start.mechanism != Mechanism::thread || start.invalid_handle) return false;
  if (lifecycle_over() || !start_script_error(start).empty()) return false;
  const int index = socket_of(start.endpoint);
  if (index < 0) return false;
  const Prediction completion = start_completion(start, &sockets_[static_cast<std::size_t>(index)]);
  // A call the model does not follow, where a cancel does not end a thread's call (Wine
  // 8.0: CancelSynchronousIo finds nothing, and a close does not wake a blocked send):
  // nothing but its own timeout may end it, and nothing checks how it ends. (Found by
  // fuzz_close_sequences under Wine 8.0: `pair tcp6 g c`, `c close`, an AcceptEx pending on
  // g (not followed), then `g start thread send 1048576 @3`, which the peer's reset did not
  // wake: left to the process at the reaping, every run.)
  if (completion.admissible.empty() && (*profile_)[Fact::pending_cancel_thread].keyword == "pending") return true;
  return may_time_out(completion);
}

bool Model::slot_on(int socket) const {
  return std::any_of(std::begin(slots_), std::end(slots_),
                     [&](const PendingSlot& slot) { return slot.used && slot.socket == socket; });
}

bool Model::has_pending(int socket, PendingCall call) const {
  return std::any_of(std::begin(slots_), std::end(slots_), [&](const PendingSlot& slot) {
    return slot.used && !slot.completed && slot.socket == socket && slot.call == call;
  });
}

std::string Model::start_script_error(const ops::Op& op) const {
  const auto& slot = slots_[op.slot];
  if (slot.used)
    return "start " + slot_name(op.slot) + ": the slot is still in use (its call was not collected to completion)";
  if (op.call == PendingCall::accept) {
    if (op.other == op.endpoint) return "start accept into " + ops::endpoint_name(op.other) + ", the listener itself";
    if (handles_[op.other].open)
      return "start accept into " + ops::endpoint_name(op.other) + ", which is still open";
    for (const auto& other : slots_)
      if (other.used && other.call == PendingCall::accept && other.other == op.other)
        return "start accept into " + ops::endpoint_name(op.other) + ", which another pending accept will take";
  }
  if (op.call == PendingCall::connect && !handles_[op.other].made)
    return "start connect to " + ops::endpoint_name(op.other) + ", which was never made";
  return "";
}

Prediction Model::predict_start(const ops::Op& op, const Socket* s, std::string*) const {
  const auto& traits = profile_->traits;
  const Trait<bool>* has = nullptr;
  switch (op.mechanism) {
    case Mechanism::thread: break;  // a worker thread exists everywhere
    case Mechanism::overlapped: has = &traits.mechanism_overlapped; break;
    case Mechanism::iocp: has = &traits.mechanism_iocp; break;
    case Mechanism::uring: has = &traits.mechanism_uring; break;
  }
  if (has != nullptr && !has->value) return said({fail(Errc::not_supported)}, has->source);
  const bool fails_at_submission = overlapped_family(op.mechanism) && traits.overlapped_fails_at_submission.value;
  // What comes before the call itself (platform/winsock/async_winsock.cpp): an iocp start
  // associates the handle with the port first, which fails on a closed one (also one the
  // last WSACleanup closed); AcceptEx first makes its new socket, which fails after the
  // last cleanup. (A thread start is submitted whatever the handle: its call fails.)
  const bool gone = s == nullptr || s->stale || lifecycle_over();
  if (op.mechanism == Mechanism::iocp && gone) return from_fact(*profile_, Fact::start_iocp_closed_handle);
  if (overlapped_family(op.mechanism) && op.call == PendingCall::accept && lifecycle_over())
    return from_fact(*profile_, Fact::start_accept_after_last_cleanup);
  // AcceptEx on a socket the last WSACleanup took that did not listen: submitted under
  // Wine 8.0 (found by fuzz_close_sequences: 0 where not_socket was predicted).
  if (overlapped_family(op.mechanism) && op.call == PendingCall::accept && s != nullptr && s->stale &&
      s->phase != Phase::listening)
    return said({}, "AcceptEx on a socket the last WSACleanup took, not listening: not modelled");
  // AcceptEx on a socket that does not listen, where its row says it is submitted: the
  // submission succeeds (what completes it is start_completion's).
  if (overlapped_family(op.mechanism) && op.call == PendingCall::accept && !gone && !s->unknown &&
      s->phase != Phase::listening && (*profile_)[Fact::start_accept_not_listening].keyword == "pending") {
    const auto& entry = (*profile_)[Fact::start_accept_not_listening];
    Prediction p = said({value(0)}, "AcceptEx submitted on a socket that does not listen: " + entry.source);
    if (entry.deviation) p.deviation = entry.reason;
    return p;
  }
  Prediction completion = start_completion(op, s);
  if (overlapped_family(op.mechanism) && op.call == PendingCall::connect) {
    // A connect's refusal comes from the network: a completion. Failures of the socket's
    // own state (is_connected, a closed handle) fail the submission (Wine: WSAEISCONN,
    // WSAENOTSOCK at once). (An AcceptEx on a socket that does not listen has its own
    // row: start_completion.)
    const bool remote = std::any_of(completion.admissible.begin(), completion.admissible.end(), [](const Outcome& o) {
      return o.type == Outcome::Type::failure && o.errc == Errc::connection_refused;
    });
    if (remote) return said({value(0)}, "ConnectEx submitted; the refusal is its completion");
  }
  if (fails_at_submission && only_failures(completion.admissible)) {
    completion.source = "the submission fails at once (" + std::string(traits.overlapped_fails_at_submission.source) +
                        "): " + completion.source;
    completion.settle.clear();
    // ConnectEx's pointer is looked up the first time a connect of the family needs it, on
    // a socket made for the lookup (platform/winsock/async_winsock.cpp, extensions()):
    // after the last WSACleanup, in a process that had not looked it up before, that
    // socket fails WSANOTINITIALISED first (Wine 8.0, found by fuzz_close_sequences).
    if (op.call == PendingCall::connect && lifecycle_over()) {
      completion.admissible.push_back(fail(Errc::not_initialised));
      completion.source += "; or WSANOTINITIALISED from the lookup of ConnectEx, when this process had not made it "
                           "before the last WSACleanup";
    }
    return completion;
  }
  if (completion.admissible.empty() && overlapped_family(op.mechanism))
    return said({}, "the submission is not predicted: " + completion.source);
  // (The completion is the collect's prediction, with its own source.)
  Prediction p = said({value(0)}, std::string(ops::to_string(op.mechanism)) + " " +
                                      std::string(ops::to_string(op.call)) + " submitted");
  if (!only_blocked(completion.admissible)) p.settle = completion.settle;  // (a connect: the listener's queue)
  return p;
}

Prediction Model::start_completion(const ops::Op& op, const Socket* s) const {
  if (lifecycle_over()) return from_fact(*profile_, Fact::socket_call_after_last_cleanup);
  if (s == nullptr) return from_fact(*profile_, Fact::closed_handle);
  if (s->stale) return said({fail(Errc::not_socket)}, "WSACleanup C1: sockets open at the last cleanup are gone");
  if (s->unknown) return said({}, "not predicted: " + s->unknown_since);
  // After a refused connect, recv and send through each mechanism answer as the plain call
  // (measured on Linux 6.18 and Wine 8.0, scenario failed_connect); a second connect
  // differs by mechanism (a thread's aborted, io_uring's refused again): not modelled.
  if (s->connect_failed && op.call == PendingCall::connect && op.mechanism != Mechanism::thread)
    return said({}, "a pending connect after a refused one (other than a thread's): not modelled");
  if (op.call == PendingCall::connect && connect_may_fail_stopped(*s))
    return said({}, std::string("a pending connect of a stopped listener: not modelled (") +
                        profile_->traits.disconnected_reuse_may_fail.source + ")");
  // AcceptEx on a socket that does not listen (never connected, bound, connected): its
  // row says whether the submission fails or the call is submitted and waits, for a
  // connection that never comes (a thread's or io_uring's accept is accept()'s, below).
  if (overlapped_family(op.mechanism) && op.call == PendingCall::accept && s->phase != Phase::listening) {
    const auto& entry = (*profile_)[Fact::start_accept_not_listening];
    Prediction p;
    // (On a connected socket Wine 8.0 completed it with ERROR_INVALID_PARAMETER at a recv
    // or the close, with success after the peer's FIN, and a cancel found nothing: what
    // completes it when is not modelled.)
    if (entry.keyword == "pending" && s->phase == Phase::connected)
      p = said({}, "AcceptEx pending on a connected socket (what completes it when): not modelled");
    else if (entry.keyword == "pending")
      p = said({blocked()}, "AcceptEx on a socket that does not listen is submitted and waits: " + entry.source);
    else if (!entry.keyword.empty() || entry.outcomes.empty())
      p = said({}, "AcceptEx on a socket that does not listen: " + entry.source);
    else
      p = said(entry.outcomes, entry.source);
    if (entry.deviation) p.deviation = entry.reason;
    return p;
  }
  // io_uring and overlapped calls on a non-blocking socket: the row says whether the mode
  // applies. "pending": it does not (the call is predicted as on a blocking socket: it
  // completes at once where that one would, and waits where that one would); outcomes:
  // a call that would wait completes at once with them instead.
  if (s->nonblocking && op.mechanism != Mechanism::thread) {
    const auto& entry = (*profile_)[op.mechanism == Mechanism::uring ? Fact::pending_nonblocking_uring
                                                                      : Fact::pending_nonblocking_overlapped];
    const std::string what = std::string(ops::to_string(op.mechanism)) + " " + std::string(ops::to_string(op.call)) +
                             " on a non-blocking socket";
    if (entry.keyword != "pending" && (!entry.keyword.empty() || entry.outcomes.empty()))
      return said({}, what + ": " + entry.source);
    // io_uring's accept on a non-blocking listener that refuses at once (an AF_UNIX one
    // shut down): poll reports it readable, every retry fails at once, and the
    // non-blocking accept's EAGAIN completes it (measured on Linux 6.18, found by
    // fuzz_close_sequences; regression uring-accept-nonblocking-shut-unix-listener).
    if (op.mechanism == Mechanism::uring && op.call == PendingCall::accept && s->phase == Phase::listening &&
        refuses(*s) && s->backlog.empty())
      return said({fail(Errc::would_block)}, what + ": the listener refuses at once and the non-blocking accept's "
                                                    "EAGAIN completes it (measured on Linux 6.18)");
    Socket as_blocking = *s;
    as_blocking.nonblocking = false;
    Prediction p = start_completion(op, &as_blocking);
    if (entry.keyword != "pending" && only_blocked(p.admissible))
      p = said(entry.outcomes, entry.source);
    else if (!p.admissible.empty())
      p.source = what + ", as on a blocking one (" + entry.source + "): " + p.source;
    if (entry.deviation) p.deviation = entry.reason;
    return p;
  }
  // A thread's connect on a non-blocking socket returns at once, EINPROGRESS or done
  // (found by fuzz_close_sequences: EINPROGRESS where a refusal was predicted).
  if (s->nonblocking && op.call == PendingCall::connect)
    return said({}, "a connect in another thread on a non-blocking socket (EINPROGRESS, or done at once): not modelled");
  const ops::Op call = as_call(op);
  switch (op.call) {
    case PendingCall::recv: {
      if (has_pending(socket_of(op.endpoint), PendingCall::recv))
        return said({}, "race: two recvs pending on one socket (which one gets the data): not modelled");
      return with_own_timeout(predict_recv(call, *s), op.mechanism);
    }
    case PendingCall::send: {
      Prediction p = predict_send(call, *s);
      const bool whole = p.admissible.size() == 1 && p.admissible[0].type == Outcome::Type::value &&
                         p.admissible[0].value == static_cast<std::int64_t>(op.count);
      if (!whole && std::any_of(p.admissible.begin(), p.admissible.end(),
                                [](const Outcome& o) { return o.type == Outcome::Type::ok; }))
        return said({}, "a pending send larger than the buffers (how much goes out when): not modelled");
      return with_own_timeout(p, op.mechanism);
    }
    case PendingCall::accept:
    case PendingCall::connect: return with_own_timeout(predict_connection(call, *s, nullptr), op.mechanism);
  }
  return Prediction{};
}

void Model::apply_start(const ops::Op& op, const Outcome& observed) {
  if (op.call == PendingCall::connect) {
    // A connect started on a socket with an AcceptEx waiting on it (not listening): Wine
    // 8.0 completed the AcceptEx at once (found by fuzz_close_sequences): not modelled.
    unfollow_accept_ex_on(socket_of(op.endpoint), "a connect started on a socket with an AcceptEx waiting on it: "
                                                  "not modelled");
  }
  if (!observed.succeeded()) return;  // not submitted: the slot stays free
  const int index = socket_of(op.endpoint);
  const Socket* s = index >= 0 ? &sockets_[static_cast<std::size_t>(index)] : nullptr;
  const Prediction completion = start_completion(op, s);
  const auto submission = predict_start(op, s, nullptr);  // (before the slot is taken)
  PendingSlot slot;
  slot.used = true;
  slot.mechanism = op.mechanism;
  slot.call = op.call;
  slot.socket = index;
  slot.other = op.other;
  slot.endpoint = op.endpoint;
  slot.count = op.count;
  slot.source = completion.source;
  slot.deviation = completion.deviation;
  slot.never_ends = never_ends(op, s);
  slots_[op.slot] = slot;
  const std::string started = "`" + ops::print(op) + "`";
  if (submission.admissible.empty()) {
    slot_unknown(op.slot, started + ": " + submission.source);
    return;
  }
  // An AcceptEx on a socket that does not listen submitted where the profile expected the
  // submission to fail (a divergence, reported at the start: the winsock profile following
  // Wine's): what completes it is not known to this profile.
  if (overlapped_family(op.mechanism) && op.call == PendingCall::accept && s != nullptr &&
      s->phase != Phase::listening && !admits(submission.admissible, observed)) {
    slot_unknown(op.slot, started + " was submitted, where the model predicted its submission to fail");
    return;
  }
  if (completion.admissible.empty()) {
    slot_unknown(op.slot, started + ": " + completion.source);
    return;
  }
  if (only_blocked(completion.admissible)) {  // pending until something completes it
    // Where a zero-byte thread recv ends at the socket's first wake-up (the profile's own-
    // shutdown row says 0: Linux, tcp_recvmsg_locked), the ACK of what the socket sent last
    // may come after the start and wake it (found by fuzz_close_sequences: shutdown(send),
    // then the recv completed 0 in 4 of 10 replays).
    if (op.call == PendingCall::recv && op.mechanism == Mechanism::thread && op.count == 0 && s != nullptr &&
        s->ack_due && (*profile_)[Fact::pending_zero_recv_own_shutdown].keyword != "pending")
      slot_unknown(op.slot, started + ": a zero-byte recv ends at its socket's first wake-up, and the ACK of what "
                                      "the socket sent last may come after it started");
    return;
  }
  // It completes at once (something to read, room to send, a connection queued, a
  // listener to connect to, or an immediate failure): its effects happen now.
  auto& now = slots_[op.slot];
  now.completed = true;
  now.outcomes = completion.admissible;
  if (s == nullptr) return;
  const ops::Op call = as_call(op);
  const Outcome& first = completion.admissible.front();
  switch (op.call) {
    case PendingCall::recv:
      if (completion.admissible.size() == 1 && first.type != Outcome::Type::ok) {
        apply_on_handle(call, first);
        // As after a plain recv (Model::apply): reading may wake an edge-triggered epoll
        // at the sender (regression pending-recv-wakes-sender-edge).
        wake(index, false);
        wake(sockets_[static_cast<std::size_t>(index)].peer, false);
      } else {
        forget_around(index, started + ": how much of the queued data it took is not modelled");
      }
      break;
    case PendingCall::send: apply_on_handle(call, first); break;
    case PendingCall::accept:
      if (first.succeeded()) {
        auto& listener = sockets_[static_cast<std::size_t>(index)];
        if (!listener.backlog.empty()) {
          slots_[op.slot].accepted = listener.backlog.front();
          listener.backlog.erase(listener.backlog.begin());
        }
      }
      break;
    case PendingCall::connect:
      // Its refusal or connection changes the socket's state: as after a plain connect, it
      // may wake an edge-triggered epoll (found by fuzz_close_sequences).
      wake(index, false);
      // (A blocking connect refused: no trace where trait blocking_connect_refusal_leaves_no_trace;
      // on a socket refused before, the second connect's abort is applied as for a plain one.)
      if (op.mechanism == Mechanism::thread && !first.succeeded() && !s->connect_failed &&
          profile_->traits.blocking_connect_refusal_leaves_no_trace.value) {
        // tcp_disconnect there also clears sk_shutdown: the bits a shutdown that failed
        // before left (failed_shutdown_sticks) go too. Found by fuzz_close_sequences
        // (poll {out,hup} where {in,out,hup,rdhup} was predicted), regression
        // thread-refusal-clears-failed-shutdown.
        auto& refused = sockets_[static_cast<std::size_t>(index)];
        if (refused.kind != ops::Transport::unix_stream && refused.phase == Phase::unconnected &&
            first.type == Outcome::Type::failure && first.errc == Errc::connection_refused) {
          refused.shut_rd = refused.shut_wr = refused.fin_unsent = false;
          refused.refused_before = true;  // (its listen may fail: found by fuzz_close_sequences)
        }
        break;
      }
      if (first.succeeded() || completion.admissible.size() == 1) apply_on_handle(call, first);
      break;
  }
}

Prediction Model::predict_collect(const ops::Op& op, std::string* error) const {
  const auto& slot = slots_[op.slot];
  if (!slot.used) return script_error(error, "collect " + slot_name(op.slot) + ": no call was started in the slot");
  if (slot.unknown) return said({}, "not predicted: " + slot.unknown_since);
  if (slot.mechanism == Mechanism::overlapped && slot.handle_closed && slot.socket >= 0 &&
      sockets_[static_cast<std::size_t>(slot.socket)].phase != Phase::closed)
    // The handle it was started through is closed, its socket open through a dup: Wine 8.0
    // completed it with ERROR_INVALID_HANDLE when data arrived (found by fuzz_close_sequences).
    return said({}, "an overlapped call whose handle was closed, its socket open through a dup: not modelled");
  if (slot.completed) {
    if (slot.accepted >= 0 && handles_[slot.other].open)
      return script_error(error, "collect " + slot_name(op.slot) + " would accept into " +
                                     ops::endpoint_name(slot.other) + ", which is open");
    Prediction p = said(slot.outcomes, slot.source);
    p.deviation = slot.deviation;
    return p;
  }
  if (slot.socket >= 0 && sockets_[static_cast<std::size_t>(slot.socket)].unknown)
    return said({}, "not predicted: " + sockets_[static_cast<std::size_t>(slot.socket)].unknown_since);
  return said({blocked()}, "nothing that completes the pending " + std::string(ops::to_string(slot.call)) +
                               " has happened (data, the peer's FIN or reset, a local shutdown, close or cancel)");
}

void Model::apply_collect(const ops::Op& op, const Outcome& observed) {
  auto& slot = slots_[op.slot];
  if (!slot.used || observed.type == Outcome::Type::blocked) return;  // still pending
  // The model follows what happened: a completion it expected (whatever it returned: a
  // divergence there is the collect's own) leaves the state as predicted; one it did not
  // expect yet (its cause had not happened for the model) leaves the socket unknown.
  const bool expected = !slot.unknown && slot.completed;
  const std::string why = "`" + ops::print(op) + "` completed unlike the model's prediction";
  if (!expected && slot.socket >= 0) forget_around(slot.socket, why);
  if (slot.call == PendingCall::accept && observed.succeeded() && !handles_[slot.other].open) {
    int accepted = slot.accepted;
    if (accepted < 0 || !expected) {
      accepted = add_socket(slot.socket >= 0 ? sockets_[static_cast<std::size_t>(slot.socket)].kind
                                             : ops::Transport::tcp4);
      forget(accepted, why);
    }
    sockets_[static_cast<std::size_t>(accepted)].handles = 1;
    handles_[slot.other] = Handle{accepted, true, true};
  }
  const int socket = slot.socket;
  slot = PendingSlot{};
  after_completion(socket);
}

Prediction Model::predict_cancel(const ops::Op& op, std::string* error) const {
  const auto& slot = slots_[op.slot];
  if (!slot.used) return script_error(error, "cancel " + slot_name(op.slot) + ": no call was started in the slot");
  if (slot.unknown) return said({}, "not predicted: " + slot.unknown_since);
  if (!slot.completed && slot.socket >= 0 && sockets_[static_cast<std::size_t>(slot.socket)].unknown)
    return said({}, "not predicted: " + sockets_[static_cast<std::size_t>(slot.socket)].unknown_since);
  if (slot.completed)
    return said({value(0), any_failure()}, "cancel after the completion: nothing left to cancel (the platform "
                                           "answers 0 or not found)");
  if (overlapped_family(slot.mechanism) && slot.handle_closed)
    // CancelIoEx names the handle the call was started through: closed (the socket still
    // open through a dup), the cancel fails (Wine 8.0: ERROR_INVALID_HANDLE, found by
    // fuzz_close_sequences) and the call stays pending.
    return said({any_failure()}, "CancelIoEx on the handle the call was started through, closed since: it fails");
  const auto& entry = (*profile_)[cancel_fact(slot.mechanism, slot.call, slot.count)];
  if (entry.keyword == "pending") {
    // The cancel finds nothing to cancel: it fails, and the call stays pending.
    Prediction p = said({any_failure()}, entry.source);
    if (entry.deviation) p.deviation = entry.reason;
    return p;
  }
  return said({value(0)}, "the cancel request is made (CancelIoEx, IORING_OP_ASYNC_CANCEL, a signal / "
                          "CancelSynchronousIo)");
}

void Model::apply_cancel(const ops::Op& op, const Outcome& observed) {
  auto& slot = slots_[op.slot];
  if (!slot.used || slot.completed || slot.unknown || !observed.succeeded()) return;
  if (!expects_pending(op.slot)) return;  // its socket is not followed
  const auto& entry = (*profile_)[cancel_fact(slot.mechanism, slot.call, slot.count)];
  if (entry.keyword == "pending") return;
  if (!entry.keyword.empty() || entry.outcomes.empty()) {
    slot_unknown(op.slot, "cancel of a " + std::string(ops::to_string(slot.mechanism)) + " call: " + entry.source);
    return;
  }
  complete(op.slot, entry.outcomes, entry.source, entry.deviation ? entry.reason : "");
}

void Model::complete(int index, std::vector<Outcome> outcomes, const std::string& source,
                     const std::string& deviation) {
  auto& slot = slots_[index];
  slot.completed = true;
  slot.outcomes = std::move(outcomes);
  slot.source = source;
  slot.deviation = deviation;
  after_completion(slot.socket);
}

void Model::unfollow_accept_ex_on(int socket, const std::string& why) {
  for (int i = 0; i < ops::kPendingSlots; ++i)
    if (socket >= 0 && slots_[i].used && !slots_[i].completed && slots_[i].socket == socket &&
        slots_[i].call == PendingCall::accept && overlapped_family(slots_[i].mechanism))
      slot_unknown(i, why);
}

void Model::slot_unknown(int index, const std::string& why) {
  auto& slot = slots_[index];
  if (slot.unknown) return;
  slot.unknown = true;
  slot.unknown_since = why;
  // Whether it still holds its socket, what it took: the socket is not followed either.
  if (slot.socket >= 0) forget_around(slot.socket, why);
  // A connect not followed may have queued a connection on its listener, or not (found by
  // fuzz_close_sequences: an AF_UNIX socket shut down before connected through io_uring,
  // and an accept on the listener completed at once): the listener is not followed either.
  if (slot.call == PendingCall::connect && slot.other >= 0 && handles_[slot.other].made)
    forget_around(handles_[slot.other].socket, why);
}

void Model::after_completion(int socket) {
  if (socket < 0) return;
  auto& s = sockets_[static_cast<std::size_t>(socket)];
  if (!s.close_deferred) return;
  for (const auto& slot : slots_)
    if (slot.used && !slot.completed && !slot.unknown && slot.socket == socket) return;
  // The last call holding it returned: the close happens now (close.2).
  s.close_deferred = false;
  close_socket(socket);
}

void Model::arrived(int index) {
  if (index < 0) return;
  wake(index, true);
  auto& s = sockets_[static_cast<std::size_t>(index)];
  if (s.unknown) return;
  std::vector<int> recvs;
  std::vector<int> accepts;
  for (int i = 0; i < ops::kPendingSlots; ++i) {
    const auto& slot = slots_[i];
    if (!slot.used || slot.completed || slot.unknown || slot.socket != index) continue;
    if (slot.call == PendingCall::recv) recvs.push_back(i);
    if (slot.call == PendingCall::accept) accepts.push_back(i);
  }
  // A recv pending on a listener (only where a blocking recv there waits for its own
  // timeout: Wine) when a connection arrives: Wine 8.0 wakes it (WSAENOTCONN; an
  // overlapped one with ERROR_UNEXP_NET_ERR), measured by random runs; not modelled.
  if (s.phase == Phase::listening && !s.backlog.empty())
    for (int i = 0; i < ops::kPendingSlots; ++i)
      if (slots_[i].used && !slots_[i].completed && !slots_[i].unknown && slots_[i].socket == index &&
          (slots_[i].call == PendingCall::recv || slots_[i].call == PendingCall::send))
        slot_unknown(i, "a connection arrived at a listener with a recv or send pending on it: not modelled");
  if (sockets_[static_cast<std::size_t>(index)].unknown) return;
  if (!accepts.empty() && !s.backlog.empty()) {
    if (accepts.size() > 1) {
      // Race: two accepts pending on one listener, which one gets the connection.
      for (const int i : accepts) slot_unknown(i, "race: two accepts pending on one listener (which one gets it)");
      return;
    }
    auto& slot = slots_[accepts.front()];
    slot.accepted = s.backlog.front();
    s.backlog.erase(s.backlog.begin());
    complete(accepts.front(), {value(0)}, "the pending accept takes the connection that arrived");
    return;
  }
  if (recvs.empty()) return;
  const bool something = s.inbound > 0 || s.fin_in || s.reset_in;
  if (!something) return;
  if (recvs.size() > 1) {
    // Race: two recvs pending on one socket, which one gets the data (or both the end).
    for (const int i : recvs) slot_unknown(i, "race: two recvs pending on one socket (which one gets what arrived)");
    return;
  }
  const int slot = recvs.front();
  const std::uint32_t count = slots_[slot].count;
  if (count == 0 && slots_[slot].mechanism != Mechanism::thread && s.inbound > 0) {
    slot_unknown(slot, "a zero-byte pending " + std::string(ops::to_string(slots_[slot].mechanism)) +
                           " recv when data arrives: not measured");
    return;
  }
  if (count == 0 && slots_[slot].mechanism == Mechanism::thread &&
      (s.inbound > 0 || (s.reset_in && !s.reset_after_fin))) {
    // A zero-byte recv (TCP: AF_UNIX ones are not followed) takes nothing: the data stays
    // queued; whether a reset is reported by it or left for the next call is the row's.
    const bool reset = s.inbound == 0;
    const auto& entry = (*profile_)[reset ? Fact::pending_zero_recv_reset : Fact::pending_zero_recv_data];
    if (!entry.keyword.empty() || entry.outcomes.empty()) {
      slot_unknown(slot, "a zero-byte pending recv: " + entry.source);
      return;
    }
    if (reset && std::any_of(entry.outcomes.begin(), entry.outcomes.end(),
                             [](const Outcome& o) { return o.type == Outcome::Type::failure; }))
      s.reset_reported = true;
    complete(slot, entry.outcomes, entry.source, entry.deviation ? entry.reason : "");
    return;
  }
  if (s.inbound > 0) {
    if (s.chunks > 1 || s.inbound > kSurelyBuffered) {
      // Several sends (or one larger than a segment train): the recv may get part.
      complete(slot, {Outcome{}}, "the pending recv takes part of what arrived (at least one byte)");
      forget_around(index, "a pending recv took part of several sends: how much is not modelled");
      return;
    }
    const auto taken = std::min<std::uint64_t>(s.inbound, count);
    s.inbound -= taken;
    if (s.inbound == 0) s.chunks = 0, s.inbound_unsettled = false;
    s.fd_read_enabled = true;
    // Reading frees the sender's buffer, which may wake an edge-triggered epoll there, as
    // a plain recv does (AF_UNIX: unix_write_space on every skb freed; found by
    // fuzz_close_sequences).
    wake(s.peer, false);
    complete(slot, {value(static_cast<std::int64_t>(taken))}, "the pending recv takes the data that arrived",
             arrival_deviation_);
    return;
  }
  if (s.reset_in && !s.reset_after_fin) {
    const auto& entry = (*profile_)[Fact::pending_recv_peer_reset];
    s.reset_reported = true;
    complete(slot, entry.outcomes, entry.source, entry.deviation ? entry.reason : "");
    return;
  }
  if (s.fin_in) complete(slot, {value(0)}, "the peer's FIN completes the pending recv with end of stream (recv R1)");
}

bool Model::close_held(int index) const {
  return std::any_of(std::begin(slots_), std::end(slots_), [&](const PendingSlot& slot) {
    return slot.used && !slot.completed && !slot.unknown && slot.socket == index &&
           (*profile_)[close_fact(slot.mechanism, slot.call)].keyword == "pending";
  });
}

bool Model::close_pending_calls(int index) {
  bool held = false;
  for (int i = 0; i < ops::kPendingSlots; ++i) {
    auto& slot = slots_[i];
    if (!slot.used || slot.completed || slot.unknown || slot.socket != index) continue;
    // An AcceptEx waiting on a connected socket (start_accept_not_listening "pending"):
    // Wine 8.0 completes it at the close with ERROR_INVALID_PARAMETER while the
    // connection is up, WSA_OPERATION_ABORTED after a reset or a shutdown, and success
    // after the peer's FIN (scenario pending_accept_not_listening): not modelled. (On a
    // socket never connected the close aborts it as a listener's close does: the row.)
    if (slot.call == PendingCall::accept && overlapped_family(slot.mechanism) &&
        sockets_[static_cast<std::size_t>(index)].phase == Phase::connected) {
      slot_unknown(i, "close of a connected socket with an AcceptEx pending on it: not modelled");
      continue;
    }
    const auto& entry = (*profile_)[close_fact(slot.mechanism, slot.call)];
    if (entry.keyword == "pending") {
      held = true;  // the call holds the socket open; it goes on as if nothing happened
    } else if (!entry.keyword.empty() || entry.outcomes.empty()) {
      slot_unknown(i, "close with a " + std::string(ops::to_string(slot.mechanism)) + " " +
                          std::string(ops::to_string(slot.call)) + " pending: " + entry.source);
    } else {
      slot.completed = true;  // (complete() would close the socket: the caller does)
      slot.outcomes = entry.outcomes;
      slot.source = entry.source;
      slot.deviation = entry.deviation ? entry.reason : "";
    }
  }
  if (held) sockets_[static_cast<std::size_t>(index)].close_deferred = true;
  return held;
}

void Model::shutdown_pending_calls(int index, int how) {
  for (int i = 0; i < ops::kPendingSlots; ++i) {
    auto& slot = slots_[i];
    if (!slot.used || slot.completed || slot.unknown || slot.socket != index || slot.call != PendingCall::recv)
      continue;
    const bool zero = slot.mechanism == Mechanism::thread && slot.count == 0;
    if (how == 1 && !zero) continue;  // shutdown(send) leaves a recv alone (P1)
    const auto& entry = (*profile_)[how == 1 ? Fact::pending_zero_recv_own_shutdown : shutdown_fact(slot.mechanism)];
    if (entry.keyword == "pending") continue;
    if (!entry.keyword.empty() || entry.outcomes.empty()) {
      slot_unknown(i, "shutdown(receive) with a " + std::string(ops::to_string(slot.mechanism)) +
                          " recv pending: " + entry.source);
      continue;
    }
    complete(i, entry.outcomes, entry.source, entry.deviation ? entry.reason : "");
  }
}

void Model::add_pending_settles(const ops::Op& op, Prediction& p) const {
  if (p.admissible.empty() || op.kind == OpKind::collect) return;
  const bool any_pending = std::any_of(std::begin(slots_), std::end(slots_), [](const PendingSlot& slot) {
    return slot.used && !slot.completed && !slot.unknown;
  });
  if (!any_pending && op.kind != OpKind::start) return;
  // What the op does to the pending calls: follow it on a copy, with its first outcome.
  Outcome outcome = p.admissible.front();
  if (outcome.type == Outcome::Type::blocked) return;  // nothing happened
  if (outcome.type == Outcome::Type::ok) outcome = value(op.kind == OpKind::send ? op.count : 0);
  if (outcome.type == Outcome::Type::fails) return;
  Model after = *this;
  after.apply(op, outcome);
  for (int i = 0; i < ops::kPendingSlots; ++i) {
    const auto& was = slots_[i];
    const auto& now = after.slots_[i];
    if (now.used && now.completed && !now.unknown && !(was.used && was.completed)) {
      Settle settle;
      settle.slot = i;
      p.settle.insert(p.settle.begin(), settle);
    }
  }
  // A close deferred by a pending call happens when it completes: its FIN or reset.
  for (int e = 0; e < ops::kEndpoints; ++e) {
    const int index = after.socket_of(e);
    if (index < 0 || index >= static_cast<int>(sockets_.size())) continue;
    const auto& before = sockets_[static_cast<std::size_t>(index)];
    const auto& later = after.sockets_[static_cast<std::size_t>(index)];
    const bool ended = (later.fin_in || later.reset_in) && !(before.fin_in || before.reset_in);
    const bool listed = std::any_of(p.settle.begin(), p.settle.end(), [&](const Settle& s) { return s.endpoint == e; });
    if (ended && !listed && !later.unknown) p.settle.push_back({e, end_of_stream(), -1});
  }
}

}  // namespace closesem::model
