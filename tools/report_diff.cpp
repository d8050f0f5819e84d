// SPDX-License-Identifier: MIT
// Compares two behaviour reports operation by operation. Each side's outcome for an
// operation is its portable outcome ("not_socket", "ret=0"), gathered over the variants
// (pair kinds) that ran it; a difference in those is printed with both sides and their
// native errors ("not_socket WSAENOTSOCK(10038)"), grouped by test. The same portable
// error under different native numbers (EINVAL, WSAEINVAL) is not a difference.
#include "report_diff.hpp"

#include "report_load.hpp"

#include <algorithm>
#include <ostream>
#include <vector>

namespace closesem::tool {

int report_diff(const DiffOptions& options, std::ostream& out, std::ostream& err) {
  Report left;
  Report right;
  if (!load_report(options.left, "closesem report diff", left, err) ||
      !load_report(options.right, "closesem report diff", right, err))
    return 2;
  if (!check_area({&left, &right}, options.area, "closesem report diff", err)) return 2;

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
    if (!options.area.empty() && area_of(name) != options.area) continue;
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
      const bool differ = !l.empty() && !r.empty() && outcome_texts(l) != outcome_texts(r);
      if (!differ && !options.all) continue;
      if (!header) {
        out << name << "   [" << left.verdicts[name] << " | " << right.verdicts[name] << "]\n";
        header = true;
      }
      out << "  " << (differ ? "* " : "  ") << operation << '\n'
          << "      " << pad(left.platform) << "  " << describe_outcomes(left, name, operation, l) << '\n'
          << "      " << pad(right.platform) << "  " << describe_outcomes(right, name, operation, r) << '\n';
      if (differ) ++differing_operations;
    }
    bool any = false;
    for (const auto& operation : operations) {
      const auto& l = left.outcomes[name][operation];
      const auto& r = right.outcomes[name][operation];
      any = any || (!l.empty() && !r.empty() && outcome_texts(l) != outcome_texts(r));
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
