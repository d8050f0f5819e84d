// SPDX-License-Identifier: MIT
// The target manifest: the table CMake generated from fuzz/CMakeLists.txt
// (closesem_write_fuzz_manifest), and what follows from a row (flags, seeds).
#include "fuzzing/manifest.hpp"
#include "fuzzing/files.hpp"

#include "closesem/codec.hpp"
#include "closesem/fuzz_inputs.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace closesem::tool {

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
#include CLOSESEM_FUZZ_MANIFEST_INC
  };
  return targets;
}

const FuzzTarget* find_fuzz_target(std::string_view name) {
  for (const auto& target : fuzz_targets())
    if (target.name == name) return &target;
  return nullptr;
}

std::string fuzz_target_names() {
  std::string names;
  for (const auto& target : fuzz_targets()) names += (names.empty() ? "" : ", ") + target.name;
  return names;
}

std::vector<std::string> libfuzzer_flags(const FuzzTarget& target) {
  std::vector<std::string> flags;
  if (!target.dictionary.empty()) flags.push_back("-dict=" + target.dictionary);
  for (const auto& [key, value] : target.options) flags.push_back("-" + key + "=" + value);
  return flags;
}

int option_int(const FuzzTarget& target, std::string_view key, int fallback) {
  for (const auto& [name, value] : target.options) {
    if (name != key) continue;
    char* end = nullptr;
    errno = 0;
    const long number = std::strtol(value.c_str(), &end, 10);
    if (errno != 0 || end == value.c_str() || *end != '\0' || number < 0 || number > 1000000000L) return fallback;
    return static_cast<int>(number);
  }
  return fallback;
}

bool is_op_records(const FuzzTarget& target) { return target.format == "op-records"; }
bool is_asio_text(const FuzzTarget& target) { return target.format == "asio-text"; }
bool is_text_format(const FuzzTarget& target) { return target.format == "asio-text" || target.format == "ops-text"; }

std::string input_suffix(const FuzzTarget& target) {
  if (const auto* format = ops::find_input_format(target.format)) return format->suffix;
  return is_asio_text(target) ? ".asio" : ".ops";
}

std::string seeds_dir(const FuzzTarget& target) { return target.source_dir + "/corpora/" + target.name + "/seeds"; }
std::string regressions_dir(const FuzzTarget& target) {
  return target.source_dir + "/corpora/" + target.name + "/regressions";
}

int stage_seeds(const FuzzTarget& target, const std::string& dest, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) {
    error = "stage seeds of " + target.name + ": cannot make " + dest + ": " + ec.message();
    return -1;
  }
  // A binary format (op-records, linger-choices, handle-choices): its files are copied,
  // and an .ops script becomes its bytes through the format's encoder (a mutation then
  // changes an op, not a letter of its text), unless the binary twin is there already.
  // Text formats (ops-text, asio-text): every file as it is.
  const ops::InputFormatInfo* format = ops::find_input_format(target.format);
  int count = 0;
  for (const auto& dir : {seeds_dir(target), regressions_dir(target)}) {
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file()) files.push_back(it->path());
    if (ec) {
      error = "stage seeds of " + target.name + ": cannot list " + dir + ": " + ec.message();
      return -1;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::string name = file.filename().string();
      if (format != nullptr && file.extension() == ".ops") {
        const fs::path twin = fs::path(file).replace_extension(format->suffix);
        if (fs::exists(twin, ec)) continue;  // (the readable twin of a binary seed)
        name = file.stem().string() + format->suffix;
      } else if (format != nullptr && file.extension() != format->suffix) {
        continue;  // (a note, a .finding.json: not an input)
      }
      std::string contents;
      if (!files::read(file.string(), contents, error)) return -1;
      if (format != nullptr && file.extension() == ".ops") {
        ops::Program program;
        ops::ParseError parse_error;
        if (!ops::parse(contents, file.string(), program, parse_error)) {
          error = "stage seeds of " + target.name + ": " + parse_error.describe();
          return -1;
        }
        std::vector<std::uint8_t> bytes;
        std::string why;
        if (!ops::encode_input(format->format, program, bytes, why)) {
          error = "stage seeds of " + target.name + ": " + file.string() + " cannot be written as " +
                  format->name + ": " + why;
          return -1;
        }
        contents.assign(bytes.begin(), bytes.end());
      }
      if (!files::write((fs::path(dest) / name).string(), contents, error)) {
        error = "stage seeds of " + target.name + ": " + error;
        return -1;
      }
      ++count;
    }
  }
  return count;
}

}  // namespace closesem::tool
