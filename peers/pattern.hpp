// SPDX-License-Identifier: MIT
// The byte pattern a peer sends (closesem/pattern.hpp, the one definition: byte i of a
// stream is i % 251), and the running check of a received stream: how many bytes,
// whether they follow the pattern, their checksum.
#pragma once

#include "closesem/pattern.hpp"

#include <cstddef>
#include <cstdint>

namespace closesem::peer {

inline std::uint8_t pattern_byte(std::uint64_t offset) { return pattern::byte_at(offset); }

inline void fill_pattern(std::uint8_t* out, std::size_t size, std::uint64_t offset) {
  pattern::fill(out, size, offset);
}

// Counts, checks and hashes (64-bit FNV-1a) the bytes of one incoming stream.
class ReceivedStream {
 public:
  void add(const std::uint8_t* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      if (data[i] != pattern_byte(bytes_ + i)) pattern_ok_ = false;
      checksum_ = (checksum_ ^ data[i]) * kFnvPrime;
    }
    bytes_ += size;
  }

  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t checksum() const { return checksum_; }
  bool pattern_ok() const { return pattern_ok_; }

 private:
  static constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

  std::uint64_t bytes_ = 0;
  std::uint64_t checksum_ = kFnvOffsetBasis;
  bool pattern_ok_ = true;
};

}  // namespace closesem::peer
