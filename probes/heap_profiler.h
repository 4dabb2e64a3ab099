// HeapProfiler: switches the allocator's sampling heap profiler on and dumps it.
//
// Backends, matching the allocator compiled in (make_heap_profiler()):
//   - jemalloc: profiling is compiled in but inactive (cmake/jemalloc_conf.cc:
//     `prof:true,prof_active:false,lg_prof_sample:14`). start() optionally
//     resets the sample rate (`prof.reset` with lg_sample) and sets
//     `prof.active`; dump(file) writes a heap_v2 dump with `prof.dump`.
//   - tcmalloc (gperftools): the sampled heap. Sampling is fixed when the
//     process starts by the environment variable TCMALLOC_SAMPLE_PARAMETER
//     (bytes between samples; 0 or unset: off). dump(file) writes
//     MallocExtension::GetHeapSample(). Tests set the variable with CTest's
//     ENVIRONMENT; a program can call reexec_with_heap_sampling(argv) first
//     thing in main() to re-exec itself with it set.
//   - system (glibc): no heap profile; available() is false and
//     unavailable_reason() says so, for the report.
// Dumps are plain files in the run's output folder, readable by jeprof /
// google-pprof (see open_profile_command in heap_diff.h) and by
// parse_heap_profile_file(). A failing dump throws std::runtime_error naming
// the file and the reason.
//
// Thread safety: start/stop/dump from one thread at a time (the runner's);
// the allocator keeps sampling every thread meanwhile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "probes/heap_profile.h"

namespace plateau::probes {

class HeapProfiler {
 public:
  virtual ~HeapProfiler() = default;
  virtual std::string_view backend() const noexcept = 0;  // "jemalloc", "tcmalloc", "system"
  virtual bool available() const = 0;
  // Why there is no profile ("" when available()).
  virtual std::string unavailable_reason() const = 0;
  // Average bytes between samples currently in force (0 when unavailable).
  virtual std::uint64_t sample_period_bytes() const = 0;
  // Starts sampling. jemalloc: if `lg_sample` is given, discards the samples
  // so far and sets one sample per 2^lg_sample bytes. tcmalloc: the period
  // is fixed at start-up; a different lg_sample throws. Throws
  // std::runtime_error when !available().
  virtual void start(std::optional<unsigned> lg_sample = std::nullopt) = 0;
  virtual void stop() = 0;
  virtual bool active() const = 0;
  // Writes a dump to `file` (its folder must exist). Throws when !available().
  virtual void dump(const std::filesystem::path& file) = 0;
  virtual HeapProfileFormat format() const noexcept = 0;
  // After start(): a sentence for the report when sampling runs in a costlier
  // or coarser mode than this build intends (jemalloc: no libunwind
  // backtrace hook, see jemalloc_backtrace_hook.h); "" otherwise.
  virtual std::string limitation() const { return {}; }
};

std::unique_ptr<HeapProfiler> make_heap_profiler();

// Default TCMALLOC_SAMPLE_PARAMETER: one sample per 16 KiB, like jemalloc's
// lg_prof_sample 14 (cmake/jemalloc_conf.cc).
inline constexpr std::uint64_t kDefaultSamplePeriodBytes = std::uint64_t{1} << 14;

// tcmalloc builds only: if TCMALLOC_SAMPLE_PARAMETER is unset, sets it to
// `period_bytes` and re-executes /proc/self/exe with `argv` (does not return
// on success). Returns false without doing anything on other builds or when
// the variable is already set; throws std::runtime_error if exec fails.
bool reexec_with_heap_sampling(char** argv, std::uint64_t period_bytes = kDefaultSamplePeriodBytes);

}  // namespace plateau::probes
