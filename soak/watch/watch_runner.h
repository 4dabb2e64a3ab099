// run_watch: one `plateau watch`, from a command or pid to a report folder.
//
// Launch mode forks the command (its own process group; heap profiling
// preloaded when asked), attach mode samples an existing pid. The optional
// load command runs alongside (sh -c) and is stopped when the watch ends.
// A ProcSampler samples /proc at the sample interval on the wall clock until
// the duration is reached, the target ends, or `stop` is set (SIGINT /
// SIGTERM). By default the target's whole process tree is summed; in launch
// mode plateau is a child subreaper, so the target's orphans (a daemon's
// double fork) stay in the tree, are watched after the launched pid exits,
// and are stopped at the end. The series are judged by the same verdict as `plateau run`
// (soak::judge) and written by the same writers (report.json, junit.xml,
// report.html, summary.md, plus series.csv). The report's notes say how the
// target ended (exit status / signal, t) and why heap profiling did not
// apply where it did not.
//
// Exit codes: 0 bounded, 1 leak, 3 interrupted (partial report written),
// kExitInconclusive (5, soak/runner/run_request.h, the code `plateau run`
// gives an inconclusive run) when fewer complete windows than the verdict
// needs were measured (the report says why and the shortest conclusive
// --duration), or when the tree was stopped (state T) through most of the
// judged passes. Bad input throws WatchInputError before
// anything runs. Thread safety: one watch per process.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "reports/model.h"
#include "soak/runner/stop_signal.h"
#include "soak/watch/watch_options.h"

namespace plateau::soak::watch {

struct WatchOutcome {
  int exit_code = 0;
  reports::Verdict verdict = reports::Verdict::bounded;
  std::filesystem::path out_dir;
  std::filesystem::path report_json;
  std::size_t passes = 0;
  double wall_seconds = 0;
  double plateau_cpu_seconds = 0;  // plateau's own CPU during the sampling loop
  std::size_t sample_storage_bytes = 0;
  std::string summary;
};

WatchOutcome run_watch(const WatchOptions& options, std::ostream& log, const StopSignal* stop = nullptr);

}  // namespace plateau::soak::watch
