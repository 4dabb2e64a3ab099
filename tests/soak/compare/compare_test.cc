#define BOOST_TEST_MODULE soak_compare
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "reports/writers.h"
#include "soak/compare/compare.h"
#include "tests/soak/compare/report_builders.h"

using namespace plateau;
using plateau::soak::CompareTolerances;
using plateau::soak::testing::leaking;
using plateau::soak::testing::ramp_series;
using plateau::soak::testing::run_report;

namespace {

const reports::ComparisonRow& row_for(const reports::Comparison& c, const std::string& series) {
  for (const auto& row : c.rows) {
    if (row.series == series) return row;
  }
  throw std::runtime_error("no row for " + series);
}

reports::Report with(reports::Report r, std::vector<reports::Series> series) {
  r.series = std::move(series);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compare)

BOOST_AUTO_TEST_CASE(identical_reports_do_not_regress) {
  const auto base = with(run_report("gate", "jemalloc"),
                         {ramp_series("inventory.plans.execution_locks.entries", "entries", 100, 0),
                          ramp_series("alloc.allocated_bytes", "bytes", 50e6, 10, std::nullopt, "alloc")});
  const auto c = soak::compare_reports(base, base, {}, "base.json", "candidate.json");
  BOOST_TEST(c.rows.size() == 2u);
  BOOST_TEST(!soak::any_regressed(c));
  BOOST_TEST(c.base_report == "base.json");
}

BOOST_AUTO_TEST_CASE(a_new_slope_beyond_tolerance_regresses_and_names_the_series) {
  const auto base = with(run_report("gate", "jemalloc"),
                         {ramp_series("inventory.plans.execution_locks.entries", "entries", 100, 0)});
  // 0.01 entries/s over the 3600 s horizon is 36 entries: above the 16-entry
  // absolute tolerance and 5% of the base level (100).
  const auto candidate =
      with(run_report("gate", "jemalloc"),
           {leaking(ramp_series("inventory.plans.execution_locks.entries", "entries", 100, 0.01))});
  const auto c = soak::compare_reports(base, candidate, {}, "base.json", "candidate.json");
  const auto& row = row_for(c, "inventory.plans.execution_locks.entries");
  BOOST_TEST(row.regressed);
  BOOST_TEST(row.candidate_slope_per_s == 0.01);
  BOOST_TEST(row.base_slope_per_s == 0.0);
  BOOST_TEST(row.message.find("slope") != std::string::npos);
  BOOST_TEST(soak::any_regressed(c));
}

BOOST_AUTO_TEST_CASE(a_slope_difference_the_verdict_did_not_call_growth_is_noise) {
  // Level 1000: 0.02/s over 3600 s is 72 more entries, above 5% of 1000; the
  // peak (1072) stays within 10% + 16 of the base's.
  const auto base =
      with(run_report("gate", "jemalloc"),
           {ramp_series("inventory.wallet.processed_transactions.entries", "entries", 1000, 0)});
  const auto noisy =
      with(run_report("gate", "jemalloc"),
           {ramp_series("inventory.wallet.processed_transactions.entries", "entries", 1000, 0.02)});
  BOOST_TEST(!soak::any_regressed(soak::compare_reports(base, noisy, {}, "b", "c")));
  auto growing = noisy;
  growing.series[0] = leaking(growing.series[0]);
  BOOST_TEST(soak::any_regressed(soak::compare_reports(base, growing, {}, "b", "c")));
}

BOOST_AUTO_TEST_CASE(growth_within_the_absolute_tolerance_is_noise) {
  const auto base = with(run_report("gate", "jemalloc"),
                         {ramp_series("inventory.plans.execution_locks.entries", "entries", 100, 0)});
  // 0.004/s * 3600 s = 14.4 entries < 16; the peak stays within 10% + 16.
  const auto candidate =
      with(run_report("gate", "jemalloc"),
           {leaking(ramp_series("inventory.plans.execution_locks.entries", "entries", 100, 0.004))});
  BOOST_TEST(!soak::any_regressed(soak::compare_reports(base, candidate, {}, "b", "c")));
  // The same growth fails once the tolerance is tightened.
  CompareTolerances strict;
  strict.absolute_by_unit["entries"] = 4;
  strict.relative_peak = 0;
  BOOST_TEST(soak::any_regressed(soak::compare_reports(base, candidate, strict, "b", "c")));
}

BOOST_AUTO_TEST_CASE(a_higher_flat_peak_regresses_on_peak_alone) {
  const auto base = with(run_report("gate", "jemalloc"),
                         {ramp_series("inventory.wallet.price_cache.entries", "entries", 200, 0)});
  const auto candidate = with(run_report("gate", "jemalloc"),
                              {ramp_series("inventory.wallet.price_cache.entries", "entries", 400, 0)});
  const auto comparison = soak::compare_reports(base, candidate, {}, "b", "c");
  const auto& row = row_for(comparison, "inventory.wallet.price_cache.entries");
  BOOST_TEST(row.regressed);
  BOOST_TEST(row.candidate_peak == 400.0);
  BOOST_TEST(row.base_peak == 200.0);
  BOOST_TEST(row.message.find("peak") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_invariant_above_the_base_regresses) {
  const auto base =
      with(run_report("gate", "jemalloc"),
           {ramp_series("invariant.paper.double_closes", "count", 0, 0, std::nullopt, "invariant")});
  const auto candidate =
      with(run_report("gate", "jemalloc"),
           {ramp_series("invariant.paper.double_closes", "count", 0, 0.001, std::nullopt, "invariant")});
  const auto c = soak::compare_reports(base, candidate, {}, "b", "c");
  BOOST_TEST(row_for(c, "invariant.paper.double_closes").regressed);
}

BOOST_AUTO_TEST_CASE(crossing_a_declared_bound_regresses) {
  const auto base = with(run_report("gate", "jemalloc"),
                         {ramp_series("inventory.market.ohlcv.entries", "entries", 990, 0, 1000.0)});
  const auto candidate = with(run_report("gate", "jemalloc"),
                              {ramp_series("inventory.market.ohlcv.entries", "entries", 1001, 0, 1000.0)});
  const auto comparison = soak::compare_reports(base, candidate, {}, "b", "c");
  const auto& row = row_for(comparison, "inventory.market.ohlcv.entries");
  BOOST_TEST(row.regressed);
  BOOST_TEST(row.message.find("declared bound") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unjudged_series_are_not_compared_and_regressions_sort_first) {
  auto health = ramp_series("health.router.submitted", "count", 0, 5, std::nullopt, "health");
  health.judged = false;
  const auto base =
      with(run_report("gate", "jemalloc"), {health, ramp_series("inventory.a.x.entries", "entries", 10, 0),
                                            ramp_series("inventory.z.y.entries", "entries", 10, 0)});
  auto candidate = base;
  candidate.series[0] = ramp_series("health.router.submitted", "count", 0, 50, std::nullopt, "health");
  candidate.series[0].judged = false;
  candidate.series[2] = leaking(ramp_series("inventory.z.y.entries", "entries", 10, 1));
  const auto c = soak::compare_reports(base, candidate, {}, "b", "c");
  BOOST_REQUIRE(c.rows.size() == 2u);
  BOOST_TEST(c.rows[0].series == "inventory.z.y.entries");
  BOOST_TEST(c.rows[0].regressed);
  BOOST_TEST(!c.rows[1].regressed);
}

BOOST_AUTO_TEST_CASE(a_new_leaking_series_regresses) {
  const auto base = with(run_report("gate", "jemalloc"), {});
  auto leaking = ramp_series("inventory.exits.pending_exit_intents.entries", "entries", 0, 1);
  leaking.verdict = reports::Verdict::leak;
  const auto candidate = with(run_report("gate", "jemalloc"), {leaking});
  BOOST_TEST(row_for(soak::compare_reports(base, candidate, {}, "b", "c"),
                     "inventory.exits.pending_exit_intents.entries")
                 .regressed);
}

BOOST_AUTO_TEST_CASE(the_comparison_report_has_a_finding_and_chart_per_regressed_row) {
  const auto base =
      with(run_report("gate", "jemalloc"), {ramp_series("inventory.plans.locks.entries", "entries", 10, 0),
                                            ramp_series("inventory.plans.other.entries", "entries", 10, 0)});
  const auto candidate = with(run_report("gate", "jemalloc"),
                              {leaking(ramp_series("inventory.plans.locks.entries", "entries", 10, 1)),
                               ramp_series("inventory.plans.other.entries", "entries", 10, 0)});
  const auto c = soak::compare_reports(base, candidate, {}, "b.json", "c.json");
  const auto report = soak::comparison_report(candidate, c);
  BOOST_TEST(report.verdict == reports::Verdict::leak);
  BOOST_REQUIRE(report.findings.size() == 1u);
  BOOST_TEST(report.findings[0].series == "inventory.plans.locks.entries");
  BOOST_TEST(report.findings[0].component == "plans");
  BOOST_TEST(report.findings[0].kind == reports::FindingKind::trend);
  BOOST_REQUIRE(report.series.size() == 1u);
  BOOST_TEST(report.series[0].name == "inventory.plans.locks.entries");
  BOOST_REQUIRE(report.comparison.has_value());
  BOOST_TEST(report.comparison->rows.size() == 2u);
  BOOST_TEST(soak::comparison_report(base, soak::compare_reports(base, base, {}, "b", "b")).verdict ==
             reports::Verdict::bounded);
}

BOOST_AUTO_TEST_CASE(slope_falls_back_to_the_samples_without_a_trend) {
  auto s = ramp_series("inventory.a.b.entries", "entries", 5, 0.5);
  s.trend.reset();
  s.window_minima.clear();
  BOOST_TEST(soak::series_slope_per_s(s, 600) == 0.5);
  BOOST_TEST(soak::series_peak(s) == 5 + 0.5 * 3600);
}

BOOST_AUTO_TEST_CASE(tolerances_are_validated_and_prefixes_win_over_units) {
  CompareTolerances t;
  BOOST_TEST(soak::absolute_tolerance_for(t, "alloc.allocated_bytes", "bytes") == 4.0 * 1024 * 1024);
  BOOST_TEST(soak::absolute_tolerance_for(t, "inventory.x.y.bytes", "bytes") == 65536.0);
  BOOST_TEST(soak::absolute_tolerance_for(t, "process.rss_bytes", "bytes") == 8.0 * 1024 * 1024);
  BOOST_TEST(soak::absolute_tolerance_for(t, "process.open_fds", "fds") == 1.0);
  BOOST_TEST(soak::absolute_tolerance_for(t, "inventory.x.y.things", "things") == 1.0);
  t.relative_peak = -1;
  BOOST_CHECK_THROW(soak::validate(t), std::invalid_argument);
  t = {};
  t.horizon_s = 0;
  BOOST_CHECK_THROW(soak::validate(t), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_series_missing_from_the_candidate_is_a_failure_naming_it) {
  const auto base =
      with(run_report("gate", "jemalloc"), {ramp_series("inventory.plans.locks.entries", "entries", 10, 0),
                                            ramp_series("inventory.plans.other.entries", "entries", 10, 0)});
  const auto candidate =
      with(run_report("gate", "jemalloc"), {ramp_series("inventory.plans.other.entries", "entries", 10, 0)});
  const auto c = soak::compare_reports(base, candidate, {}, "b", "c");
  const auto& row = row_for(c, "inventory.plans.locks.entries");
  BOOST_TEST(row.regressed);
  BOOST_TEST(row.message.find("missing from the candidate") != std::string::npos);
  BOOST_TEST(soak::any_regressed(c));
  // The comparison report names it in a finding.
  const auto report = soak::comparison_report(candidate, c);
  BOOST_TEST(report.verdict == reports::Verdict::leak);
  BOOST_REQUIRE(report.findings.size() == 1u);
  BOOST_TEST(report.findings[0].series == "inventory.plans.locks.entries");
}

// A thread or fd group that no longer exists in the candidate counts zero
// there (its total still judges it); a missing total is still a failure.
BOOST_AUTO_TEST_CASE(a_missing_breakdown_group_is_not_a_missing_series) {
  const auto base = with(run_report("gate", "jemalloc"), {ramp_series("process.threads", "threads", 5, 0),
                                                          ramp_series("process.threads.sqlite", "threads", 1, 0)});
  const auto candidate = with(run_report("gate", "jemalloc"), {ramp_series("process.threads", "threads", 5, 0)});
  BOOST_TEST(!soak::any_regressed(soak::compare_reports(base, candidate, {}, "b", "c")));
  const auto no_total =
      with(run_report("gate", "jemalloc"), {ramp_series("process.threads.sqlite", "threads", 1, 0)});
  BOOST_TEST(soak::any_regressed(soak::compare_reports(base, no_total, {}, "b", "c")));
}

BOOST_AUTO_TEST_CASE(a_candidate_with_no_series_or_not_judged_never_passes) {
  const auto base = with(run_report("gate", "jemalloc"),
                         {ramp_series("inventory.plans.locks.entries", "entries", 10, 0)});
  BOOST_TEST(soak::any_regressed(soak::compare_reports(base, with(run_report("gate", "jemalloc"), {}), {}, "b", "c")));
  // Two reports with nothing judged: nothing was compared, which is no pass.
  const auto empty = with(run_report("gate", "jemalloc"), {});
  BOOST_TEST(soak::any_regressed(soak::compare_reports(empty, empty, {}, "b", "c")));
  // An interrupted candidate: its series are there but were not judged.
  auto interrupted = base;
  interrupted.verdict = reports::Verdict::incomplete;
  interrupted.incomplete = true;
  interrupted.incomplete_reason = "interrupted by SIGTERM at t=60s of 3600s";
  interrupted.series[0].judged = false;
  const auto c = soak::compare_reports(base, interrupted, {}, "b", "c");
  BOOST_TEST(row_for(c, "run").regressed);
  BOOST_TEST(row_for(c, "run").message.find("incomplete") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_comparison_junit_counts_each_regression_once) {
  const auto base =
      with(run_report("gate", "jemalloc"), {ramp_series("inventory.plans.locks.entries", "entries", 10, 0),
                                            ramp_series("inventory.plans.other.entries", "entries", 10, 0)});
  const auto candidate = with(run_report("gate", "jemalloc"),
                              {leaking(ramp_series("inventory.plans.locks.entries", "entries", 10, 1)),
                               ramp_series("inventory.plans.other.entries", "entries", 10, 0)});
  const auto report = soak::comparison_report(candidate, soak::compare_reports(base, candidate, {}, "b", "c"));
  const std::string xml = reports::render_junit_xml(report);
  BOOST_TEST_INFO(xml);
  BOOST_TEST(xml.find("tests=\"2\" failures=\"1\"") != std::string::npos);
  std::size_t failures = 0;
  for (std::size_t at = xml.find("<failure "); at != std::string::npos; at = xml.find("<failure ", at + 1)) ++failures;
  BOOST_TEST(failures == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
