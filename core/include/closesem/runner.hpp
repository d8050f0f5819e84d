// SPDX-License-Identifier: MIT
// The runner: executes an op program on the real socket implementation, asks the model
// what each op may return, settles after each op (a bounded wait for the consequence
// the model expects at the other end: data, FIN, RST), and records a trace. The trace
// prints as .ops with the observed outcome of every op, so any run can be replayed.
#pragma once

#include "closesem/model.hpp"
#include "closesem/ops.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace closesem::runner {

struct Step {
  ops::Op op;
  ops::Outcome observed;
  std::int64_t ret = 0;         // the call's return value
  int native = 0;               // its native error code (0 when it succeeded)
  std::string native_name;      // "ECONNRESET(104)", "WSAECONNRESET(10054)", "unset"
  model::Prediction predicted;
  bool called = true;           // false: not called (a closed handle's value was reused, D3)
  bool expectation_held = true;  // the script's `->`, if any
  bool prediction_held = true;   // the model's admissible set, if it had one
  std::string note;              // settle problems, reuse, script errors
};

struct Trace {
  std::string platform;  // platform::platform_id()
  std::string profile;
  std::vector<Step> steps;
  std::string script_error;  // a semantic error that stopped the run (file:line:column: ...)
  std::string skipped;       // why the run stopped early without a verdict (a transport this host lacks)
  int dropped = 0;           // ops left out as script errors (Options::skip_invalid)

  int divergences() const;          // steps where the model's prediction did not hold
  int failed_expectations() const;  // steps where the script's `->` did not hold
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
  // How long a blocking recv or accept that the model expects to block may block
  // before it gives up (timed_out on Winsock, would_block on POSIX).
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
