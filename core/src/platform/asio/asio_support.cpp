// SPDX-License-Identifier: MIT
// The asio layer: tracked handlers, the Loop that runs them, loopback pairs.
#include "closesem/asio_support.hpp"

#include <algorithm>

namespace closesem::asio_support {

namespace detail {
thread_local int starting = 0;
}  // namespace detail

platform::CallResult outcome_of(const asio::error_code& ec, std::size_t bytes) {
  platform::CallResult outcome;
  if (!ec) {
    outcome.ret = static_cast<std::int64_t>(bytes);
    return outcome;
  }
  if (ec == asio::error::eof) {
    outcome.ret = 0;  // end of stream: what recv returns
    return outcome;
  }
  outcome.ret = -1;
  outcome.native = ec.value();
  outcome.errc = ec.category() == asio::system_category() ? platform::errc_from_native(ec.value()) : Errc::other;
  return outcome;
}

std::string describe(const asio::error_code& ec) {
  if (!ec) return "success";
  if (ec == asio::error::eof) return "eof";
  const auto outcome = outcome_of(ec, 0);
  std::string text = std::string(to_string(outcome.errc)) + ": ";
  if (ec.category() == asio::system_category()) {
    text += platform::describe_native(ec.value());
  } else {
    text += std::string(ec.category().name()) + ":" + std::to_string(ec.value());
  }
  return text + " " + ec.message();
}

// ---------------------------------------------------------------------------
// Handler

Handler::Handler(Loop* loop, int id) : loop_(loop), id_(id), live_(loop->live_) { ++*live_; }
Handler::Handler(const Handler& other) : loop_(other.loop_), id_(other.id_), live_(other.live_) { ++*live_; }
Handler::Handler(Handler&& other) noexcept : loop_(other.loop_), id_(other.id_), live_(other.live_) { ++*live_; }
Handler::~Handler() { --*live_; }

void Handler::operator()(const asio::error_code& ec, std::size_t bytes) const { loop_->complete(id_, ec, bytes); }
void Handler::operator()(const asio::error_code& ec) const { loop_->complete(id_, ec, 0); }

// ---------------------------------------------------------------------------
// Loop

Loop::Loop(unsigned threads) : threads_(threads) {
  context_.emplace();
  if (threads_ == 0) return;
  work_.emplace(asio::make_work_guard(*context_));
  for (unsigned i = 0; i < threads_; ++i) {
    workers_.emplace_back([this] {
      context_->run();
      // drain() waits for this rather than polling the context's state.
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++returned_;
      }
      changed_.notify_all();
    });
  }
}

Loop::~Loop() { finish(); }

int Loop::track(std::string operation) {
  std::lock_guard<std::mutex> lock(mutex_);
  Completion completion;
  completion.operation = std::move(operation);
  completions_.push_back(std::move(completion));
  return static_cast<int>(completions_.size()) - 1;
}

void Loop::complete(int id, const asio::error_code& ec, std::size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& completion = completions_.at(static_cast<std::size_t>(id));
    if (completion.runs++ == 0) {
      completion.ec = ec;
      completion.bytes = bytes;
      completion.thread = std::this_thread::get_id();
    }
    if (detail::starting > 0) completion.inline_run = true;
    if (stopped_) completion.after_stop = true;
  }
  changed_.notify_all();
}

void Loop::notify() {
  { std::lock_guard<std::mutex> lock(mutex_); }
  changed_.notify_all();
}

bool Loop::wait_flag(const std::shared_ptr<std::atomic<bool>>& flag, std::chrono::milliseconds timeout) {
  return wait_until([&flag] { return flag->load(); }, timeout);
}

bool Loop::wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (threads_ == 0) {
    {
      // After stop() nothing runs until restart(): that is what the caller looks at.
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return false;
    }
    while (!done()) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      if (context_->stopped()) context_->restart();
      // One handler at a time, each wait bounded: the deadline holds even when the
      // context has nothing to do.
      context_->run_one_for(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(50)));
    }
    return true;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    lock.unlock();
    const bool met = done();
    lock.lock();
    if (met) return true;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      lock.unlock();
      return done();
    }
  }
}

bool Loop::wait_for(int id, std::chrono::milliseconds timeout) {
  return wait_until([this, id] { return runs(id) > 0; }, timeout);
}

Completion Loop::completion(int id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return completions_.at(static_cast<std::size_t>(id));
}

int Loop::runs(int id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return completions_.at(static_cast<std::size_t>(id)).runs;
}

std::vector<Completion> Loop::completions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return completions_;
}

void Loop::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  context_->stop();
}

void Loop::restart() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = false;
  }
  context_->restart();
}

bool Loop::drain(std::chrono::milliseconds timeout) {
  if (threads_ > 0) {
    // The threads run until the work guard goes: let them finish what is queued.
    work_.reset();
    // Until every thread's run() returned (each says so): a wake-up at once, where a
    // 5 ms poll of stopped() cost most of a threaded input (perf).
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!changed_.wait_for(lock, timeout, [this] { return returned_ == workers_.size(); })) return false;
    }
    for (auto& worker : workers_) worker.join();
    workers_.clear();
    return true;
  }
  if (context_->stopped()) context_->restart();
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    // run_one_for returns 0 once the context has no work left (and stops it).
    if (context_->run_one_for(std::chrono::milliseconds(50)) == 0 && context_->stopped()) return true;
  }
  return false;
}

long Loop::finish() {
  if (finished_) return live_->load();
  finished_ = true;
  work_.reset();
  context_->stop();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  // Owned objects (sockets, acceptors) go first, newest first, while the context lives.
  while (!owned_.empty()) owned_.pop_back();
  context_.reset();
  return live_->load();
}

std::vector<std::string> Loop::problems() const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& completion : completions_) {
    if (completion.runs > 1) {
      out.push_back(completion.operation + ": the handler ran " + std::to_string(completion.runs) + " times");
    }
    if (completion.inline_run) out.push_back(completion.operation + ": the handler ran inside the call that started it");
    if (completion.after_stop) out.push_back(completion.operation + ": the handler ran after io_context::stop()");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pairs

TcpPair::TcpPair(Loop& loop)
    : first_strand(loop.make_strand()),
      second_strand(loop.make_strand()),
      first(first_strand),
      second(second_strand) {}

bool connect_pair(TcpPair& pair, bool ipv6, std::string& why) {
  asio::error_code ec;
  const auto address = ipv6 ? asio::ip::address(asio::ip::address_v6::loopback())
                            : asio::ip::address(asio::ip::address_v4::loopback());
  tcp::acceptor acceptor(pair.second.get_executor());
  const tcp::endpoint at(address, 0);
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(8, ec);
  if (ec) {
    why = "acceptor on " + address.to_string() + ": " + describe(ec);
    return false;
  }
  const auto endpoint = acceptor.local_endpoint(ec);
  if (!ec) pair.first.connect(endpoint, ec);
  if (!ec) acceptor.accept(pair.second, ec);
  if (ec) {
    why = "connect to " + address.to_string() + ": " + describe(ec);
    return false;
  }
  // Small writes go out at once (no Nagle delay between a test's steps).
  pair.first.set_option(tcp::no_delay(true), ec);
  pair.second.set_option(tcp::no_delay(true), ec);
  return true;
}

platform::NativeHandle release(tcp::socket& socket, asio::error_code& ec) {
  const auto handle = socket.release(ec);
  if (ec) return platform::kInvalidHandle;
  // Converts through the socket type on Windows (a class holding the SOCKET), as is on POSIX.
  const asio::detail::socket_type native = handle;
  return static_cast<platform::NativeHandle>(native);
}

std::size_t fill_send_path(tcp::socket& socket, std::size_t limit) {
  std::vector<char> block(64 * 1024, 'f');
  asio::error_code ec;
  socket.non_blocking(true, ec);
  std::size_t total = 0;
  while (total < limit) {
    const std::size_t n = socket.write_some(asio::buffer(block), ec);
    if (ec) break;
    total += n;
  }
  return total;
}

}  // namespace closesem::asio_support
