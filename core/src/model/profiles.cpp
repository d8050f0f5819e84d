// SPDX-License-Identifier: MIT
// The model's platform profiles, as data. Outcomes are written in .ops syntax
// ("connection_reset | 0"); "data", "reset" and "none" are answers of their own for the
// facts that ask whether data is kept or a reset is sent, and "unknown" is a side that
// was not measured (the model does not predict it). Sources: contract IDs and
// sections (D1, S4, §2.4 #7, §4 #17) are docs/contract.md, "catalogue #N" is
// docs/scenarios.md; "conformance: ..." names the conformance test that measured the
// fact on this suite's platforms.
#include "closesem/model.hpp"

#include "closesem/deviations.hpp"

#include <cstdlib>
#include <stdexcept>

namespace closesem::model {
namespace {

struct Row {
  Fact fact;
  const char* winsock;
  const char* winsock_source;
  const char* on_linux;
  const char* on_linux_source;
};

// Every fact once, Winsock and Linux side by side.
const Row kRows[] = {
    {Fact::recv_after_shutdown_receive, "shut_down", "recv R3 (WSAESHUTDOWN after SD_RECEIVE)", "0",
     "contract §4 #17; conformance: recv after shutdown(receive) ... reads end of stream on POSIX"},
    {Fact::recv_queued_after_shutdown_receive, "shut_down", "recv R3", "data",
     "conformance: recv after shutdown(receive) with queued data ... reads the data then end of stream on POSIX"},
    {Fact::send_after_shutdown_send, "shut_down", "send R6 (WSAESHUTDOWN)", "broken_pipe",
     "send.2 EPIPE; conformance: send after shutdown(send) fails, with no SIGPIPE"},
    {Fact::recv_after_reset_first, "connection_reset", "recv R2", "connection_reset",
     "recv.2 ECONNRESET; conformance reset: recv after a reset ..."},
    {Fact::recv_after_reset_again, "connection_reset", "contract §2.4 #7 (WIN-OBS: the reset persists)", "0",
     "contract §4 #8 (reported once); conformance reset: recv after a reset keeps failing on Winsock ..."},
    {Fact::send_after_reset_first, "connection_reset", "send R7", "connection_reset",
     "conformance: send as the first call after a reset fails with connection reset"},
    {Fact::send_after_reset_again, "connection_reset", "contract §2.4 #7, R7", "broken_pipe",
     "contract §4 #23; conformance: send after recv reported a reset ... broken pipe on POSIX"},
    {Fact::error_after_reset_first, "0", "contract §2.4 #7 (SO_ERROR reads 0 after a reset, wine:13973)",
     "connection_reset", "conformance: SO_ERROR after a reset reads 0 on Winsock, while POSIX reports the reset there once"},
    {Fact::error_after_reset_again, "0", "contract §2.4 #7", "0", "socket.7 (SO_ERROR is cleared when read)"},
    {Fact::buffered_data_after_reset, "reset", "catalogue #6 [rep] (Windows drops buffered data on RST), recv R2",
     "data", "gVisor RSTSentOnCloseWithUnreadDataAllowsReadBuffered; conformance reset: a peer holding unread data ..."},
    {Fact::recv_after_fin_then_reset, "connection_aborted",
     "contract §2.4 #3 (WIN-OBS, wine test_shutdown todo_wine)", "0",
     "catalogue #3; conformance: recv after sending to a peer that closed ... end of stream on POSIX"},
    {Fact::send_after_fin_then_reset, "connection_aborted | connection_reset", "catalogue #3 [rep]", "broken_pipe",
     "tcp_reset in CLOSE_WAIT sets EPIPE; conformance: a second send to a peer that closed fails"},
    {Fact::error_after_fin_then_reset, "0", "contract §2.4 #7 (SO_ERROR reads 0)", "broken_pipe | 0",
     "tcp_reset in CLOSE_WAIT sets sk_err EPIPE until read (not measured by the suite)"},
    {Fact::closed_handle, "not_socket", "closesocket D2/D3 (WSAENOTSOCK, reuse aside)", "bad_handle",
     "close.2 EBADF; conformance close: closing a connected end twice"},
    {Fact::recv_unconnected_tcp, "not_connected", "recv R5", "not_connected", "recv.2 ENOTCONN"},
    {Fact::recv_unconnected_unix, "not_connected", "recv R5", "invalid_argument",
     "conformance io: recv on a never-connected socket (Linux 6.18 AF_UNIX: EINVAL)"},
    {Fact::send_unconnected_tcp, "not_connected", "send page (WSAENOTCONN)", "broken_pipe",
     "conformance io: send on a never-connected socket (Linux: EPIPE)"},
    {Fact::send_unconnected_unix, "not_connected", "send page (WSAENOTCONN)", "not_connected", "send.2 ENOTCONN"},
    {Fact::shutdown_unconnected, "not_connected", "shutdown S2", "not_connected", "shutdown.2 ENOTCONN"},
    {Fact::shutdown_listening, "not_connected", "shutdown S2; conformance shutdown on a listening socket", "ok",
     "conformance: shutdown on a listening socket ... succeeds on POSIX"},
    {Fact::shutdown_after_reset, "ok", "catalogue #29 [rep] (Winsock tolerates shutdown on a CLOSED connection)",
     "not_connected", "inet_shutdown on TCP_CLOSE: ENOTCONN"},
    {Fact::shutdown_receive_with_queued_resets, "reset", "shutdown S4", "none", "contract §4 #17 (no packet)"},
    {Fact::data_after_shutdown_receive_resets, "reset", "shutdown S4", "none", "contract §4 #17 (data still queued)"},
    {Fact::close_nonblocking_linger_queued, "would_block", "closesocket D2, linger table contract §1.2", "ok",
     "socket.7 (close lingers; O_NONBLOCK does not change it), contract §4 #10"},
    {Fact::not_initialised, "not_initialised", "WSACleanup C1, WSANOTINITIALISED", "ok", "no lifecycle on POSIX"},
    {Fact::cleanup_unmatched, "not_initialised", "WSACleanup C1", "ok", "no lifecycle on POSIX"},
    {Fact::socket_unix, "ok | not_supported", "AF_UNIX from Windows 10 1803; Wine 8 has none", "ok", "unix.7"},
    {Fact::wait_unconnected, "0 | 1", "WSAPoll on an unconnected socket: not measured", "1",
     "tcp_poll: a TCP_CLOSE socket reports POLLHUP"},
    {Fact::wait_after_shutdown_receive, "0 | 1", "WSAPoll after SD_RECEIVE: not measured", "1",
     "tcp_poll: RCV_SHUTDOWN reports POLLIN|POLLRDHUP"},
    {Fact::shutdown_unconnected_unix, "not_connected", "shutdown S2 (AF_UNIX on Windows: not measured)", "0",
     "measured by fuzz_close_sequences on Linux 6.18: unix_shutdown does not check the connection state"},
    {Fact::recv_listening_unix, "not_connected", "recv R5 (AF_UNIX on Windows: not measured)", "invalid_argument",
     "measured by fuzz_close_sequences on Linux 6.18: recv on a listening AF_UNIX socket fails EINVAL"},
    {Fact::data_after_shutdown_both_resets, "reset", "shutdown S4 (data after SD_RECEIVE resets)", "reset",
     "measured by fuzz_close_sequences on Linux 6.18 (seed 14_shutdown_both_then_wait): data reaching a socket "
     "in FIN_WAIT with RCV_SHUTDOWN is answered with RST (tcp_rcv_state_process), both ends see the reset"},
    {Fact::socket_call_after_last_cleanup, "not_initialised", "WSACleanup C1, WSANOTINITIALISED", "ok",
     "no lifecycle on POSIX"},
    {Fact::shutdown_after_both_fins, "0 | not_connected",
     "not measured on Windows (catalogue #29 [rep]: Winsock tolerates shutdown on a closed connection)", "not_connected",
     "measured by fuzz_handles on Linux 6.18: once both FINs are exchanged the socket is TCP_CLOSE and "
     "inet_shutdown fails ENOTCONN"},
    {Fact::recv_listening_tcp, "not_connected", "recv R5 (WSAENOTCONN); a blocking listener", "not_connected",
     "recv.2 ENOTCONN"},
    {Fact::send_listening_tcp, "not_connected", "send page (WSAENOTCONN); a blocking listener", "broken_pipe",
     "as send_unconnected_tcp: a listening TCP socket is not connected (Linux: EPIPE)"},
    {Fact::wait_closed_handle, "not_socket", "closesocket D2/D3 (WSAENOTSOCK, reuse aside)", "1",
     "poll on a closed descriptor: POLLNVAL"},
    {Fact::send_unix_after_peer_gone, "unknown",
     "AF_UNIX on Winsock after the peer closed or shut down reading: not measured", "broken_pipe",
     "unix.7: the peer closed or shut down reading; Linux unix_stream_sendmsg fails EPIPE "
     "(before any reset; measured by fuzz_close_sequences)"},
    {Fact::shutdown_bad_how_unconnected, "invalid_argument | not_connected", "shutdown S2", "invalid_argument",
     "shutdown S2 (WSAEINVAL), shutdown.2 EINVAL"},
    {Fact::send_timeout_expired, "timed_out", "setsockopt SO_SNDTIMEO: a blocking send that times out fails WSAETIMEDOUT",
     "would_block", "socket.7 SO_SNDTIMEO: EAGAIN/EWOULDBLOCK when the timeout expires before any data was sent"},
};

// The traits (closesem/model.hpp), Winsock and Linux side by side. Wine 8 has Winsock's.
void set_traits(Traits& winsock, Traits& on_linux) {
  winsock.lifecycle = {true, "WSAStartup/WSACleanup C1: calls after the last cleanup fail WSANOTINITIALISED"};
  on_linux.lifecycle = {false, "no lifecycle on POSIX"};
  winsock.poll_reports_hangup = {false, "WSAPoll's hang-up reporting is not pinned down (contract): readability "
                                        "shows a FIN or RST"};
  on_linux.poll_reports_hangup = {true, "poll.2 POLLRDHUP/POLLHUP (tcp_poll), which data queued before it cannot "
                                        "stand in for"};
  winsock.pending_error_before_shutdown = {false, "recv R3, send R6: every call after the shutdown fails "
                                                  "WSAESHUTDOWN, also once the connection was reset"};
  on_linux.pending_error_before_shutdown = {true, "tcp_sendmsg and tcp_recvmsg report a pending error (sk_err) "
                                                  "before SEND_SHUTDOWN / RCV_SHUTDOWN"};
  winsock.pending_after_reset_may_read_0 = {true, "FIONREAD after a reset: the buffered data may be dropped "
                                                  "(catalogue #6 [rep]), not pinned down"};
  on_linux.pending_after_reset_may_read_0 = {false, "FIONREAD (SIOCINQ) counts the queued bytes, which Linux keeps "
                                                    "after a reset (buffered_data_after_reset)"};
  winsock.shutdown_both_with_unread_ends = {false, "not measured on Windows: an ordinary shutdown"};
  on_linux.shutdown_both_with_unread_ends = {true, "measured by fuzz_close_sequences on Linux: both directions "
                                                   "shut with bytes unread, a later shutdown failed ENOTCONN "
                                                   "(when the connection ends is not pinned down)"};
  winsock.so_error_reports_reset = {false, "contract §2.4 #7: SO_ERROR reads 0 after a reset, which persists"};
  on_linux.so_error_reports_reset = {true, "socket.7 (SO_ERROR is cleared when read), contract §4 #8 (reported "
                                           "once)"};
}

struct WineDeviation {
  Fact fact;
  const char* outcomes;
  const char* id;  // in the known-deviation table (conformance/expectations/deviations.json)
};

// Wine 8.0's deviations from Winsock. The reasons and where each was measured are in the
// known-deviation table, once; the expectation files name the same IDs per test.
const WineDeviation kWine8[] = {
    {Fact::recv_after_reset_first, "0", "wine8-recv-after-reset-reads-0"},
    {Fact::recv_after_reset_again, "0", "wine8-recv-after-reset-reads-0"},
    {Fact::buffered_data_after_reset, "data", "wine8-reset-keeps-buffered-data"},
    {Fact::recv_after_fin_then_reset, "0", "wine8-recv-after-fin-then-reset-reads-0"},
    {Fact::send_after_fin_then_reset, "connection_reset", "wine8-epipe-maps-to-connection-reset"},
    {Fact::shutdown_receive_with_queued_resets, "none", "wine8-shutdown-receive-sends-no-reset"},
    {Fact::data_after_shutdown_receive_resets, "none", "wine8-shutdown-receive-sends-no-reset"},
    // After SD_BOTH the host only shut down sending, so data is queued, not reset.
    {Fact::data_after_shutdown_both_resets, "none", "wine8-shutdown-receive-sends-no-reset"},
    {Fact::close_nonblocking_linger_queued, "ok", "wine8-nonblocking-linger-close-blocks"},
    {Fact::send_unconnected_tcp, "connection_reset", "wine8-epipe-maps-to-connection-reset"},
    {Fact::socket_unix, "not_supported", "wine8-no-af-unix"},
    {Fact::recv_listening_tcp, "timed_out", "wine8-blocking-io-on-listener-waits-for-timeout"},
    {Fact::send_listening_tcp, "timed_out", "wine8-blocking-io-on-listener-waits-for-timeout"},
    {Fact::socket_call_after_last_cleanup, "not_socket", "wine8-calls-after-last-cleanup-not-socket"},
};

std::vector<ops::Outcome> parse_outcomes(const std::string& text) {
  std::vector<ops::Outcome> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('|', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    while (!word.empty() && word.front() == ' ') word.erase(word.begin());
    while (!word.empty() && word.back() == ' ') word.pop_back();
    ops::Outcome outcome;
    if (word == "ok") {
      outcome.type = ops::Outcome::Type::ok;
    } else if (!word.empty() && word.find_first_not_of("0123456789") == std::string::npos) {
      outcome.type = ops::Outcome::Type::value;
      outcome.value = std::strtoll(word.c_str(), nullptr, 10);
    } else if (const auto errc = errc_from_string(word)) {
      outcome.type = ops::Outcome::Type::failure;
      outcome.errc = *errc;
    } else {
      throw std::logic_error("model profile: bad outcome '" + word + "'");
    }
    out.push_back(outcome);
    start = end + 1;
  }
  return out;
}

FactEntry entry(const char* outcomes, const char* source) {
  FactEntry e;
  const std::string text = outcomes;
  if (text == "data" || text == "reset" || text == "none" || text == "unknown")
    e.keyword = text;
  else
    e.outcomes = parse_outcomes(text);
  e.source = source;
  return e;
}

std::vector<Profile> make_profiles() {
  Profile winsock;
  winsock.name = "winsock";
  winsock.facts.resize(kFacts);
  Profile linux_profile;
  linux_profile.name = "linux";
  linux_profile.facts.resize(kFacts);
  set_traits(winsock.traits, linux_profile.traits);
  for (const auto& row : kRows) {
    winsock.facts[static_cast<std::size_t>(row.fact)] = entry(row.winsock, row.winsock_source);
    linux_profile.facts[static_cast<std::size_t>(row.fact)] = entry(row.on_linux, row.on_linux_source);
  }
  Profile wine = winsock;
  wine.name = "wine-8";
  for (const auto& deviation : kWine8) {
    // An ID missing from the table is not fatal here (a fuzz target would abort on it):
    // the unit test deviations_test lists every such ID.
    const auto* known = find_known_deviation(deviation.id);
    const std::string reason = known != nullptr ? known->reason : "(not in conformance/expectations/deviations.json)";
    auto e = entry(deviation.outcomes, "");
    e.source = std::string("known deviation ") + deviation.id + (known != nullptr ? ": " + known->source : "");
    e.deviation = true;
    e.deviation_id = deviation.id;
    e.reason = std::string(deviation.id) + ": " + reason;
    wine.facts[static_cast<std::size_t>(deviation.fact)] = e;
  }
  return {winsock, linux_profile, wine};
}

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> kProfiles = make_profiles();
  return kProfiles;
}

}  // namespace

const Profile* find_profile(const std::string& name) {
  for (const auto& profile : profiles())
    if (profile.name == name) return &profile;
  return nullptr;
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  for (const auto& profile : profiles()) names.push_back(profile.name);
  return names;
}

std::string native_profile_name(const platform::Identity& identity) {
  // Wine 8's deviations were measured on 8.0; some are fixed in later 8.x releases (the
  // table's fixed_in), which no run here has measured yet.
  if (identity.under_wine() && identity.wine_major() == 8) return "wine-8";
  if (identity.api == platform::Api::winsock) return "winsock";
  return "linux";
}

}  // namespace closesem::model
