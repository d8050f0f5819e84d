// SPDX-License-Identifier: MIT
// The fuzz targets' binary input formats (fuzz_inputs.hpp). The structured generators
// live here, not in the targets, so that the tool decodes their inputs to .ops twins and
// encodes readable scripts into seeds with the very code the targets run.
#include "closesem/fuzz_inputs.hpp"

#include "closesem/codec.hpp"
#include "closesem/program_builder.hpp"

#include <array>
#include <string>

namespace closesem::ops {
namespace {

constexpr int kA = 0;
constexpr int kB = 1;

// ---- linger-choices ----------------------------------------------------------------

constexpr std::array<std::uint32_t, 5> kLingerSizes{0, 1, 100, 4096, 30000};

// The choices a LingerCase is made of, in the order the bytes give them (every value is
// the index picked, so a byte string is exactly this vector).
struct LingerChoices {
  unsigned kind = 0, reversed = 0, linger = 0, nonblocking = 0, sent = 0;
  unsigned unread_taken = 1;  // 0: data is left unread (its size is the next choice)
  unsigned unread = 0, read_first = 0;
  unsigned half_close = 1;  // 0: a half-close first
};

LingerCase to_case(const LingerChoices& c) {
  LingerCase out;
  out.kind = static_cast<Transport>(c.kind);
  out.reversed = c.reversed == 1;
  out.linger = c.linger;
  out.nonblocking = c.nonblocking == 1;
  out.sent = kLingerSizes[c.sent];
  out.unread = c.unread_taken == 0 ? kLingerSizes[c.unread] : 0;
  if (out.sent > 0 && c.read_first == 1) out.received = out.sent / 2;  // the peer reads part ...
  if (out.sent > 0 && c.read_first == 2) out.received = out.sent;      // ... or all before the close
  out.half_close = c.half_close == 0;
  return out;
}

std::vector<std::uint8_t> to_bytes(const LingerChoices& c) {
  std::vector<std::uint8_t> bytes{static_cast<std::uint8_t>(c.kind), static_cast<std::uint8_t>(c.reversed),
                                  static_cast<std::uint8_t>(c.linger), static_cast<std::uint8_t>(c.nonblocking),
                                  static_cast<std::uint8_t>(c.sent), static_cast<std::uint8_t>(c.unread_taken)};
  if (c.unread_taken == 0) bytes.push_back(static_cast<std::uint8_t>(c.unread));
  bytes.push_back(static_cast<std::uint8_t>(c.read_first));
  bytes.push_back(static_cast<std::uint8_t>(c.half_close));
  return bytes;
}

bool encode_linger(const Program& wanted, std::vector<std::uint8_t>& bytes, std::string& why) {
  // A few thousand scenarios: try each, the shortest bytes first.
  const Program target = strip_expectations(wanted);
  LingerChoices c;
  for (c.kind = 0; c.kind < 3; ++c.kind)
    for (c.reversed = 0; c.reversed < 2; ++c.reversed)
      for (c.linger = 0; c.linger < 3; ++c.linger)
        for (c.nonblocking = 0; c.nonblocking < 2; ++c.nonblocking)
          for (c.sent = 0; c.sent < kLingerSizes.size(); ++c.sent)
            for (unsigned unread = 0; unread <= kLingerSizes.size(); ++unread) {
              c.unread_taken = unread == 0 ? 1 : 0;
              c.unread = unread == 0 ? 0 : unread - 1;
              for (c.read_first = 0; c.read_first < 3; ++c.read_first)
                for (const unsigned half_close : {1u, 0u}) {  // without, then with
                  c.half_close = half_close;
                  if (same_program(linger_program(to_case(c)), target)) {
                    bytes = to_bytes(c);
                    return true;
                  }
                }
            }
  why = "not one of fuzz_linger's scenarios (pair, nonblocking, linger, unread data, send, recv, shutdown "
        "send, close, then b reads to the end; see core/src/ops/fuzz_inputs.cpp)";
  return false;
}

// ---- handle-choices ----------------------------------------------------------------

// An op is [X, Y - X - 1 (mod 8), shape, detail]: the shape picks what is done; the
// detail (a socket kind, a use, a flip) follows where the shape has one.
enum Shape : unsigned { kSocket, kPair, kDup, kClose, kClose2, kUse, kLifecycle, kConnection, kShapes };
constexpr int kMaxHandleOps = 40;
constexpr unsigned kUses = 9;

// What a use does to X: one op each (use 5, close, is also shape 3).
void add_use(ProgramBuilder& b, int x, unsigned use) {
  switch (use) {
    case 0: b.send(x, 1); break;
    case 1: b.recv(x, 1); break;
    case 2: b.error(x); break;
    case 3: b.pending(x); break;
    case 4: b.shutdown(x, How::both); break;
    case 5: b.close(x); break;
    case 6: b.linger_on(x, 0); break;
    case 7: b.nonblocking(x, true); break;
    default: b.wait(x, WaitKind::readable, 0); break;
  }
}

Program handle_program(const std::uint8_t* data, std::size_t size) {
  Choices in(data, size);
  ProgramBuilder b;
  for (int op = 0; op < kMaxHandleOps && !in.empty(); ++op) {
    const int x = static_cast<int>(in.pick(8));
    const int y = static_cast<int>((static_cast<unsigned>(x) + 1 + in.pick(7)) % 8);
    switch (in.pick(kShapes)) {
      case kSocket: b.socket(x, static_cast<Transport>(in.pick(static_cast<unsigned>(kKinds)))); break;
      case kPair: b.pair(static_cast<Transport>(in.pick(static_cast<unsigned>(kKinds))), x, y); break;
      case kDup: b.dup(x, y); break;
      case kClose:
      case kClose2: b.close(x); break;
      case kUse: add_use(b, x, in.pick(kUses)); break;
      case kLifecycle: in.flip() ? b.startup() : b.cleanup(); break;
      default: in.flip() ? b.listen(x) : b.connect(x, y); break;
    }
  }
  // Ops on endpoints never made, or pairs over live ones, are left out by the runner.
  return b.take();
}

// The bytes of one op, or empty when handle-choices has no such op.
std::vector<std::uint8_t> handle_op_bytes(const Op& op) {
  const auto x = static_cast<std::uint8_t>(op.endpoint);
  const auto y_pick = static_cast<std::uint8_t>((op.other - op.endpoint - 1 + 2 * kEndpoints) % kEndpoints);
  const auto kind = static_cast<std::uint8_t>(op.socket_kind);
  // The op a use makes, compared with `op` as a whole.
  for (unsigned use = 0; use < kUses; ++use) {
    if (use == 5) continue;  // close: shape 3
    ProgramBuilder b;
    add_use(b, op.endpoint, use);
    if (same_op(b.program().ops[0], op)) return {x, 0, kUse, static_cast<std::uint8_t>(use)};
  }
  switch (op.kind) {
    case OpKind::socket: return {x, 0, kSocket, kind};
    case OpKind::pair:
      if (op.reversed) return {};
      return {x, y_pick, kPair, kind};
    case OpKind::dup: return {x, y_pick, kDup};
    case OpKind::close: return {x, 0, kClose};
    case OpKind::startup: return {0, 0, kLifecycle, 1};
    case OpKind::cleanup: return {0, 0, kLifecycle, 0};
    case OpKind::listen: return {x, 0, kConnection, 1};
    case OpKind::connect: return {x, y_pick, kConnection, 0};
    default: return {};
  }
}

bool encode_handles(const Program& wanted, std::vector<std::uint8_t>& bytes, std::string& why) {
  if (wanted.ops.size() > static_cast<std::size_t>(kMaxHandleOps)) {
    why = "more than " + std::to_string(kMaxHandleOps) + " ops (fuzz_handles makes at most that many)";
    return false;
  }
  bytes.clear();
  for (std::size_t i = 0; i < wanted.ops.size(); ++i) {
    const auto op_bytes = handle_op_bytes(wanted.ops[i]);
    if (op_bytes.empty()) {
      Op op = wanted.ops[i];
      op.expect.clear();
      why = "op " + std::to_string(i + 1) + " is not one fuzz_handles makes (socket, pair without reversed, dup, "
            "close, listen, connect, startup, cleanup, send 1, recv 1, error, pending, shutdown both, linger on 0, "
            "nonblocking on, wait readable 0)";
      return false;
    }
    bytes.insert(bytes.end(), op_bytes.begin(), op_bytes.end());
  }
  return true;
}

const std::vector<InputFormatInfo> kFormats{
    {InputFormat::op_records, "op-records", ".rec", "fuzz_close_sequences"},
    {InputFormat::linger_choices, "linger-choices", ".linger", "fuzz_linger"},
    {InputFormat::handle_choices, "handle-choices", ".handles", "fuzz_handles"},
};

}  // namespace

const std::vector<InputFormatInfo>& input_formats() { return kFormats; }

const InputFormatInfo& info(InputFormat format) { return kFormats[static_cast<std::size_t>(format)]; }

const InputFormatInfo* find_input_format(std::string_view name) {
  for (const auto& format : kFormats)
    if (name == format.name) return &format;
  return nullptr;
}

const InputFormatInfo* input_format_of(std::string_view path) {
  for (const auto& format : kFormats) {
    const std::string_view suffix = format.suffix;
    if (path.size() > suffix.size() && path.substr(path.size() - suffix.size()) == suffix) return &format;
  }
  return nullptr;
}

Program decode_input(InputFormat format, const std::uint8_t* data, std::size_t size) {
  switch (format) {
    case InputFormat::linger_choices: return linger_program(linger_case(data, size));
    case InputFormat::handle_choices: return handle_program(data, size);
    default: return decode(data, size);
  }
}

bool encode_input(InputFormat format, const Program& program, std::vector<std::uint8_t>& bytes, std::string& why) {
  switch (format) {
    case InputFormat::linger_choices: return encode_linger(program, bytes, why);
    case InputFormat::handle_choices: return encode_handles(program, bytes, why);
    default:
      if (program.ops.size() > kMaxOps) {
        why = "more than " + std::to_string(kMaxOps) + " ops";
        return false;
      }
      bytes = encode(program);
      return true;
  }
}

LingerCase linger_case(const std::uint8_t* data, std::size_t size) {
  Choices in(data, size);
  LingerChoices c;
  c.kind = in.pick(static_cast<unsigned>(kKinds));
  c.reversed = in.pick(2);
  c.linger = in.pick(3);
  c.nonblocking = in.pick(2);
  c.sent = in.pick(static_cast<unsigned>(kLingerSizes.size()));
  c.unread_taken = in.pick(3);
  if (c.unread_taken == 0) c.unread = in.pick(static_cast<unsigned>(kLingerSizes.size()));
  c.read_first = in.pick(3);
  c.half_close = in.pick(4);
  return to_case(c);
}

Program linger_program(const LingerCase& s) {
  ProgramBuilder b;
  b.pair(s.kind, kA, kB, s.reversed);
  if (s.nonblocking) b.nonblocking(kA, true);
  if (s.linger == 1) b.linger_on(kA, 0);
  if (s.linger == 2) b.linger_on(kA, 1);
  if (s.unread > 0) b.send(kB, s.unread).wait(kA, WaitKind::readable);
  if (s.sent > 0) b.send(kA, s.sent);
  if (s.received > 0) b.recv(kB, s.received);
  if (s.half_close) b.shutdown(kA, How::send);
  b.close(kA);
  // The peer reads to the end: everything left, then the end of the stream, twice.
  b.recv(kB, 65536).recv(kB, 65536).recv(kB, 65536).error(kB);
  return b.take();
}

std::string describe(const LingerCase& s) {
  return std::string(s.linger == 0 ? "linger off" : s.linger == 1 ? "linger {1,0}" : "linger {1,1}") +
         (s.nonblocking ? ", non-blocking" : "") + ", " + std::to_string(s.sent) + " bytes sent, " +
         std::to_string(s.unread) + " unread at the closing end";
}

}  // namespace closesem::ops
