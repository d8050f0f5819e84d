// SPDX-License-Identifier: MIT
// Connected loopback socket pairs of every kind, built through one listener per
// process and transport, always on port 0 (or a fresh temporary path for AF_UNIX).
#pragma once

#include "closesem/platform.hpp"

#include <string>
#include <vector>

namespace closesem {

struct PairKind {
  platform::Transport transport = platform::Transport::tcp4;
  // Reversed pairs swap the ends: first is the accepted (server) end instead of the
  // connecting (client) end, so every asymmetric test runs both ways (gVisor).
  bool reversed = false;
  std::string description() const;  // "tcp4", "tcp6 reversed"
};

// Every kind: tcp4, tcp6, unix, each also reversed when asked.
std::vector<PairKind> pair_kinds(bool with_reversals = true);

struct Pair {
  PairKind kind;
  platform::Socket first;
  platform::Socket second;
};

// Why make_pair produced no pair.
enum class PairStatus { ok, unavailable, failed };

struct PairResult {
  PairStatus status = PairStatus::failed;
  Pair pair;
  std::string message;  // the skip reason, or which step failed and how
  platform::CallResult outcome;  // the failing call's outcome (not ok unless status is ok)
};

// A connected pair of the given kind; every step is bounded in time. Both ends are
// blocking. With a `patience`, the client (first, or second when reversed) keeps it as
// its send timeout (SO_SNDTIMEO) and the accepted end as its receive timeout
// (SO_RCVTIMEO), and it bounds each step; without one (0) neither end has a timeout.
PairResult make_pair(const PairKind& kind, std::chrono::milliseconds patience = std::chrono::milliseconds(0));

}  // namespace closesem
