// SPDX-License-Identifier: MIT
// fuzz_asio_close: random interleavings of asio's asynchronous operations (read, write,
// wait, accept, connect) with close, shutdown, cancel, destroy, release and linger at
// both ends of a TCP pair, and with the io_context's run, stop and restart, on 0 or 2
// io_context threads. The core's asio runner runs the program and the asio model checks
// every handler (closesem/asio_model.hpp says what); the process must also have as many
// descriptors or handles after the input as before.
// The input is text (closesem/asio_program.hpp) when it parses, else bytes made into text.
#include "closesem/asio_program.hpp"
#include "closesem/asio_runner.hpp"
#include "closesem/platform.hpp"
#include "finding_record.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace closesem;
using namespace closesem::asio_program;

constexpr const char* kTarget = "fuzz_asio_close";
constexpr std::size_t kMaxSteps = 40;

bool env_on(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' && std::string(value) != "0";
}

// CLOSESEM_FUZZ_KEEP_GOING=1: report findings without aborting.
bool keep_going() { return env_on("CLOSESEM_FUZZ_KEEP_GOING"); }

// The asio model's profile: this platform's, or the one CLOSESEM_FUZZ_PROFILE names
// (asio's names or the op model's: winsock, wine-8); an unknown name exits 2.
const asio_model::BackendProfile& chosen_profile() {
  static const asio_model::BackendProfile profile = [] {
    const auto name = fuzz::profile_from_environment();
    if (name.empty()) return asio_model::profile_for_this_platform();
    const auto named = asio_model::profile_named(name);
    if (!named) {
      std::fprintf(stderr, "%s: CLOSESEM_FUZZ_PROFILE=%s: no asio model profile of that name "
                   "(linux, windows, wine; or winsock, wine-8)\n", kTarget, name.c_str());
      std::exit(2);
    }
    return *named;
  }();
  return profile;
}

// The finding as a record too (fuzz/finding_record.hpp), like the socket targets'.
void record(const std::string& signature, const std::string& what, const Program& program) {
  fuzz::FindingRecord record;
  record.target = kTarget;
  record.kind = signature.substr(0, signature.find('/'));
  record.signature = signature;
  record.what = what;
  record.platform = platform::platform_id();
  record.profile = chosen_profile().name;
  record.program = print(program);
  fuzz::write_finding_record(record);
}

void run_checked(const Program& program) {
  asio_model::RunOptions options;
  options.on_finding = [&program](const asio_model::Finding& finding, const std::string& report) {
    std::fprintf(stderr, "closesem finding: %s: %s\nclosesem signature: %s\n", kTarget, finding.what.c_str(),
                 finding.signature.c_str());
    std::fprintf(stderr, "%s", report.c_str());
    std::fflush(stderr);
    record(finding.signature, finding.what, program);
    if (!keep_going()) std::abort();
  };
  const auto result = asio_model::run(program, chosen_profile(), options);
  if (!result.skipped.empty())
    std::fprintf(stderr, "%s: no pair this time (%s); input skipped\n", kTarget, result.skipped.c_str());
  else if (!result.found && env_on("CLOSESEM_FUZZ_VERBOSE"))
    std::fprintf(stderr, "%s", result.report.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  closesem::platform::private_loopback_per_environment();  // (before any socket or thread)
  // A bad CLOSESEM_TIMEOUT_MULTIPLIER ends the process (exit 2) now, not at the first wait.
  (void)closesem::platform::timeout_multiplier();
  // One run first, so that what asio and the platform make once per process (Winsock's
  // session, the pair's first sockets) is part of the baseline.
  run_checked(Program{});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libFuzzer runs the empty input first, also when it only replays seeds: it is no
  // program, and no seed, so it is not an error under CLOSESEM_FUZZ_STRICT_TEXT.
  if (size == 0) return 0;
  fuzz::set_current_input(data, size);  // (for the finding record's name)
  Program program;
  std::string error;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!parse(text, program, error) || program.steps.empty()) {
    // CLOSESEM_FUZZ_STRICT_TEXT=1 (the seed replay in ctest): every input is a program
    // text, and one that does not parse is an error, not random bytes.
    if (env_on("CLOSESEM_FUZZ_STRICT_TEXT")) {
      std::fprintf(stderr, "%s: not a program: %s\n", kTarget, error.empty() ? "no steps" : error.c_str());
      std::exit(2);
    }
    program = from_bytes(data, size, kMaxSteps);
  }
  if (program.steps.size() > kMaxSteps) program.steps.resize(kMaxSteps);
  const long before = platform::open_handle_count();
  run_checked(program);
  const long after = platform::open_handle_count();
  if (before >= 0 && after > before) {
    std::fprintf(stderr, "closesem finding: %s: %ld descriptor(s) or handle(s) more open after the input than before "
                         "(%ld before, %ld after)\nclosesem signature: leak/handles\nprogram:\n%s",
                 kTarget, after - before, before, after, print(program).c_str());
    record("leak/handles",
           std::to_string(after - before) + " descriptor(s) or handle(s) more open after the input than before",
           program);
    if (!keep_going()) std::abort();
  }
  return 0;
}
