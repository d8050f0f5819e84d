// SPDX-License-Identifier: MIT
// fuzz_close_sequences: any op program (every kind of loopback pair, listeners,
// connect/accept, send/recv, shutdown, close, linger, dup, waits, the Winsock
// lifecycle) runs on the real sockets; the model checks every op, and the descriptors
// or handles open before and after each input are counted (fuzz/harness.hpp). The
// input is op-records (6 bytes per op, closesem/codec.hpp; `.rec` files), only.
#include "harness.hpp"

#include "closesem/codec.hpp"

#include <cstddef>
#include <cstdint>

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace closesem;
  closesem::fuzz::set_current_input(data, size);  // names a finding record as libFuzzer names the input
  fuzz::check("fuzz_close_sequences", fuzz::shape(ops::decode(data, size), fuzz::Shape{}));
  return 0;
}
