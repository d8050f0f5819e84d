// SPDX-License-Identifier: MIT
// The POSIX error table: errno values, their names and the portable Errc.
#include "../backend.hpp"

#include <cerrno>
#include <iterator>

namespace closesem::platform::backend {
namespace {

#define CLOSESEM_ERRNO(code, errc) ErrorEntry{code, #code, Errc::errc}
const ErrorEntry kTable[] = {
    CLOSESEM_ERRNO(EBADF, bad_handle),
    CLOSESEM_ERRNO(ENOTSOCK, not_socket),
    CLOSESEM_ERRNO(ENOTCONN, not_connected),
    CLOSESEM_ERRNO(EISCONN, is_connected),
    CLOSESEM_ERRNO(ESHUTDOWN, shut_down),
    CLOSESEM_ERRNO(EPIPE, broken_pipe),
    CLOSESEM_ERRNO(ECONNRESET, connection_reset),
    CLOSESEM_ERRNO(ECONNABORTED, connection_aborted),
    CLOSESEM_ERRNO(ECONNREFUSED, connection_refused),
    CLOSESEM_ERRNO(EAGAIN, would_block),
#if EWOULDBLOCK != EAGAIN
    CLOSESEM_ERRNO(EWOULDBLOCK, would_block),
#endif  // EWOULDBLOCK != EAGAIN
    CLOSESEM_ERRNO(EINPROGRESS, in_progress),
    CLOSESEM_ERRNO(EALREADY, already),
    CLOSESEM_ERRNO(EINVAL, invalid_argument),
    CLOSESEM_ERRNO(EFAULT, fault),
    CLOSESEM_ERRNO(ENOPROTOOPT, no_protocol_option),
    CLOSESEM_ERRNO(EOPNOTSUPP, not_supported),
    CLOSESEM_ERRNO(EAFNOSUPPORT, not_supported),
    CLOSESEM_ERRNO(EPROTONOSUPPORT, not_supported),
    CLOSESEM_ERRNO(EADDRINUSE, address_in_use),
    CLOSESEM_ERRNO(EINTR, interrupted),
    CLOSESEM_ERRNO(ETIMEDOUT, timed_out),
    CLOSESEM_ERRNO(ENETDOWN, network_down),
    CLOSESEM_ERRNO(ECANCELED, operation_aborted),
    CLOSESEM_ERRNO(EADDRNOTAVAIL, other),
    CLOSESEM_ERRNO(ENETUNREACH, other),
    CLOSESEM_ERRNO(EHOSTUNREACH, other),
    CLOSESEM_ERRNO(EMFILE, other),
    CLOSESEM_ERRNO(ENFILE, other),
    CLOSESEM_ERRNO(ENOBUFS, other),
    CLOSESEM_ERRNO(ENOMEM, other),
    CLOSESEM_ERRNO(EACCES, other),
    CLOSESEM_ERRNO(EPERM, other),
    CLOSESEM_ERRNO(ENOENT, other),
};
#undef CLOSESEM_ERRNO

}  // namespace

const ErrorEntry* error_table(std::size_t* count) {
  *count = std::size(kTable);
  return kTable;
}

}  // namespace closesem::platform::backend
