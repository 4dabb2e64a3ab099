#define BOOST_TEST_MODULE soak_canary_matrix
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "reports/json.h"
#include "soak/canaries/canary_catalog.h"
#include "tests/soak/canaries/gate_matrix_run.h"
#include "tests/soak/compare/report_builders.h"

// The canary matrix end to end: `plateau canaries` over the gate scenario,
// every failpoint and three clean seeds, as CI runs it. Slow by design (it
// is the proof plateau still catches its bugs); label `canary`.

using namespace plateau;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(every_canary_is_caught_in_its_component_and_clean_seeds_stay_bounded) {
  const auto matrix = testing::run_gate_matrix("canary-matrix-out", {"--seeds", "3", "--family", "seed"});
  const fs::path& out = matrix.out;
  BOOST_TEST_MESSAGE("matrix wall time " << matrix.result.wall_seconds << " s; log " << matrix.log_file);
  BOOST_TEST(matrix.result.exit_code == 0,
             "plateau canaries exited " << matrix.result.exit_code << "; see " << matrix.log_file);

  const reports::Report report = reports::read_report_file(out / "report.json");
  BOOST_REQUIRE(report.canary_matrix.has_value());
  BOOST_TEST(report.verdict == reports::Verdict::bounded);
  const auto& canaries = report.canary_matrix->canaries;
  std::vector<std::string> seed_family;
  for (const auto& fp : engine::all_failpoints()) {
    if (fp.family == engine::FailpointFamily::kSeed) seed_family.emplace_back(fp.name);
  }
  BOOST_REQUIRE(canaries.size() == seed_family.size());
  for (std::size_t i = 0; i < canaries.size(); ++i) {
    const auto& c = canaries[i];
    const auto& expectation = soak::canary_expectation(c.failpoint);
    BOOST_TEST(c.failpoint == seed_family[i]);
    BOOST_TEST(c.expected_component == expectation.component);
    std::string fired;
    for (const auto& signal : c.signals_fired) fired += (fired.empty() ? "" : ", ") + signal;
    BOOST_TEST(c.detected, c.failpoint << " not detected in " << c.expected_component
                                       << "; signals fired: " << (fired.empty() ? "none" : fired));
    BOOST_TEST(c.time_to_detect_s.has_value(), c.failpoint << " has no time to detect");
    if (c.time_to_detect_s) {
      BOOST_TEST(*c.time_to_detect_s >= 0.0);
      BOOST_TEST(*c.time_to_detect_s <= report.scenario.duration_s);
    }
    BOOST_TEST_MESSAGE(c.failpoint << ": time to detect " << c.time_to_detect_s.value_or(-1)
                                   << " s, heap site " << reports::to_string(c.heap_site_in_component));
  }
  BOOST_REQUIRE(report.canary_matrix->clean_runs.size() == 3u);
  for (const auto& clean : report.canary_matrix->clean_runs) {
    BOOST_TEST(clean.verdict == reports::Verdict::bounded,
               "clean seed " << clean.seed << " was not bounded; see "
                             << out / ("clean-seed-" + std::to_string(clean.seed)));
  }
  BOOST_TEST(fs::exists(out / "summary.md"));
  BOOST_TEST(fs::exists(out / "report.html"));
  BOOST_TEST(fs::exists(out / "junit.xml"));
}
