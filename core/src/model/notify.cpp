// SPDX-License-Identifier: MIT
// The model's notifications (issue 17): the event set that poll / WSAPoll, epoll (level
// and edge), select and WSAEventSelect + WSAEnumNetworkEvents report in each socket
// state, the names (getpeername, getsockname) and the invalid handle. Where platforms
// differ the answer is a profile row or trait (profiles.cpp); what is the same
// everywhere is written here with its source.
#include "closesem/model.hpp"

#include "model_internal.hpp"

#include <algorithm>

namespace closesem::model {

using namespace internal;
using ops::OpKind;
using ops::Outcome;
using Phase = Model::Socket::Phase;

namespace {

void add_unique(std::vector<events::EventSet>& sets, const events::EventSet& set) {
  if (std::find(sets.begin(), sets.end(), set) == sets.end()) sets.push_back(set);
}

std::vector<events::EventSet> sets_of(const std::vector<Outcome>& outcomes) {
  std::vector<events::EventSet> sets;
  for (const auto& o : outcomes)
    if (o.type == Outcome::Type::events) add_unique(sets, o.set);
  return sets;
}

std::vector<Outcome> as_outcomes(const std::vector<events::EventSet>& sets) {
  std::vector<Outcome> out;
  for (const auto& set : sets) out.push_back(event_set(set));
  return out;
}

events::EventSet bits(std::uint32_t b) {
  events::EventSet set;
  set.bits = b;
  return set;
}

// select's sets from poll's bits, the same on both APIs: Linux fs/select.c (POLLIN_SET
// has in, hup and err; POLLOUT_SET out and err; the except set is POLLPRI, out-of-band
// data, which no op sends); Winsock select (readfds: data, a FIN, a reset or a connection
// queued; writefds: connected and writable; exceptfds: out-of-band data or a failed
// connect; wine test_tcp_reset: after a reset readable and writable, no exception).
events::EventSet select_from_poll(const events::EventSet& poll) {
  events::EventSet set;
  if (poll.bits & (events::in | events::hup | events::err)) set.bits |= events::in;
  if (poll.bits & (events::out | events::err)) set.bits |= events::out;
  return set;
}

// AF_UNIX stream (trait unix_poll_mirrors_shutdown): both ends share their shutdown state.
// net/unix/af_unix.c unix_shutdown sets the mirrored bits on the peer (our RCV_SHUTDOWN is
// its SEND_SHUTDOWN and the other way round); unix_release_sock sets the survivor's
// sk_shutdown to SHUTDOWN_MASK, and sk_err to ECONNRESET when the closer left data unread
// (the model's reset_in; also a connection still queued at a listener that closes). The
// survivor stays TCP_ESTABLISHED, so unix_poll's TCP_CLOSE hup does not come into it; it
// reports err while sk_err is set (sock_error clears it: SO_ERROR, or a recv that reports
// ECONNRESET; a send fails EPIPE and leaves it), hup for SHUTDOWN_MASK, in and rdhup for
// RCV_SHUTDOWN, in for data queued, and out whenever unix_writable finds room, whatever
// the shutdown state. Measured on Linux 6.18 (corpora/scenarios/notify_unix_shutdown.ops).
std::uint32_t unix_poll_bits(const Model::Socket& s, const Model::Socket* peer) {
  const bool peer_gone = peer != nullptr && peer->phase == Model::Socket::Phase::closed;
  const bool rcv_shutdown = s.shut_rd || s.fin_in || s.reset_in || peer_gone;
  const bool send_shutdown = s.shut_wr || (peer != nullptr && peer->shut_rd) || s.reset_in || peer_gone;
  std::uint32_t b = events::out;
  if (rcv_shutdown) b |= events::in | events::rdhup;
  if (rcv_shutdown && send_shutdown) b |= events::hup;
  if (s.inbound > 0) b |= events::in;
  if (s.reset_in && !s.reset_reported && !s.error_read) b |= events::err;
  return b;
}

// unix_writable: the sender's sk_wmem_alloc (the truesize of every skb it sent that the
// peer has not consumed whole) at most a quarter of sk_sndbuf (net.core.wmem_default
// 212992: 53248). The model knows the bytes queued and the sends they came from; an skb
// carries at most SKB_MAX_HEAD(0) + 32 KiB (unix_stream_sendmsg: under 37 KiB) and its
// truesize exceeds its payload by under 3 KiB (the head's slab rounding, struct sk_buff).
// One skb may have been read in part and still count whole (UNIXCB consumed). Measured on
// Linux 6.18: 40 one-byte sends leave it writable, 80 do not; 60000 bytes in one send do
// not; 36000 sent, 35999 read, 16000 more sent: not writable. Beyond the bound, not
// pinned down.
bool unix_surely_writable(const Model::Socket* peer) {
  if (peer == nullptr || peer->phase == Model::Socket::Phase::closed || peer->inbound == 0) return true;
  constexpr std::uint64_t kSkbPayload = 32 * 1024;    // an skb's page part (the skbs a send makes)
  constexpr std::uint64_t kOverhead = 3 * 1024;       // truesize over payload, per skb
  constexpr std::uint64_t kPartlyRead = 37 * 1024;    // the consumed part of one skb read in part
  constexpr std::uint64_t kWritable = 212992 / 4;     // sk_sndbuf >> 2
  const std::uint64_t skbs = static_cast<std::uint64_t>(std::max(peer->chunks, 1)) + peer->inbound / kSkbPayload;
  return peer->inbound + skbs * kOverhead + kPartlyRead <= kWritable;
}

}  // namespace

Prediction Model::poll_prediction(const Socket& s) const {
  const auto& facts = *profile_;
  if (s.connect_failed) return from_fact(facts, Fact::poll_after_failed_connect);
  if (refuses(s))
    return said({event_set(bits(events::in | events::rdhup | (s.shut_wr ? events::hup : 0u)))},
                profile_->traits.unix_shutdown_unconnected_sticks.source);
  if (s.phase == Phase::listening)  // a connection queued: readable (WSAPoll: POLLRDNORM)
    return said({event_set(bits(s.backlog.empty() ? 0u : events::in))}, "poll on a listener: in with a connection queued");
  if (s.phase == Phase::unconnected) {
    Prediction p = from_fact(facts, Fact::poll_unconnected);
    // A shutdown(receive) that failed there was recorded (trait failed_shutdown_sticks):
    // tcp_poll adds POLLIN|POLLRDHUP for RCV_SHUTDOWN.
    if (s.shut_rd) {
      for (auto& o : p.admissible)
        if (o.type == Outcome::Type::events) o.set.bits |= events::in | events::rdhup;
      p.source += "; RCV_SHUTDOWN from the failed shutdown adds in and rdhup (tcp_poll; trait failed_shutdown_sticks)";
    }
    return p;
  }
  if (s.phase != Phase::connected) return said({}, "poll on a socket in this state: not modelled");
  const bool unix_kind = s.kind == ops::Transport::unix_stream;
  const bool ended = s.reset_in || s.fin_in || s.shut_rd || s.shut_wr;
  if (unix_kind && profile_->traits.unix_poll_mirrors_shutdown.value) {
    const Socket* peer = peer_of(s);
    const events::EventSet set = bits(unix_poll_bits(s, peer));
    std::string source = std::string("unix_poll on the shutdown state both ends share: ") +
                         profile_->traits.unix_poll_mirrors_shutdown.source;
    if (unix_surely_writable(peer)) return said({event_set(set)}, source);
    events::EventSet without_out = set;
    without_out.bits &= ~events::out;
    return said({event_set(set), event_set(without_out)},
                source + "; out: the unread bytes at the peer may fill the send buffer (unix_writable), not pinned down");
  }
  // (Where the trait is false: not measured there, not predicted.)
  if (unix_kind && ended) return said({}, "AF_UNIX after a shutdown or the peer's close: not modelled");
  Prediction p;
  if (s.reset_in) {
    const bool reported = s.reset_reported || s.error_read;
    p = from_fact(facts, reported ? Fact::poll_after_reset_reported : Fact::poll_after_reset);
    if (s.sent_to_closed_peer && !reported) {
      // Race: the reset is the peer's answer to our own send; until it arrives the
      // socket shows only the peer's FIN (not pinned down, as for getpeername).
      const auto fin = from_fact(facts, s.shut_wr ? Fact::poll_both_shut : Fact::poll_after_fin);
      for (const auto& o : fin.admissible)
        if (std::find(p.admissible.begin(), p.admissible.end(), o) == p.admissible.end()) p.admissible.push_back(o);
      p.source += "; or as after the FIN (race with the reset our send drew): " + fin.source;
    }
  } else if ((s.fin_in || s.shut_rd) && s.shut_wr) {
    p = from_fact(facts, Fact::poll_both_shut);
  } else if (s.fin_in) {
    p = from_fact(facts, s.inbound > 0 ? Fact::poll_after_fin_with_data : Fact::poll_after_fin);
  } else if (s.shut_rd) {
    p = from_fact(facts, Fact::poll_after_shutdown_receive);
  } else if (s.shut_wr) {
    p = from_fact(facts, Fact::poll_after_shutdown_send);
  } else {
    p = said({event_set(bits(events::out))}, "poll: connected, room to send (poll.2, WSAPoll POLLWRNORM)");
  }
  const Socket* peer = peer_of(s);
  const bool full = peer != nullptr && peer->inbound > kSurelyBuffered;
  std::vector<Outcome> out;
  const auto add = [&out](const Outcome& o) {
    if (std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
  };
  for (auto o : p.admissible) {
    if (o.type != Outcome::Type::events) {
      add(o);
      continue;
    }
    if (s.inbound > 0 && !s.reset_in && !s.fin_in) o.set.bits |= events::in;  // data queued: readable
    add(o);
    if (full) {
      o.set.bits &= ~events::out;  // the window may have filled: not pinned down
      add(o);
    }
  }
  p.admissible = out;
  if (s.inbound > 0) p.source += "; data queued: in";
  return p;
}

Prediction Model::predict_notify(const ops::Op& op, const Socket* s, std::string*) const {
  const auto& facts = *profile_;
  const auto& traits = profile_->traits;
  if (op.kind == OpKind::epoll && !traits.notifier_epoll.value)
    return said({fail(Errc::not_supported)}, traits.notifier_epoll.source);
  if (op.kind == OpKind::events && !traits.notifier_event_select.value)
    return said({fail(Errc::not_supported)}, traits.notifier_event_select.source);
  if (s == nullptr) {
    switch (op.kind) {
      case OpKind::poll: return from_fact(facts, Fact::poll_closed_handle);
      case OpKind::select: return from_fact(facts, Fact::closed_handle);
      default: break;
    }
    // epoll, events: made at the first use, which fails on a closed handle (epoll_ctl
    // EBADF, WSAEventSelect WSAENOTSOCK); one made before watches a socket now gone.
    const int index = handles_[op.endpoint].socket;
    const auto& was = sockets_[static_cast<std::size_t>(index)];
    const bool registered = op.kind == OpKind::events
                                ? was.fd_registered
                                : (op.edge ? was.epoll_edge_registered : was.epoll_level_registered);
    if (!registered) return from_fact(facts, Fact::closed_handle);
    // (A call still pending on it that the model does not follow may hold the file open,
    // and with it the epoll entry: found by fuzz_close_sequences, regression
    // epoll-after-close-with-unfollowed-call.)
    const bool unfollowed_call = std::any_of(std::begin(slots_), std::end(slots_), [&](const PendingSlot& slot) {
      return slot.used && !slot.completed && slot.unknown && slot.socket == index;
    });
    if (op.kind == OpKind::epoll && was.phase == Phase::closed && !was.close_deferred && !was.unknown &&
        !unfollowed_call)
      return said({event_set({})}, "epoll.7: closing the last descriptor of a file removes it from every epoll set");
    if (op.kind == OpKind::epoll && !op.edge && !was.unknown && was.phase != Phase::closed) {
      // Another handle (a dup) or a pending call still holds the socket: the instance
      // made through this endpoint still watches it (epoll.7, the dup caveat).
      Prediction p = poll_prediction(was);
      p.source = "epoll (level) through a closed handle whose socket is still open (epoll.7); " + p.source;
      return p;
    }
    return said({}, "a notifier kept across the close of its handle: not modelled");
  }
  const std::string name(ops::to_string(op.kind));
  switch (op.kind) {
    case OpKind::poll: return poll_prediction(*s);
    case OpKind::select: {
      // Winsock reports a failed connect in exceptfds, not as readable or writable.
      if (s->connect_failed) return from_fact(facts, Fact::select_after_failed_connect);
      Prediction p = poll_prediction(*s);
      for (auto& o : p.admissible)
        if (o.type == Outcome::Type::events) o.set = select_from_poll(o.set);
      std::vector<Outcome> unique;
      for (const auto& o : p.admissible)
        if (std::find(unique.begin(), unique.end(), o) == unique.end()) unique.push_back(o);
      p.admissible = unique;
      p.source = "select from poll's bits: readable with in, hup or err, writable with out or err (fs/select.c; "
                 "Winsock select); poll: " + p.source;
      return p;
    }
    case OpKind::epoll: {
      Prediction p = poll_prediction(*s);
      if (p.admissible.empty() || !op.edge || !s->epoll_edge_registered) {
        p.source = (op.edge ? "epoll (edge, just registered): the ready state at epoll_ctl ADD; "
                            : "epoll (level): as poll (tcp_poll); ") + p.source;
        return p;
      }
      // Edge-triggered: reported again only after a wake-up of the socket (epoll.7),
      // then with every ready bit (measured on Linux 6.18.44 by the issue 17 platform measurements: wait, wait, the peer sends, wait).
      switch (s->edge_wake) {
        case Socket::Wake::none: {
          // AF_UNIX: unix_release_sock wakes the survivor (sk_state_change) also where the
          // closer had shut down sending before, but the model records a wake-up only where
          // a FIN or reset arrives: whether that close came after the last wait is not known
          // here (measured on Linux 6.18: shutdown(send), wait, close: the set again).
          const Socket* peer = peer_of(*s);
          if (s->kind == ops::Transport::unix_stream && traits.unix_poll_mirrors_shutdown.value && peer != nullptr &&
              peer->phase == Phase::closed && peer->shut_wr && !s->reset_in) {
            if (std::find(p.admissible.begin(), p.admissible.end(), event_set({})) == p.admissible.end())
              p.admissible.push_back(event_set({}));
            p.source = "epoll (edge): the peer's close after its shutdown(send) wakes the socket (unix_release_sock), "
                       "whether since the last wait is not followed; " + p.source;
            return p;
          }
          return said({event_set({})}, "epoll (edge): nothing woke the socket since the last wait");
        }
        case Socket::Wake::maybe:
          if (std::find(p.admissible.begin(), p.admissible.end(), event_set({})) == p.admissible.end())
            p.admissible.push_back(event_set({}));
          p.source = "epoll (edge): whether an ACK or a state change woke the socket is not pinned down (a race "
                     "with the loopback's ACK); " + p.source;
          return p;
        case Socket::Wake::certain:
          p.source = "epoll (edge): an arrival woke the socket, the whole ready set is reported; " + p.source;
          return p;
      }
      return p;
    }
    case OpKind::events: {
      if (s->kind == ops::Transport::unix_stream) return said({}, "WSAEventSelect on AF_UNIX: not measured");
      // (Wine 8.0 reported {connect} at registration: one measurement, none on Windows.)
      if (s->connect_failed) return said({}, "WSAEventSelect after a refused connect: not modelled");
      if (!s->fd_registered) {
        Prediction p = said(as_outcomes(registration_sets(*s)), "WSAEventSelect records at once what holds already, "
                                                                "and WSAEnumNetworkEvents reports it");
        if (s->phase == Phase::connected) p = decided_by(p, static_cast<int>(Fact::events_registration));
        return decided_by(p, fd_close_fact(*s));
      }
      events::EventSet set;
      set.bits = s->fd_recorded;
      set.close_error = (set.bits & events::close) ? s->fd_close_error : Errc::ok;
      Prediction p = said({event_set(set)}, "WSAEnumNetworkEvents: the network events recorded since the last call "
                                            "(FD_CLOSE: contract §3 test_close_events)");
      return decided_by(p, s->fd_fact);
    }
    default: break;
  }
  return Prediction{};
}

bool Model::fd_close_now(const Socket& s) const {
  if (!(s.fin_in || s.reset_in) || s.fd_close_done) return false;
  if (s.inbound == 0 || s.reset_in) return true;
  // The peer's FIN with data unread: whether FD_CLOSE comes before the data is read.
  const auto& outcomes = (*profile_)[Fact::events_close_with_unread_data].outcomes;
  return std::any_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) {
    return o.type == Outcome::Type::events && (o.set.bits & events::close) != 0;
  });
}

int Model::fd_close_fact(const Socket& s) const {
  if (s.fd_close_done) return -1;
  if (s.reset_in) return static_cast<int>(Fact::events_reset_close);
  if (s.fin_in && s.inbound > 0) return static_cast<int>(Fact::events_close_with_unread_data);
  return -1;
}

Prediction Model::decided_by(Prediction p, int fact) const {
  if (fact < 0) return p;
  const auto& entry = profile_->facts[static_cast<std::size_t>(fact)];
  const bool sets = !entry.outcomes.empty() && std::all_of(entry.outcomes.begin(), entry.outcomes.end(), [](const Outcome& o) {
    return o.type == Outcome::Type::events;
  });
  if (!sets) return from_fact(*profile_, static_cast<Fact>(fact));
  p.source += "; " + entry.source;
  if (entry.deviation) p.deviation = entry.reason;
  return p;
}

Errc Model::fd_close_code(const Socket& s) const {
  if (!s.reset_in) return Errc::ok;  // a graceful close: FD_CLOSE with 0
  const auto sets = sets_of((*profile_)[Fact::events_reset_close].outcomes);
  return sets.empty() ? Errc::connection_reset : sets.front().close_error;
}

std::vector<events::EventSet> Model::registration_sets(const Socket& s) const {
  // WSAEventSelect: an event whose condition holds already is recorded at once (FD_READ
  // with data queued, FD_ACCEPT with a connection queued, FD_CLOSE after a FIN or reset),
  // FD_WRITE on a connected socket (the profile's row: with or without FD_CONNECT).
  if (s.phase == Phase::listening) return {bits(s.backlog.empty() ? 0u : events::accept)};
  if (s.phase != Phase::connected) return {bits(0)};
  // (After the local SD_SEND or SD_BOTH Wine 8.0 was seen to record FD_WRITE in some
  // runs and nothing in others (random runs), and on a client end whose send then failed
  // WSAESHUTDOWN {connect} without it (`pair tcp6 reversed d e`, `e shutdown send`,
  // `e send 16384`, `e events 1`: 4 of 4 runs); after a reset it is not measured: each
  // registration set with or without FD_WRITE, not pinned down.)
  std::vector<events::EventSet> base = sets_of((*profile_)[Fact::events_registration].outcomes);
  if (s.reset_in || s.shut_wr) {
    const auto with_write = base;
    for (auto set : with_write) {
      set.bits &= ~events::write;
      add_unique(base, set);
    }
  }
  std::vector<events::EventSet> out;
  for (auto set : base) {
    if (s.inbound > 0 && s.fd_read_enabled) set.bits |= events::read;
    if (fd_close_now(s)) {
      set.bits |= events::close;
      set.close_error = fd_close_code(s);
    }
    add_unique(out, set);
  }
  return out;
}

void Model::record_fd(int index) {
  if (index < 0) return;
  auto& s = sockets_[static_cast<std::size_t>(index)];
  if (!s.fd_registered) return;
  if (s.phase == Phase::listening) {
    if (!s.backlog.empty()) s.fd_recorded |= events::accept;
    return;
  }
  if (s.phase != Phase::connected) return;
  if (s.inbound > 0 && s.fd_read_enabled) {
    s.fd_recorded |= events::read;
    s.fd_read_enabled = false;
  }
  const int fact = fd_close_fact(s);
  if (fact >= 0) s.fd_fact = fact;  // (kept until the FD_CLOSE is reported)
  if (fd_close_now(s)) {
    s.fd_recorded |= events::close;
    s.fd_close_done = true;
    s.fd_close_error = fd_close_code(s);
  }
}

void Model::wake(int index, bool certain) {
  if (index < 0) return;
  auto& s = sockets_[static_cast<std::size_t>(index)];
  if (certain)
    s.edge_wake = Socket::Wake::certain;
  else if (s.edge_wake == Socket::Wake::none)
    s.edge_wake = Socket::Wake::maybe;
  record_fd(index);
}

void Model::apply_notify(const ops::Op& op, const Outcome& observed) {
  int index = socket_of(op.endpoint);
  if (index < 0 && op.kind == OpKind::epoll && op.edge && handles_[op.endpoint].made && observed.succeeded()) {
    // The handle is closed, its socket open through a dup: the runner's notifier is the
    // socket's (shared by its handles), and this wait took the edge (found by
    // fuzz_close_sequences; regression edge-wait-through-closed-dup).
    const int was = handles_[op.endpoint].socket;
    if (was >= 0 && sockets_[static_cast<std::size_t>(was)].phase != Phase::closed &&
        sockets_[static_cast<std::size_t>(was)].epoll_edge_registered)
      index = was;
  }
  if (index < 0 || !observed.succeeded()) return;
  auto& s = sockets_[static_cast<std::size_t>(index)];
  switch (op.kind) {
    case OpKind::epoll:
      if (op.edge) {
        // The wait that registers reports the ready state of the moment, not a wake-up;
        // a later one that reports nothing has not seen the ACK's wake-up either. Either
        // way it is still due (once it came after two waits: fuzz_close_sequences,
        // steered, seed 1: shutdown both, then edge waits reporting the whole set, {},
        // and after six more ops the whole set again; 0 of 6 replays repeated it).
        const bool registering = !s.epoll_edge_registered;
        s.epoll_edge_registered = true;
        s.edge_wake = s.ack_due ? Socket::Wake::maybe : Socket::Wake::none;
        if (!registering && !(observed == event_set({}))) s.ack_due = false;
      } else {
        s.epoll_level_registered = true;
      }
      break;
    case OpKind::events:
      if (!s.fd_registered) {
        s.fd_registered = true;
        record_fd(index);  // what holds already is recorded (and reported by this call)
        if (profile_->traits.event_select_sets_nonblocking.value) s.nonblocking = true;
      }
      // WSAEnumNetworkEvents resets the record (a wait that timed out saw nothing).
      if (s.fd_recorded & events::close) s.fd_fact = -1;
      s.fd_recorded = 0;
      s.fd_close_error = Errc::ok;
      break;
    default: break;
  }
}

Prediction Model::predict_names(const ops::Op& op, const Socket* s) const {
  const auto& facts = *profile_;
  if (s == nullptr) return from_fact(facts, Fact::closed_handle);
  if (op.kind == OpKind::sockname) {
    if (!s->bound) return from_fact(facts, Fact::sockname_unbound);
    if (s->reset_in) return from_fact(facts, Fact::sockname_after_reset);
    return said({value(0)}, "getsockname: the local address");
  }
  if (s->phase != Phase::connected)
    return said({fail(Errc::not_connected)}, "getpeername WSAENOTCONN, getpeername.2 ENOTCONN: not connected");
  if (s->kind == ops::Transport::unix_stream && (s->fin_in || s->reset_in))
    return said({value(0)}, "measured on Linux 6.18.44 (issue 17 platform measurements, AF_UNIX names): unix_getname reads the peer's "
                            "address, kept until the own close");
  if (s->reset_in) {
    Prediction p = from_fact(facts, Fact::peername_after_reset);
    if (s->sent_to_closed_peer && std::find(p.admissible.begin(), p.admissible.end(), value(0)) == p.admissible.end()) {
      // Race: the reset is the peer's answer to our own send, and whether it has arrived
      // when getpeername runs is not pinned down (loopback may defer it to ksoftirqd;
      // found by a random run of the runner).
      p.admissible.push_back(value(0));
      p.source += "; or 0: race with the reset our send drew";
    }
    return p;
  }
  if (s->fin_in && s->shut_wr && !s->fin_unsent) return from_fact(facts, Fact::peername_after_both_fins);
  return said({value(0)}, "getpeername: connected (also after a shutdown: wine test_shutdown, getpeername.2)");
}

Prediction Model::predict_invalid(const ops::Op& op) const {
  const auto& facts = *profile_;
  const auto& traits = profile_->traits;
  switch (op.kind) {
    case OpKind::epoll:
      if (!traits.notifier_epoll.value) return said({fail(Errc::not_supported)}, traits.notifier_epoll.source);
      break;
    case OpKind::events:
      if (!traits.notifier_event_select.value)
        return said({fail(Errc::not_supported)}, traits.notifier_event_select.source);
      break;
    default: break;
  }
  // closesocket checks for a session before it looks at the handle (Wine's closesocket
  // in dlls/ws2_32/socket.c: num_startup first), as for any other handle.
  if (lifecycle_over())
    return from_fact(facts, op.kind == OpKind::close ? Fact::not_initialised : Fact::socket_call_after_last_cleanup);
  switch (op.kind) {
    case OpKind::poll: return from_fact(facts, Fact::poll_invalid_handle);
    case OpKind::select: return from_fact(facts, Fact::select_invalid_handle);
    case OpKind::wait: {
      // wait is poll asking for one event: ret 1 when anything came, 0 at the timeout.
      Prediction p = from_fact(facts, Fact::poll_invalid_handle);
      for (auto& o : p.admissible)
        if (o.type == Outcome::Type::events) o = value(o.set.bits != 0 ? 1 : 0);
      return p;
    }
    default: break;
  }
  return from_fact(facts, Fact::invalid_handle);
}

}  // namespace closesem::model
