// SPDX-License-Identifier: MIT
// `closesem asio run` (asio_run.hpp): the asio runner and model on one program at a
// time, outside the fuzz target, with a verdict per program.
#include "asio_run.hpp"

#include "asio_export.hpp"

#include "closesem/asio_runner.hpp"

#include <algorithm>
#include <ostream>

namespace closesem::tool {

int asio_run(const AsioRunOptions& options, std::ostream& out, std::ostream& err) {
  if (options.files.empty()) {
    err << "asio run: no program given\n";
    return 2;
  }
  asio_model::BackendProfile profile = asio_model::profile_for_this_platform();
  if (!options.profile.empty()) {
    const auto named = asio_model::profile_named(options.profile);
    if (!named) {
      err << "asio run: --profile " << options.profile
          << ": expected linux, windows or wine (or the op model's winsock, wine-8)\n";
      return 2;
    }
    profile = *named;
  }
  int worst = 0;
  for (const auto& file : options.files) {
    std::string text;
    asio_program::Program program;
    if (!load_asio_program(file, text, program, err)) {
      worst = 2;
      continue;
    }
    out << file << " (" << profile.name << " model)\n";
    out.flush();
    asio_model::RunOptions run_options;
    std::string found;
    run_options.on_finding = [&found](const asio_model::Finding& finding, const std::string& report) {
      found = "finding " + finding.signature + ": " + finding.what + "\n" + report;
    };
    const auto result = asio_model::run(program, profile, run_options);
    int status = 0;
    if (!result.skipped.empty()) {
      out << file << ": cannot run here: " << result.skipped << "\n";
      status = 2;
    } else if (result.found) {
      out << found << file << ": a finding (exit 1)\n";
      status = 1;
    } else {
      out << result.report << file << ": every handler admissible\n";
    }
    out.flush();
    worst = std::max(worst, status);
  }
  return worst;
}

}  // namespace closesem::tool
