// SPDX-License-Identifier: MIT
// Where a session's commands come from and where its lines go: stdin and stdout when the
// peer runs on its own, the control connection in --serve mode.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace closesem::peer {

// A line longer than this (without its end) is refused, on stdin as on a control
// connection: no command or role line comes near it.
constexpr std::size_t kMaxLineBytes = 4096;

struct Line {
  std::size_t number = 0;  // 1 for the first line of the input
  std::string text;
  // The line went on past kMaxLineBytes: `text` is empty, and nothing more is read.
  bool too_long = false;
};

class LineInput {
 public:
  using Deliver = std::function<void(std::optional<Line>)>;
  virtual ~LineInput() = default;
  // Delivers the lines, in order, on the thread that runs `io`; nullopt at the end of
  // the input (or when reading it failed: either way, no more commands will come).
  // A line with too_long is the last one delivered.
  virtual void start(asio::io_context& io, Deliver deliver) = 0;
  // No delivery after this returns (the session is going away).
  virtual void stop() = 0;
};

class LineOutput {
 public:
  virtual ~LineOutput() = default;
  // Writes one line (and flushes it, or starts sending it): the reader acts on each
  // line as it comes.
  virtual void write_line(std::string_view line) = 0;
};

// Carries lines from the blocking reader thread to the session's io_context. The reader
// may outlive the session (a read on stdin cannot be interrupted portably), so the
// session closes the mailbox as it goes, and the reader stops at its next line.
class Mailbox {
 public:
  Mailbox(asio::io_context& io, LineInput::Deliver deliver);
  // False once the session has gone.
  bool post(std::optional<Line> line);
  void close();

 private:
  std::mutex mutex_;
  asio::io_context* io_;
  LineInput::Deliver deliver_;
};

// stdin, read on a thread of its own (detached: it may sit in a read when the session
// ends, see Mailbox).
class StdinLines final : public LineInput {
 public:
  void start(asio::io_context& io, Deliver deliver) override;
  void stop() override;

 private:
  std::shared_ptr<Mailbox> mailbox_;
};

class StdoutLines final : public LineOutput {
 public:
  void write_line(std::string_view line) override;

 private:
  std::mutex mutex_;
};

// The control connection of a --serve session, both ways, with asynchronous reads and
// writes on the session's own io_context and thread: no call blocks, so a client that
// stops reading or writing cannot hold the session past its bounds.
class SocketLines final : public LineInput, public LineOutput {
 public:
  // Unsent output beyond this means the client does not read: the connection is cut
  // (both directions shut down), which the session sees as the end of its input.
  static constexpr std::size_t kMaxUnsentBytes = std::size_t{1} << 20;

  // `socket` belongs to `io`.
  SocketLines(asio::io_context& io, asio::ip::tcp::socket socket);

  // Before the session starts: the next line within `limit` (runs `io` until then).
  // `timed_out` tells a silent client from one that left.
  std::optional<Line> read_line_for(std::chrono::milliseconds limit, bool& timed_out);

  void start(asio::io_context& io, Deliver deliver) override;
  void stop() override;
  void write_line(std::string_view line) override;

  // Sends what is still queued (within `limit`), shuts down the sending side, waits up
  // to `fin_wait` for the client's end of stream (discarding what it sends, so that the
  // close is no reset), and closes. Runs `io`.
  void close_after_flush(std::chrono::milliseconds limit, std::chrono::milliseconds fin_wait);

  asio::ip::tcp::endpoint local_endpoint() const;
  asio::ip::tcp::endpoint remote_endpoint() const;

 private:
  void read_next();
  void on_read(const std::error_code& error, std::size_t size);
  void pump_writes();
  void cut();

  // waiting: read_line_for wants one line; delivering: lines go to the session as they
  // come; discarding: the session is over, what comes is dropped until end of stream.
  enum class Mode { waiting, delivering, discarding };

  asio::io_context& io_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  asio::ip::tcp::endpoint local_;
  asio::ip::tcp::endpoint remote_;
  Mode mode_ = Mode::waiting;
  std::string buffer_;
  std::size_t count_ = 0;
  bool reading_ = false;        // a read is in flight
  bool stream_ended_ = false;   // end of stream or an error: nothing more can be read
  bool input_ended_ = false;    // no more lines for the session (also after a line too long)
  Deliver deliver_;
  std::optional<Line> waiting_line_;  // read_line_for: the line it waits for
  bool waiting_done_ = false;
  std::string unsent_;   // queued output, not handed to a write yet
  std::string writing_;  // the write in flight
  bool write_failed_ = false;
};

}  // namespace closesem::peer
