// The canary matrix: the proof that plateau still catches every bug it
// exists for, and raises no false alarm. The computation behind
// `plateau canaries`.
//
// For a scenario (default soak/scenarios/gate.json) it runs `plateau run`
// once per clean seed (no failpoint) and once per failpoint (the scenario's
// own seed), as child processes of the same binary, up to `jobs` at a time,
// each into <out>/clean-seed-<N>/ or <out>/canary-<failpoint>/ with its log
// in run.log there. It then reads every child's report.json, judges it
// (canary_judge.h; a canary's signal only counts on a series no clean run
// of the matrix flagged) and writes one matrix report (report.json, junit.xml,
// report.html, summary.md) into <out>. The matrix passes when every canary is
// detected with the right component and every clean run is bounded; a child
// that failed to produce a report (bad input, crash) counts as undetected or
// as a failed clean run, with its exit status and log named in a finding.
//
// Must-not-fire fixtures (family must_not_fire) run like clean seeds, with
// their failpoint on, into <out>/must-not-fire-<failpoint>[@<time>]/: each
// must end bounded, and a finding is a false alarm that fails the matrix.
// engine.step_block runs once per entry of step_positions (fractions of the
// measured phase), each from a copy of the scenario with /fixtures/step_at
// set, written into its run folder.
//
// Thread safety: one matrix at a time per process (it waits for its children).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reports/model.h"

namespace plateau::soak {

struct CanaryOptions {
  std::filesystem::path scenario = "soak/scenarios/gate.json";
  std::size_t clean_seeds = 20;  // clean runs with seeds first_seed, first_seed+1, ...
  std::uint64_t first_seed = 1;
  std::size_t jobs = 2;           // child processes at a time
  std::filesystem::path out_dir;  // required
  // Empty: every failpoint of the catalog (of `families`).
  std::vector<std::string> failpoints;
  // "seed", "undeclared", "must_not_fire"; empty: all of them.
  std::vector<std::string> families;
  // Where in the measured phase engine.step_block's step lands: 0 = its
  // start, 1 = its end (exclusive).
  std::vector<double> step_positions = {0.0, 1.0 / 3, 0.5, 2.0 / 3, 5.0 / 6};
  // Passed to every child as --duration (e.g. "3h"), for quicker matrices.
  std::optional<std::string> duration;
  // The `plateau` executable the children run; empty: this process's own.
  std::filesystem::path plateau_binary;
};

// Throws std::invalid_argument naming the option when options are unusable
// (no out_dir, jobs == 0, an unknown failpoint, a missing scenario file).
void validate(const CanaryOptions& options);

struct CanaryOutcome {
  reports::Report report;  // the matrix report, as written
  bool passed = false;
  double wall_seconds = 0;
  std::filesystem::path out_dir;
};

// Runs the matrix and writes its report into options.out_dir. Progress (one
// line per finished child) goes to `log`.
CanaryOutcome run_canary_matrix(const CanaryOptions& options, std::ostream& log);

// Child runs the matrix has judged into one report: context from the first
// run read (scenario, build, host), canary matrix, one finding per undetected
// canary and per finding of a clean run that was not bounded. Exposed for
// tests; run_canary_matrix uses it.
struct JudgedRun {
  std::string failpoint;  // empty for a clean run
  std::string fixture;    // a must-not-fire run's label, e.g. "engine.step_block@3h30m"; else empty
  std::filesystem::path scenario_file;  // empty: the matrix's scenario
  std::uint64_t seed = 0;
  std::filesystem::path dir;
  int exit_code = 0;
  int term_signal = 0;
  std::optional<reports::Report> report;  // nullopt when none could be read
  std::string read_error;
};
reports::Report assemble_matrix_report(const std::vector<JudgedRun>& runs, double wall_seconds);

}  // namespace plateau::soak
