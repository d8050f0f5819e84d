// SPDX-License-Identifier: MIT
// The portable socket layer: the only interface the rest of closesem uses to reach
// Winsock or POSIX sockets. Every call returns a CallResult captured right after the
// native call, with the native error slot poisoned by a sentinel beforehand.
#pragma once

#include "closesem/errc.hpp"
#include "closesem/events.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace closesem::platform {

// The one native-handle ladder. SOCKET is UINT_PTR on Windows; a descriptor elsewhere.
#if defined(_WIN32)
using NativeHandle = std::uintptr_t;
inline constexpr NativeHandle kInvalidHandle = ~NativeHandle{0};
#else   // defined(_WIN32)
using NativeHandle = int;
inline constexpr NativeHandle kInvalidHandle = -1;
#endif  // defined(_WIN32)

// Written to errno / WSASetLastError before every call (Wine's 0xdeadbeef idiom), so
// "the call did not set the error" can be told apart from "the call set 0".
inline constexpr int kErrorSentinel = static_cast<int>(0xdeadbeefu);

// Which socket API this build calls.
enum class Api { posix, winsock };
Api api();
std::string_view to_string(Api api);

// The result of one call, captured immediately after it.
struct CallResult {
  std::int64_t ret = 0;   // what the call returned (bytes, 0, -1/SOCKET_ERROR, ...)
  Errc errc = Errc::ok;   // portable error; ok when the call succeeded
  int native = kErrorSentinel;  // errno / WSAGetLastError() read right after the call

  bool ok() const { return errc == Errc::ok; }
  bool error_set() const { return native != kErrorSentinel; }
  // "ret=-1 errc=not_socket native=WSAENOTSOCK(10038)"
  std::string describe() const;
};

// Native error names, both ways, for this build's API (EBADF, WSAENOTSOCK, ...).
std::string native_error_name(int native);             // "WSAENOTSOCK", or the number
std::string describe_native(int native);               // "WSAENOTSOCK(10038)", "unset"
std::optional<int> native_error_code(std::string_view name);
Errc errc_from_native(int native);
// The native code this API uses for errc (the first one when several map to it).
std::optional<int> native_from_errc(Errc errc);

// RAII owner of a native socket. Ownership transfers are explicit: release().
class Socket {
 public:
  Socket() = default;
  explicit Socket(NativeHandle handle) : handle_(handle) {}
  Socket(Socket&& other) noexcept : handle_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  NativeHandle get() const { return handle_; }
  bool valid() const { return handle_ != kInvalidHandle; }
  NativeHandle release();
  // Closes now and reports how; the Socket is empty afterwards whatever the outcome.
  CallResult close();

 private:
  NativeHandle handle_ = kInvalidHandle;
};

// Loopback transports a pair can use.
enum class Transport { tcp4, tcp6, unix_stream };
std::string_view to_string(Transport transport);
std::optional<Transport> transport_from_string(std::string_view name);

// A socket address in portable form.
struct Endpoint {
  Transport transport = Transport::tcp4;
  std::string address;  // "127.0.0.1", "::1", or the AF_UNIX path
  std::uint16_t port = 0;
  std::string describe() const;  // "127.0.0.1:40123", "[::1]:40123", "unix:/tmp/..."
};

enum class ShutdownHow { receive, send, both };
std::string_view to_string(ShutdownHow how);

struct Linger {
  bool on = false;
  int seconds = 0;
};

// What a bounded wait observed.
struct Events {
  bool readable = false;
  bool writable = false;
  bool hangup = false;     // POLLHUP, or the peer's FIN seen as POLLRDHUP where reported
  bool error = false;      // POLLERR
  bool invalid = false;    // POLLNVAL
  bool any() const { return readable || writable || hangup || error || invalid; }
  std::string describe() const;  // "readable|writable"
};
enum class WaitFor { readable, writable, hangup };

// Process-wide setup, once in each main. POSIX: SIGPIPE is caught and counted, never
// fatal (sends also pass MSG_NOSIGNAL, so none should come). Nothing to do on Windows.
void init_process();
// How many SIGPIPE signals this process has received since init_process() (0 on Windows).
unsigned long broken_pipe_signals();

// Winsock lifecycle. On POSIX these succeed and do nothing.
CallResult startup();   // WSAStartup(2.2)
CallResult cleanup();   // WSACleanup
// Counts the sessions that ended: it grows each time a WSACleanup through this layer
// balanced the last WSAStartup (always 0 on POSIX). A socket opened in an earlier epoch
// no longer exists, and its handle value may already name a newer socket, so it must
// be released, never closed.
std::uint64_t session_epoch();
// RAII WSAStartup/WSACleanup for a main().
class Session {
 public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  const CallResult& outcome() const { return outcome_; }

 private:
  CallResult outcome_;
};

// Socket calls. Each takes a raw handle so that a closed or foreign handle can be
// passed on purpose (use after close is a tested behaviour). Calls that make a handle
// (open_stream, accept, duplicate) put it in `out` and return ret=0 on success.
CallResult open_stream(Transport transport, Socket& out);
CallResult close_handle(NativeHandle handle);
CallResult shutdown(NativeHandle handle, ShutdownHow how);
CallResult shutdown_raw(NativeHandle handle, int how);  // for invalid values of how
CallResult send(NativeHandle handle, const void* data, std::size_t size);
CallResult recv(NativeHandle handle, void* data, std::size_t size);
CallResult set_linger(NativeHandle handle, Linger linger);
CallResult get_linger(NativeHandle handle, Linger& out);
// SO_DONTLINGER (Winsock only): on is "do not linger" (l_onoff = 0), off enables
// lingering with an implementation-dependent time. POSIX has no such option: the call
// fails with no_protocol_option without reaching the C library.
CallResult set_dont_linger(NativeHandle handle, bool on);
// TCP_LINGER2 (Linux only): how long an orphaned socket stays in FIN_WAIT2, in seconds
// (-1: none, 0: the system default). Elsewhere there is no such option: the calls fail
// with no_protocol_option without reaching the socket library.
CallResult set_tcp_linger2(NativeHandle handle, int seconds);
CallResult get_tcp_linger2(NativeHandle handle, int& seconds);
CallResult set_nonblocking(NativeHandle handle, bool on);
// SO_RCVTIMEO and SO_SNDTIMEO: a blocking send or recv gives up after `timeout`
// (would_block on POSIX, timed_out on Winsock). Tests set it as a watchdog.
CallResult set_io_timeout(NativeHandle handle, std::chrono::milliseconds timeout);
// One of the two: SO_RCVTIMEO (recv; accept on Linux) or SO_SNDTIMEO (send; connect on
// Linux), one call.
enum class TimeoutOf { receive, send };
CallResult set_io_timeout(NativeHandle handle, std::chrono::milliseconds timeout, TimeoutOf which);
CallResult io_timeout(NativeHandle handle, TimeoutOf which, std::chrono::milliseconds& timeout);  // getsockopt
// Bounded wait (poll / WSAPoll). ret is 1 when the event came, 0 on timeout.
CallResult wait(NativeHandle handle, WaitFor what, std::chrono::milliseconds timeout,
             Events* seen = nullptr);
CallResult bytes_pending(NativeHandle handle);  // FIONREAD: ret is the byte count
CallResult socket_error(NativeHandle handle, int& so_error);  // getsockopt(SO_ERROR)
// getsockopt(SO_ACCEPTCONN): whether the socket listens now (the kernel's or Winsock's
// word, whatever shut it down or connected it since listen).
CallResult accepts_connections(NativeHandle handle, bool& listening);
CallResult bind_loopback(NativeHandle handle, Transport transport);  // port 0 / temp path
CallResult bind(NativeHandle handle, const Endpoint& at);  // an address of this host (peers on other hosts)
CallResult listen(NativeHandle handle, int backlog);
CallResult connect(NativeHandle handle, const Endpoint& to);
// A connect that gives up after `timeout`: ret 0 once connected; a failure sets `step`
// to what failed ("connect", "wait", ...). Where the send timeout bounds a blocking
// connect (Linux: SO_SNDTIMEO; inet_wait_for_connect in net/ipv4/af_inet.c,
// unix_wait_for_peer in net/unix/af_unix.c) the connect blocks under it (set the timeout,
// connect, then set it to `keep` unless it is that already: 2 or 3 calls); elsewhere
// (Winsock) it runs non-blocking and is waited for (5 calls, and one more to set `keep`
// when it is not 0). Either way, once it succeeded, the socket is blocking with `keep`
// as its send timeout (0: none) and a second connect fails is_connected at once (after a
// failure the socket is left as the failing step left it: the pair factory closes it).
CallResult connect_within(NativeHandle handle, const Endpoint& to, std::chrono::milliseconds timeout,
                          std::string& step, std::chrono::milliseconds keep = std::chrono::milliseconds(0));
// `peer`: where the accepted connection comes from, filled in on success (the pair
// factory's match; one call fewer than peer_endpoint after it).
CallResult accept(NativeHandle handle, Socket& out, Endpoint* peer = nullptr);
// An accept that gives up after `timeout` (would_block: nothing came). The listener's
// receive timeout must be `timeout` or less (set_io_timeout, once). Where it bounds a
// blocking accept (Linux: SO_RCVTIMEO; inet_csk_accept in
// net/ipv4/inet_connection_sock.c, unix_accept in net/unix/af_unix.c) this is one call,
// and after a signal's EINTR it waits for what is left, then accepts; elsewhere
// (Winsock) it waits until the listener is readable, then accepts (two calls).
CallResult accept_within(NativeHandle listener, std::chrono::milliseconds timeout, Socket& out,
                         Endpoint* peer = nullptr);
CallResult local_endpoint(NativeHandle handle, Endpoint& out);
CallResult peer_endpoint(NativeHandle handle, Endpoint& out);
// A second handle to the same socket (dup / WSADuplicateSocket into this process).
CallResult duplicate(NativeHandle handle, Socket& out);

// --- Notifications with their event sets (closesem/events.hpp) -------------------------
// poll / WSAPoll asking for in and out (and rdhup where the system has it: Linux), bounded
// by `timeout`. ret 1 when any event came (hup, err and nval count though not asked), 0 at
// the timeout; `seen` holds the events (in, out, hup, rdhup, err, nval).
CallResult poll_events(NativeHandle handle, std::chrono::milliseconds timeout, events::EventSet& seen);
// select with the handle in the read, write and except sets, bounded: in, out, err.
CallResult select_events(NativeHandle handle, std::chrono::milliseconds timeout, events::EventSet& seen);

// A notification source kept for one socket across waits.
class Notifier {
 public:
  enum class Kind {
    epoll_level,   // Linux: an epoll instance with the socket added for in|out|rdhup
    epoll_edge,    // the same, edge-triggered (EPOLLET)
    event_select,  // Winsock: WSACreateEvent + WSAEventSelect(FD_READ|FD_WRITE|FD_ACCEPT|
                   // FD_CONNECT|FD_CLOSE); the socket becomes non-blocking (WSAEventSelect's
                   // documented side effect)
  };
  // Makes one for `handle`. Fails with not_supported, without any call, where the kind does
  // not exist on this platform; otherwise with the failing call's outcome (epoll_ctl on a
  // closed descriptor: bad_handle; WSAEventSelect on a closed socket: not_socket).
  static CallResult open(Kind kind, NativeHandle handle, std::unique_ptr<Notifier>& out);
  virtual ~Notifier();
  // Waits up to `timeout`: ret 1 with the events when any came, 0 at the timeout (seen
  // empty). event_select: waits on the event object, then WSAEnumNetworkEvents (which
  // resets the recorded events), FD_CLOSE's error code in seen.close_error.
  virtual CallResult wait(std::chrono::milliseconds timeout, events::EventSet& seen) = 0;
};

// --- Pending calls -----------------------------------------------------------------------
enum class AsyncMechanism { thread, overlapped, iocp, uring };  // as ops::Mechanism
enum class AsyncCallKind { recv, send, accept, connect };       // as ops::PendingCall
std::string_view to_string(AsyncMechanism mechanism);
std::string_view to_string(AsyncCallKind call);

struct AsyncRequest {
  AsyncCallKind call = AsyncCallKind::recv;
  NativeHandle handle = kInvalidHandle;
  std::vector<std::uint8_t> data;  // send: the bytes (copied: the call owns them)
  // send, instead of `data`: `size` bytes that never change and outlive the call (the
  // runner's pattern table), used in place.
  const std::uint8_t* bytes = nullptr;
  std::size_t size = 0;            // recv: the buffer size; send: with `bytes`, theirs
  // send: the bytes to send, wherever they are: `data` goes into `keep` (the call's own
  // state, which outlives the call) and is sent from there, or `bytes` are used in place.
  std::pair<const std::uint8_t*, std::size_t> take_send_bytes(std::vector<std::uint8_t>& keep) {
    keep = std::move(data);
    if (bytes != nullptr) return {bytes, size};
    return {keep.data(), keep.size()};
  }
  Endpoint to;                     // connect: where to
  Transport transport = Transport::tcp4;  // accept, connect: the socket's family (AcceptEx's
                                          // accept socket, ConnectEx's bind)
};

// One call started and not yet reaped. Whatever it made (a thread, an OVERLAPPED, a ring,
// AcceptEx's socket) it owns; the destructor reaps it (reap() with a bound of its own).
class AsyncCall {
 public:
  // Whether `mechanism` can be used here, asked at run time (io_uring: a ring is set up
  // once; the kernel may refuse it), and why not.
  static bool available(AsyncMechanism mechanism, std::string* why_not = nullptr);
  // Starts the call. ret 0: `out` holds it, pending or complete already. A submission
  // that fails at once (WSARecv failing with an error other than WSA_IO_PENDING, AcceptEx
  // on a closed socket) is that failure, and `out` stays empty. not_supported (with
  // `why_not`) where the mechanism is not available. thread: returns once the worker is
  // inside the blocking call (Linux: /proc/self/task/TID/syscall names it; elsewhere: the
  // call returned, or a short grace passed, scaled), or has returned already.
  static CallResult start(AsyncMechanism mechanism, AsyncRequest request, std::unique_ptr<AsyncCall>& out,
                          std::string* why_not = nullptr);
  virtual ~AsyncCall();
  AsyncCall(const AsyncCall&) = delete;
  AsyncCall& operator=(const AsyncCall&) = delete;

  // Waits up to `timeout` for the completion: true once it completed (now or before).
  virtual bool wait(std::chrono::milliseconds timeout) = 0;
  // The completion, after wait() returned true: ret (recv, send: bytes; accept, connect:
  // 0), errc and native as for a direct call (ECANCELED / WSA_OPERATION_ABORTED:
  // operation_aborted).
  const CallResult& result() const { return result_; }
  // recv: the bytes received (result().ret of them).
  const std::vector<std::uint8_t>& received() const { return received_; }
  // accept: the new socket (once; empty afterwards).
  Socket take_accepted() { return std::move(accepted_); }
  // How many completions this call delivered (1 once complete; more is a platform fault).
  int completions() const { return completions_; }
  // thread: interrupts the blocked call (POSIX: a signal whose handler is installed without
  // SA_RESTART; Windows: CancelSynchronousIo); overlapped, iocp: CancelIoEx on the call's
  // OVERLAPPED; uring: IORING_OP_ASYNC_CANCEL, waiting (bounded) for the cancel's own
  // completion. ret 0 when the request was made; its failure otherwise (not found:
  // the call had completed).
  virtual CallResult cancel() = 0;
  // The end of an input: cancels a call still pending and waits up to `bound` for it. false
  // when it still had not completed (then it is left to the process, as a leak that the
  // caller reports; nothing it owns is freed under it).
  virtual bool reap(std::chrono::milliseconds bound) = 0;

 protected:
  AsyncCall() = default;
  CallResult result_;
  std::vector<std::uint8_t> received_;
  Socket accepted_;
  int completions_ = 0;
};

// Whether a handle value names anything open in this process now (POSIX: any open
// descriptor; Windows: a socket). Use after close checks it before calling a closed
// value, which may since name another object (closesocket D3).
bool handle_in_use(NativeHandle handle);

// Whether this host offers a transport; why not, when it does not.
bool transport_available(Transport transport, std::string* why_not = nullptr, CallResult* failure = nullptr);

// Which platform this process runs on, made once by the platform layer (posix/: uname;
// winsock/: RtlGetVersion and, under Wine, wine_get_version / wine_get_host_version).
// Code that needs to know the platform asks this, never the string id: the id is only
// derived from it, for reports and the expectation files' platform patterns.
struct Identity {
  Api api = Api::posix;      // the socket API family this build calls
  std::string os;            // "linux", "windows" (what the program sees: under Wine, windows)
  std::string os_version;    // "6.18.44-fc-v782", "10.0.26100", "6.1.7601"; "unknown" if not told
  std::string wine_version;  // under Wine: "8.0"; empty elsewhere
  std::string wine_host;     // under Wine: the host system and release, "Linux 6.18.44"; empty if not told
  std::string host = "?";    // the machine's name (uname's nodename, GetComputerNameA); "?" if not told

  bool under_wine() const { return !wine_version.empty(); }
  // The major version of Wine (8 for "8.0", "8.21"), -1 when not under Wine or unreadable.
  int wine_major() const {
    if (wine_version.empty() || wine_version[0] < '0' || wine_version[0] > '9') return -1;
    int value = 0;
    for (std::size_t i = 0; i < wine_version.size() && wine_version[i] >= '0' && wine_version[i] <= '9'; ++i) {
      value = value * 10 + (wine_version[i] - '0');
      if (value > 99999) return -1;
    }
    return value;
  }
  // The string id: "linux-6.18.44", "windows-10.0.26100",
  // "wine-8.0 (windows-6.1.7601 on Linux 6.18.44)".
  std::string id() const;
};

// This process's platform (made on the first call).
const Identity& identity();

// identity().id(): "linux-6.1.0-18-amd64", "windows-10.0.19045",
// "wine-8.0 (windows-10.0.19045 on Linux 6.1.0)"
std::string platform_id();

// This process's id (getpid, GetCurrentProcessId).
unsigned long process_id();

// Moves the calling thread (and the threads it starts from now on) into a network
// namespace of its own with only its loopback, up (Linux: unshare(CLONE_NEWNET), which
// needs CAP_SYS_ADMIN; then SIOCSIFFLAGS on "lo"). Its ports and TIME_WAIT sockets are
// its own and go with the process: a fuzz run of thousands of connections a second
// neither runs out of the host's ephemeral ports nor leaves them taken for the next
// program (EADDRINUSE on bind port 0). False, with the reason in `why`, where it cannot
// (no privilege, not Linux): the caller stays where it was.
bool private_loopback(std::string& why);
// What the fuzz targets (and the bench's bare loop) call first, before any socket or
// thread (both stay in the namespace they were made in), as CLOSESEM_FUZZ_NETNS says:
// unset or empty, private_loopback() where it may, the host's namespace otherwise; 1: it
// must (the process exits 2 when it cannot); 0: the host's. A bad value exits 2. Without
// it, a 10 s run of fuzz_asio_close left 19,938 connections in TIME_WAIT, and the
// programs run after it (the self-test's conformance runs, other fuzz targets) could not
// bind a listener. Once per process.
void private_loopback_per_environment();

// How many descriptors (POSIX: entries of /proc/self/fd) or handles (Windows:
// GetProcessHandleCount) this process has open; -1 when the host cannot say. The fuzz
// targets compare it before and after each input: a socket left open is a leak.
long open_handle_count();

// Timeouts scaled by CLOSESEM_TIMEOUT_MULTIPLIER (sanitizer and Wine runs are slower).
// The first call reads the variable (timeout_multiplier()); a bad value ends the process.
std::chrono::milliseconds scaled(std::chrono::milliseconds base);

// The allowed range of CLOSESEM_TIMEOUT_MULTIPLIER.
inline constexpr double kMinTimeoutMultiplier = 1.0;
inline constexpr double kMaxTimeoutMultiplier = 100.0;
// Reads a CLOSESEM_TIMEOUT_MULTIPLIER value: null or empty (unset) is 1; otherwise the
// whole text must be a number from 1 to 100. On a bad value returns false with a message
// naming the variable, the value and the range in `error`.
bool parse_timeout_multiplier(const char* text, double& factor, std::string& error);
// The multiplier of this process, read once. A bad value is a usage error, never a
// silent 1: the message goes to stderr and the process exits with status 2.
double timeout_multiplier();

}  // namespace closesem::platform
