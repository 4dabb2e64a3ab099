#define BOOST_TEST_MODULE probes_process
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <latch>
#include <thread>
#include <vector>

#include "probes/allocator_probe.h"
#include "probes/heap_in_use.h"
#include "probes/process_probe.h"
#include "probes/registry.h"

namespace probes = plateau::probes;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
const plateau::engine::TimePoint kNow{std::chrono::seconds(1'700'000'000)};

double sampled(probes::ProbeRegistry& registry, std::string_view name) {
  registry.sample_all(kNow);
  auto v = registry.last_value(name);
  BOOST_REQUIRE_MESSAGE(v, "series " << name << " was not sampled");
  return *v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(touching_memory_raises_rss_by_about_that_much) {
  probes::ProbeRegistry registry;
  registry.emplace<probes::ProcessProbe>();
  constexpr std::size_t kTouched = 64 * kMiB;

  const double before = sampled(registry, "process.rss_bytes");
  // mmap rather than malloc, so the allocator's caching cannot blur the figure.
  void* block = ::mmap(nullptr, kTouched, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  BOOST_REQUIRE(block != MAP_FAILED);
  std::memset(block, 0x5a, kTouched);
  const double touched = sampled(registry, "process.rss_bytes");
  const double hwm = sampled(registry, "process.hwm_bytes");
  ::munmap(block, kTouched);
  const double released = sampled(registry, "process.rss_bytes");

  const double grown = touched - before;
  BOOST_TEST_MESSAGE("touched 64 MiB: process.rss_bytes grew by " << grown / kMiB << " MiB");
  BOOST_TEST(grown >= 0.95 * kTouched);
#if defined(__SANITIZE_ADDRESS__)
  // memset under ASan also touches the block's shadow memory: 1/8 of it.
  constexpr double kShadow = kTouched / 8.0;
#else
  constexpr double kShadow = 0;
#endif
  BOOST_TEST(grown <= 1.05 * kTouched + kShadow + 4.0 * kMiB);
  BOOST_TEST(hwm >= 0.99 * touched);  // the kernel syncs RSS counters lazily
  // The high-water mark agrees with the kernel's VmHWM line of /proc/self/status.
  const double vm_hwm = static_cast<double>(probes::read_process_figures().hwm_bytes);
  BOOST_TEST(vm_hwm >= 0.99 * touched);
  BOOST_TEST(std::abs(vm_hwm - hwm) <= 4.0 * kMiB);
  BOOST_TEST(touched - released >= 0.95 * kTouched);
}

BOOST_AUTO_TEST_CASE(opening_files_raises_the_fd_count) {
  const auto process_wide = probes::read_process_figures().open_fds;
  probes::ProbeRegistry registry;
  registry.emplace<probes::ProcessProbe>();
  const double before = sampled(registry, "process.open_fds");
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) {
    fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    BOOST_REQUIRE(fds.back() >= 0);
  }
  BOOST_TEST(sampled(registry, "process.open_fds") == before + 10);
  for (int fd : fds) ::close(fd);
  BOOST_TEST(sampled(registry, "process.open_fds") == before);
  // The probe's own /proc descriptors are left out of its figure.
  BOOST_TEST(before == process_wide);
}

BOOST_AUTO_TEST_CASE(threads_are_counted) {
  probes::ProbeRegistry registry;
  registry.emplace<probes::ProcessProbe>();
  const double before = sampled(registry, "process.threads");
  std::latch started(3), finish(1);
  std::vector<std::jthread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      started.count_down();
      finish.wait();
    });
  }
  started.wait();
  BOOST_TEST(sampled(registry, "process.threads") == before + 3);
  finish.count_down();
}

// Issue 9 item 5: a thread or fd leak names the resource.
BOOST_AUTO_TEST_CASE(fd_targets_and_thread_names_are_grouped) {
  BOOST_TEST(probes::fd_group_of("socket:[12345]") == "socket");
  BOOST_TEST(probes::fd_group_of("pipe:[777]") == "pipe");
  BOOST_TEST(probes::fd_group_of("anon_inode:[eventfd]") == "anon_inode:[eventfd]");
  BOOST_TEST(probes::fd_group_of("/memfd:order-journal (deleted)") == "memfd:order-journal");
  BOOST_TEST(probes::fd_group_of("/var/log/app/journal-12.log") == "/var/log/app/journal-#.log");
  BOOST_TEST(probes::thread_group_of("worker-3\n") == "worker-#");
  BOOST_TEST(probes::thread_group_of("exit retry\n") == "exit_retry");
}

// The run's own folders differ between runs: compare must see one series.
BOOST_AUTO_TEST_CASE(paths_under_the_run_folders_do_not_depend_on_where_the_run_was_written) {
  const std::vector<probes::RunFolder> a{{"/tmp/run-a/out", "[out]"}, {"/tmp/run-a/out/state", "[state]"}};
  const std::vector<probes::RunFolder> b{{"/work/ci/run-b", "[out]"}, {"/work/ci/run-b/state", "[state]"}};
  BOOST_TEST(probes::fd_group_of("/tmp/run-a/out/run.log", a) == "[out]/run.log");
  BOOST_TEST(probes::fd_group_of("/work/ci/run-b/run.log", b) == "[out]/run.log");
  BOOST_TEST(probes::fd_group_of("/tmp/run-a/out/state/plans.sqlite-wal", a) == "[state]/plans.sqlite-wal");
  BOOST_TEST(probes::fd_group_of("/work/ci/run-b/state/plans.sqlite-wal", b) == "[state]/plans.sqlite-wal");
  BOOST_TEST(probes::fd_group_of("/tmp/run-a/out/heap/jeprof.123.4.i5.heap (deleted)", a) ==
             "[out]/heap/jeprof.#.#.i#.heap");
  // Only whole folder names match; other paths keep the rule as it was.
  BOOST_TEST(probes::fd_group_of("/tmp/run-a/outside/x-1.log", a) == "/tmp/run-a/outside/x-#.log");
  BOOST_TEST(probes::fd_group_of("socket:[1]", a) == "socket");
  // Series named with a marker are still group series for compare.
  BOOST_TEST(probes::is_group_series(std::string(probes::kFdGroupPrefix) + "[out]/run.log"));
  BOOST_TEST(probes::is_group_series(std::string(probes::kThreadGroupPrefix) + "worker-#"));
}

BOOST_AUTO_TEST_CASE(leaked_memfds_and_named_threads_get_series_of_their_own) {
  probes::ProbeRegistry registry;
  registry.emplace<probes::ProcessProbe>();
  registry.sample_all(kNow);
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(::memfd_create("probe-test-journal", MFD_CLOEXEC));
  std::latch started(2), release(1);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      ::pthread_setname_np(::pthread_self(), "leaky-7");
      started.count_down();
      release.wait();
    });
  }
  started.wait();
  BOOST_TEST(sampled(registry, "process.fds.memfd:probe-test-journal") == 3.0);
  BOOST_TEST(sampled(registry, "process.threads.leaky-#") == 2.0);
  release.count_down();
  for (auto& t : threads) t.join();
  for (int fd : fds) ::close(fd);
  // A group once seen stays published, at 0 when drained.
  BOOST_TEST(sampled(registry, "process.fds.memfd:probe-test-journal") == 0.0);
  BOOST_TEST(sampled(registry, "process.threads.leaky-#") == 0.0);
  const auto& info = registry.series().info(*registry.series().find("process.threads.leaky-#"));
  BOOST_TEST(info.unit == "threads");
  BOOST_TEST(info.component == "process");
}

BOOST_AUTO_TEST_CASE(group_cardinality_is_capped_and_the_rest_is_other) {
  probes::SeriesTable table;
  std::vector<probes::Sample> samples;
  probes::SampleWriter out(table, samples);
  probes::GroupCounter groups("process.fds.", "fds", 2);
  groups.begin_pass();
  for (const char* g : {"/a", "/b", "/c", "/d", "/a"}) groups.count(g);
  groups.publish(out);
  BOOST_TEST(groups.groups() == (std::vector<std::string>{"/a", "/b", "other"}));
  BOOST_REQUIRE(samples.size() == 3u);
  BOOST_TEST(samples[0].value == 2.0);
  BOOST_TEST(samples[2].value == 2.0);  // /c and /d
  BOOST_TEST(table.info(samples[2].series).name == "process.fds.other");
}

// The probes say which of their series the verdict judges: what the program
// holds is judged; address space kept for reuse, a high-water mark, raw
// readings and plateau's own memory are context. On every allocator build.
BOOST_AUTO_TEST_CASE(probes_publish_which_series_are_judged) {
  probes::ProbeRegistry registry;
  registry.emplace<probes::ProcessProbe>();
  registry.add(probes::make_allocator_probe());
  registry.sample_all(kNow);
  registry.sample_all(kNow + std::chrono::seconds(1));
  const probes::SeriesTable& table = registry.series();
  auto role = [&](std::string_view name) {
    const auto id = table.find(name);
    BOOST_REQUIRE_MESSAGE(id, "series " << name << " was not published");
    return table.info(*id).role;
  };
  BOOST_TEST((role("process.rss_bytes") == probes::SeriesRole::kJudged));
  BOOST_TEST((role("process.threads") == probes::SeriesRole::kJudged));
  BOOST_TEST((role("process.hwm_bytes") == probes::SeriesRole::kContext));
  BOOST_TEST((role("alloc.allocated_bytes") == probes::SeriesRole::kJudged));
  BOOST_TEST((role("alloc.heap_bytes") == probes::SeriesRole::kContext));
  std::size_t judged_alloc = 0;
  for (std::size_t id = 0; id < table.size(); ++id) {
    const probes::SeriesInfo& info = table.info(static_cast<probes::SeriesId>(id));
    if (info.name.starts_with("alloc.") && info.role == probes::SeriesRole::kJudged) ++judged_alloc;
    if (info.name.ends_with("mapped_bytes") || info.name.ends_with("retained_bytes") ||
        info.name.ends_with("free_bytes") || info.name.starts_with("alloc.instrumentation_")) {
      BOOST_TEST((info.role == probes::SeriesRole::kContext), info.name);
    }
  }
  const std::string_view allocator = probes::compiled_allocator();
  BOOST_TEST(judged_alloc == (allocator == "jemalloc" ? 3u : 1u));  // + active and resident in use on jemalloc
  if (allocator == "jemalloc") {
    BOOST_TEST((role("alloc.jemalloc.resident_in_use_bytes") == probes::SeriesRole::kJudged));
    BOOST_TEST((role("alloc.jemalloc.resident_bytes") == probes::SeriesRole::kContext));
  }
  // The figures a running process never has at 0 say so, so a probe that
  // reads 0 throughout makes the run inconclusive, not bounded: every
  // judged allocator figure, RSS and threads; not fds (a daemon may close
  // all of its own) nor context series.
  auto never_zero = [&](std::string_view name) { return table.info(*table.find(name)).never_zero; };
  BOOST_TEST(never_zero("process.rss_bytes"));
  BOOST_TEST(never_zero("process.threads"));
  BOOST_TEST(!never_zero("process.open_fds"));
  BOOST_TEST(!never_zero("process.hwm_bytes"));
  for (std::size_t id = 0; id < table.size(); ++id) {
    const probes::SeriesInfo& info = table.info(static_cast<probes::SeriesId>(id));
    if (info.name.starts_with("alloc.")) {
      BOOST_TEST(info.never_zero == (info.role == probes::SeriesRole::kJudged), info.name);
    }
  }
  // A name re-published with another role is two probes disagreeing.
  probes::SeriesTable own;
  own.intern("x.bytes", "bytes", "c", probes::SeriesFamily::kProcess);
  BOOST_CHECK_THROW(own.intern("x.bytes", "bytes", "c", probes::SeriesFamily::kProcess, probes::SeriesRole::kContext),
                    std::logic_error);
}

// The soak API judges the bytes a program holds by its allocator's own
// count, found at run time (probes/heap_in_use.h): the reader must be this
// build's allocator, and its figure must follow what the program holds.
BOOST_AUTO_TEST_CASE(the_allocators_count_of_held_bytes_is_found_and_follows_the_program) {
  const std::optional<probes::HeapInUseReader> reader = probes::heap_in_use_reader();
  BOOST_TEST_REQUIRE(reader.has_value());
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  BOOST_TEST(reader->source == "sanitizer");
#elif defined(PLATEAU_ALLOCATOR_JEMALLOC)
  BOOST_TEST(reader->source == "jemalloc");
#elif defined(PLATEAU_ALLOCATOR_TCMALLOC)
  BOOST_TEST(reader->source == "tcmalloc");
#else
  BOOST_TEST(reader->source == "glibc");
#endif
  constexpr std::size_t kHeld = 8 * kMiB;
  const std::optional<std::uint64_t> before = reader->read();
  BOOST_TEST_REQUIRE(before.has_value());
  // Many small blocks, as a leak keeps them (not one mapping of its own).
  std::vector<std::vector<char>> held;
  for (std::size_t i = 0; i < kHeld / 256; ++i) held.emplace_back(256, 'x');
  const std::optional<std::uint64_t> during = reader->read();
  BOOST_TEST_REQUIRE(during.has_value());
  const double grown = static_cast<double>(*during) - static_cast<double>(*before);
  // The blocks, plus the vector of their handles (24 B each, up to twice that).
  BOOST_TEST(grown >= 0.95 * kHeld, grown);
  BOOST_TEST(grown <= 1.6 * kHeld, grown);
  held.clear();
  held.shrink_to_fit();
  const std::optional<std::uint64_t> after = reader->read();
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(static_cast<double>(*after) < static_cast<double>(*before) + 0.1 * kHeld, *after);
}
