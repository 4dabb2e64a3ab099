// `plateau canaries [--scenario FILE] [--seeds N] [--jobs N] [--out DIR]
//                   [--failpoint NAME]... [--first-seed N] [--duration D]`
// registered on the CLI; see canary_matrix.h for what it does. Exit code 0
// when the matrix passes, 1 when a canary was missed or a clean run failed,
// 2 for bad input.
#pragma once

#include "soak/compare/subcommand.h"

namespace plateau::soak {

Subcommand add_canaries_command(CLI::App& app);

}  // namespace plateau::soak
