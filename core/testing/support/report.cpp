// SPDX-License-Identifier: MIT
// Collects observations per test case and writes the behaviour report, with JUnit XML
// beside it for CI dashboards.
//
// Schema "closesem-behaviour/1":
//   { "schema", "suite", "suite_version", "platform", "api", "time",
//     "summary": {"pass", "known", "fail", "unexpected_pass", "skipped"},
//     "tests": [ { "name", "tags": [...], "invariants": [...], "verdict", "seconds",
//                  "skip_reasons": [...],
//                  "observations": [ { "variant", "operation", "expected", "observed",
//                                      "ret", "errc", "native", "native_code",
//                                      "status", "deviation", "deviation_id" } ] } ],
//     "unused_deviations": [ { "file", "test", "operation", "observed", "deviation_id" } ] }
// "deviation" is the listed deviation's reason, from the known-deviation table
// (conformance/expectations/deviations.json), with the entry's note and file;
// "deviation_id" its ID there. Both are "" when no deviation is listed.
// A test's verdict: "fail" when any check failed in an unlisted way, "unexpected_pass"
// when a listed deviation no longer occurs, "known" when it passed through a listed
// deviation, "skipped" when every variant was skipped, else "pass".
#include "closesem_testing/report.hpp"
#include "closesem_testing/expectations.hpp"

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
  std::chrono::steady_clock::time_point started;
  double seconds = 0;
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

bool any_status(const TestRecord& test, Status status) {
  for (const auto& o : test.observations)
    if (o.status == status) return true;
  return false;
}

std::string verdict_of(const TestRecord& test) {
  if (any_status(test, Status::unexpected_pass)) return "unexpected_pass";
  if (test.failed) return "fail";
  if (test.observations.empty() && !test.skips.empty()) return "skipped";
  if (any_status(test, Status::known)) return "known";
  return "pass";
}

// Invariant IDs among the tags: [D1] [S4] [R3] ...
std::vector<std::string> invariants_of(const std::vector<std::string>& tags) {
  std::vector<std::string> ids;
  for (auto tag : tags) {
    if (!tag.empty() && tag.front() == '[') tag = tag.substr(1, tag.size() - 2);
    if (tag.size() >= 2 && tag.size() <= 4 && std::string("DLSRECH").find(tag[0]) != std::string::npos &&
        tag.find_first_not_of("0123456789", 1) == std::string::npos)
      ids.push_back(tag);
  }
  return ids;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

std::string describe_observation(const Observation& o) {
  return (o.variant.empty() ? "" : "[" + o.variant + "] ") + o.operation + ": expected " + o.expected +
         ", observed " + o.outcome.describe() + " (" + std::string(to_string(o.status)) + ")" +
         (o.deviation.empty() ? "" : "; listed deviation " + o.deviation_id + ": " + o.deviation);
}

void write_junit(const std::string& path, const std::string& suite, const std::string& platform_id,
                 const std::vector<TestRecord>& tests) {
  int failures = 0;
  int skipped = 0;
  double seconds = 0;
  for (const auto& test : tests) {
    const auto verdict = verdict_of(test);
    failures += (verdict == "fail" || verdict == "unexpected_pass") ? 1 : 0;
    skipped += verdict == "skipped" ? 1 : 0;
    seconds += test.seconds;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites>\n  <testsuite name=\"" << xml_escape(suite + " on " + platform_id) << "\" tests=\""
      << tests.size() << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\" time=\"" << seconds
      << "\">\n";
  for (const auto& test : tests) {
    const auto verdict = verdict_of(test);
    const auto area = test.name.substr(0, test.name.find(':'));
    out << "    <testcase classname=\"" << xml_escape(area) << "\" name=\"" << xml_escape(test.name)
        << "\" time=\"" << test.seconds << "\">\n";
    if (verdict == "fail" || verdict == "unexpected_pass") {
      out << "      <failure message=\"" << verdict << "\">";
      for (const auto& o : test.observations)
        if (o.status == Status::fail || o.status == Status::unexpected_pass)
          out << xml_escape(describe_observation(o)) << "\n";
      out << "</failure>\n";
    } else if (verdict == "skipped") {
      out << "      <skipped message=\"" << xml_escape(test.skips.front()) << "\"/>\n";
    }
    if (verdict == "known") {
      out << "      <system-out>";
      for (const auto& o : test.observations)
        if (o.status == Status::known) out << xml_escape(describe_observation(o)) << "\n";
      out << "</system-out>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pass: return "pass";
    case Status::fail: return "fail";
    case Status::known: return "known";
    case Status::unexpected_pass: return "unexpected_pass";
  }
  return "fail";
}

std::string current_test() {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  return (r.tests.empty() || r.tests.back().finished) ? std::string() : r.tests.back().name;
}

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
  TestRecord record;
  record.name = name;
  record.tags = tags;
  record.started = std::chrono::steady_clock::now();
  r.tests.push_back(std::move(record));
}

void end_test(bool failed) {
  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.tests.empty()) return;
  auto& test = r.tests.back();
  test.failed = failed;
  test.finished = true;
  test.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - test.started).count();
  r.variant.clear();
}

std::string write_report(const std::string& suite) {
  const char* path = std::getenv("CLOSESEM_REPORT");
  if (path == nullptr || *path == '\0') return {};
  const char* version = std::getenv("CLOSESEM_SUITE_VERSION");
  const auto platform_id = platform::platform_id();

  auto& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<TestRecord> finished;
  for (const auto& test : r.tests)
    if (test.finished) finished.push_back(test);

  nlohmann::json tests = nlohmann::json::array();
  nlohmann::json summary = {{"pass", 0}, {"known", 0}, {"fail", 0}, {"unexpected_pass", 0}, {"skipped", 0}};
  for (const auto& test : finished) {
    nlohmann::json observations = nlohmann::json::array();
    for (const auto& o : test.observations) {
      observations.push_back({{"variant", o.variant},
                              {"operation", o.operation},
                              {"expected", o.expected},
                              {"observed", outcome_token(o.outcome)},
                              {"ret", o.outcome.ret},
                              {"errc", std::string(to_string(o.outcome.errc))},
                              {"native", platform::describe_native(o.outcome.native)},
                              {"native_code", o.outcome.native},
                              {"status", std::string(to_string(o.status))},
                              {"deviation", o.deviation},
                              {"deviation_id", o.deviation_id}});
    }
    const auto verdict = verdict_of(test);
    summary[verdict] = summary[verdict].get<int>() + 1;
    tests.push_back({{"name", test.name},
                     {"tags", test.tags},
                     {"invariants", invariants_of(test.tags)},
                     {"verdict", verdict},
                     {"seconds", test.seconds},
                     {"skip_reasons", test.skips},
                     {"observations", observations}});
  }
  nlohmann::json unused = nlohmann::json::array();
  for (const auto& d : unused_deviations())
    unused.push_back({{"file", d.file},
                      {"test", d.test},
                      {"operation", d.operation},
                      {"observed", d.observed},
                      {"deviation_id", d.id}});

  const nlohmann::json report = {
      {"schema", "closesem-behaviour/1"},
      {"suite", suite},
      {"suite_version", version != nullptr && *version != '\0' ? version : CLOSESEM_SUITE_VERSION},
      {"platform", platform_id},
      {"api", std::string(to_string(platform::api()))},
      {"time", utc_now()},
      {"summary", summary},
      {"tests", tests},
      {"unused_deviations", unused}};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << report.dump(2) << '\n';
  if (!out) return {};

  std::string junit = path;
  if (junit.size() > 5 && junit.compare(junit.size() - 5, 5, ".json") == 0) junit.resize(junit.size() - 5);
  write_junit(junit + ".xml", suite, platform_id, finished);

  const auto count = [&summary](const char* key) { return std::to_string(summary[key].get<int>()); };
  return std::string(path) + ": " + platform_id + ": " + count("pass") + " pass, " + count("known") +
         " known, " + count("fail") + " fail, " + count("unexpected_pass") + " unexpected pass, " +
         count("skipped") + " skipped";
}

}  // namespace closesem::testing
