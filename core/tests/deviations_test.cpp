// SPDX-License-Identifier: MIT
// The known deviations, each once (conformance/expectations/deviations.json): every ID
// the model's profiles use has a measured counterpart (an expectation entry that names
// it, or the table's explicit measured_by), every ID the expectation files use is in the
// table for their platform, every ID in the table is used, and no two IDs share a
// reason. The checks are run on the real table, files and model, and on small broken
// inputs, to show that each kind of gap is found.
#include "closesem_testing/catch.hpp"
#include "closesem_testing/expectations.hpp"

#include "closesem/deviations.hpp"
#include "closesem/model.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

using closesem::KnownDeviation;
using closesem::testing::Deviation;
namespace model = closesem::model;
namespace platform = closesem::platform;

namespace {

// Where the model uses a deviation ID: "wine-8 fact 3".
struct ModelUse {
  std::string id;
  std::string where;
};

std::vector<ModelUse> model_uses() {
  std::vector<ModelUse> uses;
  for (const auto& name : model::profile_names()) {
    const auto* profile = model::find_profile(name);
    REQUIRE(profile != nullptr);
    for (std::size_t i = 0; i < profile->facts.size(); ++i)
      if (profile->facts[i].deviation)
        uses.push_back({profile->facts[i].deviation_id, name + " fact " + std::to_string(i)});
    // (A trait that deviates: model/profiles.cpp sets it after the facts.)
    profile->traits.each([&](const char* trait, const auto& t) {
      if (t.deviation != nullptr) uses.push_back({t.deviation, name + " trait " + trait});
    });
  }
  return uses;
}

// A reason compared without case and runs of white space, so that a copy with another
// line break or capital still counts as the same reason.
std::string normalised(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Every inconsistency between the table, the expectation entries and the model's uses,
// one line each ("" when there is none).
std::vector<std::string> problems(const std::vector<KnownDeviation>& table, const std::vector<Deviation>& entries,
                                  const std::vector<ModelUse>& uses) {
  std::vector<std::string> found;
  std::map<std::string, const KnownDeviation*> by_id;
  std::map<std::string, std::string> by_reason;
  for (const auto& known : table) {
    if (!by_id.emplace(known.id, &known).second) found.push_back("table: " + known.id + " is listed twice");
    const auto [at, fresh] = by_reason.emplace(normalised(known.reason), known.id);
    if (!fresh) found.push_back("table: " + known.id + " has the same reason as " + at->second);
  }
  std::map<std::string, int> used;
  for (const auto& entry : entries) {
    const auto where = entry.file + ": " + entry.test + " / " + entry.operation;
    const auto listed = by_id.find(entry.id);
    if (listed == by_id.end()) {
      found.push_back(where + ": deviation " + entry.id + " is not in the table");
      continue;
    }
    const auto& platforms = listed->second->platforms;
    if (std::find(platforms.begin(), platforms.end(), entry.platform) == platforms.end())
      found.push_back(where + ": deviation " + entry.id + " is not listed for platform " + entry.platform);
    ++used[entry.id];
  }
  for (const auto& use : uses) {
    const auto listed = by_id.find(use.id);
    if (listed == by_id.end()) {
      found.push_back("model " + use.where + ": deviation '" + use.id + "' is not in the table");
      continue;
    }
    if (used.count(use.id) == 0 && listed->second->measured_by.empty())
      found.push_back("model " + use.where + ": deviation " + use.id +
                      " has no expectation entry and the table says no measured_by");
  }
  for (const auto& known : table) {
    const bool by_model =
        std::any_of(uses.begin(), uses.end(), [&known](const ModelUse& use) { return use.id == known.id; });
    if (used.count(known.id) == 0 && !by_model)
      found.push_back("table: " + known.id + " is used by no expectation entry and no model profile");
  }
  return found;
}

KnownDeviation row(const std::string& id, const std::string& reason, const std::string& measured_by = "") {
  KnownDeviation d;
  d.id = id;
  d.platforms = {"wine-8.*"};
  d.reason = reason;
  d.source = "a unit test";
  d.measured_by = measured_by;
  return d;
}

Deviation entry(const std::string& id, const std::string& platform = "wine-8.*") {
  Deviation d;
  d.file = "unit.json";
  d.platform = platform;
  d.test = "t";
  d.operation = "op";
  d.observed = {"ret=0"};
  d.id = id;
  return d;
}

bool mentions(const std::vector<std::string>& found, const std::string& text) {
  return std::any_of(found.begin(), found.end(),
                     [&text](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("deviations: the table, the expectation files and the model agree on every deviation ID",
          "[unit][deviations]") {
  std::vector<Deviation> entries;
  std::string error;
  const bool read = closesem::testing::read_expectations(CLOSESEM_EXPECTATIONS_DIR, entries, error);
  INFO(error);
  REQUIRE(read);
  REQUIRE_FALSE(entries.empty());
  const auto& table = closesem::known_deviations();
  REQUIRE_FALSE(table.empty());
  const auto uses = model_uses();
  REQUIRE_FALSE(uses.empty());

  const auto found = problems(table, entries, uses);
  for (const auto& line : found) UNSCOPED_INFO(line);
  CHECK(found.empty());

  // The model's reason is the table's, with the ID in front.
  for (const auto& name : model::profile_names()) {
    for (const auto& fact : model::find_profile(name)->facts) {
      if (!fact.deviation) continue;
      const auto* listed = closesem::find_known_deviation(fact.deviation_id);
      REQUIRE(listed != nullptr);
      CHECK(fact.reason == fact.deviation_id + ": " + listed->reason);
    }
  }
}

TEST_CASE("deviations: each kind of gap between the table, the files and the model is found", "[unit][deviations]") {
  const std::vector<KnownDeviation> table = {row("a", "reason a"), row("b", "reason b", "fuzz_x seed 1")};
  // Consistent: a is measured by an entry, b only by the fuzz target the table names.
  CHECK(problems(table, {entry("a")}, {{"a", "p fact 1"}, {"b", "p fact 2"}}).empty());

  SECTION("a model ID that is not in the table") {
    CHECK(mentions(problems(table, {entry("a")}, {{"b", "p"}, {"c", "p fact 3"}}), "deviation 'c' is not in the table"));
  }
  SECTION("a model ID with no expectation entry and no measured_by") {
    CHECK(mentions(problems(table, {}, {{"a", "p fact 1"}, {"b", "p"}}),
                   "deviation a has no expectation entry and the table says no measured_by"));
  }
  SECTION("an expectation entry whose ID is not in the table") {
    CHECK(mentions(problems(table, {entry("a"), entry("z")}, {{"b", "p"}}), "deviation z is not in the table"));
  }
  SECTION("an expectation entry in a file for a platform the table does not list") {
    CHECK(mentions(problems(table, {entry("a", "linux-*")}, {{"b", "p"}}), "not listed for platform linux-*"));
  }
  SECTION("two IDs with the same reason, up to case and white space") {
    const std::vector<KnownDeviation> copied = {row("a", "reason a"), row("b", "Reason  a")};
    CHECK(mentions(problems(copied, {entry("a"), entry("b")}, {}), "b has the same reason as a"));
  }
  SECTION("an ID listed twice") {
    const std::vector<KnownDeviation> twice = {row("a", "reason a"), row("a", "reason a2")};
    CHECK(mentions(problems(twice, {entry("a")}, {}), "a is listed twice"));
  }
  SECTION("an ID nothing uses") {
    CHECK(mentions(problems(table, {entry("a")}, {}), "b is used by no expectation entry and no model profile"));
  }
}

TEST_CASE("platform: the identity gives the string id and the one native profile", "[unit][platform]") {
  platform::Identity linux_host;
  linux_host.api = platform::Api::posix;
  linux_host.os = "linux";
  linux_host.os_version = "6.18.44";
  CHECK(linux_host.id() == "linux-6.18.44");
  CHECK(model::native_profile_name(linux_host) == "linux");

  platform::Identity windows;
  windows.api = platform::Api::winsock;
  windows.os = "windows";
  windows.os_version = "10.0.26100";
  CHECK(windows.id() == "windows-10.0.26100");
  CHECK(model::native_profile_name(windows) == "winsock");

  auto wine = windows;
  wine.os_version = "6.1.7601";
  wine.wine_version = "8.0";
  wine.wine_host = "Linux 6.18.44";
  CHECK(wine.id() == "wine-8.0 (windows-6.1.7601 on Linux 6.18.44)");
  CHECK(wine.wine_major() == 8);
  CHECK(model::native_profile_name(wine) == "wine-8");
  wine.wine_host.clear();
  CHECK(wine.id() == "wine-8.0 (windows-6.1.7601)");

  // A prefix is not a version: Wine 80 is not Wine 8, and Wine 9 has no profile of its own.
  wine.wine_version = "80.1";
  CHECK(wine.wine_major() == 80);
  CHECK(model::native_profile_name(wine) == "winsock");
  wine.wine_version = "9.0";
  CHECK(model::native_profile_name(wine) == "winsock");

  // This process: the string id is the identity's, and the profile exists.
  const auto& self = platform::identity();
  CHECK(platform::platform_id() == self.id());
  CHECK(self.api == platform::api());
  CHECK_FALSE(self.os.empty());
  CHECK(model::find_profile(model::native_profile_name(self)) != nullptr);
}
