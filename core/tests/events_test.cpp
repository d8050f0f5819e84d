// SPDX-License-Identifier: MIT
// The event-set vocabulary (closesem/events.hpp): one name per bit, the text form
// `{in,out}` / `{read,close:connection_reset}` printed in bit order, and parse errors
// that say what is wrong.
#include "closesem_testing/catch.hpp"

#include "closesem/events.hpp"

#include <set>
#include <string>

using closesem::Errc;
namespace events = closesem::events;

namespace {

events::EventSet parse_or_fail(const std::string& text) {
  std::string why;
  const auto set = events::parse(text, &why);
  INFO(text << ": " << why);
  REQUIRE(set.has_value());
  return *set;
}

std::string parse_error(const std::string& text) {
  std::string why;
  INFO(text);
  REQUIRE_FALSE(events::parse(text, &why).has_value());
  CHECK_FALSE(why.empty());
  return why;
}

}  // namespace

TEST_CASE("events: every bit has one name that reads back", "[unit][events]") {
  std::set<std::string> names;
  for (int i = 0; i < events::kBits; ++i) {
    const std::uint32_t bit = 1u << i;
    const std::string name(events::bit_name(bit));
    CAPTURE(i, name);
    CHECK_FALSE(name.empty());
    CHECK(names.insert(name).second);
    CHECK(events::bit_from_name(name) == bit);
  }
  CHECK(events::kAll == (1u << events::kBits) - 1);
  CHECK(events::bit_name(0).empty());
  CHECK(events::bit_name(events::in | events::out).empty());
  CHECK(events::bit_name(1u << events::kBits).empty());
  CHECK_FALSE(events::bit_from_name("IN").has_value());
  CHECK_FALSE(events::bit_from_name("").has_value());
  CHECK(events::bit_name(events::rdhup) == "rdhup");
  CHECK(events::bit_name(events::close) == "close");
}

TEST_CASE("events: sets print in bit order, FD_CLOSE with its error, and parse back", "[unit][events]") {
  CHECK(events::print({}) == "{}");
  CHECK(events::print({events::out | events::in | events::rdhup, Errc::ok}) == "{in,out,rdhup}");
  CHECK(events::print({events::close | events::read, Errc::ok}) == "{read,close}");
  CHECK(events::print({events::close | events::read, Errc::connection_reset}) == "{read,close:connection_reset}");
  // The error goes with close only: without the bit it is not printed.
  CHECK(events::print({events::read, Errc::connection_reset}) == "{read}");

  // Every single bit, every pair of bits, and close with each error, round-trip.
  for (std::uint32_t bits = 0; bits <= events::kAll; bits += (bits < 64 ? 1 : 37)) {
    const events::EventSet set{bits, Errc::ok};
    CAPTURE(bits);
    CHECK(parse_or_fail(events::print(set)) == set);
  }
  std::size_t count = 0;
  const Errc* all = closesem::all_errcs(&count);
  for (std::size_t i = 0; i < count; ++i) {
    const events::EventSet set{events::close | events::write, all[i]};
    const std::string text = events::print(set);
    CAPTURE(text);
    CHECK(parse_or_fail(text) == set);
    CHECK(text.find(':') == (all[i] == Errc::ok ? std::string::npos : text.find("close") + 5));
  }
  // Any order reads; print gives the canonical one.
  CHECK(events::print(parse_or_fail("{out,in}")) == "{in,out}");
  CHECK(events::print(parse_or_fail("{close:connection_aborted,read}")) == "{read,close:connection_aborted}");
  CHECK(parse_or_fail("{}") == events::EventSet{});
  CHECK(events::EventSet{events::in, Errc::ok} != events::EventSet{events::out, Errc::ok});
  CHECK(events::EventSet{events::close, Errc::ok} != events::EventSet{events::close, Errc::connection_reset});
}

TEST_CASE("events: malformed sets are refused with the reason", "[unit][events]") {
  CHECK(parse_error("in,out").find("an event set is written {name,...}") != std::string::npos);
  CHECK(parse_error("{in,out").find("an event set is written {name,...}") != std::string::npos);
  CHECK(parse_error("").find("an event set is written") != std::string::npos);
  CHECK(parse_error("{in,closed}") == "unknown event 'closed' in '{in,closed}'");
  CHECK(parse_error("{in,,out}").find("an empty name") != std::string::npos);
  CHECK(parse_error("{in,}").find("an empty name") != std::string::npos);
  CHECK(parse_error("{,}").find("an empty name") != std::string::npos);
  CHECK(parse_error("{in,in}") == "event 'in' twice in '{in,in}'");
  CHECK(parse_error("{close:}") == "no error code after 'close:' in '{close:}'");
  CHECK(parse_error("{read:connection_reset}").find("only close carries an error code") != std::string::npos);
  CHECK(parse_error("{close:boom}").find("unknown error 'boom' after close:") != std::string::npos);
  CHECK(parse_error("{close:ok}").find("unknown error 'ok'") != std::string::npos);  // plain `close` is 0
  CHECK(parse_error("{in, out}").find("unknown event ' out'") != std::string::npos);
  // Without a place for the reason, parse still refuses.
  CHECK_FALSE(events::parse("{nope}").has_value());
}
