// SPDX-License-Identifier: MIT
// The portable half of the platform layer: names, descriptions, RAII, time scaling.
// No socket header here; the calls themselves live in posix/ and winsock/.
#include "closesem/platform.hpp"
#include "closesem/process.hpp"
#include "backend.hpp"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace closesem::platform {
namespace {

const backend::ErrorEntry* find_code(int native) {
  std::size_t count = 0;
  const auto* table = backend::error_table(&count);
  for (std::size_t i = 0; i < count; ++i)
    if (table[i].code == native) return &table[i];
  return nullptr;
}

#if !defined(__linux__)  // Linux binds abstract addresses instead (unix_socket_path)
// AF_UNIX paths this process bound; removed when the process ends.
class UnixPaths {
 public:
  std::string make() {
    std::error_code error;
    auto dir = std::filesystem::temp_directory_path(error);
    if (error) dir = ".";
    const auto name = "closesem-" + std::to_string(backend::process_id()) + "-" +
                      std::to_string(counter_.fetch_add(1)) + ".sock";
    auto path = (dir / name).string();
    std::lock_guard<std::mutex> lock(mutex_);
    paths_.push_back(path);
    return path;
  }
  ~UnixPaths() {
    std::error_code ignored;
    for (const auto& path : paths_) std::filesystem::remove(path, ignored);
  }

 private:
  std::atomic<unsigned> counter_{0};
  std::mutex mutex_;
  std::vector<std::string> paths_;
};
#endif

}  // namespace

std::string backend::unix_socket_path() {
#if defined(__linux__)
  // Linux: an abstract address ("@..."), so that no file is made or left behind, and a
  // fuzz run that listens a million times does not fill the temporary folder.
  static std::atomic<unsigned long> counter{0};
  return "@closesem-" + std::to_string(backend::process_id()) + "-" + std::to_string(counter.fetch_add(1));
#else
  static UnixPaths paths;
  return paths.make();
#endif
}

bool transport_available(Transport transport, std::string* why_not, CallResult* failure) {
  Socket probe;
  const auto opened = open_stream(transport, probe);
  if (!opened.ok()) {
    if (why_not != nullptr)
      *why_not = "socket(" + std::string(to_string(transport)) + ") failed: " + opened.describe();
    if (failure != nullptr) *failure = opened;
    return false;
  }
  if (transport != Transport::tcp6) return true;
  const auto bound = bind_loopback(probe.get(), transport);
  if (!bound.ok() && why_not != nullptr)
    *why_not = "no IPv6 loopback: bind [::1]:0 failed: " + bound.describe();
  if (!bound.ok() && failure != nullptr) *failure = bound;
  return bound.ok();
}

std::string Identity::id() const {
  const auto system = os + "-" + os_version;
  if (!under_wine()) return system;
  return "wine-" + wine_version + " (" + system + (wine_host.empty() ? "" : " on " + wine_host) + ")";
}

const Identity& identity() {
  // Made once: the platform does not change while the process runs.
  static const Identity made = backend::make_identity();
  return made;
}

std::string platform_id() { return identity().id(); }

unsigned long process_id() { return backend::process_id(); }

std::string_view to_string(Api value) {
  return value == Api::winsock ? "winsock" : "posix";
}

std::string native_error_name(int native) {
  if (const auto* entry = find_code(native)) return entry->name;
  return std::to_string(native);
}

std::string describe_native(int native) {
  if (native == kErrorSentinel) return "unset";
  if (native == 0) return "0";
  // Remembered per thread: the runner names the error of every failing step.
  thread_local std::unordered_map<int, std::string> named;
  auto found = named.find(native);
  if (found == named.end())
    found = named.emplace(native, native_error_name(native) + "(" + std::to_string(native) + ")").first;
  return found->second;
}

std::optional<int> native_error_code(std::string_view name) {
  std::size_t count = 0;
  const auto* table = backend::error_table(&count);
  for (std::size_t i = 0; i < count; ++i)
    if (name == table[i].name) return table[i].code;
  return std::nullopt;
}

Errc errc_from_native(int native) {
  if (const auto* entry = find_code(native)) return entry->errc;
  return Errc::other;
}

std::optional<int> native_from_errc(Errc errc) {
  std::size_t count = 0;
  const auto* table = backend::error_table(&count);
  for (std::size_t i = 0; i < count; ++i)
    if (table[i].errc == errc) return table[i].code;
  return std::nullopt;
}

std::string CallResult::describe() const {
  return "ret=" + std::to_string(ret) + " errc=" + std::string(to_string(errc)) +
         " native=" + describe_native(native);
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (valid()) close_handle(handle_);
    handle_ = other.release();
  }
  return *this;
}

Socket::~Socket() {
  if (valid()) close_handle(handle_);
}

NativeHandle Socket::release() {
  const auto handle = handle_;
  handle_ = kInvalidHandle;
  return handle;
}

CallResult Socket::close() { return close_handle(release()); }

namespace {

// A bounded wait that ran out: the call it waited for was not made, and fails as `errc`.
CallResult ran_out(Errc errc) {
  CallResult out;
  out.ret = -1;
  out.errc = errc;
  out.native = native_from_errc(errc).value_or(0);
  return out;
}

}  // namespace

CallResult backend::connect_by_waiting(NativeHandle handle, const Endpoint& to, std::chrono::milliseconds timeout,
                                      std::string& step, std::chrono::milliseconds keep) {
  step = "set non-blocking";
  if (auto nb = set_nonblocking(handle, true); !nb.ok()) return nb;
  step = "connect";
  const auto connected = connect(handle, to);
  if (!connected.ok() && connected.errc != Errc::in_progress && connected.errc != Errc::would_block)
    return connected;
  if (!connected.ok()) {
    step = "wait until writable";
    const auto ready = wait(handle, WaitFor::writable, timeout);
    if (!ready.ok()) return ready;
    if (ready.ret != 1) {
      step = "connect did not complete within " + std::to_string(timeout.count()) + " ms";
      return ran_out(Errc::timed_out);
    }
    // The connect again says how the first ended (in place of SO_ERROR: one call), and
    // on POSIX consumes the one "connected" answer after a non-blocking connect (0; only
    // the connect after it fails EISCONN: __inet_stream_connect in net/ipv4/af_inet.c).
    step = "connect (asked again once writable)";
    const auto again = connect(handle, to);
    if (!again.ok() && again.errc != Errc::is_connected) return again;
  }
  step = "set blocking";
  if (auto blocking = set_nonblocking(handle, false); !blocking.ok()) return blocking;
  if (keep.count() > 0) {
    step = "set the send timeout to keep";
    if (auto kept = set_io_timeout(handle, keep, TimeoutOf::send); !kept.ok()) return kept;
  }
  step.clear();
  return CallResult{};
}

CallResult set_io_timeout(NativeHandle handle, std::chrono::milliseconds timeout) {
  if (auto receive = set_io_timeout(handle, timeout, TimeoutOf::receive); !receive.ok()) return receive;
  return set_io_timeout(handle, timeout, TimeoutOf::send);
}

CallResult backend::accept_by_waiting(NativeHandle listener, std::chrono::milliseconds timeout, Socket& out,
                                     Endpoint* peer) {
  const auto ready = wait(listener, WaitFor::readable, timeout);
  if (!ready.ok()) return ready;
  if (ready.ret != 1) return ran_out(Errc::would_block);
  return accept(listener, out, peer);
}

Endpoint backend::loopback_endpoint(Transport transport) {
  Endpoint endpoint;
  endpoint.transport = transport;
  switch (transport) {
    case Transport::tcp4: endpoint.address = "127.0.0.1"; break;
    case Transport::tcp6: endpoint.address = "::1"; break;
    case Transport::unix_stream: endpoint.address = unix_socket_path(); break;
  }
  return endpoint;
}

CallResult bind_loopback(NativeHandle handle, Transport transport) {
  return bind(handle, backend::loopback_endpoint(transport));
}

CallResult local_endpoint(NativeHandle handle, Endpoint& out) { return backend::endpoint_of(handle, false, out); }

CallResult peer_endpoint(NativeHandle handle, Endpoint& out) { return backend::endpoint_of(handle, true, out); }

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::tcp4: return "tcp4";
    case Transport::tcp6: return "tcp6";
    case Transport::unix_stream: return "unix";
  }
  return "unknown";
}

std::optional<Transport> transport_from_string(std::string_view name) {
  for (auto t : {Transport::tcp4, Transport::tcp6, Transport::unix_stream})
    if (to_string(t) == name) return t;
  return std::nullopt;
}

std::string Endpoint::describe() const {
  switch (transport) {
    case Transport::tcp4: return address + ":" + std::to_string(port);
    case Transport::tcp6: return "[" + address + "]:" + std::to_string(port);
    case Transport::unix_stream: return "unix:" + (address.empty() ? "(unnamed)" : address);
  }
  return address;
}

std::string_view to_string(ShutdownHow how) {
  switch (how) {
    case ShutdownHow::receive: return "receive";
    case ShutdownHow::send: return "send";
    case ShutdownHow::both: return "both";
  }
  return "unknown";
}

std::string Events::describe() const {
  std::string out;
  const auto add = [&out](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += '|';
    out += name;
  };
  add(readable, "readable");
  add(writable, "writable");
  add(hangup, "hangup");
  add(error, "error");
  add(invalid, "invalid");
  return out.empty() ? "none" : out;
}

Session::Session() : outcome_(startup()) {}
Session::~Session() {
  if (outcome_.ok()) cleanup();
}

bool parse_timeout_multiplier(const char* text, double& factor, std::string& error) {
  factor = 1.0;
  if (text == nullptr || *text == '\0') return true;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  // The whole text is the number: "3x" or " 3" is a typo, not 3. (NaN, and the infinity
  // of an overflow, fail the range.)
  const bool number = end != text && *end == '\0' && std::isspace(static_cast<unsigned char>(*text)) == 0;
  if (number && value >= kMinTimeoutMultiplier && value <= kMaxTimeoutMultiplier) {
    factor = value;
    return true;
  }
  error = std::string("CLOSESEM_TIMEOUT_MULTIPLIER='") + text + "' is " +
          (number ? "out of range" : "not a number") + "; expected a number from 1 to 100 (it scales every " +
          "bounded wait; unset or empty means 1)";
  return false;
}

void private_loopback_per_environment() {
  static const bool done = [] {
    const char* value = std::getenv("CLOSESEM_FUZZ_NETNS");
    const std::string mode = value != nullptr ? value : "";
    if (mode != "" && mode != "0" && mode != "1") {
      std::fprintf(stderr, "closesem: CLOSESEM_FUZZ_NETNS='%s': expected 0 (the host's network namespace), 1 (one of "
                   "its own, or exit) or nothing (one of its own where it may)\n", mode.c_str());
      std::exit(2);
    }
    if (mode == "0") return true;
    std::string why;
    if (private_loopback(why)) return true;
    // (in a namespace whose loopback did not come up nothing connects: no going on there)
    if (mode == "1" || why.find("loopback") != std::string::npos) {
      std::fprintf(stderr, "closesem: a network namespace of its own: %s\n", why.c_str());
      std::exit(2);
    }
    return true;
  }();
  (void)done;
}

double timeout_multiplier() {
  static const double factor = [] {
    double value = 1.0;
    std::string error;
    if (!parse_timeout_multiplier(std::getenv("CLOSESEM_TIMEOUT_MULTIPLIER"), value, error)) {
      std::fprintf(stderr, "closesem: %s\n", error.c_str());
      // _Exit, not exit: inside a fuzz target libFuzzer's atexit hook would save the
      // current input as a crash, and other threads may still be running.
      std::fflush(nullptr);
      std::_Exit(2);
    }
    return value;
  }();
  return factor;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds base) {
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(base.count()) * timeout_multiplier()));
}

}  // namespace closesem::platform

namespace closesem::platform {

bool take_line(std::string& buffer, bool ended, std::string& line) {
  const auto eol = buffer.find('\n');
  if (eol == std::string::npos) {
    if (!ended || buffer.empty()) return false;
    line.swap(buffer);
    buffer.clear();
    return true;
  }
  line = buffer.substr(0, eol);
  buffer.erase(0, eol + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace closesem::platform
