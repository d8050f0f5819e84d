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

// Limits that keep one input short: no send can block on a full window (all the bytes
// a program sends fit in a loopback buffer), no wait or linger outlasts a few ms / s.
struct Shape {
  std::size_t max_ops = 48;
  int max_sockets = 4;                    // pair counts one, socket one
  std::uint32_t max_send = 16 * 1024;     // per send
  // Per program, all endpoints together. Linux loopback delivers a send into the
  // peer's receive queue before it returns only while the bytes fit its first window:
  // with 49 KiB queued a later send was still in flight (fuzz_close_sequences).
  std::uint64_t max_sent = 32 * 1024;
  std::uint32_t max_recv = 64 * 1024;
  std::uint32_t max_wait_ms = 1;          // a wait with MS
  std::uint32_t max_linger_s = 2;
  bool keep_expectations = false;         // `->` from the input (random bytes make random ones)
};

// Once per process: the process's Winsock session and the pair factory's listeners
// (so that they do not count as a leak of the first input).
void initialize();

// The program clamped to the shape's limits (ops past them are dropped).
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
