// SPDX-License-Identifier: MIT
// Finding records: JSON in and out, and the signatures of recorded logs (tests/logs/:
// excerpts of real ASan, UBSan, LeakSanitizer, libFuzzer and closesem target output).
// The expected signatures are those tools/fuzz_lib.sh's signature_in gave on the same
// files, so that a signature the nightly history holds still matches.
#include "closesem_testing/catch.hpp"

#include "fuzzing/finding.hpp"

#include <fstream>
#include <sstream>
#include <string>

using namespace closesem::tool;

namespace {

std::string log_file(const std::string& name) {
  std::ifstream in(std::string(CLOSESEM_FUZZ_LOGS_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("finding: signatures of recorded sanitizer and libFuzzer logs", "[fuzzing]") {
  struct Case {
    const char* file;
    const char* signature;
    const char* kind;
  };
  const Case cases[] = {
      {"asan_heap_use_after_free.log", "AddressSanitizer/heap-use-after-free at runner.cpp:212:18", "sanitizer"},
      {"ubsan_overflow.log", "UndefinedBehaviorSanitizer/undefined-behavior at codec.cpp:97:31", "sanitizer"},
      {"libfuzzer_deadly_signal.log", "libFuzzer/deadly-signal", "libfuzzer"},
      {"libfuzzer_timeout.log", "libFuzzer/timeout-after", "libfuzzer"},
      {"closesem_divergence.log", "divergence/recv/connection_reset/predicted 0", "divergence"},
      {"closesem_leak_crlf.log", "leak/handles", "leak"},
      // (fuzz_lib.sh found nothing here: the SUMMARY of a leak names no kind)
      {"asan_leak_no_place.log", "LeakSanitizer/detected-memory-leaks", "sanitizer"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    const auto finding = finding_from_log("fuzz_x", log_file(c.file));
    REQUIRE(finding);
    CHECK(finding->signature == c.signature);
    CHECK(finding->kind == c.kind);
    CHECK(finding->target == "fuzz_x");
    CHECK(!finding->what.empty());
  }
  CHECK_FALSE(finding_from_log("fuzz_x", log_file("clean.log")));
  CHECK_FALSE(finding_from_log("fuzz_x", ""));
}

TEST_CASE("finding: a target's own report gives what, platform, profile and program", "[fuzzing]") {
  const auto finding = finding_from_log("fuzz_linger", log_file("closesem_divergence.log"));
  REQUIRE(finding);
  CHECK(finding->what.rfind("divergence at op 4 `b recv 10`", 0) == 0);
  CHECK(finding->platform == "linux-6.1.0-18-amd64");
  CHECK(finding->profile == "linux");
  CHECK(finding->program == "pair tcp4\na linger on 0\na close\nb recv 10 -> connection_reset\n");
  const auto crlf = finding_from_log("fuzz_handles", log_file("closesem_leak_crlf.log"));
  REQUIRE(crlf);
  CHECK(crlf->what == "1 descriptor(s) more open after the input than before");
  CHECK(crlf->platform == "wine-8.0");
  CHECK(crlf->profile == "wine-8");
}

TEST_CASE("finding: JSON round trip and refused records", "[fuzzing]") {
  Finding finding;
  finding.target = "fuzz_close_sequences";
  finding.kind = "settle";
  finding.signature = "settle/close";
  finding.what = "the wait for the FIN ran out";
  finding.platform = "linux-6.1";
  finding.profile = "linux";
  finding.program = "pair tcp4\na close\n";
  finding.step = 1;
  std::string error;
  const auto back = finding_from_json(to_json(finding), error);
  REQUIRE(back);
  CHECK(to_json(*back) == to_json(finding));

  // Only target and signature are required; kind follows from the signature.
  const auto minimal = finding_from_json(
      nlohmann::json{{"target", "t"}, {"signature", "AddressSanitizer/heap-buffer-overflow"}}, error);
  REQUIRE(minimal);
  CHECK(minimal->kind == "sanitizer");
  CHECK(minimal->step == -1);

  CHECK_FALSE(finding_from_json(nlohmann::json::array(), error));
  CHECK(error.find("object") != std::string::npos);
  CHECK_FALSE(finding_from_json(nlohmann::json{{"target", "t"}}, error));
  CHECK(error.find("\"signature\"") != std::string::npos);
  CHECK_FALSE(finding_from_json(nlohmann::json{{"target", "t"}, {"signature", 3}}, error));
  CHECK(error.find("expected a string") != std::string::npos);
  CHECK_FALSE(finding_from_json(nlohmann::json{{"target", "t"}, {"signature", "s"}, {"step", "x"}}, error));
  CHECK(error.find("\"step\"") != std::string::npos);

  CHECK_FALSE(read_finding_file(std::string(CLOSESEM_FUZZ_LOGS_DIR) + "/clean.log", error));
  CHECK(error.find("not JSON") != std::string::npos);
  CHECK_FALSE(read_finding_file("/nonexistent/x.finding.json", error));
  CHECK(error.find("cannot open") != std::string::npos);
}

TEST_CASE("finding: kind of a signature", "[fuzzing]") {
  CHECK(kind_of_signature("settle/close") == "settle");
  CHECK(kind_of_signature("pair-setup") == "pair-setup");
  CHECK(kind_of_signature("MemorySanitizer/use-of-uninitialized-value") == "sanitizer");
  CHECK(kind_of_signature("libFuzzer/deadly-signal") == "libfuzzer");
  CHECK(kind_of_signature("timeout/no end within 55 s") == "timeout");
}
