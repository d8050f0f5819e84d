// SPDX-License-Identifier: MIT
#include "closesem_testing/expectations.hpp"

#include "closesem/deviations.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

namespace closesem::testing {
namespace {

struct Loaded {
  std::mutex mutex;
  std::vector<Deviation> deviations;
  std::set<std::size_t> used;
};

Loaded& loaded() {
  static Loaded instance;
  return instance;
}

std::vector<std::string> split_alternatives(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto bar = text.find('|', start);
    auto piece = text.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    piece.erase(0, piece.find_first_not_of(' '));
    piece.erase(piece.find_last_not_of(' ') + 1);
    if (!piece.empty()) out.push_back(piece);
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

std::string required_string(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string() || found->get<std::string>().empty())
    throw std::runtime_error(where + ": \"" + key + "\" is missing or not a non-empty string");
  return found->get<std::string>();
}

}  // namespace

std::string outcome_token(const platform::CallResult& outcome) {
  if (outcome.ok()) return "ret=" + std::to_string(outcome.ret);
  return std::string(to_string(outcome.errc));
}

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string describe_deviation(const Deviation& deviation) {
  return deviation.reason + (deviation.note.empty() ? "" : " " + deviation.note) + " (" + deviation.file + ")";
}

bool read_expectations(const std::string& dir, std::vector<Deviation>& out, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    error = dir + ": no such expectations folder";
    return false;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json" && entry.path().filename().string() != kDeviationTableFile)
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  std::vector<Deviation> read;
  for (const auto& path : files) {
    const auto name = path.filename().string();
    try {
      std::ifstream in(path, std::ios::binary);
      const auto document = nlohmann::json::parse(in);
      if (!document.is_object()) throw std::runtime_error(name + ": the top level must be an object");
      const auto pattern = required_string(document, "platform", name);
      const auto list = document.find("deviations");
      if (list == document.end() || !list->is_array())
        throw std::runtime_error(name + ": \"deviations\" is missing or not an array");
      for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& item = (*list)[i];
        const auto where = name + ": deviations[" + std::to_string(i) + "]";
        if (!item.is_object()) throw std::runtime_error(where + ": not an object");
        static const std::set<std::string> kKeys = {"test", "operation", "observed", "deviation", "note",
                                                    "intermittent"};
        for (const auto& member : item.items()) {
          if (member.key() == "reason" || member.key() == "link")
            throw std::runtime_error(where + ": \"" + member.key() + "\" belongs in " + kDeviationTableFile +
                                     ", once, under the deviation's id; name it here with \"deviation\"");
          if (kKeys.count(member.key()) == 0)
            throw std::runtime_error(where + ": unknown key \"" + member.key() + "\"");
        }
        Deviation d;
        d.file = name;
        d.platform = pattern;
        d.test = required_string(item, "test", where);
        d.operation = required_string(item, "operation", where);
        d.observed = split_alternatives(required_string(item, "observed", where));
        d.id = required_string(item, "deviation", where);
        const auto* known = find_known_deviation(d.id);
        if (known == nullptr)
          throw std::runtime_error(where + ": deviation \"" + d.id + "\" is not in " + kDeviationTableFile);
        if (std::find(known->platforms.begin(), known->platforms.end(), pattern) == known->platforms.end())
          throw std::runtime_error(where + ": deviation \"" + d.id + "\" is not listed for platform \"" + pattern +
                                   "\" in " + kDeviationTableFile);
        d.reason = known->reason;
        d.link = known->link;
        if (item.contains("note")) d.note = required_string(item, "note", where);
        if (item.contains("intermittent")) {
          if (!item["intermittent"].is_boolean())
            throw std::runtime_error(where + ": \"intermittent\" must be true or false");
          d.intermittent = item["intermittent"].get<bool>();
        }
        read.push_back(std::move(d));
      }
    } catch (const nlohmann::json::exception& e) {
      error = name + ": " + e.what();
      return false;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
  }
  out = std::move(read);
  return true;
}

bool load_expectations(const std::string& dir, const std::string& platform_id, std::string& error) {
  std::vector<Deviation> all;
  if (!read_expectations(dir, all, error)) return false;
  std::vector<Deviation> kept;
  for (auto& d : all)
    if (glob_match(d.platform, platform_id)) kept.push_back(std::move(d));
  auto& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  l.deviations = std::move(kept);
  l.used.clear();
  return true;
}

const Deviation* find_deviation(const std::string& test, const std::string& operation) {
  auto& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  for (std::size_t i = 0; i < l.deviations.size(); ++i) {
    if (l.deviations[i].test == test && l.deviations[i].operation == operation) {
      l.used.insert(i);
      return &l.deviations[i];
    }
  }
  return nullptr;
}

std::vector<Deviation> replace_deviations(std::vector<Deviation> deviations) {
  auto& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  std::swap(l.deviations, deviations);
  l.used.clear();
  return deviations;
}

std::vector<Deviation> unused_deviations() {
  auto& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  std::vector<Deviation> out;
  for (std::size_t i = 0; i < l.deviations.size(); ++i)
    if (l.used.count(i) == 0) out.push_back(l.deviations[i]);
  return out;
}

}  // namespace closesem::testing
