// SPDX-License-Identifier: MIT
// Pending accepts and connects, and the io_context's stop(). The acceptor's close()
// and cancel() are documented like the socket's: pending accepts complete with
// operation_aborted (basic_socket_acceptor.hpp, close(), cancel()). A connect is held
// pending by a listener whose accept queue is full: Linux then drops the SYN and the
// client keeps retrying (listen.2, backlog), so close() meets a connect in progress.
// io_context::stop(): "all invocations of its run() or run_one() member functions
// should return as soon as possible"; no handler runs until restart() (io_context.hpp).
#include "asio_fixture.hpp"

#include <memory>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
using namespace closesem::testing::asio_test;
namespace platform = closesem::platform;

namespace {

struct Listening {
  as::Strand strand;
  tcp::acceptor acceptor;
  tcp::endpoint endpoint;
  explicit Listening(as::Loop& loop) : strand(loop.make_strand()), acceptor(strand) {}
};

// An acceptor on the IPv4 loopback, port 0, with `backlog`; fails the test if not.
Listening& listen(AsioFixture& fixture, int backlog) {
  auto& made = fixture.loop().own<Listening>(fixture.loop());
  asio::error_code ec;
  const tcp::endpoint at(asio::ip::address_v4::loopback(), 0);
  made.acceptor.open(at.protocol(), ec);
  if (!ec) made.acceptor.bind(at, ec);
  if (!ec) made.acceptor.listen(backlog, ec);
  if (!ec) made.endpoint = made.acceptor.local_endpoint(ec);
  INFO("acceptor on 127.0.0.1:0: " << as::describe(ec));
  REQUIRE_FALSE(ec);
  return made;
}

int start_accept(AsioFixture& fixture, Listening& listening, tcp::socket& into) {
  const int id = fixture.loop().start(listening.strand, "async_accept(listener)",
                                      [&listening, &into](as::Handler handler) {
                                        listening.acceptor.async_accept(into, std::move(handler));
                                      });
  REQUIRE(id >= 0);
  return id;
}

platform::CallResult on_acceptor(AsioFixture& fixture, Listening& listening, bool close) {
  asio::error_code ec;
  const bool ran = fixture.loop().call(
      listening.strand, [&] { close ? listening.acceptor.close(ec) : listening.acceptor.cancel(ec); },
      positive_timeout());
  REQUIRE(ran);
  return as::outcome_of(ec, 0);
}

// A client socket with its own strand, owned by the loop.
struct Client {
  as::Strand strand;
  tcp::socket socket;
  explicit Client(as::Loop& loop) : strand(loop.make_strand()), socket(strand) {}
};

int start_connect(AsioFixture& fixture, Client& client, const Listening& listening, const std::string& operation) {
  const int id = fixture.loop().start(client.strand, operation, [&client, &listening](as::Handler handler) {
    client.socket.async_connect(listening.endpoint, std::move(handler));
  });
  REQUIRE(id >= 0);
  return id;
}

}  // namespace

TEST_CASE("asio: closing an acceptor completes a pending async_accept with operation_aborted, and its port then refuses",
          "[asio][A1][A2]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  auto& listening = listen(fixture, 8);
  auto& accepted = fixture.loop().own<Client>(fixture.loop());
  const int accept = start_accept(fixture, listening, accepted.socket);
  REQUIRE(fixture.still_pending(accept));
  CHECK_THAT(observe("close(listener) with async_accept pending", on_acceptor(fixture, listening, true)), succeeds());
  CHECK_THAT(fixture.completed(accept, "async_accept(listener) pending when close(listener) came"),
             fails_with(Errc::operation_aborted));
  auto& client = fixture.loop().own<Client>(fixture.loop());
  const int connect = start_connect(fixture, client, listening, "async_connect(client) to the closed listener's port");
  CHECK_THAT(fixture.completed(connect, "async_connect(client) to the closed listener's port"),
             fails_with(Errc::connection_refused));
  fixture.finish();
}

TEST_CASE("asio: cancel() on an acceptor completes a pending async_accept with operation_aborted, and it still accepts",
          "[asio][A2][A5]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  auto& listening = listen(fixture, 8);
  auto& first_try = fixture.loop().own<Client>(fixture.loop());
  const int accept = start_accept(fixture, listening, first_try.socket);
  REQUIRE(fixture.still_pending(accept));
  CHECK_THAT(observe("cancel(listener) with async_accept pending", on_acceptor(fixture, listening, false)), succeeds());
  CHECK_THAT(fixture.completed(accept, "async_accept(listener) pending when cancel(listener) came"),
             fails_with(Errc::operation_aborted));
  auto& accepted = fixture.loop().own<Client>(fixture.loop());
  const int again = start_accept(fixture, listening, accepted.socket);
  auto& client = fixture.loop().own<Client>(fixture.loop());
  const int connect = start_connect(fixture, client, listening, "async_connect(client)");
  CHECK_THAT(fixture.completed(connect, "async_connect(client) after cancel(listener)"), succeeds());
  CHECK_THAT(fixture.completed(again, "async_accept(listener) after cancel(listener)"), succeeds());
  fixture.finish();
}

TEST_CASE("asio: close() completes a pending async_connect with operation_aborted", "[asio][A1][A2]") {
  const unsigned threads = GENERATE(1u, 2u);
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads);
  // A listener that never accepts, with the smallest queue: once it is full, the next
  // connect stays in progress (SYNs dropped) for a second or more.
  auto& listening = listen(fixture, 0);
  int pending = -1;
  Client* held = nullptr;
  for (int attempt = 0; attempt < 8 && pending < 0; ++attempt) {
    auto& client = fixture.loop().own<Client>(fixture.loop());
    const int connect = start_connect(fixture, client, listening, "async_connect(client " + std::to_string(attempt) + ")");
    if (fixture.still_pending(connect)) {
      pending = connect;
      held = &client;
    } else {
      CHECK_THAT(fixture.completed(connect, "async_connect(client " + std::to_string(attempt) + ") to a queue not yet full"),
                 succeeds());
    }
  }
  if (pending < 0) CLOSESEM_SKIP("every connect completed: this stack does not hold a connect to a full accept queue pending");
  asio::error_code ec;
  REQUIRE(fixture.loop().call(held->strand, [&] { held->socket.close(ec); }, positive_timeout()));
  CHECK_THAT(observe("close(client) with async_connect pending", as::outcome_of(ec, 0)), succeeds());
  CHECK_THAT(fixture.completed(pending, "async_connect(client) pending when close(client) came"),
             fails_with(Errc::operation_aborted));
  fixture.finish();
}

TEST_CASE("asio: after io_context::stop() no handler runs until restart(), and then each runs once",
          "[asio][A11]") {
  // The test thread runs the context itself (0 threads), so "no handler ran" is exact.
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, 0u);
  const auto second = fixture.second();
  // The wait first: on IOCP it is a zero-byte receive, which a read queued before it
  // and taking all the data would leave pending.
  const int wait = fixture.start_wait(second, tcp::socket::wait_read);
  const int read = fixture.start_read(second);
  fixture.loop().stop();
  // A synchronous write from this thread: nothing else uses the sockets.
  asio::error_code ec;
  fixture.first().socket->write_some(asio::buffer("xyz", 3), ec);
  REQUIRE_FALSE(ec);
  // Data is there; a stopped context still runs nothing.
  const auto ran_while_stopped = fixture.loop().context().poll();
  CHECK(ran_while_stopped == 0);
  CHECK_FALSE(fixture.loop().ran(read));
  CHECK_FALSE(fixture.loop().ran(wait));
  fixture.loop().restart();
  CHECK_THAT(fixture.completed(wait, "async_wait(second, read) after restart()"), succeeds());
  CHECK_THAT(fixture.completed(read, "async_read_some(second) after restart()"), succeeds_with(3));
  fixture.finish();
}

// Found by fuzz_asio_close under Wine (corpora/fuzz_asio_close/regressions/
// iocp-second-poll-after-stop.asio). The IOCP backend's stop() posts one stop packet
// to the completion port; the first poll() or run_one() takes it and returns, and the
// next one takes whatever completed after it and runs that handler
// (detail/impl/win_iocp_io_context.ipp, do_one). The reactor checks stopped() first.
TEST_CASE("asio: after io_context::stop() a second poll() still runs no handler", "[asio][A11]") {
  CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, 0u);
  fixture.loop().stop();
  // Started after stop(), from this thread (nothing else runs the context): the write
  // completes at once, its handler waits for restart().
  const int write = fixture.loop().track("async_write_some(first, 100)");
  auto& data = fixture.buffer(100, 'w');
  fixture.first().socket->async_write_some(asio::buffer(data), fixture.loop().handler(write));
  std::size_t ran = fixture.loop().context().poll();
  ran += fixture.loop().context().poll();
  platform::CallResult outcome;
  outcome.ret = static_cast<std::int64_t>(ran);
  CHECK_THAT(observe("poll() twice after stop(), with async_write_some(first, 100) complete: handlers run", outcome),
             succeeds_with(0));
  fixture.judged_after_stop();
  fixture.loop().restart();
  CHECK_THAT(fixture.completed(write, "async_write_some(first, 100) after restart()"), succeeds_with(100));
  fixture.finish();
}
