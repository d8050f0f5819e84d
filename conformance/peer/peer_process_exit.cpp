// SPDX-License-Identifier: MIT
// The process under test ends with a socket open (no close, no WSACleanup): the system
// closes the socket for it. With nothing unread that is a graceful close, and the peer
// reads every byte, then end of stream; with unread received data it is a reset, as an
// explicit close would be (catalogue #5; Linux closes a dying process's descriptors
// through the same tcp_close). Windows documents neither; measured per platform. The
// process under test is this conformance binary itself, started as a child in a mode
// that connects, sends, optionally waits for data it does not read, and exits.
#include "closesem_testing/fixtures.hpp"

#include "closesem_testing/peer.hpp"

#include "closesem/process.hpp"

#include <string>

using closesem::Errc;
using namespace closesem::testing;
namespace platform = closesem::platform;

TEST_CASE("peer: a process that exits with a socket open closes it gracefully, or with a reset when data is unread",
          "[peer][D9][R1][R2]") {
  const bool unread = GENERATE(false, true);
  set_variant(unread ? "with unread data" : "nothing unread");
  CAPTURE(peer_origin(), unread);
  std::vector<std::string> peer_args{"--expect-bytes", "1000"};
  if (unread) peer_args.insert(peer_args.end(), {"--send-first", "100"});
  auto peer = Peer::listen("drain", peer_args);

  std::vector<std::string> argv{platform::executable_path(), "--closesem-child", "exit-with-open-socket",
                                peer.endpoint().address, std::to_string(peer.endpoint().port), "--send", "1000"};
  if (unread) argv.push_back("--unread");
  platform::Process child;
  std::string error;
  const bool started = platform::Process::start(argv, child, error);
  INFO(error);
  REQUIRE(started);
  std::string line;
  REQUIRE(child.read_line(line, positive_timeout()) == platform::Process::Read::line);
  INFO("the child said: " << line);
  CHECK(line == "READY");
  const auto status = child.wait(positive_timeout());
  REQUIRE(status.has_value());
  CHECK(*status == 0);

  const auto report = peer.result();
  CHECK(report.bytes_received == 1000);
  CHECK(report.pattern_ok);
  CHECK_THAT(observe("the peer's recv after the process under test exited", report.end_outcome()),
             unread ? fails_with(Errc::connection_reset) : reads_eof());
}
