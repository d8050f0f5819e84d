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

/* --- the interposed calls ------------------------------------------------------------ */

int close(int fd) {
  CLOSESEM_NEXT(close);
  if (g_fault == f_none) return next_close(fd);
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
  bend_badf(ret == -1, 1);
  return ret;
}

ssize_t recv(int fd, void* buf, size_t len, int flags) {
  CLOSESEM_NEXT(recv);
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
  bend_badf(ret == -1, 1);
  return ret;
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  CLOSESEM_NEXT(getsockopt);
  const int ret = next_getsockopt(fd, level, name, value, length);
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
