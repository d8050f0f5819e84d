// SPDX-License-Identifier: MIT
// After shutdown(send), send fails: Winsock WSAESHUTDOWN (send R6), POSIX EPIPE
// (send.2; contract §4 #18), and on POSIX no SIGPIPE reaches the process (MSG_NOSIGNAL).
// The peer reads end of stream while the other direction still carries data (S5).
#include "closesem_testing/fixtures.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("shutdown: send after shutdown(send) fails, with no SIGPIPE", "[shutdown][R6][S5]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);
  const auto signals_before = platform::broken_pipe_signals();

  REQUIRE_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());
  CHECK_THAT(observe("send(first, 1) after shutdown(first, send)", platform::send(pair.first.get(), "x", 1)),
             fails_with(by_api(Errc::shut_down, Errc::broken_pipe)));
  CHECK(platform::broken_pipe_signals() == signals_before);
}

TEST_CASE("shutdown: after shutdown(send) the peer reads end of stream and can still send back",
          "[shutdown][S5][R1]") {
  const auto kind = GENERATE(from_range(stream_pair_kinds()));
  CAPTURE(kind.description());
  CLOSESEM_PAIR_OR_SKIP(pair, kind);

  REQUIRE_THAT(observe("shutdown(first, send)", platform::shutdown(pair.first.get(), platform::ShutdownHow::send)),
               succeeds());
  REQUIRE_THAT(observe("wait readable(second)",
                       platform::wait(pair.second.get(), platform::WaitFor::readable, positive_timeout())),
               succeeds_with(1));
  char buffer[8] = {};
  CHECK_THAT(observe("recv(second) after the peer's shutdown(send)",
                     platform::recv(pair.second.get(), buffer, sizeof(buffer))),
             reads_eof());

  // The other direction is untouched.
  CHECK_THAT(observe("send(second, 4)", platform::send(pair.second.get(), "back", 4)), succeeds_with(4));
  REQUIRE_THAT(observe("wait readable(first)",
                       platform::wait(pair.first.get(), platform::WaitFor::readable, positive_timeout())),
               succeeds_with(1));
  CHECK_THAT(observe("recv(first)", platform::recv(pair.first.get(), buffer, sizeof(buffer))), succeeds_with(4));
  CHECK(std::string(buffer, 4) == "back");
}
