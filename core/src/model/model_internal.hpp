// SPDX-License-Identifier: MIT
// Small helpers shared by the model's source files (model.cpp keeps its own copies in
// its anonymous namespace; the files added for issue 17 use these).
#pragma once

#include "closesem/model.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace closesem::model::internal {

// Loopback buffers take at least this much without the peer reading (as model.cpp).
inline constexpr std::uint64_t kSurelyBuffered = 64 * 1024;

inline ops::Outcome value(std::int64_t v) {
  ops::Outcome o;
  o.type = ops::Outcome::Type::value;
  o.value = v;
  return o;
}

inline ops::Outcome fail(Errc errc) {
  ops::Outcome o;
  o.type = ops::Outcome::Type::failure;
  o.errc = errc;
  return o;
}

inline ops::Outcome any_failure() {
  ops::Outcome o;
  o.type = ops::Outcome::Type::fails;
  return o;
}

inline ops::Outcome blocked() {
  ops::Outcome o;
  o.type = ops::Outcome::Type::blocked;
  return o;
}

inline ops::Outcome event_set(const events::EventSet& set) {
  ops::Outcome o;
  o.type = ops::Outcome::Type::events;
  o.set = set;
  return o;
}

inline Prediction said(std::vector<ops::Outcome> admissible, std::string source) {
  Prediction p;
  p.admissible = std::move(admissible);
  p.source = std::move(source);
  return p;
}

inline Prediction from_fact(const Profile& profile, Fact fact) {
  const auto& entry = profile[fact];
  Prediction p = said(entry.outcomes, entry.source);
  if (entry.deviation) p.deviation = entry.reason;
  return p;
}

inline Prediction script_error(std::string* error, const std::string& message) {
  if (error) *error = message;
  return Prediction{};
}

inline bool only_blocked(const std::vector<ops::Outcome>& outcomes) {
  return !outcomes.empty() && std::all_of(outcomes.begin(), outcomes.end(), [](const ops::Outcome& o) {
           return o.type == ops::Outcome::Type::blocked;
         });
}

inline bool only_failures(const std::vector<ops::Outcome>& outcomes) {
  return !outcomes.empty() &&
         std::all_of(outcomes.begin(), outcomes.end(), [](const ops::Outcome& o) { return o.failed(); });
}

inline std::string slot_name(int slot) { return "@" + std::to_string(slot + 1); }

}  // namespace closesem::model::internal
