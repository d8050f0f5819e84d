// SPDX-License-Identifier: MIT
#include "nightly_summary.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Fields = std::map<std::string, std::string>;

struct Finding {
  std::string target;
  int number = 0;
  Fields fields;
  // From the history and the corpora:
  bool is_new = true;
  std::string first_seen;  // the earliest report that had it
  std::string regression;  // a committed regression promoted for the same signature

  std::string id() const { return target + "/" + std::to_string(number); }
  std::string get(const std::string& key) const {
    const auto it = fields.find(key);
    return it == fields.end() ? "" : it->second;
  }
  // Every finding counts but one that did not fail again when its input was rerun.
  bool counts() const { return get("status") != "unreproducible"; }
};

struct Facts {
  Fields job;
  std::vector<std::string> targets;  // in the order they first appear
  std::map<std::string, Fields> target;
  std::vector<Finding> findings;
  std::vector<std::string> suites;  // conformance labels, in order
  std::map<std::string, Fields> conformance;
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::string::size_type start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

bool load_facts(const std::string& path, Facts& facts, std::ostream& err) {
  std::ifstream in(path);
  if (!in) {
    err << "nightly summary: cannot read " << path << "\n";
    return false;
  }
  std::map<std::pair<std::string, int>, std::size_t> finding_index;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto f = split_tabs(line);
    const auto bad = [&](const std::string& why) {
      err << "nightly summary: " << path << ":" << number << ": " << why << ": " << line << "\n";
      return false;
    };
    const std::string& kind = f[0];
    if (kind == "job" && f.size() == 3) {
      facts.job[f[1]] = f[2];
    } else if (kind == "target" && f.size() == 4) {
      if (!facts.target.count(f[1])) facts.targets.push_back(f[1]);
      facts.target[f[1]][f[2]] = f[3];
    } else if (kind == "finding" && f.size() == 5) {
      int n = 0;
      try {
        n = std::stoi(f[2]);
      } catch (const std::exception&) {
        return bad("the finding number is not a number");
      }
      const auto key = std::make_pair(f[1], n);
      if (!finding_index.count(key)) {
        finding_index[key] = facts.findings.size();
        facts.findings.push_back(Finding{f[1], n, {}, true, "", ""});
      }
      facts.findings[finding_index[key]].fields[f[3]] = f[4];
    } else if (kind == "conformance" && f.size() == 4) {
      if (!facts.conformance.count(f[1])) facts.suites.push_back(f[1]);
      facts.conformance[f[1]][f[2]] = f[3];
    } else {
      return bad("not a fact (job K V, target T K V, finding T N K V, conformance L K V)");
    }
  }
  return true;
}

std::string get(const Fields& fields, const std::string& key, const std::string& otherwise = "") {
  const auto it = fields.find(key);
  return it == fields.end() || it->second.empty() ? otherwise : it->second;
}

long long number_of(const Fields& fields, const std::string& key, long long otherwise = -1) {
  const std::string text = get(fields, key);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return otherwise;
  return std::stoll(text);
}

json number_or_null(const Fields& fields, const std::string& key) {
  const long long value = number_of(fields, key);
  return value < 0 ? json(nullptr) : json(value);
}

// Earlier reports: which findings (target and signature) they had, first seen when.
void mark_history(const std::string& history, const std::string& this_dir, std::vector<Finding>& findings,
                  std::ostream& err) {
  if (history.empty() || !fs::is_directory(history)) return;
  std::vector<fs::path> reports;
  for (const auto& entry : fs::directory_iterator(history)) {
    const auto stats = entry.path() / "stats.json";
    std::error_code ignored;
    if (entry.is_directory() && fs::exists(stats) && !fs::equivalent(entry.path(), this_dir, ignored))
      reports.push_back(stats);
  }
  std::sort(reports.begin(), reports.end());  // dated names: oldest first
  for (const auto& stats : reports) {
    json document;
    try {
      std::ifstream in(stats);
      document = json::parse(in);
    } catch (const json::exception& e) {
      err << "nightly summary: " << stats.string() << ": not read (" << e.what() << "); its findings count as unseen\n";
      continue;
    }
    if (!document.contains("findings") || !document["findings"].is_array()) continue;
    const std::string date = document.value("date", stats.parent_path().filename().string());
    for (const auto& old : document["findings"]) {
      if (!old.is_object()) continue;
      for (auto& finding : findings) {
        if (finding.is_new && old.value("target", "") == finding.target &&
            old.value("signature", "") == finding.get("signature")) {
          finding.is_new = false;
          finding.first_seen = old.value("first_seen", date);
        }
      }
    }
  }
}

// Committed regressions name the signature they were promoted for ("# Signature: ...").
void mark_regressions(const std::string& corpora, std::vector<Finding>& findings) {
  if (corpora.empty()) return;
  for (auto& finding : findings) {
    const fs::path dir = fs::path(corpora) / finding.target / "regressions";
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::ifstream in(entry.path());
      std::string line;
      for (int i = 0; i < 8 && std::getline(in, line); ++i) {
        if (line == "# Signature: " + finding.get("signature")) {
          finding.regression = (fs::path("corpora") / finding.target / "regressions" / entry.path().filename()).string();
          break;
        }
      }
      if (!finding.regression.empty()) break;
    }
  }
}

std::string with_commas(long long value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string clock_text(long long seconds) {
  std::ostringstream text;
  if (seconds >= 3600) text << seconds / 3600 << " h ";
  if (seconds >= 60) text << (seconds % 3600) / 60 << " min";
  if (seconds < 60 || seconds % 60 != 0) text << (seconds >= 60 ? " " : "") << seconds % 60 << " s";
  return text.str();
}

// A cell or inline text in markdown: no pipes, no backticks breaking the code span.
std::string cell(std::string text) {
  std::replace(text.begin(), text.end(), '|', '/');
  std::replace(text.begin(), text.end(), '`', '\'');
  return text;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// The reproducer a person reads: the .ops (or .asio) file, without its header.
std::string program_excerpt(const fs::path& dir, const Finding& finding, int max_lines) {
  for (const char* extension : {".ops", ".asio"}) {
    std::ifstream in(dir / (std::to_string(finding.number) + extension));
    if (!in) continue;
    std::string line, text;
    int lines = 0, more = 0;
    while (std::getline(in, line)) {
      if (line.rfind("# ", 0) == 0 && lines == 0) continue;  // the header
      if (lines < max_lines) {
        text += line + "\n";
        ++lines;
      } else {
        ++more;
      }
    }
    if (more > 0) text += "... (" + std::to_string(more) + " more lines)\n";
    return text;
  }
  return "";
}

// The findings of a target that count (all, or only the new ones).
int count_findings(const std::vector<Finding>& findings, const std::string& target, bool only_new) {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(), [&](const Finding& finding) {
    return finding.target == target && finding.counts() && (finding.is_new || !only_new);
  }));
}

bool conformance_failed(const Facts& facts) {
  for (const auto& label : facts.suites) {
    const auto& suite = facts.conformance.at(label);
    if (label == "diff" || label == "skipped") continue;
    if (get(suite, "exit", "1") != "0" || suite.count("status")) return true;
  }
  return false;
}

json make_stats(const Facts& facts, const std::vector<Finding>& findings, int new_count, int status) {
  const auto& job = facts.job;
  json stats;
  stats["schema"] = "closesem-nightly/1";
  stats["date"] = get(job, "date");
  stats["started"] = get(job, "started");
  stats["finished"] = get(job, "finished");
  stats["platform"] = get(job, "platform");
  stats["suite_version"] = get(job, "suite_version");
  stats["engine"] = get(job, "engine");
  if (job.count("engine_note")) stats["engine_note"] = get(job, "engine_note");
  stats["budget_seconds"] = number_or_null(job, "budget_s");
  stats["fuzz_seconds"] = number_or_null(job, "fuzz_seconds");
  if (job.count("stopped_early")) stats["stopped_early_after_seconds"] = number_or_null(job, "stopped_early");
  stats["jobs"] = number_or_null(job, "jobs");
  stats["cores"] = number_or_null(job, "cores");
  stats["corpus_root"] = get(job, "corpus_root");
  stats["phase_seconds"] = {{"fuzz", number_or_null(job, "fuzz_seconds")},
                            {"merge", number_or_null(job, "merge_seconds")},
                            {"findings", number_or_null(job, "triage_seconds")},
                            {"conformance", number_or_null(job, "conformance_seconds")}};
  json targets = json::object();
  for (const auto& name : facts.targets) {
    const auto& t = facts.target.at(name);
    json entry;
    entry["workers"] = number_or_null(t, "workers");
    entry["executions"] = number_or_null(t, "execs");
    entry["executions_per_second"] = number_or_null(t, "exec_per_s");
    if (t.count("cov"))
      entry["coverage"] = {{"edges", number_or_null(t, "cov")}, {"features", number_or_null(t, "ft")}};
    else
      entry["coverage"] = nullptr;
    entry["seeds"] = number_or_null(t, "seeds");
    if (t.count("corpus_before"))
      entry["corpus"] = {{"before", number_or_null(t, "corpus_before")}, {"after", number_or_null(t, "corpus_after")}};
    else
      entry["corpus"] = nullptr;  // the replay engine keeps none
    entry["new_units"] = number_or_null(t, "new_units");
    entry["new_units_kept"] = number_or_null(t, "new_units_kept");
    if (t.count("merge")) entry["merge"] = get(t, "merge");
    entry["crash_inputs"] = number_or_null(t, "crash_inputs");
    entry["crash_inputs_examined"] = number_or_null(t, "inputs_examined");
    entry["slow_inputs"] = number_or_null(t, "slow_units");
    entry["findings"] = count_findings(findings, name, false);
    entry["new_findings"] = count_findings(findings, name, true);
    targets[name] = entry;
  }
  stats["targets"] = targets;
  json list = json::array();
  for (const auto& finding : findings) {
    json entry;
    entry["id"] = finding.id();
    entry["target"] = finding.target;
    entry["signature"] = finding.get("signature");
    entry["status"] = finding.get("status");
    entry["new"] = finding.is_new;
    entry["first_seen"] = finding.is_new ? get(job, "date") : finding.first_seen;
    if (!finding.regression.empty()) entry["regression"] = finding.regression;
    entry["what"] = finding.get("what");
    entry["inputs"] = number_or_null(finding.fields, "inputs");
    entry["original"] = finding.get("original");
    entry["original_size"] = number_or_null(finding.fields, "original_size");
    entry["minimised"] = finding.get("minimised");
    entry["files"] = words(finding.get("files"));
    list.push_back(entry);
  }
  stats["findings"] = list;
  json conformance = json::object();
  for (const auto& label : facts.suites) {
    json entry;
    for (const auto& [key, value] : facts.conformance.at(label)) {
      const long long n = number_of(facts.conformance.at(label), key);
      entry[key] = n >= 0 ? json(n) : json(value);
    }
    conformance[label] = entry;
  }
  stats["conformance"] = conformance;
  stats["new_findings"] = new_count;
  stats["exit_status"] = status;
  return stats;
}

void write_finding(std::ostream& md, const Facts& facts, const fs::path& dir, const Finding& finding) {
  const std::string report_dir = get(facts.job, "report_dir", dir.string());
  const std::string base = report_dir + "/findings/" + finding.target + "/" + std::to_string(finding.number);
  const auto files = words(finding.get("files"));
  const bool asio = std::find(files.begin(), files.end(), std::to_string(finding.number) + ".asio") != files.end();
  const std::string input = base + (asio ? ".asio" : ".bin");
  const std::string status = finding.get("status");
  md << "### " << finding.id()
     << (!finding.counts()  ? " (did not fail again: not counted)"
         : finding.is_new   ? " (new)"
                            : " (seen before, first on " + finding.first_seen + ")")
     << "\n\n";
  md << "Signature: `" << cell(finding.get("signature")) << "`\n\n";
  if (!finding.get("what").empty()) md << "> " << cell(finding.get("what")) << "\n\n";
  md << "- " << finding.get("inputs") << " crash input(s) had this signature";
  if (status == "confirmed") {
    md << "; the smallest (" << finding.get("original_size") << " bytes) was " << finding.get("minimised")
       << ", and the minimised input failed the same way once more.\n";
  } else if (status == "unreproducible") {
    md << "; none of them failed when run again (a race, or state from an earlier input): kept, not counted.\n";
  } else {
    md << "; " << status << ".\n";
  }
  if (!finding.regression.empty())
    md << "- A committed regression has the same signature: `" << finding.regression
       << "`. Did a fixed bug come back?\n";
  md << "- Files: ";
  for (std::size_t i = 0; i < files.size(); ++i)
    md << (i ? ", " : "") << "`findings/" << finding.target << "/" << files[i] << "`";
  md << "\n";
  if (status != "unreproducible") {
    md << "- Replay: `" << get(facts.job, "fuzzers") << "/" << finding.target << " " << input << "`";
    if (!asio && std::find(files.begin(), files.end(), std::to_string(finding.number) + ".ops") != files.end() &&
        finding.target != "fuzz_asio_close")
      md << ", or step by step: `./closesem ops run " << base << ".ops`";
    md << "\n";
    md << "- Keep it as a regression: `./closesem promote " << input << " --name SHORT-NAME`\n";
  }
  const std::string program = program_excerpt(dir / "findings" / finding.target, finding, 25);
  if (!program.empty()) md << "\n```\n" << program << "```\n";
  md << "\n";
}

std::string headline(int new_count, int seen_count, bool conformance_bad, bool conformance_skipped) {
  std::string text;
  if (new_count > 0)
    text = std::to_string(new_count) + " new finding" + (new_count == 1 ? "" : "s");
  else
    text = "no new finding";
  if (seen_count > 0) text += ", " + std::to_string(seen_count) + " seen before";
  if (conformance_skipped)
    text += "; conformance skipped";
  else
    text += conformance_bad ? "; the conformance suite FAILED" : "; conformance passed";
  return text;
}

void write_summary(std::ostream& md, const Facts& facts, const fs::path& dir, const std::vector<Finding>& findings,
                   int new_count, int seen_count) {
  const auto& job = facts.job;
  const bool skipped = facts.conformance.count("skipped") > 0;
  const bool bad = conformance_failed(facts);
  const bool libfuzzer = get(job, "engine") == "libfuzzer";
  md << "# closesem nightly " << get(job, "date") << ": " << headline(new_count, seen_count, bad, skipped) << "\n\n";
  md << "**" << get(job, "platform", "unknown platform") << "** · " << facts.targets.size() << " fuzz targets for "
     << clock_text(number_of(job, "fuzz_seconds", 0)) << " with "
     << (libfuzzer ? "libFuzzer (fork mode)" : "the replay engine's random mode") << ", " << get(job, "jobs")
     << " jobs on " << get(job, "cores") << " cores · suite " << get(job, "suite_version") << "\n\n";
  md << "*The nightly report of closesem, a suite for socket close semantics (close, shutdown, SO_LINGER; "
        "closesocket and WSACleanup on Winsock): fuzz targets run random programs on real loopback sockets and check "
        "every outcome against a model of the documented behaviour; the conformance suite checks the documented "
        "invariants one by one. README.md, section \"Nightly\", explains each part of this page.*\n\n";
  if (job.count("engine_note")) md << "> **Note:** " << get(job, "engine_note") << "\n\n";
  if (job.count("stopped_early"))
    md << "> **Stopped early** (interrupted) after " << clock_text(number_of(job, "stopped_early", 0))
       << " of the budget of " << clock_text(number_of(job, "budget_s", 0)) << ".\n\n";

  md << "## Findings\n\n";
  if (findings.empty()) {
    md << "None: no target reported a finding, a sanitizer error, a hang or a crash.\n\n";
  } else {
    md << "| finding | signature | status | crash inputs | first seen |\n|---|---|---|---|---|\n";
    for (const auto& finding : findings)
      md << "| " << finding.id() << " | `" << cell(finding.get("signature")) << "` | " << cell(finding.get("status"))
         << " | " << finding.get("inputs") << " | "
         << (!finding.counts() ? "–" : finding.is_new ? "**new**" : finding.first_seen) << " |\n";
    md << "\n";
    for (const auto& finding : findings) write_finding(md, facts, dir, finding);
  }

  md << "## Fuzzing\n\n";
  if (libfuzzer) {
    md << "| target | runs | runs/s | coverage (edges / features) | corpus before → after | new units (kept) | "
          "crash inputs | findings |\n|---|---:|---:|---|---|---|---:|---:|\n";
  } else {
    md << "| target | runs | runs/s | crash inputs | findings |\n|---|---:|---:|---:|---:|\n";
  }
  for (const auto& name : facts.targets) {
    const auto& t = facts.target.at(name);
    const int found = count_findings(findings, name, false);
    md << "| " << name << " | " << with_commas(number_of(t, "execs", 0)) << " | "
       << with_commas(number_of(t, "exec_per_s", 0)) << " | ";
    if (libfuzzer) {
      md << get(t, "cov", "–") << " / " << get(t, "ft", "–") << " | " << get(t, "corpus_before", "?") << " → "
         << get(t, "corpus_after", "?") << " | " << get(t, "new_units", "0");
      if (t.count("new_units_kept")) md << " (" << get(t, "new_units_kept") << ")";
      md << " | ";
    }
    md << get(t, "crash_inputs", "0") << " | " << found << " |\n";
  }
  md << "\n";
  if (libfuzzer) {
    md << "Corpora: `" << get(job, "corpus_root") << "/TARGET`. New units are merged in and the whole corpus is "
          "minimised (libFuzzer's merge: the fewest inputs with every feature); \"kept\" counts the new units the "
          "minimised corpus kept.\n";
  } else {
    md << "The replay engine runs random inputs: there is no coverage feedback and no corpus to grow.\n";
  }
  for (const auto& name : facts.targets) {
    const auto& t = facts.target.at(name);
    const std::string merge = get(t, "merge");
    if (merge.find("failed") != std::string::npos) md << "- " << name << ": " << merge << "\n";
    const long long examined = number_of(t, "inputs_examined", -1);
    const long long crashes = number_of(t, "crash_inputs", 0);
    if (examined >= 0 && examined < crashes)
      md << "- " << name << ": " << examined << " of " << crashes
         << " crash inputs were run to learn their signatures (at most 100, within a time limit); all are in "
            "`findings/"
         << name << "/inputs/`\n";
    const long long slow = number_of(t, "slow_units", 0);
    if (slow > 0)
      md << "- " << name << ": " << slow << " input(s) ran longer than 10 s (not findings; kept in `findings/" << name
         << "/slow/`)\n";
  }
  md << "\n";

  md << "## Conformance\n\n";
  if (skipped) {
    md << "Skipped (`--no-conformance`).\n\n";
  } else {
    for (const auto& label : facts.suites) {
      if (label == "diff") continue;
      const auto& suite = facts.conformance.at(label);
      md << "- " << (label == "conformance" ? "Socket API" : label == "conformance-asio" ? "asio" : label) << ": "
         << get(suite, "summary", get(suite, "status", "?"));
      if (get(suite, "exit", "1") != "0") md << " — **exit " << get(suite, "exit", "?") << "**, see `logs/" << label << ".log`";
      if (suite.count("status")) md << " — " << get(suite, "status");
      md << " (`" << get(suite, "report", "no report") << "`)\n";
    }
    if (facts.conformance.count("diff")) {
      const auto& diff = facts.conformance.at("diff");
      md << "- Since the report of " << get(diff, "previous") << ": " << get(diff, "result")
         << " (`behaviour-diff.txt`)\n";
    } else {
      md << "- No earlier nightly report here to compare the behaviour with.\n";
    }
    md << "\n";
  }

  md << "## How to read this\n\n"
        "- A **finding** is an input on which a fuzz target saw the socket layer do something the model of the "
        "documented semantics does not allow, or a sanitizer error, a leaked descriptor or a hang. Its "
        "**signature** names what went wrong and where; inputs with one signature are one finding.\n"
        "- **New** means no earlier nightly report in this folder had the signature; the exit status is 1 when "
        "there is a new finding (unreproducible ones do not count) or the conformance suite failed.\n"
        "- Each finding's `.ops` (or `.asio`) file is the minimised program, readable, with the signature in its "
        "header; `N.log` is the run that confirmed it.\n"
        "- A bug in the model: fix `core/src/model/`, then promote the input so that ctest replays it for ever. "
        "A bug in the platform: promote it, and record the deviation in `conformance/expectations/`.\n"
        "- `stats.json` has every figure of this page; `logs/` the fuzzers' and the suite's output.\n\n";

  md << "## This run\n\n"
     << "- Started " << get(job, "started") << ", finished " << get(job, "finished") << "; fuzzing "
     << clock_text(number_of(job, "fuzz_seconds", 0)) << " of a budget of " << clock_text(number_of(job, "budget_s", 0))
     << "\n"
     << "- Time spent: fuzzing " << clock_text(number_of(job, "fuzz_seconds", 0)) << ", merging corpora "
     << clock_text(number_of(job, "merge_seconds", 0)) << ", findings " << clock_text(number_of(job, "triage_seconds", 0))
     << ", conformance " << clock_text(number_of(job, "conformance_seconds", 0)) << "\n"
     << "- Engine: " << get(job, "engine") << "; binaries `" << get(job, "fuzzers") << "`; tools `" << get(job, "build")
     << "`\n"
     << "- Platform: " << get(job, "platform") << "; suite version " << get(job, "suite_version") << "\n";
}

}  // namespace

int nightly_summary(const NightlySummaryOptions& options, std::ostream& out, std::ostream& err) {
  Facts facts;
  if (!load_facts(options.facts, facts, err)) return 2;
  for (const char* key : {"date", "engine"}) {
    if (!facts.job.count(key)) {
      err << "nightly summary: " << options.facts << ": no 'job " << key << "' fact\n";
      return 2;
    }
  }
  std::vector<Finding> findings = facts.findings;
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_pair(a.target, a.number) < std::make_pair(b.target, b.number);
  });
  mark_history(options.history, options.dir, findings, err);
  mark_regressions(options.corpora, findings);
  // New findings first, in target order.
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.is_new && !b.is_new; });
  int new_count = 0, seen_count = 0;
  for (const auto& finding : findings) {
    if (!finding.counts()) continue;
    (finding.is_new ? new_count : seen_count) += 1;
  }
  const bool conformance_bad = conformance_failed(facts);
  const int status = new_count > 0 || conformance_bad ? 1 : 0;

  const fs::path dir(options.dir);
  std::ofstream stats_file(dir / "stats.json");
  stats_file << make_stats(facts, findings, new_count, status).dump(2) << "\n";
  std::ofstream summary_file(dir / "summary.md");
  write_summary(summary_file, facts, dir, findings, new_count, seen_count);
  if (!stats_file || !summary_file) {
    err << "nightly summary: cannot write stats.json or summary.md in " << options.dir << "\n";
    return 2;
  }
  out << "closesem nightly " << facts.job["date"] << ": "
      << headline(new_count, seen_count, conformance_bad, facts.conformance.count("skipped") > 0) << "\n"
      << "  summary: " << get(facts.job, "report_dir", options.dir) << "/summary.md\n";
  return status;
}

}  // namespace closesem::tool
