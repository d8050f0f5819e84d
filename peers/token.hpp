// SPDX-License-Identifier: MIT
// The control server's shared secret: where it comes from (a file, the environment, or
// the OS's random source), how it is checked, and how a client's copy is compared.
#pragma once

#include <string>
#include <string_view>

namespace closesem::peer {

// Fewest characters a given token may have: 16 random bytes as hex are 32.
constexpr std::size_t kMinTokenChars = 16;
constexpr std::size_t kMaxTokenChars = 1024;

// The token in `text` (surrounding blanks and line ends removed), checked: at least
// kMinTokenChars printable ASCII characters, no spaces. Throws UsageError naming
// `source` ("--token-file /x", "CLOSESEM_PEER_TOKEN") when it is not fit.
std::string checked_token(std::string_view text, const std::string& source);

// The first line of FILE as a token (checked_token); UsageError when it cannot be read.
std::string token_from_file(const std::string& path);

// 16 bytes from the OS's random source (/dev/urandom; BCryptGenRandom on Windows) as 32
// lowercase hex digits. Throws std::runtime_error when the source fails.
std::string random_token();

// Writes `token` and a line end to `path`, readable by its owner only: a temporary file
// beside it is made and narrowed to mode 0600 while still empty, then filled and renamed
// over `path`, so the token is never in a file others can read. Throws
// std::runtime_error naming the step that failed.
void write_token_file(const std::string& path, const std::string& token);

// Whether `offered` is `expected`, in time that depends on the length of `expected`
// only, not on where the first difference is.
bool same_token(std::string_view offered, std::string_view expected);

}  // namespace closesem::peer
