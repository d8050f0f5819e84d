// SPDX-License-Identifier: MIT
// Fixtures for tests: pair kinds to generate over, skipping with a reason, bounded
// timeouts, and data helpers.
#pragma once

#include "closesem_testing/catch.hpp"
#include "closesem_testing/matchers.hpp"
#include "closesem_testing/report.hpp"

#include "closesem/pair.hpp"
#include "closesem/platform.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace closesem::testing {

// How long a test waits for something that should come (scaled for slow runs).
inline std::chrono::milliseconds positive_timeout() {
  return platform::scaled(std::chrono::milliseconds(5000));
}

// Every TCP (and AF_UNIX stream) pair kind, with reversals.
inline std::vector<PairKind> stream_pair_kinds() { return pair_kinds(true); }

// Makes a pair; fails the test (naming the step) when the factory fails.
PairResult make_pair_or_fail(const PairKind& kind);

}  // namespace closesem::testing

// Catch2 2.13 has no SKIP: a skip records its reason in the report, warns, and
// returns from the test body (libuv's RETURN_SKIP). Keep skips rare.
#define CLOSESEM_SKIP(reason)                                  \
  do {                                                         \
    const std::string closesem_skip_reason_ = (reason);        \
    ::closesem::testing::record_skip(closesem_skip_reason_);   \
    WARN("skipped: " << closesem_skip_reason_);                \
    return;                                                    \
  } while (false)

// Declares `pair_name` as a connected pair of `kind`, or skips when this host has no
// such transport (no IPv6, no AF_UNIX).
#define CLOSESEM_PAIR_OR_SKIP(pair_name, kind)                                      \
  auto pair_name##_made_ = ::closesem::testing::make_pair_or_fail(kind);            \
  if (pair_name##_made_.status == ::closesem::PairStatus::unavailable)              \
    CLOSESEM_SKIP(pair_name##_made_.message);                                       \
  auto& pair_name = pair_name##_made_.pair
