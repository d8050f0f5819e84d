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
