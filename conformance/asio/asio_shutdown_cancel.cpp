// SPDX-License-Identifier: MIT
// What asio's cancel() and shutdown() do to pending operations. cancel(): "all
// outstanding asynchronous connect, send and receive operations to finish immediately,
// and the handlers for cancelled operations will be passed the
// asio::error::operation_aborted error" (basic_socket.hpp, cancel()); the socket stays
// open. shutdown(): "Disable sends or receives on the socket" and nothing about
// pending operations: what they see is the stack's. On Linux the reactor retries a
// pending receive once shutdown(SHUT_RD) makes the socket readable, so it ends with
// end of stream; on Windows an overlapped WSARecv is not cancelled by SD_RECEIVE and
// completes with later data, while a new receive fails WSAESHUTDOWN (contract §2.4,
// Wine test_shutdown).
#include "asio_fixture.hpp"

using closesem::Errc;
using namespace closesem::testing;
using namespace closesem::testing::asio_test;
namespace platform = closesem::platform;

TEST_CASE("asio: cancel() completes pending operations with operation_aborted and the socket stays open and usable",
          "[asio][A2][A5]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  const int read = fixture.start_read(second);
  const int wait = fixture.start_wait(second, tcp::socket::wait_read);
  REQUIRE(fixture.still_pending(read));
  CHECK_THAT(observe("cancel(second) with async_read_some and async_wait pending", fixture.cancel(second)), succeeds());
  CHECK_THAT(fixture.completed(read, "async_read_some(second) pending when cancel(second) came"),
             fails_with(Errc::operation_aborted));
  CHECK_THAT(fixture.completed(wait, "async_wait(second, read) pending when cancel(second) came"),
             fails_with(Errc::operation_aborted));
  CHECK(fixture.is_open(second));
  const int again = fixture.start_read(second);
  const int sent = fixture.start_write(fixture.first(), 3);
  CHECK_THAT(fixture.completed(sent, "async_write_some(first, 3)"), succeeds_with(3));
  CHECK_THAT(fixture.completed(again, "async_read_some(second) after cancel(second), with 3 bytes sent"),
             succeeds_with(3));
  fixture.finish();
}

TEST_CASE("asio: cancel() with nothing pending succeeds and changes nothing", "[asio][A5]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  CHECK_THAT(observe("cancel(second) with nothing pending", fixture.cancel(fixture.second())), succeeds());
  const int read = fixture.start_read(fixture.second());
  const int sent = fixture.start_write(fixture.first(), 1);
  CHECK_THAT(fixture.completed(sent, "async_write_some(first, 1)"), succeeds_with(1));
  CHECK_THAT(fixture.completed(read, "async_read_some(second) after cancel(second)"), succeeds_with(1));
  fixture.finish();
}

TEST_CASE("asio: shutdown(send) leaves a pending async_read_some pending, the peer reads end of stream and its answer arrives",
          "[asio][A6]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  const int read = fixture.start_read(second);
  CHECK_THAT(observe("shutdown(second, send) with async_read_some(second) pending",
                     fixture.shutdown(second, tcp::socket::shutdown_send)),
             succeeds());
  CHECK(fixture.still_pending(read));
  CHECK(fixture.is_open(second));
  CHECK_THAT(fixture.read_to_end(fixture.first(), "async_read_some(first) after shutdown(second, send)"),
             reads_eof());
  const int answer = fixture.start_write(fixture.first(), 5);
  CHECK_THAT(fixture.completed(answer, "async_write_some(first, 5) after the end of stream"), succeeds_with(5));
  CHECK_THAT(fixture.completed(read, "async_read_some(second) pending across shutdown(second, send)"),
             succeeds_with(5));
  CHECK_THAT(observe("close(second)", fixture.close(second)), succeeds());
  fixture.finish();
}

TEST_CASE("asio: shutdown(receive) ends a pending async_read_some with end of stream on Linux, on Winsock it stays pending and gets later data",
          "[asio][A6]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  const int read = fixture.start_read(second);
  CHECK_THAT(observe("shutdown(second, receive) with async_read_some(second) pending",
                     fixture.shutdown(second, tcp::socket::shutdown_receive)),
             succeeds());
  // Linux completes the read at once; give it that time before the data comes.
  fixture.still_pending(read);
  const int sent = fixture.start_write(fixture.first(), 2);
  CHECK_THAT(fixture.completed(sent, "async_write_some(first, 2) after shutdown(second, receive)"),
             succeeds_with(2));
  CHECK_THAT(fixture.completed(read, "async_read_some(second) pending across shutdown(second, receive), then 2 bytes"),
             by_api(succeeds_with(2), reads_eof()));
  const int after = fixture.start_read(second);
  CHECK_THAT(fixture.completed(after, "async_read_some(second) started after shutdown(second, receive)"),
             by_api(fails_with(Errc::shut_down), succeeds_with(2)));
  CHECK_THAT(observe("close(second)", fixture.close(second)), succeeds());
  fixture.finish();
}

// Found by fuzz_asio_close (corpora/fuzz_asio_close/regressions/read-after-eof-stays-pending.asio).
// recv keeps returning 0 after end of stream (R1), so a read started then has its
// answer at once. asio 1.22's epoll reactor does not ask: a read that was pending when
// the FIN came completes "done_and_exhausted" (fewer bytes than asked), which clears
// the descriptor's try_speculative flag (detail/impl/epoll_reactor.ipp, start_op and
// descriptor_state::perform_io); the next read is queued for an edge-triggered event
// that never comes again, and stays pending until the socket is closed.
TEST_CASE("asio: a read started after a pending read got end of stream gets end of stream again",
          "[asio][A12]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  const auto second = fixture.second();
  const int pending = fixture.start_read(second);
  REQUIRE(fixture.still_pending(pending));
  CHECK_THAT(observe("close(first)", fixture.close(fixture.first())), succeeds());
  CHECK_THAT(fixture.completed(pending, "async_read_some(second) pending when first closed"), reads_eof());
  const int again = fixture.start_read(second);
  CHECK_THAT(fixture.completed(again, "async_read_some(second) started after the end of stream"), reads_eof());
  CHECK_THAT(observe("close(second)", fixture.close(second)), succeeds());
  fixture.finish();
}
