// SPDX-License-Identifier: MIT
// Known deviations per platform (conformance/expectations/*.json): where a platform's
// observed outcome differs from what a test expects, made data (Wine's todo_wine). Each
// entry names its deviation by ID; the reason is written once, in the known-deviation
// table (deviations.json, compiled in: closesem/deviations.hpp).
#pragma once

#include "closesem/platform.hpp"

#include <string>
#include <vector>

namespace closesem::testing {

struct Deviation {
  std::string file;                   // where it is listed
  std::string platform;               // glob over platform ids: "wine-8.*"
  std::string test;                   // TEST_CASE name
  std::string operation;              // the operation text given to observe()
  std::vector<std::string> observed;  // outcome tokens: "connection_reset", "ret=0"
  std::string id;                     // the known deviation: "wine8-recv-after-reset-reads-0"
  std::string reason;                 // the table's reason for `id`
  std::string link;                   // the table's link for `id`, if any
  std::string note;                   // what is particular to this test and operation, if anything
  // Occurs in some runs only (a race the reason explains): the expected outcome is then
  // a pass, not an unexpected pass.
  bool intermittent = false;
};

// How an outcome is written in expectation files and reports: the portable error of a
// failed call ("connection_reset"), or "ret=N" for a call that succeeded.
std::string outcome_token(const platform::CallResult& outcome);

// "*" matches any run of characters; everything else matches itself.
bool glob_match(const std::string& pattern, const std::string& text);

// The reason with the entry's note and where it is listed, for the report:
// "<reason> <note> (<file>)".
std::string describe_deviation(const Deviation& deviation);

// The file of `dir` that holds the known-deviation table, not a platform's expectations.
inline constexpr const char* kDeviationTableFile = "deviations.json";

// Reads every platform file (*.json but the table) in `dir`, for all platforms. Each
// entry's deviation ID must be in the table, listed there for the file's platform
// pattern. Returns false and fills `error` ("file: deviations[i]: what is wrong") on bad input.
bool read_expectations(const std::string& dir, std::vector<Deviation>& out, std::string& error);

// read_expectations, keeping the deviations whose pattern matches `platform_id` for the
// checks of this run.
bool load_expectations(const std::string& dir, const std::string& platform_id, std::string& error);

// The deviation listed for this test and operation on this platform, or nullptr.
const Deviation* find_deviation(const std::string& test, const std::string& operation);

// Puts `deviations` in place of the loaded ones and returns those (for unit tests).
std::vector<Deviation> replace_deviations(std::vector<Deviation> deviations);

// Deviations loaded for this platform that no check looked up during the run.
std::vector<Deviation> unused_deviations();

}  // namespace closesem::testing
