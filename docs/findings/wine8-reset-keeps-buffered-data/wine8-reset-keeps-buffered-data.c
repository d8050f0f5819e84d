/* wine8-reset-keeps-buffered-data.ops: exported by `closesem ops export --c` from the op script below.
 * A standalone reproducer: it needs nothing of closesem. It runs the script's ops on this
 * machine's loopback sockets, one at a time, with bounded waits, prints each op with its
 * observed outcome (return value, native error name and number) and what was expected,
 * and stops at the first deviation.
 *
 * Expected outcomes: the script's `->`, and the closesem model profile "winsock"
 * (built for Windows only).
 *
 * Build and run:
 *   Linux:   cc -std=c11 -O1 -pthread wine8-reset-keeps-buffered-data.c -o wine8-reset-keeps-buffered-data && ./wine8-reset-keeps-buffered-data
 *   Windows: x86_64-w64-mingw32-gcc -std=c11 -O1 wine8-reset-keeps-buffered-data.c -o wine8-reset-keeps-buffered-data.exe -lws2_32, then wine8-reset-keeps-buffered-data.exe;
 *            under Wine: WINEDEBUG=-all wine64 wine8-reset-keeps-buffered-data.exe
 * Exit status: 0 every op as expected, 1 the first deviation (printed), 2 this platform
 * cannot run it (a transport or mechanism it lacks). CLOSESEM_TIMEOUT_MULTIPLIER (1 to 100)
 * scales every bounded wait (slow machines, sanitizers).
 *
 * The script (wine8-reset-keeps-buffered-data.ops):
 *   # Finding wine8-reset-keeps-buffered-data (docs/FINDINGS.md).
 *   # Both ends hold unread data; a closes, which resets the connection (unread data).
 *   # Windows is reported to drop b's 7 buffered bytes once the reset is processed: recv
 *   # fails WSAECONNRESET at once. Wine 8.0 hands them over first, as Linux does.
 *   # The first `b recv 16` deviates: Windows WSAECONNRESET (10054), Wine 8.0 7.
 *   pair tcp4
 *   a send 7            -> 7
 *   b send 5            -> 5
 *   a wait readable     -> 1
 *   b wait readable     -> 1
 *   a close             -> 0
 *   b wait hup          -> 1
 *   b recv 16
 */
#if defined(__GNUC__)
#define CS_UNUSED __attribute__((unused))
#else
#define CS_UNUSED
#endif
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
/* ---- closesem export runtime, portable part: the ops, their checks and the report ----
 * Each cs_op_* runs one op of the script as the closesem runner runs it (same bounded
 * waits, same settle rules, same checks), on the cs_p_* calls of the platform part.
 * A step: cs_step() says what is expected, the op runs and prints its line, then its
 * settles and the pending-call check run. The first deviation ends the program (exit 1)
 * after the pending calls were reaped and the sockets closed; a transport or pending-call
 * mechanism this host lacks ends it with exit 2 ("not run here"). */

#if defined(_WIN32)
#  define CS_ON_WINDOWS(w, p) (w)
#else
#  define CS_ON_WINDOWS(w, p) (p)
#endif

#ifndef CS_A
#  define CS_A 0
#  define CS_B 1
#  define CS_C 2
#  define CS_D 3
#  define CS_E 4
#  define CS_F 5
#  define CS_G 6
#  define CS_H 7
#  define CS_INVALID (-1)
#endif

#define CS_ENDPOINTS 8
#define CS_SLOTS 4
#define CS_MAX_ALTERNATIVES 16
#define CS_MAX_NOTIFIERS 64

/* ---- time: the runner's bounds, scaled by CLOSESEM_TIMEOUT_MULTIPLIER ---- */

static double cs_factor = 1.0;
static const int cs_patience = 2000; /* the longest a settle, a wait without MS, a blocking recv or accept takes */
static const int cs_quiet = 200;     /* a wait the model expects to time out (no MS given) */
static const int cs_blocked = 200;   /* a call the model expects to block is given up after this */

static CS_UNUSED int cs_scaled(int ms) { return (int)((double)ms * cs_factor); }

/* SO_RCVTIMEO/SO_SNDTIMEO of a call expected to block: the blocked bound, never 0 (which
 * means "no timeout"). Not scaled, as in the runner. */
static CS_UNUSED int cs_short_bound(void) { return cs_blocked > 1 ? cs_blocked : 1; }

/* ---- outcomes: as the .ops language writes them ---- */

enum { CS_O_OK, CS_O_VALUE, CS_O_FAILURE, CS_O_BLOCKED, CS_O_FAILS, CS_O_EVENTS };

typedef struct {
  int type;
  long long value;       /* CS_O_VALUE */
  char errc[32];         /* CS_O_FAILURE: the portable name */
  unsigned bits;         /* CS_O_EVENTS */
  char close_error[32];  /* CS_O_EVENTS: FD_CLOSE's error, "ok" when graceful */
} cs_outcome;

static const char *const cs_event_names[] = {"in",   "out",   "hup",    "rdhup",   "err",  "nval",
                                             "read", "write", "accept", "connect", "close"};

static CS_UNUSED void cs_copy(char *to, size_t size, const char *from, size_t length) {
  if (length >= size) length = size - 1;
  memcpy(to, from, length);
  to[length] = '\0';
}

static CS_UNUSED int cs_outcome_succeeded(const cs_outcome *o) {
  return o->type == CS_O_OK || o->type == CS_O_VALUE || o->type == CS_O_EVENTS;
}

static CS_UNUSED int cs_outcome_failed(const cs_outcome *o) { return o->type == CS_O_FAILURE || o->type == CS_O_FAILS; }

/* model::admits: `ok` any success, `fails` any failure, a number that value, an error
 * that error, `blocked` a call given up, an event set the same set (and close error). */
static CS_UNUSED int cs_admits(const cs_outcome *alternatives, int count, const cs_outcome *observed) {
  int i;
  for (i = 0; i < count; ++i) {
    const cs_outcome *a = &alternatives[i];
    switch (a->type) {
      case CS_O_OK: if (cs_outcome_succeeded(observed)) return 1; break;
      case CS_O_VALUE: if (observed->type == CS_O_VALUE && observed->value == a->value) return 1; break;
      case CS_O_FAILURE:
        if (observed->type == CS_O_FAILURE && strcmp(observed->errc, a->errc) == 0) return 1;
        break;
      case CS_O_BLOCKED: if (observed->type == CS_O_BLOCKED) return 1; break;
      case CS_O_FAILS: if (cs_outcome_failed(observed)) return 1; break;
      case CS_O_EVENTS:
        if (observed->type == CS_O_EVENTS && observed->bits == a->bits &&
            strcmp(observed->close_error, a->close_error) == 0)
          return 1;
        break;
      default: break;
    }
  }
  return 0;
}

/* One alternative's text (`0`, `ok`, `blocked`, `fails`, `{in,close:connection_reset}`,
 * `connection_reset`); 0 when it does not parse. */
static CS_UNUSED int cs_parse_one(const char *text, size_t length, cs_outcome *out) {
  memset(out, 0, sizeof(*out));
  strcpy(out->close_error, "ok");
  if (length == 0) return 0;
  if (length == 2 && memcmp(text, "ok", 2) == 0) { out->type = CS_O_OK; return 1; }
  if (length == 7 && memcmp(text, "blocked", 7) == 0) { out->type = CS_O_BLOCKED; return 1; }
  if (length == 5 && memcmp(text, "fails", 5) == 0) { out->type = CS_O_FAILS; return 1; }
  if (text[0] == '{') {
    size_t at = 1;
    if (text[length - 1] != '}') return 0;
    out->type = CS_O_EVENTS;
    while (at < length - 1) {
      size_t end = at, name_end, i;
      int found = 0;
      while (end < length - 1 && text[end] != ',') ++end;
      name_end = at;
      while (name_end < end && text[name_end] != ':') ++name_end;
      for (i = 0; i < sizeof(cs_event_names) / sizeof(cs_event_names[0]); ++i)
        if (strlen(cs_event_names[i]) == name_end - at && memcmp(text + at, cs_event_names[i], name_end - at) == 0) {
          out->bits |= 1u << i;
          found = 1;
        }
      if (!found) return 0;
      if (name_end < end) cs_copy(out->close_error, sizeof(out->close_error), text + name_end + 1, end - name_end - 1);
      at = end + 1;
    }
    return 1;
  }
  if (text[0] >= '0' && text[0] <= '9') {
    size_t i;
    out->type = CS_O_VALUE;
    for (i = 0; i < length; ++i) {
      if (text[i] < '0' || text[i] > '9') return 0;
      out->value = out->value * 10 + (text[i] - '0');
    }
    return 1;
  }
  out->type = CS_O_FAILURE;
  cs_copy(out->errc, sizeof(out->errc), text, length);
  return 1;
}

/* "A | B|C": the alternatives, separated by `|`, spaces around them optional. */
static CS_UNUSED int cs_parse_alternatives(const char *text, cs_outcome *out, int *count) {
  const char *at = text;
  *count = 0;
  while (*at != '\0') {
    const char *end = at;
    size_t length;
    while (*end != '\0' && *end != '|') ++end;
    length = (size_t)(end - at);
    while (length > 0 && *at == ' ') { ++at; --length; }
    while (length > 0 && at[length - 1] == ' ') --length;
    if (*count == CS_MAX_ALTERNATIVES || !cs_parse_one(at, length, &out[*count])) return 0;
    ++*count;
    at = *end == '|' ? end + 1 : end;
  }
  return 1;
}

static CS_UNUSED void cs_print_events(char *out, size_t size, unsigned bits, const char *close_error) {
  size_t used = 0;
  unsigned i;
  used += (size_t)snprintf(out + used, size - used, "{");
  for (i = 0; i < sizeof(cs_event_names) / sizeof(cs_event_names[0]) && used < size; ++i) {
    if ((bits & (1u << i)) == 0) continue;
    used += (size_t)snprintf(out + used, size - used, "%s%s", used > 1 ? "," : "", cs_event_names[i]);
    if ((1u << i) == CS_EV_CLOSE && strcmp(close_error, "ok") != 0 && used < size)
      used += (size_t)snprintf(out + used, size - used, ":%s", close_error);
  }
  if (used < size) snprintf(out + used, size - used, "}");
}

/* ---- the step being run ---- */

static struct {
  int line;
  const char *text;          /* the op as the script writes it, without its -> */
  const char *script_expect; /* the script's ->, NULL: none */
  const char *model_expect;  /* the model's admissible outcomes, NULL: it cannot say */
  const char *why;           /* the model's source */
  cs_outcome script[CS_MAX_ALTERNATIVES];
  int script_count;
  cs_outcome model[CS_MAX_ALTERNATIVES];
  int model_count;
  int called;       /* 0: not called (a closed handle's value belongs to something else) */
  int gave_up;      /* the runner gave the call up: `blocked` */
  int seen_valid;   /* a notification: its event set */
  unsigned seen_bits;
  char seen_close[32];
  int succeeded;    /* the observed outcome is a success: the settles run */
  cs_outcome observed;
  int payload_held;
  int unavailable_mechanism; /* a start this host or platform cannot make */
  int faulty;       /* the platform completed a call twice */
  char note[2048];
} cs_now;

static const char *cs_script_name = "";
static const char *cs_profile = "";

static CS_UNUSED void cs_note(const char *format, ...) {
  size_t used = strlen(cs_now.note);
  va_list args;
  if (used > 0 && used + 2 < sizeof(cs_now.note)) {
    memcpy(cs_now.note + used, "; ", 3);
    used += 2;
  }
  va_start(args, format);
  vsnprintf(cs_now.note + used, sizeof(cs_now.note) - used, format, args);
  va_end(args);
}

static CS_UNUSED const char *cs_name(int e) {
  static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  return e >= 0 && e < CS_ENDPOINTS ? names[e] : "invalid";
}

static CS_UNUSED const char *cs_mechanism_name(int mechanism) {
  switch (mechanism) {
    case CS_THREAD: return "thread";
    case CS_OVERLAPPED: return "overlapped";
    case CS_IOCP: return "iocp";
    case CS_URING: return "uring";
    default: return "?";
  }
}

static CS_UNUSED const char *cs_wait_name(int what) {
  return what == CS_READABLE ? "readable" : what == CS_WRITABLE ? "writable" : "hup";
}

/* A call's outcome in the language; the native error's name beside a failure. */
static CS_UNUSED cs_outcome cs_to_outcome(cs_result r) {
  cs_outcome o;
  memset(&o, 0, sizeof(o));
  strcpy(o.close_error, "ok");
  if (strcmp(r.errc, "ok") != 0) {
    o.type = CS_O_FAILURE;
    cs_copy(o.errc, sizeof(o.errc), r.errc, strlen(r.errc));
  } else {
    o.type = CS_O_VALUE;
    o.value = r.ret;
  }
  return o;
}

static CS_UNUSED void cs_describe(char *out, size_t size, const cs_outcome *o, int native) {
  switch (o->type) {
    case CS_O_VALUE: snprintf(out, size, "%lld", o->value); break;
    case CS_O_BLOCKED: snprintf(out, size, "blocked"); break;
    case CS_O_EVENTS: cs_print_events(out, size, o->bits, o->close_error); break;
    case CS_O_FAILURE: {
      const char *name = native != 0 ? cs_p_error_name(native) : NULL;
      if (name != NULL)
        snprintf(out, size, "%s (%s %d)", o->errc, name, native);
      else if (native != 0 && native != (int)0xdeadbeefu)
        snprintf(out, size, "%s (error %d)", o->errc, native);
      else
        snprintf(out, size, "%s (no native error: made without a call)", o->errc);
      break;
    }
    default: snprintf(out, size, "?"); break;
  }
}

/* ---- the payload pattern: byte i of every stream is i % 251 ---- */

#define CS_MODULUS 251u

static CS_UNUSED unsigned char cs_pattern_byte(unsigned long long offset) {
  return (unsigned char)(offset % CS_MODULUS);
}

/* The index of the first byte of `data` (received from stream offset `offset` on) that is
 * not the pattern's; `size` when all are. */
static CS_UNUSED size_t cs_first_mismatch(const unsigned char *data, size_t size, unsigned long long offset) {
  size_t i;
  for (i = 0; i < size; ++i)
    if (data[i] != cs_pattern_byte(offset + i)) return i;
  return size;
}

/* ---- the payload streams: one per socket (a dup shares its socket's) ---- */

typedef struct {
  unsigned long long sent, received;
  int off; /* a mismatch was reported: later bytes are not checked again */
} cs_stream;

static cs_stream *cs_streams;
static int cs_stream_count, cs_stream_capacity;

static CS_UNUSED int cs_stream_open(void) {
  if (cs_stream_count == cs_stream_capacity) {
    int capacity = cs_stream_capacity == 0 ? 16 : 2 * cs_stream_capacity;
    cs_stream *grown = (cs_stream *)realloc(cs_streams, (size_t)capacity * sizeof(cs_stream));
    if (grown == NULL) {
      fprintf(stderr, "closesem export: out of memory\n");
      exit(2);
    }
    cs_streams = grown;
    cs_stream_capacity = capacity;
  }
  memset(&cs_streams[cs_stream_count], 0, sizeof(cs_stream));
  return cs_stream_count++;
}

static CS_UNUSED cs_stream *cs_stream_find(int id) { return id >= 0 && id < cs_stream_count ? &cs_streams[id] : NULL; }

static CS_UNUSED unsigned long long cs_receive_offset(int id) {
  return cs_stream_find(id) != NULL ? cs_stream_find(id)->received : 0;
}

/* `size` bytes of the pattern from the stream's send offset (one buffer, a window into it). */
static CS_UNUSED const unsigned char *cs_bytes_to_send(int id, size_t size) {
  static unsigned char *periods;
  static size_t length;
  const size_t needed = size + CS_MODULUS;
  const unsigned long long offset = cs_stream_find(id) != NULL ? cs_stream_find(id)->sent : 0;
  if (length < needed) {
    size_t i;
    unsigned char *grown = (unsigned char *)realloc(periods, needed > 2 * length ? needed : 2 * length);
    if (grown == NULL) {
      fprintf(stderr, "closesem export: out of memory\n");
      exit(2);
    }
    periods = grown;
    length = needed > 2 * length ? needed : 2 * length;
    for (i = 0; i < length; ++i) periods[i] = cs_pattern_byte(i);
  }
  return periods + offset % CS_MODULUS;
}

static CS_UNUSED void cs_stream_sent(int id, unsigned long long bytes) {
  if (cs_stream_find(id) != NULL) cs_stream_find(id)->sent += bytes;
}

/* A pending send moved the offset on for bytes it did not hand over after all, with
 * nothing sent on the socket since: the offset moves back. */
static CS_UNUSED void cs_stream_take_back(int id, unsigned long long bytes) {
  cs_stream *stream = cs_stream_find(id);
  if (stream != NULL) stream->sent -= bytes < stream->sent ? bytes : stream->sent;
}

/* Checks received bytes at the stream's offset; 0 and a description in `problem` on the
 * first mismatch of the stream (reported once). */
static CS_UNUSED int cs_stream_received(int id, const unsigned char *data, size_t size, char *problem, size_t psize) {
  cs_stream *stream = cs_stream_find(id);
  unsigned long long offset;
  size_t at;
  if (stream == NULL) return 1;
  offset = stream->received;
  stream->received += size;
  if (stream->off) return 1;
  at = cs_first_mismatch(data, size, offset);
  if (at == size) return 1;
  stream->off = 1;
  snprintf(problem, psize,
           "received byte %llu = 0x%02x at stream offset %llu, expected 0x%02x (%llu bytes from offset %llu)",
           (unsigned long long)at, data[at], offset + at, cs_pattern_byte(offset + at), (unsigned long long)size,
           offset);
  return 0;
}

/* ---- endpoints ---- */

/* What the program knows of one endpoint: its handle while open, and the value it had,
 * for calls on it after close. */
typedef struct {
  cs_handle value;
  int open;
  int nonblocking;
  cs_addr address; /* where a listener listens */
  int listening;
  int group;       /* endpoints of one socket (dup) share it; its stream */
  unsigned long epoch; /* cs_p_session() when it was made */
} cs_slot;

static cs_slot cs_slots[CS_ENDPOINTS];
static int cs_kinds[CS_ENDPOINTS]; /* transports (kept after close) */
static cs_slot cs_invalid_slot;    /* the invalid handle: a slot that names no socket */
static cs_addr cs_destination;     /* of the connect being run */

static CS_UNUSED void cs_slot_reset(cs_slot *s) {
  memset(s, 0, sizeof(*s));
  s->value = CS_INVALID_HANDLE;
  s->group = -1;
}

/* A socket the last WSACleanup took is gone, and its value may name a newer one. */
static CS_UNUSED int cs_stale(const cs_slot *s) { return s->open && s->epoch != cs_p_session(); }

static CS_UNUSED void cs_adopt(int e, cs_handle h, int transport) {
  cs_slot *s = &cs_slots[e];
  if (s->open) cs_p_close(s->value); /* the runner's slot assignment closes what it held */
  cs_kinds[e] = transport;
  cs_slot_reset(s);
  s->value = h;
  s->open = 1;
  s->group = cs_stream_open(); /* a new socket: its own streams, from offset 0 */
  s->epoch = cs_p_session();
  /* A blocking recv or send never outlasts the patience. */
  cs_p_set_io_timeout(h, cs_patience);
}

/* ---- notifiers kept across ops: by (socket group, kind) ---- */

static struct {
  int group, kind;
  cs_notifier *n;
} cs_notifiers[CS_MAX_NOTIFIERS];
static int cs_notifier_count;

/* ---- pending calls ---- */

typedef struct {
  cs_call *call;
  char text[160];   /* the start op, for the notes */
  int mechanism;
  int call_kind;
  int other;        /* accept: the endpoint that gets the new socket */
  int group;        /* its socket's stream (-1: the invalid handle) */
  int transport;
  int early_reported;
  int accounted;    /* recv: checked against its stream; send: what it did not hand over taken back */
  int reserved;     /* send: its start moved its stream's send offset on, to send_end */
  unsigned long long count;
  unsigned long long send_end;
} cs_pending;

static cs_pending cs_pendings[CS_SLOTS];

/* ---- the end: reaping, closing, the verdict ---- */

static int cs_ended;

/* Every pending call reaped (bounded), notifiers closed, sockets closed. A call that does
 * not end within its bound is left to the process (never freed) and is a finding. Returns
 * 1 when one leaked. */
static CS_UNUSED int cs_finish(void) {
  int stuck = 0, leaked = 0, i;
  /* A cancel and a short wait each first; a call a cancel does not end may end when its
   * socket closes (Wine 8: a blocking recv CancelSynchronousIo does not find): then every
   * handle is closed and the call waited for once more. */
  for (i = 0; i < CS_SLOTS; ++i) {
    cs_pending *p = &cs_pendings[i];
    if (p->call == NULL || cs_p_call_wait(p->call, 0)) continue;
    cs_p_call_cancel(p->call);
    if (!cs_p_call_wait(p->call, cs_scaled(cs_short_bound()))) stuck = 1;
  }
  if (stuck)
    for (i = 0; i < CS_ENDPOINTS; ++i) {
      if (!cs_slots[i].open || cs_stale(&cs_slots[i])) continue;
      cs_p_close(cs_slots[i].value);
      cs_slots[i].open = 0;
    }
  for (i = 0; i < CS_SLOTS; ++i) {
    cs_pending *p = &cs_pendings[i];
    const int bound = cs_scaled(cs_patience);
    if (p->call == NULL) continue;
    if (stuck) cs_p_call_wait(p->call, bound);
    if (cs_p_call_reap(p->call, bound)) {
      char text[160];
      cs_outcome o = cs_to_outcome(cs_p_call_result(p->call));
      cs_describe(text, sizeof(text), &o, cs_p_call_result(p->call).native);
      printf("reaped @%d: `%s` reaped at the end: %s\n", i + 1, p->text, text);
      cs_p_call_free(p->call);
    } else {
      printf("LEAKED @%d: `%s` did not end within %d ms of its reaping (cancelled, then waited for): left to the "
             "process\n", i + 1, p->text, bound);
      leaked = 1; /* not freed: its worker or the kernel may still use it */
    }
    p->call = NULL;
  }
  for (i = 0; i < cs_notifier_count; ++i) cs_p_notifier_close(cs_notifiers[i].n);
  cs_notifier_count = 0;
  for (i = 0; i < CS_ENDPOINTS; ++i) {
    if (cs_slots[i].open && !cs_stale(&cs_slots[i])) cs_p_close(cs_slots[i].value);
    cs_slots[i].open = 0;
  }
  return leaked;
}

/* Ends the program: 1 a deviation, 2 not run here. */
static CS_UNUSED void cs_stop(int status, const char *verdict) {
  if (!cs_ended) {
    cs_ended = 1;
    if (cs_finish()) status = 1; /* a pending call that did not end is a finding, as in the runner */
  }
  printf("closesem export of %s: %s (exit %d)\n", cs_script_name, verdict, status);
  fflush(stdout);
  exit(status);
}

/* The expectation text of the step for its report line. */
static CS_UNUSED void cs_expectation(char *out, size_t size, int with_why) {
  const char *why = with_why && cs_now.why != NULL && cs_now.why[0] != '\0' ? cs_now.why : NULL;
  int same = 0;
  if (cs_now.script_expect != NULL && cs_now.model_expect != NULL) {
    /* the same text but for spaces: shown once */
    const char *x = cs_now.script_expect, *y = cs_now.model_expect;
    for (;;) {
      while (*x == ' ') ++x;
      while (*y == ' ') ++y;
      if (*x != *y) break;
      if (*x == '\0') {
        same = 1;
        break;
      }
      ++x;
      ++y;
    }
  }
  if (cs_now.script_expect == NULL && cs_now.model_expect == NULL)
    snprintf(out, size, "not checked (the model cannot say)");
  else if (cs_now.model_expect == NULL)
    snprintf(out, size, "expected %s by the script; the model cannot say", cs_now.script_expect);
  else if (cs_now.script_expect == NULL || same)
    snprintf(out, size, "expected %s%s%s", cs_now.model_expect, why ? ": " : "", why ? why : "");
  else
    snprintf(out, size, "expected %s by the script, %s by the model%s%s", cs_now.script_expect, cs_now.model_expect,
             why ? ": " : "", why ? why : "");
}

static CS_UNUSED void cs_deviation(const char *what) {
  char expected[1024];
  cs_expectation(expected, sizeof(expected), 1);
  printf("DEVIATION at line %d (`%s`): %s\n  %s\n", cs_now.line, cs_now.text, what, expected);
  cs_stop(1, "DEVIATION");
}

/* ---- a step: begun by cs_step, ended by the op (cs_done), then settles and checks ---- */

static CS_UNUSED void cs_account(cs_pending *p);

/* Every completed recv not accounted yet, checked against its stream before this step's
 * op reads anything; two on one socket raced for its bytes: checked in the order in which
 * their bytes follow the pattern, if any. */
static CS_UNUSED void cs_account_completed(void) {
  int i, j;
  for (i = 0; i < CS_SLOTS; ++i)
    if (cs_pendings[i].call != NULL && !cs_pendings[i].accounted && cs_pendings[i].call_kind == CS_SEND &&
        cs_p_call_wait(cs_pendings[i].call, 0))
      cs_account(&cs_pendings[i]);
  for (i = 0; i < CS_SLOTS; ++i) {
    cs_pending *first = &cs_pendings[i];
    if (first->call == NULL || first->accounted || first->call_kind != CS_RECV || !cs_p_call_wait(first->call, 0))
      continue;
    for (j = 0; j < CS_SLOTS; ++j) {
      cs_pending *second = &cs_pendings[j];
      unsigned long long offset;
      size_t size_first, size_second;
      cs_result r1, r2;
      int in_order, swapped;
      if (j == i || second->call == NULL || second->accounted || second->group != first->group ||
          second->call_kind != CS_RECV || !cs_p_call_wait(second->call, 0))
        continue;
      offset = cs_receive_offset(first->group);
      r1 = cs_p_call_result(first->call);
      r2 = cs_p_call_result(second->call);
      size_first = strcmp(r1.errc, "ok") == 0 && r1.ret > 0 ? (size_t)r1.ret : 0;
      size_second = strcmp(r2.errc, "ok") == 0 && r2.ret > 0 ? (size_t)r2.ret : 0;
      in_order =
          cs_first_mismatch(cs_p_call_received(first->call), size_first, offset) == size_first &&
          cs_first_mismatch(cs_p_call_received(second->call), size_second, offset + size_first) == size_second;
      swapped =
          cs_first_mismatch(cs_p_call_received(second->call), size_second, offset) == size_second &&
          cs_first_mismatch(cs_p_call_received(first->call), size_first, offset + size_second) == size_first;
      if (!in_order && swapped) cs_account(second); /* the second took the first bytes */
    }
    cs_account(first);
  }
}

static CS_UNUSED void cs_step(int line, const char *text, const char *script_expect, const char *model_expect,
                              const char *why) {
  memset(&cs_now, 0, sizeof(cs_now));
  cs_now.line = line;
  cs_now.text = text;
  cs_now.script_expect = script_expect;
  cs_now.model_expect = model_expect;
  cs_now.why = why;
  cs_now.called = 1;
  cs_now.payload_held = 1;
  if ((script_expect != NULL && !cs_parse_alternatives(script_expect, cs_now.script, &cs_now.script_count)) ||
      (model_expect != NULL && !cs_parse_alternatives(model_expect, cs_now.model, &cs_now.model_count))) {
    fprintf(stderr, "closesem export: line %d: cannot read the expectation '%s' / '%s'\n", line,
            script_expect ? script_expect : "", model_expect ? model_expect : "");
    exit(2);
  }
  cs_account_completed();
}

/* Whether the model expects the call not to return within the runner's bound: it blocks,
 * or waits for its own timeout (timed_out); an op it cannot predict is treated the same. */
static CS_UNUSED int cs_expects_block(void) {
  int i;
  if (cs_now.model_expect == NULL) return 1;
  for (i = 0; i < cs_now.model_count; ++i)
    if (cs_now.model[i].type != CS_O_BLOCKED &&
        !(cs_now.model[i].type == CS_O_FAILURE && strcmp(cs_now.model[i].errc, "timed_out") == 0))
      return 0;
  return 1;
}

/* Whether the runner bounds the call itself (wait, then give up: `blocked`): every
 * alternative is `blocked` (true for none, as the runner's all_of). */
static CS_UNUSED int cs_runner_bounds(void) {
  int i;
  for (i = 0; i < cs_now.model_count; ++i)
    if (cs_now.model[i].type != CS_O_BLOCKED) return 0;
  return 1;
}

/* Whether the model admits `o` (NULL model: never). */
static CS_UNUSED int cs_model_admits(const cs_outcome *o) {
  return cs_now.model_expect != NULL && cs_admits(cs_now.model, cs_now.model_count, o);
}

static CS_UNUSED cs_result cs_synthetic(const char *errc) {
  cs_result r;
  r.ret = -1;
  r.errc = errc;
  r.native = cs_p_native_of(errc);
  return r;
}

/* The step's outcome is `blocked`: the call had not returned (or was not made) when the
 * bound expired. */
static CS_UNUSED cs_result cs_gave_up(const char *format, ...) {
  char why[512];
  va_list args;
  va_start(args, format);
  vsnprintf(why, sizeof(why), format, args);
  va_end(args);
  cs_now.gave_up = 1;
  cs_note("blocked: %s", why);
  return cs_synthetic("other");
}

static CS_UNUSED void cs_print_notes(void) {
  if (cs_now.note[0] != '\0') printf("    note: %s\n", cs_now.note);
}

/* The op returned `out` (or was given up, or not called): its line, its checks. */
static CS_UNUSED void cs_done(cs_result out) {
  cs_outcome observed;
  char seen[256], expected[1024];
  int expectation_held = 1, prediction_held = 1;
  if (!cs_now.called) {
    cs_expectation(expected, sizeof(expected), 0);
    printf("line %d: %s -> not called  (not checked; %s)\n", cs_now.line, cs_now.text, expected);
    cs_print_notes();
    if (!cs_now.payload_held) cs_deviation("bytes received off the pattern");
    fflush(stdout);
    return;
  }
  if (cs_now.gave_up) {
    memset(&observed, 0, sizeof(observed));
    observed.type = CS_O_BLOCKED;
    strcpy(observed.close_error, "ok");
  } else {
    observed = cs_to_outcome(out);
    if (observed.type == CS_O_VALUE && cs_now.seen_valid) {  /* a notification: its event set */
      observed.type = CS_O_EVENTS;
      observed.bits = cs_now.seen_bits;
      cs_copy(observed.close_error, sizeof(observed.close_error), cs_now.seen_close, strlen(cs_now.seen_close));
    }
  }
  cs_describe(seen, sizeof(seen), &observed, cs_now.gave_up ? 0 : out.native);
  if (cs_now.script_expect != NULL) expectation_held = cs_admits(cs_now.script, cs_now.script_count, &observed);
  if (cs_now.model_expect != NULL) prediction_held = cs_admits(cs_now.model, cs_now.model_count, &observed);
  if (cs_now.unavailable_mechanism) prediction_held = 1; /* the host refused it: the program stops here */
  if (cs_now.faulty) prediction_held = 0;
  cs_now.succeeded = cs_outcome_succeeded(&observed);
  cs_now.observed = observed;
  cs_expectation(expected, sizeof(expected), !(expectation_held && prediction_held));
  printf("line %d: %s -> %s  (%s)  %s\n", cs_now.line, cs_now.text, seen, expected,
         expectation_held && prediction_held && cs_now.payload_held ? "ok" : "DEVIATION");
  cs_print_notes();
  fflush(stdout);
  if (!expectation_held || !prediction_held) {
    char what[512];
    snprintf(what, sizeof(what), "observed %s", seen);
    cs_deviation(what);
  }
  if (!cs_now.payload_held) cs_deviation("bytes received off the pattern (the note says where)");
}

/* After pair or socket: a transport this host lacks, as predicted (AF_UNIX under Wine),
 * ends the program: nothing after it can run, and that is not a failure. */
static CS_UNUSED void cs_skip_if_unavailable(int transport) {
  static const char *const names[] = {"tcp4", "tcp6", "unix"};
  char verdict[2600];
  if (!cs_now.called || cs_now.observed.type != CS_O_FAILURE || strcmp(cs_now.observed.errc, "not_supported") != 0)
    return;
  snprintf(verdict, sizeof(verdict), "not run here: %s sockets are not available here%s%s%s; the rest of the script "
           "was not run", transport >= 0 && transport <= 2 ? names[transport] : "?", cs_now.note[0] ? " (" : "",
           cs_now.note, cs_now.note[0] ? ")" : "");
  cs_stop(2, verdict);
}

/* After a start: a mechanism this host or platform lacks ends the program likewise. */
static CS_UNUSED void cs_skip_if_no_mechanism(void) {
  char verdict[2600];
  if (!cs_now.unavailable_mechanism) return;
  snprintf(verdict, sizeof(verdict), "not run here: %s; the rest of the script was not run", cs_now.note);
  cs_stop(2, verdict);
}

/* Whether `handle` stayed unreadable for `ms` (scaled). */
static CS_UNUSED int cs_nothing_within(cs_handle h, int ms) {
  cs_result ready = cs_p_wait(h, CS_READABLE, cs_scaled(ms));
  return strcmp(ready.errc, "ok") == 0 && ready.ret == 0;
}

/* Whether a closed endpoint's old value now belongs to a live endpoint (closesocket D3). */
static CS_UNUSED int cs_reused(int e, const char **by) {
  int other;
  for (other = 0; other < CS_ENDPOINTS; ++other) {
    const cs_slot *s = &cs_slots[other];
    if (other != e && s->open && !cs_stale(s) && s->value == cs_slots[e].value) {
      *by = cs_name(other);
      return 1;
    }
  }
  return 0;
}

/* An op on a closed (or cleaned-up) endpoint whose value may name something else now:
 * not called, outcome not_socket, as the runner does (a call would act on that object). */
static CS_UNUSED int cs_value_taken(int e, const cs_slot *s) {
  const char *by = NULL;
  int accepting = 0, i;
  /* A thread or io_uring accept still pending makes its socket at any moment: the lowest
   * free value, maybe this one. */
  for (i = 0; i < CS_SLOTS; ++i)
    if (cs_pendings[i].call != NULL && cs_pendings[i].call_kind == CS_ACCEPT &&
        (cs_pendings[i].mechanism == CS_THREAD || cs_pendings[i].mechanism == CS_URING))
      accepting = 1;
  if (accepting) by = "the socket an accept still pending may make at any moment";
  if (accepting || cs_reused(e, &by) || cs_p_handle_in_use(s->value)) {
    if (by == NULL) by = "another object of this process (outside the script)";
    cs_now.called = 0;
    cs_note("not called: the %s handle's value now belongs to %s (closesocket D3)", s->open ? "cleaned-up" : "closed",
            by);
    return 1;
  }
  return 0;
}

/* The endpoint of an op (the invalid handle: a slot of its own that names no socket),
 * NULL when the op is not called (its value is taken: the step is done already). */
static CS_UNUSED cs_slot *cs_use(int e) {
  cs_slot *s;
  cs_slot_reset(&cs_invalid_slot);
  cs_invalid_slot.open = 1;
  cs_invalid_slot.epoch = cs_p_session();
  if (e < 0) return &cs_invalid_slot;
  s = &cs_slots[e];
  if ((!s->open || cs_stale(s)) && cs_value_taken(e, s)) {
    cs_done(cs_synthetic("not_socket"));
    return NULL;
  }
  return s;
}

static CS_UNUSED int cs_kind_of(int e) { return cs_kinds[e < 0 ? 0 : e]; }

/* An address of this host that refuses connections: a socket bound to it that never
 * listens, one per transport, kept for the program (no fixed port is assumed free); made
 * again after the last WSACleanup. */
static CS_UNUSED int cs_refusing_endpoint(int transport, cs_addr *out) {
  static cs_handle sockets[3] = {CS_INVALID_HANDLE, CS_INVALID_HANDLE, CS_INVALID_HANDLE};
  static cs_addr at[3];
  static unsigned long epochs[3];
  if (transport < 0 || transport > 2) return 0;
  if (sockets[transport] != CS_INVALID_HANDLE && epochs[transport] != cs_p_session())
    sockets[transport] = CS_INVALID_HANDLE; /* gone with its session: let go, never close */
  if (sockets[transport] == CS_INVALID_HANDLE) {
    cs_handle h = CS_INVALID_HANDLE;
    if (strcmp(cs_p_open(transport, &h).errc, "ok") != 0) return 0;
    if (strcmp(cs_p_bind_loopback(h, transport).errc, "ok") != 0 || strcmp(cs_p_name(h, 0, &at[transport]).errc, "ok") != 0) {
      cs_p_close(h);
      return 0;
    }
    sockets[transport] = h;
    epochs[transport] = cs_p_session();
  }
  *out = at[transport];
  return 1;
}

/* Where `X connect Y` goes: Y's listening address; when Y does not listen (or listened on
 * another family), an address of X's family that refuses connections; with no session to
 * make one in (after the last WSACleanup), port 0 of loopback. */
static CS_UNUSED void cs_set_destination(int e, int other) {
  const cs_slot *target = &cs_slots[other < 0 ? 0 : other];
  const int own = cs_kind_of(e);
  if (target->listening && target->address.length > 0 && target->address.transport == own) {
    cs_destination = target->address;
    return;
  }
  if (cs_refusing_endpoint(own, &cs_destination)) return;
  memset(&cs_destination, 0, sizeof(cs_destination));
  cs_destination.transport = own;
  if (own == CS_TCP6) {
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    in6.sin6_addr.s6_addr[15] = 1;
    memcpy(&cs_destination.storage, &in6, sizeof(in6));
    cs_destination.length = (int)sizeof(in6);
  } else {
    struct sockaddr_in in;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(0x7f000001u);
    memcpy(&cs_destination.storage, &in, sizeof(in));
    cs_destination.length = (int)sizeof(in);
  }
}

/* ---- the ops ---- */

static CS_UNUSED void cs_begin(const char *script, const char *posix_profile, const char *windows_profile) {
  const char *text = getenv("CLOSESEM_TIMEOUT_MULTIPLIER");
  char why[512];
  int i;
  cs_script_name = script;
  /* This platform's profile; a file exported for one profile only carries that one's
   * expectations whatever it is built for. */
  cs_profile = CS_ON_WINDOWS(windows_profile, posix_profile);
  if (cs_profile == NULL) cs_profile = posix_profile != NULL ? posix_profile : windows_profile;
  if (cs_profile == NULL) cs_profile = "none";
  if (text != NULL && *text != '\0') {
    char *end = NULL;
    const double value = strtod(text, &end);
    const int number = end != text && *end == '\0' && *text != ' ' && *text != '\t' && *text != '\n';
    if (!number || !(value >= 1.0 && value <= 100.0)) {
      fprintf(stderr, "closesem: CLOSESEM_TIMEOUT_MULTIPLIER='%s' is %s; expected a number from 1 to 100 (it scales "
              "every bounded wait; unset or empty means 1)\n", text, number ? "out of range" : "not a number");
      exit(2);
    }
    cs_factor = value;
  }
  for (i = 0; i < CS_ENDPOINTS; ++i) cs_slot_reset(&cs_slots[i]);
  if (cs_p_init(why, sizeof(why)) != 0) {
    printf("closesem export of %s: the platform cannot run it: %s (exit 2)\n", script, why);
    exit(2);
  }
  printf("closesem export of %s on %s (expectations: %s)\n", script, cs_p_platform(), cs_profile);
  fflush(stdout);
}

static CS_UNUSED void cs_op_pair(int e, int other, int transport, int reversed) {
  cs_handle first = CS_INVALID_HANDLE, second = CS_INVALID_HANDLE;
  char note[512] = "";
  const cs_result out = cs_p_pair(transport, reversed, &first, &second, note, sizeof(note));
  if (strcmp(out.errc, "ok") == 0) {
    const int ends[2] = {e, other};
    int i;
    cs_adopt(e, first, transport);
    cs_adopt(other, second, transport);
    /* Consume Linux's one "connected" answer of a non-blocking connect (see cs_op_connect). */
    for (i = 0; i < 2; ++i) {
      cs_addr peer;
      if (strcmp(cs_p_name(cs_slots[ends[i]].value, 1, &peer).errc, "ok") == 0) cs_p_connect(cs_slots[ends[i]].value, &peer);
    }
  } else if (note[0] != '\0') {
    cs_note("%s", note);
  }
  cs_done(out);
  cs_skip_if_unavailable(transport);
}

static CS_UNUSED void cs_op_socket(int e, int transport) {
  cs_handle h = CS_INVALID_HANDLE;
  const cs_result out = cs_p_open(transport, &h);
  if (strcmp(out.errc, "ok") == 0) cs_adopt(e, h, transport);
  cs_done(out);
  cs_skip_if_unavailable(transport);
}

/* bind to loopback (port 0, or a fresh AF_UNIX path), then listen. */
static CS_UNUSED void cs_op_listen(int e) {
  cs_slot *s = cs_use(e);
  cs_result out;
  if (s == NULL) return;
  out = cs_p_bind_loopback(s->value, cs_kind_of(e));
  if (strcmp(out.errc, "ok") == 0) out = cs_p_listen(s->value, 8);
  if (strcmp(out.errc, "ok") == 0) {
    int i;
    cs_p_name(s->value, 0, &s->address);
    /* dup'd handles listen too (closed ones: for a connect to their name) */
    for (i = 0; i < CS_ENDPOINTS; ++i)
      if (cs_slots[i].group == s->group && &cs_slots[i] != s) {
        cs_slots[i].listening = 1;
        cs_slots[i].address = s->address;
      }
    s->listening = 1;
  }
  cs_done(out);
}

/* A connect that never blocks for long: non-blocking, a bounded wait, then SO_ERROR; one
 * that has not settled when the wait runs out is `blocked`. */
static CS_UNUSED void cs_op_connect(int e, int other) {
  cs_slot *s;
  cs_result out;
  cs_set_destination(e, other); /* first: it may make a socket, which may take a closed value */
  s = cs_use(e);
  if (s == NULL) return;
  cs_p_set_nonblocking(s->value, 1);
  out = cs_p_connect(s->value, &cs_destination);
  if (strcmp(out.errc, "in_progress") == 0 || strcmp(out.errc, "would_block") == 0) {
    const cs_result ready = cs_p_wait(s->value, CS_WRITABLE, cs_scaled(cs_patience));
    if (strcmp(ready.errc, "ok") == 0 && ready.ret == 0) {
      out = cs_gave_up("the connection was not made within %d ms", cs_scaled(cs_patience));
    } else {
      int so_error = 0;
      out = cs_p_so_error(s->value, &so_error);
      if (strcmp(out.errc, "ok") == 0 && so_error != 0) {
        out.ret = -1;
        out.native = so_error;
        out.errc = cs_p_errc(so_error);
      }
    }
  }
  cs_p_set_nonblocking(s->value, s->nonblocking);
  /* Linux answers one more connect after a non-blocking connect succeeded with 0 (the
   * "connected" confirmation); consumed, so that a later connect answers is_connected as
   * on Winsock (connect.2 EISCONN). */
  if (strcmp(out.errc, "ok") == 0 && !cs_now.gave_up) {
    int i;
    cs_p_connect(s->value, &cs_destination);
    /* A socket that connected listens no more (one that stopped through a shutdown). */
    for (i = 0; i < CS_ENDPOINTS; ++i)
      if (cs_slots[i].group == s->group) cs_slots[i].listening = 0;
  }
  cs_done(out);
}

/* A blocking accept with nothing queued would wait for ever: a bounded wait first, and
 * `blocked` when no connection came; only on a socket that listens by the record and by
 * SO_ACCEPTCONN (one that stopped fails at once), as the runner does. */
static CS_UNUSED void cs_op_accept(int e, int other) {
  cs_slot *s = cs_use(e);
  cs_handle accepted = CS_INVALID_HANDLE;
  cs_result out;
  if (s == NULL) return;
  if (!s->nonblocking && s->listening && cs_p_accepts_connections(s->value) != 0) {
    const int bound = cs_expects_block() ? cs_blocked : cs_patience;
    if (cs_nothing_within(s->value, bound)) {
      cs_done(cs_gave_up("no connection to accept within %d ms", cs_scaled(bound)));
      return;
    }
  }
  out = cs_p_accept(s->value, &accepted);
  if (strcmp(out.errc, "ok") == 0) cs_adopt(other, accepted, cs_kind_of(e));
  cs_done(out);
}

static CS_UNUSED void cs_op_send(int e, unsigned count) {
  cs_slot *s = cs_use(e);
  const unsigned char *data;
  cs_result out;
  if (s == NULL) return;
  data = cs_bytes_to_send(s->group, count);
  if (cs_expects_block()) cs_p_set_io_timeout(s->value, cs_short_bound());
  out = cs_p_send(s->value, data, count);
  if (cs_expects_block()) cs_p_set_io_timeout(s->value, cs_patience);
  if (strcmp(out.errc, "ok") == 0 && out.ret > 0) cs_stream_sent(s->group, (unsigned long long)out.ret);
  cs_done(out);
}

/* A recv the model expects to block is bounded by the program: it waits (blocked bound)
 * for something to read (data, a FIN or a reset) and gives up when nothing came, after
 * asking the call without blocking whether it would have returned anyway. Every byte
 * read is checked against the pattern. */
static CS_UNUSED void cs_op_recv(int e, unsigned count) {
  cs_slot *s = cs_use(e);
  unsigned char *buffer;
  cs_result out;
  if (s == NULL) return;
  buffer = (unsigned char *)calloc(count > 0 ? count : 1, 1);
  if (buffer == NULL) {
    fprintf(stderr, "closesem export: out of memory\n");
    exit(2);
  }
  if (!cs_expects_block()) {
    out = cs_p_recv(s->value, buffer, count);
  } else if (cs_runner_bounds() && !s->nonblocking && cs_nothing_within(s->value, cs_blocked)) {
    cs_p_set_nonblocking(s->value, 1);
    out = cs_p_recv(s->value, buffer, count);
    cs_p_set_nonblocking(s->value, 0);
    if (strcmp(out.errc, "would_block") == 0) {
      free(buffer);
      cs_done(cs_gave_up("nothing to read (no data, FIN or reset) within %d ms", cs_scaled(cs_blocked)));
      return;
    }
  } else {
    /* Something to read, or the model expects the call to wait for its own timeout. */
    cs_p_set_io_timeout(s->value, cs_short_bound());
    out = cs_p_recv(s->value, buffer, count);
    cs_p_set_io_timeout(s->value, cs_patience);
  }
  if (strcmp(out.errc, "ok") == 0 && out.ret > 0) {
    const size_t size = (size_t)out.ret;
    const unsigned long long offset = cs_receive_offset(s->group);
    char problem[512];
    /* A recv pending on the same socket may have completed while this one ran: the two
     * raced for the bytes. When these are off the pattern but the pending one's follow
     * it, the pending one took the first bytes: it is accounted first. */
    if (cs_first_mismatch(buffer, size, offset) != size) {
      int i;
      for (i = 0; i < CS_SLOTS; ++i) {
        cs_pending *p = &cs_pendings[i];
        cs_result r;
        size_t taken;
        if (p->call == NULL || p->accounted || p->group != s->group || p->call_kind != CS_RECV ||
            !cs_p_call_wait(p->call, 0))
          continue;
        r = cs_p_call_result(p->call);
        taken = strcmp(r.errc, "ok") == 0 && r.ret > 0 ? (size_t)r.ret : 0;
        if (taken > 0 && cs_first_mismatch(cs_p_call_received(p->call), taken, offset) == taken) {
          cs_account(p);
          break;
        }
      }
    }
    if (!cs_stream_received(s->group, buffer, size, problem, sizeof(problem))) {
      cs_now.payload_held = 0;
      cs_note("payload: %s %s", cs_name(e), problem);
    }
  }
  free(buffer);
  cs_done(out);
}

static CS_UNUSED void cs_op_shutdown(int e, int how) {
  cs_slot *s = cs_use(e);
  if (s == NULL) return;
  cs_done(cs_p_shutdown(s->value, how));
}

static CS_UNUSED void cs_op_close(int e) {
  cs_slot *s = cs_use(e);
  cs_result out;
  if (s == NULL) return;
  out = cs_p_close(s->value);
  if (strcmp(out.errc, "ok") == 0 && s->open && e >= 0) s->open = 0;
  cs_done(out);
}

/* dup: the copy shares the socket's stream, blocking mode and listening address. */
static CS_UNUSED void cs_op_dup(int e, int other) {
  cs_slot *s = cs_use(e);
  cs_handle copy = CS_INVALID_HANDLE;
  cs_result out;
  if (s == NULL) return;
  out = cs_p_dup(s->value, &copy);
  if (strcmp(out.errc, "ok") == 0) {
    const cs_slot original = *s;
    cs_adopt(other, copy, cs_kind_of(e));
    cs_slots[other].group = original.group;
    cs_slots[other].nonblocking = original.nonblocking;
    cs_slots[other].listening = original.listening;
    cs_slots[other].address = original.address;
  }
  cs_done(out);
}

static CS_UNUSED void cs_op_linger(int e, int on, unsigned seconds) {
  cs_slot *s = cs_use(e);
  if (s == NULL) return;
  cs_done(cs_p_set_linger(s->value, on, (int)seconds));
}

static CS_UNUSED void cs_op_nonblocking(int e, int on) {
  cs_slot *s = cs_use(e);
  cs_result out;
  if (s == NULL) return;
  out = cs_p_set_nonblocking(s->value, on);
  if (strcmp(out.errc, "ok") == 0 && e >= 0) {
    int i;
    const int group = s->group;
    for (i = 0; i < CS_ENDPOINTS; ++i)
      if (cs_slots[i].open && cs_slots[i].group == group) cs_slots[i].nonblocking = on; /* dup'd handles share it */
  }
  cs_done(out);
}

/* wait MS, or the patience, or (the model expects or allows nothing to come, or cannot
 * say) the quiet bound. */
static CS_UNUSED void cs_op_wait(int e, int kind, int ms) {
  cs_slot *s = cs_use(e);
  int timeout = cs_patience;
  cs_outcome zero;
  if (s == NULL) return;
  memset(&zero, 0, sizeof(zero));
  zero.type = CS_O_VALUE;
  strcpy(zero.close_error, "ok");
  if (ms >= 0)
    timeout = ms;
  else if (cs_now.model_expect == NULL || cs_model_admits(&zero))
    timeout = cs_quiet;
  cs_done(cs_p_wait(s->value, kind, cs_scaled(timeout)));
}

static CS_UNUSED void cs_op_pending(int e) {
  cs_slot *s = cs_use(e);
  if (s == NULL) return;
  cs_done(cs_p_bytes_pending(s->value));
}

static CS_UNUSED void cs_op_error(int e) {
  cs_slot *s = cs_use(e);
  int so_error = 0;
  cs_result out;
  if (s == NULL) return;
  out = cs_p_so_error(s->value, &so_error);
  if (strcmp(out.errc, "ok") == 0 && so_error != 0) {
    out.ret = -1;
    out.native = so_error;
    out.errc = cs_p_errc(so_error);
  }
  cs_done(out);
}

static CS_UNUSED void cs_op_peername(int e) {
  cs_slot *s = cs_use(e);
  cs_addr name;
  if (s == NULL) return;
  cs_done(cs_p_name(s->value, 1, &name));
}

static CS_UNUSED void cs_op_sockname(int e) {
  cs_slot *s = cs_use(e);
  cs_addr name;
  if (s == NULL) return;
  cs_done(cs_p_name(s->value, 0, &name));
}

static CS_UNUSED void cs_op_startup(void) { cs_done(cs_p_startup()); }

static CS_UNUSED void cs_op_cleanup(void) { cs_done(cs_p_cleanup()); }

/* ---- notifications: poll and select one call each; epoll and events a notifier per
 * (socket, kind), made at its first use and kept until the end ---- */

static CS_UNUSED void cs_notify(int e, int which, int kind, int ms) {
  /* which: 0 poll, 1 select, 2 a kept notifier of `kind` */
  cs_slot *s = cs_use(e);
  cs_outcome none;
  unsigned events = 0;
  const char *close_error = "ok";
  int timeout;
  cs_result out;
  if (s == NULL) return;
  memset(&none, 0, sizeof(none));
  none.type = CS_O_EVENTS;
  strcpy(none.close_error, "ok");
  timeout = cs_scaled(ms >= 0 ? ms : (cs_now.model_expect == NULL || cs_model_admits(&none)) ? cs_quiet : cs_patience);
  if (which == 0) {
    out = cs_p_poll(s->value, timeout, &events);
  } else if (which == 1) {
    out = cs_p_select(s->value, timeout, &events);
  } else {
    const int group = e < 0 ? -1 : s->group;
    cs_notifier *n = NULL;
    int i, found = -1;
    for (i = 0; i < cs_notifier_count && e >= 0; ++i)
      if (cs_notifiers[i].group == group && cs_notifiers[i].kind == kind) found = i;
    if (found < 0) {
      out = cs_p_notifier_open(kind, s->value, &n);
      if (strcmp(out.errc, "ok") != 0 || n == NULL) {
        cs_done(out);
        return;
      }
      if (kind == CS_EVENT_SELECT)
        for (i = 0; i < CS_ENDPOINTS; ++i)
          if (cs_slots[i].open && cs_slots[i].group == s->group && e >= 0)
            cs_slots[i].nonblocking = 1; /* WSAEventSelect's side effect */
      if (e >= 0 && cs_notifier_count < CS_MAX_NOTIFIERS) {
        cs_notifiers[cs_notifier_count].group = group;
        cs_notifiers[cs_notifier_count].kind = kind;
        cs_notifiers[cs_notifier_count].n = n;
        found = cs_notifier_count++;
      }
    } else {
      n = cs_notifiers[found].n;
    }
    out = cs_p_notifier_wait(n, timeout, &events, &close_error);
    if (found < 0) cs_p_notifier_close(n); /* the invalid handle's: not kept */
  }
  if (strcmp(out.errc, "ok") == 0) {
    if (out.ret == 0) {
      events = 0;
      close_error = "ok";
    }
    cs_now.seen_valid = 1;
    cs_now.seen_bits = events;
    cs_copy(cs_now.seen_close, sizeof(cs_now.seen_close), close_error ? close_error : "ok",
            strlen(close_error ? close_error : "ok"));
  }
  cs_done(out);
}

static CS_UNUSED void cs_op_poll(int e, int ms) { cs_notify(e, 0, 0, ms); }
static CS_UNUSED void cs_op_select(int e, int ms) { cs_notify(e, 1, 0, ms); }
static CS_UNUSED void cs_op_epoll(int e, int edge, int ms) { cs_notify(e, 2, edge ? CS_EPOLL_EDGE : CS_EPOLL_LEVEL, ms); }
static CS_UNUSED void cs_op_events(int e, int ms) { cs_notify(e, 2, CS_EVENT_SELECT, ms); }

/* ---- pending calls ---- */

/* A completed call, accounted once (at the first step that finds it complete, or its
 * collect): a recv's bytes checked against its socket's stream; a send's bytes that it did
 * not hand over taken back from its socket's send stream. */
static CS_UNUSED void cs_account(cs_pending *p) {
  cs_result r;
  char problem[512];
  if (p->accounted) return;
  if (p->call_kind == CS_SEND) {
    /* What it did not hand over is not in the stream, while no send followed it there
     * (the runner's Execution::account, scenario pending_send_unconnected). */
    unsigned long long handed;
    p->accounted = 1;
    r = cs_p_call_result(p->call);
    handed = strcmp(r.errc, "ok") == 0 && r.ret > 0 ? (unsigned long long)r.ret : 0;
    if (p->reserved && handed < p->count && cs_stream_find(p->group) != NULL &&
        cs_stream_find(p->group)->sent == p->send_end)
      cs_stream_take_back(p->group, p->count - handed);
    return;
  }
  if (p->call_kind != CS_RECV) return;
  p->accounted = 1;
  r = cs_p_call_result(p->call);
  if (strcmp(r.errc, "ok") != 0 || r.ret <= 0) return;
  if (!cs_stream_received(p->group, cs_p_call_received(p->call), (size_t)r.ret, problem, sizeof(problem))) {
    cs_now.payload_held = 0;
    cs_note("payload: @%d's recv %s", (int)(p - cs_pendings) + 1, problem);
  }
}

/* `X start MECH CALL ... @P`: the call begins on the mechanism; its data is the socket's
 * payload stream (send), its bytes are checked at the collect (recv). */
static CS_UNUSED void cs_op_start(int e, int mechanism, int call, unsigned count, int other, int slot, int times_out) {
  cs_slot *s;
  const unsigned char *data = NULL;
  cs_call *made = NULL;
  char why[512] = "";
  const int thread = mechanism == CS_THREAD;
  cs_result out;
  cs_pending *p;
  if (call == CS_CONNECT) cs_set_destination(e, other);
  s = cs_use(e);
  if (s == NULL) return;
  if (call == CS_SEND) data = cs_bytes_to_send(s->group, count);
  /* While a call is pending on a worker its socket's timeouts are a minute (scaled), so
   * only the collect's bound, a cause the script makes or the reaping end it; a call the
   * model says only its own timeout ends gets the short one. */
  if (thread && s->open) cs_p_set_io_timeout(s->value, times_out ? cs_short_bound() : cs_scaled(60000));
  out = cs_p_call_start(mechanism, call, s->value, cs_kind_of(e), data, call == CS_SEND || call == CS_RECV ? count : 0,
                        call == CS_CONNECT ? &cs_destination : NULL, &made, why, sizeof(why));
  if (strcmp(out.errc, "ok") != 0) {
    if (thread && s->open) cs_p_set_io_timeout(s->value, cs_patience);
    if (strcmp(out.errc, "not_supported") == 0) {
      const cs_outcome failed = cs_to_outcome(out);
      cs_now.unavailable_mechanism = 1;
      if (!cs_model_admits(&failed))
        /* The profile has the mechanism, this host refused it (io_uring disabled, an old
         * kernel, a build without liburing): like a transport the host lacks. */
        cs_note("%s is not available here%s%s", cs_mechanism_name(mechanism), why[0] ? ": " : "", why);
      else
        /* A mechanism this platform lacks, as predicted (overlapped and iocp on POSIX,
         * io_uring on Winsock): its collect and cancel cannot run. */
        cs_note("%s is not available on this platform%s%s%s", cs_mechanism_name(mechanism),
                cs_now.why && cs_now.why[0] ? " (" : "", cs_now.why ? cs_now.why : "",
                cs_now.why && cs_now.why[0] ? ")" : "");
    }
    cs_done(out);
    cs_skip_if_no_mechanism();
    return;
  }
  p = &cs_pendings[slot];
  memset(p, 0, sizeof(*p));
  p->call = made;
  cs_copy(p->text, sizeof(p->text), cs_now.text, strlen(cs_now.text));
  p->mechanism = mechanism;
  p->call_kind = call;
  p->other = other;
  p->group = e < 0 ? -1 : s->group;
  p->transport = cs_kind_of(e);
  /* Its bytes are the stream's next; a send started on a closed handle sends nothing. */
  if (call == CS_SEND && s->open) {
    cs_stream_sent(s->group, count);
    p->reserved = 1;
    p->count = count;
    p->send_end = cs_stream_find(s->group)->sent;
  }
  cs_done(out);
}

/* `collect @P [MS]`: the completion, bounded; `blocked` when it had not come. */
static CS_UNUSED void cs_op_collect(int slot, int ms) {
  cs_pending *p = &cs_pendings[slot];
  cs_outcome blocked;
  int bound, i;
  cs_result out;
  if (p->call == NULL) {
    cs_note("nothing was started in @%d (its start failed)", slot + 1);
    cs_done(cs_synthetic("other"));
    return;
  }
  memset(&blocked, 0, sizeof(blocked));
  blocked.type = CS_O_BLOCKED;
  bound = ms >= 0 ? ms : (cs_now.model_expect == NULL || cs_model_admits(&blocked)) ? cs_blocked : cs_patience;
  if (!cs_p_call_wait(p->call, cs_scaled(bound))) {
    cs_done(cs_gave_up("@%d's call (`%s`) had not completed within %d ms", slot + 1, p->text, cs_scaled(bound)));
    return;
  }
  out = cs_p_call_result(p->call);
  cs_account(p);
  if (p->call_kind == CS_ACCEPT && strcmp(out.errc, "ok") == 0) {
    const cs_handle accepted = cs_p_call_take_accepted(p->call);
    if (accepted != CS_INVALID_HANDLE) cs_adopt(p->other, accepted, p->transport);
  }
  /* The socket's own timeouts again, if it is still open. */
  for (i = 0; i < CS_ENDPOINTS; ++i)
    if (cs_slots[i].open && !cs_stale(&cs_slots[i]) && cs_slots[i].group == p->group && p->group >= 0)
      cs_p_set_io_timeout(cs_slots[i].value, cs_patience);
  if (cs_p_call_completions(p->call) > 1) {
    cs_note("@%d's call (`%s`) completed %d times", slot + 1, p->text, cs_p_call_completions(p->call));
    cs_now.faulty = 1;
    p->call = NULL; /* a faulty call is not freed */
    cs_done(out);
    return;
  }
  cs_p_call_free(p->call);
  p->call = NULL;
  cs_done(out);
}

static CS_UNUSED void cs_op_cancel(int slot) {
  cs_pending *p = &cs_pendings[slot];
  if (p->call == NULL) {
    cs_note("nothing was started in @%d (its start failed)", slot + 1);
    cs_done(cs_synthetic("other"));
    return;
  }
  cs_done(cs_p_call_cancel(p->call));
}

/* ---- settles: after a successful op, what the model says it caused is waited for
 * (patience); one that does not come is a deviation ---- */

static CS_UNUSED int cs_settling(void) { return cs_now.called && cs_now.succeeded; }

static CS_UNUSED void cs_settle(int e, int what) {
  const cs_slot *s;
  cs_result seen;
  char what_text[256];
  if (!cs_settling() || e < 0) return;
  s = &cs_slots[e];
  if (!s->open) return;
  seen = cs_p_wait(s->value, what, cs_scaled(cs_patience));
  if (strcmp(seen.errc, "ok") == 0 && seen.ret != 0) return;
  snprintf(what_text, sizeof(what_text), "settle: %s did not become %s within %d ms", cs_name(e), cs_wait_name(what),
           cs_scaled(cs_patience));
  cs_deviation(what_text);
}

/* Until `bytes` are queued at e (FIONREAD), bounded by the patience: a wait for
 * readability, then the count; while short, a 1 ms pause and again (no primitive waits for
 * "more bytes" on a socket that is readable already). */
static CS_UNUSED void cs_settle_bytes(int e, unsigned long long bytes) {
  const cs_slot *s;
  long long deadline, queued = -1;
  char what[256];
  if (!cs_settling() || e < 0) return;
  s = &cs_slots[e];
  if (!s->open) return;
  deadline = cs_p_now_ms() + cs_scaled(cs_patience);
  for (;;) {
    const long long left = deadline - cs_p_now_ms();
    const cs_result seen = cs_p_wait(s->value, CS_READABLE, left > 0 ? (int)left : 0);
    const cs_result counted = cs_p_bytes_pending(s->value);
    queued = strcmp(counted.errc, "ok") == 0 ? counted.ret : -1;
    if (strcmp(seen.errc, "ok") != 0 || strcmp(counted.errc, "ok") != 0 || queued >= (long long)bytes) break;
    if (cs_p_now_ms() >= deadline) break;
    cs_p_sleep_ms(1);
  }
  if (queued >= (long long)bytes) return;
  snprintf(what, sizeof(what), "settle: %s had %lld of the %llu bytes sent to it queued after %d ms", cs_name(e), queued,
           bytes, cs_scaled(cs_patience));
  cs_deviation(what);
}

/* "slot P completes": the op caused the completion of the call pending there. */
static CS_UNUSED void cs_settle_slot(int slot) {
  cs_pending *p = &cs_pendings[slot];
  char what[512];
  if (!cs_settling() || p->call == NULL) return;
  if (cs_p_call_wait(p->call, cs_scaled(cs_patience))) return;
  snprintf(what, sizeof(what), "settle: @%d's call (`%s`) did not complete within %d ms", slot + 1, p->text,
           cs_scaled(cs_patience));
  cs_deviation(what);
}

/* After every step: a call the model still calls pending must not have completed (its
 * cause has not happened), and no call may complete twice. */
static CS_UNUSED void cs_still_pending(unsigned slot_mask) {
  int i;
  if (!cs_now.called) return;
  for (i = 0; i < CS_SLOTS; ++i) {
    cs_pending *p = &cs_pendings[i];
    char what[1024], result[256];
    int twice;
    cs_outcome o;
    if (p->call == NULL || p->early_reported) continue;
    twice = cs_p_call_completions(p->call) > 1;
    if (!twice && !((slot_mask & (1u << i)) != 0 && cs_p_call_wait(p->call, 0))) continue;
    p->early_reported = 1;
    if (twice) {
      snprintf(what, sizeof(what), "@%d's call (`%s`) completed %d times", i + 1, p->text,
               cs_p_call_completions(p->call));
    } else {
      o = cs_to_outcome(cs_p_call_result(p->call));
      cs_describe(result, sizeof(result), &o, cs_p_call_result(p->call).native);
      snprintf(what, sizeof(what), "@%d's call (`%s`) completed early, with %s, though nothing that completes it had "
               "happened", i + 1, p->text, result);
    }
    cs_deviation(what);
  }
}

static CS_UNUSED int cs_end(void) {
  cs_ended = 1;
  if (cs_finish()) {
    printf("closesem export of %s: DEVIATION: a pending call did not end (exit 1)\n", cs_script_name);
    return 1;
  }
  printf("closesem export of %s: every op as expected (exit 0)\n", cs_script_name);
  return 0;
}

#if defined(_WIN32)
/* ---- closesem export runtime: the Winsock part (Windows, and Wine) ----
 * Every cs_p_* call of cs_platform.h through ws2_32, as the C++ platform layer makes it
 * (core/src/platform/winsock/, common.cpp, core/src/pair.cpp): WSAGetLastError poisoned
 * before each call and read right after it. Pasted after cs_common.c, inside
 * `#if defined(_WIN32)`; build: x86_64-w64-mingw32-gcc -std=c11 ... -lws2_32 (AcceptEx,
 * ConnectEx through WSAIoctl, so no -lmswsock). */

/* What the native slot holds when no call ran (closesem's kErrorSentinel, "unset"). */
#define CS_W_SENTINEL ((int)0xdeadbeefu)

/* ---- errors: the table of errors_winsock.cpp (native value, its name, the portable name) ---- */
typedef struct {
  int code;
  const char *name;
  const char *errc;
} cs_w_error;

#define CS_W_E(code, errc) {code, #code, errc}
static const cs_w_error cs_w_errors[] = {
    CS_W_E(WSAEBADF, "bad_handle"),
    CS_W_E(WSAENOTSOCK, "not_socket"),
    CS_W_E(WSAENOTCONN, "not_connected"),
    CS_W_E(WSAEISCONN, "is_connected"),
    CS_W_E(WSAESHUTDOWN, "shut_down"),
    CS_W_E(WSAECONNRESET, "connection_reset"),
    CS_W_E(WSAECONNABORTED, "connection_aborted"),
    CS_W_E(WSAECONNREFUSED, "connection_refused"),
    CS_W_E(WSAEWOULDBLOCK, "would_block"),
    CS_W_E(WSAEINPROGRESS, "in_progress"),
    CS_W_E(WSAEALREADY, "already"),
    CS_W_E(WSAEINVAL, "invalid_argument"),
    CS_W_E(WSAEFAULT, "fault"),
    CS_W_E(WSAENOPROTOOPT, "no_protocol_option"),
    CS_W_E(WSAEOPNOTSUPP, "not_supported"),
    CS_W_E(WSAEAFNOSUPPORT, "not_supported"),
    CS_W_E(WSAEPROTONOSUPPORT, "not_supported"),
    CS_W_E(WSAESOCKTNOSUPPORT, "not_supported"),
    CS_W_E(WSAEADDRINUSE, "address_in_use"),
    CS_W_E(WSANOTINITIALISED, "not_initialised"),
    CS_W_E(WSAEDISCON, "disconnected"),
    CS_W_E(WSAEINTR, "interrupted"),
    CS_W_E(WSAETIMEDOUT, "timed_out"),
    CS_W_E(WSAENETDOWN, "network_down"),
    CS_W_E(WSAENETRESET, "other"),
    CS_W_E(WSAEADDRNOTAVAIL, "other"),
    CS_W_E(WSAENETUNREACH, "other"),
    CS_W_E(WSAEHOSTUNREACH, "other"),
    CS_W_E(WSAEMFILE, "other"),
    CS_W_E(WSAENOBUFS, "other"),
    CS_W_E(WSAEACCES, "other"),
    CS_W_E(WSAEMSGSIZE, "other"),
    CS_W_E(WSASYSNOTREADY, "other"),
    CS_W_E(WSAVERNOTSUPPORTED, "other"),
    CS_W_E(WSA_OPERATION_ABORTED, "operation_aborted"),
    /* Win32 codes that overlapped I/O completes with (GetOverlappedResult, IOCP). */
    CS_W_E(ERROR_CONNECTION_ABORTED, "connection_aborted"),
    CS_W_E(ERROR_NETNAME_DELETED, "connection_reset"),
    /* Wine completes overlapped I/O still pending on a closed socket with
     * STATUS_HANDLES_CLOSED, which GetQueuedCompletionStatus reports as this. */
    {676, "ERROR_HANDLES_CLOSED", "other"},
    CS_W_E(WSA_IO_PENDING, "other"),
    CS_W_E(WSA_INVALID_HANDLE, "other"),
    /* What CancelIoEx and CancelSynchronousIo answer when there is nothing to cancel, what
     * an unfinished OVERLAPPED reads as, and what a failed ConnectEx or a port association
     * completes with. */
    CS_W_E(ERROR_NOT_FOUND, "other"),
    CS_W_E(WSA_IO_INCOMPLETE, "other"),
    CS_W_E(ERROR_CONNECTION_REFUSED, "connection_refused"),
    CS_W_E(WSA_INVALID_PARAMETER, "invalid_argument"),
    CS_W_E(ERROR_SEM_TIMEOUT, "timed_out"),
};
#undef CS_W_E

static CS_UNUSED const cs_w_error *cs_w_find(int native) {
  for (size_t i = 0; i < sizeof cs_w_errors / sizeof cs_w_errors[0]; ++i)
    if (cs_w_errors[i].code == native) return &cs_w_errors[i];
  return NULL;
}

const char *cs_p_error_name(int native) {
  const cs_w_error *entry = cs_w_find(native);
  return entry != NULL ? entry->name : NULL;
}

const char *cs_p_errc(int native) {
  const cs_w_error *entry = cs_w_find(native);
  return entry != NULL ? entry->errc : "other";
}

/* The first native error of that portable name (the C++ native_from_errc). */
int cs_p_native_of(const char *errc) {
  if (errc == NULL) return 0;
  for (size_t i = 0; i < sizeof cs_w_errors / sizeof cs_w_errors[0]; ++i)
    if (strcmp(cs_w_errors[i].errc, errc) == 0) return cs_w_errors[i].code;
  return 0;
}

/* ---- the capture discipline: the slot poisoned before, read first thing after ---- */
static CS_UNUSED void cs_w_poison(void) { WSASetLastError(CS_W_SENTINEL); }

/* WSAGetLastError and GetLastError share the thread's slot: one capture serves Win32 calls
 * (CancelIoEx, CancelSynchronousIo, CreateIoCompletionPort) too. */
static CS_UNUSED cs_result cs_w_capture(long long ret, int failed) {
  cs_result out;
  out.native = WSAGetLastError();
  out.ret = ret;
  out.errc = failed ? cs_p_errc(out.native) : "ok";
  if (!failed) out.native = 0;
  return out;
}

static CS_UNUSED cs_result cs_w_ok(long long ret) {
  cs_result out;
  out.ret = ret;
  out.native = 0;
  out.errc = "ok";
  return out;
}

static CS_UNUSED cs_result cs_w_failure(int native) {
  cs_result out;
  out.ret = -1;
  out.native = native;
  out.errc = cs_p_errc(native);
  return out;
}

/* Refused without any call: the native slot stays the sentinel ("the call never ran"). */
static CS_UNUSED cs_result cs_w_not_supported(void) {
  cs_result out;
  out.ret = -1;
  out.native = CS_W_SENTINEL;
  out.errc = "not_supported";
  return out;
}

/* Winsock timeouts are int / DWORD milliseconds: clamp (a negative bound is no bound at
 * all to WSAPoll, and every wait here is bounded). */
static CS_UNUSED int cs_w_ms(long long ms) {
  if (ms < 0) return 0;
  if (ms > 0x7ffffffe) return 0x7ffffffe;
  return (int)ms;
}

/* The bounds the C++ layer scales by CLOSESEM_TIMEOUT_MULTIPLIER. A bad value is
 * cs_common.c's to report (exit 2 before any call); here it counts as 1. */
static CS_UNUSED int cs_w_scaled(int ms) {
  const char *text = getenv("CLOSESEM_TIMEOUT_MULTIPLIER");
  double factor = 1.0;
  if (text != NULL && *text != '\0') {
    char *end = NULL;
    const double value = strtod(text, &end);
    if (end != text && *end == '\0' && value >= 1.0 && value <= 100.0) factor = value;
  }
  return (int)((double)ms * factor);
}

/* "ret=-1 errc=not_supported native=WSAEAFNOSUPPORT(10047)", as CallResult::describe. */
static CS_UNUSED void cs_w_describe(const cs_result *r, char *out, size_t size) {
  char native[64];
  const char *name = cs_p_error_name(r->native);
  if (r->native == CS_W_SENTINEL)
    snprintf(native, sizeof native, "unset");
  else if (r->native == 0)
    snprintf(native, sizeof native, "0");
  else if (name != NULL)
    snprintf(native, sizeof native, "%s(%d)", name, r->native);
  else
    snprintf(native, sizeof native, "%d(%d)", r->native, r->native);
  snprintf(out, size, "ret=%lld errc=%s native=%s", r->ret, r->errc, native);
}

static CS_UNUSED void cs_w_note(char *note, size_t size, const char *format, ...) {
  va_list args;
  if (note == NULL || size == 0) return;
  va_start(args, format);
  vsnprintf(note, size, format, args);
  va_end(args);
}

/* ---- the process: sessions, clock, identity ---- */
static volatile LONG cs_w_sessions = 0;      /* startups not yet balanced by a cleanup */
static volatile LONG cs_w_epoch = 0;         /* times the count fell to zero */
static LARGE_INTEGER cs_w_frequency;

cs_result cs_p_startup(void) {
  WSADATA data;
  cs_result out;
  memset(&data, 0, sizeof data);
  cs_w_poison();
  /* WSAStartup returns its error instead of setting the last error. */
  const int ret = WSAStartup(MAKEWORD(2, 2), &data);
  if (ret == 0) InterlockedIncrement(&cs_w_sessions);
  out.ret = ret;
  out.native = ret;
  out.errc = ret == 0 ? "ok" : cs_p_errc(ret);
  return out;
}

cs_result cs_p_cleanup(void) {
  cs_w_poison();
  const int ret = WSACleanup();
  cs_result out = cs_w_capture(ret, ret == SOCKET_ERROR);
  if (ret == 0 && InterlockedDecrement(&cs_w_sessions) == 0) InterlockedIncrement(&cs_w_epoch);
  return out;
}

unsigned long cs_p_session(void) { return (unsigned long)cs_w_epoch; }

/* As `ops run`: the process holds one session (platform::Session) for the whole run; a
 * script's own cleanup can end it (then the session epoch moves). */
int cs_p_init(char *why, size_t size) {
  QueryPerformanceFrequency(&cs_w_frequency);
  const cs_result started = cs_p_startup();
  if (strcmp(started.errc, "ok") != 0) {
    char text[160];
    cs_w_describe(&started, text, sizeof text);
    cs_w_note(why, size, "WSAStartup(2.2) failed: %s", text);
    return 1;
  }
  return 0;
}

long long cs_p_now_ms(void) {
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  if (cs_w_frequency.QuadPart == 0) QueryPerformanceFrequency(&cs_w_frequency);
  return (long long)(now.QuadPart / (cs_w_frequency.QuadPart / 1000 > 0 ? cs_w_frequency.QuadPart / 1000 : 1));
}

void cs_p_sleep_ms(int ms) { Sleep((DWORD)cs_w_ms(ms)); }

typedef LONG(WINAPI *cs_w_rtl_get_version)(OSVERSIONINFOW *);
typedef const char *(CDECL *cs_w_wine_get_version)(void);

/* ntdll's wine_get_version exists only under Wine (the C++ make_identity). */
static CS_UNUSED const char *cs_w_wine_version(void) {
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (ntdll == NULL) return NULL;
  FARPROC found = GetProcAddress(ntdll, "wine_get_version");
  if (found == NULL) return NULL;
  cs_w_wine_get_version get;
  memcpy(&get, &found, sizeof get);
  const char *version = get();
  return version != NULL && *version != '\0' ? version : "unknown";
}

int cs_p_is_wine(void) { return cs_w_wine_version() != NULL; }

const char *cs_p_platform(void) {
  static char text[128];
  char version[64] = "unknown";
  /* RtlGetVersion tells the truth where GetVersionEx is shimmed by the manifest. */
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  FARPROC found = ntdll != NULL ? GetProcAddress(ntdll, "RtlGetVersion") : NULL;
  if (found != NULL) {
    cs_w_rtl_get_version get;
    OSVERSIONINFOW info;
    memcpy(&get, &found, sizeof get);
    memset(&info, 0, sizeof info);
    info.dwOSVersionInfoSize = sizeof info;
    if (get(&info) == 0)
      snprintf(version, sizeof version, "%lu.%lu.%lu", (unsigned long)info.dwMajorVersion,
               (unsigned long)info.dwMinorVersion, (unsigned long)info.dwBuildNumber);
  }
  const char *wine = cs_w_wine_version();
  if (wine != NULL)
    snprintf(text, sizeof text, "Windows %s (Wine %s)", version, wine);
  else
    snprintf(text, sizeof text, "Windows %s", version);
  return text;
}

/* ---- addresses ---- */
/* sockaddr_un of afunix.h (not included by cs_platform.h). */
typedef struct {
  ADDRESS_FAMILY sun_family;
  char sun_path[108];
} cs_w_sockaddr_un;

static CS_UNUSED int cs_w_family(int transport) {
  switch (transport) {
    case CS_TCP4: return AF_INET;
    case CS_TCP6: return AF_INET6;
    case CS_UNIX: return AF_UNIX;
  }
  return AF_UNSPEC;
}

/* AF_UNIX paths this process bound: removed when it ends (common.cpp's UnixPaths). */
static char *cs_w_unix_paths[64];
static int cs_w_unix_path_count = 0;

static CS_UNUSED void cs_w_remove_unix_paths(void) {
  for (int i = 0; i < cs_w_unix_path_count; ++i) {
    DeleteFileA(cs_w_unix_paths[i]);
    free(cs_w_unix_paths[i]);
  }
  cs_w_unix_path_count = 0;
}

static CS_UNUSED void cs_w_unix_path(char *out, size_t size) {
  static unsigned counter = 0;
  char dir[MAX_PATH + 1];
  const DWORD length = GetTempPathA(sizeof dir, dir);
  if (length == 0 || length > MAX_PATH) strcpy(dir, ".\\");
  snprintf(out, size, "%sclosesem-%lu-%u.sock", dir, (unsigned long)GetCurrentProcessId(), counter++);
  if (cs_w_unix_path_count == 0) atexit(cs_w_remove_unix_paths);
  if (cs_w_unix_path_count < (int)(sizeof cs_w_unix_paths / sizeof cs_w_unix_paths[0])) {
    char *copy = (char *)malloc(strlen(out) + 1);
    if (copy != NULL) {
      strcpy(copy, out);
      cs_w_unix_paths[cs_w_unix_path_count++] = copy;
    }
  }
}

/* The loopback address of a transport, port 0 (or a fresh AF_UNIX path). */
static CS_UNUSED void cs_w_loopback(int transport, cs_addr *out) {
  memset(out, 0, sizeof *out);
  out->transport = transport;
  if (transport == CS_TCP4) {
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memcpy(&out->storage, &in, sizeof in);
    out->length = (int)sizeof in;
  } else if (transport == CS_TCP6) {
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
    memcpy(&out->storage, &in6, sizeof in6);
    out->length = (int)sizeof in6;
  } else {
    cs_w_sockaddr_un un;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    cs_w_unix_path(un.sun_path, sizeof un.sun_path);
    memcpy(&out->storage, &un, sizeof un);
    out->length = (int)(offsetof(cs_w_sockaddr_un, sun_path) + strlen(un.sun_path) + 1);
  }
}

static CS_UNUSED int cs_w_transport_of(int family) {
  switch (family) {
    case AF_INET6: return CS_TCP6;
    case AF_UNIX: return CS_UNIX;
    default: return CS_TCP4;
  }
}

/* The port of an address (0 for AF_UNIX and none). */
static CS_UNUSED unsigned cs_w_port_number(const cs_addr *a) {
  if (a->length <= 0) return 0;
  if (a->storage.ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)&a->storage)->sin_port);
  if (a->storage.ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)&a->storage)->sin6_port);
  return 0;
}

/* ---- sockets (socket_winsock.cpp) ---- */
/* Not inherited by child processes, overlapped-capable like socket(). */
#define CS_W_SOCKET_FLAGS (WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT)

cs_result cs_p_open(int transport, cs_handle *out) {
  *out = CS_INVALID_HANDLE;
  cs_w_poison();
  const SOCKET s = WSASocketW(cs_w_family(transport), SOCK_STREAM, 0, NULL, 0, CS_W_SOCKET_FLAGS);
  cs_result r = cs_w_capture(s == INVALID_SOCKET ? -1 : 0, s == INVALID_SOCKET);
  if (s != INVALID_SOCKET) *out = s;
  return r;
}

cs_result cs_p_close(cs_handle h) {
  cs_w_poison();
  const int ret = closesocket(h);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

/* how as written: 0 SD_RECEIVE, 1 SD_SEND, 2 SD_BOTH (the same numbers), or any number. */
cs_result cs_p_shutdown(cs_handle h, int how) {
  cs_w_poison();
  const int ret = shutdown(h, how);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_send(cs_handle h, const void *data, size_t size) {
  const int length = (int)(size < 0x7fffffff ? size : 0x7fffffff);
  cs_w_poison();
  const int ret = send(h, (const char *)data, length, 0);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_recv(cs_handle h, void *data, size_t size) {
  const int length = (int)(size < 0x7fffffff ? size : 0x7fffffff);
  cs_w_poison();
  const int ret = recv(h, (char *)data, length, 0);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

/* LINGER's fields are u_short on Windows (contract L1): larger values truncate. */
cs_result cs_p_set_linger(cs_handle h, int on, int seconds) {
  struct linger value;
  value.l_onoff = (u_short)(on ? 1 : 0);
  value.l_linger = (u_short)seconds;
  cs_w_poison();
  const int ret = setsockopt(h, SOL_SOCKET, SO_LINGER, (const char *)&value, sizeof value);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_set_nonblocking(cs_handle h, int on) {
  u_long mode = on ? 1 : 0;
  cs_w_poison();
  const int ret = ioctlsocket(h, FIONBIO, &mode);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_set_io_timeout(cs_handle h, int ms) {
  const DWORD value = (DWORD)(ms < 0 ? 0 : ms);
  const int options[2] = {SO_RCVTIMEO, SO_SNDTIMEO};
  for (int i = 0; i < 2; ++i) {
    cs_w_poison();
    const int ret = setsockopt(h, SOL_SOCKET, options[i], (const char *)&value, sizeof value);
    if (ret == SOCKET_ERROR) return cs_w_capture(ret, 1);
  }
  return cs_w_ok(0);
}

cs_result cs_p_wait(cs_handle h, int what, int ms) {
  WSAPOLLFD entry;
  memset(&entry, 0, sizeof entry);
  entry.fd = h;
  switch (what) {
    case CS_READABLE: entry.events = POLLRDNORM; break;
    case CS_WRITABLE: entry.events = POLLWRNORM; break;
    /* WSAPoll reports POLLHUP for a peer's close without being asked (contract §4 #27). */
    default: entry.events = 0; break;
  }
  cs_w_poison();
  const int ret = WSAPoll(&entry, 1, cs_w_ms(ms));
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_bytes_pending(cs_handle h) {
  u_long count = 0;
  cs_w_poison();
  const int ret = ioctlsocket(h, FIONREAD, &count);
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) r.ret = (long long)count;
  return r;
}

cs_result cs_p_so_error(cs_handle h, int *so_error) {
  int value = CS_W_SENTINEL;
  int length = sizeof value;
  cs_w_poison();
  const int ret = getsockopt(h, SOL_SOCKET, SO_ERROR, (char *)&value, &length);
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  if (ret == 0 && so_error != NULL) *so_error = value;
  return r;
}

int cs_p_accepts_connections(cs_handle h) {
  BOOL value = FALSE;
  int length = sizeof value;
  return getsockopt(h, SOL_SOCKET, SO_ACCEPTCONN, (char *)&value, &length) == 0 ? value != FALSE : -1;
}

static CS_UNUSED cs_result cs_w_bind(cs_handle h, const cs_addr *at) {
  if (at->transport == CS_TCP6) {
    DWORD on = 1;
    cs_w_poison();
    const int ret = setsockopt(h, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&on, sizeof on);
    if (ret == SOCKET_ERROR) return cs_w_capture(ret, 1);
  }
  cs_w_poison();
  const int ret = bind(h, (const struct sockaddr *)&at->storage, at->length);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_bind_loopback(cs_handle h, int transport) {
  cs_addr at;
  cs_w_loopback(transport, &at);
  return cs_w_bind(h, &at);
}

cs_result cs_p_listen(cs_handle h, int backlog) {
  cs_w_poison();
  const int ret = listen(h, backlog);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_connect(cs_handle h, const cs_addr *to) {
  if (to == NULL || to->length <= 0) {
    /* The C++ to_address failing: an address that does not parse. */
    WSASetLastError(WSAEINVAL);
    return cs_w_capture(SOCKET_ERROR, 1);
  }
  cs_w_poison();
  const int ret = connect(h, (const struct sockaddr *)&to->storage, to->length);
  return cs_w_capture(ret, ret == SOCKET_ERROR);
}

cs_result cs_p_accept(cs_handle h, cs_handle *out) {
  *out = CS_INVALID_HANDLE;
  cs_w_poison();
  const SOCKET s = accept(h, NULL, NULL);
  cs_result r = cs_w_capture(s == INVALID_SOCKET ? -1 : 0, s == INVALID_SOCKET);
  if (s != INVALID_SOCKET) {
    /* accept() makes an inheritable handle; keep it ours (the C++ layer spawns peers). */
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    *out = s;
  }
  return r;
}

cs_result cs_p_name(cs_handle h, int peer, cs_addr *out) {
  memset(out, 0, sizeof *out);
  int length = (int)sizeof out->storage;
  cs_w_poison();
  const int ret = peer ? getpeername(h, (struct sockaddr *)&out->storage, &length)
                       : getsockname(h, (struct sockaddr *)&out->storage, &length);
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) {
    out->length = length;
    out->transport = cs_w_transport_of(out->storage.ss_family);
  } else {
    out->length = 0;
  }
  return r;
}

cs_result cs_p_dup(cs_handle h, cs_handle *out) {
  WSAPROTOCOL_INFOW info;
  memset(&info, 0, sizeof info);
  *out = CS_INVALID_HANDLE;
  cs_w_poison();
  const int ret = WSADuplicateSocketW(h, GetCurrentProcessId(), &info);
  if (ret == SOCKET_ERROR) return cs_w_capture(ret, 1);
  cs_w_poison();
  const SOCKET s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0, CS_W_SOCKET_FLAGS);
  cs_result r = cs_w_capture(s == INVALID_SOCKET ? -1 : 0, s == INVALID_SOCKET);
  if (s != INVALID_SOCKET) *out = s;
  return r;
}

/* Whether the value names a socket now (getsockopt answers), the last error kept. */
int cs_p_handle_in_use(cs_handle h) {
  int type = 0;
  int length = sizeof type;
  const int saved = WSAGetLastError();
  const int in_use = getsockopt(h, SOL_SOCKET, SO_TYPE, (char *)&type, &length) == 0;
  WSASetLastError(saved);
  return in_use;
}

/* ---- pairs (core/src/pair.cpp) ----
 * One listener per transport, bound to port 0 and kept for the process's life, accepts
 * every pair's server end, as the C++ factory does (so handle values are taken and freed as
 * under `ops run`); after the last WSACleanup it is let go of without closing (its value
 * may name a new socket by then). */
typedef struct {
  SOCKET socket;
  cs_addr at;
} cs_w_listener;

static cs_w_listener cs_w_listeners[3] = {{INVALID_SOCKET, {{0}, 0, 0}},
                                          {INVALID_SOCKET, {{0}, 0, 0}},
                                          {INVALID_SOCKET, {{0}, 0, 0}}};
static int cs_w_available[3] = {0, 0, 0};
static unsigned long cs_w_listener_epoch = 0;

/* The pair's failure: its call's own outcome, or a stand-in when that call succeeded (the
 * runner's synthetic: the error's first native value). */
static CS_UNUSED cs_result cs_w_pair_failure(cs_result outcome, const char *errc) {
  if (strcmp(outcome.errc, "ok") != 0) return outcome;
  cs_result out;
  out.ret = -1;
  out.errc = errc;
  out.native = cs_p_native_of(errc);
  return out;
}

static CS_UNUSED int cs_w_same_peer(const cs_addr *a, const cs_addr *b) {
  if (a->length <= 0 || b->length <= 0 || a->storage.ss_family != b->storage.ss_family) return 0;
  if (a->storage.ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)&a->storage;
    const struct sockaddr_in *y = (const struct sockaddr_in *)&b->storage;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->storage.ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->storage;
    const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->storage;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return 0;
}

/* "127.0.0.1:5000", "[::1]:5000", "unix:PATH", as Endpoint::describe. */
static CS_UNUSED void cs_w_addr_text(const cs_addr *a, char *out, size_t size) {
  char host[INET6_ADDRSTRLEN] = "";
  if (a->length > 0 && a->storage.ss_family == AF_INET) {
    inet_ntop(AF_INET, (void *)&((const struct sockaddr_in *)&a->storage)->sin_addr, host, sizeof host);
    snprintf(out, size, "%s:%u", host, cs_w_port_number(a));
  } else if (a->length > 0 && a->storage.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, (void *)&((const struct sockaddr_in6 *)&a->storage)->sin6_addr, host, sizeof host);
    snprintf(out, size, "[%s]:%u", host, cs_w_port_number(a));
  } else if (a->length > 0 && a->storage.ss_family == AF_UNIX) {
    snprintf(out, size, "unix:%.108s", ((const cs_w_sockaddr_un *)&a->storage)->sun_path);
  } else {
    snprintf(out, size, "(no address)");
  }
}

static CS_UNUSED const char *cs_w_transport_name(int transport) {
  return transport == CS_TCP4 ? "tcp4" : transport == CS_TCP6 ? "tcp6" : "unix";
}

cs_result cs_p_pair(int transport, int reversed, cs_handle *first, cs_handle *second, char *note, size_t size) {
  char text[160];
  const int timeout = cs_w_scaled(5000);
  *first = CS_INVALID_HANDLE;
  *second = CS_INVALID_HANDLE;
  if (note != NULL && size > 0) note[0] = '\0';
  if (transport < CS_TCP4 || transport > CS_UNIX) {
    cs_w_note(note, size, "unknown transport %d", transport);
    return cs_w_failure(WSAEINVAL);
  }
  /* The listeners are gone after the last WSACleanup: forget them without closing. */
  if (cs_p_session() != cs_w_listener_epoch) {
    for (int i = 0; i < 3; ++i) cs_w_listeners[i].socket = INVALID_SOCKET;
    cs_w_listener_epoch = cs_p_session();
  }
  /* The transport, probed once (only a transport found available is remembered: a probe
   * can also fail for a passing reason, no session at the time). */
  if (!cs_w_available[transport]) {
    cs_handle probe;
    cs_result opened = cs_p_open(transport, &probe);
    if (strcmp(opened.errc, "ok") != 0) {
      cs_w_describe(&opened, text, sizeof text);
      cs_w_note(note, size, "socket(%s) failed: %s", cs_w_transport_name(transport), text);
      return cs_w_pair_failure(opened, "not_supported");
    }
    if (transport == CS_TCP6) {
      cs_result bound = cs_p_bind_loopback(probe, transport);
      if (strcmp(bound.errc, "ok") != 0) {
        cs_w_describe(&bound, text, sizeof text);
        cs_w_note(note, size, "no IPv6 loopback: bind [::1]:0 failed: %s", text);
        cs_p_close(probe);
        return cs_w_pair_failure(bound, "not_supported");
      }
    }
    cs_p_close(probe);
    cs_w_available[transport] = 1;
  }
  cs_w_listener *listener = &cs_w_listeners[transport];
  if (listener->socket == INVALID_SOCKET) {
    cs_handle made;
    cs_result r = cs_p_open(transport, &made);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_bind_loopback(made, transport);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_listen(made, 128);
    if (strcmp(r.errc, "ok") == 0) r = cs_p_name(made, 0, &listener->at);
    if (strcmp(r.errc, "ok") != 0) {
      if (made != CS_INVALID_HANDLE) cs_p_close(made);
      cs_w_describe(&r, text, sizeof text);
      cs_w_note(note, size, "listener on %s: %s", cs_w_transport_name(transport), text);
      return cs_w_pair_failure(r, "other");
    }
    listener->socket = made;
  }

  /* Connect without blocking, so that a listener that never answers is a bounded failure. */
  cs_handle client;
  cs_result r = cs_p_open(transport, &client);
  if (strcmp(r.errc, "ok") != 0) {
    cs_w_describe(&r, text, sizeof text);
    cs_w_note(note, size, "socket: %s", text);
    return cs_w_pair_failure(r, "other");
  }
  r = cs_p_set_nonblocking(client, 1);
  if (strcmp(r.errc, "ok") != 0) {
    cs_w_describe(&r, text, sizeof text);
    cs_w_note(note, size, "set non-blocking: %s", text);
    cs_p_close(client);
    return cs_w_pair_failure(r, "other");
  }
  r = cs_p_connect(client, &listener->at);
  if (strcmp(r.errc, "ok") != 0 && strcmp(r.errc, "in_progress") != 0 && strcmp(r.errc, "would_block") != 0) {
    cs_w_describe(&r, text, sizeof text);
    char at[INET6_ADDRSTRLEN + 16];
    cs_w_addr_text(&listener->at, at, sizeof at);
    cs_w_note(note, size, "connect to %s: %s", at, text);
    cs_p_close(client);
    return cs_w_pair_failure(r, "other");
  }
  if (strcmp(r.errc, "ok") != 0) {
    const cs_result ready = cs_p_wait(client, CS_WRITABLE, timeout);
    if (strcmp(ready.errc, "ok") != 0 || ready.ret != 1) {
      cs_w_describe(&ready, text, sizeof text);
      cs_w_note(note, size, "connect did not complete within %d ms: %s", timeout, text);
      cs_p_close(client);
      return cs_w_pair_failure(ready, "other");
    }
    int so_error = 0;
    const cs_result status = cs_p_so_error(client, &so_error);
    if (strcmp(status.errc, "ok") != 0 || so_error != 0) {
      const char *name = cs_p_error_name(so_error);
      cs_w_describe(&status, text, sizeof text);
      cs_w_note(note, size, "connect (SO_ERROR %s(%d)): %s", name != NULL ? name : "?", so_error, text);
      cs_p_close(client);
      return cs_w_pair_failure(status, "other");
    }
  }
  r = cs_p_set_nonblocking(client, 0);
  if (strcmp(r.errc, "ok") != 0) {
    cs_w_describe(&r, text, sizeof text);
    cs_w_note(note, size, "set blocking: %s", text);
    cs_p_close(client);
    return cs_w_pair_failure(r, "other");
  }
  cs_addr client_address;
  cs_p_name(client, 0, &client_address);

  /* Accept the connection just made; anything else in the queue is not ours. */
  cs_handle server = CS_INVALID_HANDLE;
  for (int tries = 0; tries < 16; ++tries) {
    const cs_result ready = cs_p_wait(listener->socket, CS_READABLE, timeout);
    if (strcmp(ready.errc, "ok") != 0 || ready.ret != 1) {
      cs_w_describe(&ready, text, sizeof text);
      cs_w_note(note, size, "accept: no connection within %d ms: %s", timeout, text);
      cs_p_close(client);
      return cs_w_pair_failure(ready, "other");
    }
    cs_handle candidate;
    const cs_result accepted = cs_p_accept(listener->socket, &candidate);
    if (strcmp(accepted.errc, "ok") != 0) {
      cs_w_describe(&accepted, text, sizeof text);
      cs_w_note(note, size, "accept: %s", text);
      cs_p_close(client);
      return cs_w_pair_failure(accepted, "other");
    }
    cs_addr candidate_peer;
    cs_p_name(candidate, 1, &candidate_peer);
    if (transport == CS_UNIX || cs_w_same_peer(&candidate_peer, &client_address)) {
      server = candidate;
      break;
    }
    cs_p_close(candidate);
  }
  if (server == CS_INVALID_HANDLE) {
    cs_w_note(note, size, "accept: our connection never came out of the queue");
    cs_p_close(client);
    return cs_w_pair_failure(cs_w_ok(0), "other");
  }
  *first = reversed ? server : client;
  *second = reversed ? client : server;
  return cs_w_ok(0);
}

/* ---- notifications (notify_winsock.cpp) ---- */
cs_result cs_p_poll(cs_handle h, int ms, unsigned *events) {
  WSAPOLLFD entry;
  memset(&entry, 0, sizeof entry);
  entry.fd = h;
  /* POLLPRI is not asked: WSAPoll documents it as unsupported (WSAEINVAL) for TCP. */
  entry.events = POLLRDNORM | POLLWRNORM;
  cs_w_poison();
  const int ret = WSAPoll(&entry, 1, cs_w_ms(ms));
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  /* revents read even when the call failed: on a closed socket WSAPoll fails with
   * WSAENOTSOCK and still marks the entry POLLNVAL (measured under Wine 8.0). */
  unsigned seen = 0;
  if ((entry.revents & POLLRDNORM) != 0) seen |= CS_EV_IN;
  if ((entry.revents & POLLWRNORM) != 0) seen |= CS_EV_OUT;
  if ((entry.revents & POLLHUP) != 0) seen |= CS_EV_HUP;
  if ((entry.revents & POLLERR) != 0) seen |= CS_EV_ERR;
  if ((entry.revents & POLLNVAL) != 0) seen |= CS_EV_NVAL;
  *events = seen;
  return r;
}

cs_result cs_p_select(cs_handle h, int ms, unsigned *events) {
  fd_set readable, writable, exceptional;
  FD_ZERO(&readable);
  FD_ZERO(&writable);
  FD_ZERO(&exceptional);
  FD_SET(h, &readable);
  FD_SET(h, &writable);
  FD_SET(h, &exceptional);
  const int bound_ms = cs_w_ms(ms);
  struct timeval bound;
  bound.tv_sec = bound_ms / 1000;
  bound.tv_usec = (bound_ms % 1000) * 1000;
  cs_w_poison();
  /* The first argument is ignored by Winsock (kept for Berkeley compatibility). */
  const int ret = select(0, &readable, &writable, &exceptional, &bound);
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  unsigned seen = 0;
  if (ret > 0) {
    if (FD_ISSET(h, &readable)) seen |= CS_EV_IN;
    if (FD_ISSET(h, &writable)) seen |= CS_EV_OUT;
    if (FD_ISSET(h, &exceptional)) seen |= CS_EV_ERR;
    /* select counts each set the socket is in; the contract is poll's: 1 when any came. */
    r.ret = 1;
  }
  *events = seen;
  return r;
}

struct cs_notifier {
  SOCKET socket;
  WSAEVENT event;
};

cs_result cs_p_notifier_open(int kind, cs_handle h, cs_notifier **out) {
  *out = NULL;
  if (kind != CS_EVENT_SELECT) return cs_w_not_supported(); /* epoll is Linux's */
  cs_w_poison();
  const WSAEVENT event = WSACreateEvent();
  if (event == WSA_INVALID_EVENT) return cs_w_capture(-1, 1);
  cs_w_poison();
  const int ret = WSAEventSelect(h, event, FD_READ | FD_WRITE | FD_ACCEPT | FD_CONNECT | FD_CLOSE);
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  if (ret == SOCKET_ERROR) {
    WSACloseEvent(event);
    return r;
  }
  cs_notifier *made = (cs_notifier *)malloc(sizeof *made);
  if (made == NULL) {
    WSACloseEvent(event);
    return cs_w_failure(WSAENOBUFS);
  }
  made->socket = h;
  made->event = event;
  *out = made;
  return r;
}

cs_result cs_p_notifier_wait(cs_notifier *n, int ms, unsigned *events, const char **close_error) {
  *events = 0;
  if (close_error != NULL) *close_error = "ok";
  cs_w_poison();
  const DWORD waited = WSAWaitForMultipleEvents(1, &n->event, FALSE, (DWORD)cs_w_ms(ms), FALSE);
  if (waited == WSA_WAIT_FAILED) return cs_w_capture(-1, 1);
  if (waited == WSA_WAIT_TIMEOUT) return cs_w_ok(0);
  WSANETWORKEVENTS recorded;
  memset(&recorded, 0, sizeof recorded);
  cs_w_poison();
  /* Copies the record, clears it and resets the event, atomically. */
  const int ret = WSAEnumNetworkEvents(n->socket, n->event, &recorded);
  cs_result r = cs_w_capture(ret, ret == SOCKET_ERROR);
  if (ret == SOCKET_ERROR) return r;
  const long bits = recorded.lNetworkEvents;
  unsigned seen = 0;
  if ((bits & FD_READ) != 0) seen |= CS_EV_READ;
  if ((bits & FD_WRITE) != 0) seen |= CS_EV_WRITE;
  if ((bits & FD_ACCEPT) != 0) seen |= CS_EV_ACCEPT;
  if ((bits & FD_CONNECT) != 0) seen |= CS_EV_CONNECT;
  if ((bits & FD_CLOSE) != 0) {
    seen |= CS_EV_CLOSE;
    const int code = recorded.iErrorCode[FD_CLOSE_BIT];
    /* 0: a graceful close; otherwise the documented WSAECONNRESET / WSAECONNABORTED. */
    if (close_error != NULL) *close_error = code == 0 ? "ok" : cs_p_errc(code);
  }
  *events = seen;
  /* The event was set but nothing was recorded (read in between): no events. */
  r.ret = seen != 0 ? 1 : 0;
  return r;
}

/* Only the event object is ours. The socket stays associated with it (a closed event just
 * never signals): undoing the association would call WSAEventSelect on a value that may
 * since name another socket. */
void cs_p_notifier_close(cs_notifier *n) {
  if (n == NULL) return;
  WSACloseEvent(n->event);
  free(n);
}

/* ---- pending calls (async_winsock.cpp) ---- */

/* thread: a blocking call on a worker thread, interrupted by CancelSynchronousIo.
 * Workers are reused, as in the C++ layer (async_pool.hpp): four pool workers made
 * together on the first `thread` start and parked between calls; when none is parked (more
 * calls pending at once, or workers stuck in calls that never returned) a call gets a
 * thread of its own. So a call makes no handle (the pool's exist from the first use on;
 * the locks are SRW locks and condition variables, which are no handles either): a handle
 * made mid-script could take the value a closed socket freed, which the script may still
 * use (closesocket D3).
 * What the worker touches is shared with the call by a reference count, so that a worker
 * that never returns (left to the process by reap) never writes into freed memory.
 * CancelSynchronousIo is made only under the lock while `done` is false: the worker sets
 * `done` under it after its call returned and takes no other call before, so the cancel
 * reaches this call or nothing, never the worker's next one. */
typedef struct {
  volatile LONG refs;
  int entered;           /* about to make the call (its thread handle is set) */
  int done;              /* the call returned: result and accepted are final */
  HANDLE thread;         /* the worker's real handle (CancelSynchronousIo) */
  HANDLE own;            /* a thread of the call's own (no pool worker was parked) */
  int call;
  cs_handle handle;
  unsigned char *buffer; /* recv: where the data goes; send: the bytes */
  size_t size;
  cs_addr to;
  cs_result result;
  cs_handle accepted;
} cs_w_tcall;

/* One overlapped call's kernel-visible memory: the OVERLAPPED (first, so a completion
 * packet's pointer is the Io's) and the buffers the kernel writes or reads until the
 * completion. A call reaped without its completion leaks it on purpose. */
typedef struct cs_w_io {
  OVERLAPPED overlapped;
  HANDLE event;          /* overlapped: the completion's event (iocp: none) */
  SOCKET socket;
  int call;
  unsigned char *buffer;
  size_t size;
  WSABUF wsabuf;
  SOCKET accept_socket;  /* AcceptEx's new socket */
  /* AcceptEx's address buffer: local and remote, each the address + 16 bytes. */
  char addresses[2 * (sizeof(struct sockaddr_storage) + 16)];
  /* iocp: set by the port's dispatcher. */
  int packets;
  DWORD bytes;
  DWORD error;
  int registered;
  struct cs_w_io *next;
} cs_w_io;

struct cs_call {
  int mechanism;
  int call;
  cs_w_tcall *worker;    /* thread */
  cs_w_io *io;           /* overlapped, iocp; NULL once leaked */
  int settled;           /* thread: reaped */
  int completions;
  cs_result result;
  unsigned char *received;
  cs_handle accepted;
};

/* One lock and one condition for every thread call and the pool: the worker's state
 * changes are rare and each waiter checks its own condition. */
static SRWLOCK cs_w_tlock = SRWLOCK_INIT;
static CONDITION_VARIABLE cs_w_tchanged = CONDITION_VARIABLE_INIT;

#define CS_W_POOL_SIZE 4
typedef struct {
  HANDLE thread;
  cs_w_tcall *call;      /* the call to run; NULL while parked */
} cs_w_pool_worker;
static cs_w_pool_worker cs_w_pool[CS_W_POOL_SIZE];
static cs_w_pool_worker *cs_w_parked[CS_W_POOL_SIZE];
static int cs_w_pool_size = 0;
static int cs_w_parked_count = 0;
static int cs_w_pool_made = 0;

/* Under the lock: waits until the predicate holds or `deadline` passed. */
static CS_UNUSED void cs_w_sleep_locked(long long deadline) {
  const long long left = deadline - cs_p_now_ms();
  if (left > 0) SleepConditionVariableSRW(&cs_w_tchanged, &cs_w_tlock, (DWORD)cs_w_ms(left), 0);
}

static CS_UNUSED void cs_w_tcall_release(cs_w_tcall *t) {
  if (InterlockedDecrement(&t->refs) != 0) return;
  /* An accept nobody took: its socket closes with the call, as the C++ Socket does. */
  if (t->accepted != CS_INVALID_HANDLE) closesocket(t->accepted);
  if (t->own != NULL) CloseHandle(t->own);
  free(t->buffer);
  free(t);
}

/* Runs one call on this thread (a pool worker or a thread of its own); `done` is set under
 * the lock once it returned. */
static CS_UNUSED void cs_w_run_call(cs_w_tcall *t, HANDLE self) {
  AcquireSRWLockExclusive(&cs_w_tlock);
  t->thread = self;
  t->entered = 1;
  WakeAllConditionVariable(&cs_w_tchanged);
  ReleaseSRWLockExclusive(&cs_w_tlock);
  cs_result outcome;
  cs_handle accepted = CS_INVALID_HANDLE;
  switch (t->call) {
    case CS_RECV: outcome = cs_p_recv(t->handle, t->buffer, t->size); break;
    case CS_SEND: outcome = cs_p_send(t->handle, t->buffer, t->size); break;
    case CS_ACCEPT: outcome = cs_p_accept(t->handle, &accepted); break;
    default: outcome = cs_p_connect(t->handle, &t->to); break;
  }
  AcquireSRWLockExclusive(&cs_w_tlock);
  t->result = outcome;
  t->accepted = accepted;
  t->done = 1;
  WakeAllConditionVariable(&cs_w_tchanged);
  ReleaseSRWLockExclusive(&cs_w_tlock);
  cs_w_tcall_release(t);
}

static DWORD WINAPI cs_w_pool_main(LPVOID argument) {
  cs_w_pool_worker *worker = (cs_w_pool_worker *)argument;
  AcquireSRWLockExclusive(&cs_w_tlock);
  cs_w_parked[cs_w_parked_count++] = worker;
  WakeAllConditionVariable(&cs_w_tchanged);
  for (;;) {
    /* Parked: waits for work as long as the process lives (nothing waits for it). */
    while (worker->call == NULL) SleepConditionVariableSRW(&cs_w_tchanged, &cs_w_tlock, INFINITE, 0);
    cs_w_tcall *t = worker->call;
    worker->call = NULL;
    ReleaseSRWLockExclusive(&cs_w_tlock);
    cs_w_run_call(t, worker->thread); /* may never return: then this worker is never parked again */
    AcquireSRWLockExclusive(&cs_w_tlock);
    cs_w_parked[cs_w_parked_count++] = worker;
  }
  return 0;
}

static DWORD WINAPI cs_w_own_main(LPVOID argument) {
  cs_w_tcall *t = (cs_w_tcall *)argument;
  cs_w_run_call(t, t->own);
  return 0;
}

/* The pool, made on the first use; every worker is parked (with its handle) before the
 * first call is dispatched. */
static CS_UNUSED void cs_w_make_pool(void) {
  if (cs_w_pool_made) return;
  cs_w_pool_made = 1;
  for (int i = 0; i < CS_W_POOL_SIZE; ++i) {
    cs_w_pool_worker *worker = &cs_w_pool[cs_w_pool_size];
    worker->call = NULL;
    HANDLE thread = CreateThread(NULL, 0, cs_w_pool_main, worker, CREATE_SUSPENDED, NULL);
    if (thread == NULL) break; /* fewer pool workers; calls get threads of their own */
    worker->thread = thread;
    ++cs_w_pool_size;
    ResumeThread(thread);
  }
  const long long deadline = cs_p_now_ms() + cs_w_scaled(5000);
  AcquireSRWLockExclusive(&cs_w_tlock);
  while (cs_w_parked_count < cs_w_pool_size && cs_p_now_ms() < deadline) cs_w_sleep_locked(deadline);
  ReleaseSRWLockExclusive(&cs_w_tlock);
}

static CS_UNUSED cs_result cs_w_thread_start(int call, cs_handle h, const void *data, size_t size, const cs_addr *to,
                                             cs_call *c) {
  cs_w_make_pool();
  cs_w_tcall *t = (cs_w_tcall *)calloc(1, sizeof *t);
  if (t == NULL) return cs_w_failure(ERROR_NOT_ENOUGH_MEMORY);
  t->refs = 2; /* the call's and the worker's */
  t->call = call;
  t->handle = h;
  t->accepted = CS_INVALID_HANDLE;
  t->size = call == CS_RECV || call == CS_SEND ? size : 0;
  t->buffer = (unsigned char *)malloc(t->size > 0 ? t->size : 1);
  if (t->buffer == NULL) {
    free(t);
    return cs_w_failure(ERROR_NOT_ENOUGH_MEMORY);
  }
  if (call == CS_SEND && size > 0 && data != NULL) memcpy(t->buffer, data, size);
  if (to != NULL) t->to = *to;

  AcquireSRWLockExclusive(&cs_w_tlock);
  const int dispatched = cs_w_parked_count > 0;
  if (dispatched) {
    cs_w_pool_worker *worker = cs_w_parked[--cs_w_parked_count];
    worker->call = t;
    WakeAllConditionVariable(&cs_w_tchanged);
  }
  ReleaseSRWLockExclusive(&cs_w_tlock);
  if (!dispatched) {
    /* No pool worker parked: a thread of this call's own, its handle set before it runs. */
    SetLastError(CS_W_SENTINEL);
    HANDLE own = CreateThread(NULL, 0, cs_w_own_main, t, CREATE_SUSPENDED, NULL);
    if (own == NULL) {
      const int error = (int)GetLastError();
      free(t->buffer);
      free(t);
      return cs_w_failure(error);
    }
    t->own = own;
    ResumeThread(own);
  }
  c->worker = t;
  /* Thread start is quick; the bound only keeps a broken host from hanging us. */
  long long deadline = cs_p_now_ms() + cs_w_scaled(5000);
  AcquireSRWLockExclusive(&cs_w_tlock);
  while (!t->entered && cs_p_now_ms() < deadline) cs_w_sleep_locked(deadline);
  /* THE ONE SLEEP (bounded, ends early when the call returns): nothing tells from outside
   * that a thread is inside a blocking Winsock call (no /proc/self/task/TID/syscall; under
   * Wine the thread waits in ws2_32 on a wineserver async), so the worker gets a short
   * grace to get from `entered` into the call. */
  deadline = cs_p_now_ms() + cs_w_scaled(20);
  while (!t->done && cs_p_now_ms() < deadline) cs_w_sleep_locked(deadline);
  ReleaseSRWLockExclusive(&cs_w_tlock);
  return cs_w_ok(0);
}

static CS_UNUSED int cs_w_thread_wait(cs_call *c, int ms) {
  cs_w_tcall *t = c->worker;
  if (c->completions > 0) return 1;
  const long long deadline = cs_p_now_ms() + cs_w_ms(ms);
  AcquireSRWLockExclusive(&cs_w_tlock);
  while (!t->done && cs_p_now_ms() < deadline) cs_w_sleep_locked(deadline);
  const int done = t->done;
  if (done) {
    c->result = t->result;
    if (c->call == CS_RECV && c->result.ret > 0) {
      c->received = (unsigned char *)malloc((size_t)c->result.ret);
      if (c->received != NULL) memcpy(c->received, t->buffer, (size_t)c->result.ret);
    }
    c->accepted = t->accepted;
    t->accepted = CS_INVALID_HANDLE;
    c->completions = 1;
  }
  ReleaseSRWLockExclusive(&cs_w_tlock);
  return done;
}

static CS_UNUSED cs_result cs_w_thread_cancel(cs_call *c) {
  cs_w_tcall *t = c->worker;
  cs_result r;
  AcquireSRWLockExclusive(&cs_w_tlock);
  if (t->done) {
    /* Completed (the worker may run another call already): nothing to cancel, no call
     * made; what CancelSynchronousIo answers when nothing is pending. */
    r = cs_w_failure(ERROR_NOT_FOUND);
  } else if (t->thread == NULL) {
    r = cs_w_failure(ERROR_INVALID_HANDLE);
  } else {
    cs_w_poison();
    /* Measured under Wine 8.0: ERROR_NOT_FOUND for a thread blocked in recv or accept;
     * the answer is reported as it is. */
    const BOOL ok = CancelSynchronousIo(t->thread);
    r = cs_w_capture(ok ? 0 : -1, !ok);
  }
  ReleaseSRWLockExclusive(&cs_w_tlock);
  return r;
}

static CS_UNUSED int cs_w_thread_reap(cs_call *c, int ms) {
  if (c->settled) return cs_w_thread_wait(c, 0);
  if (!cs_w_thread_wait(c, 0)) {
    cs_w_thread_cancel(c);
    cs_w_thread_wait(c, ms);
  }
  c->settled = 1;
  /* Still blocked: left to the process (the worker keeps its own reference). */
  return cs_w_thread_wait(c, 0);
}

/* The process-wide completion port and its dispatcher. A socket can be associated with one
 * port only, so there is one; whoever waits polls it for everyone and hands each packet to
 * its call by OVERLAPPED pointer. (Only the main thread waits here: no lock needed.) */
static HANDLE cs_w_port = NULL;
static DWORD cs_w_port_error = 0;
static int cs_w_port_made = 0;
static cs_w_io *cs_w_port_calls = NULL;

static CS_UNUSED int cs_w_port_valid(void) {
  if (!cs_w_port_made) {
    cs_w_port_made = 1;
    cs_w_port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    if (cs_w_port == NULL) cs_w_port_error = GetLastError();
  }
  return cs_w_port != NULL;
}

static CS_UNUSED cs_result cs_w_port_associate(SOCKET s) {
  cs_w_poison();
  const HANDLE made = CreateIoCompletionPort((HANDLE)s, cs_w_port, 0, 0);
  cs_result r = cs_w_capture(made == NULL ? -1 : 0, made == NULL);
  /* Already associated (an earlier call on this socket): that is the port we mean. */
  if (made == NULL && r.native == ERROR_INVALID_PARAMETER) return cs_w_ok(0);
  return r;
}

static CS_UNUSED void cs_w_port_add(cs_w_io *io) {
  io->next = cs_w_port_calls;
  cs_w_port_calls = io;
  io->registered = 1;
}

static CS_UNUSED void cs_w_port_remove(cs_w_io *io) {
  if (!io->registered) return;
  for (cs_w_io **at = &cs_w_port_calls; *at != NULL; at = &(*at)->next) {
    if (*at == io) {
      *at = io->next;
      break;
    }
  }
  io->registered = 0;
}

/* Waits up to ms until `io` has had a packet, in slices of at most 50 ms. */
static CS_UNUSED int cs_w_port_wait(cs_w_io *io, int ms) {
  const long long deadline = cs_p_now_ms() + ms;
  for (;;) {
    if (io->packets > 0) return 1;
    const long long now = cs_p_now_ms();
    if (now >= deadline && ms > 0) return 0;
    int slice = cs_w_ms(deadline - now);
    if (slice > 50) slice = 50;
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED *overlapped = NULL;
    SetLastError(CS_W_SENTINEL);
    const BOOL ok = GetQueuedCompletionStatus(cs_w_port, &bytes, &key, &overlapped, (DWORD)slice);
    const DWORD error = ok ? 0 : GetLastError();
    if (overlapped != NULL) {
      for (cs_w_io *owner = cs_w_port_calls; owner != NULL; owner = owner->next) {
        if (&owner->overlapped == overlapped) {
          ++owner->packets;
          owner->bytes = bytes;
          owner->error = error;
          break;
        }
      }
    }
    if (ms == 0 && overlapped == NULL) return io->packets > 0;
  }
}

/* AcceptEx and ConnectEx are provider extensions: their pointers come from WSAIoctl on a
 * TCP socket of the family, loaded once per family. A failed lookup is not kept: after the
 * last WSACleanup it fails WSANOTINITIALISED, and a later session must still find them. */
static LPFN_ACCEPTEX cs_w_accept_ex[3];
static LPFN_CONNECTEX cs_w_connect_ex[3];

static CS_UNUSED cs_result cs_w_extensions(int transport) {
  if (cs_w_accept_ex[transport] != NULL && cs_w_connect_ex[transport] != NULL) return cs_w_ok(0);
  cs_handle probe;
  cs_result r = cs_p_open(transport, &probe);
  if (strcmp(r.errc, "ok") != 0) return r;
  GUID accept_id = WSAID_ACCEPTEX;
  GUID connect_id = WSAID_CONNECTEX;
  LPFN_ACCEPTEX accept_ex = NULL;
  LPFN_CONNECTEX connect_ex = NULL;
  DWORD size = 0;
  cs_w_poison();
  int ret = WSAIoctl(probe, SIO_GET_EXTENSION_FUNCTION_POINTER, &accept_id, sizeof accept_id, &accept_ex,
                     sizeof accept_ex, &size, NULL, NULL);
  if (ret == 0) {
    cs_w_poison();
    ret = WSAIoctl(probe, SIO_GET_EXTENSION_FUNCTION_POINTER, &connect_id, sizeof connect_id, &connect_ex,
                   sizeof connect_ex, &size, NULL, NULL);
  }
  r = cs_w_capture(ret, ret == SOCKET_ERROR);
  closesocket(probe);
  if (ret == 0) {
    cs_w_accept_ex[transport] = accept_ex;
    cs_w_connect_ex[transport] = connect_ex;
  }
  return r;
}

static CS_UNUSED void cs_w_io_free(cs_w_io *io) {
  if (io == NULL) return;
  cs_w_port_remove(io);
  if (io->event != NULL) CloseHandle(io->event);
  if (io->accept_socket != INVALID_SOCKET) closesocket(io->accept_socket);
  free(io->buffer);
  free(io);
}

static CS_UNUSED cs_result cs_w_overlapped_start(int iocp, int call, cs_handle h, int transport, const void *data,
                                                 size_t size, const cs_addr *to, cs_call *c) {
  cs_w_io *io = (cs_w_io *)calloc(1, sizeof *io);
  if (io == NULL) return cs_w_failure(ERROR_NOT_ENOUGH_MEMORY);
  io->socket = h;
  io->call = call;
  io->accept_socket = INVALID_SOCKET;
  if (iocp) {
    if (!cs_w_port_valid()) {
      free(io);
      return cs_w_failure((int)cs_w_port_error);
    }
    const cs_result associated = cs_w_port_associate(io->socket);
    if (strcmp(associated.errc, "ok") != 0) {
      free(io);
      return associated;
    }
  } else {
    cs_w_poison();
    io->event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (io->event == NULL) {
      const cs_result r = cs_w_capture(-1, 1);
      free(io);
      return r;
    }
    /* The low bit keeps a completion off any port the socket is associated with (an
     * earlier iocp call on it): this call completes through its event only. */
    io->overlapped.hEvent = (HANDLE)((ULONG_PTR)io->event | 1);
  }

  cs_result submitted;
  switch (call) {
    case CS_RECV:
    case CS_SEND: {
      io->size = size;
      io->buffer = (unsigned char *)malloc(size > 0 ? size : 1);
      if (io->buffer == NULL) {
        cs_w_io_free(io);
        return cs_w_failure(ERROR_NOT_ENOUGH_MEMORY);
      }
      if (call == CS_SEND && size > 0 && data != NULL) memcpy(io->buffer, data, size);
      io->wsabuf.buf = (char *)io->buffer;
      io->wsabuf.len = (ULONG)size;
      if (iocp) cs_w_port_add(io);
      cs_w_poison();
      int ret;
      if (call == CS_RECV) {
        DWORD flags = 0;
        ret = WSARecv(io->socket, &io->wsabuf, 1, NULL, &flags, &io->overlapped, NULL);
      } else {
        ret = WSASend(io->socket, &io->wsabuf, 1, NULL, 0, &io->overlapped, NULL);
      }
      submitted = cs_w_capture(ret, ret == SOCKET_ERROR);
      break;
    }
    case CS_ACCEPT: {
      const cs_result ext = cs_w_extensions(transport);
      if (strcmp(ext.errc, "ok") != 0) {
        cs_w_io_free(io);
        return ext;
      }
      const cs_result opened = cs_p_open(transport, &io->accept_socket);
      if (strcmp(opened.errc, "ok") != 0) {
        cs_w_io_free(io);
        return opened;
      }
      const DWORD address_size = (DWORD)(sizeof(struct sockaddr_storage) + 16);
      if (iocp) cs_w_port_add(io);
      cs_w_poison();
      const BOOL ok = cs_w_accept_ex[transport](io->socket, io->accept_socket, io->addresses, 0, address_size,
                                                address_size, NULL, &io->overlapped);
      submitted = cs_w_capture(ok ? 0 : -1, !ok);
      break;
    }
    default: {
      const cs_result ext = cs_w_extensions(transport);
      if (strcmp(ext.errc, "ok") != 0) {
        cs_w_io_free(io);
        return ext;
      }
      if (to == NULL || to->length <= 0) {
        cs_w_io_free(io);
        return cs_w_failure(WSAEINVAL);
      }
      /* ConnectEx wants a bound socket. One bound already (a second connect) keeps its
       * address, so that ConnectEx itself answers (WSAEISCONN, ...). */
      cs_addr local;
      const cs_result named = cs_p_name(h, 0, &local);
      if (strcmp(named.errc, "ok") != 0 || cs_w_port_number(&local) == 0) {
        const cs_result bound = cs_p_bind_loopback(h, transport);
        if (strcmp(bound.errc, "ok") != 0 && strcmp(bound.errc, "invalid_argument") != 0) {
          cs_w_io_free(io);
          return bound;
        }
      }
      if (iocp) cs_w_port_add(io);
      cs_w_poison();
      const BOOL ok = cs_w_connect_ex[transport](io->socket, (const struct sockaddr *)&to->storage, to->length, NULL,
                                                 0, NULL, &io->overlapped);
      submitted = cs_w_capture(ok ? 0 : -1, !ok);
      break;
    }
  }
  /* Success at once also completes through the event or the port (no
   * FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set), so it is collected like a pending one. */
  if (strcmp(submitted.errc, "ok") != 0 && submitted.native != WSA_IO_PENDING) {
    cs_w_io_free(io);
    return submitted;
  }
  c->io = io;
  cs_result started = cs_w_ok(0);
  started.native = submitted.native;
  return started;
}

static CS_UNUSED int cs_w_packets(const cs_call *c) {
  if (c->io == NULL) return 1;
  return c->io->packets > 1 ? c->io->packets : 1;
}

static CS_UNUSED void cs_w_finish(cs_call *c, DWORD bytes, DWORD error) {
  cs_w_io *io = c->io;
  c->result = cs_w_ok(0);
  if (error != 0) {
    c->result = cs_w_failure((int)error);
    return;
  }
  switch (io->call) {
    case CS_RECV:
      c->result.ret = bytes;
      free(c->received);
      c->received = (unsigned char *)malloc(bytes > 0 ? bytes : 1);
      if (c->received != NULL && bytes > 0) memcpy(c->received, io->buffer, bytes);
      break;
    case CS_SEND: c->result.ret = bytes; break;
    case CS_ACCEPT: {
      /* The accepted socket takes the listener's properties (and works with shutdown,
       * getpeername) only after SO_UPDATE_ACCEPT_CONTEXT. */
      SOCKET listener = io->socket;
      setsockopt(io->accept_socket, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (const char *)&listener, sizeof listener);
      c->accepted = io->accept_socket;
      io->accept_socket = INVALID_SOCKET;
      break;
    }
    default: setsockopt(io->socket, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0); break;
  }
}

static CS_UNUSED int cs_w_overlapped_wait(cs_call *c, int ms) {
  const int iocp = c->mechanism == CS_IOCP;
  if (c->completions > 0) {
    if (iocp) c->completions = cs_w_packets(c);
    return 1;
  }
  if (c->io == NULL) return 0;
  DWORD bytes = 0;
  DWORD error = 0;
  if (iocp) {
    if (!cs_w_port_wait(c->io, cs_w_ms(ms))) return 0;
    bytes = c->io->bytes;
    error = c->io->error;
  } else {
    if (WaitForSingleObject(c->io->event, (DWORD)cs_w_ms(ms)) != WAIT_OBJECT_0) return 0;
    /* GetOverlappedResult, not WSAGetOverlappedResult: after closesocket the latter
     * answers WSAENOTSOCK for the handle instead of the completion's status (measured
     * under Wine 8.0); the former reads the OVERLAPPED only, in the Win32 codes that
     * GetQueuedCompletionStatus reports too. */
    SetLastError(CS_W_SENTINEL);
    const BOOL ok = GetOverlappedResult((HANDLE)c->io->socket, &c->io->overlapped, &bytes, FALSE);
    error = ok ? 0 : GetLastError();
  }
  cs_w_finish(c, bytes, error);
  c->completions = iocp ? cs_w_packets(c) : 1;
  return 1;
}

static CS_UNUSED cs_result cs_w_overlapped_cancel(cs_call *c) {
  if (c->io == NULL) return cs_w_failure(ERROR_NOT_FOUND);
  cs_w_poison();
  const BOOL ok = CancelIoEx((HANDLE)c->io->socket, &c->io->overlapped);
  return cs_w_capture(ok ? 0 : -1, !ok);
}

static CS_UNUSED int cs_w_overlapped_reap(cs_call *c, int ms) {
  if (c->io == NULL) return c->completions > 0;
  if (cs_w_overlapped_wait(c, 0)) return 1;
  cs_w_overlapped_cancel(c);
  if (cs_w_overlapped_wait(c, ms)) return 1;
  /* The kernel may still write into the OVERLAPPED and the buffers: leaked on purpose
   * (and for iocp left registered, so that a late packet finds its owner, not a stranger). */
  c->io = NULL;
  return 0;
}

cs_result cs_p_call_start(int mechanism, int call, cs_handle h, int transport, const void *data, size_t size,
                          const cs_addr *to, cs_call **out, char *why, size_t why_size) {
  *out = NULL;
  if (why != NULL && why_size > 0) why[0] = '\0';
  if (mechanism == CS_URING) {
    cs_w_note(why, why_size, "io_uring is Linux only");
    return cs_w_not_supported();
  }
  if (mechanism == CS_IOCP && !cs_w_port_valid()) {
    const char *name = cs_p_error_name((int)cs_w_port_error);
    cs_w_note(why, why_size, "CreateIoCompletionPort failed: %s(%lu)", name != NULL ? name : "?",
              (unsigned long)cs_w_port_error);
    return cs_w_not_supported();
  }
  if (mechanism != CS_THREAD && mechanism != CS_OVERLAPPED && mechanism != CS_IOCP) {
    cs_w_note(why, why_size, "unknown mechanism %d", mechanism);
    return cs_w_not_supported();
  }
  if (transport < CS_TCP4 || transport > CS_UNIX) transport = CS_TCP4;
  cs_call *c = (cs_call *)calloc(1, sizeof *c);
  if (c == NULL) return cs_w_failure(ERROR_NOT_ENOUGH_MEMORY);
  c->mechanism = mechanism;
  c->call = call;
  c->accepted = CS_INVALID_HANDLE;
  const cs_result r = mechanism == CS_THREAD ? cs_w_thread_start(call, h, data, size, to, c)
                                             : cs_w_overlapped_start(mechanism == CS_IOCP, call, h, transport, data,
                                                                     size, to, c);
  if (strcmp(r.errc, "ok") != 0) {
    free(c);
    return r;
  }
  *out = c;
  return r;
}

int cs_p_call_wait(cs_call *c, int ms) {
  if (c == NULL) return 0;
  return c->mechanism == CS_THREAD ? cs_w_thread_wait(c, ms) : cs_w_overlapped_wait(c, ms);
}

cs_result cs_p_call_result(const cs_call *c) { return c->result; }

const unsigned char *cs_p_call_received(const cs_call *c) { return c->received; }

cs_handle cs_p_call_take_accepted(cs_call *c) {
  const cs_handle taken = c->accepted;
  c->accepted = CS_INVALID_HANDLE;
  return taken;
}

int cs_p_call_completions(const cs_call *c) {
  if (c->completions > 0 && c->mechanism == CS_IOCP) return cs_w_packets(c);
  return c->completions;
}

cs_result cs_p_call_cancel(cs_call *c) {
  return c->mechanism == CS_THREAD ? cs_w_thread_cancel(c) : cs_w_overlapped_cancel(c);
}

int cs_p_call_reap(cs_call *c, int ms) {
  return c->mechanism == CS_THREAD ? cs_w_thread_reap(c, ms) : cs_w_overlapped_reap(c, ms);
}

void cs_p_call_free(cs_call *c) {
  if (c == NULL) return;
  /* As the C++ call's destructor: reaped, bounded, when nobody reaped it before. */
  const int bound = cs_w_scaled(1000);
  if (c->mechanism == CS_THREAD) {
    if (!c->settled) cs_w_thread_reap(c, bound);
    cs_w_tcall_release(c->worker);
  } else {
    cs_w_overlapped_reap(c, bound);
    if (c->io != NULL) cs_w_io_free(c->io);
  }
  if (c->accepted != CS_INVALID_HANDLE) closesocket(c->accepted);
  free(c->received);
  free(c);
}

#else  /* POSIX */
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

#endif  /* _WIN32 */

/* ---- the program: wine8-reset-keeps-buffered-data.ops ---- */
int main(void) {
  cs_begin("wine8-reset-keeps-buffered-data.ops", NULL, "winsock");
  /* # Finding wine8-reset-keeps-buffered-data (docs/FINDINGS.md). */
  /* # Both ends hold unread data; a closes, which resets the connection (unread data). */
  /* # Windows is reported to drop b's 7 buffered bytes once the reset is processed: recv */
  /* # fails WSAECONNRESET at once. Wine 8.0 hands them over first, as Linux does. */
  /* # The first `b recv 16` deviates: Windows WSAECONNRESET (10054), Wine 8.0 7. */
  /* line 6: pair tcp4 */
  cs_step(6, "pair tcp4", NULL,
          "ok",
          "a loopback pair (core/src/pair.cpp)");
  cs_op_pair(CS_A, CS_B, CS_TCP4, 0);
  /* line 7: a send 7            -> 7 */
  cs_step(7, "a send 7", "7",
          "7",
          "send: buffered whole");
  cs_op_send(CS_A, 7u);
  cs_settle_bytes(CS_B, 7ull);
  /* line 8: b send 5            -> 5 */
  cs_step(8, "b send 5", "5",
          "5",
          "send: buffered whole");
  cs_op_send(CS_B, 5u);
  cs_settle_bytes(CS_A, 5ull);
  /* line 9: a wait readable     -> 1 */
  cs_step(9, "a wait readable", "1",
          "1",
          "readable: data, FIN or RST");
  cs_op_wait(CS_A, CS_READABLE, -1);
  /* line 10: b wait readable     -> 1 */
  cs_step(10, "b wait readable", "1",
          "1",
          "readable: data, FIN or RST");
  cs_op_wait(CS_B, CS_READABLE, -1);
  /* line 11: a close             -> 0 */
  cs_step(11, "a close", "0",
          "0",
          "closesocket D1");
  cs_op_close(CS_A);
  cs_settle(CS_B, CS_READABLE);
  /* line 12: b wait hup          -> 1 */
  cs_step(12, "b wait hup", "1",
          "0 | 1",
          "WSAPoll hang-up reporting: not pinned down");
  cs_op_wait(CS_B, CS_HANGUP, -1);
  /* line 13: b recv 16 */
  cs_step(13, "b recv 16", NULL,
          "connection_reset",
          "recv R2");
  cs_op_recv(CS_B, 16u);
  return cs_end();
}
