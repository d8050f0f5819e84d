/* ---- closesem export runtime: what each platform part provides (cs_posix.c, cs_winsock.c) ----
 * Everything the program above main() needs from the operating system, as plain C. The
 * portable part (cs_common.c) runs each op of the script on these calls with the runner's
 * bounded waits and settle rules; each platform part implements them once. */
#if defined(_WIN32)
#  ifndef _WIN32_WINNT
#    define _WIN32_WINNT 0x0601
#  endif
#  include <winsock2.h>
#  include <ws2tcpip.h>
#  include <mswsock.h>
#  include <windows.h>
typedef SOCKET cs_handle;
#  define CS_INVALID_HANDLE INVALID_SOCKET
#else
#  ifndef _GNU_SOURCE
#    define _GNU_SOURCE
#  endif
#  include <errno.h>
#  include <fcntl.h>
#  include <netinet/in.h>
#  include <netinet/tcp.h>
#  include <arpa/inet.h>
#  include <poll.h>
#  include <pthread.h>
#  include <signal.h>
#  include <sys/epoll.h>
#  include <sys/ioctl.h>
#  include <sys/select.h>
#  include <sys/socket.h>
#  include <sys/syscall.h>
#  include <sys/un.h>
#  include <time.h>
#  include <unistd.h>
#  if defined(CS_USE_URING)
#    include <liburing.h>
#  endif
typedef int cs_handle;
#  define CS_INVALID_HANDLE (-1)
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call's outcome: what it returned, the native error read right after it (errno,
 * WSAGetLastError(), a completion's status), and that error's portable name. */
typedef struct {
  long long ret;      /* bytes, 0, -1 / SOCKET_ERROR, ... */
  int native;         /* 0 when the call succeeded */
  const char *errc;   /* "ok" when it succeeded, else a portable name (see cs_p_errc) */
} cs_result;

enum { CS_TCP4, CS_TCP6, CS_UNIX };                     /* transports (.ops: tcp4, tcp6, unix) */
enum { CS_READABLE, CS_WRITABLE, CS_HANGUP };           /* wait kinds (.ops: readable, writable, hup) */
enum { CS_THREAD, CS_OVERLAPPED, CS_IOCP, CS_URING };   /* pending-call mechanisms */
enum { CS_RECV, CS_SEND, CS_ACCEPT, CS_CONNECT };       /* pending calls */
enum { CS_EPOLL_LEVEL, CS_EPOLL_EDGE, CS_EVENT_SELECT };/* notifiers kept across ops */

/* Event bits, in the order the .ops language writes them: {in,out,hup,rdhup,err,nval,
 * read,write,accept,connect,close}; FD_CLOSE's error goes beside them (close:ERROR). */
enum {
  CS_EV_IN = 1u << 0, CS_EV_OUT = 1u << 1, CS_EV_HUP = 1u << 2, CS_EV_RDHUP = 1u << 3,
  CS_EV_ERR = 1u << 4, CS_EV_NVAL = 1u << 5, CS_EV_READ = 1u << 6, CS_EV_WRITE = 1u << 7,
  CS_EV_ACCEPT = 1u << 8, CS_EV_CONNECT = 1u << 9, CS_EV_CLOSE = 1u << 10
};

/* A socket address of this host (loopback, or an AF_UNIX path). */
typedef struct {
  struct sockaddr_storage storage;
  int length;        /* 0: no address */
  int transport;     /* CS_TCP4, CS_TCP6, CS_UNIX */
} cs_addr;

/* The process: set up once (WSAStartup(2.2) on Windows; SIGPIPE ignored and the signal
 * that interrupts blocked threads installed on POSIX). 0, or non-zero with `why`. */
int cs_p_init(char *why, size_t size);
const char *cs_p_platform(void);           /* "Linux 6.18.44", "Windows 6.1.7601 (Wine 8.0)" */
int cs_p_is_wine(void);                    /* 1 under Wine */
long long cs_p_now_ms(void);               /* a monotonic clock */
void cs_p_sleep_ms(int ms);
const char *cs_p_error_name(int native);   /* "ECONNRESET", "WSAECONNRESET", "ERROR_NETNAME_DELETED"; NULL: unknown */
const char *cs_p_errc(int native);         /* its portable name (the .ops error names), "other" if none */
int cs_p_native_of(const char *errc);      /* the native error for a portable name (synthetic outcomes), 0 if none */

/* Winsock sessions (POSIX: startup and cleanup return 0 and change nothing). */
cs_result cs_p_startup(void);
cs_result cs_p_cleanup(void);
unsigned long cs_p_session(void);          /* increments when the last WSACleanup ends a session */

/* Sockets: every call as the C++ runner's platform layer makes it (core/src/platform). */
cs_result cs_p_open(int transport, cs_handle *out);
/* A connected pair over loopback: a connect to a listener bound to port 0 (or a fresh
 * AF_UNIX path), then an accept. The listener, one per transport, is kept for the whole
 * program as the C++ runner's pair factory keeps it, so that handle values are handed out
 * as in `ops run` (the reuse check of closed handles depends on them). reversed: the first
 * handle is the accepted end. A transport the host lacks fails with errc "not_supported";
 * `note` says why. */
cs_result cs_p_pair(int transport, int reversed, cs_handle *first, cs_handle *second, char *note, size_t size);
cs_result cs_p_close(cs_handle h);
cs_result cs_p_shutdown(cs_handle h, int how);  /* how as written: 0 receive, 1 send, 2 both, or any number */
cs_result cs_p_send(cs_handle h, const void *data, size_t size);
cs_result cs_p_recv(cs_handle h, void *data, size_t size);
cs_result cs_p_set_linger(cs_handle h, int on, int seconds);
cs_result cs_p_set_nonblocking(cs_handle h, int on);
cs_result cs_p_set_io_timeout(cs_handle h, int ms);      /* SO_RCVTIMEO and SO_SNDTIMEO; ms > 0 */
cs_result cs_p_wait(cs_handle h, int what, int ms);      /* ret 1: it happened, 0: not within ms */
cs_result cs_p_bytes_pending(cs_handle h);               /* FIONREAD: ret is the count */
cs_result cs_p_so_error(cs_handle h, int *so_error);     /* getsockopt(SO_ERROR) */
int cs_p_accepts_connections(cs_handle h);               /* SO_ACCEPTCONN: 1, 0, or -1 when it failed */
cs_result cs_p_bind_loopback(cs_handle h, int transport);/* port 0, or a fresh AF_UNIX path */
cs_result cs_p_listen(cs_handle h, int backlog);
cs_result cs_p_connect(cs_handle h, const cs_addr *to);
cs_result cs_p_accept(cs_handle h, cs_handle *out);
cs_result cs_p_name(cs_handle h, int peer, cs_addr *out);/* getpeername (peer 1) or getsockname */
cs_result cs_p_dup(cs_handle h, cs_handle *out);         /* dup / WSADuplicateSocket into this process */
int cs_p_handle_in_use(cs_handle h);                     /* the value names something open now */

/* Notifications: one call each (poll: WSAPoll on Windows), ret 0 when nothing came within
 * ms (then *events is 0); epoll and WSAEventSelect through a notifier kept across ops. */
cs_result cs_p_poll(cs_handle h, int ms, unsigned *events);
cs_result cs_p_select(cs_handle h, int ms, unsigned *events);
typedef struct cs_notifier cs_notifier;
cs_result cs_p_notifier_open(int kind, cs_handle h, cs_notifier **out);  /* not_supported where absent */
/* close_error: FD_CLOSE's error as a portable name ("ok" when graceful) */
cs_result cs_p_notifier_wait(cs_notifier *n, int ms, unsigned *events, const char **close_error);
void cs_p_notifier_close(cs_notifier *n);

/* Pending calls (the `start` op): a call begun on a mechanism and not yet collected.
 * start: ret 0 and *out set (pending, or complete already); a submission that fails at
 * once is that failure (*out stays NULL); a mechanism this platform or host lacks fails
 * with errc "not_supported" and `why`. thread: returns once the worker is inside the
 * blocking call (Linux: /proc/self/task/TID/syscall names it) or it returned. */
typedef struct cs_call cs_call;
cs_result cs_p_call_start(int mechanism, int call, cs_handle h, int transport, const void *data,
                          size_t size, const cs_addr *to, cs_call **out, char *why, size_t why_size);
int cs_p_call_wait(cs_call *c, int ms);                 /* 1 once it completed (now or before) */
cs_result cs_p_call_result(const cs_call *c);           /* after wait() returned 1 */
const unsigned char *cs_p_call_received(const cs_call *c);  /* recv: result().ret bytes */
cs_handle cs_p_call_take_accepted(cs_call *c);          /* accept: the new socket, once */
int cs_p_call_completions(const cs_call *c);            /* 1 once complete; more is a platform fault */
cs_result cs_p_call_cancel(cs_call *c);                 /* signal / CancelSynchronousIo / CancelIoEx / ASYNC_CANCEL */
int cs_p_call_reap(cs_call *c, int ms);                 /* cancel, wait; 0: still pending (left to the process) */
void cs_p_call_free(cs_call *c);                        /* only after it completed */
