#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "reports/writers.h"
#include "tests/reports/fixture.h"
#include "tests/reports/golden.h"
#include "tests/reports/xml_check.h"

namespace r = plateau::reports;
using r::testing::find_all;
using r::testing::parse_xml;
using r::testing::XmlElement;

namespace {

const XmlElement* testcase_named(const XmlElement& root, const std::string& name) {
  for (const XmlElement* test : find_all(root, "testcase")) {
    if (test->attributes.at("name") == name) return test;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(junit)

BOOST_AUTO_TEST_CASE(the_checker_rejects_broken_xml) {
  // The checker must be able to fail, or the tests below prove nothing.
  BOOST_CHECK_THROW(parse_xml("<a><b></a></b>"), std::runtime_error);
  BOOST_CHECK_THROW(parse_xml("<a x=\"1\" x=\"2\"/>"), std::runtime_error);
  BOOST_CHECK_THROW(parse_xml("<a>1 < 2</a>"), std::runtime_error);
  BOOST_CHECK_THROW(parse_xml("<a>R&D</a>"), std::runtime_error);
  BOOST_CHECK_THROW(parse_xml("<a/><b/>"), std::runtime_error);
  BOOST_CHECK_THROW(parse_xml("<a>"), std::runtime_error);
  BOOST_CHECK_NO_THROW(parse_xml("<?xml version=\"1.0\"?>\n<a k='v &amp; w'><b/>t&lt;</a>\n"));
}

BOOST_AUTO_TEST_CASE(one_testcase_per_judged_series_with_findings_as_failures) {
  const r::Report report = r::testing::leaking_run_report();
  const XmlElement root = parse_xml(r::render_junit_xml(report));
  BOOST_TEST(root.name == "testsuites");
  BOOST_TEST(find_all(root, "testsuite").size() == 1u);
  // Five judged series (process.rss_bytes is not judged); every finding is on one of them.
  BOOST_TEST(find_all(root, "testcase").size() == 5u);
  BOOST_TEST(find_all(root, "failure").size() == 4u);
  BOOST_TEST(find_all(root, "error").size() == 0u);
  const XmlElement& suite = *find_all(root, "testsuite").front();
  BOOST_TEST(suite.attributes.at("tests") == "5");
  BOOST_TEST(suite.attributes.at("failures") == "4");
  BOOST_TEST(suite.attributes.at("name") == "plateau.gate");

  const XmlElement* invariant = testcase_named(root, "invariant.paper.double_closes");
  BOOST_REQUIRE(invariant != nullptr);
  BOOST_TEST(invariant->attributes.at("classname") == "plateau.paper");
  // The message survives escaping exactly as the finding wrote it.
  BOOST_TEST(invariant->children.at(0).attributes.at("message") == report.findings[3].message);
  BOOST_TEST(invariant->children.at(0).attributes.at("type") == "invariant");

  const XmlElement* residue = testcase_named(root, "invariant.audit.plans.execution_locks");
  BOOST_REQUIRE(residue != nullptr);
  BOOST_TEST(residue->children.at(0).text.find("plan-000123") != std::string::npos);

  const XmlElement* bounded = testcase_named(root, "alloc.allocated_bytes");
  BOOST_REQUIRE(bounded != nullptr);
  BOOST_TEST(bounded->children.empty());
}

BOOST_AUTO_TEST_CASE(a_finding_without_a_judged_series_still_fails_a_testcase) {
  r::Report report;
  report.verdict = r::Verdict::leak;
  r::Finding finding;
  finding.series = "audit.exits.intents";
  finding.component = "exits";
  finding.kind = r::FindingKind::residue;
  finding.message = "exit intent for BTC-USD still registered";
  report.findings.push_back(finding);
  const XmlElement root = parse_xml(r::render_junit_xml(report));
  BOOST_TEST(find_all(root, "testcase").size() == 1u);
  BOOST_TEST(find_all(root, "failure").size() == 1u);
  BOOST_TEST(testcase_named(root, "audit.exits.intents")->attributes.at("classname") == "plateau.exits");
}

BOOST_AUTO_TEST_CASE(canaries_clean_runs_and_comparison_rows_are_testcases) {
  const XmlElement root = parse_xml(r::render_junit_xml(r::testing::canary_matrix_report()));
  // 3 canaries + 3 clean runs + 2 comparison rows.
  BOOST_TEST(find_all(root, "testcase").size() == 8u);
  // The missed canary, the non-bounded clean run, the regressed row.
  BOOST_TEST(find_all(root, "failure").size() == 3u);
  const XmlElement* missed = testcase_named(root, "wallet.unbounded_processed_tx (seed 1)");
  BOOST_REQUIRE(missed != nullptr);
  BOOST_TEST(missed->children.at(0).attributes.at("message").find("not detected") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_incomplete_run_is_an_error_testcase) {
  r::Report report = r::testing::leaking_run_report();
  report.verdict = r::Verdict::incomplete;
  report.incomplete = true;
  report.incomplete_reason = "interrupted by SIGINT at t=5400s";
  const XmlElement root = parse_xml(r::render_junit_xml(report));
  const XmlElement* run = testcase_named(root, "run");
  BOOST_REQUIRE(run != nullptr);
  BOOST_TEST(run->children.at(0).name == "failure");
  BOOST_TEST(run->children.at(0).attributes.at("message") == report.incomplete_reason);

  report.verdict = r::Verdict::error;
  report.error_message = "probe alloc failed: mallctl epoch returned EAGAIN";
  const XmlElement errored = parse_xml(r::render_junit_xml(report));
  BOOST_TEST(find_all(errored, "error").size() == 1u);
  BOOST_TEST(find_all(errored, "testsuite").front()->attributes.at("errors") == "1");
}

BOOST_AUTO_TEST_CASE(an_inconclusive_run_is_a_failing_testcase_saying_why) {
  r::Report report = r::testing::leaking_run_report();
  report.findings.clear();
  report.verdict = r::Verdict::inconclusive;
  report.inconclusive_reason = "2 complete 20m windows after the 10m warm-up; the trend test needs 10";
  report.minimum_conclusive_duration_s = 4 * 3600;
  const XmlElement root = parse_xml(r::render_junit_xml(report));
  const XmlElement* run = testcase_named(root, "inconclusive");
  BOOST_REQUIRE(run != nullptr);
  BOOST_REQUIRE(!run->children.empty());
  BOOST_TEST(run->children.at(0).name == "failure");
  BOOST_TEST(run->children.at(0).attributes.at("message") == report.inconclusive_reason);
  BOOST_TEST(run->children.at(0).attributes.at("type") == "inconclusive");
}

BOOST_AUTO_TEST_CASE(hostile_strings_stay_well_formed) {
  r::Report report = r::testing::leaking_run_report();
  report.findings[0].message = "a <b> & \"c\" 'd' \x01\x1f end ]]> </failure>";
  report.series[0].component = "<plans&co>";
  report.context.scenario_name = "\"gate\"";
  const XmlElement root = parse_xml(r::render_junit_xml(report));
  const XmlElement* trend = testcase_named(root, "inventory.plans.execution_locks.entries");
  BOOST_REQUIRE(trend != nullptr);
  BOOST_TEST(trend->children.at(0).attributes.at("message") == "a <b> & \"c\" 'd'  end ]]> </failure>");
  BOOST_TEST(trend->attributes.at("classname") == "plateau.<plans&co>");
}

BOOST_AUTO_TEST_CASE(golden_junit_xml) {
  BOOST_TEST(r::testing::compare_with_golden("run/junit.xml", r::render_junit_xml(r::testing::leaking_run_report())) ==
             "");
  BOOST_TEST(r::testing::compare_with_golden("matrix/junit.xml",
                                             r::render_junit_xml(r::testing::canary_matrix_report())) == "");
}

BOOST_AUTO_TEST_SUITE_END()
