// SPDX-License-Identifier: MIT
// How much of a run the oracle checked (closesem/check_counts.hpp): each kind of step
// classified, the sums per kind, the unpredicted reasons (normalised, cut, capped), the
// file's round trip and what it refuses, and the summary line. Hand-made steps where a
// prediction must be exactly one shape; real traces (loopback sockets) for the rest.
#include "closesem_testing/catch.hpp"
#include "closesem_testing/fixtures.hpp"

#include "closesem/check_counts.hpp"
#include "closesem/model.hpp"
#include "closesem/platform.hpp"
#include "closesem/runner.hpp"
#include "closesem/text.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace model = closesem::model;
namespace ops = closesem::ops;
namespace runner = closesem::runner;
using runner::CheckCounts;
using Type = ops::Outcome::Type;

namespace {

runner::Step step(ops::OpKind kind, std::vector<ops::Outcome> admissible, std::string source = "a fact") {
  runner::Step s;
  s.op.kind = kind;
  s.predicted.admissible = std::move(admissible);
  s.predicted.source = std::move(source);
  return s;
}

ops::Outcome value(std::int64_t v) {
  ops::Outcome o;
  o.type = Type::value;
  o.value = v;
  return o;
}

ops::Outcome of_type(Type type) {
  ops::Outcome o;
  o.type = type;
  return o;
}

ops::Outcome failure(closesem::Errc errc) {
  ops::Outcome o;
  o.type = Type::failure;
  o.errc = errc;
  return o;
}

runner::Trace run_text(const std::string& text) {
  ops::Program program;
  ops::ParseError error;
  INFO(text);
  REQUIRE(ops::parse(text, "inline", program, error));
  const auto* profile = model::find_profile(model::native_profile_name(closesem::platform::identity()));
  REQUIRE(profile != nullptr);
  runner::Options options;
  options.blocked = std::chrono::milliseconds(50);
  options.quiet = std::chrono::milliseconds(50);
  return runner::run(program, *profile, "inline", options);
}

bool same(const CheckCounts::Counts& a, const CheckCounts::Counts& b) {
  return a.run == b.run && a.exact == b.exact && a.set == b.set && a.unpredicted == b.unpredicted;
}

}  // namespace

TEST_CASE("check counts: each kind of step: no outcome, one exact, ok, fails, several", "[unit][check]") {
  runner::Trace trace;
  trace.steps = {
      step(ops::OpKind::recv, {}, "not predicted: a race"),                          // unpredicted
      step(ops::OpKind::send, {value(3)}),                                            // exact: one count
      step(ops::OpKind::recv, {failure(closesem::Errc::connection_reset)}),           // exact: one error
      step(ops::OpKind::recv, {of_type(Type::blocked)}),                              // exact: blocked
      step(ops::OpKind::close, {of_type(Type::ok)}),                                  // set: any success
      step(ops::OpKind::send, {of_type(Type::fails)}),                                // set: any failure
      step(ops::OpKind::recv, {value(1), value(2)}),                                  // set: several
      step(ops::OpKind::recv, {value(0), failure(closesem::Errc::connection_reset)}),  // set: several
  };
  // A step not called (a reused handle value) is counted like any other.
  trace.steps[1].called = false;
  CheckCounts counts;
  counts.add(trace);
  CHECK(counts.inputs == 1);
  CHECK(counts.total.run == 8);
  CHECK(counts.total.unpredicted == 1);
  CHECK(counts.total.exact == 3);
  CHECK(counts.total.set == 4);
  CHECK(counts.total.checked() == 7);
  // Per kind: each kind's own, and the kinds add up to the total.
  REQUIRE(counts.by_kind.size() == 3);
  CHECK(same(counts.by_kind.at("recv"), {5, 2, 2, 1}));
  CHECK(same(counts.by_kind.at("send"), {2, 1, 1, 0}));
  CHECK(same(counts.by_kind.at("close"), {1, 0, 1, 0}));
  CHECK(counts.unpredicted_reasons == std::map<std::string, std::uint64_t>{{"recv: a race", 1}});

  // A second trace adds to the same counts.
  counts.add(trace);
  CHECK(counts.inputs == 2);
  CHECK(same(counts.total, {16, 6, 8, 2}));
  CHECK(same(counts.by_kind.at("recv"), {10, 4, 4, 2}));
  CHECK(counts.unpredicted_reasons.at("recv: a race") == 2);
}

TEST_CASE("check counts: real traces: a zero-byte recv on AF_UNIX is not predicted, a TCP exchange checked",
          "[unit][check][runner]") {
  // TCP: every op of a plain exchange has a prediction.
  const auto tcp = run_text("pair tcp4\na send 3\nb recv 3\nb recv 1\na close\nb recv 1\n");
  INFO(tcp.report());
  REQUIRE(tcp.script_error.empty());
  REQUIRE(tcp.divergences() == 0);
  CheckCounts counts;
  counts.add(tcp);
  CHECK(counts.total.run == 6);
  CHECK(counts.total.unpredicted == 0);
  CHECK(counts.total.checked() == 6);
  // The send and the recvs of what was sent name one count each.
  CHECK(counts.by_kind.at("send").exact == 1);
  CHECK(counts.by_kind.at("recv").run == 3);
  CHECK(counts.summary().rfind("6 ops: ", 0) == 0);
  CHECK(counts.summary().find(" 0 not predicted") != std::string::npos);
  CHECK(counts.summary().find('(') == std::string::npos);

  // AF_UNIX: the model does not say what a zero-byte recv does (Linux waits for the
  // receive timeout), nor, after it, what the socket does: the next recv is not
  // predicted either ("not predicted: " taken off its reason, its digits made N).
  const auto unix_trace = run_text("pair unix\na send 3\nb recv 0\nb recv 3\n");
  INFO(unix_trace.report());
  REQUIRE(unix_trace.script_error.empty());
  if (!unix_trace.skipped.empty()) CLOSESEM_SKIP("no AF_UNIX here: " + unix_trace.skipped);
  REQUIRE(unix_trace.steps.size() == 4);
  CHECK(unix_trace.unpredicted() == 2);
  CheckCounts unix_counts;
  unix_counts.add(unix_trace);
  CHECK(same(unix_counts.total, {4, 1, 1, 2}));  // the send exact, the pair `ok` (a set)
  CHECK(unix_counts.summary() == "4 ops: 1 checked exactly, 1 as a set, 2 not predicted (recv 2)");
  CHECK(unix_counts.unpredicted_reasons ==
        std::map<std::string, std::uint64_t>{
            {"recv: `X recv N` is not modelled, so X is not either", 1},
            {"recv: a zero-byte recv on AF_UNIX waits for the receive timeout (Linux): not modelled", 1}});
  counts.add(unix_trace);
  CHECK(counts.inputs == 2);
  CHECK(counts.total.run == 10);
  CHECK(counts.total.unpredicted == 2);
  CHECK(counts.by_kind.at("recv").unpredicted == 2);
  CHECK(counts.by_kind.at("recv").run == 5);
  CHECK(counts.summary() == "10 ops: " + std::to_string(counts.total.exact) + " checked exactly, " +
                                std::to_string(counts.total.set) + " as a set, 2 not predicted (recv 2)");
}

TEST_CASE("check counts: unpredicted reasons: the prefix goes, digits become N, endpoints X, a long why is cut",
          "[unit][check]") {
  CHECK(CheckCounts::reason_key("collect", "not predicted: @1's call after 10 bytes and 9 more") ==
        "collect: @N's call after N bytes and N more");
  // Only a leading prefix is taken off; a source without it is kept as it is.
  CHECK(CheckCounts::reason_key("start", "the submission is not predicted: x") ==
        "start: the submission is not predicted: x");
  CHECK(CheckCounts::reason_key("poll", "") == "poll: ");
  // Endpoint names in a quoted op and in "so e is not either" become X; a lone "a" of the
  // prose stays.
  CHECK(CheckCounts::reason_key("listen", "not predicted: `e listen` is not modelled, so e is not either") ==
        "listen: `X listen` is not modelled, so X is not either");
  CHECK(CheckCounts::reason_key("recv", "not predicted: `d start uring send 3 @2`: a pending send") ==
        "recv: `X start uring send N @N`: a pending send");
  // Cut at 100 characters (the why), never inside a UTF-8 character.
  const std::string long_why(150, 'x');
  CHECK(CheckCounts::reason_key("recv", "not predicted: " + long_why) == "recv: " + std::string(100, 'x'));
  const std::string accented = std::string(99, 'x') + "\xC3\xA9" + "yz";  // 99 + é + 2
  CHECK(CheckCounts::reason_key("recv", accented) == "recv: " + std::string(99, 'x') + "\xC3\xA9");

  // The same reason with other numbers counts once.
  runner::Trace trace;
  trace.steps = {step(ops::OpKind::collect, {}, "not predicted: @1 raced"),
                 step(ops::OpKind::collect, {}, "not predicted: @3 raced")};
  CheckCounts counts;
  counts.add(trace);
  CHECK(counts.unpredicted_reasons == std::map<std::string, std::uint64_t>{{"collect: @N raced", 2}});
}

TEST_CASE("check counts: at most 200 reasons, the rest count as other", "[unit][check]") {
  runner::Trace trace;
  // 250 reasons that stay distinct after the digits go (letters, not numbers).
  for (int i = 0; i < 250; ++i) {
    const std::string why = "reason " + std::string(1, static_cast<char>('a' + i / 26 % 26)) +
                            std::string(1, static_cast<char>('a' + i % 26));
    trace.steps.push_back(step(ops::OpKind::recv, {}, why));
  }
  CheckCounts counts;
  counts.add(trace);
  CHECK(counts.unpredicted_reasons.size() == CheckCounts::kMaxReasons);
  std::uint64_t sum = 0;
  for (const auto& entry : counts.unpredicted_reasons) sum += entry.second;
  CHECK(sum == 250);
  CHECK(counts.unpredicted_reasons.at("other") == 250 - (CheckCounts::kMaxReasons - 1));
  // A reason already kept still counts under its own name.
  CHECK(counts.unpredicted_reasons.at("recv: reason aa") == 1);
  counts.add(trace);
  CHECK(counts.unpredicted_reasons.size() == CheckCounts::kMaxReasons);
  CHECK(counts.unpredicted_reasons.at("recv: reason aa") == 2);
  CHECK(counts.unpredicted_reasons.at("other") == 2 * (250 - (CheckCounts::kMaxReasons - 1)));

  // Merged counts keep the cap too, and "other" adds to "other".
  CheckCounts merged;
  merged.add(counts);
  merged.add(counts);
  CHECK(merged.unpredicted_reasons.size() == CheckCounts::kMaxReasons);
  CHECK(merged.unpredicted_reasons.at("other") == 4 * (250 - (CheckCounts::kMaxReasons - 1)));
  CHECK(merged.total.unpredicted == 1000);
  // (and the file of them reads back)
  CheckCounts read;
  std::string error;
  CHECK(CheckCounts::from_json(merged.to_json("t"), read, error));
  CHECK(error.empty());
}

TEST_CASE("check counts: add(CheckCounts) sums inputs, totals, kinds and reasons", "[unit][check]") {
  runner::Trace first;
  first.steps = {step(ops::OpKind::recv, {}, "not predicted: r"), step(ops::OpKind::send, {value(1)})};
  runner::Trace second;
  second.steps = {step(ops::OpKind::recv, {}, "not predicted: r"), step(ops::OpKind::close, {of_type(Type::ok)}),
                  step(ops::OpKind::poll, {}, "q 7")};
  CheckCounts a, b, both;
  a.add(first);
  b.add(second);
  b.add(second);
  both.add(first);
  both.add(second);
  both.add(second);
  CheckCounts merged;
  merged.add(a);
  merged.add(b);
  CHECK(merged.inputs == 3);
  CHECK(same(merged.total, both.total));
  CHECK(same(merged.total, {8, 1, 2, 5}));
  REQUIRE(merged.by_kind.size() == both.by_kind.size());
  for (const auto& [kind, counts] : both.by_kind) CHECK(same(merged.by_kind.at(kind), counts));
  CHECK(merged.unpredicted_reasons == both.unpredicted_reasons);
  CHECK(merged.unpredicted_reasons == std::map<std::string, std::uint64_t>{{"poll: q N", 2}, {"recv: r", 3}});
}

TEST_CASE("check counts: the file reads back, a wrong schema or a malformed file is refused naming why",
          "[unit][check]") {
  runner::Trace trace;
  trace.steps = {step(ops::OpKind::recv, {}, "not predicted: a race"), step(ops::OpKind::send, {value(3)}),
                 step(ops::OpKind::close, {of_type(Type::ok)})};
  CheckCounts counts;
  counts.add(trace);
  counts.add(trace);
  const auto text = counts.to_json("fuzz_close_sequences");
  INFO(text);
  CHECK(text.find("\"schema\": \"closesem-check-counts/1\"") != std::string::npos);
  CHECK(text.find("\"target\": \"fuzz_close_sequences\"") != std::string::npos);
  CHECK(text.find("\"ops_run\": 6") != std::string::npos);
  CheckCounts read;
  std::string error;
  REQUIRE(CheckCounts::from_json(text, read, error));
  CHECK(error.empty());
  CHECK(read.inputs == 2);
  CHECK(same(read.total, counts.total));
  REQUIRE(read.by_kind.size() == counts.by_kind.size());
  for (const auto& [kind, c] : counts.by_kind) CHECK(same(read.by_kind.at(kind), c));
  CHECK(read.unpredicted_reasons == counts.unpredicted_reasons);
  CHECK(read.to_json("fuzz_close_sequences") == text);
  // Nothing counted is a file too.
  REQUIRE(CheckCounts::from_json(CheckCounts().to_json("x"), read, error));
  CHECK(read.total.run == 0);
  CHECK(read.summary() == "no ops");

  const auto replace = [&text](const std::string& from, const std::string& to) {
    auto changed = text;
    const auto at = changed.find(from);
    REQUIRE(at != std::string::npos);
    return changed.replace(at, from.size(), to);
  };
  struct Bad {
    std::string text;
    std::string error;
  };
  const std::vector<Bad> bad = {
      {"", "not valid JSON: "},
      {"{\"schema\": ", "not valid JSON: "},
      {"[1, 2]", "expected a JSON object, found array"},
      {replace("closesem-check-counts/1", "closesem-check-counts/2"),
       "schema: expected \"closesem-check-counts/1\", found \"closesem-check-counts/2\""},
      {replace("\"schema\"", "\"scheme\""), "schema: expected \"closesem-check-counts/1\", found none"},
      {replace("\"target\": \"fuzz_close_sequences\"", "\"target\": 3"), "target: expected"},
      {replace("\"ops_set\"", "\"ops_sets\""), "ops_set: missing"},
      {replace("\"inputs\": 2", "\"inputs\": -2"), "inputs: expected a count (an integer >= 0), found -2"},
      {replace("\"inputs\": 2", "\"inputs\": 2.5"), "inputs: expected a count (an integer >= 0), found 2.5"},
      {replace("\"ops_run\": 6", "\"ops_run\": 7"), "ops_exact + ops_set + ops_unpredicted is 2 + 2 + 2 = 6, not ops_run 7"},
      {replace("\"by_kind\": {", "\"by_kind\": {\"aaa\": [], "), "by_kind.aaa: expected an object, found []"},
      {replace("\"unpredicted\": 2", "\"unpredicted\": 3"), "by_kind.recv: exact + set + unpredicted is 0 + 0 + 3 = 3, not by_kind.recv.run 2"},
      {replace("\"close\": {", "\"accept\": {\"exact\": 0, \"run\": 1, \"set\": 1, \"unpredicted\": 0}, \"close\": {"),
       "by_kind: the run counts add up to 7, not ops_run 6"},
      {replace("\"recv: a race\": 2", "\"recv: a race\": 1"), "unpredicted_reasons: the counts add up to 1, not ops_unpredicted 2"},
      {replace("\"recv: a race\": 2", "\"recv: a race\": \"2\""), "unpredicted_reasons.\"recv: a race\": expected a count"},
      {replace("\"unpredicted_reasons\": {", "\"unpredicted_reason\": {"), "unpredicted_reasons: expected an object"},
      {replace("\"ops_run\": 6", "\"ops_run\": 18446744073709551615"), "ops_exact + ops_set + ops_unpredicted is"},
  };
  for (const auto& b : bad) {
    INFO(b.text);
    CheckCounts untouched;
    untouched.inputs = 42;
    std::string why;
    CHECK_FALSE(CheckCounts::from_json(b.text, untouched, why));
    INFO(why);
    CHECK(why.find(b.error) != std::string::npos);
    CHECK(untouched.inputs == 42);
  }
}

TEST_CASE("check counts: the summary line, an empty run says no ops (never a share)", "[unit][check]") {
  CheckCounts counts;
  CHECK(counts.summary() == "no ops");
  counts.inputs = 3;  // inputs without a single op: still no ops
  CHECK(counts.summary() == "no ops");

  runner::Trace trace;
  trace.steps = {step(ops::OpKind::send, {value(1)})};
  counts.add(trace);
  CHECK(counts.summary() == "1 op: 1 checked exactly, 0 as a set, 0 not predicted");

  trace.steps.clear();
  for (int i = 0; i < 8; ++i) trace.steps.push_back(step(ops::OpKind::send, {value(1)}));
  trace.steps.push_back(step(ops::OpKind::close, {of_type(Type::ok)}));
  trace.steps.push_back(step(ops::OpKind::recv, {value(1), value(2)}));
  trace.steps.push_back(step(ops::OpKind::recv, {}, "x"));
  trace.steps.push_back(step(ops::OpKind::poll, {}, "y"));
  trace.steps.push_back(step(ops::OpKind::poll, {}, "y"));
  counts.add(trace);
  // Kinds without an unpredicted step are not named; the others in name order.
  CHECK(counts.summary() == "14 ops: 9 checked exactly, 2 as a set, 3 not predicted (poll 2, recv 1)");
}
