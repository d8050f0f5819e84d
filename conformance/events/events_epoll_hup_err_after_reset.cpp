// SPDX-License-Identifier: MIT
// Level-triggered epoll on a socket whose peer reset the connection: EPOLLERR and
// EPOLLHUP besides in, out and rdhup. epoll_ctl.2: EPOLLERR and EPOLLHUP are always
// reported, need not be asked for; tcp_reset (net/ipv4/tcp_input.c) sets sk_err and
// tcp_done closes the socket, so tcp_poll (net/ipv4/tcp.c) reports EPOLLERR and EPOLLHUP
// (contract §4 #28). Linux only (registered in the Linux build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: epoll after the peer's reset reports hup and err", "[events][N7]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto notifier =
      open_notifier(platform::Notifier::Kind::epoll_level, pair.second.get(), "epoll level on second");
  REQUIRE_THAT(observe("set linger {1,0} on first", platform::set_linger(pair.first.get(), platform::Linger{true, 0})),
               succeeds());
  CHECK_THAT(observe("close(first) with linger {1,0}", pair.first.close()), succeeds());
  REQUIRE_THAT(wait_for("second", pair.second.get(), platform::WaitFor::readable), succeeds_with(1));
  events::EventSet seen;
  REQUIRE_THAT(observe("epoll_wait(second) after the peer's reset", notifier->wait(positive_timeout(), seen)),
               succeeds_with(1));
  check_event_bits("epoll_wait(second) after the peer's reset", seen,
                   events::in | events::out | events::hup | events::rdhup | events::err);
}
