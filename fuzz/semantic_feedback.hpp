// SPDX-License-Identifier: MIT
// Semantic coverage as feedback (issue 21): the model transitions a fuzz target's inputs
// went through (closesem/semantic.hpp keys), kept per process.
//   - libFuzzer: each transition bumps one of the target's extra counters (the
//     __libfuzzer_extra_counters section, in a libFuzzer build), so an input that reaches
//     a new transition is kept as one that reached new coverage;
//   - the replay engine's random mode (fuzz/replay_main.cpp) asks new_transitions()
//     around each input and keeps and mutates the inputs that reached new ones;
//   - CLOSESEM_SEMANTIC_COVERAGE=PATH ("%p": the process id, for libFuzzer's fork-mode
//     children): the transitions reached and their growth over the run, as JSON, written
//     after the first input, then at most once a second, and at exit (PATH.tmp, then a
//     rename: a reader never sees half a file). `closesem coverage report` reads them.
// Dependency-free (no JSON library): every replay target links it.
#pragma once
#include <cstdint>
#include <string>

namespace closesem::fuzz {

// Which target and model profile the transitions are of, and the file to write them to
// (CLOSESEM_SEMANTIC_COVERAGE with "%p" already made the process id, by the caller, which
// has the platform layer; "" writes none).
void set_coverage_target(const std::string& target, const std::string& profile, const std::string& path);
// A transition an input went through; true the first time in this process.
bool note_transition(std::uint64_t key);
// After an input: writes the file when it is due (a second since the last write).
void coverage_input_done();
// Writes the file now (at exit, and before a finding aborts the process).
void coverage_write();
// How many distinct transitions this process reached, and how many times one was new
// (the replay engine compares the latter before and after an input).
std::uint64_t transitions_reached();
std::uint64_t new_transitions();
// How many leading bytes of the current input the target used (a target whose input
// runs only up to a limit says so; the replay engine keeps a new input's used bytes
// only). take_input_used() returns it (the whole `size` when the target did not say)
// and forgets it for the next input.
void set_input_used(std::size_t bytes);
std::size_t take_input_used(std::size_t size);
// The largest op.where.line among the steps of the last input that reached a transition
// no earlier input had (0: none, or the ops carry no line). fuzz_close_sequences numbers
// its records so (1, 2, ...): a kept input ends at the record that last reached something
// new, and what the engine appends follows that state.
void set_last_new_line(int line);
int last_new_line();

}  // namespace closesem::fuzz
