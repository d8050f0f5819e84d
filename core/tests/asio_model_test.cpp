// SPDX-License-Identifier: MIT
// The asio model's pure parts: its program text (parse, print, bytes made into a
// program, fuzz_asio_close's corpus) and its checker on hand-built histories: which
// outcome each handler may complete with after close, cancel, shutdown and the peer's
// writes, per profile. No asio and no sockets here: the histories are the events the
// asio runner would report.
#include "closesem_testing/catch.hpp"

#include "closesem/asio_model.hpp"
#include "closesem/asio_program.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace am = closesem::asio_model;
namespace ap = closesem::asio_program;
using closesem::Errc;

namespace {

ap::Program parse_or_fail(const std::string& text) {
  ap::Program program;
  std::string error;
  const bool parsed = ap::parse(text, program, error);
  INFO(error);
  REQUIRE(parsed);
  return program;
}

std::string parse_error(const std::string& text) {
  ap::Program program;
  std::string error;
  INFO(text);
  REQUIRE_FALSE(ap::parse(text, program, error));
  return error;
}

bool same(const ap::Program& x, const ap::Program& y) {
  if (x.threads != y.threads || x.steps.size() != y.steps.size()) return false;
  for (std::size_t i = 0; i < x.steps.size(); ++i) {
    const auto &s = x.steps[i], &t = y.steps[i];
    if (s.kind != t.kind || s.size != t.size || s.what != t.what || s.text != t.text) return false;
    // The end only for steps at an end (bytes may give a global step one, the text not).
    if (s.kind < ap::StepKind::run && s.end != t.end) return false;
  }
  return true;
}

// How a handler ran: `errc` with `bytes` (a read's data, if any, in `data`).
am::Completion ran(Errc errc, std::size_t bytes = 0, const char* data = nullptr) {
  am::Completion c;
  c.runs = 1;
  c.errc = errc;
  c.bytes = bytes;
  c.described = errc == Errc::ok ? "success" : std::string(closesem::to_string(errc));
  c.data = data;
  return c;
}

std::string signature_of(const std::optional<am::Finding>& finding) { return finding ? finding->signature : "none"; }

constexpr int a = 0, b = 1;

}  // namespace

// ---------------------------------------------------------------------------
// The program text

TEST_CASE("asio program: every step form parses into its fields and prints back", "[unit][asio]") {
  const std::string canonical =
      "threads 2\n"
      "a read 16\n"
      "b write 1048576\n"
      "a wait read\n"
      "b wait write\n"
      "a wait error\n"
      "a close\n"
      "b cancel\n"
      "a destroy\n"
      "b release\n"
      "a shutdown receive\n"
      "b shutdown send\n"
      "a shutdown both\n"
      "b linger on\n"
      "a linger off\n"
      "run\n"
      "run_one\n"
      "stop\n"
      "restart\n"
      "accept\n"
      "connect\n"
      "listener close\n"
      "listener cancel\n";
  const auto program = parse_or_fail(canonical);
  CHECK(program.threads == 2);
  REQUIRE(program.steps.size() == 22);
  const auto& s = program.steps;
  CHECK((s[0].kind == ap::StepKind::read && s[0].end == a && s[0].size == 16));
  CHECK((s[1].kind == ap::StepKind::write && s[1].end == b && s[1].size == (1u << 20)));
  CHECK((s[2].kind == ap::StepKind::wait && s[2].what == 0));
  CHECK((s[3].kind == ap::StepKind::wait && s[3].what == 1));
  CHECK((s[4].kind == ap::StepKind::wait && s[4].what == 2));
  CHECK(s[5].kind == ap::StepKind::close);
  CHECK((s[6].kind == ap::StepKind::cancel && s[6].end == b));
  CHECK(s[7].kind == ap::StepKind::destroy);
  CHECK(s[8].kind == ap::StepKind::release);
  CHECK((s[9].kind == ap::StepKind::shutdown && s[9].what == 0));
  CHECK((s[10].kind == ap::StepKind::shutdown && s[10].what == 1));
  CHECK((s[11].kind == ap::StepKind::shutdown && s[11].what == 2));
  CHECK((s[12].kind == ap::StepKind::linger && s[12].what == 1));
  CHECK((s[13].kind == ap::StepKind::linger && s[13].what == 0));
  CHECK(s[14].kind == ap::StepKind::run);
  CHECK(s[15].kind == ap::StepKind::run_one);
  CHECK(s[16].kind == ap::StepKind::stop);
  CHECK(s[17].kind == ap::StepKind::restart);
  CHECK(s[18].kind == ap::StepKind::accept);
  CHECK(s[19].kind == ap::StepKind::connect);
  CHECK(s[20].kind == ap::StepKind::listener_close);
  CHECK(s[21].kind == ap::StepKind::listener_cancel);
  CHECK(ap::print(program) == canonical);
  CHECK(same(parse_or_fail(ap::print(program)), program));
}

TEST_CASE("asio program: comments, blank lines and spacing are left out of the canonical text", "[unit][asio]") {
  const auto program = parse_or_fail("# a comment\n\n  a   read 16   # trailing\n\trun\n");
  CHECK(program.threads == 0);  // no threads line: the program runs the context
  CHECK(ap::print(program) == "threads 0\na read 16\nrun\n");
  CHECK(program.steps[0].text == "a read 16");
  CHECK(parse_or_fail("").steps.empty());
}

TEST_CASE("asio program: a line that does not parse is an error with its line number", "[unit][asio]") {
  CHECK(parse_error("threads 1\n") == "line 1: 'threads 0' or 'threads 2' comes first, once: 'threads 1'");
  CHECK(parse_error("run\nthreads 0\n").rfind("line 2: 'threads 0' or 'threads 2' comes first, once", 0) == 0);
  CHECK(parse_error("threads 0\nthreads 0\n").rfind("line 2: ", 0) == 0);
  CHECK(parse_error("run\n# fine\na read 0\n") == "line 3: a size from 1 to 1048576: 'a read 0'");
  CHECK(parse_error("a write 1048577\n").rfind("line 1: a size from 1 to 1048576", 0) == 0);
  CHECK(parse_error("a read 12x\n").rfind("line 1: a size", 0) == 0);
  CHECK(parse_error("a read\n").rfind("line 1: expected read N, write N", 0) == 0);
  CHECK(parse_error("a wait sideways\n").rfind("line 1: expected read N", 0) == 0);
  CHECK(parse_error("b\n") == "line 1: expected an operation after the end: 'b'");
  CHECK(parse_error("c read 1\n").rfind("line 1: expected an end (a, b) or run", 0) == 0);
  CHECK(parse_error("run now\n").rfind("line 1: expected an end (a, b) or run", 0) == 0);
  CHECK(parse_error("listener open\n").rfind("line 1: expected an end", 0) == 0);
}

TEST_CASE("asio program: bytes make a program whose text parses back to it", "[unit][asio]") {
  CHECK(ap::from_bytes(nullptr, 0, 40).steps.empty());
  const std::uint8_t two_threads[] = {3, 0, 0};
  CHECK(ap::from_bytes(two_threads, sizeof two_threads, 40).threads == 2);
  // Every step kind and argument: op bytes 0..39 with varied argument bytes.
  std::vector<std::uint8_t> bytes{0};
  for (unsigned i = 0; i < 80; ++i) {
    bytes.push_back(static_cast<std::uint8_t>(i % 20 + 20 * (i / 20)));
    bytes.push_back(static_cast<std::uint8_t>(i * 37 + 1));
  }
  const auto program = ap::from_bytes(bytes.data(), bytes.size(), 1000);
  CHECK(program.steps.size() == 80);
  CHECK(same(parse_or_fail(ap::print(program)), program));
  CHECK(ap::from_bytes(bytes.data(), bytes.size(), 40).steps.size() == 40);
  // An odd trailing byte is no step.
  CHECK(ap::from_bytes(bytes.data(), 4, 40).steps.size() == 1);
}

TEST_CASE("asio program: every seed and regression of fuzz_asio_close parses and prints back", "[unit][asio]") {
  std::vector<fs::path> files;
  for (const char* kind : {"seeds", "regressions"}) {
    const fs::path dir = fs::path(CLOSESEM_ASIO_CORPUS_DIR) / kind;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".asio") files.push_back(entry.path());
  }
  REQUIRE(files.size() >= 10);
  for (const auto& path : files) {
    INFO(path.string());
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const auto program = parse_or_fail(text.str());
    CHECK_FALSE(program.steps.empty());
    CHECK(same(parse_or_fail(ap::print(program)), program));
  }
}

// ---------------------------------------------------------------------------
// The checker

TEST_CASE("asio model: a read pending at close completes with operation_aborted or this platform's error",
          "[unit][asio]") {
  struct Case {
    am::BackendProfile profile;
    Errc errc;
    const char* expected;
  };
  const Case cases[] = {
      {am::linux_profile(), Errc::operation_aborted, "none"},
      {am::linux_profile(), Errc::other, "not-aborted/read"},
      {am::linux_profile(), Errc::connection_aborted, "not-aborted/read"},
      {am::windows_profile(), Errc::connection_aborted, "none"},
      {am::windows_profile(), Errc::other, "not-aborted/read"},
      {am::wine_profile(), Errc::other, "none"},
      {am::wine_profile(), Errc::connection_aborted, "not-aborted/read"},
      // Nothing was sent, nothing ended: no natural outcome was possible, success neither.
      {am::linux_profile(), Errc::ok, "not-aborted/read"},
  };
  for (const auto& c : cases) {
    INFO(c.profile.name << " " << closesem::to_string(c.errc));
    am::Model model(c.profile);
    const int id = model.start_read(a, 16, "a read 16");
    REQUIRE(id == 0);
    model.at_step(1);
    model.close(a, false);
    CHECK(model.at(id).closed);
    const auto finding = model.completed(id, ran(c.errc));
    CHECK(signature_of(finding) == c.expected);
    if (finding) CHECK(finding->what.rfind("step 1 `a read 16` completed with ", 0) == 0);
  }
}

TEST_CASE("asio model: cancel() admits operation_aborted, and a natural outcome only if one was possible",
          "[unit][asio]") {
  SECTION("nothing sent: only operation_aborted, not the platform's close error") {
    am::Model model(am::windows_profile());
    const int id = model.start_read(a, 16, "a read 16");
    model.cancel(a);
    CHECK(model.at(id).cancelled);
    CHECK_FALSE(model.at(id).closed);
    CHECK(signature_of(model.completed(id, ran(Errc::connection_aborted))) == "not-aborted/read");
  }
  SECTION("the peer's write was pending: the read may have completed with its bytes before the cancel") {
    am::Model model(am::linux_profile());
    const int w = model.start_write(b, 100, "b write 100");
    const int r = model.start_read(a, 16, "a read 16");
    model.cancel(a);
    CHECK(model.at(r).natural_possible);
    CHECK(signature_of(model.completed(w, ran(Errc::ok, 100))) == "none");
    CHECK(signature_of(model.completed(r, ran(Errc::ok, 16, am::pattern_at(b, 0)))) == "none");
    CHECK(model.end_state(a).read == 16);
  }
  SECTION("operation_aborted with no cancel at all is a finding") {
    am::Model model(am::linux_profile());
    const int id = model.start_wait(b, 1, "b wait write");
    const auto finding = model.completed(id, ran(Errc::operation_aborted));
    CHECK(signature_of(finding) == "aborted/wait");
  }
}

TEST_CASE("asio model: an operation started on a closed socket gets bad_descriptor", "[unit][asio]") {
  am::Model model(am::linux_profile());
  model.close(a, false);
  const int read = model.start_read(a, 16, "a read 16");
  const int write = model.start_write(a, 16, "a write 16");
  CHECK(model.at(read).started_closed);
  CHECK(signature_of(model.completed(read, ran(Errc::bad_handle))) == "none");
  CHECK(signature_of(model.completed(write, ran(Errc::operation_aborted))) == "closed/write");
}

TEST_CASE("asio model: end of stream only after the peer ended or shut down sending", "[unit][asio]") {
  am::Model model(am::linux_profile());
  const int early = model.start_read(a, 16, "a read 16");
  CHECK(signature_of(model.completed(early, ran(Errc::ok, 0))) == "eof/read");
  const int again = model.start_read(a, 16, "a read 16");
  REQUIRE(again >= 0);  // the first read is no longer pending
  model.shutdown(b, 1);  // b shutdown send
  CHECK(signature_of(model.completed(again, ran(Errc::ok, 0))) == "none");
}

TEST_CASE("asio model: the bytes read are the bytes the peer wrote, in order", "[unit][asio]") {
  am::Model model(am::linux_profile());
  const int w = model.start_write(b, 100, "b write 100");
  REQUIRE(signature_of(model.completed(w, ran(Errc::ok, 100))) == "none");
  const int first = model.start_read(a, 16, "a read 16");
  CHECK(signature_of(model.completed(first, ran(Errc::ok, 16, am::pattern_at(b, 0)))) == "none");
  // The next 16 bytes with byte 20 of the stream changed (a dropped or altered byte).
  std::vector<char> next(am::pattern_at(b, 16), am::pattern_at(b, 16) + 16);
  next[4] = static_cast<char>(next[4] + 1);
  const int second = model.start_read(a, 16, "a read 16");
  const auto finding = model.completed(second, ran(Errc::ok, 16, next.data()));
  REQUIRE(signature_of(finding) == "stream/read");
  CHECK(finding->what.find("byte 20 of the stream is not the byte the peer wrote there") != std::string::npos);
  // More than the peer wrote.
  am::Model short_stream(am::linux_profile());
  const int w2 = short_stream.start_write(b, 10, "b write 10");
  REQUIRE(!short_stream.completed(w2, ran(Errc::ok, 10)));
  const int r2 = short_stream.start_read(a, 16, "a read 16");
  const auto more = short_stream.completed(r2, ran(Errc::ok, 16, am::pattern_at(b, 0)));
  REQUIRE(signature_of(more) == "stream/read");
  CHECK(more->what.find("the peer wrote 10 bytes at most, this end has now read 16") != std::string::npos);
  // The other end's pattern is not this one's.
  am::Model crossed(am::linux_profile());
  const int w3 = crossed.start_write(b, 10, "b write 10");
  REQUIRE(!crossed.completed(w3, ran(Errc::ok, 10)));
  const int r3 = crossed.start_read(a, 10, "a read 10");
  CHECK(signature_of(crossed.completed(r3, ran(Errc::ok, 10, am::pattern_at(a, 0)))) == "stream/read");
}

TEST_CASE("asio model: a reset only where one could come", "[unit][asio]") {
  SECTION("the peer closed with nothing unread and nothing was sent to it: no reset") {
    am::Model model(am::linux_profile());
    const int r = model.start_read(a, 16, "a read 16");
    model.close(b, false);
    const auto finding = model.completed(r, ran(Errc::connection_reset));
    REQUIRE(signature_of(finding) == "error/read");
    CHECK(finding->what.find("a reset, but the peer closed or shut down gracefully") != std::string::npos);
  }
  SECTION("the peer closed with bytes unread: a reset") {
    am::Model model(am::linux_profile());
    const int w = model.start_write(a, 100, "a write 100");
    REQUIRE(!model.completed(w, ran(Errc::ok, 100)));
    const int r = model.start_read(a, 16, "a read 16");
    model.close(b, false);
    CHECK(model.end_state(b).reset_sent);
    CHECK(signature_of(model.completed(r, ran(Errc::connection_reset))) == "none");
  }
  SECTION("the peer closed with linger {1,0}: a reset; destroyed instead, the linger is off") {
    for (const bool destroy : {false, true}) {
      am::Model model(am::linux_profile());
      model.linger(b, true);
      const int r = model.start_read(a, 16, "a read 16");
      model.close(b, destroy);
      CHECK(signature_of(model.completed(r, ran(Errc::connection_reset))) == (destroy ? "error/read" : "none"));
    }
  }
  SECTION("a write to a peer that closed may fail with broken_pipe or a reset; with nothing ended, not at all") {
    am::Model model(am::linux_profile());
    model.close(b, false);
    const int w = model.start_write(a, 100, "a write 100");
    CHECK(model.end_state(a).wrote_after_peer_end);
    CHECK(signature_of(model.completed(w, ran(Errc::broken_pipe))) == "none");
    const int again = model.start_write(a, 100, "a write 100");
    CHECK(signature_of(model.completed(again, ran(Errc::connection_reset))) == "none");
    am::Model quiet(am::linux_profile());
    const int w2 = quiet.start_write(a, 100, "a write 100");
    const auto finding = quiet.completed(w2, ran(Errc::broken_pipe));
    REQUIRE(signature_of(finding) == "error/write");
    CHECK(finding->what.find("nothing was closed or shut down at either end, yet it failed") != std::string::npos);
  }
}

TEST_CASE("asio model: a wait for an error condition needs something closed or shut down", "[unit][asio]") {
  am::Model model(am::linux_profile());
  const int early = model.start_wait(a, 2, "a wait error");
  CHECK(signature_of(model.completed(early, ran(Errc::ok))) == "wait-error/wait");
  model.shutdown(a, 2);
  const int later = model.start_wait(a, 2, "a wait error");
  CHECK(signature_of(model.completed(later, ran(Errc::ok))) == "none");
}

TEST_CASE("asio model: accept and connect", "[unit][asio]") {
  am::Model model(am::linux_profile());
  const int accept = model.start_accept("accept");
  CHECK(model.start_accept("accept") == -1);  // one pending accept
  const int connect = model.start_connect("connect");
  for (int i = 0; i < 3; ++i) CHECK(model.start_connect("connect") >= 0);
  CHECK(model.start_connect("connect") == -1);  // at most 4 connects
  // Refused before the listener closed is no outcome a connect admits.
  CHECK(signature_of(model.completed(connect, ran(Errc::connection_refused))) == "error/connect");
  model.listener_close_or_cancel(true);
  CHECK(model.at(accept).closed);
  CHECK(model.at(accept).natural_possible);  // a connect came before the close
  CHECK(signature_of(model.completed(accept, ran(Errc::ok))) == "none");
  const int late = model.start_connect("connect");
  CHECK(late == -1);
  // A new accept on the closed listener: started closed.
  const int after = model.start_accept("accept");
  CHECK(model.at(after).started_closed);
}

TEST_CASE("asio model: is_open() after each step is checked against the model", "[unit][asio]") {
  am::Model model(am::linux_profile());
  model.at_step(2);
  CHECK_FALSE(model.check_open(a, true, "a cancel"));
  model.close(a, false);
  CHECK_FALSE(model.check_open(a, false, "a close"));
  const auto finding = model.check_open(a, true, "a close");
  REQUIRE(signature_of(finding) == "is-open");
  CHECK(finding->what == "is_open() is true after step 3 `a close`, expected false (end a)");
}

TEST_CASE("asio model: handlers run once, not inline, not after stop() where the profile says so", "[unit][asio]") {
  const std::vector<std::string> after_stop{"async_read_some(a) ran after io_context::stop() and before restart()"};
  CHECK(signature_of(am::Model(am::linux_profile()).problems(after_stop)) == "after-stop");
  CHECK(signature_of(am::Model(am::windows_profile()).problems(after_stop)) == "none");
  CHECK(signature_of(am::Model(am::wine_profile()).problems(after_stop)) == "none");
  std::vector<std::string> more = after_stop;
  more.push_back("async_wait(b) ran inside the call that started it");
  CHECK(signature_of(am::Model(am::wine_profile()).problems(more)) == "inline");
  CHECK(signature_of(am::Model(am::linux_profile()).problems({"async_read_some(a) ran 2 times"})) == "exactly-once");
  CHECK(signature_of(am::Model(am::linux_profile()).problems({})) == "none");
}

TEST_CASE("asio model: at the end every handler ran and none leaked, except what Wine loses at close",
          "[unit][asio]") {
  for (const auto& profile : {am::linux_profile(), am::wine_profile()}) {
    INFO(profile.name);
    am::Model model(profile);
    model.start_write(a, 1u << 20, "a write 1048576");
    model.start_read(b, 16, "b read 16");
    model.at_step(2);
    model.finish_end(a);
    model.finish_end(b);
    bool lost = true;
    const auto never = model.all_ran({0, 1}, false, lost);
    if (profile.close_may_lose_handlers) {
      CHECK_FALSE(never);
      CHECK(lost);
      CHECK_FALSE(model.leaked(2, lost));
    } else {
      REQUIRE(signature_of(never) == "never-ran");
      CHECK(never->what == "step 1 `a write 1048576`: its handler never ran, though everything was closed and the "
                           "io_context ran for 2 s");
      CHECK_FALSE(lost);
    }
    CHECK_FALSE(model.all_ran({1, 1}, true, lost));
    CHECK_FALSE(lost);
    REQUIRE(signature_of(model.leaked(2, lost)) == "leak");
    CHECK(model.leaked(2, lost)->what == "2 handler copies still alive after the io_context was destroyed");
    CHECK_FALSE(model.leaked(0, lost));
  }
}

TEST_CASE("asio model: a write is capped at the profile's largest", "[unit][asio]") {
  am::Model wine(am::wine_profile());
  CHECK(wine.at(wine.start_write(a, 1u << 20, "a write 1048576")).size == 16 * 1024);
  am::Model linux_model(am::linux_profile());
  CHECK(linux_model.at(linux_model.start_write(a, 1u << 20, "a write 1048576")).size == (1u << 20));
}

TEST_CASE("asio model: the report names the profile, the program and how every handler ran", "[unit][asio]") {
  const auto program = parse_or_fail("threads 0\na read 16\nrun\na close\nrun\nb wait read\n");
  am::Model model(am::linux_profile());
  model.at_step(0);
  const int r = model.start_read(a, 16, "a read 16");
  model.at_step(2);
  model.close(a, false);
  model.at_step(4);
  model.start_wait(b, 0, "b wait read");
  auto twice = ran(Errc::operation_aborted);
  twice.runs = 2;
  CHECK_FALSE(model.completed(r, twice));
  CHECK(model.report(program, {twice, am::Completion{}}) ==
        "program (linux model):\n"
        "threads 0\na read 16\nrun\na close\nrun\nb wait read\n"
        "handlers:\n"
        "  step 1 `a read 16`: operation_aborted, 0 bytes (ran 2 times) [closed while pending]\n"
        "  step 5 `b wait read`: never ran\n");
}
