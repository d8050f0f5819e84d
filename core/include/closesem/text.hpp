// SPDX-License-Identifier: MIT
// The .ops text form: parse with located errors, print canonically.
//
//   # comment (also after an op)
//   pair tcp4                    # connected pair a, b
//   a send 100          -> 100
//   a shutdown send     -> ok
//   b recv 1000         -> 100
//   a recv 1            -> connection_reset | 0
//
// print(parse(text)) is the canonical text: one op per line, single spaces, defaults
// left out, alternatives in a fixed order (ok, the value, then errors in Errc order),
// no comments. print(parse(print(p))) == print(p).
#pragma once

#include "closesem/ops.hpp"

#include <string>
#include <string_view>

namespace closesem::ops {

struct ParseError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;  // what was found and what was expected
  std::string describe() const;  // "file:line:column: what was found; expected ..."
};

// Parses a whole script. On error returns false and fills `error` (the first error).
bool parse(std::string_view text, const std::string& file, Program& out, ParseError& error);

std::string print(const Program& program);
std::string print(const Op& op);  // one line, no newline
std::string print(const Outcome& outcome);
std::string print(const std::vector<Outcome>& alternatives);  // "0 | connection_reset"

}  // namespace closesem::ops
