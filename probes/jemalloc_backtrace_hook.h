// jemalloc backtrace hook: takes each sampled heap-profile backtrace with
// libunwind's unw_backtrace() instead of the unwinder jemalloc was built with.
//
// Debian's jemalloc 5.3 unwinds every sampled allocation with libgcc's
// _Unwind_Backtrace, which looks up each frame's unwind table through
// _dl_find_object (about 3 µs a sample; 70× the cost of libunwind's cached
// fast trace on /work/briefs/unwind_bench.cc). jemalloc 5.3 lets a process
// replace it through the mallctl `experimental.hooks.prof_backtrace`
// (type `void (*)(void** vec, unsigned* len, unsigned max_len)`); this unit
// installs plateau_prof_backtrace_libunwind there. The stack it records
// starts at the return address into jemalloc (the hook's own frame is
// dropped), so a dump reads as with the default unwinder: jemalloc's frames
// first, then malloc's caller — the project-frame rule is unchanged.
//
// Used by two builds, both without a link dependency on jemalloc (the
// mallctl entry point is passed in): the jemalloc heap profiler
// (heap_profiler_jemalloc.cc, in-process) and the preload shim
// libplateau_jemalloc_unwind.so (jemalloc_unwind_shim.cc, `plateau watch`).
//
// Thread safety: the hook runs inside malloc on any thread; it allocates
// nothing and takes no lock of its own (unw_backtrace keeps a per-thread
// cache). install_libunwind_backtrace_hook may be called from any thread
// and any number of times; mallctl makes the write atomic.
// Invariant: a hook reported installed is read back from jemalloc equal to
// plateau_prof_backtrace_libunwind.
#pragma once

#include <cstddef>

extern "C" {
// jemalloc's mallctl signature.
using plateau_mallctl_fn = int (*)(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                                   std::size_t newlen);
// jemalloc's prof_backtrace hook signature.
using plateau_prof_backtrace_fn = void (*)(void** vec, unsigned* len, unsigned max_len);

// The hook: fills vec[0..*len) with return addresses, innermost first,
// starting at the caller of the hook (jemalloc's prof_backtrace).
void plateau_prof_backtrace_libunwind(void** vec, unsigned* len, unsigned max_len);
}

namespace plateau::probes {

// The mallctl the hook is installed through.
inline constexpr const char* kProfBacktraceHookCtl = "experimental.hooks.prof_backtrace";

struct BacktraceHookResult {
  bool installed = false;
  // Empty when installed; otherwise why jemalloc keeps its default unwinder,
  // as a sentence for a report (static storage, never freed).
  const char* reason = "";
};

// Installs the libunwind hook through `mallctl`. Never throws, allocates
// nothing of its own (safe in a preload constructor).
BacktraceHookResult install_libunwind_backtrace_hook(plateau_mallctl_fn mallctl) noexcept;

// The hook jemalloc currently uses, read back through `mallctl` (nullptr if
// the mallctl does not exist).
plateau_prof_backtrace_fn current_prof_backtrace_hook(plateau_mallctl_fn mallctl) noexcept;

}  // namespace plateau::probes
