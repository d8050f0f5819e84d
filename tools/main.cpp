// SPDX-License-Identifier: MIT
// closesem_tool: subcommands the ./closesem front end hands over to C++.
#include "report_diff.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"closesem_tool: report tools of the closesem suite (run through ./closesem)"};
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  if (*diff_cmd) return closesem::tool::report_diff(diff, std::cout, std::cerr);
  return 2;
}
