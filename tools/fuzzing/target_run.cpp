// SPDX-License-Identifier: MIT
// Bounded runs on core's platform Process (its own process group, output in a file), and
// what the tool does with a fuzz target's binary: one run on one input, and minimisation.
#include "fuzzing/target_run.hpp"

#include "closesem/codec.hpp"
#include "closesem/process.hpp"
#include "fuzzing/files.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#ifndef _WIN32
#include <signal.h>
#endif

namespace closesem::tool {

using Clock = std::chrono::steady_clock;
namespace {

constexpr std::chrono::milliseconds kGrace{5000};  // SIGTERM, then SIGKILL this much later
constexpr std::size_t kLogTail = 1024 * 1024;

// The last kLogTail bytes of a file ("" when it cannot be read).
std::string log_tail(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > static_cast<std::streamoff>(kLogTail) ? size - static_cast<std::streamoff>(kLogTail) : 0;
  in.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// The groups of the runs going on, so that Ctrl-C or a SIGTERM of the tool stops them
// too (they are in groups of their own: the terminal's signal does not reach them).
#ifndef _WIN32
constexpr int kSlots = 64;
std::atomic<long> g_groups[kSlots];

extern "C" void stop_groups_and_die(int sig) {
  for (auto& slot : g_groups) {
    const long group = slot.load();
    if (group > 0) ::kill(static_cast<pid_t>(-group), SIGKILL);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void register_group(long group) {
  install_stop_handler();
  for (auto& slot : g_groups) {
    long empty = 0;
    if (slot.compare_exchange_strong(empty, group)) return;
  }
}

void unregister_group(long group) {
  for (auto& slot : g_groups) {
    long expected = group;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}
#else
void register_group(long) {}
void unregister_group(long) {}
#endif

}  // namespace

struct BoundedRun::Impl {
  platform::Process process;
  RunSpec spec;
  Clock::time_point started;
  bool finished = false;
  RunResult result;

  RunResult finish(std::optional<int> status) {
    if (!status) {
      result.timed_out = true;
      process.stop(kGrace);
      status = process.wait(std::chrono::milliseconds(0));
    } else {
      process.stop(kGrace);  // (it has ended: this only takes what it left in its group)
    }
    unregister_group(process.id());
    result.status = status.value_or(-1);
    if (!spec.inherit_output) result.log = log_tail(spec.log_path);
    finished = true;
    return result;
  }
};

BoundedRun::BoundedRun() = default;
BoundedRun::~BoundedRun() {
  if (impl_ && !impl_->finished) stop();
}
BoundedRun::BoundedRun(BoundedRun&&) noexcept = default;
BoundedRun& BoundedRun::operator=(BoundedRun&& other) noexcept {
  if (this != &other) {
    if (impl_ && !impl_->finished) stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

bool BoundedRun::start(const RunSpec& spec, std::string& error) {
  if (spec.argv.empty()) {
    error = "run: no program given";
    return false;
  }
  if (!spec.inherit_output && spec.log_path.empty()) {
    error = "run " + spec.argv[0] + ": no log file given";
    return false;
  }
  auto impl = std::make_unique<Impl>();
  impl->spec = spec;
  platform::Process::Options options;
  options.inherit_output = spec.inherit_output;
  options.output_file = spec.inherit_output ? std::string() : spec.log_path;
  options.env = spec.env;
  options.own_group = !spec.inherit_output;
  options.cwd = spec.cwd;
  if (!platform::Process::start(spec.argv, options, impl->process, error)) return false;
  impl->started = Clock::now();
  if (options.own_group) register_group(impl->process.id());
  impl_ = std::move(impl);
  return true;
}

std::optional<RunResult> BoundedRun::wait_for(std::chrono::milliseconds timeout) {
  if (!impl_) return RunResult{-1, false, {}, false, "not started"};
  if (impl_->finished) return impl_->result;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(impl_->started + impl_->spec.limit - Clock::now());
  if (left.count() <= 0) return impl_->finish(impl_->process.wait(std::chrono::milliseconds(0)));
  const auto status = impl_->process.wait(timeout < left ? timeout : left);
  if (status) return impl_->finish(status);
  if (Clock::now() >= impl_->started + impl_->spec.limit) return impl_->finish(std::nullopt);
  return std::nullopt;
}

std::optional<RunResult> BoundedRun::poll() { return wait_for(std::chrono::milliseconds(0)); }

RunResult BoundedRun::wait() {
  for (;;) {
    if (auto result = wait_for(std::chrono::milliseconds(60000))) return *result;
  }
}

void BoundedRun::stop() {
  if (!impl_ || impl_->finished) return;
  const auto status = impl_->process.wait(std::chrono::milliseconds(0));
  impl_->finish(status);
  if (!status) impl_->result.timed_out = false;  // stopped on request, not at the limit
}

long BoundedRun::pid() const { return impl_ ? impl_->process.id() : 0; }
Clock::time_point BoundedRun::started_at() const { return impl_ ? impl_->started : Clock::time_point{}; }

RunResult run_bounded(const RunSpec& spec) {
  BoundedRun run;
  RunResult result;
  if (!run.start(spec, result.error)) {
    result.started = false;
    return result;
  }
  return run.wait();
}

TargetOutcome run_target_once(const FuzzTarget& target, const std::string& binary, const std::string& input,
                              const std::string& log_path,
                              const std::vector<std::pair<std::string, std::string>>& env) {
  TargetOutcome outcome;
  const std::string record = log_path + ".finding.json";
  std::error_code ec;
  std::filesystem::remove(record, ec);
  RunSpec spec;
  spec.argv = {binary, input};
  spec.log_path = log_path;
  const int limit = option_int(target, "timeout", 25) + 30;
  spec.limit = std::chrono::seconds(limit);
  spec.env = env;
  spec.env.emplace_back("CLOSESEM_FINDING_JSON", record);
  outcome.run = run_bounded(spec);
  if (!outcome.run.started) return outcome;
  std::string error;
  if (std::filesystem::exists(record, ec)) {
    outcome.finding = read_finding_file(record, error);
    std::filesystem::remove(record, ec);
    if (outcome.finding) return outcome;
  }
  outcome.finding = finding_from_log(target.name, outcome.run.log);
  if (!outcome.finding && outcome.run.timed_out) {
    Finding timeout;
    timeout.target = target.name;
    timeout.kind = "timeout";
    timeout.signature = "timeout/no end within " + std::to_string(limit) + " s";
    timeout.what = "no end within " + std::to_string(limit) + " s (the target's timeout + 30 s)";
    outcome.finding = timeout;
  }
  return outcome;
}

namespace {

// The units minimisation removes: 16-byte records, lines (the first stays), or bytes.
struct Units {
  std::vector<std::string> parts;
  std::size_t keep_first = 0;
  std::string join() const {
    std::string out;
    for (const auto& part : parts) out += part;
    return out;
  }
};

Units split(const FuzzTarget& target, const std::string& data) {
  Units units;
  if (is_text_format(target)) {
    std::size_t start = 0;
    while (start < data.size()) {
      const auto end = data.find('\n', start);
      const auto next = end == std::string::npos ? data.size() : end + 1;
      units.parts.push_back(data.substr(start, next - start));
      start = next;
    }
    units.keep_first = is_asio_text(target) ? 1 : 0;  // ("threads N" stays)
    return units;
  }
  // Op records by whole records (one op each, the codec's size); choices byte by byte.
  const std::size_t unit = is_op_records(target) ? ops::kRecordSize : 1;
  for (std::size_t i = 0; i < data.size(); i += unit) units.parts.push_back(data.substr(i, unit));
  return units;
}

}  // namespace

bool minimise(const FuzzTarget& target, const std::string& binary, const std::string& input,
              const std::string& signature, const std::string& out, Clock::time_point deadline, std::string& error,
              MinimiseStats& stats, const std::vector<std::pair<std::string, std::string>>& env) {
  files::Scratch scratch;
  if (scratch.path.empty()) {
    error = "minimise: cannot make a scratch folder";
    return false;
  }
  std::string data;
  if (!files::read(input, data, error)) {
    error = "minimise: " + error;
    return false;
  }
  auto run_env = env;
  if (is_asio_text(target)) run_env.emplace_back("CLOSESEM_FUZZ_STRICT_TEXT", "1");
  const std::string candidate = scratch.path + "/candidate";
  const std::string log = scratch.path + "/log";
  const auto signature_of = [&](const std::string& bytes) -> std::string {
    std::string write_error;
    if (!files::write(candidate, bytes, write_error)) return "(" + write_error + ")";
    ++stats.runs;
    const auto outcome = run_target_once(target, binary, candidate, log, run_env);
    if (!outcome.run.started) return "(" + outcome.run.error + ")";
    return outcome.finding ? outcome.finding->signature : std::string();
  };
  const std::string first = signature_of(data);
  if (first != signature) {
    error = "minimise: " + input + " does not fail with '" + signature + "' (got '" +
            (first.empty() ? "a clean run" : first) + "')";
    return false;
  }
  Units units = split(target, data);
  const auto size_of = [&](const Units& u, const std::string& bytes) {
    if (!is_text_format(target)) return static_cast<long>(bytes.size());
    return u.parts.size() > u.keep_first ? static_cast<long>(u.parts.size() - u.keep_first) : 0L;
  };
  stats.original_size = size_of(units, data);
  // Greedy: drop one unit at a time, keep the drop while the signature holds; repeat
  // until a whole pass drops nothing, or the deadline.
  bool changed = true;
  while (changed && !stats.stopped) {
    changed = false;
    for (std::size_t i = units.keep_first; i < units.parts.size();) {
      if (Clock::now() >= deadline) {
        stats.stopped = true;
        break;
      }
      Units smaller = units;
      smaller.parts.erase(smaller.parts.begin() + static_cast<std::ptrdiff_t>(i));
      if (signature_of(smaller.join()) == signature) {
        units = std::move(smaller);
        changed = true;
      } else {
        ++i;
      }
    }
  }
  const std::string smallest = units.join();
  stats.final_size = size_of(units, smallest);
  if (!files::write(out, smallest, error)) {
    error = "minimise: " + error;
    return false;
  }
  return true;
}

bool minimise(const FuzzTarget& target, const std::string& binary, const std::string& input,
              const std::string& signature, const std::string& out, Clock::time_point deadline, std::string& error) {
  MinimiseStats stats;
  return minimise(target, binary, input, signature, out, deadline, error, stats);
}

void install_stop_handler() {
#ifndef _WIN32
  static const bool installed = [] {
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction action {};
      action.sa_handler = stop_groups_and_die;
      ::sigemptyset(&action.sa_mask);
      struct sigaction old {};
      // (a signal this process ignores stays ignored)
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
      ::sigaction(sig, &action, nullptr);
    }
    return true;
  }();
  (void)installed;
#endif
}

}  // namespace closesem::tool
