// SPDX-License-Identifier: MIT
// closesem_tool: subcommands the ./closesem front end hands over to C++.
#include "ops_run.hpp"
#include "ops_tool.hpp"
#include "report_diff.hpp"
#include "report_matrix.hpp"
#include "nightly_summary.hpp"

#include <closesem/platform.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  // Usage lines name the command people type, the front end (which passes its name in
  // CLOSESEM_PROG_NAME), not this binary's path in a build folder: the subcommands are
  // the front end's, argument for argument.
  const char* prog_name = std::getenv("CLOSESEM_PROG_NAME");
  CLI::App app{"closesem_tool: report and op-script tools of the closesem suite (run through ./closesem)",
               prog_name != nullptr && *prog_name != '\0' ? prog_name : "./closesem"};
  // Absolute Unix paths (/work/...) are file names, also in the Windows build.
  app.allow_windows_style_options(false);
  app.require_subcommand(1);

  auto* report = app.add_subcommand("report", "Read and compare behaviour reports");
  report->require_subcommand(1);
  closesem::tool::DiffOptions diff;
  auto* diff_cmd = report->add_subcommand(
      "diff", "Print, scenario by scenario, where two behaviour reports differ, with the outcome on each "
              "side. Exit status: 0 no difference, 1 differences, 2 bad input.");
  diff_cmd->add_option("left", diff.left, "First report (JSON)")->required()->check(CLI::ExistingFile);
  diff_cmd->add_option("right", diff.right, "Second report (JSON)")->required()->check(CLI::ExistingFile);
  diff_cmd->add_option("--area", diff.area, "Only tests of this area (close, shutdown, linger, ...)");
  diff_cmd->add_flag("--all", diff.all, "Also print the operations on which both agree");
  closesem::tool::MatrixOptions matrix;
  auto* matrix_cmd = report->add_subcommand(
      "matrix", "A table of several behaviour reports side by side: one row per asserted operation, one column "
                "per platform, the outcome with its native error; rows that differ first. Markdown on standard "
                "output (or --markdown FILE), and a self-contained HTML page with --html FILE. Exit status: 0, or 2 "
                "on bad input.");
  matrix_cmd->add_option("reports", matrix.reports, "Reports (JSON), one column each")
      ->required()
      ->check(CLI::ExistingFile);
  matrix_cmd->add_option("--area", matrix.area, "Only tests of this area (close, shutdown, asio, ...)");
  matrix_cmd->add_option("--markdown", matrix.markdown, "Write the markdown table to FILE");
  matrix_cmd->add_option("--html", matrix.html, "Also write the HTML page to FILE");

  // ops: scripts in the op language (.ops text and the binary form of fuzz inputs).
  // Exit status of each: 0 good, 2 bad input (with file:line:column for scripts).
  auto* ops = app.add_subcommand("ops", "Check and convert op scripts (.ops text, binary fuzz inputs)");
  ops->require_subcommand(1);
  std::vector<std::string> check_files;
  auto* check_cmd = ops->add_subcommand(
      "check", "Parse .ops scripts; print 'FILE: N ops' for each, or the first error as "
               "FILE:LINE:COLUMN. Exit status: 0 all good, 2 any error.");
  check_cmd->add_option("files", check_files, "Scripts (.ops), or folders: every *.ops in them, sorted")
      ->required();
  std::string encode_input;
  std::string encode_output;
  auto* encode_cmd = ops->add_subcommand("encode", "Write a script's binary form (fuzz input)");
  encode_cmd->add_option("script", encode_input, "Script (.ops)")->required();
  encode_cmd->add_option("-o,--output", encode_output, "Binary file to write (.bin)")->required();
  std::string decode_input;
  std::string decode_output;
  auto* decode_cmd = ops->add_subcommand(
      "decode", "Print a binary input (any bytes decode) as canonical .ops text");
  decode_cmd->add_option("input", decode_input, "Binary file (.bin)")->required();
  decode_cmd->add_option("-o,--output", decode_output, "Script to write (default: standard output)");
  closesem::tool::OpsRunOptions run;
  auto* run_cmd = ops->add_subcommand(
      "run", "Run .ops scripts on this platform's sockets; print each op with its observed and predicted "
             "outcome as it completes. Every script is run (or refused) and reported; the exit status is the "
             "worst: 0 all held, 1 a divergence from the model or a failed ->, 2 a script error (as "
             "FILE:LINE:COLUMN), a missing file, a folder without scripts or a failed write.");
  run_cmd->add_option("files", run.files, "Scripts (.ops), or folders: every *.ops in them, sorted")->required();
  run_cmd->add_option("--profile", run.profile, "Model profile: winsock, linux, wine-8 (default: this platform's)");
  run_cmd
      ->add_option("--replay-dir", run.replay_dir,
                   "Write each run as observed to DIR/<name>.replay.ops (replacing an older one; a second script "
                   "of the same name in this run gets <name>.2.replay.ops)")
      ->check(CLI::ExistingDirectory);
  run_cmd
      ->add_option("--max-block", run.max_block_seconds,
                   "Refuse, before running anything, a script with a wait longer than SECONDS or a linger time "
                   "above it (a close may block that long)")
      ->check(CLI::Range(1, 86400))
      ->option_text("SECONDS (default 30)");

  // nightly: the C++ half of tools/nightly.sh.
  auto* nightly = app.add_subcommand("nightly", "Parts of the nightly job (run through ./closesem nightly)");
  nightly->require_subcommand(1);
  closesem::tool::NightlySummaryOptions summary;
  auto* summary_cmd = nightly->add_subcommand(
      "summary", "Turn the facts the nightly job gathered into stats.json and summary.md in DIR. Exit status: 0 "
                 "no new finding and conformance passed, 1 a new finding or a conformance failure, 2 bad input.");
  summary_cmd->add_option("--facts", summary.facts, "The facts file")->required()->check(CLI::ExistingFile);
  summary_cmd->add_option("--dir", summary.dir, "The report folder")->required()->check(CLI::ExistingDirectory);
  summary_cmd->add_option("--history", summary.history, "The folder of earlier reports (<date>/stats.json)");
  summary_cmd->add_option("--corpora", summary.corpora, "corpora/ (regressions name their signatures)");

  auto* platform_cmd = app.add_subcommand("platform", "Print this platform's id (linux-6.1.0, wine-8.0 (...), ...)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  if (*platform_cmd) {
    std::cout << closesem::platform::platform_id() << "\n";
    return 0;
  }
  if (*summary_cmd) return closesem::tool::nightly_summary(summary, std::cout, std::cerr);
  if (*diff_cmd) return closesem::tool::report_diff(diff, std::cout, std::cerr);
  if (*matrix_cmd) return closesem::tool::report_matrix(matrix, std::cout, std::cerr);
  if (*check_cmd) return closesem::tool::ops_check(check_files, std::cout, std::cerr);
  if (*encode_cmd) return closesem::tool::ops_encode(encode_input, encode_output, std::cerr);
  if (*decode_cmd) return closesem::tool::ops_decode(decode_input, decode_output, std::cout, std::cerr);
  if (*run_cmd) return closesem::tool::ops_run(run, std::cout, std::cerr);
  return 2;
}
