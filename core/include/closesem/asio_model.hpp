// SPDX-License-Identifier: MIT
// The asio model: what asio's asynchronous operations (read, write, wait, accept,
// connect) may complete with when they are interleaved with close, shutdown, cancel,
// destroy, release and linger at both ends of a TCP pair, and with the io_context's
// run, stop and restart (the program: asio_program.hpp). The asio layer runs a program
// (asio_runner.hpp) and tells the model every event; the model judges:
//  - every handler runs exactly once (at the end everything is closed and the context
//    drained: a handler that never runs is a finding), never inside the call that
//    started it, never after stop() and before restart();
//  - its error is admissible: an operation started on a closed socket gets
//    bad_descriptor; one cancelled by close/destroy/release/cancel gets
//    operation_aborted (or the error this platform is known to give instead, the
//    BackendProfile), or a natural outcome if one was possible before; one never cancelled
//    never gets operation_aborted; end of stream or a reset only once something ended
//    or shut down;
//  - the bytes read are the bytes the peer wrote, in order (a position pattern);
//  - is_open() after each close, destroy, release, cancel, shutdown;
//  - no handler copy outlives the io_context.
// Data and a state machine only: no asio and no socket header, so that the checker is
// testable on hand-built histories (core/tests/asio_model_test.cpp).
#pragma once

#include "closesem/asio_program.hpp"
#include "closesem/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace closesem::asio_model {

// ---------------------------------------------------------------------------
// Model data: what a platform's backend gives a pending operation cancelled by
// close() or the destructor (cancel() gives operation_aborted everywhere measured).

struct BackendProfile {
  std::string name;
  std::vector<Errc> closed;  // besides operation_aborted
  // Wine 8.0: closing a socket may never complete the overlapped operations still
  // pending on it (conformance/expectations/wine-8-asio.json: always so behind a
  // WSASend waiting for buffer space; seen once in about 1000 random programs for a
  // zero-byte WSARecv (async_wait read) on a socket destroyed with unread data). Such a
  // handler is not a finding there. A lost WSASend also makes the io_context's
  // destructor wait for ever (seen: "a close, b write 1048576, b close" hung in about
  // half the runs), so writes are capped to complete at once; the conformance test
  // keeps the blocked-write case recorded.
  bool close_may_lose_handlers = false;
  std::uint32_t max_write = 1u << 20;
  // IOCP: after stop(), the second poll()/run_one() runs a handler that completed
  // behind the stop packet (regressions/iocp-second-poll-after-stop.asio).
  bool runs_handlers_after_stop = false;
};

// The measured profiles. Which one applies here: profile_for_this_platform()
// (asio_runner.hpp).
BackendProfile linux_profile();
BackendProfile windows_profile();
BackendProfile wine_profile();
// A profile by its name: linux, windows, wine, or the op model's profile of the same
// platform (winsock: windows, wine-8: wine). Empty when the name is none of these.
std::optional<BackendProfile> profile_named(const std::string& name);

// The bytes end `writer` (0: a, 1: b) sends at stream offset `offset`: the suite's one
// pattern (closesem/pattern.hpp), stream `writer`. At least 1 MiB readable from the pointer returned (a
// table, so that filling a 1 MiB write and checking a 64 KiB read stay cheap).
const char* pattern_at(int writer, std::uint64_t offset);

// ---------------------------------------------------------------------------
// The state of a run.

enum class OpKind { read, write, wait, accept, connect };

// One asynchronous operation; its id is its handler's (the order they were started).
struct PendingOp {
  OpKind kind = OpKind::read;
  int end = -1;               // a/b; -1 for accept and connect
  int wait_what = 0;
  std::size_t step = 0;       // the step that started it
  std::string text;           // "step 3 `a read 16`"
  bool started_closed = false;
  bool cancelled = false;     // by cancel(), or release()'s cancel
  bool closed = false;        // by close(), destroy() or release()
  bool natural_possible = false;  // at the cancel: could it have completed already?
  std::uint64_t offset = 0;   // read: the reader's stream offset; write: the writer's
  std::uint64_t read_at_start = 0;  // what its end had read when it started
  std::size_t size = 0;
  bool processed = false;
};

struct EndState {
  bool open = true;
  bool shut_rd = false, shut_wr = false;
  bool ended = false;        // closed, destroyed, released: the peer sees FIN or RST
  bool linger_zero = false;
  std::uint64_t written = 0;  // bytes completed writes reported
  std::uint64_t write_started = 0;  // bytes of every write started (at most what was sent)
  std::uint64_t read = 0;     // bytes this end read
  // This end may have sent the peer a reset: it ended or shut down receiving while
  // bytes may have been unread, or close() with linger {1,0} (the destructor turns a
  // user's linger off, A9).
  bool reset_sent = false;
  bool wrote_after_peer_end = false;     // data the peer's stack answers with a reset
  bool wrote_after_peer_shut_rd = false;
  int read_op = -1, write_op = -1;  // the one pending of each
  std::vector<int> waits;
};

// How a handler ran, in the model's vocabulary (the asio layer makes it from asio's
// error_code: success and eof are Errc::ok, eof with 0 bytes).
struct Completion {
  int runs = 0;                 // how often the handler ran
  Errc errc = Errc::ok;
  std::size_t bytes = 0;
  std::string described;        // "success", "eof", "operation_aborted: ECANCELED(125) ..."
  const char* data = nullptr;   // a read's buffer (at least `bytes` of it)
};

// A finding: its signature ("not-aborted/read", "leak", ...; nightly and promote group
// findings by it) and what happened.
struct Finding {
  std::string signature;
  std::string what;
};

// The model of one run. The runner tells it each event in the order it happens (the
// step first, then the asio call, except where a method says otherwise) and passes on
// the findings it returns; the ids of start_* are the handlers' ids.
class Model {
 public:
  explicit Model(BackendProfile chosen) : profile_(std::move(chosen)) {}

  const BackendProfile& profile() const { return profile_; }
  // The step (0-based) events belong to from now on.
  void at_step(std::size_t step) { step_ = step; }
  std::size_t step() const { return step_; }

  // Operations. Each returns the new operation's id, or -1 when the program's step is
  // not started (one pending read and one pending write per end, 3 waits, one accept,
  // 4 connects). `text` is the step's line.
  int start_read(int end, std::uint32_t size, const std::string& text);
  int start_write(int end, std::uint32_t size, const std::string& text);  // size capped at max_write
  int start_wait(int end, int what, const std::string& text);
  int start_accept(const std::string& text);
  int start_connect(const std::string& text);

  // Events at an end, each before the call that makes it happen.
  void close(int end, bool destroy);        // close() or the destructor
  void release_cancel(int end);             // release() cancels first...
  void released(int end);                   // ...and succeeded: the handle was closed
  void cancel(int end);
  void shutdown(int end, int what);         // succeeded; what as in asio_program::Step
  void linger(int end, bool on_zero);       // succeeded
  void listener_close_or_cancel(bool by_close);
  // The end of the run: everything is closed (each before its close).
  void finish_end(int end);                 // linger {1,0} and close
  void finish_listener();
  void finish_connects();

  // Checks. Each gives the finding, if any.
  // is_open() returned `open` after `after` at `end`.
  std::optional<Finding> check_open(int end, bool open, const std::string& after) const;
  // Handler `id` ran (first seen now): judged, and its end's pending slot freed.
  std::optional<Finding> completed(int id, const Completion& completion);
  // The tracking's problems ("... ran 2 times", "... inside ...", "... after
  // io_context::stop() ..."): the first this profile does not admit.
  std::optional<Finding> problems(const std::vector<std::string>& seen) const;
  // After the final drain: `runs` per handler. `lost` tells whether a handler this
  // profile may lose at close never ran (then leaked copies are no finding).
  std::optional<Finding> all_ran(const std::vector<int>& runs, bool drained, bool& lost) const;
  // Handler copies alive after the io_context was destroyed.
  std::optional<Finding> leaked(long live, bool lost) const;

  // The program and every handler with how it ran (findings and verbose output).
  std::string report(const asio_program::Program& program, const std::vector<Completion>& completions) const;

  const std::vector<PendingOp>& ops() const { return ops_; }
  const PendingOp& at(int id) const { return ops_[static_cast<std::size_t>(id)]; }
  const EndState& end_state(int e) const { return ends_[e]; }

 private:
  int start(OpKind kind, int end, const std::string& text);
  PendingOp& mutable_at(int id) { return ops_[static_cast<std::size_t>(id)]; }
  void abort_pending(int end, bool by_close);
  bool natural_possible(const PendingOp& op) const;
  std::optional<Finding> judge(const PendingOp& op, const Completion& c);

  BackendProfile profile_;
  std::vector<PendingOp> ops_;  // by handler id
  EndState ends_[2];
  std::size_t step_ = 0;
  bool listener_closed_ = false;
  int accept_op_ = -1;
  int connects_ = 0;
};

}  // namespace closesem::asio_model
