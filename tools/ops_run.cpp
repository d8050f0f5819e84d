// SPDX-License-Identifier: MIT
#include "ops_run.hpp"

#include "closesem/model.hpp"
#include "closesem/platform.hpp"
#include "closesem/runner.hpp"
#include "closesem/text.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace closesem::tool {

int ops_run(const OpsRunOptions& options, std::ostream& out, std::ostream& err) {
  platform::init_process();
  const platform::Session session;
  if (!session.outcome().ok()) {
    err << "closesem: WSAStartup failed: " << session.outcome().describe() << '\n';
    return 2;
  }
  const auto platform_id = platform::platform_id();
  const auto profile_name = options.profile.empty() ? model::default_profile_for(platform_id) : options.profile;
  const auto* profile = model::find_profile(profile_name);
  if (profile == nullptr) {
    err << "closesem: unknown profile '" << profile_name << "'; known:";
    for (const auto& name : model::profile_names()) err << ' ' << name;
    err << '\n';
    return 2;
  }

  int status = 0;
  for (const auto& file : options.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << "closesem: cannot read " << file << '\n';
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    ops::Program program;
    ops::ParseError error;
    if (!ops::parse(text.str(), file, program, error)) {
      err << error.describe() << '\n';
      return 2;
    }
    const auto trace = runner::run(program, *profile, file);
    out << file << " on " << trace.platform << ", profile " << trace.profile << '\n' << trace.report();
    if (!trace.script_error.empty()) {
      err << trace.script_error << '\n';
      return 2;
    }
    if (!trace.skipped.empty()) out << "  skipped: " << trace.skipped << '\n';
    const int divergences = trace.divergences();
    const int failed = trace.failed_expectations();
    out << "  " << trace.steps.size() << " ops, " << divergences << " diverged from the model, " << failed
        << " failed their ->, " << trace.unpredicted() << " without a prediction\n";
    if (!options.replay_dir.empty()) {
      auto name = file.substr(file.find_last_of("/\\") + 1);
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".ops") == 0) name.resize(name.size() - 4);
      const auto path = options.replay_dir + "/" + name + ".replay.ops";
      std::ofstream(path, std::ios::binary) << trace.replay();
      out << "  replay (the run as observed): " << path << '\n';
    }
    if (divergences > 0 || failed > 0) status = 1;
  }
  return status;
}

}  // namespace closesem::tool
