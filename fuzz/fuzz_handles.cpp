// SPDX-License-Identifier: MIT
// fuzz_handles: many sockets made (unconnected sockets, pairs, listeners), duplicated,
// and closed in random order; calls on closed handles ("unusable after close", with
// the runner's reuse check: a closed value that now names another socket is not
// called, closesocket D3); and the Winsock startup/cleanup lifecycle in between. The
// model checks every call; the harness counts descriptors or handles before and after.
// The input is handle-choices (`.handles` files): the generator in
// core/src/ops/fuzz_inputs.cpp builds the program, `closesem_tool ops decode` prints it.
#include "harness.hpp"

#include "closesem/fuzz_inputs.hpp"

#include <cstddef>
#include <cstdint>

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace closesem;
  closesem::fuzz::set_current_input(data, size);  // names a finding record as libFuzzer names the input
  // Ops on endpoints never made, or pairs over live ones, are left out by the runner.
  fuzz::Shape limits;
  limits.max_sockets = 8;
  const auto program = ops::decode_input(ops::InputFormat::handle_choices, data, size);
  fuzz::check("fuzz_handles", fuzz::shape(program, limits));
  return 0;
}
