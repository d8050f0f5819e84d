// SPDX-License-Identifier: MIT
// closesem_tool: subcommands the ./closesem front end hands over to C++.
#include "closesem/fuzz_inputs.hpp"
#include "ops_export.hpp"
#include "ops_run.hpp"
#include "ops_tool.hpp"
#include "report_diff.hpp"
#include "report_matrix.hpp"
#include "suite_run.hpp"
#include "nightly.hpp"
#include "fuzzing/coverage.hpp"
#include "fuzzing/commands.hpp"

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
  // The fuzz targets' input formats, each with its file suffix (closesem/fuzz_inputs.hpp).
  std::vector<std::string> format_names;
  std::string format_list;
  for (const auto& format : closesem::ops::input_formats()) {
    format_names.emplace_back(format.name);
    format_list += std::string(format_list.empty() ? "" : ", ") + format.name + " (" + format.suffix + ", " +
                   format.target + ")";
  }
  std::string encode_input;
  std::string encode_output;
  std::string encode_format;
  auto* encode_cmd = ops->add_subcommand(
      "encode", "Write a script as a fuzz target's input: " + format_list +
                    ". Expected outcomes (->) are left out: the targets let the model decide. A script no "
                    "input of the format makes is an error (exit 2).");
  encode_cmd->add_option("script", encode_input, "Script (.ops), or a folder: every *.ops in it")->required();
  encode_cmd->add_option("-o,--output", encode_output,
                         "Input file to write (a folder for a folder of scripts: OUTPUT/NAME.SUFFIX)")
      ->required();
  encode_cmd->add_option("--format", encode_format, "Input format (default: the output's suffix, else op-records)")
      ->check(CLI::IsMember(format_names));
  std::string decode_input;
  std::string decode_output;
  std::string decode_format;
  auto* decode_cmd = ops->add_subcommand(
      "decode", "Print a fuzz input (any bytes decode) as the canonical .ops text of the program it makes: " +
                    format_list);
  decode_cmd->add_option("input", decode_input, "Input file (.rec, .linger, .handles, or any bytes)")->required();
  decode_cmd->add_option("-o,--output", decode_output, "Script to write (default: standard output)");
  decode_cmd->add_option("--format", decode_format, "Input format (default: the input's suffix, else op-records)")
      ->check(CLI::IsMember(format_names));
  closesem::tool::OpsRunOptions run;
  auto* run_cmd = ops->add_subcommand(
      "run", "Run .ops scripts on this platform's sockets; print each op with its observed and predicted "
             "outcome as it completes. Every script is run (or refused) and reported; the exit status is the "
             "worst: 0 all held, 1 a divergence from the model, a failed -> or received bytes off the pattern, 2 a "
             "script error (as FILE:LINE:COLUMN), a missing file, a folder without scripts or a failed write.");
  run_cmd->add_option("files", run.files, "Scripts (.ops), or folders: every *.ops in them, sorted")->required();
  run_cmd->add_option("--profile", run.profile, "Model profile: winsock, linux, wine-8 (default: this platform's)");
  run_cmd->add_flag("--skip-invalid", run.skip_invalid,
                    "Leave out an op that is a script error (an endpoint never made, a call on a closed one), as "
                    "the fuzz targets do, instead of stopping the script there (a fuzz finding's .ops keeps them)");
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

  closesem::tool::OpsExportOptions export_options;
  bool export_c = false;
  auto* export_cmd = ops->add_subcommand(
      "export",
      "Write a script as one self-contained C program (no closesem code) that builds with cc on POSIX and with "
      "mingw-w64 for Windows, runs the script's ops with the runner's bounded waits, prints each op's observed and "
      "expected outcome (native error names) and exits 0 when all held, 1 at the first deviation, 2 when the "
      "platform cannot run it. Expected outcomes: the script's -> and the model of the platform it is built for "
      "(linux on POSIX, winsock on Windows; --profile picks one). Exit status: 0 written, 2 a script error "
      "(FILE:LINE:COLUMN), an unknown profile or a failed write.");
  export_cmd->add_flag("--c", export_c, "Write C (the only format; required)")->required();
  export_cmd->add_option("script", export_options.input, "The script (.ops)")->required();
  export_cmd->add_option("-o,--output", export_options.output, "The C file to write (default: standard output)");
  export_cmd->add_option("--profile", export_options.profile,
                         "One model profile for the expectations: linux, winsock, wine-8 (default: linux on POSIX "
                         "and winsock on Windows, chosen in the file with #if defined(_WIN32))");
  export_cmd->add_flag("--skip-invalid", export_options.skip_invalid,
                       "Leave out the ops the model calls script errors (an endpoint never made, ...), as the fuzz "
                       "targets do with their inputs (a finding's .ops); by default such a script is refused");


#ifndef _WIN32
  // nightly, selftest: the nightly job and the proof that the suite finds bugs
  // (tools/nightly.cpp, tools/selftest.cpp; POSIX only). Each reads its own arguments,
  // everything after its name as it is (their usage texts are the front end's).
  auto* nightly_cmd = app.add_subcommand(
      "nightly", "The nightly job: every fuzz target at once, findings kept, the conformance suite, a report "
                 "(./closesem nightly --help); 'nightly summary' makes the report from a night record");
  auto* selftest_cmd = app.add_subcommand(
      "selftest", "Prove the suite catches the faults of the closesem_faults shim (./closesem selftest --help)");
  for (auto* command : {nightly_cmd, selftest_cmd}) {
    command->prefix_command();
    command->set_help_flag();
  }
  // run: the conformance suites, natively and under Wine, one behaviour report each
  // (tools/suite_run.cpp), once the front end has built both.
  closesem::tool::SuiteRunOptions suite;
  auto* suite_cmd = app.add_subcommand(
      "run", "Run the conformance suites (the socket API, then asio on it) of a native build and, through "
             "wine-run, of the Windows build; keep one behaviour report (JSON) per platform in REPORTS. A run that "
             "fails never replaces a report: its own goes beside it as <name>.failed.json. Exit status: 0 all "
             "passed, 1 a suite failed or wrote no report, 2 bad options.");
  suite_cmd->add_option("--native-build", suite.native_build, "Native build folder (its conformance/ binaries)")
      ->required()
      ->check(CLI::ExistingDirectory);
  suite_cmd->add_option("--wine-build", suite.wine_build, "The mingw build folder (none: no Wine)")
      ->check(CLI::ExistingDirectory);
  suite_cmd->add_option("--reports", suite.reports, "Where the reports go")->required();
  suite_cmd->add_option("--logs", suite.logs, "Where each suite's output goes (run-<label>.log)")->required();
#endif

  // fuzz, promote, bench: fuzz targets from the manifest (tools/fuzzing/commands.cpp).
  closesem::tool::FuzzCommands fuzz_commands;
  fuzz_commands.add(app);

  // coverage: semantic coverage of the fuzz targets (tools/fuzzing/coverage.cpp, issue 21).
  closesem::tool::CoverageOptions coverage;
  auto* coverage_cmd = app.add_subcommand(
      "coverage", "Semantic coverage: the model transitions (state, op, outcome) the fuzz targets reached");
  coverage_cmd->require_subcommand(1);
  auto* reachable_cmd = coverage_cmd->add_subcommand(
      "reachable", "The transitions the model says programs of fuzz_close_sequences' ops can go through: "
                   "every program up to --depth ops, each admissible outcome followed, deduplicated by "
                   "the abstract state of every endpoint and slot");
  auto* coverage_report_cmd = coverage_cmd->add_subcommand(
      "report", "Read the files the fuzz targets wrote (CLOSESEM_SEMANTIC_COVERAGE=PATH) and say per target "
                "the transitions reached, the reachable ones, the share, the growth and what was not reached. "
                "Exit status 0, or 2 for a missing or malformed file or none at all");
  for (auto* command : {reachable_cmd, coverage_report_cmd}) {
    command->add_option("--profile", coverage.profile,
                        "Model profile (default: the files' own, or this platform's)");
    command->add_option("--depth", coverage.depth, "Longest program of the model's search (default 5)")
        ->check(CLI::Range(1, 12));
    command->add_option("--max-states", coverage.max_states, "Most abstract states the search visits (default 300000)")
        ->check(CLI::Range(1, 50000000));
    command->add_option("--json", coverage.json, "Also write the result as JSON to FILE");
  }
  coverage_report_cmd->add_option("files", coverage.files, "Coverage files, or folders of them")->required();
  coverage_report_cmd->add_option("--unreached", coverage.unreached, "How many unreached transitions to list (default 30)")
      ->check(CLI::Range(0, 1000000));

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
  if (const auto status = fuzz_commands.run(std::cout, std::cerr)) return *status;
  if (*reachable_cmd) return closesem::tool::coverage_reachable(coverage, std::cout, std::cerr);
  if (*coverage_report_cmd) return closesem::tool::coverage_report(coverage, std::cout, std::cerr);
#ifndef _WIN32
  if (*nightly_cmd) return closesem::tool::nightly_command(nightly_cmd->remaining(), std::cout, std::cerr);
  if (*selftest_cmd) return closesem::tool::selftest_command(selftest_cmd->remaining(), std::cout, std::cerr);
  if (*suite_cmd) return closesem::tool::suite_run(suite, std::cout, std::cerr);
#endif
  if (*diff_cmd) return closesem::tool::report_diff(diff, std::cout, std::cerr);
  if (*matrix_cmd) return closesem::tool::report_matrix(matrix, std::cout, std::cerr);
  if (*check_cmd) return closesem::tool::ops_check(check_files, std::cout, std::cerr);
  if (*encode_cmd) return closesem::tool::ops_encode(encode_input, encode_output, encode_format, std::cerr);
  if (*decode_cmd)
    return closesem::tool::ops_decode(decode_input, decode_output, decode_format, std::cout, std::cerr);
  if (*run_cmd) return closesem::tool::ops_run(run, std::cout, std::cerr);
  if (*export_cmd) return closesem::tool::ops_export(export_options, std::cout, std::cerr);
  return 2;
}
