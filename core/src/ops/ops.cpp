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
    "pair",   "socket",      "listen", "connect", "accept", "send",  "recv",    "shutdown", "close",
    "linger", "nonblocking", "wait",   "pending", "dup",    "error", "startup", "cleanup"};
static_assert(kOpNames.size() == static_cast<std::size_t>(OpKind::cleanup) + 1,
              "kOpNames must name every OpKind, in declaration order");

constexpr std::array<std::string_view, kKinds> kKindNames{"tcp4", "tcp6", "unix"};
static_assert(static_cast<int>(Transport::unix_stream) + 1 == kKinds, "kKindNames must name every Transport");

constexpr std::array<std::string_view, 3> kWaitNames{"readable", "writable", "hup"};
static_assert(static_cast<std::size_t>(WaitKind::hangup) + 1 == kWaitNames.size(),
              "kWaitNames must name every WaitKind");

// The canonical order of alternatives: ok, then values, then errors in Errc order, then
// blocked.
bool before(const Outcome& a, const Outcome& b) {
  if (a.type != b.type) return a.type < b.type;
  switch (a.type) {
    case Outcome::Type::ok:
    case Outcome::Type::blocked:
      return false;
    case Outcome::Type::value:
      return a.value < b.value;
    case Outcome::Type::failure:
      break;
  }
  return a.errc < b.errc;
}
static_assert(Outcome::Type::ok < Outcome::Type::value &&
                  Outcome::Type::value < Outcome::Type::failure &&
                  Outcome::Type::failure < Outcome::Type::blocked,
              "the canonical order of alternatives follows Outcome::Type");

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

namespace detail {

bool has_endpoint(OpKind kind) { return kind != OpKind::startup && kind != OpKind::cleanup; }

bool has_other(OpKind kind) {
  return kind == OpKind::pair || kind == OpKind::connect || kind == OpKind::accept ||
         kind == OpKind::dup;
}

bool has_socket_kind(OpKind kind) { return kind == OpKind::pair || kind == OpKind::socket; }

bool uses_count(const Op& op) {
  switch (op.kind) {
    case OpKind::send:
    case OpKind::recv:
      return true;
    case OpKind::linger:
      return op.on;
    case OpKind::wait:
      return op.count_given;
    default:
      return false;
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
  const Op defaults;
  if (!has_endpoint(op.kind)) op.endpoint = defaults.endpoint;
  if (!has_other(op.kind)) op.other = defaults.other;
  if (!has_socket_kind(op.kind)) op.socket_kind = defaults.socket_kind;
  if (op.kind != OpKind::pair) op.reversed = defaults.reversed;
  if (op.kind != OpKind::linger && op.kind != OpKind::nonblocking) op.on = defaults.on;
  if (op.kind != OpKind::wait) {
    op.wait_kind = defaults.wait_kind;
    op.count_given = defaults.count_given;
  }
  if (op.kind != OpKind::shutdown) op.how = defaults.how;
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
  if (x.endpoint != y.endpoint || x.other != y.other || x.socket_kind != y.socket_kind ||
      x.reversed != y.reversed || x.on != y.on || x.wait_kind != y.wait_kind || x.how != y.how ||
      x.count != y.count || x.count_given != y.count_given)
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
