// SPDX-License-Identifier: MIT
// `closesem promote` (and the nightly job, for every finding it keeps): a finding becomes
// a regression input. Formerly tools/promote.sh; the same steps, messages and exit statuses.
#include "fuzzing/promote.hpp"

#include "closesem/codec.hpp"
#include "closesem/fuzz_inputs.hpp"
#include "closesem/text.hpp"
#include "fuzzing/commands.hpp"
#include "fuzzing/files.hpp"
#include "fuzzing/target_run.hpp"

#include <ctime>
#include <filesystem>
#include <regex>
#include <sstream>
#include <system_error>

namespace closesem::tool {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A path as a header shows it: relative to the source tree when inside it.
std::string shown(const std::string& top, const std::string& path) {
  std::error_code ec;
  auto absolute = fs::weakly_canonical(fs::absolute(path, ec), ec).string();
  if (absolute.empty()) absolute = path;
  return absolute.compare(0, top.size() + 1, top + "/") == 0 ? absolute.substr(top.size() + 1) : absolute;
}

std::string last_lines(const std::string& text, int count) {
  std::size_t at = text.size();
  if (at > 0 && text[at - 1] == '\n') --at;
  for (int n = 0; n < count && at != std::string::npos && at > 0; ++n) at = text.rfind('\n', at - 1);
  return at == std::string::npos || at == 0 ? text : text.substr(at + 1);
}

// The asio-text program a finding printed: the lines between "program (" and "handlers:".
std::optional<std::string> printed_program(const std::string& log) {
  std::istringstream in(log);
  std::string line, program;
  bool on = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!on) {
      on = line.rfind("program (", 0) == 0;
      continue;
    }
    if (line.rfind("handlers:", 0) == 0) return program;
    program += line + "\n";
  }
  if (on) return program;
  return std::nullopt;
}

// An op program's text without its `->` expectations (random bytes make random ones,
// and the socket targets ignore them).
std::string without_expectations(const std::string& text) {
  static const std::regex arrow(" +-> .*$");
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) out += std::regex_replace(line, arrow, "") + "\n";
  return out;
}

class Promotion {
 public:
  Promotion(const PromoteOptions& options, const FuzzTarget& target, std::ostream& err)
      : options_(options), target_(target), err_(err), top_(target.source_dir) {}

  PromoteResult run() {
    const std::string fuzzers = options_.fuzzers.empty() ? default_fuzzers_dir() : options_.fuzzers;
    binary_ = fuzzers + "/" + target_.name;
    std::error_code ec;
    if (!fs::is_regular_file(binary_, ec)) return refuse(2, "no target binary " + binary_);
    if (!fs::is_regular_file(options_.crash, ec)) return refuse(2, "no such file: " + options_.crash);
    if (scratch_.path.empty()) return refuse(2, "cannot make a scratch folder");
    out_dir_ = options_.out_dir.empty() ? regressions_dir(target_) : options_.out_dir;
    fs::create_directories(out_dir_, ec);
    if (ec) return refuse(2, "cannot make the folder " + out_dir_ + ": " + ec.message());
    origin_ = options_.origin.empty() ? "Regression " + options_.id + " of " + target_.name + ", promoted " +
                                            files::utc_now("%Y-%m-%d") + " from " + fs::path(options_.crash).filename().string() + "."
                                      : options_.origin;
    if (options_.time_limit > 0) deadline_ = Clock::now() + std::chrono::seconds(options_.time_limit);
    log_ = scratch_.path + "/out";
    return is_text_format(target_) ? promote_text() : promote_bytes(false);
  }

 private:
  PromoteResult refuse(int status, const std::string& reason) {
    say(reason);
    result_.status = status;
    result_.reason = reason;
    return result_;
  }
  void say(const std::string& text) { err_ << "promote: " << text << "\n"; }

  // One run; the signature it failed with, "" when clean (the output stays in log_).
  std::string run_once(const std::string& file, bool strict_text = false) {
    std::vector<std::pair<std::string, std::string>> env;
    if (strict_text) env.emplace_back("CLOSESEM_FUZZ_STRICT_TEXT", "1");
    last_ = run_target_once(target_, binary_, file, log_, env);
    if (!last_.run.started) return "(cannot run: " + last_.run.error + ")";
    return last_.finding ? last_.finding->signature : std::string();
  }

  // The signature FILE fails with, said; nullopt (and the run's tail) when it runs clean.
  std::optional<std::string> failure_of(const std::string& file) {
    const std::string signature = run_once(file);
    if (!last_.run.started) {
      refuse(2, last_.run.error);
      return std::nullopt;
    }
    if (signature.empty()) {
      refuse(1, options_.crash + " does not fail with " + target_.name + ": nothing to promote (output of the run:)");
      err_ << last_lines(last_.run.log, 20);
      return std::nullopt;
    }
    say(options_.crash + " fails with: " + signature);
    result_.signature = signature;
    return signature;
  }

  std::string finding_line() const {
    return last_.finding && !last_.finding->what.empty() ? target_.name + ": " + last_.finding->what : std::string();
  }

  std::string header(const std::string& file, const std::string& replay_prefix) const {
    return "# " + origin_ + "\n# Finding: " + finding_line() + "\n# Signature: " + wanted_ + "\n# Replay: " +
           replay_prefix + shown(top_, binary_) + " " + shown(top_, file) + "\n";
  }

  bool keep_log() {
    if (options_.log.empty()) return true;
    std::string error;
    if (files::write(options_.log, last_.run.log, error)) return true;
    refuse(2, error);
    return false;
  }

  PromoteResult finish(const std::string& written, const std::string& model_file) {
    result_.status = 0;
    result_.written = written;
    result_.what = finding_line();
    if (fs::path(out_dir_) == fs::path(regressions_dir(target_)))
      say("it fails until the model (" + model_file + ") or the platform is fixed; ctest replays it from then on");
    if (!result_.what.empty()) err_ << "closesem finding: " << result_.what << "\n";
    return result_;
  }

  // Asio-text targets: the program text the finding printed, minimised by whole lines,
  // kept as ID.asio (input and readable reproducer at once). A sanitizer's finding prints
  // no program: its input is kept as bytes.
  // (ops-text, fuzz_ops_text: the input is the text itself, kept as ID.ops.)
  PromoteResult promote_text() {
    const auto wanted = failure_of(options_.crash);
    if (!wanted) return result_;
    wanted_ = *wanted;
    std::optional<std::string> program;
    if (is_asio_text(target_)) {
      // The program of the target's record, else the one its report printed.
      if (last_.finding && !last_.finding->program.empty())
        program = last_.finding->program;
      else
        program = printed_program(last_.run.log);
    } else {
      std::string text, read_error;
      if (!files::read(options_.crash, text, read_error)) return refuse(2, read_error);
      program = text;
    }
    if (!program) return promote_bytes(true);
    std::string error;
    const std::string input = scratch_.path + "/input";
    if (!files::write(input, *program, error)) return refuse(2, error);
    if (run_once(input, true) != wanted_)
      return refuse(1, "the program the finding printed does not fail the same way on its own (a race with 2 "
                       "threads?); nothing written");
    const std::string smallest = scratch_.path + "/smallest";
    MinimiseStats stats;
    if (!minimise(target_, binary_, input, wanted_, smallest, deadline_, error, stats)) return refuse(1, error);
    result_.minimised = "minimised to " + std::to_string(stats.final_size) + " steps in " + std::to_string(stats.runs) +
                        " runs" + stopped(stats);
    say(result_.minimised);
    const std::string got = run_once(smallest, true);
    if (got != wanted_)
      return refuse(1, "the minimised program no longer fails the same way (got '" +
                           (got.empty() ? std::string("a clean run") : got) + "'); nothing written");
    std::string text;
    if (!files::read(smallest, text, error)) return refuse(2, error);
    const std::string path = out_dir_ + "/" + options_.id + input_suffix(target_);
    if (!files::write(path, header(path, is_asio_text(target_) ? "CLOSESEM_FUZZ_VERBOSE=1 " : "") + text, error))
      return refuse(2, error);
    if (!keep_log()) return result_;
    say("wrote " + shown(top_, path));
    return finish(path, is_asio_text(target_) ? "the asio model: core/src/asio_model/asio_model.cpp"
                                              : "core/src/ops: the parser, printer and codecs");
  }

  std::string stopped(const MinimiseStats& stats) const {
    return stats.stopped ? " (stopped at the time limit of " + std::to_string(options_.time_limit) + " s)" : "";
  }

  // Binary formats: the bytes, minimised (whole records, or choice bytes), kept as
  // ID<suffix> (.rec, .linger, .handles) with the program they make beside it as ID.ops.
  // An asio-text finding without a printed program (a sanitizer's) is kept as ID.bin.
  PromoteResult promote_bytes(bool signature_known) {
    std::string error, contents;
    const std::string input = scratch_.path + "/input";
    if (!files::read(options_.crash, contents, error)) return refuse(2, error);
    const ops::InputFormatInfo* format = ops::find_input_format(target_.format);
    // A script (.ops) given for a binary format becomes its bytes first (the format's encoder).
    if (format != nullptr && fs::path(options_.crash).extension() == ".ops") {
      ops::Program program;
      ops::ParseError parse_error;
      if (!ops::parse(contents, options_.crash, program, parse_error)) return refuse(2, parse_error.describe());
      std::vector<std::uint8_t> bytes;
      std::string why;
      if (!ops::encode_input(format->format, program, bytes, why))
        return refuse(2, options_.crash + " cannot be written as " + format->name + ": " + why);
      contents.assign(bytes.begin(), bytes.end());
    }
    if (!files::write(input, contents, error)) return refuse(2, error);
    if (!signature_known) {
      const auto wanted = failure_of(input);
      if (!wanted) return result_;
      wanted_ = *wanted;
    }
    const std::string smallest = scratch_.path + "/smallest";
    MinimiseStats stats;
    if (!minimise(target_, binary_, input, wanted_, smallest, deadline_, error, stats)) return refuse(1, error);
    result_.minimised = "minimised from " + std::to_string(stats.original_size) + " to " +
                        std::to_string(stats.final_size) + " bytes in " + std::to_string(stats.runs) + " runs" +
                        stopped(stats);
    say(result_.minimised);
    // The same failure, once more, from the file that is kept.
    const std::string got = run_once(smallest);
    if (got != wanted_)
      return refuse(1, "the minimised input no longer fails the same way (got '" +
                           (got.empty() ? std::string("a clean run") : got) + "'); nothing written");
    std::string bytes;
    if (!files::read(smallest, bytes, error)) return refuse(2, error);
    const std::string name = options_.id + (format != nullptr ? format->suffix : ".bin");
    const std::string kept = out_dir_ + "/" + name;
    if (!files::write(kept, bytes, error)) return refuse(2, error);
    if (!keep_log()) return result_;
    std::string text = header(kept, "");
    if (format == nullptr) {
      text += "# (a sanitizer's finding: the target printed no program; the input is " + name + ")\n";
    } else {
      const auto program =
          ops::decode_input(format->format, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      text += without_expectations(ops::print(program));
    }
    if (!files::write(out_dir_ + "/" + options_.id + ".ops", text, error)) return refuse(2, error);
    say("wrote " + shown(top_, kept) + " and " + options_.id + ".ops");
    return finish(kept, "core/src/model/profiles.cpp");
  }

  const PromoteOptions& options_;
  const FuzzTarget& target_;
  std::ostream& err_;
  std::string top_, binary_, out_dir_, origin_, log_, wanted_;
  Clock::time_point deadline_ = Clock::time_point::max();
  files::Scratch scratch_;
  TargetOutcome last_;
  PromoteResult result_;
};

bool valid_id(const std::string& id) {
  static const std::regex pattern("^[A-Za-z0-9._-]+$");
  return std::regex_match(id, pattern);
}

}  // namespace

PromoteResult promote(const PromoteOptions& options, std::ostream& err) {
  PromoteResult result;
  const FuzzTarget* target = find_fuzz_target(options.target);
  if (target == nullptr) {
    result.reason = "unknown fuzz target '" + options.target + "' (one of: " + fuzz_target_names() + ")";
  } else if (!valid_id(options.id)) {
    result.reason = "--name needs an ID of letters, digits, '.', '_' or '-', got '" + options.id + "'";
  } else if (options.time_limit < 0) {
    result.reason = "--time-limit must be 0 or more seconds";
  } else {
    return Promotion(options, *target, err).run();
  }
  err << "promote: " << result.reason << "\n";
  return result;
}

int promote_command(const PromoteCommandOptions& options, bool build_targets, std::ostream& out, std::ostream& err) {
  const auto bad = [&](const std::string& why) {
    err << "closesem promote: " << why << "\n";
    return 2;
  };
  if (options.args.empty()) return bad("needs a CRASH file (from findings/TARGET/)");
  if (options.args.size() > 1) return bad("takes one CRASH file, got " + std::to_string(options.args.size()));
  PromoteOptions promote_options;
  promote_options.crash = options.args[0];
  std::error_code ec;
  if (!fs::is_regular_file(promote_options.crash, ec)) return bad("no such file: " + promote_options.crash);
  if (options.id.empty()) return bad("needs --name ID");
  if (!valid_id(options.id)) return bad("--name needs an ID of letters, digits, '.', '_' or '-', got '" + options.id + "'");
  promote_options.id = options.id;
  promote_options.target = options.target;
  if (promote_options.target.empty()) {
    promote_options.target = fs::absolute(promote_options.crash, ec).lexically_normal().parent_path().filename().string();
    if (find_fuzz_target(promote_options.target) == nullptr)
      return bad("cannot tell the target from the folder of " + promote_options.crash + "; give --target TARGET (one of: " +
                 fuzz_target_names() + ")");
  }
  const FuzzTarget* target = find_fuzz_target(promote_options.target);
  if (target == nullptr)
    return bad("unknown fuzz target '" + promote_options.target + "' (one of: " + fuzz_target_names() + ")");
  std::string error;
  if (!parse_seconds(options.time_limit, "--time-limit", promote_options.time_limit, error, true)) return bad(error);
  promote_options.fuzzers = options.fuzzers;
  promote_options.out_dir = options.out_dir;
  promote_options.log = options.log;
  promote_options.origin = options.origin;
  const std::string out_dir = options.out_dir.empty() ? regressions_dir(*target) : options.out_dir;
  for (const std::string& suffix : {input_suffix(*target), std::string(".bin")}) {
    const std::string existing = out_dir + "/" + options.id + suffix;
    if (fs::exists(existing, ec)) return bad(existing + " exists already");
  }
  if (build_targets) {
    out << target->name << "\n";
    return 0;
  }
  return promote(promote_options, err).status;
}

}  // namespace closesem::tool
