// SPDX-License-Identifier: MIT
// Compares two behaviour reports operation by operation. Each side's outcome for an
// operation is its portable outcome ("not_socket", "ret=0"), gathered over the variants
// (pair kinds) that ran it; a difference in those is printed with both sides and their
// native errors ("not_socket WSAENOTSOCK(10038)"), grouped by test. The same portable
// error under different native numbers (EINVAL, WSAEINVAL) is not a difference.
#include "report_diff.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <vector>

namespace closesem::tool {
namespace {

using nlohmann::json;

struct Side {
  std::string platform;
  // test -> operation -> portable outcome -> variants that saw it
  std::map<std::string, std::map<std::string, std::map<std::string, std::set<std::string>>>> outcomes;
  // portable outcome -> how it reads natively ("not_socket WSAENOTSOCK(10038)")
  std::map<std::string, std::string> native_text;
  std::map<std::string, std::string> verdicts;  // test -> verdict
  std::vector<std::string> order;               // tests in report order
};

bool load(const std::string& path, Side& side, std::ostream& err) {
  json report;
  try {
    std::ifstream in(path, std::ios::binary);
    report = json::parse(in);
  } catch (const json::exception& e) {
    err << "closesem report diff: " << path << ": not valid JSON: " << e.what() << '\n';
    return false;
  }
  if (!report.is_object() || report.value("schema", "") != "closesem-behaviour/1" ||
      !report.contains("tests") || !report["tests"].is_array()) {
    err << "closesem report diff: " << path
        << ": not a closesem behaviour report (expected \"schema\": \"closesem-behaviour/1\" and \"tests\")\n";
    return false;
  }
  try {
    side.platform = report.value("platform", path);
    for (const auto& test : report["tests"]) {
      const auto name = test.at("name").get<std::string>();
      side.order.push_back(name);
      side.verdicts[name] = test.value("verdict", "?");
      auto& operations = side.outcomes[name];
      for (const auto& o : test.at("observations")) {
        const auto observed = o.at("observed").get<std::string>();
        const auto native = o.at("native").get<std::string>();
        // A success reads "ret=N"; a failure adds the native error that carried it.
        if (observed.rfind("ret=", 0) != 0) side.native_text[observed] = observed + " " + native;
        const auto variant = o.value("variant", "");
        operations[o.at("operation").get<std::string>()][observed].insert(variant.empty() ? "-" : variant);
      }
    }
  } catch (const json::exception& e) {
    err << "closesem report diff: " << path << ": malformed test entry: " << e.what() << '\n';
    return false;
  }
  return true;
}

// "not_socket WSAENOTSOCK(10038)", or "ret=0 on tcp4, tcp6; connection_reset ... on unix"
std::string describe(const Side& side, const std::map<std::string, std::set<std::string>>& outcomes) {
  const auto text_of = [&side](const std::string& token) {
    const auto found = side.native_text.find(token);
    return found == side.native_text.end() ? token : found->second;
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

// Compare only the outcome texts: variants one side cannot run (unix under Wine) are
// not a behaviour difference.
std::set<std::string> texts(const std::map<std::string, std::set<std::string>>& outcomes) {
  std::set<std::string> out;
  for (const auto& entry : outcomes) out.insert(entry.first);
  return out;
}

}  // namespace

int report_diff(const DiffOptions& options, std::ostream& out, std::ostream& err) {
  Side left;
  Side right;
  if (!load(options.left, left, err) || !load(options.right, right, err)) return 2;

  std::vector<std::string> tests = left.order;
  for (const auto& name : right.order)
    if (left.outcomes.count(name) == 0) tests.push_back(name);

  const auto width = std::max(left.platform.size(), right.platform.size());
  const auto pad = [width](const std::string& text) { return text + std::string(width - text.size(), ' '); };

  int differing_operations = 0;
  int differing_tests = 0;
  int compared = 0;
  std::vector<std::string> only_left;
  std::vector<std::string> only_right;
  for (const auto& name : tests) {
    if (!options.area.empty() && name.rfind(options.area + ":", 0) != 0) continue;
    const bool in_left = left.outcomes.count(name) != 0;
    const bool in_right = right.outcomes.count(name) != 0;
    if (!in_left) { only_right.push_back(name); continue; }
    if (!in_right) { only_left.push_back(name); continue; }
    ++compared;

    std::vector<std::string> operations;
    for (const auto& entry : left.outcomes[name]) operations.push_back(entry.first);
    for (const auto& entry : right.outcomes[name])
      if (left.outcomes[name].count(entry.first) == 0) operations.push_back(entry.first);

    bool header = false;
    for (const auto& operation : operations) {
      const auto& l = left.outcomes[name][operation];
      const auto& r = right.outcomes[name][operation];
      // An operation one side did not run (a skipped variant or test) is no difference.
      const bool differ = !l.empty() && !r.empty() && texts(l) != texts(r);
      if (!differ && !options.all) continue;
      if (!header) {
        out << name << "   [" << left.verdicts[name] << " | " << right.verdicts[name] << "]\n";
        header = true;
      }
      out << "  " << (differ ? "* " : "  ") << operation << '\n'
          << "      " << pad(left.platform) << "  " << describe(left, l) << '\n'
          << "      " << pad(right.platform) << "  " << describe(right, r) << '\n';
      if (differ) ++differing_operations;
    }
    bool any = false;
    for (const auto& operation : operations) {
      const auto& l = left.outcomes[name][operation];
      const auto& r = right.outcomes[name][operation];
      any = any || (!l.empty() && !r.empty() && texts(l) != texts(r));
    }
    if (any) ++differing_tests;
    if (header) out << '\n';
  }
  for (const auto& name : only_left) out << "only in " << left.platform << ": " << name << '\n';
  for (const auto& name : only_right) out << "only in " << right.platform << ": " << name << '\n';

  out << differing_operations << " operations differ in " << differing_tests << " of " << compared
      << " tests compared between " << left.platform << " and " << right.platform << '\n';
  return differing_operations > 0 || !only_left.empty() || !only_right.empty() ? 1 : 0;
}

}  // namespace closesem::tool
