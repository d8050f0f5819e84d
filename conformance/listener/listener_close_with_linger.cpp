// SPDX-License-Identifier: MIT
// A listener with a non-zero linger timeout, closed with connections queued and not
// accepted (catalogue #17). The close does not linger: there is no data of the
// listener's own to deliver, and the queued connections are reset as without linger
// (listener_close_resets_queued). Linux: inet_csk_listen_stop disconnects every child;
// the linger time would only apply to an accepted socket's own close. Winsock documents
// nothing about listeners and linger.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"

#include <array>
#include <chrono>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("listener: closing a listener with a linger timeout returns at once and resets its queued connections",
          "[listener][D1][R2]") {
  const auto transport = GENERATE(platform::Transport::tcp4, platform::Transport::tcp6);
  CLOSESEM_TRANSPORT_OR_SKIP(transport, "");

  // 60 s: far beyond any wait of the test, so a close that lingered cannot pass.
  constexpr int kLingerSeconds = 60;
  auto listener = open_listener(transport, 8);
  REQUIRE_THAT(observe("set_linger(listener, {1,60})", platform::set_linger(listener.socket.get(), {true, kLingerSeconds})),
               succeeds());
  std::array<platform::Socket, 2> clients;
  for (auto& client : clients) {
    REQUIRE_THAT(observe("socket(client)", platform::open_stream(transport, client)), succeeds());
    REQUIRE_THAT(observe("connect(client) to the listener", connect_bounded(client.get(), listener.endpoint)),
                 succeeds());
    // Data from the client waits, unread, in the queued connection.
    REQUIRE_THAT(observe("send(client, 5)", send_pattern(client.get(), 5)), succeeds_with(5));
  }

  const auto started = std::chrono::steady_clock::now();
  CHECK_THAT(observe("close(listener) with linger {1,60} and two connections queued", listener.socket.close()),
             succeeds());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  INFO("close(listener) took " << took.count() << " ms");
  CHECK(took < positive_timeout());

  for (auto& client : clients) {
    CHECK_THAT(wait_for("client", client.get(), platform::WaitFor::readable), succeeds_with(1));
    char byte = 0;
    CHECK_THAT(observe("recv(client) after close(listener)", platform::recv(client.get(), &byte, 1)),
               fails_with(Errc::connection_reset));
  }
}
