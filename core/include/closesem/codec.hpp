// SPDX-License-Identifier: MIT
// The binary form of a program (fuzz inputs): fixed-width records, so that every byte
// string decodes to a valid program within bounded limits (at most kMaxOps ops, counts
// at most kMaxCount). decode(encode(p)) == p for every program the text form accepts,
// and encode(decode(bytes)) is canonical: decoding it again gives the same program.
//
// One record per op, 16 bytes, little endian:
//
//   byte   field       meaning
//   0      opcode      OpKind, read modulo kOpKinds
//   1      ends        bits 0-2 endpoint X, bits 3-5 other Y, bit 6 reversed (pair),
//                      bit 7 on (linger, nonblocking)
//   2      selector    pair/socket: Kind modulo kKinds; wait: WaitKind in bits 0-6
//                      modulo 3, bit 7 set when MS was written; shutdown: `how` as int8
//   3      reserved    written 0, ignored
//   4-7    count       uint32: bytes, linger seconds, wait ms; clamped to kMaxCount
//   8      flags       bit 0: the `ok` alternative; bit 1: the value alternative
//   9-11   value       24-bit return value of the value alternative; clamped to kMaxCount
//   12-15  errors      uint32 mask: bit i is the i-th Errc of all_errcs() without
//                      Errc::ok (bad_handle is bit 0); bits past the last are ignored
//
// Decoding resets what an op's kind does not use to the Op defaults and, where X and Y
// would name the same endpoint, makes Y the next one ((X + 1) % 8), so every decoded
// program prints as text that parses back to it. Records past kMaxOps are ignored, and
// encode() writes at most kMaxOps.
#pragma once

#include "closesem/ops.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace closesem::ops {

inline constexpr std::size_t kRecordSize = 16;

std::vector<std::uint8_t> encode(const Program& program);
// A trailing partial record is ignored; fields an op does not use are ignored.
Program decode(const std::uint8_t* data, std::size_t size);

}  // namespace closesem::ops
