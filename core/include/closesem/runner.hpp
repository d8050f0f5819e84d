// SPDX-License-Identifier: MIT
// The runner: executes an op program on the real socket implementation, asks the model
// what each op may return, settles after each op (a bounded wait for the consequence
// the model expects at the other end: data, FIN, RST), checks every received byte
// against the payload pattern, and records a trace. The trace prints as .ops with the
// observed outcome of every op, so any run can be replayed. The runner asks the model
// what to expect, never the model's profile: a call it gives up on is `blocked`.
//
// Pending calls (issue 17): `start` begins a platform::AsyncCall (a worker thread, while
// which the socket's own receive and send timeouts are long, so that only a cause of the
// script, a cancel or the reaping ends it; overlapped, iocp, io_uring); `collect` waits
// for its completion, bounded (MS, else Options::blocked where the model expects none,
// else the patience); a settle "slot P completes" waits for the completion the model
// expects after the op that causes it. After every step, a call the model still calls
// pending must not have completed (nor any call twice): else the step diverges, with a
// note naming the slot and its start. Notifications keep one platform::Notifier per
// socket and kind across ops. At the end of an input every call still pending is reaped
// (bounded; Trace::reaped), a call that does not end is left to the process and
// reported (Trace::leaked), then every notifier and handle is closed. A mechanism the
// profile has but this host refuses (io_uring) stops the script like a missing transport.
#pragma once

#include "closesem/model.hpp"
#include "closesem/ops.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace closesem::runner {

// The payload of a run: every send writes the pattern (closesem/pattern.hpp) from its
// socket's send offset, and every byte a recv returns is checked against the pattern at
// its socket's receive offset. Offsets belong to a socket, not to an endpoint name: a
// dup shares its socket's, and an endpoint that gets a new socket starts again at 0.
// (A socket's receive stream is its peer's send stream: both start at 0 when the
// connection is made, so checking the received bytes needs only the receiver's offset.)
class Streams {
 public:
  // A new socket: its id, both offsets 0.
  int open();
  std::uint64_t send_offset(int id) const;
  std::uint64_t receive_offset(int id) const;
  // The pattern bytes a send of `size` on socket `id` writes (from its send offset).
  std::vector<std::uint8_t> to_send(int id, std::size_t size) const;
  // The same bytes, not copied. Up to ops::kMaxCount bytes they lie in one table made
  // once and never freed or moved (a pending send's call may use them in place, for as
  // long as it runs); past that, valid until the next call on this thread.
  const std::uint8_t* bytes_to_send(int id, std::size_t size) const;
  // `bytes` of them were handed over: the send offset moves on.
  void sent(int id, std::uint64_t bytes);
  // A send that moved the offset on for `bytes` it did not hand over after all (a pending
  // send reserves its whole count when it starts; it may fail, or complete short), with
  // nothing sent on the socket since: the offset moves back.
  void take_back(int id, std::uint64_t bytes);
  // Checks `size` bytes received on socket `id` and moves its receive offset on. Returns
  // "" when they follow the pattern, else what is wrong with the first byte that does not
  // (its stream offset, the byte expected and the byte received). A stream found off
  // the pattern once is not checked again (every later byte would be off too).
  std::string received(int id, const std::uint8_t* data, std::size_t size);

 private:
  struct Stream {
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    bool off = false;
  };
  const Stream* find(int id) const;
  std::vector<Stream> streams_;
};

struct Step {
  ops::Op op;
  ops::Outcome observed;
  std::int64_t ret = 0;         // the call's return value
  int native = 0;               // its native error code (0 when it succeeded)
  std::string native_name;      // "ECONNRESET(104)", "WSAECONNRESET(10054)", "unset"
  model::Prediction predicted;
  std::uint32_t semantic_state = 0;  // the model's abstract state the op acted on (closesem/semantic.hpp)
  bool called = true;           // false: not called (a closed handle's value was reused, D3)
  bool expectation_held = true;  // the script's `->`, if any
  bool prediction_held = true;   // the model's admissible set, if it had one
  bool payload_held = true;      // recv: every byte followed the pattern (else the note says where)
  std::string note;              // settle problems, reuse, a call given up (blocked), payload
};

struct Trace {
  std::string platform;  // platform::platform_id()
  std::string profile;
  std::vector<Step> steps;
  std::string script_error;  // a semantic error that stopped the run (file:line:column: ...)
  std::string skipped;       // why the run stopped early without a verdict (a transport this host lacks)
  int dropped = 0;           // ops left out as script errors (Options::skip_invalid)
  // Pending calls that did not end when the runner reaped them at the end of the input
  // (cancelled, then waited for within the patience): each left to the process, named
  // by its slot and start op. report() prints them; a leak is a finding.
  std::vector<std::string> leaked;
  // The same, for calls the model held might never end under a profile's known deviation
  // (model::Model::PendingSlot::never_ends): "... left to the process (known deviation
  // <id>: <reason>)". report() prints them; not a finding.
  std::vector<std::string> leaked_known;
  // Pending calls still pending at the end of the input, reaped by the runner (cancelled
  // and waited for): "@1: `a start thread recv 9 @1` reaped at the end: interrupted".
  std::vector<std::string> reaped;

  int divergences() const;          // steps where the model's prediction did not hold
  int failed_expectations() const;  // steps where the script's `->` did not hold
  int payload_failures() const;     // steps whose received bytes were off the pattern
  int unpredicted() const;          // steps the model could not predict
  // The program as run, each op with `-> observed` (replayable .ops).
  std::string replay() const;
  // One line per op: the op, observed, predicted, and marks for what did not hold.
  std::string report() const;
  // report()'s lines for one step.
  std::string report(const Step& step) const;
};

struct Options {
  // The longest any settle, wait op without MS, blocking recv or accept may take.
  std::chrono::milliseconds patience{2000};
  // How long a wait that the model expects to time out lasts (no MS given).
  std::chrono::milliseconds quiet{200};
  // How long a call the model expects to block (a recv with nothing to read, an accept
  // with nothing queued: `blocked`) is waited for before the runner gives up on it; the
  // step's outcome is then `blocked`. 0: only what is there already. A call the model
  // expects to wait for its own timeout (timed_out) gets this as that timeout.
  std::chrono::milliseconds blocked{200};
  // Fuzzing: an op the model calls a script error (an endpoint never made, a pair over
  // a live endpoint) is left out of the trace instead of stopping the run, so that
  // every byte string is a program.
  bool skip_invalid = false;
  // Fuzzing: sockets still open at the end are closed abortively (linger {1, 0}), so
  // that they leave no TIME_WAIT behind. Nothing is checked after the last op.
  bool abortive_end = false;
  // Called with each step as soon as it is done (`ops run` prints it then, so that a
  // script that takes long shows where it is).
  std::function<void(const Trace&, const Step&)> on_step;
};

Trace run(const ops::Program& program, const model::Profile& profile, const std::string& file = "",
          const Options& options = {});

}  // namespace closesem::runner
