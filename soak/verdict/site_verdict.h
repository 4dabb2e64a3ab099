// The per-allocation-site verdict: each heap-profile site's live-bytes
// timeline judged with the same window-minima trend test as every series
// (analyse_series: Theil–Sen + Mann–Kendall on window minima, growth
// projected over the horizon), with tolerances of its own (verdict.sites).
//
// Why its own tolerances: a site is one line of code, so its growth is
// judged against what one line may add over the run (absolute bytes) and
// against its own steady level (relative), not against whole-process
// tolerances sized for allocator noise. Sites whose peak live bytes stay
// under the floor are not judged: a sampled profile sees only a handful of
// their objects, and the estimate is noise.
//
// Sampling noise (why a site with 2 samples is not judged like one with
// 200): a heap profile records an object with probability about
// min(1, size / period), and the un-sampled estimate of a site is its
// sampled count times a scale. A site whose true level is steady still
// shows a sampled count that is a fresh Poisson draw whenever its objects
// turn over, so its estimate moves by about sqrt(k) samples when k are
// seen. The site's growth must therefore exceed what two draws at its
// level can differ by: z(alpha) * sqrt(2 k_level) samples, at the site's
// own bytes per sample (un-sampled bytes / sampled objects). That noise is
// compared with the growth shown within the judged windows (the slope's
// lower bound times their span), not the growth projected over the horizon
// (VerdictSettings::observed_tolerance): a sampled object stays in every
// dump while it lives, so a dump's error persists into the next ones for
// as long as the site's objects live, and a drift made of persistent error
// is what projection multiplies. Whatever that persistence, no two dumps
// differ by more than the noise bound from sampling alone. A
// leak of n samples clears this once n > ~2 z^2 (about 10 to 20 samples):
// the sample rate (verdict.sites.sample_bytes) decides how slow a leak can
// be caught, not a tolerance tuned to one leak. Sites whose peak sampled
// count stays under min_samples are not judged at all (below_floor).
// Objects larger than the period are sampled with probability near 1, so
// counting them as Poisson draws would overstate the noise (a vector that is
// never trimmed is ONE object: 1 sample, but measured exactly). When the
// profile gives each point's sampling variance (bytes_variance), the noise
// is z * sqrt(2 * its median variance) instead, at least one sample's worth,
// and the min_samples rule counts effective samples, bytes^2 / variance
// (the sampled count for small objects, unbounded for large ones).
//
// Classification (for the heap section's ranking): growing (a finding of
// kind site), bounded (judged, no significant growth: a cache that fills and
// churns at its capacity lands here), shrinking (a decline beyond the same
// tolerances),
// below_floor, too_few_windows.
//
// Thread safety: stateless functions on values. Invariants: judgements come
// out in input order; a finding is present exactly when classification ==
// growing; every figure is finite.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soak/verdict/verdict.h"

namespace plateau::soak {

struct SiteTolerances {
  double absolute_bytes = 262144;  // projected growth over the horizon must exceed it
  double relative = 0.25;          // ... and this share of the site's steady level
  double floor_bytes = 65536;      // peak live bytes below which a site is not judged
  double min_samples = 4;          // peak sampled objects below which a site is not judged
};

struct SiteSeries {
  std::string id;         // stable site id (file:line function)
  std::string label;      // for people: "OrderRouter::submit at engine/exec/order_router.cc:123"
  std::string component;  // engine component, "" when unknown
  std::vector<Point> live_bytes;  // one point per heap dump, sorted by t_s
  // Sampled objects behind each live_bytes point (same length), or empty
  // when unknown (an unsampled profile): then no sampling-noise term.
  std::vector<double> samples;
  // The sampling variance of each live_bytes point (bytes^2; same length),
  // or empty when unknown: then the noise is taken from `samples` as if
  // every object were far smaller than the sample period.
  std::vector<double> bytes_variance;
};

enum class SiteClass { growing, bounded, shrinking, below_floor, too_few_windows };
std::string_view to_string(SiteClass c) noexcept;
std::ostream& operator<<(std::ostream& out, SiteClass c);

struct SiteJudgement {
  std::string id;
  SiteClass classification = SiteClass::too_few_windows;
  SeriesAnalysis analysis;       // window minima and trend (when judged)
  double peak_bytes = 0;         // largest live bytes seen after warm-up
  double growth_bytes = 0;       // last window minimum - first (trough to trough)
  double bytes_per_hour = 0;     // Theil–Sen slope of the window minima, when judged
  double projected_growth = 0;   // slope * horizon, when judged
  double level_samples = 0;      // median sampled objects after warm-up
  double noise_bytes = 0;        // sampling-noise tolerance (0 without sample counts)
  double absolute_bytes = 0;     // the configured absolute tolerance (projected growth)
  std::optional<Finding> finding;  // kind site, when growing
};

// The sampling-noise tolerance of one site (see above), bytes: z(alpha) *
// sqrt(2 * median variance after warm-up), at least one sample's variance;
// without variances, z(alpha) * sqrt(2 * median sampled count after
// warm-up) * bytes per sample. 0 when `samples` is empty or never positive.
double site_noise_bytes(const SiteSeries& site, double warm_up_end_s, double alpha);

// The settings analyse_series uses for sites: `base` (warm-up, window,
// horizon, alpha, min_windows) with the site tolerances in place of every
// series tolerance.
VerdictSettings site_verdict_settings(const VerdictSettings& base, const SiteTolerances& tolerances);

std::vector<SiteJudgement> judge_sites(const std::vector<SiteSeries>& sites, const VerdictSettings& base,
                                       const SiteTolerances& tolerances);

}  // namespace plateau::soak
