// jemalloc backend of instrumentation_arena.h (PLATEAU_ALLOCATOR=jemalloc).
#include <jemalloc/jemalloc.h>

#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string_view>
#include <string>

#include "probes/instrumentation_arena.h"

namespace plateau::probes {
namespace {

constexpr unsigned kNoArena = ~0u;
std::atomic<unsigned> g_arena{kNoArena};  // written once, under the call_once below
std::once_flag g_arena_once;
thread_local int t_depth = 0;

// jemalloc 5.3 purges an arena completely (madvise on every dirty page,
// whatever its decay settings) the moment its last bound thread leaves it.
// A scope moves the sampling thread in and out of plateau's arena several
// times per pass, so that arena emptied and purged each time: 25,800
// madvise calls in a gate run instead of 1,200, and the TLB shootdowns they
// cause were most of the probe set's cost (docs/probes.md). One idle thread
// per arena involved, bound to it for the life of the process, keeps it from
// ever being left empty. They are named, so the thread series show them
// (a constant count).
struct Keeper {
  unsigned index = 0;
  std::atomic<bool> started{false};  // its thread was asked for (once per arena)
  std::atomic<bool> bound{false};    // its thread is bound to the arena
};

void* keep_bound_thread(void* arg) {
  auto* keeper = static_cast<Keeper*>(arg);
  unsigned index = keeper->index;
  mallctl("thread.arena", nullptr, nullptr, &index, sizeof index);
  keeper->bound.store(true, std::memory_order_release);  // keeper is not touched again
  for (;;) ::pause();
  return nullptr;
}

// One keeper per arena involved: plateau's own, and each arena a sampling
// thread came from (leaving the program's arena empty would purge its dirty
// pages at every scope, behind the allocator probe's back). Indexed by arena;
// lives as long as the keepers do.
constexpr unsigned kKeptArenas = 256;
Keeper g_keepers[kKeptArenas];

// Starts the keeper of `index` and waits (at most about a second) until it is
// bound, so the caller's next step out of the arena already finds it there.
void keep_bound(unsigned index) {
  if (index >= kKeptArenas) return;
  Keeper& keeper = g_keepers[index];
  if (keeper.started.exchange(true)) return;
  keeper.index = index;
  pthread_attr_t attr;
  if (::pthread_attr_init(&attr) != 0) return;
  ::pthread_attr_setstacksize(&attr, 64 * 1024);
  ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  if (::pthread_create(&thread, &attr, keep_bound_thread, &keeper) == 0) {
    ::pthread_setname_np(thread, "plateau-arena");
    for (int i = 0; i < 1000 && !keeper.bound.load(std::memory_order_acquire); ++i) ::usleep(1000);
  }
  ::pthread_attr_destroy(&attr);
}

unsigned arena_index() {
  std::call_once(g_arena_once, [] {
    // PLATEAU_INSTRUMENTATION_ARENA=0: no separate arena (for measuring
    // what the separation costs, or working around an allocator problem).
    if (const char* env = std::getenv("PLATEAU_INSTRUMENTATION_ARENA"); env && std::string_view(env) == "0") return;
    unsigned index = 0;
    std::size_t size = sizeof index;
    if (mallctl("arenas.create", &index, &size, nullptr, 0) != 0) return;
    // plateau's arena keeps its dirty pages: purging them (madvise) on every
    // decay tick cost more system time than the whole run's sampling, and
    // its memory is reused by the next pass anyway.
    for (const char* knob : {"dirty_decay_ms", "muzzy_decay_ms"}) {
      const std::string name = "arena." + std::to_string(index) + "." + knob;
      ssize_t never = -1;
      mallctl(name.c_str(), nullptr, nullptr, &never, sizeof never);
    }
    keep_bound(index);
    g_arena.store(index, std::memory_order_release);
  });
  return g_arena.load(std::memory_order_acquire);
}

void flush_thread_cache() noexcept { mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0); }

std::size_t read_size(const std::string& name) {
  std::size_t value = 0;
  std::size_t size = sizeof value;
  if (mallctl(name.c_str(), &value, &size, nullptr, 0) != 0) return 0;
  return value;
}

}  // namespace

bool instrumentation_arena_supported() noexcept { return true; }

std::optional<unsigned> instrumentation_arena_index() noexcept {
  const unsigned arena = g_arena.load(std::memory_order_acquire);
  if (arena == kNoArena) return std::nullopt;
  return arena;
}

void* instrumentation_allocate(std::size_t bytes) {
  const unsigned arena = arena_index();
  // Without a separate arena (disabled by the environment), the default
  // arena, still past the cache: the flags stay one rule for both frees.
  const int flags = MALLOCX_TCACHE_NONE | (arena == kNoArena ? 0 : static_cast<int>(MALLOCX_ARENA(arena)));
  void* pointer = mallocx(bytes == 0 ? 1 : bytes, flags);
  if (pointer == nullptr) throw std::bad_alloc();
  return pointer;
}

void instrumentation_deallocate(void* pointer) noexcept {
  if (pointer != nullptr) dallocx(pointer, MALLOCX_TCACHE_NONE);
}

InstrumentationScope::InstrumentationScope(Mode mode) noexcept : flush_(mode == Mode::kFlush) {
  if (t_depth++ > 0) return;
  const unsigned arena = arena_index();
  if (arena == kNoArena) return;
  std::size_t size = sizeof previous_arena_;
  unsigned target = arena;
  if (mallctl("thread.arena", &previous_arena_, &size, &target, sizeof target) != 0) return;
  keep_bound(previous_arena_);
  // Flushing on entry returns what the thread cached to the arenas it came
  // from, so neither side is served the other's objects and the allocator
  // figures read next hold no cached free objects. Once per sampling pass
  // only: every flush makes jemalloc purge pages sooner (madvise), which on
  // the hot path cost more system time than the whole run's sampling.
  if (flush_) flush_thread_cache();
  rebound_ = true;
}

InstrumentationScope::~InstrumentationScope() {
  --t_depth;
  if (!rebound_) return;
  mallctl("thread.arena", nullptr, nullptr, &previous_arena_, sizeof previous_arena_);
}

std::optional<InstrumentationFigures> instrumentation_figures() {
  const unsigned arena = g_arena.load(std::memory_order_acquire);
  if (arena == kNoArena) return std::nullopt;
  const std::string prefix = "stats.arenas." + std::to_string(arena) + ".";
  static const std::size_t page = read_size("arenas.page");
  InstrumentationFigures f;
  f.allocated_bytes = read_size(prefix + "small.allocated") + read_size(prefix + "large.allocated");
  f.active_bytes = read_size(prefix + "pactive") * page;
  f.resident_bytes = read_size(prefix + "resident");
  f.mapped_bytes = read_size(prefix + "mapped");
  return f;
}

}  // namespace plateau::probes
