// SPDX-License-Identifier: MIT
// The asio runner: runs an asio program (asio_program.hpp) on a real asio TCP pair, its
// listener and its io_context (the asio layer, asio_support.hpp), tells the asio model
// (asio_model.hpp) every event and handler, and reports the first finding. The context
// is run by the program itself (threads 0: every interleaving reproducible) or by two
// threads (threads 2: each end on its own strand). No asio header here: the runner's
// callers need none.
#pragma once

#include "closesem/asio_model.hpp"
#include "closesem/asio_program.hpp"

#include <functional>
#include <string>

namespace closesem::asio_model {

// The profile of the platform this process runs on (the one place that looks at the
// platform's identity for the asio model).
const BackendProfile& profile_for_this_platform();

struct RunOptions {
  // Called at once with the first finding (nothing after it is checked) and the
  // report of the run so far (Model::report). May end the process: the run is then
  // left as it is, which is what a fuzzer wants when a handler is stuck.
  std::function<void(const Finding&, const std::string& report)> on_finding;
};

struct RunResult {
  std::string skipped;  // why no pair was made ("" when the program ran)
  bool found = false;   // a finding was reported
  std::string report;   // Model::report at the end (the program and every handler)
};

RunResult run(const asio_program::Program& program, const BackendProfile& profile, const RunOptions& options);

}  // namespace closesem::asio_model
