// asio-epoll-read-after-eof-stays-pending.asio as a standalone asio program, written by `closesem asio export --cpp`
// (the script is below). It needs only asio's headers (standalone asio 1.22,
// ASIO_STANDALONE; no Boost, no closesem code):
//   g++ -std=c++17 -O1 -pthread -I/usr/include THIS.cpp -o repro
//   x86_64-w64-mingw32-g++-posix -std=c++17 -O1 -I<asio include dir> THIS.cpp -o repro.exe -lws2_32 -lmswsock
// (add -static to run repro.exe under Wine or where mingw's runtime DLLs are not installed)
//
// It runs the script's steps on a loopback asio TCP pair (a: the connecting end, b: the
// accepted end) as closesem's asio runner does, with the same bounded waits
// (CLOSESEM_TIMEOUT_MULTIPLIER scales them), prints each step and each handler's outcome
// (asio's error, its name and value, the bytes) with what closesem's asio model admits for
// it, and exits 0 when everything was admissible, 1 at the first deviation (the operation,
// expected, observed and the model's reason), 2 when this platform cannot run it.
//
// Profiles (--profile linux|windows|wine): by default the platform this file is built
// for: linux, or with _WIN32 windows (wine when it runs under Wine, found at run time).
// --documented drops
// the recorded deviations from the admissible sets: asio-iocp-poll-after-stop-runs-handler
// (a handler run by a poll() after stop()) and asio-epoll-read-after-eof-stays-pending (a
// read started after its end read end of stream, with a poll() before the close, must get
// end of stream, not the close's abort). This file has it on by default.
//
// How it is checked: which poll() runs which handler, and what the handlers before it
// read or wrote, are timing: the admissible set of a handler is the model's for the state
// when it is seen to have run, so the model's checks run here (a port of
// core/src/asio_model/asio_model.cpp), each printed as the set it admits. Not checked:
//  - the descriptor or handle count before and after the run (fuzz_asio_close checks it);
//  - a step the runner does not start (a second pending read or write at an end, a fourth
//    wait, a second accept, a fifth connect) is printed as not started.
//
// The script (asio-epoll-read-after-eof-stays-pending.asio):
//   # Finding asio-epoll-read-after-eof-stays-pending (docs/FINDINGS.md).
//   # b's read is pending when a's FIN arrives: it completes with end of stream
//   # (asio::error::eof). basic_stream_socket's async_read_some says a read completes with eof
//   # at the end of the stream, and recv itself returns 0 again at once. With asio's epoll
//   # reactor (Linux) the next read is queued for an edge-triggered event that never comes:
//   # it stays pending until b is closed (then operation_aborted). The select reactor and
//   # IOCP complete it with eof.
//   # The deviating op: the second `b read 16` (line 14): expected eof, asio on epoll: its
//   # handler never runs.
//   threads 0
//   b read 16
//   a close
//   run
//   b read 16
//   run
//   run

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#ifndef ASIO_NO_DEPRECATED
#define ASIO_NO_DEPRECATED
#endif
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00
#endif
#endif

#include <asio.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#if !defined(_WIN32)
#include <unistd.h>
#endif

namespace {
// ---------------------------------------------------------------------------
// The model's checks: a port of closesem's asio model (core/src/asio_model/
// asio_model.cpp) for the constructs of asio programs. Each handler is judged when it
// is seen to have run, against the state the script's steps and the handlers already
// judged made, and the admissible set is printed with it.

enum class Errc {
  ok, bad_handle, not_socket, not_connected, is_connected, shut_down, broken_pipe, connection_reset,
  connection_aborted, connection_refused, would_block, in_progress, already, invalid_argument, fault,
  no_protocol_option, not_supported, address_in_use, not_initialised, disconnected, interrupted, timed_out,
  network_down, operation_aborted, other,
};

const char* errc_name(Errc e) {
  static const char* const names[] = {
      "ok", "bad_handle", "not_socket", "not_connected", "is_connected", "shut_down", "broken_pipe",
      "connection_reset", "connection_aborted", "connection_refused", "would_block", "in_progress", "already",
      "invalid_argument", "fault", "no_protocol_option", "not_supported", "address_in_use", "not_initialised",
      "disconnected", "interrupted", "timed_out", "network_down", "operation_aborted", "other"};
  return names[static_cast<int>(e)];
}

struct ErrorEntry {
  int code;
  const char* name;
  Errc errc;
};
#define REPRO_ERR(code, errc) ErrorEntry{code, #code, Errc::errc}
#if defined(_WIN32)
const ErrorEntry kErrors[] = {
    REPRO_ERR(WSAEBADF, bad_handle), REPRO_ERR(WSAENOTSOCK, not_socket), REPRO_ERR(WSAENOTCONN, not_connected),
    REPRO_ERR(WSAEISCONN, is_connected), REPRO_ERR(WSAESHUTDOWN, shut_down),
    REPRO_ERR(WSAECONNRESET, connection_reset), REPRO_ERR(WSAECONNABORTED, connection_aborted),
    REPRO_ERR(WSAECONNREFUSED, connection_refused), REPRO_ERR(WSAEWOULDBLOCK, would_block),
    REPRO_ERR(WSAEINPROGRESS, in_progress), REPRO_ERR(WSAEALREADY, already), REPRO_ERR(WSAEINVAL, invalid_argument),
    REPRO_ERR(WSAEFAULT, fault), REPRO_ERR(WSAENOPROTOOPT, no_protocol_option),
    REPRO_ERR(WSAEOPNOTSUPP, not_supported), REPRO_ERR(WSAEAFNOSUPPORT, not_supported),
    REPRO_ERR(WSAEPROTONOSUPPORT, not_supported), REPRO_ERR(WSAESOCKTNOSUPPORT, not_supported),
    REPRO_ERR(WSAEADDRINUSE, address_in_use), REPRO_ERR(WSANOTINITIALISED, not_initialised),
    REPRO_ERR(WSAEDISCON, disconnected), REPRO_ERR(WSAEINTR, interrupted), REPRO_ERR(WSAETIMEDOUT, timed_out),
    REPRO_ERR(WSAENETDOWN, network_down), REPRO_ERR(WSAENETRESET, other), REPRO_ERR(WSAEADDRNOTAVAIL, other),
    REPRO_ERR(WSAENETUNREACH, other), REPRO_ERR(WSAEHOSTUNREACH, other), REPRO_ERR(WSAEMFILE, other),
    REPRO_ERR(WSAENOBUFS, other), REPRO_ERR(WSAEACCES, other), REPRO_ERR(WSAEMSGSIZE, other),
    REPRO_ERR(WSASYSNOTREADY, other), REPRO_ERR(WSAVERNOTSUPPORTED, other),
    REPRO_ERR(WSA_OPERATION_ABORTED, operation_aborted),
    // Win32 codes that overlapped I/O completes with, untranslated by asio.
    REPRO_ERR(ERROR_CONNECTION_ABORTED, connection_aborted), REPRO_ERR(ERROR_NETNAME_DELETED, connection_reset),
    ErrorEntry{676, "ERROR_HANDLES_CLOSED", Errc::other},  // Wine: overlapped I/O on a closed socket
    REPRO_ERR(WSA_IO_PENDING, other), REPRO_ERR(WSA_INVALID_HANDLE, other), REPRO_ERR(ERROR_NOT_FOUND, other),
    REPRO_ERR(WSA_IO_INCOMPLETE, other), REPRO_ERR(ERROR_CONNECTION_REFUSED, connection_refused),
    REPRO_ERR(WSA_INVALID_PARAMETER, invalid_argument), REPRO_ERR(ERROR_SEM_TIMEOUT, timed_out),
};
#else
const ErrorEntry kErrors[] = {
    REPRO_ERR(EBADF, bad_handle), REPRO_ERR(ENOTSOCK, not_socket), REPRO_ERR(ENOTCONN, not_connected),
    REPRO_ERR(EISCONN, is_connected), REPRO_ERR(ESHUTDOWN, shut_down), REPRO_ERR(EPIPE, broken_pipe),
    REPRO_ERR(ECONNRESET, connection_reset), REPRO_ERR(ECONNABORTED, connection_aborted),
    REPRO_ERR(ECONNREFUSED, connection_refused), REPRO_ERR(EAGAIN, would_block),
#if EWOULDBLOCK != EAGAIN
    REPRO_ERR(EWOULDBLOCK, would_block),
#endif
    REPRO_ERR(EINPROGRESS, in_progress), REPRO_ERR(EALREADY, already), REPRO_ERR(EINVAL, invalid_argument),
    REPRO_ERR(EFAULT, fault), REPRO_ERR(ENOPROTOOPT, no_protocol_option), REPRO_ERR(EOPNOTSUPP, not_supported),
    REPRO_ERR(EAFNOSUPPORT, not_supported), REPRO_ERR(EPROTONOSUPPORT, not_supported),
    REPRO_ERR(EADDRINUSE, address_in_use), REPRO_ERR(EINTR, interrupted), REPRO_ERR(ETIMEDOUT, timed_out),
    REPRO_ERR(ENETDOWN, network_down), REPRO_ERR(ECANCELED, operation_aborted), REPRO_ERR(EADDRNOTAVAIL, other),
    REPRO_ERR(ENETUNREACH, other), REPRO_ERR(EHOSTUNREACH, other), REPRO_ERR(EMFILE, other),
    REPRO_ERR(ENFILE, other), REPRO_ERR(ENOBUFS, other), REPRO_ERR(ENOMEM, other), REPRO_ERR(EACCES, other),
    REPRO_ERR(EPERM, other), REPRO_ERR(ENOENT, other),
};
#endif
#undef REPRO_ERR

const ErrorEntry* find_error(int code) {
  for (const auto& entry : kErrors)
    if (entry.code == code) return &entry;
  return nullptr;
}

// The model's vocabulary for an asio error_code: success and eof are Errc::ok (eof with
// 0 bytes), a system error goes through the platform's table, anything else is other.
Errc errc_of(const asio::error_code& ec) {
  if (!ec || ec == asio::error::eof) return Errc::ok;
  if (ec.category() != asio::system_category()) return Errc::other;
  const ErrorEntry* entry = find_error(ec.value());
  return entry != nullptr ? entry->errc : Errc::other;
}

// "success", "eof [asio.misc:2 End of file]", "operation_aborted: ECANCELED(125) Operation canceled".
std::string describe(const asio::error_code& ec) {
  if (!ec) return "success";
  if (ec == asio::error::eof)
    return "eof [" + std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " " + ec.message() + "]";
  std::string text = std::string(errc_name(errc_of(ec))) + ": ";
  if (ec.category() == asio::system_category()) {
    const ErrorEntry* entry = find_error(ec.value());
    text += (entry != nullptr ? std::string(entry->name) : std::to_string(ec.value())) + "(" +
            std::to_string(ec.value()) + ")";
  } else {
    text += std::string(ec.category().name()) + ":" + std::to_string(ec.value());
  }
  return text + " " + ec.message();
}

// What a platform's backend gives a pending operation cancelled by close() or the
// destructor (cancel() gives operation_aborted everywhere measured). The model's
// profiles (asio_model.cpp); `documented` drops the recorded deviations.
struct Profile {
  std::string name;
  std::vector<Errc> closed;                 // besides operation_aborted
  bool close_may_lose_handlers = false;     // Wine 8.0 (wine-8-asio.json)
  std::uint32_t max_write = 1u << 20;       // Wine: writes capped to complete at once
  bool runs_handlers_after_stop = false;    // IOCP: asio-iocp-poll-after-stop-runs-handler
  bool read_after_eof_may_stay_pending = false;  // epoll: asio-epoll-read-after-eof-stays-pending
  bool documented = false;
};

Profile make_profile(const std::string& name, bool documented) {
  Profile p;
  p.name = name;
  if (name == "windows") {
    p.closed = {Errc::connection_aborted};  // ERROR_CONNECTION_ABORTED (1236), reported
    p.runs_handlers_after_stop = true;
  } else if (name == "wine") {
    p.closed = {Errc::other};  // ERROR_HANDLES_CLOSED (676), measured
    p.close_may_lose_handlers = true;
    p.max_write = 16 * 1024;
    p.runs_handlers_after_stop = true;
  } else {
    p.read_after_eof_may_stay_pending = true;
  }
  if (documented) {
    p.name += " (documented)";
    p.documented = true;
    p.runs_handlers_after_stop = false;
    p.read_after_eof_may_stay_pending = false;
  }
  return p;
}

const char* const kAfterStopReason =
    "asio-iocp-poll-after-stop-runs-handler: asio's IOCP backend dequeues the stop packet in the first poll() and "
    "the completion behind it in the next; io_context::stop() documents that poll() returns at once until restart()";
const char* const kReadAfterEofReason =
    "asio-epoll-read-after-eof-stays-pending: asio 1.22's epoll reactor queues a read started after a read "
    "completed with end of stream for an edge Linux does not signal again, so it stays pending until the close "
    "aborts it; documented (recv returns 0 again at once): it completes with end of stream";

std::uint8_t pattern_byte(int writer, std::uint64_t offset) {
  return static_cast<std::uint8_t>((offset + 101u * static_cast<unsigned>(writer)) % 251u);
}

enum class OpKind { read, write, wait, accept, connect };

struct PendingOp {
  OpKind kind = OpKind::read;
  int end = -1;  // a/b; -1 for accept and connect
  int wait_what = 0;
  std::string text;  // "step 3 `a read 16`"
  bool started_closed = false;
  bool cancelled = false;  // by cancel(), or release()'s cancel
  bool closed = false;     // by close(), destroy() or release()
  bool natural_possible = false;
  bool after_eof = false;   // a read started after its end read end of stream
  bool polled = false;      // the context ran while it was pending (before a cancel or close)
  std::uint64_t offset = 0;
  std::uint64_t read_at_start = 0;
  std::size_t size = 0;
  bool processed = false;
};

struct EndState {
  bool open = true;
  bool shut_rd = false, shut_wr = false;
  bool ended = false;
  bool linger_zero = false;
  bool saw_eof = false;
  std::uint64_t written = 0, write_started = 0, read = 0;
  bool reset_sent = false;
  bool wrote_after_peer_end = false, wrote_after_peer_shut_rd = false;
  int read_op = -1, write_op = -1;
  std::vector<int> waits;
};

struct Outcome {
  Errc errc = Errc::ok;
  std::size_t bytes = 0;
  std::string described;
  const char* data = nullptr;
};

// A deviation: what was expected, what the model's reason is.
struct Deviation {
  std::string expected;
  std::string why;
};

class Model {
 public:
  explicit Model(Profile profile) : profile_(std::move(profile)) {}
  const Profile& profile() const { return profile_; }
  void at_step(std::size_t step) { step_ = step; }
  const PendingOp& at(int id) const { return ops_[static_cast<std::size_t>(id)]; }
  const std::vector<PendingOp>& ops() const { return ops_; }
  const EndState& end_state(int e) const { return ends_[e]; }

  int start_read(int e, std::uint32_t size, const std::string& text) {
    EndState& me = ends_[e];
    if (me.read_op >= 0) return -1;  // one pending read per end
    const int id = start(OpKind::read, e, text);
    PendingOp& op = ops_[static_cast<std::size_t>(id)];
    op.started_closed = !me.open;
    op.offset = me.read;
    op.size = size;
    op.after_eof = me.saw_eof;
    me.read_op = id;
    return id;
  }
  int start_write(int e, std::uint32_t size, const std::string& text) {
    EndState& me = ends_[e];
    const EndState& peer = ends_[1 - e];
    if (me.write_op >= 0) return -1;  // one pending write per end: its offset is known
    const int id = start(OpKind::write, e, text);
    PendingOp& op = ops_[static_cast<std::size_t>(id)];
    op.started_closed = !me.open;
    op.offset = me.written;
    op.size = std::min(size, profile_.max_write);
    if (me.open) {
      me.write_started += op.size;
      if (peer.ended) me.wrote_after_peer_end = true;
      if (peer.shut_rd) me.wrote_after_peer_shut_rd = true;
    }
    me.write_op = id;
    return id;
  }
  int start_wait(int e, int what, const std::string& text) {
    EndState& me = ends_[e];
    if (me.waits.size() >= 3) return -1;
    const int id = start(OpKind::wait, e, text);
    PendingOp& op = ops_[static_cast<std::size_t>(id)];
    op.started_closed = !me.open;
    op.wait_what = what;
    me.waits.push_back(id);
    return id;
  }
  int start_accept(const std::string& text) {
    if (accept_op_ >= 0) return -1;
    const int id = start(OpKind::accept, -1, text);
    ops_[static_cast<std::size_t>(id)].started_closed = listener_closed_;
    accept_op_ = id;
    return id;
  }
  int start_connect(const std::string& text) {
    if (connects_ >= 4) return -1;
    ++connects_;
    return start(OpKind::connect, -1, text);
  }

  // The context ran (poll, run_one): what is pending now had its chance to complete.
  void polled() {
    for (auto& op : ops_)
      if (!op.processed && !op.cancelled && !op.closed) op.polled = true;
  }
  void close(int e, bool destroy) {
    EndState& me = ends_[e];
    const EndState& peer = ends_[1 - e];
    if (me.open) {
      abort_pending(e, true);
      me.ended = true;
      if ((me.linger_zero && !destroy) || peer.write_started > me.read) me.reset_sent = true;
    }
    me.open = false;
  }
  void release_cancel(int e) {
    if (ends_[e].open) abort_pending(e, false);
  }
  void released(int e) {
    EndState& me = ends_[e];
    const EndState& peer = ends_[1 - e];
    for (int id : {me.read_op, me.write_op})
      if (id >= 0) ops_[static_cast<std::size_t>(id)].closed = true;
    for (int id : me.waits) ops_[static_cast<std::size_t>(id)].closed = true;
    if (me.open) {
      me.ended = true;
      if (me.linger_zero || peer.write_started > me.read) me.reset_sent = true;
    }
    me.open = false;
  }
  void cancel(int e) {
    if (ends_[e].open) abort_pending(e, false);
  }
  void shutdown(int e, int what) {
    EndState& me = ends_[e];
    const EndState& peer = ends_[1 - e];
    if (what != 1) {
      me.shut_rd = true;
      if (peer.write_started > me.read) me.reset_sent = true;
    }
    if (what != 0) me.shut_wr = true;
  }
  void linger(int e, bool on_zero) { ends_[e].linger_zero = on_zero; }
  void listener_close_or_cancel(bool by_close) {
    if (accept_op_ >= 0 && !listener_closed_) {
      PendingOp& op = ops_[static_cast<std::size_t>(accept_op_)];
      if (!op.processed) {
        op.natural_possible = op.natural_possible || natural_possible(op);
        (by_close ? op.closed : op.cancelled) = true;
      }
    }
    if (by_close) listener_closed_ = true;
  }
  void finish_end(int e) {
    EndState& me = ends_[e];
    if (me.open) abort_pending(e, true);
    me.open = false;
    me.ended = true;
    me.reset_sent = true;  // linger {1,0}
  }
  void finish_listener() {
    if (accept_op_ >= 0) {
      PendingOp& op = ops_[static_cast<std::size_t>(accept_op_)];
      op.natural_possible = op.natural_possible || natural_possible(op);
      op.closed = true;
    }
    listener_closed_ = true;
  }
  void finish_connects() {
    for (auto& op : ops_) {
      if (op.kind == OpKind::connect && !op.processed) {
        op.natural_possible = true;
        op.closed = true;
      }
    }
  }

  // is_open() after a step: the model's answer, or a deviation.
  std::optional<Deviation> check_open(int e, bool open) const {
    if (open == ends_[e].open) return std::nullopt;
    return Deviation{std::string("is_open() ") + (ends_[e].open ? "true" : "false"),
                     "the socket's state after this step"};
  }

  // Handler `id` ran with `c`: the admissible set (printed) and a deviation, if any.
  std::optional<Deviation> completed(int id, const Outcome& c, std::string& admits) {
    PendingOp& op = ops_[static_cast<std::size_t>(id)];
    op.processed = true;
    auto deviation = judge(op, c, admits);
    if (op.end >= 0) {
      EndState& me = ends_[op.end];
      if (me.read_op == id) me.read_op = -1;
      if (me.write_op == id) me.write_op = -1;
      me.waits.erase(std::remove(me.waits.begin(), me.waits.end(), id), me.waits.end());
    } else if (accept_op_ == id) {
      accept_op_ = -1;
    }
    return deviation;
  }

 private:
  int start(OpKind kind, int e, const std::string& text) {
    PendingOp op;
    op.kind = kind;
    op.end = e;
    if (e >= 0) op.read_at_start = ends_[e].read;
    op.text = "step " + std::to_string(step_ + 1) + " `" + text + "`";
    ops_.push_back(op);
    return static_cast<int>(ops_.size() - 1);
  }
  void abort_pending(int e, bool by_close) {
    EndState& me = ends_[e];
    std::vector<int> ids = me.waits;
    if (me.read_op >= 0) ids.push_back(me.read_op);
    if (me.write_op >= 0) ids.push_back(me.write_op);
    for (const int id : ids) {
      PendingOp& op = ops_[static_cast<std::size_t>(id)];
      if (op.processed) continue;
      op.natural_possible = op.natural_possible || natural_possible(op);
      (by_close ? op.closed : op.cancelled) = true;
    }
  }
  // Whether `op` might have completed on its own by now (its handler may be queued).
  bool natural_possible(const PendingOp& op) const {
    if (op.kind == OpKind::accept) return connects_ > 0;
    if (op.kind != OpKind::read && op.kind != OpKind::wait) return true;
    const EndState& me = ends_[op.end];
    const EndState& peer = ends_[1 - op.end];
    if (op.kind == OpKind::wait && op.wait_what == 1) return true;  // writable
    const bool peer_sent = peer.write_started > op.read_at_start || peer.write_op >= 0;
    return peer_sent || peer.ended || peer.shut_wr || peer.shut_rd || me.shut_rd || me.shut_wr;
  }

  std::optional<Deviation> judge(const PendingOp& op, const Outcome& c, std::string& admits);

  Profile profile_;
  std::vector<PendingOp> ops_;
  EndState ends_[2];
  std::size_t step_ = 0;
  bool listener_closed_ = false;
  int accept_op_ = -1;
  int connects_ = 0;
};

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

std::optional<Deviation> Model::judge(const PendingOp& op, const Outcome& c, std::string& admits) {
  const Errc errc = c.errc;
  const bool ok = errc == Errc::ok;
  const bool aborted_error = errc == Errc::operation_aborted;
  std::vector<std::string> set;  // the admissible outcomes, in the model's words
  const auto verdict = [&](bool admissible, const std::string& why) -> std::optional<Deviation> {
    admits = join(set, " | ");
    if (admissible) return std::nullopt;
    return Deviation{admits, why};
  };
  if (op.started_closed) {
    set.push_back("bad_descriptor (started on a closed socket)");
    return verdict(errc == Errc::bad_handle, "it was started on a closed socket, so bad_descriptor is documented");
  }
  // The natural outcomes: what the operation may complete with on its own, in this state.
  std::vector<std::string> natural;
  const bool connect_refused_ok = op.kind == OpKind::connect && listener_closed_;
  const EndState& me = ends_[op.end < 0 ? 0 : op.end];
  const EndState& peer = ends_[op.end < 0 ? 1 : 1 - op.end];
  const bool something_ended = peer.ended || peer.shut_rd || peer.shut_wr || me.shut_rd || me.shut_wr;
  const bool reset_possible = peer.reset_sent || (peer.ended && me.wrote_after_peer_end) ||
                              (peer.shut_rd && me.wrote_after_peer_shut_rd) || me.shut_rd;
  const bool reset = errc == Errc::connection_reset || errc == Errc::connection_aborted;
  const bool eof_possible = peer.ended || peer.shut_wr || me.shut_rd;
  const std::uint64_t available = peer.written + (peer.write_op >= 0 ? at(peer.write_op).size : 0);
  switch (op.kind) {
    case OpKind::accept:
    case OpKind::connect:
      natural.push_back("success");
      if (connect_refused_ok) natural.push_back("connection_refused or connection_reset (the listener is closed)");
      break;
    case OpKind::read:
      if (available > me.read)
        natural.push_back("success with 1 to " +
                          std::to_string(std::min<std::uint64_t>(op.size, available - me.read)) +
                          " bytes of the peer's stream from byte " + std::to_string(me.read));
      if (eof_possible) natural.push_back("eof");
      if (reset_possible) natural.push_back("connection_reset or connection_aborted");
      if (me.shut_rd) natural.push_back("shut_down");
      break;
    case OpKind::write:
      natural.push_back("success with 1 to " + std::to_string(op.size) + " bytes");
      if (reset_possible || peer.ended) natural.push_back("connection_reset or connection_aborted");
      if (me.shut_wr || peer.ended || peer.shut_rd || reset_possible) natural.push_back("broken_pipe");
      if (me.shut_wr) natural.push_back("shut_down");
      break;
    case OpKind::wait:
      if (!(op.wait_what == 2 && !something_ended)) natural.push_back("success");
      if (something_ended) natural.push_back("connection_reset, connection_aborted, broken_pipe or shut_down");
      break;
  }
  const bool cancelled = op.cancelled || op.closed;
  if (cancelled) {
    const auto& extra = profile_.closed;
    const bool platform_error = op.closed && std::find(extra.begin(), extra.end(), errc) != extra.end();
    // A read started after its end read end of stream, and given a poll() before it was
    // closed: the documented outcome is end of stream again, not an abort at the close.
    const bool eof_due = op.kind == OpKind::read && op.after_eof && op.polled && !profile_.read_after_eof_may_stay_pending;
    if (eof_due) {
      set = natural;
      set.push_back("(not operation_aborted: a read after end of stream; the abort at the close is the dropped "
                    "deviation asio-epoll-read-after-eof-stays-pending)");
      if (aborted_error || platform_error)
        return verdict(false, std::string("it was started after its end read end of stream and the context ran "
                                          "before the close, so end of stream again is documented (") +
                                  kReadAfterEofReason + ")");
    } else {
      set.push_back(std::string("operation_aborted (") + (op.closed ? "closed" : "cancelled") + " while pending)");
      if (op.closed)
        for (const Errc e : extra) set.push_back(std::string(errc_name(e)) + " (this platform's error for a close)");
      if (op.natural_possible) {
        set.insert(set.end(), natural.begin(), natural.end());
      } else {
        set.push_back("(nothing else: nothing could have completed it before)");
      }
      if (aborted_error || platform_error) return verdict(true, "");
      if (!op.natural_possible) {
        return verdict(false, std::string("it was pending when ") +
                                  (op.closed ? "its socket was closed" : "cancel() came") +
                                  " and nothing could have completed it before: operation_aborted is documented");
      }
    }
  } else {
    set = natural;
    if (aborted_error) return verdict(false, "nothing cancelled it, yet it reports operation_aborted");
  }
  if (set.empty()) set.push_back("(nothing: it should not have completed yet)");
  // A natural outcome.
  if (op.kind == OpKind::accept || op.kind == OpKind::connect) {
    if (ok) return verdict(true, "");
    if (connect_refused_ok && (errc == Errc::connection_refused || errc == Errc::connection_reset))
      return verdict(true, "");
    return verdict(false, "not an outcome this accept or connect admits");
  }
  if (!ok) {
    bool admissible = false;
    std::string why;
    switch (op.kind) {
      case OpKind::read:
        admissible = (reset && reset_possible) || (errc == Errc::shut_down && me.shut_rd);
        why = reset ? "a reset, but the peer closed or shut down gracefully with nothing unread and nothing was sent to it after"
                    : "not an error a read admits here";
        break;
      case OpKind::write:
        admissible = (reset && (reset_possible || peer.ended)) ||
                     (errc == Errc::broken_pipe && (me.shut_wr || peer.ended || peer.shut_rd || reset_possible)) ||
                     (errc == Errc::shut_down && me.shut_wr);
        why = "not an error a write admits here";
        break;
      default:
        admissible = (reset || errc == Errc::broken_pipe || errc == Errc::shut_down) && something_ended;
        why = "not an error a wait admits here";
        break;
    }
    return verdict(admissible, something_ended ? why : "nothing was closed or shut down at either end, yet it failed");
  }
  switch (op.kind) {
    case OpKind::read: {
      if (c.bytes == 0) {
        if (!eof_possible)
          return verdict(false, "end of stream, but the peer neither closed nor shut down sending, nor was receiving shut down here");
        ends_[op.end].saw_eof = true;
        return verdict(true, "");
      }
      if (c.bytes > op.size) return verdict(false, "more bytes than asked for");
      if (me.read + c.bytes > available)
        return verdict(false, "the peer wrote " + std::to_string(available) + " bytes at most, this end has now read " +
                                  std::to_string(me.read + c.bytes));
      for (std::size_t i = 0; i < c.bytes; ++i) {
        if (c.data == nullptr || static_cast<std::uint8_t>(c.data[i]) != pattern_byte(1 - op.end, me.read + i))
          return verdict(false, "byte " + std::to_string(me.read + i) + " of the stream is not the byte the peer wrote there");
      }
      ends_[op.end].read += c.bytes;
      return verdict(true, "");
    }
    case OpKind::write:
      if (c.bytes == 0 || c.bytes > op.size)
        return verdict(false, "a successful write reports 1 to " + std::to_string(op.size) + " bytes");
      ends_[op.end].written += c.bytes;
      return verdict(true, "");
    case OpKind::wait:
      if (op.wait_what == 2 && !something_ended)
        return verdict(false, "an error condition without anything closed or shut down");
      return verdict(true, "");
    default:
      return verdict(true, "");
  }
}

// ---------------------------------------------------------------------------
// The harness: tracked handlers and the loop that runs them, as closesem's asio layer
// has them (core/src/platform/asio/asio_support.cpp): how often each handler ran, with
// what, whether inside the call that started it, whether after stop(); every wait is
// bounded (CLOSESEM_TIMEOUT_MULTIPLIER scales them, 1 to 100).

using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds scaled(long long ms) {
  static const double factor = [] {
    const char* text = std::getenv("CLOSESEM_TIMEOUT_MULTIPLIER");
    if (text == nullptr || *text == '\0') return 1.0;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= 1.0 && value <= 100.0)) {
      std::fprintf(stderr, "CLOSESEM_TIMEOUT_MULTIPLIER='%s': expected a number from 1 to 100\n", text);
      std::exit(2);
    }
    return value;
  }();
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(ms) * factor));
}

thread_local int starting = 0;  // set while this thread starts an operation

struct Ran {
  std::string operation;
  int runs = 0;
  asio::error_code ec;  // of the first run
  std::size_t bytes = 0;
  bool inline_run = false;
  bool after_stop = false;
};

class Loop;

// The handler: records its run, and counts its live copies (a copy asio never
// destroys is a leak).
class Handler {
 public:
  Handler(Loop* loop, int id);
  Handler(const Handler& other);
  Handler(Handler&& other) noexcept;
  Handler& operator=(const Handler&) = delete;
  Handler& operator=(Handler&&) = delete;
  ~Handler() { --*live_; }
  void operator()(const asio::error_code& ec, std::size_t bytes) const;
  void operator()(const asio::error_code& ec) const;

 private:
  Loop* loop_;
  int id_;
  std::shared_ptr<std::atomic<long>> live_;
};

class Loop {
 public:
  explicit Loop(unsigned threads) : threads_(threads) {
    context_.emplace();
    if (threads_ == 0) return;
    work_.emplace(asio::make_work_guard(*context_));
    for (unsigned i = 0; i < threads_; ++i) workers_.emplace_back([this] { context_->run(); });
  }
  ~Loop() { finish(); }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  asio::io_context& context() { return *context_; }
  Strand make_strand() { return asio::make_strand(*context_); }
  // An object that lives until the loop ends (after its threads, before the context).
  template <typename T, typename... Args>
  T& own(Args&&... args) {
    auto object = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *object;
    owned_.push_back(std::move(object));
    return ref;
  }
  int track(std::string operation) {
    std::lock_guard<std::mutex> lock(mutex_);
    Ran ran;
    ran.operation = std::move(operation);
    ran_.push_back(std::move(ran));
    return static_cast<int>(ran_.size()) - 1;
  }
  Handler handler(int id) { return Handler(this, id); }
  // Runs `f` on `executor` and waits for it (bounded); false when it did not run in time.
  template <typename Executor, typename F>
  bool call(const Executor& executor, F f, std::chrono::milliseconds timeout) {
    auto done = std::make_shared<std::atomic<bool>>(false);
    asio::post(executor, [this, done, f = std::move(f)]() mutable {
      ++starting;
      f();
      --starting;
      done->store(true);
      notify();
    });
    const auto deadline = Clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done->load()) {
      if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return done->load();
    }
    return true;
  }
  std::vector<Ran> completions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ran_;
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    context_->stop();
  }
  void restart() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = false;
    }
    context_->restart();
  }
  // Runs the context until it has no work left or the timeout passes (true: drained).
  bool drain(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    if (threads_ > 0) {
      work_.reset();
      while (!context_->stopped()) {
        if (Clock::now() >= deadline) return false;
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, std::chrono::milliseconds(5));
      }
      for (auto& worker : workers_) worker.join();
      workers_.clear();
      return true;
    }
    if (context_->stopped()) context_->restart();
    while (Clock::now() < deadline) {
      if (context_->run_one_for(std::chrono::milliseconds(50)) == 0 && context_->stopped()) return true;
    }
    return false;
  }
  // Stops the context, joins the threads, destroys the owned objects, then the context.
  // Returns the handler copies still alive: nonzero is a leak.
  long finish() {
    if (finished_) return live_->load();
    finished_ = true;
    work_.reset();
    context_->stop();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
    while (!owned_.empty()) owned_.pop_back();
    context_.reset();
    return live_->load();
  }
  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& ran : ran_) {
      if (ran.runs > 1) out.push_back(ran.operation + ": the handler ran " + std::to_string(ran.runs) + " times");
      if (ran.inline_run) out.push_back(ran.operation + ": the handler ran inside the call that started it");
      if (ran.after_stop) out.push_back(ran.operation + ": the handler ran after io_context::stop()");
    }
    return out;
  }

 private:
  friend class Handler;
  void complete(int id, const asio::error_code& ec, std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& ran = ran_.at(static_cast<std::size_t>(id));
      if (ran.runs++ == 0) {
        ran.ec = ec;
        ran.bytes = bytes;
      }
      if (starting > 0) ran.inline_run = true;
      if (stopped_) ran.after_stop = true;
    }
    changed_.notify_all();
  }
  void notify() {
    { std::lock_guard<std::mutex> lock(mutex_); }
    changed_.notify_all();
  }

  unsigned threads_;
  std::optional<asio::io_context> context_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> workers_;
  std::vector<std::shared_ptr<void>> owned_;
  std::shared_ptr<std::atomic<long>> live_ = std::make_shared<std::atomic<long>>(0);
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Ran> ran_;
  bool stopped_ = false;
  bool finished_ = false;
};

Handler::Handler(Loop* loop, int id) : loop_(loop), id_(id), live_(loop->live_) { ++*live_; }
Handler::Handler(const Handler& other) : loop_(other.loop_), id_(other.id_), live_(other.live_) { ++*live_; }
Handler::Handler(Handler&& other) noexcept : loop_(other.loop_), id_(other.id_), live_(other.live_) { ++*live_; }
void Handler::operator()(const asio::error_code& ec, std::size_t bytes) const { loop_->complete(id_, ec, bytes); }
void Handler::operator()(const asio::error_code& ec) const { loop_->complete(id_, ec, 0); }

// ---------------------------------------------------------------------------
// The script's steps on a real asio TCP pair (a: the connecting end, b: the accepted
// end), as closesem's asio runner does them (core/src/platform/asio/asio_runner.cpp):
// the model is told each step before the asio call, and every handler that ran is
// judged after each step, in the order the handlers were started.

constexpr int kA = 0, kB = 1;
enum Wait { wait_read = 0, wait_write = 1, wait_error = 2 };
enum Shutdown { shutdown_receive = 0, shutdown_send = 1, shutdown_both = 2 };

class Repro {
 public:
  Repro(unsigned threads, const Profile& profile) : threads_(threads), model_(profile), loop_(threads) {}

  // The pair, over the IPv4 loopback on port 0; false (exit 2) when this host cannot make it.
  bool begin() {
    std::printf("profile %s, %u io_context thread(s)%s\n", model_.profile().name.c_str(), threads_,
                threads_ == 0 ? " (this thread polls it at each run step)" : "");
    Strand& first_strand = loop_.own<Strand>(loop_.make_strand());
    Strand& second_strand = loop_.own<Strand>(loop_.make_strand());
    ends_[kA].strand = &first_strand;
    ends_[kA].socket = &loop_.own<std::optional<tcp::socket>>(std::in_place, first_strand);
    ends_[kB].strand = &second_strand;
    ends_[kB].socket = &loop_.own<std::optional<tcp::socket>>(std::in_place, second_strand);
    asio::error_code ec;
    tcp::acceptor acceptor(second_strand);
    const tcp::endpoint at(asio::ip::address_v4::loopback(), 0);
    acceptor.open(at.protocol(), ec);
    if (!ec) acceptor.bind(at, ec);
    if (!ec) acceptor.listen(8, ec);
    if (!ec) {
      const auto endpoint = acceptor.local_endpoint(ec);
      if (!ec) (*ends_[kA].socket)->connect(endpoint, ec);
      if (!ec) acceptor.accept(**ends_[kB].socket, ec);
    }
    if (ec) {
      std::printf("cannot run here: no loopback TCP pair: %s\n", describe(ec).c_str());
      return false;
    }
    (*ends_[kA].socket)->set_option(tcp::no_delay(true), ec);
    (*ends_[kB].socket)->set_option(tcp::no_delay(true), ec);
    return true;
  }

  // Step `number` (from 1) of the script.
  void step(std::size_t number, const char* line) {
    model_.at_step(number - 1);
    step_number_ = number;
    step_text_ = line;
    std::printf("step %zu: %s\n", number, line);
  }

  // --- the io_context ---
  void run() {  // poll()
    if (threads_ == 0) {
      if (loop_.context().stopped() && !user_stopped_) loop_.context().restart();
      loop_.context().poll();
      model_.polled();
    }
    process();
  }
  void run_one() {  // run_one_for(1 ms)
    if (threads_ == 0) {
      if (loop_.context().stopped() && !user_stopped_) loop_.context().restart();
      loop_.context().run_one_for(std::chrono::milliseconds(1));
      model_.polled();
    }
    process();
  }
  void stop() {
    if (threads_ == 0) {
      loop_.stop();
      user_stopped_ = true;
    }
    process();
  }
  void restart() {
    if (threads_ == 0) {
      loop_.restart();
      user_stopped_ = false;
    }
    process();
  }

  // --- operations at an end ---
  void read(int e, std::uint32_t size) {
    const int id = model_.start_read(e, size, step_text_);
    if (id < 0) return skipped("a read is pending at this end already");
    auto* buffer = &loop_.own<std::vector<char>>(size, '\0');
    track(id, buffer);
    auto& socket = *ends_[e].socket;
    auto handler = loop_.handler(id);
    std::printf("  async_read_some(%u bytes) at %s: handler %d\n", size, end_name(e), id);
    on(*ends_[e].strand, [&socket, buffer, handler]() { socket->async_read_some(asio::buffer(*buffer), handler); });
    process();
  }
  void write(int e, std::uint32_t size) {
    const int id = model_.start_write(e, size, step_text_);
    if (id < 0) return skipped("a write is pending at this end already");
    const PendingOp& op = model_.at(id);
    auto* buffer = &loop_.own<std::vector<char>>(op.size, '\0');
    for (std::size_t i = 0; i < op.size; ++i) (*buffer)[i] = static_cast<char>(pattern_byte(e, op.offset + i));
    track(id, buffer);
    auto& socket = *ends_[e].socket;
    auto handler = loop_.handler(id);
    std::printf("  async_write_some(%zu pattern bytes from byte %llu) at %s: handler %d\n", op.size,
                static_cast<unsigned long long>(op.offset), end_name(e), id);
    on(*ends_[e].strand, [&socket, buffer, handler]() { socket->async_write_some(asio::buffer(*buffer), handler); });
    process();
  }
  void wait(int e, Wait what) {
    const int id = model_.start_wait(e, what, step_text_);
    if (id < 0) return skipped("3 waits are pending at this end already");
    track(id, nullptr);
    auto& socket = *ends_[e].socket;
    const auto how = what == wait_read ? tcp::socket::wait_read : what == wait_write ? tcp::socket::wait_write
                                                                                     : tcp::socket::wait_error;
    auto handler = loop_.handler(id);
    std::printf("  async_wait at %s: handler %d\n", end_name(e), id);
    on(*ends_[e].strand, [&socket, how, handler]() { socket->async_wait(how, handler); });
    process();
  }
  void close(int e) { close_or_destroy(e, false); }
  void destroy(int e) { close_or_destroy(e, true); }
  void release(int e) {
    const bool was_open = model_.end_state(e).open;
    model_.release_cancel(e);  // release() cancels first
    auto& socket = *ends_[e].socket;
    asio::error_code ec;
    bool released = false;
    bool open = true;
    on(*ends_[e].strand, [&socket, &ec, &released, &open]() {
      const auto handle = socket->release(ec);
      if (!ec) {
        // Ours now: closed at once (the peer sees the close as from close()).
        const asio::detail::socket_type native = handle;
#if defined(_WIN32)
        ::closesocket(native);
#else
        ::close(native);
#endif
        released = true;
      }
      open = socket->is_open();
    });
    if (released) {
      model_.released(e);
      std::printf("  release() at %s: the handle, closed; is_open() %s\n", end_name(e), open ? "true" : "false");
      check_open(e, open, "");
    } else {
      std::printf("  release() at %s failed: %s; is_open() %s\n", end_name(e), describe(ec).c_str(),
                  open ? "true" : "false");
      if (was_open) check_open(e, open, " (failed: " + describe(ec) + ")");
    }
    process();
  }
  void cancel(int e) {
    model_.cancel(e);
    auto& socket = *ends_[e].socket;
    asio::error_code ec;
    bool open = false;
    on(*ends_[e].strand, [&socket, &ec, &open]() {
      socket->cancel(ec);
      open = socket->is_open();
    });
    std::printf("  cancel() at %s: %s; is_open() %s\n", end_name(e), describe(ec).c_str(), open ? "true" : "false");
    check_open(e, open, "");
    process();
  }
  void shutdown(int e, Shutdown what) {
    auto& socket = *ends_[e].socket;
    asio::error_code ec;
    bool open = false;
    const auto how = what == shutdown_receive ? tcp::socket::shutdown_receive
                     : what == shutdown_send  ? tcp::socket::shutdown_send
                                              : tcp::socket::shutdown_both;
    on(*ends_[e].strand, [&socket, &ec, &open, how]() {
      socket->shutdown(how, ec);
      open = socket->is_open();
    });
    if (!ec) model_.shutdown(e, what);
    std::printf("  shutdown() at %s: %s; is_open() %s\n", end_name(e), describe(ec).c_str(), open ? "true" : "false");
    check_open(e, open, "");
    process();
  }
  void linger(int e, bool on_zero) {
    auto& socket = *ends_[e].socket;
    asio::error_code ec;
    on(*ends_[e].strand, [&socket, &ec, on_zero]() { socket->set_option(asio::socket_base::linger(on_zero, 0), ec); });
    if (!ec) model_.linger(e, on_zero);
    std::printf("  set_option(linger %s) at %s: %s\n", on_zero ? "{1,0}" : "off", end_name(e), describe(ec).c_str());
    process();
  }

  // --- the listener (made at its first step, on the IPv4 loopback, port 0) ---
  void accept() {
    if (!listener()) return;
    const int id = model_.start_accept(step_text_);
    if (id < 0) return skipped("an accept is pending already");
    auto& strand = loop_.own<Strand>(loop_.make_strand());
    auto& into = loop_.own<tcp::socket>(strand);
    extra_.emplace_back(&strand, &into);
    track(id, nullptr);
    auto handler = loop_.handler(id);
    std::printf("  async_accept on the listener: handler %d\n", id);
    on(*listener_strand_, [this, &into, handler]() { listener_->async_accept(into, handler); });
    process();
  }
  void connect() {
    if (!listener()) return;
    const int id = model_.start_connect(step_text_);
    if (id < 0) return skipped("4 connects were started already");
    auto& strand = loop_.own<Strand>(loop_.make_strand());
    auto& client = loop_.own<tcp::socket>(strand);
    extra_.emplace_back(&strand, &client);
    track(id, nullptr);
    auto handler = loop_.handler(id);
    const auto to = listener_at_;
    std::printf("  async_connect to the listener: handler %d\n", id);
    on(strand, [&client, to, handler]() { client.async_connect(to, handler); });
    process();
  }
  void listener_close() { listener_close_or_cancel(true); }
  void listener_cancel() { listener_close_or_cancel(false); }

  // The end: everything closed (a and b with linger {1,0}), the context run until it has
  // no work left (2 s at most): every handler must have run. Returns the exit status.
  int end() {
    model_.at_step(steps_);
    std::printf("end: close everything and run the io_context until it has no work left\n");
    if (user_stopped_) {
      loop_.restart();
      user_stopped_ = false;
    }
    for (int e = 0; e < 2; ++e) {
      model_.finish_end(e);
      auto& socket = *ends_[e].socket;
      on(*ends_[e].strand, [&socket]() {
        asio::error_code ec;
        socket->set_option(asio::socket_base::linger(true, 0), ec);  // no TIME_WAIT
        socket->close(ec);
      });
    }
    if (listener_ != nullptr) {
      model_.finish_listener();
      on(*listener_strand_, [this]() {
        asio::error_code ec;
        listener_->close(ec);
      });
    }
    model_.finish_connects();
    for (auto& [strand, socket] : extra_) {
      tcp::socket* s = socket;
      on(*strand, [s]() {
        asio::error_code ec;
        s->close(ec);
      });
    }
    const bool drained = loop_.drain(scaled(2000));
    process();
    const auto ran = loop_.completions();
    bool lost = false;  // a handler this platform is known to lose at close
    for (std::size_t id = 0; id < model_.ops().size(); ++id) {
      const int runs = id < ran.size() ? ran[id].runs : 0;
      if (runs > 0) continue;
      if (model_.ops()[id].closed && model_.profile().close_may_lose_handlers) {
        lost = true;
        std::printf("  handler %zu, %s: never ran (admitted: Wine 8.0 may lose a handler at close)\n", id,
                    model_.ops()[id].text.c_str());
        continue;
      }
      deviation(model_.ops()[id].text + " (handler " + std::to_string(id) + ")", "its handler runs once",
                "it never ran, though everything was closed and the io_context " +
                    std::string(drained ? "ran out of work" : "ran for 2 s"),
                "every handler runs exactly once");
    }
    const long live = loop_.finish();
    if (live != 0 && !lost)
      deviation("the io_context's destruction", "no handler copy alive after it",
                std::to_string(live) + " handler copies still alive", "no handler copy outlives the io_context");
    std::printf("verdict: every outcome was admissible (%zu handler(s), profile %s)\n", model_.ops().size(),
                model_.profile().name.c_str());
    return 0;
  }

  void set_steps(std::size_t steps) { steps_ = steps; }

 private:
  struct End {
    Strand* strand = nullptr;
    std::optional<tcp::socket>* socket = nullptr;
  };

  static const char* end_name(int e) { return e == kA ? "a" : "b"; }

  // Runs `f` where the socket may be used: here when this thread runs the context, else
  // on the end's strand (bounded: 5 s).
  template <typename F>
  void on(Strand& strand, F f) {
    if (threads_ == 0) {
      ++starting;
      f();
      --starting;
      return;
    }
    if (!loop_.call(strand, f, scaled(5000)))
      deviation(current(), "the step runs on its strand", "it did not get to run within 5 s", "every wait is bounded");
  }
  void track(int id, std::vector<char>* buffer) {
    if (loop_.track(current()) != id) {
      std::printf("internal error: the handler ids left the model's\n");
      std::exit(2);
    }
    buffers_.push_back(buffer);
  }
  void skipped(const char* why) { std::printf("  not started (as the runner): %s\n", why); process(); }
  std::string current() const { return "step " + std::to_string(step_number_) + " `" + step_text_ + "`"; }

  void close_or_destroy(int e, bool destroy) {
    model_.close(e, destroy);
    auto& socket = *ends_[e].socket;
    Strand* strand = ends_[e].strand;
    asio::error_code ec;
    bool open = true;
    on(*strand, [&socket, &ec, &open, destroy, strand]() {
      if (destroy) {
        socket.reset();
        socket.emplace(*strand);  // a new socket object, never opened
      } else {
        socket->close(ec);
      }
      open = socket->is_open();
    });
    std::printf("  %s at %s: %s; is_open() %s\n", destroy ? "the destructor" : "close()", end_name(e),
                describe(ec).c_str(), open ? "true" : "false");
    if (ec) deviation(current(), "close() succeeds", describe(ec), "close() of an asio socket does not fail");
    check_open(e, open, "");
    process();
  }
  void check_open(int e, bool open, const std::string& note) {
    if (const auto d = model_.check_open(e, open))
      deviation(current() + note, d->expected, std::string("is_open() ") + (open ? "true" : "false"), d->why);
  }

  bool listener() {
    if (listener_ != nullptr) return true;
    listener_strand_ = &loop_.own<Strand>(loop_.make_strand());
    listener_ = &loop_.own<tcp::acceptor>(*listener_strand_);
    asio::error_code ec;
    const tcp::endpoint at(asio::ip::address_v4::loopback(), 0);
    on(*listener_strand_, [this, &ec, at]() {
      listener_->open(at.protocol(), ec);
      if (!ec) listener_->bind(at, ec);
      if (!ec) listener_->listen(8, ec);
      if (!ec) listener_at_ = listener_->local_endpoint(ec);
    });
    if (ec) deviation(current(), "the listener is made", describe(ec), "a loopback listener on port 0");
    std::printf("  the listener: 127.0.0.1:%u\n", static_cast<unsigned>(listener_at_.port()));
    return true;
  }
  void listener_close_or_cancel(bool by_close) {
    if (!listener()) return;
    model_.listener_close_or_cancel(by_close);
    on(*listener_strand_, [this, by_close]() {
      asio::error_code ec;
      by_close ? listener_->close(ec) : listener_->cancel(ec);
    });
    std::printf("  the listener's %s\n", by_close ? "close()" : "cancel()");
    process();
  }

  // Judges every handler that ran since the last call, in the order they were started.
  void process() {
    const auto ran = loop_.completions();
    for (std::size_t id = 0; id < model_.ops().size(); ++id) {
      const int i = static_cast<int>(id);
      if (model_.at(i).processed || ran[id].runs == 0) continue;
      Outcome c;
      c.errc = errc_of(ran[id].ec);
      c.bytes = ran[id].bytes;
      c.described = describe(ran[id].ec);
      if (buffers_[id] != nullptr) c.data = buffers_[id]->data();
      const std::string observed = c.described + ", " + std::to_string(c.bytes) + " bytes";
      std::string admits;
      const PendingOp before = model_.at(i);
      const auto d = model_.completed(i, c, admits);
      std::printf("  handler %zu, %s: %s; admits: %s", id, before.text.c_str(), observed.c_str(), admits.c_str());
      const bool aborted = c.errc == Errc::operation_aborted ||
                           std::find(model_.profile().closed.begin(), model_.profile().closed.end(), c.errc) !=
                               model_.profile().closed.end();
      if (!d && before.kind == OpKind::read && before.after_eof && before.polled && aborted)
        std::printf(" (admitted as the recorded deviation asio-epoll-read-after-eof-stays-pending)");
      std::printf("\n");
      if (d) deviation(before.text + " (handler " + std::to_string(id) + ")", d->expected, observed, d->why);
    }
    for (const auto& problem : loop_.problems()) {
      const bool after_stop = problem.find("after io_context::stop") != std::string::npos;
      if (after_stop && model_.profile().runs_handlers_after_stop) {
        if (noted_.insert(problem).second)
          std::printf("  %s (admitted as the recorded deviation %s)\n", problem.c_str(), kAfterStopReason);
        continue;
      }
      if (after_stop)
        deviation(problem, "no handler runs after io_context::stop() until restart()", "it ran",
                  std::string(model_.profile().documented ? "the dropped deviation " : "") + kAfterStopReason);
      deviation(problem, problem.find("inside") != std::string::npos ? "never inside the call that started it"
                                                                      : "the handler runs exactly once",
                "as named", "asio runs each handler exactly once, never inside the initiating call");
    }
  }

  [[noreturn]] void deviation(const std::string& op, const std::string& expected, const std::string& observed,
                              const std::string& why) {
    std::printf("DEVIATION: %s\n  expected: %s\n  observed: %s\n  the model's reason: %s\n", op.c_str(),
                expected.c_str(), observed.c_str(), why.c_str());
    std::printf("verdict: a deviation from the %s model (exit 1)\n", model_.profile().name.c_str());
    std::fflush(stdout);
    // At once: a stuck handler or thread must not hold the verdict (the process's exit
    // closes every socket).
    std::_Exit(1);
  }

  unsigned threads_;
  Model model_;
  Loop loop_;
  End ends_[2];
  std::vector<std::vector<char>*> buffers_;  // by handler id: a read's or a write's
  Strand* listener_strand_ = nullptr;
  tcp::acceptor* listener_ = nullptr;
  tcp::endpoint listener_at_;
  std::vector<std::pair<Strand*, tcp::socket*>> extra_;
  std::set<std::string> noted_;
  std::string step_text_;
  std::size_t step_number_ = 0;
  std::size_t steps_ = 0;
  bool user_stopped_ = false;
};

#if defined(_WIN32)
bool under_wine() {
  const HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
  return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}
#endif

// The options: --profile linux|windows|wine, --documented, --help. Returns the exit
// status for bad options or --help, else -1.
int options(int argc, char** argv, std::string& profile, bool& documented) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s [--profile linux|windows|wine] [--documented]\n"
                  "Runs the script in this file's header on a loopback asio TCP pair and checks every outcome\n"
                  "against closesem's asio model. Exit status: 0 every outcome admissible, 1 a deviation (named),\n"
                  "2 this platform cannot run it or a bad option.\n",
                  argv[0]);
      return 0;
    }
    if (arg == "--documented") {
      documented = true;
    } else if (arg == "--profile" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "linux" || std::string(argv[i + 1]) == "windows" ||
                std::string(argv[i + 1]) == "wine")) {
      profile = argv[++i];
    } else {
      const std::string given = arg == "--profile" && i + 1 < argc ? arg + " " + argv[i + 1] : arg;
      std::fprintf(stderr, "%s: bad option '%s' (--profile linux|windows|wine, --documented, --help)\n", argv[0],
                   given.c_str());
      return 2;
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);  // each line as it happens
#if defined(_WIN32)
  std::string profile = under_wine() ? "wine" : "windows";
#else
  std::string profile = "linux";
#endif
  bool documented = true;
  if (const int status = options(argc, argv, profile, documented); status >= 0) return status;
  std::printf("asio-epoll-read-after-eof-stays-pending.asio\n");
  Repro r(0, make_profile(profile, documented));  // threads 0
  if (!r.begin()) return 2;
  r.set_steps(6);

  // asio-epoll-read-after-eof-stays-pending.asio:11: b read 16
  r.step(1, "b read 16");
  r.read(kB, 16);

  // asio-epoll-read-after-eof-stays-pending.asio:12: a close
  r.step(2, "a close");
  r.close(kA);

  // asio-epoll-read-after-eof-stays-pending.asio:13: run
  r.step(3, "run");
  r.run();

  // asio-epoll-read-after-eof-stays-pending.asio:14: b read 16
  r.step(4, "b read 16");
  r.read(kB, 16);

  // asio-epoll-read-after-eof-stays-pending.asio:15: run
  r.step(5, "run");
  r.run();

  // asio-epoll-read-after-eof-stays-pending.asio:16: run
  r.step(6, "run");
  r.run();

  return r.end();
}
