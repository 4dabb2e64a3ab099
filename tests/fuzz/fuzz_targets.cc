#include "tests/fuzz/fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "reports/json.h"
#include "soak/scenario/scenario.h"

namespace plateau::fuzz {
namespace {

[[noreturn]] void finding(const char* reader, const char* what) {
  std::fprintf(stderr, "fuzz finding: %s threw an undocumented exception: %s\n", reader, what);
  std::abort();
}

}  // namespace

bool scenario_input(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const soak::Scenario sc = soak::parse_scenario(text, "fuzz.json");
    // An accepted scenario satisfies its own invariants.
    soak::validate_scenario(sc, "fuzz.json");
    return true;
  } catch (const soak::ScenarioError&) {
    return false;
  } catch (const std::exception& e) {
    finding("parse_scenario", e.what());
  }
}

bool report_input(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const reports::Report report = reports::parse_report(text);
    // An accepted report writes and reads back (what `merge` and `compare` do).
    (void)reports::parse_report(reports::render_json(report));
    return true;
  } catch (const reports::ReportFormatError&) {
    return false;
  } catch (const std::exception& e) {
    finding("parse_report", e.what());
  }
}

}  // namespace plateau::fuzz
