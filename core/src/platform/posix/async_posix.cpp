// SPDX-License-Identifier: MIT
// Pending calls on POSIX: `thread` (a worker thread blocked in the platform layer's own
// call) and, on Linux with liburing, `uring` (one io_uring request). Overlapped I/O and
// completion ports are Winsock's: not_supported here, without any call.
//
// thread: the worker runs platform::recv/send/accept/connect (so the call, its capture
// and its C library symbol are exactly those of a direct call). start() returns once the
// worker sleeps inside the call: /proc/self/task/TID/syscall names the system call a
// blocked task is in ("running" while it runs), so the start is never a guess. cancel()
// sends a real-time signal to the worker; its handler does nothing and is installed
// without SA_RESTART, so the blocked call returns EINTR (net/socket.c: sock_intr_errno)
// instead of being restarted. Everything the worker touches lives in a shared_ptr that
// the worker holds too: a worker that will not return is detached, never freed under.
//
// uring: one ring per call. A ring per call keeps every completion queue entry this
// call's own (no demultiplexing, completions() counts exactly its CQEs), lets a call that
// never completes be left behind with its ring and buffers without blocking any other
// call, and costs a ring setup (two mmaps, tens of microseconds) per start, which pending
// ops are rare enough in an input to afford. Completions are read on the caller's thread
// only (wait, cancel, reap), so the uring call needs no lock.
#include "closesem/platform.hpp"
#include "../sockaddr.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(CLOSESEM_HAVE_LIBURING)
#include <liburing.h>
#endif  // defined(CLOSESEM_HAVE_LIBURING)

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace closesem::platform {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

CallResult capture(std::int64_t ret, bool failed) {
  const int native = errno;
  CallResult out;
  out.ret = ret;
  out.native = native;
  out.errc = failed ? errc_from_native(native) : Errc::ok;
  return out;
}

// A failure the kernel or the C library answered with a code (not through errno).
CallResult failure(int native) {
  errno = native;
  return capture(-1, true);
}

// not_supported, made without any call: the error slot keeps the sentinel.
CallResult unsupported(std::string* why_not, const std::string& why) {
  if (why_not != nullptr) *why_not = why;
  CallResult out;
  out.ret = -1;
  out.errc = Errc::not_supported;
  return out;
}

// How long start() waits for a worker to block, and the destructor for a reap.
milliseconds patience() { return scaled(milliseconds(2000)); }

// A bound for condition-variable and kernel waits: never negative, never so large that
// now() + bound overflows.
milliseconds clamp_bound(milliseconds bound) {
  return std::clamp(bound, milliseconds(0), milliseconds(24LL * 3600 * 1000));
}

// --- thread ----------------------------------------------------------------------------

int cancel_signal() {
#ifdef SIGRTMIN
  return SIGRTMIN + 4;  // glibc keeps SIGRTMIN..+2 for itself; +4 is no one's
#else   // SIGRTMIN
  return SIGUSR2;
#endif  // SIGRTMIN
}

void interrupt_only(int) {}

void install_cancel_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = interrupt_only;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the interrupted call returns EINTR
    ::sigaction(cancel_signal(), &action, nullptr);
  });
}

// The system calls the platform layer's call of each kind enters (glibc: recv is
// recvfrom, send is sendto, accept is accept4 where the kernel has them).
std::vector<long> syscalls_of(AsyncCallKind call) {
  std::vector<long> numbers;
  switch (call) {
    case AsyncCallKind::recv:
#ifdef SYS_recvfrom
      numbers.push_back(SYS_recvfrom);
#endif
#ifdef SYS_recv
      numbers.push_back(SYS_recv);
#endif
      break;
    case AsyncCallKind::send:
#ifdef SYS_sendto
      numbers.push_back(SYS_sendto);
#endif
#ifdef SYS_send
      numbers.push_back(SYS_send);
#endif
      break;
    case AsyncCallKind::accept:
#ifdef SYS_accept4
      numbers.push_back(SYS_accept4);
#endif
#ifdef SYS_accept
      numbers.push_back(SYS_accept);
#endif
      break;
    case AsyncCallKind::connect:
#ifdef SYS_connect
      numbers.push_back(SYS_connect);
#endif
      break;
  }
#ifdef SYS_socketcall
  numbers.push_back(SYS_socketcall);  // 32-bit x86: every socket call goes through it
#endif
  return numbers;
}

// What the worker and its owner share. The worker holds a reference, so a detached
// worker never touches freed memory.
struct ThreadShared {
  AsyncRequest request;
  std::vector<std::uint8_t> buffer;  // recv: the bytes received; send: the bytes to send
  std::atomic<long> tid{0};          // the worker's kernel thread id, once it runs

  std::mutex mutex;                  // guards everything below
  std::condition_variable completed;
  bool done = false;
  int completions = 0;
  CallResult result;
  Socket accepted;
};

void run_worker(const std::shared_ptr<ThreadShared>& shared) {
  shared->tid.store(static_cast<long>(::gettid()), std::memory_order_release);
  const auto& request = shared->request;
  CallResult outcome;
  Socket accepted;
  switch (request.call) {
    case AsyncCallKind::recv:
      outcome = recv(request.handle, shared->buffer.data(), shared->buffer.size());
      break;
    case AsyncCallKind::send:
      outcome = send(request.handle, shared->buffer.data(), shared->buffer.size());
      break;
    case AsyncCallKind::accept: outcome = accept(request.handle, accepted); break;
    case AsyncCallKind::connect: outcome = connect(request.handle, request.to); break;
  }
  std::lock_guard<std::mutex> lock(shared->mutex);
  shared->result = outcome;
  shared->accepted = std::move(accepted);
  shared->done = true;
  ++shared->completions;
  shared->completed.notify_all();
}

bool worker_done(ThreadShared& shared) {
  std::lock_guard<std::mutex> lock(shared.mutex);
  return shared.done;
}

// The first number of /proc/self/task/TID/syscall: the system call a blocked task is in;
// nullopt when the task runs ("running"), is in none (-1) or the file cannot be read.
std::optional<long> blocked_in(long tid, bool* readable) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/syscall";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  *readable = fd != -1;
  if (fd == -1) return std::nullopt;
  char text[64] = {};
  const ssize_t got = ::read(fd, text, sizeof(text) - 1);
  ::close(fd);
  if (got <= 0 || text[0] < '0' || text[0] > '9') return std::nullopt;
  return std::strtol(text, nullptr, 10);
}

// Returns once the worker sleeps inside one of `numbers`, or has completed, or the
// patience ran out (then the caller goes on: the call is pending or about to be).
void wait_until_blocked(ThreadShared& shared, const std::vector<long>& numbers) {
  const auto deadline = Clock::now() + patience();
  long tid = 0;
  int round = 0;
  while (Clock::now() < deadline && !worker_done(shared)) {
    if (tid == 0) tid = shared.tid.load(std::memory_order_acquire);
    if (tid != 0) {
      bool readable = false;
      const auto number = blocked_in(tid, &readable);
      if (!readable) {
        // No /proc here: a short grace instead, then the call counts as started.
        std::unique_lock<std::mutex> lock(shared.mutex);
        shared.completed.wait_for(lock, scaled(milliseconds(20)), [&] { return shared.done; });
        return;
      }
      if (number && std::find(numbers.begin(), numbers.end(), *number) != numbers.end()) return;
    }
    // Yield first (the worker usually blocks within microseconds), then back off a little.
    if (++round < 50)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

class ThreadCall final : public AsyncCall {
 public:
  ThreadCall(std::shared_ptr<ThreadShared> shared, std::thread worker)
      : shared_(std::move(shared)), worker_(std::move(worker)), thread_id_(worker_.native_handle()) {}

  ~ThreadCall() override {
    if (worker_.joinable()) reap(patience());  // a worker that will not return is detached
  }
  ThreadCall(const ThreadCall&) = delete;
  ThreadCall& operator=(const ThreadCall&) = delete;

  bool wait(milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    if (!shared_->completed.wait_for(lock, clamp_bound(timeout), [&] { return shared_->done; })) return false;
    if (!copied_) {
      result_ = shared_->result;
      if (shared_->request.call == AsyncCallKind::recv && result_.ok() && result_.ret > 0)
        received_.assign(shared_->buffer.begin(),
                         shared_->buffer.begin() + static_cast<std::ptrdiff_t>(result_.ret));
      accepted_ = std::move(shared_->accepted);
      copied_ = true;
    }
    completions_ = shared_->completions;
    return true;
  }

  CallResult cancel() override {
    // Under the lock the worker cannot finish: while `done` is false it has not yet
    // returned from run_worker, so thread_id_ names a live thread.
    std::lock_guard<std::mutex> lock(shared_->mutex);
    // Nothing to interrupt: it completed. ENOENT, io_uring's answer for a cancel that
    // finds no request, made without a call.
    if (shared_->done) return failure(ENOENT);
    const int rc = ::pthread_kill(thread_id_, cancel_signal());
    if (rc != 0) return failure(rc);
    return CallResult{};
  }

  bool reap(milliseconds bound) override {
    if (!worker_.joinable()) return worker_done(*shared_);  // reaped (or left) before
    const auto deadline = Clock::now() + clamp_bound(bound);
    // The signal again and again: one that came before the worker entered its call (a
    // start that ran out of patience) interrupted nothing.
    auto slice = milliseconds(5);
    while (!worker_done(*shared_)) {
      cancel();
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= milliseconds(0)) break;
      std::unique_lock<std::mutex> lock(shared_->mutex);
      shared_->completed.wait_for(lock, std::min(slice, left), [&] { return shared_->done; });
      slice = std::min(slice * 2, milliseconds(200));
    }
    if (worker_done(*shared_)) {
      worker_.join();  // it has set `done`: nothing is left for it but to return
      wait(milliseconds(0));
      return true;
    }
    worker_.detach();  // left to the process, with everything it touches (shared_)
    return false;
  }

 private:
  std::shared_ptr<ThreadShared> shared_;
  std::thread worker_;
  pthread_t thread_id_;
  bool copied_ = false;
};

CallResult start_thread(AsyncRequest request, std::unique_ptr<AsyncCall>& out) {
  install_cancel_handler();
  auto shared = std::make_shared<ThreadShared>();
  const auto numbers = syscalls_of(request.call);
  if (request.call == AsyncCallKind::recv) shared->buffer.resize(request.size);
  if (request.call == AsyncCallKind::send) shared->buffer = std::move(request.data);
  shared->request = std::move(request);
  std::thread worker;
  try {
    worker = std::thread([shared] { run_worker(shared); });
  } catch (const std::system_error& error) {
    return failure(error.code().value());
  }
  wait_until_blocked(*shared, numbers);
  out = std::make_unique<ThreadCall>(std::move(shared), std::move(worker));
  return CallResult{};
}

// --- uring -----------------------------------------------------------------------------

#if defined(CLOSESEM_HAVE_LIBURING)

constexpr std::uint64_t kOpTag = 1;      // the call's own request
constexpr std::uint64_t kCancelTag = 2;  // IORING_OP_ASYNC_CANCEL aimed at it

// Whether the kernel gives this process a ring with the four calls and the cancel, asked
// once: a sandbox (seccomp), io_uring_disabled or an old kernel may refuse.
struct UringProbe {
  bool ok = false;
  std::string why_not;
};

const UringProbe& uring_probe() {
  static const UringProbe probe = [] {
    UringProbe result;
    io_uring ring{};
    const int rc = io_uring_queue_init(4, &ring, 0);
    if (rc < 0) {
      result.why_not = "io_uring_queue_init failed: the kernel answered " + describe_native(-rc);
      return result;
    }
    io_uring_probe* ops = io_uring_get_probe_ring(&ring);
    if (ops == nullptr) {
      result.why_not = "io_uring_register(IORING_REGISTER_PROBE) failed: this kernel cannot list its io_uring ops";
    } else {
      const std::pair<int, const char*> needed[] = {{IORING_OP_RECV, "IORING_OP_RECV"},
                                                    {IORING_OP_SEND, "IORING_OP_SEND"},
                                                    {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},
                                                    {IORING_OP_CONNECT, "IORING_OP_CONNECT"},
                                                    {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"}};
      result.ok = true;
      for (const auto& [op, name] : needed)
        if (io_uring_opcode_supported(ops, op) == 0) {
          result.ok = false;
          result.why_not = std::string("this kernel's io_uring has no ") + name;
          break;
        }
      io_uring_free_probe(ops);
    }
    io_uring_queue_exit(&ring);
    return result;
  }();
  return probe;
}

// One call's ring and the memory its request points at (buffer, address).
struct UringState {
  io_uring ring{};
  AsyncCallKind call = AsyncCallKind::recv;
  std::vector<std::uint8_t> buffer;
  backend::Address address;
  bool done = false;
  int completions = 0;
  CallResult result;
  int accepted = -1;
  bool cancel_answered = false;
  CallResult cancel_result;
};

// States of calls that never completed: kept reachable (the kernel may still write into
// their buffers) for the rest of the process, never freed.
std::mutex g_left_mutex;
std::vector<std::unique_ptr<UringState>>& left_behind() {
  static auto* states = new std::vector<std::unique_ptr<UringState>>();
  return *states;
}

class UringCall final : public AsyncCall {
 public:
  explicit UringCall(std::unique_ptr<UringState> state) : state_(std::move(state)) {}
  ~UringCall() override {
    if (state_ != nullptr) reap(patience());
  }
  UringCall(const UringCall&) = delete;
  UringCall& operator=(const UringCall&) = delete;

  bool wait(milliseconds timeout) override {
    if (state_ == nullptr) return copied_;
    pump(Clock::now() + clamp_bound(timeout), [&] { return state_->done; });
    return deliver();
  }

  CallResult cancel() override {
    if (state_ == nullptr) return failure(ENOENT);  // reaped: nothing left to cancel
    const CallResult submitted = submit_cancel();
    if (!submitted.ok()) return submitted;
    // Bounded: the cancel's own completion, and the call's (ECANCELED when the cancel found
    // it; its real outcome when it had completed or could not be stopped).
    pump(Clock::now() + patience(), [&] { return state_->cancel_answered && state_->done; });
    deliver();
    if (!state_->cancel_answered) return failure(ETIMEDOUT);
    return state_->cancel_result;
  }

  bool reap(milliseconds bound) override {
    if (state_ == nullptr) return true;
    const auto deadline = Clock::now() + clamp_bound(bound);
    pump(Clock::now(), [&] { return state_->done; });
    if (!state_->done && submit_cancel().ok())
      pump(deadline, [&] { return state_->done; });
    deliver();
    if (!state_->done) {
      std::lock_guard<std::mutex> lock(g_left_mutex);
      left_behind().push_back(std::move(state_));
      return false;
    }
    // Completed: the kernel holds nothing of ours. A cancel still in flight dies with
    // the ring.
    io_uring_queue_exit(&state_->ring);
    if (state_->accepted != -1) ::close(state_->accepted);  // never collected
    state_.reset();
    return true;
  }

 private:
  CallResult submit_cancel() {
    io_uring_sqe* sqe = io_uring_get_sqe(&state_->ring);
    if (sqe == nullptr) return failure(EBUSY);
    io_uring_prep_cancel64(sqe, kOpTag, 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
    state_->cancel_answered = false;
    const int rc = io_uring_submit(&state_->ring);
    if (rc < 0) return failure(-rc);
    return CallResult{};
  }

  void take(const io_uring_cqe& cqe) {
    const int res = cqe.res;
    CallResult outcome;
    if (res < 0) {
      outcome = failure(-res);
    } else {
      outcome.ret = res;
      outcome.errc = Errc::ok;
    }
    if (cqe.user_data == kCancelTag) {
      state_->cancel_answered = true;
      state_->cancel_result = outcome;
      return;
    }
    ++state_->completions;
    if (state_->done) return;  // a second completion: counted (a platform fault), not taken
    state_->done = true;
    if (res >= 0 && state_->call == AsyncCallKind::accept) {
      state_->accepted = res;
      outcome.ret = 0;
    }
    state_->result = outcome;
  }

  // Reads completions until `enough` holds or `deadline` passes (at least one look).
  template <typename Predicate>
  void pump(Clock::time_point deadline, Predicate enough) {
    for (;;) {
      io_uring_cqe* cqe = nullptr;
      while (io_uring_peek_cqe(&state_->ring, &cqe) == 0 && cqe != nullptr) {
        take(*cqe);
        io_uring_cqe_seen(&state_->ring, cqe);
      }
      if (enough()) return;
      const auto left = std::max(Clock::duration(0), deadline - Clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      __kernel_timespec bound{};
      bound.tv_sec = ns / 1000000000;
      bound.tv_nsec = ns % 1000000000;
      // Enters the kernel even for a zero bound, so completions whose task work is
      // still queued on this thread are posted.
      const int rc = io_uring_wait_cqe_timeout(&state_->ring, &cqe, &bound);
      if (rc == 0 && cqe != nullptr) {
        take(*cqe);
        io_uring_cqe_seen(&state_->ring, cqe);
        continue;
      }
      if (rc == -EINTR) continue;
      if (Clock::now() >= deadline || (rc != -ETIME && rc != -EINTR)) {
        // One last look at what the timed-out wait may have posted.
        while (io_uring_peek_cqe(&state_->ring, &cqe) == 0 && cqe != nullptr) {
          take(*cqe);
          io_uring_cqe_seen(&state_->ring, cqe);
        }
        return;
      }
    }
  }

  // Copies the completion into the base once it came; true when it did.
  bool deliver() {
    if (state_ == nullptr || !state_->done) return copied_;
    if (!copied_) {
      result_ = state_->result;
      if (state_->call == AsyncCallKind::recv && result_.ok() && result_.ret > 0)
        received_.assign(state_->buffer.begin(),
                         state_->buffer.begin() + static_cast<std::ptrdiff_t>(result_.ret));
      if (state_->accepted != -1) {
        accepted_ = Socket(state_->accepted);
        state_->accepted = -1;
      }
      copied_ = true;
    }
    completions_ = state_->completions;
    return true;
  }

  std::unique_ptr<UringState> state_;
  bool copied_ = false;
};

CallResult start_uring(AsyncRequest request, std::unique_ptr<AsyncCall>& out) {
  auto state = std::make_unique<UringState>();
  state->call = request.call;
  int rc = io_uring_queue_init(4, &state->ring, 0);
  if (rc < 0) return failure(-rc);
  if (state->ring.ring_fd == request.handle) {
    // The handle was closed and the ring took its number (the lowest free one): the
    // request would name the ring itself (ENOTSOCK). A second ring gets another number,
    // then the first goes, so the request is about the closed handle: EBADF.
    io_uring other{};
    rc = io_uring_queue_init(4, &other, 0);
    io_uring_queue_exit(&state->ring);
    if (rc < 0) return failure(-rc);
    state->ring = other;
  }
  io_uring_sqe* sqe = io_uring_get_sqe(&state->ring);
  const int fd = request.handle;
  switch (request.call) {
    case AsyncCallKind::recv:
      state->buffer.resize(request.size);
      io_uring_prep_recv(sqe, fd, state->buffer.data(), state->buffer.size(), 0);
      break;
    case AsyncCallKind::send:
      state->buffer = std::move(request.data);
      io_uring_prep_send(sqe, fd, state->buffer.data(), state->buffer.size(), MSG_NOSIGNAL);
      break;
    case AsyncCallKind::accept: io_uring_prep_accept(sqe, fd, nullptr, nullptr, SOCK_CLOEXEC); break;
    case AsyncCallKind::connect:
      if (!backend::to_address(request.to, state->address)) {
        io_uring_queue_exit(&state->ring);
        return failure(EINVAL);
      }
      io_uring_prep_connect(sqe, fd, state->address.get(), state->address.length);
      break;
  }
  io_uring_sqe_set_data64(sqe, kOpTag);
  const int submitted = io_uring_submit(&state->ring);
  if (submitted < 0) {
    io_uring_queue_exit(&state->ring);
    return failure(-submitted);
  }
  out = std::make_unique<UringCall>(std::move(state));
  return CallResult{};
}

#endif  // defined(CLOSESEM_HAVE_LIBURING)

}  // namespace

bool AsyncCall::available(AsyncMechanism mechanism, std::string* why_not) {
  std::string why;
  bool ok = false;
  switch (mechanism) {
    case AsyncMechanism::thread: ok = true; break;
    case AsyncMechanism::overlapped:
    case AsyncMechanism::iocp:
      why = "Winsock only: " + std::string(to_string(mechanism)) + " is Windows' overlapped I/O";
      break;
    case AsyncMechanism::uring:
#if defined(CLOSESEM_HAVE_LIBURING)
      ok = uring_probe().ok;
      why = uring_probe().why_not;
#else   // defined(CLOSESEM_HAVE_LIBURING)
      why = "built without liburing";
#endif  // defined(CLOSESEM_HAVE_LIBURING)
      break;
  }
  if (!ok && why_not != nullptr) *why_not = why;
  return ok;
}

CallResult AsyncCall::start(AsyncMechanism mechanism, AsyncRequest request, std::unique_ptr<AsyncCall>& out,
                            std::string* why_not) {
  out.reset();
  std::string why;
  if (!available(mechanism, &why)) return unsupported(why_not, why);
  switch (mechanism) {
    case AsyncMechanism::thread: return start_thread(std::move(request), out);
#if defined(CLOSESEM_HAVE_LIBURING)
    case AsyncMechanism::uring: return start_uring(std::move(request), out);
#endif  // defined(CLOSESEM_HAVE_LIBURING)
    default: break;
  }
  return unsupported(why_not, "not available");
}

}  // namespace closesem::platform
