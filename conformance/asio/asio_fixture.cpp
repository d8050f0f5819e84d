// SPDX-License-Identifier: MIT
// The asio tests' fixture (asio_fixture.hpp).
#include "asio_fixture.hpp"

#include <algorithm>

namespace closesem::testing::asio_test {

std::string threads_variant(unsigned threads) {
  if (threads == 0) return "run by the test thread";
  return std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

AsioFixture::AsioFixture(unsigned threads) : loop_(std::make_unique<as::Loop>(threads)) {}

AsioFixture::~AsioFixture() {
  // A test that stopped half-way: tear down without judging (its failure is reported).
  if (loop_) loop_->finish();
}

bool AsioFixture::make_pair(platform::Transport transport, std::string& why) {
  pair_ = &loop_->own<as::TcpPair>(*loop_);
  return as::connect_pair(*pair_, transport == platform::Transport::tcp6, why);
}

std::vector<char>& AsioFixture::buffer(std::size_t size, char fill) {
  return loop_->own<std::vector<char>>(size, fill);
}

int AsioFixture::start_read(const End& end, std::size_t size) {
  auto& into = buffer(size);
  const int id = loop_->start(*end.strand, "async_read_some(" + end.name + ")",
                              [socket = end.socket, &into](as::Handler handler) {
                                socket->async_read_some(asio::buffer(into), std::move(handler));
                              });
  REQUIRE(id >= 0);
  return id;
}

int AsioFixture::start_write(const End& end, std::size_t size) {
  auto& from = buffer(size, 'w');
  const int id = loop_->start(*end.strand, "async_write_some(" + end.name + ", " + std::to_string(size) + ")",
                              [socket = end.socket, &from](as::Handler handler) {
                                socket->async_write_some(asio::buffer(from), std::move(handler));
                              });
  REQUIRE(id >= 0);
  return id;
}

int AsioFixture::start_wait(const End& end, tcp::socket::wait_type what) {
  const char* name = what == tcp::socket::wait_read ? "read" : what == tcp::socket::wait_write ? "write" : "error";
  const int id = loop_->start(*end.strand, std::string("async_wait(") + end.name + ", " + name + ")",
                              [socket = end.socket, what](as::Handler handler) {
                                socket->async_wait(what, std::move(handler));
                              });
  REQUIRE(id >= 0);
  return id;
}

void AsioFixture::on(const End& end, const std::function<void(tcp::socket&)>& f) {
  const bool ran = loop_->call(*end.strand, [socket = end.socket, f] { f(*socket); }, positive_timeout());
  INFO("a call on " << end.name << "'s strand did not run within " << positive_timeout().count() << " ms");
  REQUIRE(ran);
}

platform::CallResult AsioFixture::close(const End& end) {
  asio::error_code ec;
  on(end, [&ec](tcp::socket& socket) { socket.close(ec); });
  return as::outcome_of(ec, 0);
}

platform::CallResult AsioFixture::shutdown(const End& end, tcp::socket::shutdown_type what) {
  asio::error_code ec;
  on(end, [&ec, what](tcp::socket& socket) { socket.shutdown(what, ec); });
  return as::outcome_of(ec, 0);
}

platform::CallResult AsioFixture::cancel(const End& end) {
  asio::error_code ec;
  on(end, [&ec](tcp::socket& socket) { socket.cancel(ec); });
  return as::outcome_of(ec, 0);
}

bool AsioFixture::is_open(const End& end) {
  bool open = false;
  on(end, [&open](tcp::socket& socket) { open = socket.is_open(); });
  return open;
}

Observed AsioFixture::completed(int id, const std::string& operation) {
  return completed(id, operation, positive_timeout());
}

Observed AsioFixture::completed(int id, const std::string& operation, std::chrono::milliseconds timeout) {
  const bool ran = loop_->wait_for(id, timeout);
  const auto completion = loop_->completion(id);
  if (!ran) {
    // A handler that never runs is an outcome too (asio promises every handler runs):
    // timed_out, so that a platform where it happens can list it as a deviation.
    UNSCOPED_INFO(completion.operation << ": the handler did not run within " << timeout.count() << " ms");
    judged_unrun_.push_back(id);
    platform::CallResult never;
    never.ret = -1;
    never.errc = Errc::timed_out;
    return observe(operation + " (the handler did not run)", never);
  }
  UNSCOPED_INFO(completion.operation << " completed with " << as::describe(completion.ec) << ", " << completion.bytes
                                     << " bytes");
  return observe(operation, completion.outcome());
}

bool AsioFixture::still_pending(int id) { return !loop_->wait_for(id, quiet_timeout()); }

Observed AsioFixture::read_to_end(const End& end, const std::string& operation, std::size_t* bytes) {
  std::size_t total = 0;
  while (true) {
    const int id = start_read(end, 64 * 1024);
    auto observed = completed(id, operation);
    if (observed.outcome.ret <= 0) {
      if (bytes) *bytes = total;
      return observed;
    }
    total += static_cast<std::size_t>(observed.outcome.ret);
  }
}

void AsioFixture::finish() {
  if (finished_) return;
  finished_ = true;
  const long live = loop_->finish();
  const auto completions = loop_->completions();
  for (std::size_t id = 0; id < completions.size(); ++id) {
    const auto& completion = completions[id];
    // A handler the test already judged as never run was reported there.
    const bool judged = std::find(judged_unrun_.begin(), judged_unrun_.end(), static_cast<int>(id)) != judged_unrun_.end();
    if (judged && completion.runs == 0) continue;
    INFO(completion.operation << ": the handler ran " << completion.runs << " times (exactly once is documented)");
    CHECK(completion.runs == 1);
  }
  for (const auto& problem : loop_->problems()) {
    if (judged_after_stop_ && problem.find("after io_context::stop()") != std::string::npos) continue;
    FAIL_CHECK(problem);
  }
  INFO(live << " handler copies were still alive after the io_context was destroyed");
  CHECK(live == 0);
}

}  // namespace closesem::testing::asio_test
