#include "soak/runner/site_assembly.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace plateau::soak {
namespace {

constexpr std::string_view kSiteSeriesPrefix = "heap.site.";
// A site explaining less than this share of a finding's growth is not listed under it.
constexpr double kMinShare = 0.01;

// A finding on a whole-process byte series, whose growth sites can explain.
bool is_process_byte_finding(const reports::Finding& f) {
  if (f.kind != reports::FindingKind::trend) return false;
  return f.series.starts_with("alloc.") || f.series == "process.rss_bytes" || f.series == "process.pss_bytes";
}

std::string label_of(const probes::SiteTimeline& site) {
  std::string label = probes::short_function_name(site.frame.function.empty() ? site.id : site.frame.function);
  if (const std::string at = site.frame.location(); !at.empty()) label += " at " + at;
  return label;
}

double finite_or_zero(double v) { return std::isfinite(v) ? v : 0.0; }

}  // namespace

SiteTolerances site_tolerances_for(const Scenario& scenario) {
  SiteTolerances t;
  t.absolute_bytes = scenario.verdict.sites.absolute_bytes;
  t.relative = scenario.verdict.sites.relative;
  t.floor_bytes = scenario.verdict.sites.floor_bytes;
  t.min_samples = scenario.verdict.sites.min_samples;
  return t;
}

JudgedSites judge_heap_sites(probes::HeapTimelines& timelines, const VerdictSettings& base,
                             const SiteTolerances& tolerances) {
  const std::vector<probes::SiteTimeline>& sites = timelines.sites();
  const std::vector<double>& times = timelines.times();
  std::vector<SiteSeries> judged_inputs;
  std::vector<std::size_t> judged_index;  // into sites
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const probes::SiteTimeline& site = sites[i];
    if (site.instrumentation || site.third_party) continue;
    SiteSeries in;
    in.id = site.id;
    in.label = label_of(site);
    in.component = site.component;
    for (std::size_t k = 0; k < times.size(); ++k) in.live_bytes.push_back(Point{times[k], site.bytes[k]});
    if (site.samples.size() == times.size()) in.samples = site.samples;
    if (site.bytes_variance.size() == times.size()) in.bytes_variance = site.bytes_variance;
    judged_inputs.push_back(std::move(in));
    judged_index.push_back(i);
  }
  const std::vector<SiteJudgement> judgements = judge_sites(judged_inputs, base, tolerances);
  std::map<std::size_t, const SiteJudgement*> by_site;
  for (std::size_t j = 0; j < judgements.size(); ++j) by_site[judged_index[j]] = &judgements[j];

  std::vector<reports::HeapSiteTimeline> all;
  all.reserve(sites.size());
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const probes::SiteTimeline& site = sites[i];
    reports::HeapSiteTimeline out;
    out.id = site.id;
    out.function_full = site.frame.function;
    out.function = probes::short_function_name(site.frame.function.empty() ? site.id : site.frame.function);
    out.file = site.frame.file;
    out.line = site.frame.line;
    out.component = site.component;
    for (std::size_t k = 0; k < times.size(); ++k) {
      out.live_bytes.push_back(reports::Point{times[k], finite_or_zero(site.bytes[k])});
      out.live_objects.push_back(reports::Point{times[k], finite_or_zero(site.objects[k])});
      if (times[k] >= base.warm_up_end_s) out.peak_bytes = std::max(out.peak_bytes, site.bytes[k]);
    }
    if (site.instrumentation) {
      out.classification = "instrumentation";
    } else if (site.third_party) {
      out.classification = "third_party";
    } else if (auto j = by_site.find(i); j != by_site.end()) {
      const SiteJudgement& judgement = *j->second;
      out.classification = std::string(to_string(judgement.classification));
      out.growth_bytes = finite_or_zero(judgement.growth_bytes);
      out.bytes_per_hour = finite_or_zero(judgement.bytes_per_hour);
      out.projected_growth_bytes = finite_or_zero(judgement.projected_growth);
    }
    if (const probes::SiteStack* stack = site.largest_stack()) {
      for (std::uintptr_t address : stack->addresses) {
        for (const probes::Frame& frame : timelines.symbolizer().resolve(address)) {
          out.stack.push_back(frame.describe());
        }
      }
    }
    all.push_back(std::move(out));
  }

  // Ranking: growing sites by bytes/h, then judged sites by trough-to-trough
  // growth, then the rest (below the floor, not judged) by peak.
  auto rank = [](const reports::HeapSiteTimeline& s) {
    if (s.classification == "growing") return 0;
    if (s.classification == "bounded" || s.classification == "shrinking") return 1;
    if (s.classification == "instrumentation") return 3;
    return 2;
  };
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    const int ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb;
    if (ra == 0) return a.bytes_per_hour > b.bytes_per_hour;
    if (ra == 1) return a.growth_bytes > b.growth_bytes;
    return a.peak_bytes > b.peak_bytes;
  });
  JudgedSites result;
  std::size_t others = 0;
  for (reports::HeapSiteTimeline& s : all) {
    if (s.classification != "growing") {
      if (others >= kMaxReportedSites) continue;
      ++others;
    }
    result.ranked.push_back(std::move(s));
  }
  for (const reports::HeapSiteTimeline& s : result.ranked) {
    if (s.classification != "growing") continue;
    for (const SiteJudgement& j : judgements) {
      if (j.id == s.id && j.finding) result.findings.push_back(*j.finding);
    }
  }
  return result;
}

void attach_sites(reports::Report& report, const JudgedSites& sites) {
  report.heap_profile.sites = sites.ranked;
  std::map<std::string, const reports::HeapSiteTimeline*> by_series;
  for (const reports::HeapSiteTimeline& s : sites.ranked) {
    by_series[std::string(kSiteSeriesPrefix) + s.id] = &s;
  }
  auto share_of = [](const reports::HeapSiteTimeline& s, double share) {
    return reports::SiteShare{s.id, s.function, s.file, s.line, s.component, s.bytes_per_hour, share};
  };
  for (reports::Finding& f : report.findings) {
    if (f.kind == reports::FindingKind::site) {
      if (auto it = by_series.find(f.series); it != by_series.end()) {
        f.sites = {share_of(*it->second, 1.0)};
        f.stack = it->second->stack;
      }
      continue;
    }
    if (!is_process_byte_finding(f)) continue;
    const auto slope = f.figures.find("slope_per_hour");
    const double finding_per_hour = slope != f.figures.end() ? slope->second : 0;
    // Sites judged to grow first; then bounded sites with a positive slope,
    // which may still account for part of a whole-process rise.
    std::vector<const reports::HeapSiteTimeline*> growing;
    for (const reports::HeapSiteTimeline& s : sites.ranked) {
      if ((s.classification == "growing" || s.classification == "bounded") && s.bytes_per_hour > 0) {
        growing.push_back(&s);
      }
    }
    std::stable_sort(growing.begin(), growing.end(), [](const auto* a, const auto* b) {
      if ((a->classification == "growing") != (b->classification == "growing")) return a->classification == "growing";
      return a->bytes_per_hour > b->bytes_per_hour;
    });
    for (const reports::HeapSiteTimeline* s : growing) {
      if (f.sites.size() >= kMaxSitesPerFinding) break;
      const double share = finding_per_hour > 0 ? s->bytes_per_hour / finding_per_hour : 0;
      if (share < kMinShare) break;  // sorted: the rest explain less still
      f.sites.push_back(share_of(*s, finite_or_zero(share)));
    }
  }
}

}  // namespace plateau::soak
