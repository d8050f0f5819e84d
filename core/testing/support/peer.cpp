// SPDX-License-Identifier: MIT
#include "closesem_testing/peer.hpp"
#include "closesem_testing/listener.hpp"

#include "closesem/process.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace closesem::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// --- where peers come from --------------------------------------------------------

namespace {

// CLOSESEM_PEER_TOKEN: the peer server's token, sent first on every control connection
// (AUTH <token>). The server refuses every connection without it, so a missing token
// stops the run at once rather than failing every peer test.
std::string remote_token() {
  const char* text = std::getenv("CLOSESEM_PEER_TOKEN");
  std::string token = text != nullptr ? text : "";
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    std::cerr << "closesem: CLOSESEM_PEER is set but CLOSESEM_PEER_TOKEN is not: give the peer server's token "
                 "(its --token-file, or the TOKEN line it printed)\n";
    std::exit(2);
  }
  return token;
}

// CLOSESEM_PEER=HOST:PORT (or [V6]:PORT): a peer server on another host (numeric
// address; `./closesem run --peer` resolves a name first).
std::optional<platform::Endpoint> remote_server() {
  const char* text = std::getenv("CLOSESEM_PEER");
  if (text == nullptr || *text == '\0') return std::nullopt;
  const std::string value = text;
  const auto colon = value.rfind(':');
  platform::Endpoint server;
  if (colon == std::string::npos || colon + 1 == value.size()) {
    std::cerr << "closesem: CLOSESEM_PEER=" << value << " is not HOST:PORT\n";
    std::exit(2);
  }
  server.address = value.substr(0, colon);
  if (server.address.size() > 2 && server.address.front() == '[' && server.address.back() == ']')
    server.address = server.address.substr(1, server.address.size() - 2);
  server.transport = server.address.find(':') != std::string::npos ? platform::Transport::tcp6
                                                                    : platform::Transport::tcp4;
  const long port = std::strtol(value.c_str() + colon + 1, nullptr, 10);
  if (port <= 0 || port > 65535) {
    std::cerr << "closesem: CLOSESEM_PEER=" << value << " has no valid port\n";
    std::exit(2);
  }
  server.port = static_cast<std::uint16_t>(port);
  remote_token();  // (checked here, before any test runs)
  return server;
}


}  // namespace

// The peer program: CLOSESEM_PEER_PROGRAM, or peers/closesem_peer beside this build's
// conformance/ folder.
std::string peer_program() {
  if (const char* path = std::getenv("CLOSESEM_PEER_PROGRAM"); path != nullptr && *path != '\0') return path;
  std::string path = platform::executable_path();
  for (int up = 0; up < 2; ++up) {
    const auto slash = path.find_last_of("/\\");
    if (slash == std::string::npos) break;
    path.erase(slash);
  }
  const char separator = path.find('\\') != std::string::npos ? '\\' : '/';
  return path + separator + "peers" + separator + "closesem_peer" + std::string(platform::executable_suffix());
}

namespace {

std::string loopback(platform::Transport transport) {
  return transport == platform::Transport::tcp6 ? "[::1]" : "127.0.0.1";
}

std::string host_port(const platform::Endpoint& endpoint) {
  const bool v6 = endpoint.address.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.address + "]" : endpoint.address) + ":" + std::to_string(endpoint.port);
}

}  // namespace

std::string peer_origin() {
  if (const auto server = remote_server()) return "remote peer server " + host_port(*server);
  return "local " + peer_program();
}

bool peers_are_remote() { return remote_server().has_value(); }

std::string remote_peer_note() { return peers_are_remote() ? " (remote peer)" : ""; }

// --- links: a local process, or a control connection ------------------------------

class PeerLink {
 public:
  virtual ~PeerLink() = default;
  virtual bool write_line(const std::string& line) = 0;
  virtual platform::Process::Read read_line(std::string& line, milliseconds timeout) = 0;
  virtual std::optional<int> exit_status(milliseconds timeout) = 0;
  virtual long process_id() const { return 0; }
  virtual void kill() {}
};

namespace {

class LocalLink : public PeerLink {
 public:
  explicit LocalLink(platform::Process process) : process_(std::move(process)) {}
  bool write_line(const std::string& line) override { return process_.write_line(line); }
  platform::Process::Read read_line(std::string& line, milliseconds timeout) override {
    return process_.read_line(line, timeout);
  }
  std::optional<int> exit_status(milliseconds timeout) override { return process_.wait(timeout); }
  long process_id() const override { return process_.id(); }
  void kill() override { process_.kill(); }

 private:
  platform::Process process_;
};

class RemoteLink : public PeerLink {
 public:
  explicit RemoteLink(platform::Socket control) : control_(std::move(control)) {}
  bool write_line(const std::string& line) override {
    const std::string data = line + "\n";
    return platform::send(control_.get(), data.data(), data.size()).ret == static_cast<std::int64_t>(data.size());
  }
  platform::Process::Read read_line(std::string& line, milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (platform::take_line(buffer_, ended_, line)) return platform::Process::Read::line;
      if (ended_) return platform::Process::Read::end;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return platform::Process::Read::timeout;
      const auto ready = platform::wait(control_.get(), platform::WaitFor::readable, left);
      if (!ready.ok()) ended_ = true;
      if (ready.ret == 0) continue;
      char chunk[4096];
      const auto got = platform::recv(control_.get(), chunk, sizeof(chunk));
      if (got.ret > 0)
        buffer_.append(chunk, static_cast<std::size_t>(got.ret));
      else
        ended_ = true;
    }
  }
  // Our address on the path to the peer server: where a listener of ours is reachable.
  platform::Endpoint local_endpoint() const {
    platform::Endpoint local;
    platform::local_endpoint(control_.get(), local);
    local.port = 0;
    return local;
  }
  // A remote peer's status is its result's "ok"; the process is not ours to wait for.
  std::optional<int> exit_status(milliseconds) override { return std::nullopt; }

 private:
  platform::Socket control_;
  std::string buffer_;
  bool ended_ = false;
};

std::string describe_read(platform::Process::Read read) {
  switch (read) {
    case platform::Process::Read::line: return "a line";
    case platform::Process::Read::timeout: return "nothing (timed out)";
    case platform::Process::Read::end: return "end of output (the peer exited)";
  }
  return "?";
}

std::unique_ptr<RemoteLink> open_remote(const platform::Endpoint& server) {
  platform::Socket control;
  REQUIRE_THAT(observe("socket(peer control)", platform::open_stream(server.transport, control)), succeeds());
  REQUIRE_THAT(observe("connect(peer control) to " + host_port(server), connect_bounded(control.get(), server)),
               succeeds());
  auto link = std::make_unique<RemoteLink>(std::move(control));
  // The server answers a wrong token with an ERROR line in place of READY, which the
  // caller's check of the first line shows.
  REQUIRE(link->write_line("AUTH " + remote_token()));
  return link;
}

}  // namespace

// --- Peer ---------------------------------------------------------------------------

Peer::Peer() = default;
Peer::Peer(Peer&&) noexcept = default;
Peer& Peer::operator=(Peer&&) noexcept = default;
Peer::~Peer() = default;  // the link ends the process (see platform::Process)

Peer Peer::listen(const std::string& role, const std::vector<std::string>& args, platform::Transport transport) {
  return start(role, args, transport, false, nullptr);
}

Peer Peer::connect(const std::string& role, const std::vector<std::string>& args, const platform::Endpoint& to,
                   std::unique_ptr<PeerLink> link) {
  auto with_target = args;
  with_target.insert(with_target.end(), {"--connect", host_port(to)});
  return start(role, with_target, to.transport, true, std::move(link));
}

Peer Peer::start(const std::string& role, const std::vector<std::string>& args, platform::Transport transport,
                 bool connect_mode, std::unique_ptr<PeerLink> link) {
  std::vector<std::string> argv{role};
  argv.insert(argv.end(), args.begin(), args.end());
  bool has_timeout = false;
  for (const auto& arg : args) has_timeout = has_timeout || arg == "--timeout";
  // The peer's whole life is bounded by the same watchdog as the test's own calls.
  if (!has_timeout) argv.insert(argv.end(), {"--timeout", std::to_string(watchdog_timeout().count() / 1000)});

  Peer peer;
  if (const auto server = remote_server()) {
    // The peer server listens on its side of the path to us (its control connection's
    // local address) unless told otherwise.
    if (!link) link = open_remote(*server);
    std::string command_line;
    for (const auto& arg : argv) command_line += (command_line.empty() ? "" : " ") + arg;
    INFO("peer server " << host_port(*server) << ", command " << command_line);
    REQUIRE(link->write_line(command_line));
    peer.link_ = std::move(link);
    peer.endpoint_.address = server->address;
    peer.endpoint_.transport = server->transport;
  } else {
    if (!connect_mode) argv.insert(argv.end(), {"--listen", loopback(transport) + ":0"});
    argv.insert(argv.begin(), peer_program());
    platform::Process process;
    std::string error;
    if (!platform::Process::start(argv, process, error)) FAIL("could not start the peer: " << error);
    peer.link_ = std::make_unique<LocalLink>(std::move(process));
    peer.endpoint_.address = transport == platform::Transport::tcp6 ? "::1" : "127.0.0.1";
    peer.endpoint_.transport = transport;
  }

  std::string line;
  const auto read = peer.link_->read_line(line, positive_timeout());
  INFO("peer " << role << " (" << peer_origin() << ") said: "
               << (read == platform::Process::Read::line ? line : describe_read(read)));
  REQUIRE(read == platform::Process::Read::line);
  REQUIRE(line.rfind("READY ", 0) == 0);
  const long port = std::strtol(line.c_str() + 6, nullptr, 10);
  REQUIRE(port > 0);
  REQUIRE(port <= 65535);
  peer.endpoint_.port = static_cast<std::uint16_t>(port);
  return peer;
}

void Peer::command(const std::string& line) {
  INFO("command to the peer: " << line);
  REQUIRE(link_->write_line(line));
}

// The next line from the peer: one read ahead by expect_event() first.
platform::Process::Read Peer::next_line(std::string& line, milliseconds timeout) {
  if (!pending_.empty()) {
    line = pending_.front();
    pending_.erase(pending_.begin());
    return platform::Process::Read::line;
  }
  return link_->read_line(line, timeout);
}

std::string Peer::expect_event(const std::string& event, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> read_ahead;
  for (;;) {
    std::string line;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    const auto read = link_->read_line(line, left.count() > 0 ? left : milliseconds(0));
    if (read != platform::Process::Read::line) {
      std::string seen;
      for (const auto& earlier : read_ahead) seen += earlier + "\n";
      FAIL("the peer did not report \"" << event << "\": its output ended with " << describe_read(read)
                                          << " after:\n" << seen);
    }
    read_ahead.push_back(line);
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("event", "") == event) break;
  }
  pending_.insert(pending_.end(), read_ahead.begin(), read_ahead.end());
  return read_ahead.back();
}

PeerReport Peer::result(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string seen;
  for (;;) {
    std::string line;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    const auto read = next_line(line, left.count() > 0 ? left : milliseconds(0));
    if (read != platform::Process::Read::line)
      FAIL("the peer gave no result: its output ended with " << describe_read(read) << " after:\n" << seen);
    seen += line + "\n";
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object() || json.value("event", "") != "result") continue;
    PeerReport report;
    report.line = line;
    report.role = json.value("role", "");
    report.bytes_received = json.value("bytes_received", std::uint64_t{0});
    report.bytes_sent = json.value("bytes_sent", std::uint64_t{0});
    report.checksum = json.value("checksum", "");
    report.pattern_ok = json.value("pattern_ok", false);
    report.end = json.value("end", "");
    report.end_error = json.value("end_error", "");
    report.end_native = json.value("end_native", 0);
    report.send_error = json.value("send_error", "");
    report.ok = json.value("ok", false);
    exit_status_ = link_->exit_status(positive_timeout());
    UNSCOPED_INFO("peer result: " << line);
    return report;
  }
}

long Peer::process_id() const { return link_ ? link_->process_id() : 0; }

void Peer::kill() {
  if (link_) link_->kill();
}

platform::CallResult PeerReport::end_outcome() const {
  platform::CallResult out;
  if (end == "fin") return out;  // recv returned 0
  out.ret = -1;
  out.native = end_native;
  if (end == "reset")
    out.errc = Errc::connection_reset;
  else if (end == "timeout")
    out.errc = Errc::timed_out;
  else
    out.errc = Errc::other;
  return out;
}

PeerConnection connect_to_peer(const std::string& role, const std::vector<std::string>& args, bool we_listen,
                               platform::Transport transport) {
  platform::Socket socket;
  std::optional<Peer> peer;
  if (we_listen) {
    // A remote peer must reach our listener: bind it where the control connection
    // comes from, and hand that connection on to the peer.
    std::unique_ptr<PeerLink> link;
    std::optional<LoopbackListener> listener;
    if (const auto server = remote_server()) {
      auto remote = open_remote(*server);
      listener.emplace(open_listener_at(remote->local_endpoint(), 1));
      link = std::move(remote);
    } else {
      listener.emplace(open_listener(transport, 1));
    }
    peer.emplace(Peer::connect(role, args, listener->endpoint, std::move(link)));
    REQUIRE_THAT(wait_for("listener", listener->socket.get(), platform::WaitFor::readable), succeeds_with(1));
    REQUIRE_THAT(observe("accept() of the peer's connection", platform::accept(listener->socket.get(), socket)),
                 succeeds());
  } else {
    peer.emplace(Peer::listen(role, args, transport));
    REQUIRE_THAT(observe("socket()", platform::open_stream(transport, socket)), succeeds());
    REQUIRE_THAT(observe("connect() to the peer", connect_bounded(socket.get(), peer->endpoint())), succeeds());
  }
  REQUIRE_THAT(observe("set_io_timeout()", platform::set_io_timeout(socket.get(), watchdog_timeout())), succeeds());
  // The connection is the peer's own (accepted, not only queued) before the test acts.
  peer->expect_event("connected");
  return {std::move(*peer), std::move(socket)};
}

// --- the program under test as a child -----------------------------------------------

namespace {

int child_usage(const std::string& problem) {
  std::cerr << "closesem child: " << problem
            << "\nusage: --closesem-child exit-with-open-socket ADDRESS PORT [--send N] [--unread]\n"
               "       --closesem-child process-gone PID\n";
  return 2;
}

// Connects, optionally sends N pattern bytes and waits for data it does not read, says
// READY, and ends the process without closing the socket (as a crash would).
int exit_with_open_socket(const std::vector<std::string>& args) {
  if (args.size() < 2) return child_usage("exit-with-open-socket needs ADDRESS PORT");
  platform::Endpoint to;
  to.address = args[0];
  to.transport = to.address.find(':') != std::string::npos ? platform::Transport::tcp6 : platform::Transport::tcp4;
  to.port = static_cast<std::uint16_t>(std::strtol(args[1].c_str(), nullptr, 10));
  std::size_t send = 0;
  bool unread = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "--send" && i + 1 < args.size())
      send = static_cast<std::size_t>(std::strtoull(args[++i].c_str(), nullptr, 10));
    else if (args[i] == "--unread")
      unread = true;
    else
      return child_usage("unknown argument " + args[i]);
  }
  platform::Socket socket;
  auto step = platform::open_stream(to.transport, socket);
  if (step.ok()) step = platform::set_io_timeout(socket.get(), watchdog_timeout());
  if (step.ok()) step = platform::connect(socket.get(), to);
  if (step.ok() && send > 0) step = send_pattern(socket.get(), send);
  if (step.ok() && unread) {
    step = platform::wait(socket.get(), platform::WaitFor::readable, positive_timeout());
    if (step.ok() && step.ret == 0) step.errc = Errc::timed_out;
  }
  if (!step.ok() || step.errc != Errc::ok) {
    std::cout << "FAILED " << step.describe() << std::endl;
    return 1;
  }
  std::cout << "READY" << std::endl;
  std::_Exit(0);
}

}  // namespace

int run_child_mode(int argc, char* argv[]) {
  std::vector<std::string> args(argv, argv + argc);
  if (args.empty()) return child_usage("no child mode given");
  const std::string mode = args.front();
  args.erase(args.begin());
  if (mode == "exit-with-open-socket") return exit_with_open_socket(args);
  if (mode == "process-gone") {
    if (args.size() != 1) return child_usage("process-gone needs PID");
    const long id = std::strtol(args[0].c_str(), nullptr, 10);
    const bool gone = platform::process_gone(id, positive_timeout());
    std::cout << "process " << id << (gone ? " is gone" : " is still running") << std::endl;
    return gone ? 0 : 1;
  }
  return child_usage("unknown child mode " + mode);
}

}  // namespace closesem::testing
