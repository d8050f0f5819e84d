// SPDX-License-Identifier: MIT
// The portable error vocabulary. Tests, the model and reports speak in Errc; the
// native code (errno or WSAGetLastError) travels beside it for the human reader.
// Its own library (closesem::errc, core/src/errc.cpp): the base that both the platform
// layer and the op language build on, so that neither depends on the other.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace closesem {

enum class Errc {
  ok,                  // the call succeeded
  bad_handle,          // EBADF: not an open descriptor
  not_socket,          // ENOTSOCK, WSAENOTSOCK: not a socket (Winsock: also a closed handle)
  not_connected,       // ENOTCONN, WSAENOTCONN
  is_connected,        // EISCONN, WSAEISCONN
  shut_down,           // WSAESHUTDOWN (POSIX has ESHUTDOWN, but sockets use EPIPE)
  broken_pipe,         // EPIPE
  connection_reset,    // ECONNRESET, WSAECONNRESET
  connection_aborted,  // ECONNABORTED, WSAECONNABORTED
  connection_refused,  // ECONNREFUSED, WSAECONNREFUSED
  would_block,         // EAGAIN/EWOULDBLOCK, WSAEWOULDBLOCK
  in_progress,         // EINPROGRESS, WSAEINPROGRESS
  already,             // EALREADY, WSAEALREADY
  invalid_argument,    // EINVAL, WSAEINVAL
  fault,               // EFAULT, WSAEFAULT
  no_protocol_option,  // ENOPROTOOPT, WSAENOPROTOOPT
  not_supported,       // EOPNOTSUPP, EAFNOSUPPORT, WSAEOPNOTSUPP, WSAEAFNOSUPPORT
  address_in_use,      // EADDRINUSE, WSAEADDRINUSE
  not_initialised,     // WSANOTINITIALISED (Winsock only)
  disconnected,        // WSAEDISCON (Winsock, message-oriented graceful close)
  interrupted,         // EINTR, WSAEINTR
  timed_out,           // ETIMEDOUT, WSAETIMEDOUT
  network_down,        // ENETDOWN, WSAENETDOWN
  operation_aborted,   // ECANCELED, WSA_OPERATION_ABORTED (995): an overlapped/async operation cancelled
  other,               // anything else: the native code says what
};

// "connection_reset", ... (the spelling used in .ops scripts and reports).
std::string_view to_string(Errc errc);
std::optional<Errc> errc_from_string(std::string_view name);

// Every enumerator, in declaration order (for tables and tests).
const Errc* all_errcs(std::size_t* count);

}  // namespace closesem
