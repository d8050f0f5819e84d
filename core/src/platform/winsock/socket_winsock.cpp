// SPDX-License-Identifier: MIT
// The Winsock backend: every socket call of closesem::platform through ws2_32, with
// WSAGetLastError poisoned before and read right after each call.
#include "closesem/platform.hpp"
#include "../backend.hpp"
#include "../sockaddr.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <string>

namespace closesem::platform {
namespace {

using backend::Address;
using backend::family_of;
using backend::from_address;
using backend::to_address;

static_assert(sizeof(NativeHandle) == sizeof(SOCKET), "NativeHandle must hold a SOCKET");

// The one capture point: WSAGetLastError() read first thing after the call, which ran
// with the slot poisoned by poison().
CallResult capture(std::int64_t ret, bool failed) {
  const int native = ::WSAGetLastError();
  CallResult out;
  out.ret = ret;
  out.native = native;
  out.errc = failed ? errc_from_native(native) : Errc::ok;
  return out;
}

void poison() { ::WSASetLastError(kErrorSentinel); }

SOCKET as_socket(NativeHandle handle) { return static_cast<SOCKET>(handle); }

// The one shutdown table: portable how -> SD_*.
int native_how(ShutdownHow how) {
  switch (how) {
    case ShutdownHow::receive: return SD_RECEIVE;
    case ShutdownHow::send: return SD_SEND;
    case ShutdownHow::both: return SD_BOTH;
  }
  return -1;
}

// Not inherited by child processes (peers are spawned), overlapped-capable like socket().
constexpr DWORD kSocketFlags = WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT;

CallResult open_with(int family, WSAPROTOCOL_INFOW* info, Socket& out) {
  poison();
  const SOCKET s = ::WSASocketW(info ? FROM_PROTOCOL_INFO : family,
                                info ? FROM_PROTOCOL_INFO : SOCK_STREAM, info ? FROM_PROTOCOL_INFO : 0,
                                info, 0, kSocketFlags);
  auto outcome = capture(s == INVALID_SOCKET ? -1 : 0, s == INVALID_SOCKET);
  if (s != INVALID_SOCKET) out = Socket(static_cast<NativeHandle>(s));
  return outcome;
}

// Startups not yet balanced by a cleanup, and how many times the count fell to zero.
std::atomic<int> g_sessions{0};
std::atomic<std::uint64_t> g_epoch{0};

}  // namespace

Api api() { return Api::winsock; }

void init_process() {}

unsigned long broken_pipe_signals() { return 0; }

CallResult startup() {
  WSADATA data{};
  poison();
  // WSAStartup returns its error instead of setting the last error.
  const int ret = ::WSAStartup(MAKEWORD(2, 2), &data);
  if (ret == 0) g_sessions.fetch_add(1);
  CallResult out;
  out.ret = ret;
  out.native = ret;
  out.errc = ret == 0 ? Errc::ok : errc_from_native(ret);
  return out;
}

CallResult cleanup() {
  poison();
  const int ret = ::WSACleanup();
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0 && g_sessions.fetch_sub(1) == 1) g_epoch.fetch_add(1);
  return outcome;
}

std::uint64_t session_epoch() { return g_epoch.load(); }

CallResult open_stream(Transport transport, Socket& out) {
  return open_with(family_of(transport), nullptr, out);
}

CallResult close_handle(NativeHandle handle) {
  poison();
  const int ret = ::closesocket(as_socket(handle));
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult shutdown(NativeHandle handle, ShutdownHow how) {
  return shutdown_raw(handle, native_how(how));
}

CallResult shutdown_raw(NativeHandle handle, int how) {
  poison();
  const int ret = ::shutdown(as_socket(handle), how);
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult send(NativeHandle handle, const void* data, std::size_t size) {
  const int length = static_cast<int>(std::min<std::size_t>(size, 0x7fffffff));
  poison();
  const int ret = ::send(as_socket(handle), static_cast<const char*>(data), length, 0);
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult recv(NativeHandle handle, void* data, std::size_t size) {
  const int length = static_cast<int>(std::min<std::size_t>(size, 0x7fffffff));
  poison();
  const int ret = ::recv(as_socket(handle), static_cast<char*>(data), length, 0);
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult set_linger(NativeHandle handle, Linger linger) {
  // LINGER's fields are u_short on Windows (contract L1): larger values truncate.
  ::linger value{};
  value.l_onoff = static_cast<u_short>(linger.on ? 1 : 0);
  value.l_linger = static_cast<u_short>(linger.seconds);
  poison();
  const int ret = ::setsockopt(as_socket(handle), SOL_SOCKET, SO_LINGER,
                               reinterpret_cast<const char*>(&value), sizeof(value));
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult get_linger(NativeHandle handle, Linger& out) {
  ::linger value{};
  int length = sizeof(value);
  poison();
  const int ret = ::getsockopt(as_socket(handle), SOL_SOCKET, SO_LINGER,
                               reinterpret_cast<char*>(&value), &length);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) out = Linger{value.l_onoff != 0, value.l_linger};
  return outcome;
}

CallResult set_dont_linger(NativeHandle handle, bool on) {
  const BOOL value = on ? TRUE : FALSE;
  poison();
  const int ret = ::setsockopt(as_socket(handle), SOL_SOCKET, SO_DONTLINGER,
                               reinterpret_cast<const char*>(&value), sizeof(value));
  return capture(ret, ret == SOCKET_ERROR);
}

// Winsock has no TCP_LINGER2: fail as an unknown option would, without a call.
CallResult set_tcp_linger2(NativeHandle, int) {
  ::WSASetLastError(WSAENOPROTOOPT);
  return capture(SOCKET_ERROR, true);
}

CallResult get_tcp_linger2(NativeHandle, int&) {
  ::WSASetLastError(WSAENOPROTOOPT);
  return capture(SOCKET_ERROR, true);
}

CallResult set_nonblocking(NativeHandle handle, bool on) {
  u_long mode = on ? 1 : 0;
  poison();
  const int ret = ::ioctlsocket(as_socket(handle), FIONBIO, &mode);
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult set_io_timeout(NativeHandle handle, std::chrono::milliseconds timeout, TimeoutOf which) {
  const DWORD value = static_cast<DWORD>(timeout.count());
  poison();
  const int ret = ::setsockopt(as_socket(handle), SOL_SOCKET, which == TimeoutOf::receive ? SO_RCVTIMEO : SO_SNDTIMEO,
                               reinterpret_cast<const char*>(&value), sizeof(value));
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult io_timeout(NativeHandle handle, TimeoutOf which, std::chrono::milliseconds& timeout) {
  DWORD value = 0;
  int length = sizeof(value);
  poison();
  const int ret = ::getsockopt(as_socket(handle), SOL_SOCKET, which == TimeoutOf::receive ? SO_RCVTIMEO : SO_SNDTIMEO,
                               reinterpret_cast<char*>(&value), &length);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) timeout = std::chrono::milliseconds(value);
  return outcome;
}

CallResult wait(NativeHandle handle, WaitFor what, std::chrono::milliseconds timeout,
             Events* seen) {
  WSAPOLLFD entry{};
  entry.fd = as_socket(handle);
  switch (what) {
    case WaitFor::readable: entry.events = POLLRDNORM; break;
    case WaitFor::writable: entry.events = POLLWRNORM; break;
    // WSAPoll reports POLLHUP for a peer's close without being asked (docs/contract.md §4 #27).
    case WaitFor::hangup: entry.events = 0; break;
  }
  poison();
  const int ret = ::WSAPoll(&entry, 1, static_cast<INT>(timeout.count()));
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (seen != nullptr) {
    seen->readable = (entry.revents & POLLRDNORM) != 0;
    seen->writable = (entry.revents & POLLWRNORM) != 0;
    seen->hangup = (entry.revents & POLLHUP) != 0;
    seen->error = (entry.revents & POLLERR) != 0;
    seen->invalid = (entry.revents & POLLNVAL) != 0;
  }
  return outcome;
}

CallResult bytes_pending(NativeHandle handle) {
  u_long count = 0;
  poison();
  const int ret = ::ioctlsocket(as_socket(handle), FIONREAD, &count);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) outcome.ret = static_cast<std::int64_t>(count);
  return outcome;
}

CallResult socket_error(NativeHandle handle, int& so_error) {
  int value = kErrorSentinel;
  int length = sizeof(value);
  poison();
  const int ret = ::getsockopt(as_socket(handle), SOL_SOCKET, SO_ERROR,
                               reinterpret_cast<char*>(&value), &length);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) so_error = value;
  return outcome;
}

CallResult accepts_connections(NativeHandle handle, bool& listening) {
  BOOL value = FALSE;
  int length = sizeof(value);
  poison();
  const int ret = ::getsockopt(as_socket(handle), SOL_SOCKET, SO_ACCEPTCONN, reinterpret_cast<char*>(&value), &length);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) listening = value != FALSE;
  return outcome;
}

CallResult bind(NativeHandle handle, const Endpoint& at) {
  if (at.transport == Transport::tcp6) {
    DWORD on = 1;
    poison();
    const int ret = ::setsockopt(as_socket(handle), IPPROTO_IPV6, IPV6_V6ONLY,
                                 reinterpret_cast<const char*>(&on), sizeof(on));
    if (ret == SOCKET_ERROR) return capture(ret, true);
  }
  Address address;
  if (!to_address(at, address)) {
    ::WSASetLastError(WSAEINVAL);
    return capture(SOCKET_ERROR, true);
  }
  poison();
  const int ret = ::bind(as_socket(handle), address.get(), address.length);
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult listen(NativeHandle handle, int backlog) {
  poison();
  const int ret = ::listen(as_socket(handle), backlog);
  return capture(ret, ret == SOCKET_ERROR);
}

CallResult connect(NativeHandle handle, const Endpoint& to) {
  Address address;
  if (!to_address(to, address)) {
    ::WSASetLastError(WSAEINVAL);
    return capture(SOCKET_ERROR, true);
  }
  poison();
  const int ret = ::connect(as_socket(handle), address.get(), address.length);
  return capture(ret, ret == SOCKET_ERROR);
}

// SO_SNDTIMEO does not bound a blocking connect on Winsock (Microsoft's setsockopt page:
// it applies to send calls): connect non-blocking and wait.
CallResult connect_within(NativeHandle handle, const Endpoint& to, std::chrono::milliseconds timeout,
                          std::string& step, std::chrono::milliseconds keep) {
  return backend::connect_by_waiting(handle, to, timeout, step, keep);
}

CallResult accept_within(NativeHandle listener, std::chrono::milliseconds timeout, Socket& out, Endpoint* peer) {
  // SO_RCVTIMEO bounds receive calls (Microsoft's setsockopt page), not accept: wait first.
  return backend::accept_by_waiting(listener, timeout, out, peer);
}

CallResult accept(NativeHandle handle, Socket& out, Endpoint* peer) {
  Address address;
  poison();
  const SOCKET s = ::accept(as_socket(handle), peer ? address.get() : nullptr, peer ? &address.length : nullptr);
  auto outcome = capture(s == INVALID_SOCKET ? -1 : 0, s == INVALID_SOCKET);
  if (s != INVALID_SOCKET) {
    // accept() makes an inheritable handle; peers are spawned, so keep it ours.
    ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
    out = Socket(static_cast<NativeHandle>(s));
    if (peer) *peer = from_address(address);
  }
  return outcome;
}

CallResult backend::endpoint_of(NativeHandle handle, bool peer, Endpoint& out) {
  Address address;
  poison();
  const int ret = peer ? ::getpeername(as_socket(handle), address.get(), &address.length)
                       : ::getsockname(as_socket(handle), address.get(), &address.length);
  auto outcome = capture(ret, ret == SOCKET_ERROR);
  if (ret == 0) out = from_address(address);
  return outcome;
}

CallResult duplicate(NativeHandle handle, Socket& out) {
  WSAPROTOCOL_INFOW info{};
  poison();
  const int ret = ::WSADuplicateSocketW(as_socket(handle), ::GetCurrentProcessId(), &info);
  if (ret == SOCKET_ERROR) return capture(ret, true);
  return open_with(0, &info, out);
}

Identity backend::make_identity() {
  // RtlGetVersion tells the truth where GetVersionEx is shimmed by the manifest.
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  using WineVersionFn = const char*(CDECL*)();
  using WineHostFn = void(CDECL*)(const char**, const char**);
  auto rtl_get_version = reinterpret_cast<RtlGetVersionFn>(
      reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetVersion")));
  auto wine_version = reinterpret_cast<WineVersionFn>(
      reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_version")));
  auto wine_host = reinterpret_cast<WineHostFn>(
      reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_host_version")));

  Identity identity;
  identity.api = Api::winsock;
  identity.os = "windows";
  identity.os_version = "unknown";
  char computer[MAX_COMPUTERNAME_LENGTH + 1] = {};
  DWORD computer_size = sizeof(computer);
  if (::GetComputerNameA(computer, &computer_size) && computer_size > 0) identity.host.assign(computer, computer_size);
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof(info);
  if (rtl_get_version != nullptr && rtl_get_version(&info) == 0)
    identity.os_version = std::to_string(info.dwMajorVersion) + "." + std::to_string(info.dwMinorVersion) + "." +
                          std::to_string(info.dwBuildNumber);
  if (wine_version == nullptr) return identity;

  const char* version = wine_version();
  identity.wine_version = version != nullptr && *version != '\0' ? version : "unknown";
  if (wine_host != nullptr) {
    const char* sysname = nullptr;
    const char* release = nullptr;
    wine_host(&sysname, &release);
    if (sysname != nullptr && release != nullptr) identity.wine_host = std::string(sysname) + " " + release;
  }
  return identity;
}

namespace backend {
unsigned long process_id() { return ::GetCurrentProcessId(); }
}  // namespace backend

bool handle_in_use(NativeHandle handle) {
  int type = 0;
  int length = sizeof(type);
  const int saved = ::WSAGetLastError();
  const bool in_use = ::getsockopt(handle, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &length) == 0;
  ::WSASetLastError(saved);
  return in_use;
}

bool private_loopback(std::string& why) {
  why = "no network namespaces on Windows";
  return false;
}

long open_handle_count() {
  DWORD count = 0;
  return ::GetProcessHandleCount(::GetCurrentProcess(), &count) ? static_cast<long>(count) : -1;
}

}  // namespace closesem::platform
