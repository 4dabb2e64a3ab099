// The libunwind backtrace hook (probes/jemalloc_backtrace_hook.h), jemalloc
// build only: starting the heap profiler installs it (read back through the
// mallctl), the stacks it records start in jemalloc — never in the hook —
// and a sampled allocation is attributed to the function that made it, not
// to its caller (one level too high) nor to the hook (one too low).
#define BOOST_TEST_MODULE probes_jemalloc_backtrace_hook
#include <jemalloc/jemalloc.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "probes/heap_profiler.h"
#include "probes/heap_timeline.h"
#include "probes/jemalloc_backtrace_hook.h"
#include "probes/symbolizer.h"

namespace probes = plateau::probes;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlockBytes = 1024;
struct Block {
  char bytes[kBlockBytes];
};

// The allocating function; the memset after the allocation keeps the call
// from becoming a tail call, so its frame is on the stack.
extern "C++" __attribute__((noinline)) void plateau_test_hooked_leaf(
    std::vector<std::unique_ptr<Block>>& kept) {
  auto block = std::make_unique<Block>();
  std::memset(block->bytes, 0x5a, sizeof block->bytes);
  kept.push_back(std::move(block));
}

// Its caller: a site one level too high would be named after this.
extern "C++" __attribute__((noinline)) void plateau_test_hooked_caller(
    std::vector<std::unique_ptr<Block>>& kept, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) plateau_test_hooked_leaf(kept);
  asm volatile("" ::: "memory");
}

std::unique_ptr<probes::HeapProfiler> started_profiler() {
  auto profiler = probes::make_heap_profiler();
  BOOST_REQUIRE_MESSAGE(profiler->available(), profiler->unavailable_reason());
  profiler->start(12);  // one sample per 4 KiB: ~1 in 4 blocks
  return profiler;
}

}  // namespace

BOOST_AUTO_TEST_CASE(starting_the_profiler_installs_the_libunwind_hook) {
  auto profiler = started_profiler();
  const plateau_prof_backtrace_fn hook = probes::current_prof_backtrace_hook(&mallctl);
  profiler->stop();
  BOOST_TEST(reinterpret_cast<void*>(hook) == reinterpret_cast<void*>(&plateau_prof_backtrace_libunwind));
  BOOST_TEST(profiler->limitation() == "");
}

BOOST_AUTO_TEST_CASE(a_sampled_allocation_is_attributed_to_the_function_that_made_it) {
  auto profiler = started_profiler();
  const fs::path dir = fs::temp_directory_path() / ("plateau-unwind-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<std::unique_ptr<Block>> kept;
  kept.reserve(4096);
  plateau_test_hooked_caller(kept, 4096);  // 4 MiB: ~1000 samples expected
  const fs::path file = dir / "hooked.heap";
  profiler->dump(file);
  profiler->stop();
  const probes::HeapProfile profile = probes::parse_heap_profile_file(file);
  fs::remove_all(dir);

  probes::Symbolizer symbolizer;
  // Every recorded stack starts at the return address into jemalloc: the
  // hook's own frame (and libunwind's) is cut off.
  std::size_t stacks = 0;
  for (const probes::HeapSite& site : profile.sites) {
    if (site.stack.empty()) continue;
    ++stacks;
    const probes::Frame& first = symbolizer.resolve(site.stack.front()).front();
    BOOST_TEST(first.function.find("plateau_prof_backtrace_libunwind") == std::string::npos,
               first.describe());
    BOOST_TEST(first.module.find("libunwind") == std::string::npos, first.describe());
  }
  BOOST_TEST(stacks > 0u);

  probes::HeapTimelines timelines(symbolizer, {"probes/"});
  timelines.add(0, profile);
  double leaf_bytes = 0, caller_bytes = 0, leaf_samples = 0;
  for (const probes::SiteTimeline& s : timelines.sites()) {
    if (s.frame.function.find("plateau_test_hooked_leaf") != std::string::npos) {
      leaf_bytes += s.bytes[0];
      leaf_samples += s.samples[0];
      BOOST_TEST(s.frame.file.find("jemalloc_backtrace_hook_test.cc") != std::string::npos,
                 s.frame.describe());
    }
    if (s.frame.function.find("plateau_test_hooked_caller") != std::string::npos) caller_bytes += s.bytes[0];
    BOOST_TEST(s.frame.function.find("plateau_prof_backtrace_libunwind") == std::string::npos, s.id);
  }
  const double truth = 4096.0 * kBlockBytes;
  BOOST_TEST_MESSAGE("leaf: " << leaf_bytes << " bytes from " << leaf_samples << " samples (truth " << truth
                              << "); caller: " << caller_bytes);
  BOOST_TEST(leaf_samples >= 500);  // ~1000 expected; the band is far outside Poisson noise
  BOOST_TEST(leaf_bytes > 0.7 * truth);
  BOOST_TEST(leaf_bytes < 1.4 * truth);
  BOOST_TEST(caller_bytes == 0);
}

namespace {
int fake_errno = 0;
// A jemalloc without the hook mallctl: profiling is built in, the hook is not.
int mallctl_without_hook(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen) {
  if (std::strcmp(name, probes::kProfBacktraceHookCtl) == 0) return fake_errno;
  return mallctl(name, oldp, oldlenp, newp, newlen);
}
}  // namespace

BOOST_AUTO_TEST_CASE(without_the_hook_mallctl_the_default_unwinder_is_kept_and_said) {
  fake_errno = ENOENT;
  const probes::BacktraceHookResult missing = probes::install_libunwind_backtrace_hook(&mallctl_without_hook);
  BOOST_TEST(!missing.installed);
  BOOST_TEST(std::string(missing.reason).find("experimental.hooks.prof_backtrace") != std::string::npos,
             missing.reason);
  BOOST_TEST(probes::current_prof_backtrace_hook(&mallctl_without_hook) == nullptr);

  const probes::BacktraceHookResult no_jemalloc = probes::install_libunwind_backtrace_hook(nullptr);
  BOOST_TEST(!no_jemalloc.installed);
  BOOST_TEST(std::string(no_jemalloc.reason).find("default unwinder") != std::string::npos,
             no_jemalloc.reason);
}
