// SPDX-License-Identifier: MIT
// Names of the portable error vocabulary.
#include "closesem/errc.hpp"

#include <array>
#include <utility>

namespace closesem {
namespace {

constexpr std::array<std::pair<Errc, std::string_view>, 25> kNames{{
    {Errc::ok, "ok"},
    {Errc::bad_handle, "bad_handle"},
    {Errc::not_socket, "not_socket"},
    {Errc::not_connected, "not_connected"},
    {Errc::is_connected, "is_connected"},
    {Errc::shut_down, "shut_down"},
    {Errc::broken_pipe, "broken_pipe"},
    {Errc::connection_reset, "connection_reset"},
    {Errc::connection_aborted, "connection_aborted"},
    {Errc::connection_refused, "connection_refused"},
    {Errc::would_block, "would_block"},
    {Errc::in_progress, "in_progress"},
    {Errc::already, "already"},
    {Errc::invalid_argument, "invalid_argument"},
    {Errc::fault, "fault"},
    {Errc::no_protocol_option, "no_protocol_option"},
    {Errc::not_supported, "not_supported"},
    {Errc::address_in_use, "address_in_use"},
    {Errc::not_initialised, "not_initialised"},
    {Errc::disconnected, "disconnected"},
    {Errc::interrupted, "interrupted"},
    {Errc::timed_out, "timed_out"},
    {Errc::network_down, "network_down"},
    {Errc::operation_aborted, "operation_aborted"},
    {Errc::other, "other"},
}};

// The table above must name every enumerator once, in order.
constexpr bool names_in_order() {
  for (std::size_t i = 0; i + 1 < kNames.size(); ++i)
    if (static_cast<std::size_t>(kNames[i].first) != i) return false;
  return kNames.back().first == Errc::other;
}
constexpr std::size_t kCount = static_cast<std::size_t>(Errc::other) + 1;
static_assert(kNames.size() == kCount && names_in_order(),
              "kNames must list every Errc once, in declaration order");

const std::array<Errc, kCount>& enumerators() {
  static const std::array<Errc, kCount> all = [] {
    std::array<Errc, kCount> out{};
    for (std::size_t i = 0; i < kCount; ++i) out[i] = kNames[i].first;
    return out;
  }();
  return all;
}

}  // namespace

std::string_view to_string(Errc errc) {
  const auto index = static_cast<std::size_t>(errc);
  return index < kCount ? kNames[index].second : "unknown";
}

std::optional<Errc> errc_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kCount; ++i)
    if (kNames[i].second == name) return kNames[i].first;
  return std::nullopt;
}

const Errc* all_errcs(std::size_t* count) {
  *count = kCount;
  return enumerators().data();
}

}  // namespace closesem
