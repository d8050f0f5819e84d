// SPDX-License-Identifier: MIT
// Winsock pending calls (issue 17): overlapped and IOCP WSARecv, WSASend, AcceptEx and
// ConnectEx completing, cancelled by closesocket and CancelIoEx, one packet per call; and
// blocking calls on a worker thread. Windows only. Wine 8.0, measured:
// the Wine 8.0 measurements (docs/contract.md §4); Windows: the closesocket and CancelIoEx pages.
#include "closesem_testing/fixtures.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using closesem::Errc;
using closesem::testing::fails_with;
using closesem::testing::make_pair_or_fail;
using closesem::testing::observe;
using closesem::testing::positive_timeout;
using closesem::testing::quiet_timeout;
using closesem::testing::succeeds;
using closesem::testing::succeeds_with;
namespace platform = closesem::platform;
using platform::AsyncCallKind;
using platform::AsyncMechanism;

namespace {

const closesem::PairKind kTcp4{platform::Transport::tcp4, false};

// Win32 codes the measured Wine completions carry (measured on wine-8.0).
constexpr int kErrorInvalidHandle = 6;
constexpr int kErrorHandlesClosed = 676;
constexpr int kErrorNotFound = 1168;

std::string name(AsyncMechanism mechanism, AsyncCallKind call) {
  return std::string(platform::to_string(mechanism)) + " " + std::string(platform::to_string(call));
}

std::unique_ptr<platform::AsyncCall> start_or_fail(AsyncMechanism mechanism, platform::AsyncRequest request) {
  std::unique_ptr<platform::AsyncCall> call;
  const std::string what = "start " + name(mechanism, request.call);
  REQUIRE_THAT(observe(what, platform::AsyncCall::start(mechanism, std::move(request), call)), succeeds());
  REQUIRE(call != nullptr);
  return call;
}

// A request of `call` on `handle`; a recv reads up to `size` bytes.
platform::AsyncRequest request_of(AsyncCallKind call, platform::NativeHandle handle, std::size_t size = 0) {
  platform::AsyncRequest request;
  request.call = call;
  request.handle = handle;
  request.size = size;
  return request;
}

// A recv of up to 100 bytes on the pair's first end stays pending while nothing came, then
// completes with the bytes the peer sends (`text`), once.
std::unique_ptr<platform::AsyncCall> recv_gets(AsyncMechanism mechanism, closesem::PairResult& made,
                                               const std::string& text) {
  auto call = start_or_fail(mechanism, request_of(AsyncCallKind::recv, made.pair.first.get(), 100));
  CHECK_FALSE(call->wait(quiet_timeout()));  // nothing sent yet: pending
  const auto count = static_cast<std::int64_t>(text.size());
  REQUIRE_THAT(observe("peer send " + std::to_string(count),
                       platform::send(made.pair.second.get(), text.data(), text.size())),
               succeeds_with(count));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name(mechanism, AsyncCallKind::recv), call->result()), succeeds_with(count));
  CHECK(std::string(call->received().begin(), call->received().end()) == text);
  CHECK(call->completions() == 1);
  return call;
}

// A thread call that must be blocked (not completed within the quiet wait).
std::unique_ptr<platform::AsyncCall> blocked_thread_call(platform::AsyncRequest request) {
  auto call = start_or_fail(AsyncMechanism::thread, std::move(request));
  REQUIRE_FALSE(call->wait(quiet_timeout()));
  return call;
}

// A blocked thread call ended by closesocket fails: with the error measured under Wine
// (`wine`, the caller says which), with any error elsewhere.
void fails_after_closesocket(bool wine, const std::string& what, const platform::CallResult& result,
                             Errc measured_under_wine) {
  if (wine) {
    CHECK_THAT(observe(what, result), fails_with(measured_under_wine));
  } else {
    CHECK_FALSE(result.ok());
  }
}

struct Listener {
  platform::Socket socket;
  platform::Endpoint at;
};

Listener make_listener(int backlog) {
  Listener made;
  REQUIRE_THAT(observe("socket(listener)", platform::open_stream(platform::Transport::tcp4, made.socket)), succeeds());
  REQUIRE_THAT(observe("bind", platform::bind_loopback(made.socket.get(), platform::Transport::tcp4)), succeeds());
  REQUIRE_THAT(observe("listen", platform::listen(made.socket.get(), backlog)), succeeds());
  REQUIRE_THAT(observe("getsockname", platform::local_endpoint(made.socket.get(), made.at)), succeeds());
  return made;
}

// Fills the send window of `handle` (the peer does not read): non-blocking sends until
// would_block, bounded by a count.
void fill_window(platform::NativeHandle handle) {
  REQUIRE_THAT(observe("ioctlsocket(FIONBIO, 1)", platform::set_nonblocking(handle, true)), succeeds());
  std::vector<std::uint8_t> chunk(65536, 0x5a);
  platform::CallResult sent;
  for (int i = 0; i < 100000; ++i) {
    sent = platform::send(handle, chunk.data(), chunk.size());
    if (!sent.ok()) break;
  }
  REQUIRE_THAT(observe("send until the window is full", sent), fails_with(Errc::would_block));
  REQUIRE_THAT(observe("ioctlsocket(FIONBIO, 0)", platform::set_nonblocking(handle, false)), succeeds());
}

// A request whose completion needs a cause, on sockets this struct owns.
struct Pending {
  closesem::PairResult pair;          // recv, send: first is the caller's end
  Listener listener;                  // accept: the listener; connect: the full listener
  std::vector<platform::Socket> queued;  // connect: the connections filling the backlog
  platform::Socket connector;         // connect: the socket ConnectEx runs on
  platform::NativeHandle handle = platform::kInvalidHandle;  // the socket the call runs on
  platform::AsyncRequest request;
};

// Makes `call` pending: recv on an idle connection, send of 1 MiB on a full window,
// accept on an idle listener, connect to a listener whose backlog is full (the host
// drops the SYN, so the connect stays in progress).
void make_pending(AsyncCallKind call, Pending& out) {
  out.request.call = call;
  out.request.transport = platform::Transport::tcp4;
  switch (call) {
    case AsyncCallKind::recv:
      out.pair = make_pair_or_fail(kTcp4);
      out.handle = out.pair.pair.first.get();
      out.request.size = 100;
      break;
    case AsyncCallKind::send:
      out.pair = make_pair_or_fail(kTcp4);
      out.handle = out.pair.pair.first.get();
      fill_window(out.handle);
      out.request.data.assign(1 << 20, 0x33);
      break;
    case AsyncCallKind::accept:
      out.listener = make_listener(4);
      out.handle = out.listener.socket.get();
      break;
    case AsyncCallKind::connect: {
      out.listener = make_listener(0);
      for (int i = 0; i < 4; ++i) {
        platform::Socket queued;
        REQUIRE_THAT(observe("socket(queued)", platform::open_stream(platform::Transport::tcp4, queued)), succeeds());
        REQUIRE_THAT(observe("FIONBIO", platform::set_nonblocking(queued.get(), true)), succeeds());
        platform::connect(queued.get(), out.listener.at);  // in progress or refused: either fills
        out.queued.push_back(std::move(queued));
      }
      REQUIRE_THAT(observe("socket(connector)", platform::open_stream(platform::Transport::tcp4, out.connector)),
                   succeeds());
      out.handle = out.connector.get();
      out.request.to = out.listener.at;
      break;
    }
  }
  out.request.handle = out.handle;
}

// Makes a `kind` call of `mechanism` pending on sockets of its own (`pending`, see
// make_pending), started as `call`; skips where this host completes it at once.
#define PENDING_CALL_OR_SKIP(pending, call, mechanism, kind)                                 \
  Pending pending;                                                                           \
  make_pending((kind), pending);                                                             \
  auto call = start_or_fail((mechanism), pending.request);                                   \
  if (call->wait(quiet_timeout()))                                                           \
    CLOSESEM_SKIP(name((mechanism), (kind)) + " did not stay pending on this host")

}  // namespace

TEST_CASE("async: overlapped and iocp calls complete once with their results", "[unit][async][winsock]") {
  const auto mechanism = GENERATE(AsyncMechanism::overlapped, AsyncMechanism::iocp);
  REQUIRE(platform::AsyncCall::available(mechanism));

  SECTION("recv completes with the peer's bytes") {
    auto made = make_pair_or_fail(kTcp4);
    recv_gets(mechanism, made, "hello");
  }
  SECTION("send completes with all its bytes") {
    auto made = make_pair_or_fail(kTcp4);
    auto request = request_of(AsyncCallKind::send, made.pair.first.get());
    request.data.assign(1000, 0x41);
    auto call = start_or_fail(mechanism, request);
    REQUIRE(call->wait(positive_timeout()));
    CHECK_THAT(observe(name(mechanism, AsyncCallKind::send), call->result()), succeeds_with(1000));
    std::vector<char> got(1000);
    std::size_t total = 0;
    while (total < got.size()) {
      const auto read = platform::recv(made.pair.second.get(), got.data() + total, got.size() - total);
      REQUIRE_THAT(observe("peer recv", read), succeeds());
      REQUIRE(read.ret > 0);
      total += static_cast<std::size_t>(read.ret);
    }
    CHECK(call->completions() == 1);
  }
  SECTION("AcceptEx completes with a connected socket") {
    auto listener = make_listener(4);
    auto call = start_or_fail(mechanism, request_of(AsyncCallKind::accept, listener.socket.get()));
    CHECK_FALSE(call->wait(quiet_timeout()));
    platform::Socket client;
    REQUIRE_THAT(observe("socket(client)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
    REQUIRE_THAT(observe("connect", platform::connect(client.get(), listener.at)), succeeds());
    REQUIRE(call->wait(positive_timeout()));
    CHECK_THAT(observe(name(mechanism, AsyncCallKind::accept), call->result()), succeeds_with(0));
    auto accepted = call->take_accepted();
    REQUIRE(accepted.valid());
    CHECK_FALSE(call->take_accepted().valid());  // once
    // SO_UPDATE_ACCEPT_CONTEXT was applied: the socket knows its peer.
    platform::Endpoint peer;
    CHECK_THAT(observe("getpeername(accepted)", platform::peer_endpoint(accepted.get(), peer)), succeeds());
    const char byte = 'z';
    CHECK_THAT(observe("send on the accepted socket", platform::send(accepted.get(), &byte, 1)), succeeds_with(1));
    CHECK(call->completions() == 1);
  }
  SECTION("ConnectEx completes and the socket is connected") {
    auto listener = make_listener(4);
    platform::Socket client;
    REQUIRE_THAT(observe("socket(client)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
    auto request = request_of(AsyncCallKind::connect, client.get());
    request.to = listener.at;
    auto call = start_or_fail(mechanism, request);
    REQUIRE(call->wait(positive_timeout()));
    CHECK_THAT(observe(name(mechanism, AsyncCallKind::connect), call->result()), succeeds_with(0));
    platform::Endpoint peer;
    // SO_UPDATE_CONNECT_CONTEXT was applied: getpeername answers.
    CHECK_THAT(observe("getpeername(connected)", platform::peer_endpoint(client.get(), peer)), succeeds());
    CHECK(peer.port == listener.at.port);
    CHECK(call->completions() == 1);
  }
}

TEST_CASE("async: CancelIoEx completes each pending call with operation_aborted", "[unit][async][winsock]") {
  const auto mechanism = GENERATE(AsyncMechanism::overlapped, AsyncMechanism::iocp);
  const auto kind = GENERATE(AsyncCallKind::recv, AsyncCallKind::send, AsyncCallKind::accept, AsyncCallKind::connect);
  INFO(name(mechanism, kind));
  PENDING_CALL_OR_SKIP(pending, call, mechanism, kind);
  CHECK_THAT(observe("CancelIoEx", call->cancel()), succeeds());
  REQUIRE(call->wait(positive_timeout()));
  // CancelIoEx: the operation completes with ERROR_OPERATION_ABORTED (995).
  CHECK_THAT(observe(name(mechanism, kind) + " after CancelIoEx", call->result()), fails_with(Errc::operation_aborted));
  CHECK(call->completions() == 1);
  // Nothing left to cancel: CancelIoEx answers ERROR_NOT_FOUND.
  const auto again = call->cancel();
  CHECK_THAT(observe("CancelIoEx after the completion", again), fails_with(Errc::other));
  CHECK(again.native == kErrorNotFound);
}

TEST_CASE("async: closesocket with a call pending, and the completion that follows", "[unit][async][winsock]") {
  const bool wine = platform::identity().under_wine();
  const auto mechanism = GENERATE(AsyncMechanism::overlapped, AsyncMechanism::iocp);
  const auto kind = GENERATE(AsyncCallKind::recv, AsyncCallKind::send, AsyncCallKind::accept, AsyncCallKind::connect);
  INFO(name(mechanism, kind));
  PENDING_CALL_OR_SKIP(pending, call, mechanism, kind);
  REQUIRE_THAT(observe("closesocket", platform::close_handle(pending.handle)), succeeds());
  // Ours no more (closed above): the owners must not close the value again.
  pending.pair.pair.first.release();
  pending.listener.socket.release();
  pending.connector.release();

  if (wine && kind == AsyncCallKind::send) {
    // Measured under Wine 8.0: a WSASend pending on a full window is not completed by
    // closesocket (Windows documents WSA_OPERATION_ABORTED); it completes when the
    // connection ends, with STATUS_OBJECT_TYPE_MISMATCH -> ERROR_INVALID_HANDLE. Wine only.
    CHECK_FALSE(call->wait(quiet_timeout()));
    REQUIRE_THAT(observe("peer closesocket", pending.pair.pair.second.close()), succeeds());
    REQUIRE(call->wait(positive_timeout()));
    CHECK(call->result().native == kErrorInvalidHandle);
    CHECK(call->completions() == 1);
    return;
  }
  // closesocket: "Any event, completion routine, or completion port action specified for
  // these overlapped operations is performed": the completion comes.
  REQUIRE(call->wait(positive_timeout()));
  const auto& result = call->result();
  if (wine && kind == AsyncCallKind::recv) {
    // Measured under Wine 8.0: STATUS_HANDLES_CLOSED (ERROR_HANDLES_CLOSED, 676) where
    // Windows documents WSA_OPERATION_ABORTED. Wine only.
    CHECK_THAT(observe(name(mechanism, kind) + " after closesocket", result), fails_with(Errc::other));
    CHECK(result.native == kErrorHandlesClosed);
  } else {
    // closesocket: the pending overlapped operations fail with WSA_OPERATION_ABORTED.
    CHECK_THAT(observe(name(mechanism, kind) + " after closesocket", result), fails_with(Errc::operation_aborted));
  }
  CHECK(call->completions() == 1);
}

TEST_CASE("async: the completion port delivers exactly one packet per call", "[unit][async][winsock]") {
  // Two calls on the one port: waiting on the second drains any packet still queued for
  // the first, which the dispatcher would count.
  auto made = make_pair_or_fail(kTcp4);
  auto request = request_of(AsyncCallKind::send, made.pair.first.get());
  request.data.assign(10, 0x42);
  auto first = start_or_fail(AsyncMechanism::iocp, request);
  REQUIRE(first->wait(positive_timeout()));
  CHECK_THAT(observe("iocp send", first->result()), succeeds_with(10));
  auto second = start_or_fail(AsyncMechanism::iocp, request_of(AsyncCallKind::recv, made.pair.first.get(), 10));
  CHECK_FALSE(second->wait(quiet_timeout()));
  REQUIRE(first->wait(std::chrono::milliseconds(0)));
  CHECK(first->completions() == 1);
  CHECK_THAT(observe("CancelIoEx(second)", second->cancel()), succeeds());
  REQUIRE(second->wait(positive_timeout()));
  CHECK(second->completions() == 1);
  CHECK(first->completions() == 1);
}

TEST_CASE("async: a submission that fails at once is that failure, with no call", "[unit][async][winsock]") {
  const auto mechanism = GENERATE(AsyncMechanism::overlapped, AsyncMechanism::iocp);
  platform::Socket socket;
  REQUIRE_THAT(observe("socket", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  const auto request = request_of(AsyncCallKind::recv, socket.get(), 10);
  std::unique_ptr<platform::AsyncCall> call;
  // WSARecv on a socket that is not connected: WSAENOTCONN, not WSA_IO_PENDING.
  CHECK_THAT(observe(name(mechanism, AsyncCallKind::recv) + " unconnected",
                     platform::AsyncCall::start(mechanism, request, call)),
             fails_with(Errc::not_connected));
  CHECK(call == nullptr);
}

TEST_CASE("async: uring is refused on Winsock without a call", "[unit][async][winsock]") {
  std::string why;
  CHECK_FALSE(platform::AsyncCall::available(AsyncMechanism::uring, &why));
  CHECK(why.find("Linux only") != std::string::npos);
  std::unique_ptr<platform::AsyncCall> call;
  platform::AsyncRequest request;
  const auto refused = platform::AsyncCall::start(AsyncMechanism::uring, request, call, &why);
  CHECK_THAT(observe("start uring", refused), fails_with(Errc::not_supported));
  CHECK_FALSE(refused.error_set());
  CHECK(call == nullptr);
}

TEST_CASE("async: thread calls complete with the blocking call's outcome", "[unit][async][winsock]") {
  const bool wine = platform::identity().under_wine();

  SECTION("recv completes with the peer's bytes") {
    auto made = make_pair_or_fail(kTcp4);
    auto call = recv_gets(AsyncMechanism::thread, made, "abc");
    CHECK(call->reap(std::chrono::milliseconds(0)));
  }
  SECTION("recv blocked, then closesocket from this thread") {
    auto made = make_pair_or_fail(kTcp4);
    auto call = blocked_thread_call(request_of(AsyncCallKind::recv, made.pair.first.get(), 100));
    REQUIRE_THAT(observe("closesocket", made.pair.first.close()), succeeds());
    REQUIRE(call->wait(positive_timeout()));
    // Measured under Wine 8.0: WSAEINVAL (the Windows Sockets 1.1 specification says
    // WSAEINTR; closesocket's page calls it undefined). Wine only.
    fails_after_closesocket(wine, "thread recv after closesocket", call->result(), Errc::invalid_argument);
  }
  SECTION("accept blocked, then closesocket of the listener") {
    auto listener = make_listener(4);
    auto call = blocked_thread_call(request_of(AsyncCallKind::accept, listener.socket.get()));
    REQUIRE_THAT(observe("closesocket(listener)", listener.socket.close()), succeeds());
    REQUIRE(call->wait(positive_timeout()));
    // Measured under Wine 8.0: WSA_OPERATION_ABORTED. Wine only.
    fails_after_closesocket(wine, "thread accept after closesocket", call->result(), Errc::operation_aborted);
  }
  SECTION("CancelSynchronousIo on a blocked recv") {
    auto made = make_pair_or_fail(kTcp4);
    auto call = blocked_thread_call(request_of(AsyncCallKind::recv, made.pair.first.get(), 100));
    const auto cancelled = call->cancel();
    if (wine) {
      // Measured under Wine 8.0: ERROR_NOT_FOUND, and the recv stays blocked (Windows
      // documents cancelling the thread's synchronous I/O). Wine only. A reap that cannot
      // end the call leaves it to the process and says so.
      CHECK_THAT(observe("CancelSynchronousIo", cancelled), fails_with(Errc::other));
      CHECK(cancelled.native == kErrorNotFound);
      CHECK_FALSE(call->wait(quiet_timeout()));
      CHECK_FALSE(call->reap(quiet_timeout()));
    } else {
      CHECK_THAT(observe("CancelSynchronousIo", cancelled), succeeds());
      REQUIRE(call->wait(positive_timeout()));
      CHECK_THAT(observe("thread recv after CancelSynchronousIo", call->result()),
                 fails_with(Errc::operation_aborted));
    }
    // The peer's close ends the recv in any case (a reaped worker finishes on its own).
    REQUIRE_THAT(observe("peer closesocket", made.pair.second.close()), succeeds());
    if (wine) {
      REQUIRE(call->wait(positive_timeout()));
      CHECK_THAT(observe("thread recv after the peer's close", call->result()), succeeds_with(0));
    }
  }
}
