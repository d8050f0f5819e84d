// SPDX-License-Identifier: MIT
// shutdown on a listening socket. Winsock: a listener is not connected, so shutdown
// fails with WSAENOTCONN for every how (shutdown S2; Wine's test_shutdown asserts it for
// Windows, contract §2.1, §5.6) and the listener is unaffected. Linux: shutdown
// succeeds (contract §4 #21); SHUT_RD stops the listener, so accept then fails with
// EINVAL, both for a connection that was already queued and for a new accept
// (gVisor TCPListenShutdown; catalogue #32), and the queued connection is reset
// (measured: the client reads ECONNRESET). Catalogue #32.
// The accept facts are TCP only: on a Linux AF_UNIX listener shutdown succeeds too but
// changes nothing (measured: the queued connection is accepted, a new accept gives
// EAGAIN, the client sees nothing), which is a different fact.
#include "closesem_testing/fixtures.hpp"
#include "closesem_testing/listener.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

// A listener of `transport` on a fresh loopback address (backlog 8); false with the
// reason when this host lacks the transport.
bool open_listener_or_skip(platform::Transport transport, LoopbackListener& out, std::string& why_not) {
  if (!platform::transport_available(transport, &why_not)) return false;
  out = open_listener(transport, 8);
  return true;
}

// A client connected to the listener, still waiting in its accept queue.
void queue_a_connection(const LoopbackListener& listener, platform::Transport transport, platform::Socket& client) {
  REQUIRE_THAT(observe("socket(client)", platform::open_stream(transport, client)), succeeds());
  REQUIRE_THAT(observe("connect(client)", connect_bounded(client.get(), listener.endpoint)), succeeds());
  REQUIRE_THAT(wait_for("listener", listener.socket.get(), platform::WaitFor::readable), succeeds_with(1));
}

}  // namespace

TEST_CASE("shutdown: shutdown on a listening socket fails with not connected on Winsock, succeeds on POSIX",
          "[shutdown][S1][S2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6, platform::Transport::unix_stream);
  const auto how = GENERATE(platform::ShutdownHow::receive, platform::ShutdownHow::send, platform::ShutdownHow::both);
  const std::string name(platform::to_string(transport));
  const std::string how_name(platform::to_string(how));
  CAPTURE(name, how_name);
  set_variant(name);
  LoopbackListener listener;
  std::string why_not;
  if (!open_listener_or_skip(transport, listener, why_not)) CLOSESEM_SKIP(why_not);

  CHECK_THAT(observe("shutdown(listener, " + how_name + ")", platform::shutdown(listener.socket.get(), how)),
             by_api(fails_with(Errc::not_connected), succeeds()));
}

TEST_CASE("shutdown: after shutdown(listener, receive) a queued connection is accepted on Winsock, "
          "accept fails with invalid argument on POSIX",
          "[shutdown][S2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const std::string name(platform::to_string(transport));
  CAPTURE(name);
  set_variant(name);
  LoopbackListener listener;
  std::string why_not;
  if (!open_listener_or_skip(transport, listener, why_not)) CLOSESEM_SKIP(why_not);
  platform::Socket client;
  queue_a_connection(listener, transport, client);
  // Non-blocking, so that an accept can never wait for a connection that does not come.
  REQUIRE_THAT(observe("set non-blocking(listener)", platform::set_nonblocking(listener.socket.get(), true)),
               succeeds());

  CHECK_THAT(observe("shutdown(listener, receive) with a queued connection",
                     platform::shutdown(listener.socket.get(), platform::ShutdownHow::receive)),
             by_api(fails_with(Errc::not_connected), succeeds()));
  platform::Socket accepted;
  CHECK_THAT(observe("accept(listener) of the queued connection after shutdown(listener, receive)",
                     platform::accept(listener.socket.get(), accepted)),
             by_api(succeeds(), fails_with(Errc::invalid_argument)));
}

TEST_CASE("shutdown: after shutdown(listener, receive) a new accept would block on Winsock, "
          "fails with invalid argument on POSIX",
          "[shutdown][S2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const std::string name(platform::to_string(transport));
  CAPTURE(name);
  set_variant(name);
  LoopbackListener listener;
  std::string why_not;
  if (!open_listener_or_skip(transport, listener, why_not)) CLOSESEM_SKIP(why_not);
  REQUIRE_THAT(observe("set non-blocking(listener)", platform::set_nonblocking(listener.socket.get(), true)),
               succeeds());

  CHECK_THAT(observe("shutdown(listener, receive)", platform::shutdown(listener.socket.get(), platform::ShutdownHow::receive)),
             by_api(fails_with(Errc::not_connected), succeeds()));
  platform::Socket accepted;
  CHECK_THAT(observe("accept(listener) after shutdown(listener, receive)", platform::accept(listener.socket.get(), accepted)),
             by_api(fails_with(Errc::would_block), fails_with(Errc::invalid_argument)));
}

TEST_CASE("shutdown: shutdown(listener, receive) leaves a queued connection alone on Winsock, resets it on POSIX",
          "[shutdown][S2][R2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  const std::string name(platform::to_string(transport));
  CAPTURE(name);
  set_variant(name);
  LoopbackListener listener;
  std::string why_not;
  if (!open_listener_or_skip(transport, listener, why_not)) CLOSESEM_SKIP(why_not);
  platform::Socket client;
  queue_a_connection(listener, transport, client);
  // The client is non-blocking: a reset shows within the short wait below, or nothing
  // does, and the recv after it can never block.
  REQUIRE_THAT(observe("set non-blocking(client)", platform::set_nonblocking(client.get(), true)), succeeds());

  CHECK_THAT(observe("shutdown(listener, receive) with a queued connection",
                     platform::shutdown(listener.socket.get(), platform::ShutdownHow::receive)),
             by_api(fails_with(Errc::not_connected), succeeds()));
  const auto quiet = quiet_timeout();
  CHECK_THAT(wait_for("client", client.get(), platform::WaitFor::readable, quiet),
             by_api(succeeds_with(0), succeeds_with(1)));
  char buffer[16] = {};
  CHECK_THAT(observe("recv(client) after shutdown(listener, receive)", platform::recv(client.get(), buffer, sizeof(buffer))),
             by_api(fails_with(Errc::would_block), fails_with(Errc::connection_reset)));
}
