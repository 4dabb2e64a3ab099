// The per-site verdict and heap sampling noise (issue 9): a site seen
// through a handful of samples is not judged like one seen through
// hundreds. Synthetic sites, one dump per 20-minute window over a 6 h run,
// as the gate takes them.
#define BOOST_TEST_MODULE soak_site_verdict
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "soak/verdict/site_verdict.h"
#include "soak/verdict/stats.h"

using namespace plateau::soak;

namespace {

constexpr double kWindowS = 1200;

VerdictSettings gate_like() {
  VerdictSettings s;
  s.warm_up_end_s = 0;
  s.window_s = kWindowS;
  s.horizon_s = 6 * 3600;
  s.alpha = 0.001;
  return s;
}

// A site whose dump k holds samples[k] sampled objects of `bytes_per_sample`
// un-sampled bytes each; with_counts = false hides the counts from the verdict.
SiteSeries site_of(const std::vector<double>& samples, double bytes_per_sample, bool with_counts = true) {
  SiteSeries s;
  s.id = "engine/x.cc:1 f";
  s.label = "f at engine/x.cc:1";
  s.component = "wallet";
  for (std::size_t k = 0; k < samples.size(); ++k) {
    s.live_bytes.push_back(Point{kWindowS * (static_cast<double>(k) + 0.5), samples[k] * bytes_per_sample});
  }
  if (with_counts) s.samples = samples;
  return s;
}

SiteTolerances gate_tolerances() {
  SiteTolerances t;
  t.absolute_bytes = 32768;
  t.relative = 0.25;
  t.floor_bytes = 16384;
  t.min_samples = 4;
  return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(noise_tolerance_is_z_sqrt_two_level_samples_at_the_sites_bytes_per_sample) {
  const SiteSeries s = site_of(std::vector<double>(16, 200), 100);
  const double expected = normal_upper_quantile(0.001) * std::sqrt(2.0 * 200) * 100;
  BOOST_TEST(site_noise_bytes(s, 0, 0.001) == expected, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(site_noise_bytes(site_of(std::vector<double>(16, 200), 100, false), 0, 0.001) == 0.0);
}

// A site that drifts from 4 to 8 samples of 16 KiB each: a doubling to a
// trend test on bytes, and well within what two Poisson draws of a site
// seen ~6 times can differ by. Without its sample counts it fires.
BOOST_AUTO_TEST_CASE(a_few_samples_drifting_is_sampling_noise_not_a_leak) {
  const std::vector<double> drift = {4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8};
  const auto blind = judge_sites({site_of(drift, 16384, false)}, gate_like(), gate_tolerances());
  BOOST_TEST(blind[0].classification == SiteClass::growing, "without counts: " << blind[0].classification);
  const auto judged = judge_sites({site_of(drift, 16384)}, gate_like(), gate_tolerances());
  BOOST_TEST(judged[0].classification == SiteClass::bounded, "with counts: " << judged[0].classification);
  BOOST_TEST(!judged[0].finding.has_value());
  BOOST_TEST(judged[0].noise_bytes > 32768.0);
  BOOST_TEST(judged[0].absolute_bytes == 32768.0);  // the configured one; the noise is compared apart
}

// A churning site of ~120 long-lived 512-byte blocks (about 15 samples at a
// 4 KiB period) whose estimate drifts from 7 to 27 samples over the run: a
// sampled block stays in every dump while it lives, so the error of one
// dump persists into the next for hours. Seen on a clean gate
// (MarketData::on_open_interest, seed 5016): Mann-Kendall p = 6e-6, and the
// growth projected over 6 h past the noise. What the judged windows show is
// not past it: bounded. The same drift through ten times the samples is.
BOOST_AUTO_TEST_CASE(a_drift_of_persistent_sampling_error_is_not_projected_past_the_noise) {
  const std::vector<double> drift = {7, 8, 11, 14, 13, 15, 15, 14, 16, 18, 17, 19, 22, 27};
  // Each sampled 512-byte block stands for 512 / p bytes, p = 1 - exp(-512 / 4096),
  // with Horvitz-Thompson variance (1 - p) (512 / p)^2 per sample.
  const double p = 1 - std::exp(-512.0 / 4096);
  SiteSeries site = site_of(drift, 512 / p);
  for (double k : drift) site.bytes_variance.push_back(k * (1 - p) * (512 / p) * (512 / p));
  const auto judged = judge_sites({site}, gate_like(), gate_tolerances());
  BOOST_TEST(judged[0].classification == SiteClass::bounded, "drift: " << judged[0].classification);
  BOOST_TEST(judged[0].analysis.mann_kendall->p_value_upward < 0.001);
  std::vector<double> many = drift;
  for (double& d : many) d *= 10;
  const auto real = judge_sites({site_of(many, 434)}, gate_like(), gate_tolerances());
  BOOST_TEST(real[0].classification == SiteClass::growing, "many samples: " << real[0].classification);
}

// The same doubling seen through 100 times as many samples (smaller
// objects, finer rate) is far past the noise: it fires.
BOOST_AUTO_TEST_CASE(the_same_growth_through_many_samples_fires) {
  std::vector<double> drift = {4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8};
  for (double& d : drift) d *= 100;
  const auto judged = judge_sites({site_of(drift, 163.84)}, gate_like(), gate_tolerances());
  BOOST_TEST(judged[0].classification == SiteClass::growing, judged[0].classification);
  BOOST_REQUIRE(judged[0].finding.has_value());
  BOOST_TEST(judged[0].finding->kind == FindingKind::site);
  BOOST_TEST(judged[0].finding->figure("noise_tolerance_bytes").value_or(-1) > 0);
}

// A slow leak: one 256-byte block in ~16 sampled at 4 KiB, 20 KiB/h, so
// about 5 samples an hour, 25 over the measured phase: caught.
BOOST_AUTO_TEST_CASE(a_slow_leak_with_enough_samples_fires) {
  std::vector<double> samples;
  for (int k = 0; k < 16; ++k) samples.push_back(std::floor(1.6 * k));
  const double bytes_per_sample = 256 / (1 - std::exp(-256.0 / 4096));
  const auto judged = judge_sites({site_of(samples, bytes_per_sample)}, gate_like(), gate_tolerances());
  BOOST_TEST(judged[0].classification == SiteClass::growing, judged[0].classification);
}

BOOST_AUTO_TEST_CASE(a_site_seen_fewer_than_min_samples_times_is_not_judged) {
  const std::vector<double> samples = {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
  SiteTolerances t = gate_tolerances();
  t.floor_bytes = 0;
  const auto judged = judge_sites({site_of(samples, 65536)}, gate_like(), t);
  BOOST_TEST(judged[0].classification == SiteClass::below_floor, judged[0].classification);
  t.min_samples = 0;
  const auto counted = judge_sites({site_of(samples, 65536)}, gate_like(), t);
  BOOST_TEST(counted[0].classification != SiteClass::below_floor, counted[0].classification);
}

// A container that is never trimmed is often ONE growing buffer (a vector
// that doubles): 1 sampled object per dump, but an object far larger than
// the sample period is always sampled, so its bytes are exact. With the
// profile's sampling variance it is judged (and caught); counted as Poisson
// draws it was below min_samples and the leak went unnamed.
BOOST_AUTO_TEST_CASE(a_single_large_growing_buffer_is_judged_from_its_sampling_variance) {
  SiteSeries s;
  s.id = "engine/x.cc:9 history";
  s.label = "history at engine/x.cc:9";
  s.component = "market";
  for (int k = 0; k < 16; ++k) {
    // 1 MiB growing by 256 KiB a window: reallocated in place of itself.
    s.live_bytes.push_back(Point{kWindowS * (k + 0.5), 1048576.0 + 262144.0 * k});
    s.samples.push_back(1);
    s.bytes_variance.push_back(0);  // 1 - p = exp(-1 MiB / 4 KiB): 0 in doubles
  }
  const auto judged = judge_sites({s}, gate_like(), gate_tolerances());
  BOOST_TEST(judged[0].classification == SiteClass::growing, judged[0].classification);
  BOOST_TEST(judged[0].noise_bytes == 0.0);
  // Without the variance the same site is counted as one Poisson draw a dump.
  s.bytes_variance.clear();
  const auto counted = judge_sites({s}, gate_like(), gate_tolerances());
  BOOST_TEST(counted[0].classification == SiteClass::below_floor, counted[0].classification);
}

// Small objects: the variance gives the Poisson figure the counts gave
// (z sqrt(2 k) samples of the period each), so nothing changes for them.
BOOST_AUTO_TEST_CASE(small_objects_keep_the_poisson_noise_tolerance) {
  constexpr double kPeriod = 4096, kSize = 64;
  const double p = 1 - std::exp(-kSize / kPeriod);
  SiteSeries s = site_of(std::vector<double>(16, 200), kSize / p);
  for (double k : s.samples) s.bytes_variance.push_back(k * (1 - p) * std::pow(kSize / p, 2));
  const double counts = normal_upper_quantile(0.001) * std::sqrt(2.0 * 200) * (kSize / p);
  BOOST_TEST(site_noise_bytes(s, 0, 0.001) == counts * std::sqrt(1 - p), boost::test_tools::tolerance(1e-9));
  BOOST_TEST(site_noise_bytes(s, 0, 0.001) / counts > 0.99);
  // And a site seen through 2 small samples is still not judged.
  SiteSeries few = site_of(std::vector<double>(16, 2), kSize / p);
  for (double k : few.samples) few.bytes_variance.push_back(k * (1 - p) * std::pow(kSize / p, 2));
  SiteTolerances t = gate_tolerances();
  t.floor_bytes = 0;
  BOOST_TEST(judge_sites({few}, gate_like(), t)[0].classification == SiteClass::below_floor);
}
