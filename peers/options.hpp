// SPDX-License-Identifier: MIT
// The peer's command line: one role run (ROLE [options]), the control server (--serve),
// or a listing. A serve session's first line uses the same syntax as a role run.
#pragma once

#include "report.hpp"

#include <asio/ip/tcp.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace closesem::peer {

// Bad usage; what() is the one line the user sees (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string role;
  asio::ip::tcp::endpoint listen{asio::ip::address_v4::loopback(), 0};
  std::optional<asio::ip::tcp::endpoint> connect;  // set: connect out instead of listening
  double timeout_s = 30;
  std::uint64_t bytes = 0;       // for the roles that send
  std::uint64_t send_first = 0;  // sent before the role starts, whatever the role
  std::size_t chunk = 1024;      // slow-reader
  std::uint64_t interval_ms = 10;
  bool unread = false;  // exit-without-close
  Expectations expect;
};

// An address range of --allow-connect: 10.0.0.0/8, 2001:db8::/32, 192.0.2.7 (a /32).
struct Network {
  asio::ip::address address;
  unsigned prefix = 0;
  bool contains(const asio::ip::address& other) const;
};

struct ServeOptions {
  asio::ip::tcp::endpoint at;
  double timeout_s = 600;
  // The shared secret every control connection starts with (AUTH <token>): from
  // --token-file or CLOSESEM_PEER_TOKEN, or else made at start and printed (generated).
  std::string token;
  bool token_generated = false;
  // --token-out: where a token made at start is also written (mode 0600), "" for nowhere.
  std::string token_out;
  std::vector<Network> allow_connect;  // beyond the control connection's own address
  bool allow_listen_port = false;      // a session may --listen on a port other than 0
  std::size_t max_sessions = 16;
};

struct CommandLine {
  enum class Action { run, serve, list_roles, help };
  Action action = Action::run;
  Options run;
  ServeOptions serve;
  std::string help;
};

// Both throw UsageError.
CommandLine parse_command_line(int argc, const char* const* argv);
// `listen_address` is the --listen default (with port 0): the control connection's own.
Options parse_session_line(const std::string& line, const asio::ip::address& listen_address);

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is; others as
// they are. Addresses are compared so.
asio::ip::address plain_address(const asio::ip::address& address);

// "127.0.0.1:40001", "[::1]:40001".
std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint);

}  // namespace closesem::peer
