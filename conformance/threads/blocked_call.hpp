// SPDX-License-Identifier: MIT
// A socket call that blocks in a thread of its own, watched from the test's thread with
// bounded waits only (a future waited on with a timeout). Only the test's thread asserts.
#pragma once

#include "closesem_testing/fixtures.hpp"
#include "closesem_testing/listener.hpp"

#include "closesem/platform.hpp"

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <utility>

namespace closesem::testing {

class BlockedCall {
 public:
  using Clock = std::chrono::steady_clock;

  struct Result {
    platform::CallResult outcome;
    Clock::time_point returned_at{};
    platform::Socket accepted;  // what an accept call returned, if any
  };

  // Runs `call(Socket& accepted) -> Outcome` in a new thread. The thread owns the call
  // and everything it captured (capture handles by value), so that the last resort for a
  // call that never returns, detaching it, cannot touch freed memory.
  template <typename Call>
  explicit BlockedCall(Call call) {
    std::promise<void> started;
    std::promise<Result> done;
    started_ = started.get_future();
    done_ = done.get_future();
    thread_ = std::thread([call = std::move(call), started = std::move(started),
                           done = std::move(done)]() mutable {
      started.set_value();
      Result result;
      result.outcome = call(result.accepted);
      result.returned_at = Clock::now();
      done.set_value(std::move(result));
    });
  }

  BlockedCall(const BlockedCall&) = delete;
  BlockedCall& operator=(const BlockedCall&) = delete;

  ~BlockedCall() {
    if (!thread_.joinable()) return;
    // A call that never returned even after its release: the test has failed already
    // (its last wait is a REQUIRE). Leave the thread to the process rather than hang.
    if (done_.valid() && done_.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
      thread_.detach();
    else
      thread_.join();
  }

  // Whether the thread has reached the line before its call, within `timeout`.
  bool started_within(std::chrono::milliseconds timeout) {
    return started_.wait_for(timeout) == std::future_status::ready;
  }

  // A bounded wait for the call to return, as an outcome like platform::wait's: ret 1
  // when the call has returned, 0 when it was still blocked at the timeout.
  platform::CallResult wait(std::chrono::milliseconds timeout) {
    platform::CallResult out;
    out.ret = done_.wait_for(timeout) == std::future_status::ready ? 1 : 0;
    return out;
  }

  bool returned() { return done_.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }

  // The call's result; only after wait() saw it return. Joins the thread.
  Result take() {
    thread_.join();
    return done_.get();
  }

 private:
  std::future<void> started_;
  std::future<Result> done_;
  std::thread thread_;
};

// How long a call that is about to block gets to enter the kernel before the test acts
// on its socket; the call must still be blocked after it.
inline std::chrono::milliseconds settle_time() {
  return platform::scaled(std::chrono::milliseconds(200));
}

// How long a blocked call gets to return after the action that should wake it. A call
// that is not woken costs the test this long, so it is shorter than positive_timeout().
inline std::chrono::milliseconds wake_time() {
  return platform::scaled(std::chrono::milliseconds(1000));
}

inline long long milliseconds_between(BlockedCall::Clock::time_point from,
                                      BlockedCall::Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// The one-byte recv on `handle` that the "recv blocked in another thread" tests run in a
// BlockedCall; it captures the handle by value, as BlockedCall asks.
inline auto one_byte_recv(platform::NativeHandle handle) {
  return [handle](platform::Socket&) {
    char byte = 0;
    return platform::recv(handle, &byte, 1);
  };
}

// How every BlockedCall test begins, before the action under test: the thread started,
// and its call is still blocked after settle_time(), both REQUIREd. The observation is
// named whole by the caller ("recv(second) in another thread returned with nothing
// sent"), since the expectation files and the behaviour report match on its exact text.
inline void require_still_blocked(BlockedCall& call, const std::string& still_blocked_name) {
  REQUIRE(call.started_within(positive_timeout()));
  REQUIRE_THAT(observe(still_blocked_name, call.wait(settle_time())), succeeds_with(0));
}

// A recv still blocked after the action under test is released by the peer (`first`),
// which sends it a byte; then it must return ("<call_name> in another thread returned at
// last", REQUIREd, bounded). The release is named in the message of a failure here, and
// returned for the caller's own INFO, so that the checks of the result that follow name
// it too.
inline std::string release_blocked_recv(BlockedCall& call, platform::NativeHandle first,
                                        const std::string& call_name) {
  std::string release = "not needed";
  if (!call.returned()) release = "send(first, 1): " + platform::send(first, "x", 1).describe();
  INFO("release: " << release);
  REQUIRE_THAT(observe(call_name + " in another thread returned at last", call.wait(positive_timeout())),
               succeeds_with(1));
  return release;
}

// An accept still blocked after the action under test is released by a client that
// connects to the listener's address `to` (`client`, which the caller keeps open until the
// accept's result is checked); then it must return as above. Returned as above.
inline std::string release_blocked_accept(BlockedCall& call, platform::Socket& client, const platform::Endpoint& to,
                                          const std::string& call_name) {
  std::string release = "not needed";
  if (!call.returned()) {
    auto released = platform::open_stream(to.transport, client);
    if (released.ok()) released = connect_bounded(client.get(), to);
    release = "a client's connect: " + released.describe();
  }
  INFO("release: " << release);
  REQUIRE_THAT(observe(call_name + " in another thread returned at last", call.wait(positive_timeout())),
               succeeds_with(1));
  return release;
}

}  // namespace closesem::testing
