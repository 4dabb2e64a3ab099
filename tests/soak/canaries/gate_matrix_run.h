// The shared set-up of the canary-matrix tests: `plateau canaries` over the
// gate scenario, two jobs, into a fresh folder under the current directory,
// with its log beside the report. Each test passes only what it selects
// (seeds, families) and judges the merged report.json itself.
//
// Header-only; needs PLATEAU_BINARY and PLATEAU_SOURCE_DIR_DEFAULT (set by
// tests/soak/canaries/CMakeLists.txt). Thread safety: one test thread.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "soak/canaries/child_processes.h"

namespace plateau::testing {

struct GateMatrixRun {
  std::filesystem::path out;       // holds report.json
  std::filesystem::path log_file;  // the matrix's stdout and stderr
  soak::ChildResult result;
};

inline std::filesystem::path canary_source_dir() {
  const char* env = std::getenv("PLATEAU_SOURCE_DIR");
  return env ? std::filesystem::path(env) : std::filesystem::path(PLATEAU_SOURCE_DIR_DEFAULT);
}

// Runs `plateau canaries --scenario gate.json --jobs 2 <selection> --out
// <folder>`; the folder is emptied first.
inline GateMatrixRun run_gate_matrix(const std::string& folder, const std::vector<std::string>& selection) {
  GateMatrixRun run;
  run.out = std::filesystem::current_path() / folder;
  std::filesystem::remove_all(run.out);
  std::filesystem::create_directories(run.out);
  soak::ChildSpec spec;
  spec.argv = {PLATEAU_BINARY, "canaries",
               "--scenario",   (canary_source_dir() / "soak/scenarios/gate.json").string(),
               "--jobs",       "2"};
  spec.argv.insert(spec.argv.end(), selection.begin(), selection.end());
  spec.argv.insert(spec.argv.end(), {"--out", run.out.string()});
  spec.log_file = run.out / "canaries.log";
  run.log_file = spec.log_file;
  run.result = soak::run_children({spec}, 1).front();
  return run;
}

}  // namespace plateau::testing
