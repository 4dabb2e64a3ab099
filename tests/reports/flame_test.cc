// The pieces that make a report readable in a minute: frame names shortened
// for people, stacks with our code first and the allocator folded, the
// growth flame graph, human units, the reproduce command and the folded
// statistics in report.html.
#include <boost/test/unit_test.hpp>

#include "reports/flame_graph.h"
#include "reports/frames.h"
#include "reports/json.h"
#include "reports/text.h"
#include "reports/writers.h"
#include "tests/reports/fixture.h"
#include "tests/reports/text_search.h"

namespace r = plateau::reports;

using r::testing::between;
using r::testing::count;

BOOST_AUTO_TEST_SUITE(readable)

BOOST_AUTO_TEST_CASE(frame_names_are_shortened_for_people) {
  auto shortened = [](const std::string& text) { return r::short_frame_name(r::parse_frame(text)); };
  BOOST_TEST(shortened("plateau::engine::plans::AutoExecutor::try_execute(plateau::engine::Plan const&)+0x1f "
                       "(/opt/plateau/bin/plateau)") == "AutoExecutor::try_execute()");
  BOOST_TEST(shortened("std::vector<std::pair<std::string, int>, std::allocator<std::pair<std::string, int>>> "
                       "plateau::engine::MarketData::candles<plateau::engine::M1>(std::string const&) const") ==
             "MarketData::candles<…>()");
  BOOST_TEST(shortened("plateau::engine::(anonymous namespace)::Registry::add(int)") == "Registry::add()");
  BOOST_TEST(shortened("plateau::engine::Foo::operator()(int) const") == "Foo::operator()()");
  BOOST_TEST(shortened("plateau::engine::Engine::on_wallet_transaction[abi:cxx11](int)") ==
             "Engine::on_wallet_transaction()");
  BOOST_TEST(shortened("0x7f3a12 (/usr/lib/x86_64-linux-gnu/libc.so.6)") == "libc.so.6+0x7f3a12");
  // Whose code a frame is comes from its name, not its template arguments.
  BOOST_TEST((r::parse_frame("std::__new_allocator<std::pair<std::string const, plateau::engine::Plan>>::allocate("
                             "unsigned long, void const*) at /usr/include/c++/12/bits/new_allocator.h:137 (/bin/p)")
                  .kind == r::FrameKind::runtime));
  BOOST_TEST((r::parse_frame("operator new(unsigned long)").kind == r::FrameKind::runtime));
  BOOST_TEST((r::parse_frame("void plateau::engine::Store::put<int>(int)").kind == r::FrameKind::project));
  // addr2line style location is kept apart from the name.
  const r::FrameText at = r::parse_frame("plateau::engine::AutoExecutor::lock(int) at engine/plans/auto_executor.cc:177 "
                                         "(/bin/plateau)");
  BOOST_TEST(at.location == "engine/plans/auto_executor.cc:177");
  BOOST_TEST((at.kind == r::FrameKind::project));
}

BOOST_AUTO_TEST_CASE(stacks_put_our_frames_first_and_fold_the_allocator) {
  const r::StackView view = r::readable_stack({
      "0x7f00aa (/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)",
      "je_malloc_default+0x10 (/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)",
      "operator new(unsigned long)",
      "std::_Hashtable<int, int>::_M_insert_unique_node(unsigned long)",
      "sqlite3_step+0x40 (/usr/lib/x86_64-linux-gnu/libsqlite3.so.0)",
      "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)",
      "plateau::harness::Driver::run()",
      "__libc_start_main+0x80 (/usr/lib/x86_64-linux-gnu/libc.so.6)",
  });
  BOOST_REQUIRE(view.shown.size() == 3u);
  BOOST_TEST(r::short_frame_name(view.shown[0]) == "AutoExecutor::acquire_execution_lock()");
  BOOST_TEST(r::short_frame_name(view.shown[1]) == "Driver::run()");
  BOOST_TEST(view.shown[2].function == "sqlite3_step");
  BOOST_TEST(view.folded == 5u);
}

BOOST_AUTO_TEST_CASE(flame_graph_widths_follow_growth_and_boxes_carry_full_names) {
  const std::vector<r::FlameStack> stacks = {
      {{"main", "plateau::harness::Driver::run()", "plateau::engine::AutoExecutor::check_plan(int)"}, 3072},
      {{"main", "plateau::harness::Driver::run()", "plateau::engine::MarketData::add(int)"}, 1024},
      {{"main", "plateau::engine::Nothing::shrank()"}, -500},  // not growth: ignored
  };
  const std::string svg = r::render_flame_graph(stacks, {1000, 18, 40, 0.5, "all growth"});
  BOOST_TEST(svg.rfind("<svg class=\"flame\"", 0) == 0u);
  // root, main, Driver::run, the two leaves: five boxes; the shrinking stack draws nothing.
  BOOST_TEST(count(svg, "<g data-id=") == 5u);
  BOOST_TEST(svg.find("Nothing") == std::string::npos);
  // check_plan grew 3 KiB of 4 KiB: 750 px wide (less the 1 px gap), MarketData::add 250 px.
  BOOST_TEST(svg.find("width=\"749.0\"") != std::string::npos);
  BOOST_TEST(svg.find("width=\"249.0\"") != std::string::npos);
  BOOST_TEST(svg.find("<title>plateau::engine::AutoExecutor::check_plan(int)\n3 KiB (75.0% of growth)</title>") !=
             std::string::npos);
  BOOST_TEST(svg.find("data-n=\"plateau::engine::autoexecutor::check_plan(int)\"") != std::string::npos);
  BOOST_TEST(svg.find(">AutoExecutor::check_plan()</text>") != std::string::npos);
  BOOST_TEST(r::render_flame_graph({}).empty());
}

BOOST_AUTO_TEST_CASE(heap_sites_become_flame_stacks_outermost_first_without_the_allocator) {
  const r::Report report = r::testing::leaking_run_report();
  const std::vector<r::FlameStack> stacks = r::flame_stacks_from(report.heap_profile);
  BOOST_REQUIRE(!stacks.empty());
  BOOST_TEST(stacks[0].bytes == 1048576.0);
  BOOST_REQUIRE(stacks[0].frames.size() == 2u);  // operator new and std:: folded away
  BOOST_TEST(stacks[0].frames[0] == "plateau::engine::AutoExecutor::check_plan(plateau::engine::Plan const&)");
  BOOST_TEST(stacks[0].frames[1] == "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)");
}

BOOST_AUTO_TEST_CASE(figures_read_in_human_units) {
  BOOST_TEST(r::format_rate_per_hour(13050000.0 / 3600, "bytes") == "12.4 MiB/h");
  BOOST_TEST(r::format_rate_per_hour(13050000.0 / 3600, "entries") == "13050000 entries/h");
  BOOST_TEST(r::format_human(0.25, "entries") == "0.25 entries");
  BOOST_TEST(r::format_human(1536, "bytes") == "1.5 KiB");
  BOOST_TEST(r::format_human(42, "") == "42");
  BOOST_TEST(r::format_percent(0.829) == "82.9%");
}

BOOST_AUTO_TEST_CASE(the_report_carries_the_command_that_reproduces_it) {
  r::Report report = r::testing::leaking_run_report();
  report.context.reproduce_command =
      "plateau run soak/scenarios/gate.json --seed 7 --failpoint plans.leak_execution_locks";
  report.context.git_dirty = true;
  const r::Report back = r::parse_report(r::render_json(report));
  BOOST_TEST(back.context.reproduce_command == report.context.reproduce_command);
  BOOST_TEST((back.context.git_dirty == std::optional<bool>(true)));
  BOOST_TEST((back == report));
  const std::string html = r::render_html_report(report);
  BOOST_TEST(html.find("Reproduce: <code>plateau run soak/scenarios/gate.json --seed 7 --failpoint "
                       "plans.leak_execution_locks</code>") < html.find("<section id=\"findings\""));
  BOOST_TEST(html.find("with uncommitted changes (dirty)") != std::string::npos);
  BOOST_TEST(r::render_markdown_summary(report).find("Reproduce: `plateau run soak/scenarios/gate.json --seed 7") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_interrupted_run_states_the_virtual_time_it_reached) {
  r::Report report = r::testing::leaking_run_report();
  report.incomplete = true;
  report.verdict = r::Verdict::incomplete;
  for (r::Series& s : report.series) {
    std::erase_if(s.samples, [](const r::Point& p) { return p.t_s > 5400; });
  }
  const std::string md = r::render_markdown_summary(report);
  BOOST_TEST(md.find("1h 30m 00s of 6h 00m 00s virtual reached") != std::string::npos, md);
  BOOST_TEST(r::render_html_report(report).find("1h 30m 00s of 6h 00m 00s virtual reached") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(finding_cards_open_in_plain_words_with_statistics_folded) {
  const r::Report report = r::testing::leaking_run_report();
  const std::string html = r::render_html_report(report);
  const std::string findings = between(html, "<section id=\"findings\"", "</section>");
  BOOST_TEST(count(findings, "<details class=\"method\">") >= 1u);
  // The raw statistic names appear only inside the folded method block (as hover titles).
  for (const std::string& article : {between(findings, "<article", "<details class=\"method\">")}) {
    BOOST_TEST(article.find("slope_per_hour") == std::string::npos);
    BOOST_TEST(article.find("p_value") == std::string::npos);
  }
  BOOST_TEST(findings.find("growth per hour (window minima)") != std::string::npos);
  BOOST_TEST(findings.find("detectable from here") != std::string::npos);  // time to detect on the chart
}

BOOST_AUTO_TEST_CASE(heap_section_has_a_searchable_flame_graph_and_readable_stacks) {
  const std::string html = r::render_html_report(r::testing::leaking_run_report());
  const std::string heap = between(html, "<section id=\"heap\"", "</section>");
  BOOST_TEST(heap.find("<svg class=\"flame\"") != std::string::npos);
  BOOST_TEST(heap.find("id=\"flame-q\"") != std::string::npos);
  BOOST_TEST(heap.find("<li class=\"ours\" title=\"plateau::engine::AutoExecutor::acquire_execution_lock("
                       "plateau::engine::PlanId)\">AutoExecutor::acquire_execution_lock()") != std::string::npos);
  BOOST_TEST(heap.find("allocator / runtime frames folded") != std::string::npos);
  BOOST_TEST(count(html, "<script>") == 1u);
}

BOOST_AUTO_TEST_CASE(a_clean_run_shows_memory_at_a_glance_and_groups_other_series) {
  r::Report report = r::testing::leaking_run_report();
  report.findings.clear();
  report.verdict = r::Verdict::bounded;
  const std::string html = r::render_html_report(report);
  const std::string glance = between(html, "<section id=\"glance\"", "</section>");
  BOOST_TEST(glance.find("process memory (RSS)") != std::string::npos);
  BOOST_TEST(glance.find("allocated bytes") != std::string::npos);
  const std::string rest = between(html, "<section id=\"series\"", "</section>");
  BOOST_TEST(count(rest, "<details class=\"group\">") >= 2u);
  // Above the fold for a clean run: the charts come before the heap profile.
  BOOST_TEST(html.find("<section id=\"glance\"") < html.find("<section id=\"heap\""));
  // With findings, the findings and where memory grew come first.
  const std::string leaking = r::render_html_report(r::testing::leaking_run_report());
  BOOST_TEST(leaking.find("<section id=\"heap\"") < leaking.find("<section id=\"glance\""));
}

BOOST_AUTO_TEST_CASE(reports_written_before_the_reproduce_command_still_read) {
  std::string json = r::render_json(r::testing::leaking_run_report());
  for (const std::string key : {",\n    \"git_dirty\": null", ",\n    \"reproduce_command\": \"\""}) {
    const std::size_t at = json.find(key);
    BOOST_REQUIRE(at != std::string::npos);
    json.erase(at, key.size());
  }
  BOOST_TEST(json.find("reproduce_command") == std::string::npos);
  const r::Report back = r::parse_report(json);
  BOOST_TEST(back.context.reproduce_command.empty());
  BOOST_TEST(!back.context.git_dirty.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
