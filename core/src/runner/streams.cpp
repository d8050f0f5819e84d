// SPDX-License-Identifier: MIT
// The payload streams of a run (closesem/runner.hpp Streams): every send writes the
// pattern from its socket's send offset, every byte received is checked at its socket's
// receive offset.
#include "closesem/runner.hpp"

#include "closesem/ops.hpp"
#include "closesem/pattern.hpp"

#include <algorithm>

namespace closesem::runner {

int Streams::open() {
  streams_.emplace_back();
  return static_cast<int>(streams_.size()) - 1;
}

const Streams::Stream* Streams::find(int id) const {
  return id >= 0 && static_cast<std::size_t>(id) < streams_.size() ? &streams_[static_cast<std::size_t>(id)] : nullptr;
}

std::uint64_t Streams::send_offset(int id) const { return find(id) != nullptr ? find(id)->sent : 0; }

std::uint64_t Streams::receive_offset(int id) const { return find(id) != nullptr ? find(id)->received : 0; }

std::vector<std::uint8_t> Streams::to_send(int id, std::size_t size) const {
  const auto* bytes = bytes_to_send(id, size);
  return std::vector<std::uint8_t>(bytes, bytes + size);
}

const std::uint8_t* Streams::bytes_to_send(int id, std::size_t size) const {
  // The pattern repeats every kModulus bytes: any send is a window of one buffer that
  // starts at its offset modulo kModulus (perf: filling a fresh buffer per send cost 4%
  // of the fuzz target's time). Every send an op can make fits the process's table, which
  // is never freed, so that a pending send needs no copy of its up to 1 MiB (perf: the
  // copy was 5% of fuzz_close_sequences) and a call left behind never reads freed memory.
  static const std::uint8_t* const table = [] {
    const auto length = static_cast<std::size_t>(ops::kMaxCount) + static_cast<std::size_t>(pattern::kModulus);
    auto* made = new std::uint8_t[length];
    pattern::fill(made, length, 0);
    return made;
  }();
  if (size <= ops::kMaxCount) return table + send_offset(id) % pattern::kModulus;
  thread_local std::vector<std::uint8_t> periods;
  const auto needed = size + static_cast<std::size_t>(pattern::kModulus);
  if (periods.size() < needed) {
    periods.resize(std::max(needed, 2 * periods.size()));
    pattern::fill(periods.data(), periods.size(), 0);
  }
  return periods.data() + send_offset(id) % pattern::kModulus;
}

void Streams::sent(int id, std::uint64_t bytes) {
  if (find(id) != nullptr) streams_[static_cast<std::size_t>(id)].sent += bytes;
}

void Streams::take_back(int id, std::uint64_t bytes) {
  if (find(id) != nullptr) {
    auto& stream = streams_[static_cast<std::size_t>(id)];
    stream.sent -= std::min(stream.sent, bytes);
  }
}

std::string Streams::received(int id, const std::uint8_t* data, std::size_t size) {
  if (find(id) == nullptr) return "";
  auto& stream = streams_[static_cast<std::size_t>(id)];
  const auto offset = stream.received;
  stream.received += size;
  if (stream.off) return "";
  const auto at = pattern::first_mismatch(data, size, offset);
  if (at == size) return "";
  stream.off = true;
  return "received byte " + std::to_string(data[at]) + " at stream offset " + std::to_string(offset + at) +
         ", where the pattern has " + std::to_string(pattern::byte_at(offset + at)) + " (" +
         std::to_string(size) + " bytes from offset " + std::to_string(offset) + ")";
}

}  // namespace closesem::runner
