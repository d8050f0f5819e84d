// SPDX-License-Identifier: MIT
// Semantic coverage (issue 21): the model's abstract state of what an op acts on, and
// the (state, op, outcome) transitions a run goes through. libFuzzer counts code edges,
// but the code that decides close semantics runs in the kernel or in Wine, where no edge
// is counted; these transitions are the coverage that matters, and the fuzz targets feed
// them back to their engine (fuzz/harness.cpp) and report how many they reached.
//
// The abstraction is bounded (byte counts become "none" or "some", linger three classes,
// duplicates one or more), so the space is finite: a transition is a 64-bit key that
// describe() turns back into words.
#pragma once
#include "closesem/model.hpp"
#include "closesem/ops.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace closesem::semantic {

// A transition: bits 0-23 the abstract state before the op, 24-39 the op's class (its
// kind and the argument class that changes what it does), 40-55 the outcome's class.
using Key = std::uint64_t;

// The abstract state `op` acts on in `model`'s current state: the socket behind its
// endpoint (phase, transport, shut directions, what arrived, queued bytes, linger class,
// blocking mode, duplicates, a listener's queue, pending calls on it), the pending slot
// of a collect or cancel, the session count of startup and cleanup.
std::uint32_t state_of(const model::Model& model, const ops::Op& op);
// The op's class: its kind and argument class (shutdown's direction, linger's class,
// a start's mechanism and call, zero-length or not, the invalid handle, ...).
std::uint32_t op_class(const ops::Op& op);
// The outcome's class: success, failure by error, blocked, or the event set reported.
// (`ok` and `fails` in a model's prediction have no single class: nullopt-like 0xffff.)
std::uint32_t outcome_class(const ops::Outcome& outcome);
inline constexpr std::uint32_t kNoClass = 0xffff;

Key key(std::uint32_t state, std::uint32_t op, std::uint32_t outcome);
// "connected tcp4, shut send, FIN in, linger {1,0}, duplicated | recv (some bytes) | failure connection_reset"
std::string describe(Key key);

// The transitions the model says are reachable: every program of ops from `alphabet`
// up to `depth` ops, each prediction's admissible outcomes followed as forks (as `ops
// export` does), deduplicated by the abstract state of every endpoint and slot, at
// most `max_states` states. Transitions whose outcome has no single class (`ok`,
// `fails`) are not counted. Ops the model does not predict (empty) are not followed.
struct Reachable {
  std::set<Key> transitions;
  std::size_t states = 0;     // abstract model states explored
  bool bounded = false;       // max_states stopped the search before `depth`
  int depth_reached = 0;
};
Reachable enumerate(const model::Profile& profile, const std::vector<ops::Op>& alphabet, int depth,
                    std::size_t max_states);
// The op alphabet of fuzz_close_sequences for the enumeration: every op kind with each
// argument class the target's generator can make, on endpoints a..c and slot @1.
std::vector<ops::Op> close_sequences_alphabet();

}  // namespace closesem::semantic
