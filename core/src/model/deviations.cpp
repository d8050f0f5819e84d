// SPDX-License-Identifier: MIT
// Lookup in the known-deviation table (generated from conformance/expectations/deviations.json).
#include "closesem/deviations.hpp"

namespace closesem {

const KnownDeviation* find_known_deviation(const std::string& id) {
  for (const auto& deviation : known_deviations())
    if (deviation.id == id) return &deviation;
  return nullptr;
}

}  // namespace closesem
