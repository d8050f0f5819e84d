// SPDX-License-Identifier: MIT
// Matchers over observed outcomes. A failure prints the operation, the expected
// outcome and the actual one with portable and native errors, e.g.
//   send(first, 1) after shutdown(first, send): ret=0 errc=ok native=unset
//   fails with broken_pipe
// Every match is also recorded in the behaviour report. A deviation listed for this
// platform in conformance/expectations/ turns the listed outcome into a pass (known)
// and the expected outcome into a failure (unexpected pass).
#pragma once

#include "closesem_testing/catch.hpp"

#include "closesem/platform.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace closesem::testing {

// An outcome together with the operation that produced it.
struct Observed {
  std::string operation;
  platform::CallResult outcome;
};

inline Observed observe(std::string operation, const platform::CallResult& outcome) {
  return Observed{std::move(operation), outcome};
}

class OutcomeMatcher : public MatcherBase<Observed> {
 public:
  enum class Expect { success, success_with, failure, success_or_failure };
  OutcomeMatcher(Expect expect, std::int64_t value, std::vector<Errc> errors, std::string text);
  bool match(const Observed& observed) const override;
  std::string describe() const override;

 private:
  Expect expect_;
  std::int64_t value_;
  std::vector<Errc> errors_;
  std::string text_;
  mutable std::string note_;  // what a listed deviation made of the last match
};

OutcomeMatcher succeeds();
OutcomeMatcher succeeds_with(std::int64_t value);
OutcomeMatcher reads_eof();  // recv returned 0: the peer's end of stream
OutcomeMatcher fails_with(Errc errc);
OutcomeMatcher fails_with_any(std::initializer_list<Errc> errors);
// Where the contract admits either (a partial send cut short by a reset, an accept of a
// connection the client already reset): success, or a failure with one of `errors`.
OutcomeMatcher succeeds_or_fails_with_any(std::initializer_list<Errc> errors);

// One value per socket API, chosen at run time from data (never #ifdef in a test).
template <typename T>
T by_api(T winsock, T posix) {
  return platform::api() == platform::Api::winsock ? winsock : posix;
}

}  // namespace closesem::testing

namespace Catch {
template <>
struct StringMaker<closesem::testing::Observed> {
  static std::string convert(const closesem::testing::Observed& observed) {
    return observed.operation + ": " + observed.outcome.describe();
  }
};
}  // namespace Catch
