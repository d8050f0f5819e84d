// SPDX-License-Identifier: MIT
// The runner's notifications: poll and select (one call each), epoll and events (a
// platform::Notifier per socket and kind, kept across ops until the end of the input).
#include "closesem/runner.hpp"

#include "closesem/platform.hpp"
#include "execution.hpp"

namespace closesem::runner::detail {
namespace {

using ops::OpKind;
using ops::Outcome;

}  // namespace

// poll, select: one call; epoll, events: the socket's notifier of that kind, made at
// its first use and kept across ops (closed at the end of the input).
platform::CallResult Execution::notify(const ops::Op& op, Slot& slot, Step& step) {
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

Outcome Execution::event_outcome(const events::EventSet& set) {
  Outcome o;
  o.type = Outcome::Type::events;
  o.set = set;
  return o;
}

}  // namespace closesem::runner::detail
