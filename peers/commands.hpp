// SPDX-License-Identifier: MIT
// The command language a peer reads, one command a line (README.md, "Commands"), and
// the mailbox that carries lines from the reader thread to the session.
#pragma once

#include "lines.hpp"

#include <asio/io_context.hpp>
#include <asio/socket_base.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace closesem::peer {

struct Command {
  enum class Kind { send, shutdown, close, abort, read, report, exit, finish };
  Kind kind = Kind::report;
  std::uint64_t count = 0;                                                  // send
  asio::socket_base::shutdown_type how = asio::socket_base::shutdown_both;  // shutdown
  std::string_view how_name;
};

// nullopt with an empty `error` for a blank line, with a message for a bad one.
std::optional<Command> parse_command(std::string_view text, std::string& error);

// send, shutdown, close, abort and read act on the connection: they wait for it.
bool needs_connection(Command::Kind kind);
// shutdown, close and abort wait until earlier sends are handed to the kernel.
bool follows_sends(Command::Kind kind);

// Carries lines from the blocking reader thread to the session's io_context. The reader
// may outlive the session (a read on stdin cannot be interrupted portably), so the
// session closes the mailbox as it goes, and the reader stops at its next line.
class Mailbox {
 public:
  using Deliver = std::function<void(std::optional<Line>)>;

  Mailbox(asio::io_context& io, Deliver deliver);
  // False once the session has gone.
  bool post(std::optional<Line> line);
  void close();

 private:
  std::mutex mutex_;
  asio::io_context* io_;
  Deliver deliver_;
};

}  // namespace closesem::peer
