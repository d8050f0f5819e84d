// SPDX-License-Identifier: MIT
// The Winsock error table: WSAGetLastError values, their names and the portable Errc.
#include "../backend.hpp"

#include <winsock2.h>

#include <iterator>

namespace closesem::platform::backend {
namespace {

#define CLOSESEM_WSA(code, errc) ErrorEntry{code, #code, Errc::errc}
const ErrorEntry kTable[] = {
    CLOSESEM_WSA(WSAEBADF, bad_handle),
    CLOSESEM_WSA(WSAENOTSOCK, not_socket),
    CLOSESEM_WSA(WSAENOTCONN, not_connected),
    CLOSESEM_WSA(WSAEISCONN, is_connected),
    CLOSESEM_WSA(WSAESHUTDOWN, shut_down),
    CLOSESEM_WSA(WSAECONNRESET, connection_reset),
    CLOSESEM_WSA(WSAECONNABORTED, connection_aborted),
    CLOSESEM_WSA(WSAECONNREFUSED, connection_refused),
    CLOSESEM_WSA(WSAEWOULDBLOCK, would_block),
    CLOSESEM_WSA(WSAEINPROGRESS, in_progress),
    CLOSESEM_WSA(WSAEALREADY, already),
    CLOSESEM_WSA(WSAEINVAL, invalid_argument),
    CLOSESEM_WSA(WSAEFAULT, fault),
    CLOSESEM_WSA(WSAENOPROTOOPT, no_protocol_option),
    CLOSESEM_WSA(WSAEOPNOTSUPP, not_supported),
    CLOSESEM_WSA(WSAEAFNOSUPPORT, not_supported),
    CLOSESEM_WSA(WSAEPROTONOSUPPORT, not_supported),
    CLOSESEM_WSA(WSAESOCKTNOSUPPORT, not_supported),
    CLOSESEM_WSA(WSAEADDRINUSE, address_in_use),
    CLOSESEM_WSA(WSANOTINITIALISED, not_initialised),
    CLOSESEM_WSA(WSAEDISCON, disconnected),
    CLOSESEM_WSA(WSAEINTR, interrupted),
    CLOSESEM_WSA(WSAETIMEDOUT, timed_out),
    CLOSESEM_WSA(WSAENETDOWN, network_down),
    CLOSESEM_WSA(WSAENETRESET, other),
    CLOSESEM_WSA(WSAEADDRNOTAVAIL, other),
    CLOSESEM_WSA(WSAENETUNREACH, other),
    CLOSESEM_WSA(WSAEHOSTUNREACH, other),
    CLOSESEM_WSA(WSAEMFILE, other),
    CLOSESEM_WSA(WSAENOBUFS, other),
    CLOSESEM_WSA(WSAEACCES, other),
    CLOSESEM_WSA(WSAEMSGSIZE, other),
    CLOSESEM_WSA(WSASYSNOTREADY, other),
    CLOSESEM_WSA(WSAVERNOTSUPPORTED, other),
    CLOSESEM_WSA(WSA_OPERATION_ABORTED, operation_aborted),
    // Win32 codes that overlapped I/O completes with (GetOverlappedResult, IOCP), where
    // they reach asio's handlers untranslated.
    CLOSESEM_WSA(ERROR_CONNECTION_ABORTED, connection_aborted),
    CLOSESEM_WSA(ERROR_NETNAME_DELETED, connection_reset),
    // Wine completes overlapped I/O still pending on a closed socket with
    // STATUS_HANDLES_CLOSED, which GetQueuedCompletionStatus reports as this.
    ErrorEntry{676, "ERROR_HANDLES_CLOSED", Errc::other},
    CLOSESEM_WSA(WSA_IO_PENDING, other),
    CLOSESEM_WSA(WSA_INVALID_HANDLE, other),
    // Pending calls (issue 17): what CancelIoEx and CancelSynchronousIo answer when there
    // is nothing to cancel, what an unfinished OVERLAPPED reads as, and the Win32 codes a
    // failed ConnectEx or a port association completes with.
    CLOSESEM_WSA(ERROR_NOT_FOUND, other),
    CLOSESEM_WSA(WSA_IO_INCOMPLETE, other),
    CLOSESEM_WSA(ERROR_CONNECTION_REFUSED, connection_refused),
    CLOSESEM_WSA(WSA_INVALID_PARAMETER, invalid_argument),
    CLOSESEM_WSA(ERROR_SEM_TIMEOUT, timed_out),
};
#undef CLOSESEM_WSA

}  // namespace

const ErrorEntry* error_table(std::size_t* count) {
  *count = std::size(kTable);
  return kTable;
}

}  // namespace closesem::platform::backend
