// SPDX-License-Identifier: MIT
// What the asio tests share: a Loop run by 1 or 2 threads, a connected TCP pair made
// through asio (each end on its own strand), helpers to start tracked operations on
// an end and to act on it from its strand, and the end-of-test checks every asio test
// makes: each handler ran exactly once, never inside the call that started it, and
// nothing leaked when the io_context went.
#pragma once

#include "closesem_testing/fixtures.hpp"

#include "closesem/asio_support.hpp"

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace closesem::testing::asio_test {

namespace as = closesem::asio_support;
using as::tcp;

// One side of a pair: its socket and the strand it is used from.
struct End {
  std::string name;  // "first", "second"
  as::Strand* strand;
  tcp::socket* socket;
};

class AsioFixture {
 public:
  // `threads` threads run the io_context (the test body starts operations from its
  // own thread, through each end's strand).
  explicit AsioFixture(unsigned threads);
  ~AsioFixture();

  // Makes the pair over `transport` (tcp4 or tcp6); false with the reason when this
  // host cannot.
  bool make_pair(platform::Transport transport, std::string& why);

  as::Loop& loop() { return *loop_; }
  End first() { return End{"first", &pair_->first_strand, &pair_->first}; }
  End second() { return End{"second", &pair_->second_strand, &pair_->second}; }

  // A buffer that lives as long as the Loop (an operation's memory must outlive it).
  std::vector<char>& buffer(std::size_t size, char fill = 0);

  // Starts an async_read_some of up to `size` bytes on `end` ("async_read_some(second)").
  int start_read(const End& end, std::size_t size = 16);
  int start_write(const End& end, std::size_t size);
  int start_wait(const End& end, tcp::socket::wait_type what);

  // Runs `f(socket)` on the end's strand; fails the test if it did not run in time.
  void on(const End& end, const std::function<void(tcp::socket&)>& f);
  // close(ec) / shutdown(what, ec) / cancel(ec) on the end's strand, as an outcome.
  platform::CallResult close(const End& end);
  platform::CallResult shutdown(const End& end, tcp::socket::shutdown_type what);
  platform::CallResult cancel(const End& end);
  bool is_open(const End& end);

  // The handler's outcome once it ran (bounded wait). A handler that does not run within
  // positive_timeout() gives timed_out, with " (the handler did not run)" added to the
  // operation text.
  Observed completed(int id, const std::string& operation);
  Observed completed(int id, const std::string& operation, std::chrono::milliseconds timeout);
  // Whether the handler is still pending after a quiet wait.
  bool still_pending(int id);

  // Reads from `end` until end of stream or an error (bounded): the last outcome.
  Observed read_to_end(const End& end, const std::string& operation, std::size_t* bytes = nullptr);

  // The checks every asio test ends with (also run by the destructor if not called):
  // each tracked handler ran exactly once, none inline, none after stop(), and after
  // the io_context is destroyed no handler copy is left.
  void finish();
  // The test itself judged whether handlers ran after stop() (finish() leaves it).
  void judged_after_stop() { judged_after_stop_ = true; }

 private:
  std::unique_ptr<as::Loop> loop_;
  as::TcpPair* pair_ = nullptr;
  bool finished_ = false;
  std::vector<int> judged_unrun_;
  bool judged_after_stop_ = false;  // handlers completed() reported as never run
};

std::string threads_variant(unsigned threads);  // "1 thread", "2 threads"

}  // namespace closesem::testing::asio_test

// Declares `fixture` for `threads` io_context threads with a connected tcp4 pair, names
// the report variant, or skips when the pair cannot be made here.
#define CLOSESEM_ASIO_PAIR_OR_SKIP(fixture, threads)                                      \
  ::closesem::testing::asio_test::AsioFixture fixture(threads);                           \
  do {                                                                                    \
    const std::string closesem_variant_ = ::closesem::testing::asio_test::threads_variant(threads); \
    UNSCOPED_INFO("variant: " << closesem_variant_);                                      \
    ::closesem::testing::set_variant(closesem_variant_);                                  \
    std::string closesem_why_;                                                            \
    if (!fixture.make_pair(::closesem::platform::Transport::tcp4, closesem_why_))         \
      CLOSESEM_SKIP(closesem_why_);                                                       \
  } while (false)
