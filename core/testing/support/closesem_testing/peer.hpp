// SPDX-License-Identifier: MIT
// The reference peer (peers/, closesem_peer) as tests use it: an independent asio
// program in a process of its own at the other end of the connection. It is started
// here (or reached on another host through its control server when CLOSESEM_PEER is
// HOST:PORT; every control connection starts with AUTH and CLOSESEM_PEER_TOKEN), it
// prints READY <port>, takes commands, and reports what it saw as JSON.
// A Peer never outlives its test: the destructor ends it, kills it if need be, and
// reaps it, also when the test failed.
#pragma once

#include "closesem_testing/fixtures.hpp"

#include "closesem/platform.hpp"
#include "closesem/process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace closesem::testing {

// The peer's last line ("event":"result"), as fields.
struct PeerReport {
  std::string role;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::string checksum;
  bool pattern_ok = false;
  std::string end;        // fin, reset, timeout, local-close, error, none
  std::string end_error;  // the peer's own words for a failed read
  int end_native = 0;
  std::string send_error;
  bool ok = false;         // the peer's own expectations held
  std::string line;        // the raw JSON, for messages
  // How the peer's reads ended, as an outcome for the matchers: fin is a recv that
  // returned 0, reset a failure with connection_reset (the peer's native code kept), a
  // timeout timed_out, anything else `other`.
  platform::CallResult end_outcome() const;
};

class PeerLink;  // a local process or a control connection to a remote peer server

class Peer {
 public:
  // Starts `role` listening for one connection (on loopback of `transport`, or on the
  // remote host); REQUIREs READY within positive_timeout().
  static Peer listen(const std::string& role, const std::vector<std::string>& args,
                     platform::Transport transport = platform::Transport::tcp4);
  // Starts `role` connecting out to `to` (the side under test is the server). A remote
  // peer may be given the control connection already opened (see connect_to_peer).
  static Peer connect(const std::string& role, const std::vector<std::string>& args, const platform::Endpoint& to,
                      std::unique_ptr<PeerLink> link = nullptr);

  Peer(Peer&&) noexcept;
  Peer& operator=(Peer&&) noexcept;
  ~Peer();

  // Where the peer listens (listen mode).
  const platform::Endpoint& endpoint() const { return endpoint_; }
  // One command line to the peer ("send 100", "close", "read", "finish", ...).
  void command(const std::string& line);
  // Reads the peer's lines until one with this "event" (e.g. "connected": the peer has
  // accepted or made the connection); REQUIREs it within `timeout`. The lines stay
  // for result().
  // Returns that line.
  std::string expect_event(const std::string& event, std::chrono::milliseconds timeout = positive_timeout());
  // Reads the peer's lines until its result, within `timeout`; REQUIREs it came, and
  // the process's exit status when it is local.
  PeerReport result(std::chrono::milliseconds timeout = positive_timeout());
  // The peer process's exit status (local peers), after result().
  std::optional<int> exit_status() const { return exit_status_; }
  // The peer process's id (0 for a remote peer).
  long process_id() const;
  // Ends a local peer at once (SIGKILL / TerminateProcess), as a crash would.
  void kill();

 private:
  Peer();
  static Peer start(const std::string& role, const std::vector<std::string>& args, platform::Transport transport,
                    bool connect_mode, std::unique_ptr<PeerLink> link);

  platform::Process::Read next_line(std::string& line, std::chrono::milliseconds timeout);

  std::unique_ptr<PeerLink> link_;
  std::vector<std::string> pending_;  // lines read ahead by expect_event()
  platform::Endpoint endpoint_;
  std::optional<int> exit_status_;
};

// A connection to a peer in `role`, with the side under test as the client (the peer
// listens) or as the server (the peer connects to a listener of ours). Both calls are
// REQUIREd; the socket has the I/O watchdog set.
struct PeerConnection {
  Peer peer;
  platform::Socket socket;
};
PeerConnection connect_to_peer(const std::string& role, const std::vector<std::string>& args, bool we_listen,
                               platform::Transport transport = platform::Transport::tcp4);

// The local peer program: CLOSESEM_PEER_PROGRAM, or peers/closesem_peer of this build.
std::string peer_program();

// Where peers come from, for messages: "local closesem_peer at PATH" or "remote peer
// server HOST:PORT".
std::string peer_origin();
// Whether peers are remote (CLOSESEM_PEER set): tests that need a local process (kill,
// exit status) skip then.
bool peers_are_remote();
// " (remote peer)" when peers are remote, else "": for observations of what the peer
// saw, whose known deviations belong to the local peer's platform (a Windows peer
// under Wine), not to a peer elsewhere.
std::string remote_peer_note();

// The program under test itself in a child role (the conformance binary started with
// --closesem-child ...), for facts that need the process under test to end.
int run_child_mode(int argc, char* argv[]);

}  // namespace closesem::testing
