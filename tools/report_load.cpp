// SPDX-License-Identifier: MIT
// Reading behaviour reports (report_load.hpp).
#include "report_load.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>

namespace closesem::tool {
namespace {

using nlohmann::json;

// The observation statuses and test verdicts a report may hold (core/testing/support/report.cpp
// writes them); anything else is bad input, never passed on into a page or a class name.
const std::set<std::string> kStatuses{"pass", "known", "fail", "unexpected_pass"};
const std::set<std::string> kVerdicts{"pass", "known", "fail", "unexpected_pass", "skipped"};

int severity(const std::string& status) {
  if (status == "fail") return 3;
  if (status == "unexpected_pass") return 2;
  if (status == "known") return 1;
  return 0;
}

}  // namespace

bool load_report(const std::string& path, const std::string& command, Report& report, std::ostream& err) {
  json document;
  try {
    std::ifstream in(path, std::ios::binary);
    document = json::parse(in);
  } catch (const json::exception& e) {
    err << command << ": " << path << ": not valid JSON: " << e.what() << '\n';
    return false;
  }
  if (!document.is_object() || document.value("schema", "") != "closesem-behaviour/1" ||
      !document.contains("tests") || !document["tests"].is_array()) {
    err << command << ": " << path
        << ": not a closesem behaviour report (expected \"schema\": \"closesem-behaviour/1\" and \"tests\")\n";
    return false;
  }
  try {
    report.platform = document.value("platform", path);
    std::size_t index = 0;
    for (const auto& test : document["tests"]) {
      const auto name = test.at("name").get<std::string>();
      const auto where = "tests[" + std::to_string(index++) + "] (\"" + name + "\")";
      if (report.verdicts.count(name) != 0) {
        err << command << ": " << path << ": " << where
            << ": a second test of this name (each test appears once in a report)\n";
        return false;
      }
      const auto verdict = test.value("verdict", "pass");
      if (kVerdicts.count(verdict) == 0) {
        err << command << ": " << path << ": " << where << ": unknown verdict \"" << verdict
            << "\" (known: pass, known, fail, unexpected_pass, skipped)\n";
        return false;
      }
      report.order.push_back(name);
      report.verdicts[name] = verdict;
      auto& operations = report.outcomes[name];
      auto& statuses = report.statuses[name];
      for (const auto& o : test.at("observations")) {
        const auto observed = o.at("observed").get<std::string>();
        const auto native = o.at("native").get<std::string>();
        const auto variant = o.value("variant", "");
        const auto operation = o.at("operation").get<std::string>();
        // A success reads "ret=N"; a failure adds the native error that carried it.
        if (observed.rfind("ret=", 0) != 0) report.native_text[{name, operation, observed}].insert(native);
        operations[operation][observed].insert(variant.empty() ? "-" : variant);
        const auto status = o.value("status", "pass");
        if (kStatuses.count(status) == 0) {
          err << command << ": " << path << ": " << where << ", operation \"" << operation << "\": unknown status \""
              << status << "\" (known: pass, known, fail, unexpected_pass)\n";
          return false;
        }
        auto& worst = statuses[operation];
        if (worst.empty() || severity(status) > severity(worst)) worst = status;
      }
    }
  } catch (const json::exception& e) {
    err << command << ": " << path << ": malformed test entry: " << e.what() << '\n';
    return false;
  }
  return true;
}

std::string describe_outcomes(const Report& report, const std::string& test, const std::string& operation,
                              const std::map<std::string, std::set<std::string>>& outcomes) {
  const auto text_of = [&](const std::string& token) {
    const auto found = report.native_text.find({test, operation, token});
    if (found == report.native_text.end()) return token;
    std::string text = token;
    const char* separator = " ";
    for (const auto& native : found->second) {
      text += separator + native;
      separator = " / ";
    }
    return text;
  };
  if (outcomes.empty()) return "(not run)";
  if (outcomes.size() == 1) return text_of(outcomes.begin()->first);
  std::string out;
  for (const auto& [token, variants] : outcomes) {
    if (!out.empty()) out += "; ";
    out += text_of(token) + " on ";
    bool first = true;
    for (const auto& v : variants) {
      out += (first ? "" : ", ") + v;
      first = false;
    }
  }
  return out;
}

std::string area_of(const std::string& test) {
  const auto colon = test.find(':');
  return colon == std::string::npos ? "" : test.substr(0, colon);
}

bool check_area(const std::vector<const Report*>& reports, const std::string& area, const std::string& command,
                std::ostream& err) {
  if (area.empty()) return true;
  std::set<std::string> areas;
  for (const auto* report : reports)
    for (const auto& test : report->order) areas.insert(area_of(test));
  if (areas.count(area) != 0) return true;
  err << command << ": --area " << area << ": no test of the reports is in this area; their areas:";
  for (const auto& known : areas) err << ' ' << (known.empty() ? "(none)" : known);
  err << '\n';
  return false;
}

std::set<std::string> outcome_texts(const std::map<std::string, std::set<std::string>>& outcomes) {
  std::set<std::string> out;
  for (const auto& entry : outcomes) out.insert(entry.first);
  return out;
}

}  // namespace closesem::tool
