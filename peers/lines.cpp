// SPDX-License-Identifier: MIT
// Line input and output over stdin/stdout and over a control connection.
#include "lines.hpp"

#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include <cstdio>
#include <iostream>
#include <utility>

namespace closesem::peer {
namespace {

// A control line longer than this ends the input: no command is that long.
constexpr std::size_t kMaxLine = 64 * 1024;

Line make_line(std::size_t number, std::string text) {
  // Windows writers end lines with CR LF.
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return Line{number, std::move(text)};
}

}  // namespace

std::optional<Line> StdinLines::read_line() {
  std::string text;
  if (!std::getline(std::cin, text)) return std::nullopt;
  return make_line(++count_, std::move(text));
}

void StdoutLines::write_line(std::string_view line) {
  const std::lock_guard lock{mutex_};
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

SocketLines::SocketLines(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

std::optional<Line> SocketLines::read_line() {
  std::error_code error;
  const auto size = asio::read_until(socket_, asio::dynamic_buffer(buffer_, kMaxLine), '\n', error);
  if (!error) {
    std::string text = buffer_.substr(0, size - 1);
    buffer_.erase(0, size);
    return make_line(++count_, std::move(text));
  }
  // The last line may come without its newline, as with std::getline.
  if (error == asio::error::eof && !buffer_.empty()) return make_line(++count_, std::exchange(buffer_, {}));
  return std::nullopt;
}

void SocketLines::write_line(std::string_view line) {
  const std::lock_guard lock{write_mutex_};
  std::string data{line};
  data += '\n';
  std::error_code ignored;  // A client that went away is not our failure; its commands end.
  asio::write(socket_, asio::buffer(data), ignored);
}

void SocketLines::end_output() {
  std::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
}

asio::ip::address SocketLines::local_address() {
  std::error_code error;
  const auto endpoint = socket_.local_endpoint(error);
  return error ? asio::ip::address{asio::ip::address_v4::loopback()} : endpoint.address();
}

}  // namespace closesem::peer
