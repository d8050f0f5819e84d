// SPDX-License-Identifier: MIT
// The control server (closesem_peer --serve) against clients that abuse it: no AUTH, a
// wrong token, silence, connections and listeners it must not make, more sessions than
// it takes, floods of commands and of output, lines without end. Each case starts the
// real server (port 0), checks the refusal line, then that a good session still works
// and that the server's descriptors, threads and memory (/proc/PID) stay bounded.
// Linux only (it reads /proc); built where the peer runs natively.
#include "closesem_testing/catch.hpp"

#include "closesem/platform.hpp"
#include "closesem/process.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace platform = closesem::platform;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

milliseconds scaled(milliseconds base) { return platform::scaled(base); }

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define CLOSESEM_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CLOSESEM_SANITIZED 1
#endif
#if defined(CLOSESEM_SANITIZED)
constexpr bool kSanitized = true;  // (the server is built with the same flags)
#else
constexpr bool kSanitized = false;
#endif

std::string peer_path() {
  if (const char* path = std::getenv("CLOSESEM_PEER_PROGRAM"); path != nullptr && *path != '\0') return path;
  return CLOSESEM_PEER_PATH;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// --- what the server process holds (/proc/PID) -------------------------------------

struct Usage {
  std::size_t fds = 0;
  std::size_t threads = 0;
  std::size_t rss_kib = 0;
};

std::size_t entries(const std::string& folder) {
  std::error_code error;
  std::size_t count = 0;
  for (std::filesystem::directory_iterator it{folder, error}, end; !error && it != end; it.increment(error)) ++count;
  return count;
}

Usage usage_of(long pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  Usage usage;
  usage.fds = entries(proc + "/fd");
  usage.threads = entries(proc + "/task");
  std::ifstream status{proc + "/status"};
  for (std::string line; std::getline(status, line);) {
    if (starts_with(line, "VmRSS:")) usage.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return usage;
}

// --- a client: asio with every wait bounded -----------------------------------------

class Client {
 public:
  enum class Read { line, end, timeout };

  // Connects to 127.0.0.1:port (REQUIREd).
  explicit Client(unsigned short port) {
    std::error_code error;
    socket_.connect(tcp::endpoint{asio::ip::address_v4::loopback(), port}, error);
    INFO("connect to the server's port " << port);
    REQUIRE_FALSE(error);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // False when the write failed or did not finish within `limit`.
  bool send(const std::string& data, milliseconds limit = scaled(milliseconds(5000))) {
    std::optional<std::error_code> done;
    asio::async_write(socket_, asio::buffer(data), [&](const std::error_code& error, std::size_t) { done = error; });
    run(done, limit);
    return done && !*done;
  }
  bool send_line(const std::string& line) { return send(line + "\n"); }

  Read read_line(std::string& line, milliseconds limit = scaled(milliseconds(5000))) {
    std::optional<std::error_code> done;
    std::size_t size = 0;
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n',
                           [&](const std::error_code& error, std::size_t n) {
                             done = error;
                             size = n;
                           });
    run(done, limit);
    if (!done) return Read::timeout;
    if (*done) return Read::end;  // end of stream or reset: nothing more comes
    line = buffer_.substr(0, size - 1);
    buffer_.erase(0, size);
    return Read::line;
  }

  // The next line, REQUIREd.
  std::string line(milliseconds limit = scaled(milliseconds(5000))) {
    std::string text;
    const auto read = read_line(text, limit);
    INFO("reading a line from the server: " << (read == Read::end ? "the connection ended" : "nothing came"));
    REQUIRE(read == Read::line);
    return text;
  }

  // Lines until the server ends the connection (REQUIREd within `limit`).
  std::vector<std::string> rest(milliseconds limit = scaled(milliseconds(10000))) {
    std::vector<std::string> lines;
    const auto deadline = Clock::now() + limit;
    for (;;) {
      std::string text;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      const auto read = read_line(text, left.count() > 0 ? left : milliseconds(0));
      if (read == Read::end) return lines;
      INFO("the server did not close the control connection; lines so far: " << lines.size());
      REQUIRE(read == Read::line);
      lines.push_back(text);
    }
  }

  void shutdown_send() {
    std::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  }

 private:
  // Runs the operation for up to `limit`; one that did not finish is cancelled, and
  // `done` left empty (a timeout).
  void run(std::optional<std::error_code>& done, milliseconds limit) {
    io_.restart();
    io_.run_for(limit);
    if (!done) {
      std::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
      done.reset();
    }
  }

  asio::io_context io_;
  tcp::socket socket_{io_};
  std::string buffer_;
};

// --- the server -----------------------------------------------------------------------

struct Server {
  platform::Process process;
  unsigned short port = 0;
  std::string token;
  std::vector<std::string> log;  // its stdout after SERVING (and TOKEN)

  // Starts closesem_peer --serve 127.0.0.1:0 with `extra` options (REQUIREd), with the
  // token it makes itself unless `given_token` (then CLOSESEM_PEER_TOKEN / a file).
  static std::unique_ptr<Server> start(std::vector<std::string> extra = {}, std::string given_token = {},
                                       std::vector<std::string> wrapper = {}) {
    // Under ASan, memory the server freed stays in its quarantine (256 MiB) and counts in
    // VmRSS: a small quarantine keeps the memory checks about the server's own use.
    static const bool small_quarantine = [] {
      const char* options = std::getenv("ASAN_OPTIONS");
      const std::string value = std::string{options != nullptr ? options : ""} +
                                ":quarantine_size_mb=4:thread_local_quarantine_size_kb=64";
      return ::setenv("ASAN_OPTIONS", value.c_str(), 1) == 0;
    }();
    CHECK(small_quarantine);
    auto server = std::make_unique<Server>();
    std::vector<std::string> argv = std::move(wrapper);
    argv.insert(argv.end(), {peer_path(), "--serve", "127.0.0.1:0", "--timeout", "300"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string error;
    INFO("starting the server: " << argv.front());
    const bool started = platform::Process::start(argv, server->process, error);
    INFO(error);
    REQUIRE(started);
    std::string line;
    REQUIRE(server->process.read_line(line, scaled(milliseconds(10000))) == platform::Process::Read::line);
    INFO("the server's first line: " << line);
    REQUIRE(starts_with(line, "SERVING "));
    server->port = static_cast<unsigned short>(std::strtoul(line.c_str() + 8, nullptr, 10));
    REQUIRE(server->port > 0);
    if (given_token.empty()) {
      REQUIRE(server->process.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
      INFO("the server's second line: " << line);
      REQUIRE(starts_with(line, "TOKEN "));
      server->token = line.substr(6);
      CHECK(server->token.size() == 32);
    } else {
      server->token = given_token;
    }
    return server;
  }

  long pid() const { return process.id(); }
  Usage usage() const { return usage_of(pid()); }

  // Takes what the server has logged so far (its stdout must not fill up either).
  void drain_log() {
    std::string line;
    while (process.read_line(line, milliseconds(1)) == platform::Process::Read::line) log.push_back(line);
  }

  bool alive() { return !process.wait(milliseconds(0)).has_value(); }

  // A control connection that has passed AUTH.
  std::unique_ptr<Client> authed() {
    auto client = std::make_unique<Client>(port);
    REQUIRE(client->send_line("AUTH " + token));
    return client;
  }

  // A whole good session: drain, a few bytes from us, its result with ok, and the
  // connection closed after the result line. REQUIREd, within bounded waits.
  void good_session() {
    REQUIRE(alive());
    auto control = authed();
    REQUIRE(control->send_line("drain --expect-bytes 5 --expect-end fin --timeout 20"));
    const auto ready = control->line();
    INFO("the server's answer: " << ready);
    REQUIRE(starts_with(ready, "READY "));
    const auto port_text = ready.substr(6);
    asio::io_context io;
    tcp::socket data{io};
    std::error_code error;
    data.connect(tcp::endpoint{asio::ip::address_v4::loopback(),
                               static_cast<unsigned short>(std::strtoul(port_text.c_str(), nullptr, 10))},
                 error);
    REQUIRE_FALSE(error);
    const std::uint8_t pattern[5] = {0, 1, 2, 3, 4};
    asio::write(data, asio::buffer(pattern), error);
    REQUIRE_FALSE(error);
    data.shutdown(asio::socket_base::shutdown_send, error);
    const auto lines = control->rest();
    REQUIRE_FALSE(lines.empty());
    INFO("the session's last line: " << lines.back());
    CHECK(contains(lines.back(), "\"event\":\"result\""));
    CHECK(contains(lines.back(), "\"ok\":true"));
  }

  // Waits (bounded) until the server holds no more than `most` descriptors and threads
  // (its sessions end a moment after their connections close); CHECKs it got there.
  void settles_to(const Usage& most, milliseconds limit = scaled(milliseconds(10000))) {
    const auto deadline = Clock::now() + limit;
    Usage now = usage();
    while ((now.fds > most.fds || now.threads > most.threads) && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
      now = usage();
    }
    INFO("descriptors " << now.fds << " (at most " << most.fds << "), threads " << now.threads << " (at most "
                        << most.threads << ")");
    CHECK(now.fds <= most.fds);
    CHECK(now.threads <= most.threads);
  }
};

// The server at rest plus `sessions` sessions of slack: a session holds one thread, and
// at most six descriptors (its io_context's three on Linux, the control connection, a
// listener, a data connection).
Usage allowance(const Usage& rest, std::size_t sessions) {
  return {rest.fds + 6 * sessions + 1, rest.threads + sessions, 0};
}

constexpr std::size_t kMiB = 1024;  // in KiB, as VmRSS counts

void memory_stays_bounded(const Usage& before, const Usage& after) {
  INFO("VmRSS " << before.rss_kib << " KiB before, " << after.rss_kib << " KiB after");
  CHECK(after.rss_kib < before.rss_kib + 64 * kMiB);
}

}  // namespace

TEST_CASE("serve: a first line other than AUTH gets ERROR and the connection closes", "[peer][serve]") {
  auto server = Server::start();
  const auto rest = server->usage();
  {
    Client client{server->port};
    REQUIRE(client.send_line("drain --expect-bytes 0"));
    const auto line = client.line();
    INFO("the server's answer: " << line);
    CHECK(starts_with(line, "ERROR "));
    CHECK(contains(line, "AUTH"));
    CHECK(client.rest().empty());
  }
  server->good_session();
  server->settles_to(allowance(rest, 0));
}

TEST_CASE("serve: a wrong token gets ERROR and the connection closes", "[peer][serve]") {
  auto server = Server::start();
  for (const std::string& wrong : {server->token.substr(0, 31) + "x", server->token + "0", std::string{"x"},
                                   std::string{}}) {
    Client client{server->port};
    REQUIRE(client.send_line("AUTH " + wrong));
    REQUIRE(client.send_line("drain"));  // must never run
    const auto line = client.line();
    INFO("token '" << wrong << "': the server's answer: " << line);
    CHECK(starts_with(line, "ERROR "));
    CHECK(contains(line, "authentication failed"));
    CHECK(client.rest().empty());
  }
  server->good_session();
}

TEST_CASE("serve: the token comes from CLOSESEM_PEER_TOKEN or --token-file", "[peer][serve]") {
  const std::string token = "0123456789abcdef-lab-token";
  SECTION("environment") {
    ::setenv("CLOSESEM_PEER_TOKEN", token.c_str(), 1);
    auto server = Server::start({}, token);
    ::unsetenv("CLOSESEM_PEER_TOKEN");
    server->good_session();
  }
  SECTION("file") {
    const auto path = std::filesystem::temp_directory_path() / ("closesem-peer-token-" + std::to_string(::getpid()));
    std::ofstream{path} << token << "\n";
    auto server = Server::start({"--token-file", path.string()}, token);
    std::filesystem::remove(path);
    server->good_session();
    Client client{server->port};
    REQUIRE(client.send_line("AUTH " + token + "x"));
    CHECK(contains(client.line(), "authentication failed"));
  }
}

TEST_CASE("serve: --token-out writes the token it made, readable by its owner only", "[peer][serve]") {
  const auto dir = std::filesystem::temp_directory_path() / ("closesem-token-out-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "peer-token";
  std::ofstream{path} << "an older token, replaced\n";
  auto server = Server::start({"--token-out", path.string()});
  std::ifstream in{path};
  std::string written;
  std::getline(in, written);
  CHECK(written == server->token);
  const auto perms = std::filesystem::status(path).permissions();
  CHECK((perms & std::filesystem::perms::all) == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  server->good_session();
  SECTION("a folder that is not there: the server does not start, and says why") {
    platform::Process failed;
    std::string error;
    REQUIRE(platform::Process::start({peer_path(), "--serve", "127.0.0.1:0", "--token-out", (dir / "no" / "t").string()},
                                     failed, error));
    std::string line;
    REQUIRE(failed.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
    INFO("its line: " << line);
    CHECK(contains(line, "--token-out"));
    CHECK(failed.wait(scaled(milliseconds(5000))).value_or(0) != 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve: an empty or short token from the environment is refused with exit status 2",
          "[peer][serve]") {
  for (const std::string& token : {std::string{}, std::string{"short"}, std::string{"fifteen-chars-x"}}) {
    ::setenv("CLOSESEM_PEER_TOKEN", token.c_str(), 1);
    platform::Process server;
    std::string error;
    const bool started = platform::Process::start({peer_path(), "--serve", "127.0.0.1:0"}, server, error);
    ::unsetenv("CLOSESEM_PEER_TOKEN");
    REQUIRE(started);
    std::string line;
    INFO("CLOSESEM_PEER_TOKEN='" << token << "'");
    CHECK(server.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::end);
    CHECK(server.wait(scaled(milliseconds(5000))) == std::optional<int>{2});
  }
}

TEST_CASE("serve: a client that says nothing is dropped after 5 s", "[peer][serve]") {
  auto server = Server::start();
  Client client{server->port};
  const auto start = Clock::now();
  const auto line = client.line(milliseconds(5000) + scaled(milliseconds(5000)));
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  INFO("the server's answer after " << waited.count() << " ms: " << line);
  CHECK(starts_with(line, "ERROR "));
  CHECK(contains(line, "no AUTH line within 5 s"));
  CHECK(waited >= milliseconds(4500));
  CHECK(client.rest().empty());
  server->good_session();
}

TEST_CASE("serve: a session connects only back to its client unless --allow-connect", "[peer][serve]") {
  // A listener of ours on another loopback address: the server must not reach it.
  asio::io_context io;
  tcp::acceptor target{io, tcp::endpoint{asio::ip::make_address("127.0.0.2"), 0}};
  const auto where = "127.0.0.2:" + std::to_string(target.local_endpoint().port());
  {
    auto server = Server::start();
    auto control = server->authed();
    REQUIRE(control->send_line("send-close --bytes 1000 --connect " + where));
    const auto line = control->line();
    INFO("the server's answer: " << line);
    CHECK(starts_with(line, "ERROR "));
    CHECK(contains(line, "--connect " + where));
    CHECK(contains(line, "--allow-connect"));
    CHECK(control->rest().empty());
    server->good_session();
  }
  {
    auto server = Server::start({"--allow-connect", "127.0.0.0/8"});
    auto control = server->authed();
    REQUIRE(control->send_line("send-close --bytes 1000 --connect " + where));
    const auto line = control->line();
    INFO("the server's answer: " << line);
    REQUIRE(starts_with(line, "READY "));
    tcp::socket accepted{io};
    std::error_code error;
    target.accept(accepted, error);  // (blocking, but READY says the connection exists)
    CHECK_FALSE(error);
  }
}

TEST_CASE("serve: a session listens only on the server's address, port 0 unless --allow-listen-port",
          "[peer][serve]") {
  // A port that was free a moment ago (ours, closed again): not a fixed one.
  unsigned short free_port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe{io, tcp::endpoint{asio::ip::address_v4::loopback(), 0}};
    free_port = probe.local_endpoint().port();
  }
  const auto fixed = "127.0.0.1:" + std::to_string(free_port);
  auto server = Server::start();
  for (const std::string& at : {std::string{"127.0.0.2:0"}, std::string{"0.0.0.0:0"}, fixed}) {
    auto control = server->authed();
    REQUIRE(control->send_line("drain --listen " + at));
    const auto line = control->line();
    INFO("--listen " << at << ": the server's answer: " << line);
    CHECK(starts_with(line, "ERROR "));
    CHECK(contains(line, "--listen " + at));
    CHECK(control->rest().empty());
  }
  server->good_session();

  auto lenient = Server::start({"--allow-listen-port"});
  auto control = lenient->authed();
  REQUIRE(control->send_line("drain --timeout 10 --listen " + fixed));
  CHECK(control->line() == "READY " + std::to_string(free_port));
}

TEST_CASE("serve: 100 idle connections: 16 wait, the rest get ERROR busy, and a client gets in after",
          "[peer][serve]") {
  auto server = Server::start();
  const auto rest = server->usage();
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<Client>(server->port));
  // The first 16 are sessions waiting for AUTH (or dropped already, if this is slow).
  std::size_t busy = 0;
  std::size_t waiting = 0;
  for (auto& client : idle) {
    std::string line;
    const auto read = client->read_line(line, milliseconds(200));
    if (read == Client::Read::line && starts_with(line, "ERROR busy")) ++busy;
    if (read == Client::Read::timeout || (read == Client::Read::line && contains(line, "no AUTH line"))) ++waiting;
  }
  CHECK(busy == 84);
  CHECK(waiting == 16);
  {
    const auto held = server->usage();
    INFO("with 16 connections waiting for AUTH: " << held.fds << " descriptors, " << held.threads << " threads");
    CHECK(held.fds <= allowance(rest, 16).fds);
    CHECK(held.threads <= allowance(rest, 16).threads);
  }
  // A real client meanwhile: busy too, until the silent ones are dropped (5 s).
  for (auto& client : idle) {
    std::string line;
    if (client->read_line(line, milliseconds(5000) + scaled(milliseconds(5000))) == Client::Read::line) {
      CHECK((starts_with(line, "ERROR busy") || contains(line, "no AUTH line")));
    }
  }
  idle.clear();
  server->settles_to(allowance(rest, 0));
  server->good_session();
  // Refusals are logged, but at most once a second.
  server->drain_log();
  CHECK(server->log.size() <= 15);
}

TEST_CASE("serve: commands queued beyond the bound end the session with an error", "[peer][serve]") {
  auto server = Server::start();
  const auto before = server->usage();
  auto control = server->authed();
  // A listener nobody connects to: every `send` waits for the connection.
  REQUIRE(control->send_line("drain --timeout 60"));
  REQUIRE(starts_with(control->line(), "READY "));
  std::string chunk;
  for (int i = 0; i < 8192; ++i) chunk += "send 1\n";  // 56 KiB
  std::size_t written = 0;
  const auto deadline = Clock::now() + scaled(milliseconds(10000));
  while (written < (std::size_t{256} << 20) && Clock::now() < deadline) {
    if (!control->send(chunk, scaled(milliseconds(2000)))) break;
    written += chunk.size();
  }
  INFO("bytes of commands written before the server stopped taking them: " << written);
  CHECK(written < (std::size_t{64} << 20));
  const auto after = server->usage();
  memory_stays_bounded(before, after);
  const auto lines = control->rest();
  bool refused = false;
  for (const auto& line : lines) refused = refused || contains(line, "commands (or 1 MiB of them) wait to run");
  CHECK(refused);
  REQUIRE_FALSE(lines.empty());
  CHECK(contains(lines.back(), "\"event\":\"result\""));
  server->good_session();
}

TEST_CASE("serve: a line without end ends the session (or is refused before it)", "[peer][serve]") {
  auto server = Server::start();
  const auto before = server->usage();
  const std::string endless(std::size_t{1} << 20, 'x');
  {
    Client client{server->port};
    client.send(endless);  // the server may cut it short
    const auto line = client.line();
    INFO("a first line of 1 MiB: " << line);
    CHECK(starts_with(line, "ERROR "));
    CHECK(contains(line, "too long"));
  }
  {
    auto control = server->authed();
    REQUIRE(control->send_line("drain --timeout 60"));
    REQUIRE(starts_with(control->line(), "READY "));
    control->send(endless);
    const auto lines = control->rest();
    bool refused = false;
    for (const auto& line : lines) refused = refused || contains(line, "is longer than 4096 bytes");
    INFO("lines: " << lines.size() << (lines.empty() ? "" : ", the last: " + lines.back()));
    CHECK(refused);
    REQUIRE_FALSE(lines.empty());
    CHECK(contains(lines.back(), "\"event\":\"result\""));
  }
  memory_stays_bounded(before, server->usage());
  server->good_session();
}

TEST_CASE("serve: a client that never reads its control connection is cut off", "[peer][serve]") {
  auto server = Server::start();
  const auto before = server->usage();
  auto control = server->authed();
  REQUIRE(control->send_line("never-read --timeout 60"));
  REQUIRE(starts_with(control->line(), "READY "));
  // Each `report` makes a status line; we read none of them.
  std::string chunk;
  for (int i = 0; i < 4096; ++i) chunk += "report\n";
  const auto start = Clock::now();
  bool cut = false;
  while (Clock::now() - start < scaled(milliseconds(20000))) {
    if (!control->send(chunk, scaled(milliseconds(2000)))) {
      cut = true;
      break;
    }
  }
  INFO("the server went on taking commands for 20 s without its output being read");
  CHECK(cut);
  memory_stays_bounded(before, server->usage());
  control.reset();
  server->good_session();
}

TEST_CASE("serve: end of input ends a session whose command waits for the connection", "[peer][serve]") {
  auto server = Server::start();
  auto control = server->authed();
  REQUIRE(control->send_line("drain --timeout 60"));
  REQUIRE(starts_with(control->line(), "READY "));
  REQUIRE(control->send_line("send 10"));  // waits for a connection that never comes
  const auto start = Clock::now();
  control->shutdown_send();
  const auto lines = control->rest(scaled(milliseconds(5000)));
  REQUIRE_FALSE(lines.empty());
  CHECK(contains(lines.back(), "\"event\":\"result\""));
  CHECK(Clock::now() - start < scaled(milliseconds(5000)));
}

TEST_CASE("stdin: end of input ends a peer whose command waits for the connection", "[peer][serve]") {
  platform::Process peer;
  std::string error;
  const bool started = platform::Process::start({peer_path(), "drain", "--timeout", "60"}, peer, error);
  INFO(error);
  REQUIRE(started);
  std::string line;
  REQUIRE(peer.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
  REQUIRE(starts_with(line, "READY "));
  REQUIRE(peer.write_line("send 10"));
  peer.close_input();
  REQUIRE(peer.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
  CHECK(contains(line, "\"event\":\"result\""));
  CHECK(peer.wait(scaled(milliseconds(5000))).has_value());
}

TEST_CASE("stdin: a line over 4096 bytes ends the input with an error", "[peer][serve]") {
  platform::Process peer;
  std::string error;
  const bool started = platform::Process::start({peer_path(), "drain", "--timeout", "60"}, peer, error);
  INFO(error);
  REQUIRE(started);
  std::string line;
  REQUIRE(peer.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
  REQUIRE(peer.write_line(std::string(8192, 'x')));
  REQUIRE(peer.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
  INFO("the peer's answer: " << line);
  CHECK(contains(line, "longer than 4096 bytes"));
  REQUIRE(peer.read_line(line, scaled(milliseconds(5000))) == platform::Process::Read::line);
  CHECK(contains(line, "\"event\":\"result\""));
}

TEST_CASE("serve: out of descriptors, accept errors are logged at most once a second", "[peer][serve]") {
  if (kSanitized) {
    // Out of descriptors, the sanitizers' runtime fails itself: UBSan's vptr check tests
    // memory through a pipe, cannot, and reports the exception the server catches as a
    // bad object. The build without sanitizers (dev, release) runs this case.
    WARN("skipped: a sanitizer build cannot run out of descriptors");
    return;
  }
  // The server with few descriptors: connections beyond them wait in the backlog while
  // accept fails with EMFILE.
  auto server = Server::start({}, {}, {"/bin/sh", "-c", "ulimit -n 24 && exec \"$@\"", "sh"});
  std::vector<std::unique_ptr<Client>> crowd;
  for (int i = 0; i < 40; ++i) crowd.push_back(std::make_unique<Client>(server->port));
  const auto start = Clock::now();
  std::vector<std::string> accept_errors;
  while (Clock::now() - start < milliseconds(3000)) {
    std::string line;
    if (server->process.read_line(line, milliseconds(100)) == platform::Process::Read::line &&
        contains(line, "accept: ")) {
      accept_errors.push_back(line);
    }
  }
  INFO("accept errors logged in 3 s: " << accept_errors.size()
                                       << (accept_errors.empty() ? "" : "; the first: " + accept_errors.front()));
  CHECK(!accept_errors.empty());
  CHECK(accept_errors.size() <= 4);
  crowd.clear();
  // The connections that waited are taken (and end) once descriptors are free again.
  const auto deadline = Clock::now() + scaled(milliseconds(20000));
  bool got_in = false;
  while (!got_in && Clock::now() < deadline) {
    server->drain_log();
    auto control = server->authed();
    REQUIRE(control->send_line("drain --timeout 10"));
    std::string line;
    if (control->read_line(line) == Client::Read::line && starts_with(line, "READY ")) got_in = true;
  }
  CHECK(got_in);
}
