// SPDX-License-Identifier: MIT
// The command language a peer reads, one command a line (README.md, "Commands").
#pragma once

#include <asio/socket_base.hpp>

#include <cstddef>
#include <cstdint>
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

// Commands that wait (for the connection, or for earlier sends) queue up to these
// bounds; beyond them the input ends with an error line.
constexpr std::size_t kMaxQueuedCommands = 1024;
constexpr std::size_t kMaxQueuedBytes = std::size_t{1} << 20;

}  // namespace closesem::peer
