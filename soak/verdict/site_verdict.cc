#include "soak/verdict/site_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
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

namespace {

bool has_variance(const SiteSeries& site) {
  return site.bytes_variance.size() == site.live_bytes.size() && site.samples.size() == site.live_bytes.size();
}

// The noise from each point's sampling variance (see the header).
double variance_noise_bytes(const SiteSeries& site, double warm_up_end_s, double alpha) {
  std::vector<double> variances;
  double variance_sum = 0, sampled = 0;
  for (std::size_t k = 0; k < site.live_bytes.size(); ++k) {
    if (site.live_bytes[k].t_s < warm_up_end_s) continue;
    const double v = std::isfinite(site.bytes_variance[k]) ? std::max(site.bytes_variance[k], 0.0) : 0.0;
    variances.push_back(v);
    if (site.samples[k] > 0) {
      variance_sum += v;
      sampled += site.samples[k];
    }
  }
  if (variances.empty() || sampled <= 0) return 0;
  // At least one sample's worth: a site seen once or never still moves by one.
  const double level = std::max(median_of(variances), variance_sum / sampled);
  return normal_upper_quantile(alpha) * std::sqrt(2.0 * level);
}

// The largest effective sample count after warm-up: bytes^2 / variance,
// unbounded where the variance is 0 (every object recorded).
double peak_effective_samples(const SiteSeries& site, double warm_up_end_s) {
  double peak = 0;
  for (std::size_t k = 0; k < site.live_bytes.size(); ++k) {
    const Point& p = site.live_bytes[k];
    if (p.t_s < warm_up_end_s || site.samples[k] <= 0 || !(p.value > 0)) continue;
    const double v = site.bytes_variance[k];
    if (!(v > 0)) return std::numeric_limits<double>::infinity();
    peak = std::max(peak, p.value * p.value / v);
  }
  return peak;
}

}  // namespace

double site_noise_bytes(const SiteSeries& site, double warm_up_end_s, double alpha) {
  if (has_variance(site)) return variance_noise_bytes(site, warm_up_end_s, alpha);
  if (site.samples.size() != site.live_bytes.size()) return 0;
  std::vector<double> counts;
  double bytes = 0, sampled = 0;
  for (std::size_t k = 0; k < site.samples.size(); ++k) {
    if (site.live_bytes[k].t_s < warm_up_end_s) continue;
    counts.push_back(site.samples[k]);
    if (site.samples[k] > 0 && std::isfinite(site.live_bytes[k].value)) {
      bytes += site.live_bytes[k].value;
      sampled += site.samples[k];
    }
  }
  if (counts.empty() || sampled <= 0) return 0;
  const double level = median_of(std::move(counts));
  const double bytes_per_sample = bytes / sampled;
  // At least one sample's worth: a site seen once or never still moves by one.
  return normal_upper_quantile(alpha) * std::sqrt(2.0 * std::max(level, 1.0)) * bytes_per_sample;
}

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
  const VerdictSettings common = site_verdict_settings(base, tolerances);
  validate(common);
  std::vector<SiteJudgement> out;
  out.reserve(sites.size());
  for (const SiteSeries& site : sites) {
    SiteJudgement j;
    j.id = site.id;
    double peak_samples = 0;
    for (std::size_t k = 0; k < site.live_bytes.size(); ++k) {
      const Point& p = site.live_bytes[k];
      if (p.t_s < common.warm_up_end_s) continue;
      j.peak_bytes = std::max(j.peak_bytes, p.value);
      if (k < site.samples.size()) peak_samples = std::max(peak_samples, site.samples[k]);
    }
    const double peak_effective =
        has_variance(site) ? peak_effective_samples(site, common.warm_up_end_s) : peak_samples;
    const bool few_samples = !site.samples.empty() && peak_effective < tolerances.min_samples;
    if (j.peak_bytes < tolerances.floor_bytes || few_samples) {
      j.classification = SiteClass::below_floor;
      out.push_back(std::move(j));
      continue;
    }
    // This site's absolute tolerance: the configured one, raised to what
    // sampling noise alone can move a site of its level by.
    j.noise_bytes = site_noise_bytes(site, common.warm_up_end_s, common.alpha);
    j.level_samples = 0;
    if (!site.samples.empty()) {
      std::vector<double> counts;
      for (std::size_t k = 0; k < site.samples.size(); ++k) {
        if (site.live_bytes[k].t_s >= common.warm_up_end_s) counts.push_back(site.samples[k]);
      }
      std::sort(counts.begin(), counts.end());
      if (!counts.empty()) j.level_samples = counts[counts.size() / 2];
    }
    // Sampling noise can move any one dump by noise_bytes, and a sampled
    // object stays in every dump while it lives, so the noise of one dump
    // persists into the next ones (for hours, for long-lived objects that
    // churn). Drift made that way is what projecting over the horizon
    // multiplies; so the noise is compared with the growth shown within the
    // judged windows, which it bounds whatever its persistence, and the
    // configured tolerances with the projected growth.
    VerdictSettings settings = common;
    settings.absolute_tolerance = tolerances.absolute_bytes;
    settings.observed_tolerance = j.noise_bytes;
    j.absolute_bytes = settings.absolute_tolerance;
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
      f.figures["level_samples"] = j.level_samples;
      f.figures["noise_tolerance_bytes"] = j.noise_bytes;
      const double observed_s = j.analysis.observed_span_s.value_or(0);
      f.message = site.label + " keeps growing: its live bytes' window minima rise " +
                  bytes_text(j.bytes_per_hour) + "/h (Mann-Kendall p = " +
                  [&] {
                    char b[32];
                    std::snprintf(b, sizeof b, "%.3g", f.figure("p_value").value_or(1));
                    return std::string(b);
                  }() +
                  "), +" + bytes_text(j.projected_growth) + " projected over " +
                  hours_text(f.figure("horizon_s").value_or(settings.horizon_s)) + " (site tolerances " +
                  bytes_text(j.absolute_bytes) + " and " +
                  std::to_string(static_cast<int>(std::lround(100 * tolerances.relative))) + "% of its level " +
                  bytes_text(j.analysis.level.value_or(0)) + "; at least +" +
                  bytes_text(f.figure("lower_slope_per_hour").value_or(0) * observed_s / 3600) +
                  " shown within the " + hours_text(observed_s) +
                  " observed, past its sampling noise " + bytes_text(j.noise_bytes) + ")";
      j.finding = std::move(f);
    } else {
      // Shrinking only when the decline is as large as growth would have to
      // be to fire; noise around a flat level is bounded either way.
      const double level = std::abs(j.analysis.level.value_or(0));
      const bool shrinks = -j.projected_growth > j.absolute_bytes &&
                           -j.projected_growth > tolerances.relative * level &&
                           -j.bytes_per_hour * j.analysis.observed_span_s.value_or(0) / 3600 > j.noise_bytes;
      j.classification = shrinks ? SiteClass::shrinking : SiteClass::bounded;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace plateau::soak
