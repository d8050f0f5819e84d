// SPDX-License-Identifier: MIT
// The runner's pending calls (issue 17): `start` begins a platform::AsyncCall in a
// pending slot, `collect` waits for its completion (bounded), `cancel` cancels it; a
// completed recv's bytes are checked against its socket's stream; after every step no
// call may have completed before its cause, nor twice; at the end of an input every call
// still pending is reaped.
#include "closesem/runner.hpp"

#include "closesem/pattern.hpp"
#include "closesem/platform.hpp"
#include "closesem/text.hpp"
#include "execution.hpp"

#include <algorithm>

namespace closesem::runner::detail {
namespace {

using ops::OpKind;
using ops::Outcome;

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

}  // namespace

// The end of an input: every pending call is reaped (bounded), then every notifier
// closed (the handles close with the Execution). A call that did not end within its
// bound is left to the process, never freed under its worker, and reported.
void Execution::finish(Trace& trace) {
  // First a cancel and a short wait each; a call a cancel does not end (Wine 8: a
  // blocking recv that CancelSynchronousIo does not find) may end when its socket
  // closes: then every handle is closed, and the call waited for once more.
  // (A cancel and a wait, not a reap: a reap that fails gives the call up, and an
  // overlapped call given up is never waited for again; found by fuzz_close_sequences
  // under Wine 8.0: an iocp recv started through a dup closed since, whose cancel fails
  // ERROR_INVALID_HANDLE, ends when the last handle closes, but was reported leaked.)
  bool stuck = false;
  for (auto& pending : pending_) {
    if (!pending.call || pending.call->wait(std::chrono::milliseconds(0))) continue;
    pending.call->cancel();
    if (!pending.call->wait(platform::scaled(short_bound()))) stuck = true;
  }
  if (stuck) close_all(options_.abortive_end);
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
      const std::string what = "@" + std::to_string(i + 1) + ": `" + ops::print(pending.start) +
                               "` did not end within " + std::to_string(bound.count()) +
                               " ms of its reaping (cancelled, then waited for): left to the process";
      const auto& known = model_.pending_slot(i).never_ends;
      if (known.empty()) trace.leaked.push_back(what);
      else trace.leaked_known.push_back(what + " (known deviation " + known + ")");
      pending.call.release();  // NOLINT: deliberately leaked, its worker may still use it
    }
    pending.call.reset();
  }
  notifiers_.clear();
}

// How long a collect or notification waits: MS when written; else a short bound when
// the model expects nothing to come (or cannot say), else the runner's patience.
std::chrono::milliseconds Execution::bound_for(const ops::Op& op, bool nothing) const {
  if (op.count_given) return std::chrono::milliseconds(op.count);
  return nothing ? options_.blocked : options_.patience;
}

// `X start MECH CALL ... @P`: the call begins on the platform's mechanism; its data is
// the socket's payload stream (send) and its bytes are checked at the collect (recv).
platform::CallResult Execution::start(const ops::Op& op, Slot& slot, Step& step) {
  platform::AsyncRequest request;
  request.call = call_of(op.call);
  request.handle = slot.value;
  request.transport = transport_of(kinds_[static_cast<std::size_t>(op.endpoint)]);
  switch (op.call) {
    case ops::PendingCall::recv: request.size = op.count; break;
    case ops::PendingCall::send:
      // In place from the pattern's table, which never moves (Streams): an op's count is
      // at most ops::kMaxCount (the parser, the codec and the builder cap it).
      request.bytes = streams_.bytes_to_send(slot.group, op.count);
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
  // Its bytes are the stream's next; a send started on a closed handle sends nothing (its
  // socket may live on through a dup: found by fuzz_close_sequences, the dup's next send
  // was checked 1 MiB further on).
  if (op.call == ops::PendingCall::send && slot.open) {
    streams_.sent(slot.group, op.count);
    pending.reserved = true;
    pending.send_end = streams_.send_offset(slot.group);
  }
  return out;
}

// `collect @P [MS]`: the completion, bounded; `blocked` when it had not come.
platform::CallResult Execution::collect(const ops::Op& op, Step& step) {
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
  // The socket's own timeouts again, if it is still open (only a thread's call set others).
  if (pending.start.mechanism == ops::Mechanism::thread)
    for (const auto& other : slots_)
      if (other.open && !stale(other) && other.group == pending.group && pending.group >= 0)
        platform::set_io_timeout(other.value, options_.patience);
  if (pending.call->completions() > 1) pending.call.release();  // NOLINT: a faulty call is not freed
  pending = Pending{};
  return out;
}

// A completed call, accounted once (at the first step that finds it complete, or its
// collect): a recv's bytes checked against its socket's receive stream; a send's bytes
// that it did not hand over taken back from its socket's send stream.
void Execution::account(Pending& pending, Step& step) {
  if (pending.accounted) return;
  if (pending.start.call == ops::PendingCall::send) {
    // What it did not hand over is not in the stream (fuzz_close_sequences: an io_uring
    // send of 1 MiB started on an unconnected AF_UNIX socket failed ENOTCONN, and the
    // socket's next send, once connected, was checked 1 MiB further on). Only while no
    // send followed it on the socket: those bytes went out at the offsets they were given.
    pending.accounted = true;
    const auto& out = pending.call->result();
    const std::uint64_t handed = out.ok() && out.ret > 0 ? static_cast<std::uint64_t>(out.ret) : 0;
    if (pending.reserved && handed < pending.start.count && streams_.send_offset(pending.group) == pending.send_end)
      streams_.take_back(pending.group, pending.start.count - handed);
    return;
  }
  if (pending.start.call != ops::PendingCall::recv) return;
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
void Execution::account_completed(Step& step) {
  for (auto& send : pending_)
    if (send.call && !send.accounted && send.start.call == ops::PendingCall::send &&
        send.call->wait(std::chrono::milliseconds(0)))
      account(send, step);
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

platform::CallResult Execution::cancel(const ops::Op& op, Step& step) {
  auto& pending = pending_[static_cast<std::size_t>(op.slot)];
  if (!pending.call) {
    step.note = "nothing was started in @" + std::to_string(op.slot + 1) + " (its start failed)";
    return synthetic(Errc::other);
  }
  return pending.call->cancel();
}

Outcome Execution::blocked_outcome() {
  Outcome o;
  o.type = Outcome::Type::blocked;
  return o;
}

// After every step: a call the model still calls pending must not have completed (its
// cause has not happened), and no call may complete twice.
void Execution::check_pending(Step& step) {
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

}  // namespace closesem::runner::detail
