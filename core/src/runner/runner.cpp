// SPDX-License-Identifier: MIT
// The runner's run loop and the plain socket ops: each step (predicted, executed,
// checked, settled), the slots and handles of the script's endpoints, and one function
// per op family. The pending calls are in pending.cpp, the notifications in notify.cpp,
// the payload streams in streams.cpp, the trace's reports in trace.cpp.
#include "closesem/runner.hpp"

#include "closesem/pair.hpp"
#include "closesem/pattern.hpp"
#include "closesem/platform.hpp"
#include "closesem/text.hpp"
#include "execution.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

namespace closesem::runner {
namespace {

using ops::OpKind;
using ops::Outcome;

platform::WaitFor wait_for(ops::WaitKind kind) {
  switch (kind) {
    case ops::WaitKind::readable: return platform::WaitFor::readable;
    case ops::WaitKind::writable: return platform::WaitFor::writable;
    case ops::WaitKind::hangup: return platform::WaitFor::hangup;
  }
  return platform::WaitFor::readable;
}

// An address of this host that refuses connections: a socket bound to it that never
// listens, one per transport, kept for the process (no fixed port is assumed free).
// After the last WSACleanup it is gone, and a new one is made.
bool refusing_endpoint(platform::Transport transport, platform::Endpoint& out) {
  struct Entry {
    platform::Socket socket;
    platform::Endpoint at;
    std::uint64_t epoch = 0;
  };
  static std::mutex mutex;
  static std::map<platform::Transport, Entry> entries;
  std::lock_guard<std::mutex> lock(mutex);
  auto& entry = entries[transport];
  if (entry.socket.valid() && entry.epoch != platform::session_epoch()) entry.socket.release();
  if (!entry.socket.valid()) {
    platform::Socket socket;
    if (!platform::open_stream(transport, socket).ok() || !platform::bind_loopback(socket.get(), transport).ok() ||
        !platform::local_endpoint(socket.get(), entry.at).ok())
      return false;
    entry.socket = std::move(socket);
    entry.epoch = platform::session_epoch();
  }
  out = entry.at;
  return true;
}

}  // namespace

namespace detail {

platform::Transport transport_of(ops::Transport kind) {
  switch (kind) {
    case ops::Transport::tcp4: return platform::Transport::tcp4;
    case ops::Transport::tcp6: return platform::Transport::tcp6;
    case ops::Transport::unix_stream: return platform::Transport::unix_stream;
  }
  return platform::Transport::tcp4;
}

// A socket the last WSACleanup took is gone, and its value may name a newer one:
// let go of it without closing.
Execution::~Execution() {
  for (auto& slot : slots_)
    if (stale(slot)) slot.socket.release();
}

Step Execution::step(const ops::Op& op, std::string& script_error) {
  Step step;
  step.op = op;
  std::string error;
  step.semantic_state = model_.semantic_state(op);
  step.predicted = model_.predict(op, &error);
  if (!error.empty()) {
    script_error = error;
    step.called = false;
    return step;
  }
  gave_up_ = false;
  seen_.reset();
  // Bytes a pending recv took come before anything a later recv on its socket reads.
  account_completed(step);
  const auto outcome = execute(op, step);
  if (gave_up_) {
    // No call returned: there is no return value and no error.
    step.observed.type = Outcome::Type::blocked;
  } else {
    step.ret = outcome.ret;
    step.native = outcome.ok() ? 0 : outcome.native;
    step.native_name = outcome.ok() ? "" : platform::describe_native(outcome.native);
    step.observed = to_ops(outcome);
    if (outcome.ok() && seen_) {  // a notification: the set of events it reported
      step.observed.type = Outcome::Type::events;
      step.observed.set = *seen_;
    }
  }
  if (step.called) {
    if (!op.expect.empty()) step.expectation_held = model::admits(op.expect, step.observed);
    if (!step.predicted.admissible.empty()) step.prediction_held = model::admits(step.predicted.admissible, step.observed);
    if (unavailable_mechanism_) step.prediction_held = true;  // the host refused it: the run stops here
    model_.apply(op, step.observed, &step.predicted);  // (the model's state is the one it predicted from)
    if (step.observed.succeeded()) settle(step);
    check_pending(step);
  }
  return step;
}

// Closes what is still open; abortively when asked, so that no TIME_WAIT is left behind
// (fuzzing): an AF_UNIX socket has none, nor has a TCP socket that never had a
// connection, and those are closed as they are; nor has the other end of a connection
// that an earlier hard close here reset (Model::hard_close_resets: one linger {1,0} per
// connection, not one per end).
void Execution::close_all(bool abortive) {
  std::vector<int> hard_closed;  // endpoints whose hard close here was their socket's last handle
  for (std::size_t e = 0; e < slots_.size(); ++e) {
    auto& slot = slots_[e];
    if (!slot.open || stale(slot)) continue;
    const int endpoint = static_cast<int>(e);
    if (abortive && kinds_[e] != ops::Transport::unix_stream && !model_.never_connected(endpoint) &&
        std::none_of(hard_closed.begin(), hard_closed.end(),
                     [&](int closed) { return model_.hard_close_resets(closed, endpoint); })) {
      platform::set_linger(slot.value, {true, 0});
      const bool last = std::none_of(slots_.begin() + static_cast<std::ptrdiff_t>(e) + 1, slots_.end(),
                                     [&](const Slot& other) { return other.open && other.group == slot.group; });
      if (last) hard_closed.push_back(endpoint);
    }
    slot.socket.close();
    slot.open = false;
  }
}

// A call's outcome in the language: failures by error, successes by return value.
Outcome Execution::to_ops(const platform::CallResult& outcome) {
  Outcome o;
  if (!outcome.ok()) {
    o.type = Outcome::Type::failure;
    o.errc = outcome.errc;
    return o;
  }
  o.type = Outcome::Type::value;
  o.value = outcome.ret;
  return o;
}

Outcome Execution::zero() {
  Outcome o;
  o.type = Outcome::Type::value;
  return o;
}

// Whether the model expects the call not to return within the runner's bound: it
// blocks (`blocked`), or it waits for its own timeout, which the runner sets to that
// bound, and fails with it (timed_out). An op the model cannot predict is treated the
// same way: it is not waited for long.
bool Execution::expects_block(const model::Prediction& predicted) {
  return predicted.admissible.empty() ||
         std::all_of(predicted.admissible.begin(), predicted.admissible.end(), [](const Outcome& o) {
           return o.type == Outcome::Type::blocked || (o.type == Outcome::Type::failure && o.errc == Errc::timed_out);
         });
}

// Whether the runner is to bound the call itself (wait, then give up: `blocked`): the
// model expects it to block, or cannot say.
bool Execution::runner_bounds(const model::Prediction& predicted) {
  return std::all_of(predicted.admissible.begin(), predicted.admissible.end(),
                     [](const Outcome& o) { return o.type == Outcome::Type::blocked; });
}

// The step's outcome is `blocked`: the call had not returned (or was not made, as it
// would not have) when the bound expired. The returned value is not used.
platform::CallResult Execution::gave_up(Step& step, const std::string& why) {
  gave_up_ = true;
  step.note += (step.note.empty() ? "" : "; ") + std::string("blocked: ") + why;
  return platform::CallResult{};
}

std::string Execution::in_ms(std::chrono::milliseconds bound) {
  return "within " + std::to_string(platform::scaled(bound).count()) + " ms";
}

platform::CallResult Execution::synthetic(Errc errc) {
  platform::CallResult out;
  out.ret = -1;
  out.errc = errc;
  out.native = platform::native_from_errc(errc).value_or(0);
  return out;
}

// The receive/send timeout for a call expected to block: Options::blocked, but never
// 0, which SO_RCVTIMEO and SO_SNDTIMEO take as "no timeout".
std::chrono::milliseconds Execution::short_bound() const {
  return std::max(options_.blocked, std::chrono::milliseconds(1));
}

// Whether a slot's socket was taken by the last WSACleanup (its session ended).
bool Execution::stale(const Slot& slot) { return slot.open && slot.epoch != platform::session_epoch(); }

// Whether a closed endpoint's old value now belongs to a live endpoint (D3).
bool Execution::reused(int endpoint, std::string& by) const {
  const auto value = slots_[static_cast<std::size_t>(endpoint)].value;
  for (int e = 0; e < ops::kEndpoints; ++e) {
    const auto& slot = slots_[static_cast<std::size_t>(e)];
    if (e != endpoint && slot.open && !stale(slot) && slot.value == value) {
      by = ops::endpoint_name(e);
      return true;
    }
  }
  return false;
}

void Execution::adopt(int endpoint, platform::Socket socket, ops::Transport kind) {
  kinds_[static_cast<std::size_t>(endpoint)] = kind;
  auto& slot = slots_[static_cast<std::size_t>(endpoint)];
  slot = Slot{};
  slot.value = socket.get();
  slot.socket = std::move(socket);
  slot.open = true;
  slot.group = streams_.open();  // a new socket: its own streams, from offset 0
  slot.epoch = platform::session_epoch();
}

// A blocking recv, send, accept or connect never outlasts the runner's patience: the
// socket's SO_RCVTIMEO (recv, accept) or SO_SNDTIMEO (send, connect; a start sets both)
// is set before its first such call (not when it is made: most sockets of a random input
// never make one; the two setsockopt calls per socket made or accepted were about 5.6 of
// a random input's 35.3 system calls, strace -c of fuzz_close_sequences drawing blindly,
// seed 2; and of a steered run's inputs after two minutes, 2.3 of 22.8, both set together,
// issue 21).
void Execution::bound_calls(Slot& slot, const ops::Op& op) const {
  if (!slot.open || stale(slot)) return;
  const bool receive = op.kind == OpKind::recv || op.kind == OpKind::accept || op.kind == OpKind::start;
  const bool send = op.kind == OpKind::send || op.kind == OpKind::connect || op.kind == OpKind::start;
  if (receive && !slot.bounded_receive)
    platform::set_io_timeout(slot.value, options_.patience, platform::TimeoutOf::receive);
  if (send && !slot.bounded_send) platform::set_io_timeout(slot.value, options_.patience, platform::TimeoutOf::send);
  slot.bounded_receive = slot.bounded_receive || receive;
  slot.bounded_send = slot.bounded_send || send;
}

platform::CallResult Execution::execute(const ops::Op& op, Step& step) {
  // The invalid handle: a slot of its own that names no socket (-1 / INVALID_SOCKET).
  invalid_ = Slot{};
  invalid_.open = true;
  invalid_.epoch = platform::session_epoch();
  auto& slot = op.invalid_handle ? invalid_ : slots_[static_cast<std::size_t>(op.endpoint)];
  switch (op.kind) {
    case OpKind::startup: return platform::startup();
    case OpKind::cleanup: return platform::cleanup();
    case OpKind::collect: return collect(op, step);
    case OpKind::cancel: return cancel(op, step);
    case OpKind::pair:
    case OpKind::socket: return make_op(op, step);
    default: break;
  }
  // Where a connect goes is settled first: that may make a socket (the refusing
  // address), which may take the value of a closed handle checked just below.
  if (op.kind == OpKind::connect || (op.kind == OpKind::start && op.call == ops::PendingCall::connect))
    destination_ = destination(op);
  if (!op.invalid_handle && (!slot.open || stale(slot)) && value_taken(op, slot, step))
    return synthetic(Errc::not_socket);
  if (!op.invalid_handle && (op.kind == OpKind::send || op.kind == OpKind::recv || op.kind == OpKind::accept ||
                             op.kind == OpKind::connect || op.kind == OpKind::start))
    bound_calls(slot, op);
  switch (op.kind) {
    case OpKind::send:
    case OpKind::recv:
    case OpKind::wait:
    case OpKind::pending: return data_op(op, slot, step);
    case OpKind::shutdown:
    case OpKind::close:
    case OpKind::dup:
    case OpKind::listen:
    case OpKind::connect:
    case OpKind::accept: return lifecycle_op(op, slot, step);
    case OpKind::linger:
    case OpKind::nonblocking:
    case OpKind::error:
    case OpKind::peername:
    case OpKind::sockname: return option_op(op, slot);
    case OpKind::start: return start(op, slot, step);
    case OpKind::poll:
    case OpKind::select:
    case OpKind::epoll:
    case OpKind::events: return notify(op, slot, step);
    default: break;
  }
  return synthetic(Errc::other);
}

// The ops that make sockets (pair, socket): they use no handle of the script, so no
// closed one is checked first.
platform::CallResult Execution::make_op(const ops::Op& op, Step& step) {
  switch (op.kind) {
    case OpKind::pair: {
      // The client keeps the runner's patience as its send timeout, the accepted end as
      // its receive timeout (bound_calls).
      auto made = closesem::make_pair(PairKind{transport_of(op.socket_kind), op.reversed}, options_.patience);
      if (made.status != PairStatus::ok) {
        step.note = made.message;
        // The failing call's own outcome (e.g. WSANOTINITIALISED), else a stand-in.
        if (!made.outcome.ok()) return made.outcome;
        return synthetic(made.status == PairStatus::unavailable ? Errc::not_supported : Errc::other);
      }
      adopt(op.endpoint, std::move(made.pair.first), op.socket_kind);
      adopt(op.other, std::move(made.pair.second), op.socket_kind);
      slots_[static_cast<std::size_t>(op.reversed ? op.other : op.endpoint)].bounded_send = true;
      slots_[static_cast<std::size_t>(op.reversed ? op.endpoint : op.other)].bounded_receive = true;
      // (make_pair consumed Linux's one "connected" answer of a non-blocking connect: see connect())
      return platform::CallResult{};
    }
    case OpKind::socket: {
      platform::Socket socket;
      const auto out = platform::open_stream(transport_of(op.socket_kind), socket);
      if (out.ok()) adopt(op.endpoint, std::move(socket), op.socket_kind);
      return out;
    }
    default: break;
  }
  return synthetic(Errc::other);
}

// An op on a closed (or cleaned-up) slot: whether its value is taken (D3), and the op
// then not called (the step says why).
bool Execution::value_taken(const ops::Op& op, const Slot& slot, Step& step) const {
  // A closed value (or one the last WSACleanup took) may name something else now:
  // another endpoint, or a socket or file this process holds outside the script.
  std::string by;
  // A thread or io_uring accept still pending makes its socket when it completes, at
  // any moment: the lowest free value, maybe this one (seen in a random run).
  const bool accepting = std::any_of(pending_.begin(), pending_.end(), [](const Pending& p) {
    return p.call && p.start.call == ops::PendingCall::accept &&
           (p.start.mechanism == ops::Mechanism::thread || p.start.mechanism == ops::Mechanism::uring);
  });
  if (accepting) by = "the socket an accept still pending may make at any moment";
  // An overlapped (or completion-port) accept makes its accept socket before AcceptEx is
  // called: that socket may take this very value (the lowest free one under Wine), and
  // AcceptEx then acts on it (fuzz_close_sequences under Wine 8: `start overlapped
  // accept` on a closed handle observed 0, WSAENOTSOCK predicted).
  const bool makes_first = op.kind == OpKind::start && op.call == ops::PendingCall::accept &&
                           (op.mechanism == ops::Mechanism::overlapped || op.mechanism == ops::Mechanism::iocp) &&
                           platform::api() == platform::Api::winsock;
  if (makes_first && by.empty()) by = "the accept socket the call would make before AcceptEx (it may take this value)";
  if (accepting || makes_first || reused(op.endpoint, by) || platform::handle_in_use(slot.value)) {
    if (by.empty()) by = "another object of this process (outside the script)";
    step.called = false;
    step.note = "not called: the " + std::string(slot.open ? "cleaned-up" : "closed") +
                " handle's value now belongs to " + by + " (closesocket D3)";
    return true;
  }
  return false;
}

// The data ops: send, recv, wait, pending.
platform::CallResult Execution::data_op(const ops::Op& op, Slot& slot, Step& step) {
  const auto handle = slot.value;
  switch (op.kind) {
    case OpKind::send: {
      const auto* data = streams_.bytes_to_send(slot.group, op.count);
      if (expects_block(step.predicted)) platform::set_io_timeout(handle, short_bound(), platform::TimeoutOf::send);
      const auto out = platform::send(handle, data, op.count);
      if (expects_block(step.predicted))
        platform::set_io_timeout(handle, options_.patience, platform::TimeoutOf::send);
      if (out.ok() && out.ret > 0) streams_.sent(slot.group, static_cast<std::uint64_t>(out.ret));
      return out;
    }
    case OpKind::recv: return recv(op, slot, step);
    case OpKind::wait: {
      auto timeout = options_.patience;
      if (op.count_given)
        timeout = std::chrono::milliseconds(op.count);
      else if (step.predicted.admissible.empty() || model::admits(step.predicted.admissible, zero()))
        timeout = options_.quiet;  // the model expects (or allows) nothing to come, or cannot say
      return platform::wait(handle, wait_for(op.wait_kind), platform::scaled(timeout));
    }
    case OpKind::pending: return platform::bytes_pending(handle);
    default: break;
  }
  return synthetic(Errc::other);
}

// The lifecycle ops of a socket the script has: shutdown, close, dup, listen, connect,
// accept.
platform::CallResult Execution::lifecycle_op(const ops::Op& op, Slot& slot, Step& step) {
  const auto handle = slot.value;
  switch (op.kind) {
    case OpKind::shutdown: return platform::shutdown_raw(handle, op.how);
    case OpKind::close: {
      const auto out = platform::close_handle(handle);
      if (out.ok() && slot.open && !op.invalid_handle) {
        slot.socket.release();
        slot.open = false;
      }
      return out;
    }
    case OpKind::dup: {
      platform::Socket copy;
      const auto out = platform::duplicate(handle, copy);
      if (out.ok()) {
        adopt(op.other, std::move(copy), kinds_[static_cast<std::size_t>(op.endpoint)]);
        auto& copied = slots_[static_cast<std::size_t>(op.other)];
        copied.group = slot.group;
        copied.nonblocking = slot.nonblocking;
        copied.listening = slot.listening;
        copied.address = slot.address;
        copied.bounded_receive = slot.bounded_receive;  // timeouts belong to the socket
        copied.bounded_send = slot.bounded_send;
      }
      return out;
    }
    case OpKind::listen: return listen(op, slot);
    case OpKind::connect: return connect(op, slot, step);
    case OpKind::accept: return accept(op, slot, step);
    default: break;
  }
  return synthetic(Errc::other);
}

// The options and queries: linger, nonblocking, error, peername, sockname.
platform::CallResult Execution::option_op(const ops::Op& op, Slot& slot) {
  const auto handle = slot.value;
  switch (op.kind) {
    case OpKind::linger: return platform::set_linger(handle, {op.on, static_cast<int>(op.count)});
    case OpKind::nonblocking: {
      const auto out = platform::set_nonblocking(handle, op.on);
      if (out.ok() && !op.invalid_handle)
        for (auto& other : slots_)
          if (other.open && other.group == slot.group) other.nonblocking = op.on;  // dup'd handles share it
      return out;
    }
    case OpKind::error: {
      int so_error = 0;
      auto out = platform::socket_error(handle, so_error);
      if (out.ok() && so_error != 0) {
        out.ret = -1;
        out.native = so_error;
        out.errc = platform::errc_from_native(so_error);
      }
      return out;
    }
    case OpKind::peername:
    case OpKind::sockname: {
      platform::Endpoint name;
      return op.kind == OpKind::peername ? platform::peer_endpoint(handle, name)
                                         : platform::local_endpoint(handle, name);
    }
    default: break;
  }
  return synthetic(Errc::other);
}

// bind to loopback (port 0, or a fresh AF_UNIX path), then listen.
platform::CallResult Execution::listen(const ops::Op& op, Slot& slot) {
  auto out = platform::bind_loopback(slot.value, transport_of(kinds_[static_cast<std::size_t>(op.endpoint)]));
  if (!out.ok()) return out;
  out = platform::listen(slot.value, 8);
  if (out.ok()) {
    platform::local_endpoint(slot.value, slot.address);
    for (auto& other : slots_)
      if (other.group == slot.group) {  // dup'd handles listen too (closed ones: for a connect to their name)
        other.listening = true;
        other.address = slot.address;
      }
  }
  return out;
}

// Where `X connect Y` goes: Y's listening address; when Y does not listen, or
// listened on an address of another family (and is closed now, or the model does not
// predict the call), an address of X's family that refuses connections; with no
// session to make that in (after the last WSACleanup), port 0 of loopback.
platform::Endpoint Execution::destination(const ops::Op& op) {
  const auto& target = slots_[static_cast<std::size_t>(op.other)];
  platform::Endpoint to = target.address;
  const auto own = transport_of(kinds_[static_cast<std::size_t>(op.endpoint)]);
  if (target.listening && to.transport == own) return to;
  if (!refusing_endpoint(own, to)) {
    to = platform::Endpoint{};
    to.transport = own;
    to.address = own == platform::Transport::tcp6 ? "::1" : "127.0.0.1";
    to.port = 0;
  }
  return to;
}

// A recv. One the model expects to block is bounded by the runner: it waits (up to
// Options::blocked) for something to read (data, a FIN or a reset) and gives up when
// nothing came, after asking the call without blocking whether it would have returned
// anyway (with an error the model did not expect). Every byte read is checked
// against the pattern.
platform::CallResult Execution::recv(const ops::Op& op, Slot& slot, Step& step) {
  // One buffer for the process's recvs, grown and never cleared (zeroing up to 64 KiB per
  // recv was 1.2 % of a fuzz_close_sequences run, perf): a recv writes what it returns.
  thread_local std::vector<std::uint8_t> buffer;
  if (buffer.size() < std::max<std::uint32_t>(op.count, 1)) buffer.resize(std::max<std::uint32_t>(op.count, 1));
  const auto handle = slot.value;
  platform::CallResult out;
  if (!expects_block(step.predicted)) {
    out = platform::recv(handle, buffer.data(), op.count);
  } else if (runner_bounds(step.predicted) && !slot.nonblocking && nothing_within(handle, options_.blocked)) {
    platform::set_nonblocking(handle, true);
    out = platform::recv(handle, buffer.data(), op.count);
    platform::set_nonblocking(handle, false);
    if (!out.ok() && out.errc == Errc::would_block)
      return gave_up(step, "nothing to read (no data, FIN or reset) " + in_ms(options_.blocked));
  } else {
    // Something to read, or the model expects the call to wait for its own timeout.
    platform::set_io_timeout(handle, short_bound(), platform::TimeoutOf::receive);
    out = platform::recv(handle, buffer.data(), op.count);
    platform::set_io_timeout(handle, options_.patience, platform::TimeoutOf::receive);
  }
  if (out.ok() && out.ret > 0) {
    const auto size = static_cast<std::size_t>(out.ret);
    // A recv pending on the same socket may have completed while this one ran: the two
    // raced for the bytes. When these do not follow the pattern at the stream's offset
    // but the pending one's do, the pending one took the first bytes: it is accounted
    // first (found by fuzz_close_sequences, a false payload finding).
    const auto offset = streams_.receive_offset(slot.group);
    if (pattern::first_mismatch(buffer.data(), size, offset) != size)
      for (auto& pending : pending_) {
        if (!pending.call || pending.accounted || pending.group != slot.group ||
            pending.start.call != ops::PendingCall::recv || !pending.call->wait(std::chrono::milliseconds(0)))
          continue;
        const auto& result = pending.call->result();
        const auto taken = result.ok() && result.ret > 0
                               ? std::min<std::size_t>(pending.call->received().size(),
                                                       static_cast<std::size_t>(result.ret))
                               : std::size_t{0};
        if (taken > 0 && pattern::first_mismatch(pending.call->received().data(), taken, offset) == taken) {
          account(pending, step);
          break;
        }
      }
    const auto problem = streams_.received(slot.group, buffer.data(), size);
    if (!problem.empty()) {
      step.payload_held = false;
      step.note += (step.note.empty() ? "" : "; ") + std::string("payload: ") + ops::endpoint_name(op.endpoint) +
                   " " + problem;
    }
  }
  return out;
}

// Whether `handle` stayed unreadable for `bound` (scaled).
bool Execution::nothing_within(platform::NativeHandle handle, std::chrono::milliseconds bound) {
  const auto ready = platform::wait(handle, platform::WaitFor::readable, platform::scaled(bound));
  return ready.ok() && ready.ret == 0;
}

// A connect that never blocks for long: non-blocking, a bounded wait, then SO_ERROR.
// One that has not settled when the wait runs out is `blocked`.
platform::CallResult Execution::connect(const ops::Op&, Slot& slot, Step& step) {
  const platform::Endpoint to = destination_;
  if (!slot.nonblocking) platform::set_nonblocking(slot.value, true);
  auto out = platform::connect(slot.value, to);
  if (!out.ok() && (out.errc == Errc::in_progress || out.errc == Errc::would_block)) {
    const auto ready = platform::wait(slot.value, platform::WaitFor::writable, platform::scaled(options_.patience));
    if (ready.ok() && ready.ret == 0) {
      out = gave_up(step, "the connection was not made " + in_ms(options_.patience));
    } else {
      int so_error = 0;
      out = platform::socket_error(slot.value, so_error);
      if (out.ok() && so_error != 0) {
        out.ret = -1;
        out.native = so_error;
        out.errc = platform::errc_from_native(so_error);
      }
    }
  }
  if (!slot.nonblocking) platform::set_nonblocking(slot.value, false);
  // Linux answers one more connect after a non-blocking connect succeeded with 0 (the
  // "connected" confirmation); consume it, so that a later connect answers is_connected
  // as on Winsock (connect.2 EISCONN).
  if (out.ok() && !gave_up_) platform::connect(slot.value, to);
  // A socket that connected listens no more (one that stopped listening through a
  // shutdown, then connected: its accept must be called, not waited for; found by
  // fuzz_close_sequences, regression accept-after-listener-shutdown-and-connect).
  if (out.ok() && !gave_up_)
    for (auto& other : slots_)
      if (other.group == slot.group) other.listening = false;
  return out;
}

// A blocking accept with nothing queued would wait for ever: wait (bounded) first, and
// give up (`blocked`) when no connection came. Only on a socket that listens, by the
// runner's record and by SO_ACCEPTCONN: one that stopped (a shutdown, then a connect that
// the runner did not see complete: an io_uring connect never collected; found by
// fuzz_close_sequences, regression accept-after-listener-shutdown-and-pending-connect)
// fails at once, and its accept must be called.
platform::CallResult Execution::accept(const ops::Op& op, Slot& slot, Step& step) {
  bool listening = slot.listening;
  if (!slot.nonblocking && listening) {
    bool now = true;  // (when SO_ACCEPTCONN fails, the record's word stands)
    if (platform::accepts_connections(slot.value, now).ok()) listening = now;
  }
  if (!slot.nonblocking && listening) {
    const auto bound = expects_block(step.predicted) ? options_.blocked : options_.patience;
    if (nothing_within(slot.value, bound)) return gave_up(step, "no connection to accept " + in_ms(bound));
  }
  platform::Socket accepted;
  const auto out = platform::accept(slot.value, accepted);
  if (out.ok()) adopt(op.other, std::move(accepted), kinds_[static_cast<std::size_t>(op.endpoint)]);
  return out;
}

// Until `settle.bytes` are queued at the endpoint (FIONREAD), bounded by the patience:
// the count first (on loopback the bytes are mostly there when the send returns: one
// call, not a wait and the count); while short, a wait for readability, then the count,
// and a 1 ms pause before the next (no primitive waits for "more bytes" on a socket that
// is readable already).
void Execution::settle_bytes(Step& step, const model::Settle& settle, const Slot& slot) {
  const auto deadline = std::chrono::steady_clock::now() + platform::scaled(options_.patience);
  const auto first = platform::bytes_pending(slot.value);
  std::int64_t queued = first.ok() ? first.ret : -1;
  if (queued >= static_cast<std::int64_t>(settle.bytes)) return;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto seen = platform::wait(slot.value, platform::WaitFor::readable, std::max(left, std::chrono::milliseconds(0)));
    const auto counted = platform::bytes_pending(slot.value);
    queued = counted.ok() ? counted.ret : -1;
    if (!seen.ok() || !counted.ok() || queued >= static_cast<std::int64_t>(settle.bytes)) break;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (queued >= static_cast<std::int64_t>(settle.bytes)) return;
  step.prediction_held = false;
  step.note += (step.note.empty() ? "" : "; ") + std::string("settle: ") + ops::endpoint_name(settle.endpoint) +
               " had " + std::to_string(queued) + " of the " + std::to_string(settle.bytes) + " bytes sent to it queued after " +
               std::to_string(platform::scaled(options_.patience).count()) + " ms";
}

void Execution::settle(Step& step) {
  for (const auto& settle : step.predicted.settle) {
    if (settle.slot >= 0) {
      // "slot P completes": the op caused the completion of the call pending there.
      auto& pending = pending_[static_cast<std::size_t>(settle.slot)];
      if (!pending.call) continue;
      if (!pending.call->wait(platform::scaled(options_.patience))) {
        step.prediction_held = false;
        step.note += (step.note.empty() ? "" : "; ") + std::string("settle: @") + std::to_string(settle.slot + 1) +
                     "'s call (`" + ops::print(pending.start) + "`) did not complete within " +
                     std::to_string(platform::scaled(options_.patience).count()) + " ms";
      }
      continue;
    }
    const auto& slot = slots_[static_cast<std::size_t>(settle.endpoint)];
    if (!slot.open) continue;
    if (settle.bytes > 0) {
      settle_bytes(step, settle, slot);
      continue;
    }
    const auto seen = platform::wait(slot.value, wait_for(settle.what), platform::scaled(options_.patience));
    if (!seen.ok() || seen.ret == 0) {
      step.prediction_held = false;
      step.note += (step.note.empty() ? "" : "; ") + std::string("settle: ") + ops::endpoint_name(settle.endpoint) +
                   " did not become " + std::string(ops::to_string(settle.what)) + " within " +
                   std::to_string(platform::scaled(options_.patience).count()) + " ms";
    }
  }
}

}  // namespace detail

Trace run(const ops::Program& program, const model::Profile& profile, const std::string& file,
          const Options& options) {
  Trace trace;
  trace.platform = platform::platform_id();
  trace.profile = profile.name;
  trace.steps.reserve(program.ops.size());  // (one step per op: no regrowth per input)
  detail::Execution execution(profile, options);
  for (const auto& op : program.ops) {
    // Fuzzing: an op on an endpoint no op made is a script error, dropped without
    // predicting it (random endpoint numbers name one often; spelling the error out was
    // about 2 % of fuzz_close_sequences' time, perf).
    if (options.skip_invalid && execution.names_unmade(op)) {
      ++trace.dropped;
      continue;
    }
    std::string error;
    auto step = execution.step(op, error);
    if (!error.empty() && options.skip_invalid) {
      ++trace.dropped;
      continue;
    }
    if (!error.empty()) {
      trace.script_error = file + ":" + std::to_string(op.where.line) + ":" + std::to_string(op.where.column) +
                           ": " + error;
      break;
    }
    // A transport this host does not have, as the model predicted (AF_UNIX under
    // Wine): nothing after it can run, and that is not a failure.
    const bool makes = op.kind == OpKind::pair || op.kind == OpKind::socket;
    const bool unavailable = step.observed.type == Outcome::Type::failure && step.observed.errc == Errc::not_supported;
    trace.steps.push_back(std::move(step));
    if (options.on_step) options.on_step(trace, trace.steps.back());
    if (makes && unavailable && trace.steps.back().prediction_held) {
      const auto& why = trace.steps.back().note;
      trace.skipped = std::string(ops::to_string(op.socket_kind)) + " sockets are not available here" +
                      (why.empty() ? std::string() : " (" + why + ")") + "; the rest of the script was not run";
      break;
    }
    if (op.kind == OpKind::start && execution.unavailable_mechanism()) {
      trace.skipped = trace.steps.back().note + "; the rest of the script was not run";
      break;
    }
  }
  execution.finish(trace);
  if (options.abortive_end) execution.close_all(true);
  return trace;
}

}  // namespace closesem::runner
