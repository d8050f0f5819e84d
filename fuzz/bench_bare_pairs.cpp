// SPDX-License-Identifier: MIT
// bench_bare_pairs: the baseline of `closesem bench`. Each input only creates a TCP
// loopback pair through the same factory the targets use, sends one byte each way,
// reads it, and closes both ends (the accepted end first, then the connecting end,
// abortively, as the targets' runner ends an input). No model, no checks: what a
// target costs above this is the price of its checking.
#include "closesem/pair.hpp"
#include "closesem/platform.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void require(bool held, const char* what) {
  if (held) return;
  std::fprintf(stderr, "closesem finding: bench_bare_pairs: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  closesem::platform::private_loopback_per_environment();  // (where the targets run too)
  static closesem::platform::Session session;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) {
  using namespace closesem;
  auto made = make_pair(PairKind{});
  require(made.status == PairStatus::ok, "pair setup failed");
  auto& pair = made.pair;
  unsigned char byte = 1;
  require(platform::send(pair.first.get(), &byte, 1).ret == 1, "send a -> b");
  require(platform::recv(pair.second.get(), &byte, 1).ret == 1, "recv at b");
  require(platform::send(pair.second.get(), &byte, 1).ret == 1, "send b -> a");
  require(platform::recv(pair.first.get(), &byte, 1).ret == 1, "recv at a");
  platform::set_linger(pair.second.get(), {true, 0});
  platform::set_linger(pair.first.get(), {true, 0});
  pair.second.close();
  pair.first.close();
  return 0;
}
