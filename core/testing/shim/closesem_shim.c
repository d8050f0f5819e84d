/* SPDX-License-Identifier: MIT
 * closesem_shim: an LD_PRELOAD interposer over the C library's socket calls.
 * It forwards every call to the next definition (RTLD_NEXT) and counts them; when
 * CLOSESEM_SHIM_LOG names a file, the counts are appended to it at process exit as
 * "pid=N socket=N close=N shutdown=N send=N recv=N setsockopt=N poll=N".
 * The suite's test `shim.interposition` runs the tests under it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { k_socket, k_close, k_shutdown, k_send, k_recv, k_setsockopt, k_poll, k_count };
static const char* const k_names[k_count] = {"socket", "close", "shutdown", "send",
                                             "recv", "setsockopt", "poll"};
static unsigned long counts[k_count];

static void count(int which) { __atomic_add_fetch(&counts[which], 1, __ATOMIC_RELAXED); }

static void* next_symbol(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == NULL) {
    static const char message[] = "closesem_shim: a C library symbol is missing\n";
    (void)write(2, message, sizeof(message) - 1);
    abort();
  }
  return symbol;
}

typedef int (*socket_fn)(int, int, int);
typedef int (*close_fn)(int);
typedef int (*shutdown_fn)(int, int);
typedef ssize_t (*send_fn)(int, const void*, size_t, int);
typedef ssize_t (*recv_fn)(int, void*, size_t, int);
typedef int (*setsockopt_fn)(int, int, int, const void*, socklen_t);
typedef int (*poll_fn)(struct pollfd*, nfds_t, int);

/* The next definition of `name` (the C library's), looked up once. */
#define CLOSESEM_NEXT(name)    \
  static name##_fn next_##name; \
  if (next_##name == NULL) next_##name = (name##_fn)next_symbol(#name)

int socket(int domain, int type, int protocol) {
  CLOSESEM_NEXT(socket);
  count(k_socket);
  return next_socket(domain, type, protocol);
}

int close(int fd) {
  CLOSESEM_NEXT(close);
  count(k_close);
  return next_close(fd);
}

int shutdown(int fd, int how) {
  CLOSESEM_NEXT(shutdown);
  count(k_shutdown);
  return next_shutdown(fd, how);
}

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  CLOSESEM_NEXT(send);
  count(k_send);
  return next_send(fd, buf, len, flags);
}

ssize_t recv(int fd, void* buf, size_t len, int flags) {
  CLOSESEM_NEXT(recv);
  count(k_recv);
  return next_recv(fd, buf, len, flags);
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  CLOSESEM_NEXT(setsockopt);
  count(k_setsockopt);
  return next_setsockopt(fd, level, name, value, length);
}

int poll(struct pollfd* fds, nfds_t n, int timeout) {
  CLOSESEM_NEXT(poll);
  count(k_poll);
  return next_poll(fds, n, timeout);
}

__attribute__((destructor)) static void report_counts(void) {
  const char* path = getenv("CLOSESEM_SHIM_LOG");
  if (path == NULL || *path == '\0') return;
  char line[512];
  int used = snprintf(line, sizeof(line), "pid=%ld", (long)getpid());
  for (int i = 0; i < k_count && used > 0 && (size_t)used < sizeof(line); ++i)
    used += snprintf(line + used, sizeof(line) - (size_t)used, " %s=%lu", k_names[i],
                     __atomic_load_n(&counts[i], __ATOMIC_RELAXED));
  if (used <= 0 || (size_t)used >= sizeof(line) - 1) return;
  line[used++] = '\n';
  /* The C library's own open/write: not interposed here. */
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)write(fd, line, (size_t)used);
  /* Closing through the interposed close() would count once more; it is too late to
   * matter, but the real one is cleaner. */
  CLOSESEM_NEXT(close);
  next_close(fd);
}
