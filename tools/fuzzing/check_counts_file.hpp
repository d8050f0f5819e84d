// SPDX-License-Identifier: MIT
// What the model checked, as the fuzz targets report it: with CLOSESEM_CHECK_COUNTS=PATH
// set, a target that runs op programs through the runner (fuzz/harness.cpp) writes PATH
// ("%p" in it becomes its process id), a JSON object of schema closesem-check-counts/1:
// ops run, checked exactly, checked as a set, not predicted, per op kind, and why ops
// were not predicted. `bench` and `nightly` read those files here and sum them (one per
// process: libFuzzer's fork mode and the replay engine's rounds each write their own).
// Each file is read by the runner's CheckCounts::from_json, the format's one reader.
#pragma once

#include "fuzzing/manifest.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace closesem::tool {

// Ops of one kind (or of all): how many ran, and how the model answered for them.
struct CheckTally {
  std::uint64_t run = 0, exact = 0, set = 0, unpredicted = 0;
  std::uint64_t checked() const { return exact + set; }
  void add(const CheckTally& other) {
    run += other.run;
    exact += other.exact;
    set += other.set;
    unpredicted += other.unpredicted;
  }
};

// The sum of a target's files.
struct CheckCountsSum {
  int files = 0;                      // files read and added
  std::uint64_t inputs = 0;
  CheckTally total;
  std::map<std::string, CheckTally> by_kind;                      // "recv" -> its ops
  std::map<std::string, std::uint64_t> unpredicted_reasons;       // "recv: why" -> unpredicted ops
  std::vector<std::string> problems;  // files that were not added: "PATH: why"
};

// Reads one file's text and adds it to `sum`. False with `error` (CheckCounts::from_json's:
// "ops_run: expected a count ...", "not valid JSON: ...") when it is not a counts file, or
// not `target`'s (when `target` is not ""); `sum` is then unchanged.
bool add_check_counts(const std::string& text, const std::string& target, CheckCountsSum& sum, std::string& error);

// Every DIR/TARGET-*.json (what CLOSESEM_CHECK_COUNTS=DIR/TARGET-%p.json leaves; a
// TARGET-*.json.tmp being written is not one), added up. A file that cannot be read goes
// into `problems` with its path; none at all leaves files == 0.
CheckCountsSum sum_check_counts(const std::string& dir, const std::string& target);

// Whether the target's harness writes a counts file: those that run op programs through
// the runner and its model (op records, linger and handle choices). fuzz_asio_close
// (asio programs) and fuzz_ops_text (no sockets) have no op model and write none.
bool writes_check_counts(const FuzzTarget&);

// The checked share as a whole percent, rounded down (so that 94.9% is not shown as the
// 95% it missed): "91%". "no ops" when none ran.
std::string checked_percent(const CheckTally&);

// The `limit` entries with the highest counts, the highest first (ties: by key).
std::vector<std::pair<std::string, std::uint64_t>> top_counts(const std::map<std::string, std::uint64_t>& counts,
                                                              std::size_t limit);
// The same of the op kinds, by their unpredicted ops (kinds with none are left out).
std::vector<std::pair<std::string, std::uint64_t>> top_unpredicted_kinds(const CheckCountsSum&, std::size_t limit);

}  // namespace closesem::tool
