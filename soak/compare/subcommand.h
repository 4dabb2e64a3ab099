// Subcommand: a `plateau` subcommand registered from outside soak/cli, so
// each command's options and behaviour live with its own module and the CLI
// only lists them.
//
// Usage in main(): `Subcommand c = add_x_command(app);` before parsing; after
// parsing, `if (c.app->parsed()) return c.run();`. run() returns the process
// exit code (0 pass, 1 a regression / leak / undetected canary, 2 bad input)
// and throws std::invalid_argument for bad input it finds late (an
// unreadable report), which main turns into exit code 2.
//
// Thread safety: build and run from main's thread.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace plateau::soak {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// `plateau compare BASE.json CANDIDATE.json [--out DIR] [tolerance options]`
Subcommand add_compare_command(CLI::App& app);
// `plateau merge DIR... --out DIR`
Subcommand add_merge_command(CLI::App& app);
// `plateau report DIR`
Subcommand add_report_command(CLI::App& app);

}  // namespace plateau::soak
