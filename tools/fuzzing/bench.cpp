// SPDX-License-Identifier: MIT
// `closesem bench`: executions per second of each fuzz target against the bare pair loop
// (fuzz/bench_bare_pairs.cpp), in the same run. Formerly tools/bench.sh; the same table.
// Every program runs the replay engine's random mode (seed 1); the bare loop runs before
// and after the targets (at most 60 s each) and the ratios are against the mean of the
// two. While a program runs, its descriptor count is sampled every second (/proc/PID/fd);
// afterwards the host's TIME_WAIT sockets are counted (/proc/net/tcp, tcp6). A finding
// does not stop a run (CLOSESEM_FUZZ_KEEP_GOING): findings and pair-setup failures are
// counted and shown. fuzz_close_sequences runs twice: as it is, and without pending calls
// (CLOSESEM_FUZZ_NO_PENDING=1, fuzz/harness.hpp: its inputs lose every start, collect and
// cancel), so that the table shows what pending calls cost (issue 17: the ratio may drop
// by at most a fifth). Each program also runs with CLOSESEM_CHECK_COUNTS set to a file in
// the run's scratch folder: the targets with an op model write there how many ops they ran
// and how many the model checked (fuzzing/check_counts_file.hpp), the last two columns; a
// target that should write one and did not is named below the table ("–" is no pass).
#include "fuzzing/commands.hpp"
#include "fuzzing/files.hpp"

#include "closesem/platform.hpp"
#include "fuzzing/check_counts_file.hpp"
#include "fuzzing/manifest.hpp"
#include "fuzzing/target_run.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <system_error>

#ifndef _WIN32
#endif

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;

struct Sample {
  long rate = 0;
  std::string fds = "?–?";
  long findings = 0;
  long pair_failures = 0;
  long time_wait = 0;
  std::string findings_text;
  // What the model checked (a target with an op model; the bare loop has none).
  bool counts_expected = false;
  CheckCountsSum counts;
};

[[maybe_unused]] std::string first_line_of(const std::string& path) {
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

class Bench {
 public:
  Bench(std::string fuzzers, std::ostream& err, std::string scratch)
      : fuzzers_(std::move(fuzzers)), err_(err), scratch_(std::move(scratch)) {}

  // One program in random mode for `budget` seconds; false when it cannot start.
  bool run(const std::string& name, int budget, Sample& sample, bool pending_calls = true) {
    RunSpec spec;
    spec.argv = {fuzzers_ + "/" + name, "--random", "--seed", "1", "--budget", std::to_string(budget)};
    const std::string label = name + (pending_calls ? "" : ".no-pending");
    spec.log_path = scratch_ + "/" + label + ".out";
    // (a folder per run: the fuzz_close_sequences runs with and without pending calls
    // are counted apart)
    const std::string counts_dir = scratch_ + "/counts-" + label;
    std::error_code ec;
    fs::create_directories(counts_dir, ec);
    spec.env = {{"CLOSESEM_FUZZ_KEEP_GOING", "1"}, {"CLOSESEM_CHECK_COUNTS", counts_dir + "/" + name + "-%p.json"}};
    if (!pending_calls) spec.env.emplace_back("CLOSESEM_FUZZ_NO_PENDING", "1");
    spec.limit = std::chrono::seconds(budget + 120);
    BoundedRun process;
    std::string error;
    if (!process.start(spec, error)) {
      err_ << "bench: " << error << "\n";
      return false;
    }
    long low = -1, high = -1;
    std::optional<RunResult> result;
    do {
      const long n = descriptors_of(process.pid());
      if (n > 0) {
        low = low < 0 ? n : std::min(low, n);
        high = std::max(high, n);
      }
    } while (!(result = process.wait_for(std::chrono::seconds(1))));
    static const std::regex rate(".* ([0-9]+) per second.*");
    std::istringstream in(result->log);
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_match(line, m, rate)) sample.rate = std::stol(m[1]);
    }
    sample.fds = (low < 0 ? "?" : std::to_string(low)) + "–" + (high < 0 ? "?" : std::to_string(high));
    sample.findings = count_lines(result->log, "closesem finding:");
    sample.pair_failures = count_lines(result->log, "closesem signature: pair-setup");
    sample.time_wait = time_wait_count();
    const FuzzTarget* target = find_fuzz_target(name);
    sample.counts_expected = target != nullptr && writes_check_counts(*target);
    sample.counts = sum_check_counts(counts_dir, name);
    sample.findings_text = std::to_string(sample.findings);
    if (result->status != 0) {
      err_ << "bench: " << name << " ended with status " << result->status
           << (result->timed_out ? " (stopped at its bound)" : "") << "; its last lines:\n";
      std::string tail = result->log;
      std::size_t at = tail.size();
      for (int i = 0; i < 16 && at != std::string::npos && at > 0; ++i) at = tail.rfind('\n', at - 1);
      err_ << (at == std::string::npos ? tail : tail.substr(at + 1));
      sample.findings_text += " (exit " + std::to_string(result->status) + ")";
    }
    err_ << "bench: " << name << (pending_calls ? "" : " (no pending calls)") << ": " << sample.rate << " executions per second, descriptors " << sample.fds << ", "
         << sample.findings_text << " finding(s)"
         << (sample.counts.files > 0 ? ", " + std::to_string(sample.counts.total.run) + " ops, " +
                                           checked_percent(sample.counts.total) + " checked"
                                     : std::string())
         << "\n";
    return true;
  }

 private:
  std::string fuzzers_;
  std::ostream& err_;
  std::string scratch_;
};

[[maybe_unused]] std::string row(const std::string& label, const Sample& s, const std::string& share) {
  // (no file, or none that could be read: "–", and a line below the table says why)
  const bool counted = s.counts.files > 0;
  return "| " + label + " | " + std::to_string(s.rate) + " | " + share + " | " + s.fds + " | " +
         std::to_string(s.pair_failures) + " | " + s.findings_text + " | " + std::to_string(s.time_wait) + " | " +
         (counted ? std::to_string(s.counts.total.run) : "–") + " | " +
         (counted ? checked_percent(s.counts.total) : "–") + " |";
}

#ifndef _WIN32
// Below the table: what went wrong with the counts of a program that has an op model.
void counts_notes(std::ostream& out, const std::string& label, const Sample& s) {
  for (const auto& problem : s.counts.problems) out << label << ": a counts file was not read: " << problem << "\n";
  if (s.counts_expected && s.counts.files == 0)
    out << label << " wrote no counts file (CLOSESEM_CHECK_COUNTS): what its model checked is unknown, not a pass.\n";
}
#endif

}  // namespace

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
  if (build_targets) {
    out << "bench_bare_pairs\n";
    for (const auto& name : targets) out << name << "\n";
    return 0;
  }
#ifdef _WIN32
  (void)out;
  return bad("bench runs on POSIX only (it samples /proc and starts process groups)");
#else
  const std::string fuzzers = options.fuzzers.empty() ? default_fuzzers_dir() : options.fuzzers;
  files::Scratch scratch;
  if (scratch.path.empty()) return bad("cannot make a scratch folder");
  Bench bench(fuzzers, err, scratch.path);
  const int bare_time = std::min(seconds, 60);
  std::string joined;
  for (const auto& name : targets) joined += (joined.empty() ? "" : " ") + name;
  err << "bench: bare loop, then " << joined << ", then the bare loop again; " << seconds << " s per target, "
      << bare_time << " s per bare run\n";
  err << "bench: tcp_tw_reuse=" << first_line_of("/proc/sys/net/ipv4/tcp_tw_reuse")
      << " (2: loopback reuses TIME_WAIT ports), ports " << first_line_of("/proc/sys/net/ipv4/ip_local_port_range")
      << "\n";
  Sample before, after;
  std::vector<Sample> samples(targets.size());
  // fuzz_close_sequences once more, without pending calls (right after its own run).
  static const std::string kWithout = "fuzz_close_sequences";
  Sample without;
  bool ran_without = false;
  if (!bench.run("bench_bare_pairs", bare_time, before)) return 2;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!bench.run(targets[i], seconds, samples[i])) return 2;
    if (targets[i] == kWithout) {
      if (!bench.run(targets[i], seconds, without, false)) return 2;
      ran_without = true;
    }
  }
  if (!bench.run("bench_bare_pairs", bare_time, after)) return 2;
  const long bare = (before.rate + after.rate) / 2;
  const auto share = [&](long rate) { return bare > 0 ? std::to_string(100 * rate / bare) + "%" : std::string("?"); };

  out << "\n## closesem bench: executions per second, " << files::utc_now("%Y-%m-%d %H:%M UTC") << ", " << closesem::platform::platform_id() << "\n\n";
  out << "Bare loop: one TCP loopback pair per execution, one byte each way, closed; mean of the two runs: " << bare
      << "/s.\n\n";
  out << "| program | exec/s | of the bare loop | descriptors (min–max) | pair-setup failures | findings | TIME_WAIT after "
         "| ops run | checked |\n";
  out << "|---|---|---|---|---|---|---|---|---|\n";
  out << row("bare loop (before)", before, "100%") << "\n";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out << row(targets[i], samples[i], share(samples[i].rate)) << "\n";
    if (targets[i] == kWithout && ran_without)
      out << row(targets[i] + " (no pending calls)", without, share(without.rate)) << "\n";
  }
  out << row("bare loop (after)", after, "100%") << "\n\n";
  out << "\"checked\": the share of the ops run whose outcome the model predicted (one outcome or a set), rounded "
         "down; – for a program without an op model.\n";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    counts_notes(out, targets[i], samples[i]);
    if (targets[i] == kWithout && ran_without) counts_notes(out, targets[i] + " (no pending calls)", without);
  }
  out << "\n";
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (targets[i] == kWithout && bare > 0) {
      out << "fuzz_close_sequences runs at " << share(samples[i].rate) << " of the bare loop (goal: 50% or more)";
      if (ran_without && without.rate > 0)
        out << "; without pending calls at " << share(without.rate) << ", so pending calls keep "
            << 100 * samples[i].rate / without.rate << "% of its rate (goal: 80% or more)";
      out << ".\n";
    }
  out.flush();
  return out ? 0 : 2;
#endif
}

}  // namespace closesem::tool
