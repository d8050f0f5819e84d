// SPDX-License-Identifier: MIT
#include "token.hpp"

#include "options.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <system_error>
#include <fstream>
#include <stdexcept>

#if defined(_WIN32)
#include <windows.h>
// (after windows.h, which it needs)
#include <bcrypt.h>
#endif  // defined(_WIN32)

namespace closesem::peer {
namespace {

constexpr std::size_t kRandomBytes = 16;  // 128 bits

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void fill_random(unsigned char* data, std::size_t size) {
#if defined(_WIN32)
  // The system's preferred generator (the OS's CSPRNG); std::random_device is not
  // guaranteed to be one with mingw.
  const auto status =
      BCryptGenRandom(nullptr, data, static_cast<ULONG>(size), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  if (status < 0) throw std::runtime_error("BCryptGenRandom failed (NTSTATUS " + std::to_string(status) + ")");
#else   // defined(_WIN32)
  std::FILE* source = std::fopen("/dev/urandom", "rb");
  if (source == nullptr) throw std::runtime_error("cannot open /dev/urandom");
  const auto got = std::fread(data, 1, size, source);
  std::fclose(source);
  if (got != size) throw std::runtime_error("short read from /dev/urandom");
#endif  // defined(_WIN32)
}

}  // namespace

std::string checked_token(std::string_view text, const std::string& source) {
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  if (text.empty()) throw UsageError(source + ": the token is empty");
  for (const char c : text) {
    if (c <= ' ' || c > '~') {
      throw UsageError(source + ": the token must be one word of printable ASCII characters (no spaces)");
    }
  }
  if (text.size() < kMinTokenChars) {
    throw UsageError(source + ": the token has " + std::to_string(text.size()) + " characters, at least " +
                     std::to_string(kMinTokenChars) +
                     " are needed (make one: od -An -tx1 -N16 /dev/urandom | tr -d ' \\n')");
  }
  if (text.size() > kMaxTokenChars) {
    throw UsageError(source + ": the token has " + std::to_string(text.size()) + " characters, at most " +
                     std::to_string(kMaxTokenChars));
  }
  return std::string{text};
}

std::string token_from_file(const std::string& path) {
  const std::string source = "--token-file " + path;
  std::ifstream file{path, std::ios::binary};
  if (!file) throw UsageError(source + ": cannot open the file");
  std::string line;
  std::getline(file, line);
  if (file.bad()) throw UsageError(source + ": cannot read the file");
  return checked_token(line, source);
}

std::string random_token() {
  unsigned char bytes[kRandomBytes];
  fill_random(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (const unsigned char byte : bytes) {
    text += kHex[byte >> 4];
    text += kHex[byte & 0x0f];
  }
  return text;
}

bool same_token(std::string_view offered, std::string_view expected) {
  // Every byte of `expected` is looked at, whatever matched before; the length
  // difference is folded in rather than returned early.
  volatile std::uint8_t difference = offered.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto other = i < offered.size() ? static_cast<std::uint8_t>(offered[i]) : std::uint8_t{0};
    difference = static_cast<std::uint8_t>(difference | (other ^ static_cast<std::uint8_t>(expected[i])));
  }
  return difference == 0;
}

void write_token_file(const std::string& path, const std::string& token) {
  namespace fs = std::filesystem;
  const fs::path target{path};
  fs::path tmp = target;
  tmp += ".tmp-" + std::to_string(std::random_device{}());
  const auto fail = [&tmp](const std::string& what, const std::error_code& ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error("--token-out: " + what + (ec ? ": " + ec.message() : std::string{}));
  };
  {
    std::ofstream create{tmp, std::ios::binary | std::ios::trunc};
    if (!create) fail("cannot create " + tmp.string(), {});
  }
  std::error_code ec;
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  if (ec) fail("cannot make " + tmp.string() + " readable by its owner only", ec);
  {
    std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
    out << token << '\n';
    out.flush();
    if (!out) fail("cannot write " + tmp.string(), {});
  }
  fs::rename(tmp, target, ec);
  if (ec) fail("cannot rename " + tmp.string() + " to " + path, ec);
}

}  // namespace closesem::peer
