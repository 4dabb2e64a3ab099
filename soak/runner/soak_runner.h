// run_soak: one `plateau run`, from scenario file to report folder.
//
// Loads the scenario, applies the command-line overrides, builds the Harness
// (engine, load, probes), runs it — warm-up first, then the measured phase
// with heap profiling on and dumps at its start, checkpoints and end — while
// a SampleRecorder keeps every probe sample; then asks the verdict, fills the
// report model and writes report.json, junit.xml, report.html, summary.md and
// series.csv into the output folder, each atomically. An interrupted run
// (`stop` set, e.g. by SIGINT) stops at the next event and still writes a
// report, marked incomplete, with exit code kExitInterrupted.
//
// Errors: bad input throws BadInput (or ScenarioError) before anything runs;
// a failure writing the report throws std::system_error.
//
// Thread safety: one run at a time per process (heap profiling and the
// allocator statistics are process-wide).
#pragma once

#include <ostream>

#include "soak/runner/run_request.h"
#include "soak/runner/stop_signal.h"

namespace plateau::soak {

// `stop` (optional) is polled before every event; its signal number names
// the interruption in the report.
RunOutcome run_soak(const RunRequest& request, std::ostream& log, const StopSignal* stop = nullptr);

}  // namespace plateau::soak
