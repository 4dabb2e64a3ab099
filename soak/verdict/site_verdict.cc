#include "soak/verdict/site_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace plateau::soak {
namespace {

std::string bytes_text(double bytes) {
  char buf[64];
  const double a = std::abs(bytes);
  if (a >= 1024.0 * 1024.0)
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024.0));
  else if (a >= 1024.0)
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  return buf;
}

std::string hours_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fh", s / 3600.0);
  return buf;
}

}  // namespace

std::string_view to_string(SiteClass c) noexcept {
  switch (c) {
    case SiteClass::growing: return "growing";
    case SiteClass::bounded: return "bounded";
    case SiteClass::shrinking: return "shrinking";
    case SiteClass::below_floor: return "below_floor";
    case SiteClass::too_few_windows: return "too_few_windows";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, SiteClass c) { return out << to_string(c); }

VerdictSettings site_verdict_settings(const VerdictSettings& base, const SiteTolerances& tolerances) {
  VerdictSettings s = base;
  s.absolute_tolerance = tolerances.absolute_bytes;
  s.absolute_by_unit.clear();
  s.absolute_by_prefix.clear();
  s.relative_tolerance = tolerances.relative;
  return s;
}

std::vector<SiteJudgement> judge_sites(const std::vector<SiteSeries>& sites, const VerdictSettings& base,
                                       const SiteTolerances& tolerances) {
  const VerdictSettings settings = site_verdict_settings(base, tolerances);
  validate(settings);
  std::vector<SiteJudgement> out;
  out.reserve(sites.size());
  for (const SiteSeries& site : sites) {
    SiteJudgement j;
    j.id = site.id;
    for (const Point& p : site.live_bytes) {
      if (p.t_s >= settings.warm_up_end_s) j.peak_bytes = std::max(j.peak_bytes, p.value);
    }
    if (j.peak_bytes < tolerances.floor_bytes) {
      j.classification = SiteClass::below_floor;
      out.push_back(std::move(j));
      continue;
    }
    SeriesInput in;
    in.name = "heap.site." + site.id;
    in.component = site.component;
    in.kind = SeriesKind::alloc;
    in.unit = "bytes";
    in.samples = site.live_bytes;
    j.analysis = analyse_series(in, settings);
    const auto& minima = j.analysis.window_minima;
    if (!minima.empty()) j.growth_bytes = minima.back().value - minima.front().value;
    if (!j.analysis.trend_judged || !j.analysis.trend) {
      j.classification = SiteClass::too_few_windows;
      out.push_back(std::move(j));
      continue;
    }
    j.bytes_per_hour = j.analysis.trend->slope_per_s * 3600;
    j.projected_growth = j.analysis.projected_growth.value_or(0);
    auto trend = std::find_if(j.analysis.findings.begin(), j.analysis.findings.end(),
                              [](const Finding& f) { return f.kind == FindingKind::trend; });
    if (trend != j.analysis.findings.end()) {
      j.classification = SiteClass::growing;
      Finding f = *trend;
      f.kind = FindingKind::site;
      f.series = in.name;
      f.component = site.component.empty() ? "heap" : site.component;
      f.figures["peak_bytes"] = j.peak_bytes;
      f.figures["growth_bytes"] = j.growth_bytes;
      f.message = site.label + " keeps growing: its live bytes' window minima rise " +
                  bytes_text(j.bytes_per_hour) + "/h (Mann-Kendall p = " +
                  [&] {
                    char b[32];
                    std::snprintf(b, sizeof b, "%.3g", f.figure("p_value").value_or(1));
                    return std::string(b);
                  }() +
                  "), +" + bytes_text(j.projected_growth) + " projected over " + hours_text(settings.horizon_s) +
                  " (site tolerances " + bytes_text(tolerances.absolute_bytes) + " and " +
                  std::to_string(static_cast<int>(std::lround(100 * tolerances.relative))) + "% of its level " +
                  bytes_text(j.analysis.level.value_or(0)) + ")";
      j.finding = std::move(f);
    } else {
      // Shrinking only when the decline is as large as growth would have to
      // be to fire; noise around a flat level is bounded either way.
      const double level = std::abs(j.analysis.level.value_or(0));
      const bool shrinks = -j.projected_growth > tolerances.absolute_bytes &&
                           -j.projected_growth > tolerances.relative * level;
      j.classification = shrinks ? SiteClass::shrinking : SiteClass::bounded;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace plateau::soak
