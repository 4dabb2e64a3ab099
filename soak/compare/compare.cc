#include "soak/compare/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "probes/process_groups.h"
#include "soak/verdict/stats.h"

namespace plateau::soak {

namespace {

std::vector<Point> to_points(const std::vector<reports::Point>& in, double from_s) {
  std::vector<Point> out;
  out.reserve(in.size());
  for (const reports::Point& p : in) {
    if (p.t_s >= from_s) out.push_back(Point{p.t_s, p.value});
  }
  return out;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double base_level(const reports::Series& series, double warmup_s) {
  std::vector<double> values;
  const auto& source = series.window_minima.empty() ? series.samples : series.window_minima;
  for (const reports::Point& p : source) {
    if (series.window_minima.empty() && p.t_s < warmup_s) continue;
    values.push_back(p.value);
  }
  return median(std::move(values));
}

bool must_stay_zero(const reports::Series& series) {
  return series.family == "invariant" || series.family == "residue";
}

bool over_bound(const reports::Series& series, double peak) {
  return series.declared_bound && peak > *series.declared_bound;
}

std::string format(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string per_hour(double slope_per_s) { return format(slope_per_s * 3600) + "/h"; }

void check_finite_non_negative(double value, const std::string& field) {
  if (!std::isfinite(value) || value < 0) {
    throw std::invalid_argument("compare tolerance " + field + " = " + format(value) +
                                ": must be a finite number >= 0");
  }
}

const reports::Series* find_series(const reports::Report& report, const std::string& name) {
  for (const reports::Series& s : report.series) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// One row from both sides; base may be absent (a series new in the candidate).
reports::ComparisonRow compare_series(const reports::Series* base, const reports::Series& candidate,
                                      double base_warmup_s, double candidate_warmup_s, double horizon_s,
                                      const CompareTolerances& tolerances) {
  reports::ComparisonRow row;
  row.series = candidate.name;
  row.candidate_slope_per_s = series_slope_per_s(candidate, candidate_warmup_s);
  row.candidate_peak = series_peak(candidate);
  if (!base) {
    row.regressed = candidate.judged && candidate.verdict == reports::Verdict::leak;
    row.message = row.regressed ? "new series, judged a leak in the candidate" : "new series, bounded";
    return row;
  }
  row.base_slope_per_s = series_slope_per_s(*base, base_warmup_s);
  row.base_peak = series_peak(*base);

  const double absolute = absolute_tolerance_for(tolerances, candidate.name, candidate.unit);
  std::vector<std::string> reasons;
  if (must_stay_zero(candidate)) {
    if (row.candidate_peak > row.base_peak) {
      reasons.push_back("must stay zero: peak " + format(row.candidate_peak) + " vs base " +
                        format(row.base_peak));
    }
  } else {
    const double level = base_level(*base, base_warmup_s);
    const double extra_growth = (row.candidate_slope_per_s - row.base_slope_per_s) * horizon_s;
    const double growth_allowed = std::max(absolute, tolerances.relative_growth * std::abs(level));
    // Slopes of bounded series differ from run to run with the load's
    // randomness; only growth the candidate's own verdict found significant
    // is a regression, so two clean runs never "regress" against each other.
    const bool candidate_grows = candidate.judged && candidate.verdict == reports::Verdict::leak;
    if (candidate_grows && extra_growth > growth_allowed) {
      reasons.push_back("slope " + per_hour(row.candidate_slope_per_s) + " vs base " +
                        per_hour(row.base_slope_per_s) + ": " + format(extra_growth) + " more growth over " +
                        format(horizon_s) + " s, tolerance " + format(growth_allowed));
    }
    const double peak_allowed = row.base_peak * (1 + tolerances.relative_peak) + absolute;
    if (row.candidate_peak > peak_allowed) {
      reasons.push_back("peak " + format(row.candidate_peak) + " vs base " + format(row.base_peak) +
                        ", tolerance " + format(peak_allowed));
    }
  }
  if (over_bound(candidate, row.candidate_peak) && !over_bound(*base, row.base_peak)) {
    reasons.push_back("exceeds its declared bound " + format(*candidate.declared_bound) +
                      " (base stayed within it)");
  }
  row.regressed = !reasons.empty();
  if (row.regressed) {
    for (std::size_t i = 0; i < reasons.size(); ++i) row.message += (i ? "; " : "") + reasons[i];
  } else {
    row.message = "within tolerance";
  }
  return row;
}

bool compared(const reports::Series& series) { return series.judged && series.family != "health"; }

}  // namespace

void validate(const CompareTolerances& t) {
  check_finite_non_negative(t.relative_peak, "relative_peak");
  check_finite_non_negative(t.relative_growth, "relative_growth");
  check_finite_non_negative(t.absolute_default, "absolute_default");
  for (const auto& [prefix, value] : t.absolute_by_prefix)
    check_finite_non_negative(value, "absolute[" + prefix + "]");
  for (const auto& [unit, value] : t.absolute_by_unit)
    check_finite_non_negative(value, "absolute_unit[" + unit + "]");
  if (t.horizon_s && !(std::isfinite(*t.horizon_s) && *t.horizon_s > 0)) {
    throw std::invalid_argument("compare horizon_s = " + format(*t.horizon_s) +
                                ": must be a positive number of seconds");
  }
}

double absolute_tolerance_for(const CompareTolerances& t, const std::string& series_name,
                              const std::string& unit) {
  const std::string* best = nullptr;
  double value = 0;
  for (const auto& [prefix, tolerance] : t.absolute_by_prefix) {
    if (series_name.starts_with(prefix) && (!best || prefix.size() > best->size())) {
      best = &prefix;
      value = tolerance;
    }
  }
  if (best) return value;
  if (auto it = t.absolute_by_unit.find(unit); it != t.absolute_by_unit.end()) return it->second;
  return t.absolute_default;
}

double series_slope_per_s(const reports::Series& series, double warmup_s) {
  if (series.trend) return series.trend->slope_per_s;
  if (series.window_minima.size() >= 2) return theil_sen(to_points(series.window_minima, 0)).slope_per_s;
  return theil_sen(to_points(series.samples, warmup_s)).slope_per_s;
}

double series_peak(const reports::Series& series) {
  double peak = 0;
  bool any = false;
  for (const reports::Point& p : series.samples) {
    if (!any || p.value > peak) peak = p.value;
    any = true;
  }
  return peak;
}

reports::Comparison compare_reports(const reports::Report& base, const reports::Report& candidate,
                                    const CompareTolerances& tolerances, const std::string& base_label,
                                    const std::string& candidate_label) {
  validate(tolerances);
  double horizon_s =
      candidate.scenario.duration_s > 0 ? candidate.scenario.duration_s : base.scenario.duration_s;
  if (tolerances.horizon_s) horizon_s = *tolerances.horizon_s;

  reports::Comparison out;
  out.base_report = base_label;
  out.candidate_report = candidate_label;
  for (const reports::Series& c : candidate.series) {
    const reports::Series* b = find_series(base, c.name);
    if (!compared(c) && !(b && compared(*b))) continue;
    out.rows.push_back(
        compare_series(b, c, base.scenario.warmup_s, candidate.scenario.warmup_s, horizon_s, tolerances));
  }
  // A series the base judged and the candidate lacks is a failure: a
  // candidate that stopped recording something (or recorded nothing) must
  // not pass for one that kept it bounded.
  for (const reports::Series& b : base.series) {
    if (!compared(b) || find_series(candidate, b.name) || probes::is_group_series(b.name)) continue;
    reports::ComparisonRow row;
    row.series = b.name;
    row.base_slope_per_s = series_slope_per_s(b, base.scenario.warmup_s);
    row.base_peak = series_peak(b);
    row.regressed = true;
    row.message = "missing from the candidate: the base judged it, the candidate has no such series";
    out.rows.push_back(std::move(row));
  }
  // A candidate that was not judged (interrupted, failed) proves nothing.
  if (candidate.incomplete || candidate.verdict == reports::Verdict::incomplete ||
      candidate.verdict == reports::Verdict::error) {
    reports::ComparisonRow row;
    row.series = "run";
    row.regressed = true;
    row.message = "the candidate run is " + std::string(reports::to_string(candidate.verdict)) +
                  (candidate.incomplete_reason.empty() ? "" : " (" + candidate.incomplete_reason + ")") +
                  ": its series were not judged";
    out.rows.push_back(std::move(row));
  }
  if (out.rows.empty()) {
    reports::ComparisonRow row;
    row.series = "run";
    row.regressed = true;
    row.message = "nothing to compare: neither report has a judged series";
    out.rows.push_back(std::move(row));
  }
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [](const reports::ComparisonRow& a, const reports::ComparisonRow& b) {
                     if (a.regressed != b.regressed) return a.regressed;
                     return a.series < b.series;
                   });
  return out;
}

bool any_regressed(const reports::Comparison& comparison) {
  return std::any_of(comparison.rows.begin(), comparison.rows.end(),
                     [](const reports::ComparisonRow& r) { return r.regressed; });
}

reports::Report comparison_report(const reports::Report& candidate, const reports::Comparison& comparison) {
  reports::Report out;
  out.context = candidate.context;
  out.scenario = candidate.scenario;
  out.heap_profile = candidate.heap_profile;
  out.verdict = any_regressed(comparison) ? reports::Verdict::leak : reports::Verdict::bounded;
  for (const reports::ComparisonRow& row : comparison.rows) {
    if (!row.regressed) continue;
    const reports::Series* series = find_series(candidate, row.series);
    reports::Finding finding;
    finding.series = row.series;
    finding.component = series ? series->component : "";
    const bool growth = row.message.find("slope") != std::string::npos;
    finding.kind = series && must_stay_zero(*series) ? reports::FindingKind::invariant
                   : growth                          ? reports::FindingKind::trend
                                                     : reports::FindingKind::bound;
    finding.message = "regressed against " + comparison.base_report + ": " + row.message;
    finding.figures = {{"base_slope_per_hour", row.base_slope_per_s * 3600},
                       {"candidate_slope_per_hour", row.candidate_slope_per_s * 3600},
                       {"base_peak", row.base_peak},
                       {"candidate_peak", row.candidate_peak}};
    out.findings.push_back(std::move(finding));
    if (series) out.series.push_back(*series);
  }
  out.comparison = comparison;
  return out;
}

}  // namespace plateau::soak
