// SPDX-License-Identifier: MIT
// Unit tests of platform::Process against a child of our own (process_child.cpp):
// lines both ways, bounded reads, exit statuses, and that nothing outlives its Process.
#include "closesem_testing/catch.hpp"

#include "closesem/platform.hpp"
#include "closesem/process.hpp"

#include <chrono>
#include <string>

namespace platform = closesem::platform;
using std::chrono::milliseconds;

namespace {

std::string child_path() {
  auto path = platform::executable_path();
  const auto slash = path.find_last_of("/\\");
  return path.substr(0, slash + 1) + "closesem_process_child" + std::string(platform::executable_suffix());
}

platform::Process start_child() {
  platform::Process child;
  std::string error;
  INFO("starting " << child_path());
  const bool started = platform::Process::start({child_path()}, child, error);
  INFO(error);
  REQUIRE(started);
  CHECK(error.empty());
  REQUIRE(child.id() > 0);
  return child;
}

milliseconds positive() { return platform::scaled(milliseconds(5000)); }

}  // namespace

TEST_CASE("process: lines go both ways and end of input ends the child", "[process]") {
  auto child = start_child();
  REQUIRE(child.write_line("echo hello there"));
  std::string line;
  REQUIRE(child.read_line(line, positive()) == platform::Process::Read::line);
  CHECK(line == "hello there");
  child.close_input();
  REQUIRE(child.read_line(line, positive()) == platform::Process::Read::line);
  CHECK(line == "bye");
  CHECK(child.read_line(line, positive()) == platform::Process::Read::end);
  const auto status = child.wait(positive());
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("process: a read with nothing to read times out", "[process]") {
  auto child = start_child();
  std::string line = "untouched";
  CHECK(child.read_line(line, platform::scaled(milliseconds(100))) == platform::Process::Read::timeout);
  CHECK(line == "untouched");
  CHECK_FALSE(child.wait(milliseconds(0)).has_value());
}

TEST_CASE("process: the exit status comes back, and a last line without end of line is read", "[process]") {
  auto child = start_child();
  REQUIRE(child.write_line("exit 7"));
  const auto status = child.wait(positive());
  REQUIRE(status.has_value());
  CHECK(*status == 7);

  auto partial = start_child();
  REQUIRE(partial.write_line("partial"));
  std::string line;
  REQUIRE(partial.read_line(line, positive()) == platform::Process::Read::line);
  CHECK(line == "no end of line");
  CHECK(partial.read_line(line, positive()) == platform::Process::Read::end);
}

TEST_CASE("process: a hung child is killed by kill() and by the destructor", "[process]") {
  long id = 0;
  {
    auto child = start_child();
    id = child.id();
    REQUIRE(child.write_line("hang"));
    child.close_input();
    CHECK_FALSE(child.wait(platform::scaled(milliseconds(100))).has_value());
    CHECK_FALSE(platform::process_gone(id, milliseconds(0)));
  }  // the destructor gives it a second to end, then kills and reaps it
  CHECK(platform::process_gone(id, milliseconds(0)));

  auto child = start_child();
  REQUIRE(child.write_line("hang"));
  child.kill();
  const auto status = child.wait(milliseconds(0));
  REQUIRE(status.has_value());
  CHECK(*status != 0);
  CHECK(platform::process_gone(child.id(), milliseconds(0)));
}

TEST_CASE("process: a program that does not exist is reported, not started", "[process]") {
  platform::Process child;
  std::string error;
  CHECK_FALSE(platform::Process::start({child_path() + "-missing"}, child, error));
  INFO(error);
  CHECK(error.find("cannot start") != std::string::npos);
  CHECK_FALSE(child.started());
}
