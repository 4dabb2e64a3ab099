// Heap-profile diff: which allocation sites grew between two dumps.
//
// diff_heap_profiles(base, current) matches sites by their full stack and
// returns the sites whose un-sampled live bytes grew, largest first, with
// bytes and objects added, the full stack symbolised and demangled
// in-process (see Symbolizer), and the first frame outside the allocator and
// the standard library ("our" frame: the function to look at). Sites that
// shrank or vanished are not growth and are left out; total_bytes_added is
// the net change over all sites.
//
// Sites whose "our" frame starts with one of `excluded_frame_prefixes` (the
// measuring tool's own namespaces, e.g. "plateau::probes::") are kept out
// of `top` and summed in excluded_bytes_added: a leak hunt is about the code
// under test, and the ledger or recorder growing is the tool, not the bug.
//
// Both profiles must come from this process (addresses are symbolised here).
// Thread safety: pure over its inputs; uses the caller's Symbolizer.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/heap_profile.h"
#include "probes/symbolizer.h"

namespace plateau::probes {

struct HeapDiffOptions {
  std::size_t top_sites = 10;
  double min_bytes_added = 1.0;  // smaller growth is noise from sampling
  std::vector<std::string> excluded_frame_prefixes;
};

struct GrowingSite {
  double bytes_added = 0;
  double objects_added = 0;
  double bytes_now = 0;
  std::vector<Frame> stack;              // innermost first
  std::optional<std::size_t> our_frame;  // index into stack

  // Function name of our frame, or of the innermost frame, or "?".
  std::string site_name() const;
};

struct HeapDiff {
  double total_bytes_added = 0;     // net, all sites
  double excluded_bytes_added = 0;  // growth of the excluded sites
  std::size_t excluded_sites = 0;
  std::vector<GrowingSite> top;  // at most top_sites, largest growth first, none excluded
};

HeapDiff diff_heap_profiles(const HeapProfile& base, const HeapProfile& current, Symbolizer& symbolizer,
                            const HeapDiffOptions& options = {});

// The command that opens a dump (or the diff against `base`) in the stock
// tool: `jeprof --text [--base <base>] <binary> <dump>` for jemalloc dumps,
// `google-pprof --text [--base <base>] <binary> <dump>` for gperftools dumps.
std::string open_profile_command(HeapProfileFormat format, const std::filesystem::path& binary,
                                 const std::filesystem::path& dump,
                                 const std::optional<std::filesystem::path>& base = std::nullopt);

}  // namespace plateau::probes
