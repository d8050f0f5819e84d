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

// The Linux facts below hold for this kernel's sockets only.
bool on_linux() { return platform::api() == platform::Api::posix && platform::identity().os == "linux"; }

// Every pair of these tests: tcp4 on loopback.
const closesem::PairKind kTcp4{platform::Transport::tcp4, false};

// Names the mechanism in every failure of the test that follows (the INFO stands at the
// test's own scope, outside the do-block, so that it lasts to the test's end). Skips
// (with the platform's reason) where io_uring exists in this API but the host
// refuses it at run time (a sandbox, io_uring_disabled, an old kernel). Every other
// mechanism of the API must be there: its absence is a failure, never a skip.
#define MECHANISM_OR_SKIP(mechanism)                                                   \
  INFO("mechanism: " << name_of(mechanism));                                           \
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

// A client connected to the listener at `at` (a blocking connect).
platform::Socket connected_client(const platform::Endpoint& at) {
  platform::Socket client;
  REQUIRE_THAT(observe("socket(tcp4)", platform::open_stream(platform::Transport::tcp4, client)), succeeds());
  REQUIRE_THAT(observe("connect(client, listener)", platform::connect(client.get(), at)), succeeds());
  return client;
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

// Starts a recv of 100 bytes on `handle`; whether it is pending is the caller's to check.
std::unique_ptr<AsyncCall> start_recv(AsyncMechanism mechanism, platform::NativeHandle handle) {
  auto request = request_of(AsyncCallKind::recv, handle);
  request.size = 100;
  return start_or_fail(mechanism, std::move(request));
}

// Starts a recv of 100 bytes on `handle` that must stay pending until the peer sends.
std::unique_ptr<AsyncCall> pending_recv(AsyncMechanism mechanism, platform::NativeHandle handle) {
  auto call = start_recv(mechanism, handle);
  CHECK_FALSE(call->wait(std::chrono::milliseconds(0)));
  return call;
}

// The peer (`peer_name` in the messages) sends `count` bytes; `call` (a recv on the other
// end) completes with that count.
void completes_when_peer_sends(const std::string& what, AsyncCall& call, platform::NativeHandle peer,
                               std::size_t count, const std::string& peer_name = "peer") {
  REQUIRE_THAT(observe("send(" + peer_name + ", " + std::to_string(count) + ")",
                       closesem::testing::send_pattern(peer, count)),
               succeeds_with(static_cast<std::int64_t>(count)));
  REQUIRE(call.wait(positive_timeout()));
  CHECK_THAT(observe(what, call.result()), succeeds_with(static_cast<std::int64_t>(count)));
}

// The peer sends `count` bytes; `call` (a recv on the other end) completes with them, once.
void completes_with_sent(const std::string& what, AsyncCall& call, platform::NativeHandle peer, std::size_t count,
                         const std::string& peer_name = "peer") {
  completes_when_peer_sends(what, call, peer, count, peer_name);
  REQUIRE(call.received().size() == count);
  CHECK(closesem::pattern::first_mismatch(call.received().data(), count, 0) == count);
  CHECK(call.completions() == 1);
}

// `count` bytes of the pattern arrive on `handle`, as sent.
void reads_pattern(const std::string& what, platform::NativeHandle handle, std::size_t count) {
  bool pattern_ok = false;
  CHECK_THAT(observe(what, closesem::testing::recv_pattern(handle, count, &pattern_ok)),
             succeeds_with(static_cast<std::int64_t>(count)));
  CHECK(pattern_ok);
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
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  auto call = start_recv(mechanism, pair.first.get());
  // Nothing came yet: the call is pending.
  CHECK_FALSE(call->wait(quiet_timeout()));
  CHECK(call->completions() == 0);
  completes_with_sent(name_of(mechanism) + " recv(first, 100) after the peer sent 5", *call, pair.second.get(), 5,
                      "second");
  // Still one completion after a second look, and the reap of a completed call succeeds.
  CHECK(call->wait(std::chrono::milliseconds(0)));
  CHECK(call->completions() == 1);
  CHECK(call->reap(positive_timeout()));
}

TEST_CASE("pending: each mechanism completes a send, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  auto request = request_of(AsyncCallKind::send, pair.first.get());
  request.data.resize(1000);
  closesem::pattern::fill(request.data.data(), request.data.size(), 0);
  request.size = request.data.size();
  auto call = start_or_fail(mechanism, std::move(request));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " send(first, 1000) on an empty window", call->result()),
             succeeds_with(1000));
  CHECK(call->completions() == 1);
  reads_pattern("recv(second) until 1000 bytes", pair.second.get(), 1000);
}

// AsyncRequest::bytes: the runner's pattern table, used in place (not copied into the call).
TEST_CASE("pending: each mechanism sends bytes it does not own, in place", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  static std::vector<std::uint8_t> table(1000);  // outlives the call
  closesem::pattern::fill(table.data(), table.size(), 0);
  auto request = request_of(AsyncCallKind::send, pair.first.get());
  request.bytes = table.data();
  request.size = table.size();
  auto call = start_or_fail(mechanism, std::move(request));
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " send(first, 1000 bytes not its own) on an empty window", call->result()),
             succeeds_with(1000));
  CHECK(call->completions() == 1);
  reads_pattern("recv(second) until 1000 bytes", pair.second.get(), 1000);
}

TEST_CASE("pending: each mechanism completes an accept when a client connects, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  MECHANISM_OR_SKIP(mechanism);
  platform::Endpoint at;
  auto listener = make_listener(at);
  auto call = start_or_fail(mechanism, request_of(AsyncCallKind::accept, listener.get()));
  CHECK_FALSE(call->wait(quiet_timeout()));
  auto client = connected_client(at);
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " accept(listener) after a client connected", call->result()),
             succeeds_with(0));
  CHECK(call->completions() == 1);
  auto accepted = call->take_accepted();
  REQUIRE(accepted.valid());
  CHECK_FALSE(call->take_accepted().valid());  // handed over once
  // The accepted socket is the client's peer: a byte crosses.
  REQUIRE_THAT(observe("send(client, 1)", closesem::testing::send_pattern(client.get(), 1)), succeeds_with(1));
  reads_pattern("recv(accepted) 1 byte", accepted.get(), 1);
}

TEST_CASE("pending: each mechanism completes a connect to a listener, once", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
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
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  auto call = pending_recv(mechanism, pair.first.get());
  if (mechanism == AsyncMechanism::thread && wine_cannot_cancel_a_blocking_call()) {
    // Measured on wine-8.0: CancelSynchronousIo finds nothing to cancel (ERROR_NOT_FOUND,
    // 1168: Wine's ws2_32 waits for the blocking call itself), and the recv stays blocked.
    // Windows documents that CancelSynchronousIo cancels the thread's pending synchronous
    // I/O (not measured on Windows). The peer's data then ends the call.
    const auto cancelled = call->cancel();
    INFO("cancel thread recv under Wine: " << cancelled.describe());
    CHECK_FALSE(cancelled.ok());
    CHECK_FALSE(call->wait(quiet_timeout()));
    completes_when_peer_sends("thread recv after the peer's data", *call, pair.second.get(), 2, "second");
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
  reads_pattern("recv(first) after the cancelled recv", pair.first.get(), 3);
}

TEST_CASE("pending: a reap of a call that nothing completes returns within its bound", "[unit][pending]") {
  const auto mechanism = GENERATE(from_range(mechanisms_here()));
  const auto kind = GENERATE(AsyncCallKind::recv, AsyncCallKind::accept);
  INFO("call: " << platform::to_string(kind));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
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
      client = connected_client(at);
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
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
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
  if (!on_linux()) CLOSESEM_SKIP("a Linux fact (the pending call holds its own file reference)");
  const auto mechanism = GENERATE(AsyncMechanism::thread, AsyncMechanism::uring);
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  auto call = start_recv(mechanism, pair.first.get());
  REQUIRE_THAT(observe("close(first) with a recv pending", pair.first.close()), succeeds());
  CHECK_FALSE(call->wait(quiet_timeout()));
  completes_when_peer_sends(name_of(mechanism) + " recv pending across close(first), then the peer sent 3", *call,
                            pair.second.get(), 3, "second");
  CHECK(call->completions() == 1);
}

TEST_CASE("pending: on Linux shutdown(receive) completes a pending recv with end of stream",
          "[unit][pending][linux]") {
  if (!on_linux()) CLOSESEM_SKIP("a Linux fact (inet_shutdown wakes the receiver)");
  const auto mechanism = GENERATE(AsyncMechanism::thread, AsyncMechanism::uring);
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  auto call = start_recv(mechanism, pair.first.get());
  REQUIRE_THAT(observe("shutdown(first, receive) with a recv pending",
                       platform::shutdown(pair.first.get(), platform::ShutdownHow::receive)),
               succeeds());
  REQUIRE(call->wait(positive_timeout()));
  CHECK_THAT(observe(name_of(mechanism) + " recv after shutdown(first, receive)", call->result()), reads_eof());
  CHECK(call->completions() == 1);
}

// --- Reuse: the platform layer keeps pool workers (thread) and pool rings (uring) between
// calls. A reused worker or ring must serve its next call exactly as a fresh one would.

namespace {

// The mechanisms whose workers or rings are reused.
std::vector<AsyncMechanism> reused_mechanisms() {
  return by_api<std::vector<AsyncMechanism>>({AsyncMechanism::thread}, {AsyncMechanism::thread, AsyncMechanism::uring});
}

}  // namespace

TEST_CASE("pending: a worker or ring reused after a completed call serves the next call alone",
          "[unit][pending][reuse]") {
  const auto mechanism = GENERATE(from_range(reused_mechanisms()));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  // Several rounds, each on a worker or ring the round before gave back: the first call
  // of each round completes, is reaped, and the next one must be pending again (nothing of
  // the previous completion in it) and complete with its own bytes only, once.
  for (int round = 0; round < 6; ++round) {
    INFO("round " << round);
    auto call = pending_recv(mechanism, pair.first.get());
    CHECK_FALSE(call->wait(quiet_timeout()));
    CHECK(call->completions() == 0);
    completes_with_sent(name_of(mechanism) + " recv(first, 100) on a reused worker or ring", *call,
                        pair.second.get(), static_cast<std::size_t>(round + 1));
    CHECK(call->reap(positive_timeout()));
    CHECK(call->completions() == 1);
  }
}

TEST_CASE("pending: a cancelled call's worker or ring serves the next call untouched", "[unit][pending][reuse]") {
  const auto mechanism = GENERATE(from_range(reused_mechanisms()));
  MECHANISM_OR_SKIP(mechanism);
  if (mechanism == AsyncMechanism::thread && wine_cannot_cancel_a_blocking_call())
    CLOSESEM_SKIP("Wine 8 cannot cancel a thread's blocking call (the cancel case above asserts that)");
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    auto cancelled = pending_recv(mechanism, pair.first.get());
    REQUIRE_THAT(observe("cancel " + name_of(mechanism) + " recv", cancelled->cancel()), succeeds());
    REQUIRE(cancelled->wait(positive_timeout()));
    CHECK(cancelled->completions() == 1);
    CHECK(cancelled->reap(positive_timeout()));
    // The next call (on the worker or ring just given back) is not ended by that cancel.
    auto next = pending_recv(mechanism, pair.first.get());
    CHECK_FALSE(next->wait(quiet_timeout()));
    completes_with_sent(name_of(mechanism) + " recv after a cancelled one", *next, pair.second.get(), 3);
    CHECK(next->reap(positive_timeout()));
  }
}

TEST_CASE("pending: a cancel of a completed call does not touch the worker's next call",
          "[unit][pending][reuse]") {
  const auto mechanism = GENERATE(from_range(reused_mechanisms()));
  MECHANISM_OR_SKIP(mechanism);
  CLOSESEM_PAIR_OR_SKIP(first_pair, kTcp4);
  CLOSESEM_PAIR_OR_SKIP(second_pair, kTcp4);
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    auto done = pending_recv(mechanism, first_pair.first.get());
    completes_with_sent(name_of(mechanism) + " recv(first pair)", *done, first_pair.second.get(), 2);
    // The completed call is not reaped yet: a thread's worker is free again (a ring stays
    // with its call until the reap). The next call may run on that very worker.
    auto next = pending_recv(mechanism, second_pair.first.get());
    // A cancel of the completed call finds nothing: no signal, no CancelSynchronousIo, no
    // cancel of another call's request.
    const auto late = done->cancel();
    INFO("cancel of the completed call: " << late.describe());
    // (thread: ENOENT on POSIX, ERROR_NOT_FOUND on Winsock, made without a call; uring:
    // IORING_OP_ASYNC_CANCEL's own answer, ENOENT, or EALREADY in the window where the
    // completion is posted but not yet read.)
    CHECK_FALSE(late.ok());
    CHECK(done->completions() == 1);
    CHECK_FALSE(next->wait(quiet_timeout()));
    completes_with_sent(name_of(mechanism) + " recv(second pair) after a cancel of the completed call", *next,
                        second_pair.second.get(), 4);
    CHECK(next->reap(positive_timeout()));
    CHECK(done->reap(positive_timeout()));
  }
}

TEST_CASE("pending: calls left pending do not hold up the next call", "[unit][pending][reuse]") {
  const auto mechanism = GENERATE(from_range(reused_mechanisms()));
  MECHANISM_OR_SKIP(mechanism);
  // More pending calls than the pool has workers or rings (4), each on its own pair and
  // left pending: the next call still starts and completes at once.
  constexpr int kHeld = 6;
  std::vector<closesem::PairResult> pairs;
  std::vector<std::unique_ptr<AsyncCall>> held;
  for (int i = 0; i < kHeld; ++i) {
    pairs.push_back(closesem::testing::make_pair_or_fail(kTcp4));
    if (pairs.back().status == closesem::PairStatus::unavailable) CLOSESEM_SKIP(pairs.back().message);
    held.push_back(pending_recv(mechanism, pairs.back().pair.first.get()));
  }
  CLOSESEM_PAIR_OR_SKIP(pair, kTcp4);
  auto next = pending_recv(mechanism, pair.first.get());
  completes_with_sent(name_of(mechanism) + " recv while " + std::to_string(kHeld) + " calls are pending", *next,
                      pair.second.get(), 5);
  CHECK(next->reap(positive_timeout()));
  // Each held call is still pending and still its own: the peer's bytes end it.
  for (int i = 0; i < kHeld; ++i) {
    INFO("held call " << i);
    CHECK_FALSE(held[static_cast<std::size_t>(i)]->wait(std::chrono::milliseconds(0)));
    completes_with_sent(name_of(mechanism) + " held recv", *held[static_cast<std::size_t>(i)],
                        pairs[static_cast<std::size_t>(i)].pair.second.get(), static_cast<std::size_t>(i + 1));
    CHECK(held[static_cast<std::size_t>(i)]->reap(positive_timeout()));
  }
}
