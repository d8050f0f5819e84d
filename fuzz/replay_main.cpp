// SPDX-License-Identifier: MIT
// The replay engine, for builds without libFuzzer (gcc, mingw under Wine, MSVC):
//   TARGET FILE|DIR...                       run each input once (folders: every file)
//   TARGET --random --seed S --budget SEC    random inputs until the budget is spent
// A target reports a finding by aborting; in random mode the input is saved first as
// crash-<seed>-<n> in the current folder, so that it can be replayed and promoted.
#include "finding_record.hpp"
#include "semantic_feedback.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Every target defines it (MSVC has no weak symbols), as libFuzzer calls it: once, first.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

int usage(const std::string& problem) {
  std::cerr << "replay: " << problem
            << "\nusage: TARGET FILE|DIR...\n"
               "       TARGET --random --seed S --budget SECONDS [--max-len N]\n";
  return 2;
}

bool to_number(const std::string& text, std::uint64_t& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18) return false;
  out = std::stoull(text);
  return true;
}

// The input being run in random mode, written out if the target aborts.
std::vector<std::uint8_t> g_current;
std::string g_crash_name;
std::uint64_t g_runs = 0;  // inputs run to the end before the current one

extern "C" void save_crash(int signal) {
  if (std::FILE* file = std::fopen(g_crash_name.c_str(), "wb")) {
    std::fwrite(g_current.data(), 1, g_current.size(), file);
    std::fclose(file);
    std::fprintf(stderr, "replay: the input is saved as %s (a finding after %llu random inputs)\n",
                 g_crash_name.c_str(), static_cast<unsigned long long>(g_runs));
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

int replay(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      for (const auto& entry : fs::recursive_directory_iterator(path))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else if (fs::is_regular_file(path, error)) {
      files.emplace_back(path);
    } else {
      return usage("no such file or folder: " + path);
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cerr << "replay: " << file.string() << " (" << data.size() << " bytes)\n";
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::cout << "replay: " << files.size() << " inputs ran without a finding\n";
  return 0;
}

// CLOSESEM_FUZZ_BLIND=1: every input drawn afresh, without the semantic feedback (how
// the random mode worked before issue 21; the selftest and bench compare the two).
bool blind() {
  const char* value = std::getenv("CLOSESEM_FUZZ_BLIND");
  return value != nullptr && *value != '\0' && std::string(value) != "0";
}

// The size of an op-record (closesem/codec.hpp: fuzz_close_sequences' input); for the
// choice-byte formats one offset is as good as another.
constexpr std::size_t kRecord = 6;

// One to four byte-level changes to `input`: a byte overwritten (at random, or with a
// small or boundary value), a bit flipped, one to three bytes zeroed (a 24-bit count of
// 0 is rare in random bytes: 1 in 16 million), random bytes inserted, a run erased or
// copied elsewhere, or (with `other`) the tail swapped for another kept input's. Runs are
// 1, 6 (an op record) or 12 bytes long; or one to eight random records appended (what
// follows the state a kept input reached: fuzz_close_sequences' kept inputs end at the
// last record that reached a new transition, fuzz::set_input_used). Half the offsets
// fall between two records.
template <typename Next>
void mutate(std::vector<std::uint8_t>& input, const std::vector<std::uint8_t>& other, std::uint64_t max_len,
            Next& next) {
  const int changes = 1 + static_cast<int>(next() % 4);
  for (int k = 0; k < changes; ++k) {
    static const std::size_t kRuns[] = {1, 6, 12};
    const std::size_t run = kRuns[next() % 3];
    std::size_t at = input.empty() ? 0 : static_cast<std::size_t>(next() % (input.size() + 1));
    if (next() % 2 == 0) at -= at % kRecord;  // between two op-records: the records after stay whole
    switch (next() % 10) {
      case 8:
      case 9: {  // random records after the end: what follows the state a kept input reached
        std::vector<std::uint8_t> bytes(6 * (1 + next() % 8));
        for (auto& byte : bytes) byte = static_cast<std::uint8_t>(next());
        input.insert(input.end(), bytes.begin(), bytes.end());
        break;
      }
      case 0:
        if (!input.empty()) input[next() % input.size()] = static_cast<std::uint8_t>(next());
        break;
      case 6:  // an interesting value: a field's small numbers (a shutdown's direction, ...)
        if (!input.empty()) {
          static const std::uint8_t kValues[] = {0, 1, 2, 3, 0x7f, 0x80, 0xff};
          input[next() % input.size()] = kValues[next() % (sizeof kValues)];
        }
        break;
      case 7:  // a run of zeros: a count of 0 (a zero-length send, linger {1,0}) is three
        if (!input.empty()) {
          const std::size_t from = static_cast<std::size_t>(next() % input.size());
          std::fill(input.begin() + static_cast<std::ptrdiff_t>(from),
                    input.begin() + static_cast<std::ptrdiff_t>(std::min(input.size(), from + 1 + next() % 3)), 0);
        }
        break;
      case 1:
        if (!input.empty()) input[next() % input.size()] ^= static_cast<std::uint8_t>(1u << (next() % 8));
        break;
      case 2: {
        std::vector<std::uint8_t> bytes(run);
        for (auto& byte : bytes) byte = static_cast<std::uint8_t>(next());
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin(), bytes.end());
        break;
      }
      case 3:
        if (at < input.size())
          input.erase(input.begin() + static_cast<std::ptrdiff_t>(at),
                      input.begin() + static_cast<std::ptrdiff_t>(std::min(input.size(), at + run)));
        break;
      case 4:
        if (!input.empty()) {
          const std::size_t from = static_cast<std::size_t>(next() % input.size());
          const std::vector<std::uint8_t> bytes(input.begin() + static_cast<std::ptrdiff_t>(from),
                                                input.begin() + static_cast<std::ptrdiff_t>(std::min(input.size(), from + run)));
          input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin(), bytes.end());
        }
        break;
      default:
        if (!other.empty()) {
          const std::size_t from = static_cast<std::size_t>(next() % other.size());
          input.resize(at);
          input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        }
        break;
    }
  }
  if (input.size() > max_len) input.resize(static_cast<std::size_t>(max_len));
}

int random_mode(std::uint64_t seed, std::uint64_t budget_seconds, std::uint64_t max_len) {
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
  auto next = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  std::signal(SIGABRT, save_crash);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(budget_seconds);
  std::uint64_t& runs = g_runs;
  auto last_report = start;
  // The inputs that reached a model transition no earlier input had (semantic feedback,
  // fuzz/semantic_feedback.hpp): three inputs in four are one of them mutated, the
  // fourth is drawn afresh. A target without a model (no transitions) draws every input.
  // A parent is the fastest of three kept inputs drawn at random (the time each took when
  // it ran): inputs that reach a rare transition are often slow ones (a blocked call on a
  // worker thread, a linger, a wait that runs out), and drawing parents uniformly ran half
  // as many inputs a second as drawing blindly (49%, before kept inputs were cut to the
  // records that ran). Measured after that (30 s runs side by side, one core each;
  // shutrd-fin-nonblock-drops fuzzed 60 s, seeds 1 and 2): fastest of two 84-85%, the
  // fault found after 167k-355k inputs; of three 95-99%, after 654k-753k; of eight faster
  // than blind, and found in one of two runs. Then kept inputs were cut after the record
  // that last reached something new (fuzz_close_sequences): 120 s side by side, 109,673
  // transitions (the uncut engine: about 87,000), the fault found by seeds 1-4 after
  // 300k-525k inputs.
  //
  // The cost governor: kept inputs become programs that do more (most of their ops run,
  // where a fresh input's ops mostly name sockets never made), and their mutants cost more
  // with them: 97 us each after three minutes against 75-79 us for a fresh input (seed 1), the
  // rate down to 66 % of 4659aa3's over 10 minutes. The engine compares, in the same run,
  // what its mutants cost on average with what its fresh inputs cost, and every 512
  // mutants draws one more kept input per tournament while the mutants cost more (up to
  // kMaxTour), one fewer while they do not (down to kTour).
  const bool feedback = !blind();
  struct Kept {
    std::vector<std::uint8_t> bytes;
    double seconds;  // how long the input took when it ran
  };
  std::vector<Kept> kept;
  constexpr std::size_t kMaxKept = 4096;
  constexpr int kTour = 3, kMaxTour = 32;
  int tour = kTour;
  double fresh_cost = 0, mutant_cost = 0;  // seconds per input, moving averages
  std::uint64_t mutants_since = 0;
  auto pick = [&]() -> const Kept& {
    const Kept* best = &kept[static_cast<std::size_t>(next() % kept.size())];
    for (int i = 1; i < tour; ++i) {
      const Kept& b = kept[static_cast<std::size_t>(next() % kept.size())];
      if (b.seconds < best->seconds) best = &b;
    }
    return *best;
  };
  auto before_input = std::chrono::steady_clock::now();
  while (before_input < deadline) {
    const bool mutant = feedback && !kept.empty() && next() % 4 != 0;
    if (mutant) {
      g_current = pick().bytes;
      mutate(g_current, kept[static_cast<std::size_t>(next() % kept.size())].bytes, max_len, next);
    } else {
      g_current.resize(static_cast<std::size_t>(next() % (max_len + 1)));
      for (auto& byte : g_current) byte = static_cast<std::uint8_t>(next());
    }
    g_crash_name = "crash-" + std::to_string(seed) + "-" + std::to_string(runs);
    const std::uint64_t new_before = closesem::fuzz::new_transitions();
    LLVMFuzzerTestOneInput(g_current.data(), g_current.size());
    const auto now = std::chrono::steady_clock::now();
    const std::size_t used = closesem::fuzz::take_input_used(g_current.size());
    const double took = std::chrono::duration<double>(now - before_input).count();
    if (!mutant) {
      fresh_cost = fresh_cost == 0 ? took : fresh_cost + (took - fresh_cost) / 512;
    } else {
      mutant_cost = mutant_cost == 0 ? took : mutant_cost + (took - mutant_cost) / 1024;
      if (++mutants_since == 512) {
        mutants_since = 0;
        if (mutant_cost > fresh_cost) tour = std::min(tour + 1, kMaxTour);
        else if (tour > kTour) --tour;
      }
    }
    if (feedback && closesem::fuzz::new_transitions() > new_before) {
      g_current.resize(used);
      Kept input{g_current, took};
      // A full store replaces one drawn at random. Rules that keep it cheaper were measured
      // and left out (README, "Semantic coverage"): the slower of two, or the less
      // productive of two (new transitions its mutants found per second), ran 84 and 78 %
      // of the rate of 4659aa3 over 10 minutes (seed 1, the slower core; 66 % then, before
      // the cost governor above), but reached about 10 % fewer transitions, and in 60 s
      // under the planted faults found
      // shutrd-fin-nonblock-drops with one seed of two and none of two, where this rule
      // found it with both.
      if (kept.size() < kMaxKept) kept.push_back(std::move(input));
      else kept[static_cast<std::size_t>(next() % kMaxKept)] = std::move(input);
    }
    before_input = now;
    ++runs;
    if (now - last_report >= std::chrono::seconds(10)) {
      std::cerr << "replay: " << runs << " random inputs so far";
      if (closesem::fuzz::transitions_reached() > 0)
        std::cerr << ", " << closesem::fuzz::transitions_reached() << " model transitions";
      if (feedback && mutant_cost > 0 && fresh_cost > 0)
        std::cerr << ", " << static_cast<int>(mutant_cost * 1e6) << " us per mutant against "
                  << static_cast<int>(fresh_cost * 1e6) << " per fresh input, parents: fastest of " << tour;
      std::cerr << "\n";
      last_report = now;
    }
  }
  if (closesem::fuzz::transitions_reached() > 0)
    std::cerr << "replay: semantic coverage: " << closesem::fuzz::transitions_reached() << " model transitions, "
              << kept.size() << " inputs kept for mutation" << (feedback ? "" : " (CLOSESEM_FUZZ_BLIND: none)") << "\n";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "replay: " << runs << " random inputs (seed " << seed << ") in " << seconds << " s, "
            << static_cast<std::uint64_t>(runs / (seconds > 0 ? seconds : 1)) << " per second, ";
  // (Under CLOSESEM_FUZZ_KEEP_GOING the run goes on after a finding: say how many.)
  const std::uint64_t found = closesem::fuzz::findings_reported();
  if (found == 0)
    std::cout << "no finding\n";
  else
    std::cout << found << " finding(s) reported above (CLOSESEM_FUZZ_KEEP_GOING)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage("give inputs to replay, or --random");
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: TARGET FILE|DIR...    replay inputs (files, or every file of a folder)\n"
                 "       TARGET --random --seed S --budget SECONDS [--max-len N]\n"
                 "                             random inputs for SECONDS; a failing one is saved as crash-S-N\n"
                 "                             (steered by the model's states: inputs that reached a new\n"
                 "                             transition are kept and mutated; CLOSESEM_FUZZ_BLIND=1 draws\n"
                 "                             each afresh)\n"
                 "A finding prints `closesem finding: ...` and aborts (CLOSESEM_FUZZ_KEEP_GOING=1: goes on).\n";
    return 0;
  }
  if (args[0] != "--random") {
    for (const auto& arg : args)
      if (!arg.empty() && arg[0] == '-') return usage("unknown option " + arg);
    return replay(args);
  }
  std::uint64_t seed = 0, budget = 0, max_len = 512;
  bool have_seed = false, have_budget = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--seed" && has_value && to_number(args[i + 1], seed)) {
      have_seed = true;
      ++i;
    } else if (args[i] == "--budget" && has_value && to_number(args[i + 1], budget)) {
      have_budget = true;
      ++i;
    } else if (args[i] == "--max-len" && has_value && to_number(args[i + 1], max_len)) {
      ++i;
    } else {
      return usage("bad or incomplete option " + args[i]);
    }
  }
  if (!have_seed || !have_budget) return usage("--random needs --seed S and --budget SECONDS");
  return random_mode(seed, budget, max_len);
}
