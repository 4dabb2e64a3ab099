// The trading engine behind the public soak API (harness::EngineSystem,
// issue 13 item 3): soaked by sut::run_sut_soak it is bounded when clean,
// names the component of a seed leak, offers every engine failpoint, and
// runs the harness's own streams; engine_soak gives the exit codes.
#define BOOST_TEST_MODULE integration_engine_system
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/maintain_schedule.h"
#include "harness/engine_system.h"
#include "soak/runner/harness_mapping.h"
#include "soak/scenario/verdict_settings.h"
#include "soak/sut/system_under_test.h"

namespace fs = std::filesystem;
using plateau::harness::EngineSystem;

namespace {

fs::path source_dir() {
  if (const char* dir = std::getenv("PLATEAU_SOURCE_DIR")) return dir;
  return PLATEAU_TEST_SOURCE_DIR;
}

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("plateau-engine-sut-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct Sized {
  plateau::soak::Scenario scenario;
  plateau::soak::HarnessSetup setup;
};

// The engine sized for a scenario as `plateau run` sizes it, with
// `failpoints` on from its start.
Sized sized_for(const std::string& scenario_file, const std::vector<std::string>& failpoints,
                const fs::path& dir) {
  Sized out{plateau::soak::load_scenario(source_dir() / "soak" / "scenarios" / scenario_file), {}};
  out.scenario.failpoints = failpoints;
  out.setup = plateau::soak::harness_setup_for(out.scenario, dir / "state");
  return out;
}

struct Soaked {
  plateau::sut::SoakResult result;
  nlohmann::json report;
  std::string log;
};

Soaked soak(const std::string& scenario_file, const std::vector<std::string>& failpoints,
            const std::string& name) {
  const fs::path dir = scratch(name);
  Sized sized = sized_for(scenario_file, failpoints, dir);
  EngineSystem system(sized.setup.options, sized.setup.engine);
  const plateau::soak::Scenario& s = sized.scenario;
  plateau::sut::SoakPlan plan = plateau::soak::engine_sut_plan_for(s);
  plan.failpoints = failpoints;
  plan.out_dir = dir / "out";
  std::ostringstream log;
  Soaked out;
  out.result = plateau::sut::run_sut_soak(system, plan, log);
  out.log = log.str();
  std::ifstream in(out.result.report_json);
  out.report = nlohmann::json::parse(in);
  return out;
}

std::vector<std::string> finding_components(const nlohmann::json& report, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& f : report.at("findings")) {
    if (f.at("kind") == kind) out.push_back(f.at("component"));
  }
  return out;
}

int run_engine_soak(const std::string& args, const fs::path& log) {
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path() / "engine_soak";
  const int status = std::system((bin.string() + " " + args + " >" + log.string() + " 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

BOOST_AUTO_TEST_CASE(clean_engine_through_the_sut_api_is_bounded) {
  const Soaked s = soak("smoke.json", {}, "clean");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 0);
  BOOST_TEST(s.report.at("findings").size() == 0u);
  // It judged the engine's containers and the audit, not an empty system.
  std::vector<std::string> names;
  for (const auto& series : s.report.at("series")) names.push_back(series.at("name"));
  for (const char* expected :
       {"inventory.plans.execution_locks.entries", "inventory.router.order_meta.entries",
        "inventory.paper.invariant.double_closes.entries", "invariant.residue.plans.active_plans"}) {
    BOOST_TEST_INFO(expected);
    BOOST_TEST((std::find(names.begin(), names.end(), expected) != names.end()));
  }
  // The engine's word on what drives its containers crosses the SUT API:
  // the router's orders are read per unit of orders submitted.
  bool router_per_load = false;
  for (const auto& series : s.report.at("series")) {
    if (series.at("name") != "inventory.router.order_meta.entries") continue;
    BOOST_REQUIRE(!series.at("load").is_null());
    BOOST_TEST(series.at("load").at("arrivals").get<std::string>() == "inventory.router.order_meta.arrivals");
    router_per_load = true;
  }
  BOOST_TEST(router_per_load);
  BOOST_TEST(s.result.events > 10000u);
}

BOOST_AUTO_TEST_CASE(leaked_execution_locks_are_residue_of_plans_with_their_plan_ids) {
  const Soaked s = soak("smoke.json", {"plans.leak_execution_locks"}, "locks");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 1);
  bool named = false;
  for (const auto& f : s.report.at("findings")) {
    if (f.at("kind") != "residue" || f.at("series") != "invariant.residue.plans.execution_locks") continue;
    named = f.at("component") == "plans" && !f.at("residue_examples").empty() &&
            f.at("residue_examples")[0].at("entity_kind") == "plan";
  }
  BOOST_TEST(named);
  // Only the plans component is blamed.
  for (const std::string& c : finding_components(s.report, "residue")) BOOST_TEST(c == "plans");
}

BOOST_AUTO_TEST_CASE(kept_terminal_orders_are_found_in_the_router) {
  const Soaked s = soak("smoke.json", {"router.keep_terminal_orders"}, "orders");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 1);
  const std::vector<std::string> residue = finding_components(s.report, "residue");
  BOOST_TEST(!residue.empty());
  for (const std::string& c : residue) BOOST_TEST(c == "router");
}

BOOST_AUTO_TEST_CASE(an_untrimmed_first_insert_on_from_the_start_breaks_the_declared_bound) {
  // The candle backfill happens while the engine is built: only a failpoint
  // on from the start (HarnessOptions::failpoints) reaches it.
  const Soaked s = soak("smoke.json", {"market.untrimmed_initial_ohlcv"}, "ohlcv");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 1);
  const std::vector<std::string> bound = finding_components(s.report, "bound");
  BOOST_TEST((std::find(bound.begin(), bound.end(), "market") != bound.end()));
}

BOOST_AUTO_TEST_CASE(an_entry_held_past_its_max_age_is_residue_named_by_its_insertion) {
  // cache.uncapped_ttl: the processed-transaction cache honours a TTL over
  // its max; no load event ends those entries, their age does.
  const Soaked s = soak("smoke.json", {"cache.uncapped_ttl"}, "aged");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 1);
  bool aged = false;
  for (const auto& f : s.report.at("findings")) {
    if (f.at("kind") != "residue" || f.at("component") != "wallet") continue;
    for (const auto& e : f.at("residue_examples"))
      aged = aged || e.at("key").get<std::string>().find(" stored at ") != std::string::npos;
  }
  BOOST_TEST(aged);
}

BOOST_AUTO_TEST_CASE(benign_growth_stays_bounded) {
  // A must-not-fire fixture: ten times bigger, still bounded, caches.
  const Soaked s = soak("smoke.json", {"wallet.tenfold_caches"}, "tenfold");
  BOOST_TEST_INFO(s.log);
  BOOST_TEST(s.result.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(its_failpoints_are_the_engines_and_switch_the_engines_registry) {
  const fs::path dir = scratch("failpoints");
  Sized sized = sized_for("smoke.json", {}, dir);
  EngineSystem system(sized.setup.options, sized.setup.engine);
  const std::vector<plateau::sut::Failpoint> listed = system.failpoints();
  const auto engine = plateau::engine::all_failpoints();
  BOOST_TEST_REQUIRE(listed.size() == engine.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    BOOST_TEST(listed[i].name == engine[i].name);
    BOOST_TEST(listed[i].description == engine[i].description);
    BOOST_TEST(!system.harness().failpoints().on(engine[i].id));
    listed[i].set(true);
    BOOST_TEST(system.harness().failpoints().on(engine[i].id));
    listed[i].set(false);
    BOOST_TEST(!system.harness().failpoints().on(engine[i].id));
  }
}

BOOST_AUTO_TEST_CASE(its_streams_are_the_harness_streams_and_observation_stays_with_the_runner) {
  const fs::path dir = scratch("streams");
  Sized sized = sized_for("smoke.json", {}, dir);
  EngineSystem system(sized.setup.options, sized.setup.engine);
  std::vector<std::pair<std::string, double>> expected_load;
  for (const plateau::harness::StreamInfo& s : system.harness().streams()) {
    if (s.role == plateau::harness::StreamRole::kLoad && s.per_second > 0)
      expected_load.emplace_back(s.name, s.per_second);
  }
  std::vector<std::pair<std::string, double>> load;
  for (const plateau::sut::LoadStream& s : system.load_streams()) load.emplace_back(s.name, s.per_second);
  BOOST_TEST(load.size() >= 5u);
  BOOST_TEST((load == expected_load));
  std::vector<std::string> maintenance;
  for (const plateau::sut::Maintenance& m : system.maintenance()) {
    maintenance.push_back(m.name);
    if (m.name == "maintain")
      BOOST_TEST(m.interval_s == plateau::engine::to_seconds(sized.setup.options.intervals.maintain));
  }
  for (const char* expected : {"maintain", "plans_cycle", "paper_cycle", "close_storms"}) {
    BOOST_TEST_INFO(expected);
    BOOST_TEST((std::find(maintenance.begin(), maintenance.end(), expected) != maintenance.end()));
  }
  for (const char* runner_s : {"sample", "audit", "checkpoints", "restart"}) {
    BOOST_TEST_INFO(runner_s);
    BOOST_TEST((std::find(maintenance.begin(), maintenance.end(), runner_s) == maintenance.end()));
  }
}

BOOST_AUTO_TEST_CASE(an_ended_order_reaches_the_lifecycle_with_the_engines_grace) {
  const fs::path dir = scratch("lifecycle");
  Sized sized = sized_for("smoke.json", {}, dir);
  EngineSystem system(sized.setup.options, sized.setup.engine);
  std::vector<plateau::sut::LoadStream> load = system.load_streams();
  auto orders = std::find_if(load.begin(), load.end(), [](const auto& s) { return s.name == "orders"; });
  BOOST_TEST_REQUIRE((orders != load.end()));
  plateau::sut::Lifecycle lifecycle;
  lifecycle.set_now(1);
  orders->event(1, lifecycle);  // submitted; its update is due within 5 s
  BOOST_TEST(lifecycle.pending().empty());
  lifecycle.set_now(10);
  orders->event(10, lifecycle);  // the first order's update ran before this one
  const double grace_s = plateau::engine::to_seconds(
      plateau::engine::grace_period(sized.setup.engine, plateau::engine::EntityEnd::kOrderTerminal,
                                    plateau::harness::driver_cadence(sized.setup.options.intervals)));
  bool seen = false;
  for (const auto& [entity, deadline] : lifecycle.pending()) {
    if (entity.first != "order") continue;
    seen = true;
    // Its own end time (the update, 0.2-5 s after submission), not the
    // hand-over's, and the engine's grace.
    BOOST_TEST(deadline.ended_s >= 1.2);
    BOOST_TEST(deadline.ended_s <= 6.0);
    BOOST_TEST(deadline.due_s - deadline.ended_s == grace_s, boost::test_tools::tolerance(1e-6));
  }
  BOOST_TEST(seen);
}

BOOST_AUTO_TEST_CASE(engine_soak_exits_0_clean_1_leaking_2_on_bad_input_5_too_short) {
  const fs::path dir = scratch("engine_soak");
  // The gate's shape for the six virtual hours the brief names.
  BOOST_TEST(run_engine_soak("--duration 21600 --out " + (dir / "clean").string(), dir / "clean.log") == 0);
  const std::string smoke = (source_dir() / "soak" / "scenarios" / "smoke.json").string();
  BOOST_TEST(run_engine_soak("--scenario " + smoke + " --failpoint plans.leak_execution_locks --out " +
                                 (dir / "locks").string(),
                             dir / "locks.log") == 1);
  BOOST_TEST(
      run_engine_soak("--failpoint no.such_failpoint --out " + (dir / "bad").string(), dir / "bad.log") == 2);
  std::ifstream bad(dir / "bad.log");
  std::stringstream text;
  text << bad.rdbuf();
  BOOST_TEST(text.str().find("no.such_failpoint") != std::string::npos);
  // A window no longer than the longest cleanup cannot hold a trough.
  BOOST_TEST(run_engine_soak("--window 60 --out " + (dir / "window").string(), dir / "window.log") == 2);
  // Too short to judge a trend is not "bounded", with a leak on or not: an
  // hour of the gate leaves two 20-minute windows after its warm-up.
  BOOST_TEST(run_engine_soak("--duration 3600 --out " + (dir / "short").string(), dir / "short.log") == 5);
  const nlohmann::json short_report = nlohmann::json::parse(std::ifstream(dir / "short" / "report.json"));
  BOOST_TEST(short_report.at("verdict") == "inconclusive");
  BOOST_TEST(short_report.at("inconclusive_reason").get<std::string>().find("would be conclusive") !=
             std::string::npos);
}
