// SPDX-License-Identifier: MIT
// The op language: one program form for conformance scenarios, fuzz inputs, reproducers
// and traces. A program is a list of ops on named endpoints `a`..`h`, each with an
// optional expected outcome. Text form (.ops) and a fixed-width binary form (fuzz
// inputs) convert both ways: see text.hpp and codec.hpp. No socket headers here.
#pragma once

#include "closesem/errc.hpp"
#include "closesem/events.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closesem::ops {

inline constexpr int kEndpoints = 8;  // a..h
inline constexpr std::size_t kMaxOps = 256;  // a longer program is cut (binary) or refused (text)
inline constexpr std::uint32_t kMaxCount = 1u << 20;  // send/recv bytes, wait ms, linger s
inline constexpr int kPendingSlots = 4;  // @1..@4: calls started and not yet collected

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
  // Pending operations: a call started by one mechanism, left pending while later ops
  // run, and collected (bounded) when the script asks for its completion.
  start,        // X start MECH CALL [N|Y] @P      begin CALL (recv N, send N, accept Y, connect Y)
                //                                 through MECH in pending slot P; ret 0 when it was
                //                                 submitted (its completion is collected), else the
                //                                 submission's failure (not_supported: no MECH here)
  collect,      // collect @P [MS]                 the completion of slot P's call (bounded: `blocked`
                //                                 when it had not completed within MS); frees the slot
                //                                 once it completed
  cancel,       // cancel @P                       thread: interrupt the call (a signal / CancelSynchronousIo);
                //                                 overlapped, iocp: CancelIoEx; uring: IORING_OP_ASYNC_CANCEL
  // Notifications: the set of events that fired (an `events` outcome such as {in,rdhup}).
  poll,         // X poll [MS]                     poll / WSAPoll for in and out (and rdhup on Linux)
  epoll,        // X epoll level|edge [MS]         epoll_wait on X's own epoll instance (one per mode,
                //                                 registered at its first use); Winsock: not_supported
  select,       // X select [MS]                   select with X in the read, write and except sets
  events,       // X events [MS]                   WSAEventSelect (at the first use; X becomes
                //                                 non-blocking) + WSAEnumNetworkEvents; POSIX: not_supported
  // Names.
  peername,     // X peername                      getpeername: ret 0, or the failure
  sockname,     // X sockname                      getsockname: ret 0, or the failure
};
inline constexpr int kOpKinds = static_cast<int>(OpKind::sockname) + 1;

// How a pending call is made. The numbering is the binary form's.
enum class Mechanism : std::uint8_t {
  thread,      // the blocking call on a worker thread of the runner
  overlapped,  // Winsock: WSARecv/WSASend/AcceptEx/ConnectEx with an OVERLAPPED, completed
               // through GetOverlappedResult; POSIX: not_supported
  iocp,        // Winsock: the same calls, completed through an I/O completion port
               // (GetQueuedCompletionStatus); POSIX: not_supported
  uring,       // Linux: IORING_OP_RECV/SEND/ACCEPT/CONNECT through liburing; elsewhere, or
               // where the kernel refuses io_uring: not_supported
};
inline constexpr int kMechanisms = 4;

// Pair and socket kinds. The numbering is the binary form's.
enum class Transport : std::uint8_t { tcp4, tcp6, unix_stream };
inline constexpr int kKinds = 3;

enum class WaitKind : std::uint8_t { readable, writable, hangup };

// The calls a `start` can begin (the numbering is the binary form's).
enum class PendingCall : std::uint8_t { recv, send, accept, connect };
inline constexpr int kPendingCalls = 4;

// One admissible outcome: success with any return value (`ok`), success with exactly
// `value` (`100`, `0`), failure with `errc` (`connection_reset`), failure with any error
// (`fails`: for facts where platforms differ only in the code), the set of events a
// notification reported (`{in,rdhup}`, `{}`, `{read,close:connection_reset}`: a success
// whose return value is the set), or `blocked`: the call had not returned when the
// runner's bound expired (neither a success nor a failure: the runner gave up waiting;
// a call the platform itself gave up on fails with its own error, such as timed_out).
struct Outcome {
  enum class Type : std::uint8_t { ok, value, failure, blocked, fails, events };
  Type type = Type::ok;
  std::int64_t value = 0;  // for Type::value
  Errc errc = Errc::ok;    // for Type::failure
  events::EventSet set{};  // for Type::events (`{}`: brace-initialised outcomes need not name it)
  bool succeeded() const { return type == Type::ok || type == Type::value || type == Type::events; }
  bool failed() const { return type == Type::failure || type == Type::fails; }
  friend bool operator==(const Outcome& a, const Outcome& b) {
    return a.type == b.type && (a.type != Type::value || a.value == b.value) &&
           (a.type != Type::failure || a.errc == b.errc) && (a.type != Type::events || a.set == b.set);
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
  // X is written `invalid`: the op is called on the invalid handle (-1, INVALID_SOCKET),
  // not on an endpoint. Ops on a handle that name no second endpoint allow it.
  bool invalid_handle = false;
  int other = 1;     // Y: pair's second end, connect's listener, accept's new socket, dup's copy;
                     // start: accept's new socket, connect's listener
  Transport socket_kind = Transport::tcp4;  // pair, socket
  bool reversed = false;          // pair: accept on the first end instead of the second
  bool on = false;                // linger, nonblocking
  WaitKind wait_kind = WaitKind::readable;
  int how = 0;                    // shutdown: 0 receive, 1 send, 2 both, anything else as is
  Mechanism mechanism = Mechanism::thread;  // start
  PendingCall call = PendingCall::recv;     // start
  int slot = 0;                   // start, collect, cancel: pending slot 0..3, written @1..@4
  bool edge = false;              // epoll: edge-triggered (else level)
  std::uint32_t count = 0;        // send/recv bytes (also start's), linger seconds, wait/collect/
                                  // poll/epoll/select/events milliseconds
  bool count_given = false;       // wait, collect, poll, epoll, select, events: whether MS was
                                  // written (else the runner's default)
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
std::string_view to_string(Mechanism mechanism);
std::string_view to_string(PendingCall call);
// "@1".."@4" for pending slots 0..3; "@?" outside the range.
std::string slot_name(int slot);

// Whether X may be written `invalid` (the invalid handle): the ops on one handle that
// name no second endpoint (send recv shutdown close linger nonblocking wait pending
// error listen poll epoll select events peername sockname).
bool allows_invalid_handle(OpKind kind);

// Structural equality (locations are ignored): what the round trips compare. Fields an
// op's kind does not use (a close's count) and the order of alternatives are ignored too.
bool same_op(const Op& a, const Op& b);
bool same_program(const Program& a, const Program& b);

}  // namespace closesem::ops
