// SPDX-License-Identifier: MIT
// The nightly job. Runs every fuzz target at once for the budget, keeps what they found
// (new corpus units merged into the corpora and minimised; every crash input,
// deduplicated by signature, minimised, decoded and confirmed), runs the conformance
// suite, and writes reports/<date>/ (summary.md, stats.json, behaviour.json, findings/,
// logs/). What it learns goes into a NightRecord (nightly_summary.hpp), which makes the
// report.
#include "nightly.hpp"

#include "fuzzing/check_counts_file.hpp"
#include "fuzzing/manifest.hpp"
#include "fuzzing/promote.hpp"
#include "fuzzing/target_run.hpp"
#include "nightly_summary.hpp"
#include "nightly_util.hpp"
#include "ops_export.hpp"
#include "report_diff.hpp"

#include <closesem/fuzz_inputs.hpp>
#include <closesem/platform.hpp>
#include <closesem/process.hpp>

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
                          [--targets T1,T2] [--corpus DIR] [--reports DIR] [--no-conformance]
                          [--checked-floor PERCENT]

The nightly job: fuzz every target at once for the budget, keep what the fuzzers
found, run the conformance suite, and write a report a person reads in a minute.

  --budget TIME    fuzzing time: 300, 300s, 30m, 2h (default 30m). Building, the
                   corpus merge, minimising findings and the conformance suite come
                   on top (a few minutes).
  --jobs N         fuzzing processes in all (default: the number of cores). Every
                   target gets at least one; the targets mostly wait on their
                   sockets, so more targets than cores still fuzz well.
  --engine E       libfuzzer (the clang 'fuzz' build, libFuzzer's fork mode) or
                   replay (the replay engine's random mode, for a machine without
                   clang). Default: libfuzzer where clang can build it.
  --targets LIST   only these targets (comma-separated; default: every target of
                   the manifest, fuzz/CMakeLists.txt).
  --corpus DIR     the corpora that grow from night to night, one folder per target
                   (default: build/fuzz-corpus, shared with './closesem fuzz').
  --reports DIR    where reports/<date>/ goes (default: reports).
  --no-conformance skip the conformance suite (no behaviour.json).
  --checked-floor PERCENT
                   the share of its ops a target's model must check (default 95):
                   a target below it, or one that wrote no counts, is named at the
                   top of the summary. Every fuzzing process counts what the model
                   checked (CLOSESEM_CHECK_COUNTS); the counts are summed per target.

Writes REPORTS/<date>/ (a second run the same day: <date>.2, ...):
  summary.md      what a person reads first: new findings, what to do with them,
                  per-target figures, the conformance result, changes since last night
  stats.json      per target: executions, executions per second, coverage, corpus
                  size before and after, new units, crash inputs, findings, ops
                  run and the share the model checked, what it did not predict
  behaviour.json  the conformance suite's behaviour report (behaviour-asio.json: asio's)
  findings/TARGET/N.bin + N.ops (N.asio)  one minimised, decoded reproducer per
                  signature; N.log the confirming run; inputs/ every crash input
  logs/           the fuzzers', the merges' and the suite's output

Runs may share a machine and REPORTS: each claims a folder of its own (mkdir, not a
check then a create) and keeps its work inside it (.work/, .running while it runs);
the shared corpus of a target is locked (CORPUS/TARGET.lock, flock) while a run copies
it and while it merges into it, for at most CLOSESEM_NIGHTLY_LOCK_WAIT seconds
(default: the merge's own time limit and a minute); a run that cannot get the lock
keeps its new units in corpus-new/TARGET/ of its report. Only finished reports (with
stats.json, without .running) count as history and as last night's behaviour.

Interrupted (Ctrl-C, SIGTERM), it stops the fuzzers, keeps what they found and writes
the report ("Stopped early"); a second interrupt stops everything without a report.

Exit status: 0 no new finding and the conformance suite passed; 1 a new finding (one
not in an earlier nightly report here) or a conformance failure; 2 bad usage; 3 the
job could not run (a build or a binary missing).
)";

// How the job fails before it has a report: bad usage (2), cannot run (3).
struct Stop {
  int status;
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
  // Where a target's fuzzing processes write their counts ("%p": each its own).
  std::string counts_path(const FuzzTarget& t) const { return work_ + "/counts/" + t.name + "-%p.json"; }

  // --- the phases
  void parse(const std::vector<std::string>& args);
  void check_binaries();
  void claim_report_folder();
  void prepare_targets();
  void fuzz();
  void progress(long long elapsed);
  long long executions(std::size_t index);
  void after_fuzzing(long long fuzz_seconds);
  void merge_corpus(std::size_t index);
  void merge_locked(std::size_t index);
  void triage(std::size_t index, std::vector<NightFinding>& found);
  void standalone_reproducer(const std::string& dir, const std::string& number, NightFinding& finding,
                             std::ostream& log);
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
  std::vector<int> workers_;
  // replay engine: inputs run by the finished rounds of each target's workers
  std::vector<long long> finished_runs_;
  std::vector<std::vector<std::string>> round_logs_;  // per target, per worker: the round running
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
  std::string budget, jobs, targets, checked_floor;
  bool check_only = false, no_conformance = false;
  for (auto* option : {app.add_option("--budget", budget), app.add_option("--jobs", jobs),
                       app.add_option("--engine", engine_), app.add_option("--targets", targets),
                       app.add_option("--corpus", corpus_root_), app.add_option("--reports", reports_root_),
                       app.add_option("--build", build_), app.add_option("--fuzzers", fuzzers_),
                       app.add_option("--checked-floor", checked_floor)})
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
                             "--fuzzers", "--checked-floor"}) {
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
  if (fuzzers_.empty()) fuzzers_ = build_ + "/fuzz";
  if (corpus_root_.empty()) corpus_root_ = top_ + "/build/fuzz-corpus";
  if (reports_root_.empty()) reports_root_ = top_ + "/reports";
  if (jobs_ == 0) jobs_ = std::max(1u, std::thread::hardware_concurrency());
  if (!fs::is_directory(build_, error)) cannot_run("no build folder " + build_);
  build_ = fs::canonical(build_, error).string();
  if (!fs::is_directory(fuzzers_, error)) cannot_run("no folder of fuzz target binaries " + fuzzers_);
  fuzzers_ = fs::canonical(fuzzers_, error).string();
  corpus_root_ = fs::absolute(corpus_root_, error).lexically_normal().string();
  for (const auto* target : targets_) {
    const fs::path binary = fs::path(fuzzers_) / target->name;
    if (!executable(binary.string())) cannot_run("no fuzz target binary " + binary.string());
  }
  // The engine the binaries were built with answers for itself: libFuzzer knows -help=1.
  const fs::path probe_log = fs::temp_directory_path(error) / ("closesem-nightly-" + std::to_string(own_pid()) + ".log");
  RunSpec probe;
  probe.argv = {fuzzers_ + "/" + targets_.front()->name, "-help=1"};
  probe.log_path = probe_log.string();
  probe.limit = std::chrono::seconds(60);
  const RunResult answer = run_bounded(probe);
  fs::remove(probe_log, error);
  const bool libfuzzer = std::regex_search(answer.log, std::regex("(^|\n)Usage:"));
  const std::string built_with = libfuzzer ? "libfuzzer" : "replay";
  if (built_with != engine_) cannot_run("the binaries in " + fuzzers_ + " are built for the " + built_with + " engine, not " + engine_);
  // A run waits for another's merge at most as long as a merge of its own may take, and a minute.
  merge_limit_ = std::max<long long>(budget_, 600);
  lock_wait_ = merge_limit_ + 60;
  if (const char* wait = std::getenv("CLOSESEM_NIGHTLY_LOCK_WAIT")) {
    if (!std::regex_match(std::string(wait), std::regex("^[0-9]{1,6}$")))
      usage_error(std::string("CLOSESEM_NIGHTLY_LOCK_WAIT needs a number of seconds, not '") + wait + "'");
    lock_wait_ = std::stoll(wait);
  }
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
  workers_.assign(count, 1);
  // Fuzzing processes per target: `jobs` spread over the targets, at least one each.
  for (std::size_t i = 0; i < count; ++i) {
    workers_[i] = jobs_ / static_cast<int>(count) + (static_cast<int>(i) < jobs_ % static_cast<int>(count) ? 1 : 0);
    if (workers_[i] < 1) workers_[i] = 1;
  }
  finished_runs_.assign(count, 0);
  round_logs_.assign(count, {});
  std::error_code error;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& t = *targets_[i];
    NightTarget entry;
    entry.name = t.name;
    entry.workers = workers_[i];
    for (const auto& dir : {"new", "tmp", "corpus"}) fs::create_directories(work_ + "/" + t.name + "/" + dir, error);
    fs::create_directories(out_dir_ + "/findings/" + t.name + "/inputs", error);
    round_logs_[i].assign(static_cast<std::size_t>(workers_[i]), "");
    if (engine_ == "libfuzzer") {
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

long long Job::executions(std::size_t index) {
  const auto& name = targets_[index]->name;
  if (engine_ == "libfuzzer") return status_field(last_status_line(out_dir_ + "/logs/" + name + ".log"), "#").value_or(0);
  long long runs = finished_runs_[index];
  for (const auto& log : round_logs_[index])
    if (!log.empty()) runs += replay_runs(read_text(log), true);
  return runs;
}

void Job::progress(long long elapsed) {
  std::ostringstream text;
  text << "nightly: [" << clock_mmss(elapsed) << " of " << clock_mmss(budget_) << "]\n";
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const auto& name = targets_[i]->name;
    const long long runs = executions(i);
    const long long rate = elapsed > 0 ? runs / elapsed : 0;
    const long crashes = count_files(out_dir_ + "/findings/" + name + "/inputs", is_slow_unit);
    char line[512];
    if (engine_ == "libfuzzer") {
      const Count cov = status_field(last_status_line(out_dir_ + "/logs/" + name + ".log"), "cov");
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

void Job::fuzz() {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(budget_);
  constexpr long long kGrace = 60;  // past the budget, the fuzzers are stopped
  // One fuzzing process (libFuzzer: a target's fork-mode parent; replay: one worker's
  // current round).
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
    const auto remaining = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now()).count();
    if (remaining <= 0 || stop_signals() > 0) return false;
    const std::string log = work_ + "/" + t.name + ".w" + std::to_string(slot.worker) + ".round.log";
    RunSpec spec;
    spec.argv = {fuzzers_ + "/" + t.name, "--random", "--seed", std::to_string(slot.seed), "--budget",
                 std::to_string(remaining), "--max-len", std::to_string(option_int(t, "max_len", 1024))};
    spec.log_path = log;
    spec.cwd = out_dir_ + "/findings/" + t.name + "/inputs";
    spec.env = {{"CLOSESEM_CHECK_COUNTS", counts_path(t)}};
    spec.limit = std::chrono::seconds(remaining + kGrace);
    slot.run = std::make_unique<BoundedRun>();
    if (!slot.run->start(spec, error)) {
      say(t.name + ": cannot start a fuzzer: " + error);
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
    std::ofstream(out_dir_ + "/logs/" + t.name + ".w" + std::to_string(slot.worker) + ".log", std::ios::app) << text;
    finished_runs_[slot.target] += replay_runs(text, false);
    log.clear();
  };

  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const auto& t = *targets_[i];
    if (engine_ == "libfuzzer") {
      RunSpec spec;
      spec.argv = {fuzzers_ + "/" + t.name};
      for (const auto& flag : libfuzzer_flags(t)) spec.argv.push_back(flag);
      for (const auto& flag :
           {"-fork=" + std::to_string(workers_[i]), std::string("-ignore_crashes=1"), std::string("-ignore_timeouts=1"),
            std::string("-ignore_ooms=1"), "-max_total_time=" + std::to_string(budget_),
            "-artifact_prefix=" + out_dir_ + "/findings/" + t.name + "/inputs/", work_ + "/" + t.name + "/new",
            work_ + "/" + t.name + "/corpus", work_ + "/" + t.name + "/seeds"})
        spec.argv.push_back(flag);
      spec.log_path = out_dir_ + "/logs/" + t.name + ".log";
      spec.cwd = work_ + "/" + t.name;
      // (fork mode's children inherit the environment: each writes its own counts file)
      spec.env = {{"TMPDIR", work_ + "/" + t.name + "/tmp"}, {"CLOSESEM_CHECK_COUNTS", counts_path(t)}};
      spec.limit = std::chrono::seconds(budget_ + kGrace);
      Slot slot{i, 0, 0, std::make_unique<BoundedRun>()};
      if (!slot.run->start(spec, error)) cannot_run("cannot start the fuzzer of " + t.name + ": " + error);
      slots.push_back(std::move(slot));
    } else {
      for (int w = 0; w < workers_[i]; ++w) {
        Slot slot{i, w, static_cast<std::uint64_t>(w + 1) * 1000003u + static_cast<std::uint64_t>(day_of_year()) * 1009u,
                  nullptr};
        // (an empty log, also when the budget is spent before the first round)
        std::ofstream(out_dir_ + "/logs/" + t.name + ".w" + std::to_string(w) + ".log");
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
        if (engine_ == "replay") end_round(slot);
      }
      break;
    }
    bool alive = false;
    for (auto& slot : slots) {
      if (!slot.run) continue;
      if (auto result = slot.run->poll()) {
        if (result->timed_out) past_limit = true;
        slot.run.reset();
        if (engine_ == "replay") {
          end_round(slot);
          slot.seed += static_cast<std::uint64_t>(workers_[slot.target]);
          if (!stopping) start_round(slot);
        }
      }
      alive = alive || slot.run != nullptr;
    }
    if (!alive) break;
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
    if (now >= next_report) {
      progress(now);
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
  if (past_limit) say("fuzzers still running " + std::to_string(kGrace) + " s past the budget were stopped");
  long long fuzz_seconds = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
  if (fuzz_seconds <= 0) fuzz_seconds = 1;
  if (fuzz_seconds >= next_report - interval + 2) progress(fuzz_seconds);
  night_.job.fuzz_seconds = fuzz_seconds;
  if (stopping && fuzz_seconds < budget_) night_.job.stopped_early_after_seconds = fuzz_seconds;
  after_fuzzing(fuzz_seconds);
}

void Job::after_fuzzing(long long fuzz_seconds) {
  std::error_code error;
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const auto& name = targets_[i]->name;
    auto& entry = night_.targets[i];
    const std::string inputs = out_dir_ + "/findings/" + name + "/inputs";
    // libFuzzer also saves inputs that ran longer than 10 s (slow-unit-*): not findings,
    // but kept and counted.
    for (const auto& file : files_in(inputs)) {
      if (!is_slow_unit(fs::path(file).filename().string())) continue;
      fs::create_directories(out_dir_ + "/findings/" + name + "/slow", error);
      move_file(file, out_dir_ + "/findings/" + name + "/slow/" + fs::path(file).filename().string());
    }
    entry.slow_units = count_files(out_dir_ + "/findings/" + name + "/slow");
    const long long runs = executions(i);
    entry.executions = runs;
    entry.executions_per_second = runs / fuzz_seconds;
    if (engine_ == "libfuzzer") {
      const std::string status = last_status_line(out_dir_ + "/logs/" + name + ".log");
      entry.coverage_edges = status_field(status, "cov");
      entry.coverage_features = status_field(status, "ft");
      entry.new_units = count_files(work_ + "/" + name + "/new");
    }
    entry.crash_inputs = count_files(inputs);
    // What the model checked: every fuzzing process's counts, summed (the fuzzers have
    // ended; a file cut short by a stop is refused and named, not half counted).
    entry.checks = night_checks(work_ + "/counts", name, writes_check_counts(*targets_[i]));
  }
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
  spec.argv = {fuzzers_ + "/" + t.name};
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
  const std::string dir = out_dir_ + "/findings/" + t.name, binary = fuzzers_ + "/" + t.name;
  auto inputs = files_in(dir + "/inputs");
  if (inputs.empty()) return;
  const long long budget = budget_;
  const auto triage_deadline = triage_deadline_;
  const int minimise_limit = static_cast<int>(std::clamp<long long>(budget / 10, 30, 300));
  // (oldest first: a target that keeps failing the same way has the oldest inputs examined)
  std::error_code error;
  std::sort(inputs.begin(), inputs.end(), [&](const std::string& a, const std::string& b) {
    const auto ta = fs::last_write_time(a, error), tb = fs::last_write_time(b, error);
    return ta != tb ? ta < tb : a < b;
  });
  struct Examined {
    std::string signature, path;
    std::uintmax_t size;
  };
  std::vector<Examined> examined;
  for (std::size_t i = 0; i < inputs.size() && i < kMaxInputs; ++i) {
    if (Clock::now() >= triage_deadline) break;
    const TargetOutcome outcome = run_target_once(t, binary, inputs[i], work_ + "/" + t.name + "/run.out");
    const std::string signature = outcome.finding ? outcome.finding->signature : kUnreproducible;
    examined.push_back({signature, inputs[i], fs::file_size(inputs[i], error)});
  }
  entry.inputs_examined = static_cast<long long>(examined.size());
  // One finding per signature, the most frequent first; its smallest input is minimised.
  std::map<std::string, std::vector<const Examined*>> by_signature;
  for (const auto& e : examined) by_signature[e.signature].push_back(&e);
  std::vector<std::pair<std::string, std::vector<const Examined*>>> groups(by_signature.begin(), by_signature.end());
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  int n = 0;
  for (const auto& [signature, members] : groups) {
    ++n;
    const Examined* smallest = *std::min_element(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return a->size != b->size ? a->size < b->size : a->path < b->path;
    });
    NightFinding finding;
    finding.target = t.name;
    finding.number = n;
    finding.signature = signature;
    finding.inputs = static_cast<long long>(members.size());
    finding.original = show(smallest->path);
    finding.original_size = static_cast<long long>(smallest->size);
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
      options.fuzzers = fuzzers_;
      options.out_dir = dir;
      options.time_limit = minimise_limit;
      options.log = dir + "/" + number + ".log";
      options.origin = "Finding " + number + " of " + t.name + ", nightly " + name_ + ", from " +
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
        standalone_reproducer(dir, number, finding, log);
      } else {
        keep_as_is("unconfirmed: " + (result.reason.empty() ? "promote exit " + std::to_string(result.status) : result.reason));
      }
    }
    found.push_back(finding);
  }
}

// The first of `names` found as an executable file on PATH ("" when none): the process
// layer starts programs by path (posix_spawn), never through a PATH search.
std::string on_path(std::initializer_list<const char*> names) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (const char* name : names) {
    std::istringstream folders(path);
    for (std::string folder; std::getline(folders, folder, ':');) {
      if (folder.empty()) continue;
      const std::string candidate = folder + "/" + name;
      if (executable(candidate)) return candidate;
    }
  }
  return "";
}

// The finding's standalone reproducer (issue 19): the minimised program as one file that
// needs nothing of closesem, kept beside it, built with the host's compiler and run once,
// so that the summary says whether it shows the finding on its own (its output in
// NUMBER.c.log / NUMBER.cpp.log): an .ops program as C (`ops export --c --skip-invalid`,
// leaving out the ops the target dropped as invalid), an .asio program as C++ that needs
// only asio's headers (closesem_asio_tool's `asio export --cpp`, beside this binary).
void Job::standalone_reproducer(const std::string& dir, const std::string& number, NightFinding& finding,
                                std::ostream& log) {
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
  const std::string binary = work_ + "/reproducer-" + finding.target + "-" + number;
  const std::string compiler = asio ? on_path({"c++", "g++", "clang++"}) : on_path({"cc", "gcc", "clang"});
  if (compiler.empty()) {
    finding.reproducer = asio ? "not built: no C++ compiler (c++, g++ or clang++) on PATH"
                              : "not built: no C compiler (cc, gcc or clang) on PATH";
    return;
  }
  RunSpec build;
  build.argv = {compiler, asio ? "-std=c++17" : "-std=c11", "-O1", "-pthread", source, "-o", binary};
  if (text.find("#define CS_USE_URING 1") != std::string::npos) build.argv.push_back("-luring");
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
  run.log_path = source + ".log";
  run.limit = std::chrono::seconds(300);
  const RunResult ran = run_bounded(run);
  fs::remove(binary, error);
  std::string shown;  // the deviation it printed, else its last line
  std::istringstream lines(ran.log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("DEVIATION") != std::string::npos && shown.find("DEVIATION") == std::string::npos) shown = line;
    if (shown.find("DEVIATION") == std::string::npos && !line.empty()) shown = line;
  }
  finding.reproducer = ran.timed_out ? "did not end within 300 s"
                                     : "exit " + std::to_string(ran.status) + (shown.empty() ? "" : ": " + shown);
  finding.files.push_back(number + suffix + ".log");
}

bool Job::conformance_run(const std::string& label, const std::string& binary, const std::string& report) {
  ConformanceRun run;
  run.label = label;
  if (!executable(binary)) {
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
    job.fuzzers = show(fuzzers_);
    job.build = show(build_);
    job.report_dir = show(out_dir_);
    if (const char* note = std::getenv("CLOSESEM_NIGHTLY_ENGINE_NOTE"); note != nullptr && *note != '\0')
      job.engine_note = note;
    say("report: " + show(out_dir_) + "/; " + std::to_string(targets_.size()) + " targets, " + engine_ + " engine, " +
        clock_mmss(budget_) + " of fuzzing, " + std::to_string(jobs_) + " jobs");

    prepare_targets();
    fuzz();

    auto phase = Clock::now();
    const auto seconds_since = [&] {
      return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - phase).count();
    };
    if (engine_ == "libfuzzer") {
      say("merging the new units into the corpora (" + show(corpus_root_) + "/TARGET) and minimising them");
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
