// jemalloc returns the pages it holds freed (dirty) on the wall clock, so on
// a virtual clock what is still dirty at a sample depends on the machine's
// speed. The judged resident figure is net of them; the judged RSS is read
// after a purge of the program's arenas, at most once a virtual minute (a
// purge per pass was most of the probe set's cost). jemalloc build only.
#define BOOST_TEST_MODULE probes_freed_pages
#include <boost/test/unit_test.hpp>

#include <jemalloc/jemalloc.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "probes/allocator_probe.h"
#include "probes/instrumentation_arena.h"
#include "probes/process_probe.h"
#include "probes/registry.h"

namespace probes = plateau::probes;

namespace {

constexpr std::size_t kBlockBytes = 64 * 1024;
constexpr std::size_t kBlocks = 128;  // 8 MiB
constexpr double kMiB = 1024.0 * 1024.0;

unsigned current_arena() {
  unsigned index = 0;
  std::size_t size = sizeof index;
  BOOST_REQUIRE(mallctl("thread.arena", &index, &size, nullptr, 0) == 0);
  return index;
}

std::uint64_t dirty_purges(unsigned arena) {
  std::uint64_t epoch = 1;
  std::size_t esize = sizeof epoch;
  mallctl("epoch", &epoch, &esize, &epoch, esize);
  std::uint64_t value = 0;
  std::size_t size = sizeof value;
  const std::string path = "stats.arenas." + std::to_string(arena) + ".dirty_npurge";
  BOOST_REQUIRE_MESSAGE(mallctl(path.c_str(), &value, &size, nullptr, 0) == 0, path);
  return value;
}

void purge(unsigned arena) {
  const std::string path = "arena." + std::to_string(arena) + ".purge";
  BOOST_REQUIRE_MESSAGE(mallctl(path.c_str(), nullptr, nullptr, nullptr, 0) == 0, path);
}

// kBlocks blocks with every page written, so they are resident.
std::vector<std::unique_ptr<char[]>> touched_blocks() {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (std::size_t i = 0; i < kBlocks; ++i) {
    blocks.push_back(std::make_unique<char[]>(kBlockBytes));
    for (std::size_t at = 0; at < kBlockBytes; at += 4096) blocks.back()[at] = 1;
  }
  return blocks;
}

struct Figures {
  double resident = 0, resident_in_use = 0, dirty = 0, rss = 0, rss_raw = 0;
};

using plateau::engine::TimePoint;
constexpr auto kPass = std::chrono::seconds(10);  // the gate's sample interval

Figures sample(probes::ProbeRegistry& registry, TimePoint now) {
  registry.sample_all(now);
  auto get = [&](const char* name) {
    const auto v = registry.last_value(name);
    BOOST_REQUIRE_MESSAGE(v.has_value(), name << " is published");
    return *v;
  };
  Figures f{get("alloc.jemalloc.resident_bytes"), get("alloc.jemalloc.resident_in_use_bytes"),
            get("alloc.jemalloc.dirty_bytes"), get("process.rss_bytes"), 0.0};
  f.rss_raw = registry.last_value("process.rss_raw_bytes").value_or(f.rss);
  return f;
}

struct Probes {
  Probes() {
    ::unsetenv("PLATEAU_JEMALLOC_PURGE_INTERVAL_S");  // the shipped minute
    registry.add(probes::make_allocator_probe());
    registry.add(std::make_unique<probes::ProcessProbe>());
    { const probes::InstrumentationScope scope; }  // plateau's arena and its keepers, as in a run
  }
  probes::ProbeRegistry registry;
};

}  // namespace

// Resident bytes are judged net of dirty pages: no purge needed for them.
BOOST_AUTO_TEST_CASE(returning_freed_pages_moves_raw_resident_not_resident_in_use) {
  Probes p;
  TimePoint now{};
  sample(p.registry, now);  // the first pass purges; the next ones within a minute do not
  touched_blocks();         // 8 MiB freed at once: dirty pages of the program's arena
  const Figures dirty = sample(p.registry, now += kPass);
  purge(current_arena());  // what jemalloc's decay does, some wall-clock seconds later
  const Figures clean = sample(p.registry, now += kPass);
  BOOST_TEST_MESSAGE("dirty " << dirty.dirty / kMiB << " MiB; resident " << dirty.resident / kMiB << " -> "
                              << clean.resident / kMiB << ", in use " << dirty.resident_in_use / kMiB
                              << " -> " << clean.resident_in_use / kMiB);
  BOOST_TEST(dirty.dirty >= 7 * kMiB);
  BOOST_TEST(clean.dirty < 1 * kMiB);
  BOOST_TEST(dirty.resident - clean.resident >= 7 * kMiB);  // raw: drops with the purge
  BOOST_TEST(std::abs(dirty.resident_in_use - clean.resident_in_use) < 1 * kMiB);  // in use: does not
}

// RSS cannot be taken net of dirty pages (part of them were never touched,
// so never resident): it is read live after a purge, at most once a minute,
// and held in between.
BOOST_AUTO_TEST_CASE(judged_rss_is_the_reading_after_the_last_purge) {
  Probes p;
  TimePoint now{};
  const Figures purged = sample(p.registry, now);
  const auto kept = touched_blocks();  // 8 MiB kept: a leak
  const Figures between = sample(p.registry, now += kPass);
  BOOST_TEST(between.rss == purged.rss);                 // held: no purge within the minute
  BOOST_TEST(between.rss_raw - purged.rss >= 7 * kMiB);  // every pass's reading is still recorded
  BOOST_TEST(between.resident_in_use - purged.resident_in_use >= 7 * kMiB);  // the allocator sees it at once
  now += std::chrono::seconds(60);
  const Figures next = sample(p.registry, now);  // a minute on: purged and read again
  BOOST_TEST(next.rss - purged.rss >= 7 * kMiB);
  BOOST_TEST(next.rss == next.rss_raw);
}

// plateau's own arena keeps its freed pages between purges (it never
// decays them), and the entity ledger churns in it at the load's pace: the
// minute's purge returns them too, or they would ratchet the judged RSS up
// with plateau's churn (2.2 MB over a clean gate run).
BOOST_AUTO_TEST_CASE(plateaus_freed_pages_leave_the_judged_rss_at_the_next_purge) {
  Probes p;
  TimePoint now{};
  const Figures before = sample(p.registry, now);
  {
    const probes::InstrumentationScope scope;
    const auto freed = touched_blocks();  // 8 MiB of plateau's, written, then freed
  }
  now += std::chrono::seconds(60);
  const Figures after = sample(p.registry, now);  // purged and read again
  BOOST_TEST_MESSAGE("plateau's 8 MiB freed: judged RSS " << (after.rss - before.rss) / kMiB << " MiB");
  BOOST_TEST(after.rss - before.rss < 1 * kMiB);
}

BOOST_AUTO_TEST_CASE(the_programs_arena_is_purged_once_a_minute_not_every_pass) {
  Probes p;
  const unsigned program = current_arena();
  TimePoint now{};
  const std::uint64_t purges_before = dirty_purges(program);
  for (int pass = 0; pass < 24; ++pass) {  // 4 virtual minutes at 10 s
    touched_blocks();                      // dirty pages a purge returns (and the program re-faults)
    sample(p.registry, now);
    now += kPass;
  }
  const std::uint64_t purges = dirty_purges(program) - purges_before;
  BOOST_TEST_MESSAGE("purges of the program's arena over 24 passes: " << purges);
  // Four by the probe; jemalloc's own decay (10 s of wall clock) adds none in
  // the fraction of a second this takes. Every pass would make 24.
  BOOST_TEST(purges >= 4u);
  BOOST_TEST(purges <= 6u);
}
