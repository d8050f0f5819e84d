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
  CHECK(to_string(OpKind::sockname) == "sockname");
  CHECK(to_string(Mechanism::overlapped) == "overlapped");
  CHECK(to_string(Mechanism::uring) == "uring");
  CHECK(to_string(PendingCall::connect) == "connect");
  CHECK(slot_name(0) == "@1");
  CHECK(slot_name(3) == "@4");
  CHECK(slot_name(4) == "@?");

  // The new fields count where the kind uses them, and only there.
  Op start = parse_or_fail("a start thread recv 10 @1").ops[0];
  Op other = start;
  other.slot = 1;
  CHECK_FALSE(same_op(start, other));
  other = start;
  other.mechanism = Mechanism::uring;
  CHECK_FALSE(same_op(start, other));
  other = start;
  other.call = PendingCall::send;
  CHECK_FALSE(same_op(start, other));
  other = start;
  other.other = 5;  // a recv names no second endpoint
  other.edge = true;
  CHECK(same_op(start, other));
  Op close = parse_or_fail("a close").ops[0];
  Op invalid_close = parse_or_fail("invalid close").ops[0];
  CHECK_FALSE(same_op(close, invalid_close));
  close.slot = 3;  // close has no slot
  CHECK(same_op(close, parse_or_fail("a close").ops[0]));
  Op level = parse_or_fail("a epoll level").ops[0];
  Op edge = parse_or_fail("a epoll edge").ops[0];
  CHECK_FALSE(same_op(level, edge));
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
      // pending calls
      {"unknown mechanism", "a start fiber recv 1 @1\n", 1, 9,
       "unknown mechanism 'fiber'; expected thread, overlapped, iocp or uring"},
      {"unknown call", "a start thread close @1\n", 1, 16, "unknown call 'close'; expected recv, send, accept or connect"},
      {"missing slot", "a start thread recv 10\n", 1, 23, "missing the pending slot after '10'; expected @1..@4"},
      {"slot without @", "a start thread recv 10 1\n", 1, 24, "unexpected '1' after '10'; expected the pending slot @1..@4"},
      {"slot @0", "collect @0\n", 1, 9, "'@0' is out of range; expected a pending slot @1..@4"},
      {"slot @5", "a start thread send 1 @5\n", 1, 23, "'@5' is out of range; expected a pending slot @1..@4"},
      {"slot not a number", "cancel @x\n", 1, 8, "'@x' is not a pending slot; expected @1..@4"},
      {"start accept on itself", "c start uring accept c @1\n", 1, 22, "same endpoint 'c' twice; start accept needs"},
      {"collect with an endpoint", "a collect @1\n", 1, 3, "'collect' takes no endpoint before it (it names a pending slot)"},
      {"collect with a bad MS", "collect @1 5s\n", 1, 12, "'5s' is not a number; expected the timeout in milliseconds"},
      {"cancel takes no MS", "cancel @1 5\n", 1, 11, "unexpected '5' after '@1'"},
      {"unknown epoll mode", "a epoll both\n", 1, 9, "unknown trigger mode 'both'; expected level or edge"},
      {"missing epoll mode", "a epoll\n", 1, 8, "missing the trigger mode after 'epoll'; expected level or edge"},
      // the invalid handle
      {"invalid with a second endpoint", "invalid connect b\n", 1, 1,
       "'invalid' cannot be the handle of 'connect', which names a second endpoint; 'invalid' goes before one of: send"},
      {"invalid dup", "pair tcp4\ninvalid dup c\n", 2, 1, "'invalid' cannot be the handle of 'dup', which names a second"},
      {"invalid start", "invalid start thread recv 1 @1\n", 1, 1, "'invalid' cannot be the handle of 'start'"},
      {"invalid alone", "invalid\n", 1, 8, "missing the op after 'invalid'; expected one of: send, recv"},
      // outcomes
      {"fails misspelt", "invalid send 1 -> fail\n", 1, 19, "unknown outcome 'fail'; did you mean 'fails'"},
      {"failed", "a close -> failed\n", 1, 12, "unknown outcome 'failed'; did you mean 'fails'"},
      {"fails twice", "a close -> fails | fails\n", 1, 20, "duplicate alternative 'fails'"},
      {"unknown event", "a poll -> {in,closed}\n", 1, 11, "unknown event 'closed' in '{in,closed}'; expected {} or {NAME,...}"},
      {"close: without a code", "a events -> {read,close:}\n", 1, 13, "no error code after 'close:'"},
      {"code on another event", "a events -> {read:connection_reset}\n", 1, 13, "only close carries an error code ('read:...')"},
      {"unknown close code", "a events -> {close:boom}\n", 1, 13, "unknown error 'boom' after close:"},
      {"event twice", "a poll -> {in,in}\n", 1, 11, "event 'in' twice"},
      {"event set with a space", "a poll -> {in, out}\n", 1, 11, "the event set '{in,' is not closed with '}'; an event set is written without spaces"},
      {"event set on another op", "a recv 1 -> {in}\n", 1, 13, "an event set '{in}' is not an outcome of 'recv'"},
      {"event set twice", "a poll -> {in} | {in}\n", 1, 18, "duplicate alternative '{in}'"},
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
                            "send, recv, shutdown, close, linger, nonblocking, wait, pending, dup, error, start, "
                            "poll, epoll, select, events, peername, sockname");
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

TEST_CASE("ops text: pending calls, notifications, names and the invalid handle parse into their fields",
          "[unit][ops]") {
  const auto program = parse_or_fail(
      "a start thread recv 100 @1 -> 0\n"
      "b start overlapped send 65536 @2\n"
      "c start uring accept d @3\n"
      "e start iocp connect c @4 -> 0 | not_supported\n"
      "collect @1 -> 5 | connection_reset\n"
      "collect @2 50 -> blocked\n"
      "cancel @3 -> 0\n"
      "a poll -> {in,out,rdhup}\n"
      "a poll 0 -> {out}\n"
      "a epoll edge 100 -> {}\n"
      "a epoll level\n"
      "a select -> {in,out}\n"
      "a events -> {read,write,close:connection_reset}\n"
      "a peername -> 0 | not_connected\n"
      "a sockname -> 0\n"
      "invalid send 1 -> fails\n"
      "invalid close -> not_socket | bad_handle\n");
  const auto& ops = program.ops;
  REQUIRE(ops.size() == 17);

  CHECK(ops[0].kind == OpKind::start);
  CHECK(ops[0].mechanism == Mechanism::thread);
  CHECK(ops[0].call == PendingCall::recv);
  CHECK(ops[0].count == 100);
  CHECK(ops[0].slot == 0);
  CHECK(ops[1].mechanism == Mechanism::overlapped);
  CHECK(ops[1].call == PendingCall::send);
  CHECK(ops[1].endpoint == 1);
  CHECK(ops[1].count == 65536);
  CHECK(ops[1].slot == 1);
  CHECK(ops[2].mechanism == Mechanism::uring);
  CHECK(ops[2].call == PendingCall::accept);
  CHECK(ops[2].endpoint == 2);
  CHECK(ops[2].other == 3);
  CHECK(ops[2].slot == 2);
  CHECK(ops[3].mechanism == Mechanism::iocp);
  CHECK(ops[3].call == PendingCall::connect);
  CHECK(ops[3].other == 2);
  CHECK(ops[3].slot == 3);
  CHECK(ops[3].expect == std::vector<Outcome>{value(0), failure(Errc::not_supported)});

  CHECK(ops[4].kind == OpKind::collect);
  CHECK(ops[4].slot == 0);
  CHECK_FALSE(ops[4].count_given);
  CHECK(ops[5].slot == 1);
  CHECK(ops[5].count_given);
  CHECK(ops[5].count == 50);
  CHECK(ops[6].kind == OpKind::cancel);
  CHECK(ops[6].slot == 2);

  Outcome in_out_rdhup{Outcome::Type::events, 0, Errc::ok};
  in_out_rdhup.set.bits = closesem::events::in | closesem::events::out | closesem::events::rdhup;
  CHECK(ops[7].kind == OpKind::poll);
  CHECK_FALSE(ops[7].count_given);
  CHECK(ops[7].expect == std::vector<Outcome>{in_out_rdhup});
  CHECK(ops[7].expect[0].succeeded());
  CHECK(ops[8].count_given);
  CHECK(ops[8].count == 0);
  CHECK(ops[9].kind == OpKind::epoll);
  CHECK(ops[9].edge);
  CHECK(ops[9].count == 100);
  REQUIRE(ops[9].expect.size() == 1);
  CHECK(ops[9].expect[0].type == Outcome::Type::events);
  CHECK(ops[9].expect[0].set.bits == 0);
  CHECK_FALSE(ops[10].edge);
  CHECK(ops[11].kind == OpKind::select);
  CHECK(ops[12].kind == OpKind::events);
  REQUIRE(ops[12].expect.size() == 1);
  CHECK(ops[12].expect[0].set.close_error == Errc::connection_reset);
  CHECK(ops[13].kind == OpKind::peername);
  CHECK(ops[14].kind == OpKind::sockname);

  CHECK(ops[15].kind == OpKind::send);
  CHECK(ops[15].invalid_handle);
  CHECK(ops[15].endpoint == 0);
  REQUIRE(ops[15].expect.size() == 1);
  CHECK(ops[15].expect[0].type == Outcome::Type::fails);
  CHECK(ops[15].expect[0].failed());
  CHECK_FALSE(ops[15].expect[0].succeeded());
  CHECK(ops[16].kind == OpKind::close);
  CHECK(ops[16].invalid_handle);
}

TEST_CASE("ops text: the new ops print canonically and parse back", "[unit][ops]") {
  const std::string written =
      "a start thread recv 100 @1   ->   0\n"
      "b start overlapped send 65536 @2\n"
      "c start uring accept d @3\n"
      "e  start iocp connect c @4 -> not_supported|0\n"
      "collect @1 -> connection_reset | blocked | 5 | fails | ok\n"
      "collect @2 50\n"
      "cancel @3\n"
      "a poll -> {in,out} | {} | {out} | not_socket | {in}\n"
      "a poll 0\n"
      "a epoll edge 100 -> {}\n"
      "a epoll level\n"
      "a select 7\n"
      "a events -> {close:connection_reset,read} | {read,close} | {read,close:connection_aborted}\n"
      "a peername -> not_connected | 0\n"
      "a sockname\n"
      "invalid send 1 -> fails\n"
      "invalid close -> not_socket | bad_handle\n"
      "invalid wait readable 0\n"
      "invalid linger on 3\n";
  const std::string canonical =
      "a start thread recv 100 @1 -> 0\n"
      "b start overlapped send 65536 @2\n"
      "c start uring accept d @3\n"
      "e start iocp connect c @4 -> 0 | not_supported\n"
      "collect @1 -> ok | 5 | connection_reset | fails | blocked\n"
      "collect @2 50\n"
      "cancel @3\n"
      "a poll -> {} | {in} | {out} | {in,out} | not_socket\n"
      "a poll 0\n"
      "a epoll edge 100 -> {}\n"
      "a epoll level\n"
      "a select 7\n"
      "a events -> {read,close} | {read,close:connection_reset} | {read,close:connection_aborted}\n"
      "a peername -> 0 | not_connected\n"
      "a sockname\n"
      "invalid send 1 -> fails\n"
      "invalid close -> bad_handle | not_socket\n"
      "invalid wait readable 0\n"
      "invalid linger on 3\n";
  const auto program = parse_or_fail(written);
  CHECK(print(program) == canonical);
  CHECK(print(parse_or_fail(canonical)) == canonical);
  CHECK(same_program(parse_or_fail(canonical), program));
  // An event set is a success whose value is the set; `fails` is a failure with any error.
  const Outcome fails{Outcome::Type::fails, 0, Errc::ok};
  CHECK(print(fails) == "fails");
  CHECK_FALSE(fails == failure(Errc::other));
}

TEST_CASE("ops text: the invalid handle goes only with ops on one handle", "[unit][ops]") {
  for (int i = 0; i < kOpKinds; ++i) {
    const auto kind = static_cast<OpKind>(i);
    CAPTURE(to_string(kind));
    const bool allowed = kind == OpKind::send || kind == OpKind::recv || kind == OpKind::shutdown ||
                         kind == OpKind::close || kind == OpKind::linger || kind == OpKind::nonblocking ||
                         kind == OpKind::wait || kind == OpKind::pending || kind == OpKind::error ||
                         kind == OpKind::listen || kind == OpKind::poll || kind == OpKind::epoll ||
                         kind == OpKind::select || kind == OpKind::events || kind == OpKind::peername ||
                         kind == OpKind::sockname;
    CHECK(allows_invalid_handle(kind) == allowed);
    if (allowed) continue;
    // Whatever follows, `invalid` before such an op is refused at `invalid`.
    const ParseError error = parse_error("invalid " + std::string(to_string(kind)) + " b\n");
    CHECK(error.column == 1);
    CHECK(error.message.find("'invalid' cannot be the handle of '" + std::string(to_string(kind)) + "'") !=
          std::string::npos);
  }
}
