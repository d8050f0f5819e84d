// SPDX-License-Identifier: MIT
// The one Catch2 main of closesem's test binaries (compiled once): process set-up,
// WSAStartup for the whole run, and a listener that feeds the behaviour report.
#if !__has_include(<catch2/catch_all.hpp>)
#define CATCH_CONFIG_RUNNER
#endif
#include "closesem_testing/catch.hpp"
#include "closesem_testing/expectations.hpp"
#include "closesem_testing/peer.hpp"
#include "closesem_testing/report.hpp"

#include "closesem/platform.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

#ifndef CLOSESEM_EXPECTATIONS_DIR
#define CLOSESEM_EXPECTATIONS_DIR "expectations"
#endif

namespace {

#if defined(CLOSESEM_CATCH2_V3)
using ListenerBase = Catch::EventListenerBase;
std::vector<std::string> tags_of(const Catch::TestCaseInfo& info) {
  std::vector<std::string> tags;
  for (const auto& tag : info.tags) tags.emplace_back(tag.original.data(), tag.original.size());
  return tags;
}
#else   // defined(CLOSESEM_CATCH2_V3)
using ListenerBase = Catch::TestEventListenerBase;
std::vector<std::string> tags_of(const Catch::TestCaseInfo& info) { return info.tags; }
#endif  // defined(CLOSESEM_CATCH2_V3)

class ReportListener : public ListenerBase {
 public:
  using ListenerBase::ListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    closesem::testing::begin_test(info.name, tags_of(info));
  }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    closesem::testing::end_test(stats.totals.assertions.failed > 0);
  }
};

// "closesem_conformance" from ".../closesem_conformance.exe".
std::string suite_name(const char* argv0) {
  std::string name = argv0 != nullptr ? argv0 : "closesem";
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name.erase(0, slash + 1);
  const auto dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) name.erase(dot);
  return name;
}

}  // namespace

CATCH_REGISTER_LISTENER(ReportListener)

int main(int argc, char* argv[]) {
  closesem::platform::init_process();
  // A bad CLOSESEM_TIMEOUT_MULTIPLIER ends the process (exit 2) now, not at the first wait.
  (void)closesem::platform::timeout_multiplier();
  const closesem::platform::Session session;
  if (!session.outcome().ok()) {
    std::cerr << "closesem: WSAStartup failed: " << session.outcome().describe() << '\n';
    return 2;
  }
  // The binary in a child role (a process under test that ends with a socket open).
  if (argc > 1 && std::string(argv[1]) == "--closesem-child")
    return closesem::testing::run_child_mode(argc - 2, argv + 2);
  // Known deviations for this platform: CLOSESEM_EXPECTATIONS names another folder.
  const char* folder = std::getenv("CLOSESEM_EXPECTATIONS");
  const std::string expectations = folder != nullptr && *folder != '\0' ? folder : CLOSESEM_EXPECTATIONS_DIR;
  std::string error;
  if (!closesem::testing::load_expectations(expectations, closesem::platform::platform_id(), error)) {
    std::cerr << "closesem: cannot read the expectations: " << error << '\n';
    return 2;
  }
  const int status = Catch::Session().run(argc, argv);
  const auto written = closesem::testing::write_report(suite_name(argc > 0 ? argv[0] : nullptr));
  if (!written.empty()) std::cerr << "closesem: behaviour report " << written << '\n';
  return status;
}
