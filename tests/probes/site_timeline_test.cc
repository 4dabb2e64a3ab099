// Sampling from the start, then growth, not survivorship: with the real allocator's heap profiler, a
// cache that fills and then churns at its capacity is judged bounded, while
// a site that keeps what it allocates is judged growing and named with its
// file:line. Dumps stand for verdict-window boundaries (one per "hour").
#define BOOST_TEST_MODULE probes_site_timeline
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "probes/heap_profiler.h"
#include "probes/heap_timeline.h"
#include "soak/verdict/site_verdict.h"

namespace probes = plateau::probes;
namespace soak = plateau::soak;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlockBytes = 512;

struct Block {
  char bytes[kBlockBytes];
};

// A cache at capacity: every insert past capacity evicts the oldest entry.
extern "C++" __attribute__((noinline)) void plateau_test_churning_cache_put(std::deque<std::unique_ptr<Block>>& cache,
                                                                             std::size_t capacity) {
  auto block = std::make_unique<Block>();
  std::memset(block->bytes, 0x11, sizeof block->bytes);
  cache.push_back(std::move(block));
  if (cache.size() > capacity) cache.pop_front();
}

// A logical leak: everything allocated is kept, reachable.
extern "C++" __attribute__((noinline)) void plateau_test_growing_history_add(std::vector<std::unique_ptr<Block>>& history) {
  auto block = std::make_unique<Block>();
  std::memset(block->bytes, 0x22, sizeof block->bytes);
  history.push_back(std::move(block));
}

// Kept for the whole test: what the first dump must see.
extern "C++" __attribute__((noinline)) void plateau_test_kept_at_start(std::vector<std::unique_ptr<Block>>& kept) {
  auto block = std::make_unique<Block>();
  std::memset(block->bytes, 0x33, sizeof block->bytes);
  kept.push_back(std::move(block));
}

}  // namespace

// First in this file on purpose: it must run before anything else in the
// process has allocated much. Allocations made right after start() are
// sampled at the period in force, so the first dump estimates them near
// their true size. On tcmalloc the main thread's first 16 MiB used to go
// unsampled (the blind start, heap_profiler_tcmalloc.cc): the estimate was 0.
BOOST_AUTO_TEST_CASE(allocations_right_after_start_are_sampled) {
  auto profiler = probes::make_heap_profiler();
  if (!profiler->available()) {
    BOOST_TEST_MESSAGE("no heap profile on this build: " << profiler->unavailable_reason());
    return;
  }
  const fs::path dir = fs::temp_directory_path() / ("plateau-site-start-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  profiler->start();
  constexpr std::size_t kKept = 8192;  // 4 MiB, well under tcmalloc's 16 MiB blind stretch
  std::vector<std::unique_ptr<Block>> kept;
  kept.reserve(kKept);
  for (std::size_t i = 0; i < kKept; ++i) plateau_test_kept_at_start(kept);
  const fs::path file = dir / "start.heap";
  profiler->dump(file);
  const probes::HeapProfile profile = probes::parse_heap_profile_file(file);
  profiler->stop();
  fs::remove_all(dir);
  probes::Symbolizer symbolizer;
  probes::HeapTimelines timelines(symbolizer, {"probes/"});
  timelines.add(0, profile);
  double bytes = 0, samples = 0;
  for (const probes::SiteTimeline& s : timelines.sites()) {
    if (s.frame.function.find("plateau_test_kept_at_start") == std::string::npos) continue;
    bytes += s.bytes[0];
    samples += s.samples[0];
  }
  const double truth = static_cast<double>(kKept * kBlockBytes);
  BOOST_TEST_MESSAGE("kept " << truth << " bytes; estimated " << bytes << " from " << samples << " samples");
  // ~128 samples expected at 16 KiB: sqrt noise ~9%; the band is ~5 sigma.
  BOOST_TEST(samples >= 40);
  BOOST_TEST(bytes > 0.6 * truth);
  BOOST_TEST(bytes < 1.5 * truth);
}

BOOST_AUTO_TEST_CASE(churning_cache_is_bounded_while_a_growing_site_fires) {
  auto profiler = probes::make_heap_profiler();
  if (!profiler->available()) {
    BOOST_TEST_MESSAGE("no heap profile on this build: " << profiler->unavailable_reason());
    return;
  }
  const fs::path dir = fs::temp_directory_path() / ("plateau-site-timeline-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  profiler->start();

  constexpr std::size_t kCapacity = 8192;        // 4 MiB at capacity
  constexpr std::size_t kLeakPerWindow = 1024;   // 512 KiB kept per window
  constexpr std::size_t kChurnPerWindow = 8192;  // the whole cache turns over each window
  constexpr int kWindows = 12;
  std::deque<std::unique_ptr<Block>> cache;
  std::vector<std::unique_ptr<Block>> history;
  history.reserve(kLeakPerWindow * (kWindows + 1));  // the vector's own growth is not the point

  probes::Symbolizer symbolizer;
  probes::HeapTimelines timelines(symbolizer, {"probes/"});
  for (std::size_t i = 0; i < kCapacity; ++i) plateau_test_churning_cache_put(cache, kCapacity);  // warm-up fill
  for (int w = 0; w <= kWindows; ++w) {
    const fs::path file = dir / ("w" + std::to_string(w) + ".heap");
    profiler->dump(file);
    timelines.add(3600.0 * w, probes::parse_heap_profile_file(file));
    for (std::size_t i = 0; i < kChurnPerWindow; ++i) plateau_test_churning_cache_put(cache, kCapacity);
    for (std::size_t i = 0; i < kLeakPerWindow; ++i) plateau_test_growing_history_add(history);
  }
  profiler->stop();
  fs::remove_all(dir);

  const probes::SiteTimeline* cache_site = nullptr;
  const probes::SiteTimeline* leak_site = nullptr;
  // One function makes two sites (the block, and the deque's own chunks at
  // the push_back line): the block's is the larger.
  auto larger = [](const probes::SiteTimeline* a, const probes::SiteTimeline& b) {
    return a == nullptr || b.bytes.back() > a->bytes.back() ? &b : a;
  };
  for (const probes::SiteTimeline& s : timelines.sites()) {
    if (s.frame.function.find("plateau_test_churning_cache_put") != std::string::npos) cache_site = larger(cache_site, s);
    if (s.frame.function.find("plateau_test_growing_history_add") != std::string::npos) leak_site = larger(leak_site, s);
  }
  BOOST_REQUIRE_MESSAGE(cache_site != nullptr, "no site names the cache's function");
  BOOST_REQUIRE_MESSAGE(leak_site != nullptr, "no site names the leaking function");
  BOOST_TEST(leak_site->frame.file == "tests/probes/site_timeline_test.cc");
  BOOST_TEST(leak_site->frame.line > 0u);
  BOOST_TEST(!leak_site->third_party);
  BOOST_TEST(!leak_site->instrumentation);

  std::vector<soak::SiteSeries> inputs;
  for (const probes::SiteTimeline* s : {cache_site, leak_site}) {
    soak::SiteSeries in;
    in.id = s->id;
    in.label = s->frame.function;
    for (std::size_t k = 0; k < timelines.times().size(); ++k) {
      in.live_bytes.push_back(soak::Point{timelines.times()[k], s->bytes[k]});
    }
    in.samples = s->samples;
    std::string trace;
    for (std::size_t k = 0; k < s->bytes.size(); ++k) {
      trace += " " + std::to_string(static_cast<long long>(s->bytes[k] / 1024)) + "K/" +
               std::to_string(static_cast<long long>(s->samples[k]));
    }
    BOOST_TEST_MESSAGE(s->frame.function << " (KiB/samples):" << trace);
    inputs.push_back(std::move(in));
  }
  soak::VerdictSettings settings;
  settings.warm_up_end_s = 0;
  settings.window_s = 3600;
  settings.horizon_s = 3600.0 * kWindows;
  settings.alpha = 0.01;
  soak::SiteTolerances tolerances;
  tolerances.absolute_bytes = 1 << 20;
  tolerances.relative = 0.25;
  tolerances.floor_bytes = 64 << 10;
  const std::vector<soak::SiteJudgement> judged = soak::judge_sites(inputs, settings, tolerances);
  BOOST_REQUIRE_EQUAL(judged.size(), 2u);
  BOOST_TEST(judged[0].classification == soak::SiteClass::bounded,
             "cache judged " << soak::to_string(judged[0].classification) << ", "
                             << judged[0].bytes_per_hour << " bytes/h, peak " << judged[0].peak_bytes);
  BOOST_TEST(!judged[0].finding.has_value());
  BOOST_TEST(judged[1].classification == soak::SiteClass::growing,
             "leak judged " << soak::to_string(judged[1].classification) << ", " << judged[1].bytes_per_hour
                            << " bytes/h");
  BOOST_REQUIRE(judged[1].finding.has_value());
  BOOST_TEST(judged[1].finding->kind == soak::FindingKind::site);
  // 512 KiB per window, un-sampled: within a loose band of the truth.
  BOOST_TEST(judged[1].bytes_per_hour > 0.5 * kLeakPerWindow * kBlockBytes);
  BOOST_TEST(judged[1].bytes_per_hour < 2.0 * kLeakPerWindow * kBlockBytes);
  // The cache holds more than the leak ever does, and still ranks below it.
  BOOST_TEST(judged[0].peak_bytes > 2.0 * judged[1].growth_bytes / kWindows);
}
