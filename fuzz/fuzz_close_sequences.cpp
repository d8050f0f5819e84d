// SPDX-License-Identifier: MIT
// fuzz_close_sequences: any op program (every kind of loopback pair, listeners,
// connect/accept, send/recv, shutdown, close, linger, dup, waits, the Winsock
// lifecycle; calls left pending on a worker thread, overlapped, through an I/O
// completion port or io_uring, then collected or cancelled; poll, epoll, select and
// WSAEventSelect event sets; names, connect on a connected socket, the invalid handle)
// runs on the real sockets; the model checks every op, the runner checks that no
// pending call completes before its cause or twice and reaps every one at the end, and
// the descriptors or handles open before and after each input are counted
// (fuzz/harness.hpp; CLOSESEM_FUZZ_NO_PENDING=1 leaves the pending calls out). The
// input is op-records (6 bytes per op, closesem/codec.hpp; `.rec` files), only.
#include "harness.hpp"
#include "semantic_feedback.hpp"

#include "closesem/codec.hpp"

#include <cstddef>
#include <cstdint>

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace closesem;
  closesem::fuzz::set_current_input(data, size);  // names a finding record as libFuzzer names the input
  auto decoded = ops::decode(data, size);
  for (std::size_t i = 0; i < decoded.ops.size(); ++i) decoded.ops[i].where.line = static_cast<int>(i + 1);
  fuzz::check("fuzz_close_sequences", fuzz::shape(decoded, fuzz::Shape{}));
  // The replay engine keeps an input that reached a new transition up to the record that
  // last did (each op carries its record's number as its line): what it appends comes
  // right after that state, and a kept input runs no records that reached nothing new.
  // (An input that reached nothing new is not kept: 0.)
  fuzz::set_input_used(static_cast<std::size_t>(fuzz::last_new_line()) * ops::kRecordSize);
  return 0;
}
