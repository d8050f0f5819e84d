// SPDX-License-Identifier: MIT
// `closesem bench`: executions per second of each fuzz target against the bare pair loop
// (fuzz/bench_bare_pairs.cpp) built the same way, in the same run, for each engine the
// nightly runs (issue 20): the replay engine (release preset), libFuzzer without
// sanitizers (fuzz-nosan), libFuzzer with ASan+UBSan (fuzz) and the Windows build's replay
// engine under Wine (mingw, through <build>/wine-run). Sanitizers do not instrument the
// kernel (or Wine), the system under test: the rows say what they cost the harness.
//
// Per engine, the bare loop runs before and after the targets (at most 60 s each) and the
// shares are against the mean of the two. The replay engine runs its random mode (seed 1)
// and counts its own rate; libFuzzer runs as the nightly runs it (the target's .options
// flags and dictionary, its seeds staged into a scratch corpus, -max_total_time), and the
// rate is its final stats' stat::number_of_executed_units over the run's wall time (its
// start-up and seed loading included); the bare loop under libFuzzer starts from an empty
// corpus. While a native program runs, its descriptor count is sampled every second
// (/proc/PID/fd; under Wine the sockets are Wine's handles inside wine64: not sampled);
// afterwards the host's TIME_WAIT sockets are counted (/proc/net/tcp, tcp6). A finding
// does not stop a run (CLOSESEM_FUZZ_KEEP_GOING): findings and pair-setup failures are
// counted and shown. The replay engine's fuzz_close_sequences runs three times: as it is,
// without pending calls (CLOSESEM_FUZZ_NO_PENDING=1, fuzz/harness.hpp: its inputs lose
// every start, collect and cancel), so that the table shows what pending calls cost (issue
// 17), and blind (CLOSESEM_FUZZ_BLIND=1, fuzz/replay_main.cpp: every input drawn afresh,
// no semantic feedback), so that it shows what the feedback costs and gains (issue 21).
// Each program runs with CLOSESEM_CHECK_COUNTS set to a file in the run's scratch folder:
// the targets with an op model write there how many ops they ran and how many the model
// checked (fuzzing/check_counts_file.hpp), the "checked ops" column; a target that should
// write one and did not is named below the table ("–" is no pass).
//
// An engine this machine cannot build or run (no clang that links libFuzzer, no wine64 or
// mingw-w64) is named as not measured, with the reason; a program that does not start,
// crashes, overruns its bound or prints no rate is a failed measurement (exit 1).
#include "fuzzing/commands.hpp"
#include "fuzzing/files.hpp"

#include "closesem/platform.hpp"
#include "fuzzing/check_counts_file.hpp"
#include "fuzzing/coverage.hpp"
#include "fuzzing/manifest.hpp"
#include "fuzzing/target_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <system_error>
#include <thread>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;

// One engine of the bench: the build it runs and how the table names it.
struct Engine {
  const char* name;        // in --engines
  const char* preset;      // the CMake preset that builds it
  const char* option;      // the option that names its build folder
  const char* label;       // the table's engine column
  const char* sanitizers;  // the table's sanitizers column
  bool libfuzzer;          // libFuzzer; else the replay engine's random mode
  bool wine;               // the Windows build through <build>/wine-run
};

constexpr Engine kEngines[] = {
    {"replay", "release", "--replay-build", "replay", "none", false, false},
    {"libfuzzer", "fuzz-nosan", "--libfuzzer-build", "libFuzzer", "none", true, false},
    {"libfuzzer-asan", "fuzz", "--asan-build", "libFuzzer", "ASan+UBSan", true, false},
    {"wine", "mingw", "--wine-build", "replay under Wine", "none", false, true},
};

std::string engine_names() {
  std::string names;
  for (const auto& engine : kEngines) names += (names.empty() ? "" : ", ") + std::string(engine.name);
  return names;
}

#ifndef _WIN32
struct Sample {
  long rate = 0;
  bool has_rate = false;
  std::string fds = "?–?";
  long findings = 0;
  long pair_failures = 0;
  long time_wait = 0;
  std::string findings_text = "–";
  std::string failure;  // why the measurement failed; "" when it did not
  // What the model checked (a target with an op model; the bare loop has none).
  bool counts_expected = false;
  CheckCountsSum counts;
  // Semantic coverage (issue 21): the model transitions its processes reached
  // (CLOSESEM_SEMANTIC_COVERAGE); none for a program without an op model.
  std::optional<SemanticCoverage> semantic;
};

std::string first_line_of(const std::string& path) {
  std::string text, error;
  if (!files::read(path, text, error)) return "?";
  text = text.substr(0, text.find('\n'));
  std::replace(text.begin(), text.end(), '\t', '-');
  return text.empty() ? "?" : text;
}

// TCP sockets in TIME_WAIT (state 06 in /proc/net/tcp and tcp6), as `ss state time-wait` counts them.
long time_wait_count() {
  long count = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::string text, error;
    if (!files::read(table, text, error)) continue;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);  // the heading
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      if (fields >> slot >> local >> remote >> state && state == "06") ++count;
    }
  }
  return count;
}

long descriptors_of(long pid) {
  std::error_code ec;
  long n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end; it.increment(ec))
    ++n;
  return ec && n == 0 ? -1 : n;
}

long count_lines(const std::string& text, const std::string& prefix) {
  long n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, prefix.size(), prefix) == 0) ++n;
  return n;
}

// The last `count` lines of a log (what a failed run said last).
std::string last_lines(const std::string& text, int count) {
  std::size_t at = text.size();
  for (int i = 0; i < count && at != std::string::npos && at > 0; ++i) at = text.rfind('\n', at - 1);
  return at == std::string::npos ? text : text.substr(at + 1);
}

// Why this machine cannot build and run an engine ("" when it can), each asked once: a
// libFuzzer engine needs a clang++ that links a fuzzer (with ASan+UBSan for the fuzz
// preset); Wine needs wine64 and the mingw-w64 compiler of cmake/toolchains/mingw-w64.cmake.
class Capabilities {
 public:
  explicit Capabilities(std::string scratch) : scratch_(std::move(scratch)) {}

  const std::string& cannot_run(const Engine& engine) {
    auto found = answers_.find(engine.name);
    if (found != answers_.end()) return found->second;
    return answers_[engine.name] = ask(engine);
  }

 private:
  std::string ask(const Engine& engine) {
    if (engine.wine) {
      if (files::find_program("wine64", {"/usr/lib/wine", "/usr/lib64/wine"}).empty())
        return "no wine64 on PATH or in /usr/lib/wine (install wine and wine64)";
      if (files::find_program("x86_64-w64-mingw32-g++-posix").empty())
        return "no mingw-w64 compiler x86_64-w64-mingw32-g++-posix on PATH (install g++-mingw-w64-x86-64-posix)";
      return {};
    }
    if (!engine.libfuzzer) return {};
    const std::string clang = files::find_program("clang++");
    if (clang.empty()) return "no clang++ on PATH (install clang and libclang-rt-14-dev)";
    const std::string flag =
        std::string("-fsanitize=fuzzer") + (std::string(engine.sanitizers) == "none" ? "" : ",address,undefined");
    const std::string dir = scratch_ + "/probe-" + engine.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::string error;
    if (!files::write(dir + "/probe.cpp",
                      "extern \"C\" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n",
                      error))
      return "cannot test clang++: " + error;
    RunSpec spec;
    spec.argv = {clang, flag, dir + "/probe.cpp", "-o", dir + "/probe"};
    spec.log_path = dir + "/clang.log";
    spec.limit = std::chrono::seconds(120);
    const RunResult result = run_bounded(spec);
    if (!result.started) return "cannot start " + clang + ": " + result.error;
    if (result.status != 0 || result.timed_out) {
      std::string said = last_lines(result.log, 1);
      while (!said.empty() && said.back() == '\n') said.pop_back();
      return clang + " cannot link " + flag + " here (install libclang-rt-14-dev)" +
             (result.timed_out ? ": stopped after 120 s" : said.empty() ? "" : ": " + said);
    }
    return {};
  }

  std::string scratch_;
  std::map<std::string, std::string> answers_;
};

// fuzz_close_sequences' other runs on the replay engine, each right after its own run, with
// one environment variable set: the table's rows "fuzz_close_sequences (TITLE)".
struct Variant {
  const char* env;
  const char* title;
  const char* folder;  // the run's scratch folder: <target>.<folder>
};
constexpr Variant kVariants[] = {
    {"CLOSESEM_FUZZ_NO_PENDING", "no pending calls", "no-pending"},
    {"CLOSESEM_FUZZ_BLIND", "blind", "blind"},
};
constexpr std::size_t kNoPending = 0, kBlind = 1;
constexpr const char* kVariantTarget = "fuzz_close_sequences";

// The programs one engine runs: the binary of each, in its build folder.
std::string binary_of(const Engine& engine, const std::string& build, const std::string& program) {
  return (fs::path(build) / "fuzz" / (program + (engine.wine ? ".exe" : ""))).string();
}

class Bench {
 public:
  Bench(std::ostream& err, std::string scratch) : err_(err), scratch_(std::move(scratch)) {}

  // One program for `budget` seconds. False when the measurement failed (sample.failure
  // says why): it did not start, ended with a non-zero status or at its bound, or gave no rate.
  bool run(const Engine& engine, const std::string& build, const std::string& name, int budget, Sample& sample,
           const std::string& label, const struct Variant* variant = nullptr) {
    const std::string dir = scratch_ + "/" + engine.name + "/" + label;
    const std::string counts_dir = dir + "/counts";
    std::error_code ec;
    fs::create_directories(counts_dir, ec);
    if (ec) return failed(sample, name, "cannot make the scratch folder " + counts_dir + ": " + ec.message());
    const FuzzTarget* target = find_fuzz_target(name);
    RunSpec spec;
    spec.log_path = dir + "/output.log";
    spec.cwd = dir;  // (whatever a finding leaves behind stays in the scratch folder)
    const std::string semantic_dir = dir + "/semantic";
    fs::create_directories(semantic_dir, ec);
    spec.env = {{"CLOSESEM_FUZZ_KEEP_GOING", "1"},
                {"CLOSESEM_CHECK_COUNTS", counts_dir + "/" + name + "-%p.json"},
                {"CLOSESEM_SEMANTIC_COVERAGE", semantic_dir + "/" + name + "-%p.json"}};
    if (variant != nullptr) spec.env.emplace_back(variant->env, "1");
    int per_input = 0;
    if (engine.libfuzzer) {
      // As the nightly runs it: the target's flags (dictionary, max_len, timeout), its seeds
      // staged into a corpus of this run; new units go to the first folder. The bare loop
      // has no options and no seeds: an empty corpus.
      spec.argv = {binary_of(engine, build, name)};
      const std::string corpus = dir + "/corpus";
      fs::create_directories(corpus, ec);
      if (ec) return failed(sample, name, "cannot make the corpus folder " + corpus + ": " + ec.message());
      if (target != nullptr)
        for (const auto& flag : libfuzzer_flags(*target)) spec.argv.push_back(flag);
      spec.argv.insert(spec.argv.end(), {"-seed=1", "-max_total_time=" + std::to_string(budget),
                                         "-print_final_stats=1", "-artifact_prefix=" + dir + "/", corpus});
      if (target != nullptr) {
        std::string error;
        if (stage_seeds(*target, dir + "/seeds", error) < 0) return failed(sample, name, error);
        spec.argv.push_back(dir + "/seeds");
        per_input = option_int(*target, "timeout", 25);
      }
    } else {
      if (engine.wine) spec.argv.push_back((fs::path(build) / "wine-run").string());
      spec.argv.insert(spec.argv.end(), {binary_of(engine, build, name), "--random", "--seed", "1", "--budget",
                                         std::to_string(budget)});
      // A Windows program under Wine answers more slowly: its bounded waits get more time,
      // as in `closesem run` and the mingw preset's tests.
      const char* multiplier = std::getenv("CLOSESEM_TIMEOUT_MULTIPLIER");
      if (engine.wine && (multiplier == nullptr || *multiplier == '\0'))
        spec.env.emplace_back("CLOSESEM_TIMEOUT_MULTIPLIER", "3");
    }
    spec.limit = std::chrono::seconds(budget + per_input + 120);
    BoundedRun process;
    std::string error;
    if (!process.start(spec, error)) return failed(sample, name, error);
    long low = -1, high = -1;
    std::optional<RunResult> result;
    do {
      const long n = engine.wine ? -1 : descriptors_of(process.pid());
      if (n > 0) {
        low = low < 0 ? n : std::min(low, n);
        high = std::max(high, n);
      }
    } while (!(result = process.wait_for(std::chrono::seconds(1))));
    // (at least 1 µs: a stand-in that prints its stats at once still has a rate)
    const auto elapsed = std::max<std::chrono::microseconds::rep>(
        1, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - process.started_at())
               .count());
    std::istringstream in(result->log);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();  // (a Windows program's line end)
      std::smatch m;
      if (engine.libfuzzer) {
        static const std::regex units("stat::number_of_executed_units: *([0-9]+).*");
        if (std::regex_match(line, m, units)) {
          sample.rate = static_cast<long>(std::stod(m[1]) * 1e6 / static_cast<double>(elapsed));
          sample.has_rate = true;
        }
      } else {
        static const std::regex rate(".* ([0-9]+) per second.*");
        if (std::regex_match(line, m, rate)) {
          sample.rate = std::stol(m[1]);
          sample.has_rate = true;
        }
      }
    }
    sample.fds = engine.wine ? "–" : (low < 0 ? "?" : std::to_string(low)) + "–" + (high < 0 ? "?" : std::to_string(high));
    sample.findings = count_lines(result->log, "closesem finding:");
    sample.pair_failures = count_lines(result->log, "closesem signature: pair-setup");
    sample.time_wait = time_wait_count();
    sample.counts_expected = target != nullptr && writes_check_counts(*target);
    sample.counts = sum_check_counts(counts_dir, name);
    {
      std::map<std::string, SemanticCoverage> semantic;
      std::string problem;
      if (!read_semantic_coverage({semantic_dir}, semantic, problem))
        err_ << "bench: " << name << ": " << problem << "\n";
      else if (semantic.count(name) > 0)
        sample.semantic = semantic[name];
    }
    sample.findings_text = std::to_string(sample.findings);
    if (sample.pair_failures > 0) sample.findings_text += " (" + std::to_string(sample.pair_failures) + " pair setup)";
    const std::string what = name + (variant != nullptr ? std::string(" (") + variant->title + ")" : "");
    if (result->status != 0 || result->timed_out) {
      err_ << "bench: " << engine.name << ": " << what << " ended with status " << result->status
           << (result->timed_out ? " (stopped at its bound)" : "") << "; its last lines:\n"
           << last_lines(result->log, 16);
      sample.findings_text += " (exit " + std::to_string(result->status) + ")";
      sample.failure = "ended with status " + std::to_string(result->status) +
                       (result->timed_out ? ", stopped at its bound of " + std::to_string(spec.limit.count()) + " s"
                                          : std::string());
    } else if (!sample.has_rate) {
      err_ << "bench: " << engine.name << ": " << what << " printed no rate; its last lines:\n"
           << last_lines(result->log, 16);
      sample.failure = engine.libfuzzer ? "printed no stat::number_of_executed_units (libFuzzer's final stats)"
                                        : "printed no rate (the replay engine's 'N per second')";
    }
    err_ << "bench: " << engine.name << ": " << what << ": " << sample.rate << " executions per second, descriptors "
         << sample.fds << ", " << sample.findings_text << " finding(s)"
         << (sample.counts.files > 0 ? ", " + std::to_string(sample.counts.total.run) + " ops, " +
                                           checked_percent(sample.counts.total) + " checked"
                                     : std::string())
         << "\n";
    return sample.failure.empty();
  }

 private:
  bool failed(Sample& sample, const std::string& name, const std::string& why) {
    sample.failure = why;
    sample.findings_text = "–";
    sample.fds = "–";
    err_ << "bench: " << name << ": " << why << "\n";
    return false;
  }

  std::ostream& err_;
  std::string scratch_;
};

// One engine's rows.
struct EngineRun {
  const Engine* engine = nullptr;
  std::string build;
  Sample before, after;
  std::vector<Sample> samples;  // per target
  Sample variants[std::size(kVariants)];  // fuzz_close_sequences' other runs (replay engine only)
  bool ran_variants = false;
  long bare = 0;                // mean of the two bare runs
  std::string share(long rate) const { return bare > 0 ? std::to_string(100 * rate / bare) + "%" : "?"; }
};

std::string row(const EngineRun& run, const std::string& label, const Sample& s) {
  // (no file, or none that could be read: "–", and a line below the table says why)
  const bool counted = s.counts.files > 0;
  const bool measured = s.failure.empty() || s.has_rate;
  return "| " + label + " | " + run.engine->label + " | " + run.engine->sanitizers + " | " +
         (measured ? std::to_string(s.rate) : std::string("failed")) + " | " +
         (measured ? run.share(s.rate) : std::string("–")) + " | " +
         (counted ? checked_percent(s.counts.total) + " of " + std::to_string(s.counts.total.run) : "–") + " | " +
         s.fds + " | " + std::to_string(s.time_wait) + " | " + s.findings_text + " |";
}

// Below the table: what went wrong with the counts of a program that has an op model.
void counts_notes(std::ostream& out, const std::string& label, const Sample& s) {
  for (const auto& problem : s.counts.problems) out << "- " << label << ": a counts file was not read: " << problem << "\n";
  if (s.counts_expected && s.failure.empty() && s.counts.files == 0)
    out << "- " << label << " wrote no counts file (CLOSESEM_CHECK_COUNTS): what its model checked is unknown, not a pass.\n";
}

// Issue 20's goals, as figures (never assertions): the share of the bare loop per target
// and engine ("" for every engine).
struct Goal {
  const char* target;
  const char* engine;
  int percent;
};
constexpr Goal kGoals[] = {
    {"fuzz_close_sequences", "replay", 75},    {"fuzz_close_sequences", "libfuzzer", 60},
    {"fuzz_close_sequences", "libfuzzer-asan", 35}, {"fuzz_handles", "", 50},
    {"fuzz_linger", "", 10},                   {"fuzz_asio_close", "", 10},
};

std::string engine_title(const Engine& engine) {
  return std::string(engine.label) + (std::string(engine.sanitizers) == "none" ? "" : " with " + std::string(engine.sanitizers));
}
#endif

}  // namespace

// Semantic coverage per engine and target (issue 21): the model transitions its inputs went
// through, and how many of those the model's search finds reachable with programs of up
// to kSemanticDepth ops (closesem coverage reachable), as a share.
#ifndef _WIN32
constexpr int kSemanticDepth = 4;
void semantic_section(std::ostream& out, const std::vector<EngineRun>& runs, const std::vector<std::string>& targets) {
  std::ostringstream lines;
  std::map<std::string, std::optional<ReachableSet>> reachable;  // by profile
  const auto add = [&](const EngineRun& run, const std::string& label, const std::optional<SemanticCoverage>& semantic) {
    if (!semantic) return;
    if (reachable.count(semantic->profile) == 0) {
      std::string error;
      reachable[semantic->profile] = reachable_for(semantic->profile, kSemanticDepth, 300000, error);
    }
    const auto& set = reachable[semantic->profile];
    lines << "| " << label << " | " << engine_title(*run.engine) << " | " << semantic->reached.size() << " | ";
    if (set) {
      std::size_t inside = 0;
      for (const auto key : semantic->reached) inside += set->transitions.count(key);
      lines << inside << " of " << set->transitions.size() << " | "
            << (set->transitions.empty() ? 0 : inside * 100 / set->transitions.size()) << "% |";
    } else {
      lines << "– | – |";
    }
    const auto& growth = semantic->growth;
    if (!growth.empty()) {
      const auto at = [&](double fraction) {
        std::uint64_t value = 0;
        for (const auto& point : growth)
          if (point.first <= growth.back().first * fraction) value = point.second;
        return value;
      };
      lines << " " << at(0.25) << " / " << at(0.5) << " / " << growth.back().second << " |";
    } else {
      lines << " – |";
    }
    lines << "\n";
  };
  for (const auto& run : runs) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      add(run, targets[i], run.samples[i].semantic);
      if (targets[i] == kVariantTarget && run.ran_variants)
        add(run, targets[i] + " (" + kVariants[kBlind].title + ")", run.variants[kBlind].semantic);
    }
  }
  if (lines.str().empty()) return;
  out << "\nSemantic coverage (model transitions: the abstract state an op acted on, the op's class, the outcome's "
         "class; reachable: what the model's search finds with programs of up to "
      << kSemanticDepth << " ops, `closesem coverage reachable --depth " << kSemanticDepth << "`):\n\n"
      << "| program | engine | transitions reached | of the reachable | share | after a quarter / half / all of the run |\n"
      << "|---|---|---|---|---|---|\n"
      << lines.str();
}

#endif

int bench_command(const BenchOptions& options, bool build_targets, std::ostream& out, std::ostream& err) {
  const auto bad = [&](const std::string& why) {
    err << "closesem bench: " << why << "\n";
    return 2;
  };
  int seconds = 0;
  std::string error;
  if (!parse_seconds(options.time, "--time", seconds, error, false)) return bad(error);
  std::vector<std::string> targets = options.targets;
  if (targets.empty()) {
    for (const auto& target : fuzz_targets())
      if (target.sockets) targets.push_back(target.name);
  }
  for (const auto& name : targets) {
    if (find_fuzz_target(name) == nullptr)
      return bad("unknown fuzz target '" + name + "' (one of: " + fuzz_target_names() + ")");
    if (std::count(targets.begin(), targets.end(), name) > 1) return bad("fuzz target '" + name + "' is given twice");
  }
  if (targets.empty()) return bad("no fuzz target makes socket calls: nothing to compare");
  // --engines: the names given (in the table's order), or every engine.
  std::vector<const Engine*> engines;
  if (options.engines_given) {
    // (every field, empty ones too: "replay," is a typo, not "replay")
    std::vector<std::string> names(1);
    for (const char c : options.engines) {
      if (c == ',')
        names.emplace_back();
      else
        names.back() += c;
    }
    for (const auto& name : names) {
      if (name.empty())
        return bad("--engines '" + options.engines + "': an empty name (a list of: " + engine_names() + ")");
      const auto* found = std::find_if(std::begin(kEngines), std::end(kEngines),
                                       [&](const Engine& engine) { return name == engine.name; });
      if (found == std::end(kEngines))
        return bad("--engines: unknown engine '" + name + "' (one of: " + engine_names() + ")");
      if (std::count(names.begin(), names.end(), name) > 1) return bad("--engines: '" + name + "' is given twice");
    }
    for (const auto& engine : kEngines)
      if (std::count(names.begin(), names.end(), engine.name) > 0) engines.push_back(&engine);
  } else {
    for (const auto& engine : kEngines) engines.push_back(&engine);
  }
  const std::string top = fuzz_targets().empty() ? std::string(".") : fuzz_targets().front().source_dir;
  // Each engine's build folder: its option's, else <source>/build/<preset>.
  const auto given_folder = [&](const Engine& engine) -> const std::string& {
    if (engine.wine) return options.wine_build;
    if (!engine.libfuzzer) return options.replay_build;
    return std::string(engine.sanitizers) == "none" ? options.libfuzzer_build : options.asan_build;
  };
  const auto folder_of = [&](const Engine& engine) {
    // (absolute: each program runs in a scratch folder of its own)
    const std::string& given = given_folder(engine);
    std::error_code ec;
    const fs::path folder = given.empty() ? fs::path(top) / "build" / engine.preset : fs::absolute(given, ec);
    return folder.lexically_normal().string();
  };
#ifdef _WIN32
  (void)out;
  (void)build_targets;
  (void)folder_of;
  return bad("bench runs on POSIX only (it samples /proc and starts process groups)");
#else
  files::Scratch scratch;
  if (scratch.path.empty()) return bad("cannot make a scratch folder");
  Capabilities capabilities(scratch.path);
  if (build_targets) {
    // One line per build the front end makes: "PRESET TARGET...". An engine this machine
    // cannot build is left out (the run names it as not measured), and so is one whose
    // folder was given (used as it is).
    for (const Engine* engine : engines) {
      if (!given_folder(*engine).empty() || !capabilities.cannot_run(*engine).empty()) continue;
      out << engine->preset << " bench_bare_pairs";
      for (const auto& name : targets) out << " " << name;
      out << "\n";
    }
    out.flush();
    return out ? 0 : 2;
  }

  const int bare_time = std::min(seconds, 60);
  const std::string kernel = first_line_of("/proc/sys/kernel/osrelease");
  std::string load = first_line_of("/proc/loadavg");
  {
    std::istringstream fields(load);
    std::string one, five, fifteen;
    if (fields >> one >> five >> fifteen) load = one + " " + five + " " + fifteen;
  }
  const unsigned cpus = std::thread::hardware_concurrency();
  std::string joined;
  for (const auto& name : targets) joined += (joined.empty() ? "" : " ") + name;
  err << "bench: per engine, the bare loop, then " << joined << ", then the bare loop again; " << seconds
      << " s per target, " << bare_time << " s per bare run\n";
  err << "bench: kernel " << kernel << ", " << cpus << " CPUs, load " << load << ", tcp_tw_reuse="
      << first_line_of("/proc/sys/net/ipv4/tcp_tw_reuse") << " (2: loopback reuses TIME_WAIT ports), ports "
      << first_line_of("/proc/sys/net/ipv4/ip_local_port_range") << "\n";

  Bench bench(err, scratch.path);
  std::vector<EngineRun> runs;
  std::vector<std::string> not_measured, failures;
  // fuzz_close_sequences again, once per variant (right after its own run).
  std::string wine_version;
  for (const Engine* engine : engines) {
    const std::string build = folder_of(*engine);
    std::vector<std::string> missing;
    if (engine->wine && !files::executable(build + "/wine-run")) missing.push_back(build + "/wine-run");
    std::vector<std::string> programs = {"bench_bare_pairs"};
    programs.insert(programs.end(), targets.begin(), targets.end());
    for (const auto& name : programs)
      if (!files::executable(binary_of(*engine, build, name))) missing.push_back(binary_of(*engine, build, name));
    if (!missing.empty()) {
      const std::string& why = capabilities.cannot_run(*engine);
      if (!why.empty()) {
        not_measured.push_back(std::string(engine->name) + " (" + engine_title(*engine) + "): " + why);
        // (asked for by name: a pass would hide that it was not measured)
        if (options.engines_given) failures.push_back(std::string(engine->name) + ": asked for, but " + why);
      } else {
        not_measured.push_back(std::string(engine->name) + " (" + engine_title(*engine) + "): no " + missing.front() +
                               (missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "") +
                               ": build the " + engine->preset + " preset's targets (./closesem bench builds them)");
        failures.push_back(std::string(engine->name) + ": its programs are not built in " + build);
      }
      err << "bench: " << engine->name << ": not measured: " << not_measured.back().substr(not_measured.back().find(": ") + 2)
          << "\n";
      continue;
    }
    if (engine->wine) {
      // Wine's first start in a prefix sets the prefix up and starts wineserver: a short
      // run of the bare loop first, not measured, so that no measured run pays for it.
      RunSpec spec;
      spec.argv = {build + "/wine-run", "--version"};
      spec.log_path = scratch.path + "/wine-version.log";
      spec.limit = std::chrono::seconds(120);
      const RunResult version = run_bounded(spec);
      wine_version = version.started && version.status == 0 ? version.log.substr(0, version.log.find('\n')) : "?";
      Sample warm;
      err << "bench: wine: " << wine_version << "; a first run of the bare loop (1 s, not measured) starts Wine\n";
      bench.run(*engine, build, "bench_bare_pairs", 1, warm, "warm-up");
    }
    EngineRun run;
    run.engine = engine;
    run.build = build;
    run.samples.resize(targets.size());
    const auto note = [&](const std::string& label, const Sample& s) {
      if (!s.failure.empty()) failures.push_back(std::string(engine->name) + ": " + label + ": " + s.failure);
    };
    bench.run(*engine, build, "bench_bare_pairs", bare_time, run.before, "bare-before");
    note("bench_bare_pairs (before)", run.before);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      bench.run(*engine, build, targets[i], seconds, run.samples[i], targets[i]);
      note(targets[i], run.samples[i]);
      if (targets[i] == kVariantTarget && !engine->libfuzzer && !engine->wine) {
        for (std::size_t v = 0; v < std::size(kVariants); ++v) {
          bench.run(*engine, build, targets[i], seconds, run.variants[v], targets[i] + "." + kVariants[v].folder,
                    &kVariants[v]);
          note(targets[i] + " (" + kVariants[v].title + ")", run.variants[v]);
        }
        run.ran_variants = true;
      }
    }
    bench.run(*engine, build, "bench_bare_pairs", bare_time, run.after, "bare-after");
    note("bench_bare_pairs (after)", run.after);
    int bare_runs = 0;
    long bare_sum = 0;
    for (const Sample* s : {&run.before, &run.after})
      if (s->has_rate && s->failure.empty()) {
        bare_sum += s->rate;
        ++bare_runs;
      }
    run.bare = bare_runs > 0 ? bare_sum / bare_runs : 0;
    runs.push_back(std::move(run));
  }

  out << "\n## closesem bench: executions per second, " << files::utc_now("%Y-%m-%d %H:%M UTC") << ", "
      << closesem::platform::platform_id() << "\n\n";
  out << "Machine: kernel " << kernel << ", " << cpus << " CPUs, load " << load
      << " at the start (/proc/loadavg: 1, 5, 15 min); tcp_tw_reuse=" << first_line_of("/proc/sys/net/ipv4/tcp_tw_reuse")
      << ", ports " << first_line_of("/proc/sys/net/ipv4/ip_local_port_range") << "."
      << (wine_version.empty() ? "" : " Wine: " + wine_version + ".") << "\n";
  out << seconds << " s per target, " << bare_time << " s per run of the bare loop (bench_bare_pairs: one TCP loopback "
      << "pair per execution, one byte each way, closed; built as its engine's targets, run before and after them).\n\n";
  if (!runs.empty()) {
    out << "| program | engine | sanitizers | exec/s | of the bare loop | checked ops | descriptors (min–max) | "
           "TIME_WAIT after | findings |\n";
    out << "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& run : runs) {
      out << row(run, "bench_bare_pairs (before)", run.before) << "\n";
      for (std::size_t i = 0; i < targets.size(); ++i) {
        out << row(run, targets[i], run.samples[i]) << "\n";
        if (targets[i] == kVariantTarget && run.ran_variants)
          for (std::size_t v = 0; v < std::size(kVariants); ++v)
            out << row(run, targets[i] + " (" + kVariants[v].title + ")", run.variants[v]) << "\n";
      }
      out << row(run, "bench_bare_pairs (after)", run.after) << "\n";
    }
    out << "\n";
    out << "- exec/s: the replay engine's own rate (random inputs, seed 1, over its budget); libFuzzer's "
           "stat::number_of_executed_units (-print_final_stats=1) over the run's wall time, start-up and seed "
           "loading included (its .options flags, its seeds staged, -seed=1).\n"
           "- of the bare loop: against the mean of its engine's two bare runs, rounded down:";
    for (const auto& run : runs)
      out << " " << engine_title(*run.engine) << " " << (run.bare > 0 ? std::to_string(run.bare) + "/s" : "no rate") << ";";
    out << "\n- checked ops: the share of the ops run whose outcome the model predicted (one outcome or a set), "
           "rounded down, of the ops run; – for a program without an op model.\n";
    if (std::any_of(runs.begin(), runs.end(), [](const EngineRun& r) { return r.engine->wine; }))
      out << "- descriptors under Wine: not sampled (the program's sockets are Wine's handles inside wine64, among "
             "Wine's own descriptors).\n";
    for (const auto& run : runs) {
      const std::string prefix = engine_title(*run.engine) + ", ";
      for (std::size_t i = 0; i < targets.size(); ++i) {
        counts_notes(out, prefix + targets[i], run.samples[i]);
        if (targets[i] == kVariantTarget && run.ran_variants)
          for (std::size_t v = 0; v < std::size(kVariants); ++v)
            counts_notes(out, prefix + targets[i] + " (" + kVariants[v].title + ")", run.variants[v]);
      }
    }
  }
  semantic_section(out, runs, targets);
  for (const auto& line : not_measured) out << "- not measured: " << line << "\n";
  for (const auto& line : failures) out << "- measurement failed: " << line << "\n";
  if (runs.empty()) out << "- no engine was measured.\n";

  // The goals, where their rows were measured.
  std::ostringstream goals;
  for (const auto& goal : kGoals) {
    if (std::find(targets.begin(), targets.end(), goal.target) == targets.end()) continue;
    for (const auto& run : runs) {
      if (*goal.engine != '\0' && goal.engine != std::string(run.engine->name)) continue;
      const auto at = std::find(targets.begin(), targets.end(), goal.target) - targets.begin();
      const Sample& s = run.samples[static_cast<std::size_t>(at)];
      if (!s.failure.empty() || run.bare <= 0) continue;
      goals << "- " << goal.target << ", " << engine_title(*run.engine) << ": " << run.share(s.rate) << " (goal "
            << goal.percent << "%: " << (100 * s.rate / run.bare >= goal.percent ? "met" : "not met") << ")\n";
    }
  }
  for (const auto& run : runs)
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (targets[i] != kVariantTarget || !run.ran_variants || !run.samples[i].failure.empty()) continue;
      const Sample& without = run.variants[kNoPending];
      if (without.failure.empty() && without.rate > 0)
        goals << "- fuzz_close_sequences, " << engine_title(*run.engine) << ": pending calls keep "
              << 100 * run.samples[i].rate / without.rate << "% of its rate without them (goal 80%, issue 17)\n";
      const Sample& blind = run.variants[kBlind];
      if (blind.failure.empty() && blind.rate > 0) {
        const long percent = 100 * run.samples[i].rate / blind.rate;
        goals << "- fuzz_close_sequences, " << engine_title(*run.engine) << ": steered by the semantic feedback, "
              << percent << "% of its blind rate (goal 90%, issue 21: " << (percent >= 90 ? "met" : "not met") << ")";
        // The ops each called in the same time (CLOSESEM_CHECK_COUNTS): inputs of different
        // lengths and op mixes make the rate of inputs alone an uneven measure.
        const auto& steered_ops = run.samples[i].counts;
        if (steered_ops.files > 0 && blind.counts.files > 0 && blind.counts.total.run > 0)
          goals << "; it called " << 100 * steered_ops.total.run / blind.counts.total.run << "% as many ops ("
                << steered_ops.total.run << " against " << blind.counts.total.run << ")";
        goals << "\n";
      }
    }
  if (!goals.str().empty()) out << "\nGoals (issues 17, 20 and 21: figures of this machine, not assertions):\n" << goals.str();
  out << "\n";
  out.flush();
  if (!out) return 2;
  return failures.empty() ? 0 : 1;
#endif
}

}  // namespace closesem::tool
