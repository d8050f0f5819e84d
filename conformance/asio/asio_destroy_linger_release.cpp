// SPDX-License-Identifier: MIT
// The other ways an asio socket lets go of its descriptor. The destructor cancels like
// close() and then closes; when the user set SO_LINGER, it first turns lingering off:
// "We don't want the destructor to block, so set the socket to linger in the
// background. If the user doesn't like this behaviour then they need to explicitly
// close the socket." (detail/impl/socket_ops.ipp, close(), destruction == true) So a
// destroyed socket never resets the connection the way close() with linger {1,0} does,
// and never blocks on a linger timeout (catalogue #40). release(): pending operations
// are cancelled with operation_aborted and the native socket is handed over, open
// (basic_socket.hpp, release(); Windows 8.1 and later).
#include "asio_fixture.hpp"

#include <chrono>

using closesem::Errc;
using namespace closesem::testing;
using namespace closesem::testing::asio_test;
namespace platform = closesem::platform;

namespace {

// Destroys the socket object of `end` (its state moves into a local that goes out of
// scope on the end's strand); the end's socket is left closed.
void destroy(AsioFixture& fixture, const End& end) {
  fixture.on(end, [](tcp::socket& socket) { tcp::socket doomed(std::move(socket)); });
}

// set_option(linger {1, seconds}) on the end's strand.
platform::CallResult set_linger(AsioFixture& fixture, const End& end, int seconds) {
  asio::error_code ec;
  fixture.on(end, [&ec, seconds](tcp::socket& socket) { socket.set_option(asio::socket_base::linger(true, seconds), ec); });
  return as::outcome_of(ec, 0);
}

}  // namespace

TEST_CASE("asio: destroying a socket completes its pending operations with operation_aborted, and the peer reads end of stream",
          "[asio][A2][A7]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  const int read = fixture.start_read(second);
  const int wait = fixture.start_wait(second, tcp::socket::wait_error);
  REQUIRE(fixture.still_pending(read));
  destroy(fixture, second);
  CHECK_THAT(fixture.completed(read, "async_read_some(second) pending when second was destroyed"),
             fails_with(Errc::operation_aborted));
  CHECK_THAT(fixture.completed(wait, "async_wait(second, error) pending when second was destroyed"),
             fails_with(Errc::operation_aborted));
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) after second was destroyed"), reads_eof());
  fixture.finish();
}

TEST_CASE("asio: close() with linger {1,0} resets the connection: the peer's read fails with connection reset",
          "[asio][A8]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  REQUIRE_THAT(observe("set_option(second, linger {1,0})", set_linger(fixture, second, 0)), succeeds());
  CHECK_THAT(observe("close(second) with linger {1,0}", fixture.close(second)), succeeds());
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) after close(second) with linger {1,0}"),
             fails_with(Errc::connection_reset));
  fixture.finish();
}

TEST_CASE("asio: destroying a socket with linger {1,0} set closes gracefully: the peer reads end of stream, not a reset",
          "[asio][A9]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  REQUIRE_THAT(observe("set_option(second, linger {1,0})", set_linger(fixture, second, 0)), succeeds());
  const int sent = fixture.start_write(second, 1000);
  REQUIRE_THAT(fixture.completed(sent, "async_write_some(second, 1000)"), succeeds_with(1000));
  destroy(fixture, second);
  std::size_t bytes = 0;
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) to the end after second with linger {1,0} was destroyed", &bytes),
             reads_eof());
  CHECK(bytes == 1000);
  fixture.finish();
}

TEST_CASE("asio: destroying a socket with a linger timeout set does not block, and the peer gets every byte, then end of stream",
          "[asio][A9]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  asio::error_code ec;
  std::size_t queued = 0;
  fixture.on(second, [&ec, &queued](tcp::socket& socket) {
    socket.set_option(asio::socket_base::linger(true, 2), ec);
    queued = as::fill_send_path(socket);
  });
  REQUIRE_THAT(observe("set_option(second, linger {1,2})", as::outcome_of(ec, 0)), succeeds());
  // The peer reads nothing yet: a close that honoured the linger would block 2 s.
  const auto before = std::chrono::steady_clock::now();
  destroy(fixture, second);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before);
  INFO("destroying second with linger {1,2} and " << queued << " bytes queued took " << took.count() << " ms");
  CHECK(took < std::chrono::milliseconds(1000));
  std::size_t bytes = 0;
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) to the end after second was destroyed", &bytes),
             reads_eof());
  CHECK(bytes == queued);
  fixture.finish();
}

TEST_CASE("asio: release() completes pending operations with operation_aborted and hands over the open socket",
          "[asio][A2][A10]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  const int read = fixture.start_read(second);
  REQUIRE(fixture.still_pending(read));
  asio::error_code ec;
  platform::NativeHandle released = platform::kInvalidHandle;
  bool open_after = true;
  fixture.on(second, [&](tcp::socket& socket) {
    released = as::release(socket, ec);
    open_after = socket.is_open();
  });
  CHECK_THAT(observe("release(second) with async_read_some(second) pending", as::outcome_of(ec, 0)), succeeds());
  // release() cancels first, whether or not it can then let go of the socket.
  CHECK_THAT(fixture.completed(read, "async_read_some(second) pending when release(second) came"),
             fails_with(Errc::operation_aborted));
  if (released == platform::kInvalidHandle) {
    // It failed (a deviation listed for this platform, or the failure above): the
    // socket is still asio's, open.
    CHECK(open_after);
    CHECK_THAT(observe("close(second) after release(second) failed", fixture.close(second)), succeeds());
    fixture.finish();
    return;
  }
  CHECK_FALSE(open_after);
  // The handle is ours now: it still carries the connection.
  platform::Socket handle(released);
  CHECK_THAT(observe("send(released second, 4)", platform::send(handle.get(), "data", 4)), succeeds_with(4));
  const int got = fixture.start_read(fixture.first());
  CHECK_THAT(fixture.completed(got, "async_read_some(first) after send(released second, 4)"), succeeds_with(4));
  CHECK_THAT(observe("close(released second)", handle.close()), succeeds());
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) after close(released second)"), reads_eof());
  fixture.finish();
}
