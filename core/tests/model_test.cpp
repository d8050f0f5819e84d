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

TEST_CASE("model: predictions follow the profile's facts and traits, never the API family", "[unit][model]") {
  // The same profile with the API flag flipped must predict every step of every recorded
  // run alike: a platform difference the model knows is a named fact or trait.
  for (const std::string trace_profile : {"linux", "wine-8"}) {
    for (const auto& name : model::profile_names()) {
      const auto* profile = model::find_profile(name);
      REQUIRE(profile != nullptr);
      model::Profile flipped = *profile;
      flipped.winsock_api = !profile->winsock_api;
      for (const auto& file : traces(trace_profile)) {
        const auto trace = load(file);
        model::Model as_is(*profile);
        model::Model other(flipped);
        for (const auto& op : trace.ops) {
          if (op.expect.empty()) continue;
          std::string error_as_is, error_other;
          const auto a = as_is.predict(op, &error_as_is);
          const auto b = other.predict(op, &error_other);
          INFO(name << " on " << trace_profile << "/" << file.filename().string() << ": " << ops::print(op) << " predicts "
                    << ops::print(a.admissible) << " (" << a.source << "), with the API flag flipped "
                    << ops::print(b.admissible) << " (" << b.source << ")");
          CHECK(a.admissible == b.admissible);
          CHECK(a.source == b.source);
          CHECK(a.deviation == b.deviation);
          CHECK(a.settle.size() == b.settle.size());
          for (std::size_t i = 0; i < std::min(a.settle.size(), b.settle.size()); ++i) {
            CHECK(a.settle[i].endpoint == b.settle[i].endpoint);
            CHECK(a.settle[i].what == b.settle[i].what);
          }
          CHECK(error_as_is == error_other);
          as_is.apply(op, op.expect.front());
          other.apply(op, op.expect.front());
        }
      }
    }
  }
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
             {"blocking_call_timeout", t.blocking_call_timeout.source},
             {"pending_after_reset_may_read_0", t.pending_after_reset_may_read_0.source},
             {"shutdown_both_with_unread_ends", t.shutdown_both_with_unread_ends.source},
             {"so_error_reports_reset", t.so_error_reports_reset.source}}) {
      INFO(name << " trait " << trait);
      CHECK(source != nullptr);
      CHECK(std::string(source != nullptr ? source : "").size() > 0);
    }
  }
}
