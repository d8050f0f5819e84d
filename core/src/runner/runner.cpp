// SPDX-License-Identifier: MIT
#include "closesem/runner.hpp"

#include "closesem/pair.hpp"
#include "closesem/pattern.hpp"
#include "closesem/platform.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>

namespace closesem::runner {
namespace {

using ops::OpKind;
using ops::Outcome;

platform::Transport transport_of(ops::Transport kind) {
  switch (kind) {
    case ops::Transport::tcp4: return platform::Transport::tcp4;
    case ops::Transport::tcp6: return platform::Transport::tcp6;
    case ops::Transport::unix_stream: return platform::Transport::unix_stream;
  }
  return platform::Transport::tcp4;
}

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

// What the runner knows of one endpoint: its socket while open, and the handle value
// it had, for calls on it after close.
struct Slot {
  platform::Socket socket;
  platform::NativeHandle value = platform::kInvalidHandle;
  bool open = false;
  bool nonblocking = false;
  platform::Endpoint address;  // where a listener listens
  bool listening = false;
  int group = -1;  // slots with the same group hold handles of one socket (dup); its Streams id
  std::uint64_t epoch = 0;  // platform::session_epoch() when it was made
};

// A call started by `start` in a pending slot, until it is collected (or reaped).
struct Pending {
  std::unique_ptr<platform::AsyncCall> call;
  ops::Op start;        // the op that started it, for the notes
  int group = -1;       // its socket's Streams id (a recv's bytes are checked against it)
  platform::NativeHandle handle = platform::kInvalidHandle;
  ops::Transport kind = ops::Transport::tcp4;
  bool early_reported = false;  // an early or second completion is reported once
  bool accounted = false;       // recv: its bytes were checked against its socket's stream
};

platform::AsyncMechanism mechanism_of(ops::Mechanism mechanism) {
  switch (mechanism) {
    case ops::Mechanism::thread: return platform::AsyncMechanism::thread;
    case ops::Mechanism::overlapped: return platform::AsyncMechanism::overlapped;
    case ops::Mechanism::iocp: return platform::AsyncMechanism::iocp;
    case ops::Mechanism::uring: return platform::AsyncMechanism::uring;
  }
  return platform::AsyncMechanism::thread;
}

platform::AsyncCallKind call_of(ops::PendingCall call) {
  switch (call) {
    case ops::PendingCall::recv: return platform::AsyncCallKind::recv;
    case ops::PendingCall::send: return platform::AsyncCallKind::send;
    case ops::PendingCall::accept: return platform::AsyncCallKind::accept;
    case ops::PendingCall::connect: return platform::AsyncCallKind::connect;
  }
  return platform::AsyncCallKind::recv;
}

// While a blocking call is pending on a worker thread its socket's receive and send
// timeouts are this long, so that only the collect's bound, a cause the script makes or
// the reaping ends it (never a timeout of its own, which the model does not predict).
// (A minute, scaled: far beyond any collect's bound. A call that nothing but its own
// timeout can end (Wine: a blocking send on a listener, which closesocket does not wake)
// gets a short one instead, and the model predicts that it ends by it: Model::start_times_out.)
const std::chrono::milliseconds kPendingIoTimeout = std::chrono::minutes(1);

class Execution {
 public:
  using Outcome = ops::Outcome;
  Execution(const model::Profile& profile, const Options& options) : model_(profile), options_(options) {}
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;
  // A socket the last WSACleanup took is gone, and its value may name a newer one:
  // let go of it without closing.
  ~Execution() {
    for (auto& slot : slots_)
      if (stale(slot)) slot.socket.release();
  }

  Step step(const ops::Op& op, std::string& script_error) {
    Step step;
    step.op = op;
    std::string error;
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
      model_.apply(op, step.observed);
      if (step.observed.succeeded()) settle(step);
      check_pending(step);
    }
    return step;
  }

  // The mechanism of the last start is not available: this platform lacks it (as the model
  // predicted) or this host refused it at run time (io_uring).
  bool unavailable_mechanism() const { return unavailable_mechanism_; }

  // The end of an input: every pending call is reaped (bounded), then every notifier
  // closed (the handles close with the Execution). A call that did not end within its
  // bound is left to the process, never freed under its worker, and reported.
  void finish(Trace& trace) {
    // First a cancel and a short wait each; a call a cancel does not end (Wine 8: a
    // blocking recv that CancelSynchronousIo does not find) may end when its socket
    // closes: then every handle is closed, and the call waited for once more.
    bool stuck = false;
    for (auto& pending : pending_)
      if (pending.call && !pending.call->reap(platform::scaled(short_bound()))) stuck = true;
    if (stuck)
      for (auto& slot : slots_) {
        if (!slot.open || stale(slot)) continue;
        if (options_.abortive_end) platform::set_linger(slot.value, {true, 0});
        slot.socket.close();
        slot.open = false;
      }
    for (int i = 0; i < ops::kPendingSlots; ++i) {
      auto& pending = pending_[static_cast<std::size_t>(i)];
      if (!pending.call) continue;
      const auto bound = platform::scaled(options_.patience);
      // (A second reap of a call whose first one failed does not wait again: wait first.)
      if (stuck) pending.call->wait(bound);
      if (pending.call->reap(bound)) {
        trace.reaped.push_back("@" + std::to_string(i + 1) + ": `" + ops::print(pending.start) +
                               "` reaped at the end: " + ops::print(to_ops(pending.call->result())));
      } else {
        trace.leaked.push_back("@" + std::to_string(i + 1) + ": `" + ops::print(pending.start) +
                               "` did not end within " + std::to_string(bound.count()) +
                               " ms of its reaping (cancelled, then waited for): left to the process");
        pending.call.release();  // NOLINT: deliberately leaked, its worker may still use it
      }
      pending.call.reset();
    }
    notifiers_.clear();
  }

  // Closes what is still open abortively: no TIME_WAIT is left behind (fuzzing).
  void close_abortively() {
    for (auto& slot : slots_) {
      if (!slot.open || stale(slot)) continue;
      platform::set_linger(slot.value, {true, 0});
      slot.socket.close();
      slot.open = false;
    }
  }

 private:
  // A call's outcome in the language: failures by error, successes by return value.
  static Outcome to_ops(const platform::CallResult& outcome) {
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

  static Outcome zero() {
    Outcome o;
    o.type = Outcome::Type::value;
    return o;
  }

  // Whether the model expects the call not to return within the runner's bound: it
  // blocks (`blocked`), or it waits for its own timeout, which the runner sets to that
  // bound, and fails with it (timed_out). An op the model cannot predict is treated the
  // same way: it is not waited for long.
  static bool expects_block(const model::Prediction& predicted) {
    return predicted.admissible.empty() ||
           std::all_of(predicted.admissible.begin(), predicted.admissible.end(), [](const Outcome& o) {
             return o.type == Outcome::Type::blocked || (o.type == Outcome::Type::failure && o.errc == Errc::timed_out);
           });
  }

  // Whether the runner is to bound the call itself (wait, then give up: `blocked`): the
  // model expects it to block, or cannot say.
  static bool runner_bounds(const model::Prediction& predicted) {
    return std::all_of(predicted.admissible.begin(), predicted.admissible.end(),
                       [](const Outcome& o) { return o.type == Outcome::Type::blocked; });
  }

  // The step's outcome is `blocked`: the call had not returned (or was not made, as it
  // would not have) when the bound expired. The returned value is not used.
  platform::CallResult gave_up(Step& step, const std::string& why) {
    gave_up_ = true;
    step.note += (step.note.empty() ? "" : "; ") + std::string("blocked: ") + why;
    return platform::CallResult{};
  }

  static std::string in_ms(std::chrono::milliseconds bound) {
    return "within " + std::to_string(platform::scaled(bound).count()) + " ms";
  }

  static platform::CallResult synthetic(Errc errc) {
    platform::CallResult out;
    out.ret = -1;
    out.errc = errc;
    out.native = platform::native_from_errc(errc).value_or(0);
    return out;
  }

  // The receive/send timeout for a call expected to block: Options::blocked, but never
  // 0, which SO_RCVTIMEO and SO_SNDTIMEO take as "no timeout".
  std::chrono::milliseconds short_bound() const {
    return std::max(options_.blocked, std::chrono::milliseconds(1));
  }

  // Whether a slot's socket was taken by the last WSACleanup (its session ended).
  static bool stale(const Slot& slot) { return slot.open && slot.epoch != platform::session_epoch(); }

  // Whether a closed endpoint's old value now belongs to a live endpoint (D3).
  bool reused(int endpoint, std::string& by) const {
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

  void adopt(int endpoint, platform::Socket socket, ops::Transport kind) {
    kinds_[static_cast<std::size_t>(endpoint)] = kind;
    auto& slot = slots_[static_cast<std::size_t>(endpoint)];
    slot = Slot{};
    slot.value = socket.get();
    slot.socket = std::move(socket);
    slot.open = true;
    slot.group = streams_.open();  // a new socket: its own streams, from offset 0
    slot.epoch = platform::session_epoch();
    // A blocking recv or send never outlasts the runner's patience.
    platform::set_io_timeout(slot.value, options_.patience);
  }

  platform::CallResult execute(const ops::Op& op, Step& step) {
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
      case OpKind::pair: {
        auto made = make_pair(PairKind{transport_of(op.socket_kind), op.reversed});
        if (made.status != PairStatus::ok) {
          step.note = made.message;
          // The failing call's own outcome (e.g. WSANOTINITIALISED), else a stand-in.
          if (!made.outcome.ok()) return made.outcome;
          return synthetic(made.status == PairStatus::unavailable ? Errc::not_supported : Errc::other);
        }
        adopt(op.endpoint, std::move(made.pair.first), op.socket_kind);
        adopt(op.other, std::move(made.pair.second), op.socket_kind);
        // Consume Linux's one "connected" answer of a non-blocking connect (see connect()).
        for (const int end : {op.endpoint, op.other}) {
          const auto value = slots_[static_cast<std::size_t>(end)].value;
          platform::Endpoint peer;
          if (platform::peer_endpoint(value, peer).ok()) platform::connect(value, peer);
        }
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
    // Where a connect goes is settled first: that may make a socket (the refusing
    // address), which may take the value of a closed handle checked just below.
    if (op.kind == OpKind::connect || (op.kind == OpKind::start && op.call == ops::PendingCall::connect))
      destination_ = destination(op);
    if (!op.invalid_handle && (!slot.open || stale(slot))) {
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
      if (accepting || reused(op.endpoint, by) || platform::handle_in_use(slot.value)) {
        if (by.empty()) by = "another object of this process (outside the script)";
        step.called = false;
        step.note = "not called: the " + std::string(slot.open ? "cleaned-up" : "closed") +
                    " handle's value now belongs to " + by + " (closesocket D3)";
        return synthetic(Errc::not_socket);
      }
    }
    const auto handle = slot.value;
    switch (op.kind) {
      case OpKind::send: {
        const auto* data = streams_.bytes_to_send(slot.group, op.count);
        if (expects_block(step.predicted)) platform::set_io_timeout(handle, short_bound());
        const auto out = platform::send(handle, data, op.count);
        if (expects_block(step.predicted)) platform::set_io_timeout(handle, options_.patience);
        if (out.ok() && out.ret > 0) streams_.sent(slot.group, static_cast<std::uint64_t>(out.ret));
        return out;
      }
      case OpKind::recv: return recv(op, slot, step);
      case OpKind::shutdown: return platform::shutdown_raw(handle, op.how);
      case OpKind::close: {
        const auto out = platform::close_handle(handle);
        if (out.ok() && slot.open && !op.invalid_handle) {
          slot.socket.release();
          slot.open = false;
        }
        return out;
      }
      case OpKind::linger: return platform::set_linger(handle, {op.on, static_cast<int>(op.count)});
      case OpKind::nonblocking: {
        const auto out = platform::set_nonblocking(handle, op.on);
        if (out.ok() && !op.invalid_handle)
          for (auto& other : slots_)
            if (other.open && other.group == slot.group) other.nonblocking = op.on;  // dup'd handles share it
        return out;
      }
      case OpKind::wait: {
        auto timeout = options_.patience;
        if (op.count_given)
          timeout = std::chrono::milliseconds(op.count);
        else if (step.predicted.admissible.empty() || model::admits(step.predicted.admissible, zero()))
          timeout = options_.quiet;  // the model expects (or allows) nothing to come, or cannot say
        return platform::wait(handle, wait_for(op.wait_kind), platform::scaled(timeout));
      }
      case OpKind::pending: return platform::bytes_pending(handle);
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
        }
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
      case OpKind::listen: return listen(op, slot);
      case OpKind::connect: return connect(op, slot, step);
      case OpKind::accept: return accept(op, slot, step);
      case OpKind::start: return start(op, slot, step);
      case OpKind::poll:
      case OpKind::select:
      case OpKind::epoll:
      case OpKind::events: return notify(op, slot, step);
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

  // How long a collect or notification waits: MS when written; else a short bound when
  // the model expects nothing to come (or cannot say), else the runner's patience.
  std::chrono::milliseconds bound_for(const ops::Op& op, bool nothing) const {
    if (op.count_given) return std::chrono::milliseconds(op.count);
    return nothing ? options_.blocked : options_.patience;
  }

  // `X start MECH CALL ... @P`: the call begins on the platform's mechanism; its data is
  // the socket's payload stream (send) and its bytes are checked at the collect (recv).
  platform::CallResult start(const ops::Op& op, Slot& slot, Step& step) {
    platform::AsyncRequest request;
    request.call = call_of(op.call);
    request.handle = slot.value;
    request.transport = transport_of(kinds_[static_cast<std::size_t>(op.endpoint)]);
    switch (op.call) {
      case ops::PendingCall::recv: request.size = op.count; break;
      case ops::PendingCall::send:
        request.data = streams_.to_send(slot.group, op.count);
        request.size = op.count;
        break;
      case ops::PendingCall::accept: break;
      case ops::PendingCall::connect: request.to = destination_; break;
    }
    const bool thread = op.mechanism == ops::Mechanism::thread;
    // (A call the model says only its own timeout ends gets a short one: the leak policy,
    // model/pending.cpp with_own_timeout.)
    const auto io_timeout = model_.start_times_out(op) ? short_bound() : platform::scaled(kPendingIoTimeout);
    if (thread && slot.open) platform::set_io_timeout(slot.value, io_timeout);
    std::unique_ptr<platform::AsyncCall> call;
    std::string why_not;
    const auto out = platform::AsyncCall::start(mechanism_of(op.mechanism), std::move(request), call, &why_not);
    if (!out.ok()) {
      if (thread && slot.open) platform::set_io_timeout(slot.value, options_.patience);
      const bool model_expected_it = model::admits(step.predicted.admissible, to_ops(out));
      if (out.errc == Errc::not_supported && !model_expected_it) {
        // The profile has the mechanism, this host refused it (io_uring disabled, an old
        // kernel, a build without liburing): like a transport the host lacks.
        unavailable_mechanism_ = true;
        step.note = std::string(ops::to_string(op.mechanism)) + " is not available here" +
                    (why_not.empty() ? std::string() : ": " + why_not);
      } else if (out.errc == Errc::not_supported && !options_.skip_invalid) {
        // A mechanism this platform lacks, as the model predicted (overlapped and iocp on
        // POSIX, io_uring on Winsock): the script's collect and cancel of that slot cannot
        // run, so the rest is skipped, as for a transport the host lacks (not a failure).
        // (With skip_invalid, a fuzz input, those ops are dropped as script errors and the
        // rest still runs: stopping would waste every input that starts one.)
        unavailable_mechanism_ = true;
        step.note = std::string(ops::to_string(op.mechanism)) + " is not available on this platform" +
                    (step.predicted.source.empty() ? std::string() : " (" + step.predicted.source + ")");
      }
      return out;
    }
    auto& pending = pending_[static_cast<std::size_t>(op.slot)];
    pending = Pending{};
    pending.call = std::move(call);
    pending.start = op;
    pending.group = op.invalid_handle ? -1 : slot.group;
    pending.handle = slot.value;
    pending.kind = kinds_[static_cast<std::size_t>(op.endpoint)];
    if (op.call == ops::PendingCall::send) streams_.sent(slot.group, op.count);  // its bytes are the stream's next
    return out;
  }

  // `collect @P [MS]`: the completion, bounded; `blocked` when it had not come.
  platform::CallResult collect(const ops::Op& op, Step& step) {
    auto& pending = pending_[static_cast<std::size_t>(op.slot)];
    if (!pending.call) {
      step.note = "nothing was started in @" + std::to_string(op.slot + 1) + " (its start failed)";
      return synthetic(Errc::other);
    }
    const bool nothing = step.predicted.admissible.empty() || model::admits(step.predicted.admissible, blocked_outcome());
    const auto bound = bound_for(op, nothing);
    if (!pending.call->wait(platform::scaled(bound)))
      return gave_up(step, "@" + std::to_string(op.slot + 1) + "'s call (`" + ops::print(pending.start) +
                               "`) had not completed " + in_ms(bound));
    const auto out = pending.call->result();
    if (pending.call->completions() > 1) {
      step.prediction_held = false;
      step.note += (step.note.empty() ? "" : "; ") + std::string("@") + std::to_string(op.slot + 1) + "'s call (`" +
                   ops::print(pending.start) + "`) completed " + std::to_string(pending.call->completions()) +
                   " times";
    }
    account(pending, step);
    if (pending.start.call == ops::PendingCall::accept && out.ok()) {
      auto accepted = pending.call->take_accepted();
      if (accepted.valid()) adopt(pending.start.other, std::move(accepted), pending.kind);
    }
    // The socket's own timeouts again, if it is still open.
    for (const auto& other : slots_)
      if (other.open && !stale(other) && other.group == pending.group && pending.group >= 0)
        platform::set_io_timeout(other.value, options_.patience);
    if (pending.call->completions() > 1) pending.call.release();  // NOLINT: a faulty call is not freed
    pending = Pending{};
    return out;
  }

  // A completed recv's bytes, checked against its socket's receive stream once (at the
  // first step that finds it complete, or its collect).
  void account(Pending& pending, Step& step) {
    if (pending.accounted || pending.start.call != ops::PendingCall::recv) return;
    pending.accounted = true;
    const auto& out = pending.call->result();
    if (!out.ok() || out.ret <= 0) return;
    const auto& bytes = pending.call->received();
    const auto size = std::min<std::size_t>(bytes.size(), static_cast<std::size_t>(out.ret));
    const auto problem = streams_.received(pending.group, bytes.data(), size);
    if (!problem.empty()) {
      step.payload_held = false;
      step.note += (step.note.empty() ? "" : "; ") + std::string("payload: @") + std::to_string(pending.start.slot + 1) +
                   "'s recv " + problem;
    }
  }

  // Every completed recv not accounted yet. Two that completed on one socket since the
  // last step raced for its bytes (which took the first ones is not known): they are
  // checked in the order in which their bytes follow the pattern, if any.
  void account_completed(Step& step) {
    for (auto& first : pending_) {
      if (!first.call || first.accounted || first.start.call != ops::PendingCall::recv ||
          !first.call->wait(std::chrono::milliseconds(0)))
        continue;
      for (auto& second : pending_) {
        if (&second == &first || !second.call || second.accounted || second.group != first.group ||
            second.start.call != ops::PendingCall::recv || !second.call->wait(std::chrono::milliseconds(0)))
          continue;
        const auto offset = streams_.receive_offset(first.group);
        const auto size = [](const Pending& p) {
          const auto& out = p.call->result();
          return out.ok() && out.ret > 0 ? std::min<std::size_t>(p.call->received().size(), static_cast<std::size_t>(out.ret))
                                         : std::size_t{0};
        };
        const auto follows = [&](const Pending& p, std::uint64_t at) {
          return pattern::first_mismatch(p.call->received().data(), size(p), at) == size(p);
        };
        if (!(follows(first, offset) && follows(second, offset + size(first))) && follows(second, offset) &&
            follows(first, offset + size(second))) {
          account(second, step);  // the second took the first bytes
        }
      }
      account(first, step);
    }
  }

  platform::CallResult cancel(const ops::Op& op, Step& step) {
    auto& pending = pending_[static_cast<std::size_t>(op.slot)];
    if (!pending.call) {
      step.note = "nothing was started in @" + std::to_string(op.slot + 1) + " (its start failed)";
      return synthetic(Errc::other);
    }
    return pending.call->cancel();
  }

  // poll, select: one call; epoll, events: the socket's notifier of that kind, made at
  // its first use and kept across ops (closed at the end of the input).
  platform::CallResult notify(const ops::Op& op, Slot& slot, Step& step) {
    const bool nothing = step.predicted.admissible.empty() ||
                         model::admits(step.predicted.admissible, event_outcome(events::EventSet{}));
    const auto timeout = platform::scaled(op.count_given ? std::chrono::milliseconds(op.count)
                                                         : (nothing ? options_.quiet : options_.patience));
    events::EventSet seen;
    platform::CallResult out;
    if (op.kind == OpKind::poll) {
      out = platform::poll_events(slot.value, timeout, seen);
    } else if (op.kind == OpKind::select) {
      out = platform::select_events(slot.value, timeout, seen);
    } else {
      const auto kind = op.kind == OpKind::events ? platform::Notifier::Kind::event_select
                                                  : (op.edge ? platform::Notifier::Kind::epoll_edge
                                                             : platform::Notifier::Kind::epoll_level);
      const auto key = std::make_pair(op.invalid_handle ? -1 : slot.group, static_cast<int>(kind));
      auto found = notifiers_.find(key);
      if (found == notifiers_.end() || op.invalid_handle) {
        std::unique_ptr<platform::Notifier> made;
        out = platform::Notifier::open(kind, slot.value, made);
        if (!out.ok() || !made) return out;
        if (kind == platform::Notifier::Kind::event_select)
          for (auto& other : slots_)
            if (other.open && other.group == slot.group) other.nonblocking = true;  // WSAEventSelect's side effect
        found = notifiers_.emplace(key, std::move(made)).first;
      }
      out = found->second->wait(timeout, seen);
      if (op.invalid_handle) notifiers_.erase(found);
    }
    if (out.ok()) {
      if (out.ret == 0) seen = events::EventSet{};
      seen_ = seen;
    }
    return out;
  }

  static Outcome blocked_outcome() {
    Outcome o;
    o.type = Outcome::Type::blocked;
    return o;
  }

  static Outcome event_outcome(const events::EventSet& set) {
    Outcome o;
    o.type = Outcome::Type::events;
    o.set = set;
    return o;
  }

  // After every step: a call the model still calls pending must not have completed (its
  // cause has not happened), and no call may complete twice.
  void check_pending(Step& step) {
    for (int i = 0; i < ops::kPendingSlots; ++i) {
      auto& pending = pending_[static_cast<std::size_t>(i)];
      if (!pending.call || pending.early_reported) continue;
      const bool model_pending = model_.expects_pending(i);
      const bool twice = pending.call->completions() > 1;
      if (!twice && !(model_pending && pending.call->wait(std::chrono::milliseconds(0)))) continue;
      pending.early_reported = true;
      step.prediction_held = false;
      step.note += (step.note.empty() ? "" : "; ") + std::string("@") + std::to_string(i + 1) + "'s call (`" +
                   ops::print(pending.start) + "`) completed " +
                   (twice ? std::to_string(pending.call->completions()) + " times"
                          : "early, with " + pending.call->result().describe() +
                                ", though nothing that completes it had happened");
    }
  }

  // bind to loopback (port 0, or a fresh AF_UNIX path), then listen.
  platform::CallResult listen(const ops::Op& op, Slot& slot) {
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
  platform::Endpoint destination(const ops::Op& op) {
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
  platform::CallResult recv(const ops::Op& op, Slot& slot, Step& step) {
    std::vector<std::uint8_t> buffer(std::max<std::uint32_t>(op.count, 1));
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
      platform::set_io_timeout(handle, short_bound());
      out = platform::recv(handle, buffer.data(), op.count);
      platform::set_io_timeout(handle, options_.patience);
    }
    if (out.ok() && out.ret > 0) {
      const auto problem = streams_.received(slot.group, buffer.data(), static_cast<std::size_t>(out.ret));
      if (!problem.empty()) {
        step.payload_held = false;
        step.note += (step.note.empty() ? "" : "; ") + std::string("payload: ") + ops::endpoint_name(op.endpoint) +
                     " " + problem;
      }
    }
    return out;
  }

  // Whether `handle` stayed unreadable for `bound` (scaled).
  static bool nothing_within(platform::NativeHandle handle, std::chrono::milliseconds bound) {
    const auto ready = platform::wait(handle, platform::WaitFor::readable, platform::scaled(bound));
    return ready.ok() && ready.ret == 0;
  }

  // A connect that never blocks for long: non-blocking, a bounded wait, then SO_ERROR.
  // One that has not settled when the wait runs out is `blocked`.
  platform::CallResult connect(const ops::Op&, Slot& slot, Step& step) {
    const platform::Endpoint to = destination_;
    platform::set_nonblocking(slot.value, true);
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
    platform::set_nonblocking(slot.value, slot.nonblocking);
    // Linux answers one more connect after a non-blocking connect succeeded with 0 (the
    // "connected" confirmation); consume it, so that a later connect answers is_connected
    // as on Winsock (connect.2 EISCONN).
    if (out.ok() && !gave_up_) platform::connect(slot.value, to);
    return out;
  }

  // A blocking accept with nothing queued would wait for ever: wait (bounded) first, and
  // give up (`blocked`) when no connection came.
  platform::CallResult accept(const ops::Op& op, Slot& slot, Step& step) {
    if (!slot.nonblocking && slot.listening) {
      const auto bound = expects_block(step.predicted) ? options_.blocked : options_.patience;
      if (nothing_within(slot.value, bound)) return gave_up(step, "no connection to accept " + in_ms(bound));
    }
    platform::Socket accepted;
    const auto out = platform::accept(slot.value, accepted);
    if (out.ok()) adopt(op.other, std::move(accepted), kinds_[static_cast<std::size_t>(op.endpoint)]);
    return out;
  }

  void settle(Step& step) {
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
      const auto seen = platform::wait(slot.value, wait_for(settle.what), platform::scaled(options_.patience));
      if (!seen.ok() || seen.ret == 0) {
        step.prediction_held = false;
        step.note += (step.note.empty() ? "" : "; ") + std::string("settle: ") + ops::endpoint_name(settle.endpoint) +
                     " did not become " + std::string(ops::to_string(settle.what)) + " within " +
                     std::to_string(platform::scaled(options_.patience).count()) + " ms";
      }
    }
  }

  model::Model model_;
  Options options_;
  std::array<Slot, ops::kEndpoints> slots_;
  Streams streams_;  // by socket: Slot::group
  std::array<ops::Transport, ops::kEndpoints> kinds_{};
  platform::Endpoint destination_;  // of the connect being executed
  bool gave_up_ = false;            // the step being executed was given up (blocked)
  std::array<Pending, ops::kPendingSlots> pending_;
  std::map<std::pair<int, int>, std::unique_ptr<platform::Notifier>> notifiers_;  // by (socket group, kind)
  std::optional<events::EventSet> seen_;  // what the notification of this step reported
  Slot invalid_;                          // the invalid handle's slot
  bool unavailable_mechanism_ = false;
};

std::string describe(const Step& step) {
  if (!step.called) return "not called";
  std::string text = ops::print(step.observed);
  if (!step.native_name.empty()) text += " " + step.native_name;
  return text;
}

}  // namespace

Trace run(const ops::Program& program, const model::Profile& profile, const std::string& file,
          const Options& options) {
  Trace trace;
  trace.platform = platform::platform_id();
  trace.profile = profile.name;
  Execution execution(profile, options);
  for (const auto& op : program.ops) {
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
  if (options.abortive_end) execution.close_abortively();
  return trace;
}

int Streams::open() {
  streams_.emplace_back();
  return static_cast<int>(streams_.size()) - 1;
}

const Streams::Stream* Streams::find(int id) const {
  return id >= 0 && static_cast<std::size_t>(id) < streams_.size() ? &streams_[static_cast<std::size_t>(id)] : nullptr;
}

std::uint64_t Streams::send_offset(int id) const { return find(id) != nullptr ? find(id)->sent : 0; }

std::uint64_t Streams::receive_offset(int id) const { return find(id) != nullptr ? find(id)->received : 0; }

std::vector<std::uint8_t> Streams::to_send(int id, std::size_t size) const {
  const auto* bytes = bytes_to_send(id, size);
  return std::vector<std::uint8_t>(bytes, bytes + size);
}

const std::uint8_t* Streams::bytes_to_send(int id, std::size_t size) const {
  // The pattern repeats every kModulus bytes: any send is a window of one buffer that
  // starts at its offset modulo kModulus (perf: filling a fresh buffer per send cost 4%
  // of the fuzz target's time).
  thread_local std::vector<std::uint8_t> periods;
  const auto needed = size + static_cast<std::size_t>(pattern::kModulus);
  if (periods.size() < needed) {
    periods.resize(std::max(needed, 2 * periods.size()));
    pattern::fill(periods.data(), periods.size(), 0);
  }
  return periods.data() + send_offset(id) % pattern::kModulus;
}

void Streams::sent(int id, std::uint64_t bytes) {
  if (find(id) != nullptr) streams_[static_cast<std::size_t>(id)].sent += bytes;
}

std::string Streams::received(int id, const std::uint8_t* data, std::size_t size) {
  if (find(id) == nullptr) return "";
  auto& stream = streams_[static_cast<std::size_t>(id)];
  const auto offset = stream.received;
  stream.received += size;
  if (stream.off) return "";
  const auto at = pattern::first_mismatch(data, size, offset);
  if (at == size) return "";
  stream.off = true;
  return "received byte " + std::to_string(data[at]) + " at stream offset " + std::to_string(offset + at) +
         ", where the pattern has " + std::to_string(pattern::byte_at(offset + at)) + " (" +
         std::to_string(size) + " bytes from offset " + std::to_string(offset) + ")";
}

int Trace::divergences() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.prediction_held; }));
}

int Trace::failed_expectations() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.expectation_held; }));
}

int Trace::payload_failures() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.payload_held; }));
}

int Trace::unpredicted() const {
  return static_cast<int>(
      std::count_if(steps.begin(), steps.end(), [](const Step& s) { return s.called && s.predicted.admissible.empty(); }));
}

std::string Trace::replay() const {
  std::ostringstream out;
  out << "# replay of a run on " << platform << " (profile " << profile << ")\n";
  for (const auto& step : steps) {
    auto op = step.op;
    op.expect.clear();
    if (step.called) op.expect.push_back(step.observed);
    out << ops::print(op);
    if (!step.called || !step.payload_held) out << "  # " << step.note;
    out << '\n';
  }
  return out.str();
}

std::string Trace::report() const {
  std::string out;
  for (const auto& step : steps) out += report(step);
  for (const auto& call : reaped) out += "reaped " + call + "\n";
  for (const auto& leak : leaked) out += "LEAKED " + leak + "\n";
  return out;
}

std::string Trace::report(const Step& step) const {
  std::ostringstream out;
  auto op = step.op;
  op.expect.clear();
  std::string line = ops::print(op);
  if (line.size() < 28) line.resize(28, ' ');
  out << line << "  observed " << describe(step);
  out << "; predicted "
      << (step.predicted.admissible.empty() ? std::string("(no prediction)") : ops::print(step.predicted.admissible));
  if (!step.prediction_held) out << "  DIVERGES";
  if (!step.payload_held) out << "  PAYLOAD OFF THE PATTERN";
  if (!step.op.expect.empty())
    out << (step.expectation_held ? "; -> " : "; FAILED -> ") << ops::print(step.op.expect);
  out << '\n';
  if (!step.predicted.deviation.empty())
    out << "    model, a known deviation of " << profile << ": " << step.predicted.deviation << '\n';
  else if (!step.prediction_held)
    out << "    model: " << step.predicted.source << '\n';
  if (!step.note.empty()) out << "    note: " << step.note << '\n';
  for (const auto& settle : step.predicted.settle)
    if (settle.slot >= 0) out << "    settled on @" << settle.slot + 1 << " completing\n";
  return out.str();
}

}  // namespace closesem::runner
