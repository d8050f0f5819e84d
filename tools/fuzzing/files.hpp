// SPDX-License-Identifier: MIT
// Small file helpers of the fuzzing library (internal): whole files in and out, with the
// reason in `error` on failure, a scratch folder removed with its owner, and programs
// found by path (the process layer starts them by path, posix_spawn, never by a PATH search).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace closesem::tool::files {

// Whether `path` is a regular file someone may execute (a built binary).
inline bool executable(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  return !ec && std::filesystem::is_regular_file(status) &&
         (status.permissions() & (std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec |
                                  std::filesystem::perms::others_exec)) != std::filesystem::perms::none;
}

// `name` as an executable file in a folder of PATH, then of `extra`; "" when it is nowhere.
inline std::string find_program(const std::string& name, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::istringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');)
      if (!dir.empty()) dirs.push_back(dir);
  }
  dirs.insert(dirs.end(), extra.begin(), extra.end());
  for (const auto& dir : dirs)
    if (executable(dir + "/" + name)) return dir + "/" + name;
  return {};
}

inline bool read(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = "cannot read " + path;
    return false;
  }
  out = buffer.str();
  return true;
}

// stdio: each step (open, write, flush, close) can fail on its own, and errno says why.
inline bool write(const std::string& path, const std::string& data, std::string& error) {
  errno = 0;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  bool good = std::fwrite(data.data(), 1, data.size(), file) == data.size() && std::fflush(file) == 0;
  int saved = errno;
  if (std::fclose(file) != 0 && good) {
    good = false;
    saved = errno;
  }
  if (!good) error = "cannot write " + path + ": " + std::strerror(saved);
  return good;
}

// A new folder under the system's temporary folder, removed by the destructor; `path`
// is "" when none could be made.
struct Scratch {
  std::string path;
  Scratch() {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto base = fs::temp_directory_path(ec);
    if (ec) return;
    std::random_device random;
    for (int attempt = 0; attempt < 100 && path.empty(); ++attempt) {
      const auto dir = base / ("closesem-" + std::to_string(random()) + std::to_string(random()));
      if (fs::create_directory(dir, ec)) path = dir.string();
    }
  }
  ~Scratch() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// The time now in UTC, formatted by strftime's `format` ("%Y-%m-%d", "%Y-%m-%d %H:%M UTC").
inline std::string utc_now(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &now);
#else
  gmtime_r(&now, &utc);
#endif
  char text[64];
  return std::strftime(text, sizeof(text), format, &utc) > 0 ? std::string{text} : std::string{};
}

}  // namespace closesem::tool::files
