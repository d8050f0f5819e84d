// SPDX-License-Identifier: MIT
// The behaviour report: what every test observed on this platform and its verdict,
// written as JSON when CLOSESEM_REPORT names a file (see report.cpp for the schema).
#pragma once

#include "closesem/platform.hpp"

#include <string>
#include <vector>

namespace closesem::testing {

// How one asserted outcome went.
enum class Status {
  pass,             // as expected
  fail,             // not as expected, and not a listed deviation
  known,            // a deviation listed for this platform occurred as listed
  unexpected_pass,  // a deviation is listed, but the expected outcome occurred
};
std::string_view to_string(Status status);

// One asserted outcome: the operation, what was expected, what happened.
struct Observation {
  std::string variant;    // the pair kind or other parameter, "" when none
  std::string operation;  // "send(first, 1) after shutdown(first, send)"
  std::string expected;   // "fails with shut_down"
  platform::CallResult outcome;
  Status status = Status::fail;
  std::string deviation;     // the listed deviation's reason (and note), whenever one is listed
  std::string deviation_id;  // its ID in the known-deviation table
};

// The TEST_CASE now running ("" outside one).
std::string current_test();

// Called by the matchers and fixtures; safe from any thread.
void record_observation(Observation observation);
void record_skip(const std::string& reason);
void set_variant(const std::string& variant);

// Called by the Catch2 listener.
void begin_test(const std::string& name, const std::vector<std::string>& tags);
void end_test(bool failed);
// Writes the report if CLOSESEM_REPORT is set (and JUnit XML beside it, .xml for
// .json). Returns a line for the person at the terminal,
// "<path>: <platform>: N pass, N known, N fail, N unexpected pass, N skipped", or ""
// when none was written.
std::string write_report(const std::string& suite);

}  // namespace closesem::testing
