// SPDX-License-Identifier: MIT
// `closesem coverage reachable|report`: see coverage.hpp.
#include "coverage.hpp"

#include <closesem/model.hpp>
#include <closesem/platform.hpp>
#include <closesem/semantic.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string hex(std::uint64_t key) {
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << key;
  return out.str();
}

std::string escape_xml(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

bool read_one(const fs::path& path, std::map<std::string, SemanticCoverage>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path.string() + ": cannot open";
    return false;
  }
  json doc;
  try {
    in >> doc;
  } catch (const json::exception& e) {
    error = path.string() + ": not JSON (" + e.what() + ")";
    return false;
  }
  if (!doc.is_object() || doc.value("schema", "") != "closesem-semantic/1") {
    error = path.string() + ": not a semantic coverage file (schema closesem-semantic/1)";
    return false;
  }
  const auto target = doc.value("target", "");
  if (target.empty() || !doc.contains("transitions") || !doc["transitions"].is_array()) {
    error = path.string() + ": no target or no transitions";
    return false;
  }
  auto& entry = out[target];
  entry.target = target;
  entry.profile = doc.value("profile", "");
  ++entry.files;
  std::size_t index = 0;
  for (const auto& value : doc["transitions"]) {
    if (!value.is_string()) {
      error = path.string() + ": transitions[" + std::to_string(index) + "] is not a hex string";
      return false;
    }
    try {
      std::size_t used = 0;
      const std::string text = value.get<std::string>();
      const auto key = std::stoull(text, &used, 16);
      if (used != text.size()) throw std::invalid_argument(text);
      entry.reached.insert(key);
    } catch (const std::exception&) {
      error = path.string() + ": transitions[" + std::to_string(index) + "] is not a hex number";
      return false;
    }
    ++index;
  }
  std::vector<std::pair<double, std::uint64_t>> growth;
  if (doc.contains("growth") && doc["growth"].is_array()) {
    for (const auto& point : doc["growth"]) {
      if (point.is_array() && point.size() == 2 && point[0].is_number() && point[1].is_number_unsigned())
        growth.emplace_back(point[0].get<double>(), point[1].get<std::uint64_t>());
    }
  }
  const double last = growth.empty() ? 0 : growth.back().first;
  const double kept = entry.growth.empty() ? -1 : entry.growth.back().first;
  if (last > kept) entry.growth = std::move(growth);
  return true;
}

// --json FILE: false, said on `err`, when it cannot be written.
bool write_json(const std::string& path, const json& doc, const char* command, std::ostream& err) {
  std::ofstream file(path);
  file << doc.dump(1) << "\n";
  file.close();
  if (file) return true;
  err << "closesem coverage " << command << ": cannot write " << path << "\n";
  return false;
}

}  // namespace

bool read_semantic_coverage(const std::vector<std::string>& paths, std::map<std::string, SemanticCoverage>& out,
                            std::string& error) {
  for (const auto& path : paths) {
    std::error_code code;
    if (fs::is_directory(path, code)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path, code))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& file : files)
        if (!read_one(file, out, error)) return false;
    } else if (fs::is_regular_file(path, code)) {
      if (!read_one(path, out, error)) return false;
    } else {
      error = path + ": no such file or folder";
      return false;
    }
  }
  return true;
}

std::optional<ReachableSet> reachable_for(const std::string& profile_name, int depth, std::size_t max_states,
                                          std::string& error) {
  const auto* profile = model::find_profile(profile_name);
  if (profile == nullptr) {
    std::string names;
    for (const auto& name : model::profile_names()) names += (names.empty() ? "" : ", ") + name;
    error = "no model profile named '" + profile_name + "' (known: " + names + ")";
    return std::nullopt;
  }
  const auto found = semantic::enumerate(*profile, semantic::close_sequences_alphabet(), depth, max_states);
  ReachableSet set;
  set.transitions = found.transitions;
  set.states = found.states;
  set.bounded = found.bounded;
  set.depth = depth;
  return set;
}

std::string growth_svg(const std::string& title, const std::vector<std::pair<double, std::uint64_t>>& growth,
                       std::uint64_t reachable) {
  constexpr double kWidth = 480, kHeight = 160, kLeft = 50, kBottom = 24, kTop = 20;
  const double last_t = growth.empty() ? 1 : std::max(1.0, growth.back().first);
  std::uint64_t top = reachable;
  for (const auto& point : growth) top = std::max(top, point.second);
  if (top == 0) top = 1;
  const auto x = [&](double t) { return kLeft + (kWidth - kLeft - 10) * t / last_t; };
  const auto y = [&](double v) { return kHeight - kBottom - (kHeight - kBottom - kTop) * v / static_cast<double>(top); };
  std::ostringstream svg;
  svg << std::fixed << std::setprecision(1);
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" font-family=\"sans-serif\" font-size=\"10\">\n";
  svg << "<title>" << escape_xml(title) << "</title>\n";
  svg << "<text x=\"" << kLeft << "\" y=\"12\">" << escape_xml(title) << "</text>\n";
  svg << "<line x1=\"" << kLeft << "\" y1=\"" << y(0) << "\" x2=\"" << kWidth - 10 << "\" y2=\"" << y(0)
      << "\" stroke=\"#888\"/>\n<line x1=\"" << kLeft << "\" y1=\"" << y(0) << "\" x2=\"" << kLeft << "\" y2=\""
      << kTop << "\" stroke=\"#888\"/>\n";
  if (reachable > 0)
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << y(static_cast<double>(reachable)) << "\" x2=\"" << kWidth - 10
        << "\" y2=\"" << y(static_cast<double>(reachable)) << "\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>\n"
        << "<text x=\"" << kLeft + 4 << "\" y=\"" << y(static_cast<double>(reachable)) - 3 << "\" fill=\"#c33\">"
        << reachable << " reachable</text>\n";
  svg << "<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"1.5\" points=\"";
  for (const auto& point : growth) svg << x(point.first) << "," << y(static_cast<double>(point.second)) << " ";
  svg << "\"/>\n";
  svg << "<text x=\"2\" y=\"" << y(static_cast<double>(top)) + 4 << "\">" << top << "</text>\n";
  svg << "<text x=\"2\" y=\"" << y(0) << "\">0</text>\n";
  svg << "<text x=\"" << kWidth - 60 << "\" y=\"" << kHeight - 6 << "\">" << std::setprecision(0) << last_t
      << " s</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

int coverage_reachable(const CoverageOptions& options, std::ostream& out, std::ostream& err) {
  const std::string profile =
      options.profile.empty() ? model::native_profile_name(platform::identity()) : options.profile;
  std::string error;
  const auto set = reachable_for(profile, options.depth, options.max_states, error);
  if (!set) {
    err << "closesem coverage reachable: " << error << "\n";
    return 2;
  }
  out << "closesem coverage reachable: " << set->transitions.size() << " transitions (profile " << profile
      << ", programs of up to " << options.depth << " ops of fuzz_close_sequences' alphabet, " << set->states
      << " abstract states" << (set->bounded ? ", stopped at --max-states" : "") << ")\n";
  if (!options.json.empty()) {
    json doc;
    doc["schema"] = "closesem-reachable/1";
    doc["profile"] = profile;
    doc["depth"] = options.depth;
    doc["states"] = set->states;
    doc["bounded"] = set->bounded;
    json list = json::array();
    for (const auto key : set->transitions) list.push_back({{"key", hex(key)}, {"what", semantic::describe(key)}});
    doc["transitions"] = list;
    if (!write_json(options.json, doc, "reachable", err)) return 2;
  }
  return 0;
}

int coverage_report(const CoverageOptions& options, std::ostream& out, std::ostream& err) {
  std::map<std::string, SemanticCoverage> targets;
  std::string error;
  if (!read_semantic_coverage(options.files, targets, error)) {
    err << "closesem coverage report: " << error << "\n";
    return 2;
  }
  if (targets.empty()) {
    err << "closesem coverage report: no semantic coverage files in " << options.files.front()
        << (options.files.size() > 1 ? " and the rest" : "") << " (written by the fuzz targets under "
        << "CLOSESEM_SEMANTIC_COVERAGE=PATH)\n";
    return 2;
  }
  json doc;
  doc["schema"] = "closesem-coverage-report/1";
  std::map<std::string, ReachableSet> by_profile;
  for (const auto& [name, t] : targets) {
    const std::string profile = !options.profile.empty() ? options.profile : t.profile;
    if (by_profile.count(profile) == 0) {
      auto set = reachable_for(profile, options.depth, options.max_states, error);
      if (!set) {
        err << "closesem coverage report: " << name << ": " << error << "\n";
        return 2;
      }
      by_profile[profile] = std::move(*set);
    }
    const auto& reachable = by_profile[profile].transitions;
    std::size_t inside = 0;
    for (const auto key : t.reached) inside += reachable.count(key);
    const std::size_t share = reachable.empty() ? 0 : inside * 100 / reachable.size();
    out << name << " (profile " << profile << ", " << t.files << " file(s)): " << t.reached.size()
        << " transitions reached, " << inside << " of the " << reachable.size() << " reachable (" << share
        << "%), " << (t.reached.size() - inside) << " outside the model's search\n";
    if (!t.growth.empty()) {
      out << "  growth:";
      const std::size_t step = std::max<std::size_t>(1, t.growth.size() / 8);
      for (std::size_t i = 0; i < t.growth.size(); i += step)
        out << " " << static_cast<long long>(t.growth[i].first) << " s " << t.growth[i].second << ";";
      out << " " << static_cast<long long>(t.growth.back().first) << " s " << t.growth.back().second << "\n";
    }
    std::vector<std::string> unreached;
    for (const auto key : reachable)
      if (t.reached.count(key) == 0) unreached.push_back(semantic::describe(key));
    std::sort(unreached.begin(), unreached.end());
    if (!unreached.empty()) {
      out << "  not reached (" << unreached.size() << "; the first " << std::min<std::size_t>(unreached.size(), options.unreached) << "):\n";
      for (std::size_t i = 0; i < unreached.size() && static_cast<int>(i) < options.unreached; ++i)
        out << "    " << unreached[i] << "\n";
    }
    json entry;
    entry["profile"] = profile;
    entry["files"] = t.files;
    entry["reached"] = t.reached.size();
    entry["reachable"] = reachable.size();
    entry["reached_of_reachable"] = inside;
    entry["share_percent"] = share;
    entry["outside"] = t.reached.size() - inside;
    entry["search_depth"] = options.depth;
    entry["search_bounded"] = by_profile[profile].bounded;
    entry["growth"] = t.growth;
    entry["not_reached"] = unreached;
    doc["targets"][name] = entry;
  }
  if (!options.json.empty()) {
    if (!write_json(options.json, doc, "report", err)) return 2;
  }
  return 0;
}

}  // namespace closesem::tool
