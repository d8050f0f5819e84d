// SPDX-License-Identifier: MIT
#include "closesem_testing/fixtures.hpp"

namespace closesem::testing {

PairResult make_pair_or_fail(const PairKind& kind) {
  set_variant(kind.description());
  auto made = make_pair(kind);
  if (made.status == PairStatus::failed)
    FAIL("could not make a " << kind.description() << " pair: " << made.message);
  return made;
}

}  // namespace closesem::testing
