#define BOOST_TEST_MODULE probes_instrumentation_arena
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "probes/allocator_probe.h"
#include "probes/entity_ledger.h"
#include "probes/instrumentation_arena.h"
#include "probes/process_probe.h"
#include "probes/registry.h"

// Issue 9 item 6: plateau's own memory is kept apart from the program's and
// subtracted from the judged allocator series. On tcmalloc and system builds
// there is no arena to keep it in: the test checks that it says so.

namespace probes = plateau::probes;

namespace {

constexpr std::size_t kBlocks = 256;
constexpr std::size_t kBlockBytes = 16 * 1024;  // 4 MiB in all

std::vector<std::unique_ptr<char[]>> allocate_blocks() {
  std::vector<std::unique_ptr<char[]>> blocks;
  blocks.reserve(kBlocks);
  for (std::size_t i = 0; i < kBlocks; ++i) blocks.push_back(std::make_unique<char[]>(kBlockBytes));
  return blocks;
}

}  // namespace

BOOST_AUTO_TEST_CASE(memory_allocated_in_a_scope_is_plateaus_not_the_programs) {
  auto probe = probes::make_allocator_probe();
  if (!probes::instrumentation_arena_supported()) {
    BOOST_TEST(!probes::instrumentation_figures().has_value());
    return;
  }
  { const probes::InstrumentationScope warm; }  // creates the arena
  const double program_before = static_cast<double>(probe->allocated_bytes());
  const std::size_t own_before = probes::instrumentation_figures().value().allocated_bytes;

  std::vector<std::unique_ptr<char[]>> own;
  {
    const probes::InstrumentationScope scope;
    own = allocate_blocks();
  }
  const double program_after_own = static_cast<double>(probe->allocated_bytes());
  const std::size_t own_after = probes::instrumentation_figures().value().allocated_bytes;
  BOOST_TEST_MESSAGE("4 MiB in a scope: plateau's arena +" << (own_after - own_before) << " B, program "
                                                          << program_after_own - program_before << " B");
  BOOST_TEST(own_after - own_before >= kBlocks * kBlockBytes);
  BOOST_TEST(program_after_own - program_before < 512.0 * 1024);  // the program did not grow

  // Outside a scope the same allocation is the program's.
  auto program = allocate_blocks();
  const double program_after = static_cast<double>(probe->allocated_bytes());
  BOOST_TEST(program_after - program_after_own >= 0.9 * kBlocks * kBlockBytes);
  BOOST_TEST(static_cast<double>(probes::instrumentation_figures().value().allocated_bytes) -
                 static_cast<double>(own_after) <
             512.0 * 1024);

  // Freed from outside a scope, plateau's blocks leave plateau's figures
  // (the figures are a snapshot of the last epoch: the probe refreshes it).
  own.clear();
  probe->allocated_bytes();
  BOOST_TEST(probes::instrumentation_figures().value().allocated_bytes < own_after - kBlocks * kBlockBytes / 2);
}

// The ledger hears of every ended entity on the load's own thread, outside
// any scope; its records must still be plateau's memory, not the program's
// (on a gate run they are about 1 MiB, filling over the first hours).
BOOST_AUTO_TEST_CASE(the_entity_ledger_keeps_its_records_in_plateaus_arena) {
  auto probe = probes::make_allocator_probe();
  probes::EntityLedger ledger;
  const auto record = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      ledger.terminated(plateau::engine::EntityKind::kOrder, "order-with-a-long-enough-key-" + std::to_string(i),
                        plateau::engine::TimePoint{}, std::chrono::minutes(1));
    }
  };
  record(0, 100);  // creates plateau's arena, if the build has one
  const double program_before = static_cast<double>(probe->allocated_bytes());
  const std::size_t own_before = probes::instrumentation_figures().value_or(probes::InstrumentationFigures{}).allocated_bytes;
  constexpr int kRecords = 20000;
  record(100, 100 + kRecords);
  const double program_after = static_cast<double>(probe->allocated_bytes());
  const std::size_t own_after = probes::instrumentation_figures().value_or(probes::InstrumentationFigures{}).allocated_bytes;
  BOOST_TEST_MESSAGE(kRecords << " ledger records: plateau's arena +" << (own_after - own_before)
                              << " B, program " << program_after - program_before << " B");
  BOOST_TEST(ledger.size() == static_cast<std::size_t>(100 + kRecords));
  if (!probes::instrumentation_arena_supported()) {
    BOOST_TEST(program_after - program_before >= 64.0 * kRecords);  // the program's, as the build says
    return;
  }
  BOOST_TEST(static_cast<double>(own_after - own_before) >= 64.0 * kRecords);
  BOOST_TEST(program_after - program_before < 256.0 * 1024);
}

BOOST_AUTO_TEST_CASE(the_allocator_probe_publishes_plateaus_own_bytes_apart) {
  probes::ProbeRegistry registry;
  registry.add(probes::make_allocator_probe());
  registry.sample_all(plateau::engine::TimePoint{});
  const bool published = registry.last_value("alloc.instrumentation_bytes").has_value();
  BOOST_TEST(published == probes::instrumentation_arena_supported());
}

// Only jemalloc returns freed pages on the wall clock: there RSS is read
// live after a purge once a minute and every pass's reading is kept apart
// (process.rss_raw_bytes); elsewhere every reading is live.
BOOST_AUTO_TEST_CASE(raw_rss_is_kept_apart_only_where_the_allocator_holds_freed_pages) {
  probes::ProbeRegistry registry;
  registry.add(probes::make_allocator_probe());
  registry.add(std::make_unique<probes::ProcessProbe>());
  plateau::engine::TimePoint now{};
  registry.sample_all(now);
  registry.sample_all(now + std::chrono::seconds(10));
  const bool jemalloc = probes::compiled_allocator() == "jemalloc";
  BOOST_TEST(probes::allocator_rss_is_live() == !jemalloc);
  BOOST_TEST(registry.last_value("process.rss_raw_bytes").has_value() == jemalloc);
  BOOST_TEST(registry.last_value("alloc.jemalloc.resident_in_use_bytes").has_value() == jemalloc);
}
