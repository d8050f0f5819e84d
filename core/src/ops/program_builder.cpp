// SPDX-License-Identifier: MIT
#include "closesem/program_builder.hpp"

#include "ops_internal.hpp"

#include <stdexcept>
#include <string>

namespace closesem::ops {
namespace {

void check_endpoint(int endpoint, OpKind kind) {
  if (endpoint < 0 || endpoint >= kEndpoints)
    throw std::invalid_argument("ProgramBuilder: " + std::string(to_string(kind)) + " on endpoint " +
                                std::to_string(endpoint) + ", outside a..h");
}

int checked_slot(int slot, OpKind kind) {
  if (slot < 0 || slot >= kPendingSlots)
    throw std::invalid_argument("ProgramBuilder: " + std::string(to_string(kind)) + " in slot " +
                                std::to_string(slot) + ", outside 0..3 (@1..@4)");
  return slot;
}

std::uint32_t checked_count(std::uint32_t count, OpKind kind) {
  if (count > kMaxCount)
    throw std::invalid_argument("ProgramBuilder: " + std::string(to_string(kind)) + " count " +
                                std::to_string(count) + " above " + std::to_string(kMaxCount));
  return count;
}

}  // namespace

Op& ProgramBuilder::add(OpKind kind, int x) {
  const bool invalid = x == kInvalidHandle && detail::has_endpoint(kind);
  if (invalid && !allows_invalid_handle(kind))
    throw std::invalid_argument("ProgramBuilder: " + std::string(to_string(kind)) + " on the invalid handle");
  if (detail::has_endpoint(kind) && !invalid) check_endpoint(x, kind);
  Op op;
  op.kind = kind;
  op.invalid_handle = invalid;
  op.endpoint = detail::has_endpoint(kind) && !invalid ? x : op.endpoint;
  program_.ops.push_back(op);
  return program_.ops.back();
}

Op& ProgramBuilder::add(OpKind kind, int x, int y) {
  check_endpoint(y, kind);
  if (x == y)
    throw std::invalid_argument("ProgramBuilder: " + std::string(to_string(kind)) + " names endpoint " +
                                endpoint_name(x) + " twice");
  Op& op = add(kind, x);
  op.other = y;
  return op;
}

ProgramBuilder& ProgramBuilder::pair(Transport kind, int x, int y, bool reversed) {
  Op& op = add(OpKind::pair, x, y);
  op.socket_kind = kind;
  op.reversed = reversed;
  return *this;
}

ProgramBuilder& ProgramBuilder::socket(int x, Transport kind) {
  add(OpKind::socket, x).socket_kind = kind;
  return *this;
}

ProgramBuilder& ProgramBuilder::listen(int x) {
  add(OpKind::listen, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::connect(int x, int listener) {
  add(OpKind::connect, x, listener);
  return *this;
}

ProgramBuilder& ProgramBuilder::accept(int listener, int accepted) {
  add(OpKind::accept, listener, accepted);
  return *this;
}

ProgramBuilder& ProgramBuilder::send(int x, std::uint32_t bytes) {
  add(OpKind::send, x).count = checked_count(bytes, OpKind::send);
  return *this;
}

ProgramBuilder& ProgramBuilder::recv(int x, std::uint32_t bytes) {
  add(OpKind::recv, x).count = checked_count(bytes, OpKind::recv);
  return *this;
}

ProgramBuilder& ProgramBuilder::shutdown(int x, How how) {
  add(OpKind::shutdown, x).how = static_cast<int>(how);
  return *this;
}

ProgramBuilder& ProgramBuilder::close(int x) {
  add(OpKind::close, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::linger_off(int x) {
  add(OpKind::linger, x).on = false;
  return *this;
}

ProgramBuilder& ProgramBuilder::linger_on(int x, std::uint32_t seconds) {
  Op& op = add(OpKind::linger, x);
  op.on = true;
  op.count = checked_count(seconds, OpKind::linger);
  return *this;
}

ProgramBuilder& ProgramBuilder::nonblocking(int x, bool on) {
  add(OpKind::nonblocking, x).on = on;
  return *this;
}

ProgramBuilder& ProgramBuilder::wait(int x, WaitKind what) {
  add(OpKind::wait, x).wait_kind = what;
  return *this;
}

ProgramBuilder& ProgramBuilder::wait(int x, WaitKind what, std::uint32_t ms) {
  Op& op = add(OpKind::wait, x);
  op.wait_kind = what;
  op.count_given = true;
  op.count = checked_count(ms, OpKind::wait);
  return *this;
}

ProgramBuilder& ProgramBuilder::pending(int x) {
  add(OpKind::pending, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::dup(int x, int copy) {
  add(OpKind::dup, x, copy);
  return *this;
}

ProgramBuilder& ProgramBuilder::error(int x) {
  add(OpKind::error, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::startup() {
  add(OpKind::startup, 0);
  return *this;
}

ProgramBuilder& ProgramBuilder::cleanup() {
  add(OpKind::cleanup, 0);
  return *this;
}

Op& ProgramBuilder::add_start(int x, Mechanism mechanism, PendingCall call, int slot) {
  checked_slot(slot, OpKind::start);
  Op& op = add(OpKind::start, x);
  op.mechanism = mechanism;
  op.call = call;
  op.slot = slot;
  return op;
}

Op& ProgramBuilder::add_slot(OpKind kind, int slot) {
  checked_slot(slot, kind);
  Op& op = add(kind, 0);
  op.slot = slot;
  return op;
}

ProgramBuilder& ProgramBuilder::start_recv(int x, Mechanism mechanism, std::uint32_t bytes, int slot) {
  const auto count = checked_count(bytes, OpKind::start);
  add_start(x, mechanism, PendingCall::recv, slot).count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::start_send(int x, Mechanism mechanism, std::uint32_t bytes, int slot) {
  const auto count = checked_count(bytes, OpKind::start);
  add_start(x, mechanism, PendingCall::send, slot).count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::start_accept(int listener, Mechanism mechanism, int accepted, int slot) {
  check_endpoint(accepted, OpKind::start);
  if (listener == accepted)
    throw std::invalid_argument("ProgramBuilder: start accept names endpoint " + endpoint_name(listener) + " twice");
  add_start(listener, mechanism, PendingCall::accept, slot).other = accepted;
  return *this;
}

ProgramBuilder& ProgramBuilder::start_connect(int x, Mechanism mechanism, int listener, int slot) {
  check_endpoint(listener, OpKind::start);
  if (x == listener)
    throw std::invalid_argument("ProgramBuilder: start connect names endpoint " + endpoint_name(x) + " twice");
  add_start(x, mechanism, PendingCall::connect, slot).other = listener;
  return *this;
}

ProgramBuilder& ProgramBuilder::collect(int slot) {
  add_slot(OpKind::collect, slot);
  return *this;
}

ProgramBuilder& ProgramBuilder::collect(int slot, std::uint32_t ms) {
  const auto count = checked_count(ms, OpKind::collect);
  Op& op = add_slot(OpKind::collect, slot);
  op.count_given = true;
  op.count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::cancel(int slot) {
  add_slot(OpKind::cancel, slot);
  return *this;
}

ProgramBuilder& ProgramBuilder::poll(int x) {
  add(OpKind::poll, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::poll(int x, std::uint32_t ms) {
  const auto count = checked_count(ms, OpKind::poll);
  Op& op = add(OpKind::poll, x);
  op.count_given = true;
  op.count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::epoll(int x, bool edge) {
  add(OpKind::epoll, x).edge = edge;
  return *this;
}

ProgramBuilder& ProgramBuilder::epoll(int x, bool edge, std::uint32_t ms) {
  const auto count = checked_count(ms, OpKind::epoll);
  Op& op = add(OpKind::epoll, x);
  op.edge = edge;
  op.count_given = true;
  op.count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::select(int x) {
  add(OpKind::select, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::select(int x, std::uint32_t ms) {
  const auto count = checked_count(ms, OpKind::select);
  Op& op = add(OpKind::select, x);
  op.count_given = true;
  op.count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::events(int x) {
  add(OpKind::events, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::events(int x, std::uint32_t ms) {
  const auto count = checked_count(ms, OpKind::events);
  Op& op = add(OpKind::events, x);
  op.count_given = true;
  op.count = count;
  return *this;
}

ProgramBuilder& ProgramBuilder::peername(int x) {
  add(OpKind::peername, x);
  return *this;
}

ProgramBuilder& ProgramBuilder::sockname(int x) {
  add(OpKind::sockname, x);
  return *this;
}

}  // namespace closesem::ops
