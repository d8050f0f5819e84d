// SPDX-License-Identifier: MIT
// How much of a run the oracle checked (issue 18): every step of a trace is one of
//   unpredicted  the model gave no admissible outcome ("not predicted: <why>"),
//   exact        one admissible outcome naming one result (not `ok`: any success, not
//                `fails`: any failure),
//   set          everything else (several outcomes, or `ok` / `fails`).
// "checked" is exact + set. The counts add up over traces (a fuzz run's inputs) and over
// other counts (libFuzzer's fork-mode children), and travel as one JSON object
// (schema "closesem-check-counts/1": fuzz/harness.cpp writes it when CLOSESEM_CHECK_COUNTS
// names a file; bench and nightly read it).
#pragma once

#include "closesem/runner.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace closesem::runner {

struct CheckCounts {
  static constexpr const char* kSchema = "closesem-check-counts/1";
  // unpredicted_reasons keeps at most this many keys ("other" among them).
  static constexpr std::size_t kMaxReasons = 200;
  // A reason's why is cut to this many characters (UTF-8 code points).
  static constexpr std::size_t kMaxReasonLength = 100;
  static constexpr const char* kOtherReason = "other";

  struct Counts {
    std::uint64_t run = 0, exact = 0, set = 0, unpredicted = 0;
    std::uint64_t checked() const { return exact + set; }
  };
  std::uint64_t inputs = 0;  // traces added
  Counts total;
  std::map<std::string, Counts> by_kind;  // ops::to_string(OpKind) -> counts
  // "KIND: why" -> how many unpredicted steps gave it. The why is the prediction's source
  // without a leading "not predicted: ", every run of digits replaced by one N (so that
  // "@1" and "@2", "9 bytes" and "10 bytes" count together), cut at kMaxReasonLength.
  // At most kMaxReasons keys: a new reason past that counts under "other".
  std::map<std::string, std::uint64_t> unpredicted_reasons;

  // Every step of the trace (called or not) is counted; inputs goes up by one.
  void add(const Trace& trace);
  // Sums: the reasons merge under the same cap.
  void add(const CheckCounts& other);
  // The file format (one JSON object, ending in a newline).
  std::string to_json(const std::string& target) const;
  // Reads what to_json wrote. False, with `error` naming what is wrong (not JSON, the
  // schema, a missing or ill-typed field, counts that do not add up), and `out` untouched.
  static bool from_json(const std::string& text, CheckCounts& out, std::string& error);
  // "12 ops: 9 checked exactly, 2 as a set, 1 not predicted (recv 1)"; "no ops" when
  // nothing ran (an empty run has no share: never 100%).
  std::string summary() const;

  // The key a step with this op kind and prediction source counts under (before the cap).
  static std::string reason_key(const std::string& kind, const std::string& source);
};

}  // namespace closesem::runner
