// SPDX-License-Identifier: MIT
// `closesem coverage`: semantic coverage (issue 21) of the fuzz targets. `reachable` lists
// the model transitions the model says a program can go through (closesem/semantic.hpp,
// enumerate); `report` reads the files the targets write (CLOSESEM_SEMANTIC_COVERAGE) and
// says, per target, how many transitions they reached of the reachable ones, how that
// grew, and which reachable ones no input reached.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace closesem::tool {

struct CoverageOptions {
  std::string profile;           // "" : the files' (report) or this platform's (reachable)
  int depth = 5;                 // program length of the model's search
  std::size_t max_states = 300000;
  std::vector<std::string> files;  // report: coverage files, or folders of them
  int unreached = 30;            // report: how many unreached transitions to list
  std::string json;              // write the result as JSON here
};

// One target's semantic coverage, from its processes' files.
struct SemanticCoverage {
  std::string target, profile;
  std::set<std::uint64_t> reached;
  std::vector<std::pair<double, std::uint64_t>> growth;  // the longest-running process's
  int files = 0;
};

// Reads coverage files (a folder: its *.json files that are coverage files), merged per
// target. False with `error` ("FILE: what") on a file that is not one.
bool read_semantic_coverage(const std::vector<std::string>& paths, std::map<std::string, SemanticCoverage>& out,
                            std::string& error);

// The reachable transitions for a profile, computed once per (profile, depth, max_states).
struct ReachableSet {
  std::set<std::uint64_t> transitions;
  std::size_t states = 0;
  bool bounded = false;
  int depth = 0;
};
std::optional<ReachableSet> reachable_for(const std::string& profile, int depth, std::size_t max_states,
                                          std::string& error);

// A small SVG line plot of transitions over seconds (escaped title), for reports.
std::string growth_svg(const std::string& title, const std::vector<std::pair<double, std::uint64_t>>& growth,
                       std::uint64_t reachable);

int coverage_reachable(const CoverageOptions& options, std::ostream& out, std::ostream& err);
int coverage_report(const CoverageOptions& options, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
