// SPDX-License-Identifier: MIT
// fuzz_close_sequences: any op program (every kind of loopback pair, listeners,
// connect/accept, send/recv, shutdown, close, linger, dup, waits, the Winsock
// lifecycle) runs on the real sockets; the model checks every op, and the descriptors
// or handles open before and after each input are counted (fuzz/harness.hpp).
#include "harness.hpp"

#include <cstddef>
#include <cstdint>

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace closesem::fuzz;
  check("fuzz_close_sequences", shape(program_from_input(data, size), Shape{}));
  return 0;
}
