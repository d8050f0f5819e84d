// SPDX-License-Identifier: MIT
// closesem_tool's fuzz-target subcommands: `fuzz`, `promote` and `bench` (what the
// ./closesem front end hands over to once it has built what they need). Each answers
// --help (exit 0), refuses bad input with its reason (exit 2), and with --build-targets
// only checks its arguments and prints the CMake targets it needs, one a line (the front
// end builds those, then runs the subcommand).
#pragma once

#include "fuzzing/promote.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace closesem::tool {

struct FuzzCommandOptions {
  std::vector<std::string> args;  // TARGET
  std::string time = "60";
  std::string fuzzers;            // default: this build's fuzz/
  std::string findings;           // default: <source>/findings/TARGET
  std::string corpus;             // default: <source>/build/fuzz-corpus/TARGET
};
int fuzz_command(const FuzzCommandOptions&, bool build_targets, std::ostream& out, std::ostream& err);

struct BenchOptions {
  std::string time = "20";
  std::vector<std::string> targets;  // default: every target that makes socket calls
  std::string engines;               // --engines LIST: replay,libfuzzer,libfuzzer-asan,wine
  bool engines_given = false;        // (when not: every engine this machine can run)
  // Each engine's build folder (the binaries in <build>/fuzz); "" = <source>/build/<preset>:
  // release, fuzz-nosan, fuzz, mingw.
  std::string replay_build, libfuzzer_build, asan_build, wine_build;
};
int bench_command(const BenchOptions&, bool build_targets, std::ostream& out, std::ostream& err);

// promote's command line (the options of PromoteOptions, CRASH positional, TARGET from
// the folder CRASH is in when --target is not given).
struct PromoteCommandOptions {
  std::vector<std::string> args;  // CRASH
  std::string id, target, fuzzers, out_dir, time_limit = "0", log, origin;
};
int promote_command(const PromoteCommandOptions&, bool build_targets, std::ostream& out, std::ostream& err);

// Seconds from an option's text: a whole number from 1 (0 when zero_ok) to 86400, else
// false with `error` naming the option.
bool parse_seconds(const std::string& text, const char* option, int& seconds, std::string& error, bool zero_ok);

// The three subcommands on `app`; run() gives the exit status of the one that was given.
class FuzzCommands {
 public:
  void add(CLI::App& app);
  std::optional<int> run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* fuzz_ = nullptr;
  CLI::App* promote_ = nullptr;
  CLI::App* bench_ = nullptr;
  bool fuzz_help_ = false, promote_help_ = false, bench_help_ = false;
  bool build_targets_ = false;
  FuzzCommandOptions fuzz_options_;
  PromoteCommandOptions promote_options_;
  BenchOptions bench_options_;
};

}  // namespace closesem::tool
