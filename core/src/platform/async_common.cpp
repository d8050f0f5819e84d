// SPDX-License-Identifier: MIT
// What the pending-call and notification interfaces share on every platform (names, the
// base classes' destructors, the pool of workers behind `thread` calls: async_pool.hpp).
// The mechanisms themselves: posix/ and winsock/.
#include "closesem/platform.hpp"
#include "async_pool.hpp"

#include <chrono>
#include <tuple>

namespace closesem::platform {

std::string_view to_string(AsyncMechanism mechanism) {
  switch (mechanism) {
    case AsyncMechanism::thread: return "thread";
    case AsyncMechanism::overlapped: return "overlapped";
    case AsyncMechanism::iocp: return "iocp";
    case AsyncMechanism::uring: return "uring";
  }
  return "?";
}

std::string_view to_string(AsyncCallKind call) {
  switch (call) {
    case AsyncCallKind::recv: return "recv";
    case AsyncCallKind::send: return "send";
    case AsyncCallKind::accept: return "accept";
    case AsyncCallKind::connect: return "connect";
  }
  return "?";
}

Notifier::~Notifier() = default;
AsyncCall::~AsyncCall() = default;

// --- the pool of `thread` workers (async_pool.hpp) --------------------------------------

namespace pool {
namespace {

// The pool workers (see async_pool.hpp). Never destroyed: parked workers wait on it until
// the process ends.
class WorkerPool {
 public:
  static constexpr std::size_t kPoolSize = 4;

  static WorkerPool& instance() {
    static auto* pool = new WorkerPool();
    return *pool;
  }

  // Hands `call` to a parked worker (telling the backend which thread runs it): false when
  // none is parked.
  bool dispatch(const std::shared_ptr<CallState>& call) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (parked_.empty()) return false;
    Worker* worker = parked_.back();
    parked_.pop_back();
    backend::runs_on(*call, worker->thread);
    worker->call = call;
    worker->wake.notify_one();
    return true;
  }

 private:
  struct Worker {
    std::thread::native_handle_type thread{};
    std::condition_variable wake;
    std::shared_ptr<CallState> call;  // the call to run; empty while parked
  };

  WorkerPool() {
    const bool self_parking = backend::workers_park_themselves();
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      auto* worker = new Worker();  // lives as long as its thread: never freed
      try {
        std::thread thread([this, worker, self_parking] { loop(*worker, self_parking); });
        worker->thread = thread.native_handle();
        thread.detach();
      } catch (const std::system_error&) {
        delete worker;
        break;  // fewer pool workers; calls get threads of their own
      }
      std::lock_guard<std::mutex> lock(mutex_);
      workers_.push_back(worker);
      if (!self_parking) parked_.push_back(worker);
    }
    if (!self_parking) return;
    // Every worker is parked (with its token) before the first call is dispatched.
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, scaled(std::chrono::milliseconds(5000)),
                    [&] { return parked_.size() == workers_.size(); });
  }

  void loop(Worker& worker, bool self_parking) {
    void* token = backend::worker_started();  // kept for the worker's life
    std::unique_lock<std::mutex> lock(mutex_);
    if (self_parking) {
      parked_.push_back(&worker);
      ready_.notify_all();
    }
    for (;;) {
      worker.wake.wait(lock, [&] { return worker.call != nullptr; });
      const auto call = std::move(worker.call);
      worker.call.reset();
      lock.unlock();
      run_call(call, token);  // may never return: then this worker is never parked again
      lock.lock();
      parked_.push_back(&worker);
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Worker*> workers_;  // every pool worker (keeps them reachable)
  std::vector<Worker*> parked_;
};

}  // namespace

void prepare(CallState& call, AsyncRequest request) {
  if (request.call == AsyncCallKind::recv) call.buffer.resize(request.size);
  if (request.call == AsyncCallKind::send)
    std::tie(call.send_bytes, call.send_size) = request.take_send_bytes(call.buffer);
  call.request = std::move(request);
}

std::error_code start(const std::shared_ptr<CallState>& call, std::thread& own) {
  if (WorkerPool::instance().dispatch(call)) return {};
  // No pool worker parked: a thread of this call's own.
  try {
    own = backend::own_thread(call);
  } catch (const std::system_error& error) {
    return error.code();
  }
  // Set before anyone can cancel (the call object is made after this); the worker itself
  // never reads it.
  std::lock_guard<std::mutex> lock(call->mutex);
  backend::runs_on(*call, own.native_handle());
  return {};
}

void make_workers() { (void)WorkerPool::instance(); }

bool done(CallState& call) {
  std::lock_guard<std::mutex> lock(call.mutex);
  return call.done;
}

void run_call(const std::shared_ptr<CallState>& call, void* token) {
  backend::before_call(*call, token);
  // The platform layer's own calls, so that the call, its capture and its C library symbol
  // are exactly those of a direct call.
  const AsyncRequest& request = call->request;
  CallResult outcome;
  Socket accepted;
  switch (request.call) {
    case AsyncCallKind::recv:
      outcome = platform::recv(request.handle, call->buffer.data(), call->buffer.size());
      break;
    case AsyncCallKind::send:
      outcome = platform::send(request.handle, call->send_bytes, call->send_size);
      break;
    case AsyncCallKind::accept: outcome = platform::accept(request.handle, accepted); break;
    case AsyncCallKind::connect: outcome = platform::connect(request.handle, request.to); break;
  }
  backend::after_call(*call);
  std::lock_guard<std::mutex> lock(call->mutex);
  call->result = outcome;
  call->accepted = std::move(accepted);
  call->done = true;
  ++call->completions;
  call->changed.notify_all();
}

}  // namespace pool
}  // namespace closesem::platform
