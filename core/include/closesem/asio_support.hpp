// SPDX-License-Identifier: MIT
// The asio layer: what the asio conformance tests and fuzz_asio_close share. asio is a
// socket API of its own (reactor on Linux, IOCP on Windows), so this header is, with
// platform/ and the peers, one of the few places where socket headers arrive.
//
// A Loop owns an io_context, the threads that run it (none: the caller drives it) and
// every object a test makes on it, and it tracks every completion handler it hands
// out: how often each ran, with what, on which thread, whether from inside the call
// that started it, whether after stop(). Objects are destroyed after the threads have
// joined and before the io_context, so a test that fails half-way tears down cleanly.
#pragma once

#include "closesem/platform.hpp"

#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace closesem::asio_support {

using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

// A completion in the suite's vocabulary: success is ret=bytes, asio::error::eof is
// ret=0 (end of stream, as recv reports it), a system error goes through the
// platform's error table and keeps its native code (ECANCELED, WSA_OPERATION_ABORTED,
// ERROR_CONNECTION_ABORTED...); other asio errors are Errc::other.
platform::CallResult outcome_of(const asio::error_code& ec, std::size_t bytes);
// "success", "eof", "operation_aborted: ECANCELED(125) Operation canceled".
std::string describe(const asio::error_code& ec);

// One tracked completion handler.
struct Completion {
  std::string operation;         // "async_read_some(second)"
  int runs = 0;                  // how often the handler ran
  asio::error_code ec;           // of the first run
  std::size_t bytes = 0;
  bool inline_run = false;       // ran inside the call that started it
  bool after_stop = false;       // ran after stop() and before restart()
  std::thread::id thread;
  platform::CallResult outcome() const { return outcome_of(ec, bytes); }
};

class Loop;

// The handler a Loop hands out: records its run, and counts its live copies so that a
// handler asio never destroys (a leak) shows.
class Handler {
 public:
  Handler(Loop* loop, int id);
  Handler(const Handler& other);
  Handler(Handler&& other) noexcept;
  Handler& operator=(const Handler&) = delete;
  Handler& operator=(Handler&&) = delete;
  ~Handler();
  void operator()(const asio::error_code& ec, std::size_t bytes) const;
  void operator()(const asio::error_code& ec) const;

 private:
  Loop* loop_;
  int id_;
  std::shared_ptr<std::atomic<long>> live_;
};

class Loop {
 public:
  using Clock = std::chrono::steady_clock;

  // `threads` threads run the io_context until the Loop ends; with 0 the caller drives
  // it in wait_until and call.
  explicit Loop(unsigned threads);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  asio::io_context& context() { return *context_; }
  unsigned threads() const { return threads_; }
  Strand make_strand() { return asio::make_strand(*context_); }

  // An object that lives until the Loop ends (after its threads, before the context).
  template <typename T, typename... Args>
  T& own(Args&&... args) {
    auto object = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *object;
    owned_.push_back(std::move(object));
    return ref;
  }

  // A handler for `operation`; its id names it in the other calls.
  int track(std::string operation);
  Handler handler(int id) { return Handler(this, id); }
  // Starts an operation on `executor`: `start(handler)` runs there (the only safe place
  // with threads running the context), and the handler is tracked as `operation`.
  // Returns the id, or -1 if `start` did not run within the timeout.
  template <typename Executor, typename Start>
  int start(const Executor& executor, std::string operation, Start start_op);
  // Runs `f` on `executor` and waits for it; false when it did not run in time.
  template <typename Executor, typename F>
  bool call(const Executor& executor, F f, std::chrono::milliseconds timeout);

  // Waits until `done()` holds, driving the context on this thread when no thread runs
  // it. False when the timeout passed first.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  bool wait_for(int id, std::chrono::milliseconds timeout);  // until handler `id` ran

  Completion completion(int id) const;
  int runs(int id) const;
  bool ran(int id) const { return runs(id) > 0; }
  std::vector<Completion> completions() const;

  // io_context::stop() with the handlers' watch on: any handler that runs before
  // restart() is marked after_stop. Meaningful where nothing else runs the context.
  void stop();
  void restart();
  // Runs the context until it has no work left or the timeout passes (true: drained).
  // Where threads run it, waits for the threads instead.
  bool drain(std::chrono::milliseconds timeout);
  // Stops the context, joins the threads, destroys the owned objects and then the
  // context (abandoned handlers are destroyed with it). Returns the handler copies
  // still alive afterwards: nonzero is a leak. Idempotent.
  long finish();

  // Problems seen by the handlers: "async_read_some(second) ran 2 times", "ran inside
  // the call that started it", "ran after stop()".
  std::vector<std::string> problems() const;

 private:
  friend class Handler;
  void complete(int id, const asio::error_code& ec, std::size_t bytes);
  void notify();
  bool wait_flag(const std::shared_ptr<std::atomic<bool>>& flag, std::chrono::milliseconds timeout);

  unsigned threads_;
  std::optional<asio::io_context> context_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> workers_;
  std::size_t returned_ = 0;  // workers whose run() returned (under mutex_)
  std::vector<std::shared_ptr<void>> owned_;
  std::shared_ptr<std::atomic<long>> live_ = std::make_shared<std::atomic<long>>(0);
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Completion> completions_;
  bool stopped_ = false;
  bool finished_ = false;
};

// A connected TCP pair made through asio (acceptor on the loopback, port 0), each end
// with its own strand; the acceptor is closed once the pair is made.
struct TcpPair {
  Strand first_strand;
  Strand second_strand;
  tcp::socket first;   // the connecting end
  tcp::socket second;  // the accepted end
  explicit TcpPair(Loop& loop);
};
// Connects `pair` over IPv4 or IPv6; false with `why` when this host cannot.
bool connect_pair(TcpPair& pair, bool ipv6, std::string& why);

// release() as the platform layer's handle (asio's native_handle_type is a class on
// Windows): kInvalidHandle when release failed.
platform::NativeHandle release(tcp::socket& socket, asio::error_code& ec);

// Fills the socket's send path (its send buffer and the peer's receive buffer) with
// non-blocking writes until a write would block; returns the bytes written. Leaves the
// socket in non-blocking mode as asio's own operations do.
std::size_t fill_send_path(tcp::socket& socket, std::size_t limit = 64u << 20);

// ---------------------------------------------------------------------------
// Template members.

template <typename Executor, typename Start>
int Loop::start(const Executor& executor, std::string operation, Start start_op) {
  const int id = track(std::move(operation));
  const bool ran = call(
      executor, [this, id, start_op]() mutable { start_op(handler(id)); },
      platform::scaled(std::chrono::milliseconds(5000)));
  return ran ? id : -1;
}

namespace detail {
// Set on this thread while an operation is being started (inline runs are detected).
extern thread_local int starting;
}  // namespace detail

template <typename Executor, typename F>
bool Loop::call(const Executor& executor, F f, std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  asio::post(executor, [this, done, f = std::move(f)]() mutable {
    ++detail::starting;
    f();
    --detail::starting;
    done->store(true);
    notify();
  });
  return wait_flag(done, timeout);
}

}  // namespace closesem::asio_support
