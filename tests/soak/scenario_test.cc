#define BOOST_TEST_MODULE soak_scenario
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "soak/scenario/scenario.h"
#include "soak/scenario/verdict_settings.h"

using namespace plateau::soak;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::filesystem::path scenarios_dir() {
  const char* env = std::getenv("PLATEAU_SOURCE_DIR");
  return std::filesystem::path(env ? env : PLATEAU_SOURCE_DIR_DEFAULT) / "soak" / "scenarios";
}

// A small valid scenario to break one field at a time.
json valid() {
  return json::parse(R"({
    "duration": "2h", "warm_up": "10m", "seed": 3, "clock": "sim", "symbols": ["BTCUSDT", "ETHUSDT"],
    "rates": {"price_ticks_per_symbol": 1, "plans": {"rate": 0.5, "expiry_min": "1m", "expiry_max": "10m",
              "cancel_share": 0.2, "new_symbol_share": 0.1, "unknown_symbol_share": 0.03},
              "wallet_transactions": {"rate": 2, "duplicate_share": 0.1},
              "position_opens": 0.1, "close_storms": {"interval": "1m", "threads": 4, "positions_per_storm": 2},
              "exits": {"rate": 0.1, "failure_share": 0.5}},
    "price_source": {"failure_share": 0.1, "latency": "20ms"},
    "paper": {"max_positions": 12, "cooldown_after_opens": 20, "cooldown_window": "2m", "capital": 50000},
    "maintain": {"plans": "5m"}, "sample_interval": "10s", "audit_interval": "1m", "restart_interval": "30m",
    "heap_profile_checkpoints": ["1h"], "failpoints": ["plans.leak_execution_locks"],
    "verdict": {"alpha": 0.01, "relative": 0.05, "window": "15m",
                "absolute": {"default": 1, "units": {"bytes": 65536}, "series": {"alloc.": 4194304}}}
  })");
}

// Parsing `doc` must fail naming every part in `expected` (path, value, rule).
void expect_refused(const json& doc, std::initializer_list<std::string> expected) {
  try {
    parse_scenario(doc.dump(), "case.json");
    BOOST_ERROR("accepted: " << doc.dump());
  } catch (const ScenarioError& e) {
    const std::string message = e.what();
    BOOST_TEST_INFO(message);
    BOOST_TEST(message.starts_with("case.json: "));
    for (const std::string& part : expected) BOOST_TEST(message.find(part) != std::string::npos, part);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scenario)

BOOST_AUTO_TEST_CASE(every_shipped_scenario_parses) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir())) {
    if (entry.path().extension() != ".json") continue;
    BOOST_TEST_INFO(entry.path().string());
    BOOST_CHECK_NO_THROW(load_scenario(entry.path()));
    ++count;
  }
  BOOST_TEST(count >= 4);
}

BOOST_AUTO_TEST_CASE(shipped_scenarios_say_what_the_issue_asks) {
  const Scenario smoke = load_scenario(scenarios_dir() / "smoke.json");
  BOOST_TEST(smoke.duration == 1h + 10min);
  const Scenario gate = load_scenario(scenarios_dir() / "gate.json");
  BOOST_TEST(gate.duration == 6h);
  BOOST_TEST((gate.duration - gate.warm_up) / gate.verdict.window >= 8);  // enough windows for a trend

  // Issue 10 item 4: the reload path runs in the gate and the nightly.
  BOOST_TEST((gate.restart_interval > Duration::zero() && gate.restart_interval < gate.duration));

  const Scenario nightly = load_scenario(scenarios_dir() / "nightly.json");
  BOOST_TEST((nightly.restart_interval > Duration::zero() && nightly.restart_interval < nightly.duration));
  BOOST_TEST(nightly.name == "nightly");
  BOOST_TEST(nightly.duration == 24h);
  BOOST_TEST(nightly.clock == ClockMode::sim);
  BOOST_TEST(nightly.symbols.size() == 50u);
  BOOST_TEST(nightly.rates.price_ticks_per_symbol_per_second == 1.0);
  BOOST_TEST(nightly.rates.wallet_transactions.per_second == 20.0);
  BOOST_TEST(nightly.rates.wallet_transactions.duplicate_share == 0.1);
  BOOST_TEST(nightly.rates.plans.per_second == 0.5);
  BOOST_TEST((nightly.rates.close_storms.interval == 1min));
  BOOST_TEST(nightly.rates.close_storms.threads == 4u);
  BOOST_TEST((nightly.sample_interval == 10s));
  BOOST_TEST((nightly.audit_interval == 1min));
  const double hours = seconds(nightly.duration);
  const double events =
      hours * (nightly.rates.price_ticks_per_symbol_per_second * static_cast<double>(nightly.symbols.size()) +
               nightly.rates.wallet_transactions.per_second + nightly.rates.plans.per_second +
               nightly.rates.position_opens_per_second + nightly.rates.exits.per_second);
  BOOST_TEST(events >= 5e6);
  BOOST_TEST(nightly.verdict.window > 1h);  // longer than the hourly cleanups

  const Scenario wall = load_scenario(scenarios_dir() / "wall-24h.json");
  BOOST_TEST(wall.clock == ClockMode::wall);
  BOOST_TEST(wall.duration == nightly.duration);
  BOOST_TEST(wall.rates.wallet_transactions.per_second == nightly.rates.wallet_transactions.per_second);
  BOOST_TEST(wall.symbols == nightly.symbols);
}

BOOST_AUTO_TEST_CASE(fields_are_read) {
  const Scenario sc = parse_scenario(valid().dump(), "dir/my-case.json");
  BOOST_TEST(sc.name == "my-case");
  BOOST_TEST(sc.seed == 3u);
  BOOST_TEST((sc.warm_up == 10min));
  BOOST_TEST(sc.symbols == (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  BOOST_TEST((sc.rates.plans.expiry_max == 10min));
  BOOST_TEST(sc.rates.exits.failure_share == 0.5);
  BOOST_TEST((sc.price_source.latency == 20ms));
  BOOST_TEST((sc.maintain_intervals.at("plans") == 5min));
  BOOST_TEST((sc.restart_interval == 30min));
  BOOST_TEST(sc.heap_profile_checkpoints.size() == 1u);
  BOOST_TEST(sc.failpoints == (std::vector<std::string>{"plans.leak_execution_locks"}));
  BOOST_TEST(sc.verdict.absolute_default == 1.0);
  BOOST_TEST(sc.verdict.absolute_by_unit.at("bytes") == 65536.0);
  BOOST_TEST(sc.verdict.absolute_by_prefix.at("alloc.") == 4194304.0);
  BOOST_TEST((sc.verdict.window == 15min));
  BOOST_TEST(sc.rates.plans.new_symbol_share == 0.1);
  BOOST_TEST(sc.rates.plans.unknown_symbol_share == 0.03);
  BOOST_TEST(sc.paper.max_positions.value_or(0) == 12u);
  BOOST_TEST(sc.paper.cooldown_after_opens.value_or(0) == 20u);
  BOOST_TEST((sc.paper.cooldown_window.value_or(Duration::zero()) == 2min));
  BOOST_TEST(sc.paper.capital.value_or(0) == 50000.0);
}

BOOST_AUTO_TEST_CASE(defaults_fill_a_minimal_scenario) {
  const Scenario sc = parse_scenario(R"({"duration": 7200})", "minimal.json");
  BOOST_TEST(sc.name == "minimal");
  BOOST_TEST((sc.warm_up == 12min));         // a tenth of the duration
  BOOST_TEST((sc.verdict.window == 27min));  // (2h - 12m) / 4, shorter than 2h
  BOOST_TEST(sc.symbols.size() == 10u);
  BOOST_TEST(sc.symbols.front() == "SYM000");
  BOOST_TEST(sc.clock == ClockMode::sim);
  BOOST_TEST((sc.restart_interval == Duration::zero()));
  BOOST_TEST(sc.rates.plans.new_symbol_share == 0.05);
  BOOST_TEST(sc.rates.plans.unknown_symbol_share == 0.02);
  // Absent paper limits stay the engine's own.
  BOOST_TEST(!sc.paper.max_positions.has_value());
  BOOST_TEST(!sc.paper.cooldown_after_opens.has_value());
  BOOST_TEST(!sc.paper.cooldown_window.has_value());
  BOOST_TEST(!sc.paper.capital.has_value());
  const Scenario counted = parse_scenario(R"({"duration": "1h", "symbols": 3})");
  BOOST_TEST(counted.symbols == (std::vector<std::string>{"SYM000", "SYM001", "SYM002"}));
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_refused_with_their_path) {
  json doc = valid();
  doc["durration"] = "1h";
  expect_refused(doc, {"/durration", "\"1h\"", "is not a known field"});
  doc = valid();
  doc["rates"]["plans"]["cancel_sahre"] = 0.2;
  expect_refused(doc, {"/rates/plans/cancel_sahre", "0.2", "is not a known field", "cancel_share"});
  doc = valid();
  doc["verdict"]["absolute"]["unit"] = json::object();
  expect_refused(doc, {"/verdict/absolute/unit", "is not a known field"});
}

BOOST_AUTO_TEST_CASE(wrong_types_are_refused_with_path_value_and_rule) {
  json doc = valid();
  doc["seed"] = "abc";
  expect_refused(doc, {"/seed", "\"abc\"", "must be a whole number, not a string"});
  doc = valid();
  doc["rates"]["wallet_transactions"]["rate"] = "fast";
  expect_refused(doc, {"/rates/wallet_transactions/rate", "\"fast\"", "must be a number"});
  doc = valid();
  doc["rates"]["plans"] = 5;
  expect_refused(doc, {"/rates/plans", "5", "must be an object"});
  doc = valid();
  doc["failpoints"] = "plans.leak_execution_locks";
  expect_refused(doc, {"/failpoints", "must be a list"});
  doc = valid();
  doc["sample_interval"] = true;
  expect_refused(doc, {"/sample_interval", "true", "must be seconds or a duration string"});
  doc = valid();
  doc["rates"]["close_storms"]["threads"] = 2.5;
  expect_refused(doc, {"/rates/close_storms/threads", "2.5", "whole number"});
  doc = valid();
  doc["verdict"]["absolute"] = "1MB";
  expect_refused(doc, {"/verdict/absolute", "\"1MB\"", "must be a number or an object"});
}

BOOST_AUTO_TEST_CASE(out_of_range_values_are_refused_with_path_value_and_rule) {
  json doc = valid();
  doc["rates"]["plans"]["cancel_share"] = 1.5;
  expect_refused(doc, {"/rates/plans/cancel_share", "1.5", "must be between 0 and 1"});
  doc = valid();
  doc["rates"]["price_ticks_per_symbol"] = -1;
  expect_refused(doc, {"/rates/price_ticks_per_symbol", "-1", "between 0 and 1000000"});
  doc = valid();
  doc["rates"]["close_storms"]["threads"] = 0;
  expect_refused(doc, {"/rates/close_storms/threads", "0", "between 1 and 64"});
  doc = valid();
  doc["clock"] = "virtual";
  expect_refused(doc, {"/clock", "\"virtual\"", "must be \"sim\" or \"wall\""});
  doc = valid();
  doc["warm_up"] = "3h";
  expect_refused(doc, {"/warm_up", "\"3h\"", "shorter than duration (2h)"});
  doc = valid();
  doc["verdict"]["window"] = "2h";
  expect_refused(doc, {"/verdict/window", "\"2h\"", "fit in the measured phase"});
  doc = valid();
  doc["verdict"]["alpha"] = 0;
  expect_refused(doc, {"/verdict/alpha", "0", "above 0"});
  doc = valid();
  doc["sample_interval"] = "20m";
  expect_refused(doc, {"/sample_interval", "\"20m\"", "shorter than /verdict/window (15m)"});
  doc = valid();
  doc["rates"]["plans"]["expiry_max"] = "30s";
  expect_refused(doc, {"/rates/plans/expiry_max", "\"30s\"", "at least /rates/plans/expiry_min (1m)"});
  doc = valid();
  doc["heap_profile_checkpoints"] = {"1h", "3h"};
  expect_refused(doc, {"/heap_profile_checkpoints/1", "\"3h\"", "within the run"});
  doc = valid();
  doc["symbols"] = {"BTCUSDT", "BTCUSDT"};
  expect_refused(doc, {"/symbols/1", "\"BTCUSDT\"", "only once"});
  doc = valid();
  doc["symbols"] = 0;
  expect_refused(doc, {"/symbols", "0", "between 1 and 10000"});
  doc = valid();
  doc["seed"] = -4;
  expect_refused(doc, {"/seed", "-4", "whole number"});
  doc = valid();
  doc["duration"] = "6 hours";
  expect_refused(doc, {"/duration", "\"6 hours\"", "\"90s\""});
  doc = valid();
  doc["rates"]["plans"]["new_symbol_share"] = 0.7;
  doc["rates"]["plans"]["unknown_symbol_share"] = 0.4;
  expect_refused(doc, {"/rates/plans/unknown_symbol_share", "0.4", "new_symbol_share", "at most 1"});
  doc = valid();
  doc["paper"]["max_positions"] = 0;
  expect_refused(doc, {"/paper/max_positions", "0", "between 1 and 100000"});
  doc = valid();
  doc["paper"]["cooldown_window"] = 0;
  expect_refused(doc, {"/paper/cooldown_window", "\"0s\"", "longer than 0s"});
  doc = valid();
  doc["paper"]["capital"] = -5;
  expect_refused(doc, {"/paper/capital", "-5", "between 1 and 1e12"});
  doc = valid();
  doc["paper"]["max_position"] = 3;
  expect_refused(doc, {"/paper/max_position", "is not a known field", "max_positions"});
}

BOOST_AUTO_TEST_CASE(missing_duration_and_broken_json_are_refused) {
  json doc = valid();
  doc.erase("duration");
  expect_refused(doc, {"/duration", "is required"});
  BOOST_CHECK_EXCEPTION(parse_scenario("{\"duration\": ", "broken.json"), ScenarioError,
                        [](const ScenarioError& e) {
                          // The syntax error names where parsing stopped.
                          return std::string(e.what()).find("broken.json: /duration: is not valid JSON") == 0;
                        });
  BOOST_CHECK_EXCEPTION(parse_scenario("[1, 2]", "array.json"), ScenarioError, [](const ScenarioError& e) {
    return std::string(e.what()).find("must be an object") != std::string::npos;
  });
  BOOST_CHECK_THROW(load_scenario(scenarios_dir() / "no-such-scenario.json"), ScenarioError);
}

BOOST_AUTO_TEST_CASE(duration_strings) {
  BOOST_TEST((parse_duration("6h") == 6h));
  BOOST_TEST((parse_duration("90s") == 90s));
  BOOST_TEST((parse_duration("10m") == 10min));
  BOOST_TEST((parse_duration("1h30m") == 90min));
  BOOST_TEST((parse_duration("250ms") == 250ms));
  BOOST_TEST((parse_duration("1d") == 24h));
  BOOST_TEST((parse_duration("1.5h") == 90min));
  BOOST_TEST((parse_duration("3600") == 1h));
  BOOST_TEST((parse_duration("0.5") == 500ms));
  BOOST_TEST((parse_duration("0") == Duration::zero()));
  for (const char* bad : {"", "h", "6x", "1h30", "-5s", "1..5s", ".5s", "5s ", " 5s", "6 h", "1e3s"}) {
    BOOST_TEST_INFO(bad);
    BOOST_CHECK_THROW(parse_duration(bad), std::invalid_argument);
  }
  for (Duration d : {Duration(6h), Duration(90s), Duration(90min), Duration(250ms), Duration(26h + 1s)}) {
    BOOST_TEST((parse_duration(format_duration(d)) == d));
  }
  BOOST_TEST(format_duration(90min) == "1h30m");
  BOOST_TEST(format_duration(Duration::zero()) == "0s");
}

BOOST_AUTO_TEST_CASE(verdict_settings_come_from_the_scenario) {
  const Scenario sc = parse_scenario(valid().dump(), "case.json");
  const VerdictSettings s = verdict_settings_for(sc);
  BOOST_CHECK_NO_THROW(validate(s));
  BOOST_TEST(s.warm_up_end_s == 600.0);
  BOOST_TEST(s.window_s == 900.0);
  BOOST_TEST(s.horizon_s == 7200.0);
  BOOST_TEST(s.alpha == 0.01);
  BOOST_TEST(s.relative_tolerance == 0.05);
  BOOST_TEST(absolute_tolerance_for(s, "alloc.jemalloc.active", "bytes") == 4194304.0);
  BOOST_TEST(absolute_tolerance_for(s, "inventory.cache.bytes", "bytes") == 65536.0);
  BOOST_TEST(absolute_tolerance_for(s, "inventory.cache.entries", "entries") == 1.0);
}

BOOST_AUTO_TEST_CASE(overrides_are_checked_again) {
  Scenario sc = parse_scenario(valid().dump(), "case.json");
  sc.duration = 20min;  // e.g. --duration 20m: the 15m window no longer fits after 10m warm-up
  BOOST_CHECK_EXCEPTION(validate_scenario(sc, "case.json"), ScenarioError,
                        [](const ScenarioError& e) { return e.json_path() == "/verdict/window"; });
}

// Issue 11: hostile text is refused as ScenarioError naming the path and the
// rule, never a crash, an "unexpected error" or a silently accepted value.
void expect_text_refused(const std::string& text, std::initializer_list<std::string> expected) {
  try {
    parse_scenario(text, "case.json");
    BOOST_ERROR("accepted: " << text.substr(0, 80));
  } catch (const ScenarioError& e) {
    const std::string message = e.what();
    BOOST_TEST_INFO(message);
    BOOST_TEST(message.size() < 400u);
    for (const std::string& part : expected) BOOST_TEST(message.find(part) != std::string::npos, part);
  }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_without_recursion) {
  // 100,000 levels was a SIGSEGV (stack overflow) in the message's dump.
  expect_text_refused(std::string(100'000, '['), {"nested deeper than 16 levels"});
  expect_text_refused("{\"duration\": \"1h\", \"x\": " + std::string(100'000, '[') + std::string(100'000, ']') + "}",
                      {"/x/0/0", "nested deeper"});
  // Just inside the limit: a deep value under an unknown key is an unknown field, shown as a summary.
  expect_text_refused(R"({"duration": "1h", "x": [[[[[[[[[[1]]]]]]]]]]})", {"/x", "[...]", "not a known field"});
}

BOOST_AUTO_TEST_CASE(numbers_out_of_range_are_refused_naming_the_path) {
  expect_text_refused(R"({"duration": 1e400})", {"/duration", "out of range"});
  expect_text_refused(R"({"duration": "1h", "rates": {"plans": {"rate": -1e400}}})", {"/rates/plans/rate", "out of range"});
  expect_text_refused(R"({"duration": "1h", "symbols": ["A", 1e999]})", {"/symbols/1", "out of range"});
  expect_text_refused(R"({"duration": ")" + std::string(400, '9') + R"(s"})", {"/duration", "at most 1e9 seconds"});
  expect_text_refused(R"({"duration": )" + std::string(400, '9') + "}", {"/duration"});
  expect_text_refused(R"({"duration": "1h", "seed": -1})", {"/seed", "-1", "whole number between 0"});
  expect_text_refused(R"({"duration": "1h", "seed": 18446744073709551616})", {"/seed"});
}

BOOST_AUTO_TEST_CASE(duplicate_keys_nul_and_trailing_text_are_refused) {
  expect_text_refused(R"({"duration": "-1h", "duration": "10m"})", {"/duration", "twice"});
  expect_text_refused(R"({"duration": "1h", "rates": {"plans": {"rate": 1, "rate": 2}}})", {"/rates/plans/rate", "twice"});
  expect_text_refused(std::string("{\"duration\": \"10m\"}\0{\"garbage\": 1}", 33), {"NUL byte at offset 19"});
  expect_text_refused(std::string("{\"duration\": \"10\0m\"}", 20), {"NUL byte"});
  expect_text_refused(R"({"duration": "10m"} {"duration": "1h"})", {"not valid JSON"});
  expect_text_refused(R"({"duration": "10m"} x)", {"not valid JSON"});
  expect_text_refused("", {"not valid JSON"});
}

BOOST_AUTO_TEST_CASE(oversized_and_endless_files_are_refused_before_being_read_whole) {
  const auto dir = std::filesystem::temp_directory_path() / ("plateau-scenario-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto big = dir / "big.json";
  {
    std::ofstream out(big);
    out << R"({"duration": "1h", "description": ")" << std::string(2u << 20, 'x') << "\"}";
  }
  BOOST_CHECK_EXCEPTION(load_scenario(big), ScenarioError, [](const ScenarioError& e) {
    BOOST_TEST_INFO(e.what());
    return std::string(e.what()).find("larger than the limit of 1 MiB") != std::string::npos;
  });
  BOOST_CHECK_EXCEPTION(load_scenario("/dev/zero"), ScenarioError, [](const ScenarioError& e) {
    return std::string(e.what()).find("larger than the limit") != std::string::npos;
  });
  BOOST_CHECK_EXCEPTION(load_scenario(dir), ScenarioError, [](const ScenarioError& e) {
    return std::string(e.what()).find("is a directory") != std::string::npos;
  });
  // A FIFO with no writer: refused at once (empty), not waited on forever.
  const auto fifo = dir / "fifo";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  BOOST_CHECK_THROW(load_scenario(fifo), ScenarioError);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(command_line_values_follow_the_files_rules) {
  BOOST_TEST(parse_seed("0") == 0u);
  BOOST_TEST(parse_seed("18446744073709551615") == 18446744073709551615ull);
  for (const char* bad : {"-1", "+1", "", "18446744073709551616", "1e3", " 1", "0x10", "99999999999999999999999"}) {
    BOOST_CHECK_THROW(parse_seed(bad), std::invalid_argument);
  }
  BOOST_TEST((parse_clock("wall") == ClockMode::wall));
  BOOST_CHECK_THROW(parse_clock("Wall"), std::invalid_argument);
  // Over-long digit strings were std::out_of_range from stod (exit 4).
  BOOST_CHECK_THROW(parse_duration(std::string(400, '9') + "s"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_duration(std::string(400, '9')), std::invalid_argument);
  BOOST_CHECK_THROW(parse_duration("1e400"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_duration("0." + std::string(400, '0') + "1s"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sampling_limits_are_enforced) {
  json doc = valid();
  doc["duration"] = "10m";
  doc["warm_up"] = "1m";
  doc["verdict"]["window"] = "2m";
  doc["heap_profile_checkpoints"] = json::array();
  doc["restart_interval"] = 0;
  doc["sample_interval"] = "1ms";
  expect_refused(doc, {"/sample_interval", "\"1ms\"", "at least 100ms"});
  doc["sample_interval"] = "10s";
  doc["audit_interval"] = "1ms";
  expect_refused(doc, {"/audit_interval", "at least 100ms"});
  doc = valid();
  doc["duration"] = "100d";
  doc["warm_up"] = "1d";
  doc["sample_interval"] = "1s";
  doc["verdict"]["window"] = "2h";
  expect_refused(doc, {"/sample_interval", "8640000 probe passes", "at most 3000000"});
  doc["sample_interval"] = "10s";
  doc["verdict"]["window"] = "1m";
  expect_refused(doc, {"/verdict/window", "142560 windows", "at most 1024"});
  // 30 days at 1 s sampling, the documented long wall run, is accepted; its
  // default window keeps the windows within the limit.
  doc.erase("verdict");
  doc["duration"] = "30d";
  doc["warm_up"] = "1d";
  doc["sample_interval"] = "1s";
  const Scenario month = parse_scenario(doc.dump(), "case.json");
  BOOST_TEST((month.verdict.window == 2h));
  doc["duration"] = "10000d";
  doc["sample_interval"] = "1h";
  doc["audit_interval"] = "1h";
  const Scenario long_run = parse_scenario(doc.dump(), "case.json");
  BOOST_TEST((long_run.duration - long_run.warm_up) / long_run.verdict.window <= 1024);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(prefix_tolerances_carry_a_unit) {
  json doc = valid();
  doc["verdict"]["absolute"]["series"] = {{"alloc.", 4194304}, {"process.", {{"bytes", 8388608}, {"threads", 2}}}};
  const Scenario sc = parse_scenario(doc.dump(), "units.json");
  BOOST_TEST(sc.verdict.absolute_by_prefix.at("alloc.") == 4194304.0);
  BOOST_TEST(sc.verdict.absolute_by_prefix_unit.at("process.").at("threads") == 2.0);
  const VerdictSettings s = verdict_settings_for(sc);
  BOOST_TEST(absolute_tolerance_for(s, "process.rss_bytes", "bytes") == 8388608.0);
  BOOST_TEST(absolute_tolerance_for(s, "process.threads.exit-retry", "threads") == 2.0);
  BOOST_TEST(absolute_tolerance_for(s, "alloc.allocated_bytes", "bytes") == 4194304.0);
  // A bare number is bytes: it never judges a thread or fd series.
  BOOST_TEST(absolute_tolerance_for(s, "process.open_fds", "fds") == 1.0);

  doc["verdict"]["absolute"]["series"] = {{"process.", {{"threads", "2"}}}};
  expect_refused(doc, {"/verdict/absolute/series/process./threads", "\"2\"", "must be a number"});
  doc["verdict"]["absolute"]["series"] = {{"process.", json::object()}};
  expect_refused(doc, {"/verdict/absolute/series/process.", "must name at least one unit"});
  doc["verdict"]["absolute"]["series"] = {{"process.", json::array()}};
  expect_refused(doc, {"/verdict/absolute/series/process.", "must be a number of bytes or an object"});
}

BOOST_AUTO_TEST_CASE(the_fixtures_block_is_read_strictly) {
  json doc = valid();
  doc["fixtures"] = {{"slow_leak_bytes_per_hour", 20480}, {"error_note_bytes", 256}, {"thread_leak_every", 4},
                     {"block_bytes", 52428800}, {"step_at", "1h"}};
  const Scenario sc = parse_scenario(doc.dump(), "fixtures.json");
  BOOST_TEST(sc.fixtures.slow_leak_bytes_per_hour.value_or(0) == 20480.0);
  BOOST_TEST(sc.fixtures.error_note_bytes.value_or(0) == 256u);
  BOOST_TEST(sc.fixtures.thread_leak_every.value_or(0) == 4u);
  BOOST_TEST(sc.fixtures.block_bytes.value_or(0) == 52428800u);
  BOOST_TEST((sc.fixtures.step_at.value_or(Duration::zero()) == 1h));

  json typo = valid();
  typo["fixtures"] = {{"step_after", "1h"}};
  expect_refused(typo, {"/fixtures/step_after", "is not a known field", "step_at"});
  json late = valid();
  late["fixtures"] = {{"step_at", "3h"}};
  expect_refused(late, {"/fixtures/step_at", "\"3h\"", "within the run"});
  json negative = valid();
  negative["fixtures"] = {{"slow_leak_bytes_per_hour", -1}};
  expect_refused(negative, {"/fixtures/slow_leak_bytes_per_hour", "-1", "bytes per virtual hour"});
  json zero = valid();
  zero["fixtures"] = {{"thread_leak_every", 0}};
  expect_refused(zero, {"/fixtures/thread_leak_every", "0", "between 1 and"});
}

// verdict.sites.sample_bytes and min_samples (issue 9): read, defaulted, and
// refused with path, value and rule.
BOOST_AUTO_TEST_SUITE(scenario_site_sampling)

BOOST_AUTO_TEST_CASE(site_sampling_fields_are_read_and_validated) {
  const Scenario minimal = parse_scenario(R"({"duration": 7200})", "minimal.json");
  BOOST_TEST(minimal.verdict.sites.sample_bytes == 16384u);
  BOOST_TEST(minimal.verdict.sites.min_samples == 4.0);
  json doc = valid();
  doc["verdict"]["sites"] = {{"sample_bytes", 2048}, {"min_samples", 10}};
  const Scenario sc = parse_scenario(doc.dump(), "case.json");
  BOOST_TEST(sc.verdict.sites.sample_bytes == 2048u);
  BOOST_TEST(sc.verdict.sites.min_samples == 10.0);
  doc["verdict"]["sites"] = {{"sample_bytes", 3000}};
  expect_refused(doc, {"/verdict/sites/sample_bytes", "3000", "power of two"});
  doc["verdict"]["sites"] = {{"sample_bytes", 32}};
  expect_refused(doc, {"/verdict/sites/sample_bytes", "32", "power of two from 64 to 1048576"});
  doc["verdict"]["sites"] = {{"sample_bytes", "4k"}};
  expect_refused(doc, {"/verdict/sites/sample_bytes", "must be a number"});
  doc["verdict"]["sites"] = {{"min_samples", -1}};
  expect_refused(doc, {"/verdict/sites/min_samples", "-1", "from 0 to 1e9"});
}

BOOST_AUTO_TEST_CASE(gate_and_nightly_sample_finely_enough_for_their_targets) {
  // Gate: a 20 KiB/h site, nightly: a 2 KiB/h site (256-byte blocks) must
  // leave well over 2 z^2 samples over the measured phase (site_verdict.h).
  const Scenario gate = load_scenario(scenarios_dir() / "gate.json");
  const Scenario nightly = load_scenario(scenarios_dir() / "nightly.json");
  BOOST_TEST(gate.verdict.sites.sample_bytes <= 4096u);
  BOOST_TEST(nightly.verdict.sites.sample_bytes <= 1024u);
}

BOOST_AUTO_TEST_SUITE_END()
