// SPDX-License-Identifier: MIT
// Builds a program op by op in code, as the structured fuzz targets do: no .ops text is
// printed and parsed back. Each call appends one op with the fields its kind uses (the
// rest keep the Op defaults, as the parser leaves them); a call no text could write (an
// endpoint outside a..h, one endpoint for both X and Y) is a bug of the caller and throws
// std::invalid_argument.
#pragma once

#include "closesem/ops.hpp"

#include <cstdint>

namespace closesem::ops {

enum class How : int { receive = 0, send = 1, both = 2 };

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

  const Program& program() const { return program_; }
  Program take() { return std::move(program_); }

 private:
  Op& add(OpKind kind, int x);
  Op& add(OpKind kind, int x, int y);
  Program program_;
};

}  // namespace closesem::ops
