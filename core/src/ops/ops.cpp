// SPDX-License-Identifier: MIT
// Names of the op language's words, which fields each op kind uses, and structural
// equality (what the round trips compare).
#include "closesem/ops.hpp"

#include "ops_internal.hpp"

#include <algorithm>
#include <array>

namespace closesem::ops {
namespace {

constexpr std::array<std::string_view, kOpKinds> kOpNames{
    "pair",    "socket",  "listen", "connect", "accept", "send",   "recv",   "shutdown", "close",
    "linger",  "nonblocking", "wait", "pending", "dup",  "error",  "startup", "cleanup",
    "start",   "collect", "cancel", "poll",    "epoll",  "select", "events", "peername", "sockname"};
static_assert(kOpNames.size() == static_cast<std::size_t>(OpKind::sockname) + 1,
              "kOpNames must name every OpKind, in declaration order");

constexpr std::array<std::string_view, kMechanisms> kMechanismNames{"thread", "overlapped", "iocp", "uring"};
static_assert(static_cast<int>(Mechanism::uring) + 1 == kMechanisms, "kMechanismNames must name every Mechanism");

constexpr std::array<std::string_view, kPendingCalls> kCallNames{"recv", "send", "accept", "connect"};
static_assert(static_cast<int>(PendingCall::connect) + 1 == kPendingCalls, "kCallNames must name every PendingCall");

constexpr std::array<std::string_view, kKinds> kKindNames{"tcp4", "tcp6", "unix"};
static_assert(static_cast<int>(Transport::unix_stream) + 1 == kKinds, "kKindNames must name every Transport");

constexpr std::array<std::string_view, 3> kWaitNames{"readable", "writable", "hup"};
static_assert(static_cast<std::size_t>(WaitKind::hangup) + 1 == kWaitNames.size(),
              "kWaitNames must name every WaitKind");

// Where an outcome's type comes in the canonical order: ok, values, event sets (the
// successes), errors, fails (any error), blocked. (Outcome::Type's numbering is not
// this order: fails and events were added after blocked.)
int rank(Outcome::Type type) {
  switch (type) {
    case Outcome::Type::ok: return 0;
    case Outcome::Type::value: return 1;
    case Outcome::Type::events: return 2;
    case Outcome::Type::failure: return 3;
    case Outcome::Type::fails: return 4;
    case Outcome::Type::blocked: return 5;
  }
  return 6;
}

// The canonical order of alternatives: ok, values by value, event sets by bits then
// FD_CLOSE's error, errors in Errc order, fails, blocked.
bool before(const Outcome& a, const Outcome& b) {
  if (a.type != b.type) return rank(a.type) < rank(b.type);
  switch (a.type) {
    case Outcome::Type::ok:
    case Outcome::Type::blocked:
    case Outcome::Type::fails:
      return false;
    case Outcome::Type::value:
      return a.value < b.value;
    case Outcome::Type::events:
      if (a.set.bits != b.set.bits) return a.set.bits < b.set.bits;
      return a.set.close_error < b.set.close_error;
    case Outcome::Type::failure:
      break;
  }
  return a.errc < b.errc;
}

}  // namespace

std::string endpoint_name(int endpoint) {
  if (endpoint < 0 || endpoint >= kEndpoints) return "?";
  return std::string(1, static_cast<char>('a' + endpoint));
}

std::string_view to_string(OpKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kOpNames.size() ? kOpNames[index] : "?";
}

std::string_view to_string(Transport kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kKindNames.size() ? kKindNames[index] : "?";
}

std::string_view to_string(WaitKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kWaitNames.size() ? kWaitNames[index] : "?";
}

std::string_view to_string(Mechanism mechanism) {
  const auto index = static_cast<std::size_t>(mechanism);
  return index < kMechanismNames.size() ? kMechanismNames[index] : "?";
}

std::string_view to_string(PendingCall call) {
  const auto index = static_cast<std::size_t>(call);
  return index < kCallNames.size() ? kCallNames[index] : "?";
}

std::string slot_name(int slot) {
  if (slot < 0 || slot >= kPendingSlots) return "@?";
  return "@" + std::to_string(slot + 1);
}

bool allows_invalid_handle(OpKind kind) {
  switch (kind) {
    case OpKind::send:
    case OpKind::recv:
    case OpKind::shutdown:
    case OpKind::close:
    case OpKind::linger:
    case OpKind::nonblocking:
    case OpKind::wait:
    case OpKind::pending:
    case OpKind::error:
    case OpKind::listen:
    case OpKind::poll:
    case OpKind::epoll:
    case OpKind::select:
    case OpKind::events:
    case OpKind::peername:
    case OpKind::sockname:
      return true;
    default:  // no handle (pair, socket, startup, cleanup, collect, cancel), or a second endpoint
      return false;
  }
}

namespace detail {

bool has_endpoint(OpKind kind) {
  return kind != OpKind::startup && kind != OpKind::cleanup && kind != OpKind::collect &&
         kind != OpKind::cancel;
}

bool has_other(OpKind kind) {
  return kind == OpKind::pair || kind == OpKind::connect || kind == OpKind::accept ||
         kind == OpKind::dup;
}

bool has_other(const Op& op) {
  if (op.kind == OpKind::start) return op.call == PendingCall::accept || op.call == PendingCall::connect;
  return has_other(op.kind);
}

bool has_socket_kind(OpKind kind) { return kind == OpKind::pair || kind == OpKind::socket; }

bool has_slot(OpKind kind) {
  return kind == OpKind::start || kind == OpKind::collect || kind == OpKind::cancel;
}

bool has_optional_ms(OpKind kind) {
  return kind == OpKind::wait || kind == OpKind::collect || kind == OpKind::poll || kind == OpKind::epoll ||
         kind == OpKind::select || kind == OpKind::events;
}

bool uses_count(const Op& op) {
  switch (op.kind) {
    case OpKind::send:
    case OpKind::recv:
      return true;
    case OpKind::start:
      return op.call == PendingCall::recv || op.call == PendingCall::send;
    case OpKind::linger:
      return op.on;
    default:
      return has_optional_ms(op.kind) && op.count_given;
  }
}

bool in_canonical_order(const std::vector<Outcome>& alternatives) {
  for (std::size_t i = 1; i < alternatives.size(); ++i)
    if (!before(alternatives[i - 1], alternatives[i])) return false;
  return true;
}

void sort_alternatives(std::vector<Outcome>& alternatives) {
  if (in_canonical_order(alternatives)) return;  // what the parser and the decoder make
  std::sort(alternatives.begin(), alternatives.end(), before);
  alternatives.erase(std::unique(alternatives.begin(), alternatives.end()), alternatives.end());
}

void canonicalise(Op& op) {
  static const Op defaults;  // (built once: an Op holds a vector and a string)
  if (!allows_invalid_handle(op.kind)) op.invalid_handle = defaults.invalid_handle;
  if (!has_endpoint(op.kind) || op.invalid_handle) op.endpoint = defaults.endpoint;
  if (op.kind != OpKind::start) {
    op.mechanism = defaults.mechanism;
    op.call = defaults.call;
  }
  if (!has_other(op)) op.other = defaults.other;
  if (!has_socket_kind(op.kind)) op.socket_kind = defaults.socket_kind;
  if (op.kind != OpKind::pair) op.reversed = defaults.reversed;
  if (op.kind != OpKind::linger && op.kind != OpKind::nonblocking) op.on = defaults.on;
  if (op.kind != OpKind::wait) op.wait_kind = defaults.wait_kind;
  if (!has_optional_ms(op.kind)) op.count_given = defaults.count_given;
  if (op.kind != OpKind::shutdown) op.how = defaults.how;
  if (!has_slot(op.kind)) op.slot = defaults.slot;
  if (op.kind != OpKind::epoll) op.edge = defaults.edge;
  if (!uses_count(op)) op.count = defaults.count;
  sort_alternatives(op.expect);
  op.where = defaults.where;
}

}  // namespace detail

bool same_op(const Op& a, const Op& b) {
  if (a.kind != b.kind) return false;
  // Compare what the kind uses: canonical copies without the alternatives, which are
  // compared apart (copied only when one side is not in the canonical order).
  Op x = a;
  Op y = b;
  x.expect.clear();
  y.expect.clear();
  detail::canonicalise(x);
  detail::canonicalise(y);
  if (x.endpoint != y.endpoint || x.invalid_handle != y.invalid_handle || x.other != y.other ||
      x.socket_kind != y.socket_kind || x.reversed != y.reversed || x.on != y.on ||
      x.wait_kind != y.wait_kind || x.how != y.how || x.mechanism != y.mechanism || x.call != y.call ||
      x.slot != y.slot || x.edge != y.edge || x.count != y.count || x.count_given != y.count_given)
    return false;
  if (detail::in_canonical_order(a.expect) && detail::in_canonical_order(b.expect))
    return a.expect == b.expect;
  auto left = a.expect;
  auto right = b.expect;
  detail::sort_alternatives(left);
  detail::sort_alternatives(right);
  return left == right;
}

bool same_program(const Program& a, const Program& b) {
  return a.ops.size() == b.ops.size() &&
         std::equal(a.ops.begin(), a.ops.end(), b.ops.begin(), same_op);
}

}  // namespace closesem::ops
