#include <boost/test/unit_test.hpp>

#include <regex>

#include "reports/svg_chart.h"
#include "reports/writers.h"
#include "tests/reports/fixture.h"
#include "tests/reports/text_search.h"

namespace r = plateau::reports;

using r::testing::between;
using r::testing::count;

BOOST_AUTO_TEST_SUITE(html)

BOOST_AUTO_TEST_CASE(one_chart_per_finding_and_folded_charts_for_the_rest) {
  const r::Report report = r::testing::leaking_run_report();
  const std::string html = r::render_html_report(report);
  const std::string findings = between(html, "<section id=\"findings\"", "</section>");
  BOOST_TEST(count(findings, "<svg") == report.findings.size());
  BOOST_TEST(count(findings, "</svg>") == report.findings.size());
  // Two series carry no finding (allocated bytes, RSS): each is charted, folded.
  const std::string rest = between(html, "<section id=\"series\"", "</section>");
  BOOST_TEST(count(rest, "<details class=\"series\">") == 2u);
  BOOST_TEST(count(rest, "<svg") == 2u);
}

BOOST_AUTO_TEST_CASE(self_contained_no_external_references) {
  for (const r::Report& report : {r::testing::leaking_run_report(), r::testing::canary_matrix_report()}) {
    const std::string html = r::render_html_report(report);
    BOOST_TEST(html.find("http://") == std::string::npos);
    BOOST_TEST(html.find("https://") == std::string::npos);
    // At most one inline script (the flame-graph search): no src, nothing fetched.
    BOOST_TEST(count(html, "<script") <= 1u);
    BOOST_TEST(html.find("<script src") == std::string::npos);
    for (const char* fetching : {"fetch(", "XMLHttpRequest", "import(", "WebSocket", "navigator.sendBeacon"}) {
      BOOST_TEST(html.find(fetching) == std::string::npos);
    }
    BOOST_TEST(html.find("<link") == std::string::npos);
    BOOST_TEST(html.find("@import") == std::string::npos);
    BOOST_TEST(html.find("url(") == std::string::npos);
    BOOST_TEST(!std::regex_search(html, std::regex(R"((src|href)\s*=\s*(?!"#))")));
  }
}

BOOST_AUTO_TEST_CASE(verdict_findings_heap_and_context_are_shown) {
  const r::Report report = r::testing::leaking_run_report();
  const std::string html = r::render_html_report(report);
  BOOST_TEST(html.find("<h1>Verdict: leak</h1>") < html.find("<section id=\"findings\""));
  BOOST_TEST(html.find("plan-000123") != std::string::npos);  // residue example
  BOOST_TEST(html.find("plateau::engine::AutoExecutor::acquire_execution_lock") != std::string::npos);
  BOOST_TEST(html.find("1 MiB") != std::string::npos);  // bytes added of the top site
  BOOST_TEST(html.find("jeprof --text --base=heap/plateau.3600.heap") != std::string::npos);
  BOOST_TEST(html.find("58ae287") != std::string::npos);  // context: git revision
  // Strings from the model are escaped, never interpreted as markup.
  BOOST_TEST(html.find("&quot;closed&quot; flag &amp; check not atomic &lt;paper&gt;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(charts_draw_bound_trend_minima_and_warmup) {
  const std::string html = r::render_html_report(r::testing::leaking_run_report());
  const std::string findings = between(html, "<section id=\"findings\"", "</section>");
  BOOST_TEST(findings.find("declared bound") != std::string::npos);
  BOOST_TEST(findings.find("Theil–Sen trend") != std::string::npos);
  BOOST_TEST(findings.find("window minima") != std::string::npos);
  BOOST_TEST(findings.find("warm-up (not judged)") != std::string::npos);
  BOOST_TEST(findings.find("virtual time (hours)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(canary_matrix_and_comparison_tables_when_present) {
  const std::string run = r::render_html_report(r::testing::leaking_run_report());
  BOOST_TEST(run.find("id=\"canaries\"") == std::string::npos);
  BOOST_TEST(run.find("id=\"comparison\"") == std::string::npos);
  const std::string matrix = r::render_html_report(r::testing::canary_matrix_report());
  BOOST_TEST(matrix.find("id=\"canaries\"") != std::string::npos);
  BOOST_TEST(matrix.find("wallet.unbounded_processed_tx") != std::string::npos);
  BOOST_TEST(matrix.find("id=\"comparison\"") != std::string::npos);
  BOOST_TEST(matrix.find("slope 0 -&gt; 900/h") != std::string::npos);
  BOOST_TEST(matrix.find("id=\"shards\"") != std::string::npos);
  BOOST_TEST(matrix.find("shards/gate-tcmalloc/report.json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_series_are_downsampled) {
  r::Report report = r::testing::leaking_run_report();
  auto& samples = report.series[4].samples;  // allocated bytes, charted folded
  samples.clear();
  for (int i = 0; i < 86400; ++i) samples.push_back({double(i), 1000.0 + (i % 600)});
  samples[43210].value = 1e6;  // one spike must survive downsampling
  const std::string html = r::render_html_report(report);
  BOOST_TEST(html.size() < 400000u);

  auto reduced = r::downsample_min_max(samples, 600);
  BOOST_TEST(reduced.size() <= 600u);
  BOOST_TEST(reduced.front().t_s == 0);
  BOOST_TEST(reduced.back().t_s == 86399);
  bool spike_kept = false;
  for (const r::Point& p : reduced) spike_kept = spike_kept || p.value == 1e6;
  BOOST_TEST(spike_kept);
  for (std::size_t i = 1; i < reduced.size(); ++i) BOOST_TEST_REQUIRE(reduced[i - 1].t_s < reduced[i].t_s);
}

BOOST_AUTO_TEST_CASE(rendering_is_deterministic) {
  BOOST_TEST(r::render_html_report(r::testing::leaking_run_report()) ==
             r::render_html_report(r::testing::leaking_run_report()));
}

BOOST_AUTO_TEST_SUITE_END()
