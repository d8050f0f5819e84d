// SPDX-License-Identifier: MIT
// The runner's own bookkeeping: the payload streams (each socket's send and receive
// offsets, shared by a dup, fresh for a new socket on a reused endpoint name) and the
// `blocked` outcome of a call it gives up on. The streams are checked alone, then on
// real loopback sockets, where every received byte is compared with the pattern.
#include "closesem_testing/catch.hpp"

#include "closesem/model.hpp"
#include "closesem/pattern.hpp"
#include "closesem/runner.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace model = closesem::model;
namespace ops = closesem::ops;
namespace pattern = closesem::pattern;
namespace runner = closesem::runner;

namespace {

ops::Program parse_text(const std::string& text) {
  ops::Program program;
  ops::ParseError error;
  INFO(text);
  REQUIRE(ops::parse(text, "inline", program, error));
  return program;
}

const model::Profile& native_profile() {
  const auto* profile = model::find_profile(model::native_profile_name(closesem::platform::identity()));
  REQUIRE(profile != nullptr);
  return *profile;
}

runner::Trace run(const std::string& text, std::chrono::milliseconds blocked = std::chrono::milliseconds(50)) {
  runner::Options options;
  options.blocked = blocked;
  options.quiet = std::chrono::milliseconds(50);
  return runner::run(parse_text(text), native_profile(), "inline", options);
}

}  // namespace

// A pending send uses the bytes in place (AsyncRequest::bytes) while the run goes on:
// a later, larger send must not move or free them.
TEST_CASE("runner: the bytes to send stay where they are, whatever is sent later", "[unit][runner]") {
  runner::Streams streams;
  const int a = streams.open();
  const auto* first = streams.bytes_to_send(a, 16);
  const std::vector<std::uint8_t> before(first, first + 16);
  const auto* larger = streams.bytes_to_send(a, ops::kMaxCount);  // the largest count an op can have
  CHECK(larger == first);
  CHECK(std::vector<std::uint8_t>(first, first + 16) == before);
  CHECK(pattern::first_mismatch(larger, ops::kMaxCount, 0) == ops::kMaxCount);
}

TEST_CASE("runner: each socket has its own send and receive offsets into the pattern", "[unit][runner]") {
  runner::Streams streams;
  const int a = streams.open();
  const int b = streams.open();
  CHECK(a != b);
  // A send writes the pattern from the socket's send offset, which moves on by what was
  // handed over (not by what was asked).
  CHECK(streams.to_send(a, 4) == std::vector<std::uint8_t>{0, 1, 2, 3});
  streams.sent(a, 3);
  CHECK(streams.send_offset(a) == 3);
  CHECK(streams.to_send(a, 2) == std::vector<std::uint8_t>{3, 4});
  CHECK(streams.send_offset(b) == 0);  // the other socket's offsets are its own
  // Past the modulus the pattern starts again.
  streams.sent(a, 250);
  CHECK(streams.to_send(a, 2) == std::vector<std::uint8_t>{2, 3});

  // Received bytes are checked from the receive offset, in pieces of any size.
  std::vector<std::uint8_t> data(300);
  pattern::fill(data.data(), data.size(), 0);
  CHECK(streams.received(b, data.data(), 5) == "");
  CHECK(streams.received(b, data.data() + 5, 295) == "");
  CHECK(streams.receive_offset(b) == 300);
  CHECK(streams.receive_offset(a) == 0);

  // A byte lost on the way: the next piece starts one byte late, and the note names
  // the stream offset, the byte received and the byte expected.
  const int c = streams.open();
  std::vector<std::uint8_t> lost(10);
  pattern::fill(lost.data(), 4, 0);       // offsets 0..3
  pattern::fill(lost.data() + 4, 6, 5);   // offset 4 lost: 5..10
  CHECK(streams.received(c, lost.data(), 4) == "");
  const auto problem = streams.received(c, lost.data() + 4, 6);
  INFO(problem);
  CHECK(problem.find("received byte 5 at stream offset 4, where the pattern has 4") != std::string::npos);
  CHECK(streams.receive_offset(c) == 10);
  // Found once per stream: every later byte is off too.
  CHECK(streams.received(c, lost.data(), 4) == "");
  // An id that was never opened has nothing to check.
  CHECK(streams.received(99, lost.data(), 4) == "");
}

TEST_CASE("runner: received bytes follow the pattern per socket: dup shares a stream, a new socket starts at 0",
          "[unit][runner]") {
  // Each of these, with offsets kept per endpoint name (or not reset for a new socket),
  // would compare bytes at the wrong offset and report payload failures.
  const char* programs[] = {
      // Reads in pieces, both directions.
      "pair tcp4\na send 300\nb recv 7\nb recv 293\nb send 5\na recv 2\na recv 3\n",
      // A duplicate writes to the same stream as its original, after it.
      "pair tcp4\na dup c\na send 3\nc send 4\nb recv 7\n",
      // The same endpoint names on a second connection: its streams start at 0.
      "pair tcp4\na send 5\nb recv 5\na close\nb close\npair tcp4\na send 5\nb recv 5\n",
      // A connection made by connect and accept.
      "c socket tcp4\nc listen\nd socket tcp4\nd connect c\nc accept e\nd send 9\ne recv 9\ne send 260\nd recv 260\n",
  };
  for (const char* text : programs) {
    const auto trace = run(text);
    INFO(text << trace.report());
    REQUIRE(trace.script_error.empty());
    CHECK(trace.steps.size() == parse_text(text).ops.size());
    CHECK(trace.payload_failures() == 0);
    CHECK(trace.divergences() == 0);
  }
}

TEST_CASE("runner: a call it gives up on is blocked, reported and predicted as such", "[unit][runner]") {
  // A recv with nothing to read and an accept with nothing queued: bounded by
  // Options::blocked, also when that is 0 (only what is there already, as the fuzz
  // targets run on Linux).
  for (const auto bound : {std::chrono::milliseconds(0), std::chrono::milliseconds(50)}) {
    for (const char* text : {"pair tcp4\na recv 1 -> blocked\n", "c socket tcp4\nc listen\nc accept d -> blocked\n"}) {
      const auto start = std::chrono::steady_clock::now();
      const auto trace = run(text, bound);
      const auto took = std::chrono::steady_clock::now() - start;
      INFO(text << "with a bound of " << bound.count() << " ms:\n" << trace.report());
      REQUIRE_FALSE(trace.steps.empty());
      const auto& step = trace.steps.back();
      CHECK(step.observed.type == ops::Outcome::Type::blocked);
      CHECK(step.expectation_held);
      CHECK(step.prediction_held);
      CHECK(step.native_name.empty());
      CHECK(step.note.find("blocked: ") != std::string::npos);
      CHECK(took < std::chrono::seconds(2));  // never the patience, let alone for ever
      // It replays as written.
      CHECK(trace.replay().find("-> blocked") != std::string::npos);
    }
  }
  // With something to read the same recv returns it.
  const auto trace = run("pair tcp4\nb send 2\na recv 1 -> 1\n");
  INFO(trace.report());
  CHECK(trace.failed_expectations() == 0);
  CHECK(trace.divergences() == 0);
}

// --- Issue 17: pending calls and notifications on real sockets --------------------------

namespace {

runner::Trace run_with(const std::string& text, const model::Profile& profile) {
  runner::Options options;
  options.blocked = std::chrono::milliseconds(50);
  options.quiet = std::chrono::milliseconds(50);
  return runner::run(parse_text(text), profile, "inline", options);
}

// Every op held (the model's prediction and the script's ->), the payload followed the
// pattern, nothing leaked.
void check_held(const runner::Trace& trace, const std::string& text) {
  INFO(text << trace.report());
  REQUIRE(trace.script_error.empty());
  CHECK(trace.skipped.empty());
  CHECK(trace.steps.size() == parse_text(text).ops.size());
  CHECK(trace.divergences() == 0);
  CHECK(trace.failed_expectations() == 0);
  CHECK(trace.payload_failures() == 0);
  CHECK(trace.unpredicted() == 0);
  CHECK(trace.leaked.empty());
}

// A start of a mechanism this platform lacks, as predicted: what ran held, the rest of
// the script (one op here) was skipped.
void check_skipped(const runner::Trace& trace, const std::string& text) {
  INFO(text << trace.report());
  REQUIRE(trace.script_error.empty());
  CHECK(trace.skipped.find("is not available on this platform") != std::string::npos);
  CHECK(trace.steps.size() + 1 == parse_text(text).ops.size());
  CHECK(trace.divergences() == 0);
  CHECK(trace.failed_expectations() == 0);
  CHECK(trace.leaked.empty());
}

}  // namespace

TEST_CASE("runner: a thread recv pending completes through the peer's send, close, reset, and a local shutdown or close",
          "[unit][runner]") {
  const auto& profile = native_profile();
  for (const char* text : {
           // The peer's data: blocked until it comes, then its bytes (checked against the pattern).
           "pair tcp4\na start thread recv 9 @1\ncollect @1 50 -> blocked\nb send 5\ncollect @1 -> 5\n",
           "pair tcp4\nb send 3\na start thread recv 9 @1\ncollect @1 -> 3\n",
           // The peer's FIN and reset.
           "pair tcp4\na start thread recv 9 @1\nb close\ncollect @1 -> 0\n",
           "pair tcp4\na start thread recv 9 @1\nb shutdown send\ncollect @1 -> 0\n",
           "pair tcp4\na start thread recv 9 @1\nb linger on 0\nb close\ncollect @1 -> connection_reset\n",
           // The local shutdown and close: per profile (Linux: shutdown wakes it with 0,
           // close does not; Winsock: close fails it; Wine: with its own code).
           "pair tcp4\na start thread recv 9 @1\na shutdown receive\ncollect @1\nb close\n",
           "pair tcp4\na start thread recv 9 @1\na close\ncollect @1\nb poll\n",
           // A pending accept and connect.
           "c socket tcp4\nc listen\nc start thread accept d @1\ne socket tcp4\ne connect c\ncollect @1 -> 0\ne send 4\n"
           "d recv 9 -> 4\n",
           "c socket tcp4\nc listen\ne socket tcp4\ne start thread connect c @2\ncollect @2 -> 0\nc accept d\n"
           "d send 2\ne recv 2 -> 2\n",
           // A small pending send.
           "pair tcp4\na start thread send 300 @3\ncollect @3 -> 300\nb recv 300 -> 300\n",
       }) {
    check_held(run_with(text, profile), text);
  }
}

TEST_CASE("runner: io_uring pending calls on Linux (skipped where the kernel refuses io_uring)", "[unit][runner]") {
  const auto& profile = native_profile();
  if (!profile.traits.mechanism_uring.value) {
    // Where the profile has no io_uring, a start is not_supported, as predicted.
    const std::string text = "pair tcp4\na start uring recv 9 @1 -> not_supported\nb send 1\n";
    check_skipped(run_with(text, profile), text);
    return;
  }
  std::string why_not;
  if (!closesem::platform::AsyncCall::available(closesem::platform::AsyncMechanism::uring, &why_not)) {
    // The runner skips the rest of the script, like a transport the host lacks.
    const auto trace = run_with("pair tcp4\na start uring recv 9 @1\ncollect @1\n", profile);
    INFO(trace.report());
    CHECK(trace.skipped.find("uring is not available here") != std::string::npos);
    CHECK(trace.divergences() == 0);
    WARN("skipped: io_uring is not available on " << closesem::platform::platform_id() << ": " << why_not);
    return;
  }
  for (const char* text : {
           "pair tcp4\na start uring recv 9 @1\ncollect @1 50 -> blocked\nb send 4\ncollect @1 -> 4\n",
           "pair tcp4\na start uring recv 9 @1\nb close\ncollect @1 -> 0\n",
           "pair tcp4\na start uring recv 9 @1\nb linger on 0\nb close\ncollect @1 -> connection_reset\n",
           "pair tcp4\na start uring recv 9 @1\na shutdown receive\ncollect @1 -> 0\n",
           "pair tcp4\na start uring recv 9 @1\ncancel @1 -> 0\ncollect @1 -> operation_aborted\n",
           // The socket stays open under the pending request: the peer sees nothing, then
           // the data completes it, and the close happens (the peer sees the FIN).
           "pair tcp4\na start uring recv 9 @1\na close\nb poll -> {out}\nb send 3\ncollect @1 -> 3\n"
           "b poll -> {in,out,rdhup}\n",
       }) {
    check_held(run_with(text, profile), text);
  }
}

TEST_CASE("runner: overlapped and iocp pending calls on Winsock (not_supported elsewhere, as predicted)",
          "[unit][runner]") {
  const auto& profile = native_profile();
  if (!profile.traits.mechanism_overlapped.value || !profile.traits.mechanism_iocp.value) {
    // (And the rest of a script is skipped, like a transport the host lacks.)
    for (const std::string text : {"pair tcp4\na start overlapped recv 9 @1 -> not_supported\nb send 1\n",
                                   "pair tcp4\na start iocp recv 9 @1 -> not_supported\nb send 1\n"})
      check_skipped(run_with(text, profile), text);
    return;
  }
  for (const std::string mechanism : {"overlapped", "iocp"}) {
    const std::string start = "a start " + mechanism + " recv 9 @1\n";
    for (const std::string& text : {
             "pair tcp4\n" + start + "collect @1 50 -> blocked\nb send 5\ncollect @1 -> 5\n",
             "pair tcp4\n" + start + "b close\ncollect @1 -> 0\n",
             "pair tcp4\n" + start + "cancel @1 -> 0\ncollect @1 -> operation_aborted\n",
             // SD_RECEIVE leaves it pending; data arriving later completes it (wine test_shutdown).
             "pair tcp4\n" + start + "a shutdown receive\ncollect @1 50 -> blocked\nb send 2\ncollect @1 -> 2\n",
             // closesocket completes it (per profile: D5, Windows 1236, Wine 676).
             "pair tcp4\n" + start + "a close\ncollect @1\nb poll\n",
             // A submission that fails at once is the start's outcome.
             "c socket tcp4\nc start " + mechanism + " recv 1 @2 -> not_connected\n",
             "c socket tcp4\nc listen\nc start " + mechanism + " accept d @3\nc close\ncollect @3 -> operation_aborted\n",
             "c socket tcp4\nc listen\nc start " + mechanism + " accept d @3\ne socket tcp4\ne connect c\n"
             "collect @3 -> 0\nd send 3\ne recv 3 -> 3\n",
             "pair tcp4\na start " + mechanism + " send 300 @4\ncollect @4 -> 300\nb recv 300 -> 300\n",
         })
      check_held(run_with(text, profile), text);
  }
}

TEST_CASE("runner: notifications report the model's event sets (poll, select, epoll, WSAEventSelect)",
          "[unit][runner]") {
  const auto& profile = native_profile();
  std::vector<std::string> texts = {
      "pair tcp4\na poll\nb send 1\na poll\na select\nb close\na poll\na select\na recv 9\na poll\n",
      "pair tcp4\nb linger on 0\nb close\na poll\na select\na peername\na sockname\n",
      "c socket tcp4\nc poll\nc select\nc sockname\nc close\nc poll\nc select\n",
      "invalid close\ninvalid send 1\ninvalid poll\ninvalid select\n",
      "pair tcp4\na connect b -> is_connected\nb connect a -> is_connected\n",
      "c socket tcp4\nc listen\nd socket tcp4\nd connect c\nd connect c -> is_connected\nc accept e\n"
      "e peername -> 0\n",
  };
  if (profile.traits.notifier_epoll.value)
    texts.push_back("pair tcp4\na epoll edge -> {out}\na epoll edge -> {}\na epoll level -> {out}\nb send 1\n"
                    "a epoll edge -> {in,out}\na epoll edge -> {}\nb close\na epoll level\na close\na epoll edge -> {}\n");
  if (profile.traits.notifier_event_select.value)
    texts.push_back("pair tcp4\na events\nb send 5\na events -> {read}\na events 20 -> {}\na recv 5 -> 5\nb close\n"
                    "a events\na recv 1 -> 0\n");
  for (const auto& text : texts) check_held(run_with(text, profile), text);
}

TEST_CASE("runner: a pending call nothing completes is reaped at the end, within its bound, and reported",
          "[unit][runner]") {
  const auto start = std::chrono::steady_clock::now();
  const auto trace = run_with("pair tcp4\na start thread recv 9 @1\nc socket tcp4\nc listen\n"
                              "c start thread accept d @2\n",
                              native_profile());
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(trace.report());
  CHECK(trace.divergences() == 0);
  CHECK(trace.leaked.empty());
  REQUIRE(trace.reaped.size() == 2);
  CHECK(trace.reaped[0].find("@1: `a start thread recv 9 @1` reaped at the end") == 0);
  CHECK(trace.reaped[1].find("@2: `c start thread accept d @2` reaped at the end") == 0);
  CHECK(trace.report().find("reaped @1") != std::string::npos);
  CHECK(took < closesem::platform::scaled(std::chrono::seconds(5)));  // never a hang
}

TEST_CASE("runner: a call that completes before the model's cause is a divergence naming its slot and start",
          "[unit][runner]") {
  // A model that is wrong on purpose: it keeps the call pending where this platform
  // completes it (Linux: shutdown(receive) wakes a blocked recv; Winsock: closesocket
  // fails it). The runner's check after each step finds the completion.
  const auto& native = native_profile();
  model::Profile wrong = native;
  const bool linux_like = native[model::Fact::pending_shutdown_receive_thread].outcomes.size() == 1;
  const auto fact = linux_like ? model::Fact::pending_shutdown_receive_thread : model::Fact::pending_close_thread_recv;
  auto& entry = wrong.facts[static_cast<std::size_t>(fact)];
  entry.outcomes.clear();
  entry.keyword = "pending";
  entry.source = "a wrong model";
  const std::string text = std::string("pair tcp4\na start thread recv 9 @1\n") +
                           (linux_like ? "a shutdown receive\n" : "a close\n") +
                           // Steps that take their time (b has nothing to read), so the
                           // worker has returned when the runner looks after them.
                           "b wait readable 200\nb wait readable 200\n";
  const auto as_native = run_with(text, native);
  INFO("native:\n" << as_native.report());
  CHECK(as_native.divergences() == 0);
  const auto trace = run_with(text, wrong);
  INFO("wrong model:\n" << trace.report());
  // (What the wrong model says of the socket afterwards may diverge too.)
  CHECK(trace.divergences() >= 1);
  const auto early = std::find_if(trace.steps.begin(), trace.steps.end(),
                                  [](const runner::Step& step) { return !step.prediction_held; });
  REQUIRE(early != trace.steps.end());
  CHECK(early->note.find("@1's call (`a start thread recv 9 @1`) completed early") != std::string::npos);
  const auto reported = std::count_if(trace.steps.begin(), trace.steps.end(), [](const runner::Step& step) {
    return step.note.find("completed early") != std::string::npos;
  });
  CHECK(reported == 1);  // once
}

TEST_CASE("runner: a trace with pending calls and event sets replays as canonical .ops that parse back",
          "[unit][runner]") {
  const std::string text = "pair tcp4\na start thread recv 9 @2\nb send 3\ncollect @2 100\na poll\n"
                           "c socket tcp4\nc select 10\ninvalid close\n";
  const auto trace = run_with(text, native_profile());
  INFO(trace.report());
  const auto replay = trace.replay();
  INFO(replay);
  const auto program = parse_text(replay);
  REQUIRE(program.ops.size() == trace.steps.size());
  for (std::size_t i = 0; i < program.ops.size(); ++i) {
    auto op = trace.steps[i].op;
    op.expect = {trace.steps[i].observed};
    CHECK(closesem::ops::same_op(op, program.ops[i]));
  }
  CHECK(closesem::ops::print(program) == closesem::ops::print(parse_text(closesem::ops::print(program))));
}

TEST_CASE("runner: a start whose not_supported the model predicted skips the rest of a script, not of a fuzz input",
          "[unit][runner]") {
  // A mechanism this platform lacks (overlapped natively, io_uring on Winsock): the
  // collect after it names a slot that was never started, so a script stops there, as
  // for a transport the host lacks; a fuzz input (skip_invalid) drops that collect and
  // goes on.
  const auto& profile = native_profile();
  const char* missing = profile.traits.mechanism_overlapped.value ? "uring" : "overlapped";
  const std::string text = std::string("pair tcp4\na start ") + missing + " recv 9 @1 -> not_supported\n" +
                           "collect @1 -> 0\nb send 3 -> 3\n";
  runner::Options options;
  options.blocked = std::chrono::milliseconds(50);
  const auto trace = runner::run(parse_text(text), profile, "inline", options);
  INFO(trace.report());
  CHECK(trace.script_error.empty());
  CHECK(trace.steps.size() == 2);
  CHECK(trace.skipped.find(std::string(missing) + " is not available on this platform") != std::string::npos);
  CHECK(trace.divergences() == 0);
  options.skip_invalid = true;
  const auto fuzzed = runner::run(parse_text(text), profile, "inline", options);
  INFO(fuzzed.report());
  CHECK(fuzzed.skipped.empty());
  CHECK(fuzzed.dropped == 1);
  CHECK(fuzzed.steps.size() == 3);
}

TEST_CASE("runner: a thread call that only its own timeout ends gets a short one, and is reaped (the leak policy)",
          "[unit][runner]") {
  // Wine 8.0: a blocking send or recv on a listener waits for its own timeout, and neither
  // closesocket nor CancelSynchronousIo ends it. With the long timeout of a pending call
  // it outlived its reaping (a leak, input after input); now the runner gives it a short
  // one and the model predicts that it ends by it. Elsewhere the call fails at once.
  const auto& profile = native_profile();
  for (const std::string text : {"c socket tcp4\nc listen\nc start thread send 1048576 @1\nc close\ncollect @1\n",
                                 "c socket tcp4\nc listen\nc start thread recv 9 @1\ncancel @1\ncollect @1\n"}) {
    const auto trace = run_with(text, profile);
    check_held(trace, text);
    // (Every call failed: Wine by its own timeout, Linux and Windows at once.)
    INFO(trace.report());
    CHECK(trace.steps.back().observed.type == ops::Outcome::Type::failure);
    if (profile.name == "wine-8") CHECK(trace.steps.back().observed.errc == closesem::Errc::timed_out);
  }
}
