// SPDX-License-Identifier: MIT
// The replay engine, for builds without libFuzzer (gcc, mingw under Wine, MSVC):
//   TARGET FILE|DIR...                       run each input once (folders: every file)
//   TARGET --random --seed S --budget SEC    random inputs until the budget is spent
// A target reports a finding by aborting; in random mode the input is saved first as
// crash-<seed>-<n> in the current folder, so that it can be replayed and promoted.
#include "finding_record.hpp"

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
  while (std::chrono::steady_clock::now() < deadline) {
    g_current.resize(static_cast<std::size_t>(next() % (max_len + 1)));
    for (auto& byte : g_current) byte = static_cast<std::uint8_t>(next());
    g_crash_name = "crash-" + std::to_string(seed) + "-" + std::to_string(runs);
    LLVMFuzzerTestOneInput(g_current.data(), g_current.size());
    ++runs;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds(10)) {
      std::cerr << "replay: " << runs << " random inputs so far\n";
      last_report = now;
    }
  }
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
