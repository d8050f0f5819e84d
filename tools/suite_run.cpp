// SPDX-License-Identifier: MIT
#include "suite_run.hpp"

#include "fuzzing/target_run.hpp"
#include "nightly_util.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace closesem::tool {
namespace fs = std::filesystem;

namespace {

struct Suite {
  const char* label;   // native, asio, wine, wine-asio
  bool wine;           // through the mingw build's wine-run
  const char* binary;  // under <build>/conformance/
  const char* suffix;  // of the report's name
};

// In the order they run and are listed.
constexpr Suite kSuites[] = {
    {"native", false, "closesem_conformance", ""},
    {"asio", false, "closesem_conformance_asio", "-asio"},
    {"wine", true, "closesem_conformance.exe", ""},
    {"wine-asio", true, "closesem_conformance_asio.exe", "-asio"},
};

// Two runs at once never write the same temporary report.
std::string unique_suffix() {
  std::random_device random;
  std::ostringstream text;
  text << std::hex << random() << random();
  return text.str();
}

// A suite runs for minutes; one that runs for hours hangs.
constexpr std::chrono::seconds kSuiteLimit{2 * 3600};

std::string shown(const fs::path& path) { return tool::shown(path.string(), fs::current_path().string()); }

std::string last_lines(const std::string& text, int count) {
  auto pos = text.size();
  while (count-- > 0 && pos > 0) {
    const auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return pos == 0 ? text : text.substr(pos + 1);
}

// Runs one suite; its report goes where the header says. True when it passed.
bool run_suite(const Suite& suite, const SuiteRunOptions& options, std::vector<fs::path>& reports, std::ostream& out,
               std::ostream& err) {
  const fs::path build = suite.wine ? options.wine_build : options.native_build;
  const fs::path binary = build / "conformance" / suite.binary;
  const fs::path log = fs::path(options.logs) / (std::string("run-") + suite.label + ".log");
  const fs::path tmp = fs::path(options.reports) / ("." + std::string(suite.label) + "-" +
                                                    unique_suffix() + ".json");
  RunSpec spec;
  if (suite.wine) spec.argv.push_back((build / "wine-run").string());
  spec.argv.push_back(binary.string());
  spec.log_path = log.string();
  spec.limit = kSuiteLimit;
  spec.env.emplace_back("CLOSESEM_REPORT", tmp.string());
  // A Windows program under Wine answers more slowly: its bounded waits get more time.
  const char* multiplier = std::getenv("CLOSESEM_TIMEOUT_MULTIPLIER");
  if (suite.wine && (multiplier == nullptr || *multiplier == '\0'))
    spec.env.emplace_back("CLOSESEM_TIMEOUT_MULTIPLIER", "3");
  const auto result = run_bounded(spec);
  if (!result.started) {
    err << "closesem: " << suite.label << ": cannot start " << binary.string() << ": " << result.error << "\n";
    return false;
  }
  std::error_code ec;
  if (!fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0) {
    err << last_lines(result.log, 30);
    err << "closesem: " << suite.label << ": the suite wrote no report ("
        << (result.timed_out ? "stopped after " + std::to_string(kSuiteLimit.count()) + " s"
                             : "exit " + std::to_string(result.status))
        << "); see " << shown(log) << "\n";
    return false;
  }
  nlohmann::json report;
  {
    std::ifstream in(tmp);
    try {
      in >> report;
    } catch (const nlohmann::json::exception& e) {
      err << "closesem: " << suite.label << ": " << shown(tmp) << ": not a behaviour report: " << e.what() << "\n";
      return false;
    }
  }
  const std::string id = report.value("platform", std::string(suite.label));
  const bool passed = result.status == 0;
  fs::path path = fs::path(options.reports) / (report_file_name(id) + suite.suffix + ".json");
  fs::path failed = path;
  failed.replace_extension();
  failed += ".failed.json";
  auto xml_of = [](fs::path p) { return p.replace_extension(".xml"); };
  if (!passed && fs::exists(path, ec)) {
    err << "closesem: " << suite.label << ": the run failed (exit " << result.status << "): keeping " << shown(path)
        << "; this run's report is " << shown(failed) << "\n";
    path = failed;
  } else if (passed) {
    fs::remove(failed, ec);
    fs::remove(xml_of(failed), ec);
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    err << "closesem: " << suite.label << ": cannot move the report to " << shown(path) << ": " << ec.message() << "\n";
    return false;
  }
  if (fs::exists(xml_of(tmp), ec)) fs::rename(xml_of(tmp), xml_of(path), ec);
  reports.push_back(path);
  std::string summary = "no summary";
  if (report.contains("summary") && report["summary"].is_object()) {
    const auto& s = report["summary"];
    const auto count = [&s](const char* key) { return std::to_string(s.value(key, 0)); };
    summary = count("pass") + " pass, " + count("known") + " known, " + count("fail") + " fail, " +
              count("unexpected_pass") + " unexpected pass, " + count("skipped") + " skipped";
  }
  out << "  " << std::left << std::setw(10) << suite.label << id << "\n          " << summary << "; report: " << shown(path) << "\n";
  out.flush();
  return passed;
}

}  // namespace

std::string report_file_name(const std::string& platform_id) {
  std::string name;
  for (const char c : platform_id) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
    if (keep) {
      name += c;
    } else if (name.empty() || name.back() != '_') {
      name += '_';
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name.empty() ? "unknown" : name;
}

int suite_run(const SuiteRunOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  for (const auto& dir : {options.reports, options.logs}) {
    fs::create_directories(dir, ec);
    if (ec) {
      err << "closesem: cannot make the folder " << dir << ": " << ec.message() << "\n";
      return 2;
    }
  }
  out << "Behaviour reports (the socket API, then asio on it)\n";
  bool all_passed = true;
  std::vector<fs::path> reports;
  for (const auto& suite : kSuites) {
    if (suite.wine && options.wine_build.empty()) continue;
    all_passed = run_suite(suite, options, reports, out, err) && all_passed;
  }
  if (options.wine_build.empty()) out << "  wine      skipped (--no-wine)\n";
  if (!all_passed) err << "closesem: some checks failed: the reports name them (verdict \"fail\")\n";
  if (reports.size() == 4) {
    out << "Compare them: ./closesem report diff " << shown(reports[0]) << " " << shown(reports[2]) << "\n"
        << "              ./closesem report diff " << shown(reports[1]) << " " << shown(reports[3]) << "\n";
  }
  return all_passed ? 0 : 1;
}

}  // namespace closesem::tool
