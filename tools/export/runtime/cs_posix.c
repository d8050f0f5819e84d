/* ---- closesem export runtime, POSIX part: the cs_p_* calls on Linux (and other POSIX) ----
 * Every call as closesem's POSIX platform layer makes it: errno read right after the call
 * (poisoned before), MSG_NOSIGNAL sends, waits resumed after EINTR with the time left (the
 * thread mechanism's cancel signal may reach a thread blocked in a wait). Pending calls:
 * `thread` (a worker blocked in the call; cancelled by a signal installed without
 * SA_RESTART, so the call returns EINTR) and, built with CS_USE_URING and liburing, `uring`
 * (one io_uring request per call). overlapped and iocp are Winsock's: not_supported. */

#define CS_ERRNO_SENTINEL ((int)0xdeadbeefu)

/* ---- errors: errno, its name, its portable name ---- */

static const struct {
  int code;
  const char *name;
  const char *errc;
} cs_errno_table[] = {
    {EBADF, "EBADF", "bad_handle"},
    {ENOTSOCK, "ENOTSOCK", "not_socket"},
    {ENOTCONN, "ENOTCONN", "not_connected"},
    {EISCONN, "EISCONN", "is_connected"},
    {ESHUTDOWN, "ESHUTDOWN", "shut_down"},
    {EPIPE, "EPIPE", "broken_pipe"},
    {ECONNRESET, "ECONNRESET", "connection_reset"},
    {ECONNABORTED, "ECONNABORTED", "connection_aborted"},
    {ECONNREFUSED, "ECONNREFUSED", "connection_refused"},
    {EAGAIN, "EAGAIN", "would_block"},
#if EWOULDBLOCK != EAGAIN
    {EWOULDBLOCK, "EWOULDBLOCK", "would_block"},
#endif
    {EINPROGRESS, "EINPROGRESS", "in_progress"},
    {EALREADY, "EALREADY", "already"},
    {EINVAL, "EINVAL", "invalid_argument"},
    {EFAULT, "EFAULT", "fault"},
    {ENOPROTOOPT, "ENOPROTOOPT", "no_protocol_option"},
    {EOPNOTSUPP, "EOPNOTSUPP", "not_supported"},
    {EAFNOSUPPORT, "EAFNOSUPPORT", "not_supported"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT", "not_supported"},
    {EADDRINUSE, "EADDRINUSE", "address_in_use"},
    {EINTR, "EINTR", "interrupted"},
    {ETIMEDOUT, "ETIMEDOUT", "timed_out"},
    {ENETDOWN, "ENETDOWN", "network_down"},
    {ECANCELED, "ECANCELED", "operation_aborted"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL", "other"},
    {ENETUNREACH, "ENETUNREACH", "other"},
    {EHOSTUNREACH, "EHOSTUNREACH", "other"},
    {EMFILE, "EMFILE", "other"},
    {ENFILE, "ENFILE", "other"},
    {ENOBUFS, "ENOBUFS", "other"},
    {ENOMEM, "ENOMEM", "other"},
    {EACCES, "EACCES", "other"},
    {EPERM, "EPERM", "other"},
    {ENOENT, "ENOENT", "other"},
};

#define CS_ERRNO_COUNT (sizeof(cs_errno_table) / sizeof(cs_errno_table[0]))

const char *cs_p_error_name(int native) {
  size_t i;
  for (i = 0; i < CS_ERRNO_COUNT; ++i)
    if (cs_errno_table[i].code == native) return cs_errno_table[i].name;
  return NULL;
}

const char *cs_p_errc(int native) {
  size_t i;
  for (i = 0; i < CS_ERRNO_COUNT; ++i)
    if (cs_errno_table[i].code == native) return cs_errno_table[i].errc;
  return "other";
}

int cs_p_native_of(const char *errc) {
  size_t i;
  for (i = 0; i < CS_ERRNO_COUNT; ++i)
    if (strcmp(cs_errno_table[i].errc, errc) == 0) return cs_errno_table[i].code;
  return 0;
}

/* The one capture point: errno read first thing after the call. */
static CS_UNUSED cs_result cs_capture(long long ret, int failed) {
  const int native = errno;
  cs_result out;
  out.ret = ret;
  out.native = failed ? native : 0;
  out.errc = failed ? cs_p_errc(native) : "ok";
  return out;
}

static CS_UNUSED void cs_poison(void) { errno = CS_ERRNO_SENTINEL; }

static CS_UNUSED cs_result cs_ok(void) {
  cs_result out;
  out.ret = 0;
  out.native = 0;
  out.errc = "ok";
  return out;
}

/* A failure made without a call (errno set to `native` so that it is named). */
static CS_UNUSED cs_result cs_refuse(int native) {
  errno = native;
  return cs_capture(-1, 1);
}

/* not_supported, made without any call. */
static CS_UNUSED cs_result cs_unsupported(void) {
  cs_result out;
  out.ret = -1;
  out.native = 0;
  out.errc = "not_supported";
  return out;
}

/* ---- the process ---- */

/* The thread mechanism's cancel signal: glibc keeps SIGRTMIN..+2 for itself; +4 is no one's. */
static CS_UNUSED int cs_cancel_signal(void) {
#ifdef SIGRTMIN
  return SIGRTMIN + 4;
#else
  return SIGUSR2;
#endif
}

static void cs_interrupt_only(int signal_number) { (void)signal_number; }

int cs_p_init(char *why, size_t size) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = SIG_IGN;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGPIPE, &action, NULL) != 0) {
    snprintf(why, size, "sigaction(SIGPIPE) failed: errno %d", errno);
    return 1;
  }
  memset(&action, 0, sizeof(action));
  action.sa_handler = cs_interrupt_only;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; /* no SA_RESTART: the interrupted call returns EINTR */
  if (sigaction(cs_cancel_signal(), &action, NULL) != 0) {
    snprintf(why, size, "sigaction(SIGRTMIN+4) failed: errno %d", errno);
    return 1;
  }
  return 0;
}

#include <sched.h>
#include <sys/utsname.h>

const char *cs_p_platform(void) {
  static char text[200];
  struct utsname name;
  if (text[0] != '\0') return text;
  if (uname(&name) != 0)
    snprintf(text, sizeof(text), "POSIX");
  else
    snprintf(text, sizeof(text), "%s %s", name.sysname, name.release);
  return text;
}

int cs_p_is_wine(void) { return 0; }

long long cs_p_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void cs_p_sleep_ms(int ms) {
  struct timespec pause;
  pause.tv_sec = ms / 1000;
  pause.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&pause, &pause) == -1 && errno == EINTR) {
  }
}

cs_result cs_p_startup(void) { return cs_ok(); }
cs_result cs_p_cleanup(void) { return cs_ok(); }
unsigned long cs_p_session(void) { return 0; }

/* ---- addresses ---- */

static CS_UNUSED int cs_family(int transport) {
  return transport == CS_TCP4 ? AF_INET : transport == CS_TCP6 ? AF_INET6 : AF_UNIX;
}

/* A fresh AF_UNIX address: Linux's abstract namespace (no file made or left behind),
 * elsewhere a path in the temporary folder. */
static CS_UNUSED void cs_unix_address(cs_addr *out) {
  static unsigned long counter;
  struct sockaddr_un un;
  char name[sizeof(un.sun_path)];
  size_t length;
  memset(&un, 0, sizeof(un));
  un.sun_family = AF_UNIX;
#if defined(__linux__)
  snprintf(name, sizeof(name), "closesem-export-%ld-%lu", (long)getpid(), counter++);
  length = strlen(name);
  memcpy(un.sun_path + 1, name, length); /* a leading NUL, no terminating one */
  out->length = (int)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
#else
  snprintf(name, sizeof(name), "/tmp/closesem-export-%ld-%lu.sock", (long)getpid(), counter++);
  length = strlen(name);
  memcpy(un.sun_path, name, length + 1);
  out->length = (int)(offsetof(struct sockaddr_un, sun_path) + length + 1);
#endif
  memset(&out->storage, 0, sizeof(out->storage));
  memcpy(&out->storage, &un, sizeof(un));
  out->transport = CS_UNIX;
}

static CS_UNUSED void cs_loopback(int transport, cs_addr *out) {
  memset(out, 0, sizeof(*out));
  out->transport = transport;
  if (transport == CS_TCP4) {
    struct sockaddr_in in;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memcpy(&out->storage, &in, sizeof(in));
    out->length = (int)sizeof(in);
  } else if (transport == CS_TCP6) {
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
    memcpy(&out->storage, &in6, sizeof(in6));
    out->length = (int)sizeof(in6);
  } else {
    cs_unix_address(out);
  }
}

/* ---- sockets ---- */

cs_result cs_p_open(int transport, cs_handle *out) {
  int fd;
  cs_result r;
  cs_poison();
  fd = socket(cs_family(transport), SOCK_STREAM | SOCK_CLOEXEC, 0);
  r = cs_capture(fd == -1 ? -1 : 0, fd == -1);
  if (fd != -1) *out = fd;
  return r;
}

cs_result cs_p_close(cs_handle h) {
  int ret;
  cs_poison();
  ret = close(h);
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_shutdown(cs_handle h, int how) {
  int ret;
  cs_poison();
  ret = shutdown(h, how); /* 0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR on every POSIX system */
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_send(cs_handle h, const void *data, size_t size) {
  ssize_t ret;
  cs_poison();
  ret = send(h, data, size, MSG_NOSIGNAL);
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_recv(cs_handle h, void *data, size_t size) {
  ssize_t ret;
  cs_poison();
  ret = recv(h, data, size, 0);
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_set_linger(cs_handle h, int on, int seconds) {
  struct linger value;
  int ret;
  value.l_onoff = on ? 1 : 0;
  value.l_linger = seconds;
  cs_poison();
  ret = setsockopt(h, SOL_SOCKET, SO_LINGER, &value, sizeof(value));
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_set_nonblocking(cs_handle h, int on) {
  int flags, ret;
  cs_poison();
  flags = fcntl(h, F_GETFL);
  if (flags == -1) return cs_capture(-1, 1);
  cs_poison();
  ret = fcntl(h, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_set_io_timeout(cs_handle h, int ms) {
  struct timeval value;
  int ret;
  value.tv_sec = ms / 1000;
  value.tv_usec = (ms % 1000) * 1000;
  cs_poison();
  ret = setsockopt(h, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof(value));
  if (ret == -1) return cs_capture(ret, 1);
  cs_poison();
  ret = setsockopt(h, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof(value));
  return cs_capture(ret, ret == -1);
}

/* A bounded poll() of one handle, resumed after EINTR with the time left. */
static CS_UNUSED cs_result cs_poll_one(cs_handle h, short wanted, int ms, short *revents) {
  const long long deadline = cs_p_now_ms() + (ms > 0 ? ms : 0);
  struct pollfd entry;
  for (;;) {
    long long left = deadline - cs_p_now_ms();
    int ret;
    if (left < 0) left = 0;
    entry.fd = h;
    entry.events = wanted;
    entry.revents = 0;
    cs_poison();
    ret = poll(&entry, 1, (int)left);
    if (ret == -1 && errno == EINTR && left > 0) continue;
    *revents = entry.revents;
    return cs_capture(ret, ret == -1);
  }
}

cs_result cs_p_wait(cs_handle h, int what, int ms) {
  short revents = 0;
#ifdef POLLRDHUP
  /* Linux reports a peer's FIN as POLLRDHUP, not POLLHUP. */
  const short hangup = POLLRDHUP;
#else
  const short hangup = POLLHUP;
#endif
  return cs_poll_one(h, what == CS_READABLE ? POLLIN : what == CS_WRITABLE ? POLLOUT : hangup, ms, &revents);
}

cs_result cs_p_bytes_pending(cs_handle h) {
  int count = 0, ret;
  cs_result r;
  cs_poison();
  ret = ioctl(h, FIONREAD, &count);
  r = cs_capture(ret, ret == -1);
  if (ret == 0) r.ret = count;
  return r;
}

cs_result cs_p_so_error(cs_handle h, int *so_error) {
  int value = CS_ERRNO_SENTINEL, ret;
  socklen_t length = sizeof(value);
  cs_result r;
  cs_poison();
  ret = getsockopt(h, SOL_SOCKET, SO_ERROR, &value, &length);
  r = cs_capture(ret, ret == -1);
  if (ret == 0) *so_error = value;
  return r;
}

int cs_p_accepts_connections(cs_handle h) {
  int value = 0;
  socklen_t length = sizeof(value);
  return getsockopt(h, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0 ? value != 0 : -1;
}

cs_result cs_p_bind_loopback(cs_handle h, int transport) {
  cs_addr at;
  int ret;
  if (transport == CS_TCP6) {
    const int one = 1;
    cs_poison();
    ret = setsockopt(h, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (ret == -1) return cs_capture(ret, 1);
  }
  cs_loopback(transport, &at);
  cs_poison();
  ret = bind(h, (const struct sockaddr *)&at.storage, (socklen_t)at.length);
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_listen(cs_handle h, int backlog) {
  int ret;
  cs_poison();
  ret = listen(h, backlog);
  return cs_capture(ret, ret == -1);
}

cs_result cs_p_connect(cs_handle h, const cs_addr *to) {
  int ret;
  if (to == NULL || to->length <= 0) return cs_refuse(EINVAL);
  cs_poison();
  ret = connect(h, (const struct sockaddr *)&to->storage, (socklen_t)to->length);
  return cs_capture(ret, ret == -1);
}

static CS_UNUSED int cs_accept_raw(int h) {
#if defined(__linux__)
  return accept4(h, NULL, NULL, SOCK_CLOEXEC);
#else
  return accept(h, NULL, NULL);
#endif
}

cs_result cs_p_accept(cs_handle h, cs_handle *out) {
  int fd;
  cs_result r;
  cs_poison();
  fd = cs_accept_raw(h);
  r = cs_capture(fd == -1 ? -1 : 0, fd == -1);
  if (fd != -1) *out = fd;
  return r;
}

cs_result cs_p_name(cs_handle h, int peer, cs_addr *out) {
  socklen_t length = sizeof(out->storage);
  int ret;
  cs_result r;
  memset(out, 0, sizeof(*out));
  cs_poison();
  ret = peer ? getpeername(h, (struct sockaddr *)&out->storage, &length)
             : getsockname(h, (struct sockaddr *)&out->storage, &length);
  r = cs_capture(ret, ret == -1);
  if (ret == 0) {
    out->length = (int)length;
    out->transport = out->storage.ss_family == AF_INET6 ? CS_TCP6 : out->storage.ss_family == AF_UNIX ? CS_UNIX : CS_TCP4;
  }
  return r;
}

cs_result cs_p_dup(cs_handle h, cs_handle *out) {
  int fd;
  cs_result r;
  cs_poison();
  fd = fcntl(h, F_DUPFD_CLOEXEC, 0);
  r = cs_capture(fd == -1 ? -1 : 0, fd == -1);
  if (fd != -1) *out = fd;
  return r;
}

int cs_p_handle_in_use(cs_handle h) { return h >= 0 && fcntl(h, F_GETFD) != -1; }

/* ---- pairs: one listener per transport for the program (bound to port 0, or a fresh
 * AF_UNIX address), a non-blocking connect with a bounded wait, the accept of that very
 * connection ---- */

static CS_UNUSED void cs_result_note(char *note, size_t size, const char *step, cs_result r) {
  const char *name = cs_p_error_name(r.native);
  snprintf(note, size, "%s: %s (%s %d)", step, r.errc, name ? name : "errno", r.native);
}

cs_result cs_p_pair(int transport, int reversed, cs_handle *first, cs_handle *second, char *note, size_t size) {
  static int listeners[3] = {-1, -1, -1};
  static cs_addr listening[3];
  static int available[3];
  const int timeout = cs_scaled(5000); /* each step of the pair is bounded */
  cs_handle client = -1, server = -1;
  cs_addr client_address;
  cs_result r;
  int tries;
  if (transport < 0 || transport > 2) return cs_refuse(EINVAL);
  if (!available[transport]) {
    /* Whether this host has the transport: a socket, and for tcp6 a bind to [::1]:0. */
    cs_handle probe = -1;
    r = cs_p_open(transport, &probe);
    if (strcmp(r.errc, "ok") != 0) {
      char step[64];
      snprintf(step, sizeof(step), "socket(%s) failed", transport == CS_TCP6 ? "tcp6" : transport == CS_UNIX ? "unix" : "tcp4");
      cs_result_note(note, size, step, r);
      return r;
    }
    if (transport == CS_TCP6) r = cs_p_bind_loopback(probe, transport);
    close(probe);
    if (strcmp(r.errc, "ok") != 0) {
      cs_result_note(note, size, "no IPv6 loopback: bind [::1]:0 failed", r);
      return r;
    }
    available[transport] = 1;
  }
  if (listeners[transport] == -1) {
    cs_handle l = -1;
    r = cs_p_open(transport, &l);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_bind_loopback(l, transport);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_listen(l, 128);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_name(l, 0, &listening[transport]);
    if (strcmp(r.errc, "ok") != 0) {
      if (l != -1) close(l);
      cs_result_note(note, size, "the pair's listener", r);
      return r;
    }
    listeners[transport] = l;
  }
  r = cs_p_open(transport, &client);
  if (strcmp(r.errc, "ok") != 0) {
    cs_result_note(note, size, "socket", r);
    return r;
  }
  cs_p_set_nonblocking(client, 1);
  r = cs_p_connect(client, &listening[transport]);
  if (strcmp(r.errc, "in_progress") == 0 || strcmp(r.errc, "would_block") == 0) {
    int so_error = 0;
    r = cs_p_wait(client, CS_WRITABLE, timeout);
    if (strcmp(r.errc, "ok") == 0 && r.ret != 1) {
      snprintf(note, size, "connect did not complete within %d ms", timeout);
      close(client);
      return cs_refuse(ETIMEDOUT);
    }
    if (strcmp(r.errc, "ok") == 0) r = cs_p_so_error(client, &so_error);
    if (strcmp(r.errc, "ok") == 0 && so_error != 0) r = cs_refuse(so_error);
  }
  if (strcmp(r.errc, "ok") != 0) {
    cs_result_note(note, size, "connect to the pair's listener", r);
    close(client);
    return r;
  }
  cs_p_set_nonblocking(client, 0);
  cs_p_name(client, 0, &client_address);
  /* Accept the connection just made; anything else in the queue is not ours. */
  for (tries = 0; tries < 16 && server == -1; ++tries) {
    cs_handle candidate = -1;
    cs_addr peer;
    r = cs_p_wait(listeners[transport], CS_READABLE, timeout);
    if (strcmp(r.errc, "ok") == 0 && r.ret != 1) r = cs_refuse(ETIMEDOUT);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_accept(listeners[transport], &candidate);
    if (strcmp(r.errc, "ok") != 0) {
      cs_result_note(note, size, "accept", r);
      close(client);
      return r;
    }
    cs_p_name(candidate, 1, &peer);
    if (transport == CS_UNIX ||
        (peer.length == client_address.length && memcmp(&peer.storage, &client_address.storage, (size_t)peer.length) == 0))
      server = candidate;
    else
      close(candidate);
  }
  if (server == -1) {
    snprintf(note, size, "accept: our connection never came out of the queue");
    close(client);
    return cs_refuse(ETIMEDOUT);
  }
  *first = reversed ? server : client;
  *second = reversed ? client : server;
  return cs_ok();
}

/* ---- notifications ---- */

cs_result cs_p_poll(cs_handle h, int ms, unsigned *events) {
  short got = 0;
  short wanted = POLLIN | POLLOUT;
  cs_result r;
#ifdef POLLRDHUP
  wanted |= POLLRDHUP;
#endif
  r = cs_poll_one(h, wanted, ms, &got);
  *events = 0;
  if (got & POLLIN) *events |= CS_EV_IN;
  if (got & POLLOUT) *events |= CS_EV_OUT;
  if (got & POLLHUP) *events |= CS_EV_HUP;
#ifdef POLLRDHUP
  if (got & POLLRDHUP) *events |= CS_EV_RDHUP;
#endif
  if (got & POLLERR) *events |= CS_EV_ERR;
  if (got & POLLNVAL) *events |= CS_EV_NVAL;
  return r;
}

cs_result cs_p_select(cs_handle h, int ms, unsigned *events) {
  const long long deadline = cs_p_now_ms() + (ms > 0 ? ms : 0);
  *events = 0;
  /* FD_SET outside [0, FD_SETSIZE) writes outside the set: refused without a call. -1
   * (the invalid handle): EBADF, what select answers for a descriptor that is not open. */
  if (h < 0) return cs_refuse(EBADF);
  if (h >= FD_SETSIZE) return cs_refuse(EINVAL);
  for (;;) {
    fd_set read_set, write_set, except_set;
    struct timeval bound;
    long long left = deadline - cs_p_now_ms();
    int ret;
    cs_result r;
    if (left < 0) left = 0;
    FD_ZERO(&read_set);
    FD_ZERO(&write_set);
    FD_ZERO(&except_set);
    FD_SET(h, &read_set);
    FD_SET(h, &write_set);
    FD_SET(h, &except_set);
    bound.tv_sec = (time_t)(left / 1000);
    bound.tv_usec = (suseconds_t)((left % 1000) * 1000);
    cs_poison();
    ret = select(h + 1, &read_set, &write_set, &except_set, &bound);
    if (ret == -1 && errno == EINTR && cs_p_now_ms() < deadline) continue;
    r = cs_capture(ret, ret == -1);
    if (ret > 0) {
      if (FD_ISSET(h, &read_set)) *events |= CS_EV_IN;
      if (FD_ISSET(h, &write_set)) *events |= CS_EV_OUT;
      if (FD_ISSET(h, &except_set)) *events |= CS_EV_ERR;
      r.ret = 1; /* select counts each set; the contract is poll's: 1 when any came */
    }
    return r;
  }
}

/* One epoll instance with one socket in it (in|out|rdhup, EPOLLET for edge). It refers to
 * the socket's open file: once its last descriptor closes the registration is dropped
 * and a wait times out with {}. */
struct cs_notifier {
  int fd;
};

cs_result cs_p_notifier_open(int kind, cs_handle h, cs_notifier **out) {
  *out = NULL;
#if defined(__linux__)
  if (kind == CS_EPOLL_LEVEL || kind == CS_EPOLL_EDGE) {
    struct epoll_event wanted;
    int fd, ret;
    cs_result r;
    cs_poison();
    fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd == -1) return cs_capture(-1, 1);
    if (fd == h && h >= 0) {
      /* `h` was closed and the instance took its number: moved above it, so that the
       * call is asked about `h` as it was (closed: EBADF), not about itself. */
      const int moved = fcntl(fd, F_DUPFD_CLOEXEC, h + 1);
      close(fd);
      if (moved == -1) return cs_capture(-1, 1);
      fd = moved;
    }
    memset(&wanted, 0, sizeof(wanted));
    wanted.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | (kind == CS_EPOLL_EDGE ? EPOLLET : 0u);
    wanted.data.fd = h;
    cs_poison();
    ret = epoll_ctl(fd, EPOLL_CTL_ADD, h, &wanted);
    r = cs_capture(ret, ret == -1);
    if (ret == -1) {
      close(fd);
      return r;
    }
    *out = (cs_notifier *)malloc(sizeof(cs_notifier));
    if (*out == NULL) {
      close(fd);
      return cs_refuse(ENOMEM);
    }
    (*out)->fd = fd;
    return r;
  }
#endif
  (void)kind;
  (void)h;
  return cs_unsupported(); /* epoll is Linux's; WSAEventSelect Winsock's */
}

cs_result cs_p_notifier_wait(cs_notifier *n, int ms, unsigned *events, const char **close_error) {
  *events = 0;
  *close_error = "ok";
#if defined(__linux__)
  {
    const long long deadline = cs_p_now_ms() + (ms > 0 ? ms : 0);
    for (;;) {
      struct epoll_event got[2];
      long long left = deadline - cs_p_now_ms();
      int ret, i;
      cs_result r;
      if (left < 0) left = 0;
      memset(got, 0, sizeof(got));
      cs_poison();
      ret = epoll_wait(n->fd, got, 2, (int)left);
      if (ret == -1 && errno == EINTR && cs_p_now_ms() < deadline) continue;
      r = cs_capture(ret, ret == -1);
      for (i = 0; i < ret; ++i) {
        const unsigned bits = got[i].events;
        if (bits & EPOLLIN) *events |= CS_EV_IN;
        if (bits & EPOLLOUT) *events |= CS_EV_OUT;
        if (bits & EPOLLHUP) *events |= CS_EV_HUP;
        if (bits & EPOLLRDHUP) *events |= CS_EV_RDHUP;
        if (bits & EPOLLERR) *events |= CS_EV_ERR;
      }
      if (ret > 0) r.ret = 1;
      return r;
    }
  }
#else
  (void)n;
  (void)ms;
  return cs_unsupported();
#endif
}

void cs_p_notifier_close(cs_notifier *n) {
  if (n == NULL) return;
  close(n->fd);
  free(n);
}

/* ---- pending calls ---- */

#include <stdatomic.h>

struct cs_call {
  int mechanism, call;
  cs_handle handle;
  cs_addr to;
  unsigned char *buffer; /* recv: what it read; send: what it sends (a copy) */
  size_t size;
  pthread_mutex_t mutex; /* thread: guards done, completions, result, accepted */
  pthread_cond_t changed;
  int done, completions;
  cs_result result;
  cs_handle accepted;    /* accept: the new socket, until taken */
  /* thread */
  pthread_t thread;
  int has_thread, joined, settled;
  atomic_long tid;       /* the worker's kernel thread id, once it runs the call */
#if defined(CS_USE_URING)
  struct io_uring *ring;
  int pooled;            /* a pool ring (parked again when quiet), not the call's own */
  unsigned long long generation; /* this use's, in every user_data */
  int cancel_answered, cancels_unanswered;
  cs_result cancel_result;
  int reaped;
#endif
};

static CS_UNUSED sigset_t cs_cancel_set(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, cs_cancel_signal());
  return set;
}

/* A deadline `ms` from now on CLOCK_MONOTONIC (the condition variable's clock). */
static CS_UNUSED struct timespec cs_deadline(int ms) {
  struct timespec at;
  clock_gettime(CLOCK_MONOTONIC, &at);
  at.tv_sec += ms / 1000;
  at.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (at.tv_nsec >= 1000000000L) {
    at.tv_sec += 1;
    at.tv_nsec -= 1000000000L;
  }
  return at;
}

static CS_UNUSED int cs_thread_done(cs_call *c) {
  int done;
  pthread_mutex_lock(&c->mutex);
  done = c->done;
  pthread_mutex_unlock(&c->mutex);
  return done;
}

/* The worker: the cancel signal is unblocked around the call only, after late signals of
 * nothing were drained; the call is the same as a direct one. */
static void *cs_worker(void *argument) {
  cs_call *c = (cs_call *)argument;
  const sigset_t set = cs_cancel_set();
  const struct timespec zero = {0, 0};
  cs_handle accepted = CS_INVALID_HANDLE;
  cs_result out;
  while (sigtimedwait(&set, NULL, &zero) > 0) {
  }
  atomic_store(&c->tid, (long)syscall(SYS_gettid));
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
  switch (c->call) {
    case CS_RECV: out = cs_p_recv(c->handle, c->buffer, c->size); break;
    case CS_SEND: out = cs_p_send(c->handle, c->buffer, c->size); break;
    case CS_ACCEPT: out = cs_p_accept(c->handle, &accepted); break;
    default: out = cs_p_connect(c->handle, &c->to); break;
  }
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  pthread_mutex_lock(&c->mutex);
  c->result = out;
  c->accepted = accepted;
  c->done = 1;
  ++c->completions;
  pthread_cond_broadcast(&c->changed);
  pthread_mutex_unlock(&c->mutex);
  return NULL;
}

/* The system calls the worker's call enters (glibc: recv is recvfrom, send is sendto,
 * accept is accept4). */
static CS_UNUSED int cs_syscall_matches(int call, long number) {
  switch (call) {
    case CS_RECV:
#ifdef SYS_recvfrom
      if (number == SYS_recvfrom) return 1;
#endif
#ifdef SYS_recv
      if (number == SYS_recv) return 1;
#endif
      break;
    case CS_SEND:
#ifdef SYS_sendto
      if (number == SYS_sendto) return 1;
#endif
#ifdef SYS_send
      if (number == SYS_send) return 1;
#endif
      break;
    case CS_ACCEPT:
#ifdef SYS_accept4
      if (number == SYS_accept4) return 1;
#endif
#ifdef SYS_accept
      if (number == SYS_accept) return 1;
#endif
      break;
    default:
#ifdef SYS_connect
      if (number == SYS_connect) return 1;
#endif
      break;
  }
#ifdef SYS_socketcall
  if (number == SYS_socketcall) return 1; /* 32-bit x86: every socket call goes through it */
#endif
  return 0;
}

/* Returns once the worker sleeps inside its call (/proc/self/task/TID/syscall names the
 * system call a blocked task is in; "running" while it runs), or completed, or the
 * patience ran out: a start is never a guess. */
static CS_UNUSED void cs_wait_until_blocked(cs_call *c) {
  const long long deadline = cs_p_now_ms() + cs_scaled(2000);
  int file = -1, round = 0;
  while (cs_p_now_ms() < deadline && !cs_thread_done(c)) {
    const long tid = atomic_load(&c->tid);
    if (tid != 0) {
      char text[64];
      ssize_t got;
      if (file == -1) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", tid);
        file = open(path, O_RDONLY | O_CLOEXEC);
        if (file == -1) {
          /* No /proc here: a short grace instead, then the call counts as started. */
          cs_p_call_wait(c, cs_scaled(20));
          return;
        }
      }
      memset(text, 0, sizeof(text));
      got = pread(file, text, sizeof(text) - 1, 0);
      if (got > 0 && text[0] >= '0' && text[0] <= '9' && cs_syscall_matches(c->call, strtol(text, NULL, 10))) break;
    }
    if (++round < 50) {
      sched_yield();
    } else {
      const struct timespec pause = {0, 200000L};
      nanosleep(&pause, NULL);
    }
  }
  if (file != -1) close(file);
}

static CS_UNUSED cs_call *cs_call_new(int mechanism, int call, cs_handle h, const void *data, size_t size,
                                      const cs_addr *to) {
  cs_call *c = (cs_call *)calloc(1, sizeof(cs_call));
  pthread_condattr_t attributes;
  if (c == NULL) return NULL;
  c->mechanism = mechanism;
  c->call = call;
  c->handle = h;
  c->accepted = CS_INVALID_HANDLE;
  if (to != NULL) c->to = *to;
  c->size = call == CS_RECV || call == CS_SEND ? size : 0;
  c->buffer = (unsigned char *)calloc(c->size > 0 ? c->size : 1, 1);
  if (c->buffer == NULL) {
    free(c);
    return NULL;
  }
  if (call == CS_SEND && size > 0) memcpy(c->buffer, data, size);
  pthread_mutex_init(&c->mutex, NULL);
  pthread_condattr_init(&attributes);
  pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
  pthread_cond_init(&c->changed, &attributes);
  pthread_condattr_destroy(&attributes);
  atomic_init(&c->tid, 0);
  return c;
}

static CS_UNUSED void cs_call_delete(cs_call *c) {
  pthread_mutex_destroy(&c->mutex);
  pthread_cond_destroy(&c->changed);
  free(c->buffer);
  free(c);
}

static CS_UNUSED cs_result cs_start_thread(cs_call *c) {
  const sigset_t set = cs_cancel_set();
  sigset_t previous;
  int rc;
  /* The worker starts with the cancel signal blocked (inherited) until it unblocks it. */
  pthread_sigmask(SIG_BLOCK, &set, &previous);
  rc = pthread_create(&c->thread, NULL, cs_worker, c);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (rc != 0) return cs_refuse(rc);
  c->has_thread = 1;
  cs_wait_until_blocked(c);
  return cs_ok();
}

/* ---- io_uring: a ring per call in flight (every completion is its call's own), from a
 * pool of rings made with the availability probe and parked again when quiet ---- */

#if defined(CS_USE_URING)

#define CS_RING_POOL 4
#define CS_RING_ENTRIES 4

static struct io_uring *cs_parked[CS_RING_POOL];
static int cs_parked_count;
static unsigned long long cs_generation;

static CS_UNUSED unsigned long long cs_tag(const cs_call *c, unsigned long long which) {
  return (c->generation << 1) | which; /* 0: the call's request, 1: a cancel aimed at it */
}

/* Whether the kernel gives this program a ring with the four calls and the cancel, asked
 * once (a sandbox, io_uring_disabled or an old kernel may refuse); 0 with `why` if not. */
static CS_UNUSED int cs_uring_probe(char *why, size_t size) {
  static int asked, ok;
  static char why_not[256];
  if (!asked) {
    struct io_uring *ring = (struct io_uring *)calloc(1, sizeof(struct io_uring));
    const int rc = ring != NULL ? io_uring_queue_init(CS_RING_ENTRIES, ring, 0) : -ENOMEM;
    asked = 1;
    if (rc < 0) {
      const char *name = cs_p_error_name(-rc);
      snprintf(why_not, sizeof(why_not), "io_uring_queue_init failed: the kernel answered %s(%d)", name ? name : "errno",
               -rc);
      free(ring);
    } else {
      struct io_uring_probe *ops = io_uring_get_probe_ring(ring);
      static const struct { int op; const char *name; } needed[] = {
          {IORING_OP_RECV, "IORING_OP_RECV"},       {IORING_OP_SEND, "IORING_OP_SEND"},
          {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},   {IORING_OP_CONNECT, "IORING_OP_CONNECT"},
          {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"}};
      size_t i;
      if (ops == NULL) {
        snprintf(why_not, sizeof(why_not), "io_uring_register(IORING_REGISTER_PROBE) failed: this kernel cannot list "
                 "its io_uring ops");
      } else {
        ok = 1;
        for (i = 0; i < sizeof(needed) / sizeof(needed[0]) && ok; ++i)
          if (!io_uring_opcode_supported(ops, needed[i].op)) {
            ok = 0;
            snprintf(why_not, sizeof(why_not), "this kernel's io_uring has no %s", needed[i].name);
          }
        io_uring_free_probe(ops);
      }
      if (!ok) {
        io_uring_queue_exit(ring);
        free(ring);
      } else {
        cs_parked[cs_parked_count++] = ring;
        while (cs_parked_count < CS_RING_POOL) {
          struct io_uring *more = (struct io_uring *)calloc(1, sizeof(struct io_uring));
          if (more == NULL || io_uring_queue_init(CS_RING_ENTRIES, more, 0) < 0) {
            free(more);
            break; /* fewer pool rings; calls set up their own */
          }
          cs_parked[cs_parked_count++] = more;
        }
      }
    }
  }
  if (!ok) snprintf(why, size, "%s", why_not);
  return ok;
}

/* A ring for a call whose request names `handle`: a parked one, else one of its own;
 * never a ring whose descriptor is `handle` itself (the handle was closed and the ring
 * took its number: the request would name the ring, ENOTSOCK, not the closed handle). */
static CS_UNUSED cs_result cs_take_ring(cs_call *c) {
  struct io_uring *ring;
  int i, rc;
  c->generation = ++cs_generation;
  for (i = 0; i < cs_parked_count; ++i)
    if (cs_parked[i]->ring_fd != c->handle) {
      c->ring = cs_parked[i];
      c->pooled = 1;
      cs_parked[i] = cs_parked[--cs_parked_count];
      return cs_ok();
    }
  ring = (struct io_uring *)calloc(1, sizeof(struct io_uring));
  if (ring == NULL) return cs_refuse(ENOMEM);
  rc = io_uring_queue_init(CS_RING_ENTRIES, ring, 0);
  if (rc == 0 && ring->ring_fd == c->handle) {
    struct io_uring *other = (struct io_uring *)calloc(1, sizeof(struct io_uring));
    rc = other != NULL ? io_uring_queue_init(CS_RING_ENTRIES, other, 0) : -ENOMEM;
    io_uring_queue_exit(ring);
    free(ring);
    ring = other;
  }
  if (rc < 0) {
    free(ring);
    return cs_refuse(-rc);
  }
  c->ring = ring;
  c->pooled = 0;
  return cs_ok();
}

/* A ring's use ends once it is quiet: a pool ring is parked again, a call's own torn down. */
static CS_UNUSED void cs_give_back_ring(cs_call *c) {
  if (c->ring == NULL) return;
  if (c->pooled && c->done && c->cancels_unanswered == 0 && cs_parked_count < CS_RING_POOL) {
    cs_parked[cs_parked_count++] = c->ring;
  } else {
    io_uring_queue_exit(c->ring); /* a cancel still in flight dies with the ring */
    free(c->ring);
  }
  c->ring = NULL;
}

static CS_UNUSED void cs_uring_take(cs_call *c, const struct io_uring_cqe *cqe) {
  const int res = cqe->res;
  cs_result outcome = res < 0 ? cs_refuse(-res) : cs_ok();
  if (res >= 0) outcome.ret = res;
  if (cqe->user_data == cs_tag(c, 1)) {
    c->cancel_answered = 1;
    c->cancel_result = outcome;
    if (c->cancels_unanswered > 0) --c->cancels_unanswered;
    return;
  }
  if (cqe->user_data != cs_tag(c, 0)) return; /* not this use's: never taken for it */
  ++c->completions;
  if (c->done) return; /* a second completion: counted (a platform fault), not taken */
  c->done = 1;
  if (res >= 0 && c->call == CS_ACCEPT) {
    c->accepted = res;
    outcome.ret = 0;
  }
  c->result = outcome;
}

static CS_UNUSED void cs_uring_drain(cs_call *c) {
  struct io_uring_cqe *cqe = NULL;
  while (io_uring_peek_cqe(c->ring, &cqe) == 0 && cqe != NULL) {
    cs_uring_take(c, cqe);
    io_uring_cqe_seen(c->ring, cqe);
    cqe = NULL;
  }
}

/* Reads completions until done (what 0), the cancel answered and done (1) or every
 * cancel answered (2), or the deadline passes (at least one look). */
static CS_UNUSED int cs_uring_enough(const cs_call *c, int what) {
  return what == 0 ? c->done : what == 1 ? c->cancel_answered && c->done : c->cancels_unanswered == 0;
}

static CS_UNUSED void cs_uring_pump(cs_call *c, long long deadline, int what) {
  for (;;) {
    struct io_uring_cqe *cqe = NULL;
    long long left;
    struct __kernel_timespec bound;
    int rc;
    cs_uring_drain(c);
    if (cs_uring_enough(c, what)) return;
    left = deadline - cs_p_now_ms();
    if (left <= 0) {
      /* Only a look: enter the kernel without a timer, so that completions whose task
       * work is still queued on this thread are posted. */
      io_uring_get_events(c->ring);
      cs_uring_drain(c);
      return;
    }
    bound.tv_sec = left / 1000;
    bound.tv_nsec = (left % 1000) * 1000000LL;
    rc = io_uring_wait_cqe_timeout(c->ring, &cqe, &bound);
    if (rc == 0 && cqe != NULL) {
      cs_uring_take(c, cqe);
      io_uring_cqe_seen(c->ring, cqe);
      continue;
    }
    if (rc == -EINTR) continue;
    if (cs_p_now_ms() >= deadline || rc != -ETIME) {
      cs_uring_drain(c);
      return;
    }
  }
}

static CS_UNUSED cs_result cs_uring_submit_cancel(cs_call *c) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(c->ring);
  int rc;
  if (sqe == NULL) return cs_refuse(EBUSY);
  io_uring_prep_cancel64(sqe, cs_tag(c, 0), 0);
  io_uring_sqe_set_data64(sqe, cs_tag(c, 1));
  c->cancel_answered = 0;
  rc = io_uring_submit(c->ring);
  if (rc < 0) return cs_refuse(-rc);
  ++c->cancels_unanswered;
  return cs_ok();
}

static CS_UNUSED cs_result cs_start_uring(cs_call *c) {
  struct io_uring_sqe *sqe;
  cs_result took;
  int submitted;
  if (c->call == CS_CONNECT && c->to.length <= 0) return cs_refuse(EINVAL);
  took = cs_take_ring(c);
  if (strcmp(took.errc, "ok") != 0) return took;
  sqe = io_uring_get_sqe(c->ring); /* a quiet ring: its queue is empty */
  switch (c->call) {
    case CS_RECV: io_uring_prep_recv(sqe, c->handle, c->buffer, c->size, 0); break;
    case CS_SEND: io_uring_prep_send(sqe, c->handle, c->buffer, c->size, MSG_NOSIGNAL); break;
    case CS_ACCEPT: io_uring_prep_accept(sqe, c->handle, NULL, NULL, SOCK_CLOEXEC); break;
    default:
      io_uring_prep_connect(sqe, c->handle, (const struct sockaddr *)&c->to.storage, (socklen_t)c->to.length);
      break;
  }
  io_uring_sqe_set_data64(sqe, cs_tag(c, 0));
  submitted = io_uring_submit(c->ring);
  if (submitted < 0) {
    c->pooled = 0; /* not taken by the kernel: torn down, not reused with an SQE queued */
    cs_give_back_ring(c);
    return cs_refuse(-submitted);
  }
  return cs_ok();
}

#endif /* CS_USE_URING */

cs_result cs_p_call_start(int mechanism, int call, cs_handle h, int transport, const void *data, size_t size,
                          const cs_addr *to, cs_call **out, char *why, size_t why_size) {
  cs_call *c;
  cs_result r;
  (void)transport;
  *out = NULL;
  if (mechanism == CS_OVERLAPPED || mechanism == CS_IOCP) {
    snprintf(why, why_size, "Winsock only: %s is Windows' overlapped I/O", mechanism == CS_IOCP ? "iocp" : "overlapped");
    return cs_unsupported();
  }
  if (mechanism == CS_URING) {
#if defined(CS_USE_URING)
    if (!cs_uring_probe(why, why_size)) return cs_unsupported();
#else
    snprintf(why, why_size, "built without io_uring");
    return cs_unsupported();
#endif
  }
  c = cs_call_new(mechanism, call, h, data, size, to);
  if (c == NULL) return cs_refuse(ENOMEM);
#if defined(CS_USE_URING)
  if (mechanism == CS_URING)
    r = cs_start_uring(c);
  else
#endif
    r = cs_start_thread(c);
  if (strcmp(r.errc, "ok") != 0) {
    cs_call_delete(c);
    return r;
  }
  *out = c;
  return r;
}

int cs_p_call_wait(cs_call *c, int ms) {
#if defined(CS_USE_URING)
  if (c->mechanism == CS_URING) {
    if (c->ring != NULL) cs_uring_pump(c, cs_p_now_ms() + (ms > 0 ? ms : 0), 0);
    return c->done;
  }
#endif
  {
    int done;
    pthread_mutex_lock(&c->mutex);
    if (ms > 0) {
      const struct timespec deadline = cs_deadline(ms);
      while (!c->done && pthread_cond_timedwait(&c->changed, &c->mutex, &deadline) == 0) {
      }
    }
    done = c->done;
    pthread_mutex_unlock(&c->mutex);
    return done;
  }
}

cs_result cs_p_call_result(const cs_call *c) { return c->result; }

const unsigned char *cs_p_call_received(const cs_call *c) { return c->buffer; }

cs_handle cs_p_call_take_accepted(cs_call *c) {
  const cs_handle h = c->accepted;
  c->accepted = CS_INVALID_HANDLE;
  return h;
}

int cs_p_call_completions(const cs_call *c) { return c->completions; }

cs_result cs_p_call_cancel(cs_call *c) {
#if defined(CS_USE_URING)
  if (c->mechanism == CS_URING) {
    cs_result submitted;
    if (c->ring == NULL) return cs_refuse(ENOENT); /* reaped: nothing left to cancel */
    submitted = cs_uring_submit_cancel(c);
    if (strcmp(submitted.errc, "ok") != 0) return submitted;
    /* Bounded: the cancel's own completion, and the call's (ECANCELED when the cancel
     * found it; its real outcome when it had completed or could not be stopped). */
    cs_uring_pump(c, cs_p_now_ms() + cs_scaled(2000), 1);
    if (!c->cancel_answered) return cs_refuse(ETIMEDOUT);
    return c->cancel_result;
  }
#endif
  {
    /* Under the lock the worker cannot finish: while `done` is false it is still in (or
     * about to enter) this call, so the signal reaches this call and no other. */
    cs_result r = cs_ok();
    int rc;
    pthread_mutex_lock(&c->mutex);
    if (c->done) {
      r = cs_refuse(ENOENT); /* it completed: ENOENT, io_uring's answer for nothing found */
    } else {
      rc = pthread_kill(c->thread, cs_cancel_signal());
      if (rc != 0) r = cs_refuse(rc);
    }
    pthread_mutex_unlock(&c->mutex);
    return r;
  }
}

int cs_p_call_reap(cs_call *c, int ms) {
  const long long deadline = cs_p_now_ms() + (ms > 0 ? ms : 0);
#if defined(CS_USE_URING)
  if (c->mechanism == CS_URING) {
    if (c->reaped) return 1;
    if (c->ring == NULL) return c->done;
    cs_uring_pump(c, cs_p_now_ms(), 0);
    if (!c->done && strcmp(cs_uring_submit_cancel(c).errc, "ok") == 0) cs_uring_pump(c, deadline, 0);
    if (!c->done) return 0; /* left behind with its ring and buffers: the kernel may still write */
    if (c->cancels_unanswered > 0) {
      const long long later = cs_p_now_ms() + cs_scaled(100);
      cs_uring_pump(c, deadline > later ? deadline : later, 2);
    }
    cs_give_back_ring(c);
    c->reaped = 1;
    return 1;
  }
#endif
  {
    int slice = 5;
    if (c->settled) return cs_thread_done(c);
    /* The signal again and again: one that came before the worker entered its call
     * interrupted nothing. */
    while (!cs_thread_done(c)) {
      long long left;
      cs_p_call_cancel(c);
      left = deadline - cs_p_now_ms();
      if (left <= 0) break;
      cs_p_call_wait(c, (int)(left < slice ? left : slice));
      slice = slice * 2 < 200 ? slice * 2 : 200;
    }
    c->settled = 1;
    if (cs_thread_done(c)) {
      if (c->has_thread && !c->joined) pthread_join(c->thread, NULL);
      c->joined = 1;
      return 1;
    }
    if (c->has_thread) pthread_detach(c->thread); /* left to the process, with what it touches */
    c->joined = 1;
    return 0;
  }
}

void cs_p_call_free(cs_call *c) {
  if (c == NULL) return;
#if defined(CS_USE_URING)
  if (c->mechanism == CS_URING && c->ring != NULL) {
    if (!c->done) return; /* never freed under the kernel */
    cs_give_back_ring(c);
  }
#endif
  if (c->mechanism != CS_URING) {
    if (!cs_thread_done(c)) return; /* never freed under its worker */
    if (c->has_thread && !c->joined) pthread_join(c->thread, NULL);
  }
  if (c->accepted != CS_INVALID_HANDLE) close(c->accepted); /* never collected */
  cs_call_delete(c);
}
