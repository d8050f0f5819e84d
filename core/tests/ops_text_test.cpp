// SPDX-License-Identifier: MIT
// The .ops text form: what parses into which op, the canonical print, and located
// error messages for malformed scripts.
#include "closesem_testing/catch.hpp"

#include "closesem/ops.hpp"
#include "closesem/text.hpp"

#include <string>
#include <vector>

using namespace closesem::ops;
using closesem::Errc;

namespace {

Program parse_or_fail(const std::string& text) {
  Program program;
  ParseError error;
  const bool parsed = parse(text, "test.ops", program, error);
  INFO(error.describe());
  REQUIRE(parsed);
  return program;
}

ParseError parse_error(const std::string& text) {
  Program program;
  ParseError error;
  INFO(text);
  REQUIRE_FALSE(parse(text, "bad.ops", program, error));
  return error;
}

Outcome value(std::int64_t v) { return {Outcome::Type::value, v, Errc::ok}; }
Outcome failure(Errc errc) { return {Outcome::Type::failure, 0, errc}; }
const Outcome kOk{Outcome::Type::ok, 0, Errc::ok};

}  // namespace

TEST_CASE("ops text: each op form parses into its fields", "[unit][ops]") {
  const auto program = parse_or_fail(
      "pair tcp6 reversed c d\n"
      "e socket unix\n"
      "e listen\n"
      "f connect e\n"
      "e accept g\n"
      "a send 100 -> 100\n"
      "b recv 1048576\n"
      "a shutdown -7\n"
      "a linger on 3\n"
      "b nonblocking on\n"
      "b wait hup 250\n"
      "b wait writable\n"
      "a dup h -> ok | connection_reset | 0\n"
      "startup\n");
  const auto& ops = program.ops;
  REQUIRE(ops.size() == 14);

  CHECK(ops[0].kind == OpKind::pair);
  CHECK(ops[0].socket_kind == Transport::tcp6);
  CHECK(ops[0].reversed);
  CHECK(ops[0].endpoint == 2);
  CHECK(ops[0].other == 3);
  CHECK(ops[1].kind == OpKind::socket);
  CHECK(ops[1].endpoint == 4);
  CHECK(ops[1].socket_kind == Transport::unix_stream);
  CHECK(ops[3].kind == OpKind::connect);
  CHECK(ops[3].endpoint == 5);
  CHECK(ops[3].other == 4);
  CHECK(ops[4].kind == OpKind::accept);
  CHECK(ops[4].other == 6);
  CHECK(ops[5].count == 100);
  CHECK(ops[5].expect == std::vector<Outcome>{value(100)});
  CHECK(ops[6].count == closesem::ops::kMaxCount);
  CHECK(ops[7].how == -7);
  CHECK(ops[8].on);
  CHECK(ops[8].count == 3);
  CHECK(ops[9].on);
  CHECK(ops[10].wait_kind == WaitKind::hangup);
  CHECK(ops[10].count_given);
  CHECK(ops[10].count == 250);
  CHECK(ops[11].wait_kind == WaitKind::writable);
  CHECK_FALSE(ops[11].count_given);
  // Alternatives are kept in the canonical order, whatever order they were written in.
  CHECK(ops[12].expect == std::vector<Outcome>{kOk, value(0), failure(Errc::connection_reset)});
  CHECK(ops[13].kind == OpKind::startup);

  // Locations point at the op's first token.
  CHECK(ops[0].where.line == 1);
  CHECK(ops[0].where.column == 1);
  CHECK(ops[13].where.line == 14);
}

TEST_CASE("ops text: comments, blank lines, tabs and CR LF are accepted", "[unit][ops]") {
  const auto program = parse_or_fail(
      "# a comment line\r\n"
      "\r\n"
      "   pair tcp4   # trailing comment\r\n"
      "\ta\tsend\t10->10|ok\r\n"
      "b recv 10#comment right after the number\n"
      "   \t  \n"
      "b close");  // no newline at the end
  REQUIRE(program.ops.size() == 4);
  CHECK(program.ops[0].where.line == 3);
  CHECK(program.ops[0].where.column == 4);
  CHECK(program.ops[1].where.column == 2);
  CHECK(program.ops[1].expect == std::vector<Outcome>{kOk, value(10)});
  CHECK(program.ops[2].count == 10);
  CHECK(program.ops[3].kind == OpKind::close);
  CHECK(parse_or_fail("").ops.empty());
  CHECK(parse_or_fail("# only a comment\n\n").ops.empty());
}

TEST_CASE("ops text: printing is canonical and stable", "[unit][ops]") {
  const std::string written =
      "pair   tcp4 a b            # the defaults, written out\n"
      "pair unix reversed\n"
      "pair tcp6 b a\n"
      "a shutdown 1 -> not_socket|0 | ok\n"
      "a shutdown 0\n"
      "a shutdown 2\n"
      "a shutdown 3\n"
      "a shutdown -128\n"
      "a linger on 0\n"
      "a linger off\n"
      "b nonblocking off\n"
      "b wait readable 0\n"
      "b wait readable\n"
      "b pending -> 0\n"
      "b error -> ok\n"
      "cleanup -> not_initialised\n";
  const std::string canonical =
      "pair tcp4\n"
      "pair unix reversed\n"
      "pair tcp6 b a\n"
      "a shutdown send -> ok | 0 | not_socket\n"
      "a shutdown receive\n"
      "a shutdown both\n"
      "a shutdown 3\n"
      "a shutdown -128\n"
      "a linger on 0\n"
      "a linger off\n"
      "b nonblocking off\n"
      "b wait readable 0\n"
      "b wait readable\n"
      "b pending -> 0\n"
      "b error -> ok\n"
      "cleanup -> not_initialised\n";
  const auto program = parse_or_fail(written);
  CHECK(print(program) == canonical);
  CHECK(print(parse_or_fail(canonical)) == canonical);
  CHECK(same_program(parse_or_fail(canonical), program));
}

TEST_CASE("ops text: alternatives print as ok, the value, then errors in Errc order", "[unit][ops]") {
  const std::vector<Outcome> alternatives{failure(Errc::other), failure(Errc::bad_handle), value(7), kOk};
  CHECK(print(alternatives) == "ok | 7 | bad_handle | other");
  CHECK(print(kOk) == "ok");
  CHECK(print(value(0)) == "0");
  CHECK(print(failure(Errc::connection_reset)) == "connection_reset");
  CHECK(print(std::vector<Outcome>{}).empty());

  // Every error name is an outcome.
  std::size_t count = 0;
  const Errc* all = closesem::all_errcs(&count);
  for (std::size_t i = 0; i < count; ++i) {
    if (all[i] == Errc::ok) continue;
    const std::string name(closesem::to_string(all[i]));
    CAPTURE(name);
    const auto program = parse_or_fail("a close -> " + name);
    REQUIRE(program.ops.size() == 1);
    CHECK(program.ops[0].expect == std::vector<Outcome>{failure(all[i])});
  }
}

TEST_CASE("ops text: numbers and directions at the edges of their ranges", "[unit][ops]") {
  CHECK(parse_or_fail("a send 0 -> 0").ops[0].count == 0);
  CHECK(parse_or_fail("a send 007").ops[0].count == 7);
  CHECK(parse_or_fail("a recv 1 -> 1048576").ops[0].expect == std::vector<Outcome>{value(1048576)});
  CHECK(parse_or_fail("a shutdown 127").ops[0].how == 127);
  CHECK(parse_or_fail("a shutdown -128").ops[0].how == -128);
  CHECK(parse_error("a send 1048577").message.find("out of range") != std::string::npos);
  CHECK(parse_error("a send 99999999999999999999999").column == 8);
  CHECK(parse_error("a shutdown 128").column == 12);
  CHECK(parse_error("a shutdown -129").column == 12);
  CHECK(parse_error("a recv 1 -> 1048577").column == 13);
  CHECK(parse_error("a recv 1 -> -1").column == 13);
}

TEST_CASE("ops text: structural equality ignores locations, unused fields and alternative order",
          "[unit][ops]") {
  Op a;
  a.kind = OpKind::close;
  a.endpoint = 3;
  a.expect = {failure(Errc::not_socket), kOk};
  Op b = a;
  b.where = {12, 4};
  b.count = 99;          // close has no count
  b.socket_kind = Transport::tcp6;
  b.expect = {kOk, failure(Errc::not_socket)};
  CHECK(same_op(a, b));
  b.endpoint = 4;
  CHECK_FALSE(same_op(a, b));
  b.endpoint = 3;
  b.expect.push_back(value(1));
  CHECK_FALSE(same_op(a, b));

  CHECK(endpoint_name(0) == "a");
  CHECK(endpoint_name(7) == "h");
  CHECK(endpoint_name(8) == "?");
  CHECK(endpoint_name(-1) == "?");
  CHECK(to_string(OpKind::nonblocking) == "nonblocking");
  CHECK(to_string(Transport::unix_stream) == "unix");
  CHECK(to_string(WaitKind::hangup) == "hup");
}

namespace {

struct BadScript {
  const char* what;
  std::string text;
  int line;
  int column;
  std::string message;  // a part of the message
};

}  // namespace

TEST_CASE("ops text: malformed scripts report line, column, what was found and what was expected",
          "[unit][ops]") {
  const std::vector<BadScript> cases{
      {"unknown op", "pair tcp4\na sned 10\n", 2, 3,
       "unknown op 'sned'; expected one of: socket, listen, connect"},
      {"unknown first word", "sned 10\n", 1, 1, "unknown op 'sned'; expected one of: pair, startup"},
      {"op without endpoint", "send 10\n", 1, 1, "'send' needs an endpoint before it"},
      {"endpoint-less op after an endpoint", "a pair tcp4\n", 1, 3, "'pair' takes no endpoint"},
      {"bad endpoint", "# header\n\nz close\n", 3, 1, "unknown endpoint 'z'; expected a..h"},
      {"bad second endpoint", "a connect k\n", 1, 11, "unknown endpoint 'k'; expected a..h"},
      {"missing op", "a\n", 1, 2, "missing the op after 'a'; expected one of: socket"},
      {"missing argument", "a send\n", 1, 7, "missing the byte count after 'send'; expected a number (0..1048576)"},
      {"missing linger time", "a linger on\n", 1, 12, "missing the linger time in seconds after 'on'"},
      {"missing socket kind", "pair\n", 1, 5, "missing the socket kind after 'pair'; expected tcp4, tcp6 or unix"},
      {"missing second pair endpoint", "pair tcp4 c\n", 1, 12, "missing the second endpoint after 'c'"},
      {"extra token", "a close now\n", 1, 9, "unexpected 'now' after 'close'"},
      {"extra token after a number", "a send 10 20 -> 10\n", 1, 11, "unexpected '20' after '10'"},
      {"bad number", "a recv abc\n", 1, 8, "'abc' is not a number; expected the byte count (0..1048576)"},
      {"bad wait time", "a wait readable 1s\n", 1, 17, "'1s' is not a number; expected the timeout in milliseconds"},
      {"number out of range", "a send 2000000\n", 1, 8, "'2000000' is out of range; expected the byte count (0..1048576)"},
      {"direction out of range", "a shutdown 300\n", 1, 12, "'300' is out of range; expected receive, send, both"},
      {"unknown direction", "a shutdown write\n", 1, 12, "unknown direction 'write'; expected receive, send, both"},
      {"unknown socket kind", "pair tcp\n", 1, 6, "unknown socket kind 'tcp'; expected tcp4, tcp6 or unix"},
      {"unknown wait event", "a wait closed\n", 1, 8, "unknown event 'closed'; expected readable, writable or hup"},
      {"unknown linger mode", "a linger 5\n", 1, 10, "unknown linger mode '5'; expected off, or on"},
      {"bad outcome name", "a recv 1 -> reset\n", 1, 13, "unknown outcome 'reset'; expected ok, a number"},
      {"duplicate alternative", "a recv 1 -> ok | 0 | ok\n", 1, 22, "duplicate alternative 'ok'"},
      {"duplicate error", "a recv 1 -> would_block|would_block\n", 1, 25, "duplicate alternative 'would_block'"},
      {"second number", "a recv 1 -> 0 | 1\n", 1, 17, "a second number '1' among the alternatives"},
      {"same endpoint twice", "a connect a\n", 1, 11, "same endpoint 'a' twice; connect needs two different endpoints"},
      {"same pair endpoint twice", "pair unix reversed d d\n", 1, 22, "same endpoint 'd' twice; pair needs"},
      {"arrow with nothing after it", "a close ->\n", 1, 9, "'->' with nothing after it; expected ok, a number"},
      {"bar with nothing after it", "a close -> ok |\n", 1, 16, "missing an outcome after '|'"},
      {"alternatives without a bar", "a close -> ok not_socket\n", 1, 15, "expected '|' between alternatives"},
      {"two bars", "a close -> ok || not_socket\n", 1, 16, "unexpected '|' after '|'"},
      {"arrow first", "-> ok\n", 1, 1, "'->' before any op"},
      {"binary junk is quoted readably", "a \x01\xff\n", 1, 3, "unknown op '\\x01\\xff'"},
  };
  for (const auto& bad : cases) {
    CAPTURE(bad.what, bad.text);
    const ParseError error = parse_error(bad.text);
    CAPTURE(error.describe());
    CHECK(error.file == "bad.ops");
    CHECK(error.line == bad.line);
    CHECK(error.column == bad.column);
    CHECK(error.message.find(bad.message) != std::string::npos);
  }
}

TEST_CASE("ops text: a program has at most kMaxOps ops", "[unit][ops]") {
  std::string text = "pair tcp4\n";
  for (std::size_t i = 1; i < kMaxOps; ++i) text += "a send 1\n";
  CHECK(parse_or_fail(text).ops.size() == kMaxOps);
  text += "\n# comments and blank lines do not count\n  b close\n";
  const ParseError error = parse_error(text);
  CHECK(error.line == static_cast<int>(kMaxOps) + 3);
  CHECK(error.column == 3);
  CHECK(error.message == "too many ops: a program has at most 256 ops");
}

TEST_CASE("ops text: describe() gives file:line:column: message", "[unit][ops]") {
  const ParseError error = parse_error("pair tcp4\n\n  b recv lots\n");
  CHECK(error.describe() ==
        "bad.ops:3:10: 'lots' is not a number; expected the byte count (0..1048576)");
  // A failed parse leaves the program it was given alone.
  Program program = parse_or_fail("a close");
  ParseError ignored;
  CHECK_FALSE(parse("a clos", "x.ops", program, ignored));
  REQUIRE(program.ops.size() == 1);
  CHECK(program.ops[0].kind == OpKind::close);
}

TEST_CASE("ops text: a UTF-8 byte-order mark is accepted at the very start only", "[unit][ops]") {
  const std::string bom = "\xEF\xBB\xBF";
  // (Windows editors save one; it is not part of the first line.)
  const auto program = parse_or_fail(bom + "pair tcp4\r\na send 1 -> 1\r\n");
  REQUIRE(program.ops.size() == 2);
  CHECK(program.ops[0].kind == OpKind::pair);
  CHECK(program.ops[0].where.line == 1);
  CHECK(program.ops[0].where.column == 1);
  CHECK(print(program) == print(parse_or_fail("pair tcp4\na send 1 -> 1\n")));
  CHECK(parse_or_fail(bom).ops.empty());
  CHECK(parse_or_fail(bom + "# only a comment\n").ops.empty());

  // Columns on the first line count from after the mark.
  ParseError error = parse_error(bom + "a sned 10\n");
  CHECK(error.describe() == "bad.ops:1:3: unknown op 'sned'; expected one of: socket, listen, connect, accept, "
                            "send, recv, shutdown, close, linger, nonblocking, wait, pending, dup, error");
  error = parse_error(bom + "  pair tcp\n");
  CHECK(error.line == 1);
  CHECK(error.column == 8);

  // Anywhere else it is a token like any other: an error, located.
  error = parse_error("pair tcp4\n" + bom + "a close\n");
  CHECK(error.line == 2);
  CHECK(error.column == 1);
  CHECK(error.message.find("unknown op '\\xef\\xbb\\xbfa'") != std::string::npos);
  error = parse_error(bom + bom + "pair tcp4\n");
  CHECK(error.line == 1);
  CHECK(error.column == 1);
  error = parse_error("a close " + bom + "\n");
  CHECK(error.column == 9);
}

TEST_CASE("ops text: `blocked` is an outcome of its own, printed last among the alternatives", "[unit][ops]") {
  const Outcome blocked{Outcome::Type::blocked, 0, Errc::ok};
  const auto program = parse_or_fail("a recv 1 -> blocked\nc accept d -> blocked | timed_out | 0 | ok\n");
  REQUIRE(program.ops.size() == 2);
  REQUIRE(program.ops[0].expect.size() == 1);
  CHECK(program.ops[0].expect[0] == blocked);
  CHECK_FALSE(program.ops[0].expect[0] == kOk);
  CHECK_FALSE(program.ops[0].expect[0] == failure(Errc::timed_out));
  // Neither a success nor a failure.
  CHECK_FALSE(blocked.succeeded());
  CHECK(kOk.succeeded());
  CHECK(value(0).succeeded());
  CHECK_FALSE(failure(Errc::timed_out).succeeded());
  // Canonical order: ok, the value, the errors, then blocked; and back through the parser.
  CHECK(print(program) == "a recv 1 -> blocked\nc accept d -> ok | 0 | timed_out | blocked\n");
  CHECK(same_program(parse_or_fail(print(program)), program));
  // Written twice it is a duplicate, as any other alternative.
  const auto twice = parse_error("a recv 1 -> blocked | blocked\n");
  CHECK(twice.column == 23);
  CHECK(twice.message == "duplicate alternative 'blocked'");
  // And the list of outcomes an error offers names it.
  CHECK(parse_error("a recv 1 -> block\n").message.find("blocked") != std::string::npos);
}
