// SPDX-License-Identifier: MIT
// The asio model's program text: parse, print, and the binary form (asio_program.hpp).
#include "closesem/asio_program.hpp"

#include <cstdlib>
#include <sstream>

namespace closesem::asio_program {
namespace {

const char* const kWaits[] = {"read", "write", "error"};
const char* const kShutdowns[] = {"receive", "send", "both"};
constexpr std::uint32_t kMaxSize = 1u << 20;

std::string end_name(int end) { return end == 0 ? "a" : "b"; }

std::string line_of(const Step& step) {
  const std::string e = end_name(step.end) + " ";
  switch (step.kind) {
    case StepKind::read: return e + "read " + std::to_string(step.size);
    case StepKind::write: return e + "write " + std::to_string(step.size);
    case StepKind::wait: return e + "wait " + kWaits[step.what];
    case StepKind::close: return e + "close";
    case StepKind::cancel: return e + "cancel";
    case StepKind::destroy: return e + "destroy";
    case StepKind::release: return e + "release";
    case StepKind::shutdown: return e + "shutdown " + kShutdowns[step.what];
    case StepKind::linger: return e + (step.what ? "linger on" : "linger off");
    case StepKind::run: return "run";
    case StepKind::run_one: return "run_one";
    case StepKind::stop: return "stop";
    case StepKind::restart: return "restart";
    case StepKind::accept: return "accept";
    case StepKind::connect: return "connect";
    case StepKind::listener_close: return "listener close";
    case StepKind::listener_cancel: return "listener cancel";
  }
  return "?";
}

int index_of(const std::string& word, const char* const* names, int count) {
  for (int i = 0; i < count; ++i)
    if (word == names[i]) return i;
  return -1;
}

}  // namespace

bool parse(const std::string& text, Program& out, std::string& error) {
  out = Program{};
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  bool first = true;
  while (std::getline(lines, line)) {
    ++number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.empty()) continue;
    const auto fail = [&](const std::string& what) {
      error = "line " + std::to_string(number) + ": " + what + ": '" + line + "'";
      return false;
    };
    Step step;
    if (w[0] == "threads") {
      if (!first || w.size() != 2 || (w[1] != "0" && w[1] != "2"))
        return fail("'threads 0' or 'threads 2' comes first, once");
      out.threads = w[1] == "2" ? 2 : 0;
      first = false;
      continue;
    }
    first = false;
    const bool global = w[0] != "a" && w[0] != "b";
    if (global) {
      const std::string& verb = w[0];
      if (verb == "run" && w.size() == 1) step.kind = StepKind::run;
      else if (verb == "run_one" && w.size() == 1) step.kind = StepKind::run_one;
      else if (verb == "stop" && w.size() == 1) step.kind = StepKind::stop;
      else if (verb == "restart" && w.size() == 1) step.kind = StepKind::restart;
      else if (verb == "accept" && w.size() == 1) step.kind = StepKind::accept;
      else if (verb == "connect" && w.size() == 1) step.kind = StepKind::connect;
      else if (verb == "listener" && w.size() == 2 && w[1] == "close") step.kind = StepKind::listener_close;
      else if (verb == "listener" && w.size() == 2 && w[1] == "cancel") step.kind = StepKind::listener_cancel;
      else return fail("expected an end (a, b) or run, run_one, stop, restart, accept, connect, listener close|cancel");
    } else {
      step.end = w[0] == "a" ? 0 : 1;
      if (w.size() < 2) return fail("expected an operation after the end");
      const std::string& verb = w[1];
      const auto arg = [&](int index) -> std::string { return w.size() > static_cast<std::size_t>(index) ? w[index] : ""; };
      const bool two = w.size() == 2, three = w.size() == 3;
      if ((verb == "read" || verb == "write") && three) {
        step.kind = verb == "read" ? StepKind::read : StepKind::write;
        const std::string digits = arg(2);
        char* end = nullptr;
        const unsigned long size = std::strtoul(digits.c_str(), &end, 10);
        if (digits.empty() || *end != '\0' || size == 0 || size > kMaxSize)
          return fail("a size from 1 to " + std::to_string(kMaxSize));
        step.size = static_cast<std::uint32_t>(size);
      } else if (verb == "wait" && three && index_of(arg(2), kWaits, 3) >= 0) {
        step.kind = StepKind::wait;
        step.what = index_of(arg(2), kWaits, 3);
      } else if (verb == "shutdown" && three && index_of(arg(2), kShutdowns, 3) >= 0) {
        step.kind = StepKind::shutdown;
        step.what = index_of(arg(2), kShutdowns, 3);
      } else if (verb == "linger" && three && (arg(2) == "on" || arg(2) == "off")) {
        step.kind = StepKind::linger;
        step.what = arg(2) == "on" ? 1 : 0;
      } else if (verb == "close" && two) step.kind = StepKind::close;
      else if (verb == "cancel" && two) step.kind = StepKind::cancel;
      else if (verb == "destroy" && two) step.kind = StepKind::destroy;
      else if (verb == "release" && two) step.kind = StepKind::release;
      else return fail("expected read N, write N, wait read|write|error, close, cancel, destroy, release, "
                       "shutdown send|receive|both or linger on|off");
    }
    step.text = line_of(step);
    out.steps.push_back(step);
  }
  return true;
}

std::string print(const Program& program) {
  std::string text = "threads " + std::to_string(program.threads) + "\n";
  for (const auto& step : program.steps) text += step.text + "\n";
  return text;
}

Program from_bytes(const std::uint8_t* data, std::size_t size, std::size_t max_steps) {
  static const std::uint32_t kReads[] = {1, 16, 4096, 65536};
  static const std::uint32_t kWrites[] = {1, 100, 16384, kMaxSize};
  Program program;
  if (size == 0) return program;
  program.threads = data[0] % 4 == 3 ? 2 : 0;
  for (std::size_t at = 1; at + 1 < size && program.steps.size() < max_steps; at += 2) {
    const std::uint8_t op = data[at], arg = data[at + 1];
    Step step;
    step.end = arg & 1;
    const unsigned pick = arg >> 1;
    switch (op % 20) {
      case 0: case 1: step.kind = StepKind::read; step.size = kReads[pick % 4]; break;
      case 2: case 3: step.kind = StepKind::write; step.size = kWrites[pick % 4]; break;
      case 4: step.kind = StepKind::wait; step.what = static_cast<int>(pick % 3); break;
      case 5: step.kind = StepKind::close; break;
      case 6: step.kind = StepKind::shutdown; step.what = static_cast<int>(pick % 3); break;
      case 7: step.kind = StepKind::cancel; break;
      case 8: step.kind = StepKind::destroy; break;
      case 9: step.kind = StepKind::linger; step.what = static_cast<int>(pick % 2); break;
      case 10: step.kind = StepKind::release; break;
      case 11: case 12: step.kind = StepKind::run; break;
      case 13: step.kind = StepKind::run_one; break;
      case 14: step.kind = StepKind::stop; break;
      case 15: step.kind = StepKind::restart; break;
      case 16: step.kind = StepKind::accept; break;
      case 17: step.kind = StepKind::connect; break;
      case 18: step.kind = StepKind::listener_close; break;
      case 19: step.kind = StepKind::listener_cancel; break;
    }
    step.text = line_of(step);
    program.steps.push_back(step);
  }
  return program;
}

}  // namespace closesem::asio_program
