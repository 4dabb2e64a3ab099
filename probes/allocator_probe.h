// AllocatorProbe: the allocator's own figures, one backend per allocator.
//
// The backend compiled in is the one every executable links (PLATEAU_ALLOCATOR,
// seen here as PLATEAU_ALLOCATOR_JEMALLOC|TCMALLOC|SYSTEM); make_allocator_probe()
// returns it. Every backend publishes the common series
//   alloc.allocated_bytes  live bytes the program asked for and has not freed
//   alloc.heap_bytes       bytes the allocator holds from the OS for the heap
// plus its own:
//   jemalloc (mallctl, after writing `epoch`): alloc.jemalloc.active_bytes,
//     .resident_bytes, .mapped_bytes, .retained_bytes, .metadata_bytes
//     (allocated = stats.allocated, heap = stats.mapped), and
//     .dirty_bytes, .muzzy_bytes (pages the program's arenas hold freed)
//     and .resident_in_use_bytes (resident less dirty): jemalloc decays
//     dirty pages on the wall clock, so on a virtual clock what is still
//     dirty at a sample depends on the machine's speed; the figure net of
//     them does not (docs/probes.md). At most once per virtual minute
//     (PLATEAU_JEMALLOC_PURGE_INTERVAL_S; 0 = every pass) every arena,
//     plateau's own included, is purged before the pass, for RSS
//     (allocator_rss_is_live()).
//   tcmalloc (MallocExtension numeric properties): alloc.tcmalloc.pageheap_free_bytes,
//     .pageheap_unmapped_bytes (allocated = generic.current_allocated_bytes,
//     heap = generic.heap_size)
//   system (glibc mallinfo2): alloc.glibc.free_bytes (fordblks),
//     .mmap_bytes (hblkhd), .releasable_bytes (keepcost)
//     (allocated = uordblks + hblkhd, heap = arena + hblkhd); under ASan or
//     TSan (which replace malloc) the sanitizer allocator interface instead:
//     alloc.sanitizer.free_bytes, .unmapped_bytes (allocated =
//     __sanitizer_get_current_allocated_bytes, heap = __sanitizer_get_heap_size)
// A failed read throws std::runtime_error naming the statistic.
//
// Thread safety: sample() and allocated_bytes() from one thread at a time;
// the allocators' statistics calls are themselves thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "probes/probe.h"

namespace plateau::probes {

class AllocatorProbe : public Probe {
 public:
  // "jemalloc", "tcmalloc" or "system".
  virtual std::string_view backend() const noexcept = 0;
  // Refreshes and returns alloc.allocated_bytes.
  virtual std::size_t allocated_bytes() = 0;
};

// The backend of the allocator this build links.
std::unique_ptr<AllocatorProbe> make_allocator_probe();

// For allocators that report no resident-in-use figure (tcmalloc, glibc, the
// sanitizers' allocator): only alloc.allocated_bytes is the program's demand
// and judged; the rest is address space kept for reuse, context.
inline SeriesRole demand_only_role(std::string_view series_name) noexcept {
  return series_name == "alloc.allocated_bytes" ? SeriesRole::kJudged : SeriesRole::kContext;
}

// Interns one series of such an allocator, in its role; the demand a
// running program has made is never 0 (SeriesInfo::never_zero).
inline SeriesId intern_demand_only(SampleWriter& out, std::string_view series_name) {
  const SeriesRole role = demand_only_role(series_name);
  return out.intern(series_name, "bytes", "allocator", SeriesFamily::kAllocator, role, role == SeriesRole::kJudged);
}

// True when the allocator's last sampling pass returned the pages its
// arenas held freed, so RSS read now counts pages in use; false on
// the passes in between (jemalloc purges at most once per virtual minute: a
// purge is an madvise per dirty extent, a TLB shootdown each, and the page
// faults that follow). Always true on tcmalloc and system builds (their free pages do
// not decay on the wall clock). Safe from any thread.
bool allocator_rss_is_live() noexcept;

// Returns the pages the allocator holds freed to the OS now, for RSS read
// next to count pages in use: jemalloc purges every arena (its decay
// returns them on the wall clock, which a virtual clock outruns); tcmalloc
// and glibc return nothing on a timer, so there it does nothing. For
// runners that read RSS without an AllocatorProbe (engine_soak's
// sut::SoakPlan::settle_allocator). Safe from any thread.
void return_freed_pages() noexcept;

// "jemalloc", "tcmalloc" or "system": the allocator compiled in.
std::string_view compiled_allocator() noexcept;

}  // namespace plateau::probes
