// SPDX-License-Identifier: MIT
// The event-set vocabulary: what a notification reports, in one place for the platform
// layer (which reads poll/epoll/select/WSAEnumNetworkEvents into it), the op language
// (which writes it as `{in,out,hup}` in .ops outcomes) and the model (which predicts
// it). Part of the closesem::errc base library: no socket headers, no dependencies.
#pragma once

#include "closesem/errc.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace closesem::events {

// One bit per event. The first six are the readiness bits of poll, WSAPoll, epoll and
// select (select reports in, out and err: its except set); the last five are Winsock's
// recorded network events (WSAEnumNetworkEvents' FD_* bits), which FD_CLOSE carries
// an error code with (EventSet::close_error).
enum Bit : std::uint32_t {
  in = 1u << 0,        // POLLIN / POLLRDNORM, EPOLLIN; select: the read set
  out = 1u << 1,       // POLLOUT / POLLWRNORM, EPOLLOUT; select: the write set
  hup = 1u << 2,       // POLLHUP, EPOLLHUP
  rdhup = 1u << 3,     // POLLRDHUP, EPOLLRDHUP (Linux only)
  err = 1u << 4,       // POLLERR, EPOLLERR; select: the except set
  nval = 1u << 5,      // POLLNVAL (the handle is not open)
  read = 1u << 6,      // FD_READ
  write = 1u << 7,     // FD_WRITE
  accept = 1u << 8,    // FD_ACCEPT
  connect = 1u << 9,   // FD_CONNECT
  close = 1u << 10,    // FD_CLOSE (its error code: EventSet::close_error)
};
inline constexpr int kBits = 11;
inline constexpr std::uint32_t kAll = (1u << kBits) - 1;

// What one notification reported: the bits, and FD_CLOSE's error code (ok: a graceful
// close, FD_CLOSE with 0) when `close` is among them (ok otherwise).
struct EventSet {
  std::uint32_t bits = 0;
  Errc close_error = Errc::ok;
  friend bool operator==(const EventSet& a, const EventSet& b) {
    return a.bits == b.bits && a.close_error == b.close_error;
  }
  friend bool operator!=(const EventSet& a, const EventSet& b) { return !(a == b); }
};

// "in", "rdhup", ... for one bit; "" for anything else.
std::string_view bit_name(std::uint32_t bit);
std::optional<std::uint32_t> bit_from_name(std::string_view name);

// The text form: "{}" (nothing), "{in,out,hup}" (bits in the order above),
// "{read,close}" (FD_CLOSE with 0), "{close:connection_reset}" (with an error). No spaces.
std::string print(const EventSet& set);
// Parses print's form back; on an error returns nullopt and says why in `error`
// (the unknown name, a missing brace).
std::optional<EventSet> parse(std::string_view text, std::string* error = nullptr);

}  // namespace closesem::events
