// SPDX-License-Identifier: MIT
// The fuzz targets' binary input formats, each with its own file suffix, so that a file's
// name says how to read it (docs/architecture.md, "Input formats"):
//
//   format           suffix     bytes                                   target
//   op-records       .rec       6 bytes per op (codec.hpp)              fuzz_close_sequences
//   linger-choices   .linger    8-9 choice bytes: one closing scenario  fuzz_linger
//   handle-choices   .handles   3-4 choice bytes per op, up to 40 ops   fuzz_handles
//
// (.ops is the text form, text.hpp; fuzz_asio_close reads .asio text.) Every byte string
// is an input of every format. The structured formats are small choices that the
// target's generator turns into a program through ProgramBuilder; decode_input gives
// that program, so the tool prints any input as .ops (its readable twin), and
// encode_input finds the bytes of a program the generator can make (a script a person
// wrote becomes a seed).
#pragma once

#include "closesem/ops.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace closesem::ops {

enum class InputFormat : std::uint8_t { op_records, linger_choices, handle_choices };

struct InputFormatInfo {
  InputFormat format;
  const char* name;    // "op-records", as the fuzz target manifest names it
  const char* suffix;  // ".rec"
  const char* target;  // the fuzz target that reads it
};

// Every binary input format, in the order above.
const std::vector<InputFormatInfo>& input_formats();
const InputFormatInfo& info(InputFormat format);
// By name ("linger-choices"); nullptr for another name.
const InputFormatInfo* find_input_format(std::string_view name);
// By a file name's suffix ("x/y.linger"); nullptr for another suffix.
const InputFormatInfo* input_format_of(std::string_view path);

// The program an input of `format` makes (what the target runs before shaping).
Program decode_input(InputFormat format, const std::uint8_t* data, std::size_t size);
// Bytes that decode to `program` (expectations aside). False, with the reason in `why`,
// when the format cannot express the program (a linger-choices input is one of a few
// thousand scenarios; handle-choices has a fixed set of ops).
bool encode_input(InputFormat format, const Program& program, std::vector<std::uint8_t>& bytes, std::string& why);

// The input bytes as a stream of small choices (FuzzedDataProvider's idea, portable):
// past the end every choice is 0.
class Choices {
 public:
  Choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return used_ >= size_; }
  unsigned pick(unsigned n) { return n == 0 || empty() ? 0 : data_[used_++] % n; }  // 0..n-1
  bool flip() { return pick(2) == 1; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t used_ = 0;
};

// linger-choices: one connection a-b closed at `a` under one combination of linger
// setting, blocking mode, data sent towards b, data left unread at a, how much b read
// before the close, and a half-close first; then b reads to the end.
struct LingerCase {
  Transport kind = Transport::tcp4;
  bool reversed = false;
  unsigned linger = 0;       // 0 off, 1 {1,0}, 2 {1,1}
  bool nonblocking = false;
  std::uint32_t sent = 0;      // a -> b before the close
  std::uint32_t unread = 0;    // b -> a, left unread at a
  std::uint32_t received = 0;  // what b read before the close
  bool half_close = false;     // a shuts down sending before it closes
};
LingerCase linger_case(const std::uint8_t* data, std::size_t size);
Program linger_program(const LingerCase& scenario);
// "linger {1,0}, non-blocking, 100 bytes sent, 0 unread at the closing end"
std::string describe(const LingerCase& scenario);

}  // namespace closesem::ops
