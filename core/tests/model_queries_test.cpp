// SPDX-License-Identifier: MIT
// The model's queries (model/queries.cpp): what a checker asks beyond predict().
#include "closesem_testing/catch.hpp"

#include "closesem/model.hpp"
#include "closesem/text.hpp"

#include <string>

using namespace closesem;

namespace {

// The model after `script`, every op having had its first predicted outcome (the
// script's `->` where it has one).
model::Model after(const std::string& script, const char* profile = "linux") {
  ops::Program program;
  ops::ParseError error;
  const bool parsed = ops::parse(script, "query.ops", program, error);
  INFO(error.describe());
  REQUIRE(parsed);
  model::Model state(*model::find_profile(profile));
  for (const auto& op : program.ops) {
    const auto predicted = state.predict(op);
    const auto outcome = !op.expect.empty()                ? op.expect.front()
                         : !predicted.admissible.empty()    ? predicted.admissible.front()
                                                            : ops::Outcome{};
    state.apply(op, outcome);
  }
  return state;
}

}  // namespace

TEST_CASE("model query: a close resets the peer under linger {1,0} on TCP, or with data unread",
          "[unit][model]") {
  const char* profile = GENERATE("linux", "winsock");
  CAPTURE(profile);
  CHECK(after("pair tcp4\na linger on 0\n", profile).close_resets_peer(0));
  CHECK(after("pair tcp6 reversed\nb send 5\na wait readable\n", profile).close_resets_peer(0));
  CHECK_FALSE(after("pair tcp4\na send 5\n", profile).close_resets_peer(0));  // unread at b, not at a
  CHECK(after("pair tcp4\na send 5\n", profile).close_resets_peer(1));
  CHECK_FALSE(after("pair tcp4\na linger on 1\na shutdown send\n", profile).close_resets_peer(0));
  CHECK_FALSE(after("pair tcp4\na linger on 0\na linger off\n", profile).close_resets_peer(0));
}

TEST_CASE("model query: AF_UNIX ignores SO_LINGER, unread data still resets", "[unit][model]") {
  CHECK_FALSE(after("pair unix\na linger on 0\n").close_resets_peer(0));
  CHECK(after("pair unix\nb send 1\na wait readable\n").close_resets_peer(0));
}

TEST_CASE("model query: no reset without a connected peer", "[unit][model]") {
  CHECK_FALSE(after("a socket tcp4\na linger on 0\n").close_resets_peer(0));
  CHECK_FALSE(after("pair tcp4\na linger on 0\na close\n").close_resets_peer(0));  // closed already
  CHECK_FALSE(after("pair tcp4\nb linger on 0\nb close\na linger on 0\n").close_resets_peer(0));  // reset came in
  CHECK_FALSE(after("pair tcp4\n").close_resets_peer(5));  // never made
}

TEST_CASE("model query: a hard close resets the other end of its own connection, and only while it can",
          "[unit][model]") {
  const char* profile = GENERATE("linux", "winsock");
  CAPTURE(profile);
  CHECK(after("pair tcp4\n", profile).hard_close_resets(0, 1));
  CHECK(after("pair tcp6 reversed\nb send 5\n", profile).hard_close_resets(1, 0));
  CHECK(after("pair tcp4\na shutdown send\n", profile).hard_close_resets(0, 1));  // one FIN only
  CHECK_FALSE(after("pair tcp4\n", profile).hard_close_resets(0, 0));
  CHECK_FALSE(after("pair unix\n", profile).hard_close_resets(0, 1));  // AF_UNIX has no RST
  CHECK_FALSE(after("pair tcp4\npair tcp4 c d\n", profile).hard_close_resets(0, 3));  // another connection
  CHECK_FALSE(after("pair tcp4\nb linger on 0\nb close\n", profile).hard_close_resets(0, 1));  // b closed
  CHECK_FALSE(after("pair tcp4\nb start thread recv 10 @1\n", profile).hard_close_resets(0, 1));  // a call holds b
  CHECK_FALSE(after("pair tcp4\na close\na socket tcp4\n", profile).hard_close_resets(0, 1));  // a is another socket now
  // Both FINs gone: a close resets nothing any more (trait close_after_both_fins_resets).
  CHECK_FALSE(after("pair tcp4\na shutdown send\nb shutdown send\n", profile).hard_close_resets(0, 1));
}
