// SPDX-License-Identifier: MIT
// Bounded runs (run_bounded, BoundedRun) on platform::Process with its POSIX options, and
// run_target_once / minimise against small shell-script "targets" (no socket involved:
// what is tested is the process handling and the finding plumbing).
#include "closesem_testing/catch.hpp"

#include "closesem/process.hpp"
#include "fuzzing/files.hpp"
#include "fuzzing/target_run.hpp"

#include <chrono>
#include <filesystem>
#include <string>

using namespace closesem::tool;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// An executable shell script in the scratch folder.
std::string script(const files::Scratch& scratch, const std::string& name, const std::string& body) {
  const std::string path = scratch.path + "/" + name;
  std::string error;
  REQUIRE(files::write(path, "#!/bin/sh\n" + body, error));
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::string read(const std::string& path) {
  std::string text, error;
  files::read(path, text, error);
  return text;
}

}  // namespace

TEST_CASE("run_bounded: stdout and stderr land in the log file, with the environment given", "[fuzzing][posix]") {
  files::Scratch scratch;
  RunSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo out; echo err >&2; echo \"x=$CLOSESEM_TEST_X\"; pwd; exit 3"};
  spec.log_path = scratch.path + "/log";
  spec.env = {{"CLOSESEM_TEST_X", "42"}};
  spec.cwd = "/";
  spec.limit = seconds(30);
  const auto result = run_bounded(spec);
  REQUIRE(result.started);
  CHECK(result.status == 3);
  CHECK_FALSE(result.timed_out);
  CHECK(result.log == "out\nerr\nx=42\n/\n");
  CHECK(read(spec.log_path) == result.log);
}

TEST_CASE("run_bounded: a child that outlives its limit is stopped with its group", "[fuzzing][posix]") {
  files::Scratch scratch;
  const std::string pid_file = scratch.path + "/grandchild";
  RunSpec spec;
  // The child starts a grandchild in its group, says so, and waits for it forever.
  spec.argv = {"/bin/sh", "-c", "sleep 1000 & echo $! > " + pid_file + "; echo started; wait"};
  spec.log_path = scratch.path + "/log";
  spec.limit = seconds(1);
  const auto begin = std::chrono::steady_clock::now();
  const auto result = run_bounded(spec);
  REQUIRE(result.started);
  CHECK(result.timed_out);
  CHECK(result.status == 128 + 15);  // SIGTERM
  CHECK(result.log == "started\n");
  CHECK(std::chrono::steady_clock::now() - begin < seconds(20));
  const long grandchild = std::stol(read(pid_file));
  CHECK(closesem::platform::process_gone(grandchild, milliseconds(5000)));
}

TEST_CASE("run_bounded: a child that ignores SIGTERM is killed 5 s later, group and all", "[fuzzing][posix]") {
  files::Scratch scratch;
  const std::string pid_file = scratch.path + "/grandchild";
  RunSpec spec;
  spec.argv = {"/bin/sh", "-c", "trap '' TERM; sleep 1000 & echo $! > " + pid_file + "; wait"};
  spec.log_path = scratch.path + "/log";
  spec.limit = seconds(1);
  const auto begin = std::chrono::steady_clock::now();
  const auto result = run_bounded(spec);
  REQUIRE(result.started);
  CHECK(result.timed_out);
  CHECK(result.status == 128 + 9);  // SIGKILL
  CHECK(std::chrono::steady_clock::now() - begin >= seconds(5));
  CHECK(closesem::platform::process_gone(std::stol(read(pid_file)), milliseconds(5000)));
}

TEST_CASE("run_bounded: a child that cannot start is an error, not a status", "[fuzzing][posix]") {
  files::Scratch scratch;
  RunSpec spec;
  spec.argv = {scratch.path + "/no-such-program"};
  spec.log_path = scratch.path + "/log";
  auto result = run_bounded(spec);
  CHECK_FALSE(result.started);
  CHECK(result.error.find("no-such-program") != std::string::npos);
  spec.argv = {"/bin/true"};
  spec.log_path = scratch.path + "/no/such/folder/log";
  result = run_bounded(spec);
  CHECK_FALSE(result.started);
  CHECK(result.error.find("cannot open") != std::string::npos);
  spec.argv = {};
  CHECK_FALSE(run_bounded(spec).started);
}

TEST_CASE("BoundedRun: poll while it runs, stop on request", "[fuzzing][posix]") {
  files::Scratch scratch;
  BoundedRun run;
  RunSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo going; exec sleep 1000"};
  spec.log_path = scratch.path + "/log";
  spec.limit = seconds(600);
  std::string error;
  REQUIRE(run.start(spec, error));
  CHECK(run.pid() > 0);
  CHECK_FALSE(run.poll());
  CHECK_FALSE(run.wait_for(milliseconds(100)));
  const long pid = run.pid();
  run.stop();
  const auto result = run.poll();
  REQUIRE(result);
  CHECK_FALSE(result->timed_out);
  CHECK(result->status == 128 + 15);
  CHECK(closesem::platform::process_gone(pid, milliseconds(5000)));
}

TEST_CASE("run_target_once: the target's record first, then its log, then a timeout", "[fuzzing][posix]") {
  files::Scratch scratch;
  FuzzTarget target{"fuzz_fake", "linger-choices", true, "", {{"timeout", "0"}}, CLOSESEM_SOURCE_DIR};
  const std::string log = scratch.path + "/log";
  // A record the target wrote wins over what its log says.
  const auto recorded = script(scratch, "recorded",
                               "echo 'closesem signature: from-the-log'\n"
                               "printf '{\"target\":\"fuzz_fake\",\"signature\":\"settle/close\",\"step\":2}' "
                               "> \"$CLOSESEM_FINDING_JSON\"\nexit 1\n");
  auto outcome = run_target_once(target, recorded, "/dev/null", log);
  REQUIRE(outcome.finding);
  CHECK(outcome.finding->signature == "settle/close");
  CHECK(outcome.finding->step == 2);
  CHECK_FALSE(fs::exists(log + ".finding.json"));  // (taken away, not left for the next run)

  const auto logged = script(scratch, "logged", "echo 'SUMMARY: AddressSanitizer: SEGV /a/b/x.cpp:7:1 in f'\nexit 1\n");
  outcome = run_target_once(target, logged, "/dev/null", log);
  REQUIRE(outcome.finding);
  CHECK(outcome.finding->signature == "AddressSanitizer/SEGV at x.cpp:7:1");

  const auto clean = script(scratch, "clean", "echo fine\n");
  outcome = run_target_once(target, clean, "/dev/null", log);
  CHECK(outcome.run.started);
  CHECK_FALSE(outcome.finding);

  outcome = run_target_once(target, scratch.path + "/missing", "/dev/null", log);
  CHECK_FALSE(outcome.run.started);
  CHECK_FALSE(outcome.finding);
}

TEST_CASE("minimise: drops what the signature does not need", "[fuzzing][posix]") {
  files::Scratch scratch;
  FuzzTarget target{"fuzz_fake", "linger-choices", true, "", {{"timeout", "5"}}, CLOSESEM_SOURCE_DIR};
  // Fails (with one signature) while its input holds an x and a y.
  const auto binary = script(scratch, "xy",
                             "grep -q x \"$1\" && grep -q y \"$1\" && { echo 'closesem signature: has/xy'; exit 1; }\n"
                             "exit 0\n");
  const std::string input = scratch.path + "/input", out = scratch.path + "/out";
  std::string error;
  REQUIRE(files::write(input, "aaxbbbyc", error));
  MinimiseStats stats;
  REQUIRE(minimise(target, binary, input, "has/xy", out, std::chrono::steady_clock::now() + seconds(120), error, stats));
  CHECK(read(out) == "xy");
  CHECK(stats.original_size == 8);
  CHECK(stats.final_size == 2);
  CHECK_FALSE(stats.stopped);
  // An input that does not fail that way is refused, and nothing is written.
  REQUIRE(files::write(input, "abc", error));
  fs::remove(out);
  CHECK_FALSE(minimise(target, binary, input, "has/xy", out, std::chrono::steady_clock::now() + seconds(60), error));
  CHECK(error.find("does not fail with 'has/xy'") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

#ifdef _WIN32
// (Windows only: on POSIX the [posix] cases above run the real thing.)
TEST_CASE("run_bounded: where bounded runs are not supported, a clear error", "[fuzzing]") {
  RunSpec spec;
  spec.argv = {closesem::platform::executable_path()};
  spec.log_path = "log.txt";
  const auto result = run_bounded(spec);
  CHECK_FALSE(result.started);
  CHECK(result.error.find("POSIX only") != std::string::npos);
}
#endif
