// SPDX-License-Identifier: MIT
// A fuzz target's finding as a record (JSON, the fields of closesem::tool::Finding in
// tools/fuzzing/finding.hpp), written by the target itself as it reports the finding:
//   - to $CLOSESEM_FINDING_JSON when set (a one-file replay: the tool's run_target_once);
//   - else, when $CLOSESEM_FINDING_DIR is set (libFuzzer's -artifact_prefix folder), to
//     DIR/crash-<sha1 of the input>.finding.json, beside the artifact libFuzzer writes.
// Only the first finding of a process is recorded (later ones of CLOSESEM_FUZZ_KEEP_GOING
// runs would overwrite it). Dependency-free (no JSON library): the ClusterFuzzLite build
// has only asio.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace closesem::fuzz {

struct FindingRecord {
  std::string target, kind, signature, what, platform, profile, program;
  int step = -1;
};

// The input being run, for DIR's file name. Socket targets get it without a call of their
// own (the harness wraps LLVMFuzzerTestOneInput at link time, where the linker can); other
// targets call it first thing.
void set_current_input(const std::uint8_t* data, std::size_t size);

// Writes the record where the environment says (nothing when neither variable is set); a
// failed write is said on stderr, it never hides the finding itself.
void write_finding_record(const FindingRecord& record);
// How many findings this process reported (write_finding_record calls): more than one only
// under CLOSESEM_FUZZ_KEEP_GOING, where the run goes on after each.
std::uint64_t findings_reported();

// The record as JSON text (for tests and the writer).
std::string finding_record_json(const FindingRecord& record);
// $CLOSESEM_FUZZ_PROFILE: the model profile a target judges the platform against instead
// of its own (the nightly's --wine-profile: Wine judged as Windows is documented, profile
// winsock, rather than against its measured deviations, wine-8). "" when not set.
std::string profile_from_environment();

// SHA-1 of the bytes as 40 hex digits (libFuzzer's artifact names).
std::string sha1_hex(const std::uint8_t* data, std::size_t size);

}  // namespace closesem::fuzz
