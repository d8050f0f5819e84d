/* SPDX-License-Identifier: MIT
 * closesem_faults: an LD_PRELOAD interposer that makes the C library's socket calls
 * misbehave the way a broken socket stack could, to prove that the suite notices.
 * `./closesem selftest` runs the conformance suite and every fuzz target under each
 * fault; the ctest `selftest.fault-caught` checks one fault end to end.
 *
 * CLOSESEM_FAULT=<name> picks the fault; unset or empty passes every call through; an
 * unknown name stops the process at load time with exit status 2, and `list` prints
 * the faults ("name<TAB>what it does" a line) and exits 0. Faults touch socket
 * descriptors only (pipes and files keep working) and never the reference peer
 * (closesem_peer), which must stay a correct other end. Every call goes to the next
 * definition (RTLD_NEXT) unless the fault swallows it; then its result is bent:
 *
 *   fault                 misbehaviour                                      kind
 *   shutdown-returns-one  a successful shutdown() returns 1, not 0          wrong return value
 *   reset-as-epipe        a recv() failing ECONNRESET fails EPIPE           wrong error code
 *   badf-as-notsock       a call failing EBADF fails ENOTSOCK (shutdown,    wrong error code
 *                         send, recv, setsockopt, getsockopt always; close
 *                         and ioctl when the number was last closed as a
 *                         socket)
 *   no-fin-on-close       close() of a connected socket frees the number,   a FIN that never comes
 *                         but a hidden duplicate keeps the connection
 *   no-fin-on-shutdown    shutdown(SHUT_WR or SHUT_RDWR) of a connected     a FIN that never comes
 *                         socket returns 0 and does nothing
 *   linger-ignored        setsockopt(SO_LINGER) returns 0, is not applied:  a reset that never comes
 *                         an abortive close stays graceful
 *   close-leaks           close() of a socket returns 0, does nothing       a descriptor that leaks
 *   recv-drops-byte       a recv() that read n > 1 bytes returns n - 1      a byte lost
 *   eof-as-reset          a recv() reading end of stream fails ECONNRESET   a reset from nowhere
 *   fionread-off-by-one   ioctl(FIONREAD) reports one byte more than queued wrong value
 *
 * Multi-condition faults (issue 21): each fires only when two to four conditions of a
 * socket's history hold at once, the way real stack bugs hide behind combinations; each
 * condition is a state the model follows (handles, linger, blocking mode, transport,
 * shutdown bits, the peer's FIN or reset, bytes queued), and each fault changes an
 * outcome the model predicts. core/testing/shim/multi/ triggers each, and shows that
 * with one condition missing it does not fire (ctest shim.multi-condition-faults).
 *
 *   fault                       conditions                                  bug class
 *   dup-linger-lost             two descriptors; SO_LINGER {1,0} set through  options kept per handle,
 *                               one of them after the dup (the other's copy   not per socket: the last
 *                               never had it); that one closed first: the     close uses the survivor's
 *                               last close sends FIN, not RST                 (graceful) copy
 *   shutrd-fin-nonblock-drops   shutdown(SHUT_RD) done; the peer's FIN came;  an end-of-stream fast path
 *                               O_NONBLOCK; bytes queued: recv drops them and  tested before the receive
 *                               reads 0                                       queue
 *   shutwr-unread-close-no-rst  shutdown(SHUT_WR) done (FIN_WAIT1/2); bytes   RFC 2525 2.17, no RST on
 *                               unread; the last descriptor closed: the bytes  close with data pending,
 *                               are dropped, no RST                            in the half-closed path
 *   v6-nonblock-linger-graceful AF_INET6; SO_LINGER {1,0}; O_NONBLOCK; the    the IPv6 copy of the close
 *                               last descriptor closed: FIN, not RST           path honours linger only
 *                                                                             when blocking
 *   shutdown-after-reset-ok     an earlier shutdown succeeded; a call         shutdown answered from
 *                               reported ECONNRESET; shutdown fails ENOTCONN:  cached shutdown flags, not
 *                               it returns 0                                   the connection's state
 *   unix-halfclosed-reset-lost  AF_UNIX; shutdown(SHUT_WR) done; the peer     the peer's pending error
 *                               closed with our bytes unread (recv fails       set only on a fully
 *                               ECONNRESET): recv reads 0                      connected survivor
 *
 * Their history lives in a fixed table indexed by descriptor (kHistoryFds): a new socket
 * (socket, socketpair, accept, accept4) starts a record, dup/dup2/dup3/F_DUPFD share it as
 * the kernel shares the open file (each descriptor keeps its own per-handle bits), close
 * lets go of it; a record remembers its socket's inode, so a number reused behind the
 * shim's back (io_uring's accept) is never taken for the old socket. Whatever the kernel
 * can answer at the moment of the call (linger, O_NONBLOCK, family, TCP state, bytes
 * queued) is asked of it rather than tracked.
 *
 * Descriptors kept open by no-fin-on-close and close-leaks are held in a ring of
 * kHeldMax; the oldest is really closed when it is full, so a long run cannot exhaust
 * the descriptor limit (its FIN then comes, far too late). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum fault {
  f_none,
  f_shutdown_returns_one,
  f_reset_as_epipe,
  f_badf_as_notsock,
  f_no_fin_on_close,
  f_no_fin_on_shutdown,
  f_linger_ignored,
  f_close_leaks,
  f_recv_drops_byte,
  f_eof_as_reset,
  f_fionread_off_by_one,
  /* Multi-condition faults (issue 21): f_dup_linger_lost and those after it. */
  f_dup_linger_lost,
  f_shutrd_fin_nonblock_drops,
  f_shutwr_unread_close_no_rst,
  f_v6_nonblock_linger_graceful,
  f_shutdown_after_reset_ok,
  f_unix_halfclosed_reset_lost,
  f_count
};
/* Each fault's name and, for `CLOSESEM_FAULT=list` (and the selftest's table), what it does. */
static const struct {
  const char* name;
  const char* what;
} k_faults[f_count] = {
    {"", "no fault"},
    {"shutdown-returns-one", "a successful shutdown() returns 1, not 0"},
    {"reset-as-epipe", "a recv() failing ECONNRESET fails EPIPE"},
    {"badf-as-notsock", "a call failing EBADF (closed descriptor) fails ENOTSOCK"},
    {"no-fin-on-close", "close() of a connected socket keeps the connection open: no FIN"},
    {"no-fin-on-shutdown", "shutdown(SHUT_WR or SHUT_RDWR) of a connected socket returns 0, does nothing"},
    {"linger-ignored", "setsockopt(SO_LINGER) returns 0 but is not applied"},
    {"close-leaks", "close() of a socket returns 0 and does nothing: the descriptor leaks"},
    {"recv-drops-byte", "a recv() that read n > 1 bytes returns n - 1"},
    {"eof-as-reset", "a recv() reading end of stream fails ECONNRESET"},
    {"fionread-off-by-one", "ioctl(FIONREAD) reports one byte more than queued"},
    {"dup-linger-lost",
     "linger {1,0} set through one of two descriptors after the dup, that one closed first: the last close "
     "sends FIN, not RST (options kept per handle)"},
    {"shutrd-fin-nonblock-drops",
     "after shutdown(SHUT_RD) and the peer's FIN, a non-blocking recv drops the queued bytes and reads 0 "
     "(end of stream tested before the queue)"},
    {"shutwr-unread-close-no-rst",
     "the last close after shutdown(SHUT_WR) with bytes unread drops them and sends no RST (RFC 2525 2.17 in "
     "the half-closed path)"},
    {"v6-nonblock-linger-graceful",
     "the last close of a non-blocking AF_INET6 socket with linger {1,0} sends FIN, not RST (the IPv6 path "
     "honours linger only when blocking)"},
    {"shutdown-after-reset-ok",
     "a shutdown after an earlier shutdown and a reported reset returns 0, not ENOTCONN (answered from "
     "cached flags)"},
    {"unix-halfclosed-reset-lost",
     "AF_UNIX after shutdown(SHUT_WR): the peer closed with our bytes unread, yet recv reads 0, not "
     "ECONNRESET (the error set on fully connected sockets only)"},
};

/* Set once by the constructor, before main(); calls made earlier pass through. */
static enum fault g_fault = f_none;

static void* next_symbol(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == NULL) {
    static const char message[] = "closesem_faults: a C library symbol is missing\n";
    (void)write(2, message, sizeof(message) - 1);
    abort();
  }
  return symbol;
}

typedef int (*close_fn)(int);
typedef int (*shutdown_fn)(int, int);
typedef ssize_t (*send_fn)(int, const void*, size_t, int);
typedef ssize_t (*recv_fn)(int, void*, size_t, int);
typedef int (*setsockopt_fn)(int, int, int, const void*, socklen_t);
typedef int (*getsockopt_fn)(int, int, int, void*, socklen_t*);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*socket_fn)(int, int, int);
typedef int (*socketpair_fn)(int, int, int, int[2]);
typedef int (*accept_fn)(int, struct sockaddr*, socklen_t*);
typedef int (*accept4_fn)(int, struct sockaddr*, socklen_t*, int);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*fcntl64_fn)(int, int, ...);

/* The next definition of `name` (the C library's), looked up once. */
#define CLOSESEM_NEXT(name)                                                     \
  static name##_fn next_##name;                                                 \
  if (__atomic_load_n(&next_##name, __ATOMIC_ACQUIRE) == NULL)                  \
  __atomic_store_n(&next_##name, (name##_fn)next_symbol(#name), __ATOMIC_RELEASE)

static int is_socket(int fd) {
  struct stat info;
  return fd >= 0 && fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

static int is_connected(int fd) {
  struct sockaddr_storage address;
  socklen_t length = sizeof(address);
  return getpeername(fd, (struct sockaddr*)&address, &length) == 0;
}

/* --- descriptors held open behind the program's back (no-fin-on-close, close-leaks) */

enum { kHeldMax = 256 };
static int g_held[kHeldMax];
static unsigned g_held_next, g_held_used;
static pthread_mutex_t g_held_lock = PTHREAD_MUTEX_INITIALIZER;

static void hold(int fd, close_fn real_close) {
  int evicted = -1;
  pthread_mutex_lock(&g_held_lock);
  for (unsigned i = 0; i < g_held_used; ++i)
    if (g_held[i] == fd) {
      pthread_mutex_unlock(&g_held_lock);
      return;
    }
  if (g_held_used == kHeldMax) evicted = g_held[g_held_next];
  g_held[g_held_next] = fd;
  g_held_next = (g_held_next + 1) % kHeldMax;
  if (g_held_used < kHeldMax) ++g_held_used;
  pthread_mutex_unlock(&g_held_lock);
  if (evicted >= 0) real_close(evicted);
}

/* --- numbers last closed as sockets (badf-as-notsock on close and ioctl) ----------- */

enum { kTrackedFds = 65536 };
static unsigned char g_closed_socket[kTrackedFds];

static int was_closed_socket(int fd) {
  return fd >= 0 && fd < kTrackedFds && __atomic_load_n(&g_closed_socket[fd], __ATOMIC_RELAXED);
}

/* errno EBADF becomes ENOTSOCK under badf-as-notsock, when `applies`. */
static void bend_badf(int failed, int applies) {
  if (g_fault == f_badf_as_notsock && failed && errno == EBADF && applies) errno = ENOTSOCK;
}

/* --- multi-condition faults: each socket's history ------------------------------------ */

static int multi_fault(void) { return g_fault >= f_dup_linger_lost; }

/* The C library's calls for the shim's own questions: never bent, never recorded. */
static int real_getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  CLOSESEM_NEXT(getsockopt);
  return next_getsockopt(fd, level, name, value, length);
}
static int real_setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  CLOSESEM_NEXT(setsockopt);
  return next_setsockopt(fd, level, name, value, length);
}
static ssize_t real_recv(int fd, void* buf, size_t len, int flags) {
  CLOSESEM_NEXT(recv);
  return next_recv(fd, buf, len, flags);
}
static int real_fcntl(int fd, int cmd, int arg) {
  CLOSESEM_NEXT(fcntl);
  return next_fcntl(fd, cmd, arg);
}
static int real_ioctl(int fd, unsigned long request, void* arg) {
  CLOSESEM_NEXT(ioctl);
  return next_ioctl(fd, request, arg);
}

enum {
  /* Descriptors from here up are not followed: no multi-condition fault fires on them
   * (the targets stay far below: a few dozen descriptors at a time). */
  kHistoryFds = 4096,
  h_shut_receive = 1u << 0,    /* a shutdown(SHUT_RD or SHUT_RDWR) succeeded */
  h_shut_send = 1u << 1,       /* a shutdown(SHUT_WR or SHUT_RDWR) succeeded */
  h_handle_closed = 1u << 2,   /* a descriptor was closed while another still named the socket */
  h_reset_reported = 1u << 3,  /* a call reported ECONNRESET (recv, send, SO_ERROR) */
  h_unfollowed = 1u << 4,      /* a descriptor past the table names it too: its count is wrong */
};

/* One per socket (open file description), shared by every descriptor that names it. */
struct history {
  unsigned long long inode;  /* the socket's inode; 0: the record is free */
  int handles;               /* descriptors naming it */
  unsigned flags;            /* h_* */
};
/* One per descriptor: its record, and the copy of SO_LINGER a stack that keeps options
 * per handle would hold (dup-linger-lost): set through this descriptor, or inherited
 * from the one it was dup'ed from or the listener it was accepted from. */
struct handle {
  unsigned short record;          /* 1 + index in g_histories; 0: not followed */
  unsigned char linger_abortive;  /* its own copy of linger is {1,0} */
};
static struct history g_histories[kHistoryFds];
static struct handle g_handles[kHistoryFds];
static unsigned g_history_hint;
static pthread_mutex_t g_history_lock = PTHREAD_MUTEX_INITIALIZER;

static int followable(int fd) { return fd >= 0 && fd < kHistoryFds; }

static int linger_abortive(int fd) {
  struct linger value = {0, 0};
  socklen_t length = sizeof(value);
  return real_getsockopt(fd, SOL_SOCKET, SO_LINGER, &value, &length) == 0 && value.l_onoff != 0 &&
         value.l_linger == 0;
}

/* The descriptor no longer names its socket (closed, or replaced by dup2/dup3). */
static void let_go_locked(int fd) {
  struct handle* handle = &g_handles[fd];
  if (handle->record != 0) {
    struct history* record = &g_histories[handle->record - 1];
    if (--record->handles > 0)
      record->flags |= h_handle_closed;
    else
      memset(record, 0, sizeof(*record));
  }
  handle->record = 0;
  handle->linger_abortive = 0;
}

static void let_go(int fd) {
  if (!followable(fd)) return;
  pthread_mutex_lock(&g_history_lock);
  let_go_locked(fd);
  pthread_mutex_unlock(&g_history_lock);
}

/* A new socket (socket, socketpair, accept): a fresh history. */
static void follow_new(int fd) {
  if (!multi_fault() || !followable(fd)) return;
  const int saved = errno;  /* the caller's call succeeded: its errno stays as it was */
  struct stat info;
  const int is_sock = fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
  errno = saved;
  if (!is_sock) return;
  /* (An accepted socket inherits its listener's linger: its copy starts as the kernel's.) */
  const int abortive = linger_abortive(fd);
  errno = saved;
  pthread_mutex_lock(&g_history_lock);
  let_go_locked(fd);  /* a number some path the shim does not see had closed */
  /* A free record exists: each live one is named by a descriptor below kHistoryFds. */
  for (unsigned tried = 0; tried < kHistoryFds; ++tried) {
    const unsigned at = (g_history_hint + tried) % kHistoryFds;
    if (g_histories[at].inode != 0) continue;
    g_histories[at].inode = (unsigned long long)info.st_ino;
    g_histories[at].handles = 1;
    g_histories[at].flags = 0;
    g_handles[fd].record = (unsigned short)(at + 1);
    g_handles[fd].linger_abortive = (unsigned char)abortive;
    g_history_hint = (at + 1) % kHistoryFds;
    break;
  }
  pthread_mutex_unlock(&g_history_lock);
}

/* `to` is a duplicate of `from` (dup, dup2, dup3, F_DUPFD): the kernel shares the open
 * file, so both share the history; the per-handle copy of linger is copied. */
static void follow_dup(int from, int to) {
  if (!multi_fault() || from == to) return;
  pthread_mutex_lock(&g_history_lock);
  if (followable(to)) let_go_locked(to);
  if (followable(from) && g_handles[from].record != 0) {
    struct history* record = &g_histories[g_handles[from].record - 1];
    if (followable(to)) {
      g_handles[to] = g_handles[from];
      ++record->handles;
    } else {
      record->flags |= h_unfollowed;
    }
  }
  pthread_mutex_unlock(&g_history_lock);
}

static void mark(int fd, unsigned flags) {
  if (!followable(fd)) return;
  pthread_mutex_lock(&g_history_lock);
  if (g_handles[fd].record != 0) g_histories[g_handles[fd].record - 1].flags |= flags;
  pthread_mutex_unlock(&g_history_lock);
}

/* What a call sees of its descriptor's history: a copy, taken under the lock. */
struct seen {
  int followed;  /* the descriptor is followed, and still names the socket its record began with */
  int handles;
  unsigned flags;
  int linger_abortive;  /* this descriptor's own copy */
};

static struct seen look(int fd) {
  struct seen out = {0, 0, 0, 0};
  struct stat info;
  if (!followable(fd) || fstat(fd, &info) != 0) return out;
  pthread_mutex_lock(&g_history_lock);
  const struct handle handle = g_handles[fd];
  if (handle.record != 0) {
    const struct history* record = &g_histories[handle.record - 1];
    if (record->inode == (unsigned long long)info.st_ino && (record->flags & h_unfollowed) == 0) {
      out.followed = 1;
      out.handles = record->handles;
      out.flags = record->flags;
      out.linger_abortive = handle.linger_abortive;
    }
  }
  pthread_mutex_unlock(&g_history_lock);
  return out;
}

/* What the kernel can say at the moment of the call: asked, not tracked. */
static int socket_family(int fd) {
  int family = -1;
  socklen_t length = sizeof(family);
  return real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &length) == 0 ? family : -1;
}

static int tcp_state(int fd) {  /* -1 for a socket that is not TCP */
  struct tcp_info info;
  socklen_t length = sizeof(info);
  memset(&info, 0, sizeof(info));
  return real_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 ? info.tcpi_state : -1;
}

/* The peer's FIN came (whatever this end shut down: its own shutdown(SHUT_RD) reads as a
 * hang-up in poll too, so the TCP state says it). */
static int peer_fin_came(int fd) {
  const int state = tcp_state(fd);
  return state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK || state == TCP_CLOSING || state == TCP_TIME_WAIT;
}

static int nonblocking(int fd) {
  const int flags = real_fcntl(fd, F_GETFL, 0);
  return flags != -1 && (flags & O_NONBLOCK) != 0;
}

static int bytes_unread(int fd) {
  int count = 0;
  return real_ioctl(fd, FIONREAD, &count) == 0 ? count : 0;
}

/* Read and drop what is queued (bounded: 4 MiB at most, never waiting). */
static void drop_unread(int fd) {
  char scratch[4096];
  for (int i = 0; i < 1024 && real_recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) > 0; ++i) {
  }
}

/* The close the stack should make abortive (linger {1,0}) made graceful. */
static void make_graceful(int fd) {
  const struct linger off = {0, 0};
  (void)real_setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
}

/* The last descriptor of a followed socket is being closed: the faults of close. */
static void bend_last_close(int fd, const struct seen* seen) {
  switch (g_fault) {
    case f_dup_linger_lost:
      /* The stack closes with the closing handle's own copy of linger: graceful, while
       * {1,0} was set through the other handle, since closed. */
      if ((seen->flags & h_handle_closed) && !seen->linger_abortive && linger_abortive(fd) && is_connected(fd))
        make_graceful(fd);
      break;
    case f_v6_nonblock_linger_graceful:
      if (socket_family(fd) == AF_INET6 && linger_abortive(fd) && nonblocking(fd) && is_connected(fd))
        make_graceful(fd);
      break;
    case f_shutwr_unread_close_no_rst: {
      /* Only this end sent its FIN: with bytes unread the close must reset the peer. */
      const int state = tcp_state(fd);
      if ((seen->flags & h_shut_send) && (state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2) &&
          bytes_unread(fd) > 0)
        drop_unread(fd);
      break;
    }
    default:
      break;
  }
}

static int close_followed(int fd, close_fn real_close) {
  const int saved = errno;  /* the shim's own questions leave no trace in errno */
  const struct seen seen = look(fd);
  if (seen.followed && seen.handles == 1) bend_last_close(fd, &seen);
  /* Let go first: once the number is free another thread's socket() may get it. */
  let_go(fd);
  errno = saved;
  return real_close(fd);
}

/* --- the interposed calls ------------------------------------------------------------ */

int close(int fd) {
  CLOSESEM_NEXT(close);
  if (g_fault == f_none) return next_close(fd);
  if (multi_fault()) return close_followed(fd, next_close);
  const int socket_fd = is_socket(fd);
  if (socket_fd && g_fault == f_close_leaks) {
    hold(fd, next_close);
    return 0;
  }
  if (socket_fd && g_fault == f_no_fin_on_close && is_connected(fd)) {
    const int hidden = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (hidden >= 0) hold(hidden, next_close);
  }
  const int was_socket = was_closed_socket(fd);
  const int ret = next_close(fd);
  if (ret == 0 && fd < kTrackedFds)
    __atomic_store_n(&g_closed_socket[fd], (unsigned char)socket_fd, __ATOMIC_RELAXED);
  bend_badf(ret == -1, was_socket);
  return ret;
}

int shutdown(int fd, int how) {
  CLOSESEM_NEXT(shutdown);
  if (multi_fault()) {
    const int ret = next_shutdown(fd, how);
    if (ret == 0) {
      mark(fd, (how == SHUT_RD || how == SHUT_RDWR ? h_shut_receive : 0u) |
                   (how == SHUT_WR || how == SHUT_RDWR ? h_shut_send : 0u));
    } else if (g_fault == f_shutdown_after_reset_ok && errno == ENOTCONN) {
      const int saved = errno;
      const struct seen seen = look(fd);
      if (seen.followed && (seen.flags & (h_shut_receive | h_shut_send)) && (seen.flags & h_reset_reported))
        return 0;
      errno = saved;
    }
    return ret;
  }
  if (g_fault == f_no_fin_on_shutdown && (how == SHUT_WR || how == SHUT_RDWR) && is_socket(fd) &&
      is_connected(fd))
    return 0;
  const int ret = next_shutdown(fd, how);
  if (g_fault == f_shutdown_returns_one && ret == 0 && is_socket(fd)) return 1;
  bend_badf(ret == -1, 1);
  return ret;
}

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  CLOSESEM_NEXT(send);
  const ssize_t ret = next_send(fd, buf, len, flags);
  if (ret == -1 && errno == ECONNRESET && multi_fault()) {
    mark(fd, h_reset_reported);
    errno = ECONNRESET;
  }
  bend_badf(ret == -1, 1);
  return ret;
}

ssize_t recv(int fd, void* buf, size_t len, int flags) {
  CLOSESEM_NEXT(recv);
  if (multi_fault()) {
    if (g_fault == f_shutrd_fin_nonblock_drops && len > 0) {
      const int saved = errno;
      const struct seen seen = look(fd);
      if (seen.followed && (seen.flags & h_shut_receive) && peer_fin_came(fd) && nonblocking(fd) &&
          bytes_unread(fd) > 0) {
        drop_unread(fd);
        return 0;
      }
      errno = saved;
    }
    const ssize_t ret = next_recv(fd, buf, len, flags);
    if (ret == -1 && errno == ECONNRESET) {
      mark(fd, h_reset_reported);
      if (g_fault == f_unix_halfclosed_reset_lost) {
        const struct seen seen = look(fd);
        if (seen.followed && (seen.flags & h_shut_send) && socket_family(fd) == AF_UNIX) return 0;
      }
      errno = ECONNRESET;
    }
    return ret;
  }
  const ssize_t ret = next_recv(fd, buf, len, flags);
  if (ret == -1 && g_fault == f_reset_as_epipe && errno == ECONNRESET) errno = EPIPE;
  if (ret > 1 && g_fault == f_recv_drops_byte) return ret - 1;
  if (ret == 0 && len > 0 && g_fault == f_eof_as_reset) {
    errno = ECONNRESET;
    return -1;
  }
  bend_badf(ret == -1, 1);
  return ret;
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  CLOSESEM_NEXT(setsockopt);
  if (g_fault == f_linger_ignored && level == SOL_SOCKET && name == SO_LINGER && is_socket(fd))
    return 0;
  const int ret = next_setsockopt(fd, level, name, value, length);
  if (ret == 0 && level == SOL_SOCKET && name == SO_LINGER && multi_fault() && followable(fd) &&
      value != NULL && length >= (socklen_t)sizeof(struct linger)) {
    const struct linger* set = (const struct linger*)value;
    pthread_mutex_lock(&g_history_lock);
    if (g_handles[fd].record != 0)
      g_handles[fd].linger_abortive = (unsigned char)(set->l_onoff != 0 && set->l_linger == 0);
    pthread_mutex_unlock(&g_history_lock);
  }
  bend_badf(ret == -1, 1);
  return ret;
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  CLOSESEM_NEXT(getsockopt);
  const int ret = next_getsockopt(fd, level, name, value, length);
  if (ret == 0 && level == SOL_SOCKET && name == SO_ERROR && multi_fault() && value != NULL &&
      length != NULL && *length >= (socklen_t)sizeof(int) && *(const int*)value == ECONNRESET)
    mark(fd, h_reset_reported);
  bend_badf(ret == -1, 1);
  return ret;
}

/* glibc declares ioctl(int, unsigned long, ...); every request the suite makes passes
 * one pointer, so the third argument is forwarded as a pointer. */
int ioctl(int fd, unsigned long request, ...) {
  CLOSESEM_NEXT(ioctl);
  va_list args;
  va_start(args, request);
  void* arg = va_arg(args, void*);
  va_end(args);
  const int ret = next_ioctl(fd, request, arg);
  if (ret == 0 && request == FIONREAD && g_fault == f_fionread_off_by_one && arg != NULL && is_socket(fd))
    ++*(int*)arg;
  bend_badf(ret == -1, was_closed_socket(fd));
  return ret;
}

/* Calls that make, duplicate or replace descriptors: followed for the multi-condition
 * faults, never bent. */

int socket(int domain, int type, int protocol) {
  CLOSESEM_NEXT(socket);
  const int fd = next_socket(domain, type, protocol);
  if (fd >= 0) follow_new(fd);
  return fd;
}

int socketpair(int domain, int type, int protocol, int fds[2]) {
  CLOSESEM_NEXT(socketpair);
  const int ret = next_socketpair(domain, type, protocol, fds);
  if (ret == 0) {
    follow_new(fds[0]);
    follow_new(fds[1]);
  }
  return ret;
}

int accept(int fd, struct sockaddr* address, socklen_t* length) {
  CLOSESEM_NEXT(accept);
  const int ret = next_accept(fd, address, length);
  if (ret >= 0) follow_new(ret);
  return ret;
}

int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
  CLOSESEM_NEXT(accept4);
  const int ret = next_accept4(fd, address, length, flags);
  if (ret >= 0) follow_new(ret);
  return ret;
}

int dup(int fd) {
  CLOSESEM_NEXT(dup);
  const int ret = next_dup(fd);
  if (ret >= 0) follow_dup(fd, ret);
  return ret;
}

int dup2(int fd, int to) {
  CLOSESEM_NEXT(dup2);
  const int ret = next_dup2(fd, to);
  if (ret >= 0) follow_dup(fd, ret);
  return ret;
}

int dup3(int fd, int to, int flags) {
  CLOSESEM_NEXT(dup3);
  const int ret = next_dup3(fd, to, flags);
  if (ret >= 0) follow_dup(fd, ret);
  return ret;
}

/* glibc declares fcntl(int, int, ...) and reads its third argument as a pointer
 * whatever the command (its own fcntl does so); it is forwarded the same way. */
int fcntl(int fd, int cmd, ...) {
  CLOSESEM_NEXT(fcntl);
  va_list args;
  va_start(args, cmd);
  void* arg = va_arg(args, void*);
  va_end(args);
  const int ret = next_fcntl(fd, cmd, arg);
  if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) follow_dup(fd, ret);
  return ret;
}

/* (What fcntl is where the headers ask for 64-bit offsets.) */
int fcntl64(int fd, int cmd, ...) {
  CLOSESEM_NEXT(fcntl64);
  va_list args;
  va_start(args, cmd);
  void* arg = va_arg(args, void*);
  va_end(args);
  const int ret = next_fcntl64(fd, cmd, arg);
  if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) follow_dup(fd, ret);
  return ret;
}

/* --- choosing the fault ---------------------------------------------------------------- */

__attribute__((constructor)) static void choose_fault(void) {
  const char* name = getenv("CLOSESEM_FAULT");
  if (name == NULL || *name == '\0') return;
  char line[512];
  if (strcmp(name, "list") == 0) {  /* the faults, one "name<TAB>what" a line, then exit */
    for (int i = 1; i < f_count; ++i) {
      const int used = snprintf(line, sizeof(line), "%s\t%s\n", k_faults[i].name, k_faults[i].what);
      if (used > 0 && (size_t)used < sizeof(line)) (void)write(1, line, (size_t)used);
    }
    _exit(0);
  }
  /* The reference peer is the correct other end: never bent. */
  if (strcmp(program_invocation_short_name, "closesem_peer") == 0) return;
  for (int i = 1; i < f_count; ++i)
    if (strcmp(name, k_faults[i].name) == 0) {
      g_fault = (enum fault)i;
      return;
    }
  int used = snprintf(line, sizeof(line), "closesem_faults: unknown fault '%.80s' (known:", name);
  for (int i = 1; i < f_count && used > 0 && (size_t)used < sizeof(line); ++i)
    used += snprintf(line + used, sizeof(line) - (size_t)used, " %s", k_faults[i].name);
  if (used > 0 && (size_t)used < sizeof(line) - 2) {
    line[used++] = ')';
    line[used++] = '\n';
    (void)write(2, line, (size_t)used);
  }
  _exit(2);
}
