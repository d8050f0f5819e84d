// SPDX-License-Identifier: MIT
// `closesem ops check|encode|decode`: scripts in the op language, checked and converted
// between the .ops text form and the binary form fuzz inputs use.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace closesem::tool {

// The scripts that `ops run` and `ops check` arguments stand for: a file for itself, a
// folder for every *.ops file in it (not in subfolders), sorted by name. A folder
// without one, or one that cannot be listed, is a message on `err` naming it and false
// (the other arguments are still expanded: the caller goes on and fails at the end).
bool expand_scripts(const std::vector<std::string>& arguments, std::vector<std::string>& files,
                    std::ostream& err);

// A whole file; false with a message naming it and the OS error on `err`.
bool read_file(const std::string& path, std::string& contents, std::ostream& err);
// Writes (or replaces) a file; every step is checked: false with a message naming the
// file and the OS error on `err`.
bool write_file(const std::string& path, const std::string& contents, std::ostream& err);

// Parses each file (folders: their *.ops files); prints "FILE: N ops" on `out`, or the
// located error ("FILE:LINE:COLUMN: message") on `err`. Returns 0 when every file parses,
// else 2.
int ops_check(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

// Parses the text script `input` (or every *.ops of a folder) and writes it as an input
// of a fuzz input format (closesem/fuzz_inputs.hpp) to `output` (a folder for a folder:
// OUTPUT/NAME.SUFFIX). `format` by name, or "" for the output's suffix (op-records when
// it has no known one). Returns 0, or 2 with a message on `err`.
int ops_encode(const std::string& input, const std::string& output, const std::string& format,
               std::ostream& err);

// Decodes the input file `input` (every byte string is an input of every format) and
// writes the canonical text of its program to `output`, or to `out` when `output` is
// empty. `format` as for ops_encode, from the input's suffix. Returns 0, or 2 with a
// message on `err`.
int ops_decode(const std::string& input, const std::string& output, const std::string& format,
               std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
