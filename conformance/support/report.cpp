// SPDX-License-Identifier: MIT
// Collects observations per test case and writes the behaviour report.
//
// Schema "closesem-behaviour/1":
//   { "schema", "suite", "suite_version", "platform", "api", "time",
//     "summary": {"pass", "fail", "skipped", "known", "unexpected_pass"},
//     "tests": [ { "name", "tags": [...], "verdict": "pass|fail|skipped",
//                  "skip_reasons": [...],
//                  "observations": [ { "variant", "operation", "expected", "ret",
//                                      "errc", "native", "native_code", "passed" } ] } ] }
#include "closesem_testing/report.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>

#ifndef CLOSESEM_SUITE_VERSION
#define CLOSESEM_SUITE_VERSION "unknown"
#endif

namespace closesem::testing {
namespace {

struct TestRecord {
  std::string name;
  std::vector<std::string> tags;
  std::vector<Observation> observations;
  std::vector<std::string> skips;
  bool failed = false;
  bool finished = false;
};

struct Recorder {
  std::mutex mutex;
  std::vector<TestRecord> tests;
  std::string variant;
};

Recorder& recorder() {
  static Recorder instance;
  return instance;
}

std::string utc_now() {
  // Called once, from main, after the tests: std::gmtime's shared buffer is safe here.
  const std::time_t now = std::time(nullptr);
  char text[32] = {};
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string verdict_of(const TestRecord& test) {
  if (test.failed) return "fail";
  const bool anything_checked = !test.observations.empty();
  if (!test.skips.empty() && !anything_checked) return "skipped";
  return "pass";
}

}  // namespace

void record_observation(Observation observation) {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.tests.empty()) return;
  observation.variant = r.variant;
  r.tests.back().observations.push_back(std::move(observation));
}

void record_skip(const std::string& reason) {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.tests.empty()) return;
  r.tests.back().skips.push_back(r.variant.empty() ? reason : r.variant + ": " + reason);
}

void set_variant(const std::string& variant) {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.variant = variant;
}

void begin_test(const std::string& name, const std::vector<std::string>& tags) {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.variant.clear();
  r.tests.push_back(TestRecord{name, tags, {}, {}, false, false});
}

void end_test(bool failed) {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.tests.empty()) return;
  r.tests.back().failed = failed;
  r.tests.back().finished = true;
  r.variant.clear();
}

std::string write_report(const std::string& suite) {
  const char* path = std::getenv("CLOSESEM_REPORT");
  if (path == nullptr || *path == '\0') return {};
  const char* version = std::getenv("CLOSESEM_SUITE_VERSION");

  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  nlohmann::json tests = nlohmann::json::array();
  nlohmann::json summary = {{"pass", 0}, {"fail", 0}, {"skipped", 0}};
  for (const auto& test : r.tests) {
    if (!test.finished) continue;
    nlohmann::json observations = nlohmann::json::array();
    for (const auto& o : test.observations) {
      observations.push_back({{"variant", o.variant},
                              {"operation", o.operation},
                              {"expected", o.expected},
                              {"ret", o.outcome.ret},
                              {"errc", std::string(to_string(o.outcome.errc))},
                              {"native", platform::describe_native(o.outcome.native)},
                              {"native_code", o.outcome.native},
                              {"passed", o.passed}});
    }
    const auto verdict = verdict_of(test);
    summary[verdict] = summary[verdict].get<int>() + 1;
    tests.push_back({{"name", test.name},
                     {"tags", test.tags},
                     {"verdict", verdict},
                     {"skip_reasons", test.skips},
                     {"observations", observations}});
  }
  const nlohmann::json report = {
      {"schema", "closesem-behaviour/1"},
      {"suite", suite},
      {"suite_version", version != nullptr && *version != '\0' ? version : CLOSESEM_SUITE_VERSION},
      {"platform", platform::platform_id()},
      {"api", std::string(to_string(platform::api()))},
      {"time", utc_now()},
      {"summary", summary},
      {"tests", tests}};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << report.dump(2) << '\n';
  if (!out) return {};
  return std::string(path) + ": " + report["platform"].get<std::string>() + ": " +
         std::to_string(summary["pass"].get<int>()) + " pass, " +
         std::to_string(summary["fail"].get<int>()) + " fail, " +
         std::to_string(summary["skipped"].get<int>()) + " skipped";
}

}  // namespace closesem::testing
