// SPDX-License-Identifier: MIT
// The fuzz targets' inputs: ProgramBuilder makes what the parser makes; the structured
// formats (linger-choices, handle-choices) decode to programs that encode back; the
// libFuzzer dictionaries agree with the codec and the printer; and every binary seed and
// regression in corpora/ has a readable .ops twin that is its decoding.
#include "closesem_testing/catch.hpp"

#include "closesem/codec.hpp"
#include "closesem/errc.hpp"
#include "closesem/fuzz_inputs.hpp"
#include "closesem/program_builder.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace closesem::ops;
namespace fs = std::filesystem;

namespace {

Program parse_or_fail(const std::string& text, const std::string& file = "test.ops") {
  Program program;
  ParseError error;
  const bool parsed = parse(text, file, program, error);
  INFO(error.describe());
  REQUIRE(parsed);
  return program;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

// One libFuzzer dictionary entry: name="bytes" with \xNN, \\ and \" escapes.
struct DictEntry {
  std::string name;
  std::string bytes;
  int line = 0;
};

std::vector<DictEntry> read_dict(const fs::path& path) {
  std::vector<DictEntry> entries;
  std::istringstream in(read_all(path));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const auto open = line.find('"');
    INFO(path.string() << ":" << number << ": " << line);
    REQUIRE(open != std::string::npos);
    REQUIRE(line.size() >= open + 2);
    REQUIRE(line.back() == '"');
    DictEntry entry{line.substr(0, open == 0 ? 0 : open - 1), "", number};
    for (std::size_t i = open + 1; i + 1 < line.size(); ++i) {
      if (line[i] != '\\') {
        entry.bytes += line[i];
      } else if (line[i + 1] == 'x') {
        REQUIRE(i + 3 < line.size());
        entry.bytes += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
        i += 3;
      } else {
        entry.bytes += line[++i];
      }
    }
    entries.push_back(entry);
  }
  return entries;
}

}  // namespace

TEST_CASE("ProgramBuilder: each op is what the parser makes of its text", "[unit][ops]") {
  ProgramBuilder b;
  b.pair(Transport::unix_stream, 6, 7, true)
      .pair(Transport::tcp4)
      .socket(2, Transport::tcp6)
      .listen(2)
      .connect(3, 2)
      .accept(2, 4)
      .send(0, 100)
      .recv(1, 65536)
      .shutdown(0, How::receive)
      .shutdown(0, How::send)
      .shutdown(0, How::both)
      .close(4)
      .linger_off(1)
      .linger_on(1, 0)
      .nonblocking(1, true)
      .nonblocking(1, false)
      .wait(0, WaitKind::readable)
      .wait(0, WaitKind::hangup, 0)
      .pending(1)
      .dup(1, 5)
      .error(5)
      .startup()
      .cleanup()
      .start_recv(0, Mechanism::thread, 100, 0)
      .start_send(1, Mechanism::overlapped, 65536, 1)
      .start_accept(2, Mechanism::uring, 3, 2)
      .start_connect(4, Mechanism::iocp, 2, 3)
      .collect(0)
      .collect(1, 50)
      .cancel(2)
      .poll(0)
      .poll(0, 0)
      .epoll(0, true)
      .epoll(0, false, 100)
      .select(1)
      .select(1, 5)
      .events(1)
      .events(1, 0)
      .peername(0)
      .sockname(0)
      .send(kInvalidHandle, 1)
      .close(kInvalidHandle)
      .poll(kInvalidHandle, 0)
      .linger_on(kInvalidHandle, 3);
  const Program expected = parse_or_fail(
      "pair unix reversed g h\npair tcp4\nc socket tcp6\nc listen\nd connect c\nc accept e\na send 100\n"
      "b recv 65536\na shutdown receive\na shutdown send\na shutdown both\ne close\nb linger off\n"
      "b linger on 0\nb nonblocking on\nb nonblocking off\na wait readable\na wait hup 0\nb pending\n"
      "b dup f\nf error\nstartup\ncleanup\n"
      "a start thread recv 100 @1\nb start overlapped send 65536 @2\nc start uring accept d @3\n"
      "e start iocp connect c @4\ncollect @1\ncollect @2 50\ncancel @3\na poll\na poll 0\na epoll edge\n"
      "a epoll level 100\nb select\nb select 5\nb events\nb events 0\na peername\na sockname\n"
      "invalid send 1\ninvalid close\ninvalid poll 0\ninvalid linger on 3\n");
  CHECK(print(b.program()) == print(expected));
  CHECK(same_program(b.program(), expected));
  std::set<OpKind> kinds;
  for (const auto& op : b.program().ops) kinds.insert(op.kind);
  CHECK(kinds.size() == static_cast<std::size_t>(kOpKinds));
}

TEST_CASE("ProgramBuilder: what no text could write is refused", "[unit][ops]") {
  ProgramBuilder b;
  CHECK_THROWS_AS(b.close(8), std::invalid_argument);
  CHECK_THROWS_AS(b.dup(2, 2), std::invalid_argument);
  CHECK_THROWS_AS(b.pair(Transport::tcp4, 0, -1), std::invalid_argument);
  CHECK_THROWS_AS(b.send(0, kMaxCount + 1), std::invalid_argument);
  CHECK_THROWS_AS(b.start_recv(0, Mechanism::thread, 1, 4), std::invalid_argument);   // slots 0..3
  CHECK_THROWS_AS(b.collect(-1), std::invalid_argument);
  CHECK_THROWS_AS(b.cancel(4), std::invalid_argument);
  CHECK_THROWS_AS(b.start_accept(2, Mechanism::uring, 2, 0), std::invalid_argument);
  CHECK_THROWS_AS(b.start_connect(1, Mechanism::thread, 9, 0), std::invalid_argument);
  CHECK_THROWS_AS(b.start_send(0, Mechanism::thread, kMaxCount + 1, 0), std::invalid_argument);
  CHECK_THROWS_AS(b.collect(0, kMaxCount + 1), std::invalid_argument);
  // The invalid handle only where the text allows `invalid`.
  CHECK_THROWS_AS(b.connect(kInvalidHandle, 1), std::invalid_argument);
  CHECK_THROWS_AS(b.dup(kInvalidHandle, 1), std::invalid_argument);
  CHECK_THROWS_AS(b.socket(kInvalidHandle, Transport::tcp4), std::invalid_argument);
  CHECK_THROWS_AS(b.start_recv(kInvalidHandle, Mechanism::thread, 1, 0), std::invalid_argument);
  CHECK(b.program().ops.empty());
}

TEST_CASE("input formats: each has its own suffix, found by name and by file name", "[unit][ops]") {
  std::set<std::string> suffixes;
  for (const auto& format : input_formats()) {
    CHECK(suffixes.insert(format.suffix).second);
    CHECK(find_input_format(format.name) == &format);
    CHECK(input_format_of(std::string("corpora/x/seeds/name") + format.suffix) == &format);
    CHECK(&info(format.format) == &format);
  }
  CHECK(suffixes.count(".ops") == 0);
  CHECK(input_format_of("x.ops") == nullptr);
  CHECK(input_format_of("x.bin") == nullptr);
  CHECK(find_input_format("records") == nullptr);
}

TEST_CASE("linger-choices: every scenario encodes to bytes that make it again", "[unit][ops]") {
  // Every combination of the first eight choices (and an unread size): the generator and
  // the encoder's search agree on all of them.
  int scenarios = 0;
  for (unsigned code = 0; code < 3 * 2 * 3 * 2 * 5 * 6 * 3 * 2; ++code) {
    unsigned rest = code;
    auto next = [&rest](unsigned n) {
      const auto value = rest % n;
      rest /= n;
      return static_cast<std::uint8_t>(value);
    };
    std::vector<std::uint8_t> bytes{next(3), next(2), next(3), next(2), next(5)};
    const auto unread = next(6);  // 0..4: that size is left unread; 5: nothing
    if (unread < 5) {
      bytes.push_back(0);
      bytes.push_back(unread);
    } else {
      bytes.push_back(1);
    }
    bytes.push_back(next(3));
    bytes.push_back(next(2) == 0 ? 0 : 1);
    if (code % 97 != 0) continue;  // a spread sample: the search is slow in a debug build
    ++scenarios;
    const Program program = decode_input(InputFormat::linger_choices, bytes.data(), bytes.size());
    std::vector<std::uint8_t> again;
    std::string why;
    INFO(print(program));
    REQUIRE(encode_input(InputFormat::linger_choices, program, again, why));
    CHECK(same_program(decode_input(InputFormat::linger_choices, again.data(), again.size()), program));
  }
  CHECK(scenarios > 50);
  std::vector<std::uint8_t> bytes;
  std::string why;
  CHECK_FALSE(encode_input(InputFormat::linger_choices, parse_or_fail("pair tcp4\na close\n"), bytes, why));
  CHECK(why.find("not one of fuzz_linger's scenarios") != std::string::npos);
}

TEST_CASE("linger-choices: the scenario the bytes choose", "[unit][ops]") {
  // tcp6, reversed, linger {1,0}, non-blocking, 100 bytes sent, 1 byte left unread, the
  // peer reads half first, a half-close.
  const std::vector<std::uint8_t> bytes{1, 1, 1, 1, 2, 0, 1, 1, 0};
  const auto scenario = linger_case(bytes.data(), bytes.size());
  CHECK(describe(scenario) == "linger {1,0}, non-blocking, 100 bytes sent, 1 unread at the closing end");
  CHECK(print(linger_program(scenario)) ==
        "pair tcp6 reversed\na nonblocking on\na linger on 0\nb send 1\na wait readable\na send 100\n"
        "b recv 50\na shutdown send\na close\nb recv 65536\nb recv 65536\nb recv 65536\nb error\n");
}

TEST_CASE("handle-choices: programs decode and encode back, and other ops are refused", "[unit][ops]") {
  std::uint64_t state = 7;
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(i % 170));
    for (auto& byte : bytes) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      byte = static_cast<std::uint8_t>(state >> 56);
    }
    const Program program = decode_input(InputFormat::handle_choices, bytes.data(), bytes.size());
    std::vector<std::uint8_t> again;
    std::string why;
    INFO(print(program));
    REQUIRE(encode_input(InputFormat::handle_choices, program, again, why));
    REQUIRE(same_program(decode_input(InputFormat::handle_choices, again.data(), again.size()), program));
  }
  const std::vector<std::uint8_t> bytes{2, 3, 1, 0, 2, 0, 5, 6, 0, 0, 6, 0};
  CHECK(print(decode_input(InputFormat::handle_choices, bytes.data(), bytes.size())) ==
        "pair tcp4 c g\nc linger on 0\ncleanup\n");
  std::vector<std::uint8_t> out;
  std::string why;
  CHECK_FALSE(encode_input(InputFormat::handle_choices, parse_or_fail("pair tcp4\na send 2\n"), out, why));
  CHECK(why.find("op 2 is not one fuzz_handles makes") != std::string::npos);
}

TEST_CASE("fuzz dictionaries: every op-records entry is one canonical record of the op its name spells",
          "[unit][ops]") {
  const fs::path dict = fs::path(CLOSESEM_FUZZ_DIR) / "fuzz_close_sequences.dict";
  std::set<OpKind> kinds;
  for (const auto& entry : read_dict(dict)) {
    INFO(dict.string() << ":" << entry.line << ": " << entry.name);
    REQUIRE(entry.bytes.size() == kRecordSize);
    const auto bytes = bytes_of(entry.bytes);
    const Program program = decode(bytes.data(), bytes.size());
    REQUIRE(program.ops.size() == 1);
    CHECK(encode(program) == bytes);  // canonical: no bit the decoder ignores
    // The name spells the op: `c_shutdown__1` is `c shutdown -1`, `collect_at1` is `collect @1`.
    std::string spelled;
    for (std::size_t i = 0; i < entry.name.size(); ++i) {
      if (entry.name.compare(i, 2, "__") == 0) {
        spelled += " -";
        ++i;
      } else if (entry.name.compare(i, 3, "_at") == 0 && i + 3 < entry.name.size() && entry.name[i + 3] >= '0' &&
                 entry.name[i + 3] <= '9') {
        spelled += " @";
        i += 2;
      } else {
        spelled += entry.name[i] == '_' ? ' ' : entry.name[i];
      }
    }
    CHECK(print(program) == spelled + "\n");
    kinds.insert(program.ops[0].kind);
  }
  CHECK(kinds.size() == static_cast<std::size_t>(kOpKinds));
}

TEST_CASE("fuzz dictionaries: every .ops token is a word the printer writes, every op kind has one",
          "[unit][ops]") {
  // The printer's vocabulary: every op with every selector and flag, and every outcome.
  std::string printed = print(parse_or_fail(
      "pair tcp4 reversed\npair tcp6\npair unix\nc socket tcp4\nc listen\nd connect c\nc accept e\na send 1\n"
      "a recv 1\na shutdown receive\na shutdown send\na shutdown both\na close\na linger off\na linger on 1\n"
      "a nonblocking on\na nonblocking off\na wait readable\na wait writable\na wait hup\na pending\n"
      "a dup b\na error -> ok | 1 | blocked | fails\nstartup\ncleanup\n"
      "a start thread recv 1 @1\na start overlapped send 1 @2\na start iocp accept b @3\n"
      "a start uring connect b @4\ncollect @1\ncancel @2\ncollect @3\ncollect @4\ninvalid peername\n"
      "a sockname\na epoll level\na epoll edge\na select\n"
      "a events -> {read,close} | {write} | {read,write} | {close:connection_reset} | {close:connection_aborted}\n"
      "a poll -> {} | {in} | {out} | {nval} | {in,out} | {in,out,rdhup} | {in,hup,err} | {in,out,hup,rdhup}\n"));
  std::size_t count = 0;
  const closesem::Errc* all = closesem::all_errcs(&count);
  for (std::size_t i = 0; i < count; ++i) printed += " " + std::string(closesem::to_string(all[i]));
  std::set<std::string> words{"#", "\n"};  // a comment, the end of a line
  std::istringstream in(printed);
  for (std::string word; in >> word;) words.insert(word);

  const fs::path dict = fs::path(CLOSESEM_FUZZ_DIR) / "fuzz_ops_text.dict";
  std::set<std::string> tokens;
  for (const auto& entry : read_dict(dict)) {
    INFO(dict.string() << ":" << entry.line << ": \"" << entry.bytes << "\"");
    CHECK(words.count(entry.bytes) == 1);
    tokens.insert(entry.bytes);
  }
  for (int kind = 0; kind < kOpKinds; ++kind) {
    const std::string keyword(to_string(static_cast<OpKind>(kind)));
    INFO("op kind " << keyword);
    CHECK(tokens.count(keyword) == 1);
  }
}

TEST_CASE("corpora: every binary seed and regression has an .ops twin that is its decoding", "[unit][ops]") {
  // A socket target's folder holds inputs of its format (by suffix) and their .ops twins,
  // nothing else: a twin without its input, an input without its twin, a file of another
  // encoding (an old .bin) or a twin that decodes differently fails.
  const fs::path corpora = CLOSESEM_CORPORA_DIR;
  int inputs = 0;
  for (const auto& format : input_formats()) {
    for (const char* kind : {"seeds", "regressions"}) {
      const fs::path folder = corpora / format.target / kind;
      std::error_code ec;
      if (!fs::is_directory(folder, ec)) continue;
      for (const auto& entry : fs::directory_iterator(folder)) {
        const fs::path path = entry.path();
        INFO(path.string());
        const bool twin = path.extension() == ".ops";
        const bool input = input_format_of(path.filename().string()) == &format;
        CHECK((twin || input));  // a file of another encoding
        if (twin) {
          fs::path partner = path;
          CHECK(fs::exists(partner.replace_extension(format.suffix)));  // a twin without its input
          continue;
        }
        if (!input) continue;
        ++inputs;
        fs::path twin_path = path;
        twin_path.replace_extension(".ops");
        REQUIRE(fs::exists(twin_path));  // `closesem_tool ops decode FILE -o TWIN` writes it
        const auto bytes = bytes_of(read_all(path));
        const Program decoded = decode_input(format.format, bytes.data(), bytes.size());
        const Program written = strip_expectations(parse_or_fail(read_all(twin_path), twin_path.string()));
        INFO("decodes to:\n" << print(decoded) << "the twin says:\n" << print(written));
        CHECK(same_program(decoded, written));
      }
    }
  }
  CHECK(inputs > 0);
}
