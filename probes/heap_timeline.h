// HeapTimelines: per allocation site, the live bytes and objects of every
// heap-profile dump of a run, folded in as each dump is written.
//
// A site is the first project frame of a stack (Symbolizer: function, file
// and line in plateau's own code, inlined calls expanded) -- or, when that
// frame is in a shared building block of the engine (BoundedCache, core;
// engine::is_shared_building_block), the first caller outside it, which
// owns the container -- so the many
// stacks that reach one line through different callers count as one site;
// the stacks themselves are kept per site with their live bytes at the
// latest dump. Besides the un-sampled estimates, each site keeps the
// sampled object count per dump, so the verdict can tell a trend from
// sampling noise. A stack without any project frame (a third-party library
// called from nowhere in our code, or no symbols) is grouped under its
// innermost named frame and marked `third_party`. Sites whose project frame
// lies under one of `instrumentation_paths` (the measuring tool's own
// folders) are marked `instrumentation`: the tool is not the bug.
//
// Cost: add() makes one pass over each dump and keeps, per distinct stack,
// two doubles per dump. Nothing is symbolised while dumps are being added:
// libdw's caches (line tables, DIE trees) grow with every new address, and
// that memory would land in the very allocator series being judged. Stacks
// are symbolised and grouped into sites on the first sites() call, once the
// measured phase is over (then once per new add()).
// Memory: per stack, its addresses plus three doubles per dump.
//
// Thread safety: none; one thread (the runner's) folds and reads.
// Invariants: every site's bytes/objects/samples/bytes_variance vectors have times().size()
// entries, a site absent from a dump counting zero there; times() increase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "probes/heap_profile.h"
#include "probes/symbolizer.h"

namespace plateau::probes {

struct SiteStack {
  std::vector<std::uintptr_t> addresses;  // innermost first
  double bytes_latest = 0;                // live at the latest dump
};

struct SiteTimeline {
  std::string id;             // stable within a run: "file:line short-function" or "short-function"
  Frame frame;                // the site's project frame (or innermost named frame)
  std::string component;      // engine component from frame.file, "" when not engine code
  bool third_party = false;   // no project frame on any of its stacks
  bool instrumentation = false;
  std::vector<double> bytes;    // live, un-sampled, one per dump
  std::vector<double> objects;  // live, un-sampled, one per dump
  // Sampled objects as written in each dump (what the estimate rests on:
  // its Poisson noise is about the square root of this count).
  std::vector<double> samples;
  // The sampling variance of `bytes` per dump (bytes^2, HeapSite::bytes_variance
  // summed over the site's stacks): what the estimate can move by without
  // any real change. Sampled counts alone overstate it for objects larger
  // than the sample period, which are always sampled.
  std::vector<double> bytes_variance;
  std::vector<SiteStack> stacks;

  // The stack with the most live bytes at the latest dump, symbolised.
  const SiteStack* largest_stack() const;
};

class HeapTimelines {
 public:
  // `instrumentation_paths`: repository-relative prefixes, e.g. "probes/".
  HeapTimelines(Symbolizer& symbolizer, std::vector<std::string> instrumentation_paths);

  // Folds one dump taken at virtual time t_s (strictly after the previous
  // one, else std::invalid_argument).
  void add(double t_s, const HeapProfile& profile);

  const std::vector<double>& times() const noexcept { return times_; }
  // Symbolises and groups the stacks folded so far (see Cost above).
  const std::vector<SiteTimeline>& sites();
  Symbolizer& symbolizer() noexcept { return symbolizer_; }

 private:
  struct StackSeries {
    std::vector<std::uintptr_t> addresses;
    std::vector<double> bytes;    // one per dump
    std::vector<double> objects;  // one per dump
    std::vector<double> samples;  // sampled objects, one per dump
    std::vector<double> bytes_variance;  // one per dump
  };
  std::size_t site_for(const std::vector<std::uintptr_t>& stack);
  void group();

  Symbolizer& symbolizer_;
  std::vector<std::string> instrumentation_paths_;
  std::vector<double> times_;
  std::vector<StackSeries> stacks_;
  std::map<std::vector<std::uintptr_t>, std::size_t> stack_index_;
  bool grouped_ = false;
  std::vector<SiteTimeline> sites_;
  std::map<std::string, std::size_t> site_by_id_;
};

}  // namespace plateau::probes
