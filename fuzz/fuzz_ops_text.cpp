// SPDX-License-Identifier: MIT
// fuzz_ops_text: the .ops parser, the printer and the binary codec. Any input is tried
// as text and as binary. A text that parses prints canonically, re-parses to the same
// program, and survives text -> binary -> text; any bytes decode to a program that
// prints, re-parses to itself and re-encodes canonically. Malformed text is not a
// finding (it must only be refused with a located error).
#include "closesem/codec.hpp"
#include "closesem/text.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace closesem::ops;

void require(bool held, const char* what, const std::string& program) {
  if (held) return;
  std::fprintf(stderr, "fuzz_ops_text: %s\nprogram:\n%s\n", what, program.c_str());
  std::abort();
}

void check_program(const Program& program, const char* origin) {
  const auto text = print(program);
  Program again;
  ParseError error;
  require(parse(text, origin, again, error), "the printed program does not parse", text + "\n" + error.describe());
  require(same_program(program, again), "the printed program parses to another program", text);
  require(print(again) == text, "printing is not canonical", text);
  const auto bytes = encode(program);
  require(bytes.size() == program.ops.size() * kRecordSize, "the binary form has the wrong size", text);
  const auto decoded = decode(bytes.data(), bytes.size());
  require(same_program(program, decoded), "text -> binary -> text is not the identity", text);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Program program;
  ParseError error;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (parse(text, "input", program, error)) {
    check_program(program, "printed");
  } else {
    require(error.line >= 1 && error.column >= 1 && !error.message.empty(), "a parse error without a location",
            std::string(text.substr(0, 200)));
  }
  check_program(decode(data, size), "decoded");
  return 0;
}
