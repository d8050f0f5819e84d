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

// Writes `size` bytes of the pattern, the first one at stream offset `offset`.
inline void fill(std::uint8_t* out, std::size_t size, std::uint64_t offset) {
  for (std::size_t i = 0; i < size; ++i) out[i] = byte_at(offset + i);
}

// The first byte of `data` (received at stream offset `offset` onwards) that is not the
// pattern's, as its index in `data`; `size` when every byte is.
inline std::size_t first_mismatch(const std::uint8_t* data, std::size_t size, std::uint64_t offset) {
  for (std::size_t i = 0; i < size; ++i)
    if (data[i] != byte_at(offset + i)) return i;
  return size;
}

}  // namespace closesem::pattern
