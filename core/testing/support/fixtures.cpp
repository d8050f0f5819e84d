// SPDX-License-Identifier: MIT
#include "closesem_testing/fixtures.hpp"

#include "closesem/pattern.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace closesem::testing {

PairResult make_pair_or_fail(const PairKind& kind) {
  set_variant(kind.description());
  auto made = make_pair(kind);
  if (made.status == PairStatus::failed)
    FAIL("could not make a " << kind.description() << " pair: " << made.message);
  if (made.status == PairStatus::ok) {
    // A watchdog, not a behaviour under test: no blocking send or recv of a test can
    // hang for longer than this, whatever the stack does.
    for (const auto* socket : {&made.pair.first, &made.pair.second}) {
      const auto set = platform::set_io_timeout(socket->get(), watchdog_timeout());
      if (!set.ok()) FAIL("could not set the I/O watchdog on a " << kind.description() << " pair: " << set.describe());
    }
  }
  return made;
}

}  // namespace closesem::testing

namespace closesem::testing {

Observed wait_for(const std::string& name, platform::NativeHandle handle, platform::WaitFor what,
                  std::chrono::milliseconds timeout, platform::Events* seen) {
  static const char* const kWhat[] = {"readable", "writable", "hangup"};
  return observe("wait " + std::string(kWhat[static_cast<int>(what)]) + "(" + name + ")",
                 platform::wait(handle, what, timeout, seen));
}

platform::CallResult send_pattern(platform::NativeHandle handle, std::size_t count, std::size_t offset) {
  std::vector<std::uint8_t> data(count);
  pattern::fill(data.data(), count, offset);
  return platform::send(handle, data.data(), data.size());
}

platform::CallResult recv_checked(platform::NativeHandle handle, std::size_t size, std::size_t offset) {
  std::vector<std::uint8_t> buffer(std::max<std::size_t>(size, 1));
  const auto out = platform::recv(handle, buffer.data(), size);
  if (out.ok() && out.ret > 0) {
    const auto received = static_cast<std::size_t>(out.ret);
    const auto at = pattern::first_mismatch(buffer.data(), received, offset);
    if (at < received)
      FAIL_CHECK("recv received byte " << static_cast<int>(buffer[at]) << " at stream offset " << offset + at
                                       << ", where the pattern has " << static_cast<int>(pattern::byte_at(offset + at))
                                       << " (" << received << " bytes from offset " << offset << ")");
  }
  return out;
}

platform::CallResult recv_pattern(platform::NativeHandle handle, std::size_t count, bool* pattern_ok,
                               std::size_t offset, std::chrono::milliseconds timeout) {
  std::vector<std::uint8_t> buffer(64 * 1024);
  std::size_t received = 0;
  bool matches = true;
  platform::CallResult last;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (received < count) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const auto ready = platform::wait(handle, platform::WaitFor::readable, left);
    if (!ready.ok() || ready.ret == 0) {
      last = ready;
      break;
    }
    last = platform::recv(handle, buffer.data(), std::min(buffer.size(), count - received));
    if (!last.ok() || last.ret == 0) break;
    const auto got = static_cast<std::size_t>(last.ret);
    if (pattern::first_mismatch(buffer.data(), got, offset + received) < got) matches = false;
    received += got;
  }
  if (pattern_ok != nullptr) *pattern_ok = matches;
  if (last.ok()) last.ret = static_cast<std::int64_t>(received);
  return last;
}

std::size_t fill_send_buffer(platform::NativeHandle handle, std::size_t limit) {
  REQUIRE_THAT(observe("set non-blocking", platform::set_nonblocking(handle, true)), succeeds());
  std::size_t queued = 0;
  platform::CallResult last;
  while (queued < limit) {
    last = send_pattern(handle, 64 * 1024, queued);
    if (!last.ok()) break;
    queued += static_cast<std::size_t>(last.ret);
  }
  REQUIRE_THAT(observe("set blocking", platform::set_nonblocking(handle, false)), succeeds());
  INFO("queued " << queued << " bytes before the send would block");
  REQUIRE_THAT(observe("send until the buffers are full", last), fails_with(Errc::would_block));
  return queued;
}

std::vector<PairKind> tcp_pair_kinds() {
  std::vector<PairKind> kinds;
  for (const auto& kind : stream_pair_kinds())
    if (kind.transport != platform::Transport::unix_stream) kinds.push_back(kind);
  return kinds;
}

Drained drain(const std::string& name, platform::NativeHandle handle) {
  Drained out;
  std::vector<std::uint8_t> buffer(64 * 1024);
  for (;;) {
    REQUIRE_THAT(wait_for(name, handle, platform::WaitFor::readable), succeeds_with(1));
    out.end = platform::recv(handle, buffer.data(), buffer.size());
    if (!out.end.ok() || out.end.ret == 0) return out;
    const auto got = static_cast<std::size_t>(out.end.ret);
    if (pattern::first_mismatch(buffer.data(), got, out.bytes) < got) out.pattern_ok = false;
    out.bytes += got;
  }
}

Observed pending_error(const std::string& operation, platform::NativeHandle handle) {
  int so_error = platform::kErrorSentinel;
  REQUIRE_THAT(observe("getsockopt(SO_ERROR) call for " + operation, platform::socket_error(handle, so_error)),
               succeeds());
  platform::CallResult pending;
  if (so_error != 0) {
    pending.ret = -1;
    pending.native = so_error;
    pending.errc = platform::errc_from_native(so_error);
  }
  return observe(operation, pending);
}

}  // namespace closesem::testing
