// SPDX-License-Identifier: MIT
// op-records: the binary form of a program, what the socket fuzz targets read
// (fuzz_close_sequences; `.rec` files). Fixed-width records, so that every byte string
// decodes to a valid program within bounded limits (at most kMaxOps ops, counts at most
// kMaxCount), and a record holds only what the socket targets use: an op's expected
// outcomes (`->`) are not part of it (the targets let the model decide every outcome;
// a script's expectations live in its text).
// decode(encode(p)) == strip_expectations(p) for every program the text form accepts,
// and encode(decode(bytes)) is canonical: decoding it again gives the same program.
//
// One record per op, 6 bytes, little endian (op-records v3; v2 had no bit 7 in the
// opcode and 17 op kinds, and every v2 record with an opcode below 17 reads the same in
// v3; v1, until 2026-11, was 16 bytes, 9 of them the expectation fields no socket
// target read):
//
//   byte   field       meaning
//   0      opcode      bits 0-6: OpKind, read modulo kOpKinds; bit 7: X is the invalid
//                      handle (`invalid`; kept only for ops that allow it, X is then a)
//   1      ends        bits 0-2 endpoint X, bits 3-5 other Y (also start accept/connect's),
//                      bit 6 reversed (pair), bit 7 on (linger, nonblocking)
//   2      selector    pair/socket: Transport modulo kKinds; wait: WaitKind in bits 0-6
//                      modulo 3, bit 7 set when MS was written; shutdown: `how` as int8;
//                      start: bits 0-1 Mechanism, bits 2-3 PendingCall, bits 4-5 slot;
//                      collect: bits 4-5 slot, bit 7 MS written; cancel: bits 4-5 slot;
//                      poll/select/events: bit 7 MS written; epoll: bit 0 edge, bit 7 MS
//   3-5    count       uint24: bytes (send, recv, start recv/send), linger seconds, MS of
//                      wait/collect/poll/epoll/select/events; clamped to kMaxCount
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

inline constexpr std::size_t kRecordSize = 6;
static_assert(kMaxCount < (1u << 24), "the count field has 24 bits");

// The socket targets' input bytes for `program` (its expectations are not written).
std::vector<std::uint8_t> encode(const Program& program);
// A trailing partial record is ignored; fields an op does not use are ignored.
Program decode(const std::uint8_t* data, std::size_t size);

// The program without its ops' expected outcomes: what its records keep.
Program strip_expectations(Program program);

}  // namespace closesem::ops
