// SPDX-License-Identifier: MIT
#include "nightly_summary.hpp"

#include "fuzzing/check_counts_file.hpp"
#include "fuzzing/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// --- the record as JSON --------------------------------------------------------------

// Reads one object of the record, field by field, and says where a field is wrong: a
// record with a typo in a field name is refused, not read as one without that field.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& object, std::string where, std::string& error)
      : object_(object), where_(std::move(where)), error_(error) {
    if (!object_.is_object()) fail("", std::string("expected an object, got ") + object_.type_name());
  }
  bool ok() const { return ok_; }

  void text(const char* key, std::string& out, bool required = false) {
    const auto* value = find(key, required);
    if (value == nullptr) return;
    if (!value->is_string()) return fail(key, std::string("expected a string, got ") + value->dump());
    out = value->get<std::string>();
  }
  void count(const char* key, Count& out, bool required = false) {
    const auto* value = find(key, required);
    if (value == nullptr || value->is_null()) return;
    if (!value->is_number_integer() || value->get<long long>() < 0)
      return fail(key, "expected a whole number (or null), got " + value->dump());
    out = value->get<long long>();
  }
  void real(const char* key, double& out) {
    const auto* value = find(key, false);
    if (value == nullptr) return;
    if (!value->is_number() || value->get<double>() < 0)
      return fail(key, "expected a number, got " + value->dump());
    out = value->get<double>();
  }
  // An object of whole numbers: {"recv": 12, ...}.
  void counts(const char* key, std::map<std::string, long long>& out) {
    const auto* value = find(key, false);
    if (value == nullptr) return;
    if (!value->is_object()) return fail(key, "expected an object of whole numbers, got " + value->dump());
    for (const auto& item : value->items()) {
      if (!item.value().is_number_integer() || item.value().get<long long>() < 0)
        return fail(std::string(key) + "/" + item.key(), "expected a whole number, got " + item.value().dump());
      out[item.key()] = item.value().get<long long>();
    }
  }
  void number(const char* key, int& out, bool required = false) {
    Count value;
    count(key, value, required);
    if (value) out = static_cast<int>(*value);
  }
  void flag(const char* key, bool& out) {
    const auto* value = find(key, false);
    if (value == nullptr) return;
    if (!value->is_boolean()) return fail(key, "expected true or false, got " + value->dump());
    out = value->get<bool>();
  }
  void texts(const char* key, std::vector<std::string>& out) {
    const auto* value = find(key, false);
    if (value == nullptr) return;
    if (!value->is_array()) return fail(key, "expected an array of strings, got " + value->dump());
    for (const auto& item : *value) {
      if (!item.is_string()) return fail(key, "expected an array of strings, got " + value->dump());
      out.push_back(item.get<std::string>());
    }
  }
  // Each element of an array of objects, read by `read`.
  void objects(const char* key, const std::function<bool(const nlohmann::json&, const std::string&)>& read) {
    const auto* value = find(key, false);
    if (value == nullptr) return;
    if (!value->is_array()) return fail(key, std::string("expected an array, got ") + value->type_name());
    for (std::size_t i = 0; i < value->size() && ok_; ++i) {
      if (!read((*value)[i], where_ + "/" + key + "/" + std::to_string(i))) ok_ = false;
    }
  }
  const nlohmann::json* object(const char* key) { return find(key, false); }
  // Every field was known.
  bool done() {
    if (!ok_) return false;
    for (const auto& item : object_.items()) {
      if (!seen_.count(item.key())) {
        fail(item.key(), "unknown field");
        return false;
      }
    }
    return true;
  }

 private:
  const nlohmann::json* find(const char* key, bool required) {
    seen_.insert(key);
    if (!ok_) return nullptr;
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) fail(key, "missing");
      return nullptr;
    }
    return &*it;
  }
  void fail(const std::string& key, const std::string& why) {
    if (!ok_) return;
    ok_ = false;
    error_ = (where_.empty() && key.empty() ? "/" : where_ + (key.empty() ? "" : "/" + key)) + ": " + why;
  }

  const nlohmann::json& object_;
  std::string where_;
  std::string& error_;
  std::set<std::string> seen_;
  bool ok_ = true;
};

void put(json& out, const char* key, const Count& value) { out[key] = value ? json(*value) : json(nullptr); }

// 95 as 95, 97.5 as 97.5.
json floor_json(double percent) {
  return percent == std::floor(percent) ? json(static_cast<long long>(percent)) : json(percent);
}

json counts_json(const std::map<std::string, long long>& counts) {
  json out = json::object();
  for (const auto& [key, value] : counts) out[key] = value;
  return out;
}

}  // namespace

nlohmann::json to_json(const NightRecord& night) {
  json job;
  const auto& j = night.job;
  job["date"] = j.date;
  job["started"] = j.started;
  job["finished"] = j.finished;
  job["engine"] = j.engine;
  if (!j.engine_note.empty()) job["engine_note"] = j.engine_note;
  job["platform"] = j.platform;
  job["suite_version"] = j.suite_version;
  job["corpus_root"] = j.corpus_root;
  job["fuzzers"] = j.fuzzers;
  job["build"] = j.build;
  job["report_dir"] = j.report_dir;
  put(job, "budget_seconds", j.budget_seconds);
  put(job, "fuzz_seconds", j.fuzz_seconds);
  if (j.stopped_early_after_seconds) put(job, "stopped_early_after_seconds", j.stopped_early_after_seconds);
  put(job, "jobs", j.jobs);
  put(job, "cores", j.cores);
  put(job, "merge_seconds", j.merge_seconds);
  put(job, "triage_seconds", j.triage_seconds);
  put(job, "conformance_seconds", j.conformance_seconds);
  job["checked_floor_percent"] = floor_json(j.checked_floor_percent);
  json targets = json::array();
  for (const auto& t : night.targets) {
    json entry;
    entry["name"] = t.name;
    put(entry, "workers", t.workers);
    put(entry, "seeds", t.seeds);
    put(entry, "executions", t.executions);
    put(entry, "executions_per_second", t.executions_per_second);
    put(entry, "coverage_edges", t.coverage_edges);
    put(entry, "coverage_features", t.coverage_features);
    put(entry, "corpus_before", t.corpus_before);
    put(entry, "corpus_after", t.corpus_after);
    put(entry, "new_units", t.new_units);
    put(entry, "new_units_kept", t.new_units_kept);
    if (!t.merge.empty()) entry["merge"] = t.merge;
    put(entry, "crash_inputs", t.crash_inputs);
    put(entry, "inputs_examined", t.inputs_examined);
    put(entry, "slow_units", t.slow_units);
    if (t.checks) {
      const auto& c = *t.checks;
      json checks;
      checks["expected"] = c.expected;
      checks["files"] = c.files;
      checks["inputs"] = c.inputs;
      checks["ops_run"] = c.run;
      checks["ops_exact"] = c.exact;
      checks["ops_set"] = c.set;
      checks["ops_unpredicted"] = c.unpredicted;
      checks["unpredicted_by_kind"] = counts_json(c.unpredicted_by_kind);
      checks["unpredicted_reasons"] = counts_json(c.unpredicted_reasons);
      checks["problems"] = c.problems;
      entry["checks"] = checks;
    }
    targets.push_back(entry);
  }
  json findings = json::array();
  for (const auto& f : night.findings) {
    json entry;
    entry["target"] = f.target;
    entry["number"] = f.number;
    entry["signature"] = f.signature;
    entry["status"] = f.status;
    entry["what"] = f.what;
    put(entry, "inputs", f.inputs);
    entry["original"] = f.original;
    put(entry, "original_size", f.original_size);
    entry["minimised"] = f.minimised;
    entry["files"] = f.files;
    if (!f.reproducer.empty()) entry["reproducer"] = f.reproducer;
    findings.push_back(entry);
  }
  json runs = json::array();
  for (const auto& c : night.conformance) {
    json entry;
    entry["label"] = c.label;
    put(entry, "exit", c.exit);
    entry["summary"] = c.summary;
    entry["report"] = c.report;
    entry["status"] = c.status;
    runs.push_back(entry);
  }
  json conformance;
  conformance["skipped"] = night.conformance_skipped;
  conformance["runs"] = runs;
  if (!night.diff_previous.empty())
    conformance["diff"] = {{"previous", night.diff_previous}, {"result", night.diff_result}};
  json record;
  record["schema"] = "closesem-night/1";
  record["job"] = job;
  record["targets"] = targets;
  record["findings"] = findings;
  record["conformance"] = conformance;
  return nlohmann::json(record);
}

std::optional<NightRecord> night_from_json(const nlohmann::json& document, std::string& error) {
  NightRecord night;
  ObjectReader top(document, "", error);
  std::string schema;
  top.text("schema", schema, true);
  if (top.ok() && schema != "closesem-night/1") {
    error = "/schema: expected \"closesem-night/1\", got \"" + schema + "\"";
    return std::nullopt;
  }
  if (const auto* job_json = top.object("job"); job_json != nullptr && top.ok()) {
    auto& j = night.job;
    ObjectReader job(*job_json, "/job", error);
    job.text("date", j.date, true);
    job.text("started", j.started);
    job.text("finished", j.finished);
    job.text("engine", j.engine, true);
    job.text("engine_note", j.engine_note);
    job.text("platform", j.platform);
    job.text("suite_version", j.suite_version);
    job.text("corpus_root", j.corpus_root);
    job.text("fuzzers", j.fuzzers);
    job.text("build", j.build);
    job.text("report_dir", j.report_dir);
    job.count("budget_seconds", j.budget_seconds);
    job.count("fuzz_seconds", j.fuzz_seconds);
    job.count("stopped_early_after_seconds", j.stopped_early_after_seconds);
    job.count("jobs", j.jobs);
    job.count("cores", j.cores);
    job.count("merge_seconds", j.merge_seconds);
    job.count("triage_seconds", j.triage_seconds);
    job.count("conformance_seconds", j.conformance_seconds);
    job.real("checked_floor_percent", j.checked_floor_percent);
    if (!job.done()) return std::nullopt;
  } else if (top.ok()) {
    error = "/job: missing";
    return std::nullopt;
  }
  top.objects("targets", [&](const nlohmann::json& value, const std::string& where) {
    NightTarget t;
    ObjectReader r(value, where, error);
    r.text("name", t.name, true);
    r.count("workers", t.workers);
    r.count("seeds", t.seeds);
    r.count("executions", t.executions);
    r.count("executions_per_second", t.executions_per_second);
    r.count("coverage_edges", t.coverage_edges);
    r.count("coverage_features", t.coverage_features);
    r.count("corpus_before", t.corpus_before);
    r.count("corpus_after", t.corpus_after);
    r.count("new_units", t.new_units);
    r.count("new_units_kept", t.new_units_kept);
    r.text("merge", t.merge);
    r.count("crash_inputs", t.crash_inputs);
    r.count("inputs_examined", t.inputs_examined);
    r.count("slow_units", t.slow_units);
    if (const auto* checks_json = r.object("checks"); checks_json != nullptr && r.ok()) {
      NightChecks c;
      ObjectReader k(*checks_json, where + "/checks", error);
      k.flag("expected", c.expected);
      Count files, inputs, run, exact, set, unpredicted;
      k.count("files", files, true);
      k.count("inputs", inputs);
      k.count("ops_run", run, true);
      k.count("ops_exact", exact, true);
      k.count("ops_set", set, true);
      k.count("ops_unpredicted", unpredicted, true);
      k.counts("unpredicted_by_kind", c.unpredicted_by_kind);
      k.counts("unpredicted_reasons", c.unpredicted_reasons);
      k.texts("problems", c.problems);
      if (!k.done()) return false;
      c.files = files.value_or(0);
      c.inputs = inputs.value_or(0);
      c.run = run.value_or(0);
      c.exact = exact.value_or(0);
      c.set = set.value_or(0);
      c.unpredicted = unpredicted.value_or(0);
      t.checks = c;
    }
    night.targets.push_back(t);
    return r.done();
  });
  top.objects("findings", [&](const nlohmann::json& value, const std::string& where) {
    NightFinding f;
    ObjectReader r(value, where, error);
    r.text("target", f.target, true);
    r.number("number", f.number, true);
    r.text("signature", f.signature, true);
    r.text("status", f.status, true);
    r.text("what", f.what);
    r.count("inputs", f.inputs);
    r.text("original", f.original);
    r.count("original_size", f.original_size);
    r.text("minimised", f.minimised);
    r.texts("files", f.files);
    r.text("reproducer", f.reproducer);
    night.findings.push_back(f);
    return r.done();
  });
  if (const auto* conformance_json = top.object("conformance"); conformance_json != nullptr && top.ok()) {
    ObjectReader c(*conformance_json, "/conformance", error);
    c.flag("skipped", night.conformance_skipped);
    c.objects("runs", [&](const nlohmann::json& value, const std::string& where) {
      ConformanceRun run;
      ObjectReader r(value, where, error);
      r.text("label", run.label, true);
      r.count("exit", run.exit);
      r.text("summary", run.summary);
      r.text("report", run.report);
      r.text("status", run.status);
      night.conformance.push_back(run);
      return r.done();
    });
    if (const auto* diff_json = c.object("diff"); diff_json != nullptr && c.ok()) {
      ObjectReader d(*diff_json, "/conformance/diff", error);
      d.text("previous", night.diff_previous, true);
      d.text("result", night.diff_result, true);
      if (!d.done()) return std::nullopt;
    }
    if (!c.done()) return std::nullopt;
  }
  if (!top.done()) return std::nullopt;
  return night;
}

namespace {

// A finding as the summary sees it: the record's, and what the history and the corpora
// say about it.
struct Finding {
  NightFinding record;
  bool is_new = true;
  std::string first_seen;  // the earliest report that had it
  std::string regression;  // a committed regression promoted for the same signature

  std::string id() const { return record.target + "/" + std::to_string(record.number); }
  // Every finding counts but one that did not fail again when its input was rerun.
  bool counts() const { return record.status != "unreproducible"; }
};

std::string text_of(const Count& value, const std::string& otherwise = "") {
  return value ? std::to_string(*value) : otherwise;
}

std::string or_else(const std::string& text, const std::string& otherwise) { return text.empty() ? otherwise : text; }

// Earlier reports: which findings (target and signature) they had, first seen when.
void mark_history(std::vector<std::string> history, std::vector<Finding>& findings, std::ostream& err) {
  std::sort(history.begin(), history.end(), [](const std::string& a, const std::string& b) {
    return fs::path(a).filename() < fs::path(b).filename();  // dated names: oldest first
  });
  for (const auto& report : history) {
    const fs::path stats = fs::path(report) / "stats.json";
    json document;
    try {
      std::ifstream in(stats);
      document = json::parse(in);
    } catch (const json::exception& e) {
      err << "nightly summary: " << stats.string() << ": not read (" << e.what() << "); its findings count as unseen\n";
      continue;
    }
    if (!document.is_object() || !document.contains("findings") || !document["findings"].is_array()) continue;
    const std::string date = document.value("date", fs::path(report).filename().string());
    for (const auto& old : document["findings"]) {
      if (!old.is_object()) continue;
      for (auto& finding : findings) {
        if (finding.is_new && old.value("target", "") == finding.record.target &&
            old.value("signature", "") == finding.record.signature) {
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
    const fs::path dir = fs::path(corpora) / finding.record.target / "regressions";
    std::error_code ignored;
    if (!fs::is_directory(dir, ignored)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file);
      std::string line;
      for (int i = 0; i < 8 && std::getline(in, line); ++i) {
        if (line == "# Signature: " + finding.record.signature) {
          finding.regression = (fs::path("corpora") / finding.record.target / "regressions" / file.filename()).string();
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

// Text from the inputs inside a code span: as a cell, and on one line.
std::string code_text(std::string text) {
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return cell(text);
}

// --- what the model checked ------------------------------------------------------------

constexpr std::size_t kTopUnpredicted = 10;  // kinds and reasons in stats.json and summary.md

// The record's figures as the counts reader's (for its percent and top lists).
CheckTally tally_of(const NightChecks& c) {
  CheckTally tally;
  tally.run = static_cast<std::uint64_t>(c.run);
  tally.exact = static_cast<std::uint64_t>(c.exact);
  tally.set = static_cast<std::uint64_t>(c.set);
  tally.unpredicted = static_cast<std::uint64_t>(c.unpredicted);
  return tally;
}

std::vector<std::pair<std::string, std::uint64_t>> top_of(const std::map<std::string, long long>& counts) {
  std::map<std::string, std::uint64_t> positive;
  for (const auto& [key, value] : counts)
    if (value > 0) positive[key] = static_cast<std::uint64_t>(value);
  return top_counts(positive, kTopUnpredicted);
}

// 95 -> "95%", 97.5 -> "97.5%".
std::string floor_text(double percent) {
  std::ostringstream text;
  text << std::round(percent * 100) / 100 << "%";
  return text.str();
}

// Counts were read and ops ran (so there is a share).
bool has_share(const NightChecks& c) { return c.expected && c.files > 0 && c.run > 0; }

bool below_floor(const NightChecks& c, double floor_percent) {
  return has_share(c) && static_cast<long double>(c.exact + c.set) * 100 <
                             static_cast<long double>(floor_percent) * static_cast<long double>(c.run);
}

// The summary table's "ops run" and "checked" cells.
std::string ops_run_cell(const std::optional<NightChecks>& c) {
  if (!c) return "?";
  if (!c->expected) return "–";
  return c->files > 0 ? std::to_string(c->run) : "no file";
}
std::string checked_cell(const std::optional<NightChecks>& c) {
  if (!c) return "?";
  if (!c->expected) return "–";
  return c->files > 0 ? checked_percent(tally_of(*c)) : "no file";
}

bool has_file(const NightFinding& finding, const std::string& extension) {
  const std::string name = std::to_string(finding.number) + extension;
  return std::find(finding.files.begin(), finding.files.end(), name) != finding.files.end();
}

// The reproducer a person reads: the .ops (or .asio) file, without its header.
std::string program_excerpt(const fs::path& dir, const NightFinding& finding, int max_lines) {
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
    return finding.record.target == target && finding.counts() && (finding.is_new || !only_new);
  }));
}

bool conformance_failed(const NightRecord& night) {
  for (const auto& run : night.conformance) {
    if (!run.exit || *run.exit != 0 || !run.status.empty()) return true;
  }
  return false;
}

json make_stats(const NightRecord& night, const std::vector<Finding>& findings, int new_count, int status) {
  const auto& job = night.job;
  json stats;
  stats["schema"] = "closesem-nightly/1";
  stats["date"] = job.date;
  stats["started"] = job.started;
  stats["finished"] = job.finished;
  stats["platform"] = job.platform;
  stats["suite_version"] = job.suite_version;
  stats["engine"] = job.engine;
  if (!job.engine_note.empty()) stats["engine_note"] = job.engine_note;
  put(stats, "budget_seconds", job.budget_seconds);
  put(stats, "fuzz_seconds", job.fuzz_seconds);
  if (job.stopped_early_after_seconds) put(stats, "stopped_early_after_seconds", job.stopped_early_after_seconds);
  put(stats, "jobs", job.jobs);
  put(stats, "cores", job.cores);
  stats["corpus_root"] = job.corpus_root;
  json phases;
  put(phases, "fuzz", job.fuzz_seconds);
  put(phases, "merge", job.merge_seconds);
  put(phases, "findings", job.triage_seconds);
  put(phases, "conformance", job.conformance_seconds);
  stats["phase_seconds"] = phases;
  json targets = json::object();
  for (const auto& t : night.targets) {
    json entry;
    put(entry, "workers", t.workers);
    put(entry, "executions", t.executions);
    put(entry, "executions_per_second", t.executions_per_second);
    if (t.coverage_edges || t.coverage_features) {
      json coverage;
      put(coverage, "edges", t.coverage_edges);
      put(coverage, "features", t.coverage_features);
      entry["coverage"] = coverage;
    } else {
      entry["coverage"] = nullptr;
    }
    put(entry, "seeds", t.seeds);
    if (t.corpus_before) {
      json corpus;
      put(corpus, "before", t.corpus_before);
      put(corpus, "after", t.corpus_after);
      entry["corpus"] = corpus;
    } else {
      entry["corpus"] = nullptr;  // the replay engine keeps none
    }
    put(entry, "new_units", t.new_units);
    put(entry, "new_units_kept", t.new_units_kept);
    if (!t.merge.empty()) entry["merge"] = t.merge;
    put(entry, "crash_inputs", t.crash_inputs);
    put(entry, "crash_inputs_examined", t.inputs_examined);
    put(entry, "slow_inputs", t.slow_units);
    entry["findings"] = count_findings(findings, t.name, false);
    entry["new_findings"] = count_findings(findings, t.name, true);
    // What the model checked: null where unknown (no op model, no counts file, an old record).
    const bool counted = t.checks && t.checks->expected && t.checks->files > 0;
    if (counted) {
      const auto& c = *t.checks;
      entry["ops_run"] = c.run;
      entry["ops_checked"] = c.exact + c.set;
      entry["checked_share"] = c.run > 0 ? json(static_cast<double>(c.exact + c.set) / static_cast<double>(c.run))
                                         : json(nullptr);
      json kinds = json::object(), reasons = json::object();
      for (const auto& [kind, count] : top_of(c.unpredicted_by_kind)) kinds[kind] = count;
      for (const auto& [reason, count] : top_of(c.unpredicted_reasons)) reasons[reason] = count;
      entry["unpredicted_by_kind"] = kinds;
      entry["unpredicted_reasons"] = reasons;
    } else {
      for (const char* key : {"ops_run", "ops_checked", "checked_share", "unpredicted_by_kind", "unpredicted_reasons"})
        entry[key] = nullptr;
    }
    if (t.checks) {
      entry["check_counts_files"] = t.checks->files;
      if (!t.checks->expected) entry["check_counts"] = "none: no op model";
      else if (t.checks->files == 0)
        entry["check_counts"] = t.checks->problems.empty() ? "missing: no counts file"
                                                           : "unreadable: no counts file could be read";
      if (!t.checks->problems.empty()) entry["check_counts_problems"] = t.checks->problems;
      entry["below_checked_floor"] = below_floor(*t.checks, night.job.checked_floor_percent);
    }
    targets[t.name] = entry;
  }
  stats["checked_floor_percent"] = floor_json(night.job.checked_floor_percent);
  stats["targets"] = targets;
  json list = json::array();
  for (const auto& finding : findings) {
    const auto& f = finding.record;
    json entry;
    entry["id"] = finding.id();
    entry["target"] = f.target;
    entry["signature"] = f.signature;
    entry["status"] = f.status;
    entry["new"] = finding.is_new;
    entry["first_seen"] = finding.is_new ? job.date : finding.first_seen;
    if (!finding.regression.empty()) entry["regression"] = finding.regression;
    entry["what"] = f.what;
    put(entry, "inputs", f.inputs);
    entry["original"] = f.original;
    put(entry, "original_size", f.original_size);
    entry["minimised"] = f.minimised;
    entry["files"] = f.files;
    if (!f.reproducer.empty()) entry["reproducer"] = f.reproducer;
    list.push_back(entry);
  }
  stats["findings"] = list;
  json conformance = json::object();
  for (const auto& run : night.conformance) {
    json entry = json::object();
    if (run.exit) entry["exit"] = *run.exit;
    if (!run.report.empty()) entry["report"] = run.report;
    if (!run.status.empty()) entry["status"] = run.status;
    if (!run.summary.empty()) entry["summary"] = run.summary;
    conformance[run.label] = entry;
  }
  if (!night.diff_previous.empty())
    conformance["diff"] = {{"previous", night.diff_previous}, {"result", night.diff_result}};
  if (night.conformance_skipped) conformance["skipped"] = {{"reason", "--no-conformance"}};
  stats["conformance"] = conformance;
  stats["new_findings"] = new_count;
  stats["exit_status"] = status;
  return stats;
}

void write_finding(std::ostream& md, const NightRecord& night, const fs::path& dir, const Finding& finding) {
  const auto& f = finding.record;
  const std::string report_dir = or_else(night.job.report_dir, dir.string());
  const std::string base = report_dir + "/findings/" + f.target + "/" + std::to_string(f.number);
  const bool asio = has_file(f, ".asio");
  // The input itself: the file that is neither the readable twin, the standalone reproducer nor a log (its suffix
  // names its format: .rec, .linger, .handles, .asio, or .bin).
  std::string input = base + ".bin";
  for (const auto& file : f.files) {
    const auto dot = file.rfind('.');
    const std::string suffix = dot == std::string::npos ? "" : file.substr(dot);
    if (suffix != ".ops" && suffix != ".log" && suffix != ".c" && suffix != ".cpp") {
      input = report_dir + "/findings/" + f.target + "/" + file;
      break;
    }
  }
  md << "### " << finding.id()
     << (!finding.counts()  ? " (did not fail again: not counted)"
         : finding.is_new   ? " (new)"
                            : " (seen before, first on " + finding.first_seen + ")")
     << "\n\n";
  md << "Signature: `" << cell(f.signature) << "`\n\n";
  if (!f.what.empty()) md << "> " << cell(f.what) << "\n\n";
  md << "- " << text_of(f.inputs) << " crash input(s) had this signature";
  if (f.status == "confirmed") {
    md << "; the smallest (" << text_of(f.original_size) << " bytes) was " << f.minimised
       << ", and the minimised input failed the same way once more.\n";
  } else if (f.status == "unreproducible") {
    md << "; none of them failed when run again (a race, or state from an earlier input): kept, not counted.\n";
  } else {
    md << "; " << f.status << ".\n";
  }
  if (!finding.regression.empty())
    md << "- A committed regression has the same signature: `" << finding.regression
       << "`. Did a fixed bug come back?\n";
  md << "- Files: ";
  for (std::size_t i = 0; i < f.files.size(); ++i)
    md << (i ? ", " : "") << "`findings/" << f.target << "/" << f.files[i] << "`";
  md << "\n";
  if (f.status != "unreproducible") {
    md << "- Replay: `" << night.job.fuzzers << "/" << f.target << " " << input << "`";
    if (!asio && has_file(f, ".ops"))
      md << ", or step by step: `./closesem ops run " << base << ".ops`";
    md << "\n";
    md << "- Keep it as a regression: `./closesem promote " << input << " --name SHORT-NAME`\n";
  }
  if (has_file(f, ".c") || has_file(f, ".cpp")) {
    const std::string c = std::to_string(f.number);
    if (has_file(f, ".c"))
      md << "- Standalone reproducer (one C file, no closesem code): `findings/" << f.target << "/" << c << ".c`. Build "
         << "and run it: `cc -std=c11 -O1 -pthread " << c << ".c -o " << c << " && ./" << c
         << "` (add `-luring` if it starts io_uring calls); for Windows: `x86_64-w64-mingw32-gcc -std=c11 -O1 " << c
         << ".c -o " << c << ".exe -lws2_32`.";
    else
      md << "- Standalone reproducer (one C++ file that needs only asio's headers): `findings/" << f.target << "/" << c
         << ".cpp`. Build and run it: `c++ -std=c++17 -O1 -pthread " << c << ".cpp -o " << c << " && ./" << c
         << "`; for Windows: `x86_64-w64-mingw32-g++-posix -std=c++17 -O1 -I<asio's include folder> " << c << ".cpp -o "
         << c << ".exe -lws2_32 -lmswsock -static`.";
    if (!f.reproducer.empty()) md << " Run here: " << cell(f.reproducer) << ".";
    md << "\n";
    md << "- What to send upstream, when the platform is at fault (the expectation the reproducer prints cites the "
          "platform's documentation or a behaviour every other platform shares): the C file, its output and this "
          "platform id (`" << cell(night.job.platform) << "`). When the model is at fault (the platform does what its "
          "documentation says), fix `core/src/model/` and promote the input instead.\n";
  }
  const std::string program = program_excerpt(dir / "findings" / f.target, f, 25);
  if (!program.empty()) md << "\n```\n" << program << "```\n";
  md << "\n";
}

// "What the model did not check": per target, its figures, the op kinds most often
// unpredicted and the top reasons (text from the harness, so escaped like a signature).
void write_unchecked(std::ostream& md, const NightRecord& night) {
  md << "## What the model did not check\n\n"
     << "Every op a fuzz target runs is checked against the model of the documented semantics: exactly (one "
        "outcome), as a set (several outcomes, or any success or failure), or not at all (the model does not "
        "predict it, and the op runs unchecked). \"checked\" above is the share of ops checked either way; a target "
        "below "
     << floor_text(night.job.checked_floor_percent) << " (`--checked-floor`) is named at the top.\n\n";
  for (const auto& t : night.targets) {
    if (!t.checks) {
      md << "- " << t.name << ": not counted (this night's record has no counts).\n";
      continue;
    }
    const auto& c = *t.checks;
    if (!c.expected) {
      md << "- " << t.name << ": no op model (it writes no counts).\n";
      continue;
    }
    for (const auto& problem : c.problems) md << "- " << t.name << ": a counts file was not read: `" << code_text(problem) << "`\n";
    if (c.files == 0) {
      if (c.problems.empty())
        md << "- **" << t.name << ": no counts file**: none of its fuzzing processes wrote one (CLOSESEM_CHECK_COUNTS), "
              "so what its model checked is unknown.\n";
      else
        md << "- **" << t.name << ": no counts file that could be read** (above), so what its model checked is "
              "unknown.\n";
      continue;
    }
    if (c.run == 0) {
      md << "- " << t.name << ": no ops (" << c.files << " counts file" << (c.files == 1 ? "" : "s") << ").\n";
      continue;
    }
    md << "- " << (below_floor(c, night.job.checked_floor_percent) ? "**" + t.name + "** (below the floor)" : t.name)
       << ": " << with_commas(c.run) << " ops, " << with_commas(c.exact + c.set) << " checked ("
       << checked_percent(tally_of(c)) << ": " << with_commas(c.exact) << " exactly, " << with_commas(c.set)
       << " as a set), " << with_commas(c.unpredicted) << " not predicted\n";
    const auto kinds = top_of(c.unpredicted_by_kind);
    if (!kinds.empty()) {
      md << "  - op kinds most often unpredicted: ";
      for (std::size_t i = 0; i < kinds.size(); ++i)
        md << (i ? ", " : "") << "`" << code_text(kinds[i].first) << "` " << with_commas(static_cast<long long>(kinds[i].second));
      md << "\n";
    }
    const auto reasons = top_of(c.unpredicted_reasons);
    if (!reasons.empty()) {
      md << "  - top reasons:\n";
      for (const auto& [reason, count] : reasons)
        md << "    - " << with_commas(static_cast<long long>(count)) << " × `" << code_text(reason) << "`\n";
    }
  }
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

void write_summary(std::ostream& md, const NightRecord& night, const fs::path& dir,
                   const std::vector<Finding>& findings, int new_count, int seen_count) {
  const auto& job = night.job;
  const bool skipped = night.conformance_skipped;
  const bool bad = conformance_failed(night);
  const bool libfuzzer = job.engine == "libfuzzer";
  const auto seconds = [](const Count& value) { return clock_text(value.value_or(0)); };
  md << "# closesem nightly " << job.date << ": " << headline(new_count, seen_count, bad, skipped) << "\n\n";
  // What the model checked, where it falls short: first, so that a night whose fuzzers
  // mostly ran unchecked ops does not read as a clean one.
  for (const auto& t : night.targets) {
    if (!t.checks || !t.checks->expected) continue;
    const auto& c = *t.checks;
    if (c.files == 0)
      md << "> " << t.name << ": " << (c.problems.empty() ? "no counts file" : "no counts file that could be read")
         << ", so what its model checked is unknown (not a pass; see \"What the model did not check\").\n\n";
    else if (c.run == 0)
      md << "> " << t.name << ": its counts files show no ops run, so the model checked nothing.\n\n";
    else if (below_floor(c, job.checked_floor_percent))
      md << "> " << t.name << ": the model checked " << checked_percent(tally_of(c)) << " of its ops, below the floor of "
         << floor_text(job.checked_floor_percent) << " (see \"What the model did not check\").\n\n";
  }
  md << "**" << or_else(job.platform, "unknown platform") << "** · " << night.targets.size() << " fuzz targets for "
     << seconds(job.fuzz_seconds) << " with "
     << (libfuzzer ? "libFuzzer (fork mode)" : "the replay engine's random mode") << ", " << text_of(job.jobs)
     << " jobs on " << text_of(job.cores) << " cores · suite " << job.suite_version << "\n\n";
  md << "*The nightly report of closesem, a suite for socket close semantics (close, shutdown, SO_LINGER; "
        "closesocket and WSACleanup on Winsock): fuzz targets run random programs on real loopback sockets and check "
        "every outcome against a model of the documented behaviour; the conformance suite checks the documented "
        "invariants one by one. README.md, section \"Nightly\", explains each part of this page.*\n\n";
  if (!job.engine_note.empty()) md << "> **Note:** " << job.engine_note << "\n\n";
  if (job.stopped_early_after_seconds)
    md << "> **Stopped early** (interrupted) after " << seconds(job.stopped_early_after_seconds)
       << " of the budget of " << seconds(job.budget_seconds) << ".\n\n";

  md << "## Findings\n\n";
  if (findings.empty()) {
    md << "None: no target reported a finding, a sanitizer error, a hang or a crash.\n\n";
  } else {
    md << "| finding | signature | status | crash inputs | first seen |\n|---|---|---|---|---|\n";
    for (const auto& finding : findings)
      md << "| " << finding.id() << " | `" << cell(finding.record.signature) << "` | " << cell(finding.record.status)
         << " | " << text_of(finding.record.inputs) << " | "
         << (!finding.counts() ? "–" : finding.is_new ? "**new**" : finding.first_seen) << " |\n";
    md << "\n";
    for (const auto& finding : findings) write_finding(md, night, dir, finding);
  }

  md << "## Fuzzing\n\n";
  if (libfuzzer) {
    md << "| target | runs | runs/s | coverage (edges / features) | corpus before → after | new units (kept) | "
          "crash inputs | findings | ops run | checked |\n|---|---:|---:|---|---|---|---:|---:|---:|---:|\n";
  } else {
    md << "| target | runs | runs/s | crash inputs | findings | ops run | checked |\n|---|---:|---:|---:|---:|---:|---:|\n";
  }
  for (const auto& t : night.targets) {
    const int found = count_findings(findings, t.name, false);
    md << "| " << t.name << " | " << with_commas(t.executions.value_or(0)) << " | "
       << with_commas(t.executions_per_second.value_or(0)) << " | ";
    if (libfuzzer) {
      md << text_of(t.coverage_edges, "–") << " / " << text_of(t.coverage_features, "–") << " | "
         << text_of(t.corpus_before, "?") << " → " << text_of(t.corpus_after, "?") << " | "
         << text_of(t.new_units, "0");
      if (t.new_units_kept) md << " (" << *t.new_units_kept << ")";
      md << " | ";
    }
    md << text_of(t.crash_inputs, "0") << " | " << found << " | "
       << (t.checks && t.checks->files > 0 ? with_commas(t.checks->run) : ops_run_cell(t.checks)) << " | "
       << checked_cell(t.checks) << " |\n";
  }
  md << "\n";
  if (libfuzzer) {
    md << "Corpora: `" << job.corpus_root << "/TARGET`. New units are merged in and the whole corpus is "
          "minimised (libFuzzer's merge: the fewest inputs with every feature); \"kept\" counts the new units the "
          "minimised corpus kept.\n";
  } else {
    md << "The replay engine runs random inputs: there is no coverage feedback and no corpus to grow.\n";
  }
  for (const auto& t : night.targets) {
    if (t.merge.find("failed") != std::string::npos) md << "- " << t.name << ": " << t.merge << "\n";
    const long long crashes = t.crash_inputs.value_or(0);
    if (t.inputs_examined && *t.inputs_examined < crashes)
      md << "- " << t.name << ": " << *t.inputs_examined << " of " << crashes
         << " crash inputs were run to learn their signatures (at most 100, within a time limit); all are in "
            "`findings/"
         << t.name << "/inputs/`\n";
    if (t.slow_units.value_or(0) > 0)
      md << "- " << t.name << ": " << *t.slow_units << " input(s) ran longer than 10 s (not findings; kept in `findings/"
         << t.name << "/slow/`)\n";
  }
  md << "\n";

  write_unchecked(md, night);

  md << "## Conformance\n\n";
  if (skipped) {
    md << "Skipped (`--no-conformance`).\n\n";
  } else {
    for (const auto& run : night.conformance) {
      md << "- "
         << (run.label == "conformance"        ? "Socket API"
             : run.label == "conformance-asio" ? "asio"
                                               : run.label)
         << ": " << or_else(run.summary, or_else(run.status, "?"));
      if (!run.exit || *run.exit != 0)
        md << " — **exit " << text_of(run.exit, "?") << "**, see `logs/" << run.label << ".log`";
      if (!run.status.empty()) md << " — " << run.status;
      md << " (`" << or_else(run.report, "no report") << "`)\n";
    }
    if (!night.diff_previous.empty()) {
      md << "- Since the report of " << night.diff_previous << ": " << night.diff_result << " (`behaviour-diff.txt`)\n";
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
     << "- Started " << job.started << ", finished " << job.finished << "; fuzzing " << seconds(job.fuzz_seconds)
     << " of a budget of " << seconds(job.budget_seconds) << "\n"
     << "- Time spent: fuzzing " << seconds(job.fuzz_seconds) << ", merging corpora " << seconds(job.merge_seconds)
     << ", findings " << seconds(job.triage_seconds) << ", conformance " << seconds(job.conformance_seconds) << "\n"
     << "- Engine: " << job.engine << "; binaries `" << job.fuzzers << "`; tools `" << job.build << "`\n"
     << "- Platform: " << job.platform << "; suite version " << job.suite_version << "\n";
}

// "FILE:LINE:COLUMN" of a byte offset of a text (1-based).
std::string place(const std::string& file, const std::string& text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

bool parse_checked_floor(const std::string& text, double& percent, std::string& error) {
  std::string digits = text;
  if (!digits.empty() && digits.back() == '%') digits.pop_back();
  bool good = !digits.empty() && digits.size() <= 6 && std::isdigit(static_cast<unsigned char>(digits.front())) &&
              std::isdigit(static_cast<unsigned char>(digits.back()));
  int dots = 0;
  for (const char c : digits) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) good = false;
  }
  if (good && dots <= 1) {
    percent = std::stod(digits);
    if (percent <= 100) return true;
  }
  error = "--checked-floor needs a percentage from 0 to 100 (such as 95 or 97.5), not '" + text + "'";
  return false;
}

NightChecks night_checks(const std::string& dir, const std::string& target, bool expected) {
  NightChecks checks;
  checks.expected = expected;
  if (!expected) return checks;
  const CheckCountsSum sum = sum_check_counts(dir, target);
  checks.files = sum.files;
  checks.inputs = static_cast<long long>(sum.inputs);
  checks.run = static_cast<long long>(sum.total.run);
  checks.exact = static_cast<long long>(sum.total.exact);
  checks.set = static_cast<long long>(sum.total.set);
  checks.unpredicted = static_cast<long long>(sum.total.unpredicted);
  for (const auto& [kind, counts] : sum.by_kind)
    if (counts.unpredicted > 0) checks.unpredicted_by_kind[kind] = static_cast<long long>(counts.unpredicted);
  for (const auto& [reason, count] : sum.unpredicted_reasons)
    checks.unpredicted_reasons[reason] = static_cast<long long>(count);
  // (the folder's own name stays: "counts/fuzz_linger-12.json: ...")
  const std::string parent = fs::path(dir).lexically_normal().parent_path().string() + "/";
  for (auto problem : sum.problems) {
    if (parent.size() > 1 && problem.compare(0, parent.size(), parent) == 0) problem.erase(0, parent.size());
    checks.problems.push_back(problem);
  }
  return checks;
}

int nightly_summary(const NightRecord& night, const NightlySummaryOptions& options, std::ostream& out,
                    std::ostream& err) {
  std::vector<Finding> findings;
  for (const auto& record : night.findings) findings.push_back(Finding{record, true, "", ""});
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_pair(a.record.target, a.record.number) < std::make_pair(b.record.target, b.record.number);
  });
  mark_history(options.history, findings, err);
  mark_regressions(options.corpora, findings);
  // New findings first, in target order.
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.is_new && !b.is_new; });
  int new_count = 0, seen_count = 0;
  for (const auto& finding : findings) {
    if (!finding.counts()) continue;
    (finding.is_new ? new_count : seen_count) += 1;
  }
  const bool conformance_bad = conformance_failed(night);
  const int status = new_count > 0 || conformance_bad ? 1 : 0;

  const fs::path dir(options.dir);
  std::ofstream stats_file(dir / "stats.json");
  stats_file << make_stats(night, findings, new_count, status).dump(2) << "\n";
  stats_file.close();
  std::ofstream summary_file(dir / "summary.md");
  write_summary(summary_file, night, dir, findings, new_count, seen_count);
  summary_file.close();
  if (!stats_file || !summary_file) {
    err << "nightly summary: cannot write stats.json or summary.md in " << options.dir << "\n";
    return 2;
  }
  out << "closesem nightly " << night.job.date << ": "
      << headline(new_count, seen_count, conformance_bad, night.conformance_skipped) << "\n"
      << "  summary: " << or_else(night.job.report_dir, options.dir) << "/summary.md\n";
  return status;
}

int nightly_summary_file(const std::string& night_file, const std::string& dir, const std::string& history_dir,
                         const std::string& corpora, std::ostream& out, std::ostream& err, const std::string& counts,
                         const std::string& checked_floor) {
  double floor_percent = 0;
  std::string floor_error;
  if (!checked_floor.empty() && !parse_checked_floor(checked_floor, floor_percent, floor_error)) {
    err << "nightly summary: " << floor_error << "\n";
    return 2;
  }
  std::ifstream in(night_file, std::ios::binary);
  if (!in) {
    err << "nightly summary: cannot read " << night_file << "\n";
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    err << "nightly summary: " << place(night_file, text, e.byte > 0 ? e.byte - 1 : 0) << ": not JSON ("
        << e.what() << ")\n";
    return 2;
  }
  std::string error;
  auto night = night_from_json(document, error);
  if (!night) {
    err << "nightly summary: " << night_file << ": " << error << " (not a night record)\n";
    return 2;
  }
  if (!checked_floor.empty()) night->job.checked_floor_percent = floor_percent;
  if (!counts.empty()) {
    for (auto& t : night->targets) {
      const FuzzTarget* target = find_fuzz_target(t.name);
      t.checks = night_checks(counts, t.name, target == nullptr || writes_check_counts(*target));
    }
  }
  NightlySummaryOptions options;
  options.dir = dir;
  options.corpora = corpora;
  std::error_code ignored;
  if (!history_dir.empty() && fs::is_directory(history_dir, ignored)) {
    for (const auto& entry : fs::directory_iterator(history_dir)) {
      if (!entry.is_directory() || !fs::exists(entry.path() / "stats.json", ignored)) continue;
      if (fs::equivalent(entry.path(), dir, ignored)) continue;
      options.history.push_back(entry.path().string());
    }
  }
  return nightly_summary(*night, options, out, err);
}

}  // namespace closesem::tool
