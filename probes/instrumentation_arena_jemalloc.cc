// jemalloc backend of instrumentation_arena.h (PLATEAU_ALLOCATOR=jemalloc).
#include <jemalloc/jemalloc.h>

#include <atomic>
#include <sys/types.h>

#include <cstdlib>
#include <mutex>
#include <string_view>
#include <string>

#include "probes/instrumentation_arena.h"

namespace plateau::probes {
namespace {

constexpr unsigned kNoArena = ~0u;
std::atomic<unsigned> g_arena{kNoArena};  // written once, under the call_once below
std::once_flag g_arena_once;
thread_local int t_depth = 0;

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

InstrumentationScope::InstrumentationScope(Mode mode) noexcept : flush_(mode == Mode::kFlush) {
  if (t_depth++ > 0) return;
  const unsigned arena = arena_index();
  if (arena == kNoArena) return;
  std::size_t size = sizeof previous_arena_;
  unsigned target = arena;
  if (mallctl("thread.arena", &previous_arena_, &size, &target, sizeof target) != 0) return;
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
