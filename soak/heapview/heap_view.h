// `plateau heap FILE.heap [--base FILE.heap] [--lines]`: a terminal view of
// one heap dump, or of the growth between two, symbolised offline.
//
// Sites are matched by their full stack; growth is target minus base
// (un-sampled estimates, as jeprof prints). Sites are then grouped by the
// first frame that is not allocator or runtime code ("our" frame): by
// function, or by function and file:line with --lines, largest first, each
// with its share of the growth and the project frames that called it. Sites
// that shrank are not growth and are left out of the table (the net total
// says how much the whole heap moved).
//
// Bad input (a missing or malformed dump, or two dumps of different formats)
// throws std::invalid_argument naming the file and why (exit 2 in main).
// Thread safety: pure over its inputs (reads the mapped files with libdw).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "soak/compare/subcommand.h"

namespace plateau::soak {

struct HeapViewOptions {
  std::string dump;
  std::optional<std::string> base;
  std::optional<std::string> binary;  // replaces the dump's executable path
  bool lines = false;
  bool all = false;  // also list plateau's own sites (probes, harness, soak)
  std::size_t top = 20;
};

// The text `plateau heap` prints.
std::string render_heap_view(const HeapViewOptions& options);

Subcommand add_heap_command(CLI::App& app);

}  // namespace plateau::soak
