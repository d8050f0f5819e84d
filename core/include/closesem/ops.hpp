// SPDX-License-Identifier: MIT
// The op language: one program form for conformance scenarios, fuzz inputs, reproducers
// and traces. A program is a list of ops on named endpoints `a`..`h`, each with an
// optional expected outcome. Text form (.ops) and a fixed-width binary form (fuzz
// inputs) convert both ways: see text.hpp and codec.hpp. No socket headers here.
#pragma once

#include "closesem/errc.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closesem::ops {

inline constexpr int kEndpoints = 8;  // a..h
inline constexpr std::size_t kMaxOps = 256;  // a longer program is cut (binary) or refused (text)
inline constexpr std::uint32_t kMaxCount = 1u << 20;  // send/recv bytes, wait ms, linger s

enum class OpKind : std::uint8_t {
  pair,         // pair KIND [reversed] [X Y]      a connected pair; default endpoints a b
  socket,       // X socket KIND                   an unconnected stream socket
  listen,       // X listen                        bind X to loopback port 0 and listen
  connect,      // X connect Y                     connect X to listener Y's address (bounded)
  accept,       // X accept Y                      accept on listener X; the new socket is Y
  send,         // X send N                        N bytes of the pattern
  recv,         // X recv N                        up to N bytes
  shutdown,     // X shutdown receive|send|both|<int>
  close,        // X close
  linger,       // X linger off | X linger on S
  nonblocking,  // X nonblocking on|off
  wait,         // X wait readable|writable|hup [MS]   bounded; ret 1 when it came, 0 at the timeout
  pending,      // X pending                       FIONREAD: ret is the byte count
  dup,          // X dup Y                         Y is a duplicate handle of X's socket
  error,        // X error                         SO_ERROR: ret 0, or a failure with the pending error
  startup,      // startup                         WSAStartup (POSIX: succeeds, nothing else)
  cleanup,      // cleanup                         WSACleanup
};
inline constexpr int kOpKinds = static_cast<int>(OpKind::cleanup) + 1;

// Pair and socket kinds. The numbering is the binary form's.
enum class Transport : std::uint8_t { tcp4, tcp6, unix_stream };
inline constexpr int kKinds = 3;

enum class WaitKind : std::uint8_t { readable, writable, hangup };

// One admissible outcome: success with any return value (`ok`), success with exactly
// `value` (`100`, `0`), failure with `errc` (`connection_reset`), or `blocked`: the call
// had not returned when the runner's bound expired (neither a success nor a failure:
// the runner gave up waiting; a call the platform itself gave up on fails with its own
// error, such as timed_out).
struct Outcome {
  enum class Type : std::uint8_t { ok, value, failure, blocked };
  Type type = Type::ok;
  std::int64_t value = 0;  // for Type::value
  Errc errc = Errc::ok;    // for Type::failure
  bool succeeded() const { return type == Type::ok || type == Type::value; }
  friend bool operator==(const Outcome& a, const Outcome& b) {
    return a.type == b.type && (a.type != Type::value || a.value == b.value) &&
           (a.type != Type::failure || a.errc == b.errc);
  }
};

// Where an op was written (1-based; 0 for ops that came from the binary form).
struct Location {
  int line = 0;
  int column = 0;
};

struct Op {
  OpKind kind = OpKind::pair;
  int endpoint = 0;  // X: 0..7 for a..h (pair: the first end)
  int other = 1;     // Y: pair's second end, connect's listener, accept's new socket, dup's copy
  Transport socket_kind = Transport::tcp4;  // pair, socket
  bool reversed = false;          // pair: accept on the first end instead of the second
  bool on = false;                // linger, nonblocking
  WaitKind wait_kind = WaitKind::readable;
  int how = 0;                    // shutdown: 0 receive, 1 send, 2 both, anything else as is
  std::uint32_t count = 0;        // send/recv bytes, linger seconds, wait milliseconds
  bool count_given = false;       // wait: whether MS was written (else the runner's default)
  std::vector<Outcome> expect;    // alternatives; empty: the model decides
  Location where;
};

struct Program {
  std::vector<Op> ops;
};

// "a".."h"; "?" outside the range.
std::string endpoint_name(int endpoint);
std::string_view to_string(OpKind kind);
std::string_view to_string(Transport kind);
std::string_view to_string(WaitKind kind);

// Structural equality (locations are ignored): what the round trips compare. Fields an
// op's kind does not use (a close's count) and the order of alternatives are ignored too.
bool same_op(const Op& a, const Op& b);
bool same_program(const Program& a, const Program& b);

}  // namespace closesem::ops
