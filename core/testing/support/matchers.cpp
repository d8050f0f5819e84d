// SPDX-License-Identifier: MIT
#include "closesem_testing/matchers.hpp"
#include "closesem_testing/expectations.hpp"
#include "closesem_testing/report.hpp"

#include <algorithm>

namespace closesem::testing {

OutcomeMatcher::OutcomeMatcher(Expect expect, std::int64_t value, std::vector<Errc> errors,
                               std::string text)
    : expect_(expect), value_(value), errors_(std::move(errors)), text_(std::move(text)) {}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " | ") + item;
  return out;
}

}  // namespace

bool OutcomeMatcher::match(const Observed& observed) const {
  const auto& outcome = observed.outcome;
  bool as_expected = false;
  switch (expect_) {
    case Expect::success: as_expected = outcome.ok(); break;
    case Expect::success_with: as_expected = outcome.ok() && outcome.ret == value_; break;
    case Expect::failure:
    case Expect::success_or_failure:
      as_expected = (expect_ == Expect::success_or_failure && outcome.ok()) ||
                    (!outcome.ok() && outcome.ret == -1 &&
                     std::find(errors_.begin(), errors_.end(), outcome.errc) != errors_.end());
      break;
  }

  Observation observation{{}, observed.operation, text_, outcome, as_expected ? Status::pass : Status::fail, {}, {}};
  note_.clear();
  if (const auto* deviation = find_deviation(current_test(), observed.operation)) {
    const auto token = outcome_token(outcome);
    observation.deviation = describe_deviation(*deviation);
    observation.deviation_id = deviation->id;
    const bool listed = std::find(deviation->observed.begin(), deviation->observed.end(), token) !=
                        deviation->observed.end();
    if (as_expected && deviation->intermittent) {
      observation.status = Status::pass;
    } else if (as_expected) {
      observation.status = Status::unexpected_pass;
      note_ = " [unexpected pass: " + deviation->file + " lists " + join(deviation->observed) + " (" +
              deviation->id + ") on " + deviation->platform + ", but the expected outcome occurred; remove the entry]";
    } else if (listed) {
      observation.status = Status::known;
    } else {
      note_ = " [" + deviation->file + " lists " + join(deviation->observed) + " (" + deviation->id + ") on " +
              deviation->platform + ", observed " + token + "]";
    }
  }
  record_observation(observation);
  return observation.status == Status::pass || observation.status == Status::known;
}

std::string OutcomeMatcher::describe() const { return text_ + note_; }

OutcomeMatcher succeeds() { return {OutcomeMatcher::Expect::success, 0, {}, "succeeds"}; }

OutcomeMatcher succeeds_with(std::int64_t value) {
  return {OutcomeMatcher::Expect::success_with, value, {}, "succeeds with " + std::to_string(value)};
}

OutcomeMatcher reads_eof() {
  return {OutcomeMatcher::Expect::success_with, 0, {}, "reads end of stream (returns 0)"};
}

OutcomeMatcher fails_with(Errc errc) { return fails_with_any({errc}); }

namespace {

std::string error_list(std::initializer_list<Errc> errors) {
  std::string text;
  for (auto it = errors.begin(); it != errors.end(); ++it) {
    if (it != errors.begin()) text += " or ";
    text += std::string(to_string(*it));
    if (const auto native = platform::native_from_errc(*it))
      text += " (" + platform::describe_native(*native) + ")";
  }
  return text;
}

}  // namespace

OutcomeMatcher fails_with_any(std::initializer_list<Errc> errors) {
  return {OutcomeMatcher::Expect::failure, -1, errors, "fails with " + error_list(errors)};
}

OutcomeMatcher succeeds_or_fails_with_any(std::initializer_list<Errc> errors) {
  return {OutcomeMatcher::Expect::success_or_failure, -1, errors,
          "succeeds, or fails with " + error_list(errors)};
}

}  // namespace closesem::testing
