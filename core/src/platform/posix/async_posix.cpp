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
// the worker holds too: a worker that will not return is left behind, never freed under.
//
// Workers are reused: the pool in ../async_pool.hpp (async_common.cpp), shared with
// Winsock; this file gives it the primitives (the signal mask and the tid around a call,
// the worker's pthread_t for the signal).
//
// The cancel race with reuse: a cancel must interrupt its own call, never a parked worker
// or the worker's next call. (1) cancel() signals only under the call's mutex and only
// while `done` is false; the worker sets `done` under that mutex after its call returned,
// and takes no other call before, so every signal meant for a call is sent before the
// worker is free. (2) A worker keeps the cancel signal blocked except around the call, so a
// signal that arrives after the call returned stays pending instead of being handled at
// some later point; before unblocking it for its next call the worker drains the pending
// ones (sigtimedwait with a zero bound), so a late signal can never interrupt the next call
// either. Parked workers have the signal blocked: a stray one would be drained too. A
// cancel that comes before the worker unblocked (start() ran out of patience) interrupts
// nothing, as before: reap() sends the signal again until the call returns.
//
// uring: a ring per call in flight, never two calls on one ring, so every completion
// queue entry is its call's own (no demultiplexing; completions() counts exactly its CQEs).
// Rings are reused: kRingPoolSize pool rings made together with the availability probe; a call
// takes a parked one (or, when none is parked, sets up a ring of its own, torn down at its
// reap). A ring goes back to the pool only when it is quiet: its call completed and every
// cancel submitted on it was answered (all its CQEs read); otherwise it is torn down. A
// ring whose request never completes is left behind with its buffers, never reused. Each
// use tags its requests with a new generation, so a stray entry of an earlier use could
// never be taken for this call's. Completions are read on the caller's thread only (wait,
// cancel, reap), so a uring call needs no lock beyond the pool's.
#include "closesem/platform.hpp"
#include "../async_pool.hpp"
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

// The backend's part of the state the worker and its owner share (pool::CallState).
struct ThreadShared : pool::CallState {
  std::atomic<long> tid{0};  // the worker's kernel thread id, once it runs this call
  pthread_t thread{};        // the worker (set before the worker gets the call)
};

// Every call state on POSIX is a ThreadShared (start_thread makes them).
ThreadShared& shared_of(pool::CallState& call) { return static_cast<ThreadShared&>(call); }

sigset_t cancel_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, cancel_signal());
  return set;
}

// Blocks the cancel signal in this thread (workers keep it blocked outside their call).
void block_cancel_signal() {
  const sigset_t set = cancel_set();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

// The pool's primitives (../async_pool.hpp). One call on a thread (a pool worker or a
// thread of its own): the cancel signal is unblocked around the call only, after the
// pending ones (late signals of an earlier call) were drained.
namespace backend {

// Parked as they are made: a POSIX worker makes nothing that must exist before its first
// call (a call handed to it before it ran waits for it).
bool workers_park_themselves() { return false; }

void* worker_started() {
  block_cancel_signal();
  return nullptr;
}

void before_call(pool::CallState& call, void* /*token*/) {
  const sigset_t set = cancel_set();
  const timespec zero{};
  while (::sigtimedwait(&set, nullptr, &zero) > 0) {
  }
  shared_of(call).tid.store(static_cast<long>(::gettid()), std::memory_order_release);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void after_call(pool::CallState& /*call*/) { block_cancel_signal(); }

void runs_on(pool::CallState& call, std::thread::native_handle_type thread) { shared_of(call).thread = thread; }

// It starts with the cancel signal blocked (inherited from this thread's mask for the
// creation) until run_call unblocks it, as a pool worker does.
std::thread own_thread(const std::shared_ptr<pool::CallState>& call) {
  const sigset_t set = cancel_set();
  sigset_t previous;
  ::pthread_sigmask(SIG_BLOCK, &set, &previous);
  try {
    std::thread own([call] { pool::run_call(call, nullptr); });
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return own;
  } catch (const std::system_error&) {
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    throw;
  }
}

}  // namespace backend

namespace {

// The first number of /proc/self/task/TID/syscall (`file`, open): the system call a
// blocked task is in; nullopt when the task runs ("running"), is in none (-1) or the file
// cannot be read.
std::optional<long> blocked_in(int file) {
  char text[64] = {};
  const ssize_t got = ::pread(file, text, sizeof(text) - 1, 0);
  if (got <= 0 || text[0] < '0' || text[0] > '9') return std::nullopt;
  return std::strtol(text, nullptr, 10);
}

// Returns once the worker's call has completed, or `patience` ran out.
void wait_done(ThreadShared& shared, milliseconds patience) {
  std::unique_lock<std::mutex> lock(shared.mutex);
  shared.changed.wait_for(lock, patience, [&] { return shared.done; });
}

// Returns once the worker sleeps inside one of `numbers`, or has completed, or the
// patience ran out (then the caller goes on: the call is pending or about to be).
void wait_until_blocked(ThreadShared& shared, const std::vector<long>& numbers) {
  const auto deadline = Clock::now() + patience();
  long tid = 0;
  int file = -1;  // the worker's syscall file, opened once and read again from offset 0
  int round = 0;
  while (Clock::now() < deadline && !pool::done(shared)) {
    if (tid == 0) tid = shared.tid.load(std::memory_order_acquire);
    if (tid != 0) {
      if (file == -1) {
        const std::string path = "/proc/self/task/" + std::to_string(tid) + "/syscall";
        file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (file == -1) {
          // No /proc here: a short grace instead, then the call counts as started.
          wait_done(shared, scaled(milliseconds(20)));
          return;
        }
      }
      const auto number = blocked_in(file);
      if (number && std::find(numbers.begin(), numbers.end(), *number) != numbers.end()) break;
    }
    // Yield first (the worker usually blocks within microseconds), then back off a little.
    if (++round < 50)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (file != -1) ::close(file);
}

class ThreadCall final : public AsyncCall {
 public:
  // `own` is the call's own thread (joined at the reap); empty for a pool worker.
  ThreadCall(std::shared_ptr<ThreadShared> shared, std::thread own)
      : shared_(std::move(shared)), own_(std::move(own)) {}

  ~ThreadCall() override {
    if (!settled_) reap(patience());  // a worker that will not return is left behind
  }
  ThreadCall(const ThreadCall&) = delete;
  ThreadCall& operator=(const ThreadCall&) = delete;

  bool wait(milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    // A zero bound only looks: wait_for would still make a futex call with a deadline
    // already past (the runner looks at every pending call after every step).
    if (timeout <= milliseconds(0) ? !shared_->done
                                   : !shared_->changed.wait_for(lock, clamp_bound(timeout), [&] { return shared_->done; }))
      return false;
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
    // Under the lock the worker cannot finish: while `done` is false it has not yet left
    // run_call, so shared_->thread names a live thread that runs this call and no other
    // (a pool worker takes its next call only after setting `done`; a signal that lands
    // after the call returned stays pending and is drained before that next call).
    std::lock_guard<std::mutex> lock(shared_->mutex);
    // Nothing to interrupt: it completed. ENOENT, io_uring's answer for a cancel that
    // finds no request, made without a call.
    if (shared_->done) return failure(ENOENT);
    const int rc = ::pthread_kill(shared_->thread, cancel_signal());
    if (rc != 0) return failure(rc);
    return CallResult{};
  }

  bool reap(milliseconds bound) override {
    if (settled_) return pool::done(*shared_);  // reaped (or left) before
    const auto deadline = Clock::now() + clamp_bound(bound);
    // The signal again and again: one that came before the worker entered its call (a
    // start that ran out of patience) interrupted nothing.
    auto slice = milliseconds(5);
    while (!pool::done(*shared_)) {
      cancel();
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= milliseconds(0)) break;
      std::unique_lock<std::mutex> lock(shared_->mutex);
      shared_->changed.wait_for(lock, std::min(slice, left), [&] { return shared_->done; });
      slice = std::min(slice * 2, milliseconds(200));
    }
    settled_ = true;
    if (pool::done(*shared_)) {
      // It has set `done`: nothing is left for its own thread but to return (a pool
      // worker parks by itself).
      if (own_.joinable()) own_.join();
      wait(milliseconds(0));
      return true;
    }
    if (own_.joinable()) own_.detach();  // left to the process, with everything it touches
    return false;
  }

 private:
  std::shared_ptr<ThreadShared> shared_;
  std::thread own_;
  bool copied_ = false;
  bool settled_ = false;
};

CallResult start_thread(AsyncRequest request, std::unique_ptr<AsyncCall>& out) {
  install_cancel_handler();  // before any worker unblocks the signal
  auto shared = std::make_shared<ThreadShared>();
  const auto numbers = syscalls_of(request.call);
  // A call on a number no descriptor holds (a closed handle's) fails at once (EBADF): it is
  // waited for, not watched through /proc. Opening the worker's syscall file would take
  // that very number (the lowest free one), maybe before the worker's call, which then
  // acts on the file (ENOTSOCK; fuzz.replay.fuzz_close_sequences.scenarios,
  // failed_connect.rec: 9 of 30 runs).
  const bool on_a_descriptor = handle_in_use(request.handle);
  pool::prepare(*shared, std::move(request));
  std::thread own;
  const std::error_code made = pool::start(shared, own);
  if (made) return failure(made.value());
  if (on_a_descriptor)
    wait_until_blocked(*shared, numbers);
  else
    wait_done(*shared, patience());
  out = std::make_unique<ThreadCall>(std::move(shared), std::move(own));
  return CallResult{};
}

// --- uring -----------------------------------------------------------------------------

#if defined(CLOSESEM_HAVE_LIBURING)

// A request's user_data: the use's generation (above the low bit) and which request.
constexpr std::uint64_t kOpTag = 0;      // the call's own request
constexpr std::uint64_t kCancelTag = 1;  // IORING_OP_ASYNC_CANCEL aimed at it
constexpr std::size_t kRingPoolSize = 4;
constexpr unsigned kRingEntries = 4;

// Pool rings (see the top of the file): made with the probe, parked between calls. Never
// destroyed: it outlives every call.
struct RingPool {
  std::mutex mutex;
  std::vector<io_uring*> parked;
  std::uint64_t generation = 0;  // of the last use of any ring (under the mutex)
};

RingPool& ring_pool() {
  static auto* pool = new RingPool();
  return *pool;
}

// Whether the kernel gives this process a ring with the four calls and the cancel, asked
// once: a sandbox (seccomp), io_uring_disabled or an old kernel may refuse. The probe's
// ring becomes the first pool ring; the others are made with it, so that the pool holds
// its descriptors from the first question on and never adds one later.
struct UringProbe {
  bool ok = false;
  std::string why_not;
};

const UringProbe& uring_probe() {
  static const UringProbe probe = [] {
    UringProbe result;
    auto* ring = new io_uring{};
    const int rc = io_uring_queue_init(kRingEntries, ring, 0);
    if (rc < 0) {
      delete ring;
      result.why_not = "io_uring_queue_init failed: the kernel answered " + describe_native(-rc);
      return result;
    }
    io_uring_probe* ops = io_uring_get_probe_ring(ring);
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
    if (!result.ok) {
      io_uring_queue_exit(ring);
      delete ring;
      return result;
    }
    auto& pool = ring_pool();
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.parked.push_back(ring);
    while (pool.parked.size() < kRingPoolSize) {
      auto* more = new io_uring{};
      if (io_uring_queue_init(kRingEntries, more, 0) < 0) {
        delete more;
        break;  // fewer pool rings; calls set up their own
      }
      pool.parked.push_back(more);
    }
    return result;
  }();
  return probe;
}

// One call's ring and the memory its request points at (buffer, address).
struct UringState {
  io_uring* ring = nullptr;
  bool pooled = false;             // a pool ring (parked again when quiet), not the call's own
  std::uint64_t generation = 0;    // this use's, in every user_data
  AsyncCallKind call = AsyncCallKind::recv;
  std::vector<std::uint8_t> buffer;
  backend::Address address;
  bool done = false;
  int completions = 0;
  CallResult result;
  int accepted = -1;
  bool cancel_answered = false;
  int cancels_unanswered = 0;      // cancels submitted whose CQE was not read yet
  CallResult cancel_result;

  std::uint64_t tag(std::uint64_t which) const { return (generation << 1) | which; }
};

// A ring for a call whose request names `handle`: a parked pool ring, else one of its own.
// Never a ring whose descriptor is `handle` itself (the handle was closed and the ring took
// its number: the request would name the ring, ENOTSOCK, instead of the closed handle,
// EBADF).
CallResult take_ring(int handle, UringState& state) {
  auto& pool = ring_pool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    state.generation = ++pool.generation;
    for (auto it = pool.parked.begin(); it != pool.parked.end(); ++it)
      if ((*it)->ring_fd != handle) {
        state.ring = *it;
        state.pooled = true;
        pool.parked.erase(it);
        return CallResult{};
      }
  }
  auto* ring = new io_uring{};
  int rc = io_uring_queue_init(kRingEntries, ring, 0);
  if (rc == 0 && ring->ring_fd == handle) {
    // A second ring gets another number; then the first goes.
    auto* other = new io_uring{};
    rc = io_uring_queue_init(kRingEntries, other, 0);
    io_uring_queue_exit(ring);
    delete ring;
    ring = other;
  }
  if (rc < 0) {
    delete ring;
    return failure(-rc);
  }
  state.ring = ring;
  state.pooled = false;
  return CallResult{};
}

// The end of a ring's use, once it is quiet (nothing of the call's in the kernel, every
// CQE read): a pool ring is parked again, a call's own is torn down.
void give_back_ring(UringState& state) {
  if (state.ring == nullptr) return;
  if (state.pooled && state.done && state.cancels_unanswered == 0) {
    auto& pool = ring_pool();
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.parked.push_back(state.ring);
  } else {
    io_uring_queue_exit(state.ring);  // a cancel still in flight dies with the ring
    delete state.ring;
  }
  state.ring = nullptr;
}

// States of calls that never completed: kept reachable (the kernel may still write into
// their buffers) for the rest of the process, never freed; their rings are never reused.
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
    // Completed: the kernel holds no request of the call's. A pool ring is reused only
    // once every cancel aimed at it was answered too (its CQE read here, not by the next
    // call); a cancel completes at once or nearly, so the wait is short (bounded).
    if (state_->cancels_unanswered > 0)
      pump(std::max(deadline, Clock::now() + scaled(milliseconds(100))),
           [&] { return state_->cancels_unanswered == 0; });
    give_back_ring(*state_);
    if (state_->accepted != -1) ::close(state_->accepted);  // never collected
    state_.reset();
    return true;
  }

 private:
  CallResult submit_cancel() {
    io_uring_sqe* sqe = io_uring_get_sqe(state_->ring);
    if (sqe == nullptr) return failure(EBUSY);
    io_uring_prep_cancel64(sqe, state_->tag(kOpTag), 0);
    io_uring_sqe_set_data64(sqe, state_->tag(kCancelTag));
    state_->cancel_answered = false;
    const int rc = io_uring_submit(state_->ring);
    if (rc < 0) return failure(-rc);
    ++state_->cancels_unanswered;
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
    if (cqe.user_data == state_->tag(kCancelTag)) {
      state_->cancel_answered = true;
      state_->cancel_result = outcome;
      if (state_->cancels_unanswered > 0) --state_->cancels_unanswered;
      return;
    }
    // Not this use's (a ring is parked only when quiet, so there is none): never taken
    // for this call's completion.
    if (cqe.user_data != state_->tag(kOpTag)) return;
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
    io_uring* ring = state_->ring;
    for (;;) {
      io_uring_cqe* cqe = nullptr;
      while (io_uring_peek_cqe(ring, &cqe) == 0 && cqe != nullptr) {
        take(*cqe);
        io_uring_cqe_seen(ring, cqe);
      }
      if (enough()) return;
      const auto left = std::max(Clock::duration(0), deadline - Clock::now());
      if (left == Clock::duration(0)) {
        // Only a look (the runner's after every step): io_uring_get_events enters the
        // kernel without a timer, which posts completions whose task work is still queued
        // on this thread; a zero-bound wait_cqe_timeout armed one (perf: 5% of the
        // fuzz target's time in io_cqring_wait).
        io_uring_get_events(ring);
        while (io_uring_peek_cqe(ring, &cqe) == 0 && cqe != nullptr) {
          take(*cqe);
          io_uring_cqe_seen(ring, cqe);
        }
        return;
      }
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      __kernel_timespec bound{};
      bound.tv_sec = ns / 1000000000;
      bound.tv_nsec = ns % 1000000000;
      // Enters the kernel even for a zero bound, so completions whose task work is
      // still queued on this thread are posted.
      const int rc = io_uring_wait_cqe_timeout(ring, &cqe, &bound);
      if (rc == 0 && cqe != nullptr) {
        take(*cqe);
        io_uring_cqe_seen(ring, cqe);
        continue;
      }
      if (rc == -EINTR) continue;
      if (Clock::now() >= deadline || (rc != -ETIME && rc != -EINTR)) {
        // One last look at what the timed-out wait may have posted.
        while (io_uring_peek_cqe(ring, &cqe) == 0 && cqe != nullptr) {
          take(*cqe);
          io_uring_cqe_seen(ring, cqe);
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
  const int fd = request.handle;
  if (request.call == AsyncCallKind::connect && !backend::to_address(request.to, state->address))
    return failure(EINVAL);
  const auto took = take_ring(fd, *state);
  if (!took.ok()) return took;
  io_uring_sqe* sqe = io_uring_get_sqe(state->ring);  // a quiet ring: its queue is empty
  switch (request.call) {
    case AsyncCallKind::recv:
      state->buffer.resize(request.size);
      io_uring_prep_recv(sqe, fd, state->buffer.data(), state->buffer.size(), 0);
      break;
    case AsyncCallKind::send:
    {
      const auto [bytes, size] = request.take_send_bytes(state->buffer);
      io_uring_prep_send(sqe, fd, bytes, size, MSG_NOSIGNAL);
      break;
    }
    case AsyncCallKind::accept: io_uring_prep_accept(sqe, fd, nullptr, nullptr, SOCK_CLOEXEC); break;
    case AsyncCallKind::connect:
      io_uring_prep_connect(sqe, fd, state->address.get(), state->address.length);
      break;
  }
  io_uring_sqe_set_data64(sqe, state->tag(kOpTag));
  const int submitted = io_uring_submit(state->ring);
  if (submitted < 0) {
    // Not taken by the kernel: torn down rather than reused with an SQE left in its queue.
    state->pooled = false;
    give_back_ring(*state);
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
