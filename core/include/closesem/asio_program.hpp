// SPDX-License-Identifier: MIT
// The asio model's program (closesem/asio_model.hpp): a few lines of text (the seeds
// and findings of fuzz_asio_close are this text), each one step at one end of an asio
// TCP pair (a, b), at the pair's listener, or at the io_context:
//
//   threads 0|2               first line only: who runs the io_context (0: the program)
//   a read N                  async_read_some of up to N bytes (one pending per end)
//   a write N                 async_write_some of N pattern bytes (one pending per end)
//   a wait read|write|error   async_wait
//   a close | cancel | destroy | release
//   a shutdown send|receive|both
//   a linger on|off           SO_LINGER {1,0} or off, through set_option
//   run | run_one | stop | restart      poll(), run_one_for(1 ms), stop(), restart()
//   accept | connect          async_accept on the listener / async_connect to it
//   listener close|cancel
//
// '#' starts a comment. A line that does not parse is an error with its line number.
// Data only: no asio and no socket header (the asio layer runs it, asio_runner.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace closesem::asio_program {

enum class StepKind {
  read, write, wait, close, cancel, destroy, release, shutdown, linger,
  run, run_one, stop, restart, accept, connect, listener_close, listener_cancel,
};

struct Step {
  StepKind kind = StepKind::run;
  int end = 0;          // 0: a, 1: b
  std::uint32_t size = 0;  // read, write
  int what = 0;         // wait: 0 read, 1 write, 2 error; shutdown: 0 receive, 1 send, 2 both; linger: 1 on
  std::string text;     // the line as written (canonical)
};

struct Program {
  unsigned threads = 0;
  std::vector<Step> steps;
};

// Parses the text; false with "line N: what is wrong" on bad input.
bool parse(const std::string& text, Program& out, std::string& error);
// The canonical text of a program (parse(print(p)) gives p back).
std::string print(const Program& program);
// Random bytes as a program (never fails): the first byte picks the threads, then two
// bytes per step.
Program from_bytes(const std::uint8_t* data, std::size_t size, std::size_t max_steps);

}  // namespace closesem::asio_program
