// SPDX-License-Identifier: MIT
// The life of a peer session: connection set-up, the bound on its life, the role's
// start, and the result line at its end.
#include "peer.hpp"

#include "commands.hpp"
#include "roles/roles.hpp"

#include <cstdlib>
#include <utility>

namespace closesem::peer {

Peer::Peer(Options options, std::shared_ptr<LineInput> input, LineOutput& output, Mode mode, asio::io_context& io)
    : options_(std::move(options)),
      input_(std::move(input)),
      output_(output),
      mode_(mode),
      role_(find_role(options_.role)),
      io_(io) {}

Peer::~Peer() { input_->stop(); }

int Peer::run() {
  if (role_ == nullptr) {  // The parser lets no unknown role through; this is a guard.
    setup_failed("unknown role '" + options_.role + "'");
    return status_;
  }
  start_command_reader();
  start_deadline();
  if (options_.connect) {
    start_connect();
  } else if (!start_listen()) {
    return status_;
  }
  io_.restart();  // (A --serve session's io_context ran before, for its first lines.)
  io_.run();
  return status_;
}

bool Peer::start_listen() {
  const auto& at = options_.listen;
  std::error_code error;
  const auto failed = [&](const char* step) {
    if (!error) return false;
    setup_failed(std::string{step} + " " + endpoint_text(at) + ": " + error.message());
    return true;
  };
  acceptor_.open(at.protocol(), error);
  if (failed("open")) return false;
  acceptor_.bind(at, error);
  if (failed("bind")) return false;
  acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (failed("listen on")) return false;
  // Printed before accepting: the other end connects only once it has read the port.
  output_.write_line("READY " + std::to_string(acceptor_.local_endpoint(error).port()));
  ready_ = true;
  acceptor_.async_accept(socket_, [this](const std::error_code& accept_error) {
    if (finished_ || accept_error == asio::error::operation_aborted) return;
    if (accept_error) {
      setup_failed("accept on " + endpoint_text(options_.listen) + ": " + accept_error.message());
      return;
    }
    std::error_code ignored;
    acceptor_.close(ignored);  // Exactly one connection: later ones are refused.
    on_connected();
  });
  return true;
}

void Peer::start_connect() {
  socket_.async_connect(*options_.connect, [this](const std::error_code& error) {
    if (finished_ || error == asio::error::operation_aborted) return;
    if (error) {
      setup_failed("connect to " + endpoint_text(*options_.connect) + ": " + error.message());
      return;
    }
    std::error_code ignored;
    output_.write_line("READY " + std::to_string(socket_.local_endpoint(ignored).port()));
    ready_ = true;
    on_connected();
  });
}

void Peer::start_deadline() {
  deadline_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(options_.timeout_s)));
  deadline_.async_wait([this](const std::error_code& error) {
    if (error || finished_) return;
    timed_out_ = true;
    if (options_.connect && !connected_) {
      setup_failed("connect to " + endpoint_text(*options_.connect) + ": no connection within --timeout");
      return;
    }
    finish();
  });
}

void Peer::on_connected() {
  connected_ = true;
  std::error_code local_error;
  std::error_code remote_error;
  const auto local = socket_.local_endpoint(local_error);
  // A connection reset before we got here has no remote endpoint any more.
  const auto remote = socket_.remote_endpoint(remote_error);
  print(connected_event(local_error ? "" : endpoint_text(local), remote_error ? "" : endpoint_text(remote)));
  if (options_.send_first > 0) {
    send_pattern(options_.send_first);
    when_sent([this] { start_role(); });
  } else {
    start_role();
  }
  run_commands();  // Those that need no connection; the others wait for the role.
}

void Peer::start_role() {
  role_started_ = true;
  role_->start(*this);
  run_commands();
}

void Peer::setup_failed(const std::string& message) {
  print(error_event(message));
  status_ = kExitSetupFailed;
  stop();
}

Observed Peer::observe(bool final) const {
  Observed observed;
  observed.role = options_.role;
  observed.connected = connected_;
  observed.reading = reads_started_ && !end_;
  observed.bytes_received = received_.bytes();
  observed.checksum = received_.checksum();
  observed.pattern_ok = received_.pattern_ok();
  if (end_) {
    observed.end = *end_;
    observed.end_error = end_error_;
  } else if (final && timed_out_) {
    observed.end = End::timeout;
  } else if (final && watching_) {
    observed.end = End::local_close;  // We are ending the session before the stream ended.
  }
  observed.bytes_sent = bytes_sent_;
  observed.send_queued = send_queued();
  observed.send_error = send_error_;
  observed.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_)
          .count();
  return observed;
}

int Peer::print_result() {
  finished_ = true;
  const auto result = result_event(observe(true), options_.expect);
  print(result);
  return result["ok"].get<bool>() ? kExitOk : kExitExpectationFailed;
}

void Peer::finish() {
  if (finished_) return;
  close();  // First, so that whatever it says comes before the result line.
  status_ = print_result();
  stop();
}

void Peer::exit_without_close() {
  if (finished_) return;
  if (mode_ == Mode::served) abort();  // As exit_at_once will, but before the result line.
  exit_at_once(print_result());
}

void Peer::exit_at_once(int status) {
  finished_ = true;
  status_ = status;
  if (mode_ == Mode::standalone) std::_Exit(status);
  // A session of --serve cannot leave its socket for the process's exit to close, since
  // the process lives on; it resets the connection instead (README.md, serve mode).
  abort();
  stop();
}

void Peer::stop() {
  finished_ = true;
  std::error_code ignored;
  deadline_.cancel();
  role_timer_.cancel();
  acceptor_.close(ignored);
  io_.stop();
}

void Peer::print(const Json& event) { output_.write_line(to_line(event)); }

}  // namespace closesem::peer
