// RunRequest / RunOutcome: what `plateau run` asks of the soak runner and
// what it gets back.
//
// A request names a scenario file and the command-line overrides; every
// optional left empty means "as the scenario says". The outcome carries the
// process exit code the CLI returns (kExit* below), the verdict, and where
// the report went. Bad input (an unreadable or invalid scenario, an unknown
// failpoint, an impossible override) is not an outcome: run_soak throws
// BadInput with one message naming the field, the value and the rule.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/model.h"
#include "soak/scenario/scenario.h"

namespace plateau::soak {

inline constexpr int kExitBounded = 0;
inline constexpr int kExitLeak = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 3;
// The run itself failed (e.g. an I/O error in the plan store); the report,
// if one could be written, has verdict error.
inline constexpr int kExitRunFailed = 4;
// The run finished without findings but could not judge every series' trend
// (too few windows after warm-up): not a pass. ci/gate.sh never ships on it.
inline constexpr int kExitInconclusive = 5;

class BadInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunRequest {
  std::filesystem::path scenario_path;
  // Empty: a new folder plateau-out/<UTC timestamp>-<scenario name>.
  std::optional<std::filesystem::path> out_dir;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> failpoints;  // switched on in addition to the scenario's
  std::optional<ClockMode> clock;
  // Shortens or lengthens the run; warm-up and checkpoints scale with it.
  std::optional<Duration> duration;
  bool probes_enabled = true;  // false: load only (benchmark of the probes' cost)
  // Where the progress line is drawn (when a TTY and CI is not "true").
  std::FILE* progress_stream = stderr;
  // --force: an --out folder holding an earlier report is cleared first
  // (report set, series.csv, heap dumps, plan store) instead of refused.
  bool force = false;
};

struct RunOutcome {
  int exit_code = kExitBounded;
  reports::Verdict verdict = reports::Verdict::bounded;
  std::filesystem::path out_dir;
  std::filesystem::path report_json;
  std::vector<std::filesystem::path> files;  // everything written
  std::uint64_t events = 0;
  double wall_seconds = 0;
  double events_per_second = 0;
  std::size_t findings = 0;
  std::string summary;  // one line for the terminal
};

}  // namespace plateau::soak
