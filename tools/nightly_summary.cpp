// SPDX-License-Identifier: MIT
#include "nightly_summary.hpp"
#include "fuzzing/coverage.hpp"

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

// A target of the record, or one of its rows (a lane's: "lane" instead of "name").
json semantic_json(const NightSemantic& m) {
  json semantic;
  semantic["profile"] = m.profile;
  semantic["reached"] = m.reached;
  semantic["reachable"] = m.reachable;
  semantic["reached_of_reachable"] = m.reached_of_reachable;
  semantic["share_percent"] = m.share();
  semantic["search_depth"] = m.depth;
  json growth = json::array();
  for (const auto& [seconds, count] : m.growth) growth.push_back(json::array({seconds, count}));
  semantic["growth"] = growth;
  semantic["not_reached_count"] = m.not_reached_count;
  semantic["not_reached"] = m.not_reached;
  return semantic;
}

json target_json(const NightTarget& t) {
  json entry;
  if (t.lane.empty()) entry["name"] = t.name;
  else entry["lane"] = t.lane;
  if (!t.lane.empty()) put(entry, "seconds", t.seconds);
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
  if (t.semantic) entry["semantic"] = semantic_json(*t.semantic);
  if (!t.lanes.empty()) {
    json rows = json::array();
    for (const auto& row : t.lanes) rows.push_back(target_json(row));
    entry["lanes"] = rows;
  }
  return entry;
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
  if (!j.sanitizers_option.empty()) job["sanitizers"] = j.sanitizers_option;
  if (j.wine_share) job["wine_share"] = *j.wine_share;
  if (!j.notes.empty()) job["notes"] = j.notes;
  json lanes = json::array();
  for (const auto& l : night.lanes) {
    json entry;
    entry["label"] = l.label;
    entry["engine"] = l.engine;
    entry["sanitizers"] = l.sanitizers;
    entry["platform"] = l.platform;
    if (!l.profile.empty()) entry["profile"] = l.profile;
    entry["build"] = l.build;
    entry["fuzzers"] = l.fuzzers;
    put(entry, "seconds", l.seconds);
    put(entry, "fuzz_seconds", l.fuzz_seconds);
    lanes.push_back(entry);
  }
  json targets = json::array();
  for (const auto& t : night.targets) targets.push_back(target_json(t));
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
    if (!f.lane.empty()) entry["lane"] = f.lane;
    if (!f.lanes.empty()) entry["lanes"] = f.lanes;
    if (!f.wine_check.empty()) entry["wine_check"] = f.wine_check;
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
  if (!night.lanes.empty()) record["lanes"] = lanes;
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
    job.text("sanitizers", j.sanitizers_option);
    double share = -1;
    job.real("wine_share", share);
    if (share >= 0) j.wine_share = share;
    job.texts("notes", j.notes);
    if (!job.done()) return std::nullopt;
  } else if (top.ok()) {
    error = "/job: missing";
    return std::nullopt;
  }
  top.objects("lanes", [&](const nlohmann::json& value, const std::string& where) {
    NightLane l;
    ObjectReader r(value, where, error);
    r.text("label", l.label, true);
    r.text("engine", l.engine, true);
    r.text("sanitizers", l.sanitizers);
    r.text("platform", l.platform, true);
    r.text("profile", l.profile);
    r.text("build", l.build);
    r.text("fuzzers", l.fuzzers);
    r.count("seconds", l.seconds);
    r.count("fuzz_seconds", l.fuzz_seconds);
    night.lanes.push_back(l);
    return r.done();
  });
  // A target, or (`row`) one of its rows.
  std::function<bool(const nlohmann::json&, const std::string&, NightTarget&, bool)> read_target =
      [&](const nlohmann::json& value, const std::string& where, NightTarget& t, bool row) {
    ObjectReader r(value, where, error);
    if (row) {
      r.text("lane", t.lane, true);
      r.count("seconds", t.seconds);
    } else {
      r.text("name", t.name, true);
    }
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
    if (const auto* semantic_json = r.object("semantic"); semantic_json != nullptr && r.ok()) {
      NightSemantic m;
      ObjectReader k(*semantic_json, where + "/semantic", error);
      Count reached, reachable, inside, depth, not_reached_count, share;
      k.text("profile", m.profile);
      k.count("reached", reached, true);
      k.count("reachable", reachable, true);
      k.count("reached_of_reachable", inside, true);
      k.count("share_percent", share);
      k.count("search_depth", depth);
      k.count("not_reached_count", not_reached_count);
      k.texts("not_reached", m.not_reached);
      if (semantic_json->contains("growth") && (*semantic_json)["growth"].is_array()) {
        for (const auto& point : (*semantic_json)["growth"])
          if (point.is_array() && point.size() == 2 && point[0].is_number() && point[1].is_number())
            m.growth.emplace_back(point[0].get<double>(), point[1].get<long long>());
      }
      (void)k.object("growth");  // (read above: pairs of numbers)
      if (!k.done()) return false;
      m.reached = reached.value_or(0);
      m.reachable = reachable.value_or(0);
      m.reached_of_reachable = inside.value_or(0);
      m.depth = static_cast<int>(depth.value_or(0));
      m.not_reached_count = not_reached_count.value_or(0);
      t.semantic = m;
    }
    if (!row) {
      r.objects("lanes", [&](const nlohmann::json& lane_value, const std::string& lane_where) {
        NightTarget lane_row;
        lane_row.name = t.name;
        const bool good = read_target(lane_value, lane_where, lane_row, true);
        t.lanes.push_back(lane_row);
        return good;
      });
    }
    return r.done();
  };
  top.objects("targets", [&](const nlohmann::json& value, const std::string& where) {
    NightTarget t;
    const bool good = read_target(value, where, t, false);
    night.targets.push_back(t);
    return good;
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
    r.text("lane", f.lane);
    r.texts("lanes", f.lanes);
    r.text("wine_check", f.wine_check);
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
  // Rows and findings name lanes of the record.
  const auto known = [&](const std::string& label) {
    return std::any_of(night.lanes.begin(), night.lanes.end(), [&](const NightLane& l) { return l.label == label; });
  };
  for (std::size_t i = 0; i < night.targets.size(); ++i) {
    for (std::size_t k = 0; k < night.targets[i].lanes.size(); ++k) {
      if (!known(night.targets[i].lanes[k].lane)) {
        error = "/targets/" + std::to_string(i) + "/lanes/" + std::to_string(k) + "/lane: \"" +
                night.targets[i].lanes[k].lane + "\" is not a lane of /lanes";
        return std::nullopt;
      }
    }
  }
  for (std::size_t i = 0; i < night.findings.size(); ++i) {
    std::vector<std::string> named = night.findings[i].lanes;
    if (!night.findings[i].lane.empty()) named.push_back(night.findings[i].lane);
    for (const auto& label : named) {
      if (!known(label)) {
        error = "/findings/" + std::to_string(i) + ": the lane \"" + label + "\" is not a lane of /lanes";
        return std::nullopt;
      }
    }
  }
  return night;
}

namespace {

// A finding as the summary sees it: the record's, and what the history and the corpora
// say about it.
struct Finding {
  NightFinding record;
  std::string platform = "native";  // its lane's: a Winsock finding is not the native one
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
        // (an entry without a platform is from before the lanes: native)
        const std::string platform = old.contains("platform") && old["platform"].is_string()
                                         ? old["platform"].get<std::string>()
                                         : std::string("native");
        if (finding.is_new && old.value("target", "") == finding.record.target &&
            old.value("signature", "") == finding.record.signature && platform == finding.platform) {
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

// The findings of a target that count (all, or only the new ones; of one lane: those whose
// inputs it had).
int count_findings(const std::vector<Finding>& findings, const std::string& target, bool only_new,
                   const std::string& lane = "") {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(), [&](const Finding& finding) {
    const auto& lanes = finding.record.lanes;
    return finding.record.target == target && finding.counts() && (finding.is_new || !only_new) &&
           (lane.empty() || std::find(lanes.begin(), lanes.end(), lane) != lanes.end());
  }));
}

const NightLane* lane_named(const NightRecord& night, const std::string& label) {
  for (const auto& lane : night.lanes)
    if (lane.label == label) return &lane;
  return nullptr;
}

// "libFuzzer (fork mode), no sanitizers, native" and the like.
std::string engine_text(const std::string& engine) {
  return engine == "libfuzzer" ? "libFuzzer (fork mode)" : engine == "replay" ? "replay engine (random mode)" : engine;
}
std::string sanitizers_text(const std::string& sanitizers) {
  if (sanitizers.empty()) return "sanitizers unknown";
  if (sanitizers == "none") return "no sanitizers";
  if (sanitizers == "asan+ubsan") return "ASan+UBSan";
  if (sanitizers == "asan") return "ASan";
  if (sanitizers == "ubsan") return "UBSan";
  return sanitizers;
}
std::string platform_text(const std::string& platform) {
  return platform == "wine" ? "the Windows build under Wine" : platform == "native" ? "native" : platform;
}
std::string lane_text(const NightLane& lane) {
  return engine_text(lane.engine) + ", " + sanitizers_text(lane.sanitizers) + ", " + platform_text(lane.platform);
}

bool conformance_failed(const NightRecord& night) {
  for (const auto& run : night.conformance) {
    if (!run.exit || *run.exit != 0 || !run.status.empty()) return true;
  }
  return false;
}

// The figures of a target or of one of its rows, as stats.json has them.
json figures_json(const NightRecord& night, const NightTarget& t, int findings, int new_findings) {
  json entry;
  if (t.semantic) entry["semantic"] = semantic_json(*t.semantic);
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
  entry["findings"] = findings;
  entry["new_findings"] = new_findings;
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
  return entry;
}

json lane_json(const NightLane& l) {
  json entry;
  entry["label"] = l.label;
  entry["engine"] = l.engine;
  entry["sanitizers"] = l.sanitizers.empty() ? json(nullptr) : json(l.sanitizers);
  entry["platform"] = l.platform;
  if (!l.profile.empty()) entry["profile"] = l.profile;
  return entry;
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
  if (!job.sanitizers_option.empty()) stats["sanitizers"] = job.sanitizers_option;
  if (job.wine_share) stats["wine_share"] = *job.wine_share;
  if (!job.notes.empty()) stats["notes"] = job.notes;
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
  // The lanes, in the order they ran; every row names its lane.
  json lanes = json::array();
  for (const auto& l : night.lanes) {
    json entry = lane_json(l);
    entry["build"] = l.build;
    entry["fuzzers"] = l.fuzzers;
    put(entry, "seconds", l.seconds);
    put(entry, "fuzz_seconds", l.fuzz_seconds);
    lanes.push_back(entry);
  }
  stats["lanes"] = lanes;
  // Per target, the night's figures (summed over its lanes) ...
  json targets = json::object();
  for (const auto& t : night.targets)
    targets[t.name] = figures_json(night, t, count_findings(findings, t.name, false), count_findings(findings, t.name, true));
  stats["checked_floor_percent"] = floor_json(night.job.checked_floor_percent);
  stats["targets"] = targets;
  // ... and one row per target and lane.
  json rows = json::array();
  for (const auto& t : night.targets) {
    for (const auto& row : t.lanes) {
      json entry;
      entry["target"] = t.name;
      entry["lane"] = row.lane;
      if (const NightLane* l = lane_named(night, row.lane)) {
        const json described = lane_json(*l);
        for (const char* key : {"engine", "sanitizers", "platform"}) entry[key] = described[key];
      }
      put(entry, "seconds", row.seconds);
      entry.update(figures_json(night, row, count_findings(findings, t.name, false, row.lane),
                                count_findings(findings, t.name, true, row.lane)));
      rows.push_back(entry);
    }
  }
  stats["rows"] = rows;
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
    // Which build found it: the lane whose input was minimised, every lane that had it.
    entry["lane"] = f.lane;
    entry["lanes"] = f.lanes;
    if (const NightLane* l = lane_named(night, f.lane)) {
      const json described = lane_json(*l);
      for (const char* key : {"engine", "sanitizers", "platform"}) entry[key] = described[key];
    }
    if (!f.wine_check.empty()) entry["wine_check"] = f.wine_check;
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
  // Which build found it: a sanitizer's report only comes from the sanitized lane, a
  // Winsock finding only from the Windows build under Wine.
  const NightLane* lane = lane_named(night, f.lane);
  const bool wine = lane != nullptr && lane->platform == "wine";
  if (lane != nullptr) {
    md << "- Found by the lane **" << lane->label << "** (" << lane_text(*lane) << "; binaries `" << cell(lane->fuzzers)
       << "`)";
    std::vector<std::string> others;
    for (const auto& other : f.lanes)
      if (other != f.lane) others.push_back(other);
    for (std::size_t i = 0; i < others.size(); ++i) md << (i ? ", " : "; also by ") << others[i];
    md << (f.status == "confirmed" ? "; minimised and confirmed with its binaries" : "") << ".\n";
  }
  if (f.status != "unreproducible") {
    if (wine) {
      md << "- Replay under Wine: `" << lane->build << "/wine-run " << lane->fuzzers << "/" << f.target << ".exe "
         << input << "`";
      // (the options the lane's check ran with: the profile it judged by, the target's skipped ops)
      const std::string run_options = (lane->profile.empty() ? "" : "--profile " + lane->profile + " ") +
                                      (asio ? "" : "--skip-invalid ");
      if (has_file(f, ".ops") && !asio)  // (asio programs: the Windows build's asio run, below)
        md << ", or step by step: `./closesem ops --wine run " << run_options << base << ".ops`";
      md << "\n";
      if (!f.wine_check.empty())
        md << "- The Windows build's own `" << (asio ? "asio run" : "ops run") << "` under Wine (`" << lane->build
           << "/wine-run " << lane->build << "/tools/" << (asio ? "closesem_asio_tool.exe asio run " : "closesem_tool.exe ops run ")
           << run_options << base << (asio ? ".asio" : ".ops") << "`): " << cell(f.wine_check) << "\n";
      md << "- Keep it as a regression: copy `" << base << (asio ? ".asio" : ".ops") << "` to `corpora/" << f.target
         << "/regressions/SHORT-NAME" << (asio ? ".asio" : ".ops")
         << "` (`./closesem promote` minimises with the native build; this finding is the Windows build's)\n";
    } else {
      md << "- Replay: `" << (lane != nullptr ? lane->fuzzers : night.job.fuzzers) << "/" << f.target << " " << input
         << "`";
      if (!asio && has_file(f, ".ops"))
        md << ", or step by step: `./closesem ops run " << base << ".ops`";
      md << "\n";
      md << "- Keep it as a regression: `./closesem promote " << input << " --name SHORT-NAME`\n";
    }
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
          "platform's documentation or a behaviour every other platform shares): the C file, its output and the "
       << (wine ? "platform id on the `platform` line of `findings/" + f.target + "/" + c + ".log` (Wine's version and "
                  "its host)"
                : "platform id (`" + cell(night.job.platform) + "`)")
       << ". When the model is at fault (the platform does what its "
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
  const bool several = night.lanes.size() > 1;
  for (const auto& t : night.targets) {
    for (const auto& row : t.lanes) {
    const std::string name = several ? t.name + " (" + row.lane + ")" : t.name;
      if (!row.checks) {
        md << "- " << name << ": not counted (this night's record has no counts).\n";
        continue;
      }
      const auto& c = *row.checks;
      if (!c.expected) {
        md << "- " << name << ": no op model (it writes no counts).\n";
        continue;
      }
      for (const auto& problem : c.problems) md << "- " << name << ": a counts file was not read: `" << code_text(problem) << "`\n";
      if (c.files == 0) {
        if (c.problems.empty())
          md << "- **" << name << ": no counts file**: none of its fuzzing processes wrote one (CLOSESEM_CHECK_COUNTS), "
                "so what its model checked is unknown.\n";
        else
          md << "- **" << name << ": no counts file that could be read** (above), so what its model checked is "
                "unknown.\n";
        continue;
      }
      if (c.run == 0) {
        md << "- " << name << ": no ops (" << c.files << " counts file" << (c.files == 1 ? "" : "s") << ").\n";
        continue;
      }
      md << "- " << (below_floor(c, night.job.checked_floor_percent) ? "**" + name + "** (below the floor)" : name)
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

// Earlier nights' semantic coverage share per target (date, percent), oldest first.
using SemanticHistory = std::map<std::string, std::vector<std::pair<std::string, int>>>;

SemanticHistory semantic_history(std::vector<std::string> history) {
  SemanticHistory shares;
  std::sort(history.begin(), history.end());
  for (const auto& report : history) {
    std::ifstream in(fs::path(report) / "stats.json");
    json stats;
    try {
      in >> stats;
    } catch (const json::exception&) {
      continue;  // (an unreadable report is named by mark_history)
    }
    if (!stats.is_object() || !stats.contains("targets") || !stats["targets"].is_object()) continue;
    const std::string date = stats.value("date", fs::path(report).filename().string());
    for (const auto& [name, t] : stats["targets"].items()) {
      if (!t.is_object() || !t.contains("semantic") || !t["semantic"].is_object()) continue;
      const auto& m = t["semantic"];
      if (!m.contains("share_percent") || !m["share_percent"].is_number_integer()) continue;
      shares[name].emplace_back(date, m["share_percent"].get<int>());
    }
  }
  return shares;
}

void write_semantic(std::ostream& md, const NightRecord& night, const SemanticHistory& history) {
  bool any = false;
  for (const auto& t : night.targets) any = any || t.semantic.has_value();
  if (!any) return;
  int depth = 0;
  for (const auto& t : night.targets)
    if (t.semantic) depth = t.semantic->depth;
  md << "## Semantic coverage\n\n"
     << "Model transitions (the abstract state an op acted on, the op's class, the outcome's class) the fuzzers went "
        "through, against those the model's search finds reachable with programs of up to "
     << depth << " ops (`./closesem coverage reachable --depth " << depth << "`; README, \"Semantic coverage\"). "
        "Transitions the search does not reach (longer programs) count as reached, not as reachable.\n\n";
  md << "| target, lane | transitions reached | of the reachable | share | earlier nights |\n|---|---:|---:|---:|---|\n";
  for (const auto& t : night.targets) {
    if (!t.semantic) continue;
    const auto& m = *t.semantic;
    std::string earlier = "–";
    if (const auto it = history.find(t.name); it != history.end() && !it->second.empty()) {
      earlier.clear();
      const auto& points = it->second;
      for (std::size_t k = points.size() > 5 ? points.size() - 5 : 0; k < points.size(); ++k)
        earlier += (earlier.empty() ? "" : ", ") + points[k].first + ": " + std::to_string(points[k].second) + "%";
    }
    // (the first cell names target and lane together: the other tables' rows start with the target alone)
    md << "| " << t.name << ", all lanes | " << m.reached << " | " << m.reached_of_reachable << " of " << m.reachable
       << " | " << m.share() << "% | " << cell(earlier) << " |\n";
    int rows = 0;
    for (const auto& row : t.lanes) rows += row.semantic ? 1 : 0;
    for (const auto& row : t.lanes)
      if (row.semantic && rows > 1)
        md << "| " << t.name << ", " << row.lane << " | " << row.semantic->reached << " | "
           << row.semantic->reached_of_reachable << " of " << row.semantic->reachable << " | " << row.semantic->share()
           << "% | |\n";
  }
  md << "\n";
  for (const auto& t : night.targets) {
    if (!t.semantic) continue;
    const auto& m = *t.semantic;
    if (!m.growth.empty())
      md << "![" << t.name << ": model transitions reached over the night](semantic-" << t.name << ".svg)\n\n";
    if (m.not_reached_count > 0) {
      md << "- " << t.name << ": " << m.not_reached_count << " reachable transition(s) not reached";
      const std::size_t shown = std::min<std::size_t>(m.not_reached.size(), 20);
      md << (shown > 0 ? " (the first " + std::to_string(shown) + "; all in stats.json, at most 200):" : ".") << "\n";
      for (std::size_t k = 0; k < shown; ++k) md << "  - `" << cell(m.not_reached[k]) << "`\n";
      md << "\n";
    }
  }
  md << "\n";
}

void write_summary(std::ostream& md, const NightRecord& night, const fs::path& dir,
                   const std::vector<Finding>& findings, int new_count, int seen_count,
                   const SemanticHistory& semantic = {}) {
  const auto& job = night.job;
  const bool skipped = night.conformance_skipped;
  const bool bad = conformance_failed(night);
  bool libfuzzer = false;  // a libFuzzer lane: the table has its columns
  for (const auto& lane : night.lanes) libfuzzer = libfuzzer || lane.engine == "libfuzzer";
  const bool several = night.lanes.size() > 1;
  // A row as the page names it: the target, and its lane when there are several.
  const auto row_name = [&](const NightTarget& t, const NightTarget& row) {
    return several ? t.name + " (" + row.lane + ")" : t.name;
  };
  const auto seconds = [](const Count& value) { return clock_text(value.value_or(0)); };
  md << "# closesem nightly " << job.date << ": " << headline(new_count, seen_count, bad, skipped) << "\n\n";
  // What the model checked, where it falls short: first, so that a night whose fuzzers
  // mostly ran unchecked ops does not read as a clean one.
  for (const auto& t : night.targets) {
    for (const auto& row : t.lanes) {
      if (!row.checks || !row.checks->expected) continue;
      const auto& c = *row.checks;
      const std::string name = row_name(t, row);
      if (c.files == 0)
        md << "> " << name << ": " << (c.problems.empty() ? "no counts file" : "no counts file that could be read")
           << ", so what its model checked is unknown (not a pass; see \"What the model did not check\").\n\n";
      else if (c.run == 0)
        md << "> " << name << ": its counts files show no ops run, so the model checked nothing.\n\n";
      else if (below_floor(c, job.checked_floor_percent))
        md << "> " << name << ": the model checked " << checked_percent(tally_of(c)) << " of its ops, below the floor of "
           << floor_text(job.checked_floor_percent) << " (see \"What the model did not check\").\n\n";
    }
  }
  md << "**" << or_else(job.platform, "unknown platform") << "** · " << night.targets.size() << " fuzz targets for "
     << seconds(job.fuzz_seconds);
  if (!several) {
    md << " with "
       << (night.lanes.front().engine == "libfuzzer" ? "libFuzzer (fork mode)" : "the replay engine's random mode");
  } else {
    md << " in " << night.lanes.size() << " lanes: ";
    for (std::size_t i = 0; i < night.lanes.size(); ++i) {
      const auto& lane = night.lanes[i];
      md << (i == 0 ? "" : i + 1 == night.lanes.size() ? " and " : ", ")
         << (lane.platform == "wine" ? "the Windows build's " : "")
         << (lane.engine == "libfuzzer" ? "libFuzzer" : "replay engine")
         << (lane.sanitizers == "none"  ? " without sanitizers"
             : lane.sanitizers.empty() ? ""
                                       : " with " + sanitizers_text(lane.sanitizers))
         << (lane.platform == "wine" ? " under Wine" : "") << " (" << seconds(lane.fuzz_seconds) << ")";
    }
  }
  md << ", " << text_of(job.jobs) << " jobs on " << text_of(job.cores) << " cores · suite " << job.suite_version
     << "\n\n";
  md << "*The nightly report of closesem, a suite for socket close semantics (close, shutdown, SO_LINGER; "
        "closesocket and WSACleanup on Winsock): fuzz targets run random programs on real loopback sockets and check "
        "every outcome against a model of the documented behaviour; the conformance suite checks the documented "
        "invariants one by one. README.md, section \"Nightly\", explains each part of this page.*\n\n";
  if (!job.engine_note.empty()) md << "> **Note:** " << job.engine_note << "\n\n";
  for (const auto& note : job.notes) md << "> **Note:** " << note << "\n\n";
  if (job.stopped_early_after_seconds)
    md << "> **Stopped early** (interrupted) after " << seconds(job.stopped_early_after_seconds)
       << " of the budget of " << seconds(job.budget_seconds) << ".\n\n";

  md << "## Findings\n\n";
  if (findings.empty()) {
    md << "None: no target reported a finding, a sanitizer error, a hang or a crash.\n\n";
  } else {
    md << "| finding | signature | status | crash inputs | first seen | found by |\n|---|---|---|---|---|---|\n";
    for (const auto& finding : findings) {
      md << "| " << finding.id() << " | `" << cell(finding.record.signature) << "` | " << cell(finding.record.status)
         << " | " << text_of(finding.record.inputs) << " | "
         << (!finding.counts() ? "–" : finding.is_new ? "**new**" : finding.first_seen) << " | ";
      for (std::size_t i = 0; i < finding.record.lanes.size(); ++i)
        md << (i ? ", " : "") << (finding.record.lanes[i] == finding.record.lane ? "**" + finding.record.lanes[i] + "**"
                                                                                : finding.record.lanes[i]);
      md << " |\n";
    }
    md << "\n";
    for (const auto& finding : findings) write_finding(md, night, dir, finding);
  }

  md << "## Fuzzing\n\n";
  // The lanes: which build fuzzed when (they run one after another, each with every job).
  md << "| lane | engine | sanitizers | platform | fuzzed | binaries |\n|---|---|---|---|---:|---|\n";
  for (const auto& lane : night.lanes) {
    md << "| " << lane.label << " | " << engine_text(lane.engine) << " | " << sanitizers_text(lane.sanitizers) << " | "
       << platform_text(lane.platform) << (lane.profile.empty() ? "" : ", judged by the model profile " + lane.profile)
       << " | "
       << (lane.fuzz_seconds.value_or(0) > 0 ? seconds(lane.fuzz_seconds) + " of " + seconds(lane.seconds)
                                             : "not run (of " + seconds(lane.seconds) + ")")
       << " | `" << cell(lane.fuzzers) << "` |\n";
  }
  md << "\n";
  if (libfuzzer) {
    md << "| target | lane | runs | runs/s | coverage (edges / features) | corpus before → after | new units (kept) | "
          "crash inputs | findings | ops run | checked |\n|---|---|---:|---:|---|---|---|---:|---:|---:|---:|\n";
  } else {
    md << "| target | lane | runs | runs/s | crash inputs | findings | ops run | checked |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|\n";
  }
  for (const auto& t : night.targets) {
    for (const auto& row : t.lanes) {
      const NightLane* lane = lane_named(night, row.lane);
      const int found = count_findings(findings, t.name, false, row.lane);
      md << "| " << t.name << " | " << row.lane << " | " << with_commas(row.executions.value_or(0)) << " | "
         << with_commas(row.executions_per_second.value_or(0)) << " | ";
      if (libfuzzer && lane != nullptr && lane->engine == "libfuzzer") {
        md << text_of(row.coverage_edges, "–") << " / " << text_of(row.coverage_features, "–") << " | "
           << text_of(row.corpus_before, "?") << " → " << text_of(row.corpus_after, "?") << " | "
           << text_of(row.new_units, "0");
        if (row.new_units_kept) md << " (" << *row.new_units_kept << ")";
        md << " | ";
      } else if (libfuzzer) {
        md << "– | – | – | ";
      }
      md << text_of(row.crash_inputs, "0") << " | " << found << " | "
         << (row.checks && row.checks->files > 0 ? with_commas(row.checks->run) : ops_run_cell(row.checks)) << " | "
         << checked_cell(row.checks) << " |\n";
    }
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
    if (libfuzzer && t.corpus_before && t.corpus_after && (several || t.merge == "ok"))
      md << "- " << t.name << ": the corpus went from " << *t.corpus_before << " to " << *t.corpus_after
         << " units; the merge kept " << text_of(t.new_units_kept, "?") << " of the night's "
         << text_of(t.new_units, "0") << " new units\n";
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

  write_semantic(md, night, semantic);
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
        "- **New** means no earlier nightly report in this folder had the signature (for the same target, on the "
        "same platform: natively or under Wine); the exit status is 1 when there is a new finding (unreproducible "
        "ones do not count) or the conformance suite failed.\n"
        "- The night runs in **lanes**, one after another: most of the budget without sanitizers (the speed of the "
        "kernel), a share with ASan+UBSan (a sanitizer's report guards the suite's own harness, and only that lane "
        "shows it), and a share of the Windows build under Wine (Winsock as Wine implements it). Each finding names "
        "the lane whose build found it, minimised and confirmed it; the table has a row per target and lane.\n"
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
     << "- Engine: " << job.engine << "; binaries `" << job.fuzzers << "`; tools `" << job.build << "`\n";
  if (!job.sanitizers_option.empty() || job.wine_share) {
    md << "- Lanes:";
    if (!job.sanitizers_option.empty()) md << " `--sanitizers " << job.sanitizers_option << "`";
    if (job.wine_share) md << " `--wine-share " << *job.wine_share << "`";
    md << "; " << night.lanes.size() << " lane" << (night.lanes.size() == 1 ? "" : "s") << " (see \"Fuzzing\")\n";
  }
  md
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

// A record from before the lanes, as one lane: the job's engine, its binaries, natively,
// for the budget (its sanitizers unknown); every target its one row; every finding that
// lane's.
NightRecord with_lanes(NightRecord night) {
  if (night.lanes.empty()) {
    NightLane lane;
    lane.label = or_else(night.job.engine, "fuzzing");
    lane.engine = night.job.engine;
    lane.platform = "native";
    lane.build = night.job.build;
    lane.fuzzers = night.job.fuzzers;
    lane.seconds = night.job.budget_seconds;
    lane.fuzz_seconds = night.job.fuzz_seconds;
    night.lanes.push_back(lane);
  }
  for (auto& t : night.targets) {
    if (!t.lanes.empty()) continue;
    NightTarget row = t;
    row.lane = night.lanes.front().label;
    row.seconds = night.lanes.front().fuzz_seconds;
    t.lanes.push_back(row);
  }
  for (auto& f : night.findings) {
    if (f.lane.empty()) f.lane = night.lanes.front().label;
    if (f.lanes.empty()) f.lanes.push_back(f.lane);
  }
  return night;
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

void sum_lanes(NightTarget& target, long long fuzz_seconds) {
  if (target.lanes.empty()) return;
  const auto add = [](Count& total, const Count& value) {
    if (value) total = total.value_or(0) + *value;
  };
  target.executions = target.crash_inputs = target.inputs_examined = target.slow_units = std::nullopt;
  target.coverage_edges = target.coverage_features = std::nullopt;
  target.checks = std::nullopt;
  Count new_units, first_corpus;
  for (const auto& row : target.lanes) {
    add(target.executions, row.executions);
    add(target.crash_inputs, row.crash_inputs);
    add(target.inputs_examined, row.inputs_examined);
    add(target.slow_units, row.slow_units);
    add(new_units, row.new_units);
    if (row.coverage_edges && (!target.coverage_edges || *row.coverage_edges > *target.coverage_edges))
      target.coverage_edges = row.coverage_edges;
    if (row.coverage_features && (!target.coverage_features || *row.coverage_features > *target.coverage_features))
      target.coverage_features = row.coverage_features;
    if (!first_corpus && row.corpus_before) first_corpus = row.corpus_before;
    if (!target.seeds && row.seeds) target.seeds = row.seeds;
    if (!target.workers || (row.workers && *row.workers > *target.workers)) target.workers = row.workers;
    if (row.checks) {
      if (!target.checks) {
        target.checks = row.checks;
        continue;
      }
      auto& c = *target.checks;
      const auto& r = *row.checks;
      c.expected = c.expected || r.expected;
      c.files += r.files;
      c.inputs += r.inputs;
      c.run += r.run;
      c.exact += r.exact;
      c.set += r.set;
      c.unpredicted += r.unpredicted;
      for (const auto& [key, value] : r.unpredicted_by_kind) c.unpredicted_by_kind[key] += value;
      for (const auto& [key, value] : r.unpredicted_reasons) c.unpredicted_reasons[key] += value;
      c.problems.insert(c.problems.end(), r.problems.begin(), r.problems.end());
    }
  }
  if (new_units) target.new_units = new_units;
  if (first_corpus) target.corpus_before = first_corpus;
  target.executions_per_second =
      target.executions ? Count(*target.executions / std::max<long long>(fuzz_seconds, 1)) : std::nullopt;
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

int nightly_summary(const NightRecord& record, const NightlySummaryOptions& options, std::ostream& out,
                    std::ostream& err) {
  const NightRecord night = with_lanes(record);
  std::vector<Finding> findings;
  for (const auto& finding : night.findings) {
    const NightLane* lane = lane_named(night, finding.lane);
    findings.push_back(Finding{finding, lane != nullptr ? lane->platform : "native", true, "", ""});
  }
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
  // Each target's growth of semantic coverage over the night, as a small SVG plot beside the page.
  bool plots_written = true;
  for (const auto& t : night.targets) {
    if (!t.semantic || t.semantic->growth.empty()) continue;
    std::vector<std::pair<double, std::uint64_t>> growth;
    for (const auto& [seconds, count] : t.semantic->growth)
      growth.emplace_back(seconds, static_cast<std::uint64_t>(std::max<long long>(count, 0)));
    std::ofstream plot(dir / ("semantic-" + t.name + ".svg"));
    plot << growth_svg(t.name + ": model transitions reached", growth,
                       static_cast<std::uint64_t>(std::max<long long>(t.semantic->reachable, 0)));
    plot.close();
    plots_written = plots_written && static_cast<bool>(plot);
  }
  std::ofstream summary_file(dir / "summary.md");
  write_summary(summary_file, night, dir, findings, new_count, seen_count, semantic_history(options.history));
  summary_file.close();
  if (!plots_written) {
    err << "nightly summary: cannot write the semantic coverage plots in " << options.dir << "\n";
    return 2;
  }
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
    // (a night of lanes: each lane's counts in a folder of its own, COUNTS/LANE, as the job keeps them)
    for (auto& t : night->targets) {
      const FuzzTarget* target = find_fuzz_target(t.name);
      const bool expected = target == nullptr || writes_check_counts(*target);
      if (t.lanes.empty()) {
        t.checks = night_checks(counts, t.name, expected);
        continue;
      }
      for (auto& row : t.lanes) {
        const fs::path lane_dir = fs::path(counts) / row.lane;
        std::error_code ignored;
        row.checks = night_checks(fs::is_directory(lane_dir, ignored) ? lane_dir.string() : counts, t.name, expected);
      }
      NightTarget sum = t;
      sum_lanes(sum, night->job.fuzz_seconds.value_or(1));
      t.checks = sum.checks;
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
