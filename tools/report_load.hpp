// SPDX-License-Identifier: MIT
// A behaviour report as the report commands read it (schema closesem-behaviour/1).
#pragma once

#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace closesem::tool {

struct Report {
  std::string platform;
  // test -> operation -> portable outcome -> variants that saw it
  std::map<std::string, std::map<std::string, std::map<std::string, std::set<std::string>>>> outcomes;
  // test -> operation -> the worst status of its observations (fail, unexpected_pass, known, pass)
  std::map<std::string, std::map<std::string, std::string>> statuses;
  // (test, operation, portable outcome) -> how it read natively ("WSAENOTSOCK(10038)"):
  // per operation, and every native error seen, since one portable outcome (`other`)
  // stands for several native errors
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> native_text;
  std::map<std::string, std::string> verdicts;  // test -> verdict
  std::vector<std::string> order;               // tests in report order
};

// Reads `path`; on bad input (not JSON, not the schema, a test named twice, a verdict or
// status outside the known set) prints "<command>: <path>: where: what is wrong" to `err`
// and returns false.
bool load_report(const std::string& path, const std::string& command, Report& report, std::ostream& err);

// "not_socket WSAENOTSOCK(10038)", or "ret=0 on tcp4, tcp6; connection_reset ... on unix",
// or "other ERROR_OPERATION_ABORTED(995) / ERROR_NETNAME_DELETED(64)" when one portable
// outcome came with several native errors; "(not run)" when the report has no outcome for
// the operation.
std::string describe_outcomes(const Report& report, const std::string& test, const std::string& operation,
                              const std::map<std::string, std::set<std::string>>& outcomes);

// The portable outcomes alone (what comparisons look at: variants one platform cannot
// run, unix under Wine, are not a behaviour difference).
std::set<std::string> outcome_texts(const std::map<std::string, std::set<std::string>>& outcomes);

// A test's area: the text before the first ':' of its name ("close: closing twice" -> "close").
std::string area_of(const std::string& test);

// An --area filter must name an area of at least one report (a typo is an error, never an
// empty comparison that agrees): on no match prints the known areas to `err`, returns false.
bool check_area(const std::vector<const Report*>& reports, const std::string& area, const std::string& command,
                std::ostream& err);

}  // namespace closesem::tool
