// SPDX-License-Identifier: MIT
// Findings as records: JSON in and out (nlohmann-json), and the one place that reads a
// run's output for what a sanitizer or libFuzzer reported (no record is possible there:
// the process is dying). The patterns are those tools/fuzz_lib.sh's signature_in used.
#include "fuzzing/finding.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

namespace closesem::tool {

nlohmann::json to_json(const Finding& finding) {
  return nlohmann::json{{"target", finding.target},   {"kind", finding.kind},         {"signature", finding.signature},
                        {"what", finding.what},       {"platform", finding.platform}, {"profile", finding.profile},
                        {"program", finding.program}, {"step", finding.step}};
}

std::optional<Finding> finding_from_json(const nlohmann::json& json, std::string& error) {
  if (!json.is_object()) {
    error = "a finding record is a JSON object, got " + std::string(json.type_name());
    return std::nullopt;
  }
  Finding finding;
  const auto text = [&](const char* key, std::string& out, bool required) {
    const auto it = json.find(key);
    if (it == json.end()) {
      if (required) error = std::string("the finding record has no \"") + key + "\"";
      return !required;
    }
    if (!it->is_string()) {
      error = std::string("the finding record's \"") + key + "\" is a " + it->type_name() + ", expected a string";
      return false;
    }
    out = it->get<std::string>();
    return true;
  };
  if (!text("target", finding.target, true) || !text("signature", finding.signature, true) ||
      !text("kind", finding.kind, false) || !text("what", finding.what, false) ||
      !text("platform", finding.platform, false) || !text("profile", finding.profile, false) ||
      !text("program", finding.program, false))
    return std::nullopt;
  if (finding.signature.empty()) {
    error = "the finding record's \"signature\" is empty";
    return std::nullopt;
  }
  if (finding.kind.empty()) finding.kind = kind_of_signature(finding.signature);
  if (const auto it = json.find("step"); it != json.end()) {
    if (!it->is_number_integer()) {
      error = std::string("the finding record's \"step\" is a ") + it->type_name() + ", expected an integer";
      return std::nullopt;
    }
    finding.step = it->get<int>();
  }
  return finding;
}

std::optional<Finding> read_finding_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open the finding record " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded()) {
    error = path + ": not JSON (a finding record was expected)";
    return std::nullopt;
  }
  auto finding = finding_from_json(json, error);
  if (!finding) error = path + ": " + error;
  return finding;
}

bool write_finding_file(const Finding& finding, const std::string& path, std::string& error) {
  const std::string text = to_json(finding).dump(2) + "\n";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    error = "cannot write the finding record " + path + ": " + std::strerror(errno);
    return false;
  }
  bool good = std::fwrite(text.data(), 1, text.size(), file) == text.size() && std::fflush(file) == 0;
  if (std::fclose(file) != 0) good = false;
  if (!good) error = "cannot write the finding record " + path + ": " + std::strerror(errno);
  return good;
}

std::string kind_of_signature(const std::string& signature) {
  const std::string head = signature.substr(0, signature.find('/'));
  if (head.size() > 9 && head.compare(head.size() - 9, 9, "Sanitizer") == 0) return "sanitizer";
  if (head == "libFuzzer") return "libfuzzer";
  return head;
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // (Windows programs' lines)
    lines.push_back(line);
  }
  return lines;
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

// The program a socket target printed after its finding, up to the engine's own lines
// (the replay engine's "replay:", libFuzzer's "==PID=="), or a blank line.
std::string program_after(const std::vector<std::string>& lines, std::size_t from) {
  static const std::regex engine_line("^==[0-9]+==");
  std::string program;
  bool on = false;
  for (std::size_t i = from; i < lines.size(); ++i) {
    const auto& line = lines[i];
    if (on) {
      if (line.empty() || starts_with(line, "replay: ") || std::regex_search(line, engine_line)) break;
      program += line + "\n";
    } else if (starts_with(line, "--- the program as it ran")) {
      on = true;
    }
  }
  return program;
}

}  // namespace

std::optional<Finding> finding_from_log(const std::string& target, const std::string& log_text) {
  const auto lines = lines_of(log_text);
  Finding finding;
  finding.target = target;
  // The target's own report: "closesem finding: TARGET: what" then "closesem signature: S".
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!starts_with(lines[i], "closesem signature: ")) continue;
    finding.signature = lines[i].substr(20);
    for (std::size_t j = i; j-- > 0;) {
      if (!starts_with(lines[j], "closesem finding: ")) continue;
      finding.what = lines[j].substr(18);
      if (starts_with(finding.what, target + ": ")) finding.what = finding.what.substr(target.size() + 2);
      break;
    }
    static const std::regex platform_line("^platform (.*), model profile (.*)$");
    for (std::size_t j = i + 1; j < lines.size() && j < i + 3; ++j) {
      std::smatch m;
      if (std::regex_match(lines[j], m, platform_line)) {
        finding.platform = m[1];
        finding.profile = m[2];
      }
    }
    finding.program = program_after(lines, i);
    finding.kind = kind_of_signature(finding.signature);
    return finding;
  }
  // A sanitizer's SUMMARY: the kind and, where there is one, the place (file:line, no path).
  static const std::regex summary_at(
      R"(^SUMMARY: ([A-Za-z]+Sanitizer): ([^ ]+) ([^ ]*/)?([^ /]+:[0-9]+)(:[0-9]+)? .*)");
  static const std::regex summary(R"(^SUMMARY: ([A-Za-z]+Sanitizer): ([a-z-]+).*)");
  // (first any line with a place, then any without: a later SUMMARY with a place wins)
  for (const bool with_place : {true, false}) {
    for (const auto& line : lines) {
      std::smatch m;
      if (with_place && std::regex_match(line, m, summary_at)) {
        finding.signature = m[1].str() + "/" + m[2].str() + " at " + m[4].str();
      } else if (!with_place && std::regex_match(line, m, summary)) {
        finding.signature = m[1].str() + "/" + m[2].str();
      } else {
        continue;
      }
      finding.kind = "sanitizer";
      finding.what = line.substr(9);
      return finding;
    }
  }
  // A sanitizer's ERROR line where its SUMMARY names no kind (LeakSanitizer: "SUMMARY:
  // AddressSanitizer: 64 byte(s) leaked ..."): "LeakSanitizer/detected-memory-leaks".
  // (tools/fuzz_lib.sh saw no finding there at all.)
  static const std::regex sanitizer_error(R"(^==[0-9]+==ERROR: ([A-Za-z]+Sanitizer): ([a-z -]*[a-z]).*)");
  for (const auto& line : lines) {
    std::smatch m;
    if (!std::regex_match(line, m, sanitizer_error)) continue;
    std::string what = m[2];
    for (auto& c : what)
      if (c == ' ') c = '-';
    finding.signature = m[1].str() + "/" + what;
    finding.kind = "sanitizer";
    finding.what = line.substr(line.find("ERROR: "));
    return finding;
  }
  // libFuzzer's own: "==PID== ERROR: libFuzzer: deadly signal" -> libFuzzer/deadly-signal.
  static const std::regex libfuzzer(R"(^==[0-9]+== ERROR: libFuzzer: ([a-z -]+[a-z]).*)");
  for (const auto& line : lines) {
    std::smatch m;
    if (!std::regex_match(line, m, libfuzzer)) continue;
    std::string what = m[1];
    for (auto& c : what)
      if (c == ' ') c = '-';
    finding.signature = "libFuzzer/" + what;
    finding.kind = "libfuzzer";
    finding.what = line.substr(line.find("ERROR: "));
    return finding;
  }
  return std::nullopt;
}

}  // namespace closesem::tool
