// SPDX-License-Identifier: MIT
// The portable error vocabulary and the backend's native error table.
#include "closesem_testing/catch.hpp"
#include "closesem_testing/matchers.hpp"

#include "closesem/errc.hpp"
#include "closesem/platform.hpp"

#include <set>
#include <string>

using closesem::Errc;
using closesem::testing::by_api;
namespace platform = closesem::platform;

TEST_CASE("errc: every portable error has a unique name that parses back", "[unit][errc]") {
  std::size_t count = 0;
  const Errc* all = closesem::all_errcs(&count);
  REQUIRE(count == static_cast<std::size_t>(Errc::other) + 1);
  std::set<std::string> names;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name(closesem::to_string(all[i]));
    CAPTURE(name);
    CHECK(names.insert(name).second);
    const auto parsed = closesem::errc_from_string(name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == all[i]);
  }
  CHECK_FALSE(closesem::errc_from_string("no_such_error").has_value());
}

TEST_CASE("errc: native error names convert both ways", "[unit][errc]") {
  // The backend's own vocabulary: WSA names on Winsock, errno names elsewhere.
  const std::string not_socket = by_api<std::string>("WSAENOTSOCK", "ENOTSOCK");
  const std::string reset = by_api<std::string>("WSAECONNRESET", "ECONNRESET");
  const int not_socket_code = by_api(10038, 88);
  const int reset_code = by_api(10054, 104);

  CHECK(platform::native_error_code(not_socket) == not_socket_code);
  CHECK(platform::native_error_name(not_socket_code) == not_socket);
  CHECK(platform::errc_from_native(not_socket_code) == Errc::not_socket);
  CHECK(platform::describe_native(reset_code) == reset + "(" + std::to_string(reset_code) + ")");
  CHECK(platform::errc_from_native(reset_code) == Errc::connection_reset);
  CHECK(platform::native_from_errc(Errc::connection_reset) == reset_code);
}

TEST_CASE("errc: each Errc that the backend reports maps back to a native code", "[unit][errc]") {
  // The close-related errors every platform reports must round-trip through the table.
  for (Errc errc : {Errc::not_socket, Errc::not_connected, Errc::connection_reset,
                    Errc::connection_aborted, Errc::would_block, Errc::invalid_argument,
                    Errc::in_progress, Errc::interrupted, Errc::timed_out}) {
    CAPTURE(closesem::to_string(errc));
    const auto native = platform::native_from_errc(errc);
    REQUIRE(native.has_value());
    CHECK(platform::errc_from_native(*native) == errc);
    const auto name = platform::native_error_name(*native);
    CHECK(platform::native_error_code(name) == native);
  }
}

TEST_CASE("errc: the sentinel and unknown codes describe themselves", "[unit][errc]") {
  CHECK(platform::describe_native(platform::kErrorSentinel) == "unset");
  CHECK(platform::describe_native(0) == "0");
  CHECK(platform::native_error_name(987654) == "987654");
  CHECK(platform::errc_from_native(987654) == Errc::other);
  CHECK_FALSE(platform::native_error_code("ENOSUCHERROR").has_value());
}
