// SPDX-License-Identifier: MIT
#include "fuzzing/check_counts_file.hpp"

#include "fuzzing/files.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>

namespace closesem::tool {
namespace {

using json = nlohmann::json;

constexpr const char* kSchema = "closesem-check-counts/1";

// "LINE:COLUMN" of a byte offset (1-based), for a parse error.
std::string place(const std::string& text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// A whole number >= 0 at `where` (a JSON pointer, for the message).
bool count_at(const json& object, const char* key, const std::string& where, std::uint64_t& out, std::string& error) {
  const auto it = object.find(key);
  if (it == object.end()) {
    error = where + "/" + key + ": missing";
    return false;
  }
  if (!it->is_number_unsigned()) {
    // (nlohmann reads a non-negative integer as unsigned; -1, 1.5 and "3" are not counts)
    error = where + "/" + key + ": expected a whole number, got " + it->dump();
    return false;
  }
  out = it->get<std::uint64_t>();
  return true;
}

// run, exact, set and unpredicted of one object; run must be their sum.
bool tally_at(const json& object, const std::string& where, const char* run, const char* exact, const char* set,
              const char* unpredicted, CheckTally& out, std::string& error) {
  if (!count_at(object, run, where, out.run, error) || !count_at(object, exact, where, out.exact, error) ||
      !count_at(object, set, where, out.set, error) || !count_at(object, unpredicted, where, out.unpredicted, error))
    return false;
  if (out.exact + out.set + out.unpredicted != out.run) {
    error = (where.empty() ? "/" : where) + ": " + run + " is " + std::to_string(out.run) + ", but " + exact + " + " +
            set + " + " + unpredicted + " is " + std::to_string(out.exact + out.set + out.unpredicted);
    return false;
  }
  return true;
}

}  // namespace

bool add_check_counts(const std::string& text, const std::string& target, CheckCountsSum& sum, std::string& error) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    error = place(text, e.byte > 0 ? e.byte - 1 : 0) + ": not JSON (" + e.what() + ")";
    return false;
  }
  if (!document.is_object()) {
    error = std::string("/: expected an object, got ") + document.type_name();
    return false;
  }
  const auto schema = document.find("schema");
  if (schema == document.end() || !schema->is_string() || schema->get<std::string>() != kSchema) {
    error = std::string("/schema: expected \"") + kSchema + "\", got " + (schema == document.end() ? "none" : schema->dump());
    return false;
  }
  const auto name = document.find("target");
  if (name == document.end() || !name->is_string()) {
    error = "/target: expected the target's name, got " + (name == document.end() ? std::string("none") : name->dump());
    return false;
  }
  if (!target.empty() && name->get<std::string>() != target) {
    error = "/target: expected \"" + target + "\", got " + name->dump() + " (another target's file)";
    return false;
  }
  CheckCountsSum one;
  if (!count_at(document, "inputs", "", one.inputs, error) ||
      !tally_at(document, "", "ops_run", "ops_exact", "ops_set", "ops_unpredicted", one.total, error))
    return false;
  const auto by_kind = document.find("by_kind");
  if (by_kind == document.end() || !by_kind->is_object()) {
    error = "/by_kind: expected an object, got " + (by_kind == document.end() ? std::string("none") : by_kind->dump());
    return false;
  }
  for (const auto& [kind, counts] : by_kind->items()) {
    const std::string where = "/by_kind/" + kind;
    if (!counts.is_object()) {
      error = where + ": expected an object, got " + counts.dump();
      return false;
    }
    if (!tally_at(counts, where, "run", "exact", "set", "unpredicted", one.by_kind[kind], error)) return false;
  }
  const auto reasons = document.find("unpredicted_reasons");
  if (reasons == document.end() || !reasons->is_object()) {
    error = "/unpredicted_reasons: expected an object, got " +
            (reasons == document.end() ? std::string("none") : reasons->dump());
    return false;
  }
  for (const auto& [reason, count] : reasons->items()) {
    if (!count.is_number_unsigned()) {
      error = "/unpredicted_reasons/" + reason + ": expected a whole number, got " + count.dump();
      return false;
    }
    one.unpredicted_reasons[reason] += count.get<std::uint64_t>();
  }
  // Whole: only now does it join the sum.
  sum.files += 1;
  sum.inputs += one.inputs;
  sum.total.add(one.total);
  for (const auto& [kind, counts] : one.by_kind) sum.by_kind[kind].add(counts);
  for (const auto& [reason, count] : one.unpredicted_reasons) sum.unpredicted_reasons[reason] += count;
  return true;
}

CheckCountsSum sum_check_counts(const std::string& dir, const std::string& target) {
  namespace fs = std::filesystem;
  CheckCountsSum sum;
  const std::string prefix = target + "-";
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > prefix.size() + 5 && name.compare(0, prefix.size(), prefix) == 0 &&
        name.compare(name.size() - 5, 5, ".json") == 0)
      paths.push_back(it->path().string());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::string text, error;
    if (!files::read(path, text, error)) {
      sum.problems.push_back(error);
      continue;
    }
    // ("F:3:1: not JSON", "F: /ops_run: expected ...")
    if (!add_check_counts(text, target, sum, error))
      sum.problems.push_back(path + (error.rfind('/', 0) == 0 ? ": " : ":") + error);
  }
  return sum;
}

bool writes_check_counts(const FuzzTarget& target) { return target.sockets && !is_asio_text(target); }

std::string checked_percent(const CheckTally& tally) {
  if (tally.run == 0) return "no ops";
  // (checked <= run, so 100 * checked fits unless run is near 2^64 / 100: divide first then)
  const std::uint64_t percent = tally.checked() <= std::numeric_limits<std::uint64_t>::max() / 100 ? 100 * tally.checked() / tally.run
                                                                     : tally.checked() / (tally.run / 100);
  return std::to_string(percent) + "%";
}

std::vector<std::pair<std::string, std::uint64_t>> top_counts(const std::map<std::string, std::uint64_t>& counts,
                                                              std::size_t limit) {
  std::vector<std::pair<std::string, std::uint64_t>> list(counts.begin(), counts.end());
  // (the map is in key order: a stable sort by count keeps ties by key)
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (list.size() > limit) list.resize(limit);
  return list;
}

std::vector<std::pair<std::string, std::uint64_t>> top_unpredicted_kinds(const CheckCountsSum& sum, std::size_t limit) {
  std::map<std::string, std::uint64_t> unpredicted;
  for (const auto& [kind, counts] : sum.by_kind)
    if (counts.unpredicted > 0) unpredicted[kind] = counts.unpredicted;
  return top_counts(unpredicted, limit);
}

}  // namespace closesem::tool
