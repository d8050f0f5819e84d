// SPDX-License-Identifier: MIT
// The fuzz, promote and bench subcommands on the command line, and `fuzz` itself (one
// target under libFuzzer, seeded from its corpora, with its dictionary and options).
#include "fuzzing/commands.hpp"

#include "closesem/platform.hpp"
#include "closesem/process.hpp"
#include "fuzzing/manifest.hpp"
#include "fuzzing/target_run.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace closesem::tool {
namespace {

std::string prog() {
  const char* name = std::getenv("CLOSESEM_PROG_NAME");
  return name != nullptr && *name != '\0' ? name : "./closesem";
}

std::string target_list() {
  std::string names;
  for (const auto& target : fuzz_targets()) names += target.name + " ";
  return names;
}

void fuzz_usage(std::ostream& out) {
  out << "Usage: " << prog() << " fuzz TARGET [--time SECONDS]\n\n"
      << "Fuzz one target with libFuzzer (the clang 'fuzz' preset, ASan+UBSan), seeded from\n"
         "corpora/TARGET/seeds and regressions with its dictionary and options (fuzz/CMakeLists.txt).\n"
         "New corpus units go to build/fuzz-corpus/TARGET, findings to findings/TARGET/, each\n"
         "with its record crash-<sha1>.finding.json where the target writes one (then: "
      << prog() << " promote).\n\n"
      << "  TARGET           one of: " << target_list() << "\n"
      << "  --time SECONDS   how long (default 60)\n"
      << "  -h, --help       this text\n\n"
      << "Exit status: libFuzzer's (0 when it found nothing), 2 on bad usage.\n";
}

void promote_usage(std::ostream& out) {
  out << "Usage: " << prog() << " promote CRASH --name ID [--target TARGET]\n\n"
      << "Turn a fuzz finding into a regression input: run CRASH once to learn its signature\n"
         "(the target's finding record, or what a sanitizer or libFuzzer reported), minimise it\n"
         "while that signature stays the same (whole ops for the op-program targets, lines for\n"
         "the asio-text target, bytes for the others), run it once more to confirm, and write\n"
         "corpora/TARGET/regressions/ID.bin with ID.ops beside it (the program, readable; replay\n"
         "it with '"
      << prog() << " ops run'). Asio-text targets (fuzz_asio_close): ID.asio, its program text.\n\n"
      << "  CRASH              the input that failed (findings/TARGET/crash-..., or a .ops script)\n"
         "  --name ID          the regression's name: letters, digits, '.', '_' or '-'\n"
         "  --target TARGET    the fuzz target; default: the folder CRASH is in\n"
         "  --fuzzers DIR      the folder of the target binaries (default: this build's fuzz/)\n"
         "  --out DIR          where to write (default: corpora/TARGET/regressions)\n"
         "  --time-limit S     stop minimising after S seconds, keeping the smallest so far\n"
         "  --log FILE         keep the output of the confirming run\n"
         "  --origin TEXT      the first line of the header\n"
         "  -h, --help         this text\n\n"
         "Exit status: 0 written, 1 the input does not fail (or not the same way once\n"
         "minimised), 2 bad arguments or a failed write.\n";
}

void bench_usage(std::ostream& out) {
  out << "Usage: " << prog() << " bench [--time SECONDS] [--engines LIST] [TARGET...]\n\n"
      << "Executions per second of each fuzz target against a bare loop that only makes, uses\n"
         "and closes TCP pairs (bench_bare_pairs), built the same way, in the same run, for each\n"
         "engine the nightly runs:\n"
         "  replay           the replay engine's random mode (seed 1), release preset\n"
         "  libfuzzer        libFuzzer without sanitizers, fuzz-nosan preset\n"
         "  libfuzzer-asan   libFuzzer with ASan+UBSan, fuzz preset\n"
         "  wine             the Windows build's replay engine under Wine, mingw preset\n"
         "                   (through <build>/wine-run)\n"
         "libFuzzer runs as the nightly does: the target's .options flags and dictionary, its\n"
         "seeds staged into a scratch corpus, -max_total_time, -print_final_stats=1 (exec/s:\n"
         "stat::number_of_executed_units over the run's wall time); its bare loop starts from\n"
         "an empty corpus. Per engine the bare loop runs before and after the targets (at most\n"
         "60 s each), the targets in between (default 20 s each); the replay engine's\n"
         "fuzz_close_sequences also runs without pending calls. Prints the kernel, CPU count\n"
         "and load, then a markdown table: program, engine, sanitizers, exec/s, the share of\n"
         "its engine's bare loop (whole percent, rounded down), the share of ops the model\n"
         "checked (CLOSESEM_CHECK_COUNTS), descriptors (sampled every second; not under Wine),\n"
         "the TIME_WAIT sockets left, findings (they do not stop a run). An engine this machine\n"
         "cannot build or run (no clang that links libFuzzer, no wine64 or mingw-w64) is\n"
         "named as not measured, with the reason.\n\n"
      << "  TARGET...            the targets (default: every one that makes socket calls)\n"
         "  --time SECONDS       how long each target runs (default 20)\n"
         "  --engines LIST       comma-separated engines (default: every one this machine can run)\n"
         "  --replay-build DIR, --libfuzzer-build DIR, --asan-build DIR, --wine-build DIR\n"
         "                       each engine's build folder, its programs in DIR/fuzz (default:\n"
         "                       build/<preset> of the source tree, which "
      << prog() << " bench builds;\n"
         "                       a folder given is used as it is)\n"
         "  --build-targets      check the arguments, print what to build: PRESET TARGET... per line\n"
         "  -h, --help           this text\n\n"
         "Exit status: 0 every engine asked for was measured; 1 a measurement failed (a program\n"
         "did not start, crashed, overran its bound or printed no rate; an engine named in\n"
         "--engines could not run here; a build is missing); 2 bad usage or a failed write.\n";
}

}  // namespace

// Seconds from an option's text: a whole number from 1 to 86400, else `error`.
bool parse_seconds(const std::string& text, const char* option, int& seconds, std::string& error, bool zero_ok) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < (zero_ok ? 0 : 1) || value > 86400) {
    error = std::string(option) + " needs a number of seconds (" + (zero_ok ? "0" : "1") + " to 86400), got '" +
            text + "'";
    return false;
  }
  seconds = static_cast<int>(value);
  return true;
}

std::string default_fuzzers_dir() {
  // This tool is <build>/tools/closesem_tool; the targets are <build>/fuzz/<name>.
  const std::filesystem::path self = platform::executable_path();
  return (self.parent_path().parent_path() / "fuzz").string();
}

int fuzz_command(const FuzzCommandOptions& options, bool build_targets, std::ostream& out, std::ostream& err) {
  const auto bad = [&](const std::string& why) {
    err << "closesem fuzz: " << why << "\n";
    return 2;
  };
  if (options.args.empty()) return bad("needs a target (one of: " + target_list() + ")");
  if (options.args.size() > 1) return bad("takes one target, got " + std::to_string(options.args.size()));
  const FuzzTarget* target = find_fuzz_target(options.args[0]);
  if (target == nullptr) return bad("unknown fuzz target '" + options.args[0] + "' (one of: " + target_list() + ")");
  int seconds = 0;
  std::string error;
  if (!parse_seconds(options.time, "--time", seconds, error, false)) return bad(error);
  if (build_targets) {
    out << target->name << "\n";
    return 0;
  }
  const std::string top = target->source_dir;
  const std::string binary = (options.fuzzers.empty() ? default_fuzzers_dir() : options.fuzzers) + "/" + target->name;
  const std::string corpus = options.corpus.empty() ? top + "/build/fuzz-corpus/" + target->name : options.corpus;
  const std::string seeds = corpus + "-seeds";
  const std::string findings = options.findings.empty() ? top + "/findings/" + target->name : options.findings;
  std::error_code ec;
  if (!std::filesystem::exists(binary, ec)) return bad("no target binary " + binary + " (build the fuzz preset)");
  for (const auto& dir : {corpus, findings}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      err << "closesem fuzz: cannot make the folder " << dir << ": " << ec.message() << "\n";
      return 2;
    }
  }
  if (stage_seeds(*target, seeds, error) < 0) {
    err << "closesem fuzz: " << error << "\n";
    return 2;
  }
  RunSpec spec;
  spec.argv = {binary};
  for (const auto& flag : libfuzzer_flags(*target)) spec.argv.push_back(flag);
  spec.argv.insert(spec.argv.end(), {"-max_total_time=" + std::to_string(seconds), "-print_final_stats=1",
                                     "-artifact_prefix=" + findings + "/", corpus, seeds});
  // The socket targets write crash-<sha1>.finding.json beside libFuzzer's crash-<sha1>.
  spec.env = {{"CLOSESEM_FINDING_DIR", findings}};
  spec.inherit_output = true;
  // libFuzzer stops itself at -max_total_time; the bound is for a run that does not.
  spec.limit = std::chrono::seconds(seconds + option_int(*target, "timeout", 25) + 120);
  const auto shown = [&](const std::string& path) {
    return path.compare(0, top.size() + 1, top + "/") == 0 ? path.substr(top.size() + 1) : path;
  };
  err << "closesem: fuzzing " << target->name << " for " << seconds << " s; new corpus units: " << shown(corpus)
      << ", findings: " << shown(findings) << "/\n";
  const RunResult result = run_bounded(spec);
  if (!result.started) {
    err << "closesem fuzz: " << result.error << "\n";
    return 2;
  }
  long found = 0;
  for (std::filesystem::directory_iterator it(findings, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && it->path().extension() != ".json") ++found;
  err << "closesem: " << target->name << ": exit " << result.status << (result.timed_out ? " (stopped at its bound)" : "")
      << "; " << found << " finding(s) in " << shown(findings) << "/\n";
  return result.status;
}

void FuzzCommands::add(CLI::App& app) {
  fuzz_ = app.add_subcommand("fuzz", "Fuzz one target with libFuzzer (see fuzz --help)");
  fuzz_->set_help_flag();
  fuzz_->add_flag("-h,--help", fuzz_help_, "This text");
  fuzz_->add_option("target", fuzz_options_.args, "The fuzz target");
  fuzz_->add_option("--time", fuzz_options_.time, "Seconds (default 60)");
  fuzz_->add_option("--fuzzers", fuzz_options_.fuzzers, "Folder of the target binaries");
  fuzz_->add_option("--findings", fuzz_options_.findings, "Folder of findings");
  fuzz_->add_option("--corpus", fuzz_options_.corpus, "Corpus folder");
  fuzz_->add_flag("--build-targets", build_targets_, "Check the arguments, print the CMake targets needed");

  promote_ = app.add_subcommand("promote", "Turn a fuzz finding into a regression input (see promote --help)");
  promote_->set_help_flag();
  promote_->add_flag("-h,--help", promote_help_, "This text");
  promote_->add_option("crash", promote_options_.args, "The input that failed");
  promote_->add_option("--name", promote_options_.id, "The regression's name");
  promote_->add_option("--target", promote_options_.target, "The fuzz target");
  promote_->add_option("--fuzzers", promote_options_.fuzzers, "Folder of the target binaries");
  promote_->add_option("--out", promote_options_.out_dir, "Where to write");
  promote_->add_option("--time-limit", promote_options_.time_limit, "Seconds of minimisation");
  promote_->add_option("--log", promote_options_.log, "Keep the confirming run's output");
  promote_->add_option("--origin", promote_options_.origin, "The header's first line");
  promote_->add_flag("--build-targets", build_targets_, "Check the arguments, print the CMake targets needed");

  bench_ = app.add_subcommand("bench", "Executions per second against the bare pair loop (see bench --help)");
  bench_->set_help_flag();
  bench_->add_flag("-h,--help", bench_help_, "This text");
  bench_->add_option("targets", bench_options_.targets, "Targets");
  bench_->add_option("--time", bench_options_.time, "Seconds per target (default 20)");
  bench_->add_option("--engines", bench_options_.engines, "Engines: replay,libfuzzer,libfuzzer-asan,wine");
  bench_->add_option("--replay-build", bench_options_.replay_build, "The replay engine's build folder");
  bench_->add_option("--libfuzzer-build", bench_options_.libfuzzer_build, "libFuzzer's build folder");
  bench_->add_option("--asan-build", bench_options_.asan_build, "libFuzzer + ASan/UBSan's build folder");
  bench_->add_option("--wine-build", bench_options_.wine_build, "The Windows build's folder");
  bench_->add_flag("--build-targets", build_targets_, "Check the arguments, print the CMake targets needed");
}

std::optional<int> FuzzCommands::run(std::ostream& out, std::ostream& err) const {
  if (fuzz_ != nullptr && *fuzz_) {
    if (fuzz_help_) return fuzz_usage(out), 0;
    return fuzz_command(fuzz_options_, build_targets_, out, err);
  }
  if (promote_ != nullptr && *promote_) {
    if (promote_help_) return promote_usage(out), 0;
    return promote_command(promote_options_, build_targets_, out, err);
  }
  if (bench_ != nullptr && *bench_) {
    if (bench_help_) return bench_usage(out), 0;
    BenchOptions options = bench_options_;
    options.engines_given = bench_->count("--engines") > 0;
    return bench_command(options, build_targets_, out, err);
  }
  return std::nullopt;
}

}  // namespace closesem::tool
