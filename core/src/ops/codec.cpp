// SPDX-License-Identifier: MIT
// op-records: one 6-byte little-endian record per op (layout in codec.hpp). Every field
// is read modulo or clamped into its range, so any byte string is a program, and a
// decoded program is canonical: it prints as valid text and encodes back to itself.
#include "closesem/codec.hpp"

#include "ops_internal.hpp"

#include <algorithm>

namespace closesem::ops {
namespace {

// Byte offsets within a record.
constexpr std::size_t kOpcode = 0;
constexpr std::size_t kEnds = 1;
constexpr std::size_t kSelector = 2;
constexpr std::size_t kCount = 3;
constexpr std::size_t kCountBytes = 3;
static_assert(kCount + kCountBytes == kRecordSize, "the fields fill the record");

constexpr std::uint8_t kInvalidHandleBit = 0x80;  // opcode
constexpr std::uint8_t kKindBits = 0x7f;          // opcode
constexpr std::uint8_t kReversedBit = 0x40;       // ends
constexpr std::uint8_t kOnBit = 0x80;             // ends
constexpr std::uint8_t kCountGivenBit = 0x80;     // selector
constexpr std::uint8_t kEdgeBit = 0x01;           // selector (epoll)
// start: bits 0-1 mechanism, 2-3 call, 4-5 slot (collect, cancel: the slot alone).
constexpr int kCallShift = 2;
constexpr int kSlotShift = 4;
static_assert(kMechanisms == 4 && kPendingCalls == 4 && kPendingSlots == 4, "each has two bits in the selector");
// Every v2 opcode (below kOpKinds then: 17) reads as before; the seventh bit leaves room.
static_assert(kOpKinds <= kKindBits + 1, "the op kind has seven bits");

void put_le(std::uint8_t* at, std::uint32_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) at[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t get_le(const std::uint8_t* at, std::size_t bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) value |= static_cast<std::uint32_t>(at[i]) << (8 * i);
  return value;
}

std::uint32_t clamp_count(std::int64_t value) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(value, 0, kMaxCount));
}

void encode_op(Op op, std::uint8_t* record) {
  op.expect.clear();
  detail::canonicalise(op);  // fields the op does not use are written as zeros
  record[kOpcode] =
      static_cast<std::uint8_t>(static_cast<std::uint8_t>(op.kind) | (op.invalid_handle ? kInvalidHandleBit : 0));
  record[kEnds] =
      static_cast<std::uint8_t>((op.endpoint & 7) | ((op.other & 7) << 3) |
                                (op.reversed ? kReversedBit : 0) | (op.on ? kOnBit : 0));
  if (detail::has_socket_kind(op.kind)) {
    record[kSelector] = static_cast<std::uint8_t>(op.socket_kind);
  } else if (op.kind == OpKind::wait) {
    record[kSelector] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(op.wait_kind) |
                                                  (op.count_given ? kCountGivenBit : 0));
  } else if (op.kind == OpKind::shutdown) {
    record[kSelector] = static_cast<std::uint8_t>(op.how & 0xff);  // the int8's bits
  } else if (op.kind == OpKind::start) {
    record[kSelector] = static_cast<std::uint8_t>(static_cast<unsigned>(op.mechanism) |
                                                  (static_cast<unsigned>(op.call) << kCallShift) |
                                                  (static_cast<unsigned>(op.slot & 3) << kSlotShift));
  } else if (op.kind == OpKind::collect || op.kind == OpKind::cancel) {
    record[kSelector] = static_cast<std::uint8_t>(((op.slot & 3) << kSlotShift) | (op.count_given ? kCountGivenBit : 0));
  } else if (detail::has_optional_ms(op.kind)) {  // poll, epoll, select, events
    record[kSelector] =
        static_cast<std::uint8_t>((op.edge ? kEdgeBit : 0) | (op.count_given ? kCountGivenBit : 0));
  }
  put_le(record + kCount, clamp_count(op.count), kCountBytes);
}

Op decode_op(const std::uint8_t* record) {
  Op op;
  op.kind = static_cast<OpKind>((record[kOpcode] & kKindBits) % kOpKinds);
  op.invalid_handle = (record[kOpcode] & kInvalidHandleBit) != 0;  // canonicalise keeps it where allowed
  const std::uint8_t ends = record[kEnds];
  op.endpoint = ends & 7;
  op.other = (ends >> 3) & 7;
  op.reversed = (ends & kReversedBit) != 0;
  op.on = (ends & kOnBit) != 0;
  const std::uint8_t selector = record[kSelector];
  op.socket_kind = static_cast<Transport>(selector % kKinds);
  op.wait_kind = static_cast<WaitKind>((selector & 0x7f) % 3);
  op.count_given = (selector & kCountGivenBit) != 0;
  op.how = selector < 0x80 ? selector : selector - 0x100;  // the int8 the text writes
  op.mechanism = static_cast<Mechanism>(selector & 3);
  op.call = static_cast<PendingCall>((selector >> kCallShift) & 3);
  op.slot = (selector >> kSlotShift) & 3;
  op.edge = (selector & kEdgeBit) != 0;
  op.count = clamp_count(get_le(record + kCount, kCountBytes));
  detail::canonicalise(op);
  // Two names for one endpoint cannot be written as text: take the next endpoint.
  if (detail::has_other(op) && op.other == op.endpoint)
    op.other = (op.endpoint + 1) % kEndpoints;
  return op;
}

}  // namespace

std::vector<std::uint8_t> encode(const Program& program) {
  const std::size_t count = std::min(program.ops.size(), kMaxOps);
  std::vector<std::uint8_t> bytes(count * kRecordSize, 0);
  for (std::size_t i = 0; i < count; ++i) encode_op(program.ops[i], bytes.data() + i * kRecordSize);
  return bytes;
}

Program decode(const std::uint8_t* data, std::size_t size) {
  Program program;
  const std::size_t count = std::min(size / kRecordSize, kMaxOps);
  program.ops.reserve(count);
  for (std::size_t i = 0; i < count; ++i) program.ops.push_back(decode_op(data + i * kRecordSize));
  return program;
}

Program strip_expectations(Program program) {
  for (auto& op : program.ops) op.expect.clear();
  return program;
}

}  // namespace closesem::ops
