#define BOOST_TEST_MODULE soak_harness_mapping
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/canary_catalog.h"
#include "engine/core/failpoints.h"
#include "engine/maintain_schedule.h"
#include "harness/harness_options.h"
#include "soak/canaries/canary_catalog.h"
#include "soak/runner/harness_mapping.h"
#include "soak/scenario/scenario.h"

// soak/ names no engine maintain key, component or failpoint: it reads what
// the engine (and the harness, for its own cadence) publish. These tests fail
// when the two disagree: a key the engine publishes that a scenario's
// /maintain block cannot set, a shipped scenario or a canary naming a
// failpoint the engine does not know.

using namespace plateau;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path source_dir() {
  const char* env = std::getenv("PLATEAU_SOURCE_DIR");
  return env ? fs::path(env) : fs::path(PLATEAU_SOURCE_DIR_DEFAULT);
}

soak::Scenario gate() { return soak::load_scenario(source_dir() / "soak/scenarios/gate.json"); }

// Shorter than the gate's 20-minute window, equal to no default.
constexpr soak::Duration kOdd = 7min + 13s;

}  // namespace

BOOST_AUTO_TEST_CASE(every_published_engine_interval_is_settable_from_a_scenario) {
  for (const engine::MaintainInterval& m : engine::maintain_schedule()) {
    BOOST_TEST_CONTEXT("/maintain/" << m.key) {
      soak::Scenario s = gate();
      s.maintain_intervals[std::string(m.key)] = kOdd;
      const soak::HarnessSetup setup = soak::harness_setup_for(s, "state");
      BOOST_TEST((m.get(setup.engine) == kOdd));
      BOOST_TEST((m.get(soak::harness_setup_for(gate(), "state").engine) != kOdd));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_harness_cadence_is_settable_from_a_scenario) {
  for (const harness::DriverInterval& d : harness::driver_intervals()) {
    BOOST_TEST_CONTEXT("/maintain/" << d.key) {
      BOOST_TEST(engine::find_maintain_interval(d.key) == nullptr, "the key is the engine's too");
      soak::Scenario s = gate();
      s.maintain_intervals[std::string(d.key)] = kOdd;
      const soak::HarnessSetup setup = soak::harness_setup_for(s, "state");
      BOOST_TEST((setup.options.intervals.*d.field == kOdd));
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_maintain_key_is_refused_naming_it_and_every_known_key) {
  soak::Scenario s = gate();
  s.maintain_intervals["bogus"] = 5min;
  try {
    soak::harness_setup_for(s, "state");
    BOOST_FAIL("accepted /maintain/bogus");
  } catch (const soak::BadInput& e) {
    const std::string message = e.what();
    BOOST_TEST(message.find("/maintain/bogus: unknown component; known: ") != std::string::npos, message);
    for (const engine::MaintainInterval& m : engine::maintain_schedule()) {
      BOOST_TEST(message.find(std::string(m.key)) != std::string::npos, m.key);
    }
    for (const harness::DriverInterval& d : harness::driver_intervals()) {
      BOOST_TEST(message.find(std::string(d.key)) != std::string::npos, d.key);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_window_rule_reads_the_published_schedule) {
  // Each published cleanup, made the longest and no shorter than the
  // window, is the one the refusal names.
  for (const engine::MaintainInterval& m : engine::maintain_schedule()) {
    BOOST_TEST_CONTEXT("/maintain/" << m.key) {
      soak::Scenario s = gate();
      s.maintain_intervals[std::string(m.key)] = s.verdict.window + 1min;
      BOOST_CHECK_EXCEPTION(
          soak::harness_setup_for(s, "state"), soak::BadInput, [&](const soak::BadInput& e) {
            return std::string(e.what()).find("must be longer than /maintain/" + std::string(m.key)) !=
                   std::string::npos;
          });
    }
  }
}

BOOST_AUTO_TEST_CASE(shipped_scenarios_and_canaries_name_only_failpoints_the_engine_knows) {
  for (const auto& entry : fs::directory_iterator(source_dir() / "soak/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    BOOST_TEST_CONTEXT(entry.path().filename()) {
      const soak::Scenario s = soak::load_scenario(entry.path());
      for (const std::string& name : s.failpoints) BOOST_CHECK_NO_THROW(engine::Failpoints::parse(name));
      for (const auto& [key, interval] : s.maintain_intervals) {
        bool known = engine::find_maintain_interval(key) != nullptr;
        for (const harness::DriverInterval& d : harness::driver_intervals()) known = known || d.key == key;
        BOOST_TEST(known, "/maintain/" << key);
      }
    }
  }
  const auto catalog = soak::canary_catalog();
  BOOST_REQUIRE(catalog.size() == engine::canary_catalog().size());
  for (const soak::CanaryExpectation& e : catalog) {
    BOOST_CHECK_NO_THROW(engine::Failpoints::parse(e.failpoint));
    BOOST_TEST(!e.accepted_components.empty(), e.failpoint);
  }
}
