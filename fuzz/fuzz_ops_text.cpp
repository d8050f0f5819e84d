// SPDX-License-Identifier: MIT
// fuzz_ops_text: the .ops parser and printer, and the binary codecs. The input is .ops
// text (its seeds and its dictionary are text). A text that parses prints canonically,
// re-parses to the same program, and survives text -> op-records -> text (all but the
// expected outcomes, which records do not hold); malformed text is not a finding (it
// must only be refused with a located error). Every byte string is also an input of the
// binary formats (closesem/fuzz_inputs.hpp), so the same bytes go through their
// decoders: the program decodes, prints, re-parses to itself and re-encodes canonically.
#include "closesem/codec.hpp"
#include "closesem/fuzz_inputs.hpp"
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
  require(bytes.size() == program.ops.size() * kRecordSize, "the op-records have the wrong size", text);
  const auto decoded = decode(bytes.data(), bytes.size());
  require(same_program(strip_expectations(program), decoded), "text -> op-records -> text is not the identity", text);
  require(encode(decoded) == bytes, "op-records do not re-encode to the same bytes", text);
}

// A structured format: the program the bytes make is valid text and encodes back to
// bytes that make it again.
void check_structured(InputFormat format, const std::uint8_t* data, std::size_t size) {
  const Program program = decode_input(format, data, size);
  check_program(program, info(format).name);
  std::vector<std::uint8_t> bytes;
  std::string why;
  require(encode_input(format, program, bytes, why), "a decoded program does not encode back", print(program) + why);
  require(same_program(decode_input(format, bytes.data(), bytes.size()), program),
          "a decoded program encodes to bytes that make another", print(program));
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
  // (linger-choices' encoder searches its few thousand scenarios: the unit tests check it)
  check_structured(InputFormat::handle_choices, data, size);
  return 0;
}
