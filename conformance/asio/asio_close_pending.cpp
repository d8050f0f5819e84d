// SPDX-License-Identifier: MIT
// asio's close(): "Any asynchronous send, receive or connect operations will be
// cancelled immediately, and will complete with the asio::error::operation_aborted
// error" (basic_socket.hpp, close()); every handler runs exactly once and never from
// inside the call that started it (asio's "Asynchronous operations" requirements).
// Underneath, Linux's reactor cancels the queued operations itself; Windows' IOCP
// backend closes the socket and lets the overlapped calls complete, so the error a
// handler sees is whatever the stack reports (WSA_OPERATION_ABORTED, documented for
// closesocket D5). Catalogue #38.
#include "asio_fixture.hpp"

using closesem::Errc;
using namespace closesem::testing;
using namespace closesem::testing::asio_test;

namespace {

// What every "close() with X pending" test checks once X is pending on second.
void close_aborts(AsioFixture& fixture, int pending, const std::string& what) {
  const auto second = fixture.second();
  CHECK_THAT(observe("close(second) with " + what + " pending", fixture.close(second)), succeeds());
  CHECK_FALSE(fixture.is_open(second));
  CHECK_THAT(fixture.completed(pending, what + " pending when close(second) came"),
             fails_with(Errc::operation_aborted));
}

}  // namespace

TEST_CASE("asio: close() completes a pending async_read_some with operation_aborted, and the peer reads end of stream",
          "[asio][A1][A2][A3]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const int read = fixture.start_read(fixture.second());
  REQUIRE(fixture.still_pending(read));
  close_aborts(fixture, read, "async_read_some(second)");
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) after close(second)"), reads_eof());
  fixture.finish();
}

TEST_CASE("asio: close() completes a pending async_write_some with operation_aborted, and the peer reads what was queued, then end of stream",
          "[asio][A1][A2][A3]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  std::size_t queued = 0;
  fixture.on(second, [&queued](tcp::socket& socket) { queued = as::fill_send_path(socket); });
  INFO(queued << " bytes queued before the write");
  const int write = fixture.start_write(second, 64 * 1024);
  REQUIRE(fixture.still_pending(write));
  close_aborts(fixture, write, "async_write_some(second, 65536)");
  std::size_t read = 0;
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) to the end after close(second)", &read),
             reads_eof());
  CHECK(read == queued);
  fixture.finish();
}

TEST_CASE("asio: close() completes a pending async_wait with operation_aborted",
          "[asio][A1][A2]") {
  const unsigned threads = GENERATE(1u, 2u);
  const auto what = GENERATE(tcp::socket::wait_read, tcp::socket::wait_error);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const int wait = fixture.start_wait(fixture.second(), what);
  REQUIRE(fixture.still_pending(wait));
  close_aborts(fixture, wait, fixture.loop().completion(wait).operation);
  fixture.finish();
}

TEST_CASE("asio: close() completes every operation pending on a socket, each once",
          "[asio][A1][A2]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  fixture.on(second, [](tcp::socket& socket) { as::fill_send_path(socket); });
  const std::vector<int> pending{fixture.start_read(second), fixture.start_write(second, 4096),
                                 fixture.start_wait(second, tcp::socket::wait_read),
                                 fixture.start_wait(second, tcp::socket::wait_error),
                                 fixture.start_read(second)};
  for (const int id : pending) REQUIRE(fixture.still_pending(id));
  CHECK_THAT(observe("close(second) with five operations pending", fixture.close(second)), succeeds());
  // One bound for all five: a platform that never runs them fails in 5 s, not 25.
  fixture.loop().wait_until(
      [&] {
        for (const int id : pending)
          if (!fixture.loop().ran(id)) return false;
        return true;
      },
      positive_timeout());
  for (const int id : pending) {
    const auto operation = fixture.loop().completion(id).operation;
    CHECK_THAT(fixture.completed(id, operation + " pending when close(second) came", std::chrono::milliseconds(0)),
               fails_with(Errc::operation_aborted));
  }
  fixture.finish();
}

TEST_CASE("asio: an operation started after close() completes with bad_descriptor, once, never inline",
          "[asio][A2][A4]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  REQUIRE_THAT(observe("close(second)", fixture.close(second)), succeeds());
  const int read = fixture.start_read(second);
  CHECK_THAT(fixture.completed(read, "async_read_some(second) after close(second)"), fails_with(Errc::bad_handle));
  const int write = fixture.start_write(second, 1);
  CHECK_THAT(fixture.completed(write, "async_write_some(second, 1) after close(second)"),
             fails_with(Errc::bad_handle));
  const int wait = fixture.start_wait(second, tcp::socket::wait_read);
  CHECK_THAT(fixture.completed(wait, "async_wait(second, read) after close(second)"), fails_with(Errc::bad_handle));
  fixture.finish();
}

TEST_CASE("asio: close() on a closed socket succeeds, where closesocket and close fail",
          "[asio][A4]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  REQUIRE_THAT(observe("close(second)", fixture.close(second)), succeeds());
  CHECK_THAT(observe("close(second) again", fixture.close(second)), succeeds());
  CHECK_FALSE(fixture.is_open(second));
  asio::error_code ec;
  fixture.on(second, [&ec](tcp::socket& socket) { socket.shutdown(tcp::socket::shutdown_send, ec); });
  CHECK_THAT(observe("shutdown(second, send) after close(second)", as::outcome_of(ec, 0)),
             fails_with(Errc::bad_handle));
  fixture.finish();
}
