// SPDX-License-Identifier: MIT
// closesem_asio_tool: `./closesem asio run|export`, asio programs (.asio) run with the asio
// runner and model, or exported as one standalone C++ file (tools/asio_run.cpp,
// tools/asio_export.cpp). A binary of its own: asio's headers start Winsock in a static
// initialiser (asio/detail/winsock_init.hpp), which in closesem_tool would hold a
// WSAStartup of its own, so that an op script's WSACleanup were never the last one.
#include "asio_export.hpp"
#include "asio_run.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  // Usage lines name the command people type (the front end passes its name in
  // CLOSESEM_PROG_NAME), as closesem_tool's do.
  const char* prog_name = std::getenv("CLOSESEM_PROG_NAME");
  CLI::App app{"closesem_asio_tool: asio programs of the closesem suite (run through ./closesem asio)",
               prog_name != nullptr && *prog_name != '\0' ? prog_name : "./closesem"};
  app.allow_windows_style_options(false);
  app.require_subcommand(1);

  // asio: asio programs (.asio, closesem/asio_program.hpp) run with the asio model, or
  // exported as standalone C++ (tools/asio_run.cpp, tools/asio_export.cpp).
  auto* asio_cmd = app.add_subcommand("asio", "Run asio programs (.asio) with the asio model, or export one as C++");
  asio_cmd->require_subcommand(1);
  closesem::tool::AsioRunOptions asio_run_options;
  auto* asio_run_cmd = asio_cmd->add_subcommand(
      "run", "Run .asio programs on this platform's asio with the asio runner and model (as fuzz_asio_close does); "
             "print each program's handlers and verdict. Exit status, the worst: 0 every handler admissible, 1 a "
             "finding, 2 bad input (FILE:LINE:COLUMN) or no loopback pair here.");
  asio_run_cmd->add_option("files", asio_run_options.files, "Programs (.asio)")->required();
  asio_run_cmd->add_option("--profile", asio_run_options.profile, "Model profile (default: this platform's)")
      ->check(CLI::IsMember({"linux", "windows", "wine"}));
  closesem::tool::AsioExportOptions asio_export_options;
  auto* asio_export_cmd = asio_cmd->add_subcommand(
      "export", "Write an .asio program as one C++ file that needs only asio's headers: it runs the steps as the "
                "asio runner does, prints each outcome with what the model admits, and exits 0 (admissible), 1 (a "
                "deviation, named) or 2 (cannot run here). Exit status: 0, or 2 on bad input or a failed write.");
  asio_export_cmd->add_option("file", asio_export_options.input, "Program (.asio)")->required();
  asio_export_cmd->add_flag("--cpp", asio_export_options.cpp, "Write C++ (the one form so far; required)");
  asio_export_cmd->add_option("-o,--output", asio_export_options.output, "C++ file to write (default: standard output)");
  asio_export_cmd
      ->add_option("--profile", asio_export_options.profile,
                   "Model profile the file checks by default (default: the platform it is built for; the program "
                   "also takes --profile)")
      ->check(CLI::IsMember({"linux", "windows", "wine"}));
  asio_export_cmd->add_flag("--documented", asio_export_options.documented,
                            "Check the documented behaviour by default: the recorded deviations "
                            "(asio-iocp-poll-after-stop-runs-handler, asio-epoll-read-after-eof-stays-pending) "
                            "are not admitted (the program also takes --documented)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  if (*asio_run_cmd) return closesem::tool::asio_run(asio_run_options, std::cout, std::cerr);
  if (*asio_export_cmd) return closesem::tool::asio_export(asio_export_options, std::cout, std::cerr);
  return 2;
}
