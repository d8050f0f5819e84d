// SPDX-License-Identifier: MIT
// The .ops text form: parse with located errors, print canonically.
//
//   # comment (also after an op)
//   pair tcp4                    # connected pair a, b
//   a send 100          -> 100
//   a shutdown send     -> ok
//   b recv 1000         -> 100
//   a recv 1            -> connection_reset | 0
//   a start thread recv 100 @1  -> 0       # a call left pending in slot @1 (@1..@4)
//   b close
//   collect @1 50       -> 0 | blocked     # its completion, bounded (MS optional)
//   cancel @2                              # CancelIoEx, IORING_OP_ASYNC_CANCEL, ...
//   a poll 0            -> {in,out,rdhup}  # notifications answer an event set
//   a epoll edge        -> {}
//   a events            -> {read,close:connection_reset}
//   invalid send 1      -> fails           # the invalid handle; any failure
//
// Ops (ops.hpp says what each does): pair KIND [reversed] [X Y]; X socket KIND;
// X listen; X connect Y; X accept Y; X send N; X recv N; X shutdown receive|send|both|INT;
// X close; X linger off|on S; X nonblocking on|off; X wait readable|writable|hup [MS];
// X pending; X dup Y; X error; startup; cleanup;
// X start thread|overlapped|iocp|uring recv N|send N|accept Y|connect Y @P;
// collect @P [MS]; cancel @P; X poll [MS]; X epoll level|edge [MS]; X select [MS];
// X events [MS]; X peername; X sockname. X is a..h, or `invalid` for the ops on one
// handle (send recv shutdown close linger nonblocking wait pending error listen poll
// epoll select events peername sockname).
// Outcomes after `->`, alternatives with `|`: ok, a number, an error name, fails (any
// error), blocked, or (poll, epoll, select, events only) an event set `{}` /
// `{NAME,...}` without spaces, names from events.hpp, `close:ERRC` for FD_CLOSE's error.
//
// print(parse(text)) is the canonical text: one op per line, single spaces, defaults
// left out, alternatives in a fixed order (ok, the value, event sets by bits, then
// errors in Errc order, fails, blocked), no comments. print(parse(print(p))) == print(p).
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
