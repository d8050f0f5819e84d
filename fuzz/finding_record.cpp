// SPDX-License-Identifier: MIT
#include "finding_record.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace closesem::fuzz {
namespace {

const std::uint8_t* g_data = nullptr;
std::size_t g_size = 0;
bool g_have_input = false;
bool g_recorded = false;

std::string escaped(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char code[8];
          std::snprintf(code, sizeof(code), "\\u%04x", c);
          out += code;
        } else {
          out += ch;  // (UTF-8 passes as it is; program text is ASCII)
        }
    }
  }
  return out;
}

std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

}  // namespace

void set_current_input(const std::uint8_t* data, std::size_t size) {
  g_data = data;
  g_size = size;
  g_have_input = true;
}

std::string sha1_hex(const std::uint8_t* data, std::size_t size) {
  std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  // The message, padded: 0x80, zeros, the length in bits (big endian) to a multiple of 64.
  std::string message(reinterpret_cast<const char*>(data), size);
  message += '\x80';
  while (message.size() % 64 != 56) message += '\0';
  const std::uint64_t bits = static_cast<std::uint64_t>(size) * 8;
  for (int i = 7; i >= 0; --i) message += static_cast<char>((bits >> (8 * i)) & 0xff);
  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(message.data() + block + 4 * static_cast<std::size_t>(i));
      w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    }
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999u;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1u;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDCu;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6u;
      }
      const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  char hex[41];
  for (int i = 0; i < 5; ++i) std::snprintf(hex + 8 * i, 9, "%08x", h[i]);
  return std::string(hex, 40);
}

std::string finding_record_json(const FindingRecord& r) {
  return "{\n  \"target\": \"" + escaped(r.target) + "\",\n  \"kind\": \"" + escaped(r.kind) +
         "\",\n  \"signature\": \"" + escaped(r.signature) + "\",\n  \"what\": \"" + escaped(r.what) +
         "\",\n  \"platform\": \"" + escaped(r.platform) + "\",\n  \"profile\": \"" + escaped(r.profile) +
         "\",\n  \"program\": \"" + escaped(r.program) + "\",\n  \"step\": " + std::to_string(r.step) + "\n}\n";
}

namespace {
std::uint64_t g_reported = 0;
}  // namespace

std::uint64_t findings_reported() { return g_reported; }

void write_finding_record(const FindingRecord& record) {
  ++g_reported;
  if (g_recorded) return;
  std::string path;
  if (const char* file = std::getenv("CLOSESEM_FINDING_JSON"); file != nullptr && *file != '\0') {
    path = file;
  } else if (const char* dir = std::getenv("CLOSESEM_FINDING_DIR"); dir != nullptr && *dir != '\0') {
    if (!g_have_input) {
      std::fprintf(stderr, "closesem: no finding record in %s: the target did not say which input ran\n", dir);
      return;
    }
    const std::string folder(dir);
    const bool separator = folder.back() == '/' || folder.back() == '\\';
    path = folder + (separator ? "" : "/") + "crash-" + sha1_hex(g_data, g_size) + ".finding.json";
  } else {
    return;
  }
  g_recorded = true;
  const std::string json = finding_record_json(record);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  bool good = file != nullptr && std::fwrite(json.data(), 1, json.size(), file) == json.size();
  if (file != nullptr && std::fclose(file) != 0) good = false;
  if (!good) std::fprintf(stderr, "closesem: cannot write the finding record %s: %s\n", path.c_str(), std::strerror(errno));
}

std::string profile_from_environment() {
  const char* value = std::getenv("CLOSESEM_FUZZ_PROFILE");
  return value != nullptr ? value : "";
}

}  // namespace closesem::fuzz
