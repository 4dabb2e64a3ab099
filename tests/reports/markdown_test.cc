#include <boost/test/unit_test.hpp>

#include "reports/writers.h"
#include "tests/reports/fixture.h"
#include "tests/reports/golden.h"

namespace r = plateau::reports;

BOOST_AUTO_TEST_SUITE(markdown)

BOOST_AUTO_TEST_CASE(golden_summary_md) {
  BOOST_TEST(r::testing::compare_with_golden("run/summary.md",
                                             r::render_markdown_summary(r::testing::leaking_run_report())) == "");
  BOOST_TEST(r::testing::compare_with_golden("matrix/summary.md",
                                             r::render_markdown_summary(r::testing::canary_matrix_report())) == "");
}

BOOST_AUTO_TEST_CASE(inconclusive_says_why_and_how_long) {
  r::Report report = r::testing::leaking_run_report();
  report.findings.clear();
  report.verdict = r::Verdict::inconclusive;
  report.inconclusive_reason = "the trend test needs 10 windows";
  report.minimum_conclusive_duration_s = 4 * 3600;
  const std::string md = r::render_markdown_summary(report);
  BOOST_TEST(md.find("⚠️ inconclusive") != std::string::npos);
  BOOST_TEST(md.find("the trend test needs 10 windows") != std::string::npos);
  BOOST_TEST(md.find("Minimum conclusive duration: 4h") != std::string::npos, md);
  const std::string html = r::render_html_report(report);
  BOOST_TEST(html.find("v-inconclusive") != std::string::npos);
  BOOST_TEST(html.find("the trend test needs 10 windows") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verdict_comes_first) {
  std::string md = r::render_markdown_summary(r::testing::leaking_run_report());
  BOOST_TEST(md.rfind("## plateau: ❌ leak", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(pipes_in_strings_do_not_break_tables) {
  r::Report report = r::testing::leaking_run_report();
  report.findings[0].message = "a | b";
  report.findings[0].series = "x|y";
  std::string md = r::render_markdown_summary(report);
  BOOST_TEST(md.find("a \\| b") != std::string::npos);
  BOOST_TEST(md.find("`x\\|y`") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stays_short_for_large_runs) {
  r::Report report = r::testing::leaking_run_report();
  for (int i = 0; i < 500; ++i) report.findings.push_back(report.findings[0]);
  for (int i = 0; i < 100; ++i) report.heap_profile.top_sites.push_back(report.heap_profile.top_sites[0]);
  std::string md = r::render_markdown_summary(report);
  BOOST_TEST(md.size() < 8000u);
  BOOST_TEST(md.find("… and 484 more findings") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
