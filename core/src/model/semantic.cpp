// SPDX-License-Identifier: MIT
// Semantic coverage: the abstract states and transitions of closesem/semantic.hpp.
#include "closesem/semantic.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <sstream>
#include <unordered_set>

namespace closesem::semantic {
namespace {

using ops::OpKind;
using Phase = model::Model::Socket::Phase;

// The class of what an op acts on (bits 0-3 of a state).
enum Class : std::uint32_t {
  kNone = 0,         // no open handle: never made, or closed
  kStale = 1,        // invalidated by the last WSACleanup
  kUnknown = 2,      // the model does not follow it
  kUnconnected = 3,
  kListening = 4,
  kConnected = 5,
  kRefused = 6,      // unconnected after a refused connect
  kInvalid = 7,      // the invalid handle
  kSlot = 8,         // collect, cancel: a pending slot
  kLifecycle = 9,    // startup, cleanup
  kClosed = 10,      // a socket whose handles are open but that the model calls closed
};

const char* const kClassNames[] = {"no socket", "stale",      "not followed", "unconnected", "listening", "connected",
                                   "refused",   "invalid handle", "slot",      "lifecycle",   "closed"};

}  // namespace

}  // namespace closesem::semantic

namespace closesem::model {

using ops::OpKind;

// Members of Model (they read its state), declared in model.hpp; the bits are those
// describe() below reads.
std::uint32_t Model::semantic_state(const ops::Op& op) const {
  switch (op.kind) {
    case OpKind::startup:
    case OpKind::cleanup:
      return semantic::kLifecycle | (static_cast<std::uint32_t>(std::min(sessions_, 2)) << 4) | (stale_after_cleanup_ ? 1u << 6 : 0u);
    case OpKind::collect:
    case OpKind::cancel: {
      if (op.slot < 0 || op.slot >= ops::kPendingSlots) return semantic::kSlot;
      const auto& slot = slots_[op.slot];
      if (!slot.used) return semantic::kSlot;
      return semantic::kSlot | (static_cast<std::uint32_t>(slot.call) << 4) | (static_cast<std::uint32_t>(slot.mechanism) << 6) |
             (1u << 8) | (slot.completed ? 1u << 9 : 0u) | (slot.unknown ? 1u << 10 : 0u);
    }
    default: break;
  }
  if (op.invalid_handle) return semantic::kInvalid;
  const int index = socket_of(op.endpoint);
  if (index < 0) return semantic::kNone;
  const Socket& s = sockets_[static_cast<std::size_t>(index)];
  std::uint32_t state = static_cast<std::uint32_t>(s.kind) << 4;
  if (s.stale) return state | semantic::kStale;
  if (s.unknown) return state | semantic::kUnknown;
  std::uint32_t cls = semantic::kUnconnected;
  switch (s.phase) {
    case Socket::Phase::unconnected: cls = s.connect_failed ? semantic::kRefused : semantic::kUnconnected; break;
    case Socket::Phase::listening: cls = semantic::kListening; break;
    case Socket::Phase::connected: cls = semantic::kConnected; break;
    case Socket::Phase::closed: cls = semantic::kClosed; break;
  }
  state |= cls;
  if (s.shut_rd) state |= 1u << 6;
  if (s.shut_wr) state |= 1u << 7;
  if (cls == semantic::kListening) {
    state |= static_cast<std::uint32_t>(std::min<std::size_t>(s.backlog.size(), 2)) << 8;
  } else if (cls == semantic::kConnected) {
    const std::uint32_t arrived = s.reset_in ? 2u : s.fin_in ? 1u : 0u;
    state |= arrived << 8;
    if (s.inbound > 0) state |= 1u << 10;
    const bool peer_open = s.peer >= 0 && sockets_[static_cast<std::size_t>(s.peer)].handles > 0;
    if (!peer_open) state |= 1u << 11;
  }
  const std::uint32_t linger = !s.linger_on ? 0u : s.linger_s == 0 ? 1u : 2u;
  state |= linger << 12;
  if (s.nonblocking) state |= 1u << 14;
  if (s.handles > 1) state |= 1u << 15;
  if (slot_on(index)) state |= 1u << 16;
  return state;
}

std::string Model::semantic_signature() const {
  // Every endpoint's and slot's abstract state, and the session count: the search's
  // notion of "the same state" (closesem/semantic.hpp, enumerate).
  std::string signature;
  for (int e = 0; e < ops::kEndpoints; ++e) {
    ops::Op op;
    op.kind = OpKind::close;
    op.endpoint = e;
    const auto state = semantic_state(op);
    signature.append(reinterpret_cast<const char*>(&state), sizeof state);
    // (which endpoints share a socket: duplicates and peers)
    const int index = socket_of(e);
    signature.push_back(static_cast<char>(index < 0 ? -1 : index));
    signature.push_back(static_cast<char>(index < 0 ? -1 : sockets_[static_cast<std::size_t>(index)].peer));
  }
  for (int k = 0; k < ops::kPendingSlots; ++k) {
    ops::Op op;
    op.kind = OpKind::collect;
    op.slot = k;
    const auto state = semantic_state(op);
    signature.append(reinterpret_cast<const char*>(&state), sizeof state);
  }
  signature.push_back(static_cast<char>(std::min(sessions_, 3)));
  return signature;
}

}  // namespace closesem::model

namespace closesem::semantic {

std::uint32_t state_of(const model::Model& model, const ops::Op& op) { return model.semantic_state(op); }

std::uint32_t op_class(const ops::Op& op) {
  std::uint32_t variant = 0;
  switch (op.kind) {
    case OpKind::pair:
    case OpKind::socket: variant = static_cast<std::uint32_t>(op.socket_kind); break;
    case OpKind::send:
    case OpKind::recv: variant = op.count == 0 ? 0u : 1u; break;
    case OpKind::shutdown: variant = op.how >= 0 && op.how <= 2 ? static_cast<std::uint32_t>(op.how) : 3u; break;
    case OpKind::linger: variant = !op.on ? 0u : op.count == 0 ? 1u : 2u; break;
    case OpKind::nonblocking: variant = op.on ? 1u : 0u; break;
    case OpKind::wait: variant = static_cast<std::uint32_t>(op.wait_kind); break;
    case OpKind::epoll: variant = op.edge ? 1u : 0u; break;
    case OpKind::start:
      variant = static_cast<std::uint32_t>(op.mechanism) * 4u + static_cast<std::uint32_t>(op.call);
      break;
    default: break;
  }
  return static_cast<std::uint32_t>(op.kind) | (variant << 6) | (op.invalid_handle ? 1u << 12 : 0u);
}

std::uint32_t outcome_class(const ops::Outcome& outcome) {
  using Type = ops::Outcome::Type;
  switch (outcome.type) {
    case Type::value: return 1u;
    case Type::failure: return 0x100u | static_cast<std::uint32_t>(outcome.errc);
    case Type::blocked: return 2u;
    case Type::events:
      return 0x1000u | (outcome.set.bits & 0x3ffu) | (outcome.set.close_error != Errc::ok ? 0x400u : 0u);
    case Type::ok:
    case Type::fails: return kNoClass;
  }
  return kNoClass;
}

Key key(std::uint32_t state, std::uint32_t op, std::uint32_t outcome) {
  return static_cast<Key>(state & 0xffffffu) | (static_cast<Key>(op & 0xffffu) << 24) |
         (static_cast<Key>(outcome & 0xffffu) << 40);
}

std::string describe(Key k) {
  const auto state = static_cast<std::uint32_t>(k & 0xffffffu);
  const auto op = static_cast<std::uint32_t>((k >> 24) & 0xffffu);
  const auto outcome = static_cast<std::uint32_t>((k >> 40) & 0xffffu);
  std::ostringstream out;
  const std::uint32_t cls = state & 0xfu;
  out << (cls < sizeof kClassNames / sizeof *kClassNames ? kClassNames[cls] : "?");
  if (cls == kSlot) {
    if (state & (1u << 8)) {
      out << " " << ops::to_string(static_cast<ops::Mechanism>((state >> 6) & 3u)) << " "
          << ops::to_string(static_cast<ops::PendingCall>((state >> 4) & 3u))
          << ((state & (1u << 9)) ? ", completed" : ", not completed") << ((state & (1u << 10)) ? ", not followed" : "");
    } else {
      out << " (empty)";
    }
  } else if (cls == kLifecycle) {
    out << ", sessions " << ((state >> 4) & 3u) << ((state & (1u << 6)) ? ", stale handles" : "");
  } else if (cls != kNone && cls != kInvalid) {
    out << " " << ops::to_string(static_cast<ops::Transport>((state >> 4) & 3u));
    if (state & (1u << 6)) out << ", shut receive";
    if (state & (1u << 7)) out << ", shut send";
    const std::uint32_t field = (state >> 8) & 3u;
    if (cls == kListening && field > 0) out << ", " << (field == 1 ? "1 queued" : "2+ queued");
    if (cls == kConnected) {
      if (field == 1) out << ", FIN in";
      if (field == 2) out << ", reset in";
      if (state & (1u << 10)) out << ", bytes queued";
      if (state & (1u << 11)) out << ", peer closed";
    }
    const std::uint32_t linger = (state >> 12) & 3u;
    if (linger == 1) out << ", linger {1,0}";
    if (linger == 2) out << ", linger {1,N}";
    if (state & (1u << 14)) out << ", non-blocking";
    if (state & (1u << 15)) out << ", duplicated";
    if (state & (1u << 16)) out << ", call pending";
  }
  const auto kind = static_cast<OpKind>(op & 0x3fu);
  const std::uint32_t variant = (op >> 6) & 0x3fu;
  out << " | " << ((op & (1u << 12)) ? "invalid " : "") << ops::to_string(kind);
  switch (kind) {
    case OpKind::pair:
    case OpKind::socket: out << " " << ops::to_string(static_cast<ops::Transport>(variant)); break;
    case OpKind::send:
    case OpKind::recv: out << (variant == 0 ? " 0" : " N"); break;
    case OpKind::shutdown: out << (variant == 0 ? " receive" : variant == 1 ? " send" : variant == 2 ? " both" : " other"); break;
    case OpKind::linger: out << (variant == 0 ? " off" : variant == 1 ? " on 0" : " on N"); break;
    case OpKind::nonblocking: out << (variant ? " on" : " off"); break;
    case OpKind::wait: out << " " << ops::to_string(static_cast<ops::WaitKind>(variant)); break;
    case OpKind::epoll: out << (variant ? " edge" : " level"); break;
    case OpKind::start:
      out << " " << ops::to_string(static_cast<ops::Mechanism>(variant / 4)) << " "
          << ops::to_string(static_cast<ops::PendingCall>(variant % 4));
      break;
    default: break;
  }
  out << " | ";
  if (outcome == 1u) out << "success";
  else if (outcome == 2u) out << "blocked";
  else if ((outcome & 0xff00u) == 0x100u) out << "failure " << to_string(static_cast<Errc>(outcome & 0xffu));
  else if (outcome & 0x1000u) out << "events 0x" << std::hex << (outcome & 0x3ffu) << std::dec << ((outcome & 0x400u) ? " with an error" : "");
  else out << "?";
  return out.str();
}

Reachable enumerate(const model::Profile& profile, const std::vector<ops::Op>& alphabet, int depth,
                    std::size_t max_states) {
  Reachable result;
  std::unordered_set<std::string> seen;
  std::deque<std::pair<model::Model, int>> frontier;
  model::Model start(profile);
  seen.insert(start.semantic_signature());
  frontier.emplace_back(start, 0);
  while (!frontier.empty()) {
    auto [model, level] = std::move(frontier.front());
    frontier.pop_front();
    result.depth_reached = std::max(result.depth_reached, level);
    if (level >= depth) continue;
    for (const auto& op : alphabet) {
      std::string error;
      const auto prediction = model.predict(op, &error);
      if (!error.empty() || prediction.admissible.empty()) continue;
      const auto state = model.semantic_state(op);
      const auto cls = op_class(op);
      std::vector<ops::Outcome> followed;
      for (const auto& outcome : prediction.admissible) {
        const auto oc = outcome_class(outcome);
        if (oc != kNoClass) result.transitions.insert(key(state, cls, oc));
        // One fork per outcome that leaves another state (Model::applies_alike).
        bool alike = false;
        for (const auto& other : followed) alike = alike || model::Model::applies_alike(op, other, outcome);
        if (alike) continue;
        followed.push_back(outcome);
        ops::Outcome applied = outcome;
        if (applied.type == ops::Outcome::Type::ok) {  // any success: one value stands for it
          applied.type = ops::Outcome::Type::value;
          applied.value = op.kind == OpKind::send || op.kind == OpKind::recv ? op.count : 0;
        }
        if (applied.type == ops::Outcome::Type::fails) {
          applied.type = ops::Outcome::Type::failure;
          applied.errc = Errc::other;
        }
        model::Model next = model;
        next.apply(op, applied, &prediction);
        if (seen.size() >= max_states) {
          result.bounded = true;
          continue;
        }
        if (seen.insert(next.semantic_signature()).second) frontier.emplace_back(std::move(next), level + 1);
      }
    }
  }
  result.states = seen.size();
  return result;
}

std::vector<ops::Op> close_sequences_alphabet() {
  std::vector<ops::Op> alphabet;
  const auto add = [&](ops::Op op) { alphabet.push_back(std::move(op)); };
  const auto on = [](OpKind kind, int endpoint) {
    ops::Op op;
    op.kind = kind;
    op.endpoint = endpoint;
    return op;
  };
  constexpr int kEnds = 3;  // a..c: two sockets and a third for duplicates, listeners, accepts
  for (int t = 0; t < ops::kKinds; ++t) {
    auto pair = on(OpKind::pair, 0);
    pair.other = 1;
    pair.socket_kind = static_cast<ops::Transport>(t);
    add(pair);
    auto socket = on(OpKind::socket, 2);
    socket.socket_kind = static_cast<ops::Transport>(t);
    add(socket);
  }
  add(on(OpKind::startup, 0));
  add(on(OpKind::cleanup, 0));
  for (int e = 0; e < kEnds; ++e) {
    for (const std::uint32_t count : {0u, 100u}) {
      auto send = on(OpKind::send, e);
      send.count = count;
      add(send);
      auto recv = on(OpKind::recv, e);
      recv.count = count == 0 ? 0u : 1000u;
      add(recv);
    }
    for (int how = 0; how < 3; ++how) {
      auto shutdown = on(OpKind::shutdown, e);
      shutdown.how = how;
      add(shutdown);
    }
    add(on(OpKind::close, e));
    for (int linger = 0; linger < 3; ++linger) {
      auto op = on(OpKind::linger, e);
      op.on = linger > 0;
      op.count = linger == 2 ? 1u : 0u;
      add(op);
    }
    for (const bool value : {false, true}) {
      auto op = on(OpKind::nonblocking, e);
      op.on = value;
      add(op);
    }
    for (int w = 0; w < 3; ++w) {
      auto op = on(OpKind::wait, e);
      op.wait_kind = static_cast<ops::WaitKind>(w);
      op.count = 1;
      op.count_given = true;
      add(op);
    }
    add(on(OpKind::pending, e));
    add(on(OpKind::error, e));
    add(on(OpKind::listen, e));
    add(on(OpKind::poll, e));
    add(on(OpKind::select, e));
    for (const bool edge : {false, true}) {
      auto op = on(OpKind::epoll, e);
      op.edge = edge;
      add(op);
    }
    add(on(OpKind::events, e));
    add(on(OpKind::peername, e));
    add(on(OpKind::sockname, e));
    for (int other = 0; other < kEnds; ++other) {
      if (other == e) continue;
      auto connect = on(OpKind::connect, e);
      connect.other = other;
      add(connect);
      auto accept = on(OpKind::accept, e);
      accept.other = other;
      add(accept);
      auto dup = on(OpKind::dup, e);
      dup.other = other;
      add(dup);
    }
    for (int m = 0; m < ops::kMechanisms; ++m) {
      for (int c = 0; c < ops::kPendingCalls; ++c) {
        auto start = on(OpKind::start, e);
        start.mechanism = static_cast<ops::Mechanism>(m);
        start.call = static_cast<ops::PendingCall>(c);
        start.slot = 0;
        start.count = c == 0 ? 1000u : 100u;
        start.other = (e + 1) % kEnds;
        add(start);
      }
    }
  }
  for (const bool invalid_close : {true}) {
    auto op = on(OpKind::close, 0);
    op.invalid_handle = invalid_close;
    op.endpoint = 0;
    add(op);
  }
  auto collect = on(OpKind::collect, 0);
  collect.slot = 0;
  collect.count = 1;
  collect.count_given = true;
  add(collect);
  auto cancel = on(OpKind::cancel, 0);
  cancel.slot = 0;
  add(cancel);
  return alphabet;
}

}  // namespace closesem::semantic
