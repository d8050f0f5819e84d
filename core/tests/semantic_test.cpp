// SPDX-License-Identifier: MIT
// Semantic coverage (closesem/semantic.hpp): the abstract states tell apart what the
// close semantics depend on, a transition reads back in words, and the model's search
// of reachable transitions finds the ones a short program goes through.
#include "closesem_testing/catch.hpp"

#include "closesem/model.hpp"
#include "closesem/semantic.hpp"
#include "closesem/text.hpp"

#include <set>
#include <string>

namespace model = closesem::model;
namespace ops = closesem::ops;
namespace semantic = closesem::semantic;

namespace {

ops::Program parse_text(const std::string& text) {
  ops::Program program;
  ops::ParseError error;
  INFO(text);
  REQUIRE(ops::parse(text, "inline", program, error));
  return program;
}

// The model after the program, each op applied with the model's first admissible outcome.
model::Model after(const model::Profile& profile, const std::string& text) {
  model::Model m(profile);
  for (const auto& op : parse_text(text).ops) {
    const auto p = m.predict(op);
    REQUIRE_FALSE(p.admissible.empty());
    m.apply(op, p.admissible.front(), &p);
  }
  return m;
}

}  // namespace

TEST_CASE("semantic: the abstract state tells apart what close semantics depend on", "[semantic]") {
  const auto* linux_profile = model::find_profile("linux");
  REQUIRE(linux_profile != nullptr);
  const auto recv = parse_text("pair tcp4\na recv 10\n").ops.at(1);
  const auto plain = semantic::state_of(after(*linux_profile, "pair tcp4"), recv);
  const auto fin = semantic::state_of(after(*linux_profile, "pair tcp4\nb close"), recv);
  const auto reset = semantic::state_of(after(*linux_profile, "pair tcp4\nb linger on 0\nb close"), recv);
  const auto lingering = semantic::state_of(after(*linux_profile, "pair tcp4\na linger on 0"), recv);
  const auto duplicated = semantic::state_of(after(*linux_profile, "pair tcp4\na dup c"), recv);
  const auto unix_pair = semantic::state_of(after(*linux_profile, "pair unix"), recv);
  const std::set<std::uint32_t> all{plain, fin, reset, lingering, duplicated, unix_pair};
  CHECK(all.size() == 6);
  const auto none = semantic::state_of(model::Model(*linux_profile), recv);
  CHECK(all.count(none) == 0);

  const auto words = [&](std::uint32_t state) {
    return semantic::describe(semantic::key(state, semantic::op_class(recv), semantic::outcome_class(ops::Outcome{})));
  };
  CHECK(words(plain).find("connected tcp4 |") == 0);
  CHECK(words(fin).find("FIN in") != std::string::npos);
  CHECK(words(reset).find("reset in") != std::string::npos);
  CHECK(words(lingering).find("linger {1,0}") != std::string::npos);
  CHECK(words(duplicated).find("duplicated") != std::string::npos);
  CHECK(words(unix_pair).find("unix") != std::string::npos);
  CHECK(words(none).find("no socket |") == 0);
}

TEST_CASE("semantic: ops and outcomes by class", "[semantic]") {
  const auto program = parse_text("pair tcp4\na send 0\na send 10\na shutdown send\na shutdown both\na linger on 0\n"
                                  "a linger on 1\na linger off\n");
  std::set<std::uint32_t> classes;
  for (const auto& op : program.ops) classes.insert(semantic::op_class(op));
  CHECK(classes.size() == program.ops.size());
  ops::Outcome reset;
  reset.type = ops::Outcome::Type::failure;
  reset.errc = closesem::Errc::connection_reset;
  ops::Outcome aborted = reset;
  aborted.errc = closesem::Errc::connection_aborted;
  CHECK(semantic::outcome_class(reset) != semantic::outcome_class(aborted));
  ops::Outcome any;
  any.type = ops::Outcome::Type::fails;
  CHECK(semantic::outcome_class(any) == semantic::kNoClass);
  const auto k = semantic::key(0, semantic::op_class(program.ops.at(3)), semantic::outcome_class(reset));
  CHECK(semantic::describe(k) == "no socket | shutdown send | failure connection_reset");
}

TEST_CASE("semantic: the model's search reaches what a short program goes through", "[semantic]") {
  const auto* linux_profile = model::find_profile("linux");
  REQUIRE(linux_profile != nullptr);
  const auto alphabet = semantic::close_sequences_alphabet();
  const auto reachable = semantic::enumerate(*linux_profile, alphabet, 3, 200000);
  CHECK(reachable.states > 10);
  CHECK(reachable.depth_reached == 3);
  // pair tcp4; b close; a recv N -> 0: end of stream after the peer's FIN (three ops deep).
  const auto m = after(*linux_profile, "pair tcp4\nb close");
  const auto recv = parse_text("pair tcp4\na recv 1000\n").ops.at(1);
  ops::Outcome eof;
  eof.type = ops::Outcome::Type::value;
  const auto k = semantic::key(semantic::state_of(m, recv), semantic::op_class(recv), semantic::outcome_class(eof));
  INFO(semantic::describe(k));
  CHECK(reachable.transitions.count(k) == 1);
  // A deeper one is not there at depth 3: a recv after the peer's reset needs a linger first.
  const auto m4 = after(*linux_profile, "pair tcp4\nb linger on 0\nb close");
  const auto k4 = semantic::key(semantic::state_of(m4, recv), semantic::op_class(recv), semantic::outcome_class(eof));
  CHECK(reachable.transitions.count(k4) == 0);
}
