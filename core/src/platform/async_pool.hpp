// SPDX-License-Identifier: MIT
// The worker threads behind `thread` pending calls, one copy for both backends
// (async_common.cpp), and the few primitives each backend gives it (posix/async_posix.cpp,
// winsock/async_winsock.cpp): what a worker does when it starts and around its call, how a
// call's own thread is made, which thread runs a call. How a call is interrupted stays with
// each backend's call object (POSIX: a signal; Winsock: CancelSynchronousIo). Included only
// by the platform layer's sources; no socket headers here.
//
// Workers are reused (a thread per call cost a clone, a stack mmap and a join each): a
// fixed set of kPoolSize pool workers, made together on the first use and parked on a
// condition variable between calls, each runs one call at a time. When none is parked (more
// calls pending at once, or pool workers stuck in calls that never returned) a call gets a
// thread of its own, joined at its reap as before. A pool worker whose call has not
// returned is simply not parked: nothing waits for it, and it parks again if its call ever
// returns. The set never grows after the first use (nothing is made mid-input that would
// outlive it).
//
// What makes a backend's interrupt safe with reuse: a worker sets `done` under the call's
// mutex after its call returned, and takes no other call before; an interrupt made under
// that mutex while `done` is false is made before the worker is free for another call.
#pragma once

#include "closesem/platform.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace closesem::platform::pool {

// What the worker and its owner share; each backend derives its own, with what its
// interrupt needs to know of the thread. The worker holds a reference, so a worker left
// behind never touches freed memory.
struct CallState {
  CallState() = default;
  CallState(const CallState&) = delete;
  CallState& operator=(const CallState&) = delete;
  virtual ~CallState() = default;

  AsyncRequest request;              // not touched by anyone else once the worker runs
  std::vector<std::uint8_t> buffer;  // recv: the bytes received; send: the bytes to send
  const std::uint8_t* send_bytes = nullptr;  // send: buffer's, or the request's own bytes
  std::size_t send_size = 0;

  std::mutex mutex;                  // guards everything below (and the backend's own fields)
  std::condition_variable changed;   // `done` was set (or a backend's field, by before_call)
  bool done = false;                 // the call returned; result, buffer and accepted are final
  int completions = 0;
  CallResult result;
  Socket accepted;
};

// Takes `request` into `call`: recv's buffer of the request's size, send's bytes.
void prepare(CallState& call, AsyncRequest request);

// Hands `call` to a parked pool worker, else to a thread of its own, returned in `own` (the
// call's reap joins it; a pool worker parks by itself). An error code only when that thread
// could not be made (then the call does not run).
std::error_code start(const std::shared_ptr<CallState>& call, std::thread& own);

// Makes the pool workers now, if they are not made yet (the first use).
void make_workers();

// Whether the call has returned (read under its mutex).
bool done(CallState& call);

// Runs one call on this thread (a pool worker or a thread of its own), whose token from
// the backend is `token`; `done` is set under the call's mutex once the call returned.
void run_call(const std::shared_ptr<CallState>& call, void* token);

}  // namespace closesem::platform::pool

namespace closesem::platform::backend {

// Whether each pool worker parks itself once worker_started() ran on it, the pool's making
// waiting (bounded) until all have; otherwise a worker is parked as it is made, and a call
// handed to it before it ran waits for it.
bool workers_park_themselves();

// On a pool worker's own thread, once, before it first parks: a token the worker keeps for
// its life, handed to before_call with each of its calls.
void* worker_started();

// On the thread that runs `call`, just before and just after the blocking call.
void before_call(pool::CallState& call, void* token);
void after_call(pool::CallState& call);

// Tells `call` which thread runs it (std::thread's native handle), before the thread has
// it (a pool worker) or under the call's mutex (a thread of its own).
void runs_on(pool::CallState& call, std::thread::native_handle_type thread);

// A thread of `call`'s own that runs pool::run_call; std::system_error when it cannot be
// made.
std::thread own_thread(const std::shared_ptr<pool::CallState>& call);

}  // namespace closesem::platform::backend
