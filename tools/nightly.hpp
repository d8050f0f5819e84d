// SPDX-License-Identifier: MIT
// `closesem_tool nightly`: the nightly job (tools/nightly.cpp), and `closesem_tool
// selftest`: proof that the suite finds bugs (tools/selftest.cpp). `./closesem nightly`
// and `./closesem selftest` build what they need, then hand over here. Each takes its
// own arguments (after the subcommand's name), answers --help with exit status 0 and
// refuses bad usage with exit status 2.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace closesem::tool {

int nightly_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int selftest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace closesem::tool
