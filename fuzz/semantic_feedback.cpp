// SPDX-License-Identifier: MIT
// Semantic coverage as feedback: see semantic_feedback.hpp.
#include "semantic_feedback.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#if defined(CLOSESEM_LIBFUZZER_COUNTERS)
// libFuzzer reads this section as counters of its own (cleared before every input, and
// an input that lights a new one, or a new bucket of one, is kept): one per hash of a
// transition.
constexpr std::size_t kCounters = 1u << 14;
__attribute__((section("__libfuzzer_extra_counters"), used)) static std::uint8_t g_counters[kCounters];
#endif

namespace closesem::fuzz {
namespace {

using Clock = std::chrono::steady_clock;

// The transitions reached, as a set of 64-bit keys with open addressing (linear probing,
// power-of-two capacity, at most half full): every step of every input looks its key up,
// and std::unordered_set's node per key missed the cache once the set held a few hundred
// thousand (perf: the lookup was 3.3 % of a steered fuzz_close_sequences run).
class KeySet {
 public:
  // Whether `key` was new (and is in the set now).
  bool insert(std::uint64_t key) {
    if (key == kEmpty) {
      if (has_empty_key_) return false;
      has_empty_key_ = true;
      ++size_;
      return true;
    }
    if ((size_ + 1) * 2 > slots_.size()) grow();
    return place(key);
  }
  std::size_t size() const { return size_; }
  std::vector<std::uint64_t> keys() const {
    std::vector<std::uint64_t> out;
    out.reserve(size_);
    if (has_empty_key_) out.push_back(kEmpty);
    for (const auto key : slots_)
      if (key != kEmpty) out.push_back(key);
    return out;
  }

 private:
  static constexpr std::uint64_t kEmpty = 0;
  static std::size_t mix(std::uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return static_cast<std::size_t>(key);
  }
  bool place(std::uint64_t key) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = key;
        ++size_;
        return true;
      }
    }
  }
  void grow() {
    std::vector<std::uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, kEmpty);
    size_ = has_empty_key_ ? 1 : 0;
    for (const auto key : old)
      if (key != kEmpty) place(key);
  }
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
  bool has_empty_key_ = false;
};

struct Coverage {
  std::string target, profile, path;
  KeySet reached;
  // The file's transition list, kept formatted ("\"%016llx\"" each, comma-separated, in the
  // order reached) and extended at each write by the keys reached since the last one.
  // Sorting and formatting every key at every write took 65 ms per write with 175,000 keys
  // (a 10-minute fuzz_close_sequences run holds that many; one write a second), 0.9 ms
  // this way; `coverage report` reads the keys in any order.
  std::string listed;
  std::vector<std::uint64_t> unlisted;
  std::uint64_t new_events = 0;
  std::vector<std::pair<double, std::uint64_t>> growth;  // (seconds since the first input, transitions)
  Clock::time_point started{}, last_write{};
  bool any_input = false, written = false, failed = false;
};

// Never destroyed: the atexit write comes after static destructors may have run.
Coverage& coverage() {
  static Coverage* made = new Coverage;
  return *made;
}

std::string escaped(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) continue;
    out += ch;
  }
  return out;
}

}  // namespace

void set_coverage_target(const std::string& target, const std::string& profile, const std::string& path) {
  auto& c = coverage();
  c.target = target;
  c.profile = profile;
  if (c.path.empty() && !path.empty()) {
    c.path = path;
    c.unlisted = c.reached.keys();  // (any reached before the path was known)
    std::atexit([] { coverage_write(); });
  }
}

bool note_transition(std::uint64_t key) {
#if defined(CLOSESEM_LIBFUZZER_COUNTERS)
  // (a 64-bit mix, so that keys differing in one field spread over the counters)
  std::uint64_t h = key * 0x9e3779b97f4a7c15ull;
  h ^= h >> 29;
  std::uint8_t& counter = g_counters[h % kCounters];
  if (counter < 255) ++counter;
#endif
  auto& c = coverage();
  if (!c.reached.insert(key)) return false;
  ++c.new_events;
  if (!c.path.empty() && !c.failed) c.unlisted.push_back(key);
  return true;
}

std::uint64_t transitions_reached() { return coverage().reached.size(); }

namespace {
std::size_t g_input_used = static_cast<std::size_t>(-1);
}  // namespace

void set_input_used(std::size_t bytes) { g_input_used = bytes; }

std::size_t take_input_used(std::size_t size) {
  const std::size_t used = std::min(size, g_input_used);
  g_input_used = static_cast<std::size_t>(-1);
  return used;
}
std::uint64_t new_transitions() { return coverage().new_events; }

namespace {
int g_last_new_line = 0;
}  // namespace

void set_last_new_line(int line) { g_last_new_line = line; }
int last_new_line() { return g_last_new_line; }

void coverage_input_done() {
  auto& c = coverage();
  const auto now = Clock::now();
  if (!c.any_input) {
    c.any_input = true;
    c.started = now;
  }
  if (c.path.empty()) return;
  if (c.written && now - c.last_write < std::chrono::seconds(1)) return;
  coverage_write();
}

void coverage_write() {
  auto& c = coverage();
  if (c.path.empty() || !c.any_input || c.failed) return;
  const auto now = Clock::now();
  c.last_write = now;
  c.written = true;
  const double seconds = std::chrono::duration<double>(now - c.started).count();
  // One sample per write (about a second apart), at most 4096: later ones replace the last.
  if (c.growth.size() < 4096) c.growth.emplace_back(seconds, c.reached.size());
  else c.growth.back() = {seconds, c.reached.size()};
  char buffer[64];
  for (const auto key : c.unlisted) {
    std::snprintf(buffer, sizeof buffer, "%s\"%016llx\"", c.listed.empty() ? "" : ",",
                  static_cast<unsigned long long>(key));
    c.listed += buffer;
  }
  c.unlisted.clear();
  std::string head = "{\n  \"schema\": \"closesem-semantic/1\",\n  \"target\": \"" + escaped(c.target) +
                     "\",\n  \"profile\": \"" + escaped(c.profile) + "\",\n  \"transitions\": [";
  std::string tail = "],\n  \"growth\": [";
  for (std::size_t i = 0; i < c.growth.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%s[%.3f,%llu]", i == 0 ? "" : ",", c.growth[i].first,
                  static_cast<unsigned long long>(c.growth[i].second));
    tail += buffer;
  }
  tail += "]\n}\n";
  const std::string temporary = c.path + ".tmp";
  std::string problem;
  if (std::FILE* out = std::fopen(temporary.c_str(), "wb")) {
    bool wrote = true;
    for (const std::string* part : {&head, &c.listed, &tail})
      if (std::fwrite(part->data(), 1, part->size(), out) != part->size()) wrote = false;
    if (std::fclose(out) != 0) wrote = false;
    if (!wrote) problem = "cannot write " + temporary + ": " + std::strerror(errno);
  } else {
    problem = "cannot open " + temporary + ": " + std::strerror(errno);
  }
  if (problem.empty()) {
    std::remove(c.path.c_str());  // (Windows' rename does not replace)
    if (std::rename(temporary.c_str(), c.path.c_str()) != 0)
      problem = "cannot rename " + temporary + " to " + c.path + ": " + std::strerror(errno);
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "closesem: CLOSESEM_SEMANTIC_COVERAGE: %s (semantic coverage not written again)\n",
                 problem.c_str());
    c.failed = true;
  }
}

}  // namespace closesem::fuzz
