// SPDX-License-Identifier: MIT
// Fixtures for tests: pair kinds to generate over, skipping with a reason, bounded
// timeouts, and data helpers.
#pragma once

#include "closesem_testing/catch.hpp"
#include "closesem_testing/matchers.hpp"
#include "closesem_testing/report.hpp"

#include "closesem/pair.hpp"
#include "closesem/platform.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace closesem::testing {

// How long a test waits for something that should come (scaled for slow runs).
inline std::chrono::milliseconds positive_timeout() {
  return platform::scaled(std::chrono::milliseconds(5000));
}

// The longest any blocking send or recv on a test pair may block (SO_RCVTIMEO and
// SO_SNDTIMEO, set by make_pair_or_fail): a stack that never answers fails the test.
inline std::chrono::milliseconds watchdog_timeout() {
  return platform::scaled(std::chrono::milliseconds(20000));
}

// How long a test waits to show that nothing happens (no data, no FIN, no reset).
inline std::chrono::milliseconds quiet_timeout() {
  return platform::scaled(std::chrono::milliseconds(200));
}

// Every TCP (and AF_UNIX stream) pair kind, with reversals.
inline std::vector<PairKind> stream_pair_kinds() { return pair_kinds(true); }

// The TCP pair kinds only (tcp4, tcp6), with reversals: for facts about TCP itself
// (resets, linger timers) that AF_UNIX does not share.
std::vector<PairKind> tcp_pair_kinds();

// Makes a pair; fails the test (naming the step) when the factory fails. Both ends
// get the watchdog_timeout() on blocking sends and receives.
PairResult make_pair_or_fail(const PairKind& kind);

}  // namespace closesem::testing

// Catch2 2.13 has no SKIP: a skip records its reason in the report, warns, and
// returns from the test body (libuv's RETURN_SKIP). Keep skips rare.
#define CLOSESEM_SKIP(reason)                                  \
  do {                                                         \
    const std::string closesem_skip_reason_ = (reason);        \
    ::closesem::testing::record_skip(closesem_skip_reason_);   \
    WARN("skipped: " << closesem_skip_reason_);                \
    return;                                                    \
  } while (false)

// Names the report variant after `transport` (plus `detail`, if any) and skips the
// test when this host has no such transport (no IPv6, no AF_UNIX under Wine).
#define CLOSESEM_TRANSPORT_OR_SKIP(transport, detail)                                          \
  do {                                                                                         \
    const std::string closesem_variant_ =                                                      \
        std::string(::closesem::platform::to_string(transport)) + std::string(detail);         \
    UNSCOPED_INFO("variant: " << closesem_variant_);                                          \
    ::closesem::testing::set_variant(closesem_variant_);                                       \
    std::string closesem_why_not_;                                                             \
    if (!::closesem::platform::transport_available((transport), &closesem_why_not_))           \
      CLOSESEM_SKIP(closesem_why_not_);                                                        \
  } while (false)

// Declares `pair_name` as a connected pair of `kind`, or skips when this host has no
// such transport (no IPv6, no AF_UNIX).
#define CLOSESEM_PAIR_OR_SKIP(pair_name, kind)                                      \
  auto pair_name##_made_ = ::closesem::testing::make_pair_or_fail(kind);            \
  if (pair_name##_made_.status == ::closesem::PairStatus::unavailable)              \
    CLOSESEM_SKIP(pair_name##_made_.message);                                       \
  auto& pair_name = pair_name##_made_.pair

namespace closesem::testing {

// Bounded wait for `what` on `handle`; the Observed says which handle and event.
Observed wait_for(const std::string& name, platform::NativeHandle handle, platform::WaitFor what,
                  std::chrono::milliseconds timeout = positive_timeout(),
                  platform::Events* seen = nullptr);

// Sends `count` bytes of the payload pattern (closesem/pattern.hpp: byte i of a stream is
// `i % 251`), starting at stream offset `offset`; one send call, so ret may be short on a
// non-blocking socket.
platform::CallResult send_pattern(platform::NativeHandle handle, std::size_t count, std::size_t offset = 0);

// One recv call of up to `size` bytes on a stream that carries the pattern, of which
// `offset` bytes were read before: every byte that arrives is checked against the
// pattern at its stream offset, and the first one that is off fails the test case
// (naming the offset, the byte expected and the byte received). Returns the call's
// outcome, for the matchers.
platform::CallResult recv_checked(platform::NativeHandle handle, std::size_t size, std::size_t offset = 0);

// Receives until `count` bytes arrived, end of stream, an error, or the timeout; each
// recv is preceded by a bounded wait. Returns the last outcome, with ret = bytes read
// in total when every call succeeded. `pattern_ok` tells whether the bytes matched the
// pattern from stream offset `offset`.
platform::CallResult recv_pattern(platform::NativeHandle handle, std::size_t count, bool* pattern_ok,
                               std::size_t offset = 0,
                               std::chrono::milliseconds timeout = positive_timeout());

// Makes `handle` non-blocking and sends the pattern until the call would block (the
// peer's receive window and our send buffer are full), then restores blocking mode.
// Returns the bytes queued; fails the test if it never blocks within `limit` bytes.
std::size_t fill_send_buffer(platform::NativeHandle handle, std::size_t limit = 64u << 20);

// What reading until the stream ends showed: the bytes that arrived (checked against
// the send_pattern sequence from offset 0) and the call that ended it (recv's 0 or its
// error). Fails the test if no data, end or error comes within a bounded wait.
struct Drained {
  std::size_t bytes = 0;
  bool pattern_ok = true;
  platform::CallResult end;
};
Drained drain(const std::string& name, platform::NativeHandle handle);

// SO_ERROR as an outcome, so that matchers and the report name the pending error: a
// failure with that error when one is pending, ret=0 when none is. Fails the test if
// getsockopt itself fails.
Observed pending_error(const std::string& operation, platform::NativeHandle handle);

}  // namespace closesem::testing
