// The `plateau watch` subcommand: its options (flags, or --config FILE
// with flags overriding the file) and its run. Registered from soak/cli
// like the other subcommands (soak/compare/subcommand.h).
//
// Thread safety: build and run from main's thread.
#pragma once

#include <CLI/CLI.hpp>

#include "soak/compare/subcommand.h"

namespace plateau::soak {

// `plateau watch [options] -- CMD [ARGS...]` or `plateau watch --pid PID [options]`
Subcommand add_watch_command(CLI::App& app);

}  // namespace plateau::soak
