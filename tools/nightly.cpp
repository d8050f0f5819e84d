// SPDX-License-Identifier: MIT
// The nightly job. Runs every fuzz target at once for the budget, in lanes one after
// another (a build's binaries for a share of the budget: without sanitizers, with them,
// the Windows build under Wine), keeps what they found
// (new corpus units merged into the corpora and minimised; every crash input,
// deduplicated by signature, minimised, decoded and confirmed), runs the conformance
// suite, and writes reports/<date>/ (summary.md, stats.json, behaviour.json, findings/,
// logs/). What it learns goes into a NightRecord (nightly_summary.hpp), which makes the
// report.
#include "nightly.hpp"

#include "fuzzing/check_counts_file.hpp"
#include "fuzzing/coverage.hpp"
#include "fuzzing/manifest.hpp"
#include "fuzzing/promote.hpp"
#include "fuzzing/target_run.hpp"
#include "nightly_summary.hpp"
#include "fuzzing/files.hpp"
#include "nightly_util.hpp"
#include "ops_export.hpp"
#include "report_diff.hpp"

#include <closesem/fuzz_inputs.hpp>
#include <closesem/model.hpp>
#include <closesem/platform.hpp>
#include <closesem/process.hpp>
#include <closesem/semantic.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(Usage: ./closesem nightly [--budget TIME] [--jobs N] [--engine libfuzzer|replay]
                          [--sanitizers none|all|share] [--wine-share FRACTION]
                          [--wine-profile PROFILE]
                          [--targets T1,T2] [--corpus DIR] [--reports DIR] [--no-conformance]
                          [--checked-floor PERCENT]

The nightly job: fuzz every target at once for the budget, keep what the fuzzers
found, run the conformance suite, and write a report a person reads in a minute.

A night is made of lanes, run one after another, each with every job: a build's
binaries fuzzing every target it has for its share of the budget. By default
(--sanitizers share, and a fifth under Wine where wine64 is installed):
  libfuzzer        libFuzzer without sanitizers (the fuzz-nosan preset): most of the
                   budget, at the speed of the kernel (the sanitizers guard only the
                   suite's own harness, which they slow down twice or more)
  libfuzzer-asan   libFuzzer with ASan+UBSan (the fuzz preset), a fifth of the native
                   budget, from the corpus the first lane grew: guards the harness
  wine-replay      the Windows build (the mingw preset) under Wine, replay engine: Winsock
                   as Wine implements it, judged by the model of this Wine (wine-8:
                   Wine 8's known deviations are no findings) unless --wine-profile
With the replay engine the lanes are replay (the release preset) and replay-asan (the
asan preset's replay binaries).

  --budget TIME    fuzzing time in all: 300, 300s, 30m, 2h (default 30m). Building, the
                   corpus merge, minimising findings and the conformance suite come
                   on top (a few minutes).
  --jobs N         fuzzing processes in all (default: the number of cores), in every
                   lane. Every target gets at least one; the targets mostly wait on
                   their sockets, so more targets than cores still fuzz well.
  --engine E       libfuzzer (the clang builds, libFuzzer's fork mode) or replay (the
                   replay engine's random mode, for a machine without clang).
                   Default: libfuzzer where clang can build it.
  --sanitizers S   none: the native budget without sanitizers; all: all of it with
                   ASan+UBSan (the fuzz preset, or the asan preset for replay); share
                   (default): four fifths without, then a fifth with. For the replay
                   engine, share means none where clang cannot build the asan preset
                   (a machine without libFuzzer's runtime has no ASan either): the
                   summary says so.
  --wine-share F   the share of the whole budget (0 to 0.9) that fuzzes the Windows
                   build under Wine (default 0.2 where wine64 is installed, else 0; 0
                   turns it off). Only the targets the Windows build has.
  --wine-profile P the model profile the Wine lane judges Wine by (default: the Windows
                   build's own choice, wine-8 under Wine 8). winsock judges Wine as
                   Windows is documented: its known deviations are found again (to see
                   whether a newer Wine still has them) along with new ones; the
                   findings' checks (ops run, asio run) and reproducers use it too.
  --targets LIST   only these targets (comma-separated; default: every target of
                   the manifest, fuzz/CMakeLists.txt).
  --corpus DIR     the corpora that grow from night to night, one folder per target
                   (default: build/fuzz-corpus, shared with './closesem fuzz').
  --reports DIR    where reports/<date>/ goes (default: reports).
  --no-conformance skip the conformance suite (no behaviour.json).
  --checked-floor PERCENT
                   the share of its ops a target's model must check (default 95):
                   a target (in a lane) below it, or one that wrote no counts, is
                   named at the top of the summary. Every fuzzing process counts what
                   the model checked (CLOSESEM_CHECK_COUNTS); summed per target and lane.

The tool's own options (./closesem nightly gives them): --build DIR (tools, the
conformance suite, the unsanitized lane's fuzz/), --fuzzers DIR (that lane's binaries),
--asan-build DIR / --asan-fuzzers DIR (the sanitized lane's), --wine-build DIR (the
mingw build: fuzz/*.exe, wine-run, tools/closesem_tool.exe).

Writes REPORTS/<date>/ (a second run the same day: <date>.2, ...):
  summary.md      what a person reads first: new findings (and which lane's build found
                  each), what to do with them, one row per target and lane, the
                  conformance result, changes since last night
  stats.json      "lanes" (label, engine, sanitizers, platform, seconds); "targets":
                  per target, the night's figures summed over its lanes: executions,
                  executions per second, coverage, corpus size before and after, new
                  units, crash inputs, findings, ops run and the share the model
                  checked, what it did not predict; "rows": the same per target and
                  lane, with lane, engine, sanitizers, platform and seconds; "findings":
                  each with the lane that found it (and every lane that had it)
  behaviour.json  the conformance suite's behaviour report (behaviour-asio.json: asio's)
  findings/TARGET/N.bin + N.ops (N.asio)  one minimised, decoded reproducer per
                  signature (and platform); N.log the confirming run; inputs/LANE/
                  every crash input of each lane
  logs/           the fuzzers' (logs/LANE/), the merges' and the suite's output

Runs may share a machine and REPORTS: each claims a folder of its own (mkdir, not a
check then a create) and keeps its work inside it (.work/, .running while it runs);
the shared corpus of a target is locked (CORPUS/TARGET.lock, flock) while a run copies
it and while it merges into it (once, after the libFuzzer lanes), for at most
CLOSESEM_NIGHTLY_LOCK_WAIT seconds (default: the merge's own time limit and a minute);
a run that cannot get the lock keeps its new units in corpus-new/TARGET/ of its report.
Only finished reports (with stats.json, without .running) count as history and as last
night's behaviour.

Interrupted (Ctrl-C, SIGTERM), it stops the fuzzers (the lanes not yet run are left
out), keeps what they found and writes the report ("Stopped early"); a second
interrupt stops everything without a report.

Exit status: 0 no new finding and the conformance suite passed; 1 a new finding (one
not in an earlier nightly report here) or a conformance failure; 2 bad usage; 3 the
job could not run (a build, a binary or Wine missing).
)";

// How the job fails before it has a report: bad usage (2), cannot run (3).
struct Stop {
  int status;
};

// A lane of the night (NightLane is its record): one build's binaries fuzzing the targets
// it has, with every job, for its share of the budget.
struct Lane {
  std::string label, engine, sanitizers, platform, profile;  // as NightLane
  std::string build;     // its build folder
  std::string fuzzers;   // its fuzz target binaries (Wine: the .exe files)
  std::string runners;   // what starts a target, by its name: `fuzzers`, or (Wine) a folder
                         // of scripts that start each .exe under Wine (wine-run)
  long long seconds = 0;
  long long fuzz_seconds = 0;
  std::vector<std::size_t> targets;  // indexes into the job's targets
  std::vector<int> workers;          // per target of the job (0: not in this lane)
  std::string runner(const std::string& target) const { return runners + "/" + target; }
  bool has(std::size_t target) const { return std::find(targets.begin(), targets.end(), target) != targets.end(); }
};

class Job {
 public:
  Job(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}
  int run(const std::vector<std::string>& args);

 private:
  // --- messages
  void say(const std::string& text) {
    std::lock_guard<std::mutex> lock(say_mutex_);
    err_ << "nightly: " << text << "\n" << std::flush;
  }
  [[noreturn]] void usage_error(const std::string& text) {
    err_ << "nightly: " << text << "\nRun './closesem nightly --help' for the options.\n";
    throw Stop{2};
  }
  [[noreturn]] void cannot_run(const std::string& text) {
    say(text);
    throw Stop{3};
  }
  std::string show(const std::string& path) const { return shown(path, top_); }
  // Where a target's fuzzing processes write their counts ("%p": each its own), per lane.
  std::string counts_dir(const Lane& lane) const { return work_ + "/counts/" + lane.label; }
  std::string counts_path(const Lane& lane, const FuzzTarget& t) const {
    return counts_dir(lane) + "/" + t.name + "-%p.json";
  }
  // Where they write the model transitions they reached (CLOSESEM_SEMANTIC_COVERAGE), per lane.
  std::string semantic_dir(const Lane& lane) const { return work_ + "/semantic/" + lane.label; }
  std::string semantic_path(const Lane& lane, const FuzzTarget& t) const {
    return semantic_dir(lane) + "/" + t.name + "-%p.json";
  }
  // A target's (or row's) semantic coverage against the reachable transitions of its profile.
  std::optional<NightSemantic> semantic_figures(const SemanticCoverage& coverage);
  std::map<std::string, std::optional<ReachableSet>> reachable_;  // by profile
  std::vector<SemanticCoverage> semantic_union_;                  // per target, every lane's
  std::string inputs_dir(const Lane& lane, const FuzzTarget& t) const {
    return out_dir_ + "/findings/" + t.name + "/inputs/" + lane.label;
  }
  std::string log_dir(const Lane& lane) const { return out_dir_ + "/logs/" + lane.label; }

  // --- the phases
  void parse(const std::vector<std::string>& args);
  void check_binaries();
  void plan_lanes();
  void check_lane(Lane& lane, bool sanitized);
  void wine_lane(Lane& lane);
  void claim_report_folder();
  void prepare_targets();
  void fuzz();
  bool fuzz_lane(std::size_t lane_index, long long& night_elapsed);
  void progress(const Lane& lane, long long elapsed, long long night_elapsed);
  long long executions(const Lane& lane, std::size_t index);
  void after_lane(const Lane& lane, long long fuzz_seconds);
  void merge_corpus(std::size_t index);
  void merge_locked(std::size_t index);
  void triage(std::size_t index, std::vector<NightFinding>& found);
  void wine_check(const Lane& lane, const std::string& dir, const std::string& number, NightFinding& finding);
  void standalone_reproducer(const Lane& lane, const std::string& dir, const std::string& number,
                             NightFinding& finding, std::ostream& log);
  void conformance();
  bool conformance_run(const std::string& label, const std::string& binary, const std::string& report);
  std::vector<std::string> finished_reports() const;
  int report();
  // Runs fn(i) for every target, at most jobs_ at a time.
  void for_each_target(const std::function<void(std::size_t)>& fn);

  std::ostream& out_;
  std::ostream& err_;
  std::mutex say_mutex_;

  // options
  long long budget_ = 1800;
  int jobs_ = 0;
  std::string engine_, build_, fuzzers_, corpus_root_, reports_root_;
  std::string sanitizers_ = "share";
  double wine_share_ = -1;  // -1: not given (0.2 with a --wine-build, else 0)
  std::string asan_build_, asan_fuzzers_, wine_build_;
  std::string wine_profile_;  // --wine-profile ("": the Windows build's own, wine-8 under Wine 8)
  bool conformance_ = true;
  double checked_floor_ = 95;
  std::vector<const FuzzTarget*> targets_;
  long long merge_limit_ = 600;
  long long lock_wait_ = 0;

  // the run
  std::string top_;   // the source tree
  std::string name_;  // the report folder's name
  std::string out_dir_, work_;
  NightRecord night_;
  std::vector<Lane> lanes_;
  std::vector<std::string> notes_;   // for the summary's top, once the record exists
  const Lane* merge_lane_ = nullptr;  // the first libFuzzer lane: its binaries merge the corpora
  // per target: its rows, one per lane it ran in (NightTarget::lanes)
  std::vector<std::vector<NightTarget>> rows_;
  // the lane fuzzing now, replay engine: inputs run by the finished rounds of each
  // target's workers, and per target and worker the round running
  std::vector<long long> finished_runs_;
  std::vector<std::vector<std::string>> round_logs_;
  std::vector<long> corpus_at_start_, new_at_start_;  // libFuzzer: units when the lane started
  Clock::time_point triage_deadline_;
};

// "30m" -> 1800. Seconds, minutes or hours; at most a week. -1 when not a time.
long long parse_duration(const std::string& text) {
  static const std::regex form("^([0-9]{1,7})([smh]?)$");
  std::smatch m;
  if (!std::regex_match(text, m, form)) return -1;
  long long n = std::stoll(m[1]);
  if (m[2] == "h") n *= 3600;
  if (m[2] == "m") n *= 60;
  return n > 0 && n <= 604800 ? n : -1;
}

// The last libFuzzer status line of a log ("#1234: cov: 56 ft: 78 corp: ..."), or "".
std::string last_status_line(const std::string& log) {
  static const std::regex status("^#[0-9]+: cov: ");
  std::istringstream in(read_text(log));
  std::string line, last;
  while (std::getline(in, line))
    if (std::regex_search(line, status)) last = line;
  return last;
}

// A field of a libFuzzer status line: "#N" (the executions), "cov", "ft".
Count status_field(const std::string& line, const std::string& field) {
  std::smatch m;
  const std::regex pattern(field == "#" ? std::string("^#([0-9]+):") : " " + field + ": ([0-9]+)");
  if (line.empty() || !std::regex_search(line, m, pattern)) return std::nullopt;
  return std::stoll(m[1]);
}

// The inputs a finished replay-engine round ran ("replay: N random inputs (seed ..." at
// its end, "a finding after N random inputs" when it stopped at a finding), or, while it
// runs, so far ("replay: N random inputs so far").
long long replay_runs(const std::string& log_text, bool running) {
  static const std::regex done("^replay: ([0-9]+) random inputs \\(seed");
  static const std::regex finding("a finding after ([0-9]+) random inputs");
  static const std::regex so_far("^replay: ([0-9]+) random inputs so far");
  std::istringstream in(log_text);
  std::string line;
  long long total = 0, current = 0;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, done) || std::regex_search(line, m, finding)) {
      total += std::stoll(m[1]);
      current = 0;
    } else if (running && std::regex_search(line, m, so_far)) {
      current = std::stoll(m[1]);
    }
  }
  return total + current;
}

bool is_slow_unit(const std::string& name) { return name.rfind("slow-unit-", 0) == 0; }

// Moves a file (a rename, or a copy and a removal across file systems).
bool move_file(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (!error) return true;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, error);
  if (error) return false;
  fs::remove(from, error);
  return true;
}

// Empty folders under `dir` go, deepest first (`dir` itself stays).
void remove_empty_folders(const fs::path& dir) {
  std::error_code error;
  std::vector<fs::path> folders;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
    if (it->is_directory(error)) folders.push_back(it->path());
  std::sort(folders.rbegin(), folders.rend());
  for (const auto& folder : folders)
    if (fs::is_empty(folder, error)) fs::remove(folder, error);
}

// What a lane's binaries are built with: "asan+ubsan", "asan", "ubsan" or "none" (a
// lane's record says what its binaries are, whatever the option that named their folder
// meant). From the build's CMakeCache.txt when the binaries are its fuzz/ (the compile
// flags: -fsanitize=address,undefined); else from a binary: ASan's instrumentation calls
// __asan_init, while UBSan's runtime is linked into every libFuzzer binary (with
// -fsanitize=fuzzer) whether or not its code is instrumented, so there only ASan is told.
// "" when neither can be read.
std::string lane_sanitizers(const std::string& build, const std::string& fuzzers, const std::string& binary) {
  std::error_code error;
  if (!build.empty() && fs::equivalent(fs::path(build) / "fuzz", fuzzers, error)) {
    std::ifstream cache(build + "/CMakeCache.txt");
    std::smatch m;
    for (std::string line; std::getline(cache, line);) {
      if (line.rfind("CMAKE_CXX_FLAGS:", 0) != 0) continue;
      bool asan = false, ubsan = false;
      static const std::regex flag("-fsanitize=([a-z,_-]+)");
      for (auto it = std::sregex_iterator(line.begin(), line.end(), flag); it != std::sregex_iterator(); ++it) {
        for (const auto& name : split((*it)[1].str(), ',')) {
          asan = asan || name == "address";
          ubsan = ubsan || name == "undefined";
        }
      }
      return asan && ubsan ? "asan+ubsan" : asan ? "asan" : ubsan ? "ubsan" : "none";
    }
  }
  std::ifstream in(binary, std::ios::binary);
  if (!in) return "";
  std::string carry, chunk(1 << 20, '\0');
  while (in) {
    in.read(&chunk[0], static_cast<std::streamsize>(chunk.size()));
    const std::string text = carry + chunk.substr(0, static_cast<std::size_t>(in.gcount()));
    if (text.find("__asan_init") != std::string::npos) return "asan";
    carry = text.size() > 16 ? text.substr(text.size() - 16) : text;
  }
  return "none";
}

// --wine-share's value: a fraction from 0 to 0.9 ("0", "0.2", ".25"). -1 when not one.
double parse_share(const std::string& text) {
  if (!std::regex_match(text, std::regex("^(0|0?\\.[0-9]{1,4})$"))) return -1;
  const double share = std::stod(text[0] == '.' ? "0" + text : text);
  return share <= 0.9 + 1e-12 ? share : -1;
}

void Job::parse(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "-h" || arg == "--help") {
      out_ << kUsage;
      throw Stop{0};
    }
  }
  CLI::App app{"The nightly job", "./closesem nightly"};
  app.set_help_flag();
  app.allow_windows_style_options(false);
  std::string budget, jobs, targets, checked_floor, wine_share;
  bool check_only = false, no_conformance = false;
  for (auto* option : {app.add_option("--budget", budget), app.add_option("--jobs", jobs),
                       app.add_option("--engine", engine_), app.add_option("--targets", targets),
                       app.add_option("--corpus", corpus_root_), app.add_option("--reports", reports_root_),
                       app.add_option("--build", build_), app.add_option("--fuzzers", fuzzers_),
                       app.add_option("--checked-floor", checked_floor), app.add_option("--sanitizers", sanitizers_),
                       app.add_option("--wine-share", wine_share), app.add_option("--asan-build", asan_build_),
                       app.add_option("--asan-fuzzers", asan_fuzzers_), app.add_option("--wine-build", wine_build_),
                       app.add_option("--wine-profile", wine_profile_)})
    option->take_last();
  app.add_flag("--check-usage", check_only);
  app.add_flag("--no-conformance", no_conformance);
  std::vector<const char*> argv{"nightly"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    usage_error(e.what());
  }
  for (const auto* option : {"--budget", "--jobs", "--engine", "--targets", "--corpus", "--reports", "--build",
                             "--fuzzers", "--checked-floor", "--sanitizers", "--wine-share", "--asan-build",
                             "--asan-fuzzers", "--wine-build", "--wine-profile"}) {
    if (app.count(option) > 0 && app.get_option(option)->as<std::string>().empty())
      usage_error(std::string(option) + " needs a value");
  }
  conformance_ = !no_conformance;
  if (!budget.empty()) {
    budget_ = parse_duration(budget);
    if (budget_ < 0) usage_error("--budget needs a time like 300, 90s, 30m or 2h (at most a week), not '" + budget + "'");
  }
  if (!jobs.empty()) {
    if (!std::regex_match(jobs, std::regex("^[1-9][0-9]{0,2}$")))
      usage_error("--jobs needs a number from 1 to 999, not '" + jobs + "'");
    jobs_ = std::stoi(jobs);
  }
  if (app.count("--checked-floor") > 0) {
    std::string why;
    if (!parse_checked_floor(checked_floor, checked_floor_, why)) usage_error(why);
  }
  if (!engine_.empty() && engine_ != "libfuzzer" && engine_ != "replay")
    usage_error("--engine is libfuzzer or replay, not '" + engine_ + "'");
  if (sanitizers_ != "none" && sanitizers_ != "all" && sanitizers_ != "share")
    usage_error("--sanitizers is none, all or share, not '" + sanitizers_ + "'");
  if (app.count("--wine-share") > 0) {
    wine_share_ = parse_share(wine_share);
    if (wine_share_ < 0)
      usage_error("--wine-share needs a fraction of the budget from 0 to 0.9 (such as 0.2; 0 turns it off), not '" +
                  wine_share + "'");
  }
  if (!wine_profile_.empty() && model::find_profile(wine_profile_) == nullptr) {
    std::string names;
    for (const auto& name : model::profile_names()) names += (names.empty() ? "" : ", ") + name;
    usage_error("--wine-profile " + wine_profile_ + ": no model profile of that name (known: " + names + ")");
  }
  if (app.count("--targets") > 0) {
    std::set<std::string> given;
    for (const auto& name : split(targets, ',')) {
      // (the names of the manifest only: a path such as ../fuzz/fuzz_linger is no target)
      const FuzzTarget* target = find_fuzz_target(name);
      if (target == nullptr)
        usage_error("unknown fuzz target '" + name + "' in --targets '" + targets + "' (known: " + fuzz_target_names() +
                    ")");
      // Twice the same target would run its fuzzers twice into the same folders.
      if (!given.insert(name).second)
        usage_error("fuzz target '" + name + "' is given more than once in --targets '" + targets +
                    "' (name each target once)");
      targets_.push_back(target);
    }
  } else {
    for (const auto& target : fuzz_targets()) targets_.push_back(&target);
  }
  if (targets_.empty()) usage_error("no fuzz targets: the manifest (fuzz/CMakeLists.txt) lists none");
  if (check_only) throw Stop{0};
  if (engine_.empty()) usage_error("--engine is given by ./closesem nightly (run that)");
}

void Job::check_binaries() {
  top_ = targets_.front()->source_dir;
  std::error_code error;
  if (build_.empty()) build_ = fs::path(platform::executable_path()).parent_path().parent_path().string();
  if (corpus_root_.empty()) corpus_root_ = top_ + "/build/fuzz-corpus";
  if (reports_root_.empty()) reports_root_ = top_ + "/reports";
  if (jobs_ == 0) jobs_ = std::max(1u, std::thread::hardware_concurrency());
  if (!fs::is_directory(build_, error)) cannot_run("no build folder " + build_);
  build_ = fs::canonical(build_, error).string();
  corpus_root_ = fs::absolute(corpus_root_, error).lexically_normal().string();
  plan_lanes();
  // A run waits for another's merge at most as long as a merge of its own may take, and a minute.
  merge_limit_ = std::max<long long>(budget_, 600);
  lock_wait_ = merge_limit_ + 60;
  if (const char* wait = std::getenv("CLOSESEM_NIGHTLY_LOCK_WAIT")) {
    if (!std::regex_match(std::string(wait), std::regex("^[0-9]{1,6}$")))
      usage_error(std::string("CLOSESEM_NIGHTLY_LOCK_WAIT needs a number of seconds, not '") + wait + "'");
    lock_wait_ = std::stoll(wait);
  }
}

// The lanes and their seconds: Wine's share of the whole budget first, then of the native
// rest a fifth (share) or all (all) with sanitizers. A lane without a second is left out.
void Job::plan_lanes() {
  if (wine_share_ < 0) wine_share_ = wine_build_.empty() ? 0 : 0.2;
  std::ostringstream share_text;
  share_text << wine_share_;
  if (wine_share_ > 0 && wine_build_.empty())
    cannot_run("--wine-share " + share_text.str() +
               ": no Windows build to fuzz under Wine (--wine-build DIR, the mingw preset's folder; "
               "./closesem nightly builds it where wine64 is installed)");
  long long wine = wine_share_ > 0 ? std::max<long long>(1, std::llround(static_cast<double>(budget_) * wine_share_)) : 0;
  if (wine >= budget_) wine = budget_ - 1;  // (the native lanes keep a second)
  const long long native = budget_ - wine;
  std::string sanitizers = sanitizers_;
  if (sanitizers != "none" && asan_build_.empty() && asan_fuzzers_.empty()) {
    if (engine_ == "replay" && sanitizers == "share") {
      notes_.push_back("--sanitizers share: no sanitized build of the replay engine (--asan-build; ./closesem "
                       "nightly builds the asan preset where clang can), so the native lane ran without sanitizers "
                       "only.");
      sanitizers = "none";
    } else {
      cannot_run("--sanitizers " + sanitizers + ": no sanitized build: give --asan-build DIR (the " +
                 (engine_ == "libfuzzer" ? "fuzz" : "asan") + " preset's folder) or --asan-fuzzers DIR");
    }
  }
  long long sanitized = sanitizers == "all" ? native : sanitizers == "share" ? native / 5 : 0;
  if (sanitizers == "share" && sanitized == 0 && native >= 2) sanitized = 1;
  const long long main = native - sanitized;
  if (main > 0) {
    Lane lane;
    lane.label = engine_;
    lane.build = build_;
    lane.fuzzers = fuzzers_.empty() ? build_ + "/fuzz" : fuzzers_;
    lane.seconds = main;
    check_lane(lane, false);
    lanes_.push_back(lane);
  }
  if (sanitized > 0) {
    Lane lane;
    lane.label = engine_ + "-asan";
    lane.build = asan_build_;
    lane.fuzzers = !asan_fuzzers_.empty() ? asan_fuzzers_ : asan_build_ + "/fuzz";
    lane.seconds = sanitized;
    check_lane(lane, true);
    lanes_.push_back(lane);
  }
  if (wine > 0) {
    Lane lane;
    lane.label = "wine-replay";
    lane.seconds = wine;
    wine_lane(lane);
    lanes_.push_back(lane);
  }
  for (const auto& lane : lanes_) {
    if (lane.engine == "libfuzzer") {
      merge_lane_ = &lane;
      break;
    }
  }
}

// A native lane: every target's binary is there, built for the job's engine; what the
// binaries are built with is read from them (a sanitized lane's must have sanitizers).
void Job::check_lane(Lane& lane, bool sanitized) {
  std::error_code error;
  lane.engine = engine_;
  lane.platform = "native";
  if (!fs::is_directory(lane.fuzzers, error))
    cannot_run("no folder of fuzz target binaries " + lane.fuzzers + " (lane " + lane.label + ")");
  lane.fuzzers = fs::canonical(lane.fuzzers, error).string();
  lane.runners = lane.fuzzers;
  if (lane.build.empty() || !fs::is_directory(lane.build, error)) lane.build = fs::path(lane.fuzzers).parent_path().string();
  lane.build = fs::canonical(lane.build, error).string();
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const std::string binary = lane.runner(targets_[i]->name);
    if (!files::executable(binary)) cannot_run("no fuzz target binary " + binary + " (lane " + lane.label + ")");
    lane.targets.push_back(i);
  }
  // The engine the binaries were built with answers for itself: libFuzzer knows -help=1.
  const std::string first = lane.runner(targets_.front()->name);
  const fs::path probe_log = fs::temp_directory_path(error) / ("closesem-nightly-" + std::to_string(own_pid()) + ".log");
  RunSpec probe;
  probe.argv = {first, "-help=1"};
  probe.log_path = probe_log.string();
  probe.limit = std::chrono::seconds(60);
  const RunResult answer = run_bounded(probe);
  fs::remove(probe_log, error);
  const bool libfuzzer = std::regex_search(answer.log, std::regex("(^|\n)Usage:"));
  const std::string built_with = libfuzzer ? "libfuzzer" : "replay";
  if (built_with != engine_)
    cannot_run("the binaries in " + lane.fuzzers + " (lane " + lane.label + ") are built for the " + built_with +
               " engine, not " + engine_);
  lane.sanitizers = lane_sanitizers(lane.build, lane.fuzzers, first);
  if (sanitized && lane.sanitizers == "none")
    cannot_run("the sanitized lane's binaries in " + lane.fuzzers + " are built without sanitizers (--asan-build: the " +
               (engine_ == "libfuzzer" ? "fuzz" : "asan") + " preset's folder)");
  if (!sanitized && lane.sanitizers != "none" && !lane.sanitizers.empty())
    notes_.push_back("The binaries of the lane " + lane.label + " (`" + show(lane.fuzzers) + "`) are built with " +
                     lane.sanitizers + ": that lane ran with sanitizers too.");
}

// The Wine lane: the mingw build's replay binaries (fuzz/TARGET.exe) of the targets it
// has, each started under Wine by the build's wine-run.
void Job::wine_lane(Lane& lane) {
  std::error_code error;
  lane.engine = "replay";
  lane.platform = "wine";
  lane.profile = wine_profile_;
  if (!fs::is_directory(wine_build_, error)) cannot_run("no Windows build folder " + wine_build_ + " (--wine-build)");
  lane.build = fs::canonical(wine_build_, error).string();
  if (!files::executable(lane.build + "/wine-run"))
    cannot_run("no " + lane.build + "/wine-run: the mingw build makes it only where wine64 is installed " +
               "(apt-get install wine64 wine), so nothing can run the Windows build under Wine");
  lane.fuzzers = lane.build + "/fuzz";
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    if (fs::is_regular_file(lane.fuzzers + "/" + targets_[i]->name + ".exe", error))
      lane.targets.push_back(i);
    else
      missing.push_back(targets_[i]->name);
  }
  if (lane.targets.empty())
    cannot_run("the Windows build " + lane.build + " has none of the targets (no fuzz/TARGET.exe): build them, or " +
               "--wine-share 0");
  if (!missing.empty()) {
    std::string names;
    for (const auto& name : missing) names += (names.empty() ? "" : ", ") + name;
    notes_.push_back("The Windows build has no " + names + " (fuzz/TARGET.exe): not fuzzed under Wine.");
  }
  lane.sanitizers = lane_sanitizers(lane.build, lane.fuzzers,
                                    lane.fuzzers + "/" + targets_[lane.targets.front()]->name + ".exe");
}

// Claimed with mkdir, which fails when the folder exists: two runs started together each
// get one of their own (a test for the name, then a create, would give both the same
// one). Everything the run writes until its report is done stays in that folder.
void Job::claim_report_folder() {
  std::error_code error;
  fs::create_directories(reports_root_, error);
  if (!fs::is_directory(reports_root_, error)) cannot_run("cannot make the reports folder " + reports_root_);
  reports_root_ = fs::canonical(reports_root_, error).string();
  const std::string day = local_date();
  name_ = day;
  for (int n = 2;; ++n) {
    if (fs::create_directory(fs::path(reports_root_) / name_, error)) break;
    if (!fs::exists(fs::path(reports_root_) / name_))
      cannot_run("cannot make the report folder " + reports_root_ + "/" + name_ + ": " + error.message());
    if (n > 999) cannot_run("cannot claim a report folder in " + reports_root_ + ": " + day + " to " + name_ + " exist already");
    name_ = day + "." + std::to_string(n);
  }
  out_dir_ = reports_root_ + "/" + name_;
  // (while it is there, other runs neither read this report as history nor diff against it)
  if (!write_text(out_dir_ + "/.running",
                  "pid " + std::to_string(own_pid()) + " on " + host_name() + " since " + utc_now() + "\n"))
    cannot_run("cannot write in " + out_dir_);
  work_ = out_dir_ + "/.work";
  for (const auto& dir : {out_dir_ + "/findings", out_dir_ + "/logs", work_, work_ + "/counts"}) {
    fs::create_directories(dir, error);
    if (error) cannot_run("cannot make " + dir + ": " + error.message());
  }
}

void Job::for_each_target(const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  const std::size_t count = targets_.size();
  std::vector<std::thread> threads;
  const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(jobs_), count);
  for (std::size_t i = 0; i < workers; ++i) {
    threads.emplace_back([&] {
      for (std::size_t k; (k = next++) < count;) {
        try {
          fn(k);
        } catch (const std::exception& e) {
          say(targets_[k]->name + ": " + e.what());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

void Job::prepare_targets() {
  const std::size_t count = targets_.size();
  std::error_code error;
  // Fuzzing processes per target in each lane: `jobs` spread over its targets, at least one each.
  for (auto& lane : lanes_) {
    lane.workers.assign(count, 0);
    const int n = static_cast<int>(lane.targets.size());
    for (int k = 0; k < n; ++k)
      lane.workers[lane.targets[static_cast<std::size_t>(k)]] = std::max(1, jobs_ / n + (k < jobs_ % n ? 1 : 0));
    fs::create_directories(log_dir(lane), error);
    fs::create_directories(counts_dir(lane), error);
    fs::create_directories(semantic_dir(lane), error);
    for (const auto index : lane.targets) fs::create_directories(inputs_dir(lane, *targets_[index]), error);
    if (lane.platform != "wine") continue;
    // Each target of the Windows build under Wine, by its name, for the fuzzing rounds and
    // for triage and promote alike (they start a target by path); its bounded waits with
    // the margin the Wine tests give them unless CLOSESEM_TIMEOUT_MULTIPLIER says otherwise.
    lane.runners = work_ + "/wine";
    fs::create_directories(lane.runners, error);
    for (const auto index : lane.targets) {
      const std::string& name = targets_[index]->name;
      const std::string script = lane.runner(name);
      // (--wine-profile: the targets judge Wine by that model profile, CLOSESEM_FUZZ_PROFILE)
      const std::string profile =
          lane.profile.empty() ? "" : "CLOSESEM_FUZZ_PROFILE='" + lane.profile + "'\nexport CLOSESEM_FUZZ_PROFILE\n";
      if (!write_text(script, "#!/bin/sh\n# nightly: " + name + " of the Windows build, under Wine\n"
                              "CLOSESEM_TIMEOUT_MULTIPLIER=\"${CLOSESEM_TIMEOUT_MULTIPLIER:-3}\"\n"
                              "export CLOSESEM_TIMEOUT_MULTIPLIER\n" + profile + "exec '" + lane.build + "/wine-run' '" +
                              lane.fuzzers + "/" + name + ".exe' \"$@\"\n"))
        cannot_run("cannot write " + script);
      fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, error);
    }
  }
  rows_.assign(count, {});
  for (std::size_t i = 0; i < count; ++i) {
    const auto& t = *targets_[i];
    NightTarget entry;
    entry.name = t.name;
    for (const auto& lane : lanes_)
      if (lane.workers[i] > 0 && (!entry.workers || lane.workers[i] > *entry.workers)) entry.workers = lane.workers[i];
    for (const auto& dir : {"new", "tmp", "corpus"}) fs::create_directories(work_ + "/" + t.name + "/" + dir, error);
    if (merge_lane_ != nullptr) {
      fs::create_directories(corpus_root_, error);
      if (!fs::is_directory(corpus_root_)) cannot_run("cannot make the corpora folder " + corpus_root_);
      // This run's copy of the shared corpus, to fuzz from: another run's merge may replace
      // the shared one meanwhile (libFuzzer's fork mode reads its inputs by path throughout).
      FileLock lock;
      std::string why;
      if (lock.acquire(corpus_root_ + "/" + t.name + ".lock", std::chrono::seconds(lock_wait_),
                       "nightly " + name_ + " (pid " + std::to_string(own_pid()) + "), copying the corpus", why)) {
        fs::create_directories(corpus_root_ + "/" + t.name, error);
        for (const auto& file : files_in(corpus_root_ + "/" + t.name))
          fs::copy_file(file, work_ + "/" + t.name + "/corpus/" + fs::path(file).filename().string(),
                        fs::copy_options::overwrite_existing, error);
      } else {
        say(why);
        say(t.name + ": no copy of the corpus " + show(corpus_root_ + "/" + t.name) +
            " (see above): fuzzing from the seeds alone");
      }
      const int seeds = stage_seeds(t, work_ + "/" + t.name + "/seeds", why);
      if (seeds < 0) cannot_run("cannot stage the seeds of " + t.name + ": " + why);
      entry.seeds = seeds;
      entry.corpus_before = count_files(work_ + "/" + t.name + "/corpus");
    }
    night_.targets.push_back(entry);
  }
}

long long Job::executions(const Lane& lane, std::size_t index) {
  const auto& name = targets_[index]->name;
  if (lane.engine == "libfuzzer") return status_field(last_status_line(log_dir(lane) + "/" + name + ".log"), "#").value_or(0);
  long long runs = finished_runs_[index];
  for (const auto& log : round_logs_[index])
    if (!log.empty()) runs += replay_runs(read_text(log), true);
  return runs;
}

void Job::progress(const Lane& lane, long long elapsed, long long night_elapsed) {
  std::ostringstream text;
  text << "nightly: [lane " << lane.label << " " << clock_mmss(elapsed) << " of " << clock_mmss(lane.seconds)
       << "; the night " << clock_mmss(night_elapsed + elapsed) << " of " << clock_mmss(budget_) << "]\n";
  for (const auto i : lane.targets) {
    const auto& name = targets_[i]->name;
    const long long runs = executions(lane, i);
    const long long rate = elapsed > 0 ? runs / elapsed : 0;
    const long crashes = count_files(inputs_dir(lane, *targets_[i]), is_slow_unit);
    char line[512];
    if (lane.engine == "libfuzzer") {
      const Count cov = status_field(last_status_line(log_dir(lane) + "/" + name + ".log"), "cov");
      std::snprintf(line, sizeof line, "  %-22s %9lld runs %6lld/s   cov %-6s corpus %ld (+%ld new)   crash inputs %ld\n",
                    name.c_str(), runs, rate, cov ? std::to_string(*cov).c_str() : "-",
                    count_files(work_ + "/" + name + "/corpus"), count_files(work_ + "/" + name + "/new"), crashes);
    } else {
      std::snprintf(line, sizeof line, "  %-22s %9lld runs %6lld/s   crash inputs %ld\n", name.c_str(), runs, rate,
                    crashes);
    }
    text << line;
  }
  std::lock_guard<std::mutex> lock(say_mutex_);
  err_ << text.str() << std::flush;
}

// The lanes, one after another; an interrupt ends the lane fuzzing and leaves the rest out.
void Job::fuzz() {
  long long night_elapsed = 0;
  bool stopped = false;
  for (std::size_t k = 0; k < lanes_.size() && !stopped; ++k) {
    if (stop_signals() > 0) {
      stopped = true;
      break;
    }
    stopped = !fuzz_lane(k, night_elapsed);
  }
  if (!stopped && stop_signals() > 0) stopped = true;
  if (stopped) {
    std::string left;
    for (const auto& lane : lanes_)
      if (lane.fuzz_seconds == 0) left += (left.empty() ? "" : ", ") + lane.label;
    if (!left.empty()) say("the lanes not run: " + left);
  }
  const long long fuzz_seconds = std::max<long long>(night_elapsed, 1);
  night_.job.fuzz_seconds = fuzz_seconds;
  if (stopped && fuzz_seconds < budget_) night_.job.stopped_early_after_seconds = fuzz_seconds;
  // The night's figures per target: its rows, summed.
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    auto& entry = night_.targets[i];
    entry.lanes = rows_[i];
    const Count seeds = entry.seeds, corpus_before = entry.corpus_before, workers = entry.workers;
    sum_lanes(entry, fuzz_seconds);
    // (every lane's transitions together; lanes judged by other profiles count apart)
    if (i < semantic_union_.size() && !semantic_union_[i].reached.empty())
      entry.semantic = semantic_figures(semantic_union_[i]);
    entry.seeds = seeds;
    entry.workers = workers;
    if (corpus_before) entry.corpus_before = corpus_before;
    if (merge_lane_ != nullptr) entry.new_units = count_files(work_ + "/" + targets_[i]->name + "/new");
  }
  for (const auto& lane : lanes_) {
    NightLane record;
    record.label = lane.label;
    record.engine = lane.engine;
    record.sanitizers = lane.sanitizers;
    record.platform = lane.platform;
    record.profile = lane.profile;
    record.build = show(lane.build);
    record.fuzzers = show(lane.fuzzers);
    record.seconds = lane.seconds;
    record.fuzz_seconds = lane.fuzz_seconds;
    night_.lanes.push_back(record);
  }
}

// One lane: its fuzzers for its seconds (libFuzzer: a target's fork-mode parent; replay:
// each worker's rounds). False when interrupted.
bool Job::fuzz_lane(std::size_t lane_index, long long& night_elapsed) {
  Lane& lane = lanes_[lane_index];
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(lane.seconds);
  constexpr long long kGrace = 60;  // past the budget, the fuzzers are stopped
  const bool libfuzzer = lane.engine == "libfuzzer";
  say("lane " + lane.label + " (" + (libfuzzer ? "libFuzzer" : "replay engine") + ", sanitizers: " + lane.sanitizers +
      ", " + (lane.platform == "wine" ? "the Windows build under Wine" : "native") + "; " + show(lane.fuzzers) +
      "): " + clock_mmss(lane.seconds) + " of fuzzing, " + std::to_string(lane.targets.size()) + " targets");
  finished_runs_.assign(targets_.size(), 0);
  round_logs_.assign(targets_.size(), {});
  corpus_at_start_.assign(targets_.size(), 0);
  new_at_start_.assign(targets_.size(), 0);
  struct Slot {
    std::size_t target;
    int worker;
    std::uint64_t seed = 0;
    std::unique_ptr<BoundedRun> run;
  };
  std::vector<Slot> slots;
  std::string error;
  // The replay engine, one worker: random inputs from a seed of its own until the
  // deadline; after a finding (the process ends) it goes on with the next seed.
  const auto start_round = [&](Slot& slot) {
    const auto& t = *targets_[slot.target];
    // (whole seconds, rounded up: a lane of a second still runs its round)
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || stop_signals() > 0) return false;
    const long long remaining = (left + 999) / 1000;
    const std::string log = work_ + "/" + t.name + "." + lane.label + ".w" + std::to_string(slot.worker) + ".round.log";
    RunSpec spec;
    spec.argv = {lane.runner(t.name), "--random", "--seed", std::to_string(slot.seed), "--budget",
                 std::to_string(remaining), "--max-len", std::to_string(option_int(t, "max_len", 1024))};
    spec.log_path = log;
    spec.cwd = inputs_dir(lane, t);
    spec.env = {{"CLOSESEM_CHECK_COUNTS", counts_path(lane, t)},
                {"CLOSESEM_SEMANTIC_COVERAGE", semantic_path(lane, t)}};
    // (under Wine the round's output comes through a file wine-run copies out at the end;
    // streamed, the progress lines count its inputs as it goes)
    if (lane.platform == "wine") spec.env.emplace_back("CLOSESEM_WINE_STREAM", "1");
    spec.limit = std::chrono::seconds(remaining + kGrace);
    slot.run = std::make_unique<BoundedRun>();
    if (!slot.run->start(spec, error)) {
      say(t.name + ": cannot start a fuzzer (lane " + lane.label + "): " + error);
      slot.run.reset();
      return false;
    }
    round_logs_[slot.target][static_cast<std::size_t>(slot.worker)] = log;
    return true;
  };
  // A round ended: its output joins the worker's log, its inputs the target's count.
  const auto end_round = [&](Slot& slot) {
    const auto& t = *targets_[slot.target];
    auto& log = round_logs_[slot.target][static_cast<std::size_t>(slot.worker)];
    const std::string text = read_text(log);
    std::ofstream(log_dir(lane) + "/" + t.name + ".w" + std::to_string(slot.worker) + ".log", std::ios::app) << text;
    finished_runs_[slot.target] += replay_runs(text, false);
    log.clear();
  };

  for (const auto i : lane.targets) {
    const auto& t = *targets_[i];
    const int workers = lane.workers[i];
    round_logs_[i].assign(static_cast<std::size_t>(workers), "");
    if (libfuzzer) {
      corpus_at_start_[i] = count_files(work_ + "/" + t.name + "/corpus");
      new_at_start_[i] = count_files(work_ + "/" + t.name + "/new");
      RunSpec spec;
      spec.argv = {lane.runner(t.name)};
      for (const auto& flag : libfuzzer_flags(t)) spec.argv.push_back(flag);
      // (new units go to, and are read from, the first folder: a later lane starts from
      // what the earlier ones grew)
      for (const auto& flag :
           {"-fork=" + std::to_string(workers), std::string("-ignore_crashes=1"), std::string("-ignore_timeouts=1"),
            std::string("-ignore_ooms=1"), "-max_total_time=" + std::to_string(lane.seconds),
            "-artifact_prefix=" + inputs_dir(lane, t) + "/", work_ + "/" + t.name + "/new",
            work_ + "/" + t.name + "/corpus", work_ + "/" + t.name + "/seeds"})
        spec.argv.push_back(flag);
      spec.log_path = log_dir(lane) + "/" + t.name + ".log";
      spec.cwd = work_ + "/" + t.name;
      // (fork mode's children inherit the environment: each writes its own counts file)
      spec.env = {{"TMPDIR", work_ + "/" + t.name + "/tmp"},
                  {"CLOSESEM_CHECK_COUNTS", counts_path(lane, t)},
                  {"CLOSESEM_SEMANTIC_COVERAGE", semantic_path(lane, t)}};
      spec.limit = std::chrono::seconds(lane.seconds + kGrace);
      Slot slot{i, 0, 0, std::make_unique<BoundedRun>()};
      if (!slot.run->start(spec, error)) cannot_run("cannot start the fuzzer of " + t.name + ": " + error);
      slots.push_back(std::move(slot));
    } else {
      for (int w = 0; w < workers; ++w) {
        // (a seed of its own per lane too: the lanes run different inputs)
        Slot slot{i, w,
                  static_cast<std::uint64_t>(w + 1) * 1000003u + static_cast<std::uint64_t>(day_of_year()) * 1009u +
                      static_cast<std::uint64_t>(lane_index) * 100000007u,
                  nullptr};
        // (an empty log, also when the budget is spent before the first round)
        std::ofstream(log_dir(lane) + "/" + t.name + ".w" + std::to_string(w) + ".log");
        if (start_round(slot)) slots.push_back(std::move(slot));
      }
    }
  }

  // Wait for the fuzzers, with progress; the runs' limits stop them past the budget.
  const long long interval = budget_ <= 120 ? 10 : budget_ <= 900 ? 30 : 60;
  long long next_report = interval;
  bool stopping = false, past_limit = false;
  while (true) {
    if (stop_signals() > 0 && !stopping) {
      stopping = true;
      say("interrupted: stopping the fuzzers, then keeping what they found and writing the report (interrupt again "
          "to quit)");
      for (auto& slot : slots) {
        if (!slot.run) continue;
        slot.run->stop();
        slot.run.reset();
        if (!libfuzzer) end_round(slot);
      }
      break;
    }
    bool alive = false;
    for (auto& slot : slots) {
      if (!slot.run) continue;
      if (auto result = slot.run->poll()) {
        if (result->timed_out) past_limit = true;
        slot.run.reset();
        if (!libfuzzer) {
          end_round(slot);
          slot.seed += static_cast<std::uint64_t>(lane.workers[slot.target]);
          if (!stopping) start_round(slot);
        }
      }
      alive = alive || slot.run != nullptr;
    }
    if (!alive) break;
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
    if (now >= next_report) {
      progress(lane, now, night_elapsed);
      next_report += interval;
    }
    // (polling the fuzzers' ends; every run is bounded by its limit)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (!stopping && stop_signals() > 0) {
    // (the signal came as the last rounds ended: none was started again)
    stopping = true;
    say("interrupted: the fuzzers have stopped; keeping what they found and writing the report (interrupt again to "
        "quit)");
  }
  if (past_limit) say("fuzzers still running " + std::to_string(kGrace) + " s past the lane's time were stopped");
  long long fuzz_seconds = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
  if (fuzz_seconds <= 0) fuzz_seconds = 1;
  if (fuzz_seconds >= next_report - interval + 2) progress(lane, fuzz_seconds, night_elapsed);
  lane.fuzz_seconds = fuzz_seconds;
  night_elapsed += fuzz_seconds;
  after_lane(lane, fuzz_seconds);
  return !stopping;
}

// A lane's row of each of its targets.
void Job::after_lane(const Lane& lane, long long fuzz_seconds) {
  std::error_code error;
  for (const auto i : lane.targets) {
    const auto& t = *targets_[i];
    const auto& name = t.name;
    NightTarget row;
    row.name = name;
    row.lane = lane.label;
    row.seconds = fuzz_seconds;
    row.workers = lane.workers[i];
    const std::string inputs = inputs_dir(lane, t);
    // libFuzzer also saves inputs that ran longer than 10 s (slow-unit-*): not findings,
    // but kept and counted.
    const std::string slow = out_dir_ + "/findings/" + name + "/slow/" + lane.label;
    for (const auto& file : files_in(inputs)) {
      if (!is_slow_unit(fs::path(file).filename().string())) continue;
      fs::create_directories(slow, error);
      move_file(file, slow + "/" + fs::path(file).filename().string());
    }
    row.slow_units = count_files(slow);
    const long long runs = executions(lane, i);
    row.executions = runs;
    row.executions_per_second = runs / fuzz_seconds;
    if (lane.engine == "libfuzzer") {
      const std::string status = last_status_line(log_dir(lane) + "/" + name + ".log");
      row.coverage_edges = status_field(status, "cov");
      row.coverage_features = status_field(status, "ft");
      const long fresh = count_files(work_ + "/" + name + "/new");
      row.seeds = night_.targets[i].seeds;
      row.corpus_before = corpus_at_start_[i] + new_at_start_[i];
      row.corpus_after = corpus_at_start_[i] + fresh;
      row.new_units = fresh - new_at_start_[i];
    }
    row.crash_inputs = count_files(inputs);
    // What the model checked: every fuzzing process's counts, summed (the fuzzers have
    // ended; a file cut short by a stop is refused and named, not half counted).
    row.checks = night_checks(counts_dir(lane), name, writes_check_counts(t));
    // The model transitions its processes reached (a target with an op model writes them).
    {
      std::map<std::string, SemanticCoverage> semantic;
      std::string problem;
      std::vector<std::string> files;
      for (const auto& file : files_in(semantic_dir(lane)))
        if (fs::path(file).filename().string().rfind(name + "-", 0) == 0 && fs::path(file).extension() == ".json")
          files.push_back(file);
      if (!files.empty() && !read_semantic_coverage(files, semantic, problem)) {
        say(name + " (lane " + lane.label + "): semantic coverage: " + problem);
      } else if (semantic.count(name) > 0) {
        row.semantic = semantic_figures(semantic[name]);
        if (semantic_union_.size() < targets_.size()) semantic_union_.resize(targets_.size());
        auto& all = semantic_union_[i];
        all.target = name;
        if (all.profile.empty()) all.profile = semantic[name].profile;
        all.files += semantic[name].files;
        all.reached.insert(semantic[name].reached.begin(), semantic[name].reached.end());
        if (semantic[name].growth.size() > all.growth.size()) all.growth = semantic[name].growth;
      }
    }
    rows_[i].push_back(row);
  }
}

std::optional<NightSemantic> Job::semantic_figures(const SemanticCoverage& coverage) {
  constexpr int kDepth = 4;  // (as the bench: closesem coverage reachable --depth 4)
  if (reachable_.count(coverage.profile) == 0) {
    std::string error;
    reachable_[coverage.profile] = reachable_for(coverage.profile, kDepth, 300000, error);
    if (!reachable_[coverage.profile]) say("semantic coverage: " + error);
  }
  NightSemantic m;
  m.profile = coverage.profile;
  m.depth = kDepth;
  m.reached = static_cast<long long>(coverage.reached.size());
  for (const auto& [seconds, count] : coverage.growth) m.growth.emplace_back(seconds, static_cast<long long>(count));
  if (const auto& set = reachable_[coverage.profile]) {
    m.reachable = static_cast<long long>(set->transitions.size());
    std::vector<std::string> missing;
    for (const auto key : set->transitions) {
      if (coverage.reached.count(key) > 0) ++m.reached_of_reachable;
      else missing.push_back(semantic::describe(key));
    }
    std::sort(missing.begin(), missing.end());
    m.not_reached_count = static_cast<long long>(missing.size());
    if (missing.size() > 200) missing.resize(200);
    m.not_reached = std::move(missing);
  }
  return m;
}

// libFuzzer's merge picks, from the corpus and the night's new units, a smallest set with
// every feature of both; it replaces the corpus. If the merge fails or runs out of time,
// the new units are added as they are: nothing found is lost. Called under the lock.
void Job::merge_locked(std::size_t index) {
  const auto& t = *targets_[index];
  auto& entry = night_.targets[index];
  const std::string corpus = corpus_root_ + "/" + t.name, min = work_ + "/" + t.name + "/min",
                    fresh = work_ + "/" + t.name + "/new";
  std::error_code error;
  fs::create_directories(corpus, error);
  fs::create_directories(min, error);
  // (the units the merge reads: those it leaves out go afterwards)
  std::set<std::string> merge_input;
  for (const auto& file : files_in(corpus)) merge_input.insert(fs::path(file).filename().string());
  RunSpec spec;
  spec.argv = {merge_lane_->runner(t.name)};
  for (const auto& flag : libfuzzer_flags(t))
    if (flag.rfind("-dict=", 0) != 0) spec.argv.push_back(flag);
  for (const auto& arg : {std::string("-merge=1"), "-artifact_prefix=" + work_ + "/" + t.name + "/merge-", min, corpus, fresh})
    spec.argv.push_back(arg);
  spec.log_path = out_dir_ + "/logs/" + t.name + ".merge.log";
  spec.cwd = work_ + "/" + t.name;
  spec.env = {{"TMPDIR", work_ + "/" + t.name + "/tmp"}};
  spec.limit = std::chrono::seconds(merge_limit_);
  const RunResult result = run_bounded(spec);
  const auto merged = files_in(min);
  if (result.started && result.status == 0 && !result.timed_out && !merged.empty()) {
    // The merged set goes in first, then what it left out goes: a unit that a writer
    // without the lock (./closesem fuzz) added meanwhile stays.
    std::set<std::string> merge_output;
    for (const auto& file : merged) {
      const std::string name = fs::path(file).filename().string();
      merge_output.insert(name);
      move_file(file, corpus + "/" + name);
    }
    for (const auto& name : merge_input)
      if (!merge_output.count(name)) fs::remove(corpus + "/" + name, error);
    long long kept = 0;
    for (const auto& file : files_in(fresh))
      if (fs::exists(corpus + "/" + fs::path(file).filename().string(), error)) ++kept;
    entry.new_units_kept = kept;
    entry.merge = "ok";
  } else {
    const std::string status = !result.started ? "could not start: " + result.error
                               : result.timed_out ? "stopped at its limit of " + std::to_string(merge_limit_) + " s"
                                                  : "exit " + std::to_string(result.status);
    entry.merge = "merge failed (" + status + ", see logs/" + t.name + ".merge.log): the new units were added as they are";
    for (const auto& file : files_in(fresh))
      fs::copy_file(file, corpus + "/" + fs::path(file).filename().string(), fs::copy_options::skip_existing, error);
  }
  entry.corpus_after = count_files(corpus);
}

void Job::merge_corpus(std::size_t index) {
  const auto& t = *targets_[index];
  auto& entry = night_.targets[index];
  const std::string fresh = work_ + "/" + t.name + "/new";
  const long units = count_files(fresh);
  if (units == 0) {
    entry.merge = "no new units";
    entry.corpus_after = count_files(corpus_root_ + "/" + t.name);
    return;
  }
  FileLock lock;
  std::string why;
  if (lock.acquire(corpus_root_ + "/" + t.name + ".lock", std::chrono::seconds(lock_wait_),
                   "nightly " + name_ + " (pid " + std::to_string(own_pid()) + "), merging", why)) {
    merge_locked(index);
    return;
  }
  say(why);
  // No lock (another run's merge outlived the wait): the new units stay in this report.
  const std::string kept = out_dir_ + "/corpus-new/" + t.name;
  std::error_code error;
  fs::create_directories(kept, error);
  for (const auto& file : files_in(fresh))
    fs::copy_file(file, kept + "/" + fs::path(file).filename().string(), fs::copy_options::overwrite_existing, error);
  say(t.name + ": not merged into " + show(corpus_root_ + "/" + t.name) + " (no lock): its " + std::to_string(units) +
      " new units are in " + show(kept) + "/; copy them into the corpus later");
  entry.merge = "merge failed: no lock on " + show(corpus_root_ + "/" + t.name + ".lock") + " within " +
                std::to_string(lock_wait_) + " s (another run held it): the " + std::to_string(units) +
                " new units are in corpus-new/" + t.name + "/ of this report";
  entry.corpus_after = count_files(corpus_root_ + "/" + t.name);
}

// At most this many crash inputs are run per target to learn their signatures (and none
// after the triage deadline: inputs that hang take a minute each), and this many
// signatures minimised (the rest are kept as they are, and counted).
constexpr std::size_t kMaxInputs = 100;
constexpr int kMaxSignatures = 10;
constexpr const char* kUnreproducible = "(did not fail when run again)";

void Job::triage(std::size_t index, std::vector<NightFinding>& found) {
  const auto& t = *targets_[index];
  auto& entry = night_.targets[index];
  const std::string dir = out_dir_ + "/findings/" + t.name;
  // Every lane's crash inputs, each run with its own lane's binaries: a sanitizer's report
  // only comes again from the sanitized build, a Winsock finding from the Windows build.
  struct Input {
    std::string path;
    std::size_t lane;
  };
  std::vector<Input> inputs;
  for (std::size_t k = 0; k < lanes_.size(); ++k)
    if (lanes_[k].has(index))
      for (const auto& file : files_in(inputs_dir(lanes_[k], t))) inputs.push_back({file, k});
  if (inputs.empty()) return;
  const long long budget = budget_;
  const auto triage_deadline = triage_deadline_;
  const int minimise_limit = static_cast<int>(std::clamp<long long>(budget / 10, 30, 300));
  // (oldest first: a target that keeps failing the same way has the oldest inputs examined)
  std::error_code error;
  std::sort(inputs.begin(), inputs.end(), [&](const Input& a, const Input& b) {
    const auto ta = fs::last_write_time(a.path, error), tb = fs::last_write_time(b.path, error);
    return ta != tb ? ta < tb : a.path < b.path;
  });
  struct Examined {
    std::string signature, path;
    std::uintmax_t size;
    std::size_t lane;
  };
  std::vector<Examined> examined;
  for (std::size_t i = 0; i < inputs.size() && i < kMaxInputs; ++i) {
    if (Clock::now() >= triage_deadline) break;
    const Lane& lane = lanes_[inputs[i].lane];
    const TargetOutcome outcome = run_target_once(t, lane.runner(t.name), inputs[i].path, work_ + "/" + t.name + "/run.out");
    const std::string signature = outcome.finding ? outcome.finding->signature : kUnreproducible;
    examined.push_back({signature, inputs[i].path, fs::file_size(inputs[i].path, error), inputs[i].lane});
    for (auto& row : entry.lanes)
      if (row.lane == lane.label) row.inputs_examined = row.inputs_examined.value_or(0) + 1;
  }
  entry.inputs_examined = static_cast<long long>(examined.size());
  // One finding per signature and platform (the same words from Winsock under Wine are
  // another finding), the most frequent first; its smallest input is minimised with the
  // binaries of the lane that found it.
  std::map<std::pair<std::string, std::string>, std::vector<const Examined*>> by_signature;
  for (const auto& e : examined) by_signature[{lanes_[e.lane].platform, e.signature}].push_back(&e);
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<const Examined*>>> groups(by_signature.begin(),
                                                                                                  by_signature.end());
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  int n = 0;
  for (const auto& [key, members] : groups) {
    const std::string& signature = key.second;
    ++n;
    const Examined* smallest = *std::min_element(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return a->size != b->size ? a->size < b->size : a->path < b->path;
    });
    const Lane& lane = lanes_[smallest->lane];
    NightFinding finding;
    finding.target = t.name;
    finding.number = n;
    finding.signature = signature;
    finding.inputs = static_cast<long long>(members.size());
    finding.original = show(smallest->path);
    finding.original_size = static_cast<long long>(smallest->size);
    finding.lane = lane.label;
    for (const auto& other : lanes_)
      for (const auto* member : members)
        if (&lanes_[member->lane] == &other) {
          finding.lanes.push_back(other.label);
          break;
        }
    const std::string number = std::to_string(n);
    // (a kept input's suffix names its format, as promote names it: .rec, .linger, ...)
    const auto* format = ops::find_input_format(t.format);
    const std::string raw = number + (format != nullptr ? format->suffix : ".bin");
    const auto keep_as_is = [&](const std::string& status) {
      fs::copy_file(smallest->path, dir + "/" + raw, fs::copy_options::overwrite_existing, error);
      finding.status = status;
      finding.files = {raw};
    };
    if (signature == kUnreproducible) {
      keep_as_is("unreproducible");
    } else if (n > kMaxSignatures) {
      keep_as_is("not minimised (more than " + std::to_string(kMaxSignatures) + " signatures)");
    } else {
      PromoteOptions options;
      options.target = t.name;
      options.crash = smallest->path;
      options.id = number;
      options.fuzzers = lane.runners;
      options.out_dir = dir;
      options.time_limit = minimise_limit;
      options.log = dir + "/" + number + ".log";
      options.origin = "Finding " + number + " of " + t.name + ", nightly " + name_ + ", lane " + lane.label + ", from " +
                       fs::path(smallest->path).filename().string() + " (one of " + std::to_string(members.size()) +
                       " inputs with this signature).";
      std::ofstream log(out_dir_ + "/logs/" + t.name + ".finding-" + number + ".log");
      const PromoteResult result = promote(options, log);
      if (result.status == 0) {
        finding.status = "confirmed";
        finding.what = result.what.rfind(t.name + ": ", 0) == 0 ? result.what : t.name + ": " + result.what;
        finding.minimised = result.minimised;
        // The input promote wrote (N.rec, N.linger, N.asio, ...), its readable twin, the log.
        std::vector<std::string> files;
        if (!result.written.empty()) files.push_back(fs::path(result.written).filename().string());
        for (const auto& file : {number + ".ops", number + ".log"})
          if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
        for (const auto& file : files)
          if (fs::exists(dir + "/" + file, error)) finding.files.push_back(file);
        if (lane.platform == "wine") wine_check(lane, dir, number, finding);
        standalone_reproducer(lane, dir, number, finding, log);
      } else {
        keep_as_is("unconfirmed: " + (result.reason.empty() ? "promote exit " + std::to_string(result.status) : result.reason));
      }
    }
    found.push_back(finding);
  }
}

// A Winsock finding, confirmed the way a person replays it: the headers of its files name
// the Windows build's command (not the script that started it here), and its decoded
// program runs once more in the Windows build's own tool under Wine (`ops run`, `asio
// run`; output in N.wine.log).
void Job::wine_check(const Lane& lane, const std::string& dir, const std::string& number, NightFinding& finding) {
  std::error_code error;
  const std::string script = lane.runner(finding.target);
  const std::string command = lane.build + "/wine-run " + lane.fuzzers + "/" + finding.target + ".exe";
  for (const auto& file : finding.files) {
    const std::string extension = fs::path(file).extension().string();
    if (extension != ".ops" && extension != ".asio" && extension != ".log") continue;  // (text only)
    const std::string path = dir + "/" + file;
    std::string text = read_text(path);
    bool changed = false;
    for (const auto& from : {script, show(script)}) {
      for (std::size_t at; (at = text.find(from)) != std::string::npos;) {
        text.replace(at, from.size(), from == script ? command : show(lane.build + "/wine-run") + " " +
                                                                    show(lane.fuzzers + "/" + finding.target + ".exe"));
        changed = true;
      }
    }
    if (changed && !write_text(path, text))
      say("cannot rewrite " + path);
  }
  const bool asio = fs::exists(dir + "/" + number + ".asio", error);
  const std::string program = dir + "/" + number + (asio ? ".asio" : ".ops");
  const std::string tool = lane.build + "/tools/" + (asio ? "closesem_asio_tool.exe" : "closesem_tool.exe");
  if (!fs::exists(program, error)) {
    finding.wine_check = "not run: no " + fs::path(program).filename().string();
    return;
  }
  if (!fs::is_regular_file(tool, error)) {
    finding.wine_check = "not run: no " + show(tool) + " (build the mingw preset's " +
                         fs::path(tool).stem().string() + ")";
    return;
  }
  RunSpec spec;
  spec.argv = {lane.build + "/wine-run", tool, asio ? "asio" : "ops", "run", program};
  if (!lane.profile.empty()) spec.argv.insert(spec.argv.end() - 1, {"--profile", lane.profile});
  // (the decoded program keeps the ops its target left out as script errors)
  if (!asio) spec.argv.insert(spec.argv.end() - 1, "--skip-invalid");
  spec.log_path = dir + "/" + number + ".wine.log";
  spec.limit = std::chrono::seconds(300);
  spec.env = {{"CLOSESEM_TIMEOUT_MULTIPLIER", std::getenv("CLOSESEM_TIMEOUT_MULTIPLIER") != nullptr
                                                  ? std::getenv("CLOSESEM_TIMEOUT_MULTIPLIER")
                                                  : "3"}};
  const RunResult ran = run_bounded(spec);
  std::string shown_line;  // the line that counts the divergences, else the last one
  std::istringstream lines(ran.log);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find("diverged from the model") != std::string::npos) shown_line = line;
    else if (shown_line.find("diverged from the model") == std::string::npos && !line.empty()) shown_line = line;
  }
  while (!shown_line.empty() && shown_line.front() == ' ') shown_line.erase(0, 1);
  finding.wine_check = !ran.started  ? "could not start: " + ran.error
                       : ran.timed_out ? "did not end within 300 s"
                                       : "exit " + std::to_string(ran.status) + (shown_line.empty() ? "" : ": " + shown_line);
  finding.files.push_back(number + ".wine.log");
}

// The first of `names` found as an executable file on PATH ("" when none).
std::string on_path(std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (auto found = files::find_program(name); !found.empty()) return found;
  return "";
}

// The finding's standalone reproducer (issue 19): the minimised program as one file that
// needs nothing of closesem, kept beside it, built with the host's compiler and run once,
// so that the summary says whether it shows the finding on its own (its output in
// NUMBER.c.log / NUMBER.cpp.log): an .ops program as C (`ops export --c --skip-invalid`,
// leaving out the ops the target dropped as invalid), an .asio program as C++ that needs
// only asio's headers (closesem_asio_tool's `asio export --cpp`, beside this binary).
//
// A Winsock finding's reproducer is built for Windows (x86_64-w64-mingw32-gcc, as the
// summary tells a person to) and run under Wine; an asio one is exported, not built (its
// Windows build needs asio's include folder).
void Job::standalone_reproducer(const Lane& lane, const std::string& dir, const std::string& number,
                                NightFinding& finding, std::ostream& log) {
  const bool windows = lane.platform == "wine";
  std::error_code error;
  const bool asio = fs::exists(dir + "/" + number + ".asio", error);
  const std::string script = dir + "/" + number + (asio ? ".asio" : ".ops");
  const std::string suffix = asio ? ".cpp" : ".c";
  const std::string source = dir + "/" + number + suffix;
  if (!fs::exists(script, error)) return;
  if (asio) {
    RunSpec made;
    made.argv = {(fs::path(platform::executable_path()).parent_path() / "closesem_asio_tool").string(), "asio",
                 "export", "--cpp", script, "-o", source};
    made.log_path = work_ + "/reproducer-" + finding.target + "-" + number + ".export.log";
    made.limit = std::chrono::seconds(120);
    const RunResult exported = run_bounded(made);
    if (!exported.started || exported.status != 0) {
      finding.reproducer = "not exported: " + (exported.started ? exported.log : exported.error);
      log << "asio export --cpp " << script << ": " << finding.reproducer << "\n";
      return;
    }
  } else {
    OpsExportOptions options;
    options.input = script;
    options.output = source;
    options.skip_invalid = true;
    options.profile = lane.profile;  // (the expected outcomes: the profile the lane judged by)
    std::ostringstream quiet, problems;
    if (ops_export(options, quiet, problems) != 0) {
      finding.reproducer = "not exported: " + problems.str();
      log << "ops export --c " << script << ": " << problems.str();
      return;
    }
  }
  finding.files.push_back(number + suffix);
  std::ifstream in(source);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string binary = work_ + "/reproducer-" + finding.target + "-" + number + (windows ? ".exe" : "");
  if (windows && asio) {
    finding.reproducer = "not built here: its Windows build needs asio's include folder (see the command above)";
    return;
  }
  const std::string compiler = windows ? on_path({"x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-gcc-posix"})
                               : asio  ? on_path({"c++", "g++", "clang++"})
                                       : on_path({"cc", "gcc", "clang"});
  if (compiler.empty()) {
    finding.reproducer = windows ? "not built: no x86_64-w64-mingw32-gcc on PATH"
                         : asio  ? "not built: no C++ compiler (c++, g++ or clang++) on PATH"
                                 : "not built: no C compiler (cc, gcc or clang) on PATH";
    return;
  }
  RunSpec build;
  if (windows)
    build.argv = {compiler, "-std=c11", "-O1", source, "-o", binary, "-lws2_32"};
  else
    build.argv = {compiler, asio ? "-std=c++17" : "-std=c11", "-O1", "-pthread", source, "-o", binary};
  if (!windows && text.find("#define CS_USE_URING 1") != std::string::npos) build.argv.push_back("-luring");
  build.log_path = binary + ".build.log";
  build.limit = std::chrono::seconds(300);
  const RunResult built = run_bounded(build);
  if (!built.started || built.status != 0) {
    finding.reproducer = !built.started ? "not built: " + built.error
                                        : "did not build with " + fs::path(compiler).filename().string() + " (exit " +
                                              std::to_string(built.status) + ")";
    log << compiler << " " << source << ":\n" << built.log;
    return;
  }
  RunSpec run;
  run.argv = {binary};
  if (windows) run.argv = {lane.build + "/wine-run", binary};
  run.log_path = source + ".log";
  run.limit = std::chrono::seconds(300);
  const RunResult ran = run_bounded(run);
  fs::remove(binary, error);
  std::string shown;  // the deviation it printed, else its last line
  std::istringstream lines(ran.log);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // (Windows programs' CR LF)
    if (line.find("DEVIATION") != std::string::npos && shown.find("DEVIATION") == std::string::npos) shown = line;
    if (shown.find("DEVIATION") == std::string::npos && !line.empty()) shown = line;
  }
  finding.reproducer = std::string(windows ? "under Wine, " : "") +
                       (ran.timed_out ? "did not end within 300 s"
                                      : "exit " + std::to_string(ran.status) + (shown.empty() ? "" : ": " + shown));
  finding.files.push_back(number + suffix + ".log");
}

bool Job::conformance_run(const std::string& label, const std::string& binary, const std::string& report) {
  ConformanceRun run;
  run.label = label;
  if (!files::executable(binary)) {
    run.status = "missing " + show(binary);
    night_.conformance.push_back(run);
    return false;
  }
  // Bounded: a stack that hangs makes the suite's own bounded waits fail, and this is the
  // last resort.
  RunSpec spec;
  spec.argv = {binary};
  spec.log_path = out_dir_ + "/logs/" + label + ".log";
  spec.env = {{"CLOSESEM_REPORT", report}};
  spec.limit = std::chrono::seconds(3600);
  bool interrupted = false;
  const RunResult result = run_stoppable(spec, interrupted);
  static const std::regex summary_line(R"(^closesem: behaviour report .*: ([0-9]+ pass, .* skipped)\r?$)");
  std::istringstream in(read_text(spec.log_path));
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, summary_line)) run.summary = m[1];
  if (result.started) run.exit = result.status;
  if (run.summary.empty()) run.summary = "no summary (see logs/" + label + ".log)";
  run.report = fs::path(report).filename().string();
  std::error_code error;
  if (!result.started)
    run.status = "could not start: " + result.error;
  else if (interrupted)
    run.status = "stopped (interrupted)";
  else if (result.timed_out)
    run.status = "stopped at its limit of 3600 s";
  else if (!fs::exists(report, error) || fs::file_size(report, error) == 0)
    run.status = "the suite wrote no report";
  night_.conformance.push_back(run);
  return result.started && result.status == 0;
}

// The other reports in REPORTS that are finished (stats.json written, no .running): a
// run still writing its folder is neither last night's behaviour nor history.
std::vector<std::string> Job::finished_reports() const {
  std::vector<std::string> reports;
  std::error_code error;
  for (fs::directory_iterator it(reports_root_, error), end; !error && it != end; it.increment(error)) {
    std::error_code ignored;
    if (!it->is_directory(ignored) || it->path().string() == out_dir_) continue;
    if (fs::exists(it->path() / "stats.json", ignored) && !fs::exists(it->path() / ".running", ignored))
      reports.push_back(it->path().string());
  }
  std::sort(reports.begin(), reports.end());
  return reports;
}

void Job::conformance() {
  if (!conformance_) {
    night_.conformance_skipped = true;
    return;
  }
  say("running the conformance suite (behaviour.json)");
  conformance_run("conformance", build_ + "/conformance/closesem_conformance", out_dir_ + "/behaviour.json");
  conformance_run("conformance-asio", build_ + "/conformance/closesem_conformance_asio", out_dir_ + "/behaviour-asio.json");
  // What changed since the last finished nightly report that has one.
  std::string previous;
  fs::file_time_type newest{};
  std::error_code error;
  for (const auto& dir : finished_reports()) {
    const std::string behaviour = dir + "/behaviour.json";
    if (!fs::exists(behaviour, error) || fs::file_size(behaviour, error) == 0) continue;
    const auto time = fs::last_write_time(behaviour, error);
    if (previous.empty() || time > newest) {
      previous = behaviour;
      newest = time;
    }
  }
  const std::string current = out_dir_ + "/behaviour.json";
  if (previous.empty() || !fs::exists(current, error) || fs::file_size(current, error) == 0) return;
  DiffOptions diff;
  diff.left = previous;
  diff.right = current;
  std::ostringstream text;
  report_diff(diff, text, text);
  write_text(out_dir_ + "/behaviour-diff.txt", text.str());
  std::string line, last;
  std::istringstream lines(text.str());
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  night_.diff_previous = fs::path(previous).parent_path().filename().string();
  night_.diff_result = last;
}

int Job::report() {
  night_.job.finished = utc_now();
  NightlySummaryOptions options;
  options.dir = out_dir_;
  options.history = finished_reports();
  options.corpora = top_ + "/corpora";
  const int status = nightly_summary(night_, options, out_, err_);
  std::error_code error;
  fs::remove_all(work_, error);
  fs::remove(out_dir_ + "/.running", error);
  return status;
}

int Job::run(const std::vector<std::string>& args) {
  try {
    parse(args);
    check_binaries();
    claim_report_folder();
  } catch (const Stop& stop) {
    return stop.status;
  }
  install_stop_signals(2, "\nnightly: second interrupt: stopping without a report (the inputs so far are in " +
                              show(out_dir_) + "/)\n");
  try {
    auto& job = night_.job;
    job.date = name_;
    job.started = utc_now();
    job.engine = engine_;
    job.budget_seconds = budget_;
    job.checked_floor_percent = checked_floor_;
    job.jobs = jobs_;
    job.cores = std::thread::hardware_concurrency();
    job.platform = platform::platform_id();
    if (const char* version = std::getenv("CLOSESEM_SUITE_VERSION"); version != nullptr && *version != '\0') {
      job.suite_version = version;
    } else {
      RunSpec git;
      git.argv = {"/usr/bin/git", "-C", top_, "describe", "--always", "--dirty", "--tags"};
      git.log_path = work_ + "/git.log";
      git.limit = std::chrono::seconds(30);
      const RunResult result = run_bounded(git);
      const std::string described = result.status == 0 ? result.log.substr(0, result.log.find('\n')) : "";
      job.suite_version = described.empty() ? "unknown" : described;
    }
    job.corpus_root = show(corpus_root_);
    // (the first lane's binaries: what a record from before the lanes called the fuzzers)
    job.fuzzers = lanes_.empty() ? "" : show(lanes_.front().fuzzers);
    job.build = show(build_);
    job.sanitizers_option = sanitizers_;
    job.wine_share = wine_share_;
    job.notes = notes_;
    job.report_dir = show(out_dir_);
    if (const char* note = std::getenv("CLOSESEM_NIGHTLY_ENGINE_NOTE"); note != nullptr && *note != '\0')
      job.engine_note = note;
    std::string lanes;
    for (const auto& lane : lanes_) lanes += (lanes.empty() ? "" : ", ") + lane.label + " " + clock_mmss(lane.seconds);
    say("report: " + show(out_dir_) + "/; " + std::to_string(targets_.size()) + " targets, " + engine_ + " engine, " +
        clock_mmss(budget_) + " of fuzzing in " + std::to_string(lanes_.size()) + " lane" +
        (lanes_.size() == 1 ? "" : "s") + " (" + lanes + "), " + std::to_string(jobs_) + " jobs");
    for (const auto& note : notes_) say(note);

    prepare_targets();
    fuzz();

    auto phase = Clock::now();
    const auto seconds_since = [&] {
      return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - phase).count();
    };
    if (merge_lane_ != nullptr) {
      say("merging the new units of the libFuzzer lanes into the corpora (" + show(corpus_root_) + "/TARGET) and minimising them");
      for_each_target([&](std::size_t i) { merge_corpus(i); });
    }
    job.merge_seconds = seconds_since();

    phase = Clock::now();
    triage_deadline_ = Clock::now() + std::chrono::seconds(std::max<long long>(budget_ / 2, 600));
    bool any = false;
    for (const auto& t : night_.targets) any = any || t.crash_inputs.value_or(0) > 0;
    if (any) {
      say("crash inputs: learning their signatures, minimising one per signature (at most " +
          std::to_string(std::clamp<long long>(budget_ / 10, 30, 300)) + " s each), confirming");
      std::vector<std::vector<NightFinding>> found(targets_.size());
      for_each_target([&](std::size_t i) { triage(i, found[i]); });
      for (auto& list : found) night_.findings.insert(night_.findings.end(), list.begin(), list.end());
    }
    remove_empty_folders(out_dir_ + "/findings");
    job.triage_seconds = seconds_since();

    phase = Clock::now();
    conformance();
    job.conformance_seconds = seconds_since();
    return report();
  } catch (const Stop& stop) {
    return stop.status;
  }
}

}  // namespace

int nightly_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // `nightly summary`: the report alone, from a night record in a file.
  if (!args.empty() && args.front() == "summary") {
    CLI::App app{"Turn a night record (JSON, as the nightly job keeps it) into stats.json and summary.md in DIR. "
                 "Exit status: 0 no new finding and conformance passed, 1 a new finding or a conformance failure, "
                 "2 bad input.",
                 "./closesem nightly summary"};
    app.allow_windows_style_options(false);
    std::string night, dir, history, corpora, counts, checked_floor;
    app.add_option("--night", night, "The night record (JSON)")->required()->check(CLI::ExistingFile);
    app.add_option("--dir", dir, "The report folder")->required()->check(CLI::ExistingDirectory);
    app.add_option("--history", history, "The folder of earlier reports (<date>/stats.json)");
    app.add_option("--corpora", corpora, "corpora/ (regressions name their signatures)");
    app.add_option("--counts", counts, "A folder of counts files (TARGET-*.json): what the model checked")
        ->check(CLI::ExistingDirectory);
    app.add_option("--checked-floor", checked_floor, "Percent of ops the model must check (default: the record's, 95)");
    std::vector<const char*> argv{"summary"};
    for (std::size_t i = 1; i < args.size(); ++i) argv.push_back(args[i].c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      const int status = app.exit(e, out, err);
      return status == 0 ? 0 : 2;
    }
    // (given empty is no floor: refused, as the job refuses it)
    double floor_percent = 0;
    std::string why;
    if (app.count("--checked-floor") > 0 && !parse_checked_floor(checked_floor, floor_percent, why)) {
      err << "nightly summary: " << why << "\n";
      return 2;
    }
    return nightly_summary_file(night, dir, history, corpora, out, err, counts, checked_floor);
  }
  Job job(out, err);
  return job.run(args);
}

}  // namespace closesem::tool
