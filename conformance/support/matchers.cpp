// SPDX-License-Identifier: MIT
#include "closesem_testing/matchers.hpp"
#include "closesem_testing/report.hpp"

namespace closesem::testing {

OutcomeMatcher::OutcomeMatcher(Expect expect, std::int64_t value, std::vector<Errc> errors,
                               std::string text)
    : expect_(expect), value_(value), errors_(std::move(errors)), text_(std::move(text)) {}

bool OutcomeMatcher::match(const Observed& observed) const {
  const auto& outcome = observed.outcome;
  bool passed = false;
  switch (expect_) {
    case Expect::success: passed = outcome.ok(); break;
    case Expect::success_with: passed = outcome.ok() && outcome.ret == value_; break;
    case Expect::failure:
      passed = !outcome.ok() && outcome.ret == -1 &&
               std::find(errors_.begin(), errors_.end(), outcome.errc) != errors_.end();
      break;
  }
  record_observation(Observation{{}, observed.operation, text_, outcome, passed});
  return passed;
}

std::string OutcomeMatcher::describe() const { return text_; }

OutcomeMatcher succeeds() { return {OutcomeMatcher::Expect::success, 0, {}, "succeeds"}; }

OutcomeMatcher succeeds_with(std::int64_t value) {
  return {OutcomeMatcher::Expect::success_with, value, {}, "succeeds with " + std::to_string(value)};
}

OutcomeMatcher reads_eof() {
  return {OutcomeMatcher::Expect::success_with, 0, {}, "reads end of stream (returns 0)"};
}

OutcomeMatcher fails_with(Errc errc) { return fails_with_any({errc}); }

OutcomeMatcher fails_with_any(std::initializer_list<Errc> errors) {
  std::string text = "fails with ";
  for (auto it = errors.begin(); it != errors.end(); ++it) {
    if (it != errors.begin()) text += " or ";
    text += std::string(to_string(*it));
    if (const auto native = platform::native_from_errc(*it))
      text += " (" + platform::describe_native(*native) + ")";
  }
  return {OutcomeMatcher::Expect::failure, -1, errors, text};
}

}  // namespace closesem::testing
