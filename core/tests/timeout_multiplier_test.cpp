// SPDX-License-Identifier: MIT
// CLOSESEM_TIMEOUT_MULTIPLIER: a number from 1 to 100, or unset. Anything else is a
// usage error with a message, never a silent 1 (timeout_multiplier() exits with 2).
#include "closesem_testing/catch.hpp"

#include "closesem/platform.hpp"

#include <string>
#include <utility>

using closesem::platform::parse_timeout_multiplier;

TEST_CASE("timeout multiplier: unset or empty is 1, a number from 1 to 100 is taken", "[unit][platform]") {
  double factor = 0;
  std::string error;
  CHECK(parse_timeout_multiplier(nullptr, factor, error));
  CHECK(factor == 1.0);
  CHECK(parse_timeout_multiplier("", factor, error));
  CHECK(factor == 1.0);
  for (const auto& [text, value] : {std::pair<const char*, double>{"1", 1.0}, {"3", 3.0}, {"2.5", 2.5}, {"100", 100.0}}) {
    CAPTURE(text);
    factor = 0;
    CHECK(parse_timeout_multiplier(text, factor, error));
    CHECK(factor == value);
  }
  CHECK(error.empty());
}

TEST_CASE("timeout multiplier: a bad value names the variable, the value and the range", "[unit][platform]") {
  struct Bad {
    const char* text;
    const char* why;
  };
  for (const auto& bad : {Bad{"abc", "not a number"}, Bad{"3x", "not a number"}, Bad{" 3", "not a number"},
                          Bad{"3 ", "not a number"}, Bad{"nan", "out of range"}, Bad{"0", "out of range"},
                          Bad{"0.5", "out of range"}, Bad{"-3", "out of range"}, Bad{"100.5", "out of range"},
                          Bad{"1e999", "out of range"}, Bad{"inf", "out of range"}}) {
    CAPTURE(bad.text);
    double factor = 0;
    std::string error;
    CHECK_FALSE(parse_timeout_multiplier(bad.text, factor, error));
    CHECK(factor == 1.0);
    CHECK(error == std::string("CLOSESEM_TIMEOUT_MULTIPLIER='") + bad.text + "' is " + bad.why +
                       "; expected a number from 1 to 100 (it scales every bounded wait; unset or empty means 1)");
  }
}
