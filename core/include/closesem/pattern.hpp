// SPDX-License-Identifier: MIT
// The payload pattern, defined once: byte i of every stream the suite sends is i % 251.
// Whoever sends writes it from the stream offset of the first byte, and whoever
// receives checks each byte against it at that byte's offset: the runner (op
// programs), the conformance fixtures and the reference peer (peers/pattern.hpp), so a
// byte lost, repeated or reordered anywhere between them shows. Header only, with no
// dependencies: the peer, which uses none of the core's code, shares only this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace closesem::pattern {

// 251 is prime, so the pattern never lines up with power-of-two buffer sizes: a lost,
// repeated or reordered block breaks it.
constexpr std::uint64_t kModulus = 251;

// Byte `offset` of stream `stream`. Every socket stream is stream 0; a checker that
// must tell two directions apart (the asio model: a read that got the bytes its own end
// wrote) gives each writer its own number, which shifts the pattern by 101 per stream.
constexpr std::uint8_t byte_at(std::uint64_t offset, unsigned stream = 0) {
  return static_cast<std::uint8_t>((offset + 101u * stream) % kModulus);
}

// Writes `size` bytes of the pattern, the first one at stream offset `offset`. One
// period is written byte by byte, then copied forward: the pattern repeats every
// kModulus bytes, and a byte-wise modulo over a pending send of a megabyte was the
// fuzz target's largest cost (perf, issue 17).
inline void fill(std::uint8_t* out, std::size_t size, std::uint64_t offset) {
  const std::size_t head = size < kModulus ? size : static_cast<std::size_t>(kModulus);
  std::uint8_t value = byte_at(offset);
  for (std::size_t i = 0; i < head; ++i) {
    out[i] = value;
    value = value + 1 == kModulus ? 0 : static_cast<std::uint8_t>(value + 1);
  }
  // Doubling copies of whole periods (the regions never overlap).
  for (std::size_t done = head; done < size;) {
    const std::size_t whole = done - done % kModulus;  // whole periods written so far
    const std::size_t chunk = whole < size - done ? whole : size - done;
    std::memcpy(out + done, out, chunk);
    done += chunk;
  }
}

// The first byte of `data` (received at stream offset `offset` onwards) that is not the
// pattern's, as its index in `data`; `size` when every byte is.
inline std::size_t first_mismatch(const std::uint8_t* data, std::size_t size, std::uint64_t offset) {
  std::uint8_t value = byte_at(offset);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] != value) return i;
    value = value + 1 == kModulus ? 0 : static_cast<std::uint8_t>(value + 1);
  }
  return size;
}

}  // namespace closesem::pattern
