// HeapSession: the heap-profile side of one soak run.
//
// The allocator's sampling profiler is switched on at the start of the
// measured phase (warm-up allocations stay out of the picture), a dump is
// written then ("heap-start"), at each configured checkpoint inside the
// measured phase ("heap-<t>s"), and at its end ("heap-end"); the diff of the
// start and end dumps, symbolised in this process, becomes the report's
// heap_profile section together with the commands that open the raw dumps in
// jeprof / google-pprof. On a build without a profiling allocator (system)
// or when profiling cannot start, the section says why and the run goes on:
// a missing profile never fails a soak.
//
// Thread safety: none; the run thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/heap_profiler.h"
#include "reports/model.h"

namespace plateau::soak {

class HeapSession {
 public:
  // Dumps go into `dir` (created on first dump). `binary` is the executable,
  // for the open commands.
  HeapSession(std::filesystem::path dir, std::filesystem::path binary);
  ~HeapSession();

  // The measured phase begins: start sampling and write the base dump.
  void begin_measured_phase(double t_s);
  // A checkpoint dump (ignored before begin_measured_phase).
  void checkpoint(double t_s);
  // The measured phase ends: final dump, stop, diff. Returns the section.
  reports::HeapProfile finish(double t_s);

 private:
  std::optional<std::filesystem::path> dump(const std::string& label);
  void fail(const std::string& why);

  std::filesystem::path dir_;
  std::filesystem::path binary_;
  std::unique_ptr<probes::HeapProfiler> profiler_;
  bool active_ = false;
  reports::HeapProfile section_;
  std::optional<std::filesystem::path> base_;
};

}  // namespace plateau::soak
