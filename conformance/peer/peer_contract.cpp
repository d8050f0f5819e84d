// SPDX-License-Identifier: MIT
// The reference peer keeps its contract (peers/README.md): with no address it listens on
// loopback only, it answers a malformed command with an error line and carries on, and
// it refuses a malformed option with exit status 2. Checked on the program itself,
// started here, so natively and under Wine alike.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/listener.hpp"
#include "closesem_testing/peer.hpp"

#include "closesem/process.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

namespace {

platform::Process start_peer(const std::vector<std::string>& args) {
  std::vector<std::string> argv{peer_program()};
  argv.insert(argv.end(), args.begin(), args.end());
  platform::Process peer;
  std::string error;
  INFO("starting " << peer_program());
  const bool started = platform::Process::start(argv, peer, error);
  INFO(error);
  REQUIRE(started);
  return peer;
}

std::string read_line_or_fail(platform::Process& peer, const std::string& waiting_for) {
  std::string line;
  INFO("waiting for " << waiting_for);
  REQUIRE(peer.read_line(line, positive_timeout()) == platform::Process::Read::line);
  return line;
}

}  // namespace

TEST_CASE("peer: with no address the peer listens on loopback, and a malformed command gets an error line",
          "[peer]") {
  if (peers_are_remote()) CLOSESEM_SKIP("checks the local peer program");
  auto peer = start_peer({"drain", "--timeout", std::to_string(watchdog_timeout().count() / 1000)});
  const auto ready = read_line_or_fail(peer, "READY <port>");
  INFO("the peer said: " << ready);
  REQUIRE(ready.rfind("READY ", 0) == 0);
  platform::Endpoint endpoint;
  endpoint.address = "127.0.0.1";
  endpoint.port = static_cast<std::uint16_t>(std::stoi(ready.substr(6)));

  platform::Socket socket;
  REQUIRE_THAT(observe("socket()", platform::open_stream(platform::Transport::tcp4, socket)), succeeds());
  REQUIRE_THAT(observe("connect() to the peer's default address", connect_bounded(socket.get(), endpoint)),
               succeeds());
  const auto connected = read_line_or_fail(peer, "the connected event");
  INFO("the peer said: " << connected);
  CHECK(connected.find("\"connected\"") != std::string::npos);
  CHECK(connected.find("\"local\":\"127.0.0.1:" + std::to_string(endpoint.port) + "\"") != std::string::npos);

  REQUIRE(peer.write_line("frobnicate 12"));
  const auto answer = read_line_or_fail(peer, "an error line");
  INFO("the peer said: " << answer);
  CHECK(answer.find("\"error\"") != std::string::npos);
  CHECK(answer.find("frobnicate") != std::string::npos);

  // It carries on: the data still arrives and the stream still ends as expected.
  CHECK_THAT(observe("send(5) to the peer", send_pattern(socket.get(), 5)), succeeds_with(5));
  CHECK_THAT(observe("close()", socket.close()), succeeds());
  const auto result = read_line_or_fail(peer, "the result");
  INFO("the peer said: " << result);
  CHECK(result.find("\"bytes_received\":5") != std::string::npos);
  CHECK(result.find("\"end\":\"fin\"") != std::string::npos);
  const auto status = peer.wait(positive_timeout());
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("peer: a malformed option or role is refused with exit status 2", "[peer]") {
  if (peers_are_remote()) CLOSESEM_SKIP("checks the local peer program");
  const std::vector<std::vector<std::string>> bad{
      {"no-such-role"}, {"drain", "--listen", "127.0.0.1"}, {"drain", "--timeout", "soon"},
      {"drain", "--listen", "127.0.0.1:0", "--connect", "127.0.0.1:1"}, {"send-close", "--bytes", "-5"}};
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& arg : args) joined += " " + arg;
    INFO("closesem_peer" << joined);
    auto peer = start_peer(args);
    const auto status = peer.wait(positive_timeout());
    REQUIRE(status.has_value());
    CHECK(*status == 2);
  }
}
