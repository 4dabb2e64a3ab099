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
  BOOST_TEST(judged[0].absolute_bytes == judged[0].noise_bytes);
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
