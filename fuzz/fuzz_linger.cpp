// SPDX-License-Identifier: MIT
// fuzz_linger: one connection closed under every combination of linger setting
// (off, {1,0}, {1,1}), blocking mode, data queued towards the peer, data left unread
// at the closing end, a peer that reads before the close or not, and a half-close
// first. Beyond the model's check of every op, the target checks what the peer
// received and how its stream ended: a graceful close delivers every byte and then
// end of stream; an abortive one (linger {1,0}, or unread data) ends in what the
// platform's profile says a reset reads as.
#include "harness.hpp"

#include "closesem/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using namespace closesem;

constexpr const char* kTarget = "fuzz_linger";
constexpr unsigned kSizes[] = {0, 1, 100, 4096, 30000};

}  // namespace

CLOSESEM_FUZZ_INITIALIZE()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (fuzz::ran_as_script(kTarget, data, size)) return 0;  // an .ops twin of a regression
  fuzz::Choices in(data, size);
  static const char* const kKinds[] = {"tcp4", "tcp6", "unix"};
  const std::string kind = kKinds[in.pick(3)];
  const bool reversed = in.flip();
  const unsigned linger = in.pick(3);  // off, {1,0}, {1,1}
  const bool nonblocking = in.flip();
  const unsigned sent = kSizes[in.pick(5)];
  const unsigned unread = in.pick(3) == 0 ? kSizes[in.pick(5)] : 0;  // left unread at a
  const unsigned read_first = in.pick(3);  // the peer reads nothing, part, or all before the close
  const bool half_close = in.pick(4) == 0;

  std::string text = "pair " + kind + (reversed ? " reversed" : "") + "\n";
  if (nonblocking) text += "a nonblocking on\n";
  if (linger == 1) text += "a linger on 0\n";
  if (linger == 2) text += "a linger on 1\n";
  if (unread > 0) text += "b send " + std::to_string(unread) + "\na wait readable\n";
  if (sent > 0) text += "a send " + std::to_string(sent) + "\n";
  unsigned received = 0;
  if (sent > 0 && read_first == 1) received = sent / 2;
  if (sent > 0 && read_first == 2) received = sent;
  if (received > 0) text += "b recv " + std::to_string(received) + "\n";
  if (half_close) text += "a shutdown send\n";
  text += "a close\n";
  // The peer reads to the end: everything left, then the end of the stream, twice.
  text += "b recv 65536\nb recv 65536\nb recv 65536\nb error\n";
  const auto trace = fuzz::check(kTarget, fuzz::generated(kTarget, text));
  if (!trace.skipped.empty()) return 0;  // a transport this host lacks

  // What b read after the close, and how its stream ended (its last recv).
  std::uint64_t total = received;
  const runner::Step* last = nullptr;
  bool after_close = false;
  for (const auto& step : trace.steps) {
    if (step.op.kind == ops::OpKind::close) after_close = true;
    if (!after_close || step.op.kind != ops::OpKind::recv) continue;
    if (step.observed.type == ops::Outcome::Type::value) total += static_cast<std::uint64_t>(step.observed.value);
    last = &step;
  }
  if (last == nullptr) return 0;
  // AF_UNIX ignores SO_LINGER: only unread data makes its close abortive (unix.7).
  const bool abortive = (linger == 1 && kind != "unix") || unread > 0;
  const std::string how = std::string(linger == 0 ? "linger off" : linger == 1 ? "linger {1,0}" : "linger {1,1}") +
                          (nonblocking ? ", non-blocking" : "") + ", " + std::to_string(sent) + " bytes sent, " +
                          std::to_string(unread) + " unread at the closing end";
  if (!abortive) {
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
  if (kind == "unix") first.push_back(ops::Outcome{ops::Outcome::Type::value, 0, Errc::ok});  // unix.7: no RST, EOF
  if (total > sent || !model::admits(first, last->observed))
    fuzz::finding(kTarget,
                  "abortive close (" + how + "): the peer read " + std::to_string(total) + " bytes and its stream ended in " +
                      ops::print(last->observed) + "; a reset reads as " + ops::print(first) + " here",
                  "linger/abortive-stream", trace);
  return 0;
}
