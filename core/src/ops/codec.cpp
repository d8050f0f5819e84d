// SPDX-License-Identifier: MIT
// The binary form: one 16-byte little-endian record per op (layout in codec.hpp). Every
// field is read modulo or clamped into its range, so any byte string is a program, and
// a decoded program is canonical: it prints as valid text and encodes back to itself.
#include "closesem/codec.hpp"

#include "ops_internal.hpp"

#include <algorithm>
#include <array>
#include <bitset>

namespace closesem::ops {
namespace {

// Byte offsets within a record.
constexpr std::size_t kOpcode = 0;
constexpr std::size_t kEnds = 1;
constexpr std::size_t kSelector = 2;
constexpr std::size_t kCount = 4;
constexpr std::size_t kFlags = 8;
constexpr std::size_t kValue = 9;
constexpr std::size_t kErrcMask = 12;

constexpr std::uint8_t kReversedBit = 0x40;
constexpr std::uint8_t kOnBit = 0x80;
constexpr std::uint8_t kCountGivenBit = 0x80;
constexpr std::uint8_t kOkFlag = 0x01;
constexpr std::uint8_t kValueFlag = 0x02;

static_assert(static_cast<std::size_t>(Errc::other) <= 32,
              "the failure alternatives (every Errc but ok) must fit the 32-bit mask");

// The failure alternatives' bit order: all_errcs() without Errc::ok.
struct ErrcBits {
  std::vector<Errc> errc_of_bit;
  std::array<int, 64> bit_of_errc{};  // by Errc value; -1: no bit (Errc::ok)
};
static_assert(static_cast<int>(Errc::other) < 64, "bit_of_errc must have room for every Errc");

const ErrcBits& errc_bits() {
  static const ErrcBits bits = [] {
    ErrcBits out;
    out.bit_of_errc.fill(-1);
    std::size_t count = 0;
    const Errc* all = all_errcs(&count);
    for (std::size_t i = 0; i < count; ++i) {
      if (all[i] == Errc::ok) continue;
      out.bit_of_errc[static_cast<std::size_t>(all[i])] = static_cast<int>(out.errc_of_bit.size());
      out.errc_of_bit.push_back(all[i]);
    }
    return out;
  }();
  return bits;
}

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
  detail::canonicalise(op);  // fields the op does not use are written as zeros
  record[kOpcode] = static_cast<std::uint8_t>(op.kind);
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
  }
  put_le(record + kCount, clamp_count(op.count), 4);

  std::uint8_t flags = 0;
  std::uint32_t mask = 0;
  const auto& bits = errc_bits();
  for (const Outcome& outcome : op.expect) {
    if (outcome.type == Outcome::Type::value) {
      flags |= kValueFlag;
      put_le(record + kValue, clamp_count(outcome.value), 3);
    } else if (outcome.type == Outcome::Type::ok || outcome.errc == Errc::ok) {
      flags |= kOkFlag;  // a failure "with" Errc::ok reads as success, as in the text
    } else {
      const auto index = static_cast<std::size_t>(outcome.errc);
      if (index < bits.bit_of_errc.size() && bits.bit_of_errc[index] >= 0)
        mask |= 1u << bits.bit_of_errc[index];
    }
  }
  record[kFlags] = flags;
  put_le(record + kErrcMask, mask, 4);
}

Op decode_op(const std::uint8_t* record) {
  Op op;
  op.kind = static_cast<OpKind>(record[kOpcode] % kOpKinds);
  const std::uint8_t ends = record[kEnds];
  op.endpoint = ends & 7;
  op.other = (ends >> 3) & 7;
  op.reversed = (ends & kReversedBit) != 0;
  op.on = (ends & kOnBit) != 0;
  const std::uint8_t selector = record[kSelector];
  op.socket_kind = static_cast<Kind>(selector % kKinds);
  op.wait_kind = static_cast<WaitKind>((selector & 0x7f) % 3);
  op.count_given = (selector & kCountGivenBit) != 0;
  op.how = selector < 0x80 ? selector : selector - 0x100;  // the int8 the text writes
  op.count = clamp_count(get_le(record + kCount, 4));

  const std::uint8_t flags = record[kFlags];
  const std::uint32_t mask = get_le(record + kErrcMask, 4);
  op.expect.reserve(2 + static_cast<std::size_t>(std::bitset<32>(mask).count()));
  if (flags & kOkFlag) op.expect.push_back({Outcome::Type::ok, 0, Errc::ok});
  if (flags & kValueFlag)
    op.expect.push_back({Outcome::Type::value, clamp_count(get_le(record + kValue, 3)), Errc::ok});
  const auto& errcs = errc_bits().errc_of_bit;
  for (std::size_t i = 0; i < errcs.size(); ++i)
    if (mask & (1u << i)) op.expect.push_back({Outcome::Type::failure, 0, errcs[i]});

  detail::canonicalise(op);
  // Two names for one endpoint cannot be written as text: take the next endpoint.
  if (detail::has_other(op.kind) && op.other == op.endpoint)
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

}  // namespace closesem::ops
