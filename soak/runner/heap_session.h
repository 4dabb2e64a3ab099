// HeapSession: the heap-profile side of one soak run.
//
// The allocator's sampling profiler is switched on at the start of the run
// when timelines are on (else at the start of the measured phase); a dump is
// written when the measured phase starts ("heap-start"), at each configured checkpoint inside the
// measured phase ("heap-<t>s"), and at its end ("heap-end"); the diff of the
// start and end dumps, symbolised in this process, becomes the report's
// heap_profile section together with the commands that open the raw dumps in
// jeprof / google-pprof. With timelines on (verdict.sites.enabled, the
// default), the runner also calls checkpoint() at every verdict-window
// boundary, and every dump is parsed as soon as it is written and folded
// into per-site timelines (probes::HeapTimelines), which the site verdict
// judges; the raw dumps stay on disk. On a build without a profiling allocator (system)
// or when profiling cannot start, the section says why and the run goes on:
// a missing profile never fails a soak.
//
// Thread safety: none; the run thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/heap_profiler.h"
#include "probes/heap_timeline.h"
#include "probes/symbolizer.h"
#include "reports/model.h"

namespace plateau::soak {

class HeapSession {
 public:
  // Dumps go into `dir` (created on first dump). `binary` is the executable,
  // for the open commands. `sample_bytes` (a power of two; 0: the build's
  // default) is the mean bytes between samples asked of the profiler
  // (verdict.sites.sample_bytes). jemalloc applies it when sampling starts
  // unless PLATEAU_LG_PROF_SAMPLE is set (which wins, for experiments);
  // tcmalloc fixed its period at process start and keeps it.
  HeapSession(std::filesystem::path dir, std::filesystem::path binary, bool timelines = true,
              std::uint64_t sample_bytes = 0);
  ~HeapSession();

  // The run begins. With timelines on, sampling starts now, so the dumps
  // see every live allocation, warm-up ones included: a cache filled in
  // warm-up is then seen at its size, not as refilling (survivorship).
  void begin_run();
  // The measured phase begins: start sampling (if not yet) and write the base dump.
  void begin_measured_phase(double t_s);
  // A checkpoint dump (ignored before begin_measured_phase).
  void checkpoint(double t_s);
  // The measured phase ends: final dump, stop, diff. Returns the section.
  reports::HeapProfile finish(double t_s);
  // The per-site timelines folded from every dump so far; nullptr when
  // timelines are off or no profile was taken.
  probes::HeapTimelines* timelines();

  // Repository folders of the measuring tool: sites there are plateau's own.
  static std::vector<std::string> instrumentation_paths();

 private:
  std::optional<std::filesystem::path> dump(const std::string& label);
  void fold(const std::filesystem::path& file, double t_s);
  void fail(const std::string& why);
  void start_profiler();

  std::filesystem::path dir_;
  std::filesystem::path binary_;
  std::uint64_t sample_bytes_ = 0;
  std::unique_ptr<probes::HeapProfiler> profiler_;
  bool active_ = false;
  reports::HeapProfile section_;
  std::optional<std::filesystem::path> base_;
  probes::Symbolizer symbolizer_;
  std::optional<probes::HeapTimelines> timelines_;  // set when timelines are on
};

}  // namespace plateau::soak
