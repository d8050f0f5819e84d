// SPDX-License-Identifier: MIT
// Known deviations: where a platform does something other than what the suite expects
// (the documented Winsock contract, or Linux for POSIX), each written once under a short
// stable ID with its reason and where it was measured. The one home is
// conformance/expectations/deviations.json, compiled into this table at build time
// (core/src/model/deviations_table.cmake), so nothing reads the source tree at run time
// (the fuzz targets use the model too). The expectation files name a deviation by its
// ID per test and operation; the model's deviation profiles (wine-8) name it per fact.
#pragma once

#include <string>
#include <vector>

namespace closesem {

struct KnownDeviation {
  std::string id;                      // "wine8-recv-after-reset-reads-0"
  std::vector<std::string> platforms;  // globs over platform ids, as the expectation files write them: "wine-8.*"
  std::string reason;                  // why, once
  std::string source;                  // where it was measured (platform version, test) or documented
  std::string link;                    // optional: the upstream code or page
  std::string fixed_in;                // optional: the version said to fix it, and whether that was measured
  // Optional: where it was measured when no expectation entry names it (a fuzz target
  // and its seed, a skip of the suite). Required then: the unit test admits no silent gap.
  std::string measured_by;
};

// Every known deviation, in the order of deviations.json.
const std::vector<KnownDeviation>& known_deviations();

// The deviation with this ID, or nullptr.
const KnownDeviation* find_known_deviation(const std::string& id);

}  // namespace closesem
