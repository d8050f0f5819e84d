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

std::uint32_t checked_count(std::uint32_t count, OpKind kind) {
  if (count > kMaxCount)
    throw std::invalid_argument("ProgramBuilder: " + std::string(to_string(kind)) + " count " +
                                std::to_string(count) + " above " + std::to_string(kMaxCount));
  return count;
}

}  // namespace

Op& ProgramBuilder::add(OpKind kind, int x) {
  if (detail::has_endpoint(kind)) check_endpoint(x, kind);
  Op op;
  op.kind = kind;
  op.endpoint = detail::has_endpoint(kind) ? x : op.endpoint;
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

}  // namespace closesem::ops
