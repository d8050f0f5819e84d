// SPDX-License-Identifier: MIT
// Command-line parsing with CLI11. Values are taken as text and checked here, so that a
// bad one gets a message naming the option and the value.
#include "options.hpp"

#include "roles/roles.hpp"
#include "token.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace closesem::peer {
namespace {

constexpr double kMaxTimeoutSeconds = 1e6;
constexpr std::size_t kMaxChunk = std::size_t{16} << 20;
constexpr std::uint64_t kMaxSessionsLimit = 1024;

// The options as typed.
struct RawOptions {
  std::string role;
  std::string listen;
  std::string connect;
  std::string serve;
  std::string timeout;
  std::string bytes;
  std::string send_first;
  std::string chunk;
  std::string interval_ms;
  std::string expect_bytes;
  std::string expect_end;
  std::string token_file;
  std::string token_out;
  std::vector<std::string> allow_connect;
  std::string max_sessions;
  bool allow_listen_port = false;
  bool unread = false;
  bool expect_pattern = false;
  bool list_roles = false;
};

// Options that only a role run takes (not --serve).
const std::vector<std::string> kRoleOptions{"--listen",     "--connect",       "--bytes",  "--send-first",
                                            "--chunk",      "--interval-ms",   "--unread", "--expect-bytes",
                                            "--expect-end", "--expect-pattern"};
// Options that only --serve takes.
const std::vector<std::string> kServeOptions{"--token-file", "--token-out", "--allow-connect", "--allow-listen-port",
                                             "--max-sessions"};

std::string roles_text() {
  std::string text = "Roles:\n";
  for (const auto& role : roles()) {
    const std::size_t pad = role.name.size() < 20 ? 20 - role.name.size() : 1;
    text += "  " + std::string{role.name} + std::string(pad, ' ') + std::string{role.summary} + "\n";
  }
  return text;
}

void define(CLI::App& app, RawOptions& raw) {
  app.add_option("role", raw.role, "What the peer does with its connection (see Roles below)");
  app.add_option("--listen", raw.listen, "Accept exactly one connection on ADDR:PORT (default 127.0.0.1:0)")
      ->type_name("ADDR:PORT");
  app.add_option("--connect", raw.connect, "Connect to HOST:PORT (a numeric address) instead of listening")
      ->type_name("HOST:PORT");
  app.add_option("--timeout", raw.timeout,
                 "Bound on the life of the process, in seconds (default 30; 600 with --serve)")
      ->type_name("SECONDS");
  app.add_option("--bytes", raw.bytes, "Bytes to send (send-close, send-abort)")->type_name("N");
  app.add_option("--send-first", raw.send_first, "Send N pattern bytes as soon as the connection exists")
      ->type_name("N");
  app.add_option("--chunk", raw.chunk, "slow-reader: bytes per read (default 1024)")->type_name("N");
  app.add_option("--interval-ms", raw.interval_ms, "slow-reader: milliseconds between reads (default 10)")
      ->type_name("M");
  app.add_flag("--unread", raw.unread, "exit-without-close: first wait until data has arrived, unread");
  app.add_option("--expect-bytes", raw.expect_bytes, "Expect N bytes received")->type_name("N");
  app.add_option("--expect-end", raw.expect_end, "Expect the incoming stream to end so")
      ->type_name("fin|reset|timeout|local-close|error|none");
  app.add_flag("--expect-pattern", raw.expect_pattern, "Expect the received bytes to follow the pattern");
  app.add_option("--serve", raw.serve, "Run the control server on ADDR:PORT (see README.md)")
      ->type_name("ADDR:PORT");
  app.add_option("--token-file", raw.token_file,
                 "--serve: the token clients must send (AUTH <token>) is the first line of FILE "
                 "(default: CLOSESEM_PEER_TOKEN, or else a random one, printed)")
      ->type_name("FILE");
  app.add_option("--token-out", raw.token_out,
                 "--serve: when the server makes the token itself, also write it to FILE (mode 0600, readable "
                 "by its owner only; replaced whole)")
      ->type_name("FILE");
  app.add_option("--allow-connect", raw.allow_connect,
                 "--serve: sessions may also --connect to addresses in CIDR (repeatable; default: "
                 "only to the control connection's own address)")
      ->type_name("CIDR");
  app.add_flag("--allow-listen-port", raw.allow_listen_port,
               "--serve: sessions may --listen on a port other than 0");
  app.add_option("--max-sessions", raw.max_sessions,
                 "--serve: control connections at once (default 16); more get 'ERROR busy'")
      ->type_name("N");
  app.add_flag("--list-roles", raw.list_roles, "Print the roles, one a line");
  app.footer(
      "Command lines:\n"
      "  closesem_peer ROLE [--listen ADDR:PORT | --connect HOST:PORT] [--timeout SECONDS]\n"
      "                [role options] [expectations]\n"
      "  closesem_peer --serve ADDR:PORT [--timeout SECONDS] [--token-file FILE]\n"
      "                [--allow-connect CIDR]... [--allow-listen-port] [--max-sessions N]\n"
      "  closesem_peer --list-roles\n\n" +
      roles_text() +
      "\nPrints READY <port>, then JSON lines; takes commands on stdin (send N, shutdown\n"
      "send|receive|both, close, abort, read, report, exit, finish); ends with a result line.\n"
      "Exit status: 0 expectations held, 1 an expectation failed, 2 bad usage, 3 set-up failed.\n"
      "\n--serve: prints SERVING <port> (then TOKEN <hex> when it made the token itself); every\n"
      "control connection starts with AUTH <token>, then a role line (README.md, serve mode).\n"
      "Meant for a lab network, never the internet.\n");
}

[[noreturn]] void usage_error(std::string message) { throw UsageError(std::move(message)); }

std::uint64_t parse_count(const std::string& text, std::string_view option) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end) {
    usage_error(std::string{option} + ": expected a whole number, got '" + text + "'");
  }
  return value;
}

double parse_seconds(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end || !std::isfinite(value) || value <= 0 ||
      value > kMaxTimeoutSeconds) {
    usage_error("--timeout: expected a number of seconds above 0 (at most 1e6), got '" + text + "'");
  }
  return value;
}

asio::ip::tcp::endpoint parse_endpoint(const std::string& text, std::string_view option) {
  const auto bad = [&](std::string_view why) {
    usage_error(std::string{option} + ": " + std::string{why} + ", got '" + text + "'");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) bad("expected ADDR:PORT (127.0.0.1:0, [::1]:0)");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    bad("an IPv6 address goes in brackets, as in [::1]:0");
  }
  std::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) bad("expected a numeric address, as in 127.0.0.1:0 or [::1]:0");
  const std::string port_text = text.substr(colon + 1);
  std::uint64_t port = 0;
  const char* end = port_text.data() + port_text.size();
  const auto [stop, port_error] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || port_error != std::errc{} || stop != end || port > 65535) {
    bad("expected a port from 0 to 65535");
  }
  return {address, static_cast<unsigned short>(port)};
}

Network parse_network(const std::string& text) {
  const auto bad = [&](std::string_view why) {
    usage_error("--allow-connect: " + std::string{why} + ", got '" + text + "'");
  };
  const auto slash = text.find('/');
  std::error_code error;
  Network network;
  network.address = plain_address(asio::ip::make_address(text.substr(0, slash), error));
  if (error) bad("expected ADDRESS/BITS, as in 10.0.0.0/8 or fd00::/8");
  const unsigned most = network.address.is_v4() ? 32 : 128;
  network.prefix = most;
  if (slash != std::string::npos) {
    const std::string bits = text.substr(slash + 1);
    unsigned prefix = 0;
    const auto [stop, bits_error] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (bits.empty() || bits_error != std::errc{} || stop != bits.data() + bits.size() || prefix > most) {
      bad("expected a prefix length from 0 to " + std::to_string(most));
    }
    network.prefix = prefix;
  }
  return network;
}

Options role_options(const CLI::App& app, const RawOptions& raw, const asio::ip::address& listen_address) {
  Options options;
  if (raw.role.empty()) usage_error("no role given (closesem_peer --list-roles lists them)");
  if (find_role(raw.role) == nullptr) {
    usage_error("unknown role '" + raw.role + "' (closesem_peer --list-roles lists them)");
  }
  options.role = raw.role;
  if (app.count("--listen") > 0 && app.count("--connect") > 0) {
    usage_error("--listen and --connect exclude each other: give one");
  }
  options.listen = asio::ip::tcp::endpoint{listen_address, 0};
  if (app.count("--listen") > 0) options.listen = parse_endpoint(raw.listen, "--listen");
  if (app.count("--connect") > 0) {
    options.connect = parse_endpoint(raw.connect, "--connect");
    if (options.connect->port() == 0) usage_error("--connect: port 0 is no place to connect to");
  }
  if (app.count("--timeout") > 0) options.timeout_s = parse_seconds(raw.timeout);
  if (app.count("--bytes") > 0) options.bytes = parse_count(raw.bytes, "--bytes");
  if (app.count("--send-first") > 0) options.send_first = parse_count(raw.send_first, "--send-first");
  if (app.count("--chunk") > 0) {
    const auto chunk = parse_count(raw.chunk, "--chunk");
    if (chunk == 0 || chunk > kMaxChunk)
      usage_error("--chunk: expected 1 to 16777216 bytes, got '" + raw.chunk + "'");
    options.chunk = static_cast<std::size_t>(chunk);
  }
  if (app.count("--interval-ms") > 0) {
    options.interval_ms = parse_count(raw.interval_ms, "--interval-ms");
    if (options.interval_ms > 3'600'000)
      usage_error("--interval-ms: at most an hour, got '" + raw.interval_ms + "'");
  }
  options.unread = raw.unread;
  if (app.count("--expect-bytes") > 0) options.expect.bytes = parse_count(raw.expect_bytes, "--expect-bytes");
  if (app.count("--expect-end") > 0) {
    options.expect.end = end_from_name(raw.expect_end);
    if (!options.expect.end) {
      usage_error("--expect-end: expected fin, reset, timeout, local-close, error or none, got '" +
                  raw.expect_end + "'");
    }
  }
  options.expect.pattern = raw.expect_pattern;
  return options;
}

}  // namespace

bool Network::contains(const asio::ip::address& other) const {
  const auto plain = plain_address(other);
  if (plain.is_v4() != address.is_v4()) return false;
  std::array<unsigned char, 16> mine{};
  std::array<unsigned char, 16> theirs{};
  std::size_t size = 4;
  if (plain.is_v4()) {
    const auto a = address.to_v4().to_bytes();
    const auto b = plain.to_v4().to_bytes();
    std::copy(a.begin(), a.end(), mine.begin());
    std::copy(b.begin(), b.end(), theirs.begin());
  } else {
    mine = address.to_v6().to_bytes();
    theirs = plain.to_v6().to_bytes();
    size = 16;
  }
  unsigned bits = prefix;
  for (std::size_t i = 0; i < size && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<unsigned char>(0xffu << (8 - take));
    if ((mine[i] & mask) != (theirs[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

asio::ip::address plain_address(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CLI::App app{
      "closesem_peer: the reference peer of the closesem suite. One TCP connection, one role;\n"
      "prints READY <port>, takes commands on stdin, reports JSON lines on stdout.",
      "closesem_peer"};
  RawOptions raw;
  define(app, raw);
  CommandLine command;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    command.action = CommandLine::Action::help;
    command.help = app.help();
    return command;
  } catch (const CLI::ParseError& error) {
    usage_error(error.what());
  }
  if (raw.list_roles) {
    command.action = CommandLine::Action::list_roles;
    return command;
  }
  if (app.count("--serve") > 0) {
    if (!raw.role.empty()) usage_error("--serve takes no role: the role comes from each control connection");
    for (const auto& name : kRoleOptions) {
      if (app.count(name) > 0) usage_error("--serve takes no role option such as " + name);
    }
    command.action = CommandLine::Action::serve;
    auto& serve = command.serve;
    serve.at = parse_endpoint(raw.serve, "--serve");
    if (app.count("--timeout") > 0) serve.timeout_s = parse_seconds(raw.timeout);
    for (const auto& text : raw.allow_connect) serve.allow_connect.push_back(parse_network(text));
    serve.allow_listen_port = raw.allow_listen_port;
    serve.token_out = raw.token_out;
    if (app.count("--max-sessions") > 0) {
      const auto most = parse_count(raw.max_sessions, "--max-sessions");
      if (most == 0 || most > kMaxSessionsLimit) {
        usage_error("--max-sessions: expected 1 to " + std::to_string(kMaxSessionsLimit) + ", got '" +
                    raw.max_sessions + "'");
      }
      serve.max_sessions = static_cast<std::size_t>(most);
    }
    // The token: a file named on the command line, else the environment; with neither,
    // main() makes one. A given token that is too short is an error, never replaced.
    if (app.count("--token-file") > 0) {
      serve.token = token_from_file(raw.token_file);
    } else if (const char* text = std::getenv("CLOSESEM_PEER_TOKEN"); text != nullptr) {
      serve.token = checked_token(text, "CLOSESEM_PEER_TOKEN");
    }
    return command;
  }
  for (const auto& name : kServeOptions) {
    if (app.count(name) > 0) usage_error(name + " is an option of --serve, not of a role run");
  }
  command.run = role_options(app, raw, asio::ip::address_v4::loopback());
  return command;
}

Options parse_session_line(const std::string& line, const asio::ip::address& listen_address) {
  CLI::App app{"closesem_peer session", "closesem_peer"};
  RawOptions raw;
  define(app, raw);
  try {
    app.parse(line, false);
  } catch (const CLI::CallForHelp&) {
    usage_error("--help is not available in a session; run closesem_peer --help");
  } catch (const CLI::ParseError& error) {
    usage_error(error.what());
  }
  if (raw.list_roles || app.count("--serve") > 0) {
    usage_error("a session line takes a role and its options, not --serve or --list-roles");
  }
  for (const auto& name : kServeOptions) {
    if (app.count(name) > 0) usage_error(name + " is an option of the server, not of a session");
  }
  return role_options(app, raw, listen_address);
}

}  // namespace closesem::peer
