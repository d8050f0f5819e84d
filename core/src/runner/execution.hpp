// SPDX-License-Identifier: MIT
// The execution of one program (internal to the runner, not installed): the class
// Execution, its members defined by concern. runner.cpp: each step, the slots and
// handles, the plain socket ops. pending.cpp: the pending calls (start, collect, cancel,
// the accounting of their bytes, the checks after every step, the reaping at the end).
// notify.cpp: the notifications (poll, select, epoll, events) and their notifiers.
#pragma once

#include "closesem/platform.hpp"
#include "closesem/runner.hpp"

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace closesem::runner::detail {

platform::Transport transport_of(ops::Transport kind);

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
  // Its recv (SO_RCVTIMEO) and send (SO_SNDTIMEO) timeouts are set (Execution::bound_calls).
  bool bounded_receive = false;
  bool bounded_send = false;
};

// A call started by `start` in a pending slot, until it is collected (or reaped).
struct Pending {
  std::unique_ptr<platform::AsyncCall> call;
  ops::Op start;        // the op that started it, for the notes
  int group = -1;       // its socket's Streams id (a recv's bytes are checked against it)
  platform::NativeHandle handle = platform::kInvalidHandle;
  ops::Transport kind = ops::Transport::tcp4;
  bool early_reported = false;  // an early or second completion is reported once
  bool accounted = false;       // recv: its bytes were checked against its socket's stream;
                                // send: the bytes it did not hand over were taken back
  bool reserved = false;        // send: its start moved its socket's send offset on (to send_end)
  std::uint64_t send_end = 0;
};

class Execution {
 public:
  using Outcome = ops::Outcome;
  Execution(const model::Profile& profile, const Options& options) : model_(profile), options_(options) {}
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;
  ~Execution();

  Step step(const ops::Op& op, std::string& script_error);

  // The mechanism of the last start is not available: this platform lacks it (as the model
  // predicted) or this host refused it at run time (io_uring).
  bool unavailable_mechanism() const { return unavailable_mechanism_; }
  bool names_unmade(const ops::Op& op) const { return model_.names_unmade(op); }

  void finish(Trace& trace);  // pending.cpp
  void close_all(bool abortive);

 private:
  // runner.cpp: outcomes, bounds and slots.
  static Outcome to_ops(const platform::CallResult& outcome);
  static Outcome zero();
  static bool expects_block(const model::Prediction& predicted);
  static bool runner_bounds(const model::Prediction& predicted);
  platform::CallResult gave_up(Step& step, const std::string& why);
  static std::string in_ms(std::chrono::milliseconds bound);
  static platform::CallResult synthetic(Errc errc);
  std::chrono::milliseconds short_bound() const;
  static bool stale(const Slot& slot);
  bool reused(int endpoint, std::string& by) const;
  void adopt(int endpoint, platform::Socket socket, ops::Transport kind);
  void bound_calls(Slot& slot, const ops::Op& op) const;

  // runner.cpp: the ops, dispatched by execute to one function per op family.
  platform::CallResult execute(const ops::Op& op, Step& step);
  platform::CallResult make_op(const ops::Op& op, Step& step);
  bool value_taken(const ops::Op& op, const Slot& slot, Step& step) const;
  platform::CallResult data_op(const ops::Op& op, Slot& slot, Step& step);
  platform::CallResult lifecycle_op(const ops::Op& op, Slot& slot, Step& step);
  platform::CallResult option_op(const ops::Op& op, Slot& slot);
  platform::CallResult listen(const ops::Op& op, Slot& slot);
  platform::Endpoint destination(const ops::Op& op);
  platform::CallResult recv(const ops::Op& op, Slot& slot, Step& step);
  static bool nothing_within(platform::NativeHandle handle, std::chrono::milliseconds bound);
  platform::CallResult connect(const ops::Op& op, Slot& slot, Step& step);
  platform::CallResult accept(const ops::Op& op, Slot& slot, Step& step);
  void settle(Step& step);
  void settle_bytes(Step& step, const model::Settle& settle, const Slot& slot);

  // pending.cpp: the pending calls.
  std::chrono::milliseconds bound_for(const ops::Op& op, bool nothing) const;
  platform::CallResult start(const ops::Op& op, Slot& slot, Step& step);
  platform::CallResult collect(const ops::Op& op, Step& step);
  void account(Pending& pending, Step& step);
  void account_completed(Step& step);
  platform::CallResult cancel(const ops::Op& op, Step& step);
  static Outcome blocked_outcome();
  void check_pending(Step& step);

  // notify.cpp: the notifications.
  platform::CallResult notify(const ops::Op& op, Slot& slot, Step& step);
  static Outcome event_outcome(const events::EventSet& set);

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

}  // namespace closesem::runner::detail
