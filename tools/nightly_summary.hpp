// SPDX-License-Identifier: MIT
// The nightly job's report: a typed record of the night (what ran, what it found, what
// the conformance suite said), filled in by `closesem_tool nightly` (tools/nightly.cpp)
// while it runs, and turned here into stats.json and summary.md, with which findings
// are new. The record also reads and writes as JSON (`nightly summary --night FILE`), so
// that the report can be made, and tested, from a fixed night.
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace closesem::tool {

// A figure that may be unknown (null in stats.json).
using Count = std::optional<long long>;

struct NightJob {
  std::string date;           // the report folder's name: 2026-11-21, or 2026-11-21.2
  std::string started, finished;  // UTC, ISO 8601
  std::string engine;         // "libfuzzer" or "replay"
  std::string engine_note;    // why this engine ("" none)
  std::string platform, suite_version;
  std::string corpus_root, fuzzers, build, report_dir;  // as shown (relative to the source tree when inside)
  Count budget_seconds, fuzz_seconds, jobs, cores;
  Count stopped_early_after_seconds;  // interrupted before the budget was spent
  Count merge_seconds, triage_seconds, conformance_seconds;
  // A target whose model checked a smaller share of its ops (percent) is named at the top
  // of the summary (--checked-floor).
  double checked_floor_percent = 95;
  std::string sanitizers_option;   // --sanitizers: "none", "all", "share" ("" an old record)
  std::optional<double> wine_share;  // --wine-share (unknown in an old record)
  std::vector<std::string> notes;  // what the summary says at its top about the lanes ("" none)
};

// A lane of the night: one build's binaries fuzzing every target it has for its share of
// the budget, with every job; the lanes run one after another. A record without lanes
// (from before them) had one: the job's engine, its fuzzers, natively, for the budget.
struct NightLane {
  std::string label;          // "libfuzzer", "libfuzzer-asan", "replay", "replay-asan", "wine-replay"
  std::string engine;         // "libfuzzer" or "replay"
  std::string sanitizers;     // what its binaries are built with: "none", "asan+ubsan", "asan", "ubsan"; "" unknown
  std::string platform;       // "native", or "wine" (the Windows build under Wine)
  std::string profile;        // the model profile its targets judged against ("": each build's own)
  std::string build, fuzzers;  // as shown: the build folder and its fuzz target binaries
  Count seconds;              // its share of the budget
  Count fuzz_seconds;         // how long it fuzzed (0: not run, the night stopped before it)
};

// What the model checked of a target's ops during the night: the counts files its fuzzing
// processes wrote (CLOSESEM_CHECK_COUNTS, tools/fuzzing/check_counts_file.hpp), summed.
struct NightChecks {
  bool expected = true;                // the target has an op model and writes counts files
  long long files = 0;                 // counts files read (0: none, which is no pass)
  long long inputs = 0, run = 0, exact = 0, set = 0, unpredicted = 0;
  std::map<std::string, long long> unpredicted_by_kind;   // op kind -> unpredicted ops
  std::map<std::string, long long> unpredicted_reasons;   // "KIND: why" -> unpredicted ops
  std::vector<std::string> problems;   // counts files not read: "counts/F.json: why"
};

// A target's figures: the night's (summed over the lanes), with one row per lane it ran in
// (`lanes`, each with `lane` set; a row's corpus figures are that lane's start and end,
// before the merge). The merge happens once, after the libFuzzer lanes: its figures
// (corpus_after, new_units_kept, merge) are the target's.
// Semantic coverage (issue 21): the model transitions a target's (or a row's) fuzzing
// processes reached (CLOSESEM_SEMANTIC_COVERAGE files), against those the model's search
// finds reachable with programs of up to `depth` ops (closesem coverage reachable).
struct NightSemantic {
  std::string profile;
  long long reached = 0, reachable = 0, reached_of_reachable = 0;
  int depth = 0;
  std::vector<std::pair<double, long long>> growth;  // (seconds, transitions) of the longest process
  long long not_reached_count = 0;
  std::vector<std::string> not_reached;  // the first of them, in words (at most 200)
  int share() const { return reachable > 0 ? static_cast<int>(reached_of_reachable * 100 / reachable) : 0; }
};

struct NightTarget {
  std::string name;
  std::string lane;                         // a row's lane label ("" the target's totals)
  Count workers, seeds;
  Count executions, executions_per_second;
  Count coverage_edges, coverage_features;  // libFuzzer only
  Count corpus_before, corpus_after;        // libFuzzer only (the replay engine keeps no corpus)
  Count new_units, new_units_kept;
  std::string merge;                        // "ok", "no new units", "merge failed ..."; "" none
  Count crash_inputs, inputs_examined, slow_units;
  std::optional<NightChecks> checks;        // unknown: a record from before the counts
  std::optional<NightSemantic> semantic;    // none: a target without an op model, or an older record
  Count seconds;                            // a row: how long its lane fuzzed
  std::vector<NightTarget> lanes;           // the rows, per lane (none in an old record)
};

struct NightFinding {
  std::string target;
  int number = 0;                 // findings/TARGET/NUMBER.*
  std::string signature;
  std::string status;             // "confirmed", "unreproducible", "unconfirmed: ...", "not minimised (...)"
  std::string what;               // the target's finding line
  Count inputs;                   // crash inputs with this signature
  std::string original;           // the smallest of them (shown)
  Count original_size;
  std::string minimised;          // "minimised from 331 to 3 bytes in 40 runs"
  std::vector<std::string> files; // in findings/TARGET/: "1.bin", "1.ops", "1.c", "1.log"
  // The standalone reproducer (`ops export --c` of the minimised program, NUMBER.c), built and
  // run once by the nightly: "exit 1: line 7: b recv 1 -> 0 ... DEVIATION", or why it was not.
  std::string reproducer;
  // The lane whose input was minimised and confirmed (with that lane's binaries), and every
  // lane that had crash inputs with this signature ("" and none: an old record, one lane).
  std::string lane;
  std::vector<std::string> lanes;
  // A finding of the Windows build under Wine: its decoded program run by the Windows
  // build's own tool under Wine (`ops run` / `asio run`): "exit 1: ...", or why not.
  std::string wine_check;
};

struct ConformanceRun {
  std::string label;              // "conformance", "conformance-asio"
  Count exit;                     // the suite's exit status; unknown when it did not run
  std::string summary;            // "89 pass, 0 known, 0 fail, 0 unexpected pass, 6 skipped"
  std::string report;             // behaviour.json
  std::string status;             // a problem: "missing ...", "the suite wrote no report"; "" none
};

struct NightRecord {
  NightJob job;
  std::vector<NightLane> lanes;  // in the order they ran (empty: an old record, see NightLane)
  std::vector<NightTarget> targets;
  std::vector<NightFinding> findings;
  bool conformance_skipped = false;   // --no-conformance
  std::vector<ConformanceRun> conformance;
  std::string diff_previous, diff_result;  // the behaviour diff with an earlier report ("" none)
};

nlohmann::json to_json(const NightRecord&);
// nullopt with `error` ("/targets/0/executions: expected a whole number, got \"many\"")
// when the JSON is not a night record: a missing or unknown field, a wrong type.
std::optional<NightRecord> night_from_json(const nlohmann::json&, std::string& error);

// The target's night figures from its rows (`lanes`): the sums of executions, crash
// inputs, inputs examined, slow inputs, new units, what the model checked (null where no
// row knows it), the highest coverage, the first libFuzzer row's corpus before, and
// executions per second over `fuzz_seconds` (the night's). The merge's figures stay.
void sum_lanes(NightTarget& target, long long fuzz_seconds);

// "--checked-floor"'s value: a percentage from 0 to 100 ("95", "97.5"). False with `error`
// (the message for the option) otherwise.
bool parse_checked_floor(const std::string& text, double& percent, std::string& error);

// The counts files of a target in DIR (DIR/TARGET-*.json), summed into a record's form;
// `expected` says whether the target writes them. Problems name files relative to DIR's
// parent ("counts/fuzz_linger-12.json: ...").
NightChecks night_checks(const std::string& dir, const std::string& target, bool expected);

struct NightlySummaryOptions {
  std::string dir;                    // the report folder: stats.json and summary.md are written here
  std::vector<std::string> history;   // earlier finished reports (folders with stats.json)
  std::string corpora;                // corpora/, whose regressions name the signatures they were promoted for
};

// Writes DIR/stats.json and DIR/summary.md and prints the summary's headline. Returns 0
// (no new finding, conformance passed), 1 (a new finding or a conformance failure) or
// 2 (a failed write, said on `err`).
int nightly_summary(const NightRecord& night, const NightlySummaryOptions& options, std::ostream& out,
                    std::ostream& err);

// `nightly summary --night FILE --dir DIR [--history DIR] [--corpora DIR] [--counts DIR]
// [--checked-floor PERCENT]`: the same from a record in a file; the history is every
// folder in DIR that has a stats.json. A file that is not a night record, or a floor that
// is no percentage, is refused with its location (exit 2).
// With `counts` (a folder of counts files, as the job's .work/counts/), every target's
// figures of what the model checked come from there; with `checked_floor` ("" none), the
// floor replaces the record's.
int nightly_summary_file(const std::string& night_file, const std::string& dir, const std::string& history_dir,
                         const std::string& corpora, std::ostream& out, std::ostream& err,
                         const std::string& counts = "", const std::string& checked_floor = "");

}  // namespace closesem::tool
