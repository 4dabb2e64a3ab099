// The build and host facts a report carries so it explains itself: host,
// OS, kernel, compiler, build type, allocator, git revision, plateau
// version, plus the wall-clock start time in ISO 8601 UTC.
//
// Build facts come from compile definitions set by soak/CMakeLists.txt; the
// git revision is asked of git at run time in the source tree (so a rebuild
// after a commit is not needed) and falls back to the configure-time one.
//
// Thread safety: functions without shared state.
#pragma once

#include <chrono>
#include <string>

#include "reports/model.h"

namespace plateau::soak {

// Fills host, os, kernel, compiler, build_type, allocator, git_revision and
// plateau_version; the caller fills the run-specific fields.
reports::Context build_and_host_context();

// "2026-11-22T01:00:00Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t);
// "20261122-010000" (for folder names)
std::string compact_utc(std::chrono::system_clock::time_point t);

}  // namespace plateau::soak
