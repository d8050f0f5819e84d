// SPDX-License-Identifier: MIT
// Keeps main's WSAStartup session whole around a lifecycle test: every startup() and
// cleanup() the test makes goes through a SessionBalance, and its destructor undoes
// them, also when a check failed, so the tests after it run with main's session again.
#pragma once

#include "closesem/platform.hpp"

namespace closesem::testing {

class SessionBalance {
 public:
  SessionBalance() = default;
  SessionBalance(const SessionBalance&) = delete;
  SessionBalance& operator=(const SessionBalance&) = delete;

  ~SessionBalance() {
    while (balance_ < 0 && platform::startup().ok()) ++balance_;
    while (balance_ > 0 && platform::cleanup().ok()) --balance_;
    // The pair factory notices the ended session itself (platform::session_epoch) and
    // lets go of its dead listeners without closing them.
  }

  platform::CallResult startup() {
    const auto outcome = platform::startup();
    if (outcome.ok()) ++balance_;
    return outcome;
  }

  // Main holds one session: a test's first cleanup without a startup before it ends it.
  platform::CallResult cleanup() {
    const auto outcome = platform::cleanup();
    if (outcome.ok()) --balance_;
    return outcome;
  }

 private:
  int balance_ = 0;
};

}  // namespace closesem::testing
