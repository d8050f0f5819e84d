// SPDX-License-Identifier: MIT
// The counts files the fuzz targets write (CLOSESEM_CHECK_COUNTS), as bench and nightly
// read them: summed, a file refused with its place and left out of the sum, the share
// rounded down and "no ops" for an empty run, the top lists.
#include "closesem_testing/catch.hpp"

#include "fuzzing/check_counts_file.hpp"

#include <string>

using namespace closesem::tool;

namespace {

std::string counts_file(const std::string& target, int run, int exact, int set, int unpredicted) {
  return R"({"schema": "closesem-check-counts/1", "target": ")" + target + R"(", "inputs": 2, "ops_run": )" +
         std::to_string(run) + R"(, "ops_exact": )" + std::to_string(exact) + R"(, "ops_set": )" + std::to_string(set) +
         R"(, "ops_unpredicted": )" + std::to_string(unpredicted) + R"(, "by_kind": {"recv": {"run": )" +
         std::to_string(run) + R"(, "exact": )" + std::to_string(exact) + R"(, "set": )" + std::to_string(set) +
         R"(, "unpredicted": )" + std::to_string(unpredicted) + R"(}}, "unpredicted_reasons": {"recv: why": )" +
         std::to_string(unpredicted) + "}}";
}

}  // namespace

TEST_CASE("check counts: files are summed", "[fuzzing]") {
  CheckCountsSum sum;
  std::string error;
  REQUIRE(add_check_counts(counts_file("fuzz_linger", 100, 80, 10, 10), "fuzz_linger", sum, error));
  REQUIRE(add_check_counts(counts_file("fuzz_linger", 50, 40, 5, 5), "fuzz_linger", sum, error));
  CHECK(sum.files == 2);
  CHECK(sum.inputs == 4);
  CHECK(sum.total.run == 150);
  CHECK(sum.total.checked() == 135);
  CHECK(sum.by_kind["recv"].unpredicted == 15);
  CHECK(sum.unpredicted_reasons["recv: why"] == 15);
  CHECK(checked_percent(sum.total) == "90%");
}

TEST_CASE("check counts: a file that is not one is refused with its place, the sum unchanged", "[fuzzing]") {
  CheckCountsSum sum;
  std::string error;
  REQUIRE(add_check_counts(counts_file("fuzz_linger", 10, 10, 0, 0), "", sum, error));
  struct Case {
    std::string text, target, expected;
  };
  const Case cases[] = {
      // (CheckCounts::from_json's messages: the format has one reader)
      {"{\"schema\": \"closesem-check-counts/1\",\n\"target\": ", "", "not valid JSON: "},
      {"[]", "", "expected a JSON object, found array"},
      {R"({"schema": "closesem-check-counts/2"})", "", "schema: expected \"closesem-check-counts/1\""},
      {counts_file("fuzz_handles", 1, 1, 0, 0), "fuzz_linger", "target: expected \"fuzz_linger\", found \"fuzz_handles\""},
      {counts_file("fuzz_linger", 10, 9, 0, 2), "", "ops_exact + ops_set + ops_unpredicted is 9 + 0 + 2 = 11, not ops_run 10"},
      {counts_file("fuzz_linger", -1, 0, 0, 0), "", "ops_run: expected a count (an integer >= 0), found -1"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    error.clear();
    CHECK_FALSE(add_check_counts(c.text, c.target, sum, error));
    CHECK(error.find(c.expected) == 0);
  }
  CHECK(sum.files == 1);
  CHECK(sum.total.run == 10);
}

TEST_CASE("check counts: the share rounds down, an empty run has none, top lists by count then name", "[fuzzing]") {
  CheckTally tally;
  CHECK(checked_percent(tally) == "no ops");
  tally.run = 1000;
  tally.exact = 949;
  tally.unpredicted = 51;
  CHECK(checked_percent(tally) == "94%");
  tally.exact = 1000;
  tally.unpredicted = 0;
  CHECK(checked_percent(tally) == "100%");
  const auto top = top_counts({{"b", 2}, {"a", 2}, {"c", 5}, {"d", 1}}, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].first == "c");
  CHECK(top[1].first == "a");
  CHECK(top[2].first == "b");
}
