// Site assembly: from the heap session's per-site timelines to the report's
// ranked heap sites, findings of kind site, and the sites listed under each
// whole-process finding.
//
// judge_heap_sites() turns each site's live bytes into a SiteSeries and
// judges it with judge_sites (soak/verdict/site_verdict.h: the same
// window-minima trend test as every series, with verdict.sites tolerances).
// Sites of plateau's own code (instrumentation) and sites without any
// project frame (third_party) are recorded but not judged: the first is the
// measurer, the second has no line a developer could change.
// attach_sites() fills report.heap_profile.sites (ranked: growing first by
// bytes/h, then by trough-to-trough growth), gives each site finding its
// SiteShare and stack, and lists under each whole-process byte finding
// (alloc.*, process.rss_bytes) the growing sites that account for most of it.
//
// Thread safety: functions on values; the run thread only.
#pragma once

#include <string>
#include <vector>

#include "probes/heap_timeline.h"
#include "reports/model.h"
#include "soak/scenario/scenario.h"
#include "soak/verdict/site_verdict.h"

namespace plateau::soak {

struct JudgedSites {
  std::vector<Finding> findings;                   // kind site, in rank order
  std::vector<reports::HeapSiteTimeline> ranked;   // every site worth showing, ranked
};

// Sites in the report: all growing ones, then at most this many others.
inline constexpr std::size_t kMaxReportedSites = 40;
// Sites listed under one whole-process finding.
inline constexpr std::size_t kMaxSitesPerFinding = 5;

SiteTolerances site_tolerances_for(const Scenario& scenario);

// Non-const: stacks are symbolised through the timelines' Symbolizer.
JudgedSites judge_heap_sites(probes::HeapTimelines& timelines, const VerdictSettings& base,
                             const SiteTolerances& tolerances);

void attach_sites(reports::Report& report, const JudgedSites& sites);

}  // namespace plateau::soak
