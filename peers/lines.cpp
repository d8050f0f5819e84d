// SPDX-License-Identifier: MIT
// Line input and output over stdin/stdout and over a control connection.
#include "lines.hpp"

#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include <cstdio>
#include <thread>
#include <utility>

namespace closesem::peer {
namespace {

// What a reader may buffer for one line: the line, CR LF, and nothing more.
constexpr std::size_t kLineBuffer = kMaxLineBytes + 2;

std::optional<Line> make_line(std::size_t number, std::string text) {
  // Windows writers end lines with CR LF.
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.size() > kMaxLineBytes) return Line{number, {}, true};
  return Line{number, std::move(text), false};
}

// One line of stdin, at most kLineBuffer bytes of it kept: a longer one is refused
// (too_long) rather than read whole into memory.
std::optional<Line> read_stdin_line(std::size_t& count) {
  std::string text;
  for (int c = std::getchar(); c != EOF; c = std::getchar()) {
    if (c == '\n') return make_line(++count, std::move(text));
    if (text.size() >= kLineBuffer) return Line{++count, {}, true};
    text.push_back(static_cast<char>(c));
  }
  // The last line may come without its newline.
  if (!text.empty()) return make_line(++count, std::move(text));
  return std::nullopt;
}

}  // namespace

Mailbox::Mailbox(asio::io_context& io, LineInput::Deliver deliver) : io_(&io), deliver_(std::move(deliver)) {}

bool Mailbox::post(std::optional<Line> line) {
  const std::lock_guard lock{mutex_};
  if (io_ == nullptr) return false;
  asio::post(*io_, [deliver = deliver_, line = std::move(line)]() mutable { deliver(std::move(line)); });
  return true;
}

void Mailbox::close() {
  const std::lock_guard lock{mutex_};
  io_ = nullptr;
}

void StdinLines::start(asio::io_context& io, Deliver deliver) {
  mailbox_ = std::make_shared<Mailbox>(io, std::move(deliver));
  // Detached: it may be blocked on stdin when the session ends (see Mailbox).
  std::thread([mailbox = mailbox_] {
    std::size_t count = 0;
    for (;;) {
      auto line = read_stdin_line(count);
      const bool last = !line || line->too_long;
      if (!mailbox->post(std::move(line)) || last) return;
    }
  }).detach();
}

void StdinLines::stop() {
  if (mailbox_) mailbox_->close();
}

void StdoutLines::write_line(std::string_view line) {
  const std::lock_guard lock{mutex_};
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

SocketLines::SocketLines(asio::io_context& io, asio::ip::tcp::socket socket)
    : io_(io), socket_(std::move(socket)), timer_(io) {
  std::error_code ignored;
  local_ = socket_.local_endpoint(ignored);
  remote_ = socket_.remote_endpoint(ignored);
}

asio::ip::tcp::endpoint SocketLines::local_endpoint() const { return local_; }
asio::ip::tcp::endpoint SocketLines::remote_endpoint() const { return remote_; }

void SocketLines::read_next() {
  if (reading_ || stream_ended_) return;
  reading_ = true;
  asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, kLineBuffer), '\n',
                         [this](const std::error_code& error, std::size_t size) { on_read(error, size); });
}

void SocketLines::on_read(const std::error_code& error, std::size_t size) {
  reading_ = false;
  std::optional<Line> line;
  bool more = true;
  if (!error) {
    line = make_line(++count_, buffer_.substr(0, size - 1));
    buffer_.erase(0, size);
    more = !line->too_long;
  } else if (error == asio::error::not_found) {
    // kLineBuffer bytes and no end of line.
    buffer_.clear();
    line = Line{++count_, {}, true};
    more = false;
  } else {
    // End of stream, reset, or the read cut short (cancelled): no more input either way.
    stream_ended_ = true;
    more = false;
    // The last line may come without its newline, as with stdin.
    if (error == asio::error::eof && !buffer_.empty()) line = make_line(++count_, std::exchange(buffer_, {}));
  }
  switch (mode_) {
    case Mode::discarding:
      read_next();  // Until the client's end of stream (close_after_flush).
      return;
    case Mode::waiting:
      if (waiting_done_) return;
      waiting_done_ = true;
      if (!more) input_ended_ = true;
      waiting_line_ = std::move(line);
      return;
    case Mode::delivering:
      if (line) {
        if (!more) input_ended_ = true;
        const bool last = line->too_long;
        deliver_(std::move(line));
        if (mode_ != Mode::delivering || last) return;
      }
      if (stream_ended_) {
        input_ended_ = true;
        deliver_(std::nullopt);
        return;
      }
      read_next();
      return;
  }
}

std::optional<Line> SocketLines::read_line_for(std::chrono::milliseconds limit, bool& timed_out) {
  timed_out = false;
  if (input_ended_) return std::nullopt;
  mode_ = Mode::waiting;
  waiting_done_ = false;
  waiting_line_.reset();
  bool expired = false;
  timer_.expires_after(limit);
  timer_.async_wait([&expired](const std::error_code& error) {
    if (!error) expired = true;
  });
  read_next();
  io_.restart();
  while (!waiting_done_ && !expired) {
    if (io_.run_one() == 0) break;
  }
  timer_.cancel();
  // The timer's handler runs now, while `expired` still exists.
  io_.restart();
  io_.poll();
  if (!waiting_done_) {
    timed_out = expired;
    return std::nullopt;
  }
  return std::exchange(waiting_line_, std::nullopt);
}

void SocketLines::start(asio::io_context&, Deliver deliver) {
  // (The io_context is io_: the socket's.)
  mode_ = Mode::delivering;
  deliver_ = std::move(deliver);
  if (input_ended_) {
    // The input ended while the session was being set up: say so once it runs.
    asio::post(io_, [this] {
      if (mode_ == Mode::delivering) deliver_(std::nullopt);
    });
    return;
  }
  read_next();
}

void SocketLines::stop() {
  // (deliver_ is kept: stop() may be called from within it.)
  mode_ = Mode::discarding;
}

void SocketLines::write_line(std::string_view line) {
  if (write_failed_) return;
  unsent_.append(line.data(), line.size());
  unsent_ += '\n';
  if (unsent_.size() + writing_.size() > kMaxUnsentBytes) {
    cut();
    return;
  }
  pump_writes();
}

void SocketLines::pump_writes() {
  if (!writing_.empty() || unsent_.empty() || write_failed_) return;
  writing_.swap(unsent_);
  asio::async_write(socket_, asio::buffer(writing_), [this](const std::error_code& error, std::size_t) {
    writing_.clear();
    if (error) {
      write_failed_ = true;
      unsent_.clear();
      return;
    }
    pump_writes();
  });
}

void SocketLines::cut() {
  write_failed_ = true;
  unsent_.clear();
  std::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  // A read in flight ends now (Winsock does not end it on shutdown alone): the session
  // sees the end of its input and finishes.
  socket_.cancel(ignored);
}

void SocketLines::close_after_flush(std::chrono::milliseconds limit, std::chrono::milliseconds fin_wait) {
  stop();
  io_.restart();
  const auto flush_deadline = std::chrono::steady_clock::now() + limit;
  while (!writing_.empty() && !write_failed_ && std::chrono::steady_clock::now() < flush_deadline) {
    if (io_.run_one_until(flush_deadline) == 0 && io_.stopped()) break;
  }
  std::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  // Received data left unread would turn the close into a reset, which may cost the
  // client the lines it has not read yet: read on until its end of stream, bounded.
  read_next();
  const auto fin_deadline = std::chrono::steady_clock::now() + fin_wait;
  while (!stream_ended_ && std::chrono::steady_clock::now() < fin_deadline) {
    if (io_.run_one_until(fin_deadline) == 0 && io_.stopped()) break;
  }
  socket_.close(ignored);
  // The handlers of the operations the close cancelled run here, while this lives.
  io_.restart();
  io_.poll();
}

}  // namespace closesem::peer
