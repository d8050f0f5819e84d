// SPDX-License-Identifier: MIT
// The control server: each control connection is one session on a thread of its own.
// Its first line is a role command line; after it, the connection carries what stdin
// and stdout carry when the peer runs on its own.
#include "serve.hpp"

#include "peer.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <utility>

namespace closesem::peer {
namespace {

void run_session(const std::shared_ptr<SocketLines>& control) {
  try {
    const auto first = control->read_line();
    if (!first) return;  // The client left without a word.
    Options options;
    try {
      options = parse_session_line(first->text, control->local_address());
    } catch (const UsageError& error) {
      control->write_line(to_line(error_event(error.what(), first->number)));
      control->end_output();
      return;
    }
    Peer peer{std::move(options), control, *control, Mode::served};
    peer.run();
  } catch (const std::exception& error) {
    control->write_line(to_line(error_event(std::string{"session failed: "} + error.what())));
  }
  control->end_output();
}

}  // namespace

int serve(const ServeOptions& options, LineOutput& out) {
  // Control sockets belong to this io_context and are used from the session threads with
  // synchronous calls only. It lives until the process ends: sessions may outlive serve.
  static asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  std::error_code error;
  acceptor.open(options.at.protocol(), error);
  if (!error) acceptor.bind(options.at, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    out.write_line(to_line(error_event("serve on " + endpoint_text(options.at) + ": " + error.message())));
    return kExitSetupFailed;
  }
  out.write_line("SERVING " + std::to_string(acceptor.local_endpoint(error).port()));

  asio::steady_timer deadline{io, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(options.timeout_s))};
  deadline.async_wait([](const std::error_code& wait_error) {
    if (!wait_error) io.stop();
  });
  asio::steady_timer retry{io};
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](const std::error_code& accept_error, asio::ip::tcp::socket socket) {
      if (accept_error == asio::error::operation_aborted) return;
      if (accept_error) {
        // Out of descriptors, say: try again shortly instead of spinning on the error.
        out.write_line(to_line(error_event("accept: " + accept_error.message())));
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([&](const std::error_code&) { accept_next(); });
        return;
      }
      auto control = std::make_shared<SocketLines>(std::move(socket));
      try {
        std::thread([control] { run_session(control); }).detach();
      } catch (const std::exception& thread_error) {
        control->write_line(to_line(error_event(std::string{"no session thread: "} + thread_error.what())));
        control->end_output();
      }
      accept_next();
    });
  };
  accept_next();
  io.run();
  std::_Exit(kExitOk);
}

}  // namespace closesem::peer
