// SPDX-License-Identifier: MIT
// The model's platform profiles, as data. Outcomes are written in .ops syntax
// ("connection_reset | 0"); "data", "reset" and "none" are answers of their own for the
// facts that ask whether data is kept or a reset is sent, and "unknown" is a side that
// was not measured (the model does not predict it). Sources: contract IDs and
// sections (D1, S4, §2.4 #7, §4 #17) are docs/contract.md, "catalogue #N" is
// docs/scenarios.md; "conformance: ..." names the conformance test that measured the
// fact on this suite's platforms.
#include "closesem/model.hpp"

#include "closesem/deviations.hpp"

#include <cstdlib>
#include <stdexcept>

namespace closesem::model {
namespace {

struct Row {
  Fact fact;
  const char* winsock;
  const char* winsock_source;
  const char* on_linux;
  const char* on_linux_source;
};

// Every fact once, Winsock and Linux side by side.
const Row kRows[] = {
    {Fact::recv_after_shutdown_receive, "shut_down", "recv R3 (WSAESHUTDOWN after SD_RECEIVE)", "0",
     "contract §4 #17; conformance: recv after shutdown(receive) ... reads end of stream on POSIX"},
    {Fact::recv_queued_after_shutdown_receive, "shut_down", "recv R3", "data",
     "conformance: recv after shutdown(receive) with queued data ... reads the data then end of stream on POSIX"},
    {Fact::send_after_shutdown_send, "shut_down", "send R6 (WSAESHUTDOWN)", "broken_pipe",
     "send.2 EPIPE; conformance: send after shutdown(send) fails, with no SIGPIPE"},
    {Fact::recv_after_reset_first, "connection_reset", "recv R2", "connection_reset",
     "recv.2 ECONNRESET; conformance reset: recv after a reset ..."},
    {Fact::recv_after_reset_again, "connection_reset", "contract §2.4 #7 (WIN-OBS: the reset persists)", "0",
     "contract §4 #8 (reported once); conformance reset: recv after a reset keeps failing on Winsock ..."},
    {Fact::send_after_reset_first, "connection_reset", "send R7", "connection_reset",
     "conformance: send as the first call after a reset fails with connection reset"},
    {Fact::send_after_reset_again, "connection_reset", "contract §2.4 #7, R7", "broken_pipe",
     "contract §4 #23; conformance: send after recv reported a reset ... broken pipe on POSIX"},
    {Fact::error_after_reset_first, "0", "contract §2.4 #7 (SO_ERROR reads 0 after a reset, wine:13973)",
     "connection_reset", "conformance: SO_ERROR after a reset reads 0 on Winsock, while POSIX reports the reset there once"},
    {Fact::error_after_reset_again, "0", "contract §2.4 #7", "0", "socket.7 (SO_ERROR is cleared when read)"},
    {Fact::buffered_data_after_reset, "reset", "catalogue #6 [rep] (Windows drops buffered data on RST), recv R2",
     "data", "gVisor RSTSentOnCloseWithUnreadDataAllowsReadBuffered; conformance reset: a peer holding unread data ..."},
    {Fact::recv_after_fin_then_reset, "connection_aborted",
     "contract §2.4 #3 (WIN-OBS, wine test_shutdown todo_wine)", "0",
     "catalogue #3; conformance: recv after sending to a peer that closed ... end of stream on POSIX"},
    {Fact::send_after_fin_then_reset, "connection_aborted | connection_reset", "catalogue #3 [rep]", "broken_pipe",
     "tcp_reset in CLOSE_WAIT sets EPIPE; conformance: a second send to a peer that closed fails"},
    {Fact::error_after_fin_then_reset, "0", "contract §2.4 #7 (SO_ERROR reads 0)", "broken_pipe | 0",
     "tcp_reset in CLOSE_WAIT sets sk_err EPIPE until read (not measured by the suite)"},
    {Fact::closed_handle, "not_socket", "closesocket D2/D3 (WSAENOTSOCK, reuse aside)", "bad_handle",
     "close.2 EBADF; conformance close: closing a connected end twice"},
    {Fact::recv_unconnected_tcp, "not_connected", "recv R5", "not_connected", "recv.2 ENOTCONN"},
    {Fact::recv_unconnected_unix, "not_connected", "recv R5", "invalid_argument",
     "conformance io: recv on a never-connected socket (Linux 6.18 AF_UNIX: EINVAL)"},
    {Fact::send_unconnected_tcp, "not_connected", "send page (WSAENOTCONN)", "broken_pipe",
     "conformance io: send on a never-connected socket (Linux: EPIPE)"},
    {Fact::send_unconnected_unix, "not_connected", "send page (WSAENOTCONN)", "not_connected", "send.2 ENOTCONN"},
    {Fact::shutdown_unconnected, "not_connected", "shutdown S2", "not_connected", "shutdown.2 ENOTCONN"},
    {Fact::shutdown_listening, "not_connected", "shutdown S2; conformance shutdown on a listening socket", "ok",
     "conformance: shutdown on a listening socket ... succeeds on POSIX"},
    {Fact::shutdown_after_reset, "ok", "catalogue #29 [rep] (Winsock tolerates shutdown on a CLOSED connection)",
     "not_connected", "inet_shutdown on TCP_CLOSE: ENOTCONN"},
    {Fact::shutdown_receive_with_queued_resets, "reset", "shutdown S4", "none", "contract §4 #17 (no packet)"},
    {Fact::data_after_shutdown_receive_resets, "reset", "shutdown S4", "none", "contract §4 #17 (data still queued)"},
    {Fact::close_nonblocking_linger_queued, "would_block", "closesocket D2, linger table contract §1.2", "ok",
     "socket.7 (close lingers; O_NONBLOCK does not change it), contract §4 #10"},
    {Fact::not_initialised, "not_initialised", "WSACleanup C1, WSANOTINITIALISED", "ok", "no lifecycle on POSIX"},
    {Fact::cleanup_unmatched, "not_initialised", "WSACleanup C1", "ok", "no lifecycle on POSIX"},
    {Fact::socket_unix, "ok | not_supported", "AF_UNIX from Windows 10 1803; Wine 8 has none", "ok", "unix.7"},
    {Fact::wait_unconnected, "0 | 1", "WSAPoll on an unconnected socket: not measured", "1",
     "tcp_poll: a TCP_CLOSE socket reports POLLHUP"},
    {Fact::wait_after_shutdown_receive, "0 | 1", "WSAPoll after SD_RECEIVE: not measured", "1",
     "tcp_poll: RCV_SHUTDOWN reports POLLIN|POLLRDHUP"},
    {Fact::shutdown_unconnected_unix, "not_connected", "shutdown S2 (AF_UNIX on Windows: not measured)", "0",
     "measured by fuzz_close_sequences on Linux 6.18: unix_shutdown does not check the connection state"},
    {Fact::recv_listening_unix, "not_connected", "recv R5 (AF_UNIX on Windows: not measured)", "invalid_argument",
     "measured by fuzz_close_sequences on Linux 6.18: recv on a listening AF_UNIX socket fails EINVAL"},
    {Fact::data_after_shutdown_both_resets, "reset", "shutdown S4 (data after SD_RECEIVE resets)", "reset",
     "measured by fuzz_close_sequences on Linux 6.18 (seed 14_shutdown_both_then_wait): data reaching a socket "
     "in FIN_WAIT with RCV_SHUTDOWN is answered with RST (tcp_rcv_state_process), both ends see the reset"},
    {Fact::socket_call_after_last_cleanup, "not_initialised", "WSACleanup C1, WSANOTINITIALISED", "ok",
     "no lifecycle on POSIX"},
    {Fact::shutdown_after_both_fins, "0 | not_connected",
     "not measured on Windows (catalogue #29 [rep]: Winsock tolerates shutdown on a closed connection)", "not_connected",
     "measured by fuzz_handles on Linux 6.18: once both FINs are exchanged the socket is TCP_CLOSE and "
     "inet_shutdown fails ENOTCONN"},
    {Fact::recv_listening_tcp, "not_connected", "recv R5 (WSAENOTCONN); a blocking listener", "not_connected",
     "recv.2 ENOTCONN"},
    {Fact::send_listening_tcp, "not_connected", "send page (WSAENOTCONN); a blocking listener", "broken_pipe",
     "as send_unconnected_tcp: a listening TCP socket is not connected (Linux: EPIPE)"},
    {Fact::wait_closed_handle, "not_socket", "closesocket D2/D3 (WSAENOTSOCK, reuse aside)", "1",
     "poll on a closed descriptor: POLLNVAL"},
    {Fact::send_unix_after_peer_gone, "unknown",
     "AF_UNIX on Winsock after the peer closed or shut down reading: not measured", "broken_pipe",
     "unix.7: the peer closed or shut down reading; Linux unix_stream_sendmsg fails EPIPE "
     "(before any reset; measured by fuzz_close_sequences)"},
    {Fact::shutdown_bad_how_unconnected, "invalid_argument | not_connected", "shutdown S2", "invalid_argument",
     "shutdown S2 (WSAEINVAL), shutdown.2 EINVAL"},
    {Fact::send_timeout_expired, "timed_out", "setsockopt SO_SNDTIMEO: a blocking send that times out fails WSAETIMEDOUT",
     "would_block", "socket.7 SO_SNDTIMEO: EAGAIN/EWOULDBLOCK when the timeout expires before any data was sent"},
    {Fact::recv_listening_tcp_nonblocking, "not_connected", "recv R5 (WSAENOTCONN) on a non-blocking listener",
     "not_connected", "recv.2 ENOTCONN"},
    {Fact::recv_listening_tcp_queued, "not_connected", "recv R5 (WSAENOTCONN) on a listener, a connection queued or not",
     "not_connected", "recv.2 ENOTCONN (tcp_recvmsg_locked: TCP_LISTEN)"},
    // --- Pending calls (issue 17). Linux facts: measured by this suite on Linux 6.18
    // (contract §4 #6 and the conformance threads tests); io_uring: documented, to be
    // measured (on Linux 6.18). Windows: documented, not measured on Windows.
    {Fact::pending_close_thread_recv, "interrupted",
     "documented, not measured on Windows: WinSock 1.1 §2.7 (contract H1: closing under a blocked call fails it "
     "WSAEINTR); conformance threads: close aborts a recv blocked in another thread",
     "pending",
     "close.2 (Multithreaded processes: the blocked call holds its own reference); measured on Linux 6.18 "
     "(contract §4 #6; conformance: threads: close aborts a recv blocked in another thread on Winsock, not on Linux)"},
    {Fact::pending_close_thread_send, "interrupted",
     "documented, not measured on Windows: WinSock 1.1 §2.7 (contract H1)", "pending",
     "close.2 (Multithreaded processes); measured on Linux 6.18.44 (issue 17 platform measurements; conformance: "
     "threads: close aborts a send blocked on a full window in another thread on Winsock, not on Linux)"},
    {Fact::pending_close_thread_accept, "interrupted",
     "documented, not measured on Windows: WinSock 1.1 §2.7 (contract H1)", "pending",
     "close.2 (Multithreaded processes); conformance: threads: close aborts an accept blocked in another thread on "
     "Winsock, not on Linux"},
    {Fact::pending_close_overlapped_recv, "connection_aborted | operation_aborted",
     "documented, not measured on Windows: closesocket D5 (WSA_OPERATION_ABORTED); Wine's iocp_async_read_closesocket "
     "records ERROR_CONNECTION_ABORTED for Windows (contract §2.4 #1, wine:12161)",
     "unknown", "no overlapped I/O on Linux (trait mechanism_overlapped)"},
    {Fact::pending_close_overlapped_send, "operation_aborted",
     "documented, not measured on Windows: closesocket D5 (pending overlapped sends fail WSA_OPERATION_ABORTED)",
     "unknown", "no overlapped I/O on Linux (trait mechanism_overlapped)"},
    {Fact::pending_close_overlapped_accept, "operation_aborted",
     "documented, not measured on Windows: closesocket D5; Wine's test_completion_port records STATUS_CANCELLED for "
     "AcceptEx on Windows (contract §2.4 #1, wine:10950)",
     "unknown", "no overlapped I/O on Linux (trait mechanism_overlapped)"},
    {Fact::pending_close_uring, "unknown", "no io_uring on Winsock (trait mechanism_uring)", "pending",
     "measured on Linux 6.18.44 (issue 17 platform measurements: recv, accept and send pending at close): an io_uring request holds its own reference "
     "to the file (io_file_get_normal), so close() does not cancel it; the socket stays open until it completes"},
    {Fact::pending_shutdown_receive_thread, "unknown",
     "not documented for a recv blocked in another thread; not measured on Windows", "0",
     "measured on Linux 6.18 (contract §4 #6: shutdown wakes a blocked recv with 0; conformance threads shutdown "
     "during recv)"},
    {Fact::pending_shutdown_receive_overlapped, "pending",
     "documented, not measured on Windows: Wine's test_shutdown records for Windows that SD_RECEIVE does not cancel a "
     "pending overlapped WSARecv, which completes with data arriving later (contract §3, wine test_shutdown)",
     "unknown", "no overlapped I/O on Linux (trait mechanism_overlapped)"},
    {Fact::pending_shutdown_receive_uring, "unknown", "no io_uring on Winsock (trait mechanism_uring)", "0",
     "measured on Linux 6.18.44 (issue 17 platform measurements: shutdown receive and both): inet_shutdown sets RCV_SHUTDOWN and wakes the "
     "socket; the retried recv returns 0"},
    {Fact::pending_cancel_thread, "interrupted | operation_aborted",
     "documented, not measured on Windows: CancelSynchronousIo (the call fails ERROR_OPERATION_ABORTED; a Winsock "
     "blocking call may report WSAEINTR)",
     "interrupted",
     "signal.7: a signal without SA_RESTART interrupts recv/send/accept with EINTR (conformance: threads cancel "
     "interrupts a blocked recv)"},
    {Fact::pending_cancel_overlapped, "operation_aborted",
     "documented, not measured on Windows: CancelIoEx (the operation completes with ERROR_OPERATION_ABORTED)",
     "unknown", "no overlapped I/O on Linux (trait mechanism_overlapped)"},
    {Fact::pending_cancel_uring, "unknown", "no io_uring on Winsock (trait mechanism_uring)", "operation_aborted",
     "measured on Linux 6.18.44 (issue 17 platform measurements: cancel, cancel again): the cancelled request completes with -ECANCELED "
     "(io_uring_prep_cancel.3)"},
    {Fact::pending_recv_peer_reset, "connection_reset",
     "documented, not measured on Windows: recv R2; Wine's test_tcp_reset records ERROR_NETNAME_DELETED for a pending "
     "WSARecv (contract §3, wine:13941)",
     "connection_reset", "tcp_reset wakes the reader, which reports sk_err (recv.2 ECONNRESET)"},
    // A zero-byte recv waits like any other, but Linux's tcp_recvmsg_locked (net/ipv4/tcp.c)
    // loops `while (len > 0)`: with len 0 the loop ends after the first wake-up, before it
    // looks at sk_err or signal_pending, and returns 0 whatever woke it. Found by
    // fuzz_close_sequences (regressions pending-zero-recv-*); measured on Linux 6.18 and
    // Wine 8.0 by the conformance test "threads: a zero-byte recv ...".
    {Fact::pending_zero_recv_data, "0",
     "not measured on Windows (the zero-byte receive completes when data arrives and leaves it queued); measured on "
     "Wine 8.0 (conformance: threads: a zero-byte recv blocked in another thread)",
     "0",
     "net/ipv4/tcp.c tcp_recvmsg_locked (the loop ends after the wake-up for len 0, copying nothing); measured on "
     "Linux 6.18 (conformance: threads: a zero-byte recv blocked in another thread)"},
    {Fact::pending_zero_recv_reset, "connection_reset",
     "not measured on Windows: recv R2, as for any recv; measured on Wine 8.0 (conformance: threads: a zero-byte recv "
     "blocked in another thread)",
     "0",
     "net/ipv4/tcp.c tcp_recvmsg_locked (the zero-byte read ends after the wake-up before sock_error: 0, and the "
     "reset is left for the next call); measured on Linux 6.18 (conformance: threads: a zero-byte recv blocked in "
     "another thread)"},
    {Fact::pending_zero_recv_own_shutdown, "pending",
     "not measured on Windows; measured on Wine 8.0: the zero-byte recv stays pending (conformance: threads: "
     "shutdown(send) ends a zero-byte recv blocked in another thread on Linux, not on Winsock)",
     "0",
     "net/ipv4/af_inet.c inet_shutdown ends with sk_state_change, which wakes every waiter of the socket, and "
     "tcp_recvmsg_locked ends a zero-byte read at its first wake-up; measured on Linux 6.18 (conformance: threads: "
     "shutdown(send) ends a zero-byte recv blocked in another thread on Linux, not on Winsock)"},
    {Fact::pending_cancel_thread_zero_recv, "interrupted | operation_aborted",
     "documented, not measured on Windows: CancelSynchronousIo, as for any blocked call",
     "0",
     "net/ipv4/tcp.c tcp_recvmsg_locked (the zero-byte read ends after the wake-up before signal_pending: 0, not "
     "EINTR); measured on Linux 6.18 (conformance: threads: a zero-byte recv blocked in another thread)"},
    {Fact::listen_not_unconnected, "invalid_argument",
     "bind: WSAEINVAL when the socket is already bound (the runner's listen binds first); measured on Wine 8.0 "
     "(fuzz_close_sequences), not on Windows",
     "invalid_argument",
     "net/ipv4/af_inet.c __inet_bind (EINVAL for a socket already bound or not in TCP_CLOSE), net/unix/af_unix.c "
     "unix_bind (EINVAL with an address) and unix_listen (EINVAL unless TCP_CLOSE or TCP_LISTEN); measured on Linux "
     "6.18 (fuzz_close_sequences)"},
    {Fact::connect_listening, "invalid_argument",
     "connect: WSAEINVAL, \"the parameter s is a listening socket\"; measured on Wine 8.0 (fuzz_close_sequences)",
     "is_connected",
     "net/ipv4/af_inet.c __inet_stream_connect (EISCONN for an unconnected struct socket whose sock is not in "
     "TCP_CLOSE); measured on Linux 6.18 (fuzz_close_sequences)"},
    {Fact::connect_listening_unix, "unknown", "not measured on Windows (no AF_UNIX under Wine 8.0)", "invalid_argument",
     "net/unix/af_unix.c unix_stream_connect (EINVAL for a socket not in TCP_CLOSE); measured on Linux 6.18 "
     "(fuzz_close_sequences)"},
    // --- After a refused connect (TCP). Linux: the RST in SYN_SENT (tcp_reset) sets sk_err
    // ECONNREFUSED and tcp_done shuts both directions (sk_shutdown = SHUTDOWN_MASK); the
    // struct socket stays SS_CONNECTING. Measured with corpora/scenarios/failed_connect.ops.
    {Fact::recv_after_failed_connect, "0",
     "not documented; measured on Wine 8.0 (scenario failed_connect), not on Windows",
     "0", "net/ipv4/tcp.c tcp_recvmsg_locked (RCV_SHUTDOWN from tcp_done: end of stream); measured on Linux 6.18"},
    {Fact::send_after_failed_connect, "connection_reset",
     "not documented; measured on Wine 8.0 (scenario failed_connect), not on Windows",
     "broken_pipe",
     "net/core/stream.c sk_stream_wait_connect (EPIPE for a socket in TCP_CLOSE, its error already read); "
     "measured on Linux 6.18"},
    {Fact::error_after_failed_connect, "connection_refused",
     "measured on Wine 8.0: SO_ERROR keeps WSAECONNREFUSED, read twice (scenario failed_connect); not on Windows",
     "0",
     "socket.7: reading SO_ERROR clears it, and the runner read it once to learn the connect's outcome "
     "(platform/posix connect); measured on Linux 6.18"},
    {Fact::poll_after_failed_connect, "{err} | {out,hup,err}",
     "not measured on Windows: third-party accounts (the winpoll package's notes) have WSAPoll report a failed "
     "connect as POLLHUP|POLLERR|POLLWRNORM from Windows 10 2004 on and not at all before; Wine 8.0 measured "
     "{err} (scenario failed_connect)",
     "{in,out,hup,rdhup}",
     "net/ipv4/tcp.c tcp_poll (SHUTDOWN_MASK: POLLHUP, RCV_SHUTDOWN: POLLIN|POLLRDHUP, SEND_SHUTDOWN: POLLOUT); "
     "measured on Linux 6.18"},
    {Fact::select_after_failed_connect, "{err}",
     "select page: exceptfds reports a connection attempt that failed; measured on Wine 8.0 (scenario "
     "failed_connect), not on Windows",
     "{in,out}", "fs/select.c from tcp_poll's bits (POLLIN, POLLOUT, POLLHUP); measured on Linux 6.18"},
    {Fact::listen_after_failed_connect, "invalid_argument",
     "not documented; measured on Wine 8.0 (scenario failed_connect), not on Windows",
     "invalid_argument",
     "net/ipv4/af_inet.c inet_listen (EINVAL unless the struct socket is SS_UNCONNECTED: it is still "
     "SS_CONNECTING); measured on Linux 6.18"},
    {Fact::connect_after_failed_connect, "none",
     "connect page: when the attempt failed (WSAECONNREFUSED, WSAENETUNREACH, WSAETIMEDOUT) the application can "
     "call connect again for the same socket; not measured on Windows",
     "connection_aborted",
     "net/ipv4/af_inet.c __inet_stream_connect (SS_CONNECTING in TCP_CLOSE: the pending error, already read, or "
     "ECONNABORTED; then SS_UNCONNECTED and tcp_disconnect: trait refused_connect_abort_resets); measured on Linux "
     "6.18"},
    // --- Pending calls on a non-blocking socket; AcceptEx on a socket that does not listen
    // (issue 18). Measured with corpora/scenarios/pending_nonblocking.ops and
    // pending_accept_not_listening.ops on Linux 6.18 and Wine 8.0.
    {Fact::pending_nonblocking_uring, "unknown", "no io_uring on Winsock (trait mechanism_uring)", "pending",
     "io_uring/net.c: io_recv and io_send add MSG_DONTWAIT only for their own non-blocking attempt and return "
     "-EAGAIN to arm poll; REQ_F_NOWAIT (complete with -EAGAIN, io_uring/io_uring.c io_queue_async) comes only "
     "from MSG_DONTWAIT in the request (io_sendmsg_prep, io_recvmsg_prep) or IORING_ACCEPT_DONTWAIT, never from "
     "the file's O_NONBLOCK; io_accept and io_connect turn the -EAGAIN / -EINPROGRESS that O_NONBLOCK gives "
     "(do_accept, __sys_connect_file) into a poll wait the same way (liburing's test of recv on an empty socket: "
     "-EAGAIN with MSG_DONTWAIT, whatever O_NONBLOCK); measured on Linux 6.18: recv, send on a full window and "
     "accept wait and complete as on a blocking socket, connect completes (scenario pending_nonblocking)"},
    {Fact::pending_nonblocking_overlapped, "pending",
     "documented, not measured on Windows: Overlapped I/O and Event Objects (Winsock): \"since overlapped I/O "
     "operations do not block, the blocking mode of a socket is irrelevant for these operations\"; measured on "
     "Wine 8.0: WSARecv, WSASend on a full window and AcceptEx are pending and complete as on a blocking socket, "
     "ConnectEx completes, through an event and a completion port alike (scenario pending_nonblocking)",
     "unknown", "no overlapped I/O on Linux (trait mechanism_overlapped)"},
    {Fact::start_accept_not_listening, "invalid_argument",
     "not documented: the AcceptEx page asks for a socket listen was called on and names no error for one that "
     "is not; Wine's test_AcceptEx (dlls/ws2_32/tests/sock.c) records WSAEINVAL on Windows for a bound socket "
     "that does not listen (todo_wine: Wine answers ERROR_IO_PENDING); not measured on Windows, nor for a socket "
     "never bound or connected",
     "unknown", "no AcceptEx on Linux (trait mechanism_overlapped)"},
    // --- Notifications (event sets).
    {Fact::poll_unconnected, "{}",
     "documented, not measured on Windows: a never-connected TCP socket gives no WSAPoll events (contract §4 #29, "
     "Wine server/sock.c:1575)",
     "{out,hup}", "measured on Linux 6.18: POLLOUT|POLLHUP (contract §4 #29; tcp_poll on TCP_CLOSE)"},
    {Fact::poll_after_fin, "{out,hup} | {in,out,hup}",
     "documented, not measured on Windows: the peer's close or FIN gives POLLHUP|POLLWRNORM (contract §4 #27, "
     "wine test_WSAPoll 8516-8590; whether POLLRDNORM comes with it is not pinned down)",
     "{in,out,rdhup}", "measured on Linux 6.18: POLLIN|POLLOUT|POLLRDHUP, no POLLHUP (contract §4 #27)"},
    {Fact::poll_after_fin_with_data, "{in,out} | {in,out,hup}",
     "not measured on Windows (POLLHUP after the peer's close: contract §4 #27); wine-8.0 reports {in,out} until the "
     "data is read, then {out,hup} (measured: runner_test, notifications report the model's event sets)",
     "{in,out,rdhup}", "measured on Linux 6.18.44: tcp_poll reports RCV_SHUTDOWN (in, rdhup) whatever is queued "
     "(issue 17 platform measurements: data queued, the peer's FIN; runner_test)"},
    {Fact::poll_after_reset, "{out,hup,err}",
     "documented, not measured on Windows: POLLERR|POLLHUP|POLLWRNORM, no read flag (contract §4 #28, wine "
     "test_tcp_reset)",
     "{in,out,hup,rdhup,err}", "measured on Linux 6.18 (contract §4 #28)"},
    {Fact::poll_after_reset_reported, "{out,hup,err} | {out,hup}",
     "not measured on Windows: the reset sticks (contract §2.4 #7), whether POLLERR stays is not pinned down",
     "{in,out,hup,rdhup}", "tcp_poll: POLLERR only while sk_err is set, which the call that reported the reset read"},
    {Fact::poll_after_shutdown_receive, "{out} | {in,out}", "not measured on Windows: WSAPoll after SD_RECEIVE",
     "{in,out,rdhup}", "tcp_poll: RCV_SHUTDOWN reports POLLIN|POLLRDHUP (contract §4 #27)"},
    {Fact::poll_after_shutdown_send, "{out} | {}", "not measured on Windows: WSAPoll after SD_SEND",
     "{out}", "tcp_poll: SEND_SHUTDOWN reports POLLOUT"},
    {Fact::poll_both_shut, "{out} | {out,hup} | {in,out,hup}",
     "not measured on Windows: as after the peer's FIN (contract §4 #27); wine-8.0 reports {out} after its own "
     "SD_BOTH (issue 17 Winsock probes)", "{in,out,hup,rdhup}",
     "measured on Linux 6.18: both directions shut adds POLLHUP (contract §4 #27)"},
    {Fact::poll_closed_handle, "{nval} | not_socket",
     "documented, not measured on Windows: WSAPoll on a closed or invalid socket gives POLLNVAL and WSAENOTSOCK "
     "(contract §3, wine:8386, 8573-8590)",
     "{nval}", "poll.2 POLLNVAL: the descriptor is not open"},
    {Fact::poll_invalid_handle, "{nval} | not_socket",
     "documented, not measured on Windows: an invalid handle gives POLLNVAL and WSAENOTSOCK (contract §3, wine:8386)",
     "{}", "poll.2: a negative fd is ignored (revents 0), so the call times out"},
    {Fact::select_invalid_handle, "not_socket",
     "documented, not measured on Windows: select WSAENOTSOCK (a descriptor set holds an entry that is not a socket)",
     "bad_handle", "measured on Linux 6.18.44 (issue 17 platform measurements, the invalid handle): the platform layer refuses -1 with EBADF "
     "without the call (FD_SET(-1) is undefined; select.2)"},
    {Fact::events_reset_close, "{close:connection_aborted}",
     "documented, not measured on Windows: a reset arrives as FD_CLOSE with WSAECONNABORTED (contract §2.4 #2, wine "
     "test_close_events 7396-7407)",
     "unknown", "no WSAEventSelect on Linux (trait notifier_event_select)"},
    {Fact::events_close_with_unread_data, "{read,close}",
     "documented, not measured on Windows: FD_CLOSE arrives while data sent before the close is unread (wine "
     "test_close_events 7352, todo_wine)",
     "unknown", "no WSAEventSelect on Linux (trait notifier_event_select)"},
    {Fact::events_registration, "{write} | {write,connect}",
     "documented, not measured on Windows: FD_WRITE is recorded for a connected socket (WSAEventSelect); whether "
     "FD_CONNECT comes with it on a socket connected before is not documented (wine-8.0 records {write,connect}: "
     "measured by the issue 17 Winsock probes)",
     "unknown", "no WSAEventSelect on Linux (trait notifier_event_select)"},
    // --- Smaller gaps.
    {Fact::connect_connected, "is_connected",
     "documented, not measured on Windows: connect WSAEISCONN (wine test_shutdown: also after a shutdown)",
     "is_connected", "connect.2 EISCONN (the runner consumes Linux's one \"connected\" answer after a non-blocking connect)"},
    {Fact::connect_connected_unix_refused, "unknown", "AF_UNIX on Windows: not measured",
     "connection_refused",
     "net/unix/af_unix.c unix_stream_connect: the destination is looked up (and refused when nobody listens "
     "there) before the socket's own state is checked; measured on Linux 6.18 by fuzz_close_sequences and "
     "fuzz_handles (a connected pair end connected to a closed listener's name)"},
    {Fact::peername_after_reset, "0 | not_connected", "not documented, not measured on Windows", "not_connected",
     "inet_getname: a TCP_CLOSE socket has no peer (getpeername.2 ENOTCONN)"},
    {Fact::peername_after_both_fins, "0 | not_connected",
     "not measured on Windows (getpeername succeeds after the local SD_BOTH: wine test_shutdown)", "not_connected",
     "once both FINs are exchanged the socket is TCP_CLOSE (tcp_time_wait / tcp_done): inet_getname ENOTCONN"},
    {Fact::sockname_unbound, "invalid_argument",
     "documented, not measured on Windows: getsockname WSAEINVAL (the socket has not been bound)", "0",
     "getsockname.2: an unbound socket reads the wildcard address"},
    {Fact::sockname_after_reset, "0 | invalid_argument", "not documented, not measured on Windows", "0",
     "inet_getname keeps the local address after the connection is gone"},
    {Fact::invalid_handle, "not_socket",
     "documented, not measured on Windows: WSAENOTSOCK for INVALID_SOCKET (wine test_listen 4236, test_DisconnectEx)",
     "bad_handle", "EBADF: -1 is not an open descriptor (close.2, send.2, ...)"},
    // --- Found by the random runs (issue 17, round 2).
    {Fact::blocking_after_event_select, "invalid_argument",
     "documented, not measured on Windows: ioctlsocket (FIONBIO): once WSAEventSelect was issued on a socket, "
     "setting it back to blocking mode fails WSAEINVAL; measured on wine-8.0 by fuzz_close_sequences",
     "unknown", "no WSAEventSelect on Linux (trait notifier_event_select)"},
    {Fact::start_accept_after_last_cleanup, "not_initialised",
     "documented, not measured on Windows: AcceptEx takes a socket made by socket() or WSASocket, which fail "
     "WSANOTINITIALISED after the last WSACleanup (C1); measured on wine-8.0 by fuzz_close_sequences",
     "unknown", "no AcceptEx on Linux (trait mechanism_overlapped)"},
    {Fact::start_iocp_closed_handle, "not_socket | other",
     "not measured on Windows: the socket is associated with the completion port first, and "
     "CreateIoCompletionPort on a closed handle fails ERROR_INVALID_HANDLE (no portable name: other; measured on "
     "wine-8.0 by fuzz_close_sequences); not_socket as for any call on a closed handle (closesocket D2/D3)",
     "unknown", "no I/O completion ports on Linux (trait mechanism_iocp)"},
    {Fact::send_large_to_closed_peer, "unknown",
     "not measured on Windows: how much of a blocking send larger than the buffers goes out before the RST its "
     "first segment draws",
     "unknown",
     "not modelled: how much goes out before the RST (524288 of 1048576 on Linux 6.18, fuzz_close_sequences); "
     "tcp_reset wakes the blocked sender"},
};

// The traits (closesem/model.hpp), Winsock and Linux side by side. Wine 8 has Winsock's.
void set_traits(Traits& winsock, Traits& on_linux) {
  winsock.lifecycle = {true, "WSAStartup/WSACleanup C1: calls after the last cleanup fail WSANOTINITIALISED"};
  on_linux.lifecycle = {false, "no lifecycle on POSIX"};
  winsock.poll_reports_hangup = {false, "WSAPoll's hang-up reporting is not pinned down (contract): readability "
                                        "shows a FIN or RST"};
  on_linux.poll_reports_hangup = {true, "poll.2 POLLRDHUP/POLLHUP (tcp_poll), which data queued before it cannot "
                                        "stand in for"};
  winsock.pending_error_before_shutdown = {false, "recv R3, send R6: every call after the shutdown fails "
                                                  "WSAESHUTDOWN, also once the connection was reset"};
  on_linux.pending_error_before_shutdown = {true, "tcp_sendmsg and tcp_recvmsg report a pending error (sk_err) "
                                                  "before SEND_SHUTDOWN / RCV_SHUTDOWN"};
  winsock.pending_after_reset_may_read_0 = {true, "FIONREAD after a reset: the buffered data may be dropped "
                                                  "(catalogue #6 [rep]), not pinned down"};
  on_linux.pending_after_reset_may_read_0 = {false, "FIONREAD (SIOCINQ) counts the queued bytes, which Linux keeps "
                                                    "after a reset (buffered_data_after_reset)"};
  winsock.shutdown_both_with_unread_ends = {false, "not measured on Windows: an ordinary shutdown"};
  on_linux.shutdown_both_with_unread_ends = {true, "measured by fuzz_close_sequences on Linux: both directions "
                                                   "shut with bytes unread, a later shutdown failed ENOTCONN "
                                                   "(when the connection ends is not pinned down)"};
  winsock.accept_inherits_linger = {
      true, "accept (Microsoft's documentation): the new socket has the same properties as the listening socket; "
            "not measured on Windows, nor when it takes them (the model: when the connection comes)"};
  on_linux.accept_inherits_linger = {
      true, "net/core/sock.c sk_clone_lock copies the listener's struct sock, SOCK_LINGER and sk_lingertime with it, "
            "when the handshake completes (found by fuzz_close_sequences: the accepted end of a listener with linger "
            "{1,0} reset its peer on close; regression accept-inherits-linger)"};
  winsock.so_error_reports_reset = {false, "contract §2.4 #7: SO_ERROR reads 0 after a reset, which persists"};
  on_linux.so_error_reports_reset = {true, "socket.7 (SO_ERROR is cleared when read), contract §4 #8 (reported "
                                           "once)"};
  winsock.listener_shutdown_receive_stops = {
      false, "shutdown S2: shutdown on a listener fails WSAENOTCONN and the listener is unaffected (measured on Wine "
             "8.0: it still accepts; not measured on Windows)"};
  on_linux.listener_shutdown_receive_stops = {
      true, "net/ipv4/af_inet.c inet_shutdown: on TCP_LISTEN with RCV_SHUTDOWN it calls tcp_disconnect, which stops "
            "the listener (inet_csk_listen_stop resets the queued connections) and gives back a port bound as 0; "
            "then accept fails EINVAL, a connect is refused, listen works again; shutdown(send) changes nothing "
            "(measured on Linux 6.18: conformance: shutdown on a listening socket; fuzz_close_sequences)"};
  winsock.failed_shutdown_sticks = {
      false, "measured on Wine 8.0: a shutdown that failed WSAENOTCONN on a never-connected socket leaves no trace; "
             "after a later connect send and recv work (conformance: shutdown: a shutdown that failed before the "
             "connection still applies after connect ...); not measured on Windows"};
  on_linux.failed_shutdown_sticks = {
      true, "net/ipv4/af_inet.c inet_shutdown: on TCP_CLOSE it sets sk_shutdown and then returns ENOTCONN; after a "
            "later connect, send fails EPIPE and recv reads 0, and no FIN goes until the next shutdown(send) or the "
            "close; measured on Linux 6.18 (conformance: shutdown: a shutdown that failed before the connection still "
            "applies after connect ...)"};
  winsock.failed_connect_shutdown_disables_connect = {
      false, "measured on Wine 8.0: after a refused connect and a shutdown (WSAENOTCONN), a connect answers as "
             "without the shutdown (scenario failed_connect); not measured on Windows"};
  on_linux.failed_connect_shutdown_disables_connect = {
      true, "net/ipv4/af_inet.c inet_shutdown moves an SS_CONNECTING struct socket in TCP_CLOSE to "
            "SS_DISCONNECTING, where __inet_stream_connect fails EINVAL; measured on Linux 6.18 (scenario "
            "failed_connect)"};
  winsock.unix_shutdown_unconnected_sticks = {false, "not measured on Windows (no AF_UNIX under Wine 8.0)"};
  on_linux.unix_shutdown_unconnected_sticks = {
      true, "net/unix/af_unix.c unix_shutdown sets sk_shutdown in any state (0); unix_stream_connect refuses a "
            "listener with RCV_SHUTDOWN (ECONNREFUSED); unix_accept fails EINVAL when skb_recv_datagram ends for "
            "RCV_SHUTDOWN with nothing queued (EAGAIN when non-blocking); unix_poll on such a listener: in, rdhup "
            "(hup with both shut), never out. Measured on Linux 6.18 (scenario unix_shutdown_unconnected)"};
  winsock.refused_connect_abort_resets = {
      false, "measured on Wine 8.0: after the WSAECONNABORTED of a second connect, WSAPoll still reports err, "
             "SO_ERROR WSAECONNREFUSED and listen fails WSAEINVAL, while recv fails WSAENOTCONN (scenario "
             "failed_connect): not followed further; not measured on Windows, where no abort is documented"};
  on_linux.refused_connect_abort_resets = {
      true, "net/ipv4/af_inet.c __inet_stream_connect: the ECONNABORTED path sets SS_UNCONNECTED and calls "
            "tcp_disconnect (both directions open again); measured on Linux 6.18: recv ENOTCONN, poll {out,hup}, "
            "a connect is refused again (scenario failed_connect); listen: trait disconnected_reuse_may_fail; a "
            "listen that failed before "
            "had bound the socket (its bind went through): not followed then"};
  winsock.blocking_connect_refusal_leaves_no_trace = {
      false, "measured on Wine 8.0: a connect refused in another thread (blocking), overlapped or through a port "
             "leaves the socket as the runner's connect does (recv 0, SO_ERROR WSAECONNREFUSED, ...; scenario "
             "failed_connect); not measured on Windows"};
  on_linux.blocking_connect_refusal_leaves_no_trace = {
      true, "net/ipv4/af_inet.c __inet_stream_connect: a connect that waited and found TCP_CLOSE takes the "
            "sock_error path (SS_UNCONNECTED, tcp_disconnect), unlike the runner's non-blocking connect whose "
            "refusal is read from SO_ERROR; measured on Linux 6.18 (scenario failed_connect: recv ENOTCONN, poll "
            "{out,hup}, a connect works again; listen: trait disconnected_reuse_may_fail)"};
  winsock.disconnected_reuse_may_fail = {
      false, "a listener's shutdown fails WSAENOTCONN and changes nothing (listener_shutdown_receive_stops), and "
             "a refusal keeps the refused state (blocking_connect_refusal_leaves_no_trace, "
             "refused_connect_abort_resets): no socket reset by a disconnect to reuse"};
  on_linux.disconnected_reuse_may_fail = {
      true, "two builds of Linux 6.18.44 differ (net/ipv4/af_inet.c; the change behind it not traced): on "
            "6.18.44-fc-v657 and -fc-v782 a socket that tcp_disconnect reset is as new (a listener stopped by "
            "shutdown(SHUT_RD) connects; after a blocking connect's refusal, or the ECONNABORTED of a second "
            "connect, the runner's bind and listen work: recorded run failed_connect_abort, regression "
            "accept-after-listener-shutdown-and-connect); on 6.18.44-fc-v1045 the stopped listener's connect fails "
            "EINVAL (a thread's, io_uring's and the runner's) and after those refusals the bind goes through and "
            "listen fails EINVAL, while a connect works again (strace; scenarios refused_then_listen, "
            "listener_shutdown_connect)"};
  winsock.reset_for_data_may_wait_for_ack = {
      false, "not measured on Windows or Wine: the reset of data sent after the peer's SD_RECEIVE is taken to come "
             "before the next call (catalogue: shutdown(SD_RECEIVE) then data arrives)"};
  on_linux.reset_for_data_may_wait_for_ack = {
      true, "net/ipv4/tcp_output.c tcp_nagle_test: a segment smaller than the MSS waits while an earlier one is not "
            "acknowledged, and the peer may delay that ACK (tcp_send_delayed_ack); net/ipv4/tcp_input.c "
            "tcp_rcv_state_process resets only when the data arrives. Measured on Linux 6.18 (fuzz_close_sequences, "
            "regression reset-for-data-waits-for-ack): b sent 16384 and 4968 bytes to a socket that shut down "
            "sending, then both ways; b's next 4968-byte send returned, b's shutdown then worked and its recv read "
            "0 (no reset yet); with 300 ms between the send and the shutdown, the shutdown failed ENOTCONN"};
  winsock.close_after_both_fins_resets = {
      false, "not measured on Windows (RFC 9293 section 3.10.4: a connection whose FINs both went is in TIME-WAIT or "
             "CLOSED, with nothing to reset); measured on Wine 8.0: no error at the peer (conformance: reset: no "
             "reset once both FINs went)"};
  on_linux.close_after_both_fins_resets = {
      false, "net/ipv4/tcp.c __tcp_close: a socket already in TCP_CLOSE (both FINs went) goes to adjudge_to_death "
             "before the unread-data and zero-linger checks, so no RST is sent; measured on Linux 6.18 "
             "(conformance: reset: no reset once both FINs went)"};
  winsock.mechanism_overlapped = {true, "WSARecv/WSASend/AcceptEx/ConnectEx with an OVERLAPPED (Winsock 2)"};
  on_linux.mechanism_overlapped = {false, "no overlapped I/O in the POSIX socket API (contract §4 #26)"};
  winsock.mechanism_iocp = {true, "CreateIoCompletionPort / GetQueuedCompletionStatus"};
  on_linux.mechanism_iocp = {false, "no I/O completion ports on POSIX"};
  winsock.mechanism_uring = {false, "io_uring is Linux's"};
  on_linux.mechanism_uring = {true, "io_uring (Linux 5.1+; the runner reports not_supported where the kernel refuses "
                                    "it, and skips the rest)"};
  winsock.overlapped_fails_at_submission = {true, "WSARecv/WSASend: an error other than WSA_IO_PENDING means the "
                                                  "operation was not initiated and no completion indication occurs"};
  on_linux.overlapped_fails_at_submission = {false, "no overlapped I/O on Linux"};
  winsock.notifier_epoll = {false, "epoll is Linux's"};
  on_linux.notifier_epoll = {true, "epoll.7"};
  winsock.notifier_event_select = {true, "WSAEventSelect + WSAEnumNetworkEvents"};
  on_linux.notifier_event_select = {false, "no WSAEventSelect on POSIX"};
  winsock.event_select_sets_nonblocking = {true, "WSAEventSelect: the socket is set to non-blocking mode"};
  on_linux.event_select_sets_nonblocking = {false, "no WSAEventSelect on POSIX"};
  winsock.recv_clears_recorded_read = {true, "not measured on Windows: WSAEventSelect documents that recv re-enables "
                                             "FD_READ; Wine's server/sock.c recv_socket also clears an FD_READ "
                                             "recorded and not yet enumerated (measured on wine-8.0 by "
                                             "fuzz_close_sequences: data, the peer's FIN, a recv of all of it, then "
                                             "WSAEnumNetworkEvents reports {close})"};
  on_linux.recv_clears_recorded_read = {false, "no WSAEventSelect on POSIX"};
  winsock.unix_poll_mirrors_shutdown = {false, "not measured on Windows (no AF_UNIX under Wine 8.0): poll on AF_UNIX "
                                               "after a shutdown or the peer's close is not predicted"};
  on_linux.unix_poll_mirrors_shutdown = {
      true, "net/unix/af_unix.c: unix_shutdown sets the mirrored bits on the peer (RCV_SHUTDOWN there for our "
            "SEND_SHUTDOWN, SEND_SHUTDOWN for our RCV_SHUTDOWN); unix_release_sock sets the survivor's sk_shutdown to "
            "SHUTDOWN_MASK and sk_err to ECONNRESET when the closer had data unread; unix_poll: err while sk_err is "
            "set (SO_ERROR or a recv reporting it clears it), hup for SHUTDOWN_MASK, in and rdhup for RCV_SHUTDOWN, "
            "in for data queued, out while unix_writable; measured on Linux 6.18.44 (corpora/scenarios/"
            "notify_unix_shutdown.ops: each end's shutdown of each direction, the peer's close with and without "
            "data unread, and their combinations)"};
}

struct WineDeviation {
  Fact fact;
  const char* outcomes;
  const char* id;  // in the known-deviation table (conformance/expectations/deviations.json)
};

// Wine 8.0's deviations from Winsock. The reasons and where each was measured are in the
// known-deviation table, once; the expectation files name the same IDs per test.
const WineDeviation kWine8[] = {
    {Fact::recv_after_reset_first, "0", "wine8-recv-after-reset-reads-0"},
    {Fact::recv_after_reset_again, "0", "wine8-recv-after-reset-reads-0"},
    {Fact::buffered_data_after_reset, "data", "wine8-reset-keeps-buffered-data"},
    {Fact::recv_after_fin_then_reset, "0", "wine8-recv-after-fin-then-reset-reads-0"},
    {Fact::send_after_fin_then_reset, "connection_reset", "wine8-epipe-maps-to-connection-reset"},
    {Fact::shutdown_receive_with_queued_resets, "none", "wine8-shutdown-receive-sends-no-reset"},
    {Fact::data_after_shutdown_receive_resets, "none", "wine8-shutdown-receive-sends-no-reset"},
    // After SD_BOTH the host only shut down sending, so data is queued, not reset.
    {Fact::data_after_shutdown_both_resets, "none", "wine8-shutdown-receive-sends-no-reset"},
    {Fact::close_nonblocking_linger_queued, "ok", "wine8-nonblocking-linger-close-blocks"},
    {Fact::send_unconnected_tcp, "connection_reset", "wine8-epipe-maps-to-connection-reset"},
    {Fact::socket_unix, "not_supported", "wine8-no-af-unix"},
    {Fact::recv_listening_tcp, "timed_out", "wine8-blocking-io-on-listener-waits-for-timeout"},
    {Fact::send_listening_tcp, "timed_out", "wine8-blocking-io-on-listener-waits-for-timeout"},
    {Fact::socket_call_after_last_cleanup, "not_socket", "wine8-calls-after-last-cleanup-not-socket"},
    {Fact::recv_listening_tcp_nonblocking, "would_block | not_connected", "wine8-nonblocking-recv-on-listener-would-block"},
    {Fact::pending_cancel_thread, "pending", "wine8-cancel-synchronous-io-finds-nothing"},
    {Fact::pending_cancel_thread_zero_recv, "pending", "wine8-cancel-synchronous-io-finds-nothing"},
    {Fact::pending_shutdown_receive_thread, "pending", "wine8-shutdown-leaves-blocked-recv-pending"},
    {Fact::events_reset_close, "{close}", "wine8-fd-close-after-reset-carries-0"},
    {Fact::events_close_with_unread_data, "{read}", "wine8-fd-close-waits-for-unread-data"},
    // Pending calls (issue 17), measured by the conformance threads tests under Wine 8.0.
    {Fact::pending_close_thread_recv, "invalid_argument", "wine8-close-wakes-blocked-recv-with-einval"},
    {Fact::pending_close_thread_accept, "operation_aborted", "wine8-close-wakes-blocked-accept-with-operation-aborted"},
    // The send stays blocked though its socket is gone (what the socket does then is not
    // measured: "unknown", the model does not follow it).
    {Fact::pending_close_thread_send, "unknown", "wine8-close-leaves-blocked-send-blocked"},
    // ERROR_HANDLES_CLOSED (676): no portable name.
    {Fact::pending_close_overlapped_recv, "other", "wine8-iocp-closed-recv-completes-handles-closed"},
    // The RST may not wake the blocked send: then only its own timeout ends it.
    {Fact::send_large_to_closed_peer, "connection_reset | timed_out", "wine8-blocking-send-may-miss-reset"},
    // The host socket answers (Linux's SS_CONNECTING): the connect page says it may be called again.
    {Fact::connect_after_failed_connect, "connection_aborted", "wine8-connect-again-after-refusal-aborted"},
    // AcceptEx on a socket that does not listen is submitted and waits (closesocket or
    // CancelIoEx end it; pending_close_overlapped_accept, pending_cancel_overlapped).
    {Fact::start_accept_not_listening, "pending", "wine8-acceptex-on-socket-not-listening-pends"},
};

std::vector<ops::Outcome> parse_outcomes(const std::string& text) {
  std::vector<ops::Outcome> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('|', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    while (!word.empty() && word.front() == ' ') word.erase(word.begin());
    while (!word.empty() && word.back() == ' ') word.pop_back();
    ops::Outcome outcome;
    if (word == "ok") {
      outcome.type = ops::Outcome::Type::ok;
    } else if (word == "fails") {
      outcome.type = ops::Outcome::Type::fails;
    } else if (!word.empty() && word.front() == '{') {
      std::string why;
      const auto set = events::parse(word, &why);
      if (!set) throw std::logic_error("model profile: bad event set '" + word + "': " + why);
      outcome.type = ops::Outcome::Type::events;
      outcome.set = *set;
    } else if (!word.empty() && word.find_first_not_of("0123456789") == std::string::npos) {
      outcome.type = ops::Outcome::Type::value;
      outcome.value = std::strtoll(word.c_str(), nullptr, 10);
    } else if (const auto errc = errc_from_string(word)) {
      outcome.type = ops::Outcome::Type::failure;
      outcome.errc = *errc;
    } else {
      throw std::logic_error("model profile: bad outcome '" + word + "'");
    }
    out.push_back(outcome);
    start = end + 1;
  }
  return out;
}

FactEntry entry(const char* outcomes, const char* source) {
  FactEntry e;
  const std::string text = outcomes;
  if (text == "data" || text == "reset" || text == "none" || text == "pending" || text == "unknown")
    e.keyword = text;
  else
    e.outcomes = parse_outcomes(text);
  e.source = source;
  return e;
}

std::vector<Profile> make_profiles() {
  Profile winsock;
  winsock.name = "winsock";
  winsock.facts.resize(kFacts);
  Profile linux_profile;
  linux_profile.name = "linux";
  linux_profile.facts.resize(kFacts);
  set_traits(winsock.traits, linux_profile.traits);
  for (const auto& row : kRows) {
    winsock.facts[static_cast<std::size_t>(row.fact)] = entry(row.winsock, row.winsock_source);
    linux_profile.facts[static_cast<std::size_t>(row.fact)] = entry(row.on_linux, row.on_linux_source);
  }
  Profile wine = winsock;
  wine.name = "wine-8";
  for (const auto& deviation : kWine8) {
    // An ID missing from the table is not fatal here (a fuzz target would abort on it):
    // the unit test deviations_test lists every such ID.
    const auto* known = find_known_deviation(deviation.id);
    const std::string reason = known != nullptr ? known->reason : "(not in conformance/expectations/deviations.json)";
    auto e = entry(deviation.outcomes, "");
    e.source = std::string("known deviation ") + deviation.id + (known != nullptr ? ": " + known->source : "");
    e.deviation = true;
    e.deviation_id = deviation.id;
    e.reason = std::string(deviation.id) + ": " + reason;
    wine.facts[static_cast<std::size_t>(deviation.fact)] = e;
  }
  // Wine 8.0's deviations in how the state machine goes (its traits), by ID as above.
  wine.traits.accept_inherits_linger = {false, "known deviation wine8-accept-ignores-listener-linger",
                                        "wine8-accept-ignores-listener-linger"};
  return {winsock, linux_profile, wine};
}

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> kProfiles = make_profiles();
  return kProfiles;
}

}  // namespace

const Profile* find_profile(const std::string& name) {
  for (const auto& profile : profiles())
    if (profile.name == name) return &profile;
  return nullptr;
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  for (const auto& profile : profiles()) names.push_back(profile.name);
  return names;
}

std::string native_profile_name(const platform::Identity& identity) {
  // Wine 8's deviations were measured on 8.0; some are fixed in later 8.x releases (the
  // table's fixed_in), which no run here has measured yet.
  if (identity.under_wine() && identity.wine_major() == 8) return "wine-8";
  if (identity.api == platform::Api::winsock) return "winsock";
  return "linux";
}

}  // namespace closesem::model
