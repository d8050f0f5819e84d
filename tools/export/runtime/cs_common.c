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
