// SPDX-License-Identifier: MIT
// Where a session's commands come from and where its lines go: stdin and stdout when the
// peer runs on its own, the control connection in --serve mode.
#pragma once

#include <asio/ip/tcp.hpp>

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace closesem::peer {

struct Line {
  std::size_t number = 0;  // 1 for the first line of the input
  std::string text;
};

class LineInput {
 public:
  virtual ~LineInput() = default;
  // Blocks until a whole line has arrived; nullopt at the end of the input (or when
  // reading it failed: either way, no more commands will come).
  virtual std::optional<Line> read_line() = 0;
};

class LineOutput {
 public:
  virtual ~LineOutput() = default;
  // Writes one line and flushes it: the reader acts on each line as it comes.
  virtual void write_line(std::string_view line) = 0;
};

class StdinLines final : public LineInput {
 public:
  std::optional<Line> read_line() override;

 private:
  std::size_t count_ = 0;
};

class StdoutLines final : public LineOutput {
 public:
  void write_line(std::string_view line) override;

 private:
  std::mutex mutex_;
};

// The control connection of a --serve session, both ways. Only synchronous calls: asio's
// synchronous receive and send on one socket may run on two threads at once, so the
// command reader and the session need no lock between them.
class SocketLines final : public LineInput, public LineOutput {
 public:
  explicit SocketLines(asio::ip::tcp::socket socket);

  std::optional<Line> read_line() override;
  void write_line(std::string_view line) override;
  // shutdown(send): the client reads end of stream after the last line.
  void end_output();
  asio::ip::address local_address();

 private:
  asio::ip::tcp::socket socket_;
  std::string buffer_;
  std::size_t count_ = 0;
  std::mutex write_mutex_;
};

}  // namespace closesem::peer
