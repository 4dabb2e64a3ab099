#include "probes/heap_diff.h"

#include <algorithm>
#include <map>

namespace plateau::probes {

std::string GrowingSite::site_name() const {
  if (our_frame) return stack[*our_frame].function;
  for (const Frame& f : stack) {
    if (!f.function.empty()) return f.function;
  }
  return stack.empty() ? std::string("?") : stack.front().describe();
}

HeapDiff diff_heap_profiles(const HeapProfile& base, const HeapProfile& current, Symbolizer& symbolizer,
                            const HeapDiffOptions& options) {
  std::map<const std::vector<std::uintptr_t>*, const HeapSite*,
           bool (*)(const std::vector<std::uintptr_t>*, const std::vector<std::uintptr_t>*)>
      base_sites(
          [](const std::vector<std::uintptr_t>* a, const std::vector<std::uintptr_t>* b) { return *a < *b; });
  for (const HeapSite& site : base.sites) base_sites.emplace(&site.stack, &site);

  struct Growth {
    const HeapSite* site;
    double bytes_added;
    double objects_added;
  };
  std::vector<Growth> growth;
  for (const HeapSite& site : current.sites) {
    double bytes_before = 0, objects_before = 0;
    if (auto it = base_sites.find(&site.stack); it != base_sites.end()) {
      bytes_before = it->second->bytes;
      objects_before = it->second->objects;
    }
    const double added = site.bytes - bytes_before;
    if (added >= options.min_bytes_added) {
      growth.push_back(Growth{&site, added, site.objects - objects_before});
    }
  }
  std::sort(growth.begin(), growth.end(),
            [](const Growth& a, const Growth& b) { return a.bytes_added > b.bytes_added; });

  HeapDiff diff;
  diff.total_bytes_added = current.total_bytes() - base.total_bytes();
  auto excluded = [&options](const GrowingSite& site) {
    if (!site.our_frame) return false;
    const std::string& function = site.stack[*site.our_frame].function;
    return std::any_of(options.excluded_frame_prefixes.begin(), options.excluded_frame_prefixes.end(),
                       [&function](const std::string& prefix) { return function.starts_with(prefix); });
  };
  for (const Growth& g : growth) {
    // Without exclusions nothing past the top needs symbolising.
    if (diff.top.size() >= options.top_sites && options.excluded_frame_prefixes.empty()) break;
    GrowingSite site;
    site.bytes_added = g.bytes_added;
    site.objects_added = g.objects_added;
    site.bytes_now = g.site->bytes;
    site.stack.reserve(g.site->stack.size());
    const std::vector<std::uintptr_t>& addresses = g.site->stack;
    auto symbolise = [&](std::size_t i) {
      for (const Frame& frame : symbolizer.resolve(addresses[i])) {
        site.stack.push_back(frame);
        if (!site.our_frame && frame.ours) site.our_frame = site.stack.size() - 1;
      }
    };
    // Up to the first project frame: enough to tell plateau's own growth
    // from the program's. The rest (the callers up to main) only for a site
    // that is shown.
    std::size_t next = 0;
    while (next < addresses.size() && !site.our_frame) symbolise(next++);
    if (excluded(site)) {
      diff.excluded_bytes_added += site.bytes_added;
      ++diff.excluded_sites;
    } else if (diff.top.size() < options.top_sites) {
      while (next < addresses.size()) symbolise(next++);
      diff.top.push_back(std::move(site));
    }
  }
  return diff;
}

std::string open_profile_command(HeapProfileFormat format, const std::filesystem::path& binary,
                                 const std::filesystem::path& dump,
                                 const std::optional<std::filesystem::path>& base) {
  // jeprof resolves jemalloc's unexported internals to the nearest exported
  // symbol, so its flat column put 99.5% on malloc_usable_size; and the
  // innermost inlined std:: frame takes the flat share of each of our
  // functions. Sorted by cumulative bytes and kept to the engine's frames
  // (the code under test), the functions that grew come first.
  std::string command = format == HeapProfileFormat::kJemalloc ? "jeprof --text --cum --retain=plateau::engine::"
                                                               : "google-pprof --text";
  auto quoted = [](const std::filesystem::path& p) {
    std::string text = p.string();
    if (text.find_first_of(" \t'\"$") == std::string::npos) return text;
    std::string out = "'";
    for (char c : text) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    return out + "'";
  };
  if (base) command += " --base " + quoted(*base);
  command += " " + quoted(binary) + " " + quoted(dump);
  return command;
}

}  // namespace plateau::probes
