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
