// Small fixed reports for the compare and merge tests: a series is a ramp
// (start + slope * t) sampled every 60 s over one virtual hour, with its
// Theil–Sen trend and window minima filled as the runner would.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "reports/model.h"

// Boost.Test prints the operands of a failed check.
namespace plateau::reports {
inline std::ostream& operator<<(std::ostream& out, Verdict v) { return out << to_string(v); }
inline std::ostream& operator<<(std::ostream& out, FindingKind k) { return out << to_string(k); }
inline std::ostream& operator<<(std::ostream& out, HeapSiteMatch m) { return out << to_string(m); }
}  // namespace plateau::reports

namespace plateau::soak::testing {

inline reports::Series ramp_series(const std::string& name, const std::string& unit, double start,
                                   double slope_per_s, std::optional<double> bound = std::nullopt,
                                   const std::string& family = "inventory") {
  reports::Series s;
  s.name = name;
  s.unit = unit;
  s.component = name.substr(name.find('.') + 1, name.find('.', name.find('.') + 1) - name.find('.') - 1);
  s.family = family;
  s.declared_bound = bound;
  for (double t = 0; t <= 3600; t += 60) s.samples.push_back({t, start + slope_per_s * t});
  for (double t = 600; t < 3600; t += 600) s.window_minima.push_back({t, start + slope_per_s * t});
  s.trend = reports::TrendLine{start, slope_per_s};
  s.judged = true;
  return s;
}

// The same series, as the candidate's verdict judged it: growing.
inline reports::Series leaking(reports::Series s) {
  s.verdict = reports::Verdict::leak;
  return s;
}

inline reports::Report run_report(const std::string& scenario, const std::string& allocator) {
  reports::Report r;
  r.context.scenario_name = scenario;
  r.context.allocator = allocator;
  r.context.host = "ci-1";
  r.context.start_time = "2026-11-22T01:00:00Z";
  r.context.wall_duration_s = 30;
  r.context.events_processed = 1000;
  r.scenario.duration_s = 3600;
  r.scenario.warmup_s = 600;
  r.scenario.window_s = 600;
  return r;
}

}  // namespace plateau::soak::testing
