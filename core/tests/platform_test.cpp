// SPDX-License-Identifier: MIT
// The platform layer itself: outcome capture with the sentinel, RAII ownership,
// bounded waits and the platform id.
#include "closesem_testing/fixtures.hpp"

#include <chrono>
#include <string>

using closesem::Errc;
using closesem::testing::by_api;
using closesem::testing::fails_with;
using closesem::testing::observe;
using closesem::testing::succeeds;
using closesem::testing::succeeds_with;
namespace platform = closesem::platform;

TEST_CASE("outcome: a failed call writes the error slot over the sentinel", "[unit][sentinel]") {
  platform::Socket socket;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, socket)),
               succeeds());
  // An unconnected stream socket has no peer: the call fails and must say why.
  char byte = 0;
  const auto outcome = platform::recv(socket.get(), &byte, 1);
  CHECK_THAT(observe("recv on an unconnected socket", outcome), fails_with(Errc::not_connected));
  CHECK(outcome.error_set());
  CHECK(outcome.native != 0);
}

TEST_CASE("outcome: a successful call leaves the error slot unset or zero", "[unit][sentinel]") {
  // docs/contract.md E1 and §5 rule 3: Winsock may reset the last error to 0 on success (Windows 7
  // and later), or leave it untouched; POSIX never writes errno on success.
  platform::Socket socket;
  const auto outcome = platform::open_stream(platform::Transport::tcp4, socket);
  REQUIRE_THAT(observe("socket(tcp4)", outcome), succeeds());
  CHECK((outcome.native == platform::kErrorSentinel || outcome.native == 0));
  const auto linger = platform::set_linger(socket.get(), {true, 3});
  REQUIRE_THAT(observe("setsockopt(SO_LINGER)", linger), succeeds());
  CHECK((linger.native == platform::kErrorSentinel || linger.native == 0));
}

TEST_CASE("outcome: describe names the return value, the portable and the native error", "[unit][sentinel]") {
  platform::CallResult outcome;
  outcome.ret = -1;
  outcome.errc = Errc::connection_reset;
  outcome.native = *platform::native_from_errc(Errc::connection_reset);
  const std::string native = by_api<std::string>("WSAECONNRESET(10054)", "ECONNRESET(104)");
  CHECK(outcome.describe() == "ret=-1 errc=connection_reset native=" + native);
}

TEST_CASE("socket: the RAII owner closes on destruction and release hands the handle over", "[unit][socket]") {
  platform::NativeHandle raw = platform::kInvalidHandle;
  {
    platform::Socket socket;
    REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, socket)),
                 succeeds());
    raw = socket.release();
    CHECK_FALSE(socket.valid());
  }
  // Still ours after the owner went away: closing it now succeeds exactly once.
  CHECK_THAT(observe("close(released handle)", platform::close_handle(raw)), succeeds());
}

TEST_CASE("wait: a bounded wait on an idle socket times out and says so", "[unit][wait]") {
  auto made = closesem::make_pair({platform::Transport::tcp4, false});
  REQUIRE(made.status == closesem::PairStatus::ok);
  platform::Events events;
  const auto started = std::chrono::steady_clock::now();
  const auto waited = platform::wait(made.pair.first.get(), platform::WaitFor::readable,
                                     std::chrono::milliseconds(50), &events);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK_THAT(observe("wait readable on an idle socket", waited), succeeds_with(0));
  CHECK_FALSE(events.readable);
  // The wait returned: it is bounded (the bound itself is not a timing assertion).
  CHECK(elapsed < std::chrono::seconds(30));
}

TEST_CASE("platform: the id names the system and, under Wine, Wine", "[unit][platform]") {
  const auto id = platform::platform_id();
  INFO("platform id: " << id);
  if (platform::api() == platform::Api::winsock) {
    const bool windows = id.rfind("windows-", 0) == 0;
    const bool wine = id.rfind("wine-", 0) == 0 && id.find("windows-") != std::string::npos;
    CHECK((windows || wine));
  } else {
    CHECK(id.find('-') != std::string::npos);
    CHECK(id.find("unknown") == std::string::npos);
  }
}

TEST_CASE("platform: the Winsock lifecycle calls nest", "[unit][platform]") {
  // One more startup and its matching cleanup leave the main()'s session intact.
  REQUIRE_THAT(observe("startup", platform::startup()), succeeds());
  REQUIRE_THAT(observe("cleanup", platform::cleanup()), succeeds());
  platform::Socket socket;
  CHECK_THAT(observe("socket after a nested startup/cleanup",
                     platform::open_stream(platform::Transport::tcp4, socket)),
             succeeds());
}
