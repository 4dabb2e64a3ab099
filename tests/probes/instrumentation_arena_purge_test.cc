// jemalloc 5.3 purges an arena in full (madvise on every dirty page,
// whatever its decay settings) when its last bound thread leaves it. A
// sampling scope moves its thread into plateau's arena and back, so without
// a thread that stays bound to each arena involved, plateau's arena was
// purged at every scope's end and the program's arena at every scope's
// start: 25,800 madvise calls in a gate run instead of 1,200, most of the
// probe set's cost, and the program's dirty pages dropped at every sample
// (instrumentation_arena_jemalloc.cc). jemalloc build only.
#define BOOST_TEST_MODULE probes_instrumentation_arena_purge
#include <boost/test/unit_test.hpp>

#include <jemalloc/jemalloc.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probes/instrumentation_arena.h"

namespace probes = plateau::probes;

namespace {

unsigned current_arena() {
  unsigned index = 0;
  std::size_t size = sizeof index;
  BOOST_REQUIRE(mallctl("thread.arena", &index, &size, nullptr, 0) == 0);
  return index;
}

std::uint64_t arena_stat(unsigned arena, const char* name) {
  std::uint64_t epoch = 1;
  std::size_t esize = sizeof epoch;
  mallctl("epoch", &epoch, &esize, &epoch, esize);
  std::uint64_t value = 0;
  std::size_t size = sizeof value;
  const std::string path = "stats.arenas." + std::to_string(arena) + "." + name;
  BOOST_REQUIRE_MESSAGE(mallctl(path.c_str(), &value, &size, nullptr, 0) == 0, path);
  return value;
}

// Allocates and frees 4 MiB in 64 KiB blocks: dirty pages in the current arena.
void churn() {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 64; ++i) {
    blocks.push_back(std::make_unique<char[]>(64 * 1024));
    blocks.back()[0] = 1;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(entering_and_leaving_scopes_purges_neither_arena) {
  unsigned own = 0;
  {
    const probes::InstrumentationScope first;  // creates the arena and its keepers
    own = current_arena();
  }
  const unsigned program = current_arena();
  BOOST_REQUIRE(own != program);

  const std::uint64_t own_purges = arena_stat(own, "dirty_npurge") + arena_stat(own, "muzzy_npurge");
  const std::uint64_t program_purges = arena_stat(program, "dirty_npurge") + arena_stat(program, "muzzy_npurge");
  for (int pass = 0; pass < 20; ++pass) {
    churn();  // the program's arena has dirty pages to lose
    const probes::InstrumentationScope scope;
    churn();  // and plateau's
  }
  const std::uint64_t own_after = arena_stat(own, "dirty_npurge") + arena_stat(own, "muzzy_npurge");
  const std::uint64_t program_after = arena_stat(program, "dirty_npurge") + arena_stat(program, "muzzy_npurge");
  BOOST_TEST_MESSAGE("purges: plateau's arena " << own_after - own_purges << ", the program's "
                                                << program_after - program_purges);
  BOOST_TEST(own_after == own_purges);  // never left empty, never purged
  // The program's arena purges on its own schedule (10 s decay), not once
  // per scope: 20 scopes within a fraction of a second leave it alone.
  BOOST_TEST(program_after - program_purges < 3u);
}
