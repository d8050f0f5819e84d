// SPDX-License-Identifier: MIT
// The asio model: its profiles, the state of a run and the checker (asio_model.hpp).
#include "closesem/asio_model.hpp"
#include "closesem/pattern.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace closesem::asio_model {

BackendProfile linux_profile() {
  BackendProfile p;
  p.name = "linux";
  return p;
}

BackendProfile windows_profile() {
  // ERROR_CONNECTION_ABORTED (1236) for a receive, reported (windows-asio.json).
  BackendProfile p;
  p.name = "windows";
  p.closed = {Errc::connection_aborted};
  p.runs_handlers_after_stop = true;
  return p;
}

BackendProfile wine_profile() {
  // ERROR_HANDLES_CLOSED (676), measured (wine-8-asio.json).
  BackendProfile p;
  p.name = "wine";
  p.closed = {Errc::other};
  p.close_may_lose_handlers = true;
  p.max_write = 16 * 1024;
  p.runs_handlers_after_stop = true;
  return p;
}

std::optional<BackendProfile> profile_named(const std::string& name) {
  if (name == "linux") return linux_profile();
  if (name == "windows" || name == "winsock") return windows_profile();
  if (name == "wine" || name == "wine-8") return wine_profile();
  return std::nullopt;
}

namespace {
constexpr std::size_t kLongest = (1u << 20) + pattern::kModulus;
const char* const kOpNames[] = {"read", "write", "wait", "accept", "connect"};
}  // namespace

const char* pattern_at(int writer, std::uint64_t offset) {
  static const std::array<std::vector<char>, 2> tables = [] {
    std::array<std::vector<char>, 2> t;
    for (std::size_t w = 0; w < 2; ++w) {
      t[w].resize(kLongest);
      for (std::size_t i = 0; i < kLongest; ++i)
        t[w][i] = static_cast<char>(pattern::byte_at(i, static_cast<unsigned>(w)));
    }
    return t;
  }();
  return tables[static_cast<std::size_t>(writer)].data() + offset % pattern::kModulus;
}

// ---------------------------------------------------------------------------
// Operations

int Model::start(OpKind kind, int e, const std::string& text) {
  PendingOp op;
  op.kind = kind;
  op.end = e;
  if (e >= 0) op.read_at_start = ends_[e].read;
  op.step = step_;
  op.text = "step " + std::to_string(step_ + 1) + " `" + text + "`";
  ops_.push_back(op);
  return static_cast<int>(ops_.size() - 1);
}

int Model::start_read(int e, std::uint32_t size, const std::string& text) {
  EndState& me = ends_[e];
  if (me.read_op >= 0) return -1;  // one pending read per end
  const int id = start(OpKind::read, e, text);
  PendingOp& op = mutable_at(id);
  op.started_closed = !me.open;
  op.offset = me.read;
  op.size = size;
  me.read_op = id;
  return id;
}

int Model::start_write(int e, std::uint32_t size, const std::string& text) {
  EndState& me = ends_[e];
  const EndState& peer = ends_[1 - e];
  if (me.write_op >= 0) return -1;  // one pending write per end: its offset is known
  const int id = start(OpKind::write, e, text);
  PendingOp& op = mutable_at(id);
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

int Model::start_wait(int e, int what, const std::string& text) {
  EndState& me = ends_[e];
  if (me.waits.size() >= 3) return -1;
  const int id = start(OpKind::wait, e, text);
  PendingOp& op = mutable_at(id);
  op.started_closed = !me.open;
  op.wait_what = what;
  me.waits.push_back(id);
  return id;
}

int Model::start_accept(const std::string& text) {
  if (accept_op_ >= 0) return -1;
  const int id = start(OpKind::accept, -1, text);
  mutable_at(id).started_closed = listener_closed_;
  accept_op_ = id;
  return id;
}

int Model::start_connect(const std::string& text) {
  if (connects_ >= 4) return -1;
  ++connects_;
  return start(OpKind::connect, -1, text);
}

// ---------------------------------------------------------------------------
// Events

void Model::close(int e, bool destroy) {
  EndState& me = ends_[e];
  const EndState& peer = ends_[1 - e];
  if (me.open) {
    abort_pending(e, true);
    me.ended = true;
    if ((me.linger_zero && !destroy) || peer.write_started > me.read) me.reset_sent = true;
  }
  me.open = false;
}

void Model::release_cancel(int e) {
  if (ends_[e].open) abort_pending(e, false);
}

void Model::released(int e) {
  EndState& me = ends_[e];
  const EndState& peer = ends_[1 - e];
  // The handle is ours now and closed at once (the peer sees the close as from close()).
  for (int id : {me.read_op, me.write_op}) {
    if (id >= 0) mutable_at(id).closed = true;
  }
  for (int id : me.waits) mutable_at(id).closed = true;
  if (me.open) {
    me.ended = true;
    if (me.linger_zero || peer.write_started > me.read) me.reset_sent = true;
  }
  me.open = false;
}

void Model::cancel(int e) {
  if (ends_[e].open) abort_pending(e, false);
}

void Model::shutdown(int e, int what) {
  EndState& me = ends_[e];
  const EndState& peer = ends_[1 - e];
  if (what != 1) {
    me.shut_rd = true;
    if (peer.write_started > me.read) me.reset_sent = true;  // Winsock S4; Linux with both
  }
  if (what != 0) me.shut_wr = true;
}

void Model::linger(int e, bool on_zero) { ends_[e].linger_zero = on_zero; }

void Model::listener_close_or_cancel(bool by_close) {
  if (accept_op_ >= 0 && !listener_closed_) {
    PendingOp& op = mutable_at(accept_op_);
    if (!op.processed) {
      op.natural_possible = op.natural_possible || natural_possible(op);
      (by_close ? op.closed : op.cancelled) = true;
    }
  }
  if (by_close) listener_closed_ = true;
}

void Model::finish_end(int e) {
  EndState& me = ends_[e];
  if (me.open) abort_pending(e, true);
  me.open = false;
  me.ended = true;
  me.reset_sent = true;  // linger {1,0}
}

void Model::finish_listener() {
  if (accept_op_ >= 0) {
    PendingOp& op = mutable_at(accept_op_);
    op.natural_possible = op.natural_possible || natural_possible(op);
    op.closed = true;
  }
  listener_closed_ = true;
}

void Model::finish_connects() {
  for (auto& op : ops_) {
    if (op.kind == OpKind::connect && !op.processed) {
      op.natural_possible = true;
      op.closed = true;
    }
  }
}

// Everything pending at end `e` is being cancelled (close/destroy: by_close).
void Model::abort_pending(int e, bool by_close) {
  EndState& me = ends_[e];
  std::vector<int> ids = me.waits;
  if (me.read_op >= 0) ids.push_back(me.read_op);
  if (me.write_op >= 0) ids.push_back(me.write_op);
  for (const int id : ids) {
    PendingOp& op = mutable_at(id);
    if (op.processed) continue;
    op.natural_possible = op.natural_possible || natural_possible(op);
    (by_close ? op.closed : op.cancelled) = true;
  }
}

// Whether `op` might have completed on its own by now (its handler may be queued
// already): then a natural outcome is admissible even though it was cancelled.
bool Model::natural_possible(const PendingOp& op) const {
  if (op.kind == OpKind::accept) return connects_ > 0;
  if (op.kind != OpKind::read && op.kind != OpKind::wait) return true;
  const EndState& me = ends_[op.end];
  const EndState& peer = ends_[1 - op.end];
  if (op.kind == OpKind::wait && op.wait_what == 1) return true;  // writable
  // Bytes the peer sent past what this end had read when the operation started: they
  // made it readable at some moment while it was pending, even if another read (on
  // another thread) has taken them since.
  const bool peer_sent = peer.write_started > op.read_at_start || peer.write_op >= 0;
  return peer_sent || peer.ended || peer.shut_wr || peer.shut_rd || me.shut_rd || me.shut_wr;
}

// ---------------------------------------------------------------------------
// Checks

std::optional<Finding> Model::check_open(int e, bool open, const std::string& after) const {
  if (open == ends_[e].open) return std::nullopt;
  return Finding{"is-open", "is_open() is " + std::string(open ? "true" : "false") + " after step " +
                                std::to_string(step_ + 1) + " `" + after + "`, expected " +
                                (ends_[e].open ? "true" : "false") + " (end " + (e == 0 ? "a" : "b") + ")"};
}

std::optional<Finding> Model::completed(int id, const Completion& completion) {
  PendingOp& op = mutable_at(id);
  op.processed = true;
  auto finding = judge(op, completion);
  if (op.end >= 0) {
    EndState& me = ends_[op.end];
    if (me.read_op == id) me.read_op = -1;
    if (me.write_op == id) me.write_op = -1;
    me.waits.erase(std::remove(me.waits.begin(), me.waits.end(), id), me.waits.end());
  } else if (accept_op_ == id) {
    accept_op_ = -1;
  }
  return finding;
}

std::optional<Finding> Model::judge(const PendingOp& op, const Completion& c) {
  const Errc errc = c.errc;
  const bool ok = errc == Errc::ok;
  const bool aborted_error = errc == Errc::operation_aborted;
  const std::string got = c.described + ", " + std::to_string(c.bytes) + " bytes";
  const auto bad = [&](const std::string& signature, const std::string& why) -> std::optional<Finding> {
    return Finding{signature + "/" + kOpNames[static_cast<int>(op.kind)], op.text + " completed with " + got + ": " + why};
  };
  if (op.started_closed) {
    if (errc != Errc::bad_handle) return bad("closed", "it was started on a closed socket, so bad_descriptor is documented");
    return std::nullopt;
  }
  const bool cancelled = op.cancelled || op.closed;
  if (cancelled) {
    const auto& extra = profile_.closed;
    const bool platform_error = op.closed && std::find(extra.begin(), extra.end(), errc) != extra.end();
    if (aborted_error || platform_error) return std::nullopt;
    if (!op.natural_possible) {
      return bad("not-aborted", std::string("it was pending when ") +
                                    (op.closed ? "its socket was closed" : "cancel() came") +
                                    " and nothing could have completed it before: operation_aborted is documented");
    }
  } else if (aborted_error) {
    return bad("aborted", "nothing cancelled it, yet it reports operation_aborted");
  }
  // A natural outcome.
  if (op.kind == OpKind::accept || op.kind == OpKind::connect) {
    if (ok) return std::nullopt;
    // Refused once the listener is gone; reset when it closed with the connection queued.
    if (op.kind == OpKind::connect && listener_closed_ &&
        (errc == Errc::connection_refused || errc == Errc::connection_reset))
      return std::nullopt;
    return bad("error", "not an outcome this accept or connect admits");
  }
  const EndState& me = ends_[op.end];
  const EndState& peer = ends_[1 - op.end];
  const bool something_ended = peer.ended || peer.shut_rd || peer.shut_wr || me.shut_rd || me.shut_wr;
  const bool reset_possible = peer.reset_sent || (peer.ended && me.wrote_after_peer_end) ||
                              (peer.shut_rd && me.wrote_after_peer_shut_rd) || me.shut_rd;
  const bool reset = errc == Errc::connection_reset || errc == Errc::connection_aborted;
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
    if (admissible) return std::nullopt;
    return bad("error", something_ended ? why : "nothing was closed or shut down at either end, yet it failed");
  }
  switch (op.kind) {
    case OpKind::read: {
      if (c.bytes == 0) {
        if (!(peer.ended || peer.shut_wr || me.shut_rd))
          return bad("eof", "end of stream, but the peer neither closed nor shut down sending, nor was receiving shut down here");
        return std::nullopt;
      }
      if (c.bytes > op.size) return bad("bytes", "more bytes than asked for");
      const std::uint64_t available = peer.written + (peer.write_op >= 0 ? at(peer.write_op).size : 0);
      if (me.read + c.bytes > available)
        return bad("stream", "the peer wrote " + std::to_string(available) + " bytes at most, this end has now read " +
                                 std::to_string(me.read + c.bytes));
      const char* expected = pattern_at(1 - op.end, me.read);
      if (c.data == nullptr || std::memcmp(c.data, expected, c.bytes) != 0) {
        std::size_t i = 0;
        while (c.data != nullptr && i < c.bytes && c.data[i] == expected[i]) ++i;
        return bad("stream", "byte " + std::to_string(me.read + i) + " of the stream is not the byte the peer wrote there");
      }
      ends_[op.end].read += c.bytes;
      return std::nullopt;
    }
    case OpKind::write:
      if (c.bytes == 0 || c.bytes > op.size)
        return bad("bytes", "a successful write reports 1 to " + std::to_string(op.size) + " bytes");
      ends_[op.end].written += c.bytes;
      return std::nullopt;
    case OpKind::wait:
      if (op.wait_what == 2 && !something_ended) return bad("wait-error", "an error condition without anything closed or shut down");
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<Finding> Model::problems(const std::vector<std::string>& seen) const {
  for (const auto& problem : seen) {
    const bool after_stop = problem.find("after io_context::stop") != std::string::npos;
    if (after_stop && profile_.runs_handlers_after_stop) continue;
    return Finding{after_stop ? "after-stop" : problem.find("inside") != std::string::npos ? "inline" : "exactly-once",
                   problem};
  }
  return std::nullopt;
}

std::optional<Finding> Model::all_ran(const std::vector<int>& runs, bool drained, bool& lost) const {
  lost = false;
  for (std::size_t id = 0; id < ops_.size(); ++id) {
    const int ran = id < runs.size() ? runs[id] : 0;
    if (ran == 0 && ops_[id].closed && profile_.close_may_lose_handlers) {
      lost = true;
      continue;
    }
    if (ran == 0)
      return Finding{"never-ran", ops_[id].text + ": its handler never ran, though everything was closed and the io_context " +
                                      (drained ? "ran out of work" : "ran for 2 s")};
  }
  return std::nullopt;
}

std::optional<Finding> Model::leaked(long live, bool lost) const {
  if (live != 0 && !lost)
    return Finding{"leak", std::to_string(live) + " handler copies still alive after the io_context was destroyed"};
  return std::nullopt;
}

std::string Model::report(const asio_program::Program& program, const std::vector<Completion>& completions) const {
  std::string text = "program (" + profile_.name + " model):\n" + asio_program::print(program) + "handlers:\n";
  for (std::size_t id = 0; id < ops_.size() && id < completions.size(); ++id) {
    const auto& c = completions[id];
    text += "  " + ops_[id].text + ": ";
    text += c.runs == 0 ? std::string("never ran")
                        : c.described + ", " + std::to_string(c.bytes) + " bytes" +
                              (c.runs > 1 ? " (ran " + std::to_string(c.runs) + " times)" : "");
    if (ops_[id].started_closed) text += " [started on a closed socket]";
    if (ops_[id].closed) text += " [closed while pending]";
    if (ops_[id].cancelled) text += " [cancelled while pending]";
    text += "\n";
  }
  return text;
}

}  // namespace closesem::asio_model
