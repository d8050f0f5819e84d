// SPDX-License-Identifier: MIT
// fuzz_linger: one connection closed under every combination of linger setting
// (off, {1,0}, {1,1}), blocking mode, data queued towards the peer, data left unread
// at the closing end, a peer that reads before the close or not, and a half-close
// first. Beyond the model's check of every op, the target checks what the peer
// received and how its stream ended: a graceful close delivers every byte and then
// end of stream; an abortive one (the model says which: Model::close_resets_peer) ends
// in what the platform's profile says a reset reads as. The input is linger-choices
// (`.linger` files): the scenario in core/src/ops/fuzz_inputs.cpp, built through
// ProgramBuilder; `closesem_tool ops decode` prints it.
#include "harness.hpp"

#include "closesem/fuzz_inputs.hpp"
#include "closesem/model.hpp"
#include "closesem/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using namespace closesem;

constexpr const char* kTarget = "fuzz_linger";
constexpr int kClosing = 0;  // a closes; b (1) reads

// Whether the model, having followed the run up to the close, says that the close
// resets the peer: the same model state the runner checked each op against.
bool model_says_abortive(const runner::Trace& trace) {
  model::Model model(fuzz::platform_profile());
  for (const auto& step : trace.steps) {
    if (step.op.kind == ops::OpKind::close && step.op.endpoint == kClosing) return model.close_resets_peer(kClosing);
    if (step.called) model.apply(step.op, step.observed);
  }
  return false;
}

}  // namespace

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  closesem::fuzz::set_current_input(data, size);  // names a finding record as libFuzzer names the input
  const auto scenario = ops::linger_case(data, size);
  const auto trace = fuzz::check(kTarget, ops::linger_program(scenario));
  if (!trace.skipped.empty()) return 0;  // a transport this host lacks

  // What b read after the close, and how its stream ended (its last recv).
  std::uint64_t total = scenario.received;
  const runner::Step* last = nullptr;
  bool after_close = false;
  for (const auto& step : trace.steps) {
    if (step.op.kind == ops::OpKind::close) after_close = true;
    if (!after_close || step.op.kind != ops::OpKind::recv) continue;
    if (step.observed.type == ops::Outcome::Type::value) total += static_cast<std::uint64_t>(step.observed.value);
    last = &step;
  }
  if (last == nullptr) return 0;
  const std::string how = ops::describe(scenario);
  const std::uint64_t sent = scenario.sent;
  if (!model_says_abortive(trace)) {
    const bool fin = last->observed.type == ops::Outcome::Type::value && last->observed.value == 0;
    if (total != sent || !fin)
      fuzz::finding(kTarget,
                    "graceful close (" + how + "): the peer read " + std::to_string(total) + " of " +
                        std::to_string(sent) + " bytes and its stream ended in " + ops::print(last->observed) +
                        " instead of every byte and then end of stream",
                    "linger/graceful-stream", trace);
    return 0;
  }
  // Abortive: never more than was sent, and the end is what a reset reads as here
  // (after the first report of the reset POSIX reads end of stream; after a
  // half-close the peer saw our FIN before the RST).
  const auto& profile = fuzz::platform_profile();
  auto first = profile[model::Fact::recv_after_reset_first].outcomes;
  for (const auto fact : {model::Fact::recv_after_reset_again, model::Fact::recv_after_fin_then_reset})
    for (const auto& outcome : profile[fact].outcomes) first.push_back(outcome);
  if (scenario.kind == ops::Transport::unix_stream)
    first.push_back(ops::Outcome{ops::Outcome::Type::value, 0, Errc::ok});  // unix.7: no RST, EOF
  if (total > sent || !model::admits(first, last->observed))
    fuzz::finding(kTarget,
                  "abortive close (" + how + "): the peer read " + std::to_string(total) + " bytes and its stream ended in " +
                      ops::print(last->observed) + "; a reset reads as " + ops::print(first) + " here",
                  "linger/abortive-stream", trace);
  return 0;
}
