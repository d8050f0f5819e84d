// SPDX-License-Identifier: MIT
// A finding as a typed record. A socket target writes it as JSON itself when it reports a
// finding (fuzz/harness.cpp report_finding; fuzz_asio_close likewise): to
// $CLOSESEM_FINDING_JSON when set (a one-file replay), else, when $CLOSESEM_FINDING_DIR is
// set, next to libFuzzer's artifact as DIR/crash-<sha1 of the input>.finding.json.
// Sanitizer and libFuzzer reports (no record possible: the process is dying) are turned
// into one by finding_from_log, from the run's output.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace closesem::tool {

struct Finding {
  std::string target;
  std::string kind;        // "divergence", "settle", "leak", "expectation", "sanitizer", "libfuzzer", "timeout", "harness", ...
  std::string signature;   // stable under minimisation: "divergence/send/broken_pipe/predicted connection_reset",
                           // "AddressSanitizer/heap-use-after-free at x.cpp:12", "timeout/no end within 55 s"
  std::string what;        // one readable line
  std::string platform;    // platform id, "" when unknown
  std::string profile;     // model profile, "" when unknown
  std::string program;     // the program as .ops (or .asio text), "" when unknown
  int step = -1;           // index of the first step that did not hold, -1 when none/unknown
};

nlohmann::json to_json(const Finding&);
// nullopt with `error` (naming the field) when the JSON is not a finding record.
std::optional<Finding> finding_from_json(const nlohmann::json&, std::string& error);
// nullopt with `error` when the file is missing, not JSON, or not a finding record.
std::optional<Finding> read_finding_file(const std::string& path, std::string& error);
// Writes the record (pretty JSON, then a newline); false with `error` on a failed write.
bool write_finding_file(const Finding&, const std::string& path, std::string& error);
// From a run's combined output: the target's own "closesem signature:" line (with its
// "closesem finding:" line as `what`), else a sanitizer's SUMMARY, else libFuzzer's ERROR
// line; nullopt for a clean log.
std::optional<Finding> finding_from_log(const std::string& target, const std::string& log_text);
// The kind a signature starts with ("settle/close" -> "settle"; "AddressSanitizer/..." ->
// "sanitizer"; "libFuzzer/..." -> "libfuzzer").
std::string kind_of_signature(const std::string& signature);

}  // namespace closesem::tool
