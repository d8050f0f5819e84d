// SPDX-License-Identifier: MIT
// `ops export --c`: an op script as one C file that needs nothing of closesem. The file
// is the runtime (tools/export/runtime/: the platform calls, then the portable op
// functions that mirror the runner's bounded waits and settle rules) followed by a main()
// with one call per op, each preceded by the script's line as a comment and the step's
// expectations: the script's `->` and the model's prediction for the profile of the
// platform the file is built for (`#if defined(_WIN32)`: one file carries both where
// they differ). The model is run here, before the program exists: where it admits
// several outcomes, each is followed (a fork of the model per outcome), and later steps
// admit what any fork admits, so that the file never reports a deviation that the runner,
// which follows the observed outcome, would not (a script that needs more than kMaxForks
// forks is refused rather than checked against fewer).
#include "ops_export.hpp"

#include "closesem/model.hpp"
#include "closesem/text.hpp"
#include "export_runtime.hpp"  // generated: the runtime's fragments as strings
#include "ops_tool.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <vector>

namespace closesem::tool {
namespace {

constexpr int kBadInput = 2;
// Forks of the model (one per admissible outcome of earlier steps) followed at most; the
// scripts of the suite need a handful.
constexpr std::size_t kMaxForks = 64;

// What one profile expects of one step.
struct Expectation {
  bool known = false;  // false: the model cannot say (some fork could not)
  std::string admissible;  // "0 | connection_reset"
  std::string why;         // the deviation (id: reason) or the source
  std::vector<std::string> settles;  // C calls, in order
  unsigned still_pending = 0;        // slots every fork still expects pending after the step
  bool times_out = false;            // start: only its own timeout ends it
};

std::string c_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      // (UTF-8 and control bytes as octal escapes: the text prints as written)
      const auto byte = static_cast<unsigned char>(c);
      out += '\\';
      out += static_cast<char>('0' + (byte >> 6));
      out += static_cast<char>('0' + ((byte >> 3) & 7));
      out += static_cast<char>('0' + (byte & 7));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A script comment as C comment text: never closes the comment early.
std::string c_comment(std::string text) {
  for (std::size_t at = text.find("*/"); at != std::string::npos; at = text.find("*/", at)) text.replace(at, 2, "* /");
  std::replace_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; }, ' ');
  return text;
}

std::string endpoint(int e, bool invalid = false) {
  if (invalid) return "CS_INVALID";
  return "CS_" + std::string(1, static_cast<char>('A' + e));
}

const char* transport(ops::Transport t) {
  switch (t) {
    case ops::Transport::tcp4: return "CS_TCP4";
    case ops::Transport::tcp6: return "CS_TCP6";
    case ops::Transport::unix_stream: return "CS_UNIX";
  }
  return "CS_TCP4";
}

const char* wait_kind(ops::WaitKind w) {
  switch (w) {
    case ops::WaitKind::readable: return "CS_READABLE";
    case ops::WaitKind::writable: return "CS_WRITABLE";
    case ops::WaitKind::hangup: return "CS_HANGUP";
  }
  return "CS_READABLE";
}

const char* mechanism(ops::Mechanism m) {
  switch (m) {
    case ops::Mechanism::thread: return "CS_THREAD";
    case ops::Mechanism::overlapped: return "CS_OVERLAPPED";
    case ops::Mechanism::iocp: return "CS_IOCP";
    case ops::Mechanism::uring: return "CS_URING";
  }
  return "CS_THREAD";
}

const char* call(ops::PendingCall c) {
  switch (c) {
    case ops::PendingCall::recv: return "CS_RECV";
    case ops::PendingCall::send: return "CS_SEND";
    case ops::PendingCall::accept: return "CS_ACCEPT";
    case ops::PendingCall::connect: return "CS_CONNECT";
  }
  return "CS_RECV";
}

std::string ms_of(const ops::Op& op) { return op.count_given ? std::to_string(op.count) : "-1"; }

// The op's call in main(): one portable op function per op kind (cs_common.c). times_out:
// a start's last argument (whether only its own timeout ends the call), as C text.
std::string op_call(const ops::Op& op, const std::string& times_out) {
  const auto e = endpoint(op.endpoint, op.invalid_handle);
  const auto other = endpoint(op.other);
  std::ostringstream out;
  switch (op.kind) {
    case ops::OpKind::pair:
      out << "cs_op_pair(" << e << ", " << other << ", " << transport(op.socket_kind) << ", " << (op.reversed ? 1 : 0)
          << ")";
      break;
    case ops::OpKind::socket: out << "cs_op_socket(" << e << ", " << transport(op.socket_kind) << ")"; break;
    case ops::OpKind::listen: out << "cs_op_listen(" << e << ")"; break;
    case ops::OpKind::connect: out << "cs_op_connect(" << e << ", " << other << ")"; break;
    case ops::OpKind::accept: out << "cs_op_accept(" << e << ", " << other << ")"; break;
    case ops::OpKind::send: out << "cs_op_send(" << e << ", " << op.count << "u)"; break;
    case ops::OpKind::recv: out << "cs_op_recv(" << e << ", " << op.count << "u)"; break;
    case ops::OpKind::shutdown: out << "cs_op_shutdown(" << e << ", " << op.how << ")"; break;
    case ops::OpKind::close: out << "cs_op_close(" << e << ")"; break;
    case ops::OpKind::dup: out << "cs_op_dup(" << e << ", " << other << ")"; break;
    case ops::OpKind::linger:
      out << "cs_op_linger(" << e << ", " << (op.on ? 1 : 0) << ", " << (op.on ? op.count : 0) << "u)";
      break;
    case ops::OpKind::nonblocking: out << "cs_op_nonblocking(" << e << ", " << (op.on ? 1 : 0) << ")"; break;
    case ops::OpKind::wait: out << "cs_op_wait(" << e << ", " << wait_kind(op.wait_kind) << ", " << ms_of(op) << ")"; break;
    case ops::OpKind::pending: out << "cs_op_pending(" << e << ")"; break;
    case ops::OpKind::error: out << "cs_op_error(" << e << ")"; break;
    case ops::OpKind::peername: out << "cs_op_peername(" << e << ")"; break;
    case ops::OpKind::sockname: out << "cs_op_sockname(" << e << ")"; break;
    case ops::OpKind::poll: out << "cs_op_poll(" << e << ", " << ms_of(op) << ")"; break;
    case ops::OpKind::select: out << "cs_op_select(" << e << ", " << ms_of(op) << ")"; break;
    case ops::OpKind::epoll: out << "cs_op_epoll(" << e << ", " << (op.edge ? 1 : 0) << ", " << ms_of(op) << ")"; break;
    case ops::OpKind::events: out << "cs_op_events(" << e << ", " << ms_of(op) << ")"; break;
    case ops::OpKind::startup: out << "cs_op_startup()"; break;
    case ops::OpKind::cleanup: out << "cs_op_cleanup()"; break;
    case ops::OpKind::start: {
      const bool has_other = op.call == ops::PendingCall::accept || op.call == ops::PendingCall::connect;
      const bool has_count = op.call == ops::PendingCall::recv || op.call == ops::PendingCall::send;
      out << "cs_op_start(" << e << ", " << mechanism(op.mechanism) << ", " << call(op.call) << ", "
          << (has_count ? op.count : 0) << "u, " << (has_other ? other : std::string("-1")) << ", " << op.slot
          << ", " << times_out << ")";
      break;
    }
    case ops::OpKind::collect: out << "cs_op_collect(" << op.slot << ", " << ms_of(op) << ")"; break;
    case ops::OpKind::cancel: out << "cs_op_cancel(" << op.slot << ")"; break;
    default: out << "/* unknown op */"; break;
  }
  return out.str();
}

std::string settle_call(const model::Settle& settle) {
  if (settle.slot >= 0) return "cs_settle_slot(" + std::to_string(settle.slot) + ")";
  if (settle.bytes > 0) return "cs_settle_bytes(" + endpoint(settle.endpoint) + ", " + std::to_string(settle.bytes) + "ull)";
  return "cs_settle(" + endpoint(settle.endpoint) + ", " + wait_kind(settle.what) + ")";
}

// The model of one profile, followed through the script as forks.
class Follower {
 public:
  explicit Follower(const model::Profile& profile) { forks_.emplace_back(profile); }

  // The step's expectation, then every fork advanced by each outcome it admits. A script
  // error (the model's: an endpoint never made, ...) is returned in `error`.
  Expectation step(const ops::Op& op, std::string& error) {
    Expectation out;
    if (forks_.empty()) return out;  // the run ended before on this platform (the runner's "skipped")
    out.known = true;
    std::vector<std::string> alternatives;
    std::vector<std::vector<std::string>> settles;
    std::vector<model::Model> next;
    bool times_out = true;
    std::string first_error;
    std::size_t predicted = 0;
    for (auto& fork : forks_) {
      std::string fork_error;
      const auto prediction = fork.predict(op, &fork_error);
      // A fork the script makes no sense in (an endpoint a failed op never made): the
      // runner would stop there with a script error; the other forks go on.
      if (!fork_error.empty()) {
        if (first_error.empty()) first_error = fork_error;
        continue;
      }
      ++predicted;
      if (prediction.admissible.empty()) out.known = false;
      for (const auto& alternative : prediction.admissible) {
        const auto text = ops::print(alternative);
        if (std::find(alternatives.begin(), alternatives.end(), text) == alternatives.end()) alternatives.push_back(text);
      }
      if (out.why.empty()) out.why = !prediction.deviation.empty() ? prediction.deviation : prediction.source;
      std::vector<std::string> these;
      for (const auto& settle : prediction.settle) these.push_back(settle_call(settle));
      settles.push_back(these);
      if (op.kind == ops::OpKind::start) times_out = times_out && fork.start_times_out(op);
      // Each admissible outcome (the runner applies the observed one). One the model
      // cannot predict: what the script asserts (an outcome off it is a
      // deviation anyway), else a success, or for a collect also `blocked` (the call may
      // still be pending, and a later collect of the slot must make sense).
      std::vector<ops::Outcome> outcomes = prediction.admissible;
      if (outcomes.empty()) outcomes = op.expect;
      if (outcomes.empty()) {
        outcomes.push_back(ops::Outcome{});
        if (op.kind == ops::OpKind::collect) outcomes.push_back(ops::Outcome{ops::Outcome::Type::blocked, 0, Errc::ok, {}});
      }
      // A transport or mechanism the platform lacks ends the run there (the runner's
      // "skipped": nothing after it runs), so that fork ends.
      const bool makes = op.kind == ops::OpKind::pair || op.kind == ops::OpKind::socket || op.kind == ops::OpKind::start;
      std::vector<ops::Outcome> followed;  // one outcome per class that applies alike
      for (const auto& outcome : outcomes) {
        if (std::any_of(followed.begin(), followed.end(),
                        [&](const ops::Outcome& f) { return model::Model::applies_alike(op, f, outcome); }))
          continue;
        followed.push_back(outcome);
        if (makes && outcome.type == ops::Outcome::Type::failure && outcome.errc == Errc::not_supported) continue;
        if (next.size() >= kMaxForks) {
          // Beyond the bound the expectations would be narrower than the model's (false
          // deviations): the export is refused instead (`ops run` follows the observed outcome).
          error = "the model admits more than " + std::to_string(kMaxForks) +
                  " combinations of outcomes by this op; the export cannot follow them all (run the script with "
                  "`ops run`)";
          return out;
        }
        auto copy = fork;
        copy.apply(op, outcome);
        next.push_back(std::move(copy));
      }
    }
    if (predicted == 0) {
      error = first_error;  // every fork: a script error
      return out;
    }
    if (out.known) {
      std::string joined;
      for (const auto& a : alternatives) joined += (joined.empty() ? "" : " | ") + a;
      out.admissible = joined;
    }
    // A settle every fork asks for (one a fork does not expect could wait in vain).
    if (!settles.empty())
      for (const auto& s : settles.front())
        if (std::all_of(settles.begin(), settles.end(), [&](const std::vector<std::string>& v) {
              return std::find(v.begin(), v.end(), s) != v.end();
            }))
          out.settles.push_back(s);
    out.times_out = op.kind == ops::OpKind::start && times_out;
    forks_ = std::move(next);
    for (int slot = 0; slot < ops::kPendingSlots; ++slot)
      if (std::all_of(forks_.begin(), forks_.end(), [slot](const model::Model& m) { return m.expects_pending(slot); }))
        out.still_pending |= 1u << slot;
    return out;
  }

  bool ended() const { return forks_.empty(); }
  void end() { forks_.clear(); }

 private:
  std::vector<model::Model> forks_;
};

std::string expect_text(const Expectation& e) { return e.known ? c_string(e.admissible) : "NULL"; }

std::string hex(unsigned mask) {
  std::ostringstream out;
  out << "0x" << std::hex << mask;
  return out.str();
}

// The step's lines of main() where the two platforms' expectations differ or not.
void emit_step(std::ostream& out, const ops::Op& op, const std::string& text, const std::string& script_expect,
               const Expectation* posix, const Expectation* windows, bool pending_calls) {
  // cs_step: the model's expectation per platform (one profile: the other is not run).
  const auto model_arg = [&]() -> std::string {
    if (posix && windows && expect_text(*posix) != expect_text(*windows))
      return "CS_ON_WINDOWS(" + expect_text(*windows) + ", " + expect_text(*posix) + ")";
    return expect_text(posix ? *posix : *windows);
  }();
  const auto why_arg = [&]() -> std::string {
    if (posix && windows && posix->why != windows->why)
      return "CS_ON_WINDOWS(" + c_string(windows->why) + ", " + c_string(posix->why) + ")";
    return c_string((posix ? posix : windows)->why);
  }();
  out << "  cs_step(" << op.where.line << ", " << c_string(text) << ", " << script_expect << ",\n          "
      << model_arg << ",\n          " << why_arg << ");\n";
  const std::string times_out =
      posix && windows && posix->times_out != windows->times_out
          ? std::string("CS_ON_WINDOWS(") + (windows->times_out ? "1" : "0") + ", " + (posix->times_out ? "1" : "0") + ")"
          : std::string((posix ? posix : windows)->times_out ? "1" : "0");
  out << "  " << op_call(op, times_out) << ";\n";
  // (After each step of a script that starts calls: those the model still expects pending.)
  const auto after = [pending_calls](const Expectation& e) {
    std::string lines;
    for (const auto& s : e.settles) lines += "  " + s + ";\n";
    if (pending_calls) lines += "  cs_still_pending(" + hex(e.still_pending) + ");\n";
    return lines;
  };
  if (posix && windows && after(*posix) != after(*windows)) {
    out << "#if defined(_WIN32)\n" << after(*windows) << "#else\n" << after(*posix) << "#endif\n";
  } else {
    out << after(posix ? *posix : *windows);
  }
}

void emit_runtime(std::ostream& out, bool uring) {
  out << "#if defined(__GNUC__)\n#define CS_UNUSED __attribute__((unused))\n#else\n#define CS_UNUSED\n#endif\n";
  if (uring) out << "#define CS_USE_URING 1\n";
  for (const auto* chunk : export_runtime::kPlatformH) out << chunk;
  for (const auto* chunk : export_runtime::kCommonC) out << chunk;
  out << "\n#if defined(_WIN32)\n";
  for (const auto* chunk : export_runtime::kWinsockC) out << chunk;
  out << "\n#else  /* POSIX */\n";
  for (const auto* chunk : export_runtime::kPosixC) out << chunk;
  out << "\n#endif  /* _WIN32 */\n";
}

}  // namespace

int ops_export(const OpsExportOptions& options, std::ostream& out, std::ostream& err) {
  std::string text;
  if (!read_file(options.input, text, err)) return kBadInput;
  ops::Program program;
  ops::ParseError parse_error;
  if (!ops::parse(text, options.input, program, parse_error)) {
    err << parse_error.describe() << '\n';
    return kBadInput;
  }
  if (program.ops.empty()) {
    err << "closesem ops export: " << options.input << ": no ops in the script (nothing to export)\n";
    return kBadInput;
  }
  const model::Profile* posix_profile = nullptr;
  const model::Profile* windows_profile = nullptr;
  if (options.profile.empty()) {
    posix_profile = model::find_profile("linux");
    windows_profile = model::find_profile("winsock");
  } else {
    const auto* chosen = model::find_profile(options.profile);
    if (!chosen) {
      std::string names;
      for (const auto& name : model::profile_names()) names += (names.empty() ? "" : ", ") + name;
      err << "closesem ops export: unknown profile '" << options.profile << "'; expected one of: " << names << '\n';
      return kBadInput;
    }
    (options.profile == "linux" ? posix_profile : windows_profile) = chosen;
  }
  std::optional<Follower> posix, windows;
  if (posix_profile) posix.emplace(*posix_profile);
  if (windows_profile) windows.emplace(*windows_profile);

  // The script's lines, for the comments that precede each op.
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  }
  const auto name = std::filesystem::path(options.input).filename().string();
  const auto stem = std::filesystem::path(options.input).stem().string();
  bool uring = false, pending_calls = false, script_errors = false;
  for (const auto& op : program.ops) {
    if (op.kind == ops::OpKind::start && op.mechanism == ops::Mechanism::uring) uring = true;
    if (op.kind == ops::OpKind::start) pending_calls = true;
  }

  std::ostringstream body;
  int next_line = 1;  // the first script line not yet shown
  for (const auto& op : program.ops) {
    // Each platform's model; a step that model calls a script error (an endpoint a
    // failed op never made, ...) ends that platform's run there, as `ops run` would stop
    // (exit 2), or with --skip-invalid is left out on it, as the fuzz targets do.
    std::string posix_error, windows_error;
    std::optional<Expectation> on_posix, on_windows;
    // (Whether each platform's run gets here: its model's forks before this step.)
    const bool posix_here = posix && !posix->ended(), windows_here = windows && !windows->ended();
    if (posix_here) on_posix = posix->step(op, posix_error);
    if (windows_here) on_windows = windows->step(op, windows_error);
    const bool posix_bad = !posix_error.empty(), windows_bad = !windows_error.empty();
    const bool posix_runs = posix_here && !posix_bad;
    const bool windows_runs = windows_here && !windows_bad;
    // (Refused when every profile calls it an error; one that stopped earlier on a transport
    // or mechanism its platform lacks still has a run to export.)
    if (!options.skip_invalid && (posix_bad || !posix) && (windows_bad || !windows)) {
      err << options.input << ":" << op.where.line << ":" << op.where.column << ": "
          << (posix_bad ? posix_error : windows_error) << '\n';
      return kBadInput;
    }
    // The script's comment lines since the last op, then the op itself.
    for (; next_line < op.where.line && next_line <= static_cast<int>(lines.size()); ++next_line) {
      const auto& line = lines[static_cast<std::size_t>(next_line - 1)];
      const auto first = line.find_first_not_of(" \t");
      if (first != std::string::npos && line[first] == '#') body << "  /* " << c_comment(line.substr(first)) << " */\n";
    }
    if (op.where.line >= 1 && op.where.line <= static_cast<int>(lines.size()))
      body << "  /* line " << op.where.line << ": " << c_comment(lines[static_cast<std::size_t>(op.where.line - 1)])
           << " */\n";
    next_line = op.where.line + 1;
    auto bare = op;
    bare.expect.clear();
    const auto script_expect = op.expect.empty() ? std::string("NULL") : c_string(ops::print(op.expect));
    for (const auto& [bad, why, guard, where, follower] :
         {std::tuple{posix_bad, posix_error, "!defined(_WIN32)", "on POSIX", posix ? &*posix : nullptr},
          std::tuple{windows_bad, windows_error, "defined(_WIN32)", "on Windows", windows ? &*windows : nullptr}}) {
      if (!bad) continue;
      if (options.skip_invalid) {
        body << "  /* left out " << where << ": " << c_comment(why) << " */\n";
        continue;
      }
      body << "#if " << guard << "\n  cs_script_error(" << op.where.line << ", " << c_string(why) << ");\n#endif\n";
      follower->end();
      script_errors = true;
    }
    if (posix_runs || windows_runs) {
      // (--skip-invalid: an op left out on one platform runs only on the other.)
      const bool only_posix = options.skip_invalid && windows_bad && posix_runs;
      const bool only_windows = options.skip_invalid && posix_bad && windows_runs;
      if (only_posix) body << "#if !defined(_WIN32)\n";
      if (only_windows) body << "#if defined(_WIN32)\n";
      emit_step(body, op, ops::print(bare), script_expect, posix_runs ? &*on_posix : nullptr,
                windows_runs ? &*on_windows : nullptr, pending_calls);
      if (only_posix || only_windows) body << "#endif\n";
    }
  }

  std::ostringstream file;
  file << "/* " << c_comment(name) << ": exported by `closesem ops export --c` from the op script below.\n"
       << " * A standalone reproducer: it needs nothing of closesem. It runs the script's ops on this\n"
       << " * machine's loopback sockets, one at a time, with bounded waits, prints each op with its\n"
       << " * observed outcome (return value, native error name and number) and what was expected,\n"
       << " * and stops at the first deviation.\n *\n";
  if (options.profile.empty())
    file << " * Expected outcomes: the script's `->`, and the closesem model of the platform it is built\n"
         << " * for: profile \"linux\" on POSIX, \"winsock\" (Windows as documented) on Windows.\n";
  else
    file << " * Expected outcomes: the script's `->`, and the closesem model profile \"" << c_comment(options.profile)
         << "\"\n * (built for " << (posix_profile ? "POSIX" : "Windows") << " only).\n";
  file << " *\n * Build and run:\n"
       << " *   Linux:   cc -std=c11 -O1 -pthread " << stem << ".c -o " << stem << (uring ? " -luring" : "")
       << " && ./" << stem << "\n"
       << " *   Windows: x86_64-w64-mingw32-gcc -std=c11 -O1 " << stem << ".c -o " << stem << ".exe -lws2_32, then "
       << stem << ".exe;\n *            under Wine: WINEDEBUG=-all wine64 " << stem << ".exe\n"
       << " * Exit status: 0 every op as expected, 1 the first deviation (printed), 2 this platform\n"
       << " * cannot run it (a transport or mechanism it lacks). CLOSESEM_TIMEOUT_MULTIPLIER (1 to 100)\n"
       << " * scales every bounded wait (slow machines, sanitizers).\n *\n"
       << " * The script (" << c_comment(name) << "):\n";
  for (const auto& line : lines) file << " *   " << c_comment(line) << "\n";
  file << " */\n";
  emit_runtime(file, uring);
  if (script_errors)
    file << "\n/* Where the model of one platform calls the script invalid (an op on an endpoint a failed\n"
         << " * op never made there), the run stops on that platform, as closesem's runner does. */\n"
         << "static CS_UNUSED void cs_script_error(int line, const char *why) {\n"
         << "  char verdict[600];\n"
         << "  snprintf(verdict, sizeof(verdict), \"not run on this platform from line %d: the script is invalid "
            "there for its model: %s\", line, why);\n"
         << "  cs_stop(2, verdict);\n}\n";
  file << "\n/* ---- the program: " << c_comment(name) << " ---- */\n"
       << "int main(void) {\n"
       << "  cs_begin(" << c_string(name) << ", " << (posix_profile ? c_string(posix_profile->name) : "NULL") << ", "
       << (windows_profile ? c_string(windows_profile->name) : "NULL") << ");\n"
       << body.str() << "  return cs_end();\n}\n";

  if (options.output.empty() || options.output == "-") {
    out << file.str();
    return 0;
  }
  return write_file(options.output, file.str(), err) ? 0 : kBadInput;
}

}  // namespace closesem::tool
