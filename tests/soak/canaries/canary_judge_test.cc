#define BOOST_TEST_MODULE soak_canaries
#include <boost/test/unit_test.hpp>

#include <set>
#include <stdexcept>

#include "engine/core/failpoints.h"
#include "soak/canaries/canary_catalog.h"
#include "soak/canaries/canary_judge.h"
#include "soak/canaries/canary_matrix.h"
#include "tests/soak/compare/report_builders.h"

using namespace plateau;

namespace {

reports::Finding finding(const std::string& series, const std::string& component, reports::FindingKind kind,
                         std::optional<double> ttd) {
  reports::Finding f;
  f.series = series;
  f.component = component;
  f.kind = kind;
  f.message = series + " fired";
  f.time_to_detect_s = ttd;
  return f;
}

reports::Report leak_report(std::vector<reports::Finding> findings) {
  reports::Report r;
  r.verdict = findings.empty() ? reports::Verdict::bounded : reports::Verdict::leak;
  r.context.seed = 20261122;
  r.context.scenario_name = "gate";
  r.findings = std::move(findings);
  return r;
}

reports::HeapSite site(const std::string& our_frame, std::vector<std::string> stack) {
  return reports::HeapSite{1 << 20, 1000, our_frame, std::move(stack)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(every_engine_failpoint_has_an_expectation_with_a_known_component) {
  const auto catalog = soak::canary_catalog();
  const auto failpoints = engine::all_failpoints();
  BOOST_REQUIRE(catalog.size() == failpoints.size());
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    BOOST_TEST(catalog[i].failpoint == std::string(failpoints[i].name));
    BOOST_TEST_MESSAGE(catalog[i].failpoint);
    BOOST_TEST(soak::has_component_rule(catalog[i].component),
               "no rule for component " << catalog[i].component);
    BOOST_TEST(!catalog[i].code_markers.empty());
  }
  BOOST_CHECK_THROW(soak::canary_expectation("plans.no_such_bug"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(components_map_to_the_names_the_inventory_reports) {
  const auto& cache = soak::canary_expectation("cache.uncapped_ttl");
  BOOST_TEST((std::set<std::string>(cache.accepted_components.begin(), cache.accepted_components.end())
                  .contains("wallet")));
  const auto& classic = soak::canary_expectation("engine.unreachable_leak");
  BOOST_TEST((std::set<std::string>(classic.accepted_components.begin(), classic.accepted_components.end())
                  .contains("allocator")));
  BOOST_TEST(classic.allocates);
  BOOST_TEST(!soak::canary_expectation("paper.nonatomic_close").allocates);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(judge)

BOOST_AUTO_TEST_CASE(detected_when_a_finding_names_the_component_with_the_earliest_time) {
  const auto& e = soak::canary_expectation("plans.leak_execution_locks");
  const auto run = leak_report(
      {finding("alloc.allocated_bytes", "allocator", reports::FindingKind::trend, 900.0),
       finding("inventory.plans.execution_locks.entries", "plans", reports::FindingKind::trend, 5400.0),
       finding("invariant.residue.plans.execution_locks", "plans", reports::FindingKind::residue, 1500.0)});
  const auto r = soak::judge_canary(e, run);
  BOOST_TEST(r.detected);
  BOOST_TEST(r.failpoint == "plans.leak_execution_locks");
  BOOST_TEST(r.expected_component == "plans");
  BOOST_TEST(r.seed == 20261122u);
  // The allocator fired earlier, but the right component's earliest signal counts.
  BOOST_TEST(*r.time_to_detect_s == 1500.0);
  BOOST_TEST((r.components_fired == std::vector<std::string>{"allocator", "plans"}));
  BOOST_TEST(r.signals_fired.size() == 3u);
  BOOST_TEST(r.signals_fired[2] == "residue:invariant.residue.plans.execution_locks");
}

BOOST_AUTO_TEST_CASE(a_finding_in_another_component_is_not_a_detection) {
  const auto& e = soak::canary_expectation("router.keep_terminal_orders");
  const auto r = soak::judge_canary(e, leak_report({finding("inventory.wallet.price_cache.entries", "wallet",
                                                            reports::FindingKind::trend, 100.0)}));
  BOOST_TEST(!r.detected);
  BOOST_TEST(!r.time_to_detect_s.has_value());
  BOOST_TEST((r.components_fired == std::vector<std::string>{"wallet"}));
  BOOST_TEST(!soak::judge_canary(e, leak_report({})).detected);
}

BOOST_AUTO_TEST_CASE(a_signal_the_clean_runs_also_raise_does_not_count) {
  const auto& e = soak::canary_expectation("market.unbounded_open_interest");
  const auto clean = leak_report(
      {finding("inventory.market.ohlcv_1m.entries", "market", reports::FindingKind::trend, 8400.0)});
  const auto background = soak::flagged_series({&clean});
  BOOST_TEST(background.contains("inventory.market.ohlcv_1m.entries"));
  auto run = leak_report(
      {finding("inventory.market.ohlcv_1m.entries", "market", reports::FindingKind::trend, 8400.0)});
  BOOST_TEST(!soak::judge_canary(e, run, background).detected);
  run.findings.push_back(
      finding("inventory.market.open_interest_total.entries", "market", reports::FindingKind::bound, 3000.0));
  const auto r = soak::judge_canary(e, run, background);
  BOOST_TEST(r.detected);
  BOOST_TEST(*r.time_to_detect_s == 3000.0);
}

BOOST_AUTO_TEST_CASE(cache_canary_counts_in_the_components_that_own_caches) {
  const auto& e = soak::canary_expectation("cache.uncapped_ttl");
  const auto r =
      soak::judge_canary(e, leak_report({finding("invariant.residue.wallet.transaction_cache", "wallet",
                                                 reports::FindingKind::residue, 4000.0)}));
  BOOST_TEST(r.detected);
}

BOOST_AUTO_TEST_CASE(heap_site_matches_the_components_code_before_the_driver_frames) {
  const auto& e = soak::canary_expectation("router.keep_terminal_orders");
  const std::string driver = "plateau::harness::Harness::run()+0x10 (plateau)";
  reports::HeapProfile profile;
  profile.backend = reports::HeapBackend::jemalloc;
  profile.top_sites = {
      site("std::vector<int>::push_back",
           {"operator new+0x1 (libc)", driver, "plateau::engine::OrderRouter::on_update+0x1 (plateau)"}),
      site("plateau::engine::OrderRouter::submit(plateau::engine::OrderIntent const&)",
           {"operator new+0x1 (libc)", "plateau::engine::OrderRouter::submit+0x22 (plateau)", driver})};
  BOOST_TEST(
      !soak::site_in_code(profile.top_sites[0], e.code_markers));  // the router frame is past the driver
  BOOST_TEST(soak::site_in_code(profile.top_sites[1], e.code_markers));
  BOOST_TEST(soak::heap_site_in_component(e, profile) == reports::HeapSiteMatch::yes);
  BOOST_TEST(soak::heap_site_in_component(e, profile, 1) == reports::HeapSiteMatch::no);
  auto run = leak_report(
      {finding("inventory.router.order_meta.entries", "router", reports::FindingKind::trend, 1.0)});
  run.heap_profile = profile;
  BOOST_TEST(soak::judge_canary(e, run).heap_site_in_component == reports::HeapSiteMatch::yes);
  // A bug that does not allocate, or a run without a diff: not applicable.
  BOOST_TEST(soak::heap_site_in_component(soak::canary_expectation("paper.nonatomic_close"), profile) ==
             reports::HeapSiteMatch::not_applicable);
  BOOST_TEST(soak::heap_site_in_component(e, reports::HeapProfile{}) ==
             reports::HeapSiteMatch::not_applicable);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(matrix_report)

// The entry frames the engine publishes (its facade) end the search as the
// harness's do: a component frame past them is how the call came in.
BOOST_AUTO_TEST_CASE(a_component_frame_past_the_systems_published_entry_frame_does_not_count) {
  const auto& e = soak::canary_expectation("router.keep_terminal_orders");
  const reports::HeapSite past = site("std::vector<int>::push_back",
                                      {"operator new+0x1 (libc)", "plateau::engine::Engine::on_event()+0x5 (plateau)",
                                       "plateau::engine::OrderRouter::on_update+0x1 (plateau)"});
  BOOST_TEST(soak::is_entry_frame("plateau::engine::Engine::on_event()+0x5 (plateau)"));
  BOOST_TEST(!soak::is_entry_frame("plateau::engine::OrderRouter::on_update+0x1 (plateau)"));
  BOOST_TEST(!soak::site_in_code(past, e.code_markers));
}

BOOST_AUTO_TEST_CASE(passes_only_when_every_canary_is_detected_and_every_clean_run_bounded) {
  soak::JudgedRun canary;
  canary.failpoint = "plans.leak_m1_cache";
  canary.dir = "out/canary-plans.leak_m1_cache";
  canary.report = leak_report(
      {finding("inventory.plans.m1_cache.entries", "plans", reports::FindingKind::trend, 3000.0)});
  soak::JudgedRun clean;
  clean.seed = 1;
  clean.report = leak_report({});
  clean.report->context.seed = 1;
  auto report = soak::assemble_matrix_report({canary, clean}, 12.5);
  BOOST_TEST(report.verdict == reports::Verdict::bounded);
  BOOST_TEST(report.findings.empty());
  BOOST_REQUIRE(report.canary_matrix.has_value());
  BOOST_TEST(report.canary_matrix->canaries.at(0).detected);
  BOOST_TEST(report.canary_matrix->clean_runs.at(0).seed == 1u);
  BOOST_TEST(report.context.wall_duration_s == 12.5);
  BOOST_TEST((report.context.failpoints_on == std::vector<std::string>{"plans.leak_m1_cache"}));

  // A false alarm in a clean run fails the matrix and is shown with its series.
  clean.report = leak_report(
      {finding("inventory.wallet.price_cache.entries", "wallet", reports::FindingKind::trend, 9.0)});
  clean.report->series.push_back(reports::Series{});
  clean.report->series.back().name = "inventory.wallet.price_cache.entries";
  report = soak::assemble_matrix_report({canary, clean}, 12.5);
  BOOST_TEST(report.verdict == reports::Verdict::leak);
  BOOST_REQUIRE(report.findings.size() == 1u);
  BOOST_TEST(report.findings[0].series == "seed-1:inventory.wallet.price_cache.entries");
  BOOST_TEST(report.findings[0].message.find("false alarm") != std::string::npos);
  BOOST_TEST(report.series.size() == 1u);

  // A canary run that produced no report is a missed canary, named with its log.
  soak::JudgedRun crashed;
  crashed.failpoint = "paper.nonatomic_close";
  crashed.dir = "out/canary-paper.nonatomic_close";
  crashed.term_signal = 11;
  crashed.read_error = "report.json: cannot be read";
  report = soak::assemble_matrix_report({crashed}, 1);
  BOOST_TEST(report.verdict == reports::Verdict::leak);
  BOOST_TEST(!report.canary_matrix->canaries.at(0).detected);
  BOOST_TEST(report.findings.at(0).message.find("signal 11") != std::string::npos);
  BOOST_TEST(report.findings.at(0).message.find("run.log") != std::string::npos);
}

// Issue 9 item 7: a must-not-fire fixture is judged like a clean run, and a
// fixture that fires is a failure of the matrix, named by its fixture.
BOOST_AUTO_TEST_CASE(a_must_not_fire_fixture_that_fires_fails_the_matrix) {
  soak::JudgedRun step;
  step.failpoint = "engine.step_block";
  step.fixture = "engine.step_block@3h30m";
  step.dir = "out/must-not-fire-engine.step_block@3h30m";
  step.report = leak_report({});
  auto report = soak::assemble_matrix_report({step}, 1);
  BOOST_TEST(report.verdict == reports::Verdict::bounded);
  BOOST_REQUIRE(report.canary_matrix.has_value());
  BOOST_TEST(report.canary_matrix->canaries.empty());  // not a canary that must be caught
  BOOST_REQUIRE(report.canary_matrix->clean_runs.size() == 1u);
  BOOST_TEST(report.canary_matrix->clean_runs[0].fixture == "engine.step_block@3h30m");

  step.report = leak_report({finding("alloc.allocated_bytes", "allocator", reports::FindingKind::trend, 9.0)});
  report = soak::assemble_matrix_report({step}, 1);
  BOOST_TEST(report.verdict == reports::Verdict::leak);
  BOOST_REQUIRE(report.findings.size() == 1u);
  BOOST_TEST(report.findings[0].message.find("must-not-fire engine.step_block@3h30m") != std::string::npos);
  BOOST_TEST((report.canary_matrix->clean_runs[0].verdict == reports::Verdict::leak));
}

BOOST_AUTO_TEST_CASE(the_new_families_take_their_expectations_from_the_failpoint_table) {
  const auto& thread_leak = soak::canary_expectation("exits.undeclared_thread_leak");
  BOOST_TEST(thread_leak.family == "undeclared");
  BOOST_TEST((thread_leak.accepted_components == std::vector<std::string>{"exits", "process"}));
  BOOST_TEST(thread_leak.must_fire());
  const auto& step = soak::canary_expectation("engine.step_block");
  BOOST_TEST(step.family == "must_not_fire");
  BOOST_TEST(!step.must_fire());
  BOOST_TEST(soak::canary_expectation("plans.undeclared_error_notes").allocates);
}

BOOST_AUTO_TEST_CASE(options_are_validated) {
  soak::CanaryOptions options;
  BOOST_CHECK_THROW(soak::validate(options), std::invalid_argument);  // no out_dir
  options.out_dir = "out";
  options.scenario = "/no/such/scenario.json";
  BOOST_CHECK_THROW(soak::validate(options), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
