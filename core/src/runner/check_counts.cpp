// SPDX-License-Identifier: MIT
// How much of a run the oracle checked (closesem/check_counts.hpp): the classification of
// each step, the sums, and the "closesem-check-counts/1" file.
#include "closesem/check_counts.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <limits>
#include <utility>

namespace closesem::runner {
namespace {

using json = nlohmann::json;

enum class Checked { exact, set, unpredicted };

Checked classify(const Step& step) {
  const auto& admissible = step.predicted.admissible;
  if (admissible.empty()) return Checked::unpredicted;
  // `ok` and `fails` admit a whole class of results: a set, however small it looks.
  const auto type = admissible.front().type;
  if (admissible.size() == 1 && type != ops::Outcome::Type::ok && type != ops::Outcome::Type::fails)
    return Checked::exact;
  return Checked::set;
}

void count(CheckCounts::Counts& counts, Checked checked) {
  ++counts.run;
  if (checked == Checked::exact) ++counts.exact;
  if (checked == Checked::set) ++counts.set;
  if (checked == Checked::unpredicted) ++counts.unpredicted;
}

void add_counts(CheckCounts::Counts& to, const CheckCounts::Counts& from) {
  to.run += from.run;
  to.exact += from.exact;
  to.set += from.set;
  to.unpredicted += from.unpredicted;
}

// A new key only while there is room for it and "other" (the cap counts "other" too).
void count_reason(std::map<std::string, std::uint64_t>& reasons, const std::string& key, std::uint64_t n) {
  const auto found = reasons.find(key);
  if (found != reasons.end()) {
    found->second += n;
    return;
  }
  const std::size_t named = reasons.size() - reasons.count(CheckCounts::kOtherReason);
  if (key != CheckCounts::kOtherReason && named + 1 < CheckCounts::kMaxReasons)
    reasons.emplace(key, n);
  else
    reasons[CheckCounts::kOtherReason] += n;
}

// The first `limit` code points of UTF-8 text (a cut never splits a character).
std::string cut(const std::string& text, std::size_t limit) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte
    if (points == limit) return text.substr(0, i);
    ++points;
  }
  return text;
}

json counts_json(const CheckCounts::Counts& counts) {
  return json{{"run", counts.run}, {"exact", counts.exact}, {"set", counts.set}, {"unpredicted", counts.unpredicted}};
}

// Reading: each helper names the field (a JSON path: by_kind.recv.run) it found wrong.
bool read_count(const json& object, const std::string& key, const std::string& where, std::uint64_t& out,
                std::string& error) {
  const auto found = object.find(key);
  if (found == object.end()) {
    error = where + key + ": missing";
    return false;
  }
  if (!found->is_number_unsigned()) {
    error = where + key + ": expected a count (an integer >= 0), found " + found->dump();
    return false;
  }
  out = found->get<std::uint64_t>();
  return true;
}

// a + b, false when it does not fit (a file whose counts would wrap around).
bool sum(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
  out = a + b;
  return true;
}

// exact + set + unpredicted == run, else `error` says what does not add up.
bool adds_up(const CheckCounts::Counts& counts, const std::string& parts_name, const std::string& run_name,
             std::string& error) {
  std::uint64_t parts = 0;
  if (!sum(counts.exact, counts.set, parts) || !sum(parts, counts.unpredicted, parts)) {
    error = parts_name + ": the counts are too large to add up";
    return false;
  }
  if (parts != counts.run) {
    error = parts_name + " is " + std::to_string(counts.exact) + " + " + std::to_string(counts.set) + " + " +
            std::to_string(counts.unpredicted) + " = " + std::to_string(parts) + ", not " + run_name + " " +
            std::to_string(counts.run);
    return false;
  }
  return true;
}

bool read_counts(const json& object, const std::string& where, CheckCounts::Counts& out, std::string& error) {
  if (!object.is_object()) {
    error = where + ": expected an object, found " + object.dump();
    return false;
  }
  const auto prefix = where + ".";
  return read_count(object, "run", prefix, out.run, error) && read_count(object, "exact", prefix, out.exact, error) &&
         read_count(object, "set", prefix, out.set, error) &&
         read_count(object, "unpredicted", prefix, out.unpredicted, error) &&
         adds_up(out, where + ": exact + set + unpredicted", where + ".run", error);
}

}  // namespace

std::string CheckCounts::reason_key(const std::string& kind, const std::string& source) {
  static const std::string prefix = "not predicted: ";
  std::string why = source.compare(0, prefix.size(), prefix) == 0 ? source.substr(prefix.size()) : source;
  std::string normalised;
  for (std::size_t i = 0; i < why.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(why[i])) == 0) {
      normalised += why[i];
    } else if (i == 0 || std::isdigit(static_cast<unsigned char>(why[i - 1])) == 0) {
      normalised += 'N';
    }
  }
  // Endpoint names too (a..h): inside a quoted op ("`e listen` is not modelled") and in
  // "so e is not either", so one reason is one key whatever the endpoints.
  std::string named;
  bool quoted = false;
  for (std::size_t i = 0; i < normalised.size(); ++i) {
    const char c = normalised[i];
    if (c == '`') quoted = !quoted;
    const bool alone = c >= 'a' && c <= 'h' && (i == 0 || !std::isalnum(static_cast<unsigned char>(normalised[i - 1]))) &&
                       (i + 1 == normalised.size() || !std::isalnum(static_cast<unsigned char>(normalised[i + 1])));
    const bool endpoint = alone && (quoted || normalised.compare(i + 1, 15, " is not either") == 0);
    named += endpoint ? 'X' : c;
  }
  return kind + ": " + cut(named, kMaxReasonLength);
}

void CheckCounts::add(const Trace& trace) {
  ++inputs;
  for (const auto& step : trace.steps) {
    const auto checked = classify(step);
    const std::string kind(ops::to_string(step.op.kind));
    count(total, checked);
    count(by_kind[kind], checked);
    if (checked == Checked::unpredicted) count_reason(unpredicted_reasons, reason_key(kind, step.predicted.source), 1);
  }
}

void CheckCounts::add(const CheckCounts& other) {
  inputs += other.inputs;
  add_counts(total, other.total);
  for (const auto& [kind, counts] : other.by_kind) add_counts(by_kind[kind], counts);
  for (const auto& [reason, n] : other.unpredicted_reasons) count_reason(unpredicted_reasons, reason, n);
}

std::string CheckCounts::to_json(const std::string& target) const {
  json document = json::object();
  document["schema"] = kSchema;
  document["target"] = target;
  document["inputs"] = inputs;
  document["ops_run"] = total.run;
  document["ops_exact"] = total.exact;
  document["ops_set"] = total.set;
  document["ops_unpredicted"] = total.unpredicted;
  auto& kinds = document["by_kind"] = json::object();
  for (const auto& [kind, counts] : by_kind) kinds[kind] = counts_json(counts);
  auto& reasons = document["unpredicted_reasons"] = json::object();
  for (const auto& [reason, n] : unpredicted_reasons) reasons[reason] = n;
  // (a model source is ASCII; anything else is replaced, never thrown on mid-fuzzing)
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

bool CheckCounts::from_json(const std::string& text, CheckCounts& out, std::string& error) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& e) {
    error = std::string("not valid JSON: ") + e.what();
    return false;
  }
  if (!document.is_object()) {
    error = "expected a JSON object, found " + std::string(document.type_name());
    return false;
  }
  const auto schema = document.find("schema");
  if (schema == document.end() || !schema->is_string() || schema->get<std::string>() != kSchema) {
    error = "schema: expected \"" + std::string(kSchema) + "\", found " +
            (schema == document.end() ? std::string("none") : schema->dump());
    return false;
  }
  const auto target = document.find("target");
  if (target == document.end() || !target->is_string()) {
    error = "target: expected the fuzz target's name (a string), found " +
            (target == document.end() ? std::string("none") : target->dump());
    return false;
  }
  CheckCounts read;
  if (!read_count(document, "inputs", "", read.inputs, error) ||
      !read_count(document, "ops_run", "", read.total.run, error) ||
      !read_count(document, "ops_exact", "", read.total.exact, error) ||
      !read_count(document, "ops_set", "", read.total.set, error) ||
      !read_count(document, "ops_unpredicted", "", read.total.unpredicted, error) ||
      !adds_up(read.total, "ops_exact + ops_set + ops_unpredicted", "ops_run", error))
    return false;

  const auto kinds = document.find("by_kind");
  if (kinds == document.end() || !kinds->is_object()) {
    error = "by_kind: expected an object (op kind -> counts), found " +
            (kinds == document.end() ? std::string("none") : kinds->dump());
    return false;
  }
  Counts kinds_total;
  for (const auto& [kind, value] : kinds->items()) {
    Counts counts;
    if (!read_counts(value, "by_kind." + kind, counts, error)) return false;
    if (!sum(kinds_total.run, counts.run, kinds_total.run) || !sum(kinds_total.exact, counts.exact, kinds_total.exact) ||
        !sum(kinds_total.set, counts.set, kinds_total.set) ||
        !sum(kinds_total.unpredicted, counts.unpredicted, kinds_total.unpredicted)) {
      error = "by_kind: the counts are too large to add up";
      return false;
    }
    read.by_kind.emplace(kind, counts);
  }
  const std::pair<const char*, std::pair<std::uint64_t, std::uint64_t>> totals[] = {
      {"run", {kinds_total.run, read.total.run}},
      {"exact", {kinds_total.exact, read.total.exact}},
      {"set", {kinds_total.set, read.total.set}},
      {"unpredicted", {kinds_total.unpredicted, read.total.unpredicted}}};
  for (const auto& [name, values] : totals) {
    if (values.first != values.second) {
      error = std::string("by_kind: the ") + name + " counts add up to " + std::to_string(values.first) + ", not ops_" +
              name + " " + std::to_string(values.second);
      return false;
    }
  }

  const auto reasons = document.find("unpredicted_reasons");
  if (reasons == document.end() || !reasons->is_object()) {
    error = "unpredicted_reasons: expected an object (reason -> count), found " +
            (reasons == document.end() ? std::string("none") : reasons->dump());
    return false;
  }
  if (reasons->size() > kMaxReasons) {
    error = "unpredicted_reasons: " + std::to_string(reasons->size()) + " reasons, at most " +
            std::to_string(kMaxReasons);
    return false;
  }
  std::uint64_t reasons_total = 0;
  for (const auto& [reason, value] : reasons->items()) {
    if (!value.is_number_unsigned()) {
      error = "unpredicted_reasons.\"" + reason + "\": expected a count (an integer >= 0), found " + value.dump();
      return false;
    }
    if (!sum(reasons_total, value.get<std::uint64_t>(), reasons_total)) {
      error = "unpredicted_reasons: the counts are too large to add up";
      return false;
    }
    read.unpredicted_reasons.emplace(reason, value.get<std::uint64_t>());
  }
  if (reasons_total != read.total.unpredicted) {
    error = "unpredicted_reasons: the counts add up to " + std::to_string(reasons_total) + ", not ops_unpredicted " +
            std::to_string(read.total.unpredicted);
    return false;
  }
  out = std::move(read);
  return true;
}

std::string CheckCounts::summary() const {
  if (total.run == 0) return "no ops";
  std::string text = std::to_string(total.run) + (total.run == 1 ? " op: " : " ops: ") + std::to_string(total.exact) +
                     " checked exactly, " + std::to_string(total.set) + " as a set, " +
                     std::to_string(total.unpredicted) + " not predicted";
  if (total.unpredicted > 0) {
    std::string kinds;
    for (const auto& [kind, counts] : by_kind) {
      if (counts.unpredicted == 0) continue;
      kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(counts.unpredicted);
    }
    text += " (" + kinds + ")";
  }
  return text;
}

}  // namespace closesem::runner
