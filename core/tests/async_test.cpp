// SPDX-License-Identifier: MIT
// Pending calls (platform::AsyncCall) on real loopback sockets: every mechanism this
// platform has completes a recv when data comes, a send, an accept and a connect,
// exactly once; a cancel ends a pending call with its mechanism's error; a reap of a call
// that nothing would complete returns within its bound; the mechanisms the platform
// lacks say so, with a reason, without any call.
#include "closesem_testing/fixtures.hpp"

#include "closesem/pattern.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using closesem::Errc;
using closesem::testing::by_api;
using closesem::testing::fails_with;
using closesem::testing::fails_with_any;
using closesem::testing::observe;
using closesem::testing::positive_timeout;
using closesem::testing::quiet_timeout;
using closesem::testing::reads_eof;
using closesem::testing::succeeds;
using closesem::testing::succeeds_with;
namespace platform = closesem::platform;
using platform::AsyncCall;
using platform::AsyncCallKind;
using platform::AsyncMechanism;

namespace {

// The mechanisms of this platform's API and the ones it lacks (chosen at run time).
std::vector<AsyncMechanism> mechanisms_here() {
  return by_api<std::vector<AsyncMechanism>>(
      {AsyncMechanism::thread, AsyncMechanism::overlapped, AsyncMechanism::iocp},
      {AsyncMechanism::thread, AsyncMechanism::uring});
}
std::vector<AsyncMechanism> mechanisms_absent() {
  return by_api<std::vector<AsyncMechanism>>({AsyncMechanism::uring},
                                             {AsyncMechanism::overlapped, AsyncMechanism::iocp});
}

// Wine 8 cannot interrupt a thread's blocking Winsock call (CancelSynchronousIo answers
// ERROR_NOT_FOUND): measured on wine-8.0; the cases below assert that there.
bool wine_cannot_cancel_a_blocking_call() { return platform::identity().wine_major() == 8; }

std::string name_of(AsyncMechanism mechanism) { return std::string(platform::to_string(mechanism)); }

// Skips (with the platform's reason) where io_uring exists in this API but the host
// refuses it at run time (a sandbox, io_uring_disabled, an old kernel). Every other
// mechanism of the API must be there: its absence is a failure, never a skip.
#define MECHANISM_OR_SKIP(mechanism)                                                   \
  do {                                                                                 \
    std::string why_not_;                                                              \
    const bool available_ = AsyncCall::available((mechanism), &why_not_);             \
    if (!available_ && (mechanism) == AsyncMechanism::uring)                           \
      CLOSESEM_SKIP(name_of(mechanism) + " is unavailable here: " + why_not_);         \
    INFO("why not: " << why_not_);                                                     \
    REQUIRE(available_);                                                               \
  } while (false)

platform::AsyncRequest request_of(AsyncCallKind call, platform::NativeHandle handle) {
  platform::AsyncRequest request;
  request.call = call;
  request.handle = handle;
  request.transport = platform::Transport::tcp4;
  return request;
}

// A listener on tcp4 loopback, port 0; `at` is where it listens.
platform::Socket make_listener(platform::Endpoint& at) {
  platform::Socket listener;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, listener)), succeeds());
  REQUIRE_THAT(observe("bind(loopback:0)", platform::bind_loopback(listener.get(), platform::Transport::tcp4)),
               succeeds());
  REQUIRE_THAT(observe("listen(8)", platform::listen(listener.get(), 8)), succeeds());
  REQUIRE_THAT(observe("getsockname(listener)", platform::local_endpoint(listener.get(), at)), succeeds());
  return listener;
}

// Starts a call that must be accepted by the platform.
std::unique_ptr<AsyncCall> start_or_fail(AsyncMechanism mechanism, platform::AsyncRequest request) {
  std::unique_ptr<AsyncCall> call;
  std::string why_not;
  const std::string what = "start " + name_of(mechanism) + " " + std::string(platform::to_string(request.call));
  const auto started = AsyncCall::start(mechanism, std::move(request), call, &why_not);
  INFO("why not: " << why_not);
  REQUIRE_THAT(observe(what, started), succeeds());
  REQUIRE(call != nullptr);
  return call;
}

// The error a cancelled pending call completes with: overlapped I/O, completion ports
// and io_uring name the cancellation; a thread interrupted by a signal (POSIX) returns
// EINTR, and one cancelled by CancelSynchronousIo (Windows) is aborted or interrupted.
std::vector<Errc> cancelled_errors(AsyncMechanism mechanism) {
  if (mechanism != AsyncMechanism::thread) return {Errc::operation_aborted};
  return by_api<std::vector<Errc>>({Errc::interrupted, Errc::operation_aborted}, {Errc::interrupted});
}

}  // namespace

TEST_CASE("pending: each mechanism completes a recv when the data comes, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  auto request = request_of(AsyncCallKind::recv, pair.first.get());
  request.size = 100;
  auto call = start_or_fail(mechanism, std::move(request));
  // Nothing came yet: the call is pending.
  CHECK_FALSE(call->wait(quiet_timeout()));
  CHECK(call->completions() == 0);
  REQUIRE_THAT(observe("send(second, 5)", closesem::testing::send_pattern(pair.second.get(), 5)), succeeds_with(5));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " recv(first, 100) after the peer sent 5", call->result()),
             succeeds_with(5));
  REQUIRE(call->received().size() == 5);
  CHECK(closesem::pattern::first_mismatch(call->received().data(), 5, 0) == 5);
  CHECK(call->completions() == 1);
  // Still one completion after a second look, and the reap of a completed call succeeds.
  CHECK(call->wait(std::chrono::milliseconds(0)));
  CHECK(call->completions() == 1);
  CHECK(call->reap(positive_timeout()));
}

TEST_CASE("pending: each mechanism completes a send, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  auto request = request_of(AsyncCallKind::send, pair.first.get());
  request.data.resize(1000);
  closesem::pattern::fill(request.data.data(), request.data.size(), 0);
  request.size = request.data.size();
  auto call = start_or_fail(mechanism, std::move(request));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " send(first, 1000) on an empty window", call->result()),
             succeeds_with(1000));
  CHECK(call->completions() == 1);
  bool pattern_ok = false;
  CHECK_THAT(observe("recv(second) until 1000 bytes",
                     closesem::testing::recv_pattern(pair.second.get(), 1000, &pattern_ok)),
             succeeds_with(1000));
  CHECK(pattern_ok);
}

TEST_CASE("pending: each mechanism completes an accept when a client connects, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  platform::Endpoint at;
  auto listener = make_listener(at);
  auto call = start_or_fail(mechanism, request_of(AsyncCallKind::accept, listener.get()));
  CHECK_FALSE(call->wait(quiet_timeout()));
  platform::Socket client;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  REQUIRE_THAT(observe("connect(client, listener)", platform::connect(client.get(), at)), succeeds());
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " accept(listener) after a client connected", call->result()),
             succeeds_with(0));
  CHECK(call->completions() == 1);
  auto accepted = call->take_accepted();
  REQUIRE(accepted.valid());
  CHECK_FALSE(call->take_accepted().valid());  // handed over once
  // The accepted socket is the client's peer: a byte crosses.
  REQUIRE_THAT(observe("send(client, 1)", closesem::testing::send_pattern(client.get(), 1)), succeeds_with(1));
  bool pattern_ok = false;
  CHECK_THAT(observe("recv(accepted) 1 byte", closesem::testing::recv_pattern(accepted.get(), 1, &pattern_ok)),
             succeeds_with(1));
  CHECK(pattern_ok);
}

TEST_CASE("pending: each mechanism completes a connect to a listener, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  platform::Endpoint at;
  auto listener = make_listener(at);
  platform::Socket client;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  auto request = request_of(AsyncCallKind::connect, client.get());
  request.to = at;
  auto call = start_or_fail(mechanism, std::move(request));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " connect(client, listener)", call->result()), succeeds_with(0));
  CHECK(call->completions() == 1);
  platform::Socket server;
  REQUIRE_THAT(observe("accept(listener)", platform::accept(listener.get(), server)), succeeds());
  // Connected: the peer's end of stream reaches the client.
  REQUIRE_THAT(observe("close(server)", server.close()), succeeds());
  REQUIRE_THAT(closesem::testing::wait_for("client", client.get(), platform::WaitFor::readable), succeeds_with(1));
  char byte = 0;
  CHECK_THAT(observe("recv(client) after the server closed", platform::recv(client.get(), &byte, 1)), reads_eof());
}

TEST_CASE("pending: a cancel ends a pending recv with the mechanism's error, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  auto request = request_of(AsyncCallKind::recv, pair.first.get());
  request.size = 100;
  auto call = start_or_fail(mechanism, std::move(request));
  CHECK_FALSE(call->wait(std::chrono::milliseconds(0)));
  if (mechanism == AsyncMechanism::thread && wine_cannot_cancel_a_blocking_call()) {
    // Measured on wine-8.0: CancelSynchronousIo finds nothing to cancel (ERROR_NOT_FOUND,
    // 1168: Wine's ws2_32 waits for the blocking call itself), and the recv stays blocked.
    // Windows documents that CancelSynchronousIo cancels the thread's pending synchronous
    // I/O (not measured on Windows). The peer's data then ends the call.
    const auto cancelled = call->cancel();
    INFO("cancel thread recv under Wine: " << cancelled.describe());
    CHECK_FALSE(cancelled.ok());
    CHECK_FALSE(call->wait(quiet_timeout()));
    REQUIRE_THAT(observe("send(second, 2)", closesem::testing::send_pattern(pair.second.get(), 2)), succeeds_with(2));
    REQUIRE(call->wait(positive_timeout()));
    CHECK_THAT(observe("thread recv after the peer's data", call->result()), succeeds_with(2));
    CHECK(call->completions() == 1);
    return;
  }
  CHECK_THAT(observe("cancel " + name_of(mechanism) + " recv", call->cancel()), succeeds());
  REQUIRE(call->wait(positive_timeout()));
  const auto errors = cancelled_errors(mechanism);
  INFO("admitted: " << (errors.size() == 1 ? "that error" : "either error"));
  const auto& result = call->result();
  CHECK_THAT(observe(name_of(mechanism) + " recv after cancel", result),
             errors.size() == 1 ? fails_with(errors[0]) : fails_with_any({errors[0], errors[1]}));
  CHECK(call->completions() == 1);
  // The socket is untouched: data sent afterwards is still there to read.
  REQUIRE_THAT(observe("send(second, 3)", closesem::testing::send_pattern(pair.second.get(), 3)), succeeds_with(3));
  bool pattern_ok = false;
  CHECK_THAT(observe("recv(first) after the cancelled recv",
                     closesem::testing::recv_pattern(pair.first.get(), 3, &pattern_ok)),
             succeeds_with(3));
  CHECK(pattern_ok);
}

TEST_CASE("pending: a reap of a call that nothing completes returns within its bound", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  const auto kind = GENERATE(AsyncCallKind::recv, AsyncCallKind::accept);
  INFO("mechanism: " << name_of(mechanism) << ", call: " << platform::to_string(kind));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  platform::Endpoint at;
  auto listener = make_listener(at);
  auto request = request_of(kind, kind == AsyncCallKind::recv ? pair.first.get() : listener.get());
  request.size = 100;
  auto call = start_or_fail(mechanism, std::move(request));
  CHECK_FALSE(call->wait(std::chrono::milliseconds(0)));
  const auto bound = positive_timeout();
  const auto started = std::chrono::steady_clock::now();
  const bool reaped = call->reap(bound);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // Within its bound (plus a scheduling allowance), whatever the answer.
  CHECK(elapsed < bound + platform::scaled(std::chrono::milliseconds(1000)));
  if (mechanism == AsyncMechanism::thread && wine_cannot_cancel_a_blocking_call()) {
    // Wine 8.0 cannot interrupt a blocking call (see the cancel case above): the reap
    // gives up within its bound and says so. Ending the connection's reason to wait
    // (data for the recv, a client for the accept) lets the worker finish.
    CHECK_FALSE(reaped);
    platform::Socket client;
    if (kind == AsyncCallKind::recv)
      REQUIRE_THAT(observe("send(second, 1)", closesem::testing::send_pattern(pair.second.get(), 1)), succeeds_with(1));
    else
    {
      REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
      REQUIRE_THAT(observe("connect(client, listener)", platform::connect(client.get(), at)), succeeds());
    }
    REQUIRE(call->wait(positive_timeout()));
    CHECK(call->completions() == 1);
    return;
  }
  CHECK(reaped);
  // The reaped call completed once.
  CHECK(call->wait(std::chrono::milliseconds(0)));
  CHECK(call->completions() == 1);
  call.reset();  // the destructor of a reaped call returns at once
}

TEST_CASE("pending: mechanisms this platform lacks are not_supported, with a reason", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_absent()));
  INFO("mechanism: " << name_of(mechanism));
  std::string why_not;
  CHECK_FALSE(AsyncCall::available(mechanism, &why_not));
  CHECK_FALSE(why_not.empty());
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  std::unique_ptr<AsyncCall> call;
  std::string start_why;
  auto request = request_of(AsyncCallKind::recv, pair.first.get());
  request.size = 1;
  const auto started = AsyncCall::start(mechanism, std::move(request), call, &start_why);
  CHECK_THAT(observe("start " + name_of(mechanism) + " recv", started), fails_with(Errc::not_supported));
  CHECK_FALSE(started.error_set());  // refused without any call
  CHECK(call == nullptr);
  CHECK(start_why == why_not);
}

TEST_CASE("pending: on Linux a close does not complete a pending recv, the peer's data does",
          "[unit][pending][linux]") {
  if (platform::api() != platform::Api::posix || platform::identity().os != "linux")
    CLOSESEM_SKIP("a Linux fact (the pending call holds its own file reference)");
  const auto mechanism = GENERATE(AsyncMechanism::thread, AsyncMechanism::uring);
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  auto request = request_of(AsyncCallKind::recv, pair.first.get());
  request.size = 100;
  auto call = start_or_fail(mechanism, std::move(request));
  REQUIRE_THAT(observe("close(first) with a recv pending", pair.first.close()), succeeds());
  CHECK_FALSE(call->wait(quiet_timeout()));
  REQUIRE_THAT(observe("send(second, 3)", closesem::testing::send_pattern(pair.second.get(), 3)), succeeds_with(3));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " recv pending across close(first), then the peer sent 3",
                     call->result()),
             succeeds_with(3));
  CHECK(call->completions() == 1);
}

TEST_CASE("pending: on Linux shutdown(receive) completes a pending recv with end of stream",
          "[unit][pending][linux]") {
  if (platform::api() != platform::Api::posix || platform::identity().os != "linux")
    CLOSESEM_SKIP("a Linux fact (inet_shutdown wakes the receiver)");
  const auto mechanism = GENERATE(AsyncMechanism::thread, AsyncMechanism::uring);
  INFO("mechanism: " << name_of(mechanism));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, (closesem::PairKind{platform::Transport::tcp4, false}));
  auto request = request_of(AsyncCallKind::recv, pair.first.get());
  request.size = 100;
  auto call = start_or_fail(mechanism, std::move(request));
  REQUIRE_THAT(observe("shutdown(first, receive) with a recv pending",
                       platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " recv after shutdown(first, receive)", call->result()), reads_eof());
  CHECK(call->completions() == 1);
}
