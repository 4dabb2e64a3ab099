#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "reports/json.h"
#include "tests/reports/fixture.h"
#include "tests/reports/golden.h"

namespace r = plateau::reports;
using r::testing::canary_matrix_report;
using r::testing::leaking_run_report;

namespace {

// Runs f and returns the ReportFormatError message, or "" if none was thrown.
template <typename F>
std::string format_error(F f) {
  try {
    f();
  } catch (const r::ReportFormatError& error) {
    return error.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(round_trip_is_exact) {
  for (const r::Report& report : {leaking_run_report(), canary_matrix_report(), r::Report{}}) {
    r::Report back = r::parse_report(r::render_json(report));
    BOOST_TEST((back == report));
    // Rendering the parsed report gives the same bytes: nothing is lost or reordered.
    BOOST_TEST(r::render_json(back) == r::render_json(report));
  }
}

BOOST_AUTO_TEST_CASE(inconclusive_round_trips_and_old_reports_still_read) {
  r::Report report = leaking_run_report();
  report.findings.clear();
  report.verdict = r::Verdict::inconclusive;
  report.inconclusive_reason = "the trend test needs 10 windows";
  report.minimum_conclusive_duration_s = 14400;
  const std::string text = r::render_json(report);
  BOOST_TEST(text.find("\"verdict\": \"inconclusive\"") != std::string::npos);
  BOOST_TEST((r::parse_report(text) == report));
  // A report written before the inconclusive verdict has neither field.
  auto doc = r::to_json(leaking_run_report());
  doc.erase("inconclusive_reason");
  doc.erase("minimum_conclusive_duration_s");
  const r::Report old = r::from_json(doc);
  BOOST_TEST(old.inconclusive_reason.empty());
  BOOST_TEST(!old.minimum_conclusive_duration_s.has_value());
}

BOOST_AUTO_TEST_CASE(round_trip_keeps_awkward_doubles) {
  r::Report report = leaking_run_report();
  report.series[0].samples[1].value = 0.1 + 0.2;  // needs 17 significant digits
  report.series[0].samples[2].value = -1e-300;
  report.series[0].samples[3].value = 1.7976931348623157e308;
  report.context.seed = std::numeric_limits<std::uint64_t>::max();
  BOOST_TEST((r::parse_report(r::render_json(report)) == report));
}

BOOST_AUTO_TEST_CASE(site_findings_and_heap_timelines_round_trip) {
  r::Report report = leaking_run_report();
  report.findings.push_back(r::testing::site_finding());
  BOOST_REQUIRE(!report.heap_profile.sites.empty());
  BOOST_REQUIRE(!report.findings.front().sites.empty());
  const r::Report back = r::parse_report(r::render_json(report));
  BOOST_TEST((back == report));
  BOOST_TEST((back.findings.back().kind == r::FindingKind::site));
  BOOST_TEST(back.findings.back().sites.at(0).line == 212u);
  BOOST_TEST(back.heap_profile.sites.at(1).classification == "bounded");
}

BOOST_AUTO_TEST_CASE(golden_report_json) {
  BOOST_TEST(r::testing::compare_with_golden("run/report.json", r::render_json(leaking_run_report())) == "");
  BOOST_TEST(r::testing::compare_with_golden("matrix/report.json", r::render_json(canary_matrix_report())) == "");
}

BOOST_AUTO_TEST_CASE(documented_minimum_fields_are_present) {
  // Issue 4 names these; CI scripts read them with jq.
  nlohmann::ordered_json document = r::to_json(leaking_run_report());
  BOOST_TEST(document["schema"] == "plateau.report/1");
  BOOST_TEST(document["verdict"] == "leak");
  for (const char* field : {"host", "compiler", "build_type", "allocator", "git_revision", "scenario_name", "seed"}) {
    BOOST_TEST_CONTEXT(field) { BOOST_TEST(document["context"].contains(field)); }
  }
  for (const auto& finding : document["findings"]) {
    for (const char* field : {"series", "kind", "component", "time_to_detect_s"}) {
      BOOST_TEST_CONTEXT(field) { BOOST_TEST(finding.contains(field)); }
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_schema_is_refused) {
  nlohmann::ordered_json document = r::to_json(leaking_run_report());
  document["schema"] = "plateau.report/2";
  std::string message = format_error([&] { r::from_json(document); });
  BOOST_TEST(contains(message, "$.schema"));
  BOOST_TEST(contains(message, "plateau.report/2"));
  BOOST_TEST(contains(message, "plateau.report/1"));

  document["schema"] = 1;
  BOOST_TEST(contains(format_error([&] { r::from_json(document); }), "$.schema"));

  document.erase("schema");
  message = format_error([&] { r::from_json(document); });
  BOOST_TEST(contains(message, "$.schema is missing"));
}

BOOST_AUTO_TEST_CASE(missing_or_mistyped_fields_are_named) {
  nlohmann::ordered_json document = r::to_json(leaking_run_report());
  document["findings"][1].erase("kind");
  BOOST_TEST(contains(format_error([&] { r::from_json(document); }), "$.findings[1].kind is missing"));

  document = r::to_json(leaking_run_report());
  document["findings"][0]["kind"] = "growth";
  std::string message = format_error([&] { r::from_json(document); });
  BOOST_TEST(contains(message, "$.findings[0].kind"));
  BOOST_TEST(contains(message, "\"growth\""));
  BOOST_TEST(contains(message, "bound, invariant, residue, trend"));

  document = r::to_json(leaking_run_report());
  document["series"][2]["samples"][5] = nlohmann::ordered_json::array({1, 2, 3});
  BOOST_TEST(contains(format_error([&] { r::from_json(document); }), "$.series[2].samples[5]"));

  document = r::to_json(leaking_run_report());
  document["context"]["seed"] = -1;
  BOOST_TEST(contains(format_error([&] { r::from_json(document); }), "$.context.seed"));

  BOOST_TEST(contains(format_error([] { r::parse_report("{\"schema\": "); }), "not valid JSON"));
  BOOST_TEST(contains(format_error([] { r::parse_report("[]"); }), "must be a JSON object"));
}

BOOST_AUTO_TEST_CASE(unknown_extra_fields_are_ignored) {
  nlohmann::ordered_json document = r::to_json(leaking_run_report());
  document["written_by_a_newer_minor"] = true;
  document["context"]["cpu_model"] = "x";
  BOOST_TEST((r::from_json(document) == leaking_run_report()));
}

BOOST_AUTO_TEST_CASE(reports_written_before_instrumentation_bytes_read_as_zero) {
  nlohmann::ordered_json document = r::to_json(leaking_run_report());
  document["heap_profile"].erase("instrumentation_bytes_added");
  const r::Report read = r::from_json(document);
  BOOST_TEST(read.heap_profile.instrumentation_bytes_added == 0);
  BOOST_TEST(read.heap_profile.top_sites.size() == leaking_run_report().heap_profile.top_sites.size());
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_are_refused_with_their_path) {
  r::Report report = leaking_run_report();
  report.findings[0].figures["p_value"] = std::numeric_limits<double>::quiet_NaN();
  try {
    r::render_json(report);
    BOOST_FAIL("a NaN figure was written");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(contains(error.what(), "findings[0].figures.p_value"));
  }
}

BOOST_AUTO_TEST_CASE(read_report_file_names_the_file) {
  std::string message = format_error([] { r::read_report_file("/nonexistent/report.json"); });
  BOOST_TEST(contains(message, "/nonexistent/report.json"));
}

BOOST_AUTO_TEST_SUITE_END()
