// SPDX-License-Identifier: MIT
// The peer's JSON lines, and the check of its expectations.
#include "report.hpp"

#include <asio/error.hpp>

#include <array>
#include <cstdio>
#include <utility>

namespace closesem::peer {
namespace {

constexpr std::array<std::pair<End, std::string_view>, 6> kEndNames{{
    {End::none, "none"},
    {End::fin, "fin"},
    {End::reset, "reset"},
    {End::timeout, "timeout"},
    {End::local_close, "local-close"},
    {End::error, "error"},
}};

std::string hex64(std::uint64_t value) {
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(value));
  return text.data();
}

// The OS's own error number (errno, WSAGetLastError()); 0 for asio's own conditions
// such as end of file, which no system call returned.
int native_code(const std::error_code& error) {
  return error.category() == asio::system_category() ? error.value() : 0;
}

std::string message_of(const std::error_code& error) { return error ? error.message() : std::string{}; }

}  // namespace

std::string_view end_name(End end) {
  for (const auto& [value, name] : kEndNames) {
    if (value == end) return name;
  }
  return "none";
}

std::optional<End> end_from_name(std::string_view name) {
  for (const auto& [value, text] : kEndNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Json connected_event(const std::string& local, const std::string& remote) {
  Json event;
  event["event"] = "connected";
  event["local"] = local;
  event["remote"] = remote;
  return event;
}

Json status_event(const Observed& observed) {
  Json event;
  event["event"] = "status";
  event["role"] = observed.role;
  event["connected"] = observed.connected;
  event["reading"] = observed.reading;
  event["bytes_received"] = observed.bytes_received;
  event["checksum"] = hex64(observed.checksum);
  event["pattern_ok"] = observed.pattern_ok;
  event["end"] = end_name(observed.end);
  event["bytes_sent"] = observed.bytes_sent;
  event["send_queued"] = observed.send_queued;
  event["send_error"] = message_of(observed.send_error);
  event["elapsed_ms"] = observed.elapsed_ms;
  return event;
}

Json result_event(const Observed& observed, const Expectations& expect) {
  Json checks = Json::array();
  bool ok = true;
  auto check = [&](std::string_view what, std::string expected, std::string seen) {
    const bool held = expected == seen;
    Json entry;
    entry["what"] = what;
    entry["expected"] = std::move(expected);
    entry["observed"] = std::move(seen);
    entry["ok"] = held;
    checks.push_back(std::move(entry));
    ok = ok && held;
  };
  if (expect.bytes) check("bytes", std::to_string(*expect.bytes), std::to_string(observed.bytes_received));
  if (expect.end) check("end", std::string{end_name(*expect.end)}, std::string{end_name(observed.end)});
  if (expect.pattern) check("pattern", "true", observed.pattern_ok ? "true" : "false");

  Json event;
  event["event"] = "result";
  event["role"] = observed.role;
  event["bytes_received"] = observed.bytes_received;
  event["checksum"] = hex64(observed.checksum);
  event["pattern_ok"] = observed.pattern_ok;
  event["end"] = end_name(observed.end);
  event["end_error"] = message_of(observed.end_error);
  event["end_native"] = native_code(observed.end_error);
  event["bytes_sent"] = observed.bytes_sent;
  event["send_error"] = message_of(observed.send_error);
  event["send_native"] = native_code(observed.send_error);
  event["elapsed_ms"] = observed.elapsed_ms;
  event["expectations"] = std::move(checks);
  event["ok"] = ok;
  return event;
}

Json error_event(std::string_view message, std::size_t line) {
  Json event;
  event["event"] = "error";
  if (line > 0) event["line"] = line;
  event["message"] = message;
  return event;
}

std::string to_line(const Json& event) { return event.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace closesem::peer
