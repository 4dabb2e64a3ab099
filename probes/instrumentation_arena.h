// InstrumentationArena: plateau's own memory, kept apart from the memory of
// the system under test ("measure the system, not the measurer", issue 9
// item 6).
//
// On the jemalloc build, plateau's bookkeeping (the sample recorder, the
// probes' sampling passes, the audit and its entity ledger, heap-profile
// checkpoints) allocates from a dedicated arena (`arenas.create`, once per
// process): an InstrumentationScope binds the calling thread to it
// (`thread.arena`) for its lifetime; the sampling pass's scope also flushes
// the thread's cache (`thread.tcache.flush`) on entry, returning cached
// objects to the arena they came from (see Mode for what that costs). No
// arena a scope enters or leaves is ever left without a bound thread (an
// idle `plateau-arena` keeper per arena): jemalloc purges an arena in full
// when its last thread leaves it, which would drop the program's dirty
// pages at every sample behind its back (the allocator probe purges them
// on purpose, at most once a virtual minute: allocator_jemalloc.cc). The allocator
// probe subtracts the arena's own figures (instrumentation_figures()) from
// alloc.allocated_bytes, alloc.heap_bytes and jemalloc's active, resident
// and mapped bytes, and publishes them as alloc.instrumentation_bytes (and
// alloc.instrumentation_resident_bytes). process.rss_bytes still contains
// them: the kernel sees one process.
//
// On tcmalloc and system builds there is no per-arena accounting: scopes
// are no-ops, instrumentation_figures() is nullopt, and plateau's memory
// stays inside the judged allocator series (docs/probes.md says what that
// costs: the wider whole-process tolerance those builds keep).
//
// Thread safety: scopes nest and may be opened on any thread (the binding is
// per thread; nesting is counted per thread, only the outermost rebinds).
// instrumentation_figures() may be called from any thread; it reads the
// statistics as of the last `epoch` refresh (the allocator probe refreshes
// it on every pass).
#pragma once

#include <cstddef>
#include <new>
#include <optional>

namespace plateau::probes {

struct InstrumentationFigures {
  std::size_t allocated_bytes = 0;  // small + large allocated in the arena
  std::size_t active_bytes = 0;     // pactive * page size
  std::size_t resident_bytes = 0;
  std::size_t mapped_bytes = 0;
};

// The arena's figures; nullopt where the build has no separate arena, or
// before any scope has created it (then everything is the program's).
std::optional<InstrumentationFigures> instrumentation_figures();

// True on builds where scopes really separate plateau's memory.
bool instrumentation_arena_supported() noexcept;
// The jemalloc index of plateau's arena, once a scope has created it.
std::optional<unsigned> instrumentation_arena_index() noexcept;

// Memory from plateau's arena without a scope, for bookkeeping that runs
// on the program's own threads at the program's pace (the entity ledger
// hears of every entity the load ends, on the load's thread). A scope there
// would not help: the thread's cache, which serves most allocations, holds
// the program's objects whichever arena the thread is bound to. These
// bypass the cache (MALLOCX_TCACHE_NONE) and so cost a little more per
// call. On tcmalloc and system builds: operator new and delete.
void* instrumentation_allocate(std::size_t bytes);
void instrumentation_deallocate(void* pointer) noexcept;

// A standard allocator over instrumentation_allocate, for the containers
// of such bookkeeping. Stateless: every instance can free what another
// allocated.
template <class T>
struct InstrumentationAllocator {
  static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned types are not supported");
  using value_type = T;
  InstrumentationAllocator() noexcept = default;
  template <class U>
  InstrumentationAllocator(const InstrumentationAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(instrumentation_allocate(n * sizeof(T))); }
  void deallocate(T* pointer, std::size_t) noexcept { instrumentation_deallocate(pointer); }
  template <class U>
  bool operator==(const InstrumentationAllocator<U>&) const noexcept {
    return true;
  }
};

class InstrumentationScope {
 public:
  // kFlush: also flush the thread's cache on entry (once per sampling pass:
  // the allocator figures then hold no cached free objects). kBind: only
  // rebind: a few objects the thread cached may then cross between the
  // arenas, bounded by the cache's size, until the next kFlush scope.
  enum class Mode { kFlush, kBind };
  explicit InstrumentationScope(Mode mode = Mode::kBind) noexcept;
  ~InstrumentationScope();
  InstrumentationScope(const InstrumentationScope&) = delete;
  InstrumentationScope& operator=(const InstrumentationScope&) = delete;

 private:
  unsigned previous_arena_ = 0;
  bool rebound_ = false;
  bool flush_ = true;
};

}  // namespace plateau::probes
