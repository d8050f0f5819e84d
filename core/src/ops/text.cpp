// SPDX-License-Identifier: MIT
// The .ops text form. Parsing is line by line: a line is split into tokens (`->` and
// `|` are tokens of their own even without spaces around them), the op is read from
// the left, and the first problem stops the parse with its line, column and a message
// that quotes what was found and says what was expected. The parser checks syntax and
// ranges only; whether an endpoint exists is the model's business.
#include "closesem/text.hpp"

#include "closesem/events.hpp"

#include "ops_internal.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <utility>

namespace closesem::ops {
namespace {

constexpr std::string_view kArrow = "->";
constexpr std::string_view kBar = "|";
constexpr std::string_view kOneOfEndpointOps =
    "one of: socket, listen, connect, accept, send, recv, shutdown, close, linger, nonblocking, "
    "wait, pending, dup, error, start, poll, epoll, select, events, peername, sockname";
constexpr std::string_view kEndpointOps = kOneOfEndpointOps.substr(8);
// The ops allows_invalid_handle() accepts, as messages list them.
constexpr std::string_view kOneOfInvalidHandleOps =
    "one of: send, recv, shutdown, close, linger, nonblocking, wait, pending, error, listen, poll, "
    "epoll, select, events, peername, sockname";
constexpr std::string_view kSlots = "@1..@4";
static_assert(kPendingSlots == 4, "kSlots must show kPendingSlots");
constexpr std::string_view kInvalid = "invalid";
// The range of counts and values, as messages print it.
constexpr std::string_view kCountRange = "0..1048576";
constexpr std::string_view kNumber = "a number (0..1048576)";
static_assert(kMaxCount == 1048576, "kCountRange and kNumber must show kMaxCount");

struct Token {
  std::string_view text;
  int column = 0;                                                     // 1-based
  int end() const { return column + static_cast<int>(text.size()); }  // one past the last
};

// The parse stops at the first problem; text.cpp alone throws and catches this.
struct Failure {
  int column;
  std::string message;
};

// A token as a message quotes it: printable ASCII as is, anything else escaped, and
// long tokens cut, so that a binary file fed to the parser gives a readable message.
std::string quoted(std::string_view text) {
  constexpr std::size_t kLongest = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kLongest; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > kLongest) out += "...";
  return out + "'";
}

void tokenize(std::string_view line, std::vector<Token>& tokens) {
  tokens.clear();
  const std::size_t size = line.size();
  const auto arrow_at = [&](std::size_t i) {
    return line[i] == '-' && i + 1 < size && line[i + 1] == '>';
  };
  std::size_t i = 0;
  while (i < size) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (c == '|') {
      i += 1;
    } else if (arrow_at(i)) {
      i += 2;
    } else {
      while (i < size && line[i] != ' ' && line[i] != '\t' && line[i] != '|' && !arrow_at(i)) ++i;
    }
    tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
}

// A plain decimal number; nullopt when `text` is not one. Values above `cap` come back
// as cap + 1 so that a range check reports them without overflowing.
std::optional<std::int64_t> decimal(std::string_view text, std::int64_t cap) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > cap) value = cap + 1;
  }
  return value;
}

// What an argument is, for messages: "the byte count" with "0..1048576".
struct Argument {
  std::string_view name;
  std::string_view expected;  // "a number (0..1048576)", "a..h", ...
};

// C++17 has no string + string_view; messages are built with this one.
std::string operator+(std::string text, std::string_view more) { return text.append(more); }

// Reads one op line's tokens from the left.
class LineReader {
 public:
  // The op's tokens: [begin, end) of a line's tokens.
  LineReader(const Token* begin, const Token* end)
      : tokens_(begin), size_(static_cast<std::size_t>(end - begin)) {}

  bool done() const { return next_ == size_; }
  const Token& peek() const { return tokens_[next_]; }
  const Token& previous() const { return tokens_[next_ - 1]; }

  // The next token, or a failure naming what is missing right after the previous one.
  const Token& take(const Argument& argument) {
    if (done())
      throw Failure{previous().end(), "missing " + argument.name + " after " +
                                          quoted(previous().text) + "; expected " +
                                          argument.expected};
    return tokens_[next_++];
  }

  std::optional<Token> take_if(std::string_view word) {
    if (done() || peek().text != word) return std::nullopt;
    return tokens_[next_++];
  }

  int endpoint(const Argument& argument) {
    const Token& token = take(argument);
    if (token.text.size() == 1 && token.text[0] >= 'a' && token.text[0] < 'a' + kEndpoints)
      return token.text[0] - 'a';
    throw Failure{token.column, "unknown endpoint " + quoted(token.text) + "; expected a..h (" +
                                    argument.name + ")"};
  }

  std::uint32_t count(const Argument& argument) {
    const Token& token = take(argument);
    return count_of(token, argument);
  }

  static std::uint32_t count_of(const Token& token, const Argument& argument) {
    const auto value = decimal(token.text, kMaxCount);
    if (!value)
      throw Failure{token.column, quoted(token.text) + " is not a number; expected " +
                                      argument.name + " (" + kCountRange + ")"};
    if (*value > kMaxCount)
      throw Failure{token.column, quoted(token.text) + " is out of range; expected " +
                                      argument.name + " (" + kCountRange + ")"};
    return static_cast<std::uint32_t>(*value);
  }

  // One of `words` (returns its index); `argument.expected` lists them for the message.
  template <std::size_t N>
  int word(const std::array<std::string_view, N>& words, const Argument& argument,
           const char* unknown_what) {
    const Token& token = take(argument);
    for (std::size_t i = 0; i < N; ++i)
      if (token.text == words[i]) return static_cast<int>(i);
    throw Failure{token.column, "unknown " + std::string(unknown_what) + " " + quoted(token.text) +
                                    "; expected " + argument.expected};
  }

  // The op ends here: anything left over is an extra token (the outcome part was split
  // off before).
  void end() const {
    if (done()) return;
    throw Failure{peek().column, "unexpected " + quoted(peek().text) + " after " +
                                     quoted(previous().text) +
                                     "; expected the end of the op or '-> OUTCOME'"};
  }

 private:
  const Token* tokens_;
  std::size_t size_;
  std::size_t next_ = 0;
};

const Argument kEndpointAfterPair{"the second endpoint", "a..h"};

Transport read_kind(LineReader& in) {
  static constexpr std::array<std::string_view, 3> kWords{"tcp4", "tcp6", "unix"};
  return static_cast<Transport>(
      in.word(kWords, {"the socket kind", "tcp4, tcp6 or unix"}, "socket kind"));
}

// Y of an op with two endpoints: must differ from X.
int read_other(LineReader& in, int endpoint, const Argument& argument, std::string_view op) {
  const int other = in.endpoint(argument);
  if (other == endpoint)
    throw Failure{in.previous().column, "same endpoint " + quoted(in.previous().text) + " twice; " +
                                            std::string(op) + " needs two different endpoints"};
  return other;
}

void read_pair(LineReader& in, Op& op) {
  op.kind = OpKind::pair;
  op.socket_kind = read_kind(in);
  if (in.take_if("reversed")) op.reversed = true;
  if (in.done()) return;  // the default ends a b
  const Token& first = in.peek();
  if (first.text.size() != 1)
    throw Failure{first.column,
                  "unexpected " + quoted(first.text) + " after " + quoted(in.previous().text) +
                      "; expected 'reversed', two endpoints (a..h) or the end of the op"};
  op.endpoint = in.endpoint({"the first endpoint", "a..h"});
  op.other = read_other(in, op.endpoint, kEndpointAfterPair, "pair");
}

void read_shutdown(LineReader& in, Op& op) {
  const Argument how{"the direction", "receive, send, both or a number (-128..127)"};
  const Token& token = in.take(how);
  static constexpr std::array<std::string_view, 3> kWords{"receive", "send", "both"};
  for (std::size_t i = 0; i < kWords.size(); ++i) {
    if (token.text == kWords[i]) {
      op.how = static_cast<int>(i);
      return;
    }
  }
  // Invalid directions are a feature: any int8 passes through to the platform.
  const bool negative = !token.text.empty() && token.text[0] == '-';
  const auto magnitude = decimal(token.text.substr(negative ? 1 : 0), 1000);
  if (!magnitude)
    throw Failure{token.column,
                  "unknown direction " + quoted(token.text) + "; expected " + how.expected};
  const auto value = negative ? -*magnitude : *magnitude;
  if (value < -128 || value > 127)
    throw Failure{token.column, quoted(token.text) + " is out of range; expected " + how.expected};
  op.how = static_cast<int>(value);
}

// `@P`: a pending slot, @1..@4 (Op::slot 0..3).
int read_slot(LineReader& in) {
  const std::string_view before = in.previous().text;
  const Token& token = in.take({"the pending slot", kSlots});
  if (token.text.empty() || token.text[0] != '@')
    throw Failure{token.column, "unexpected " + quoted(token.text) + " after " + quoted(before) +
                                    "; expected the pending slot " + kSlots};
  const auto number = decimal(token.text.substr(1), 1000);
  if (!number)
    throw Failure{token.column, quoted(token.text) + " is not a pending slot; expected " + kSlots};
  if (*number < 1 || *number > kPendingSlots)
    throw Failure{token.column, quoted(token.text) + " is out of range; expected a pending slot " + kSlots};
  return static_cast<int>(*number) - 1;
}

// `[MS]` at the end of wait, collect, poll, epoll, select and events.
void read_optional_ms(LineReader& in, Op& op) {
  if (in.done()) return;
  op.count = LineReader::count_of(in.take({"", ""}), {"the timeout in milliseconds", ""});
  op.count_given = true;
}

// X start MECH CALL N|Y @P
void read_start(LineReader& in, Op& op) {
  static constexpr std::array<std::string_view, kMechanisms> kMechanismWords{"thread", "overlapped", "iocp",
                                                                             "uring"};
  op.mechanism = static_cast<Mechanism>(
      in.word(kMechanismWords, {"the mechanism", "thread, overlapped, iocp or uring"}, "mechanism"));
  static constexpr std::array<std::string_view, kPendingCalls> kCallWords{"recv", "send", "accept", "connect"};
  op.call = static_cast<PendingCall>(
      in.word(kCallWords, {"the call to start", "recv, send, accept or connect"}, "call"));
  switch (op.call) {
    case PendingCall::recv:
    case PendingCall::send:
      op.count = in.count({"the byte count", kNumber});
      break;
    case PendingCall::accept:
      op.other = read_other(in, op.endpoint, {"the endpoint for the accepted socket", "a..h"}, "start accept");
      break;
    case PendingCall::connect:
      op.other = read_other(in, op.endpoint, {"the listener's endpoint", "a..h"}, "start connect");
      break;
  }
  op.slot = read_slot(in);
}

void read_endpoint_op(LineReader& in, const Token& op_token, Op& op) {
  const std::string_view name = op_token.text;
  const auto kind_of = [](std::string_view word) -> std::optional<OpKind> {
    for (int i = 0; i < kOpKinds; ++i)
      if (to_string(static_cast<OpKind>(i)) == word) return static_cast<OpKind>(i);
    return std::nullopt;
  };
  const auto kind = kind_of(name);
  if (!kind)
    throw Failure{op_token.column,
                  "unknown op " + quoted(name) + "; expected one of: " + kEndpointOps};
  if (detail::has_slot(*kind) && !detail::has_endpoint(*kind))
    throw Failure{op_token.column, quoted(name) + " takes no endpoint before it (it names a pending slot); "
                                   "expected '" + name + " @P' with P in 1..4"};
  if (!detail::has_endpoint(*kind) || *kind == OpKind::pair)
    throw Failure{op_token.column,
                  quoted(name) + " takes no endpoint before it; expected one of: " + kEndpointOps};
  op.kind = *kind;
  switch (*kind) {
    case OpKind::socket:
      op.socket_kind = read_kind(in);
      break;
    case OpKind::connect:
      op.other = read_other(in, op.endpoint, {"the listener's endpoint", "a..h"}, "connect");
      break;
    case OpKind::accept:
      op.other =
          read_other(in, op.endpoint, {"the endpoint for the accepted socket", "a..h"}, "accept");
      break;
    case OpKind::dup:
      op.other = read_other(in, op.endpoint, {"the endpoint for the duplicate", "a..h"}, "dup");
      break;
    case OpKind::send:
    case OpKind::recv:
      op.count = in.count({"the byte count", kNumber});
      break;
    case OpKind::shutdown:
      read_shutdown(in, op);
      break;
    case OpKind::linger: {
      static constexpr std::array<std::string_view, 2> kWords{"off", "on"};
      op.on =
          in.word(kWords, {"the linger mode", "off, or on and the seconds"}, "linger mode") == 1;
      if (op.on) op.count = in.count({"the linger time in seconds", kNumber});
      break;
    }
    case OpKind::nonblocking: {
      static constexpr std::array<std::string_view, 2> kWords{"off", "on"};
      op.on = in.word(kWords, {"the mode", "on or off"}, "mode") == 1;
      break;
    }
    case OpKind::wait: {
      static constexpr std::array<std::string_view, 3> kWords{"readable", "writable", "hup"};
      op.wait_kind = static_cast<WaitKind>(
          in.word(kWords, {"the event", "readable, writable or hup"}, "event"));
      read_optional_ms(in, op);
      break;
    }
    case OpKind::start:
      read_start(in, op);
      break;
    case OpKind::epoll: {
      static constexpr std::array<std::string_view, 2> kWords{"level", "edge"};
      op.edge = in.word(kWords, {"the trigger mode", "level or edge"}, "trigger mode") == 1;
      read_optional_ms(in, op);
      break;
    }
    case OpKind::poll:
    case OpKind::select:
    case OpKind::events:
      read_optional_ms(in, op);
      break;
    default:  // listen, close, pending, error, peername, sockname: X alone
      break;
  }
  in.end();
}

// The op part of a line: the tokens [begin, end) before `->`, at least one.
Op read_op(const Token* begin, const Token* end) {
  Op op;
  op.where.column = begin->column;
  LineReader in(begin, end);
  const Token& first = in.take({"", ""});
  if (first.text == "pair") {
    read_pair(in, op);
    in.end();
    return op;
  }
  if (first.text == "startup" || first.text == "cleanup") {
    op.kind = first.text == "startup" ? OpKind::startup : OpKind::cleanup;
    in.end();
    return op;
  }
  if (first.text == "collect" || first.text == "cancel") {
    op.kind = first.text == "collect" ? OpKind::collect : OpKind::cancel;
    op.slot = read_slot(in);
    if (op.kind == OpKind::collect) read_optional_ms(in, op);
    in.end();
    return op;
  }
  if (first.text == kInvalid) {
    // The invalid handle (-1, INVALID_SOCKET) in X's place: only for ops on one handle.
    op.invalid_handle = true;
    const Token& op_token = in.take({"the op", kOneOfInvalidHandleOps});
    for (int i = 0; i < kOpKinds; ++i) {
      const auto kind = static_cast<OpKind>(i);
      if (to_string(kind) != op_token.text || allows_invalid_handle(kind)) continue;
      const bool second = detail::has_other(kind) || kind == OpKind::start;
      throw Failure{first.column, "'invalid' cannot be the handle of " + quoted(op_token.text) +
                                      (second ? ", which names a second endpoint" : "") +
                                      "; 'invalid' goes before " + kOneOfInvalidHandleOps};
    }
    read_endpoint_op(in, op_token, op);
    return op;
  }
  if (first.text.size() == 1) {
    if (first.text[0] < 'a' || first.text[0] >= 'a' + kEndpoints)
      throw Failure{first.column, "unknown endpoint " + quoted(first.text) + "; expected a..h"};
    op.endpoint = first.text[0] - 'a';
    const Token& op_token = in.take({"the op", kOneOfEndpointOps});
    read_endpoint_op(in, op_token, op);
    return op;
  }
  for (int i = 0; i < kOpKinds; ++i) {
    if (to_string(static_cast<OpKind>(i)) == first.text)
      throw Failure{first.column, quoted(first.text) +
                                      " needs an endpoint before it; expected 'X " + first.text +
                                      " ...' with X in a..h" +
                                      (allows_invalid_handle(static_cast<OpKind>(i)) ? " or invalid" : "")};
  }
  throw Failure{first.column, "unknown op " + quoted(first.text) +
                                  "; expected one of: pair, startup, cleanup, collect, cancel, or an "
                                  "endpoint (a..h, or invalid) followed by one of: " +
                                  kEndpointOps};
}

std::string outcome_choices() {
  std::string out = "ok, " + std::string(kNumber) + ", an event set such as {in,out}, fails, blocked or an error name (";
  std::size_t count = 0;
  const Errc* all = all_errcs(&count);
  bool first = true;
  for (std::size_t i = 0; i < count; ++i) {
    if (all[i] == Errc::ok) continue;
    if (!first) out += ", ";
    out += to_string(all[i]);
    first = false;
  }
  return out + ")";
}

// The names an event set is written with, for messages: "in, out, ..., close or close:ERROR".
std::string event_names() {
  std::string out;
  for (int i = 0; i < events::kBits; ++i) {
    if (!out.empty()) out += ", ";
    out += events::bit_name(1u << i);
  }
  return out + " or close:ERROR";
}

// `{}`, `{in,out}`, `{read,close:connection_reset}`.
Outcome read_event_set(const Token& token) {
  const std::string_view text = token.text;
  if (text.back() != '}')
    throw Failure{token.column, "the event set " + quoted(text) +
                                    " is not closed with '}'; an event set is written without spaces, such "
                                    "as {in,out}"};
  std::string why;
  const auto set = events::parse(text, &why);
  if (!set) throw Failure{token.column, why + "; expected {} or {NAME,...} with NAME one of: " + event_names()};
  Outcome outcome{Outcome::Type::events, 0, Errc::ok};
  outcome.set = *set;
  return outcome;
}

Outcome read_outcome(const Token& token) {
  if (token.text == "ok") return {Outcome::Type::ok, 0, Errc::ok};
  if (token.text == "blocked") return {Outcome::Type::blocked, 0, Errc::ok};
  if (token.text == "fails") return {Outcome::Type::fails, 0, Errc::ok};
  if (token.text.front() == '{') return read_event_set(token);
  const bool negative = token.text.size() > 1 && token.text[0] == '-';
  if (const auto value = decimal(token.text.substr(negative ? 1 : 0), kMaxCount)) {
    if (negative || *value > kMaxCount)
      throw Failure{
          token.column,
          quoted(token.text) + " is out of range; expected a return value (" + kCountRange + ")"};
    return {Outcome::Type::value, *value, Errc::ok};
  }
  const auto errc = errc_from_string(token.text);
  if (errc && *errc != Errc::ok) return {Outcome::Type::failure, 0, *errc};
  if (token.text.substr(0, 4) == "fail")
    throw Failure{token.column, "unknown outcome " + quoted(token.text) +
                                    "; did you mean 'fails' (a failure with any error)?"};
  throw Failure{token.column,
                "unknown outcome " + quoted(token.text) + "; expected " + outcome_choices()};
}

// Ops whose success is an event set.
bool reports_events(OpKind kind) {
  return kind == OpKind::poll || kind == OpKind::epoll || kind == OpKind::select || kind == OpKind::events;
}

// The alternatives of `op` after the `->` token `arrow`, in the tokens [begin, end):
// OUTCOME (| OUTCOME)*, at most one ok, one number and one fails, no duplicates; event
// sets only for the notifications. Returned in the canonical order.
std::vector<Outcome> read_alternatives(const Op& op, const Token* arrow, const Token* begin, const Token* end) {
  if (begin == end)
    throw Failure{arrow->column, "'->' with nothing after it; expected " + outcome_choices()};
  std::vector<Outcome> alternatives;
  alternatives.reserve(static_cast<std::size_t>(end - begin + 1) / 2);
  bool seen_ok = false;
  bool seen_blocked = false;
  bool seen_fails = false;
  bool seen_value = false;
  std::uint64_t seen_errcs = 0;  // bit i: Errc with value i
  static_assert(static_cast<int>(Errc::other) < 64, "the seen_errcs mask must hold every Errc");
  const Token* previous = arrow;
  for (const Token* token = begin;; token += 2) {
    if (token >= end)
      throw Failure{previous->end(), "missing an outcome after '|'; expected " + outcome_choices()};
    if (token->text == kBar || token->text == kArrow)
      throw Failure{token->column, "unexpected " + quoted(token->text) + " after " +
                                       quoted(previous->text) + "; expected " + outcome_choices()};
    const Outcome outcome = read_outcome(*token);
    bool duplicate = false;
    switch (outcome.type) {
      case Outcome::Type::ok:
        duplicate = std::exchange(seen_ok, true);
        break;
      case Outcome::Type::blocked:
        duplicate = std::exchange(seen_blocked, true);
        break;
      case Outcome::Type::fails:
        duplicate = std::exchange(seen_fails, true);
        break;
      case Outcome::Type::events:
        if (!reports_events(op.kind))
          throw Failure{token->column, "an event set " + quoted(token->text) + " is not an outcome of " +
                                           quoted(to_string(op.kind)) +
                                           "; event sets are what poll, epoll, select and events report"};
        duplicate = std::find(alternatives.begin(), alternatives.end(), outcome) != alternatives.end();
        break;
      case Outcome::Type::value:
        if (seen_value &&
            std::find(alternatives.begin(), alternatives.end(), outcome) == alternatives.end())
          throw Failure{token->column, "a second number " + quoted(token->text) +
                                           " among the alternatives; at most one return value "
                                           "can be expected"};
        duplicate = std::exchange(seen_value, true);
        break;
      case Outcome::Type::failure: {
        const std::uint64_t bit = std::uint64_t{1} << static_cast<int>(outcome.errc);
        duplicate = (seen_errcs & bit) != 0;
        seen_errcs |= bit;
        break;
      }
    }
    if (duplicate) throw Failure{token->column, "duplicate alternative " + quoted(token->text)};
    alternatives.push_back(outcome);
    const Token* bar = token + 1;
    if (bar >= end) break;
    if (bar->text != kBar)
      throw Failure{bar->column, "unexpected " + quoted(bar->text) + " after " +
                                     quoted(token->text) +
                                     "; expected '|' between alternatives or the end of the line"};
    previous = bar;
  }
  detail::sort_alternatives(alternatives);
  return alternatives;
}

// Strips the comment and a CR of a CR LF line ending.
std::string_view content_of(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto hash = line.find('#');
  return hash == std::string_view::npos ? line : line.substr(0, hash);
}

}  // namespace

std::string ParseError::describe() const {
  return (file.empty() ? std::string("<ops>") : file) + ":" + std::to_string(line) + ":" +
         std::to_string(column) + ": " + message;
}

bool parse(std::string_view text, const std::string& file, Program& out, ParseError& error) {
  // A UTF-8 byte-order mark, as some Windows editors save it, is not part of the first
  // line: columns count from after it. Anywhere else it is an unknown token.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) text.remove_prefix(kByteOrderMark.size());
  Program program;
  std::vector<Token> tokens;  // one line's, reused
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto newline = text.find('\n', start);
    const auto line_end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view line = content_of(text.substr(start, line_end - start));
    start = line_end + 1;
    ++line_number;

    tokenize(line, tokens);
    if (tokens.empty()) continue;
    try {
      if (program.ops.size() == kMaxOps)
        throw Failure{tokens.front().column,
                      "too many ops: a program has at most " + std::to_string(kMaxOps) + " ops"};
      const Token* begin = tokens.data();
      const Token* end = begin + tokens.size();
      const Token* arrow = begin;
      while (arrow != end && arrow->text != kArrow) ++arrow;
      if (arrow == begin)
        throw Failure{begin->column,
                      "'->' before any op; expected an op such as 'pair tcp4' or 'a close'"};
      Op op = read_op(begin, arrow);
      if (arrow != end) op.expect = read_alternatives(op, arrow, arrow + 1, end);
      op.where.line = line_number;
      program.ops.push_back(std::move(op));
    } catch (const Failure& failure) {
      error = ParseError{file, line_number, failure.column, failure.message};
      return false;
    }
  }
  out = std::move(program);
  return true;
}

std::string print(const Outcome& outcome) {
  switch (outcome.type) {
    case Outcome::Type::ok:
      return "ok";
    case Outcome::Type::blocked:
      return "blocked";
    case Outcome::Type::fails:
      return "fails";
    case Outcome::Type::value:
      return std::to_string(outcome.value);
    case Outcome::Type::events:
      return events::print(outcome.set);
    case Outcome::Type::failure:
      break;
  }
  // A failure "with" Errc::ok cannot be written; it reads as success.
  return std::string(to_string(outcome.errc));
}

std::string print(const std::vector<Outcome>& alternatives) {
  std::vector<Outcome> sorted;
  const std::vector<Outcome>* in_order = &alternatives;
  if (!detail::in_canonical_order(alternatives)) {
    sorted = alternatives;
    detail::sort_alternatives(sorted);
    in_order = &sorted;
  }
  std::string out;
  for (const Outcome& outcome : *in_order) {
    if (!out.empty()) out += " | ";
    out += print(outcome);
  }
  return out;
}

std::string print(const Op& op) {
  const std::string x =
      op.invalid_handle && allows_invalid_handle(op.kind) ? std::string(kInvalid) : endpoint_name(op.endpoint);
  const auto ms = [&op] { return op.count_given ? " " + std::to_string(op.count) : std::string(); };
  const std::string y = endpoint_name(op.other);
  std::string out;
  switch (op.kind) {
    case OpKind::pair:
      out = "pair " + std::string(to_string(op.socket_kind));
      if (op.reversed) out += " reversed";
      if (op.endpoint != 0 || op.other != 1) out += " " + x + " " + y;
      break;
    case OpKind::socket:
      out = x + " socket " + std::string(to_string(op.socket_kind));
      break;
    case OpKind::connect:
    case OpKind::accept:
    case OpKind::dup:
      out = x + " " + std::string(to_string(op.kind)) + " " + y;
      break;
    case OpKind::send:
    case OpKind::recv:
      out = x + " " + std::string(to_string(op.kind)) + " " + std::to_string(op.count);
      break;
    case OpKind::shutdown: {
      static constexpr std::array<std::string_view, 3> kWords{"receive", "send", "both"};
      out = x + " shutdown " +
            (op.how >= 0 && op.how < 3 ? std::string(kWords[static_cast<std::size_t>(op.how)])
                                       : std::to_string(op.how));
      break;
    }
    case OpKind::linger:
      out = x + (op.on ? " linger on " + std::to_string(op.count) : std::string(" linger off"));
      break;
    case OpKind::nonblocking:
      out = x + (op.on ? " nonblocking on" : " nonblocking off");
      break;
    case OpKind::wait:
      out = x + " wait " + std::string(to_string(op.wait_kind)) + ms();
      break;
    case OpKind::start:
      out = x + " start " + std::string(to_string(op.mechanism)) + " " + std::string(to_string(op.call)) + " " +
            (op.call == PendingCall::recv || op.call == PendingCall::send ? std::to_string(op.count) : y) + " " +
            slot_name(op.slot);
      break;
    case OpKind::collect:
      out = "collect " + slot_name(op.slot) + ms();
      break;
    case OpKind::cancel:
      out = "cancel " + slot_name(op.slot);
      break;
    case OpKind::epoll:
      out = x + (op.edge ? " epoll edge" : " epoll level") + ms();
      break;
    case OpKind::poll:
    case OpKind::select:
    case OpKind::events:
      out = x + " " + std::string(to_string(op.kind)) + ms();
      break;
    case OpKind::startup:
    case OpKind::cleanup:
      out = std::string(to_string(op.kind));
      break;
    default:  // listen, close, pending, error, peername, sockname
      out = x + " " + std::string(to_string(op.kind));
      break;
  }
  if (!op.expect.empty()) out += " -> " + print(op.expect);
  return out;
}

std::string print(const Program& program) {
  std::string out;
  for (const Op& op : program.ops) {
    out += print(op);
    out += '\n';
  }
  return out;
}

}  // namespace closesem::ops
