// SPDX-License-Identifier: MIT
// The semantic model: per-socket state and predict(op), the set of outcomes a platform
// profile admits for the next op. Profiles are data (model/profiles.cpp): `winsock`
// (the documented contract plus Windows-observed facts), `linux` (measured), and
// deviation profiles such as `wine-8` (winsock with Wine's known deviations, each with
// its reason). Every entry cites its source. No socket headers here.
#pragma once

#include "closesem/ops.hpp"
#include "closesem/platform.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace closesem::model {

// The platform facts the model distinguishes. Each profile gives every fact an outcome
// set (in .ops outcome syntax, e.g. "connection_reset | 0") and a source.
enum class Fact {
  recv_after_shutdown_receive,       // nothing queued
  recv_queued_after_shutdown_receive,  // "data": the queued bytes, then as above
  send_after_shutdown_send,
  recv_after_reset_first,            // with no data queued
  recv_after_reset_again,
  send_after_reset_first,
  send_after_reset_again,
  error_after_reset_first,
  error_after_reset_again,
  buffered_data_after_reset,         // "data" (delivered first) or the reset at once
  recv_after_fin_then_reset,         // we sent to a peer that had closed: its RST came after its FIN
  send_after_fin_then_reset,
  error_after_fin_then_reset,
  closed_handle,                     // any call on a handle closed before
  recv_unconnected_tcp,
  recv_unconnected_unix,
  send_unconnected_tcp,
  send_unconnected_unix,
  shutdown_unconnected,
  shutdown_listening,
  shutdown_after_reset,
  shutdown_receive_with_queued_resets,   // "reset" or "none"
  data_after_shutdown_receive_resets,    // "reset" or "none"
  close_nonblocking_linger_queued,
  not_initialised,                   // any socket call after the last cleanup
  cleanup_unmatched,
  socket_unix,
  wait_unconnected,
  wait_after_shutdown_receive,
  shutdown_unconnected_unix,            // also any later state: AF_UNIX does not look at it
  recv_listening_unix,
  data_after_shutdown_both_resets,       // "reset" or "none": the receiver shut down both ways (TCP)
  socket_call_after_last_cleanup,        // a call other than close on a socket the last WSACleanup took
  shutdown_after_both_fins,              // TCP: both ends sent FIN (the connection is closed)
  recv_listening_tcp,
  send_listening_tcp,
  wait_closed_handle,                    // wait (poll) on a handle closed before
  send_unix_after_peer_gone,             // AF_UNIX: the peer closed or shut down reading
  shutdown_bad_how_unconnected,          // shutdown with a `how` out of range on a socket not connected
  // A blocking send that could hand over nothing before its send timeout (SO_SNDTIMEO,
  // the runner's patience) ran out: the platform's own error for it. (A call the
  // runner gives up on is `blocked`, the same everywhere, and needs no fact.)
  send_timeout_expired,
};
inline constexpr int kFacts = static_cast<int>(Fact::send_timeout_expired) + 1;

struct FactEntry {
  std::vector<ops::Outcome> outcomes;  // empty for the "data"/"reset"/"none"/"unknown" kinds
  std::string keyword;                 // "data", "reset", "none" where that is the answer;
                                       // "unknown": not measured, the model does not predict it
  std::string source;
  bool deviation = false;              // a profile's known deviation from winsock
  std::string deviation_id;            // its ID in the known-deviation table (closesem/deviations.hpp)
  std::string reason;                  // for deviations: "<id>: <reason>", from that table
};

// A platform difference that is not an outcome set but changes how the state machine
// goes (which check comes first, what a later call sees): a named value with its source.
template <typename T>
struct Trait {
  T value{};
  const char* source = "";
};

// The model asks these by name, never the API family. Each profile sets every one
// (model/profiles.cpp, Winsock and Linux side by side).
struct Traits {
  Trait<bool> lifecycle;                      // WSAStartup/WSACleanup count sessions; after the last cleanup calls fail
  Trait<bool> poll_reports_hangup;            // a FIN or RST shows as hang-up (POLLRDHUP/POLLHUP), pinned down
  Trait<bool> pending_error_before_shutdown;  // send/recv report a pending reset before the shutdown state
  Trait<bool> pending_after_reset_may_read_0; // FIONREAD after a reset may read 0 (buffered data may be gone)
  Trait<bool> shutdown_both_with_unread_ends; // shutting down both ways with bytes unread ends the connection
  Trait<bool> so_error_reports_reset;         // reading SO_ERROR reports a reset, so later calls see it reported
};

// A platform as the model knows it: its facts and traits, nothing else (no API family:
// model_test checks that changing a fact or a trait changes the prediction that asks it).
struct Profile {
  std::string name;          // winsock, linux, wine-8
  Traits traits;
  std::vector<FactEntry> facts;  // indexed by Fact
  const FactEntry& operator[](Fact fact) const { return facts[static_cast<std::size_t>(fact)]; }
};

// The profiles the model knows: "winsock", "linux", "wine-8". nullptr for another name.
const Profile* find_profile(const std::string& name);
std::vector<std::string> profile_names();
// The profile of a platform, from its identity (the one lookup): wine-8 under Wine 8,
// winsock on Windows and under any other Wine, linux on POSIX.
std::string native_profile_name(const platform::Identity& identity);

// What the model expects after an op, for the runner to wait on (bounded) before the
// next op, so that the next outcome is deterministic.
struct Settle {
  int endpoint = -1;  // the endpoint that should see it
  ops::WaitKind what = ops::WaitKind::readable;
};

struct Prediction {
  std::vector<ops::Outcome> admissible;  // empty: the model cannot say (unknown)
  std::string source;                    // why: the fact or contract entry
  std::string deviation;                 // "<id>: <reason>" when a profile deviation decided it
  std::vector<Settle> settle;            // to wait for after the op, if it succeeded
};

// Whether an observed outcome is among the alternatives (`ok` admits any success).
bool admits(const std::vector<ops::Outcome>& alternatives, const ops::Outcome& observed);

class Model {
 public:
  explicit Model(const Profile& profile);

  // Admissible outcomes of `op` in the current state. A semantic error of the script
  // (an endpoint that was never made, a pair over a live endpoint) is reported in
  // `error` with an empty prediction.
  Prediction predict(const ops::Op& op, std::string* error = nullptr) const;
  // Moves the state on by what happened (the observed outcome, which may be any of
  // the admissible ones, or a divergence: the model follows what the platform did).
  void apply(const ops::Op& op, const ops::Outcome& observed);
  // Whether closing the last handle of `endpoint` now would reset its peer (an abortive
  // close: linger {1,0} on TCP, or data left unread) rather than end its stream with a
  // FIN; false when the endpoint has no open, connected socket (model/queries.cpp).
  bool close_resets_peer(int endpoint) const;

  // The state of one socket (several handles may share it after dup).
  struct Socket {
    ops::Transport kind = ops::Transport::tcp4;
    enum class Phase { unconnected, listening, connected, closed } phase = Phase::unconnected;
    int peer = -1;               // the other end's socket
    bool shut_rd = false, shut_wr = false;
    bool fin_in = false;         // the peer's FIN arrived (after `inbound`)
    bool reset_in = false;       // an RST arrived
    bool reset_reported = false; // a call reported it already (POSIX reports it once)
    bool reset_after_fin = false;  // the RST came after the peer's FIN (we sent to a closed peer)
    bool error_read = false;     // SO_ERROR consumed the pending error (POSIX)
    std::uint64_t inbound = 0;   // bytes readable
    int chunks = 0;              // sends those bytes came from (more than one: a recv may get part)
    bool sent_to_closed_peer = false;
    bool linger_on = false;
    std::uint32_t linger_s = 0;
    bool nonblocking = false;
    int handles = 0;
    std::vector<int> backlog;    // listener: the server ends of connections not accepted
    bool stale = false;          // invalidated by WSACleanup
    // A call the model does not model happened to it (an empty prediction: connect on
    // a connected socket, anything after a failed connect, ...): from then on its
    // outcomes are not predicted, only its handles are tracked.
    bool unknown = false;
    std::string unknown_since;   // the op that made it unknown, for the report
  };

 private:
  struct Handle {
    int socket = -1;
    bool open = false;
    bool made = false;
  };
  int socket_of(int endpoint) const;  // -1 when the endpoint has no open handle
  const Socket* sock(int endpoint) const;
  // Whether closing this connected socket's last handle resets its peer rather than
  // ending its stream with a FIN: the one home of that rule (close and the query).
  static bool close_is_abortive(const Socket& s);
  Socket* sock(int endpoint);
  int add_socket(ops::Transport kind);
  void close_socket(int index);
  void forget(int index, const std::string& why);  // mark unknown
  void forget_around(int index, const std::string& why);  // and its peer, queued connections and their peers
  void apply_unmodelled(const ops::Op& op, const ops::Outcome& observed);
  void apply_lifecycle(const ops::Op& op, bool ok);  // startup, cleanup
  void apply_make(const ops::Op& op, bool ok);       // pair, socket
  void apply_on_handle(const ops::Op& op, const ops::Outcome& observed);  // every op on an endpoint
  void apply_send(const ops::Op& op, const ops::Outcome& observed, Socket& s, Socket* peer);
  void apply_shutdown(const ops::Op& op, Socket& s, Socket* peer);
  void apply_connect(const ops::Op& op);

  // predict, one function per kind of op (predict checks the script and the handle first).
  Prediction predict_lifecycle(const ops::Op& op) const;  // startup, cleanup
  Prediction predict_make(const ops::Op& op, std::string* error) const;  // pair, socket
  Prediction predict_on_handle(const ops::Op& op, std::string* error) const;  // every op on an endpoint
  Prediction predict_connection(const ops::Op& op, const Socket& s, std::string* error) const;  // listen, connect, accept
  Prediction predict_send(const ops::Op& op, const Socket& s) const;
  Prediction predict_recv(const ops::Op& op, const Socket& s) const;
  Prediction predict_shutdown(const ops::Op& op, const Socket& s) const;
  Prediction predict_close(const ops::Op& op, const Socket& s) const;
  Prediction predict_wait(const ops::Op& op, const Socket& s) const;
  Prediction predict_query(const ops::Op& op, const Socket& s) const;  // pending, error
  Prediction predict_option(const ops::Op& op) const;  // linger, nonblocking, dup
  bool lifecycle_over() const;  // the last WSACleanup ended the API
  const Socket* peer_of(const Socket& s) const;
  ops::WaitKind end_of_stream() const;  // what shows that a FIN or RST arrived

  const Profile* profile_;
  std::vector<Socket> sockets_;
  Handle handles_[ops::kEndpoints];
  int sessions_ = 1;  // the runner starts inside one WSAStartup
  bool stale_after_cleanup_ = false;
};

}  // namespace closesem::model
