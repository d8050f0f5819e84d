// SPDX-License-Identifier: MIT
// Commands: parsed from lines read on their own thread, run in order on the session's.
#include "commands.hpp"

#include "peer.hpp"

#include <asio/post.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

namespace closesem::peer {
namespace {

constexpr std::size_t kQuoteLimit = 60;  // keeps an error line short, whatever came in

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto begin = text.find_first_not_of(" \t", at);
    if (begin == std::string_view::npos) break;
    const auto end = std::min(text.find_first_of(" \t", begin), text.size());
    words.push_back(text.substr(begin, end - begin));
    at = end;
  }
  return words;
}

std::string quoted(std::string_view text) {
  return "'" + std::string{text.substr(0, kQuoteLimit)} + (text.size() > kQuoteLimit ? "...'" : "'");
}

}  // namespace

std::optional<Command> parse_command(std::string_view text, std::string& error) {
  const auto words = split_words(text);
  error.clear();
  if (words.empty()) return std::nullopt;
  const auto verb = words[0];
  const std::size_t arguments = verb == "send" || verb == "shutdown" ? 1 : 0;
  Command command;
  if (verb == "send") {
    command.kind = Command::Kind::send;
  } else if (verb == "shutdown") {
    command.kind = Command::Kind::shutdown;
  } else if (verb == "close") {
    command.kind = Command::Kind::close;
  } else if (verb == "abort") {
    command.kind = Command::Kind::abort;
  } else if (verb == "read") {
    command.kind = Command::Kind::read;
  } else if (verb == "report") {
    command.kind = Command::Kind::report;
  } else if (verb == "exit") {
    command.kind = Command::Kind::exit;
  } else if (verb == "finish") {
    command.kind = Command::Kind::finish;
  } else {
    error = "unknown command " + quoted(verb) +
            " (send N, shutdown send|receive|both, close, abort, read, report, exit, finish)";
    return std::nullopt;
  }
  if (words.size() != arguments + 1) {
    error = std::string{verb} + (arguments == 0 ? " takes no argument" : " takes one argument") + ", got " +
            quoted(text);
    return std::nullopt;
  }
  if (command.kind == Command::Kind::send) {
    const auto word = words[1];
    const auto [stop, failure] = std::from_chars(word.data(), word.data() + word.size(), command.count);
    if (failure != std::errc{} || stop != word.data() + word.size()) {
      error = "send: expected a whole number of bytes, got " + quoted(word);
      return std::nullopt;
    }
  }
  if (command.kind == Command::Kind::shutdown) {
    command.how_name = words[1];
    if (command.how_name == "send") {
      command.how = asio::socket_base::shutdown_send;
    } else if (command.how_name == "receive") {
      command.how = asio::socket_base::shutdown_receive;
    } else if (command.how_name == "both") {
      command.how = asio::socket_base::shutdown_both;
    } else {
      error = "shutdown: expected send, receive or both, got " + quoted(command.how_name);
      return std::nullopt;
    }
  }
  return command;
}

bool needs_connection(Command::Kind kind) {
  switch (kind) {
    case Command::Kind::send:
    case Command::Kind::shutdown:
    case Command::Kind::close:
    case Command::Kind::abort:
    case Command::Kind::read:
      return true;
    case Command::Kind::report:
    case Command::Kind::exit:
    case Command::Kind::finish:
      return false;
  }
  return false;
}

bool follows_sends(Command::Kind kind) {
  return kind == Command::Kind::shutdown || kind == Command::Kind::close || kind == Command::Kind::abort;
}

void Peer::start_command_reader() {
  input_->start(io_, [this](std::optional<Line> line) { on_input(std::move(line)); });
}

void Peer::on_input(std::optional<Line> line) {
  if (finished_) return;
  if (line && line->too_long) {
    print(error_event("line " + std::to_string(line->number) + " is longer than " +
                          std::to_string(kMaxLineBytes) + " bytes: the input ends here",
                      line->number));
    end_of_input();
    return;
  }
  if (!line) {
    pending_.push_back(std::nullopt);
    // Commands that wait for a connection that has not come wait for nothing now: the
    // one who sent them is gone or done (README.md, "End of input").
    if (!ready_ || waiting_for_connection()) {
      end_of_input();
      return;
    }
    run_commands();
    return;
  }
  const auto size = line->text.size();
  if (pending_.size() >= kMaxQueuedCommands || pending_bytes_ + size > kMaxQueuedBytes) {
    print(error_event("more than " + std::to_string(kMaxQueuedCommands) + " commands (or " +
                          std::to_string(kMaxQueuedBytes >> 20) +
                          " MiB of them) wait to run: the input ends here",
                      line->number));
    end_of_input();
    return;
  }
  pending_bytes_ += size;
  pending_.push_back(std::move(line));
  run_commands();
}

// The input has ended (or must end): what is queued is dropped, and the session ends as
// with `finish`.
void Peer::end_of_input() {
  pending_.clear();
  pending_bytes_ = 0;
  input_->stop();
  finish();
}

// The next command waits for the connection (or the role's start).
bool Peer::waiting_for_connection() const {
  for (const auto& next : pending_) {
    if (!next) return false;
    std::string error;
    const auto command = parse_command(next->text, error);
    if (command) return needs_connection(command->kind) && !role_started_;
  }
  return false;
}

void Peer::run_commands() {
  while (ready_ && !finished_ && !pending_.empty()) {
    const auto& next = pending_.front();
    if (!next) {  // End of input: the parent is gone or done, so is the peer.
      pending_.pop_front();
      finish();
      return;
    }
    std::string error;
    const auto command = parse_command(next->text, error);
    if (!command) {
      if (!error.empty()) print(error_event(error, next->number));
      pending_bytes_ -= next->text.size();
      pending_.pop_front();
      continue;
    }
    // It waits for the connection, and the commands after it wait too: order holds.
    if (needs_connection(command->kind) && !role_started_) return;
    // The stream's end goes out after the bytes of earlier sends.
    if (follows_sends(command->kind) && send_queued() > 0) {
      if (!waiting_for_sends_) {
        waiting_for_sends_ = true;
        when_sent([this] {
          waiting_for_sends_ = false;
          run_commands();
        });
      }
      return;
    }
    const auto number = next->number;
    pending_bytes_ -= next->text.size();
    pending_.pop_front();
    execute(*command, number);
  }
}

void Peer::execute(const Command& command, std::size_t line) {
  switch (command.kind) {
    case Command::Kind::send:
      send_pattern(command.count);
      break;
    case Command::Kind::shutdown: {
      std::error_code error;
      socket_.shutdown(command.how, error);
      if (error)
        print(error_event("shutdown " + std::string{command.how_name} + ": " + error.message(), line));
      break;
    }
    case Command::Kind::close:
      close();
      finish();  // Nothing is left to observe on a closed socket.
      break;
    case Command::Kind::abort:
      abort();
      finish();
      break;
    case Command::Kind::read:
      if (!reads_started_ && !end_) drain([this] { finish(); });
      break;
    case Command::Kind::report:
      print(status_event(observe(false)));
      break;
    case Command::Kind::exit:
      exit_at_once(kExitOk);
      break;
    case Command::Kind::finish:
      finish();
      break;
  }
}

}  // namespace closesem::peer
