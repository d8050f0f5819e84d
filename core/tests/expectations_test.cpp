// SPDX-License-Identifier: MIT
// Known deviations: the file format, platform patterns, and what a listed deviation
// does to a check (known when it occurs, unexpected pass when it does not).
#include "closesem_testing/expectations.hpp"
#include "closesem_testing/fixtures.hpp"

#include "closesem/deviations.hpp"

#include <filesystem>
#include <fstream>
#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;
namespace fs = std::filesystem;

namespace {

// A temporary expectations folder with the given files; removed at scope exit.
class Folder {
 public:
  Folder()
      : path_(fs::temp_directory_path() /
              ("closesem-expect-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {
    fs::create_directories(path_);
  }
  ~Folder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// Restores the run's real deviations at scope exit.
class KeepLoaded {
 public:
  KeepLoaded() : saved_(replace_deviations({})) {}
  ~KeepLoaded() { replace_deviations(std::move(saved_)); }

 private:
  std::vector<Deviation> saved_;
};

platform::CallResult failed_with(Errc errc) {
  platform::CallResult outcome;
  outcome.ret = -1;
  outcome.errc = errc;
  outcome.native = platform::native_from_errc(errc).value_or(0);
  return outcome;
}

}  // namespace

TEST_CASE("expectations: platform patterns match with * wildcards", "[unit][expectations]") {
  CHECK(glob_match("wine-8.*", "wine-8.0 (windows-6.1.7601 on Linux 6.1)"));
  CHECK(glob_match("linux-*", "linux-6.18.44"));
  CHECK(glob_match("windows-10.0.1*", "windows-10.0.19045"));
  CHECK(glob_match("*", ""));
  CHECK_FALSE(glob_match("wine-8.*", "wine-9.0 (windows-10.0.19045)"));
  CHECK_FALSE(glob_match("windows-10.0.1*", "windows-10.0.26100"));
  CHECK_FALSE(glob_match("linux-6", "linux-6.1"));
}

TEST_CASE("expectations: outcomes are written as the error name or ret=N", "[unit][expectations]") {
  CHECK(outcome_token(failed_with(Errc::connection_reset)) == "connection_reset");
  platform::CallResult success;
  success.ret = 0;
  CHECK(outcome_token(success) == "ret=0");
}

TEST_CASE("expectations: files for other platforms are read but not kept", "[unit][expectations]") {
  KeepLoaded keep;
  Folder folder;
  folder.write("a.json", R"({"platform": "wine-8.*", "deviations": [
      {"test": "t", "operation": "op", "observed": "ret=0", "deviation": "wine8-recv-after-reset-reads-0"}]})");
  folder.write("b.json", R"({"platform": "linux-*", "deviations": [
      {"test": "t2", "operation": "op2", "observed": "ret=0 | shut_down",
       "deviation": "asio-epoll-read-after-eof-stays-pending", "note": "a unit test's note"}]})");
  std::string error;
  REQUIRE(load_expectations(folder.path(), "linux-6.18.44", error));
  CHECK(find_deviation("t", "op") == nullptr);
  const auto* kept = find_deviation("t2", "op2");
  REQUIRE(kept != nullptr);
  CHECK(kept->observed == std::vector<std::string>{"ret=0", "shut_down"});
  CHECK(kept->file == "b.json");
  // The reason comes from the known-deviation table, by the entry's ID.
  const auto* known = closesem::find_known_deviation("asio-epoll-read-after-eof-stays-pending");
  REQUIRE(known != nullptr);
  CHECK(kept->id == known->id);
  CHECK(kept->reason == known->reason);
  CHECK(describe_deviation(*kept) == known->reason + " a unit test's note (b.json)");
}

TEST_CASE("expectations: the table file in the folder is not read as a platform's expectations",
          "[unit][expectations]") {
  Folder folder;
  folder.write("deviations.json", R"({"deviations": [{"id": "x", "platforms": ["*"], "reason": "r", "source": "s"}]})");
  std::string error;
  std::vector<Deviation> all;
  REQUIRE(read_expectations(folder.path(), all, error));
  CHECK(all.empty());
}

TEST_CASE("expectations: a malformed file is an error that names the file and the entry", "[unit][expectations]") {
  KeepLoaded keep;
  std::string error;
  SECTION("bad JSON") {
    Folder folder;
    folder.write("broken.json", R"({"platform": "*", "deviations": [)");
    CHECK_FALSE(load_expectations(folder.path(), "linux-6", error));
    CHECK(error.find("broken.json") != std::string::npos);
  }
  SECTION("an entry without a deviation id") {
    Folder folder;
    folder.write("noid.json", R"({"platform": "wine-8.*", "deviations": [
        {"test": "t", "operation": "op", "observed": "ret=0"}]})");
    CHECK_FALSE(load_expectations(folder.path(), "linux-6", error));
    CHECK(error.find("noid.json: deviations[0]") != std::string::npos);
    CHECK(error.find("\"deviation\" is missing") != std::string::npos);
  }
  SECTION("an entry whose id is not in the table") {
    Folder folder;
    folder.write("unknown.json", R"({"platform": "wine-8.*", "deviations": [
        {"test": "t", "operation": "op", "observed": "ret=0", "deviation": "wine8-no-such-deviation"}]})");
    CHECK_FALSE(load_expectations(folder.path(), "linux-6", error));
    CHECK(error.find("unknown.json: deviations[0]") != std::string::npos);
    CHECK(error.find("\"wine8-no-such-deviation\" is not in deviations.json") != std::string::npos);
  }
  SECTION("an entry whose id is listed for other platforms") {
    Folder folder;
    folder.write("elsewhere.json", R"({"platform": "linux-*", "deviations": [
        {"test": "t", "operation": "op", "observed": "ret=0", "deviation": "wine8-recv-after-reset-reads-0"}]})");
    CHECK_FALSE(load_expectations(folder.path(), "linux-6", error));
    CHECK(error.find("elsewhere.json: deviations[0]") != std::string::npos);
    CHECK(error.find("not listed for platform \"linux-*\"") != std::string::npos);
  }
  SECTION("an entry that writes its reason again") {
    Folder folder;
    folder.write("reason.json", R"({"platform": "wine-8.*", "deviations": [
        {"test": "t", "operation": "op", "observed": "ret=0", "deviation": "wine8-recv-after-reset-reads-0",
         "reason": "Wine 8.0 never reports a TCP reset ..."}]})");
    CHECK_FALSE(load_expectations(folder.path(), "linux-6", error));
    CHECK(error.find("reason.json: deviations[0]: \"reason\" belongs in deviations.json") != std::string::npos);
  }
  SECTION("an unknown key") {
    Folder folder;
    folder.write("typo.json", R"({"platform": "wine-8.*", "deviations": [
        {"test": "t", "operation": "op", "observed": "ret=0", "deviation": "wine8-recv-after-reset-reads-0",
         "intermitent": true}]})");
    CHECK_FALSE(load_expectations(folder.path(), "linux-6", error));
    CHECK(error.find("typo.json: deviations[0]: unknown key \"intermitent\"") != std::string::npos);
  }
  SECTION("a folder that does not exist") {
    CHECK_FALSE(load_expectations("/nonexistent/closesem/expectations", "linux-6", error));
    CHECK(error.find("no such expectations folder") != std::string::npos);
  }
}

TEST_CASE("expectations: a listed deviation that occurs is known, one that no longer occurs fails",
          "[unit][expectations]") {
  KeepLoaded keep;
  const std::string test = "expectations: a listed deviation that occurs is known, one that no longer occurs fails";
  Deviation deviation;
  deviation.file = "unit.json";
  deviation.platform = "*";
  deviation.test = test;
  deviation.operation = "recv(first) after something";
  deviation.observed = {"connection_reset"};
  deviation.reason = "a unit test's listed deviation";
  replace_deviations({deviation});

  const auto matcher = fails_with(Errc::shut_down);
  // The listed outcome occurs: the check passes as a known deviation.
  CHECK(matcher.match(observe("recv(first) after something", failed_with(Errc::connection_reset))));
  // The expected outcome occurs although a deviation is listed: an unexpected pass.
  CHECK_FALSE(matcher.match(observe("recv(first) after something", failed_with(Errc::shut_down))));
  CHECK(matcher.describe().find("unexpected pass") != std::string::npos);
  // Anything else still fails, and says what was listed.
  CHECK_FALSE(matcher.match(observe("recv(first) after something", failed_with(Errc::not_connected))));
  CHECK(matcher.describe().find("lists connection_reset") != std::string::npos);
  // Other operations are not affected.
  CHECK(matcher.match(observe("another operation", failed_with(Errc::shut_down))));
}

TEST_CASE("expectations: an intermittent deviation accepts the listed and the expected outcome",
          "[unit][expectations]") {
  KeepLoaded keep;
  const std::string test = "expectations: an intermittent deviation accepts the listed and the expected outcome";
  Deviation deviation;
  deviation.file = "unit.json";
  deviation.platform = "*";
  deviation.test = test;
  deviation.operation = "recv(peer) after a reset";
  deviation.observed = {"ret=0"};
  deviation.reason = "a unit test's race";
  deviation.intermittent = true;
  replace_deviations({deviation});

  const auto matcher = fails_with(Errc::connection_reset);
  platform::CallResult eof;
  CHECK(matcher.match(observe("recv(peer) after a reset", eof)));
  CHECK(matcher.match(observe("recv(peer) after a reset", failed_with(Errc::connection_reset))));
  CHECK_FALSE(matcher.match(observe("recv(peer) after a reset", failed_with(Errc::not_connected))));
}
