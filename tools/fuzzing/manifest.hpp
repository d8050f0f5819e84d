// SPDX-License-Identifier: MIT
// The fuzz targets, as declared once in fuzz/CMakeLists.txt (closesem_add_fuzzer(... FORMAT
// ... SOCKETS ...)). CMake generates the table this reads (fuzz_targets.inc, compiled into
// the tool) and, for scripts and .clusterfuzzlite/build.sh, <build>/fuzz/targets.json and
// targets.txt: no tool keeps a list of its own, and per-target special cases are fields here.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace closesem::tool {

// One fuzz target.
struct FuzzTarget {
  std::string name;          // "fuzz_close_sequences"
  std::string format;        // input format: "op-records", "ops-text", "asio-text", "linger-choices", "handle-choices"
  bool sockets = true;       // whether it makes socket calls (fuzz_ops_text: false)
  std::string dictionary;    // absolute path of its .dict, or ""
  std::vector<std::pair<std::string, std::string>> options;  // [libfuzzer] key = value of its .options (dict excluded)
  std::string source_dir;    // absolute path of the source tree (for corpora/<name>/seeds, regressions)
};

// Every target, in declaration order.
const std::vector<FuzzTarget>& fuzz_targets();
// The target of this name; nullptr when unknown.
const FuzzTarget* find_fuzz_target(std::string_view name);
// The names, joined with ", " (for messages: "one of: ...").
std::string fuzz_target_names();
// Its libFuzzer flags: "-dict=/abs/x.dict" (when it has one), then "-KEY=VALUE" per option.
std::vector<std::string> libfuzzer_flags(const FuzzTarget&);
// One option as an integer (timeout, max_len); `fallback` when absent or not a number.
int option_int(const FuzzTarget&, std::string_view key, int fallback);
// Whether its inputs are op records (the codec's binary form; minimised by whole records).
bool is_op_records(const FuzzTarget&);
// Whether its inputs are asio program text (minimised by lines, kept as .asio).
bool is_asio_text(const FuzzTarget&);
// Whether its inputs are text minimised by lines (asio-text, ops-text).
bool is_text_format(const FuzzTarget&);
// The suffix of its input files, which says how to read them (closesem/fuzz_inputs.hpp):
// ".rec", ".linger", ".handles" for the binary formats, ".asio", ".ops" for the text ones.
std::string input_suffix(const FuzzTarget&);
// corpora/<name>/seeds and corpora/<name>/regressions of the source tree.
std::string seeds_dir(const FuzzTarget&);
std::string regressions_dir(const FuzzTarget&);
// Copies (encodes) the target's seeds and regressions into `dest` (made when missing) as
// the fuzzer mutates them: for a binary format, its files are copied and an .ops script
// without a binary twin becomes its bytes (closesem::ops::encode_input); text formats are
// copied as they are. Returns how many were staged, or -1 with `error` (a script that does
// not parse or that the format cannot express, a failed write).
int stage_seeds(const FuzzTarget&, const std::string& dest, std::string& error);

}  // namespace closesem::tool
