// SPDX-License-Identifier: MIT
// Notifications with their event sets (platform::poll_events, select_events, Notifier) on
// real loopback sockets: a fresh pair, queued data, the peer's FIN, the peer's reset and
// a closed descriptor, each as the event set poll, epoll (level and edge) and select
// report. On Linux the sets are exact (measured; net/ipv4/tcp.c tcp_poll says why:
// RCV_SHUTDOWN is in|rdhup, both directions shut or TCP_CLOSE is hup, sk_err is err); on
// Winsock the tests ask for the bits WSAPoll shares with poll, and that the Linux-only
// kinds say not_supported.
#include "closesem_testing/fixtures.hpp"

#include "closesem/events.hpp"

#include <chrono>
#include <memory>
#include <string>

using closesem::Errc;
using closesem::testing::by_api;
using closesem::testing::fails_with;
using closesem::testing::observe;
using closesem::testing::positive_timeout;
using closesem::testing::quiet_timeout;
using closesem::testing::succeeds;
using closesem::testing::succeeds_with;
namespace platform = closesem::platform;
namespace events = closesem::events;
using platform::Notifier;

namespace {

bool on_linux() { return platform::api() == platform::Api::posix && platform::identity().os == "linux"; }

events::EventSet set_of(std::uint32_t bits) {
  events::EventSet set;
  set.bits = bits;
  return set;
}

std::string text(const events::EventSet& set) { return events::print(set); }

// poll with a bound; the outcome must be a success (ret 1 when `set` is not empty).
events::EventSet polled(const std::string& what, platform::NativeHandle handle,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  events::EventSet seen;
  const auto outcome = platform::poll_events(handle, timeout, seen);
  CHECK_THAT(observe("poll(" + what + ")", outcome), succeeds_with(seen.bits != 0 ? 1 : 0));
  return seen;
}

events::EventSet waited(const std::string& what, Notifier& notifier,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  events::EventSet seen;
  const auto outcome = notifier.wait(timeout, seen);
  CHECK_THAT(observe("epoll_wait(" + what + ")", outcome), succeeds_with(seen.bits != 0 ? 1 : 0));
  return seen;
}

std::unique_ptr<Notifier> open_or_fail(Notifier::Kind kind, platform::NativeHandle handle) {
  std::unique_ptr<Notifier> notifier;
  REQUIRE_THAT(observe("open notifier", Notifier::open(kind, handle, notifier)), succeeds());
  REQUIRE(notifier != nullptr);
  return notifier;
}

const char* kind_name(Notifier::Kind kind) {
  switch (kind) {
    case Notifier::Kind::epoll_level: return "epoll level";
    case Notifier::Kind::epoll_edge: return "epoll edge";
    case Notifier::Kind::event_select: return "event_select";
  }
  return "?";
}

// Checks one state of `handle` against poll and both epoll kinds (Linux: the exact
// `linux_set`; Winsock: poll reports at least `portable_bits`). Edge-triggered epoll
// reports the state once, then nothing until it changes.
void check_state(const std::string& state, platform::NativeHandle handle, std::uint32_t linux_set,
                 std::uint32_t portable_bits) {
  INFO("state: " << state);
  const auto seen = polled(state, handle);
  if (on_linux()) {
    CHECK(text(seen) == text(set_of(linux_set)));
    for (const auto kind : {Notifier::Kind::epoll_level, Notifier::Kind::epoll_edge}) {
      INFO(kind_name(kind));
      auto notifier = open_or_fail(kind, handle);
      CHECK(text(waited(state, *notifier)) == text(set_of(linux_set)));
      const auto again = kind == Notifier::Kind::epoll_edge ? events::EventSet{} : set_of(linux_set);
      CHECK(text(waited(state + ", again", *notifier)) == text(again));
    }
  } else {
    CHECK((seen.bits & portable_bits) == portable_bits);
  }
}

}  // namespace

TEST_CASE("notify: a fresh connected pair is writable only", "[unit][notify]") {
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  check_state("fresh pair", pair.first.get(), events::out, events::out);
  CHECK((polled("fresh pair", pair.first.get()).bits & events::in) == 0);
}

TEST_CASE("notify: queued data makes the socket readable and writable", "[unit][notify]") {
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  REQUIRE_THAT(observe("send(second, 1)", closesem::testing::send_pattern(pair.second.get(), 1)), succeeds_with(1));
  REQUIRE_THAT(closesem::testing::wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  check_state("data queued", pair.first.get(), events::in | events::out, events::in | events::out);
}

TEST_CASE("notify: the peer's FIN is in and rdhup (Linux), never hup", "[unit][notify]") {
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  REQUIRE_THAT(observe("shutdown(second, send)", platform::shutdown(pair.second.get(), platform::ShutdownHow::send)),
               succeeds());
  REQUIRE_THAT(closesem::testing::wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  if (platform::identity().wine_major() == 8) {
    // Measured on wine-8.0: WSAPoll after the peer's FIN answers {out,hup}, without the
    // readability (POLLRDNORM) that a recv returning 0 would deserve. Windows documents
    // POLLHUP for "disconnected or aborted" and POLLRDNORM when a recv would not block
    // (WSAPoll, WSAPOLLFD pages; not measured on Windows).
    CHECK(text(polled("peer FIN under Wine", pair.first.get())) == text(set_of(events::out | events::hup)));
    return;
  }
  check_state("peer FIN", pair.first.get(), events::in | events::out | events::rdhup, events::in);
}

TEST_CASE("notify: the peer's reset shows hup and err", "[unit][notify]") {
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  REQUIRE_THAT(observe("setsockopt(second, SO_LINGER {1,0})", platform::set_linger(pair.second.get(), {true, 0})),
               succeeds());
  REQUIRE_THAT(observe("close(second) abortive", pair.second.close()), succeeds());
  REQUIRE_THAT(closesem::testing::wait_for("first", pair.first.get(), platform::WaitFor::readable), succeeds_with(1));
  const auto seen = polled("peer reset", pair.first.get());
  INFO("poll after the peer's reset: " << text(seen));
  // Both platforms: the connection is gone (hup) or failed (err); Linux: both, exactly.
  CHECK((seen.bits & (events::hup | events::err)) != 0);
  if (on_linux())
    check_state("peer reset", pair.first.get(), events::in | events::out | events::hup | events::rdhup | events::err,
                events::hup);
}

TEST_CASE("notify: own shutdowns give their event sets (Linux)", "[unit][notify][linux]") {
  if (!on_linux()) CLOSESEM_SKIP("rdhup and epoll are Linux's; Winsock's sets are the Winsock helper's");
  const auto how = GENERATE(platform::ShutdownHow::receive, platform::ShutdownHow::send, platform::ShutdownHow::both);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  REQUIRE_THAT(observe("shutdown(first)", platform::shutdown(pair.first.get(), how)), succeeds());
  std::uint32_t expected = 0;
  switch (how) {
    case platform::ShutdownHow::receive: expected = events::in | events::out | events::rdhup; break;
    case platform::ShutdownHow::send: expected = events::out; break;
    case platform::ShutdownHow::both: expected = events::in | events::out | events::hup | events::rdhup; break;
  }
  check_state("own shutdown " + std::string(platform::to_string(how)), pair.first.get(), expected, 0);
}

TEST_CASE("notify: a closed descriptor is nval to poll and an error to select and epoll", "[unit][notify]") {
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  const auto handle = pair.first.get();
  auto notifier_kind = by_api(Notifier::Kind::event_select, Notifier::Kind::epoll_level);
  std::unique_ptr<Notifier> before;
  if (on_linux()) before = open_or_fail(Notifier::Kind::epoll_level, handle);
  REQUIRE_THAT(observe("close(first)", pair.first.close()), succeeds());
  // Nothing else may take the number between the close and the calls below (this test
  // opens nothing in between), so they ask about the closed handle itself.
  if (platform::identity().wine_major() == 8) {
    // Measured on wine-8.0: WSAPoll on a closed socket fails WSAENOTSOCK and still sets
    // POLLNVAL in revents; Windows documents POLLNVAL as an event of a successful call
    // (WSAPOLLFD page; not measured on Windows).
    events::EventSet seen;
    CHECK_THAT(observe("WSAPoll(closed socket) under Wine",
                       platform::poll_events(handle, std::chrono::milliseconds(0), seen)),
               fails_with(Errc::not_socket));
    CHECK(text(seen) == text(set_of(events::nval)));
  } else {
    const auto seen = polled("closed descriptor", handle);
    CHECK(text(seen) == text(set_of(events::nval)));
  }
  events::EventSet selected;
  CHECK_THAT(observe("select(closed descriptor)", platform::select_events(handle, std::chrono::milliseconds(0), selected)),
             fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
  std::unique_ptr<Notifier> after;
  CHECK_THAT(observe(std::string("open ") + kind_name(notifier_kind) + " on a closed descriptor",
                     Notifier::open(notifier_kind, handle, after)),
             fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
  CHECK(after == nullptr);
  if (before != nullptr) {
    // Linux drops the registration with the file's last close (fs/eventpoll.c): the
    // instance made before reports nothing.
    CHECK(text(waited("epoll made before the close", *before, quiet_timeout())) == "{}");
  }
}

TEST_CASE("notify: epoll edge reports a change once, then nothing", "[unit][notify][linux]") {
  if (!on_linux()) CLOSESEM_SKIP("epoll is Linux's");
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  auto edge = open_or_fail(Notifier::Kind::epoll_edge, pair.first.get());
  auto level = open_or_fail(Notifier::Kind::epoll_level, pair.first.get());
  CHECK(text(waited("edge, fresh", *edge)) == "{out}");
  CHECK(text(waited("edge, nothing new", *edge, quiet_timeout())) == "{}");
  REQUIRE_THAT(observe("send(second, 1)", closesem::testing::send_pattern(pair.second.get(), 1)), succeeds_with(1));
  CHECK(text(waited("edge, data came", *edge, positive_timeout())) == "{in,out}");
  CHECK(text(waited("edge, nothing new since", *edge, quiet_timeout())) == "{}");
  // Level-triggered keeps reporting the state as long as it holds.
  CHECK(text(waited("level", *level)) == "{in,out}");
  CHECK(text(waited("level, again", *level)) == "{in,out}");
}

TEST_CASE("notify: select reports readable and writable, the other notifier kind is not_supported", "[unit][notify]") {
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  events::EventSet seen;
  CHECK_THAT(observe("select(fresh pair)", platform::select_events(pair.first.get(), std::chrono::milliseconds(0), seen)),
             succeeds_with(1));
  CHECK(text(seen) == "{out}");
  REQUIRE_THAT(observe("send(second, 1)", closesem::testing::send_pattern(pair.second.get(), 1)), succeeds_with(1));
  CHECK_THAT(observe("select(data queued)", platform::select_events(pair.first.get(), positive_timeout(), seen)),
             succeeds_with(1));
  CHECK((seen.bits & events::in) != 0);
  // The kinds that are the other API's: refused without a call.
  for (const auto kind : by_api<std::vector<Notifier::Kind>>({Notifier::Kind::epoll_level, Notifier::Kind::epoll_edge},
                                                             {Notifier::Kind::event_select})) {
    INFO(kind_name(kind));
    std::unique_ptr<Notifier> notifier;
    const auto outcome = Notifier::open(kind, pair.first.get(), notifier);
    CHECK_THAT(observe(std::string("open ") + kind_name(kind), outcome), fails_with(Errc::not_supported));
    CHECK_FALSE(outcome.error_set());
    CHECK(notifier == nullptr);
  }
}

TEST_CASE("notify: a bounded poll on an idle listener times out with no events", "[unit][notify]") {
  platform::Socket listener;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, listener)), succeeds());
  REQUIRE_THAT(observe("bind(loopback:0)", platform::bind_loopback(listener.get(), platform::Transport::tcp4)),
               succeeds());
  REQUIRE_THAT(observe("listen(8)", platform::listen(listener.get(), 8)), succeeds());
  const auto seen = polled("idle listener", listener.get(), std::chrono::milliseconds(50));
  CHECK(text(seen) == "{}");
}
