#include "soak/canaries/canary_judge.h"

#include <algorithm>

namespace plateau::soak {

namespace {

void add_unique(std::vector<std::string>& values, const std::string& value) {
  if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Frames every allocation made during a run passes through: past them the
// stack says how the load reached the system under test, not where the bug
// is. plateau's own driver, the process's start, and the entry frames the
// system publishes (canary_catalog.h).
bool is_driver_frame(const std::string& frame) {
  return frame.find("plateau::harness::") != std::string::npos ||
         frame.find("plateau::soak::") != std::string::npos || is_entry_frame(frame) ||
         frame.starts_with("main") || frame.find("__libc_start") != std::string::npos;
}

}  // namespace

bool site_in_code(const reports::HeapSite& site, const std::vector<std::string>& code_markers) {
  auto names_marker = [&](const std::string& frame) {
    return std::any_of(code_markers.begin(), code_markers.end(),
                       [&](const std::string& marker) { return frame.find(marker) != std::string::npos; });
  };
  if (names_marker(site.our_frame)) return true;
  for (const std::string& frame : site.stack) {
    if (names_marker(frame)) return true;
    if (is_driver_frame(frame)) break;
  }
  return false;
}

reports::HeapSiteMatch heap_site_in_component(const CanaryExpectation& expectation,
                                              const reports::HeapProfile& profile,
                                              std::size_t heap_sites_considered) {
  if (!expectation.allocates || profile.top_sites.empty()) return reports::HeapSiteMatch::not_applicable;
  const std::size_t n = std::min(heap_sites_considered, profile.top_sites.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (site_in_code(profile.top_sites[i], expectation.code_markers)) return reports::HeapSiteMatch::yes;
  }
  return reports::HeapSiteMatch::no;
}

reports::CanaryResult judge_canary(const CanaryExpectation& expectation, const reports::Report& run,
                                   const std::set<std::string>& background,
                                   std::size_t heap_sites_considered) {
  reports::CanaryResult result;
  result.failpoint = expectation.failpoint;
  result.seed = run.context.seed;
  result.expected_component = expectation.component;
  bool named = false;
  for (const reports::Finding& f : run.findings) {
    add_unique(result.components_fired, f.component);
    add_unique(result.signals_fired, std::string(reports::to_string(f.kind)) + ":" + f.series);
    if (!contains(expectation.accepted_components, f.component) || background.contains(f.series)) continue;
    named = true;
    if (f.time_to_detect_s && (!result.time_to_detect_s || *f.time_to_detect_s < *result.time_to_detect_s)) {
      result.time_to_detect_s = f.time_to_detect_s;
    }
  }
  result.detected = run.verdict == reports::Verdict::leak && named;
  if (!result.detected) result.time_to_detect_s.reset();
  result.heap_site_in_component =
      heap_site_in_component(expectation, run.heap_profile, heap_sites_considered);
  return result;
}

std::set<std::string> flagged_series(const std::vector<const reports::Report*>& clean_runs) {
  std::set<std::string> series;
  for (const reports::Report* run : clean_runs) {
    for (const reports::Finding& f : run->findings) series.insert(f.series);
  }
  return series;
}

reports::CleanRun judge_clean_run(const reports::Report& run) {
  return reports::CleanRun{run.context.seed, run.verdict};
}

bool matrix_passes(const reports::CanaryMatrix& matrix) {
  return std::all_of(matrix.canaries.begin(), matrix.canaries.end(),
                     [](const reports::CanaryResult& c) { return c.detected; }) &&
         std::all_of(matrix.clean_runs.begin(), matrix.clean_runs.end(),
                     [](const reports::CleanRun& c) { return c.verdict == reports::Verdict::bounded; });
}

}  // namespace plateau::soak
