// SPDX-License-Identifier: MIT
// The scenario scripts of corpora/scenarios (catalogue scenarios written in the op
// language, where a script states the fact more plainly than C++) run here too, so
// that the behaviour report carries them: each script runs on this platform's sockets
// against the model's profile for it (linux, or wine-8 under Wine), and every op must
// be admitted by the model and by the script's own `->`.
#include "closesem_testing/fixtures.hpp"

#include "closesem/model.hpp"
#include "closesem/runner.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace closesem::testing;
namespace fs = std::filesystem;
namespace platform = closesem::platform;

namespace {

std::vector<std::string> scripts() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(CLOSESEM_SCENARIOS_DIR))
    if (entry.path().extension() == ".ops") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("scenarios: every scenario script runs as the model predicts for this platform", "[scenario]") {
  const auto name = GENERATE(from_range(scripts()));
  set_variant(name);
  CAPTURE(name);
  std::ifstream in(fs::path(CLOSESEM_SCENARIOS_DIR) / name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  closesem::ops::Program program;
  closesem::ops::ParseError error;
  INFO(error.describe());
  REQUIRE(closesem::ops::parse(text.str(), name, program, error));
  const auto profile_name = closesem::model::native_profile_name(platform::identity());
  const auto* profile = closesem::model::find_profile(profile_name);
  REQUIRE(profile != nullptr);

  const auto trace = closesem::runner::run(program, *profile, name);
  INFO("profile " << profile_name << ":\n" << trace.report());
  REQUIRE(trace.script_error.empty());
  if (!trace.skipped.empty()) CLOSESEM_SKIP(trace.skipped);
  CHECK(trace.divergences() == 0);
  CHECK(trace.failed_expectations() == 0);
}
