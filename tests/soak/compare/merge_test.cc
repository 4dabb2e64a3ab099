#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include "reports/writers.h"
#include "soak/compare/merge.h"
#include "tests/soak/compare/report_builders.h"

using namespace plateau;
using plateau::soak::ShardInput;
using plateau::soak::testing::ramp_series;
using plateau::soak::testing::run_report;

namespace {

ShardInput bounded_shard(const std::string& scenario, const std::string& allocator) {
  auto r = run_report(scenario, allocator);
  r.series = {ramp_series("inventory.plans.execution_locks.entries", "entries", 10, 0)};
  return ShardInput{"", scenario + "-" + allocator + "/report.json", r};
}

ShardInput leaking_shard(const std::string& scenario, const std::string& allocator) {
  ShardInput shard = bounded_shard(scenario, allocator);
  reports::Report& r = shard.report;
  r.verdict = reports::Verdict::leak;
  r.series.push_back(ramp_series("inventory.router.order_meta.entries", "entries", 0, 1));
  r.series.back().verdict = reports::Verdict::leak;
  reports::Finding f;
  f.series = "inventory.router.order_meta.entries";
  f.component = "router";
  f.kind = reports::FindingKind::trend;
  f.message = "order_meta grows 3600/h";
  f.time_to_detect_s = 2400;
  r.findings.push_back(f);
  r.heap_profile.top_sites.push_back(reports::HeapSite{4096, 64, "plateau::engine::OrderRouter::submit", {}});
  return shard;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(merge)

BOOST_AUTO_TEST_CASE(the_verdict_is_the_worst_shards) {
  BOOST_TEST(soak::merge_reports({bounded_shard("nightly", "jemalloc"), bounded_shard("nightly", "tcmalloc")})
                 .verdict == reports::Verdict::bounded);
  BOOST_TEST(soak::merge_reports({bounded_shard("nightly", "jemalloc"), leaking_shard("nightly", "tcmalloc")})
                 .verdict == reports::Verdict::leak);
  auto interrupted = bounded_shard("nightly", "system");
  interrupted.report.verdict = reports::Verdict::incomplete;
  interrupted.report.incomplete = true;
  interrupted.report.incomplete_reason = "interrupted by SIGTERM at t=100s";
  const auto merged = soak::merge_reports({interrupted, bounded_shard("nightly", "jemalloc")});
  BOOST_TEST(merged.verdict == reports::Verdict::incomplete);
  BOOST_TEST(merged.incomplete);
  BOOST_TEST(merged.incomplete_reason == "nightly/system: interrupted by SIGTERM at t=100s");
  // A leak outranks an interrupted shard; an error outranks both.
  BOOST_TEST(soak::merge_reports({interrupted, leaking_shard("gate", "jemalloc")}).verdict ==
             reports::Verdict::leak);
  auto broken = bounded_shard("gate", "system");
  broken.report.verdict = reports::Verdict::error;
  broken.report.error_message = "probe failed";
  const auto with_error = soak::merge_reports({leaking_shard("gate", "jemalloc"), broken});
  BOOST_TEST(with_error.verdict == reports::Verdict::error);
  BOOST_TEST(with_error.error_message == "gate/system: probe failed");
}

BOOST_AUTO_TEST_CASE(an_inconclusive_shard_makes_the_merge_inconclusive_unless_another_leaks) {
  auto short_run = bounded_shard("gate", "system");
  short_run.report.verdict = reports::Verdict::inconclusive;
  short_run.report.inconclusive_reason = "too few windows";
  short_run.report.minimum_conclusive_duration_s = 14400;
  const auto merged = soak::merge_reports({bounded_shard("gate", "jemalloc"), short_run});
  BOOST_TEST(merged.verdict == reports::Verdict::inconclusive);
  BOOST_TEST(merged.inconclusive_reason == "gate/system: too few windows");
  BOOST_TEST(merged.minimum_conclusive_duration_s.value_or(0) == 14400.0);
  BOOST_TEST(soak::merge_reports({short_run, leaking_shard("gate", "jemalloc")}).verdict == reports::Verdict::leak);
  auto interrupted = bounded_shard("gate", "tcmalloc");
  interrupted.report.verdict = reports::Verdict::incomplete;
  BOOST_TEST(soak::merge_reports({short_run, interrupted}).verdict == reports::Verdict::incomplete);
}

BOOST_AUTO_TEST_CASE(findings_name_their_shard_and_keep_their_chart) {
  const auto merged =
      soak::merge_reports({bounded_shard("nightly", "jemalloc"), leaking_shard("nightly", "tcmalloc")});
  BOOST_REQUIRE(merged.findings.size() == 1u);
  const auto& f = merged.findings[0];
  BOOST_TEST(f.series == "nightly/tcmalloc:inventory.router.order_meta.entries");
  BOOST_TEST(f.message == "[nightly/tcmalloc] order_meta grows 3600/h");
  BOOST_TEST(f.component == "router");
  BOOST_TEST(*f.time_to_detect_s == 2400.0);
  // The series a finding names is carried whole, under the same new name;
  // the other judged series are carried without samples (JUnit lists them).
  BOOST_REQUIRE(merged.series.size() == 3u);
  std::size_t with_samples = 0;
  for (const auto& s : merged.series) {
    if (s.name == f.series) BOOST_TEST(!s.samples.empty());
    if (s.name != f.series) BOOST_TEST(s.samples.empty());
    with_samples += s.samples.empty() ? 0 : 1;
  }
  BOOST_TEST(with_samples == 1u);
  BOOST_REQUIRE(merged.heap_profile.top_sites.size() == 1u);
  BOOST_TEST(merged.heap_profile.top_sites[0].our_frame ==
             "[nightly/tcmalloc] plateau::engine::OrderRouter::submit");
}

BOOST_AUTO_TEST_CASE(a_clean_merge_lists_every_judged_series_as_a_passing_junit_testcase) {
  auto a = bounded_shard("nightly", "jemalloc");
  auto b = bounded_shard("nightly", "tcmalloc");
  b.report.series.push_back(ramp_series("alloc.allocated_bytes", "bytes", 1000, 0));
  const auto merged = soak::merge_reports({a, b});
  const std::string xml = reports::render_junit_xml(merged);
  // 1 + 2 judged series, all passing: CI sees three green testcases, not "tests=0".
  BOOST_TEST(xml.find("tests=\"3\" failures=\"0\"") != std::string::npos);
  BOOST_TEST(xml.find("name=\"nightly/tcmalloc:alloc.allocated_bytes\"") != std::string::npos);
  BOOST_TEST(xml.find("name=\"nightly/jemalloc:inventory.plans.execution_locks.entries\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_merge_carries_no_single_reproduce_command) {
  auto a = bounded_shard("nightly", "jemalloc");
  a.report.context.reproduce_command = "plateau run soak/scenarios/nightly.json --seed 1";
  auto b = bounded_shard("nightly", "tcmalloc");
  b.report.context.reproduce_command = "plateau run soak/scenarios/nightly.json --seed 2";
  BOOST_TEST(soak::merge_reports({a, b}).context.reproduce_command.empty());
}

BOOST_AUTO_TEST_CASE(shards_are_listed_with_distinct_labels) {
  auto a = bounded_shard("nightly", "jemalloc");
  auto b = leaking_shard("nightly", "jemalloc");
  b.report.context.seed = 7;
  auto c = bounded_shard("gate", "system");
  c.label = "gate-on-glibc";
  const auto merged = soak::merge_reports({a, b, c});
  BOOST_REQUIRE(merged.shards.size() == 3u);
  // Same scenario and allocator: the report folders tell them apart.
  BOOST_TEST(merged.shards[0].label == "nightly/jemalloc/nightly-jemalloc");
  BOOST_TEST(merged.shards[1].label == "nightly/jemalloc/nightly-jemalloc#2");
  BOOST_TEST(merged.shards[2].label == "gate-on-glibc");
  BOOST_TEST(merged.shards[1].verdict == reports::Verdict::leak);
  BOOST_TEST(merged.shards[1].findings == 1u);
  BOOST_TEST(merged.shards[1].seed == 7u);
  BOOST_TEST(merged.shards[1].report_path == "nightly-jemalloc/report.json");
  BOOST_TEST(merged.context.allocator == "jemalloc,system");
  BOOST_TEST(merged.context.events_processed == 3000u);
  BOOST_TEST(merged.context.host == "ci-1");
}

BOOST_AUTO_TEST_CASE(shards_of_one_scenario_and_allocator_are_named_by_folder) {
  auto a = bounded_shard("gate", "jemalloc");
  a.report_path = "out/clean-seed-1/report.json";
  auto b = leaking_shard("gate", "jemalloc");
  b.report_path = "out/canary-router.keep_terminal_orders/report.json";
  const auto merged = soak::merge_reports({a, b, bounded_shard("nightly", "jemalloc")});
  BOOST_TEST(merged.shards[0].label == "gate/jemalloc/clean-seed-1");
  BOOST_TEST(merged.shards[1].label == "gate/jemalloc/canary-router.keep_terminal_orders");
  BOOST_TEST(merged.shards[2].label == "nightly/jemalloc");

  // ci/gate.sh names every run folder "run": two folders tell them apart.
  a.report_path = "gate-clean/run/report.json";
  b.report_path = "gate-leak/run/report.json";
  const auto gates = soak::merge_reports({a, b});
  BOOST_TEST(gates.shards[0].label == "gate/jemalloc/gate-clean/run");
  BOOST_TEST(gates.shards[1].label == "gate/jemalloc/gate-leak/run");
}

BOOST_AUTO_TEST_CASE(canaries_and_comparisons_are_concatenated_with_the_shard_named) {
  auto a = bounded_shard("gate", "jemalloc");
  a.report.canary_matrix = reports::CanaryMatrix{{reports::CanaryResult{"plans.leak_m1_cache",
                                                                        1,
                                                                        "plans",
                                                                        true,
                                                                        {"plans"},
                                                                        {"trend:x"},
                                                                        1200.0,
                                                                        reports::HeapSiteMatch::yes}},
                                                 {reports::CleanRun{1, reports::Verdict::bounded}}};
  auto b = bounded_shard("gate", "tcmalloc");
  b.report.canary_matrix = a.report.canary_matrix;
  b.report.comparison = reports::Comparison{
      "base.json", "cand.json", {reports::ComparisonRow{"alloc.x", 0, 1, 2, 3, true, "slope"}}};
  const auto merged = soak::merge_reports({a, b});
  BOOST_REQUIRE(merged.canary_matrix.has_value());
  BOOST_REQUIRE(merged.canary_matrix->canaries.size() == 2u);
  BOOST_TEST(merged.canary_matrix->canaries[0].failpoint == "gate/jemalloc:plans.leak_m1_cache");
  BOOST_TEST(merged.canary_matrix->canaries[1].failpoint == "gate/tcmalloc:plans.leak_m1_cache");
  BOOST_TEST(merged.canary_matrix->clean_runs.size() == 2u);
  BOOST_REQUIRE(merged.comparison.has_value());
  BOOST_TEST(merged.comparison->rows.at(0).series == "gate/tcmalloc:alloc.x");
  BOOST_TEST(merged.comparison->base_report == "base.json");
}

BOOST_AUTO_TEST_CASE(no_shards_is_refused) {
  BOOST_CHECK_THROW(soak::merge_reports({}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(shard_reports_are_found_directly_or_one_folder_down) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("plateau-merge-test-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "artifacts" / "b-shard");
  fs::create_directories(root / "artifacts" / "a-shard");
  fs::create_directories(root / "artifacts" / "not-a-shard");
  std::ofstream(root / "artifacts" / "b-shard" / "report.json") << "{}";
  std::ofstream(root / "artifacts" / "a-shard" / "report.json") << "{}";
  const auto found = soak::find_shard_reports(root / "artifacts");
  BOOST_REQUIRE(found.size() == 2u);
  BOOST_TEST(found[0] == root / "artifacts" / "a-shard" / "report.json");
  BOOST_TEST(soak::find_shard_reports(root / "artifacts" / "b-shard").size() == 1u);
  BOOST_CHECK_THROW(soak::find_shard_reports(root / "artifacts" / "not-a-shard"), std::invalid_argument);
  fs::remove_all(root);
}

BOOST_AUTO_TEST_SUITE_END()
