// SPDX-License-Identifier: MIT
// Every socket call on the invalid handle (-1 on POSIX, INVALID_SOCKET on Winsock) fails:
// EBADF on POSIX ("fd is not a valid open file descriptor": close.2, send.2, recv.2,
// shutdown.2, setsockopt.2, getsockname.2, getpeername.2, listen.2, accept.2, connect.2,
// ioctl.2, fcntl.2), WSAENOTSOCK on Winsock ("The descriptor is not a socket": each
// call's page on Microsoft Learn; Wine's test_DisconnectEx and test_WSAPoll assert it for
// Windows on INVALID_SOCKET, contract §2.1). Windows documented, not measured on Windows.
#include "closesem_testing/fixtures.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("io: every call on the invalid handle fails with bad handle on POSIX, not a socket on Winsock",
          "[io][G5][D2]") {
  const auto invalid = platform::kInvalidHandle;
  char byte = 'x';
  int so_error = 0;
  platform::Linger linger;
  platform::Endpoint endpoint;
  platform::Endpoint loopback{platform::Transport::tcp4, "127.0.0.1", 9};
  const std::vector<std::pair<std::string, std::function<platform::CallResult()>>> calls = {
      {"send(invalid, 1)", [&] { return platform::send(invalid, &byte, 1); }},
      {"recv(invalid, 1)", [&] { return platform::recv(invalid, &byte, 1); }},
      {"shutdown(invalid, both)", [&] { return platform::shutdown(invalid, platform::ShutdownHow::both); }},
      {"close(invalid)", [&] { return platform::close_handle(invalid); }},
      {"set linger {1,0} on invalid", [&] { return platform::set_linger(invalid, platform::Linger{true, 0}); }},
      {"get linger of invalid", [&] { return platform::get_linger(invalid, linger); }},
      {"set_nonblocking(invalid)", [&] { return platform::set_nonblocking(invalid, true); }},
      {"bytes_pending(invalid)", [&] { return platform::bytes_pending(invalid); }},
      {"getsockopt(invalid, SO_ERROR)", [&] { return platform::socket_error(invalid, so_error); }},
      {"listen(invalid)", [&] { return platform::listen(invalid, 1); }},
      {"accept(invalid)", [&] {
         platform::Socket accepted;
         return platform::accept(invalid, accepted);
       }},
      {"connect(invalid) to 127.0.0.1:9", [&] { return platform::connect(invalid, loopback); }},
      {"getsockname(invalid)", [&] { return platform::local_endpoint(invalid, endpoint); }},
      {"getpeername(invalid)", [&] { return platform::peer_endpoint(invalid, endpoint); }},
  };
  for (const auto& call : calls)
    CHECK_THAT(observe(call.first, call.second()), fails_with(by_api(Errc::not_socket, Errc::bad_handle)));
}
