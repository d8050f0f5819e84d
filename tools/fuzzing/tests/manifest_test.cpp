// SPDX-License-Identifier: MIT
// The target manifest compiled into the tool: every fuzz/fuzz_*.cpp has its row (and
// nothing else does), the rows agree with <build>/fuzz/targets.json (the scripts' copy),
// options and dictionaries are read as ClusterFuzz reads them, and seeds stage in the
// format the target reads.
#include "closesem_testing/catch.hpp"

#include "closesem/fuzz_inputs.hpp"
#include "fuzzing/files.hpp"
#include "fuzzing/manifest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

using namespace closesem::tool;
namespace fs = std::filesystem;

TEST_CASE("manifest: one row per fuzz/fuzz_*.cpp, in declaration order", "[fuzzing]") {
  std::set<std::string> sources;
  for (const auto& entry : fs::directory_iterator(std::string(CLOSESEM_SOURCE_DIR) + "/fuzz")) {
    const auto name = entry.path().filename().string();
    if (name.rfind("fuzz_", 0) == 0 && entry.path().extension() == ".cpp") sources.insert(entry.path().stem().string());
  }
  std::set<std::string> rows;
  for (const auto& target : fuzz_targets()) rows.insert(target.name);
  CHECK(rows == sources);
  CHECK(rows.size() == fuzz_targets().size());  // (no name twice)
  CHECK(find_fuzz_target("bench_bare_pairs") == nullptr);  // a baseline, no target
  CHECK(find_fuzz_target("fuzz_nosuch") == nullptr);
  CHECK(fuzz_target_names().find("fuzz_close_sequences") != std::string::npos);
}

TEST_CASE("manifest: fields of the rows", "[fuzzing]") {
  const auto* sequences = find_fuzz_target("fuzz_close_sequences");
  REQUIRE(sequences != nullptr);
  CHECK(sequences->format == "op-records");
  CHECK(sequences->sockets);
  CHECK(sequences->dictionary == std::string(CLOSESEM_SOURCE_DIR) + "/fuzz/fuzz_close_sequences.dict");
  CHECK(option_int(*sequences, "max_len", 0) == 1024);
  CHECK(option_int(*sequences, "timeout", 0) == 25);
  CHECK(option_int(*sequences, "nosuch", 7) == 7);
  // The dictionary comes once, with its path; the .options' own dict line is not repeated.
  const auto flags = libfuzzer_flags(*sequences);
  REQUIRE_FALSE(flags.empty());
  CHECK(flags.front() == "-dict=" + sequences->dictionary);
  CHECK(std::count_if(flags.begin(), flags.end(), [](const std::string& f) { return f.rfind("-dict=", 0) == 0; }) == 1);
  CHECK(std::find(flags.begin(), flags.end(), "-max_len=1024") != flags.end());
  CHECK(is_op_records(*sequences));
  CHECK(input_suffix(*sequences) == ".rec");

  const auto* text = find_fuzz_target("fuzz_ops_text");
  REQUIRE(text != nullptr);
  CHECK_FALSE(text->sockets);
  CHECK(is_text_format(*text));
  const auto* asio = find_fuzz_target("fuzz_asio_close");
  REQUIRE(asio != nullptr);
  CHECK(is_asio_text(*asio));
  CHECK(input_suffix(*asio) == ".asio");
  CHECK(option_int(*asio, "timeout", 0) == 30);
  for (const auto& target : fuzz_targets()) {
    INFO(target.name);
    CHECK(target.source_dir == CLOSESEM_SOURCE_DIR);
    if (!target.dictionary.empty()) CHECK(fs::is_regular_file(target.dictionary));
    CHECK((is_text_format(target) || closesem::ops::find_input_format(target.format) != nullptr));
  }
}

TEST_CASE("manifest: targets.json for scripts holds the same rows", "[fuzzing]") {
  std::ifstream in(CLOSESEM_FUZZ_TARGETS_JSON);
  REQUIRE(in);
  const auto json = nlohmann::json::parse(in);
  const auto& rows = json.at("targets");
  REQUIRE(rows.size() == fuzz_targets().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& target = fuzz_targets()[i];
    INFO(target.name);
    CHECK(rows[i].at("name") == target.name);
    CHECK(rows[i].at("format") == target.format);
    CHECK(rows[i].at("input_suffix") == input_suffix(target));
    CHECK(rows[i].at("sockets") == target.sockets);
    CHECK(rows[i].at("dictionary") == target.dictionary);
    CHECK(rows[i].at("options").size() == target.options.size());
    for (const auto& [key, value] : target.options) CHECK(rows[i].at("options").at(key) == value);
  }
  std::ifstream list(fs::path(CLOSESEM_FUZZ_TARGETS_JSON).parent_path() / "targets.txt");
  std::string line;
  std::size_t n = 0;
  while (std::getline(list, line)) CHECK(line == fuzz_targets().at(n++).name);
  CHECK(n == fuzz_targets().size());
}

TEST_CASE("manifest: seeds stage in the format the target reads", "[fuzzing]") {
  files::Scratch scratch;
  REQUIRE_FALSE(scratch.path.empty());
  for (const auto& target : fuzz_targets()) {
    INFO(target.name);
    const std::string dest = scratch.path + "/" + target.name;
    std::string error;
    const int count = stage_seeds(target, dest, error);
    INFO(error);
    REQUIRE(count > 0);
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dest)) {
      ++files;
      // A binary format's staged inputs all carry its suffix: no .ops text left to mutate letter by letter.
      if (!is_text_format(target)) CHECK(entry.path().extension() == input_suffix(target));
    }
    CHECK(files == count);
  }
  std::string error;
  CHECK(stage_seeds(fuzz_targets().front(), "/proc/no/such/folder", error) == -1);
  CHECK(error.find("cannot make") != std::string::npos);
}
