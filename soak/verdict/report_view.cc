#include "soak/verdict/report_view.h"

namespace plateau::soak {

reports::FindingKind to_report(FindingKind kind) noexcept {
  switch (kind) {
    case FindingKind::bound: return reports::FindingKind::bound;
    case FindingKind::invariant: return reports::FindingKind::invariant;
    case FindingKind::residue: return reports::FindingKind::residue;
    case FindingKind::trend: return reports::FindingKind::trend;
    case FindingKind::site: return reports::FindingKind::site;
  }
  return reports::FindingKind::trend;
}

void describe_judged(const SeriesAnalysis& analysis, reports::Series& out) {
  out.judged = true;
  out.window_minima.clear();
  for (const WindowMinimum& w : analysis.window_minima) out.window_minima.push_back({w.min_t_s, w.value});
  if (analysis.trend) out.trend = reports::TrendLine{analysis.trend->intercept, analysis.trend->slope_per_s};
  out.margin = analysis.margin;
  out.load.reset();
  if (!analysis.arrivals_series.empty()) {
    out.load = reports::LoadReading{analysis.arrivals_series, analysis.load_adjusted_margin,
                                    analysis.growth_follows_load};
  }
  out.verdict = analysis.bounded() ? reports::Verdict::bounded : reports::Verdict::leak;
}

reports::Finding to_report(const Finding& finding) {
  reports::Finding out;
  out.series = finding.series;
  out.component = finding.component;
  out.kind = to_report(finding.kind);
  out.message = finding.message;
  out.figures = finding.figures;
  out.time_to_detect_s = finding.time_to_detect_s;
  return out;
}

reports::Verdict to_report(const VerdictResult& result) noexcept {
  if (!result.bounded()) return reports::Verdict::leak;
  return result.conclusive() ? reports::Verdict::bounded : reports::Verdict::inconclusive;
}

}  // namespace plateau::soak
