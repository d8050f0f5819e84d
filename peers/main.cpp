// SPDX-License-Identifier: MIT
// closesem_peer: the reference peer, an asio program independent of the suite's own
// socket layer, at the other end of a connection (contract: README.md).
#include "lines.hpp"
#include "options.hpp"
#include "peer.hpp"
#include "report.hpp"
#include "roles/roles.hpp"
#include "serve.hpp"
#include "token.hpp"

#include <asio/io_context.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#endif  // defined(_WIN32)

namespace {

using namespace closesem::peer;

constexpr std::chrono::seconds kWatchdogGrace{5};

// The peer's own timer ends it at --timeout, unless something blocks its loop (a parent
// that stops reading our stdout fills the pipe). This thread is the backstop that keeps
// the process's life bounded; it waits for no network event.
void start_watchdog(double timeout_s) {
  const auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)) + kWatchdogGrace;
  std::thread([limit] {
    std::this_thread::sleep_for(limit);
    std::fputs("closesem_peer: still running 5 s after --timeout; ending the process\n", stderr);
    std::_Exit(kExitExpectationFailed);
  }).detach();
}

void list_roles() {
  for (const auto& role : roles()) {
    std::printf("%-20.*s%.*s\n", static_cast<int>(role.name.size()), role.name.data(),
                static_cast<int>(role.summary.size()), role.summary.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(SIGPIPE)
  // A parent that died must not kill the peer mid-report: writes fail instead.
  std::signal(SIGPIPE, SIG_IGN);
#endif  // defined(SIGPIPE)
#if defined(_WIN32)
  // Lines end in LF everywhere, so a parent reads "READY <port>" the same way.
  _setmode(_fileno(stdout), _O_BINARY);
#endif  // defined(_WIN32)

  CommandLine command;
  try {
    command = parse_command_line(argc, argv);
  } catch (const UsageError& error) {
    std::fprintf(stderr, "closesem_peer: %s\n", error.what());
    return kExitUsage;
  }

  StdoutLines out;
  try {
    switch (command.action) {
      case CommandLine::Action::help:
        std::fputs(command.help.c_str(), stdout);
        return kExitOk;
      case CommandLine::Action::list_roles:
        list_roles();
        return kExitOk;
      case CommandLine::Action::serve:
        if (command.serve.token.empty()) {
          command.serve.token = random_token();
          command.serve.token_generated = true;
          if (!command.serve.token_out.empty()) write_token_file(command.serve.token_out, command.serve.token);
        }
        start_watchdog(command.serve.timeout_s);
        return serve(command.serve, out);
      case CommandLine::Action::run: {
        start_watchdog(command.run.timeout_s);
        asio::io_context io;  // before the Peer: it outlives it
        Peer peer{command.run, std::make_shared<StdinLines>(), out, Mode::standalone, io};
        // _Exit: the command reader may sit in a read on stdin, which nothing portable
        // interrupts, and exit() would run destructors under it.
        std::_Exit(peer.run());
      }
    }
  } catch (const std::exception& error) {
    out.write_line(to_line(error_event(std::string{"closesem_peer: "} + error.what())));
    std::_Exit(kExitSetupFailed);
  }
  return kExitUsage;
}
