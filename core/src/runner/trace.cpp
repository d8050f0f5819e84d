// SPDX-License-Identifier: MIT
// A run's trace (closesem/runner.hpp Trace): its counts, its replay and its report.
#include "closesem/runner.hpp"

#include "closesem/text.hpp"

#include <algorithm>
#include <sstream>

namespace closesem::runner {
namespace {

std::string describe(const Step& step) {
  if (!step.called) return "not called";
  std::string text = ops::print(step.observed);
  if (!step.native_name.empty()) text += " " + step.native_name;
  return text;
}

}  // namespace

int Trace::divergences() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.prediction_held; }));
}

int Trace::failed_expectations() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.expectation_held; }));
}

int Trace::payload_failures() const {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.payload_held; }));
}

int Trace::unpredicted() const {
  return static_cast<int>(
      std::count_if(steps.begin(), steps.end(), [](const Step& s) { return s.called && s.predicted.admissible.empty(); }));
}

std::string Trace::replay() const {
  std::ostringstream out;
  out << "# replay of a run on " << platform << " (profile " << profile << ")\n";
  for (const auto& step : steps) {
    auto op = step.op;
    op.expect.clear();
    if (step.called) op.expect.push_back(step.observed);
    out << ops::print(op);
    if (!step.called || !step.payload_held) out << "  # " << step.note;
    out << '\n';
  }
  return out.str();
}

std::string Trace::report() const {
  std::string out;
  for (const auto& step : steps) out += report(step);
  for (const auto& call : reaped) out += "reaped " + call + "\n";
  for (const auto& leak : leaked) out += "LEAKED " + leak + "\n";
  for (const auto& leak : leaked_known) out += "leaked " + leak + "\n";
  return out;
}

std::string Trace::report(const Step& step) const {
  std::ostringstream out;
  auto op = step.op;
  op.expect.clear();
  std::string line = ops::print(op);
  if (line.size() < 28) line.resize(28, ' ');
  out << line << "  observed " << describe(step);
  out << "; predicted "
      << (step.predicted.admissible.empty() ? std::string("(no prediction)") : ops::print(step.predicted.admissible));
  if (!step.prediction_held) out << "  DIVERGES";
  if (!step.payload_held) out << "  PAYLOAD OFF THE PATTERN";
  if (!step.op.expect.empty())
    out << (step.expectation_held ? "; -> " : "; FAILED -> ") << ops::print(step.op.expect);
  out << '\n';
  if (!step.predicted.deviation.empty())
    out << "    model, a known deviation of " << profile << ": " << step.predicted.deviation << '\n';
  else if (!step.prediction_held)
    out << "    model: " << step.predicted.source << '\n';
  if (!step.note.empty()) out << "    note: " << step.note << '\n';
  for (const auto& settle : step.predicted.settle)
    if (settle.slot >= 0) out << "    settled on @" << settle.slot + 1 << " completing\n";
  return out.str();
}

}  // namespace closesem::runner
