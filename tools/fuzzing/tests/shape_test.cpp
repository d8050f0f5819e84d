// SPDX-License-Identifier: MIT
// fuzz::shape (fuzz/harness.cpp), the rules that decide which ops of an input run: here the
// invalid handle's, which keeps one such op while the Winsock session stays begun or ended.
#include "closesem_testing/catch.hpp"

#include "closesem/text.hpp"
#include "harness.hpp"

#include <string>

namespace {

closesem::ops::Program parsed(const std::string& text) {
  closesem::ops::Program program;
  closesem::ops::ParseError error;
  const bool ok = closesem::ops::parse(text, "shape_test", program, error);
  INFO(error.describe());
  REQUIRE(ok);
  return program;
}

std::string shaped(const std::string& text, const closesem::fuzz::Shape& limits = {}) {
  return closesem::ops::print(closesem::fuzz::shape(parsed(text), limits));
}

}  // namespace

TEST_CASE("shape: one op on the invalid handle while the session stays begun or ended", "[fuzzing][shape]") {
  const std::string program =
      "pair tcp4\n"
      "invalid send 1\n"
      "invalid recv 10\n"    // dropped: a second while the process has its session
      "a send 1\n"
      "invalid close\n"      // dropped
      "cleanup\n"            // the session ends: one more
      "invalid close\n"
      "invalid send 1\n"     // dropped
      "cleanup\n"            // no session to end: nothing changes
      "invalid recv 10\n"    // dropped
      "startup\n"            // a session again: one more
      "invalid recv 10\n"
      "startup\n"            // a second session: nothing changes
      "invalid send 1\n"     // dropped
      "b recv 10\n";
  const std::string expected = closesem::ops::print(parsed(
      "pair tcp4\n"
      "invalid send 1\n"
      "a send 1\n"
      "cleanup\n"
      "invalid close\n"
      "cleanup\n"
      "startup\n"
      "invalid recv 10\n"
      "startup\n"
      "b recv 10\n"));
  CHECK(shaped(program) == expected);
  // The limit is the shape's: with room for all, none is dropped.
  closesem::fuzz::Shape all;
  all.max_invalid_handle_ops = 100;
  CHECK(shaped(program, all) == closesem::ops::print(parsed(program)));
}
