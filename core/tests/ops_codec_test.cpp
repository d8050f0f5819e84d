// SPDX-License-Identifier: MIT
// op-records, the binary form of programs: text -> records -> text round trips (all but
// the expected outcomes, which records do not hold), the record layout, and that every
// byte string decodes to a canonical program that prints as valid text.
#include "closesem_testing/catch.hpp"
#include "closesem_testing/fixtures.hpp"

#include "closesem/codec.hpp"
#include "closesem/ops.hpp"
#include "closesem/text.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace closesem::ops;
using closesem::Errc;
namespace fs = std::filesystem;

namespace {

// Together these use every op kind, every optional part and every outcome form.
const std::vector<std::string> kScripts{
    // graceful shutdown, as in the design
    "pair tcp4\n"
    "a send 100 -> 100\n"
    "a shutdown send -> ok\n"
    "a send 1 -> shut_down | broken_pipe\n"
    "b recv 1000 -> 100\n"
    "b recv 1000 -> 0\n"
    "b linger on 0\n"
    "b close -> ok\n"
    "a recv 1 -> 0 | connection_reset\n",
    // listener, connect, accept, duplicate handles
    "startup\n"
    "c socket tcp6\n"
    "c listen -> ok\n"
    "d socket tcp6\n"
    "d nonblocking on\n"
    "d connect c -> ok | in_progress | would_block\n"
    "c wait readable 5000 -> 1\n"
    "c accept e -> ok\n"
    "e dup h\n"
    "h close\n"
    "e pending -> 0\n"
    "d wait writable\n"
    "d nonblocking off\n"
    "d error -> 0\n"
    "e wait hup 0 -> ok | 1\n"
    "cleanup -> ok | not_initialised\n",
    // every shutdown direction, linger forms, reversed pairs with other ends
    "pair unix reversed g h\n"
    "pair tcp6 reversed\n"
    "pair tcp4 f e\n"
    "g shutdown receive\n"
    "g shutdown both -> invalid_argument\n"
    "g shutdown 3 -> invalid_argument\n"
    "g shutdown -1 -> invalid_argument\n"
    "g shutdown 127\n"
    "g shutdown -128\n"
    "h linger off\n"
    "h linger on 1048576\n"
    "h send 1048576 -> 1048576 | would_block\n"
    "h recv 0 -> 0\n",
    // pending calls in every slot through every mechanism, notifications, names, the
    // invalid handle, `fails` and event sets
    "pair tcp4\n"
    "c socket tcp4\n"
    "c listen\n"
    "a start thread recv 100 @1 -> 0\n"
    "b start overlapped send 65536 @2 -> 0 | not_supported\n"
    "c start uring accept d @3\n"
    "e start iocp connect c @4\n"
    "f start thread send 1048576 @1\n"
    "g start uring recv 0 @4\n"
    "collect @1 -> 5 | connection_reset\n"
    "collect @2 50 -> blocked\n"
    "collect @3 0\n"
    "cancel @4 -> 0\n"
    "cancel @1\n"
    "a poll -> {in,out,rdhup}\n"
    "a poll 0 -> {out}\n"
    "b epoll edge 100 -> {}\n"
    "b epoll level\n"
    "b epoll edge\n"
    "b epoll level 1048576\n"
    "a select -> {in,out} | {in,out,err}\n"
    "a select 3\n"
    "a events -> {read,write,close:connection_reset}\n"
    "a events 9\n"
    "h peername -> 0 | not_connected\n"
    "h sockname -> 0\n"
    "invalid send 1 -> fails\n"
    "invalid recv 7\n"
    "invalid shutdown -3\n"
    "invalid close -> not_socket | bad_handle\n"
    "invalid linger on 2\n"
    "invalid nonblocking on\n"
    "invalid wait hup 4\n"
    "invalid pending\n"
    "invalid error\n"
    "invalid listen\n"
    "invalid poll 0\n"
    "invalid epoll edge 1\n"
    "invalid select\n"
    "invalid events\n"
    "invalid peername\n"
    "invalid sockname\n",
};

// Every error name as an alternative of one op.
std::string all_errors_script() {
  std::string out = "a error -> ok | 1048576";
  std::size_t count = 0;
  const Errc* all = closesem::all_errcs(&count);
  for (std::size_t i = 0; i < count; ++i)
    if (all[i] != Errc::ok) out += " | " + std::string(closesem::to_string(all[i]));
  return out + "\n";
}

Program parse_or_fail(const std::string& text, const std::string& file = "test.ops") {
  Program program;
  ParseError error;
  const bool parsed = parse(text, file, program, error);
  INFO(error.describe());
  REQUIRE(parsed);
  return program;
}

Program decode_bytes(const std::vector<std::uint8_t>& bytes) {
  return closesem::ops::decode(bytes.data(), bytes.size());
}

// text -> records -> text, for a script the parser accepts.
void check_round_trip(const std::string& text, const std::string& file = "test.ops") {
  CAPTURE(file);
  const Program program = parse_or_fail(text, file);
  const auto bytes = encode(program);
  CHECK(bytes.size() == program.ops.size() * kRecordSize);
  const Program decoded = decode_bytes(bytes);
  CHECK(same_program(decoded, strip_expectations(program)));
  CHECK(print(decoded) == print(strip_expectations(program)));
  CHECK(encode(decoded) == bytes);
  CHECK(print(parse_or_fail(print(program))) == print(program));
}

// splitmix64: a fixed, portable sequence for every seed (std:: distributions differ
// between standard libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t state_;
};

// What goes wrong with `bytes`: decode, print, parse the text back, compare, encode
// both and compare the bytes; "" when nothing does.
std::string decoding_problem(const std::vector<std::uint8_t>& bytes) {
  const Program decoded = decode_bytes(bytes);
  if (decoded.ops.size() != bytes.size() / kRecordSize)
    return std::to_string(decoded.ops.size()) + " ops from " + std::to_string(bytes.size()) +
           " bytes";
  const std::string text = print(decoded);
  Program reparsed;
  ParseError error;
  if (!parse(text, "decoded.ops", reparsed, error))
    return "the decoded program prints as text that does not parse: " + error.describe() + "\n" +
           text;
  if (!same_program(reparsed, decoded))
    return "the printed text parses into another program:\n" + text;
  if (print(reparsed) != text) return "printing the parsed text changes it:\n" + text;
  // The parser sets nothing an op does not use, so the encodings agree byte for byte.
  const auto canonical = encode(decoded);
  if (encode(reparsed) != canonical) return "the parsed text encodes to other bytes:\n" + text;
  if (encode(decode_bytes(canonical)) != canonical) return "re-encoding is not stable:\n" + text;
  return {};
}

}  // namespace

TEST_CASE("ops codec: representative scripts round-trip text -> binary -> text", "[unit][ops]") {
  std::set<OpKind> kinds;
  std::set<Outcome::Type> forms;
  std::vector<std::string> scripts = kScripts;
  scripts.push_back(all_errors_script());
  for (const auto& script : scripts) {
    CAPTURE(script);
    check_round_trip(script);
    for (const Op& op : parse_or_fail(script).ops) {
      kinds.insert(op.kind);
      for (const Outcome& outcome : op.expect) forms.insert(outcome.type);
    }
  }
  // The scripts above are meant to cover the whole language.
  CHECK(kinds.size() == static_cast<std::size_t>(kOpKinds));
  CHECK(forms.size() == 6);  // ok, value, failure, blocked, fails, events
}

TEST_CASE("ops codec: every shared scenario round-trips text -> binary -> text", "[unit][ops]") {
  const fs::path folder = CLOSESEM_SCENARIOS_DIR;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) CLOSESEM_SKIP("no scenario folder " + folder.string());
  int files = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".ops") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    check_round_trip(text.str(), entry.path().filename().string());
    ++files;
  }
  INFO(files << " scenario files");
  SUCCEED();
}

TEST_CASE("ops codec: the record layout", "[unit][ops]") {
  // Byte 0 opcode; byte 1 endpoints and flags; byte 2 selector; bytes 3-5 count. The
  // expected outcomes are not written: no byte a socket target would ignore.
  const auto bytes =
      encode(parse_or_fail("pair unix reversed c b\n"
                           "h shutdown -3 -> ok | 70000 | bad_handle | connection_reset\n"
                           "a wait hup 300\n"
                           "d linger on 258\n"
                           "b send 1048576\n"
                           "startup\n"));
  const std::vector<std::uint8_t> expected{
      0,  2 | (1 << 3) | 0x40, 2,    0,    0,    0,     // pair unix reversed c b
      7,  7 | (1 << 3),        0xfd, 0,    0,    0,     // h shutdown -3 (int8)
      11, 0 | (1 << 3),        0x82, 44,   1,    0,     // a wait hup 300 (MS given)
      9,  3 | (1 << 3) | 0x80, 0,    2,    1,    0,     // d linger on 258
      5,  1 | (1 << 3),        0,    0,    0,    0x10,  // b send 1048576 (24-bit LE)
      15, 0 | (1 << 3),        0,    0,    0,    0,     // startup
  };
  CHECK(bytes == expected);
}

TEST_CASE("ops codec: the v3 record layout of pending calls, notifications and the invalid handle",
          "[unit][ops]") {
  // Byte 0 bit 7: the invalid handle. Byte 2: start's mechanism (bits 0-1), call (2-3)
  // and slot (4-5); collect/cancel's slot (4-5); the MS bit 7; epoll's edge bit 0.
  const auto bytes = encode(parse_or_fail("c start iocp accept d @3 -> 0\n"
                                          "b start uring send 65536 @2\n"
                                          "d start overlapped connect c @4\n"
                                          "collect @2 300 -> blocked\n"
                                          "cancel @4\n"
                                          "a poll 1\n"
                                          "a epoll edge\n"
                                          "a epoll level 2\n"
                                          "e select\n"
                                          "e events 0\n"
                                          "f peername\n"
                                          "f sockname\n"
                                          "invalid send 5 -> fails\n"
                                          "invalid epoll edge 1\n"));
  const std::vector<std::uint8_t> expected{
      17,          2 | (3 << 3), 2 | (2 << 2) | (2 << 4), 0,  0, 0,  // c start iocp accept d @3
      17,          1 | (1 << 3), 3 | (1 << 2) | (1 << 4), 0,  0, 1,  // b start uring send 65536 @2
      17,          3 | (2 << 3), 1 | (3 << 2) | (3 << 4), 0,  0, 0,  // d start overlapped connect c @4
      18,          0 | (1 << 3), 0x80 | (1 << 4),         44, 1, 0,  // collect @2 300
      19,          0 | (1 << 3), 3 << 4,                  0,  0, 0,  // cancel @4
      20,          0 | (1 << 3), 0x80,                    1,  0, 0,  // a poll 1
      21,          0 | (1 << 3), 0x01,                    0,  0, 0,  // a epoll edge
      21,          0 | (1 << 3), 0x80,                    2,  0, 0,  // a epoll level 2
      22,          4 | (1 << 3), 0,                       0,  0, 0,  // e select
      23,          4 | (1 << 3), 0x80,                    0,  0, 0,  // e events 0
      24,          5 | (1 << 3), 0,                       0,  0, 0,  // f peername
      25,          5 | (1 << 3), 0,                       0,  0, 0,  // f sockname
      0x80 | 5,    0 | (1 << 3), 0,                       5,  0, 0,  // invalid send 5
      0x80 | 21,   0 | (1 << 3), 0x81,                    1,  0, 0,  // invalid epoll edge 1
  };
  CHECK(bytes == expected);
}

TEST_CASE("ops codec: every v2 opcode reads as it did before v3", "[unit][ops]") {
  // v2 had 17 op kinds and read byte 0 modulo 17; the checked-in .rec seeds use opcodes
  // 0..16 (the corpora test decodes each against its .ops twin). Those opcodes name the
  // same kinds, and bit 7 clear means no invalid handle.
  const std::vector<std::string> v2_kinds{"pair", "socket", "listen", "connect", "accept", "send",
                                          "recv", "shutdown", "close", "linger", "nonblocking", "wait",
                                          "pending", "dup", "error", "startup", "cleanup"};
  for (std::size_t opcode = 0; opcode < v2_kinds.size(); ++opcode) {
    const std::vector<std::uint8_t> record{static_cast<std::uint8_t>(opcode), 3 | (5 << 3), 0, 1, 0, 0};
    const Program program = decode_bytes(record);
    REQUIRE(program.ops.size() == 1);
    CHECK(to_string(program.ops[0].kind) == v2_kinds[opcode]);
    CHECK_FALSE(program.ops[0].invalid_handle);
  }
}

TEST_CASE("ops codec: any length decodes, partial records and records past kMaxOps are dropped",
          "[unit][ops]") {
  CHECK(decode(nullptr, 0).ops.empty());
  const std::vector<std::uint8_t> partial(kRecordSize - 1, 0xff);
  CHECK(decode_bytes(partial).ops.empty());

  std::vector<std::uint8_t> one_and_a_bit(kRecordSize + 5, 0);
  one_and_a_bit[0] = 8;  // close
  const auto program = decode_bytes(one_and_a_bit);
  REQUIRE(program.ops.size() == 1);
  CHECK(print(program) == "a close\n");

  const std::vector<std::uint8_t> many((kMaxOps + 10) * kRecordSize, 0x11);
  CHECK(decode_bytes(many).ops.size() == kMaxOps);
  Program long_program;
  long_program.ops.resize(kMaxOps + 1);
  CHECK(encode(long_program).size() == kMaxOps * kRecordSize);
}

TEST_CASE("ops codec: decoding folds every field into its range and drops unused ones",
          "[unit][ops]") {
  std::vector<std::uint8_t> record(kRecordSize, 0xff);
  SECTION("opcode modulo the op kinds; two equal endpoints become neighbours") {
    record[0] = static_cast<std::uint8_t>(kOpKinds + 3);  // connect
    record[1] = 7 | (7 << 3);                             // h connect h
    CHECK(print(decode_bytes(record)) == "h connect a\n");
  }
  SECTION("counts are clamped; unused fields are reset") {
    record[0] = 5;  // send, count 0xffffff
    CHECK(print(decode_bytes(record)) == "h send 1048576\n");
    record[3] = 5;
    record[4] = record[5] = 0;
    CHECK(print(decode_bytes(record)) == "h send 5\n");
    record[0] = 8;  // close: no count, no selector, no other end
    CHECK(print(decode_bytes(record)) == "h close\n");
  }
  SECTION("selectors: socket kind modulo 3, wait kind modulo 3 with the MS bit, int8 how") {
    record[1] = 0;
    record[0] = 1;
    record[2] = 5;
    CHECK(print(decode_bytes(record)) == "a socket unix\n");
    record[0] = 11;
    record[2] = 0x7f;  // 127 % 3 == 1, no MS
    CHECK(print(decode_bytes(record)) == "a wait writable\n");
    record[2] = 0x80 | 2;
    CHECK(print(decode_bytes(record)) == "a wait hup 1048576\n");
    record[0] = 7;
    record[2] = 0x80;
    CHECK(print(decode_bytes(record)) == "a shutdown -128\n");
    record[0] = 9;
    CHECK(print(decode_bytes(record)) == "a linger off\n");
    record[0] = 16;
    CHECK(print(decode_bytes(record)) == "cleanup\n");
  }
  SECTION("the invalid-handle bit is kept only for ops that allow it") {
    record[1] = 3 | (5 << 3);
    record[2] = 0;
    record[3] = 1;
    record[4] = record[5] = 0;
    record[0] = 0x80 | 8;  // close
    CHECK(print(decode_bytes(record)) == "invalid close\n");
    record[0] = 0x80 | 5;  // send: X is dropped with the invalid handle
    CHECK(print(decode_bytes(record)) == "invalid send 1\n");
    record[0] = 0x80 | 3;  // connect names a second endpoint: the bit is dropped
    CHECK(print(decode_bytes(record)) == "d connect f\n");
    record[0] = 0x80 | 17;  // start
    CHECK(print(decode_bytes(record)) == "d start thread recv 1 @1\n");
    record[0] = 0x80 | 18;  // collect: no handle at all
    CHECK(print(decode_bytes(record)) == "collect @1\n");
    record[0] = 0x80 | 0;  // pair
    CHECK(print(decode_bytes(record)) == "pair tcp4 d f\n");
  }
  SECTION("start: mechanism, call and slot from the selector; Y only for accept and connect") {
    record[0] = 17;
    record[1] = 6 | (6 << 3);  // g ... g
    record[3] = 9;
    record[4] = record[5] = 0;
    record[2] = 0xc0 | 3 | (1 << 2) | (2 << 4);  // bits 6-7 ignored
    CHECK(print(decode_bytes(record)) == "g start uring send 9 @3\n");
    record[2] = 2 | (2 << 2) | (3 << 4);
    CHECK(print(decode_bytes(record)) == "g start iocp accept h @4\n");  // X == Y: the next one
    record[2] = 1 | (3 << 2);
    CHECK(print(decode_bytes(record)) == "g start overlapped connect h @1\n");
  }
  SECTION("collect, cancel and the notifications: slot, the MS bit and epoll's edge") {
    record[1] = 2;
    record[3] = 7;
    record[4] = record[5] = 0;
    record[0] = 18;
    record[2] = 0x80 | (1 << 4) | 0x0f;  // the low bits are not collect's
    CHECK(print(decode_bytes(record)) == "collect @2 7\n");
    record[0] = 19;
    CHECK(print(decode_bytes(record)) == "cancel @2\n");
    record[0] = 20;
    CHECK(print(decode_bytes(record)) == "c poll 7\n");
    record[0] = 21;
    CHECK(print(decode_bytes(record)) == "c epoll edge 7\n");
    record[2] = 0x7e;
    CHECK(print(decode_bytes(record)) == "c epoll level\n");
    record[0] = 22;
    CHECK(print(decode_bytes(record)) == "c select\n");
    record[0] = 23;
    record[2] = 0x80;
    CHECK(print(decode_bytes(record)) == "c events 7\n");
    record[0] = 24;
    CHECK(print(decode_bytes(record)) == "c peername\n");
    record[0] = 25;
    CHECK(print(decode_bytes(record)) == "c sockname\n");
    record[0] = 26;  // modulo kOpKinds (26): pair
    CHECK(print(decode_bytes(record)) == "pair unix c a\n");  // selector 0x80 % 3
  }
}

TEST_CASE("ops codec: random byte strings decode, print, re-parse and re-encode canonically",
          "[unit][ops]") {
  // 4 x 5000 strings of 0..400 bytes. The checks run without Catch2 per string (which
  // would dominate a debug build's time); the first problem fails the test with its text.
  const std::uint64_t seed = GENERATE(1u, 2u, 20240917u, 0xc105e5e3u);
  Random random(seed);
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 5000; ++i) {
    bytes.resize(random.below(401));
    // Mostly uniform bytes; sometimes small ones, so that every op kind and flag shows up.
    const bool small = random.below(2) == 0;
    for (auto& byte : bytes)
      byte = static_cast<std::uint8_t>(small ? random.below(20) : random.below(256));
    const std::string problem = decoding_problem(bytes);
    if (!problem.empty()) FAIL("seed " << seed << ", string " << i << ": " << problem);
  }
}
