// SPDX-License-Identifier: MIT
// The control server. Each control connection is one session on a thread of its own,
// with an io_context of its own: first AUTH <token>, then a role command line, then the
// connection carries what stdin and stdout carry when the peer runs on its own.
//
// Whoever reaches the port can use it, so everything a client can make the server do is
// bounded (README.md, "Security"): the token first, within kAuthWait; a session connects
// only back to its client (or to --allow-connect) and listens only on the server's own
// address, port 0 (or any port with --allow-listen-port); at most --max-sessions at once;
// bounded lines, queues, output and session life; accept errors logged once a second.
#include "serve.hpp"

#include "peer.hpp"
#include "token.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace closesem::peer {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kAuthWait{5000};       // connect to AUTH line
constexpr milliseconds kRoleLineWait{30000};  // AUTH line to role line
constexpr double kMaxSessionSeconds = 600;    // a session's --timeout is capped here
constexpr milliseconds kFlushWait{5000};      // the last lines, when the session ends
constexpr milliseconds kFinWait{1000};        // then the client's end of stream
constexpr milliseconds kLogInterval{1000};
constexpr milliseconds kFirstRetry{50};
constexpr milliseconds kMostRetry{1000};

// The server's own lines (accept errors, refusals): at most one a second, with a count
// of those left out, so that a flood of bad clients cannot flood the log (or block the
// server on a full stdout).
class Log {
 public:
  explicit Log(LineOutput& out) : out_(out) {}
  void write(const std::string& message) {
    const std::lock_guard lock{mutex_};
    const auto now = Clock::now();
    if (written_ && now - last_ < kLogInterval) {
      ++left_out_;
      return;
    }
    std::string text = message;
    if (left_out_ > 0) text += " (and " + std::to_string(left_out_) + " more lines left out in the last second)";
    out_.write_line(to_line(error_event(text)));
    written_ = true;
    last_ = now;
    left_out_ = 0;
  }

 private:
  LineOutput& out_;
  std::mutex mutex_;
  bool written_ = false;
  Clock::time_point last_;
  std::size_t left_out_ = 0;
};

struct Server {
  const ServeOptions& options;
  Log log;
  std::atomic<std::size_t> sessions{0};
};

// One control connection: its io_context (the socket's) and the thread that runs it.
struct Slot {
  asio::io_context io;
};

std::string client_text(const SocketLines& control) { return endpoint_text(control.remote_endpoint()); }

// Why the session's role line is not allowed, or nothing.
std::optional<std::string> refusal(const Options& options, const SocketLines& control, const ServeOptions& server) {
  const auto local = plain_address(control.local_endpoint().address());
  const auto remote = plain_address(control.remote_endpoint().address());
  if (options.connect) {
    const auto target = plain_address(options.connect->address());
    if (target == remote) return std::nullopt;
    for (const auto& network : server.allow_connect) {
      if (network.contains(target)) return std::nullopt;
    }
    return "--connect " + endpoint_text(*options.connect) +
           ": a session connects only to the address its control connection comes from (" + remote.to_string() +
           "); the server widens this with --allow-connect CIDR";
  }
  if (plain_address(options.listen.address()) != local) {
    return "--listen " + endpoint_text(options.listen) + ": a session listens only on the server's address " +
           local.to_string() + " (the one this control connection reached)";
  }
  if (options.listen.port() != 0 && !server.allow_listen_port) {
    return "--listen " + endpoint_text(options.listen) +
           ": a session listens on port 0 only; the server allows fixed ports with --allow-listen-port";
  }
  return std::nullopt;
}

// A refusal before the session starts: one ERROR line, then the connection closes.
void refuse(Server& server, SocketLines& control, const std::string& why) {
  server.log.write("control connection from " + client_text(control) + " refused: " + why);
  control.write_line("ERROR " + why);
  control.close_after_flush(kFlushWait, kFinWait);
}

void run_session(Server& server, const std::shared_ptr<SocketLines>& lines, asio::io_context& io) {
  SocketLines& control = *lines;
  bool timed_out = false;
  const auto auth = control.read_line_for(kAuthWait, timed_out);
  if (!auth) {
    if (timed_out) {
      refuse(server, control, "no AUTH line within " + std::to_string(kAuthWait.count() / 1000) + " s");
    } else {
      control.close_after_flush(kFlushWait, kFinWait);  // The client left without a word.
    }
    return;
  }
  if (auth->too_long) return refuse(server, control, "the first line is too long; expected AUTH <token>");
  constexpr std::string_view kAuth = "AUTH ";
  if (auth->text.compare(0, kAuth.size(), kAuth) != 0) {
    return refuse(server, control, "expected AUTH <token> as the first line");
  }
  if (!same_token(std::string_view{auth->text}.substr(kAuth.size()), server.options.token)) {
    return refuse(server, control, "authentication failed: wrong token");
  }

  const auto first = control.read_line_for(kRoleLineWait, timed_out);
  if (!first) {
    if (timed_out) {
      refuse(server, control, "no role line within " + std::to_string(kRoleLineWait.count() / 1000) + " s of AUTH");
    } else {
      control.close_after_flush(kFlushWait, kFinWait);
    }
    return;
  }
  if (first->too_long) return refuse(server, control, "the role line is too long");
  Options options;
  try {
    options = parse_session_line(first->text, control.local_endpoint().address());
  } catch (const UsageError& error) {
    control.write_line(to_line(error_event(error.what(), first->number)));
    control.close_after_flush(kFlushWait, kFinWait);
    return;
  }
  if (const auto why = refusal(options, control, server.options)) return refuse(server, control, *why);
  // The session's own bound: its --timeout, at most kMaxSessionSeconds.
  options.timeout_s = std::min(options.timeout_s, kMaxSessionSeconds);

  {
    Peer peer{std::move(options), lines, control, Mode::served, io};
    peer.run();
    // While the Peer lives: the handlers still queued for it may run during the flush.
    control.close_after_flush(kFlushWait, kFinWait);
  }
}

void start_session(Server& server, std::shared_ptr<Slot> slot, asio::ip::tcp::socket socket) {
  // The count goes up here, on the accepting thread, and down when the session thread
  // is done with everything, the connection closed.
  server.sessions.fetch_add(1);
  try {
    std::thread([&server, slot, socket = std::move(socket)]() mutable {
      try {
        // Destroyed before the io_context its socket belongs to.
        const auto control = std::make_shared<SocketLines>(slot->io, std::move(socket));
        run_session(server, control, slot->io);
      } catch (const std::exception& error) {
        server.log.write(std::string{"session failed: "} + error.what());
      }
      // Handlers still queued (cancelled ones) are destroyed with the io_context, not run.
      slot.reset();
      server.sessions.fetch_sub(1);
    }).detach();
  } catch (const std::exception& error) {
    server.sessions.fetch_sub(1);
    server.log.write(std::string{"no session thread: "} + error.what());
  }
}

// Over --max-sessions: one ERROR line and a close, on the accepting thread, without
// waiting for anything (the socket is non-blocking).
void refuse_busy(Server& server, asio::ip::tcp::socket socket) {
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  const std::string line = "ERROR busy: " + std::to_string(server.options.max_sessions) +
                           " sessions are running (--max-sessions); try again later\n";
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(line), ignored);
  socket.shutdown(asio::socket_base::shutdown_send, ignored);
  // What the client sent already is read (and dropped) so that the close is a FIN.
  char sink[4096];
  for (int i = 0; i < 16; ++i) {
    std::error_code error;
    socket.read_some(asio::buffer(sink), error);
    if (error) break;
  }
  socket.close(ignored);
  server.log.write("control connection from " + endpoint_text(remote) + " refused: busy");
}

}  // namespace

int serve(const ServeOptions& options, LineOutput& out) {
  // The acceptor's io_context runs on this thread; each session has its own.
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  std::error_code error;
  acceptor.open(options.at.protocol(), error);
  if (!error) acceptor.bind(options.at, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    out.write_line(to_line(error_event("serve on " + endpoint_text(options.at) + ": " + error.message())));
    return kExitSetupFailed;
  }
  // SERVING <port> (below) stays a line of its own, as readers of it expect; a token the
  // server made follows on the next line (one given to it is never printed).

  // The session threads use it until the process ends (below, with _Exit: this frame
  // is never left once sessions exist).
  Server server{options, Log{out}, {}};

  asio::steady_timer deadline{io, std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.timeout_s))};
  deadline.async_wait([&io](const std::error_code& wait_error) {
    if (!wait_error) io.stop();
  });
  asio::steady_timer retry{io};
  milliseconds backoff{0};
  std::function<void()> accept_next;
  const auto retry_later = [&](const std::string& what) {
    // Out of descriptors, say: the connection waits in the backlog. Back off (up to a
    // second) instead of spinning.
    backoff = std::clamp(backoff * 2, kFirstRetry, kMostRetry);
    server.log.write(what);
    retry.expires_after(backoff);
    retry.async_wait([&](const std::error_code&) { accept_next(); });
  };
  accept_next = [&] {
    // The socket is made on the session's io_context: its thread runs it alone. That
    // io_context needs descriptors of its own (its reactor), so out of descriptors this
    // throws, and the server waits as for a failed accept.
    try {
      auto slot = std::make_shared<Slot>();
      acceptor.async_accept(asio::any_io_executor{slot->io.get_executor()},
                            [&, slot](const std::error_code& accept_error, asio::ip::tcp::socket socket) {
                              if (accept_error == asio::error::operation_aborted) return;
                              if (accept_error) {
                                retry_later("accept: " + accept_error.message());
                                return;
                              }
                              backoff = milliseconds{0};
                              if (server.sessions.load() >= options.max_sessions) {
                                refuse_busy(server, std::move(socket));
                              } else {
                                start_session(server, slot, std::move(socket));
                              }
                              accept_next();
                            });
    } catch (const std::exception& failure) {
      retry_later(std::string{"accept: "} + failure.what());
    }
  };
  accept_next();
  // Printed once the server accepts: a client may connect as soon as it reads the port.
  out.write_line("SERVING " + std::to_string(acceptor.local_endpoint(error).port()));
  if (options.token_generated) out.write_line("TOKEN " + options.token);
  io.run();
  std::_Exit(kExitOk);
}

}  // namespace closesem::peer
