// SPDX-License-Identifier: MIT
// Test support for the pending-call and notification areas (threads/, overlapped/, uring/,
// events/, names/): a call started through platform::AsyncCall and watched with bounded
// waits only, and event sets asserted one bit at a time, so that the matchers, the
// behaviour report and the expectation files (which compare outcomes) see each bit as an
// outcome of its own: "poll(second) after the peer's close reports hup" -> ret=1 or ret=0.
#pragma once

#include "closesem_testing/fixtures.hpp"

#include "closesem/events.hpp"
#include "closesem/pattern.hpp"
#include "closesem/platform.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace closesem::testing {

// Fails the test (naming the mechanism and why) where a mechanism that every build of
// this API must offer is missing: thread everywhere, overlapped and iocp on Winsock.
#define CLOSESEM_REQUIRE_MECHANISM(mechanism)                                                      \
  do {                                                                                             \
    std::string closesem_why_not_;                                                                 \
    const bool closesem_available_ = ::closesem::platform::AsyncCall::available((mechanism),       \
                                                                                &closesem_why_not_); \
    INFO("mechanism " << ::closesem::platform::to_string(mechanism) << ": " << closesem_why_not_); \
    REQUIRE(closesem_available_);                                                                  \
  } while (false)

// io_uring may be refused by the kernel (io_uring_disabled, a seccomp filter, an old
// kernel): the test is skipped with the kernel's answer and the kernel's version.
#define CLOSESEM_URING_OR_SKIP()                                                                   \
  do {                                                                                             \
    std::string closesem_why_not_;                                                                 \
    if (!::closesem::platform::AsyncCall::available(::closesem::platform::AsyncMechanism::uring,   \
                                                    &closesem_why_not_))                          \
      CLOSESEM_SKIP("io_uring is not available on " + ::closesem::platform::platform_id() + ": " + \
                    closesem_why_not_);                                                            \
  } while (false)

inline platform::AsyncRequest recv_request(platform::NativeHandle handle, std::size_t size) {
  platform::AsyncRequest request;
  request.call = platform::AsyncCallKind::recv;
  request.handle = handle;
  request.size = size;
  return request;
}

// `size` bytes of the payload pattern from stream offset `offset`.
inline platform::AsyncRequest send_request(platform::NativeHandle handle, std::size_t size, std::size_t offset = 0) {
  platform::AsyncRequest request;
  request.call = platform::AsyncCallKind::send;
  request.handle = handle;
  request.data.resize(size);
  for (std::size_t i = 0; i < size; ++i) request.data[i] = pattern::byte_at(offset + i);
  request.size = size;
  return request;
}

inline platform::AsyncRequest accept_request(platform::NativeHandle listener, platform::Transport transport) {
  platform::AsyncRequest request;
  request.call = platform::AsyncCallKind::accept;
  request.handle = listener;
  request.transport = transport;
  return request;
}

inline platform::AsyncRequest connect_request(platform::NativeHandle handle, const platform::Endpoint& to) {
  platform::AsyncRequest request;
  request.call = platform::AsyncCallKind::connect;
  request.handle = handle;
  request.to = to;
  request.transport = to.transport;
  return request;
}

// A bounded wait for the completion, as an outcome like platform::wait's: ret 1 when the
// call has completed, 0 when it was still pending at the timeout.
inline platform::CallResult completes_within(platform::AsyncCall& call, std::chrono::milliseconds timeout) {
  platform::CallResult out;
  out.ret = call.wait(timeout) ? 1 : 0;
  return out;
}

// Starts `request` with `mechanism` and REQUIREs that it is still pending after the quiet
// timeout: how every test of a call pending under the action it tests begins (thread and
// io_uring alike). Both observations are named whole by the caller ("start uring
// recv(second, 100)", "uring recv(second) completed with nothing sent"), since the
// expectation files and the behaviour report match on their exact text.
inline std::unique_ptr<platform::AsyncCall> start_pending_call(platform::AsyncMechanism mechanism,
                                                               platform::AsyncRequest request,
                                                               const std::string& start_name,
                                                               const std::string& still_pending_name) {
  std::unique_ptr<platform::AsyncCall> started;
  REQUIRE_THAT(observe(start_name, platform::AsyncCall::start(mechanism, std::move(request), started)), succeeds());
  REQUIRE_THAT(observe(still_pending_name, completes_within(*started, quiet_timeout())), succeeds_with(0));
  return started;
}

// A recv of `size` bytes on `second` started on a thread of its own, and still blocked
// after the quiet timeout (nothing was sent): how the "blocked in another thread" tests
// begin. Both steps are REQUIREd.
inline std::unique_ptr<platform::AsyncCall> start_blocked_thread_recv(platform::NativeHandle second, std::size_t size) {
  CLOSESEM_REQUIRE_MECHANISM(platform::AsyncMechanism::thread);
  const std::string call = "recv(second, " + std::to_string(size) + ")";
  return start_pending_call(platform::AsyncMechanism::thread, recv_request(second, size), "start thread " + call,
                            call + " in another thread completed with nothing sent");
}

// A recv still blocked after the action under test is released by the peer (`first`),
// which sends it a byte; then it must complete ("<call> in another thread completed at
// last", REQUIREd, bounded). The release is named in the message of a failure; it is also
// returned, for a test whose later checks should name it too (in an INFO of its own).
inline std::string release_blocked_recv(platform::AsyncCall& call, platform::NativeHandle first,
                                        const std::string& call_name) {
  std::string release = "not needed";
  if (!call.wait(std::chrono::milliseconds(0)))
    release = "send(first, 1): " + send_pattern(first, 1).describe();
  INFO("release: " << release);
  REQUIRE_THAT(observe(call_name + " in another thread completed at last", completes_within(call, positive_timeout())),
               succeeds_with(1));
  return release;
}

// How long a pending call gets to complete after the action that should complete it. A
// call that is not completed costs the test this long (shorter than positive_timeout()).
inline std::chrono::milliseconds completion_time() {
  return platform::scaled(std::chrono::milliseconds(1000));
}

// Whether `bit` is in `seen`, as an outcome: ret 1 or ret 0.
inline platform::CallResult bit_outcome(const events::EventSet& seen, std::uint32_t bit) {
  platform::CallResult out;
  out.ret = (seen.bits & bit) != 0 ? 1 : 0;
  return out;
}

// The readiness bits of poll, WSAPoll, epoll and select.
inline constexpr std::uint32_t kReadinessBits =
    events::in | events::out | events::hup | events::rdhup | events::err | events::nval;

// Asserts each bit of `which`: present in `seen` exactly when it is in `expected`. One
// observation per bit ("<operation> reports hup"), so a deviation names the bit.
inline void check_event_bits(const std::string& operation, const events::EventSet& seen, std::uint32_t expected,
                             std::uint32_t which = kReadinessBits) {
  INFO(operation << " reported " << events::print(seen));
  for (int i = 0; i < events::kBits; ++i) {
    const std::uint32_t bit = 1u << i;
    if ((which & bit) == 0) continue;
    CHECK_THAT(observe(operation + " reports " + std::string(events::bit_name(bit)), bit_outcome(seen, bit)),
               succeeds_with((expected & bit) != 0 ? 1 : 0));
  }
}

// FD_CLOSE's error code as an outcome: success for 0 (a graceful close), otherwise a
// failure with that error, so the matchers name it.
inline platform::CallResult close_error_outcome(const events::EventSet& seen) {
  platform::CallResult out;
  out.errc = seen.close_error;
  if (seen.close_error != Errc::ok) {
    out.ret = -1;
    out.native = platform::native_from_errc(seen.close_error).value_or(platform::kErrorSentinel);
  }
  return out;
}

// Opens a notifier of `kind` on `handle`, REQUIREd: how every events test of a notifier
// begins. The observation is named whole by the caller ("WSAEventSelect on second",
// "epoll level on second"), since the expectation files and the report match on it.
inline std::unique_ptr<platform::Notifier> open_notifier(platform::Notifier::Kind kind, platform::NativeHandle handle,
                                                         const std::string& name) {
  std::unique_ptr<platform::Notifier> notifier;
  REQUIRE_THAT(observe(name, platform::Notifier::open(kind, handle, notifier)), succeeds());
  return notifier;
}

// Waits on `notifier` until every bit of `until` was reported (the union of the waits),
// or `timeout` passed; returns the union, with FD_CLOSE's error from the wait that
// reported it. Each wait is bounded by what is left of `timeout`.
inline events::EventSet collect_events(platform::Notifier& notifier, std::uint32_t until,
                                       std::chrono::milliseconds timeout = positive_timeout()) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  events::EventSet all;
  while ((all.bits & until) != until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    events::EventSet seen;
    const auto waited = notifier.wait(left, seen);
    if (!waited.ok() || waited.ret == 0) break;
    all.bits |= seen.bits;
    if ((seen.bits & events::close) != 0) all.close_error = seen.close_error;
  }
  return all;
}

}  // namespace closesem::testing
