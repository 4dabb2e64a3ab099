// HeapCapture: heap profiles of a process `plateau watch` launched.
//
// plan_heap() decides whether the target can be profiled and, if so, the
// environment that preloads the allocator with profiling on: jemalloc
// (LD_PRELOAD libjemalloc.so.2, MALLOC_CONF prof:true, prof_active:true,
// lg_prof_sample — a sampled backtrace per 2^n bytes on average — and
// lg_prof_interval, a dump per 2^n bytes allocated, written under the
// report folder) or gperftools (LD_PRELOAD libtcmalloc.so.4, HEAPPROFILE,
// HEAP_PROFILE_ALLOCATION_INTERVAL). The dumps are written by the target
// itself, no signal is sent. A static binary cannot be preloaded: the plan
// says so and the watch judges /proc only. For jemalloc the plan also
// preloads plateau's shim libplateau_jemalloc_unwind.so after the allocator
// (probes/jemalloc_unwind_shim.cc: sampled backtraces by libunwind, ~70×
// cheaper than Debian jemalloc's own unwinder); without the shim the target
// samples with jemalloc's default unwinder and unwinder_note() says so.
//
// HeapCollector keeps, at every window boundary, the newest complete dump
// of the target (deleting the intermediate ones, so disk use is bounded by
// the number of windows), and at the end diffs the first kept dump of the
// measured phase against the last, symbolised offline against the target's
// binary and libraries (probes::Symbolizer fed the dump's MAPPED_LIBRARIES).
// Dumps stay readable by jeprof / google-pprof.
//
// Thread safety: one thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/model.h"
#include "soak/watch/watch_options.h"

namespace plateau::soak::watch {

struct HeapPlan {
  HeapMode mode = HeapMode::none;
  std::map<std::string, std::string> env;  // added to the target's environment
  std::string unavailable_reason;          // set when mode was asked but cannot be used
  std::filesystem::path dir;
  std::filesystem::path library;  // the preloaded allocator
  // jemalloc: the preloaded backtrace shim ("" when not found) and the file
  // it writes its status line to ("libunwind" or "default: <why>").
  std::filesystem::path unwind_shim;
  std::filesystem::path unwind_status;
  std::string unwind_missing_reason;  // why unwind_shim is empty
};

// The backtrace shim next to this plateau: $PLATEAU_JEMALLOC_UNWIND_SO if
// set (empty: none), else lib/ beside the executable's bin/ (the build tree
// and a `cmake --install` prefix lay it out alike).
std::optional<std::filesystem::path> find_unwind_shim();

HeapPlan plan_heap(HeapMode mode, const std::vector<std::string>& command, const std::filesystem::path& dir,
                   std::uint64_t interval_bytes, std::uint64_t sample_bytes);

// The executable a command runs (PATH searched), and whether it is a static
// ELF binary (no PT_INTERP); scripts (#!) are judged by their interpreter.
std::optional<std::filesystem::path> resolve_command(const std::string& name);
bool is_static_elf(const std::filesystem::path& file);

class HeapCollector {
 public:
  HeapCollector(HeapPlan plan, pid_t target);
  // At a window boundary after warm-up: keep the newest complete dump.
  void checkpoint(double t_s);
  // Diff first vs last kept dump (after one last checkpoint).
  reports::HeapProfile finish(double t_s, const std::filesystem::path& target_binary);
  // One line for the report, e.g. "top growing site: f() at a.cc:12 (+3.1 MiB)".
  const std::string& top_site_line() const noexcept { return top_site_line_; }
  // After finish(), jemalloc only: "" when the target's samples were taken
  // by the libunwind shim, else a note saying which unwinder and why.
  std::string unwinder_note() const;

 private:
  std::vector<std::filesystem::path> target_dumps() const;

  HeapPlan plan_;
  pid_t target_;
  std::vector<std::filesystem::path> kept_;
  std::vector<double> kept_t_s_;
  std::string top_site_line_;
};

}  // namespace plateau::soak::watch
