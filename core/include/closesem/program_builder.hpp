// SPDX-License-Identifier: MIT
// Builds a program op by op in code, as the structured fuzz targets do: no .ops text is
// printed and parsed back. Each call appends one op with the fields its kind uses (the
// rest keep the Op defaults, as the parser leaves them); a call no text could write (an
// endpoint outside a..h, one endpoint for both X and Y, a slot outside 0..3, kInvalidHandle
// for an op that does not allow it) is a bug of the caller and throws std::invalid_argument.
#pragma once

#include "closesem/ops.hpp"

#include <cstdint>

namespace closesem::ops {

enum class How : int { receive = 0, send = 1, both = 2 };

// X for the invalid handle (`invalid send 1`): ops on one handle that name no second
// endpoint accept it (allows_invalid_handle).
inline constexpr int kInvalidHandle = -1;

class ProgramBuilder {
 public:
  ProgramBuilder& pair(Transport kind, int x = 0, int y = 1, bool reversed = false);
  ProgramBuilder& socket(int x, Transport kind);
  ProgramBuilder& listen(int x);
  ProgramBuilder& connect(int x, int listener);
  ProgramBuilder& accept(int listener, int accepted);
  ProgramBuilder& send(int x, std::uint32_t bytes);
  ProgramBuilder& recv(int x, std::uint32_t bytes);
  ProgramBuilder& shutdown(int x, How how);
  ProgramBuilder& close(int x);
  ProgramBuilder& linger_off(int x);
  ProgramBuilder& linger_on(int x, std::uint32_t seconds);
  ProgramBuilder& nonblocking(int x, bool on);
  ProgramBuilder& wait(int x, WaitKind what);                   // the runner's default bound
  ProgramBuilder& wait(int x, WaitKind what, std::uint32_t ms);  // MS written
  ProgramBuilder& pending(int x);
  ProgramBuilder& dup(int x, int copy);
  ProgramBuilder& error(int x);
  ProgramBuilder& startup();
  ProgramBuilder& cleanup();
  // Pending calls in slot 0..3 (written @1..@4).
  ProgramBuilder& start_recv(int x, Mechanism mechanism, std::uint32_t bytes, int slot);
  ProgramBuilder& start_send(int x, Mechanism mechanism, std::uint32_t bytes, int slot);
  ProgramBuilder& start_accept(int listener, Mechanism mechanism, int accepted, int slot);
  ProgramBuilder& start_connect(int x, Mechanism mechanism, int listener, int slot);
  ProgramBuilder& collect(int slot);                    // the runner's default bound
  ProgramBuilder& collect(int slot, std::uint32_t ms);  // MS written
  ProgramBuilder& cancel(int slot);
  // Notifications: without ms the runner's default bound, with it MS written.
  ProgramBuilder& poll(int x);
  ProgramBuilder& poll(int x, std::uint32_t ms);
  ProgramBuilder& epoll(int x, bool edge);
  ProgramBuilder& epoll(int x, bool edge, std::uint32_t ms);
  ProgramBuilder& select(int x);
  ProgramBuilder& select(int x, std::uint32_t ms);
  ProgramBuilder& events(int x);
  ProgramBuilder& events(int x, std::uint32_t ms);
  ProgramBuilder& peername(int x);
  ProgramBuilder& sockname(int x);

  const Program& program() const { return program_; }
  Program take() { return std::move(program_); }

 private:
  Op& add(OpKind kind, int x);
  Op& add(OpKind kind, int x, int y);
  Op& add_start(int x, Mechanism mechanism, PendingCall call, int slot);
  Op& add_slot(OpKind kind, int slot);
  Program program_;
};

}  // namespace closesem::ops
