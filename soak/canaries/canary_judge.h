// Judging one run of the canary matrix from its report: did the canary get
// caught, by which components and signals, how early; did a clean run stay
// bounded.
//
// A canary is detected when the run's verdict is leak and at least one
// finding carries one of the expectation's accepted components, on a series
// outside `background` (the series the matrix's clean runs flagged: a signal
// that fires without the bug says nothing about the bug). Its time to detect
// is the earliest time_to_detect_s among those findings (virtual seconds). The heap-site check looks at the
// top `heap_sites_considered` growing sites of the run's heap-profile diff: a site lies in the component's
// code when one of its frames, innermost first and before the first frame of the harness, soak runner or
// Engine facade (which are on every stack), names one of the code markers. It is not_applicable when the bug
// does not allocate or the run has no diff (system allocator, profiling unavailable).
//
// Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "reports/model.h"
#include "soak/canaries/canary_catalog.h"

namespace plateau::soak {

inline constexpr std::size_t kHeapSitesConsidered = 5;

reports::CanaryResult judge_canary(const CanaryExpectation& expectation, const reports::Report& run,
                                   const std::set<std::string>& background = {},
                                   std::size_t heap_sites_considered = kHeapSitesConsidered);

// The series any finding of these clean runs names.
std::set<std::string> flagged_series(const std::vector<const reports::Report*>& clean_runs);

reports::HeapSiteMatch heap_site_in_component(const CanaryExpectation& expectation,
                                              const reports::HeapProfile& profile,
                                              std::size_t heap_sites_considered = kHeapSitesConsidered);

// True when one frame of the site, innermost first up to the first
// harness/runner/facade frame, names one of the markers.
bool site_in_code(const reports::HeapSite& site, const std::vector<std::string>& code_markers);

reports::CleanRun judge_clean_run(const reports::Report& run);

// A canary passes when detected; a clean run when bounded.
bool matrix_passes(const reports::CanaryMatrix& matrix);

}  // namespace plateau::soak
