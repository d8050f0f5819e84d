// SPDX-License-Identifier: MIT
// fuzz_handles: many sockets made (unconnected sockets, pairs, listeners), duplicated,
// and closed in random order; calls on closed handles ("unusable after close", with
// the runner's reuse check: a closed value that now names another socket is not
// called, closesocket D3); and the Winsock startup/cleanup lifecycle in between. The
// model checks every call; the harness counts descriptors or handles before and after.
#include "harness.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using namespace closesem;

constexpr const char* kTarget = "fuzz_handles";

std::string name(unsigned endpoint) { return std::string(1, static_cast<char>('a' + endpoint)); }

}  // namespace

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (fuzz::ran_as_script(kTarget, data, size)) return 0;  // an .ops twin of a regression
  fuzz::Choices in(data, size);
  static const char* const kKinds[] = {"tcp4", "tcp6", "unix"};
  static const char* const kUses[] = {"send 1", "recv 1", "error", "pending", "shutdown both", "close",
                                      "linger on 0", "nonblocking on", "wait readable 0"};
  std::string text;
  for (int op = 0; op < 40 && !in.empty(); ++op) {
    const unsigned x = in.pick(8), y = (x + 1 + in.pick(7)) % 8;
    switch (in.pick(8)) {
      case 0: text += name(x) + " socket " + kKinds[in.pick(3)] + "\n"; break;
      case 1: text += std::string("pair ") + kKinds[in.pick(3)] + " " + name(x) + " " + name(y) + "\n"; break;
      case 2: text += name(x) + " dup " + name(y) + "\n"; break;
      case 3:
      case 4: text += name(x) + " close\n"; break;
      case 5: text += name(x) + " " + kUses[in.pick(9)] + "\n"; break;
      case 6: text += in.flip() ? "startup\n" : "cleanup\n"; break;
      case 7: text += name(x) + (in.flip() ? " listen\n" : " connect " + name(y) + "\n"); break;
    }
  }
  // Ops on endpoints never made, or pairs over live ones, are left out by the runner.
  fuzz::Shape limits;
  limits.max_sockets = 8;
  fuzz::check(kTarget, fuzz::shape(fuzz::generated(kTarget, text), limits));
  return 0;
}
