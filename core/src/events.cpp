// SPDX-License-Identifier: MIT
// Names and the text form of event sets (closesem/events.hpp).
#include "closesem/events.hpp"

#include <array>
#include <utility>

namespace closesem::events {
namespace {

constexpr std::array<std::pair<std::uint32_t, std::string_view>, kBits> kNames{{
    {in, "in"},
    {out, "out"},
    {hup, "hup"},
    {rdhup, "rdhup"},
    {err, "err"},
    {nval, "nval"},
    {read, "read"},
    {write, "write"},
    {accept, "accept"},
    {connect, "connect"},
    {close, "close"},
}};

// The table names every bit once, in bit order.
constexpr bool names_in_order() {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i].first != (1u << i)) return false;
  return true;
}
static_assert(names_in_order(), "kNames must list the bits in order");

}  // namespace

std::string_view bit_name(std::uint32_t bit) {
  for (const auto& [value, name] : kNames)
    if (value == bit) return name;
  return "";
}

std::optional<std::uint32_t> bit_from_name(std::string_view name) {
  for (const auto& [value, text] : kNames)
    if (text == name) return value;
  return std::nullopt;
}

std::string print(const EventSet& set) {
  std::string out = "{";
  for (const auto& [value, name] : kNames) {
    if ((set.bits & value) == 0) continue;
    if (out.size() > 1) out += ',';
    out += name;
    if (value == close && set.close_error != Errc::ok) out += ":" + std::string(to_string(set.close_error));
  }
  return out + "}";
}

std::optional<EventSet> parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<EventSet> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  if (text.size() < 2 || text.front() != '{' || text.back() != '}')
    return fail("an event set is written {name,...} (found '" + std::string(text) + "')");
  EventSet set;
  std::string_view rest = text.substr(1, text.size() - 2);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view word = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (word.empty() || (comma != std::string_view::npos && rest.empty()))
      return fail("an empty name in the event set '" + std::string(text) + "'");
    std::string_view code;
    const auto colon = word.find(':');
    if (colon != std::string_view::npos) {
      code = word.substr(colon + 1);
      word = word.substr(0, colon);
      if (code.empty()) return fail("no error code after '" + std::string(word) + ":' in '" + std::string(text) + "'");
    }
    const auto bit = bit_from_name(word);
    if (!bit) return fail("unknown event '" + std::string(word) + "' in '" + std::string(text) + "'");
    if ((set.bits & *bit) != 0) return fail("event '" + std::string(word) + "' twice in '" + std::string(text) + "'");
    set.bits |= *bit;
    if (!code.empty()) {
      if (*bit != close) return fail("only close carries an error code ('" + std::string(word) + ":...')");
      const auto errc = errc_from_string(code);
      if (!errc || *errc == Errc::ok)
        return fail("unknown error '" + std::string(code) + "' after close: in '" + std::string(text) + "'");
      set.close_error = *errc;
    }
  }
  return set;
}

}  // namespace closesem::events
