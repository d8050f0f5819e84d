// SPDX-License-Identifier: MIT
// What the socket fuzz targets share: the target turns its input into an op program
// (each target reads one binary format, closesem/fuzz_inputs.hpp: op-records through the
// codec, or choice bytes through a generator and ProgramBuilder), the program is shaped
// so that every input runs quickly and within the suite's bounds, and runs on real loopback sockets with the
// model checking every op. A divergence, a wait that ran out, a leaked descriptor or a
// lifecycle left unbalanced is a finding: the target prints it readably, with the
// program as .ops, and aborts. Malformed input is never a finding.
#pragma once

#include "finding_record.hpp"

#include "closesem/model.hpp"
#include "closesem/ops.hpp"
#include "closesem/runner.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace closesem::fuzz {

// CLOSESEM_FUZZ_NO_PENDING=1: shape() drops every `start`, `collect` and `cancel` from the
// inputs (notifications and the other new ops stay), so that `closesem bench` can measure
// fuzz_close_sequences with and without pending calls in the same run. Read once.
bool pending_calls_enabled();

// Limits that keep one input short: no plain send can block on a full window (all the
// bytes a program sends that way fit in a loopback buffer), no wait or linger outlasts a
// few ms / s, and at most a few calls are left pending.
struct Shape {
  std::size_t max_ops = 48;
  int max_sockets = 4;                    // pair counts one, socket one
  std::uint32_t max_send = 16 * 1024;     // per send
  // Per program, all endpoints together. Linux loopback delivers a send into the
  // peer's receive queue before it returns only while the bytes fit its first window:
  // with 49 KiB queued a later send was still in flight (fuzz_close_sequences).
  std::uint64_t max_sent = 32 * 1024;
  std::uint32_t max_recv = 64 * 1024;
  std::uint32_t max_wait_ms = 1;          // a wait, collect, poll, epoll, select or events with MS
  std::uint32_t max_linger_s = 2;
  // Pending calls. A `start ... send N` that fits what is left of max_sent counts there,
  // like a plain send (delivered before it returns). A larger one is a window filler: it
  // counts here instead, per program, all endpoints together. N is at most kMaxCount
  // (1 MiB), and a fresh Linux tcp4 loopback connection took 3,919,467 bytes before a
  // send blocked (Linux 6.18, default tcp_wmem/tcp_rmem): with a thread the fourth 1 MiB
  // send blocks, with io_uring it returns short (IORING_OP_SEND completes with what one
  // non-blocking attempt handed over) and the fifth blocks; hence 5 MiB and twice
  // kPendingSlots starts. Once a socket sent a filler, the loopback argument above no
  // longer holds for it: its later plain sends are dropped (they would queue behind the
  // filler, be in flight when they return, and block for the runner's patience on a
  // full window), and a program with a filler lingers 0 s (a close that lingers on
  // megabytes the peer never reads would block for the whole linger time).
  std::uint64_t max_pending_sent = 5 * 1024 * 1024;
  // A filler is at least this large (a smaller count is raised): one just past the first
  // window would still be in flight when it completes, while the model calls a send
  // delivered whole up to 64 KiB queued (core/src/model/model.cpp, kSurelyBuffered).
  std::uint32_t min_pending_filler = 128 * 1024;
  // `start` ops per program: at most kPendingSlots pending at once (the slots), and each
  // slot used about twice (a blocked call costs a worker thread or a ring).
  int max_pending_calls = 2 * ops::kPendingSlots;
  bool pending_calls = pending_calls_enabled();  // false: no start, collect or cancel
  bool keep_expectations = false;         // `->` from the input (random bytes make random ones)
  // Ops on the invalid handle (INVALID_SOCKET, -1) while the process's Winsock session
  // stays begun or ended; later ones are dropped. Their answer depends on no socket, only
  // on whether there is a session (the model's semantic state of such an op is one value),
  // while the codec's top opcode bit sets the class on half of all random records: with
  // no limit, 7.5 of a random input's 23 system calls went to handle -1.
  int max_invalid_handle_ops = 1;
};

// Once per process: the process's Winsock session and the pair factory's listeners
// (so that they do not count as a leak of the first input).
void initialize();

// The program clamped to the shape's limits (ops past them are dropped; each op keeps
// its `where`).
ops::Program shape(const ops::Program& program, const Shape& limits);

// Runs the program on the real sockets with the model of this platform. Aborts with
// a report on a finding; otherwise returns the trace for the target's own checks.
runner::Trace check(const char* target, const ops::Program& program);

// A target's own finding about a trace check() passed: reported like the others.
void finding(const char* target, const std::string& what, const std::string& signature, const runner::Trace& trace);

// The model profile of this platform (linux, wine-8, winsock).
const model::Profile& platform_profile();

}  // namespace closesem::fuzz

// A socket target's LLVMFuzzerInitialize: libFuzzer and the replay engine call it once.
#define CLOSESEM_FUZZ_INITIALIZE()                          \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {      \
    closesem::fuzz::initialize();                           \
    return 0;                                               \
  }
