// SPDX-License-Identifier: MIT
#include "ops_run.hpp"

#include "ops_tool.hpp"

#include "closesem/check_counts.hpp"
#include "closesem/model.hpp"
#include "closesem/platform.hpp"
#include "closesem/runner.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <set>

namespace closesem::tool {
namespace {

constexpr int kBadInput = 2;

// DIR/NAME.replay.ops for the script FILE, NAME.2.replay.ops, ... when an earlier script
// of this run (of the same name, from another folder) took it. (A file an earlier run
// left there is replaced: it is the same script's older replay.)
std::string replay_path(const std::string& dir, const std::string& file, std::set<std::string>& taken) {
  auto name = file.substr(file.find_last_of("/\\") + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".ops") == 0) name.resize(name.size() - 4);
  const bool separator = !dir.empty() && (dir.back() == '/' || dir.back() == '\\');
  const auto base = dir + (separator ? "" : "/") + name;
  auto path = base + ".replay.ops";
  for (int n = 2; !taken.insert(path).second; ++n) path = base + "." + std::to_string(n) + ".replay.ops";
  return path;
}

}  // namespace

bool within_block_bound(const ops::Program& program, const std::string& file, int max_block_seconds,
                        std::ostream& err) {
  const std::uint64_t bound_ms = static_cast<std::uint64_t>(max_block_seconds) * 1000;
  bool within = true;
  for (auto op : program.ops) {
    std::string problem;
    // wait, collect and the notifications with MS written block for up to MS.
    const bool waits = op.kind == ops::OpKind::wait || op.kind == ops::OpKind::collect ||
                       op.kind == ops::OpKind::poll || op.kind == ops::OpKind::epoll ||
                       op.kind == ops::OpKind::select || op.kind == ops::OpKind::events;
    if (waits && op.count_given && op.count > bound_ms) {
      problem = "waits up to " + std::to_string(op.count) + " ms";
    } else if (op.kind == ops::OpKind::linger && op.on && op.count > static_cast<std::uint64_t>(max_block_seconds)) {
      // (the close that lingers may come later, or only at the end of the run: the
      // linger time is where the script says how long)
      problem = "lets a close of " + ops::endpoint_name(op.endpoint) + " block for up to " +
                std::to_string(op.count) + " s (while data is unsent)";
    } else {
      continue;
    }
    const std::uint64_t needed = waits ? (op.count + 999) / 1000 : op.count;
    op.expect.clear();
    err << file << ':' << op.where.line << ':' << op.where.column << ": '" << ops::print(op) << "' " << problem
        << ", longer than the bound of " << max_block_seconds << " s: the script is not run (--max-block " << needed
        << " allows it)\n";
    within = false;
  }
  return within;
}

int ops_run(const OpsRunOptions& options, std::ostream& out, std::ostream& err) {
  // A bad CLOSESEM_TIMEOUT_MULTIPLIER ends the process here (status 2), before any script.
  platform::timeout_multiplier();
  platform::init_process();
  const platform::Session session;
  if (!session.outcome().ok()) {
    err << "closesem: WSAStartup failed: " << session.outcome().describe() << '\n';
    return kBadInput;
  }
  const auto platform_id = platform::platform_id();
  const auto profile_name = options.profile.empty() ? model::native_profile_name(platform::identity()) : options.profile;
  const auto* profile = model::find_profile(profile_name);
  if (profile == nullptr) {
    err << "closesem: unknown profile '" << profile_name << "'; known:";
    for (const auto& name : model::profile_names()) err << ' ' << name;
    err << '\n';
    return kBadInput;
  }

  // Every script is read, parsed and checked against the bound before any runs: a
  // script with an error, or one that would block too long, is reported and left out,
  // and the others still run. The exit status is the worst of them.
  std::vector<std::string> files;
  int status = expand_scripts(options.files, files, err) ? 0 : kBadInput;
  struct Script {
    std::string file;
    ops::Program program;
    bool runnable = false;
  };
  std::vector<Script> scripts;
  for (const auto& file : files) {
    Script script{file, {}, false};
    std::string text;
    ops::ParseError error;
    if (!read_file(file, text, err)) {
      // (read_file said why)
    } else if (!ops::parse(text, file, script.program, error)) {
      err << error.describe() << '\n';
    } else if (within_block_bound(script.program, file, options.max_block_seconds, err)) {
      script.runnable = true;
    }
    if (!script.runnable) status = kBadInput;
    scripts.push_back(std::move(script));
  }

  int held = 0;
  int diverged = 0;
  std::set<std::string> replays;
  runner::Options run_options;
  run_options.skip_invalid = options.skip_invalid;
  // Each op as it completes, flushed: a script that takes long (or hangs) shows where it is.
  run_options.on_step = [&out](const runner::Trace& trace, const runner::Step& step) {
    out << trace.report(step) << std::flush;
  };
  for (const auto& script : scripts) {
    if (!script.runnable) continue;
    const auto& file = script.file;
    out << file << " on " << platform_id << ", profile " << profile->name << '\n' << std::flush;
    const auto trace = runner::run(script.program, *profile, file, run_options);
    if (!trace.script_error.empty()) {
      out << std::flush;
      err << trace.script_error << '\n';
      status = kBadInput;
      continue;
    }
    if (!trace.skipped.empty()) out << "  skipped: " << trace.skipped << '\n';
    if (trace.dropped > 0) out << "  " << trace.dropped << " op(s) left out as script errors (--skip-invalid)\n";
    const int divergences = trace.divergences();
    const int failed = trace.failed_expectations();
    const int payload = trace.payload_failures();
    out << "  " << trace.steps.size() << " ops, " << divergences << " diverged from the model, " << failed
        << " failed their ->, " << payload << " received bytes off the pattern, " << trace.unpredicted()
        << " without a prediction\n";
    // How much of it the model checked: one outcome, a set, or nothing (issue 18).
    runner::CheckCounts checked;
    checked.add(trace);
    out << "  checked: " << checked.summary() << '\n';
    // Bytes off the pattern are a failure like a divergence: the stack lost, added or
    // reordered data (each such op's note says where).
    int file_status = divergences > 0 || failed > 0 || payload > 0 ? 1 : 0;
    // Pending calls reaped at the end of the script, and any that did not end (a leak:
    // a finding, like a divergence).
    for (const auto& call : trace.reaped) out << "  reaped " << call << '\n';
    for (const auto& leak : trace.leaked) out << "  LEAKED " << leak << '\n';
    for (const auto& leak : trace.leaked_known) out << "  leaked " << leak << '\n';
    if (!trace.leaked.empty()) file_status = 1;
    if (!options.replay_dir.empty()) {
      const auto path = replay_path(options.replay_dir, file, replays);
      out << std::flush;
      if (write_file(path, trace.replay(), err))
        out << "  replay (the run as observed): " << path << '\n';
      else
        file_status = kBadInput;
    }
    out << std::flush;
    if (file_status == 0) ++held;
    if (file_status == 1) ++diverged;
    status = std::max(status, file_status);
  }
  const auto count = [](std::size_t n, const char* one) {
    return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
  };
  const std::size_t errors = scripts.size() - static_cast<std::size_t>(held + diverged);
  out << "closesem ops run: " << count(scripts.size(), "script") << ": " << held << " held, " << diverged
      << " diverged or failed a ->, " << errors << " with an error\n";
  out << std::flush;
  return status;
}

}  // namespace closesem::tool
