// SPDX-License-Identifier: MIT
#include "fuzzing/check_counts_file.hpp"

#include "closesem/check_counts.hpp"
#include "fuzzing/files.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>

namespace closesem::tool {

bool add_check_counts(const std::string& text, const std::string& target, CheckCountsSum& sum, std::string& error) {
  // The format has one reader, the runner's (closesem/check_counts.hpp): what it refuses
  // (not JSON, the schema, a field, counts that do not add up) is refused here too.
  runner::CheckCounts one;
  if (!runner::CheckCounts::from_json(text, one, error)) return false;
  if (!target.empty()) {
    // (from_json checked that "target" is a string)
    const auto name = nlohmann::json::parse(text).at("target").get<std::string>();
    if (name != target) {
      error = "target: expected \"" + target + "\", found \"" + name + "\" (another target's file)";
      return false;
    }
  }
  // Whole: only now does it join the sum.
  const auto tally = [](const runner::CheckCounts::Counts& c) { return CheckTally{c.run, c.exact, c.set, c.unpredicted}; };
  sum.files += 1;
  sum.inputs += one.inputs;
  sum.total.add(tally(one.total));
  for (const auto& [kind, counts] : one.by_kind) sum.by_kind[kind].add(tally(counts));
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
    // ("F: not valid JSON: ...", "F: ops_run: expected a count ...")
    if (!add_check_counts(text, target, sum, error))
      sum.problems.push_back(path + ": " + error);
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
