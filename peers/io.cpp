// SPDX-License-Identifier: MIT
// The peer's reads and writes: what the roles are made of.
#include "peer.hpp"

#include <asio/post.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

namespace closesem::peer {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kWriteChunk = 64 * 1024;

}  // namespace

void Peer::read_some(std::size_t max, DataHandler on_data, Action on_end) {
  if (finished_) return;
  watching_ = true;
  reads_started_ = true;
  read_buffer_.resize(std::max<std::size_t>(max, 1));
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [this, on_data = std::move(on_data), on_end = std::move(on_end)](
                              const std::error_code& error, std::size_t size) {
                            if (finished_ || error == asio::error::operation_aborted) return;
                            received_.add(read_buffer_.data(), size);
                            if (error) {
                              record_end(error);
                              on_end();
                            } else if (on_data) {
                              on_data(read_buffer_.data(), size);
                            }
                          });
}

void Peer::read_all(DataHandler on_data, Action on_end) {
  read_some(
      kReadChunk,
      [this, on_data, on_end](const std::uint8_t* data, std::size_t size) {
        if (on_data) on_data(data, size);
        read_all(on_data, on_end);
      },
      on_end);
}

void Peer::drain(Action on_end) { read_all({}, std::move(on_end)); }

void Peer::wait_readable(Action on_ready) {
  if (finished_) return;
  watching_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [this, on_ready = std::move(on_ready)](const std::error_code& error) {
                       if (finished_ || error == asio::error::operation_aborted) return;
                       if (error) {
                         record_end(error);
                       } else if (!note_end_if_ended()) {
                         wait_readable(on_ready);  // Woken with nothing there after all.
                         return;
                       }
                       on_ready();
                     });
}

// Readable with no data queued means the stream has ended; a peek tells a FIN from a
// reset and consumes nothing. False when there is neither data nor an end.
bool Peer::note_end_if_ended() {
  std::error_code error;
  if (socket_.available(error) > 0) return true;
  std::uint8_t byte = 0;
  socket_.non_blocking(true, error);
  socket_.receive(asio::buffer(&byte, 1), asio::socket_base::message_peek, error);
  std::error_code ignored;
  socket_.non_blocking(false, ignored);
  if (error == asio::error::would_block) return false;
  if (error) record_end(error);
  return true;
}

void Peer::record_end(const std::error_code& error) {
  if (end_) return;
  if (error == asio::error::eof) {
    end_ = End::fin;
    return;
  }
  // Winsock reports some resets as aborts (WSAECONNABORTED); either way the peer reset
  // the connection. end_error keeps the real message.
  const bool reset = error == asio::error::connection_reset || error == asio::error::connection_aborted;
  end_ = reset ? End::reset : End::error;
  end_error_ = error;
}

void Peer::record_send_error(const std::error_code& error) {
  if (!send_error_) send_error_ = error;
}

void Peer::send_pattern(std::uint64_t count) {
  if (count == 0) return;
  // Pattern bytes continue across sends, so queued ones merge: however many `send`
  // commands come, the queue grows by one entry.
  if (!send_queue_.empty() && send_queue_.back().pattern > 0) {
    auto& last = send_queue_.back().pattern;
    last = count > UINT64_MAX - last ? UINT64_MAX : last + count;
  } else {
    send_queue_.push_back(Outgoing{count, {}});
  }
  pump_writes();
}

void Peer::send_bytes(std::vector<std::uint8_t> bytes) {
  if (bytes.empty()) return;
  send_queue_.push_back(Outgoing{0, std::move(bytes)});
  pump_writes();
}

void Peer::when_sent(Action then) {
  if (writing_ || !send_queue_.empty()) {
    on_sent_.push_back(std::move(then));
    return;
  }
  // Later, not in the caller's frame: callers may call on after when_sent returns.
  asio::post(io_, [this, then = std::move(then)] {
    if (!finished_) then();
  });
}

void Peer::pump_writes() {
  if (writing_ || finished_) return;
  if (send_queue_.empty()) {
    auto ready = std::exchange(on_sent_, {});
    for (auto then = ready.begin(); then != ready.end() && !finished_; ++then) {
      if (writing_) {  // An action queued more bytes: the others wait for those too.
        on_sent_.insert(on_sent_.begin(), std::make_move_iterator(then), std::make_move_iterator(ready.end()));
        return;
      }
      (*then)();
    }
    return;
  }
  auto& next = send_queue_.front();
  if (next.pattern > 0) {
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(next.pattern, kWriteChunk));
    write_buffer_.resize(size);
    fill_pattern(write_buffer_.data(), size, send_offset_);
    next.pattern -= size;
    if (next.pattern == 0) send_queue_.pop_front();
  } else {
    write_buffer_ = std::move(next.bytes);
    send_queue_.pop_front();
  }
  send_offset_ += write_buffer_.size();
  writing_ = true;
  asio::async_write(socket_, asio::buffer(write_buffer_),
                    [this](const std::error_code& error, std::size_t size) {
                      writing_ = false;
                      bytes_sent_ += size;
                      if (finished_ || error == asio::error::operation_aborted) return;
                      if (error) {
                        record_send_error(error);
                        send_queue_.clear();  // The rest cannot go either; whoever waits for it goes on.
                      }
                      pump_writes();
                    });
}

std::uint64_t Peer::send_queued() const {
  std::uint64_t queued = writing_ ? write_buffer_.size() : 0;
  for (const auto& outgoing : send_queue_) queued += outgoing.pattern + outgoing.bytes.size();
  return queued;
}

void Peer::send_pattern_now(std::uint64_t count) {
  if (finished_ || !socket_.is_open()) return;
  std::error_code error;
  socket_.non_blocking(true, error);
  std::vector<std::uint8_t> chunk;
  while (count > 0 && !error) {
    chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(count, kWriteChunk)));
    fill_pattern(chunk.data(), chunk.size(), send_offset_);
    const auto sent = socket_.write_some(asio::buffer(chunk), error);
    send_offset_ += sent;
    bytes_sent_ += sent;
    count -= sent;
  }
  // A full send buffer ends it: what the kernel did not take is not sent.
  if (error && error != asio::error::would_block) record_send_error(error);
  std::error_code ignored;
  socket_.non_blocking(false, ignored);
}

void Peer::after(std::chrono::milliseconds delay, Action then) {
  role_timer_.expires_after(delay);
  role_timer_.async_wait([this, then = std::move(then)](const std::error_code& error) {
    if (!error && !finished_) then();
  });
}

void Peer::close() {
  if (!socket_.is_open()) return;
  std::error_code error;
  socket_.close(error);
  if (error) print(error_event("close: " + error.message()));
}

void Peer::abort() {
  if (!socket_.is_open()) return;
  std::error_code error;
  socket_.set_option(asio::socket_base::linger(true, 0), error);
  if (error) print(error_event("SO_LINGER {1, 0}: " + error.message()));
  close();
}

}  // namespace closesem::peer
