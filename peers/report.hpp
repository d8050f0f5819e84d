// SPDX-License-Identifier: MIT
// The JSON lines a peer prints (connected, status, error, result), the expectations the
// result line checks, and the exit statuses they lead to.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace closesem::peer {

constexpr int kExitOk = 0;  // every expectation held
constexpr int kExitExpectationFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitSetupFailed = 3;  // bind, listen, accept or connect failed

// Keys stay in the order they are written: "event" first, as a reader expects.
using Json = nlohmann::ordered_json;

// How the incoming stream ended, in the words of the result line.
enum class End { none, fin, reset, timeout, local_close, error };

std::string_view end_name(End end);
std::optional<End> end_from_name(std::string_view name);

struct Expectations {
  std::optional<std::uint64_t> bytes;
  std::optional<End> end;
  bool pattern = false;
};

// What a peer has observed so far; the status and result lines print it.
struct Observed {
  std::string role;
  bool connected = false;
  bool reading = false;
  std::uint64_t bytes_received = 0;
  std::uint64_t checksum = 0;
  bool pattern_ok = true;
  End end = End::none;
  std::error_code end_error;
  std::uint64_t bytes_sent = 0;
  std::uint64_t send_queued = 0;
  std::error_code send_error;
  std::int64_t elapsed_ms = 0;
};

Json connected_event(const std::string& local, const std::string& remote);
Json status_event(const Observed& observed);
// Its "ok" is true when every expectation held.
Json result_event(const Observed& observed, const Expectations& expect);
// `line` is the input line the error is about; 0 when it is about no line.
Json error_event(std::string_view message, std::size_t line = 0);

// One line of output, whatever bytes the messages hold (invalid UTF-8 is replaced).
std::string to_line(const Json& event);

}  // namespace closesem::peer
