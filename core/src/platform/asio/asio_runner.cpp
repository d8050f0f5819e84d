// SPDX-License-Identifier: MIT
// The asio runner (asio_runner.hpp): each step of an asio program on a real asio TCP
// pair, with the asio model told every event, and every handler judged as soon as it
// ran.
#include "closesem/asio_runner.hpp"

#include "closesem/asio_support.hpp"
#include "closesem/platform.hpp"

#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace closesem::asio_model {
namespace {

using asio_program::StepKind;
using asio_program::Program;
using asio_program::Step;
namespace as = closesem::asio_support;
using as::tcp;

// An end of the pair as the runner holds it (its state is the model's).
struct End {
  as::Strand* strand = nullptr;
  std::optional<tcp::socket>* socket = nullptr;
};

class Run {
 public:
  Run(const Program& program, const BackendProfile& profile, const RunOptions& options)
      : program_(program), options_(options), model_(profile), loop_(program.threads) {}

  RunResult execute();

 private:
  // Runs `f` where the socket may be used: on this thread when it runs the context,
  // else on the end's strand (bounded).
  template <typename F>
  void on(as::Strand& strand, F f) {
    if (program_.threads == 0) {
      ++as::detail::starting;
      f();
      --as::detail::starting;
      return;
    }
    if (!loop_.call(strand, f, platform::scaled(std::chrono::milliseconds(5000))))
      finding(Finding{"hang", "step " + std::to_string(model_.step() + 1) + " did not get to run on its strand within 5 s"});
  }
  // The loop's handler for the model's operation `id` (both count from 0, in order).
  void track(int id, const std::string& text, std::vector<char>* buffer = nullptr);
  void step(const Step& s);
  void end_step(const Step& s);
  void listener_step(const Step& s);
  void process();
  void finish();
  static Completion completion(const as::Completion& c);
  std::vector<Completion> completions() const;
  void finding(const std::optional<Finding>& found);

  const Program& program_;
  const RunOptions& options_;
  Model model_;
  as::Loop loop_;
  std::vector<std::vector<char>*> buffers_;  // by handler id: a read's (nullptr for the others)
  End ends_[2];
  // The listener and the sockets around it.
  as::Strand* listener_strand_ = nullptr;
  tcp::acceptor* listener_ = nullptr;
  tcp::endpoint listener_at_;
  std::vector<std::pair<as::Strand*, tcp::socket*>> extra_;  // accepted and connecting sockets
  bool user_stopped_ = false;
  bool reported_ = false;
};

void Run::track(int id, const std::string& text, std::vector<char>* buffer) {
  if (loop_.track(text) != id) throw std::logic_error("asio runner: the loop's handler ids left the model's");
  buffers_.push_back(buffer);
}

RunResult Run::execute() {
  RunResult result;
  {
    auto& pair = loop_.own<as::TcpPair>(loop_);
    std::string why;
    if (!as::connect_pair(pair, false, why)) {
      result.skipped = why;
      return result;
    }
    auto& a = loop_.own<std::optional<tcp::socket>>(std::move(pair.first));
    auto& b = loop_.own<std::optional<tcp::socket>>(std::move(pair.second));
    ends_[0].strand = &pair.first_strand;
    ends_[0].socket = &a;
    ends_[1].strand = &pair.second_strand;
    ends_[1].socket = &b;
  }
  for (std::size_t i = 0; i < program_.steps.size() && !reported_; ++i) {
    model_.at_step(i);
    step(program_.steps[i]);
    process();
  }
  model_.at_step(program_.steps.size());
  if (!reported_) finish();
  result.found = reported_;
  if (!reported_) result.report = model_.report(program_, completions());
  return result;
}

void Run::step(const Step& s) {
  switch (s.kind) {
    case StepKind::run:
      if (program_.threads == 0) {
        if (loop_.context().stopped() && !user_stopped_) loop_.context().restart();
        loop_.context().poll();
      }
      return;
    case StepKind::run_one:
      if (program_.threads == 0) {
        if (loop_.context().stopped() && !user_stopped_) loop_.context().restart();
        loop_.context().run_one_for(std::chrono::milliseconds(1));
      }
      return;
    case StepKind::stop:
      if (program_.threads == 0) {
        loop_.stop();
        user_stopped_ = true;
      }
      return;
    case StepKind::restart:
      if (program_.threads == 0) {
        loop_.restart();
        user_stopped_ = false;
      }
      return;
    case StepKind::accept:
    case StepKind::connect:
    case StepKind::listener_close:
    case StepKind::listener_cancel:
      listener_step(s);
      return;
    default:
      end_step(s);
  }
}

void Run::end_step(const Step& s) {
  const int e = s.end;
  End& me = ends_[e];
  auto& socket = *me.socket;
  switch (s.kind) {
    case StepKind::read: {
      const int id = model_.start_read(e, s.size, s.text);
      if (id < 0) return;
      auto* buffer = &loop_.own<std::vector<char>>(s.size, '\0');
      track(id, s.text, buffer);
      auto handler = loop_.handler(id);
      on(*me.strand, [&socket, buffer, handler]() { socket->async_read_some(asio::buffer(*buffer), handler); });
      return;
    }
    case StepKind::write: {
      const int id = model_.start_write(e, s.size, s.text);
      if (id < 0) return;
      const PendingOp& op = model_.at(id);
      // Straight from the pattern's table (static, contiguous for any write up to
      // max_write): no buffer made, zeroed and filled per write (a 1 MiB write cost
      // about a millisecond in page faults and copies, perf).
      const char* bytes = pattern_at(e, op.offset);
      const std::size_t size = op.size;
      track(id, s.text);
      auto handler = loop_.handler(id);
      on(*me.strand, [&socket, bytes, size, handler]() { socket->async_write_some(asio::buffer(bytes, size), handler); });
      return;
    }
    case StepKind::wait: {
      const int id = model_.start_wait(e, s.what, s.text);
      if (id < 0) return;
      track(id, s.text);
      const auto what = s.what == 0 ? tcp::socket::wait_read : s.what == 1 ? tcp::socket::wait_write : tcp::socket::wait_error;
      auto handler = loop_.handler(id);
      on(*me.strand, [&socket, what, handler]() { socket->async_wait(what, handler); });
      return;
    }
    case StepKind::close:
    case StepKind::destroy: {
      const bool destroy = s.kind == StepKind::destroy;
      model_.close(e, destroy);
      asio::error_code ec;
      bool open = true;
      as::Strand* strand = me.strand;
      on(*strand, [&socket, &ec, &open, destroy, strand]() {
        if (destroy) {
          socket.reset();
          socket.emplace(*strand);  // a new socket object, never opened
        } else {
          socket->close(ec);
        }
        open = socket->is_open();
      });
      if (ec)
        finding(Finding{"close-error",
                        "step " + std::to_string(model_.step() + 1) + " `" + s.text + "` failed: " + as::describe(ec)});
      finding(model_.check_open(e, open, s.text));
      return;
    }
    case StepKind::release: {
      const bool was_open = model_.end_state(e).open;
      model_.release_cancel(e);  // release() cancels first
      asio::error_code ec;
      platform::NativeHandle handle = platform::kInvalidHandle;
      bool open = true;
      on(*me.strand, [&socket, &ec, &handle, &open]() {
        handle = as::release(*socket, ec);
        open = socket->is_open();
      });
      if (handle != platform::kInvalidHandle) {
        // Ours now: closed at once (the peer sees the close as from close()).
        model_.released(e);
        platform::close_handle(handle);
        finding(model_.check_open(e, open, s.text));
      } else if (was_open) {
        // release() is unsupported here (Windows before 8.1, Wine 8.0): still open.
        finding(model_.check_open(e, open, s.text + " (failed: " + as::describe(ec) + ")"));
      }
      return;
    }
    case StepKind::cancel: {
      model_.cancel(e);
      asio::error_code ec;
      bool open = false;
      on(*me.strand, [&socket, &ec, &open]() {
        socket->cancel(ec);
        open = socket->is_open();
      });
      finding(model_.check_open(e, open, s.text));
      return;
    }
    case StepKind::shutdown: {
      asio::error_code ec;
      bool open = false;
      const auto how = s.what == 0 ? tcp::socket::shutdown_receive
                       : s.what == 1 ? tcp::socket::shutdown_send : tcp::socket::shutdown_both;
      on(*me.strand, [&socket, &ec, &open, how]() {
        socket->shutdown(how, ec);
        open = socket->is_open();
      });
      if (!ec) model_.shutdown(e, s.what);
      finding(model_.check_open(e, open, s.text));
      return;
    }
    case StepKind::linger: {
      asio::error_code ec;
      const bool on_zero = s.what == 1;
      on(*me.strand, [&socket, &ec, on_zero]() { socket->set_option(asio::socket_base::linger(on_zero, 0), ec); });
      if (!ec) model_.linger(e, on_zero);
      return;
    }
    default:
      return;
  }
}

void Run::listener_step(const Step& s) {
  if (listener_ == nullptr) {
    listener_strand_ = &loop_.own<as::Strand>(loop_.make_strand());
    listener_ = &loop_.own<tcp::acceptor>(*listener_strand_);
    asio::error_code ec;
    const tcp::endpoint at(asio::ip::address_v4::loopback(), 0);
    on(*listener_strand_, [this, &ec, at]() {
      listener_->open(at.protocol(), ec);
      if (!ec) listener_->bind(at, ec);
      if (!ec) listener_->listen(8, ec);
      if (!ec) listener_at_ = listener_->local_endpoint(ec);
    });
    if (ec) {
      finding(Finding{"listener", "could not make the listener: " + as::describe(ec)});
      return;
    }
  }
  switch (s.kind) {
    case StepKind::accept: {
      const int id = model_.start_accept(s.text);
      if (id < 0) return;
      auto& strand = loop_.own<as::Strand>(loop_.make_strand());
      auto& into = loop_.own<tcp::socket>(strand);
      extra_.emplace_back(&strand, &into);
      track(id, s.text);
      auto handler = loop_.handler(id);
      on(*listener_strand_, [this, &into, handler]() { listener_->async_accept(into, handler); });
      return;
    }
    case StepKind::connect: {
      const int id = model_.start_connect(s.text);
      if (id < 0) return;
      auto& strand = loop_.own<as::Strand>(loop_.make_strand());
      auto& client = loop_.own<tcp::socket>(strand);
      extra_.emplace_back(&strand, &client);
      track(id, s.text);
      auto handler = loop_.handler(id);
      const auto to = listener_at_;
      on(strand, [&client, to, handler]() { client.async_connect(to, handler); });
      return;
    }
    case StepKind::listener_close:
    case StepKind::listener_cancel: {
      const bool close = s.kind == StepKind::listener_close;
      model_.listener_close_or_cancel(close);
      on(*listener_strand_, [this, close]() {
        asio::error_code ec;
        close ? listener_->close(ec) : listener_->cancel(ec);
      });
      return;
    }
    default:
      return;
  }
}

// Judges every handler that ran since the last call, in the order they were started
// (one read and one write pending per end: that is also their stream order).
void Run::process() {
  const auto ran = loop_.completions();
  for (std::size_t id = 0; id < model_.ops().size() && !reported_; ++id) {
    const int i = static_cast<int>(id);
    if (model_.at(i).processed || ran[id].runs == 0) continue;
    auto c = completion(ran[id]);
    if (const auto* buffer = buffers_[id]) c.data = buffer->data();  // the buffers live until loop_.finish()
    finding(model_.completed(i, c));
  }
  finding(model_.problems(loop_.problems()));
}

void Run::finish() {
  // Close everything, then run the context until no work is left: every handler must
  // have run by then.
  if (user_stopped_) {
    loop_.restart();
    user_stopped_ = false;
  }
  for (int e = 0; e < 2; ++e) {
    model_.finish_end(e);
    auto& socket = *ends_[e].socket;
    on(*ends_[e].strand, [&socket]() {
      asio::error_code ec;
      socket->set_option(asio::socket_base::linger(true, 0), ec);  // no TIME_WAIT
      socket->close(ec);
    });
  }
  if (listener_ != nullptr) {
    model_.finish_listener();
    on(*listener_strand_, [this]() {
      asio::error_code ec;
      listener_->close(ec);
    });
  }
  model_.finish_connects();
  for (auto& [strand, socket] : extra_) {
    tcp::socket* s = socket;
    on(*strand, [s]() {
      asio::error_code ec;
      s->close(ec);
    });
  }
  const bool drained = loop_.drain(platform::scaled(std::chrono::milliseconds(2000)));
  process();
  if (reported_) return;
  std::vector<int> runs;
  for (const auto& c : loop_.completions()) runs.push_back(c.runs);
  bool lost = false;  // a handler this platform is known to lose at close
  finding(model_.all_ran(runs, drained, lost));
  if (reported_) return;
  finding(model_.leaked(loop_.finish(), lost));
}

Completion Run::completion(const as::Completion& c) {
  Completion out;
  out.runs = c.runs;
  out.errc = c.outcome().errc;
  out.bytes = c.bytes;
  out.described = as::describe(c.ec);
  return out;
}

std::vector<Completion> Run::completions() const {
  const auto ran = loop_.completions();
  std::vector<Completion> out;
  for (const auto& c : ran) out.push_back(completion(c));
  return out;
}

void Run::finding(const std::optional<Finding>& found) {
  if (!found || reported_) return;
  reported_ = true;
  if (options_.on_finding) options_.on_finding(*found, model_.report(program_, completions()));
}

}  // namespace

RunResult run(const asio_program::Program& program, const BackendProfile& profile, const RunOptions& options) {
  return Run(program, profile, options).execute();
}

}  // namespace closesem::asio_model
