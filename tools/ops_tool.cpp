// SPDX-License-Identifier: MIT
// Checks and converts op scripts. Every problem is a message naming the file (and, for
// a script, the line and column) with exit status 2; nothing here throws at the user.
#include "ops_tool.hpp"

#include "closesem/codec.hpp"
#include "closesem/fuzz_inputs.hpp"
#include "closesem/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <system_error>

namespace closesem::tool {
namespace {

constexpr int kBadInput = 2;

std::string os_error(int error) {
  return error != 0 ? std::string(": ") + std::strerror(error) : std::string();
}

}  // namespace

bool expand_scripts(const std::vector<std::string>& arguments, std::vector<std::string>& files,
                    std::ostream& err) {
  namespace fs = std::filesystem;
  bool good = true;
  for (const auto& argument : arguments) {
    std::error_code ec;
    if (!fs::is_directory(argument, ec)) {
      files.push_back(argument);  // (a missing file is reported when it is read)
      continue;
    }
    std::vector<std::string> names;
    for (fs::directory_iterator it(argument, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code kind;
      if (it->path().extension() == ".ops" && it->is_regular_file(kind))
        names.push_back(it->path().filename().string());
    }
    if (ec) {
      err << "closesem ops: " << argument << ": cannot list the folder: " << ec.message() << '\n';
      good = false;
      continue;
    }
    if (names.empty()) {
      err << "closesem ops: " << argument << ": no .ops scripts in this folder\n";
      good = false;
      continue;
    }
    std::sort(names.begin(), names.end());
    const bool separator = argument.back() == '/' || argument.back() == '\\';
    for (const auto& name : names) files.push_back(argument + (separator ? "" : "/") + name);
  }
  return good;
}

bool read_file(const std::string& path, std::string& contents, std::ostream& err) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    err << "closesem ops: " << path << ": is a directory, not a file\n";
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "closesem ops: " << path << ": cannot open" << os_error(errno) << '\n';
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    err << "closesem ops: " << path << ": cannot read\n";
    return false;
  }
  contents = buffer.str();
  return true;
}

bool write_file(const std::string& path, const std::string& contents, std::ostream& err) {
  // stdio rather than a stream: each step (open, write, flush, close) can fail on its
  // own (a full disk shows at the flush or the close), and errno says why.
  errno = 0;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    err << "closesem ops: " << path << ": cannot write" << os_error(errno) << '\n';
    return false;
  }
  errno = 0;
  bool written = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size() && std::fflush(file) == 0;
  int error = errno;
  if (std::fclose(file) != 0 && written) {
    written = false;
    error = errno;
  }
  if (!written) {
    err << "closesem ops: " << path << ": cannot write" << os_error(error) << '\n';
    return false;
  }
  return true;
}

namespace {

bool parse_file(const std::string& path, ops::Program& program, std::ostream& err) {
  std::string text;
  if (!read_file(path, text, err)) return false;
  ops::ParseError error;
  if (!ops::parse(text, path, program, error)) {
    err << error.describe() << '\n';
    return false;
  }
  return true;
}

}  // namespace

int ops_check(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  int status = expand_scripts(arguments, files, err) ? 0 : kBadInput;
  for (const auto& path : files) {
    ops::Program program;
    if (!parse_file(path, program, err)) {
      status = kBadInput;
      continue;
    }
    out << path << ": " << program.ops.size() << " ops\n";
  }
  return status;
}

namespace {

// --format, else the file name's suffix, else op-records (a libFuzzer crash file has no suffix).
const ops::InputFormatInfo* format_for(const std::string& format, const std::string& path, std::ostream& err) {
  if (!format.empty()) {
    const auto* found = ops::find_input_format(format);
    if (found == nullptr) err << "closesem ops: no input format " << format << "\n";
    return found;
  }
  const auto* by_suffix = ops::input_format_of(path);
  return by_suffix != nullptr ? by_suffix : &ops::info(ops::InputFormat::op_records);
}

int encode_one(const std::string& input, const std::string& output, const ops::InputFormatInfo& format,
               std::ostream& err) {
  ops::Program program;
  if (!parse_file(input, program, err)) return kBadInput;
  std::vector<std::uint8_t> bytes;
  std::string why;
  if (!ops::encode_input(format.format, program, bytes, why)) {
    err << "closesem ops: " << input << ": cannot be written as " << format.name << ": " << why << '\n';
    return kBadInput;
  }
  std::size_t expectations = 0;
  for (const auto& op : program.ops) expectations += op.expect.empty() ? 0 : 1;
  if (expectations > 0)
    err << "closesem ops: " << input << ": note: the expected outcomes (->) of " << expectations
        << " ops are left out (" << format.name << " holds none: the model decides)\n";
  return write_file(output, std::string(bytes.begin(), bytes.end()), err) ? 0 : kBadInput;
}

}  // namespace

int ops_encode(const std::string& input, const std::string& output, const std::string& format,
               std::ostream& err) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(input, ec)) {
    const auto* chosen = format_for(format, output, err);
    return chosen != nullptr ? encode_one(input, output, *chosen, err) : kBadInput;
  }
  // A folder of scripts: each X.ops becomes OUTPUT/X<suffix>.
  const auto* chosen = format_for(format, "", err);
  if (chosen == nullptr) return kBadInput;
  std::vector<std::string> files;
  if (!expand_scripts({input}, files, err)) return kBadInput;
  fs::create_directories(output, ec);
  if (ec || !fs::is_directory(output, ec)) {
    err << "closesem ops: " << output << ": cannot make the folder" << (ec ? ": " + ec.message() : "") << '\n';
    return kBadInput;
  }
  int status = 0;
  for (const auto& file : files) {
    const auto target = fs::path(output) / (fs::path(file).stem().string() + chosen->suffix);
    if (encode_one(file, target.string(), *chosen, err) != 0) status = kBadInput;
  }
  return status;
}

int ops_decode(const std::string& input, const std::string& output, const std::string& format,
               std::ostream& out, std::ostream& err) {
  const auto* chosen = format_for(format, input, err);
  if (chosen == nullptr) return kBadInput;
  std::string bytes;
  if (!read_file(input, bytes, err)) return kBadInput;
  const auto program =
      ops::decode_input(chosen->format, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (chosen->format == ops::InputFormat::op_records) {
    // Not errors (every byte string decodes), but worth saying: what the decoder dropped.
    const std::size_t records = bytes.size() / ops::kRecordSize;
    if (records > ops::kMaxOps)
      err << "closesem ops: " << input << ": note: " << records - ops::kMaxOps
          << " records past the first " << ops::kMaxOps << " ignored\n";
    if (const std::size_t rest = bytes.size() % ops::kRecordSize; rest != 0)
      err << "closesem ops: " << input << ": note: " << rest << " trailing bytes (a partial "
          << ops::kRecordSize << "-byte record) ignored\n";
  }
  const std::string text = ops::print(program);
  if (output.empty()) {
    out << text;
    return out ? 0 : kBadInput;
  }
  return write_file(output, text, err) ? 0 : kBadInput;
}

}  // namespace closesem::tool
