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
  recv_listening_tcp_nonblocking,    // recv on a non-blocking TCP listener
  recv_listening_tcp_queued,         // recv on a TCP listener with a connection queued (blocking or not)
  // --- Pending calls (issue 17): what completes a call pending in a slot, per mechanism
  // and cause. "pending": the cause does not complete the call (it stays pending; for a
  // close, the socket stays open until the call returns: the peer sees nothing).
  pending_close_thread_recv,         // the last handle closed with a recv blocked in another thread
  pending_close_thread_send,         // ... a send blocked in another thread
  pending_close_thread_accept,       // ... an accept blocked on a listener
  pending_close_overlapped_recv,     // overlapped / iocp: WSARecv pending at closesocket
  pending_close_overlapped_send,     // WSASend pending
  pending_close_overlapped_accept,   // AcceptEx pending
  pending_close_uring,               // io_uring: any request pending at close
  pending_shutdown_receive_thread,   // shutdown(receive or both) with a recv blocked in another thread
  pending_shutdown_receive_overlapped,
  pending_shutdown_receive_uring,
  pending_cancel_thread,             // cancel: the completion of the interrupted call
  pending_cancel_overlapped,         // CancelIoEx
  pending_cancel_uring,              // IORING_OP_ASYNC_CANCEL
  pending_recv_peer_reset,           // a recv pending when the peer's reset arrives
  // A zero-byte recv pending (TCP): what a wake-up that ends other recvs gives it.
  pending_zero_recv_data,            // ... when data arrives (the data stays queued)
  pending_zero_recv_reset,           // ... when the peer's reset arrives
  pending_cancel_thread_zero_recv,   // ... when the cancel (a signal, CancelSynchronousIo) comes
  pending_zero_recv_own_shutdown,    // ... when its own socket is shut down for sending
  // --- Notifications: the event set in each state (in .ops syntax, "{in,out}").
  poll_unconnected,                  // a TCP socket never connected
  poll_after_fin,                    // the peer's FIN arrived (nothing queued)
  poll_after_fin_with_data,          // the peer's FIN arrived behind data still queued
  poll_after_reset,                  // a reset arrived, not yet reported by a call
  poll_after_reset_reported,         // a reset arrived and a call reported it
  poll_after_shutdown_receive,       // the local shutdown(receive), no FIN
  poll_after_shutdown_send,          // the local shutdown(send), no FIN
  poll_both_shut,                    // both directions ended (local shutdown both, or a FIN each way)
  poll_closed_handle,                // poll / WSAPoll on a handle closed before
  poll_invalid_handle,               // poll on the invalid handle (-1 / INVALID_SOCKET)
  select_invalid_handle,             // select with the invalid handle in its sets
  events_reset_close,                // WSAEnumNetworkEvents after a reset: FD_CLOSE's code
  events_close_with_unread_data,     // the peer's FIN with data unread: whether FD_CLOSE comes with FD_READ
  events_registration,               // WSAEventSelect on a connected socket: what is recorded at once
  // --- Smaller gaps.
  connect_connected,                 // connect on a connected socket
  connect_connected_unix_refused,    // AF_UNIX: connect on a connected socket to an address nobody listens on
  peername_after_reset,
  peername_after_both_fins,
  sockname_unbound,                  // getsockname on a socket never bound
  sockname_after_reset,
  invalid_handle,                    // a call on the invalid handle (-1 / INVALID_SOCKET)
  blocking_after_event_select,       // `nonblocking off` on a socket WSAEventSelect made non-blocking
  start_accept_after_last_cleanup,   // an AcceptEx after the last WSACleanup (its new socket cannot be made)
  start_iocp_closed_handle,          // an iocp start on a closed handle (CreateIoCompletionPort comes first)
  send_large_to_closed_peer,         // a blocking send larger than the buffers to a peer that closed
  listen_not_unconnected,            // `listen` (bind, then listen) on a socket listening or connected already
  connect_listening,                 // connect on a TCP listener
  connect_listening_unix,            // connect on an AF_UNIX listener
  // --- After a failed connect (TCP): the socket's connect was refused.
  recv_after_failed_connect,
  send_after_failed_connect,
  error_after_failed_connect,        // SO_ERROR (the runner read it once to learn the connect's outcome)
  poll_after_failed_connect,
  select_after_failed_connect,
  listen_after_failed_connect,
  // A second connect: "none" = no trace of the first (as on a socket never connected);
  // otherwise its outcome, after which the socket is not followed further.
  connect_after_failed_connect,
  // --- Pending calls on a non-blocking socket; AcceptEx on a socket that does not listen.
  // "pending": the non-blocking mode does not apply to the mechanism's calls (a call that
  // would wait on a blocking socket is pending as there); outcomes: such a call completes
  // at once with them (an overlapped one: its submission fails where the trait says so).
  pending_nonblocking_uring,         // an io_uring recv/send/accept/connect on a non-blocking socket
  pending_nonblocking_overlapped,    // WSARecv/WSASend/AcceptEx/ConnectEx (overlapped, iocp) on one
  // AcceptEx (overlapped, iocp) on a socket that does not listen (never connected, bound,
  // connected): outcomes: the submission fails; "pending": it is submitted and waits (a
  // connection never comes: the socket's close or a cancel ends it).
  start_accept_not_listening,
  // --- AF_UNIX notifications after a shutdown or the peer's close.
  fact_count_  // not a fact: the number of facts (keep last)
};
inline constexpr int kFacts = static_cast<int>(Fact::fact_count_);

struct FactEntry {
  std::vector<ops::Outcome> outcomes;  // empty for the "data"/"reset"/"none"/"unknown" kinds
  std::string keyword;                 // "data", "reset", "none" where that is the answer;
                                       // "pending": the call is not completed by this cause;
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
  const char* deviation = nullptr;  // a known deviation's ID where a profile differs from winsock by it
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
  Trait<bool> listener_shutdown_receive_stops; // shutdown(receive or both) of a TCP listener stops it: its
                                               // queued connections are reset, the port is given back
  Trait<bool> failed_shutdown_sticks;         // TCP: a shutdown that failed ENOTCONN on a never-connected
                                              // socket still applies once it connects
  Trait<bool> failed_connect_shutdown_disables_connect;  // TCP: a (failing) shutdown after a refused connect
                                                         // makes every later connect fail EINVAL
  Trait<bool> unix_shutdown_unconnected_sticks;  // AF_UNIX: a shutdown before the connection (or of a listener)
                                                 // is recorded: a listener shut for receiving refuses
  Trait<bool> refused_connect_abort_resets;  // TCP: the second connect's abort after a refusal leaves the
                                            // socket as if never connected
  Trait<bool> blocking_connect_refusal_leaves_no_trace;  // TCP: a blocking connect (a thread's) that was refused
                                                         // leaves the socket as if never connected
  Trait<bool> reset_for_data_may_wait_for_ack;  // TCP: a send that draws the peer's reset (it shut down receiving)
                                                // may wait in the sender behind an earlier send's ACK (Nagle),
                                                // so the reset may come later than the send returns
  Trait<bool> close_after_both_fins_resets;   // TCP: a close after both FINs went (each side shut sending) resets
                                              // the peer where it would otherwise (unread data, linger {1,0})
  Trait<bool> accept_inherits_linger;         // a connection accepted from a listener has the listener's linger
                                              // setting (as it was when the connection came)
  Trait<bool> disconnected_reuse_may_fail;    // TCP: a socket reset by a disconnect (a listener stopped by a
                                              // shutdown, a refusal that left no other trace) may fail EINVAL
                                              // when it connects (the listener) or listens (the refused one)
  // Pending calls (issue 17). A blocking call on a worker thread exists everywhere; these
  // say which other mechanisms the platform has (the runner still reports not_supported
  // at run time where the kernel refuses one: then the rest of the input is skipped).
  Trait<bool> mechanism_overlapped;           // WSARecv/WSASend/AcceptEx/ConnectEx with an OVERLAPPED
  Trait<bool> mechanism_iocp;                 // the same through an I/O completion port
  Trait<bool> mechanism_uring;                // io_uring
  Trait<bool> overlapped_fails_at_submission; // an overlapped call that fails at once is the submission's failure
  Trait<bool> notifier_epoll;                 // epoll exists
  Trait<bool> notifier_event_select;          // WSAEventSelect + WSAEnumNetworkEvents exist
  Trait<bool> event_select_sets_nonblocking;  // WSAEventSelect makes the socket non-blocking
  Trait<bool> recv_clears_recorded_read;      // a recv clears an FD_READ recorded and not yet enumerated
  Trait<bool> unix_poll_mirrors_shutdown;     // AF_UNIX stream: poll follows the shutdown state both ends share (a
                                              // shutdown mirrored onto the peer, the peer's close ends both ways)

  // Every trait with its name, the one list of them (the tests walk it: each has a source,
  // each deviation a profile sets on one is in the known-deviation table; model_test checks
  // that the list has every member).
  template <typename F>
  void each(F&& f) const {
    f("lifecycle", lifecycle);
    f("poll_reports_hangup", poll_reports_hangup);
    f("pending_error_before_shutdown", pending_error_before_shutdown);
    f("pending_after_reset_may_read_0", pending_after_reset_may_read_0);
    f("shutdown_both_with_unread_ends", shutdown_both_with_unread_ends);
    f("so_error_reports_reset", so_error_reports_reset);
    f("listener_shutdown_receive_stops", listener_shutdown_receive_stops);
    f("failed_shutdown_sticks", failed_shutdown_sticks);
    f("failed_connect_shutdown_disables_connect", failed_connect_shutdown_disables_connect);
    f("unix_shutdown_unconnected_sticks", unix_shutdown_unconnected_sticks);
    f("refused_connect_abort_resets", refused_connect_abort_resets);
    f("blocking_connect_refusal_leaves_no_trace", blocking_connect_refusal_leaves_no_trace);
    f("reset_for_data_may_wait_for_ack", reset_for_data_may_wait_for_ack);
    f("close_after_both_fins_resets", close_after_both_fins_resets);
    f("accept_inherits_linger", accept_inherits_linger);
    f("disconnected_reuse_may_fail", disconnected_reuse_may_fail);
    f("mechanism_overlapped", mechanism_overlapped);
    f("mechanism_iocp", mechanism_iocp);
    f("mechanism_uring", mechanism_uring);
    f("overlapped_fails_at_submission", overlapped_fails_at_submission);
    f("notifier_epoll", notifier_epoll);
    f("notifier_event_select", notifier_event_select);
    f("event_select_sets_nonblocking", event_select_sets_nonblocking);
    f("recv_clears_recorded_read", recv_clears_recorded_read);
    f("unix_poll_mirrors_shutdown", unix_poll_mirrors_shutdown);
  }
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
  // >= 0: instead, "pending slot `slot` completes" (the op causes the completion of the
  // call pending there; the runner waits on that call, bounded by its patience).
  int slot = -1;
  // > 0 (readable): until this many bytes are queued there (FIONREAD). A small send may
  // wait in the sender for the ACK of the one before (Nagle), and a peer that already has
  // bytes is readable at once: without this the next op could run before it arrived.
  std::uint64_t bytes = 0;
};

struct Prediction {
  std::vector<ops::Outcome> admissible;  // empty: the model cannot say (unknown)
  std::string source;                    // why: the fact or contract entry
  std::string deviation;                 // "<id>: <reason>" when a profile deviation decided it
  std::vector<Settle> settle;            // to wait for after the op, if it succeeded
};

// Whether an observed outcome is among the alternatives (`ok` admits any success,
// `fails` any failure; event sets compare their bits and FD_CLOSE's code).
bool admits(const std::vector<ops::Outcome>& alternatives, const ops::Outcome& observed);

class Model {
 public:
  explicit Model(const Profile& profile);

  // Admissible outcomes of `op` in the current state. A semantic error of the script
  // (an endpoint that was never made, a pair over a live endpoint) is reported in
  // `error` with an empty prediction.
  Prediction predict(const ops::Op& op, std::string* error = nullptr) const;
  // Whether the op acts on an endpoint that no op made: a script error, which predict()
  // spells out; the runner's fuzzing mode drops such ops without predicting them.
  bool names_unmade(const ops::Op& op) const;
  // Moves the state on by what happened (the observed outcome, which may be any of
  // the admissible ones, or a divergence: the model follows what the platform did).
  // `predicted`: what predict() said of this op in this very state, when the caller has
  // it (the runner): apply asks whether the op is modelled, and need not predict again.
  void apply(const ops::Op& op, const ops::Outcome& observed, const Prediction* predicted = nullptr);
  // Whether apply(op, a) and apply(op, b) leave the same state: a notification's success
  // changes the same things whatever set it reported (apply_notify), a name query changes
  // nothing; otherwise only the same outcome. (`ops export` follows one fork of the model
  // per outcome the model admits, and one per class of these is enough.)
  static bool applies_alike(const ops::Op& op, const ops::Outcome& a, const ops::Outcome& b);
  // Whether closing the last handle of `endpoint` now would reset its peer (an abortive
  // close: linger {1,0} on TCP, or data left unread) rather than end its stream with a
  // FIN; false when the endpoint has no open, connected socket (model/queries.cpp).
  bool close_resets_peer(int endpoint) const;
  // Whether the endpoint's socket surely never had a connection (unconnected or
  // listening, followed by the model, no pending call on it): closing it leaves no
  // TIME_WAIT, so the runner's abortive end need not set linger {1,0} first.
  bool never_connected(int endpoint) const;
  // Whether a hard close (linger {1,0}) of the last handle of `endpoint` now resets the
  // connection whose other end `other` holds (both followed, TCP, connected to each
  // other, no pending call on either, not both FINs gone): that end is then closed
  // (tcp_reset), and closing it leaves no TIME_WAIT without a hard close of its own.
  bool hard_close_resets(int endpoint, int other) const;
  // The abstract state `op` acts on, for semantic coverage (closesem/semantic.hpp, which
  // describes the bits; model/semantic.cpp), and every endpoint's and slot's together
  // (the coverage search's notion of the same state).
  std::uint32_t semantic_state(const ops::Op& op) const;
  std::string semantic_signature() const;

  // A call pending in a slot (@1..@4), as the model follows it (model/pending.cpp).
  struct PendingSlot {
    bool used = false;           // started and not yet collected to completion
    ops::Mechanism mechanism = ops::Mechanism::thread;
    ops::PendingCall call = ops::PendingCall::recv;
    int socket = -1;             // the socket the call was made on
    int other = -1;              // accept: the endpoint the new socket goes to
    int endpoint = -1;           // the handle it was started through
    bool handle_closed = false;  // that handle was closed since (CancelIoEx needs it)
    std::uint32_t count = 0;     // recv, send: bytes
    bool completed = false;      // something that completes it happened
    std::vector<ops::Outcome> outcomes;  // the completion's admissible outcomes, once completed
    std::string source;
    std::string deviation;       // "<id>: <reason>" when a profile deviation decided it
    int accepted = -1;           // accept: the new socket (taken by Y at the collect)
    // The model does not follow it (a race it cannot decide, a cause not measured):
    // its completion is not predicted.
    bool unknown = false;
    std::string unknown_since;
    // "<id>: <reason>": a profile's known deviation under which nothing may ever end the
    // call (no timeout of its own, and neither a close nor a cancel ends it): the runner's
    // reaping then leaves it to the process as a known leak, not a finding.
    std::string never_ends;
  };
  const PendingSlot& pending_slot(int slot) const { return slots_[slot]; }
  // Whether the model holds that the call in `slot` has not completed: nothing that
  // completes it happened (false when the slot or its socket is not followed).
  bool expects_pending(int slot) const;
  // Whether the call `start` (a `start thread ...` op, before it runs) would wait for its
  // own receive or send timeout: a blocking call nothing else completes (Wine 8.0's
  // blocking I/O on a listener, which closesocket does not wake either). The runner gives
  // such a call a short timeout of its own, and the model predicts it ends by it.
  // (Also a call that may: one of its alternatives is its own timeout; and a call the
  // model does not follow where a cancel does not end a thread's call.)
  bool start_times_out(const ops::Op& start) const;

  // The state of one socket (several handles may share it after dup).
  struct Socket {
    ops::Transport kind = ops::Transport::tcp4;
    enum class Phase { unconnected, listening, connected, closed } phase = Phase::unconnected;
    int peer = -1;               // the other end's socket
    bool shut_rd = false, shut_wr = false;
    // shut_wr came from a shutdown that failed before the connection existed (trait
    // failed_shutdown_sticks): no FIN went; the next shutdown(send) or close sends it.
    bool fin_unsent = false;
    bool fin_in = false;         // the peer's FIN arrived (after `inbound`)
    bool reset_in = false;       // an RST arrived
    bool reset_reported = false; // a call reported it already (POSIX reports it once)
    bool reset_after_fin = false;  // the RST came after the peer's FIN (we sent to a closed peer)
    bool error_read = false;     // SO_ERROR consumed the pending error (POSIX)
    std::uint64_t inbound = 0;   // bytes readable
    // Some of `inbound` came from a send the runner did not wait for at this end
    // (Settle::bytes): how much is queued at a given moment is not known.
    bool inbound_unsettled = false;
    int chunks = 0;              // sends those bytes came from (more than one: a recv may get part)
    bool sent_to_closed_peer = false;
    bool sent_data = false;      // a send of this socket handed bytes over (trait reset_for_data_may_wait_for_ack)
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
    // Linux: its last handle was closed while a call was pending on it; the call holds
    // it open (close.2), so it closes when that call completes.
    bool close_deferred = false;
    // Notifications (model/notify.cpp).
    bool epoll_level_registered = false;
    bool epoll_edge_registered = false;
    enum class Wake { none, maybe, certain } edge_wake = Wake::none;  // since the last edge wait
    // TCP: something this socket or its peer sent may not be acknowledged yet; the ACK's
    // wake-up can land after the next edge wait (then the one after sees it).
    bool ack_due = false;
    bool fd_registered = false;  // WSAEventSelect was called on it
    std::uint32_t fd_recorded = 0;  // FD_* recorded since the last WSAEnumNetworkEvents
    Errc fd_close_error = Errc::ok;
    bool fd_read_enabled = true;  // FD_READ is recorded again only after a recv
    bool fd_close_done = false;   // FD_CLOSE is recorded once
    int fd_fact = -1;             // the row (Fact) that decided FD_CLOSE, until it is reported
    bool bound = false;           // has a local address (listen, connect, pair, accept)
    // TCP: its connect was refused (phase unconnected): recv, send, poll, SO_ERROR, listen
    // and a second connect have rows of their own (Fact::*_after_failed_connect).
    bool connect_failed = false;
    bool connect_disabled = false;  // then a shutdown (trait failed_connect_shutdown_disables_connect)
    bool listen_failed_then = false;  // a listen failed meanwhile (the runner's bind before it went through)
    // TCP, Linux: a refusal the socket otherwise shows no trace of (a thread's blocking
    // connect refused, or the aborted connect after a refused one): its listen may fail
    // (trait disconnected_reuse_may_fail).
    bool refused_before = false;
    // TCP, Linux: a listener stopped by a shutdown (trait listener_shutdown_receive_stops):
    // its connect may fail (trait disconnected_reuse_may_fail).
    bool stopped_listening = false;
  };

 private:
  struct Handle {
    int socket = -1;
    bool open = false;
    bool made = false;
  };
  int socket_of(int endpoint) const;  // -1 when the endpoint has no open handle
  // An AF_UNIX listener shut down for receiving (trait unix_shutdown_unconnected_sticks):
  // connects to it are refused, an accept with nothing queued fails.
  bool refuses(const Socket& s) const;
  // A listener stopped by a shutdown whose connect may fail EINVAL (trait
  // disconnected_reuse_may_fail): the one home of that condition.
  bool connect_may_fail_stopped(const Socket& s) const;
  const Socket* sock(int endpoint) const;
  // Whether closing this connected socket's last handle resets its peer rather than
  // ending its stream with a FIN: the one home of that rule (close and the query).
  bool close_is_abortive(const Socket& s) const;
  bool fins_ended(const Socket& s) const;  // both FINs went: a close resets nothing (trait)
  Socket* sock(int endpoint);
  int add_socket(ops::Transport kind);
  void close_socket(int index);
  // The endpoint whose queue a send of `count` bytes from `s` is waited for at
  // (Settle::bytes), or -1 when it is not.
  int send_settle_endpoint(const Socket& s, std::uint64_t count) const;
  // A listener stops: its queued connections are reset (catalogue #41); it is left
  // unconnected, unbound (`listening`: it still listens until then).
  void reset_backlog(int index);
  void forget(int index, const std::string& why);  // mark unknown
  void forget_around(int index, const std::string& why);  // and its peer, queued connections and their peers
  void apply_unmodelled(const ops::Op& op, const ops::Outcome& observed);
  void apply_lifecycle(const ops::Op& op, bool ok);  // startup, cleanup
  void apply_make(const ops::Op& op, bool ok);       // pair, socket
  void apply_on_handle(const ops::Op& op, const ops::Outcome& observed);  // every op on an endpoint
  void apply_send(const ops::Op& op, const ops::Outcome& observed, Socket& s, Socket* peer);
  void apply_shutdown(const ops::Op& op, Socket& s, Socket* peer);
  void apply_connect(const ops::Op& op);

  // Pending calls (model/pending.cpp).
  Prediction predict_base(const ops::Op& op, std::string* error) const;  // predict without the slot settles
  void add_pending_settles(const ops::Op& op, Prediction& p) const;
  std::string start_script_error(const ops::Op& op) const;
  Prediction predict_start(const ops::Op& op, const Socket* s, std::string* error) const;
  Prediction predict_collect(const ops::Op& op, std::string* error) const;
  Prediction predict_cancel(const ops::Op& op, std::string* error) const;
  Prediction start_completion(const ops::Op& op, const Socket* s) const;  // what a start completes with now
  std::string never_ends(const ops::Op& op, const Socket* s) const;      // PendingSlot::never_ends of a start
  void apply_start(const ops::Op& op, const ops::Outcome& observed);
  void apply_collect(const ops::Op& op, const ops::Outcome& observed);
  void apply_cancel(const ops::Op& op, const ops::Outcome& observed);
  // Something arrived at socket `index` (data, FIN, reset): pending recvs take it.
  void arrived(int index);
  // The last handle of socket `index` is being closed: the pending calls on it. Returns
  // true when a pending call holds it open (the close is deferred).
  bool close_pending_calls(int index);
  bool close_held(int index) const;  // closing it now would be deferred by a pending call
  void shutdown_pending_calls(int index, int how);
  void complete(int slot, std::vector<ops::Outcome> outcomes, const std::string& source,
                const std::string& deviation = "");
  void slot_unknown(int slot, const std::string& why);
  // A connect (plain or started) on a socket with an AcceptEx waiting on it: Wine 8.0
  // completes the AcceptEx then, which the model does not follow.
  void unfollow_accept_ex_on(int socket, const std::string& why);
  void after_completion(int socket);  // a deferred close happens once no call holds the socket
  bool has_pending(int socket, ops::PendingCall call) const;
  bool slot_on(int socket) const;  // a pending slot is in use by a call on the socket
  // Notifications and names (model/notify.cpp).
  Prediction predict_notify(const ops::Op& op, const Socket* s, std::string* error) const;
  Prediction predict_names(const ops::Op& op, const Socket* s) const;
  Prediction predict_invalid(const ops::Op& op) const;
  // poll's answer in the socket's state: event sets (and failures, where a row says so).
  Prediction poll_prediction(const Socket& s) const;
  void apply_notify(const ops::Op& op, const ops::Outcome& observed);
  void wake(int index, bool certain);   // an event reached socket `index` (epoll edge, FD_*)
  void record_fd(int index);            // WSAEventSelect's record, from the socket's state
  // What WSAEventSelect records at once for `s` (alternatives where not pinned down).
  std::vector<events::EventSet> registration_sets(const Socket& s) const;
  bool fd_close_now(const Socket& s) const;  // FD_CLOSE would be recorded now
  Errc fd_close_code(const Socket& s) const;
  int fd_close_fact(const Socket& s) const;  // the row that decides FD_CLOSE now, or -1
  // The row that decided the events' answer: its source and deviation; its outcomes
  // where they are not event sets (a row replaced in model_test).
  Prediction decided_by(Prediction p, int fact) const;

  // predict, one function per kind of op (predict checks the script and the handle first).
  Prediction predict_lifecycle(const ops::Op& op) const;  // startup, cleanup
  Prediction predict_make(const ops::Op& op, std::string* error) const;  // pair, socket
  Prediction predict_on_handle(const ops::Op& op, std::string* error) const;  // every op on an endpoint
  Prediction predict_connection(const ops::Op& op, const Socket& s, std::string* error) const;  // listen, connect, accept
  Prediction predict_connect(const ops::Op& op, const Socket& s, std::string* error) const;
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
  PendingSlot slots_[ops::kPendingSlots];
  std::string arrival_deviation_;  // while data arrives: a profile deviation that let it arrive
  int sessions_ = 1;  // the runner starts inside one WSAStartup
  bool stale_after_cleanup_ = false;
};

}  // namespace closesem::model
