// SPDX-License-Identifier: MIT
// The selftest: proof that the suite finds bugs. Runs the conformance suite and every
// socket fuzz target (the manifest's targets with sockets = true) under each fault of
// the closesem_faults interposer (core/testing/shim/closesem_faults.c, LD_PRELOAD,
// CLOSESEM_FAULT=name) and prints a markdown table: fault, the conformance tests that
// caught it, and per fuzz target the seconds until it reported a finding. A fault that
// nothing catches is a gap.
#include "nightly.hpp"

#include "fuzzing/finding.hpp"
#include "fuzzing/manifest.hpp"
#include "fuzzing/target_run.hpp"
#include "fuzzing/files.hpp"
#include "nightly_util.hpp"

#include <closesem/process.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>


namespace closesem::tool {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(Usage: ./closesem selftest [--budget SECONDS] [--fault NAME]... [--conformance-timeout SECONDS] [--compare-blind]

Proof that the suite finds bugs: runs the conformance suite and each socket fuzz target
(the manifest's targets that make socket calls) under each fault of the closesem_faults
LD_PRELOAD shim, after a baseline run without a fault that must be clean, and prints a
markdown table (also written to <build>/selftest/selftest.md): fault, conformance tests
that caught it, and per fuzz target the seconds until its finding ('seeds' when the
corpus replay caught it, '—' when the budget ran out). A random finding counts only when
its saved input fails again under the fault and passes without it: one that fails there
too (the model's false alarm) or passes when replayed (a race), and a socket the harness
could not set up (EADDRINUSE: ports left in TIME_WAIT), are counted in the cell,
and the target goes on with the next seed for the rest of the budget. Every conformance
run comes first, then the fuzzing (the fuzz runs leave the loopback's ports in TIME_WAIT
for a minute). Logs go to <build>/selftest/<fault>/.

Options:
  --budget SECONDS     random fuzzing per target and fault when the corpus did not
                       catch the fault (default 30)
  --fault NAME         only this fault (repeatable; default every fault of the shim)
  --conformance-timeout SECONDS
                       stop a conformance run after this long (default 300); its
                       failures so far are counted, marked "stopped"
  --compare-blind      fuzz each target twice, drawing blindly (CLOSESEM_FUZZ_BLIND=1,
                       as before the semantic feedback) and steered by it: each cell
                       reads "blind → steered"
  -h, --help           this text

Environment: CLOSESEM_SELFTEST_BUILD names the build folder (default: the build this
tool is in; ./closesem selftest uses build/dev). A gcc build without sanitizers:
LD_PRELOAD and ASan do not mix.
Exit status 0 when the baseline is clean and every fault was caught, 1 otherwise,
2 for bad usage, 130 when interrupted.
)";

struct Stop {
  int status;
};

[[noreturn]] void bad_usage(std::ostream& err, const std::string& text) {
  err << "closesem selftest: " << text << "\nRun './closesem selftest --help' for the options.\n";
  throw Stop{2};
}

void progress(std::ostream& err, const std::string& text) { err << text << std::flush; }

// "4.2", or "0.04" below a second.
std::string seconds_since(Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  char text[32];
  std::snprintf(text, sizeof text, seconds < 1 ? "%.2f" : "%.1f", seconds);
  return text;
}

// A markdown table cell: no pipes, no line breaks.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string decode_entities(std::string text) {
  static const std::pair<const char*, const char*> entities[] = {
      {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [entity, plain] : entities) {
    for (std::size_t at = 0; (at = text.find(entity, at)) != std::string::npos; at += std::strlen(plain))
      text.replace(at, std::strlen(entity), plain);
  }
  return text;
}

// Failed test cases of a Catch2 XML report, each once, in order.
std::vector<std::string> failed_tests(const std::string& xml) {
  static const std::regex test_case("<TestCase name=\"([^\"]*)\"");
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::istringstream in(xml);
  std::string line, name;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, test_case)) name = m[1];
    if (line.find("<OverallResult success=\"false\"") != std::string::npos) {
      const std::string decoded = decode_entities(name);
      if (seen.insert(decoded).second) names.push_back(decoded);
    }
  }
  return names;
}

class Selftest {
 public:
  Selftest(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}
  int run(const std::vector<std::string>& args);

 private:
  struct Conformance {
    std::size_t failed = 0;
    std::string names, note;
    int status = 0;
  };
  struct Fuzzing {
    std::string cell, finding;
    std::vector<std::string> false_alarms;  // findings that failed without the fault too
  };
  void parse(const std::vector<std::string>& args);
  void find_faults();
  RunResult bounded(RunSpec spec, const std::string& fault);
  Conformance run_conformance(const std::string& fault, const std::string& dir);
  Fuzzing run_fuzzer(const std::string& fault, const FuzzTarget& target, const std::string& dir, bool blind);
  bool replay_fails(const std::string& binary, const std::string& input, const std::string& fault,
                    const std::string& log);
  // The finding's line; `signature` (when given) gets its signature ("" when none was read).
  std::string finding_line(const FuzzTarget& target, const RunResult& result, const std::string& record,
                           std::string* signature = nullptr);

  std::ostream& out_;
  std::ostream& err_;
  long budget_ = 30, conformance_timeout_ = 300;
  bool compare_blind_ = false;
  std::vector<std::string> wanted_;
  std::vector<const FuzzTarget*> targets_;
  std::string top_, build_, shim_, conformance_, out_dir_;
  std::vector<std::string> faults_;  // in the shim's order
  std::map<std::string, std::string> fault_what_;
};

void Selftest::parse(const std::vector<std::string>& args) {
  // Every target of the manifest that makes socket calls.
  for (const auto& target : fuzz_targets())
    if (target.sockets) targets_.push_back(&target);
  if (!args.empty() && args.front() == "--build-targets") {
    // For the front end, before it builds: the CMake targets this needs.
    out_ << "closesem_faults\nclosesem_conformance\n";
    for (const auto* target : targets_) out_ << target->name << "\n";
    throw Stop{0};
  }
  for (const auto& arg : args) {
    if (arg == "-h" || arg == "--help") {
      out_ << kUsage;
      throw Stop{0};
    }
  }
  CLI::App app{"The selftest", "./closesem selftest"};
  app.set_help_flag();
  app.allow_windows_style_options(false);
  std::string budget, timeout;
  bool check_only = false;
  app.add_option("--budget", budget)->take_last();
  app.add_option("--conformance-timeout", timeout)->take_last();
  app.add_option("--fault", wanted_);
  app.add_flag("--check-usage", check_only);
  app.add_flag("--compare-blind", compare_blind_);
  std::vector<const char*> argv{"selftest"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    bad_usage(err_, e.what());
  }
  static const std::regex seconds("^[1-9][0-9]{0,5}$");
  if (app.count("--budget") > 0) {
    if (!std::regex_match(budget, seconds)) bad_usage(err_, "--budget needs a whole number of seconds (1 or more)");
    budget_ = std::stol(budget);
  }
  if (app.count("--conformance-timeout") > 0) {
    if (!std::regex_match(timeout, seconds))
      bad_usage(err_, "--conformance-timeout needs a whole number of seconds (1 or more)");
    conformance_timeout_ = std::stol(timeout);
  }
  for (const auto& name : wanted_)
    if (!std::regex_match(name, std::regex("^[a-z0-9-]+$")))
      bad_usage(err_, "--fault needs a fault name (e.g. eof-as-reset), not '" + name + "'");
  if (check_only) throw Stop{0};
}

// A run under a fault ("" = the shim passing every call through), stopped by Ctrl-C.
RunResult Selftest::bounded(RunSpec spec, const std::string& fault) {
  spec.env.emplace_back("LD_PRELOAD", shim_);
  spec.env.emplace_back("CLOSESEM_FAULT", fault);
  bool interrupted = false;
  RunResult result = run_stoppable(spec, interrupted);
  if (interrupted) {
    err_ << "\nclosesem selftest: interrupted; logs so far in " << out_dir_ << "/\n";
    throw Stop{130};
  }
  return result;
}

// The faults, in the shim's order, with what each does: the shim lists them itself.
void Selftest::find_faults() {
  RunSpec list;
  list.argv = {"/bin/true"};
  list.log_path = build_ + "/selftest-faults.log";
  list.limit = std::chrono::seconds(30);
  const RunResult result = bounded(list, "list");
  std::error_code error;
  fs::remove(list.log_path, error);
  std::istringstream in(result.log);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0) continue;
    faults_.push_back(line.substr(0, tab));
    fault_what_[line.substr(0, tab)] = line.substr(tab + 1);
  }
  if (faults_.empty()) {
    err_ << "closesem selftest: " << shim_ << " lists no faults (exit " << result.status << ")\n";
    throw Stop{1};
  }
  if (wanted_.empty()) return;
  for (const auto& name : wanted_) {
    if (fault_what_.count(name)) continue;
    std::string known;
    for (const auto& fault : faults_) known += (known.empty() ? "" : " ") + fault;
    bad_usage(err_, "unknown fault '" + name + "' (known: " + known + ")");
  }
  faults_ = wanted_;
}

// The conformance suite under a fault ("" = none).
Selftest::Conformance Selftest::run_conformance(const std::string& fault, const std::string& dir) {
  const std::string xml_path = dir + "/conformance.xml";
  RunSpec spec;
  spec.argv = {conformance_, "--reporter", "xml", "--out", xml_path};
  spec.log_path = dir + "/conformance.log";
  spec.limit = std::chrono::seconds(conformance_timeout_);
  const RunResult result = bounded(spec, fault);
  const std::string xml = read_text(xml_path);
  const auto names = failed_tests(xml);
  std::ofstream(dir + "/conformance-failed.txt") << [&] {
    std::string text;
    for (const auto& name : names) text += name + "\n";
    return text;
  }();
  Conformance c;
  c.failed = names.size();
  c.status = result.started ? result.status : -1;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) c.names += (i ? ", \"" : "\"") + names[i] + "\"";
  if (names.size() > 3) c.names += ", …";
  // (Catch2's exit status is the number of failed assertions, so the report says the
  // rest: a crash is a FatalErrorCondition, an unfinished report has no </Catch>.)
  std::smatch m;
  std::string fatal;
  if (std::regex_search(xml, m, std::regex("(^|\n) *(SIG[A-Z]*) - "))) fatal = m[2];
  if (!result.started)
    c.note = "did not start: " + result.error;
  else if (result.timed_out)
    c.note = "stopped at " + std::to_string(conformance_timeout_) + " s";
  else if (!fatal.empty())
    c.note = "crashed: " + fatal;
  else if (xml.find("</Catch>") == std::string::npos)
    c.note = "no complete report, exit status " + std::to_string(result.status);
  else if (result.status != 0 && names.empty())
    c.note = "exit status " + std::to_string(result.status);
  return c;
}

// The finding a run reported: the target's own record, else what its log shows, else
// what ended the run without one.
std::string Selftest::finding_line(const FuzzTarget& target, const RunResult& result, const std::string& record,
                                   std::string* signature) {
  std::optional<Finding> finding;
  std::string error;
  std::error_code ec;
  if (fs::exists(record, ec)) finding = read_finding_file(record, error);
  if (!finding) finding = finding_from_log(target.name, result.log);
  if (signature != nullptr) *signature = finding ? finding->signature : "";
  if (finding) {
    const std::string prefix = target.name + ": ";
    return "closesem finding: " + (finding->what.rfind(prefix, 0) == 0 ? "" : prefix) +
           (finding->what.empty() ? finding->signature : finding->what);
  }
  if (result.timed_out) return "no finding line: the run hung and was stopped";
  std::istringstream in(result.log);
  std::string line, first;
  while (std::getline(in, line))
    if (!line.empty() && line.rfind("replay: ", 0) != 0) {
      first = line;
      break;
    }
  return "no finding line: exit status " + std::to_string(result.status) + " (" +
         (first.empty() ? std::string("no output") : first) + ")";
}

// Whether the input a target saved fails when replayed under `fault` ("": none, the shim
// passing every call through).
bool Selftest::replay_fails(const std::string& binary, const std::string& input, const std::string& fault,
                            const std::string& log) {
  RunSpec spec;
  spec.argv = {binary, input};
  spec.log_path = log;
  spec.cwd = fs::path(input).parent_path().string();
  spec.limit = std::chrono::seconds(120);
  const RunResult run = bounded(spec, fault);
  return !run.started || run.status != 0;
}

// One fuzz target under a fault: the corpus first, then random inputs for the budget
// (blind: drawn afresh each time, CLOSESEM_FUZZ_BLIND=1).
Selftest::Fuzzing Selftest::run_fuzzer(const std::string& fault, const FuzzTarget& target, const std::string& dir,
                                       bool blind) {
  Fuzzing result;
  const std::string binary = build_ + "/fuzz/" + target.name;
  if (!files::executable(binary)) {
    result.cell = "not built";
    return result;
  }
  const std::string work = dir + "/" + target.name + (blind ? "-blind" : "");
  std::error_code error;
  fs::create_directories(work, error);
  std::vector<std::string> corpus;
  for (const char* kind : {"seeds", "regressions"}) {
    const std::string path = out_dir_ + "/corpora/" + target.name + "/" + kind;
    if (fs::is_directory(path, error)) corpus.push_back(path);
  }
  if (!corpus.empty()) {
    const auto start = Clock::now();
    RunSpec spec;
    spec.argv = {binary};
    spec.argv.insert(spec.argv.end(), corpus.begin(), corpus.end());
    spec.log_path = work + "/seeds.log";
    spec.cwd = work;
    spec.limit = std::chrono::seconds(300);
    spec.env = {{"CLOSESEM_FINDING_JSON", work + "/seeds.finding.json"}};
    const RunResult run = bounded(spec, fault);
    if (!run.started || run.status != 0) {
      result.cell = "seeds";
      result.finding = finding_line(target, run, work + "/seeds.finding.json") + " (corpus replay, " +
                       seconds_since(start) + " s)";
      return result;
    }
  }
  // Random inputs, seed 1 first; a finding whose input fails without the fault too is
  // passed over and the next seed gets what is left of the budget. The seconds are the
  // fuzzing's own (the checks' replays are not counted).
  double spent = 0;
  auto with_alarms = [&result](std::string text) {
    if (!result.false_alarms.empty())
      text += " (" + std::to_string(result.false_alarms.size()) + " false alarm" +
              (result.false_alarms.size() == 1 ? "" : "s") + " passed over)";
    return text;
  };
  for (int seed = 1; spent < static_cast<double>(budget_); ++seed) {
    const long left = std::max(1L, static_cast<long>(static_cast<double>(budget_) - spent));
    const std::string tag = "random-" + std::to_string(seed);
    // (The replay engine saves the failing input as crash-<seed>-<n> in its folder.)
    RunSpec spec;
    spec.argv = {binary, "--random", "--seed", std::to_string(seed), "--budget", std::to_string(left)};
    spec.log_path = work + "/" + tag + ".log";
    spec.cwd = work;
    spec.limit = std::chrono::seconds(left + 120);
    spec.env = {{"CLOSESEM_FINDING_JSON", work + "/" + tag + ".finding.json"},
                {"CLOSESEM_FUZZ_BLIND", blind ? "1" : "0"}};
    const auto start = Clock::now();
    const RunResult run = bounded(spec, fault);
    spent += std::chrono::duration<double>(Clock::now() - start).count();
    if (run.started && run.status == 0) break;  // the budget ran out without a finding
    std::string signature;
    const std::string finding = finding_line(target, run, work + "/" + tag + ".finding.json", &signature);
    // A socket the harness could not set up (a pair, asio's listener) is the machine's
    // doing, never a fault's: EADDRINUSE when a fuzz run before left the loopback's
    // ephemeral ports in TIME_WAIT (seen under faults after fast steered runs).
    if (!fault.empty() && (signature == "pair-setup" || signature == "listener")) {
      result.false_alarms.push_back(finding + " (the harness could not set up a socket: not the fault's)");
      continue;
    }
    std::string saved;
    for (const auto& entry : fs::directory_iterator(work, error))
      if (entry.path().filename().string().rfind("crash-" + std::to_string(seed) + "-", 0) == 0)
        saved = entry.path().string();
    // The fault's own finding fails again under it and passes without it; else it is a
    // false alarm of the model (fails without the fault too) or a race (passes under it).
    // (Without a fault, the baseline, every finding counts: it must be clean.)
    if (!fault.empty() && !saved.empty()) {
      const std::string name = fs::path(saved).filename().string();
      if (!replay_fails(binary, saved, fault, work + "/" + tag + ".again.log")) {
        result.false_alarms.push_back(finding + " (" + name + ": did not fail again under the fault)");
        continue;
      }
      if (replay_fails(binary, saved, "", work + "/" + tag + ".without.log")) {
        result.false_alarms.push_back(finding + " (" + name + ": fails without the fault too)");
        continue;
      }
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, spent < 1 ? "%.2f s" : "%.1f s", spent);
    result.cell = with_alarms(seconds);
    result.finding = finding + (saved.empty() ? " (no input saved: not checked without the fault)" : "");
    return result;
  }
  result.cell = with_alarms("—");
  return result;
}

int Selftest::run(const std::vector<std::string>& args) {
  try {
    parse(args);
    if (targets_.empty()) {
      err_ << "closesem selftest: the manifest (fuzz/CMakeLists.txt) has no socket fuzz target\n";
      return 1;
    }
    top_ = targets_.front()->source_dir;
    const char* from_env = std::getenv("CLOSESEM_SELFTEST_BUILD");
    build_ = from_env != nullptr && *from_env != '\0'
                 ? from_env
                 : fs::path(platform::executable_path()).parent_path().parent_path().string();
    std::error_code error;
    if (!fs::is_directory(build_, error)) {
      err_ << "closesem selftest: no build folder " << build_ << "\n";
      return 1;
    }
    build_ = fs::canonical(build_, error).string();
    shim_ = build_ + "/core/testing/shim/libclosesem_faults.so";
    conformance_ = build_ + "/conformance/closesem_conformance";
    for (const auto& file : {shim_, conformance_}) {
      if (!fs::exists(file, error)) {
        err_ << "closesem selftest: " << file << " is not built (./closesem selftest builds it)\n";
        return 1;
      }
    }
    out_dir_ = build_ + "/selftest";
    install_stop_signals(2, "\nclosesem selftest: interrupted; logs so far in " + out_dir_ + "/\n");
    find_faults();
    fs::remove_all(out_dir_, error);
    fs::create_directories(out_dir_, error);
    if (error) {
      err_ << "closesem selftest: cannot make " << out_dir_ << ": " << error.message() << "\n";
      return 1;
    }
    // The corpora as they are now: every row replays the inputs the baseline replayed,
    // even when corpora/ changes during the run (a new regression, a new seed).
    for (const auto* target : targets_) {
      for (const auto& dir : {seeds_dir(*target), regressions_dir(*target)}) {
        if (!fs::is_directory(dir, error)) continue;
        const fs::path copy = fs::path(out_dir_) / "corpora" / target->name / fs::path(dir).filename();
        fs::create_directories(copy, error);
        fs::copy(dir, copy, fs::copy_options::recursive | fs::copy_options::overwrite_existing, error);
        if (error) {
          err_ << "closesem selftest: cannot copy " << dir << " to " << copy.string() << ": " << error.message() << "\n";
          return 1;
        }
      }
    }

    std::vector<std::string> rows, gaps, findings, false_alarms;
    bool baseline_clean = true;
    std::vector<std::string> runs{""};
    runs.insert(runs.end(), faults_.begin(), faults_.end());
    const auto title = [&](std::size_t index) {
      return runs[index].empty() ? std::string("baseline (no fault)")
                                 : "fault " + std::to_string(index) + "/" + std::to_string(faults_.size()) + " " +
                                       runs[index];
    };
    // Every conformance run first, then the fuzzing: a fuzz run leaves thousands of
    // loopback connections in TIME_WAIT for a minute, and a conformance run right after one
    // could not bind its listeners (EADDRINUSE: three of six fault rows, with fuzz runs
    // between them, at 17,000 inputs a second).
    std::vector<Conformance> conformance(runs.size());
    for (std::size_t index = 0; index < runs.size(); ++index) {
      const std::string label = runs[index].empty() ? "baseline" : runs[index];
      fs::create_directories(out_dir_ + "/" + label, error);
      progress(err_, title(index) + ": conformance ...");
      conformance[index] = run_conformance(runs[index], out_dir_ + "/" + label);
      const Conformance& c = conformance[index];
      progress(err_, " " + std::to_string(c.failed) + " failed" + (c.note.empty() ? "" : " (" + c.note + ")") + "\n");
    }
    for (std::size_t index = 0; index < runs.size(); ++index) {
      const std::string& fault = runs[index];
      const std::string label = fault.empty() ? "baseline" : fault;
      const std::string dir = out_dir_ + "/" + label;
      progress(err_, title(index) + ":");
      const Conformance& c = conformance[index];
      bool caught = c.failed > 0 || c.status != 0;
      const std::string conformance_cell = c.failed > 0 ? std::to_string(c.failed) + " — " + c.names +
                                                              (c.note.empty() ? "" : " (" + c.note + ")")
                                           : !c.note.empty() ? "0 (" + c.note + ")"
                                                             : "—";
      std::string row = fault.empty() ? "| *baseline* | no fault (the shim passes every call through) | " +
                                            cell(conformance_cell) + " |"
                                      : "| " + fault + " | " + cell(fault_what_[fault]) + " | " + cell(conformance_cell) + " |";
      bool first = true;
      for (const auto* target : targets_) {
        std::string target_cell;
        for (const bool blind : compare_blind_ ? std::vector<bool>{true, false} : std::vector<bool>{false}) {
          const std::string mode = compare_blind_ ? (blind ? " (blind)" : " (steered)") : "";
          progress(err_, (first ? " " : "; ") + target->name + mode + " ...");
          first = false;
          const Fuzzing f = run_fuzzer(fault, *target, dir, blind);
          if (f.cell == "seeds")
            progress(err_, " found by the corpus");
          else if (f.cell.rfind("—", 0) == 0)
            progress(err_, " nothing in " + std::to_string(budget_) + " s");
          else if (f.cell == "not built")
            progress(err_, " not built");
          else
            progress(err_, " found in " + f.cell);
          if (!f.finding.empty()) {
            caught = true;
            findings.push_back(label + " × " + target->name + (f.cell == "seeds" ? "" : mode) + ": " + f.finding);
          }
          for (const auto& alarm : f.false_alarms)
            false_alarms.push_back(label + " × " + target->name + mode + ": " + alarm);
          target_cell += (target_cell.empty() ? "" : " → ") + f.cell;
          if (f.cell == "seeds" || f.cell == "not built") break;  // the same either way
        }
        row += " " + cell(target_cell) + " |";
      }
      progress(err_, "\n");
      rows.push_back(row);
      if (fault.empty()) {
        if (caught) {
          baseline_clean = false;
          progress(err_, "closesem selftest: THE BASELINE IS NOT CLEAN: without a fault, something failed (logs: " +
                             dir + "/)\n");
        }
      } else if (!caught) {
        gaps.push_back(fault);
      }
    }

    std::ostringstream table;
    table << "# closesem selftest\n\n"
          << "Each fault of closesem_faults (LD_PRELOAD) against the conformance suite and each fuzz\n"
          << "target (corpus replay, then random inputs with seed 1 for " << budget_ << " s; a finding\n"
          << "whose saved input also fails without the fault, or passes when replayed under it, is a false\n"
          << "alarm: passed over, the next seed goes on with what is left of the budget)"
          << (compare_blind_ ? ". Each fuzz cell: drawn blindly (CLOSESEM_FUZZ_BLIND=1) → steered by the model's states"
                             : "")
          << ". Build: " << shown(build_, top_) << ".\n\n";
    std::string header = "| fault | what it does | conformance tests that caught it |", rule = "|---|---|---|";
    for (const auto* target : targets_) {
      header += " " + target->name + " |";
      rule += "---|";
    }
    table << header << "\n" << rule << "\n";
    for (const auto& row : rows) table << row << "\n";
    table << "\n";
    if (!baseline_clean) table << "BASELINE NOT CLEAN: the suite fails without any fault; the rows above prove nothing.\n";
    for (const auto& fault : gaps) table << "GAP: " << fault << " was caught by nothing\n";
    if (!findings.empty()) {
      table << "\nFindings (the first line of each; logs in " << shown(out_dir_, top_) << "/<fault>/<target>/):\n\n";
      for (const auto& finding : findings) table << "- " << finding << "\n";
    }
    if (!false_alarms.empty()) {
      table << "\nFalse alarms passed over (each input failed without the fault too, or passed when replayed "
               "under it, or the harness could not set up a socket):\n\n";
      for (const auto& alarm : false_alarms) table << "- " << alarm << "\n";
    }
    out_ << table.str() << std::flush;
    if (!write_text(out_dir_ + "/selftest.md", table.str())) {
      err_ << "closesem selftest: cannot write " << out_dir_ << "/selftest.md\n";
      return 1;
    }
    progress(err_, "closesem selftest: table written to " + out_dir_ + "/selftest.md\n");
    return baseline_clean && gaps.empty() ? 0 : 1;
  } catch (const Stop& stop) {
    return stop.status;
  }
}

}  // namespace

int selftest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Selftest selftest(out, err);
  return selftest.run(args);
}

}  // namespace closesem::tool
