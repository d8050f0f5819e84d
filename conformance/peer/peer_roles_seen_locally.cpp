// SPDX-License-Identifier: MIT
// What the side under test sees at the end of the stream for each way the independent
// peer ends it: a graceful close or a process exit is end of stream (recv R1); an
// abortive close, a close with unread data or a reset on accept is a reset (recv R2);
// a peer process killed outright is closed by its system like an exit.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "closesem_testing/peer.hpp"

#include <string>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

struct Ending {
  const char* name;     // the variant in reports
  const char* role;
  std::vector<std::string> args;
  std::size_t we_send;  // bytes we send first (left unread by the peer)
  bool reset;           // the stream ends in a reset, not end of stream
  bool process_ends = false;  // the peer process itself ends (not possible for a remote
                              // peer server's session, which resets instead)
};

std::vector<Ending> endings() {
  return {
      {"send-close", "send-close", {"--bytes", "1000"}, 0, false},
      {"echo then our shutdown", "echo", {}, 100, false},
      {"exit-without-close", "exit-without-close", {}, 0, false, true},
      {"send-abort", "send-abort", {"--bytes", "1000"}, 0, true},
      {"close-unread", "close-unread", {}, 100, true},
      {"exit-without-close --unread", "exit-without-close", {"--unread"}, 100, true, true},
      {"reset-on-accept", "reset-on-accept", {}, 0, true},
  };
}

// Reads until the stream ends; the last outcome (0 or the error) tells how. What the
// peer sends (its own bytes, or ours echoed) is the pattern: each byte is checked.
platform::CallResult read_to_end(platform::NativeHandle handle, std::size_t& bytes) {
  for (;;) {
    const auto ready = platform::wait(handle, platform::WaitFor::readable, positive_timeout());
    if (!ready.ok() || ready.ret == 0) return ready;
    const auto got = recv_checked(handle, 4096, bytes);
    if (got.ret <= 0) return got;
    bytes += static_cast<std::size_t>(got.ret);
  }
}

}  // namespace

TEST_CASE("peer: the end of the stream we read shows how the peer ended it", "[peer][R1][R2]") {
  const auto ending = GENERATE(from_range(endings()));
  set_variant(ending.name);
  CAPTURE(peer_origin(), ending.name);
  if (ending.process_ends && peers_are_remote())
    CLOSESEM_SKIP("a remote peer server's session cannot end its process; it resets instead");
  // Not connect_to_peer(): a peer that resets at once may do so before our connect has
  // returned, and then the connect is where the reset shows (its SO_ERROR).
  auto peer = Peer::listen(ending.role, ending.args);
  platform::Socket socket;
  REQUIRE_THAT(observe("socket()", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  const auto connected = connect_bounded(socket.get(), peer.endpoint());
  if (!connected.ok()) {
    CHECK_THAT(observe("connect() to a peer that ends the stream by " + std::string(ending.name), connected),
               ending.reset ? fails_with(Errc::connection_reset) : succeeds());
    peer.result();
    return;
  }
  REQUIRE_THAT(observe("set_io_timeout()", platform::set_io_timeout(socket.get(), watchdog_timeout())), succeeds());
  const auto handle = socket.get();
  if (ending.we_send > 0) {
    REQUIRE_THAT(observe("send() to the peer", send_pattern(handle, ending.we_send)),
                 succeeds_with(static_cast<std::int64_t>(ending.we_send)));
    if (std::string(ending.role) == "echo")
      REQUIRE_THAT(observe("shutdown(send)", platform::shutdown(handle, platform::ShutdownHow::send)), succeeds());
  }
  std::size_t bytes = 0;
  const auto end = read_to_end(handle, bytes);
  INFO("read " << bytes << " bytes before the end");
  CHECK_THAT(observe("recv() at the end of a stream the peer ended by " + std::string(ending.name), end),
             ending.reset ? fails_with(Errc::connection_reset) : reads_eof());
  peer.result();
}

TEST_CASE("peer: a peer process killed outright leaves us end of stream", "[peer][R1]") {
  CAPTURE(peer_origin());
  if (peers_are_remote()) CLOSESEM_SKIP("a remote peer cannot be killed from here");
  auto connection = connect_to_peer("never-read", {}, false);
  connection.peer.kill();
  std::size_t bytes = 0;
  const auto end = read_to_end(connection.socket.get(), bytes);
  CHECK(bytes == 0);
  CHECK_THAT(observe("recv() after the peer process was killed", end), reads_eof());
}
