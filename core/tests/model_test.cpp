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

TEST_CASE("model: the blind spots closed by issue 18 are predicted in full on the recorded runs", "[unit][model]") {
  // Each op these runs called has a prediction (the model used to stop following the
  // socket: a refused connect, a failed shutdown before the connection, a listener shut
  // down, a connect on a listener, several sends read at once).
  for (const std::string profile_name : {"linux", "wine-8"}) {
    const auto* profile = model::find_profile(profile_name);
    REQUIRE(profile != nullptr);
    std::vector<std::string> names = {"failed_connect",      "failed_shutdown_before_connect",
                                      "failed_shutdown_unconnected", "listener_shutdown",
                                      "connect_on_listener", "queued_sends_read_whole"};
    if (profile_name == "linux") {
      names.push_back("unix_shutdown_unconnected");  // (no AF_UNIX under Wine 8.0)
      names.push_back("failed_connect_abort");       // (Wine: not followed after the abort)
    }
    for (const auto& name : names) {
      const auto file = fs::path(CLOSESEM_TRACES_DIR) / profile_name / (name + ".replay.ops");
      INFO(profile_name << ": " << file.filename().string());
      REQUIRE(fs::exists(file));
      const auto trace = load(file);
      model::Model state(*profile);
      int called = 0;
      for (const auto& op : trace.ops) {
        if (op.expect.empty()) continue;
        ++called;
        const auto prediction = state.predict(op);
        INFO(ops::print(op) << " observed " << ops::print(op.expect) << ": " << prediction.source);
        CHECK_FALSE(prediction.admissible.empty());
        state.apply(op, op.expect.front());
      }
      CHECK(called >= 5);
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
  // The runner's fuzzing mode drops such an op without predicting it: the same check.
  CHECK(state.names_unmade(parse_one("c recv 1\n").ops[0]));
  CHECK_FALSE(state.names_unmade(parse_one("invalid recv 1\n").ops[0]));
  CHECK_FALSE(state.names_unmade(parse_one("c socket tcp4\n").ops[0]));
  const auto made = parse_one("c socket tcp4\n").ops[0];
  state.apply(made, ops::Outcome{});
  CHECK_FALSE(state.names_unmade(parse_one("c recv 1\n").ops[0]));
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

TEST_CASE("model: outcomes that apply alike are those apply cannot tell apart", "[unit][model]") {
  // What `ops export` relies on to follow one fork of the model per class of outcomes: two
  // outcomes it calls alike must leave states that predict the same for what follows.
  ops::Program program;
  ops::ParseError error;
  REQUIRE(ops::parse("pair tcp4\nb shutdown send\na events 0\na poll 0\na recv 10\na events 0\n", "inline", program,
                     error));
  ops::Outcome ok;
  ops::Outcome some;
  some.type = ops::Outcome::Type::events;
  some.set.bits = closesem::events::in;
  ops::Outcome other = some;
  other.set.bits = closesem::events::in | closesem::events::out;
  ops::Outcome failed;
  failed.type = ops::Outcome::Type::failure;
  failed.errc = closesem::Errc::not_supported;
  ops::Outcome zero;
  zero.type = ops::Outcome::Type::value;
  ops::Outcome hundred = zero;
  hundred.value = 100;
  const auto& events_op = program.ops[2];
  CHECK(model::Model::applies_alike(events_op, some, other));
  CHECK_FALSE(model::Model::applies_alike(events_op, some, failed));
  CHECK_FALSE(model::Model::applies_alike(program.ops[4], zero, hundred));
  CHECK(model::Model::applies_alike(program.ops[4], zero, zero));
  // And they do: two Winsock models told different sets by the first `events` predict the
  // same for every later op.
  model::Model first(*model::find_profile("winsock")), second(*model::find_profile("winsock"));
  for (std::size_t i = 0; i < program.ops.size(); ++i) {
    const auto a = first.predict(program.ops[i]), b = second.predict(program.ops[i]);
    INFO("op " << i << ": " << ops::print(program.ops[i]));
    CHECK(ops::print(a.admissible) == ops::print(b.admissible));
    const auto outcome = i == 2 ? some : (a.admissible.empty() ? ok : a.admissible.front());
    first.apply(program.ops[i], outcome);
    second.apply(program.ops[i], i == 2 ? other : outcome);
  }
}

namespace {

ops::Program parse_text(const std::string& text) {
  ops::Program program;
  ops::ParseError error;
  INFO(text);
  REQUIRE(ops::parse(text, "inline", program, error));
  return program;
}

// The first `count` ops of `program` applied, each with its first admissible outcome (a
// success where the model admits any).
void apply_ops(model::Model& state, const ops::Program& program, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const auto& op = program.ops[i];
    const auto predicted = state.predict(op);
    ops::Outcome outcome;  // `ok`, for an op the model does not predict
    if (!predicted.admissible.empty()) outcome = predicted.admissible.front();
    if (!op.expect.empty()) outcome = op.expect.front();  // `-> X`: what was observed
    if (outcome.type == ops::Outcome::Type::ok) {
      outcome.type = ops::Outcome::Type::value;
      outcome.value = op.kind == ops::OpKind::send ? op.count : 0;
    }
    state.apply(op, outcome);
  }
}

// The prediction for the last op of `text` after the model of `profile` followed every
// op before it.
model::Prediction last_prediction(const model::Profile& profile, const std::string& text) {
  const auto program = parse_text(text);
  model::Model state(profile);
  apply_ops(state, program, program.ops.size() - 1);
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
      {"accept_inherits_linger", "linux",
       "f socket tcp4\nf linger on 0\nf listen\ng socket tcp4\ng connect f\nf accept d\nd close\ng recv 1\n",
       [](model::Traits& t) { t.accept_inherits_linger.value ^= true; }},
      // Issue 17: which mechanisms and notifiers a profile has, and how they behave.
      {"mechanism_overlapped", "winsock", "pair tcp4\na start overlapped recv 1 @1\n",
       [](model::Traits& t) { t.mechanism_overlapped.value ^= true; }},
      {"mechanism_iocp", "winsock", "pair tcp4\na start iocp recv 1 @1\n",
       [](model::Traits& t) { t.mechanism_iocp.value ^= true; }},
      {"mechanism_uring", "linux", "pair tcp4\na start uring recv 1 @1\n",
       [](model::Traits& t) { t.mechanism_uring.value ^= true; }},
      {"overlapped_fails_at_submission", "winsock", "a socket tcp4\na start overlapped recv 1 @1\n",
       [](model::Traits& t) { t.overlapped_fails_at_submission.value ^= true; }},
      {"notifier_epoll", "linux", "pair tcp4\na epoll level\n", [](model::Traits& t) { t.notifier_epoll.value ^= true; }},
      {"notifier_event_select", "winsock", "pair tcp4\na events\n",
       [](model::Traits& t) { t.notifier_event_select.value ^= true; }},
      {"event_select_sets_nonblocking", "winsock", "pair tcp4\na events\na recv 1\n",
       [](model::Traits& t) { t.event_select_sets_nonblocking.value ^= true; }},
      {"listener_shutdown_receive_stops", "linux", "c socket tcp4\nc listen\nc shutdown receive\nc accept d\n",
       [](model::Traits& t) { t.listener_shutdown_receive_stops.value ^= true; }},
      {"failed_shutdown_sticks", "linux", "a socket tcp4\na shutdown both\nc socket tcp4\nc listen\na connect c\na send 1\n",
       [](model::Traits& t) { t.failed_shutdown_sticks.value ^= true; }},
      {"failed_connect_shutdown_disables_connect", "linux", "a socket tcp4\nb socket tcp4\na connect b\na shutdown send\na connect b\n",
       [](model::Traits& t) { t.failed_connect_shutdown_disables_connect.value ^= true; }},
      {"unix_shutdown_unconnected_sticks", "linux", "a socket unix\na shutdown receive\na listen\nb socket unix\nb connect a\n",
       [](model::Traits& t) { t.unix_shutdown_unconnected_sticks.value ^= true; }},
      {"refused_connect_abort_resets", "linux", "a socket tcp4\nb socket tcp4\na connect b\na connect b\na recv 1\n",
       [](model::Traits& t) { t.refused_connect_abort_resets.value ^= true; }},
      {"blocking_connect_refusal_leaves_no_trace", "linux",
       "a socket tcp4\nb socket tcp4\na start thread connect b @1\ncollect @1\na recv 1\n",
       [](model::Traits& t) { t.blocking_connect_refusal_leaves_no_trace.value ^= true; }},
      {"disconnected_reuse_may_fail", "linux", "c socket tcp4\nc listen\nc shutdown receive\nb socket tcp4\nb listen\nc connect b\n",
       [](model::Traits& t) { t.disconnected_reuse_may_fail.value ^= true; }},
      {"reset_for_data_may_wait_for_ack", "linux",
       "pair tcp4\nb send 1\na shutdown send\na shutdown both\nb send 1\nb shutdown both\n",
       [](model::Traits& t) { t.reset_for_data_may_wait_for_ack.value ^= true; }},
      {"close_after_both_fins_resets", "linux", "pair tcp4\nb send 1\na shutdown send\nb shutdown send\na close\nb poll\n",
       [](model::Traits& t) { t.close_after_both_fins_resets.value ^= true; }},
      {"recv_clears_recorded_read", "wine-8", "pair tcp4\na events\nb send 5\nb shutdown send\na recv 10\na events\n",
       [](model::Traits& t) { t.recv_clears_recorded_read.value ^= true; }},
      {"unix_poll_mirrors_shutdown", "linux", "pair unix\nb shutdown receive\na shutdown receive\na poll\n",
       [](model::Traits& t) { t.unix_poll_mirrors_shutdown.value ^= true; }},
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
      "c socket tcp4\nc listen\nc nonblocking on\nc recv 1\n",  // recv_listening_tcp_nonblocking
      "c socket tcp4\nc listen\nb socket tcp4\nb connect c\nc recv 1\n",  // recv_listening_tcp_queued
      // Issue 17: the pending-call, notification and name rows.
      "pair tcp4\na start thread recv 9 @1\na close\ncollect @1\n",      // pending_close_thread_recv
      "pair tcp4\na start overlapped recv 9 @1\na close\ncollect @1\n",  // pending_close_overlapped_recv
      "pair tcp4\na start uring recv 9 @1\na close\ncollect @1\n",       // pending_close_uring
      "c socket tcp4\nc listen\nc start thread accept d @1\nc close\ncollect @1\n",      // ..._thread_accept
      // pending_close_thread_send, pending_close_overlapped_send (Wine: a blocking send on a
      // listener waits for its own timeout, so it is pending)
      "c socket tcp4\nc listen\nc start thread send 3 @1\nc close\ncollect @1\n",
      "c socket tcp4\nc listen\nc start overlapped send 3 @1\nc close\ncollect @1\n",
      "c socket tcp4\nc listen\nc start overlapped accept d @1\nc close\ncollect @1\n",  // ..._overlapped_accept
      "pair tcp4\na start thread recv 9 @1\na shutdown receive\ncollect @1\n",      // pending_shutdown_receive_thread
      "pair tcp4\na start overlapped recv 9 @1\na shutdown both\ncollect @1\n",   // ..._overlapped
      "pair tcp4\na start uring recv 9 @1\na shutdown receive\ncollect @1\n",       // ..._uring
      "pair tcp4\na start thread recv 9 @1\ncancel @1\ncollect @1\n",               // pending_cancel_thread
      "pair tcp4\na start iocp recv 9 @1\ncancel @1\ncollect @1\n",                 // pending_cancel_overlapped
      "pair tcp4\na start uring recv 9 @1\ncancel @1\ncollect @1\n",                // pending_cancel_uring
      "pair tcp4\na start thread recv 9 @1\nb linger on 0\nb close\ncollect @1\n",  // pending_recv_peer_reset
      "a socket tcp4\na poll\n",                                                       // poll_unconnected
      "pair tcp4\nb close\na poll\n",                                                 // poll_after_fin
      "pair tcp4\nb send 2\nb close\na poll\n",                                      // poll_after_fin_with_data
      "pair tcp4\nb linger on 0\nb close\na poll\na recv 1\na poll\n",             // poll_after_reset(_reported)
      "pair tcp4\na shutdown receive\na poll\na shutdown send\na poll\n",           // after shutdown, both shut
      "pair tcp4\na shutdown send\na poll\n",                                         // poll_after_shutdown_send
      "pair tcp4\na close\na poll\n",                                                 // poll_closed_handle
      "invalid poll\ninvalid select\ninvalid close\n",  // poll_invalid_handle, select_invalid_handle, invalid_handle
      "pair tcp4\na connect b\n",                                                      // connect_connected
      "pair unix\na connect b\n",                                                      // connect_connected_unix_refused
      "pair tcp4\nb linger on 0\nb close\na peername\na sockname\n",  // peername_after_reset, sockname_after_reset
      "pair tcp4\na shutdown send\nb shutdown send\na peername\n",     // peername_after_both_fins
      "a socket tcp4\na sockname\n",                                     // sockname_unbound
      "pair tcp4\na events\na nonblocking off\n",                        // blocking_after_event_select
      "c socket tcp4\nc listen\ncleanup\nc start overlapped accept d @1\n",  // start_accept_after_last_cleanup
      "pair tcp4\na close\na start iocp recv 9 @1\n",                    // start_iocp_closed_handle
      "pair tcp4\nb close\na send 100000\n",                             // send_large_to_closed_peer
      "pair tcp4\na start thread recv 0 @1\nb send 5\ncollect @1\n",              // pending_zero_recv_data
      "pair tcp4\na start thread recv 0 @1\nb linger on 0\nb close\ncollect @1\n",  // pending_zero_recv_reset
      "pair tcp4\na start thread recv 0 @1\ncancel @1\ncollect @1\n",            // pending_cancel_thread_zero_recv
      "pair tcp4\na start thread recv 0 @1\na shutdown send\ncollect @1\n",      // pending_zero_recv_own_shutdown
      "c socket tcp4\nc listen\nc listen\n",                                        // listen_not_unconnected
      "c socket tcp4\nc listen\nd socket tcp4\nd listen\nc connect d\n",          // connect_listening
      "c socket unix\nc listen\nd socket unix\nd listen\nc connect d\n",          // connect_listening_unix
      // After a failed connect (issue 18).
      "a socket tcp4\nb socket tcp4\na connect b\na recv 1\na send 1\na error\na poll\na select\na listen\n"
      "a connect b\n",  // recv_, send_, error_, poll_, select_, listen_, connect_after_failed_connect
      // Pending calls on a non-blocking socket; AcceptEx on a socket that does not listen (issue 18).
      "pair tcp4\na nonblocking on\na start uring recv 9 @1\ncollect @1\n",       // pending_nonblocking_uring
      "pair tcp4\na nonblocking on\na start overlapped recv 9 @1\ncollect @1\n",  // pending_nonblocking_overlapped
      "a socket tcp4\na start overlapped accept c @1\ncollect @1\n",               // start_accept_not_listening
      // AF_UNIX notifications after a shutdown or the peer's close (issue 18).
  };
  ops::Outcome marker;
  marker.type = ops::Outcome::Type::failure;
  marker.errc = closesem::Errc::other;
  std::vector<bool> consulted_somewhere(static_cast<std::size_t>(model::kFacts), false);
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
          // (Only the settles differ: the row decides when a pending call completes, and
          // this op causes it; the collect that reports it is where the row shows.)
          const bool settles_only = a.admissible == b.admissible && a.source == b.source;
          if (!same(a, b) && !settles_only) {
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
      if (asked) consulted_somewhere[f] = true;
    }
    INFO(name << ": " << consulted << " fact rows consulted");
    CHECK(consulted >= 15);
  }
  // Every row added for issue 17 (pending calls, notifications, the smaller gaps) that
  // has outcomes on some profile is consulted by some program there.
  for (int f = static_cast<int>(model::Fact::pending_close_thread_recv); f < model::kFacts; ++f) {
    // (A thread send is pending in the model only where it waits for its own timeout:
    // Wine's send on a listener, whose row is "unknown"; on Winsock and Linux such a send
    // fails at once, so their rows are not reached by any program yet.)
    if (f == static_cast<int>(model::Fact::pending_close_thread_send)) continue;
    bool has_outcomes = false;
    for (const auto& name : model::profile_names())
      has_outcomes = has_outcomes || !model::find_profile(name)->facts[static_cast<std::size_t>(f)].outcomes.empty();
    INFO("fact " << f << " is consulted by no program");
    if (has_outcomes) CHECK(consulted_somewhere[static_cast<std::size_t>(f)]);
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
                           fact.keyword == "pending" || fact.keyword == "unknown";
      CHECK(keyword != !fact.outcomes.empty());  // outcomes, or one of the answers of their own
    }
    std::size_t traits = 0;
    profile->traits.each([&](const char* trait, const auto& t) {
      ++traits;
      INFO(name << " trait " << trait);
      CHECK(t.source != nullptr);
      CHECK(std::string(t.source != nullptr ? t.source : "").size() > 0);
    });
    // Every member is in the list (each trait is a Trait<bool>).
    CHECK(traits * sizeof(model::Trait<bool>) == sizeof(model::Traits));
  }
}

// --- Issue 17: pending calls, notifications, the smaller gaps --------------------------

namespace {

// The alternatives of `text` (in .ops outcome syntax) as a set; "-" for no prediction.
std::vector<ops::Outcome> outcomes_of(const std::string& text) {
  if (text == "-") return {};
  // (The language admits event sets only for notifications.)
  const bool sets = text.find('{') != std::string::npos;
  return parse_text((sets ? "a poll -> " : "a recv 1 -> ") + text + "\n").ops[0].expect;
}

bool same_alternatives(const std::vector<ops::Outcome>& a, const std::vector<ops::Outcome>& b) {
  const auto within = [](const std::vector<ops::Outcome>& x, const std::vector<ops::Outcome>& y) {
    return std::all_of(x.begin(), x.end(),
                       [&y](const ops::Outcome& o) { return std::find(y.begin(), y.end(), o) != y.end(); });
  };
  return within(a, b) && within(b, a);
}

struct ProfileCase {
  const char* program;  // the last op is predicted
  const char* winsock;  // expected alternatives per profile ("-": no prediction)
  const char* on_linux;
  const char* wine;
};

void check_cases(const std::vector<ProfileCase>& cases) {
  for (const auto& c : cases) {
    for (const auto& [name, expected] : {std::pair<std::string, const char*>{"winsock", c.winsock},
                                         std::pair<std::string, const char*>{"linux", c.on_linux},
                                         std::pair<std::string, const char*>{"wine-8", c.wine}}) {
      const auto* profile = model::find_profile(name);
      REQUIRE(profile != nullptr);
      const auto p = last_prediction(*profile, c.program);
      INFO(name << " on:\n" << c.program << "predicts " << describe(p) << ", expected " << expected);
      CHECK(same_alternatives(p.admissible, outcomes_of(expected)));
      if (!p.admissible.empty()) CHECK_FALSE(p.source.empty());
    }
  }
}

}  // namespace

TEST_CASE("model: a pending recv completes only through what completes it, per profile", "[unit][model]") {
  check_cases({
      // Submitted at once; nothing happened: blocked.
      {"pair tcp4\na start thread recv 9 @1\n", "0", "0", "0"},
      {"pair tcp4\na start thread recv 9 @1\ncollect @1\n", "blocked", "blocked", "blocked"},
      // Data, the peer's FIN or reset complete it (the same everywhere, or a row).
      {"pair tcp4\na start thread recv 9 @1\nb send 5\ncollect @1\n", "5", "5", "5"},
      {"pair tcp4\na start thread recv 3 @1\nb send 5\ncollect @1\n", "3", "3", "3"},
      {"pair tcp4\na start thread recv 9 @1\nb close\ncollect @1\n", "0", "0", "0"},
      {"pair tcp4\na start thread recv 9 @1\nb shutdown send\ncollect @1\n", "0", "0", "0"},
      {"pair tcp4\na start thread recv 9 @1\nb linger on 0\nb close\ncollect @1\n", "connection_reset",
       "connection_reset", "connection_reset"},
      // Data queued before the start: it completes at once with it.
      {"pair tcp4\nb send 4\na start thread recv 9 @1\ncollect @1\n", "4", "4", "4"},
      // A pending recv takes what arrives: nothing is left for a later recv or FIONREAD.
      {"pair tcp4\na start thread recv 9 @1\nb send 5\na pending\n", "0", "0", "0"},
      // The local shutdown of the receiving side: Linux wakes it with 0 (contract §4 #6),
      // Wine leaves it blocked, Windows is not documented.
      {"pair tcp4\na start thread recv 9 @1\na shutdown receive\ncollect @1\n", "-", "0", "blocked"},
      {"pair tcp4\na start thread recv 9 @1\na shutdown send\ncollect @1\n", "blocked", "blocked", "blocked"},
      // (After a start that failed, the slot is free: a collect is a script error, "-".)
      {"pair tcp4\na start overlapped recv 9 @1\na shutdown receive\ncollect @1\n", "blocked", "-", "blocked"},
      // The local close: Winsock fails the call (H1 / D5), Wine with its own codes, Linux
      // keeps it pending (close.2).
      {"pair tcp4\na start thread recv 9 @1\na close\ncollect @1\n", "interrupted", "blocked", "invalid_argument"},
      {"pair tcp4\na start overlapped recv 9 @1\na close\ncollect @1\n", "connection_aborted | operation_aborted",
       "-", "other"},
      {"pair tcp4\na start uring recv 9 @1\na close\ncollect @1\n", "-", "blocked", "-"},
      // Cancel: the request is made; the call completes per mechanism (Wine: CancelSynchronousIo
      // finds nothing, the call stays blocked).
      {"pair tcp4\na start thread recv 9 @1\ncancel @1\n", "0", "0", "fails"},
      {"pair tcp4\na start thread recv 9 @1\ncancel @1\ncollect @1\n", "interrupted | operation_aborted",
       "interrupted", "blocked"},
      {"pair tcp4\na start uring recv 9 @1\ncancel @1\ncollect @1\n", "-", "operation_aborted", "-"},
      {"pair tcp4\na start iocp recv 9 @1\ncancel @1\ncollect @1\n", "operation_aborted", "-", "operation_aborted"},
      // A cancel after the completion finds nothing to cancel.
      {"pair tcp4\nb send 2\na start thread recv 9 @1\ncancel @1\n", "0 | fails", "0 | fails", "0 | fails"},
      // A failure at once: the thread's call completes with it; overlapped fails the submission.
      {"a socket tcp4\na start thread recv 1 @1\ncollect @1\n", "not_connected", "not_connected", "not_connected"},
      {"a socket tcp4\na start overlapped recv 1 @1\n", "not_connected", "not_supported", "not_connected"},
  });
}

TEST_CASE("model: Linux keeps a socket closed under a pending call open until the call returns", "[unit][model]") {
  const auto* linux_profile = model::find_profile("linux");
  const auto* winsock = model::find_profile("winsock");
  REQUIRE(linux_profile != nullptr);
  REQUIRE(winsock != nullptr);
  // The close sends nothing (measured: the peer's poll shows {out}); the data that
  // completes the recv then ends the connection: the peer sees the FIN.
  const std::string closed = "pair tcp4\na start thread recv 9 @1\na close\n";
  CHECK(describe(last_prediction(*linux_profile, closed + "b poll\n")).rfind("{out} ", 0) == 0);
  CHECK(describe(last_prediction(*winsock, closed + "b poll\n")).find("hup") != std::string::npos);
  const auto send = last_prediction(*linux_profile, closed + "b send 3\n");
  INFO(describe(send));
  REQUIRE(send.settle.size() == 2);
  CHECK(send.settle[0].slot == 0);      // the recv completes
  CHECK(send.settle[1].endpoint == 1);  // then b sees the deferred close's FIN
  CHECK(describe(last_prediction(*linux_profile, closed + "b send 3\nb poll\n")).rfind("{in,out,rdhup} ", 0) == 0);
  CHECK(describe(last_prediction(*linux_profile, closed + "b send 3\ncollect @1\n")).rfind("3 ", 0) == 0);
  // The same with more data than the recv takes: unread data, so a reset.
  CHECK(describe(last_prediction(*linux_profile, closed + "b send 20\nb poll\n")).rfind("{in,out,hup,rdhup,err} ", 0) ==
        0);
  // A listener closed under a pending accept still listens (measured on Linux 6.18.44).
  const std::string accept = "c socket tcp4\nc listen\nc start thread accept d @1\nc close\ne socket tcp4\ne connect c\n";
  CHECK(describe(last_prediction(*linux_profile, accept)).rfind("0 ", 0) == 0);
  CHECK(describe(last_prediction(*linux_profile, accept + "collect @1\n")).rfind("0 ", 0) == 0);
  CHECK(describe(last_prediction(*linux_profile, accept + "collect @1\nd send 2\n")).rfind("2 ", 0) == 0);
}

TEST_CASE("model: an overlapped send Wine 8.0 may leave pending for good is a known leak, on wine-8 only",
          "[unit][model]") {
  // The peer closed: a large send draws its RST, which Wine 8.0 may not deliver to the
  // send (wine8-blocking-send-may-miss-reset); an overlapped one has no timeout to end it.
  const std::string to_closed_peer = "pair tcp4\nb close\na start overlapped send 1048576 @1\n";
  const std::string to_open_peer = "pair tcp4\na start overlapped send 1048576 @1\n";
  const std::string small = "pair tcp4\nb close\na start overlapped send 5 @1\n";
  const std::string thread = "pair tcp4\nb close\na start thread send 1048576 @1\n";
  auto never_ends = [](const char* profile_name, const std::string& text) {
    const auto* profile = model::find_profile(profile_name);
    REQUIRE(profile != nullptr);
    const auto program = parse_text(text);
    model::Model state(*profile);
    apply_ops(state, program, program.ops.size());
    INFO(profile_name << ":\n" << text);
    REQUIRE(state.pending_slot(0).used);
    return state.pending_slot(0).never_ends;
  };
  CHECK(never_ends("wine-8", to_closed_peer).rfind("wine8-blocking-send-may-miss-reset: ", 0) == 0);
  CHECK(never_ends("wine-8", "pair tcp4\nb close\na start iocp send 1048576 @1\n")
            .rfind("wine8-blocking-send-may-miss-reset: ", 0) == 0);
  CHECK(never_ends("winsock", to_closed_peer).empty());
  CHECK(never_ends("wine-8", to_open_peer).empty());
  CHECK(never_ends("wine-8", small).empty());
  CHECK(never_ends("wine-8", thread).empty());  // a thread's send has its own (short) timeout
  // On a listener Wine 8.0's send waits for SO_SNDTIMEO (wine8-blocking-io-on-listener-
  // waits-for-timeout): overlapped, for good; also where WSAEventSelect made it
  // non-blocking (overlapped calls ignore the mode). (On winsock the send fails at once.)
  for (const char* listener : {"a socket tcp4\na listen\na start overlapped send 1048576 @1\n",
                               "a socket tcp4\na events\na listen\na start overlapped send 1048576 @1\n"})
    CHECK(never_ends("wine-8", listener).rfind("wine8-blocking-io-on-listener-waits-for-timeout: ", 0) == 0);
}

TEST_CASE("model: a thread call not followed gets a short timeout where a cancel cannot end it", "[unit][model]") {
  // An AcceptEx pending on a connected socket is not followed (nor is its socket): a
  // thread send on it to a peer that closed may miss the reset under Wine 8.0, and its
  // cancel finds nothing; on Linux and Winsock a cancel ends a thread's call.
  // Whether the last op of `text`, a start, gets the short timeout.
  auto times_out = [](const char* profile_name, const std::string& text) {
    const auto* profile = model::find_profile(profile_name);
    REQUIRE(profile != nullptr);
    const auto program = parse_text(text);
    model::Model state(*profile);
    apply_ops(state, program, program.ops.size() - 1);
    INFO(profile_name << ":\n" << text);
    return state.start_times_out(program.ops.back());
  };
  const std::string unfollowed =
      "pair tcp6 g c\nc close\ng start overlapped accept c @2\ng start thread send 1048576 @3\n";
  CHECK(times_out("wine-8", unfollowed));
  CHECK_FALSE(times_out("winsock", unfollowed));
  // A followed call that nothing but a cause ends keeps the long timeout on every profile.
  for (const char* name : {"wine-8", "winsock", "linux"})
    CHECK_FALSE(times_out(name, "pair tcp4\na start thread recv 9 @1\n"));
}

TEST_CASE("model: a pending accept takes the next connection, a pending connect completes at once", "[unit][model]") {
  check_cases({
      {"c socket tcp4\nc listen\nc start thread accept d @1\ncollect @1\n", "blocked", "blocked", "blocked"},
      {"c socket tcp4\nc listen\nc start thread accept d @1\ne socket tcp4\ne connect c\ncollect @1\n", "0", "0", "0"},
      {"c socket tcp4\nc listen\nc start thread accept d @1\ne socket tcp4\ne connect c\ncollect @1\ne send 3\nd recv 9\n",
       "3", "3", "3"},
      {"c socket tcp4\nc listen\nc start thread accept d @1\nc close\ncollect @1\n", "interrupted", "blocked",
       "operation_aborted"},
      {"c socket tcp4\nc listen\nc start overlapped accept d @1\nc close\ncollect @1\n", "operation_aborted", "-",
       "operation_aborted"},
      {"c socket tcp4\nc listen\ne socket tcp4\ne start thread connect c @1\ncollect @1\n", "0", "0", "0"},
      {"c socket tcp4\nc listen\ne socket tcp4\ne start thread connect c @1\ncollect @1\nc accept d\n", "ok", "ok", "ok"},
      // A small pending send completes at once and its bytes arrive.
      {"pair tcp4\na start thread send 7 @1\ncollect @1\n", "7", "7", "7"},
      {"pair tcp4\na start thread send 7 @1\nb recv 9\n", "7", "7", "7"},
  });
}

TEST_CASE("model: the script errors of pending slots", "[unit][model]") {
  const auto* profile = model::find_profile("linux");
  REQUIRE(profile != nullptr);
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"pair tcp4\na start thread recv 1 @1\nb start thread recv 1 @1\n", "still in use"},
           {"collect @2\n", "no call was started"},
           {"cancel @3\n", "no call was started"},
           {"c socket tcp4\nc listen\nd socket tcp4\nc start thread accept d @1\n", "still open"}}) {
    const auto program = parse_text(text);
    model::Model state(*profile);
    std::string error;
    for (std::size_t i = 0; i + 1 < program.ops.size(); ++i) {
      const auto p = state.predict(program.ops[i], &error);
      REQUIRE(error.empty());
      ops::Outcome o = p.admissible.empty() ? ops::Outcome{} : p.admissible.front();
      if (o.type == ops::Outcome::Type::ok) o = outcome_of("0");
      state.apply(program.ops[i], o);
    }
    const auto p = state.predict(program.ops.back(), &error);
    INFO(text << " -> " << error);
    CHECK(p.admissible.empty());
    CHECK(error.find(message) != std::string::npos);
  }
}

TEST_CASE("model: event sets per profile: poll, select, epoll level and edge, WSAEventSelect", "[unit][model]") {
  check_cases({
      {"pair tcp4\na poll\n", "{out}", "{out}", "{out}"},
      {"pair tcp4\nb send 3\na poll\n", "{in,out}", "{in,out}", "{in,out}"},
      {"pair tcp4\nb close\na poll\n", "{out,hup} | {in,out,hup}", "{in,out,rdhup}", "{out,hup} | {in,out,hup}"},
      {"pair tcp4\nb send 2\nb close\na poll\n", "{in,out} | {in,out,hup}", "{in,out,rdhup}",
       "{in,out} | {in,out,hup}"},
      {"pair tcp4\nb linger on 0\nb close\na poll\n", "{out,hup,err}", "{in,out,hup,rdhup,err}", "{out,hup,err}"},
      // (Wine's recv reads 0 after a reset, which does not report it: wine8-recv-after-reset-reads-0.)
      {"pair tcp4\nb linger on 0\nb close\na recv 1\na poll\n", "{out,hup} | {out,hup,err}", "{in,out,hup,rdhup}",
       "{out,hup,err}"},
      {"pair tcp4\na shutdown both\na poll\n", "{out} | {out,hup} | {in,out,hup}", "{in,out,hup,rdhup}",
       "{out} | {out,hup} | {in,out,hup}"},
      {"a socket tcp4\na poll\n", "{}", "{out,hup}", "{}"},
      {"pair tcp4\na close\na poll\n", "{nval} | not_socket", "{nval}", "{nval} | not_socket"},
      {"c socket tcp4\nc listen\nc poll\n", "{}", "{}", "{}"},
      {"c socket tcp4\nc listen\nd socket tcp4\nd connect c\nc poll\n", "{in}", "{in}", "{in}"},
      // select: readable with in, hup or err; writable with out or err.
      {"pair tcp4\nb linger on 0\nb close\na select\n", "{in,out}", "{in,out}", "{in,out}"},
      {"a socket tcp4\na select\n", "{}", "{in,out}", "{}"},
      {"pair tcp4\na close\na select\n", "not_socket", "bad_handle", "not_socket"},
      // epoll: Linux only; edge-triggered reports again only after a wake-up.
      {"pair tcp4\na epoll level\n", "not_supported", "{out}", "not_supported"},
      {"pair tcp4\na epoll level\na epoll level\n", "not_supported", "{out}", "not_supported"},
      {"pair tcp4\na epoll edge\na epoll edge\n", "not_supported", "{}", "not_supported"},
      {"pair tcp4\na epoll edge\na epoll edge\nb send 1\na epoll edge\n", "not_supported", "{in,out}", "not_supported"},
      {"pair tcp4\na epoll edge\na close\na epoll edge\n", "not_supported", "{}", "not_supported"},
      {"pair tcp4\na shutdown both\na epoll edge\na epoll edge -> {in,out,hup,rdhup}\na epoll edge -> {}\n"
       "a epoll edge\n",
       "not_supported", "{}", "not_supported"},
      // The ACK of a shutdown's FIN may wake the socket after the next edge wait, and after
      // the one after that while they report nothing (a steered random run, issue 21).
      {"pair tcp4\na shutdown both\na epoll edge\na epoll edge -> {}\na epoll edge\n", "not_supported",
       "{} | {in,out,hup,rdhup}", "not_supported"},
      {"pair tcp4\na close\na epoll level\n", "not_supported", "bad_handle", "not_supported"},
      // WSAEventSelect: Winsock only; FD_CLOSE's code per profile.
      {"pair tcp4\na events\n", "{write} | {write,connect}", "not_supported", "{write} | {write,connect}"},
      {"pair tcp4\na events\nb send 5\na events\n", "{read}", "not_supported", "{read}"},
      {"pair tcp4\na events\nb send 5\na events\na events\n", "{}", "not_supported", "{}"},
      {"pair tcp4\na events\nb close\na events\n", "{close}", "not_supported", "{close}"},
      {"pair tcp4\na events\nb linger on 0\nb close\na events\n", "{close:connection_aborted}", "not_supported",
       "{close}"},
      {"pair tcp4\na events\nb send 5\nb close\na events\n", "{read,close}", "not_supported", "{read}"},
      {"pair tcp4\na events\nb send 5\nb close\na events\na recv 9\na events\n", "{}", "not_supported", "{close}"},
      {"pair tcp4\na events\na shutdown both\na events\n", "{}", "not_supported", "{}"},
      // A recv on a non-blocking listener (Wine: as if nothing were there to read).
      {"c socket tcp4\nc listen\nc nonblocking on\nc recv 1\n", "not_connected", "not_connected",
       "would_block | not_connected"},
      // WSAEventSelect after the local SD_SEND: each registration set with FD_WRITE or
      // without (Wine: random runs; {connect} after a send that failed WSAESHUTDOWN).
      {"pair tcp4\na shutdown send\na events\n", "{} | {write} | {write,connect} | {connect}", "not_supported",
       "{} | {write} | {write,connect} | {connect}"},
      // After WSAEventSelect the socket is non-blocking.
      {"pair tcp4\na events\na recv 1\n", "would_block", "blocked", "would_block"},
  });
}

TEST_CASE("model: AF_UNIX poll, epoll and select after a shutdown or the peer's close (issue 18)", "[unit][model]") {
  // Linux (trait unix_poll_mirrors_shutdown, measured on Linux 6.18: notify_unix_shutdown.ops):
  // a shutdown is mirrored onto the peer, the peer's close ends both ways and with data
  // left unread there sets err until SO_ERROR or a recv reports it. Winsock: not measured
  // (no AF_UNIX under Wine 8.0), not predicted; epoll is Linux's. (wine-8: the pair is
  // not_supported, so nothing after it is predicted.)
  check_cases({
      {"pair unix\na shutdown receive\na poll\n", "-", "{in,out,rdhup}", "-"},
      {"pair unix\na shutdown send\na poll\n", "-", "{out}", "-"},
      {"pair unix\na shutdown both\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\nb shutdown send\na poll\n", "-", "{in,out,rdhup}", "-"},
      {"pair unix\nb shutdown both\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na shutdown receive\nb shutdown receive\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na shutdown send\nb shutdown receive\na poll\n", "-", "{out}", "-"},
      {"pair unix\nb close\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na shutdown send\nb close\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\nb send 4\nb shutdown send\na poll\n", "-", "{in,out,rdhup}", "-"},
      // The peer's close with our data unread there: err until it is reported.
      {"pair unix\na send 10\nb close\na poll\n", "-", "{in,out,hup,rdhup,err}", "-"},
      {"pair unix\na send 10\nb close\na error\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na send 10\nb close\na recv 5\na poll\n", "-", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na send 10\nb close\na send 1\na poll\n", "-", "{in,out,hup,rdhup,err}", "-"},
      {"pair unix\na send 4\nb shutdown both\nb close\na poll\n", "-", "{in,out,hup,rdhup,err}", "-"},
      {"g socket unix\ng listen\nh socket unix\nh connect g\ng close\nh poll\n", "-", "{in,out,hup,rdhup,err}",
       "-"},
      // select and epoll from the same bits.
      {"pair unix\nb close\na select\n", "-", "{in,out}", "-"},
      {"pair unix\na shutdown send\na select\n", "-", "{out}", "-"},
      {"pair unix\na shutdown both\na epoll level\n", "not_supported", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na epoll edge\nb close\na epoll edge\n", "not_supported", "{in,out,hup,rdhup}", "-"},
      {"pair unix\na epoll edge\nb close\na epoll edge\na epoll edge\n", "not_supported", "{}", "-"},
      // The close after the peer's shutdown(send) wakes an edge-triggered epoll too
      // (unix_release_sock), which the model does not record: either.
      {"pair unix\na epoll edge\nb shutdown send\na epoll edge\nb close\na epoll edge\n", "not_supported",
       "{} | {in,out,hup,rdhup}", "-"},
      // unix_writable: bytes the peer has not read fill the send buffer (a quarter of
      // sk_sndbuf in skb truesize): 60000 bytes in one send leave it unwritable on Linux 6.18.
      {"pair unix\na send 60000\na poll\n", "{out}", "{out} | {}", "-"},
      {"pair unix\na send 100\na send 100\na poll\n", "{out}", "{out}", "-"},
  });
}

TEST_CASE("model: connect on a connected socket, names before and after shutdown and close, the invalid handle",
          "[unit][model]") {
  check_cases({
      {"pair tcp4\na connect b\n", "is_connected", "is_connected", "is_connected"},
      {"pair tcp4\nb connect a\n", "is_connected", "is_connected", "is_connected"},
      {"c socket tcp4\nc listen\nd socket tcp4\nd connect c\nd connect c\n", "is_connected", "is_connected",
       "is_connected"},
      {"pair tcp4\na peername\n", "0", "0", "0"},
      {"pair tcp4\na shutdown both\na peername\n", "0", "0", "0"},
      {"pair tcp4\nb close\na peername\n", "0", "0", "0"},
      {"pair tcp4\nb linger on 0\nb close\na peername\n", "0 | not_connected", "not_connected", "0 | not_connected"},
      {"pair tcp4\na shutdown send\nb shutdown send\na peername\n", "0 | not_connected", "not_connected",
       "0 | not_connected"},
      {"a socket tcp4\na peername\n", "not_connected", "not_connected", "not_connected"},
      {"a socket tcp4\na sockname\n", "invalid_argument", "0", "invalid_argument"},
      {"pair tcp4\na sockname\n", "0", "0", "0"},
      // An accepted socket has the listener's address (found under Wine: the model had
      // called it unbound).
      {"c socket tcp4\nc listen\ne socket tcp4\ne connect c\nc accept d\nd sockname\n", "0", "0", "0"},
      {"c socket tcp4\nc listen\nc start thread accept d @1\ne socket tcp4\ne connect c\ncollect @1\nd sockname\n",
       "0", "0", "0"},
      {"c socket tcp4\nc listen\ne socket tcp4\ne connect c\ne sockname\n", "0", "0", "0"},
      {"pair tcp4\na close\na peername\n", "not_socket", "bad_handle", "not_socket"},
      {"invalid close\n", "not_socket", "bad_handle", "not_socket"},
      {"invalid send 1\n", "not_socket", "bad_handle", "not_socket"},
      {"invalid poll\n", "{nval} | not_socket", "{}", "{nval} | not_socket"},
      {"invalid select\n", "not_socket", "bad_handle", "not_socket"},
      {"invalid epoll level\n", "not_supported", "bad_handle", "not_supported"},
  });
  // `fails` admits any failure and nothing else; event sets compare bits and FD_CLOSE's code.
  CHECK(model::admits(outcomes_of("fails"), outcome_of("bad_handle")));
  CHECK(model::admits(outcomes_of("fails"), outcome_of("not_socket")));
  CHECK_FALSE(model::admits(outcomes_of("fails"), outcome_of("0")));
  CHECK_FALSE(model::admits(outcomes_of("fails"), outcome_of("blocked")));
  CHECK(model::admits(outcomes_of("{in,out}"), outcomes_of("{in,out}").front()));
  CHECK_FALSE(model::admits(outcomes_of("{in,out}"), outcomes_of("{in}").front()));
  CHECK_FALSE(model::admits(outcomes_of("{close}"), outcomes_of("{close:connection_aborted}").front()));
  CHECK(model::admits(outcomes_of("ok"), outcomes_of("{in}").front()));
}

TEST_CASE("model: findings of the random runs (issue 17, round 2)", "[unit][model]") {
  check_cases({
      // SO_ERROR read after a reset that followed the peer's FIN consumes it (Linux
      // sock_error), so poll and epoll lose err (measured on Linux 6.18 by
      // fuzz_close_sequences). (Winsock: SO_ERROR reads 0, the reset persists.)
      {"pair tcp4\nb close\na send 1\na error\na poll\n", "{out,hup,err} | {out,hup}", "{in,out,hup,rdhup}",
       "{out,hup,err} | {out,hup}"},
      {"pair tcp4\nb close\na send 1\na error\na epoll level\n", "not_supported", "{in,out,hup,rdhup}",
       "not_supported"},
      // The leak policy: a blocking call nothing but its own timeout ends (Wine 8.0's
      // blocking I/O on a listener) ends by it, right after the start (the runner makes
      // that timeout short); an overlapped one has no timeout and stays pending.
      {"c socket tcp4\nc listen\nc start thread send 9 @1\ncollect @1\n", "not_connected", "broken_pipe",
       "timed_out"},
      {"c socket tcp4\nc listen\nc start thread recv 9 @1\ncollect @1\n", "not_connected", "not_connected",
       "timed_out"},
      // (Winsock: the submission fails, so the slot stays free and the collect is "-".)
      {"c socket tcp4\nc listen\nc start overlapped recv 9 @1\ncollect @1\n", "-", "-", "blocked"},
      // Wine may leave a large blocking send to a closed peer blocked after the RST: it
      // may end by its own timeout, which the runner makes short for a thread call.
      {"pair tcp4\nb close\na start thread send 1048576 @1\ncollect @1\n", "-", "-",
       "connection_reset | timed_out"},
      // closesocket checks for a session first, also for the invalid handle (Wine's
      // closesocket: num_startup, then the handle); a notifier the platform lacks is
      // not_supported after the last cleanup too.
      {"cleanup\ninvalid close\n", "not_initialised", "bad_handle", "not_initialised"},
      {"cleanup\ninvalid send 1\n", "not_initialised", "bad_handle", "not_socket"},
      {"pair tcp4\ncleanup\na epoll level\n", "not_supported", "{out}", "not_supported"},
      {"pair tcp4\ncleanup\na events\n", "not_initialised", "not_supported", "not_socket"},
      // Registered before the last cleanup, nothing recorded: the wait on its event times
      // out, {}, unless the closing signalled it (a race); something recorded: the
      // enumeration fails. Through a closed handle: not modelled.
      {"pair tcp4\na events\ncleanup\na events\n", "{} | not_initialised", "not_supported", "{} | not_socket"},
      // A connect the ended session refused did not reach the socket: the race stays
      // (found under Wine 8.0 by fuzz_close_sequences, seed 11: not_socket only).
      {"d socket tcp4\ne socket tcp4\ne listen\nd events\ncleanup\nd connect e\nd events\n", "{} | not_initialised",
       "not_supported", "{} | not_socket"},
      {"pair tcp4\na events\na close\ncleanup\na events\n", "-", "not_supported", "-"},
      // A recv clears an FD_READ recorded and not yet enumerated (Wine's recv_socket):
      // data, the peer's FIN, all of it read, then the enumeration reports FD_CLOSE only.
      {"pair tcp4\na events\nb send 5\nb shutdown send\na recv 10\na events\n", "{close}", "not_supported",
       "{close}"},
      {"pair tcp4\na events\nb send 1\ncleanup\na events\n", "not_initialised", "not_supported", "not_socket"},
      // WSAEventSelect made the socket non-blocking; back to blocking fails (ioctlsocket).
      {"pair tcp4\na events\na nonblocking off\n", "invalid_argument", "0", "invalid_argument"},
      {"pair tcp4\na events\na nonblocking on\n", "0", "0", "0"},
      // A start's own order: a thread starts whatever the handle and its call fails;
      // iocp associates the handle first; AcceptEx makes its socket first.
      {"pair tcp4\ncleanup\nstartup\na start thread send 9 @1\n", "0", "0", "0"},
      {"pair tcp4\ncleanup\nstartup\na start thread send 9 @1\ncollect @1\n", "not_socket", "9", "not_socket"},
      {"pair tcp4\ncleanup\na start thread recv 9 @1\ncollect @1\n", "not_initialised", "blocked", "not_socket"},
      {"pair tcp4\na close\na start iocp send 9 @1\n", "not_socket | other", "not_supported", "not_socket | other"},
      {"pair tcp4\ncleanup\na start iocp send 9 @1\n", "not_socket | other", "not_supported", "not_socket | other"},
      {"pair tcp4\ncleanup\na start overlapped accept c @1\n", "not_initialised", "not_supported",
       "not_initialised"},
      {"pair tcp4\ncleanup\na start overlapped recv 9 @1\n", "not_initialised", "not_supported", "not_socket"},
  });
  // The runner asks the model which thread calls get a short timeout of their own.
  for (const auto& [name, expected] : {std::pair<std::string, bool>{"winsock", false}, {"linux", false},
                                       {"wine-8", true}}) {
    const auto* profile = model::find_profile(name);
    REQUIRE(profile != nullptr);
    for (const char* text : {"c socket tcp4\nc listen\nc start thread send 9 @1\n",
                             "pair tcp4\nb close\na start thread send 1048576 @1\n"}) {
      const auto program = parse_text(text);
      model::Model state(*profile);
      for (std::size_t i = 0; i + 1 < program.ops.size(); ++i) state.apply(program.ops[i], outcome_of("0"));
      INFO(name << " on:\n" << text);
      CHECK(state.start_times_out(program.ops.back()) == expected);
    }
  }
}

TEST_CASE("model: io_uring and overlapped calls on a non-blocking socket, AcceptEx on a socket that does not listen",
          "[unit][model]") {
  // Issue 18: these were "not predicted" (the socket was forgotten). The recorded runs are
  // now predicted op by op, except what a pending AcceptEx on a connected socket does
  // (not modelled: Wine 8.0 completes it at a recv or the close, differently by state), and
  // how much of a send larger than the buffers goes out (as on a blocking socket).
  const char* const kGaps[] = {"AcceptEx pending on a connected socket", "larger than the buffers"};
  const std::pair<const char*, const char*> runs[] = {{"linux", "pending_nonblocking_uring"},
                                                      {"wine-8", "pending_nonblocking_overlapped"},
                                                      {"wine-8", "pending_accept_not_listening"}};
  for (const auto& [profile_name, name] : runs) {
    const auto* profile = model::find_profile(profile_name);
    REQUIRE(profile != nullptr);
    const auto file = fs::path(CLOSESEM_TRACES_DIR) / profile_name / (std::string(name) + ".replay.ops");
    INFO(profile_name << ": " << file.filename().string());
    REQUIRE(fs::exists(file));
    model::Model state(*profile);
    int called = 0;
    for (const auto& op : load(file).ops) {
      if (op.expect.empty()) continue;
      ++called;
      const auto prediction = state.predict(op);
      INFO(ops::print(op) << " observed " << ops::print(op.expect) << ": " << prediction.source);
      const bool known_gap = std::any_of(std::begin(kGaps), std::end(kGaps), [&](const char* gap) {
        return prediction.source.find(gap) != std::string::npos;
      });
      if (!known_gap) CHECK_FALSE(prediction.admissible.empty());
      state.apply(op, op.expect.front());
    }
    CHECK(called >= 20);
  }
  // The rows decide: io_uring ignores O_NONBLOCK (Linux), the blocking mode is irrelevant
  // for overlapped calls (Winsock, Wine alike); AcceptEx on a socket that does not listen
  // fails its submission with WSAEINVAL on Windows (Wine's test_AcceptEx) and waits on
  // Wine 8.0 (a listed deviation), until CancelIoEx or the close.
  const auto* on_linux = model::find_profile("linux");
  const auto* winsock = model::find_profile("winsock");
  const auto* wine = model::find_profile("wine-8");
  const auto blocked = outcome_of("blocked");
  CHECK(last_prediction(*on_linux, "pair tcp4\na nonblocking on\na start uring recv 9 @1\ncollect @1\n").admissible ==
        std::vector<ops::Outcome>{blocked});
  CHECK(last_prediction(*on_linux, "pair tcp4\na nonblocking on\nb send 3\na start uring recv 9 @1\ncollect @1\n")
            .admissible == std::vector<ops::Outcome>{outcome_of("3")});
  for (const auto* profile : {winsock, wine})
    CHECK(last_prediction(*profile, "pair tcp4\na nonblocking on\na start iocp recv 9 @1\ncollect @1\n").admissible ==
          std::vector<ops::Outcome>{blocked});
  const char* accept = "a socket tcp4\na start overlapped accept c @1\n";
  CHECK(last_prediction(*winsock, accept).admissible == std::vector<ops::Outcome>{outcome_of("invalid_argument")});
  const auto submitted = last_prediction(*wine, accept);
  CHECK(submitted.admissible == std::vector<ops::Outcome>{outcome_of("0")});
  CHECK(submitted.deviation.rfind("wine8-acceptex-on-socket-not-listening-pends:", 0) == 0);
  CHECK(last_prediction(*wine, std::string(accept) + "collect @1\n").admissible == std::vector<ops::Outcome>{blocked});
  CHECK(last_prediction(*wine, std::string(accept) + "cancel @1\ncollect @1\n").admissible ==
        std::vector<ops::Outcome>{outcome_of("operation_aborted")});
  CHECK(last_prediction(*wine, std::string(accept) + "a close\ncollect @1\n").admissible ==
        std::vector<ops::Outcome>{outcome_of("operation_aborted")});
}
