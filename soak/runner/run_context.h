// The build and host facts a report carries so it explains itself: host,
// OS, kernel, compiler, build type, allocator, git revision, plateau
// version, plus the wall-clock start time in ISO 8601 UTC.
//
// Build facts are baked into the binary: build type and version by compile
// definitions (soak/runner/CMakeLists.txt), the git revision and dirty flag
// by a header regenerated at every build (cmake/PlateauBuildInfo.cmake). A
// stale binary therefore reports the commit it was built from, never the
// checkout's current one.
//
// Thread safety: functions without shared state.
#pragma once

#include <chrono>
#include <string>

#include <string_view>

#include "reports/model.h"
#include "soak/runner/run_request.h"

namespace plateau::soak {

// Fills host, os, kernel, compiler, build_type, allocator, git_revision and
// plateau_version; the caller fills the run-specific fields.
reports::Context build_and_host_context();

// The `plateau run ...` command that repeats a run: scenario path, the
// resolved seed, the request's failpoints and clock/duration overrides
// (the scenario's own failpoints come with its file). Words are quoted for
// a POSIX shell when needed.
std::string reproduce_command(const RunRequest& request, const Scenario& scenario);
// A word as a POSIX shell reads it back: unchanged when safe, else '...'.
std::string shell_quote(std::string_view word);

// The text of `plateau --version`: version, git revision and dirty flag,
// allocator, build type and compiler, one per line.
std::string build_summary_line();

// "2026-11-22T01:00:00Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t);
// "20261122-010000" (for folder names)
std::string compact_utc(std::chrono::system_clock::time_point t);

}  // namespace plateau::soak
