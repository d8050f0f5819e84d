// SPDX-License-Identifier: MIT
// The record a fuzz target writes (fuzz/finding_record.hpp, no JSON library there) is one
// the tool reads (finding_from_json), and its file name is libFuzzer's artifact name.
#include "closesem_testing/catch.hpp"

#include "finding_record.hpp"
#include "fuzzing/finding.hpp"

#include <string>

TEST_CASE("finding record: the target's JSON is the tool's Finding", "[fuzzing]") {
  closesem::fuzz::FindingRecord record;
  record.target = "fuzz_linger";
  record.kind = "divergence";
  record.signature = "divergence/recv/connection_reset/predicted 0";
  record.what = "divergence at op 4 `b recv 10`: observed \"reset\"\\ \x01";
  record.platform = "linux-6.1";
  record.profile = "linux";
  record.program = "pair tcp4\n\ta close\r\n";
  record.step = 3;
  std::string error;
  const auto finding =
      closesem::tool::finding_from_json(nlohmann::json::parse(closesem::fuzz::finding_record_json(record)), error);
  INFO(error);
  REQUIRE(finding);
  CHECK(finding->target == record.target);
  CHECK(finding->kind == record.kind);
  CHECK(finding->signature == record.signature);
  CHECK(finding->what == record.what);
  CHECK(finding->platform == record.platform);
  CHECK(finding->profile == record.profile);
  CHECK(finding->program == record.program);
  CHECK(finding->step == 3);
}

TEST_CASE("finding record: SHA-1 as libFuzzer names artifacts", "[fuzzing]") {
  using closesem::fuzz::sha1_hex;
  const auto bytes = [](const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); };
  CHECK(sha1_hex(nullptr, 0) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex(bytes("abc"), 3) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha1_hex(bytes(two_blocks), two_blocks.size()) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}
