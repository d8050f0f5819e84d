// SPDX-License-Identifier: MIT
// Pending calls on Winsock: a blocking call on a worker thread (`thread`), overlapped
// WSARecv/WSASend/AcceptEx/ConnectEx completed through the OVERLAPPED's event
// (`overlapped`) or through one process-wide I/O completion port (`iocp`). What Wine 8.0
// does with each of them pending: the Wine 8.0 measurements (docs/contract.md §4).
#include "closesem/platform.hpp"
#include "../async_pool.hpp"
#include "../backend.hpp"
#include "../sockaddr.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

namespace closesem::platform {
namespace {

void poison() { ::WSASetLastError(kErrorSentinel); }

// WSAGetLastError and GetLastError share the thread's slot, so the same capture serves
// Win32 calls (CancelIoEx, CancelSynchronousIo, GetOverlappedResult).
CallResult capture(std::int64_t ret, bool failed) {
  const int native = ::WSAGetLastError();
  CallResult out;
  out.ret = ret;
  out.native = native;
  out.errc = failed ? errc_from_native(native) : Errc::ok;
  return out;
}

CallResult failure_with(int native) {
  CallResult out;
  out.ret = -1;
  out.native = native;
  out.errc = errc_from_native(native);
  return out;
}

SOCKET as_socket(NativeHandle handle) { return static_cast<SOCKET>(handle); }

DWORD timeout_ms(std::chrono::milliseconds timeout) {
  return static_cast<DWORD>(std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, 0x7ffffffe));
}

// The reap of a call's destructor, when nobody reaped it before.
std::chrono::milliseconds destructor_bound() { return scaled(std::chrono::milliseconds(1000)); }

// ---- thread ---------------------------------------------------------------------------

// What the worker touches (pool::CallState, and below what CancelSynchronousIo needs).
// Shared with the call object, so that a worker that never returns (left to the process by
// reap) never writes into freed memory.
//
// Workers are reused, as on POSIX: the pool in ../async_pool.hpp (async_common.cpp), made
// on the first use (available() or start()). The set never grows afterwards: every thread
// and handle of the pool exists from the first use on, so a call never leaves one more
// handle open than it found (the fuzz targets count them).
//
// The cancel race with reuse: CancelSynchronousIo acts on the thread's synchronous I/O at
// the moment it is made and leaves nothing pending (unlike a signal), so it is enough that
// cancel() calls it only under the call's mutex while `done` is false: the worker sets
// `done` under that mutex after its call returned and takes no other call before, so the
// cancel reaches this call or nothing, never the worker's next call; a parked worker is
// never the target (its call is `done`). A cancel of a completed call answers
// ERROR_NOT_FOUND without a call (what CancelSynchronousIo answers when nothing is pending).
struct WorkerState : pool::CallState {
  bool entered = false;     // about to make the call (its thread handle is set)
  HANDLE thread = nullptr;  // a real handle of the worker (CancelSynchronousIo), the worker's own
};

// A real handle of this thread: std::thread's native handle is a winpthreads id, not a
// HANDLE.
HANDLE own_thread_handle() {
  HANDLE self = nullptr;
  ::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentThread(), ::GetCurrentProcess(), &self, 0, FALSE,
                    DUPLICATE_SAME_ACCESS);
  return self;
}

}  // namespace

// The pool's primitives (../async_pool.hpp): a worker's token is its real handle.
namespace backend {

// Every worker is parked with its handle before the first call is dispatched (the handles
// exist from the first use on).
bool workers_park_themselves() { return true; }

void* worker_started() { return own_thread_handle(); }  // kept for the worker's life

void before_call(pool::CallState& call, void* token) {
  auto& state = static_cast<WorkerState&>(call);  // every call state here is a WorkerState
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    state.thread = token;
    state.entered = true;
  }
  state.changed.notify_all();
}

void after_call(pool::CallState& /*call*/) {}

// The handle CancelSynchronousIo needs is the worker's own (before_call), not this id.
void runs_on(pool::CallState& /*call*/, std::thread::native_handle_type /*thread*/) {}

// A thread of the call's own: its handle is closed once its call is done (no cancel can
// use it then).
std::thread own_thread(const std::shared_ptr<pool::CallState>& call) {
  return std::thread([call] {
    HANDLE self = own_thread_handle();
    pool::run_call(call, self);
    if (self != nullptr) ::CloseHandle(self);
  });
}

}  // namespace backend

namespace {

class ThreadCall final : public AsyncCall {
 public:
  explicit ThreadCall(std::shared_ptr<WorkerState> state) : state_(std::move(state)) {}
  ~ThreadCall() override {
    if (!settled_) reap(destructor_bound());
  }

  static CallResult start(AsyncRequest request, std::unique_ptr<AsyncCall>& out) {
    auto state = std::make_shared<WorkerState>();
    pool::prepare(*state, std::move(request));
    auto call = std::unique_ptr<ThreadCall>(new ThreadCall(state));
    const std::error_code made = pool::start(state, call->own_);
    if (made) {
      call->settled_ = true;
      return failure_with(made.value());
    }
    std::unique_lock<std::mutex> lock(state->mutex);
    // Thread creation is quick; the bound only keeps a broken host from hanging us.
    state->changed.wait_for(lock, scaled(std::chrono::milliseconds(5000)), [&] { return state->entered; });
    // THE ONE SLEEP (bounded, ends early when the call returns). There is no way to see
    // from outside that a thread is inside a blocking Winsock call: Windows has no
    // /proc/self/task/TID/syscall, and under Wine the thread waits inside ws2_32 on an
    // async of the wineserver (nothing GetThreadContext or the handle tables tell apart from
    // any other wait). So the worker gets a short grace to get from `entered` into the call.
    state->changed.wait_for(lock, scaled(std::chrono::milliseconds(20)), [&] { return state->done; });
    lock.unlock();
    out = std::move(call);
    return CallResult{};
  }

  bool wait(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (!state_->changed.wait_for(lock, timeout, [&] { return state_->done; })) return false;
    if (completions_ == 0) {
      result_ = state_->result;
      if (state_->request.call == AsyncCallKind::recv && result_.ret > 0)
        received_.assign(state_->buffer.begin(), state_->buffer.begin() + static_cast<std::ptrdiff_t>(result_.ret));
      accepted_ = std::move(state_->accepted);
      completions_ = 1;
    }
    return true;
  }

  CallResult cancel() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    // Completed: the worker may run another call already (see WorkerState).
    if (state_->done) return failure_with(ERROR_NOT_FOUND);
    if (state_->thread == nullptr) return failure_with(ERROR_INVALID_HANDLE);
    poison();
    // Measured under Wine 8.0: ERROR_NOT_FOUND for a thread blocked in recv or accept
    // (measured on wine-8.0): the answer is reported as it is.
    const BOOL ok = ::CancelSynchronousIo(state_->thread);
    return capture(ok ? 0 : -1, !ok);
  }

  bool reap(std::chrono::milliseconds bound) override {
    if (settled_) return wait(std::chrono::milliseconds(0));
    if (!wait(std::chrono::milliseconds(0))) {
      cancel();
      wait(bound);
    }
    settled_ = true;
    if (wait(std::chrono::milliseconds(0))) {
      if (own_.joinable()) own_.join();  // a pool worker parks by itself
      return true;
    }
    // Still blocked: left to the process. The worker keeps its own reference to the state.
    if (own_.joinable()) own_.detach();
    return false;
  }

 private:
  std::shared_ptr<WorkerState> state_;
  std::thread own_;  // the call's own thread; empty on a pool worker
  bool settled_ = false;
};

// ---- overlapped and iocp --------------------------------------------------------------

// One call's kernel-visible memory: the OVERLAPPED and the buffers the kernel writes or
// reads until the completion. A call reaped without its completion leaks it on purpose.
struct Io {
  OVERLAPPED overlapped{};
  HANDLE event = nullptr;  // overlapped: the completion's event (iocp: none)
  SOCKET socket = INVALID_SOCKET;
  AsyncCallKind call = AsyncCallKind::recv;
  std::vector<std::uint8_t> buffer;  // recv: where the data goes; send: the bytes
  WSABUF wsabuf{};
  Socket accept_socket;              // AcceptEx's new socket
  // AcceptEx's address buffer: local and remote, each the address + 16 bytes.
  char addresses[2 * (sizeof(sockaddr_storage) + 16)] = {};
  // iocp: set by the dispatcher under the port's mutex.
  int packets = 0;
  DWORD bytes = 0;
  DWORD error = 0;
  ~Io() {
    if (event != nullptr) ::CloseHandle(event);
  }
};

// The process-wide completion port and its dispatcher. A socket can be associated with one
// port only, so there is one; whoever waits polls it for everyone and hands each packet to
// its call by OVERLAPPED pointer.
class Port {
 public:
  static Port& instance() {
    static Port* port = new Port();  // never destroyed: leaked calls may still post packets
    return *port;
  }
  bool valid() const { return handle_ != nullptr; }
  DWORD creation_error() const { return creation_error_; }

  CallResult associate(SOCKET socket) {
    poison();
    const HANDLE made = ::CreateIoCompletionPort(reinterpret_cast<HANDLE>(socket), handle_, 0, 0);
    auto outcome = capture(made == nullptr ? -1 : 0, made == nullptr);
    // Already associated (an earlier call on this socket): that is the port we mean.
    if (made == nullptr && outcome.native == ERROR_INVALID_PARAMETER) return CallResult{};
    return outcome;
  }

  void add(Io* io) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_[&io->overlapped] = io;
  }
  void remove(Io* io) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.erase(&io->overlapped);
  }
  int packets(const Io* io) {
    std::lock_guard<std::mutex> lock(mutex_);
    return io->packets;
  }

  // Waits up to `timeout` until `io` has had a packet.
  bool wait(Io* io, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (io->packets > 0) return true;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline && timeout.count() > 0) return false;
      if (polling_) {
        if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && io->packets == 0) return false;
        continue;
      }
      polling_ = true;
      lock.unlock();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      // Short slices, so that a waiter with a nearer deadline gets the port soon.
      const DWORD slice = std::min<DWORD>(timeout_ms(left), 50);
      DWORD bytes = 0;
      ULONG_PTR key = 0;
      OVERLAPPED* overlapped = nullptr;
      ::SetLastError(kErrorSentinel);
      const BOOL ok = ::GetQueuedCompletionStatus(handle_, &bytes, &key, &overlapped, slice);
      const DWORD error = ok ? 0 : ::GetLastError();
      lock.lock();
      polling_ = false;
      if (overlapped != nullptr) {
        const auto found = calls_.find(overlapped);
        if (found != calls_.end()) {
          Io* owner = found->second;
          ++owner->packets;
          owner->bytes = bytes;
          owner->error = error;
        }
      }
      changed_.notify_all();
      if (timeout.count() == 0 && overlapped == nullptr) return io->packets > 0;
    }
  }

 private:
  Port() {
    handle_ = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
    if (handle_ == nullptr) creation_error_ = ::GetLastError();
  }
  HANDLE handle_ = nullptr;
  DWORD creation_error_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool polling_ = false;
  std::map<OVERLAPPED*, Io*> calls_;
};

// AcceptEx and ConnectEx are provider extensions: their pointers come from WSAIoctl on a
// socket of the provider (a TCP socket of each family; loaded once per family).
struct Extensions {
  LPFN_ACCEPTEX accept_ex = nullptr;
  LPFN_CONNECTEX connect_ex = nullptr;
  CallResult failure;
};

const Extensions& extensions(Transport transport) {
  static std::mutex mutex;
  static std::map<Transport, Extensions> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  const auto found = loaded.find(transport);
  if (found != loaded.end()) return found->second;
  Extensions made;
  Socket probe;
  made.failure = open_stream(transport, probe);
  if (made.failure.ok()) {
    GUID accept_id = WSAID_ACCEPTEX;
    GUID connect_id = WSAID_CONNECTEX;
    DWORD size = 0;
    poison();
    int ret = ::WSAIoctl(as_socket(probe.get()), SIO_GET_EXTENSION_FUNCTION_POINTER, &accept_id, sizeof(accept_id),
                         &made.accept_ex, sizeof(made.accept_ex), &size, nullptr, nullptr);
    if (ret == 0) {
      poison();
      ret = ::WSAIoctl(as_socket(probe.get()), SIO_GET_EXTENSION_FUNCTION_POINTER, &connect_id, sizeof(connect_id),
                       &made.connect_ex, sizeof(made.connect_ex), &size, nullptr, nullptr);
    }
    made.failure = capture(ret, ret == SOCKET_ERROR);
  }
  if (!made.failure.ok()) {
    // A failed lookup is not kept: after the last WSACleanup it fails WSANOTINITIALISED,
    // and a later session must still find the extensions.
    static thread_local Extensions failed;
    failed = made;
    return failed;
  }
  return loaded.emplace(transport, made).first->second;
}

class OverlappedCall final : public AsyncCall {
 public:
  OverlappedCall(bool iocp, std::unique_ptr<Io> io) : iocp_(iocp), io_(std::move(io)) {}
  ~OverlappedCall() override {
    reap(destructor_bound());
    if (io_ != nullptr && iocp_) Port::instance().remove(io_.get());
  }

  static CallResult start(bool iocp, AsyncRequest request, std::unique_ptr<AsyncCall>& out) {
    auto io = std::make_unique<Io>();
    io->socket = as_socket(request.handle);
    io->call = request.call;
    if (iocp) {
      Port& port = Port::instance();
      if (!port.valid()) return failure_with(static_cast<int>(port.creation_error()));
      const auto associated = port.associate(io->socket);
      if (!associated.ok()) return associated;
    } else {
      poison();
      io->event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
      if (io->event == nullptr) return capture(-1, true);
      // The low bit keeps a completion off any port the socket is associated with (an
      // earlier iocp call on it): this call completes through its event only (documented
      // with GetQueuedCompletionStatus).
      io->overlapped.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<ULONG_PTR>(io->event) | 1);
    }

    CallResult submitted;
    switch (request.call) {
      case AsyncCallKind::recv: {
        io->buffer.resize(request.size);
        io->wsabuf.buf = reinterpret_cast<char*>(io->buffer.data());
        io->wsabuf.len = static_cast<ULONG>(io->buffer.size());
        DWORD flags = 0;
        if (iocp) Port::instance().add(io.get());
        poison();
        const int ret = ::WSARecv(io->socket, &io->wsabuf, 1, nullptr, &flags, &io->overlapped, nullptr);
        submitted = capture(ret, ret == SOCKET_ERROR);
        break;
      }
      case AsyncCallKind::send: {
        // (WSASend only reads the buffer: WSABUF's non-const pointer is never written through)
        const auto [bytes, size] = request.take_send_bytes(io->buffer);
        io->wsabuf.buf = const_cast<char*>(reinterpret_cast<const char*>(bytes));
        io->wsabuf.len = static_cast<ULONG>(size);
        if (iocp) Port::instance().add(io.get());
        poison();
        const int ret = ::WSASend(io->socket, &io->wsabuf, 1, nullptr, 0, &io->overlapped, nullptr);
        submitted = capture(ret, ret == SOCKET_ERROR);
        break;
      }
      case AsyncCallKind::accept: {
        const Extensions& ext = extensions(request.transport);
        if (!ext.failure.ok()) return ext.failure;
        const auto opened = open_stream(request.transport, io->accept_socket);
        if (!opened.ok()) return opened;
        constexpr DWORD kAddressSize = sizeof(sockaddr_storage) + 16;
        if (iocp) Port::instance().add(io.get());
        poison();
        const BOOL ok = ext.accept_ex(io->socket, as_socket(io->accept_socket.get()), io->addresses, 0, kAddressSize,
                                      kAddressSize, nullptr, &io->overlapped);
        submitted = capture(ok ? 0 : -1, !ok);
        break;
      }
      case AsyncCallKind::connect: {
        const Extensions& ext = extensions(request.transport);
        if (!ext.failure.ok()) return ext.failure;
        backend::Address address;
        if (!backend::to_address(request.to, address)) return failure_with(WSAEINVAL);
        // ConnectEx wants a bound socket. One bound already (a second connect) keeps its
        // address, so that ConnectEx itself answers (WSAEISCONN, ...).
        Endpoint local;
        if (!local_endpoint(request.handle, local).ok() || local.port == 0) {
          const auto bound = bind_loopback(request.handle, request.transport);
          if (!bound.ok() && bound.errc != Errc::invalid_argument) return bound;
        }
        if (iocp) Port::instance().add(io.get());
        poison();
        const BOOL ok = ext.connect_ex(io->socket, address.get(), address.length, nullptr, 0, nullptr,
                                       &io->overlapped);
        submitted = capture(ok ? 0 : -1, !ok);
        break;
      }
    }
    // Success at once also completes through the event or the port (no
    // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set), so it is collected like a pending one.
    if (!submitted.ok() && submitted.native != WSA_IO_PENDING) {
      if (iocp) Port::instance().remove(io.get());
      return submitted;
    }
    out = std::make_unique<OverlappedCall>(iocp, std::move(io));
    CallResult started;
    started.native = submitted.native;
    return started;
  }

  bool wait(std::chrono::milliseconds timeout) override {
    if (completions_ > 0) {
      if (iocp_) completions_ = packets();
      return true;
    }
    if (io_ == nullptr) return false;
    DWORD bytes = 0;
    DWORD error = 0;
    if (iocp_) {
      if (!Port::instance().wait(io_.get(), timeout)) return false;
      bytes = io_->bytes;
      error = io_->error;
    } else {
      if (::WaitForSingleObject(io_->event, timeout_ms(timeout)) != WAIT_OBJECT_0) return false;
      // GetOverlappedResult, not WSAGetOverlappedResult: after closesocket the latter
      // answers WSAENOTSOCK for the handle instead of the completion's status (measured
      // under Wine 8.0); the former reads the OVERLAPPED only, in the Win32 codes that
      // GetQueuedCompletionStatus reports too.
      ::SetLastError(kErrorSentinel);
      const BOOL ok = ::GetOverlappedResult(reinterpret_cast<HANDLE>(io_->socket), &io_->overlapped, &bytes, FALSE);
      error = ok ? 0 : ::GetLastError();
    }
    finish(bytes, error);
    completions_ = iocp_ ? packets() : 1;
    return true;
  }

  CallResult cancel() override {
    if (io_ == nullptr) return failure_with(ERROR_NOT_FOUND);
    poison();
    const BOOL ok = ::CancelIoEx(reinterpret_cast<HANDLE>(io_->socket), &io_->overlapped);
    return capture(ok ? 0 : -1, !ok);
  }

  bool reap(std::chrono::milliseconds bound) override {
    if (io_ == nullptr) return completions_ > 0;
    if (wait(std::chrono::milliseconds(0))) return true;
    cancel();
    if (wait(bound)) return true;
    // The kernel may still write into the OVERLAPPED and the buffers: leaked on purpose
    // (and for iocp left registered, so that a late packet finds its owner, not a stranger).
    io_.release();
    return false;
  }

 private:
  // How many packets the port delivered for this call (the dispatcher counts them).
  int packets() { return io_ != nullptr ? std::max(Port::instance().packets(io_.get()), 1) : 1; }

  void finish(DWORD bytes, DWORD error) {
    result_ = CallResult{};
    if (error != 0) {
      result_ = failure_with(static_cast<int>(error));
      return;
    }
    switch (io_->call) {
      case AsyncCallKind::recv:
        result_.ret = bytes;
        received_.assign(io_->buffer.begin(), io_->buffer.begin() + bytes);
        break;
      case AsyncCallKind::send: result_.ret = bytes; break;
      case AsyncCallKind::accept: {
        // The accepted socket takes the listener's properties (and works with shutdown,
        // getpeername) only after SO_UPDATE_ACCEPT_CONTEXT.
        SOCKET listener = io_->socket;
        ::setsockopt(as_socket(io_->accept_socket.get()), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                     reinterpret_cast<const char*>(&listener), sizeof(listener));
        accepted_ = std::move(io_->accept_socket);
        break;
      }
      case AsyncCallKind::connect:
        ::setsockopt(io_->socket, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
        break;
    }
  }

  bool iocp_;
  std::unique_ptr<Io> io_;
};

}  // namespace

bool AsyncCall::available(AsyncMechanism mechanism, std::string* why_not) {
  switch (mechanism) {
    case AsyncMechanism::thread:
      pool::make_workers();  // the pool's threads and handles exist from the first question on
      return true;
    case AsyncMechanism::overlapped: return true;
    case AsyncMechanism::iocp:
      if (Port::instance().valid()) return true;
      if (why_not != nullptr)
        *why_not = "CreateIoCompletionPort failed: " + describe_native(static_cast<int>(Port::instance().creation_error()));
      return false;
    case AsyncMechanism::uring:
      if (why_not != nullptr) *why_not = "io_uring is Linux only";
      return false;
  }
  return false;
}

CallResult AsyncCall::start(AsyncMechanism mechanism, AsyncRequest request, std::unique_ptr<AsyncCall>& out,
                            std::string* why_not) {
  if (!available(mechanism, why_not)) {
    CallResult refused;  // no call made: the native slot stays the sentinel
    refused.ret = -1;
    refused.errc = Errc::not_supported;
    return refused;
  }
  switch (mechanism) {
    case AsyncMechanism::thread: return ThreadCall::start(std::move(request), out);
    case AsyncMechanism::overlapped: return OverlappedCall::start(false, std::move(request), out);
    case AsyncMechanism::iocp: return OverlappedCall::start(true, std::move(request), out);
    case AsyncMechanism::uring: break;
  }
  CallResult refused;
  refused.ret = -1;
  refused.errc = Errc::not_supported;
  return refused;
}

}  // namespace closesem::platform
