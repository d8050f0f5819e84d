// SPDX-License-Identifier: MIT
// Level-triggered epoll on a socket whose peer shut down sending (its FIN arrived):
// EPOLLIN, EPOLLOUT and EPOLLRDHUP, no EPOLLHUP. epoll_ctl.2: EPOLLRDHUP "stream socket
// peer closed connection, or shut down writing half of connection"; tcp_poll
// (net/ipv4/tcp.c) gives EPOLLHUP only when both directions are shut; fs/eventpoll.c
// ep_item_poll reports the file's poll mask filtered by the registered events (in, out,
// rdhup; hup and err are always reported). Linux only (registered in the Linux build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: epoll after the peer's FIN reports rdhup, not hup", "[events][N6]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto notifier =
      open_notifier(platform::Notifier::Kind::epoll_level, pair.second.get(), "epoll level on second");
  CHECK_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
             succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("epoll_wait(second) after the peer's FIN", notifier->wait(positive_timeout(), seen)),
               succeeds_with(1));
  check_event_bits("epoll_wait(second) after the peer's FIN", seen, events::in | events::out | events::rdhup);
}
