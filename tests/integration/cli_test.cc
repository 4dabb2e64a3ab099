#define BOOST_TEST_MODULE integration_cli
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/plateau_process.h"

namespace fs = std::filesystem;

namespace {

using plateau::testing::Child;
using plateau::testing::plateau_binary;
using plateau::testing::read_text;
using plateau::testing::source_dir;
using plateau::testing::spawn;
using plateau::testing::wait_exit_code;

fs::path scenario(const std::string& name) { return source_dir() / "soak" / "scenarios" / name; }

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("plateau-it-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

int run_plateau(const std::vector<std::string>& args, const fs::path& stderr_file) {
  return wait_exit_code(spawn(args, stderr_file));
}

nlohmann::json read_report(const fs::path& dir) { return nlohmann::json::parse(read_text(dir / "report.json")); }

}  // namespace

BOOST_AUTO_TEST_CASE(clean_smoke_run_is_bounded_and_exits_0) {
  const fs::path out = scratch("clean");
  const int code = run_plateau({"run", scenario("smoke.json").string(), "--out", out.string()}, out.string() + ".err");
  BOOST_TEST_INFO("stderr: " << read_text(out.string() + ".err"));
  BOOST_TEST(code == 0);
  const auto report = read_report(out);
  BOOST_TEST(report.at("schema").get<std::string>() == "plateau.report/1");
  BOOST_TEST(report.at("verdict").get<std::string>() == "bounded");
  BOOST_TEST(report.at("findings").size() == 0u);
  BOOST_TEST(report.at("context").at("seed").get<std::uint64_t>() == 1u);
  for (const char* file : {"series.csv", "junit.xml", "report.html", "summary.md"}) {
    BOOST_TEST(fs::exists(out / file), file);
  }
  // Containers whose owners name their arrivals are read per unit of load
  // too (docs/verdict.md, "Load that drifts"), end to end: engine -> probe ->
  // runner -> verdict -> report.json.
  std::map<std::string, std::string> arrivals;
  for (const auto& series : report.at("series")) {
    if (series.contains("load") && !series.at("load").is_null()) {
      arrivals[series.at("name").get<std::string>()] = series.at("load").at("arrivals").get<std::string>();
    }
  }
  BOOST_TEST(arrivals["inventory.router.order_meta.entries"] == "health.router.submitted");
  BOOST_TEST(arrivals["inventory.plans.active_plans.entries"] == "health.plans.added");
  BOOST_TEST(!arrivals.contains("inventory.plans.plans_per_symbol.entries"));
}

BOOST_AUTO_TEST_CASE(leaked_execution_locks_are_residue_of_the_plans_component_and_exit_1) {
  const fs::path out = scratch("leak");
  const int code = run_plateau({"run", scenario("smoke.json").string(), "--out", out.string(), "--failpoint",
                                "plans.leak_execution_locks"},
                               out.string() + ".err");
  BOOST_TEST_INFO("stderr: " << read_text(out.string() + ".err"));
  BOOST_TEST(code == 1);
  const auto report = read_report(out);
  BOOST_TEST(report.at("verdict").get<std::string>() == "leak");
  bool residue_in_plans = false;
  for (const auto& finding : report.at("findings")) {
    if (finding.at("kind") == "residue" && finding.at("component") == "plans") {
      residue_in_plans = true;
      BOOST_TEST(finding.contains("time_to_detect_s"));
    }
  }
  BOOST_TEST(residue_in_plans);
}

BOOST_AUTO_TEST_CASE(malformed_scenario_exits_2_naming_the_field) {
  const fs::path dir = scratch("bad");
  fs::create_directories(dir);
  nlohmann::json smoke = nlohmann::json::parse(read_text(scenario("smoke.json")));
  smoke["rates"]["plans"]["cancel_share"] = 1.5;
  std::ofstream(dir / "bad.json") << smoke.dump(2);
  const fs::path err = dir / "stderr.txt";
  const int code = run_plateau({"run", (dir / "bad.json").string(), "--out", (dir / "out").string()}, err);
  const std::string message = read_text(err);
  BOOST_TEST_INFO("stderr: " << message);
  BOOST_TEST(code == 2);
  BOOST_TEST(message.find("/rates/plans/cancel_share") != std::string::npos);
  BOOST_TEST(message.find("1.5") != std::string::npos);
  BOOST_TEST(!fs::exists(dir / "out" / "report.json"));

  BOOST_TEST(run_plateau({"run", scenario("smoke.json").string(), "--failpoint", "no.such_failpoint"}, err) == 2);
  BOOST_TEST(read_text(err).find("no.such_failpoint") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(window_not_longer_than_a_cleanup_exits_2_naming_both_fields) {
  const fs::path dir = scratch("window");
  fs::create_directories(dir);
  nlohmann::json smoke = nlohmann::json::parse(read_text(scenario("smoke.json")));
  smoke["maintain"]["plans"] = "6m";  // the window is 6m: no longer than the cleanup
  std::ofstream(dir / "equal.json") << smoke.dump(2);
  const fs::path err = dir / "stderr.txt";
  BOOST_TEST(run_plateau({"run", (dir / "equal.json").string(), "--out", (dir / "out").string()}, err) == 2);
  std::string message = read_text(err);
  BOOST_TEST(message.find("/verdict/window = 6m must be longer than /maintain/plans = 6m") != std::string::npos,
             message);
  smoke["maintain"].erase("plans");  // the engine's default plans cleanup: 1h
  std::ofstream(dir / "default.json") << smoke.dump(2);
  BOOST_TEST(run_plateau({"run", (dir / "default.json").string(), "--out", (dir / "out").string()}, err) == 2);
  message = read_text(err);
  BOOST_TEST(message.find("/maintain/plans = 1h (the engine default") != std::string::npos, message);
  BOOST_TEST(!fs::exists(dir / "out" / "report.json"));
}

BOOST_AUTO_TEST_CASE(a_gate_too_short_to_judge_a_trend_is_inconclusive_and_exits_5) {
  // With --duration 1h the gate's warm-up scales to 10m, leaving 2 windows
  // of 20m; the trend test needs 10 at the gate's alpha. Even with a leak
  // that only a trend would show, nothing may claim "bounded".
  const fs::path out = scratch("short");
  const int code = run_plateau({"run", scenario("gate.json").string(), "--out", out.string(), "--duration", "1h",
                                "--failpoint", "engine.unreachable_leak"},
                               out.string() + ".err");
  const std::string message = read_text(out.string() + ".err");
  BOOST_TEST_INFO("stderr: " << message);
  BOOST_TEST(code == 5);
  BOOST_TEST(message.find("verdict inconclusive") != std::string::npos);
  BOOST_TEST(message.find("needs 10") != std::string::npos);
  BOOST_TEST(message.find("--duration 4h") != std::string::npos);
  const auto report = read_report(out);
  BOOST_TEST(report.at("verdict").get<std::string>() == "inconclusive");
  BOOST_TEST(report.at("minimum_conclusive_duration_s").get<double>() == 4 * 3600.0);
  BOOST_TEST(!report.at("inconclusive_reason").get<std::string>().empty());
  BOOST_TEST(read_text(out / "summary.md").find("inconclusive") != std::string::npos);
  BOOST_TEST(read_text(out / "junit.xml").find("inconclusive") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigint_stops_the_run_with_a_partial_report_and_exit_3) {
  const fs::path out = scratch("interrupted");
  // Wall clock: an hour of real time, so the signal surely lands mid-run.
  Child child = spawn({"run", scenario("smoke.json").string(), "--out", out.string(), "--clock", "wall"},
                      out.string() + ".err");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ::kill(child.pid, SIGINT);
  const int code = wait_exit_code(child);
  BOOST_TEST_INFO("stderr: " << read_text(out.string() + ".err"));
  BOOST_TEST(code == 3);
  const auto report = read_report(out);
  BOOST_TEST(report.at("verdict").get<std::string>() == "incomplete");
  BOOST_TEST(report.at("incomplete").get<bool>());
  BOOST_TEST(report.at("incomplete_reason").get<std::string>().find("SIGINT") != std::string::npos);
  BOOST_TEST(fs::exists(out / "series.csv"));
}

BOOST_AUTO_TEST_CASE(failpoints_lists_every_failpoint) {
  const fs::path dir = scratch("list");
  fs::create_directories(dir);
  const fs::path out_file = dir / "out.txt";
  std::string binary = plateau_binary().string();
  const std::string command = "'" + binary + "' failpoints > '" + out_file.string() + "'";
  BOOST_TEST(std::system(command.c_str()) == 0);
  const std::string listing = read_text(out_file);
  for (const char* name : {"plans.leak_execution_locks", "engine.unreachable_leak", "router.keep_terminal_orders"}) {
    BOOST_TEST(listing.find(name) != std::string::npos, name);
  }
}
