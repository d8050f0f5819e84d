// SPDX-License-Identifier: MIT
// Edge-triggered epoll reports a change once: data arriving makes one epoll_wait report
// in (with out, the socket's whole ready mask), and the next wait, with the data still
// unread and nothing new, reports nothing. epoll.7: with EPOLLET "the call to epoll_wait
// ... will not [report again] ... until the next event"; fs/eventpoll.c ep_send_events
// puts a level-triggered item back on the ready list, an EPOLLET item not. Linux only
// (registered in the Linux build only).
#include "closesem_testing/fixtures.hpp"

#include "../pending_call.hpp"

#include <memory>

using namespace closesem::testing;
namespace platform = closesem::platform;
namespace events = closesem::events;

TEST_CASE("events: edge-triggered epoll reports arriving data once", "[events][N8]") {
  const closesem::PairKind kind{platform::Transport::tcp4, false};
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto notifier = open_notifier(platform::Notifier::Kind::epoll_edge, pair.second.get(), "epoll edge on second");
  // The registration's own edge (the socket is writable) is consumed first.
  events::EventSet initial;
  REQUIRE_THAT(observe("epoll_wait(second) after the registration", notifier->wait(positive_timeout(), initial)),
               succeeds_with(1));
  check_event_bits("epoll_wait(second) after the registration", initial, events::out);

  CHECK_THAT(observe("send(first, 10)", send_pattern(pair.first.get(), 10)), succeeds_with(10));
  events::EventSet first_seen;
  REQUIRE_THAT(observe("epoll_wait(second) after the peer's data", notifier->wait(positive_timeout(), first_seen)),
               succeeds_with(1));
  check_event_bits("epoll_wait(second) after the peer's data", first_seen, events::in | events::out);
  events::EventSet again;
  CHECK_THAT(observe("epoll_wait(second) again with the data unread and nothing new",
                     notifier->wait(quiet_timeout(), again)),
             succeeds_with(0));
  check_event_bits("epoll_wait(second) again with the data unread and nothing new", again, 0);
}
