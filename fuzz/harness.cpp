// SPDX-License-Identifier: MIT
#include "harness.hpp"

#include "finding_record.hpp"
#include "semantic_feedback.hpp"

#include "closesem/check_counts.hpp"
#include "closesem/model.hpp"
#include "closesem/platform.hpp"
#include "closesem/program_builder.hpp"
#include "closesem/runner.hpp"
#include "closesem/semantic.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <system_error>


namespace closesem::fuzz {
namespace {

using ops::OpKind;

const model::Profile& profile_of_platform() {
  static const model::Profile* chosen = [] {
    // (CLOSESEM_FUZZ_PROFILE names another: an unknown name is bad usage, exit 2)
    const auto chosen_name = profile_from_environment();
    const auto name = chosen_name.empty() ? model::native_profile_name(platform::identity()) : chosen_name;
    const auto* found = model::find_profile(name);
    if (found == nullptr && !chosen_name.empty()) {
      std::string names;
      for (const auto& known : model::profile_names()) names += (names.empty() ? "" : ", ") + known;
      std::fprintf(stderr, "fuzz: CLOSESEM_FUZZ_PROFILE=%s: no model profile of that name (known: %s)\n",
                   name.c_str(), names.c_str());
      std::exit(2);
    }
    if (found == nullptr) {
      std::fprintf(stderr, "fuzz: no model profile named %s\n", name.c_str());
      std::abort();
    }
    return found;
  }();
  return *chosen;
}

runner::Options fuzz_options() {
  runner::Options options;
  options.patience = std::chrono::milliseconds(1000);  // a FIN or RST that never comes: a finding after 1 s
  // Linux loopback delivers data, FIN and RST before the call that sent them returns
  // (20,000 of 20,000 trials: docs/architecture.md, "Loopback timing"), so nothing is
  // waited for that the model does not expect; Winsock loopback is not that synchronous.
  const bool synchronous = platform::api() != platform::Api::winsock;
  options.quiet = std::chrono::milliseconds(synchronous ? 0 : 5);
  options.blocked = std::chrono::milliseconds(synchronous ? 0 : 5);
  options.skip_invalid = true;
  options.abortive_end = true;
  return options;
}

// CLOSESEM_FUZZ_KEEP_GOING=1: report findings without aborting (triage of a model
// change: one random run lists every kind of finding it meets).
bool keep_going() {
  static const bool on = [] {
    const char* value = std::getenv("CLOSESEM_FUZZ_KEEP_GOING");
    return value != nullptr && *value != '\0' && std::string(value) != "0";
  }();
  return on;
}

// CLOSESEM_CHECK_COUNTS=PATH: how much of every input the model checked, summed over the
// process (closesem/check_counts.hpp), written to PATH ("%p": the process id, so that
// libFuzzer's fork-mode children each write their own) after the first input, then at
// most once a second, at exit and just before a finding aborts. Atomically (PATH.tmp,
// then a rename), so that a reader never sees half a file. A failed write is said once
// and does not stop fuzzing.
// "%p" in a path -> the process id, every time it appears (libFuzzer's fork-mode children
// each write their own file).
std::string with_process_id(const std::string& path) {
  const auto pid = std::to_string(platform::process_id());
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path.compare(i, 2, "%p") == 0) {
      out += pid;
      ++i;
    } else {
      out += path[i];
    }
  }
  return out;
}

class CountsFile {
 public:
  // The process's file, or nullptr when CLOSESEM_CHECK_COUNTS is not set. Never
  // destroyed: the atexit write comes after static destructors may have run.
  static CountsFile* get() {
    static CountsFile* file = [] {
      const char* value = std::getenv("CLOSESEM_CHECK_COUNTS");
      if (value == nullptr || *value == '\0') return static_cast<CountsFile*>(nullptr);
      auto* made = new CountsFile(value);
      std::atexit([] { get()->write(); });
      return made;
    }();
    return file;
  }

  void add(const char* target, const runner::Trace& trace) {
    target_ = target;
    counts_.add(trace);
    const auto now = std::chrono::steady_clock::now();
    if (written_ && now - last_write_ < std::chrono::seconds(1)) return;
    write();
  }

  // Now, whatever the time since the last write (at exit, before an abort).
  void write() {
    if (target_.empty()) return;  // no input yet
    last_write_ = std::chrono::steady_clock::now();
    written_ = true;
    const auto text = counts_.to_json(target_);
    const auto temporary = path_ + ".tmp";
    std::string problem;
    if (std::FILE* out = std::fopen(temporary.c_str(), "wb")) {
      bool wrote = std::fwrite(text.data(), 1, text.size(), out) == text.size();
      int failure = wrote ? 0 : errno;
      if (std::fclose(out) != 0 && wrote) {  // (a full disk may only show when the buffer goes out)
        wrote = false;
        failure = errno;
      }
      if (!wrote) problem = "cannot write " + temporary + ": " + std::strerror(failure);
    } else {
      problem = "cannot write " + temporary + ": " + std::strerror(errno);
    }
    if (problem.empty()) {
      // (std::filesystem::rename replaces PATH on Windows too, where std::rename does not)
      std::error_code error;
      std::filesystem::rename(temporary, path_, error);
      if (error) problem = "cannot rename " + temporary + " to " + path_ + ": " + error.message();
    }
    if (!problem.empty() && !failed_) {
      failed_ = true;
      std::fprintf(stderr, "fuzz: CLOSESEM_CHECK_COUNTS: %s (fuzzing goes on; said once)\n", problem.c_str());
      std::fflush(stderr);
    }
  }

 private:
  explicit CountsFile(const std::string& path) : path_(with_process_id(path)) {}

  std::string path_;
  std::string target_;
  runner::CheckCounts counts_;
  std::chrono::steady_clock::time_point last_write_{};
  bool written_ = false;
  bool failed_ = false;
};

// The model transitions the input went through, as semantic coverage (issue 21): fed to
// libFuzzer's extra counters and to the replay engine, and written for the reports.
void note_transitions(const char* target, const runner::Trace& trace) {
  static const bool named = [&] {
    const char* path = std::getenv("CLOSESEM_SEMANTIC_COVERAGE");
    set_coverage_target(target, trace.profile, path != nullptr && *path != '\0' ? with_process_id(path) : "");
    return true;
  }();
  (void)named;
  int last_new = 0;
  for (const auto& step : trace.steps) {
    if (!step.called) continue;
    const auto outcome = semantic::outcome_class(step.observed);
    if (outcome == semantic::kNoClass) continue;
    if (note_transition(semantic::key(step.semantic_state, semantic::op_class(step.op), outcome)))
      last_new = std::max(last_new, step.op.where.line);
  }
  set_last_new_line(last_new);
  coverage_input_done();
}

std::string observed_class(const runner::Step& step) {
  if (!step.called) return "not-called";
  if (step.observed.type == ops::Outcome::Type::blocked) return "blocked";
  if (step.observed.type == ops::Outcome::Type::failure) return std::string(to_string(step.observed.errc));
  // An event set is small and does not change when the program around it is minimised.
  if (step.observed.type == ops::Outcome::Type::events) return ops::print(step.observed);
  return "value";
}

// What kind of finding the trace holds (the first step that did not hold), and a
// signature that stays the same when the program around it is minimised.
bool first_finding(const runner::Trace& trace, std::string& what, std::string& signature) {
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const auto& step = trace.steps[i];
    if (step.prediction_held && step.payload_held) continue;
    auto op = step.op;
    op.expect.clear();
    const std::string text = ops::print(op);
    const std::string kind(ops::to_string(op.kind));
    if (!step.payload_held) {
      // The bytes are wrong, whatever the count (a lost byte shifts the stream).
      what = "received bytes off the pattern at op " + std::to_string(i + 1) + " `" + text + "`: " + step.note;
      signature = "payload/" + kind;
    } else if (op.kind == OpKind::pair && !step.note.empty() && step.observed.type == ops::Outcome::Type::failure) {
      what = "pair setup failed at op " + std::to_string(i + 1) + " `" + text + "`: " + step.note;
      signature = "pair-setup";
    } else if (step.note.find("`) completed ") != std::string::npos) {
      // The runner's pending-call check (after every step): "@P's call (`...`) completed
      // early, ..." or "... completed N times". The op itself may have answered as predicted.
      const bool twice = step.note.find("`) completed early") == std::string::npos;
      what = "a pending call completed " + std::string(twice ? "more than once" : "early") + " at op " +
             std::to_string(i + 1) + " `" + text + "`: " + step.note;
      signature = twice ? "pending/completed-twice" : "pending/early-after/" + kind;
    } else if (step.note.rfind("settle:", 0) == 0) {
      what = "a consequence never came after op " + std::to_string(i + 1) + " `" + text + "`: " + step.note;
      signature = "settle/" + kind;
    } else {
      what = "divergence at op " + std::to_string(i + 1) + " `" + text + "`: observed " + ops::print(step.observed) +
             (step.native_name.empty() ? "" : " " + step.native_name) + ", the model predicted " +
             ops::print(step.predicted.admissible) + " (" + step.predicted.source + ")";
      signature = "divergence/" + kind + "/" + observed_class(step) + "/predicted " + ops::print(step.predicted.admissible);
    }
    return true;
  }
  return false;
}

void report_finding(const char* target, const std::string& what, const std::string& signature,
                         const runner::Trace& trace) {
  std::fprintf(stderr,
               "\nclosesem finding: %s: %s\n"
               "closesem signature: %s\n"
               "platform %s, model profile %s\n\n%s\n"
               "--- the program as it ran (.ops; replay with `closesem ops run FILE`) ---\n%s\n",
               target, what.c_str(), signature.c_str(), trace.platform.c_str(), trace.profile.c_str(),
               trace.report().c_str(), trace.replay().c_str());
  std::fflush(stderr);
  // The same finding as a record, for the tool (finding_record.hpp says where it goes).
  FindingRecord record;
  record.target = target;
  record.kind = signature.substr(0, signature.find('/'));
  record.signature = signature;
  record.what = what;
  record.platform = trace.platform;
  record.profile = trace.profile;
  record.program = trace.replay();
  write_finding_record(record);
  if (keep_going()) return;
  // (the counts up to and with the input that found it: nothing runs atexit after abort)
  if (auto* counts = CountsFile::get()) counts->write();
  coverage_write();
  std::abort();
}

// Winsock: leave the process inside exactly the one session initialize() opened,
// whatever startup/cleanup the program did (POSIX: both are no-ops).
void rebalance_sessions(const runner::Trace& trace) {
  int net = 0;
  for (const auto& step : trace.steps) {
    if (!step.called || step.observed.type == ops::Outcome::Type::failure) continue;
    if (step.op.kind == OpKind::startup) ++net;
    if (step.op.kind == OpKind::cleanup) --net;
  }
  for (; net > 0; --net) platform::cleanup();
  for (; net < 0; ++net) platform::startup();
}

}  // namespace

void initialize() {
  // Before any socket or thread: they stay in the namespace they were made in.
  static const bool isolated = (platform::private_loopback_per_environment(), true);
  (void)isolated;
  // A bad CLOSESEM_TIMEOUT_MULTIPLIER ends the process (exit 2) now, not at the first wait.
  (void)platform::timeout_multiplier();
  static platform::Session session;
  static const bool warmed = [] {
    // What lives for the whole process is made now, so that it does not count as the
    // first input's leak: the pair factory's listeners, the runner's refusing
    // addresses (a connect to a socket that is not listening) and the pending calls' pools.
    for (const auto kind : {ops::Transport::tcp4, ops::Transport::tcp6, ops::Transport::unix_stream}) {
      const auto transport = platform::transport_from_string(ops::to_string(kind));
      if (!transport || !platform::transport_available(*transport)) continue;
      ops::ProgramBuilder warm_up;
      warm_up.pair(kind, 0, 1).socket(2, kind).connect(2, 0);
      runner::run(warm_up.program(), profile_of_platform(), "warm-up", fuzz_options());
    }
    // The pending-call mechanisms keep process-wide parts (the worker and ring pools,
    // the I/O completion port): one completed call through each that is available.
    for (const auto mechanism : {ops::Mechanism::thread, ops::Mechanism::overlapped, ops::Mechanism::iocp,
                                 ops::Mechanism::uring}) {
      ops::ProgramBuilder warm_up;
      warm_up.pair(ops::Transport::tcp4, 0, 1).start_recv(0, mechanism, 1, 0).send(1, 1).collect(0);
      runner::run(warm_up.program(), profile_of_platform(), "warm-up", fuzz_options());
    }
    return true;
  }();
  (void)warmed;
}

bool pending_calls_enabled() {
  static const bool on = [] {
    const char* value = std::getenv("CLOSESEM_FUZZ_NO_PENDING");
    return value == nullptr || *value == '\0' || std::string(value) == "0";
  }();
  return on;
}

ops::Program shape(const ops::Program& program, const Shape& limits) {
  ops::Program shaped;
  shaped.ops.reserve(std::min(program.ops.size(), limits.max_ops));
  int sockets = 0;
  std::uint64_t sent = 0;
  std::uint64_t pending_sent = 0;
  int pending_calls = 0;
  // Which socket each endpoint names (a dup names its original's), so that a window
  // filler marks every handle of the socket that sent it. Made anew: a fresh number.
  std::array<int, 8> socket_of{};
  int next_socket = 1;
  std::set<int> filled;  // sockets that sent a window filler
  // A pair, socket or accept over an endpoint still open is a script error that the
  // runner drops, which this count cannot see (it follows no close): an endpoint whose
  // socket sent a filler keeps the mark on its new socket (fuzz_close_sequences: a
  // dropped `pair tcp4` over `a` let a plain send after a's filler through).
  const auto made = [&](int endpoint) {
    if (endpoint < 0 || endpoint >= static_cast<int>(socket_of.size())) return;
    const bool was_filled = socket_of[endpoint] != 0 && filled.count(socket_of[endpoint]) > 0;
    socket_of[endpoint] = next_socket++;
    if (was_filled) filled.insert(socket_of[endpoint]);
  };
  const auto sent_filler = [&](const ops::Op& op) {
    return !op.invalid_handle && op.endpoint >= 0 && op.endpoint < static_cast<int>(socket_of.size()) &&
           filled.count(socket_of[op.endpoint]) > 0;
  };
  // Ops on the invalid handle since the Winsock session last began or ended (the
  // process has one when an input starts; a cleanup without one changes nothing).
  int invalid_handle_ops = 0;
  int sessions = 1;
  for (auto op : program.ops) {
    if (shaped.ops.size() >= limits.max_ops) break;
    if (!limits.keep_expectations) op.expect.clear();
    if (op.invalid_handle && ++invalid_handle_ops > limits.max_invalid_handle_ops) continue;
    switch (op.kind) {
      case OpKind::startup:
        if (sessions++ == 0) invalid_handle_ops = 0;
        break;
      case OpKind::cleanup:
        if (sessions > 0 && --sessions == 0) invalid_handle_ops = 0;
        break;
      case OpKind::pair:
        if (++sockets > limits.max_sockets) continue;
        made(op.endpoint);
        made(op.other);
        break;
      case OpKind::socket:
        if (++sockets > limits.max_sockets) continue;
        made(op.endpoint);
        break;
      case OpKind::accept: made(op.other); break;
      case OpKind::dup:
        if (op.endpoint >= 0 && op.endpoint < 8 && op.other >= 0 && op.other < 8)
          socket_of[op.other] = socket_of[op.endpoint];
        break;
      case OpKind::send:
        op.count = std::min(op.count, limits.max_send);
        if (sent_filler(op)) continue;  // behind a filler: not delivered when it returns
        if (sent + op.count > limits.max_sent) continue;
        sent += op.count;
        break;
      case OpKind::recv: op.count = std::min(op.count, limits.max_recv); break;
      case OpKind::start:
        if (!limits.pending_calls || pending_calls >= limits.max_pending_calls) continue;
        if (op.call == ops::PendingCall::send) {
          // A pending send that fits the first window is a plain send's size (it counts
          // towards max_sent); a larger one is a window filler (Shape says why).
          if (!sent_filler(op) && sent + op.count <= limits.max_sent) {
            sent += op.count;
          } else {
            const std::uint64_t left = limits.max_pending_sent - std::min(pending_sent, limits.max_pending_sent);
            if (left < limits.min_pending_filler) continue;
            const std::uint64_t count = std::max<std::uint64_t>(op.count, limits.min_pending_filler);
            op.count = static_cast<std::uint32_t>(std::min<std::uint64_t>({count, left, ops::kMaxCount}));
            pending_sent += op.count;
            if (!op.invalid_handle && op.endpoint >= 0 && op.endpoint < 8 && socket_of[op.endpoint] != 0)
              filled.insert(socket_of[op.endpoint]);
          }
        } else if (op.call == ops::PendingCall::recv) {
          op.count = std::min(op.count, limits.max_recv);
        } else if (op.call == ops::PendingCall::accept) {
          made(op.other);  // (the accepted socket, when the completion is collected)
        }
        ++pending_calls;
        break;
      case OpKind::collect:
      case OpKind::cancel:
        if (!limits.pending_calls) continue;
        if (op.kind == OpKind::collect && op.count_given) op.count = std::min(op.count, limits.max_wait_ms);
        break;
      case OpKind::wait:
      case OpKind::poll:
      case OpKind::epoll:
      case OpKind::select:
      case OpKind::events:
        if (op.count_given) op.count = std::min(op.count, limits.max_wait_ms);
        break;
      // (reach, issue 21: random bytes almost never make a count of 0 or a valid direction)
      // Linger seconds modulo max+1: {1,0} is a third of the lingers, and every count the
      // seeds use (0, 1, 2, 5) keeps the value the earlier cap gave it.
      case OpKind::linger: op.count = op.count % (limits.max_linger_s + 1); break;
      // A direction other than receive, send and both becomes one of them, except the two
      // invalid ones the seeds use (-1, 7): 2 in 256 of random selectors still test EINVAL.
      case OpKind::shutdown:
        if (op.how != -1 && op.how != 7 && (op.how < 0 || op.how > 2)) op.how = ((op.how % 3) + 3) % 3;
        break;
      default: break;
    }
    shaped.ops.push_back(std::move(op));
  }
  if (pending_sent > 0) {
    // A close that lingers would wait on the filler's megabytes, which the peer may never
    // read: every linger of a program with a filler is 0 s (an abortive close).
    for (auto& op : shaped.ops)
      if (op.kind == OpKind::linger) op.count = 0;
  }
  return shaped;
}

const model::Profile& platform_profile() { return profile_of_platform(); }

void finding(const char* target, const std::string& what, const std::string& signature, const runner::Trace& trace) {
  report_finding(target, what, signature, trace);
}

runner::Trace check(const char* target, const ops::Program& program) {
  initialize();
  // The count after the last input is the count before this one (nothing opens a
  // descriptor between inputs): one count per input, not two (perf: the count was a
  // tenth of the target's time). After an input that ended early (a finding), counted again.
  static long counted = -1;
  const long before = counted >= 0 ? counted : platform::open_handle_count();
  counted = -1;
  const auto trace = runner::run(program, profile_of_platform(), "input", fuzz_options());
  if (auto* counts = CountsFile::get()) counts->add(target, trace);
  note_transitions(target, trace);
  rebalance_sessions(trace);
  std::string what, signature;
  if (!trace.script_error.empty()) {
    report_finding(target, "the runner refused the program: " + trace.script_error, "harness/script-error", trace);
    return trace;
  }
  if (first_finding(trace, what, signature)) {
    report_finding(target, what, signature, trace);
    return trace;
  }
  if (!trace.leaked.empty()) {
    // A pending call that a cancel, the close of every handle and a bounded wait did not
    // end (the runner left it to the process): never a hang, but a finding.
    std::string calls;
    for (const auto& leaked : trace.leaked) calls += (calls.empty() ? "" : "; ") + leaked;
    report_finding(target, "a pending call did not end when the input ended: " + calls, "pending/not-reaped", trace);
    return trace;
  }
  const long after = platform::open_handle_count();
  counted = after;
  if (before >= 0 && after > before)
    report_finding(target,
           std::to_string(after - before) + " descriptor(s) or handle(s) more open after the input than before (" +
               std::to_string(before) + " before, " + std::to_string(after) + " after)",
           "leak", trace);
  return trace;
}

}  // namespace closesem::fuzz
