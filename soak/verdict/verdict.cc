#include "soak/verdict/verdict.h"

#include "soak/verdict/trend_rule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <stdexcept>

#include "reports/text.h"

namespace plateau::soak {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Virtual time as people read it in a message: "13h", "2h05m", "90s".
std::string virtual_time(double t_s) {
  const auto total = static_cast<long long>(std::llround(t_s));
  const long long h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  char buf[64];
  if (h > 0 && m == 0 && s == 0) {
    std::snprintf(buf, sizeof buf, "%lldh", h);
  } else if (h > 0 && s == 0) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", h, m);
  } else if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", h, m, s);
  } else if (m > 0 && s == 0) {
    std::snprintf(buf, sizeof buf, "%lldm", m);
  } else if (m > 0) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", s);
  }
  return buf;
}

// Human units (KiB/MiB, no scientific notation): the one helper in reports/text.h.
std::string with_unit(double v, const std::string& unit) { return reports::format_human(v, unit); }

void require_setting(bool ok, const char* field, double value, const char* rule) {
  if (!ok) {
    throw std::invalid_argument(std::string("verdict settings: ") + field + " = " + number(value) + " " +
                                rule);
  }
}

void check_samples(const SeriesInput& series) {
  for (std::size_t i = 0; i < series.samples.size(); ++i) {
    const Point& p = series.samples[i];
    if (!std::isfinite(p.t_s) || !std::isfinite(p.value)) {
      throw std::invalid_argument("series " + series.name + ": sample " + std::to_string(i) +
                                  " is not finite (t_s = " + number(p.t_s) + ", value = " + number(p.value) +
                                  ")");
    }
    if (i > 0 && p.t_s < series.samples[i - 1].t_s) {
      throw std::invalid_argument("series " + series.name + ": sample " + std::to_string(i) +
                                  " at t_s = " + number(p.t_s) + " is earlier than the sample before it");
    }
  }
  if (series.bound && !std::isfinite(*series.bound)) {
    throw std::invalid_argument("series " + series.name + ": declared bound is not finite");
  }
}

// The samples the correctness checks (bound, invariant, residue) look at.
std::span<const Point> correctness_samples(const SeriesInput& series, const VerdictSettings& settings) {
  std::span<const Point> all(series.samples);
  if (settings.judge_correctness_in_warm_up) return all;
  auto first = std::lower_bound(all.begin(), all.end(), settings.warm_up_end_s,
                                [](const Point& p, double t) { return p.t_s < t; });
  return {first, all.end()};
}

double max_value(std::span<const Point> samples) {
  double peak = samples.empty() ? 0 : samples.front().value;
  for (const Point& p : samples) peak = std::max(peak, p.value);
  return peak;
}

std::optional<Finding> check_bound(const SeriesInput& series, std::span<const Point> samples) {
  if (!series.bound) return std::nullopt;
  const double bound = *series.bound;
  const Point* first_over = nullptr;
  double over_count = 0;
  for (const Point& p : samples) {
    if (p.value > bound) {
      if (!first_over) first_over = &p;
      ++over_count;
    }
  }
  if (!first_over) return std::nullopt;
  const double peak = max_value(samples);
  Finding f;
  f.series = series.name;
  f.component = series.component;
  f.kind = FindingKind::bound;
  f.figures = {{"bound", bound},
               {"max_observed", peak},
               {"first_over_bound_value", first_over->value},
               {"first_over_bound_t_s", first_over->t_s},
               {"samples_over_bound", over_count}};
  f.time_to_detect_s = first_over->t_s;
  f.message = series.name + " exceeded its declared bound of " + with_unit(bound, series.unit) +
              " at t = " + virtual_time(first_over->t_s) + " (value " + number(first_over->value) +
              ", peak " + number(peak) + ", " + number(over_count) + " samples over)";
  return f;
}

std::optional<Finding> check_zero(const SeriesInput& series, std::span<const Point> samples) {
  const Point* first_nonzero = nullptr;
  double nonzero_count = 0;
  for (const Point& p : samples) {
    if (p.value != 0) {
      if (!first_nonzero) first_nonzero = &p;
      ++nonzero_count;
    }
  }
  if (!first_nonzero) return std::nullopt;
  const double peak = max_value(samples);
  Finding f;
  f.series = series.name;
  f.component = series.component;
  f.kind = series.kind == SeriesKind::residue ? FindingKind::residue : FindingKind::invariant;
  f.figures = {{"first_nonzero_value", first_nonzero->value},
               {"first_nonzero_t_s", first_nonzero->t_s},
               {"max_observed", peak},
               {"nonzero_samples", nonzero_count}};
  f.time_to_detect_s = first_nonzero->t_s;
  const char* what = series.kind == SeriesKind::residue ? "audit residue" : "invariant counter";
  f.message = series.name + " (" + what + " that must stay zero) read " + number(first_nonzero->value) +
              " at t = " + virtual_time(first_nonzero->t_s) + " (peak " + number(peak) + ")";
  return f;
}

std::vector<Point> minima_points(std::span<const WindowMinimum> minima) {
  std::vector<Point> points;
  points.reserve(minima.size());
  for (const WindowMinimum& w : minima) points.push_back({w.mid_s(), w.value});
  return points;
}

// One reading of a series' window minima: the rule (its horizon) and the
// restart segments its pairs are confined to (none: every pair, across
// restarts; set: within stretches).
struct Reading {
  TrendRule rule;
  std::vector<std::uint32_t> segments;
  TrendEvaluation e;
};

// Arrivals as a running total that never falls: a cumulative counter that
// falls began again at 0 (its owner restarted), so what it reads after the
// fall is added to what it had reached.
std::vector<Point> arrivals_total(std::span<const Point> counter) {
  std::vector<Point> total;
  total.reserve(counter.size());
  double sum = 0;
  for (std::size_t i = 0; i < counter.size(); ++i) {
    if (i > 0) {
      const double step = counter[i].value - counter[i - 1].value;
      sum += step >= 0 ? step : counter[i].value;
    }
    total.push_back({counter[i].t_s, sum});
  }
  return total;
}

// The running total at t, linear between samples; unset outside them.
std::optional<double> total_at(std::span<const Point> total, double t) {
  if (total.empty() || t < total.front().t_s || t > total.back().t_s) return std::nullopt;
  auto after = std::lower_bound(total.begin(), total.end(), t, [](const Point& p, double x) { return p.t_s < x; });
  if (after->t_s == t || after == total.begin()) return after->value;
  const Point& before = *(after - 1);
  return before.value + (after->value - before.value) * (t - before.t_s) / (after->t_s - before.t_s);
}

// The window minima per unit of load. A container that holds arrival rate x
// time held (Little's law) holds, at any instant, about what arrived over
// the last `held` seconds, where held = its typical count ÷ its typical
// rate over the measured phase. Each minimum is scaled by the median over
// the windows of that trailing rate ÷ the trailing rate at its own instant:
// the count the container would hold at the run's typical load. It then
// stays level when only the load's rate drifts (a rate taken over the
// minimum's whole window would lag a rising load and read as growth), and
// what should have gone still grows. Unset when there is no rate to divide
// by: the counter does not cover a minimum's lookback, or nothing arrived.
std::optional<std::vector<Point>> per_unit_of_load(std::span<const Point> samples, std::span<const Point> arrivals,
                                                   std::span<const WindowMinimum> windows) {
  if (arrivals.empty() || windows.empty()) return std::nullopt;
  const std::vector<Point> total = arrivals_total(arrivals);
  const double from = windows.front().start_s, to = windows.back().end_s;
  const std::optional<double> first = total_at(total, from), last = total_at(total, to);
  if (!first || !last || !(*last > *first)) return std::nullopt;
  std::vector<double> held_values;
  for (const Point& p : samples) {
    if (p.t_s >= from && p.t_s < to) held_values.push_back(p.value);
  }
  const double held_s = median_of(held_values) / ((*last - *first) / (to - from));
  if (!(held_s > 0) || !std::isfinite(held_s)) return std::nullopt;
  std::vector<double> rates;
  rates.reserve(windows.size());
  for (const WindowMinimum& w : windows) {
    const std::optional<double> now = total_at(total, w.min_t_s), before = total_at(total, w.min_t_s - held_s);
    if (!now || !before || !(*now > *before)) return std::nullopt;
    rates.push_back((*now - *before) / held_s);
  }
  const double reference = median_of(rates);
  std::vector<Point> adjusted;
  adjusted.reserve(windows.size());
  for (std::size_t k = 0; k < windows.size(); ++k) {
    adjusted.push_back({windows[k].mid_s(), windows[k].value * reference / rates[k]});
  }
  return adjusted;
}

// The longest stretch of the run without a restart: from the start or a
// restart to the next restart or the horizon's end.
double longest_stretch_s(const VerdictSettings& settings) {
  double longest = 0, from = 0;
  for (double r : settings.restarts_s) {
    longest = std::max(longest, r - from);
    from = r;
  }
  return std::max(longest, settings.horizon_s - from);
}

bool judges_trend(SeriesKind kind) {
  return kind == SeriesKind::inventory || kind == SeriesKind::alloc || kind == SeriesKind::process;
}

}  // namespace

std::string_view to_string(SeriesKind kind) noexcept {
  switch (kind) {
    case SeriesKind::inventory:
      return "inventory";
    case SeriesKind::alloc:
      return "alloc";
    case SeriesKind::process:
      return "process";
    case SeriesKind::invariant:
      return "invariant";
    case SeriesKind::residue:
      return "residue";
  }
  return "?";
}

std::string_view to_string(FindingKind kind) noexcept {
  switch (kind) {
    case FindingKind::bound:
      return "bound";
    case FindingKind::invariant:
      return "invariant";
    case FindingKind::residue:
      return "residue";
    case FindingKind::trend:
      return "trend";
    case FindingKind::site:
      return "site";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, SeriesKind kind) { return out << to_string(kind); }
std::ostream& operator<<(std::ostream& out, FindingKind kind) { return out << to_string(kind); }

std::optional<SeriesKind> parse_series_kind(std::string_view text) noexcept {
  for (SeriesKind k : {SeriesKind::inventory, SeriesKind::alloc, SeriesKind::process, SeriesKind::invariant,
                       SeriesKind::residue}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

std::optional<SeriesKind> series_kind_from_name(std::string_view series_name) noexcept {
  return parse_series_kind(series_name.substr(0, series_name.find('.')));
}

void validate(const VerdictSettings& s) {
  require_setting(std::isfinite(s.warm_up_end_s) && s.warm_up_end_s >= 0, "warm_up_end_s", s.warm_up_end_s,
                  "must be a finite number of seconds >= 0");
  require_setting(std::isfinite(s.window_s) && s.window_s > 0, "window_s", s.window_s,
                  "must be a finite number of seconds > 0");
  require_setting(std::isfinite(s.horizon_s) && s.horizon_s > 0, "horizon_s", s.horizon_s,
                  "must be a finite number of seconds > 0");
  require_setting(s.alpha > 0 && s.alpha < 1, "alpha", s.alpha, "must be between 0 and 1 (exclusive)");
  require_setting(s.growth_confidence > 0 && s.growth_confidence < 1, "growth_confidence", s.growth_confidence,
                  "must be between 0 and 1 (exclusive)");
  require_setting(std::isfinite(s.relative_tolerance) && s.relative_tolerance >= 0, "relative_tolerance",
                  s.relative_tolerance, "must be finite and >= 0");
  require_setting(std::isfinite(s.absolute_tolerance) && s.absolute_tolerance >= 0, "absolute_tolerance",
                  s.absolute_tolerance, "must be finite and >= 0");
  require_setting(std::isfinite(s.observed_tolerance) && s.observed_tolerance >= 0, "observed_tolerance",
                  s.observed_tolerance, "must be finite and >= 0");
  for (const auto& [unit, tolerance] : s.absolute_by_unit) {
    require_setting(std::isfinite(tolerance) && tolerance >= 0, ("absolute_by_unit[" + unit + "]").c_str(),
                    tolerance, "must be finite and >= 0");
  }
  for (const PrefixTolerance& p : s.absolute_by_prefix) {
    require_setting(std::isfinite(p.absolute) && p.absolute >= 0,
                    ("absolute_by_prefix[" + p.prefix + "]").c_str(), p.absolute, "must be finite and >= 0");
  }
  for (std::size_t i = 0; i < s.restarts_s.size(); ++i) {
    const double r = s.restarts_s[i];
    require_setting(std::isfinite(r) && r > 0 && (i == 0 || r > s.restarts_s[i - 1]),
                    ("restarts_s[" + std::to_string(i) + "]").c_str(), r,
                    "must be a finite number of seconds > 0, later than the restart before it");
  }
  require_setting(s.min_windows >= 3, "min_windows", static_cast<double>(s.min_windows),
                  "must be >= 3 (Mann-Kendall cannot reject with fewer points)");
}

WindowGrid window_grid(const VerdictSettings& settings) {
  return WindowGrid{settings.warm_up_end_s, settings.window_s, settings.restarts_s};
}

double absolute_tolerance_for(const VerdictSettings& settings, std::string_view series_name,
                              std::string_view unit) {
  const PrefixTolerance* best = nullptr;
  for (const PrefixTolerance& p : settings.absolute_by_prefix) {
    if (p.unit != unit || !series_name.starts_with(p.prefix)) continue;
    if (!best || p.prefix.size() > best->prefix.size()) best = &p;
  }
  if (best) return best->absolute;
  if (auto it = settings.absolute_by_unit.find(std::string(unit)); it != settings.absolute_by_unit.end()) {
    return it->second;
  }
  return settings.absolute_tolerance;
}

std::optional<double> Finding::figure(std::string_view name) const {
  if (auto it = figures.find(std::string(name)); it != figures.end()) return it->second;
  return std::nullopt;
}

SeriesAnalysis analyse_series(const SeriesInput& series, const VerdictSettings& settings) {
  validate(settings);
  check_samples(series);
  SeriesAnalysis a;
  a.name = series.name;
  a.component = series.component;
  a.kind = series.kind;

  const std::span<const Point> judged = correctness_samples(series, settings);
  if (auto f = check_bound(series, judged)) a.findings.push_back(std::move(*f));
  if (series.kind == SeriesKind::invariant || series.kind == SeriesKind::residue) {
    if (auto f = check_zero(series, judged)) a.findings.push_back(std::move(*f));
  }
  if (!judges_trend(series.kind)) return a;

  a.window_minima = window_minima(series.samples, window_grid(settings));
  if (a.window_minima.empty()) return a;
  {
    std::vector<double> values;
    for (const WindowMinimum& w : a.window_minima) values.push_back(w.value);
    a.level = median_of(values);
  }
  if (a.window_minima.size() < settings.min_windows) return a;

  // A count its owner says comes and goes with the load (it names the
  // arrivals) is a birth-death count: about Poisson around its level, so two
  // readings of it differ by sqrt(2 x level) by chance. Growth within
  // z(alpha) of that is what the load's own randomness shows at the
  // confidence the trend test asks for; the absolute tolerance is at least
  // that (docs/verdict.md, "Load that drifts"). Entries only: Little's law
  // and the Poisson scatter are about a count of entries, not its bytes.
  const bool load_following = !series.arrivals_series.empty() && series.unit == "entries";
  double absolute = absolute_tolerance_for(settings, series.name, series.unit);
  std::optional<double> count_noise_floor;
  if (load_following && a.level && *a.level > 0) {
    count_noise_floor = normal_upper_quantile(settings.alpha) * std::sqrt(2 * *a.level);
    absolute = std::max(absolute, *count_noise_floor);
  }
  const TrendRule rule{settings.alpha, 1 - settings.growth_confidence, settings.horizon_s,
                       settings.relative_tolerance, absolute, settings.observed_tolerance};
  const std::vector<Point> points = minima_points(a.window_minima);
  // Without restarts, one reading. With restarts, two readings of the same
  // windows (docs/verdict.md, "Restarts"): across restarts, every pair, the
  // growth projected over the horizon (what a restart does not empty); and
  // within stretches, pairs within one stretch between restarts, the growth
  // projected over the longest stretch (what a restart empties grows no
  // longer than that). A series fires when either reading fires.
  const std::size_t stretches = a.window_minima.back().segment - a.window_minima.front().segment + 1;
  const auto read = [&](const std::vector<Point>& at) {
    std::vector<Reading> readings;
    readings.push_back({rule, {}, evaluate_trend(at, rule)});
    if (stretches > 1) {
      Reading within{rule, {}, {}};
      within.rule.horizon_s = std::min(settings.horizon_s, longest_stretch_s(settings));
      for (const WindowMinimum& w : a.window_minima) within.segments.push_back(w.segment);
      within.e = evaluate_trend(at, within.rule, within.segments);
      readings.push_back(std::move(within));
    }
    return readings;
  };
  // The tolerance each reading's confident growth is compared with: the
  // absolute and relative ones, and the observed one scaled to the horizon.
  const auto margin_of = [&](const Reading& r) -> std::optional<double> {
    double tolerance = std::max(absolute, r.e.relative_amount);
    const double span_s = observed_span_s(points, r.segments);
    if (settings.observed_tolerance > 0 && span_s > 0) {
      tolerance = std::max(tolerance, settings.observed_tolerance * r.rule.horizon_s / span_s);
    }
    if (!(tolerance > 0) || !r.e.confident_growth) return std::nullopt;
    // When the largest rise stands alone, the across-step growth must pass
    // the tolerance too (trend_rule.h): the run came as close as the lower.
    double margin = *r.e.confident_growth / tolerance;
    if (r.e.step_alone && r.e.within_confident_growth) {
      margin = std::min(margin, *r.e.within_confident_growth / tolerance);
    }
    return margin;
  };
  // The reading reported: a firing one (the larger margin if both fire),
  // else the one with the larger margin.
  const auto shown_of = [&](const std::vector<Reading>& readings) {
    const Reading* shown = &readings.front();
    for (const Reading& r : readings) {
      if (&r == shown) continue;
      const bool better_fire = r.e.fires && !shown->e.fires;
      const bool same_fire = r.e.fires == shown->e.fires;
      if (better_fire || (same_fire && margin_of(r).value_or(-1e300) > margin_of(*shown).value_or(-1e300))) {
        shown = &r;
      }
    }
    return shown;
  };
  const std::vector<Reading> readings = read(points);
  const Reading* shown = shown_of(readings);
  // A container whose owner counts its arrivals is read per unit of load as
  // well, and its growth is a leak only if it shows there too: a count that
  // rose with the load's rate is the load, not a leak (docs/verdict.md,
  // "Load that drifts").
  const std::optional<std::vector<Point>> per_load =
      load_following ? per_unit_of_load(series.samples, series.arrivals, a.window_minima) : std::nullopt;
  std::vector<Reading> load_readings;
  const Reading* load_shown = nullptr;
  if (per_load) {
    load_readings = read(*per_load);
    load_shown = shown_of(load_readings);
  }
  const TrendEvaluation& whole = shown->e;
  a.trend_judged = true;
  a.trend = whole.line;
  a.mann_kendall = whole.mk;
  a.projected_growth = whole.projected_growth;
  if (whole.whole_fires && !whole.fires) {
    // The whole-run tests fire but growth does not continue either side of
    // the largest rise: a one-off level change, not a leak.
    a.level_change_t_s = a.window_minima[whole.step_after].end_s;
    a.level_change = whole.step_rise;
  }
  a.confident_growth = whole.confident_growth;
  a.margin = margin_of(*shown);
  a.observed_span_s = observed_span_s(points, shown->segments);
  if (load_shown) {
    a.arrivals_series = series.arrivals_series;
    // Both readings must fire, so the run came as close as the lower one.
    a.load_adjusted_margin = margin_of(*load_shown);
    if (a.margin && a.load_adjusted_margin) a.margin = std::min(*a.margin, *a.load_adjusted_margin);
    if (whole.fires && !load_shown->e.fires) a.growth_follows_load = true;
  }
  if (!whole.fires || a.growth_follows_load) return a;

  // Earliest prefix of windows on which a reading already fires; the whole
  // run fires, so one exists (trend_rule.h: O(n^2 log n) each).
  const auto first_prefix = [&](const std::vector<Reading>& rs, const std::vector<Point>& at) {
    std::size_t k = at.size();
    for (const Reading& r : rs) {
      if (!r.e.fires) continue;
      k = std::min(k, first_firing_prefix(at, r.rule, settings.min_windows, r.segments).value_or(at.size()));
    }
    return k;
  };
  // Per unit of load too, when read so: the later of the two (each prefix
  // scaled by the whole run's median rate).
  std::size_t first_k = first_prefix(readings, points);
  if (per_load) first_k = std::max(first_k, first_prefix(load_readings, *per_load));
  const double detected_at_s = a.window_minima[first_k - 1].end_s;
  const double horizon_s = shown->rule.horizon_s;

  const double slope_per_hour = whole.line.slope_per_s * 3600;
  const double relative_growth = whole.level != 0 ? whole.projected_growth / std::abs(whole.level) : 0;
  Finding f;
  f.series = series.name;
  f.component = series.component;
  f.kind = FindingKind::trend;
  f.figures = {{"slope_per_hour", slope_per_hour},
               {"slope_per_s", whole.line.slope_per_s},
               {"intercept", whole.line.intercept},
               {"p_value", whole.mk.p_value_upward},
               {"mann_kendall_s", static_cast<double>(whole.mk.s)},
               {"z", whole.mk.z},
               {"windows", static_cast<double>(a.window_minima.size())},
               {"window_s", settings.window_s},
               {"projected_growth", whole.projected_growth},
               {"confident_growth", whole.confident_growth.value_or(0)},
               {"lower_slope_per_hour", whole.lower_slope_per_s.value_or(0) * 3600},
               {"horizon_s", horizon_s},
               {"level", whole.level},
               {"relative_growth", relative_growth},
               {"absolute_tolerance", absolute},
               {"relative_tolerance", settings.relative_tolerance},
               {"max_observed", max_value(series.samples)},
               {"largest_rise", whole.step_rise},
               {"largest_rise_t_s", a.window_minima[whole.step_after].end_s},
               {"within_slope_per_hour", whole.within_slope_per_s * 3600},
               {"within_p_value", whole.within_mk.p_value_upward},
               {"within_projected_growth", whole.within_projected_growth}};
  if (!settings.restarts_s.empty()) f.figures["stretches"] = static_cast<double>(stretches);
  if (a.load_adjusted_margin) f.figures["load_adjusted_margin"] = *a.load_adjusted_margin;
  if (count_noise_floor) f.figures["count_noise_floor"] = *count_noise_floor;
  std::string restarts;
  if (!shown->segments.empty()) {
    restarts = "; it grows within each stretch between the run's " + std::to_string(settings.restarts_s.size()) +
               " restart(s) (" + std::to_string(stretches) +
               " stretches judged together), projected over the longest stretch";
  } else if (stretches > 1) {
    restarts = "; the growth carries across the run's " + std::to_string(settings.restarts_s.size()) +
               " restart(s)";
  } else if (!settings.restarts_s.empty()) {
    restarts = "; judged on the windows of one stretch between restarts (a window a restart cuts short is not "
               "judged)";
  }
  f.time_to_detect_s = detected_at_s;
  f.message = series.name + " keeps growing: window minima rise " + with_unit(slope_per_hour, series.unit) +
              "/h (Mann-Kendall p = " + number(whole.mk.p_value_upward) + "), +" +
              with_unit(whole.projected_growth, series.unit) + " projected over " + virtual_time(horizon_s) +
              " (at least +" + with_unit(whole.confident_growth.value_or(0), series.unit) + " with " +
              number(100 * settings.growth_confidence) + "% confidence) = " + number(100 * relative_growth) +
              "% of its steady level " + with_unit(whole.level, series.unit) + " (tolerances " +
              number(100 * settings.relative_tolerance) + "% and " + with_unit(absolute, series.unit) + ")" +
              (whole.step_alone ? "; growth continues either side of its largest single rise (+" +
                                      with_unit(whole.step_rise, series.unit) +
                                      " at t = " + virtual_time(a.window_minima[whole.step_after].end_s) +
                                      ": " + with_unit(whole.within_slope_per_s * 3600, series.unit) +
                                      "/h, p = " + number(whole.within_mk.p_value_upward) + ")"
                                : std::string("; it rose in several comparable steps, not one")) +
              restarts +
              (per_load ? "; it grows per unit of load too (arrivals counted by " + series.arrivals_series + ")"
                        : std::string()) +
              "; detectable at t = " + virtual_time(detected_at_s);
  a.findings.push_back(std::move(f));
  return a;
}

std::size_t windows_needed(const VerdictSettings& settings) {
  return conclusive_windows(settings.alpha, 1 - settings.growth_confidence, settings.min_windows);
}

namespace {

// Whether a series' windows can show a leak by trend: enough of them, laid
// out in restart segments such that the pooled test can reject.
bool conclusive(const SeriesAnalysis& a, const VerdictSettings& settings, std::size_t needed) {
  if (settings.restarts_s.empty()) return a.window_minima.size() >= needed;
  std::vector<std::size_t> sizes(settings.restarts_s.size() + 1, 0);
  for (const WindowMinimum& w : a.window_minima) ++sizes[w.segment];
  return conclusive_layout(settings.alpha, 1 - settings.growth_confidence, settings.min_windows, sizes);
}

// A never_zero series with samples after warm-up, every one of them 0 or
// less (or not a number).
bool measured_nothing(const SeriesInput& s, const VerdictSettings& settings) {
  bool any = false;
  for (const Point& p : s.samples) {
    if (p.t_s < settings.warm_up_end_s) continue;
    if (p.value > 0) return false;
    any = true;
  }
  return any;
}

}  // namespace

VerdictResult judge(const std::vector<SeriesInput>& series, const VerdictSettings& settings) {
  validate(settings);
  VerdictResult result;
  result.series.reserve(series.size());
  const std::size_t needed = windows_needed(settings);
  Inconclusive missing;
  missing.windows_seen = std::numeric_limits<std::size_t>::max();
  for (const SeriesInput& s : series) {
    result.series.push_back(analyse_series(s, settings));
    const SeriesAnalysis& a = result.series.back();
    for (const Finding& f : a.findings) result.findings.push_back(f);
    if (judges_trend(s.kind) && !conclusive(a, settings, needed)) {
      missing.series.push_back(s.name);
      missing.windows_seen = std::min(missing.windows_seen, a.window_minima.size());
    }
    if (s.never_zero && measured_nothing(s, settings)) missing.unmeasured.push_back(s.name);
  }
  if (missing.series.empty()) missing.windows_seen = 0;
  if (!missing.series.empty()) {
    missing.windows_needed = needed;
    missing.window_s = settings.window_s;
    missing.warm_up_end_s = settings.warm_up_end_s;
    missing.minimum_duration_s = settings.warm_up_end_s + static_cast<double>(needed) * settings.window_s;
    missing.segments = settings.restarts_s.size() + 1;
    const std::string what = std::to_string(missing.series.size()) + " series (" + missing.series.front() +
                             (missing.series.size() > 1 ? ", ..." : "") + ") could not be trend-judged: ";
    const std::string why = " (the fewest with which Mann-Kendall can reject at alpha = " +
                            number(settings.alpha) + " wherever a level change falls)";
    if (settings.restarts_s.empty()) {
      missing.reason = what + std::to_string(missing.windows_seen) + " complete " +
                       virtual_time(settings.window_s) + " windows after the " +
                       virtual_time(settings.warm_up_end_s) + " warm-up, and the trend test needs " +
                       std::to_string(needed) + why;
    } else {
      missing.reason = what + std::to_string(missing.windows_seen) + " complete " +
                       virtual_time(settings.window_s) + " windows in " + std::to_string(missing.segments) +
                       " stretches between restarts (each restart empties memory and is followed by its own " +
                       virtual_time(settings.warm_up_end_s) +
                       " warm-up; trends are judged within stretches), too few for the pooled trend test; "
                       "one stretch without a restart needs " +
                       std::to_string(needed) + why + ", so restart no more often than every " +
                       virtual_time(missing.minimum_duration_s);
    }
  }
  if (!missing.unmeasured.empty()) {
    missing.reason += (missing.reason.empty() ? "" : "; ") + std::to_string(missing.unmeasured.size()) +
                      " series (" + missing.unmeasured.front() + (missing.unmeasured.size() > 1 ? ", ..." : "") +
                      ") read 0 at every sample after the warm-up, a figure a running process never has at 0: "
                      "its probe measured nothing, so \"bounded\" would claim what was not checked";
  }
  if (!missing.series.empty() || !missing.unmeasured.empty()) result.inconclusive = std::move(missing);
  return result;
}

}  // namespace plateau::soak
