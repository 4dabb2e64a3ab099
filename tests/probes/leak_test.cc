#define BOOST_TEST_MODULE probes_leak
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "probes/allocator_probe.h"
#include "probes/heap_diff.h"
#include "probes/heap_profiler.h"
#include "probes/registry.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace probes = plateau::probes;
namespace fs = std::filesystem;

// Leaks on purpose: `bytes` in blocks of `block_bytes`, pointers dropped.
// Exported and never inlined, so heap-profile stacks can name it.
extern "C++" __attribute__((noinline)) void plateau_test_leak_on_purpose(std::size_t bytes,
                                                                         std::size_t block_bytes) {
#if defined(__SANITIZE_ADDRESS__)
  __lsan_disable();  // a leak on purpose is not a finding of the ASan build
#endif
  for (std::size_t done = 0; done < bytes; done += block_bytes) {
    char* block = new char[block_bytes];
    std::memset(block, 0x5a, block_bytes);
    asm volatile("" : : "r"(block) : "memory");  // the compiler may not drop the allocation
  }
#if defined(__SANITIZE_ADDRESS__)
  __lsan_enable();
#endif
}

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kLeaked = 64 * kMiB;
constexpr std::size_t kBlock = 16 * 1024;

// Removed afterwards unless PLATEAU_KEEP_PROFILES is set (to open the dumps
// with jeprof / google-pprof by hand).
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("plateau-probes-leak-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    if (std::getenv("PLATEAU_KEEP_PROFILES") != nullptr) return;
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(allocator_figures_grow_by_what_was_leaked) {
  probes::ProbeRegistry registry;
  auto& alloc = static_cast<probes::AllocatorProbe&>(registry.add(probes::make_allocator_probe()));
  BOOST_TEST(alloc.backend() == probes::compiled_allocator());
  const plateau::engine::TimePoint t0{};
  const auto& first = registry.sample_all(t0);
  BOOST_TEST(first.samples.size() >= 2u);
  const double before = *registry.last_value("alloc.allocated_bytes");
  const double heap_before = *registry.last_value("alloc.heap_bytes");

  plateau_test_leak_on_purpose(kLeaked, kBlock);

  registry.sample_all(t0 + std::chrono::seconds(10));
  const double grown = *registry.last_value("alloc.allocated_bytes") - before;
  BOOST_TEST_MESSAGE(alloc.backend() << ": leaked " << kLeaked / kMiB
                                     << " MiB, alloc.allocated_bytes grew by " << grown / kMiB << " MiB");
  BOOST_TEST(grown >= 0.9 * kLeaked);
  BOOST_TEST(grown <= 1.5 * kLeaked);
  BOOST_TEST(*registry.last_value("alloc.heap_bytes") - heap_before >= 0.9 * kLeaked);
  BOOST_TEST(alloc.allocated_bytes() >= before + 0.9 * kLeaked);
  for (const auto& sample : registry.last_batch().samples) {
    const auto& info = registry.info(sample);
    BOOST_TEST(info.name.starts_with("alloc."));
    BOOST_TEST(info.unit == "bytes");
  }
}

BOOST_AUTO_TEST_CASE(heap_profile_diff_names_the_leaking_function) {
  auto profiler = probes::make_heap_profiler();
  BOOST_TEST(profiler->backend() == probes::compiled_allocator());
  if (probes::compiled_allocator() == "system") {
    BOOST_TEST(!profiler->available());
    BOOST_TEST(profiler->unavailable_reason().find("no heap profile") != std::string::npos);
    BOOST_TEST_MESSAGE("skipped on the system allocator build: " << profiler->unavailable_reason());
    return;
  }
  BOOST_REQUIRE_MESSAGE(profiler->available(), profiler->unavailable_reason());
  profiler->start();
  BOOST_TEST(profiler->active());
  BOOST_TEST(profiler->sample_period_bytes() == probes::kDefaultSamplePeriodBytes);

  TempDir dir;
  const fs::path base_file = dir.path / "base.heap";
  const fs::path leak_file = dir.path / "leak.heap";
  profiler->dump(base_file);
  plateau_test_leak_on_purpose(kLeaked, kBlock);
  profiler->dump(leak_file);
  profiler->stop();

  const probes::HeapProfile base = probes::parse_heap_profile_file(base_file);
  const probes::HeapProfile leak = probes::parse_heap_profile_file(leak_file);
  BOOST_TEST((leak.format == profiler->format()));
  probes::Symbolizer symbolizer;
  const probes::HeapDiff diff = probes::diff_heap_profiles(base, leak, symbolizer);
  BOOST_REQUIRE(!diff.top.empty());

  const probes::GrowingSite& top = diff.top.front();
  std::string stack;
  for (const auto& frame : top.stack) stack += "\n    " + frame.describe();
  BOOST_TEST_MESSAGE("top growing site: " << top.site_name() << ", +" << top.bytes_added / kMiB << " MiB, +"
                                          << top.objects_added << " objects" << stack);
  BOOST_TEST_MESSAGE("open with: " << probes::open_profile_command(
                         leak.format, fs::read_symlink("/proc/self/exe"), leak_file, base_file));
  BOOST_REQUIRE_MESSAGE(top.our_frame.has_value(), "no frame of ours in" << stack);
  const probes::Frame& ours = top.stack[*top.our_frame];
  BOOST_TEST(ours.function.find("plateau_test_leak_on_purpose") != std::string::npos,
             "top site is " << ours.describe() << stack);
  for (std::size_t i = 0; i < *top.our_frame; ++i) BOOST_TEST(!top.stack[i].ours);
  // Sampling estimates: about one sample per 16 KiB block at a 16 KiB period.
  BOOST_TEST(top.bytes_added >= 0.5 * kLeaked);
  BOOST_TEST(top.bytes_added <= 1.5 * kLeaked);
  BOOST_TEST(top.objects_added >= 0.5 * (kLeaked / kBlock));
}
