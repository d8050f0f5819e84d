// SPDX-License-Identifier: MIT
// The model against recorded traces: runs of corpora/scenarios on Linux and on Wine 8
// (core/tests/traces/<profile>/*.replay.ops, written by `closesem_tool ops run
// --replay-dir`). Every observed outcome must be admitted by that platform's profile,
// and the Wine deviations must be real: the winsock profile alone rejects them. No
// sockets here: the model is data and a state machine.
#include "closesem_testing/catch.hpp"

#include "closesem/deviations.hpp"
#include "closesem/model.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace model = closesem::model;
namespace ops = closesem::ops;

namespace {

ops::Program load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  ops::Program program;
  ops::ParseError error;
  INFO(path.string());
  REQUIRE(ops::parse(text.str(), path.string(), program, error));
  return program;
}

std::vector<fs::path> traces(const std::string& profile) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(CLOSESEM_TRACES_DIR) / profile))
    if (entry.path().extension() == ".ops") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Replays a trace through a model of `profile`; returns the steps it did not admit.
std::vector<std::string> rejected(const ops::Program& trace, const model::Profile& profile,
                                  int* deviations_used = nullptr) {
  model::Model state(profile);
  std::vector<std::string> out;
  for (const auto& op : trace.ops) {
    if (op.expect.empty()) continue;  // not called (a reused handle value)
    std::string error;
    const auto prediction = state.predict(op, &error);
    if (!error.empty()) {
      out.push_back(ops::print(op) + ": script error " + error);
      continue;
    }
    if (!prediction.admissible.empty() && !model::admits(prediction.admissible, op.expect.front()))
      out.push_back(ops::print(op) + ": predicted " + ops::print(prediction.admissible));
    if (deviations_used && !prediction.deviation.empty()) ++*deviations_used;
    state.apply(op, op.expect.front());
  }
  return out;
}

}  // namespace

TEST_CASE("model: every outcome of the recorded runs is admitted by its platform's profile", "[unit][model]") {
  for (const std::string profile_name : {"linux", "wine-8"}) {
    const auto* profile = model::find_profile(profile_name);
    REQUIRE(profile != nullptr);
    const auto files = traces(profile_name);
    CHECK(files.size() >= 20);
    for (const auto& file : files) {
      INFO(profile_name << ": " << file.filename().string());
      const auto problems = rejected(load(file), *profile);
      std::string all;
      for (const auto& problem : problems) all += "\n  " + problem;
      INFO("not admitted:" << all);
      CHECK(problems.empty());
    }
  }
}

TEST_CASE("model: the Wine runs differ from the Winsock contract exactly where wine-8 lists a deviation",
          "[unit][model]") {
  const auto* winsock = model::find_profile("winsock");
  const auto* wine = model::find_profile("wine-8");
  REQUIRE(winsock != nullptr);
  REQUIRE(wine != nullptr);
  // Both models follow the same observed outcomes; where the Winsock contract rejects
  // one, wine-8 must have decided that step by a listed deviation.
  int rejected_by_winsock = 0;
  for (const auto& file : traces("wine-8")) {
    const auto trace = load(file);
    model::Model contract(*winsock);
    model::Model measured(*wine);
    for (const auto& op : trace.ops) {
      if (op.expect.empty()) continue;
      const auto by_contract = contract.predict(op);
      const auto by_wine = measured.predict(op);
      if (!by_contract.admissible.empty() && !model::admits(by_contract.admissible, op.expect.front())) {
        ++rejected_by_winsock;
        INFO(file.filename().string() << ": " << ops::print(op) << " observed " << ops::print(op.expect)
                                      << ", winsock predicts " << ops::print(by_contract.admissible));
        CHECK_FALSE(by_wine.deviation.empty());
        // The prediction names the deviation by its ID in the known-deviation table.
        const auto id = by_wine.deviation.substr(0, by_wine.deviation.find(':'));
        CHECK(closesem::find_known_deviation(id) != nullptr);
      }
      contract.apply(op, op.expect.front());
      measured.apply(op, op.expect.front());
    }
  }
  CHECK(rejected_by_winsock > 0);
  for (std::size_t i = 0; i < static_cast<std::size_t>(model::kFacts); ++i) {
    const auto& fact = wine->facts[i];
    if (fact.deviation) {
      CHECK_FALSE(fact.reason.empty());
      CHECK(closesem::find_known_deviation(fact.deviation_id) != nullptr);
    }
    CHECK_FALSE(fact.source.empty());
  }
}

TEST_CASE("model: Winsock and Linux differ where the contract says they do", "[unit][model]") {
  const auto parse_one = [](const std::string& text) {
    ops::Program program;
    ops::ParseError error;
    REQUIRE(ops::parse(text, "inline", program, error));
    return program;
  };
  const auto program = parse_one("pair tcp4\na shutdown send\na send 1\n");
  for (const auto& [profile_name, expected] :
       {std::pair<std::string, closesem::Errc>{"winsock", closesem::Errc::shut_down},
        std::pair<std::string, closesem::Errc>{"linux", closesem::Errc::broken_pipe}}) {
    model::Model state(*model::find_profile(profile_name));
    ops::Outcome ok;
    state.apply(program.ops[0], ok);
    state.apply(program.ops[1], ok);
    const auto prediction = state.predict(program.ops[2]);
    INFO(profile_name << " predicts " << ops::print(prediction.admissible) << " (" << prediction.source << ")");
    REQUIRE(prediction.admissible.size() == 1);
    CHECK(prediction.admissible[0].errc == expected);
    CHECK_FALSE(prediction.source.empty());
  }
  model::Model state(*model::find_profile("linux"));
  std::string error;
  const auto none = state.predict(parse_one("c recv 1\n").ops[0], &error);
  CHECK(none.admissible.empty());
  CHECK(error == "endpoint c was never made");
}

TEST_CASE("model: after a reset with several sends queued, Linux admits part of the data or the reset",
          "[unit][model]") {
  // Found by the nightly job (corpora/fuzz_handles/regressions/reset-drops-later-sends):
  // the later sends may not have reached the receive queue when the reset came.
  ops::Outcome one;
  one.type = ops::Outcome::Type::value;
  one.value = 1;
  ops::Outcome reset;
  reset.type = ops::Outcome::Type::failure;
  reset.errc = closesem::Errc::connection_reset;
  // A Linux model after every op of `text` but its last `left` ops (pair and close
  // return 0, sends 1); returns the program.
  const auto run_all_but = [&](model::Model& state, const std::string& text, std::size_t left) {
    ops::Program program;
    ops::ParseError error;
    REQUIRE(ops::parse(text, "inline", program, error));
    for (std::size_t i = 0; i + left < program.ops.size(); ++i) {
      ops::Outcome outcome;
      outcome.type = ops::Outcome::Type::value;
      outcome.value = program.ops[i].kind == ops::OpKind::pair || program.ops[i].kind == ops::OpKind::close ? 0 : 1;
      state.apply(program.ops[i], outcome);
    }
    return program;
  };
  model::Model state(*model::find_profile("linux"));
  const auto program = run_all_but(state, "pair tcp4\nb send 1\nb send 1\na send 1\nb close\na recv 1\na recv 1\n", 2);
  const auto first = state.predict(program.ops[5]);
  INFO("first recv: " << ops::print(first.admissible) << " (" << first.source << ")");
  CHECK(model::admits(first.admissible, one));
  CHECK(model::admits(first.admissible, reset));
  state.apply(program.ops[5], one);
  const auto second = state.predict(program.ops[6]);
  INFO("second recv: " << ops::print(second.admissible) << " (" << second.source << ")");
  CHECK(model::admits(second.admissible, one));
  CHECK(model::admits(second.admissible, reset));
  // One send queued: exactly that send, no reset before it is read.
  model::Model single(*model::find_profile("linux"));
  const auto short_program = run_all_but(single, "pair tcp4\nb send 1\na send 1\nb close\na recv 1\n", 1);
  const auto only = single.predict(short_program.ops[4]);
  INFO("one send queued: " << ops::print(only.admissible));
  CHECK(model::admits(only.admissible, one));
  CHECK_FALSE(model::admits(only.admissible, reset));
}

namespace {

ops::Program parse_text(const std::string& text) {
  ops::Program program;
  ops::ParseError error;
  INFO(text);
  REQUIRE(ops::parse(text, "inline", program, error));
  return program;
}

// The prediction for the last op of `text` after the model of `profile` followed every
// op before it with its first admissible outcome (a success where the model admits any).
model::Prediction last_prediction(const model::Profile& profile, const std::string& text) {
  const auto program = parse_text(text);
  model::Model state(profile);
  for (std::size_t i = 0; i + 1 < program.ops.size(); ++i) {
    const auto& op = program.ops[i];
    const auto predicted = state.predict(op);
    ops::Outcome outcome;  // `ok`, for an op the model does not predict
    if (!predicted.admissible.empty()) outcome = predicted.admissible.front();
    if (outcome.type == ops::Outcome::Type::ok) {
      outcome.type = ops::Outcome::Type::value;
      outcome.value = op.kind == ops::OpKind::send ? op.count : 0;
    }
    state.apply(op, outcome);
  }
  return state.predict(program.ops.back());
}

std::string describe(const model::Prediction& p) {
  return (p.admissible.empty() ? std::string("(no prediction)") : ops::print(p.admissible)) + " (" + p.source + ")";
}

bool same(const model::Prediction& a, const model::Prediction& b) {
  return a.admissible == b.admissible && a.source == b.source && a.settle.size() == b.settle.size();
}

ops::Outcome outcome_of(const std::string& text) {
  return parse_text("a recv 1 -> " + text + "\n").ops[0].expect.at(0);
}

}  // namespace

TEST_CASE("model: predictions come from the profile: changing a trait or a fact changes what asks it",
          "[unit][model]") {
  // Each trait, flipped, changes the prediction of a program that depends on it: the
  // model reads the trait, and nothing else stands in for it (there is no API family
  // to ask).
  struct TraitCase {
    const char* trait;
    const char* profile;
    const char* program;
    void (*flip)(model::Traits&);
  };
  const TraitCase traits[] = {
      {"lifecycle", "winsock", "pair tcp4\ncleanup\na close\n", [](model::Traits& t) { t.lifecycle.value ^= true; }},
      {"poll_reports_hangup", "linux", "pair tcp4\nb close\na wait hup\n",
       [](model::Traits& t) { t.poll_reports_hangup.value ^= true; }},
      {"pending_error_before_shutdown", "linux", "pair tcp4\na send 1\na shutdown send\nb close\na send 1\n",
       [](model::Traits& t) { t.pending_error_before_shutdown.value ^= true; }},
      {"pending_after_reset_may_read_0", "linux", "pair tcp4\nb send 3\na send 1\nb close\na pending\n",
       [](model::Traits& t) { t.pending_after_reset_may_read_0.value ^= true; }},
      {"shutdown_both_with_unread_ends", "linux", "pair tcp4\nb send 1\na shutdown both\na send 1\n",
       [](model::Traits& t) { t.shutdown_both_with_unread_ends.value ^= true; }},
      {"so_error_reports_reset", "winsock", "pair tcp4\na send 1\nb close\na error\na recv 1\n",
       [](model::Traits& t) { t.so_error_reports_reset.value ^= true; }},
  };
  for (const auto& c : traits) {
    const auto* profile = model::find_profile(c.profile);
    REQUIRE(profile != nullptr);
    model::Profile flipped = *profile;
    c.flip(flipped.traits);
    const auto as_is = last_prediction(*profile, c.program);
    const auto changed = last_prediction(flipped, c.program);
    INFO(c.profile << " with " << c.trait << " flipped, on:\n"
                   << c.program << "predicts " << describe(as_is) << ", flipped " << describe(changed));
    CHECK_FALSE(same(as_is, changed));
  }

  // Each fact row that a program consults, replaced by a marker, turns the prediction
  // into the marker: the model answers from the row, for every profile. The programs
  // are the recorded runs (every outcome-set fact they consult) and a few more.
  const std::vector<std::string> extra = {
      "c socket tcp4\nc listen\nc recv 1\n",   // recv_listening_tcp (wine-8: it waits for its timeout)
      "c socket tcp4\nc listen\nc send 1\n",   // send_listening_tcp
      "pair tcp4\na send 70000\n",             // send_timeout_expired: the window may fill
      "a socket tcp4\na recv 1\n",             // recv_unconnected_tcp
  };
  ops::Outcome marker;
  marker.type = ops::Outcome::Type::failure;
  marker.errc = closesem::Errc::other;
  for (const auto& name : model::profile_names()) {
    const auto* profile = model::find_profile(name);
    REQUIRE(profile != nullptr);
    int consulted = 0;
    for (std::size_t f = 0; f < profile->facts.size(); ++f) {
      if (profile->facts[f].outcomes.empty()) continue;  // "data", "reset", "none", "unknown": state, not outcomes
      model::Profile marked = *profile;
      marked.facts[f].outcomes = {marker};
      marked.facts[f].source = "the marker";
      bool asked = false;
      // A recorded run says what each op returned (an op without `->` was not called);
      // the other programs follow the model's first answer.
      const auto follow = [&](const ops::Program& program, const std::string& where, bool recorded) {
        model::Model as_is(*profile);
        model::Model other(marked);
        for (const auto& op : program.ops) {
          if (recorded && op.expect.empty()) continue;
          const auto a = as_is.predict(op);
          const auto b = other.predict(op);
          if (!same(a, b)) {
            asked = true;
            INFO(name << " fact " << f << " on " << where << ": " << ops::print(op) << " predicts " << describe(a)
                      << ", with the row marked " << describe(b));
            CHECK(model::admits(b.admissible, marker));
            CHECK(b.source.find("the marker") != std::string::npos);
          }
          ops::Outcome outcome = recorded ? op.expect.front() : ops::Outcome{};
          if (!recorded) {
            if (!a.admissible.empty()) outcome = a.admissible.front();
            if (outcome.type == ops::Outcome::Type::ok) {
              outcome.type = ops::Outcome::Type::value;
              outcome.value = op.kind == ops::OpKind::send ? op.count : 0;
            }
          }
          as_is.apply(op, outcome);
          other.apply(op, outcome);
        }
      };
      for (const std::string trace_profile : {"linux", "wine-8"})
        for (const auto& file : traces(trace_profile)) follow(load(file), trace_profile + "/" + file.filename().string(), true);
      for (const auto& text : extra) follow(parse_text(text), "\n" + text, false);
      if (asked) ++consulted;
    }
    INFO(name << ": " << consulted << " fact rows consulted");
    CHECK(consulted >= 15);
  }
}

TEST_CASE("model: a blocking call that cannot complete is predicted blocked, on every profile", "[unit][model]") {
  const auto blocked = outcome_of("blocked");
  const auto would_block = outcome_of("would_block");
  for (const auto& name : model::profile_names()) {
    const auto* profile = model::find_profile(name);
    REQUIRE(profile != nullptr);
    INFO(name);
    // Nothing queued, no FIN, no reset: a blocking recv or accept does not return.
    for (const char* program : {"pair tcp4\na recv 1\n", "pair tcp4\nb send 3\na recv 3\na recv 1\n",
                                "c socket tcp4\nc listen\nc accept d\n"}) {
      const auto p = last_prediction(*profile, program);
      INFO(program << "predicts " << describe(p));
      REQUIRE(p.admissible.size() == 1);
      CHECK(p.admissible[0] == blocked);
    }
    // Non-blocking, the same calls fail at once: the platform's outcome, not the runner's.
    for (const char* program : {"pair tcp4\na nonblocking on\na recv 1\n", "c socket tcp4\nc listen\nc nonblocking on\nc accept d\n"}) {
      const auto p = last_prediction(*profile, program);
      INFO(program << "predicts " << describe(p));
      REQUIRE(p.admissible.size() == 1);
      CHECK(p.admissible[0] == would_block);
    }
    // Data, a FIN or a reset to read: the recv returns.
    for (const char* program : {"pair tcp4\nb send 3\na recv 1\n", "pair tcp4\nb close\na recv 1\n"}) {
      const auto p = last_prediction(*profile, program);
      INFO(program << "predicts " << describe(p));
      CHECK_FALSE(model::admits(p.admissible, blocked));
    }
  }
  // `blocked` is neither a success nor a failure: `ok` does not admit it, nor does an
  // error; only `blocked` does, and it admits nothing else.
  CHECK_FALSE(model::admits({outcome_of("ok")}, blocked));
  CHECK_FALSE(model::admits({outcome_of("timed_out"), would_block}, blocked));
  CHECK(model::admits({outcome_of("0"), blocked}, blocked));
  CHECK_FALSE(model::admits({blocked}, outcome_of("0")));
  CHECK_FALSE(model::admits({blocked}, outcome_of("timed_out")));
}

TEST_CASE("model: every fact and trait of every profile has an answer and its source", "[unit][model]") {
  for (const auto& name : model::profile_names()) {
    const auto* profile = model::find_profile(name);
    REQUIRE(profile != nullptr);
    REQUIRE(profile->facts.size() == static_cast<std::size_t>(model::kFacts));
    for (std::size_t i = 0; i < profile->facts.size(); ++i) {
      const auto& fact = profile->facts[i];
      INFO(name << " fact " << i);
      CHECK_FALSE(fact.source.empty());
      const bool keyword = fact.keyword == "data" || fact.keyword == "reset" || fact.keyword == "none" ||
                           fact.keyword == "unknown";
      CHECK(keyword != !fact.outcomes.empty());  // outcomes, or one of the answers of their own
    }
    const auto& t = profile->traits;
    for (const auto& [trait, source] : std::vector<std::pair<const char*, const char*>>{
             {"lifecycle", t.lifecycle.source},
             {"poll_reports_hangup", t.poll_reports_hangup.source},
             {"pending_error_before_shutdown", t.pending_error_before_shutdown.source},
             {"pending_after_reset_may_read_0", t.pending_after_reset_may_read_0.source},
             {"shutdown_both_with_unread_ends", t.shutdown_both_with_unread_ends.source},
             {"so_error_reports_reset", t.so_error_reports_reset.source}}) {
      INFO(name << " trait " << trait);
      CHECK(source != nullptr);
      CHECK(std::string(source != nullptr ? source : "").size() > 0);
    }
  }
}
