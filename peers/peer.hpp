// SPDX-License-Identifier: MIT
// A peer session: one TCP connection (accepted or connected), the role that drives it,
// the commands that steer it, and the result line it ends with. All of it runs on the
// thread that calls run(); only the command reader has a thread of its own.
#pragma once

#include "lines.hpp"
#include "options.hpp"
#include "pattern.hpp"
#include "report.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace closesem::peer {

struct Command;
struct Role;

// standalone: the process is the peer, and ends with it. served: a session of --serve,
// which must leave the process (and the other sessions) running.
enum class Mode { standalone, served };

class Peer {
 public:
  using Action = std::function<void()>;
  using DataHandler = std::function<void(const std::uint8_t* data, std::size_t size)>;

  // `io` runs the session: it outlives the Peer, and is not run again once the Peer is
  // gone (the handlers still queued in it refer to the Peer).
  Peer(Options options, std::shared_ptr<LineInput> input, LineOutput& output, Mode mode, asio::io_context& io);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Sets up the connection, runs the role and the commands until the session ends;
  // returns the exit status.
  int run();

  const Options& options() const { return options_; }
  std::optional<End> end() const { return end_; }

  // Reading. Every byte read is counted and checked against the pattern. When the
  // stream ends (FIN, reset, error) the end is recorded and on_end runs, not on_data.
  void read_some(std::size_t max, DataHandler on_data, Action on_end);
  void read_all(DataHandler on_data, Action on_end);
  void drain(Action on_end);
  // Runs on_ready once data, a FIN or a reset has arrived, and consumes nothing.
  void wait_readable(Action on_ready);

  // Writing: queued in order, one write in flight at a time.
  void send_pattern(std::uint64_t count);
  void send_bytes(std::vector<std::uint8_t> bytes);
  // Runs `then` once everything queued is handed to the kernel (or sending failed).
  void when_sent(Action then);
  // Hands the kernel as many of `count` pattern bytes as it takes without waiting.
  void send_pattern_now(std::uint64_t count);

  void after(std::chrono::milliseconds delay, Action then);

  void close();  // graceful; with received data unread the OS sends a reset instead
  void abort();  // SO_LINGER {1, 0}, then close: a reset
  // Prints the result line, closes the socket and ends the session.
  void finish();
  // Prints the result line, then ends the process with the socket still open.
  void exit_without_close();

 private:
  struct Outgoing {
    std::uint64_t pattern = 0;  // pattern bytes to generate, or else:
    std::vector<std::uint8_t> bytes;
  };

  bool start_listen();
  void start_connect();
  void start_deadline();
  void on_connected();
  void start_role();
  void setup_failed(const std::string& message);

  void start_command_reader();
  void on_input(std::optional<Line> line);
  void end_of_input();
  bool waiting_for_connection() const;
  void run_commands();
  void execute(const Command& command, std::size_t line);

  bool note_end_if_ended();
  void record_end(const std::error_code& error);
  void record_send_error(const std::error_code& error);
  void pump_writes();
  std::uint64_t send_queued() const;

  Observed observe(bool final) const;
  int print_result();
  void exit_at_once(int status);
  void stop();
  void print(const Json& event);

  Options options_;
  std::shared_ptr<LineInput> input_;
  LineOutput& output_;
  Mode mode_;
  const Role* role_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::ip::tcp::socket socket_{io_};
  asio::steady_timer deadline_{io_};
  asio::steady_timer role_timer_{io_};

  bool ready_ = false;  // READY printed: commands may run
  bool connected_ = false;
  bool role_started_ = false;  // commands that act on the connection may run
  bool finished_ = false;
  bool timed_out_ = false;
  bool watching_ = false;  // the peer reads, or waits for data: it observes the stream
  bool reads_started_ = false;
  bool waiting_for_sends_ = false;  // a command waits for the send queue to empty
  int status_ = kExitOk;

  std::optional<End> end_;
  std::error_code end_error_;
  ReceivedStream received_;
  std::vector<std::uint8_t> read_buffer_;

  std::deque<Outgoing> send_queue_;
  std::vector<std::uint8_t> write_buffer_;
  bool writing_ = false;
  std::uint64_t send_offset_ = 0;  // stream offset of the next byte: where the pattern is
  std::uint64_t bytes_sent_ = 0;
  std::error_code send_error_;
  std::vector<Action> on_sent_;

  std::deque<std::optional<Line>> pending_;  // commands not run yet; nullopt: end of input
  std::size_t pending_bytes_ = 0;            // their text, for kMaxQueuedBytes
};

}  // namespace closesem::peer
